//! An embedder's own imports, with state of its own: a guest imports
//! `example:host/log` (a plain function) and `example:host/kv` (WASI 0.3
//! `async` functions), and this program implements both in Rust with the
//! traits `wasmtime::component::bindgen!` generates, beside the WASI the
//! host provides.
//!
//! ```text
//! cargo run -p wcomp-host --example custom_import [COMPONENT]
//! ```

mod guests;

use std::collections::HashMap;
use std::path::Path;

use wasmtime::component::{Accessor, HasSelf};
use wcomp_host::{Host, RunOptions, StoreData};

// ANCHOR: embedder
// The interfaces this embedder gives its guests: `log` and `kv` in
// `custom_import.wit`, and a world that imports both.
wasmtime::component::bindgen!({
    path: "examples/custom_import.wit",
    world: "imports",
});

/// What each store holds for this embedder: the lines logged so far and
/// the guest's key-value map.
#[derive(Default)]
struct Plugin {
    lines: usize,
    map: HashMap<String, String>,
}

impl example::host::log::Host for Plugin {
    fn log(&mut self, line: String) {
        self.lines += 1;
        println!("[plugin log #{}] {line}", self.lines);
    }
}

impl example::host::kv::Host for Plugin {}

/// `async` WIT functions get the store through an [`Accessor`]: they may
/// wait (for a database, say) without blocking other tasks of the store.
impl<T> example::host::kv::HostWithStore<T> for HasSelf<Plugin> {
    async fn get(store: &Accessor<T, Self>, key: String) -> Option<String> {
        store.with(|mut access| access.get().map.get(&key).cloned())
    }

    async fn set(store: &Accessor<T, Self>, key: String, value: String) {
        store.with(|mut access| access.get().map.insert(key, value));
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (name, bytes) = guests::from_args_or(guest)?;
    let host = Host::builder_with(Plugin::default)
        .link(|linker| Imports::add_to_linker::<_, HasSelf<Plugin>>(linker, StoreData::data_mut))
        .build()?;
    let loaded = host.load_bytes(Path::new(&name), &bytes)?;
    let code = host.run_command(&loaded, &RunOptions::default()).await?;
    println!("{name} exited with {code}");
    Ok(())
}
// ANCHOR_END: embedder

/// A WASI 0.3 command that logs a line, stores a value, reads it back and
/// logs what it read.
fn guest() -> Vec<u8> {
    let world = r#"
package example:guest;

world plugin {
  import example:host/log;
  import example:host/kv;
  export wasi:cli/run@0.3.0;
}
"#;
    let imports = r#"
  (import "example:host/log" "log" (func $log (param i32 i32)))
  (import "example:host/kv" "set" (func $set (param i32 i32 i32 i32)))
  (import "example:host/kv" "get" (func $get (param i32 i32 i32)))
  (import "[export]wasi:cli/run@0.3.0" "[task-return]run" (func $task-return (param i32)))
"#;
    let body = r#"
  (data (i32.const 16) "starting")
  (data (i32.const 32) "greeting")
  (data (i32.const 48) "hello from the embedder's map")
  (func (export "[async-lift]wasi:cli/run@0.3.0#run") (result i32)
    (call $log (i32.const 16) (i32.const 8))
    (call $set (i32.const 32) (i32.const 8) (i32.const 48) (i32.const 29))
    ;; option<string> at 1024: the case, then the string's pointer and length
    (call $get (i32.const 32) (i32.const 8) (i32.const 1024))
    (if (i32.load8_u (i32.const 1024))
      (then (call $log (i32.load (i32.const 1028)) (i32.load (i32.const 1032)))))
    (call $task-return (i32.const 0)) ;; ok
    (i32.const 0)) ;; the task is done
  (func (export "[callback][async-lift]wasi:cli/run@0.3.0#run")
    (param i32 i32 i32) (result i32)
    unreachable)
"#;
    let wit = include_str!("custom_import.wit");
    guests::component(&[wit, world], "plugin", imports, body)
}
