//! Large core modules compiled on their own: a new component, or a new
//! composition, that carries a module an earlier one carried takes that
//! module's code from the cache whole, and runs the same.

use crate::support;

use std::path::Path;

use support::*;
use wcomp_host::{CacheOutcome, Host, Loaded, RunError, RunOptions};

/// How many functions the large module has: more than 64 KiB of code.
const FUNCTIONS: usize = 4000;

/// A core module body with `FUNCTIONS` functions chained by `answer`,
/// which returns 42.
fn engine_body() -> String {
    engine_body_edited(0)
}

/// [`engine_body`] with the code of its last function changed by `edit`
/// (which `answer` does not call): other code, the same types.
fn engine_body_edited(edit: i32) -> String {
    let mut body = String::new();
    for i in 0..FUNCTIONS {
        let i = if i == FUNCTIONS - 1 {
            i as i32 + edit
        } else {
            i as i32
        };
        body.push_str(&format!(
            "  (func $f{i} (param i32) (result i32)\n    \
             (i32.xor (i32.add (i32.mul (local.get 0) (i32.const {i})) (i32.const 7)) \
             (i32.rotl (local.get 0) (i32.const 3))))\n"
        ));
    }
    body.push_str(
        r#"  (func (export "answer") (result i32)
    (i32.sub (i32.add (call $f1 (i32.const 40)) (call $f0 (i32.const 1))) (i32.const 340)))
"#,
    );
    body
}

/// A component whose one core module is large, exporting `answer`.
fn engine(imports_missing: bool) -> Vec<u8> {
    let world = if imports_missing {
        "  import missing: func() -> u32;\n  export answer: func() -> u32;"
    } else {
        "  export answer: func() -> u32;"
    };
    let imports = if imports_missing {
        r#"(import "$root" "missing" (func (result i32)))"#
    } else {
        ""
    };
    component(world, imports, &engine_body())
}

/// A component as a toolchain builds one: a large core module of its own
/// and, because its world exports an interface, a small component nested
/// by wit-component to give the exported instance its type.
fn engine_exporting_interface() -> Vec<u8> {
    let body = engine_body().replace(r#"(export "answer")"#, r#"(export "api#answer")"#);
    component(
        "  export api: interface {\n    answer: func() -> u32;\n  }",
        "",
        &body,
    )
}

/// How many data segments [`snapshot`] has: more than the split writes
/// apart (32), so that some are merged.
const SEGMENTS: u32 = 40;

/// A component whose large module has data, as Wizer leaves a memory
/// snapshot: `SEGMENTS` one-byte segments 4 bytes apart, the first `first`,
/// the others 1, which `data` adds up with the zeros between them (42 for
/// `first` 3).
fn snapshot(first: u8) -> Vec<u8> {
    let mut body = engine_body();
    for i in 0..SEGMENTS {
        let value = if i == 0 { first } else { 1 };
        body.push_str(&format!(
            "  (data (i32.const {}) \"\\{value:02x}\")\n",
            16 + 4 * i
        ));
    }
    body.push_str(&format!(
        r#"  (func (export "data") (result i32) (local $at i32) (local $sum i32)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $at) (i32.const {})))
      (local.set $sum (i32.add (local.get $sum) (i32.load8_u offset=16 (local.get $at))))
      (local.set $at (i32.add (local.get $at) (i32.const 1)))
      (br $next)))
    (local.get $sum))
"#,
        4 * SEGMENTS
    ));
    component(
        "  export answer: func() -> u32;\n  export data: func() -> u32;",
        "",
        &body,
    )
}

/// Whether `bytes`, a component, has a component nested at its top level.
fn has_nested_component(bytes: &[u8]) -> bool {
    let mut depth = 0;
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        match payload.unwrap() {
            wasmparser::Payload::ComponentSection { .. } if depth == 0 => return true,
            wasmparser::Payload::ModuleSection { .. } => depth += 1,
            wasmparser::Payload::End(_) => depth -= 1,
            _ => {}
        }
    }
    false
}

/// `bytes` with a custom section added: other bytes, the same code.
fn with_custom_section(bytes: &[u8], text: &str) -> Vec<u8> {
    let name = "wcomp-test";
    let mut payload = vec![name.len() as u8];
    payload.extend_from_slice(name.as_bytes());
    payload.extend_from_slice(text.as_bytes());
    let mut out = bytes.to_vec();
    out.push(0);
    out.push(payload.len() as u8);
    out.extend_from_slice(&payload);
    out
}

/// `component` instantiated inside a composition that exports its
/// `answer`, the way `wcomp compose` wraps even a single component.
fn composed(component: &[u8]) -> Vec<u8> {
    composed_exporting(component, &["answer"])
}

/// `component` instantiated inside a composition that exports its
/// `exports`.
fn composed_exporting(component: &[u8], exports: &[&str]) -> Vec<u8> {
    use wac_graph::{CompositionGraph, EncodeOptions, types::Package};
    let mut graph = CompositionGraph::new();
    let package =
        Package::from_bytes("test:engine", None, component.to_vec(), graph.types_mut()).unwrap();
    let package = graph.register_package(package).unwrap();
    let instance = graph.instantiate(package);
    for name in exports {
        let export = graph.alias_instance_export(instance, name).unwrap();
        graph.export(export, (*name).to_owned()).unwrap();
    }
    graph
        .encode(EncodeOptions {
            define_components: true,
            validate: true,
            processor: None,
        })
        .unwrap()
}

/// How many functions the load compiled or took from the per-function
/// cache: 0 for code that came from the cache whole.
fn functions_looked_up(loaded: &Loaded) -> u64 {
    loaded.functions.reused + loaded.functions.compiled
}

#[tokio::test]
async fn a_new_component_takes_its_large_module_from_the_cache_whole() {
    let cache = tempfile::tempdir().unwrap();
    let host = cached_host(cache.path());
    let first = load_into(&host, "first.wasm", &engine(false));
    assert_eq!(first.cache, CacheOutcome::Compiled);
    assert!(
        functions_looked_up(&first) > FUNCTIONS as u64,
        "the first load compiles the module: {:?}",
        first.functions
    );
    assert_answers(&host, &first).await;

    let other = with_custom_section(&engine(false), "other bytes");
    let host = cached_host(cache.path());
    let second = load_into(&host, "second.wasm", &other);
    assert_eq!(second.cache, CacheOutcome::Compiled, "a new binary");
    assert!(
        functions_looked_up(&second) < 100,
        "only the component's own glue is compiled, the module comes whole: {:?}",
        second.functions
    );
    assert_answers(&host, &second).await;
}

#[tokio::test]
async fn a_component_with_nested_components_takes_its_large_module_from_the_cache() {
    let engine = engine_exporting_interface();
    assert!(has_nested_component(&engine), "the shape under test");
    let cache = tempfile::tempdir().unwrap();
    let host = cached_host(cache.path());
    let first = load_into(&host, "first.wasm", &engine);
    assert_eq!(first.cache, CacheOutcome::Compiled);
    assert_answers_as(&host, &first, "api#answer()").await;

    let host = cached_host(cache.path());
    let other = with_custom_section(&engine, "other bytes");
    let second = load_into(&host, "second.wasm", &other);
    assert!(
        functions_looked_up(&second) < 100,
        "only the component's own glue is compiled, the module comes whole: {:?}",
        second.functions
    );
    assert_answers_as(&host, &second, "api#answer()").await;
}

/// Calls `call` on `loaded` and checks it returns 42.
async fn assert_answers_as(host: &Host, loaded: &Loaded, call: &str) {
    assert_returns(host, loaded, call, "42").await;
}

/// Calls `call` on `loaded` and checks it returns `expected`.
async fn assert_returns(host: &Host, loaded: &Loaded, call: &str, expected: &str) {
    let invocation = invoke_on(host, loaded, call, &RunOptions::default())
        .await
        .unwrap_or_else(|e| panic!("{call}: {e:?}"));
    assert_eq!(invocation.results, [expected], "{call}");
}

#[tokio::test]
async fn a_new_snapshot_of_the_same_code_takes_the_code_from_the_cache() {
    let cache = tempfile::tempdir().unwrap();
    let host = cached_host(cache.path());
    let first = load_into(&host, "first.wasm", &snapshot(3));
    assert_eq!(first.cache, CacheOutcome::Compiled);
    assert_returns(&host, &first, "data()", "42").await;

    // Other data, the same code, and in a composition (as `wcomp compose`
    // writes it).
    let host = cached_host(cache.path());
    let second = load_into(
        &host,
        "composed.wasm",
        &composed_exporting(&snapshot(4), &["answer", "data"]),
    );
    assert!(
        functions_looked_up(&second) < 100,
        "the module's code comes whole, its data apart: {:?}",
        second.functions
    );
    assert_returns(&host, &second, "data()", "43").await;
    assert_answers(&host, &second).await;
}

#[tokio::test]
async fn a_composition_takes_its_components_large_modules_from_the_cache() {
    let cache = tempfile::tempdir().unwrap();
    let host = cached_host(cache.path());
    load_into(&host, "engine.wasm", &engine(false));

    let composition = composed(&with_custom_section(&engine(false), "app"));
    let host = cached_host(cache.path());
    let loaded = load_into(&host, "composed.wasm", &composition);
    assert_eq!(loaded.cache, CacheOutcome::Compiled);
    assert!(
        functions_looked_up(&loaded) < 100,
        "the nested component's module comes whole: {:?}",
        loaded.functions
    );
    assert_answers(&host, &loaded).await;

    let host = cached_host(cache.path());
    let again = load_into(&host, "composed.wasm", &composition);
    assert_eq!(again.cache, CacheOutcome::Hit, "all of it from the cache");
    assert_answers(&host, &again).await;
}

#[tokio::test]
async fn warming_a_component_serves_the_first_load_of_a_composition_that_carries_it() {
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    // It imports what only another component could give: it cannot be
    // linked alone, and is compiled all the same.
    let unlinkable = dir.path().join("needs.wasm");
    std::fs::write(&unlinkable, engine(true)).unwrap();
    let host = cached_host(cache.path());
    let warmed = host.warm(&unlinkable).unwrap();
    assert_eq!(warmed.cache, CacheOutcome::Compiled);
    assert!(host.load(&unlinkable).is_err(), "the warm did not link it");

    let built = dir.path().join("engine.wasm");
    std::fs::write(&built, engine(false)).unwrap();
    let warmed = cached_host(cache.path()).warm(&built).unwrap();
    assert_eq!(warmed.cache, CacheOutcome::Compiled);
    let again = cached_host(cache.path()).warm(&built).unwrap();
    assert_eq!(again.cache, CacheOutcome::Hit, "all of it from the cache");

    let host = cached_host(cache.path());
    let loaded = load_into(&host, "composed.wasm", &composed(&engine(false)));
    assert!(
        functions_looked_up(&loaded) < 100,
        "the warmed module comes whole: {:?}",
        loaded.functions
    );
    assert_answers(&host, &loaded).await;
}

#[tokio::test]
async fn a_composition_of_a_composition_takes_the_innermost_large_modules_from_the_cache() {
    let cache = tempfile::tempdir().unwrap();
    let host = cached_host(cache.path());
    load_into(&host, "engine.wasm", &engine(false));

    // What a toolchain that composes (componentize-qjs) builds, composed.
    let twice = composed(&composed(&with_custom_section(&engine(false), "app")));
    let host = cached_host(cache.path());
    let loaded = load_into(&host, "composed.wasm", &twice);
    assert!(
        functions_looked_up(&loaded) < 100,
        "the module two components deep comes whole: {:?}",
        loaded.functions
    );
    assert_answers(&host, &loaded).await;
}

#[tokio::test]
async fn a_host_that_instantiates_per_request_keeps_a_modules_data_with_its_code() {
    let cache = tempfile::tempdir().unwrap();
    let pooling = || {
        Host::builder()
            .pooling_allocator(true)
            .cache_dir(Some(cache.path().to_owned()))
            .build()
            .unwrap()
    };
    let host = pooling();
    load_into(&host, "first.wasm", &snapshot(3));
    let host = pooling();
    let second = load_into(&host, "second.wasm", &snapshot(4));
    if !host.pooling() {
        return; // no room for the pools here: nothing to check
    }
    assert!(
        functions_looked_up(&second) > FUNCTIONS as u64,
        "the module, with its copy-on-write data, is compiled again: {:?}",
        second.functions
    );
    assert_returns(&host, &second, "data()", "43").await;
}

/// The whole-component entries in the cache at `dir`: compiled components
/// and modules, not functions.
fn whole_entries(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "cwasm"))
        })
        .count()
}

#[tokio::test]
async fn an_edit_of_a_large_module_compiles_that_module_alone() {
    let cache = tempfile::tempdir().unwrap();
    let host = cached_host(cache.path());
    let before = composed(&component(
        "  export answer: func() -> u32;",
        "",
        &engine_body(),
    ));
    let first = load_into(&host, "composed.wasm", &before);
    assert_eq!(first.cache, CacheOutcome::Compiled);
    assert_answers(&host, &first).await;
    let entries = whole_entries(cache.path());
    assert_eq!(
        entries, 2,
        "the composition around the module, and the module"
    );

    let edited = composed(&component(
        "  export answer: func() -> u32;",
        "",
        &engine_body_edited(1),
    ));
    assert_ne!(edited, before);
    let host = cached_host(cache.path());
    let second = load_into(&host, "composed.wasm", &edited);
    assert_eq!(
        second.cache,
        CacheOutcome::Compiled,
        "the module is new code"
    );
    assert_eq!(
        whole_entries(cache.path()),
        entries + 1,
        "only the edited module is new: the composition around it, which names its modules by place, is the same"
    );
    assert_answers(&host, &second).await;
}

#[test]
fn a_missing_import_is_named_without_the_modules_the_host_gives() {
    let Err(err) = host().load_bytes(Path::new("needs.wasm"), &engine(true)) else {
        panic!("`missing` is not provided");
    };
    let RunError::MissingImports { missing, .. } = err else {
        panic!("expected MissingImports: {err:?}")
    };
    assert_eq!(missing, "  import missing;");
}

#[test]
fn a_truncated_or_damaged_component_is_an_error_not_a_panic() {
    let cache = tempfile::tempdir().unwrap();
    let host = cached_host(cache.path());
    let whole = composed(&engine(false));
    let step = whole.len() / 97;
    // 8 bytes are a header alone: an empty component, which is valid.
    for cut in (9..whole.len()).step_by(step) {
        let err = host.load_bytes(Path::new("cut.wasm"), &whole[..cut]).err();
        assert!(err.is_some(), "a component cut at {cut} bytes loaded");
    }
    // A section's size pointing past the end of the file.
    let mut damaged = whole.clone();
    damaged[9] = 0xff;
    assert!(
        host.load_bytes(Path::new("damaged.wasm"), &damaged)
            .is_err()
    );
}

/// The memos of what loads of files found (see the host's
/// `cache::recall`), in the cache at `dir`.
fn load_memos(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("loads")).map_or(0, |entries| entries.count())
}

/// Loads the file at `path` into a new host on the cache at `cache`.
fn load_file(cache: &Path, path: &Path) -> Loaded {
    cached_host(cache)
        .load(path)
        .unwrap_or_else(|e| panic!("load `{}`: {e:?}", path.display()))
}

#[tokio::test]
async fn an_unchanged_file_loads_from_the_entries_its_last_load_used_until_it_changes() {
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.wasm");
    std::fs::write(&path, composed_exporting(&snapshot(3), &["data"])).unwrap();
    let first = load_file(cache.path(), &path);
    assert_eq!(first.cache, CacheOutcome::Compiled);
    assert_eq!(
        load_memos(cache.path()),
        0,
        "a file just written may still change"
    );

    std::thread::sleep(wcomp_core::fs::SETTLED);
    let host = cached_host(cache.path());
    let settled = host.load(&path).unwrap();
    assert_eq!(settled.cache, CacheOutcome::Hit);
    assert_eq!(
        load_memos(cache.path()),
        1,
        "a settled file's load is remembered"
    );
    let host = cached_host(cache.path());
    let recalled = host.load(&path).unwrap();
    assert_eq!(recalled.cache, CacheOutcome::Hit);
    assert_returns(&host, &recalled, "data()", "42").await;

    // Other data of the same size: the file's stamp changes, so it is
    // read again, not taken for the one remembered.
    let edited = composed_exporting(&snapshot(4), &["data"]);
    assert_eq!(
        edited.len(),
        std::fs::metadata(&path).unwrap().len() as usize
    );
    std::fs::write(&path, &edited).unwrap();
    let host = cached_host(cache.path());
    let after_edit = host.load(&path).unwrap();
    assert_returns(&host, &after_edit, "data()", "43").await;

    // Entries evicted under a memo: the file is read and compiled again.
    std::thread::sleep(wcomp_core::fs::SETTLED);
    load_file(cache.path(), &path);
    for entry in std::fs::read_dir(cache.path()).unwrap() {
        let entry = entry.unwrap().path();
        if entry.extension().is_some_and(|x| x == "cwasm") {
            std::fs::remove_file(entry).unwrap();
        }
    }
    let host = cached_host(cache.path());
    let evicted = host.load(&path).unwrap();
    assert_eq!(evicted.cache, CacheOutcome::Compiled);
    assert_returns(&host, &evicted, "data()", "43").await;
}
