//! Reading an app's WIT: resolving a world from a `wit/` directory (with its
//! `deps/`), for scaffolding, building and checking build outputs.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wit_parser::{Function, Resolve, Type, TypeDefKind, WorldId, WorldItem};

/// The WIT could not be read or has no such world.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum WitError {
    #[error("no WIT directory at `{}`", dir.display())]
    #[diagnostic(
        code(wcomp::wit::missing),
        help(
            "create it with `wcomp new`, or point `--wit` at the directory holding your `.wit` files"
        )
    )]
    Missing { dir: PathBuf },

    #[error("the WIT in `{}` does not parse", dir.display())]
    #[diagnostic(code(wcomp::wit::parse))]
    Parse {
        dir: PathBuf,
        #[source]
        source: WitDetail,
    },

    #[error("no world `{name}` in `{}`", dir.display())]
    #[diagnostic(code(wcomp::wit::no_world), help("{available}"))]
    NoWorld {
        name: String,
        dir: PathBuf,
        available: String,
    },
}

/// wit-parser's own account, which carries the file, line and a snippet.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct WitDetail(pub String);

/// A resolved world.
pub struct World {
    pub resolve: Resolve,
    pub id: WorldId,
    /// The world's name.
    pub name: String,
    /// The WIT directory it came from.
    pub dir: PathBuf,
}

impl World {
    /// Resolves world `name` of the package in `dir`.
    pub fn load(dir: &Path, name: &str) -> Result<World, WitError> {
        if !dir.is_dir() {
            return Err(WitError::Missing {
                dir: dir.to_owned(),
            });
        }
        let mut resolve = Resolve::default();
        let (pkg, _) = resolve.push_dir(dir).map_err(|e| WitError::Parse {
            dir: dir.to_owned(),
            // wit-parser renders its typed errors with file, line and a snippet.
            source: WitDetail(resolve.render_error(&e)),
        })?;
        let found = resolve.packages[pkg]
            .worlds
            .iter()
            .find(|(world, _)| *world == name)
            .map(|(_, id)| *id);
        let Some(id) = found else {
            let worlds: Vec<String> = resolve.packages[pkg]
                .worlds
                .keys()
                .map(|w| format!("`{w}`"))
                .collect();
            return Err(WitError::NoWorld {
                name: name.to_owned(),
                dir: dir.to_owned(),
                available: if worlds.is_empty() {
                    "the package declares no worlds".to_owned()
                } else {
                    format!("the worlds in this package are {}", worlds.join(", "))
                },
            });
        };
        Ok(World {
            resolve,
            id,
            name: name.to_owned(),
            dir: dir.to_owned(),
        })
    }

    /// The world's exports, as WIT names (`ns:pkg/iface@v`, `func f`).
    pub fn exports(&self) -> Vec<String> {
        wcomp_core::decode::item_names(&self.resolve, self.id, true)
    }

    /// The world's imports, as WIT names.
    pub fn imports(&self) -> Vec<String> {
        wcomp_core::decode::item_names(&self.resolve, self.id, false)
    }

    /// The functions the world exports: `(interface name or None, function)`.
    pub fn exported_functions(&self) -> Vec<(Option<String>, &Function)> {
        let world = &self.resolve.worlds[self.id];
        let mut out = Vec::new();
        for (key, item) in &world.exports {
            match item {
                WorldItem::Function(f) => out.push((None, f)),
                WorldItem::Interface { id, .. } => {
                    let name = self.resolve.name_world_key(key);
                    for f in self.resolve.interfaces[*id].functions.values() {
                        out.push((Some(name.clone()), f));
                    }
                }
                WorldItem::Type { .. } => {}
            }
        }
        out
    }

    /// Whether the world needs the component model's async ABI: an async
    /// export, a stream or future in an export, or `wasi:cli/run@0.3`.
    pub fn uses_async(&self) -> bool {
        self.exports()
            .iter()
            .any(|e| e.starts_with("wasi:cli/run@0.3"))
            || self.exported_functions().iter().any(|(_, f)| {
                f.kind.is_async()
                    || f.params.iter().any(|p| self.has_async_type(&p.ty))
                    || f.result.as_ref().is_some_and(|t| self.has_async_type(t))
            })
    }

    fn has_async_type(&self, ty: &Type) -> bool {
        let Type::Id(id) = ty else { return false };
        match &self.resolve.types[*id].kind {
            TypeDefKind::Stream(_) | TypeDefKind::Future(_) => true,
            TypeDefKind::List(t) | TypeDefKind::Option(t) | TypeDefKind::Type(t) => {
                self.has_async_type(t)
            }
            TypeDefKind::Tuple(t) => t.types.iter().any(|t| self.has_async_type(t)),
            TypeDefKind::Record(r) => r.fields.iter().any(|f| self.has_async_type(&f.ty)),
            TypeDefKind::Result(r) => {
                r.ok.as_ref().is_some_and(|t| self.has_async_type(t))
                    || r.err.as_ref().is_some_and(|t| self.has_async_type(t))
            }
            TypeDefKind::Variant(v) => v
                .cases
                .iter()
                .any(|c| c.ty.as_ref().is_some_and(|t| self.has_async_type(t))),
            _ => false,
        }
    }

    /// A hash of everything the world means (its own items and every type it
    /// uses, transitively) and nothing else: a change to a WIT file changes it
    /// only if it changes this world.
    pub fn fingerprint(&self) -> String {
        let encoded = wit_component::metadata::encode(
            &self.resolve,
            self.id,
            wit_component::StringEncoding::UTF8,
            None,
            false,
        )
        .unwrap_or_else(|e| format!("unencodable: {e:#}").into_bytes());
        hex::encode(Sha256::digest(&encoded))
    }
}
