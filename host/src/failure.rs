//! How a run ends badly: a trap, a limit reached, or a wait that outlived
//! its deadline, turned into a diagnostic that names the component, the
//! function and the reason, with the wasm backtrace.

use std::time::Duration;

use wasmtime::Trap;
use wcomp_core::fmt::Elapsed;

use crate::error::{LimitReached, RunError};
use crate::limits::{Limits, MemoryLimitReached};

/// Bounds `run` by the timeout in wall-clock time too: a guest waiting in
/// a host call (on stdin, on a stream, on a future) never reaches an epoch
/// check, so the epoch deadline alone would not stop it.
pub(crate) async fn with_timeout<R>(
    timeout: Option<Duration>,
    run: impl Future<Output = wasmtime::Result<R>>,
) -> wasmtime::Result<R> {
    match timeout {
        // A little slack so the epoch trap, which has a backtrace, wins when
        // the guest is running wasm.
        Some(t) => match tokio::time::timeout(t + Duration::from_millis(250), run).await {
            Ok(result) => result,
            Err(_) => Err(wasmtime::Error::new(Trap::Interrupt)),
        },
        None => run.await,
    }
}

/// Turns a trap or host error into the run's diagnostic: the component,
/// the function, the reason in words, and the wasm backtrace.
pub(crate) fn failure(
    component: &str,
    function: &str,
    limits: &Limits,
    err: wasmtime::Error,
) -> RunError {
    let (reason, next) = reason(limits, &err);
    RunError::Trap {
        component: component.to_owned(),
        function: function.to_owned(),
        reason,
        limit: limit_reached(limits, &err),
        help: format!("{next}{}", backtrace(&err)),
    }
}

/// Why the run stopped, and what to do about it.
pub(crate) fn reason(limits: &Limits, err: &wasmtime::Error) -> (String, &'static str) {
    if let Some(limit) = err.downcast_ref::<MemoryLimitReached>() {
        return (limit.to_string(), "raise it with `--max-memory`");
    }
    match err.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => (
            match limits.timeout {
                Some(t) => format!("timeout after {}", Elapsed(t)),
                None => "interrupted".to_owned(),
            },
            "raise it with `--timeout`",
        ),
        Some(Trap::OutOfFuel) => (
            format!("fuel limit of {} reached", limits.fuel.unwrap_or_default()),
            "raise it with `--fuel`",
        ),
        Some(_) => (
            trap_message(err),
            "the guest trapped; the backtrace shows where",
        ),
        None => (
            trap_message(err),
            "the guest failed; the backtrace shows where",
        ),
    }
}

/// A trap's message in words, without Wasmtime's `wasm trap: ` prefix, or
/// a host error's root cause.
pub(crate) fn trap_message(err: &wasmtime::Error) -> String {
    match err.downcast_ref::<Trap>() {
        Some(trap) => trap
            .to_string()
            .trim_start_matches("wasm trap: ")
            .to_owned(),
        None => err.root_cause().to_string(),
    }
}

/// The limit that stopped the guest, if a limit did.
fn limit_reached(limits: &Limits, err: &wasmtime::Error) -> Option<LimitReached> {
    if err.is::<MemoryLimitReached>() {
        return Some(LimitReached::Memory);
    }
    match err.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) if limits.timeout.is_some() => Some(LimitReached::Timeout),
        Some(Trap::OutOfFuel) => Some(LimitReached::Fuel),
        _ => None,
    }
}

/// The wasm frames of the error's backtrace, without Wasmtime's heading.
fn backtrace(err: &wasmtime::Error) -> String {
    let Some(bt) = err.downcast_ref::<wasmtime::WasmBacktrace>() else {
        return String::new();
    };
    let frames: Vec<String> = bt
        .to_string()
        .lines()
        .filter(|l| !l.starts_with("error while executing"))
        .map(|l| l.trim_start().to_owned())
        .collect();
    format!("\nwasm backtrace:\n  {}", frames.join("\n  "))
}
