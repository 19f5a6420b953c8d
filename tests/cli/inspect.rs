//! `wcomp inspect` of hand-written components, and bad input.

use std::path::Path;

use crate::support::{run, wcomp};

fn inspect_in(dir: &Path, args: &[&str]) -> crate::support::Run {
    run(
        wcomp().current_dir(dir).arg("inspect").args(args),
        &[(dir, "[TMP]")],
    )
}

/// Each bad file gets a one-screen diagnostic and exit code 1.
#[test]
fn bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("notes.txt"), "hello, not wasm\n").unwrap();
    std::fs::write(dir.join("empty.wasm"), "").unwrap();
    let core = wat::parse_str("(module (func (export \"f\")))").unwrap();
    std::fs::write(dir.join("core.wasm"), &core).unwrap();
    let component = wat::parse_str(
        "(component (core module $m (func (export \"f\"))) (core instance (instantiate $m)))",
    )
    .unwrap();
    std::fs::write(
        dir.join("truncated.wasm"),
        &component[..component.len() - 5],
    )
    .unwrap();

    for (name, file) in [
        ("missing-file", "nope.wasm"),
        ("not-wasm", "notes.txt"),
        ("empty-file", "empty.wasm"),
        ("core-module", "core.wasm"),
        ("truncated", "truncated.wasm"),
    ] {
        let out = inspect_in(dir, &[file]);
        assert_eq!(out.code, 1, "{name}: {out}");
        assert!(!out.stderr.contains("panicked"), "{out}");
        insta::assert_snapshot!(format!("inspect-{name}"), out.to_string());
    }
}

/// A hand-written component with a world of its own.
#[test]
fn wat_component() {
    let tmp = tempfile::tempdir().unwrap();
    let component = wat::parse_str(
        r#"(component
            (import "wcomp:demo/log@0.1.0" (instance (export "log" (func (param "msg" string)))))
            (core module $m (func (export "f") (result i32) i32.const 7))
            (core instance $i (instantiate $m))
            (func (export "answer") (result u32) (canon lift (core func $i "f"))))"#,
    )
    .unwrap();
    std::fs::write(tmp.path().join("c.wasm"), &component).unwrap();
    let out = inspect_in(tmp.path(), &["c.wasm"]).success();
    insta::assert_snapshot!("inspect-wat", out.to_string());
    let json = inspect_in(tmp.path(), &["c.wasm", "--json"]).success();
    let value: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(
        value["imports"],
        serde_json::json!(["wcomp:demo/log@0.1.0"])
    );
    assert_eq!(value["exports"], serde_json::json!(["func answer"]));
}
