//! Everything `wcomp run` can fail with, worded for the person running it.

use std::path::PathBuf;

use miette::SourceSpan;

/// Running a component failed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum RunError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Decode(#[from] wcomp_compose::DecodeError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Limit(#[from] super::limits::BadLimit),

    #[error("cannot compile `{component}`: {message}")]
    #[diagnostic(code(wcomp::run::compile))]
    Compile { component: String, message: String },

    #[error("`{component}` imports what this host does not provide:\n{missing}")]
    #[diagnostic(code(wcomp::run::missing_imports), help("{help}"))]
    MissingImports {
        component: String,
        /// One `import ...;` line per missing import.
        missing: String,
        help: String,
    },

    #[error("`{component}` cannot be linked against this host")]
    #[diagnostic(
        code(wcomp::run::link),
        help("the host provides WASI 0.2.x (0.2.12), WASI 0.3.0 and wasi:http 0.2.x")
    )]
    Link {
        component: String,
        #[source]
        source: LinkDetail,
    },

    #[error(
        "`{component}` exports `wasi:cli/run@{wanted}`, but this host runs `wasi:cli/run@0.3.0` and `@0.2.x`"
    )]
    #[diagnostic(
        code(wcomp::run::prerelease),
        help(
            "WASI 0.3 release candidates do not match 0.3.0; rebuild the guest against WASI 0.3.0"
        )
    )]
    PrereleaseCommand { component: String, wanted: String },

    #[error("`{component}` is not a command: it exports no `wasi:cli/run`")]
    #[diagnostic(
        code(wcomp::run::not_a_command),
        help(
            "call one of its functions with `--invoke`, e.g. `--invoke '{example}'`; it exports:\n{exports}"
        )
    )]
    NotACommand {
        component: String,
        example: String,
        exports: String,
    },

    #[error("cannot grant `{}` to the guest", dir.display())]
    #[diagnostic(
        code(wcomp::run::grant),
        help("check that the directory exists and is readable")
    )]
    Grant {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("`{component}` stopped in `{function}`: {reason}")]
    #[diagnostic(code(wcomp::run::trap), help("{help}"))]
    Trap {
        component: String,
        function: String,
        reason: String,
        /// The wasm backtrace and what to do next.
        help: String,
    },

    #[error("invalid `--invoke` call: {message}")]
    #[diagnostic(code(wcomp::run::bad_call), help("{help}"))]
    BadCall {
        message: String,
        #[source_code]
        call: String,
        #[label("{label}")]
        span: SourceSpan,
        label: String,
        help: String,
    },

    #[error("`{component}` exports no function `{name}`")]
    #[diagnostic(
        code(wcomp::run::no_such_function),
        help("its functions are:\n{exports}")
    )]
    NoSuchFunction {
        component: String,
        name: String,
        exports: String,
    },

    #[error("cannot read `{}` for a stream argument", path.display())]
    #[diagnostic(code(wcomp::run::input))]
    Input {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("the host failed: {0}")]
    #[diagnostic(code(wcomp::run::host))]
    Host(String),
}

/// Wasmtime's account of why linking failed (its cause chain, as text).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct LinkDetail(pub String);
