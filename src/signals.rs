//! Ctrl-C and SIGTERM for the commands that write files and do not handle
//! signals themselves (`run`, `serve` and `dev` do): the temporary files of
//! writes under way are removed before the process exits with the code a
//! shell gives a process stopped by the signal (130, 143). It is set up
//! before the process makes its first temporary file
//! ([`wcomp_core::fs::on_first_temporary`]): until then a signal's default
//! action, which ends the process with the same status for a shell, leaves
//! nothing behind, and a command that writes nothing pays nothing.
//!
//! A signal handler may only do what is async-signal-safe, which rules out
//! the lock and the list of files. So the handler only writes the signal's
//! number to a pipe (`write` is async-signal-safe), and a thread of ours,
//! blocked reading the pipe, does the removing, as ordinary code: the
//! self-pipe way, without the async runtime (and its start) that every
//! command would otherwise pay for. Blocking the signals and `sigwait`ing
//! would do too, but a blocked mask is inherited by the toolchains `wcomp
//! build` starts, which then could not be stopped. A caught signal's
//! handler is reset by `exec`, so those toolchains get the default action.

/// Starts the thread that removes temporary files and exits on SIGINT or
/// SIGTERM; the handlers are in place when it returns. Without them (no
/// pipe could be made), the signals keep their default action.
pub fn remove_temporaries_on_signal() {
    #[cfg(unix)]
    unix::remove_temporaries_on_signal();
}

#[cfg(unix)]
mod unix {
    use std::sync::atomic::{AtomicI32, Ordering};

    /// The pipe's write end, for the handler.
    static WAKE: AtomicI32 = AtomicI32::new(-1);

    pub(super) fn remove_temporaries_on_signal() {
        let mut pipe = [0; 2];
        // SAFETY: `pipe` has room for the two descriptors written.
        if unsafe { libc::pipe2(pipe.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
            return;
        }
        let [read_end, write_end] = pipe;
        WAKE.store(write_end, Ordering::Relaxed);
        // A signal ignored when wcomp started (`nohup`, a background job of
        // a script) stays ignored: listening would make it stop wcomp.
        let listened = [libc::SIGINT, libc::SIGTERM]
            .into_iter()
            .filter(|&signal| !ignored(signal))
            .filter(|&signal| listen(signal))
            .count();
        if listened == 0 {
            // SAFETY: both descriptors were just opened here and are not
            // used after.
            unsafe {
                libc::close(read_end);
                libc::close(write_end);
            }
            return;
        }
        std::thread::spawn(move || {
            let signal = wait(read_end);
            // Held until the process ends: no temporary file is made after.
            let _held = wcomp_core::fs::remove_temporaries();
            std::process::exit(128 + signal);
        });
    }

    /// The number of the first signal written to the pipe at `read_end`.
    fn wait(read_end: libc::c_int) -> libc::c_int {
        let mut byte = 0u8;
        loop {
            // SAFETY: reads at most one byte into `byte`.
            let read = unsafe { libc::read(read_end, (&raw mut byte).cast(), 1) };
            if read == 1 {
                return libc::c_int::from(byte);
            }
            if read == 0
                || std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted
            {
                // The write end is never closed: this cannot happen, but a
                // thread with nothing to wait for must not spin.
                std::thread::park();
            }
        }
    }

    /// Installs [`on_signal`] for `signal`; whether it took.
    fn listen(signal: libc::c_int) -> bool {
        // SAFETY: a zeroed `sigaction` is a valid value to fill in; the
        // handler is async-signal-safe, and the call reads `action` only.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, std::ptr::null_mut()) == 0
        }
    }

    /// The handler: writes the signal's number to the pipe, and nothing
    /// else.
    extern "C" fn on_signal(signal: libc::c_int) {
        let byte = signal as u8;
        // SAFETY: write(2) is async-signal-safe, and `byte` outlives the
        // call. A full pipe means a signal is waiting to be read already.
        // `errno` is put back, for the code the signal interrupted.
        unsafe {
            let errno = errno();
            let saved = *errno;
            libc::write(WAKE.load(Ordering::Relaxed), (&raw const byte).cast(), 1);
            *errno = saved;
        }
    }

    /// This thread's `errno`.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    unsafe fn errno() -> *mut libc::c_int {
        // SAFETY: no preconditions; async-signal-safe.
        unsafe { libc::__errno_location() }
    }

    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    unsafe fn errno() -> *mut libc::c_int {
        // SAFETY: no preconditions; async-signal-safe.
        unsafe { libc::__error() }
    }

    /// Whether `signal` is ignored in this process.
    fn ignored(signal: libc::c_int) -> bool {
        // SAFETY: querying the action only (a null new action); `old` is
        // written by the call before it is read.
        unsafe {
            let mut old: libc::sigaction = std::mem::zeroed();
            libc::sigaction(signal, std::ptr::null(), &mut old) == 0
                && old.sa_sigaction == libc::SIG_IGN
        }
    }
}
