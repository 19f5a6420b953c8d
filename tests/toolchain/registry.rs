//! Registries, against a real `docker-registry` on loopback and the
//! reference client, wkg 0.16.1: a package pushed by wkg built into an
//! app, composed and run, then again offline with the registry stopped;
//! what `wcomp publish` writes fetched byte-identical by `wkg get` and seen
//! by skopeo with the CNCF media types and the annotations; a login; WIT
//! packages published by `wkg publish`, fetched by `wcomp new --world` and
//! `[wit.deps]`, built against and run, offline from the lock and from the
//! cache alone; and every bad input, each leaving nothing written.

use std::path::Path;
use std::process::Command;

use crate::support::registry::{self, PASSWORD, Registry, USER, adder, tool, wkg};
use crate::support::{Run, run, toolchains, wcomp};

/// `wcomp ARGS` in `dir`, reading the wkg config `config`.
fn wcomp_with(dir: &Path, config: &Path, args: &[&str]) -> Run {
    run(
        wcomp()
            .current_dir(dir)
            .env("WKG_CONFIG_FILE", config)
            .args(args),
        &[(dir, "[CWD]")],
    )
}

/// An error run, as a snapshot shows it: the registry's port and the
/// digests (which hold timestamps) filtered out.
fn shown(run: &Run, registry: &str) -> String {
    let text = format!("exit: {}\n{}", run.code, run.stderr).replace(registry, "127.0.0.1:[PORT]");
    let mut out = String::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find("sha256:") {
        out.push_str(&rest[..at]);
        let hex_len = rest[at + 7..]
            .chars()
            .take_while(char::is_ascii_hexdigit)
            .count();
        out.push_str(if hex_len == 64 {
            "sha256:[DIGEST]"
        } else {
            "sha256:"
        });
        rest = &rest[at + 7 + hex_len..];
    }
    out.push_str(rest);
    out
}

/// The app of the acceptance: a Rust command that prints `add(2, 3)`, its
/// adder a published package.
fn calc_app(dir: &Path) {
    let wit = dir.join("wit");
    crate::support::copy_dir(
        &crate::support::repo().join("wit/wasi-0.2"),
        &wit.join("deps"),
    );
    std::fs::create_dir_all(wit.join("deps/adder")).unwrap();
    std::fs::write(
        wit.join("deps/adder/adder.wit"),
        "package docs:adder@0.1.0;\n\ninterface add {\n  add: func(a: u32, b: u32) -> u32;\n}\n",
    )
    .unwrap();
    std::fs::write(
        wit.join("calc.wit"),
        "package docs:calc@0.1.0;\n\nworld cli {\n  import docs:adder/add@0.1.0;\n  export wasi:cli/run@0.2.12;\n}\n",
    )
    .unwrap();
    crate::support::wcomp_in(dir, &["new", "cli", "--lang", "rust", "--world", "cli"]).success();
    let lib = dir.join("cli/src/lib.rs");
    let source = std::fs::read_to_string(&lib).unwrap().replace(
        "println!(\"Hello from cli!\");",
        "println!(\"2 + 3 = {}\", docs::adder::add::add(2, 3));",
    );
    std::fs::write(&lib, source).unwrap();
    let manifest = dir.join("app.toml");
    let mut text = std::fs::read_to_string(&manifest).unwrap();
    text.push_str("\n[components.adder]\npackage = \"docs:adder@0.1\"\n");
    std::fs::write(&manifest, text).unwrap();
}

/// The acceptance: `docs:adder@0.1`, pushed by wkg, fetched, locked,
/// built, composed and run; then offline with the registry stopped; and
/// the lock's guards (`--locked`, `--offline` on a cold cache).
pub fn a_package_pushed_by_wkg_builds_composes_and_runs_offline() {
    toolchains();
    let mut reg = Registry::start(false);
    let tmp = tempfile::tempdir().unwrap();
    let config = reg.wkg_config(tmp.path(), "");
    let adder_wasm = tmp.path().join("adder.wasm");
    // Bytes of their own, so that the shared cache does not hold them yet.
    let salt = format!("{:?}", std::time::SystemTime::now());
    std::fs::write(&adder_wasm, adder(&salt)).unwrap();
    // At the references `wkg publish` derives (`<registry>/docs/adder:<version>`),
    // through `wkg oci push`: wkg 0.16.1's `publish` takes only WIT packages
    // and components whose world's package has a version (a runnable
    // component's never has one; `--package` is applied after that check).
    for version in ["0.1.0", "0.1.1", "0.2.0"] {
        tool(
            Command::new(wkg())
                .args(["oci", "push", "--insecure", &reg.addr])
                .arg(format!("{}/docs/adder:{version}", reg.addr))
                .arg(&adder_wasm),
        );
    }

    let app = tmp.path().join("calc");
    calc_app(&app);
    let built = wcomp_with(&app, &config, &["build"]).success();
    assert!(
        built.stderr.contains("Fetched adder (docs:adder@0.1.1"),
        "{built}"
    );
    let lock = std::fs::read_to_string(app.join("wcomp.lock")).unwrap();
    assert!(
        lock.contains("version = \"0.1.1\"") && lock.contains("/docs/adder:0.1.1\""),
        "{lock}"
    );
    wcomp_with(&app, &config, &["compose", "--locked"]).success();
    let ran = wcomp_with(&app, &config, &["run", "composed.wasm"]).success();
    assert_eq!(ran.stdout, "2 + 3 = 5\n");

    // Offline, the registry gone: the lock and the cache are enough.
    reg.stop();
    std::fs::remove_dir_all(app.join("target/wcomp")).unwrap();
    std::fs::remove_file(app.join("composed.wasm")).unwrap();
    let offline = wcomp_with(&app, &config, &["build", "--offline"]).success();
    assert!(
        offline.stderr.contains("Cached adder (docs:adder@0.1.1"),
        "{offline}"
    );
    wcomp_with(&app, &config, &["compose", "--offline", "--locked"]).success();
    let ran = wcomp_with(&app, &config, &["run", "composed.wasm"]).success();
    assert_eq!(ran.stdout, "2 + 3 = 5\n");
    assert_eq!(
        std::fs::read_to_string(app.join("wcomp.lock")).unwrap(),
        lock
    );

    // The guards, each refusing before anything is written.
    let mut errors = String::new();
    let cold = tempfile::tempdir().unwrap();
    let cold_run = run(
        wcomp()
            .current_dir(&app)
            .env("WKG_CONFIG_FILE", &config)
            .env("WCOMP_HOME", cold.path())
            .args(["compose", "--offline"]),
        &[(&app, "[CWD]")],
    );
    errors.push_str(&format!(
        "== --offline, cold cache\n{}",
        shown(&cold_run, &reg.addr)
    ));
    let manifest = std::fs::read_to_string(app.join("app.toml")).unwrap();
    std::fs::write(
        app.join("app.toml"),
        manifest.replace("docs:adder@0.1", "docs:adder@0.2"),
    )
    .unwrap();
    let stale = wcomp_with(&app, &config, &["build", "--locked"]);
    errors.push_str(&format!(
        "\n== --locked, a requirement the lock cannot meet\n{}",
        shown(&stale, &reg.addr)
    ));
    let down = wcomp_with(&app, &config, &["build"]);
    errors.push_str(&format!(
        "\n== the registry stopped\n{}",
        shown(&down, &reg.addr)
    ));
    assert_eq!(
        std::fs::read_to_string(app.join("wcomp.lock")).unwrap(),
        lock
    );
    insta::assert_snapshot!("registry-lock-guards", errors);
}

/// Interop both ways and the artifact layout: wcomp publishes, wkg gets
/// the same bytes; wkg pushes, wcomp pulls (by tag and by digest) and
/// pushes again as a no-op; skopeo sees the CNCF media types. Then the
/// bad inputs against the same registry.
pub fn interop_with_wkg_and_skopeo_and_bad_input() {
    let reg = Registry::start(false);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let config = reg.wkg_config(dir, "");
    std::fs::write(dir.join("adder.wasm"), adder("interop")).unwrap();

    let published = wcomp_with(
        dir,
        &config,
        &["publish", "adder.wasm", "--package", "docs:adder@1.0.0"],
    )
    .success();
    assert!(
        published.stderr.contains(&format!(
            "Published `adder.wasm` as `{}/docs/adder:1.0.0`",
            reg.addr
        )),
        "{published}"
    );
    let again = wcomp_with(
        dir,
        &config,
        &["publish", "adder.wasm", "--package", "docs:adder@1.0.0"],
    )
    .success();
    assert!(again.stderr.contains("Unchanged"), "{again}");
    assert_eq!(again.stdout, published.stdout, "the same manifest digest");
    tool(
        Command::new(wkg())
            .args(["get", "docs:adder@1.0.0", "-o"])
            .arg(dir.join("by-wkg.wasm"))
            .env("WKG_CONFIG_FILE", &config)
            .env("WKG_CACHE_DIR", dir.join("wkg-cache")),
    );
    assert_eq!(
        std::fs::read(dir.join("by-wkg.wasm")).unwrap(),
        adder("interop")
    );

    let inspected = tool(
        Command::new(registry::skopeo())
            .args(["inspect", "--raw", "--tls-verify=false"])
            .arg(format!("docker://{}/docs/adder:1.0.0", reg.addr)),
    );
    let manifest: serde_json::Value = serde_json::from_str(&inspected).unwrap();
    assert_eq!(
        manifest["mediaType"],
        "application/vnd.oci.image.manifest.v1+json"
    );
    assert_eq!(
        manifest["config"]["mediaType"],
        "application/vnd.wasm.config.v0+json"
    );
    assert_eq!(manifest["layers"].as_array().unwrap().len(), 1);
    assert_eq!(manifest["layers"][0]["mediaType"], "application/wasm");
    assert_eq!(
        manifest["layers"][0]["annotations"]["org.opencontainers.image.title"],
        "adder.wasm"
    );
    assert_eq!(
        manifest["annotations"]["org.opencontainers.image.version"],
        "1.0.0"
    );

    // The component's metadata becomes the annotations `wkg publish` writes.
    let described = wat::parse_str(
        r#"(component
            (@custom "description" "Adds two numbers")
            (@custom "licenses" "Apache-2.0")
            (@custom "source" "https://github.com/acme/adder")
            (@custom "homepage" "https://acme.dev/adder")
            (@custom "authors" "Ada <ada@acme.dev>")
            (@custom "revision" "80a8d16"))"#,
    )
    .unwrap();
    std::fs::write(dir.join("described.wasm"), described).unwrap();
    wcomp_with(
        dir,
        &config,
        &[
            "publish",
            "described.wasm",
            "--package",
            "docs:described@1.0.0",
        ],
    )
    .success();
    let inspected = tool(
        Command::new(registry::skopeo())
            .args(["inspect", "--raw", "--tls-verify=false"])
            .arg(format!("docker://{}/docs/described:1.0.0", reg.addr)),
    );
    let manifest: serde_json::Value = serde_json::from_str(&inspected).unwrap();
    let annotations = &manifest["annotations"];
    for (key, value) in [
        ("version", "1.0.0"),
        ("description", "Adds two numbers"),
        ("licenses", "Apache-2.0"),
        ("source", "https://github.com/acme/adder"),
        ("url", "https://acme.dev/adder"),
        ("authors", "Ada <ada@acme.dev>"),
        ("revision", "80a8d16"),
    ] {
        assert_eq!(
            annotations[format!("org.opencontainers.image.{key}")],
            value,
            "{inspected}"
        );
    }
    assert!(annotations["org.opencontainers.image.created"].is_string());

    // wkg pushes, wcomp pulls.
    std::fs::write(dir.join("other.wasm"), adder("pushed by wkg")).unwrap();
    let reference = format!("{}/acme/other:2.0.0", reg.addr);
    tool(
        Command::new(wkg())
            .args(["oci", "push", "--insecure", &reg.addr, &reference])
            .arg(dir.join("other.wasm")),
    );
    let pulled = wcomp_with(dir, &config, &["pull", &reference, "-o", "pulled.wasm"]).success();
    assert_eq!(
        std::fs::read(dir.join("pulled.wasm")).unwrap(),
        adder("pushed by wkg")
    );
    let by_digest = format!("{}/acme/other@{}", reg.addr, pulled.stdout.trim());
    wcomp_with(dir, &config, &["pull", &by_digest, "-o", "by-digest.wasm"]).success();
    assert_eq!(
        std::fs::read(dir.join("by-digest.wasm")).unwrap(),
        adder("pushed by wkg")
    );
    let pushed = wcomp_with(dir, &config, &["push", &reference, "pulled.wasm"]).success();
    assert!(pushed.stderr.contains("Unchanged"), "{pushed}");
    assert_eq!(
        pushed.stdout, pulled.stdout,
        "a push of the same bytes is a no-op"
    );

    // Bad input: each a clear error, nothing written.
    let errors = std::cell::RefCell::new(String::new());
    let case = |title: &str, args: &[&str]| {
        let failed = wcomp_with(dir, &config, args);
        case_text(&mut errors.borrow_mut(), title, &failed, &reg.addr);
    };
    let app = dir.join("app");
    std::fs::create_dir_all(&app).unwrap();
    for (name, package) in [("unknown", "docs:nope@1"), ("no-match", "docs:adder@3")] {
        std::fs::write(
            app.join("app.toml"),
            format!(
                "[app]\nname = \"a\"\nmain = \"x\"\n\n[components.x]\npackage = \"{package}\"\n"
            ),
        )
        .unwrap();
        case(name, &["compose", "app/app.toml"]);
    }
    assert!(!app.join("wcomp.lock").exists() && !app.join("target").exists());
    case(
        "other bytes under a published version",
        &["publish", "other.wasm", "--package", "docs:adder@1.0.0"],
    );
    std::fs::write(dir.join("module.wasm"), wat::parse_str("(module)").unwrap()).unwrap();
    case(
        "a core module",
        &[
            "push",
            &format!("{}/acme/module:1", reg.addr),
            "module.wasm",
        ],
    );
    // A container image (as skopeo copies an OCI layout) is not a component.
    let image = oci_layout(dir);
    tool(
        Command::new(registry::skopeo())
            .args(["copy", "--dest-tls-verify=false"])
            .arg(format!("oci:{}:latest", image.display()))
            .arg(format!("docker://{}/acme/image:1", reg.addr)),
    );
    case(
        "not a component",
        &[
            "pull",
            &format!("{}/acme/image:1", reg.addr),
            "-o",
            "image.wasm",
        ],
    );
    // A registry that serves other bytes than the digest it names.
    std::fs::write(reg.blob_file(&adder_digest("interop")), b"tampered").unwrap();
    let cold = tempfile::tempdir().unwrap();
    let tampered = run(
        wcomp()
            .current_dir(dir)
            .env("WKG_CONFIG_FILE", &config)
            .env("WCOMP_HOME", cold.path())
            .args([
                "pull",
                &format!("{}/docs/adder:1.0.0", reg.addr),
                "-o",
                "tampered.wasm",
            ]),
        &[(dir, "[CWD]")],
    );
    case_text(&mut errors.borrow_mut(), "tampered", &tampered, &reg.addr);
    case(
        "unreachable",
        &["pull", "127.0.0.1:9/acme/app:1", "-o", "x.wasm"],
    );
    case("bad reference", &["pull", "127.0.0.1:9/Acme/app:1"]);
    for file in ["image.wasm", "tampered.wasm", "x.wasm"] {
        assert!(!dir.join(file).exists(), "{file} written");
    }
    insta::assert_snapshot!("registry-bad-input", errors.into_inner());
}

/// Appends a failed run to a transcript of bad-input cases.
#[track_caller]
fn case_text(errors: &mut String, title: &str, failed: &Run, registry: &str) {
    assert_ne!(failed.code, 0, "{failed}");
    errors.push_str(&format!("== {title}\n{}\n", shown(failed, registry)));
}

fn adder_digest(salt: &str) -> String {
    use sha2::Digest;
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(adder(salt))))
}

/// A one-layer OCI image layout (an ordinary container image config) in
/// `dir/image`, for skopeo to copy.
fn oci_layout(dir: &Path) -> std::path::PathBuf {
    use sha2::Digest;
    let root = dir.join("image");
    let blobs = root.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    let put = |bytes: &[u8]| {
        let hex = hex::encode(sha2::Sha256::digest(bytes));
        std::fs::write(blobs.join(&hex), bytes).unwrap();
        (format!("sha256:{hex}"), bytes.len())
    };
    let (layer, layer_size) = put(b"not a tarball, not wasm");
    let (config, config_size) =
        put(br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#);
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{config}","size":{config_size}}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"{layer}","size":{layer_size}}}]}}"#
    );
    let (manifest, manifest_size) = put(manifest.as_bytes());
    std::fs::write(root.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    std::fs::write(
        root.join("index.json"),
        format!(
            r#"{{"schemaVersion":2,"manifests":[{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{manifest}","size":{manifest_size},"annotations":{{"org.opencontainers.image.ref.name":"latest"}}}}]}}"#
        ),
    )
    .unwrap();
    root
}

/// Basic auth (htpasswd): no credentials, wrong ones (never echoed), then
/// the right ones from Docker's `config.json`.
pub fn a_registry_with_a_login() {
    let reg = Registry::start(true);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("adder.wasm"), adder("login")).unwrap();
    let reference = format!("{}/acme/adder:1.0.0", reg.addr);
    let plain = reg.wkg_config(dir, "");
    let anonymous = wcomp_with(dir, &plain, &["push", &reference, "adder.wasm"]);
    let wrong_config = dir.join("wrong.toml");
    std::fs::write(
        &wrong_config,
        format!("[registry.\"{}\".oci]\nauth = {{ username = \"{USER}\", password = \"wrong-secret-42\" }}\n", reg.addr),
    )
    .unwrap();
    let wrong = wcomp_with(dir, &wrong_config, &["push", &reference, "adder.wasm"]);
    assert!(
        !wrong.stderr.contains("wrong-secret-42") && !wrong.stdout.contains("wrong-secret-42"),
        "{wrong}"
    );
    insta::assert_snapshot!(
        "registry-login",
        format!(
            "== no credentials\n{}\n== wrong password\n{}",
            shown(&anonymous, &reg.addr),
            shown(&wrong, &reg.addr).replace(&wrong_config.display().to_string(), "[CONFIG]")
        )
    );

    // Docker's config.json, as `docker login` writes it.
    use base64::Engine;
    let docker = dir.join("docker");
    std::fs::create_dir_all(&docker).unwrap();
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"));
    std::fs::write(
        docker.join("config.json"),
        format!(r#"{{"auths": {{"{}": {{"auth": "{auth}"}}}}}}"#, reg.addr),
    )
    .unwrap();
    let with_login = |args: &[&str]| {
        run(
            wcomp()
                .current_dir(dir)
                .env("WKG_CONFIG_FILE", &plain)
                .env("DOCKER_CONFIG", &docker)
                .args(args),
            &[(dir, "[CWD]")],
        )
    };
    with_login(&["push", &reference, "adder.wasm"]).success();
    with_login(&["pull", &reference, "-o", "back.wasm"]).success();
    assert_eq!(
        std::fs::read(dir.join("back.wasm")).unwrap(),
        adder("login")
    );
}

/// `wit` (a folder, with its `deps/`) encoded as a WIT package, as `wkg
/// wit build` writes it.
fn wit_package(dir: &Path, wit: &[(&str, &str)]) -> std::path::PathBuf {
    std::fs::create_dir_all(dir.join("deps")).unwrap();
    for (file, text) in wit {
        std::fs::write(dir.join(file), text).unwrap();
    }
    let mut resolve = wit_parser::Resolve::default();
    let (id, _) = resolve.push_dir(dir).unwrap();
    let path = dir.with_extension("wasm");
    std::fs::write(&path, wit_component::encode(&resolve, id, false).unwrap()).unwrap();
    path
}

/// `[wit.deps]` and `wcomp new --world` on WIT packages `wkg publish`
/// published: a world fetched by `new`, the package it imports from
/// `[wit.deps]`, both locked, built into a Rust component, composed and
/// run; offline from the lock, then from the cache alone; and each bad
/// reference refused with nothing written. Also checks why `wkg publish`
/// (0.16.1) refuses a component, as the book says.
pub fn wit_packages_published_by_wkg_build_and_run() {
    toolchains();
    let mut reg = Registry::start(false);
    let tmp = tempfile::tempdir().unwrap();
    let config = reg.wkg_config(tmp.path(), "");
    let adder_wit = |version: &str| {
        format!(
            "package docs:adder@{version};\n\ninterface add {{\n  add: func(a: u32, b: u32) -> u32;\n}}\n\nworld adder {{\n  export add;\n}}\n"
        )
    };
    let calc_wit = "package docs:calc@0.1.0;\n\nworld cli {\n  import docs:adder/add@0.1.0;\n  export wasi:cli/run@0.2.12;\n}\n";
    let wit = tmp.path().join("wit");
    let mut published = Vec::new();
    for version in ["0.1.0", "0.2.0"] {
        let text = adder_wit(version);
        published.push(wit_package(
            &wit.join(format!("adder-{version}")),
            &[("adder.wit", &text)],
        ));
    }
    let calc = wit.join("calc");
    crate::support::copy_dir(
        &crate::support::repo().join("wit/wasi-0.2"),
        &calc.join("deps"),
    );
    std::fs::create_dir_all(calc.join("deps/adder")).unwrap();
    std::fs::write(calc.join("deps/adder/adder.wit"), adder_wit("0.1.0")).unwrap();
    published.push(wit_package(&calc, &[("calc.wit", calc_wit)]));
    for package in &published {
        tool(
            Command::new(wkg())
                .arg("publish")
                .arg(package)
                .env("WKG_CONFIG_FILE", &config)
                .env("WKG_CACHE_DIR", tmp.path().join("wkg-cache")),
        );
    }

    // `new` fetches the world's package; `[wit.deps]` adds the one it imports.
    let app = tmp.path().join("calc");
    std::fs::create_dir_all(&app).unwrap();
    let new = wcomp_with(
        &app,
        &config,
        &[
            "new",
            "cli",
            "--lang",
            "rust",
            "--world",
            "docs:calc/cli@0.1.0",
        ],
    )
    .success();
    // Fetched, or cached by an earlier run (the bytes are the same).
    assert!(new.stderr.contains(" WIT docs:calc@0.1.0 ("), "{new}");
    let manifest = std::fs::read_to_string(app.join("app.toml")).unwrap();
    assert!(
        manifest.contains("[wit.deps]\n\"docs:calc\" = \"=0.1.0\""),
        "{manifest}"
    );
    std::fs::write(app.join("adder.wasm"), adder("wit deps")).unwrap();
    std::fs::write(
        app.join("app.toml"),
        format!(
            "{manifest}\"docs:adder\" = \"0.1\"\n\n[components.adder]\nwasm = \"adder.wasm\"\n"
        ),
    )
    .unwrap();
    let lib = app.join("cli/src/lib.rs");
    let source = std::fs::read_to_string(&lib).unwrap().replace(
        "println!(\"Hello from cli!\");",
        "println!(\"2 + 3 = {}\", docs::adder::add::add(2, 3));",
    );
    std::fs::write(&lib, source).unwrap();
    let built = wcomp_with(&app, &config, &["build"]).success();
    assert!(built.stderr.contains(" WIT docs:adder@0.1.0 ("), "{built}");
    let lock = std::fs::read_to_string(app.join("wcomp.lock")).unwrap();
    for reference in ["/docs/adder:0.1.0\"", "/docs/calc:0.1.0\""] {
        assert!(lock.contains(reference), "{lock}");
    }
    wcomp_with(&app, &config, &["compose", "--locked"]).success();
    let ran = wcomp_with(&app, &config, &["run", "composed.wasm"]).success();
    assert_eq!(ran.stdout, "2 + 3 = 5\n");

    let bad = wit_errors(&app, &config, &reg);

    // wkg 0.16.1 takes a component's package from its decoded world, whose
    // package is always `root:component` without a version, before
    // `--package` is applied: `wkg publish` cannot publish a component.
    let refused = Command::new(wkg())
        .arg("publish")
        .arg(app.join("adder.wasm"))
        .args(["--package", "docs:adder-impl@1.0.0"])
        .env("WKG_CONFIG_FILE", &config)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        !refused.status.success() && said.contains("component package version not found"),
        "{said}"
    );

    // Offline, the registry gone: from the lock, then from the cache alone.
    reg.stop();
    std::fs::remove_dir_all(app.join("target/wcomp")).unwrap();
    let offline = wcomp_with(&app, &config, &["build", "--offline", "--locked"]).success();
    assert!(
        offline.stderr.contains("Cached WIT docs:adder@0.1.0"),
        "{offline}"
    );
    std::fs::remove_file(app.join("wcomp.lock")).unwrap();
    std::fs::remove_file(app.join("composed.wasm")).unwrap();
    wcomp_with(&app, &config, &["compose", "--offline"]).success();
    assert_eq!(
        std::fs::read_to_string(app.join("wcomp.lock")).unwrap(),
        lock
    );
    let ran = wcomp_with(&app, &config, &["run", "composed.wasm"]).success();
    assert_eq!(ran.stdout, "2 + 3 = 5\n");
    insta::assert_snapshot!("registry-wit-bad-input", bad);
}

/// `wcomp new --world` on packages that cannot be fetched as WIT: each an
/// error naming the reference, and nothing written.
fn wit_errors(app: &Path, config: &Path, reg: &Registry) -> String {
    // A component where a WIT package is expected.
    tool(
        Command::new(wkg())
            .args(["oci", "push", "--insecure", &reg.addr])
            .arg(format!("{}/docs/impl:1.0.0", reg.addr))
            .arg(app.join("adder.wasm")),
    );
    let before = std::fs::read_to_string(app.join("app.toml")).unwrap();
    let lock = std::fs::read_to_string(app.join("wcomp.lock")).unwrap();
    let mut errors = String::new();
    for (title, world) in [
        ("unknown package", "docs:nope/cli@1.0.0"),
        ("no matching version", "docs:adder/adder@0.3.0"),
        ("not a WIT package", "docs:impl/adder@1.0.0"),
    ] {
        let failed = wcomp_with(
            app,
            config,
            &["new", "x", "--lang", "rust", "--world", world],
        );
        case_text(&mut errors, title, &failed, &reg.addr);
    }
    assert!(!app.join("x").exists());
    assert_eq!(
        std::fs::read_to_string(app.join("app.toml")).unwrap(),
        before
    );
    assert_eq!(
        std::fs::read_to_string(app.join("wcomp.lock")).unwrap(),
        lock
    );
    errors
}
