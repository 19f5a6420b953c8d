//! Binaryen's `wasm-opt`, pinned, installed with npm into
//! `$WCOMP_HOME/binaryen` (the npm package is Binaryen built for Node.js,
//! so it runs wherever the JavaScript toolchain does).

use std::path::PathBuf;
use std::process::Command;

use crate::process;
use crate::toolchain::Home;

/// The pinned Binaryen release (the npm package `binaryen`).
pub const VERSION: &str = "132.0.0";

const DIR: &str = "binaryen";

/// What `wasm-opt` does to each module: optimize for size, with the
/// features toolchains emit and Wasmtime runs. Not `--all-features`:
/// Binaryen then writes encodings newer than Wasmtime reads (compact
/// imports). A module using a feature left out here fails to parse and is
/// kept as it was.
const FLAGS: [&str; 11] = [
    "-Oz",
    "--enable-bulk-memory",
    "--enable-bulk-memory-opt",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-multivalue",
    "--enable-reference-types",
    "--enable-simd",
    "--enable-tail-call",
    "--enable-extended-const",
];

/// Why `wasm-opt` could not be installed or run.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum WasmOptError {
    #[error("cannot install wasm-opt (npm `binaryen@{VERSION}`) into `{}`", dir.display())]
    #[diagnostic(
        code(wcomp::release::install),
        help(
            "wasm-opt is installed with npm: install Node.js 20 or newer, then run `wcomp setup`"
        )
    )]
    Install {
        dir: PathBuf,
        #[source]
        source: process::ProcessError,
    },

    #[error("cannot use `{}`", path.display())]
    #[diagnostic(code(wcomp::release::io))]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("wasm-opt failed on a core module")]
    #[diagnostic(code(wcomp::release::wasm_opt))]
    Run(#[source] process::ProcessError),
}

/// What the install stamp records.
fn spec() -> String {
    format!("binaryen@{VERSION}")
}

/// The `wasm-opt` script under the install prefix.
fn script(prefix: &std::path::Path) -> PathBuf {
    prefix.join("node_modules/binaryen/bin/wasm-opt")
}

/// The installed `wasm-opt`: a Node.js script.
#[derive(Debug, Clone)]
pub struct WasmOpt {
    script: PathBuf,
}

impl WasmOpt {
    /// Whether a finished install of the pinned `wasm-opt` is in `home`.
    pub fn is_installed(home: &Home) -> bool {
        let prefix = home.dir(DIR);
        crate::toolchain::stamp_matches(&prefix, &spec()) && script(&prefix).is_file()
    }

    /// The pinned `wasm-opt` in `home`, installed first unless a finished
    /// install of it is there.
    pub fn installed(home: &Home) -> Result<WasmOpt, WasmOptError> {
        let prefix = home.dir(DIR);
        let (script, spec) = (script(&prefix), spec());
        if Self::is_installed(home) {
            return Ok(WasmOpt { script });
        }
        let io = |source| WasmOptError::Io {
            path: prefix.clone(),
            source,
        };
        let _ = std::fs::remove_dir_all(&prefix);
        std::fs::create_dir_all(&prefix).map_err(io)?;
        let package = r#"{ "name": "wcomp-binaryen", "private": true }"#;
        std::fs::write(prefix.join("package.json"), package).map_err(io)?;
        process::run(
            Command::new("npm")
                .args(["install", "--no-audit", "--no-fund", "--no-update-notifier"])
                .args(["--loglevel=error", "--save-exact", &spec])
                .current_dir(&prefix),
            "install Node.js 20 or newer with npm",
        )
        .map_err(|source| WasmOptError::Install {
            dir: prefix.clone(),
            source,
        })?;
        wcomp_core::fs::write_atomically(&prefix.join(crate::toolchain::STAMP), spec.as_bytes())
            .map_err(|e| io(e.source))?;
        Ok(WasmOpt { script })
    }

    /// `module` optimized for size, its names kept when `keep_names`.
    pub fn optimize(&self, module: &[u8], keep_names: bool) -> Result<Vec<u8>, WasmOptError> {
        let dir = tempfile::tempdir().map_err(|source| WasmOptError::Io {
            path: std::env::temp_dir(),
            source,
        })?;
        let (input, output) = (dir.path().join("in.wasm"), dir.path().join("out.wasm"));
        std::fs::write(&input, module).map_err(|source| WasmOptError::Io {
            path: input.clone(),
            source,
        })?;
        process::run(
            Command::new("node")
                .arg(&self.script)
                .args(FLAGS)
                .args(keep_names.then_some("--debuginfo"))
                .arg(&input)
                .arg("-o")
                .arg(&output),
            "run `wcomp setup` to install wasm-opt",
        )
        .map_err(WasmOptError::Run)?;
        std::fs::read(&output).map_err(|source| WasmOptError::Io {
            path: output,
            source,
        })
    }
}
