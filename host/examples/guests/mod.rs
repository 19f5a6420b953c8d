//! The examples' guests, built from WIT and a core module in WAT when an
//! example starts, so that running one needs no guest toolchain. A real
//! embedder loads components built by `wcomp build`, cargo, componentize-py
//! or jco instead; every example takes such a file as its first argument.
//!
//! The host's hermetic tests build their fixtures with the same function.

#![allow(dead_code, reason = "each example uses some of these")]

use wit_component::{ComponentEncoder, StringEncoding};
use wit_parser::{Resolve, WorldId};

/// A core module's memory and a bump allocator as its `cabi_realloc`, for
/// guests whose strings and lists cross the boundary. Allocations start at
/// 16 KiB; the bytes below are the guest's own: data from 16, return areas
/// from 1024, buffers from 4096.
pub const MEMORY_AND_REALLOC: &str = r#"
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 16384))
  (func $realloc (export "cabi_realloc")
        (param $old i32) (param $old_size i32) (param $align i32) (param $size i32)
        (result i32)
    (local $ptr i32)
    (local.set $ptr
      (i32.and
        (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
        (i32.sub (i32.const 0) (local.get $align))))
    (global.set $heap (i32.add (local.get $ptr) (local.get $size)))
    (block $enough
      (loop $grow
        (br_if $enough
          (i32.le_u (global.get $heap) (i32.shl (memory.size) (i32.const 16))))
        (if (i32.eq (memory.grow (i32.const 1)) (i32.const -1)) (then unreachable))
        (br $grow)))
    (if (local.get $old)
      (then (memory.copy (local.get $ptr) (local.get $old) (local.get $old_size))))
    (local.get $ptr))
"#;

/// A component whose world is `world` of the WIT packages `wit` (given in
/// dependency order, with the vendored WASI in reach), implemented by the
/// core module `(module <imports> <MEMORY_AND_REALLOC> <body>)`.
///
/// Panics with the text at fault: the WIT and WAT are the example's own.
pub fn component(wit: &[&str], world: &str, imports: &str, body: &str) -> Vec<u8> {
    let mut resolve = wcomp_core::wasi::resolve().clone();
    let mut package = None;
    for (i, text) in wit.iter().enumerate() {
        let id = resolve
            .push_str(format!("guest-{i}.wit"), text)
            .unwrap_or_else(|e| panic!("guest WIT:\n{text}\n{e:?}"));
        package = Some(id);
    }
    let package = package.expect("at least one WIT package");
    let world = resolve
        .select_world(&[package], Some(world))
        .unwrap_or_else(|e| panic!("guest world `{world}`: {e:?}"));
    let wat = format!("(module\n{imports}\n{MEMORY_AND_REALLOC}\n{body}\n)");
    let module = wat::parse_str(&wat).unwrap_or_else(|e| panic!("guest WAT:\n{wat}\n{e}"));
    componentize(&resolve, world, module, &format!("the guest:\n{wat}"))
}

/// The core module `module`, with the world `world` of `resolve` embedded,
/// made a component and validated. Panics naming `what`.
pub fn componentize(resolve: &Resolve, world: WorldId, mut module: Vec<u8>, what: &str) -> Vec<u8> {
    wit_component::embed_component_metadata(
        &mut module,
        resolve,
        world,
        StringEncoding::UTF8,
        false,
    )
    .unwrap_or_else(|e| panic!("embed the world in {what}: {e:?}"));
    ComponentEncoder::default()
        .validate(true)
        .module(&module)
        .and_then(|encoder| encoder.encode())
        .unwrap_or_else(|e| panic!("componentize {what}: {e:?}"))
}

/// The component at the path given as the example's first argument, or
/// the example's own guest, `built`; with the name to show for it.
pub fn from_args_or(built: impl FnOnce() -> Vec<u8>) -> std::io::Result<(String, Vec<u8>)> {
    match std::env::args_os().nth(1) {
        Some(path) => Ok((path.to_string_lossy().into_owned(), std::fs::read(&path)?)),
        None => Ok(("guest.wasm".to_owned(), built())),
    }
}

/// A WASI 0.2 command that opens `greeting.txt` in its first preopened
/// directory, reads it and writes it to stdout; it exits with 1 when the
/// file cannot be opened.
pub fn reader() -> Vec<u8> {
    let world = r#"
package example:guest;

world reader {
  import wasi:filesystem/preopens@0.2.12;
  import wasi:filesystem/types@0.2.12;
  import wasi:cli/stdout@0.2.12;
  export wasi:cli/run@0.2.12;
}
"#;
    let imports = r#"
  (import "wasi:filesystem/preopens@0.2.12" "get-directories" (func $dirs (param i32)))
  (import "wasi:filesystem/types@0.2.12" "[method]descriptor.open-at"
    (func $open-at (param i32 i32 i32 i32 i32 i32 i32)))
  (import "wasi:filesystem/types@0.2.12" "[method]descriptor.read"
    (func $read (param i32 i64 i64 i32)))
  (import "wasi:cli/stdout@0.2.12" "get-stdout" (func $get-stdout (result i32)))
  (import "wasi:io/streams@0.2.12" "[method]output-stream.blocking-write-and-flush"
    (func $write (param i32 i32 i32 i32)))
"#;
    let body = r#"
  (data (i32.const 16) "greeting.txt")
  (func (export "wasi:cli/run@0.2.12#run") (result i32)
    ;; list<tuple<descriptor, string>> at 1024: its pointer, then length
    (call $dirs (i32.const 1024))
    (if (i32.eqz (i32.load (i32.const 1028))) (then (return (i32.const 1))))
    ;; open-at(first dir, no path flags, "greeting.txt", no open flags, read)
    (call $open-at (i32.load (i32.load (i32.const 1024)))
      (i32.const 0) (i32.const 16) (i32.const 12) (i32.const 0) (i32.const 1)
      (i32.const 1040))
    ;; result<descriptor, error-code> at 1040
    (if (i32.load8_u (i32.const 1040)) (then (return (i32.const 1))))
    ;; read(file, 4096 bytes, at offset 0): result<tuple<list<u8>, bool>, _> at 1056
    (call $read (i32.load (i32.const 1044)) (i64.const 4096) (i64.const 0) (i32.const 1056))
    (if (i32.load8_u (i32.const 1056)) (then (return (i32.const 1))))
    (call $write (call $get-stdout)
      (i32.load (i32.const 1060)) (i32.load (i32.const 1064)) (i32.const 1088))
    (i32.const 0))
"#;
    component(&[world], "reader", imports, body)
}
