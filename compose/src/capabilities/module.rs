//! The core module inside a deny component, written with wasm-encoder.
//!
//! Memory layout (one 64 KiB page to start with):
//!
//! ```text
//! 0 .. 8                 unused, so that no valid pointer is 0
//! RET_AREA .. heap       where results are written (the canonical ABI's
//!                        return pointer), sized for the largest result
//! heap ..                a bump allocator behind `cabi_realloc`
//! ```
//!
//! A denied call never reads its arguments, so it resets the allocator on
//! entry; a forwarded call's results live in allocated memory until its
//! `post-return` resets the allocator. Calls into a synchronously lifted
//! export never overlap, so one return area and one allocator suffice.

use wasm_encoder::{
    BlockType, CodeSection, ConstExpr, EntityType, ExportKind, ExportSection, Function,
    FunctionSection, GlobalSection, GlobalType, ImportSection, InstructionSink, MemArg,
    MemArgTarget, MemorySection, MemoryType, Module, TypeSection, ValType,
};
use wit_parser::abi::{AbiVariant, WasmSignature, WasmType};
use wit_parser::{
    InterfaceId, LiftLowerAbi, ManglingAndAbi, Resolve, ResourceIntrinsic, SizeAlign, TypeOwner,
    WasmExport, WasmExportKind, WasmImport, WorldKey,
};

use super::generate::{Action, Denial, HandleDrop, Planned};

/// Where results are written.
const RET_AREA: u32 = 8;

/// The one name mangling used: wit-component's "legacy" names with the
/// synchronous ABI (async functions are lifted synchronously, which the
/// component model allows: a deny component never blocks).
const MANGLING: ManglingAndAbi = ManglingAndAbi::Legacy(LiftLowerAbi::Sync);

/// The bump allocator's pointer: global 0.
const BUMP: u32 = 0;

/// Writes the core module implementing `planned`, the functions of
/// `interface` as the deny component exports them.
pub(crate) fn write(
    resolve: &Resolve,
    sizes: &SizeAlign,
    interface: InterfaceId,
    planned: &[Planned<'_>],
) -> Vec<u8> {
    let key = WorldKey::Interface(interface);
    let heap = align8(RET_AREA + return_area_size(sizes, planned));
    let mut m = ModuleBuilder::default();

    // Imports first: their indices come before the module's own functions.
    let targets: Vec<Target> = planned
        .iter()
        .map(|p| m.import_target(resolve, &key, p))
        .collect();

    let realloc = m.function(
        &[ValType::I32; 4],
        &[ValType::I32],
        &[ValType::I32],
        cabi_realloc,
    );
    m.exports.export("cabi_realloc", ExportKind::Func, realloc);
    for (p, target) in planned.iter().zip(&targets) {
        let sig = resolve.wasm_signature(AbiVariant::GuestExport, p.func);
        let params: Vec<ValType> = sig.params.iter().map(|t| val(*t)).collect();
        let results: Vec<ValType> = sig.results.iter().map(|t| val(*t)).collect();
        let index = m.function(&params, &results, &[], |code| {
            body(code, p, target, &sig, heap)
        });
        let name = export_name(resolve, &key, p, WasmExportKind::Normal);
        m.exports.export(&name, ExportKind::Func, index);
        if matches!(p.action, Action::Forward) && !results.is_empty() {
            let post = m.function(&results, &[], &[], |code| {
                reset(code, heap);
            });
            let name = export_name(resolve, &key, p, WasmExportKind::PostReturn);
            m.exports.export(&name, ExportKind::Func, post);
        }
    }
    m.finish(heap)
}

/// What a function's body calls: the host function it forwards to, or the
/// resource-drop intrinsics of the handles it is given.
enum Target {
    Forward { index: u32, sig: WasmSignature },
    Drops(Vec<(u32, u32, Option<u32>)>),
    None,
}

/// The sections of the module being written.
#[derive(Default)]
struct ModuleBuilder {
    types: TypeSection,
    signatures: Vec<(Vec<ValType>, Vec<ValType>)>,
    imports: ImportSection,
    imported: Vec<(String, String)>,
    functions: FunctionSection,
    code: CodeSection,
    exports: ExportSection,
}

impl ModuleBuilder {
    /// The index of the type `params -> results`, added if new.
    fn ty(&mut self, params: &[ValType], results: &[ValType]) -> u32 {
        let sig = (params.to_vec(), results.to_vec());
        if let Some(i) = self.signatures.iter().position(|s| *s == sig) {
            return i as u32;
        }
        self.types
            .ty()
            .function(params.iter().copied(), results.iter().copied());
        self.signatures.push(sig);
        (self.signatures.len() - 1) as u32
    }

    /// The index of the imported function `module`/`name`, added if new.
    fn import(
        &mut self,
        module: String,
        name: String,
        params: &[ValType],
        results: &[ValType],
    ) -> u32 {
        let wanted = (module, name);
        if let Some(i) = self.imported.iter().position(|i| *i == wanted) {
            return i as u32;
        }
        let ty = self.ty(params, results);
        self.imports
            .import(&wanted.0, &wanted.1, EntityType::Function(ty));
        self.imported.push(wanted);
        (self.imported.len() - 1) as u32
    }

    /// Imports what `p`'s body calls.
    fn import_target(&mut self, resolve: &Resolve, key: &WorldKey, p: &Planned<'_>) -> Target {
        match &p.action {
            Action::Forward => {
                let sig = resolve.wasm_signature(AbiVariant::GuestImport, p.func);
                let (module, name) = resolve.wasm_import_name(
                    MANGLING,
                    WasmImport::Func {
                        interface: Some(key),
                        func: p.func,
                    },
                );
                let params: Vec<ValType> = sig.params.iter().map(|t| val(*t)).collect();
                let results: Vec<ValType> = sig.results.iter().map(|t| val(*t)).collect();
                let index = self.import(module, name, &params, &results);
                Target::Forward { index, sig }
            }
            Action::Deny { drops, .. } => Target::Drops(
                drops
                    .iter()
                    .map(|d| (self.import_drop(resolve, d), d.param, d.guard))
                    .collect(),
            ),
            Action::Unreachable => Target::None,
        }
    }

    /// Imports `[resource-drop]R` from the interface that defines `R`.
    fn import_drop(&mut self, resolve: &Resolve, drop: &HandleDrop) -> u32 {
        let TypeOwner::Interface(owner) = resolve.types[drop.resource].owner else {
            unreachable!("imported resources are defined in interfaces")
        };
        let (module, name) = resolve.wasm_import_name(
            MANGLING,
            WasmImport::ResourceIntrinsic {
                interface: Some(&WorldKey::Interface(owner)),
                resource: drop.resource,
                intrinsic: ResourceIntrinsic::ImportedDrop,
            },
        );
        self.import(module, name, &[ValType::I32], &[])
    }

    /// Adds a function with `locals` and the body `emit` writes; returns its
    /// index.
    fn function(
        &mut self,
        params: &[ValType],
        results: &[ValType],
        locals: &[ValType],
        emit: impl FnOnce(&mut InstructionSink<'_>),
    ) -> u32 {
        let ty = self.ty(params, results);
        self.functions.function(ty);
        let mut f = Function::new_with_locals_types(locals.iter().copied());
        emit(&mut f.instructions());
        f.instructions().end();
        self.code.function(&f);
        (self.imported.len() + self.functions.len() as usize - 1) as u32
    }

    /// The module, with its memory and the allocator's global.
    fn finish(mut self, heap: u32) -> Vec<u8> {
        let mut memories = MemorySection::new();
        memories.memory(MemoryType {
            minimum: 1,
            maximum: None,
            memory64: false,
            shared: false,
            page_size_log2: None,
        });
        self.exports.export("memory", ExportKind::Memory, 0);
        let mut globals = GlobalSection::new();
        globals.global(
            GlobalType {
                val_type: ValType::I32,
                mutable: true,
                shared: false,
            },
            &ConstExpr::i32_const(heap as i32),
        );
        let mut module = Module::new();
        module
            .section(&self.types)
            .section(&self.imports)
            .section(&self.functions)
            .section(&memories)
            .section(&globals)
            .section(&self.exports)
            .section(&self.code);
        module.finish()
    }
}

/// The body of an exported function.
fn body(
    code: &mut InstructionSink<'_>,
    p: &Planned<'_>,
    target: &Target,
    sig: &WasmSignature,
    heap: u32,
) {
    match (&p.action, target) {
        (Action::Forward, Target::Forward { index, sig: import }) => {
            for i in 0..sig.params.len() as u32 {
                code.local_get(i);
            }
            if import.retptr {
                code.i32_const(RET_AREA as i32);
            }
            code.call(*index);
            if import.retptr {
                code.i32_const(RET_AREA as i32);
            }
        }
        (Action::Deny { value, .. }, Target::Drops(drops)) => {
            reset(code, heap);
            for (drop, param, guard) in drops {
                match guard {
                    Some(guard) => {
                        code.local_get(*guard).if_(BlockType::Empty);
                        code.local_get(*param).call(*drop).end();
                    }
                    None => {
                        code.local_get(*param).call(*drop);
                    }
                }
            }
            if let Some(value) = value {
                write_denial(code, *value);
                code.i32_const(RET_AREA as i32);
            }
        }
        _ => {
            code.unreachable();
        }
    }
}

/// Writes `value` at the return area.
fn write_denial(code: &mut InstructionSink<'_>, value: Denial) {
    let at = |offset: u32, align: u32| MemArg {
        offset: u64::from(RET_AREA + offset),
        align,
        target: MemArgTarget::Memory(0),
        ordering: None,
    };
    match value {
        Denial::EmptyList => {
            // The pointer of an empty list only has to be aligned: 0 is.
            code.i32_const(0).i32_const(0).i32_store(at(0, 2));
            code.i32_const(0).i32_const(0).i32_store(at(4, 2));
        }
        Denial::Nothing => {
            code.i32_const(0).i32_const(0).i32_store8(at(0, 0));
        }
        Denial::Err {
            payload_offset,
            tag_bytes,
            case,
        } => {
            code.i32_const(0).i32_const(1).i32_store8(at(0, 0));
            code.i32_const(0).i32_const(case as i32);
            match tag_bytes {
                1 => code.i32_store8(at(payload_offset, 0)),
                2 => code.i32_store16(at(payload_offset, 1)),
                _ => code.i32_store(at(payload_offset, 2)),
            };
        }
    }
}

/// `cabi_realloc(old_ptr, old_size, align, new_size) -> ptr`: a bump
/// allocator that grows memory as needed and copies on reallocation.
fn cabi_realloc(code: &mut InstructionSink<'_>) {
    let (old_ptr, old_size, align, new_size, ptr) = (0, 1, 2, 3, 4);
    // ptr = (bump + align - 1) & -align
    code.global_get(BUMP)
        .local_get(align)
        .i32_add()
        .i32_const(1)
        .i32_sub()
        .i32_const(0)
        .local_get(align)
        .i32_sub()
        .i32_and()
        .local_tee(ptr);
    // bump = ptr + new_size, trapping on overflow
    code.local_get(new_size).i32_add().global_set(BUMP);
    code.global_get(BUMP)
        .local_get(ptr)
        .i32_lt_u()
        .if_(BlockType::Empty);
    code.unreachable().end();
    // grow memory to cover bump
    code.global_get(BUMP)
        .memory_size(0)
        .i32_const(16)
        .i32_shl()
        .i32_gt_u()
        .if_(BlockType::Empty);
    code.global_get(BUMP)
        .memory_size(0)
        .i32_const(16)
        .i32_shl()
        .i32_sub()
        .i32_const(0xffff)
        .i32_add()
        .i32_const(16)
        .i32_shr_u()
        .memory_grow(0)
        .i32_const(-1)
        .i32_eq()
        .if_(BlockType::Empty);
    code.unreachable().end().end();
    // copy the old contents when reallocating
    code.local_get(old_ptr).if_(BlockType::Empty);
    code.local_get(ptr)
        .local_get(old_ptr)
        .local_get(old_size)
        .local_get(new_size)
        .local_get(old_size)
        .local_get(new_size)
        .i32_lt_u()
        .select()
        .memory_copy(0, 0)
        .end();
    code.local_get(ptr);
}

/// Frees everything the allocator handed out.
fn reset(code: &mut InstructionSink<'_>, heap: u32) {
    code.i32_const(heap as i32).global_set(BUMP);
}

fn export_name(resolve: &Resolve, key: &WorldKey, p: &Planned<'_>, kind: WasmExportKind) -> String {
    resolve.wasm_export_name(
        MANGLING,
        WasmExport::Func {
            interface: Some(key),
            func: p.func,
            kind,
        },
    )
}

/// The size of the largest result written to the return area.
fn return_area_size(sizes: &SizeAlign, planned: &[Planned<'_>]) -> u32 {
    planned
        .iter()
        .filter_map(|p| p.func.result.as_ref())
        .map(|ty| sizes.size(ty).size_wasm32() as u32)
        .max()
        .unwrap_or(0)
}

fn align8(n: u32) -> u32 {
    n.div_ceil(8) * 8
}

fn val(t: WasmType) -> ValType {
    match t {
        WasmType::I32 | WasmType::Pointer | WasmType::Length => ValType::I32,
        WasmType::I64 | WasmType::PointerOrI64 => ValType::I64,
        WasmType::F32 => ValType::F32,
        WasmType::F64 => ValType::F64,
    }
}
