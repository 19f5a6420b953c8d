//! A guest's own resources across the host: handles of a resource one
//! linked component defines, held by another.
//!
//! Linking defines each import one component takes from another in the
//! host's linker. A resource such an interface defines (`resource
//! tcp-socket`, say, exported by a deny component) needs a definition too,
//! and the provider's resource type cannot be named before it is
//! instantiated. So the host defines a resource of its own in its place, a
//! *proxy* ([`ResourceType::host_dynamic`], one payload per resource), and
//! keeps, per store, the provider's handle behind each proxy handle it gave
//! out ([`ProxyTable`]). Forwarded calls swap them: a proxy handle going to
//! the provider becomes the provider's handle (taken out of the table when
//! owned), a provider's handle coming back becomes a new proxy handle, and
//! dropping a proxy drops the provider's handle.

use std::borrow::Cow;
use std::sync::atomic::{AtomicU32, Ordering};

use wasmtime::component::types::{ComponentFunc, ComponentItem};
use wasmtime::component::{
    Component, LinkerInstance, ResourceAny, ResourceDynamic, ResourceType, Type, Val,
};
use wasmtime::{Engine, StoreContextMut};

use crate::state::StoreData;

/// Proxy payloads, unique in the process: one per resource of a wired
/// import, so that no two proxies are the same type.
static NEXT: AtomicU32 = AtomicU32::new(1);

/// The provider's handles behind the proxy handles one store gave out, by
/// the proxy's rep.
#[derive(Debug, Default)]
pub(crate) struct ProxyTable {
    slots: Vec<Option<ResourceAny>>,
    free: Vec<u32>,
}

impl ProxyTable {
    /// Keeps `handle`; the rep of its proxy.
    fn insert(&mut self, handle: ResourceAny) -> u32 {
        match self.free.pop() {
            Some(rep) => {
                self.slots[rep as usize] = Some(handle);
                rep
            }
            None => {
                self.slots.push(Some(handle));
                (self.slots.len() - 1) as u32
            }
        }
    }

    /// The handle behind the proxy `rep`, kept.
    fn get(&self, rep: u32) -> Option<ResourceAny> {
        self.slots.get(rep as usize).copied().flatten()
    }

    /// The handle behind the proxy `rep`, no longer kept.
    fn take(&mut self, rep: u32) -> Option<ResourceAny> {
        let handle = self.slots.get_mut(rep as usize)?.take()?;
        self.free.push(rep);
        Some(handle)
    }
}

/// The resources of a component's imports that the import itself defines
/// (rather than `use`s from an earlier one), by import: what a wired import
/// needs proxies for.
pub(crate) fn defined_resources(engine: &Engine, component: &Component) -> Vec<(String, String)> {
    let mut seen: Vec<ResourceType> = Vec::new();
    let mut defined = Vec::new();
    for (import, item) in component.component_type().imports(engine) {
        let ComponentItem::ComponentInstance(instance) = item.ty else {
            continue;
        };
        for (name, export) in instance.exports(engine) {
            if let ComponentItem::Resource(ty) = export.ty
                && !seen.contains(&ty)
            {
                seen.push(ty);
                defined.push((import.to_owned(), name.to_owned()));
            }
        }
    }
    defined
}

/// Defines the resource `name` in `instance` as a new proxy; its payload.
/// Dropping a proxy handle drops the provider's handle behind it.
pub(crate) fn define<T: Send + 'static>(
    instance: &mut LinkerInstance<'_, StoreData<T>>,
    name: &str,
) -> wasmtime::Result<u32> {
    let payload = NEXT.fetch_add(1, Ordering::Relaxed);
    instance.resource_async(
        name,
        ResourceType::host_dynamic(payload),
        |mut store, rep| {
            Box::new(async move {
                match store.data_mut().proxies.take(rep) {
                    Some(handle) => handle.resource_drop_async(&mut store).await,
                    None => Ok(()),
                }
            })
        },
    )?;
    Ok(payload)
}

/// A call's arguments as the provider takes them: `params` as they are
/// when the wire has no proxies, else with each proxy handle swapped for
/// the provider's handle behind it.
pub(crate) fn arguments<'a, T: Send>(
    store: StoreContextMut<'_, StoreData<T>>,
    payloads: &[u32],
    ty: &ComponentFunc,
    params: &'a [Val],
) -> wasmtime::Result<Cow<'a, [Val]>> {
    if payloads.is_empty() {
        return Ok(Cow::Borrowed(params));
    }
    let mut params = params.to_vec();
    to_provider(store, payloads, &mut params, ty.params().map(|(_, ty)| ty))?;
    Ok(Cow::Owned(params))
}

/// A call's results as the importer takes them: each handle of the
/// provider's resources swapped for a new proxy handle.
pub(crate) fn results<T: Send>(
    store: StoreContextMut<'_, StoreData<T>>,
    payloads: &[u32],
    ty: &ComponentFunc,
    results: &mut [Val],
) -> wasmtime::Result<()> {
    match payloads.is_empty() {
        true => Ok(()),
        false => to_importer(store, payloads, results, ty.results()),
    }
}

/// Swaps, in a call's arguments (of the importer's `types`), each proxy
/// handle of a payload in `payloads` for the provider's handle behind it.
fn to_provider<T: Send>(
    mut store: StoreContextMut<'_, StoreData<T>>,
    payloads: &[u32],
    values: &mut [Val],
    types: impl Iterator<Item = Type>,
) -> wasmtime::Result<()> {
    each_value(values, types, &mut |handle, _| {
        let proxied = payloads
            .iter()
            .any(|p| handle.ty() == ResourceType::host_dynamic(*p));
        if !proxied {
            return Ok(handle);
        }
        let proxy = ResourceDynamic::try_from_resource_any(handle, &mut store)?;
        let table = &mut store.data_mut().proxies;
        let behind = match proxy.owned() {
            true => table.take(proxy.rep()),
            false => table.get(proxy.rep()),
        };
        behind.ok_or_else(|| wasmtime::format_err!("a proxied resource was already dropped"))
    })
}

/// Swaps, in a call's results (of the importer's `types`), each handle of
/// the provider's resources for a new proxy handle.
fn to_importer<T: Send>(
    mut store: StoreContextMut<'_, StoreData<T>>,
    payloads: &[u32],
    values: &mut [Val],
    types: impl Iterator<Item = Type>,
) -> wasmtime::Result<()> {
    each_value(values, types, &mut |handle, declared| {
        let payload = payloads
            .iter()
            .find(|p| *declared == ResourceType::host_dynamic(**p));
        let Some(payload) = payload else {
            return Ok(handle);
        };
        let rep = store.data_mut().proxies.insert(handle);
        ResourceDynamic::new_own(rep, *payload).try_into_resource_any(&mut store)
    })
}

/// Calls `swap` on every resource handle in `values` (of the types
/// `types`) with the handle and its declared resource type, and puts back
/// what it returns.
fn each_value(
    values: &mut [Val],
    types: impl Iterator<Item = Type>,
    swap: &mut impl FnMut(ResourceAny, &ResourceType) -> wasmtime::Result<ResourceAny>,
) -> wasmtime::Result<()> {
    super::values::each_leaf_of(values, types, &mut |value, ty| {
        if let (Val::Resource(handle), Type::Own(declared) | Type::Borrow(declared)) = (value, ty) {
            *handle = swap(*handle, declared)?;
        }
        Ok(())
    })
}
