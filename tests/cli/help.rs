//! The command line itself: help texts and bad usage, snapshotted whole.

use crate::support::{repo, wcomp_in};

/// Every subcommand's `--help`, so a change to the CLI shows up in review.
#[test]
fn help_texts() {
    for args in [
        &["--help"][..],
        &["new", "--help"],
        &["build", "--help"],
        &["compose", "--help"],
        &["compile", "--help"],
        &["run", "--help"],
        &["serve", "--help"],
        &["dev", "--help"],
        &["trace", "--help"],
        &["inspect", "--help"],
        &["push", "--help"],
        &["pull", "--help"],
        &["publish", "--help"],
        &["deploy", "--help"],
        &["undeploy", "--help"],
        &["lattice", "--help"],
        &["lattice", "up", "--help"],
        &["cache", "--help"],
        &["cache", "clean", "--help"],
        &["setup", "--help"],
        &["doctor", "--help"],
        &["completions", "--help"],
    ] {
        let run = wcomp_in(repo(), args);
        assert_eq!(run.code, 0);
        insta::assert_snapshot!(format!("help-{}", args.join("-")), run.to_string());
    }
}

#[test]
fn version() {
    let run = wcomp_in(repo(), &["--version"]);
    assert_eq!(run.code, 0);
    assert_eq!(run.stdout, format!("wcomp {}\n", env!("CARGO_PKG_VERSION")));
}

/// Bad usage exits 2 with clap's message and suggestion.
#[test]
fn bad_usage() {
    for (name, args) in [
        ("unknown-subcommand", &["biuld"][..]),
        ("unknown-flag", &["inspect", "x.wasm", "--jsn"]),
        ("unknown-lang", &["setup", "--lang", "cobol"]),
        ("missing-argument", &["inspect"]),
        ("no-subcommand", &[]),
    ] {
        let run = wcomp_in(repo(), args);
        assert_eq!(run.code, 2, "{name}: {run}");
        insta::assert_snapshot!(format!("usage-{name}"), run.to_string());
    }
}

/// The book's CLI reference is the `--help` text, kept in sync: regenerate it
/// with `book/gen-cli.sh target/debug/wcomp` when this fails.
#[test]
fn book_cli_reference_matches_help() {
    let book = std::fs::read_to_string(repo().join("book/src/cli.md")).unwrap();
    for cmd in [
        "", "new", "build", "compose", "compile", "run", "serve", "dev", "test", "trace",
        "inspect", "push", "pull", "publish", "deploy", "undeploy", "lattice", "cache", "setup",
        "doctor",
    ] {
        let args: Vec<&str> = [cmd, "--help"]
            .into_iter()
            .filter(|a| !a.is_empty())
            .collect();
        let help = wcomp_in(repo(), &args);
        let section = format!("```text\n{}```", help.stdout);
        assert!(
            book.contains(&section),
            "book/src/cli.md is out of date for `wcomp {cmd} --help`; run `book/gen-cli.sh target/debug/wcomp`"
        );
    }
}

/// `wcomp completions` prints a script for each shell that completes the
/// subcommands and flags, and (where clap_complete's script for the shell
/// completes values) `--lang`'s values, from the one language table.
#[test]
fn completions_know_the_subcommands_and_languages() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let run = wcomp_in(repo(), &["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {run}");
        let values: &[&str] = match shell {
            "bash" | "zsh" | "fish" => &["python", "cpp", "go"],
            _ => &[],
        };
        for word in ["compose", "completions", "--lang"].iter().chain(values) {
            assert!(run.stdout.contains(word), "{shell} lacks {word}");
        }
    }
    let bad = wcomp_in(repo(), &["completions", "tcsh"]);
    assert_eq!(bad.code, 2, "{bad}");
}

/// Subcommands are defined when invoked (clap's `defer`), but completions
/// still offer each one's description under `wcomp help`, and the nested
/// subcommands (`wcomp help cache clean`), as when all were defined first.
#[test]
fn completions_of_help_describe_every_subcommand() {
    let fish = wcomp_in(repo(), &["completions", "fish"]);
    let help_of = |name: &str, about: &str| {
        fish.stdout.lines().any(|line| {
            line.contains("__fish_wcomp_using_subcommand help;")
                && line.contains(&format!("-a \"{name}\" -d '{about}'"))
        })
    };
    assert!(
        help_of(
            "run",
            "Run a component under the embedded WASI 0.3 / 0.2 host"
        ),
        "{fish}"
    );
    assert!(
        help_of(
            "compose",
            "Compose the components of an app into one component"
        ),
        "{fish}"
    );
    let bash = wcomp_in(repo(), &["completions", "bash"]);
    for nested in [
        "help__subcmd__cache__subcmd__clean",
        "help__subcmd__lattice__subcmd__up",
    ] {
        assert!(bash.stdout.contains(nested), "bash lacks {nested}");
    }
}
