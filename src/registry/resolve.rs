//! The packages an app depends on by name: each `package = "ns:name@req"`
//! resolved (from `wcomp.lock` when it has a matching version, else from
//! the registry's tags), fetched into the cache (checked against its
//! digest), and put where `wcomp build` would have written the component,
//! `target/wcomp/<name>.wasm`. The lock is then written if it changed.
//!
//! `--locked` refuses a resolution that would change the lock, before
//! anything is fetched or written; `--offline` resolves from the lock and
//! reads the cache alone.

use std::path::Path;

use wcomp_compose::{App, PackageSpec};

use crate::registry::lock::{Lock, Locked};
use crate::registry::reference::Reference;
use crate::registry::transfer::{fetch_blob, locate, resolve_artifact};
use crate::registry::{Registries, RegistryError};

/// How packages may be resolved.
#[derive(Debug, Clone, Default)]
pub struct SyncOptions {
    /// Fail if `wcomp.lock` would change.
    pub locked: bool,
    /// No network: the lock and the cache alone.
    pub offline: bool,
    /// `--config`: the wkg config file.
    pub config: Option<std::path::PathBuf>,
}

/// Where a component's bytes came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The cache already held them.
    Cache,
    /// Fetched from the registry now.
    Registry,
}

/// One package component, in place.
#[derive(Debug, Clone)]
pub struct Synced {
    pub component: String,
    pub package: String,
    pub version: semver::Version,
    pub origin: Origin,
    pub size: u64,
}

/// Resolves, fetches and places every package component of `app`;
/// `progress` hears about each as it is placed. Apps without packages
/// cost nothing (no config read, no lock written).
pub fn sync(
    app: &App,
    opts: &SyncOptions,
    progress: &dyn Fn(&Synced),
) -> Result<Vec<Synced>, RegistryError> {
    let packages: Vec<(&str, &PackageSpec)> = app
        .components()
        .filter_map(|e| Some((e.name().as_str(), e.package()?)))
        .collect();
    if packages.is_empty() {
        return Ok(Vec::new());
    }
    crate::registry::block_on(sync_packages(app, &packages, opts, progress))
}

async fn sync_packages(
    app: &App,
    packages: &[(&str, &PackageSpec)],
    opts: &SyncOptions,
    progress: &dyn Fn(&Synced),
) -> Result<Vec<Synced>, RegistryError> {
    let lock_path = Lock::path_for(app.path());
    let old = Lock::load(&lock_path)?;
    let mut registries = Registries::new(opts.config.clone())?;
    let mut resolved = Vec::new();
    for (component, spec) in packages {
        let entry = resolve(&mut registries, old.as_ref(), &lock_path, spec, opts).await?;
        resolved.push((*component, entry));
    }
    let new = Lock {
        version: 1,
        packages: resolved.iter().map(|(_, e)| e.clone()).collect(),
    };
    let changed = lock_changes(old, &new, &lock_path, opts.locked)?;
    // Everything is fetched (and checked) before anything is written.
    let mut fetched = Vec::new();
    for (component, entry) in &resolved {
        let (bytes, origin) = fetch_locked(&mut registries, entry, opts.offline).await?;
        fetched.push((*component, entry, bytes, origin));
    }
    let mut synced = Vec::new();
    for (component, entry, bytes, origin) in fetched {
        place(&app.build_output(component), &bytes)?;
        let done = Synced {
            component: component.to_owned(),
            package: entry.name.clone(),
            version: entry.version.clone(),
            origin,
            size: bytes.len() as u64,
        };
        progress(&done);
        synced.push(done);
    }
    if changed {
        wcomp_core::fs::write_atomically(&lock_path, new.to_text().as_bytes())
            .map_err(|e| RegistryError::io("write", &e.path)(e.source))?;
    }
    Ok(synced)
}

/// The version of `spec` to use: the lock's entry when one matches, else
/// (unless `--locked` or `--offline` forbid it) the registry's.
async fn resolve(
    registries: &mut Registries,
    old: Option<&Lock>,
    lock_path: &Path,
    spec: &PackageSpec,
    opts: &SyncOptions,
) -> Result<Locked, RegistryError> {
    let locked = old.and_then(|lock| lock.find(&spec.name().to_string(), spec.requirement()));
    match locked {
        Some(entry) => Ok(entry.clone()),
        // A requirement the lock cannot meet changes it, whatever the
        // registry holds.
        None if opts.locked => Err(RegistryError::LockStale {
            lock: lock_path.to_owned(),
            changes: format!(
                "no version of `{}` in it matches `{}`",
                spec.name(),
                spec.requirement()
            ),
        }),
        None if opts.offline => Err(RegistryError::Offline {
            package: spec.to_string(),
            why: format!(
                "`{}` has no version of it that matches",
                lock_path.display()
            ),
        }),
        None => resolve_online(registries, spec).await,
    }
}

/// Whether `new` changes the lock `old` (none: an empty one); under
/// `--locked` a change is an error that lists it.
fn lock_changes(
    old: Option<Lock>,
    new: &Lock,
    lock_path: &Path,
    locked: bool,
) -> Result<bool, RegistryError> {
    let old = old.unwrap_or(Lock {
        version: 1,
        packages: Vec::new(),
    });
    let changed = old.to_text() != new.to_text();
    if changed && locked {
        let mut changes = old.changes_to(new);
        if changes.is_empty() {
            changes.push("its entries would be rewritten".into());
        }
        return Err(RegistryError::LockStale {
            lock: lock_path.to_owned(),
            changes: changes.join(", "),
        });
    }
    Ok(changed)
}

/// Resolves `spec` against its registry: the highest tag that is a
/// version satisfying the requirement.
async fn resolve_online(
    registries: &mut Registries,
    spec: &PackageSpec,
) -> Result<Locked, RegistryError> {
    let location = locate(registries, spec.name()).await?;
    let repository_ref = format!("{}/{}", location.endpoint.registry, location.repository);
    let client = registries.client(location.endpoint.clone());
    let tags =
        client
            .tags(&location.repository)
            .await?
            .ok_or_else(|| RegistryError::UnknownPackage {
                package: spec.name().to_string(),
                registry: location.registry.clone(),
                reference: repository_ref.clone(),
            })?;
    let mut versions: Vec<semver::Version> = tags
        .iter()
        .filter_map(|t| semver::Version::parse(t).ok())
        .collect();
    versions.sort();
    let Some(version) = versions
        .iter()
        .rev()
        .find(|v| spec.requirement().matches(v))
        .cloned()
    else {
        let available = if versions.is_empty() {
            "it has no version tags".to_owned()
        } else {
            format!(
                "the versions there are {}",
                wcomp_core::fmt::quoted_list(versions)
            )
        };
        return Err(RegistryError::NoMatchingVersion {
            package: spec.name().to_string(),
            requirement: spec.requirement().to_string(),
            reference: repository_ref,
            available,
        });
    };
    let reference = Reference::with_tag(
        &location.endpoint.registry,
        &location.repository,
        &version.to_string(),
    );
    let artifact = resolve_artifact(&client, &reference)
        .await?
        .ok_or_else(|| RegistryError::NotFound {
            registry: location.registry.clone(),
            reference: reference.to_string(),
        })?;
    Ok(Locked {
        name: spec.name().to_string(),
        version,
        registry: location.registry,
        reference: reference.to_string(),
        manifest: artifact.manifest,
        digest: artifact.layer_digest,
    })
}

/// The bytes of a locked package: the cache, else its registry.
async fn fetch_locked(
    registries: &mut Registries,
    entry: &Locked,
    offline: bool,
) -> Result<(Vec<u8>, Origin), RegistryError> {
    let reference: Reference =
        entry
            .reference
            .parse()
            .map_err(|reason| RegistryError::InvalidReference {
                text: entry.reference.clone(),
                reason,
            })?;
    if let Some(bytes) = registries.cache().get(&entry.digest) {
        return Ok((bytes, Origin::Cache));
    }
    if offline {
        return Err(RegistryError::Offline {
            package: format!("{}@{}", entry.name, entry.version),
            why: format!(
                "its component ({}) was never fetched on this machine",
                entry.digest
            ),
        });
    }
    let endpoint = {
        let config = registries.config()?;
        config.endpoint_for(&entry.registry, reference.registry())
    };
    let client = registries.client(endpoint);
    let bytes = fetch_blob(
        registries,
        Some(&client),
        reference.repository(),
        &entry.digest,
        &entry.reference,
    )
    .await?
    .expect("fetched with a client");
    Ok((bytes, Origin::Registry))
}

/// Writes `bytes` to `path` unless it holds them already.
fn place(path: &Path, bytes: &[u8]) -> Result<(), RegistryError> {
    if std::fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(());
    }
    wcomp_core::fs::write_atomically(path, bytes)
        .map_err(|e| RegistryError::io("write", &e.path)(e.source))
}
