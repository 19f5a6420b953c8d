//! `wcomp compose` and then `wcomp inspect` of what it wrote: the plan's
//! views (`--json`, `--graph dot`), `-o`, and the capability policy the
//! composed binary records.

use crate::support::{repo, run, wcomp};

/// An app whose dependency lacks `env`, its components assembled from WAT.
fn policy_app() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let case = repo().join("compose/tests/cases/capabilities-default");
    for name in ["cli", "greeter"] {
        let bytes = wat::parse_file(case.join(format!("{name}.wat"))).unwrap();
        std::fs::write(tmp.path().join(format!("{name}.wasm")), bytes).unwrap();
    }
    std::fs::copy(case.join("app.toml"), tmp.path().join("app.toml")).unwrap();
    tmp
}

#[test]
fn views_of_the_plan_and_the_recorded_policy() {
    let app = policy_app();
    let dir = app.path();
    let filters = &[(dir, "[APP]")];
    let json = run(
        wcomp().current_dir(dir).args(["compose", "--json"]),
        filters,
    )
    .success();
    let plan: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let instances = plan["instances"].as_array().unwrap();
    let deny = instances
        .iter()
        .find(|i| i["component"] == "deny-greeter-environment")
        .expect("a deny instance in the plan");
    assert_eq!(deny["denies"]["capability"], "env");
    assert_eq!(deny["denies"]["component"], "greeter");
    let greeter = instances
        .iter()
        .find(|i| i["component"] == "greeter")
        .unwrap();
    assert_eq!(greeter["capabilities"], serde_json::json!([]));
    let cli = instances.iter().find(|i| i["component"] == "cli").unwrap();
    assert_eq!(
        cli["capabilities"],
        serde_json::json!(["files", "env", "network", "http"])
    );

    let dot = run(
        wcomp().current_dir(dir).args(["compose", "--graph", "dot"]),
        filters,
    )
    .success();
    assert!(dot.stdout.starts_with("digraph \"policy\" {"), "{dot}");
    assert!(dot.stdout.contains("deny env to greeter"), "{dot}");

    run(
        wcomp()
            .current_dir(dir)
            .args(["compose", "-q", "-o", "out/app.wasm"]),
        filters,
    )
    .success();
    let inspect = run(
        wcomp().current_dir(dir).args(["inspect", "out/app.wasm"]),
        filters,
    )
    .success();
    insta::assert_snapshot!("inspect-composed-policy", inspect.stdout);
    let json = run(
        wcomp()
            .current_dir(dir)
            .args(["inspect", "--json", "out/app.wasm"]),
        filters,
    )
    .success();
    let value: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(
        value["capabilities"],
        serde_json::json!([
            "greeter: none",
            "cli: files, env, network, http",
            "deny-greeter-environment: withholds env from greeter"
        ])
    );
}
