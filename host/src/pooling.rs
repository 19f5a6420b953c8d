//! The pooling instance allocator, for hosts that instantiate per request
//! (`serve`): memories, tables, instances and stacks are reserved once, in
//! slots that are reused, so an instantiation costs a few microseconds of
//! bookkeeping and copy-on-write mapping instead of `mmap` calls.

use wasmtime::{
    Config, Engine, InstanceAllocationStrategy, Memory, MemoryType, PoolingAllocationConfig, Store,
};

/// How many instances of each kind (and memories, tables, stacks) may be
/// alive at once across the engine: a composed component counts one per
/// inner core instance.
const TOTAL: u32 = 1000;

/// Table elements per table: componentize-js (StarlingMonkey) and
/// componentize-py guests have tables far above Wasmtime's default of
/// 20 000 entries.
const TABLE_ELEMENTS: usize = 200_000;

/// Bytes of per-instance runtime state (`VMContext`) a core instance may
/// need; libpython's and SpiderMonkey's modules need more than the default
/// 1 MiB.
const CORE_INSTANCE_SIZE: usize = 4 << 20;

/// Virtual address bits a pool of [`TOTAL`] 4 GiB memories with guards
/// needs; some systems (39-bit aarch64, riscv64) have fewer.
const ADDRESS_BITS: u32 = 42;

/// Sets `config` to allocate from pools when the address space has room
/// for them; returns whether it did. Without room, instances are allocated
/// on demand, as without pooling.
pub(crate) fn configure(config: &mut Config) -> bool {
    if !address_space_fits() {
        return false;
    }
    let mut pool = PoolingAllocationConfig::new();
    pool.total_component_instances(TOTAL)
        .total_core_instances(TOTAL)
        .total_memories(TOTAL)
        .total_tables(TOTAL)
        .total_stacks(TOTAL)
        .table_elements(TABLE_ELEMENTS)
        .max_core_instance_size(CORE_INSTANCE_SIZE)
        .max_component_instance_size(CORE_INSTANCE_SIZE);
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    true
}

/// Whether a memory reserving 2^[`ADDRESS_BITS`] bytes can be made: the
/// test `wasmtime serve` makes before it turns pooling on.
fn address_space_fits() -> bool {
    let mut config = Config::new();
    config
        .wasm_memory64(true)
        .memory_reservation(1 << ADDRESS_BITS);
    let Ok(engine) = Engine::new(&config) else {
        return false;
    };
    let mut store = Store::new(&engine, ());
    // The maximum is in 64 KiB pages.
    let ty = MemoryType::new64(0, Some(1 << (ADDRESS_BITS - 16)));
    Memory::new(&mut store, ty).is_ok()
}
