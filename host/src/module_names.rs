//! Names for a component's unnamed core modules, so that a profile tells
//! them apart.
//!
//! A profile (see [`crate::profile`]) lists each core module as a library,
//! by the module name of its `name` section. Toolchains name the modules
//! they link (`cli.wasm`, `libpython3.14.so`), but the glue modules that
//! wit-component generates (shims, fixups, adapters' helpers) carry none,
//! and a composition has several of each: all would be `<unknown>`.
//! [`name_modules`] gives each unnamed module a name saying where it is:
//! the composition's instance that holds it (or the component's file name)
//! and its index among that component's core modules, `upper/module 2`.
//! Only the `name` sections change: the code is the same.

use std::borrow::Cow;
use std::ops::Range;

use wasm_encoder::{Encode, NameSection};
use wasmparser::{KnownCustom, Name, Parser, Payload};

use crate::split::{self, CORE_MODULE, NESTED_COMPONENT};

/// The component `bytes` with each unnamed core module named after its
/// place (`component` is the file name): borrowed when every module has a
/// name already; `None` when the component cannot be read.
pub(crate) fn name_modules<'a>(bytes: &'a [u8], component: &str) -> Option<Cow<'a, [u8]>> {
    // A composition's parts by the instance names it gives them.
    let instances: Vec<(Range<usize>, String)> = crate::decompose::decompose(bytes)
        .map(|parts| parts.into_iter().map(|p| (p.range, p.name)).collect())
        .unwrap_or_default();
    let (named, changed) = rename(bytes, component, &instances)?;
    Some(match changed {
        true => Cow::Owned(named),
        false => Cow::Borrowed(bytes),
    })
}

/// Names the unnamed modules of the component `bytes` `{label}/module N`,
/// and its nested components' after their instance in `instances` (by
/// where their bytes are), or `{label}/component N`; returns the new bytes
/// and whether any module was named.
fn rename(
    bytes: &[u8],
    label: &str,
    instances: &[(Range<usize>, String)],
) -> Option<(Vec<u8>, bool)> {
    let sections = split::top_level_sections(bytes)?;
    let mut out = bytes.get(..8)?.to_vec();
    let (mut modules, mut components, mut changed) = (0, 0, false);
    for section in &sections {
        let body = &bytes[section.body.clone()];
        let renamed = match section.id {
            CORE_MODULE => {
                modules += 1;
                (!has_module_name(body))
                    .then(|| with_module_name(body, &format!("{label}/module {}", modules - 1)))
            }
            NESTED_COMPONENT => {
                components += 1;
                let inner = instances
                    .iter()
                    .find(|(range, _)| *range == section.body)
                    .map(|(_, name)| name.clone())
                    .unwrap_or_else(|| format!("{label}/component {}", components - 1));
                // Ranges inside a nested component are relative to it.
                let (new_body, named) = rename(body, &inner, &[])?;
                named.then_some(new_body)
            }
            _ => None,
        };
        match renamed {
            Some(new_body) => {
                changed = true;
                out.push(section.id);
                new_body.as_slice().encode(&mut out);
            }
            None => out.extend_from_slice(&bytes[section.whole.clone()]),
        }
    }
    Some((out, changed))
}

/// Whether Wasmtime finds a module name in the core module `module`.
fn has_module_name(module: &[u8]) -> bool {
    Parser::new(0).parse_all(module).any(|payload| {
        let Ok(Payload::CustomSection(custom)) = payload else {
            return false;
        };
        let KnownCustom::Name(names) = custom.as_known() else {
            return false;
        };
        // As Wasmtime reads it: up to the first subsection it cannot read.
        for name in names {
            match name {
                Ok(Name::Module { .. }) => return true,
                Ok(_) => {}
                Err(_) => return false,
            }
        }
        false
    })
}

/// The core module `module` with a `name` section naming it `name`
/// appended; its own `name` section, if any, still names its functions.
fn with_module_name(module: &[u8], name: &str) -> Vec<u8> {
    let mut names = NameSection::new();
    names.module(name);
    let mut out = module.to_vec();
    out.push(0); // a custom section
    names.encode(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The module names Wasmtime would see in `bytes`, in order.
    fn module_names(bytes: &[u8]) -> Vec<String> {
        let mut names = Vec::new();
        for payload in Parser::new(0).parse_all(bytes) {
            let Ok(Payload::CustomSection(custom)) = payload else {
                continue;
            };
            if let KnownCustom::Name(reader) = custom.as_known() {
                for name in reader {
                    if let Ok(Name::Module { name, .. }) = name {
                        names.push(name.to_owned());
                    }
                }
            }
        }
        names
    }

    /// The fields of a component holding one core module, named `name` if
    /// given.
    fn part(name: Option<&str>) -> String {
        let name = name.map(|n| format!("${n}")).unwrap_or_default();
        format!(
            r#"(core module {name} (func (export "f")))
               (core instance $i (instantiate 0))
               (func (export "f") (canon lift (core func $i "f")))"#
        )
    }

    #[test]
    fn unnamed_modules_are_named_by_their_instance_and_index() {
        let wat = format!(
            r#"(component
                 (component $a {})
                 (component $b {})
                 (instance $left (instantiate $a))
                 (instance $right (instantiate $b))
                 (export "f" (func $right "f")))"#,
            part(None),
            part(Some("mine")),
        );
        let bytes = wat::parse_str(&wat).expect("a composition");
        let named = name_modules(&bytes, "app.wasm").expect("a composition");
        assert_eq!(module_names(&named), ["left/module 0", "mine"]);
        wasmparser::Validator::new()
            .validate_all(&named)
            .expect("still valid");
        // Once named, nothing is left to name.
        let again = name_modules(&named, "app.wasm").expect("a composition");
        assert!(matches!(again, Cow::Borrowed(_)));
    }

    #[test]
    fn a_component_of_its_own_names_modules_after_its_file() {
        let bytes = wat::parse_str(format!("(component {})", part(None))).expect("a component");
        let named = name_modules(&bytes, "app.wasm").expect("a component");
        assert_eq!(module_names(&named), ["app.wasm/module 0"]);
    }
}
