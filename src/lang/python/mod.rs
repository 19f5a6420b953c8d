//! Python guests: an `app.py` built by componentize-py, installed from PyPI
//! into a virtual environment.

pub mod build;
pub mod scaffold;
pub mod toolchain;

use std::path::PathBuf;

use wcomp_compose::Lang;

use super::Language;
use crate::build::{ComponentError, Job};
use crate::prime::Starter;
use crate::scaffold::http::{self, HttpStarter, Unavailable};
use crate::scaffold::{Context, File, NewError};
use crate::toolchain::{Home, Installed, Report, ToolchainError};

/// The versions the Python driver pins. Changing one makes `wcomp setup`
/// reinstall.
pub mod pins {
    /// componentize-py, from PyPI.
    pub const COMPONENTIZE_PY: &str = "0.25.1";
}

/// The Python driver.
pub struct Python;

impl Language for Python {
    fn title(&self) -> &'static str {
        "Python"
    }

    fn files(&self, cx: &Context<'_>) -> Result<Vec<File>, NewError> {
        Ok(scaffold::files(cx))
    }

    fn http_starter(&self, world: http::Starter) -> Result<HttpStarter, Unavailable> {
        Ok(HttpStarter {
            world: world.wit(),
            source: match world {
                http::Starter::Proxy => include_str!("../../../templates/http/python-0.2/app.py"),
                http::Starter::Service => include_str!("../../../templates/http/python-0.3/app.py"),
                http::Starter::Middleware => {
                    include_str!("../../../templates/http/python-middleware-0.3/app.py")
                }
            },
            files: |_, source| {
                vec![
                    File::new(".gitignore", scaffold::GITIGNORE.to_owned()),
                    File::new("app.py", source),
                ]
            },
        })
    }

    fn toolchain_id(&self, _job: &Job<'_>) -> String {
        toolchain_id()
    }

    fn build(&self, job: &Job<'_>) -> Result<PathBuf, ComponentError> {
        build::build(job)
    }

    fn check(&self, home: &Home) -> Report {
        toolchain::check(home)
    }

    fn is_installed(&self, home: &Home) -> bool {
        toolchain::is_installed(home)
    }

    fn install(&self, home: &Home, force: bool) -> Result<Installed, ToolchainError> {
        toolchain::install(home, force)
    }

    fn starters(&self) -> Vec<Starter> {
        vec![Starter::new("python", Lang::Python, None, toolchain_id())]
    }
}

/// The toolchain, as input hashes and priming stamps name it.
fn toolchain_id() -> String {
    format!("componentize-py {}", pins::COMPONENTIZE_PY)
}
