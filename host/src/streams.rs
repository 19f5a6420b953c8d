//! Host ends of `stream<u8>` and `future<T>` for `--invoke`: a file or stdin
//! feeding a guest's stream, a guest's stream flowing to stdout as it
//! arrives, and a guest's future delivered to the host once written.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::oneshot;
use wasmtime::component::{
    Destination, FutureConsumer, Lift, Source, StreamConsumer, StreamProducer, StreamResult,
};
use wasmtime::{AsContextMut, StoreContextMut};

pub use crate::read_ahead::{CachedFirst, ReadAhead};

/// How much a producer hands the guest per read when the reader is the
/// host itself (a guest reader's own buffer sets the size otherwise).
const CHUNK: usize = 64 * 1024;

/// A file for a `stream<u8>` argument. A regular file is read in place
/// while the page cache holds it ([`CachedFirst`]). Anything else is read
/// ahead on a thread of its own ([`ReadAhead`]), which opens it too, on the
/// first read rather than up front: opening a FIFO waits for its writer,
/// and that wait must count against the run's timeout like any other.
pub fn read_file(path: &str) -> io::Result<Box<dyn AsyncRead + Send + Sync>> {
    let ty = std::fs::metadata(path)?.file_type();
    if ty.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            wcomp_core::fs::NotAFile {
                kind: wcomp_core::fs::kind_of(&ty),
            },
        ));
    }
    const THREAD: &str = "wcomp-read-file";
    if ty.is_file() {
        let file = wcomp_core::fs::open_regular(path.as_ref())?;
        return Ok(Box::new(CachedFirst::new(file, THREAD)));
    }
    let path = path.to_owned();
    Ok(Box::new(ReadAhead::spawn(THREAD, move || {
        std::fs::File::open(path)
    })?))
}

/// Feeds a guest's `stream<u8>` from a reader (a file, stdin).
pub struct ReaderProducer {
    reader: Pin<Box<dyn AsyncRead + Send + Sync>>,
}

impl ReaderProducer {
    pub fn new(reader: impl AsyncRead + Send + Sync + 'static) -> Self {
        Self::boxed(Box::new(reader))
    }

    pub fn boxed(reader: Box<dyn AsyncRead + Send + Sync>) -> Self {
        ReaderProducer {
            reader: Box::into_pin(reader),
        }
    }
}

impl<D> StreamProducer<D> for ReaderProducer {
    type Item = u8;
    type Buffer = BytesMut;

    fn poll_produce<'a>(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut store: StoreContextMut<'a, D>,
        dst: Destination<'a, u8, BytesMut>,
        finish: bool,
    ) -> Poll<wasmtime::Result<StreamResult>> {
        // A zero-length read asks whether data is ready; a reader cannot
        // tell without reading, so say yes and let the next read wait.
        if dst.remaining(store.as_context_mut()) == Some(0) {
            return Poll::Ready(Ok(StreamResult::Completed));
        }
        let mut dst = dst.as_direct(store, CHUNK);
        let mut buf = ReadBuf::new(dst.remaining());
        match self.reader.as_mut().poll_read(cx, &mut buf) {
            Poll::Ready(Ok(())) if buf.filled().is_empty() => {
                Poll::Ready(Ok(StreamResult::Dropped))
            }
            Poll::Ready(Ok(())) => {
                let n = buf.filled().len();
                dst.mark_written(n);
                Poll::Ready(Ok(StreamResult::Completed))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(wasmtime::Error::new(e))),
            Poll::Pending if finish => Poll::Ready(Ok(StreamResult::Cancelled)),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Writes a guest's `stream<u8>` to a writer (stdout) as it arrives, and
/// reports the byte count once the guest closes the stream.
pub struct WriterConsumer {
    writer: Pin<Box<dyn AsyncWrite + Send + Sync>>,
    written: u64,
    flush_pending: bool,
    done: Option<oneshot::Sender<io::Result<u64>>>,
}

impl WriterConsumer {
    /// A consumer and the receiver that resolves when the stream ends.
    pub fn new(
        writer: Box<dyn AsyncWrite + Send + Sync>,
    ) -> (Self, oneshot::Receiver<io::Result<u64>>) {
        let (tx, rx) = oneshot::channel();
        let consumer = WriterConsumer {
            writer: Box::into_pin(writer),
            written: 0,
            flush_pending: false,
            done: Some(tx),
        };
        (consumer, rx)
    }

    fn fail(&mut self, e: io::Error) -> Poll<wasmtime::Result<StreamResult>> {
        if let Some(done) = self.done.take() {
            let _ = done.send(Err(e));
        }
        Poll::Ready(Ok(StreamResult::Dropped))
    }

    fn poll_flush(
        &mut self,
        cx: &mut Context<'_>,
        finish: bool,
    ) -> Poll<wasmtime::Result<StreamResult>> {
        match self.writer.as_mut().poll_flush(cx) {
            Poll::Ready(Ok(())) => {
                self.flush_pending = false;
                Poll::Ready(Ok(StreamResult::Completed))
            }
            Poll::Ready(Err(e)) => self.fail(e),
            Poll::Pending if finish => {
                self.flush_pending = false;
                Poll::Ready(Ok(StreamResult::Cancelled))
            }
            Poll::Pending => {
                self.flush_pending = true;
                Poll::Pending
            }
        }
    }
}

impl<D> StreamConsumer<D> for WriterConsumer {
    type Item = u8;

    fn poll_consume(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        store: StoreContextMut<D>,
        src: Source<u8>,
        finish: bool,
    ) -> Poll<wasmtime::Result<StreamResult>> {
        let this = &mut *self;
        if this.flush_pending {
            return this.poll_flush(cx, finish);
        }
        let mut src = src.as_direct(store);
        let (written, outcome) = write_some(this.writer.as_mut(), cx, src.remaining());
        if written > 0 {
            src.mark_read(written);
            this.written += written as u64;
        }
        match outcome {
            Write::Done if written == 0 => Poll::Ready(Ok(StreamResult::Completed)),
            Write::Done => this.poll_flush(cx, finish),
            Write::Failed(e) => this.fail(e),
            // What was written counts; the rest waits for the next call.
            Write::Pending if written > 0 => Poll::Ready(Ok(StreamResult::Completed)),
            Write::Pending if finish => Poll::Ready(Ok(StreamResult::Cancelled)),
            Write::Pending => Poll::Pending,
        }
    }
}

/// How writing a guest's buffer ended.
enum Write {
    /// All of it was written (or it was empty).
    Done,
    /// The writer cannot take more now.
    Pending,
    Failed(io::Error),
}

/// Writes as much of `buf` as the writer takes without waiting: a short
/// write (a pipe that took part of it) is retried at once rather than
/// handed back to the guest, which would cost it a whole round trip.
fn write_some(
    mut writer: Pin<&mut (dyn AsyncWrite + Send + Sync)>,
    cx: &mut Context<'_>,
    buf: &[u8],
) -> (usize, Write) {
    let mut written = 0;
    while written < buf.len() {
        match writer.as_mut().poll_write(cx, &buf[written..]) {
            Poll::Ready(Ok(0)) => return (written, Write::Failed(io::ErrorKind::WriteZero.into())),
            Poll::Ready(Ok(n)) => written += n,
            Poll::Ready(Err(e)) => return (written, Write::Failed(e)),
            Poll::Pending => return (written, Write::Pending),
        }
    }
    (written, Write::Done)
}

impl Drop for WriterConsumer {
    /// Wasmtime drops the consumer when the guest closes its end.
    fn drop(&mut self) {
        if let Some(done) = self.done.take() {
            let _ = done.send(Ok(self.written));
        }
    }
}

/// Receives the value a guest writes to a `future<T>`.
pub struct ValueConsumer<T>(Option<oneshot::Sender<T>>);

impl<T> ValueConsumer<T> {
    /// A consumer and the receiver of its value; the receiver fails if the
    /// guest drops the future without writing it.
    pub fn new() -> (Self, oneshot::Receiver<T>) {
        let (tx, rx) = oneshot::channel();
        (ValueConsumer(Some(tx)), rx)
    }
}

impl<T> Unpin for ValueConsumer<T> {}

impl<D, T: Lift + Send + Sync + 'static> FutureConsumer<D> for ValueConsumer<T> {
    type Item = T;

    fn poll_consume(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        store: StoreContextMut<D>,
        mut source: Source<'_, T>,
        _finish: bool,
    ) -> Poll<wasmtime::Result<()>> {
        let mut slot: Option<T> = None;
        source.read(store, &mut slot)?;
        if let (Some(value), Some(tx)) = (slot, self.get_mut().0.take()) {
            let _ = tx.send(value);
        }
        Poll::Ready(Ok(()))
    }
}
