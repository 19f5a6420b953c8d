//! `wcomp setup` and `wcomp doctor` against a real cache directory.

use crate::support::{run, toolchains, wcomp};

pub fn setup_is_idempotent_and_doctor_reports_ready() {
    toolchains();
    let again = run(wcomp().arg("setup"), &[]).success();
    assert!(
        again.stderr.contains("everything was already installed"),
        "a second setup must do nothing:\n{again}"
    );
    assert!(!again.stderr.contains("Installed"), "{again}");

    let doctor = run(wcomp().args(["doctor", "--json"]), &[]).success();
    let json: serde_json::Value =
        serde_json::from_str(&doctor.stdout).expect("doctor --json is JSON");
    let langs = json["languages"].as_array().expect("a list of languages");
    let names: Vec<&str> = langs.iter().map(|l| l["lang"].as_str().unwrap()).collect();
    assert_eq!(names, ["rust", "python", "js", "c", "cpp", "go"]);
    for lang in langs {
        assert_eq!(lang["ready"], true, "{lang:#}");
    }
    let pins: Vec<(String, String)> = langs
        .iter()
        .flat_map(|l| l["tools"].as_array().unwrap())
        .filter(|t| !t["pinned"].is_null())
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_owned(),
                t["version"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    insta::assert_debug_snapshot!("pinned-versions", pins);

    let text = run(wcomp().arg("doctor"), &[]).success();
    assert!(
        text.stdout
            .contains("componentize-py    0.25.1       pinned 0.25.1, ok"),
        "{text}"
    );
}

/// An install that stopped halfway (no completion stamp) is redone, never
/// taken for a finished one; then priming, in that fresh home, compiles
/// what the first app needs: its build takes the engine from the cache and
/// compiles only the component's own glue, for its first run, composed or
/// as built.
pub fn interrupted_install_is_redone_and_priming_serves_the_first_app() {
    let tmp = tempfile::tempdir().unwrap();
    let venv = tmp.path().join("python");
    std::fs::create_dir_all(venv.join("bin")).unwrap();
    std::fs::write(
        venv.join("bin/componentize-py"),
        "#!/bin/sh\necho half-installed\n",
    )
    .unwrap();
    let doctor = run(
        wcomp()
            .env("WCOMP_HOME", tmp.path())
            .args(["doctor", "--lang", "python"]),
        &[],
    );
    assert_eq!(doctor.code, 1, "{doctor}");

    let setup = run(
        wcomp()
            .env("WCOMP_HOME", tmp.path())
            .args(["setup", "--lang", "python", "--no-prime"]),
        &[],
    )
    .success();
    assert!(
        setup.stderr.contains("Installed python toolchain"),
        "{setup}"
    );
    let doctor = run(
        wcomp()
            .env("WCOMP_HOME", tmp.path())
            .args(["doctor", "--lang", "python"]),
        &[],
    );
    assert_eq!(doctor.code, 0, "{doctor}");

    let prime = run(
        wcomp()
            .env("WCOMP_HOME", tmp.path())
            .args(["setup", "--lang", "python"]),
        &[],
    )
    .success();
    assert!(prime.stderr.contains("Primed python"), "{prime}");
    let app = tempfile::tempdir().unwrap();
    let in_app = |args: &[&str]| {
        run(
            wcomp()
                .env("WCOMP_HOME", tmp.path())
                .current_dir(app.path())
                .args(args),
            &[],
        )
        .success()
    };
    in_app(&["new", "hello", "--lang", "python"]);
    // The build compiles the component as built for `wcomp run`: the
    // engine (CPython, 20 000-odd functions) comes whole from the cache
    // priming filled (fewer than 5 000 are looked up); of the component's
    // own glue, most comes from the cache too. How many: 149 to 158 of
    // 1 423 in three runs here, 276 in one under CI's load, since Cranelift
    // compiles functions in parallel and identical ones that no entry holds
    // yet all miss when they are compiled at once. Hence a share, not a
    // count.
    let build = in_app(&["build"]);
    assert!(build.stderr.contains("compiled for `wcomp run`"), "{build}");
    let (reused, total) = functions_from_the_cache(&build.stderr);
    assert!(
        total < 5_000 && total - reused < total / 3,
        "the component as built compiled {} of {total} functions:\n{build}",
        total - reused
    );
    in_app(&["compose", "-q"]);
    let first = in_app(&["run", "composed.wasm"]);
    assert_eq!(first.stdout, "Hello from hello!\n");
    if first.stderr.contains("Compiled") {
        let (reused, total) = functions_from_the_cache(&first.stderr);
        assert!(
            total - reused < total / 3,
            "the first run compiled {} of {total} functions:\n{first}",
            total - reused
        );
    }
    // The build compiled the component as built: all of it is cached.
    let bare = in_app(&["run", "target/wcomp/hello.wasm"]);
    assert_eq!(bare.stdout, "Hello from hello!\n");
    assert!(!bare.stderr.contains("Compiled"), "{bare}");
}

/// `N of M functions from the cache` in `wcomp run`'s (or `wcomp build`'s)
/// report.
fn functions_from_the_cache(report: &str) -> (u64, u64) {
    let words: Vec<&str> = report.split_whitespace().collect();
    let at = words
        .windows(5)
        .position(|w| w[1] == "of" && w[3] == "functions" && w[4] == "from")
        .unwrap_or_else(|| panic!("no function count in:\n{report}"));
    let number = |w: &str| w.trim_matches([',', '(']).parse::<u64>().unwrap();
    (number(words[at]), number(words[at + 2]))
}
