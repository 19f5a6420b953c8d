//! `--release`: a component without what a deployed one does not need, its
//! small core modules optimized for size by `wasm-opt`.
//!
//! [`strip`] removes debug information, names (unless kept) and other
//! custom sections only tools read, at every level of nesting; the
//! `component-type` sections, `producers` and wcomp's capability policy
//! stay. [`WasmOpt`] then optimizes each core module of at most
//! [`MAX_OPTIMIZED`] bytes. A module wasm-opt fails on, or whose output
//! does not validate, is kept as it was, with a warning; and the whole
//! result must validate and have the same imports and exports as the
//! original, or it is an error and nothing is written.

pub mod strip;
mod wasm_opt;

use serde::Serialize;

pub use wasm_opt::{VERSION as WASM_OPT_VERSION, WasmOpt};

use crate::toolchain::Home;

/// Core modules at most this large go through wasm-opt. Larger ones are
/// engines (CPython, StarlingMonkey, QuickJS, Go's runtime) that their
/// toolchains ship optimized already, and would take minutes.
pub const MAX_OPTIMIZED: usize = 1 << 20;

/// Shrinks components for release, the same way each time.
pub struct Shrinker {
    keep_names: bool,
    /// `wasm-opt`, or why there is none (said once per component).
    wasm_opt: Result<WasmOpt, String>,
    /// What checks that Wasmtime accepts each optimized module.
    engine: wcomp_host::wasmtime::Engine,
}

/// What shrinking one component did.
#[derive(Debug, Clone, Serialize)]
pub struct Shrunk {
    /// Its size as built, and after.
    pub before: u64,
    pub after: u64,
    /// How many of its core modules wasm-opt optimized.
    pub optimized: usize,
    /// What was left as it was, and why.
    pub warnings: Vec<String>,
}

/// The shrunk component is not the component it was made from.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ShrinkError {
    #[error("it is not a well-formed component, so it cannot be shrunk")]
    #[diagnostic(code(wcomp::release::malformed))]
    Malformed,

    #[error("shrunk, it no longer validates: {message}")]
    #[diagnostic(
        code(wcomp::release::invalid),
        help("this is a bug in wcomp or wasm-opt; build without `--release` meanwhile")
    )]
    Invalid { message: String },

    #[error("shrunk, its imports or exports changed")]
    #[diagnostic(
        code(wcomp::release::changed),
        help("this is a bug in wcomp or wasm-opt; build without `--release` meanwhile")
    )]
    Changed,
}

impl Shrinker {
    /// A shrinker keeping names or not, optimizing with the `wasm-opt` of
    /// `home` (installed first if need be; without it, stripping only).
    pub fn new(home: &Home, keep_names: bool) -> Shrinker {
        let wasm_opt = WasmOpt::installed(home)
            .map_err(|e| format!("not optimized with wasm-opt: {:?}", miette::Report::new(e)));
        Shrinker {
            keep_names,
            wasm_opt,
            engine: wcomp_host::wasmtime::Engine::default(),
        }
    }

    /// `bytes`, a component, shrunk; checked to validate and to have the
    /// imports and exports it had.
    pub fn shrink(&self, bytes: &[u8]) -> Result<(Vec<u8>, Shrunk), ShrinkError> {
        let mut optimized = 0;
        let mut warnings: Vec<String> = self.wasm_opt.as_ref().err().cloned().into_iter().collect();
        let mut optimize = |module: Vec<u8>| match self.optimize(&module) {
            Ok(Some(smaller)) => {
                optimized += 1;
                smaller
            }
            Ok(None) => module,
            Err(warning) => {
                warnings.push(warning);
                module
            }
        };
        let out =
            strip::rewrite(bytes, self.keep_names, &mut optimize).ok_or(ShrinkError::Malformed)?;
        same_component(bytes, &out)?;
        let shrunk = Shrunk {
            before: bytes.len() as u64,
            after: out.len() as u64,
            optimized,
            warnings,
        };
        Ok((out, shrunk))
    }

    /// `module` optimized by wasm-opt when it is small enough and the
    /// result validates; `None` when it is left alone; why not, when
    /// wasm-opt failed.
    fn optimize(&self, module: &[u8]) -> Result<Option<Vec<u8>>, String> {
        let Ok(wasm_opt) = &self.wasm_opt else {
            return Ok(None);
        };
        if module.len() > MAX_OPTIMIZED {
            return Ok(None);
        }
        let out = wasm_opt.optimize(module, self.keep_names).map_err(|e| {
            format!(
                "a core module was kept as it was: {:?}",
                miette::Report::new(e)
            )
        })?;
        match wcomp_host::wasmtime::Module::validate(&self.engine, &out) {
            Ok(()) if out.len() < module.len() => Ok(Some(out)),
            Ok(()) => Ok(None),
            Err(e) => Err(format!(
                "a core module was kept as it was: Wasmtime does not accept wasm-opt's output ({e:#})"
            )),
        }
    }
}

/// The component `bytes` stripped (see [`strip`]), checked as
/// [`Shrinker::shrink`] checks: what `wcomp compose --release` writes.
pub fn strip_component(bytes: &[u8], keep_names: bool) -> Result<Vec<u8>, ShrinkError> {
    let stripped = strip::strip(bytes, keep_names).ok_or(ShrinkError::Malformed)?;
    same_component(bytes, &stripped)?;
    Ok(stripped)
}

/// Checks that `shrunk` validates and has the imports and exports of
/// `original`.
fn same_component(original: &[u8], shrunk: &[u8]) -> Result<(), ShrinkError> {
    let path = std::path::Path::new("component.wasm");
    let before = wcomp_core::Component::from_bytes(path, original);
    let after =
        wcomp_core::Component::from_bytes(path, shrunk).map_err(|e| ShrinkError::Invalid {
            message: e.to_string(),
        })?;
    match before {
        Ok(before)
            if before.imports() != after.imports() || before.exports() != after.exports() =>
        {
            Err(ShrinkError::Changed)
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stripped_component_is_checked_and_keeps_its_exports() {
        let bytes = wat::parse_str(
            r#"(component
                (core module $m (func (export "f") (result i32) i32.const 1))
                (core instance $i (instantiate $m))
                (func $f (export "f") (result u32) (canon lift (core func $i "f"))))"#,
        )
        .unwrap();
        let stripped = strip_component(&bytes, false).unwrap();
        assert!(stripped.len() < bytes.len());
        let path = std::path::Path::new("c.wasm");
        let component = wcomp_core::Component::from_bytes(path, &stripped).unwrap();
        assert_eq!(component.exports(), ["func f"]);
        assert_eq!(strip_component(&bytes, true).unwrap(), bytes);
        assert!(matches!(
            strip_component(b"\0asm\x0d\0\x01\0\x01\xff", false),
            Err(ShrinkError::Malformed)
        ));
    }
}
