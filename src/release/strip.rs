//! Removing what a deployed component does not need: debug information,
//! names (unless kept) and other custom sections only tools read, at every
//! level of nesting.
//!
//! The rewrite works on the binary's sections as bytes: every section it
//! keeps is copied as it is, and a nested core module or component is
//! rewritten the same way, so nothing is decoded and encoded again. Only
//! the sizes of the sections around what was removed change.

/// Custom sections that never change what a component does: DWARF, source
/// maps and build ids, the linker's feature list.
const TOOL_ONLY: [&str; 5] = [
    "sourceMappingURL",
    "external_debug_info",
    "build_id",
    "go:buildid",
    "target_features",
];

/// The custom sections naming functions, locals, modules and instances:
/// what backtraces and profiles show, kept with `--keep-names`.
const NAMES: [&str; 2] = ["name", "component-name"];

/// The binary `bytes` (a component or a core module) without its
/// tool-only custom sections, nor its names unless `keep_names`; `None`
/// when `bytes` is not a well-formed binary.
pub fn strip(bytes: &[u8], keep_names: bool) -> Option<Vec<u8>> {
    rewrite(bytes, keep_names, &mut |module| module)
}

/// [`strip`], with every core module a component nests (stripped first)
/// replaced by what `module` makes of it.
pub fn rewrite(
    bytes: &[u8],
    keep_names: bool,
    module: &mut dyn FnMut(Vec<u8>) -> Vec<u8>,
) -> Option<Vec<u8>> {
    let header = bytes.get(..8)?;
    if header[..4] != *b"\0asm" {
        return None;
    }
    // Layer 1 (bytes 6–7 of the header) is a component, 0 a core module.
    let component = header[6] == 1;
    let mut out = header.to_vec();
    let mut at = 8;
    while at < bytes.len() {
        let id = bytes[at];
        let (size, leb) = leb_u32(&bytes[at + 1..])?;
        let start = at + 1 + leb;
        let end = start.checked_add(size as usize)?;
        let payload = bytes.get(start..end)?;
        match (component, id) {
            (_, CUSTOM) if !kept(custom_name(payload)?, keep_names) => {}
            (true, CORE_MODULE) => {
                let stripped = rewrite(payload, keep_names, module)?;
                section(&mut out, id, &module(stripped));
            }
            (true, NESTED_COMPONENT) => {
                section(&mut out, id, &rewrite(payload, keep_names, module)?);
            }
            _ => out.extend_from_slice(&bytes[at..end]),
        }
        at = end;
    }
    Some(out)
}

const CUSTOM: u8 = 0;
const CORE_MODULE: u8 = 1;
const NESTED_COMPONENT: u8 = 4;

/// Whether the custom section `name` stays.
fn kept(name: &str, keep_names: bool) -> bool {
    if name.starts_with(".debug_") || TOOL_ONLY.contains(&name) {
        return false;
    }
    keep_names || !NAMES.contains(&name)
}

/// The name of the custom section whose payload is `payload`.
fn custom_name(payload: &[u8]) -> Option<&str> {
    let (len, leb) = leb_u32(payload)?;
    let name = payload.get(leb..leb + len as usize)?;
    std::str::from_utf8(name).ok()
}

/// Appends the section `id` with `payload`.
fn section(out: &mut Vec<u8>, id: u8, payload: &[u8]) {
    out.push(id);
    let mut size = payload.len();
    loop {
        let byte = (size & 0x7f) as u8;
        size >>= 7;
        if size == 0 {
            out.push(byte);
            break;
        }
        out.push(byte | 0x80);
    }
    out.extend_from_slice(payload);
}

/// An unsigned LEB128 `u32` at the start of `bytes`, and its length.
fn leb_u32(bytes: &[u8]) -> Option<(u32, usize)> {
    let mut value: u32 = 0;
    for (i, &byte) in bytes.iter().take(5).enumerate() {
        value |= u32::from(byte & 0x7f).checked_shl(7 * i as u32)?;
        if byte & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn component() -> Vec<u8> {
        wat::parse_str(
            r#"(component
                (core module $m
                    (func $answer (export "answer") (result i32) i32.const 42)
                    (@custom "target_features" "x")
                    (@custom "keep-me" "y"))
                (core instance $i (instantiate $m))
                (func $f (export "answer") (result u32) (canon lift (core func $i "answer"))))"#,
        )
        .unwrap()
    }

    fn customs(bytes: &[u8]) -> Vec<String> {
        wasmparser::Parser::new(0)
            .parse_all(bytes)
            .filter_map(|p| match p.unwrap() {
                wasmparser::Payload::CustomSection(s) => Some(s.name().to_owned()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn names_and_tool_sections_go_at_every_level_and_the_rest_stays() {
        let bytes = component();
        let before = customs(&bytes);
        assert!(before.contains(&"name".to_owned()), "{before:?}");
        assert!(before.contains(&"component-name".to_owned()), "{before:?}");

        let stripped = strip(&bytes, false).unwrap();
        assert_eq!(customs(&stripped), ["keep-me"]);
        let mut validator =
            wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all());
        validator.validate_all(&stripped).unwrap();

        let kept = strip(&bytes, true).unwrap();
        let names = customs(&kept);
        assert!(names.contains(&"name".to_owned()) && names.contains(&"component-name".to_owned()));
        assert!(!names.contains(&"target_features".to_owned()));
        // Stripping twice changes nothing more.
        assert_eq!(strip(&stripped, false).unwrap(), stripped);
    }

    #[test]
    fn what_is_not_a_binary_is_none() {
        assert!(strip(b"not wasm", false).is_none());
        let mut truncated = component();
        truncated.truncate(truncated.len() - 3);
        assert!(strip(&truncated, false).is_none());
    }
}
