//! The `wcomp` binary: everything is in the library.

use std::process::ExitCode;

fn main() -> ExitCode {
    // Like other Unix tools, end quietly when stdout is closed early
    // (`wcomp compose --json | head`), instead of panicking on EPIPE.
    #[cfg(unix)]
    // SAFETY: restoring the default action of a signal, before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    wcomp::main()
}
