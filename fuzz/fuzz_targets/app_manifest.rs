//! app.toml text → `App::parse`; when it parses, every accessor; when it
//! does not, the rendered diagnostic, and a suggested name that is itself
//! valid.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use wcomp_compose::{App, KebabName, ManifestError};
use wcomp_fuzz::render;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match App::parse(Path::new("app/app.toml"), text.to_owned()) {
        Ok(app) => use_every_accessor(&app),
        Err(error) => check_error(&error),
    }
});

/// Everything the CLI asks of a parsed app, with the invariants parsing
/// promises.
fn use_every_accessor(app: &App) {
    assert!(KebabName::new(app.name().as_str()).is_ok());
    let main = app
        .component(app.main().as_str())
        .expect("`main` is a component of the app");
    assert_eq!(main.name(), app.main());
    assert!(app.output().starts_with(app.dir()));
    let _ = (app.path(), app.text(), app.source(), app.host_imports());
    let _ = (app.wit_dir(), app.build_dir());
    for entry in app.components() {
        let name = entry.name().as_str();
        assert!(KebabName::new(name).is_ok());
        let _ = (entry.lang(), entry.source_dir(), entry.wit(), entry.world());
        let _ = (entry.has_explicit_world(), entry.wasm(), entry.js_backend());
        let _ = (entry.cflags(), entry.ldflags(), entry.capabilities());
        let _ = app.component_wit(entry);
        let _ = app.build_output(name);
        assert!(app.component_wasm(name).is_some());
        let granted = app.granted(name);
        if entry.capabilities().is_none() && name != app.main().as_str() {
            assert_eq!(granted, wcomp_compose::Capabilities::none());
        }
        for (_, target) in entry.plugs() {
            assert!(app.component(target).is_some(), "plug target `{target}`");
        }
    }
    assert_eq!(app.component_names().count(), app.components().count());
}

/// The diagnostic renders, and a name it suggests is one the manifest
/// would accept.
fn check_error(error: &ManifestError) {
    let _ = render(error);
    if let ManifestError::InvalidName { suggestion, .. } = error {
        assert!(
            KebabName::new(suggestion).is_ok(),
            "suggested name `{suggestion}` is not kebab-case"
        );
    }
}
