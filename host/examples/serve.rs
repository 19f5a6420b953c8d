//! Serves a wasi:http handler on 127.0.0.1 for a fixed number of requests,
//! sends them, prints each answer and the server's log, and stops.
//!
//! ```text
//! cargo run -p wcomp-host --example serve [COMPONENT]
//! ```
//!
//! Without an argument it serves the Rust handler of the host's tests
//! (`tests/fixtures/rust-http-p3.wasm`, a `wasi:http/service` of WASI 0.3).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Notify;
use wcomp_host::Host;
use wcomp_host::serve::{ServeOptions, Server};

/// The requests this example sends, in order (HTTP/1.0: each answer's
/// body comes whole, then the connection closes).
const REQUESTS: [&str; 2] = [
    "GET / HTTP/1.0\r\nHost: localhost\r\n\r\n",
    "POST /echo HTTP/1.0\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello",
];

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args_os().nth(1).map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rust-http-p3.wasm"),
        PathBuf::from,
    );
    let host = Arc::new(Host::builder().build()?);
    let loaded = host.load(&path)?;
    // Port 0: the system picks a free one.
    let server = Server::bind(
        host,
        loaded,
        ([127, 0, 0, 1], 0).into(),
        ServeOptions::default(),
    )?;
    let addr = server.local_addr();
    println!(
        "serving {} ({}) on http://{addr}",
        path.display(),
        server.kind()
    );

    // The server stops once it has answered every request.
    let answered = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(Notify::new());
    let (count, notify) = (answered.clone(), done.clone());
    let serving = tokio::spawn(server.run(done.clone().notified_owned(), move |record| {
        println!("log: {record}");
        if count.fetch_add(1, Ordering::SeqCst) + 1 == REQUESTS.len() {
            notify.notify_one();
        }
    }));

    for request in REQUESTS {
        let mut stream = tokio::net::TcpStream::connect(addr).await?;
        stream.write_all(request.as_bytes()).await?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await?;
        let status = answer.lines().next().unwrap_or_default();
        let body = answer.split_once("\r\n\r\n").map_or("", |(_, body)| body);
        println!(
            "{} -> {status}: {}",
            request.lines().next().unwrap_or_default(),
            body.trim_end()
        );
    }
    let stopped = serving.await??;
    println!("stopped after {} requests", stopped.requests);
    Ok(())
}
