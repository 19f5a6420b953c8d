//! A fixed clock and seeded randomness (`RunOptions::with_clock`,
//! `with_random_seed`): the same times and bytes on every run.

use std::time::{Duration, SystemTime};

use wcomp_host::RunOptions;

use crate::support::{self, component, invoke_on, load};

/// A component whose `sample()` returns the wall clock's seconds, two
/// readings of the monotonic clock and a random u64.
fn sampler() -> Vec<u8> {
    component(
        r#"
  import wasi:clocks/wall-clock@0.2.12;
  import wasi:clocks/monotonic-clock@0.2.12;
  import wasi:random/random@0.2.12;
  export sample: func() -> tuple<u64, u64, u64, u64>;
"#,
        r#"
  (import "wasi:clocks/wall-clock@0.2.12" "now" (func $wall (param i32)))
  (import "wasi:clocks/monotonic-clock@0.2.12" "now" (func $mono (result i64)))
  (import "wasi:random/random@0.2.12" "get-random-u64" (func $random (result i64)))
"#,
        r#"
  (func (export "sample") (result i32)
    (call $wall (i32.const 2048))
    (i64.store (i32.const 1024) (i64.load (i32.const 2048)))
    (i64.store (i32.const 1032) (call $mono))
    (i64.store (i32.const 1040) (call $mono))
    (i64.store (i32.const 1048) (call $random))
    (i32.const 1024))
"#,
    )
}

async fn sample(opts: &RunOptions) -> String {
    let loaded = load("sampler.wasm", &sampler());
    let invocation = invoke_on(support::host(), &loaded, "sample()", opts)
        .await
        .expect("sample() runs");
    invocation.results.join(" ")
}

#[tokio::test]
async fn a_fixed_clock_and_a_seed_give_the_same_sample_every_run() {
    let day = SystemTime::UNIX_EPOCH + Duration::from_secs(86_400);
    let fixed = RunOptions::default().with_clock(day).with_random_seed(7);
    let first = sample(&fixed).await;
    assert_eq!(first, sample(&fixed).await, "the same on every run");
    assert!(first.starts_with("(86400, 0, 1000, "), "{first}");
    let other_seed = sample(&fixed.clone().with_random_seed(8)).await;
    assert_ne!(first, other_seed, "another seed, other bytes");
    // Without them, the real clock and the host's entropy.
    let real = sample(&RunOptions::default()).await;
    assert!(!real.starts_with("(86400,"), "{real}");
}
