//! C and C++ guests built with the pinned zig and checked against their
//! world, composed with Rust, Python and JavaScript components, and the
//! diagnostics of bad input. Their scaffolds are snapshotted by the
//! hermetic tier.

use crate::support::{
    copy_dir, repo, run, scaffold_kinds, stub_fails, toolchains, wcomp, wcomp_in,
};

const LANGS: [&str; 2] = ["c", "cpp"];

/// Toolchain tier: every scaffold builds as generated, exports exactly its
/// world, the starters greet, and a stub fails with its message.
pub fn scaffolds_build_as_generated_and_export_their_world() {
    toolchains();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let components = scaffold_kinds(dir, &LANGS);
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
            .collect();
        let expected: &[&str] = match world {
            None | Some("consumer") => &["wasi:cli/run@0.2"],
            Some("types") => &["wcomp:kinds/shapes@0.1.0", "func version"],
            Some("resources") => &["wcomp:kinds/counters@0.1.0"],
            Some("streams") => &["wcomp:kinds/pipes@0.1.0"],
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

    for lang in LANGS {
        let wasm = dir.join(format!("target/wcomp/{lang}-types.wasm"));
        stub_fails(&wasm, "version()", "version");
    }

    // Nothing changed: nothing is rebuilt.
    let again = wcomp_in(dir, &["build", "--json"]).success();
    assert!(!again.stdout.contains("\"built\""), "{again}");
}

/// Toolchain tier: an async C export reads a `stream<u8>` through the
/// callback ABI and returns its length, under the host's async runtime.
pub fn async_stream_export_in_c_runs() {
    toolchains();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    copy_dir(&repo().join("tests/wit/kinds"), &dir.join("wit"));
    wcomp_in(
        dir,
        &["new", "counter", "--lang", "c", "--world", "streams"],
    )
    .success();
    std::fs::copy(
        repo().join("tests/guests/c-count.c"),
        dir.join("counter/src/counter.c"),
    )
    .unwrap();
    wcomp_in(dir, &["build"]).success();
    let data = dir.join("data.bin");
    // Several reads' worth, not a multiple of the guest's 64 KiB buffer.
    std::fs::write(&data, vec![7u8; 3 << 20 | 12345]).unwrap();
    let out = run(
        wcomp()
            .args(["run", "-q", "--invoke"])
            .arg(format!("count(@{})", data.display()))
            .arg(dir.join("target/wcomp/counter.wasm")),
        &[],
    )
    .success();
    assert_eq!(out.stdout.trim(), (3u64 << 20 | 12345).to_string());
}

/// The WIT of the composition test: a command in C or C++ calling a Rust, a
/// Python and a JavaScript component.
const MIX_WIT: &str = r#"package mix:app;

interface rust-side {
  record shout { text: string, marks: u8 }
  upper: func(s: string, marks: u8) -> shout;
}

interface py-side {
  words: func(s: string) -> list<string>;
}

interface js-side {
  longest: func(words: list<string>) -> option<string>;
}

world cli {
  import rust-side;
  import py-side;
  import js-side;
  export wasi:cli/run@0.2.12;
}

world rust-lib { export rust-side; }
world py-lib { export py-side; }
world js-lib { export js-side; }
"#;

const MIX_RUST: &str = r#"wit_bindgen::generate!({ path: "../wit", world: "rust-lib", generate_all });

use exports::mix::app::rust_side::{Guest, Shout};

struct Component;
export!(Component);

impl Guest for Component {
    fn upper(s: String, marks: u8) -> Shout {
        Shout { text: s.to_uppercase(), marks }
    }
}
"#;

const MIX_PY: &str = r#"from typing import List

from wit_world import exports


class PySide(exports.PySide):
    def words(self, s: str) -> List[str]:
        return s.split()
"#;

const MIX_JS: &str = r#"export const jsSide = {
  longest(words) {
    let best;
    for (const w of words) if (best === undefined || w.length > best.length) best = w;
    return best;
  },
};
"#;

/// The body of `run` in C and C++ (the same code compiles as both).
const MIX_RUN: &str = r#"
bool exports_wasi_cli_run_run(void) {
  cli_string_t text;
  cli_string_set(&text, "components in four languages");

  mix_app_rust_side_shout_t shout;
  mix_app_rust_side_upper(&text, 3, &shout);
  printf("%s -> rust: %.*s", LANG, (int)shout.text.len, (const char *)shout.text.ptr);
  for (int i = 0; i < shout.marks; i++) putchar('!');
  putchar('\n');

  cli_list_string_t words;
  mix_app_py_side_words(&text, &words);
  printf("%s -> python: %zu words\n", LANG, words.len);

  cli_string_t longest;
  if (mix_app_js_side_longest(&words, &longest)) {
    printf("%s -> js: longest is %.*s\n", LANG, (int)longest.len, (const char *)longest.ptr);
    cli_string_free(&longest);
  }
  mix_app_rust_side_shout_free(&shout);
  cli_list_string_free(&words);
  fflush(stdout);
  return true;
}
"#;

/// Toolchain tier: a C command and a C++ command, each composed with a Rust,
/// a Python and a JS component, run and print what the others return.
pub fn c_and_cpp_compose_with_rust_python_and_js() {
    toolchains();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("wit/deps")).unwrap();
    std::fs::write(dir.join("wit/app.wit"), MIX_WIT).unwrap();
    copy_dir(&repo().join("wit/wasi-0.2"), &dir.join("wit/deps"));
    for (name, lang, world) in [
        ("c-cli", "c", "cli"),
        ("cpp-cli", "cpp", "cli"),
        ("rs", "rust", "rust-lib"),
        ("py", "python", "py-lib"),
        ("js", "js", "js-lib"),
    ] {
        wcomp_in(dir, &["new", name, "--lang", lang, "--world", world]).success();
    }
    let include = "#include <stdio.h>\n#include \"cli.h\"\n";
    std::fs::write(
        dir.join("c-cli/src/c-cli.c"),
        format!("{include}#define LANG \"c\"\n{MIX_RUN}"),
    )
    .unwrap();
    std::fs::write(
        dir.join("cpp-cli/src/cpp-cli.cpp"),
        format!("{include}#define LANG \"c++\"\n{MIX_RUN}"),
    )
    .unwrap();
    std::fs::write(dir.join("rs/src/lib.rs"), MIX_RUST).unwrap();
    std::fs::write(dir.join("py/app.py"), MIX_PY).unwrap();
    std::fs::write(dir.join("js/app.js"), MIX_JS).unwrap();
    wcomp_in(dir, &["build"]).success();

    let manifest = std::fs::read_to_string(dir.join("app.toml")).unwrap();
    for (main, lang) in [("c-cli", "c"), ("cpp-cli", "c++")] {
        let text = manifest.replace("main = \"c-cli\"", &format!("main = \"{main}\""));
        std::fs::write(dir.join("app.toml"), text).unwrap();
        wcomp_in(dir, &["compose"]).success();
        let out = run(
            wcomp().args(["run", "-q"]).arg(dir.join("composed.wasm")),
            &[],
        )
        .success();
        assert_eq!(
            out.stdout,
            format!(
                "{lang} -> rust: COMPONENTS IN FOUR LANGUAGES!!!\n{lang} -> python: 4 words\n{lang} -> js: longest is components\n"
            ),
            "{out}"
        );
    }
}

/// Toolchain tier: compile errors name the component, the file and line
/// and show the compiler's message; a missing `src/` and an export left
/// undefined are explained; flags from app.toml reach the compiler.
pub fn bad_c_input_is_explained() {
    toolchains();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    wcomp_in(dir, &["new", "hello", "--lang", "c"]).success();
    let source = dir.join("hello/src/hello.c");
    let good = std::fs::read_to_string(&source).unwrap();
    let filtered = |out: crate::support::Run| {
        out.to_string()
            .lines()
            .filter(|l| !l.contains("Building"))
            .map(|l| match l.find("[HOME]/zig/") {
                // Where pip put the compiler varies with the host's Python.
                Some(i) => format!("{}[ZIG] ...", &l[..i]),
                None => l.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("\n")
    };

    std::fs::write(
        &source,
        good.replace("  fflush(stdout);", "  fflush(stdout);\n  undeclared = 1;"),
    )
    .unwrap();
    let out = wcomp_in(dir, &["build"]);
    assert_eq!(out.code, 1, "{out}");
    assert!(out.stderr.contains("`src/hello.c:"), "{out}");
    insta::assert_snapshot!("build-c-compile-error", filtered(out));

    std::fs::write(
        &source,
        good.replace(
            "bool exports_wasi_cli_run_run(void) {",
            "bool not_the_export(void) {",
        ),
    )
    .unwrap();
    let out = wcomp_in(dir, &["build"]);
    assert_eq!(out.code, 1, "{out}");
    assert!(
        out.stderr
            .contains("undefined symbol: exports_wasi_cli_run_run"),
        "{out}"
    );
    assert!(
        out.stderr.contains("every export needs a definition"),
        "{out}"
    );

    // Flags from app.toml: a macro the source needs to compile.
    std::fs::write(&source, good.replace("Hello from", "\" GREETING \" from")).unwrap();
    let manifest = dir.join("app.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        text.replace(
            "lang = \"c\"",
            "lang = \"c\"\ncflags = [\"-DGREETING=\\\"Howdy\\\"\"]",
        ),
    )
    .unwrap();
    // `--release` shrinks it: optimized by wasm-opt, its names and debug
    // sections gone (unless kept), and it behaves the same.
    let wasm = dir.join("target/wcomp/hello.wasm");
    let howdy = || run(wcomp().args(["run", "-q"]).arg(&wasm), &[]).success();
    let release = wcomp_in(dir, &["build", "--release"]).success();
    assert!(
        release.stderr.contains("as built, 2 modules optimized)"),
        "{release}"
    );
    assert_eq!(howdy().stdout, "Howdy from hello!\n");
    let sections = custom_sections(&wasm);
    assert!(
        !sections
            .iter()
            .any(|s| s.contains("name") || s.starts_with(".debug")),
        "{sections:?}"
    );
    wcomp_in(dir, &["build", "--release", "--keep-names"]).success();
    assert_eq!(howdy().stdout, "Howdy from hello!\n");
    let sections = custom_sections(&wasm);
    assert!(sections.iter().any(|s| s == "name"), "{sections:?}");
    assert!(
        sections.iter().any(|s| s == "component-name"),
        "{sections:?}"
    );

    std::fs::rename(dir.join("hello/src"), dir.join("hello/sources")).unwrap();
    let out = wcomp_in(dir, &["build"]);
    assert_eq!(out.code, 1, "{out}");
    insta::assert_snapshot!("build-c-no-src", filtered(out));
}

/// The names of the custom sections of the binary at `path`, at every
/// level of nesting.
fn custom_sections(path: &std::path::Path) -> Vec<String> {
    let bytes = std::fs::read(path).unwrap();
    wasmparser::Parser::new(0)
        .parse_all(&bytes)
        .filter_map(|payload| match payload.unwrap() {
            wasmparser::Payload::CustomSection(s) => Some(s.name().to_owned()),
            _ => None,
        })
        .collect()
}
