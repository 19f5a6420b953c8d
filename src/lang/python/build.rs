//! Python: componentize-py with the component's world and the app's WIT.
//! The entry module is `app` (app.py) in the component's directory.

use std::path::PathBuf;
use std::process::Command;

use super::toolchain::componentize_py;
use crate::build::{ComponentError, Job};
use crate::process;

pub fn build(job: &Job<'_>) -> Result<PathBuf, ComponentError> {
    let out = job.scratch_output()?;
    process::run(
        Command::new(componentize_py(job.home))
            .arg("-d")
            .arg(&job.wit)
            .arg("-w")
            .arg(&job.world.name)
            .arg("componentize")
            .arg("app")
            .arg("-o")
            .arg(&out)
            .current_dir(&job.src),
        "run `wcomp setup --lang python`",
    )
    .map_err(|e| job.tool_error(e))?;
    Ok(out)
}
