//! The CNCF Wasm OCI artifact
//! (<https://tag-runtime.cncf.io/wgs/wasm/deliverables/wasm-oci-artifact/>),
//! as wkg and oci-wasm write it: an OCI image manifest whose config is
//! `application/vnd.wasm.config.v0+json` (the world's imports and exports)
//! and whose one layer is the `application/wasm` component, with the OCI
//! annotations `wkg publish` sets.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::registry::digest::Digest;

pub const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.wasm.config.v0+json";
pub const LAYER_MEDIA_TYPE: &str = "application/wasm";

/// The OCI annotations wkg writes: the layer's file name, the version.
pub const TITLE: &str = "org.opencontainers.image.title";
pub const VERSION: &str = "org.opencontainers.image.version";
/// When the artifact was made (also the config's `created`).
pub const CREATED: &str = "org.opencontainers.image.created";

/// The custom sections of a component's metadata (as `wasm-tools metadata
/// add` and wasm-metadata write them, each a UTF-8 string) and the OCI
/// annotation each becomes. The first five are the ones `wkg publish`
/// copies; `revision` has an OCI annotation of its own too.
pub const METADATA_ANNOTATIONS: [(&str, &str); 6] = [
    ("description", "org.opencontainers.image.description"),
    ("licenses", "org.opencontainers.image.licenses"),
    ("source", "org.opencontainers.image.source"),
    ("homepage", "org.opencontainers.image.url"),
    ("authors", "org.opencontainers.image.authors"),
    ("revision", "org.opencontainers.image.revision"),
];

/// A content descriptor.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    pub media_type: String,
    pub digest: String,
    pub size: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
}

/// An OCI image manifest.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    pub schema_version: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    pub config: Descriptor,
    #[serde(default)]
    pub layers: Vec<Descriptor>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
}

/// The Wasm config blob (oci-wasm's `WasmConfig`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WasmConfig {
    pub created: String,
    pub author: Option<String>,
    pub architecture: String,
    pub os: String,
    pub layer_digests: Vec<String>,
    pub component: Option<ComponentInfo>,
}

/// What a component imports and exports (or what a WIT package defines).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ComponentInfo {
    pub exports: Vec<String>,
    pub imports: Vec<String>,
    pub target: Option<String>,
}

/// What a component file says about itself: its world's interfaces, and
/// the package name and version it carries, if any.
pub struct Described {
    pub info: ComponentInfo,
    /// `ns:name` and version, from the WIT package of its world (wkg's
    /// rule), if it has a version.
    pub package: Option<(String, Option<semver::Version>)>,
}

/// Reads a component (or a WIT package encoded as one).
pub fn describe(bytes: &[u8]) -> Result<Described, String> {
    match bytes.get(..8) {
        Some([0, b'a', b's', b'm', 0x0d, 0, 1, 0]) => {}
        Some([0, b'a', b's', b'm', 1, 0, 0, 0]) => {
            return Err(
                "it is a core WebAssembly module; componentize it first (`wcomp build` does)"
                    .into(),
            );
        }
        _ => return Err("it is not a WebAssembly file".into()),
    }
    let decoded = wit_component::decode(bytes).map_err(|e| format!("{e:#}"))?;
    let resolve = decoded.resolve();
    let (info, package_id) = match &decoded {
        wit_component::DecodedWasm::Component(resolve, world_id) => {
            let world = &resolve.worlds[*world_id];
            let names =
                |items: &wit_parser::IndexMap<wit_parser::WorldKey, wit_parser::WorldItem>| {
                    items
                        .keys()
                        .map(|k| resolve.name_world_key(k))
                        .collect::<Vec<_>>()
                };
            (
                ComponentInfo {
                    exports: names(&world.exports),
                    imports: names(&world.imports),
                    target: None,
                },
                world.package,
            )
        }
        wit_component::DecodedWasm::WitPackage(resolve, package_id) => {
            let package = &resolve.packages[*package_id];
            let mut exports: Vec<String> = Vec::new();
            for world_id in package.worlds.values() {
                let world = &resolve.worlds[*world_id];
                exports.extend(world.exports.keys().map(|k| resolve.name_world_key(k)));
                let mut qualified = format!(
                    "{}:{}/{}",
                    package.name.namespace, package.name.name, world.name
                );
                if let Some(version) = &package.name.version {
                    qualified.push_str(&format!("@{version}"));
                }
                exports.push(qualified);
            }
            exports.extend(
                package
                    .interfaces
                    .values()
                    .filter_map(|id| resolve.id_of(*id)),
            );
            exports.sort();
            exports.dedup();
            (
                ComponentInfo {
                    exports,
                    imports: Vec::new(),
                    target: None,
                },
                Some(*package_id),
            )
        }
    };
    let package = package_id.map(|id| {
        let name = &resolve.packages[id].name;
        (
            format!("{}:{}", name.namespace, name.name),
            name.version.clone(),
        )
    });
    Ok(Described { info, package })
}

/// The OCI annotations of a component (or WIT package) read from its own
/// metadata, its top-level custom sections ([`METADATA_ANNOTATIONS`]; the
/// modules and components inside it have their own, as wasm-metadata
/// reads them); a section that is not UTF-8 is left out. With the time it
/// is published, as `org.opencontainers.image.created`.
pub fn annotations(bytes: &[u8]) -> BTreeMap<String, String> {
    let mut annotations = BTreeMap::from([(CREATED.to_owned(), created())]);
    let mut depth = 0usize;
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        match payload {
            Ok(wasmparser::Payload::ModuleSection { .. })
            | Ok(wasmparser::Payload::ComponentSection { .. }) => depth += 1,
            Ok(wasmparser::Payload::End(_)) => depth = depth.saturating_sub(1),
            Ok(wasmparser::Payload::CustomSection(section)) if depth == 0 => {
                let key = METADATA_ANNOTATIONS
                    .iter()
                    .find(|(name, _)| *name == section.name());
                if let (Some((_, key)), Ok(text)) = (key, std::str::from_utf8(section.data())) {
                    annotations.insert((*key).to_owned(), text.to_owned());
                }
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    annotations
}

/// The config blob and manifest for `layer`, titled `title`, with the
/// manifest annotations `annotations`. Returns (config bytes, manifest
/// bytes).
pub fn build(
    layer: &[u8],
    info: ComponentInfo,
    title: &str,
    annotations: BTreeMap<String, String>,
) -> (Vec<u8>, Vec<u8>) {
    let layer_digest = Digest::of(layer).to_string();
    let config = WasmConfig {
        created: created(),
        author: None,
        architecture: "wasm".into(),
        os: "wasip2".into(),
        layer_digests: vec![layer_digest.clone()],
        component: Some(info),
    };
    let config = serde_json::to_vec(&config).expect("a config serializes");
    let manifest = Manifest {
        schema_version: 2,
        media_type: Some(MANIFEST_MEDIA_TYPE.into()),
        artifact_type: None,
        config: Descriptor {
            media_type: CONFIG_MEDIA_TYPE.into(),
            digest: Digest::of(&config).to_string(),
            size: config.len() as u64,
            annotations: None,
        },
        layers: vec![Descriptor {
            media_type: LAYER_MEDIA_TYPE.into(),
            digest: layer_digest,
            size: layer.len() as u64,
            annotations: Some(BTreeMap::from([(TITLE.to_owned(), title.to_owned())])),
        }],
        annotations: (!annotations.is_empty()).then_some(annotations),
    };
    let manifest = serde_json::to_vec(&manifest).expect("a manifest serializes");
    (config, manifest)
}

/// The one Wasm layer of a manifest, or why it is not a Wasm component
/// artifact.
pub fn wasm_layer(
    manifest_bytes: &[u8],
    media_type: &str,
) -> Result<(Manifest, Descriptor), String> {
    let manifest: Manifest = serde_json::from_slice(manifest_bytes)
        .map_err(|_| format!("its manifest (`{media_type}`) is not an OCI image manifest"))?;
    let kind = manifest.media_type.as_deref().unwrap_or(media_type);
    if kind.contains("index") || kind.contains("manifest.list") {
        return Err(format!(
            "it is an image index (`{kind}`), not a single artifact"
        ));
    }
    if manifest.config.media_type != CONFIG_MEDIA_TYPE {
        return Err(format!(
            "its config is `{}`, not `{CONFIG_MEDIA_TYPE}` (a container image?)",
            manifest.config.media_type
        ));
    }
    let wasm: Vec<&Descriptor> = manifest
        .layers
        .iter()
        .filter(|l| l.media_type == LAYER_MEDIA_TYPE)
        .collect();
    match wasm.as_slice() {
        [one] => {
            let layer = (*one).clone();
            Ok((manifest, layer))
        }
        [] => Err(format!("it has no `{LAYER_MEDIA_TYPE}` layer")),
        _ => Err(format!(
            "it has {} `{LAYER_MEDIA_TYPE}` layers; a component has one",
            wasm.len()
        )),
    }
}

/// The config's `created`: `SOURCE_DATE_EPOCH` if set (reproducible
/// pushes), else now, as RFC 3339 in UTC.
fn created() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
        });
    rfc3339(secs)
}

/// Seconds since the epoch as `YYYY-MM-DDTHH:MM:SSZ` (Howard Hinnant's
/// civil-from-days).
fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_709_251_199), "2024-02-29T23:59:59Z");
    }

    #[test]
    fn annotations_come_from_the_top_level_metadata() {
        let component = wat::parse_str(
            r#"(component
                (core module (@custom "description" "the inner module's"))
                (@custom "description" "Adds two numbers")
                (@custom "licenses" "Apache-2.0 WITH LLVM-exception")
                (@custom "source" "https://github.com/acme/adder")
                (@custom "homepage" "https://acme.dev/adder")
                (@custom "authors" "Ada <ada@acme.dev>")
                (@custom "revision" "80a8d16")
                (@custom "salt" "not an annotation"))"#,
        )
        .unwrap();
        let found = annotations(&component);
        let key = |k: &str| {
            found
                .get(&format!("org.opencontainers.image.{k}"))
                .map(String::as_str)
        };
        assert_eq!(key("description"), Some("Adds two numbers"));
        assert_eq!(key("licenses"), Some("Apache-2.0 WITH LLVM-exception"));
        assert_eq!(key("source"), Some("https://github.com/acme/adder"));
        assert_eq!(key("url"), Some("https://acme.dev/adder"));
        assert_eq!(key("authors"), Some("Ada <ada@acme.dev>"));
        assert_eq!(key("revision"), Some("80a8d16"));
        assert!(key("created").is_some_and(|c| c.ends_with('Z')));
        assert_eq!(found.len(), 7, "{found:?}");
        assert_eq!(
            annotations(&wat::parse_str("(component)").unwrap()).len(),
            1
        );
    }

    #[test]
    fn manifests_have_the_cncf_layout_and_are_read_back() {
        let info = ComponentInfo {
            exports: vec!["docs:adder/add@0.1.0".into()],
            imports: vec![],
            target: None,
        };
        let annotations = BTreeMap::from([(VERSION.to_owned(), "0.1.0".to_owned())]);
        let (config, manifest) = build(b"\0asm", info, "adder.wasm", annotations);
        let json: serde_json::Value = serde_json::from_slice(&manifest).unwrap();
        assert_eq!(json["mediaType"], MANIFEST_MEDIA_TYPE);
        assert_eq!(json["config"]["mediaType"], CONFIG_MEDIA_TYPE);
        assert_eq!(json["config"]["digest"], Digest::of(&config).to_string());
        assert_eq!(json["layers"][0]["annotations"][TITLE], "adder.wasm");
        assert_eq!(json["annotations"][VERSION], "0.1.0");
        let config: serde_json::Value = serde_json::from_slice(&config).unwrap();
        assert_eq!(config["layerDigests"][0], Digest::of(b"\0asm").to_string());
        assert_eq!(config["os"], "wasip2");

        let (_, layer) = wasm_layer(&manifest, MANIFEST_MEDIA_TYPE).unwrap();
        assert_eq!(layer.size, 4);
        let image = br#"{"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:00","size":1},"layers":[]}"#;
        assert!(
            wasm_layer(image, MANIFEST_MEDIA_TYPE)
                .unwrap_err()
                .contains("container image")
        );
    }
}
