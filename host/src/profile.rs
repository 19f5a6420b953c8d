//! Profiles of the guest's wasm code, in the Firefox Profiler's format.
//!
//! A [`Profiler`] given in [`RunOptions`](crate::RunOptions) samples the
//! guest's wasm call stack at every epoch tick ([`TICK`], 10 ms, the same
//! interval as `wasmtime run --profile=guest`), and marks each call from
//! the guest into the host (WASI, the embedder's imports) as an interval.
//! After the run, [`Profiler::finish`] gives the profile as the Firefox
//! Profiler's processed-profile JSON, which <https://profiler.firefox.com>
//! opens; its functions carry the names of each core module's name
//! section. Each core module is a library of the profile, named by its
//! module name; load the component with [`Host::load_for_profile`] to give
//! the modules that have none (wit-component's glue) a name saying where
//! they are, `upper/module 2`, rather than `<unknown>`; the modules
//! Wasmtime generates to adapt calls between components are then named
//! [`ADAPTERS`].
//!
//! Sampling is Wasmtime's [`GuestProfiler`]: the host's epoch ticks, which
//! timeouts already use, run a callback in the guest's thread at its next
//! function entry or loop header, which records the stack there. So time
//! spent inside host calls is not sampled (the markers show it instead),
//! and a run shorter than a tick may have no sample. Without a profiler no
//! callback or hook is installed and a run costs what it did.
//!
//! ```
//! use std::sync::Arc;
//! use wcomp_host::{RunOptions, profile::Profiler};
//! let profiler = Arc::new(Profiler::new());
//! let opts = RunOptions::default().with_profiler(profiler.clone());
//! // ... run with `opts`, then:
//! assert!(profiler.finish()?.is_none(), "nothing ran");
//! # Ok::<(), wcomp_host::profile::ProfileError>(())
//! ```

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use wasmtime::{CallHook, Engine, GuestProfiler, Module, Store};
use wcomp_core::fs::WriteError;

#[cfg(doc)]
use crate::Host;
use crate::state::StoreData;
use crate::{Loaded, TICK};

/// Samples one run of a guest; see the [module docs](self).
///
/// Given to several runs, it profiles the last one started.
#[derive(Debug, Default)]
pub struct Profiler {
    running: Mutex<Option<Running>>,
}

/// A run being profiled.
#[derive(Debug)]
struct Running {
    /// The profiled component, for messages.
    component: String,
    /// Whether its modules without a name are Wasmtime's adapters.
    modules_named: bool,
    guest: GuestProfiler,
    /// When the last sample was taken, or the run started.
    last: Instant,
    samples: u64,
}

/// A finished profile: processed-profile JSON and how many samples it has.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Profile {
    /// The Firefox Profiler's processed-profile JSON.
    pub json: Vec<u8>,
    /// How many stack samples it holds.
    pub samples: u64,
}

/// Finishing or writing a profile failed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[non_exhaustive]
pub enum ProfileError {
    /// The profile could not be encoded as JSON.
    #[error("cannot encode the profile of `{component}`")]
    #[diagnostic(code(wcomp::profile::encode))]
    Encode {
        /// The profiled component.
        component: String,
        /// The underlying error, its chain kept.
        #[source]
        source: crate::Cause,
    },

    /// The profile could not be written.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Write(#[from] WriteError),
}

impl Profiler {
    /// A profiler that has profiled nothing yet.
    pub fn new() -> Self {
        Profiler::default()
    }

    /// How many samples the run being profiled has so far (0 before a run
    /// and after [`finish`](Self::finish)).
    pub fn samples(&self) -> u64 {
        self.lock().as_ref().map_or(0, |r| r.samples)
    }

    /// Ends the profile of the last run and gives it; `None` if no run
    /// started (one that failed before its guest was instantiated, say).
    /// The profiler is then ready for another run.
    pub fn finish(&self) -> Result<Option<Profile>, ProfileError> {
        let Some(running) = self.lock().take() else {
            return Ok(None);
        };
        let Running {
            component,
            modules_named,
            guest,
            samples,
            ..
        } = running;
        let encode_error = |source| ProfileError::Encode {
            component: component.clone(),
            source,
        };
        let mut json = Vec::new();
        guest
            .finish(&mut json)
            .map_err(|e| encode_error(crate::error::cause(e)))?;
        if modules_named {
            json = name_adapters(&json).map_err(|e| encode_error(Box::new(e)))?;
        }
        Ok(Some(Profile { json, samples }))
    }

    /// Starts profiling a run of `loaded`: every core module of the
    /// component, and those the host compiled on their own (see
    /// [`crate::split`]), named by their name sections where they have one.
    pub(crate) fn start<T>(&self, engine: &Engine, loaded: &Loaded<T>) -> wasmtime::Result<()> {
        let split = loaded.modules.iter().map(|(import, module)| {
            let name = module.name().unwrap_or(import).to_owned();
            (name, module.clone())
        });
        let guest = GuestProfiler::new_component(
            engine,
            &loaded.name,
            TICK,
            loaded.component.clone(),
            split.collect::<Vec<(String, Module)>>(),
        )?;
        *self.lock() = Some(Running {
            component: loaded.name.clone(),
            modules_named: loaded.modules_named,
            guest,
            last: Instant::now(),
            samples: 0,
        });
        Ok(())
    }

    /// Records the guest's stack now (from an epoch callback).
    pub(crate) fn sample<T>(&self, store: impl wasmtime::AsContext<Data = T>) {
        if let Some(running) = self.lock().as_mut() {
            let now = Instant::now();
            let delta: Duration = now - running.last;
            running.guest.sample(&store, delta);
            running.last = now;
            running.samples += 1;
        }
    }

    /// Marks a call into or out of the host (from a call hook).
    fn call_hook<T>(&self, store: impl wasmtime::AsContext<Data = T>, kind: CallHook) {
        if let Some(running) = self.lock().as_mut() {
            running.guest.call_hook(&store, kind);
        }
    }

    /// The state; a panic in another run's callback leaves it usable.
    fn lock(&self) -> MutexGuard<'_, Option<Running>> {
        self.running.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Profile {
    /// Writes the profile to `path`, atomically: a reader sees the old file
    /// or the whole profile.
    pub fn write(&self, path: &Path) -> Result<(), ProfileError> {
        Ok(wcomp_core::fs::write_atomically(path, &self.json)?)
    }
}

/// What a profile calls the modules Wasmtime generates to adapt calls
/// between the components of a composition.
pub const ADAPTERS: &str = "wasmtime adapters";

/// The profile `json` with its libraries named `<unknown>` (the name
/// Wasmtime gives modules without one) renamed [`ADAPTERS`], in the list
/// of libraries and in each thread's resources: for a component whose own
/// modules all have names, those are the only unnamed ones.
fn name_adapters(json: &[u8]) -> serde_json::Result<Vec<u8>> {
    use serde_json::Value;
    let mut profile: Value = serde_json::from_slice(json)?;
    let mut renamed = Vec::new();
    for (index, lib) in profile["libs"]
        .as_array_mut()
        .into_iter()
        .flatten()
        .enumerate()
    {
        if lib["name"] == "<unknown>" {
            lib["name"] = ADAPTERS.into();
            renamed.push(Value::from(index));
        }
    }
    for thread in profile["threads"].as_array_mut().into_iter().flatten() {
        let strings = thread["stringArray"].as_array().map_or(0, Vec::len);
        let resources = &mut thread["resourceTable"];
        let libs = resources["lib"].as_array().cloned().unwrap_or_default();
        let Some(names) = resources["name"].as_array_mut() else {
            continue;
        };
        let mut used = false;
        for (name, lib) in names.iter_mut().zip(&libs) {
            if renamed.contains(lib) {
                *name = strings.into();
                used = true;
            }
        }
        if let (true, Some(strings)) = (used, thread["stringArray"].as_array_mut()) {
            strings.push(ADAPTERS.into());
        }
    }
    serde_json::to_vec(&profile)
}

/// Marks the guest's calls into the host in `profiler`'s profile; the
/// samples come from the epoch callback (see `crate::engine`).
pub(crate) fn hook_calls<T>(store: &mut Store<StoreData<T>>, profiler: Arc<Profiler>) {
    store.call_hook(move |store, kind| {
        profiler.call_hook(&store, kind);
        Ok(())
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unnamed_libraries_are_named_as_wasmtime_adapters() {
        let json = br#"{
            "libs": [{"name": "<unknown>"}, {"name": "cli.wasm"}],
            "threads": [{
                "stringArray": ["cli.wasm", "<unknown>"],
                "resourceTable": {"lib": [1, 0], "name": [0, 1]}
            }]
        }"#;
        let named: serde_json::Value =
            serde_json::from_slice(&name_adapters(json).expect("renamed")).expect("JSON");
        assert_eq!(named["libs"][0]["name"], ADAPTERS);
        assert_eq!(named["libs"][1]["name"], "cli.wasm");
        let thread = &named["threads"][0];
        let name_of = |resource: usize| {
            let index = thread["resourceTable"]["name"][resource]
                .as_u64()
                .expect("an index");
            thread["stringArray"][index as usize].clone()
        };
        assert_eq!(name_of(0), "cli.wasm");
        assert_eq!(name_of(1), ADAPTERS);
    }
}
