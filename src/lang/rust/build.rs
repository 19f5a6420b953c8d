//! Rust: `cargo build --target wasm32-wasip2`, the artifact found from
//! cargo's JSON messages.
//!
//! Every app builds in its own cargo target directory, seeded with the
//! compiled dependencies other apps built before it ([`deps`]).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use super::deps;
use super::pins;
use crate::build::{ComponentError, Job};
use crate::process;

pub fn build(job: &Job<'_>) -> Result<PathBuf, ComponentError> {
    let target = job.build_dir.join("cargo");
    let store = deps::Store::new(job.home);
    // Sharing only saves time: a store that cannot be used changes nothing.
    let _ = store.seed(&target, &deps::profile_dirs(job.release));
    let mut cmd = Command::new("cargo");
    cmd.args([
        "build",
        "--target",
        pins::RUST_TARGET,
        "--message-format=json-render-diagnostics",
    ])
    .current_dir(&job.src)
    .env("CARGO_TARGET_DIR", &target)
    .env("CARGO_TERM_COLOR", "never");
    if job.release {
        cmd.arg("--release");
    }
    let output = process::run(&mut cmd, "install Rust from https://rustup.rs")
        .map_err(|e| job.tool_error(e))?;
    let manifest = std::fs::canonicalize(job.src.join("Cargo.toml"))
        .unwrap_or_else(|_| job.src.join("Cargo.toml"));
    let messages = messages(&output.stdout);
    let _ = store.publish(&target, &messages, &manifest);
    artifact(&messages, &manifest).ok_or_else(|| ComponentError::NoOutput {
        component: job.name.to_owned(),
        message: "cargo built no `.wasm` artifact for this package".to_owned(),
        help: "a Rust component is a `cdylib` (library) or a `bin` crate; check `[lib] crate-type = [\"cdylib\"]` in its Cargo.toml".to_owned(),
    })
}

/// cargo's JSON messages, one per line of its output.
fn messages(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

/// The last `.wasm` file cargo reports for the package at `manifest`.
fn artifact(messages: &[Value], manifest: &Path) -> Option<PathBuf> {
    messages
        .iter()
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
            super::artifact(
                &super::messages(messages.as_bytes()),
                Path::new("/app/cli/Cargo.toml")
            )
            .unwrap(),
            Path::new("/t/wasm32-wasip2/debug/cli.wasm")
        );
        assert!(
            super::artifact(
                &super::messages(messages.as_bytes()),
                Path::new("/other/Cargo.toml")
            )
            .is_none()
        );
    }
}
