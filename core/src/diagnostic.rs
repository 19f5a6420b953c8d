//! Diagnostics made fit to print, whatever their input: [`Clipped`] wraps
//! any [`Diagnostic`] so that no line it shows is longer than a person can
//! read, and no span starts past what a renderer can pad to.
//!
//! miette's graphical renderer pads with `{:width$}`, which panics for a
//! width past 65,535 ("Formatting argument out of range"): a label on a line
//! with 70,000 spaces before it crashed wcomp. Echoed user input is also
//! unbounded (a 20 MB capability name was printed three times). Wrapping the
//! diagnostic once, where the report handler renders it, covers every
//! diagnostic of every crate: a long source line is shown as a window around
//! its label (`…` marks what is left out, the header keeps the real column),
//! and long lines of the message, help, labels and causes are shortened the
//! way [`crate::fmt::Excerpt`] shortens a value.

use std::fmt;

use miette::{
    Diagnostic, LabeledSpan, MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};

use crate::fmt::Excerpt;

/// A source line longer than this many characters is shown as a window.
const LONG_LINE: usize = 400;
/// Characters of a clipped line shown before the label's start.
const BEFORE: usize = 60;
/// Characters of a clipped line shown in all.
const WINDOW: usize = 200;

/// `inner`, with long source lines, messages and labels clipped; see the
/// module docs. Cheap when nothing is long: the source is copied only if
/// one of its lines is.
pub struct Clipped<'a> {
    inner: &'a dyn Diagnostic,
    message: String,
    help: Option<String>,
    source: Option<ClippedSource>,
    labels: Option<Vec<LabeledSpan>>,
    related: Vec<Clipped<'a>>,
    diagnostic_source: Option<Box<Clipped<'a>>>,
    cause: Option<Box<ClippedError>>,
}

impl<'a> Clipped<'a> {
    /// Wraps `inner` for rendering.
    pub fn new(inner: &'a dyn Diagnostic) -> Self {
        Self::with_parent_source(inner, None)
    }

    /// As [`Clipped::new`], for a diagnostic that renders with `parent`'s
    /// source code when it has none of its own (a related diagnostic).
    fn with_parent_source(inner: &'a dyn Diagnostic, parent: Option<&dyn SourceCode>) -> Self {
        let labels: Option<Vec<LabeledSpan>> = inner.labels().map(|labels| {
            labels
                .map(|l| {
                    let text = l.label().map(clip_lines);
                    if l.primary() {
                        LabeledSpan::new_primary_with_span(text, *l.inner())
                    } else {
                        LabeledSpan::new_with_span(text, *l.inner())
                    }
                })
                .collect()
        });
        let own_source = inner.source_code();
        let source_for_labels = own_source.or(parent);
        let (source, labels) = match (source_for_labels, labels) {
            (Some(source), Some(labels)) => match ClippedSource::new(source, &labels) {
                Some((clipped, labels)) => (Some(clipped), Some(labels)),
                None => (None, Some(labels)),
            },
            (_, labels) => (None, labels),
        };
        let parent_for_related = source
            .as_ref()
            .map(|s| s as &dyn SourceCode)
            .or(source_for_labels);
        let related = inner
            .related()
            .map(|related| {
                related
                    .map(|r| Clipped::with_parent_source(r, parent_for_related))
                    .collect()
            })
            .unwrap_or_default();
        Clipped {
            inner,
            message: clip_lines(&inner.to_string()),
            help: inner.help().map(|h| clip_lines(&h.to_string())),
            source,
            labels,
            related,
            diagnostic_source: inner
                .diagnostic_source()
                .map(|d| Box::new(Clipped::with_parent_source(d, source_for_labels))),
            cause: inner.source().map(|e| Box::new(ClippedError::new(e))),
        }
    }
}

impl fmt::Debug for Clipped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.inner, f)
    }
}

impl fmt::Display for Clipped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Clipped<'_> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause.as_deref().map(|e| e as _)
    }
}

impl Diagnostic for Clipped<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.inner.code()
    }

    fn severity(&self) -> Option<miette::Severity> {
        self.inner.severity()
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_deref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display + 'b>)
    }

    fn url<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.inner.url()
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        match &self.source {
            Some(source) => Some(source),
            None => self.inner.source_code(),
        }
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let labels = self.labels.as_ref()?;
        Some(Box::new(labels.iter().cloned()))
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn Diagnostic> + 'b>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(self.related.iter().map(|r| r as &dyn Diagnostic)))
    }

    fn diagnostic_source(&self) -> Option<&dyn Diagnostic> {
        self.diagnostic_source.as_deref().map(|d| d as _)
    }
}

/// A cause of a diagnostic, its text clipped like the diagnostic's.
#[derive(Debug)]
struct ClippedError {
    message: String,
    source: Option<Box<ClippedError>>,
}

impl ClippedError {
    fn new(error: &dyn std::error::Error) -> Self {
        ClippedError {
            message: clip_lines(&error.to_string()),
            source: error.source().map(|e| Box::new(ClippedError::new(e))),
        }
    }
}

impl fmt::Display for ClippedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ClippedError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|e| e as _)
    }
}

/// `text` with each line shortened as [`Excerpt`] shortens a value.
fn clip_lines(text: &str) -> String {
    if !text.lines().any(Excerpt::is_long) {
        return text.to_owned();
    }
    text.split('\n')
        .map(|line| Excerpt(line).to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A copy of a source whose long lines are cut to a window each.
struct ClippedSource {
    name: Option<String>,
    text: String,
    cuts: Vec<Cut>,
}

/// One line of the original that was cut to a window.
#[derive(Debug)]
struct Cut {
    /// The line's start and end (before its newline) in the original.
    start: usize,
    end: usize,
    /// The part of the line kept, in the original.
    keep_start: usize,
    keep_end: usize,
    /// Where the line starts in the copy.
    new_start: usize,
    /// The length of the `…` before the kept part: 0 or 3 bytes.
    prefix: usize,
    /// How many bytes the copy's line has fewer than the original before
    /// the kept part: what the column of a span in it is off by (miette
    /// counts columns in bytes).
    column_shift: isize,
    /// How much shorter the copy's line is than the original's.
    shrink: usize,
}

impl ClippedSource {
    /// A copy of `source` with every line longer than [`LONG_LINE`] cut to
    /// a window around the first label in it, and `labels` moved to match;
    /// `None` if no line is long (or the source is not UTF-8 text).
    fn new(source: &dyn SourceCode, labels: &[LabeledSpan]) -> Option<(Self, Vec<LabeledSpan>)> {
        let first = labels.iter().map(|l| l.offset()).min()?;
        // All lines of context, both ways: the whole text.
        let whole = source
            .read_span(&SourceSpan::from((first, 0)), usize::MAX, usize::MAX)
            .ok()?;
        let base = whole.span().offset();
        let text = std::str::from_utf8(whole.data()).ok()?;
        if !text.lines().any(|l| l.len() > LONG_LINE) {
            return None;
        }
        let mut out = String::with_capacity(text.len().min(1 << 20));
        let mut cuts = Vec::new();
        let mut start = 0;
        for line in text.split_inclusive('\n') {
            let body = line.strip_suffix('\n').unwrap_or(line);
            let end = start + body.len();
            if body.chars().count() <= LONG_LINE {
                out.push_str(line);
            } else {
                let anchor = labels
                    .iter()
                    .map(|l| l.offset().saturating_sub(base))
                    .find(|o| (start..=end).contains(o))
                    .unwrap_or(start)
                    - start;
                let keep_start = char_back(body, anchor, BEFORE);
                let keep_end = char_forward(body, keep_start, WINDOW);
                let prefix = if keep_start > 0 { "…" } else { "" };
                let suffix = if keep_end < body.len() { "…" } else { "" };
                let new_start = out.len();
                out.push_str(prefix);
                out.push_str(&body[keep_start..keep_end]);
                out.push_str(suffix);
                out.push_str(&line[body.len()..]);
                let new_len = prefix.len() + (keep_end - keep_start) + suffix.len();
                cuts.push(Cut {
                    start: base + start,
                    end: base + end,
                    keep_start: base + start + keep_start,
                    keep_end: base + start + keep_end,
                    new_start: base + new_start,
                    prefix: prefix.len(),
                    column_shift: keep_start as isize - prefix.len() as isize,
                    shrink: body.len() - new_len,
                });
            }
            start += line.len();
        }
        let clipped = ClippedSource {
            name: whole.name().map(str::to_owned),
            text: out,
            cuts,
        };
        let labels = labels
            .iter()
            .map(|l| {
                let from = clipped.map(l.offset());
                let to = clipped.map(l.offset() + l.len()).max(from);
                let span = SourceSpan::from((from, to - from));
                let text = l.label().map(str::to_owned);
                if l.primary() {
                    LabeledSpan::new_primary_with_span(text, span)
                } else {
                    LabeledSpan::new_with_span(text, span)
                }
            })
            .collect();
        Some((clipped, labels))
    }

    /// Where offset `at` of the original is in the copy (the copy starts
    /// where the original's text did, so offsets before it are unchanged).
    /// An offset in the part of a line left out lands on its `…`.
    fn map(&self, at: usize) -> usize {
        let mut shrunk = 0;
        for cut in &self.cuts {
            if at < cut.start {
                break;
            }
            if at <= cut.end {
                let kept = cut.keep_end - cut.keep_start;
                return cut.new_start
                    + if at < cut.keep_start {
                        0
                    } else if at <= cut.keep_end {
                        cut.prefix + (at - cut.keep_start)
                    } else {
                        cut.prefix + kept
                    };
            }
            shrunk += cut.shrink;
        }
        at - shrunk
    }

    /// The cut line holding offset `at` of the copy, if any.
    fn cut_at(&self, at: usize) -> Option<&Cut> {
        self.cuts
            .iter()
            .find(|c| (c.new_start..=c.new_start + (c.end - c.start - c.shrink)).contains(&at))
    }
}

impl SourceCode for ClippedSource {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let contents =
            self.text
                .as_str()
                .read_span(span, context_lines_before, context_lines_after)?;
        // With no context, the column is the span's own: give the original's.
        let mut column = contents.column();
        if context_lines_before == 0
            && let Some(cut) = self.cut_at(span.offset())
        {
            column = column.saturating_add_signed(cut.column_shift);
        }
        let (data, span, line, lines) = (
            contents.data(),
            *contents.span(),
            contents.line(),
            contents.line_count(),
        );
        Ok(Box::new(match &self.name {
            Some(name) => {
                MietteSpanContents::new_named(name.clone(), data, span, line, column, lines)
            }
            None => MietteSpanContents::new(data, span, line, column, lines),
        }))
    }
}

/// The byte offset `chars` characters before `at` in `text` (or 0).
fn char_back(text: &str, at: usize, chars: usize) -> usize {
    let at = floor_boundary(text, at.min(text.len()));
    text[..at]
        .char_indices()
        .rev()
        .nth(chars.saturating_sub(1))
        .map_or(0, |(i, _)| i)
}

/// The byte offset `chars` characters after `at` in `text` (or its end).
fn char_forward(text: &str, at: usize, chars: usize) -> usize {
    text[at..]
        .char_indices()
        .nth(chars)
        .map_or(text.len(), |(i, _)| at + i)
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;
    use miette::{GraphicalReportHandler, GraphicalTheme, NamedSource};

    #[derive(Debug, thiserror::Error, Diagnostic)]
    #[error("bad value `{value}`")]
    #[diagnostic(help("write it shorter"))]
    struct Bad {
        value: String,
        #[source_code]
        src: NamedSource<String>,
        #[label("here")]
        span: SourceSpan,
    }

    fn render(diagnostic: &dyn Diagnostic) -> String {
        let mut out = String::new();
        GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
            .with_width(100)
            .render_report(&mut out, &Clipped::new(diagnostic))
            .unwrap();
        out
    }

    #[test]
    fn a_label_far_into_a_line_is_shown_in_a_window_at_its_real_column() {
        let text = format!("[app]\nname = {}\"x\"\nmain = 1\n", " ".repeat(70_000));
        let at = text.find('"').unwrap();
        let bad = Bad {
            value: "x".into(),
            src: NamedSource::new("app.toml", text),
            span: (at, 3).into(),
        };
        let out = render(&bad);
        assert!(out.contains("[app.toml:2:70008]"), "{out}");
        assert!(out.contains("…"), "{out}");
        assert!(out.contains("\"x\""), "{out}");
        assert!(out.contains("main = 1"), "the next line is context: {out}");
        assert!(out.lines().all(|l| l.chars().count() < 300), "{out}");
    }

    #[test]
    fn a_long_label_and_a_long_echoed_value_are_shortened() {
        let value = "a".repeat(20 << 20);
        let text = format!("capabilities = [\"{value}\"]\n");
        let bad = Bad {
            value: value.clone(),
            src: NamedSource::new("app.toml", text),
            span: (17, value.len()).into(),
        };
        let out = render(&bad);
        assert!(out.len() < 4000, "{} bytes", out.len());
        assert!(out.contains("characters"), "{out}");
    }

    /// As `--invoke` reports a bad call: the source is the call itself,
    /// one unnamed line.
    #[derive(Debug, thiserror::Error, Diagnostic)]
    #[error("invalid call")]
    struct BadCall {
        #[source_code]
        call: String,
        #[label("expected u32")]
        span: SourceSpan,
    }

    #[test]
    fn a_deeply_nested_argument_is_shown_around_its_error() {
        let depth = 40_000;
        let call = format!("f({}\"x\"{})", "{a: ".repeat(depth), "}".repeat(depth));
        let at = call.find('"').unwrap();
        let out = render(&BadCall {
            call,
            span: (at, 3).into(),
        });
        assert!(out.contains("…{a: {a: "), "{out}");
        assert!(out.contains("{a: \"x\"}}}"), "{out}");
        assert!(out.contains("expected u32"), "{out}");
        assert!(out.lines().all(|l| l.chars().count() < 300), "{out}");
    }

    #[test]
    fn short_diagnostics_render_as_they_were() {
        let bad = Bad {
            value: "x".into(),
            src: NamedSource::new("app.toml", "a = 1\nb = 2\n".to_owned()),
            span: (10, 1).into(),
        };
        let mut plain = String::new();
        GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
            .with_width(100)
            .render_report(&mut plain, &bad)
            .unwrap();
        assert_eq!(render(&bad), plain);
    }

    #[test]
    fn offsets_map_around_a_cut() {
        let text = format!("a\n{}X{}\nb\n", "-".repeat(1000), "-".repeat(1000));
        let x = text.find('X').unwrap();
        let b = text.rfind('b').unwrap();
        let labels = [
            LabeledSpan::at(x..x + 1, "x"),
            LabeledSpan::at(b..b + 1, "b"),
        ];
        let (clipped, labels) = ClippedSource::new(&text, &labels).unwrap();
        assert_eq!(&clipped.text[labels[0].offset()..][..1], "X");
        assert_eq!(&clipped.text[labels[1].offset()..][..1], "b");
        assert!(clipped.text.len() < 400);
    }
}
