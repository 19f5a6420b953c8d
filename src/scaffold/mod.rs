//! `wcomp new`: a guest project generated from a WIT world, added to the
//! app's manifest.
//!
//! Everything is planned in memory and checked first; only then are files
//! written, app.toml last and atomically, so a failed `new` writes nothing.

mod c;
mod js;
mod python;
mod rust;
mod world;

use std::path::{Path, PathBuf};

use wcomp_compose::manifest::{self, JsBackend};
use wcomp_compose::{App, Lang, ManifestError};

use crate::wit::{WitError, World};

/// What to scaffold.
#[derive(Debug, Clone)]
pub struct NewOptions {
    /// The component's name; the directory's name when scaffolding in place.
    pub name: Option<String>,
    pub lang: Lang,
    /// A WIT directory to take the world from.
    pub wit: Option<PathBuf>,
    pub world: Option<String>,
    pub force: bool,
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

    #[error("the app keeps its WIT in `{}`, not `{}`", app_wit.display(), given.display())]
    #[diagnostic(
        code(wcomp::new::wit_elsewhere),
        help(
            "move the world into the app's `wit/` package (its `deps/` can hold other packages), then run `wcomp new` without `--wit`"
        )
    )]
    WitElsewhere { app_wit: PathBuf, given: PathBuf },

    #[error(transparent)]
    #[diagnostic(transparent)]
    CBindings(#[from] crate::c_bindings::BindingsError),

    #[error("cannot write `{}`", path.display())]
    #[diagnostic(code(wcomp::new::io))]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// A file to write, relative to the component's directory.
pub struct File {
    pub path: PathBuf,
    pub contents: Vec<u8>,
}

impl File {
    fn new(path: impl Into<PathBuf>, contents: String) -> Self {
        File {
            path: path.into(),
            contents: contents.into_bytes(),
        }
    }
}

/// What the generators need.
pub struct Context<'a> {
    pub name: &'a str,
    pub world: &'a World,
    /// The app's WIT directory, relative to the component's directory.
    pub wit_rel: String,
    /// JS built by componentize-qjs (async ABI, no `console`).
    pub js_async: bool,
}

impl Context<'_> {
    /// What a starter command prints.
    pub fn greeting(&self) -> String {
        format!("Hello from {}!", self.name)
    }
}

/// The message a stub fails with.
pub fn placeholder_message(what: &str) -> String {
    format!("`{what}` is not implemented yet")
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> NewError + '_ {
    move |source| NewError::Io {
        path: path.to_owned(),
        source,
    }
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

/// Scaffolds a component in `cwd`'s app (creating the app if there is none).
pub fn new(cwd: &Path, opts: &NewOptions) -> Result<Created, NewError> {
    let in_place = opts.name.is_none();
    let name = match &opts.name {
        Some(name) => name.clone(),
        None => cwd
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    if !manifest::is_kebab_case(&name) {
        return Err(NewError::InvalidName {
            suggestion: manifest::to_kebab_case(&name),
            name,
        });
    }

    let manifest_path = cwd.join(manifest::FILE_NAME);
    let existing = if manifest_path.exists() {
        Some(App::load_adding(&manifest_path, &name)?)
    } else {
        None
    };
    if let Some(app) = &existing
        && let Some((span_name, _)) = app
            .manifest
            .components
            .iter()
            .find(|(n, _)| n.get_ref() == &name)
    {
        return Err(app
            .error(
                format!("the app already has a component `{name}`"),
                span_name.span(),
                "declared here",
                Some("choose another name, or remove this entry first".into()),
            )
            .into());
    }

    let dir = if in_place {
        cwd.to_owned()
    } else {
        cwd.join(&name)
    };
    let occupied = std::fs::read_dir(&dir).is_ok_and(|mut entries| {
        entries.any(|e| {
            e.ok().is_some_and(|e| {
                !(in_place
                    && matches!(
                        e.file_name().to_str(),
                        Some("app.toml" | "wit" | "target" | ".git")
                    ))
            })
        })
    });
    if occupied && !opts.force {
        return Err(NewError::NotEmpty { dir });
    }

    // The app's WIT: where it is, and what must be added to it.
    let wit_dir = cwd.join("wit");
    let mut wit_files: Vec<(PathBuf, String)> = Vec::new();
    let mut copy_wit_from = None;
    if let Some(given) = &opts.wit {
        let same = std::fs::canonicalize(given).ok() == std::fs::canonicalize(&wit_dir).ok();
        if !same {
            if wit_dir.exists() {
                return Err(NewError::WitElsewhere {
                    app_wit: wit_dir,
                    given: given.clone(),
                });
            }
            copy_wit_from = Some(given.clone());
        }
    }
    let app_name = existing
        .as_ref()
        .map_or_else(|| name.clone(), |a| a.name().to_owned());
    let world_name = opts.world.clone().unwrap_or_else(|| name.clone());

    // Resolve the world: in the given or existing WIT, else a starter.
    let source_wit = copy_wit_from.clone().unwrap_or_else(|| wit_dir.clone());
    let world = if source_wit.is_dir() {
        match World::load(&source_wit, &world_name) {
            Ok(world) => Some(world),
            Err(WitError::NoWorld { .. }) if opts.world.is_none() => None,
            Err(e) => return Err(e.into()),
        }
    } else if opts.world.is_some() {
        return Err(WitError::Missing { dir: source_wit }.into());
    } else {
        None
    };
    let world = match world {
        Some(world) => world,
        None => {
            // A starter command, in a world named after the component.
            if !wit_dir.is_dir() {
                wit_files.push((wit_dir.join("package.wit"), package_wit(&app_name)));
            }
            wit_files.push((
                wit_dir.join(format!("{world_name}.wit")),
                starter_world(&world_name),
            ));
            // Only WASI 0.2: a second version of a package in deps/ would
            // rename wit-bindgen's modules (`cli` becomes `cli0_2_12`) in
            // Rust components generated before.
            let present = declared_packages(&wit_dir.join("deps"));
            for (file, text) in crate::vendored::WASI
                .iter()
                .filter(|(f, _)| f.ends_with("-0.2.12.wit"))
            {
                if !package_of(text).is_some_and(|p| present.iter().any(|q| q == p)) {
                    wit_files.push((wit_dir.join("deps").join(file), (*text).to_owned()));
                }
            }
            let staging = tempfile::tempdir().map_err(io(&wit_dir))?;
            let staged = staging.path().join("wit");
            if wit_dir.is_dir() {
                copy_tree(&wit_dir, &staged).map_err(io(&wit_dir))?;
            }
            for (path, text) in &wit_files {
                let target = staged.join(path.strip_prefix(&wit_dir).unwrap_or(path));
                std::fs::create_dir_all(target.parent().unwrap_or(&staged)).map_err(io(&target))?;
                std::fs::write(&target, text).map_err(io(&target))?;
            }
            let mut world = World::load(&staged, &world_name)?;
            world.dir = wit_dir.clone();
            world
        }
    };

    let js_backend = (opts.lang == Lang::Js).then(|| {
        if world.uses_async() {
            JsBackend::ComponentizeQjs
        } else {
            JsBackend::ComponentizeJs
        }
    });
    let cx = Context {
        name: &name,
        world: &world,
        wit_rel: relative(&dir, &wit_dir),
        js_async: js_backend == Some(JsBackend::ComponentizeQjs),
    };
    let files = match opts.lang {
        Lang::Rust => rust::files(&cx),
        Lang::Python => python::files(&cx),
        Lang::Js => js::files(&cx),
        Lang::C | Lang::Cpp => c::files(&cx, opts.lang)?,
    };
    let manifest_text = manifest_with(
        existing.as_ref(),
        &app_name,
        &name,
        in_place,
        opts.lang,
        &world_name,
        js_backend,
    );

    // Nothing can fail for a reason of the user's any more: write.
    if let Some(from) = &copy_wit_from {
        copy_tree(from, &wit_dir).map_err(io(&wit_dir))?;
    }
    for (path, text) in &wit_files {
        write_new(path, text)?;
    }
    for file in &files {
        write_new(&dir.join(&file.path), &file.contents)?;
    }
    crate::fsutil::write_atomically(&manifest_path, manifest_text.as_bytes()).map_err(|e| {
        NewError::Io {
            path: e.path,
            source: e.source,
        }
    })?;
    Ok(Created {
        name,
        dir,
        world: world_name,
        manifest: manifest_path,
        created_app: existing.is_none(),
        js_backend,
    })
}

/// The package a WIT file declares: `wasi:cli@0.2.12`.
fn package_of(text: &str) -> Option<&str> {
    text.lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix("package "))
        .map(|p| p.trim_end_matches(';').trim())
}

/// The packages the files under `deps` declare (any layout).
fn declared_packages(deps: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![deps.to_owned()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(text) = std::fs::read_to_string(&path)
                && let Some(pkg) = package_of(&text)
            {
                found.push(pkg.to_owned());
            }
        }
    }
    found
}

fn write_new(path: &Path, text: impl AsRef<[u8]>) -> Result<(), NewError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    std::fs::write(path, text).map_err(io(path))
}

/// The manifest with `[components.NAME]` added, the file's formatting and
/// comments kept; a new manifest when there is none.
fn manifest_with(
    existing: Option<&App>,
    app_name: &str,
    name: &str,
    in_place: bool,
    lang: Lang,
    world: &str,
    js_backend: Option<JsBackend>,
) -> String {
    let mut doc: toml_edit::DocumentMut = match existing {
        Some(app) => app
            .source
            .parse()
            .expect("the manifest was parsed when loaded"),
        None => {
            let mut doc = toml_edit::DocumentMut::new();
            doc.decor_mut()
                .set_prefix("# The app manifest: see `wcomp new --help` and the wcomp book.\n");
            let mut app = toml_edit::Table::new();
            app["name"] = toml_edit::value(app_name);
            app["main"] = toml_edit::value(name);
            doc["app"] = toml_edit::Item::Table(app);
            doc
        }
    };
    let mut entry = toml_edit::Table::new();
    entry["lang"] = toml_edit::value(lang.name());
    if in_place {
        entry["path"] = toml_edit::value(".");
    }
    if world != name {
        entry["world"] = toml_edit::value(world);
    }
    if let Some(backend) = js_backend {
        entry["js-backend"] = toml_edit::value(match backend {
            JsBackend::ComponentizeJs => "componentize-js",
            JsBackend::ComponentizeQjs => "componentize-qjs",
        });
    }
    if doc.get("components").is_none() {
        let mut components = toml_edit::Table::new();
        components.set_implicit(true);
        doc["components"] = toml_edit::Item::Table(components);
    }
    doc["components"][name] = toml_edit::Item::Table(entry);
    doc.to_string()
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

fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
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
