//! Why a component cannot be served, or an address cannot be listened on.

use std::net::SocketAddr;

use crate::error::{Cause, RunError};

/// Serving could not start.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[non_exhaustive]
pub enum ServeError {
    /// The component exports no HTTP handler.
    #[error(
        "`{component}` is not an HTTP handler: it exports neither `wasi:http/handler@0.3.x` nor `wasi:http/incoming-handler@0.2.x`"
    )]
    #[diagnostic(
        code(wcomp::serve::not_a_handler),
        help(
            "it exports:\n{exports}\nrun it with `wcomp run` instead; a handler's world includes `wasi:http/service@0.3.0` or `wasi:http/proxy@0.2.12`"
        )
    )]
    NotAHandler {
        /// The component, by its file name.
        component: String,
        /// One export per line, indented.
        exports: String,
    },

    /// The component exports a handler of a version the server does not serve.
    #[error(
        "`{component}` exports `{export}`, but this server serves `wasi:http/handler@0.3.0` and `wasi:http/incoming-handler@0.2.x`"
    )]
    #[diagnostic(
        code(wcomp::serve::unsupported_version),
        help(
            "WASI 0.3 release candidates do not match 0.3.0; rebuild the handler against WASI 0.3.0 or 0.2.x"
        )
    )]
    UnsupportedVersion {
        /// The component, by its file name.
        component: String,
        /// The handler interface it exports, with its version.
        export: String,
    },

    /// The component was loaded linked; only a whole component is served.
    #[error("`{component}` is loaded linked, and only a whole component can be served")]
    #[diagnostic(
        code(wcomp::serve::linked),
        help("load the composed component with `Host::load` to serve it")
    )]
    Linked {
        /// The component, by its file name.
        component: String,
    },

    /// The handler's exports do not have the types of its interface.
    #[error("`{component}` cannot be served as `{export}`")]
    #[diagnostic(code(wcomp::serve::bindings))]
    Bindings {
        /// The component, by its file name.
        component: String,
        /// The export, with its version.
        export: String,
        /// The underlying error, its chain kept.
        #[source]
        source: Cause,
    },

    /// Another socket is bound to the address.
    #[error("cannot listen on `{addr}`: the address is already in use")]
    #[diagnostic(
        code(wcomp::serve::address_in_use),
        help(
            "another server is listening there; stop it, or choose another address with `--addr` (port 0 picks a free one)"
        )
    )]
    AddressInUse {
        /// The address.
        addr: SocketAddr,
    },

    /// The address cannot be listened on.
    #[error("cannot listen on `{addr}`")]
    #[diagnostic(
        code(wcomp::serve::listen),
        help(
            "listen on an address of this machine (`127.0.0.1`, `0.0.0.0`, `[::1]`); ports below 1024 need privileges"
        )
    )]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// The error from the operating system.
        #[source]
        source: std::io::Error,
    },

    /// A request timeout was asked of a host built without timeouts.
    #[error("a request timeout needs a host built with timeouts")]
    #[diagnostic(
        code(wcomp::serve::timeouts_off),
        help("build the host with `HostBuilder::timeouts(true)` (the default)")
    )]
    TimeoutsOff,

    /// Running the handler failed before it served (loading, linking).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Run(#[from] RunError),
}
