//! The Rust toolchain: the machine's cargo and rustc, plus the
//! `wasm32-wasip2` target added through rustup.

use std::path::PathBuf;
use std::process::Command;

use wcomp_compose::Lang;

use super::pins;
use crate::process;
use crate::toolchain::{Installed, Report, Tool, ToolchainError, version_word};

const FIX: &str = "install Rust from https://rustup.rs, then run `wcomp setup --lang rust`";

/// The directory holding the target's standard library, if it is installed.
/// Once found, it is remembered for the rest of the process: asking rustc
/// costs 50-90 ms, which every build and every `wcomp dev` iteration with a
/// stale Rust component would pay. A remembered directory that is gone
/// (the target was removed, or the toolchain updated) is asked for again,
/// and the new answer replaces it.
fn target_libdir() -> Option<PathBuf> {
    static FOUND: std::sync::Mutex<Option<PathBuf>> = std::sync::Mutex::new(None);
    let mut found = FOUND.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(dir) = found.as_ref().filter(|dir| dir.is_dir()) {
        return Some(dir.clone());
    }
    let dir = probe_target_libdir()?;
    *found = Some(dir.clone());
    Some(dir)
}

fn probe_target_libdir() -> Option<PathBuf> {
    let dir = process::probe(Command::new("rustc").args([
        "--print",
        "target-libdir",
        "--target",
        pins::RUST_TARGET,
    ]))?;
    let dir = PathBuf::from(dir);
    // The directory is printed even when the target is absent; it exists only
    // once the target's standard library is installed.
    dir.is_dir().then_some(dir)
}

/// Whether the wasm target is installed.
pub fn is_installed() -> bool {
    target_libdir().is_some()
}

/// Reports cargo, rustc and the wasm target.
pub fn check() -> Report {
    let cargo = process::probe(Command::new("cargo").arg("--version"))
        .as_deref()
        .and_then(version_word);
    let rustc = process::probe(Command::new("rustc").arg("--version"))
        .as_deref()
        .and_then(version_word);
    let target = target_libdir();
    let tools = vec![
        Tool::new("cargo", cargo, None, process::which("cargo")),
        Tool::new("rustc", rustc, None, process::which("rustc")),
        Tool::new(
            pins::RUST_TARGET,
            target.as_ref().map(|_| "installed".to_owned()),
            None,
            target,
        ),
    ];
    Report::new(Lang::Rust, tools, FIX)
}

/// Adds the wasm target through rustup when it is missing.
pub fn install() -> Result<Installed, ToolchainError> {
    if target_libdir().is_some() {
        return Ok(Installed::Fresh);
    }
    process::run(
        Command::new("rustup").args(["target", "add", pins::RUST_TARGET]),
        "wcomp adds the `wasm32-wasip2` target with rustup; install Rust from https://rustup.rs",
    )
    .map_err(|source| ToolchainError::Install {
        lang: Lang::Rust,
        help: FIX.to_owned(),
        source,
    })?;
    Ok(Installed::Installed)
}
