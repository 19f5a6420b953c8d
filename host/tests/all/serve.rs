//! Serving real handlers over real HTTP, in process and without a
//! toolchain: each test binds a server on a free loopback port, sends
//! requests with a hyper client, and checks the answers and the log.
//!
//! The handlers are `fixtures/rust-http-p2.wasm` (`wasi:http/proxy@0.2.12`)
//! and `fixtures/rust-http-p3.wasm` (`wasi:http/service@0.3.0`), prebuilt
//! from `tests/guests/rust-http-p{2,3}` (see `fixtures/README.md`); their
//! routes are listed in their sources.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use tokio::sync::oneshot;
use wcomp_host::serve::{RequestRecord, ServeError, ServeOptions, Server, Stopped};
use wcomp_host::{Grants, Host, Limits, OutgoingHttp};

/// The two handlers, by the WASI version they are built for.
const P2: &str = "rust-http-p2";
const P3: &str = "rust-http-p3";

/// The host every test shares: pooling allocator on, fuel counted.
fn host() -> Arc<Host> {
    static HOST: OnceLock<Arc<Host>> = OnceLock::new();
    HOST.get_or_init(|| {
        Arc::new(
            Host::builder()
                .pooling_allocator(true)
                .fuel(true)
                .build()
                .expect("a host"),
        )
    })
    .clone()
}

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/{name}.wasm"))
}

/// A server of `handler` on a free port, running until dropped (or
/// [stopped](Running::stop)), with its log kept.
struct Running {
    addr: SocketAddr,
    log: Arc<Mutex<Vec<RequestRecord>>>,
    stop: Option<oneshot::Sender<()>>,
    done: tokio::task::JoinHandle<Result<Stopped, ServeError>>,
}

impl Running {
    fn start(handler: &str, opts: ServeOptions) -> Running {
        let loaded = host().load(&fixture(handler)).expect("the fixture loads");
        let server = Server::bind(host(), loaded, ([127, 0, 0, 1], 0).into(), opts).unwrap();
        let addr = server.local_addr();
        let log = Arc::new(Mutex::new(Vec::new()));
        let (stop, stopped) = oneshot::channel::<()>();
        let sink = log.clone();
        let done = tokio::spawn(server.run(
            async {
                let _ = stopped.await;
            },
            move |record: &RequestRecord| sink.lock().unwrap().push(record.clone()),
        ));
        Running {
            addr,
            log,
            stop: Some(stop),
            done,
        }
    }

    async fn get(&self, path: &str) -> (StatusCode, String) {
        send(self.addr, Method::GET, path, Bytes::new()).await
    }

    async fn stop(mut self) -> Stopped {
        let _ = self.stop.take().unwrap().send(());
        tokio::time::timeout(Duration::from_secs(20), &mut self.done)
            .await
            .expect("the server stops")
            .unwrap()
            .unwrap()
    }

    /// The log's records for `path`, waiting a moment for them: a request
    /// is reported once its response body is done.
    async fn records(&self, path: &str) -> Vec<RequestRecord> {
        for _ in 0..100 {
            let found: Vec<RequestRecord> = self
                .log
                .lock()
                .unwrap()
                .iter()
                .filter(|r| r.path == path)
                .cloned()
                .collect();
            if !found.is_empty() {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("no record of `{path}` in {:#?}", self.log.lock().unwrap());
    }
}

/// One request on a fresh connection, bounded by a deadline.
async fn send(addr: SocketAddr, method: Method, path: &str, body: Bytes) -> (StatusCode, String) {
    let exchange = async {
        let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake(wasmtime_wasi_http::io::TokioIo::new(stream))
                .await
                .unwrap();
        tokio::spawn(conn);
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header("host", addr.to_string())
            .body(Full::new(body))
            .unwrap();
        let response = sender.send_request(request).await.unwrap();
        let status = response.status();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8_lossy(&body).into_owned())
    };
    tokio::time::timeout(Duration::from_secs(20), exchange)
        .await
        .expect("an answer within 20 s")
}

fn limits(timeout: Option<Duration>, max_memory: Option<u64>) -> ServeOptions {
    ServeOptions::default().with_limits(
        Limits::default()
            .with_timeout(timeout)
            .with_max_memory(max_memory),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_versions_answer_each_route() {
    for handler in [P2, P3] {
        let server = Running::start(handler, ServeOptions::default());
        assert_eq!(
            server.get("/").await,
            (StatusCode::OK, format!("hello from {handler}\n"))
        );
        let big: Vec<u8> = (0..1 << 20).map(|i: u32| (i % 251) as u8).collect();
        let (status, echoed) = send(server.addr, Method::POST, "/echo", big.clone().into()).await;
        assert_eq!(status, StatusCode::OK, "{handler}");
        assert!(
            echoed.as_bytes() == String::from_utf8_lossy(&big).as_bytes(),
            "{handler}"
        );
        assert_eq!(server.get("/nope").await.0, StatusCode::NOT_FOUND);
        let record = &server.records("/").await[0];
        assert_eq!(
            (record.method.as_str(), record.status),
            ("GET", StatusCode::OK)
        );
        assert!(record.failure.is_none(), "{record:?}");
        server.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trap_is_a_500_and_the_server_goes_on() {
    for handler in [P2, P3] {
        let server = Running::start(handler, ServeOptions::default());
        let (status, _) = server.get("/trap").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{handler}");
        let failure = server.records("/trap").await[0].failure.clone().unwrap();
        assert!(
            failure.contains("unreachable"),
            "{handler}: the trap is named: {failure}"
        );
        assert_eq!(server.get("/").await.0, StatusCode::OK, "{handler}");
        server.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_loop_times_out_and_others_are_answered() {
    for handler in [P2, P3] {
        let server = Running::start(handler, limits(Some(Duration::from_millis(500)), None));
        let started = Instant::now();
        let looping = send(server.addr, Method::GET, "/loop", Bytes::new());
        let others = async {
            let mut answers = Vec::new();
            for _ in 0..5 {
                answers.push(server.get("/").await.0);
            }
            answers
        };
        let ((status, _), others) = tokio::join!(looping, others);
        assert_eq!(status, StatusCode::GATEWAY_TIMEOUT, "{handler}");
        assert!(started.elapsed() < Duration::from_secs(5), "{handler}");
        assert!(
            others.iter().all(|s| *s == StatusCode::OK),
            "{handler}: {others:?}"
        );
        let failure = server.records("/loop").await[0].failure.clone().unwrap();
        assert!(failure.contains("timed out after 500ms"), "{failure}");
        assert_eq!(server.get("/").await.0, StatusCode::OK, "{handler}");
        server.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_over_the_limit_fails_that_request_only() {
    for handler in [P2, P3] {
        let server = Running::start(handler, limits(None, Some(32 << 20)));
        assert_eq!(
            server.get("/grow?mib=4").await.0,
            StatusCode::OK,
            "{handler}"
        );
        let (status, _) = server.get("/grow?mib=64").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{handler}");
        let failure = server.records("/grow?mib=64").await[0]
            .failure
            .clone()
            .unwrap();
        assert!(
            failure.contains("memory limit of 32 MiB reached"),
            "{failure}"
        );
        assert_eq!(server.get("/").await.0, StatusCode::OK, "{handler}");
        server.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fuel_runs_out_per_request() {
    let opts = ServeOptions::default().with_limits(Limits::default().with_fuel(50_000_000));
    let server = Running::start(P3, opts);
    assert_eq!(server.get("/").await.0, StatusCode::OK);
    assert_eq!(
        server.get("/loop").await.0,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    let failure = server.records("/loop").await[0].failure.clone().unwrap();
    assert!(failure.contains("fuel"), "{failure}");
    // Each request starts with the whole allowance again.
    for _ in 0..3 {
        assert_eq!(server.get("/").await.0, StatusCode::OK);
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_the_limit_is_a_413() {
    let opts = ServeOptions::default().with_max_body(1024);
    let server = Running::start(P3, opts);
    let (status, body) = send(server.addr, Method::POST, "/echo", vec![7; 4096].into()).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(body.contains("1 KiB"), "{body}");
    let (status, body) = send(server.addr, Method::POST, "/echo", vec![b'x'; 1024].into()).await;
    assert_eq!((status, body.len()), (StatusCode::OK, 1024));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outgoing_http_is_denied_unless_granted() {
    for handler in [P2, P3] {
        let denied = Running::start(handler, ServeOptions::default());
        let target = format!("/fetch?url=http://{}/", denied.addr);
        let (status, body) = denied.get(&target).await;
        assert_eq!(status, StatusCode::BAD_GATEWAY, "{handler}: {body}");
        assert!(body.contains("HttpRequestDenied"), "{handler}: {body}");
        denied.stop().await;

        // The server fetches from itself: allowed by host and port.
        let (tx, rx) = std::sync::mpsc::channel();
        let grant = |addr: SocketAddr| {
            ServeOptions::default().with_grants(
                Grants::default().with_http(OutgoingHttp::Hosts(vec![addr.to_string()])),
            )
        };
        // Bind on a known port first, so the grant can name it.
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = probe.local_addr().unwrap();
        drop(probe);
        let loaded = host().load(&fixture(handler)).unwrap();
        let server = Server::bind(host(), loaded, addr, grant(addr)).unwrap();
        let done = tokio::spawn(server.run(
            async move {
                let _ = tokio::task::spawn_blocking(move || rx.recv()).await;
            },
            |_: &RequestRecord| {},
        ));
        let (status, body) = send(
            addr,
            Method::GET,
            &format!("/fetch?url=http://{addr}/"),
            Bytes::new(),
        )
        .await;
        assert_eq!(
            (status, body.as_str()),
            (StatusCode::OK, "upstream said 200\n"),
            "{handler}"
        );
        let elsewhere = format!("/fetch?url=http://127.0.0.2:{}/", addr.port());
        let (status, body) = send(addr, Method::GET, &elsewhere, Bytes::new()).await;
        assert_eq!(status, StatusCode::BAD_GATEWAY, "{handler}: {body}");
        tx.send(()).unwrap();
        done.await.unwrap().unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grants_reach_the_guest() {
    let opts =
        ServeOptions::default().with_grants(Grants::default().with_env("GREETING", "hi there"));
    let server = Running::start(P2, opts);
    assert_eq!(server.get("/env?name=GREETING").await.1, "hi there\n");
    assert_eq!(server.get("/env?name=HOME").await.1, "unset\n");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_is_answered_correctly() {
    for handler in [P2, P3] {
        let server = Running::start(handler, ServeOptions::default());
        let addr = server.addr;
        let mut tasks = tokio::task::JoinSet::new();
        for worker in 0..16u32 {
            tasks.spawn(async move {
                let mut wrong = Vec::new();
                for i in 0..13u32 {
                    let n = worker * 13 + i;
                    if n >= 200 {
                        break;
                    }
                    let body = format!("request {n}");
                    let answer = send(addr, Method::POST, "/echo", body.clone().into()).await;
                    if answer != (StatusCode::OK, body) {
                        wrong.push(answer);
                    }
                }
                wrong
            });
        }
        let wrong: Vec<_> = tasks.join_all().await.into_iter().flatten().collect();
        assert!(wrong.is_empty(), "{handler}: {wrong:?}");
        let stopped = server.stop().await;
        assert_eq!(stopped.requests, 200, "{handler}");
        match handler {
            P2 => assert_eq!(stopped.instances, 200, "a fresh instance per 0.2 request"),
            _ => assert!(
                stopped.instances < 200,
                "0.3 instances are reused: {stopped:?}"
            ),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_lets_requests_in_flight_finish() {
    for handler in [P2, P3] {
        let server = Running::start(handler, ServeOptions::default());
        let addr = server.addr;
        let slow = tokio::spawn(send(addr, Method::GET, "/sleep?ms=600", Bytes::new()));
        tokio::time::sleep(Duration::from_millis(200)).await;
        let stopped = server.stop().await;
        assert_eq!(
            slow.await.unwrap(),
            (StatusCode::OK, "slept 600 ms\n".to_owned()),
            "{handler}"
        );
        assert_eq!(stopped.abandoned, 0);
        assert!(
            tokio::net::TcpStream::connect(addr).await.is_err(),
            "{handler}: no longer accepting"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_grace_period_bounds_the_wait() {
    let opts = ServeOptions::default().with_grace(Duration::from_millis(300));
    let server = Running::start(P3, opts);
    let slow = tokio::spawn(send(server.addr, Method::GET, "/loop", Bytes::new()));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    let stopped = server.stop().await;
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(stopped.abandoned, 1);
    slow.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_that_does_not_finish_its_headers_is_closed() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let timeout = Duration::from_millis(300);
    let server = Running::start(P3, ServeOptions::default().with_header_timeout(timeout));
    // Slowloris: a request line and one header, then nothing.
    let mut slow = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let opened = Instant::now();
    slow.write_all(b"GET / HTTP/1.1\r\nhost: x\r\n")
        .await
        .unwrap();
    // Meanwhile, a whole request is answered.
    assert_eq!(
        server.get("/").await,
        (StatusCode::OK, format!("hello from {P3}\n"))
    );
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut rest)).await;
    let waited = opened.elapsed();
    assert!(
        matches!(closed, Ok(Ok(0))),
        "the connection is closed without an answer: {closed:?}, {rest:?}"
    );
    assert!(
        waited >= timeout - Duration::from_millis(50) && waited < Duration::from_secs(3),
        "closed after {waited:?}"
    );
    // A connection that sends nothing at all is closed too.
    let mut idle = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let closed = tokio::time::timeout(Duration::from_secs(5), idle.read_to_end(&mut rest)).await;
    assert!(matches!(closed, Ok(Ok(0))), "{closed:?}");
    server.stop().await;
}

#[test]
fn a_component_that_is_not_a_handler_is_refused_before_it_is_compiled() {
    let path = fixture("rust-pipe-p3");
    let bytes = std::fs::read(&path).unwrap();
    // No host: nothing is compiled.
    let err = wcomp_host::serve::expect_handler(&path, &bytes).expect_err("refused");
    let ServeError::NotAHandler { component, exports } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(component, "rust-pipe-p3.wasm");
    // What it lists is what `Server::bind` lists for the compiled component.
    let loaded = host().load(&path).expect("the pipe guest loads");
    let Err(ServeError::NotAHandler {
        exports: compiled, ..
    }) = Server::bind(
        host(),
        loaded,
        ([127, 0, 0, 1], 0).into(),
        ServeOptions::default(),
    )
    else {
        panic!("bound");
    };
    assert_eq!(exports, &compiled);

    for (handler, kind) in [
        (P2, "wasi:http/incoming-handler@0.2"),
        (P3, "wasi:http/handler@0.3"),
    ] {
        let bytes = std::fs::read(fixture(handler)).unwrap();
        let found = wcomp_host::serve::expect_handler(&fixture(handler), &bytes)
            .unwrap()
            .expect("a handler");
        assert!(found.to_string().starts_with(kind), "{found}");
    }
    assert!(matches!(
        wcomp_host::serve::expect_handler(Path::new("x.wasm"), b"not wasm"),
        Ok(None)
    ));
}

#[test]
fn a_component_that_is_not_a_handler_is_refused() {
    let loaded = host()
        .load(&fixture("rust-pipe-p3"))
        .expect("the pipe guest loads");
    let err = Server::bind(
        host(),
        loaded,
        ([127, 0, 0, 1], 0).into(),
        ServeOptions::default(),
    )
    .err()
    .expect("refused");
    let ServeError::NotAHandler { component, exports } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(component, "rust-pipe-p3.wasm");
    assert!(exports.contains("wcomp:test/bytes#pass"), "{exports}");
    assert!(format!("{:?}", miette::Report::new(err)).contains("wcomp run"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_without_timeouts_serves_but_refuses_a_timeout() {
    let untimed = Arc::new(
        Host::builder()
            .pooling_allocator(true)
            .timeouts(false)
            .build()
            .unwrap(),
    );
    let at = || ([127, 0, 0, 1], 0).into();
    let load = || untimed.load(&fixture(P3)).unwrap();
    let refused = Server::bind(
        untimed.clone(),
        load(),
        at(),
        limits(Some(Duration::from_secs(1)), None),
    );
    assert!(
        matches!(refused, Err(ServeError::TimeoutsOff)),
        "{:?}",
        refused.err()
    );
    let server = Server::bind(untimed.clone(), load(), at(), ServeOptions::default()).unwrap();
    let addr = server.local_addr();
    let (stop, stopped) = oneshot::channel::<()>();
    let done = tokio::spawn(server.run(
        async {
            let _ = stopped.await;
        },
        |_: &RequestRecord| {},
    ));
    assert_eq!(
        send(addr, Method::GET, "/", Bytes::new()).await,
        (StatusCode::OK, format!("hello from {P3}\n"))
    );
    let _ = stop.send(());
    let stopped = tokio::time::timeout(Duration::from_secs(20), done)
        .await
        .expect("the server stops");
    assert_eq!(stopped.unwrap().unwrap().requests, 1);
}

#[test]
fn an_address_in_use_is_named() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let loaded = host().load(&fixture(P2)).unwrap();
    let err = Server::bind(host(), loaded, addr, ServeOptions::default())
        .err()
        .expect("refused");
    assert!(
        matches!(err, ServeError::AddressInUse { addr: a } if a == addr),
        "{err:?}"
    );
}
