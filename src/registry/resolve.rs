//! The packages an app depends on by name: each component's
//! `package = "ns:name@req"` and each `[wit.deps]` entry, resolved (from
//! `wcomp.lock` when it has a matching version, else from the registry's
//! tags), fetched into the cache (checked against its digest), and put in
//! place: a component where `wcomp build` would have written it,
//! `target/wcomp/<name>.wasm`; a WIT package in `target/wcomp/wit-deps/`,
//! where reading the app's WIT finds it. The lock is then written if it
//! changed.
//!
//! `--locked` refuses a resolution that would change the lock, before
//! anything is fetched or written; `--offline` resolves from the lock,
//! else from the versions the cache holds, and reads the cache alone.

use std::path::{Path, PathBuf};

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

/// Where the bytes came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The cache already held them.
    Cache,
    /// Fetched from the registry now.
    Registry,
}

/// What a package is to the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// Component `NAME` (`[components.NAME] package = ...`).
    Component(String),
    /// A WIT package its components' WIT may use (`[wit.deps]`).
    Wit,
}

/// One package, in place.
#[derive(Debug, Clone)]
pub struct Synced {
    /// What it is to the app.
    pub role: Role,
    /// `ns:name`.
    pub package: String,
    /// The version resolved.
    pub version: semver::Version,
    /// Whether it had to be fetched.
    pub origin: Origin,
    /// Its size in bytes.
    pub size: u64,
}

/// One package the app asks for, resolved and fetched.
struct Fetched<'a> {
    role: &'a Role,
    entry: Locked,
    bytes: Vec<u8>,
    origin: Origin,
}

/// Resolves, fetches and places every package of `app` (its package
/// components and `[wit.deps]`); `progress` hears about each as it is
/// placed. Apps without packages cost nothing (no config read, no lock
/// written).
pub fn sync(
    app: &App,
    opts: &SyncOptions,
    progress: &dyn Fn(&Synced),
) -> Result<Vec<Synced>, RegistryError> {
    let mut wanted: Vec<(Role, &PackageSpec)> = app
        .components()
        .filter_map(|e| Some((Role::Component(e.name().to_string()), e.package()?)))
        .collect();
    wanted.extend(app.wit_deps().iter().map(|spec| (Role::Wit, spec)));
    if wanted.is_empty() {
        // `[wit.deps]` emptied: what was fetched for it is no longer used.
        let _ = std::fs::remove_dir_all(app.fetched_wit_dir());
        return Ok(Vec::new());
    }
    crate::registry::block_on(sync_packages(app, &wanted, opts, progress))
}

async fn sync_packages(
    app: &App,
    wanted: &[(Role, &PackageSpec)],
    opts: &SyncOptions,
    progress: &dyn Fn(&Synced),
) -> Result<Vec<Synced>, RegistryError> {
    let lock_path = Lock::path_for(app.path());
    let old = Lock::load(&lock_path)?;
    let mut registries = Registries::new(opts.config.clone())?;
    let mut resolved = Vec::new();
    for (role, spec) in wanted {
        let entry = resolve(&mut registries, old.as_ref(), &lock_path, spec, opts).await?;
        resolved.push((role, entry));
    }
    let new = Lock {
        version: 1,
        packages: resolved.iter().map(|(_, e)| e.clone()).collect(),
    };
    let changed = lock_changes(old, &new, &lock_path, opts.locked)?;
    // Everything is fetched (and checked) before anything is written.
    let mut fetched = Vec::new();
    for (role, entry) in resolved {
        let (bytes, origin) = fetch_locked(&mut registries, &entry, opts.offline).await?;
        if *role == Role::Wit {
            check_wit_package(&entry, &bytes)?;
        }
        fetched.push(Fetched {
            role,
            entry,
            bytes,
            origin,
        });
    }
    let synced = place_all(app, &registries, fetched, progress)?;
    if changed {
        wcomp_core::fs::write_atomically(&lock_path, new.to_text().as_bytes())
            .map_err(|e| RegistryError::io("write", &e.path)(e.source))?;
    }
    Ok(synced)
}

/// Puts each fetched package in place (and in the cache's index), and
/// removes the WIT packages the app no longer uses.
fn place_all(
    app: &App,
    registries: &Registries,
    fetched: Vec<Fetched<'_>>,
    progress: &dyn Fn(&Synced),
) -> Result<Vec<Synced>, RegistryError> {
    let mut synced = Vec::new();
    let mut wit_files = Vec::new();
    for Fetched {
        role,
        entry,
        bytes,
        origin,
    } in fetched
    {
        let path = match role {
            Role::Component(name) => app.build_output(name),
            Role::Wit => {
                let path = fetched_wit_path(app, &entry);
                wit_files.push(path.clone());
                path
            }
        };
        place(&path, &bytes)?;
        registries.cache().remember(&entry);
        let done = Synced {
            role: role.clone(),
            package: entry.name.clone(),
            version: entry.version.clone(),
            origin,
            size: bytes.len() as u64,
        };
        progress(&done);
        synced.push(done);
    }
    remove_unused_wit(&app.fetched_wit_dir(), &wit_files);
    Ok(synced)
}

/// Where WIT package `entry` is kept for `app`: `<ns>-<name>@<version>.wasm`
/// in [`App::fetched_wit_dir`].
pub fn fetched_wit_path(app: &App, entry: &Locked) -> PathBuf {
    let file = format!("{}@{}.wasm", entry.name.replace(':', "-"), entry.version);
    app.fetched_wit_dir().join(file)
}

/// Removes from `dir` the fetched WIT packages other than `used`.
fn remove_unused_wit(dir: &Path, used: &[PathBuf]) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "wasm") && !used.contains(&path) {
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// `bytes`, fetched for `[wit.deps]` entry `entry`, must be that WIT
/// package (its name and version), not a component or another package.
fn check_wit_package(entry: &Locked, bytes: &[u8]) -> Result<(), RegistryError> {
    let error = |reason: String| RegistryError::NotAWitPackage {
        package: format!("{}@{}", entry.name, entry.version),
        reference: entry.reference.clone(),
        reason,
    };
    let decoded = wit_component::decode(bytes).map_err(|e| error(format!("{e:#}")))?;
    let wit_component::DecodedWasm::WitPackage(resolve, id) = decoded else {
        return Err(error("it is a component".into()));
    };
    let name = &resolve.packages[id].name;
    let found = format!("{}:{}", name.namespace, name.name);
    if found != entry.name || name.version.as_ref() != Some(&entry.version) {
        return Err(error(format!("it holds the WIT package `{name}`")));
    }
    Ok(())
}

/// Resolves and fetches WIT package `spec` for the app at `manifest`
/// (its lock, else the registry; with `--offline`, the cache) without
/// writing anything but the cache: `wcomp new --world` on a world that
/// is not local. Returns what was fetched and the checked bytes' file in
/// the cache.
pub fn fetch_wit_package(
    manifest: &Path,
    spec: &PackageSpec,
    opts: &SyncOptions,
) -> Result<(Synced, PathBuf), RegistryError> {
    crate::registry::block_on(async {
        let lock_path = Lock::path_for(manifest);
        let old = Lock::load(&lock_path)?;
        let mut registries = Registries::new(opts.config.clone())?;
        let entry = resolve(&mut registries, old.as_ref(), &lock_path, spec, opts).await?;
        let (bytes, origin) = fetch_locked(&mut registries, &entry, opts.offline).await?;
        check_wit_package(&entry, &bytes)?;
        registries.cache().remember(&entry);
        let fetched = Synced {
            role: Role::Wit,
            package: entry.name.clone(),
            version: entry.version.clone(),
            origin,
            size: bytes.len() as u64,
        };
        Ok((fetched, registries.cache().blob_path(&entry.digest)))
    })
}

/// The version of `spec` to use: the lock's entry when one matches, else
/// (unless `--locked` forbids it) the registry's, or with `--offline` the
/// highest the cache holds.
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
        None if opts.offline => resolve_cached(registries, lock_path, spec),
        None => resolve_online(registries, spec).await,
    }
}

/// `--offline`, the lock silent on `spec`: the highest version the cache
/// holds that satisfies it (from the registry the config names, when it
/// names one).
fn resolve_cached(
    registries: &mut Registries,
    lock_path: &Path,
    spec: &PackageSpec,
) -> Result<Locked, RegistryError> {
    let registry = registries.config()?.registry_for(spec.name()).ok();
    let cached = registries.cache().versions(spec.name());
    let found = cached.iter().find(|entry| {
        spec.requirement().matches(&entry.version)
            && registry.as_ref().is_none_or(|r| *r == entry.registry)
    });
    match found {
        Some(entry) => Ok(entry.clone()),
        None => Err(RegistryError::Offline {
            package: spec.to_string(),
            why: format!(
                "`{}` has no version of it that matches, and neither has the cache ({})",
                lock_path.display(),
                if cached.is_empty() {
                    "it holds no version of it".to_owned()
                } else {
                    format!(
                        "it holds {}",
                        wcomp_core::fmt::quoted_list(cached.iter().map(|e| &e.version))
                    )
                }
            ),
        }),
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
