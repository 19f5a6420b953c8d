//! `wcomp new NAME --test-for COMPONENT`: the world of a test component.
//!
//! A test component imports what the component it tests exports and
//! exports `wcomp:test/cases` (see [`crate::test::components`]). This
//! writes that world into the app's WIT, `wit/NAME.wit`, and the
//! `wcomp:test` package into `wit/deps/`, so that `new` scaffolds the
//! component from it like any other world.

use std::path::{Path, PathBuf};

use wcomp_compose::App;
use wit_parser::{PackageId, PackageName, Resolve, WorldId, WorldItem};

use crate::wit::WitSet;

/// The `wcomp:test` package a test component exports an interface of.
pub const PACKAGE: &str = "\
package wcomp:test@0.1.0;

/// A test component: named cases, each run on its own in a fresh instance
/// by `wcomp test`.
interface cases {
  /// The names of the cases, in the order they are shown.
  list-cases: func() -> list<string>;
  /// Runs the case `name`: `ok` passes, `err(message)` fails with it.
  run-case: func(name: string) -> result<_, string>;
}
";

/// Why a test component's world could not be written.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum TestForError {
    #[error("`--test-for` needs an app: there is no `{}`", manifest.display())]
    #[diagnostic(
        code(wcomp::new::test_for_app),
        help("run it in the folder of the app's app.toml")
    )]
    NoApp { manifest: PathBuf },

    #[error("the app has no component `{component}`")]
    #[diagnostic(code(wcomp::new::test_for_component), help("{help}"))]
    UnknownComponent { component: String, help: String },

    #[error("`{component}` exports no interface for a test component to import")]
    #[diagnostic(
        code(wcomp::new::test_for_exports),
        help(
            "a test component calls what its component exports through interfaces; one exporting only functions (or only WASI) cannot be tested this way"
        )
    )]
    NoInterfaces { component: String },

    #[error("the prebuilt component `{component}` has no file to read its exports from")]
    #[diagnostic(
        code(wcomp::new::test_for_file),
        help("build or fetch it first (`wcomp build`), then run `wcomp new` again")
    )]
    NoFile { component: String },

    #[error("cannot write the WIT of `{package}`, which `{component}` exports from: {detail}")]
    #[diagnostic(code(wcomp::new::test_for_package))]
    Print {
        component: String,
        package: String,
        detail: String,
    },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Decode(#[from] wcomp_core::decode::DecodeError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Wit(#[from] crate::wit::WitError),

    #[error("`{}` exists already", path.display())]
    #[diagnostic(
        code(wcomp::new::test_for_exists),
        help("choose another name, or remove the file")
    )]
    Exists { path: PathBuf },

    #[error("cannot write `{}`: {source}", path.display())]
    #[diagnostic(code(wcomp::new::test_for_write))]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Manifest(#[from] wcomp_compose::ManifestError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    World(#[from] Box<crate::build::ComponentError>),
}

/// The files [`write_world`] created, removed by [`Written::undo`] when
/// scaffolding fails after it.
#[derive(Debug, Default)]
pub struct Written(Vec<PathBuf>);

impl Written {
    /// Removes the files written, and the folders that held only them
    /// (up to `wit/`).
    pub fn undo(self) {
        for path in self.0 {
            let _ = std::fs::remove_file(&path);
            // `remove_dir` removes only an empty folder.
            let folders = path.ancestors().skip(1).take(2);
            for folder in folders.filter(|f| f.file_name().is_some_and(|n| n != "wit")) {
                let _ = std::fs::remove_dir(folder);
            }
        }
    }
}

/// Writes the world `name` of a test component of `component`, an app
/// component in `dir`, for `new` to scaffold; returns the files it wrote.
pub fn write_world(dir: &Path, name: &str, component: &str) -> Result<Written, TestForError> {
    let manifest = dir.join(wcomp_compose::manifest::FILE_NAME);
    if !manifest.is_file() {
        return Err(TestForError::NoApp { manifest });
    }
    let app = App::load(&manifest)?;
    let exports = exported_interfaces(&app, component)?;
    let wit = app.wit_dir();
    let world = wit.join(format!("{name}.wit"));
    if world.exists() {
        return Err(TestForError::Exists { path: world });
    }
    let mut files = vec![(
        wit.join("deps").join("wcomp-test").join("cases.wit"),
        PACKAGE.to_owned(),
    )];
    files.extend(exports.packages);
    let mut written = Written::default();
    for (path, text) in files.into_iter().filter(|(path, _)| !path.exists()) {
        write_or_undo(&path, &text, &mut written)?;
    }
    let text = world_text(name, component, &exports.interfaces, exports.own.is_none());
    write_or_undo(&world, &text, &mut written)?;
    Ok(written)
}

/// Writes `text` to `path` and records it in `written`; on failure, undoes
/// what `written` holds.
fn write_or_undo(path: &Path, text: &str, written: &mut Written) -> Result<(), TestForError> {
    match write(path, text) {
        Ok(()) => {
            written.0.push(path.to_owned());
            Ok(())
        }
        Err(e) => {
            std::mem::take(written).undo();
            Err(e)
        }
    }
}

/// What a component exports for a test component to import.
struct Exports {
    /// The interfaces, as the new world names them.
    interfaces: Vec<String>,
    /// The package the new world joins, if the app's WIT has one.
    own: Option<String>,
    /// The WIT of the packages they come from that the app's WIT lacks, and
    /// where it goes (`wit/deps/`).
    packages: Vec<(PathBuf, String)>,
}

/// The interfaces `component` of `app` exports: from its world when it is
/// built from source, from its file when it is prebuilt.
fn exported_interfaces(app: &App, component: &str) -> Result<Exports, TestForError> {
    let Some(entry) = app.component(component) else {
        let names: Vec<&str> = app.components().map(|c| c.name().as_str()).collect();
        let help = wcomp_core::names::did_you_mean(component, names.iter().copied(), || {
            format!(
                "its components are {}",
                wcomp_core::fmt::quoted_list(&names)
            )
        });
        return Err(TestForError::UnknownComponent {
            component: component.to_owned(),
            help,
        });
    };
    let mut exports = match entry.lang() {
        Some(_) => {
            let world = crate::build::load_world(app, entry, &app.component_wit(entry))
                .map_err(Box::new)?;
            // The world's own package is the one the new world joins.
            Exports {
                interfaces: world.exports(),
                own: Some(package_of(&world.qualified)),
                packages: Vec::new(),
            }
        }
        None => prebuilt_exports(app, component)?,
    };
    exports.interfaces = exports
        .interfaces
        .iter()
        .filter(|name| name.contains(':') && name.contains('/') && !name.starts_with("wasi:"))
        .map(|name| match Some(package_of(name)) == exports.own {
            true => interface_of(name).to_owned(),
            false => name.clone(),
        })
        .collect();
    match exports.interfaces.is_empty() {
        true => Err(TestForError::NoInterfaces {
            component: component.to_owned(),
        }),
        false => Ok(exports),
    }
}

/// What the prebuilt `component` exports, read from its file; the packages
/// its interfaces need that the app's WIT lacks are printed from the
/// component's own types, to be written under `wit/deps/`.
fn prebuilt_exports(app: &App, component: &str) -> Result<Exports, TestForError> {
    let file = app
        .component_wasm(component)
        .filter(|path| path.is_file())
        .ok_or_else(|| TestForError::NoFile {
            component: component.to_owned(),
        })?;
    let decoded = wcomp_core::decode::Component::read(&file)?;
    let wit = app.wit_dir();
    let fetched = crate::wit::fetched_packages(app);
    let set = match wit.exists() {
        true => Some(WitSet::load_with(
            Some(&wit),
            &[],
            Some(app.dir()),
            &fetched,
        )?),
        false => None,
    };
    let known = |name: &PackageName| {
        set.as_ref()
            .is_some_and(|s| s.resolve.package_names.contains_key(name))
    };
    let resolve = &decoded.resolve;
    let mut packages = Vec::new();
    for id in needed_packages(resolve, decoded.world) {
        let package = &resolve.packages[id];
        if known(&package.name) || package.name.namespace == "wasi" {
            continue;
        }
        let mut printer = wit_component::WitPrinter::default();
        printer
            .print(resolve, id, &[])
            .map_err(|e| TestForError::Print {
                component: component.to_owned(),
                package: package.name.to_string(),
                detail: format!("{e:#}"),
            })?;
        let path = wit
            .join("deps")
            .join(crate::wit::package_file_name(&package.name));
        packages.push((path, String::from(printer.output)));
    }
    Ok(Exports {
        interfaces: decoded.exports(),
        own: set.and_then(|s| s.own_package().map(ToString::to_string)),
        packages,
    })
}

/// The packages of the interfaces `world` exports, and those they use, in
/// the order they are first reached.
fn needed_packages(resolve: &Resolve, world: WorldId) -> Vec<PackageId> {
    let mut todo: Vec<PackageId> = resolve.worlds[world]
        .exports
        .values()
        .filter_map(|item| match item {
            WorldItem::Interface { id, .. } => resolve.interfaces[*id].package,
            _ => None,
        })
        .collect();
    let mut found = Vec::new();
    while let Some(id) = todo.pop() {
        if found.contains(&id) {
            continue;
        }
        found.push(id);
        todo.extend(resolve.package_direct_deps(id));
    }
    found
}

/// `docs:adder@0.1.0` of `docs:adder/add@0.1.0`.
fn package_of(qualified: &str) -> String {
    let (path, version) = qualified.split_once('@').unwrap_or((qualified, ""));
    let package = path.split_once('/').map_or(path, |(package, _)| package);
    match version {
        "" => package.to_owned(),
        version => format!("{package}@{version}"),
    }
}

/// `add` of `docs:adder/add@0.1.0`.
fn interface_of(qualified: &str) -> &str {
    let path = qualified.split('@').next().unwrap_or(qualified);
    path.rsplit_once('/')
        .map_or(path, |(_, interface)| interface)
}

/// The world `name`: imports `interfaces` (what `component` exports) and
/// exports the cases; in a package of its own, `local:tests`, when the
/// app's WIT has none for it to join.
fn world_text(name: &str, component: &str, interfaces: &[String], needs_package: bool) -> String {
    let imports: String = interfaces
        .iter()
        .map(|interface| format!("  import {interface};\n"))
        .collect();
    let package = match needs_package {
        true => "package local:tests;\n\n",
        false => "",
    };
    format!(
        "{package}/// `{name}`: a test component of `{component}`. It calls what `{component}` exports\n\
         /// and lists its cases; `wcomp test` runs each (see `wcomp:test/cases`).\n\
         world {name} {{\n{imports}  export wcomp:test/cases@0.1.0;\n}}\n"
    )
}

/// Writes `text` to `path`, making its folder.
fn write(path: &Path, text: &str) -> Result<(), TestForError> {
    let fail = |source| TestForError::Write {
        path: path.to_owned(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(fail)?;
    }
    wcomp_core::fs::write_atomically(path, text.as_bytes()).map_err(|e| TestForError::Write {
        path: path.to_owned(),
        source: std::io::Error::other(e.to_string()),
    })
}
