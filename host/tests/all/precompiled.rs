//! Ahead-of-time compiled artifacts (`wcomp compile`): an artifact runs as
//! its component does, without compiling or touching the cache, and one
//! that does not fit the host (other engine settings, another target, not
//! Wasmtime's at all) is refused with what differs, never loaded.

use crate::support;

use std::path::{Path, PathBuf};

use support::*;
use wcomp_host::{CacheOutcome, Host, RunError};

/// A library exporting `answer`, which returns 42.
fn library() -> Vec<u8> {
    component(
        "  export answer: func() -> u32;",
        "",
        r#"(func (export "answer") (result i32) (i32.const 42))"#,
    )
}

/// Writes the library to `dir` and compiles it with `host` into
/// `library.cwasm` beside it.
fn artifact(host: &Host, dir: &Path) -> PathBuf {
    let wasm = dir.join("library.wasm");
    std::fs::write(&wasm, library()).unwrap();
    let bytes = host.precompile(&wasm).expect("it compiles");
    let cwasm = dir.join("library.cwasm");
    std::fs::write(&cwasm, bytes).unwrap();
    cwasm
}

/// What `host` says loading `path` fails with: the reason and the help of
/// a `RunError::Incompatible` naming the file.
fn incompatible(host: &Host, path: &Path) -> (String, String) {
    match host.load(path) {
        Ok(_) => panic!("`{}` loaded, but it should not", path.display()),
        Err(RunError::Incompatible { file, reason, help }) => {
            assert_eq!(file, path);
            (reason, help)
        }
        Err(e) => panic!("expected an incompatible artifact: {e:?}"),
    }
}

#[tokio::test]
async fn an_artifact_runs_as_its_component_does_without_compiling() {
    let dir = tempfile::tempdir().unwrap();
    let cwasm = artifact(host(), dir.path());
    assert!(wcomp_host::precompiled::is_precompiled(&cwasm).unwrap());
    let cache = tempfile::tempdir().unwrap();
    let host = cached_host(cache.path());
    let loaded = host.load(&cwasm).expect("the artifact loads");
    assert_eq!(loaded.name, "library.cwasm");
    assert_eq!(loaded.cache, CacheOutcome::Hit, "nothing was compiled");
    assert!(loaded.functions.is_empty());
    assert_answers(&host, &loaded).await;
    let cached: Vec<_> = std::fs::read_dir(cache.path()).unwrap().collect();
    assert!(cached.is_empty(), "the cache is not used: {cached:?}");
}

#[tokio::test]
async fn a_pooling_host_loads_the_artifacts_a_plain_one_compiles() {
    // `serve` builds a pooling host, and keeps the epoch checks of an
    // artifact: the artifact of `wcomp compile` does for both.
    let dir = tempfile::tempdir().unwrap();
    let cwasm = artifact(host(), dir.path());
    let serving = Host::builder().pooling_allocator(true).build().unwrap();
    let loaded = serving.load(&cwasm).expect("the artifact loads");
    assert_answers(&serving, &loaded).await;
}

#[test]
fn an_artifact_of_other_engine_settings_is_refused_with_what_differs() {
    let dir = tempfile::tempdir().unwrap();
    let cwasm = artifact(fuel_host(), dir.path());
    let (reason, help) = incompatible(host(), &cwasm);
    assert_eq!(
        reason,
        "module was compiled with fuel support but it is not enabled for the host"
    );
    assert!(help.contains("`wcomp compile --fuel`"), "{help}");

    let cwasm = artifact(host(), dir.path());
    let untimed = Host::builder().timeouts(false).build().unwrap();
    let (reason, _) = incompatible(&untimed, &cwasm);
    assert!(reason.contains("epoch interruption"), "{reason}");
    let sequential = Host::builder().concurrency(false).build().unwrap();
    let (reason, help) = incompatible(&sequential, &cwasm);
    assert!(reason.contains("concurrency support"), "{reason}");
    assert!(help.contains("`wcomp compile`"), "{help}");
}

#[test]
fn an_artifact_of_another_release_is_refused() {
    // Plain Wasmtime 48 with the host's settings (`wasmtime compile`) stamps
    // its artifacts with its own version only.
    let mut config = wasmtime::Config::new();
    config
        .wasm_component_model_async(true)
        .concurrency_support(true)
        .wasm_component_model_map(true)
        .epoch_interruption(true);
    let engine = wasmtime::Engine::new(&config).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wasmtime.cwasm");
    std::fs::write(&path, engine.precompile_component(&library()).unwrap()).unwrap();
    let (reason, help) = incompatible(host(), &path);
    assert_eq!(reason, "module was compiled with incompatible version '48'");
    assert!(help.contains("another release"), "{help}");
}

/// Why this machine's host refuses an artifact compiled for `triple`, and
/// the help it gives.
fn refused_artifact_for(triple: String) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let cross = Host::builder().target(Some(triple)).build().unwrap();
    let cwasm = artifact(&cross, dir.path());
    incompatible(host(), &cwasm)
}

#[test]
fn an_artifact_for_another_target_is_refused() {
    let (reason, help) = refused_artifact_for(format!("{}-apple-darwin", std::env::consts::ARCH));
    assert_eq!(reason, "module was compiled for operating system 'darwin'");
    assert!(help.contains("another `--target`"), "{help}");
}

#[test]
fn an_artifact_for_the_other_architecture_compiles_and_is_refused_here() {
    let other = match std::env::consts::ARCH {
        "x86_64" => "aarch64",
        _ => "x86_64",
    };
    let (reason, help) = refused_artifact_for(format!("{other}-unknown-linux-gnu"));
    assert_eq!(
        reason,
        format!("module was compiled for architecture '{other}'")
    );
    assert!(help.contains("another `--target`"), "{help}");
}

/// The error of building a host that compiles for `triple`.
fn refused_target(triple: &str) -> RunError {
    Host::builder()
        .target(Some(triple.to_owned()))
        .build()
        .err()
        .expect("refused")
}

#[test]
fn an_architecture_wcomp_was_not_built_for_is_refused_when_the_host_is_built() {
    let err = refused_target("riscv64gc-unknown-linux-gnu");
    assert!(matches!(&err, RunError::Target { .. }), "{err:?}");
    let help = miette::Diagnostic::help(&err).unwrap().to_string();
    assert!(help.contains("x86_64 and aarch64"), "{help}");
}

#[test]
fn an_unknown_target_is_refused_when_the_host_is_built() {
    let err = refused_target("no-such-target");
    assert!(
        matches!(&err, RunError::Target { triple, .. } if triple == "no-such-target"),
        "{err:?}"
    );
}

#[test]
fn elf_files_that_are_not_artifacts_are_refused_not_crashed_on() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read(artifact(host(), dir.path())).unwrap();
    // Random bytes after the magic, a bare ELF header, and a real artifact
    // cut short or with its engine section's bytes scrambled.
    let mut random: Vec<u8> = b"\x7fELF".to_vec();
    random.extend((0u32..4096).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    let mut scrambled = good.clone();
    let middle = scrambled.len() / 2;
    for byte in &mut scrambled[middle..] {
        *byte = byte.wrapping_mul(31).wrapping_add(7);
    }
    let cases = [
        ("random.cwasm", random),
        ("header.cwasm", good[..64].to_vec()),
        ("cut.cwasm", good[..good.len() / 2].to_vec()),
        ("scrambled.cwasm", scrambled),
    ];
    for (name, bytes) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes).unwrap();
        let (reason, _) = incompatible(host(), &path);
        assert!(!reason.is_empty(), "{name}");
        // Bytes in memory go through the same checks.
        let err = host().load_bytes(&path, &bytes).err().expect("refused");
        assert!(
            matches!(err, RunError::Incompatible { .. }),
            "{name}: {err:?}"
        );
    }
}

#[test]
fn a_core_module_artifact_is_refused_as_not_a_component() {
    let dir = tempfile::tempdir().unwrap();
    let module = host()
        .engine()
        .precompile_module(b"\0asm\x01\0\0\0")
        .expect("a core module compiles");
    let path = dir.path().join("module.cwasm");
    std::fs::write(&path, module).unwrap();
    let (reason, _) = incompatible(host(), &path);
    assert_eq!(reason, "it holds a core module, not a component");
}
