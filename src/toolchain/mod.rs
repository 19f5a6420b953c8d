//! Finding and installing the pinned guest toolchains.
//!
//! Everything wcomp installs lives under one cache directory ([`Home`]). Each
//! language's driver (`crate::lang`) can check what is there (for `wcomp
//! doctor`) and install what is missing (for `wcomp setup`, and on demand
//! for `wcomp build`), with the shared pieces here. An install is marked complete by a stamp file written
//! last, so an interrupted install is never taken for a finished one; a lock
//! file serialises concurrent installs of the same toolchain.

pub mod pypi;

use std::fs::File;
use std::path::{Path, PathBuf};

use serde::Serialize;
use wcomp_compose::Lang;

use crate::process::ProcessError;

/// The environment variable that overrides the cache directory.
pub const HOME_ENV: &str = "WCOMP_HOME";

/// The cache directory is unusable.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum HomeError {
    #[error("cannot find a cache directory: neither `$WCOMP_HOME` nor `$HOME` is set")]
    #[diagnostic(
        code(wcomp::home::unset),
        help("set `WCOMP_HOME` to a writable directory")
    )]
    Unset,

    #[error("the wcomp cache directory `{}` is not a directory", path.display())]
    #[diagnostic(
        code(wcomp::home::not_a_directory),
        help("remove it, or point `WCOMP_HOME` at a directory")
    )]
    NotADirectory { path: PathBuf },

    #[error("the wcomp cache directory `{}` is not writable", path.display())]
    #[diagnostic(
        code(wcomp::home::not_writable),
        help("fix its permissions, or point `WCOMP_HOME` at a writable directory")
    )]
    NotWritable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Whether this process may create files in the folder `dir`, as the
/// kernel answers it (a read-only mount included), without creating one:
/// every command asks, and an inode per start-up is not free.
#[cfg(unix)]
fn writable(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes())
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    // SAFETY: `path` is a NUL-terminated string that outlives the call.
    match unsafe { libc::access(path.as_ptr(), libc::W_OK | libc::X_OK) } {
        0 => Ok(()),
        _ => Err(std::io::Error::last_os_error()),
    }
}

/// Elsewhere: by creating a temporary file there.
#[cfg(not(unix))]
fn writable(dir: &Path) -> std::io::Result<()> {
    tempfile::tempfile_in(dir).map(drop)
}

/// Installing a toolchain failed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ToolchainError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Home(#[from] HomeError),

    #[error("cannot install the {lang} toolchain")]
    #[diagnostic(code(wcomp::toolchain::install), help("{help}"))]
    Install {
        lang: Lang,
        help: String,
        #[source]
        #[diagnostic_source]
        source: ProcessError,
    },

    #[error("the {lang} toolchain was installed, but `{tool}` reports {found} instead of {pinned}")]
    #[diagnostic(
        code(wcomp::toolchain::version),
        help("run `wcomp setup --force` to reinstall it")
    )]
    Version {
        lang: Lang,
        tool: &'static str,
        found: String,
        pinned: &'static str,
    },

    #[error("cannot prepare `{}` for the {lang} toolchain", path.display())]
    #[diagnostic(code(wcomp::toolchain::io))]
    Io {
        lang: Lang,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The wcomp cache directory: toolchains, compiled-code cache, build state.
#[derive(Debug, Clone)]
pub struct Home {
    root: PathBuf,
}

impl Home {
    /// `$WCOMP_HOME`, else `$XDG_CACHE_HOME/wcomp`, else `~/.cache/wcomp`;
    /// created if missing and checked to be a writable directory.
    pub fn from_env() -> Result<Self, HomeError> {
        let root = match std::env::var_os(HOME_ENV).filter(|v| !v.is_empty()) {
            Some(dir) => PathBuf::from(dir),
            None => match std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
                Some(cache) => PathBuf::from(cache).join("wcomp"),
                None => PathBuf::from(std::env::var_os("HOME").ok_or(HomeError::Unset)?)
                    .join(".cache")
                    .join("wcomp"),
            },
        };
        Self::at(root)
    }

    /// A cache directory at `root`, created if missing and checked to be a
    /// writable directory.
    pub fn at(root: PathBuf) -> Result<Self, HomeError> {
        if root.exists() && !root.is_dir() {
            return Err(HomeError::NotADirectory { path: root });
        }
        let not_writable = |source| HomeError::NotWritable {
            path: root.clone(),
            source,
        };
        std::fs::create_dir_all(&root).map_err(not_writable)?;
        writable(&root).map_err(not_writable)?;
        Ok(Home { root })
    }

    /// The cache directory itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the host caches compiled code: one folder per Wasmtime
    /// release, whose code no other release can load.
    pub fn compiled_code(&self) -> PathBuf {
        self.root.join("compiled").join("wasmtime-48.0.8")
    }

    /// Where a toolchain or cache named `name` lives.
    pub fn dir(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    /// Takes the lock named `name`, blocking until no other wcomp process
    /// holds it. The lock is released when the returned file is dropped.
    pub fn lock(&self, lang: Lang, name: &str) -> Result<File, ToolchainError> {
        let path = self.root.join(format!(".{name}.lock"));
        let file = File::create(&path).map_err(|source| ToolchainError::Io {
            lang,
            path: path.clone(),
            source,
        })?;
        file.lock()
            .map_err(|source| ToolchainError::Io { lang, path, source })?;
        Ok(file)
    }
}

/// The stamp file that marks a finished install and what it installed.
pub(crate) const STAMP: &str = ".wcomp-installed";

/// Whether the install in `dir` finished and installed exactly `spec`.
pub(crate) fn stamp_matches(dir: &Path, spec: &str) -> bool {
    std::fs::read_to_string(dir.join(STAMP)).is_ok_and(|s| s == spec)
}

/// Marks the install in `dir` finished; written last.
pub(crate) fn write_stamp(lang: Lang, dir: &Path, spec: &str) -> Result<(), ToolchainError> {
    wcomp_core::fs::write_atomically(&dir.join(STAMP), spec.as_bytes()).map_err(|e| {
        ToolchainError::Io {
            lang,
            path: e.path,
            source: e.source,
        }
    })
}

/// Removes a previous (possibly half-finished) install at `dir`.
pub(crate) fn clear_dir(lang: Lang, dir: &Path) -> Result<(), ToolchainError> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(ToolchainError::Io {
            lang,
            path: dir.to_owned(),
            source,
        }),
    }
}

/// One tool of a language's toolchain, as `wcomp doctor` reports it.
#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    /// The tool's name, e.g. `componentize-py`.
    pub name: &'static str,
    /// The version found, if the tool was found.
    pub version: Option<String>,
    /// The version wcomp pins, if it pins one.
    pub pinned: Option<&'static str>,
    /// Where it was found.
    pub path: Option<PathBuf>,
    /// Found, and at the pinned version where there is one.
    pub ok: bool,
}

impl Tool {
    /// A tool found at `version` (or not found, `None`), checked against `pinned`.
    pub fn new(
        name: &'static str,
        version: Option<String>,
        pinned: Option<&'static str>,
        path: Option<PathBuf>,
    ) -> Self {
        let ok = match (&version, pinned) {
            (None, _) => false,
            (Some(found), Some(pin)) => found == pin,
            (Some(_), None) => true,
        };
        Tool {
            name,
            version,
            pinned,
            path,
            ok,
        }
    }
}

/// What `wcomp doctor` knows about one language's toolchain.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub lang: Lang,
    /// Every tool found and at its pinned version.
    pub ready: bool,
    pub tools: Vec<Tool>,
    /// What to do when the toolchain is not ready.
    pub next_step: Option<String>,
}

impl Report {
    pub(crate) fn new(lang: Lang, tools: Vec<Tool>, fix: &str) -> Self {
        let ready = tools.iter().all(|t| t.ok);
        Report {
            lang,
            ready,
            tools,
            next_step: (!ready).then(|| fix.to_owned()),
        }
    }
}

/// What an install did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Installed {
    /// Everything was already there; nothing was done.
    Fresh,
    /// Something was installed.
    Installed,
}

/// The first line of a tool's `--version` output, minus the tool's name and
/// any leading `v`: `componentize-py 0.25.1` → `0.25.1`.
pub(crate) fn version_word(output: &str) -> Option<String> {
    let first = output.lines().next()?.trim();
    let word = first.split_whitespace().find(|w| {
        w.trim_start_matches('v')
            .starts_with(|c: char| c.is_ascii_digit())
    })?;
    Some(word.trim_start_matches('v').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_words() {
        assert_eq!(
            version_word("componentize-py 0.25.1\n").as_deref(),
            Some("0.25.1")
        );
        assert_eq!(version_word("v20.20.2").as_deref(), Some("20.20.2"));
        assert_eq!(
            version_word("cargo 1.95.0 (f2d3ce0bd 2026-03-21)").as_deref(),
            Some("1.95.0")
        );
        assert_eq!(version_word("no digits here"), None);
    }

    #[test]
    fn tool_ok_requires_the_pin() {
        assert!(Tool::new("x", Some("1.0".into()), Some("1.0"), None).ok);
        assert!(!Tool::new("x", Some("1.1".into()), Some("1.0"), None).ok);
        assert!(!Tool::new("x", None, Some("1.0"), None).ok);
        assert!(Tool::new("x", Some("7".into()), None, None).ok);
    }
}
