//! The Python toolchain: componentize-py in a virtual environment under the
//! cache directory. componentize-py carries its own CPython (compiled to
//! wasm); the host's Python only runs pip.

use std::path::{Path, PathBuf};
use std::process::Command;

use wcomp_compose::Lang;

use super::{Home, Installed, Report, Tool, ToolchainError, pins, version_word};
use crate::process;

const DIR: &str = "python";
const FIX: &str = "run `wcomp setup --lang python` (it needs `python3` with the `venv` module)";

/// The host Python used to create the venv: `$WCOMP_PYTHON` or `python3`.
pub(super) fn host_python() -> String {
    std::env::var("WCOMP_PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

/// What a finished install holds; the stamp's content.
fn spec() -> String {
    format!("componentize-py=={}\n", pins::COMPONENTIZE_PY)
}

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
    super::stamp_matches(&home.dir(DIR), &spec())
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

/// Reports the host Python and the installed componentize-py.
pub fn check(home: &Home) -> Report {
    let tools = vec![
        host_python_tool(),
        Tool::new(
            "componentize-py",
            // A venv without the stamp is a half-finished install.
            super::stamp_matches(&home.dir(DIR), &spec())
                .then(|| installed_version(home))
                .flatten(),
            Some(pins::COMPONENTIZE_PY),
            Some(componentize_py(home)),
        ),
    ];
    Report::new(Lang::Python, tools, FIX)
}

/// Creates the venv and installs the pinned componentize-py, unless a
/// finished install of that version is already there.
pub fn install(home: &Home, force: bool) -> Result<Installed, ToolchainError> {
    let _lock = home.lock(Lang::Python, DIR)?;
    let dir = home.dir(DIR);
    let spec = spec();
    if !force
        && super::stamp_matches(&dir, &spec)
        && installed_version(home).as_deref() == Some(pins::COMPONENTIZE_PY)
    {
        return Ok(Installed::Fresh);
    }
    super::clear_dir(Lang::Python, &dir)?;
    let fail = |source| ToolchainError::Install {
        lang: Lang::Python,
        help: FIX.to_owned(),
        source,
    };
    venv_with(&dir, &format!("componentize-py=={}", pins::COMPONENTIZE_PY)).map_err(fail)?;
    let found = installed_version(home).unwrap_or_else(|| "nothing".to_owned());
    if found != pins::COMPONENTIZE_PY {
        return Err(ToolchainError::Version {
            lang: Lang::Python,
            tool: "componentize-py",
            found,
            pinned: pins::COMPONENTIZE_PY,
        });
    }
    super::write_stamp(Lang::Python, &dir, &spec)?;
    Ok(Installed::Installed)
}
