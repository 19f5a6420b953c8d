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

fn fixture(name: &str) -> String {
    crate::support::repo()
        .join(format!("host/tests/fixtures/{name}.wasm"))
        .to_string_lossy()
        .into_owned()
}

#[test]
fn emit_writes_both_manifests_with_the_handlers_wasi_http() {
    let tmp = tempfile::tempdir().unwrap();
    for (fixture_name, interface, version) in [
        ("rust-http-p2", "incoming-handler", "0.2.0"),
        ("rust-http-p3", "handler", "0.3.0"),
    ] {
        let run = wcomp_in(
            tmp.path(),
            &[
                "deploy",
                &fixture(fixture_name),
                "--image",
                "ghcr.io/acme/app:1",
                "--replicas",
                "3",
                "--http-host",
                "app.example.com",
                "--emit",
                "kubernetes",
                "k8s",
            ],
        )
        .success();
        assert!(run.stderr.contains("Wrote"), "{run}");
        let wd = std::fs::read_to_string(tmp.path().join("k8s/workloaddeployment.yaml")).unwrap();
        for expected in [
            "kind: \"WorkloadDeployment\"".to_owned(),
            "  replicas: 3".to_owned(),
            format!("- \"{interface}\""),
            format!("version: \"{version}\""),
            "host: \"app.example.com\"".to_owned(),
            format!("name: \"{fixture_name}\""),
        ] {
            assert!(wd.contains(&expected), "{expected} in\n{wd}");
        }
        let spin = std::fs::read_to_string(tmp.path().join("k8s/spinapp.yaml")).unwrap();
        assert!(spin.contains("image: \"ghcr.io/acme/app:1\""), "{spin}");
    }
}

/// A NATS server with no wasmCloud host on it: answers the handshake and
/// nothing else.
fn empty_nats() -> u16 {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            std::thread::spawn(move || {
                let _ = stream.write_all(b"INFO {}\r\n");
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
                    if line.starts_with("PING") {
                        let _ = stream.write_all(b"PONG\r\n");
                    }
                    line.clear();
                }
            });
        }
    });
    port
}

#[test]
fn a_lattice_without_hosts_is_reported_after_the_wait() {
    let tmp = tempfile::tempdir().unwrap();
    let port = empty_nats();
    let lattice = format!("nats://127.0.0.1:{port}");
    let run = wcomp_in(
        tmp.path(),
        &[
            "deploy",
            &fixture("rust-http-p2"),
            "--image",
            "127.0.0.1:1/x:1",
            "--no-push",
            "--wait-hosts",
            "1",
            "--lattice",
            &lattice,
        ],
    );
    assert_eq!(run.code, 1, "{run}");
    assert!(
        run.stderr.contains(&format!(
            "no wasmCloud host answered on the lattice `{lattice}` within 1s"
        )),
        "{run}"
    );
    assert!(run.stderr.contains("wcomp lattice up --hosts N"), "{run}");
}
