//! Compiled dependencies shared by the Rust builds of every app.
//!
//! Each app builds in its own cargo target directory: one directory shared
//! by all apps mixes up two apps' crates of the same name and version,
//! because cargo hashes a path package by its path relative to its
//! workspace root (two `cli` 0.1.0 components get the same file names, and
//! one app gets the other's `.wasm`).
//!
//! What can be shared is what cannot collide: the units of registry (and
//! git) packages. Their file names carry a hash of the package, its
//! version, source, features, profile, target and compiler, so a unit of
//! that name is the same unit in every app. After a build, those units are
//! [published](Store::publish) to a store under `$WCOMP_HOME`; before a
//! build, the store's units are [seeded](Store::seed) into the app's target
//! directory where missing. cargo then finds wit-bindgen, its proc macro
//! and their dependencies fresh, and compiles only the app's own crates.
//!
//! - Publishing copies a build's new units into the store, every file of
//!   one publication stamped with one modification time, its own. cargo
//!   finds a unit stale when a dependency's output is newer than its own,
//!   and the store gathers units from many builds: were each file to keep
//!   its build's time, a unit published early could depend on one another
//!   build published later with a newer time, and every app seeded from the
//!   store would rebuild the chain. With one stamp per publication, a
//!   unit's dependencies are either in its own publication (the same time)
//!   or were in the store before it (an earlier time).
//! - Seeding hard-links compiler outputs (`.rlib`, `.rmeta`, proc-macro
//!   libraries, build script executables) from the store, so an app costs
//!   no disk for them: rustc and the linker replace an output file rather
//!   than write into it, so a rebuild in one app never changes another's.
//!   Everything else (fingerprints, build script outputs) is copied,
//!   because cargo and build scripts write those in place. Copies keep
//!   their modification time, which cargo's freshness checks compare.
//! - Every file lands under a temporary name and is renamed into place, so
//!   two builds publishing or seeding at once never see half a file.
//!   A unit's fingerprint is published last: a seeder that sees it sees the
//!   unit's outputs too, and a unit missing a file is merely rebuilt.
//! - A build that has path packages other than the component itself (local
//!   crates, `[patch]`) publishes nothing, since registry units built
//!   against a local crate carry that crate in their hash.
//! - Sharing is an optimization: a store that cannot be read or written
//!   leaves the build as it would be without it.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File, FileTimes};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;
use wcomp_host::cache::Tally;

use super::pins;
use crate::toolchain::Home;

/// The store's folder under `$WCOMP_HOME`.
pub const DIR: &str = "rust-deps";

/// Where cargo keeps units, under a target directory.
const UNIT_DIRS: [&str; 3] = ["deps", "build", ".fingerprint"];

/// The store of shared units, laid out as a cargo target directory.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

/// The profile folders a build writes under its target directory: the
/// host's (proc macros, build scripts) and the wasm target's.
pub fn profile_dirs(release: bool) -> [PathBuf; 2] {
    let profile = if release { "release" } else { "debug" };
    [
        PathBuf::from(profile),
        Path::new(pins::RUST_TARGET).join(profile),
    ]
}

impl Store {
    pub fn new(home: &Home) -> Self {
        Self::at(home.dir(DIR))
    }

    pub fn at(root: PathBuf) -> Self {
        Self { root }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// How many files the store holds and their size (files hard-linked
    /// into apps count once, here).
    pub fn usage(&self) -> io::Result<Tally> {
        let mut tally = Tally::default();
        let mut dirs = vec![self.root.clone()];
        while let Some(dir) = dirs.pop() {
            let entries = match fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            };
            for entry in entries {
                let entry = entry?;
                let meta = entry.metadata()?;
                if meta.is_dir() {
                    dirs.push(entry.path());
                } else {
                    tally.entries += 1;
                    tally.bytes += meta.len();
                }
            }
        }
        Ok(tally)
    }

    /// Links every unit the store holds under `profiles` into the target
    /// directory `target`, where the file is missing. Returns how many
    /// files were added.
    pub fn seed(&self, target: &Path, profiles: &[PathBuf]) -> io::Result<usize> {
        let mut added = 0;
        for profile in profiles {
            // Fingerprints last, as when publishing.
            for dir in UNIT_DIRS {
                let from = self.root.join(profile).join(dir);
                added += place_missing(&from, &target.join(profile).join(dir), Place::Link)?;
            }
        }
        Ok(added)
    }

    /// Publishes the registry units of a finished build into the store.
    ///
    /// `messages` are cargo's JSON messages, fresh units included; `own`
    /// is the component's own manifest. Returns how many files were added.
    pub fn publish(&self, target: &Path, messages: &[Value], own: &Path) -> io::Result<usize> {
        let Some(units) = registry_units(messages, own) else {
            return Ok(0);
        };
        let place = Place::Stamp(std::time::SystemTime::now());
        let mut added = 0;
        for (profile, hashes) in units {
            let Ok(relative) = profile.strip_prefix(target) else {
                continue;
            };
            for dir in UNIT_DIRS {
                let from = profile.join(dir);
                let Ok(entries) = fs::read_dir(&from) else {
                    continue;
                };
                for entry in entries {
                    let name = entry?.file_name();
                    let Some(name) = name.to_str() else { continue };
                    if hashes.contains(unit_hash(name)) {
                        let to = self.root.join(relative).join(dir).join(name);
                        added += place_missing(&from.join(name), &to, place)?;
                    }
                }
            }
        }
        Ok(added)
    }
}

/// The hash a unit's file or folder name ends with: `libsyn-<hash>.rlib`,
/// `syn-<hash>.d`, `.fingerprint/syn-<hash>`, `build/serde-<hash>`.
fn unit_hash(name: &str) -> &str {
    let stem = name.split('.').next().unwrap_or(name);
    stem.rsplit_once('-').map_or("", |(_, hash)| hash)
}

/// The units of registry packages in a build, by the profile folder they
/// are in; `None` when the build has path packages besides `own`.
fn registry_units(messages: &[Value], own: &Path) -> Option<BTreeMap<PathBuf, BTreeSet<String>>> {
    let own_dir = own.parent()?;
    let mut units: BTreeMap<PathBuf, BTreeSet<String>> = BTreeMap::new();
    for message in messages {
        let Some(id) = message["package_id"].as_str() else {
            continue;
        };
        if let Some(path) = id.strip_prefix("path+file://") {
            let dir = Path::new(path.split('#').next().unwrap_or(path));
            if dir != own_dir && fs::canonicalize(dir).ok().as_deref() != Some(own_dir) {
                return None;
            }
            continue;
        }
        for (profile, hash) in unit_locations(message) {
            if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                units.entry(profile).or_default().insert(hash);
            }
        }
    }
    Some(units)
}

/// Where one message's unit lives: its profile folder and hash. An
/// artifact lives in `<profile>/deps/` (libraries) or `<profile>/build/
/// <pkg>-<hash>/` (a build script); a build script's run, in `<profile>/
/// build/<pkg>-<hash>/out`.
fn unit_locations(message: &Value) -> Vec<(PathBuf, String)> {
    let files: Vec<&str> = match message["reason"].as_str() {
        Some("compiler-artifact") => message["filenames"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect(),
        Some("build-script-executed") => message["out_dir"].as_str().into_iter().collect(),
        _ => Vec::new(),
    };
    files
        .into_iter()
        .filter_map(|file| {
            let file = Path::new(file);
            let parent = file.parent()?;
            let (unit, profile) = if parent.file_name()? == "deps" {
                (file, parent.parent()?)
            } else {
                let build = parent.parent()?;
                (
                    parent,
                    build
                        .parent()
                        .filter(|_| build.file_name() == Some("build".as_ref()))?,
                )
            };
            let hash = unit_hash(unit.file_name()?.to_str()?);
            Some((profile.to_owned(), hash.to_owned()))
        })
        .collect()
}

/// How a file reaches its place.
#[derive(Debug, Clone, Copy)]
enum Place {
    /// Seeding: compiler outputs hard-linked, the rest copied with their
    /// modification time.
    Link,
    /// Publishing: copied, and given this modification time.
    Stamp(std::time::SystemTime),
}

/// Places `from` (a file, or a folder recursively) at `to`, file by file,
/// skipping files that exist. Returns how many files were added.
fn place_missing(from: &Path, to: &Path, place: Place) -> io::Result<usize> {
    let meta = match fs::symlink_metadata(from) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    if meta.is_dir() {
        let mut added = 0;
        for entry in fs::read_dir(from)? {
            let entry = entry?;
            added += place_missing(&entry.path(), &to.join(entry.file_name()), place)?;
        }
        return Ok(added);
    }
    if !meta.is_file() || fs::symlink_metadata(to).is_ok() || is_temporary(from) {
        return Ok(0);
    }
    if let Some(parent) = to.parent() {
        fs::create_dir_all(parent)?;
    }
    let temporary = temporary_beside(to);
    let placed = match place {
        Place::Link if is_compiler_output(from) => fs::hard_link(from, &temporary)
            .or_else(|_| copy_with_mtime(from, &temporary, meta.modified()?)),
        Place::Link => copy_with_mtime(from, &temporary, meta.modified()?),
        Place::Stamp(time) => copy_with_mtime(from, &temporary, time),
    }
    .and_then(|()| fs::rename(&temporary, to));
    if placed.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    placed.map(|()| 1)
}

/// Whether cargo's tools replace this file when they rebuild it (rather
/// than write into it), so that it may be hard-linked.
fn is_compiler_output(path: &Path) -> bool {
    let in_deps = path.parent().and_then(Path::file_name) == Some("deps".as_ref());
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    (in_deps && matches!(ext, "rlib" | "rmeta" | "so" | "dylib" | "a" | "wasm"))
        || name == "build-script-build"
        || name.starts_with("build_script_build-")
}

fn copy_with_mtime(from: &Path, to: &Path, time: std::time::SystemTime) -> io::Result<()> {
    fs::copy(from, to)?;
    let times = FileTimes::new().set_modified(time);
    File::options().write(true).open(to)?.set_times(times)
}

const TEMPORARY: &str = ".wcomp-tmp";

fn is_temporary(path: &Path) -> bool {
    path.to_str().is_some_and(|p| p.ends_with(TEMPORARY))
}

/// A name beside `to` that no other thread or process uses.
fn temporary_beside(to: &Path) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let name = to.file_name().and_then(|n| n.to_str()).unwrap_or("unit");
    to.with_file_name(format!(".{name}.{}.{n}{TEMPORARY}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::MetadataExt;
    use std::path::Path;

    use serde_json::json;

    use super::*;

    const SYN: &str = "0123456789abcdef";
    const SERDE: &str = "fedcba9876543210";
    const OWN: &str = "1111111111111111";

    /// A target directory as cargo leaves it: two registry units (a
    /// library, a build script run) and the component's own.
    fn target(root: &Path) -> Vec<Value> {
        let debug = root.join("debug");
        let files = [
            format!("deps/libsyn-{SYN}.rlib"),
            format!("deps/libsyn-{SYN}.rmeta"),
            format!("deps/syn-{SYN}.d"),
            format!(".fingerprint/syn-{SYN}/lib-syn"),
            format!("build/serde-{SERDE}/out/private.rs"),
            format!("build/serde-{SERDE}/output"),
            format!(".fingerprint/serde-{SERDE}/run-build-script-build-script-build"),
            format!("deps/libcli-{OWN}.rlib"),
            format!(".fingerprint/cli-{OWN}/lib-cli"),
        ];
        for file in &files {
            let path = debug.join(file);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, file).unwrap();
        }
        let d = debug.display();
        vec![
            json!({"reason": "compiler-artifact",
                   "package_id": "registry+https://github.com/rust-lang/crates.io-index#syn@2.0.0",
                   "filenames": [format!("{d}/deps/libsyn-{SYN}.rlib"), format!("{d}/deps/libsyn-{SYN}.rmeta")]}),
            json!({"reason": "build-script-executed",
                   "package_id": "registry+https://github.com/rust-lang/crates.io-index#serde@1.0.0",
                   "out_dir": format!("{d}/build/serde-{SERDE}/out")}),
            json!({"reason": "compiler-artifact",
                   "package_id": "path+file:///app/cli#0.1.0",
                   "filenames": [format!("{d}/deps/libcli-{OWN}.rlib")]}),
        ]
    }

    #[test]
    fn publishes_registry_units_and_seeds_them_into_another_app() {
        let tmp = tempfile::tempdir().unwrap();
        let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
        let messages = target(&a);
        let store = Store::at(tmp.path().join("store"));

        let published = store
            .publish(&a, &messages, Path::new("/app/cli/Cargo.toml"))
            .unwrap();
        assert_eq!(
            published, 7,
            "every registry file, none of the component's own"
        );
        assert!(
            !store
                .root()
                .join(format!("debug/deps/libcli-{OWN}.rlib"))
                .exists()
        );

        let stamps: BTreeSet<_> = walk(store.root())
            .iter()
            .map(|f| fs::metadata(f).unwrap().modified().unwrap())
            .collect();
        assert_eq!(stamps.len(), 1, "one publication, one modification time");

        let seeded = store.seed(&b, &profile_dirs(false)).unwrap();
        assert_eq!(seeded, 7);
        assert_eq!(store.usage().unwrap().entries, 7);
        let rlib = |root: &Path| fs::metadata(root.join(format!("debug/deps/libsyn-{SYN}.rlib")));
        assert_ne!(
            rlib(&a).unwrap().ino(),
            rlib(store.root()).unwrap().ino(),
            "publishing copies"
        );
        assert_eq!(
            rlib(store.root()).unwrap().ino(),
            rlib(&b).unwrap().ino(),
            "seeding hard-links outputs"
        );
        let output =
            |root: &Path| fs::metadata(root.join(format!("debug/build/serde-{SERDE}/output")));
        let (from, to) = (output(store.root()).unwrap(), output(&b).unwrap());
        assert_ne!(from.ino(), to.ino(), "what cargo writes in place is copied");
        assert_eq!(
            from.modified().unwrap(),
            to.modified().unwrap(),
            "with its mtime"
        );

        assert_eq!(
            store.seed(&b, &profile_dirs(false)).unwrap(),
            0,
            "only what is missing"
        );
        let leftovers = walk(&b).into_iter().filter(|p| is_temporary(p)).count();
        assert_eq!(leftovers, 0);
    }

    #[test]
    fn a_build_with_other_local_crates_publishes_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let messages = target(tmp.path());
        let store = Store::at(tmp.path().join("store"));
        let elsewhere = store
            .publish(tmp.path(), &messages, Path::new("/app/other/Cargo.toml"))
            .unwrap();
        assert_eq!(elsewhere, 0);
        assert!(!store.root().exists());
    }

    #[test]
    fn unit_hashes_come_from_file_and_folder_names() {
        assert_eq!(unit_hash(&format!("libwit_bindgen-{SYN}.rlib")), SYN);
        assert_eq!(unit_hash(&format!("wit-bindgen-rust-macro-{SYN}")), SYN);
        assert_eq!(unit_hash(&format!("syn-{SYN}.d")), SYN);
        assert_eq!(unit_hash("hello.wasm"), "");
    }

    fn walk(dir: &Path) -> Vec<PathBuf> {
        let mut files = Vec::new();
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files.extend(walk(&path));
            } else {
                files.push(path);
            }
        }
        files
    }
}
