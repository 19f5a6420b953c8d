//! What makes a build incremental: a hash of everything a component's
//! output depends on, and the hashes of each component's last good build.

use std::collections::BTreeMap;
use std::ffi::OsStr;
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

/// Why a component's source files could not be listed or read.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum InputError {
    #[error("cannot read `{}`", path.display())]
    #[diagnostic(code(wcomp::build::read_input))]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("`{}` is a link to `{}`, which does not exist", link.display(), target.display())]
    #[diagnostic(
        code(wcomp::build::dangling_link),
        help("point the link at an existing file or folder, or remove it")
    )]
    DanglingLink { link: PathBuf, target: PathBuf },

    #[error("`{}` is a link to `{}`, outside the app", link.display(), target.display())]
    #[diagnostic(
        code(wcomp::build::link_outside_app),
        help(
            "wcomp rebuilds a component when a file it is built from changes, so it reads every file under its folder; it follows links within the app's folder and the component's own, and the component's `wit` link wherever it points, but no other link out of them. Move what the link points to into the app, or name it in app.toml (`path` or `wit`)"
        )
    )]
    LinkOutsideApp { link: PathBuf, target: PathBuf },
}

/// Every source file under `dir`, a component's source folder in the app
/// folder `app_dir`: what the component is built from. Each file is given
/// as its path relative to `dir` (as seen through links), then the path to
/// read; sorted by the relative path.
///
/// Links are followed, as the toolchains follow them, so that an edit to
/// what a link points to rebuilds every component that links to it (two
/// crates sharing one WIT tree through `wit -> ../wit`):
/// - a link to a file or folder inside the app's folder or the component's
///   own is followed;
/// - the component's `wit` link (directly in `dir`) is followed wherever
///   it points, as `wit = ...` in app.toml could name any folder; so are
///   links within what it points to;
/// - any other link out of them is refused with
///   [`InputError::LinkOutsideApp`] (rather than silently left out, which
///   would leave stale builds, or followed, which could read a whole disk);
/// - a link to a folder being walked (an ancestor: a loop) is skipped, the
///   folders compared by their canonical paths;
/// - a dangling link is [`InputError::DanglingLink`], except an editor's
///   lock file (Emacs's `.#name`), which is no input.
///
/// Output folders ([`IGNORED`]) and `.wasm` files are left out, links of
/// those names too wherever they point (`target -> /fast/disk/target`); so
/// are special files (a named pipe would block the read).
pub(super) fn source_files(
    dir: &Path,
    app_dir: &Path,
) -> Result<Vec<(PathBuf, PathBuf)>, InputError> {
    let canonical = |path: &Path| {
        std::fs::canonicalize(path).map_err(|source| InputError::Io {
            path: path.to_owned(),
            source,
        })
    };
    let root = canonical(dir)?;
    let mut within = vec![canonical(app_dir)?, root.clone()];
    let wit = dir.join("wit");
    if std::fs::symlink_metadata(&wit).is_ok_and(|m| m.file_type().is_symlink()) {
        // A dangling `wit` link is reported when the walk reaches it.
        if let Ok(target) = std::fs::canonicalize(&wit) {
            within.push(target);
        }
    }
    let mut walk = Walk {
        within,
        ancestors: vec![root.clone()],
        files: Vec::new(),
    };
    walk.folder(dir, &root, Path::new(""))?;
    let mut files = walk.files;
    files.sort();
    Ok(files)
}

/// A walk of a component's source folder: see [`source_files`].
struct Walk {
    /// Canonical folders links may point into.
    within: Vec<PathBuf>,
    /// The canonical paths of the folders being walked, outermost first.
    ancestors: Vec<PathBuf>,
    files: Vec<(PathBuf, PathBuf)>,
}

impl Walk {
    /// Walks `seen` (a path through any links), whose canonical path is
    /// `real`, at `rel` from the component's folder.
    fn folder(&mut self, seen: &Path, real: &Path, rel: &Path) -> Result<(), InputError> {
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| InputError::Io { path, source }
        };
        let mut entries = std::fs::read_dir(seen)
            .and_then(|entries| entries.collect::<Result<Vec<_>, _>>())
            .map_err(io(seen))?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let name = entry.file_name();
            let path = entry.path();
            let ty = entry.file_type().map_err(io(&path))?;
            let (is_dir, is_file, real_path) = if ty.is_symlink() {
                // An output folder kept elsewhere (`target -> /fast/disk`)
                // or an output file is no input, wherever it points; nor
                // is an editor's lock file.
                if is_ignored(&name)
                    || !is_input(Path::new(&name))
                    || name.to_string_lossy().starts_with(".#")
                {
                    continue;
                }
                let Some(target) = self.link_target(&path)? else {
                    continue;
                };
                let meta = std::fs::metadata(&target).map_err(io(&path))?;
                (meta.is_dir(), meta.is_file(), target)
            } else {
                (ty.is_dir(), ty.is_file(), real.join(&name))
            };
            if is_dir {
                if is_ignored(&name) || self.ancestors.contains(&real_path) {
                    continue;
                }
                self.ancestors.push(real_path.clone());
                self.folder(&path, &real_path, &rel.join(&name))?;
                self.ancestors.pop();
            } else if is_file && is_input(Path::new(&name)) {
                self.files.push((rel.join(&name), path));
            }
        }
        Ok(())
    }

    /// The canonical target of the link at `link`, if it may be followed.
    fn link_target(&self, link: &Path) -> Result<Option<PathBuf>, InputError> {
        let target = match std::fs::canonicalize(link) {
            Ok(target) => target,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(InputError::DanglingLink {
                    link: link.to_owned(),
                    target: std::fs::read_link(link).unwrap_or_default(),
                });
            }
            Err(source) => {
                return Err(InputError::Io {
                    path: link.to_owned(),
                    source,
                });
            }
        };
        if !self.within.iter().any(|dir| target.starts_with(dir)) {
            return Err(InputError::LinkOutsideApp {
                link: link.to_owned(),
                target: std::fs::read_link(link).unwrap_or(target),
            });
        }
        Ok(Some(target))
    }
}

fn is_ignored(name: &OsStr) -> bool {
    IGNORED.contains(&name.to_string_lossy().as_ref())
}

/// The hash of everything a component's output depends on: the toolchain,
/// the profile, its world's meaning (not the text of unrelated WIT), its
/// app.toml entry and every source file.
pub(super) fn input_hash(job: &Job<'_>) -> Result<String, InputError> {
    let mut hasher = Sha256::new();
    hasher.update(job.toolchain_id());
    hasher.update([u8::from(job.release), u8::from(job.keep_names)]);
    hasher.update(format!(
        "{:?}|{}|{:?}",
        job.lang,
        job.entry.world(),
        job.entry.source_dir()
    ));
    hasher.update(job.world.fingerprint());
    hash_sources(&mut hasher, &job.src, &job.app_dir)?;
    Ok(hex::encode(hasher.finalize()))
}

/// Feeds the [source files](source_files) of the component in `dir` to
/// `hasher`: each one's path and contents.
fn hash_sources(hasher: &mut Sha256, dir: &Path, app_dir: &Path) -> Result<(), InputError> {
    for (rel, file) in source_files(dir, app_dir)? {
        let bytes = std::fs::read(&file).map_err(|source| InputError::Io { path: file, source })?;
        hasher.update(rel.to_string_lossy().as_bytes());
        hasher.update([0]);
        hasher.update(bytes);
        hasher.update([0]);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::symlink;

    use super::*;

    /// An app folder built from `(path, contents)` files and `(link, target)`
    /// links.
    fn app(files: &[(&str, &str)], links: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        for (link, target) in links {
            let link = dir.path().join(link);
            std::fs::create_dir_all(link.parent().unwrap()).unwrap();
            symlink(target, link).unwrap();
        }
        dir
    }

    fn listed(app: &Path, component: &str) -> Vec<String> {
        source_files(&app.join(component), app)
            .unwrap()
            .into_iter()
            .map(|(rel, _)| rel.display().to_string())
            .collect()
    }

    fn hash(app: &Path, component: &str) -> String {
        let mut hasher = Sha256::new();
        hash_sources(&mut hasher, &app.join(component), app).unwrap();
        hex::encode(hasher.finalize())
    }

    const SHARED: &[(&str, &str)] = &[
        ("wit/adder.wit", "package docs:adder@0.1.0;\n"),
        ("wit/deps/math.wit", "package docs:math@0.1.0;\n"),
        ("adder/src/lib.rs", "// adder\n"),
        ("runner/src/lib.rs", "// runner\n"),
        ("other/src/lib.rs", "// other\n"),
        ("other/wit/other.wit", "package docs:other@0.1.0;\n"),
    ];
    const LINKS: &[(&str, &str)] = &[("adder/wit", "../wit"), ("runner/wit", "../wit")];

    #[test]
    fn a_linked_wit_folder_is_hashed_for_every_component_linking_to_it() {
        let dir = app(SHARED, LINKS);
        let root = dir.path();
        assert_eq!(
            listed(root, "adder"),
            ["src/lib.rs", "wit/adder.wit", "wit/deps/math.wit"]
        );
        let before: Vec<String> = ["adder", "runner", "other"].map(|c| hash(root, c)).into();
        std::fs::write(
            root.join("wit/adder.wit"),
            "package docs:adder@0.1.0;\n// a comment\n",
        )
        .unwrap();
        let after: Vec<String> = ["adder", "runner", "other"].map(|c| hash(root, c)).into();
        assert_ne!(before[0], after[0], "adder links to the edited WIT");
        assert_ne!(before[1], after[1], "runner links to the edited WIT");
        assert_eq!(before[2], after[2], "other has its own WIT");
        // Unchanged files hash the same, whatever the walk's order.
        assert_eq!(after[0], hash(root, "adder"));
    }

    #[test]
    fn a_link_back_to_a_folder_being_walked_is_not_followed() {
        let dir = app(
            SHARED,
            &[
                ("adder/wit", "../wit"),
                ("adder/src/up", ".."),
                ("adder/src/here", "."),
                ("wit/deps/app", "../.."),
            ],
        );
        assert_eq!(
            listed(dir.path(), "adder"),
            [
                "src/lib.rs",
                "wit/adder.wit",
                // `wit/deps/app` is the app's folder, which holds the walk's
                // folders but is not one: walked, but not the folders the
                // walk is in (`adder`, `wit`, and `runner/wit` leads there).
                "wit/deps/app/other/src/lib.rs",
                "wit/deps/app/other/wit/other.wit",
                "wit/deps/app/runner/src/lib.rs",
                "wit/deps/math.wit",
            ]
        );
    }

    #[test]
    fn a_dangling_link_is_an_error_naming_it() {
        let dir = app(SHARED, &[("adder/src/gone.rs", "../nowhere.rs")]);
        let err = source_files(&dir.path().join("adder"), dir.path()).unwrap_err();
        let InputError::DanglingLink { link, target } = &err else {
            panic!("{err:?}");
        };
        assert!(link.ends_with("adder/src/gone.rs"), "{err}");
        assert_eq!(target, Path::new("../nowhere.rs"));
        // A link to itself is a loop the OS reports, with the link's path.
        let dir = app(SHARED, &[("adder/src/me", "me")]);
        let err = source_files(&dir.path().join("adder"), dir.path()).unwrap_err();
        assert!(
            matches!(&err, InputError::Io { path, .. } if path.ends_with("adder/src/me")),
            "{err:?}"
        );
        // An editor's lock file is no input.
        let dir = app(SHARED, &[("adder/src/.#lib.rs", "me@host.1234:1")]);
        assert_eq!(listed(dir.path(), "adder"), ["src/lib.rs"]);
    }

    #[test]
    fn links_leave_the_app_only_through_the_components_wit_link() {
        let outside = app(
            &[
                ("shared/adder.wit", "package docs:adder@0.1.0;\n"),
                ("elsewhere/x.rs", ""),
            ],
            &[],
        );
        let shared = outside.path().join("shared");
        let elsewhere = outside.path().join("elsewhere");
        let dir = app(SHARED, &[("adder/wit", shared.to_str().unwrap())]);
        assert_eq!(listed(dir.path(), "adder"), ["src/lib.rs", "wit/adder.wit"]);

        symlink(&elsewhere, dir.path().join("adder/src/elsewhere")).unwrap();
        let err = source_files(&dir.path().join("adder"), dir.path()).unwrap_err();
        assert!(
            matches!(&err, InputError::LinkOutsideApp { link, .. } if link.ends_with("adder/src/elsewhere")),
            "{err:?}"
        );
        // Within the `wit` link's target, links stay in it.
        std::fs::remove_file(dir.path().join("adder/src/elsewhere")).unwrap();
        symlink(&elsewhere, shared.join("more")).unwrap();
        let err = source_files(&dir.path().join("adder"), dir.path()).unwrap_err();
        assert!(
            matches!(&err, InputError::LinkOutsideApp { link, .. } if link.ends_with("adder/wit/more")),
            "{err:?}"
        );
    }

    #[test]
    fn outputs_are_left_out_through_links_too() {
        let outside = tempfile::tempdir().unwrap();
        let dir = app(
            &[
                ("adder/src/lib.rs", ""),
                ("adder/src/target/debug/x", ""),
                ("adder/prebuilt.wasm", ""),
                ("build/out.rs", ""),
            ],
            &[
                ("adder/node_modules", "../build"),
                ("adder/out.wasm", "prebuilt.wasm"),
                ("adder/old.wasm", "gone.wasm"),
                // Kept out of the app, as some keep cargo's on a fast disk.
                ("adder/target", outside.path().to_str().unwrap()),
            ],
        );
        assert_eq!(listed(dir.path(), "adder"), ["src/lib.rs"]);
    }
}
