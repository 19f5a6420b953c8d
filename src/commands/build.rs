use std::path::PathBuf;
use std::process::ExitCode;

use super::NotImplemented;
use crate::ui::Ui;

/// Build every component of the app, each with its own toolchain.
///
/// Reads app.toml and builds each component with sources into
/// `target/wcomp/<name>.wasm`, in parallel, skipping components whose inputs
/// have not changed. Toolchains are installed on first use.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  wcomp build
  wcomp build -p upper --force
  wcomp build --release --json")]
pub struct BuildCommand {
    /// The app manifest.
    #[arg(long, default_value = "app.toml", value_name = "PATH")]
    pub manifest: PathBuf,

    /// Build only this component.
    #[arg(short, long, value_name = "NAME")]
    pub package: Option<String>,

    /// Build with optimizations (Rust: `cargo build --release`).
    #[arg(long)]
    pub release: bool,

    /// Rebuild even components that are up to date.
    #[arg(long)]
    pub force: bool,

    /// How many components to build at once; the number of cores by default.
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,

    /// Print one JSON summary per component.
    #[arg(long)]
    pub json: bool,
}

impl BuildCommand {
    pub fn exec(self, _ui: &Ui) -> miette::Result<ExitCode> {
        Err(NotImplemented { command: "build" }.into())
    }
}
