//! The Python toolchain: componentize-py in a virtual environment under the
//! cache directory. componentize-py carries its own CPython (compiled to
//! wasm); the host's Python only runs pip.

use std::path::PathBuf;
use std::process::Command;

use wcomp_compose::Lang;

use super::pins;
use crate::process;
use crate::toolchain::{Home, Installed, Report, Tool, ToolchainError, version_word};

const DIR: &str = "python";
const FIX: &str = "run `wcomp setup --lang python` (it needs `python3` with the `venv` module)";

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
    crate::toolchain::stamp_matches(&home.dir(DIR), &spec())
}

/// Reports the host Python and the installed componentize-py.
pub fn check(home: &Home) -> Report {
    let tools = vec![
        crate::toolchain::pypi::host_python_tool(),
        Tool::new(
            "componentize-py",
            // A venv without the stamp is a half-finished install.
            crate::toolchain::stamp_matches(&home.dir(DIR), &spec())
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
        && crate::toolchain::stamp_matches(&dir, &spec)
        && installed_version(home).as_deref() == Some(pins::COMPONENTIZE_PY)
    {
        return Ok(Installed::Fresh);
    }
    crate::toolchain::clear_dir(Lang::Python, &dir)?;
    let fail = |source| ToolchainError::Install {
        lang: Lang::Python,
        help: FIX.to_owned(),
        source,
    };
    crate::toolchain::pypi::venv_with(&dir, &format!("componentize-py=={}", pins::COMPONENTIZE_PY))
        .map_err(fail)?;
    let found = installed_version(home).unwrap_or_else(|| "nothing".to_owned());
    if found != pins::COMPONENTIZE_PY {
        return Err(ToolchainError::Version {
            lang: Lang::Python,
            tool: "componentize-py",
            found,
            pinned: pins::COMPONENTIZE_PY,
        });
    }
    crate::toolchain::write_stamp(Lang::Python, &dir, &spec)?;
    Ok(Installed::Installed)
}
