//! JavaScript guests: an `app.js` built by componentize-js (StarlingMonkey)
//! or componentize-qjs (QuickJS), both installed with npm.

pub mod build;
pub mod scaffold;
pub mod toolchain;

use std::path::PathBuf;

use wcomp_compose::{JsBackend, Lang};

use super::{Language, Unsupported};
use crate::build::{ComponentError, Job};
use crate::prime::Starter;
use crate::scaffold::http::{self, HttpStarter, Unavailable};
use crate::scaffold::{Context, File, NewError};
use crate::toolchain::{Home, Installed, Report, ToolchainError};
use crate::wit::World;

/// The versions the JavaScript driver pins. Changing one makes `wcomp
/// setup` reinstall.
pub mod pins {
    /// `@bytecodealliance/jco`, from npm.
    pub const JCO: &str = "1.35.0";
    /// `@bytecodealliance/componentize-js` (StarlingMonkey), from npm.
    pub const COMPONENTIZE_JS: &str = "0.23.0";
    /// `componentize-qjs` (QuickJS), from npm.
    pub const COMPONENTIZE_QJS: &str = "0.4.5";
}

/// The JavaScript driver.
pub struct Js;

impl Language for Js {
    fn title(&self) -> &'static str {
        "JavaScript"
    }

    fn files(&self, cx: &Context<'_>) -> Result<Vec<File>, NewError> {
        Ok(scaffold::files(cx))
    }

    fn http_starter(&self, world: http::Starter) -> Result<HttpStarter, Unavailable> {
        let (wit, source) = match world {
            http::Starter::Proxy => (
                world.wit(),
                include_str!("../../../templates/http/js-0.2/app.js"),
            ),
            // componentize-qjs cannot import `client.send` (an async
            // function): its world leaves `wasi:http/client` out.
            http::Starter::Service => (
                include_str!("../../../templates/http/wit/handler-0.3-qjs.wit"),
                include_str!("../../../templates/http/js-0.3/app.js"),
            ),
            http::Starter::Middleware => {
                return Err(Unavailable::ForWorld(
                    "JavaScript components cannot import async functions such as the next `handler`; write the middleware in Rust or Python",
                ));
            }
        };
        Ok(HttpStarter {
            world: wit,
            source,
            files: |_, source| {
                vec![
                    File::new(".gitignore", scaffold::GITIGNORE.to_owned()),
                    File::new("app.js", source),
                ]
            },
        })
    }

    fn check_world(&self, world: &World) -> Result<(), Unsupported> {
        toolchain::check_world(world)
    }

    fn backend(&self, world: &World, chosen: Option<JsBackend>) -> Option<JsBackend> {
        Some(toolchain::backend_for(world, chosen))
    }

    fn toolchain_id(&self, job: &Job<'_>) -> String {
        toolchain_of(build::backend(job))
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
        vec![
            Starter::new(
                "js-starlingmonkey",
                Lang::Js,
                None,
                toolchain_of(JsBackend::ComponentizeJs),
            ),
            Starter::new(
                "js-quickjs",
                Lang::Js,
                // The QuickJS engine in a world componentize-qjs builds: the
                // WASI 0.3 HTTP handler (a 0.3 command imports async
                // functions, which JS refuses).
                Some("wasi:http/service"),
                toolchain_of(JsBackend::ComponentizeQjs),
            ),
        ]
    }
}

/// The toolchain a component built with `backend` is built by, as input
/// hashes and priming stamps name it.
fn toolchain_of(backend: JsBackend) -> String {
    match backend {
        JsBackend::ComponentizeJs => format!(
            "jco {} componentize-js {}",
            pins::JCO,
            pins::COMPONENTIZE_JS
        ),
        JsBackend::ComponentizeQjs => format!("componentize-qjs {}", pins::COMPONENTIZE_QJS),
    }
}
