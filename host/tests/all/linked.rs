//! An app's components linked by the host (`Host::load_linked`): a call
//! from one component to another is forwarded through the host, each
//! component compiled on its own, and what cannot be forwarded is refused
//! before anything runs.

use crate::support;

use std::path::Path;
use std::sync::{Arc, OnceLock};

use support::{Captured, component};
use wcomp_host::linked::{Part, Wire};
use wcomp_host::trace::{Span, Tracer};
use wcomp_host::{CacheOutcome, Host, Loaded, RunError};

/// The host `wcomp dev` links commands with: no concurrency.
fn linking_host() -> &'static Host {
    static HOST: OnceLock<Host> = OnceLock::new();
    HOST.get_or_init(|| {
        Host::builder()
            .concurrency(false)
            .build()
            .expect("a host without concurrency")
    })
}

/// A component exporting `calc` with `double`, and `text` with `shout`
/// (a string in, a string out: lowered and lifted on both sides).
fn provider() -> Vec<u8> {
    component(
        r#"
  export calc: interface { double: func(x: u32) -> u32; }
  export text: interface { shout: func(s: string) -> string; }
"#,
        "",
        r#"
  (func (export "calc#double") (param i32) (result i32)
    (i32.mul (local.get 0) (i32.const 2)))
  ;; Upper-cases ASCII in place (the argument is ours) and returns it.
  (func (export "text#shout") (param $ptr i32) (param $len i32) (result i32)
    (local $i i32) (local $c i32)
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (local.set $c (i32.load8_u (i32.add (local.get $ptr) (local.get $i))))
        (if (i32.and (i32.ge_u (local.get $c) (i32.const 97)) (i32.le_u (local.get $c) (i32.const 122)))
          (then (i32.store8 (i32.add (local.get $ptr) (local.get $i)) (i32.sub (local.get $c) (i32.const 32)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $each)))
    (i32.store (i32.const 1024) (local.get $ptr))
    (i32.store (i32.const 1028) (local.get $len))
    (i32.const 1024))
"#,
    )
}

/// A WASI 0.2 command that prints `shout("hello, linked")` and succeeds
/// when `double(21)` is 42.
fn main_component() -> Vec<u8> {
    component(
        r#"
  import calc: interface { double: func(x: u32) -> u32; }
  import text: interface { shout: func(s: string) -> string; }
  import wasi:cli/stdout@0.2.12;
  export wasi:cli/run@0.2.12;
"#,
        r#"
  (import "calc" "double" (func $double (param i32) (result i32)))
  (import "text" "shout" (func $shout (param i32 i32 i32)))
  (import "wasi:cli/stdout@0.2.12" "get-stdout" (func $get-stdout (result i32)))
  (import "wasi:io/streams@0.2.12" "[method]output-stream.blocking-write-and-flush"
    (func $write (param i32 i32 i32 i32)))
"#,
        r#"
  (data (i32.const 16) "hello, linked\n")
  (func (export "wasi:cli/run@0.2.12#run") (result i32)
    (call $shout (i32.const 16) (i32.const 14) (i32.const 1024))
    (call $write (call $get-stdout)
      (i32.load (i32.const 1024)) (i32.load (i32.const 1028)) (i32.const 2048))
    (if (i32.eq (call $double (i32.const 21)) (i32.const 42))
      (then (return (i32.const 0))))
    (i32.const 1))
"#,
    )
}

/// Runs `loaded` on `host` with a tracer: its exit code (or why it
/// failed), its stdout, and the spans recorded.
async fn traced_run(host: &Host, loaded: &Loaded) -> (Result<i32, RunError>, String, Vec<Span>) {
    let tracer = Arc::new(Tracer::new());
    let run = Captured::new(b"");
    let opts = run.opts.clone().with_tracer(tracer.clone());
    let code = host.run_command(loaded, &opts).await;
    (code, run.stdout(), tracer.finish())
}

fn parts<'a>(provider: &'a [u8], main: &'a [u8]) -> Vec<Part<'a>> {
    let wire = |name: &str| Wire::new(name, 0, name);
    vec![
        Part::new("provider", Path::new("provider.wasm"), provider, Vec::new()),
        Part::new(
            "main",
            Path::new("main.wasm"),
            main,
            vec![wire("calc"), wire("text")],
        ),
    ]
}

#[tokio::test]
async fn calls_cross_from_one_component_to_another_through_the_host() {
    let (provider, main) = (provider(), main_component());
    let loaded = linking_host()
        .load_linked("app.wasm", &parts(&provider, &main))
        .expect("the parts link");
    assert_eq!(loaded.linked, 2);
    assert_eq!(loaded.name, "app.wasm");
    let run = Captured::new(b"");
    let code = linking_host()
        .run_command(&loaded, &run.opts)
        .await
        .expect("the app runs");
    assert_eq!(code, 0, "double(21) came back as 42");
    assert_eq!(run.stdout(), "HELLO, LINKED\n");
}

#[tokio::test]
async fn linking_again_takes_the_unchanged_parts_as_they_were() {
    let host = Host::builder()
        .concurrency(false)
        .build()
        .expect("a host without concurrency");
    let (provider, main) = (provider(), main_component());
    let first = host
        .load_linked("app.wasm", &parts(&provider, &main))
        .unwrap();
    // Compiled, by a host without a cache.
    assert_eq!(first.cache, CacheOutcome::Uncached);
    let again = host
        .load_linked("app.wasm", &parts(&provider, &main))
        .unwrap();
    assert_eq!(
        again.cache,
        CacheOutcome::Hit,
        "nothing changed: nothing compiled"
    );
    // `main` edited (a custom section appended): it alone is new.
    let mut edited = main.clone();
    edited.extend_from_slice(&[0, 5, 4, b'e', b'd', b'i', b't']);
    let changed = host
        .load_linked("app.wasm", &parts(&provider, &edited))
        .unwrap();
    assert_eq!(changed.cache, CacheOutcome::Uncached);
    for loaded in [&again, &changed] {
        let run = Captured::new(b"");
        assert_eq!(host.run_command(loaded, &run.opts).await.unwrap(), 0);
        assert_eq!(run.stdout(), "HELLO, LINKED\n");
    }
}

/// `main` with its `calc` and `text` imports plugged into `provider`'s
/// exports, as `wcomp compose` writes it: named instances, and the
/// imports main leaves to the host imported (implicitly) by the
/// composition.
fn composition(provider: &[u8], main: &[u8]) -> Vec<u8> {
    use wac_graph::{CompositionGraph, EncodeOptions, types::Package};
    let mut graph = CompositionGraph::new();
    let mut add = |name: &str, bytes: &[u8]| {
        let package = Package::from_bytes(
            &format!("test:{name}"),
            None,
            bytes.to_vec(),
            graph.types_mut(),
        )
        .unwrap();
        let package = graph.register_package(package).unwrap();
        let node = graph.instantiate(package);
        graph.set_node_name(node, name);
        node
    };
    let (provider, main) = (add("provider", provider), add("main", main));
    for name in ["calc", "text"] {
        let export = graph.alias_instance_export(provider, name).unwrap();
        graph
            .set_instantiation_argument(main, name, export)
            .unwrap();
    }
    let run = graph
        .alias_instance_export(main, "wasi:cli/run@0.2.12")
        .unwrap();
    graph.export(run, "wasi:cli/run@0.2.12".to_owned()).unwrap();
    graph
        .encode(EncodeOptions {
            define_components: true,
            validate: true,
            processor: None,
        })
        .unwrap()
}

#[tokio::test]
async fn a_composition_taken_apart_runs_linked_under_its_instance_names() {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), composition(&provider(), &main_component())).unwrap();
    let host = support::host();
    let loaded = host.load_decomposed(file.path()).expect("it comes apart");
    assert_eq!(loaded.linked, 2);
    let (code, stdout, spans) = traced_run(host, &loaded).await;
    assert_eq!((code.unwrap(), stdout.as_str()), (0, "HELLO, LINKED\n"));
    let calls: Vec<String> = spans
        .iter()
        .map(|s| format!("{} -> {} {}", s.caller, s.callee, s.function))
        .collect();
    assert_eq!(
        calls,
        [
            "host -> main run",
            "main -> provider shout",
            "main -> provider double"
        ]
    );
}

#[test]
fn what_is_not_a_composition_of_components_is_refused_with_the_reason() {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), provider()).unwrap();
    let err = support::host().load_decomposed(file.path()).err();
    let Some(RunError::NotLinkable { why, .. }) = err else {
        panic!("expected NotLinkable: {err:?}")
    };
    assert_eq!(
        why,
        "it cannot be taken apart: its outer component has core code of its own, not only components"
    );
}

/// A provider of a resource: `counter`s that count up from where they
/// were made, each in a cell of memory (its rep is the cell's address);
/// dropping one zeroes its cell and counts the drop at 4096.
fn counter_provider() -> Vec<u8> {
    component(
        r#"
  export counters: interface {
    resource counter {
      constructor(start: u32);
      bump: func() -> u32;
    }
    drops: func() -> u32;
  }
"#,
        r#"
  (import "[export]counters" "[resource-new]counter" (func $new (param i32) (result i32)))
"#,
        r#"
  (global $next (mut i32) (i32.const 2048))
  (func (export "counters#[constructor]counter") (param $start i32) (result i32)
    (local $cell i32)
    (local.set $cell (global.get $next))
    (global.set $next (i32.add (global.get $next) (i32.const 4)))
    (i32.store (local.get $cell) (local.get $start))
    (call $new (local.get $cell)))
  (func (export "counters#[method]counter.bump") (param $cell i32) (result i32)
    (i32.store (local.get $cell) (i32.add (i32.load (local.get $cell)) (i32.const 1)))
    (i32.load (local.get $cell)))
  (func (export "counters#drops") (result i32) (i32.load (i32.const 4096)))
  (func (export "counters#[dtor]counter") (param $cell i32)
    (i32.store (local.get $cell) (i32.const 0))
    (i32.store (i32.const 4096) (i32.add (i32.load (i32.const 4096)) (i32.const 1))))
"#,
    )
}

/// A command that makes a counter at 40, bumps it twice, drops it, and
/// succeeds when the second bump gave 42 and the provider saw the drop.
fn counter_user() -> Vec<u8> {
    component(
        r#"
  import counters: interface {
    resource counter {
      constructor(start: u32);
      bump: func() -> u32;
    }
    drops: func() -> u32;
  }
  export wasi:cli/run@0.2.12;
"#,
        r#"
  (import "counters" "[constructor]counter" (func $new (param i32) (result i32)))
  (import "counters" "drops" (func $drops (result i32)))
  (import "counters" "[method]counter.bump" (func $bump (param i32) (result i32)))
  (import "counters" "[resource-drop]counter" (func $drop (param i32)))
"#,
        r#"
  (func (export "wasi:cli/run@0.2.12#run") (result i32)
    (local $c i32) (local $last i32)
    (local.set $c (call $new (i32.const 40)))
    (drop (call $bump (local.get $c)))
    (local.set $last (call $bump (local.get $c)))
    (call $drop (local.get $c))
    (if (i32.ne (call $drops) (i32.const 1)) (then (return (i32.const 2))))
    (if (i32.eq (local.get $last) (i32.const 42)) (then (return (i32.const 0))))
    (i32.const 1))
"#,
    )
}

#[tokio::test]
async fn a_resource_one_component_defines_crosses_the_host_through_a_proxy() {
    let (provider, user) = (counter_provider(), counter_user());
    let parts = vec![
        Part::new(
            "counters",
            Path::new("counters.wasm"),
            &provider,
            Vec::new(),
        ),
        Part::new(
            "user",
            Path::new("user.wasm"),
            &user,
            vec![Wire::new("counters", 0, "counters")],
        ),
    ];
    for host in [support::host(), linking_host()] {
        let loaded = host
            .load_linked("app.wasm", &parts)
            .expect("the parts link");
        let (code, _, spans) = traced_run(host, &loaded).await;
        assert_eq!(
            code.unwrap(),
            0,
            "bumped to 42, and dropped in the provider"
        );
        let calls: Vec<(String, String, Option<String>)> = spans
            .into_iter()
            .skip(1)
            .map(|s| (s.function, s.params, s.result))
            .collect();
        let some = |s: &str| Some(s.to_owned());
        assert_eq!(
            calls,
            [
                ("[constructor]counter".into(), "40".into(), some("resource")),
                ("[method]counter.bump".into(), "resource".into(), some("41")),
                ("[method]counter.bump".into(), "resource".into(), some("42")),
                ("drops".into(), String::new(), some("1")),
            ]
        );
    }
}

#[tokio::test]
async fn a_trap_in_a_callee_shows_on_its_span_and_the_runs() {
    // The provider's `double` traps.
    let trapping = component(
        r#"
  export calc: interface { double: func(x: u32) -> u32; }
  export text: interface { shout: func(s: string) -> string; }
"#,
        "",
        r#"
  (func (export "calc#double") (param i32) (result i32) unreachable)
  (func (export "text#shout") (param i32 i32) (result i32)
    (i32.store (i32.const 1024) (local.get 0))
    (i32.store (i32.const 1028) (local.get 1))
    (i32.const 1024))
"#,
    );
    let main = main_component();
    let host = support::host();
    let loaded = host
        .load_linked("app.wasm", &parts(&trapping, &main))
        .unwrap();
    let (code, _, spans) = traced_run(host, &loaded).await;
    assert!(matches!(code, Err(RunError::Trap { .. })), "{code:?}");
    let traps: Vec<(&str, Option<&str>)> = spans
        .iter()
        .map(|s| (s.function.as_str(), s.trap.as_deref()))
        .collect();
    let unreachable = Some("wasm `unreachable` instruction executed");
    assert_eq!(
        traps,
        [
            ("run", unreachable),
            ("shout", None),
            ("double", unreachable)
        ]
    );
    assert_eq!(spans[2].result, None);
}

#[test]
fn an_import_nothing_forwards_is_refused_at_linking() {
    let (provider, main) = (provider(), main_component());
    let mut parts = parts(&provider, &main);
    parts[1].wires.truncate(1);
    let err = linking_host()
        .load_linked("app.wasm", &parts)
        .err()
        .expect("`text` is not linked");
    let RunError::NotLinkable { component, why } = err else {
        panic!("expected NotLinkable: {err:?}")
    };
    assert_eq!(component, "main");
    assert!(why.contains("text"), "{why}");
}

#[test]
fn a_wire_to_a_missing_export_names_it() {
    let (provider, main) = (provider(), main_component());
    let mut parts = parts(&provider, &main);
    parts[1].wires[1].export = "words".to_owned();
    let err = linking_host().load_linked("app.wasm", &parts).err();
    let Some(RunError::NotLinkable { component, why }) = err else {
        panic!("expected NotLinkable: {err:?}")
    };
    assert_eq!(component, "main");
    assert_eq!(
        why,
        "its import `text` is not satisfied: its provider lacks `words`"
    );
}

#[tokio::test]
async fn a_traced_run_records_each_forwarded_call_with_its_values() {
    let (provider, main) = (provider(), main_component());
    // A host with concurrency (WASI 0.3's) links too.
    let host = support::host();
    let loaded = host
        .load_linked("app.wasm", &parts(&provider, &main))
        .expect("the parts link");
    let (code, stdout, spans) = traced_run(host, &loaded).await;
    assert_eq!((code.unwrap(), stdout.as_str()), (0, "HELLO, LINKED\n"));
    let spans: Vec<_> = spans
        .into_iter()
        .map(|s| {
            let call = format!("{} -> {} {}", s.caller, s.callee, s.function);
            (call, s.interface, s.params, s.result, s.parent)
        })
        .collect();
    let some = |s: &str| Some(s.to_owned());
    assert_eq!(
        spans,
        [
            (
                "host -> main run".into(),
                some("wasi:cli/run"),
                String::new(),
                some("ok"),
                None
            ),
            (
                "main -> provider shout".into(),
                some("text"),
                "\"hello, linked\\n\"".into(),
                some("\"HELLO, LINKED\\n\""),
                Some(1)
            ),
            (
                "main -> provider double".into(),
                some("calc"),
                "21".into(),
                some("42"),
                Some(1)
            ),
        ]
    );
}

#[tokio::test]
async fn host_calls_show_as_spans_of_the_component_that_made_them() {
    let (provider, main) = (provider(), main_component());
    for host in [linking_host(), support::host()] {
        let loaded = host
            .load_linked("app.wasm", &parts(&provider, &main))
            .expect("the parts link");
        let tracer = Arc::new(Tracer::new().with_host_calls());
        let run = Captured::new(b"");
        let code = host
            .run_command(&loaded, &run.opts.clone().with_tracer(tracer.clone()))
            .await;
        assert_eq!(code.expect("the app runs"), 0);
        let spans: Vec<_> = tracer
            .finish()
            .into_iter()
            .map(|s| {
                let call = format!("{} -> {} {}", s.caller, s.callee, s.function);
                (call, s.interface.unwrap_or_default(), s.parent)
            })
            .collect();
        let span =
            |call: &str, interface: &str, parent| (call.to_owned(), interface.into(), parent);
        assert_eq!(
            spans,
            [
                span("host -> main run", "wasi:cli/run", None),
                span("main -> provider shout", "text", Some(1)),
                span("main -> host get-stdout", "wasi:cli/stdout", Some(1)),
                span(
                    "main -> host [method]output-stream.blocking-write-and-flush",
                    "wasi:io/streams",
                    Some(1)
                ),
                span("main -> provider double", "calc", Some(1)),
            ]
        );
        let write = &tracer.finish()[3];
        // The stream's handle, then the bytes, which the bindings elide.
        let (handle, contents) = write.params.split_once(", ").expect("two arguments");
        assert!(handle.starts_with("self: borrow#"), "{handle}");
        assert_eq!(contents, r#"contents: "...""#);
        assert_eq!(write.result.as_deref(), Some("Ok(())"));
    }
}
