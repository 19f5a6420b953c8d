//! What wcomp remembers of a lattice between runs, in
//! `$WCOMP_HOME/lattice/records.json`: the hosts it has seen (so it can ask
//! them directly instead of waiting up to 15 s for heartbeats) and what it
//! deployed where (so `--status` and `undeploy` can name a host that
//! disappeared).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::DeployError;

/// One lattice's record.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Record {
    /// Host ids, last seen first.
    pub hosts: Vec<String>,
    /// App name → its deployment.
    pub deployments: BTreeMap<String, Deployment>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Deployment {
    pub image: String,
    pub vhost: String,
    /// The environment it was started with.
    pub environment: BTreeMap<String, String>,
    pub replicas: usize,
    /// Host id → host name, where it was started.
    pub hosts: BTreeMap<String, String>,
}

fn path(home: &Path) -> PathBuf {
    home.join("lattice").join("records.json")
}

impl Record {
    /// The record of `lattice` (empty when there is none).
    pub fn load(home: &Path, lattice: &str) -> Record {
        std::fs::read(path(home))
            .ok()
            .and_then(|b| serde_json::from_slice::<BTreeMap<String, Record>>(&b).ok())
            .and_then(|mut all| all.remove(lattice))
            .unwrap_or_default()
    }

    /// Saves this as the record of `lattice`.
    pub fn save(&self, home: &Path, lattice: &str) -> Result<(), DeployError> {
        let file = path(home);
        let mut all: BTreeMap<String, Record> = std::fs::read(&file)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        all.insert(lattice.to_owned(), self.clone());
        let fail = |source| DeployError::State {
            path: file.clone(),
            source,
        };
        std::fs::create_dir_all(file.parent().expect("a parent")).map_err(fail)?;
        let text = serde_json::to_vec_pretty(&all).expect("a record serializes");
        let tmp = file.with_extension("json.tmp");
        std::fs::write(&tmp, text).map_err(fail)?;
        std::fs::rename(&tmp, &file).map_err(fail)
    }

    /// Remembers hosts seen live, first.
    pub fn saw(&mut self, ids: impl IntoIterator<Item = String>) {
        let mut seen: Vec<String> = ids.into_iter().collect();
        seen.append(&mut self.hosts);
        let mut unique = Vec::new();
        for id in seen {
            if !unique.contains(&id) {
                unique.push(id);
            }
        }
        unique.truncate(64);
        self.hosts = unique;
    }
}
