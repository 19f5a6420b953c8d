//! One module per subcommand. Each is a clap `Args` struct with an `exec`
//! that calls into the library and turns the outcome into output and an exit
//! code.

pub mod build;
pub mod cache;
pub mod compile;
pub mod completions;
pub mod compose;
pub mod deploy;
pub mod dev;
pub mod doctor;
pub mod host_options;
pub mod inspect;
pub mod lattice;
pub mod new;
pub mod publish;
pub mod pull;
pub mod push;
pub mod registry_options;
pub mod run;
pub mod serve;
pub mod setup;
pub mod test;
pub mod trace;
pub mod trace_options;
pub mod undeploy;
