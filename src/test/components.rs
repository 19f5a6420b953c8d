//! Test components: components of an app that export `wcomp:test/cases`
//! (`list-cases: func() -> list<string>`, `run-case: func(name: string) ->
//! result<_, string>`), written in any language.
//!
//! Each is found among the app's built components and becomes one
//! *listing* case ([`Run::Listed`]): when it runs, its target (the test
//! component composed with the app's components it imports, as for any
//! case of one component) is instantiated once to list its cases, and each
//! listed case is then run as `run-case("NAME")` in an instance of its own,
//! passing when it returns `ok`.

use std::path::Path;
use std::sync::Arc;

use miette::NamedSource;
use toml::Spanned;
use wasm_wave::value::{Type as WaveType, Value};
use wasm_wave::wasm::WasmValue;
use wcomp_compose::App;

use super::spec::{Case, Run, World};

/// The interface a test component exports, without its version.
pub const CASES: &str = "wcomp:test/cases";

/// The listing case of each component of `app` whose built file exports
/// [`CASES`], in the app's order; `order` numbers them from there.
pub fn discover(app: &App, mut order: usize) -> Vec<Case> {
    let mut listings = Vec::new();
    for entry in app.components() {
        let name = entry.name().as_str();
        let Some(wasm) = app.component_wasm(name) else {
            continue;
        };
        let Ok(bytes) = std::fs::read(&wasm) else {
            continue;
        };
        if exports_cases(&bytes) {
            listings.push(listing(name, &wasm, order));
            order += 1;
        }
    }
    listings
}

/// Whether the component `bytes` exports [`CASES`] (any version).
fn exports_cases(bytes: &[u8]) -> bool {
    use wasmparser::Payload;
    let mut depth = 0usize;
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        match payload {
            Ok(Payload::Version { .. }) => depth += 1,
            Ok(Payload::End(_)) => depth = depth.saturating_sub(1),
            Ok(Payload::ComponentExportSection(section)) if depth == 1 => {
                let names = section.into_iter().filter_map(Result::ok);
                if names
                    .map(|export| export.name.name)
                    .any(|name| name == CASES || name.starts_with(&format!("{CASES}@")))
                {
                    return true;
                }
            }
            Ok(_) => {}
            Err(_) => return false,
        }
    }
    false
}

/// The case that lists the cases of the test component `name`, built at
/// `wasm`: reported as `NAME: (listing)` if listing fails.
fn listing(name: &str, wasm: &Path, order: usize) -> Case {
    let shown = super::target::shown(wasm).display().to_string();
    Case {
        name: "(listing its cases)".to_owned(),
        order,
        file: wasm.with_file_name(format!("{name}.wasm")),
        src: Arc::new(NamedSource::new(shown, String::new())),
        span: 0..0,
        component: Some(Spanned::new(0..0, name.to_owned())),
        run: Run::Listed,
        world: World::default(),
        mocks: Vec::new(),
    }
}

/// The case `name` of the test component that `listing` lists: a call of
/// `run-case("NAME")` that must return `ok`.
pub fn listed(listing: &Case, name: &str) -> miette::Result<Case> {
    let quoted = wasm_wave::to_string(&Value::make_string(name.into()))
        .map_err(|e| miette::miette!("cannot write the case name `{name}` in WAVE: {e}"))?;
    let call = wcomp_host::Call::parse(&format!("run-case({quoted})"))?;
    Ok(Case {
        name: name.to_owned(),
        run: Run::Invoke {
            call,
            span: 0..0,
            expect: Some("ok".to_owned()),
            trap: None,
        },
        ..listing.clone()
    })
}

/// The names `list-cases` returned, as the host shows them: a WAVE list
/// of strings.
pub fn names(results: &[String]) -> miette::Result<Vec<String>> {
    let text = results.first().map_or("[]", String::as_str);
    let list: Value = wasm_wave::from_str(&WaveType::list(WaveType::STRING), text)
        .map_err(|e| miette::miette!("`list-cases` returned `{text}`, not a list of names: {e}"))?;
    let names = list
        .unwrap_list()
        .map(|name| name.unwrap_string().into_owned())
        .collect();
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_names_are_read_from_wave() {
        let names = names(&[r#"["adds", "a \"quoted\" one"]"#.to_owned()]).unwrap();
        assert_eq!(names, ["adds", "a \"quoted\" one"]);
        assert!(super::names(&["3".to_owned()]).is_err());
    }
}
