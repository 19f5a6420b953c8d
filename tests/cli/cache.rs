//! `wcomp cache`: what `wcomp run` compiled shows up, a limit trims it,
//! and `clean` removes it. Each test has a `$WCOMP_HOME` of its own, so
//! the other tests' runs do not change what it sees.

use std::path::Path;

use crate::support::{Run, run, wcomp};

/// A command compiled from the smallest fixture, in `dir`.
fn command(dir: &Path) -> std::path::PathBuf {
    let wat = crate::support::repo().join("tests/cases/_fixtures/cmd.wat");
    let wasm = dir.join("cmd.wasm");
    std::fs::write(&wasm, wat::parse_file(&wat).unwrap()).unwrap();
    wasm
}

fn wcomp_with(home: &Path, args: &[&str]) -> Run {
    run(
        wcomp().env("WCOMP_HOME", home).args(args),
        &[(home, "[OWN-HOME]")],
    )
}

/// The number on the line of `wcomp cache` that starts with `label`.
fn entries(shown: &str, label: &str) -> u64 {
    let line = shown
        .lines()
        .find(|l| l.trim_start().starts_with(label))
        .unwrap_or_else(|| panic!("no `{label}` line in:\n{shown}"));
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn a_run_fills_the_cache_and_clean_empties_it() {
    let home = tempfile::tempdir().unwrap();
    let wasm = command(home.path());
    let wasm = wasm.to_str().unwrap();
    wcomp_with(home.path(), &["run", wasm]).success();

    let shown = wcomp_with(home.path(), &["cache"]).success().stdout;
    assert!(
        shown.starts_with("compiled code   [OWN-HOME]/compiled/wasmtime-48.0.8\n"),
        "{shown}"
    );
    assert_eq!(entries(&shown, "components"), 1, "{shown}");
    assert!(entries(&shown, "functions") > 0, "{shown}");
    assert!(shown.contains("of 2 GiB\n"), "{shown}");

    // Loading the same binary again is a whole-component hit: no new entries.
    wcomp_with(home.path(), &["run", wasm]).success();
    assert_eq!(wcomp_with(home.path(), &["cache"]).stdout, shown);

    let clean = wcomp_with(home.path(), &["cache", "clean"]).success();
    assert!(clean.stderr.contains("Removed"), "{clean}");
    let shown = wcomp_with(home.path(), &["cache"]).success().stdout;
    assert_eq!(entries(&shown, "components"), 0, "{shown}");
    assert_eq!(entries(&shown, "functions"), 0, "{shown}");
}

#[test]
fn a_smaller_limit_trims_the_cache() {
    let home = tempfile::tempdir().unwrap();
    let wasm = command(home.path());
    wcomp_with(home.path(), &["run", wasm.to_str().unwrap()]).success();
    let trimmed = run(
        wcomp()
            .env("WCOMP_HOME", home.path())
            .env("WCOMP_CACHE_MAX", "1")
            .arg("cache"),
        &[],
    )
    .success();
    assert!(trimmed.stderr.contains("Trimmed"), "{trimmed}");
    assert!(
        trimmed.stdout.contains("total         0 bytes of 1 bytes"),
        "{trimmed}"
    );

    let bad = wcomp_with(home.path(), &["cache", "--cache-max", "lots"]);
    assert_eq!(bad.code, 2, "{bad}");
    assert!(bad.stderr.contains("invalid size `lots`"), "{bad}");
}
