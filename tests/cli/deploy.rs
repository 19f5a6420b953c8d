//! `wcomp deploy`, `undeploy` and `lattice` without a lattice: the
//! Kubernetes manifests, and the errors that need no running host.

use crate::fixtures::component;
use crate::support::wcomp_in;

/// A component that exports a function, not an HTTP handler.
fn not_a_handler(dir: &std::path::Path) -> std::path::PathBuf {
    let bytes = component(
        "export add: func(a: u32, b: u32) -> u32;",
        "",
        r#"(func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)"#,
    );
    let path = dir.join("adder.wasm");
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn a_component_that_is_not_a_handler_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let file = not_a_handler(tmp.path());
    let run = wcomp_in(
        tmp.path(),
        &[
            "deploy",
            file.to_str().unwrap(),
            "--image",
            "127.0.0.1:1/x:1",
            "--lattice",
            "nats://127.0.0.1:1",
        ],
    );
    assert_eq!(run.code, 1, "{run}");
    assert!(run.stderr.contains("is not an HTTP handler"), "{run}");
}

#[test]
fn an_unreachable_lattice_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    // Nothing listens on port 1.
    for args in [
        &["undeploy", "app", "--lattice", "nats://127.0.0.1:1"][..],
        &["deploy", "--status", "--lattice", "nats://127.0.0.1:1"],
    ] {
        let run = wcomp_in(tmp.path(), args);
        assert_eq!(run.code, 1, "{run}");
        assert!(
            run.stderr.contains("cannot reach NATS at `127.0.0.1:1`"),
            "{run}"
        );
        assert!(run.stderr.contains("wcomp lattice up"), "{run}");
    }
    let run = wcomp_in(tmp.path(), &["undeploy", "app", "--lattice", "http://x/y"]);
    assert!(run.stderr.contains("is not a NATS URL"), "{run}");
}

#[test]
fn lattice_down_without_a_lattice_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let run = wcomp_in(tmp.path(), &["lattice", "down"]).success();
    assert!(run.stderr.contains("no local lattice is up"), "{run}");
}

#[test]
fn emit_needs_an_image_and_knows_one_kind() {
    let tmp = tempfile::tempdir().unwrap();
    let run = wcomp_in(
        tmp.path(),
        &["deploy", "x.wasm", "--emit", "kubernetes", "k8s"],
    );
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("--image"), "{run}");
}
