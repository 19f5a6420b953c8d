//! A composed app for the browser and Node.js: `wcomp build --target web`
//! and `--target node` transpile the composed component with the pinned
//! jco into a folder of ES modules and core Wasm modules that runs on the
//! `@bytecodealliance/preview2-shim` WASI implementation, copied from the
//! pinned npm install, so that the folder needs nothing from the network.
//! [`files`] serves such a folder (`wcomp serve --web`).

pub mod files;

use std::path::{Path, PathBuf};
use std::process::Command;

use wcomp_compose::Lang;
use wcomp_core::decode::{Component, DecodeError};
use wcomp_core::fs::TemporaryDir;

use crate::lang::js::{pins, toolchain as js};
use crate::process::{self, ProcessError};
use crate::toolchain::{Home, ToolchainError};

/// Where a transpiled app runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    /// A web page: `index.html`, with an import map for the shim's browser
    /// build.
    Web,
    /// Node.js: `node DIR/run.mjs ARGS...`.
    Node,
}

/// The name jco gives the app's ES module (`app.js`) and core modules
/// (`app.core*.wasm`).
const MODULE: &str = "app";

/// The npm package the transpiled app imports WASI from.
const SHIM: &str = "@bytecodealliance/preview2-shim";

/// A file wcomp writes into every folder it transpiles into: a folder with
/// it may be replaced by the next build, any other non-empty one is left
/// alone.
const MARKER: &str = ".wcomp-web";

/// Why an app could not be transpiled.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum WebError {
    #[error(
        "`{}` uses WASI 0.3 ({interface}), which jco cannot transpile reliably yet",
        path.display()
    )]
    #[diagnostic(
        code(wcomp::web::wasi_0_3),
        help(
            "jco's support for WASI 0.3 (async functions, `stream`, `future`) is experimental (bytecodealliance/jco#617); target the browser or Node with a WASI 0.2 app (`wasi:cli/command@0.2.x`), or run this one with `wcomp run`"
        )
    )]
    Wasi03 { path: PathBuf, interface: String },

    #[error("`{}` is not a folder", path.display())]
    #[diagnostic(
        code(wcomp::web::output_not_a_folder),
        help("give `-o` a folder (new, empty, or one an earlier `--target` build wrote)")
    )]
    OutputNotAFolder { path: PathBuf },

    #[error("`{}` holds files wcomp did not write", path.display())]
    #[diagnostic(
        code(wcomp::web::output_not_empty),
        help(
            "give `-o` a new or empty folder; wcomp replaces only folders an earlier `--target` build wrote (they hold `.wcomp-web`)"
        )
    )]
    OutputNotEmpty { path: PathBuf },

    #[error("jco could not transpile `{}`", path.display())]
    #[diagnostic(code(wcomp::web::transpile))]
    Transpile {
        path: PathBuf,
        #[source]
        #[diagnostic_source]
        source: ProcessError,
    },

    #[error("cannot write `{}`: {source}", path.display())]
    #[diagnostic(code(wcomp::web::io))]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Decode(#[from] DecodeError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Toolchain(#[from] ToolchainError),
}

/// What [`transpile`] wrote.
#[derive(Debug)]
pub struct Transpiled {
    /// The folder.
    pub dir: PathBuf,
    /// The file to open or run: `index.html` or `run.mjs`.
    pub entry: PathBuf,
    /// The total size of the folder's files, in bytes.
    pub size: u64,
}

/// Refuses a component jco cannot transpile reliably: one that imports or
/// exports a WASI 0.3 interface.
pub fn check_transpilable(component: &Component) -> Result<(), WebError> {
    let names = component.imports().into_iter().chain(component.exports());
    match names
        .into_iter()
        .find(|name| name.starts_with("wasi:") && name.contains("@0.3."))
    {
        Some(interface) => Err(WebError::Wasi03 {
            path: component.path.clone(),
            interface: format!("`{interface}`"),
        }),
        None => Ok(()),
    }
}

/// Refuses an output that is a file, or a folder wcomp did not write that
/// has files in it, before anything is built.
pub fn check_output(dir: &Path) -> Result<(), WebError> {
    let io = |source| WebError::Io {
        path: dir.to_owned(),
        source,
    };
    match std::fs::symlink_metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io(e)),
        Ok(meta) if !meta.is_dir() => Err(WebError::OutputNotAFolder {
            path: dir.to_owned(),
        }),
        Ok(_) if dir.join(MARKER).is_file() => Ok(()),
        Ok(_) => match std::fs::read_dir(dir).map_err(io)?.next() {
            None => Ok(()),
            Some(_) => Err(WebError::OutputNotEmpty {
                path: dir.to_owned(),
            }),
        },
    }
}

/// Transpiles the composed component at `composed` for `target` into `dir`
/// with the pinned jco (installed first if need be), adds the entry file and
/// the shim, and then puts the folder in place of `dir` at once: a failure
/// (or Ctrl-C) leaves `dir` as it was.
pub fn transpile(
    composed: &Path,
    target: Target,
    dir: &Path,
    home: &Home,
) -> Result<Transpiled, WebError> {
    check_output(dir)?;
    check_transpilable(&Component::read(composed)?)?;
    let driver = crate::lang::driver(Lang::Js);
    if !driver.is_installed(home) {
        driver.install(home, false)?;
    }
    let parent = match dir.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| WebError::Io { path, source }
    };
    std::fs::create_dir_all(parent).map_err(io(parent))?;
    let staging = TemporaryDir::new(parent).map_err(io(parent))?;
    run_jco(home, composed, staging.path())?;
    remove_types(staging.path())?;
    let argv0 = composed
        .file_name()
        .map_or_else(|| "app.wasm".into(), |n| n.to_string_lossy().into_owned());
    let entry = match target {
        Target::Web => write_page(home, staging.path(), &argv0)?,
        Target::Node => write_runner(home, staging.path(), &argv0)?,
    };
    std::fs::write(
        staging.path().join(MARKER),
        "written by `wcomp build --target`\n",
    )
    .map_err(io(staging.path()))?;
    let size = folder_size(staging.path()).map_err(io(staging.path()))?;
    staging.replace(dir).map_err(io(dir))?;
    Ok(Transpiled {
        dir: dir.to_owned(),
        entry: dir.join(entry),
        size,
    })
}

/// `jco transpile` of `composed` into `out`: `app.js` and its core modules,
/// without TypeScript declarations.
fn run_jco(home: &Home, composed: &Path, out: &Path) -> Result<(), WebError> {
    let mut cmd = Command::new(js::bin(home, "jco"));
    cmd.arg("transpile")
        .arg(composed)
        .args(["--name", MODULE, "--no-typescript", "--quiet", "-o"])
        .arg(out);
    process::run(&mut cmd, "run `wcomp setup --lang js`").map_err(|source| {
        WebError::Transpile {
            path: composed.to_owned(),
            source,
        }
    })?;
    Ok(())
}

/// Removes the TypeScript declarations jco writes even when told not to:
/// nothing runs them, and the folder is meant to be served as it is.
fn remove_types(dir: &Path) -> Result<(), WebError> {
    let io = |source| WebError::Io {
        path: dir.to_owned(),
        source,
    };
    let interfaces = dir.join("interfaces");
    if interfaces.is_dir() {
        std::fs::remove_dir_all(&interfaces).map_err(io)?;
    }
    let types = dir.join(format!("{MODULE}.d.ts"));
    if types.is_file() {
        std::fs::remove_file(&types).map_err(io)?;
    }
    Ok(())
}

/// Writes `run.mjs` and the whole shim package as `node_modules`, where
/// Node's resolution finds it; returns the entry's name.
fn write_runner(home: &Home, dir: &Path, argv0: &str) -> Result<&'static str, WebError> {
    let shim = js::package_dir(home, SHIM);
    let to = dir.join("node_modules").join(SHIM);
    for part in ["package.json", "LICENSE", "dist"] {
        copy_tree(&shim.join(part), &to.join(part))?;
    }
    let script = fill(include_str!("../../templates/web/run.mjs"), argv0, &[]);
    write(&dir.join("run.mjs"), &script)?;
    Ok("run.mjs")
}

/// Writes `index.html` and the shim's browser build as `preview2-shim/`,
/// which the page's import map points at; returns the entry's name.
fn write_page(home: &Home, dir: &Path, argv0: &str) -> Result<&'static str, WebError> {
    let shim = js::package_dir(home, SHIM);
    let browser = shim.join("dist").join("browser");
    let to = dir.join("preview2-shim");
    std::fs::create_dir_all(&to).map_err(|source| WebError::Io {
        path: to.clone(),
        source,
    })?;
    for name in js_files(&browser)? {
        copy_tree(&browser.join(&name), &to.join(&name))?;
    }
    copy_tree(&shim.join("LICENSE"), &to.join("LICENSE"))?;
    let page = fill(
        include_str!("../../templates/web/index.html"),
        argv0,
        &[
            ("{{importmap}}", &import_map(&to)?),
            ("{{title}}", &html_escape(argv0)),
        ],
    );
    write(&dir.join("index.html"), &page)?;
    Ok("index.html")
}

/// The `.js` files in `dir` (not its `.d.ts`), sorted.
fn js_files(dir: &Path) -> Result<Vec<String>, WebError> {
    let entries = std::fs::read_dir(dir).map_err(|source| WebError::Io {
        path: dir.to_owned(),
        source,
    })?;
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|name| name.ends_with(".js"))
        .collect();
    names.sort();
    Ok(names)
}

/// The import map resolving each `@bytecodealliance/preview2-shim/NAME`
/// the transpiled app imports to `./preview2-shim/NAME.js`.
fn import_map(shim: &Path) -> Result<String, WebError> {
    let mut imports = serde_json::Map::new();
    for file in js_files(shim)? {
        let name = file.trim_end_matches(".js");
        let target = format!("./preview2-shim/{file}");
        if name == "index" {
            imports.insert(SHIM.to_owned(), target.clone().into());
        }
        imports.insert(format!("{SHIM}/{name}"), target.into());
    }
    let map = serde_json::json!({ "imports": imports });
    Ok(serde_json::to_string_pretty(&map).unwrap_or_default())
}

/// A template with its placeholders filled: `{{jco}}`, `{{argv0}}` (as a
/// JS string literal) and `more`.
fn fill(template: &str, argv0: &str, more: &[(&str, &str)]) -> String {
    let literal = serde_json::Value::from(argv0).to_string();
    let mut text = template
        .replace("{{jco}}", pins::JCO)
        .replace("{{argv0}}", &literal);
    for (placeholder, value) in more {
        text = text.replace(placeholder, value);
    }
    text
}

/// `text` safe inside HTML elements.
fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn write(path: &Path, text: &str) -> Result<(), WebError> {
    std::fs::write(path, text).map_err(|source| WebError::Io {
        path: path.to_owned(),
        source,
    })
}

/// Copies a file, or a folder and everything in it.
fn copy_tree(from: &Path, to: &Path) -> Result<(), WebError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| WebError::Io { path, source }
    };
    if from.is_file() {
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        std::fs::copy(from, to).map_err(io(to))?;
        return Ok(());
    }
    std::fs::create_dir_all(to).map_err(io(to))?;
    for entry in std::fs::read_dir(from).map_err(io(from))? {
        let entry = entry.map_err(io(from))?;
        copy_tree(&entry.path(), &to.join(entry.file_name()))?;
    }
    Ok(())
}

/// The total size of the files under `dir`.
pub fn folder_size(dir: &Path) -> std::io::Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        total += match meta.is_dir() {
            true => folder_size(&entry.path())?,
            false => meta.len(),
        };
    }
    Ok(total)
}
