//! `wcomp new NAME --test-for COMPONENT`: the world of a test component.
//!
//! A test component imports what the component it tests exports and
//! exports `wcomp:test/cases` (see [`crate::test::components`]). This
//! writes that world into the app's WIT, `wit/NAME.wit`, and the
//! `wcomp:test` package into `wit/deps/`, so that `new` scaffolds the
//! component from it like any other world.

use std::path::{Path, PathBuf};

use wcomp_compose::App;

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
            "a test component calls what its component exports through interfaces; a prebuilt component or one exporting only functions cannot be tested this way"
        )
    )]
    NoInterfaces { component: String },

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
    let interfaces = exported_interfaces(&app, component)?;
    let wit = app.wit_dir();
    let world = wit.join(format!("{name}.wit"));
    if world.exists() {
        return Err(TestForError::Exists { path: world });
    }
    let mut written = Written::default();
    let package = wit.join("deps").join("wcomp-test").join("cases.wit");
    if !package.exists() {
        write(&package, PACKAGE)?;
        written.0.push(package);
    }
    write(&world, &world_text(name, component, &interfaces))?;
    written.0.push(world);
    Ok(written)
}

/// The interfaces `component` of `app` exports, from its world.
fn exported_interfaces(app: &App, component: &str) -> Result<Vec<String>, TestForError> {
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
    let no_interfaces = || TestForError::NoInterfaces {
        component: component.to_owned(),
    };
    if entry.lang().is_none() {
        return Err(no_interfaces());
    }
    let world =
        crate::build::load_world(app, entry, &app.component_wit(entry)).map_err(Box::new)?;
    // The world's own package is the one the new world joins: its
    // interfaces are named there without their package.
    let own = package_of(&world.qualified);
    let interfaces: Vec<String> = world
        .exports()
        .into_iter()
        .filter(|name| name.contains(':') && name.contains('/') && !name.starts_with("wasi:"))
        .map(|name| match package_of(&name) == own {
            true => interface_of(&name).to_owned(),
            false => name,
        })
        .collect();
    match interfaces.is_empty() {
        true => Err(no_interfaces()),
        false => Ok(interfaces),
    }
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
/// exports the cases.
fn world_text(name: &str, component: &str, interfaces: &[String]) -> String {
    let imports: String = interfaces
        .iter()
        .map(|interface| format!("  import {interface};\n"))
        .collect();
    format!(
        "/// `{name}`: a test component of `{component}`. It calls what `{component}` exports\n\
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
