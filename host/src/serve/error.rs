//! Why a component cannot be served, or an address cannot be listened on.

use std::net::SocketAddr;

use crate::error::{Cause, RunError};

/// Serving could not start.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[non_exhaustive]
pub enum ServeError {
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
        component: String,
        /// One export per line, indented.
        exports: String,
    },

    #[error(
        "`{component}` exports `{export}`, but this server serves `wasi:http/handler@0.3.0` and `wasi:http/incoming-handler@0.2.x`"
    )]
    #[diagnostic(
        code(wcomp::serve::unsupported_version),
        help(
            "WASI 0.3 release candidates do not match 0.3.0; rebuild the handler against WASI 0.3.0 or 0.2.x"
        )
    )]
    UnsupportedVersion { component: String, export: String },

    #[error("`{component}` is loaded linked, and only a whole component can be served")]
    #[diagnostic(
        code(wcomp::serve::linked),
        help("load the composed component with `Host::load` to serve it")
    )]
    Linked { component: String },

    #[error("`{component}` cannot be served as `{export}`")]
    #[diagnostic(code(wcomp::serve::bindings))]
    Bindings {
        component: String,
        export: String,
        #[source]
        source: Cause,
    },

    #[error("cannot listen on `{addr}`: the address is already in use")]
    #[diagnostic(
        code(wcomp::serve::address_in_use),
        help(
            "another server is listening there; stop it, or choose another address with `--addr` (port 0 picks a free one)"
        )
    )]
    AddressInUse { addr: SocketAddr },

    #[error("cannot listen on `{addr}`")]
    #[diagnostic(
        code(wcomp::serve::listen),
        help(
            "listen on an address of this machine (`127.0.0.1`, `0.0.0.0`, `[::1]`); ports below 1024 need privileges"
        )
    )]
    Listen {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },

    #[error("a request timeout needs a host built with timeouts")]
    #[diagnostic(
        code(wcomp::serve::timeouts_off),
        help("build the host with `HostBuilder::timeouts(true)` (the default)")
    )]
    TimeoutsOff,

    #[error(transparent)]
    #[diagnostic(transparent)]
    Run(#[from] RunError),
}

/// An address given on the command line that is not `HOST:PORT`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
#[error(
    "invalid address `{input}`: write HOST:PORT with an IP address or `localhost`, e.g. `127.0.0.1:8080`, `0.0.0.0:80`, `[::1]:8080`"
)]
#[diagnostic(code(wcomp::serve::bad_address))]
#[non_exhaustive]
pub struct BadAddress {
    pub input: String,
}

/// Parses `HOST:PORT`, where HOST is an IPv4 address, a bracketed IPv6
/// address or `localhost` (127.0.0.1). Names are not looked up: a server
/// listens on one of its own addresses.
pub fn parse_addr(input: &str) -> Result<SocketAddr, BadAddress> {
    let bad = || BadAddress {
        input: input.to_owned(),
    };
    if let Ok(addr) = input.parse() {
        return Ok(addr);
    }
    match input.rsplit_once(':') {
        Some((host, port)) if host.eq_ignore_ascii_case("localhost") => {
            let port: u16 = port.parse().map_err(|_| bad())?;
            Ok(SocketAddr::from(([127, 0, 0, 1], port)))
        }
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(
            parse_addr("127.0.0.1:8080").unwrap(),
            SocketAddr::from(([127, 0, 0, 1], 8080))
        );
        assert_eq!(parse_addr("[::1]:80").unwrap().port(), 80);
        assert_eq!(
            parse_addr("localhost:3000").unwrap(),
            SocketAddr::from(([127, 0, 0, 1], 3000))
        );
        for bad in [
            "8080",
            "127.0.0.1",
            "example.com:80",
            "127.0.0.1:99999",
            ":80",
            "localhost:x",
        ] {
            assert!(parse_addr(bad).is_err(), "{bad}");
        }
    }
}
