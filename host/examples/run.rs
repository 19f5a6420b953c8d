//! Runs a command component with a directory granted read-only and a
//! timeout: the guest reads `greeting.txt` from `/data` and prints it.
//!
//! ```text
//! cargo run -p wcomp-host --example run [COMPONENT]
//! ```

mod guests;

use std::path::Path;
use std::time::Duration;

use wcomp_host::{DirGrant, Grants, Host, Limits, RunOptions, Stdio};

// ANCHOR: main
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (name, bytes) = guests::from_args_or(guests::reader)?;
    let data = tempfile::tempdir()?;
    std::fs::write(
        data.path().join("greeting.txt"),
        "hello from a granted file\n",
    )?;

    let host = Host::builder().build()?;
    let loaded = host.load_bytes(Path::new(&name), &bytes)?;
    let opts = RunOptions::default()
        .with_args([name.as_str()])
        // Nothing is granted unless asked: here one directory, read-only.
        .with_grants(Grants::default().with_dir(DirGrant::read_only(data.path(), "/data")))
        .with_limits(Limits::default().with_timeout(Duration::from_secs(5)))
        // The guest's stdout and stderr are this process's; stdin is empty.
        .with_stdio(Stdio::new(
            tokio::io::empty(),
            wasmtime_wasi::cli::stdout(),
            wasmtime_wasi::cli::stderr(),
        ));
    let code = host.run_command(&loaded, &opts).await?;
    println!("{name} exited with {code}");
    Ok(())
}
// ANCHOR_END: main
