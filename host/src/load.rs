//! Loading a component: read it, check it is a component, compile it (or
//! take its code from the cache) and link it against what the host
//! provides. Everything that can be wrong with a file is found here,
//! before anything runs.

use std::path::Path;
use std::time::{Duration, Instant};

use wasmtime::component::{Component, Instance, InstancePre, Linker};
use wasmtime::{Module, Store};
use wcomp_core::{InterfaceName, decode, wasi};

use crate::cache::recall::{self, Recipe};
use crate::cache::{self, FunctionReuse, Outcome, Rejected};
use crate::error::{RunError, cause};
use crate::imports::Selection;
use crate::linked::Linked;
use crate::split::{self, Split};
use crate::state::StoreData;
use crate::{Host, display_name};

/// A component compiled and linked by a [`Host`], ready to instantiate in
/// that host's stores (whose data holds a `T`).
pub struct Loaded<T: 'static = ()> {
    /// The component's name in messages (its file name).
    pub name: String,
    /// The component, or a linked app's main component.
    pub(crate) component: Component,
    /// The core modules compiled on their own and given to `component`
    /// (see [`crate::split`]), by import name.
    pub(crate) modules: Vec<(String, Module)>,
    /// Whether every core module of its bytes has a module name (see
    /// [`Host::load_for_profile`]): the modules a profile finds unnamed
    /// are then the adapters Wasmtime generates.
    pub(crate) modules_named: bool,
    pub(crate) pre: Pre<T>,
    /// Whether its code came from the cache (for a linked app: all of it).
    pub cache: Outcome,
    /// When it was compiled: how many functions came from the cache.
    pub functions: FunctionReuse,
    /// Cache entries that failed their check, and were compiled again and
    /// replaced: worth a warning, once (the next load finds good ones).
    pub rejected: Vec<Rejected>,
    /// How many components the host links at each instantiation: 0 for a
    /// component loaded whole (see [`Host::load_linked`]).
    pub linked: usize,
    /// How long reading, compiling or loading, and linking took.
    pub load_time: Duration,
}

/// What [`Host::warm`] did: whether the code was in the cache already, how
/// many functions it compiled.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Warmed {
    /// Whether all of it came from the cache.
    pub cache: Outcome,
    /// When it was compiled: how many functions came from the cache.
    pub functions: FunctionReuse,
    /// Cache entries that failed their check, and were compiled again and
    /// replaced.
    pub rejected: Vec<Rejected>,
    /// How long reading and compiling took.
    pub took: Duration,
}

/// A component's code, compiled or from the cache.
#[derive(Clone)]
pub(crate) struct Compiled {
    pub(crate) component: Component,
    /// The core modules it imports, by import name (see [`crate::split`]).
    pub(crate) modules: Vec<(String, Module)>,
    /// Whether all of it came from the cache.
    pub(crate) cache: Outcome,
    pub(crate) functions: FunctionReuse,
    /// Its cache entries that failed their check.
    pub(crate) rejected: Vec<Rejected>,
    /// Which cache entries hold it, when all of them do (see
    /// [`recall`]).
    pub(crate) recipe: Option<Recipe>,
}

impl Compiled {
    /// Gives the component the core modules it imports, in `linker`.
    pub(crate) fn define_modules<T>(&self, linker: &mut Linker<T>) -> wasmtime::Result<()> {
        for (import, module) in &self.modules {
            linker.root().module(import, module)?;
        }
        Ok(())
    }
}

/// How a loaded component is instantiated.
pub(crate) enum Pre<T: 'static> {
    /// As one component.
    Whole(InstancePre<StoreData<T>>),
    /// As the linked components of an app.
    Linked(Linked<T>),
}

impl<T: Send + 'static> Pre<T> {
    /// A fresh instance in `store`: the component's, or a linked app's
    /// main component's.
    pub(crate) async fn instantiate_async(
        &self,
        store: &mut Store<StoreData<T>>,
    ) -> wasmtime::Result<Instance> {
        match self {
            Pre::Whole(pre) => pre.instantiate_async(store).await,
            Pre::Linked(linked) => linked.instantiate_async(store).await,
        }
    }
}

impl<T: Send + 'static> Host<T> {
    /// Reads, compiles (or loads from the cache) and links the component at
    /// `path`. A file that is not a component, or that imports what the host
    /// cannot provide, fails here.
    /// An ahead-of-time compiled artifact (`wcomp compile`, see
    /// [`crate::precompiled`]) is loaded without compiling, when it was
    /// compiled for this host's settings, and refused otherwise.
    pub fn load(&self, path: &Path) -> Result<Loaded<T>, RunError> {
        let started = Instant::now();
        // A remembered load is of a component file with the stamp this one
        // has (an artifact put in its place has another): the file need
        // not be opened to tell.
        let compiled = match self.recall(path) {
            Some(compiled) => compiled,
            None if crate::precompiled::is_precompiled(path)? => {
                return self.load_precompiled(path);
            }
            None => self.compile_file(path)?,
        };
        let mut loaded = self.link_compiled(path, compiled)?;
        loaded.load_time = started.elapsed();
        Ok(loaded)
    }

    /// Compiles the component at `path` into the cache without linking
    /// it, so that a later [`Host::load`] of it, or of a composition that
    /// carries its large core modules, takes the code from the cache: the
    /// modules are cached whole by their bytes (see [`crate::split`]) and
    /// the rest function by function. The code is kept only in the cache:
    /// a host without one compiles for nothing. A component the host could
    /// not link (it imports what another component provides) compiles
    /// all the same.
    pub fn warm(&self, path: &Path) -> Result<Warmed, RunError> {
        let started = Instant::now();
        let compiled = self.compile_file(path)?;
        Ok(Warmed {
            cache: compiled.cache,
            functions: compiled.functions,
            rejected: compiled.rejected,
            took: started.elapsed(),
        })
    }

    /// Like [`Host::load`], for a profiled run (see [`crate::profile`]):
    /// each core module without a module name gets one saying where it is
    /// (`upper/module 2`), so that the profile tells the modules apart.
    /// Only `name` sections change, not the code; modules that had a name
    /// keep their cache entries, and the others are cached anew.
    pub fn load_for_profile(&self, path: &Path) -> Result<Loaded<T>, RunError> {
        let started = Instant::now();
        let bytes = decode::read(path)?;
        let named = crate::module_names::name_modules(&bytes, &display_name(path));
        let mut loaded = self.load_bytes(path, named.as_deref().unwrap_or(&bytes))?;
        loaded.modules_named = named.is_some();
        loaded.load_time = started.elapsed();
        Ok(loaded)
    }

    /// Like [`Host::load`], for bytes already in memory; `path` names the
    /// component in messages.
    pub fn load_bytes(&self, path: &Path, bytes: &[u8]) -> Result<Loaded<T>, RunError> {
        if crate::precompiled::looks_precompiled(bytes) {
            return self.load_precompiled_bytes(path, bytes);
        }
        let started = Instant::now();
        let compiled = self.compile(path, &display_name(path), bytes)?;
        let mut loaded = self.link_compiled(path, compiled)?;
        loaded.load_time = started.elapsed();
        Ok(loaded)
    }

    /// Links compiled code against the host's imports, ready to run.
    pub(crate) fn link_compiled(
        &self,
        path: &Path,
        compiled: Compiled,
    ) -> Result<Loaded<T>, RunError> {
        let started = Instant::now();
        let name = display_name(path);
        let mut linker = self.linker(Selection::ImportedBy(&compiled.component))?;
        let linked = compiled
            .define_modules(&mut linker)
            .and_then(|()| linker.instantiate_pre(&compiled.component));
        let pre = linked.map_err(|e| self.link_error(&name, &compiled.component, e))?;
        Ok(Loaded {
            name,
            component: compiled.component,
            modules: compiled.modules,
            modules_named: false,
            pre: Pre::Whole(pre),
            cache: compiled.cache,
            functions: compiled.functions,
            rejected: compiled.rejected,
            linked: 0,
            load_time: started.elapsed(),
        })
    }

    /// The code of the file at `path` from the cache entries an earlier
    /// load of it used, when the file has not changed since and they are
    /// all there and whole (see [`recall`]): without reading the file.
    fn recall(&self, path: &Path) -> Option<Compiled> {
        let cache = self.cache.as_ref()?;
        let recipe = recall::recall(cache, path, self.placement().name())?;
        let component = cache::cached::<Component>(&self.engine, &recipe.component, cache)?;
        let modules = recipe
            .modules
            .iter()
            .map(|(name, content)| {
                let module = cache::cached::<Module>(&self.engine, content, cache)?;
                Some((name.clone(), module))
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Compiled {
            component,
            modules,
            cache: Outcome::Hit,
            functions: FunctionReuse::default(),
            rejected: Vec::new(),
            recipe: Some(recipe),
        })
    }

    /// Reads the file at `path` and compiles it (see [`Host::compile`]),
    /// and remembers which cache entries hold its code, for the next
    /// [`Host::recall`] of it.
    fn compile_file(&self, path: &Path) -> Result<Compiled, RunError> {
        let read_at = std::time::SystemTime::now();
        let (bytes, stamp) = decode::read_stamped(path)?;
        let compiled = self.compile(path, &display_name(path), &bytes)?;
        if let (Some(cache), Some(stamp), Some(recipe)) =
            (self.cache.as_ref(), stamp, compiled.recipe.as_ref())
        {
            recall::remember(cache, &stamp, read_at, self.placement().name(), recipe);
        }
        Ok(compiled)
    }

    /// Where the rewrite of large modules puts their data, for this host.
    fn placement(&self) -> split::Data {
        if self.pooling() {
            split::Data::WithCode
        } else {
            split::Data::Apart
        }
    }

    /// Checks that `bytes` is a component and compiles it, or loads its
    /// code from the cache: its large core modules on their own when it
    /// has any (see [`crate::split`]), so that a module another component
    /// carried comes from the cache.
    pub(crate) fn compile(
        &self,
        path: &Path,
        name: &str,
        bytes: &[u8],
    ) -> Result<Compiled, RunError> {
        decode::expect_component(path, bytes)?;
        // The rewrite is an optimisation: should it ever fail to compile,
        // the component is compiled whole, which reports any real error.
        if let Some(compiled) =
            split::split(bytes, self.placement()).and_then(|s| self.compile_split(bytes, &s).ok())
        {
            return Ok(compiled);
        }
        let fetched = cache::load::<Component>(&self.engine, bytes, self.cache.as_ref())
            .map_err(|e| compile_error(path, name, bytes, e))?;
        Ok(Compiled {
            component: fetched.artifact,
            modules: Vec::new(),
            cache: fetched.outcome,
            functions: fetched.reuse,
            rejected: fetched.rejected.into_iter().collect(),
            recipe: cached_recipe(fetched.outcome, fetched.content, Vec::new()),
        })
    }

    fn compile_split(&self, bytes: &[u8], split: &Split) -> wasmtime::Result<Compiled> {
        let cache = self.cache.as_ref();
        let component = cache::load::<Component>(&self.engine, &split.bytes, cache)?;
        let mut compiled = Compiled {
            component: component.artifact,
            modules: Vec::with_capacity(split.modules.len()),
            cache: component.outcome,
            functions: component.reuse,
            rejected: component.rejected.into_iter().collect(),
            recipe: None,
        };
        for split in &split.modules {
            let module_bytes = split.bytes(bytes);
            let module = cache::load_hashed::<Module>(
                &self.engine,
                module_bytes,
                Some(&split.content),
                cache,
            )?;
            compiled.cache = compiled.cache.and(module.outcome);
            compiled.functions = compiled.functions.plus(module.reuse);
            compiled.rejected.extend(module.rejected);
            compiled.modules.push((split.name.clone(), module.artifact));
        }
        let modules = split
            .modules
            .iter()
            .map(|m| (m.name.clone(), m.content.clone()));
        compiled.recipe = cached_recipe(compiled.cache, component.content, modules.collect());
        Ok(compiled)
    }

    /// Names every import the host lacks, in WIT syntax; falls back to
    /// Wasmtime's own account when all names are provided but a type
    /// differs, or when the embedder added imports (which names they
    /// define only the linker knows: Wasmtime's account names the first
    /// one missing).
    pub(crate) fn link_error(
        &self,
        name: &str,
        component: &Component,
        err: wasmtime::Error,
    ) -> RunError {
        let missing: Vec<String> = component
            .component_type()
            .imports(&self.engine)
            .map(|(import, _)| import.to_owned())
            .filter(|import| !wasi::host_provides(import) && !split::is_split_import(import))
            .collect();
        if missing.is_empty() || self.extended() {
            return RunError::Link {
                component: name.to_owned(),
                source: cause(err),
            };
        }
        RunError::MissingImports {
            component: name.to_owned(),
            help: missing_imports_help(&missing),
            missing: missing
                .iter()
                .map(|import| format!("  import {import};"))
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }
}

/// The recipe of code all of which is in the cache: of a component of
/// hash `component` importing `modules` (name and hash).
fn cached_recipe(
    outcome: Outcome,
    component: Option<String>,
    modules: Vec<(String, String)>,
) -> Option<Recipe> {
    (outcome != Outcome::Uncached).then_some(Recipe {
        component: component?,
        modules,
    })
}

/// What to do about imports the host lacks: rebuild against the host's
/// WASI when they are WASI the host has in another version (a 0.3 release
/// candidate, say), compose otherwise.
fn missing_imports_help(missing: &[String]) -> String {
    let other_versions: Vec<String> = missing
        .iter()
        .filter_map(|import| InterfaceName::parse(import))
        .filter_map(|import| {
            let provided = wasi::provided_versions(&import);
            (!provided.is_empty()).then(|| {
                let have: Vec<String> = provided.iter().map(|p| format!("`{p}`")).collect();
                format!("`{import}` (the host has {})", have.join(" and "))
            })
        })
        .collect();
    if other_versions.is_empty() {
        return "the host provides WASI 0.2.x (up to 0.2.12), WASI 0.3.0 and wasi:http 0.2.x and 0.3.0; compose the component with one that exports the rest (`wcomp compose`)".to_owned();
    }
    let prerelease = missing.iter().any(|import| {
        InterfaceName::parse(import)
            .and_then(|i| i.version)
            .is_some_and(|v| !v.pre.is_empty())
    });
    let rebuild = if prerelease {
        "WASI release candidates match only themselves; rebuild the guest against WASI 0.3.0 (wit-bindgen 0.61+, componentize-py 0.25+) or 0.2.x"
    } else {
        "rebuild the guest against a WASI version the host provides"
    };
    format!("{rebuild}: {}", other_versions.join(", "))
}

/// Reports a component Wasmtime could not compile the way `inspect` does
/// when the file is broken (with its offset), and with Wasmtime's account
/// otherwise.
pub(crate) fn compile_error(
    path: &Path,
    name: &str,
    bytes: &[u8],
    err: wasmtime::Error,
) -> RunError {
    match wcomp_core::Component::from_bytes(path, bytes) {
        Err(decode) => RunError::Decode(decode),
        Ok(_) => RunError::Compile {
            component: name.to_owned(),
            source: cause(err),
        },
    }
}
