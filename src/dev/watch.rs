//! Watching an app's inputs with `notify`: every component's sources, the
//! WIT its world is read from, prebuilt components and app.toml.
//!
//! Each folder is watched on its own, skipping the output folders the
//! build ignores (`target`, `node_modules`, ...), so an app whose sources
//! sit beside its build output does not watch thousands of folders. Bursts
//! of events (an editor's save, a `git checkout`) are gathered until the
//! files are quiet for a moment, and handed over as one batch.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher as _};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};
use tokio::time::Instant;
use wcomp_compose::App;

use crate::build::{IGNORED, is_input};

/// How long the files must be quiet before a batch is handed over:
/// watchexec's default. An editor's save (write, or write and rename) and
/// `git checkout` of a few files fit in it; a longer burst is one batch
/// anyway if its events come closer than this.
const QUIET: Duration = Duration::from_millis(50);
/// The longest a batch waits for quiet, under a steady stream of events.
const MAX_WAIT: Duration = Duration::from_secs(1);

/// What to watch: folders whose files are inputs, and single files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inputs {
    /// Source and WIT folders, with everything under them.
    trees: BTreeSet<PathBuf>,
    /// app.toml, prebuilt components, single WIT files.
    files: BTreeSet<PathBuf>,
}

impl Inputs {
    /// Only the manifest: what is left to watch when it cannot be loaded.
    pub fn manifest(path: &Path) -> Self {
        Inputs {
            trees: BTreeSet::new(),
            files: BTreeSet::from([absolute(path)]),
        }
    }

    /// Everything the app is built and composed from.
    pub fn of(app: &App) -> Self {
        let mut inputs = Inputs::manifest(app.path());
        for entry in app.components() {
            match entry.lang() {
                Some(_) => {
                    inputs.add(&app.dir().join(entry.source_dir()));
                    inputs.add(&app.component_wit(entry).path);
                }
                None => {
                    if let Some(wasm) = app.component_wasm(entry.name().as_str()) {
                        inputs.files.insert(absolute(&wasm));
                    }
                }
            }
        }
        inputs
    }

    /// These inputs and `path` (a folder, with everything under it, or a
    /// file).
    pub fn with(mut self, path: &Path) -> Self {
        self.add(path);
        self
    }

    /// A folder as a tree, a file as itself.
    fn add(&mut self, path: &Path) {
        let path = absolute(path);
        if path.is_file() {
            self.files.insert(path);
        } else {
            self.trees.insert(path);
        }
    }

    /// Whether a change at `path` may change the app: a watched file, or
    /// an input file under a watched folder that is not an editor's
    /// scratch file.
    fn covers(&self, path: &Path) -> bool {
        if self.files.contains(path) {
            return true;
        }
        let scratch = path.file_name().is_some_and(|name| {
            let name = name.to_string_lossy();
            name.starts_with('.') || name.ends_with('~') || name == "4913"
        });
        !scratch
            && self
                .trees
                .iter()
                .filter_map(|tree| path.strip_prefix(tree).ok())
                .any(|rel| !rel.as_os_str().is_empty() && is_input(rel))
    }

    /// The folders to watch, each on its own: every folder of each tree
    /// except output folders, and the folder of each file (editors replace
    /// a file rather than write into it, which a watch on the file itself
    /// would miss).
    fn folders(&self) -> BTreeSet<PathBuf> {
        let mut folders: BTreeSet<PathBuf> = self
            .files
            .iter()
            .filter_map(|f| f.parent().map(Path::to_owned))
            .collect();
        for tree in &self.trees {
            folders.extend(subfolders(tree));
        }
        folders
    }
}

/// `dir` and every folder under it, except output folders. Links to
/// folders are followed, as the build follows them when it hashes a
/// component's sources (a `wit -> ../wit` link shares one WIT tree); a
/// link back to a folder being walked is not.
fn subfolders(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    // Each folder with the canonical paths of the folders above it.
    let mut stack = vec![(dir.to_owned(), Vec::new())];
    while let Some((current, mut ancestors)) = stack.pop() {
        let (Ok(listing), Ok(real)) = (std::fs::read_dir(&current), current.canonicalize()) else {
            continue;
        };
        if ancestors.contains(&real) {
            continue;
        }
        ancestors.push(real);
        found.push(current);
        for item in listing.flatten() {
            let is_dir = item
                .file_type()
                .is_ok_and(|t| t.is_dir() || (t.is_symlink() && item.path().is_dir()));
            let name = item.file_name();
            if is_dir && !IGNORED.contains(&name.to_string_lossy().as_ref()) {
                stack.push((item.path(), ancestors.clone()));
            }
        }
    }
    found
}

/// The absolute form of `path`, without requiring it to exist.
fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}

/// Watching cannot start.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("cannot watch the app's files for changes")]
#[diagnostic(
    code(wcomp::dev::watch),
    help(
        "on Linux, raise `fs.inotify.max_user_instances` or `max_user_watches` (sysctl), or use `wcomp build`, `compose` and `run` by hand"
    )
)]
pub struct WatchError(#[source] notify::Error);

/// A watcher of an app's inputs; the batches it hands over are kept in it
/// until taken, so waiting for one can be cancelled without losing events.
pub struct Watcher {
    notify: RecommendedWatcher,
    events: UnboundedReceiver<notify::Result<Event>>,
    inputs: Inputs,
    watched: BTreeSet<PathBuf>,
    pending: BTreeSet<PathBuf>,
    /// Files created during the pending batch: one that is gone again by
    /// its end was a tool's scratch file (`sed -i`, an editor's backup).
    created: BTreeSet<PathBuf>,
    first_pending: Option<Instant>,
    /// A folder that could not be watched, said once.
    pub trouble: Option<String>,
}

impl Watcher {
    pub fn new() -> Result<Self, WatchError> {
        let (tx, events) = unbounded_channel();
        let notify = notify::recommended_watcher(move |event| {
            // The receiver is gone only when wcomp is ending.
            let _ = tx.send(event);
        })
        .map_err(WatchError)?;
        Ok(Watcher {
            notify,
            events,
            inputs: Inputs::default(),
            watched: BTreeSet::new(),
            pending: BTreeSet::new(),
            created: BTreeSet::new(),
            first_pending: None,
            trouble: None,
        })
    }

    /// Watches `inputs` from now on, and no longer what is not in them.
    pub fn watch(&mut self, inputs: Inputs) {
        let wanted = inputs.folders();
        self.inputs = inputs;
        for gone in self
            .watched
            .difference(&wanted)
            .cloned()
            .collect::<Vec<_>>()
        {
            let _ = self.notify.unwatch(&gone);
            self.watched.remove(&gone);
        }
        for folder in wanted {
            self.watch_folder(folder);
        }
    }

    fn watch_folder(&mut self, folder: PathBuf) {
        if self.watched.contains(&folder) {
            return;
        }
        match self.notify.watch(&folder, RecursiveMode::NonRecursive) {
            Ok(()) => {
                self.watched.insert(folder);
            }
            Err(e) => {
                self.trouble
                    .get_or_insert_with(|| format!("cannot watch `{}`: {e}", folder.display()));
            }
        }
    }

    /// The next batch of changed input files: waits for a first change,
    /// then for the files to be quiet. Cancel-safe.
    pub async fn changes(&mut self) -> Vec<PathBuf> {
        loop {
            let event = match self.first_pending {
                None => self.events.recv().await,
                Some(first) => {
                    let quiet_until = (Instant::now() + QUIET).min(first + MAX_WAIT);
                    match tokio::time::timeout_at(quiet_until, self.events.recv()).await {
                        Ok(event) => event,
                        Err(_) => {
                            let batch = self.take_batch();
                            if !batch.is_empty() {
                                return batch;
                            }
                            continue;
                        }
                    }
                }
            };
            match event {
                Some(event) => self.absorb(event),
                // The watcher is gone: nothing will change any more.
                None => std::future::pending::<()>().await,
            }
        }
    }

    /// Puts a batch back, as if it had not been taken: for a caller whose
    /// look at it was cancelled before it decided.
    pub fn requeue(&mut self, batch: Vec<PathBuf>) {
        if batch.is_empty() {
            return;
        }
        self.pending.extend(batch);
        self.first_pending.get_or_insert_with(Instant::now);
    }

    /// The pending batch, without the scratch files that came and went.
    fn take_batch(&mut self) -> Vec<PathBuf> {
        self.first_pending = None;
        let created = std::mem::take(&mut self.created);
        std::mem::take(&mut self.pending)
            .into_iter()
            .filter(|path| !created.contains(path) || path.exists())
            .collect()
    }

    /// Adds an event's input files to the batch, and starts watching new
    /// folders inside watched trees.
    fn absorb(&mut self, event: notify::Result<Event>) {
        let paths = match event {
            Ok(event) if matches!(event.kind, EventKind::Access(_)) => return,
            Ok(event) if matches!(event.kind, EventKind::Create(_)) => {
                self.created.extend(event.paths.iter().cloned());
                event.paths
            }
            Ok(event) => event.paths,
            // Events were lost (the queue overflowed): the manifest stands
            // for them, and the check of what changed looks at everything.
            Err(_) => self.inputs.files.iter().take(1).cloned().collect(),
        };
        for path in paths {
            if path.is_dir() && self.inputs.covers(&path.join("f")) {
                for folder in subfolders(&path) {
                    self.watch_folder(folder);
                }
            } else if self.inputs.covers(&path) {
                self.pending.insert(path);
                self.first_pending.get_or_insert_with(Instant::now);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covers_inputs_but_not_outputs_or_scratch_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("cli/src")).unwrap();
        std::fs::write(root.join("app.toml"), "").unwrap();
        let mut inputs = Inputs::manifest(&root.join("app.toml"));
        inputs.add(&root.join("cli"));
        assert!(inputs.covers(&root.join("app.toml")));
        assert!(inputs.covers(&root.join("cli/src/lib.rs")));
        assert!(inputs.covers(&root.join("cli/Cargo.lock")));
        assert!(!inputs.covers(&root.join("cli/target/debug/x")));
        assert!(!inputs.covers(&root.join("cli/out.wasm")));
        assert!(!inputs.covers(&root.join("cli/src/.lib.rs.swp")));
        assert!(!inputs.covers(&root.join("cli/src/lib.rs~")));
        assert!(!inputs.covers(&root.join("composed.wasm")));
        assert!(!inputs.covers(&root.join("cli")), "the tree itself");
    }

    #[test]
    fn folders_skip_output_folders() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for folder in ["cli/src/nested", "cli/target/debug", "cli/node_modules/x"] {
            std::fs::create_dir_all(root.join(folder)).unwrap();
        }
        std::fs::write(root.join("app.toml"), "").unwrap();
        let mut inputs = Inputs::manifest(&root.join("app.toml"));
        inputs.add(&root.join("cli"));
        let folders: Vec<PathBuf> = inputs.folders().into_iter().collect();
        assert_eq!(
            folders,
            ["", "cli", "cli/src", "cli/src/nested"].map(|f| absolute(&root.join(f)))
        );
    }

    #[test]
    fn folders_follow_links_to_folders_but_not_loops() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for folder in ["wit/deps", "adder/src"] {
            std::fs::create_dir_all(root.join(folder)).unwrap();
        }
        std::os::unix::fs::symlink("../wit", root.join("adder/wit")).unwrap();
        std::os::unix::fs::symlink("..", root.join("adder/src/up")).unwrap();
        std::fs::write(root.join("app.toml"), "").unwrap();
        let mut inputs = Inputs::manifest(&root.join("app.toml"));
        inputs.add(&root.join("adder"));
        let folders: Vec<PathBuf> = inputs.folders().into_iter().collect();
        assert_eq!(
            folders,
            ["", "adder", "adder/src", "adder/wit", "adder/wit/deps"]
                .map(|f| absolute(&root.join(f)))
        );
    }

    #[tokio::test]
    async fn a_burst_of_writes_is_one_batch_of_input_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = absolute(dir.path());
        std::fs::create_dir_all(root.join("cli/src")).unwrap();
        std::fs::create_dir_all(root.join("cli/target")).unwrap();
        std::fs::write(root.join("app.toml"), "").unwrap();
        let mut inputs = Inputs::manifest(&root.join("app.toml"));
        inputs.add(&root.join("cli"));
        let mut watcher = Watcher::new().unwrap();
        watcher.watch(inputs);
        std::fs::write(root.join("cli/target/ignored"), "x").unwrap();
        for i in 0..5 {
            std::fs::write(root.join("cli/src/lib.rs"), format!("{i}")).unwrap();
        }
        std::fs::create_dir(root.join("cli/src/new")).unwrap();
        let batch = tokio::time::timeout(Duration::from_secs(10), watcher.changes())
            .await
            .unwrap();
        assert_eq!(batch, vec![root.join("cli/src/lib.rs")]);
        // A folder made after the watch started is watched too.
        std::fs::write(root.join("cli/src/new/mod.rs"), "x").unwrap();
        let batch = tokio::time::timeout(Duration::from_secs(10), watcher.changes())
            .await
            .unwrap();
        assert_eq!(batch, vec![root.join("cli/src/new/mod.rs")]);
    }
}
