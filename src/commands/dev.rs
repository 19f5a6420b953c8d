use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use wcomp_host::Call;
use wcomp_host::serve;

use super::host_options::{LimitOptions, SandboxOptions};
use super::registry_options::PackageOptions;
use super::trace_options::TraceOptions;
use crate::build::BuildOptions;
use crate::dev::{self, DevOptions, Hosts, Mode};
use crate::ui::Ui;

/// Build, compose and run the app, then do it again on every change.
///
/// Watches every component's sources, the WIT their worlds are read from,
/// prebuilt components and app.toml. On a change it stops the guest if it
/// is still running, rebuilds only the components whose inputs changed,
/// recomposes and reruns, printing one line per iteration with what changed
/// and how long each step took. Errors are shown in full and the loop waits
/// for the next change; Ctrl-C ends it. The guest gets no stdin.
///
/// A WASI 0.2 command runs as its components linked by the host, each
/// compiled on its own, so an edit compiles only the component that
/// changed; the composed component is still written. Anything else runs
/// composed (the header says why), its unchanged code from the cache.
///
/// With `--serve`, an HTTP handler app is served as `wcomp serve` serves
/// it, and each change restarts the server with the new composition.
///
/// Packages from registries (`package = ...`, `[wit.deps]`) are resolved
/// on each iteration as `wcomp build` resolves them, with `--locked` and
/// `--offline` as there.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  wcomp dev
  wcomp dev -- --name world            arguments for the guest
  wcomp dev --invoke 'greet(\"world\")'  call an export on every change
  wcomp dev --serve                    serve an HTTP handler on 127.0.0.1:8080
  wcomp dev --serve 127.0.0.1:3000
  wcomp dev --test                     rerun the tests a change affects
  wcomp dev examples/app.toml --release")]
pub struct DevCommand {
    /// The app manifest.
    #[arg(default_value = "app.toml")]
    pub manifest: PathBuf,

    /// Arguments passed to the guest, after `--`.
    #[arg(last = true)]
    pub args: Vec<String>,

    /// Call an exported function on each change instead of running the app
    /// as a command, e.g. `greet("x")`, with arguments in WAVE syntax.
    #[arg(long, value_name = "CALL", conflicts_with = "args")]
    pub invoke: Option<String>,

    /// Serve the app as an HTTP handler (as `wcomp serve` does) instead of
    /// running it, on HOST:PORT (default 127.0.0.1:8080).
    #[arg(long, value_name = "HOST:PORT", num_args = 0..=1,
          default_missing_value = serve::DEFAULT_ADDR, value_parser = crate::flags::parse_addr,
          conflicts_with_all = ["args", "invoke"])]
    pub serve: Option<SocketAddr>,

    /// Run the app's tests (`tests/*.toml`, as `wcomp test` does) instead
    /// of the app: every case first, then on each change the cases it
    /// affects (those of a changed test file or rebuilt component, and the
    /// composed app's after any rebuild). FILTER keeps the cases whose
    /// `file: name` contains it.
    #[arg(long, value_name = "FILTER", num_args = 0..=1, default_missing_value = "",
          conflicts_with_all = ["args", "invoke", "serve"])]
    pub test: Option<String>,

    /// Build with optimizations (Rust: `cargo build --release`).
    #[arg(long)]
    pub release: bool,

    /// Traced, each run (or each server, until the next change) writes its
    /// trace to FILE, replacing the last one, and sends it to the
    /// collector.
    #[command(flatten)]
    pub trace: TraceOptions,

    #[command(flatten)]
    pub sandbox: SandboxOptions,

    #[command(flatten)]
    pub limits: LimitOptions,

    #[command(flatten)]
    pub packages: PackageOptions,
}

impl DevCommand {
    pub fn exec(self, ui: &Ui) -> miette::Result<ExitCode> {
        let mode = match (&self.invoke, self.serve, &self.test) {
            (_, _, Some(filter)) => Mode::Test(Some(filter.clone()).filter(|f| !f.is_empty())),
            (Some(call), _, None) => Mode::Invoke(Call::parse(call)?),
            (None, Some(addr), None) => Mode::Serve(addr),
            (None, None, None) => Mode::Command(self.args),
        };
        // Checks the collector's URL before the first build.
        self.trace.start()?;
        // A test case may set its fuel.
        let fuel = self.test.is_some() || self.limits.fuel.is_some();
        let builder = self.limits.host_builder(ui).interruptible(true).fuel(fuel);
        let hosts = Hosts {
            host: Arc::new(builder.pooling_allocator(self.serve.is_some()).build()?),
            trace: self.trace,
        };
        let opts = DevOptions {
            manifest: self.manifest,
            build: BuildOptions {
                release: self.release,
                keep_names: false,
                force: false,
                jobs: std::thread::available_parallelism().map_or(2, |n| n.get()),
                package: None,
                // Each run after a build compiles what changed.
                precompile: None,
            },
            mode,
            grants: self.sandbox.grants(),
            limits: self.limits.limits(),
            packages: self.packages.sync_options(),
        };
        dev::dev(opts, hosts, ui)?;
        Ok(ExitCode::SUCCESS)
    }
}
