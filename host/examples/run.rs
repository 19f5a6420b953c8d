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

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (name, bytes) = guests::from_args_or(guest)?;
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

/// A WASI 0.2 command that opens `greeting.txt` in its first preopened
/// directory, reads it and writes it to stdout; it exits with 1 when the
/// file cannot be opened.
fn guest() -> Vec<u8> {
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
    guests::component(&[world], "reader", imports, body)
}
