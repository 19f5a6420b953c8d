//! Sizes, durations and echoed values for people, written one way
//! everywhere.

use std::fmt;
use std::time::Duration;

/// A count of something: `1 request`, `2 requests`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count(pub u64, pub &'static str);

impl fmt::Display for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Count(n, noun) = *self;
        write!(f, "{n} {noun}{}", if n == 1 { "" } else { "s" })
    }
}

/// A byte count: `512 bytes`, `64 MiB` when exact, `1.7 MiB` otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size(pub u64);

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
        let bytes = self.0;
        if bytes < 1024 {
            return write!(f, "{bytes} bytes");
        }
        let mut unit = 0;
        let mut scale = 1024u64;
        while unit + 1 < UNITS.len() && bytes >= scale * 1024 {
            unit += 1;
            scale *= 1024;
        }
        if bytes.is_multiple_of(scale) {
            write!(f, "{} {}", bytes / scale, UNITS[unit])
        } else {
            write!(f, "{:.1} {}", bytes as f64 / scale as f64, UNITS[unit])
        }
    }
}

/// A duration: `250ms` under a second, `2s` when whole, `1.5s` otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elapsed(pub Duration);

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        if d.as_millis() < 1000 {
            write!(f, "{}ms", d.as_millis())
        } else if d.subsec_millis() == 0 {
            write!(f, "{}s", d.as_secs())
        } else {
            write!(f, "{:.1}s", d.as_secs_f64())
        }
    }
}

/// A value a person gave, echoed in a message: shown whole up to
/// [`Excerpt::MAX`] characters, and beyond that its start and its length
/// (`aaaa… (20971520 characters)`), so a 20 MB argument costs a line, not
/// 20 MB of stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Excerpt<'a>(pub &'a str);

impl Excerpt<'_> {
    /// The longest value shown whole, in characters.
    pub const MAX: usize = 500;
    /// How many characters of a longer value are shown.
    const SHOWN: usize = 300;

    /// Whether `text` is longer than an excerpt shows.
    pub fn is_long(text: &str) -> bool {
        text.len() > Self::MAX && text.chars().nth(Self::MAX).is_some()
    }
}

impl fmt::Display for Excerpt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0;
        if !Self::is_long(text) {
            return f.write_str(text);
        }
        let cut = text
            .char_indices()
            .nth(Self::SHOWN)
            .map_or(text.len(), |(i, _)| i);
        write!(f, "{}… ({} characters)", &text[..cut], text.chars().count())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(Size(12).to_string(), "12 bytes");
        assert_eq!(Size(1536).to_string(), "1.5 KiB");
        assert_eq!(Size(64 << 20).to_string(), "64 MiB");
        assert_eq!(Size(18_874_368).to_string(), "18 MiB");
        assert_eq!(Size(1_782_311).to_string(), "1.7 MiB");
        assert_eq!(Size(3 << 30).to_string(), "3 GiB");
    }

    #[test]
    fn counts() {
        assert_eq!(Count(0, "request").to_string(), "0 requests");
        assert_eq!(Count(1, "request").to_string(), "1 request");
        assert_eq!(Count(3, "request").to_string(), "3 requests");
    }

    #[test]
    fn excerpts() {
        assert_eq!(Excerpt("short").to_string(), "short");
        let exact = "é".repeat(Excerpt::MAX);
        assert_eq!(Excerpt(&exact).to_string(), exact);
        let long = "é".repeat(20 << 20);
        let shown = Excerpt(&long).to_string();
        assert_eq!(
            shown,
            format!("{}… ({} characters)", "é".repeat(300), 20 << 20)
        );
    }

    #[test]
    fn durations() {
        assert_eq!(Elapsed(Duration::from_millis(250)).to_string(), "250ms");
        assert_eq!(Elapsed(Duration::from_secs(2)).to_string(), "2s");
        assert_eq!(Elapsed(Duration::from_millis(1500)).to_string(), "1.5s");
    }
}
