//! Rust guests: a cdylib using wit-bindgen, built by cargo for
//! `wasm32-wasip2`, with the target added through rustup.

pub mod build;
pub mod deps;
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

/// The versions the Rust driver pins. Changing one rebuilds every Rust
/// component (the target is added by `wcomp setup`).
pub mod pins {
    /// The Rust target guests are built for.
    pub const RUST_TARGET: &str = "wasm32-wasip2";
    /// wit-bindgen, the Rust guests' bindings generator (a crate dependency).
    pub const WIT_BINDGEN: &str = "0.61.1";
}

/// The Rust driver.
pub struct Rust;

impl Language for Rust {
    fn title(&self) -> &'static str {
        "Rust"
    }

    fn files(&self, cx: &Context<'_>) -> Result<Vec<File>, NewError> {
        Ok(scaffold::files(cx))
    }

    fn http_starter(&self, world: http::Starter) -> Result<HttpStarter, Unavailable> {
        Ok(HttpStarter {
            world: world.wit(),
            source: match world {
                http::Starter::Proxy => include_str!("../../../templates/http/rust-0.2/src/lib.rs"),
                http::Starter::Service => {
                    include_str!("../../../templates/http/rust-0.3/src/lib.rs")
                }
                http::Starter::Middleware => {
                    include_str!("../../../templates/http/rust-middleware-0.3/src/lib.rs")
                }
            },
            files: |cx, source| {
                let mut files = scaffold::package_files(cx.name);
                files.push(File::new("src/lib.rs", source));
                files
            },
        })
    }

    fn reads_materialized_wit(&self) -> bool {
        true
    }

    fn toolchain_id(&self, _job: &Job<'_>) -> String {
        format!(
            "rust {} wit-bindgen {}",
            pins::RUST_TARGET,
            pins::WIT_BINDGEN
        )
    }

    fn build(&self, job: &Job<'_>) -> Result<PathBuf, ComponentError> {
        build::build(job)
    }

    fn check(&self, _home: &Home) -> Report {
        toolchain::check()
    }

    fn is_installed(&self, _home: &Home) -> bool {
        toolchain::is_installed()
    }

    fn install(&self, _home: &Home, _force: bool) -> Result<Installed, ToolchainError> {
        toolchain::install()
    }

    fn starters(&self) -> Vec<Starter> {
        vec![Starter::new(
            "rust",
            Lang::Rust,
            None,
            format!("{} wit-bindgen {}", pins::RUST_TARGET, pins::WIT_BINDGEN),
        )]
    }
}
