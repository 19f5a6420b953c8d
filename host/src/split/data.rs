//! A large module's code compiled apart from its data.
//!
//! componentize-js puts StarlingMonkey's code and the app's Wizer memory
//! snapshot in one core module: the code is the same in every app of one
//! world shape (the starter's, for one), the snapshot is not, so the module
//! as a whole is never a cache hit. [`strip`] takes such a module apart:
//! the module without its active data segments (the same type and code,
//! its memory starting zeroed), which is what the host compiles and caches
//! by its bytes, and a small module that imports that memory and holds the
//! segments. The split component instantiates the small module once per
//! instance of the large one, at its end: [`defers_safely`] says when
//! nothing can tell the data was written then rather than when the large
//! module was instantiated (no start function runs in between, no other
//! module's data is written into a memory in between).

use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
use wasm_encoder::{ConstExpr, DataSection, Encode, EntityType, ImportSection, Module};
use wasmparser::{DataKind, ExternalKind, Operator, Parser, Payload, TypeRef};

/// The instantiation argument the data module takes the large module's
/// instance as.
pub(super) const INSTANCE_ARG: &str = "wcomp-data";

/// A core module taken apart.
pub(super) struct Stripped {
    /// The module without its active data segments.
    pub code: Vec<u8>,
    /// A module that imports the memory (from [`INSTANCE_ARG`]) and writes
    /// the segments into it.
    pub data: Vec<u8>,
}

/// At most this many segments go into a data module: Wasmtime writes
/// data into an imported memory with a function it compiles, whose size
/// grows with their number (Wizer's 10 000 took seconds to compile).
const MAX_SEGMENTS: usize = 32;

/// What [`strip`] reads of a module besides the sections it copies.
#[derive(Default)]
struct Parts<'a> {
    memory: Option<wasm_encoder::MemoryType>,
    memory_export: Option<&'a str>,
    segments: Vec<Segment<'a>>,
}

/// An active data segment at a constant offset.
struct Segment<'a> {
    offset: u64,
    data: &'a [u8],
}

/// `module` taken apart into its code and its data; `None` unless it
/// defines exactly one memory (and imports none), exports it, has no start
/// function, and every data segment is active, into that memory, at a
/// constant offset (what Wizer writes).
pub(super) fn strip(module: &[u8]) -> Option<Stripped> {
    let mut code = module.get(..8)?.to_vec();
    let mut parts = Parts::default();
    for payload in Parser::new(0).parse_all(module) {
        let payload = payload.ok()?;
        match &payload {
            Payload::ImportSection(reader) => {
                for import in reader.clone().into_imports() {
                    if matches!(import.ok()?.ty, TypeRef::Memory(_)) {
                        return None;
                    }
                }
            }
            Payload::MemorySection(reader) => {
                let mut memories = reader.clone().into_iter();
                parts.memory = Some(
                    RoundtripReencoder
                        .memory_type(memories.next()?.ok()?)
                        .ok()?,
                );
                if memories.next().is_some() {
                    return None;
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader.clone() {
                    let export = export.ok()?;
                    if export.kind == ExternalKind::Memory && export.index == 0 {
                        parts.memory_export = Some(export.name);
                    }
                }
            }
            Payload::StartSection { .. } => return None,
            Payload::DataSection(reader) => {
                for segment in reader.clone() {
                    parts.segments.push(Segment::read(segment.ok()?)?);
                }
                continue;
            }
            Payload::DataCountSection { .. } => continue,
            Payload::End(_) => break,
            _ => {}
        }
        if let Some((id, range)) = payload.as_section() {
            let body =
                module.get(usize::try_from(range.start).ok()?..usize::try_from(range.end).ok()?)?;
            code.push(id);
            u32::try_from(body.len()).ok()?.encode(&mut code);
            code.extend_from_slice(body);
        }
    }
    let data = data_module(parts.memory?, parts.memory_export?, &parts.segments)?;
    Some(Stripped { code, data })
}

impl<'a> Segment<'a> {
    /// `segment`, if it is active, into memory 0, at a constant offset.
    fn read(segment: wasmparser::Data<'a>) -> Option<Self> {
        let DataKind::Active {
            memory_index: 0,
            offset_expr,
        } = segment.kind
        else {
            return None;
        };
        let mut ops = offset_expr.get_operators_reader();
        let offset = match ops.read().ok()? {
            // A 32-bit memory's offsets are unsigned.
            Operator::I32Const { value } => u64::from(value.cast_unsigned()),
            Operator::I64Const { value } => value.cast_unsigned(),
            _ => return None,
        };
        matches!(ops.read().ok()?, Operator::End).then_some(Segment {
            offset,
            data: segment.data,
        })
    }

    /// Where the segment ends; `None` past `u64::MAX`.
    fn end(&self) -> Option<u64> {
        self.offset
            .checked_add(u64::try_from(self.data.len()).ok()?)
    }
}

/// `segments` as at most [`MAX_SEGMENTS`] runs, split at the largest gaps,
/// each gap within a run filled with zeros: what the memory holds there
/// already, as nothing writes to it before its data (see
/// [`defers_safely`]). `None` unless the segments are in order and apart
/// (a later one would otherwise overwrite an earlier one).
fn merged(segments: &[Segment<'_>]) -> Option<Vec<(u64, Vec<u8>)>> {
    let mut gaps = Vec::with_capacity(segments.len());
    for (at, pair) in segments.windows(2).enumerate() {
        gaps.push((pair[1].offset.checked_sub(pair[0].end()?)?, at + 1));
    }
    gaps.sort_unstable_by(|a, b| b.cmp(a));
    let mut starts: Vec<usize> = gaps
        .iter()
        .take(MAX_SEGMENTS - 1)
        .map(|&(_, at)| at)
        .collect();
    starts.push(0);
    starts.sort_unstable();
    let mut runs: Vec<(u64, Vec<u8>)> = Vec::with_capacity(starts.len());
    for (at, segment) in segments.iter().enumerate() {
        match runs.last_mut() {
            Some((offset, bytes)) if starts.binary_search(&at).is_err() => {
                let gap = segment.offset - *offset - u64::try_from(bytes.len()).ok()?;
                bytes.resize(bytes.len() + usize::try_from(gap).ok()?, 0);
                bytes.extend_from_slice(segment.data);
            }
            _ => runs.push((segment.offset, segment.data.to_vec())),
        }
    }
    Some(runs)
}

/// The module that writes `segments` into the memory of type `memory` its
/// instance argument exports as `export`; `None` if there are none, or if
/// they overlap.
fn data_module(
    memory: wasm_encoder::MemoryType,
    export: &str,
    segments: &[Segment<'_>],
) -> Option<Vec<u8>> {
    if segments.is_empty() {
        return None;
    }
    let mut imports = ImportSection::new();
    imports.import(INSTANCE_ARG, export, EntityType::Memory(memory));
    let mut data = DataSection::new();
    for (offset, bytes) in merged(segments)? {
        let offset = if memory.memory64 {
            ConstExpr::i64_const(offset.cast_signed())
        } else {
            ConstExpr::i32_const(u32::try_from(offset).ok()?.cast_signed())
        };
        data.active(0, &offset, bytes.iter().copied());
    }
    let mut module = Module::new();
    module.section(&imports).section(&data);
    Some(module.finish())
}

/// Whether the data of a module of `component` may be written at the end
/// of the component's instantiation rather than when the module is
/// instantiated: no core module in it (nested ones included) has a start
/// function, none writes data into a memory it imports, and the component
/// has no start function. Then no code runs, and no other write lands,
/// before the component is instantiated whole.
pub(super) fn defers_safely(component: &[u8]) -> bool {
    check_deferral(component).unwrap_or(false)
}

/// [`defers_safely`], `None` if the component does not read.
fn check_deferral(component: &[u8]) -> Option<bool> {
    // Per module or component being read: how many memories it imports.
    let mut imported_memories: Vec<u32> = Vec::new();
    for payload in Parser::new(0).parse_all(component) {
        match payload.ok()? {
            Payload::Version { .. } => imported_memories.push(0),
            Payload::End(_) => {
                imported_memories.pop();
            }
            Payload::StartSection { .. } | Payload::ComponentStartSection { .. } => {
                return Some(false);
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    if matches!(import.ok()?.ty, TypeRef::Memory(_)) {
                        *imported_memories.last_mut()? += 1;
                    }
                }
            }
            Payload::DataSection(reader) => {
                let imported = *imported_memories.last()?;
                for segment in reader {
                    if let DataKind::Active { memory_index, .. } = segment.ok()?.kind
                        && memory_index < imported
                    {
                        return Some(false);
                    }
                }
            }
            _ => {}
        }
    }
    Some(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The module `(module <fields>)`.
    fn module(fields: &str) -> Vec<u8> {
        wat::parse_str(format!("(module {fields})")).expect("test WAT")
    }

    /// A module whose code reads its data: the shape [`strip`] takes apart.
    const SNAPSHOT: &str = r#"
        (memory (export "memory") 1)
        (func (export "first") (result i32) (i32.load8_u (i32.const 16)))
        (data (i32.const 16) "a")
        (data (i32.const 20) "b")"#;

    #[test]
    fn a_snapshot_is_taken_apart_into_its_code_and_its_data() {
        let stripped = strip(&module(SNAPSHOT)).expect("taken apart");
        let code = r#"
            (memory (export "memory") 1)
            (func (export "first") (result i32) (i32.load8_u (i32.const 16)))"#;
        assert_eq!(stripped.code, module(code));
        let data = r#"
            (import "wcomp-data" "memory" (memory 1))
            (data (i32.const 16) "a")
            (data (i32.const 20) "b")"#;
        assert_eq!(stripped.data, module(data));
    }

    #[test]
    fn a_module_whose_data_cannot_wait_is_left_whole() {
        let cases = [
            (
                "a start function",
                r#"(func $s) (start $s) (data (i32.const 0) "a")"#,
            ),
            (
                "a passive segment",
                r#"(data "a") (data (i32.const 0) "b")"#,
            ),
            (
                "a computed offset",
                r#"(global i32 (i32.const 0)) (data (global.get 0) "a")"#,
            ),
            (
                "overlapping segments",
                r#"(data (i32.const 0) "ab") (data (i32.const 1) "c")"#,
            ),
            (
                "segments out of order",
                r#"(data (i32.const 8) "a") (data (i32.const 0) "b")"#,
            ),
            ("no data", ""),
        ];
        for (what, items) in cases {
            let fields = format!(r#"(memory (export "memory") 1) {items}"#);
            assert!(strip(&module(&fields)).is_none(), "{what}");
        }
        let unexported = r#"(memory 1) (data (i32.const 0) "a")"#;
        assert!(strip(&module(unexported)).is_none(), "an unexported memory");
        let imported = r#"(import "m" "memory" (memory 1)) (data (i32.const 0) "a")"#;
        assert!(strip(&module(imported)).is_none(), "an imported memory");
    }

    /// The bytes `runs` write into a zeroed memory of `size` bytes.
    fn image<'a>(runs: impl IntoIterator<Item = (u64, &'a [u8])>, size: usize) -> Vec<u8> {
        let mut memory = vec![0; size];
        for (offset, bytes) in runs {
            let at = usize::try_from(offset).unwrap();
            memory[at..at + bytes.len()].copy_from_slice(bytes);
        }
        memory
    }

    #[test]
    fn many_segments_become_a_few_that_write_the_same_bytes() {
        // Every tenth gap is large: those are never filled.
        let segments: Vec<Segment<'_>> = (0..100u64)
            .map(|i| Segment {
                offset: i * 4 + (i / 10) * 1000,
                data: if i % 2 == 0 { b"xy" } else { b"z" },
            })
            .collect();
        let runs = merged(&segments).expect("in order");
        assert_eq!(runs.len(), MAX_SEGMENTS);
        assert!(runs.iter().all(|(_, bytes)| bytes.len() < 1000));
        let size = 100 * 4 + 10 * 1000;
        assert_eq!(
            image(runs.iter().map(|(at, bytes)| (*at, bytes.as_slice())), size),
            image(segments.iter().map(|s| (s.offset, s.data)), size),
        );
    }

    /// A component that instantiates `module`, then `other` given its
    /// instance (module fields both).
    fn component(module: &str, other: &str) -> Vec<u8> {
        wat::parse_str(format!(
            r#"(component (core module $m {module}) (core module $o {other})
               (core instance $i (instantiate $m))
               (core instance (instantiate $o (with "m" (instance $i)))))"#
        ))
        .expect("test WAT")
    }

    #[test]
    fn data_waits_unless_code_runs_or_data_is_written_during_instantiation() {
        let quiet = r#"(import "m" "memory" (memory 1))"#;
        assert!(defers_safely(&component(SNAPSHOT, quiet)));
        let starts = r#"(import "m" "memory" (memory 1)) (func $s) (start $s)"#;
        assert!(
            !defers_safely(&component(SNAPSHOT, starts)),
            "a start function"
        );
        let writes = r#"(import "m" "memory" (memory 1)) (data (i32.const 0) "z")"#;
        assert!(
            !defers_safely(&component(SNAPSHOT, writes)),
            "data into an imported memory"
        );
    }
}
