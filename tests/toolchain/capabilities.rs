//! Capabilities hold inside the composed binary: a Rust main and a
//! dependency (in Rust, and again in Python) each report what they see of a
//! granted directory and a granted variable, for a WASI 0.2 and a WASI 0.3
//! app, with the default policy and with the dependency granted `files`.

use std::path::Path;

use crate::support::{copy_dir, repo, run, toolchains, wcomp, wcomp_in};

/// Builds the fixture app with `main_world` and a dependency in `dep_lang`,
/// then composes and runs it under each policy.
fn check(main_crate: &str, main_world: &str, dep_lang: &str) {
    toolchains();
    let fixture = repo().join("tests/guests/caps");
    let tmp = tempfile::tempdir().unwrap();
    let app = tmp.path();
    copy_dir(&fixture.join("wit"), &app.join("wit"));
    copy_dir(&fixture.join(main_crate), &app.join("main"));
    let dep = if dep_lang == "rust" {
        "dep-rust"
    } else {
        "dep-py"
    };
    copy_dir(&fixture.join(dep), &app.join("dep"));
    let data = app.join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::write(data.join("secret.txt"), "s3cret\n").unwrap();

    for (policy, extra, dep_sees) in [
        ("default", "", "file=denied env=unset"),
        (
            "files",
            "capabilities = [\"files\"]\n",
            "file=s3cret env=unset",
        ),
        ("all", "capabilities = [\"all\"]\n", "file=s3cret env=hush"),
    ] {
        std::fs::write(
            app.join("app.toml"),
            format!(
                "[app]\nname = \"caps\"\nmain = \"main\"\n\n[components.main]\nlang = \"rust\"\nworld = \"{main_world}\"\n\n[components.dep]\nlang = \"{dep_lang}\"\nworld = \"dep\"\n{extra}"
            ),
        )
        .unwrap();
        wcomp_in(app, &["build", "-q"]).success();
        wcomp_in(app, &["compose", "-q"]).success();
        let out = run(
            wcomp()
                .current_dir(app)
                .args(["run", "-q", "--dir"])
                .arg(format!("{}::/data", data.display()))
                .args([
                    "--env",
                    "SECRET=hush",
                    "composed.wasm",
                    "/data/secret.txt",
                    "SECRET",
                ]),
            &[(Path::new(app), "[APP]")],
        )
        .success();
        assert_eq!(
            out.stdout,
            format!("main: file=s3cret env=hush\ndep:  {dep_sees}\n"),
            "{main_world} app, {dep_lang} dependency, {policy} policy"
        );
    }
}

pub fn wasi_02_app_with_a_rust_dependency() {
    check("main", "main", "rust");
}

pub fn wasi_02_app_with_a_python_dependency() {
    check("main", "main", "python");
}

pub fn wasi_03_app_with_a_rust_dependency() {
    check("main3", "main3", "rust");
}

pub fn wasi_03_app_with_a_python_dependency() {
    check("main3", "main3", "python");
}
