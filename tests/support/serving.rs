//! `wcomp serve` as a child process, for the tests of both tiers: started on
//! a free loopback port (`--addr 127.0.0.1:0`, the address read back from
//! its `Serving` line), asked with a real HTTP client (hyper), stopped with a
//! signal. Every wait is bounded, so a hung server fails the test.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};

/// How long a server may take to start (a Python handler compiles in
/// seconds on a quiet machine, in minutes on a loaded one).
const START_WITHIN: Duration = Duration::from_secs(600);

/// How long one exchange may take.
const ANSWER_WITHIN: Duration = Duration::from_secs(30);

/// A running `wcomp serve`, killed when dropped.
pub struct Served {
    child: Child,
    pub addr: SocketAddr,
    /// Its stderr after the `Serving` line, one entry per line.
    log: Arc<Mutex<Vec<String>>>,
    /// Its stderr up to and including the `Serving` line.
    pub banner: String,
}

/// An answer: status and body.
pub type Answer = (StatusCode, String);

impl Served {
    /// Starts `wcomp serve FILE --addr 127.0.0.1:0 ARGS` in `dir` and waits
    /// until it listens.
    pub fn start(dir: &Path, file: &str, args: &[&str]) -> Served {
        let mut child = super::wcomp()
            .current_dir(dir)
            .args(["serve", file, "--addr", "127.0.0.1:0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("wcomp serve starts");
        let mut lines = BufReader::new(child.stderr.take().expect("piped stderr")).lines();
        let (tx, rx) = std::sync::mpsc::channel();
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = log.clone();
        std::thread::spawn(move || {
            let mut banner = String::new();
            let mut addr_sent = false;
            for line in lines.by_ref().map_while(Result::ok) {
                if addr_sent {
                    sink.lock().unwrap().push(line);
                    continue;
                }
                banner.push_str(&line);
                banner.push('\n');
                if let Some(addr) = serving_addr(&line) {
                    let _ = tx.send(Ok((addr, std::mem::take(&mut banner))));
                    addr_sent = true;
                }
            }
            if !addr_sent {
                let _ = tx.send(Err(banner));
            }
        });
        match rx.recv_timeout(START_WITHIN) {
            Ok(Ok((addr, banner))) => Served {
                child,
                addr,
                log,
                banner,
            },
            Ok(Err(stderr)) => {
                let status = child.wait().expect("wcomp serve exits");
                panic!("`wcomp serve {file}` did not start ({status}):\n{stderr}")
            }
            Err(_) => {
                let _ = child.kill();
                panic!("`wcomp serve {file}` did not start within {START_WITHIN:?}")
            }
        }
    }

    pub async fn get(&self, path: &str) -> Answer {
        send(self.addr, Method::GET, path, Bytes::new()).await
    }

    pub async fn post(&self, path: &str, body: impl Into<Bytes>) -> Answer {
        send(self.addr, Method::POST, path, body.into()).await
    }

    /// The log lines so far that contain `needle`, waiting a moment for one:
    /// a request is logged once its response is done.
    pub fn log_lines(&self, needle: &str) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let found: Vec<String> = self
                .log
                .lock()
                .unwrap()
                .iter()
                .filter(|l| l.contains(needle))
                .cloned()
                .collect();
            if !found.is_empty() || Instant::now() > deadline {
                return found;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Every log line so far.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// Sends `signal` (`INT`, `TERM`) and waits for the exit code and the
    /// last log lines.
    pub fn stop(mut self, signal: &str) -> (i32, Vec<String>) {
        let sent = std::process::Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "kill -{signal} failed");
        let deadline = Instant::now() + Duration::from_secs(30);
        let code = loop {
            if let Some(status) = self.child.try_wait().expect("wait on wcomp serve") {
                break status.code().unwrap_or(-1);
            }
            assert!(Instant::now() < deadline, "wcomp serve did not stop");
            std::thread::sleep(Duration::from_millis(20));
        };
        // The reader thread sees the end of stderr right after the exit.
        std::thread::sleep(Duration::from_millis(100));
        (code, self.log())
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The address of `Serving ... on http://ADDR/`.
pub fn serving_addr(line: &str) -> Option<SocketAddr> {
    if !line.trim_start().starts_with("Serving") {
        return None;
    }
    let (_, rest) = line.rsplit_once("http://")?;
    rest.trim_end_matches('/').parse().ok()
}

/// One request on a fresh connection, bounded by [`ANSWER_WITHIN`].
pub async fn send(addr: SocketAddr, method: Method, path: &str, body: Bytes) -> Answer {
    let exchange = async {
        let stream = tokio::net::TcpStream::connect(addr)
            .await
            .expect("connect to wcomp serve");
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake(wasmtime_wasi_http::io::TokioIo::new(stream))
                .await
                .expect("an HTTP/1.1 handshake");
        tokio::spawn(conn);
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header("host", addr.to_string())
            .body(Full::new(body))
            .expect("a request");
        let response = sender.send_request(request).await.expect("a response");
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("the whole body")
            .to_bytes();
        (status, String::from_utf8_lossy(&body).into_owned())
    };
    tokio::time::timeout(ANSWER_WITHIN, exchange)
        .await
        .unwrap_or_else(|_| panic!("no answer to {path} within {ANSWER_WITHIN:?}"))
}

/// `requests` POSTs of distinct bodies to `path`, `concurrency` at a time;
/// returns the answers that did not echo their body with 200.
pub async fn echo_burst(
    addr: SocketAddr,
    path: &str,
    requests: usize,
    concurrency: usize,
) -> Vec<(String, Answer)> {
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (next, path) = (next.clone(), path.to_owned());
        workers.spawn(async move {
            let mut wrong = Vec::new();
            loop {
                let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if n >= requests {
                    return wrong;
                }
                let body = format!("request {n}");
                let answer = send(addr, Method::POST, &path, body.clone().into()).await;
                if answer != (StatusCode::OK, body.clone()) {
                    wrong.push((body, answer));
                }
            }
        });
    }
    workers.join_all().await.into_iter().flatten().collect()
}
