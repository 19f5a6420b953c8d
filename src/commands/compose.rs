use std::path::PathBuf;
use std::process::ExitCode;

use super::NotImplemented;
use crate::ui::Ui;

/// Compose the components of an app into one component.
///
/// Starts from `[app] main` and plugs each import into the component that
/// exports it, transitively, sharing one instance of each. Imports nobody
/// exports (typically WASI) stay imports of the result.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  wcomp compose
  wcomp compose app.toml -o dist/app.wasm
  wcomp compose --graph mermaid")]
pub struct ComposeCommand {
    /// The app manifest.
    #[arg(default_value = "app.toml")]
    pub manifest: PathBuf,

    /// Where to write the composed component; `composed.wasm` beside
    /// app.toml by default.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Print the wiring plan as a graph instead of composing.
    #[arg(long, value_name = "FORMAT", value_parser = ["mermaid", "dot"])]
    pub graph: Option<String>,

    /// Print the wiring plan as JSON.
    #[arg(long)]
    pub json: bool,

    /// Also write an equivalent WAC document that `wac compose` accepts.
    #[arg(long, value_name = "FILE")]
    pub emit_wac: Option<PathBuf>,
}

impl ComposeCommand {
    pub fn exec(self, _ui: &Ui) -> miette::Result<ExitCode> {
        Err(NotImplemented { command: "compose" }.into())
    }
}
