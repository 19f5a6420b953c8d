//! `wcomp new --world wasi:http/...`: working handlers from
//! `templates/http/`, their worlds written into the app's `wit/`. Building
//! and serving them is the toolchain tier (`tests/toolchain/serve.rs`).

use crate::support::{repo, run, tree, wcomp, wcomp_in};

/// `(component, lang, --world, template source, its file in the component)`.
const STARTERS: [(&str, &str, &str, &str, &str); 8] = [
    (
        "rust-p2",
        "rust",
        "wasi:http/proxy",
        "rust-0.2/src/lib.rs",
        "src/lib.rs",
    ),
    (
        "rust-p3",
        "rust",
        "wasi:http/service",
        "rust-0.3/src/lib.rs",
        "src/lib.rs",
    ),
    (
        "python-p2",
        "python",
        "wasi:http/proxy@0.2.12",
        "python-0.2/app.py",
        "app.py",
    ),
    (
        "python-p3",
        "python",
        "wasi:http/service@0.3.0",
        "python-0.3/app.py",
        "app.py",
    ),
    ("js-p2", "js", "wasi:http/proxy", "js-0.2/app.js", "app.js"),
    (
        "js-p3",
        "js",
        "wasi:http/service",
        "js-0.3/app.js",
        "app.js",
    ),
    (
        "rust-mw",
        "rust",
        "wasi:http/middleware",
        "rust-middleware-0.3/src/lib.rs",
        "src/lib.rs",
    ),
    (
        "python-mw",
        "python",
        "wasi:http/middleware",
        "python-middleware-0.3/app.py",
        "app.py",
    ),
];

#[test]
fn each_starter_is_its_template_and_its_world_is_in_the_app() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    for (name, lang, world, template, file) in STARTERS {
        let out = wcomp_in(dir, &["new", name, "--lang", lang, "--world", world]).success();
        assert!(
            out.stderr.contains("`wcomp serve composed.wasm`"),
            "{}",
            out.stderr
        );
        let template = std::fs::read_to_string(repo().join("templates/http").join(template))
            .unwrap()
            .replace("{{name}}", name)
            .replace("{{wit_path}}", &format!("../target/wcomp/wit/{name}"))
            .replace("{{world}}", name);
        let written = std::fs::read_to_string(dir.join(name).join(file)).unwrap();
        assert_eq!(
            written, template,
            "{name}: `{file}` is the template, filled in"
        );
    }
    insta::assert_snapshot!("http-new-wit", tree(&dir.join("wit"), None));
    insta::assert_snapshot!(
        "http-new-app-toml",
        std::fs::read_to_string(dir.join("app.toml")).unwrap()
    );
}

/// Starters that do not exist are refused up front, and nothing is written.
#[test]
fn missing_starters_are_refused() {
    for (name, lang, world) in [
        ("js-middleware", "js", "wasi:http/middleware"),
        ("c-handler", "c", "wasi:http/proxy"),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let out = run(
            wcomp()
                .current_dir(dir)
                .args(["new", "api", "--lang", lang, "--world", world]),
            &[(dir, "[CWD]")],
        );
        assert_eq!(out.code, 1, "{out}");
        assert_eq!(
            std::fs::read_dir(dir).unwrap().count(),
            0,
            "{name}: nothing written"
        );
        insta::assert_snapshot!(format!("http-new-refused-{name}"), out.to_string());
    }
}
