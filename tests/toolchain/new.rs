//! `wcomp new` then `wcomp build`: every language × a set of worlds builds
//! with the real toolchain as generated and exports exactly its world. The
//! generated text itself is snapshotted by the hermetic tier.

use crate::support::{
    copy_dir, repo, run, scaffold_kinds, stub_fails, toolchains, wcomp, wcomp_in,
};

const LANGS: [&str; 3] = ["rust", "python", "js"];

pub fn scaffolds_build_as_generated_and_export_their_world() {
    toolchains();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let components = scaffold_kinds(dir, &LANGS);

    // One build of every component, as generated, with the real toolchains.
    // Few of them run: their code is compiled when they do, not by the
    // build (which `toolchain::interrupted_install_...` tests).
    let build = wcomp_in(dir, &["build", "--no-compile"]);
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
    let wasm = dir.join("target/wcomp/python-types.wasm");
    stub_fails(&wasm, "version()", "version");
}

/// Every world shape of `tests/wit/shapes` scaffolds and builds as
/// generated in every language that can implement it, and exports exactly
/// its world (the build checks the output against the world).
pub fn every_world_shape_builds_in_every_language() {
    toolchains();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    copy_dir(&repo().join("tests/wit/shapes"), &dir.join("wit"));
    let shapes = [
        "imports-only",
        "functions",
        "both-ways",
        "includes",
        "imported-resources",
        "exported-resources",
        "async-streams",
        "async-imports",
    ];
    for shape in shapes {
        for lang in LANGS {
            if lang == "js" && shape == "async-imports" {
                // Refused up front: a hermetic case checks the diagnostic.
                continue;
            }
            let name = format!("{lang}-{shape}");
            wcomp_in(dir, &["new", &name, "--lang", lang, "--world", shape]).success();
        }
    }
    wcomp_in(
        dir,
        &[
            "new",
            "provider",
            "--lang",
            "python",
            "--world",
            "settings-provider",
        ],
    )
    .success();
    // One of the 40 components runs: its code is compiled then.
    let build = wcomp_in(dir, &["build", "--no-compile"]);
    assert_eq!(build.code, 0, "{build}");
    // The first component, `main`, is the command made around the
    // imports-only world: it composes with the provider, runs, and says
    // what it could call.
    wcomp_in(dir, &["compose", "-q"]).success();
    let out = run(
        wcomp().args(["run", "-q"]).arg(dir.join("composed.wasm")),
        &[],
    )
    .success();
    assert!(
        out.stdout.contains("wcomp:shapes/settings@0.1.0#get"),
        "{out}"
    );
}

/// `wcomp new --test-for` a prebuilt component, in an app without WIT, as a
/// user would: the test component is scaffolded in Rust, its cases written,
/// built by cargo, and `wcomp test` runs each case in an instance of its
/// own against the real component, a failing case with its message.
pub fn a_test_component_for_a_prebuilt_component_builds_and_runs_its_cases() {
    toolchains();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let adder = repo().join("tests/cases/_fixtures/test-app/adder.wat");
    std::fs::write(dir.join("adder.wasm"), wat::parse_file(adder).unwrap()).unwrap();
    std::fs::write(
        dir.join("app.toml"),
        "[app]\nname = \"adder\"\nmain = \"adder\"\n\n[components.adder]\nwasm = \"adder.wasm\"\n",
    )
    .unwrap();
    wcomp_in(
        dir,
        &["new", "checks", "--lang", "rust", "--test-for", "adder"],
    )
    .success();
    let lib = dir.join("checks/src/lib.rs");
    let generated = std::fs::read_to_string(&lib).unwrap();
    let stubs = generated
        .find("#[allow(unused_variables)]")
        .expect("the stubs");
    let cases = r#"impl cases::Guest for Component {
    fn list_cases() -> Vec<String> {
        vec!["adds".into(), "wraps".into()]
    }

    fn run_case(name: String) -> Result<(), String> {
        use docs::adder::add::add;
        match name.as_str() {
            "adds" if add(1, 2) == 3 => Ok(()),
            "wraps" => Err(format!("u32::MAX + 1 is {}", add(u32::MAX, 1))),
            _ => Err(format!("`{name}` failed")),
        }
    }
}
"#;
    std::fs::write(&lib, format!("{}{cases}", &generated[..stubs])).unwrap();
    wcomp_in(dir, &["build"]).success();

    let test = wcomp_in(dir, &["test", "-j", "1"]);
    assert_eq!(test.code, 1, "{test}");
    assert!(
        test.stderr
            .contains("Running the cases of 1 test component"),
        "{test}"
    );
    assert!(test.stdout.contains("test checks: adds ... ok"), "{test}");
    assert!(
        test.stdout.contains("test checks: wraps ... FAILED"),
        "{test}"
    );
    assert!(
        test.stdout.contains(r#"+ err("u32::MAX + 1 is 0")"#),
        "{test}"
    );
    assert!(test.stdout.ends_with("1 passed, 1 failed\n"), "{test}");

    // A filter picks the listed cases by name.
    let one = wcomp_in(dir, &["test", "adds"]);
    assert_eq!(one.code, 0, "{one}");
    assert!(one.stdout.ends_with("1 passed, 0 failed\n"), "{one}");
}
