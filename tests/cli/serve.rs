//! `wcomp serve` as a person runs it: the real binary on a free loopback
//! port, real HTTP requests, the log on stderr, and Ctrl-C. The handlers are
//! the host's prebuilt fixtures (`host/tests/fixtures/rust-http-p{2,3}.wasm`,
//! routes listed in `tests/guests/rust-http-p{2,3}/src/lib.rs`); bad input
//! that stops `serve` before it listens is in `tests/cases/serve/`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use http::StatusCode;

use crate::support::serving::{Served, echo_burst};
use crate::support::{repo, run, wcomp};

const P2: &str = "rust-http-p2";
const P3: &str = "rust-http-p3";

fn fixture(name: &str) -> String {
    repo()
        .join(format!("host/tests/fixtures/{name}.wasm"))
        .to_string_lossy()
        .into_owned()
}

fn start(handler: &str, args: &[&str]) -> Served {
    Served::start(repo(), &fixture(handler), args)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_each_route_and_logs_each_request() {
    for handler in [P2, P3] {
        let served = start(handler, &[]);
        let kind = if handler == P2 {
            "wasi:http/incoming-handler@0.2.12"
        } else {
            "wasi:http/handler@0.3.0"
        };
        assert!(served.banner.contains(kind), "{}", served.banner);
        assert_eq!(
            served.get("/").await,
            (StatusCode::OK, format!("hello from {handler}\n"))
        );
        assert_eq!(
            served.post("/echo", "ping").await,
            (StatusCode::OK, "ping".into())
        );
        assert_eq!(served.get("/nope").await.0, StatusCode::NOT_FOUND);
        let line = served
            .log_lines("GET / ")
            .pop()
            .expect("a log line for GET /");
        assert!(line.starts_with("GET / 200 "), "{line}");
        assert!(!served.log_lines("POST /echo 200 ").is_empty());
        assert!(!served.log_lines("GET /nope 404 ").is_empty());
        let (code, log) = served.stop("INT");
        assert_eq!(code, 0, "{handler}: {log:#?}");
        assert!(
            log.iter().any(|l| l.contains("Stopped after 3 requests")),
            "{log:#?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_requests_get_errors_and_the_server_goes_on() {
    let limits = [
        "--timeout",
        "1s",
        "--max-memory",
        "32MiB",
        "--max-body",
        "1KiB",
    ];
    for handler in [P2, P3] {
        let served = start(handler, &limits);
        assert_eq!(
            served.get("/trap").await.0,
            StatusCode::INTERNAL_SERVER_ERROR
        );
        let trap = served.log_lines("GET /trap 500 ").pop().expect("logged");
        assert!(trap.contains("unreachable"), "the trap is named: {trap}");

        let started = Instant::now();
        assert_eq!(served.get("/loop").await.0, StatusCode::GATEWAY_TIMEOUT);
        assert!(started.elapsed() < Duration::from_secs(10));
        let timeout = served.log_lines("GET /loop 504 ").pop().expect("logged");
        assert!(timeout.contains("timed out after 1s"), "{timeout}");

        assert_eq!(served.get("/grow?mib=4").await.0, StatusCode::OK);
        assert_eq!(
            served.get("/grow?mib=64").await.0,
            StatusCode::INTERNAL_SERVER_ERROR
        );
        let memory = served
            .log_lines("GET /grow?mib=64 500 ")
            .pop()
            .expect("logged");
        assert!(memory.contains("memory limit of 32 MiB"), "{memory}");

        let (status, body) = served.post("/echo", vec![b'x'; 4096]).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
        assert!(body.contains("1 KiB"), "{body}");

        assert_eq!(
            served.get("/").await,
            (StatusCode::OK, format!("hello from {handler}\n")),
            "{handler} still serves"
        );
        assert_eq!(served.stop("TERM").0, 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_200_requests_16_at_a_time_is_answered_correctly() {
    for handler in [P2, P3] {
        let served = start(handler, &["--quiet"]);
        let started = Instant::now();
        let wrong = echo_burst(served.addr, "/echo", 200, 16).await;
        assert!(wrong.is_empty(), "{handler}: {wrong:?}");
        assert!(started.elapsed() < Duration::from_secs(60), "{handler}");
        let (code, log) = served.stop("INT");
        assert_eq!(code, 0);
        assert!(
            log.iter().all(|l| !l.contains("POST /echo")),
            "--quiet logs no requests: {log:#?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signal_lets_the_request_in_flight_finish() {
    for (handler, signal) in [(P2, "TERM"), (P3, "INT")] {
        let served = start(handler, &[]);
        let addr = served.addr;
        let slow = tokio::spawn(async move {
            crate::support::serving::send(
                addr,
                http::Method::GET,
                "/sleep?ms=800",
                Default::default(),
            )
            .await
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        let (code, _) = tokio::task::spawn_blocking(move || served.stop(signal))
            .await
            .unwrap();
        assert_eq!(code, 0, "{handler}");
        assert_eq!(
            slow.await.unwrap(),
            (StatusCode::OK, "slept 800 ms\n".to_owned()),
            "{handler}"
        );
        assert!(
            tokio::net::TcpStream::connect(addr).await.is_err(),
            "stopped accepting"
        );
    }
}

/// A taken address is a diagnostic and exit 1, before anything is served.
#[test]
fn an_address_in_use_is_refused() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let handler: PathBuf = dir.path().join("handler.wasm");
    std::fs::copy(fixture(P3), &handler).unwrap();
    let out = run(
        wcomp()
            .current_dir(dir.path())
            .args(["serve", "handler.wasm", "--addr", &addr]),
        &[],
    );
    let port = addr.rsplit_once(':').unwrap().1;
    let shown = out
        .to_string()
        .replace(port, "[PORT]")
        .lines()
        .filter(|l| !l.contains("Compiled"))
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(out.code, 1, "{out}");
    insta::assert_snapshot!("serve-address-in-use", shown);
}
