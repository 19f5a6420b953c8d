//! `--trace` and `--otlp` on the real examples: the calls between
//! components built by the real toolchains, seen by the host, with their
//! names, nesting and values; and a request served by `wcomp serve` as one
//! trace from the incoming request through every component, received by a
//! real OTLP/HTTP receiver this test runs on 127.0.0.1.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request};
use http_body_util::{BodyExt, Full};
use serde_json::Value;

use crate::examples::built;
use crate::support::serving::Served;
use crate::support::{run, wcomp};

/// A W3C trace context, as a caller of the server would send it.
const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT: &str = "00f067aa0ba902b7";

/// A call: `caller -> callee interface.function`, its parent, its event.
type Traced = (String, Option<u64>, Value);

/// Each call of a trace file: `caller -> callee interface.function`, its
/// parent span, and its event.
fn calls(trace: &Value) -> Vec<Traced> {
    let events = trace["traceEvents"].as_array().expect("traceEvents");
    events
        .iter()
        .map(|event| {
            let a = &event["args"];
            let call = format!(
                "{} -> {} {}.{}",
                a["caller"].as_str().unwrap(),
                a["callee"].as_str().unwrap(),
                a["interface"].as_str().unwrap_or("-"),
                a["function"].as_str().unwrap()
            );
            (call, a["parent"].as_u64(), event.clone())
        })
        .collect()
}

pub fn hello_polyglot_traces_every_cross_language_call() {
    let composed = built("hello-polyglot");
    let dir = composed.parent().unwrap().to_owned();
    let plain = run(
        wcomp().current_dir(&dir).args(["run", "composed.wasm"]),
        &[],
    )
    .success();
    let file = tempfile::NamedTempFile::new().unwrap();
    let traced = run(
        wcomp()
            .current_dir(&dir)
            .args(["run", "composed.wasm", "--trace"])
            .arg(file.path()),
        &[],
    )
    .success();
    assert_eq!(
        traced.stdout, plain.stdout,
        "tracing changes nothing the app prints"
    );
    assert!(
        traced
            .stderr
            .contains("Traced 18 calls across 14 components"),
        "{}",
        traced.stderr
    );

    let trace: Value = serde_json::from_slice(&std::fs::read(file.path()).unwrap()).unwrap();
    let (denied, calls) = without_denials(calls(&trace));
    // The deny components that withhold capabilities are components of
    // the composition too: a call to one is a capability asked for and
    // refused. Greeter (Python) asks for its environment while greeting.
    let env = denied
        .iter()
        .find(|(c, _, _)| {
            c.starts_with("greeter -> deny-greeter-environment wasi:cli/environment@")
        })
        .expect("greeter's environment, denied");
    assert!(env.0.ends_with(".get-environment"), "{}", env.0);
    assert_eq!(env.2["args"]["result"], "[]", "no variable reaches it");
    assert_eq!(
        env.1,
        calls[1].2["args"]["span"].as_u64(),
        "asked inside the first greet"
    );
    let names: Vec<&str> = calls.iter().map(|(c, _, _)| c.as_str()).collect();
    let greeting = "cli -> greeter hello:polyglot/greeting";
    assert_eq!(
        names,
        [
            "host -> cli wasi:cli/run.run".to_owned(),
            format!("{greeting}.greet"),
            format!("{greeting}.greet"),
            format!("{greeting}.greet"),
            format!("{greeting}.total-age"),
            format!("{greeting}.total-age"),
            "cli -> stats hello:polyglot/textstats.word-counts".into(),
            "cli -> stats hello:polyglot/textstats.measure".into(),
            "cli -> stats hello:polyglot/textstats.longest-word".into(),
            "cli -> scorer hello:polyglot/scoring.rank".into(),
            "cli -> framer hello:polyglot/framing.frame".into(),
        ]
    );
    // Every call is made inside the run, and none trapped.
    assert!(calls[1..].iter().all(|(_, parent, _)| *parent == Some(1)));
    assert!(calls.iter().all(|(_, _, e)| e["args"]["trap"].is_null()));
    // Values in WAVE, both ways, across Rust -> Python.
    let greet = &calls[1].2["args"];
    assert!(
        greet["params"]
            .as_str()
            .unwrap()
            .starts_with("{name: \"Ada\""),
        "{greet}"
    );
    assert_eq!(greet["result"], "\"hello, Ada (36) [math, engines].\"");
    assert_eq!(
        calls[5].2["args"]["result"],
        "err(\"no known ages among Linus\")"
    );
    host_level_adds_the_wasi_calls(&dir, &plain.stdout, &calls);
    // Children start within their parent and end before it.
    let run = &calls[0].2;
    let (start, end) = (
        run["ts"].as_f64().unwrap(),
        run["ts"].as_f64().unwrap() + run["dur"].as_f64().unwrap(),
    );
    for (_, _, e) in &calls[1..] {
        let ts = e["ts"].as_f64().unwrap();
        assert!(ts >= start && ts + e["dur"].as_f64().unwrap() <= end, "{e}");
    }
}

/// `--trace-level host` adds a span for each WASI call, under the call in
/// flight into the component that made it; the calls between components
/// are the same.
fn host_level_adds_the_wasi_calls(dir: &std::path::Path, plain: &str, between: &[Traced]) {
    let file = tempfile::NamedTempFile::new().unwrap();
    let traced = run(
        wcomp()
            .current_dir(dir)
            .args(["run", "composed.wasm", "--trace-level", "host", "--trace"])
            .arg(file.path()),
        &[],
    )
    .success();
    assert_eq!(
        traced.stdout, plain,
        "tracing changes nothing the app prints"
    );
    let trace: Value = serde_json::from_slice(&std::fs::read(file.path()).unwrap()).unwrap();
    let all = calls(&trace);
    let (host, others): (Vec<_>, Vec<_>) = all
        .iter()
        .cloned()
        .partition(|(_, _, e)| e["args"]["callee"] == "host");
    let (_, others) = without_denials(others);
    let names = |calls: &[Traced]| calls.iter().map(|c| c.0.clone()).collect::<Vec<_>>();
    assert_eq!(names(&others), names(between));
    assert!(
        host.iter().any(|(c, parent, _)| {
            c == "cli -> host wasi:io/streams.[method]output-stream.write" && *parent == Some(1)
        }),
        "the Rust cli prints through the host: {:?}",
        names(&host)
    );
    // A WASI call is nested in a call into its caller, or in the run.
    let callee_of = |span: Option<u64>| {
        all.iter()
            .find(|(_, _, e)| e["args"]["span"].as_u64() == span)
            .map(|(_, _, e)| e["args"]["callee"].as_str().unwrap().to_owned())
    };
    for (call, parent, event) in &host {
        let caller = event["args"]["caller"].as_str().unwrap();
        let inside = callee_of(*parent).expect("a parent span");
        assert!(
            inside == caller || *parent == Some(1),
            "{call} inside {inside}"
        );
    }
}

/// The calls to deny components, and the others.
fn without_denials(calls: Vec<Traced>) -> (Vec<Traced>, Vec<Traced>) {
    calls
        .into_iter()
        .partition(|(_, _, e)| e["args"]["callee"].as_str().unwrap().starts_with("deny-"))
}

/// An OTLP/HTTP receiver on 127.0.0.1: answers every POST with 200 and
/// keeps its body.
struct Receiver {
    url: String,
    bodies: Arc<Mutex<Vec<Value>>>,
}

impl Receiver {
    fn start() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let sink = bodies.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().map_while(Result::ok) {
                stream
                    .set_read_timeout(Some(Duration::from_secs(10)))
                    .unwrap();
                let mut reader = BufReader::new(&stream);
                let mut length = 0;
                let mut line = String::new();
                while reader.read_line(&mut line).unwrap_or(0) > 2 {
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap();
                    }
                    line.clear();
                }
                let mut body = vec![0; length];
                reader.read_exact(&mut body).unwrap();
                sink.lock()
                    .unwrap()
                    .push(serde_json::from_slice(&body).unwrap());
                (&stream)
                    .write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}",
                    )
                    .unwrap();
            }
        });
        Receiver { url, bodies }
    }

    /// Every span received, from every request.
    fn spans(&self) -> Vec<Value> {
        let bodies = self.bodies.lock().unwrap();
        bodies
            .iter()
            .flat_map(|b| b["resourceSpans"].as_array().cloned().unwrap_or_default())
            .flat_map(|r| r["scopeSpans"].as_array().cloned().unwrap_or_default())
            .flat_map(|s| s["spans"].as_array().cloned().unwrap_or_default())
            .collect()
    }
}

pub async fn a_served_request_is_one_trace_through_every_component() {
    let composed = built("http-polyglot");
    let dir = composed.parent().unwrap().to_owned();
    let receiver = Receiver::start();
    let file = tempfile::NamedTempFile::new().unwrap();
    let path = file.path().to_str().unwrap();
    let served = Served::start(
        &dir,
        "composed.wasm",
        &["--trace", path, "--otlp", &receiver.url],
    );
    let request = Request::builder()
        .method(Method::GET)
        .uri("/greet?name=Ada")
        .header("host", served.addr.to_string())
        .header("traceparent", format!("00-{TRACE}-{PARENT}-01"))
        .body(Full::new(Bytes::new()))
        .unwrap();
    let stream = tokio::net::TcpStream::connect(served.addr).await.unwrap();
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(wasmtime_wasi_http::io::TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(conn);
    let response = tokio::time::timeout(Duration::from_secs(30), sender.send_request(request))
        .await
        .expect("an answer within 30 s")
        .unwrap();
    assert_eq!(response.status(), 200);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(body, "Hello, Ada, from Python!\n");
    let (code, log) = served.stop("INT");
    assert_eq!(code, 0, "{log:?}");

    let trace: Value = serde_json::from_slice(&std::fs::read(file.path()).unwrap()).unwrap();
    let (denied, calls) = without_denials(calls(&trace));
    assert!(
        denied
            .iter()
            .all(|(c, _, _)| c.starts_with("greeter -> deny-greeter-")),
        "{denied:?}"
    );
    let names: Vec<&str> = calls.iter().map(|(c, _, _)| c.as_str()).collect();
    assert_eq!(
        names,
        [
            "host -> front wasi:http/handler.handle",
            "front -> router wasi:http/handler@0.3.0.handle",
            "router -> greeter demo:http-polyglot/greeting.greet",
        ]
    );
    let parents: Vec<Option<u64>> = calls.iter().map(|(_, p, _)| *p).collect();
    assert_eq!(parents, [None, Some(1), Some(2)]);
    assert!(calls.iter().all(|(_, _, e)| e["args"]["trace"] == TRACE));
    assert_eq!(calls[0].2["args"]["params"], "GET /greet?name=Ada");
    assert_eq!(calls[0].2["args"]["result"], "200");

    // The collector got the same three spans, in the caller's trace, the
    // root under the caller's span.
    let spans = receiver.spans();
    assert_eq!(spans.len(), 3 + denied.len(), "{spans:?}");
    assert!(spans.iter().all(|s| s["traceId"] == TRACE), "{spans:?}");
    let root = spans
        .iter()
        .find(|s| s["parentSpanId"] == PARENT)
        .expect("a root under the caller");
    let router = spans
        .iter()
        .find(|s| s["parentSpanId"] == root["spanId"])
        .expect("front's call");
    let greet = spans
        .iter()
        .find(|s| s["parentSpanId"] == router["spanId"])
        .expect("router's call");
    assert_eq!(greet["name"], "greeter: greet");
}

/// The streams example traced: each byte stream that crosses between its
/// components (stdin's to Rust, Rust's to JS, JS's to Python, and each
/// stage's output back) is a span that lasts as long as the stream, with
/// the bytes it moved, and the output is what it is untraced.
pub fn streams_crossing_components_are_spans_with_their_bytes() {
    let composed = built("streams");
    let dir = composed.parent().unwrap().to_owned();
    let input = "the quick brown fox jumps over the lazy dog\n".repeat(20_000);
    let stdin = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(stdin.path(), &input).unwrap();
    let file = tempfile::NamedTempFile::new().unwrap();
    let traced = run(
        wcomp()
            .current_dir(&dir)
            .args(["run", "composed.wasm", "--trace"])
            .arg(file.path())
            .stdin(std::fs::File::open(stdin.path()).unwrap()),
        &[],
    )
    .success();
    assert_eq!(traced.stdout.len(), input.len(), "every byte came through");
    assert!(
        traced.stdout.starts_with("GUR DHVPX OEBJA SBK"),
        "upper-cased, then rot13"
    );
    let trace: Value = serde_json::from_slice(&std::fs::read(file.path()).unwrap()).unwrap();
    let streams: Vec<(String, Option<u64>, Value)> = calls(&trace)
        .into_iter()
        .filter(|(_, _, e)| e["args"]["bytes"].is_u64())
        .collect();
    let names: Vec<&str> = streams.iter().map(|(c, _, _)| c.as_str()).collect();
    assert_eq!(
        names,
        [
            "cli -> upper streams:pipeline/upper.upper stream",
            "upper -> cli streams:pipeline/upper.upper stream",
            "cli -> rot13 streams:pipeline/rot13.rot13 stream",
            "rot13 -> cli streams:pipeline/rot13.rot13 stream",
            "cli -> count streams:pipeline/count.count stream",
            "count -> cli streams:pipeline/count.count stream",
        ]
    );
    let all = calls(&trace);
    for (name, parent, event) in &streams {
        assert_eq!(event["args"]["bytes"], input.len() as u64, "{name}");
        assert_eq!(event["args"]["result"], format!("{} bytes", input.len()));
        // Each is a child of the call it crossed in, and outlasts it.
        let (_, _, call) = all
            .iter()
            .find(|(_, _, e)| e["args"]["span"].as_u64() == *parent)
            .expect("the call it crossed in");
        assert!(call["args"]["bytes"].is_null(), "{name} is in a call");
        let end = |e: &Value| e["ts"].as_f64().unwrap() + e["dur"].as_f64().unwrap();
        assert!(end(event) >= end(call), "{name} ends after its call");
    }
    let view = run(wcomp().args(["trace"]).arg(file.path()), &[]).success();
    let moved = format!(
        "6 streams moved {} bytes between components",
        6 * input.len()
    );
    assert!(view.stdout.contains(&moved), "{}", view.stdout);
}
