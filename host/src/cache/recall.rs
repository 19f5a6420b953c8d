//! What loading a component file came to, remembered by the file's stamp.
//!
//! To find a component's cache entries, a load reads the whole file,
//! rewrites it (see the host's `split` module) and hashes the rewrite and
//! each large module it imports: for a Python app, 18 MB read and hashed
//! and an 11 MB data module built, most of a warm run. Once a load has
//! found or written every entry, [`remember`] records which they are (the
//! content hash of the component compiled and of each module it imports)
//! by the [`FileStamp`] the file had when it was read. A later load of a
//! file with the same stamp ([`recall`]) takes those entries from the
//! cache without reading the file.
//!
//! Any write, copy or rename over the file changes its stamp, and the
//! change time cannot be set back (the rule of the cache's own memos and
//! of compose's validated record). Only a file that had not changed for
//! [`SETTLED`] is remembered, so that one still being written is read
//! again. A memo is for one release of the host and one placement of
//! data (rewrites differ between them). Entries it names that are gone
//! (evicted) or fail their check send the load back to the file, which
//! reports them. Memos live in `loads/`, named by device and inode; a
//! file's memo is replaced by its next one.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use wcomp_core::fs::{FileStamp, SETTLED};

use super::CodeCache;

/// The first bytes of every memo: its format and version.
const MAGIC: &[u8; 8] = b"wcrl\x01\0\0\0";
/// The folder of the memos, in the cache's: not entries of the cache
/// (they are a few hundred bytes each, and name entries).
pub(crate) const DIR: &str = "loads";

/// The cache entries a load of one file used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Recipe {
    /// The content hash of the component compiled: the file's, or that of
    /// its rewrite.
    pub(crate) component: String,
    /// Each core module it imports: the import's name and the module's
    /// content hash.
    pub(crate) modules: Vec<(String, String)>,
}

/// The recipe remembered for the file at `path` as it is now, loaded with
/// `variant` (the placement of data); `None` when there is none, or the
/// file changed since.
pub(crate) fn recall(cache: &CodeCache, path: &Path, variant: &str) -> Option<Recipe> {
    let stamp = FileStamp::of_path(path)?;
    let memo = std::fs::read(memo_path(&cache.dir, &stamp, variant)).ok()?;
    let (recorded, recipe) = parse(&memo)?;
    (recorded == stamp).then_some(recipe)
}

/// Remembers that the file of `stamp`, read at `read_at` and loaded with
/// `variant`, came to `recipe`, when it had settled by the time it was
/// read (not by now: a compile may take longer than [`SETTLED`]). A memo
/// that cannot be written only means the next load reads the file.
pub(crate) fn remember(
    cache: &CodeCache,
    stamp: &FileStamp,
    read_at: SystemTime,
    variant: &str,
    recipe: &Recipe,
) {
    if stamp.settled(read_at, SETTLED) {
        let path = memo_path(&cache.dir, stamp, variant);
        let _ = super::write_unsynced(&path, &to_bytes(stamp, recipe));
    }
}

/// The memo of the file of `stamp`, loaded with `variant`.
fn memo_path(dir: &Path, stamp: &FileStamp, variant: &str) -> PathBuf {
    let (device, inode) = stamp.device_and_inode();
    dir.join(DIR)
        .join(format!("{device:x}-{inode:x}-{variant}"))
}

/// The release of the host whose rewrites a memo names.
fn release() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// A memo's bytes: the magic, the stamp, then lines of text: the host's
/// release, the component's hash, and `name hash` for each module.
fn to_bytes(stamp: &FileStamp, recipe: &Recipe) -> Vec<u8> {
    let mut text = format!("{}\n{}\n", release(), recipe.component);
    for (name, content) in &recipe.modules {
        text.push_str(&format!("{name} {content}\n"));
    }
    [MAGIC.as_slice(), &stamp.to_bytes(), text.as_bytes()].concat()
}

/// A memo written by [`to_bytes`] of this release; `None` for anything
/// else.
fn parse(bytes: &[u8]) -> Option<(FileStamp, Recipe)> {
    let rest = bytes.strip_prefix(MAGIC)?;
    let stamp = FileStamp::from_bytes(rest.get(..56)?)?;
    let text = std::str::from_utf8(&rest[56..]).ok()?;
    let mut lines = text.strip_suffix('\n')?.split('\n');
    if lines.next()? != release() {
        return None;
    }
    let component = hash(lines.next()?)?;
    let modules = lines
        .map(|line| {
            let (name, content) = line.split_once(' ')?;
            (!name.is_empty()).then(|| Some((name.to_owned(), hash(content)?)))?
        })
        .collect::<Option<Vec<_>>>()?;
    Some((stamp, Recipe { component, modules }))
}

/// `text` when it is a content hash: 64 lowercase hex digits.
fn hash(text: &str) -> Option<String> {
    let hex = |c: char| c.is_ascii_digit() || ('a'..='f').contains(&c);
    (text.len() == 64 && text.chars().all(hex)).then(|| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recipe() -> Recipe {
        Recipe {
            component: "ab".repeat(32),
            modules: vec![("wcomp-module-0".into(), "cd".repeat(32))],
        }
    }

    /// A cache in a new folder, and a file in it, as a load would find it.
    fn cache_and_file() -> (tempfile::TempDir, CodeCache, PathBuf) {
        let dir = tempfile::tempdir().expect("temporary folder");
        let cache = CodeCache::new(dir.path().join("cache"), u64::MAX);
        let file = dir.path().join("app.wasm");
        std::fs::write(&file, b"\0asm").expect("write the file");
        (dir, cache, file)
    }

    fn later() -> SystemTime {
        SystemTime::now() + SETTLED
    }

    #[test]
    fn a_settled_file_is_recalled_until_it_changes() {
        let (_dir, cache, file) = cache_and_file();
        let stamp = FileStamp::of_path(&file).expect("a stamp");
        remember(&cache, &stamp, later(), "apart", &recipe());
        assert_eq!(recall(&cache, &file, "apart"), Some(recipe()));
        assert_eq!(
            recall(&cache, &file, "with-code"),
            None,
            "another placement"
        );

        std::fs::write(&file, b"\0asm").expect("write it again, same bytes");
        assert_eq!(recall(&cache, &file, "apart"), None);
    }

    #[test]
    fn a_file_that_has_not_settled_is_not_remembered() {
        let (_dir, cache, file) = cache_and_file();
        let stamp = FileStamp::of_path(&file).expect("a stamp");
        remember(&cache, &stamp, SystemTime::now(), "apart", &recipe());
        assert_eq!(recall(&cache, &file, "apart"), None);
    }

    #[test]
    fn a_damaged_memo_is_not_recalled() {
        let (_dir, cache, file) = cache_and_file();
        let stamp = FileStamp::of_path(&file).expect("a stamp");
        remember(&cache, &stamp, later(), "apart", &recipe());
        let memo = memo_path(&cache.dir, &stamp, "apart");
        let whole = std::fs::read(&memo).expect("the memo");
        for cut in [8, 64, whole.len() - 1] {
            std::fs::write(&memo, &whole[..cut]).expect("cut the memo");
            assert_eq!(recall(&cache, &file, "apart"), None, "cut at {cut}");
        }
        let (head, text) = whole.split_at(MAGIC.len() + 56);
        let text = std::str::from_utf8(text).expect("text after the stamp");
        let other = [head, text.replace(release(), "0.0.0-other").as_bytes()].concat();
        std::fs::write(&memo, other).expect("rewrite the memo");
        assert_eq!(recall(&cache, &file, "apart"), None, "another release");
    }
}
