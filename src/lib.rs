//! wcomp: build, compose and run polyglot WebAssembly components.
//!
//! The binary in `main.rs` calls [`main`]. [`cli`] holds the clap
//! definition, [`commands`] one module per subcommand, and the work itself
//! lives in modules named for what they do; the host and the composition
//! engine are their own crates (`wcomp-host`, `wcomp-compose`), and what
//! all of them share is `wcomp-core`.

mod build;
mod cli;
mod commands;
mod deploy;
mod dev;
mod flags;
mod lang;
mod linking;
mod net;
mod prime;
mod process;
mod registry;
mod release;
mod scaffold;
mod signals;
mod test;
mod toolchain;
mod trace;
mod ui;
mod web;
mod wit;

use std::process::ExitCode;

/// Parses the command line, runs the command, renders any error once, and
/// turns the outcome into an exit code: 0 success, 1 a failure the user can
/// fix, 2 bad usage (clap's), or the guest's own code for `run`.
pub fn main() -> ExitCode {
    ui::install_error_hook();
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let cli = cli::command_for(&args)
        .try_get_matches_from(args)
        .and_then(|matches| <cli::Cli as clap::FromArgMatches>::from_arg_matches(&matches))
        .unwrap_or_else(|e| ui::clip_usage_error(e).exit());
    match cli.exec() {
        Ok(code) => code,
        Err(report) => {
            eprintln!("{report:?}");
            ExitCode::FAILURE
        }
    }
}
