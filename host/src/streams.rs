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

/// How much a producer hands the guest per read.
const CHUNK: usize = 64 * 1024;

/// A file for a `stream<u8>` argument, opened on the first read rather than
/// up front: opening a FIFO waits for its writer, and that wait must count
/// against the run's timeout like any other.
pub struct LazyFile {
    state: LazyState,
}

enum LazyState {
    Opening(tokio::task::JoinHandle<io::Result<std::fs::File>>),
    Open(tokio::fs::File),
    Failed,
}

impl LazyFile {
    /// Checks that `path` can be a stream source (it exists and is not a
    /// directory) and schedules its opening.
    pub fn open(path: &str) -> io::Result<Self> {
        let ty = std::fs::metadata(path)?.file_type();
        if ty.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                wcomp_core::fs::NotAFile {
                    kind: wcomp_core::fs::kind_of(&ty),
                },
            ));
        }
        let path = path.to_owned();
        Ok(LazyFile {
            state: LazyState::Opening(tokio::task::spawn_blocking(move || {
                std::fs::File::open(path)
            })),
        })
    }
}

impl AsyncRead for LazyFile {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        loop {
            match &mut self.state {
                LazyState::Opening(handle) => {
                    let opened = match std::task::ready!(Pin::new(handle).poll(cx)) {
                        Ok(Ok(file)) => Ok(file),
                        Ok(Err(e)) => Err(e),
                        Err(join) => Err(io::Error::other(join)),
                    };
                    match opened {
                        Ok(file) => self.state = LazyState::Open(tokio::fs::File::from_std(file)),
                        Err(e) => {
                            self.state = LazyState::Failed;
                            return Poll::Ready(Err(e));
                        }
                    }
                }
                LazyState::Open(file) => return Pin::new(file).poll_read(cx, buf),
                LazyState::Failed => return Poll::Ready(Ok(())),
            }
        }
    }
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
        let buf = src.remaining();
        if buf.is_empty() {
            return Poll::Ready(Ok(StreamResult::Completed));
        }
        match this.writer.as_mut().poll_write(cx, buf) {
            Poll::Ready(Ok(0)) => this.fail(io::ErrorKind::WriteZero.into()),
            Poll::Ready(Ok(n)) => {
                src.mark_read(n);
                this.written += n as u64;
                this.poll_flush(cx, finish)
            }
            Poll::Ready(Err(e)) => this.fail(e),
            Poll::Pending if finish => Poll::Ready(Ok(StreamResult::Cancelled)),
            Poll::Pending => Poll::Pending,
        }
    }
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
