//! The content-addressed cache of pulled blobs, shared by every app:
//! `$WCOMP_HOME/registry/sha256/<hex>`. A blob enters it only after its
//! bytes matched their digest, and is checked again each time it is read,
//! so a damaged entry is never used (it is dropped and fetched again).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use crate::registry::RegistryError;
use crate::registry::digest::Digest;
use crate::toolchain::Home;

/// The blob cache.
pub struct Cache {
    dir: PathBuf,
}

impl Cache {
    /// The cache under `home`.
    pub fn new(home: &Home) -> Self {
        Cache {
            dir: home.dir("registry").join("sha256"),
        }
    }

    /// The cache at `dir` (tests).
    #[cfg(test)]
    pub fn at(dir: &std::path::Path) -> Self {
        Cache {
            dir: dir.to_owned(),
        }
    }

    fn path(&self, digest: &Digest) -> PathBuf {
        self.dir.join(digest.hex())
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
        std::fs::write(tmp.path().join(digest.hex()), b"tampered").unwrap();
        assert_eq!(cache.get(&digest), None);
        assert!(!tmp.path().join(digest.hex()).exists());
    }
}
