//! Every build output is checked before it replaces the last one: it must
//! be a component whose exports are exactly its world's, and which imports
//! nothing outside its world but WASI.

use std::path::Path;

use wcomp_core::names::{is_toolchain_export, names_compatible};

use super::Job;
use super::error::ComponentError;

/// Checks the bytes a toolchain produced for `job`.
pub(super) fn check_output(
    job: &Job<'_>,
    output: &Path,
    bytes: &[u8],
) -> Result<(), ComponentError> {
    let component = wcomp_core::Component::from_bytes(output, bytes).map_err(|source| {
        ComponentError::Invalid {
            component: job.name.to_owned(),
            source,
        }
    })?;
    let details = differences(
        &job.world.exports(),
        &job.world.imports(),
        &component.exports(),
        &component.imports(),
    );
    if details.is_empty() {
        return Ok(());
    }
    Err(ComponentError::Mismatch {
        component: job.name.to_owned(),
        world: job.world.name.clone(),
        details: details.join("\n"),
        output: output.to_owned(),
    })
}

/// What differs between a world and a built component, one line each.
fn differences(
    world_exports: &[String],
    world_imports: &[String],
    exports: &[String],
    imports: &[String],
) -> Vec<String> {
    let exports: Vec<&String> = exports.iter().filter(|e| !is_toolchain_export(e)).collect();
    let mut details = Vec::new();
    for e in world_exports {
        if !exports.iter().any(|f| names_compatible(e, f)) {
            details.push(format!("  missing export `{e}`"));
        }
    }
    for f in &exports {
        if !world_exports.iter().any(|e| names_compatible(e, f)) {
            details.push(format!("  extra export `{f}`"));
        }
    }
    // Toolchains add WASI imports of their own; anything else the output
    // imports must be in its world.
    for i in imports {
        if !i.starts_with("wasi:") && !world_imports.iter().any(|w| names_compatible(w, i)) {
            details.push(format!("  import `{i}` is not in the world"));
        }
    }
    details
}

#[cfg(test)]
mod tests {
    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn differences_are_named() {
        let found = super::differences(
            &strings(&["demo:a/b@0.1.0", "func run"]),
            &strings(&["demo:x/y@0.1.0"]),
            &strings(&["demo:a/b@0.1.3", "exports", "func init", "func extra"]),
            &strings(&["wasi:cli/stdout@0.2.6", "demo:x/y@0.1.0", "other:p/q"]),
        );
        assert_eq!(
            found,
            [
                "  missing export `func run`",
                "  extra export `func extra`",
                "  import `other:p/q` is not in the world"
            ]
        );
    }
}
