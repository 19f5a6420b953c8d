//! What a case runs: the composed app, or one component of it composed
//! with what it imports, each mocked import answered by a component
//! generated from the importer's WIT and plugged in instead of the real
//! exporter. Cases that run the same thing share one composition and one
//! compiled component.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use toml::Spanned;
use wcomp_compose::App;
use wcomp_compose::mock::{self, MockError};
use wcomp_core::names::{InterfaceName, did_you_mean, plug_matches};
use wit_parser::{WorldItem, WorldKey};

use super::spec::{Case, Mock, MockFunction};

/// What one or more cases run, before it is compiled.
pub struct Target {
    /// Names it in messages: `the app`, or the component's name.
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The key of what a case runs: cases with the same key share a target.
pub fn key(case: &Case) -> String {
    let mut key = case
        .component
        .as_ref()
        .map_or(String::new(), |c| c.get_ref().clone());
    if case.intercepted() {
        // Loaded linked, for the host to see the mocks' calls.
        key.push_str("|linked");
    }
    for m in &case.mocks {
        key.push_str(&format!("|{}", m.interface.get_ref()));
        for f in &m.functions {
            key.push_str(&format!(
                "/{}={:?}",
                f.name.get_ref(),
                f.returns.iter().map(|r| r.get_ref()).collect::<Vec<_>>()
            ));
            // Checked when the target is made: cases that differ in them
            // get targets of their own (the same bytes, compiled once).
            let when: Vec<(&String, Option<&String>)> = f
                .when
                .iter()
                .map(|w| (w.args.get_ref(), w.returns.as_ref().map(|r| r.get_ref())))
                .collect();
            let args: Option<Vec<&String>> = f
                .args
                .as_ref()
                .map(|a| a.iter().map(|a| a.get_ref()).collect());
            key.push_str(&format!("/when={when:?}/args={args:?}"));
        }
    }
    key
}

/// Composes what `case` runs; mock components are written to `scratch`.
pub fn build(app: &App, case: &Case, scratch: &Path) -> miette::Result<Target> {
    let main = match &case.component {
        Some(c) => {
            check_component(app, case, c)?;
            c.get_ref().clone()
        }
        None => app.main().to_string(),
    };
    let name = match &case.component {
        Some(c) => c.get_ref().clone(),
        None => app.name().to_string(),
    };
    if let Some(target) = standalone(app, case)? {
        return Ok(target);
    }
    let text = if case.mocks.is_empty() && case.component.is_none() {
        None
    } else {
        Some(with_mocks(app, case, &main, scratch)?)
    };
    let app = match text {
        Some(text) => App::parse(app.path(), text)?,
        None => App::parse(app.path(), app.text().to_owned())?,
    };
    let plan = wcomp_compose::plan(&app)?;
    Ok(Target {
        name,
        bytes: plan.encode()?,
    })
}

/// A component tested alone that imports only what the host provides runs
/// as it is, as `wcomp run` would run it: composing it would change
/// nothing, and would decode every component of the app to find that out.
fn standalone(app: &App, case: &Case) -> miette::Result<Option<Target>> {
    let Some(component) = &case.component else {
        return Ok(None);
    };
    if !case.mocks.is_empty() {
        return Ok(None);
    }
    let Some(path) = app.component_wasm(component.get_ref()) else {
        return Ok(None);
    };
    let Ok(bytes) = wcomp_core::fs::read_regular(&path) else {
        // Composition says what is missing, and how to build it.
        return Ok(None);
    };
    match top_level_imports(&bytes) {
        Some(imports) if imports.iter().all(|i| wcomp_core::wasi::host_provides(i)) => {
            Ok(Some(Target {
                name: component.get_ref().clone(),
                bytes,
            }))
        }
        _ => Ok(None),
    }
}

/// The names a component imports, read from its import sections without
/// decoding it; `None` if it is not a component that parses.
fn top_level_imports(bytes: &[u8]) -> Option<Vec<String>> {
    use wasmparser::Payload;
    let mut depth = 0usize;
    let mut imports = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        match payload.ok()? {
            Payload::Version { .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::ComponentImportSection(section) if depth == 1 => {
                for import in section {
                    imports.push(import.ok()?.name.name.to_owned());
                }
            }
            _ => {}
        }
    }
    Some(imports)
}

/// The component a case names must be one of the app's.
fn check_component(app: &App, case: &Case, component: &Spanned<String>) -> miette::Result<()> {
    let wanted = component.get_ref();
    if app.component(wanted).is_some() {
        return Ok(());
    }
    let names: Vec<&str> = app.component_names().collect();
    let help = did_you_mean(wanted, names.iter().copied(), || {
        format!(
            "the app's components are {}",
            wcomp_core::fmt::quoted_list(&names)
        )
    });
    Err(case
        .error(
            component.span(),
            format!("`{wanted}` is not a component of the app"),
            "unknown component",
            Some(help),
        )
        .into())
}

/// The app's manifest with `main` set to the component under test and
/// every mock added as a component, plugged into each component that
/// imports what it mocks.
fn with_mocks(app: &App, case: &Case, main: &str, scratch: &Path) -> miette::Result<String> {
    let mut doc: toml_edit::DocumentMut = app
        .text()
        .parse()
        .map_err(|e| miette::miette!("cannot edit `{}`: {e}", app.path().display()))?;
    doc["app"]["main"] = toml_edit::value(main);
    let importers = decode_components(app, main, !case.mocks.is_empty())?;
    for (n, m) in case.mocks.iter().enumerate() {
        let mock_name = format!("wcomp-mock{}", n + 1);
        let (bytes, import, users) = generate(case, m, &importers)?;
        let file = scratch.join(format!("{}-{mock_name}.wasm", sanitize(&case.name)));
        std::fs::write(&file, bytes)
            .map_err(|e| miette::miette!("cannot write `{}`: {e}", file.display()))?;
        doc["components"][&mock_name]["wasm"] = toml_edit::value(file.display().to_string());
        for user in users {
            doc["components"][&user]["plug"][&import] = toml_edit::value(&mock_name);
        }
    }
    Ok(doc.to_string())
}

/// A file name made of `name`'s letters and digits.
pub fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

/// The decoded components a mock may stand in front of: the component
/// under test first, then the rest of the app.
fn decode_components(
    app: &App,
    main: &str,
    needed: bool,
) -> miette::Result<Vec<(String, wcomp_core::Component)>> {
    if !needed {
        return Ok(Vec::new());
    }
    let mut names: Vec<String> = vec![main.to_owned()];
    names.extend(
        app.component_names()
            .filter(|n| *n != main)
            .map(str::to_owned),
    );
    let mut out = Vec::new();
    for name in names {
        let Some(path) = app.component_wasm(&name) else {
            continue;
        };
        match wcomp_core::Component::read(&path) {
            Ok(c) => out.push((name, c)),
            // The component under test must exist; the others only matter
            // if the composition needs them, which says so itself.
            Err(e) if name == main => {
                return Err(miette::Report::new(e).wrap_err(format!(
                    "cannot read component `{name}`; run `wcomp build` first"
                )));
            }
            Err(_) => {}
        }
    }
    Ok(out)
}

/// Makes the mock `m` of `case`: its bytes, the import it satisfies (as
/// the component under test names it) and the components that import it.
fn generate(
    case: &Case,
    m: &Mock,
    components: &[(String, wcomp_core::Component)],
) -> miette::Result<(Vec<u8>, String, Vec<String>)> {
    let (_, subject) = components
        .first()
        .ok_or_else(|| miette::miette!("no component to mock imports of"))?;
    let (import, interface) = mocked_import(case, m, subject)?;
    let resolve = &subject.resolve;
    let mut answers = BTreeMap::new();
    for f in &m.functions {
        let func = mocked_function(case, f, &resolve.interfaces[interface], &import)?;
        let texts: Vec<String> = f.returns.iter().map(|r| r.get_ref().clone()).collect();
        let values = mock::parse_returns(resolve, &import, func, &texts)
            .map_err(|e| returns_error(case, f, e))?;
        check_arguments(case, f, resolve, &import, func)?;
        check_streams(case, f, resolve, func)?;
        answers.insert(f.name.get_ref().clone(), values);
    }
    let bytes = mock::mock_component(resolve, interface, &answers)?;
    let users = components
        .iter()
        .filter(|(_, c)| {
            interface_imports(c)
                .iter()
                .any(|(n, _)| InterfaceName::parse(n).is_some() && plug_matches(&import, n))
        })
        .map(|(n, _)| n.clone())
        .collect();
    Ok((bytes, import, users))
}

/// The import of the component under test that the mock `m` stands in
/// for: its name and interface.
fn mocked_import(
    case: &Case,
    m: &Mock,
    subject: &wcomp_core::Component,
) -> miette::Result<(String, wit_parser::InterfaceId)> {
    let wanted = m.interface.get_ref();
    let imports = interface_imports(subject);
    if let Some(found) = imports.iter().find(|(name, _)| plug_matches(wanted, name)) {
        return Ok(found.clone());
    }
    let names: Vec<&str> = imports
        .iter()
        .map(|(n, _)| n.as_str())
        .filter(|n| !n.starts_with("wasi:"))
        .collect();
    let help = did_you_mean(wanted, imports.iter().map(|(n, _)| n.as_str()), || {
        if names.is_empty() {
            format!(
                "{} imports no interface but WASI; mock an import of the component under test",
                case.subject()
            )
        } else {
            format!(
                "{} imports {}",
                case.subject(),
                wcomp_core::fmt::quoted_list(names)
            )
        }
    });
    Err(case
        .error(
            m.interface.span(),
            format!("{} does not import `{wanted}`", case.subject()),
            "not imported",
            Some(help),
        )
        .into())
}

/// The function of `iface` (imported as `import`) that `f` mocks.
fn mocked_function<'r>(
    case: &Case,
    f: &MockFunction,
    iface: &'r wit_parser::Interface,
    import: &str,
) -> miette::Result<&'r wit_parser::Function> {
    let fname = f.name.get_ref();
    let Some(func) = iface.functions.get(fname) else {
        let known: Vec<&str> = iface.functions.keys().map(String::as_str).collect();
        let help = did_you_mean(fname, known.iter().copied(), || {
            format!("its functions are {}", wcomp_core::fmt::quoted_list(&known))
        });
        return Err(case
            .error(
                f.name.span(),
                format!("`{import}` has no function `{fname}`"),
                "unknown function",
                Some(help),
            )
            .into());
    };
    Ok(func)
}

/// Why the `returns` of `f` cannot be used: a value that is not of the
/// function's result type points at that value.
fn returns_error(case: &Case, f: &MockFunction, e: MockError) -> miette::Report {
    let fname = f.name.get_ref();
    match e {
        MockError::BadValue {
            index,
            ty,
            reason,
            value,
            ..
        } => miette::Report::new(
            case.error(
                f.returns
                    .get(index)
                    .map_or_else(|| f.name.span(), Spanned::span),
                format!("the mock of `{fname}` returns `{value}`, which is not a `{ty}`"),
                format!("expected `{ty}`"),
                Some(format!("{reason}; `{fname}` returns `{ty}` (WAVE syntax)")),
            ),
        ),
        other => miette::Report::new(other),
    }
}

/// Checks the arguments and answers of `f`'s `when` and its `args`
/// against `func`'s parameters and result; a bad one points at itself.
fn check_arguments(
    case: &Case,
    f: &MockFunction,
    resolve: &wit_parser::Resolve,
    import: &str,
    func: &wit_parser::Function,
) -> miette::Result<()> {
    let fname = f.name.get_ref();
    let asserted = f.args.iter().flatten();
    for args in f.when.iter().map(|w| &w.args).chain(asserted) {
        mock::check_arguments(resolve, import, func, args.get_ref()).map_err(|e| match e {
            MockError::BadValue { ty, reason, .. } => miette::Report::new(case.error(
                args.span(),
                format!("`{}` are not arguments of `{fname}{ty}`", args.get_ref()),
                format!("expected `{ty}`"),
                Some(format!(
                    "{reason}; write them as a call does, e.g. `(1, \"a\")`"
                )),
            )),
            other => miette::Report::new(other),
        })?;
    }
    for answer in f.when.iter().filter_map(|w| w.returns.as_ref()) {
        let text = [answer.get_ref().clone()];
        mock::parse_returns(resolve, import, func, &text).map_err(|e| {
            let one = MockFunction {
                returns: vec![answer.clone()],
                ..f.clone()
            };
            returns_error(case, &one, e)
        })?;
    }
    Ok(())
}

/// Checks that `f`'s `streams`, if any, answer a function returning a
/// `stream<u8>`, and that it has no `returns` beside them.
fn check_streams(
    case: &Case,
    f: &MockFunction,
    resolve: &wit_parser::Resolve,
    func: &wit_parser::Function,
) -> miette::Result<()> {
    let Some(first) = f.streams.first() else {
        return Ok(());
    };
    let fname = f.name.get_ref();
    if !mock::returns_byte_stream(resolve, func) {
        return Err(case
            .error(
                first.span(),
                format!("`{fname}` does not return a `stream<u8>`"),
                "not a stream",
                Some("`streams` answers a function returning a `stream<u8>`; give other values with `returns`".into()),
            )
            .into());
    }
    Ok(())
}

/// The interfaces a component imports, by name.
fn interface_imports(c: &wcomp_core::Component) -> Vec<(String, wit_parser::InterfaceId)> {
    c.resolve.worlds[c.world]
        .imports
        .iter()
        .filter_map(|(key, item)| match (key, item) {
            (WorldKey::Interface(_), WorldItem::Interface { id, .. }) => {
                Some((c.resolve.name_world_key(key), *id))
            }
            _ => None,
        })
        .collect()
}

/// Where the mocks of one run are written.
pub fn scratch_dir() -> std::io::Result<tempfile::TempDir> {
    tempfile::Builder::new().prefix("wcomp-test-").tempdir()
}

/// `path`, for messages: relative to the current folder when inside it.
pub fn shown(path: &Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_owned))
        .unwrap_or_else(|| path.to_owned())
}
