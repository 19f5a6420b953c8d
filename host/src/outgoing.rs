//! Outgoing HTTP requests of the guest (`wasi:http/outgoing-handler` at
//! 0.2, `wasi:http/client` at 0.3): denied unless granted, to every host or
//! to the hosts named.

use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

/// Which hosts a guest may send HTTP requests to. None by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum OutgoingHttp {
    /// No host (the default).
    #[default]
    Denied,
    /// Every host.
    Any,
    /// Only these: `example.com` (any port) or `example.com:8080`, matched
    /// without regard to case.
    Hosts(Vec<String>),
}

impl OutgoingHttp {
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
    /// The store's tracing, if traced: a request carries the span it is
    /// made in as its `traceparent`.
    pub(crate) trace: Option<crate::trace::StoreTrace>,
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
        mut request: http::Request<WasiBody>,
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
        if let Some(header) = self
            .trace
            .as_ref()
            .and_then(crate::trace::StoreTrace::traceparent)
        {
            request.headers_mut().insert("traceparent", header);
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
