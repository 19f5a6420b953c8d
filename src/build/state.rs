//! What makes a build incremental: a hash of everything a component's
//! output depends on, and the hashes of each component's last good build.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use wcomp_compose::App;

use super::Job;

/// The recorded inputs of each component's last good build.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(super) struct State {
    components: BTreeMap<String, Recorded>,
    /// Whether a build was recorded since loading: a build that built
    /// nothing leaves the file as it was (or absent).
    #[serde(skip)]
    changed: bool,
}

/// One component's last good build: its inputs' hash and its output's size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Recorded {
    pub inputs: String,
    pub size: u64,
}

impl State {
    fn path(app: &App) -> PathBuf {
        app.build_dir().join("build-state.json")
    }

    /// The state of the last build, or an empty one.
    pub fn load(app: &App) -> State {
        std::fs::read(Self::path(app))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// Saves the state, if a build was recorded; failing to write it only
    /// costs a rebuild.
    pub fn save(&self, app: &App) {
        if !self.changed {
            return;
        }
        if let Ok(json) = serde_json::to_vec_pretty(self) {
            let _ = wcomp_core::fs::write_atomically(&Self::path(app), &json);
        }
    }

    pub fn get(&self, name: &str) -> Option<&Recorded> {
        self.components.get(name)
    }

    pub fn record(&mut self, name: &str, recorded: Recorded) {
        self.components.insert(name.to_owned(), recorded);
        self.changed = true;
    }
}

/// Directories under a component's sources that are outputs, not inputs.
pub(crate) const IGNORED: &[&str] = &["target", "node_modules", "__pycache__", ".git"];

/// Whether a file at `rel`, relative to a component's source directory,
/// is one of its inputs: not inside an output folder, not a `.wasm` file.
pub(crate) fn is_input(rel: &Path) -> bool {
    let in_output_dir = rel.parent().is_some_and(|dir| {
        dir.components()
            .any(|c| IGNORED.contains(&c.as_os_str().to_string_lossy().as_ref()))
    });
    !in_output_dir && rel.extension().is_none_or(|ext| ext != "wasm")
}

/// Every source file under `dir`, sorted: what a component is built from.
pub(super) fn source_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current)? {
            let entry = entry?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let ty = entry.file_type()?;
            if ty.is_dir() {
                if !IGNORED.contains(&name.as_ref()) {
                    stack.push(entry.path());
                }
            } else if is_input(Path::new(name.as_ref())) {
                files.push(entry.path());
            }
        }
    }
    files.sort();
    Ok(files)
}

/// The hash of everything a component's output depends on: the toolchain,
/// the profile, its world's meaning (not the text of unrelated WIT), its
/// app.toml entry and every source file.
pub(super) fn input_hash(job: &Job<'_>) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    hasher.update(job.toolchain_id());
    hasher.update([u8::from(job.release)]);
    hasher.update(format!(
        "{:?}|{}|{:?}",
        job.lang,
        job.entry.world(),
        job.entry.source_dir()
    ));
    hasher.update(job.world.fingerprint());
    for file in source_files(&job.src)? {
        let rel = file.strip_prefix(&job.src).unwrap_or(&file);
        hasher.update(rel.to_string_lossy().as_bytes());
        hasher.update([0]);
        hasher.update(std::fs::read(&file)?);
        hasher.update([0]);
    }
    Ok(hex::encode(hasher.finalize()))
}
