//! Removing what a deployed component does not need: debug information,
//! names (unless kept) and other custom sections only tools read, at every
//! level of nesting.
//!
//! The rewrite works on the binary's sections as bytes
//! ([`wcomp_core::binary`]): every section it keeps is copied as it is.

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
    let mut how = Strip { keep_names, module };
    wcomp_core::binary::rewrite(bytes, &mut how)
}

/// The rewrite of [`rewrite`].
struct Strip<'a> {
    keep_names: bool,
    module: &'a mut dyn FnMut(Vec<u8>) -> Vec<u8>,
}

impl wcomp_core::binary::Rewrite for Strip<'_> {
    fn keep_custom(&mut self, content: &[u8], _nested: bool) -> bool {
        wcomp_core::binary::custom_name(content).is_some_and(|name| kept(name, self.keep_names))
    }

    fn module(&mut self, module: Vec<u8>) -> Vec<u8> {
        (self.module)(module)
    }
}

/// Whether the custom section `name` stays.
fn kept(name: &str, keep_names: bool) -> bool {
    if name.starts_with(".debug_") || TOOL_ONLY.contains(&name) {
        return false;
    }
    keep_names || !NAMES.contains(&name)
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
