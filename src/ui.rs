//! Terminal output: cargo-style status lines on stderr, and the one place
//! errors are rendered (through miette).

use std::fmt::Display;
use std::io::{IsTerminal, Write};

/// Whether stderr gets colour: a terminal, and `NO_COLOR` unset.
fn stderr_color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Installs miette's report handler once, for the whole process. Every
/// report goes through it, so every diagnostic is rendered
/// [clipped](wcomp_core::diagnostic::Clipped): long input never crashes
/// the renderer nor floods stderr.
pub fn install_error_hook() {
    let color = stderr_color();
    // Ignoring the error: it only fails if a hook is already installed.
    let _ = miette::set_hook(Box::new(move |_| {
        Box::new(ClippingHandler(
            miette::MietteHandlerOpts::new()
                .color(color)
                .unicode(color)
                .terminal_links(false)
                .wrap_lines(false)
                .build(),
        ))
    }));
}

/// clap's usage error, with the value it echoes shortened as every echoed
/// value is ([`Excerpt`](wcomp_core::fmt::Excerpt)).
pub fn clip_usage_error(mut error: clap::Error) -> clap::Error {
    use clap::error::{ContextKind, ContextValue};
    use wcomp_core::fmt::Excerpt;
    for kind in [ContextKind::InvalidValue, ContextKind::InvalidArg] {
        if let Some(ContextValue::String(value)) = error.get(kind)
            && Excerpt::is_long(value)
        {
            let short = Excerpt(value).to_string();
            error.insert(kind, ContextValue::String(short));
        }
    }
    error
}

/// miette's handler, given each diagnostic clipped.
struct ClippingHandler(miette::MietteHandler);

impl miette::ReportHandler for ClippingHandler {
    fn debug(
        &self,
        diagnostic: &dyn miette::Diagnostic,
        f: &mut std::fmt::Formatter<'_>,
    ) -> std::fmt::Result {
        if f.alternate() {
            return self.0.debug(diagnostic, f);
        }
        self.0
            .debug(&wcomp_core::diagnostic::Clipped::new(diagnostic), f)
    }
}

/// How wcomp talks to the person running it.
#[derive(Debug, Clone, Copy)]
pub struct Ui {
    color: bool,
    quiet: bool,
}

impl Ui {
    /// A UI on stderr; colored when stderr is a terminal and `NO_COLOR` is unset.
    pub fn new(quiet: bool) -> Self {
        Ui {
            color: stderr_color(),
            quiet,
        }
    }

    /// Whether progress may be drawn in place (a terminal, not CI).
    pub fn is_interactive(&self) -> bool {
        self.color && std::env::var_os("CI").is_none()
    }

    /// A status line, cargo style: a right-aligned verb, then the message.
    pub fn status(&self, verb: &str, message: impl Display) {
        self.line("32", verb, message);
    }

    /// A status line shown even with `--quiet`: the result of a command
    /// that has no other output (where `serve` listens).
    pub fn result(&self, verb: &str, message: impl Display) {
        self.write_line("32", verb, message);
    }

    /// Whether `--quiet` was given.
    pub fn is_quiet(&self) -> bool {
        self.quiet
    }

    /// A warning line.
    pub fn warn(&self, message: impl Display) {
        self.line("33", "warning", message);
    }

    fn line(&self, color: &str, verb: &str, message: impl Display) {
        if !self.quiet {
            self.write_line(color, verb, message);
        }
    }

    fn write_line(&self, color: &str, verb: &str, message: impl Display) {
        let mut err = std::io::stderr().lock();
        let _ = if self.color {
            writeln!(err, "\x1b[1;{color}m{verb:>12}\x1b[0m {message}")
        } else {
            writeln!(err, "{verb:>12} {message}")
        };
    }
}

/// Data that cannot be shown as JSON: a path that is not UTF-8.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("cannot show this as JSON: {0}")]
#[diagnostic(
    code(wcomp::json),
    help(
        "a path that is not valid UTF-8 cannot be written in JSON; rename it, or leave out `--json`"
    )
)]
pub struct JsonError(#[from] serde_json::Error);

/// `value` as pretty JSON, for `--json` output.
pub fn json(value: &impl serde::Serialize) -> Result<String, JsonError> {
    Ok(serde_json::to_string_pretty(value)?)
}

/// `value` as one line of JSON, for JSON-lines output.
pub fn json_line(value: &impl serde::Serialize) -> Result<String, JsonError> {
    Ok(serde_json::to_string(value)?)
}
