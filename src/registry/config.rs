//! The registry configuration wcomp shares with wkg (wasm-pkg-tools): the
//! same file at the same place (`$XDG_CONFIG_HOME/wasm-pkg/config.toml`, or
//! `--config` / `WKG_CONFIG_FILE`), the same keys, the same way of mapping
//! a package to a registry and an OCI reference, and the same credentials
//! (the file's `auth`, `WKG_REGISTRY_<HOST>_AUTH_BEARER`, Docker's
//! `config.json` and its credential helpers).

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use base64::Engine;
use serde::Deserialize;
use wcomp_compose::PackageName;

use crate::registry::RegistryError;

/// Where wkg looks for registries of these namespaces when the config
/// names none (wkg's `DEFAULT_FALLBACK_NAMESPACE_REGISTRIES`).
const FALLBACK_NAMESPACE_REGISTRIES: [(&str, &str); 2] =
    [("wasi", "wasi.dev"), ("ba", "bytecodealliance.org")];

/// The config file as written; unknown top-level keys are errors, as in wkg.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlConfig {
    default_registry: Option<String>,
    #[serde(default)]
    namespace_registries: HashMap<String, Mapping>,
    #[serde(default)]
    package_registry_overrides: HashMap<String, Mapping>,
    #[serde(default)]
    registry: HashMap<String, toml::Table>,
}

/// A namespace's (or package's) registry: a name, or a name with the
/// metadata that `registry.json` would otherwise give.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Mapping {
    Registry(String),
    Custom {
        registry: String,
        metadata: Metadata,
    },
}

impl Mapping {
    fn registry(&self) -> &str {
        match self {
            Mapping::Registry(registry) | Mapping::Custom { registry, .. } => registry,
        }
    }
}

/// A registry's metadata: `/.well-known/wasm-pkg/registry.json`, or inline
/// in the config.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    preferred_protocol: Option<String>,
    oci: Option<OciMetadata>,
    // wkg's backward-compatible aliases.
    oci_registry: Option<String>,
    oci_namespace_prefix: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OciMetadata {
    registry: Option<String>,
    namespace_prefix: Option<String>,
}

impl Metadata {
    /// The OCI registry packages live in, if it is not the registry itself.
    fn oci_registry(&self) -> Option<&str> {
        self.oci
            .as_ref()
            .and_then(|o| o.registry.as_deref())
            .or(self.oci_registry.as_deref())
    }

    /// What goes before `namespace/name` in a repository.
    fn namespace_prefix(&self) -> Option<&str> {
        self.oci
            .as_ref()
            .and_then(|o| o.namespace_prefix.as_deref())
            .or(self.oci_namespace_prefix.as_deref())
    }

    /// The protocol the registry prefers, if it says (wcomp speaks `oci`).
    pub fn preferred_protocol(&self) -> Option<&str> {
        self.preferred_protocol.as_deref()
    }

    /// Parses `registry.json`.
    pub fn from_json(bytes: &[u8]) -> Result<Self, String> {
        serde_json::from_slice(bytes).map_err(|e| e.to_string())
    }
}

/// `[registry."NAME".oci]`.
#[derive(Debug, Clone, Default, Deserialize)]
struct OciConfig {
    auth: Option<TomlAuth>,
    protocol: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    accept_invalid_certificates: bool,
    #[serde(default)]
    #[allow(dead_code)]
    extra_root_certificates: Vec<toml::Value>,
}

#[derive(Clone, Deserialize)]
#[serde(untagged)]
enum TomlAuth {
    Base64(String),
    UsernamePassword { username: String, password: String },
}

impl std::fmt::Debug for TomlAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TomlAuth(<hidden>)")
    }
}

/// The loaded configuration.
#[derive(Debug, Default)]
pub struct Config {
    /// The file read, if any (named in messages).
    path: Option<PathBuf>,
    default_registry: Option<String>,
    namespace_registries: HashMap<String, Mapping>,
    package_registry_overrides: HashMap<String, Mapping>,
    fallback_namespace_registries: HashMap<String, String>,
    registries: HashMap<String, RegistryConfig>,
}

/// `[registry."NAME"]`: its backend and its OCI settings.
#[derive(Debug, Clone, Default)]
struct RegistryConfig {
    backend: Option<String>,
    oci: OciConfig,
}

/// How to talk to an OCI registry.
pub use crate::net::Scheme;

/// Credentials for a registry, and where they came from (for messages;
/// the secret itself is never shown).
#[derive(Clone)]
pub enum Credentials {
    Anonymous,
    Basic {
        username: String,
        password: String,
        origin: String,
    },
    Bearer {
        token: String,
        origin: String,
    },
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl Credentials {
    /// `for user `ci` (from `~/.docker/config.json`)`, never the secret.
    pub fn describe(&self) -> String {
        match self {
            Credentials::Anonymous => "(none given)".into(),
            Credentials::Basic {
                username, origin, ..
            } => format!("for user `{username}` (from {origin})"),
            Credentials::Bearer { origin, .. } => format!("(a token from {origin})"),
        }
    }
}

/// Everything needed to reach one OCI registry.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// `host[:port]`.
    pub registry: String,
    pub scheme: Scheme,
    pub credentials: Credentials,
}

/// Where a package lives: its OCI registry and repository.
#[derive(Debug, Clone)]
pub struct PackageLocation {
    /// The wasm-pkg registry the namespace maps to.
    pub registry: String,
    pub endpoint: Endpoint,
    /// `{namespacePrefix}{namespace}/{name}`.
    pub repository: String,
}

/// Whether `host` (no port) is a loopback address or `localhost`.
pub fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The host of `host[:port]` (an IPv6 literal keeps its brackets).
pub fn host_of(registry: &str) -> &str {
    if registry.starts_with('[') {
        return registry
            .split_once(']')
            .map_or(registry, |(h, _)| &registry[..h.len() + 1]);
    }
    registry.rsplit_once(':').map_or(registry, |(h, _)| h)
}

impl Config {
    /// The default location: `$XDG_CONFIG_HOME/wasm-pkg/config.toml`, else
    /// `~/.config/wasm-pkg/config.toml` (wkg's, through etcetera).
    pub fn global_path() -> Option<PathBuf> {
        let base = std::env::var_os("XDG_CONFIG_HOME")
            .filter(|v| !v.is_empty() && Path::new(v).is_absolute())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
        Some(base.join("wasm-pkg").join("config.toml"))
    }

    /// Loads `explicit` (`--config` or `WKG_CONFIG_FILE`; it must exist),
    /// else the global file if there is one, on top of wkg's defaults.
    pub fn load(explicit: Option<&Path>) -> Result<Self, RegistryError> {
        if let Some(path) = explicit {
            let text = std::fs::read_to_string(path).map_err(RegistryError::io("read", path))?;
            // An explicit file replaces the defaults, as in wkg.
            return Self::parse(&text, Some(path.to_owned()), false);
        }
        let Some(path) = Self::global_path() else {
            return Self::parse("", None, true);
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::parse(&text, Some(path), true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Self::parse("", None, true),
            Err(e) => Err(RegistryError::io("read", &path)(e)),
        }
    }

    /// Parses config text; `defaults` adds wkg's fallback namespaces.
    pub fn parse(text: &str, path: Option<PathBuf>, defaults: bool) -> Result<Self, RegistryError> {
        let invalid = |reason: String| RegistryError::Config {
            path: path.clone().unwrap_or_else(|| "config.toml".into()),
            reason,
        };
        let raw: TomlConfig = toml::from_str(text).map_err(|e| invalid(e.message().to_owned()))?;
        let mut registries = HashMap::new();
        for (name, mut table) in raw.registry {
            let backend = match table.remove("type").or_else(|| table.remove("default")) {
                Some(toml::Value::String(s)) => Some(s),
                Some(_) => {
                    return Err(invalid(format!(
                        "`registry.\"{name}\".type` is not a string"
                    )));
                }
                None => None,
            };
            let oci = match table.remove("oci") {
                Some(value) => value
                    .try_into::<OciConfig>()
                    .map_err(|e| invalid(format!("`registry.\"{name}\".oci`: {}", e.message())))?,
                None => OciConfig::default(),
            };
            if let Some(protocol) = &oci.protocol
                && !matches!(protocol.as_str(), "http" | "https")
            {
                return Err(invalid(format!(
                    "`registry.\"{name}\".oci.protocol` is `{protocol}`; it is `http` or `https`"
                )));
            }
            registries.insert(name, RegistryConfig { backend, oci });
        }
        Ok(Config {
            path,
            default_registry: raw.default_registry,
            namespace_registries: raw.namespace_registries,
            package_registry_overrides: raw.package_registry_overrides,
            fallback_namespace_registries: if defaults {
                FALLBACK_NAMESPACE_REGISTRIES
                    .iter()
                    .map(|(ns, r)| (ns.to_string(), r.to_string()))
                    .collect()
            } else {
                HashMap::new()
            },
            registries,
        })
    }

    /// The file read, as messages name it.
    pub fn describe_path(&self) -> String {
        match (&self.path, Self::global_path()) {
            (Some(path), _) => path.display().to_string(),
            (None, Some(global)) => format!("{} (none yet)", global.display()),
            (None, None) => "config.toml".into(),
        }
    }

    fn mapping(&self, package: &PackageName) -> Option<&Mapping> {
        self.package_registry_overrides
            .get(&package.to_string())
            .or_else(|| self.namespace_registries.get(package.namespace()))
    }

    /// The registry `package` is published to, as wkg resolves it: the
    /// package's override, its namespace's registry, the default registry,
    /// then wkg's fallbacks.
    pub fn registry_for(&self, package: &PackageName) -> Result<String, RegistryError> {
        self.mapping(package)
            .map(|m| m.registry().to_owned())
            .or_else(|| self.default_registry.clone())
            .or_else(|| {
                self.fallback_namespace_registries
                    .get(package.namespace())
                    .cloned()
            })
            .ok_or_else(|| RegistryError::NoRegistry {
                package: package.to_string(),
                namespace: package.namespace().to_owned(),
                config: self.describe_path(),
            })
    }

    /// The metadata the config gives inline for `package`'s registry, if
    /// any; otherwise the registry's `registry.json` is asked.
    pub fn inline_metadata(&self, package: &PackageName) -> Option<&Metadata> {
        match self.mapping(package)? {
            Mapping::Custom { metadata, .. } => Some(metadata),
            Mapping::Registry(_) => None,
        }
    }

    /// Whether `registry` is configured as something other than OCI (a
    /// `local` folder, warg), which wcomp does not read.
    pub fn backend(&self, registry: &str) -> Option<&str> {
        self.registries.get(registry)?.backend.as_deref()
    }

    /// Where `package` lives, given its registry's metadata.
    pub fn locate(
        &self,
        package: &PackageName,
        registry: &str,
        metadata: &Metadata,
    ) -> PackageLocation {
        let oci_registry = metadata.oci_registry().unwrap_or(registry);
        let repository = format!(
            "{}{}/{}",
            metadata.namespace_prefix().unwrap_or_default(),
            package.namespace(),
            package.name()
        );
        PackageLocation {
            registry: registry.to_owned(),
            endpoint: self.endpoint_for(registry, oci_registry),
            repository,
        }
    }

    /// How to reach the OCI registry `registry` named directly (`push`,
    /// `pull`).
    pub fn endpoint(&self, registry: &str) -> Endpoint {
        self.endpoint_for(registry, registry)
    }

    /// The OCI registry `oci_registry`, with the settings of the
    /// configured registry `configured` (wkg reads a package registry's
    /// `[registry.NAME.oci]` for the OCI registry its metadata names).
    pub fn endpoint_for(&self, configured: &str, oci_registry: &str) -> Endpoint {
        let oci = self
            .registries
            .get(configured)
            .or_else(|| self.registries.get(oci_registry))
            .map(|r| r.oci.clone())
            .unwrap_or_default();
        let scheme = match oci.protocol.as_deref() {
            Some("http") => Scheme::Http,
            Some(_) => Scheme::Https,
            None if is_loopback(host_of(oci_registry)) => Scheme::Http,
            None => Scheme::Https,
        };
        let credentials = credentials(oci_registry, oci.auth.as_ref(), &self.describe_path());
        Endpoint {
            registry: oci_registry.to_owned(),
            scheme,
            credentials,
        }
    }
}

/// `WKG_REGISTRY_<REGISTRY>_AUTH_BEARER`: the registry upper-cased, every
/// character that is not a letter or digit made `_`.
pub fn bearer_env_var(registry: &str) -> String {
    let sanitized: String = registry
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("WKG_REGISTRY_{sanitized}_AUTH_BEARER")
}

/// The credentials for `registry`, looked for as wkg does: the bearer
/// variable, the config's `auth`, then Docker's config.
fn credentials(registry: &str, auth: Option<&TomlAuth>, config_path: &str) -> Credentials {
    let var = bearer_env_var(registry);
    if let Ok(token) = std::env::var(&var)
        && !token.is_empty()
    {
        return Credentials::Bearer {
            token,
            origin: format!("`{var}`"),
        };
    }
    let origin = format!("`{config_path}`");
    match auth {
        Some(TomlAuth::UsernamePassword { username, password }) => {
            return Credentials::Basic {
                username: username.clone(),
                password: password.clone(),
                origin,
            };
        }
        Some(TomlAuth::Base64(encoded)) => {
            if let Some((username, password)) = decode_basic(encoded) {
                return Credentials::Basic {
                    username,
                    password,
                    origin,
                };
            }
        }
        None => {}
    }
    docker_credentials(registry).unwrap_or(Credentials::Anonymous)
}

/// `user:password`, base64-encoded (padding optional).
fn decode_basic(encoded: &str) -> Option<(String, String)> {
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    let bytes = engine.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// Docker's `config.json` (`$DOCKER_CONFIG`, else `~/.docker`).
fn docker_config_path() -> Option<PathBuf> {
    match std::env::var_os("DOCKER_CONFIG") {
        Some(dir) => Some(PathBuf::from(dir).join("config.json")),
        None => Some(PathBuf::from(std::env::var_os("HOME")?).join(".docker/config.json")),
    }
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DockerConfig {
    #[serde(default)]
    auths: HashMap<String, DockerAuth>,
    creds_store: Option<String>,
    #[serde(default)]
    cred_helpers: HashMap<String, String>,
}

#[derive(Default, Deserialize)]
struct DockerAuth {
    auth: Option<String>,
    username: Option<String>,
    password: Option<String>,
}

/// The registry a `config.json` key names: `https://ghcr.io/v1/` is
/// `ghcr.io`.
fn docker_key_host(key: &str) -> &str {
    let key = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    key.split('/').next().unwrap_or(key)
}

fn docker_credentials(registry: &str) -> Option<Credentials> {
    let path = docker_config_path()?;
    let text = std::fs::read_to_string(&path).ok()?;
    docker_credentials_from(&text, registry, &path.display().to_string())
}

/// Credentials for `registry` from a Docker `config.json`: a credential
/// helper if one is configured for it (or `credsStore`), else `auths`.
fn docker_credentials_from(text: &str, registry: &str, path: &str) -> Option<Credentials> {
    let config: DockerConfig = serde_json::from_str(text).ok()?;
    let origin = format!("`{path}`");
    let helper = config
        .cred_helpers
        .iter()
        .find(|(key, _)| docker_key_host(key) == registry)
        .map(|(_, helper)| helper)
        .or(config.creds_store.as_ref());
    if let Some(helper) = helper
        && let Some(creds) = credential_helper(helper, registry)
    {
        return Some(creds);
    }
    let entry = config
        .auths
        .iter()
        .find(|(key, _)| docker_key_host(key) == registry)
        .map(|(_, auth)| auth)?;
    let (username, password) = match (&entry.auth, &entry.username, &entry.password) {
        (Some(auth), _, _) => decode_basic(auth)?,
        (None, Some(user), Some(password)) => (user.clone(), password.clone()),
        _ => return None,
    };
    Some(Credentials::Basic {
        username,
        password,
        origin,
    })
}

/// Asks `docker-credential-<helper> get` for `registry`'s credentials.
fn credential_helper(helper: &str, registry: &str) -> Option<Credentials> {
    use std::io::Write;
    let program = format!("docker-credential-{helper}");
    let mut child = std::process::Command::new(&program)
        .arg("get")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(registry.as_bytes()).ok()?;
    let output = child.wait_with_output().ok()?;
    if !output.status.success() {
        return None;
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Answer {
        username: String,
        secret: String,
    }
    let answer: Answer = serde_json::from_slice(&output.stdout).ok()?;
    let origin = format!("`{program}`");
    Some(if answer.username == "<token>" {
        Credentials::Bearer {
            token: answer.secret,
            origin,
        }
    } else {
        Credentials::Basic {
            username: answer.username,
            password: answer.secret,
            origin,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pkg(name: &str) -> PackageName {
        name.parse().unwrap()
    }

    #[test]
    fn packages_map_to_registries_and_references_as_in_wkg() {
        let config = Config::parse(
            r#"
            default_registry = "example.com"

            [namespace_registries]
            wasi = "wasi.dev"
            test = { registry = "localhost:1234", metadata = { preferredProtocol = "oci", "oci" = { registry = "ghcr.io", namespacePrefix = "webassembly/" } } }

            [package_registry_overrides]
            "example:foo" = "127.0.0.1:5000"

            [registry."wasi.dev".oci]
            auth = { username = "open", password = "sesame" }

            [registry."127.0.0.1:5000".oci]
            protocol = "https"
            "#,
            None,
            true,
        )
        .unwrap();
        assert_eq!(config.registry_for(&pkg("wasi:http")).unwrap(), "wasi.dev");
        assert_eq!(
            config.registry_for(&pkg("example:foo")).unwrap(),
            "127.0.0.1:5000"
        );
        assert_eq!(
            config.registry_for(&pkg("docs:adder")).unwrap(),
            "example.com"
        );

        let test = pkg("test:thing");
        let meta = config.inline_metadata(&test).unwrap().clone();
        let location = config.locate(&test, "localhost:1234", &meta);
        assert_eq!(location.endpoint.registry, "ghcr.io");
        assert_eq!(location.repository, "webassembly/test/thing");
        assert_eq!(location.endpoint.scheme, Scheme::Https);

        let plain = config.locate(&pkg("docs:adder"), "example.com", &Metadata::default());
        assert_eq!(plain.repository, "docs/adder");

        // Loopback is plain HTTP unless the config says otherwise.
        assert_eq!(config.endpoint("127.0.0.1:5001").scheme, Scheme::Http);
        assert_eq!(config.endpoint("[::1]:5000").scheme, Scheme::Http);
        assert_eq!(config.endpoint("127.0.0.1:5000").scheme, Scheme::Https);
        assert_eq!(config.endpoint("ghcr.io").scheme, Scheme::Https);

        let wasi = config.endpoint("wasi.dev");
        assert!(
            matches!(&wasi.credentials, Credentials::Basic { username, password, .. } if username == "open" && password == "sesame")
        );
        assert!(!format!("{:?}", wasi.credentials).contains("sesame"));
    }

    #[test]
    fn an_explicit_file_has_no_fallbacks_and_bad_keys_are_named() {
        let config = Config::parse("", Some("c.toml".into()), false).unwrap();
        let err = config.registry_for(&pkg("wasi:http")).unwrap_err();
        assert!(matches!(err, RegistryError::NoRegistry { .. }));
        let defaults = Config::parse("", None, true).unwrap();
        assert_eq!(
            defaults.registry_for(&pkg("wasi:http")).unwrap(),
            "wasi.dev"
        );

        let err =
            Config::parse("default_registy = \"x\"", Some("c.toml".into()), false).unwrap_err();
        assert!(err.to_string().contains("c.toml"), "{err}");
        let err =
            Config::parse("[registry.\"x\".oci]\nprotocol = \"ftp\"", None, false).unwrap_err();
        assert!(matches!(err, RegistryError::Config { reason, .. } if reason.contains("`ftp`")));
    }

    #[test]
    fn base64_auth_and_docker_config_are_read() {
        let config = Config::parse(
            "[registry.\"r.io\".oci]\nauth = \"cGluZzpwb25n\"",
            None,
            false,
        )
        .unwrap();
        assert!(
            matches!(config.endpoint("r.io").credentials, Credentials::Basic { username, password, .. } if username == "ping" && password == "pong")
        );
        let docker = r#"{"auths": {"https://ghcr.io/v1/": {"auth": "dTpw"}, "other.io": {"username": "a", "password": "b"}}}"#;
        let ghcr = docker_credentials_from(docker, "ghcr.io", "config.json").unwrap();
        assert!(
            matches!(ghcr, Credentials::Basic { username, password, .. } if username == "u" && password == "p")
        );
        assert!(docker_credentials_from(docker, "other.io", "c").is_some());
        assert!(docker_credentials_from(docker, "none.io", "c").is_none());
        assert_eq!(
            bearer_env_var("localhost:1234"),
            "WKG_REGISTRY_LOCALHOST_1234_AUTH_BEARER"
        );
    }

    #[test]
    fn registry_json_is_read_with_its_aliases() {
        let meta = Metadata::from_json(br#"{"preferredProtocol":"oci","oci":{"registry":"ghcr.io","namespacePrefix":"bytecodealliance/wasm-pkg/"}}"#).unwrap();
        assert_eq!(meta.oci_registry(), Some("ghcr.io"));
        assert_eq!(meta.preferred_protocol.as_deref(), Some("oci"));
        let old =
            Metadata::from_json(br#"{"ociRegistry":"r.io","ociNamespacePrefix":"p/"}"#).unwrap();
        assert_eq!(
            (old.oci_registry(), old.namespace_prefix()),
            (Some("r.io"), Some("p/"))
        );
        assert_eq!(host_of("127.0.0.1:5000"), "127.0.0.1");
        assert_eq!(host_of("[::1]:5000"), "[::1]");
    }
}
