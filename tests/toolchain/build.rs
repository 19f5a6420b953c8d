//! `wcomp build` on a Rust + Python + JS app with the real toolchains.

use std::collections::BTreeMap;
use std::path::Path;

use crate::support::{Run, polyglot_app, toolchains, wcomp_in};

/// `--json` output: component name to status.
fn statuses(run: &Run) -> BTreeMap<String, String> {
    run.stdout
        .lines()
        .map(|line| {
            let v: serde_json::Value =
                serde_json::from_str(line).expect("one JSON object per line");
            (
                v["name"].as_str().unwrap().to_owned(),
                v["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn build_json(dir: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["build", "--json"];
    args.extend_from_slice(extra);
    wcomp_in(dir, &args)
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

pub fn builds_incrementally_and_reports_failures_alongside_successes() {
    toolchains();
    let app = polyglot_app();
    let dir = app.path();

    let cold = build_json(dir, &[]).success();
    assert_eq!(
        statuses(&cold),
        map(&[("cli", "built"), ("js", "built"), ("upper", "built")]),
        "{cold}"
    );
    for name in ["cli", "js", "upper"] {
        let wasm = dir.join(format!("target/wcomp/{name}.wasm"));
        wcomp_core::Component::read(&wasm).expect("each output is a valid component");
    }

    let noop = build_json(dir, &[]).success();
    assert_eq!(
        statuses(&noop),
        map(&[("cli", "fresh"), ("js", "fresh"), ("upper", "fresh")]),
        "{noop}"
    );

    // Touching without changing rebuilds nothing; a real edit rebuilds only its component.
    let app_py = dir.join("upper/app.py");
    let source = std::fs::read_to_string(&app_py).unwrap();
    std::fs::write(&app_py, &source).unwrap();
    assert_eq!(
        statuses(&build_json(dir, &[]).success()),
        map(&[("cli", "fresh"), ("js", "fresh"), ("upper", "fresh")])
    );
    std::fs::write(&app_py, format!("{source}\n# edited\n")).unwrap();
    let edited = build_json(dir, &[]).success();
    assert_eq!(
        statuses(&edited),
        map(&[("cli", "fresh"), ("js", "fresh"), ("upper", "built")]),
        "{edited}"
    );

    // A compile error in one component is shown with its stderr; the others still build.
    let main_rs = dir.join("cli/src/main.rs");
    let rust = std::fs::read_to_string(&main_rs).unwrap();
    std::fs::write(&main_rs, format!("{rust}\nfn broken( {{\n")).unwrap();
    std::fs::write(
        dir.join("js/app.js"),
        std::fs::read_to_string(dir.join("js/app.js")).unwrap() + "\n// edited\n",
    )
    .unwrap();
    let broken = build_json(dir, &[]);
    assert_eq!(broken.code, 1, "{broken}");
    assert_eq!(
        statuses(&broken),
        map(&[("cli", "failed"), ("js", "built"), ("upper", "fresh")]),
        "{broken}"
    );
    assert!(
        broken.stderr.contains("component `cli` failed to build"),
        "{broken}"
    );
    assert!(
        broken.stderr.contains("cargo build --target wasm32-wasip2"),
        "{broken}"
    );
    assert!(broken.stderr.contains("unclosed delimiter"), "{broken}");
    assert!(
        broken
            .stderr
            .contains("1 of 3 components failed to build: `cli`"),
        "{broken}"
    );
    assert!(
        dir.join("target/wcomp/cli.wasm").exists(),
        "the last good output stays"
    );

    // -p builds one component and nothing else; --force rebuilds it.
    std::fs::write(&main_rs, &rust).unwrap();
    let one = build_json(dir, &["-p", "upper", "--force"]).success();
    assert_eq!(statuses(&one), map(&[("upper", "built")]), "{one}");
    // Restoring the source restores the inputs of the last good build.
    let cli = build_json(dir, &["-p", "cli"]).success();
    assert_eq!(statuses(&cli), map(&[("cli", "fresh")]), "{cli}");
}

pub fn changing_a_wit_file_rebuilds_only_the_components_whose_world_uses_it() {
    toolchains();
    let app = polyglot_app();
    let dir = app.path();
    build_json(dir, &[]).success();
    // A new interface in its own file changes no existing world.
    std::fs::write(
        dir.join("wit/extra.wit"),
        "interface unused {\n  f: func();\n}\n",
    )
    .unwrap();
    let unrelated = build_json(dir, &[]).success();
    assert_eq!(
        statuses(&unrelated),
        map(&[("cli", "fresh"), ("js", "fresh"), ("upper", "fresh")]),
        "{unrelated}"
    );
    // Changing the greet interface changes the `greeter` world only.
    let wit = dir.join("wit/app.wit");
    let text = std::fs::read_to_string(&wit).unwrap();
    std::fs::write(
        &wit,
        replaced(
            &text,
            "greet: func(name: string) -> string;",
            "greet: func(name: string) -> string;\n  shout: func(name: string) -> string;",
        ),
    )
    .unwrap();
    let changed = build_json(dir, &["-j", "1"]);
    let got = statuses(&changed);
    assert_eq!(got["cli"], "fresh", "{changed}");
    assert_ne!(got["upper"], "fresh", "{changed}");
    assert_ne!(got["js"], "fresh", "{changed}");
}

/// A toolchain that cannot be installed fails the components that need it,
/// with the installer's own error.
pub fn a_toolchain_that_cannot_be_installed_is_reported() {
    let app = polyglot_app();
    let home = tempfile::tempdir().unwrap();
    let out = crate::support::run(
        crate::support::wcomp()
            .current_dir(app.path())
            .env("WCOMP_HOME", home.path())
            .env("WCOMP_PYTHON", "/nonexistent/python3")
            .args(["build", "-p", "upper"]),
        &[(home.path(), "[TMP]"), (app.path(), "[CWD]")],
    );
    assert_eq!(out.code, 1, "{out}");
    insta::assert_snapshot!("build-toolchain-not-installable", out.to_string());
}

/// Bad input: a clear diagnostic and a non-zero exit.
pub fn bad_input() {
    let app = polyglot_app();
    let dir = app.path();
    let manifest = std::fs::read_to_string(dir.join("app.toml")).unwrap();
    let cases: &[(&str, String)] = &[
        ("no-manifest", String::new()),
        (
            "unknown-lang",
            replaced(&manifest, "lang = \"python\"", "lang = \"cobol\""),
        ),
        (
            "missing-path",
            replaced(
                &manifest,
                "[components.cli]\nlang = \"rust\"",
                "[components.cli]\nlang = \"rust\"\npath = \"nowhere\"",
            ),
        ),
        (
            "missing-world",
            replaced(
                &manifest,
                "world = \"greeter\"\njs-backend",
                "world = \"gretter\"\njs-backend",
            ),
        ),
        (
            "world-mismatch",
            replaced(
                &manifest,
                "[components.cli]\nlang = \"rust\"",
                "[components.cli]\nlang = \"rust\"\nworld = \"greeter\"",
            ),
        ),
    ];
    for (name, text) in cases {
        if text.is_empty() {
            std::fs::remove_file(dir.join("app.toml")).unwrap();
        } else {
            std::fs::write(dir.join("app.toml"), text).unwrap();
        }
        let package = match *name {
            "missing-world" => "js",
            _ => "cli",
        };
        let out = wcomp_in(dir, &["build", "-p", package]);
        assert_ne!(out.code, 0, "{name}: {out}");
        assert!(!out.stderr.contains("panicked"), "{name}: {out}");
        let filtered = out
            .to_string()
            .lines()
            .filter(|l| !l.contains("Building"))
            .collect::<Vec<_>>()
            .join("\n");
        insta::assert_snapshot!(format!("build-{name}"), filtered);
    }
}

/// `text` with `from` replaced by `to`; `from` must be there, so a case can
/// never silently test the unchanged text.
fn replaced(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "`{from}` is not in:\n{text}");
    text.replace(from, to)
}

/// Two apps whose Rust components have the same name and version: the
/// second build takes the first's compiled dependencies from the store under
/// `$WCOMP_HOME` without rebuilding them, and each app still gets its own
/// component (a target directory shared between apps would mix them up).
pub fn apps_share_compiled_rust_dependencies_but_not_their_own_crates() {
    toolchains();
    let (first, second) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    for (app, greeting) in [(&first, "Hello"), (&second, "Bonjour")] {
        let dir = app.path();
        wcomp_in(dir, &["new", "cli", "--lang", "rust"]).success();
        let lib = dir.join("cli/src/lib.rs");
        let source = std::fs::read_to_string(&lib).unwrap();
        std::fs::write(
            &lib,
            replaced(&source, "Hello from", &format!("{greeting} from")),
        )
        .unwrap();
        wcomp_in(dir, &["build"]).success();
        wcomp_in(dir, &["compose"]).success();
    }

    // The proc macro of the second app is the store's file: cargo found it
    // fresh, and did not replace it with a build of its own.
    let deps = second.path().join("target/wcomp/cargo/debug/deps");
    let proc_macro = std::fs::read_dir(&deps)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("libwit_bindgen_rust_macro-"))
        .expect("the wit-bindgen proc macro is in the second app's target directory");
    use std::os::unix::fs::MetadataExt;
    assert!(
        std::fs::metadata(&proc_macro).unwrap().nlink() >= 2,
        "{} was rebuilt, not shared",
        proc_macro.display()
    );

    for (app, greeting) in [(&first, "Hello"), (&second, "Bonjour")] {
        let out = wcomp_in(app.path(), &["run", "composed.wasm"]).success();
        assert_eq!(out.stdout, format!("{greeting} from cli!\n"), "{out}");
    }
}

/// The shared WIT of [`crates_sharing_a_linked_wit_tree_rebuild_together`]:
/// the adder's world, and the runner's, which calls it and a doubler.
const SHARED_WIT: &str = "package docs:adder@0.1.0;

interface add {
  add: func(x: u32, y: u32) -> u32;
}

world adder {
  export add;
}

world runner {
  import add;
  import docs:math/double@0.1.0;
}
";

const MATH_WIT: &str = "package docs:math@0.1.0;

interface double {
  double: func(x: u32) -> u32;
}

world provider {
  export double;
}
";

/// Writes `text` at `rel` under `dir`, creating its folder.
fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Two Rust crates share one WIT tree through `wit -> ../wit` links, as the
/// component-docs tutorial crates do (the adder's bindings read it through
/// its link, wit-bindgen's default path), and a third keeps a `wit/` of its
/// own whose world is in its `wit/deps/`, as cargo-component's crates do.
/// None has `wit =` in app.toml: each is built against its own `wit`. The
/// app composes and runs; a comment added to the shared WIT rebuilds the
/// two crates that link to it and nothing else.
pub fn crates_sharing_a_linked_wit_tree_rebuild_together() {
    // Only Rust, which `wcomp build` installs on demand.
    let app = tempfile::tempdir().unwrap();
    let dir = app.path();
    write(dir, "wit/adder.wit", SHARED_WIT);
    write(dir, "wit/deps/math.wit", MATH_WIT);
    write(
        dir,
        "doubler/wit/world.wit",
        "package docs:doubler@0.1.0;\n\nworld doubler {\n  export docs:math/double@0.1.0;\n}\n",
    );
    write(dir, "doubler/wit/deps/math/math.wit", MATH_WIT);
    // The scaffolds give each crate its Cargo.toml and pinned Cargo.lock;
    // `--force`: the doubler's folder already holds its WIT.
    for (name, world) in [
        ("adder", "adder"),
        ("runner", "runner"),
        ("doubler", "docs:math/provider@0.1.0"),
    ] {
        wcomp_in(
            dir,
            &["new", name, "--lang", "rust", "--world", world, "--force"],
        )
        .success();
    }
    for name in ["adder", "runner"] {
        std::os::unix::fs::symlink("../wit", dir.join(name).join("wit")).unwrap();
    }
    write(
        dir,
        "adder/src/lib.rs",
        "wit_bindgen::generate!({ world: \"adder\" });

struct Component;

impl exports::docs::adder::add::Guest for Component {
    fn add(x: u32, y: u32) -> u32 {
        x + y
    }
}

export!(Component);
",
    );
    write(
        dir,
        "doubler/src/lib.rs",
        "wit_bindgen::generate!({ world: \"docs:math/provider@0.1.0\" });

struct Component;

impl exports::docs::math::double::Guest for Component {
    fn double(x: u32) -> u32 {
        x * 2
    }
}

export!(Component);
",
    );
    // `runner` exports nothing: its bindings are of the command world wcomp
    // makes around it, which only the materialized WIT has.
    write(
        dir,
        "runner/src/lib.rs",
        "wit_bindgen::generate!({
    path: \"../target/wcomp/wit/runner\",
    world: \"runner-command\",
    generate_all,
});

use docs::adder::add::add;
use docs::math::double::double;

struct Component;

impl exports::wasi::cli::run::Guest for Component {
    fn run() -> Result<(), ()> {
        println!(\"double(2 + 3) = {}\", double(add(2, 3)));
        Ok(())
    }
}

export!(Component);
",
    );
    write(
        dir,
        "app.toml",
        "[app]
name = \"calc\"
main = \"runner\"

[components.adder]
lang = \"rust\"
path = \"adder\"
world = \"adder\"

[components.doubler]
lang = \"rust\"
path = \"doubler\"
world = \"docs:math/provider@0.1.0\"

[components.runner]
lang = \"rust\"
path = \"runner\"
world = \"runner\"
",
    );

    let cold = build_json(dir, &["-v"]).success();
    assert_eq!(
        statuses(&cold),
        map(&[
            ("adder", "built"),
            ("doubler", "built"),
            ("runner", "built")
        ]),
        "{cold}"
    );
    for (name, world) in [
        ("adder", "docs:adder/adder@0.1.0"),
        ("doubler", "docs:math/provider@0.1.0"),
        ("runner", "docs:adder/runner@0.1.0"),
    ] {
        let line = format!("WIT {name}: world `{world}` from `{name}/wit` (the component's own)");
        assert!(cold.stderr.contains(&line), "no `{line}` in:\n{cold}");
        let summary: serde_json::Value = cold
            .stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .find(|v: &serde_json::Value| v["name"] == name)
            .unwrap();
        assert_eq!(summary["wit"]["from"], "own", "{cold}");
        assert_eq!(summary["wit"]["world"], world, "{cold}");
    }
    wcomp_in(dir, &["compose"]).success();
    let run = wcomp_in(dir, &["run", "composed.wasm"]).success();
    assert_eq!(run.stdout, "double(2 + 3) = 10\n", "{run}");

    let noop = build_json(dir, &[]).success();
    assert_eq!(
        statuses(&noop),
        map(&[
            ("adder", "fresh"),
            ("doubler", "fresh"),
            ("runner", "fresh")
        ]),
        "{noop}"
    );

    // A comment changes no world's meaning, but it is in a file both crates
    // are built from (through their links), so both rebuild.
    let shared = dir.join("wit/adder.wit");
    std::fs::write(
        &shared,
        format!("{SHARED_WIT}\n// Shared by the adder and the runner.\n"),
    )
    .unwrap();
    let edited = build_json(dir, &[]).success();
    assert_eq!(
        statuses(&edited),
        map(&[
            ("adder", "built"),
            ("doubler", "fresh"),
            ("runner", "built")
        ]),
        "{edited}"
    );
    wcomp_in(dir, &["compose"]).success();
    let rerun = wcomp_in(dir, &["run", "composed.wasm"]).success();
    assert_eq!(rerun.stdout, "double(2 + 3) = 10\n", "{rerun}");
}
