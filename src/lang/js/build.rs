//! JavaScript: componentize-qjs (QuickJS) or componentize-js (StarlingMonkey,
//! through `jco componentize`), as the component's `js-backend` says. The
//! entry module is `app.js` in the component's directory.

use std::path::PathBuf;
use std::process::Command;

use wcomp_compose::JsBackend;

use super::toolchain::{backend_for, bin};
use crate::build::{ComponentError, Job};
use crate::process;

/// Builds the component with the backend [`backend`] chooses.
pub fn build(job: &Job<'_>) -> Result<PathBuf, ComponentError> {
    let out = job.scratch_output()?;
    let mut cmd = match backend(job) {
        JsBackend::ComponentizeQjs => {
            let mut cmd = Command::new(bin(job.home, "componentize-qjs"));
            cmd.arg("--wit")
                .arg(&job.wit)
                .arg("--world")
                .arg(&job.world.name)
                .args(["--js", "app.js", "-o"])
                .arg(&out);
            cmd
        }
        JsBackend::ComponentizeJs => {
            // Without http and fetch-event, the component imports no
            // wasi:http and runs on any WASI 0.2 host.
            let mut cmd = Command::new(bin(job.home, "jco"));
            cmd.args(["componentize", "app.js", "--wit"])
                .arg(&job.wit)
                .arg("--world-name")
                .arg(&job.world.name)
                .args(["-d", "http", "fetch-event", "-o"])
                .arg(&out);
            cmd
        }
    };
    cmd.current_dir(&job.src);
    process::run(&mut cmd, "run `wcomp setup --lang js`").map_err(|e| job.tool_error(e))?;
    Ok(out)
}

/// The componentizer that builds `job`: app.toml's `js-backend`, else the
/// one its world needs.
pub fn backend(job: &Job<'_>) -> JsBackend {
    backend_for(&job.world, job.entry.js_backend())
}
