//! The `run` example written against Wasmtime itself, for comparison: the
//! same guest, the same read-only directory, the same timeout, the same
//! output. Everything `wcomp-host` does for `run.rs` is spelled out here,
//! except what it adds beyond (WASI 0.3, a compiled-code cache, memory and
//! fuel limits, diagnostics that name the component and the limit).
//!
//! ```text
//! cargo run -p wcomp-host --example run_raw_wasmtime [COMPONENT]
//! ```

mod guests;

use std::time::Duration;

use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

/// Each store's data: WASI's context and its resource table.
struct State {
    wasi: WasiCtx,
    table: ResourceTable,
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (name, bytes) = guests::from_args_or(guests::reader)?;
    let data = tempfile::tempdir()?;
    std::fs::write(
        data.path().join("greeting.txt"),
        "hello from a granted file\n",
    )?;

    let mut config = Config::new();
    config.wasm_component_model(true).epoch_interruption(true);
    let engine = Engine::new(&config)?;
    let component = Component::new(&engine, &bytes)?;
    let mut linker = Linker::new(&engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;

    let mut wasi = WasiCtxBuilder::new();
    wasi.args(&[&name])
        .inherit_stdout()
        .inherit_stderr()
        .preopened_dir(data.path(), "/data", FsPerms::ReadOnly)?;
    let state = State {
        wasi: wasi.build(),
        table: ResourceTable::new(),
    };
    let mut store = Store::new(&engine, state);

    // The timeout: the epoch advances every 10 ms, the deadline is 500 ticks.
    let ticker = engine.weak();
    std::thread::spawn(move || {
        while let Some(engine) = ticker.upgrade() {
            engine.increment_epoch();
            drop(engine);
            std::thread::sleep(Duration::from_millis(10));
        }
    });
    store.set_epoch_deadline(500);
    store.epoch_deadline_trap();

    let command =
        wasmtime_wasi::p2::bindings::Command::instantiate_async(&mut store, &component, &linker)
            .await?;
    let code = match command.wasi_cli_run().call_run(&mut store).await {
        Ok(Ok(())) => 0,
        Ok(Err(())) => 1,
        Err(e) => match e.downcast_ref::<wasmtime_wasi::I32Exit>() {
            Some(exit) => exit.0,
            None => return Err(e.into()),
        },
    };
    println!("{name} exited with {code}");
    Ok(())
}
