//! rust-http-p2: a `wasi:http/proxy@0.2.12` handler for the host's serve
//! tests, with the routes of rust-http-p3:
//!
//! - `GET /`: `hello from rust-http-p2`
//! - `POST /echo`: the request body streamed back
//! - `GET /trap`: panics (a trap)
//! - `GET /loop`: never returns (the request's timeout)
//! - `GET /grow?mib=N`: touches N MiB of fresh memory (`--max-memory`)
//! - `GET /sleep?ms=N`: answers after N ms (graceful shutdown)
//! - `GET /env?name=K`: the guest's environment variable K (`--env`)
//! - `GET /fetch?url=http://host:port/path`: an outgoing request; its
//!   status, or 502 with the error (`--allow-http`)
//!
//! Built with wit-bindgen 0.61.1.

wit_bindgen::generate!({
    path: "wit",
    world: "wcomp:http-p2/handler",
    generate_all,
});

use exports::wasi::http::incoming_handler::Guest;
use wasi::clocks::monotonic_clock;
use wasi::http::outgoing_handler;
use wasi::http::types::{
    Fields, IncomingBody, IncomingRequest, Method, OutgoingBody, OutgoingRequest, OutgoingResponse,
    ResponseOutparam, Scheme,
};
use wasi::io::streams::StreamError;

struct Component;

export!(Component);

impl Guest for Component {
    fn handle(request: IncomingRequest, out: ResponseOutparam) {
        let target = request.path_with_query().unwrap_or_default();
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        let param = |key: &str| {
            query
                .split('&')
                .filter_map(|kv| kv.split_once('='))
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.to_owned())
                .unwrap_or_default()
        };
        match (request.method(), path) {
            (Method::Get, "/") => respond(out, 200, "hello from rust-http-p2\n"),
            (Method::Post, "/echo") => echo(request, out),
            (Method::Get, "/trap") => panic!("the /trap route panics"),
            (Method::Get, "/loop") => loop {
                std::hint::black_box(());
            },
            (Method::Get, "/grow") => {
                let mib: usize = param("mib").parse().unwrap_or(1);
                let block = std::hint::black_box(vec![1u8; mib << 20]);
                respond(out, 200, &format!("grew {} MiB\n", block.len() >> 20))
            }
            (Method::Get, "/sleep") => {
                let ms: u64 = param("ms").parse().unwrap_or(100);
                monotonic_clock::subscribe_duration(ms * 1_000_000).block();
                respond(out, 200, &format!("slept {ms} ms\n"))
            }
            (Method::Get, "/env") => {
                let value = std::env::var(param("name")).unwrap_or_else(|_| "unset".into());
                respond(out, 200, &format!("{value}\n"))
            }
            (Method::Get, "/fetch") => fetch(out, &param("url")),
            _ => respond(out, 404, "not found\n"),
        }
    }
}

/// Sends a complete plain-text response.
fn respond(out: ResponseOutparam, status: u16, body: &str) {
    let headers = Fields::new();
    let _ = headers.append("content-type", b"text/plain; charset=utf-8");
    let response = OutgoingResponse::new(headers);
    let _ = response.set_status_code(status);
    let outgoing = response.body().expect("the body is taken once");
    ResponseOutparam::set(out, Ok(response));
    let stream = outgoing.write().expect("the body is written once");
    for chunk in body.as_bytes().chunks(4096) {
        if stream.blocking_write_and_flush(chunk).is_err() {
            return;
        }
    }
    drop(stream);
    let _ = OutgoingBody::finish(outgoing, None);
}

/// Streams the request body back as the response body.
fn echo(request: IncomingRequest, out: ResponseOutparam) {
    let incoming = request.consume().expect("the body is consumed once");
    let response = OutgoingResponse::new(Fields::new());
    let outgoing = response.body().expect("the body is taken once");
    ResponseOutparam::set(out, Ok(response));
    let input = incoming.stream().expect("the body is read once");
    let output = outgoing.write().expect("the body is written once");
    loop {
        match output.blocking_splice(&input, 64 * 1024) {
            Ok(_) => {}
            Err(StreamError::Closed) => break,
            Err(StreamError::LastOperationFailed(_)) => return,
        }
    }
    drop((input, output));
    IncomingBody::finish(incoming);
    let _ = OutgoingBody::finish(outgoing, None);
}

/// `GET url` through `wasi:http/outgoing-handler`; answers with its status.
fn fetch(out: ResponseOutparam, url: &str) {
    let rest = url.strip_prefix("http://").unwrap_or(url);
    let (authority, path) = match rest.find('/') {
        Some(at) => rest.split_at(at),
        None => (rest, "/"),
    };
    let request = OutgoingRequest::new(Fields::new());
    let _ = request.set_scheme(Some(&Scheme::Http));
    let _ = request.set_authority(Some(authority));
    let _ = request.set_path_with_query(Some(path));
    let answer = match outgoing_handler::handle(request, None) {
        Ok(future) => {
            future.subscribe().block();
            match future.get() {
                Some(Ok(Ok(response))) => Ok(response.status()),
                Some(Ok(Err(e))) => Err(format!("{e:?}")),
                other => Err(format!("{other:?}")),
            }
        }
        Err(e) => Err(format!("{e:?}")),
    };
    match answer {
        Ok(status) => respond(out, 200, &format!("upstream said {status}\n")),
        Err(e) => respond(out, 502, &format!("upstream failed: {e}\n")),
    }
}
