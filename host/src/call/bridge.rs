//! Bridging an `--invoke` call's text and the component's values: WAVE
//! arguments into `Val`s, and results back into WAVE; a `stream<u8>`
//! argument fed from a file or stdin as the guest reads, a returned
//! `stream<u8>` written to stdout as it arrives, and `future<T>`s in both
//! directions.

use std::ops::Range;
use std::path::PathBuf;

use wasm_wave::parser::ParserError;
use wasm_wave::untyped::UntypedValue;
use wasm_wave::value::Value as WValue;
use wasmtime::Store;
use wasmtime::component::{
    Accessor, ComponentType, FutureAny, FutureReader, Lift, Lower, StreamReader, Type, Val,
};

use super::syntax::{self, Call};
use crate::error::{BadCall, RunError, cause};
use crate::state::Stdio;
use crate::streams::{self, ReaderProducer, ValueConsumer, WriterConsumer};
use crate::wave;

/// A payload type wcomp can carry in a `future<T>` across the host boundary.
trait Payload: ComponentType + Lift + Lower + Send + Sync + Sized + 'static {
    fn from_val(val: &Val) -> Option<Self>;
    fn into_val(self) -> Val;
}

macro_rules! payloads {
    ($($ty:ty => $variant:ident),* $(,)?) => {
        $(impl Payload for $ty {
            fn from_val(val: &Val) -> Option<Self> {
                match val {
                    Val::$variant(v) => Some(v.clone()),
                    _ => None,
                }
            }
            fn into_val(self) -> Val {
                Val::$variant(self)
            }
        })*
    };
}

payloads! {
    bool => Bool, u8 => U8, u16 => U16, u32 => U32, u64 => U64,
    i8 => S8, i16 => S16, i32 => S32, i64 => S64,
    f32 => Float32, f64 => Float64, char => Char, String => String,
}

/// Runs `$body` with `$T` bound to the Rust type of a future's payload.
macro_rules! with_payload {
    ($payload:expr, $T:ident => $body:expr, else => $other:expr) => {
        match $payload {
            Some(Type::Bool) => {
                type $T = bool;
                $body
            }
            Some(Type::U8) => {
                type $T = u8;
                $body
            }
            Some(Type::U16) => {
                type $T = u16;
                $body
            }
            Some(Type::U32) => {
                type $T = u32;
                $body
            }
            Some(Type::U64) => {
                type $T = u64;
                $body
            }
            Some(Type::S8) => {
                type $T = i8;
                $body
            }
            Some(Type::S16) => {
                type $T = i16;
                $body
            }
            Some(Type::S32) => {
                type $T = i32;
                $body
            }
            Some(Type::S64) => {
                type $T = i64;
                $body
            }
            Some(Type::Float32) => {
                type $T = f32;
                $body
            }
            Some(Type::Float64) => {
                type $T = f64;
                $body
            }
            Some(Type::Char) => {
                type $T = char;
                $body
            }
            Some(Type::String) => {
                type $T = String;
                $body
            }
            _ => $other,
        }
    };
}

const FUTURE_TYPES: &str = "futures of bool, integers, floats, char and string are supported";

/// The `Val` of every argument of `call`, for parameters `params`.
pub(crate) fn arguments<D: Send + 'static>(
    store: &mut Store<D>,
    call: &Call,
    params: &[(String, Type)],
    stdio: &Stdio,
) -> Result<Vec<Val>, RunError> {
    call.args()
        .zip(params)
        .map(|(arg, (name, ty))| argument(store, call, arg, name, ty, stdio))
        .collect()
}

/// Builds the `Val` for one argument from its text.
fn argument<D: Send + 'static>(
    store: &mut Store<D>,
    call: &Call,
    (text, span): (&str, Range<usize>),
    name: &str,
    ty: &Type,
    stdio: &Stdio,
) -> Result<Val, RunError> {
    match ty {
        Type::Stream(stream) => {
            if !matches!(stream.ty(), Some(Type::U8)) {
                return Err(call
                    .error(
                        format!("`{name}` is a stream of a type other than u8"),
                        span,
                        "this argument",
                        "only `stream<u8>` arguments can be given, as `@FILE` or `-`",
                    )
                    .into());
            }
            stream_argument(store, call, (text, span), name, stdio)
        }
        Type::Future(future) => future_argument(store, call, (text, span), name, future.ty()),
        _ => Ok(wave_value(call, text, span, name, ty)?),
    }
}

/// A `stream<u8>` fed from `@FILE` or `-` (stdin).
fn stream_argument<D: Send + 'static>(
    store: &mut Store<D>,
    call: &Call,
    (text, span): (&str, Range<usize>),
    name: &str,
    stdio: &Stdio,
) -> Result<Val, RunError> {
    let producer = if text == "-" {
        ReaderProducer::boxed(stdio.stdin_reader())
    } else if let Some(path) = text.strip_prefix('@') {
        ReaderProducer::boxed(streams::read_file(path).map_err(|source| RunError::Input {
            path: PathBuf::from(path),
            source,
        })?)
    } else {
        return Err(call
            .error(
                format!("`{name}` is a `stream<u8>`"),
                span,
                "this argument",
                "give a stream as `@FILE` (read from a file) or `-` (read from stdin)",
            )
            .into());
    };
    let store_error = |e| RunError::Store {
        component: call.name().to_owned(),
        source: cause(e),
    };
    let reader = StreamReader::new(&mut *store, producer).map_err(store_error)?;
    let any = reader
        .try_into_stream_any(&mut *store)
        .map_err(store_error)?;
    Ok(Val::Stream(any))
}

/// A ready `future<T>` holding the argument's value.
fn future_argument<D: Send + 'static>(
    store: &mut Store<D>,
    call: &Call,
    (text, span): (&str, Range<usize>),
    name: &str,
    payload: Option<Type>,
) -> Result<Val, RunError> {
    let bad = |message: String| call.error(message, span.clone(), "this argument", FUTURE_TYPES);
    let Some(inner) = &payload else {
        return Err(bad(format!("`{name}` is a `future` without a value")).into());
    };
    let value = wave_value(call, text, span.clone(), name, inner)?;
    with_payload!(payload, T => ready_future::<T, _>(store, &value)
        .ok_or_else(|| bad(format!("`{name}` does not match its type")).into()),
        else => Err(bad(format!("`{name}` is a future of an unsupported type")).into()))
}

/// A ready `future<T>` holding `value`.
fn ready_future<T: Payload, D: Send + 'static>(store: &mut Store<D>, value: &Val) -> Option<Val> {
    let value = T::from_val(value)?;
    let reader =
        FutureReader::new(&mut *store, async move { Ok::<_, wasmtime::Error>(value) }).ok()?;
    reader
        .try_into_future_any(&mut *store)
        .ok()
        .map(Val::Future)
}

/// Parses a WAVE argument of type `ty`, pointing into the call on error:
/// what the type rules out by name (a field, a case, a flag, a float out of
/// range), anything else as WAVE reports it.
pub(crate) fn wave_value(
    call: &Call,
    text: &str,
    span: Range<usize>,
    name: &str,
    ty: &Type,
) -> Result<Val, BadCall> {
    let wave_ty = wave::wave_ty(ty).ok_or_else(|| {
        call.error(
            format!("`{name}` has a type WAVE cannot write (a resource or error context)"),
            span.clone(),
            "this argument",
            syntax::help(),
        )
    })?;
    let expected = format!("expected {}", wasm_wave::wasm::DisplayType(&wave_ty));
    let wave_error = |e: ParserError| {
        let inner = e.span();
        let start = span.start + inner.start.min(text.len());
        let end = (span.start + inner.end.min(text.len())).max(start + 1);
        let end = end.min(call.text().len().max(start + 1));
        // A conversion error keeps its account (a missing payload, say) as
        // its source rather than its detail.
        let detail = match (e.detail(), std::error::Error::source(&e)) {
            (Some(detail), _) => format!("{}: {detail}", e.kind()),
            (None, Some(source)) => source.to_string(),
            (None, None) => e.kind().to_string(),
        };
        call.error(
            format!("argument `{name}`: {detail}"),
            start..end,
            &expected,
            syntax::help(),
        )
    };
    // wasm-wave 0.263's lexer panics on a `//` comment that ends the text
    // (found by fuzzing `invoke_call`); a trailing newline always ends one.
    let padded = format!("{text}\n");
    let parsed = UntypedValue::parse(&padded).map_err(wave_error)?;
    wave::check(parsed.node(), &padded, &wave_ty).map_err(|mismatch| {
        let inner = mismatch.span();
        call.error(
            format!("argument `{name}`: {mismatch}"),
            span.start + inner.start..span.start + inner.end,
            &mismatch.label(),
            &mismatch.help(),
        )
    })?;
    let value: WValue = parsed.to_wasm_value(&wave_ty).map_err(wave_error)?;
    Ok(wave::to_val(&value))
}

/// What a call produced: its results in WAVE, whether a stream result was
/// written to stdout, and whether a `result` came back as an error.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct Invocation {
    /// Each result (or each value inside a tuple of streams and futures) in
    /// WAVE syntax, in order; streams are not listed.
    pub results: Vec<String>,
    /// A returned `stream<u8>` was written to the caller's stdout.
    pub stdout_taken: bool,
    /// A returned `result` was an `err`.
    pub failed: bool,
    /// The guest's linear memory, in bytes, once the call and its streams
    /// were done: its peak, as the memory limiter counted it.
    pub guest_memory: u64,
}

/// Consumes one result: streams to stdout, futures awaited, the rest shown.
pub(crate) async fn result<D: Send + 'static>(
    a: &Accessor<D>,
    val: Val,
    ty: Type,
    out: &mut Invocation,
    stdio: &Stdio,
) -> wasmtime::Result<()> {
    match (val, ty) {
        (Val::Stream(stream), Type::Stream(st)) if matches!(st.ty(), Some(Type::U8)) => {
            out.stdout_taken = true;
            stream_to_stdout(a, stream, stdio).await?;
        }
        (Val::Future(future), Type::Future(ft)) => {
            let shown = future_result(a, future, ft.ty()).await?;
            out.results.push(shown);
        }
        (Val::Tuple(items), Type::Tuple(types)) if types.types().any(|t| is_async(&t)) => {
            for (item, ty) in items.into_iter().zip(types.types()) {
                Box::pin(result(a, item, ty, out, stdio)).await?;
            }
        }
        (val, ty) => {
            out.failed |= matches!(val, Val::Result(Err(_)));
            out.results.push(wave::show(&val, &ty));
        }
    }
    Ok(())
}

/// Writes a returned `stream<u8>` to the caller's stdout as it arrives; a
/// reader that went away (`| head`) ends it quietly.
async fn stream_to_stdout<D: Send + 'static>(
    a: &Accessor<D>,
    stream: wasmtime::component::StreamAny,
    stdio: &Stdio,
) -> wasmtime::Result<()> {
    let reader = StreamReader::<u8>::try_from_stream_any(stream)?;
    let (consumer, done) = WriterConsumer::new(stdio.stdout_writer());
    a.with(|mut s| reader.pipe(&mut s, consumer))?;
    match done.await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Ok(Err(e)) => Err(wasmtime::Error::new(e)),
        Err(_) => Ok(()),
    }
}

/// Awaits a returned `future<T>` and shows its value.
async fn future_result<D: Send + 'static>(
    a: &Accessor<D>,
    future: FutureAny,
    payload: Option<Type>,
) -> wasmtime::Result<String> {
    let value = with_payload!(payload.clone(), T => await_future::<T, _>(a, future).await?,
    else => {
        let mut future = future;
        a.with(|mut s| future.close(&mut s))?;
        return Ok(format!("<future not shown: {FUTURE_TYPES}>"));
    });
    Ok(match (value, payload) {
        (Some(val), Some(ty)) => wave::show(&val, &ty),
        _ => "<future dropped without a value>".to_owned(),
    })
}

fn is_async(ty: &Type) -> bool {
    matches!(ty, Type::Stream(_) | Type::Future(_))
}

/// Waits for a guest's `future<T>`; `None` if it is dropped unwritten.
async fn await_future<T: Payload, D: Send + 'static>(
    a: &Accessor<D>,
    future: FutureAny,
) -> wasmtime::Result<Option<Val>> {
    let reader = FutureReader::<T>::try_from_future_any(future)?;
    let (consumer, value) = ValueConsumer::<T>::new();
    a.with(|mut s| reader.pipe(&mut s, consumer))?;
    Ok(value.await.ok().map(T::into_val))
}
