//! `wcomp inspect` of components built by each language's real toolchain.

use crate::support::{run, wcomp};

/// Components built by each language's real toolchain: the world, the
/// imports and exports, and the producing language.
pub fn real_components() {
    // Not every toolchain records a `language`: Rust's std on wasip2 leaves
    // only wit-bindgen in `processed-by`, and componentize-py only its Rust
    // runtime and pre-initializer.
    for (guest, field, producer) in [
        ("rust-hello-p2", "processed-by", "wit-bindgen-rust"),
        ("py-lib", "processed-by", "component-init-transform"),
        ("js-lib", "language", "JavaScript"),
    ] {
        let wasm = crate::support::guest(guest);
        let out = run(wcomp().arg("inspect").arg(&wasm).arg("--json"), &[]).success();
        let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        assert!(json["size"].as_u64().unwrap() > 10_000, "{guest}: {json:#}");
        assert!(
            json["producers"][field].get(producer).is_some(),
            "{guest}: expected {producer} in {field}: {json:#}"
        );
        insta::assert_snapshot!(
            format!("inspect-{guest}"),
            format!(
                "imports: {}\nexports: {}\n\n{}",
                json["imports"],
                json["exports"],
                json["wit"].as_str().unwrap()
            )
        );
    }
}
