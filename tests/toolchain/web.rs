//! The composed hello-polyglot, transpiled by the pinned jco, runs in Node
//! and in a real headless Chromium (Debian's, installed here if missing)
//! with the same output as `wcomp run`; the page's screenshot is written to
//! `target/test-artifacts/hello-polyglot-web.png`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::examples::{built, example, run_composed};
use crate::support::serving::Served;
use crate::support::{run, target_dir, wcomp};

/// How long Chromium may take to load, compile and run the app.
const BROWSER_WITHIN: Duration = Duration::from_secs(180);

/// `wcomp build --target TARGET -o DIR` in the (already built) example: the
/// transpiled folder, inside a temporary folder kept alive by the caller.
fn transpiled(target: &str) -> (tempfile::TempDir, PathBuf) {
    built("hello-polyglot");
    let dir = example("hello-polyglot");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("dist");
    let build = run(
        wcomp()
            .current_dir(&dir)
            .args(["build", "--target", target, "-o"])
            .arg(&out),
        &[],
    )
    .success();
    assert!(build.stderr.contains("Transpiled"), "{build}");
    (tmp, out)
}

pub fn node_runs_hello_polyglot_like_wcomp_run() {
    let composed = built("hello-polyglot");
    let (_tmp, out) = transpiled("node");
    for args in [&[][..], &["fox", "and", "the", "hound"][..]] {
        let expected = run(wcomp().args(["run", "-q"]).arg(&composed).args(args), &[])
            .success()
            .stdout;
        let node = Command::new("node")
            .arg(out.join("run.mjs"))
            .args(args)
            .output()
            .expect("node runs (Node.js is needed by the JS toolchain)");
        let stdout = String::from_utf8_lossy(&node.stdout);
        assert!(
            node.status.success(),
            "node failed: {}\n{stdout}\n{}",
            node.status,
            String::from_utf8_lossy(&node.stderr)
        );
        assert_eq!(stdout, expected, "args {args:?}");
    }
}

pub fn chromium_shows_hello_polyglot() {
    let chromium = chromium();
    let composed = built("hello-polyglot");
    let expected = run_composed(&composed, &[]).stdout;
    let (tmp, _out) = transpiled("web");
    let served = Served::start(tmp.path(), "dist", &["--web"]);
    let url = format!("http://{}/", served.addr);

    let dom = headless(
        &chromium,
        &["--virtual-time-budget=60000", "--dump-dom", &url],
    );
    let page = String::from_utf8_lossy(&dom.stdout);
    assert!(
        page.contains(r#"data-exit="0""#),
        "the app did not finish:\n{page}"
    );
    assert_eq!(pre(&page, "stdout"), expected, "the page shows:\n{page}");
    assert_eq!(pre(&page, "stderr"), "");
    for section in ["(Python)", "(JavaScript)", "(C++)", "(Go)"] {
        assert!(
            expected.contains(section),
            "{section} missing from {expected}"
        );
    }

    let artifacts = target_dir().join("test-artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let shot = artifacts.join("hello-polyglot-web.png");
    let _ = std::fs::remove_file(&shot);
    headless(
        &chromium,
        &[
            "--virtual-time-budget=60000",
            "--hide-scrollbars",
            "--window-size=900,1000",
            &format!("--screenshot={}", shot.display()),
            &url,
        ],
    );
    let png = std::fs::read(&shot).expect("Chromium wrote the screenshot");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "{}",
        shot.display()
    );

    // Every file the page needed came from the folder (a browser also
    // asks for a favicon, which the folder has not).
    let missing: Vec<String> = served
        .log()
        .into_iter()
        .filter(|line| line.ends_with(" 404") && !line.contains("/favicon.ico"))
        .collect();
    assert!(missing.is_empty(), "{missing:?}");
}

/// Chromium, installed with apt-get when missing; fails loudly when it
/// cannot be installed.
fn chromium() -> PathBuf {
    let installed = || which("chromium");
    if let Some(path) = installed() {
        return path;
    }
    let install = || {
        Command::new("apt-get")
            .args(["install", "-y", "--no-install-recommends", "chromium"])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .is_ok_and(|s| s.success())
    };
    if !install() {
        let updated = Command::new("apt-get").arg("update").status();
        assert!(updated.is_ok_and(|s| s.success()), "apt-get update failed");
        assert!(install(), "cannot install Debian's `chromium` with apt-get");
    }
    installed().expect("`chromium` is on PATH after apt-get installed it")
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|path| path.is_file())
}

/// Runs headless Chromium with `args`, killed after [`BROWSER_WITHIN`].
fn headless(chromium: &Path, args: &[&str]) -> Output {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    let begun = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if begun.elapsed() > BROWSER_WITHIN {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "chromium {args:?} took over {BROWSER_WITHIN:?}:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "chromium {args:?}: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The text of `<pre id="ID">` in a dumped DOM, unescaped.
fn pre(page: &str, id: &str) -> String {
    let open = format!(r#"<pre id="{id}">"#);
    let start = page.find(&open).map(|i| i + open.len());
    let text = start
        .and_then(|start| Some(&page[start..start + page[start..].find("</pre>")?]))
        .unwrap_or_else(|| panic!("no <pre id={id:?}> in:\n{page}"));
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The WASI 0.3 examples are refused before jco runs, with the reason, and
/// nothing is written where `-o` points.
pub fn wasi_0_3_examples_are_refused() {
    for name in ["streams", "http-polyglot"] {
        built(name);
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("dist");
        for target in ["web", "node"] {
            let refused = run(
                wcomp()
                    .current_dir(example(name))
                    .args(["build", "--target", target, "-o"])
                    .arg(&out),
                &[],
            );
            assert_eq!(refused.code, 1, "{name}: {refused}");
            assert!(refused.stderr.contains("wcomp::web::wasi_0_3"), "{refused}");
            assert!(refused.stderr.contains("jco#617"), "{refused}");
            assert!(!out.exists(), "{name}: {} was written", out.display());
        }
    }
}

/// Under Node, `run.mjs` keeps `wcomp run`'s deny-by-default and passes
/// arguments and the exit code through (the Rust hello fixture prints its
/// arguments and `GREETING`, and exits through `exit(err)` for `--exit`).
pub fn node_passes_arguments_and_exit_codes_and_denies_the_environment() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(
        crate::support::guest("rust-hello-p2"),
        tmp.path().join("hello.wasm"),
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("app.toml"),
        "[app]\nname = \"hello\"\nmain = \"hello\"\n\n[components.hello]\nwasm = \"hello.wasm\"\n",
    )
    .unwrap();
    let out = tmp.path().join("dist");
    run(
        wcomp()
            .current_dir(tmp.path())
            .args(["build", "--target", "node", "-o"])
            .arg(&out),
        &[],
    )
    .success();
    let node = |args: &[&str]| {
        Command::new("node")
            .arg(out.join("run.mjs"))
            .args(args)
            .env("GREETING", "leaked")
            .output()
            .expect("node runs")
    };
    let ok = node(&["one", "--two"]);
    assert!(ok.status.success(), "{ok:?}");
    assert_eq!(
        String::from_utf8_lossy(&ok.stdout),
        "hello from rust\narg: one\narg: --two\nGREETING unset\n"
    );
    let failed = node(&["--exit", "3"]);
    assert_eq!(failed.status.code(), Some(1), "{failed:?}");
}
