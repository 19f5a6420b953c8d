//! `wcomp dev`, hermetic: an app whose one component is prebuilt
//! (`wasm = "hello.wasm"`) from WAT written in the test; rewriting that
//! file is the change the loop must see. Real rebuilds of Rust and Python
//! components are in the toolchain tier.

use std::path::Path;
use std::time::Duration;

use crate::fixtures::component;
use crate::support::dev::Session;

/// Long enough for a loaded machine to compile a small component.
const WAIT: Duration = Duration::from_secs(120);

/// A WASI 0.2 command that prints `text` and a newline.
fn hello(text: &str) -> Vec<u8> {
    let line = format!("{text}\n");
    component(
        r#"
  import wasi:cli/stdout@0.2.12;
  export wasi:cli/run@0.2.12;
"#,
        r#"
  (import "wasi:cli/stdout@0.2.12" "get-stdout" (func $get-stdout (result i32)))
  (import "wasi:io/streams@0.2.12" "[method]output-stream.blocking-write-and-flush"
    (func $write (param i32 i32 i32 i32)))
"#,
        &format!(
            r#"
  (data (i32.const 16) "{line}")
  (func (export "wasi:cli/run@0.2.12#run") (result i32)
    (call $write (call $get-stdout) (i32.const 16) (i32.const {len}) (i32.const 1024))
    (i32.const 0))
"#,
            line = line.escape_default(),
            len = line.len()
        ),
    )
}

/// A WASI 0.2 command that computes forever without calling the host.
fn spinner() -> Vec<u8> {
    component(
        "  export wasi:cli/run@0.2.12;",
        "",
        r#"  (func (export "wasi:cli/run@0.2.12#run") (result i32) (loop $forever (br $forever)) (i32.const 0))"#,
    )
}

/// An app in a fresh folder whose main component is `hello.wasm`.
fn app(wasm: &[u8]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("app.toml"),
        "[app]\nname = \"hello\"\nmain = \"hello\"\n\n[components.hello]\nwasm = \"hello.wasm\"\n",
    )
    .unwrap();
    replace(tmp.path(), wasm);
    tmp
}

/// Replaces `hello.wasm` the way an editor or a build tool would: whole.
fn replace(dir: &Path, wasm: &[u8]) {
    let tmp = dir.join(".hello.wasm.tmp");
    std::fs::write(&tmp, wasm).unwrap();
    std::fs::rename(&tmp, dir.join("hello.wasm")).unwrap();
}

#[test]
fn a_change_reruns_the_app_once_with_its_new_output() {
    let app = app(&hello("first version"));
    let mut dev = Session::start(app.path(), &[]);
    dev.wait_for("Running #1 start", WAIT);
    dev.wait_for("first version", WAIT);
    dev.wait_for("Finished #1 with exit code 0", WAIT);

    replace(app.path(), &hello("second version"));
    let header = dev.wait_for("Running #2", WAIT);
    assert!(
        header.contains("#2 hello.wasm changed · nothing to rebuild in"),
        "{header}"
    );
    assert!(header.contains("· composed in"), "{header}");
    assert!(
        header.contains("· 1 component linked, "),
        "a command runs linked: {header}"
    );
    dev.wait_for("second version", WAIT);
    dev.wait_for("Finished #2 with exit code 0", WAIT);
    dev.settle(Duration::from_secs(1));
    assert_eq!(
        dev.count("Running #"),
        2,
        "one run per change:\n{}",
        dev.show()
    );
    assert_eq!(dev.count("first version"), 1, "{}", dev.show());
    assert_eq!(dev.interrupt(), 0, "Ctrl-C ends `wcomp dev` with 0");
}

#[test]
fn a_running_guest_is_stopped_before_the_rerun() {
    let app = app(&spinner());
    let mut dev = Session::start(app.path(), &[]);
    dev.wait_for("Running #1", WAIT);
    replace(app.path(), &hello("after the spinner"));
    // Status lines and the guest's output come through different pipes:
    // only lines of one pipe arrive in order.
    dev.wait_for("Running #2", WAIT);
    dev.wait_for("after the spinner", WAIT);
    let stopped = dev.position("Stopped #1");
    assert!(
        stopped < dev.position("Running #2"),
        "the old run stops first:\n{}",
        dev.show()
    );
    assert_eq!(dev.interrupt(), 0);
}

#[test]
fn a_mistake_is_shown_and_the_loop_goes_on() {
    let app = app(&hello("good"));
    let mut dev = Session::start(app.path(), &[]);
    dev.wait_for("good", WAIT);

    replace(app.path(), b"\0asm but not really");
    dev.wait_for("Waiting for a change to retry #2", WAIT);
    assert!(
        dev.transcript.iter().any(|l| l.contains("hello.wasm")),
        "the error names the file:\n{}",
        dev.show()
    );

    std::fs::write(app.path().join("app.toml"), "[app\nbroken").unwrap();
    dev.wait_for("Waiting for a change to retry #3", WAIT);

    std::fs::write(
        app.path().join("app.toml"),
        "[app]\nname = \"hello\"\nmain = \"hello\"\n\n[components.hello]\nwasm = \"hello.wasm\"\n",
    )
    .unwrap();
    replace(app.path(), &hello("fixed"));
    dev.wait_for("fixed", WAIT);
    assert_eq!(dev.interrupt(), 0);
}

#[test]
fn invoke_calls_the_export_on_each_run() {
    let app = app(&hello("unused"));
    let mut dev = Session::start(app.path(), &["--invoke", "nothing()"]);
    dev.wait_for("Waiting for a change to retry #1", WAIT);
    assert!(
        dev.transcript.iter().any(|l| l.contains("nothing")),
        "the unknown export is named:\n{}",
        dev.show()
    );
    assert_eq!(dev.interrupt(), 0);
}

#[test]
fn test_mode_reruns_the_cases_a_change_affects() {
    let app = app(&hello("first version"));
    let tests = app.path().join("tests");
    std::fs::create_dir(&tests).unwrap();
    let case = |expected: &str| {
        format!("[[test]]\nname = \"prints\"\nargs = []\nstdout = \"{expected}\\n\"\n")
    };
    std::fs::write(tests.join("hello.toml"), case("first version")).unwrap();
    // A file whose cases no change below touches.
    std::fs::write(
        tests.join("other.toml"),
        "[[test]]\nname = \"exports\"\ncomponent = \"hello\"\nargs = []\nexit = 0\n",
    )
    .unwrap();
    let mut dev = Session::start(app.path(), &["--test"]);
    dev.wait_for("Testing #1: 2 cases", WAIT);
    dev.wait_for("2 passed, 0 failed", WAIT);
    dev.wait_for("Tested #1", WAIT);

    // A new component reruns every case of the app and of the component;
    // the old expectation now fails, with a diff.
    replace(app.path(), &hello("second version"));
    dev.wait_for("Testing #2: 2 cases", WAIT);
    dev.wait_for("+ second version", WAIT);
    dev.wait_for("1 passed, 1 failed", WAIT);

    // A test file changed reruns its own cases only.
    std::fs::write(tests.join("hello.toml"), case("second version")).unwrap();
    dev.wait_for("Testing #3: 1 case", WAIT);
    dev.wait_for("test hello: prints ... ok", WAIT);
    dev.wait_for("1 passed, 0 failed", WAIT);
}
