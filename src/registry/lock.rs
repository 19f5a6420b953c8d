//! `wcomp.lock`, beside app.toml: every package the app depends on, as
//! resolved (version, reference, manifest and content digests). With it a
//! build fetches exactly the same bytes, or, offline, uses the cache alone.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::registry::RegistryError;
use crate::registry::digest::Digest;

/// The lock file's name.
pub const FILE_NAME: &str = "wcomp.lock";

const HEADER: &str = "# The packages this app depends on, as resolved: written by wcomp, to be committed.\n# `wcomp build --locked` refuses to change it; `--offline` builds from it and the cache.\n";

/// One resolved package.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Locked {
    /// `ns:name`.
    pub name: String,
    pub version: semver::Version,
    /// The wasm-pkg registry it was resolved in.
    pub registry: String,
    /// The OCI reference it was fetched from.
    pub reference: String,
    /// The manifest's digest.
    pub manifest: Digest,
    /// The component's (the layer's) digest.
    pub digest: Digest,
}

/// The whole file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lock {
    pub version: u32,
    #[serde(default, rename = "package")]
    pub packages: Vec<Locked>,
}

impl Lock {
    /// The lock beside `manifest` (app.toml).
    pub fn path_for(manifest: &Path) -> PathBuf {
        manifest.with_file_name(FILE_NAME)
    }

    /// Reads the lock at `path`; an absent file is an empty lock.
    pub fn load(path: &Path) -> Result<Option<Lock>, RegistryError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(RegistryError::io("read", path)(e)),
        };
        Self::parse(&text)
            .map(Some)
            .map_err(|reason| RegistryError::LockSyntax {
                path: path.to_owned(),
                reason,
            })
    }

    pub fn parse(text: &str) -> Result<Lock, String> {
        let lock: Lock = toml::from_str(text).map_err(|e| e.message().to_owned())?;
        if lock.version != 1 {
            return Err(format!(
                "version {} is not one this wcomp reads (1)",
                lock.version
            ));
        }
        Ok(lock)
    }

    /// The file's text: sorted, so the same resolution gives the same file.
    pub fn to_text(&self) -> String {
        let mut sorted = self.clone();
        sorted.packages.sort();
        sorted.packages.dedup();
        format!(
            "{HEADER}{}",
            toml::to_string(&sorted).expect("a lock serializes")
        )
    }

    /// The highest locked version of `name` that satisfies `requirement`.
    pub fn find(&self, name: &str, requirement: &semver::VersionReq) -> Option<&Locked> {
        self.packages
            .iter()
            .filter(|p| p.name == name && requirement.matches(&p.version))
            .max_by(|a, b| a.version.cmp(&b.version))
    }

    /// What changes from `self` to `new`, in words (for `--locked`).
    pub fn changes_to(&self, new: &Lock) -> Vec<String> {
        let key = |p: &Locked| (p.name.clone(), p.version.clone());
        let mut changes = Vec::new();
        for p in &new.packages {
            match self.packages.iter().find(|o| key(o) == key(p)) {
                None => changes.push(format!("`{}@{}` would be added", p.name, p.version)),
                Some(old) if old != p => {
                    changes.push(format!("`{}@{}` would change", p.name, p.version))
                }
                Some(_) => {}
            }
        }
        for o in &self.packages {
            if !new.packages.iter().any(|p| key(p) == key(o)) {
                changes.push(format!("`{}@{}` would be removed", o.name, o.version));
            }
        }
        changes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locked(version: &str) -> Locked {
        Locked {
            name: "docs:adder".into(),
            version: version.parse().unwrap(),
            registry: "127.0.0.1:5000".into(),
            reference: format!("127.0.0.1:5000/docs/adder:{version}"),
            manifest: Digest::of(version.as_bytes()),
            digest: Digest::of(b"wasm"),
        }
    }

    #[test]
    fn locks_round_trip_sorted_and_find_by_requirement() {
        let lock = Lock {
            version: 1,
            packages: vec![locked("0.2.0"), locked("0.1.3")],
        };
        let text = lock.to_text();
        assert!(
            text.find("0.1.3").unwrap() < text.find("0.2.0").unwrap(),
            "{text}"
        );
        let back = Lock::parse(&text).unwrap();
        assert_eq!(back.packages.len(), 2);
        let req = |r: &str| semver::VersionReq::parse(r).unwrap();
        assert_eq!(
            back.find("docs:adder", &req("0.1"))
                .unwrap()
                .version
                .to_string(),
            "0.1.3"
        );
        assert!(back.find("docs:adder", &req("1")).is_none());
        assert_eq!(back.to_text(), text);
    }

    #[test]
    fn changes_are_named_and_bad_files_refused() {
        let old = Lock {
            version: 1,
            packages: vec![locked("0.1.0")],
        };
        let new = Lock {
            version: 1,
            packages: vec![locked("0.1.1")],
        };
        assert_eq!(
            old.changes_to(&new),
            [
                "`docs:adder@0.1.1` would be added",
                "`docs:adder@0.1.0` would be removed"
            ]
        );
        assert!(old.changes_to(&old).is_empty());
        assert!(
            Lock::parse("version = 2")
                .unwrap_err()
                .contains("version 2")
        );
        assert!(Lock::parse("version = 1\n[[package]]\nname = 1").is_err());
    }
}
