//! The command-line definition: one struct per subcommand, in
//! `commands/<name>.rs`; `///` docs here are the `--help` text.

use std::ffi::OsString;
use std::process::ExitCode;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Parser, Subcommand};
use wcomp_compose::Lang;

use crate::commands;
use crate::ui::Ui;

const EXAMPLES: &str = "\
Examples:
  wcomp new cli --lang rust        scaffold a Rust guest and an app.toml
  wcomp new upper --lang python    add a Python guest to the app
  wcomp build                      build every component of the app
  wcomp compose                    wire them into composed.wasm
  wcomp run composed.wasm          run it, sandboxed
  wcomp serve composed.wasm        or serve it, if it is an HTTP handler
  wcomp dev                        rebuild, recompose and rerun on every change
  wcomp test                       run the cases of tests/*.toml
  wcomp trace trace.json           show the calls a `run --trace` recorded
  wcomp publish --package acme:app@1.0.0  publish it under a package name";

/// Build, compose and run polyglot WebAssembly components.
///
/// The long description, naming the languages, is [`long_about`].
#[derive(Debug, Parser)]
#[command(name = "wcomp", version, after_help = EXAMPLES, propagate_version = true)]
pub struct Cli {
    /// Print only results and errors, no status lines.
    #[arg(short, long, global = true)]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
}

/// `wcomp --help`'s description, naming the languages from the one table
/// ([`Lang::ALL`] and each driver's title).
pub fn long_about() -> String {
    let languages = wcomp_core::fmt::prose_list(
        Lang::ALL.map(|lang| crate::lang::driver(lang).title()),
        "and",
    );
    format!(
        "Build, compose and run polyglot WebAssembly components.\n\n\
         wcomp takes you from WIT interfaces to one running component: it scaffolds \
         guests in {languages} from a WIT world, builds each with its pinned toolchain, \
         wires them into one standard component, and runs it under an embedded \
         WASI 0.3 / 0.2 host that denies everything by default."
    )
}

/// The command line, with [`long_about`] in its help. Each subcommand's
/// arguments are defined only when it is built: when clap reaches the one
/// invoked, or by [`clap::Command::build`].
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command().long_about(long_about())
}

/// [`command`] with what each subcommand does in it before any is
/// built: the tree of the `help` subcommand is copied from them, so
/// that what `wcomp --help` lists and what shell completions offer
/// (`wcomp help <TAB>`) is the same as if nothing had been deferred.
pub fn command_expanded() -> clap::Command {
    let mut built = command();
    built.build();
    command().mut_subcommands(|sub| {
        match built
            .find_subcommand(sub.get_name())
            .and_then(clap::Command::get_about)
        {
            Some(about) => sub.about(about.clone()),
            None => sub,
        }
    })
}

/// The command line to parse `args` (the process's, the program first):
/// [`command`], or [`command_expanded`] when `args` names no subcommand
/// (`wcomp --help`, `wcomp help`, a misspelled name).
pub fn command_for(args: &[OsString]) -> clap::Command {
    let command = command();
    // The top level's options take no values: the first other argument
    // is the subcommand, if any.
    let named = args
        .iter()
        .skip(1)
        .find(|arg| !arg.as_encoded_bytes().starts_with(b"-"))
        .and_then(|arg| arg.to_str());
    match named.is_some_and(|name| command.find_subcommand(name).is_some()) {
        true => command,
        false => command_expanded(),
    }
}

/// The subcommands, in the order a person uses them. Each one's arguments
/// (and its help) are defined only when it is built (see [`command_for`]):
/// defining all of them was a tenth of a warm `wcomp run`'s instructions.
#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum Command {
    New(commands::new::NewCommand),
    Build(commands::build::BuildCommand),
    Compose(commands::compose::ComposeCommand),
    Compile(commands::compile::CompileCommand),
    Run(commands::run::RunCommand),
    Serve(commands::serve::ServeCommand),
    Dev(commands::dev::DevCommand),
    Test(commands::test::TestCommand),
    Trace(commands::trace::TraceCommand),
    Inspect(commands::inspect::InspectCommand),
    Push(commands::push::PushCommand),
    Pull(commands::pull::PullCommand),
    Publish(commands::publish::PublishCommand),
    Deploy(commands::deploy::DeployCommand),
    Undeploy(commands::undeploy::UndeployCommand),
    #[command(flatten)]
    Nested(Nested),
    Setup(commands::setup::SetupCommand),
    Doctor(commands::doctor::DoctorCommand),
    Completions(commands::completions::CompletionsCommand),
}

/// The subcommands with subcommands of their own, defined up front (not
/// deferred): the tree of `wcomp help` is copied from the subcommands
/// before any deferred one is built.
#[derive(Debug, Subcommand)]
pub enum Nested {
    Lattice(commands::lattice::LatticeCommand),
    Cache(commands::cache::CacheCommand),
}

impl Cli {
    /// Runs the chosen command; the exit code is the command's (for `run`, the
    /// guest's).
    pub fn exec(self) -> miette::Result<ExitCode> {
        let ui = Ui::new(self.quiet);
        if self.command.writes_files() {
            wcomp_core::fs::on_first_temporary(crate::signals::remove_temporaries_on_signal);
        }
        match self.command {
            Command::New(cmd) => cmd.exec(&ui),
            Command::Build(cmd) => cmd.exec(&ui),
            Command::Compose(cmd) => cmd.exec(&ui),
            Command::Compile(cmd) => cmd.exec(&ui),
            Command::Run(cmd) => cmd.exec(&ui),
            Command::Serve(cmd) => cmd.exec(&ui),
            Command::Dev(cmd) => cmd.exec(&ui),
            Command::Test(cmd) => cmd.exec(&ui),
            Command::Trace(cmd) => cmd.exec(&ui),
            Command::Inspect(cmd) => cmd.exec(&ui),
            Command::Push(cmd) => cmd.exec(&ui),
            Command::Pull(cmd) => cmd.exec(&ui),
            Command::Publish(cmd) => cmd.exec(&ui),
            Command::Deploy(cmd) => cmd.exec(&ui),
            Command::Undeploy(cmd) => cmd.exec(&ui),
            Command::Nested(Nested::Lattice(cmd)) => cmd.exec(&ui),
            Command::Nested(Nested::Cache(cmd)) => cmd.exec(&ui),
            Command::Setup(cmd) => cmd.exec(&ui),
            Command::Doctor(cmd) => cmd.exec(&ui),
            Command::Completions(cmd) => cmd.exec(&ui),
        }
    }
}

impl Command {
    /// Whether the command writes files and leaves signals to
    /// [`crate::signals`]; `run`, `serve` and `dev` handle them themselves.
    fn writes_files(&self) -> bool {
        matches!(
            self,
            Command::New(_)
                | Command::Build(_)
                | Command::Compose(_)
                | Command::Compile(_)
                | Command::Setup(_)
                | Command::Nested(Nested::Cache(_))
                | Command::Pull(_)
                | Command::Trace(_)
        )
    }
}

/// Parses a language name, listing the known ones (with clap's suggestion)
/// when it is wrong.
pub fn lang_parser() -> impl TypedValueParser<Value = Lang> {
    PossibleValuesParser::new(Lang::ALL.map(Lang::name)).try_map(|s| s.parse::<Lang>())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_valid() {
        super::Cli::command().debug_assert();
    }
}
