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

/// A component file that validated is not validated again while it is
/// unchanged, and is once it changes, even to bytes of the same size whose
/// only change is an invalid instruction.
#[test]
fn a_component_changed_since_it_validated_is_validated_again() {
    let app = policy_app();
    let dir = app.path();
    let compose = || run(wcomp().current_dir(dir).args(["compose", "-q"]), &[]);
    // Only files unchanged for 2 s are remembered as validated.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    compose().success();
    assert!(dir.join("target/wcomp/validated").is_file());
    compose().success();

    let case = repo().join("compose/tests/cases/capabilities-default");
    let wat = std::fs::read_to_string(case.join("greeter.wat")).unwrap();
    let invalid = wat::parse_str(wat.replace("i32.const 2", "i64.const 2")).unwrap();
    let greeter = dir.join("greeter.wasm");
    assert_eq!(invalid.len() as u64, greeter.metadata().unwrap().len());
    std::fs::write(&greeter, invalid).unwrap();
    let refused = compose();
    assert_eq!(refused.code, 1, "{refused}");
    assert!(refused.stderr.contains("greeter"), "{refused}");
    assert!(refused.stderr.contains("type mismatch"), "{refused}");
}

/// `wcomp compose` stopped by Ctrl-C or SIGTERM at points spread over its
/// run leaves no `.wcomp-*.tmp` beside the output: the temporary file of a
/// write under way is removed before the process exits (130 or 143).
#[cfg(unix)]
#[test]
fn a_stopped_compose_leaves_no_temporary_file() {
    use std::os::unix::process::ExitStatusExt;
    use std::process::Stdio;
    use std::time::Instant;

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let case = repo().join("tests/cases/_fixtures");
    std::fs::copy(case.join("app.toml"), dir.join("app.toml")).unwrap();
    // The smallest command, made large (48 MiB) by a custom section, so that
    // composing it spends its time reading, checking and writing bytes.
    let mut bytes = wat::parse_file(case.join("cmd.wat")).unwrap();
    let pad = vec![0u8; 48 << 20];
    let mut payload = vec![3, b'p', b'a', b'd'];
    payload.extend_from_slice(&pad);
    bytes.push(0);
    let mut len = payload.len();
    loop {
        let byte = (len & 0x7f) as u8;
        len >>= 7;
        bytes.push(if len == 0 { byte } else { byte | 0x80 });
        if len == 0 {
            break;
        }
    }
    bytes.extend_from_slice(&payload);
    std::fs::write(dir.join("cmd.wasm"), bytes).unwrap();

    let compose = || {
        wcomp()
            .current_dir(dir)
            .args(["compose", "-q"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let begun = Instant::now();
    assert!(compose().wait().unwrap().success());
    let whole = begun.elapsed();
    let temporaries = || -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|name| name.ends_with(".tmp"))
            .collect()
    };
    let mut stopped = 0;
    for i in 1..=10u32 {
        // An output that already holds the composition is not written
        // again: without one, every run writes.
        let _ = std::fs::remove_file(dir.join("composed.wasm"));
        let mut child = compose();
        std::thread::sleep(whole * i / 11);
        let signal = if i % 2 == 0 {
            libc::SIGTERM
        } else {
            libc::SIGINT
        };
        // SAFETY: sending a signal to our own child, which has not been waited for.
        unsafe { libc::kill(child.id() as libc::pid_t, signal) };
        let status = child.wait().unwrap();
        match status.code() {
            Some(0) => {}
            Some(130) if signal == libc::SIGINT => stopped += 1,
            Some(143) if signal == libc::SIGTERM => stopped += 1,
            // Stopped before its first temporary file, when the handler is
            // set up: nothing written yet.
            None if status.signal() == Some(signal) => {}
            _ => panic!("run {i}: {status} after signal {signal}"),
        }
        assert_eq!(temporaries(), Vec::<String>::new(), "run {i}");
    }
    assert!(
        stopped > 0,
        "no run was stopped (a whole run takes {whole:?}): the test checked nothing"
    );
}
