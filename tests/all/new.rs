//! `wcomp new`: every language × a set of worlds scaffolds, builds with the
//! real toolchain as generated, and exports exactly its world; bad input
//! writes nothing.

use std::path::Path;

use crate::support::{copy_dir, repo, run, toolchains, wcomp, wcomp_in};

const LANGS: [&str; 3] = ["rust", "python", "js"];

/// `None` is the starter command (no `--world`).
const WORLDS: [Option<&str>; 5] = [
    None,
    Some("types"),
    Some("resources"),
    Some("streams"),
    Some("consumer"),
];

/// The files of a generated component, for a snapshot.
fn tree(dir: &Path) -> String {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
        .iter()
        .map(|f| {
            format!(
                "=== {}\n{}",
                f.strip_prefix(dir).unwrap().display(),
                std::fs::read_to_string(f).unwrap()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn scaffolds_build_as_generated_and_export_their_world() {
    toolchains();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    copy_dir(&repo().join("tests/new/wit"), &dir.join("wit"));

    let mut components = Vec::new();
    for world in WORLDS {
        for lang in LANGS {
            let name = format!("{lang}-{}", world.unwrap_or("starter"));
            let mut args = vec!["new", name.as_str(), "--lang", lang];
            if let Some(world) = world {
                args.extend(["--world", world]);
            }
            wcomp_in(dir, &args).success();
            insta::assert_snapshot!(format!("new-{name}"), tree(&dir.join(&name)));
            components.push((name, world));
        }
    }
    insta::assert_snapshot!(
        "new-app-toml",
        std::fs::read_to_string(dir.join("app.toml")).unwrap()
    );

    // One build of every component, as generated, with the real toolchains.
    let build = wcomp_in(dir, &["build"]);
    assert_eq!(build.code, 0, "{build}");

    for (name, world) in &components {
        let wasm = dir.join(format!("target/wcomp/{name}.wasm"));
        let out = run(wcomp().arg("inspect").arg("--json").arg(&wasm), &[]).success();
        let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        let exports: Vec<&str> = json["exports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e.as_str().unwrap())
            .filter(|e| *e != "exports" && *e != "func init")
            .collect();
        let expected: &[&str] = match world {
            None => &["wasi:cli/run@0.2"],
            Some("types") => &["wcomp:kinds/shapes@0.1.0", "func version"],
            Some("resources") => &["wcomp:kinds/counters@0.1.0"],
            Some("streams") => &["wcomp:kinds/pipes@0.1.0"],
            Some("consumer") => &["wasi:cli/run@0.2"],
            Some(other) => unreachable!("{other}"),
        };
        assert_eq!(exports.len(), expected.len(), "{name}: {exports:?}");
        for e in expected {
            assert!(
                exports.iter().any(|x| x.starts_with(e)),
                "{name} lacks {e}: {exports:?}"
            );
        }
        if world.is_none() {
            let hello = run(wcomp().arg("run").arg(&wasm), &[]).success();
            assert_eq!(hello.stdout, format!("Hello from {name}!\n"));
        }
    }

    // A stub fails at call time with a clear message.
    let out = run(
        wcomp()
            .args(["run", "--invoke", "version()"])
            .arg(dir.join("target/wcomp/python-types.wasm")),
        &[],
    );
    assert_ne!(out.code, 0, "{out}");
    assert!(
        out.stderr.contains("`version` is not implemented yet"),
        "{out}"
    );
}

/// Each bad input: a clear diagnostic, exit 1, and nothing written.
#[test]
fn bad_input_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    copy_dir(&repo().join("tests/new/wit"), &dir.join("wit"));
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
            .contains("[possible values: rust, python, js, c, cpp]"),
        "{out}"
    );

    // --force scaffolds into a non-empty directory.
    wcomp_in(dir, &["new", "taken", "--lang", "js", "--force"]).success();
    assert!(dir.join("taken/app.js").exists());
}
