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
    assert_eq!(names, ["rust", "python", "js", "c", "cpp"]);
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
/// taken for a finished one.
pub fn interrupted_install_is_redone() {
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
}
