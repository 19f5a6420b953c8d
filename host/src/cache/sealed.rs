//! Whole entries (compiled components and split modules), sealed: each
//! file is Wasmtime's compiled code followed by a trailer that records
//! what the code was compiled from (the entry's key) and a BLAKE3 digest
//! of the code. An entry is used only when its trailer is whole, names the
//! key it was looked up by, and the code matches its digest; a truncated
//! or damaged file, or one copied over another entry, is rejected and
//! compiled again, never run.
//!
//! The trailer goes at the end so that the code stays at offset 0, where
//! Wasmtime maps it from the file (`deserialize_file`) without a copy.
//! Wasmtime reads the ELF image by its headers and ignores what follows.
//!
//! The check hashes the file's pages where the page cache holds them (a
//! memory map), on every core. Once an entry has passed, a small memo
//! beside it (`<key>.verified`) records what the kernel says of the file:
//! its device, inode, size, and modification and change times. While those
//! are unchanged the file has not been written, truncated, replaced or
//! renamed over, so later loads check only the trailer and skip the hash;
//! any change (the kernel sets the change time on every write, and no
//! program can set it back) hashes the file again. Bazel's digest cache
//! trusts the same fields. A memo is written only for a file last changed
//! [`SETTLED`] ago or more, so that a change in the same tick of a coarse
//! file-system clock still shows.
//!
//! It detects damage and misplaced entries; it cannot stop whoever can
//! write the cache directory, who can write a matching trailer and memo
//! too (see [`HostBuilder::cache_dir`](crate::HostBuilder::cache_dir)).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use wcomp_core::fs::{FileStamp, SETTLED};

/// The last bytes of every sealed entry: the format and its version.
const MAGIC: &[u8; 8] = b"wccw\x01\0\0\0";
/// Key digest, code digest, code length, magic.
const TRAILER: usize = 32 + 32 + 8 + 8;
/// Below this much code, hashing on one thread is faster than on several.
const PARALLEL_FROM: usize = 1 << 20;
/// The extension of the memo beside an entry that has passed its check.
pub(crate) const MEMO_EXTENSION: &str = "verified";

/// Why an entry of the cache was not used.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BadEntry {
    /// Its bytes are not the ones written: truncated, cut short by a crash,
    /// or changed on disk.
    Damaged,
    /// It is whole, but holds the code of other bytes: another entry was
    /// copied or renamed over it.
    Misplaced,
    /// It passed the check, but Wasmtime refused it; its reason.
    Refused(String),
}

impl std::fmt::Display for BadEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BadEntry::Damaged => f.write_str("its bytes do not match the digest written with them"),
            BadEntry::Misplaced => f.write_str("it holds the code of another component or module"),
            BadEntry::Refused(why) => write!(f, "Wasmtime refused it: {why}"),
        }
    }
}

/// The digest of an entry's key: what its code was compiled from.
pub(crate) fn key_digest(key: &str) -> [u8; 32] {
    *blake3::hash(key.as_bytes()).as_bytes()
}

/// `code` followed by its trailer, for the entry of `key`.
pub(crate) fn seal(key: &[u8; 32], mut code: Vec<u8>) -> Vec<u8> {
    let digest = digest(&code);
    let len = code.len() as u64;
    code.reserve_exact(TRAILER);
    code.extend_from_slice(key);
    code.extend_from_slice(&digest);
    code.extend_from_slice(&len.to_le_bytes());
    code.extend_from_slice(MAGIC);
    code
}

/// Checks the sealed entry at `path` for `key`: `Ok(None)` when there is
/// none, `Ok(Some(()))` when it may be used, `Err` when it must not.
pub(crate) fn check(path: &Path, key: &[u8; 32]) -> Result<Option<()>, BadEntry> {
    check_as_of(path, key, SystemTime::now())
}

/// [`check`], where a memo may be written for a file last changed
/// [`SETTLED`] before `now`.
fn check_as_of(path: &Path, key: &[u8; 32], now: SystemTime) -> Result<Option<()>, BadEntry> {
    let file = match File::open(path) {
        Ok(file) => file,
        // Evicted by another process since, or never written.
        Err(_) => return Ok(None),
    };
    // SAFETY: entries are replaced by renaming a new file over them, never
    // written in place, so the mapped file does not change while it is
    // read here. (One cut short under us by someone else would fault, as
    // it would in Wasmtime's own mapping of it.)
    let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|_| BadEntry::Damaged)?;
    let stamp = FileStamp::of(&file);
    let code = unseal(&map, key)?;
    if stamp
        .as_ref()
        .is_some_and(|stamp| memo_matches(path, key, stamp))
    {
        return Ok(Some(()));
    }
    if digest(code.bytes) != code.digest {
        return Err(BadEntry::Damaged);
    }
    if let Some(stamp) = stamp.filter(|stamp| stamp.settled(now, SETTLED)) {
        remember(path, key, &stamp);
    }
    Ok(Some(()))
}

/// The code of a sealed entry and the digest written with it.
struct Sealed<'a> {
    bytes: &'a [u8],
    digest: &'a [u8],
}

/// Splits a sealed entry into its code and digest, once its trailer is
/// whole and names `key`.
fn unseal<'a>(entry: &'a [u8], key: &[u8; 32]) -> Result<Sealed<'a>, BadEntry> {
    let Some(code_len) = entry.len().checked_sub(TRAILER) else {
        return Err(BadEntry::Damaged);
    };
    let (code, trailer) = entry.split_at(code_len);
    let (written_key, rest) = trailer.split_at(32);
    let (written_digest, rest) = rest.split_at(32);
    let (len, magic) = rest.split_at(8);
    let len = u64::from_le_bytes(len.try_into().map_err(|_| BadEntry::Damaged)?);
    if magic != MAGIC || len != code_len as u64 {
        return Err(BadEntry::Damaged);
    }
    if written_key != key {
        return Err(BadEntry::Misplaced);
    }
    Ok(Sealed {
        bytes: code,
        digest: written_digest,
    })
}

/// The memo of the entry at `path`.
pub(crate) fn memo_path(path: &Path) -> PathBuf {
    path.with_extension(MEMO_EXTENSION)
}

/// Whether the entry at `path` passed its check for `key` with this stamp.
fn memo_matches(path: &Path, key: &[u8; 32], stamp: &FileStamp) -> bool {
    std::fs::read(memo_path(path)).is_ok_and(|memo| memo == memo_bytes(key, stamp))
}

/// Records that the entry at `path` passed its check for `key`. A memo that
/// cannot be written only means the next load hashes again.
fn remember(path: &Path, key: &[u8; 32], stamp: &FileStamp) {
    let _ = super::write_unsynced(&memo_path(path), &memo_bytes(key, stamp));
}

/// A memo's bytes: the key, then the stamp.
fn memo_bytes(key: &[u8; 32], stamp: &FileStamp) -> Vec<u8> {
    [key.as_slice(), &stamp.to_bytes()].concat()
}

/// The BLAKE3 digest of compiled code, on every core when it is large.
fn digest(code: &[u8]) -> [u8; 32] {
    let mut hasher = blake3::Hasher::new();
    if code.len() >= PARALLEL_FROM {
        hasher.update_rayon(code);
    } else {
        hasher.update(code);
    }
    *hasher.finalize().as_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(dir: &Path, key: &str, code: &[u8]) -> std::path::PathBuf {
        let path = dir.join(format!("{key}.cwasm"));
        std::fs::write(&path, seal(&key_digest(key), code.to_vec())).unwrap();
        path
    }

    #[test]
    fn a_sealed_entry_passes_for_its_key_only() {
        let dir = tempfile::tempdir().unwrap();
        let code = vec![7u8; 3 << 20];
        let path = written(dir.path(), "one", &code);
        assert_eq!(check(&path, &key_digest("one")), Ok(Some(())));
        assert_eq!(check(&path, &key_digest("two")), Err(BadEntry::Misplaced));
        assert_eq!(
            check(&dir.path().join("none"), &key_digest("one")),
            Ok(None)
        );
        assert_eq!(
            &std::fs::read(&path).unwrap()[..code.len()],
            code.as_slice(),
            "the code stays at offset 0"
        );
    }

    #[test]
    fn a_settled_entry_gets_a_memo_and_a_fresh_one_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = written(dir.path(), "one", &[1, 2, 3]);
        let key = key_digest("one");
        assert_eq!(check(&path, &key), Ok(Some(())));
        assert!(!memo_path(&path).exists(), "changed just now: no memo yet");
        let later = SystemTime::now() + SETTLED;
        assert_eq!(check_as_of(&path, &key, later), Ok(Some(())));
        assert!(memo_path(&path).exists());
        assert_eq!(check(&path, &key), Ok(Some(())), "passes through its memo");
    }

    #[test]
    fn a_memo_does_not_cover_a_file_put_in_its_place() {
        let dir = tempfile::tempdir().unwrap();
        let key = key_digest("one");
        let path = written(dir.path(), "one", &[1, 2, 3]);
        let later = SystemTime::now() + SETTLED;
        assert_eq!(check_as_of(&path, &key, later), Ok(Some(())));
        // Same size, same trailer, other code: renamed over the entry.
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[0] ^= 0x40;
        let other = dir.path().join("other");
        std::fs::write(&other, bytes).unwrap();
        std::fs::rename(&other, &path).unwrap();
        assert_eq!(check(&path, &key), Err(BadEntry::Damaged));
    }

    #[test]
    fn a_damaged_entry_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        type Damage = (&'static str, fn(&mut Vec<u8>));
        let damages: [Damage; 6] = [
            ("a flipped byte in the middle", |e| {
                let middle = e.len() / 2;
                e[middle] ^= 0x40;
            }),
            ("truncated", |e| e.truncate(e.len() - 1)),
            ("cut to half", |e| e.truncate(e.len() / 2)),
            ("empty", |e| e.clear()),
            ("longer", |e| e.push(0)),
            ("unsealed", |e| e.truncate(e.len() - TRAILER)),
        ];
        for (what, damage) in damages {
            let path = written(dir.path(), "one", &[1, 2, 3, 4, 5, 6, 7, 8, 9]);
            let mut bytes = std::fs::read(&path).unwrap();
            damage(&mut bytes);
            std::fs::write(&path, bytes).unwrap();
            assert_eq!(
                check(&path, &key_digest("one")),
                Err(BadEntry::Damaged),
                "{what}"
            );
        }
    }
}
