//! Ctrl-C and SIGTERM for the commands that write files and do not handle
//! signals themselves (`run`, `serve` and `dev` do): the temporary files of
//! writes under way are removed before the process exits with the code a
//! shell gives a process stopped by the signal (130, 143).
//!
//! A signal handler may only do what is async-signal-safe, which rules out
//! the lock and the list of files. So the handler is tokio's (through
//! signal-hook-registry), which only records the signal and wakes a thread
//! of ours; that thread does the removing, as ordinary code. Blocking the
//! signals and `sigwait`ing would do too, but a blocked mask is inherited by
//! the toolchains `wcomp build` starts, which then could not be stopped.

/// Starts the thread that removes temporary files and exits on SIGINT or
/// SIGTERM; the handlers are in place when it returns. Without them (no
/// runtime could be made), the signals keep their default action.
pub fn remove_temporaries_on_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
        else {
            return;
        };
        // A signal ignored when wcomp started (`nohup`, a background job of
        // a script) stays ignored: listening would make it stop wcomp.
        let listen = |kind: SignalKind| {
            if ignored(kind.as_raw_value()) {
                return None;
            }
            let _context = runtime.enter();
            signal(kind).ok()
        };
        let mut interrupt = listen(SignalKind::interrupt());
        let mut terminate = listen(SignalKind::terminate());
        if interrupt.is_none() && terminate.is_none() {
            return;
        }
        std::thread::spawn(move || {
            let code = runtime.block_on(async {
                tokio::select! {
                    Some(_) = recv(&mut interrupt) => 130,
                    Some(_) = recv(&mut terminate) => 143,
                    else => std::future::pending().await,
                }
            });
            // Held until the process ends: no temporary file is made after.
            let _held = wcomp_core::fs::remove_temporaries();
            std::process::exit(code);
        });
    }
}

/// The next delivery of `signal`, or never if it is not listened for.
#[cfg(unix)]
async fn recv(signal: &mut Option<tokio::signal::unix::Signal>) -> Option<()> {
    match signal {
        Some(signal) => signal.recv().await,
        None => std::future::pending().await,
    }
}

/// Whether `signal` is ignored in this process.
#[cfg(unix)]
fn ignored(signal: libc::c_int) -> bool {
    // SAFETY: querying the action only (a null new action); `old` is
    // written by the call before it is read.
    unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        libc::sigaction(signal, std::ptr::null(), &mut old) == 0
            && old.sa_sigaction == libc::SIG_IGN
    }
}
