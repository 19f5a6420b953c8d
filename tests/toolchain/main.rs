//! The toolchain tier of wcomp's tests: real Rust, Python and JS builds
//! with the pinned toolchains, and the examples, built, composed and run.
//! Plain `cargo test` leaves it out; `scripts/test` runs it by name
//! (`cargo test --test toolchain`). The
//! toolchains install once per checkout into `target/wcomp-test-home`;
//! each guest fixture is built once per run.
//!
//! The harness is libtest-mimic's, so that each test's wall time is known:
//! they are written to `target/toolchain-times.tsv` (seconds, name), which
//! `scripts/test` reads to show the slowest.

#[path = "../support/mod.rs"]
mod support;

/// This tier installs the toolchains into a shared `$WCOMP_HOME`.
const HERMETIC: bool = false;

mod build;
mod c_guests;
mod capabilities;
mod deploy;
mod dev;
mod examples;
mod fixtures;
mod go_guests;
mod inspect;
mod new;
mod registry;
mod run;
mod serve;
mod toolchain;
mod trace;
mod web;

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use libtest_mimic::{Arguments, Trial};

/// Each finished test's name and wall time.
static TIMES: Mutex<Vec<(String, Duration)>> = Mutex::new(Vec::new());

/// A trial that runs `test` and records how long it took, pass or fail.
fn timed(name: &'static str, test: impl FnOnce() + Send + 'static) -> Trial {
    Trial::test(name, move || {
        let begun = Instant::now();
        let outcome = catch_unwind(AssertUnwindSafe(test));
        TIMES
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((name.to_owned(), begun.elapsed()));
        outcome.map_err(|panic| resume_unwind(panic))
    })
}

/// Runs an async test on its own two-worker runtime, as
/// `#[tokio::test(flavor = "multi_thread", worker_threads = 2)]` would.
fn on_runtime<F: std::future::Future<Output = ()>>(test: impl FnOnce() -> F) {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
        .block_on(test());
}

/// The trials, named `module::function` as libtest would name them.
macro_rules! trials {
    ($($kind:ident $module:ident :: $test:ident),* $(,)?) => {
        vec![$(trials!(@one $kind $module :: $test)),*]
    };
    (@one sync $module:ident :: $test:ident) => {
        timed(concat!(stringify!($module), "::", stringify!($test)), $module::$test)
    };
    (@one async $module:ident :: $test:ident) => {
        timed(concat!(stringify!($module), "::", stringify!($test)), || {
            on_runtime($module::$test)
        })
    };
}

fn main() {
    let args = Arguments::from_args();
    let trials = trials![
        sync build::builds_incrementally_and_reports_failures_alongside_successes,
        sync build::changing_a_wit_file_rebuilds_only_the_components_whose_world_uses_it,
        sync build::a_toolchain_that_cannot_be_installed_is_reported,
        sync build::bad_input,
        sync build::apps_share_compiled_rust_dependencies_but_not_their_own_crates,
        sync build::crates_sharing_a_linked_wit_tree_rebuild_together,
        sync c_guests::scaffolds_build_as_generated_and_export_their_world,
        sync c_guests::async_stream_export_in_c_runs,
        sync c_guests::c_and_cpp_compose_with_rust_python_and_js,
        sync c_guests::bad_c_input_is_explained,
        sync go_guests::every_sync_shape_builds_in_go,
        sync go_guests::go_adder_composes_under_a_rust_calculator,
        sync go_guests::bad_go_input_is_explained,
        sync capabilities::wasi_02_app_with_a_rust_dependency,
        sync capabilities::wasi_02_app_with_a_python_dependency,
        sync capabilities::wasi_03_app_with_a_rust_dependency,
        sync capabilities::wasi_03_app_with_a_python_dependency,
        sync deploy::two_hosts_serve_wasi_0_2_and_0_3_until_undeployed,
        sync deploy::a_lost_hosts_replica_is_placed_elsewhere,
        sync deploy::http_polyglot_deploys_from_its_manifest,
        sync dev::an_edit_rebuilds_only_that_component_and_reruns,
        async dev::serve_restarts_the_handler_on_each_edit,
        sync examples::hello_polyglot,
        sync examples::diamond_shares_one_instance,
        sync examples::streams_pipeline_runs_in_bounded_memory,
        async examples::http_polyglot_serves_each_route,
        sync fixtures::the_committed_guests_are_their_source_built,
        sync inspect::real_components,
        sync new::scaffolds_build_as_generated_and_export_their_world,
        sync new::every_world_shape_builds_in_every_language,
        sync new::a_test_component_for_a_prebuilt_component_builds_and_runs_its_cases,
        sync registry::a_package_pushed_by_wkg_builds_composes_and_runs_offline,
        sync registry::interop_with_wkg_and_skopeo_and_bad_input,
        sync registry::a_registry_with_a_login,
        sync registry::wit_packages_published_by_wkg_build_and_run,
        sync run::hello_commands_in_every_language,
        sync run::arguments_and_exit_codes_pass_through,
        sync run::environment_is_denied_unless_granted,
        sync run::files_are_denied_unless_granted,
        sync run::network_is_denied_unless_granted,
        sync run::limits_stop_the_guest_with_a_reason,
        sync run::a_trap_shows_a_backtrace,
        sync run::second_run_of_a_python_component_hits_the_cache,
        sync run::streams_round_trip_ten_mebibytes,
        sync run::invoke_calls_exports_in_python_and_js,
        sync run::bad_input,
        async serve::python_and_js_starters_answer_on_wasi_0_2_and_0_3,
        async serve::rust_starters_answer_and_a_middleware_composes_in_front,
        sync toolchain::setup_is_idempotent_and_doctor_reports_ready,
        sync trace::hello_polyglot_traces_every_cross_language_call,
        async trace::a_served_request_is_one_trace_through_every_component,
        sync trace::streams_crossing_components_are_spans_with_their_bytes,
        sync toolchain::interrupted_install_is_redone_and_priming_serves_the_first_app,
        sync web::node_runs_hello_polyglot_like_wcomp_run,
        sync web::chromium_shows_hello_polyglot,
        sync web::wasi_0_3_examples_are_refused,
        sync web::node_passes_arguments_and_exit_codes_and_denies_the_environment,
    ];
    let conclusion = libtest_mimic::run(&args, trials);
    write_times();
    conclusion.exit();
}

/// Writes `target/toolchain-times.tsv`, slowest first; a listing run
/// (`--list`) writes nothing.
fn write_times() {
    let mut times = std::mem::take(&mut *TIMES.lock().unwrap_or_else(|e| e.into_inner()));
    if times.is_empty() {
        return;
    }
    times.sort_by_key(|(_, took)| std::cmp::Reverse(*took));
    let text: String = times
        .iter()
        .map(|(name, took)| format!("{:.1}\t{name}\n", took.as_secs_f64()))
        .collect();
    let path = support::target_dir().join("toolchain-times.tsv");
    if let Err(e) = std::fs::write(&path, text) {
        eprintln!("cannot write `{}`: {e}", path.display());
    }
}
