use std::path::PathBuf;
use std::process::ExitCode;

use super::NotImplemented;
use crate::ui::Ui;

/// Run a component under the embedded WASI 0.3 / 0.2 host.
///
/// A command (exporting `wasi:cli/run`) is run with the arguments after the
/// file; `--invoke` calls any exported function instead. The guest gets no
/// files, environment variables or network unless granted, and its exit code
/// becomes wcomp's.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  wcomp run composed.wasm -- --name world
  wcomp run app.wasm --dir ./data::/data --env LOG=debug --timeout 5s
  wcomp run lib.wasm --invoke 'greet(\"world\")'
  wcomp run pipe.wasm --invoke 'demo:pipe/pipe#transform(@input.bin, \"x\")'")]
pub struct RunCommand {
    /// The component to run.
    pub file: PathBuf,

    /// Arguments passed to the guest.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,

    /// Call an exported function, e.g. `greet("x")` or `pkg:ns/iface#f(1)`,
    /// with arguments in WAVE syntax; a `stream<u8>` argument reads `@FILE`
    /// or `-` (stdin).
    #[arg(long, value_name = "CALL")]
    pub invoke: Option<String>,

    /// Grant a host directory, at GUEST or at the same path in the guest.
    #[arg(long, value_name = "HOST[::GUEST]")]
    pub dir: Vec<String>,

    /// Grant a host directory read-only.
    #[arg(long, value_name = "HOST[::GUEST]")]
    pub ro_dir: Vec<String>,

    /// Set an environment variable in the guest.
    #[arg(long, value_name = "KEY=VALUE")]
    pub env: Vec<String>,

    /// Pass wcomp's whole environment to the guest.
    #[arg(long)]
    pub inherit_env: bool,

    /// Allow the guest to open network connections and resolve names.
    #[arg(long)]
    pub allow_net: bool,

    /// Stop the guest after this long, e.g. `500ms`, `2s`, `1m`.
    #[arg(long, value_name = "DURATION")]
    pub timeout: Option<String>,

    /// Cap the guest's linear memories and tables, e.g. `64MiB`.
    #[arg(long, value_name = "SIZE")]
    pub max_memory: Option<String>,

    /// Stop the guest after it consumes this much fuel (about one unit per
    /// instruction).
    #[arg(long, value_name = "N")]
    pub fuel: Option<u64>,

    /// Compile without reading or writing the compiled-code cache.
    #[arg(long)]
    pub no_cache: bool,
}

impl RunCommand {
    pub fn exec(self, _ui: &Ui) -> miette::Result<ExitCode> {
        Err(NotImplemented { command: "run" }.into())
    }
}
