//! Decoding a component binary into its WIT world.
//!
//! This is the one place that turns bytes into a [`Component`]: `wcomp inspect`
//! prints it, `wcomp build` checks outputs against it, composition wires
//! components by it and the host reports broken files through it.
//!
//! Bytes from anywhere are checked for structure (every section's size within
//! the file) before any decoder sees them, so a lying size field costs an
//! error, not an allocation of the size it claims.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use wit_parser::decoding::DecodedWasm;
use wit_parser::{Resolve, WorldId, WorldItem};

/// Why a file could not be read as a component.
///
/// Every variant names the file; new variants may be added.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[non_exhaustive]
pub enum DecodeError {
    /// The file could not be read (missing, unreadable, not a regular file).
    #[error("cannot read `{}`", path.display())]
    #[diagnostic(code(wcomp::decode::io))]
    Io {
        /// The file, as the caller named it.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },

    /// The file does not start with the wasm magic bytes.
    #[error("`{}` is not a WebAssembly file", path.display())]
    #[diagnostic(
        code(wcomp::decode::not_wasm),
        help("a wasm file starts with the bytes `00 61 73 6d`; this one starts with `{prefix}`")
    )]
    NotWasm {
        /// The file, as the caller named it.
        path: PathBuf,
        /// Its first bytes (up to four) in hex, or `(empty file)`.
        prefix: String,
    },

    /// The file is native code: an ahead-of-time compiled artifact
    /// (`wcomp compile`, Wasmtime's ELF format), or another ELF file.
    #[error("`{}` is compiled native code (ELF), not a WebAssembly file", path.display())]
    #[diagnostic(
        code(wcomp::decode::precompiled),
        help(
            "an artifact of `wcomp compile` runs with `wcomp run` and `wcomp serve`; for anything else, use the `.wasm` it was compiled from"
        )
    )]
    Precompiled {
        /// The file, as the caller named it.
        path: PathBuf,
    },

    /// The file starts like wasm but ends inside the 8-byte header.
    #[error("`{}` is a truncated WebAssembly file: it ends after {len} of the header's 8 bytes", path.display())]
    #[diagnostic(
        code(wcomp::decode::truncated),
        help("the file was cut short, perhaps by an interrupted copy or build; rebuild it")
    )]
    TruncatedHeader {
        /// The file, as the caller named it.
        path: PathBuf,
        /// Its length in bytes, 1 to 7.
        len: usize,
    },

    /// The file has the wasm magic bytes but a version or layer that is
    /// neither a core module's nor a component's.
    #[error("`{}` is a WebAssembly file of an unknown version or layer: `{version}`", path.display())]
    #[diagnostic(
        code(wcomp::decode::bad_version),
        help(
            "after `00 61 73 6d`, a core module has `01 00 00 00` and a component `0d 00 01 00`; this file may be corrupt or from a newer or older encoding"
        )
    )]
    UnknownVersion {
        /// The file, as the caller named it.
        path: PathBuf,
        /// The header's version and layer bytes in hex (`0e 00 01 00`).
        version: String,
    },

    /// The file is a core module (by its header) where a component was needed.
    #[error("`{}` is a core WebAssembly module, not a component", path.display())]
    #[diagnostic(
        code(wcomp::decode::core_module),
        help(
            "wcomp works with components; build for `wasm32-wasip2`, or wrap a core module with `wasm-tools component new`"
        )
    )]
    CoreModule {
        /// The file, as the caller named it.
        path: PathBuf,
    },

    /// The file has a component header but its contents are malformed or
    /// do not validate.
    #[error("`{}` is not a valid component: {message} (at byte offset {offset:#x})", path.display())]
    #[diagnostic(
        code(wcomp::decode::invalid),
        help("the file may be truncated or corrupt; rebuild it")
    )]
    Invalid {
        /// The file, as the caller named it.
        path: PathBuf,
        /// Where in the file the problem was found, in bytes from its start.
        offset: usize,
        /// wasmparser's description of the problem.
        message: String,
    },

    /// The component is valid but its types could not be read back as a
    /// WIT world.
    #[error("cannot decode the world of `{}`: {message}", path.display())]
    #[diagnostic(code(wcomp::decode::world))]
    World {
        /// The file, as the caller named it.
        path: PathBuf,
        /// wit-parser's description of the problem.
        message: String,
    },

    /// Modules and components nest deeper than [`MAX_NESTING`].
    #[error("`{}` nests modules and components {depth} levels deep, more than the {limit} wcomp reads", path.display())]
    #[diagnostic(
        code(wcomp::decode::too_deep),
        help(
            "no valid component holds more than {limit} modules and components; the file may be corrupt or crafted"
        )
    )]
    TooDeep {
        /// The file, as the caller named it.
        path: PathBuf,
        /// How deep the file nests where it was refused.
        depth: usize,
        /// [`MAX_NESTING`].
        limit: usize,
    },
}

/// How deep modules and components may nest in one file: wasmparser's
/// limit on the modules and components of one file
/// (`MAX_WASM_MODULES_AND_COMPONENTS`, not exported), which its validator,
/// and so Wasmtime, wit-component, `inspect` and `compose`, enforce. No
/// valid file nests deeper; refusing while walking the sections spares a
/// decoder the memory a deeper file costs it (2 GB for 10 000 levels).
pub const MAX_NESTING: usize = 1000;

/// The kind of a wasm binary, read from its header alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BinaryKind {
    /// A component (header version `0d 00`, layer `01 00`).
    Component,
    /// A core module (header version `01 00 00 00`).
    CoreModule,
}

/// Classifies `bytes` by their wasm header, without validating them.
pub fn binary_kind(path: &Path, bytes: &[u8]) -> Result<BinaryKind, DecodeError> {
    if wasmparser::Parser::is_component(bytes) {
        Ok(BinaryKind::Component)
    } else if wasmparser::Parser::is_core_wasm(bytes) {
        Ok(BinaryKind::CoreModule)
    } else if bytes.len() < 8
        && !bytes.is_empty()
        && MAGIC.starts_with(&bytes[..bytes.len().min(4)])
    {
        Err(DecodeError::TruncatedHeader {
            path: path.to_owned(),
            len: bytes.len(),
        })
    } else if bytes.starts_with(MAGIC) {
        Err(DecodeError::UnknownVersion {
            path: path.to_owned(),
            version: hex_bytes(&bytes[4..8]),
        })
    } else if bytes.starts_with(b"\x7fELF") {
        Err(DecodeError::Precompiled {
            path: path.to_owned(),
        })
    } else {
        let prefix = hex_bytes(&bytes[..bytes.len().min(4)]);
        Err(DecodeError::NotWasm {
            path: path.to_owned(),
            prefix: if prefix.is_empty() {
                "(empty file)".into()
            } else {
                prefix
            },
        })
    }
}

/// The wasm features wcomp's host runs components with: wasmparser's
/// defaults, which are Wasmtime 48's, with the component model, its async
/// ABI and `map<K, V>` on, as the host's engine has them.
pub fn host_features() -> wasmparser::WasmFeatures {
    use wasmparser::WasmFeatures as F;
    F::default() | F::COMPONENT_MODEL | F::CM_ASYNC | F::CM_MAP
}

/// Validates `bytes` whole, every function body of every module included,
/// with the [features the host runs with](host_features); `path` is used in
/// diagnostics only. Decoding a component checks its types, not its code: a
/// body using an unknown local decodes, composes and fails only when
/// Wasmtime compiles it.
pub fn validate(path: &Path, bytes: &[u8]) -> Result<(), DecodeError> {
    validate_all(bytes).map_err(|e| DecodeError::Invalid {
        path: path.to_owned(),
        offset: e.offset() as usize,
        message: e.message().to_owned(),
    })
}

/// wasmparser's `Validator::validate_all`, step by step: every section,
/// then every function body in order. Its own body check, in builds with
/// debug assertions (wcomp's dev profile builds its dependencies so),
/// decodes each operator twice and formats an error for each, to check
/// wasmparser itself: that doubled the time of validating a component.
fn validate_all(bytes: &[u8]) -> Result<(), wasmparser::BinaryReaderError> {
    let mut allocations = wasmparser::FuncValidatorAllocations::default();
    for function in validate_sections(bytes)? {
        function.validate(&mut allocations)?;
    }
    Ok(())
}

/// Validates `bytes` as [`validate`] does, all but the function bodies:
/// those are returned, in order, to validate next, on any thread.
pub fn validate_sections(
    bytes: &[u8],
) -> Result<Vec<FunctionToValidate<'_>>, wasmparser::BinaryReaderError> {
    let features = host_features();
    let mut validator = wasmparser::Validator::new_with_features(features);
    let mut parser = wasmparser::Parser::new(0);
    parser.set_features(features);
    let mut functions = Vec::new();
    for payload in parser.parse_all(bytes) {
        if let wasmparser::ValidPayload::Func(func, body) = validator.payload(&payload?)? {
            functions.push(FunctionToValidate { func, body });
        }
    }
    Ok(functions)
}

/// A function body whose module's sections validated (see
/// [`validate_sections`]), still to validate itself.
pub struct FunctionToValidate<'a> {
    func: wasmparser::FuncToValidate<wasmparser::ValidatorResources>,
    body: wasmparser::FunctionBody<'a>,
}

impl FunctionToValidate<'_> {
    /// Validates the body, reusing `allocations` from one body to the next.
    pub fn validate(
        self,
        allocations: &mut wasmparser::FuncValidatorAllocations,
    ) -> Result<(), wasmparser::BinaryReaderError> {
        let mut func = self.func.into_validator(std::mem::take(allocations));
        validate_body(&mut func, &self.body)?;
        *allocations = func.into_allocations();
        Ok(())
    }
}

/// One function body, as `FuncValidator::validate` checks it in a release
/// build.
fn validate_body<R: wasmparser::WasmModuleResources>(
    func: &mut wasmparser::FuncValidator<R>,
    body: &wasmparser::FunctionBody<'_>,
) -> Result<(), wasmparser::BinaryReaderError> {
    let mut reader = body.get_binary_reader();
    func.read_locals(&mut reader)?;
    reader.set_features(*func.features());
    while !reader.eof() {
        reader.visit_operator(&mut func.visitor(reader.original_position()))??;
    }
    reader.finish_expression(&func.visitor(reader.original_position()))
}

/// What every wasm file starts with: `\0asm`.
const MAGIC: &[u8] = b"\0asm";

/// Bytes in hex, as `00 61 73 6d`.
fn hex_bytes(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Reads the file at `path` for decoding: a regular file, or an error that
/// says why not.
pub fn read(path: &Path) -> Result<Vec<u8>, DecodeError> {
    crate::fs::read_regular(path).map_err(|source| DecodeError::Io {
        path: path.to_owned(),
        source,
    })
}

/// [`read`], with the file's [`FileStamp`](crate::fs::FileStamp) as it was
/// once read: what the bytes may be remembered by.
pub fn read_stamped(path: &Path) -> Result<(Vec<u8>, Option<crate::fs::FileStamp>), DecodeError> {
    crate::fs::read_regular_stamped(path).map_err(|source| DecodeError::Io {
        path: path.to_owned(),
        source,
    })
}

/// Checks that `bytes` are a component whose every section lies within the
/// file, before anything decodes them; `path` is used in diagnostics only.
pub fn expect_component(path: &Path, bytes: &[u8]) -> Result<(), DecodeError> {
    if binary_kind(path, bytes)? == BinaryKind::CoreModule {
        return Err(DecodeError::CoreModule {
            path: path.to_owned(),
        });
    }
    check_structure(path, bytes)
}

/// Walks every section header, nested modules and components included. The
/// parser is given the whole file, so a section claiming more bytes than
/// the file holds is an error here, before any decoder allocates for it;
/// so is nesting deeper than [`MAX_NESTING`].
fn check_structure(path: &Path, bytes: &[u8]) -> Result<(), DecodeError> {
    // The outermost component is level 0; each nested one goes a level down.
    let mut depth = 0usize;
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        match payload {
            Err(e) => {
                return Err(DecodeError::Invalid {
                    path: path.to_owned(),
                    offset: e.offset() as usize,
                    message: e.message().to_owned(),
                });
            }
            Ok(
                wasmparser::Payload::ModuleSection { .. }
                | wasmparser::Payload::ComponentSection { .. },
            ) => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(DecodeError::TooDeep {
                        path: path.to_owned(),
                        depth,
                        limit: MAX_NESTING,
                    });
                }
            }
            Ok(wasmparser::Payload::End(_)) => depth = depth.saturating_sub(1),
            Ok(_) => {}
        }
    }
    Ok(())
}

/// The custom section in which `wcomp compose` records the capability
/// policy of a composition, one line per component (see `wcomp inspect`).
pub const POLICY_SECTION: &str = "wcomp-capabilities";

/// A validated component and the world it implements.
///
/// Made by [`Component::read`] and [`Component::from_bytes`] only; fields
/// may be added.
#[derive(Clone)]
#[non_exhaustive]
pub struct Component {
    /// Where the component was read from.
    pub path: PathBuf,
    /// The size of the binary in bytes.
    pub size: u64,
    /// The WIT packages the component's types refer to.
    pub resolve: Resolve,
    /// The component's own world: its imports and exports.
    pub world: WorldId,
    /// The producers sections of the component and every module inside it,
    /// merged: field (`language`, `processed-by`, `sdk`) to tool to version.
    pub producers: Producers,
    /// The capability policy `wcomp compose` recorded, one line each.
    pub policy: Vec<String>,
}

/// Producers metadata: field name to tool name to version, sorted.
pub type Producers = BTreeMap<String, BTreeMap<String, String>>;

/// Reads the producers sections of a binary and of every module and
/// component nested in it. Metadata that does not parse is skipped: it is
/// informational and never a reason to reject a component.
fn producers(bytes: &[u8]) -> Producers {
    let mut out = Producers::new();
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        let Ok(wasmparser::Payload::CustomSection(section)) = payload else {
            continue;
        };
        if section.name() != "producers" {
            continue;
        }
        let Ok(producers) =
            wasm_metadata::Producers::from_bytes(section.data(), section.data_offset())
        else {
            continue;
        };
        for (field, entries) in producers.iter() {
            let slot = out.entry(field.clone()).or_default();
            for (name, version) in entries.iter() {
                slot.insert(name.clone(), version.clone());
            }
        }
    }
    out
}

/// The lines of the top-level policy section, if `wcomp compose` wrote one.
fn policy(bytes: &[u8]) -> Vec<String> {
    let mut depth = 0usize;
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        match payload {
            Ok(
                wasmparser::Payload::ModuleSection { .. }
                | wasmparser::Payload::ComponentSection { .. },
            ) => depth += 1,
            Ok(wasmparser::Payload::End(_)) => depth = depth.saturating_sub(1),
            Ok(wasmparser::Payload::CustomSection(s))
                if depth == 0 && s.name() == POLICY_SECTION =>
            {
                return String::from_utf8_lossy(s.data())
                    .lines()
                    .map(str::to_owned)
                    .collect();
            }
            _ => {}
        }
    }
    Vec::new()
}

/// `bytes`, a component, without the custom sections of the modules and
/// components nested in it: all wit-parser needs to decode its world, which
/// does not depend on them (it reads `package-docs` sections, at any depth,
/// so those stay). wit-parser buffers and moves every byte it is given, so
/// a component's DWARF costs it more than the rest; this walk costs a copy.
/// `None` if the sections do not parse (decoding then reports why).
fn without_nested_custom_sections(bytes: &[u8]) -> Option<Vec<u8>> {
    crate::binary::rewrite(bytes, &mut WorldOnly)
}

/// The rewrite of [`without_nested_custom_sections`].
struct WorldOnly;

impl crate::binary::Rewrite for WorldOnly {
    fn keep_custom(&mut self, content: &[u8], nested: bool) -> bool {
        !nested || crate::binary::custom_name(content) == Some("package-docs")
    }
}

/// wit-parser's decoding of `bytes`, with its error as text. wit-parser
/// 0.263 panics on some valid components (an `unreachable!` in
/// `register_type_export`, found by fuzzing): such a panic is caught and
/// becomes an error, with the panic hook silenced meanwhile so that no panic
/// message is printed.
fn decode_world(bytes: &[u8]) -> Result<DecodedWasm, String> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let decoded = std::panic::catch_unwind(|| wit_parser::decoding::decode(bytes));
    std::panic::set_hook(hook);
    match decoded {
        Ok(result) => result.map_err(|e| format!("{e:#}")),
        Err(_) => Err("wit-parser cannot decode its types (it fails on this component)".into()),
    }
}

impl fmt::Debug for Component {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Component")
            .field("path", &self.path)
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

impl Component {
    /// Reads and decodes the component at `path`.
    pub fn read(path: &Path) -> Result<Self, DecodeError> {
        Self::from_bytes(path, &read(path)?)
    }

    /// Validates `bytes` as a component and decodes its world; `path` is used
    /// in diagnostics only.
    pub fn from_bytes(path: &Path, bytes: &[u8]) -> Result<Self, DecodeError> {
        expect_component(path, bytes)?;
        // Decoding validates as it goes; on failure, a plain validation pass
        // says precisely what is wrong and where. It reads the file without
        // its nested custom sections (a debug build's DWARF is most of it),
        // and again whole when that fails, so errors are those of the file.
        let decoded = match without_nested_custom_sections(bytes) {
            Some(lean) => decode_world(&lean).or_else(|_| decode_world(bytes)),
            None => decode_world(bytes),
        };
        match decoded {
            Ok(DecodedWasm::Component(resolve, world)) => Ok(Component {
                path: path.to_owned(),
                size: bytes.len() as u64,
                resolve,
                world,
                producers: producers(bytes),
                policy: policy(bytes),
            }),
            Ok(DecodedWasm::WitPackage(..)) => Err(DecodeError::World {
                path: path.to_owned(),
                message: "it is a WIT package encoded as wasm, not a component".into(),
            }),
            Err(e) => {
                let mut validator =
                    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all());
                Err(match validator.validate_all(bytes) {
                    Err(invalid) => DecodeError::Invalid {
                        path: path.to_owned(),
                        offset: invalid.offset() as usize,
                        message: invalid.message().to_owned(),
                    },
                    Ok(_) => DecodeError::World {
                        path: path.to_owned(),
                        message: e,
                    },
                })
            }
        }
    }

    /// The component's imports, in WIT syntax (`wasi:cli/stdout@0.2.12`,
    /// `func log`), in the order the component declares them.
    pub fn imports(&self) -> Vec<String> {
        item_names(&self.resolve, self.world, false)
    }

    /// The component's exports, in WIT syntax.
    pub fn exports(&self) -> Vec<String> {
        item_names(&self.resolve, self.world, true)
    }

    /// Every exported function, named as `--invoke` calls it (`greet`,
    /// `pkg:ns/iface@1.0.0#greet`), without those toolchains add for their
    /// own use; in declaration order.
    pub fn exported_functions(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (key, item) in &self.resolve.worlds[self.world].exports {
            match item {
                WorldItem::Function(f) => out.push(f.name.clone()),
                WorldItem::Interface { id, .. } => {
                    let name = self.resolve.name_world_key(key);
                    for function in self.resolve.interfaces[*id].functions.keys() {
                        out.push(format!("{name}#{function}"));
                    }
                }
                WorldItem::Type { .. } => {}
            }
        }
        out.retain(|f| !crate::names::is_toolchain_export(f));
        out
    }

    /// The component's world printed as WIT. With `with_deps`, the packages of
    /// the interfaces it uses are printed after it, as nested packages.
    pub fn world_wit(&self, with_deps: bool) -> String {
        let Some(pkg) = self.resolve.worlds[self.world].package else {
            return String::new();
        };
        let mut printer = wit_component_printer();
        let nested: Vec<_> = if with_deps {
            self.resolve
                .packages
                .iter()
                .map(|(id, _)| id)
                .filter(|id| *id != pkg)
                .collect()
        } else {
            Vec::new()
        };
        printer
            .print(&self.resolve, pkg, &nested)
            .map(|()| String::from(printer.output))
            .unwrap_or_else(|e| format!("// cannot print this world: {e:#}\n"))
    }
}

/// A world's imports (or exports) named the way WIT writes them
/// (`wasi:cli/stdout@0.2.12`, `func greet`), in declaration order; type-only
/// items are left out.
pub fn item_names(resolve: &Resolve, world: WorldId, exports: bool) -> Vec<String> {
    let world = &resolve.worlds[world];
    let items = if exports {
        &world.exports
    } else {
        &world.imports
    };
    items
        .iter()
        .filter_map(|(key, item)| match item {
            WorldItem::Interface { .. } => Some(resolve.name_world_key(key)),
            WorldItem::Function(f) => Some(format!("func {}", f.name)),
            WorldItem::Type { .. } => None,
        })
        .collect()
}

fn wit_component_printer() -> wit_component::WitPrinter {
    let mut printer = wit_component::WitPrinter::default();
    printer.emit_docs(false);
    printer
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binary::{CORE_MODULE, CUSTOM, push_section};

    /// A custom section: `name`, then `data`.
    fn custom(name: &str, data: &[u8]) -> Vec<u8> {
        let mut content = vec![name.len() as u8];
        content.extend_from_slice(name.as_bytes());
        content.extend_from_slice(data);
        let mut section = Vec::new();
        push_section(&mut section, CUSTOM, &content);
        section
    }

    #[test]
    fn world_decoding_reads_no_nested_custom_sections_but_package_docs() {
        let module = |sections: &[Vec<u8>]| {
            let mut module = b"\0asm\x01\0\0\0".to_vec();
            sections.iter().for_each(|s| module.extend_from_slice(s));
            module
        };
        let component = |module: &[u8]| {
            let mut component = b"\0asm\x0d\0\x01\0".to_vec();
            component.extend(custom("top", &[1]));
            push_section(&mut component, CORE_MODULE, module);
            component
        };
        let docs = custom("package-docs", &[]);
        let full = component(&module(&[custom("debug", &[0; 300]), docs.clone()]));
        let lean = without_nested_custom_sections(&full).expect("sections parse");
        assert_eq!(lean, component(&module(&[docs])));
        validate(Path::new("lean.wasm"), &lean).expect("still valid");
        assert_eq!(
            without_nested_custom_sections(&full[..full.len() - 1]),
            None
        );
    }
}
