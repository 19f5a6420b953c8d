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
    let build = wcomp_in(dir, &["build"]);
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
