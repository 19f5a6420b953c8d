//! One component to or from a registry: `push`, `pull` and `publish`, and
//! the two steps everything else is made of, [`resolve_artifact`] and
//! [`fetch_blob`].

use std::collections::BTreeMap;
use std::path::Path;

use bytes::Bytes;
use wcomp_compose::PackageName;

use crate::registry::artifact::{self, ComponentInfo, Descriptor};
use crate::registry::client::Client;
use crate::registry::digest::Digest;
use crate::registry::reference::Reference;
use crate::registry::{Registries, RegistryError};

/// A Wasm artifact found at a reference: its manifest's digest and its
/// one `application/wasm` layer.
pub struct Artifact {
    pub manifest: Digest,
    pub layer: Descriptor,
    pub layer_digest: Digest,
}

/// The Wasm artifact at `reference`; `None` if nothing is there. A
/// manifest that is not a CNCF Wasm artifact is an error saying what it
/// is instead.
pub async fn resolve_artifact(
    client: &Client,
    reference: &Reference,
) -> Result<Option<Artifact>, RegistryError> {
    let shown = reference.to_string();
    let Some(manifest) = client
        .manifest(reference.repository(), &reference.manifest_ref(), &shown)
        .await?
    else {
        return Ok(None);
    };
    let not_a_component = |reason| RegistryError::NotAComponent {
        reference: shown.clone(),
        reason,
    };
    let (_, layer) =
        artifact::wasm_layer(&manifest.bytes, &manifest.media_type).map_err(not_a_component)?;
    let layer_digest = layer
        .digest
        .parse()
        .map_err(|e: String| not_a_component(format!("its layer's digest: {e}")))?;
    Ok(Some(Artifact {
        manifest: manifest.digest,
        layer,
        layer_digest,
    }))
}

/// The bytes of blob `digest` of `repository`: from the cache if it holds
/// them intact, else fetched, checked against the digest, then cached.
/// With `offline`, the cache alone (`None` if it lacks them).
pub async fn fetch_blob(
    registries: &Registries,
    client: Option<&Client>,
    repository: &str,
    digest: &Digest,
    shown: &str,
) -> Result<Option<Vec<u8>>, RegistryError> {
    if let Some(bytes) = registries.cache().get(digest) {
        return Ok(Some(bytes));
    }
    let Some(client) = client else {
        return Ok(None);
    };
    let mismatch = |found: Digest| RegistryError::DigestMismatch {
        what: "the component".into(),
        reference: shown.to_owned(),
        expected: digest.to_string(),
        found: found.to_string(),
    };
    registries
        .cache()
        .insert_with(
            digest,
            |mut sink| async move {
                let found = client.blob(repository, digest, &mut sink).await?;
                Ok((found, sink))
            },
            mismatch,
        )
        .await
        .map(Some)
}

/// What a push did.
pub struct Pushed {
    pub reference: Reference,
    /// The manifest's digest (the one already there, if unchanged).
    pub digest: Digest,
    /// The same component was already at that tag: nothing was sent.
    pub unchanged: bool,
}

/// Reads `path` as a component (or WIT package).
pub fn read_component(path: &Path) -> Result<(Vec<u8>, artifact::Described), RegistryError> {
    let bytes = wcomp_core::fs::read_regular(path).map_err(RegistryError::io("read", path))?;
    let described =
        artifact::describe(&bytes).map_err(|reason| RegistryError::NotAComponentFile {
            path: path.to_owned(),
            reason,
        })?;
    Ok((bytes, described))
}

/// Pushes `bytes` to `reference` (a tag) as a Wasm artifact. If the tag
/// already holds the same component, nothing is sent; if it holds another
/// and `immutable`, that is an error (a published version never changes).
pub async fn push(
    client: &Client,
    reference: &Reference,
    bytes: Vec<u8>,
    info: ComponentInfo,
    title: &str,
    annotations: BTreeMap<String, String>,
    immutable: bool,
) -> Result<Pushed, RegistryError> {
    let ours = Digest::of(&bytes);
    if let Some(existing) = resolve_artifact(client, reference)
        .await
        .or_else(|e| match e {
            // Something else at the tag is replaced by a push (not a publish).
            RegistryError::NotAComponent { .. } if !immutable => Ok(None),
            e => Err(e),
        })?
    {
        if existing.layer_digest == ours {
            return Ok(Pushed {
                reference: reference.clone(),
                digest: existing.manifest,
                unchanged: true,
            });
        }
        if immutable {
            return Err(RegistryError::VersionExists {
                reference: reference.to_string(),
                existing: existing.layer_digest.to_string(),
                ours: ours.to_string(),
            });
        }
    }
    let (config, manifest) = artifact::build(&bytes, info, title, annotations);
    let repository = reference.repository();
    client.push_blob(repository, Bytes::from(bytes)).await?;
    client.push_blob(repository, Bytes::from(config)).await?;
    let digest = Digest::of(&manifest);
    let tag = reference.tag().unwrap_or("latest");
    client
        .push_manifest(
            repository,
            tag,
            artifact::MANIFEST_MEDIA_TYPE,
            Bytes::from(manifest),
        )
        .await?;
    Ok(Pushed {
        reference: reference.clone(),
        digest,
        unchanged: false,
    })
}

/// `wcomp push`: `file` to the OCI reference `reference`.
pub async fn push_file(
    registries: &mut Registries,
    reference: &Reference,
    file: &Path,
) -> Result<Pushed, RegistryError> {
    let (bytes, described) = read_component(file)?;
    let endpoint = registries.config()?.endpoint(reference.registry());
    let client = registries.client(endpoint);
    let title = format!(
        "{}.wasm",
        reference
            .repository()
            .rsplit('/')
            .next()
            .unwrap_or("component")
    );
    let mut annotations = artifact::annotations(&bytes);
    if let Some(version) = reference.tag().and_then(|t| semver::Version::parse(t).ok()) {
        annotations.insert(artifact::VERSION.to_owned(), version.to_string());
    }
    registries.cache().insert(&Digest::of(&bytes), &bytes)?;
    push(
        &client,
        reference,
        bytes,
        described.info,
        &title,
        annotations,
        false,
    )
    .await
}

/// What `wcomp pull` fetched.
pub struct Pulled {
    pub bytes: Vec<u8>,
    pub manifest: Digest,
    pub digest: Digest,
    /// The layer's `org.opencontainers.image.title`, if any.
    pub title: Option<String>,
}

/// `wcomp pull`: the component at `reference`, checked against its digest.
pub async fn pull(
    registries: &mut Registries,
    reference: &Reference,
) -> Result<Pulled, RegistryError> {
    let endpoint = registries.config()?.endpoint(reference.registry());
    let client = registries.client(endpoint);
    let artifact =
        resolve_artifact(&client, reference)
            .await?
            .ok_or_else(|| RegistryError::NotFound {
                registry: reference.registry().to_owned(),
                reference: reference.to_string(),
            })?;
    let shown = reference.to_string();
    let bytes = fetch_blob(
        registries,
        Some(&client),
        reference.repository(),
        &artifact.layer_digest,
        &shown,
    )
    .await?
    .expect("fetched with a client");
    Ok(Pulled {
        bytes,
        manifest: artifact.manifest,
        digest: artifact.layer_digest,
        title: artifact
            .layer
            .annotations
            .as_ref()
            .and_then(|a| a.get(artifact::TITLE))
            .cloned(),
    })
}

/// `wcomp publish`: `file` as package `package` (else the name and
/// version its WIT package carries), at the reference the wkg config
/// gives it.
pub async fn publish(
    registries: &mut Registries,
    file: &Path,
    package: Option<(PackageName, semver::Version)>,
) -> Result<Pushed, RegistryError> {
    let (bytes, described) = read_component(file)?;
    let (name, version) = match package {
        Some(given) => given,
        None => match &described.package {
            Some((name, Some(version))) if name != "root:component" => (
                name.parse().map_err(|_| no_name(file, name))?,
                version.clone(),
            ),
            Some((name, _)) => return Err(no_name(file, name)),
            None => return Err(no_name(file, "the component")),
        },
    };
    let location = locate(registries, &name).await?;
    let reference = Reference::with_tag(
        &location.endpoint.registry,
        &location.repository,
        &version.to_string(),
    );
    let client = registries.client(location.endpoint);
    let mut annotations = artifact::annotations(&bytes);
    annotations.insert(artifact::VERSION.to_owned(), version.to_string());
    let title = format!("{}.wasm", name.name());
    let digest = Digest::of(&bytes);
    registries.cache().insert(&digest, &bytes)?;
    let pushed = push(
        &client,
        &reference,
        bytes,
        described.info,
        &title,
        annotations,
        true,
    )
    .await?;
    // What this machine published, `--offline` can resolve to.
    registries.cache().remember(&crate::registry::lock::Locked {
        name: name.to_string(),
        version,
        registry: location.registry,
        reference: reference.to_string(),
        manifest: pushed.digest.clone(),
        digest,
    });
    Ok(pushed)
}

fn no_name(file: &Path, package: &str) -> RegistryError {
    RegistryError::NoPackageName {
        package: package.to_owned(),
        file: file.display().to_string(),
    }
}

/// Where package `name` lives: its registry from the wkg config, that
/// registry's metadata (inline in the config, else its
/// `/.well-known/wasm-pkg/registry.json`), and so its OCI repository.
pub async fn locate(
    registries: &mut Registries,
    name: &PackageName,
) -> Result<crate::registry::config::PackageLocation, RegistryError> {
    let config = registries.config()?;
    let registry = config.registry_for(name)?;
    if let Some(backend) = config.backend(&registry)
        && backend != "oci"
    {
        return Err(RegistryError::Config {
            path: config.describe_path().into(),
            reason: format!(
                "registry `{registry}` is of type `{backend}`; wcomp reads OCI registries only"
            ),
        });
    }
    let metadata = match config.inline_metadata(name) {
        Some(metadata) => metadata.clone(),
        None => {
            let endpoint = config.endpoint(&registry);
            let probe = registries.client(endpoint);
            match probe.well_known().await {
                Some(json) => {
                    crate::registry::config::Metadata::from_json(&json).unwrap_or_default()
                }
                None => Default::default(),
            }
        }
    };
    if let Some(protocol) = metadata.preferred_protocol()
        && protocol != "oci"
    {
        return Err(RegistryError::Config {
            path: registries.config()?.describe_path().into(),
            reason: format!(
                "registry `{registry}` prefers the `{protocol}` protocol; wcomp speaks OCI only"
            ),
        });
    }
    Ok(registries.config()?.locate(name, &registry, &metadata))
}
