//! Data-driven composition cases.
//!
//! Each folder under `tests/cases/` is one case: an `app.toml` and its
//! components as `.wat` files. The case is copied to a temporary directory,
//! every `*.wat` is assembled to the `*.wasm` beside it, and the app is
//! planned and encoded. The result is snapshotted next to the case as
//! `output.snap`: the plan and the composed world on success, the rendered
//! diagnostic on error. Adding a case is adding a folder; review new or
//! changed snapshots with `cargo insta review`.

use std::path::{Path, PathBuf};

use libtest_mimic::{Failed, Trial};
use wcomp_compose::{App, ComposeError, Memo, Plan, Source};
use wcomp_core::Component;

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases")
}

/// Copies case `name` to a temporary directory, assembling its `.wat` files.
fn prepare(name: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&cases_dir().join(name), tmp.path());
    tmp
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else if path.extension().is_some_and(|e| e == "wat") {
            let bytes = wat::parse_file(&path)
                .unwrap_or_else(|e| panic!("cannot assemble `{}`: {e}", path.display()));
            std::fs::write(target.with_extension("wasm"), bytes).unwrap();
        } else if path.extension().is_some_and(|e| e == "snap" || e == "new") {
            // Snapshots are not inputs.
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

fn load(dir: &Path) -> App {
    App::load(&dir.join("app.toml")).unwrap_or_else(|e| panic!("{e:?}"))
}

fn render(diagnostic: &dyn miette::Diagnostic) -> String {
    let mut out = String::new();
    miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .with_width(200)
        .render_report(&mut out, diagnostic)
        .unwrap();
    out
}

/// What a case produces: the plan and composed world, or the error.
fn run(dir: &Path) -> String {
    let out = match App::load(&dir.join("app.toml")) {
        Err(error) => format!("error:\n{}", render(&error)),
        Ok(app) => match wcomp_compose::plan(&app).map(|plan| (plan.encode(), plan)) {
            Ok((Ok(bytes), plan)) => describe(&plan, &bytes),
            Ok((Err(error), _)) | Err(error) => format!("error:\n{}", render(&error)),
        },
    };
    // Temporary paths differ on every run.
    let dir = dir.display().to_string();
    out.replace(&dir, "[CASE]")
}

fn describe(plan: &Plan, bytes: &[u8]) -> String {
    let mut out = format!("plan:\n{}\n", plan.to_mermaid());
    out.push_str("imports of the composition:\n");
    for import in plan.leftover_imports() {
        out.push_str(&format!(
            "  {} (imported by {})\n",
            import.name,
            import.importers.join(", ")
        ));
    }
    if plan.leftover_imports().is_empty() {
        out.push_str("  (none)\n");
    }
    out.push_str("warnings:\n");
    for warning in plan.warnings() {
        out.push_str(&format!("  {warning}\n"));
    }
    if plan.warnings().is_empty() {
        out.push_str("  (none)\n");
    }
    let composed = Component::from_bytes(Path::new("composed.wasm"), bytes)
        .unwrap_or_else(|e| panic!("the composed component does not decode: {e:?}"));
    out.push_str(&format!("\ncomposed world:\n{}", composed.world_wit(false)));
    out
}

fn main() {
    let args = libtest_mimic::Arguments::from_args();
    // Every folder is a case: one without its `app.toml` fails in `case`
    // rather than being skipped.
    let mut names: Vec<String> = std::fs::read_dir(cases_dir())
        .expect("tests/cases exists")
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut trials: Vec<Trial> = names
        .into_iter()
        .map(|name| Trial::test(format!("case::{name}"), move || case(&name)))
        .collect();
    trials.extend([
        Trial::test("encoding_is_deterministic", wrap(encoding_is_deterministic)),
        Trial::test(
            "a_memo_changes_the_work_not_the_result",
            wrap(a_memo_changes_the_work_not_the_result),
        ),
        Trial::test(
            "diamond_shares_one_instance",
            wrap(diamond_shares_one_instance),
        ),
        Trial::test(
            "parts_of_another_app_are_refused",
            wrap(parts_of_another_app_are_refused),
        ),
        Trial::test("plan_formats", wrap(plan_formats)),
        Trial::test("wac_round_trip", wrap(wac_round_trip)),
        Trial::test(
            "errors_do_not_leak_internal_ids",
            wrap(errors_do_not_leak_internal_ids),
        ),
    ]);
    libtest_mimic::run(&args, trials).exit();
}

/// Runs a test written with assertions as a trial.
fn wrap(test: fn()) -> impl FnOnce() -> Result<(), Failed> + Send + 'static {
    move || std::panic::catch_unwind(test).map_err(|_| Failed::from("assertion failed"))
}

/// One case folder: its output compared with its `output.snap`.
fn case(name: &str) -> Result<(), Failed> {
    if !cases_dir().join(name).join("app.toml").is_file() {
        return Err(Failed::from(format!(
            "case folder `{name}` has no `app.toml`; every folder under `compose/tests/cases` is a case"
        )));
    }
    let tmp = prepare(name);
    let output = run(tmp.path());
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(cases_dir().join(name));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_input_file(cases_dir().join(name).join("app.toml"));
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        settings.bind(|| insta::assert_snapshot!("output", output));
    }))
    .map_err(|_| Failed::from(format!("the output of case `{name}` changed")))
}

/// The same inputs give byte-identical output, whether one plan is encoded
/// twice or the app is planned again from scratch.
fn encoding_is_deterministic() {
    for name in ["chain-of-three", "diamond", "leftover-wasi-import"] {
        let tmp = prepare(name);
        let app = load(tmp.path());
        let plan = wcomp_compose::plan(&app).unwrap();
        let first = plan.encode().unwrap();
        assert_eq!(first, plan.encode().unwrap(), "{name}: encoded twice");
        let again = wcomp_compose::plan(&load(tmp.path())).unwrap();
        assert_eq!(first, again.encode().unwrap(), "{name}: planned twice");
    }
}

/// Planning with a memo kept across plans (as `wcomp dev` does) gives the
/// bytes and parts of planning afresh: again with nothing changed, and
/// after a component (one with deny components, in the capabilities case)
/// changed.
fn a_memo_changes_the_work_not_the_result() {
    fn fresh(dir: &Path) -> (Vec<u8>, Vec<(String, Vec<u8>)>) {
        let app = load(dir);
        let plan = wcomp_compose::plan(&app).unwrap();
        let parts = plan.parts(&app, &mut Memo::default()).unwrap();
        (plan.encode().unwrap(), named(parts))
    }
    fn named(parts: Vec<wcomp_compose::Part>) -> Vec<(String, Vec<u8>)> {
        parts.into_iter().map(|p| (p.component, p.bytes)).collect()
    }
    for (name, changed) in [
        ("capabilities-default", "greeter.wasm"),
        ("chain-of-three", "b.wasm"),
    ] {
        let tmp = prepare(name);
        let mut memo = Memo::default();
        let mut memoized = || {
            let app = load(tmp.path());
            let plan = wcomp_compose::plan_with(&app, &mut memo).unwrap();
            let parts = plan.parts(&app, &mut memo).unwrap();
            (plan.encode().unwrap(), named(parts))
        };
        let expected = fresh(tmp.path());
        assert!(memoized() == expected, "{name}: first plan");
        assert!(memoized() == expected, "{name}: planned again");
        // Other bytes for the same component: a custom section appended.
        let path = tmp.path().join(changed);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.extend_from_slice(&[0, 5, 4, b'e', b'd', b'i', b't']);
        std::fs::write(&path, bytes).unwrap();
        let expected_now = fresh(tmp.path());
        assert!(expected_now != expected, "{name}: the change shows");
        assert!(memoized() == expected_now, "{name}: after the change");
    }
}

/// A plan used with another app (one lacking a component the plan wires)
/// gives a typed error naming the component, not a panic.
fn parts_of_another_app_are_refused() {
    let planned = prepare("chain-of-three");
    let plan = wcomp_compose::plan(&load(planned.path())).unwrap();
    let other = prepare("diamond");
    let err = plan
        .parts(&load(other.path()), &mut Memo::default())
        .unwrap_err();
    assert!(
        matches!(&err, wcomp_compose::ComposeError::NotInApp { component, .. } if !component.is_empty()),
        "{err:?}"
    );
    assert!(err.to_string().contains("which the app at"), "{err}");
}

/// In a diamond the shared component is instantiated once, and both of its
/// importers are given that one instance.
fn diamond_shares_one_instance() {
    let tmp = prepare("diamond");
    let plan = wcomp_compose::plan(&load(tmp.path())).unwrap();
    let names: Vec<&str> = plan
        .instances()
        .iter()
        .map(|i| i.component.as_str())
        .collect();
    assert_eq!(names.iter().filter(|n| **n == "base").count(), 1);
    assert_eq!(names.last(), Some(&"top"));
    let importers_of_base = plan
        .instances()
        .iter()
        .filter(|i| {
            i.arguments.iter().any(
                |a| matches!(&a.from, Source::Instance { component, .. } if component == "base"),
            )
        })
        .count();
    assert_eq!(importers_of_base, 2);
}

/// The other views of a plan: JSON, Graphviz and WAC.
fn plan_formats() {
    let tmp = prepare("explicit-plug");
    let plan = wcomp_compose::plan(&load(tmp.path())).unwrap();
    let json = serde_json::to_string_pretty(&plan.to_json()).unwrap();
    insta::assert_snapshot!("explicit_plug_json", json);
    insta::assert_snapshot!("explicit_plug_dot", plan.to_dot());
    let tmp = prepare("diamond");
    let plan = wcomp_compose::plan(&load(tmp.path())).unwrap();
    insta::assert_snapshot!("diamond_wac", plan.to_wac());
}

/// Errors never show internal ids such as `ResourceId { .. }`.
fn errors_do_not_leak_internal_ids() {
    for name in ["type-mismatch", "cycle", "ambiguous-exporters"] {
        let tmp = prepare(name);
        let error: ComposeError = wcomp_compose::plan(&load(tmp.path())).unwrap_err();
        let text = render(&error);
        for id in ["Id {", "Id(", "NodeId", "TypeId"] {
            assert!(!text.contains(id), "{name}: {text}");
        }
    }
}

/// The WAC document a plan emits, parsed and resolved by wac-parser and
/// composed with the same components (deny components included), gives a
/// component of the same world as wcomp's own composition.
fn wac_round_trip() {
    for name in ["diamond", "explicit-plug", "capabilities-default"] {
        let tmp = prepare(name);
        let app = load(tmp.path());
        let plan = wcomp_compose::plan(&app).unwrap();
        let ours = Component::from_bytes(Path::new("ours.wasm"), &plan.encode().unwrap()).unwrap();
        let wac = plan.to_wac();
        let document = wac_parser::Document::parse(&wac)
            .unwrap_or_else(|e| panic!("{name}: the WAC does not parse: {e}\n{wac}"));
        let mut packages = indexmap::IndexMap::new();
        let names: Vec<String> = plan
            .instances()
            .iter()
            .map(|i| format!("app:{}", i.component))
            .collect();
        for (instance, key) in plan.instances().iter().zip(&names) {
            let bytes = match plan
                .generated_components()
                .find(|(n, _)| *n == instance.component)
            {
                Some((_, bytes)) => bytes.to_vec(),
                None => std::fs::read(tmp.path().join(&instance.wasm)).unwrap(),
            };
            let key = wac_types::BorrowedPackageKey {
                name: key.as_str(),
                version: None,
            };
            packages.insert(key, bytes);
        }
        let resolution = document
            .resolve(packages)
            .unwrap_or_else(|e| panic!("{name}: the WAC does not resolve: {e:?}"));
        let theirs = resolution
            .encode(wac_graph::EncodeOptions {
                define_components: true,
                ..Default::default()
            })
            .unwrap_or_else(|e| panic!("{name}: wac cannot encode it: {e:?}"));
        let theirs = Component::from_bytes(Path::new("theirs.wasm"), &theirs).unwrap();
        assert_eq!(ours.world_wit(false), theirs.world_wit(false), "{name}");
    }
}
