//! Calls an exported function with arguments written in WAVE, the value
//! syntax of the component model, and prints its results the same way.
//!
//! ```text
//! cargo run -p wcomp-host --example invoke [COMPONENT ['CALL']]
//! ```

mod guests;

use std::path::Path;

use wcomp_host::{Call, Host, RunOptions};

// ANCHOR: main
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (name, bytes) = guests::from_args_or(guest)?;
    let text = std::env::args()
        .nth(2)
        .unwrap_or_else(|| "area({width: 3.0, height: 4.5})".to_owned());

    let host = Host::builder().build()?;
    let loaded = host.load_bytes(Path::new(&name), &bytes)?;
    // The call is checked against the function's type before anything
    // runs: a wrong name, arity or value is a `RunError` pointing into it.
    let call = Call::parse(&text)?;
    let invocation = host.invoke(&loaded, &call, &RunOptions::default()).await?;
    println!("{text} = {}", invocation.results.join(", "));
    Ok(())
}
// ANCHOR_END: main

/// A component exporting `area: func(r: rect) -> f64`.
fn guest() -> Vec<u8> {
    let world = r#"
package example:shapes;

world shapes {
  record rect { width: f64, height: f64 }
  export area: func(r: rect) -> f64;
}
"#;
    let body = r#"
  (func (export "area") (param f64 f64) (result f64)
    (f64.mul (local.get 0) (local.get 1)))
"#;
    guests::component(&[world], "shapes", "", body)
}
