//! `wcomp doctor` and `wcomp setup` where nothing can be installed: an
//! empty cache directory, and one that cannot be used.

use std::path::Path;

use crate::support::{run, wcomp};

#[test]
fn doctor_on_an_empty_home_says_what_to_do() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run(
        wcomp()
            .env("WCOMP_HOME", tmp.path())
            .args(["doctor", "--lang", "python,js"]),
        &[(tmp.path(), "[TMP]")],
    );
    assert_eq!(out.code, 1, "{out}");
    // Versions of node, npm and python3 vary between machines.
    let stdout: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| !l.contains("python3 ") && !l.contains("node ") && !l.contains("npm "))
        .collect();
    insta::assert_snapshot!("doctor-empty-home", stdout.join("\n"));
}

#[test]
fn unusable_home_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("not-a-dir");
    std::fs::write(&file, "").unwrap();
    let filters: &[(&Path, &str)] = &[(tmp.path(), "[TMP]")];

    let out = run(wcomp().env("WCOMP_HOME", &file).arg("setup"), filters);
    assert_eq!(out.code, 1);
    insta::assert_snapshot!("home-is-a-file", out.to_string());

    let out = run(
        wcomp().env("WCOMP_HOME", file.join("below")).arg("doctor"),
        filters,
    );
    assert_eq!(out.code, 1);
    insta::assert_snapshot!("home-not-writable", out.to_string());
}
