//! `--trace FILE` and `--otlp URL`, shared by `run` and `serve`: where the
//! spans of the calls between an app's components go.

use std::path::PathBuf;
use std::sync::Arc;

use wcomp_core::fmt::Count;
use wcomp_host::trace::{Span, Tracer};

use crate::trace::TraceFile;
use crate::trace::otlp::{Exporter, OtlpError};
use crate::ui::Ui;

/// Where a traced run's spans go.
#[derive(Debug, Clone, clap::Args)]
pub struct TraceOptions {
    /// Record every call between the app's components in FILE (Chrome
    /// trace-event JSON: open it in Perfetto, or with `wcomp trace FILE`).
    /// The app runs as its components linked by the host, each compiled
    /// on its own; the composed file itself is not changed.
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,

    /// Send the spans to an OpenTelemetry collector over OTLP/HTTP (JSON),
    /// e.g. `http://127.0.0.1:4318`; traces the app like `--trace`.
    #[arg(long, value_name = "URL")]
    pub otlp: Option<String>,

    /// What to record besides the calls between the app's components:
    /// `host` adds a span for every call a component makes to the host's
    /// WASI, with its arguments and result (lists shown as `...`).
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub trace_level: Option<TraceLevel>,
}

/// How much a traced run records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TraceLevel {
    /// The calls between the app's components (the default).
    Calls,
    /// Those, and every call to the host's WASI.
    Host,
}

/// A traced run's tracer and where its spans go.
pub struct Tracing {
    /// What the host records spans in.
    pub tracer: Arc<Tracer>,
    file: Option<PathBuf>,
    exporter: Option<Exporter>,
}

impl TraceOptions {
    /// Whether the run is traced.
    pub fn enabled(&self) -> bool {
        self.trace.is_some() || self.otlp.is_some()
    }

    /// The tracing these options ask for, if any: the collector's URL is
    /// checked now, before anything runs.
    pub fn start(&self) -> miette::Result<Option<Tracing>> {
        if !self.enabled() {
            if self.trace_level.is_some() {
                miette::bail!(
                    help = "add `--trace FILE` or `--otlp URL`",
                    "`--trace-level` says what a trace records, and nothing is traced"
                );
            }
            return Ok(None);
        }
        let exporter = self.otlp.as_deref().map(Exporter::new).transpose()?;
        let tracer = match self.trace_level {
            Some(TraceLevel::Host) => Tracer::new().with_host_calls(),
            Some(TraceLevel::Calls) | None => Tracer::new(),
        };
        Ok(Some(Tracing {
            tracer: Arc::new(tracer),
            file: self.trace.clone(),
            exporter,
        }))
    }
}

impl Tracing {
    /// Sends the spans finished since the last send to the collector, if
    /// there is one: a server does so now and then while it runs.
    pub async fn send_unsent(&self, service: &str) -> Result<(), OtlpError> {
        let Some(exporter) = &self.exporter else {
            return Ok(());
        };
        let spans = self.tracer.take_unsent();
        if spans.is_empty() {
            return Ok(());
        }
        let request = crate::trace::otlp::encode(&spans, self.tracer.wall_start(), service, |id| {
            self.tracer.remote_parent(id)
        });
        exporter.send(&request).await
    }

    /// At the end of the run: writes the trace file and sends what the
    /// collector has not had, and says so. A collector that cannot be
    /// reached is a warning: the run itself is over and stands.
    pub fn finish(&self, ui: &Ui, app: &str, components: usize) -> miette::Result<()> {
        let spans = self.tracer.finish();
        if let Some(path) = &self.file {
            TraceFile::from_spans(&spans, &self.tracer, app).write(path)?;
            self.report(
                ui,
                &spans,
                components,
                format_args!("into `{}`", path.display()),
            );
        }
        if let Some(exporter) = &self.exporter {
            let unsent = self.tracer.take_unsent();
            let sent = exporter.export(&unsent, self.tracer.wall_start(), app, |id| {
                self.tracer.remote_parent(id)
            });
            match sent {
                Ok(()) => self.report(
                    ui,
                    &spans,
                    components,
                    format_args!("to {}", exporter.url()),
                ),
                Err(e) => ui.warn(format_args!("the trace was not sent: {e}")),
            }
        }
        Ok(())
    }

    fn report(&self, ui: &Ui, spans: &[Span], components: usize, whither: std::fmt::Arguments) {
        ui.status(
            "Traced",
            format_args!(
                "{} across {} {whither}",
                Count(spans.len() as u64, "call"),
                Count(components as u64, "component"),
            ),
        );
    }
}
