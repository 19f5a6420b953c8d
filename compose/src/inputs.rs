//! Reading and checking an app's components for a plan.
//!
//! Each component is read once, and its bytes handed to wac-graph. While
//! the planning thread checks that each is a component and plans, another
//! thread validates them whole (function bodies included), reading the
//! bytes wac-graph holds; once planning is done, the planning thread helps.
//! A component's WIT world is decoded only when planning asks for it.
//! Errors are those of checking each component in turn: the first
//! component that fails, with its structure's error before its code's.

// Composition errors are returned at most once per run, and their variants
// carry what the user needs to see; boxing them would only obscure that.
#![allow(clippy::result_large_err)]

use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use wac_graph::CompositionGraph;
use wac_types::Package;
use wcomp_core::decode::FunctionToValidate;
use wcomp_core::{Component, DecodeError};

use crate::plan::{decode_error, package, read, read_stamped};
use crate::validated::Validated;
use crate::{App, ComposeError, Memo};
use wcomp_core::fs::FileStamp;

/// A component of the app as read.
pub(crate) struct Input<'a> {
    /// Its name in app.toml.
    pub name: &'a str,
    pub path: PathBuf,
    /// Its bytes, until [`packages`] hands them to wac-graph.
    pub bytes: Vec<u8>,
    /// Its file's stamp when it was read (see [`crate::validated`]).
    pub stamp: Option<FileStamp>,
    /// Whether these very bytes were validated before: the memo has them,
    /// or the file has the stamp it had when it last validated.
    pub validated: bool,
    /// Its world: from the memo, or decoded when first asked for.
    pub world: OnceCell<Component>,
}

/// The worlds of the app's components, each decoded when first asked
/// for: planning needs the world of a component only to make its deny
/// components, and to say how types differ.
pub(crate) struct Worlds<'a> {
    app: &'a App,
    inputs: &'a [Input<'a>],
    /// Each input's bytes; `None` once wac-graph has taken them for good,
    /// when a world still needed is decoded from the file read again.
    bytes: Option<&'a [&'a [u8]]>,
}

impl<'a> Worlds<'a> {
    /// The worlds of `inputs`, whose bytes are `bytes` (see the field).
    pub(crate) fn new(
        app: &'a App,
        inputs: &'a [Input<'a>],
        bytes: Option<&'a [&'a [u8]]>,
    ) -> Self {
        Self { app, inputs, bytes }
    }

    /// Component `name`'s world.
    pub(crate) fn get(&self, name: &str) -> Result<&'a Component, ComposeError> {
        let Some(index) = self.inputs.iter().position(|input| input.name == name) else {
            return Err(ComposeError::Internal {
                message: format!("no component `{name}` to decode"),
            });
        };
        let input = &self.inputs[index];
        if let Some(world) = input.world.get() {
            return Ok(world);
        }
        let world = match self.bytes {
            Some(bytes) => Component::from_bytes(&input.path, bytes[index]),
            None => {
                let (path, bytes) = read(self.app, name)?;
                Component::from_bytes(&path, &bytes)
            }
        };
        let world = world.map_err(|e| decode_error(self.app, name, e))?;
        Ok(input.world.get_or_init(|| world))
    }
}

/// An input to validate: its index among the inputs, path and bytes.
struct Unchecked<'a> {
    index: usize,
    path: &'a Path,
    bytes: &'a [u8],
}

/// Why planning stopped: a component that is not one (its sections do
/// not parse), by its index among the inputs, or an error of planning
/// itself (a world that does not decode among them).
pub(crate) enum Failure {
    Decode(usize, DecodeError),
    Plan(ComposeError),
}

/// Reads every component of `app`, in the app's order, noting which bytes
/// `memo` saw validated before (and their worlds, if they were decoded).
pub(crate) fn read_all<'a>(
    app: &'a App,
    memo: Option<&Memo>,
    validated: &Validated,
) -> Result<Vec<Input<'a>>, ComposeError> {
    let mut inputs: Vec<Input<'a>> = Vec::new();
    for name in app.component_names() {
        let (path, bytes, stamp) = match read_stamped(app, name) {
            Ok(read) => read,
            // A component before it that does not check out comes first.
            Err(e) => {
                let read = inputs.iter().map(|i| Cow::from(i.bytes.as_slice()));
                return Err(first_failure(app, &inputs, read).unwrap_or(e));
            }
        };
        let seen = memo.and_then(|memo| memo.validated(name, &bytes));
        inputs.push(Input {
            name,
            path,
            bytes,
            validated: seen.is_some() || validated.covers(name, stamp.as_ref()),
            stamp,
            world: seen.flatten().map_or_else(OnceCell::new, OnceCell::from),
        });
    }
    Ok(inputs)
}

/// Records in `validated`, the app's record as [`read_all`] read it, that
/// `inputs`, which checked out, validated (see [`crate::validated`]); the
/// record as it now is.
pub(crate) fn remember_validated(
    app: &App,
    validated: Validated,
    inputs: &[Input<'_>],
) -> Validated {
    validated.record(app, inputs.iter().map(|i| (i.name, i.stamp)))
}

/// Makes each input a package of `graph`, handing it the input's bytes.
/// wac-graph validates what it reads; when it refuses a component, the
/// first component that does not decode or validate is the error, as if
/// all had been checked first.
pub(crate) fn packages(
    app: &App,
    graph: &mut CompositionGraph,
    inputs: &mut [Input<'_>],
) -> Result<BTreeMap<String, Package>, ComposeError> {
    let mut packages = BTreeMap::new();
    for index in 0..inputs.len() {
        let name = inputs[index].name;
        let bytes = std::mem::take(&mut inputs[index].bytes);
        match package(graph, name, bytes) {
            Ok(package) => packages.insert(name.to_owned(), package),
            Err(e) => {
                // The refused bytes are gone: read again, for the message.
                let refused = read(app, name).map_or_else(|_| Vec::new(), |(_, bytes)| bytes);
                let bytes = inputs.iter().enumerate().map(|(i, input)| match i {
                    i if i < index => Cow::from(packages[input.name].bytes()),
                    i if i == index => Cow::from(refused.as_slice()),
                    _ => Cow::from(input.bytes.as_slice()),
                });
                return Err(first_failure(app, inputs, bytes).unwrap_or(e));
            }
        };
    }
    Ok(packages)
}

/// Checks that every input is a component and, meanwhile, validates those
/// the memo did not hold, reading their bytes from `packages`; `plan`
/// runs while validation goes on. What checked out goes into `memo`, with
/// the worlds planning decoded. The error is the first component's that
/// failed, or else `plan`'s.
pub(crate) fn check_and_plan<T>(
    app: &App,
    inputs: &[Input<'_>],
    packages: &BTreeMap<String, Package>,
    memo: Option<&mut Memo>,
    plan: impl FnOnce(&Worlds<'_>) -> Result<T, ComposeError>,
) -> Result<T, ComposeError> {
    let bytes: Vec<&[u8]> = inputs.iter().map(|i| packages[i.name].bytes()).collect();
    let unchecked: Vec<Unchecked<'_>> = (inputs.iter().zip(&bytes).enumerate())
        .filter(|(_, (input, _))| !input.validated)
        .map(|(index, (input, bytes))| Unchecked {
            index,
            path: &input.path,
            bytes,
        })
        .collect();
    let validation = Validation::default();
    let (planned, invalid) = std::thread::scope(|scope| {
        // Nothing to validate: no thread either.
        let validating =
            (!unchecked.is_empty()).then(|| scope.spawn(|| validation.run(&unchecked)));
        let planned = match first_malformed(inputs, &bytes) {
            Some((index, error)) => Err(Failure::Decode(index, error)),
            None => plan(&Worlds::new(app, inputs, Some(&bytes))).map_err(Failure::Plan),
        };
        // Planning is done: help validate the function bodies left.
        if let Some(validating) = validating {
            validation.help();
            validating
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        }
        let invalid = match validation.failed.load(Ordering::Acquire) {
            // Which component, and where: checked again in order.
            true => first_invalid(&unchecked),
            false => None,
        };
        (planned, invalid)
    });
    if let Some(memo) = memo {
        let malformed = match &planned {
            Err(Failure::Decode(index, _)) => *index,
            _ => inputs.len(),
        };
        let valid = invalid
            .as_ref()
            .map_or(malformed, |(index, _)| malformed.min(*index));
        for (input, bytes) in inputs.iter().zip(&bytes).take(valid) {
            memo.remember(input.name, bytes, input.world.get());
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

/// The first input, in order, that is not a component whose sections all
/// parse (see [`wcomp_core::decode::expect_component`]): its index and
/// error.
fn first_malformed(inputs: &[Input<'_>], bytes: &[&[u8]]) -> Option<(usize, DecodeError)> {
    inputs
        .iter()
        .zip(bytes)
        .enumerate()
        .filter(|(_, (input, _))| !input.validated)
        .find_map(|(index, (input, bytes))| {
            wcomp_core::decode::expect_component(&input.path, bytes)
                .err()
                .map(|error| (index, error))
        })
}

/// Validating the inputs whole, shared between threads: one validates
/// every input's sections, then it and any thread that [helps](Self::help)
/// validate the function bodies, in no particular order; only whether all
/// are valid is kept.
#[derive(Default)]
struct Validation<'a> {
    queue: Mutex<Queue<'a>>,
    /// Signalled when functions are queued, and when no more will come.
    queued: Condvar,
    /// Whether something did not validate.
    failed: AtomicBool,
}

/// The function bodies still to validate.
#[derive(Default)]
struct Queue<'a> {
    /// Function bodies whose sections validated.
    functions: Vec<FunctionToValidate<'a>>,
    /// Whether every input's sections are validated: no more functions come.
    complete: bool,
}

impl<'a> Validation<'a> {
    /// Validates the sections of each input, in order, queueing their
    /// function bodies; then validates bodies.
    fn run(&self, unchecked: &[Unchecked<'a>]) {
        for input in unchecked {
            match wcomp_core::decode::validate_sections(input.bytes) {
                Ok(functions) => self.queue().functions.extend(functions),
                Err(_) => {
                    self.failed.store(true, Ordering::Release);
                    break;
                }
            }
            self.queued.notify_all();
        }
        self.queue().complete = true;
        self.queued.notify_all();
        self.help();
    }

    /// Validates queued function bodies until none is left, or one fails;
    /// waits while the sections of the inputs are still being validated.
    fn help(&self) {
        let mut allocations = wasmparser::FuncValidatorAllocations::default();
        let mut queue = self.queue();
        while !self.failed.load(Ordering::Acquire) {
            let Some(function) = queue.functions.pop() else {
                if queue.complete {
                    return;
                }
                queue = self
                    .queued
                    .wait(queue)
                    .unwrap_or_else(PoisonError::into_inner);
                continue;
            };
            drop(queue);
            if function.validate(&mut allocations).is_err() {
                self.failed.store(true, Ordering::Release);
            }
            queue = self.queue();
        }
    }

    fn queue(&self) -> MutexGuard<'_, Queue<'a>> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The first input, in order, that does not validate whole (see
/// [`wcomp_core::decode::validate`]): its index and error.
fn first_invalid(unchecked: &[Unchecked<'_>]) -> Option<(usize, DecodeError)> {
    unchecked.iter().find_map(|input| {
        wcomp_core::decode::validate(input.path, input.bytes)
            .err()
            .map(|error| (input.index, error))
    })
}

/// The error of the first of `inputs` (whose bytes are `bytes`) that does
/// not decode or validate.
fn first_failure<'b>(
    app: &App,
    inputs: &[Input<'_>],
    bytes: impl Iterator<Item = Cow<'b, [u8]>>,
) -> Option<ComposeError> {
    inputs
        .iter()
        .zip(bytes)
        .filter(|(input, _)| !input.validated)
        .find_map(|(input, bytes)| {
            Component::from_bytes(&input.path, &bytes)
                .and_then(|_| wcomp_core::decode::validate(&input.path, &bytes))
                .err()
                .map(|error| decode_error(app, input.name, error))
        })
}
