//! Streaming through a real pipe guest: `stream<u8>` through the host, in process and without a toolchain: a
//! file or the caller's stdin feeds a guest's stream, the guest's returned
//! stream goes to the caller's stdout, and neither the guest's memory nor
//! the host's buffers grow with the input.
//!
//! The guest is `fixtures/rust-pipe-p3.wasm`, prebuilt from
//! `tests/guests/rust-pipe-p3` (see `fixtures/README.md`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::AsyncWrite;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wcomp_host::{Call, Host, Invocation, Limits, RunError, RunOptions, Stdio};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rust-pipe-p3.wasm")
}

/// Byte `i` of the input: every value, in no simple order.
fn byte(i: u64) -> u8 {
    (i.wrapping_mul(2_654_435_761) >> 13) as u8
}

/// Writes `len` bytes of [`byte`] to a file, a mebibyte at a time.
fn input_file(dir: &Path, len: u64) -> PathBuf {
    let path = dir.join(format!("input-{len}.bin"));
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let mut chunk = Vec::with_capacity(1 << 20);
    for start in (0..len).step_by(1 << 20) {
        chunk.clear();
        chunk.extend((start..len.min(start + (1 << 20))).map(byte));
        file.write_all(&chunk).unwrap();
    }
    file.flush().unwrap();
    path
}

/// What the checking stdout saw.
#[derive(Debug, Default)]
struct Seen {
    len: u64,
    first_wrong: Option<u64>,
    largest_write: usize,
}

/// A stdout that checks each byte against `byte(i) ^ key` as it arrives and
/// keeps nothing, so the test's own memory stays flat too.
#[derive(Clone)]
struct CheckingStdout {
    key: u8,
    seen: Arc<Mutex<Seen>>,
}

impl CheckingStdout {
    fn new(key: u8) -> Self {
        CheckingStdout {
            key,
            seen: Arc::default(),
        }
    }

    fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen.lock().unwrap()
    }
}

impl IsTerminal for CheckingStdout {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for CheckingStdout {
    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

impl AsyncWrite for CheckingStdout {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let mut seen = self.seen();
        let start = seen.len;
        if seen.first_wrong.is_none() {
            seen.first_wrong = (start..)
                .zip(buf)
                .find(|&(i, &b)| b != byte(i) ^ self.key)
                .map(|(i, _)| i);
        }
        seen.len += buf.len() as u64;
        seen.largest_write = seen.largest_write.max(buf.len());
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// Invokes `call` on the fixture with `stdin` and a checking stdout.
async fn invoke(
    host: &Host,
    call: &str,
    stdin: impl wasmtime_wasi::cli::StdinStream + Sync + 'static,
    stdout: &CheckingStdout,
    limits: Limits,
) -> Result<Invocation, RunError> {
    let loaded = host.load(&fixture())?;
    let opts = RunOptions::default()
        .with_stdio(Stdio::new(stdin, stdout.clone(), tokio::io::empty()))
        .with_limits(limits);
    host.invoke(&loaded, &Call::parse(call)?, &opts).await
}

/// Streams `len` bytes from a file through `call`, checks every byte that
/// comes out, and returns the guest's memory at the end.
async fn stream_file(host: &Host, dir: &Path, len: u64, call: &str, key: u8) -> u64 {
    let input = input_file(dir, len);
    let stdout = CheckingStdout::new(key);
    let call = call.replace("FILE", &input.display().to_string());
    let invocation = invoke(host, &call, tokio::io::empty(), &stdout, Limits::default())
        .await
        .unwrap();
    let seen = stdout.seen();
    assert_eq!(seen.len, len, "{call}: bytes out");
    assert_eq!(seen.first_wrong, None, "{call}: the first wrong byte");
    assert!(invocation.stdout_taken);
    assert!(invocation.results.is_empty(), "{:?}", invocation.results);
    invocation.guest_memory
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_mebibytes_pass_through_in_bounded_memory() {
    let host = Host::builder().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let small = stream_file(&host, dir.path(), 1 << 20, "pass(@FILE)", 0).await;
    let large = stream_file(&host, dir.path(), 64 << 20, "pass(@FILE)", 0).await;
    // Linear memory only grows, so what the limiter counted at the end is
    // the guest's peak. 64 times the input may not cost it a single page.
    assert!(small > 0, "the limiter saw no memory");
    assert_eq!(large, small, "guest memory grew with the input");
    assert!(large < 4 << 20, "guest memory {large}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transforming_guest_sees_every_byte() {
    let host = Host::builder().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    // An odd length, so the last read is short.
    stream_file(&host, dir.path(), (3 << 20) + 12_345, "xor(@FILE, 90)", 90).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdin_feeds_a_stream_argument() {
    let host = Host::builder().build().unwrap();
    let len = (5 << 20) + 7;
    let bytes: Vec<u8> = (0..len).map(byte).collect();
    let stdin = wasmtime_wasi::p2::pipe::MemoryInputPipe::new(bytes);
    let stdout = CheckingStdout::new(0);
    invoke(&host, "pass(-)", stdin, &stdout, Limits::default())
        .await
        .unwrap();
    let seen = stdout.seen();
    assert_eq!((seen.len, seen.first_wrong), (len, None));
}

/// Stdin that never has anything to read: a pipe whose writer stays open.
struct SilentStdin(Mutex<Option<tokio::io::DuplexStream>>);

impl IsTerminal for SilentStdin {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl wasmtime_wasi::cli::StdinStream for SilentStdin {
    fn async_stream(&self) -> Box<dyn tokio::io::AsyncRead + Send + Sync> {
        let (reader, writer) = tokio::io::duplex(64);
        // Keep the writer alive so the reader waits rather than ends.
        *self.0.lock().unwrap() = Some(writer);
        Box::new(reader)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_timeout_covers_a_wait_on_stdin() {
    let host = Host::builder().build().unwrap();
    let limits = Limits::default().with_timeout(Duration::from_millis(500));
    let stdout = CheckingStdout::new(0);
    let err = invoke(
        &host,
        "pass(-)",
        SilentStdin(Mutex::new(None)),
        &stdout,
        limits,
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string()
            .ends_with("stopped in `wcomp:test/bytes#pass`: timeout after 500ms"),
        "{err}"
    );
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_timeout_covers_a_fifo_nobody_writes() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let host = Host::builder().build().unwrap();
    let limits = Limits::default().with_timeout(Duration::from_millis(500));
    let stdout = CheckingStdout::new(0);
    let call = format!("pass(@{})", fifo.display());
    let err = invoke(&host, &call, tokio::io::empty(), &stdout, limits)
        .await
        .unwrap_err();
    assert!(err.to_string().ends_with("timeout after 500ms"), "{err}");
}
