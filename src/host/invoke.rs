//! `wcomp run --invoke 'f(args)'`: call any exported function with WAVE
//! arguments and print its results as WAVE.
//!
//! Beyond WAVE, a `stream<u8>` argument is `@FILE` or `-` (stdin) and is
//! streamed in as the guest reads; a returned `stream<u8>` goes to stdout as
//! it arrives; a `future<T>` argument is a WAVE value of `T`, and a returned
//! one is awaited and printed. Results go to stdout, or to stderr when a
//! stream already writes to stdout.

use std::ops::Range;
use std::path::PathBuf;

use wasm_wave::value::Value as WValue;
use wasmtime::component::types::{ComponentFunc, ComponentItem};
use wasmtime::component::{
    Accessor, Component, ComponentExportIndex, ComponentType, FutureAny, FutureReader, Lift, Lower,
    StreamReader, Type, Val,
};
use wasmtime::{Engine, Store};

use super::error::RunError;
use super::state::HostState;
use super::streams::{ReaderProducer, ValueConsumer, WriterConsumer};
use super::{Host, Loaded, RunOptions, failure, wave, with_timeout};

/// A call as written: the function's name and each argument's text, with
/// their byte ranges in the call for diagnostics.
#[derive(Debug, PartialEq)]
struct Call<'a> {
    name: &'a str,
    name_span: Range<usize>,
    args: Vec<(&'a str, Range<usize>)>,
    close: usize,
}

fn bad_call(
    call: &str,
    message: impl Into<String>,
    span: Range<usize>,
    label: &str,
    help: &str,
) -> RunError {
    // An empty span at the very end would not be drawn: point at the last
    // character instead.
    let span = if span.is_empty() && span.start >= call.len() && !call.is_empty() {
        call.len() - 1..call.len()
    } else {
        span
    };
    RunError::BadCall {
        message: message.into(),
        call: call.to_owned(),
        span: span.into(),
        label: label.to_owned(),
        help: help.to_owned(),
    }
}

const CALL_HELP: &str =
    "write a call like `greet(\"world\")` or `pkg:ns/iface#f(1, [2, 3])`, arguments in WAVE syntax";

/// Splits `name(arg, arg, ...)` at its top-level commas, respecting quotes
/// and brackets.
fn split_call(call: &str) -> Result<Call<'_>, RunError> {
    let open = call.find('(').ok_or_else(|| {
        bad_call(
            call,
            "expected `(` after the function name",
            call.len()..call.len(),
            "here",
            CALL_HELP,
        )
    })?;
    let name = call[..open].trim();
    let name_start = call[..open].find(name).unwrap_or(0);
    if name.is_empty() {
        return Err(bad_call(
            call,
            "the function name is missing",
            0..open.max(1),
            "name expected",
            CALL_HELP,
        ));
    }
    let mut args = Vec::new();
    let mut depth = 0usize;
    let mut start = open + 1;
    let mut chars = call[open + 1..]
        .char_indices()
        .map(|(i, c)| (i + open + 1, c));
    let mut close = None;
    while let Some((i, c)) = chars.next() {
        match c {
            '"' | '\'' => {
                // Skip the literal, honouring backslash escapes.
                let quote = c;
                let mut closed = false;
                while let Some((_, c)) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        c if c == quote => {
                            closed = true;
                            break;
                        }
                        _ => {}
                    }
                }
                if !closed {
                    return Err(bad_call(
                        call,
                        "unterminated string",
                        i..call.len(),
                        "starts here",
                        CALL_HELP,
                    ));
                }
            }
            '(' | '[' | '{' => depth += 1,
            ')' if depth == 0 => {
                close = Some(i);
                break;
            }
            ')' | ']' | '}' => {
                depth = depth.checked_sub(1).ok_or_else(|| {
                    bad_call(
                        call,
                        format!("unbalanced `{c}`"),
                        i..i + 1,
                        "here",
                        CALL_HELP,
                    )
                })?;
            }
            ',' if depth == 0 => {
                args.push(trimmed(call, start..i));
                start = i + 1;
            }
            _ => {}
        }
    }
    let close = close.ok_or_else(|| {
        bad_call(
            call,
            "expected `)` to close the call",
            call.len()..call.len(),
            "here",
            CALL_HELP,
        )
    })?;
    let last = trimmed(call, start..close);
    if !last.0.is_empty() || !args.is_empty() {
        args.push(last);
    }
    if !call[close + 1..].trim().is_empty() {
        return Err(bad_call(
            call,
            "unexpected text after the call",
            close + 1..call.len(),
            "here",
            CALL_HELP,
        ));
    }
    if let Some((_, span)) = args.iter().find(|(text, _)| text.is_empty()) {
        return Err(bad_call(
            call,
            "empty argument",
            span.clone(),
            "argument expected",
            CALL_HELP,
        ));
    }
    Ok(Call {
        name,
        name_span: name_start..name_start + name.len(),
        args,
        close,
    })
}

/// `call[range]` without surrounding whitespace, and its narrowed range.
fn trimmed(call: &str, range: Range<usize>) -> (&str, Range<usize>) {
    let text = &call[range.clone()];
    let start = range.start + (text.len() - text.trim_start().len());
    let t = text.trim();
    (t, start..start + t.len())
}

/// Every exported function, as `f` (freestanding) or `pkg:ns/iface@v#f`.
pub fn exported_functions(engine: &Engine, component: &Component) -> Vec<String> {
    let mut out = Vec::new();
    for (name, export) in component.component_type().exports(engine) {
        match export.ty {
            ComponentItem::ComponentFunc(_) => out.push(name.to_owned()),
            ComponentItem::ComponentInstance(instance) => {
                for (func, item) in instance.exports(engine) {
                    if matches!(item.ty, ComponentItem::ComponentFunc(_)) {
                        out.push(format!("{name}#{func}"));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Exports that toolchains add for their own use: componentize-py's
/// `exports` instance and componentize-qjs's `init`.
pub fn is_toolchain_internal(function: &str) -> bool {
    function == "init" || function.starts_with("exports#")
}

/// Items as an indented list, one per line.
pub fn bullet_list(items: &[String]) -> String {
    if items.is_empty() {
        return "  (nothing)".to_owned();
    }
    items
        .iter()
        .map(|i| format!("  {i}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Finds the function a call names: `iface#f`, a freestanding `f`, or an
/// `f` that exactly one exported interface has.
fn find_function(
    host: &Host,
    loaded: &Loaded,
    call_text: &str,
    call: &Call<'_>,
) -> Result<(ComponentExportIndex, ComponentFunc, String), RunError> {
    let component = &loaded.component;
    let as_func = |instance: Option<&ComponentExportIndex>, name: &str| match component
        .get_export(instance, name)
    {
        Some((ComponentItem::ComponentFunc(ty), index)) => Some((index, ty)),
        _ => None,
    };
    let found = match call.name.split_once('#') {
        Some((iface, func)) => component
            .get_export_index(None, iface)
            .and_then(|instance| as_func(Some(&instance), func))
            .map(|(i, t)| (i, t, call.name.to_owned())),
        None => match as_func(None, call.name) {
            Some((i, t)) => Some((i, t, call.name.to_owned())),
            None => {
                let candidates: Vec<String> = exported_functions(&host.engine, component)
                    .into_iter()
                    .filter(|f| {
                        f.rsplit_once('#')
                            .is_some_and(|(_, name)| name == call.name)
                    })
                    .collect();
                if candidates.len() > 1 {
                    return Err(bad_call(
                        call_text,
                        format!("several interfaces export `{}`", call.name),
                        call.name_span.clone(),
                        "ambiguous",
                        &format!("name one of them:\n{}", bullet_list(&candidates)),
                    ));
                }
                candidates.first().and_then(|full| {
                    let (iface, func) = full.rsplit_once('#')?;
                    let instance = component.get_export_index(None, iface)?;
                    as_func(Some(&instance), func).map(|(i, t)| (i, t, full.clone()))
                })
            }
        },
    };
    found.ok_or_else(|| RunError::NoSuchFunction {
        component: loaded.name.clone(),
        name: call.name.to_owned(),
        exports: bullet_list(&exported_functions(&host.engine, component)),
    })
}

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

/// Builds the `Val` for one argument from its text.
fn argument(
    store: &mut Store<HostState>,
    call_text: &str,
    (text, span): &(&str, Range<usize>),
    name: &str,
    ty: &Type,
) -> Result<Val, RunError> {
    let bad = |message: String, help: &str| {
        bad_call(call_text, message, span.clone(), "this argument", help)
    };
    match ty {
        Type::Stream(stream) => {
            if !matches!(stream.ty(), Some(Type::U8)) {
                return Err(bad(
                    format!("`{name}` is a stream of a type other than u8"),
                    "only `stream<u8>` arguments can be given, as `@FILE` or `-`",
                ));
            }
            let producer = if *text == "-" {
                ReaderProducer::new(tokio::io::stdin())
            } else if let Some(path) = text.strip_prefix('@') {
                let file = std::fs::File::open(path).map_err(|source| RunError::Input {
                    path: PathBuf::from(path),
                    source,
                })?;
                ReaderProducer::new(tokio::fs::File::from_std(file))
            } else {
                return Err(bad(
                    format!("`{name}` is a `stream<u8>`"),
                    "give a stream as `@FILE` (read from a file) or `-` (read from stdin)",
                ));
            };
            let reader = StreamReader::new(&mut *store, producer).map_err(super::host_error)?;
            let any = reader
                .try_into_stream_any(&mut *store)
                .map_err(super::host_error)?;
            Ok(Val::Stream(any))
        }
        Type::Future(future) => {
            let payload = future.ty();
            let value = match &payload {
                Some(inner) => wave_value(call_text, text, span, name, inner)?,
                None => {
                    return Err(bad(
                        format!("`{name}` is a `future` without a value"),
                        FUTURE_TYPES,
                    ));
                }
            };
            with_payload!(payload, T => future_argument::<T>(store, &value)
                .ok_or_else(|| bad(format!("`{name}` does not match its type"), FUTURE_TYPES)),
                else => Err(bad(format!("`{name}` is a future of an unsupported type"), FUTURE_TYPES)))
        }
        _ => wave_value(call_text, text, span, name, ty),
    }
}

/// A ready `future<T>` holding `value`.
fn future_argument<T: Payload>(store: &mut Store<HostState>, value: &Val) -> Option<Val> {
    let value = T::from_val(value)?;
    let reader =
        FutureReader::new(&mut *store, async move { Ok::<_, wasmtime::Error>(value) }).ok()?;
    reader
        .try_into_future_any(&mut *store)
        .ok()
        .map(Val::Future)
}

/// Parses a WAVE argument of type `ty`, pointing into the call on error.
fn wave_value(
    call_text: &str,
    text: &str,
    span: &Range<usize>,
    name: &str,
    ty: &Type,
) -> Result<Val, RunError> {
    let wave_ty = wave::wave_ty(ty).ok_or_else(|| {
        bad_call(
            call_text,
            format!("`{name}` has a type WAVE cannot write (a resource or error context)"),
            span.clone(),
            "this argument",
            CALL_HELP,
        )
    })?;
    let value: WValue = wasm_wave::from_str(&wave_ty, text).map_err(|e| {
        let inner = e.span();
        let start = span.start + inner.start.min(text.len());
        let end = (span.start + inner.end.min(text.len()))
            .max(start + 1)
            .min(call_text.len().max(start + 1));
        bad_call(
            call_text,
            match e.detail() {
                Some(detail) => format!("argument `{name}`: {}: {detail}", e.kind()),
                None => format!("argument `{name}`: {}", e.kind()),
            },
            start..end,
            &format!("expected {}", wasm_wave::wasm::DisplayType(&wave_ty)),
            CALL_HELP,
        )
    })?;
    Ok(wave::to_val(&value))
}

/// What the call printed and whether a stream took stdout.
#[derive(Default)]
struct Printed {
    lines: Vec<String>,
    stdout_taken: bool,
    /// A `result` came back as an error.
    failed: bool,
}

/// Consumes one result: streams to stdout, futures awaited, the rest shown.
async fn result(
    a: &Accessor<HostState>,
    val: Val,
    ty: Type,
    printed: &mut Printed,
) -> wasmtime::Result<()> {
    match (val, ty) {
        (Val::Stream(stream), Type::Stream(st)) if matches!(st.ty(), Some(Type::U8)) => {
            let reader = StreamReader::<u8>::try_from_stream_any(stream)?;
            let (consumer, done) = WriterConsumer::new(tokio::io::stdout());
            a.with(|mut s| reader.pipe(&mut s, consumer))?;
            printed.stdout_taken = true;
            match done.await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                Ok(Err(e)) => return Err(wasmtime::Error::new(e)),
                Err(_) => {}
            }
        }
        (Val::Future(future), Type::Future(ft)) => {
            let payload = ft.ty();
            let value = with_payload!(payload.clone(), T => await_future::<T>(a, future).await?,
            else => {
                let mut future = future;
                a.with(|mut s| future.close(&mut s))?;
                printed.lines.push(format!("<future not shown: {FUTURE_TYPES}>"));
                return Ok(());
            });
            printed.lines.push(match (value, payload) {
                (Some(val), Some(ty)) => {
                    wave::show(&val, &ty).unwrap_or_else(|| format!("{val:?}"))
                }
                _ => "<future dropped without a value>".to_owned(),
            });
        }
        (Val::Tuple(items), Type::Tuple(types)) if types.types().any(|t| is_async(&t)) => {
            for (item, ty) in items.into_iter().zip(types.types()) {
                Box::pin(result(a, item, ty, printed)).await?;
            }
        }
        (val, ty) => {
            printed.failed |= matches!(val, Val::Result(Err(_)));
            printed
                .lines
                .push(wave::show(&val, &ty).unwrap_or_else(|| format!("{val:?}")));
        }
    }
    Ok(())
}

fn is_async(ty: &Type) -> bool {
    matches!(ty, Type::Stream(_) | Type::Future(_))
}

/// Waits for a guest's `future<T>`; `None` if it is dropped unwritten.
async fn await_future<T: Payload>(
    a: &Accessor<HostState>,
    future: FutureAny,
) -> wasmtime::Result<Option<Val>> {
    let reader = FutureReader::<T>::try_from_future_any(future)?;
    let (consumer, value) = ValueConsumer::<T>::new();
    a.with(|mut s| reader.pipe(&mut s, consumer))?;
    Ok(value.await.ok().map(T::into_val))
}

impl Host {
    /// Calls the function `call` names, prints its results, and returns the
    /// exit code (0, or 1 when it returns a `result` error).
    pub async fn invoke(
        &self,
        loaded: &Loaded,
        call_text: &str,
        opts: &RunOptions,
    ) -> Result<i32, RunError> {
        let call = split_call(call_text)?;
        let (index, ty, full_name) = find_function(self, loaded, call_text, &call)?;
        let params: Vec<(String, Type)> = ty.params().map(|(n, t)| (n.to_owned(), t)).collect();
        if params.len() != call.args.len() {
            let span = match call.args.first() {
                Some((_, first)) => first.start..call.args.last().map_or(first.end, |(_, s)| s.end),
                None => call.close..call.close + 1,
            };
            let signature: Vec<String> = params.iter().map(|(n, _)| n.clone()).collect();
            return Err(bad_call(
                call_text,
                format!(
                    "`{full_name}` takes {} argument(s), {} given",
                    params.len(),
                    call.args.len()
                ),
                span,
                "arguments",
                &format!("its parameters are ({})", signature.join(", ")),
            ));
        }
        let mut store = self.store(opts)?;
        let mut args = Vec::with_capacity(params.len());
        for (arg, (name, ty)) in call.args.iter().zip(&params) {
            args.push(argument(&mut store, call_text, arg, name, ty)?);
        }
        let result_types: Vec<Type> = ty.results().collect();
        let run = async {
            let instance = loaded.pre.instantiate_async(&mut store).await?;
            let func = instance
                .get_func(&mut store, index)
                .ok_or_else(|| wasmtime::format_err!("the export vanished after instantiation"))?;
            store
                .run_concurrent(async |a| -> wasmtime::Result<Printed> {
                    let mut results = vec![Val::Bool(false); result_types.len()];
                    func.call_concurrent(a, &args, &mut results).await?;
                    let mut printed = Printed::default();
                    for (val, ty) in results.into_iter().zip(result_types.iter().cloned()) {
                        result(a, val, ty, &mut printed).await?;
                    }
                    Ok(printed)
                })
                .await?
        };
        let printed = with_timeout(opts.limits.timeout, run)
            .await
            .map_err(|e| failure(&loaded.name, &full_name, &opts.limits, e))?;
        for line in &printed.lines {
            if printed.stdout_taken {
                eprintln!("{line}");
            } else {
                println!("{line}");
            }
        }
        Ok(i32::from(printed.failed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_calls() {
        let call = split_call(r#"greet("a, b", [1, 2], {x: 1})"#).unwrap();
        assert_eq!(call.name, "greet");
        let args: Vec<&str> = call.args.iter().map(|(a, _)| *a).collect();
        assert_eq!(args, [r#""a, b""#, "[1, 2]", "{x: 1}"]);
        let call = split_call("pkg:ns/iface@0.1.0#f( )").unwrap();
        assert_eq!(call.name, "pkg:ns/iface@0.1.0#f");
        assert!(call.args.is_empty());
        let call = split_call(r#"f(@in.bin, "\")")"#).unwrap();
        assert_eq!(call.args.len(), 2);
    }

    #[test]
    fn points_at_bad_calls() {
        for (call, at) in [
            ("greet", 4),
            ("(1)", 0),
            ("f(1, 2", 5),
            ("f(1,,2)", 4),
            (r#"f("open)"#, 2),
            ("f(1) x", 4),
            ("f(1])", 3),
        ] {
            let Err(RunError::BadCall { span, .. }) = split_call(call) else {
                panic!("{call} should not parse");
            };
            assert_eq!(span.offset(), at, "{call}");
        }
    }
}
