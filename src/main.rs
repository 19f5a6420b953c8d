//! The `wcomp` binary: parse the command line, run the command, render any
//! error once, and turn the outcome into an exit code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Like other Unix tools, end quietly when stdout is closed early
    // (`wcomp compose --json | head`), instead of panicking on EPIPE.
    #[cfg(unix)]
    // SAFETY: restoring the default action of a signal, before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    wcomp::ui::install_error_hook();
    // clap exits 2 on bad usage and 0 for `--help` / `--version`.
    let cli = wcomp::cli::Cli::parse();
    match cli.exec() {
        Ok(code) => code,
        Err(report) => {
            eprintln!("{report:?}");
            ExitCode::FAILURE
        }
    }
}
