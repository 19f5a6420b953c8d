//! Traces of the calls between an app's components: what `--trace FILE`
//! writes, and what `wcomp trace FILE` reads.
//!
//! The file is Chrome's trace-event JSON, so Perfetto and `chrome://tracing`
//! open it as it is: one complete event (`"ph": "X"`) per call, its times
//! in microseconds, with everything wcomp knows about the call in `args`
//! (its span id and parent, trace id, caller, callee, interface, function,
//! arguments, result and trap). Each trace (a run, or one request served)
//! is one thread (`tid`) of the viewer, so its calls nest on one track.

pub mod otlp;
pub mod svg;
pub mod tree;
pub mod view;

use std::path::Path;

use serde::{Deserialize, Serialize};
use wcomp_host::trace::{Span, Tracer};

/// A trace file: Chrome's trace-event format.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TraceFile {
    /// One event per call.
    #[serde(rename = "traceEvents")]
    pub events: Vec<Event>,
    /// How the viewer shows times.
    #[serde(rename = "displayTimeUnit", default = "milliseconds")]
    pub display_time_unit: String,
    /// What was traced, and when.
    #[serde(rename = "otherData", default)]
    pub other: Other,
}

/// One call, as a complete event.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Event {
    /// `callee: function`.
    pub name: String,
    /// The interface, or `call`.
    pub cat: String,
    /// Always `X`, a complete event.
    pub ph: String,
    /// When it started, in microseconds since the trace began.
    pub ts: f64,
    /// How long it took, in microseconds.
    pub dur: f64,
    /// Always 1: one process.
    pub pid: u32,
    /// The trace's root span: one track per trace.
    pub tid: u64,
    /// The call.
    pub args: CallArgs,
}

/// Everything about one call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallArgs {
    /// The span's number.
    pub span: u64,
    /// The span of the call it was made in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<u64>,
    /// The W3C trace id, 32 hex digits.
    pub trace: String,
    /// The calling component (`host` for the host's own call).
    pub caller: String,
    /// The called component.
    pub callee: String,
    /// The interface, if the function is in one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interface: Option<String>,
    /// The function.
    pub function: String,
    /// The arguments, in WAVE, shortened.
    #[serde(default)]
    pub params: String,
    /// The result, in WAVE, shortened; absent after a trap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    /// The trap's message, when the callee trapped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trap: Option<String>,
    /// For a byte stream that crossed between components, the bytes it
    /// moved: its span lasts as long as the stream, beside the calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
}

/// What was traced.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Other {
    /// The wcomp version that wrote the file.
    #[serde(default)]
    pub wcomp: String,
    /// The component traced.
    #[serde(default)]
    pub app: String,
    /// When the trace began, in microseconds since the Unix epoch.
    #[serde(default)]
    pub unix_start_us: u64,
}

fn milliseconds() -> String {
    "ms".to_owned()
}

/// Why a trace file could not be written or read.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum TraceError {
    /// The file could not be written.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Write(#[from] wcomp_core::fs::WriteError),
    /// The file could not be read.
    #[error("cannot read the trace `{}`", path.display())]
    #[diagnostic(
        code(wcomp::trace::read),
        help("write one with `wcomp run --trace FILE` or `wcomp serve --trace FILE`")
    )]
    Read {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a trace wcomp wrote.
    #[error("`{}` is not a wcomp trace: {why}", path.display())]
    #[diagnostic(
        code(wcomp::trace::format),
        help("write one with `wcomp run --trace FILE` or `wcomp serve --trace FILE`")
    )]
    Format {
        /// The file.
        path: std::path::PathBuf,
        /// Why, with the line and column.
        why: String,
    },
}

impl TraceFile {
    /// The `spans` `tracer` recorded for the component `app`.
    pub fn from_spans(spans: &[Span], tracer: &Tracer, app: &str) -> Self {
        let roots = root_of_each(spans);
        TraceFile {
            events: spans
                .iter()
                .zip(roots)
                .map(|(span, root)| Event::from_span(span, root))
                .collect(),
            display_time_unit: milliseconds(),
            other: Other {
                wcomp: env!("CARGO_PKG_VERSION").to_owned(),
                app: app.to_owned(),
                unix_start_us: tracer
                    .wall_start()
                    .duration_since(std::time::SystemTime::UNIX_EPOCH)
                    .map(|d| d.as_micros() as u64)
                    .unwrap_or_default(),
            },
        }
    }

    /// Writes it to `path` whole: into a temporary file beside it, then
    /// renamed, so a reader never sees half a trace.
    pub fn write(&self, path: &Path) -> Result<(), TraceError> {
        let text = serde_json::to_vec_pretty(self).map_err(|e| TraceError::Format {
            path: path.to_owned(),
            why: e.to_string(),
        })?;
        Ok(wcomp_core::fs::write_atomically(path, &text)?)
    }

    /// Reads the trace at `path`.
    pub fn read(path: &Path) -> Result<Self, TraceError> {
        let text = std::fs::read(path).map_err(|source| TraceError::Read {
            path: path.to_owned(),
            source,
        })?;
        serde_json::from_slice(&text).map_err(|e| TraceError::Format {
            path: path.to_owned(),
            why: e.to_string(),
        })
    }
}

impl Event {
    fn from_span(span: &Span, root: u64) -> Self {
        Event {
            name: span_name(span),
            cat: span.interface.clone().unwrap_or_else(|| "call".to_owned()),
            ph: "X".to_owned(),
            ts: span.start.as_secs_f64() * 1e6,
            dur: span.duration.as_secs_f64() * 1e6,
            pid: 1,
            tid: root,
            args: CallArgs {
                span: span.id,
                parent: span.parent,
                trace: format!("{:032x}", span.trace),
                caller: span.caller.clone(),
                callee: span.callee.clone(),
                interface: span.interface.clone(),
                function: span.function.clone(),
                params: span.params.clone(),
                result: span.result.clone(),
                trap: span.trap.clone(),
                bytes: span.bytes,
            },
        }
    }
}

/// What a viewer calls a span: `callee: function`.
fn span_name(span: &Span) -> String {
    format!("{}: {}", span.callee, span.function)
}

/// The root span of each span's tree, in order: spans come sorted by start,
/// so a parent is always seen before its children.
fn root_of_each(spans: &[Span]) -> Vec<u64> {
    let mut roots: std::collections::HashMap<u64, u64> = std::collections::HashMap::new();
    spans
        .iter()
        .map(|span| {
            let root = span
                .parent
                .and_then(|parent| roots.get(&parent).copied())
                .unwrap_or(span.id);
            roots.insert(span.id, root);
            root
        })
        .collect()
}
