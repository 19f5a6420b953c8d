//! Calling any exported function: `--invoke 'f(args)'` with WAVE
//! arguments, its results returned as WAVE for the caller to show.
//!
//! [`syntax`] parses the call, `exports` finds the function, and
//! `bridge` turns text into values and values into text, with the host
//! ends of streams and futures.

pub(crate) mod bridge;
pub(crate) mod exports;
pub mod syntax;

use wasmtime::component::{Type, Val};

pub use bridge::Invocation;
pub use exports::exported_functions;
pub use syntax::Call;

use crate::error::{BadCall, RunError};
use crate::failure::{failure, with_timeout};
use crate::trace::Root;
use crate::{Host, Loaded, RunOptions};

impl<T: Send + 'static> Host<T> {
    /// Calls the function `call` names with its arguments and returns its
    /// results. A `stream<u8>` argument `-` reads the caller's stdin, and a
    /// returned `stream<u8>` is written to the caller's stdout.
    pub async fn invoke(
        &self,
        loaded: &Loaded<T>,
        call: &Call,
        opts: &RunOptions,
    ) -> Result<Invocation, RunError> {
        self.check_engine(loaded)?;
        let found = exports::find_function(&self.engine, loaded, call)?;
        let params: Vec<(String, Type)> =
            found.ty.params().map(|(n, t)| (n.to_owned(), t)).collect();
        check_arity(call, &found.name, &params)?;
        let mut store = self.store(loaded, opts)?;
        let args = bridge::arguments(&mut store, call, &params, &opts.stdio)?;
        let result_types: Vec<Type> = found.ty.results().collect();
        let stdio = &opts.stdio;
        let (interface, function) = match found.name.split_once('#') {
            Some((interface, function)) => (Some(interface), function),
            None => (None, found.name.as_str()),
        };
        let root = Root::enter(
            store.data(),
            loaded,
            interface,
            function,
            call.args()
                .map(|(arg, _)| arg)
                .collect::<Vec<_>>()
                .join(", "),
        );
        let run = async {
            let instance = loaded.pre.instantiate_async(&mut store).await?;
            let func = instance
                .get_func(&mut store, found.index)
                .ok_or_else(|| wasmtime::format_err!("the export vanished after instantiation"))?;
            store
                .run_concurrent(async |a| -> wasmtime::Result<Invocation> {
                    let mut results = vec![Val::Bool(false); result_types.len()];
                    func.call_concurrent(a, &args, &mut results).await?;
                    let mut out = Invocation::default();
                    for (val, ty) in results.into_iter().zip(result_types.iter().cloned()) {
                        bridge::result(a, val, ty, &mut out, stdio).await?;
                    }
                    Ok(out)
                })
                .await?
        };
        let outcome = with_timeout(opts.limits.timeout, run).await;
        root.exit(&outcome, |invocation| invocation.results.join(", "));
        let mut invocation =
            outcome.map_err(|e| failure(&loaded.name, &found.name, &opts.limits, e))?;
        invocation.guest_memory = store.data().limiter.used();
        Ok(invocation)
    }
}

/// Converts the WAVE arguments of `call` into values for the parameters
/// `params` of `function`, as `--invoke` does before it calls: one argument
/// per parameter, each checked against its type. Arguments of `stream` and
/// `future` types need a store and are refused here.
///
/// For fuzzing and for tools that check a call without running it.
#[doc(hidden)]
pub fn wave_arguments(
    call: &Call,
    function: &str,
    params: &[(String, Type)],
) -> Result<Vec<Val>, BadCall> {
    check_arity(call, function, params)?;
    call.args()
        .zip(params)
        .map(|((text, span), (name, ty))| bridge::wave_value(call, text, span, name, ty))
        .collect()
}

/// A value of type `ty` in WAVE syntax, as `--invoke` shows results.
#[doc(hidden)]
pub fn show_value(val: &Val, ty: &Type) -> String {
    crate::wave::show(val, ty)
}

/// The call must give one argument per parameter of `function`.
fn check_arity(call: &Call, function: &str, params: &[(String, Type)]) -> Result<(), BadCall> {
    if params.len() == call.args().len() {
        return Ok(());
    }
    let names: Vec<&str> = params.iter().map(|(n, _)| n.as_str()).collect();
    Err(call.arity_error(
        format!(
            "`{function}` takes {} argument(s), {} given",
            params.len(),
            call.args().len()
        ),
        &format!("its parameters are ({})", names.join(", ")),
    ))
}
