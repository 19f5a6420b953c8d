//! C bindings for a world, generated in-process by the `wit-bindgen-c` crate:
//! a header, a C file with the canonical-ABI glue, and the component-type
//! object that carries the world into the linked module. `wcomp new` writes
//! them beside a C or C++ component's sources and `wcomp build` regenerates
//! them whenever the world changes; nobody edits them.
//!
//! wit-bindgen-c 0.61.1 is built on the 0.258 wasm-tools crates, wcomp on
//! 0.263. The world crosses over in its binary form (the `component-type`
//! encoding behind [`World::fingerprint`]), so the bindings depend on exactly
//! what the fingerprint hashes and nothing else in `wit/`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use wit_bindgen_core::wit_parser as wit258;
use wit_parser::{Type, TypeDefKind};

use super::pins;
use crate::lang::bindgen;
use crate::wit::World;

/// The directory of a component that holds its generated bindings.
pub const DIR: &str = "bindings";

/// The file in [`DIR`] recording what the bindings were generated from.
const STAMP: &str = ".wcomp-world";

/// C bindings could not be generated for a world.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum BindingsError {
    #[error(
        "C and C++ components cannot implement world `{world}`: wit-bindgen-c {version} does not support {feature}, used by {place}"
    )]
    #[diagnostic(
        code(wcomp::c::unsupported),
        help(
            "change the WIT to avoid {feature}, or implement this world in Rust, Python or JavaScript"
        )
    )]
    Unsupported {
        world: String,
        version: &'static str,
        feature: &'static str,
        place: String,
    },

    #[error("wit-bindgen-c {version} cannot generate C bindings for world `{world}`: {message}")]
    #[diagnostic(
        code(wcomp::c::bindings),
        help("the world uses WIT that this version of wit-bindgen-c does not know")
    )]
    Failed {
        world: String,
        version: &'static str,
        message: String,
    },

    #[error("cannot write the C bindings `{}`", path.display())]
    #[diagnostic(code(wcomp::c::bindings_io))]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// An export a C or C++ guest defines, as the header declares it.
#[derive(Debug, Clone)]
pub struct Export {
    /// The WIT function: `ns:pkg/iface@v#f`, or `f` for the world's own.
    pub what: String,
    /// Its C prototype, without the `;`.
    pub prototype: String,
    /// For an async export, the prototype of the callback the guest defines.
    pub callback: Option<String>,
    /// Whether it is `wasi:cli/run`'s `run`, which starters implement.
    pub is_cli_run: bool,
}

/// An exported resource: the guest defines its representation and destructor.
#[derive(Debug, Clone)]
pub struct Resource {
    /// Its WIT name: `ns:pkg/iface@v#name`.
    pub what: String,
    /// The C struct (and typedef) that represents one instance.
    pub rep: String,
    /// The destructor's prototype, without the `;`.
    pub destructor: String,
}

/// Generated bindings, in memory.
#[derive(Debug)]
pub struct Bindings {
    /// The world's C identifier, the stem of every file name.
    pub stem: String,
    /// `(file name, contents)`: the header, the C glue, the component-type
    /// object, and the stamp.
    pub files: Vec<(String, Vec<u8>)>,
    pub exports: Vec<Export>,
    pub resources: Vec<Resource>,
}

impl Bindings {
    /// The header's file name, `<world>.h`.
    pub fn header(&self) -> String {
        format!("{}.h", self.stem)
    }
}

/// The world's component-type object, generated beside `header`.
pub fn type_object(header: &Path) -> PathBuf {
    header.with_file_name(format!(
        "{}_component_type.o",
        header.file_stem().unwrap_or_default().to_string_lossy()
    ))
}

/// What the bindings in a directory were generated from: the generator and
/// the world's fingerprint.
fn stamp(world: &World) -> String {
    format!(
        "wit-bindgen-c {}\nworld {}\n{}\n",
        pins::WIT_BINDGEN_C,
        world.name,
        world.fingerprint()
    )
}

/// Generates the bindings of `world`.
pub fn generate(world: &World) -> Result<Bindings, BindingsError> {
    check_supported(world)?;
    let failed = |message: String| BindingsError::Failed {
        world: world.name.clone(),
        version: pins::WIT_BINDGEN_C,
        message,
    };
    let generator = wit_bindgen_c::Opts::default().build();
    let bindgen::Generated { resolve, id, files } =
        bindgen::run(world, generator).map_err(failed)?;
    let mut files: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|(name, bytes)| (name.to_owned(), bytes.to_vec()))
        .collect();
    let stem = files
        .iter()
        .find_map(|(name, _)| name.strip_suffix(".h"))
        .ok_or_else(|| failed("it wrote no header".to_owned()))?
        .to_owned();
    let header = files
        .iter()
        .find(|(name, _)| *name == format!("{stem}.h"))
        .map(|(_, text)| String::from_utf8_lossy(text).into_owned())
        .unwrap_or_default();
    let mut exports = exports(&resolve, id, &header).map_err(failed)?;
    // Interfaces first, then the world's own functions, as the other
    // languages' stubs have them.
    exports.sort_by_key(|e| !e.what.contains('#'));
    let resources = resources(&resolve, id, &header).map_err(failed)?;
    files.push((STAMP.to_owned(), stamp(world).into_bytes()));
    Ok(Bindings {
        stem,
        files,
        exports,
        resources,
    })
}

/// Writes `world`'s bindings into `dir` unless the ones there were generated
/// from the same world by the same generator. Returns the header's path.
pub fn refresh(dir: &Path, world: &World) -> Result<PathBuf, BindingsError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| BindingsError::Io { path, source }
    };
    let current = std::fs::read_to_string(dir.join(STAMP)).ok();
    if current.as_deref() == Some(stamp(world).as_str())
        && let Some(header) = header_in(dir)
    {
        return Ok(header);
    }
    let bindings = generate(world)?;
    // Files of an older world (another name) must not be compiled too.
    if dir.is_dir() {
        std::fs::remove_dir_all(dir).map_err(io(dir))?;
    }
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    for (name, bytes) in &bindings.files {
        let path = dir.join(name);
        std::fs::write(&path, bytes).map_err(io(&path))?;
    }
    Ok(dir.join(bindings.header()))
}

/// The header in a bindings directory (the only `.h` wit-bindgen-c writes),
/// if the C file and the component-type object beside it are there too.
fn header_in(dir: &Path) -> Option<PathBuf> {
    let header = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "h"))?;
    let stem = header.file_stem()?.to_string_lossy().into_owned();
    let complete = [format!("{stem}.c"), format!("{stem}_component_type.o")]
        .iter()
        .all(|name| dir.join(name).is_file());
    complete.then_some(header)
}

/// Refuses worlds using WIT that wit-bindgen-c 0.61.1 does not implement
/// (it would panic on them): fixed-length lists and `error-context`. The
/// first function using one is named, else the first type.
fn check_supported(world: &World) -> Result<(), BindingsError> {
    let direct = |resolve: &wit_parser::Resolve, ty| unsupported_in(resolve, ty);
    let found = bindgen::first_problem(
        world,
        |_| None,
        |resolve, ty| bindgen::find_in_type(resolve, ty, &direct),
    );
    match found {
        None => Ok(()),
        Some(found) => Err(BindingsError::Unsupported {
            world: world.name.clone(),
            version: pins::WIT_BINDGEN_C,
            feature: found.problem,
            place: found.place,
        }),
    }
}

/// What of `ty` itself wit-bindgen-c cannot do.
fn unsupported_in(resolve: &wit_parser::Resolve, ty: Type) -> Option<&'static str> {
    match ty {
        Type::ErrorContext => Some("`error-context`"),
        Type::Id(id) => match &resolve.types[id].kind {
            TypeDefKind::FixedLengthList(..) => Some("fixed-length lists (`list<T, N>`)"),
            _ => None,
        },
        _ => None,
    }
}

/// Every exported function with its prototype, found in the header by the
/// name wit-bindgen-c gives it.
fn exports(
    resolve: &wit258::Resolve,
    world: wit258::WorldId,
    header: &str,
) -> Result<Vec<Export>, String> {
    let world_name = &resolve.worlds[world].name;
    let renames = HashMap::new();
    let mut out = Vec::new();
    for (key, item) in &resolve.worlds[world].exports {
        let (interface, functions): (Option<&wit258::WorldKey>, Vec<&wit258::Function>) = match item
        {
            wit258::WorldItem::Function(f) => (None, vec![f]),
            wit258::WorldItem::Interface { id, .. } => (
                Some(key),
                resolve.interfaces[*id].functions.values().collect(),
            ),
            wit258::WorldItem::Type { .. } => continue,
        };
        let iface_name = interface.map(|k| resolve.name_world_key(k));
        for f in functions {
            let name =
                wit_bindgen_c::c_func_name(false, resolve, world_name, interface, f, &renames);
            let prototype = prototype(header, &name)
                .ok_or_else(|| format!("its header declares no `{name}`"))?;
            let callback = prototype_of_callback(header, &name);
            out.push(Export {
                what: match &iface_name {
                    Some(iface) => format!("{iface}#{}", f.name),
                    None => f.name.clone(),
                },
                prototype,
                callback,
                is_cli_run: iface_name
                    .as_deref()
                    .is_some_and(|i| i.starts_with("wasi:cli/run@"))
                    && f.name == "run",
            });
        }
    }
    Ok(out)
}

/// The header's declaration of function `name`, without the `;`.
fn prototype(header: &str, name: &str) -> Option<String> {
    let needle = format!(" {name}(");
    header
        .lines()
        .find(|l| l.contains(&needle) && l.ends_with(");") && !l.starts_with("extern "))
        .map(|l| {
            // wit-bindgen-c declares some functions without parameters `()`.
            let l = l.trim_end_matches(';');
            match l.strip_suffix("()") {
                Some(head) => format!("{head}(void)"),
                None => l.to_owned(),
            }
        })
}

/// The callback an async export `name` comes with, if it is async.
fn prototype_of_callback(header: &str, name: &str) -> Option<String> {
    prototype(header, &format!("{name}_callback"))
}

/// Exported resources, with the names wit-bindgen-c gives their
/// representation and destructor.
fn resources(
    resolve: &wit258::Resolve,
    world: wit258::WorldId,
    header: &str,
) -> Result<Vec<Resource>, String> {
    let world_name = &resolve.worlds[world].name;
    let renames = HashMap::new();
    let mut out = Vec::new();
    for (key, item) in &resolve.worlds[world].exports {
        let wit258::WorldItem::Interface { id, .. } = item else {
            continue;
        };
        for (name, ty) in &resolve.interfaces[*id].types {
            if !matches!(resolve.types[*ty].kind, wit258::TypeDefKind::Resource) {
                continue;
            }
            let ns = wit_bindgen_c::owner_namespace(
                Some((*id, key)),
                false,
                world_name.clone(),
                resolve,
                *ty,
                &renames,
            );
            // WIT words are all lower- or all upper-case: this is heck's
            // snake case, which wit-bindgen-c uses.
            let stem = format!("{ns}_{}", name.to_lowercase().replace('-', "_"));
            let destructor = format!("{stem}_destructor");
            out.push(Resource {
                what: format!("{}#{name}", resolve.name_world_key(key)),
                rep: format!("{stem}_t"),
                destructor: prototype(header, &destructor)
                    .ok_or_else(|| format!("its header declares no `{destructor}`"))?,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::wit::test_world as world;

    #[test]
    fn finds_every_export_and_resource() {
        let w = world(
            "package a:b;\ninterface i {\n  resource r {\n    constructor(x: u32);\n    get: func() -> u32;\n  }\n  f: func(s: string) -> string;\n  g: async func() -> u32;\n}\nworld w {\n  export i;\n  export h: func();\n}\n",
            "w",
        );
        let b = generate(&w).unwrap();
        assert_eq!(b.stem, "w");
        let names: Vec<&str> = b.files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["w.c", "w.h", "w_component_type.o", STAMP]);
        let whats: Vec<&str> = b.exports.iter().map(|e| e.what.as_str()).collect();
        assert_eq!(
            whats,
            [
                "a:b/i#[constructor]r",
                "a:b/i#[method]r.get",
                "a:b/i#f",
                "a:b/i#g",
                "h"
            ]
        );
        let g = &b.exports[3];
        assert_eq!(
            g.prototype, "w_callback_code_t exports_a_b_i_g(void)",
            "{g:?}"
        );
        assert_eq!(
            g.callback.as_deref(),
            Some("w_callback_code_t exports_a_b_i_g_callback(w_event_t *event)")
        );
        assert_eq!(b.resources.len(), 1);
        assert_eq!(b.resources[0].rep, "exports_a_b_i_r_t");
    }

    #[test]
    fn refuses_what_wit_bindgen_c_cannot_do() {
        let w = world(
            "package a:b;\ninterface i {\n  f: func(x: list<u8, 4>);\n}\nworld w {\n  export i;\n}\n",
            "w",
        );
        let err = generate(&w).unwrap_err();
        assert!(
            matches!(&err, BindingsError::Unsupported { feature, .. } if feature.contains("fixed-length")),
            "{err}"
        );
    }

    #[test]
    fn refresh_regenerates_only_when_the_world_changes() {
        let w = world("package a:b;\nworld w {\n  export f: func();\n}\n", "w");
        let out = tempfile::tempdir().unwrap();
        let dir = out.path().join(DIR);
        let header = refresh(&dir, &w).unwrap();
        assert_eq!(header, dir.join("w.h"));
        std::fs::write(dir.join("w.c"), "edited").unwrap();
        refresh(&dir, &w).unwrap();
        assert_eq!(std::fs::read_to_string(dir.join("w.c")).unwrap(), "edited");
        // A file missing: all are written again.
        std::fs::remove_file(dir.join("w_component_type.o")).unwrap();
        refresh(&dir, &w).unwrap();
        assert!(dir.join("w_component_type.o").is_file());
        assert_ne!(std::fs::read_to_string(dir.join("w.c")).unwrap(), "edited");
        let changed = world(
            "package a:b;\nworld w {\n  export f: func(x: u32);\n}\n",
            "w",
        );
        refresh(&dir, &changed).unwrap();
        assert!(
            std::fs::read_to_string(dir.join("w.c"))
                .unwrap()
                .contains("exports_w_f")
        );
    }
}
