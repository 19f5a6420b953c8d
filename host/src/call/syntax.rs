//! The syntax of an `--invoke` call: `name(arg, arg, ...)`, where the name
//! is `f`, `iface#f` or `pkg:ns/iface@v#f` and each argument is WAVE text
//! (or, for a `stream<u8>`, `@FILE` or `-`). Parsing keeps every piece's byte
//! range so that errors can point into the call.

use std::ops::Range;

use crate::error::BadCall;

const CALL_HELP: &str =
    "write a call like `greet(\"world\")` or `pkg:ns/iface#f(1, [2, 3])`, arguments in WAVE syntax";

/// A call as written: the function's name and each argument's text, with
/// their byte ranges in the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    text: String,
    name: Range<usize>,
    args: Vec<Range<usize>>,
    /// Where the closing `)` is.
    close: usize,
}

impl Call {
    /// Splits `name(arg, arg, ...)` at its top-level commas, respecting
    /// quotes and brackets.
    pub fn parse(text: &str) -> Result<Call, BadCall> {
        let open = text.find('(').ok_or_else(|| {
            bad_call(
                text,
                "expected `(` after the function name",
                text.len()..text.len(),
                "here",
                CALL_HELP,
            )
        })?;
        let name = trimmed(text, 0..open);
        if name.is_empty() {
            return Err(bad_call(
                text,
                "the function name is missing",
                0..open.max(1),
                "name expected",
                CALL_HELP,
            ));
        }
        let (args, close) = split_arguments(text, open)?;
        if !text[close + 1..].trim().is_empty() {
            return Err(bad_call(
                text,
                "unexpected text after the call",
                close + 1..text.len(),
                "here",
                CALL_HELP,
            ));
        }
        if let Some(empty) = args.iter().find(|span| span.is_empty()) {
            return Err(bad_call(
                text,
                "empty argument",
                empty.clone(),
                "argument expected",
                CALL_HELP,
            ));
        }
        Ok(Call {
            text: text.to_owned(),
            name,
            args,
            close,
        })
    }

    /// The call as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The function's name as written: `f`, `iface#f`.
    pub fn name(&self) -> &str {
        &self.text[self.name.clone()]
    }

    /// Each argument's text and its byte range in the call.
    pub fn args(&self) -> impl ExactSizeIterator<Item = (&str, Range<usize>)> {
        self.args
            .iter()
            .map(|span| (&self.text[span.clone()], span.clone()))
    }

    /// An error about `span` of this call.
    pub(crate) fn error(
        &self,
        message: impl Into<String>,
        span: Range<usize>,
        label: &str,
        help: &str,
    ) -> BadCall {
        bad_call(&self.text, message, span, label, help)
    }

    /// An error about the function's name.
    pub(crate) fn name_error(
        &self,
        message: impl Into<String>,
        label: &str,
        help: &str,
    ) -> BadCall {
        self.error(message, self.name.clone(), label, help)
    }

    /// An error about the number of arguments: it points at them, or at the
    /// `)` when there are none.
    pub(crate) fn arity_error(&self, message: impl Into<String>, help: &str) -> BadCall {
        let span = match (self.args.first(), self.args.last()) {
            (Some(first), Some(last)) => first.start..last.end,
            _ => self.close..self.close + 1,
        };
        self.error(message, span, "arguments", help)
    }
}

/// The argument ranges after the `(` at `open`, and the position of the
/// closing `)`.
fn split_arguments(text: &str, open: usize) -> Result<(Vec<Range<usize>>, usize), BadCall> {
    let mut args = Vec::new();
    let mut depth = 0usize;
    let mut start = open + 1;
    let mut chars = text[open + 1..]
        .char_indices()
        .map(|(i, c)| (i + open + 1, c));
    while let Some((i, c)) = chars.next() {
        match c {
            '"' | '\'' => skip_literal(text, i, c, &mut chars)?,
            '(' | '[' | '{' => depth += 1,
            ')' if depth == 0 => {
                let last = trimmed(text, start..i);
                if !last.is_empty() || !args.is_empty() {
                    args.push(last);
                }
                return Ok((args, i));
            }
            ')' | ']' | '}' => {
                depth = depth.checked_sub(1).ok_or_else(|| {
                    bad_call(
                        text,
                        format!("unbalanced `{c}`"),
                        i..i + 1,
                        "here",
                        CALL_HELP,
                    )
                })?;
            }
            ',' if depth == 0 => {
                args.push(trimmed(text, start..i));
                start = i + 1;
            }
            _ => {}
        }
    }
    Err(bad_call(
        text,
        "expected `)` to close the call",
        text.len()..text.len(),
        "here",
        CALL_HELP,
    ))
}

/// Skips a string or char literal that started at `start`, honouring
/// backslash escapes.
fn skip_literal(
    text: &str,
    start: usize,
    quote: char,
    chars: &mut impl Iterator<Item = (usize, char)>,
) -> Result<(), BadCall> {
    while let Some((_, c)) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            c if c == quote => return Ok(()),
            _ => {}
        }
    }
    Err(bad_call(
        text,
        "unterminated string",
        start..text.len(),
        "starts here",
        CALL_HELP,
    ))
}

/// `range` of `text` narrowed to exclude surrounding whitespace.
fn trimmed(text: &str, range: Range<usize>) -> Range<usize> {
    let inner = &text[range.clone()];
    let start = range.start + (inner.len() - inner.trim_start().len());
    start..start + inner.trim().len()
}

fn bad_call(
    text: &str,
    message: impl Into<String>,
    span: Range<usize>,
    label: &str,
    help: &str,
) -> BadCall {
    // An empty span at the very end would not be drawn: point at the last
    // character instead.
    let span = if span.is_empty() && span.start >= text.len() && !text.is_empty() {
        text.len() - 1..text.len()
    } else {
        span
    };
    BadCall {
        message: message.into(),
        call: text.to_owned(),
        span: span.into(),
        label: label.to_owned(),
        help: help.to_owned(),
    }
}

/// The help text for a call that does not parse.
pub(crate) fn help() -> &'static str {
    CALL_HELP
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(call: &Call) -> Vec<&str> {
        call.args().map(|(a, _)| a).collect()
    }

    #[test]
    fn splits_calls() {
        let call = Call::parse(r#"greet("a, b", [1, 2], {x: 1})"#).unwrap();
        assert_eq!(call.name(), "greet");
        assert_eq!(args(&call), [r#""a, b""#, "[1, 2]", "{x: 1}"]);
        let call = Call::parse("pkg:ns/iface@0.1.0#f( )").unwrap();
        assert_eq!(call.name(), "pkg:ns/iface@0.1.0#f");
        assert!(args(&call).is_empty());
        let call = Call::parse(r#"f(@in.bin, "\")")"#).unwrap();
        assert_eq!(args(&call).len(), 2);
        let call = Call::parse("  f (1)  ").unwrap();
        assert_eq!(call.name(), "f");
    }

    #[test]
    fn points_at_bad_calls() {
        for (call, at) in [
            ("greet", 4),
            ("(1)", 0),
            ("f(1, 2", 5),
            ("f(1,,2)", 4),
            (r#"f("open)"#, 2),
            ("f(1) x", 4),
            ("f(1])", 3),
        ] {
            let err = Call::parse(call).expect_err(call);
            assert_eq!(err.span.offset(), at, "{call}");
        }
    }
}
