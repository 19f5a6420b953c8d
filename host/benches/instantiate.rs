//! Per-instance instantiation through `InstancePre`: a real guest (the Rust
//! hello command, `$WCOMP_BENCH_GUEST`) against an empty component, both
//! linked against the full WASI 0.2 + 0.3 host, with instances allocated on
//! demand and from the pooling allocator. Run by `scripts/bench`.

use std::path::PathBuf;
use std::time::Instant;

use wcomp_host::{Host, RunOptions};

const ROUNDS: u32 = 2000;

fn per_instance(host: &Host, rt: &tokio::runtime::Runtime, path: &std::path::Path) -> f64 {
    let loaded = host.load(path).expect("the guest loads");
    let opts = RunOptions::default();
    rt.block_on(async {
        // Warm up allocators and caches.
        for _ in 0..50 {
            host.instantiate(&loaded, &opts)
                .await
                .expect("instantiates");
        }
        let started = Instant::now();
        for _ in 0..ROUNDS {
            host.instantiate(&loaded, &opts)
                .await
                .expect("instantiates");
        }
        started.elapsed().as_secs_f64() * 1e6 / f64::from(ROUNDS)
    })
}

fn main() {
    let guest = PathBuf::from(
        std::env::var("WCOMP_BENCH_GUEST").expect("set WCOMP_BENCH_GUEST to a component"),
    );
    let empty = std::env::temp_dir().join("wcomp-bench-empty.wasm");
    std::fs::write(&empty, wat::parse_str("(component)").unwrap()).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // On demand (`run`) and from the pooling allocator (`serve`).
    for pooling in [false, true] {
        let host = Host::builder().pooling_allocator(pooling).build().unwrap();
        let allocator = if host.pooling() {
            "pooling"
        } else {
            "on demand"
        };
        let guest_us = per_instance(&host, &rt, &guest);
        let empty_us = per_instance(&host, &rt, &empty);
        println!(
            "instantiate {} ({allocator}): {guest_us:.1} µs per instance",
            guest.display()
        );
        println!("instantiate (component) ({allocator}): {empty_us:.1} µs per instance");
        println!(
            "ratio guest/empty ({allocator}): {:.2}",
            guest_us / empty_us
        );
    }
}
