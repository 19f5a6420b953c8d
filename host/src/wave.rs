//! WAVE values to and from Wasmtime's dynamic `Val`s.
//!
//! Wasmtime's own `wave` feature is built on wasm-wave 0.254; wcomp pins the
//! 0.263 family, so it converts through wasm-wave's dynamic `Value` instead.

mod check;

use std::borrow::Cow;

use wasm_wave::value::{Type as WType, Value as WValue};
use wasm_wave::wasm::{WasmType, WasmTypeKind, WasmValue, WasmValueError};
use wasmtime::component::{Type, Val};

pub use check::check;

/// The WAVE type of a component type; `None` for types WAVE cannot write:
/// resources, streams, futures, error contexts.
pub fn wave_ty(t: &Type) -> Option<WType> {
    Some(match t {
        Type::Bool => WType::BOOL,
        Type::S8 => WType::S8,
        Type::U8 => WType::U8,
        Type::S16 => WType::S16,
        Type::U16 => WType::U16,
        Type::S32 => WType::S32,
        Type::U32 => WType::U32,
        Type::S64 => WType::S64,
        Type::U64 => WType::U64,
        Type::Float32 => WType::F32,
        Type::Float64 => WType::F64,
        Type::Char => WType::CHAR,
        Type::String => WType::STRING,
        Type::List(l) => WType::list(wave_ty(&l.ty())?),
        Type::FixedLengthList(l) => WType::fixed_length_list(wave_ty(&l.ty())?, l.len()),
        Type::Map(m) => WType::map(wave_ty(&m.key())?, wave_ty(&m.value())?)?,
        Type::Record(r) => WType::record(
            r.fields()
                .map(|f| Some((f.name, wave_ty(&f.ty)?)))
                .collect::<Option<Vec<_>>>()?,
        )?,
        Type::Tuple(t) => {
            WType::tuple(t.types().map(|t| wave_ty(&t)).collect::<Option<Vec<_>>>()?)?
        }
        Type::Variant(v) => WType::variant(
            v.cases()
                .map(|c| {
                    Some((
                        c.name,
                        match &c.ty {
                            Some(t) => Some(wave_ty(t)?),
                            None => None,
                        },
                    ))
                })
                .collect::<Option<Vec<_>>>()?,
        )?,
        Type::Enum(e) => WType::enum_ty(e.names())?,
        Type::Option(o) => WType::option(wave_ty(&o.ty())?),
        Type::Result(r) => WType::result(
            match r.ok() {
                Some(t) => Some(wave_ty(&t)?),
                None => None,
            },
            match r.err() {
                Some(t) => Some(wave_ty(&t)?),
                None => None,
            },
        ),
        Type::Flags(f) => WType::flags(f.names())?,
        Type::Own(_) | Type::Borrow(_) | Type::Future(_) | Type::Stream(_) | Type::ErrorContext => {
            return None;
        }
    })
}

/// A parsed WAVE value as a `Val` (no type handles are needed for the kinds
/// WAVE can express).
pub fn to_val(v: &WValue) -> Val {
    let b = |v: Cow<'_, WValue>| Box::new(to_val(&v));
    match v.kind() {
        WasmTypeKind::Bool => Val::Bool(v.unwrap_bool()),
        WasmTypeKind::S8 => Val::S8(v.unwrap_s8()),
        WasmTypeKind::S16 => Val::S16(v.unwrap_s16()),
        WasmTypeKind::S32 => Val::S32(v.unwrap_s32()),
        WasmTypeKind::S64 => Val::S64(v.unwrap_s64()),
        WasmTypeKind::U8 => Val::U8(v.unwrap_u8()),
        WasmTypeKind::U16 => Val::U16(v.unwrap_u16()),
        WasmTypeKind::U32 => Val::U32(v.unwrap_u32()),
        WasmTypeKind::U64 => Val::U64(v.unwrap_u64()),
        WasmTypeKind::F32 => Val::Float32(v.unwrap_f32()),
        WasmTypeKind::F64 => Val::Float64(v.unwrap_f64()),
        WasmTypeKind::Char => Val::Char(v.unwrap_char()),
        WasmTypeKind::String => Val::String(v.unwrap_string().into_owned()),
        WasmTypeKind::List => Val::List(v.unwrap_list().map(|x| to_val(&x)).collect()),
        WasmTypeKind::FixedLengthList => {
            Val::FixedLengthList(v.unwrap_list().map(|x| to_val(&x)).collect())
        }
        WasmTypeKind::Record => Val::Record(
            v.unwrap_record()
                .map(|(k, x)| (k.into_owned(), to_val(&x)))
                .collect(),
        ),
        WasmTypeKind::Tuple => Val::Tuple(v.unwrap_tuple().map(|x| to_val(&x)).collect()),
        WasmTypeKind::Variant => {
            let (case, payload) = v.unwrap_variant();
            Val::Variant(case.into_owned(), payload.map(b))
        }
        WasmTypeKind::Enum => Val::Enum(v.unwrap_enum().into_owned()),
        WasmTypeKind::Option => Val::Option(v.unwrap_option().map(b)),
        WasmTypeKind::Result => Val::Result(match v.unwrap_result() {
            Ok(x) => Ok(x.map(b)),
            Err(x) => Err(x.map(b)),
        }),
        WasmTypeKind::Flags => Val::Flags(v.unwrap_flags().map(|s| s.into_owned()).collect()),
        WasmTypeKind::Map => Val::Map(
            v.unwrap_map()
                .map(|(k, x)| (to_val(&k), to_val(&x)))
                .collect(),
        ),
        // `wave_ty` never produces a type of another kind, so the parser
        // cannot have produced a value of one.
        _ => Val::Bool(false),
    }
}

/// A `Val` as a WAVE value of type `ty`, for printing.
pub fn from_val(v: &Val, ty: &WType) -> Result<WValue, WasmValueError> {
    match scalar(v) {
        Some(value) => Ok(value),
        None => compound(v, ty),
    }
}

/// A scalar `Val` (a number, `bool`, `char` or string) as a WAVE value;
/// `None` for any other kind.
fn scalar(v: &Val) -> Option<WValue> {
    Some(match v {
        Val::Bool(x) => WValue::make_bool(*x),
        Val::S8(x) => WValue::make_s8(*x),
        Val::U8(x) => WValue::make_u8(*x),
        Val::S16(x) => WValue::make_s16(*x),
        Val::U16(x) => WValue::make_u16(*x),
        Val::S32(x) => WValue::make_s32(*x),
        Val::U32(x) => WValue::make_u32(*x),
        Val::S64(x) => WValue::make_s64(*x),
        Val::U64(x) => WValue::make_u64(*x),
        Val::Float32(x) => WValue::make_f32(*x),
        Val::Float64(x) => WValue::make_f64(*x),
        Val::Char(x) => WValue::make_char(*x),
        Val::String(s) => WValue::make_string(Cow::Borrowed(s)),
        _ => return None,
    })
}

/// The error for a `Val` that does not fit the WAVE type `ty`.
fn mismatch(v: &Val, ty: &WType) -> WasmValueError {
    WasmValueError::WrongValueType {
        ty: wasm_wave::wasm::DisplayType(ty).to_string(),
        val: format!("{v:?}"),
    }
}

/// A `Val` made of other values (a list, record, tuple, map, flags or an
/// enum, or one with an optional payload) as a WAVE value of type `ty`.
fn compound(v: &Val, ty: &WType) -> Result<WValue, WasmValueError> {
    Ok(match v {
        Val::List(xs) | Val::FixedLengthList(xs) => {
            let et = ty.list_element_type().ok_or_else(|| mismatch(v, ty))?;
            let items = xs.iter().map(|x| from_val(x, &et));
            WValue::make_list(ty, items.collect::<Result<Vec<_>, _>>()?)?
        }
        Val::Record(fs) => {
            let tys: Vec<_> = ty.record_fields().map(|(_, t)| t).collect();
            let vals = fs
                .iter()
                .zip(&tys)
                .map(|((n, x), t)| Ok((n.as_str(), from_val(x, t)?)))
                .collect::<Result<Vec<_>, _>>()?;
            WValue::make_record(ty, vals)?
        }
        Val::Tuple(xs) => {
            let tys: Vec<_> = ty.tuple_element_types().collect();
            let items = xs.iter().zip(&tys).map(|(x, t)| from_val(x, t));
            WValue::make_tuple(ty, items.collect::<Result<Vec<_>, _>>()?)?
        }
        Val::Enum(case) => WValue::make_enum(ty, case)?,
        Val::Flags(names) => WValue::make_flags(ty, names.iter().map(|s| s.as_str()))?,
        Val::Map(entries) => {
            let (key_t, value_t) = ty.map_key_value_types().ok_or_else(|| mismatch(v, ty))?;
            let pairs = entries
                .iter()
                .map(|(k, v)| Ok((from_val(k, &key_t)?, from_val(v, &value_t)?)));
            WValue::make_map(ty, pairs.collect::<Result<Vec<_>, _>>()?)?
        }
        Val::Variant(..) | Val::Option(_) | Val::Result(_) => with_payload(v, ty)?,
        _ => {
            return Err(WasmValueError::UnsupportedType(
                wasm_wave::wasm::DisplayType(ty).to_string(),
            ));
        }
    })
}

/// A variant, option or result `Val` as a WAVE value of type `ty`.
fn with_payload(v: &Val, ty: &WType) -> Result<WValue, WasmValueError> {
    let payload = |x: &Option<Box<Val>>, t: Option<WType>| match (x, t) {
        (Some(x), Some(t)) => from_val(x, &t).map(Some),
        _ => Ok(None),
    };
    match v {
        Val::Variant(case, x) => {
            let t = ty
                .variant_cases()
                .find(|(n, _)| n == case)
                .and_then(|(_, t)| t);
            WValue::make_variant(ty, case, payload(x, t)?)
        }
        Val::Option(x) => {
            let t = ty.option_some_type().ok_or_else(|| mismatch(v, ty))?;
            WValue::make_option(ty, payload(x, Some(t))?)
        }
        Val::Result(r) => {
            let (ok_t, err_t) = ty.result_types().ok_or_else(|| mismatch(v, ty))?;
            let r = match r {
                Ok(x) => Ok(payload(x, ok_t)?),
                Err(x) => Err(payload(x, err_t)?),
            };
            WValue::make_result(ty, r)
        }
        _ => Err(mismatch(v, ty)),
    }
}

/// `val` of type `ty` in WAVE syntax; values WAVE cannot write (resources)
/// are shown in Wasmtime's own notation.
pub fn show(val: &Val, ty: &Type) -> String {
    wave_ty(ty)
        .and_then(|wave| from_val(val, &wave).ok())
        .and_then(|value| wasm_wave::to_string(&value).ok())
        .unwrap_or_else(|| format!("{val:?}"))
}
