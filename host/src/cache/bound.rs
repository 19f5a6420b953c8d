//! Keeping the compiled-code cache within its size: what it holds, and
//! least-recently-used eviction of whole components and functions alike.
//!
//! Every entry's modification time is its last use (a hit refreshes it).
//! Measuring the cache means reading every entry's metadata, so a small
//! file, `size-estimate`, carries the last measurement plus what was
//! written since; only when the estimate passes the limit is the cache
//! measured and the oldest entries removed, down to nine tenths of it.
//! Two processes may do this at once: each removes only files, oldest
//! first, and a missing file is a miss for whoever wanted it.

use std::ffi::OsStr;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::sealed::{MEMO_EXTENSION, memo_path};

/// The default limit of the cache: 2 GiB.
pub const DEFAULT_MAX: u64 = 2 << 30;

/// The file that carries the size estimate.
const ESTIMATE: &str = "size-estimate";

/// A temporary file older than this was left by a writer that died.
const ABANDONED: Duration = Duration::from_secs(60 * 60);

/// Entries of one kind: how many and how big.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Tally {
    /// How many entries.
    pub entries: u64,
    /// Their size on disk, in bytes.
    pub bytes: u64,
}

impl Tally {
    fn add(&mut self, bytes: u64) {
        self.entries += 1;
        self.bytes += bytes;
    }
}

/// What the cache holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Usage {
    /// Whole compiled components, and the large core modules compiled on
    /// their own, which load in milliseconds.
    pub components: Tally,
    /// Compiled functions, which new compositions reuse.
    pub functions: Tally,
}

impl Usage {
    /// The cache's size in bytes.
    pub fn bytes(&self) -> u64 {
        self.components.bytes + self.functions.bytes
    }
}

/// One entry found on disk.
struct Entry {
    path: PathBuf,
    bytes: u64,
    used: SystemTime,
    function: bool,
}

/// Measures the cache at `dir`; a cache that does not exist is empty.
pub fn usage(dir: &Path) -> io::Result<Usage> {
    Ok(tally(&entries(dir)?))
}

/// Removes everything in the cache at `dir` and says what it held.
pub fn clean(dir: &Path) -> io::Result<Usage> {
    let held = usage(dir)?;
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(held),
    }
}

/// Removes the least recently used entries until the cache at `dir` holds
/// at most nine tenths of `max`; returns what it removed.
pub fn evict(dir: &Path, max: u64) -> io::Result<Usage> {
    let mut entries = entries(dir)?;
    let mut size: u64 = entries.iter().map(|e| e.bytes).sum();
    let mut removed = Usage::default();
    if size > max {
        let target = max / 10 * 9;
        entries.sort_by_key(|e| e.used);
        for entry in &entries {
            if size <= target {
                break;
            }
            let _ = std::fs::remove_file(memo_path(&entry.path));
            match std::fs::remove_file(&entry.path) {
                Ok(()) => {
                    size -= entry.bytes;
                    removed_tally(&mut removed, entry).add(entry.bytes);
                }
                // Another process removed it first.
                Err(e) if e.kind() == io::ErrorKind::NotFound => size -= entry.bytes,
                Err(e) => return Err(e),
            }
        }
    }
    write_estimate(dir, size);
    Ok(removed)
}

/// Accounts for `written` new bytes and evicts when the estimate passes
/// `max`. A cache that cannot be measured or trimmed is left as it is: the
/// run goes on.
pub(crate) fn settle(dir: &Path, max: u64, written: u64) {
    let estimate = std::fs::read_to_string(dir.join(ESTIMATE))
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok());
    match estimate {
        Some(size) if size.saturating_add(written) <= max => {
            write_estimate(dir, size.saturating_add(written))
        }
        // Over the limit, or never measured.
        _ => {
            let _ = evict(dir, max);
        }
    }
}

fn write_estimate(dir: &Path, size: u64) {
    let _ = super::write_unsynced(&dir.join(ESTIMATE), size.to_string().as_bytes());
}

fn removed_tally<'a>(usage: &'a mut Usage, entry: &Entry) -> &'a mut Tally {
    if entry.function {
        &mut usage.functions
    } else {
        &mut usage.components
    }
}

fn tally(entries: &[Entry]) -> Usage {
    let mut usage = Usage::default();
    for entry in entries {
        removed_tally(&mut usage, entry).add(entry.bytes);
    }
    usage
}

/// Every entry of the cache at `dir`: compiled components at its top,
/// functions under `functions/` (not the memos of `loads/`). Temporary
/// files abandoned by writers that died are removed on the way.
fn entries(dir: &Path) -> io::Result<Vec<Entry>> {
    let mut found = Vec::new();
    let functions = super::functions::dir(dir);
    let mut stack = vec![dir.to_owned()];
    while let Some(current) = stack.pop() {
        let listing = match std::fs::read_dir(&current) {
            Ok(listing) => listing,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        for item in listing {
            let item = item?;
            let Ok(meta) = item.metadata() else { continue };
            let path = item.path();
            if meta.is_dir() {
                if path != dir.join(super::recall::DIR) {
                    stack.push(path);
                }
                continue;
            }
            let name = item.file_name();
            let used = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
            if name.to_string_lossy().starts_with('.') {
                if used.elapsed().is_ok_and(|age| age > ABANDONED) {
                    let _ = std::fs::remove_file(&path);
                }
                continue;
            }
            if name == ESTIMATE || path.extension() == Some(OsStr::new(MEMO_EXTENSION)) {
                continue;
            }
            found.push(Entry {
                function: path.starts_with(&functions),
                path,
                bytes: meta.len(),
                used,
            });
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file of `bytes` bytes last used `age_s` seconds ago.
    fn entry(path: &Path, bytes: usize, age_s: u64) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, vec![0u8; bytes]).unwrap();
        let file = std::fs::File::options().write(true).open(path).unwrap();
        file.set_modified(SystemTime::now() - Duration::from_secs(age_s))
            .unwrap();
    }

    #[test]
    fn usage_counts_components_and_functions() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("cache");
        assert_eq!(usage(&root).unwrap(), Usage::default(), "no cache is empty");
        entry(&root.join("a.cwasm"), 100, 0);
        entry(&root.join("functions/ab/cdef"), 10, 0);
        entry(&root.join("functions/ab/0123"), 20, 0);
        entry(&root.join("functions/ab/.tmp-live"), 5, 0);
        let found = usage(&root).unwrap();
        assert_eq!(
            found.components,
            Tally {
                entries: 1,
                bytes: 100
            }
        );
        assert_eq!(
            found.functions,
            Tally {
                entries: 2,
                bytes: 30
            }
        );
        assert_eq!(found.bytes(), 130);
        assert_eq!(clean(&root).unwrap(), found);
        assert!(!root.exists());
        assert_eq!(clean(&root).unwrap(), Usage::default());
    }

    #[test]
    fn eviction_removes_the_least_recently_used_first() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        entry(&root.join("old.cwasm"), 400, 300);
        entry(&root.join("functions/aa/old"), 300, 200);
        entry(&root.join("functions/aa/new"), 300, 10);
        entry(&root.join("new.cwasm"), 200, 0);
        entry(&root.join("old.verified"), 64, 0);
        entry(&root.join("new.verified"), 64, 300);
        entry(&root.join("functions/aa/.tmp-dead"), 50, 2 * 60 * 60);
        // 1200 bytes over a limit of 800: down to 720, oldest first.
        let removed = evict(root, 800).unwrap();
        assert_eq!(removed.bytes(), 700);
        assert!(!root.join("old.cwasm").exists());
        assert!(
            !root.join("old.verified").exists(),
            "a memo goes with its entry"
        );
        assert!(root.join("new.verified").exists(), "a memo is not an entry");
        assert!(!root.join("functions/aa/old").exists());
        assert!(root.join("functions/aa/new").exists());
        assert!(root.join("new.cwasm").exists());
        assert!(
            !root.join("functions/aa/.tmp-dead").exists(),
            "an abandoned temporary file is removed"
        );
        assert_eq!(usage(root).unwrap().bytes(), 500);
        assert_eq!(std::fs::read_to_string(root.join(ESTIMATE)).unwrap(), "500");
    }

    #[test]
    fn settling_trusts_the_estimate_until_it_passes_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        entry(&root.join("old.cwasm"), 600, 100);
        settle(root, 1000, 0);
        assert_eq!(std::fs::read_to_string(root.join(ESTIMATE)).unwrap(), "600");
        entry(&root.join("new.cwasm"), 300, 0);
        settle(root, 1000, 300);
        assert_eq!(std::fs::read_to_string(root.join(ESTIMATE)).unwrap(), "900");
        assert!(root.join("old.cwasm").exists(), "under the limit");
        entry(&root.join("newer.cwasm"), 300, 0);
        settle(root, 1000, 300);
        assert!(!root.join("old.cwasm").exists(), "over the limit: evicted");
        assert!(root.join("new.cwasm").exists());
        assert_eq!(std::fs::read_to_string(root.join(ESTIMATE)).unwrap(), "600");
    }
}
