//! The C and C++ toolchain: zig (its `zig cc` and `zig c++` target
//! `wasm32-wasi` with a bundled wasi-libc and libc++), installed from PyPI's
//! `ziglang` package into a virtual environment under the cache directory,
//! the way the Python toolchain installs componentize-py.
//!
//! Both languages share the one install. zig keeps what it compiles (wasi-libc,
//! libc++, every object) in a cache beside it; the install ends by compiling a
//! C and a C++ program, which checks that the compiler works and leaves the
//! C libraries built, so a component's first build compiles only its own code.

use std::path::{Path, PathBuf};
use std::process::Command;

use wcomp_compose::Lang;

use super::pins;
use crate::process;
use crate::toolchain::pypi::Pinned;
use crate::toolchain::{Home, Installed, Report, ToolchainError};

const DIR: &str = "zig";
const FIX: &str = "run `wcomp setup --lang c` (it needs `python3` with the `venv` module)";

/// The target every C and C++ guest is compiled for: wasip1, made a
/// component with the preview1 adapter.
pub const TARGET: &str = "wasm32-wasi";

/// C++ is compiled without exceptions: zig's libc++ for `wasm32-wasi` has
/// no unwinder (`__cxa_throw` is undefined at link time).
pub const NO_EXCEPTIONS: &str = "-fno-exceptions";

/// The flags of a build profile: unoptimized with debug info, or small.
pub fn profile_flags(release: bool) -> &'static [&'static str] {
    if release {
        &["-Os", "-DNDEBUG"]
    } else {
        &["-O0", "-g"]
    }
}

/// The install, shared by C and C++: the pinned `ziglang` from PyPI, then
/// [`warm_up`].
fn pinned(lang: Lang) -> Pinned {
    Pinned {
        lang,
        dir: DIR,
        package: "ziglang",
        version: pins::ZIGLANG,
        tool: "zig",
        fix: FIX,
        installed_version,
        finish: warm_up,
    }
}

/// The zig compiler inside the venv's `ziglang` package, if installed:
/// `lib/python3.X/site-packages/ziglang/zig`.
pub fn zig_binary(home: &Home) -> Option<PathBuf> {
    let lib = home.dir(DIR).join("lib");
    std::fs::read_dir(&lib)
        .ok()?
        .flatten()
        .map(|python| python.path().join("site-packages/ziglang/zig"))
        .find(|zig| zig.is_file())
}

/// Where zig keeps its cache (wasi-libc, libc++ and compiled objects).
fn cache_dir(home: &Home) -> PathBuf {
    home.dir(DIR).join("cache")
}

/// `zig cc` or `zig c++` (`driver`), using the cache under the wcomp home.
pub fn zig(home: &Home, zig: &Path, driver: &str) -> Command {
    let cache = cache_dir(home);
    let mut cmd = Command::new(zig);
    cmd.arg(driver)
        .env("ZIG_GLOBAL_CACHE_DIR", &cache)
        .env("ZIG_LOCAL_CACHE_DIR", &cache);
    cmd
}

fn installed_version(home: &Home) -> Option<String> {
    let zig = zig_binary(home)?;
    process::probe(Command::new(zig).arg("version"))
}

/// Reports the host Python and the installed zig (one report per language;
/// C and C++ share the install).
/// Whether a finished install of the pinned zig is there.
pub fn is_installed(home: &Home) -> bool {
    pinned(Lang::C).is_installed(home)
}

/// Reports the host Python and the installed zig.
pub fn check(home: &Home, lang: Lang) -> Report {
    pinned(lang).report(home, zig_binary(home).or_else(|| Some(home.dir(DIR))))
}

/// Creates the venv, installs the pinned `ziglang` and builds the C
/// libraries, unless a finished install of that version is already there.
pub fn install(home: &Home, lang: Lang, force: bool) -> Result<Installed, ToolchainError> {
    pinned(lang).install(home, force)
}

/// Compiles a C and a C++ program for the target in both build profiles:
/// proof that the compiler works, and wasi-libc and libc++ built into the
/// cache once for each (zig builds them per optimization mode).
fn warm_up(home: &Home, lang: Lang) -> Result<(), process::ProcessError> {
    let io = |source| process::ProcessError::Spawn {
        program: "zig".to_owned(),
        help: "wcomp compiles a test program in a temporary directory".to_owned(),
        source,
    };
    let tmp = tempfile::tempdir().map_err(io)?;
    let zig_path = zig_binary(home).ok_or_else(|| {
        io(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("no zig under `{}`", home.dir(DIR).display()),
        ))
    })?;
    let programs = [
        (
            "cc",
            "hello.c",
            "#include <stdio.h>\nint main(void) { puts(\"hi\"); return 0; }\n",
        ),
        (
            "c++",
            "hello.cpp",
            "#include <cstdio>\n#include <string>\nint main() { std::string s(\"hi\"); std::puts(s.c_str()); }\n",
        ),
    ];
    for (driver, file, text) in programs {
        let src = tmp.path().join(file);
        std::fs::write(&src, text).map_err(io)?;
        for release in [false, true] {
            let mut cmd = zig(home, &zig_path, driver);
            cmd.args(["-target", TARGET]).args(profile_flags(release));
            if driver == "c++" {
                cmd.arg(NO_EXCEPTIONS);
            }
            process::run(
                cmd.arg("-o")
                    .arg(tmp.path().join(format!("{file}.wasm")))
                    .arg(&src),
                &format!("the {lang} toolchain was installed but cannot compile for `{TARGET}`"),
            )?;
        }
    }
    Ok(())
}
