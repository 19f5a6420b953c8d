//! Spans of the calls one component of an app makes to another.
//!
//! A composed component is one unit to Wasmtime: the host sees the calls
//! that enter it, not the calls its components make to each other. Linked
//! (see [`crate::linked`]), every such call crosses the host, which can
//! time it. A [`Tracer`] given in [`RunOptions`](crate::RunOptions)
//! records one [`Span`] per forwarded call: who called whom, through which
//! interface and function, when, for how long, a short form of the
//! arguments and the result, and whether the callee trapped. Without a
//! tracer nothing is recorded and nothing is added to a call but one check.
//!
//! Spans nest as the calls do: a call's parent is the innermost call still
//! in flight, in the same store, into the component that makes it (see
//! `InFlight`). Under WASI 0.3 a component may have several calls in
//! flight at once; the innermost one is then the best guess the host has,
//! and is the right one for calls that do not overlap. A server that
//! traces gives each instance one request at a time for that reason.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

pub(crate) mod host_calls;

pub use host_calls::{HOST, SubscriberTaken};

/// The longest argument or result text a span keeps, in characters; the
/// rest is cut and marked with `…`.
pub const SHORT_FORM: usize = 120;

/// One call, finished.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Span {
    /// Its number, unique in its tracer, from 1.
    pub id: u64,
    /// The span of the call it was made in, if any.
    pub parent: Option<u64>,
    /// The trace it belongs to (W3C trace id), shared by every span of one
    /// run or one request.
    pub trace: u128,
    /// The calling component (`host` for the host's own calls).
    pub caller: String,
    /// The called component.
    pub callee: String,
    /// The interface called through (`demo:hello/greeting@0.1.0`), `None`
    /// for a function exported on its own.
    pub interface: Option<String>,
    /// The function.
    pub function: String,
    /// When the call started, since the tracer was made.
    pub start: Duration,
    /// How long it took.
    pub duration: Duration,
    /// The arguments, in WAVE, cut to [`SHORT_FORM`].
    pub params: String,
    /// The result, in WAVE, cut to [`SHORT_FORM`]; `None` after a trap.
    pub result: Option<String>,
    /// The trap's message, if the callee trapped.
    pub trap: Option<String>,
    /// For the span of a byte stream that crossed between components (a
    /// traced WASI 0.3 app, see `linked::relay`), the bytes it moved; the
    /// span lasts from the crossing until the stream was done.
    pub bytes: Option<u64>,
}

/// A call about to be made, as its forwarder sees it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Call {
    /// The calling component.
    pub caller: Arc<str>,
    /// The called component.
    pub callee: Arc<str>,
    /// The interface, if any.
    pub interface: Option<Arc<str>>,
    /// The function.
    pub function: Arc<str>,
}

impl Call {
    /// A call of `function` (through `interface`) from `caller` to `callee`.
    pub fn new(
        caller: impl Into<Arc<str>>,
        callee: impl Into<Arc<str>>,
        interface: Option<&str>,
        function: impl Into<Arc<str>>,
    ) -> Self {
        Call {
            caller: caller.into(),
            callee: callee.into(),
            interface: interface.map(Arc::from),
            function: function.into(),
        }
    }
}

/// How a call ended.
#[derive(Debug, Clone)]
pub enum Ending {
    /// It returned this (WAVE).
    Returned(String),
    /// It trapped with this message.
    Trapped(String),
    /// A byte stream was done, having moved this many bytes.
    Streamed(u64),
}

/// A span in flight, as [`Tracer::enter`] returns it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entered(u64);

impl Entered {
    /// The span's number.
    pub fn id(self) -> u64 {
        self.0
    }
}

/// Where a root span's trace comes from: a new trace, or a caller's
/// (`traceparent` of an incoming request).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TraceContext {
    /// The trace id; 0 makes a new one.
    pub trace: u128,
    /// The remote parent span (from `traceparent`), if any.
    pub remote_parent: Option<u64>,
}

/// Records spans; shared by every store of a run or a server.
#[derive(Debug)]
pub struct Tracer {
    epoch: Instant,
    wall: SystemTime,
    host_calls: bool,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    next: u64,
    open: Vec<Open>,
    done: Vec<Span>,
    /// How many of `done` [`Tracer::take_unsent`] handed out.
    sent: usize,
    /// The remote parent of each root span started under one, by span.
    remote_parents: std::collections::HashMap<u64, u64>,
}

/// A span in flight.
#[derive(Debug)]
struct Open {
    span: Span,
    started: Instant,
}

impl Default for Tracer {
    fn default() -> Self {
        Tracer::new()
    }
}

impl Tracer {
    /// A tracer with no spans, its clock starting now.
    pub fn new() -> Self {
        Tracer {
            epoch: Instant::now(),
            wall: SystemTime::now(),
            host_calls: false,
            state: Mutex::new(State::default()),
        }
    }

    /// Records the calls the app's components make to the host's WASI
    /// too, each a span whose callee is [`HOST`], nested in the call in
    /// flight into the component that makes it (see `host_calls`). A
    /// process can trace host calls only if it has no global `tracing`
    /// subscriber of its own: a store is refused with
    /// [`SubscriberTaken`] otherwise.
    pub fn with_host_calls(mut self) -> Self {
        self.host_calls = true;
        self
    }

    /// Whether host calls are recorded.
    pub fn traces_host_calls(&self) -> bool {
        self.host_calls
    }

    /// The wall-clock time the tracer's spans are counted from.
    pub fn wall_start(&self) -> SystemTime {
        self.wall
    }

    /// Starts a root span: the host's own call into `call.callee`, in the
    /// trace `context` names (a new one when its id is 0).
    pub fn enter_root(&self, call: &Call, params: String, context: TraceContext) -> Entered {
        let trace = match context.trace {
            0 => new_trace_id(),
            id => id,
        };
        let mut state = self.lock();
        let entered = state.open(self.span(call, params, None, trace));
        if let Some(remote) = context.remote_parent {
            state.remote_parents.insert(entered.0, remote);
        }
        entered
    }

    /// Starts the span of `call`, a child of `parent` (in its trace), or
    /// the root of a new trace.
    pub fn enter(&self, call: &Call, params: String, parent: Option<Entered>) -> Entered {
        let mut state = self.lock();
        let parent = parent.and_then(|p| state.open.iter().find(|open| open.span.id == p.0));
        let (parent, trace) = match parent {
            Some(open) => (Some(open.span.id), open.span.trace),
            None => (None, new_trace_id()),
        };
        state.open(self.span(call, params, parent, trace))
    }

    /// Ends the span `entered` as `ending` says.
    pub fn exit(&self, entered: Entered, ending: Ending) {
        let mut state = self.lock();
        let Some(at) = state.open.iter().position(|o| o.span.id == entered.0) else {
            return;
        };
        let Open { mut span, started } = state.open.remove(at);
        span.duration = started.elapsed();
        match ending {
            Ending::Returned(result) => span.result = Some(short(result)),
            Ending::Trapped(message) => span.trap = Some(message),
            Ending::Streamed(bytes) => {
                span.result = Some(format!("{bytes} bytes"));
                span.bytes = Some(bytes);
            }
        }
        state.done.push(span);
    }

    /// Sets the arguments of `entered`, a span still in flight, when they
    /// are known only after it started.
    pub(crate) fn set_params(&self, entered: Entered, params: String) {
        let mut state = self.lock();
        if let Some(open) = state.open.iter_mut().find(|o| o.span.id == entered.0) {
            open.span.params = short(params);
        }
    }

    /// The trace id and span id of a span in flight, for a `traceparent`
    /// header of a request it makes.
    pub fn context_of(&self, entered: Entered) -> Option<(u128, u64)> {
        let state = self.lock();
        let open = state.open.iter().find(|o| o.span.id == entered.0)?;
        Some((open.span.trace, open.span.id))
    }

    /// The remote parent a root span was started under, if any.
    pub fn remote_parent(&self, id: u64) -> Option<u64> {
        let state = self.lock();
        state.remote_parents.get(&id).copied()
    }

    /// Every finished span, in the order they started. Spans still in
    /// flight (a call the run's end interrupted) are ended now, with a trap
    /// saying so.
    pub fn finish(&self) -> Vec<Span> {
        let mut state = self.lock();
        let open = std::mem::take(&mut state.open);
        for Open { mut span, started } in open {
            span.duration = started.elapsed();
            span.trap = Some("did not return before the run ended".to_owned());
            state.done.push(span);
        }
        let mut spans = state.done.clone();
        spans.sort_by_key(|span| (span.start, span.id));
        spans
    }

    /// The spans finished since the last call, in the order they
    /// finished: what a server sends its collector now and then, while
    /// [`Tracer::finish`] still gives every span at the end.
    pub fn take_unsent(&self) -> Vec<Span> {
        let mut state = self.lock();
        let unsent = state.done[state.sent..].to_vec();
        state.sent = state.done.len();
        unsent
    }

    fn span(&self, call: &Call, params: String, parent: Option<u64>, trace: u128) -> Span {
        Span {
            id: 0,
            parent,
            trace,
            caller: call.caller.to_string(),
            callee: call.callee.to_string(),
            interface: call.interface.as_deref().map(str::to_owned),
            function: call.function.to_string(),
            start: self.epoch.elapsed(),
            duration: Duration::ZERO,
            params: short(params),
            result: None,
            trap: None,
            bytes: None,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl State {
    fn open(&mut self, mut span: Span) -> Entered {
        self.next += 1;
        span.id = self.next;
        self.open.push(Open {
            span,
            started: Instant::now(),
        });
        Entered(self.next)
    }
}

/// The spans in flight in one store, innermost last, with the component
/// each called: where a forwarded call finds its parent, and an outgoing
/// request the span it is made in. Shared by the store's forwarders and its
/// HTTP hooks.
#[derive(Debug, Clone, Default)]
pub(crate) struct InFlight {
    calls: Arc<Mutex<Vec<InFlightCall>>>,
    /// The part being instantiated, if one is: the component running, in
    /// no call of its own.
    instantiating: Arc<Mutex<Option<Arc<str>>>>,
}

/// A span in flight, and the component it called.
type InFlightCall = (Entered, Arc<str>);

impl InFlight {
    /// The innermost span in flight into `caller`: the call `caller` is
    /// making its own calls from; or, for a call made while `caller` was
    /// being instantiated (its start code, in no call of its own), the
    /// outermost span, the run's or request's.
    pub(crate) fn parent_for(&self, caller: &str) -> Option<Entered> {
        let spans = self.lock();
        let found = spans.iter().rev().find(|(_, callee)| **callee == *caller);
        found.or(spans.first()).map(|(entered, _)| *entered)
    }

    /// The component running now, as far as the host can tell: the part
    /// being instantiated, else the callee of the innermost call into a
    /// component.
    pub(crate) fn running(&self) -> Option<Arc<str>> {
        let instantiating = self.instantiating.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(part) = &*instantiating {
            return Some(part.clone());
        }
        let spans = self.lock();
        let guest = spans.iter().rev().find(|(_, callee)| **callee != *HOST);
        guest.map(|(_, callee)| callee.clone())
    }

    /// `part` is being instantiated now (`None`: no part is).
    pub(crate) fn instantiating(&self, part: Option<Arc<str>>) {
        *self.instantiating.lock().unwrap_or_else(|e| e.into_inner()) = part;
    }

    /// The innermost span in flight, if any.
    pub(crate) fn innermost(&self) -> Option<Entered> {
        self.lock().last().map(|(entered, _)| *entered)
    }

    /// `entered`, a call into `callee`, is in flight.
    pub(crate) fn push(&self, entered: Entered, callee: Arc<str>) {
        self.lock().push((entered, callee));
    }

    /// `entered` is over.
    pub(crate) fn remove(&self, entered: Entered) {
        self.lock().retain(|(e, _)| *e != entered);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<InFlightCall>> {
        self.calls.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A store's tracing: the tracer and the store's spans in flight.
#[derive(Debug, Clone)]
pub(crate) struct StoreTrace {
    pub(crate) tracer: Arc<Tracer>,
    pub(crate) in_flight: InFlight,
}

impl StoreTrace {
    /// Starts the span of `call` in this store, under the innermost call
    /// into its caller; `root` starts a new trace in `context` instead.
    pub(crate) fn enter(&self, call: &Call, params: String, root: Option<TraceContext>) -> Entered {
        let entered = match root {
            Some(context) => self.tracer.enter_root(call, params, context),
            None => {
                let parent = self.in_flight.parent_for(&call.caller);
                self.tracer.enter(call, params, parent)
            }
        };
        self.in_flight.push(entered, call.callee.clone());
        entered
    }

    /// Ends the span `entered`.
    pub(crate) fn exit(&self, entered: Entered, ending: Ending) {
        self.in_flight.remove(entered);
        self.tracer.exit(entered, ending);
    }
}

impl StoreTrace {
    /// The `traceparent` header of a request made now: the innermost span
    /// in flight in this store.
    pub(crate) fn traceparent(&self) -> Option<http::HeaderValue> {
        let entered = self.in_flight.innermost()?;
        let (trace, id) = self.tracer.context_of(entered)?;
        http::HeaderValue::from_str(&traceparent(trace, span_id(trace, id))).ok()
    }
}

/// The root span of a run or an invocation of a traced, linked app: the
/// host's own call into its main component.
pub(crate) struct Root(Option<(StoreTrace, Entered)>);

impl Root {
    /// Starts it when `store` is traced and `loaded` is linked.
    pub(crate) fn enter<T: 'static>(
        store: &crate::StoreData<T>,
        loaded: &crate::Loaded<T>,
        interface: Option<&str>,
        function: &str,
        params: String,
    ) -> Self {
        let crate::load::Pre::Linked(linked) = &loaded.pre else {
            return Root(None);
        };
        Root(store.trace.clone().map(|trace| {
            let call = Call::new("host", linked.main.as_str(), interface, function);
            let entered = trace.enter(&call, params, Some(TraceContext::default()));
            (trace, entered)
        }))
    }

    /// Ends it with `result`, or the trap or error that ended the run.
    pub(crate) fn exit<R>(self, outcome: &wasmtime::Result<R>, result: impl FnOnce(&R) -> String) {
        let Some((trace, entered)) = self.0 else {
            return;
        };
        let ending = match outcome {
            Ok(value) => Ending::Returned(result(value)),
            Err(err) => match err.downcast_ref::<wasmtime_wasi::I32Exit>() {
                Some(exit) => Ending::Returned(format!("exit({})", exit.0)),
                None => Ending::Trapped(crate::failure::trap_message(err)),
            },
        };
        trace.exit(entered, ending);
    }
}

/// The 64-bit span id that spans export as, in OTLP and in an outgoing
/// `traceparent`: span `id` of trace `trace`, never 0.
///
/// A [`Tracer`] numbers its spans 1, 2, 3…, and so does the tracer of
/// every other process a request crosses; in one trace those numbers
/// would clash. The id mixes the number with the trace id and a key drawn
/// once per process, through a bijection of 64 bits, so the spans of one
/// trace in one process keep distinct ids, and another process's spans of
/// the same trace get others. Within a process the mapping is fixed: the
/// exporter and the `traceparent` header agree.
pub fn span_id(trace: u128, id: u64) -> u64 {
    use std::sync::OnceLock;
    static KEY: OnceLock<u64> = OnceLock::new();
    let key = *KEY.get_or_init(rand_u64);
    let folded = (trace as u64) ^ ((trace >> 64) as u64).rotate_left(29) ^ key;
    match mix64(folded ^ id.wrapping_mul(0x9e37_79b9_7f4a_7c15)) {
        // 0 means "no span" in W3C and OTLP; the one input that mixes to
        // it takes another value (a clash as unlikely as any other).
        0 => 0x5eed_5eed_5eed_5eed,
        mixed => mixed,
    }
}

/// SplitMix64's finalizer: a bijection of `u64` that spreads every input
/// bit over the output.
fn mix64(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// A W3C `traceparent` header value for span `span` (already an exported
/// id, see [`span_id`]) of trace `trace`, marked sampled:
/// `00-<32 hex>-<16 hex>-01`.
pub fn traceparent(trace: u128, span: u64) -> String {
    format!("00-{trace:032x}-{span:016x}-01")
}

/// The trace id and parent span id of a W3C `traceparent` header value,
/// or `None` if it is not one: wrong lengths, hex digits that are not
/// lowercase, an all-zero id, or the forbidden version `ff`. A version
/// after `00` may carry more fields after its four, as W3C asks
/// receivers to accept.
pub fn parse_traceparent(value: &str) -> Option<(u128, u64)> {
    const LENGTH: usize = 55;
    let value = value.trim_matches([' ', '\t']);
    let (head, rest) = value.split_at_checked(LENGTH)?;
    let mut fields = head.split('-');
    let version = lower_hex(fields.next()?, 2)?;
    let trace = lower_hex(fields.next()?, 32)?;
    let parent = lower_hex(fields.next()?, 16)?;
    lower_hex(fields.next()?, 2)?;
    let tail_allowed = rest.is_empty() || (version != 0 && rest.starts_with('-'));
    if version == 0xff || !tail_allowed {
        return None;
    }
    let parent = u64::try_from(parent).ok()?;
    (trace != 0 && parent != 0).then_some((trace, parent))
}

/// `text` as a number, if it is exactly `digits` lowercase hex digits.
fn lower_hex(text: &str, digits: usize) -> Option<u128> {
    let hex = text.len() == digits
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    hex.then(|| u128::from_str_radix(text, 16).ok()).flatten()
}

/// `text` cut to [`SHORT_FORM`] characters.
fn short(text: String) -> String {
    match text.char_indices().nth(SHORT_FORM) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text,
    }
}

/// A random, non-zero W3C trace id.
pub(crate) fn new_trace_id() -> u128 {
    loop {
        let id = u128::from(rand_u64()) << 64 | u128::from(rand_u64());
        if id != 0 {
            return id;
        }
    }
}

/// 64 random bits from the standard library's hasher seeds, which the
/// operating system's randomness seeds.
fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(caller: &str, callee: &str, function: &str) -> Call {
        Call::new(caller, callee, Some("demo:x/y"), function)
    }

    #[test]
    fn spans_nest_by_the_caller_in_flight() {
        let store = StoreTrace {
            tracer: Arc::new(Tracer::new()),
            in_flight: InFlight::default(),
        };
        let root = TraceContext::default();
        let root = store.enter(&call("host", "cli", "run"), String::new(), Some(root));
        let greet = store.enter(&call("cli", "greeter", "greet"), "\"Ada\"".into(), None);
        let inner = store.enter(&call("greeter", "util", "upper"), String::new(), None);
        store.exit(inner, Ending::Returned("\"ADA\"".into()));
        store.exit(greet, Ending::Trapped("unreachable".into()));
        let after = store.enter(&call("cli", "stats", "count"), String::new(), None);
        store.exit(after, Ending::Returned("3".into()));
        store.exit(root, Ending::Returned("ok".into()));
        assert_eq!(store.in_flight.innermost(), None);
        let spans = store.tracer.finish();
        let parents: Vec<_> = spans
            .iter()
            .map(|s| (s.function.as_str(), s.parent))
            .collect();
        assert_eq!(
            parents,
            [
                ("run", None),
                ("greet", Some(1)),
                ("upper", Some(2)),
                ("count", Some(1))
            ]
        );
        assert!(
            spans
                .iter()
                .all(|s| s.trace == spans[0].trace && s.trace != 0)
        );
        assert_eq!(spans[1].trap.as_deref(), Some("unreachable"));
        assert_eq!(spans[1].result, None);
        assert_eq!(spans[2].result.as_deref(), Some("\"ADA\""));
    }

    #[test]
    fn span_ids_are_fixed_distinct_and_never_zero() {
        let trace = 0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736;
        let ids: Vec<u64> = (0..1000).map(|id| span_id(trace, id)).collect();
        assert!(ids.iter().all(|&id| id != 0));
        let distinct: std::collections::HashSet<_> = ids.iter().collect();
        assert_eq!(distinct.len(), ids.len());
        assert_eq!(span_id(trace, 7), ids[7]);
        assert_ne!(span_id(trace + 1, 7), ids[7]);
        assert_ne!(span_id(trace, 1), 1);
    }

    #[test]
    fn traceparents_round_trip() {
        let trace = 0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736;
        let header = traceparent(trace, 0x00f0_67aa_0ba9_02b7);
        assert_eq!(
            header,
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        );
        assert_eq!(
            parse_traceparent(&header),
            Some((trace, 0x00f0_67aa_0ba9_02b7))
        );
        assert_eq!(
            parse_traceparent(&format!(" {header}\t")),
            Some((trace, 0x00f0_67aa_0ba9_02b7))
        );
        // A later version may add fields; its first four are read.
        let future = "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-extra";
        assert_eq!(
            parse_traceparent(future),
            Some((trace, 0x00f0_67aa_0ba9_02b7))
        );
    }

    #[test]
    fn bad_traceparents_are_refused() {
        let bad = [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",
            "00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7_01",
            "00-+bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0é",
        ];
        for value in bad {
            assert_eq!(parse_traceparent(value), None, "{value:?}");
        }
    }

    #[test]
    fn unsent_spans_are_handed_out_once() {
        let tracer = Tracer::new();
        let one = tracer.enter(&call("cli", "a", "f"), String::new(), None);
        tracer.exit(one, Ending::Returned(String::new()));
        assert_eq!(tracer.take_unsent().len(), 1);
        assert_eq!(tracer.take_unsent().len(), 0);
        let two = tracer.enter(&call("cli", "b", "g"), String::new(), None);
        tracer.exit(two, Ending::Returned(String::new()));
        let unsent = tracer.take_unsent();
        assert_eq!(unsent.len(), 1);
        assert_eq!(unsent[0].callee, "b");
        assert_eq!(tracer.finish().len(), 2);
    }

    #[test]
    fn a_root_joins_the_callers_trace_and_long_values_are_cut() {
        let tracer = Tracer::new();
        let context = TraceContext {
            trace: 7,
            remote_parent: Some(9),
        };
        let root = tracer.enter_root(&call("host", "front", "handle"), "x".repeat(500), context);
        assert_eq!(tracer.context_of(root), Some((7, root.id())));
        assert_eq!(tracer.remote_parent(root.id()), Some(9));
        let spans = tracer.finish();
        assert_eq!(spans[0].params.chars().count(), SHORT_FORM + 1);
        assert!(spans[0].params.ends_with('…'));
        assert_eq!(
            spans[0].trap.as_deref(),
            Some("did not return before the run ended")
        );
    }
}
