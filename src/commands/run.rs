use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use wcomp_core::fmt::{Count, Elapsed};
use wcomp_host::profile::Profiler;
use wcomp_host::{CacheOutcome, Call, Invocation, Loaded, ReadAheadStdin, RunOptions, Stdio};

use super::host_options::{LimitOptions, SandboxOptions};
use super::trace_options::TraceOptions;
use crate::ui::Ui;

/// Run a component under the embedded WASI 0.3 / 0.2 host.
///
/// A command (exporting `wasi:cli/run`) is run with the arguments after the
/// file; `--invoke` calls any exported function instead. The guest gets no
/// files, environment variables or network unless granted, and its exit code
/// becomes wcomp's. Compiled code is cached under `$WCOMP_HOME`; an
/// artifact of `wcomp compile` (`.cwasm`) runs without compiling.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  wcomp run composed.wasm -- --name world
  wcomp run app.wasm --dir ./data::/data --env LOG=debug --timeout 5s
  wcomp run composed.wasm --profile run.json
  wcomp run lib.wasm --invoke 'greet(\"world\")'
  wcomp run pipe.wasm --invoke 'demo:pipe/pipe#transform(@input.bin, \"x\")'")]
pub struct RunCommand {
    /// The component to run, or its artifact of `wcomp compile`.
    pub file: PathBuf,

    /// Arguments passed to the guest.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,

    /// Call an exported function, e.g. `greet("x")` or `pkg:ns/iface#f(1)`,
    /// with arguments in WAVE syntax; a `stream<u8>` argument reads `@FILE`
    /// or `-` (stdin).
    #[arg(long, value_name = "CALL")]
    pub invoke: Option<String>,

    #[command(flatten)]
    pub trace: TraceOptions,

    /// Sample the guest's wasm stack every 10 ms into FILE (the Firefox
    /// Profiler's format: open it at https://profiler.firefox.com). Written
    /// even when the guest traps or exits non-zero. Not with `--trace`,
    /// which runs the app taken apart.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["trace", "otlp"])]
    pub profile: Option<PathBuf>,

    #[command(flatten)]
    pub sandbox: SandboxOptions,

    #[command(flatten)]
    pub limits: LimitOptions,
}

impl RunCommand {
    pub fn exec(self, ui: &Ui) -> miette::Result<ExitCode> {
        let call = self.invoke.as_deref().map(Call::parse).transpose()?;
        let host = self.limits.host(ui)?;
        let tracing = self.trace.start()?;
        let loaded = match (&tracing, &self.profile) {
            (Some(_), _) => host.load_decomposed(&self.file)?,
            (None, Some(_)) => host.load_for_profile(&self.file)?,
            (None, None) => host.load(&self.file)?,
        };
        report_compile(ui, &loaded);
        let profiler = self.profile.as_ref().map(|_| Arc::new(Profiler::new()));
        let mut opts = RunOptions::default()
            .with_args(std::iter::once(loaded.name.clone()).chain(self.args))
            .with_grants(self.sandbox.grants())
            .with_limits(self.limits.limits())
            .with_stdio(process_stdio());
        if let Some(tracing) = &tracing {
            opts = opts.with_tracer(tracing.tracer.clone());
        }
        if let Some(profiler) = &profiler {
            opts = opts.with_profiler(profiler.clone());
        }
        let code = block_on(async {
            match &call {
                Some(call) => host
                    .invoke(&loaded, call, &opts)
                    .await
                    .map(|invocation| print_results(&invocation)),
                None => host.run_command(&loaded, &opts).await,
            }
        });
        if let Some(tracing) = &tracing {
            tracing.finish(ui, &loaded.name, loaded.linked)?;
        }
        if let (Some(path), Some(profiler)) = (&self.profile, &profiler) {
            write_profile(ui, path, profiler)?;
        }
        let code = code?;
        // The process ends next, and the kernel takes everything back at
        // once: dropping the host and the code first (unmapping them, and
        // the `Arc`s behind them) was over a quarter of a small guest's
        // warm run in a profile.
        std::mem::forget(loaded);
        std::mem::forget(host);
        // Exit codes beyond a byte wrap as they would for a native process.
        Ok(ExitCode::from(code as u8))
    }
}

/// Writes the profile of the run, if it got as far as starting one.
fn write_profile(ui: &Ui, path: &Path, profiler: &Profiler) -> miette::Result<()> {
    if let Some(profile) = profiler.finish()? {
        profile.write(path)?;
        ui.status(
            "Profiled",
            format_args!(
                "{} into `{}`",
                Count(profile.samples, "sample"),
                path.display()
            ),
        );
    }
    Ok(())
}

/// The guest's stdio is wcomp's own. Stdin redirected from a regular file
/// is read in place; any other is read ahead on a thread of its own, in
/// large reads. Either way, streaming from it keeps up with a file.
pub(crate) fn process_stdio() -> Stdio {
    use std::io::IsTerminal;
    let stdin = match regular_stdin() {
        Some(file) => ReadAheadStdin::regular_file(file),
        None => ReadAheadStdin::new(
            || {
                enlarge_stdin_pipe();
                Ok(std::io::stdin())
            },
            std::io::stdin().is_terminal(),
        ),
    };
    Stdio::new(
        stdin,
        wasmtime_wasi::cli::stdout(),
        wasmtime_wasi::cli::stderr(),
    )
}

/// Stdin as a file of its own (sharing its position), if it is a regular
/// file.
fn regular_stdin() -> Option<std::fs::File> {
    use std::os::fd::AsFd;
    let fd = std::io::stdin().as_fd().try_clone_to_owned().ok()?;
    let file = std::fs::File::from(fd);
    file.metadata().ok()?.is_file().then_some(file)
}

/// When stdin is a pipe, asks the kernel for a 1 MiB pipe buffer (the
/// unprivileged limit by default) instead of 64 KiB, so a writer such as
/// `cat file |` hands over a quarter as many times. Not a pipe, or a smaller
/// limit: nothing changes.
fn enlarge_stdin_pipe() {
    #[cfg(target_os = "linux")]
    // SAFETY: fcntl on fd 0 with an integer argument touches no memory of ours.
    unsafe {
        libc::fcntl(0, libc::F_SETPIPE_SZ, 1 << 20);
    }
}

/// Says when the component had to be compiled (the slow path), how many
/// of its functions came from the per-function cache, and whether its code
/// was cached for the next run; warns about cache entries that failed
/// their check.
pub(crate) fn report_compile(ui: &Ui, loaded: &Loaded) {
    for rejected in &loaded.rejected {
        ui.warn(format_args!("{rejected}"));
    }
    if loaded.cache != CacheOutcome::Hit {
        ui.status(
            "Compiled",
            format_args!(
                "`{}` in {}{}{}",
                loaded.name,
                Elapsed(loaded.load_time),
                if loaded.functions.is_empty() {
                    String::new()
                } else {
                    format!(", {}", loaded.functions)
                },
                if loaded.cache == CacheOutcome::Compiled {
                    " (cached for the next run)"
                } else {
                    ""
                }
            ),
        );
    }
}

/// Prints a call's results, on stderr when a stream result took stdout, and
/// returns the exit code: 1 when a `result` came back as an error.
pub(crate) fn print_results(invocation: &Invocation) -> i32 {
    for line in &invocation.results {
        if invocation.stdout_taken {
            eprintln!("{line}");
        } else {
            println!("{line}");
        }
    }
    i32::from(invocation.failed)
}

/// Runs the host's future on this thread: one store runs one guest at a
/// time, its blocking work (files, stdin) goes to tokio's blocking pool,
/// and deadlines are kept by the engine's own ticker thread, so worker
/// threads would only cost their start. The runtime is shut down without
/// waiting for blocking tasks: a read of stdin or of a FIFO that outlived
/// the guest's deadline must not hold wcomp open.
pub(crate) fn block_on<T>(
    future: impl Future<Output = Result<T, wcomp_host::RunError>>,
) -> miette::Result<T> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| miette::miette!("cannot start the async runtime: {e}"))?;
    let result = runtime.block_on(future);
    runtime.shutdown_background();
    Ok(result?)
}
