//! How a call's arguments are written in a test (`(1, "a")`, `(7)`, `()`),
//! read by the mocks' checks against WIT and by the host when it matches a
//! call: one rule for both.

/// The WAVE text to read `text`'s arguments from, for a function of
/// `arity` parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arguments<'a> {
    /// None: the function takes none, and `text` is `()`.
    None,
    /// The one argument's value, as written.
    One(&'a str),
    /// A tuple of the arguments, to read with the tuple of their types.
    Tuple(String),
}

/// Why `text` is not a call's arguments.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArgumentsError {
    /// They are not in parentheses.
    #[error("arguments are written in parentheses, like a call's: `(1, \"a\")`")]
    NoParentheses,
    /// The function takes none, and some are written.
    #[error("the function takes no arguments: `()`")]
    NotNone,
}

/// Reads `text`, a call's arguments in parentheses, for a function of
/// `arity` parameters.
pub fn arguments(text: &str, arity: usize) -> Result<Arguments<'_>, ArgumentsError> {
    let inner = text
        .trim()
        .strip_prefix('(')
        .and_then(|t| t.strip_suffix(')'))
        .ok_or(ArgumentsError::NoParentheses)?;
    match arity {
        0 if inner.trim().is_empty() => Ok(Arguments::None),
        0 => Err(ArgumentsError::NotNone),
        1 => Ok(Arguments::One(inner)),
        _ => Ok(Arguments::Tuple(format!("({inner})"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_read_by_arity() {
        assert_eq!(arguments(" () ", 0), Ok(Arguments::None));
        assert_eq!(arguments("(7)", 1), Ok(Arguments::One("7")));
        assert_eq!(
            arguments("(1, \"a\")", 2),
            Ok(Arguments::Tuple("(1, \"a\")".into()))
        );
        assert_eq!(arguments("1, 2", 2), Err(ArgumentsError::NoParentheses));
        assert_eq!(arguments("(1)", 0), Err(ArgumentsError::NotNone));
    }
}
