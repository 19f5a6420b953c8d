//! The Python toolchain: componentize-py in a virtual environment under the
//! cache directory. componentize-py carries its own CPython (compiled to
//! wasm); the host's Python only runs pip.

use std::path::PathBuf;
use std::process::Command;

use wcomp_compose::Lang;

use super::pins;
use crate::process;
use crate::toolchain::pypi::Pinned;
use crate::toolchain::{Home, Installed, Report, ToolchainError, version_word};

const DIR: &str = "python";
const FIX: &str = "run `wcomp setup --lang python` (it needs `python3` with the `venv` module)";

/// The install: the pinned componentize-py from PyPI.
const PINNED: Pinned = Pinned {
    lang: Lang::Python,
    dir: DIR,
    package: "componentize-py",
    version: pins::COMPONENTIZE_PY,
    tool: "componentize-py",
    fix: FIX,
    installed_version,
    finish: |_, _| Ok(()),
};

/// The installed `componentize-py` executable.
pub fn componentize_py(home: &Home) -> PathBuf {
    home.dir(DIR).join("bin").join("componentize-py")
}

fn installed_version(home: &Home) -> Option<String> {
    process::probe(Command::new(componentize_py(home)).arg("--version"))
        .as_deref()
        .and_then(version_word)
}

/// Whether a finished install of the pinned componentize-py is there.
pub fn is_installed(home: &Home) -> bool {
    PINNED.is_installed(home)
}

/// Reports the host Python and the installed componentize-py.
pub fn check(home: &Home) -> Report {
    PINNED.report(home, Some(componentize_py(home)))
}

/// Creates the venv and installs the pinned componentize-py, unless a
/// finished install of that version is already there.
pub fn install(home: &Home, force: bool) -> Result<Installed, ToolchainError> {
    PINNED.install(home, force)
}
