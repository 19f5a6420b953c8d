//! Outgoing HTTP requests of the guest (`wasi:http/outgoing-handler` at
//! 0.2, `wasi:http/client` at 0.3): denied unless granted, to every host or
//! to the hosts named.

use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

use crate::BadGrant;

/// Which hosts a guest may send HTTP requests to. None by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum OutgoingHttp {
    #[default]
    Denied,
    /// Every host.
    Any,
    /// Only these: `example.com` (any port) or `example.com:8080`, matched
    /// without regard to case.
    Hosts(Vec<String>),
}

impl OutgoingHttp {
    /// The grant of `--allow-http` given `values` times: no flag denies,
    /// a bare `--allow-http` (an empty value) allows every host, and
    /// `--allow-http HOST` adds HOST.
    pub fn from_flags(values: &[String]) -> OutgoingHttp {
        if values.is_empty() {
            OutgoingHttp::Denied
        } else if values.iter().any(|v| v.is_empty() || v == "*") {
            OutgoingHttp::Any
        } else {
            OutgoingHttp::Hosts(values.iter().map(|v| v.to_ascii_lowercase()).collect())
        }
    }

    /// Checks one `--allow-http` value: `*` (every host), `HOST` or
    /// `HOST:PORT`, where HOST is a DNS name, an IPv4 address or an IPv6
    /// address in brackets and PORT is 1 to 65535. The value is returned as
    /// given, for [`OutgoingHttp::from_flags`].
    pub fn parse_host(spec: &str) -> Result<String, BadGrant> {
        let bad = |why| BadGrant::BadHttpHost {
            spec: spec.to_owned(),
            why,
        };
        if spec == "*" {
            return Ok(spec.to_owned());
        }
        if spec.is_empty() {
            return Err(bad("it is empty (leave out the value to allow every host)"));
        }
        if spec.contains("://") {
            return Err(bad("give the host alone, without a scheme"));
        }
        if spec.contains('/') {
            return Err(bad("give the host alone, without a path"));
        }
        let (host, port) = match spec.rfind(':') {
            Some(colon) if !spec[colon..].contains(']') => {
                (&spec[..colon], Some(&spec[colon + 1..]))
            }
            _ => (spec, None),
        };
        let valid_host = if let Some(inner) = host.strip_prefix('[') {
            inner
                .strip_suffix(']')
                .is_some_and(|ip| ip.parse::<std::net::Ipv6Addr>().is_ok())
        } else {
            !host.is_empty()
                && host.split('.').all(|label| {
                    !label.is_empty()
                        && label.len() <= 63
                        && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                })
                && host.len() <= 253
        };
        if !valid_host {
            return Err(bad(
                "a host is a DNS name, an IPv4 address or an IPv6 address in brackets",
            ));
        }
        if let Some(port) = port
            && !port.parse::<u16>().is_ok_and(|p| p > 0)
        {
            return Err(bad("the port must be a number from 1 to 65535"));
        }
        Ok(spec.to_owned())
    }

    /// Whether a request to `authority` (`host[:port]`) may go out.
    pub fn allows(&self, authority: &str) -> bool {
        let authority = authority.to_ascii_lowercase();
        let host = host_of(&authority);
        match self {
            OutgoingHttp::Denied => false,
            OutgoingHttp::Any => true,
            OutgoingHttp::Hosts(hosts) => hosts
                .iter()
                .any(|allowed| *allowed == authority || *allowed == host),
        }
    }
}

/// The host of `host[:port]`, IPv6 brackets kept (`[::1]:80` → `[::1]`).
fn host_of(authority: &str) -> &str {
    match authority.rfind(':') {
        Some(colon) if !authority[colon..].contains(']') => &authority[..colon],
        _ => authority,
    }
}

/// The hooks of every store: outgoing requests go out through
/// wasmtime-wasi-http's client when the grant allows their host, and fail
/// with `HTTP-request-denied` otherwise.
pub(crate) struct HttpHooks {
    pub(crate) allowed: OutgoingHttp,
}

type ResponseFuture = Box<
    dyn Future<
            Output = Result<
                (
                    http::Response<WasiBody>,
                    Box<dyn Future<Output = Result<(), Error>> + Send>,
                ),
                Error,
            >,
        > + Send,
>;

impl WasiHttpHooks for HttpHooks {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        io: Box<dyn Future<Output = Result<(), Error>> + Send>,
    ) -> ResponseFuture {
        let authority = request
            .uri()
            .authority()
            .map(|a| a.as_str().to_owned())
            .unwrap_or_default();
        if !self.allowed.allows(&authority) {
            return Box::new(async { Err(Error::HttpRequestDenied) });
        }
        drop(io);
        Box::new(async move {
            use http_body_util::BodyExt;
            let (response, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            Ok((
                response.map(BodyExt::boxed_unsync),
                Box::new(io) as Box<dyn Future<Output = _> + Send>,
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags() {
        assert_eq!(OutgoingHttp::from_flags(&[]), OutgoingHttp::Denied);
        assert_eq!(
            OutgoingHttp::from_flags(&[String::new()]),
            OutgoingHttp::Any
        );
        assert_eq!(
            OutgoingHttp::from_flags(&["API.example.com".into()]),
            OutgoingHttp::Hosts(vec!["api.example.com".into()])
        );
    }

    #[test]
    fn allowed_hosts_are_checked() {
        for good in [
            "*",
            "example.com",
            "localhost:8080",
            "127.0.0.1",
            "[::1]:443",
            "a-b.c",
        ] {
            assert_eq!(OutgoingHttp::parse_host(good).unwrap(), good);
        }
        for (bad, why) in [
            ("", "it is empty"),
            ("a b", "a host is"),
            ("host:99999", "the port must be"),
            ("host:0", "the port must be"),
            ("host:", "the port must be"),
            ("http://x", "without a scheme"),
            ("x/y", "without a path"),
            ("[::1", "a host is"),
            ("a..b", "a host is"),
        ] {
            let err = OutgoingHttp::parse_host(bad).unwrap_err().to_string();
            assert!(err.contains(why), "{bad:?}: {err}");
            assert!(err.contains("write `HOST` or `HOST:PORT`"), "{err}");
        }
    }

    #[test]
    fn hosts_match_with_or_without_port() {
        let grant = OutgoingHttp::Hosts(vec!["example.com".into(), "127.0.0.1:8080".into()]);
        assert!(grant.allows("example.com"));
        assert!(grant.allows("Example.COM:443"));
        assert!(grant.allows("127.0.0.1:8080"));
        assert!(!grant.allows("127.0.0.1:9090"));
        assert!(!grant.allows("evil.example.com"));
        assert!(!OutgoingHttp::Denied.allows("example.com"));
        assert!(OutgoingHttp::Any.allows("anything:1"));
        assert_eq!(host_of("[::1]:80"), "[::1]");
        assert_eq!(host_of("[::1]"), "[::1]");
    }
}
