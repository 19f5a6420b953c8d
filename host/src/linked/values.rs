//! Walking a forwarded call's values down to the ones the host swaps:
//! resource handles (see [`super::proxy`]) and byte streams (see
//! [`super::relay`]).

use wasmtime::component::{Type, Val};

/// Calls `visit` on every value in `value` (of type `ty`) that holds no
/// other values (a handle, a stream, a number…) with its type, after
/// descending into lists, records, tuples, options, results and variants.
pub(crate) fn each_leaf(
    value: &mut Val,
    ty: &Type,
    visit: &mut impl FnMut(&mut Val, &Type) -> wasmtime::Result<()>,
) -> wasmtime::Result<()> {
    match (value, ty) {
        (Val::List(values), Type::List(list)) => {
            let ty = list.ty();
            for value in values {
                each_leaf(value, &ty, visit)?;
            }
        }
        (Val::Record(fields), Type::Record(record)) => {
            for ((_, value), field) in fields.iter_mut().zip(record.fields()) {
                each_leaf(value, &field.ty, visit)?;
            }
        }
        (Val::Tuple(values), Type::Tuple(tuple)) => {
            for (value, ty) in values.iter_mut().zip(tuple.types()) {
                each_leaf(value, &ty, visit)?;
            }
        }
        (Val::Option(Some(value)), Type::Option(option)) => {
            each_leaf(value, &option.ty(), visit)?;
        }
        (Val::Result(Ok(Some(value))), Type::Result(result)) => {
            if let Some(ty) = result.ok() {
                each_leaf(value, &ty, visit)?;
            }
        }
        (Val::Result(Err(Some(value))), Type::Result(result)) => {
            if let Some(ty) = result.err() {
                each_leaf(value, &ty, visit)?;
            }
        }
        (Val::Variant(name, Some(value)), Type::Variant(variant)) => {
            let case = variant.cases().find(|case| case.name == name.as_str());
            if let Some(ty) = case.and_then(|case| case.ty) {
                each_leaf(value, &ty, visit)?;
            }
        }
        (value, ty) => visit(value, ty)?,
    }
    Ok(())
}

/// [`each_leaf`] over each of `values`, of the types `types`.
pub(crate) fn each_leaf_of(
    values: &mut [Val],
    types: impl Iterator<Item = Type>,
    visit: &mut impl FnMut(&mut Val, &Type) -> wasmtime::Result<()>,
) -> wasmtime::Result<()> {
    for (value, ty) in values.iter_mut().zip(types) {
        each_leaf(value, &ty, visit)?;
    }
    Ok(())
}
