//! rust-http-p3: a `wasi:http/service@0.3.0` handler for the host's serve
//! tests. Each route exercises one thing the server must get right:
//!
//! - `GET /`: `hello from rust-http-p3`
//! - `POST /echo`: the request body streamed back
//! - `GET /trap`: panics (a trap)
//! - `GET /loop`: never returns (the request's timeout)
//! - `GET /grow?mib=N`: touches N MiB of fresh memory (`--max-memory`)
//! - `GET /sleep?ms=N`: answers after N ms (graceful shutdown)
//! - `GET /env?name=K`: the guest's environment variable K (`--env`)
//! - `GET /fetch?url=http://host:port/path`: an outgoing request; its
//!   status, or 502 with the error (`--allow-http`)
//!
//! Built with wit-bindgen 0.61.1 (feature `async-spawn`).

wit_bindgen::generate!({
    path: "wit",
    world: "wcomp:http-p3/handler",
    generate_all,
});

use exports::wasi::http::handler::Guest;
use wasi::clocks::monotonic_clock;
use wasi::http::client;
use wasi::http::types::{ErrorCode, Fields, Method, Request, Response, Scheme};

struct Component;

export!(Component);

impl Guest for Component {
    async fn handle(request: Request) -> Result<Response, ErrorCode> {
        let target = request.get_path_with_query().unwrap_or_default();
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        let param = |key: &str| {
            query
                .split('&')
                .filter_map(|kv| kv.split_once('='))
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.to_owned())
                .unwrap_or_default()
        };
        Ok(match (request.get_method(), path) {
            (Method::Get, "/") => text(200, "hello from rust-http-p3\n".into()),
            (Method::Post, "/echo") => echo(request),
            (Method::Get, "/trap") => panic!("the /trap route panics"),
            (Method::Get, "/loop") => loop {
                std::hint::black_box(());
            },
            (Method::Get, "/grow") => {
                let mib: usize = param("mib").parse().unwrap_or(1);
                let block = std::hint::black_box(vec![1u8; mib << 20]);
                text(200, format!("grew {} MiB\n", block.len() >> 20))
            }
            (Method::Get, "/sleep") => {
                let ms: u64 = param("ms").parse().unwrap_or(100);
                monotonic_clock::wait_for(ms * 1_000_000).await;
                text(200, format!("slept {ms} ms\n"))
            }
            (Method::Get, "/env") => {
                let value = std::env::var(param("name")).unwrap_or_else(|_| "unset".into());
                text(200, format!("{value}\n"))
            }
            (Method::Get, "/fetch") => fetch(&param("url")).await,
            _ => text(404, "not found\n".into()),
        })
    }
}

/// A plain-text response, its body written once the host reads it.
fn text(status: u16, body: String) -> Response {
    let (mut tx, rx) = wit_stream::new::<u8>();
    wit_bindgen::spawn_local(async move {
        tx.write_all(body.into_bytes()).await;
    });
    let headers = Fields::new();
    let _ = headers.append("content-type", b"text/plain; charset=utf-8");
    let (_, trailers) = wit_future::new(|| Ok(None));
    let (response, _sent) = Response::new(headers, Some(rx), trailers);
    let _ = response.set_status_code(status);
    response
}

/// The request's body and trailers, handed back as the response's.
fn echo(request: Request) -> Response {
    let headers = Fields::new();
    if let Some(content_type) = request.get_headers().get("content-type").first() {
        let _ = headers.append("content-type", content_type);
    }
    let (_, handled) = wit_future::new(|| Ok(()));
    let (body, trailers) = Request::consume_body(request, handled);
    let (response, _sent) = Response::new(headers, Some(body), trailers);
    response
}

/// `GET url` through `wasi:http/client`; answers with its status.
async fn fetch(url: &str) -> Response {
    let rest = url.strip_prefix("http://").unwrap_or(url);
    let (authority, path) = match rest.find('/') {
        Some(at) => rest.split_at(at),
        None => (rest, "/"),
    };
    let (_, trailers) = wit_future::new(|| Ok(None));
    let (request, _) = Request::new(Fields::new(), None, trailers, None);
    let _ = request.set_scheme(Some(&Scheme::Http));
    let _ = request.set_authority(Some(authority));
    let _ = request.set_path_with_query(Some(path));
    match client::send(request).await {
        Ok(response) => text(200, format!("upstream said {}\n", response.get_status_code())),
        Err(e) => text(502, format!("upstream failed: {e:?}\n")),
    }
}
