//! Spans sent to an OpenTelemetry collector: OTLP over HTTP, in its JSON
//! encoding (`POST {endpoint}/v1/traces`, `application/json`).
//!
//! [`encode`] turns the spans a [`Tracer`](wcomp_host::trace::Tracer)
//! finished into an `ExportTraceServiceRequest`; an [`Exporter`] posts one
//! over plain HTTP/1 with the connection code the registry client uses
//! ([`crate::net`]), bounded by [`CONNECT_TIMEOUT`] and [`REQUEST_TIMEOUT`]
//! (or [`Exporter::with_timeout`]).
//!
//! Span ids are [`span_id`]'s mapping of a span's number and trace, the
//! same one an outgoing `traceparent` carries, so a collector joins the
//! spans of every process a request crossed into one trace.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, HOST, USER_AGENT};
use http::{Request, StatusCode, Uri};
use http_body_util::{BodyExt, Full};
use serde::Serialize;
use wcomp_host::trace::{Span, span_id};

use crate::net::{self, Scheme};

/// How long connecting to the collector may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// How long one export may take in all, connecting included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// The path OTLP/HTTP receives traces on, under the collector's base URL.
const TRACES_PATH: &str = "/v1/traces";

/// The collector a trace goes to.
#[derive(Debug, Clone)]
pub struct Exporter {
    /// Where the request goes: `http://host:port/…/v1/traces`.
    uri: Uri,
    /// How long one export may take in all.
    timeout: Duration,
}

/// Why spans could not be exported.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[non_exhaustive]
pub enum OtlpError {
    /// The endpoint is not an absolute URL wcomp can post to.
    #[error("`{endpoint}` is not an OTLP endpoint URL: {why}")]
    #[diagnostic(
        code(wcomp::otlp::url),
        help("give the collector's OTLP/HTTP base URL, like `http://127.0.0.1:4318`")
    )]
    Url {
        /// The endpoint as given (without any credentials in it).
        endpoint: String,
        /// What is wrong with it.
        why: String,
    },
    /// The endpoint asks for a scheme other than plain HTTP.
    #[error(
        "the OTLP endpoint `{endpoint}` uses `{scheme}`, but only plain `http://` is supported"
    )]
    #[diagnostic(
        code(wcomp::otlp::scheme),
        help(
            "point it at a collector listening on plain HTTP, like `http://127.0.0.1:4318`, \
             and let the collector forward over TLS"
        )
    )]
    Scheme {
        /// The endpoint as given.
        endpoint: String,
        /// Its scheme.
        scheme: String,
    },
    /// The collector could not be reached, or did not answer in time.
    #[error("cannot export the trace to `{endpoint}`: {why}")]
    #[diagnostic(
        code(wcomp::otlp::unreachable),
        help("is an OpenTelemetry collector listening there?")
    )]
    Unreachable {
        /// The URL posted to.
        endpoint: String,
        /// What went wrong.
        why: String,
    },
    /// The collector answered with an error.
    #[error("the collector at `{endpoint}` refused the trace: HTTP {status}{message}")]
    #[diagnostic(code(wcomp::otlp::refused))]
    Refused {
        /// The URL posted to.
        endpoint: String,
        /// The HTTP status.
        status: u16,
        /// `: <message>` from the collector's answer, or empty.
        message: String,
    },
}

impl Exporter {
    /// An exporter to the collector at `endpoint`, its OTLP/HTTP base URL
    /// (`http://127.0.0.1:4318`, posted to at `/v1/traces`) or the full
    /// traces URL (ending in `/v1/traces`, used as it is). Only plain
    /// `http://` is supported, without credentials or a query.
    pub fn new(endpoint: &str) -> Result<Self, OtlpError> {
        let uri: Uri = endpoint.parse().map_err(|e| OtlpError::Url {
            endpoint: redacted(endpoint),
            why: format!("{e}"),
        })?;
        let bad = |why: &str| OtlpError::Url {
            endpoint: redacted(endpoint),
            why: why.to_owned(),
        };
        let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
            return Err(bad(
                "it needs a scheme and a host, as in `http://HOST:PORT`",
            ));
        };
        if scheme != "http" {
            return Err(OtlpError::Scheme {
                endpoint: redacted(endpoint),
                scheme: scheme.to_owned(),
            });
        }
        if authority.as_str().contains('@') {
            return Err(bad("credentials in the URL are not supported"));
        }
        if uri.query().is_some() {
            return Err(bad("a query is not supported"));
        }
        let base = uri.path().trim_end_matches('/');
        let path = match base.ends_with(TRACES_PATH) {
            true => base.to_owned(),
            false => format!("{base}{TRACES_PATH}"),
        };
        let uri = format!("http://{authority}{path}")
            .parse()
            .map_err(|e| bad(&format!("{e}")))?;
        Ok(Exporter {
            uri,
            timeout: REQUEST_TIMEOUT,
        })
    }

    /// The exporter, giving up on an export after `timeout` in all rather
    /// than [`REQUEST_TIMEOUT`].
    #[cfg(test)]
    pub fn with_timeout(self, timeout: Duration) -> Self {
        Exporter { timeout, ..self }
    }

    /// The URL spans are posted to.
    pub fn url(&self) -> String {
        self.uri.to_string()
    }

    /// Sends `spans` (as [`encode`] makes them) and waits for the
    /// collector's answer, at most its timeout. Blocks the calling
    /// thread; the request runs on a runtime and a thread of its own, so
    /// this may be called from synchronous code and from async code alike
    /// (async code that must not block uses [`Exporter::send`]).
    pub fn export(
        &self,
        spans: &[Span],
        wall_start: SystemTime,
        service: &str,
        remote_parent: impl Fn(u64) -> Option<u64>,
    ) -> Result<(), OtlpError> {
        let request = encode(spans, wall_start, service, remote_parent);
        std::thread::scope(|scope| {
            let sending = scope.spawn(|| {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| self.unreachable(format!("no async runtime: {e}")))?;
                runtime.block_on(self.send(&request))
            });
            sending
                .join()
                .unwrap_or_else(|_| Err(self.unreachable("the exporting thread panicked".into())))
        })
    }

    /// Posts `request` to the collector, on a connection of its own, and
    /// waits for the answer, at most its timeout in all (connecting
    /// included, which alone may take [`CONNECT_TIMEOUT`]).
    pub async fn send(&self, request: &ExportRequest) -> Result<(), OtlpError> {
        let body = serde_json::to_vec(request)
            .map_err(|e| self.unreachable(format!("the trace did not encode: {e}")))?;
        let exchange = async {
            let mut sender = net::connect(&self.uri, Scheme::Http, CONNECT_TIMEOUT)
                .await
                .map_err(|e| self.unreachable(e.to_string()))?;
            let response = sender
                .send_request(self.post(body)?)
                .await
                .map_err(|e| self.unreachable(e.to_string()))?;
            let status = response.status();
            let answer = response.into_body().collect().await;
            let answer = answer.map(|b| b.to_bytes()).unwrap_or_default();
            Ok((status, answer))
        };
        let timed_out = format!("no answer within {:?}", self.timeout);
        let (status, answer) = tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| self.unreachable(timed_out))??;
        if status.is_success() {
            return Ok(());
        }
        Err(OtlpError::Refused {
            endpoint: self.url(),
            status: status.as_u16(),
            message: collector_message(status, &answer),
        })
    }

    /// The POST of `body`, a JSON export request.
    fn post(&self, body: Vec<u8>) -> Result<Request<Full<Bytes>>, OtlpError> {
        let authority = self.uri.authority().map_or("", |a| a.as_str());
        // Origin-form (`POST /v1/traces`): the collector is no proxy.
        Request::post(self.uri.path())
            .header(HOST, authority)
            .header(USER_AGENT, concat!("wcomp/", env!("CARGO_PKG_VERSION")))
            .header(CONTENT_TYPE, "application/json")
            .header(CONTENT_LENGTH, body.len())
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| self.unreachable(e.to_string()))
    }

    fn unreachable(&self, why: String) -> OtlpError {
        OtlpError::Unreachable {
            endpoint: self.url(),
            why,
        }
    }
}

/// `endpoint` with any `user:password@` in it masked, for messages.
fn redacted(endpoint: &str) -> String {
    let (scheme, rest) = endpoint.split_once("://").unwrap_or(("", endpoint));
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) if !scheme.is_empty() => format!("{scheme}://***{}", &rest[at..]),
        Some(at) => format!("***{}", &rest[at..]),
        None => endpoint.to_owned(),
    }
}

/// `: <message>` from a collector's error answer (a JSON `Status` with a
/// `message`, or a line of text), or empty.
fn collector_message(status: StatusCode, answer: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct Status {
        message: Option<String>,
    }
    let message = match serde_json::from_slice::<Status>(answer) {
        Ok(Status { message }) => message.unwrap_or_default(),
        Err(_) => String::from_utf8_lossy(answer)
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned(),
    };
    let message: String = message.trim().chars().take(200).collect();
    match (message.is_empty(), status.canonical_reason()) {
        (false, _) => format!(": {message}"),
        (true, Some(reason)) => format!(" ({reason})"),
        (true, None) => String::new(),
    }
}

/// An OTLP `ExportTraceServiceRequest`, in the JSON protobuf mapping.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportRequest {
    /// One resource: the app.
    pub resource_spans: Vec<ResourceSpans>,
}

/// The spans of one resource.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceSpans {
    /// What made the spans.
    pub resource: Resource,
    /// One scope: wcomp.
    pub scope_spans: Vec<ScopeSpans>,
}

/// A resource: the service the spans belong to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Resource {
    /// `service.name`.
    pub attributes: Vec<KeyValue>,
}

/// The spans one instrumentation scope recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScopeSpans {
    /// `wcomp` and its version.
    pub scope: Scope,
    /// The spans.
    pub spans: Vec<OtlpSpan>,
}

/// An instrumentation scope.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scope {
    /// Always `wcomp`.
    pub name: String,
    /// The wcomp version.
    pub version: String,
}

/// One span, as OTLP has it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OtlpSpan {
    /// 32 lowercase hex digits.
    pub trace_id: String,
    /// 16 lowercase hex digits: [`span_id`] of the span.
    pub span_id: String,
    /// The parent's id, the same way; or a remote parent's, as it came.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_span_id: Option<String>,
    /// `callee: function`.
    pub name: String,
    /// [`SpanKind`] as its number.
    pub kind: u8,
    /// Nanoseconds since the Unix epoch, in decimal.
    pub start_time_unix_nano: String,
    /// Nanoseconds since the Unix epoch, in decimal.
    pub end_time_unix_nano: String,
    /// The call's details.
    pub attributes: Vec<KeyValue>,
    /// Set to an error for a call that trapped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
}

/// OTLP span kinds wcomp uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum SpanKind {
    /// A call between components.
    Internal = 1,
    /// The host's own call into the app: a run, or a request served.
    Server = 2,
}

/// A span's status.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Status {
    /// 2, `STATUS_CODE_ERROR`.
    pub code: u8,
    /// The trap's message.
    pub message: String,
}

/// OTLP's `STATUS_CODE_ERROR`.
const STATUS_ERROR: u8 = 2;

/// A string attribute.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyValue {
    /// Its name.
    pub key: String,
    /// Its value.
    pub value: AnyValue,
}

/// An attribute's value (wcomp's are all strings).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AnyValue {
    /// The string.
    pub string_value: String,
}

impl KeyValue {
    fn new(key: &str, value: &str) -> Self {
        KeyValue {
            key: key.to_owned(),
            value: AnyValue {
                string_value: value.to_owned(),
            },
        }
    }
}

/// The export request for `spans` of the service `service`, their times
/// counted from `wall_start` (the tracer's
/// [`wall_start`](wcomp_host::trace::Tracer::wall_start)); `remote_parent`
/// gives a root span's parent from an incoming `traceparent`
/// ([`Tracer::remote_parent`](wcomp_host::trace::Tracer::remote_parent)).
pub fn encode(
    spans: &[Span],
    wall_start: SystemTime,
    service: &str,
    remote_parent: impl Fn(u64) -> Option<u64>,
) -> ExportRequest {
    let start_nanos = wall_start
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    ExportRequest {
        resource_spans: vec![ResourceSpans {
            resource: Resource {
                attributes: vec![KeyValue::new("service.name", service)],
            },
            scope_spans: vec![ScopeSpans {
                scope: Scope {
                    name: "wcomp".to_owned(),
                    version: env!("CARGO_PKG_VERSION").to_owned(),
                },
                spans: spans
                    .iter()
                    .map(|span| OtlpSpan::new(span, start_nanos, remote_parent(span.id)))
                    .collect(),
            }],
        }],
    }
}

impl OtlpSpan {
    /// `span`, its start counted from `start_nanos` after the epoch, under
    /// `remote_parent` (an id as a `traceparent` gave it) if it is a root.
    fn new(span: &Span, start_nanos: u128, remote_parent: Option<u64>) -> Self {
        let start = start_nanos + span.start.as_nanos();
        let parent = match span.parent {
            Some(parent) => Some(span_id(span.trace, parent)),
            None => remote_parent,
        };
        let kind = match (span.parent, span.caller.as_str()) {
            (None, "host") => SpanKind::Server,
            _ => SpanKind::Internal,
        };
        OtlpSpan {
            trace_id: format!("{:032x}", span.trace),
            span_id: format!("{:016x}", span_id(span.trace, span.id)),
            parent_span_id: parent.map(|id| format!("{id:016x}")),
            name: super::span_name(span),
            kind: kind as u8,
            start_time_unix_nano: start.to_string(),
            end_time_unix_nano: (start + span.duration.as_nanos()).to_string(),
            attributes: attributes(span),
            status: span.trap.as_ref().map(|trap| Status {
                code: STATUS_ERROR,
                message: trap.clone(),
            }),
        }
    }
}

/// What wcomp knows about a call, as attributes.
fn attributes(span: &Span) -> Vec<KeyValue> {
    let mut attributes = vec![
        KeyValue::new("wcomp.caller", &span.caller),
        KeyValue::new("wcomp.callee", &span.callee),
    ];
    if let Some(interface) = &span.interface {
        attributes.push(KeyValue::new("rpc.service", interface));
    }
    attributes.push(KeyValue::new("rpc.method", &span.function));
    attributes.push(KeyValue::new("wcomp.params", &span.params));
    if let Some(result) = &span.result {
        attributes.push(KeyValue::new("wcomp.result", result));
    }
    if let Some(bytes) = span.bytes {
        attributes.push(KeyValue::new("wcomp.stream.bytes", &bytes.to_string()));
    }
    attributes
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::thread::JoinHandle;

    use serde_json::{Value, json};
    use wcomp_host::trace::{Call, Ending, TraceContext, Tracer};

    use super::*;

    const TRACE: u128 = 0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736;
    const REMOTE: u64 = 0x00f0_67aa_0ba9_02b7;

    /// A run under a remote parent: `host → cli.run → greeter.greet
    /// (trapped) → util.upper`, each span starting 1 ms after the last and
    /// lasting 10, 5 and 1 ms; and the tracer, for its remote parents.
    fn spans() -> (Tracer, Vec<Span>) {
        let tracer = Tracer::new();
        let call = |caller, callee, function| Call::new(caller, callee, Some("demo:x/y"), function);
        let mut context = TraceContext::default();
        context.trace = TRACE;
        context.remote_parent = Some(REMOTE);
        let root = tracer.enter_root(&call("host", "cli", "run"), "[]".into(), context);
        let greet = tracer.enter(
            &call("cli", "greeter", "greet"),
            "\"Ada\"".into(),
            Some(root),
        );
        let upper = tracer.enter(
            &call("greeter", "util", "upper"),
            "\"Ada\"".into(),
            Some(greet),
        );
        tracer.exit(upper, Ending::Returned("\"ADA\"".into()));
        tracer.exit(greet, Ending::Trapped("unreachable".into()));
        tracer.exit(root, Ending::Returned("ok".into()));
        let mut spans = tracer.finish();
        for (n, (span, ms)) in spans.iter_mut().zip([10, 5, 1]).enumerate() {
            span.start = Duration::from_millis(n as u64);
            span.duration = Duration::from_millis(ms);
        }
        (tracer, spans)
    }

    fn encoded(tracer: &Tracer, spans: &[Span]) -> Value {
        let wall_start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let request = encode(spans, wall_start, "demo", |id| tracer.remote_parent(id));
        serde_json::to_value(request).expect("encodes")
    }

    fn hex(id: u64) -> String {
        format!("{:016x}", span_id(TRACE, id))
    }

    #[test]
    fn spans_encode_as_otlp_json() {
        let (tracer, spans) = spans();
        let json = encoded(&tracer, &spans);
        let resource = &json["resourceSpans"][0];
        assert_eq!(
            resource["resource"]["attributes"],
            json!([{"key": "service.name", "value": {"stringValue": "demo"}}])
        );
        let scope = &resource["scopeSpans"][0];
        assert_eq!(scope["scope"]["name"], "wcomp");
        assert_eq!(scope["scope"]["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(
            scope["spans"][1],
            json!({
                "traceId": "4bf92f3577b34da6a3ce929d0e0e4736",
                "spanId": hex(2),
                "parentSpanId": hex(1),
                "name": "greeter: greet",
                "kind": 1,
                "startTimeUnixNano": "1000001000000",
                "endTimeUnixNano": "1000006000000",
                "attributes": [
                    {"key": "wcomp.caller", "value": {"stringValue": "cli"}},
                    {"key": "wcomp.callee", "value": {"stringValue": "greeter"}},
                    {"key": "rpc.service", "value": {"stringValue": "demo:x/y"}},
                    {"key": "rpc.method", "value": {"stringValue": "greet"}},
                    {"key": "wcomp.params", "value": {"stringValue": "\"Ada\""}},
                ],
                "status": {"code": 2, "message": "unreachable"},
            })
        );
    }

    #[test]
    fn roots_are_servers_under_their_remote_parent() {
        let (tracer, spans) = spans();
        let json = encoded(&tracer, &spans);
        let spans = json["resourceSpans"][0]["scopeSpans"][0]["spans"]
            .as_array()
            .expect("spans");
        let ids: Vec<_> = spans
            .iter()
            .map(|s| (&s["spanId"], &s["parentSpanId"], &s["kind"]))
            .collect();
        let (remote, one, two, three) = (json!("00f067aa0ba902b7"), hex(1), hex(2), hex(3));
        assert_eq!(
            ids,
            [
                (&json!(one), &remote, &json!(2)),
                (&json!(two), &json!(one), &json!(1)),
                (&json!(three), &json!(two), &json!(1)),
            ]
        );
        assert_eq!(spans[0]["endTimeUnixNano"], "1000010000000");
        assert_eq!(spans[0].get("status"), None);
        assert_eq!(spans[2]["attributes"][5]["value"]["stringValue"], "\"ADA\"");
        // Without a remote parent a root has no parent at all.
        let alone = encode(&spans_of(&tracer), SystemTime::UNIX_EPOCH, "demo", |_| None);
        assert_eq!(
            alone.resource_spans[0].scope_spans[0].spans[0].parent_span_id,
            None
        );
    }

    fn spans_of(tracer: &Tracer) -> Vec<Span> {
        let root = tracer.enter_root(
            &Call::new("host", "cli", None, "run"),
            String::new(),
            TraceContext::default(),
        );
        tracer.exit(root, Ending::Returned("ok".into()));
        tracer
            .finish()
            .into_iter()
            .filter(|s| s.id == root.id())
            .collect()
    }

    #[test]
    fn endpoints_are_checked_before_anything_runs() {
        let url = |endpoint: &str| Exporter::new(endpoint).map(|e| e.url());
        let traces = "http://127.0.0.1:4318/v1/traces";
        assert_eq!(url("http://127.0.0.1:4318").ok().as_deref(), Some(traces));
        assert_eq!(url("http://127.0.0.1:4318/").ok().as_deref(), Some(traces));
        assert_eq!(url(traces).ok().as_deref(), Some(traces));
        assert_eq!(
            url("http://collector/otlp/").ok().as_deref(),
            Some("http://collector/otlp/v1/traces")
        );
        for (endpoint, scheme) in [("https://collector:4318", "https"), ("grpc://c", "grpc")] {
            match Exporter::new(endpoint) {
                Err(OtlpError::Scheme { scheme: found, .. }) => assert_eq!(found, scheme),
                other => panic!("{endpoint}: {other:?}"),
            }
        }
        for endpoint in ["127.0.0.1:4318", "/v1/traces", "http://c/?x=1", "not a url"] {
            assert!(
                matches!(Exporter::new(endpoint), Err(OtlpError::Url { .. })),
                "{endpoint}"
            );
        }
        let secret = Exporter::new("http://me:hunter2@collector:4318").map(|_| ());
        let shown = format!("{}", secret.expect_err("credentials are refused"));
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("http://***@collector:4318"), "{shown}");
    }

    /// A collector that reads one request and answers `status` with `body`;
    /// it hands back the request it read.
    fn collector(status: &str, body: &str) -> (String, JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
        let endpoint = format!("http://{}", listener.local_addr().expect("an address"));
        let answer = format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        let serving = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().expect("a connection");
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .expect("a timeout");
            let request = read_request(&mut stream);
            stream.write_all(answer.as_bytes()).expect("an answer");
            request
        });
        (endpoint, serving)
    }

    /// One HTTP/1 request with a `content-length`, head and body.
    fn read_request(stream: &mut impl Read) -> String {
        let mut bytes = Vec::new();
        let mut chunk = [0; 4096];
        loop {
            let text = String::from_utf8_lossy(&bytes);
            if let Some(end) = text.find("\r\n\r\n") {
                let length = text[..end]
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|n| n.trim().parse::<usize>())
                    })
                    .and_then(Result::ok)
                    .unwrap_or(0);
                if bytes.len() >= end + 4 + length {
                    return text.into_owned();
                }
            }
            let n = stream.read(&mut chunk).expect("the request");
            assert!(n > 0, "the request ended early");
            bytes.extend_from_slice(&chunk[..n]);
        }
    }

    #[test]
    fn spans_are_posted_to_the_collector() {
        let (endpoint, serving) = collector("200 OK", "{}");
        let (tracer, spans) = spans();
        let exporter = Exporter::new(&endpoint).expect("an endpoint");
        let wall_start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        exporter
            .export(&spans, wall_start, "demo", |id| tracer.remote_parent(id))
            .expect("exported");
        let request = serving.join().expect("the collector");
        let (head, body) = request.split_once("\r\n\r\n").expect("a request");
        assert!(head.starts_with("POST /v1/traces HTTP/1.1\r\n"), "{head}");
        assert!(
            head.to_ascii_lowercase()
                .contains("content-type: application/json"),
            "{head}"
        );
        let received: Value = serde_json::from_str(body).expect("JSON");
        assert_eq!(received, encoded(&tracer, &spans));
    }

    #[test]
    fn a_collector_error_is_refused_with_its_status() {
        let (endpoint, serving) = collector(
            "500 Internal Server Error",
            r#"{"code":13,"message":"disk full"}"#,
        );
        let (tracer, spans) = spans();
        let exporter = Exporter::new(&endpoint).expect("an endpoint");
        let outcome = exporter.export(&spans, SystemTime::now(), "demo", |id| {
            tracer.remote_parent(id)
        });
        serving.join().expect("the collector");
        match outcome {
            Err(OtlpError::Refused {
                endpoint: url,
                status,
                message,
            }) => {
                assert_eq!(
                    (url, status, message.as_str()),
                    (format!("{endpoint}/v1/traces"), 500, ": disk full")
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_closed_port_is_unreachable() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
        let endpoint = format!("http://{}", listener.local_addr().expect("an address"));
        drop(listener);
        let exporter = Exporter::new(&endpoint).expect("an endpoint");
        let started = std::time::Instant::now();
        let outcome = exporter.export(&[], SystemTime::now(), "demo", |_| None);
        assert!(
            matches!(outcome, Err(OtlpError::Unreachable { .. })),
            "{outcome:?}"
        );
        assert!(started.elapsed() < REQUEST_TIMEOUT + Duration::from_secs(1));
        let shown = format!("{}", outcome.expect_err("unreachable"));
        assert!(shown.contains(&endpoint), "{shown}");
    }

    #[test]
    fn a_silent_collector_times_out() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
        let endpoint = format!("http://{}", listener.local_addr().expect("an address"));
        let silent = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().expect("a connection");
            stream
                .set_read_timeout(Some(Duration::from_secs(2)))
                .expect("a timeout");
            // Read until the exporter gives up and closes.
            while matches!(stream.read(&mut [0; 4096]), Ok(n) if n > 0) {}
        });
        let exporter = Exporter::new(&endpoint)
            .expect("an endpoint")
            .with_timeout(Duration::from_millis(200));
        let outcome = exporter.export(&[], SystemTime::now(), "demo", |_| None);
        match outcome {
            Err(OtlpError::Unreachable { why, .. }) => assert_eq!(why, "no answer within 200ms"),
            other => panic!("{other:?}"),
        }
        silent.join().expect("the collector");
    }
}
