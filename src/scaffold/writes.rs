//! Writing what `wcomp new` made, all or nothing: every output is checked
//! before any is written, a failure part-way puts back what was there, and
//! copied WIT never follows a link out of the folder it is copied from.
//!
//! `--force` never loses a person's work. Each file `new` writes is
//! recorded by its hash in [`RECORD`] in the app's build folder; a file
//! already in place is replaced only if it is as `new` last wrote it (or
//! holds exactly what it would write now), or it is wcomp's own
//! (bindings). Any other file is the person's: kept, unless they ask for
//! it to be replaced, which moves it aside to `NAME.wcomp-backup` first.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::NewError;

/// The file in the app's build folder where `wcomp new` records the hashes
/// of the files it wrote.
pub const RECORD: &str = "new-files.json";

/// The suffix of the copy of a changed file that `--overwrite-sources`
/// replaces.
pub const BACKUP_SUFFIX: &str = "wcomp-backup";

/// Whose a file is once written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// The person's to edit (sources, Cargo.toml, `.gitignore`, copied
    /// WIT): replaced only while it is as wcomp wrote it.
    Person,
    /// wcomp's, regenerated whenever the world changes (C bindings).
    Wcomp,
}

/// What to do with a file of the person's that changed since `new` wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangedFiles {
    /// Leave it as it is, and say so.
    Keep,
    /// Move it aside to `NAME.wcomp-backup`, then write the new one.
    BackUpAndReplace,
}

/// What `new` did with a file of the person's that was already there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Existing {
    /// Replaced: it was as `new` last wrote it.
    Replaced(PathBuf),
    /// Kept: it changed since `new` wrote it (or `new` did not write it).
    Kept(PathBuf),
    /// Moved aside to `backup`, then replaced.
    BackedUp { path: PathBuf, backup: PathBuf },
}

/// What happens to one planned file.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Action {
    /// Write it (creating or replacing it).
    Write,
    /// Leave what is there: the same bytes, or the person's changes.
    Leave,
    /// Rename what is there to this path, then write it.
    BackUp(PathBuf),
}

/// A file to write.
struct Planned {
    path: PathBuf,
    contents: Vec<u8>,
    owner: Owner,
    action: Action,
    /// What the file held before, to put back if a later write fails.
    before: Option<Vec<u8>>,
}

/// Files to create, checked before any is written.
#[derive(Default)]
pub struct Writes {
    files: Vec<Planned>,
}

impl Writes {
    /// Queues a file of the person's.
    pub fn add(&mut self, path: PathBuf, contents: impl Into<Vec<u8>>) {
        self.add_owned(path, contents, Owner::Person);
    }

    /// Queues a file, owned by `owner`.
    pub fn add_owned(&mut self, path: PathBuf, contents: impl Into<Vec<u8>>, owner: Owner) {
        self.files.push(Planned {
            path,
            contents: contents.into(),
            owner,
            action: Action::Write,
            before: None,
        });
    }

    /// Decides what happens to each file already in place (see the
    /// module's docs) and queues the updated record of what `new` wrote
    /// under `app_dir`. Returns what happens to the person's files that
    /// were there and differ from what `new` would write.
    pub fn settle(
        &mut self,
        app_dir: &Path,
        changed: ChangedFiles,
    ) -> Result<Vec<Existing>, NewError> {
        let record_path = wcomp_compose::manifest::build_dir(app_dir).join(RECORD);
        let mut record = Record::read(&record_path);
        let mut report = Vec::new();
        let mut backups = BTreeSet::new();
        for file in &mut self.files {
            let key = record_key(app_dir, &file.path);
            let hash = sha256(&file.contents);
            let Some(before) = existing_contents(&file.path)? else {
                record.files.insert(key, hash);
                continue;
            };
            if before == file.contents {
                file.action = Action::Leave;
                record.files.insert(key, hash);
                continue;
            }
            let as_written = record.files.get(&key) == Some(&sha256(&before));
            if file.owner == Owner::Wcomp || as_written {
                if file.owner == Owner::Person {
                    report.push(Existing::Replaced(file.path.clone()));
                }
                file.before = Some(before);
                record.files.insert(key, hash);
                continue;
            }
            match changed {
                // The record keeps the hash of what `new` wrote, so the
                // file stays the person's however often `--force` runs.
                ChangedFiles::Keep => {
                    file.action = Action::Leave;
                    report.push(Existing::Kept(file.path.clone()));
                }
                ChangedFiles::BackUpAndReplace => {
                    let backup = backup_path(&file.path, &mut backups);
                    file.action = Action::BackUp(backup.clone());
                    report.push(Existing::BackedUp {
                        path: file.path.clone(),
                        backup,
                    });
                    record.files.insert(key, hash);
                }
            }
        }
        let before = existing_contents(&record_path)?;
        self.files.push(Planned {
            path: record_path,
            contents: record.to_json(),
            owner: Owner::Wcomp,
            action: Action::Write,
            before,
        });
        Ok(report)
    }

    /// Queues a copy of the WIT at `from` (a `.wit` file or a folder) into
    /// the folder `to`. Links are followed only while they stay inside
    /// `from`; one that leads out of it, or back into a folder being
    /// copied, is an error.
    pub fn copy_wit(&mut self, from: &Path, to: &Path) -> Result<(), NewError> {
        let root = std::fs::canonicalize(from).map_err(|source| NewError::Io {
            path: from.to_owned(),
            source,
        })?;
        if root.is_file() {
            let name = from.file_name().unwrap_or_default();
            let text = read(&root)?;
            self.add(to.join(name), text);
            return Ok(());
        }
        let mut visiting = BTreeSet::new();
        self.copy_dir(&root, &root, to, &mut visiting)
    }

    fn copy_dir(
        &mut self,
        root: &Path,
        dir: &Path,
        to: &Path,
        visiting: &mut BTreeSet<PathBuf>,
    ) -> Result<(), NewError> {
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| NewError::Io { path, source }
        };
        visiting.insert(dir.to_owned());
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(io(dir))?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()
            .map_err(io(dir))?;
        entries.sort();
        for entry in entries {
            let target = std::fs::canonicalize(&entry).map_err(io(&entry))?;
            if !target.starts_with(root) {
                return Err(NewError::WitLink {
                    link: entry,
                    reason: "that leads out of the folder being copied",
                });
            }
            if visiting.contains(&target) {
                return Err(NewError::WitLink {
                    link: entry,
                    reason: "that leads back into a folder being copied (a loop)",
                });
            }
            let dest = to.join(entry.file_name().unwrap_or_default());
            if target.is_dir() {
                self.copy_dir(root, &target, &dest, visiting)?;
            } else if entry.extension().is_some_and(|e| e == "wit") {
                let text = read(&target)?;
                self.add(dest, text);
            }
        }
        visiting.remove(dir);
        Ok(())
    }

    /// Checks that every file can be created: nothing in the way that is a
    /// folder, no parent that is a file.
    pub fn check(&self) -> Result<(), NewError> {
        for Planned { path, .. } in &self.files {
            if path.is_dir() {
                return Err(NewError::InTheWay {
                    path: path.clone(),
                    what: "a folder",
                });
            }
            let blocked = path.ancestors().skip(1).find(|a| a.exists() && !a.is_dir());
            if let Some(parent) = blocked {
                return Err(NewError::InTheWay {
                    path: parent.to_owned(),
                    what: "a file where a folder is needed",
                });
            }
        }
        Ok(())
    }

    /// Writes every file; on a failure, puts back what this call changed
    /// (files replaced or moved aside, files and folders created) and
    /// returns the error.
    pub fn commit(self) -> Result<(), NewError> {
        let mut undo = Undo::default();
        for file in &self.files {
            if let Err(e) = write_one(file, &mut undo) {
                undo.run();
                return Err(e);
            }
        }
        Ok(())
    }
}

/// What a failed commit puts back.
#[derive(Default)]
struct Undo {
    created_files: Vec<PathBuf>,
    created_dirs: Vec<PathBuf>,
    /// Files replaced, with what they held.
    replaced: Vec<(PathBuf, Vec<u8>)>,
    /// Files moved aside: `(backup, original)`.
    moved: Vec<(PathBuf, PathBuf)>,
}

impl Undo {
    fn run(self) {
        for (path, before) in &self.replaced {
            let _ = std::fs::write(path, before);
        }
        for file in self.created_files.iter().rev() {
            let _ = std::fs::remove_file(file);
        }
        for (backup, original) in self.moved.iter().rev() {
            let _ = std::fs::rename(backup, original);
        }
        for dir in self.created_dirs.iter().rev() {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

fn write_one(file: &Planned, undo: &mut Undo) -> Result<(), NewError> {
    let path = &file.path;
    let io = |source| NewError::Io {
        path: path.to_owned(),
        source,
    };
    if file.action == Action::Leave {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        let missing: Vec<&Path> = parent.ancestors().take_while(|a| !a.exists()).collect();
        std::fs::create_dir_all(parent).map_err(io)?;
        undo.created_dirs
            .extend(missing.into_iter().rev().map(Path::to_owned));
    }
    if let Action::BackUp(backup) = &file.action {
        std::fs::rename(path, backup).map_err(io)?;
        undo.moved.push((backup.clone(), path.clone()));
    }
    let existed = path.exists();
    std::fs::write(path, &file.contents).map_err(io)?;
    match (&file.before, existed) {
        (_, false) => undo.created_files.push(path.clone()),
        (Some(before), true) => undo.replaced.push((path.clone(), before.clone())),
        (None, true) => {}
    }
    Ok(())
}

/// The hashes of the files `new` wrote, by path relative to the app's
/// folder: the app's [`RECORD`].
#[derive(Default, serde::Serialize, serde::Deserialize)]
struct Record {
    files: BTreeMap<String, String>,
}

impl Record {
    /// The record at `path`; empty when there is none or it is unreadable,
    /// which only makes `--force` keep more files.
    fn read(path: &Path) -> Record {
        wcomp_core::fs::read_regular(path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    fn to_json(&self) -> Vec<u8> {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text.into_bytes()
    }
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// `path` relative to the app's folder, `/`-separated.
fn record_key(app_dir: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(app_dir).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// What the file at `path` holds; `None` when there is no file to replace
/// (nothing there, a folder, or a parent that is not a folder: `check`
/// reports those).
fn existing_contents(path: &Path) -> Result<Option<Vec<u8>>, NewError> {
    match std::fs::metadata(path) {
        Ok(meta) if !meta.is_dir() => read(path).map(Some),
        _ => Ok(None),
    }
}

/// `NAME.wcomp-backup`, or `NAME.wcomp-backup-2` and on when that is taken
/// (on disk, or by another file of this run).
fn backup_path(path: &Path, taken: &mut BTreeSet<PathBuf>) -> PathBuf {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let mut n = 1;
    loop {
        let suffix = if n == 1 {
            BACKUP_SUFFIX.to_owned()
        } else {
            format!("{BACKUP_SUFFIX}-{n}")
        };
        let candidate = path.with_file_name(format!("{name}.{suffix}"));
        if std::fs::symlink_metadata(&candidate).is_err() && taken.insert(candidate.clone()) {
            return candidate;
        }
        n += 1;
    }
}

fn read(path: &Path) -> Result<Vec<u8>, NewError> {
    wcomp_core::fs::read_regular(path).map_err(|source| NewError::Io {
        path: path.to_owned(),
        source,
    })
}
