//! Reading ahead on a thread of its own: a blocking reader (a file, a FIFO,
//! stdin) turned into an [`AsyncRead`] that is usually ready.
//!
//! The thread reads into a small, fixed pool of reusable buffers and hands
//! each filled one over a channel; the async side copies out of it and
//! gives it back. While the guest works on one chunk the thread is already
//! reading the next, every read is large, and nothing is allocated per
//! chunk. Memory is bounded by the pool: [`BUFFERS`] × [`BUFFER`] bytes.

use std::io::{self, Read};
use std::pin::Pin;
use std::sync::mpsc as sync_mpsc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, ReadBuf};
use tokio::sync::mpsc;

/// The size of each read, and of each buffer in the pool.
pub const BUFFER: usize = 256 * 1024;

/// How many buffers the pool holds: one being copied out, the rest being
/// filled or waiting.
pub const BUFFERS: usize = 4;

/// A filled buffer and how many of its bytes were read.
type Filled = io::Result<(Vec<u8>, usize)>;

/// An [`AsyncRead`] fed by a reader on a dedicated thread.
///
/// Dropping it lets the thread end at its next hand-over; a thread blocked
/// in a read that never returns (a FIFO without a writer) is left behind
/// rather than waited for, so a deadline can still end the run.
pub struct ReadAhead {
    filled: mpsc::Receiver<Filled>,
    free: sync_mpsc::Sender<Vec<u8>>,
    current: Vec<u8>,
    start: usize,
    end: usize,
    error: Option<io::Error>,
    ended: bool,
}

impl ReadAhead {
    /// Starts a thread named `name` that calls `open` and then reads what it
    /// returns until the end. An error from `open` is the first read's.
    pub fn spawn<R, F>(name: &str, open: F) -> io::Result<Self>
    where
        R: Read,
        F: FnOnce() -> io::Result<R> + Send + 'static,
    {
        let (filled_tx, filled) = mpsc::channel(BUFFERS);
        let (free, free_rx) = sync_mpsc::channel();
        for _ in 0..BUFFERS {
            // Allocated (and zeroed) by the thread, on first use.
            let _ = free.send(Vec::new());
        }
        std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || match open() {
                Ok(reader) => read_all(reader, &free_rx, &filled_tx),
                Err(e) => {
                    let _ = filled_tx.blocking_send(Err(e));
                }
            })?;
        Ok(ReadAhead {
            filled,
            free,
            current: Vec::new(),
            start: 0,
            end: 0,
            error: None,
            ended: false,
        })
    }

    /// Copies what is left of the current buffer into `buf`, and gives the
    /// buffer back to the thread once it is empty.
    fn copy_out(&mut self, buf: &mut ReadBuf<'_>) {
        let n = (self.end - self.start).min(buf.remaining());
        buf.put_slice(&self.current[self.start..self.start + n]);
        self.start += n;
        if self.start == self.end && !self.current.is_empty() {
            // The thread may have ended; then the buffer is simply freed.
            let _ = self.free.send(std::mem::take(&mut self.current));
            (self.start, self.end) = (0, 0);
        }
    }
}

/// The thread's loop: fill a free buffer, hand it over, until the end, an
/// error, or the async side is gone.
fn read_all<R: Read>(
    mut reader: R,
    free: &sync_mpsc::Receiver<Vec<u8>>,
    filled: &mpsc::Sender<Filled>,
) {
    while let Ok(mut buf) = free.recv() {
        if buf.len() < BUFFER {
            buf.resize(BUFFER, 0);
        }
        let read = loop {
            match reader.read(&mut buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other,
            }
        };
        match read {
            // The end: dropping the sender closes the channel, which says so.
            Ok(0) => return,
            Ok(n) => {
                if filled.blocking_send(Ok((buf, n))).is_err() {
                    return;
                }
            }
            Err(e) => {
                let _ = filled.blocking_send(Err(e));
                return;
            }
        }
    }
}

impl AsyncRead for ReadAhead {
    /// Fills `buf` with as much as is ready, across buffers; waits only
    /// when nothing is.
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let before = buf.filled().len();
        loop {
            this.copy_out(buf);
            if buf.remaining() == 0 {
                return Poll::Ready(Ok(()));
            }
            let copied = buf.filled().len() > before;
            if this.ended {
                // Bytes first; the error (or the end) on the next read.
                return match this.error.take() {
                    Some(e) if !copied => Poll::Ready(Err(e)),
                    Some(e) => {
                        this.error = Some(e);
                        Poll::Ready(Ok(()))
                    }
                    None => Poll::Ready(Ok(())),
                };
            }
            match this.filled.poll_recv(cx) {
                Poll::Ready(Some(Ok((chunk, n)))) => {
                    this.current = chunk;
                    this.start = 0;
                    this.end = n;
                }
                Poll::Ready(Some(Err(e))) => {
                    this.error = Some(e);
                    this.ended = true;
                }
                Poll::Ready(None) => this.ended = true,
                Poll::Pending if copied => return Poll::Ready(Ok(())),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    #[tokio::test]
    async fn reads_everything_in_order_across_buffers() {
        let data: Vec<u8> = (0..(BUFFER * BUFFERS * 3 + 123) as u32)
            .map(|i| (i % 251) as u8)
            .collect();
        let source = data.clone();
        let mut reader =
            ReadAhead::spawn("test-read-ahead", move || Ok(io::Cursor::new(source))).unwrap();
        let mut out = Vec::new();
        reader.read_to_end(&mut out).await.unwrap();
        assert!(out == data, "the bytes came out changed");
    }

    #[tokio::test]
    async fn an_open_error_is_the_first_read() {
        let mut reader = ReadAhead::spawn("test-read-ahead", || {
            Err::<io::Empty, _>(io::Error::new(io::ErrorKind::NotFound, "gone"))
        })
        .unwrap();
        let err = reader.read(&mut [0; 16]).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
    }

    /// A reader that fails after some bytes.
    struct FailsAfter(usize);

    impl Read for FailsAfter {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0 == 0 {
                return Err(io::Error::other("disk on fire"));
            }
            let n = self.0.min(buf.len());
            buf[..n].fill(7);
            self.0 -= n;
            Ok(n)
        }
    }

    #[tokio::test]
    async fn bytes_read_before_an_error_come_first() {
        let mut reader = ReadAhead::spawn("test-read-ahead", || Ok(FailsAfter(1000))).unwrap();
        let mut out = Vec::new();
        let err = reader.read_to_end(&mut out).await.unwrap_err();
        assert_eq!(out, vec![7; 1000]);
        assert_eq!(err.to_string(), "disk on fire");
    }
}
