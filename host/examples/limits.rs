//! Runs untrusted code under limits: a guest that loops forever is stopped
//! by a timeout and by fuel, one that grows its memory without end by a
//! memory cap, and each time the embedder gets a typed error saying which
//! limit it was.
//!
//! ```text
//! cargo run -p wcomp-host --example limits
//! ```

mod guests;

use std::path::Path;
use std::time::Duration;

use wcomp_host::{Call, Host, LimitReached, Limits, RunError, RunOptions};

// ANCHOR: main
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Fuel counting changes the compiled code, so it is chosen per host.
    let host = Host::builder().fuel(true).build()?;
    let loaded = host.load_bytes(Path::new("runaway.wasm"), &guest())?;

    let cases = [
        (
            "spin()",
            Limits::default().with_timeout(Duration::from_millis(200)),
        ),
        ("spin()", Limits::default().with_fuel(10_000_000)),
        ("grow()", Limits::default().with_max_memory(16 << 20)),
    ];
    for (call, limits) in cases {
        let opts = RunOptions::default().with_limits(limits);
        match host.invoke(&loaded, &Call::parse(call)?, &opts).await {
            Err(RunError::Trap {
                limit: Some(limit),
                reason,
                ..
            }) => println!("{call}: stopped by {}: {reason}", name(limit)),
            Err(other) => return Err(other.into()),
            Ok(_) => return Err(format!("{call} returned, but it never should").into()),
        }
    }
    Ok(())
}
// ANCHOR_END: main

fn name(limit: LimitReached) -> &'static str {
    match limit {
        LimitReached::Timeout => "the timeout",
        LimitReached::Fuel => "fuel",
        LimitReached::Memory => "the memory limit",
        _ => "a limit",
    }
}

/// A component whose `spin` loops forever and whose `grow` grows its
/// memory a page at a time for as long as it can.
fn guest() -> Vec<u8> {
    let world = r#"
package example:runaway;

world runaway {
  export spin: func();
  export grow: func();
}
"#;
    let body = r#"
  (func (export "spin") (loop $forever (br $forever)))
  (func (export "grow")
    (loop $more
      (br_if $more (i32.ne (memory.grow (i32.const 1)) (i32.const -1)))))
"#;
    guests::component(&[world], "runaway", "", body)
}
