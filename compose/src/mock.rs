//! Mock components: an import of a component under test answered by
//! values a test declares, generated from the importer's own view of the
//! interface (as deny components are, see [`crate::capabilities`]) and
//! plugged in where the real exporter would be.
//!
//! Each function of the mocked interface returns the values declared for
//! it, one per call, the last one repeated; a function that returns
//! something and has no declared value traps when called. A resource the
//! interface defines is the mock's own: its constructor (and any function
//! returning a new handle of it) answers with a fresh one at each call, its
//! methods as any function does, its destructor does nothing. Every call is
//! recorded as one line on the guest's stderr, [`CALL_MARKER`] followed by
//! `interface#function`, which [`take_calls`] removes from captured stderr.
//!
//! The values are lowered into the mock's linear memory when it is
//! generated (canonical ABI layout, strings and lists included), so a call
//! costs a counter and a pointer. The core module is written as WAT.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use wasm_wave::value::{Type as WaveType, Value};
use wasm_wave::wasm::{WasmValue, WasmValueError};
use wcomp_core::arguments::{Arguments, arguments};
use wit_parser::abi::{AbiVariant, WasmType};
use wit_parser::{
    Function, Handle, Int, InterfaceId, LiftLowerAbi, ManglingAndAbi, Resolve, ResourceIntrinsic,
    SizeAlign, Type, TypeDefKind, TypeId, TypeOwner, WasmExport, WasmExportKind, WasmImport,
    WorldKey,
};

/// What starts the stderr line a mock writes for each call it answers.
pub const CALL_MARKER: &str = "\u{1e}wcomp-mock-call ";

/// The name mangling and ABI of the core functions a mock exports and
/// imports.
const MANGLING: ManglingAndAbi = ManglingAndAbi::Legacy(LiftLowerAbi::Sync);

/// The version of WASI's stderr a mock records calls through.
const STDERR: &str = "wasi:cli/stderr@0.2.12";
const STREAMS: &str = "wasi:io/streams@0.2.12";

/// Why a mock could not be made.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[non_exhaustive]
pub enum MockError {
    /// A declared function the interface does not have.
    #[error("`{interface}` has no function `{function}`")]
    #[diagnostic(code(wcomp::mock::unknown_function), help("{help}"))]
    UnknownFunction {
        /// The mocked interface (`ns:pkg/iface@version`).
        interface: String,
        /// The function as the test names it.
        function: String,
        /// The functions it has, or the nearest name.
        help: String,
    },

    /// Something of the interface a mock cannot stand in for.
    #[error("cannot mock `{interface}`: {reason}")]
    #[diagnostic(
        code(wcomp::mock::unsupported),
        help("test with the real component instead (omit the mock)")
    )]
    Unsupported {
        /// The mocked interface (`ns:pkg/iface@version`).
        interface: String,
        /// What it has that a mock cannot provide, in words.
        reason: String,
    },

    /// A declared value that is not of the function's result type.
    #[error("`{value}` is not a `{ty}`: {reason}")]
    #[diagnostic(code(wcomp::mock::bad_value))]
    BadValue {
        /// The function whose result it is.
        function: String,
        /// The position of the value in its `returns` list.
        index: usize,
        /// The value as written (WAVE).
        value: String,
        /// The result type, in WIT syntax.
        ty: String,
        /// Why it does not fit, in words.
        reason: String,
    },

    /// The mock could not be built (a bug in wcomp).
    #[error("cannot build the mock of `{interface}`: {message}")]
    #[diagnostic(
        code(wcomp::mock::internal),
        help("this is likely a bug in wcomp; please report it")
    )]
    Internal {
        /// The mocked interface (`ns:pkg/iface@version`).
        interface: String,
        /// What went wrong.
        message: String,
    },
}

/// The WAVE type of `func`'s result, to check declared values against,
/// and its WIT spelling; `None` for a function that returns nothing.
pub fn result_type(
    resolve: &Resolve,
    func: &Function,
) -> Result<Option<(WaveType, String)>, WasmValueError> {
    let Some(ty) = func.result else {
        return Ok(None);
    };
    Ok(Some((
        wave_type(resolve, &ty)?,
        crate::signature::ty(resolve, &ty),
    )))
}

/// The WAVE type of a WIT type.
fn wave_type(resolve: &Resolve, ty: &Type) -> Result<WaveType, WasmValueError> {
    Ok(match *ty {
        Type::Id(id) => wasm_wave::value::resolve_wit_type(resolve, id)?,
        Type::Bool => WaveType::BOOL,
        Type::U8 => WaveType::U8,
        Type::U16 => WaveType::U16,
        Type::U32 => WaveType::U32,
        Type::U64 => WaveType::U64,
        Type::S8 => WaveType::S8,
        Type::S16 => WaveType::S16,
        Type::S32 => WaveType::S32,
        Type::S64 => WaveType::S64,
        Type::F32 => WaveType::F32,
        Type::F64 => WaveType::F64,
        Type::Char => WaveType::CHAR,
        Type::String => WaveType::STRING,
        Type::ErrorContext => {
            return Err(WasmValueError::UnsupportedType("error-context".into()));
        }
    })
}

/// Checks `text`, the arguments of a call of `func` as a call writes them
/// (`(1, "a")`, `(1)` for one, `()` for none), against its parameters.
pub fn check_arguments(
    resolve: &Resolve,
    interface: &str,
    func: &Function,
    text: &str,
) -> Result<(), MockError> {
    let params: Vec<String> = func
        .params
        .iter()
        .map(|p| crate::signature::ty(resolve, &p.ty))
        .collect();
    let bad = |reason: String| MockError::BadValue {
        function: func.name.clone(),
        index: 0,
        value: text.to_owned(),
        ty: format!("({})", params.join(", ")),
        reason,
    };
    let written = arguments(text, func.params.len()).map_err(|e| bad(e.to_string()))?;
    let types: Vec<WaveType> = func
        .params
        .iter()
        .map(|p| wave_type(resolve, &p.ty))
        .collect::<Result<_, _>>()
        .map_err(|e| MockError::Unsupported {
            interface: interface.to_owned(),
            reason: format!("an argument of `{}` is {e}", func.name),
        })?;
    let parsed = match (written, types.as_slice()) {
        (Arguments::One(value), [one]) => wasm_wave::from_str::<Value>(one, value).map(drop),
        (Arguments::Tuple(tuple_text), many) => match WaveType::tuple(many.to_vec()) {
            Some(tuple) => wasm_wave::from_str::<Value>(&tuple, &tuple_text).map(drop),
            None => Ok(()),
        },
        _ => Ok(()),
    };
    parsed.map_err(|e| bad(wave_reason(&e)))
}

/// Parses the WAVE values declared for `func` against its result type.
pub fn parse_returns(
    resolve: &Resolve,
    interface: &str,
    func: &Function,
    texts: &[String],
) -> Result<Vec<Value>, MockError> {
    let unsupported = |reason: String| MockError::Unsupported {
        interface: interface.to_owned(),
        reason,
    };
    let made = find_interface(resolve, interface)
        .zip(func.result)
        .and_then(|(id, ty)| made_resource(resolve, id, &ty));
    if let Some(resource) = made {
        let name = resolve.types[resource]
            .name
            .as_deref()
            .unwrap_or("resource");
        let reason = format!(
            "the mock answers `{}` with a new `{name}` at each call; remove `returns`",
            func.name
        );
        let ty = crate::signature::ty(resolve, &Type::Id(resource));
        return answered_without_returns(func, texts, ty, reason);
    }
    if returns_byte_stream(resolve, func) {
        let reason = "a stream has no WAVE form; give what each call's stream yields with `streams = [\"...\"]`";
        return answered_without_returns(func, texts, "stream<u8>".into(), reason.into());
    }
    let ty = result_type(resolve, func)
        .map_err(|e| unsupported(format!("the result of `{}` is {e}", func.name)))?;
    let Some((ty, wit)) = ty else {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        return Err(MockError::BadValue {
            function: func.name.clone(),
            index: 0,
            value: texts[0].clone(),
            ty: "nothing".into(),
            reason: format!("`{}` returns nothing; remove `returns`", func.name),
        });
    };
    texts
        .iter()
        .enumerate()
        .map(|(index, text)| {
            wasm_wave::from_str::<Value>(&ty, text).map_err(|e| MockError::BadValue {
                function: func.name.clone(),
                index,
                value: text.clone(),
                ty: wit.clone(),
                reason: wave_reason(&e),
            })
        })
        .collect()
}

/// No values, for a function the mock answers without `returns` (a new
/// resource, a stream); the first of `texts`, if any, is refused with
/// `reason`.
fn answered_without_returns(
    func: &Function,
    texts: &[String],
    ty: String,
    reason: String,
) -> Result<Vec<Value>, MockError> {
    match texts.first() {
        None => Ok(Vec::new()),
        Some(text) => Err(MockError::BadValue {
            function: func.name.clone(),
            index: 0,
            value: text.clone(),
            ty,
            reason,
        }),
    }
}

/// A WAVE parse error without its byte span (the caller points at it).
fn wave_reason(e: &wasm_wave::parser::ParserError) -> String {
    match e.detail() {
        Some(detail) => format!("{}: {detail}", e.kind()),
        None => e.kind().to_string(),
    }
}

/// Whether `func` returns a `stream<u8>`, which a test answers with the
/// bytes each call's stream yields (the host makes the stream).
pub fn returns_byte_stream(resolve: &Resolve, func: &Function) -> bool {
    let Some(Type::Id(id)) = func.result else {
        return false;
    };
    matches!(
        resolve.types[dealias(resolve, id)].kind,
        TypeDefKind::Stream(Some(Type::U8))
    )
}

/// The resource `ty` owns, when it is `own<R>` of a resource `R` that
/// `interface` defines: the mock makes one at each call (constructors, and
/// functions returning a new handle), so the test declares no value.
fn made_resource(resolve: &Resolve, interface: InterfaceId, ty: &Type) -> Option<TypeId> {
    let Type::Id(id) = ty else { return None };
    let TypeDefKind::Handle(Handle::Own(resource)) = resolve.types[*id].kind else {
        return None;
    };
    let resource = dealias(resolve, resource);
    let def = &resolve.types[resource];
    let defined_here = def.owner == TypeOwner::Interface(interface);
    (defined_here && matches!(def.kind, TypeDefKind::Resource)).then_some(resource)
}

/// The type `id` names, through `type a = b` aliases (and `use`).
fn dealias(resolve: &Resolve, mut id: TypeId) -> TypeId {
    while let TypeDefKind::Type(Type::Id(next)) = resolve.types[id].kind {
        id = next;
    }
    id
}

/// Makes the mock of `interface` as `resolve` (the importer's view)
/// defines it, answering each function of `answers` with its values.
/// Functions of the interface not in `answers` trap if they return
/// something. The same input gives the same bytes.
pub fn mock_component(
    resolve: &Resolve,
    interface: InterfaceId,
    answers: &BTreeMap<String, Vec<Value>>,
) -> Result<Vec<u8>, MockError> {
    let name = resolve.id_of(interface).unwrap_or_default();
    let internal = |e: &dyn std::fmt::Display| MockError::Internal {
        interface: name.clone(),
        message: e.to_string(),
    };
    let iface = &resolve.interfaces[interface];
    for function in answers.keys() {
        if !iface.functions.contains_key(function) {
            let known: Vec<String> = iface.functions.keys().map(|f| format!("`{f}`")).collect();
            return Err(MockError::UnknownFunction {
                interface: name.clone(),
                function: function.clone(),
                help: wcomp_core::names::did_you_mean(
                    function,
                    iface.functions.keys().map(String::as_str),
                    || format!("its functions are {}", known.join(", ")),
                ),
            });
        }
    }
    let (resolve, world) = mock_world(resolve, &name).map_err(|e| internal(&e))?;
    let mut sizes = SizeAlign::default();
    sizes.fill(&resolve).map_err(|e| internal(&e))?;
    let wat = Writer::new(&resolve, &sizes, interface, &name)
        .write(answers)
        .map_err(|reason| MockError::Unsupported {
            interface: name.clone(),
            reason,
        })?;
    let mut bytes = wat::parse_str(&wat).map_err(|e| internal(&e))?;
    wit_component::embed_component_metadata(
        &mut bytes,
        &resolve,
        world,
        wit_component::StringEncoding::UTF8,
        false,
    )
    .map_err(|e| internal(&e))?;
    wit_component::ComponentEncoder::default()
        .validate(true)
        .module(&bytes)
        .and_then(|encoder| encoder.encode())
        .map_err(|e| internal(&e))
}

/// A copy of `resolve`, with WASI 0.2's stderr if it lacks it, and a world
/// exporting `interface` and importing stderr.
fn mock_world(
    resolve: &Resolve,
    interface: &str,
) -> Result<(Resolve, wit_parser::WorldId), String> {
    let mut resolve = resolve.clone();
    if find_interface(&resolve, STDERR).is_none() {
        resolve
            .merge(wcomp_core::wasi::resolve().clone())
            .map_err(|e| format!("{e:#}"))?;
    }
    let package = (0..)
        .map(|n| format!("wcomp:mock{n}"))
        .find(|p| !resolve.package_names.keys().any(|k| k.to_string() == *p))
        .expect("an unused package name");
    let wit =
        format!("package {package};\nworld mock {{ import {STDERR}; export {interface}; }}\n");
    let id = resolve
        .push_source("mock.wit", &wit)
        .map_err(|e| format!("{e:#}"))?;
    let world = resolve.packages[id].worlds["mock"];
    Ok((resolve, world))
}

fn find_interface(resolve: &Resolve, name: &str) -> Option<InterfaceId> {
    resolve
        .interfaces
        .iter()
        .find(|(id, _)| resolve.id_of(*id).as_deref() == Some(name))
        .map(|(id, _)| id)
}

/// Removes the call records of mocks from a guest's stderr; returns the rest
/// of stderr and the calls, as `interface#function`, in order.
pub fn take_calls(stderr: &[u8]) -> (Vec<u8>, Vec<String>) {
    let marker = CALL_MARKER.as_bytes();
    let mut rest = Vec::with_capacity(stderr.len());
    let mut calls = Vec::new();
    let mut i = 0;
    while i < stderr.len() {
        if stderr[i..].starts_with(marker) {
            let start = i + marker.len();
            let end = stderr[start..]
                .iter()
                .position(|b| *b == b'\n')
                .map_or(stderr.len(), |p| start + p);
            calls.push(String::from_utf8_lossy(&stderr[start..end]).into_owned());
            i = end + 1;
        } else {
            rest.push(stderr[i]);
            i += 1;
        }
    }
    (rest, calls)
}

/// The mock's memory while it is written: everything from address 8 up,
/// laid out once.
struct Image {
    bytes: Vec<u8>,
}

/// Where the memory image starts (no valid pointer is 0).
const BASE: u32 = 8;

impl Image {
    fn alloc(&mut self, size: usize, align: usize) -> u32 {
        let align = align.max(1);
        while !(BASE as usize + self.bytes.len()).is_multiple_of(align) {
            self.bytes.push(0);
        }
        let at = BASE as usize + self.bytes.len();
        self.bytes.resize(self.bytes.len() + size, 0);
        at as u32
    }

    fn put(&mut self, at: u32, data: &[u8]) {
        let start = (at - BASE) as usize;
        self.bytes[start..start + data.len()].copy_from_slice(data);
    }

    fn end(&self) -> u32 {
        BASE + self.bytes.len() as u32
    }
}

/// Writes the mock's core module.
struct Writer<'a> {
    resolve: &'a Resolve,
    sizes: &'a SizeAlign,
    interface: InterfaceId,
    name: &'a str,
    image: Image,
}

impl<'a> Writer<'a> {
    fn new(
        resolve: &'a Resolve,
        sizes: &'a SizeAlign,
        interface: InterfaceId,
        name: &'a str,
    ) -> Self {
        Writer {
            resolve,
            sizes,
            interface,
            name,
            image: Image { bytes: Vec::new() },
        }
    }

    /// The core module of the mock, as WAT: one export per function of the
    /// interface answering as declared in `answers`.
    fn write(mut self, answers: &BTreeMap<String, Vec<Value>>) -> Result<String, String> {
        let resolve = self.resolve;
        // The result area of `blocking-write-and-flush`.
        let scratch = self.image.alloc(16, 8);
        let mut funcs = String::new();
        let mut globals = String::new();
        let iface = &resolve.interfaces[self.interface];
        let imports = self.resources(&mut globals, &mut funcs);
        for (k, func) in iface.functions.values().enumerate() {
            let _ = writeln!(globals, "  (global $c{k} (mut i32) (i32.const 0))");
            let values = answers.get(&func.name).map(Vec::as_slice).unwrap_or(&[]);
            self.function(&mut funcs, k, func, values, scratch)?;
        }
        self.module(&imports, &globals, &funcs)
    }

    /// For each resource the interface defines: the import that makes one
    /// (returned), the counter numbering them (`$r{id}`), and its
    /// destructor, which has nothing to free.
    fn resources(&self, globals: &mut String, funcs: &mut String) -> String {
        let resolve = self.resolve;
        let key = WorldKey::Interface(self.interface);
        let mut imports = String::new();
        let defined = resolve.interfaces[self.interface].types.values();
        for &resource in
            defined.filter(|t| matches!(resolve.types[**t].kind, TypeDefKind::Resource))
        {
            let n = resource.index();
            let (module, new) = resolve.wasm_import_name(
                MANGLING,
                WasmImport::ResourceIntrinsic {
                    interface: Some(&key),
                    resource,
                    intrinsic: ResourceIntrinsic::ExportedNew,
                },
            );
            let _ = writeln!(
                imports,
                "  (import {module:?} {new:?} (func $new{n} (param i32) (result i32)))"
            );
            let _ = writeln!(globals, "  (global $r{n} (mut i32) (i32.const 0))");
            let dtor = resolve.wasm_export_name(
                MANGLING,
                WasmExport::ResourceDtor {
                    interface: &key,
                    resource,
                },
            );
            let _ = writeln!(funcs, "  (func (export {dtor:?}) (param i32))");
        }
        imports
    }

    /// Writes the export answering `func`, the `k`th function (its call
    /// counter is `$c{k}`): it records the call on stderr, then returns the
    /// next of `values` (the last one repeated), or traps when `func`
    /// returns something and `values` is empty.
    fn function(
        &mut self,
        funcs: &mut String,
        k: usize,
        func: &Function,
        values: &[Value],
        scratch: u32,
    ) -> Result<(), String> {
        let sig = self.resolve.wasm_signature(AbiVariant::GuestExport, func);
        let line = format!("{CALL_MARKER}{}#{}\n", self.name, func.name);
        let line_at = self.image.alloc(line.len(), 1);
        self.image.put(line_at, line.as_bytes());
        let export = self.export_name(func);
        let params = wat_types(&sig.params);
        let results = wat_types(&sig.results);
        let _ = write!(
            funcs,
            "  (func (export {export:?}) (param{params}) (result{results}) (local $i i32) (local $h i32)\n    \
             global.get $heap global.set $bump\n    \
             call $get_stderr local.set $h\n    \
             local.get $h i32.const {line_at} i32.const {} i32.const {scratch} call $write\n    \
             local.get $h call $drop\n",
            line.len()
        );
        let Some(result) = func.result else {
            funcs.push_str("  )\n");
            return Ok(());
        };
        if let Some(resource) = made_resource(self.resolve, self.interface, &result) {
            // A new handle whose representation numbers it (from 1).
            let n = resource.index();
            let _ = writeln!(
                funcs,
                "    global.get $r{n} i32.const 1 i32.add global.set $r{n}\n    \
                 global.get $r{n} call $new{n})"
            );
            return Ok(());
        }
        if values.is_empty() {
            funcs.push_str("    unreachable)\n");
            return Ok(());
        }
        let last = values.len() - 1;
        let _ = write!(
            funcs,
            "    global.get $c{k} local.set $i\n    \
             global.get $c{k} i32.const 1 i32.add global.set $c{k}\n    \
             local.get $i i32.const {last} local.get $i i32.const {last} i32.lt_u select local.set $i\n"
        );
        let load = if sig.retptr {
            self.stored_answers(&result, values)?
        } else {
            self.flat_answers(func, &result, values, sig.results[0])?
        };
        let _ = writeln!(funcs, "    {load})");
        Ok(())
    }

    /// The core export of `func` of the mocked interface.
    fn export_name(&self, func: &Function) -> String {
        let key = WorldKey::Interface(self.interface);
        self.resolve.wasm_export_name(
            MANGLING,
            WasmExport::Func {
                interface: Some(&key),
                func,
                kind: WasmExportKind::Normal,
            },
        )
    }

    /// Stores `values` (returned through a pointer) in the image, with a
    /// table of their addresses; the WAT that loads the `$i`th address.
    fn stored_answers(&mut self, result: &Type, values: &[Value]) -> Result<String, String> {
        let table = self.image.alloc(4 * values.len(), 4);
        for (n, value) in values.iter().enumerate() {
            let at = self.image.alloc(
                self.sizes.size(result).size_wasm32(),
                self.sizes.align(result).align_wasm32(),
            );
            self.store(result, value, at)?;
            self.image.put(table + 4 * n as u32, &at.to_le_bytes());
        }
        Ok(format!(
            "i32.const {table} local.get $i i32.const 4 i32.mul i32.add i32.load"
        ))
    }

    /// Stores `values` (each one core value of type `core`) in a table of
    /// 64-bit slots; the WAT that loads the `$i`th as a `core`.
    fn flat_answers(
        &mut self,
        func: &Function,
        result: &Type,
        values: &[Value],
        core: WasmType,
    ) -> Result<String, String> {
        let table = self.image.alloc(8 * values.len(), 8);
        for (n, value) in values.iter().enumerate() {
            let mut flat = Vec::new();
            self.flatten(result, value, &mut flat)?;
            let [bits] = flat[..] else {
                return Err(format!(
                    "the result of `{}` flattens to {} values",
                    func.name,
                    flat.len()
                ));
            };
            self.image.put(table + 8 * n as u32, &bits.to_le_bytes());
        }
        let convert = match core {
            WasmType::I64 | WasmType::PointerOrI64 => "",
            WasmType::F32 => " i32.wrap_i64 f32.reinterpret_i32",
            WasmType::F64 => " f64.reinterpret_i64",
            _ => " i32.wrap_i64",
        };
        Ok(format!(
            "i32.const {table} local.get $i i32.const 8 i32.mul i32.add i64.load{convert}"
        ))
    }

    /// The whole module around the exports `funcs` and their counters
    /// `globals`: the WASI imports that write to stderr, the memory holding
    /// the image, and a bump allocator above it.
    fn module(&self, imports: &str, globals: &str, funcs: &str) -> Result<String, String> {
        let resolve = self.resolve;
        let heap = self.image.end().next_multiple_of(8);
        let pages = (heap as usize).div_ceil(65536).max(1);
        let (stderr_module, get_stderr) = self.import_name(STDERR, "get-stderr")?;
        let streams = find_interface(resolve, STREAMS).ok_or("WASI streams are missing")?;
        let streams_key = WorldKey::Interface(streams);
        let write_func = resolve.interfaces[streams]
            .functions
            .get("[method]output-stream.blocking-write-and-flush")
            .ok_or("`blocking-write-and-flush` is missing")?;
        let (streams_module, write_name) = resolve.wasm_import_name(
            MANGLING,
            WasmImport::Func {
                interface: Some(&streams_key),
                func: write_func,
            },
        );
        let data: String = self.image.bytes.iter().fold(String::new(), |mut s, b| {
            let _ = write!(s, "\\{b:02x}");
            s
        });
        Ok(format!(
            "(module\n  \
             (import {stderr_module:?} {get_stderr:?} (func $get_stderr (result i32)))\n  \
             (import {streams_module:?} {write_name:?} (func $write (param i32 i32 i32 i32)))\n  \
             (import {streams_module:?} \"[resource-drop]output-stream\" (func $drop (param i32)))\n\
             {imports}  \
             (memory (export \"memory\") {pages})\n  \
             (global $heap i32 (i32.const {heap}))\n  \
             (global $bump (mut i32) (i32.const {heap}))\n\
             {globals}  \
             (data (i32.const {BASE}) \"{data}\")\n  \
             (func (export \"cabi_realloc\") (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32) (local $p i32)\n    \
             global.get $bump local.get $align i32.add i32.const 1 i32.sub i32.const 0 local.get $align i32.sub i32.and local.set $p\n    \
             local.get $p local.get $size i32.add global.set $bump\n    \
             (block $done (loop $grow\n      \
             global.get $bump memory.size i32.const 16 i32.shl i32.le_u br_if $done\n      \
             i32.const 1 memory.grow i32.const -1 i32.eq (if (then unreachable))\n      \
             br $grow))\n    \
             local.get $old (if (then local.get $p local.get $old local.get $old_size memory.copy))\n    \
             local.get $p)\n\
             {funcs})\n"
        ))
    }

    /// The core import of function `func` of interface `interface`.
    fn import_name(&self, interface: &str, func: &str) -> Result<(String, String), String> {
        let id = find_interface(self.resolve, interface)
            .ok_or_else(|| format!("`{interface}` is missing"))?;
        let key = WorldKey::Interface(id);
        let func = self.resolve.interfaces[id]
            .functions
            .get(func)
            .ok_or_else(|| format!("`{func}` is missing"))?;
        Ok(self.resolve.wasm_import_name(
            MANGLING,
            WasmImport::Func {
                interface: Some(&key),
                func,
            },
        ))
    }

    /// Lowers `value`, of type `ty`, into the image at `at`.
    fn store(&mut self, ty: &Type, value: &Value, at: u32) -> Result<(), String> {
        match ty {
            Type::Bool => self.image.put(at, &[u8::from(value.unwrap_bool())]),
            Type::U8 => self.image.put(at, &[value.unwrap_u8()]),
            Type::S8 => self.image.put(at, &value.unwrap_s8().to_le_bytes()),
            Type::U16 => self.image.put(at, &value.unwrap_u16().to_le_bytes()),
            Type::S16 => self.image.put(at, &value.unwrap_s16().to_le_bytes()),
            Type::U32 => self.image.put(at, &value.unwrap_u32().to_le_bytes()),
            Type::S32 => self.image.put(at, &value.unwrap_s32().to_le_bytes()),
            Type::U64 => self.image.put(at, &value.unwrap_u64().to_le_bytes()),
            Type::S64 => self.image.put(at, &value.unwrap_s64().to_le_bytes()),
            Type::F32 => self.image.put(at, &value.unwrap_f32().to_le_bytes()),
            Type::F64 => self.image.put(at, &value.unwrap_f64().to_le_bytes()),
            Type::Char => self
                .image
                .put(at, &u32::from(value.unwrap_char()).to_le_bytes()),
            Type::String => {
                let text = value.unwrap_string();
                let ptr = self.image.alloc(text.len(), 1);
                self.image.put(ptr, text.as_bytes());
                self.pointer_pair(at, ptr, text.len());
            }
            Type::ErrorContext => return Err("`error-context` values cannot be mocked".into()),
            Type::Id(id) => self.store_def(*id, value, at)?,
        }
        Ok(())
    }

    fn store_def(&mut self, id: wit_parser::TypeId, value: &Value, at: u32) -> Result<(), String> {
        let resolve = self.resolve;
        match &resolve.types[id].kind {
            TypeDefKind::Type(t) => self.store(t, value, at),
            TypeDefKind::Record(record) => {
                let fields: BTreeMap<String, Value> = value
                    .unwrap_record()
                    .map(|(n, v)| (n.into_owned(), v.into_owned()))
                    .collect();
                let values = record.fields.iter().map(|f| &fields[&f.name]);
                let types: Vec<Type> = record.fields.iter().map(|f| f.ty).collect();
                self.store_fields(&types, values, at)
            }
            TypeDefKind::Tuple(tuple) => {
                let values: Vec<Value> = value.unwrap_tuple().map(|v| v.into_owned()).collect();
                self.store_fields(&tuple.types, values.iter(), at)
            }
            TypeDefKind::Flags(flags) => {
                self.store_flags(flags, Type::Id(id), value, at);
                Ok(())
            }
            TypeDefKind::Enum(e) => {
                let case = value.unwrap_enum();
                let index = e.cases.iter().position(|c| c.name == *case).unwrap_or(0);
                self.tag(e.tag(), at, index);
                Ok(())
            }
            TypeDefKind::Variant(v) => self.store_variant(v, value, at),
            TypeDefKind::Option(t) => self.store_option(t, value, at),
            TypeDefKind::Result(r) => self.store_result(r, value, at),
            TypeDefKind::List(t) => self.store_list(t, value, at),
            TypeDefKind::FixedLengthList(t, _) => {
                let size = self.sizes.size(t).size_wasm32();
                let items: Vec<Value> = value.unwrap_list().map(|v| v.into_owned()).collect();
                for (n, item) in items.iter().enumerate() {
                    self.store(t, item, at + (n * size) as u32)?;
                }
                Ok(())
            }
            other => Err(format!(
                "values of type `{}` cannot be mocked",
                other.as_str()
            )),
        }
    }

    /// A record's or tuple's fields, each at its offset from `at`.
    fn store_fields<'v>(
        &mut self,
        types: &[Type],
        values: impl Iterator<Item = &'v Value>,
        at: u32,
    ) -> Result<(), String> {
        let offsets = self.sizes.field_offsets(types);
        for (v, (offset, ty)) in values.zip(offsets) {
            self.store(ty, v, at + offset.size_wasm32() as u32)?;
        }
        Ok(())
    }

    /// Flags: one bit per flag set, in as many bytes as the type takes.
    fn store_flags(&mut self, flags: &wit_parser::Flags, ty: Type, value: &Value, at: u32) {
        let set: Vec<String> = value.unwrap_flags().map(|f| f.into_owned()).collect();
        let mut bits = vec![0u8; flags.flags.len().div_ceil(32) * 4];
        for (n, flag) in flags.flags.iter().enumerate() {
            if set.contains(&flag.name) {
                bits[n / 8] |= 1 << (n % 8);
            }
        }
        let size = self.sizes.size(&ty).size_wasm32();
        self.image.put(at, &bits[..size]);
    }

    /// A variant: its case's tag, then the payload at the payload offset.
    fn store_variant(
        &mut self,
        v: &wit_parser::Variant,
        value: &Value,
        at: u32,
    ) -> Result<(), String> {
        let (case, payload) = value.unwrap_variant();
        let index = v.cases.iter().position(|c| c.name == *case).unwrap_or(0);
        self.tag(v.tag(), at, index);
        let offset = self
            .sizes
            .payload_offset(v.tag(), v.cases.iter().map(|c| c.ty.as_ref()));
        if let (Some(ty), Some(payload)) = (v.cases[index].ty, payload) {
            self.store(&ty, &payload, at + offset.size_wasm32() as u32)?;
        }
        Ok(())
    }

    /// An option: tag 0 for none, 1 and the value for some.
    fn store_option(&mut self, t: &Type, value: &Value, at: u32) -> Result<(), String> {
        let offset = self.sizes.payload_offset(Int::U8, [None, Some(t)]);
        match value.unwrap_option() {
            None => {
                self.tag(Int::U8, at, 0);
                Ok(())
            }
            Some(v) => {
                self.tag(Int::U8, at, 1);
                self.store(t, &v, at + offset.size_wasm32() as u32)
            }
        }
    }

    /// A result: tag 0 and the ok value, or 1 and the error.
    fn store_result(
        &mut self,
        r: &wit_parser::Result_,
        value: &Value,
        at: u32,
    ) -> Result<(), String> {
        let offset = self
            .sizes
            .payload_offset(Int::U8, [r.ok.as_ref(), r.err.as_ref()]);
        let payload_at = at + offset.size_wasm32() as u32;
        let (tag, ty, payload) = match value.unwrap_result() {
            Ok(v) => (0, r.ok, v),
            Err(v) => (1, r.err, v),
        };
        self.tag(Int::U8, at, tag);
        if let (Some(t), Some(v)) = (ty, payload) {
            self.store(&t, &v, payload_at)?;
        }
        Ok(())
    }

    /// A list: its items in a new allocation, and the pointer and length.
    fn store_list(&mut self, t: &Type, value: &Value, at: u32) -> Result<(), String> {
        let items: Vec<Value> = value.unwrap_list().map(|v| v.into_owned()).collect();
        let size = self.sizes.size(t).size_wasm32();
        let ptr = self
            .image
            .alloc(size * items.len(), self.sizes.align(t).align_wasm32());
        for (n, item) in items.iter().enumerate() {
            self.store(t, item, ptr + (n * size) as u32)?;
        }
        self.pointer_pair(at, ptr, items.len());
        Ok(())
    }

    fn pointer_pair(&mut self, at: u32, ptr: u32, len: usize) {
        self.image.put(at, &ptr.to_le_bytes());
        self.image.put(at + 4, &(len as u32).to_le_bytes());
    }

    fn tag(&mut self, int: Int, at: u32, index: usize) {
        match int {
            Int::U8 => self.image.put(at, &[index as u8]),
            Int::U16 => self.image.put(at, &(index as u16).to_le_bytes()),
            Int::U32 | Int::U64 => self.image.put(at, &(index as u32).to_le_bytes()),
        }
    }

    /// The flat values of `value` as 64-bit patterns, for a result that
    /// flattens to one value (so variants here have no payloads).
    fn flatten(&self, ty: &Type, value: &Value, out: &mut Vec<u64>) -> Result<(), String> {
        let bits = match ty {
            Type::Bool => u64::from(value.unwrap_bool()),
            Type::U8 => u64::from(value.unwrap_u8()),
            Type::S8 => i32::from(value.unwrap_s8()) as u32 as u64,
            Type::U16 => u64::from(value.unwrap_u16()),
            Type::S16 => i32::from(value.unwrap_s16()) as u32 as u64,
            Type::U32 => u64::from(value.unwrap_u32()),
            Type::S32 => value.unwrap_s32() as u32 as u64,
            Type::U64 => value.unwrap_u64(),
            Type::S64 => value.unwrap_s64() as u64,
            Type::F32 => u64::from(value.unwrap_f32().to_bits()),
            Type::F64 => value.unwrap_f64().to_bits(),
            Type::Char => u64::from(u32::from(value.unwrap_char())),
            Type::String | Type::ErrorContext => return Err("unexpected flat string".into()),
            Type::Id(id) => return self.flatten_def(*id, value, out),
        };
        out.push(bits);
        Ok(())
    }

    fn flatten_def(
        &self,
        id: wit_parser::TypeId,
        value: &Value,
        out: &mut Vec<u64>,
    ) -> Result<(), String> {
        match &self.resolve.types[id].kind {
            TypeDefKind::Type(t) => self.flatten(t, value, out),
            TypeDefKind::Record(record) => {
                let fields: BTreeMap<String, Value> = value
                    .unwrap_record()
                    .map(|(n, v)| (n.into_owned(), v.into_owned()))
                    .collect();
                for field in &record.fields {
                    self.flatten(&field.ty, &fields[&field.name], out)?;
                }
                Ok(())
            }
            TypeDefKind::Tuple(tuple) => {
                for (ty, v) in tuple.types.iter().zip(value.unwrap_tuple()) {
                    self.flatten(ty, &v, out)?;
                }
                Ok(())
            }
            TypeDefKind::Flags(flags) => {
                let set: Vec<String> = value.unwrap_flags().map(|f| f.into_owned()).collect();
                let mut bits = 0u64;
                for (n, flag) in flags.flags.iter().enumerate() {
                    if set.contains(&flag.name) {
                        bits |= 1 << n;
                    }
                }
                out.push(bits);
                Ok(())
            }
            TypeDefKind::Enum(e) => {
                let case = value.unwrap_enum();
                out.push(e.cases.iter().position(|c| c.name == *case).unwrap_or(0) as u64);
                Ok(())
            }
            TypeDefKind::Variant(v) => {
                let (case, _) = value.unwrap_variant();
                out.push(v.cases.iter().position(|c| c.name == *case).unwrap_or(0) as u64);
                Ok(())
            }
            TypeDefKind::Option(_) => {
                out.push(u64::from(value.unwrap_option().is_some()));
                Ok(())
            }
            TypeDefKind::Result(_) => {
                out.push(u64::from(value.unwrap_result().is_err()));
                Ok(())
            }
            other => Err(format!(
                "values of type `{}` cannot be mocked",
                other.as_str()
            )),
        }
    }
}

/// Core types in WAT, each after a space: ` i32 i64`.
fn wat_types(types: &[WasmType]) -> String {
    types.iter().map(|t| format!(" {}", wat_type(*t))).collect()
}

fn wat_type(t: WasmType) -> &'static str {
    match t {
        WasmType::I64 | WasmType::PointerOrI64 => "i64",
        WasmType::F32 => "f32",
        WasmType::F64 => "f64",
        _ => "i32",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_are_taken_out_of_stderr() {
        let stderr = format!("a{CALL_MARKER}x:y/z@1.0.0#f\nb\n{CALL_MARKER}x:y/z@1.0.0#g\n");
        let (rest, calls) = take_calls(stderr.as_bytes());
        assert_eq!(rest, b"ab\n");
        assert_eq!(calls, ["x:y/z@1.0.0#f", "x:y/z@1.0.0#g"]);
    }
}
