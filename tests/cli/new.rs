//! `wcomp new`: every language × a set of worlds scaffolds as snapshotted
//! (generating text needs no toolchain); bad input writes nothing. The
//! toolchain tier builds what is generated here.

use crate::support::{copy_dir, repo, run, scaffold_kinds, tree, wcomp, wcomp_in};

const LANGS: [&str; 3] = ["rust", "python", "js"];

#[test]
fn scaffolds_are_generated_from_the_world() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    for (name, _) in scaffold_kinds(dir, &LANGS) {
        insta::assert_snapshot!(format!("new-{name}"), tree(&dir.join(&name), None));
    }
    insta::assert_snapshot!(
        "new-app-toml",
        std::fs::read_to_string(dir.join("app.toml")).unwrap()
    );
}

/// Each bad input: a clear diagnostic, exit 1, and nothing written.
#[test]
fn bad_input_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    copy_dir(&repo().join("tests/wit/kinds"), &dir.join("wit"));
    wcomp_in(
        dir,
        &["new", "first", "--lang", "python", "--world", "provider"],
    )
    .success();
    std::fs::create_dir(dir.join("taken")).unwrap();
    std::fs::write(dir.join("taken/keep.txt"), "mine").unwrap();
    let broken = tempfile::tempdir().unwrap();
    std::fs::write(
        broken.path().join("bad.wit"),
        "package a:b;\n\ninterface i {\n  f: func(x: strin) -> u32;\n}\n",
    )
    .unwrap();
    let broken_arg = broken.path().to_str().unwrap().to_owned();

    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("not-empty", vec!["new", "taken", "--lang", "rust"]),
        ("invalid-name", vec!["new", "MyComponent", "--lang", "rust"]),
        (
            "world-not-found",
            vec!["new", "second", "--lang", "js", "--world", "typez"],
        ),
        ("name-taken", vec!["new", "first", "--lang", "rust"]),
        (
            "wit-elsewhere",
            vec!["new", "third", "--lang", "rust", "--wit", &broken_arg],
        ),
    ];
    let before = std::fs::read(dir.join("app.toml")).unwrap();
    for (name, args) in cases {
        let out = run(
            wcomp().current_dir(dir).args(&args),
            &[(dir, "[CWD]"), (broken.path(), "[WIT]")],
        );
        assert_eq!(out.code, 1, "{name}: {out}");
        insta::assert_snapshot!(format!("new-error-{name}"), out.to_string());
        assert_eq!(
            std::fs::read(dir.join("app.toml")).unwrap(),
            before,
            "{name} changed app.toml"
        );
    }
    assert!(!dir.join("second").exists() && !dir.join("third").exists());
    assert_eq!(
        std::fs::read_to_string(dir.join("taken/keep.txt")).unwrap(),
        "mine"
    );

    // WIT that does not parse, in a fresh app: the diagnostic points into the file.
    let fresh = tempfile::tempdir().unwrap();
    let out = run(
        wcomp().current_dir(fresh.path()).args([
            "new",
            "x",
            "--lang",
            "rust",
            "--world",
            "w",
            "--wit",
            &broken_arg,
        ]),
        &[(broken.path(), "[WIT]")],
    );
    assert_eq!(out.code, 1, "{out}");
    insta::assert_snapshot!("new-error-bad-wit", out.to_string());
    assert_eq!(
        std::fs::read_dir(fresh.path()).unwrap().count(),
        0,
        "a failed new wrote files"
    );

    // Unknown languages are bad usage: clap lists the known ones.
    let out = wcomp_in(dir, &["new", "y", "--lang", "cobol"]);
    assert_eq!(out.code, 2, "{out}");
    assert!(
        out.stderr
            .contains("[possible values: rust, python, js, c, cpp, go]"),
        "{out}"
    );

    // --force scaffolds into a non-empty directory.
    wcomp_in(dir, &["new", "taken", "--lang", "js", "--force"]).success();
    assert!(dir.join("taken/app.js").exists());
}
