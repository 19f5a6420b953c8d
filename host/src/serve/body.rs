//! The bodies around a handler: the request's, capped at `max_body`, and
//! the response's, which reports the request once it is sent.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, ready};
use std::time::Instant;

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use wasmtime_wasi_http::{Error, WasiBody};

use super::RequestRecord;

/// A request body that fails once more than `limit` bytes arrive, and says
/// so through `exceeded`.
pub(crate) struct Capped {
    inner: Incoming,
    left: u64,
    limit: u64,
    exceeded: Arc<AtomicBool>,
}

impl Capped {
    pub(crate) fn wrap(inner: Incoming, limit: u64, exceeded: Arc<AtomicBool>) -> WasiBody {
        Capped {
            inner,
            left: limit,
            limit,
            exceeded,
        }
        .boxed_unsync()
    }
}

impl Body for Capped {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        let me = self.get_mut();
        let frame = ready!(Pin::new(&mut me.inner).poll_frame(cx));
        Poll::Ready(frame.map(|frame| {
            let frame = frame.map_err(Error::Hyper)?;
            if let Some(data) = frame.data_ref() {
                let len = data.len() as u64;
                if len > me.left {
                    me.exceeded.store(true, Ordering::Relaxed);
                    return Err(Error::HttpRequestBodySize(Some(me.limit)));
                }
                me.left -= len;
            }
            Ok(frame)
        }))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Reports a request to the server's log once its response is sent, has
/// failed, or is dropped (the client went away).
pub(crate) type Report = Arc<dyn Fn(&RequestRecord) + Send + Sync>;

/// A response body that reports its request when it ends.
pub(crate) struct Reported {
    inner: WasiBody,
    pending: Option<(RequestRecord, Instant, Report)>,
}

impl Reported {
    pub(crate) fn new(
        inner: WasiBody,
        record: RequestRecord,
        started: Instant,
        report: Report,
    ) -> Self {
        Reported {
            inner,
            pending: Some((record, started, report)),
        }
    }

    fn finish(&mut self, failure: Option<String>) {
        if let Some((mut record, started, report)) = self.pending.take() {
            record.duration = started.elapsed();
            if record.failure.is_none() {
                record.failure = failure;
            }
            report(&record);
        }
    }
}

impl Body for Reported {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        let me = self.get_mut();
        let frame = ready!(Pin::new(&mut me.inner).poll_frame(cx));
        match &frame {
            None => me.finish(None),
            Some(Err(e)) => me.finish(Some(format!("the response body failed: {e}"))),
            Some(Ok(_)) if me.inner.is_end_stream() => me.finish(None),
            Some(Ok(_)) => {}
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for Reported {
    fn drop(&mut self) {
        self.finish(None);
    }
}

/// A complete plain-text body.
pub(crate) fn text(body: String) -> WasiBody {
    http_body_util::Full::new(Bytes::from(body))
        .map_err(|never| match never {})
        .boxed_unsync()
}
