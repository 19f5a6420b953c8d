//! `wcomp new`: a guest project generated from a WIT world, added to the
//! app's manifest.
//!
//! Everything is planned in memory and checked first; only then are files
//! written, app.toml last and atomically, so a failed `new` writes nothing.

pub(crate) mod http;
pub(crate) mod test_for;
pub(crate) mod world;
mod writes;

use std::path::{Path, PathBuf};

use wcomp_compose::manifest;
use wcomp_compose::{App, JsBackend, KebabName, Lang, ManifestError, PackageName, PackageSpec};

use crate::wit::{WitError, WitSet, World};
use writes::Writes;
pub use writes::{ChangedFiles, Existing, Owner};

/// What to scaffold.
#[derive(Debug, Clone)]
pub struct NewOptions {
    /// The component's name; the directory's name when scaffolding in place.
    pub name: Option<String>,
    pub lang: Lang,
    /// A WIT directory to take the world from.
    pub wit: Option<PathBuf>,
    pub world: Option<String>,
    /// Scaffold into a folder that is not empty.
    pub force: bool,
    /// What to do with a file in the way that changed since `new` wrote it.
    pub changed_files: ChangedFiles,
}

/// What `new` did.
#[derive(Debug)]
pub struct Created {
    pub name: String,
    pub dir: PathBuf,
    pub world: String,
    pub manifest: PathBuf,
    pub created_app: bool,
    pub js_backend: Option<JsBackend>,
    /// A wasi:http handler (or middleware): served, not run.
    pub http: bool,
    /// The WIT package fetched for the world, added to `[wit.deps]`.
    pub wit_dep: Option<WitDep>,
    /// The person's files that were in the way (`--force`), and what
    /// became of each.
    pub existing: Vec<Existing>,
}

/// Why nothing was scaffolded.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum NewError {
    #[error("invalid component name `{name}`")]
    #[diagnostic(
        code(wcomp::new::invalid_name),
        help("names are kebab-case (lowercase words joined by `-`); try `{suggestion}`")
    )]
    InvalidName { name: String, suggestion: String },

    #[error("`{}` exists and is not empty", dir.display())]
    #[diagnostic(
        code(wcomp::new::not_empty),
        help("choose another name, or pass `--force` to scaffold into it anyway")
    )]
    NotEmpty { dir: PathBuf },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Manifest(#[from] ManifestError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Wit(#[from] WitError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Registry(#[from] crate::registry::RegistryError),

    #[error("cannot copy the WIT: `{}` is a link {reason}", link.display())]
    #[diagnostic(
        code(wcomp::new::wit_link),
        help("copy the files the link points to into the WIT folder instead, or remove the link")
    )]
    WitLink { link: PathBuf, reason: &'static str },

    #[error(transparent)]
    #[diagnostic(transparent)]
    CBindings(#[from] crate::lang::c::bindings::BindingsError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    GoBindings(#[from] crate::lang::go::bindings::BindingsError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Unsupported(#[from] crate::lang::Unsupported),

    #[error(transparent)]
    #[diagnostic(transparent)]
    NoHttpStarter(#[from] http::NoStarter),

    #[error("cannot create `{}`: {what} is in the way", path.display())]
    #[diagnostic(
        code(wcomp::new::in_the_way),
        help("move it aside, or scaffold into another folder")
    )]
    InTheWay { path: PathBuf, what: &'static str },

    #[error("cannot add the component to `{}`: {message}", path.display())]
    #[diagnostic(code(wcomp::new::edit_manifest))]
    EditManifest { path: PathBuf, message: String },

    #[error("cannot write `{}`", path.display())]
    #[diagnostic(code(wcomp::new::io))]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// A `[wit.deps]` entry `wcomp new` adds: `"name" = "requirement"`.
#[derive(Debug, Clone)]
pub struct WitDep {
    /// `ns:name`.
    pub name: String,
    /// The requirement written: `=1.2.3` for a version `--world` named.
    pub requirement: String,
}

/// Fetches a WIT package the app does not have, for `wcomp new --world
/// ns:pkg/world@1.2.3`: the version it resolved to and the Wasm-encoded
/// package's file (in the cache: nothing of the app's is written).
pub type FetchWit<'a> =
    &'a dyn Fn(&PackageSpec) -> Result<(semver::Version, PathBuf), crate::registry::RegistryError>;

/// A file to write, relative to the component's directory.
pub struct File {
    pub path: PathBuf,
    pub contents: Vec<u8>,
    /// Whether `--force` may replace it once the person changed it.
    pub owner: Owner,
}

impl File {
    /// A file of the person's: a stub, a package manifest, `.gitignore`.
    pub(crate) fn new(path: impl Into<PathBuf>, contents: String) -> Self {
        File {
            path: path.into(),
            contents: contents.into_bytes(),
            owner: Owner::Person,
        }
    }
}

/// What the generators need.
pub struct Context<'a> {
    pub name: &'a str,
    pub world: &'a World,
    /// The app's WIT directory, relative to the component's directory.
    pub wit_rel: String,
    /// The componentizer the language chose for the world, if it has a
    /// choice (JS: componentize-qjs has the async ABI, but no `console`).
    pub backend: Option<JsBackend>,
}

impl Context<'_> {
    /// What a command's `run` stub prints: a greeting and, for a command
    /// wcomp made around a world that only imports, what it can call.
    pub fn run_lines(&self) -> Vec<String> {
        let mut lines = vec![format!("Hello from {}!", self.name)];
        if let Some(wrapped) = &self.world.wraps {
            lines.push(format!("This command implements `{wrapped}`; it can call:"));
            lines.extend(
                self.callable_imports()
                    .into_iter()
                    .map(|f| format!("  {f}")),
            );
        }
        lines
    }

    /// The functions of the world's imports other than WASI's, as
    /// `iface#f`: what a command around an imports-only world would call.
    fn callable_imports(&self) -> Vec<String> {
        let resolve = &self.world.resolve;
        let world = &resolve.worlds[self.world.id];
        let mut out = Vec::new();
        for (key, item) in &world.imports {
            match item {
                wit_parser::WorldItem::Interface { id, .. } => {
                    let name = resolve.name_world_key(key);
                    if name.starts_with("wasi:") {
                        continue;
                    }
                    for f in resolve.interfaces[*id].functions.values() {
                        out.push(format!("{name}#{}", f.name));
                    }
                }
                wit_parser::WorldItem::Function(f) => out.push(f.name.clone()),
                wit_parser::WorldItem::Type { .. } => {}
            }
        }
        out
    }
}

/// The message a stub fails with.
pub fn placeholder_message(what: &str) -> String {
    format!("`{what}` is not implemented yet")
}

/// The WIT of a starter command: a world that exports `wasi:cli/run`.
fn starter_world(name: &str) -> String {
    format!(
        "/// The `{name}` component: a command that prints a greeting.\nworld {name} {{\n  export wasi:cli/run@0.2.12;\n}}\n"
    )
}

/// The app package's declaration file, written with a new `wit/`.
fn package_wit(app: &str) -> String {
    format!("/// The interfaces and worlds of the `{app}` app.\npackage app:{app};\n")
}

/// Where the component goes, and the app it joins.
struct Target {
    name: KebabName,
    dir: PathBuf,
    in_place: bool,
    manifest: PathBuf,
    existing: Option<App>,
    app_name: String,
}

/// Where the component's world comes from.
struct WitSource {
    /// The WIT to read the world from; `None`: the app has no `wit/` yet.
    read_from: Option<PathBuf>,
    /// `wit = ...` for app.toml, relative to it, when not the app's `wit/`.
    recorded: Option<String>,
    /// A copy into the app of WIT that lives outside it.
    copy: Option<(PathBuf, PathBuf)>,
    /// The `wit` already in the component's folder (`wcomp new --force` on
    /// an existing project), which `wcomp build` reads without `wit = ...`:
    /// no starter world goes into the app's `wit/` for it.
    own: bool,
}

/// Scaffolds a component in `cwd`'s app (creating the app if there is none).
/// A fully qualified `--world` whose package is not local is fetched with
/// `fetch`, if given, and added to `[wit.deps]`.
///
/// Everything is planned and checked in memory first; then the files are
/// written all or none, app.toml last.
pub fn new(cwd: &Path, opts: &NewOptions, fetch: Option<FetchWit>) -> Result<Created, NewError> {
    let target = target(cwd, opts)?;
    let source = wit_source(cwd, &target, opts.wit.as_deref())?;
    let mut writes = Writes::default();
    // `--world wasi:http/...` without `--wit`: a working handler, its world
    // written into the app's `wit/`.
    let http = opts
        .world
        .as_deref()
        .and_then(http::Starter::parse)
        .filter(|_| opts.wit.is_none() && !source.own);
    let (world, world_spec, wit_dep) = match http {
        Some(starter) => {
            let (world, spec) = http_world(cwd, &target, &source, starter, opts.lang, &mut writes)?;
            (world, spec, None)
        }
        None => resolve_world(cwd, &target, &source, opts, fetch, &mut writes)?,
    };
    let language = crate::lang::driver(opts.lang);
    language.check_world(&world)?;
    let js_backend = language.backend(&world, None);
    let materialized = crate::build::materialized_wit_dir(cwd, target.name.as_str());
    let alone = world.alone()?;
    let cx = Context {
        name: target.name.as_str(),
        world: &alone,
        wit_rel: relative(&target.dir, &materialized),
        backend: js_backend,
    };
    let files = match http {
        Some(starter) => starter.files(&cx, opts.lang)?,
        None => language.files(&cx)?,
    };
    for file in files {
        writes.add_owned(target.dir.join(&file.path), file.contents, file.owner);
    }
    if let Some((from, to)) = &source.copy {
        writes.copy_wit(from, to)?;
    }
    let entry = ManifestEntry {
        name: target.name.as_str(),
        in_place: target.in_place,
        lang: opts.lang,
        world: &world_spec,
        wit: source.recorded.as_deref(),
        js_backend,
        wit_dep: wit_dep.as_ref(),
    };
    let manifest_text = manifest_with(target.existing.as_ref(), &target.app_name, &entry)?;
    let existing = writes.settle(cwd, opts.changed_files)?;
    writes.check()?;
    writes.commit()?;
    if language.reads_materialized_wit() {
        // The bindings read the materialized WIT: write it now, so the
        // project checks (and rust-analyzer works) before the first build.
        world.materialize(&materialized)?;
    }
    wcomp_core::fs::write_atomically(&target.manifest, manifest_text.as_bytes()).map_err(|e| {
        NewError::Io {
            path: e.path,
            source: e.source,
        }
    })?;
    Ok(Created {
        name: target.name.to_string(),
        dir: target.dir,
        world: world_spec,
        manifest: target.manifest,
        created_app: target.existing.is_none(),
        js_backend,
        http: http.is_some(),
        existing,
        wit_dep,
    })
}

/// The component's name and folder, and the app it joins: named or in place,
/// kebab-case, not already in app.toml, into an empty folder (or `--force`).
fn target(cwd: &Path, opts: &NewOptions) -> Result<Target, NewError> {
    let in_place = opts.name.is_none();
    let name = match &opts.name {
        Some(name) => name.clone(),
        None => cwd
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    let kebab = KebabName::new(&name).map_err(|suggestion| NewError::InvalidName {
        suggestion,
        name: name.clone(),
    })?;
    let manifest = cwd.join(manifest::FILE_NAME);
    let existing = if manifest.exists() {
        Some(App::load_adding(&manifest, &kebab)?)
    } else {
        None
    };
    let dir = if in_place {
        cwd.to_owned()
    } else {
        cwd.join(&name)
    };
    if is_occupied(&dir, in_place) && !opts.force {
        return Err(NewError::NotEmpty { dir });
    }
    let app_name = existing
        .as_ref()
        .map_or_else(|| kebab.to_string(), |a| a.name().to_string());
    Ok(Target {
        name: kebab,
        dir,
        in_place,
        manifest,
        existing,
        app_name,
    })
}

/// Whether `dir` holds anything a new component would clash with (in place,
/// the app's own files do not count).
fn is_occupied(dir: &Path, in_place: bool) -> bool {
    std::fs::read_dir(dir).is_ok_and(|mut entries| {
        entries.any(|e| {
            e.ok().is_some_and(|e| {
                !(in_place
                    && matches!(
                        e.file_name().to_str(),
                        Some("app.toml" | "wit" | "target" | ".git")
                    ))
            })
        })
    })
}

/// Where the world is read from: by default, the `wit` already in the
/// component's folder if there is one (as `wcomp build` will), else the
/// app's `wit/`; `--wit PATH` inside the app is recorded as the
/// component's `wit`; outside it, the WIT is copied into the component's
/// folder and that is recorded.
fn wit_source(cwd: &Path, target: &Target, given: Option<&Path>) -> Result<WitSource, NewError> {
    let app_wit = cwd.join("wit");
    let Some(given) = given else {
        if let Some(own) = manifest::own_wit(cwd, &target.dir) {
            return Ok(WitSource {
                read_from: Some(own),
                recorded: None,
                copy: None,
                own: true,
            });
        }
        return Ok(WitSource {
            read_from: app_wit.exists().then_some(app_wit),
            recorded: None,
            copy: None,
            own: false,
        });
    };
    let canonical = std::fs::canonicalize(given).map_err(|_| WitError::Missing {
        path: given.to_owned(),
    })?;
    let app_dir = std::fs::canonicalize(cwd).map_err(|source| NewError::Io {
        path: cwd.to_owned(),
        source,
    })?;
    if std::fs::canonicalize(&app_wit).ok().as_ref() == Some(&canonical) {
        return Ok(WitSource {
            read_from: Some(app_wit),
            recorded: None,
            copy: None,
            own: false,
        });
    }
    if let Ok(inside) = canonical.strip_prefix(&app_dir) {
        return Ok(WitSource {
            read_from: Some(canonical.clone()),
            recorded: Some(inside.to_string_lossy().into_owned()),
            copy: None,
            own: false,
        });
    }
    let copy_to = target.dir.join("wit");
    let recorded = relative(cwd, &copy_to);
    Ok(WitSource {
        read_from: Some(canonical.clone()),
        recorded: Some(recorded),
        copy: Some((canonical, copy_to)),
        own: false,
    })
}

/// The world to implement, how app.toml names it, and the WIT package
/// fetched for it (`[wit.deps]`'s new entry). Without `--world`, the world
/// named after the component if the WIT has one, else a starter command
/// added to the app's `wit/` package (queued in `writes`).
fn resolve_world(
    cwd: &Path,
    target: &Target,
    source: &WitSource,
    opts: &NewOptions,
    fetch: Option<FetchWit>,
    writes: &mut Writes,
) -> Result<(World, String, Option<WitDep>), NewError> {
    let fetched = target
        .existing
        .as_ref()
        .map(crate::wit::fetched_packages)
        .unwrap_or_default();
    let set = WitSet::load_with(source.read_from.as_deref(), &[], Some(cwd), &fetched)?;
    let spec = opts
        .world
        .clone()
        .unwrap_or_else(|| target.name.to_string());
    let remote = remote_package(&spec).filter(|(name, version)| !has_package(&set, name, version));
    match (World::from_set(set, &spec), remote.zip(fetch)) {
        (Ok(world), _) => Ok((world, spec, None)),
        (Err(WitError::NoWorld { .. }), Some(((name, version), fetch))) => {
            let (world, dep) = fetched_world(cwd, source, fetched, &spec, name, version, fetch)?;
            Ok((world, spec, Some(dep)))
        }
        (Err(WitError::NoWorld { .. }), None)
            if opts.world.is_none() && source.recorded.is_none() && !source.own =>
        {
            let name = target.name.as_str();
            let starter = starter_files(cwd, &target.app_name, name, starter_world(name))?;
            let set =
                WitSet::load_with(source.read_from.as_deref(), &starter, Some(cwd), &fetched)?;
            let world = World::from_set(set, &spec)?;
            for (path, text) in starter {
                writes.add(path, text);
            }
            Ok((world, spec, None))
        }
        (Err(e), _) => Err(e.into()),
    }
}

/// World `spec` of package `name`, which the app does not have, from the
/// registry (`version` exactly, else the highest there is), and the
/// `[wit.deps]` entry that keeps it: a version named in `--world` pinned.
fn fetched_world(
    cwd: &Path,
    source: &WitSource,
    mut fetched: Vec<PathBuf>,
    spec: &str,
    name: PackageName,
    version: Option<semver::Version>,
    fetch: FetchWit,
) -> Result<(World, WitDep), NewError> {
    let requirement = match &version {
        Some(v) => semver::VersionReq {
            comparators: vec![semver::Comparator {
                op: semver::Op::Exact,
                major: v.major,
                minor: Some(v.minor),
                patch: Some(v.patch),
                pre: v.pre.clone(),
            }],
        },
        None => semver::VersionReq::STAR,
    };
    let (resolved, file) = fetch(&PackageSpec::new(name.clone(), requirement.clone()))?;
    fetched.push(file);
    let set = WitSet::load_with(source.read_from.as_deref(), &[], Some(cwd), &fetched)?;
    let world = World::from_set(set, spec)?;
    let written = match version {
        Some(_) => requirement.to_string(),
        None => resolved.to_string(),
    };
    let dep = WitDep {
        name: name.to_string(),
        requirement: written,
    };
    Ok((world, dep))
}

/// The package of a fully qualified world, `ns:pkg/world[@version]`.
fn remote_package(world: &str) -> Option<(PackageName, Option<semver::Version>)> {
    let (package, rest) = world.split_once('/')?;
    let name: PackageName = package.parse().ok()?;
    let version = match rest.split_once('@') {
        Some((_, version)) => Some(semver::Version::parse(version).ok()?),
        None => None,
    };
    Some((name, version))
}

/// Whether `set` has package `name` (at `version`, if given).
fn has_package(set: &WitSet, name: &PackageName, version: &Option<semver::Version>) -> bool {
    set.resolve.packages.iter().any(|(_, p)| {
        p.name.namespace == name.namespace()
            && p.name.name == name.name()
            && (version.is_none() || p.name.version == *version)
    })
}

/// The world of an HTTP starter, written into the app's `wit/` as
/// `NAME.wit` (queued in `writes`), and how app.toml names it.
fn http_world(
    cwd: &Path,
    target: &Target,
    source: &WitSource,
    starter: http::Starter,
    lang: Lang,
    writes: &mut Writes,
) -> Result<(World, String), NewError> {
    let name = target.name.as_str();
    let text = starter.world_wit(lang)?.replace("{{name}}", name);
    let files = starter_files(cwd, &target.app_name, name, text)?;
    let fetched = target
        .existing
        .as_ref()
        .map(crate::wit::fetched_packages)
        .unwrap_or_default();
    let set = WitSet::load_with(source.read_from.as_deref(), &files, Some(cwd), &fetched)?;
    let world = World::from_set(set, name)?;
    for (path, text) in files {
        writes.add(path, text);
    }
    Ok((world, name.to_owned()))
}

/// The files of a starter's world (`text`) in the app's `wit/`: the world,
/// and the package line when the folder has no package of its own yet.
fn starter_files(
    cwd: &Path,
    app: &str,
    name: &str,
    text: String,
) -> Result<Vec<(PathBuf, String)>, NewError> {
    let wit_dir = cwd.join("wit");
    let world_file = wit_dir.join(format!("{name}.wit"));
    if world_file.exists() {
        return Err(NewError::InTheWay {
            path: world_file,
            what: "a WIT file of that name, without a world of that name",
        });
    }
    let has_package = std::fs::read_dir(&wit_dir).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.path().extension().is_some_and(|x| x == "wit"))
    });
    let mut files = vec![(world_file, text)];
    if !has_package {
        files.push((wit_dir.join("package.wit"), package_wit(app)));
    }
    Ok(files)
}

/// The new component's `[components.NAME]` entry.
struct ManifestEntry<'a> {
    name: &'a str,
    in_place: bool,
    lang: Lang,
    world: &'a str,
    wit: Option<&'a str>,
    js_backend: Option<JsBackend>,
    /// A `[wit.deps]` entry to add.
    wit_dep: Option<&'a WitDep>,
}

/// The manifest with `[components.NAME]` added, the file's formatting and
/// comments kept; a new manifest when there is none.
fn manifest_with(
    existing: Option<&App>,
    app_name: &str,
    new: &ManifestEntry<'_>,
) -> Result<String, NewError> {
    let mut doc: toml_edit::DocumentMut = match existing {
        Some(app) => {
            app.text()
                .parse()
                .map_err(|e: toml_edit::TomlError| NewError::EditManifest {
                    path: app.path().to_owned(),
                    message: e.to_string(),
                })?
        }
        None => {
            let mut doc = toml_edit::DocumentMut::new();
            doc.decor_mut()
                .set_prefix("# The app manifest: see `wcomp new --help` and the wcomp book.\n");
            let mut app = toml_edit::Table::new();
            app["name"] = toml_edit::value(app_name);
            app["main"] = toml_edit::value(new.name);
            doc["app"] = toml_edit::Item::Table(app);
            doc
        }
    };
    let mut entry = toml_edit::Table::new();
    entry["lang"] = toml_edit::value(new.lang.name());
    if new.in_place {
        entry["path"] = toml_edit::value(".");
    }
    if let Some(wit) = new.wit {
        entry["wit"] = toml_edit::value(wit);
    }
    if new.world != new.name {
        entry["world"] = toml_edit::value(new.world);
    }
    if let Some(backend) = new.js_backend {
        entry["js-backend"] = toml_edit::value(backend.name());
    }
    if doc.get("components").is_none() {
        let mut components = toml_edit::Table::new();
        components.set_implicit(true);
        doc["components"] = toml_edit::Item::Table(components);
    }
    doc["components"][new.name] = toml_edit::Item::Table(entry);
    if let Some(dep) = new.wit_dep {
        add_wit_dep(&mut doc, &dep.name, &dep.requirement);
    }
    Ok(doc.to_string())
}

/// `[wit.deps] "name" = "requirement"`, the table made if there is none.
fn add_wit_dep(doc: &mut toml_edit::DocumentMut, name: &str, requirement: &str) {
    let wit = doc.entry("wit").or_insert_with(|| {
        let mut wit = toml_edit::Table::new();
        wit.set_implicit(true);
        toml_edit::Item::Table(wit)
    });
    if wit.get("deps").is_none() {
        wit["deps"] = toml_edit::Item::Table(toml_edit::Table::new());
    }
    wit["deps"][name] = toml_edit::value(requirement);
}

/// `to` relative to `from` (both under the app directory).
fn relative(from: &Path, to: &Path) -> String {
    let from: Vec<_> = from.components().collect();
    let to: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> =
        std::iter::repeat_n("..".to_owned(), from.len() - common).collect();
    parts.extend(
        to[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    if parts.is_empty() {
        ".".to_owned()
    } else {
        parts.join("/")
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    #[test]
    fn relative_paths() {
        assert_eq!(
            super::relative(Path::new("/a/cli"), Path::new("/a/wit")),
            "../wit"
        );
        assert_eq!(super::relative(Path::new("/a"), Path::new("/a/wit")), "wit");
        assert_eq!(
            super::relative(Path::new("/a/x/y"), Path::new("/a/wit")),
            "../../wit"
        );
    }
}
