//! `wcomp run`: commands in every language, `--invoke` with streams and
//! futures, the sandbox, limits, the compiled-code cache and bad input.

use std::path::Path;

use crate::support::{Run, guest, run, wcomp};

fn wcomp_run(args: &[&str], wasm: &Path, rest: &[&str]) -> Run {
    run(wcomp().arg("run").args(args).arg(wasm).args(rest), &[])
}

pub fn hello_commands_in_every_language() {
    for (fixture, greeting) in [
        ("rust-hello-p2", "hello from rust\n"),
        ("rust-hello-p3", "hello from rust p3\n"),
        ("py-hello", "hello from python\n"),
        ("js-hello-p2", "hello from js\n"),
        ("js-hello-p3", "hello from js p3\n"),
    ] {
        let out = wcomp_run(&[], &guest(fixture), &[]).success();
        assert!(out.stdout.starts_with(greeting), "{fixture}: {out}");
    }
}

pub fn arguments_and_exit_codes_pass_through() {
    let out = wcomp_run(&[], &guest("rust-hello-p2"), &["one", "--two"]).success();
    assert_eq!(
        out.stdout,
        "hello from rust\narg: one\narg: --two\nGREETING unset\n"
    );

    // WASI 0.3's `exit-with-code` carries any code.
    let out = wcomp_run(&[], &guest("rust-hello-p3"), &["--exit", "7"]);
    assert_eq!(out.code, 7, "{out}");
    assert_eq!(out.stdout, "hello from rust p3\n");

    // Rust's std on wasip2 exits through `exit(err)`, which is 1.
    let out = wcomp_run(&[], &guest("rust-hello-p2"), &["--exit", "3"]);
    assert_eq!(out.code, 1, "{out}");
}

pub fn environment_is_denied_unless_granted() {
    let wasm = guest("rust-hello-p2");
    let out = run(wcomp().env("GREETING", "leaked").arg("run").arg(&wasm), &[]).success();
    assert!(out.stdout.contains("GREETING unset"), "{out}");

    let out = wcomp_run(&["--env", "GREETING=granted"], &wasm, &[]).success();
    assert!(out.stdout.contains("GREETING=granted"), "{out}");

    let out = run(
        wcomp()
            .env("GREETING", "inherited")
            .args(["run", "--inherit-env"])
            .arg(&wasm),
        &[],
    )
    .success();
    assert!(out.stdout.contains("GREETING=inherited"), "{out}");
}

pub fn files_are_denied_unless_granted() {
    let tmp = tempfile::tempdir().unwrap();
    let secret = tmp.path().join("secret.txt");
    std::fs::write(&secret, "the secret\n").unwrap();
    let secret = secret.to_str().unwrap();
    let wasm = guest("rust-trap");

    // Without a grant the path does not exist for the guest.
    let out = wcomp_run(&[], &wasm, &["read", secret]);
    assert_eq!(out.stdout, "error: NotFound\n", "{out}");

    let dir = tmp.path().to_str().unwrap();
    let out = wcomp_run(&["--dir", dir], &wasm, &["read", secret]).success();
    assert_eq!(out.stdout, "the secret\n");

    // A grant at another guest path does not expose the host path.
    let out = wcomp_run(
        &["--ro-dir", &format!("{dir}::/data")],
        &wasm,
        &["read", "/data/secret.txt"],
    )
    .success();
    assert_eq!(out.stdout, "the secret\n");
    let out = wcomp_run(
        &["--ro-dir", &format!("{dir}::/data")],
        &wasm,
        &["read", secret],
    );
    assert_eq!(out.stdout, "error: NotFound\n", "{out}");
}

pub fn network_is_denied_unless_granted() {
    // Port 1 on loopback has no listener: with the network granted the
    // connect reaches the host's stack and is refused; without, it is denied
    // before it leaves the guest.
    let wasm = guest("rust-trap");
    let out = wcomp_run(&[], &wasm, &["connect", "127.0.0.1:1"]);
    assert_eq!(out.stdout, "error: PermissionDenied\n", "{out}");
    let out = wcomp_run(&["--allow-net"], &wasm, &["connect", "127.0.0.1:1"]);
    assert_eq!(out.stdout, "error: ConnectionRefused\n", "{out}");
}

pub fn limits_stop_the_guest_with_a_reason() {
    let wasm = guest("rust-trap");
    for (flags, arg, reason, next) in [
        (
            &["--timeout", "1s"][..],
            "loop",
            "timeout after 1s",
            "--timeout",
        ),
        (
            &["--max-memory", "64MiB"],
            "alloc",
            "memory limit of 64 MiB reached",
            "--max-memory",
        ),
        (
            &["--fuel", "1000000"],
            "loop",
            "fuel limit of 1000000 reached",
            "--fuel",
        ),
    ] {
        let out = wcomp_run(flags, &wasm, &[arg]);
        assert_eq!(out.code, 1, "{out}");
        assert!(
            out.stderr.contains(&format!(
                "`rust-trap.wasm` stopped in `wasi:cli/run@0.2#run`: {reason}"
            )),
            "{out}"
        );
        assert!(out.stderr.contains(next), "{out}");
        assert!(out.stderr.contains("wasm backtrace:"), "{out}");
    }
}

pub fn a_trap_shows_a_backtrace() {
    let out = wcomp_run(&[], &guest("rust-trap"), &["trap"]);
    assert_eq!(out.code, 1, "{out}");
    assert!(
        out.stderr
            .contains("wasm `unreachable` instruction executed"),
        "{out}"
    );
    assert!(
        out.stderr.contains("wasm backtrace:\n          0: "),
        "{out}"
    );
    // The guest's own panic message passes through; wcomp itself must not panic.
    assert!(out.stderr.contains("rust-trap: deliberate panic"), "{out}");
    assert!(
        !out.stderr.contains("panicked at src/host"),
        "a wcomp panic:\n{out}"
    );
}

pub fn second_run_of_a_python_component_hits_the_cache() {
    let home = tempfile::tempdir().unwrap();
    let wasm = guest("py-hello");
    let first = run(
        wcomp().env("WCOMP_HOME", home.path()).arg("run").arg(&wasm),
        &[],
    )
    .success();
    assert!(first.stderr.contains("Compiled `py-hello.wasm`"), "{first}");
    let second = run(
        wcomp().env("WCOMP_HOME", home.path()).arg("run").arg(&wasm),
        &[],
    )
    .success();
    assert_eq!(second.stdout, "hello from python\n");
    assert!(
        !second.stderr.contains("Compiled"),
        "the second run recompiled:\n{second}"
    );
}

pub fn streams_round_trip_ten_mebibytes() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("input.bin");
    // Deterministic bytes covering every value, letters included.
    let data: Vec<u8> = (0..10u32 << 20)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    std::fs::write(&input, &data).unwrap();
    let call = format!("transform(@{}, \"label\")", input.display());
    let output = wcomp()
        .args(["run", "--invoke", &call])
        .arg(guest("rust-stream-p3"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(output.stdout.len(), data.len());
    assert!(
        output.stdout == data.to_ascii_uppercase(),
        "the stream came back changed"
    );
    // The future's value goes to stderr, since the stream has stdout.
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("\"label: 10485760 bytes\""),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

pub fn invoke_calls_exports_in_python_and_js() {
    let out = wcomp_run(&["--invoke", r#"greet("world")"#], &guest("py-lib"), &[]).success();
    assert_eq!(out.stdout, "\"hello, world!\"\n");
    let out = wcomp_run(
        &["--invoke", r#"wcomp:test/greet#greet("js")"#],
        &guest("js-lib"),
        &[],
    )
    .success();
    assert_eq!(out.stdout, "\"hello, js!\"\n");
}

/// Each bad input: a clear diagnostic, exit 1, never a panic.
pub fn bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("notes.txt"), "not wasm").unwrap();
    std::fs::write(dir.join("core.wasm"), wat::parse_str("(module)").unwrap()).unwrap();
    std::fs::write(
        dir.join("needs.wasm"),
        wat::parse_str(
            r#"(component
                (import "wasi:keyvalue/store@0.2.0-draft"
                    (instance (export "get" (func (param "key" string) (result string)))))
                (import "wasi:cli/environment@0.3.0-rc-2025-09-16"
                    (instance (export "get-arguments" (func (result (list string))))))
                (import "wasi:cli/environment@0.2.6"
                    (instance (export "get-arguments" (func (result (list string)))))))"#,
        )
        .unwrap(),
    )
    .unwrap();
    let py_lib = guest("py-lib");
    let py_lib = py_lib.to_str().unwrap();
    for (name, args) in [
        ("not-wasm", vec!["notes.txt"]),
        ("core-module", vec!["core.wasm"]),
        ("missing-imports", vec!["needs.wasm"]),
        ("not-a-command", vec![py_lib]),
        ("unknown-function", vec!["--invoke", "gret(\"x\")", py_lib]),
        ("unclosed-call", vec!["--invoke", "greet(\"x\"", py_lib]),
        ("wrong-argument-type", vec!["--invoke", "greet(42)", py_lib]),
        (
            "wrong-argument-count",
            vec!["--invoke", "greet(\"a\", \"b\")", py_lib],
        ),
        ("bad-timeout", vec!["--timeout", "soon", py_lib]),
    ] {
        let out = run(
            // `-q`: no "Compiled in N s" line, which would vary.
            wcomp().current_dir(dir).args(["run", "-q"]).args(&args),
            &[
                (dir, "[TMP]"),
                (Path::new(py_lib).parent().unwrap(), "[GUESTS]"),
            ],
        );
        assert_ne!(out.code, 0, "{name}: {out}");
        assert!(!out.stderr.contains("panicked"), "{name}: {out}");
        insta::assert_snapshot!(format!("run-{name}"), out.to_string());
    }
}
