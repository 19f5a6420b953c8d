//! Spans of the calls a traced app makes to the host's WASI (`--trace-level
//! host`).
//!
//! Wasmtime's WASI bindings open a `tracing` span, named `wit-bindgen
//! import`, around every host function they define, with the interface and
//! function as fields, an event `call` carrying the arguments and an event
//! `return` carrying the result (lists shown as `...`). [`HostCalls`], a
//! `tracing` subscriber installed for the whole process the first time a
//! store asks for host calls, turns each such span into a [`Span`] of the
//! store that made the call, called `host`, nested in the call in flight
//! into the component that made it.
//!
//! Which store made a call is known from the store's call hook: it marks
//! the thread with the store's tracing on every entry into the host, and
//! the bindings open their span on that thread before they return or
//! suspend. Only the entries into the host pay for the hook, and only in
//! stores traced at this level; no other store has one.
//!
//! [`Span`]: super::Span

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber};
use wasmtime::{CallHook, Store};

use super::{Call, Ending, Entered, StoreTrace};
use crate::state::StoreData;

/// The name Wasmtime's bindings give the span of a host function.
const IMPORT_SPAN: &str = "wit-bindgen import";

/// The callee every host call's span names.
pub const HOST: &str = "host";

thread_local! {
    /// The tracing of the store whose guest entered the host last on this
    /// thread, while it is in the host.
    static ENTERING: RefCell<Option<StoreTrace>> = const { RefCell::new(None) };
    /// The host-call spans entered on this thread, innermost last: where a
    /// `call` or `return` event belongs.
    static ENTERED: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

/// Why host calls cannot be traced in this process.
#[derive(Debug, thiserror::Error)]
#[error(
    "host calls cannot be traced: this process already has a global `tracing` subscriber, and \
     tracing host calls needs its own"
)]
pub struct SubscriberTaken;

/// Has `store` record a span for each call its guests make to the host's
/// WASI: installs the process's subscriber if it is not yet, and a call
/// hook marking the thread with the store's tracing.
pub(crate) fn watch<T>(store: &mut Store<StoreData<T>>) -> Result<(), SubscriberTaken> {
    install()?;
    store.call_hook(|store, kind| {
        match kind {
            CallHook::CallingHost => {
                let trace = store.data().trace.clone();
                ENTERING.with(|entering| *entering.borrow_mut() = trace);
            }
            CallHook::ReturningFromHost => {
                ENTERING.with(|entering| entering.borrow_mut().take());
            }
            CallHook::CallingWasm | CallHook::ReturningFromWasm => {}
        }
        Ok(())
    });
    Ok(())
}

/// Installs [`HostCalls`] as the process's `tracing` subscriber, once.
fn install() -> Result<(), SubscriberTaken> {
    static INSTALLED: OnceLock<bool> = OnceLock::new();
    let installed = INSTALLED.get_or_init(|| {
        tracing::dispatcher::set_global_default(tracing::Dispatch::new(HostCalls::default()))
            .is_ok()
    });
    installed.then_some(()).ok_or(SubscriberTaken)
}

/// The subscriber that turns the WASI bindings' spans into host-call spans.
#[derive(Debug, Default)]
pub struct HostCalls {
    next: AtomicU64,
    live: Mutex<HashMap<u64, Live>>,
}

/// A host call in flight, in a traced store.
#[derive(Debug)]
struct Live {
    store: StoreTrace,
    entered: Entered,
    /// The handles to the span `tracing` holds: it ends when they are gone.
    handles: usize,
    result: Option<String>,
}

impl HostCalls {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Live>> {
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts the span of a host call of `function` through `interface`
    /// in the store marking this thread, if any, under the call in flight
    /// into the component that makes it.
    fn start(&self, id: u64, interface: String, function: String) {
        let Some(store) = ENTERING.with(|entering| entering.borrow_mut().take()) else {
            return;
        };
        let Some(caller) = store.in_flight.running() else {
            return;
        };
        let call = Call::new(caller, HOST, Some(&interface), function);
        let entered = store.enter(&call, String::new(), None);
        let live = Live {
            store,
            entered,
            handles: 1,
            result: None,
        };
        self.lock().insert(id, live);
    }

    /// Ends the span of the host call `id`, if it was one.
    fn end(&self, live: Live) {
        let result = live.result.unwrap_or_default();
        live.store.exit(live.entered, Ending::Returned(result));
    }
}

impl Subscriber for HostCalls {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        match self.enabled(metadata) {
            true => Interest::always(),
            false => Interest::never(),
        }
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        match metadata.is_span() {
            true => metadata.name() == IMPORT_SPAN,
            false => metadata.target().starts_with("wasmtime_wasi"),
        }
    }

    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::TRACE)
    }

    fn new_span(&self, attributes: &Attributes<'_>) -> Id {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let mut fields = Fields::default();
        attributes.record(&mut fields);
        let interface = qualified(attributes.metadata().target(), &fields.module);
        self.start(id, interface, fields.function);
        Id::from_u64(id)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let Some(id) = ENTERED.with(|entered| entered.borrow().last().copied()) else {
            return;
        };
        let mut fields = Fields::default();
        event.record(&mut fields);
        let mut live = self.lock();
        let Some(live) = live.get_mut(&id) else {
            return;
        };
        match fields.message.as_str() {
            "call" => {
                let params = std::mem::take(&mut fields.values);
                live.store.tracer.set_params(live.entered, params);
            }
            "return" => live.result = Some(fields.result),
            _ => {}
        }
    }

    fn enter(&self, id: &Id) {
        ENTERED.with(|entered| entered.borrow_mut().push(id.into_u64()));
    }

    fn exit(&self, id: &Id) {
        ENTERED.with(|entered| {
            let mut entered = entered.borrow_mut();
            if let Some(at) = entered.iter().rposition(|&e| e == id.into_u64()) {
                entered.remove(at);
            }
        });
    }

    fn clone_span(&self, id: &Id) -> Id {
        if let Some(live) = self.lock().get_mut(&id.into_u64()) {
            live.handles += 1;
        }
        id.clone()
    }

    fn try_close(&self, id: Id) -> bool {
        let mut live = self.lock();
        let Some(entry) = live.get_mut(&id.into_u64()) else {
            return true;
        };
        entry.handles -= 1;
        if entry.handles > 0 {
            return false;
        }
        let ended = live.remove(&id.into_u64());
        drop(live);
        if let Some(ended) = ended {
            self.end(ended);
        }
        true
    }
}

/// The fields of a span or an event of the bindings.
#[derive(Debug, Default)]
struct Fields {
    module: String,
    function: String,
    message: String,
    result: String,
    /// The other fields, the arguments of a `call`: `name: value, …`.
    values: String,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "module" => self.module = value.to_owned(),
            "function" => self.function = value.to_owned(),
            _ => self.record_debug(field, &value),
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "message" => self.message = format!("{value:?}"),
            "result" => self.result = handles_named(&format!("{value:?}")),
            name => {
                if !self.values.is_empty() {
                    self.values.push_str(", ");
                }
                let value = handles_named(&format!("{value:?}"));
                let _ = write!(self.values, "{}: {value}", name.trim_end_matches('_'));
            }
        }
    }
}

/// `text` (a value in Rust's debug form) with each resource handle,
/// `Resource { rep: 6, state: "borrow…" }`, shown as `borrow#6` (or
/// `own#6`).
fn handles_named(text: &str) -> String {
    const HANDLE: &str = "Resource { rep: ";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(HANDLE) {
        out.push_str(&rest[..at]);
        let after = &rest[at + HANDLE.len()..];
        let Some(end) = after.find(" }") else {
            out.push_str(&rest[at..]);
            return out;
        };
        let (rep, state) = after[..end]
            .split_once(", state: \"")
            .unwrap_or((&after[..end], ""));
        let kind = if state.starts_with("borrow") {
            "borrow"
        } else {
            "own"
        };
        let _ = write!(out, "{kind}#{rep}");
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// The interface `module` named in full, `wasi:cli/stdout`, from the Rust
/// module the bindings defined it in (`…::wasi::cli::stdout`, the last
/// three segments); `module` alone when the path does not end with it.
fn qualified(target: &str, module: &str) -> String {
    let segments: Vec<&str> = target.rsplit("::").take(3).collect();
    match segments.as_slice() {
        [interface, package, namespace] if interface.replace('_', "-") == module => {
            format!(
                "{}:{}/{module}",
                namespace.replace('_', "-"),
                package.replace('_', "-")
            )
        }
        _ => module.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interfaces_are_named_from_the_bindings_module() {
        let target = "wasmtime_wasi::p2::bindings::async_io::wasi::cli::stdout";
        assert_eq!(qualified(target, "stdout"), "wasi:cli/stdout");
        let target = "wasmtime_wasi::p3::bindings::wasi::clocks::monotonic_clock";
        assert_eq!(
            qualified(target, "monotonic-clock"),
            "wasi:clocks/monotonic-clock"
        );
        assert_eq!(qualified("elsewhere", "types"), "types");
    }

    #[test]
    fn handles_are_named_by_kind_and_number() {
        let text = r#"Ok((Resource { rep: 6, state: "borrow (not in table)" }, Resource { rep: 12, state: "own (not in table)" }))"#;
        assert_eq!(handles_named(text), "Ok((borrow#6, own#12))");
        assert_eq!(handles_named("Resource { rep: 3"), "Resource { rep: 3");
        assert_eq!(handles_named("Ok(65536)"), "Ok(65536)");
    }
}
