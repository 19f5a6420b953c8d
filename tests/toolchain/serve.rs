//! The HTTP starters of every language, as a user gets them: `wcomp new
//! --world wasi:http/proxy|service`, `wcomp build`, `wcomp compose`, then
//! `wcomp serve` on a free port, answered over real HTTP. And a middleware
//! composed in front of a handler, by the ordinary wiring rules.

use http::StatusCode;

use crate::support::serving::Served;
use crate::support::{toolchains, wcomp_in};

/// Scaffolds `(name, lang, world)` side by side in one fresh app (so the
/// Rust ones share one cargo target dir) and builds them all at once.
fn app_of(components: &[(&str, &str, &str)]) -> tempfile::TempDir {
    toolchains();
    let tmp = tempfile::tempdir().unwrap();
    for (name, lang, world) in components {
        wcomp_in(tmp.path(), &["new", name, "--lang", lang, "--world", world]).success();
    }
    wcomp_in(tmp.path(), &["build"]).success();
    tmp
}

/// Serves `file` of `dir` and checks the starter's greeting, its echo of a
/// 1 MiB body and its 404.
async fn starter_answers(dir: &std::path::Path, file: &str, greeting: &str) {
    let served = Served::start(dir, file, &[]);
    assert_eq!(
        served.get("/").await,
        (StatusCode::OK, format!("Hello from {greeting}!\n")),
        "{file}"
    );
    let big: String = (0..1 << 20)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    assert_eq!(
        served.post("/echo", big.clone()).await,
        (StatusCode::OK, big),
        "{file}"
    );
    assert_eq!(
        served.get("/nowhere").await.0,
        StatusCode::NOT_FOUND,
        "{file}"
    );
    assert_eq!(served.stop("INT").0, 0, "{file}");
}

/// The Python and JS starters on wasi:http 0.2 (`proxy`) and 0.3
/// (`service`), each built component served as it is.
pub async fn python_and_js_starters_answer_on_wasi_0_2_and_0_3() {
    let app = app_of(&[
        ("py-p2", "python", "wasi:http/proxy"),
        ("py-p3", "python", "wasi:http/service"),
        ("js-p2", "js", "wasi:http/proxy"),
        ("js-p3", "js", "wasi:http/service"),
    ]);
    for (name, greeting) in [
        ("py-p2", "Python"),
        ("py-p3", "Python"),
        ("js-p2", "JavaScript"),
        ("js-p3", "JavaScript"),
    ] {
        starter_answers(app.path(), &format!("target/wcomp/{name}.wasm"), greeting).await;
    }
}

/// The Rust starters on wasi:http 0.2 and 0.3, and a Rust middleware
/// (`main`) in front of the 0.3 one: composition plugs the handler into the
/// middleware's `handler` import, and every answer carries the middleware's
/// header.
pub async fn rust_starters_answer_and_a_middleware_composes_in_front() {
    // `front` is the app's main; `back` is the Rust 0.3 starter that it
    // composes with; `solo` (0.2) is served alone (its 0.2 handler does
    // not fit `front`'s 0.3 import, so compose leaves it out).
    let app = app_of(&[
        ("front", "rust", "wasi:http/middleware"),
        ("back", "rust", "wasi:http/service"),
        ("solo", "rust", "wasi:http/proxy"),
    ]);
    let dir = app.path();
    starter_answers(dir, "target/wcomp/back.wasm", "Rust").await;
    starter_answers(dir, "target/wcomp/solo.wasm", "Rust").await;
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
