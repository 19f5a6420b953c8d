//! rust-hello-p2: plain Rust std binary for wasm32-wasip2 (WASI 0.2 command, no wit-bindgen).
//! Prints a greeting, its args, the GREETING env var, and exits with `--exit N` if given.

use std::process::ExitCode;

fn main() -> ExitCode {
    println!("hello from rust");
    let args: Vec<String> = std::env::args().skip(1).collect();
    for a in &args {
        println!("arg: {a}");
    }
    match std::env::var("GREETING") {
        Ok(v) => println!("GREETING={v}"),
        Err(_) => println!("GREETING unset"),
    }
    let mut code: u8 = 0;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--exit" {
            match it.next().map(|n| n.parse::<u8>()) {
                Some(Ok(n)) => code = n,
                _ => {
                    eprintln!("--exit needs a number 0..=255");
                    code = 2;
                }
            }
        }
    }
    ExitCode::from(code)
}
