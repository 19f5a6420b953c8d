//! Sizes, durations and echoed values for people, written one way
//! everywhere, and text from files made safe to print.

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

/// A duration as a trace shows it, finer than [`Elapsed`] where calls
/// are short: `850µs`, `2.35ms`, `12.3ms`, `250ms`, then as [`Elapsed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fine(pub Duration);

impl fmt::Display for Fine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        let ms = d.as_secs_f64() * 1e3;
        if d.as_micros() < 1000 {
            write!(f, "{}µs", d.as_micros())
        } else if ms < 10.0 {
            write!(f, "{ms:.2}ms")
        } else if ms < 100.0 {
            write!(f, "{ms:.1}ms")
        } else {
            Elapsed(d).fmt(f)
        }
    }
}

/// Text from a file, safe to print to a terminal: control characters
/// (C0, DEL, C1: ESC, BEL, CR...) and the bidirectional overrides are
/// written as JSON writes them (`\u001b`, `\r`), and so is `\`, so what is
/// shown cannot move the cursor, retitle the window or hide text. The one
/// helper for every string `wcomp inspect` prints from a binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Escaped<'a>(pub &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use fmt::Write as _;
        for c in self.0.chars() {
            match c {
                '\\' => f.write_str("\\\\")?,
                '\n' => f.write_str("\\n")?,
                '\r' => f.write_str("\\r")?,
                '\t' => f.write_str("\\t")?,
                '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {
                    write!(f, "\\u{:04x}", u32::from(c))?
                }
                c if c.is_control() => write!(f, "\\u{:04x}", u32::from(c))?,
                c => f.write_char(c)?,
            }
        }
        Ok(())
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

/// Items in prose: `a`, `a and b`, `a, b and c` (`last` is `and` or
/// `or`).
pub fn prose_list<T: fmt::Display>(items: impl IntoIterator<Item = T>, last: &str) -> String {
    let items: Vec<String> = items.into_iter().map(|item| item.to_string()).collect();
    match items.split_last() {
        Some((final_item, [])) => final_item.clone(),
        Some((final_item, rest)) => format!("{} {last} {final_item}", rest.join(", ")),
        None => String::new(),
    }
}

/// Names in backticks, separated by commas: `` `a`, `b`, `c` ``; the way
/// every message lists what there is to choose from.
pub fn quoted_list<T: fmt::Display>(items: impl IntoIterator<Item = T>) -> String {
    items
        .into_iter()
        .map(|item| format!("`{item}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_lists() {
        assert_eq!(prose_list(["a"], "and"), "a");
        assert_eq!(prose_list(["a", "b"], "or"), "a or b");
        assert_eq!(prose_list(["a", "b", "c"], "and"), "a, b and c");
        assert_eq!(prose_list(Vec::<&str>::new(), "and"), "");
    }

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

    #[test]
    fn fine_durations() {
        for (micros, shown) in [
            (0, "0µs"),
            (850, "850µs"),
            (2_346, "2.35ms"),
            (12_340, "12.3ms"),
            (250_400, "250ms"),
            (1_500_000, "1.5s"),
        ] {
            assert_eq!(Fine(Duration::from_micros(micros)).to_string(), shown);
        }
    }

    #[test]
    fn escaped() {
        for (text, shown) in [
            ("wit-component 0.263.0", "wit-component 0.263.0"),
            ("a\u{1b}]0;title\u{7}b", "a\\u001b]0;title\\u0007b"),
            ("line\r\nnext\t", "line\\r\\nnext\\t"),
            ("C1 \u{9b}31m, DEL \u{7f}", "C1 \\u009b31m, DEL \\u007f"),
            ("bidi \u{202e}txt.exe", "bidi \\u202etxt.exe"),
            ("back\\slash, ünïcode", "back\\\\slash, ünïcode"),
        ] {
            assert_eq!(Escaped(text).to_string(), shown, "{text:?}");
        }
    }
}
