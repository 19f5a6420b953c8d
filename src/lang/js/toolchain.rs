//! The JavaScript toolchain: jco, componentize-js and componentize-qjs
//! installed with npm into a prefix under the cache directory.

use std::path::{Path, PathBuf};
use std::process::Command;

use wcomp_compose::{JsBackend, Lang};

use super::pins;
use crate::lang::Unsupported;
use crate::process;
use crate::toolchain::{Home, Installed, Report, Tool, ToolchainError, version_word};
use crate::wit::World;

const DIR: &str = "js";
const FIX: &str = "run `wcomp setup --lang js` (it needs Node.js 20 or newer with npm)";

/// The npm packages wcomp installs: (package, pinned version).
const PACKAGES: [(&str, &str); 3] = [
    ("@bytecodealliance/jco", pins::JCO),
    ("@bytecodealliance/componentize-js", pins::COMPONENTIZE_JS),
    ("componentize-qjs", pins::COMPONENTIZE_QJS),
];

/// The package.json of the toolchain prefix. The overrides work around jco
/// 1.35 pitfalls: its transpiler's preview2-shim must be 0.25.0 or
/// `componentize` fails on a fresh install (`failed to get path metadata ...
/// (os error 44)`), and it asks for componentize-js ^0.22 unless told 0.23.0.
fn package_json() -> String {
    format!(
        r#"{{
  "name": "wcomp-js-toolchain",
  "private": true,
  "description": "installed by `wcomp setup`; do not edit",
  "dependencies": {{
    "@bytecodealliance/jco": "{jco}",
    "@bytecodealliance/componentize-js": "{cjs}",
    "componentize-qjs": "{qjs}"
  }},
  "overrides": {{
    "@bytecodealliance/jco": {{
      "@bytecodealliance/componentize-js": "{cjs}"
    }},
    "@bytecodealliance/jco-transpile": {{
      "@bytecodealliance/preview2-shim": "0.25.0"
    }}
  }}
}}
"#,
        jco = pins::JCO,
        cjs = pins::COMPONENTIZE_JS,
        qjs = pins::COMPONENTIZE_QJS,
    )
}

/// An installed tool's executable, e.g. `bin(home, "componentize-qjs")`.
pub fn bin(home: &Home, name: &str) -> PathBuf {
    home.dir(DIR).join("node_modules").join(".bin").join(name)
}

/// Where an npm package of the toolchain is installed, e.g.
/// `package_dir(home, "@bytecodealliance/preview2-shim")`.
pub fn package_dir(home: &Home, package: &str) -> PathBuf {
    home.dir(DIR).join("node_modules").join(package)
}

/// The version of an npm package installed in the prefix, from its package.json.
fn package_version(prefix: &Path, package: &str) -> Option<String> {
    let manifest = prefix
        .join("node_modules")
        .join(package)
        .join("package.json");
    let text = std::fs::read_to_string(manifest).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json.get("version")?.as_str().map(str::to_owned)
}

/// Whether a finished install of the pinned packages is there.
pub fn is_installed(home: &Home) -> bool {
    crate::toolchain::stamp_matches(&home.dir(DIR), &package_json())
}

/// Which JS componentizer builds `world`: the app.toml choice, else
/// componentize-qjs for worlds needing the async ABI (componentize-js has
/// none), else componentize-js (full JS with `console`).
pub fn backend_for(world: &World, chosen: Option<JsBackend>) -> JsBackend {
    match chosen {
        Some(backend) => backend,
        None if world.uses_async() => JsBackend::ComponentizeQjs,
        None => JsBackend::ComponentizeJs,
    }
}

/// Refuses a world the JS toolchains cannot build: one that imports async
/// functions.
pub fn check_world(world: &World) -> Result<(), Unsupported> {
    let functions = world.imported_async_functions();
    if functions.is_empty() {
        return Ok(());
    }
    Err(Unsupported {
        language: "JavaScript",
        code: "wcomp::js::async_import",
        message: format!(
            "JavaScript components cannot import async functions, and world `{}` imports {}",
            world.qualified,
            functions.join(", ")
        ),
        help: "componentize-qjs (the JS backend for async worlds) imports only synchronous functions, and componentize-js has no async ABI at all; write this component in Rust or Python, or make the imported functions synchronous",
    })
}

/// Reports node, npm and the pinned packages.
pub fn check(home: &Home) -> Report {
    let prefix = home.dir(DIR);
    // A prefix without the stamp is a half-finished install.
    let finished = crate::toolchain::stamp_matches(&prefix, &package_json());
    let mut tools = vec![
        Tool::new(
            "node",
            process::probe(Command::new("node").arg("--version"))
                .as_deref()
                .and_then(version_word),
            None,
            process::which("node"),
        ),
        Tool::new(
            "npm",
            process::probe(Command::new("npm").arg("--version"))
                .as_deref()
                .and_then(version_word),
            None,
            process::which("npm"),
        ),
    ];
    for (package, pin) in PACKAGES {
        tools.push(Tool::new(
            package.rsplit('/').next().unwrap_or(package),
            finished
                .then(|| package_version(&prefix, package))
                .flatten(),
            Some(pin),
            Some(prefix.join("node_modules").join(package)),
        ));
    }
    Report::new(Lang::Js, tools, FIX)
}

fn all_pinned(prefix: &Path) -> bool {
    PACKAGES
        .iter()
        .all(|(package, pin)| package_version(prefix, package).as_deref() == Some(*pin))
}

/// Installs the pinned packages with npm, unless a finished install of the
/// same package.json is already there.
pub fn install(home: &Home, force: bool) -> Result<Installed, ToolchainError> {
    let _lock = home.lock(Lang::Js, DIR)?;
    let prefix = home.dir(DIR);
    let manifest = package_json();
    if !force && crate::toolchain::stamp_matches(&prefix, &manifest) && all_pinned(&prefix) {
        return Ok(Installed::Fresh);
    }
    crate::toolchain::clear_dir(Lang::Js, &prefix)?;
    let io = |source| ToolchainError::Io {
        lang: Lang::Js,
        path: prefix.clone(),
        source,
    };
    std::fs::create_dir_all(&prefix).map_err(io)?;
    std::fs::write(prefix.join("package.json"), &manifest).map_err(io)?;
    process::run(
        Command::new("npm")
            .args([
                "install",
                "--no-audit",
                "--no-fund",
                "--no-update-notifier",
                "--loglevel=error",
            ])
            .current_dir(&prefix),
        "wcomp installs jco and componentize-js with npm; install Node.js 20 or newer",
    )
    .map_err(|source| ToolchainError::Install {
        lang: Lang::Js,
        help: FIX.to_owned(),
        source,
    })?;
    for (package, pin) in PACKAGES {
        let found = package_version(&prefix, package).unwrap_or_else(|| "nothing".to_owned());
        if found != pin {
            return Err(ToolchainError::Version {
                lang: Lang::Js,
                tool: package,
                found,
                pinned: pin,
            });
        }
    }
    crate::toolchain::write_stamp(Lang::Js, &prefix, &manifest)?;
    Ok(Installed::Installed)
}
