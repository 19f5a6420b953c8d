//! What can go wrong between wcomp and a registry, each case with what a
//! person needs to fix it: the registry and the reference tried, never a
//! secret.

use std::path::PathBuf;

/// A registry operation failed; nothing was written.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum RegistryError {
    #[error("cannot reach registry `{registry}`: {reason}")]
    #[diagnostic(code(wcomp::registry::unreachable))]
    Unreachable {
        registry: String,
        reason: String,
        #[help]
        help: String,
    },

    #[error("registry `{registry}` refused the credentials {origin}")]
    #[diagnostic(
        code(wcomp::registry::login),
        help(
            "check the user name and password (or token) for `{registry}`; the password is never shown"
        )
    )]
    LoginFailed { registry: String, origin: String },

    #[error("registry `{registry}` needs a login for `{reference}`")]
    #[diagnostic(
        code(wcomp::registry::unauthorized),
        help(
            "give credentials with `docker login {registry}`, or `auth = {{ username = \"…\", password = \"…\" }}` under `[registry.\"{registry}\".oci]` in the wkg config"
        )
    )]
    Unauthorized { registry: String, reference: String },

    #[error("`{reference}` was not found in registry `{registry}`")]
    #[diagnostic(
        code(wcomp::registry::not_found),
        help("check the name and the tag; `wcomp publish` or `wkg publish` puts packages there")
    )]
    NotFound { registry: String, reference: String },

    #[error("package `{package}` was not found: registry `{registry}` has no `{reference}`")]
    #[diagnostic(
        code(wcomp::registry::unknown_package),
        help("check the package name, and which registry its namespace maps to in the wkg config")
    )]
    UnknownPackage {
        package: String,
        registry: String,
        reference: String,
    },

    #[error("no version of `{package}` in `{reference}` matches `{requirement}`")]
    #[diagnostic(code(wcomp::registry::no_matching_version), help("{available}"))]
    NoMatchingVersion {
        package: String,
        requirement: String,
        reference: String,
        available: String,
    },

    #[error("registry `{registry}` answered {status} to {action}{message}")]
    #[diagnostic(code(wcomp::registry::http))]
    Http {
        registry: String,
        action: String,
        status: u16,
        message: String,
    },

    #[error("the bytes of {what} from `{reference}` do not match their digest")]
    #[diagnostic(
        code(wcomp::registry::digest_mismatch),
        help(
            "expected {expected}, got {found}: the registry (or something between) altered the content; nothing was written"
        )
    )]
    DigestMismatch {
        what: String,
        reference: String,
        expected: String,
        found: String,
    },

    #[error("`{reference}` is not a Wasm component: {reason}")]
    #[diagnostic(
        code(wcomp::registry::not_a_component),
        help(
            "wcomp reads the CNCF Wasm OCI artifact (config `application/vnd.wasm.config.v0+json`, one `application/wasm` layer), as `wkg oci push` and `wcomp push` write it"
        )
    )]
    NotAComponent { reference: String, reason: String },

    #[error("`{package}` (`{reference}`) is not a WIT package: {reason}")]
    #[diagnostic(
        code(wcomp::registry::not_a_wit_package),
        help(
            "`[wit.deps]` takes WIT packages encoded as Wasm, as `wkg wit build` writes them and `wkg publish` or `wcomp publish` publishes them; a component goes in `[components.NAME] package = ...`"
        )
    )]
    NotAWitPackage {
        package: String,
        reference: String,
        reason: String,
    },

    #[error("`{}` is not a component or a WIT package: {reason}", path.display())]
    #[diagnostic(code(wcomp::registry::not_a_component_file))]
    NotAComponentFile { path: PathBuf, reason: String },

    #[error("invalid reference `{text}`: {reason}")]
    #[diagnostic(
        code(wcomp::registry::reference),
        help(
            "write `registry/repository:tag` or `registry/repository@sha256:…`, e.g. `127.0.0.1:5000/acme/app:1.2.0`"
        )
    )]
    InvalidReference { text: String, reason: String },

    #[error("no registry for package `{package}`")]
    #[diagnostic(
        code(wcomp::registry::no_registry),
        help(
            "set `default_registry = \"…\"`, or `[namespace_registries] {namespace} = \"…\"`, in the wkg config (`{config}`)"
        )
    )]
    NoRegistry {
        package: String,
        namespace: String,
        config: String,
    },

    #[error("invalid wkg config `{}`: {reason}", path.display())]
    #[diagnostic(
        code(wcomp::registry::config),
        help("the file is shared with wkg; see `wkg config --edit`")
    )]
    Config { path: PathBuf, reason: String },

    #[error("`{package}` has no name and version in its metadata")]
    #[diagnostic(
        code(wcomp::registry::no_package_name),
        help("give them: `wcomp publish {file} --package ns:name@1.2.3`")
    )]
    NoPackageName { package: String, file: String },

    #[error("`{reference}` already holds other content")]
    #[diagnostic(
        code(wcomp::registry::version_exists),
        help(
            "a published version does not change: publish this one under a new version ({existing} is there, {ours} is yours)"
        )
    )]
    VersionExists {
        reference: String,
        existing: String,
        ours: String,
    },

    #[error("`{}` would change, but `--locked` was given", lock.display())]
    #[diagnostic(
        code(wcomp::registry::locked),
        help("{changes}; run without `--locked` to update it, and commit it")
    )]
    LockStale { lock: PathBuf, changes: String },

    #[error("`{package}` is not in the cache, and `--offline` forbids fetching it")]
    #[diagnostic(
        code(wcomp::registry::offline),
        help("{why}; run once without `--offline` to fetch it into `$WCOMP_HOME`")
    )]
    Offline { package: String, why: String },

    #[error("`{}` is not a valid wcomp.lock: {reason}", path.display())]
    #[diagnostic(
        code(wcomp::registry::lock_syntax),
        help("it is written by wcomp: remove it and run `wcomp build` to write it again")
    )]
    LockSyntax { path: PathBuf, reason: String },

    #[error("cannot {action} `{}`", path.display())]
    #[diagnostic(code(wcomp::registry::io))]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Home(#[from] crate::toolchain::HomeError),
}

impl RegistryError {
    /// `registry` cannot be reached, for `reason`.
    pub(crate) fn unreachable(registry: &str, reason: impl std::fmt::Display) -> Self {
        let mut help =
            "check that the registry is running and that its address is right".to_owned();
        if !crate::registry::config::is_loopback(crate::registry::config::host_of(registry)) {
            help.push_str(&format!(
                "; a registry without TLS needs `protocol = \"http\"` under `[registry.\"{registry}\".oci]` in the wkg config"
            ));
        }
        RegistryError::Unreachable {
            registry: registry.to_owned(),
            reason: reason.to_string(),
            help,
        }
    }

    pub(crate) fn io(
        action: &'static str,
        path: &std::path::Path,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.to_owned();
        move |source| RegistryError::Io {
            action,
            path,
            source,
        }
    }
}
