//! The `wcomp` binary: parse the command line, run the command, render any
//! error once, and turn the outcome into an exit code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
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
