//! What a build can fail with: one component (the others go on), or the
//! build as a whole.

use std::path::PathBuf;

use wcomp_compose::Lang;

use crate::process::ProcessError;
use crate::toolchain::{self, ToolchainError};

/// One component's build failed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ComponentError {
    #[error("component `{component}`: source directory `{}` does not exist", path.display())]
    #[diagnostic(
        code(wcomp::build::no_source),
        help("fix its `path` in app.toml, or scaffold it with `wcomp new {component}`")
    )]
    NoSource { component: String, path: PathBuf },

    #[error("component `{component}` cannot use its world")]
    #[diagnostic(code(wcomp::build::wit))]
    Wit {
        component: String,
        #[source]
        #[diagnostic_source]
        source: crate::wit::WitError,
    },

    #[error("component `{component}` cannot use its world from its own WIT at `{}`", own.display())]
    #[diagnostic(
        code(wcomp::build::world_in_app_wit),
        help(
            "a component folder's own `wit` is the WIT its own tools read, so wcomp builds against it rather than the app's `wit/`, which has this world; to build against the app's, add `wit = \"wit\"` to `[components.{component}]` in app.toml"
        )
    )]
    WorldInAppWit {
        component: String,
        own: PathBuf,
        #[source]
        #[diagnostic_source]
        source: crate::wit::WitError,
    },

    #[error("component `{component}` cannot read its sources")]
    #[diagnostic(code(wcomp::build::inputs))]
    Inputs {
        component: String,
        #[source]
        #[diagnostic_source]
        source: super::InputError,
    },

    #[error("component `{component}` needs the {lang} toolchain")]
    #[diagnostic(
        code(wcomp::build::toolchain),
        help("run `wcomp doctor` to see what is missing")
    )]
    Toolchain {
        component: String,
        lang: Lang,
        #[source]
        #[diagnostic_source]
        source: ToolchainError,
    },

    #[error("component `{component}` needs the {lang} toolchain, which could not be installed")]
    #[diagnostic(
        code(wcomp::build::toolchain),
        help("the reason is shown for the first {lang} component above")
    )]
    ToolchainUnavailable { component: String, lang: Lang },

    #[error("component `{component}` failed to build")]
    #[diagnostic(code(wcomp::build::failed))]
    Tool {
        component: String,
        #[source]
        #[diagnostic_source]
        source: ProcessError,
    },

    #[error("component `{component}`: {message}")]
    #[diagnostic(code(wcomp::build::no_output), help("{help}"))]
    NoOutput {
        component: String,
        message: String,
        help: String,
    },

    #[error("component `{component}` built, but its output is not a usable component")]
    #[diagnostic(code(wcomp::build::invalid_output))]
    Invalid {
        component: String,
        #[source]
        #[diagnostic_source]
        source: wcomp_core::DecodeError,
    },

    #[error("component `{component}` does not match its world `{world}`:\n{details}")]
    #[diagnostic(
        code(wcomp::build::world_mismatch),
        help("implement exactly the world's exports; `wcomp inspect {}` shows what was built", output.display())
    )]
    Mismatch {
        component: String,
        world: String,
        details: String,
        output: PathBuf,
    },

    #[error(transparent)]
    #[diagnostic(transparent)]
    C(Box<crate::lang::c::build::CError>),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Go(Box<crate::lang::go::build::GoError>),

    #[error("component `{component}` cannot be built in {}", source.language)]
    #[diagnostic(code(wcomp::build::unsupported))]
    Unsupported {
        component: String,
        #[source]
        #[diagnostic_source]
        source: crate::lang::Unsupported,
    },

    #[error("component `{component}`: cannot generate its C bindings")]
    #[diagnostic(code(wcomp::build::c_bindings))]
    Bindings {
        component: String,
        #[source]
        #[diagnostic_source]
        source: crate::lang::c::bindings::BindingsError,
    },

    #[error("component `{component}`: cannot shrink it for release")]
    #[diagnostic(code(wcomp::build::shrink))]
    Shrink {
        component: String,
        #[source]
        #[diagnostic_source]
        source: crate::release::ShrinkError,
    },

    #[error("component `{component}`: cannot use `{}`", path.display())]
    #[diagnostic(code(wcomp::build::io))]
    Io {
        component: String,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The build as a whole failed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum BuildError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Home(#[from] toolchain::HomeError),

    #[error("no component `{name}` in `{}`", manifest.display())]
    #[diagnostic(code(wcomp::build::unknown_component), help("{known}"))]
    UnknownComponent {
        name: String,
        manifest: PathBuf,
        known: String,
    },

    #[error("{failed} of {total} components failed to build: {names}")]
    #[diagnostic(code(wcomp::build::some_failed), help("each failure is shown above"))]
    Failed {
        failed: usize,
        total: usize,
        names: String,
    },
}
