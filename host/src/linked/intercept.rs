//! Answering calls between linked components in the host: what `wcomp
//! test`'s mocks use to match on arguments and to record them.
//!
//! Every call one linked component makes to another crosses the host (see
//! [`crate::linked`]). An [`Intercept`] given in
//! [`RunOptions`](crate::RunOptions) sees each one first, with its
//! arguments as [`Val`]s, and may answer it in the callee's place; a call
//! it lets through goes on to the callee as it would have.

use wasm_wave::value::{Type as WType, Value as WValue};
use wasm_wave::wasm::DisplayType;
use wasmtime::StoreContextMut;
use wasmtime::component::types::ComponentFunc;
use wasmtime::component::{StreamReader, Type, Val};
use wcomp_core::arguments::{Arguments, arguments};

use crate::trace::Call;

/// Sees each call between an app's linked components before it is
/// forwarded.
pub trait Intercept: Send + Sync + std::fmt::Debug + 'static {
    /// Answers `call` (of the function type `ty`) with `params` in the
    /// callee's place: writes `results` and returns `true`; or returns
    /// `false` to let the call through to the callee. An error traps the
    /// caller, with its message.
    ///
    /// A result of type `stream<u8>` is answered with a [`Val::List`] of
    /// [`Val::U8`]s: the host gives the caller a stream that yields those
    /// bytes, then ends.
    fn intercept(
        &self,
        call: &Call,
        ty: &ComponentFunc,
        params: &[Val],
        results: &mut [Val],
    ) -> wasmtime::Result<bool>;
}

/// What the host does once an intercept answered a call in the callee's
/// place: the streams and futures the caller handed over, which no callee
/// will read, are closed (so that their writers see the reader gone rather
/// than wait for it), and `stream<u8>` results answered as bytes become
/// streams.
pub(crate) fn settle<D: Send + 'static>(
    mut store: StoreContextMut<'_, D>,
    ty: &ComponentFunc,
    params: &[Val],
    results: &mut [Val],
) -> wasmtime::Result<()> {
    let mut given = params.to_vec();
    let types = ty.params().map(|(_, ty)| ty);
    super::values::each_leaf_of(&mut given, types, &mut |value, _| match value {
        Val::Stream(stream) => stream.close(&mut store),
        Val::Future(future) => future.close(&mut store),
        _ => Ok(()),
    })?;
    streams_of_bytes(store, ty, results)
}

/// Makes a stream of each `stream<u8>` result an intercept answered with a
/// list of bytes (see [`Intercept::intercept`]).
fn streams_of_bytes<D: Send + 'static>(
    mut store: StoreContextMut<'_, D>,
    ty: &ComponentFunc,
    results: &mut [Val],
) -> wasmtime::Result<()> {
    for (ty, value) in ty.results().zip(results.iter_mut()) {
        let (Type::Stream(stream), Val::List(list)) = (&ty, &*value) else {
            continue;
        };
        if !matches!(stream.ty(), Some(Type::U8)) {
            continue;
        }
        let bytes = list
            .iter()
            .map(|b| match b {
                Val::U8(b) => Ok(*b),
                _ => Err(wasmtime::format_err!(
                    "a `stream<u8>` was answered with a list of other values"
                )),
            })
            .collect::<wasmtime::Result<Vec<u8>>>()?;
        let producer = crate::streams::ReaderProducer::new(std::io::Cursor::new(bytes));
        let reader = StreamReader::new(&mut store, producer)?;
        *value = Val::Stream(reader.try_into_stream_any(&mut store)?);
    }
    Ok(())
}

/// The arguments `text` writes for parameters of `types`, in WAVE as a
/// call writes them: `(1, "a")`, `(1)` for one, `()` for none; or why not.
pub fn parse_arguments(text: &str, types: &[Type]) -> Result<Vec<Val>, String> {
    let written = arguments(text, types.len()).map_err(|e| format!("`{text}`: {e}"))?;
    match (written, types) {
        (Arguments::One(value), [one]) => Ok(vec![parse_value(value, one)?]),
        (Arguments::Tuple(tuple_text), many) => {
            let waves: Option<Vec<WType>> = many.iter().map(crate::wave::wave_ty).collect();
            let tuple = waves
                .and_then(WType::tuple)
                .ok_or_else(|| format!("`{text}`: a parameter's type cannot be written in WAVE"))?;
            match parse(&tuple_text, &tuple)? {
                Val::Tuple(values) => Ok(values),
                other => Ok(vec![other]),
            }
        }
        _ => Ok(Vec::new()),
    }
}

/// The value `text` writes, of type `ty`, or why not.
pub fn parse_value(text: &str, ty: &Type) -> Result<Val, String> {
    let wave = crate::wave::wave_ty(ty)
        .ok_or_else(|| format!("`{text}`: its type cannot be written in WAVE"))?;
    parse(text, &wave)
}

fn parse(text: &str, ty: &WType) -> Result<Val, String> {
    let value: WValue = wasm_wave::from_str(ty, text)
        .map_err(|e| format!("`{text}` is not a `{}`: {e}", DisplayType(ty)))?;
    Ok(crate::wave::to_val(&value))
}

/// `values` of `types` in WAVE, as a call writes them: `(1, "a")`.
pub fn show_arguments(values: &[Val], types: &[Type]) -> String {
    let shown: Vec<String> = values
        .iter()
        .zip(types)
        .map(|(value, ty)| crate::wave::show(value, ty))
        .collect();
    format!("({})", shown.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_read_and_shown_as_a_call_writes_them() {
        let (u32_, string) = (Type::U32, Type::String);
        let two = parse_arguments("(1, \"a\")", &[u32_.clone(), string.clone()]).unwrap();
        assert_eq!(two, [Val::U32(1), Val::String("a".into())]);
        assert_eq!(show_arguments(&two, &[u32_.clone(), string]), "(1, \"a\")");
        assert_eq!(
            parse_arguments(" (7) ", std::slice::from_ref(&u32_)).unwrap(),
            [Val::U32(7)]
        );
        assert_eq!(parse_arguments("()", &[]).unwrap(), []);
        assert!(parse_arguments("1, 2", &[u32_.clone(), u32_.clone()]).is_err());
        assert!(
            parse_arguments("(\"x\")", std::slice::from_ref(&u32_))
                .unwrap_err()
                .contains("u32")
        );
        assert!(parse_arguments("(1)", &[]).is_err());
    }
}
