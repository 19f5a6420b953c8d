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
    /// The file is not a well-formed component.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Decode(#[from] wcomp_core::DecodeError),

    /// An `invoke` call that does not parse or does not fit the function.
    #[error(transparent)]
    #[diagnostic(transparent)]
    BadCall(#[from] BadCall),

    /// The cache directory is writable by other users ([`HostBuilder::cache_dir`](crate::HostBuilder::cache_dir)).
    #[error(transparent)]
    #[diagnostic(transparent)]
    InsecureCache(#[from] crate::cache::InsecureCache),

    /// Wasmtime refused the engine's settings.
    #[error("cannot set up the Wasmtime engine")]
    #[diagnostic(code(wcomp::run::engine))]
    Engine {
        /// The underlying error, its chain kept.
        #[source]
        source: Cause,
    },

    /// The target triple is not one Cranelift knows, or its architecture
    /// is not one wcomp was built to compile for
    /// ([`HostBuilder::target`](crate::HostBuilder::target)).
    #[error("cannot compile for `{triple}`")]
    #[diagnostic(
        code(wcomp::run::target),
        help(
            "wcomp compiles for x86_64 and aarch64 (arm64), with any operating system Cranelift knows: e.g. `aarch64-unknown-linux-gnu`, `x86_64-apple-darwin`, `aarch64-apple-darwin`"
        )
    )]
    Target {
        /// The triple asked for.
        triple: String,
        /// The underlying error, its chain kept.
        #[source]
        source: Cause,
    },

    #[error("cannot add the embedder's imports to the host")]
    #[diagnostic(
        code(wcomp::run::imports),
        help("an import the host already provides (WASI, wasi:http) cannot be defined again")
    )]
    /// An embedder's [`link`](crate::HostBuilder::link) failed, e.g. by
    /// defining a name the host provides.
    Imports {
        /// The underlying error, its chain kept.
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
    /// A [`Loaded`](crate::Loaded) was used with a host other than the one
    /// that loaded it.
    OtherHost {
        /// The component, by its file name.
        component: String,
    },

    /// Wasmtime could not compile a well-formed component.
    #[error("cannot compile `{component}`")]
    #[diagnostic(code(wcomp::run::compile))]
    Compile {
        /// The component, by its file name.
        component: String,
        /// The underlying error, its chain kept.
        #[source]
        source: Cause,
    },

    /// The component imports what neither the host nor the embedder provides.
    #[error("`{component}` imports what this host does not provide:\n{missing}")]
    #[diagnostic(code(wcomp::run::missing_imports), help("{help}"))]
    MissingImports {
        /// The component, by its file name.
        component: String,
        /// One `import ...;` line per missing import.
        missing: String,
        /// What to do about them.
        help: String,
    },

    /// An ahead-of-time compiled artifact (`.cwasm`) that this host does
    /// not load: compiled for other engine settings, another target or
    /// another release, or not a component's artifact at all.
    #[error("`{}` was not compiled for this host: {reason}", file.display())]
    #[diagnostic(code(wcomp::run::incompatible), help("{help}"))]
    Incompatible {
        /// The artifact.
        file: PathBuf,
        /// What differs, in Wasmtime's words.
        reason: String,
        /// How to get an artifact that fits.
        help: String,
    },

    /// The component cannot be linked: an import's type differs from the host's, or an embedder's import is missing.
    #[error("`{component}` cannot be linked against this host")]
    #[diagnostic(
        code(wcomp::run::link),
        help("the host provides WASI 0.2.x (0.2.12), WASI 0.3.0 and wasi:http 0.2.x and 0.3.0")
    )]
    Link {
        /// The component, by its file name.
        component: String,
        /// The underlying error, its chain kept.
        #[source]
        source: Cause,
    },

    /// An app cannot be linked part by part ([`Host::load_linked`](crate::Host::load_linked)).
    #[error("`{component}` cannot be linked by the host: {why}")]
    #[diagnostic(
        code(wcomp::run::not_linkable),
        help(
            "the host forwards calls between components as values; run the composed component instead"
        )
    )]
    NotLinkable {
        /// The component, by its file name.
        component: String,
        /// Why not, in words.
        why: String,
    },

    /// The component is a command of a WASI version the host does not run.
    #[error(
        "`{component}` exports `wasi:cli/run@{wanted}`, but this host runs `wasi:cli/run@0.3.0` and `@0.2.x`"
    )]
    #[diagnostic(
        code(wcomp::run::prerelease),
        help(
            "WASI 0.3 release candidates do not match 0.3.0; rebuild the guest against WASI 0.3.0"
        )
    )]
    PrereleaseCommand {
        /// The component, by its file name.
        component: String,
        /// The version of `wasi:cli/run` it exports.
        wanted: String,
    },

    /// The component exports no `wasi:cli/run`.
    #[error("`{component}` is not a command: it exports no `wasi:cli/run`")]
    #[diagnostic(
        code(wcomp::run::not_a_command),
        help(
            "call one of its functions with `--invoke`, e.g. `--invoke '{example}'`; it exports:\n{exports}"
        )
    )]
    NotACommand {
        /// The component, by its file name.
        component: String,
        /// A call of one of its functions, to suggest.
        example: String,
        /// Its exported functions, one per line.
        exports: String,
    },

    /// A granted directory cannot be opened.
    #[error("cannot grant `{}` to the guest", dir.display())]
    #[diagnostic(
        code(wcomp::run::grant),
        help("check that the directory exists and is readable")
    )]
    Grant {
        /// The directory on the host.
        dir: PathBuf,
        /// The underlying error, its chain kept.
        #[source]
        source: Cause,
    },

    /// A store cannot be set up as asked (a limit the host was built without).
    #[error("cannot set up a store for `{component}`")]
    #[diagnostic(code(wcomp::run::store))]
    Store {
        /// The component, by its file name.
        component: String,
        /// The underlying error, its chain kept.
        #[source]
        source: Cause,
    },

    /// The guest stopped: it trapped, or a limit stopped it.
    #[error("`{component}` stopped in `{function}`: {reason}")]
    #[diagnostic(code(wcomp::run::trap), help("{help}"))]
    Trap {
        /// The component, by its file name.
        component: String,
        /// The function that was running (`iface#f`, or `f`).
        function: String,
        /// Why, in words: the trap's message or the limit reached.
        reason: String,
        /// The limit that stopped the guest, if one did; `None` for a trap
        /// of its own (`unreachable`, a failed host call, a panic).
        limit: Option<LimitReached>,
        /// The wasm backtrace and what to do next.
        help: String,
    },

    /// The component exports no function of the name called.
    #[error("`{component}` exports no function `{name}`")]
    #[diagnostic(
        code(wcomp::run::no_such_function),
        help("its functions are:\n{exports}")
    )]
    NoSuchFunction {
        /// The component, by its file name.
        component: String,
        /// The name called.
        name: String,
        /// Its exported functions, one per line.
        exports: String,
    },

    /// A file given for a `stream` argument cannot be read.
    #[error("cannot read `{}` for a stream argument", path.display())]
    #[diagnostic(code(wcomp::run::input))]
    Input {
        /// The file.
        path: PathBuf,
        /// The error from the operating system.
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
    /// What is wrong, in words.
    pub message: String,
    /// The call as written.
    #[source_code]
    pub call: String,
    /// Where in the call.
    #[label("{label}")]
    pub span: SourceSpan,
    /// The label shown at the span.
    pub label: String,
    /// How to write it instead.
    pub help: String,
}
