//! Everything running a component can fail with, worded for the person
//! running it. Causes from Wasmtime keep their whole chain.

use std::path::PathBuf;

use miette::SourceSpan;

/// A cause reported by Wasmtime (or another library), its chain kept.
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Keeps Wasmtime's error, and its chain, as a [`Cause`].
pub(crate) fn cause(e: wasmtime::Error) -> Cause {
    e.into_boxed_dyn_error()
}

/// Running a component failed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[non_exhaustive]
pub enum RunError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Decode(#[from] wcomp_core::DecodeError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Limit(#[from] crate::limits::BadLimit),

    #[error(transparent)]
    #[diagnostic(transparent)]
    BadCall(#[from] BadCall),

    #[error(transparent)]
    #[diagnostic(transparent)]
    InsecureCache(#[from] crate::cache::InsecureCache),

    #[error("cannot set up the Wasmtime engine")]
    #[diagnostic(code(wcomp::run::engine))]
    Engine {
        #[source]
        source: Cause,
    },

    #[error("cannot add the embedder's imports to the host")]
    #[diagnostic(
        code(wcomp::run::imports),
        help("an import the host already provides (WASI, wasi:http) cannot be defined again")
    )]
    Imports {
        #[source]
        source: Cause,
    },

    #[error("`{component}` was loaded by another host")]
    #[diagnostic(
        code(wcomp::run::other_host),
        help(
            "a component's code belongs to the host (and engine) that loaded it; load it with this host"
        )
    )]
    OtherHost { component: String },

    #[error("cannot compile `{component}`")]
    #[diagnostic(code(wcomp::run::compile))]
    Compile {
        component: String,
        #[source]
        source: Cause,
    },

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
        help("the host provides WASI 0.2.x (0.2.12), WASI 0.3.0 and wasi:http 0.2.x and 0.3.0")
    )]
    Link {
        component: String,
        #[source]
        source: Cause,
    },

    #[error("`{component}` cannot be linked by the host: {why}")]
    #[diagnostic(
        code(wcomp::run::not_linkable),
        help(
            "the host forwards calls between components as values; run the composed component instead"
        )
    )]
    NotLinkable { component: String, why: String },

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
        source: Cause,
    },

    #[error("cannot set up a store for `{component}`")]
    #[diagnostic(code(wcomp::run::store))]
    Store {
        component: String,
        #[source]
        source: Cause,
    },

    #[error("`{component}` stopped in `{function}`: {reason}")]
    #[diagnostic(code(wcomp::run::trap), help("{help}"))]
    Trap {
        component: String,
        function: String,
        reason: String,
        /// The limit that stopped the guest, if one did; `None` for a trap
        /// of its own (`unreachable`, a failed host call, a panic).
        limit: Option<LimitReached>,
        /// The wasm backtrace and what to do next.
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
}

/// Which of a run's [`Limits`](crate::Limits) stopped its guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LimitReached {
    /// The run's timeout passed.
    Timeout,
    /// The guest used up its fuel.
    Fuel,
    /// The guest asked for more memory than the limit allows.
    Memory,
}

/// An `--invoke` call that cannot be made as written, pointing into it.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("invalid `--invoke` call: {message}")]
#[diagnostic(code(wcomp::run::bad_call), help("{help}"))]
#[non_exhaustive]
pub struct BadCall {
    pub message: String,
    #[source_code]
    pub call: String,
    #[label("{label}")]
    pub span: SourceSpan,
    pub label: String,
    pub help: String,
}
