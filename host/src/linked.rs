//! Running an app as its components, each compiled (and cached) on its own
//! and linked by the host, rather than as one composed component.
//!
//! Wasmtime compiles a component as one unit: after an edit of one
//! component of an app, the composed component is new code, and loading it
//! translates every function of every component again (the per-function
//! cache spares only Cranelift's back end). Linked, the components that did
//! not change load from the whole-component cache in milliseconds, and only
//! the changed one is compiled. `wcomp dev` runs apps this way.
//!
//! Each import of a component that another component satisfies is defined
//! in that component's linker as a host function forwarding the call to the
//! provider's export in the same store. Values cross as [`Val`]s, handles
//! of the host's resources included; a WASI 0.3 `async func` crosses as a
//! concurrent host function, one more task of the store's event loop.
//! Streams and futures cross too, on a host with concurrency: their ends
//! move from one component to the other through the host. A resource a
//! component defines crosses as a proxy the host defines in its place (see
//! [`proxy`]). What still cannot be forwarded (streams on a host without
//! concurrency) is refused with [`RunError::NotLinkable`] (run it composed).
//!
//! Every forwarded call is one place to watch the calls between an app's
//! components: with a [`Tracer`](crate::trace::Tracer) in the run's
//! options, each is recorded as a span.

use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use wasmtime::component::types::{ComponentFunc, ComponentItem};
use wasmtime::component::{
    Accessor, Component, ComponentExportIndex, Instance, InstancePre, Linker, LinkerInstance, Type,
    Val,
};
use wasmtime::{AsContextMut, Engine, Store, StoreContextMut};

use crate::Host;
use crate::cache::{FunctionReuse, Outcome};
use crate::error::RunError;
use crate::imports::Selection;
use crate::load::{Compiled, Loaded, Pre};
use crate::state::StoreData;
use crate::trace::{Call, Ending, Entered, StoreTrace};

mod intercept;
pub(crate) mod proxy;
mod relay;

pub use intercept::{Intercept, parse_arguments, parse_value, show_arguments};
mod values;

/// One component of an app to link, given after every component it imports
/// from.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Part<'a> {
    /// Its name in the app, for messages.
    pub name: &'a str,
    /// Where it was read from, for messages.
    pub path: &'a Path,
    /// The component's bytes.
    pub bytes: &'a [u8],
    /// The imports other parts satisfy; the host satisfies the rest.
    pub wires: Vec<Wire>,
}

impl<'a> Part<'a> {
    /// The component `name`, read from `path`, whose imports `wires` are
    /// satisfied by earlier parts.
    pub fn new(name: &'a str, path: &'a Path, bytes: &'a [u8], wires: Vec<Wire>) -> Self {
        Part {
            name,
            path,
            bytes,
            wires,
        }
    }
}

/// An import of a part satisfied by an export of an earlier part.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Wire {
    /// The import's name (`demo:text/transform@0.1.0`, or a function's).
    pub import: String,
    /// The index of the providing part in the list given to
    /// [`Host::load_linked`].
    pub provider: usize,
    /// The provider's export of that name.
    pub export: String,
}

impl Wire {
    /// The import `import`, satisfied by the export `export` of the part
    /// at index `provider`.
    pub fn new(import: impl Into<String>, provider: usize, export: impl Into<String>) -> Self {
        Wire {
            import: import.into(),
            provider,
            export: export.into(),
        }
    }
}

/// The parts of a linked app, ready to instantiate in one store: the last
/// is the app's main component.
pub(crate) struct Linked<T: 'static> {
    parts: Vec<InstancePre<StoreData<T>>>,
    /// Each part's name, for the spans of the host calls it makes while
    /// it is instantiated.
    names: Vec<Arc<str>>,
    /// The main component's name, for the root span of a traced run.
    pub(crate) main: String,
}

impl<T: Send + 'static> Linked<T> {
    /// Instantiates every part in order, each seeing its providers through
    /// the store; returns the main component's instance.
    pub(crate) async fn instantiate_async(
        &self,
        store: &mut Store<StoreData<T>>,
    ) -> wasmtime::Result<Instance> {
        store.data_mut().linked.clear();
        let trace = store.data().trace.clone();
        for (pre, name) in self.parts.iter().zip(&self.names) {
            if let Some(trace) = &trace {
                trace.in_flight.instantiating(Some(name.clone()));
            }
            let instance = pre.instantiate_async(&mut *store).await;
            if let Some(trace) = &trace {
                trace.in_flight.instantiating(None);
            }
            store.data_mut().linked.push(instance?);
        }
        store
            .data()
            .linked
            .last()
            .copied()
            .ok_or_else(|| wasmtime::format_err!("a linked app has no parts"))
    }
}

impl<T: Send + 'static> Host<T> {
    /// Loads each part (compiled, or from the cache, on its own) and links
    /// the imports one part takes from another. `name` names the app in
    /// messages; the last part is its main component.
    ///
    pub fn load_linked(&self, name: &str, parts: &[Part<'_>]) -> Result<Loaded<T>, RunError> {
        let started = Instant::now();
        let mut components = self.compile_parts(parts)?;
        let cache = components
            .iter()
            .fold(Outcome::Hit, |cache, compiled| cache.and(compiled.cache));
        let functions = components
            .iter()
            .fold(FunctionReuse::default(), |sum, compiled| {
                sum.plus(compiled.functions)
            });
        let rejected = components
            .iter()
            .flat_map(|compiled| compiled.rejected.iter().cloned())
            .collect();
        let mut pres = Vec::with_capacity(parts.len());
        for (part, compiled) in parts.iter().zip(&components) {
            let mut linker = self.part_linker(parts, part, &compiled.component, &components)?;
            let pre = compiled
                .define_modules(&mut linker)
                .and_then(|()| linker.instantiate_pre(&compiled.component))
                .map_err(|e| RunError::NotLinkable {
                    component: part.name.to_owned(),
                    why: format!("{e:#}"),
                })?;
            pres.push(pre);
        }
        let main = components
            .pop()
            .map(|c| c.component)
            .ok_or_else(|| RunError::NotLinkable {
                component: name.to_owned(),
                why: "the app has no components".to_owned(),
            })?;
        Ok(Loaded {
            name: name.to_owned(),
            component: main,
            modules: Vec::new(),
            modules_named: false,
            pre: Pre::Linked(Linked {
                parts: pres,
                names: parts.iter().map(|p| Arc::from(p.name)).collect(),
                main: parts.last().map(|p| p.name.to_owned()).unwrap_or_default(),
            }),
            cache,
            functions,
            rejected,
            linked: parts.len(),
            load_time: started.elapsed(),
        })
    }

    /// Loads the composition at `path` as the components it is made of,
    /// each compiled (or from the cache) on its own and linked by the host
    /// (see [`crate::decompose`]): what tracing the calls between them
    /// needs. A composition that cannot be taken apart, or whose wiring
    /// the host cannot forward, is [`RunError::NotLinkable`].
    pub fn load_decomposed(&self, path: &Path) -> Result<Loaded<T>, RunError> {
        let bytes = wcomp_core::decode::read(path)?;
        self.load_decomposed_bytes(path, &bytes)
    }

    /// Like [`Host::load_decomposed`], for a composition already read:
    /// `path` names it.
    pub fn load_decomposed_bytes(&self, path: &Path, bytes: &[u8]) -> Result<Loaded<T>, RunError> {
        let started = Instant::now();
        let name = crate::display_name(path);
        wcomp_core::decode::expect_component(path, bytes)?;
        let instantiated =
            crate::decompose::decompose(bytes).map_err(|why| RunError::NotLinkable {
                component: name.clone(),
                why: format!("it cannot be taken apart: {why}"),
            })?;
        let parts: Vec<Part<'_>> = instantiated
            .iter()
            .map(|part| {
                Part::new(
                    &part.name,
                    path,
                    &bytes[part.range.clone()],
                    part.wires.clone(),
                )
            })
            .collect();
        let mut loaded = self.load_linked(&name, &parts)?;
        loaded.load_time = started.elapsed();
        Ok(loaded)
    }

    /// Each part's code: as the last linked load had it when its bytes are
    /// the same (a hit), else compiled or from the cache.
    fn compile_parts(&self, parts: &[Part<'_>]) -> Result<Vec<Compiled>, RunError> {
        let mut last =
            std::mem::take(&mut *self.last_linked.lock().unwrap_or_else(|e| e.into_inner()));
        let mut kept = Vec::with_capacity(parts.len());
        let mut components = Vec::with_capacity(parts.len());
        for part in parts {
            let compiled = match last
                .iter()
                .position(|(bytes, _)| bytes.as_slice() == part.bytes)
            {
                Some(at) => {
                    let (bytes, compiled) = last.swap_remove(at);
                    kept.push((bytes, compiled.clone()));
                    Compiled {
                        cache: Outcome::Hit,
                        functions: FunctionReuse::default(),
                        rejected: Vec::new(),
                        ..compiled
                    }
                }
                None => {
                    let compiled = self.compile(part.path, part.name, part.bytes)?;
                    kept.push((part.bytes.to_vec(), compiled.clone()));
                    compiled
                }
            };
            components.push(compiled);
        }
        *self.last_linked.lock().unwrap_or_else(|e| e.into_inner()) = kept;
        Ok(components)
    }

    /// The host's linker, with each wired import of `part` defined as a
    /// forwarder to its provider's export.
    fn part_linker(
        &self,
        parts: &[Part<'_>],
        part: &Part<'_>,
        component: &Component,
        components: &[Compiled],
    ) -> Result<Linker<StoreData<T>>, RunError> {
        let mut linker = self.linker(Selection::ImportedBy(component))?;
        // A deny component's export replaces the host's interface.
        linker.allow_shadowing(true);
        let imports: Vec<(String, ComponentItem)> = component
            .component_type()
            .imports(&self.engine)
            .map(|(name, item)| (name.to_owned(), item.ty))
            .collect();
        let defined = proxy::defined_resources(&self.engine, component);
        for wire in &part.wires {
            let not_linkable = |why: String| RunError::NotLinkable {
                component: part.name.to_owned(),
                why: format!("its import `{}` {why}", wire.import),
            };
            let provider = components
                .get(wire.provider)
                .map(|c| &c.component)
                .ok_or_else(|| not_linkable("comes from a later component".to_owned()))?;
            let item = imports
                .iter()
                .find(|(name, _)| *name == wire.import)
                .map(|(_, item)| item)
                .ok_or_else(|| not_linkable("is not one of its imports".to_owned()))?;
            let export = provider
                .get_export_index(None, &wire.export)
                .ok_or_else(|| {
                    not_linkable(format!(
                        "is not satisfied: its provider lacks `{}`",
                        wire.export
                    ))
                })?;
            let proxies = define_proxies(&mut linker, wire, &defined).map_err(|e| {
                not_linkable(format!("has a resource that cannot be defined: {e:#}"))
            })?;
            let how = Forwarding {
                concurrent: self.concurrency(),
                caller: Arc::from(part.name),
                callee: Arc::from(parts[wire.provider].name),
                proxies,
            };
            define_forwarders(
                &mut linker,
                &self.engine,
                &how,
                wire,
                item,
                (provider, export),
            )
            .map_err(not_linkable)?;
        }
        Ok(linker)
    }
}

/// How a part's wired imports are defined: the names its calls are traced
/// under, and whether the host runs WASI 0.3's concurrent calls.
struct Forwarding {
    concurrent: bool,
    caller: Arc<str>,
    callee: Arc<str>,
    /// The payloads of the proxies of the resources the import defines.
    proxies: Arc<[u32]>,
}

/// Defines a proxy (see [`proxy`]) for each resource the import `wire`
/// satisfies defines, of those `defined`; their payloads.
fn define_proxies<T: Send + 'static>(
    linker: &mut Linker<StoreData<T>>,
    wire: &Wire,
    defined: &[(String, String)],
) -> wasmtime::Result<Arc<[u32]>> {
    let mut payloads = Vec::new();
    for (_, resource) in defined.iter().filter(|(import, _)| *import == wire.import) {
        payloads.push(proxy::define(
            &mut linker.instance(&wire.import)?,
            resource,
        )?);
    }
    Ok(payloads.into())
}

/// Defines `wire.import` in `linker`: a function, or an instance of
/// functions, each forwarding to the same-named export of the provider.
fn define_forwarders<T: Send + 'static>(
    linker: &mut Linker<StoreData<T>>,
    engine: &Engine,
    how: &Forwarding,
    wire: &Wire,
    item: &ComponentItem,
    (provider, export): (&Component, ComponentExportIndex),
) -> Result<(), String> {
    let link_error = |e: wasmtime::Error| format!("cannot be defined: {e:#}");
    match item {
        ComponentItem::ComponentFunc(ty) => {
            forwardable(how, ty).map_err(|why| format!("is a function that {why}"))?;
            let call = Call::new(how.caller.clone(), how.callee.clone(), None, &*wire.import);
            let target = Target::new(how, wire.provider, export);
            define_forwarder(&mut linker.root(), how, ty, call, target).map_err(link_error)
        }
        ComponentItem::ComponentInstance(ty) => {
            let mut instance = linker.instance(&wire.import).map_err(link_error)?;
            for (name, item) in ty.exports(engine) {
                match item.ty {
                    ComponentItem::ComponentFunc(ty) => {
                        forwardable(how, &ty)
                            .map_err(|why| format!("has `{name}`, which {why}"))?;
                        let func = provider
                            .get_export_index(Some(&export), name)
                            .ok_or_else(|| format!("has `{name}`, which its provider lacks"))?;
                        let call = Call::new(
                            how.caller.clone(),
                            how.callee.clone(),
                            Some(&wire.import),
                            name,
                        );
                        let target = Target::new(how, wire.provider, func);
                        define_forwarder(&mut instance, how, &ty, call, target)
                            .map_err(link_error)?;
                    }
                    // A resource the host defines was imported earlier
                    // and matches; one a guest defines is an import with no
                    // definition, which linking refuses.
                    ComponentItem::Type(_) | ComponentItem::Resource(_) => {}
                    _ => return Err(format!("has `{name}`, which is not a function")),
                }
            }
            Ok(())
        }
        _ => Err("is neither a function nor an interface".to_owned()),
    }
}

/// Defines `name` in `instance` as a forwarder of `call` to the provider's
/// `func`, of type `ty`: an `async func` as a concurrent host function, so
/// that WASI 0.3's async calls cross it as one more task of the store's
/// event loop, without blocking it.
fn define_forwarder<T: Send + 'static>(
    instance: &mut LinkerInstance<'_, StoreData<T>>,
    how: &Forwarding,
    ty: &ComponentFunc,
    call: Call,
    target: Target,
) -> wasmtime::Result<()> {
    let name = call.function.clone();
    match how.concurrent && ty.async_() {
        true => instance.func_new_concurrent(&name, concurrent_forwarder(call, target)),
        false => instance.func_new_async(&name, forwarder(call, target)),
    }
}

/// Where a forwarded call goes: the provider's function, and the proxies
/// of the resources its handles may be of.
#[derive(Clone)]
struct Target {
    provider: usize,
    func: ComponentExportIndex,
    proxies: Arc<[u32]>,
}

impl Target {
    fn new(how: &Forwarding, provider: usize, func: ComponentExportIndex) -> Self {
        Target {
            provider,
            func,
            proxies: how.proxies.clone(),
        }
    }
}

/// A forwarded call, in flight.
type Forwarded<'a> = Box<dyn Future<Output = wasmtime::Result<()>> + Send + 'a>;

/// A host function that calls the provider's function `func` with the
/// caller's arguments and hands back its results, traced when the store
/// has a tracer.
fn forwarder<T: Send + 'static>(
    call: Call,
    target: Target,
) -> impl for<'a> Fn(
    StoreContextMut<'a, StoreData<T>>,
    ComponentFunc,
    &'a [Val],
    &'a mut [Val],
) -> Forwarded<'a>
+ Send
+ Sync
+ 'static {
    move |mut store, ty, params, results| {
        let (call, target) = (call.clone(), target.clone());
        Box::new(async move {
            let instance = store.data().linked.get(target.provider).copied();
            let func = instance
                .and_then(|instance| instance.get_func(&mut store, target.func))
                .ok_or_else(not_instantiated)?;
            let span = Traced::enter(store.data().trace.clone(), &call, &ty, params);
            let intercept = store.data().intercept.clone();
            let outcome = async {
                if answered(intercept.as_deref(), &call, &ty, params, results)? {
                    return intercept::settle(store.as_context_mut(), &ty, params, results);
                }
                let mut args =
                    proxy::arguments(store.as_context_mut(), &target.proxies, &ty, params)?;
                span.relay_arguments(store.as_context_mut(), &call, &ty, &mut args)?;
                func.call_async(&mut store, &args, results).await?;
                proxy::results(store.as_context_mut(), &target.proxies, &ty, results)?;
                span.relay_results(store.as_context_mut(), &call, &ty, results)
            }
            .await;
            span.exit(&ty, results, &outcome);
            outcome
        })
    }
}

/// A forwarded concurrent call, in flight.
type ForwardedConcurrent<'a> =
    std::pin::Pin<Box<dyn Future<Output = wasmtime::Result<()>> + Send + 'a>>;

/// Like [`forwarder`], for a host with concurrency.
fn concurrent_forwarder<T: Send + 'static>(
    call: Call,
    target: Target,
) -> impl for<'a> Fn(
    &'a Accessor<StoreData<T>>,
    ComponentFunc,
    &'a [Val],
    &'a mut [Val],
) -> ForwardedConcurrent<'a>
+ Send
+ Sync
+ 'static {
    move |accessor, ty, params, results| {
        let (call, target) = (call.clone(), target.clone());
        Box::pin(async move {
            let (func, trace, intercept) = accessor.with(|mut access| {
                let instance = access.data_mut().linked.get(target.provider).copied();
                let func =
                    instance.and_then(|instance| instance.get_func(&mut access, target.func));
                let data = access.data_mut();
                (func, data.trace.clone(), data.intercept.clone())
            });
            let func = func.ok_or_else(not_instantiated)?;
            let span = Traced::enter(trace, &call, &ty, params);
            let outcome = async {
                if answered(intercept.as_deref(), &call, &ty, params, results)? {
                    return accessor.with(|mut access| {
                        intercept::settle(access.as_context_mut(), &ty, params, results)
                    });
                }
                let args = accessor.with(|mut access| -> wasmtime::Result<Vec<Val>> {
                    let mut args =
                        proxy::arguments(access.as_context_mut(), &target.proxies, &ty, params)?;
                    span.relay_arguments(access.as_context_mut(), &call, &ty, &mut args)?;
                    Ok(args.into_owned())
                })?;
                func.call_concurrent(accessor, &args, results).await?;
                accessor.with(|mut access| {
                    proxy::results(access.as_context_mut(), &target.proxies, &ty, results)?;
                    span.relay_results(access.as_context_mut(), &call, &ty, results)
                })
            }
            .await;
            span.exit(&ty, results, &outcome);
            outcome
        })
    }
}

/// Whether the store's intercept, if any, answered `call` itself.
fn answered(
    intercept: Option<&dyn Intercept>,
    call: &Call,
    ty: &ComponentFunc,
    params: &[Val],
    results: &mut [Val],
) -> wasmtime::Result<bool> {
    match intercept {
        Some(intercept) => intercept.intercept(call, ty, params, results),
        None => Ok(false),
    }
}

fn not_instantiated() -> wasmtime::Error {
    wasmtime::format_err!("a linked provider was not instantiated before its importer")
}

/// A forwarded call's span, when the store is traced.
struct Traced(Option<(StoreTrace, Entered)>);

impl Traced {
    /// Starts the span of `call` with `params` (of the function type `ty`).
    fn enter(trace: Option<StoreTrace>, call: &Call, ty: &ComponentFunc, params: &[Val]) -> Self {
        Traced(trace.map(|trace| {
            let types = ty.params().map(|(_, ty)| ty);
            let entered = trace.enter(call, show_all(params, types), None);
            (trace, entered)
        }))
    }

    /// Puts a counting relay in place of each byte stream among the
    /// arguments `args` of `call`, when traced (see [`relay`]).
    fn relay_arguments<T: Send + 'static>(
        &self,
        store: StoreContextMut<'_, T>,
        call: &Call,
        ty: &ComponentFunc,
        args: &mut Cow<'_, [Val]>,
    ) -> wasmtime::Result<()> {
        let Some((trace, entered)) = &self.0 else {
            return Ok(());
        };
        let types = ty.params().map(|(_, ty)| ty);
        let way = relay::Way::Arguments;
        relay::relay_streams(store, (trace, *entered), call, way, args.to_mut(), types)
    }

    /// Puts a counting relay in place of each byte stream among the
    /// `results` of `call`, when traced.
    fn relay_results<T: Send + 'static>(
        &self,
        store: StoreContextMut<'_, T>,
        call: &Call,
        ty: &ComponentFunc,
        results: &mut [Val],
    ) -> wasmtime::Result<()> {
        let Some((trace, entered)) = &self.0 else {
            return Ok(());
        };
        let way = relay::Way::Results;
        relay::relay_streams(store, (trace, *entered), call, way, results, ty.results())
    }

    /// Ends it with the call's `results`, or its trap.
    fn exit(self, ty: &ComponentFunc, results: &[Val], outcome: &wasmtime::Result<()>) {
        let Some((trace, entered)) = self.0 else {
            return;
        };
        let ending = match outcome {
            Ok(()) => Ending::Returned(show_all(results, ty.results())),
            Err(trap) => Ending::Trapped(crate::failure::trap_message(trap)),
        };
        trace.exit(entered, ending);
    }
}

/// `values`, of the types `types`, in WAVE, separated by commas.
fn show_all(values: &[Val], types: impl Iterator<Item = Type>) -> String {
    let shown: Vec<String> = values
        .iter()
        .zip(types)
        .map(|(value, ty)| brief(value, &ty))
        .collect();
    shown.join(", ")
}

/// `value` in WAVE, with streams, futures and resource handles (which
/// WAVE cannot write) shown by their kind: `ok(resource)`.
fn brief(value: &Val, ty: &Type) -> String {
    let all = |values: &[Val], types: Vec<Type>| {
        let shown: Vec<String> = values
            .iter()
            .zip(&types)
            .map(|(v, t)| brief(v, t))
            .collect();
        shown.join(", ")
    };
    match (value, ty) {
        (Val::Stream(_), _) => "stream".to_owned(),
        (Val::Future(_), _) => "future".to_owned(),
        (Val::Resource(_), _) => "resource".to_owned(),
        _ if crate::wave::wave_ty(ty).is_some() => crate::wave::show(value, ty),
        (Val::Result(Ok(Some(v))), Type::Result(r)) => r
            .ok()
            .map_or_else(|| "ok".to_owned(), |t| format!("ok({})", brief(v, &t))),
        (Val::Result(Err(Some(v))), Type::Result(r)) => r
            .err()
            .map_or_else(|| "err".to_owned(), |t| format!("err({})", brief(v, &t))),
        (Val::Option(Some(v)), Type::Option(o)) => format!("some({})", brief(v, &o.ty())),
        (Val::Tuple(vs), Type::Tuple(t)) => format!("({})", all(vs, t.types().collect())),
        (Val::List(vs), Type::List(l)) => {
            format!("[{}]", all(vs, vec![l.ty(); vs.len()]))
        }
        (Val::Record(fields), Type::Record(r)) => {
            let types: Vec<Type> = r.fields().map(|f| f.ty).collect();
            let shown: Vec<String> = fields
                .iter()
                .zip(&types)
                .map(|((name, v), t)| format!("{name}: {}", brief(v, t)))
                .collect();
            format!("{{{}}}", shown.join(", "))
        }
        _ => "…".to_owned(),
    }
}

/// Whether a function passes only values the host can forward. A host
/// with concurrency hands streams and futures on as they are (their ends
/// move from one component to the other through it); one without cannot
/// pass them, nor error contexts. Handles of the host's resources cross as
/// values, a guest's through proxies.
fn forwardable(how: &Forwarding, ty: &ComponentFunc) -> Result<(), String> {
    if how.concurrent {
        return Ok(());
    }
    for ty in ty.params().map(|(_, ty)| ty).chain(ty.results()) {
        if let Some(what) = unforwardable(&ty) {
            return Err(format!("passes {what}"));
        }
    }
    Ok(())
}

/// The first thing in `ty` that cannot be forwarded as a value, if any.
fn unforwardable(ty: &Type) -> Option<&'static str> {
    match ty {
        Type::Stream(_) => Some("a stream"),
        Type::Future(_) => Some("a future"),
        Type::ErrorContext => Some("an error context"),
        Type::List(list) => unforwardable(&list.ty()),
        Type::FixedLengthList(list) => unforwardable(&list.ty()),
        Type::Map(map) => unforwardable(&map.key()).or_else(|| unforwardable(&map.value())),
        Type::Record(record) => record.fields().find_map(|f| unforwardable(&f.ty)),
        Type::Tuple(tuple) => tuple.types().find_map(|t| unforwardable(&t)),
        Type::Variant(variant) => variant
            .cases()
            .find_map(|case| case.ty.as_ref().and_then(unforwardable)),
        Type::Option(option) => unforwardable(&option.ty()),
        Type::Result(result) => result
            .ok()
            .as_ref()
            .and_then(unforwardable)
            .or_else(|| result.err().as_ref().and_then(unforwardable)),
        _ => None,
    }
}
