//! Go guests built with the pinned Go: every synchronous world shape, the
//! component-docs calculator with a Go adder under Rust components, and the
//! diagnostics of bad Go. Their scaffolds (and the refusal of async worlds)
//! are snapshotted by the hermetic tier.

use std::path::Path;

use crate::support::{copy_dir, repo, run, stub_fails, toolchains, wcomp, wcomp_in};

/// The shapes of `tests/wit/shapes` Go can implement (the async ones are
/// refused up front).
const SYNC_SHAPES: [&str; 6] = [
    "imports-only",
    "functions",
    "both-ways",
    "includes",
    "imported-resources",
    "exported-resources",
];

/// Toolchain tier: a starter and every synchronous shape build as
/// scaffolded; the starter greets, and a stub fails with its message.
pub fn every_sync_shape_builds_in_go() {
    toolchains();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    copy_dir(&repo().join("tests/wit/shapes"), &dir.join("wit"));
    wcomp_in(dir, &["new", "hello", "--lang", "go"]).success();
    for shape in SYNC_SHAPES {
        wcomp_in(dir, &["new", shape, "--lang", "go", "--world", shape]).success();
    }
    let build = wcomp_in(dir, &["build"]);
    assert_eq!(build.code, 0, "{build}");

    let component = |name: &str| dir.join(format!("target/wcomp/{name}.wasm"));
    let hello = run(wcomp().arg("run").arg(component("hello")), &[]).success();
    assert_eq!(hello.stdout, "Hello from hello!\n");
    stub_fails(&component("functions"), "add(1, 2)", "Add");
}

/// Toolchain tier: the acceptance. From the component-docs
/// calculator WIT, a Go `adder` (filled in with `x + y`) under a Rust
/// calculator and a Rust command: `1 + 2 = 3`.
pub fn go_adder_composes_under_a_rust_calculator() {
    toolchains();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    calculator_wit(dir);
    wcomp_in(
        dir,
        &["new", "adder-go", "--lang", "go", "--world", "adder"],
    )
    .success();
    wcomp_in(
        dir,
        &[
            "new",
            "calculator",
            "--lang",
            "rust",
            "--world",
            "calculator",
        ],
    )
    .success();
    wcomp_in(dir, &["new", "cli", "--lang", "rust", "--world", "app"]).success();
    edit(
        &dir.join("adder-go/export_docs_adder_add/docs_adder_add.go"),
        "panic(\"`Add` is not implemented yet\")",
        "return x + y",
    );
    edit(
        &dir.join("calculator/src/lib.rs"),
        "unimplemented!(\"`docs:calculator/calculate@0.1.0#eval-expression` is not implemented yet\")",
        "match op { calculate::Op::Add => docs::adder::add::add(x, y) }",
    );
    let cli = dir.join("cli/src/lib.rs");
    let text = std::fs::read_to_string(&cli).unwrap();
    let start = text.find("        println!(\"Hello from cli!\");").unwrap();
    let end = text.find("        Ok(())").unwrap();
    let call = "        use docs::calculator::calculate::{eval_expression, Op};\n        println!(\"1 + 2 = {}\", eval_expression(Op::Add, 1, 2));\n";
    std::fs::write(&cli, format!("{}{call}{}", &text[..start], &text[end..])).unwrap();
    edit(
        &dir.join("app.toml"),
        "main = \"adder-go\"",
        "main = \"cli\"",
    );

    let build = wcomp_in(dir, &["build"]);
    assert_eq!(build.code, 0, "{build}");
    wcomp_in(dir, &["compose", "-q"]).success();
    let out = run(
        wcomp().args(["run", "-q"]).arg(dir.join("composed.wasm")),
        &[],
    )
    .success();
    assert_eq!(out.stdout, "1 + 2 = 3\n");
}

/// Toolchain tier: a Go syntax error shows the compiler's message at its
/// file and line; a missing export names the WIT function and the Go
/// function to write.
pub fn bad_go_input_is_explained() {
    toolchains();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    calculator_wit(dir);
    wcomp_in(dir, &["new", "adder", "--lang", "go", "--world", "adder"]).success();
    let source = dir.join("adder/export_docs_adder_add/docs_adder_add.go");
    edit(
        &source,
        "panic(\"`Add` is not implemented yet\")",
        "return x +",
    );
    let syntax = wcomp_in(dir, &["build"]);
    assert_ne!(syntax.code, 0, "{syntax}");
    assert!(
        syntax
            .stderr
            .contains("`export_docs_adder_add/docs_adder_add.go:9:1`: syntax error"),
        "{syntax}"
    );

    std::fs::write(&source, "package export_docs_adder_add\n").unwrap();
    let missing = wcomp_in(dir, &["build"]);
    assert_ne!(missing.code, 0, "{missing}");
    assert!(
        missing.stderr.contains(
            "`docs:adder/add@0.1.0#add` is `func Add` in package `export_docs_adder_add`"
        ),
        "{missing}"
    );
}

/// The component-docs calculator WIT: `docs:calculator` in `wit/`, and
/// `docs:adder` under `wit/deps/`.
fn calculator_wit(dir: &Path) {
    let wit = dir.join("wit");
    std::fs::create_dir_all(wit.join("deps/adder")).unwrap();
    std::fs::write(
        wit.join("deps/adder/world.wit"),
        "package docs:adder@0.1.0;\n\ninterface add {\n    add: func(x: u32, y: u32) -> u32;\n}\n\nworld adder {\n    export add;\n}\n",
    )
    .unwrap();
    std::fs::write(
        wit.join("calculator.wit"),
        "package docs:calculator@0.1.0;\n\ninterface calculate {\n    enum op {\n        add,\n    }\n    eval-expression: func(op: op, x: u32, y: u32) -> u32;\n}\n\nworld calculator {\n    export calculate;\n    import docs:adder/add@0.1.0;\n}\n\nworld app {\n    import calculate;\n}\n",
    )
    .unwrap();
}

/// Replaces `from` (which must be there) by `to` in the file at `path`.
fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{}: {text}", path.display());
    std::fs::write(path, text.replace(from, to)).unwrap();
}
