use std::path::PathBuf;
use std::process::ExitCode;

use crate::host::{self, DirGrant, Grants, Host, Limits, RunOptions, limits};
use crate::toolchain::Home;
use crate::ui::Ui;

/// Run a component under the embedded WASI 0.3 / 0.2 host.
///
/// A command (exporting `wasi:cli/run`) is run with the arguments after the
/// file; `--invoke` calls any exported function instead. The guest gets no
/// files, environment variables or network unless granted, and its exit code
/// becomes wcomp's. Compiled code is cached under `$WCOMP_HOME`.
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
    #[arg(long, value_name = "KEY=VALUE", value_parser = parse_env)]
    pub env: Vec<(String, String)>,

    /// Pass wcomp's whole environment to the guest.
    #[arg(long)]
    pub inherit_env: bool,

    /// Allow the guest to open network connections and resolve names.
    #[arg(long)]
    pub allow_net: bool,

    /// Stop the guest after this long, e.g. `500ms`, `2s`, `1m`.
    #[arg(long, value_name = "DURATION", value_parser = limits::parse_duration)]
    pub timeout: Option<std::time::Duration>,

    /// Cap the guest's linear memories, in total, e.g. `64MiB`.
    #[arg(long, value_name = "SIZE", value_parser = limits::parse_size)]
    pub max_memory: Option<u64>,

    /// Stop the guest after it consumes this much fuel (about one unit per
    /// instruction).
    #[arg(long, value_name = "N")]
    pub fuel: Option<u64>,

    /// Compile without reading or writing the compiled-code cache.
    #[arg(long)]
    pub no_cache: bool,
}

fn parse_env(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
        _ => Err(format!("`{s}` is not KEY=VALUE")),
    }
}

impl RunCommand {
    pub fn exec(self, ui: &Ui) -> miette::Result<ExitCode> {
        let limits = Limits {
            timeout: self.timeout,
            max_memory: self.max_memory,
            fuel: self.fuel,
        };
        let cache_dir = if self.no_cache {
            None
        } else {
            match Home::from_env() {
                Ok(home) => Some(host::cache_dir(home.root())),
                Err(e) => {
                    ui.warn(format_args!("compiling without the cache: {e}"));
                    None
                }
            }
        };
        let program = host::display_name(&self.file);
        let opts = RunOptions {
            args: std::iter::once(program).chain(self.args).collect(),
            grants: Grants {
                dirs: self
                    .dir
                    .iter()
                    .map(|d| DirGrant::parse(d, false))
                    .chain(self.ro_dir.iter().map(|d| DirGrant::parse(d, true)))
                    .collect(),
                env: self.env,
                inherit_env: self.inherit_env,
                allow_net: self.allow_net,
            },
            limits,
            cache_dir,
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| host::RunError::Host(e.to_string()))?;
        let code = runtime.block_on(async {
            let host = Host::new(&opts.limits)?;
            let loaded = host.load(&self.file, opts.cache_dir.as_deref())?;
            if loaded.cache == host::CacheOutcome::Compiled {
                ui.status(
                    "Compiled",
                    format_args!(
                        "`{}` in {:.1}s{}",
                        loaded.name,
                        loaded.load_time.as_secs_f64(),
                        if opts.cache_dir.is_some() {
                            " (cached for the next run)"
                        } else {
                            ""
                        }
                    ),
                );
            }
            match &self.invoke {
                Some(call) => host.invoke(&loaded, call, &opts).await,
                None => host.run_command(&loaded, &opts).await,
            }
        })?;
        // Exit codes beyond a byte wrap as they would for a native process.
        Ok(ExitCode::from(code as u8))
    }
}
