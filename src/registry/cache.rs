//! The content-addressed cache of pulled blobs, shared by every app:
//! `$WCOMP_HOME/registry/sha256/<hex>`. A blob enters it only after its
//! bytes matched their digest, and is checked again each time it is read,
//! so a damaged entry is never used (it is dropped and fetched again).
//!
//! Beside the blobs, an index of the package versions they are:
//! `$WCOMP_HOME/registry/index/<namespace>/<name>/<version>.toml`, each a
//! lock entry, so that `--offline` can resolve a package the lock does
//! not name from what this machine already fetched.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use wcomp_compose::PackageName;

use crate::registry::RegistryError;
use crate::registry::digest::Digest;
use crate::registry::lock::Locked;
use crate::toolchain::Home;

/// The blob cache.
pub struct Cache {
    dir: PathBuf,
    index: PathBuf,
}

impl Cache {
    /// The cache under `home`.
    pub fn new(home: &Home) -> Self {
        Self::at(&home.dir("registry"))
    }

    /// The cache in `dir` (`$WCOMP_HOME/registry`).
    pub fn at(dir: &std::path::Path) -> Self {
        Cache {
            dir: dir.join("sha256"),
            index: dir.join("index"),
        }
    }

    /// Whether the cache has a blob for `digest` (not yet checked).
    pub fn contains(&self, digest: &Digest) -> bool {
        self.path(digest).is_file()
    }

    /// Records that `entry`'s blob is the package version it names. An
    /// index that cannot be written only costs `--offline` a choice.
    pub fn remember(&self, entry: &Locked) {
        let Ok(name) = entry.name.parse::<PackageName>() else {
            return;
        };
        let path = self
            .index_dir(&name)
            .join(format!("{}.toml", entry.version));
        if let Ok(text) = toml::to_string(entry)
            && std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str())
        {
            let _ = wcomp_core::fs::write_atomically(&path, text.as_bytes());
        }
    }

    /// The versions of `name` the cache holds (their blobs present),
    /// highest first.
    pub fn versions(&self, name: &PackageName) -> Vec<Locked> {
        let Ok(entries) = std::fs::read_dir(self.index_dir(name)) else {
            return Vec::new();
        };
        let mut found: Vec<Locked> = entries
            .flatten()
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .filter_map(|text| toml::from_str::<Locked>(&text).ok())
            .filter(|l| l.name == name.to_string() && self.contains(&l.digest))
            .collect();
        found.sort_by(|a, b| b.version.cmp(&a.version));
        found
    }

    fn index_dir(&self, name: &PackageName) -> PathBuf {
        self.index.join(name.namespace()).join(name.name())
    }

    fn path(&self, digest: &Digest) -> PathBuf {
        self.dir.join(digest.hex())
    }

    /// The file of blob `digest` (which [`Cache::get`] checks).
    pub fn blob_path(&self, digest: &Digest) -> PathBuf {
        self.path(digest)
    }

    /// The bytes of `digest`, if the cache holds them intact; a damaged
    /// entry is removed.
    pub fn get(&self, digest: &Digest) -> Option<Vec<u8>> {
        let path = self.path(digest);
        let bytes = std::fs::read(&path).ok()?;
        if Digest::of(&bytes) == *digest {
            Some(bytes)
        } else {
            let _ = std::fs::remove_file(&path);
            None
        }
    }

    /// Stores what `fill` writes as blob `expected`, if its digest is that;
    /// otherwise nothing is kept and `mismatch` says so.
    pub async fn insert_with<F, Fut>(
        &self,
        expected: &Digest,
        fill: F,
        mismatch: impl FnOnce(Digest) -> RegistryError,
    ) -> Result<Vec<u8>, RegistryError>
    where
        F: FnOnce(BufWriter<File>) -> Fut,
        Fut: std::future::Future<Output = Result<(Digest, BufWriter<File>), RegistryError>>,
    {
        std::fs::create_dir_all(&self.dir).map_err(RegistryError::io("create", &self.dir))?;
        let tmp = tempfile::NamedTempFile::with_prefix_in(".partial-", &self.dir)
            .map_err(RegistryError::io("write into", &self.dir))?;
        let file = tmp
            .reopen()
            .map_err(RegistryError::io("write", tmp.path()))?;
        let (found, mut writer) = fill(BufWriter::with_capacity(1 << 20, file)).await?;
        writer
            .flush()
            .map_err(RegistryError::io("write", tmp.path()))?;
        drop(writer);
        if found != *expected {
            return Err(mismatch(found));
        }
        let path = self.path(expected);
        tmp.persist(&path)
            .map_err(|e| RegistryError::io("write", &path)(e.error))?;
        std::fs::read(&path).map_err(RegistryError::io("read", &path))
    }

    /// Stores `bytes` (already in hand and hashed) as blob `digest`.
    pub fn insert(&self, digest: &Digest, bytes: &[u8]) -> Result<(), RegistryError> {
        let path = self.path(digest);
        if path.exists() {
            return Ok(());
        }
        wcomp_core::fs::write_atomically(&path, bytes)
            .map_err(|e| RegistryError::io("write", &e.path)(e.source))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damaged_entries_are_not_used() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = Cache::at(tmp.path());
        let digest = Digest::of(b"component");
        cache.insert(&digest, b"component").unwrap();
        assert_eq!(cache.get(&digest).as_deref(), Some(&b"component"[..]));
        let blob = tmp.path().join("sha256").join(digest.hex());
        std::fs::write(&blob, b"tampered").unwrap();
        assert_eq!(cache.get(&digest), None);
        assert!(!blob.exists());
    }

    fn entry(version: &str, blob: &[u8]) -> Locked {
        Locked {
            name: "wasi:http".into(),
            version: version.parse().unwrap(),
            registry: "wasi.dev".into(),
            reference: format!("ghcr.io/webassembly/wasi/http:{version}"),
            manifest: Digest::of(version.as_bytes()),
            digest: Digest::of(blob),
        }
    }

    #[test]
    fn the_index_lists_the_cached_versions_highest_first() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = Cache::at(tmp.path());
        let name: PackageName = "wasi:http".parse().unwrap();
        assert!(cache.versions(&name).is_empty());
        for (version, blob) in [("0.2.0", &b"a"[..]), ("0.2.6", b"b"), ("0.3.0", b"c")] {
            let entry = entry(version, blob);
            cache.remember(&entry);
            // 0.3.0's blob is gone: it is not a version the cache holds.
            if version != "0.3.0" {
                cache.insert(&entry.digest, blob).unwrap();
            }
        }
        let versions: Vec<String> = cache
            .versions(&name)
            .iter()
            .map(|l| l.version.to_string())
            .collect();
        assert_eq!(versions, ["0.2.6", "0.2.0"]);
        assert!(cache.versions(&"wasi:io".parse().unwrap()).is_empty());
    }
}
