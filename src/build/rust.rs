//! Rust: `cargo build --target wasm32-wasip2`, the artifact found from
//! cargo's JSON messages.
//!
//! Every app's Rust components share one cargo build directory per
//! toolchain under `$WCOMP_HOME` (cargo's `build.build-dir`): wit-bindgen
//! and the other dependencies compile once per machine, not once per app.
//! Final artifacts still go to the app's own target directory, so two apps
//! with a crate of the same name never overwrite each other's `.wasm`;
//! their intermediate files differ by cargo's hash of the package's path.
//! Cargo's lock on the build directory serialises concurrent builds.
//! `--isolated` keeps everything in the app's target directory.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{ComponentError, Job};
use crate::process;
use crate::toolchain::{Home, pins};

pub fn build(job: &Job<'_>) -> Result<PathBuf, ComponentError> {
    let mut cmd = Command::new("cargo");
    cmd.args([
        "build",
        "--target",
        pins::RUST_TARGET,
        "--message-format=json-render-diagnostics",
    ])
    .current_dir(&job.src)
    .env("CARGO_TARGET_DIR", job.build_dir.join("cargo"))
    .env("CARGO_TERM_COLOR", "never");
    if !job.isolated {
        cmd.env("CARGO_BUILD_BUILD_DIR", shared_build_dir(job.home));
    }
    if job.release {
        cmd.arg("--release");
    }
    let output = process::run(&mut cmd, "install Rust from https://rustup.rs")
        .map_err(|e| job.tool_error(e))?;
    let manifest = std::fs::canonicalize(job.src.join("Cargo.toml"))
        .unwrap_or_else(|_| job.src.join("Cargo.toml"));
    artifact(&String::from_utf8_lossy(&output.stdout), &manifest).ok_or_else(|| ComponentError::NoOutput {
        component: job.name.to_owned(),
        message: "cargo built no `.wasm` artifact for this package".to_owned(),
        help: "a Rust component is a `cdylib` (library) or a `bin` crate; check `[lib] crate-type = [\"cdylib\"]` in its Cargo.toml".to_owned(),
    })
}

/// The cargo build directory every app's Rust components share: one per
/// pinned target and wit-bindgen (cargo separates profiles and compiler
/// versions inside it).
pub fn shared_build_dir(home: &Home) -> PathBuf {
    home.root().join("cargo-target").join(format!(
        "{}-wit-bindgen-{}",
        pins::RUST_TARGET,
        pins::WIT_BINDGEN
    ))
}

/// The last `.wasm` file cargo reports for the package at `manifest`.
fn artifact(messages: &str, manifest: &Path) -> Option<PathBuf> {
    messages
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact")
        .filter(|m| {
            m["manifest_path"]
                .as_str()
                .is_some_and(|p| Path::new(p) == manifest)
        })
        .flat_map(|m| {
            m["filenames"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|f| f.as_str().map(PathBuf::from))
                .collect::<Vec<_>>()
        })
        .rfind(|f| f.extension().is_some_and(|e| e == "wasm"))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    #[test]
    fn finds_the_artifact_of_its_package() {
        let messages = r#"{"reason":"compiler-artifact","manifest_path":"/dep/Cargo.toml","filenames":["/t/libdep.rlib"]}
{"reason":"compiler-artifact","manifest_path":"/app/cli/Cargo.toml","filenames":["/t/wasm32-wasip2/debug/cli.wasm"]}
{"reason":"build-finished","success":true}"#;
        assert_eq!(
            super::artifact(messages, Path::new("/app/cli/Cargo.toml")).unwrap(),
            Path::new("/t/wasm32-wasip2/debug/cli.wasm")
        );
        assert!(super::artifact(messages, Path::new("/other/Cargo.toml")).is_none());
    }
}
