//! Reading WIT the way wit-bindgen, componentize-py and cargo-component do
//! (through wit-parser's `Resolve`), in every layout people already have,
//! and choosing a world by a short or a fully qualified name.
//!
//! A WIT path is a `.wit` file, or a folder holding any of:
//! - `*.wit` files: one package;
//! - subfolders of `*.wit` files: one package each, side by side, which may
//!   use one another without a `deps/` folder;
//! - `deps/`: dependencies, each a folder or a single `.wit` file.
//!
//! The WASI that wcomp vendors is always in reach: its packages are added
//! unless the WIT defines them itself (the same name and version).
//!
//! So are the WIT packages the app fetches from registries (`[wit.deps]`
//! in app.toml, kept as Wasm-encoded WIT packages): each joins the
//! dependencies unless the WIT defines a package of that name and version
//! itself (local WIT wins).
//!
//! A world is then [materialized](World::materialize) for the toolchains:
//! only the packages it uses, its own package first, written under the
//! build directory, so each toolchain sees one simple layout whatever the
//! user's is, and never two versions of a package the world does not use.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wit_parser::{
    Function, PackageId, PackageName, Resolve, SourceMap, Type, TypeDefKind,
    UnresolvedPackageGroup, WorldId, WorldItem,
};

/// The WIT could not be read, or has no such world.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum WitError {
    #[error("no WIT at `{}`", path.display())]
    #[diagnostic(
        code(wcomp::wit::missing),
        help(
            "give a folder of `.wit` files or a single `.wit` file; `wcomp new` creates `wit/` for a new app"
        )
    )]
    Missing { path: PathBuf },

    #[error("no WIT at `{}`: it is a link to `{}`, which does not exist", path.display(), target.display())]
    #[diagnostic(
        code(wcomp::wit::dangling_link),
        help("point the link at a folder of `.wit` files or a `.wit` file, or remove it")
    )]
    DanglingLink { path: PathBuf, target: PathBuf },

    #[error("cannot read the WIT at `{}`", path.display())]
    #[diagnostic(code(wcomp::wit::read))]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("`{}` is a link to `{}`, which leads out of the WIT folder `{}`", link.display(), target.display(), root.display())]
    #[diagnostic(
        code(wcomp::wit::link_outside),
        help(
            "links in a WIT folder are followed within the folder and within the app's folder, no further; copy the WIT it points to into the folder, or name that WIT in app.toml (`wit = ...`)"
        )
    )]
    LinkOutside {
        link: PathBuf,
        /// Where the link points, as written.
        target: PathBuf,
        /// The WIT folder being read.
        root: PathBuf,
    },

    #[error("`{}` is not WIT: {reason}", path.display())]
    #[diagnostic(
        code(wcomp::wit::not_wit),
        help(
            "a `.wit` file is UTF-8 text that starts (after comments) with `package`, `interface`, `world` or `use`; its contents are not shown, as it may be any file"
        )
    )]
    NotWit { path: PathBuf, reason: &'static str },

    #[error("`{}` has a name of {length} bytes at line {line}, column {column}; a component's names are at most {max} bytes", path.display())]
    #[diagnostic(
        code(wcomp::wit::name_too_long),
        help("shorten the name: no component can carry it, so no toolchain could build it")
    )]
    NameTooLong {
        path: PathBuf,
        line: usize,
        column: usize,
        length: usize,
        /// The binary format's limit on a name.
        max: usize,
    },

    #[error("the WIT at `{}` does not resolve:\n{detail}", path.display())]
    #[diagnostic(code(wcomp::wit::parse))]
    Parse {
        path: PathBuf,
        /// wit-parser's account: file, line and a snippet.
        detail: String,
    },

    #[error("no world `{name}` in the WIT at `{}`{}", path.display(), suggestion.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default())]
    #[diagnostic(code(wcomp::wit::no_world), help("{available}"))]
    NoWorld {
        /// A world in reach whose name is a small edit away.
        suggestion: Option<String>,
        name: String,
        path: PathBuf,
        available: String,
    },

    #[error("several worlds are called `{name}`")]
    #[diagnostic(
        code(wcomp::wit::ambiguous_world),
        help("name one of them in full:\n{candidates}")
    )]
    AmbiguousWorld { name: String, candidates: String },

    #[error("invalid world name `{name}`")]
    #[diagnostic(
        code(wcomp::wit::bad_world_name),
        help("write a world's name, `adder`, or its full name, `docs:adder/adder@0.1.0`")
    )]
    BadWorldName { name: String },

    #[error("cannot write the WIT of world `{world}` to `{}`", path.display())]
    #[diagnostic(code(wcomp::wit::materialize))]
    Materialize {
        world: String,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Everything the WIT at a path defines, resolved, with the vendored WASI.
pub struct WitSet {
    pub resolve: Resolve,
    /// The path it was read from.
    pub path: PathBuf,
    /// The packages at the top of the path (its own `*.wit` files and the
    /// folders beside them), then those of its `deps/`.
    top: Vec<PackageId>,
    deps: Vec<PackageId>,
}

/// Parsed but not yet resolved packages, by where they came from.
struct Groups {
    top: Vec<UnresolvedPackageGroup>,
    deps: Vec<UnresolvedPackageGroup>,
}

/// Extra WIT files, in memory, that join a folder's own package: a starter
/// world `wcomp new` is about to write, checked before it is.
pub type Extra = [(PathBuf, String)];

impl WitSet {
    /// Reads and resolves the WIT at `path` (a folder or a `.wit` file),
    /// with `extra` files joining the folder's own package; with no
    /// `path`, the vendored WASI and `extra` alone. Links inside the folder
    /// are followed within it and within `app_dir`, the folder of the app
    /// it belongs to. `fetched` are Wasm-encoded WIT packages from
    /// registries ([`fetched_packages`]), which join the dependencies.
    pub fn load_with(
        path: Option<&Path>,
        extra: &Extra,
        app_dir: Option<&Path>,
        fetched: &[PathBuf],
    ) -> Result<WitSet, WitError> {
        let groups = match path {
            Some(path) => read_groups(path, extra, app_dir)?,
            None if extra.is_empty() => Groups {
                top: Vec::new(),
                deps: Vec::new(),
            },
            None => Groups {
                top: vec![parse_files(Path::new("wit"), extra.to_vec())?],
                deps: Vec::new(),
            },
        };
        let path = path.unwrap_or(Path::new("wit"));
        let top_names = package_names(&groups.top);
        let mut dep_names = package_names(&groups.deps);
        let mut all: Vec<UnresolvedPackageGroup> =
            groups.top.into_iter().chain(groups.deps).collect();
        // The vendored packages the WIT does not define itself, version for
        // version: they depend on each other by exact version, so none is
        // left out for being defined in another version.
        let local: BTreeSet<PackageName> = top_names.iter().chain(&dep_names).cloned().collect();
        let vendored: Vec<UnresolvedPackageGroup> = wcomp_core::wasi::unresolved()
            .into_iter()
            .filter(|g| !local.contains(&g.main.name))
            .collect();
        // The fetched packages neither defines.
        let mut defined = local;
        defined.extend(vendored.iter().map(|g| g.main.name.clone()));
        let (fetched_groups, fetched_names) = fetched_groups(fetched, &defined)?;
        all.extend(fetched_groups);
        all.extend(vendored);
        dep_names.extend(fetched_names);
        let mut resolve = Resolve::default();
        if !all.is_empty() {
            let main = all.remove(0);
            resolve
                .push_groups(main, all)
                .map_err(|e| WitError::Parse {
                    path: path.to_owned(),
                    detail: resolve.render_error(&e.into()),
                })?;
        }
        let id = |name: &PackageName| resolve.package_names.get(name).copied();
        let top = top_names.iter().filter_map(id).collect();
        let deps = dep_names.iter().filter_map(id).collect();
        Ok(WitSet {
            top,
            deps,
            path: path.to_owned(),
            resolve,
        })
    }

    /// The folder's own package: the first at its top, if it has one.
    pub fn own_package(&self) -> Option<&PackageName> {
        let id = self.top.first()?;
        Some(&self.resolve.packages[*id].name)
    }

    /// Chooses a world: a short name unique among the packages in reach
    /// (the path's own first, then its `deps/`, then the vendored WASI), or
    /// a fully qualified `ns:pkg/world[@version]`.
    pub fn world(&self, spec: &str) -> Result<WorldId, WitError> {
        let found = match spec.split_once('/') {
            Some((package, world)) => self.qualified(spec, package, world)?,
            None => self.short(spec)?,
        };
        found.ok_or_else(|| WitError::NoWorld {
            suggestion: self.nearest_world(spec),
            name: spec.to_owned(),
            path: self.path.clone(),
            available: self.available_worlds(),
        })
    }

    fn qualified(
        &self,
        spec: &str,
        package: &str,
        world: &str,
    ) -> Result<Option<WorldId>, WitError> {
        let bad = || WitError::BadWorldName {
            name: spec.to_owned(),
        };
        let (world, version) = match world.split_once('@') {
            Some((world, version)) => (
                world,
                Some(semver::Version::parse(version).map_err(|_| bad())?),
            ),
            None => (world, None),
        };
        let (namespace, name) = package.split_once(':').ok_or_else(bad)?;
        let matches: Vec<WorldId> = self
            .resolve
            .packages
            .iter()
            .filter(|(_, p)| {
                p.name.namespace == namespace
                    && p.name.name == name
                    && (version.is_none() || p.name.version == version)
            })
            .filter_map(|(_, p)| p.worlds.get(world).copied())
            .collect();
        self.unique(spec, matches)
    }

    fn short(&self, name: &str) -> Result<Option<WorldId>, WitError> {
        let vendored: Vec<PackageId> = self
            .resolve
            .packages
            .iter()
            .map(|(id, _)| id)
            .filter(|id| !self.top.contains(id) && !self.deps.contains(id))
            .collect();
        for tier in [&self.top, &self.deps, &vendored] {
            let matches: Vec<WorldId> = tier
                .iter()
                .filter_map(|p| self.resolve.packages[*p].worlds.get(name).copied())
                .collect();
            if !matches.is_empty() {
                return self.unique(name, matches);
            }
        }
        Ok(None)
    }

    fn unique(&self, name: &str, matches: Vec<WorldId>) -> Result<Option<WorldId>, WitError> {
        if matches.len() <= 1 {
            return Ok(matches.first().copied());
        }
        Err(WitError::AmbiguousWorld {
            name: name.to_owned(),
            candidates: matches
                .iter()
                .map(|w| format!("  {}", self.qualified_name(*w)))
                .collect::<Vec<_>>()
                .join("\n"),
        })
    }

    /// The name of a world in reach a small edit away from `spec`.
    fn nearest_world(&self, spec: &str) -> Option<String> {
        let short = spec.rsplit('/').next().unwrap_or(spec);
        let short = short.split('@').next().unwrap_or(short);
        let name = wcomp_core::names::nearest(
            short,
            self.resolve.worlds.iter().map(|(_, w)| w.name.as_str()),
        )?;
        let (id, _) = self.resolve.worlds.iter().find(|(_, w)| w.name == name)?;
        let w = &self.resolve.worlds[id];
        Some(match w.package {
            Some(pkg) if spec.contains(':') => self.resolve.id_of_name(pkg, &w.name),
            _ => w.name.clone(),
        })
    }

    /// `ns:pkg/world@version`.
    pub fn qualified_name(&self, world: WorldId) -> String {
        let w = &self.resolve.worlds[world];
        match w.package {
            Some(pkg) => self.resolve.id_of_name(pkg, &w.name),
            None => w.name.clone(),
        }
    }

    /// The worlds in reach, grouped by package: the path's own and its
    /// dependencies', then a count of the WASI worlds.
    fn available_worlds(&self) -> String {
        let mut out = String::new();
        let mut wasi = 0;
        for id in self.top.iter().chain(&self.deps) {
            let package = &self.resolve.packages[*id];
            if package.worlds.is_empty() {
                continue;
            }
            if package.name.namespace == "wasi" {
                wasi += package.worlds.len();
                continue;
            }
            let worlds: Vec<&str> = package.worlds.keys().map(String::as_str).collect();
            let _ = writeln!(out, "  {}: {}", package.name, worlds.join(", "));
        }
        if out.is_empty() {
            out.push_str("  (none but WASI's)\n");
        }
        wasi += self
            .resolve
            .packages
            .iter()
            .filter(|(id, _)| !self.top.contains(id) && !self.deps.contains(id))
            .map(|(_, p)| p.worlds.len())
            .sum::<usize>();
        format!(
            "the worlds in reach are:\n{out}and {wasi} WASI worlds, such as `wasi:cli/command@0.3.0` and `wasi:http/proxy@0.2.12`"
        )
    }
}

/// The WIT packages an app fetched for `[wit.deps]` (kept in
/// [`App::fetched_wit_dir`](wcomp_compose::App::fetched_wit_dir) by
/// `wcomp build`, `compose`, `dev` and `new`), sorted; none when the app
/// declares none.
pub fn fetched_packages(app: &wcomp_compose::App) -> Vec<PathBuf> {
    if app.wit_deps().is_empty() {
        return Vec::new();
    }
    let Ok(entries) = std::fs::read_dir(app.fetched_wit_dir()) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "wasm"))
        .collect();
    files.sort();
    files
}

/// The Wasm-encoded WIT packages in `fetched` as WIT to resolve with the
/// rest: each file's package, and the packages it uses, except those
/// `defined` elsewhere (the local WIT, the vendored WASI), which win. The
/// views several files have of one package they use are unified first.
/// Returns the groups and the names of the files' own packages.
fn fetched_groups(
    fetched: &[PathBuf],
    defined: &BTreeSet<PackageName>,
) -> Result<(Vec<UnresolvedPackageGroup>, Vec<PackageName>), WitError> {
    let mut merged = Resolve::default();
    let mut mains = Vec::new();
    for file in fetched {
        let fail = |detail: String| WitError::Parse {
            path: file.to_owned(),
            detail,
        };
        let bytes = std::fs::read(file).map_err(|source| WitError::Read {
            path: file.to_owned(),
            source,
        })?;
        let decoded = wit_component::decode(&bytes).map_err(|e| fail(format!("{e:#}")))?;
        let wit_component::DecodedWasm::WitPackage(package, id) = decoded else {
            return Err(fail("it is a component, not a WIT package".into()));
        };
        let name = package.packages[id].name.clone();
        if defined.contains(&name) {
            continue;
        }
        merged.merge(package).map_err(|e| {
            fail(format!(
                "it does not agree with the other fetched packages: {e:#}"
            ))
        })?;
        mains.push(name);
    }
    let mut groups = Vec::new();
    for (id, package) in merged.packages.iter() {
        if defined.contains(&package.name) {
            continue;
        }
        let at = fetched.first().map_or_else(PathBuf::new, |f| {
            f.with_file_name(package_file_name(&package.name))
        });
        let mut printer = wit_component::WitPrinter::default();
        printer
            .print(&merged, id, &[])
            .map_err(|e| WitError::Parse {
                path: at.clone(),
                detail: format!("{e:#}"),
            })?;
        groups.push(parse_files(
            &at,
            vec![(at.clone(), String::from(printer.output))],
        )?);
    }
    Ok((groups, mains))
}

/// The unresolved package groups at `path`, `extra` joining its own package.
///
/// `path` itself may be a link to anywhere (as `wit = ...` in app.toml may
/// name any folder); the links inside it are followed only while they stay
/// within it or within `app_dir` ([`Reach`]).
fn read_groups(path: &Path, extra: &Extra, app_dir: Option<&Path>) -> Result<Groups, WitError> {
    let read = |source| WitError::Read {
        path: path.to_owned(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => match std::fs::read_link(path) {
            Ok(target) => WitError::DanglingLink {
                path: path.to_owned(),
                target,
            },
            Err(_) => WitError::Missing {
                path: path.to_owned(),
            },
        },
        _ => read(e),
    })?;
    if meta.is_file() {
        let mut files = read_files(&[path.to_owned()])?;
        files.extend(extra.iter().cloned());
        return Ok(Groups {
            top: vec![parse_files(path, files)?],
            deps: Vec::new(),
        });
    }
    let reach = Reach::new(path, app_dir).map_err(read)?;
    let mut groups = Groups {
        top: Vec::new(),
        deps: Vec::new(),
    };
    let (files, dirs) = reach.entries(path)?;
    let mut files = read_files(&files)?;
    files.extend(extra.iter().cloned());
    if !files.is_empty() {
        groups.top.push(parse_files(path, files)?);
    }
    for dir in dirs {
        if dir.file_name().is_some_and(|n| n == "deps") {
            groups.deps.extend(read_deps(&dir, &reach)?);
        } else {
            let (files, _) = reach.entries(&dir)?;
            if !files.is_empty() {
                groups.top.push(parse_files(&dir, read_files(&files)?)?);
            }
        }
    }
    if groups.top.is_empty() && groups.deps.is_empty() {
        return Err(WitError::Parse {
            path: path.to_owned(),
            detail: "it holds no `.wit` files".to_owned(),
        });
    }
    if groups.top.is_empty() {
        groups.top = std::mem::take(&mut groups.deps);
    }
    Ok(groups)
}

/// The dependencies in a `deps/` folder: each a folder or a `.wit` file.
fn read_deps(deps: &Path, reach: &Reach) -> Result<Vec<UnresolvedPackageGroup>, WitError> {
    let (files, dirs) = reach.entries(deps)?;
    let mut groups = Vec::new();
    for file in files {
        groups.push(parse_files(
            &file,
            read_files(std::slice::from_ref(&file))?,
        )?);
    }
    for dir in dirs {
        let (files, _) = reach.entries(&dir)?;
        if !files.is_empty() {
            groups.push(parse_files(&dir, read_files(&files)?)?);
        }
    }
    Ok(groups)
}

/// Where the links inside a WIT folder may lead: within the folder (its
/// canonical path) or within the app's folder, as `wcomp build` follows
/// the links among a component's sources. A link out of them could make
/// any file of the machine "WIT" (`x.wit -> /etc/passwd`), and its text
/// an error message.
struct Reach {
    /// The WIT folder as given, for messages.
    root: PathBuf,
    /// Canonical folders links may lead into.
    within: Vec<PathBuf>,
}

impl Reach {
    fn new(root: &Path, app_dir: Option<&Path>) -> std::io::Result<Reach> {
        let mut within = vec![std::fs::canonicalize(root)?];
        within.extend(app_dir.and_then(|dir| std::fs::canonicalize(dir).ok()));
        Ok(Reach {
            root: root.to_owned(),
            within,
        })
    }

    /// The `.wit` files and the folders directly in `dir`, sorted. Links
    /// are followed within [`Reach`]; one leading out is
    /// [`WitError::LinkOutside`] (a loop or a dangling link is an error of
    /// the OS's, reported with its path).
    fn entries(&self, dir: &Path) -> Result<(Vec<PathBuf>, Vec<PathBuf>), WitError> {
        let read = |source| WitError::Read {
            path: dir.to_owned(),
            source,
        };
        let with_path = |path: &Path, e: std::io::Error| {
            read(std::io::Error::new(
                e.kind(),
                format!("`{}`: {e}", path.display()),
            ))
        };
        let mut files = Vec::new();
        let mut dirs = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(read)? {
            let entry = entry.map_err(read)?;
            let path = entry.path();
            if entry.file_type().map_err(read)?.is_symlink() {
                let target = std::fs::canonicalize(&path).map_err(|e| with_path(&path, e))?;
                if !self.within.iter().any(|w| target.starts_with(w)) {
                    return Err(WitError::LinkOutside {
                        target: std::fs::read_link(&path).unwrap_or(target),
                        link: path,
                        root: self.root.clone(),
                    });
                }
            }
            let meta = std::fs::metadata(&path).map_err(|e| with_path(&path, e))?;
            if meta.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "wit") {
                files.push(path);
            }
        }
        files.sort();
        dirs.sort();
        Ok((files, dirs))
    }
}

/// The text of each of `files`, each checked to be WIT before a parser
/// (whose errors quote lines) sees it.
fn read_files(files: &[PathBuf]) -> Result<Vec<(PathBuf, String)>, WitError> {
    files
        .iter()
        .map(|file| {
            let bytes = wcomp_core::fs::read_regular(file).map_err(|source| WitError::Read {
                path: file.clone(),
                source,
            })?;
            let not_wit = |reason| WitError::NotWit {
                path: file.clone(),
                reason,
            };
            let text = String::from_utf8(bytes).map_err(|_| not_wit("it is not UTF-8 text"))?;
            if !looks_like_wit(&text) {
                return Err(not_wit(
                    "it does not start with `package`, `interface`, `world` or `use`",
                ));
            }
            if let Some((at, length)) = overlong_name(&text) {
                let before = &text[..at];
                let line = before.matches('\n').count() + 1;
                let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
                return Err(WitError::NameTooLong {
                    path: file.clone(),
                    line,
                    column,
                    length,
                    max: MAX_NAME,
                });
            }
            Ok((file.clone(), text))
        })
        .collect()
}

/// The longest name the component binary format carries (wasmparser's
/// limit on a string): a WIT name longer than this parses, but no
/// component of it can be encoded.
const MAX_NAME: usize = 100_000;

/// Where the first word of `text` longer than [`MAX_NAME`] bytes starts,
/// and its length: a run of the characters WIT names are made of, found
/// before a parser (whose failure would name no place) or an encoder meets
/// it.
fn overlong_name(text: &str) -> Option<(usize, usize)> {
    let is_name = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'%');
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        let length = bytes[at..].iter().take_while(|b| is_name(b)).count();
        if length > MAX_NAME {
            return Some((at, length));
        }
        at += length.max(1);
    }
    None
}

/// Whether `text` starts, after white space and comments, with what a WIT
/// file can start with: `package`, `interface`, `world`, `use` or a gate
/// (`@since(...)`); an empty file counts. The one rule for whether an
/// error may quote a file's lines: what does not look like WIT may be any
/// file (a link to `/etc/passwd`, a key), and is not shown.
fn looks_like_wit(text: &str) -> bool {
    let mut rest = text;
    loop {
        rest = rest.trim_start();
        if let Some(comment) = rest.strip_prefix("//") {
            rest = comment.split_once('\n').map_or("", |(_, after)| after);
        } else if let Some(comment) = rest.strip_prefix("/*") {
            match comment.split_once("*/") {
                Some((_, after)) => rest = after,
                None => return false,
            }
        } else {
            break;
        }
    }
    if rest.is_empty() || rest.starts_with('@') {
        return true;
    }
    let word_end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .unwrap_or(rest.len());
    matches!(&rest[..word_end], "package" | "interface" | "world" | "use")
}

/// Parses `files` as one package (with any nested ones).
fn parse_files(
    at: &Path,
    files: Vec<(PathBuf, String)>,
) -> Result<UnresolvedPackageGroup, WitError> {
    let mut map = SourceMap::new();
    for (file, text) in files {
        map.push(&file, text);
    }
    map.parse().map_err(|(map, e)| WitError::Parse {
        path: at.to_owned(),
        detail: e.render(&map),
    })
}

fn package_names(groups: &[UnresolvedPackageGroup]) -> Vec<PackageName> {
    groups
        .iter()
        .flat_map(|g| g.nested.iter().chain([&g.main]))
        .map(|p| p.name.clone())
        .collect()
}

/// A resolved world, ready to scaffold or build against.
pub struct World {
    pub resolve: Resolve,
    pub id: WorldId,
    /// The world's own name (`adder`).
    pub name: String,
    /// Its fully qualified name (`docs:adder/adder@0.1.0`).
    pub qualified: String,
    /// The WIT path it came from.
    pub path: PathBuf,
    /// The world as named exports nothing, so this is the command world
    /// wcomp made around it (see [`World::load`]).
    pub wraps: Option<String>,
}

impl World {
    /// Resolves world `spec` (short or qualified) from a loaded [`WitSet`].
    ///
    /// A world that exports nothing cannot be called, so a component of it
    /// is a command: this returns a world that includes it and exports
    /// `wasi:cli/run` (0.3 when it imports WASI 0.3, 0.2 otherwise).
    pub fn from_set(set: WitSet, spec: &str) -> Result<World, WitError> {
        let id = set.world(spec)?;
        let qualified = set.qualified_name(id);
        let world = World {
            name: set.resolve.worlds[id].name.clone(),
            qualified,
            path: set.path,
            resolve: set.resolve,
            id,
            wraps: None,
        };
        if world.resolve.worlds[id].exports.is_empty() {
            world.into_command()
        } else {
            Ok(world)
        }
    }

    /// The command world around this one: `include`s it and exports the
    /// `wasi:cli/run` of the WASI line it imports.
    fn into_command(mut self) -> Result<World, WitError> {
        let line = if self
            .imports()
            .iter()
            .any(|i| i.starts_with("wasi:") && i.contains("@0.3."))
        {
            (0, 3)
        } else {
            (0, 2)
        };
        let cli = self
            .resolve
            .packages
            .iter()
            .filter(|(_, p)| p.name.namespace == "wasi" && p.name.name == "cli")
            .filter_map(|(_, p)| p.name.version.clone())
            .filter(|v| (v.major, v.minor) == line && v.pre.is_empty())
            .max()
            .ok_or_else(|| WitError::Parse {
                path: self.path.clone(),
                detail: format!(
                    "no `wasi:cli@{}.{}.x` in reach to make a command of `{}`",
                    line.0, line.1, self.qualified
                ),
            })?;
        let name = format!("{}-command", self.name);
        let text = format!(
            "package wcomp:generated;\n\nworld {name} {{\n  include {};\n  export wasi:cli/run@{cli};\n}}\n",
            self.qualified
        );
        let package = self
            .resolve
            .push_str("wcomp-generated.wit", &text)
            .map_err(|e| WitError::Parse {
                path: self.path.clone(),
                detail: self.resolve.render_error(&e),
            })?;
        let id = self.resolve.packages[package].worlds[&name];
        Ok(World {
            wraps: Some(self.qualified),
            qualified: format!("wcomp:generated/{name}"),
            name,
            id,
            resolve: self.resolve,
            path: self.path,
        })
    }

    /// The world's exports, as WIT names (`ns:pkg/iface@v`, `func f`).
    pub fn exports(&self) -> Vec<String> {
        wcomp_core::decode::item_names(&self.resolve, self.id, true)
    }

    /// The world's imports, as WIT names.
    pub fn imports(&self) -> Vec<String> {
        wcomp_core::decode::item_names(&self.resolve, self.id, false)
    }

    /// The functions the world exports: `(interface name or None, function)`.
    pub fn exported_functions(&self) -> Vec<(Option<String>, &Function)> {
        let world = &self.resolve.worlds[self.id];
        let mut out = Vec::new();
        for (key, item) in &world.exports {
            match item {
                WorldItem::Function(f) => out.push((None, f)),
                WorldItem::Interface { id, .. } => {
                    let name = self.resolve.name_world_key(key);
                    for f in self.resolve.interfaces[*id].functions.values() {
                        out.push((Some(name.clone()), f));
                    }
                }
                WorldItem::Type { .. } => {}
            }
        }
        out
    }

    /// Whether the world needs the component model's async ABI: an async
    /// export, a stream or future in an export, or `wasi:cli/run@0.3`.
    pub fn uses_async(&self) -> bool {
        self.exports()
            .iter()
            .any(|e| e.starts_with("wasi:cli/run@0.3"))
            || self.exported_functions().iter().any(|(_, f)| {
                f.kind.is_async()
                    || f.params.iter().any(|p| self.has_async_type(&p.ty))
                    || f.result.as_ref().is_some_and(|t| self.has_async_type(t))
            })
    }

    /// The async functions the world imports, as `iface#f` or `f`.
    pub fn imported_async_functions(&self) -> Vec<String> {
        let world = &self.resolve.worlds[self.id];
        let mut out = Vec::new();
        for (key, item) in &world.imports {
            match item {
                WorldItem::Function(f) if f.kind.is_async() => out.push(f.name.clone()),
                WorldItem::Interface { id, .. } => {
                    let name = self.resolve.name_world_key(key);
                    let iface = &self.resolve.interfaces[*id];
                    out.extend(
                        iface
                            .functions
                            .values()
                            .filter(|f| f.kind.is_async())
                            .map(|f| format!("{name}#{}", f.name)),
                    );
                }
                _ => {}
            }
        }
        out
    }

    fn has_async_type(&self, ty: &Type) -> bool {
        let Type::Id(id) = ty else { return false };
        match &self.resolve.types[*id].kind {
            TypeDefKind::Stream(_) | TypeDefKind::Future(_) => true,
            TypeDefKind::List(t) | TypeDefKind::Option(t) | TypeDefKind::Type(t) => {
                self.has_async_type(t)
            }
            TypeDefKind::Tuple(t) => t.types.iter().any(|t| self.has_async_type(t)),
            TypeDefKind::Record(r) => r.fields.iter().any(|f| self.has_async_type(&f.ty)),
            TypeDefKind::Result(r) => {
                r.ok.as_ref().is_some_and(|t| self.has_async_type(t))
                    || r.err.as_ref().is_some_and(|t| self.has_async_type(t))
            }
            TypeDefKind::Variant(v) => v
                .cases
                .iter()
                .any(|c| c.ty.as_ref().is_some_and(|t| self.has_async_type(t))),
            _ => false,
        }
    }

    /// The world as a component type: exactly what it means, nothing of
    /// the WIT around it.
    fn encoded(&self) -> Vec<u8> {
        wit_component::metadata::encode(
            &self.resolve,
            self.id,
            wit_component::StringEncoding::UTF8,
            None,
            false,
        )
        .unwrap_or_else(|e| format!("unencodable: {e:#}").into_bytes())
    }

    /// A hash of everything the world means (its own items and every type it
    /// uses, transitively) and nothing else: a change to a WIT file changes it
    /// only if it changes this world.
    pub fn fingerprint(&self) -> String {
        hex::encode(Sha256::digest(self.encoded()))
    }

    /// This world alone: a `Resolve` holding only the world and what it
    /// uses, as the toolchains will see it once [materialized](Self::materialize).
    pub fn alone(&self) -> Result<World, WitError> {
        let (resolve, id) =
            wit_parser::decoding::decode_world(&self.encoded()).map_err(|e| WitError::Parse {
                path: self.path.clone(),
                detail: format!("world `{}` cannot be encoded: {e:#}", self.qualified),
            })?;
        Ok(World {
            name: resolve.worlds[id].name.clone(),
            qualified: self.qualified.clone(),
            path: self.path.clone(),
            resolve,
            id,
            wraps: self.wraps.clone(),
        })
    }

    /// Writes the world alone as WIT under `dir` (replacing what is there):
    /// its package as `dir/<name>.wit`, every package it uses as
    /// `dir/deps/<ns>-<pkg>[-<version>].wit`. Toolchains then build it with
    /// `dir` and the world's short name, whatever the user's layout.
    pub fn materialize(&self, dir: &Path) -> Result<PathBuf, WitError> {
        let alone = self.alone()?;
        let fail = |source| WitError::Materialize {
            world: self.qualified.clone(),
            path: dir.to_owned(),
            source,
        };
        let main = alone.resolve.worlds[alone.id]
            .package
            .ok_or_else(|| fail(std::io::Error::other("the world has no package")))?;
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir.join("deps")).map_err(fail)?;
        for (id, package) in alone.resolve.packages.iter() {
            let file = if id == main {
                dir.join(format!("{}.wit", alone.name))
            } else {
                dir.join("deps").join(package_file_name(&package.name))
            };
            let mut printer = wit_component::WitPrinter::default();
            printer.emit_docs(false);
            printer
                .print(&alone.resolve, id, &[])
                .map_err(|e| fail(std::io::Error::other(format!("{e:#}"))))?;
            wcomp_core::fs::write_atomically(&file, String::from(printer.output).as_bytes())
                .map_err(|e| fail(e.source))?;
        }
        Ok(dir.to_owned())
    }
}

/// `wasi-cli-0.2.12.wit` for `wasi:cli@0.2.12`.
pub(crate) fn package_file_name(name: &PackageName) -> String {
    match &name.version {
        Some(v) => format!("{}-{}-{v}.wit", name.namespace, name.name),
        None => format!("{}-{}.wit", name.namespace, name.name),
    }
}

/// World `name` of the WIT text `wit` (one file), for unit tests.
#[cfg(test)]
pub(crate) fn test_world(wit: &str, name: &str) -> World {
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(dir.path().join("w.wit"), wit).expect("the WIT written");
    let set = WitSet::load_with(Some(dir.path()), &[], None, &[]).expect("the WIT resolves");
    World::from_set(set, name).expect("the world is there")
}

#[cfg(test)]
mod tests {
    /// Which texts may be quoted in a parse error: what starts like WIT.
    #[test]
    fn looks_like_wit() {
        for (text, expected) in [
            ("package a:b;", true),
            ("  // a comment\n/// docs\ninterface i {}", true),
            ("/* licence\n text */ world w {}", true),
            ("@since(version = 0.2.0)\ninterface i {}", true),
            ("use a:b/c;", true),
            ("", true),
            ("// only a comment", true),
            ("root:x:0:0:root:/root:/bin/bash\n", false),
            ("packages are great", false),
            ("-----BEGIN OPENSSH PRIVATE KEY-----\n", false),
            ("/* never closed package a:b;", false),
            ("worlds:1", false),
        ] {
            assert_eq!(super::looks_like_wit(text), expected, "{text:?}");
        }
    }

    /// `wit` (one package) encoded as Wasm, as `wkg wit build` writes it.
    fn encoded_package(wit: &str) -> Vec<u8> {
        let mut resolve = wcomp_core::wasi::resolve().clone();
        let id = resolve.push_str("fetched.wit", wit).unwrap();
        wit_component::encode(&resolve, id, false).unwrap()
    }

    /// A folder `wit/` in `dir` holding `calc.wit` with `text`.
    fn app_wit(dir: &std::path::Path, text: &str) -> std::path::PathBuf {
        let wit = dir.join("wit");
        std::fs::create_dir_all(&wit).unwrap();
        std::fs::write(wit.join("calc.wit"), text).unwrap();
        wit
    }

    #[test]
    fn fetched_packages_join_the_dependencies_unless_local() {
        use super::{WitError, WitSet};
        let dir = tempfile::tempdir().unwrap();
        let wit = app_wit(
            dir.path(),
            "package docs:calc@0.1.0;\nworld cli {\n  import docs:adder/add@0.1.0;\n  export wasi:cli/run@0.2.12;\n}\n",
        );
        let fetched = dir.path().join("docs-adder@0.1.0.wasm");
        std::fs::write(
            &fetched,
            encoded_package(
                "package docs:adder@0.1.0;\ninterface add {\n  use wasi:io/streams@0.2.12.{input-stream};\n  add: func(a: u32, b: u32) -> u32;\n}\nworld adder {\n  export add;\n}\n",
            ),
        )
        .unwrap();
        let missing = WitSet::load_with(Some(&wit), &[], None, &[]).err().unwrap();
        assert!(matches!(missing, WitError::Parse { .. }), "{missing:?}");

        let set = WitSet::load_with(Some(&wit), &[], None, std::slice::from_ref(&fetched)).unwrap();
        let cli = set.world("cli").unwrap();
        assert_eq!(set.qualified_name(cli), "docs:calc/cli@0.1.0");
        // Its worlds are in reach by their short names, as a `deps/` one's.
        assert_eq!(
            set.qualified_name(set.world("adder").unwrap()),
            "docs:adder/adder@0.1.0"
        );

        // Local WIT of the same package wins: the fetched one is not read.
        std::fs::create_dir_all(wit.join("deps")).unwrap();
        std::fs::write(
            wit.join("deps/adder.wit"),
            "package docs:adder@0.1.0;\ninterface add {\n  add: func(a: u32, b: u32) -> u32;\n}\n",
        )
        .unwrap();
        let set = WitSet::load_with(Some(&wit), &[], None, std::slice::from_ref(&fetched)).unwrap();
        assert!(set.world("adder").is_err());
    }

    /// The packages a fetched one uses come with it (here `docs:types`,
    /// which neither the app nor the vendored WASI defines).
    #[test]
    fn the_packages_a_fetched_package_uses_come_with_it() {
        use super::WitSet;
        let dir = tempfile::tempdir().unwrap();
        let mut resolve = wcomp_core::wasi::resolve().clone();
        resolve
            .push_str(
                "types.wit",
                "package docs:types@0.1.0;\ninterface t {\n  type num = u64;\n}\n",
            )
            .unwrap();
        let id = resolve
            .push_str(
                "wide.wit",
                "package docs:wide@0.1.0;\ninterface add {\n  use docs:types/t@0.1.0.{num};\n  add: func(a: num, b: num) -> num;\n}\n",
            )
            .unwrap();
        let wide = dir.path().join("docs-wide@0.1.0.wasm");
        std::fs::write(&wide, wit_component::encode(&resolve, id, false).unwrap()).unwrap();
        let wit = app_wit(
            dir.path(),
            "package docs:calc@0.1.0;\nworld cli {\n  import docs:wide/add@0.1.0;\n  export wasi:cli/run@0.2.12;\n}\n",
        );
        let set = WitSet::load_with(Some(&wit), &[], None, std::slice::from_ref(&wide)).unwrap();
        let world = super::World::from_set(set, "cli").unwrap();
        assert!(
            world
                .resolve
                .package_names
                .keys()
                .any(|n| n.to_string() == "docs:types@0.1.0"),
            "{:?}",
            world.resolve.package_names.keys().collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_component_is_not_a_fetched_wit_package() {
        use super::WitSet;
        let dir = tempfile::tempdir().unwrap();
        let wit = app_wit(
            dir.path(),
            "package docs:calc@0.1.0;\nworld cli {\n  export wasi:cli/run@0.2.12;\n}\n",
        );
        let component = dir.path().join("component.wasm");
        std::fs::write(&component, wat::parse_str("(component)").unwrap()).unwrap();
        let err = WitSet::load_with(Some(&wit), &[], None, &[component])
            .err()
            .unwrap();
        assert!(err.to_string().contains("component.wasm"), "{err}");
    }
}
