//! Byte streams crossing between linked components, counted for a trace.
//!
//! Untraced, a `stream<u8>` passed from one component to another moves as
//! it is: its end changes hands and the bytes go from one guest's memory
//! to the other's without the host. Traced, the host puts a *relay* in
//! its place: it reads the stream it was given and writes what it read to
//! a stream of its own, which it hands on, counting the bytes. The
//! stream's span starts when the stream crosses, as a child of the call
//! it crosses in, and ends when the writer has finished and the reader
//! has had every byte, or the reader has gone: `4194304 bytes`.
//!
//! A relay holds at most [`CAPACITY`] bytes: a writer ahead of its reader
//! waits, as it would on the stream itself.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use wasmtime::StoreContextMut;
use wasmtime::component::{
    Destination, Source, StreamConsumer, StreamProducer, StreamReader, StreamResult, Type, Val,
};

use super::values::each_leaf_of;
use crate::trace::{Call, Ending, Entered, StoreTrace};

/// The most bytes a relay holds between its two ends.
pub(crate) const CAPACITY: usize = 64 * 1024;

/// Which way a call's values go: the caller's arguments to the callee, or
/// the callee's results back.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Way {
    Arguments,
    Results,
}

/// Puts a counting relay in place of each byte stream in `values` (of the
/// types `types`), which cross `way` in `call`, whose span is `span`.
pub(crate) fn relay_streams<T: Send + 'static>(
    mut store: StoreContextMut<'_, T>,
    (trace, span): (&StoreTrace, Entered),
    call: &Call,
    way: Way,
    values: &mut [Val],
    types: impl Iterator<Item = Type>,
) -> wasmtime::Result<()> {
    each_leaf_of(values, types, &mut |value, ty| {
        let (Val::Stream(_), Type::Stream(stream)) = (&*value, ty) else {
            return Ok(());
        };
        if stream.ty() != Some(Type::U8) {
            return Ok(());
        }
        let Val::Stream(given) = std::mem::replace(value, Val::Bool(false)) else {
            return Ok(());
        };
        let relay = Relay::start(trace, span, call, way);
        let given = given.try_into_stream_reader::<u8>()?;
        given.pipe(&mut store, In(relay.clone()))?;
        let handed_on = StreamReader::new(&mut store, Out(relay))?;
        *value = Val::Stream(handed_on.try_into_stream_any(&mut store)?);
        Ok(())
    })
}

/// The bytes between a relay's two ends, and its span.
struct Relay {
    state: Mutex<State>,
    trace: StoreTrace,
    span: Entered,
}

#[derive(Default)]
struct State {
    buffer: VecDeque<u8>,
    bytes: u64,
    /// The writer has finished: what is in the buffer is all there is.
    written: bool,
    /// The reader has gone: nothing more is wanted.
    unread: bool,
    ended: bool,
    /// The reader waiting for bytes, and the writer waiting for room.
    reader: Option<Waker>,
    writer: Option<Waker>,
}

impl Relay {
    /// A relay for a stream crossing `way` in `call`, its span a child of
    /// `parent`: from the writer to the reader.
    fn start(trace: &StoreTrace, parent: Entered, call: &Call, way: Way) -> Arc<Relay> {
        let (from, to) = match way {
            Way::Arguments => (&call.caller, &call.callee),
            Way::Results => (&call.callee, &call.caller),
        };
        let function = format!("{} stream", call.function);
        let stream = Call::new(
            from.clone(),
            to.clone(),
            call.interface.as_deref(),
            function,
        );
        let span = trace.tracer.enter(&stream, String::new(), Some(parent));
        Arc::new(Relay {
            state: Mutex::new(State::default()),
            trace: trace.clone(),
            span,
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Ends the span, once, with the bytes moved.
    fn end(&self, state: &mut State) {
        if !std::mem::replace(&mut state.ended, true) {
            self.trace
                .tracer
                .exit(self.span, Ending::Streamed(state.bytes));
        }
    }
}

/// The end of a relay that reads the stream it was given.
struct In(Arc<Relay>);

impl<D> StreamConsumer<D> for In {
    type Item = u8;

    fn poll_consume(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        store: StoreContextMut<'_, D>,
        source: Source<'_, u8>,
        finish: bool,
    ) -> Poll<wasmtime::Result<StreamResult>> {
        let mut state = self.0.lock();
        if state.unread {
            return Poll::Ready(Ok(StreamResult::Dropped));
        }
        let room = CAPACITY - state.buffer.len();
        if room == 0 {
            if finish {
                return Poll::Ready(Ok(StreamResult::Cancelled));
            }
            state.writer = Some(cx.waker().clone());
            return Poll::Pending;
        }
        let mut source = source.as_direct(store);
        let bytes = source.remaining();
        let taken = bytes.len().min(room);
        state.buffer.extend(&bytes[..taken]);
        source.mark_read(taken);
        state.bytes += taken as u64;
        if let Some(reader) = state.reader.take() {
            reader.wake();
        }
        Poll::Ready(Ok(StreamResult::Completed))
    }
}

impl Drop for In {
    /// The writer has finished.
    fn drop(&mut self) {
        let mut state = self.0.lock();
        state.written = true;
        if state.buffer.is_empty() || state.unread {
            self.0.end(&mut state);
        }
        if let Some(reader) = state.reader.take() {
            reader.wake();
        }
    }
}

/// The end of a relay that writes the stream it hands on.
struct Out(Arc<Relay>);

impl<D> StreamProducer<D> for Out {
    type Item = u8;
    type Buffer = Option<u8>;

    fn poll_produce<'a>(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut store: StoreContextMut<'a, D>,
        destination: Destination<'a, u8, Option<u8>>,
        finish: bool,
    ) -> Poll<wasmtime::Result<StreamResult>> {
        let mut state = self.0.lock();
        if state.buffer.is_empty() {
            if state.written {
                self.0.end(&mut state);
                return Poll::Ready(Ok(StreamResult::Dropped));
            }
            if finish {
                return Poll::Ready(Ok(StreamResult::Cancelled));
            }
            state.reader = Some(cx.waker().clone());
            return Poll::Pending;
        }
        // A read of nothing asks whether bytes are ready: they are.
        if destination.remaining(&mut store) == Some(0) {
            return Poll::Ready(Ok(StreamResult::Completed));
        }
        let mut destination = destination.as_direct(store, state.buffer.len());
        let (front, _) = state.buffer.as_slices();
        let space = destination.remaining();
        let given = front.len().min(space.len());
        space[..given].copy_from_slice(&front[..given]);
        destination.mark_written(given);
        state.buffer.drain(..given);
        if let Some(writer) = state.writer.take() {
            writer.wake();
        }
        Poll::Ready(Ok(StreamResult::Completed))
    }
}

impl Drop for Out {
    /// The reader has gone.
    fn drop(&mut self) {
        let mut state = self.0.lock();
        state.unread = true;
        state.buffer.clear();
        self.0.end(&mut state);
        if let Some(writer) = state.writer.take() {
            writer.wake();
        }
    }
}
