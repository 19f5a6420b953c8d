//! Go bindings for a world, generated in-process by the `wit-bindgen-go`
//! crate, and the Go module around them.
//!
//! A Go component's directory is one Go module, `wit_component` (the name
//! wit-bindgen-go's generated imports use):
//!
//! ```text
//! go.mod                          generated: requires and replaces the runtime
//! wit_exports.go                  generated: package main, the `//go:wasmexport`s
//! <iface>/wit_bindings.go         generated: an interface's types and imports
//! export_<iface>/wit_bindings.go  generated: an export's glue
//! export_<iface>/<iface>.go       the user's: the exported functions (scaffolded)
//! gopkg/                          generated: go.bytecodealliance.org/pkg
//! .wcomp-go                       generated: the stamp, listing every file above
//! ```
//!
//! `go.bytecodealliance.org/pkg` (the canonical-ABI runtime the bindings
//! import) cannot be fetched offline, so wcomp carries the copy
//! wit-bindgen-go 0.61.1 was released with (go-pkg [`GO_PKG`]) and
//! writes it to [`PKG_DIR`]; go.mod `replace`s the module with it.
//!
//! The generator runs in-process through [`bindgen::run`], as C's does.

use std::path::{Path, PathBuf};

use super::pins::{GO_PKG, WIT_BINDGEN_GO};
use crate::lang::bindgen;
use crate::wit::World;

/// The directory of a Go component that holds the runtime module.
pub const PKG_DIR: &str = "gopkg";

/// The file recording what the bindings were generated from, and which
/// files they are.
pub const STAMP: &str = ".wcomp-go";

/// `go.bytecodealliance.org/pkg` as released with wit-bindgen-go: only what
/// the bindings import (`wit/runtime`, `wit/types`, which needs `wit/async`).
pub const PKG_FILES: &[(&str, &str)] = &[
    ("go.mod", include_str!("pkg/go.mod")),
    ("LICENSE", include_str!("pkg/LICENSE")),
    ("wit/async/async.go", include_str!("pkg/wit/async/async.go")),
    ("wit/async/empty.s", include_str!("pkg/wit/async/empty.s")),
    (
        "wit/runtime/empty.s",
        include_str!("pkg/wit/runtime/empty.s"),
    ),
    (
        "wit/runtime/runtime.go",
        include_str!("pkg/wit/runtime/runtime.go"),
    ),
    (
        "wit/types/future.go",
        include_str!("pkg/wit/types/future.go"),
    ),
    (
        "wit/types/option.go",
        include_str!("pkg/wit/types/option.go"),
    ),
    (
        "wit/types/result.go",
        include_str!("pkg/wit/types/result.go"),
    ),
    (
        "wit/types/stream.go",
        include_str!("pkg/wit/types/stream.go"),
    ),
    ("wit/types/tuple.go", include_str!("pkg/wit/types/tuple.go")),
    ("wit/types/unit.go", include_str!("pkg/wit/types/unit.go")),
];

/// Go bindings could not be generated for a world.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum BindingsError {
    #[error("wit-bindgen-go {version} cannot generate Go bindings for world `{world}`: {message}")]
    #[diagnostic(
        code(wcomp::go::bindings),
        help("the world uses WIT that this version of wit-bindgen-go does not know")
    )]
    Failed {
        world: String,
        version: &'static str,
        message: String,
    },

    #[error("cannot write the Go bindings `{}`", path.display())]
    #[diagnostic(code(wcomp::go::bindings_io))]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Generated bindings, in memory.
#[derive(Debug)]
pub struct Bindings {
    /// `(path relative to the component, contents)`: go.mod, the glue of
    /// every package, and the runtime module under [`PKG_DIR`].
    pub files: Vec<(String, Vec<u8>)>,
    /// `(path relative to the component, contents)`: a starting
    /// implementation of every export package, for `new` to write once.
    pub stubs: Vec<(String, String)>,
}

/// What the bindings were generated from: the generator and the world.
fn stamp_head(world: &World) -> String {
    format!(
        "wit-bindgen-go {WIT_BINDGEN_GO}\ngo-pkg {GO_PKG}\nworld {}\n{}\n",
        world.name,
        world.fingerprint()
    )
}

/// Generates the bindings of `world`, and stubs for its exports.
pub fn generate(world: &World) -> Result<Bindings, BindingsError> {
    let plain = run_generator(world, false)?;
    let stubbed = run_generator(world, true)?;
    let stubs = super::stubs::extract(&plain, &stubbed);
    let mut files: Vec<(String, Vec<u8>)> = plain
        .into_iter()
        .map(|(name, text)| {
            let text = if name == "go.mod" {
                go_mod(&text)
            } else {
                text
            };
            (name, text.into_bytes())
        })
        .collect();
    files.extend(
        PKG_FILES
            .iter()
            .map(|(name, text)| (format!("{PKG_DIR}/{name}"), text.as_bytes().to_vec())),
    );
    let mut stamp = stamp_head(world);
    for (name, _) in &files {
        stamp.push_str(name);
        stamp.push('\n');
    }
    // Last, so that an interrupted write leaves no stamp of a whole set.
    files.push((STAMP.to_owned(), stamp.into_bytes()));
    Ok(Bindings { files, stubs })
}

/// Runs wit-bindgen-go on the world (crossed over to its wit-parser),
/// unformatted: what `gofmt` on the PATH would make of it must not change
/// the output. Returns `(file, text)` pairs.
fn run_generator(world: &World, stubs: bool) -> Result<Vec<(String, String)>, BindingsError> {
    let failed = |message: String| BindingsError::Failed {
        world: world.name.clone(),
        version: WIT_BINDGEN_GO,
        message,
    };
    let opts = wit_bindgen_go::Opts {
        // wit-bindgen-go would run whatever `gofmt` is on the PATH.
        format: wit_bindgen_go::Format::False,
        generate_stubs: stubs,
        ..Default::default()
    };
    let files = bindgen::run(world, opts.build()).map_err(failed)?.files;
    Ok(files
        .iter()
        .map(|(name, bytes)| (name.to_owned(), String::from_utf8_lossy(bytes).into_owned()))
        .collect())
}

/// The generated go.mod, with the runtime module replaced by [`PKG_DIR`]
/// (no proxy is asked for it) and the toolchain pinned to the local one.
fn go_mod(generated: &str) -> String {
    format!(
        "{}\n\nreplace go.bytecodealliance.org/pkg {GO_PKG} => ./{PKG_DIR}\n",
        generated.trim_end()
    )
}

/// Writes `world`'s bindings into the component directory `dir` unless the
/// ones there were generated from the same world by the same generator.
/// Files an older world generated (listed in the stamp) are removed first,
/// so that no stale package is compiled. Whether it wrote them.
pub fn refresh(dir: &Path, world: &World) -> Result<bool, BindingsError> {
    let head = stamp_head(world);
    let current = std::fs::read_to_string(dir.join(STAMP)).unwrap_or_default();
    let listed: Vec<&str> = current.lines().skip(head.lines().count()).collect();
    let complete = listed.iter().all(|f| dir.join(f).is_file());
    if current.starts_with(&head) && !listed.is_empty() && complete {
        return Ok(false);
    }
    let bindings = generate(world)?;
    for old in &listed {
        remove_generated(dir, old)?;
    }
    for (name, bytes) in &bindings.files {
        write(&dir.join(name), bytes)?;
    }
    Ok(true)
}

/// Removes a file a previous generation wrote, and its directory if that
/// is left empty. Only names the stamp lists (relative, no `..`) are taken.
fn remove_generated(dir: &Path, name: &str) -> Result<(), BindingsError> {
    if name.is_empty() || name.starts_with('/') || name.split('/').any(|c| c == "..") {
        return Ok(());
    }
    let path = dir.join(name);
    match std::fs::remove_file(&path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(source) => return Err(BindingsError::Io { path, source }),
    }
    if let Some(parent) = path.parent()
        && parent != dir
    {
        // Fails (and that is fine) unless it is empty.
        let _ = std::fs::remove_dir(parent);
    }
    Ok(())
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), BindingsError> {
    let io = |source| BindingsError::Io {
        path: path.to_owned(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    std::fs::write(path, bytes).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::wit::test_world as world;

    const ADDER: &str = "package docs:adder@0.1.0;\ninterface add { add: func(x: u32, y: u32) -> u32; }\nworld adder { export add; }\n";

    #[test]
    fn the_bundled_runtime_is_the_one_the_bindings_require() {
        assert_eq!(
            wit_bindgen_go::remote_pkg_version(),
            format!("go.bytecodealliance.org/pkg {GO_PKG}")
        );
    }

    #[test]
    fn generates_bindings_a_replacing_go_mod_and_stubs() {
        let b = generate(&world(ADDER, "adder")).unwrap();
        let names: Vec<&str> = b.files.iter().map(|(n, _)| n.as_str()).collect();
        assert!(names.contains(&"wit_exports.go"), "{names:?}");
        assert!(names.contains(&"gopkg/wit/runtime/runtime.go"), "{names:?}");
        let go_mod = &b.files.iter().find(|(n, _)| n == "go.mod").unwrap().1;
        let go_mod = String::from_utf8_lossy(go_mod);
        assert!(go_mod.starts_with("module wit_component\n"), "{go_mod}");
        assert!(go_mod.ends_with("replace go.bytecodealliance.org/pkg v0.2.3 => ./gopkg\n"));
        assert_eq!(b.stubs.len(), 1);
        let (file, text) = &b.stubs[0];
        assert_eq!(file, "export_docs_adder_add/docs_adder_add.go");
        assert!(text.contains("package export_docs_adder_add\n"), "{text}");
        assert!(
            text.contains("func Add(x uint32, y uint32) uint32 {"),
            "{text}"
        );
        assert!(!text.contains("import"), "{text}");
    }

    #[test]
    fn refresh_rewrites_only_a_changed_world_and_removes_stale_packages() {
        let out = tempfile::tempdir().unwrap();
        let dir = out.path();
        let w = world(
            "package a:b;\ninterface i { f: func(); }\nworld w { import i; export g: func(); }\n",
            "w",
        );
        assert!(refresh(dir, &w).unwrap());
        assert!(dir.join("a_b_i/wit_bindings.go").is_file());
        assert!(!refresh(dir, &w).unwrap());
        std::fs::remove_file(dir.join("gopkg/wit/types/option.go")).unwrap();
        assert!(refresh(dir, &w).unwrap(), "a file missing: all again");
        let changed = world("package a:b;\nworld w { export g: func(); }\n", "w");
        refresh(dir, &changed).unwrap();
        assert!(!dir.join("a_b_i").exists(), "the stale package is gone");
        assert!(dir.join("wit_exports.go").is_file());
    }
}
