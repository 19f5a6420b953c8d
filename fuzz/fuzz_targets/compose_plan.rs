//! Random, structurally valid apps (see `wcomp_fuzz::apps`) → `plan` and
//! `encode`. Any error a person can act on is fine; a panic, an internal
//! error (which wcomp words as "likely a bug") or a composed component that
//! does not decode is a finding.
//!
//! With `WCOMP_FUZZ_STATS=1`, each input prints one line saying how it
//! ended, to tune the generator: `cargo fuzz run compose_plan -- -runs=2000
//! 2>&1 | grep ^outcome | sort | uniq -c`.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use wcomp_compose::{App, ComposeError};
use wcomp_core::Component;
use wcomp_fuzz::apps::AppSpec;
use wcomp_fuzz::render;

fuzz_target!(|spec: AppSpec| {
    let dir = tempfile::tempdir().expect("a scratch directory");
    if spec.write(dir.path()).is_none() {
        return outcome("skipped: the generator made a world wit-component rejects");
    }
    let app = match App::load(&dir.path().join("app.toml")) {
        Ok(app) => app,
        Err(error) => {
            render(&error);
            return outcome(&format!("manifest error: {error}"));
        }
    };
    let plan = match wcomp_compose::plan(&app) {
        Ok(plan) => plan,
        Err(error) => return compose_error(&error),
    };
    for warning in plan.warnings() {
        render(warning);
    }
    let _ = (plan.to_mermaid(), plan.to_dot(), plan.to_wac());
    serde_json::to_string(&plan.to_json()).expect("the plan serializes");
    let _ = plan.generated_components().count();
    match plan.encode() {
        Ok(bytes) => {
            let composed = Component::from_bytes(Path::new("composed.wasm"), &bytes);
            let composed = composed.unwrap_or_else(|e| panic!("{}", render(&e)));
            let _ = (
                composed.imports(),
                composed.exports(),
                composed.world_wit(true),
            );
            outcome("composed");
        }
        Err(error) => compose_error(&error),
    }
});

/// An error is fine unless wcomp itself calls it a bug.
fn compose_error(error: &ComposeError) {
    let shown = render(error);
    if let ComposeError::Internal { .. } = error {
        panic!("internal error:\n{shown}");
    }
    let kind = format!("{error:?}");
    outcome(&format!(
        "compose error: {}",
        kind.split([' ', '{', '(']).next().unwrap_or_default()
    ));
}

fn outcome(what: &str) {
    if std::env::var_os("WCOMP_FUZZ_STATS").is_some() {
        eprintln!("outcome: {what}");
    }
}
