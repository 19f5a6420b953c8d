//! Terminal output: cargo-style status lines on stderr, and the one place
//! errors are rendered (through miette).

use std::fmt::Display;
use std::io::{IsTerminal, Write};

/// Installs miette's report handler once, for the whole process.
pub fn install_error_hook() {
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    // Ignoring the error: it only fails if a hook is already installed.
    let _ = miette::set_hook(Box::new(move |_| {
        Box::new(
            miette::MietteHandlerOpts::new()
                .color(color)
                .unicode(color)
                .terminal_links(false)
                .wrap_lines(false)
                .build(),
        )
    }));
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
        let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        Ui { color, quiet }
    }

    /// Whether progress may be drawn in place (a terminal, not CI).
    pub fn is_interactive(&self) -> bool {
        self.color && std::env::var_os("CI").is_none()
    }

    /// A status line, cargo style: a right-aligned verb, then the message.
    pub fn status(&self, verb: &str, message: impl Display) {
        self.line("32", verb, message);
    }

    /// A warning line.
    pub fn warn(&self, message: impl Display) {
        self.line("33", "warning", message);
    }

    fn line(&self, color: &str, verb: &str, message: impl Display) {
        if self.quiet {
            return;
        }
        let mut err = std::io::stderr().lock();
        let _ = if self.color {
            writeln!(err, "\x1b[1;{color}m{verb:>12}\x1b[0m {message}")
        } else {
            writeln!(err, "{verb:>12} {message}")
        };
    }
}

/// A byte count for people, exact too: `1.7 MiB (1782311 bytes)`.
pub fn human_size(bytes: u64) -> String {
    if bytes < 1024 {
        return format!("{bytes} bytes");
    }
    format!("{} ({bytes} bytes)", short_size(bytes))
}

/// A byte count for status lines: `1.7 MiB`.
pub fn short_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} bytes");
    }
    let mut value = bytes as f64;
    let mut unit = "";
    for u in UNITS {
        value /= 1024.0;
        unit = u;
        if value < 1024.0 {
            break;
        }
    }
    format!("{value:.1} {unit}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn human_sizes() {
        assert_eq!(super::human_size(12), "12 bytes");
        assert_eq!(super::human_size(1536), "1.5 KiB (1536 bytes)");
        assert_eq!(super::human_size(18 << 20), "18.0 MiB (18874368 bytes)");
    }
}
