//! Checks a parsed WAVE argument against its type before converting it, so
//! that a mistake is named together with what would be right: an unknown
//! or missing record field, an unknown enum or variant case or flag, each
//! with the valid ones; and a float literal beyond its type's range, which
//! conversion would silently turn into infinity.
//!
//! Anything else that does not fit the type passes, for WAVE's own
//! conversion to report.

use std::ops::Range;

use wasm_wave::ast::{Node, NodeType};
use wasm_wave::value::Type as WType;
use wasm_wave::wasm::{DisplayType, WasmType, WasmTypeKind};

/// A part of a WAVE value that its type rules out. Spans are byte ranges
/// in the value's text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Mismatch {
    #[error("unknown field `{name}`")]
    UnknownField {
        name: String,
        span: Range<usize>,
        fields: Vec<String>,
    },
    #[error("missing field `{name}`")]
    MissingField {
        name: String,
        span: Range<usize>,
        fields: Vec<String>,
    },
    #[error("unknown {of} case `{name}`")]
    UnknownCase {
        /// `enum` or `variant`.
        of: &'static str,
        name: String,
        span: Range<usize>,
        /// Each case as written, with its payload type: `circle(u32)`.
        cases: Vec<String>,
    },
    #[error("unknown flag `{name}`")]
    UnknownFlag {
        name: String,
        span: Range<usize>,
        flags: Vec<String>,
    },
    #[error("`{literal}` is out of range for an `{ty}`")]
    FloatOutOfRange {
        literal: String,
        span: Range<usize>,
        /// `f32` or `f64`.
        ty: &'static str,
    },
}

impl Mismatch {
    /// Where in the value's text the mistake is.
    pub fn span(&self) -> Range<usize> {
        match self {
            Mismatch::UnknownField { span, .. }
            | Mismatch::MissingField { span, .. }
            | Mismatch::UnknownCase { span, .. }
            | Mismatch::UnknownFlag { span, .. }
            | Mismatch::FloatOutOfRange { span, .. } => span.clone(),
        }
    }

    /// A label for the span.
    pub fn label(&self) -> String {
        match self {
            Mismatch::UnknownField { .. } => "not a field of this record".into(),
            Mismatch::MissingField { name, .. } => format!("`{name}` is missing"),
            Mismatch::UnknownCase { of, .. } => format!("not a case of this {of}"),
            Mismatch::UnknownFlag { .. } => "not one of these flags".into(),
            Mismatch::FloatOutOfRange { .. } => "out of range".into(),
        }
    }

    /// What would be right.
    pub fn help(&self) -> String {
        match self {
            Mismatch::UnknownField { fields, .. } => {
                format!("the record's fields are {}", listed(fields))
            }
            Mismatch::MissingField { fields, .. } => format!(
                "the record's fields are {}; only `option` fields may be left out",
                listed(fields)
            ),
            Mismatch::UnknownCase { of, cases, .. } => {
                format!("the {of}'s cases are {}", listed(cases))
            }
            Mismatch::UnknownFlag { flags, .. } => format!(
                "the flags are {}; write the set that is on, e.g. `{{{}}}`",
                listed(flags),
                flags.first().map_or("", String::as_str)
            ),
            Mismatch::FloatOutOfRange { .. } => "an `f32` holds magnitudes up to about 3.4e38 and an `f64` up to about 1.8e308; write `inf` or `-inf` for infinity".into(),
        }
    }
}

/// `a`, `b`, `c`.
fn listed(names: &[String]) -> String {
    wcomp_core::fmt::quoted_list(names)
}

/// Checks the value `node`, parsed from `src`, against `ty`.
pub fn check(node: &Node, src: &str, ty: &WType) -> Result<(), Mismatch> {
    match ty.kind() {
        WasmTypeKind::F32 | WasmTypeKind::F64 => float(node, src, ty.kind()),
        WasmTypeKind::List => match (node.as_list(), ty.list_element_type()) {
            (Ok(items), Some(item_ty)) => {
                items.into_iter().try_for_each(|n| check(n, src, &item_ty))
            }
            _ => Ok(()),
        },
        WasmTypeKind::Tuple => match node.as_tuple() {
            Ok(items) => items
                .zip(ty.tuple_element_types())
                .try_for_each(|(n, t)| check(n, src, &t)),
            Err(_) => Ok(()),
        },
        WasmTypeKind::Map => match (node.as_map(), ty.map_key_value_types()) {
            (Ok(entries), Some((key_ty, value_ty))) => {
                entries.into_iter().try_for_each(|(k, v)| {
                    check(k, src, &key_ty)?;
                    check(v, src, &value_ty)
                })
            }
            _ => Ok(()),
        },
        WasmTypeKind::Record => record(node, src, ty),
        WasmTypeKind::Variant => variant(node, src, ty),
        WasmTypeKind::Enum => enumeration(node, src, ty),
        WasmTypeKind::Flags => flags(node, src, ty),
        WasmTypeKind::Option => match (node.ty(), ty.option_some_type()) {
            (NodeType::OptionSome, Some(some)) => match node.as_option() {
                Ok(Some(inner)) => check(inner, src, &some),
                _ => Ok(()),
            },
            (NodeType::OptionNone, _) => Ok(()),
            // WAVE lets `some(x)` be written `x` when `x` is no option or result.
            (_, Some(some)) if flattenable(&some) => check(node, src, &some),
            _ => Ok(()),
        },
        WasmTypeKind::Result => {
            let Some((ok, err)) = ty.result_types() else {
                return Ok(());
            };
            match (node.as_result(), ok) {
                (Ok(Ok(Some(inner))), Some(ok)) => check(inner, src, &ok),
                (Ok(Err(Some(inner))), _) => err.map_or(Ok(()), |err| check(inner, src, &err)),
                (Ok(_), _) => Ok(()),
                // WAVE lets `ok(x)` be written `x` when `x` is no option or result.
                (Err(_), Some(ok)) if flattenable(&ok) => check(node, src, &ok),
                (Err(_), _) => Ok(()),
            }
        }
        _ => Ok(()),
    }
}

fn flattenable(ty: &WType) -> bool {
    !matches!(ty.kind(), WasmTypeKind::Option | WasmTypeKind::Result)
}

/// A float literal must fit its type; `inf` and `-inf` are written out.
fn float(node: &Node, src: &str, kind: WasmTypeKind) -> Result<(), Mismatch> {
    if node.ty() != NodeType::Number {
        return Ok(());
    }
    let literal = &src[node.span()];
    let (infinite, ty) = match kind {
        WasmTypeKind::F32 => (literal.parse::<f32>().is_ok_and(f32::is_infinite), "f32"),
        _ => (literal.parse::<f64>().is_ok_and(f64::is_infinite), "f64"),
    };
    if infinite && !literal.trim_start_matches(['-', '+']).starts_with("inf") {
        return Err(Mismatch::FloatOutOfRange {
            literal: literal.to_owned(),
            span: node.span(),
            ty,
        });
    }
    Ok(())
}

/// Every field named must exist, and every field that is not an `option`
/// must be named.
fn record(node: &Node, src: &str, ty: &WType) -> Result<(), Mismatch> {
    let Ok(given) = node.as_record(src) else {
        return Ok(());
    };
    let fields: Vec<(String, WType)> = ty
        .record_fields()
        .map(|(name, ty)| (name.into_owned(), ty))
        .collect();
    let names = || fields.iter().map(|(name, _)| name.clone()).collect();
    let mut seen = Vec::new();
    for (name, value) in given {
        let Some((_, field_ty)) = fields.iter().find(|(f, _)| f == name) else {
            // The label is the last mention of its name before the value:
            // only `:` and spaces come between.
            let start = src[node.span().start..value.span().start]
                .rfind(name)
                .map_or(value.span().start, |at| node.span().start + at);
            return Err(Mismatch::UnknownField {
                name: name.to_owned(),
                span: start..value.span().end,
                fields: names(),
            });
        };
        check(value, src, field_ty)?;
        seen.push(name);
    }
    match fields
        .iter()
        .find(|(name, ty)| ty.kind() != WasmTypeKind::Option && !seen.contains(&name.as_str()))
    {
        Some((missing, _)) => Err(Mismatch::MissingField {
            name: missing.clone(),
            span: node.span(),
            fields: names(),
        }),
        None => Ok(()),
    }
}

/// The case must be one of the variant's; its payload is checked too.
fn variant(node: &Node, src: &str, ty: &WType) -> Result<(), Mismatch> {
    let Ok((name, payload)) = node.as_variant(src) else {
        return Ok(());
    };
    let cases: Vec<(String, Option<WType>)> = ty
        .variant_cases()
        .map(|(name, ty)| (name.into_owned(), ty))
        .collect();
    match cases.iter().find(|(case, _)| case == name) {
        Some((_, Some(payload_ty))) => payload.map_or(Ok(()), |p| check(p, src, payload_ty)),
        Some((_, None)) => Ok(()),
        None => Err(Mismatch::UnknownCase {
            of: "variant",
            name: name.to_owned(),
            span: node.span(),
            cases: cases
                .iter()
                .map(|(case, ty)| match ty {
                    Some(ty) => format!("{case}({})", DisplayType(ty)),
                    None => case.clone(),
                })
                .collect(),
        }),
    }
}

/// The case must be one of the enum's.
fn enumeration(node: &Node, src: &str, ty: &WType) -> Result<(), Mismatch> {
    if node.ty() != NodeType::Label {
        return Ok(());
    }
    let Ok(name) = node.as_enum(src) else {
        return Ok(());
    };
    let cases: Vec<String> = ty.enum_cases().map(|c| c.into_owned()).collect();
    if cases.iter().any(|c| c == name) {
        return Ok(());
    }
    Err(Mismatch::UnknownCase {
        of: "enum",
        name: name.to_owned(),
        span: node.span(),
        cases,
    })
}

/// Every flag named must be one of the type's.
fn flags(node: &Node, src: &str, ty: &WType) -> Result<(), Mismatch> {
    if !matches!(node.ty(), NodeType::Flags | NodeType::EmptySet) {
        return Ok(());
    }
    let Ok(given) = node.as_flags(src) else {
        return Ok(());
    };
    let flags: Vec<String> = ty.flags_names().map(|f| f.into_owned()).collect();
    match given
        .into_iter()
        .find(|name| !flags.iter().any(|f| f == name))
    {
        Some(unknown) => Err(Mismatch::UnknownFlag {
            name: unknown.to_owned(),
            span: label_span(src, node.span(), unknown),
            flags,
        }),
        None => Ok(()),
    }
}

/// Where the label `name` is written within `within`: its first mention
/// that is not part of a longer label; all of `within` if there is none.
fn label_span(src: &str, within: Range<usize>, name: &str) -> Range<usize> {
    let is_label_char = |c: char| c.is_ascii_alphanumeric() || c == '-';
    let text = &src[within.clone()];
    text.match_indices(name)
        .find(|(at, _)| {
            let before = text[..*at].chars().next_back();
            let after = text[at + name.len()..].chars().next();
            !before.is_some_and(is_label_char) && !after.is_some_and(is_label_char)
        })
        .map_or(within.clone(), |(at, _)| {
            within.start + at..within.start + at + name.len()
        })
}

#[cfg(test)]
mod tests {
    use wasm_wave::untyped::UntypedValue;

    use super::*;

    fn mismatch(ty: &WType, text: &str) -> Option<Mismatch> {
        let value = UntypedValue::parse(text).expect("WAVE parses");
        check(value.node(), text, ty).err()
    }

    fn record_ty() -> WType {
        WType::record([
            ("name", WType::STRING),
            ("size", WType::F32),
            ("nick", WType::option(WType::STRING)),
        ])
        .unwrap()
    }

    #[test]
    fn names_fields_and_points_at_them() {
        let ty = WType::list(record_ty());
        let text = r#"[{name: "a", size: 1}, {name: "b", size: 2, colour: 3}]"#;
        let Some(Mismatch::UnknownField { name, span, fields }) = mismatch(&ty, text) else {
            panic!("an unknown field")
        };
        assert_eq!(name, "colour");
        assert_eq!(&text[span], "colour: 3");
        assert_eq!(fields, ["name", "size", "nick"]);

        let text = r#"[{name: "a"}]"#;
        let Some(Mismatch::MissingField { name, span, .. }) = mismatch(&ty, text) else {
            panic!("a missing field")
        };
        assert_eq!(name, "size");
        assert_eq!(&text[span], r#"{name: "a"}"#);
        assert_eq!(mismatch(&ty, r#"[{name: "a", size: 1}]"#), None);
    }

    #[test]
    fn floats_out_of_range_anywhere() {
        let ty = WType::option(record_ty());
        let text = r#"some({name: "inf", size: 1e39})"#;
        let Some(Mismatch::FloatOutOfRange { literal, ty, .. }) = mismatch(&ty, text) else {
            panic!("out of range")
        };
        assert_eq!((literal.as_str(), ty), ("1e39", "f32"));
        assert_eq!(
            mismatch(
                &WType::tuple([WType::F32, WType::F64]).unwrap(),
                "(-inf, 1e300)"
            ),
            None
        );
        assert!(mismatch(&WType::F64, "-1e309").is_some());
    }

    #[test]
    fn flags_and_cases() {
        let flags = WType::flags(["read", "write"]).unwrap();
        let text = "{read, readonly}";
        let Some(Mismatch::UnknownFlag { name, span, .. }) = mismatch(&flags, text) else {
            panic!("an unknown flag")
        };
        assert_eq!((name.as_str(), &text[span]), ("readonly", "readonly"));

        let variant = WType::variant([("none", None), ("circle", Some(WType::F32))]).unwrap();
        let Some(Mismatch::UnknownCase { cases, .. }) = mismatch(&variant, "square(1)") else {
            panic!("an unknown case")
        };
        assert_eq!(cases, ["none", "circle(f32)"]);
        assert!(mismatch(&variant, "circle(1e39)").is_some());
    }
}
