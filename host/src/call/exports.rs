//! Finding the function a call names among a component's exports.

use wasmtime::Engine;
use wasmtime::component::types::{ComponentFunc, ComponentItem};
use wasmtime::component::{Component, ComponentExportIndex};
use wcomp_core::names::is_toolchain_export;

use super::syntax::Call;
use crate::Loaded;
use crate::error::RunError;

/// The most lines a list of exports shows before it says how many more.
const LIST_LIMIT: usize = 30;

/// Every exported function, as `f` (freestanding) or `pkg:ns/iface@v#f`,
/// without those toolchains add for their own use.
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
    out.retain(|f| !is_toolchain_export(f));
    out
}

/// Items as an indented list, one per line; a long one ends with a count of
/// what it leaves out.
pub(crate) fn bullet_list(items: &[String]) -> String {
    if items.is_empty() {
        return "  (nothing)".to_owned();
    }
    let mut lines: Vec<String> = items
        .iter()
        .take(LIST_LIMIT)
        .map(|i| format!("  {i}"))
        .collect();
    if items.len() > LIST_LIMIT {
        lines.push(format!("  ... and {} more", items.len() - LIST_LIMIT));
    }
    lines.join("\n")
}

/// A function found for a call: its index, type and full name.
pub(crate) struct Found {
    pub index: ComponentExportIndex,
    pub ty: ComponentFunc,
    pub name: String,
}

/// Finds the function a call names: `iface#f`, a freestanding `f`, or an
/// `f` that exactly one exported interface has.
pub(crate) fn find_function<T>(
    engine: &Engine,
    loaded: &Loaded<T>,
    call: &Call,
) -> Result<Found, RunError> {
    let component = &loaded.component;
    let found = match call.name().split_once('#') {
        Some((iface, func)) => lookup(component, Some(iface), func, call.name()),
        None => match lookup(component, None, call.name(), call.name()) {
            Some(found) => Some(found),
            None => unique_in_an_interface(engine, component, call)?,
        },
    };
    found.ok_or_else(|| RunError::NoSuchFunction {
        component: loaded.name.clone(),
        name: call.name().to_owned(),
        exports: bullet_list(&exported_functions(engine, component)),
    })
}

/// The function `func`, freestanding or in exported instance `iface`.
fn lookup(component: &Component, iface: Option<&str>, func: &str, full: &str) -> Option<Found> {
    let instance = match iface {
        Some(iface) => Some(component.get_export_index(None, iface)?),
        None => None,
    };
    match component.get_export(instance.as_ref(), func) {
        Some((ComponentItem::ComponentFunc(ty), index)) => Some(Found {
            index,
            ty,
            name: full.to_owned(),
        }),
        _ => None,
    }
}

/// The function named `call.name()` in whichever exported interface has
/// one; several are an error that lists them.
fn unique_in_an_interface(
    engine: &Engine,
    component: &Component,
    call: &Call,
) -> Result<Option<Found>, RunError> {
    let candidates: Vec<String> = exported_functions(engine, component)
        .into_iter()
        .filter(|f| {
            f.rsplit_once('#')
                .is_some_and(|(_, name)| name == call.name())
        })
        .collect();
    if candidates.len() > 1 {
        return Err(call
            .name_error(
                format!("several interfaces export `{}`", call.name()),
                "ambiguous",
                &format!("name one of them:\n{}", bullet_list(&candidates)),
            )
            .into());
    }
    Ok(candidates.first().and_then(|full| {
        let (iface, func) = full.rsplit_once('#')?;
        lookup(component, Some(iface), func, full)
    }))
}
