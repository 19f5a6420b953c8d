//! Reading and checking an app's components for a plan.
//!
//! Each component is read once; its world is decoded on the planning
//! thread while another thread validates it whole (function bodies
//! included), so planning never waits for validation, only the result
//! does. Errors are those of checking each component in turn: the first
//! component that fails, with decoding's error first when both fail, as
//! it says more.

// Composition errors are returned at most once per run, and their variants
// carry what the user needs to see; boxing them would only obscure that.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use wcomp_core::{Component, DecodeError};

use crate::plan::{decode_error, read};
use crate::{App, ComposeError, Memo};

/// A component of the app as read.
pub(crate) struct Input<'a> {
    /// Its name in app.toml.
    pub name: &'a str,
    pub path: PathBuf,
    pub bytes: Vec<u8>,
    /// Its decoding from the memo, when the memo holds these bytes (which
    /// were validated then).
    pub remembered: Option<Component>,
}

/// Each component's decoded world, by name.
pub(crate) type Worlds<'a> = BTreeMap<&'a str, &'a Component>;

/// Why planning stopped: a component that does not decode, by its index
/// among the inputs, or an error of planning itself.
pub(crate) enum Failure {
    Decode(usize, DecodeError),
    Plan(ComposeError),
}

/// Reads every component of `app`, in the app's order, taking from `memo`
/// the decodings of bytes it has seen.
pub(crate) fn read_all<'a>(
    app: &'a App,
    memo: Option<&Memo>,
) -> Result<Vec<Input<'a>>, ComposeError> {
    let mut inputs: Vec<Input<'a>> = Vec::new();
    for name in app.component_names() {
        let (path, bytes) = match read(app, name) {
            Ok(read) => read,
            // A component before it that does not check out comes first.
            Err(e) => return Err(first_failure_of(app, &inputs).unwrap_or(e)),
        };
        let remembered = memo.and_then(|memo| memo.decoded(name, &bytes));
        inputs.push(Input {
            name,
            path,
            bytes,
            remembered,
        });
    }
    Ok(inputs)
}

/// Decodes every input and, meanwhile, validates those the memo did not
/// hold; `plan` runs on the decoded worlds while validation goes on. What
/// checked out goes into `memo`. The error is the first component's that
/// failed, or else `plan`'s.
pub(crate) fn check_and_plan<T>(
    app: &App,
    inputs: &[Input<'_>],
    memo: Option<&mut Memo>,
    plan: impl FnOnce(&Worlds<'_>) -> Result<T, ComposeError>,
) -> Result<T, ComposeError> {
    let (decoded, planned, invalid) = std::thread::scope(|scope| {
        let validating = scope.spawn(|| first_invalid(inputs));
        let (decoded, failed) = decode_each(inputs);
        let planned = match failed {
            Some((index, error)) => Err(Failure::Decode(index, error)),
            None => {
                let worlds = inputs.iter().map(|i| i.name).zip(&decoded).collect();
                plan(&worlds).map_err(Failure::Plan)
            }
        };
        let invalid = validating
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (decoded, planned, invalid)
    });
    if let Some(memo) = memo {
        let valid = invalid.as_ref().map_or(inputs.len(), |(index, _)| *index);
        for (input, component) in inputs.iter().zip(&decoded).take(valid) {
            if input.remembered.is_none() {
                memo.remember(input.name, &input.bytes, component);
            }
        }
    }
    match (invalid, planned) {
        (Some((invalid, error)), Err(Failure::Decode(failed, _))) if invalid < failed => {
            Err(decode_error(app, inputs[invalid].name, error))
        }
        (Some((invalid, error)), Ok(_) | Err(Failure::Plan(_))) => {
            Err(decode_error(app, inputs[invalid].name, error))
        }
        (_, Err(Failure::Decode(failed, error))) => {
            Err(decode_error(app, inputs[failed].name, error))
        }
        (_, Err(Failure::Plan(error))) => Err(error),
        (None, Ok(planned)) => Ok(planned),
    }
}

/// Each input's world, in order, up to the first that does not decode:
/// that one's index and error.
fn decode_each(inputs: &[Input<'_>]) -> (Vec<Component>, Option<(usize, DecodeError)>) {
    let mut decoded = Vec::with_capacity(inputs.len());
    for (index, input) in inputs.iter().enumerate() {
        let component = match &input.remembered {
            Some(component) => Ok(component.clone()),
            None => Component::from_bytes(&input.path, &input.bytes),
        };
        match component {
            Ok(component) => decoded.push(component),
            Err(error) => return (decoded, Some((index, error))),
        }
    }
    (decoded, None)
}

/// The first input, in order, that does not validate whole (see
/// [`wcomp_core::decode::validate`]): its index and error. Inputs from
/// the memo were validated before.
fn first_invalid(inputs: &[Input<'_>]) -> Option<(usize, DecodeError)> {
    inputs
        .iter()
        .enumerate()
        .filter(|(_, input)| input.remembered.is_none())
        .find_map(|(index, input)| {
            wcomp_core::decode::validate(&input.path, &input.bytes)
                .err()
                .map(|error| (index, error))
        })
}

/// The error of the first of `inputs` that does not decode or validate.
fn first_failure_of(app: &App, inputs: &[Input<'_>]) -> Option<ComposeError> {
    inputs
        .iter()
        .filter(|input| input.remembered.is_none())
        .find_map(|input| {
            Component::from_bytes(&input.path, &input.bytes)
                .and_then(|_| wcomp_core::decode::validate(&input.path, &input.bytes))
                .err()
                .map(|error| decode_error(app, input.name, error))
        })
}
