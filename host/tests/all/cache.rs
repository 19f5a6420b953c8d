//! The compiled-code cache, hermetic: a new composition reuses the code of
//! the functions it shares with an earlier one; damaged, truncated and
//! swapped entries (whole components and split modules) are compiled again,
//! replaced and reported, and still give the right answer; a cache others
//! can write is refused; hosts in parallel share one cache; the cache stays
//! within its limit; and an interruptible host's run stops when its future
//! is dropped.

use crate::support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use support::*;
use wcomp_host::cache::BadEntry;
use wcomp_host::{CacheOutcome, Host, Limits, RunError, RunOptions};

/// Functions enough for a real amount of compiled code, and `answer`,
/// which calls them all: 42.
const BODY: &str = r#"
  (func $f1 (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
  (func $f2 (param i32) (result i32) (i32.mul (call $f1 (local.get 0)) (i32.const 2)))
  (func $f3 (param i32) (result i32) (i32.sub (call $f2 (local.get 0)) (i32.const 3)))
  (func $f4 (param i32) (result i32)
    (if (result i32) (i32.gt_u (local.get 0) (i32.const 100))
      (then (call $f3 (local.get 0)))
      (else (call $f1 (local.get 0)))))
  (func $answer (export "answer") (result i32)
    (i32.add (call $f4 (i32.const 200)) (i32.const -357)))
"#;

/// A library exporting `answer`.
fn library() -> Vec<u8> {
    component("  export answer: func() -> u32;", "", BODY)
}

/// The same library with one more export: a new binary whose functions
/// are mostly the first one's.
fn library_grown() -> Vec<u8> {
    component(
        "  export answer: func() -> u32;\n  export seven: func() -> u32;",
        "",
        &format!("{BODY}\n  (func (export \"seven\") (result i32) (i32.const 7))"),
    )
}

/// Every function entry in the cache at `dir`.
fn function_entries(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for shard in std::fs::read_dir(dir.join("functions")).unwrap() {
        for entry in std::fs::read_dir(shard.unwrap().path()).unwrap() {
            files.push(entry.unwrap().path());
        }
    }
    files
}

/// Every whole-component entry in the cache at `dir`.
fn component_entries(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "cwasm"))
        .collect()
}

#[tokio::test]
async fn a_new_binary_reuses_the_code_of_the_functions_it_shares() {
    let cache = tempfile::tempdir().unwrap();
    let first = load_into(&cached_host(cache.path()), "library.wasm", &library());
    assert_eq!(first.cache, CacheOutcome::Compiled);
    assert_eq!(first.functions.reused, 0, "an empty cache has nothing");
    assert!(first.functions.compiled >= 5, "{:?}", first.functions);

    let host = cached_host(cache.path());
    let grown = load_into(&host, "grown.wasm", &library_grown());
    assert_eq!(grown.cache, CacheOutcome::Compiled, "a new binary");
    assert!(
        grown.functions.reused >= 5,
        "the five shared functions come from the cache: {:?}",
        grown.functions
    );
    assert!(grown.functions.compiled < first.functions.compiled);
    assert_answers(&host, &grown).await;

    let again = load_into(&cached_host(cache.path()), "grown.wasm", &library_grown());
    assert_eq!(
        again.cache,
        CacheOutcome::Hit,
        "the same binary loads whole"
    );
    assert!(again.functions.is_empty());
}

#[tokio::test]
async fn damaged_function_entries_are_misses_and_the_code_is_right() {
    let cache = tempfile::tempdir().unwrap();
    load_into(&cached_host(cache.path()), "library.wasm", &library());
    let entries = function_entries(cache.path());
    assert!(!entries.is_empty());
    for (i, entry) in entries.iter().enumerate() {
        let mut bytes = std::fs::read(entry).unwrap();
        if i % 2 == 0 {
            bytes.truncate(bytes.len() / 2);
        } else {
            let last = bytes.len() - 1;
            bytes[last] ^= 0xff;
        }
        std::fs::write(entry, bytes).unwrap();
    }
    for whole in component_entries(cache.path()) {
        std::fs::remove_file(whole).unwrap();
    }

    let host = cached_host(cache.path());
    let loaded = load_into(&host, "library.wasm", &library());
    assert_eq!(loaded.functions.reused, 0, "{:?}", loaded.functions);
    assert_answers(&host, &loaded).await;
}

/// A library whose `answer` is 43: other code under the same world.
fn other_library() -> Vec<u8> {
    component(
        "  export answer: func() -> u32;",
        "",
        r#"  (func (export "answer") (result i32) (i32.const 43))"#,
    )
}

/// Functions enough for a core module past the size the host compiles on
/// its own (64 KiB), and `answer`, which returns `answer`.
fn engine_library(answer: i32) -> Vec<u8> {
    let mut body = String::new();
    for i in 0..6000 {
        body.push_str(&format!(
            "  (func (param i32) (result i32) (i32.xor (i32.mul (local.get 0) (i32.const {i})) (i32.const {answer})))\n"
        ));
    }
    body.push_str(&format!(
        "  (func (export \"answer\") (result i32) (i32.const {answer}))\n"
    ));
    component("  export answer: func() -> u32;", "", &body)
}

/// Loads `library()` after its entries were damaged or swapped, and
/// checks it was compiled again because of `bad` (the entry at `entry`),
/// answers right, and that the next load takes the replaced entry cleanly.
async fn recompiled_because(cache: &Path, entry: &Path, bytes: &[u8], bad: BadEntry) {
    let host = cached_host(cache);
    let loaded = load_into(&host, "library.wasm", bytes);
    assert_eq!(loaded.cache, CacheOutcome::Compiled, "{bad:?}");
    let rejected: Vec<(&Path, &BadEntry)> = loaded
        .rejected
        .iter()
        .map(|r| (r.entry.as_path(), &r.reason))
        .collect();
    assert_eq!(rejected, [(entry, &bad)], "{bad:?}");
    assert!(
        loaded.rejected[0].to_string().contains("compiled it again"),
        "{}",
        loaded.rejected[0]
    );
    assert_answers(&host, &loaded).await;

    let host = cached_host(cache);
    let again = load_into(&host, "library.wasm", bytes);
    assert_eq!(
        again.cache,
        CacheOutcome::Hit,
        "{bad:?}: the entry was replaced"
    );
    assert!(again.rejected.is_empty(), "{:?}", again.rejected);
    assert_answers(&host, &again).await;
}

#[tokio::test]
async fn a_damaged_whole_component_entry_is_compiled_again_and_replaced() {
    type Damage = (&'static str, fn(&mut Vec<u8>));
    let damages: [Damage; 4] = [
        ("bytes flipped in the middle (its code)", |e| {
            let middle = e.len() / 2;
            for byte in &mut e[middle..middle + 16] {
                *byte ^= 0xa5;
            }
        }),
        ("truncated to half", |e| e.truncate(e.len() / 2)),
        ("its last byte cut", |e| e.truncate(e.len() - 1)),
        ("emptied", |e| e.clear()),
    ];
    for (what, damage) in damages {
        let cache = tempfile::tempdir().unwrap();
        load_into(&cached_host(cache.path()), "library.wasm", &library());
        let [whole] = component_entries(cache.path()).try_into().unwrap();
        let mut bytes = std::fs::read(&whole).unwrap();
        let written = bytes.len();
        damage(&mut bytes);
        std::fs::write(&whole, &bytes).unwrap();
        eprintln!("{what}");
        recompiled_because(cache.path(), &whole, &library(), BadEntry::Damaged).await;
        assert_eq!(std::fs::read(&whole).unwrap().len(), written, "{what}");
    }
}

#[tokio::test]
async fn a_whole_component_entry_copied_over_another_is_compiled_again() {
    let cache = tempfile::tempdir().unwrap();
    load_into(&cached_host(cache.path()), "library.wasm", &library());
    let [ours] = component_entries(cache.path()).try_into().unwrap();
    load_into(&cached_host(cache.path()), "other.wasm", &other_library());
    let [theirs] = component_entries(cache.path())
        .into_iter()
        .filter(|e| *e != ours)
        .collect::<Vec<_>>()
        .try_into()
        .unwrap();
    // The other component's code, answering 43, where ours should be.
    std::fs::copy(&theirs, &ours).unwrap();
    recompiled_because(cache.path(), &ours, &library(), BadEntry::Misplaced).await;
}

#[tokio::test]
async fn damaged_and_swapped_split_module_entries_are_compiled_again() {
    let (ours_bytes, theirs_bytes) = (engine_library(42), engine_library(43));
    let cache = tempfile::tempdir().unwrap();
    let largest = |entries: Vec<PathBuf>| {
        entries
            .into_iter()
            .max_by_key(|e| std::fs::metadata(e).unwrap().len())
            .unwrap()
    };
    load_into(&cached_host(cache.path()), "library.wasm", &ours_bytes);
    let before = component_entries(cache.path());
    assert_eq!(before.len(), 2, "the component and its module: {before:?}");
    let ours = largest(before.clone());
    load_into(&cached_host(cache.path()), "other.wasm", &theirs_bytes);
    let theirs = largest(
        component_entries(cache.path())
            .into_iter()
            .filter(|e| !before.contains(e))
            .collect(),
    );

    std::fs::copy(&theirs, &ours).unwrap();
    recompiled_because(cache.path(), &ours, &ours_bytes, BadEntry::Misplaced).await;

    let mut bytes = std::fs::read(&ours).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(&ours, &bytes).unwrap();
    recompiled_because(cache.path(), &ours, &ours_bytes, BadEntry::Damaged).await;
}

#[test]
fn code_compiled_without_a_cache_is_not_said_to_be_cached() {
    let loaded = load_into(
        &Host::builder().build().unwrap(),
        "library.wasm",
        &library(),
    );
    assert_eq!(loaded.cache, CacheOutcome::Uncached);

    // A cache that cannot be written: its directory would be in a file.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("home");
    std::fs::write(&file, b"").unwrap();
    let loaded = load_into(
        &cached_host(&file.join("compiled")),
        "library.wasm",
        &library(),
    );
    assert_eq!(loaded.cache, CacheOutcome::Uncached);
}

#[cfg(unix)]
#[test]
fn a_cache_other_users_can_write_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("compiled");
    std::fs::create_dir(&cache).unwrap();
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o777)).unwrap();
    let refused = Host::builder().cache_dir(Some(cache.clone())).build();
    let Err(RunError::InsecureCache(insecure)) = refused else {
        panic!("a world-writable cache is used");
    };
    assert_eq!(insecure.folder, cache);
    let report = format!(
        "{:?}",
        miette::Report::new(RunError::InsecureCache(insecure))
    );
    assert!(report.contains("writable by every user"), "{report}");
    assert!(report.contains("--no-cache"), "{report}");

    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o755)).unwrap();
    let loaded = load_into(&cached_host(&cache), "library.wasm", &library());
    assert_eq!(loaded.cache, CacheOutcome::Compiled);
}

#[test]
fn hosts_in_parallel_share_one_cache() {
    let cache = tempfile::tempdir().unwrap();
    std::thread::scope(|scope| {
        for i in 0..4 {
            let dir = cache.path();
            scope.spawn(move || {
                let runtime = tokio::runtime::Runtime::new().unwrap();
                // Each thread its own engine and host, as processes have.
                let host = cached_host(dir);
                let bytes = if i % 2 == 0 {
                    library()
                } else {
                    library_grown()
                };
                let loaded = load_into(&host, "library.wasm", &bytes);
                runtime.block_on(assert_answers(&host, &loaded));
            });
        }
    });
    let host = cached_host(cache.path());
    for bytes in [library(), library_grown()] {
        let loaded = load_into(&host, "library.wasm", &bytes);
        assert_eq!(loaded.cache, CacheOutcome::Hit);
    }
}

#[test]
fn the_cache_stays_within_its_limit() {
    let cache = tempfile::tempdir().unwrap();
    let first_size = {
        load_into(&cached_host(cache.path()), "library.wasm", &library());
        wcomp_host::cache::usage(cache.path()).unwrap().bytes()
    };
    let max = first_size + first_size / 2;
    let host = Host::builder()
        .cache_dir(Some(cache.path().to_owned()))
        .cache_max(Some(max))
        .build()
        .unwrap();
    load_into(&host, "grown.wasm", &library_grown());
    let usage = wcomp_host::cache::usage(cache.path()).unwrap();
    assert!(usage.bytes() <= max, "{usage:?} over {max}");
    assert_eq!(
        usage.components.entries, 1,
        "the least recently used component went: {usage:?}"
    );
}

/// A command that computes forever without calling the host.
fn spinner() -> Vec<u8> {
    component(
        "  export wasi:cli/run@0.2.12;",
        "",
        r#"  (func (export "wasi:cli/run@0.2.12#run") (result i32) (loop $forever (br $forever)) (i32.const 0))"#,
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn an_interruptible_run_stops_when_its_future_is_dropped() {
    let host = Host::builder().interruptible(true).build().unwrap();
    let loaded = load_into(&host, "spinner.wasm", &spinner());
    let opts = RunOptions::default();
    let run = host.run_command(&loaded, &opts);
    // The timeout fires only if the guest yields to the executor.
    let outcome = tokio::time::timeout(Duration::from_millis(300), run).await;
    assert!(outcome.is_err(), "the spinner never ends by itself");

    // A timeout still ends it with the timeout's diagnostic.
    let opts = RunOptions::default()
        .with_limits(Limits::default().with_timeout(Duration::from_millis(200)));
    let err = host.run_command(&loaded, &opts).await.unwrap_err();
    assert_eq!(stopped(err).reason, "timeout after 200ms");
}
