//! Writing what `wcomp new` made, all or nothing: every output is checked
//! before any is written, a failure part-way removes what was written, and
//! copied WIT never follows a link out of the folder it is copied from.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::NewError;

/// Files to create, checked before any is written.
#[derive(Default)]
pub struct Writes {
    files: Vec<(PathBuf, Vec<u8>)>,
}

impl Writes {
    pub fn add(&mut self, path: PathBuf, contents: impl Into<Vec<u8>>) {
        self.files.push((path, contents.into()));
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
        for (path, _) in &self.files {
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

    /// Writes every file; on a failure, removes the files and folders this
    /// call created and returns the error.
    pub fn commit(self) -> Result<(), NewError> {
        let mut created_files = Vec::new();
        let mut created_dirs = Vec::new();
        for (path, contents) in &self.files {
            if let Err(e) = write_one(path, contents, &mut created_files, &mut created_dirs) {
                for file in created_files.iter().rev() {
                    let _ = std::fs::remove_file(file);
                }
                for dir in created_dirs.iter().rev() {
                    let _ = std::fs::remove_dir(dir);
                }
                return Err(e);
            }
        }
        Ok(())
    }
}

fn write_one(
    path: &Path,
    contents: &[u8],
    created_files: &mut Vec<PathBuf>,
    created_dirs: &mut Vec<PathBuf>,
) -> Result<(), NewError> {
    let io = |source| NewError::Io {
        path: path.to_owned(),
        source,
    };
    if let Some(parent) = path.parent() {
        let missing: Vec<&Path> = parent.ancestors().take_while(|a| !a.exists()).collect();
        std::fs::create_dir_all(parent).map_err(io)?;
        created_dirs.extend(missing.into_iter().rev().map(Path::to_owned));
    }
    let existed = path.exists();
    std::fs::write(path, contents).map_err(io)?;
    if !existed {
        created_files.push(path.to_owned());
    }
    Ok(())
}

fn read(path: &Path) -> Result<Vec<u8>, NewError> {
    wcomp_core::fs::read_regular(path).map_err(|source| NewError::Io {
        path: path.to_owned(),
        source,
    })
}
