use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use wcomp_core::fmt::Count;
use wcomp_host::serve::{self, RequestRecord, ServeOptions, Server};

use super::host_options::{LimitOptions, SandboxOptions, serving};
use super::run::{process_stdio, report_compile};
use super::trace_options::{TraceOptions, Tracing};
use crate::ui::Ui;
use crate::web::files::FileServer;

/// Serve an HTTP handler component on a local address.
///
/// The component exports `wasi:http/handler@0.3.x` (WASI 0.3) or
/// `wasi:http/incoming-handler@0.2.x` (WASI 0.2), as components scaffolded
/// with `wcomp new --world wasi:http/service` or `wasi:http/proxy` do, alone
/// or composed with others. Each request gets an instance in a fresh store
/// (a 0.3 instance serves several requests in turn, see `--reuse`), with the
/// grants and limits below; a request that traps, runs out of time or memory
/// is answered 500 or 504 and the server goes on. One line per request goes
/// to stderr unless `--quiet`. Ctrl-C stops it: requests in flight finish
/// first (within `--grace`).
///
/// With `--web`, FILE is instead a folder `wcomp build --target web` wrote,
/// served as static files (GET and HEAD, nothing outside the folder) for
/// trying the app in a browser; the options for handlers do not apply.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  wcomp serve composed.wasm
  wcomp serve api.wasm --addr 0.0.0.0:3000 --timeout 5s --max-memory 128MiB
  wcomp serve api.wasm --allow-http api.example.com --env GREETING=hi
  curl -d 'hello' http://127.0.0.1:8080/echo
  wcomp build --target web -o dist && wcomp serve --web dist")]
pub struct ServeCommand {
    /// The handler component, or its artifact of `wcomp compile` (whose
    /// epoch checks are kept: timeouts are then always possible); with
    /// `--web`, the folder to serve.
    pub file: PathBuf,

    /// Serve FILE, a folder `wcomp build --target web -o DIR` wrote, as
    /// static files instead: open the address it prints in a browser.
    #[arg(long)]
    pub web: bool,

    /// Where to listen, HOST:PORT (port 0 picks a free one).
    #[arg(long, value_name = "HOST:PORT", default_value = serve::DEFAULT_ADDR, value_parser = crate::flags::parse_addr)]
    pub addr: SocketAddr,

    /// The largest request body; a larger one is answered 413.
    #[arg(long, value_name = "SIZE", default_value = "16MiB", value_parser = crate::flags::parse_size, allow_hyphen_values = true)]
    pub max_body: u64,

    /// Requests one WASI 0.3 instance serves before a fresh one replaces it
    /// (1: a fresh instance per request, as WASI 0.2 handlers always get).
    #[arg(long, value_name = "N", default_value_t = serve::DEFAULT_REUSE, value_parser = clap::value_parser!(u32).range(1..))]
    pub reuse: u32,

    /// How long requests in flight may take to finish once stopped.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = crate::flags::parse_duration, allow_hyphen_values = true)]
    pub grace: Duration,

    /// How long a connection may take to send a request's line and headers
    /// (from its opening, or the end of its last response) before it is
    /// closed.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = crate::flags::parse_duration)]
    pub header_timeout: Duration,

    /// Traced, each request is a trace of its own (joining the caller's
    /// when it has a `traceparent` header), carried on to any request the
    /// app makes; each instance then takes one request at a time. The
    /// collector gets spans as requests end; the file is written when the
    /// server stops.
    #[command(flatten)]
    pub trace: TraceOptions,

    #[command(flatten)]
    pub sandbox: SandboxOptions,

    #[command(flatten)]
    pub limits: LimitOptions,
}

impl ServeCommand {
    pub fn exec(self, ui: &Ui) -> miette::Result<ExitCode> {
        if self.web {
            return serve_folder(&self.file, self.addr, ui);
        }
        let precompiled = wcomp_host::precompiled::is_precompiled(&self.file)?;
        let host = Arc::new(
            // Guests without a timeout run without epoch checks, but an
            // artifact of `wcomp compile` has them compiled in.
            serving(
                self.limits.host_builder(ui),
                self.limits.timeout.is_some() || precompiled,
            )
            .build()?,
        );
        let bytes = self.handler_bytes(precompiled)?;
        let tracing = self.trace.start()?.map(Arc::new);
        let loaded = match (&tracing, bytes) {
            (Some(_), _) => host.load_decomposed(&self.file)?,
            (None, Some(bytes)) => host.load_bytes(&self.file, &bytes)?,
            (None, None) => host.load(&self.file)?,
        };
        report_compile(ui, &loaded);
        let mut opts = ServeOptions::default()
            .with_grants(self.sandbox.grants())
            .with_limits(self.limits.limits())
            .with_stdio(process_stdio())
            .with_max_body(self.max_body)
            .with_reuse(self.reuse as usize)
            .with_grace(self.grace)
            .with_header_timeout(self.header_timeout);
        if let Some(tracing) = &tracing {
            opts = opts.with_tracer(tracing.tracer.clone());
        }
        let (name, linked) = (loaded.name.clone(), loaded.linked);
        let server = Server::bind(host, loaded, self.addr, opts)?;
        ui.result(
            "Serving",
            format_args!(
                "`{name}` ({}) on http://{}/",
                server.kind(),
                server.local_addr()
            ),
        );
        let quiet = ui.is_quiet();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| miette::miette!("cannot start the async runtime: {e}"))?;
        if let Some(tracing) = &tracing {
            runtime.spawn(send_spans(tracing.clone(), name.clone()));
        }
        let stopped = runtime.block_on(server.run(stop_signal(), move |record| {
            if !quiet {
                log(record);
            }
        }))?;
        runtime.shutdown_background();
        if let Some(tracing) = &tracing {
            tracing.finish(ui, &name, linked)?;
        }
        ui.status(
            "Stopped",
            format_args!(
                "after {}{}",
                Count(stopped.requests, "request"),
                match stopped.abandoned {
                    0 => String::new(),
                    n => format!("; {n} connections were still open after the grace period"),
                }
            ),
        );
        Ok(ExitCode::SUCCESS)
    }
}

/// `--web`: serves the folder `dir` until Ctrl-C, a line per request on
/// stderr unless `--quiet`.
fn serve_folder(dir: &Path, addr: SocketAddr, ui: &Ui) -> miette::Result<ExitCode> {
    let server = FileServer::bind(dir, addr)?;
    let local = server
        .local_addr()
        .map_err(|e| miette::miette!("cannot read the address it listens on: {e}"))?;
    ui.result(
        "Serving",
        format_args!("`{}` on http://{local}/", dir.display()),
    );
    let quiet = ui.is_quiet();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| miette::miette!("cannot start the async runtime: {e}"))?;
    runtime
        .block_on(server.run(signal(), move |method, path, status| {
            if !quiet {
                eprintln!("{method} {path} {}", status.as_u16());
            }
        }))
        .map_err(|e| miette::miette!("the file server stopped: {e}"))?;
    runtime.shutdown_background();
    ui.status("Stopped", "serving the folder");
    Ok(ExitCode::SUCCESS)
}

impl ServeCommand {
    /// The component's bytes, once they are known to be a handler's: one
    /// that is not is refused before it compiles. An artifact is not read
    /// here (`None`): it is checked once it is loaded.
    fn handler_bytes(&self, precompiled: bool) -> miette::Result<Option<Vec<u8>>> {
        if precompiled {
            return Ok(None);
        }
        let bytes = wcomp_core::decode::read(&self.file).map_err(wcomp_host::RunError::from)?;
        serve::expect_handler(&self.file, &bytes)?;
        Ok(Some(bytes))
    }
}

/// How often a traced server sends its collector the spans of the
/// requests that ended.
const SEND_EVERY: Duration = Duration::from_secs(1);

/// Sends the collector, if any, the spans of ended requests every
/// [`SEND_EVERY`], until the runtime stops; a collector that cannot be
/// reached is said once, on stderr beside the request log.
async fn send_spans(tracing: Arc<Tracing>, service: String) {
    let mut warned = false;
    loop {
        tokio::time::sleep(SEND_EVERY).await;
        if let Err(e) = tracing.send_unsent(&service).await
            && !std::mem::replace(&mut warned, true)
        {
            eprintln!("warning: spans were not sent: {e}");
        }
    }
}

/// One request's line on stderr.
pub(crate) fn log(record: &RequestRecord) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{record}");
}

/// Completes on the first Ctrl-C (SIGINT) or SIGTERM; a second one ends
/// the process at once, without waiting for requests in flight.
async fn stop_signal() {
    signal().await;
    tokio::spawn(async {
        signal().await;
        std::process::exit(130);
    });
}

/// Waits for SIGINT or SIGTERM.
async fn signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
