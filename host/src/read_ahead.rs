//! Reading ahead on a thread of its own: a blocking reader (a file, a FIFO,
//! stdin) turned into an [`AsyncRead`] that is usually ready.
//!
//! The thread reads into a small, fixed pool of reusable buffers and hands
//! each filled one over a channel; the async side copies out of it and
//! gives it back. While the guest works on one chunk the thread is already
//! reading the next, every read is large, and nothing is allocated per
//! chunk. Memory is bounded by the pool: [`BUFFERS`] × [`BUFFER`] bytes.
//!
//! A regular file whose bytes the page cache already holds needs no thread
//! and no pool: [`CachedFirst`] reads it straight into the caller's buffer
//! (the guest's memory), and reads ahead only from the first read that
//! would wait for the disk.

use std::fs::File;
use std::io::{self, Read};
use std::mem::MaybeUninit;
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
    pub fn spawn<R, F>(name: &'static str, open: F) -> io::Result<Self>
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

/// A regular file read in place while the page cache holds its next
/// bytes, and ahead on a thread of its own (a [`ReadAhead`]) from the
/// first read that would wait for the disk, or once the reader is seen to
/// work longer between reads than the reads take.
///
/// Reading in place copies each byte once, from the page cache into the
/// caller's buffer, as `cat` does, and never waits for the disk, so it
/// does not hold up the async side. Going through the pool copies each
/// byte twice, the second time across CPUs, and hands each buffer over
/// between threads: that only pays when the copy out of the page cache can
/// overlap the reader's own work, which is what [`Pace`] watches for.
pub struct CachedFirst {
    file: File,
    /// The thread, once started: it reads a duplicate of `file`, whose
    /// position is shared.
    ahead: Option<ReadAhead>,
    pace: Pace,
    name: &'static str,
}

impl CachedFirst {
    /// Reads `file` (a regular file) from its current position; `name`
    /// names the thread, if one is needed.
    pub fn new(file: File, name: &'static str) -> Self {
        CachedFirst {
            file,
            ahead: None,
            pace: Pace::default(),
            name,
        }
    }

    /// Moves the reading to a thread, from the file's current position.
    fn read_ahead(&mut self) -> io::Result<()> {
        let file = self.file.try_clone()?;
        self.ahead = Some(ReadAhead::spawn(self.name, move || Ok(file))?);
        Ok(())
    }
}

impl AsyncRead for CachedFirst {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.ahead.is_none() {
            let started = this.pace.start();
            // SAFETY: only the kernel writes into the unfilled part, and
            // only the `n` bytes it reports written are marked filled.
            match read_cached(&this.file, unsafe { buf.unfilled_mut() }) {
                Ok(Some(n)) => {
                    // SAFETY: the kernel wrote these `n` bytes.
                    unsafe { buf.assume_init(n) };
                    buf.advance(n);
                    if this.pace.read(started, n) == Verdict::ReadAhead {
                        // The thread is only faster: if none can start, the
                        // bytes just read still count, and reading goes on
                        // in place.
                        let _ = this.read_ahead();
                    }
                    return Poll::Ready(Ok(()));
                }
                Ok(None) => this.read_ahead()?,
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
        match &mut this.ahead {
            Some(ahead) => Pin::new(ahead).poll_read(cx, buf),
            None => Poll::Ready(Ok(())),
        }
    }
}

/// How much a [`CachedFirst`] reads in place before it judges its
/// reader's pace.
const SAMPLE: usize = 4 << 20;

/// The time a [`CachedFirst`]'s reads took in place, against the time its
/// reader spent between them (working on what it read, or waiting to
/// write it out), over its first [`SAMPLE`] bytes.
#[derive(Default)]
struct Pace {
    reading: std::time::Duration,
    between: std::time::Duration,
    last: Option<std::time::Instant>,
    bytes: usize,
    judged: bool,
}

/// What the pace says to do.
#[derive(Debug, PartialEq)]
enum Verdict {
    /// Go on reading in place.
    InPlace,
    /// Read ahead on a thread: the reader works at least twice as long
    /// between reads as a read takes, so a thread's reads overlap its work
    /// and their hand-overs rarely wait.
    ReadAhead,
}

impl Pace {
    /// The time a read starts, counting the time since the last one.
    fn start(&mut self) -> std::time::Instant {
        let now = std::time::Instant::now();
        if let Some(last) = self.last {
            self.between += now - last;
        }
        now
    }

    /// Counts a read of `n` bytes that began at `started`; once enough
    /// was read, says (once) which way to go on.
    fn read(&mut self, started: std::time::Instant, n: usize) -> Verdict {
        let now = std::time::Instant::now();
        self.reading += now - started;
        self.last = Some(now);
        self.bytes += n;
        if self.judged || self.bytes < SAMPLE {
            return Verdict::InPlace;
        }
        self.judged = true;
        self.verdict()
    }

    fn verdict(&self) -> Verdict {
        if self.between >= self.reading * 2 {
            Verdict::ReadAhead
        } else {
            Verdict::InPlace
        }
    }
}

/// Reads from `file`'s position into `buf` (which need not be
/// initialized) what the page cache already holds (`Some(0)` at the end),
/// moving the position on; `None` when the read would have to wait for the
/// disk, or the system cannot read without waiting.
#[cfg(target_os = "linux")]
fn read_cached(file: &File, buf: &mut [MaybeUninit<u8>]) -> io::Result<Option<usize>> {
    use std::os::fd::AsRawFd;
    let iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    loop {
        // SAFETY: `iov` describes `buf`, which is valid for writes of its
        // length for the whole call; an offset of -1 reads at (and moves)
        // the file's own position.
        let n = unsafe { libc::preadv2(file.as_raw_fd(), &iov, 1, -1, libc::RWF_NOWAIT) };
        if let Ok(n) = usize::try_from(n) {
            return Ok(Some(n));
        }
        let e = io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EINTR) => continue,
            Some(libc::EAGAIN | libc::EOPNOTSUPP | libc::ENOSYS | libc::EINVAL) => return Ok(None),
            _ => return Err(e),
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn read_cached(_: &File, _: &mut [MaybeUninit<u8>]) -> io::Result<Option<usize>> {
    Ok(None)
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

    /// A file of `len` patterned bytes, written and so in the page cache.
    fn cached_file(len: usize) -> (tempfile::NamedTempFile, Vec<u8>) {
        let data: Vec<u8> = (0..len as u32).map(|i| (i % 251) as u8).collect();
        let mut file = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut file, &data).unwrap();
        (file, data)
    }

    /// Everything `reader` gives, read `chunk` bytes at a time; a reader
    /// that works 5 ms after each read until it has more than `slow_for`
    /// bytes (far longer than copying a chunk out of the page cache).
    async fn read_in_chunks(reader: &mut CachedFirst, chunk: usize, slow_for: usize) -> Vec<u8> {
        let mut out = Vec::new();
        let mut buf = vec![0; chunk];
        loop {
            let n = reader.read(&mut buf).await.unwrap();
            if n == 0 {
                return out;
            }
            out.extend_from_slice(&buf[..n]);
            if out.len() <= slow_for {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
        }
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn a_cached_file_is_read_whole_in_place_without_a_thread() {
        let (file, data) = cached_file(BUFFER * BUFFERS * 3 + 123);
        let mut reader = CachedFirst::new(file.reopen().unwrap(), "test-in-place");
        let out = read_in_chunks(&mut reader, 64 * 1024, 0).await;
        assert!(out == data, "the bytes came out changed");
        assert!(
            reader.ahead.is_none(),
            "a quick reader of a cached file got a thread"
        );
    }

    #[tokio::test]
    async fn a_reader_slower_than_its_reads_moves_to_a_thread_and_loses_no_byte() {
        let (file, data) = cached_file(SAMPLE * 2 + 4321);
        let mut reader = CachedFirst::new(file.reopen().unwrap(), "test-slow-reader");
        let out = read_in_chunks(&mut reader, 256 * 1024, SAMPLE).await;
        assert!(out == data, "the bytes came out changed");
        assert!(
            reader.ahead.is_some(),
            "a slow reader was still read in place"
        );
    }

    #[test]
    fn the_pace_is_judged_once_on_the_first_sample() {
        let mut pace = Pace::default();
        let started = pace.start();
        assert_eq!(
            pace.read(started, SAMPLE - 1),
            Verdict::InPlace,
            "judged too early"
        );
        // A reader that spent a second between reads of microseconds.
        pace.between = std::time::Duration::from_secs(1);
        assert_eq!(pace.read(std::time::Instant::now(), 1), Verdict::ReadAhead);
        assert_eq!(
            pace.read(std::time::Instant::now(), SAMPLE),
            Verdict::InPlace,
            "judged twice"
        );

        let quick = Pace {
            reading: std::time::Duration::from_millis(3),
            between: std::time::Duration::from_millis(5),
            ..Pace::default()
        };
        assert_eq!(quick.verdict(), Verdict::InPlace);
    }
}
