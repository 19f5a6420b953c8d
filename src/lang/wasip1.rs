//! What the languages compiled for wasip1 (C, C++, Go) share: making a
//! reactor module a component with the wasip1 adapter of the host's
//! Wasmtime (the `wasi-preview1-component-adapter-provider` crate,
//! [`PREVIEW1_ADAPTER`](crate::lang::c::pins::PREVIEW1_ADAPTER)).

use wasi_preview1_component_adapter_provider::{
    WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME, WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER,
};

/// The component of a reactor `module` that carries its world in a
/// `component-type` section, validated; WASI preview1 goes through the
/// adapter.
pub fn componentize(module: &[u8]) -> anyhow::Result<Vec<u8>> {
    wit_component::ComponentEncoder::default()
        .validate(true)
        .module(module)?
        .adapter(
            WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME,
            WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER,
        )?
        .encode()
}
