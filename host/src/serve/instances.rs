//! The instances behind a server: wasmtime-wasi-http's `ProxyHandler`
//! creates a store and an instance (from the `InstancePre` made once) when
//! no instance can take a request, and asks us how long each may live.
//!
//! Limits are per store: its memory limiter caps the instance, fuel is
//! refilled as each request starts, and a request's timeout is enforced
//! from outside the guest (the epoch only makes a busy guest yield, every
//! tick, so the timers around it can fire).

use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::sync::Notify;
use tokio::time::Sleep;
use wasmtime::component::GuestTaskId;
use wasmtime::{Store, StoreContextMut};
use wasmtime_wasi_http::WasiHttpView;
use wasmtime_wasi_http::handler::{
    HandlerState, Instance, Proxy, ShouldAccept, WorkerExpiration, WorkerState, WorkerStatus,
};

use crate::limits::Limits;
use crate::serve::HandlerKind;
use crate::state::StoreData;
use crate::trace::{Call, Ending, Entered, StoreTrace, TraceContext};
use crate::{Host, Loaded, RunOptions};

/// How long an idle instance is kept for the next request.
const IDLE: Duration = Duration::from_secs(1);

/// How much longer than a request's timeout its instance may run before it
/// is dropped: the server answers the request at the timeout itself.
const EXPIRY_SLACK: Duration = Duration::from_millis(100);

/// Everything a new instance is made from.
pub(crate) struct Instances<T: 'static> {
    pub(crate) host: Arc<Host<T>>,
    pub(crate) loaded: Arc<Loaded<T>>,
    pub(crate) handler: super::Handler<T>,
    /// The store's options: grants, stdio, memory cap; no timeout (see the
    /// module docs) and fuel set per request.
    pub(crate) store_opts: RunOptions,
    pub(crate) timeout: Option<Duration>,
    pub(crate) fuel: Option<u64>,
    /// Requests one instance serves before it is replaced.
    pub(crate) reuse: usize,
    /// Requests one instance serves at the same time.
    pub(crate) concurrent: usize,
    pub(crate) instantiated: AtomicU64,
}

impl<T: Send + 'static> Instances<T> {
    /// A store for one instance, its limits set.
    fn store(&self) -> wasmtime::Result<Store<StoreData<T>>> {
        let mut store = self
            .host
            .store(&self.loaded, &self.store_opts)
            .map_err(wasmtime::Error::new)?;
        if self.timeout.is_some() {
            self.host.start_ticker()?;
            // Yield to the executor at every tick: a guest in a loop then
            // lets the request's timer fire, and the instance be dropped.
            store.epoch_deadline_async_yield_and_update(1);
            store.set_epoch_deadline(1);
        }
        Ok(store)
    }

    /// An instance of the handler in `store`: the composed component's, or
    /// a linked app's main component's once its providers are instantiated.
    async fn proxy(&self, store: &mut Store<StoreData<T>>) -> wasmtime::Result<Proxy> {
        match &self.handler {
            super::Handler::Whole(pre) => pre.instantiate_async(store).await,
            super::Handler::Linked(kind) => {
                let instance = self.loaded.pre.instantiate_async(&mut *store).await?;
                Ok(match kind {
                    HandlerKind::P3(_) => Proxy::P3(
                        wasmtime_wasi_http::p3::bindings::Service::new(store, &instance)?,
                    ),
                    HandlerKind::P2(_) => Proxy::P2(wasmtime_wasi_http::p2::bindings::Proxy::new(
                        store, &instance,
                    )?),
                })
            }
        }
    }

    /// The name of the component requests enter, for their root spans.
    fn main(&self) -> Arc<str> {
        match &self.loaded.pre {
            crate::load::Pre::Linked(linked) => Arc::from(linked.main.as_str()),
            crate::load::Pre::Whole(_) => Arc::from(self.loaded.name.as_str()),
        }
    }

    /// How long a request may take: its timeout, or forever.
    fn request_time(&self) -> Duration {
        self.timeout.map_or(Duration::MAX, |t| t + EXPIRY_SLACK)
    }
}

impl<T: Send + 'static> HandlerState for Instances<T> {
    type StoreData = StoreData<T>;
    type WorkerExpiration = Expiration;
    type WorkerState = Worker<T>;

    async fn instantiate(&self) -> wasmtime::Result<Instance<StoreData<T>, Expiration, Worker<T>>> {
        let mut store = self.store()?;
        let proxy = match self.timeout {
            Some(t) => tokio::time::timeout(t, self.proxy(&mut store))
                .await
                .map_err(|_| wasmtime::Error::new(wasmtime::Trap::Interrupt))??,
            None => self.proxy(&mut store).await?,
        };
        self.instantiated.fetch_add(1, Ordering::Relaxed);
        Ok(Instance {
            store,
            proxy,
            view: <StoreData<T> as WasiHttpView>::http,
            expiration: Expiration {
                request: self.request_time(),
                sleep: Box::pin(tokio::time::sleep(Duration::MAX)),
            },
            state: Worker {
                reuse: self.reuse,
                concurrent: self.concurrent,
                request: self.request_time(),
                fuel: self.fuel,
                limits: Limits {
                    timeout: self.timeout,
                    ..self.store_opts.limits
                },
                tickets: Mutex::new(Vec::new()),
                main: self.main(),
                data: PhantomData,
            },
        })
    }
}

/// When an instance is dropped: idle for [`IDLE`], or busy past a request's
/// time (checked from outside the guest, so a guest that never yields to
/// the event loop is still stopped).
pub(crate) struct Expiration {
    request: Duration,
    sleep: Pin<Box<Sleep>>,
}

impl WorkerExpiration for Expiration {
    fn poll(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        status: WorkerStatus,
        start: Instant,
    ) -> Poll<()> {
        let me = self.get_mut();
        let allowed = match status {
            WorkerStatus::Idle => IDLE,
            WorkerStatus::Requests | WorkerStatus::PostReturn => me.request,
        };
        let Some(deadline) = start.checked_add(allowed) else {
            return Poll::Pending;
        };
        let deadline = tokio::time::Instant::from_std(deadline);
        if me.sleep.deadline() != deadline {
            me.sleep.as_mut().reset(deadline);
        }
        me.sleep.as_mut().poll(cx)
    }
}

/// One instance's policy: how many requests it takes, in all and at once,
/// and what each request starts with; and the requests it took, to tell
/// them why it failed.
pub(crate) struct Worker<T> {
    reuse: usize,
    concurrent: usize,
    request: Duration,
    fuel: Option<u64>,
    limits: Limits,
    tickets: Mutex<Vec<Weak<Ticket>>>,
    /// The component requests enter.
    main: Arc<str>,
    /// The embedder's data in the instance's store.
    data: PhantomData<fn() -> T>,
}

/// How a request learns why its instance failed. When a guest traps, the
/// request's own answer is only "no response"; the trap itself reaches the
/// instance's owner, which passes it on through the tickets of the requests
/// the instance took.
///
/// A traced request's ticket also carries its root span: begun when the
/// request reaches an instance, ended when its response (or failure) is
/// known.
#[derive(Default)]
pub(crate) struct Ticket {
    failure: OnceLock<String>,
    told: Notify,
    /// The request line, and the trace it joins, when traced.
    traced: Option<(String, TraceContext)>,
    root: Mutex<Option<(StoreTrace, Entered)>>,
}

impl Ticket {
    /// The ticket of a traced request: `METHOD path`, and the trace its
    /// `traceparent` header names, if it has a valid one.
    pub(crate) fn traced(method: &http::Method, path: &str, headers: &http::HeaderMap) -> Self {
        let parent = headers
            .get("traceparent")
            .and_then(|v| v.to_str().ok())
            .and_then(crate::trace::parse_traceparent);
        let context = match parent {
            Some((trace, span)) => TraceContext {
                trace,
                remote_parent: Some(span),
            },
            None => TraceContext::default(),
        };
        Ticket {
            traced: Some((format!("{method} {path}"), context)),
            ..Ticket::default()
        }
    }

    /// Begins the request's root span in the store that takes it.
    fn begin_root(&self, trace: &StoreTrace, main: &Arc<str>) {
        let Some((line, context)) = &self.traced else {
            return;
        };
        let call = Call::new("host", main.clone(), Some("wasi:http/handler"), "handle");
        let entered = trace.enter(&call, line.clone(), Some(*context));
        *self.root.lock().unwrap_or_else(|e| e.into_inner()) = Some((trace.clone(), entered));
    }

    /// Ends the request's root span with its status, or why it failed.
    pub(crate) fn end_root(&self, outcome: Result<http::StatusCode, &String>) {
        let root = self.root.lock().unwrap_or_else(|e| e.into_inner()).take();
        let Some((trace, entered)) = root else {
            return;
        };
        let ending = match outcome {
            Ok(status) => Ending::Returned(status.as_u16().to_string()),
            Err(why) => Ending::Trapped(why.clone()),
        };
        trace.exit(entered, ending);
    }

    /// Why the instance failed, waiting up to `wait` to be told.
    pub(crate) async fn failure(&self, wait: Duration) -> Option<String> {
        let told = self.told.notified();
        let mut told = std::pin::pin!(told);
        told.as_mut().enable();
        if self.failure.get().is_none() {
            let _ = tokio::time::timeout(wait, told).await;
        }
        self.failure.get().cloned()
    }

    fn tell(&self, failure: &str) {
        let _ = self.failure.set(failure.to_owned());
        self.told.notify_waiters();
    }
}

impl<T: Send + 'static> WorkerState for Worker<T> {
    type StoreData = StoreData<T>;
    type RequestData = Arc<Ticket>;

    fn should_accept_request(&self, concurrent: usize, total: usize) -> ShouldAccept {
        if total >= self.reuse {
            ShouldAccept::Never
        } else if concurrent >= self.concurrent {
            ShouldAccept::No
        } else {
            ShouldAccept::Yes
        }
    }

    fn on_request_start(
        &self,
        mut store: StoreContextMut<'_, StoreData<T>>,
        ticket: Arc<Ticket>,
        _task: GuestTaskId,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + Sync>> {
        if let Some(trace) = &store.data().trace {
            ticket.begin_root(trace, &self.main);
        }
        if let Ok(mut tickets) = self.tickets.lock() {
            tickets.retain(|t| t.strong_count() > 0);
            tickets.push(Arc::downgrade(&ticket));
        }
        if let Some(fuel) = self.fuel {
            // Each request gets the whole allowance; the store was made
            // with fuel counting on, so this cannot fail.
            let _ = store.set_fuel(fuel);
        }
        if self.request == Duration::MAX {
            Box::pin(std::future::pending())
        } else {
            Box::pin(tokio::time::sleep(self.request))
        }
    }

    fn drop(&self, store: Store<StoreData<T>>, result: wasmtime::Result<()>) {
        drop(store);
        if let Err(e) = result {
            let reason = crate::failure::reason(&self.limits, &e).0;
            let tickets = self.tickets.lock().map(|t| t.clone()).unwrap_or_default();
            for ticket in tickets.iter().filter_map(Weak::upgrade) {
                ticket.tell(&reason);
            }
        }
    }
}
