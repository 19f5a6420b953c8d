//! Rust: `cargo build --target wasm32-wasip2`, the artifact found from
//! cargo's JSON messages.
//!
//! Every app builds in its own cargo target directory. A build directory
//! shared by all apps (cargo's `build.build-dir`) was tried and removed:
//! cargo hashes a path package by its path relative to its workspace root,
//! so two apps' crates of the same name and version (`cli` 0.1.0) share
//! intermediate files there, and one app got the other's `.wasm`.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{ComponentError, Job};
use crate::process;
use crate::toolchain::pins;

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
