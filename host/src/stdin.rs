//! A guest's stdin read ahead from any blocking reader: what `wcomp run`
//! passes for the process's own stdin, so a `stream<u8>` fed from `-` or a
//! WASI 0.3 guest reading stdin gets large reads that are ready before the
//! guest asks, instead of one hand-over to a worker thread per read.

use std::io::{self, Read};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Wake, Waker};

use tokio::io::{AsyncRead, ReadBuf};
use wasmtime_wasi::cli::{IsTerminal, StdinStream};

use crate::read_ahead::{CachedFirst, ReadAhead};

/// How the reader is started, taken once by the first handle.
enum Start {
    /// Opened by what this returns, on the reading thread.
    Open(Box<dyn FnOnce() -> io::Result<Box<dyn Read>> + Send>),
    /// A regular file, read in place while the page cache holds it.
    File(std::fs::File),
}

/// The one reader every handle shares.
type Reader = Box<dyn AsyncRead + Send + Unpin>;

/// A [`StdinStream`] over a blocking reader, read ahead on a thread of its
/// own (a read-ahead buffer).
///
/// Every handle the guest opens shares the one reader, as WASI requires:
/// bytes read ahead for one handle are there for the next. The thread
/// starts with the first handle, so nothing is read unless a guest asks
/// for stdin.
///
/// ```no_run
/// use std::io::IsTerminal;
/// let terminal = std::io::stdin().is_terminal();
/// let stdin = wcomp_host::ReadAheadStdin::new(|| Ok(std::io::stdin()), terminal);
/// ```
#[derive(Clone)]
pub struct ReadAheadStdin(Arc<Shared>);

struct Shared {
    start: Mutex<Option<Start>>,
    reader: Mutex<Option<io::Result<Reader>>>,
    /// Handles waiting for bytes: all are woken when any may proceed.
    waiting: Mutex<Vec<Waker>>,
    terminal: bool,
}

impl ReadAheadStdin {
    /// Stdin read from what `open` returns, opened on the reading thread.
    /// `terminal` is what the guest is told about whether it is a TTY.
    pub fn new<R, F>(open: F, terminal: bool) -> Self
    where
        R: Read + 'static,
        F: FnOnce() -> io::Result<R> + Send + 'static,
    {
        let open = Box::new(move || open().map(|r| Box::new(r) as Box<dyn Read>));
        Self::starting(Start::Open(open), terminal)
    }

    /// Stdin from a regular file (a redirect such as `< big.bin`), read
    /// from its position: in place while the page cache holds its bytes,
    /// so it keeps up with a `@FILE` argument, and ahead on a thread after.
    pub fn regular_file(file: std::fs::File) -> Self {
        Self::starting(Start::File(file), false)
    }

    fn starting(start: Start, terminal: bool) -> Self {
        ReadAheadStdin(Arc::new(Shared {
            start: Mutex::new(Some(start)),
            reader: Mutex::new(None),
            waiting: Mutex::new(Vec::new()),
            terminal,
        }))
    }
}

impl Shared {
    /// The one reader, started on first use.
    fn reader(&self) -> MutexGuard<'_, Option<io::Result<Reader>>> {
        const THREAD: &str = "wcomp-read-stdin";
        let mut reader = lock(&self.reader);
        if reader.is_none()
            && let Some(start) = lock(&self.start).take()
        {
            *reader = Some(match start {
                Start::Open(open) => ReadAhead::spawn(THREAD, open).map(|r| Box::new(r) as Reader),
                Start::File(file) => Ok(Box::new(CachedFirst::new(file, THREAD))),
            });
        }
        reader
    }
}

/// Locks `m`; a panic elsewhere does not make the bytes behind it wrong.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Wake for Shared {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let waiting = std::mem::take(&mut *lock(&self.waiting));
        waiting.into_iter().for_each(Waker::wake);
    }
}

impl IsTerminal for ReadAheadStdin {
    fn is_terminal(&self) -> bool {
        self.0.terminal
    }
}

impl StdinStream for ReadAheadStdin {
    fn async_stream(&self) -> Box<dyn AsyncRead + Send + Sync> {
        Box::new(Handle(self.0.clone()))
    }
}

/// One of the guest's handles on stdin.
struct Handle(Arc<Shared>);

impl AsyncRead for Handle {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        // Wait-listed before polling: the reader may wake us from inside
        // the poll (when the runtime's budget for this task is spent).
        {
            let mut waiting = lock(&self.0.waiting);
            if !waiting.iter().any(|w| w.will_wake(cx.waker())) {
                waiting.push(cx.waker().clone());
            }
        }
        let mut reader = self.0.reader();
        match reader.as_mut() {
            Some(Ok(reader)) => {
                let waker = Waker::from(self.0.clone());
                Pin::new(reader).poll_read(&mut Context::from_waker(&waker), buf)
            }
            Some(Err(e)) => Poll::Ready(Err(io::Error::new(e.kind(), e.to_string()))),
            None => Poll::Ready(Ok(())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    /// 3 MB of patterned bytes.
    fn pattern() -> Vec<u8> {
        (0..3_000_000u32).map(|i| (i % 253) as u8).collect()
    }

    /// All of `stdin`: 1000 bytes through one handle, dropped, and the
    /// rest through another.
    async fn through_two_handles(stdin: &ReadAheadStdin) -> Vec<u8> {
        let mut head = vec![0; 1000];
        Box::into_pin(stdin.async_stream())
            .read_exact(&mut head)
            .await
            .unwrap();
        let mut rest = Vec::new();
        Box::into_pin(stdin.async_stream())
            .read_to_end(&mut rest)
            .await
            .unwrap();
        head.extend(rest);
        head
    }

    #[tokio::test]
    async fn handles_share_one_stream() {
        let data = pattern();
        let source = data.clone();
        let stdin = ReadAheadStdin::new(move || Ok(io::Cursor::new(source)), false);
        // What the first handle read ahead is not lost with it.
        let out = through_two_handles(&stdin).await;
        assert!(out == data, "the bytes came out changed");
    }

    #[tokio::test]
    async fn nothing_is_read_before_a_handle_is_used() {
        use std::sync::atomic::{AtomicBool, Ordering};
        let opened = Arc::new(AtomicBool::new(false));
        let flag = opened.clone();
        let stdin = ReadAheadStdin::new(
            move || {
                flag.store(true, Ordering::SeqCst);
                Ok(io::Cursor::new(b"hi".to_vec()))
            },
            true,
        );
        assert!(stdin.is_terminal());
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        assert!(!opened.load(Ordering::SeqCst), "opened before anyone asked");
        let mut text = String::new();
        Box::into_pin(stdin.async_stream())
            .read_to_string(&mut text)
            .await
            .unwrap();
        assert_eq!(text, "hi");
        assert!(opened.load(Ordering::SeqCst));
    }

    #[tokio::test]
    async fn a_regular_file_is_read_from_its_position_by_every_handle() {
        let data = pattern();
        let mut file = tempfile::tempfile().unwrap();
        io::Write::write_all(&mut file, &data).unwrap();
        io::Seek::rewind(&mut file).unwrap();
        // What the shell, or the process before us, already read.
        let mut skipped = [0; 10];
        file.read_exact(&mut skipped).unwrap();
        let stdin = ReadAheadStdin::regular_file(file);
        assert!(!stdin.is_terminal());
        let out = through_two_handles(&stdin).await;
        assert!(out == data[10..], "the bytes came out changed");
    }
}
