//! The HTTP starters of every language, as a user gets them: `wcomp new
//! --world wasi:http/proxy|service`, `wcomp build`, `wcomp compose`, then
//! `wcomp serve` on a free port, answered over real HTTP. And a middleware
//! composed in front of a handler, by the ordinary wiring rules.

use http::StatusCode;

use crate::support::serving::Served;
use crate::support::{toolchains, wcomp_in};

/// Scaffolds, builds and composes `name` (main of a fresh app) and serves
/// the result, checking its greeting and its echo of a 1 MiB body.
async fn starter_answers(lang: &str, world: &str, greeting: &str) {
    toolchains();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    wcomp_in(dir, &["new", "api", "--lang", lang, "--world", world]).success();
    wcomp_in(dir, &["build"]).success();
    wcomp_in(dir, &["compose"]).success();
    let served = Served::start(dir, "composed.wasm", &[]);
    assert_eq!(
        served.get("/").await,
        (StatusCode::OK, format!("Hello from {greeting}!\n")),
        "{lang} {world}"
    );
    let big: String = (0..1 << 20)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    assert_eq!(
        served.post("/echo", big.clone()).await,
        (StatusCode::OK, big),
        "{lang} {world}"
    );
    assert_eq!(served.get("/nowhere").await.0, StatusCode::NOT_FOUND);
    assert_eq!(served.stop("INT").0, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_on_wasi_0_2() {
    starter_answers("rust", "wasi:http/proxy", "Rust").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_on_wasi_0_3() {
    starter_answers("rust", "wasi:http/service", "Rust").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_on_wasi_0_2() {
    starter_answers("python", "wasi:http/proxy", "Python").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_on_wasi_0_3() {
    starter_answers("python", "wasi:http/service", "Python").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn js_on_wasi_0_2() {
    starter_answers("js", "wasi:http/proxy", "JavaScript").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn js_on_wasi_0_3() {
    starter_answers("js", "wasi:http/service", "JavaScript").await;
}

/// A Rust middleware (`main`) in front of a Rust handler: composition plugs
/// the handler into the middleware's `handler` import, and every answer
/// carries the middleware's header.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn middleware_composes_in_front_of_a_handler() {
    toolchains();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    wcomp_in(
        dir,
        &[
            "new",
            "front",
            "--lang",
            "rust",
            "--world",
            "wasi:http/middleware",
        ],
    )
    .success();
    wcomp_in(
        dir,
        &[
            "new",
            "back",
            "--lang",
            "rust",
            "--world",
            "wasi:http/service",
        ],
    )
    .success();
    wcomp_in(dir, &["build"]).success();
    wcomp_in(dir, &["compose"]).success();
    let served = Served::start(dir, "composed.wasm", &[]);
    let addr = served.addr;
    let (status, body, header) = async move {
        let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake(wasmtime_wasi_http::io::TokioIo::new(stream))
                .await
                .unwrap();
        tokio::spawn(conn);
        let request = http::Request::get("/")
            .header("host", addr.to_string())
            .body(http_body_util::Empty::<bytes::Bytes>::new())
            .unwrap();
        let response = sender.send_request(request).await.unwrap();
        let header = response.headers().get("x-middleware").cloned();
        let status = response.status();
        let body = http_body_util::BodyExt::collect(response.into_body())
            .await
            .unwrap()
            .to_bytes();
        (status, body, header)
    }
    .await;
    assert_eq!(
        (status, &body[..]),
        (StatusCode::OK, &b"Hello from Rust!\n"[..])
    );
    assert_eq!(header.as_ref().map(|h| h.as_bytes()), Some(&b"front"[..]));
    assert_eq!(served.stop("TERM").0, 0);
}
