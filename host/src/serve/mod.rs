//! Serving a wasi:http handler over HTTP/1.1: `wcomp serve`.
//!
//! A component exporting `wasi:http/handler@0.3.x` or
//! `wasi:http/incoming-handler@0.2.x` is linked once (an `InstancePre`);
//! each request then takes an instance from wasmtime-wasi-http's
//! `ProxyHandler`, which makes one in a fresh store (microseconds, with
//! the pooling allocator) or, for 0.3 handlers, reuses one that has
//! capacity. A 0.2 instance serves one request.
//!
//! ```no_run
//! # async fn example() -> Result<(), wcomp_host::serve::ServeError> {
//! use std::sync::Arc;
//! use wcomp_host::Host;
//! use wcomp_host::serve::{ServeOptions, Server};
//! let host = Arc::new(Host::builder().pooling_allocator(true).build()?);
//! let loaded = host.load("composed.wasm".as_ref())?;
//! let addr = "127.0.0.1:8080".parse().unwrap();
//! let server = Server::bind(host, loaded, addr, ServeOptions::default())?;
//! let stopped = server
//!     .run(async { let _ = tokio::signal::ctrl_c().await; }, |record| {
//!         // The caller decides what a person sees.
//!         let _ = record;
//!     })
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! Every request is reported, once, when its response has been sent (or
//! has failed): method, path, status, duration, and why it failed. The
//! library never prints.

mod body;
mod error;
mod instances;

use std::convert::Infallible;
use std::fmt;
use std::net::SocketAddr;
use std::path::Path;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use http::{Method, Response, StatusCode};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use tokio::sync::watch;
use tokio::task::JoinSet;
use wasmtime_wasi_http::WasiBody;
use wasmtime_wasi_http::handler::{
    ExpirationError, InstantiationError, ProxyHandler, ProxyPre, TrapOrPanicError,
};
use wasmtime_wasi_http::io::TokioIo;
use wcomp_core::InterfaceName;
use wcomp_core::fmt::{Elapsed, Size};

pub use error::ServeError;

use crate::call::exports;
use crate::error::cause;
use crate::limits::Limits;
use crate::{Grants, Host, Loaded, RunOptions, Stdio};
use body::{Capped, Report, Reported};
use instances::{Instances, Ticket};

/// Where a server listens unless told otherwise.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";

/// The largest request body by default: 16 MiB.
pub const DEFAULT_MAX_BODY: u64 = 16 << 20;

/// Requests a 0.3 instance serves, by default, before it is replaced (as
/// `wasmtime serve` does).
pub const DEFAULT_REUSE: u32 = 128;

/// Requests a 0.3 instance serves at the same time.
const CONCURRENT_PER_INSTANCE: usize = 16;

/// How long requests in flight may take to finish once the server stops,
/// by default.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(10);

/// How long a connection may take to send a request's head, by default.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// How a server runs its handler. Build it from the default with the
/// `with_` methods.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServeOptions {
    /// What every instance may touch (outgoing HTTP included).
    pub grants: Grants,
    /// `timeout` per request, `max_memory` per instance, `fuel` per request.
    pub limits: Limits,
    /// The guests' stdio (stdin is read by no request in particular).
    pub stdio: Stdio,
    /// The largest request body; a larger one is answered 413.
    pub max_body: u64,
    /// Requests a 0.3 instance serves before it is replaced; `None` is
    /// [`DEFAULT_REUSE`]. A 0.2 instance always serves one.
    pub reuse: Option<usize>,
    /// How long requests in flight may take to finish once the server stops.
    pub grace: Duration,
    /// How long a connection may take to send the head (request line and
    /// headers) of its next request, from its opening or the end of its
    /// last response; then it is closed without an answer. This bounds
    /// what a client that sends slowly, or not at all, holds (slowloris).
    pub header_timeout: Duration,
    /// Where the calls of a linked handler's components are recorded, one
    /// trace per request (joining the caller's, given a `traceparent`).
    pub tracer: Option<Arc<crate::trace::Tracer>>,
    /// What each call between a linked handler's components is offered
    /// to first (see [`crate::linked::Intercept`]).
    pub intercept: Option<Arc<dyn crate::linked::Intercept>>,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            grants: Grants::default(),
            limits: Limits::default(),
            stdio: Stdio::default(),
            max_body: DEFAULT_MAX_BODY,
            reuse: None,
            grace: DEFAULT_GRACE,
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            tracer: None,
            intercept: None,
        }
    }
}

impl ServeOptions {
    /// What every instance may touch.
    pub fn with_grants(mut self, grants: Grants) -> Self {
        self.grants = grants;
        self
    }

    /// The limits of each request (timeout, fuel) and instance (memory).
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The guests' stdio.
    pub fn with_stdio(mut self, stdio: Stdio) -> Self {
        self.stdio = stdio;
        self
    }

    /// The largest request body, in bytes; a larger one is answered 413.
    pub fn with_max_body(mut self, bytes: u64) -> Self {
        self.max_body = bytes;
        self
    }

    /// Requests a WASI 0.3 instance serves before it is replaced (`None`:
    /// [`DEFAULT_REUSE`]).
    pub fn with_reuse(mut self, requests: impl Into<Option<usize>>) -> Self {
        self.reuse = requests.into();
        self
    }

    /// How long requests in flight may take to finish once the server stops.
    pub fn with_grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// How long a connection may take to send a request's head.
    pub fn with_header_timeout(mut self, timeout: Duration) -> Self {
        self.header_timeout = timeout;
        self
    }

    /// Records the calls of a linked handler's components in `tracer`, one
    /// trace per request. Each instance then takes one request at a time,
    /// so that every call is seen under the request that made it.
    pub fn with_tracer(mut self, tracer: Arc<crate::trace::Tracer>) -> Self {
        self.tracer = Some(tracer);
        self
    }

    /// Offers each call between a linked handler's components to
    /// `intercept` first, in every instance (as
    /// [`RunOptions::with_intercept`] does for one run).
    pub fn with_intercept(mut self, intercept: Arc<dyn crate::linked::Intercept>) -> Self {
        self.intercept = Some(intercept);
        self
    }
}

/// Which handler interface a component exports.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HandlerKind {
    /// `wasi:http/incoming-handler@0.2.x`: a fresh instance per request.
    P2(InterfaceName),
    /// `wasi:http/handler@0.3.x`: instances reused.
    P3(InterfaceName),
}

impl fmt::Display for HandlerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandlerKind::P2(name) | HandlerKind::P3(name) => name.fmt(f),
        }
    }
}

/// One request, as the log shows it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RequestRecord {
    /// Counts from 0 in the order requests arrived.
    pub id: u64,
    /// The request's method.
    pub method: Method,
    /// The path and query.
    pub path: String,
    /// The status of the response, or of the error answered instead.
    pub status: StatusCode,
    /// From the request's arrival to the end of its response.
    pub duration: Duration,
    /// Why the handler did not answer, or its answer broke off.
    pub failure: Option<String>,
}

impl fmt::Display for RequestRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {}",
            self.method,
            self.path,
            self.status.as_u16(),
            Fine(self.duration)
        )?;
        match &self.failure {
            Some(failure) => write!(f, ": {failure}"),
            None => Ok(()),
        }
    }
}

/// A request's duration: microseconds under a millisecond.
struct Fine(Duration);

impl fmt::Display for Fine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let micros = self.0.as_micros();
        match micros {
            0..1_000 => write!(f, "{micros}µs"),
            1_000..1_000_000 => write!(f, "{:.1}ms", micros as f64 / 1000.0),
            _ => Elapsed(self.0).fmt(f),
        }
    }
}

/// How a server stopped.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Stopped {
    /// Requests answered, in all.
    pub requests: u64,
    /// Instances made, in all.
    pub instances: u64,
    /// Connections still open when the grace period ended, closed.
    pub abandoned: usize,
}

/// A handler bound to an address, ready to [run](Server::run).
pub struct Server<T: 'static = ()> {
    listener: std::net::TcpListener,
    addr: SocketAddr,
    kind: HandlerKind,
    shared: Arc<Shared>,
    instances: Instances<T>,
    grace: Duration,
}

/// What every request's task needs.
struct Shared {
    component: String,
    max_body: u64,
    header_timeout: Duration,
    limits: Limits,
    next_id: AtomicU64,
    /// Whether requests are traced (their tickets carry a root span).
    traced: bool,
}

impl<T: Send + 'static> Server<T> {
    /// Checks that `loaded` is a handler and listens on `addr` (port 0
    /// picks a free one; see [`Server::local_addr`]).
    pub fn bind(
        host: Arc<Host<T>>,
        loaded: impl Into<Arc<Loaded<T>>>,
        addr: SocketAddr,
        opts: ServeOptions,
    ) -> Result<Server<T>, ServeError> {
        let loaded = loaded.into();
        if opts.limits.timeout.is_some() && !host.timeouts() {
            return Err(ServeError::TimeoutsOff);
        }
        let kind = handler_kind(&host, &loaded)?;
        let handler = Handler::of(&loaded, &kind)?;
        let listener = std::net::TcpListener::bind(addr).map_err(|source| match source.kind() {
            std::io::ErrorKind::AddrInUse => ServeError::AddressInUse { addr },
            _ => ServeError::Listen { addr, source },
        })?;
        let listen_error = |source| ServeError::Listen { addr, source };
        listener.set_nonblocking(true).map_err(listen_error)?;
        let local = listener.local_addr().map_err(listen_error)?;
        let reuse = match kind {
            HandlerKind::P2(_) => 1,
            HandlerKind::P3(_) => opts.reuse.unwrap_or(DEFAULT_REUSE as usize).max(1),
        };
        let shared = Arc::new(Shared {
            component: loaded.name.clone(),
            max_body: opts.max_body,
            header_timeout: opts.header_timeout,
            limits: opts.limits,
            next_id: AtomicU64::new(0),
            traced: opts.tracer.is_some(),
        });
        let instances = Instances {
            store_opts: RunOptions {
                args: vec![loaded.name.clone()],
                grants: opts.grants,
                limits: Limits {
                    timeout: None,
                    ..opts.limits
                },
                stdio: opts.stdio,
                tracer: opts.tracer.clone(),
                profiler: None,
                clock: None,
                random_seed: None,
                intercept: opts.intercept.clone(),
            },
            timeout: opts.limits.timeout,
            fuel: opts.limits.fuel,
            reuse,
            concurrent: match opts.tracer {
                Some(_) => 1,
                None => CONCURRENT_PER_INSTANCE,
            },
            instantiated: AtomicU64::new(0),
            host,
            loaded,
            handler,
        };
        Ok(Server {
            listener,
            addr: local,
            kind,
            shared,
            instances,
            grace: opts.grace,
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The handler interface it serves.
    pub fn kind(&self) -> &HandlerKind {
        &self.kind
    }

    /// Serves until `shutdown` completes, then stops accepting connections
    /// and lets requests in flight finish within the grace period.
    /// `report` hears about every request once its response is done.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()>,
        report: impl Fn(&RequestRecord) + Send + Sync + 'static,
    ) -> Result<Stopped, ServeError> {
        let addr = self.addr;
        let listener = tokio::net::TcpListener::from_std(self.listener)
            .map_err(|source| ServeError::Listen { addr, source })?;
        let handler = ProxyHandler::new(self.instances);
        let report: Report = Arc::new(report);
        let (stop, stopping) = watch::channel(false);
        let mut connections = JoinSet::new();
        let mut shutdown = pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => {
                        // Small responses go out at once (no Nagle delay).
                        let _ = stream.set_nodelay(true);
                        connections.spawn(connection(
                            stream,
                            handler.clone(),
                            self.shared.clone(),
                            report.clone(),
                            stopping.clone(),
                        ));
                    }
                    // Out of file descriptors, or a connection reset before
                    // it was accepted: wait a moment, then accept again.
                    Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
                },
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        }
        drop(listener);
        let _ = stop.send(true);
        let drained = tokio::time::timeout(self.grace, async {
            while connections.join_next().await.is_some() {}
        })
        .await;
        let abandoned = if drained.is_ok() {
            0
        } else {
            connections.len()
        };
        connections.abort_all();
        Ok(Stopped {
            requests: self.shared.next_id.load(Ordering::Relaxed),
            instances: handler.state().instantiated.load(Ordering::Relaxed),
            abandoned,
        })
    }
}

/// The handler interface `loaded` exports (see [`handler_among`]).
fn handler_kind<T: Send + 'static>(
    host: &Host<T>,
    loaded: &Loaded<T>,
) -> Result<HandlerKind, ServeError> {
    let ty = loaded.component.component_type();
    let exported: Vec<&str> = ty.exports(host.engine()).map(|(name, _)| name).collect();
    handler_among(&loaded.name, &exported)?.ok_or_else(|| ServeError::NotAHandler {
        component: loaded.name.clone(),
        exports: exports::bullet_list(&exports::exported_functions(
            host.engine(),
            &loaded.component,
        )),
    })
}

/// Checks that the component in `bytes` exports an HTTP handler before it
/// is compiled (which takes seconds for a large one), from the names of
/// its exports alone; refuses it as [`Server::bind`] would. `Ok(None)`:
/// the bytes are not a well-formed component, which loading them reports.
pub fn expect_handler(path: &Path, bytes: &[u8]) -> Result<Option<HandlerKind>, ServeError> {
    let Some(exported) = crate::split::top_level_exports(bytes) else {
        return Ok(None);
    };
    let exported: Vec<&str> = exported.iter().map(String::as_str).collect();
    let name = crate::display_name(path);
    match handler_among(&name, &exported)? {
        Some(kind) => Ok(Some(kind)),
        // Not a handler: decode its world for the list of what it exports.
        None => {
            let component = wcomp_core::Component::from_bytes(path, bytes)
                .map_err(|e| ServeError::Run(e.into()))?;
            Err(ServeError::NotAHandler {
                component: name,
                exports: exports::bullet_list(&component.exported_functions()),
            })
        }
    }
}

/// The handler interface among a component's exports: 0.3 first, as
/// `wasmtime serve` chooses; `None` when it exports neither.
fn handler_among(component: &str, exported: &[&str]) -> Result<Option<HandlerKind>, ServeError> {
    let exported: Vec<InterfaceName> = exported
        .iter()
        .filter_map(|name| InterfaceName::parse(name))
        .collect();
    let find = |interface: &str| {
        exported
            .iter()
            .find(|name| name.unversioned() == interface)
            .cloned()
    };
    let unsupported = |export: &InterfaceName| ServeError::UnsupportedVersion {
        component: component.to_owned(),
        export: export.to_string(),
    };
    if let Some(name) = find("wasi:http/handler") {
        return match &name.version {
            Some(v) if v.pre.is_empty() && (v.major, v.minor) == (0, 3) => {
                Ok(Some(HandlerKind::P3(name)))
            }
            _ => Err(unsupported(&name)),
        };
    }
    if let Some(name) = find("wasi:http/incoming-handler") {
        return match &name.version {
            Some(v) if v.pre.is_empty() && (v.major, v.minor) == (0, 2) => {
                Ok(Some(HandlerKind::P2(name)))
            }
            _ => Err(unsupported(&name)),
        };
    }
    Ok(None)
}

/// How an instance of the handler is made.
pub(crate) enum Handler<T: 'static> {
    /// From the composed component's typed pre-instance.
    Whole(ProxyPre<crate::state::StoreData<T>>),
    /// By instantiating a linked app's components, then typing the main
    /// one's handler.
    Linked(HandlerKind),
}

impl<T: Send + 'static> Handler<T> {
    /// The handler of `loaded`, which exports `kind`.
    fn of(loaded: &Loaded<T>, kind: &HandlerKind) -> Result<Self, ServeError> {
        let crate::load::Pre::Whole(pre) = &loaded.pre else {
            return Ok(Handler::Linked(kind.clone()));
        };
        let pre = pre.clone();
        let bindings = match kind {
            HandlerKind::P3(_) => {
                wasmtime_wasi_http::p3::bindings::ServicePre::new(pre).map(ProxyPre::P3)
            }
            HandlerKind::P2(_) => {
                wasmtime_wasi_http::p2::bindings::ProxyPre::new(pre).map(ProxyPre::P2)
            }
        };
        bindings
            .map(Handler::Whole)
            .map_err(|e| ServeError::Bindings {
                component: loaded.name.clone(),
                export: kind.to_string(),
                source: cause(e),
            })
    }
}

/// Serves one connection's requests until the client closes it, or the
/// server stops (then after the request in flight, if any).
async fn connection<T: Send + 'static>(
    stream: tokio::net::TcpStream,
    handler: ProxyHandler<Instances<T>>,
    shared: Arc<Shared>,
    report: Report,
    mut stopping: watch::Receiver<bool>,
) {
    let header_timeout = shared.header_timeout;
    let service = hyper::service::service_fn(move |request| {
        let (handler, shared, report) = (handler.clone(), shared.clone(), report.clone());
        async move { Ok::<_, Infallible>(respond(&handler, &shared, report, request).await) }
    });
    let conn = http1::Builder::new()
        .keep_alive(true)
        .timer(TokioTimer)
        .header_read_timeout(header_timeout)
        .serve_connection(TokioIo::new(stream), service);
    let mut conn = pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => return,
        _ = stopping.wait_for(|stop| *stop) => {}
    }
    conn.as_mut().graceful_shutdown();
    let _ = conn.await;
}

/// hyper's timers on tokio's clock, for its header-read timeout.
#[derive(Debug, Clone, Copy)]
struct TokioTimer;

impl hyper::rt::Timer for TokioTimer {
    fn sleep(&self, duration: Duration) -> std::pin::Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(TokioSleep(Box::pin(tokio::time::sleep(duration))))
    }

    fn sleep_until(&self, deadline: Instant) -> std::pin::Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(TokioSleep(Box::pin(tokio::time::sleep_until(
            deadline.into(),
        ))))
    }
}

/// A tokio sleep that hyper can hold.
struct TokioSleep(std::pin::Pin<Box<tokio::time::Sleep>>);

impl Future for TokioSleep {
    type Output = ();

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        self.0.as_mut().poll(cx)
    }
}

impl hyper::rt::Sleep for TokioSleep {}

/// Answers one request: 413 for a body over the limit, the handler's
/// response, or an error status when the handler fails (500), runs out of
/// time (504) or cannot be instantiated (503).
async fn respond<T: Send + 'static>(
    handler: &ProxyHandler<Instances<T>>,
    shared: &Shared,
    report: Report,
    request: hyper::Request<Incoming>,
) -> Response<Reported> {
    let started = Instant::now();
    let id = shared.next_id.fetch_add(1, Ordering::Relaxed);
    let mut record = RequestRecord {
        id,
        method: request.method().clone(),
        path: request.uri().path_and_query().map_or_else(
            || request.uri().path().to_owned(),
            |p| p.as_str().to_owned(),
        ),
        status: StatusCode::OK,
        duration: Duration::ZERO,
        failure: None,
    };
    let declared = request
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    let response = if declared.is_some_and(|len| len > shared.max_body) {
        Err(too_large(shared.max_body))
    } else {
        let exceeded = Arc::new(AtomicBool::new(false));
        let request = request.map(|body| Capped::wrap(body, shared.max_body, exceeded.clone()));
        let ticket = Arc::new(match shared.traced {
            true => Ticket::traced(&record.method, &record.path, request.headers()),
            false => Ticket::default(),
        });
        let handled = match shared.limits.timeout {
            Some(t) => tokio::time::timeout(t, handler.handle(ticket.clone(), request))
                .await
                .unwrap_or_else(|_| Err(ExpirationError.into())),
            None => handler.handle(ticket.clone(), request).await,
        };
        let response = match handled {
            _ if exceeded.load(Ordering::Relaxed) => Err(too_large(shared.max_body)),
            Ok(response) => Ok(response),
            Err(e) => Err(failed(&shared.component, &shared.limits, e, &ticket).await),
        };
        ticket.end_root(
            response
                .as_ref()
                .map(|r| r.status())
                .map_err(|(_, why)| why),
        );
        response
    };
    let (response, failure) = match response {
        Ok(response) => (response, None),
        Err((status, failure)) => (plain(status, &failure), Some(failure)),
    };
    record.status = response.status();
    record.failure = failure;
    response.map(|body| Reported::new(body, record, started, report))
}

/// 413, for a body over the limit.
fn too_large(limit: u64) -> (StatusCode, String) {
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "the request body is larger than the limit of {}",
            Size(limit)
        ),
    )
}

/// How long a request whose instance failed waits to be told why.
const TOLD_WITHIN: Duration = Duration::from_secs(1);

/// The status and account of a handler that did not answer.
async fn failed(
    component: &str,
    limits: &Limits,
    err: wasmtime::Error,
    ticket: &Ticket,
) -> (StatusCode, String) {
    let failed = |reason: String| {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("`{component}` failed: {reason}"),
        )
    };
    if err.is::<ExpirationError>() {
        let after = limits
            .timeout
            .map(|t| format!(" after {}", Elapsed(t)))
            .unwrap_or_default();
        return (
            StatusCode::GATEWAY_TIMEOUT,
            format!("`{component}` timed out{after}"),
        );
    }
    if let Some(e) = err.downcast_ref::<InstantiationError<Arc<Ticket>>>() {
        let reason = crate::failure::reason(limits, &e.error).0;
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("cannot instantiate `{component}`: {reason}"),
        );
    }
    if let Some(code) =
        err.downcast_ref::<wasmtime_wasi_http::p3::bindings::http::types::ErrorCode>()
    {
        return failed(format!("it answered with the error `{code:?}`"));
    }
    if err.is::<wasmtime::Trap>() || err.is::<crate::limits::MemoryLimitReached>() {
        return failed(crate::failure::reason(limits, &err).0);
    }
    // The instance failed as a whole (a trap, the request's own or not):
    // its owner says why.
    match ticket.failure(TOLD_WITHIN).await {
        Some(reason) => failed(reason),
        None if err.is::<TrapOrPanicError>() => failed("its instance failed".to_owned()),
        None => failed(err.root_cause().to_string()),
    }
}

/// A short plain-text response for a request the handler did not answer.
fn plain(status: StatusCode, failure: &str) -> Response<WasiBody> {
    let text = match status {
        StatusCode::PAYLOAD_TOO_LARGE => format!("{failure}\n"),
        _ => format!(
            "{} {}\n",
            status.as_u16(),
            status.canonical_reason().unwrap_or_default()
        ),
    };
    let mut response = Response::new(body::text(text));
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}
