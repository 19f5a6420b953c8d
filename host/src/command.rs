//! Running a command: a component exporting `wasi:cli/run`, at WASI 0.3
//! (run concurrently) or 0.2 (through the p2 bindings).

use wcomp_core::InterfaceName;

use crate::call::exports;
use crate::error::RunError;
use crate::failure::{failure, with_timeout};
use crate::trace::Root;
use crate::{Host, Loaded, RunOptions};

/// The two command worlds the host runs.
#[derive(Debug, Clone, Copy)]
enum Flavor {
    P2,
    P3,
}

impl Flavor {
    fn export_name(self) -> &'static str {
        match self {
            Flavor::P2 => "wasi:cli/run@0.2#run",
            Flavor::P3 => "wasi:cli/run@0.3#run",
        }
    }
}

impl<T: Send + 'static> Host<T> {
    /// Runs a command (a component exporting `wasi:cli/run`) and returns the
    /// guest's exit code.
    pub async fn run_command(
        &self,
        loaded: &Loaded<T>,
        opts: &RunOptions,
    ) -> Result<i32, RunError> {
        let flavor = self.command_flavor(loaded)?;
        let mut store = self.store(loaded, opts)?;
        let root = Root::enter(
            store.data(),
            loaded,
            Some("wasi:cli/run"),
            "run",
            String::new(),
        );
        let run = async {
            let instance = loaded.pre.instantiate_async(&mut store).await?;
            match flavor {
                Flavor::P3 => {
                    let cmd = wasmtime_wasi::p3::bindings::Command::new(&mut store, &instance)?;
                    store
                        .run_concurrent(async |a| cmd.wasi_cli_run().call_run(a).await)
                        .await?
                }
                Flavor::P2 => {
                    let cmd = wasmtime_wasi::p2::bindings::Command::new(&mut store, &instance)?;
                    cmd.wasi_cli_run().call_run(&mut store).await
                }
            }
        };
        let outcome = with_timeout(opts.limits.timeout, run).await;
        root.exit(&outcome, |result| match result {
            Ok(()) => "ok".to_owned(),
            Err(()) => "err".to_owned(),
        });
        match outcome {
            Ok(Ok(())) => Ok(0),
            Ok(Err(())) => Ok(1),
            Err(err) => match err.downcast_ref::<wasmtime_wasi::I32Exit>() {
                Some(exit) => Ok(exit.0),
                None => Err(failure(
                    &loaded.name,
                    flavor.export_name(),
                    &opts.limits,
                    err,
                )),
            },
        }
    }

    /// Instantiates the component in a fresh store without calling it: the
    /// per-instance cost of an embedding that serves many requests.
    pub async fn instantiate(&self, loaded: &Loaded<T>, opts: &RunOptions) -> Result<(), RunError> {
        let mut store = self.store(loaded, opts)?;
        loaded
            .pre
            .instantiate_async(&mut store)
            .await
            .map(drop)
            .map_err(|e| failure(&loaded.name, "instantiation", &opts.limits, e))
    }

    /// Which `wasi:cli/run` the component exports.
    fn command_flavor(&self, loaded: &Loaded<T>) -> Result<Flavor, RunError> {
        let run = loaded
            .component
            .component_type()
            .exports(&self.engine)
            .filter_map(|(name, _)| InterfaceName::parse(name))
            .find(|name| name.unversioned() == "wasi:cli/run");
        let Some(run) = run else {
            let functions = exports::exported_functions(&self.engine, &loaded.component);
            return Err(RunError::NotACommand {
                component: loaded.name.clone(),
                example: functions
                    .iter()
                    .find(|f| !wcomp_core::names::is_toolchain_export(f))
                    .map(|f| format!("{f}(...)"))
                    .unwrap_or_else(|| "f()".into()),
                exports: exports::bullet_list(&functions),
            });
        };
        match &run.version {
            Some(v) if v.pre.is_empty() && v.major == 0 && v.minor == 3 => Ok(Flavor::P3),
            Some(v) if v.pre.is_empty() && v.major == 0 && v.minor == 2 => Ok(Flavor::P2),
            other => Err(RunError::PrereleaseCommand {
                component: loaded.name.clone(),
                wanted: other
                    .as_ref()
                    .map_or_else(|| "?".into(), ToString::to_string),
            }),
        }
    }
}
