//! Every example under `examples/` is built with the real toolchains,
//! composed and run; its stdout, composed world and composition plan are
//! snapshotted. The composed binary must validate and stay a standard
//! component: its imports are WASI, nothing wcomp-specific.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use crate::support::{OncePerName, Run, repo, run, toolchains, wcomp};

pub fn example(name: &str) -> PathBuf {
    repo().join("examples").join(name)
}

/// The example `name`, built and composed in place once per test run (its
/// `target/` is ignored by git), for every test that uses it: the path of
/// its composed component.
pub fn built(name: &str) -> PathBuf {
    static BUILT: OncePerName<PathBuf> = OncePerName::new();
    BUILT.get(name, || build_and_compose(name))
}

/// Builds and composes an example in place, checks the result, and
/// snapshots its world and plan.
fn build_and_compose(name: &str) -> PathBuf {
    toolchains();
    let dir = example(name);
    let filters: &[(&Path, &str)] = &[(&dir, "[EXAMPLE]")];
    run(wcomp().current_dir(&dir).arg("build"), filters).success();
    run(wcomp().current_dir(&dir).arg("compose"), filters).success();
    let composed = dir.join("composed.wasm");

    let inspect = run(wcomp().arg("inspect").arg("--json").arg(&composed), filters).success();
    let json: serde_json::Value = serde_json::from_str(&inspect.stdout).unwrap();
    for import in json["imports"].as_array().unwrap() {
        let import = import.as_str().unwrap();
        assert!(
            import.starts_with("wasi:"),
            "{name}: the composed component imports `{import}`"
        );
    }
    insta::assert_snapshot!(
        format!("example-{name}-world"),
        json["wit"].as_str().unwrap()
    );
    let graph = run(
        wcomp()
            .current_dir(&dir)
            .args(["compose", "--graph", "mermaid"]),
        filters,
    )
    .success();
    insta::assert_snapshot!(format!("example-{name}-plan"), graph.stdout);
    composed
}

/// Runs the example's own tests (`wcomp test`, its `tests/*.toml`) on what
/// [`built`] built, with a JUnit report: all `cases` pass.
fn example_tests_pass(name: &str, cases: usize) {
    let dir = example(name);
    let junit = tempfile::NamedTempFile::new().unwrap();
    let out = run(
        wcomp()
            .current_dir(&dir)
            .arg("test")
            .arg("--junit")
            .arg(junit.path()),
        &[(&dir, "[EXAMPLE]")],
    )
    .success();
    assert_eq!(
        out.stdout.trim_end().lines().last(),
        Some(format!("{cases} passed, 0 failed").as_str()),
        "{name}: {}",
        out.stdout
    );
    let xml = std::fs::read_to_string(junit.path()).unwrap();
    assert!(
        xml.contains(&format!("tests=\"{cases}\" failures=\"0\"")),
        "{xml}"
    );
}

pub fn run_composed(composed: &Path, args: &[&str]) -> Run {
    run(wcomp().args(["run", "-q"]).args(args).arg(composed), &[]).success()
}

pub fn hello_polyglot() {
    let composed = built("hello-polyglot");
    insta::assert_snapshot!(
        "example-hello-polyglot-stdout",
        run_composed(&composed, &[]).stdout
    );
    // The greeter alone, the cli with its imports mocked, the app end to end.
    example_tests_pass("hello-polyglot", 7);
}

pub fn diamond_shares_one_instance() {
    let composed = built("diamond");
    insta::assert_snapshot!(
        "example-diamond-stdout",
        run_composed(&composed, &[]).stdout
    );
}

pub fn streams_pipeline_runs_in_bounded_memory() {
    let composed = built("streams");
    // An input file through the pipeline, stdout and stderr snapshotted.
    example_tests_pass("streams", 3);
    // 50 MiB through the pipeline under a 64 MiB cap on guest memory: it
    // must stream, not buffer.
    let mut child = wcomp()
        .args(["run", "-q", "--max-memory", "64MiB"])
        .arg(&composed)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        let line = b"the quick brown fox jumps over the lazy dog\n";
        let mut written = 0usize;
        while written < 50 << 20 {
            stdin.write_all(line).unwrap();
            written += line.len();
        }
        written
    });
    let output = child.wait_with_output().unwrap();
    let written = writer.join().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    // upper-cased, then rot13: the bytes came through transformed, in order.
    let line = b"GUR DHVPX OEBJA SBK WHZCF BIRE GUR YNML QBT\n";
    assert_eq!(
        output.stdout.len(),
        written,
        "every byte written must come back, transformed"
    );
    assert!(
        output.stdout.chunks(line.len()).all(|chunk| chunk == line),
        "the stream came back wrong"
    );
    insta::assert_snapshot!("example-streams-summary", stderr.trim());
}

/// The HTTP example, served on a free port: each route answers through its
/// language, behind the middleware, and concurrent requests are answered
/// correctly.
pub async fn http_polyglot_serves_each_route() {
    use http::StatusCode;

    let composed = built("http-polyglot");
    // The router alone with mocked imports, and the app, answering requests.
    example_tests_pass("http-polyglot", 5);
    let dir = composed.parent().unwrap().to_owned();
    let served = crate::support::serving::Served::start(&dir, "composed.wasm", &["-q"]);
    assert_eq!(
        served.get("/greet?name=Ada+Lovelace").await,
        (
            StatusCode::OK,
            "Hello, Ada Lovelace, from Python!\n".to_owned()
        )
    );
    assert_eq!(
        served.post("/stats", "the quick brown fox").await,
        (
            StatusCode::OK,
            "words: 4, chars: 19, longest: quick\n".to_owned()
        )
    );
    assert_eq!(served.get("/nowhere").await.0, StatusCode::NOT_FOUND);
    let addr = served.addr;
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..32 {
        tasks.spawn(async move {
            let path = format!("/greet?name=n{n}");
            let answer =
                crate::support::serving::send(addr, http::Method::GET, &path, bytes::Bytes::new())
                    .await;
            (answer == (StatusCode::OK, format!("Hello, n{n}, from Python!\n"))).then_some(())
        });
    }
    let answered = tasks.join_all().await;
    assert!(answered.iter().all(Option::is_some), "{answered:?}");
    assert_eq!(served.stop("INT").0, 0);
}
