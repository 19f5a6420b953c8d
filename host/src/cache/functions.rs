//! The per-function cache: Cranelift's output for each function, keyed by
//! the function's content (Wasmtime's `incremental-cache`), one file per
//! entry under `functions/` of the cache directory.
//!
//! A composition that changes one component still contains the unchanged
//! core modules of the others, function for function; their code comes
//! from here instead of from Cranelift.
//!
//! Each entry is checked before Cranelift sees it: a header holds its
//! length and a SHA-256 of the key and the value, so a truncated, corrupt
//! or misplaced file is a miss (and is removed), never wrong code. Entries
//! are written to a temporary file and renamed into place, so two
//! processes may share the store; they are not synced to disk, since a
//! crash can only leave an entry the check rejects.

use std::borrow::Cow;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};
use wasmtime::CacheStore;

/// The first bytes of every entry: the format and its version.
const MAGIC: &[u8; 8] = b"wcfn\x01\0\0\0";
/// Magic, the value's length, the checksum.
const HEADER: usize = 8 + 8 + 32;
/// A hit refreshes an entry's modification time, the eviction order, when
/// it is older than this: often enough for least-recently-used eviction,
/// seldom enough not to write on every hit.
const TOUCH_AFTER: Duration = Duration::from_secs(60 * 60);

/// Where the per-function entries live inside the cache directory.
pub(crate) fn dir(cache_dir: &Path) -> PathBuf {
    cache_dir.join("functions")
}

/// How many functions one compilation took from the store and how many it
/// had to compile.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct FunctionReuse {
    /// Functions whose code came from the store.
    pub reused: u64,
    /// Functions Cranelift compiled (and stored).
    pub compiled: u64,
}

impl std::fmt::Display for FunctionReuse {
    /// `11980 of 12000 functions from the cache`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} of {} functions from the cache",
            self.reused,
            self.reused + self.compiled
        )
    }
}

impl FunctionReuse {
    /// Whether the compilation looked up any function (it did not when
    /// the cache was off or the whole component came from it).
    pub fn is_empty(&self) -> bool {
        self.reused + self.compiled == 0
    }

    /// The two counts added up: the reuse of several compilations.
    pub fn plus(self, other: FunctionReuse) -> FunctionReuse {
        FunctionReuse {
            reused: self.reused + other.reused,
            compiled: self.compiled + other.compiled,
        }
    }

    /// What happened between two readings of the counters.
    pub(crate) fn since(self, before: FunctionReuse) -> FunctionReuse {
        FunctionReuse {
            reused: self.reused.saturating_sub(before.reused),
            compiled: self.compiled.saturating_sub(before.compiled),
        }
    }
}

/// A [`CacheStore`] over files, shared by every engine and process that
/// uses the same cache directory.
#[derive(Debug)]
pub(crate) struct FunctionStore {
    dir: PathBuf,
    hits: AtomicU64,
    misses: AtomicU64,
    written: AtomicU64,
}

impl FunctionStore {
    pub(crate) fn new(cache_dir: &Path) -> Self {
        FunctionStore {
            dir: dir(cache_dir),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            written: AtomicU64::new(0),
        }
    }

    /// The counters so far: functions found, functions missing.
    pub(crate) fn reuse(&self) -> FunctionReuse {
        FunctionReuse {
            reused: self.hits.load(Ordering::Relaxed),
            compiled: self.misses.load(Ordering::Relaxed),
        }
    }

    /// Bytes written so far, for the cache's size bound.
    pub(crate) fn written(&self) -> u64 {
        self.written.load(Ordering::Relaxed)
    }

    /// The file of `key`: the hex SHA-256 of the key, fanned out over 256
    /// folders by its first byte.
    fn path(&self, key: &[u8]) -> PathBuf {
        let name = hex::encode(Sha256::digest(key));
        self.dir.join(&name[..2]).join(&name[2..])
    }

    fn read(&self, path: &Path, key: &[u8]) -> Option<Vec<u8>> {
        let mut file = std::fs::File::open(path).ok()?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).ok()?;
        match decode(key, bytes) {
            Some(value) => {
                touch(&file);
                Some(value)
            }
            None => {
                // Not what a writer wrote: never hand it to Cranelift, and
                // make room for a good copy.
                let _ = std::fs::remove_file(path);
                None
            }
        }
    }

    fn write(&self, path: &Path, key: &[u8], value: &[u8]) -> std::io::Result<u64> {
        let shard = path.parent().unwrap_or(&self.dir);
        let mut tmp = match tempfile::Builder::new().prefix(".tmp-").tempfile_in(shard) {
            Ok(tmp) => tmp,
            Err(_) => {
                super::permissions::create_dir_all(shard)?;
                tempfile::Builder::new()
                    .prefix(".tmp-")
                    .tempfile_in(shard)?
            }
        };
        let entry = encode(key, value);
        tmp.write_all(&entry)?;
        tmp.persist(path).map_err(|e| e.error)?;
        Ok(entry.len() as u64)
    }
}

impl CacheStore for FunctionStore {
    fn get(&self, key: &[u8]) -> Option<Cow<'_, [u8]>> {
        let found = self.read(&self.path(key), key);
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found.map(Cow::Owned)
    }

    fn insert(&self, key: &[u8], value: Vec<u8>) -> bool {
        match self.write(&self.path(key), key, &value) {
            Ok(len) => {
                self.written.fetch_add(len, Ordering::Relaxed);
                true
            }
            // A store that cannot be written costs a recompile next time.
            Err(_) => false,
        }
    }
}

/// The checksum of an entry: its key and value, each length-prefixed.
fn checksum(key: &[u8], value: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update((key.len() as u64).to_le_bytes());
    hasher.update(key);
    hasher.update(value);
    hasher.finalize().into()
}

/// An entry as stored: header, then the value.
fn encode(key: &[u8], value: &[u8]) -> Vec<u8> {
    let mut entry = Vec::with_capacity(HEADER + value.len());
    entry.extend_from_slice(MAGIC);
    entry.extend_from_slice(&(value.len() as u64).to_le_bytes());
    entry.extend_from_slice(&checksum(key, value));
    entry.extend_from_slice(value);
    entry
}

/// The value of a stored entry for `key`, if the entry is whole and is
/// the one written for `key`.
fn decode(key: &[u8], mut entry: Vec<u8>) -> Option<Vec<u8>> {
    if entry.len() < HEADER || &entry[..8] != MAGIC {
        return None;
    }
    let len = u64::from_le_bytes(entry[8..16].try_into().ok()?);
    if entry.len() as u64 - HEADER as u64 != len {
        return None;
    }
    let expected: [u8; 32] = entry[16..HEADER].try_into().ok()?;
    if checksum(key, &entry[HEADER..]) != expected {
        return None;
    }
    entry.drain(..HEADER);
    Some(entry)
}

/// Marks an entry as just used, when its mark is old.
fn touch(file: &std::fs::File) {
    let now = SystemTime::now();
    let stale = file
        .metadata()
        .and_then(|m| m.modified())
        .is_ok_and(|modified| now.duration_since(modified).unwrap_or_default() > TOUCH_AFTER);
    if stale {
        let _ = file.set_modified(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, FunctionStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = FunctionStore::new(dir.path());
        (dir, store)
    }

    #[test]
    fn what_is_inserted_is_found_and_counted() {
        let (_dir, store) = store();
        assert!(store.get(b"key").is_none());
        assert!(store.insert(b"key", b"compiled code".to_vec()));
        assert_eq!(store.get(b"key").unwrap().as_ref(), b"compiled code");
        assert!(store.get(b"other key").is_none());
        assert_eq!(
            store.reuse(),
            FunctionReuse {
                reused: 1,
                compiled: 2
            }
        );
        assert_eq!(store.written(), (HEADER + 13) as u64);
    }

    #[test]
    fn a_truncated_or_corrupt_entry_is_a_miss_and_is_removed() {
        let (_dir, store) = store();
        let path = store.path(b"key");
        let value = vec![7u8; 1000];
        type Damage = (&'static str, fn(&mut Vec<u8>));
        let damaged: [Damage; 5] = [
            ("truncated value", |e| e.truncate(e.len() - 1)),
            ("truncated header", |e| e.truncate(HEADER - 1)),
            ("empty", |e| e.clear()),
            ("flipped bit", |e| e[HEADER + 500] ^= 1),
            ("longer", |e| e.push(0)),
        ];
        for (what, damage) in damaged {
            assert!(store.insert(b"key", value.clone()));
            let mut entry = std::fs::read(&path).unwrap();
            damage(&mut entry);
            std::fs::write(&path, &entry).unwrap();
            assert!(store.get(b"key").is_none(), "{what}");
            assert!(!path.exists(), "{what}: the bad entry is removed");
        }
    }

    #[test]
    fn an_entry_under_another_key_is_a_miss() {
        let (_dir, store) = store();
        assert!(store.insert(b"one", b"code of one".to_vec()));
        std::fs::create_dir_all(store.path(b"two").parent().unwrap()).unwrap();
        std::fs::copy(store.path(b"one"), store.path(b"two")).unwrap();
        assert!(store.get(b"two").is_none());
        assert_eq!(store.get(b"one").unwrap().as_ref(), b"code of one");
    }

    #[test]
    fn threads_sharing_a_store_see_whole_entries() {
        let (dir, _) = store();
        let value = |i: u8| vec![i; 64 * 1024];
        std::thread::scope(|scope| {
            for writer in 0..4u8 {
                let dir = dir.path();
                scope.spawn(move || {
                    // Each thread its own store, as separate processes have.
                    let store = FunctionStore::new(dir);
                    for round in 0..50u8 {
                        let key = [round % 8];
                        assert!(store.insert(&key, value(round % 8)));
                        if let Some(found) = store.get(&[(round + writer) % 8]) {
                            assert_eq!(found.as_ref(), value((round + writer) % 8).as_slice());
                        }
                    }
                });
            }
        });
        let store = FunctionStore::new(dir.path());
        for i in 0..8u8 {
            assert_eq!(store.get(&[i]).unwrap().as_ref(), value(i).as_slice());
        }
    }

    #[test]
    fn an_unwritable_store_refuses_inserts() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("file");
        std::fs::write(&file, b"").unwrap();
        // Its folder would have to be inside a regular file.
        let store = FunctionStore::new(&file);
        assert!(!store.insert(b"key", b"value".to_vec()));
        assert!(store.get(b"key").is_none());
    }
}
