//! One module per subcommand. Each is a clap `Args` struct with an `exec`
//! that calls into the library and turns the outcome into output and an exit
//! code.

pub mod build;
pub mod compose;
pub mod doctor;
pub mod inspect;
pub mod new;
pub mod run;
pub mod setup;

/// A subcommand whose implementation has not landed yet.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("`wcomp {command}` is not implemented yet")]
#[diagnostic(
    code(wcomp::not_implemented),
    help("this release ships `inspect`, `setup` and `doctor`; `{command}` is on its way")
)]
pub struct NotImplemented {
    pub command: &'static str,
}
