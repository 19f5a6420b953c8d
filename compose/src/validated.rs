//! Which input files a composition validated, remembered across
//! processes.
//!
//! Every input component is validated whole, function bodies included,
//! before it is composed; for an app of small components that is most of
//! what `wcomp compose` does. A plan that checked out records, in
//! `target/wcomp/validated`, the [`FileStamp`] each input file had when it
//! was read. A later plan that reads a file with the same stamp (same
//! device, inode, size, modification and change times) reads bytes that
//! were validated, and does not validate them again; any write, copy or
//! rename over the file changes its stamp. Only stamps of files that had
//! not changed for [`SETTLED`] are recorded: one written while it was read
//! is validated again next time. A record that cannot be read or written
//! costs only a validation.
//!
//! The composed component is validated too, except for the function
//! bodies it copies from its inputs. Composing is deterministic, so the
//! same inputs give the same bytes: the record also holds the BLAKE3
//! digest of the last composition that validated and was written, and
//! the same bytes are not validated again. The digest is recorded with
//! the inputs' stamps, once they have settled, and only after the
//! composition was written: a command that fails writes nothing.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::SystemTime;

use wcomp_core::fs::{FileStamp, SETTLED};

use crate::App;

/// The record's file name, in the app's build folder.
const FILE: &str = "validated";
/// The first bytes of the record: its format and version.
const MAGIC: &[u8; 8] = b"wcval\x02\0\0";

/// The stamps of the app's input files when they last validated, by
/// component name, and the digest of the composition last validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Validated {
    stamps: BTreeMap<String, FileStamp>,
    output: Option<[u8; 32]>,
    /// When it was loaded, before the inputs were read: a file is
    /// recorded only if it had settled by then.
    loaded_at: SystemTime,
}

impl Validated {
    /// The app's record, loaded before its inputs are read; empty when
    /// there is none or it does not parse.
    pub(crate) fn load(app: &App) -> Self {
        let loaded_at = SystemTime::now();
        std::fs::read(path(app))
            .ok()
            .and_then(|bytes| Self::parse(&bytes, loaded_at))
            .unwrap_or(Validated {
                stamps: BTreeMap::new(),
                output: None,
                loaded_at,
            })
    }

    /// Whether component `name`'s file, with `stamp`, validated before.
    pub(crate) fn covers(&self, name: &str, stamp: Option<&FileStamp>) -> bool {
        stamp.is_some_and(|stamp| self.stamps.get(name) == Some(stamp))
    }

    /// Whether the composition of digest `composed` ([`digest`]) is the
    /// one validated last.
    pub(crate) fn covers_output(&self, composed: &[u8; 32]) -> bool {
        self.output.as_ref() == Some(composed)
    }

    /// Records that the files of `stamps` (by component name) validated,
    /// those that had settled; writes the record when that changes it,
    /// and returns it.
    pub(crate) fn record<'a>(
        mut self,
        app: &App,
        stamps: impl IntoIterator<Item = (&'a str, Option<FileStamp>)>,
    ) -> Self {
        let mut recorded = BTreeMap::new();
        for (name, stamp) in stamps {
            if let Some(stamp) = stamp.filter(|s| s.settled(self.loaded_at, SETTLED)) {
                recorded.insert(name.to_owned(), stamp);
            }
        }
        if recorded != self.stamps {
            self.stamps = recorded;
            self.write(app);
        }
        self
    }

    /// Records that the composition of digest `composed` validated (and
    /// was written), with the inputs' stamps when some had settled; writes
    /// the record when that changes it.
    pub(crate) fn record_output(&self, app: &App, composed: [u8; 32]) {
        if !self.stamps.is_empty() && self.output != Some(composed) {
            let record = Validated {
                output: Some(composed),
                ..self.clone()
            };
            record.write(app);
        }
    }

    fn write(&self, app: &App) {
        // Derived: a record lost in a power loss costs one validation.
        let _ = wcomp_core::fs::write_derived(&path(app), &self.to_bytes());
    }

    /// The record as written: the magic, the composition's digest (32
    /// zero bytes for none), then per component its name's length (4
    /// bytes), its name, and its stamp.
    fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&self.output.unwrap_or_default());
        for (name, stamp) in &self.stamps {
            bytes.extend_from_slice(&(name.len() as u32).to_le_bytes());
            bytes.extend_from_slice(name.as_bytes());
            bytes.extend_from_slice(&stamp.to_bytes());
        }
        bytes
    }

    /// A record written by [`Validated::to_bytes`]; `None` when it is not
    /// one whole.
    fn parse(bytes: &[u8], loaded_at: SystemTime) -> Option<Self> {
        let rest = bytes.strip_prefix(MAGIC.as_slice())?;
        let (output, mut rest) = rest.split_at_checked(32)?;
        let output: [u8; 32] = output.try_into().ok()?;
        let output = (output != [0; 32]).then_some(output);
        let mut stamps = BTreeMap::new();
        while !rest.is_empty() {
            let (len, after) = rest.split_at_checked(4)?;
            let len = u32::from_le_bytes(len.try_into().ok()?) as usize;
            let (name, after) = after.split_at_checked(len)?;
            let (stamp, after) = after.split_at_checked(56)?;
            stamps.insert(
                String::from_utf8(name.to_vec()).ok()?,
                FileStamp::from_bytes(stamp)?,
            );
            rest = after;
        }
        Some(Validated {
            stamps,
            output,
            loaded_at,
        })
    }
}

/// Where the app's record is.
fn path(app: &App) -> PathBuf {
    app.build_dir().join(FILE)
}

/// The digest a composition is recorded by: of its bytes and of the
/// release that validated them (another may validate other features).
pub(crate) fn digest(composed: &[u8]) -> [u8; 32] {
    let mut hasher = blake3::Hasher::new();
    hasher.update(env!("CARGO_PKG_VERSION").as_bytes());
    hasher.update(&[0]);
    hasher.update(composed);
    *hasher.finalize().as_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_reads_back_and_a_damaged_one_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("adder.wasm");
        std::fs::write(&file, b"bytes").unwrap();
        let stamp = FileStamp::of(&std::fs::File::open(&file).unwrap()).unwrap();
        let record = Validated {
            stamps: BTreeMap::from([("adder".to_owned(), stamp)]),
            output: Some(digest(b"composed")),
            loaded_at: SystemTime::now(),
        };
        let bytes = record.to_bytes();
        let parsed = Validated::parse(&bytes, SystemTime::now()).unwrap();
        assert!(parsed.covers("adder", Some(&stamp)));
        assert!(!parsed.covers("other", Some(&stamp)));
        assert!(!parsed.covers("adder", None));
        assert!(parsed.covers_output(&digest(b"composed")));
        assert!(!parsed.covers_output(&digest(b"composeD")));
        let now = SystemTime::now();
        assert_eq!(Validated::parse(&bytes[..bytes.len() - 1], now), None);
        assert_eq!(Validated::parse(b"not a record", now), None);
    }

    #[test]
    fn a_file_written_again_is_not_covered() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("adder.wasm");
        std::fs::write(&file, b"bytes").unwrap();
        let before = FileStamp::of(&std::fs::File::open(&file).unwrap()).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(10));
        std::fs::write(&file, b"BYTES").unwrap();
        let after = FileStamp::of(&std::fs::File::open(&file).unwrap()).unwrap();
        let record = Validated {
            stamps: BTreeMap::from([("adder".to_owned(), before)]),
            output: None,
            loaded_at: SystemTime::now(),
        };
        assert!(!record.covers("adder", Some(&after)));
    }
}
