//! `go build` of a Go component: the bindings refreshed when the world
//! changed, the module in the component's folder compiled for wasip1 as a
//! reactor (`-buildmode=c-shared`), the world embedded, and the module made
//! a component with the wasip1 adapter.
//!
//! Go's build cache (under the install) keys every package by its inputs,
//! so a rebuild compiles only what changed.

use std::path::{Path, PathBuf};
use std::process::Command;

use heck::ToUpperCamelCase;

use super::bindings::{self, BindingsError};
use super::toolchain::{go, goroot};
use crate::build::{ComponentError, Job};
use crate::wit::World;

/// How many lines of the compiler's output an error shows.
const OUTPUT_LINES: usize = 40;

/// A Go component could not be built.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum GoError {
    #[error("component `{component}`: cannot generate its Go bindings")]
    #[diagnostic(code(wcomp::build::go::bindings))]
    Bindings {
        component: String,
        #[source]
        #[diagnostic_source]
        source: BindingsError,
    },

    #[error("component `{component}`: {location}: {message}\n{output}")]
    #[diagnostic(
        code(wcomp::build::go::compile),
        help("{help}\nthis, run in the component's directory, reproduces it:\n  {command}")
    )]
    Compile {
        component: String,
        /// `export_x/x.go:3:5` when the compiler named a place.
        location: String,
        message: String,
        output: String,
        help: String,
        command: String,
    },

    #[error("component `{component}`: the Go module cannot be made a component: {message}")]
    #[diagnostic(
        code(wcomp::build::go::componentize),
        help(
            "the module must export what the bindings declare and import only WASI preview1 and the world"
        )
    )]
    Componentize { component: String, message: String },
}

impl From<GoError> for ComponentError {
    fn from(e: GoError) -> Self {
        ComponentError::Go(Box::new(e))
    }
}

/// Refreshes the bindings, compiles, componentizes; returns the component.
pub fn build(job: &Job<'_>) -> Result<PathBuf, ComponentError> {
    let root = goroot(job.home).ok_or_else(|| ComponentError::NoOutput {
        component: job.name.to_owned(),
        message: "Go is not installed".to_owned(),
        help: "run `wcomp setup --lang go`".to_owned(),
    })?;
    bindings::refresh(&job.src, &job.world).map_err(|source| GoError::Bindings {
        component: job.name.to_owned(),
        source,
    })?;
    let core = job
        .scratch_dir()
        .join(format!("{}.go.{}.wasm", job.name, profile(job.release)));
    compile(job, &root, &core)?;
    componentize(job, &core)
}

fn profile(release: bool) -> &'static str {
    if release { "release" } else { "debug" }
}

/// The `go build` arguments of a profile. Both are `-trimpath`ed and
/// `-buildvcs=false`, so the module depends neither on where the component
/// and the cache are nor on the state of a git checkout around it, and both
/// share the build cache the install warmed (`-trimpath` is part of its
/// keys; `-ldflags` only affect the link). `-checklinkname=0` lets the
/// bindings' runtime reach `runtime.sbrk`. Release drops the symbol table
/// (`-s`: the wasm `name` section, 2 %; Go's own panic traces keep their
/// names) and DWARF (`-w`; Go writes none for wasm).
pub fn build_args(release: bool, core: &Path) -> Vec<String> {
    let ldflags = if release {
        "-ldflags=-checklinkname=0 -s -w"
    } else {
        "-ldflags=-checklinkname=0"
    };
    [
        "build",
        "-buildmode=c-shared",
        "-trimpath",
        "-buildvcs=false",
        ldflags,
        "-o",
    ]
    .into_iter()
    .map(str::to_owned)
    .chain([core.display().to_string(), ".".to_owned()])
    .collect()
}

fn compile(job: &Job<'_>, root: &Path, core: &Path) -> Result<(), ComponentError> {
    std::fs::create_dir_all(job.scratch_dir()).map_err(|e| job.io(&job.scratch_dir(), e))?;
    let mut cmd = go(job.home, root, "go");
    cmd.args(build_args(job.release, core))
        .current_dir(&job.src);
    let output = cmd.output().map_err(|source| {
        job.tool_error(crate::process::ProcessError::Spawn {
            program: root.join("bin/go").display().to_string(),
            help: "run `wcomp setup --lang go`".to_owned(),
            source,
        })
    })?;
    if output.status.success() {
        return Ok(());
    }
    let text = String::from_utf8_lossy(&output.stderr).into_owned();
    let (location, message) = first_error(&text)
        .map(|(file, line, col, msg)| (format!("`{file}:{line}:{col}`"), msg))
        .unwrap_or_else(|| ("go build".to_owned(), "the Go build failed".to_owned()));
    Err(GoError::Compile {
        component: job.name.to_owned(),
        help: help_for(&job.world, &location, &message),
        location,
        message,
        output: crate::process::head(&text, OUTPUT_LINES),
        command: shell_line(&cmd),
    }
    .into())
}

/// Embeds the world into the module `go build` wrote (Go's linker cannot
/// carry a `component-type` section in, as C's links an object) and makes
/// it a component.
fn componentize(job: &Job<'_>, core: &Path) -> Result<PathBuf, ComponentError> {
    let mut module = std::fs::read(core).map_err(|e| job.io(core, e))?;
    let failed = |e: anyhow::Error| GoError::Componentize {
        component: job.name.to_owned(),
        message: format!("{e:#}"),
    };
    wit_component::embed_component_metadata(
        &mut module,
        &job.world.resolve,
        job.world.id,
        wit_component::StringEncoding::UTF8,
        false,
    )
    .map_err(failed)?;
    let bytes = crate::lang::wasip1::componentize(&module).map_err(failed)?;
    let out = job.scratch_output()?;
    std::fs::write(&out, bytes).map_err(|e| job.io(&out, e))?;
    Ok(out)
}

/// Advice for a compile error, by what it says and where.
fn help_for(world: &World, location: &str, message: &str) -> String {
    if let Some(missing) = message.strip_prefix("undefined: ") {
        let (package, func) = missing.split_once('.').unwrap_or((missing, "?"));
        let what = exported_as(world, package, func)
            .map(|wit| format!("`{wit}` is "))
            .unwrap_or_default();
        format!(
            "every export needs a definition: {what}`func {func}` in package `{package}` (folder `{package}/`), with the signature `wcomp new` scaffolded"
        )
    } else if message.contains("wit_component/export_") && message.contains("is not in std") {
        "a package of exports is missing: its folder holds the functions the world exports (`wcomp new` scaffolds it)".to_owned()
    } else if location.contains("wit_exports.go") || location.contains("wit_bindings.go") {
        "the generated bindings do not fit the code: an exported function or resource has another signature than the world's (compare with what `wcomp new` scaffolds)".to_owned()
    } else {
        "the compiler's output is above".to_owned()
    }
}

/// The WIT function (`docs:adder/add@0.1.0#add`, or `run` of the world)
/// that wit-bindgen-go binds to `func` in the Go package `package`.
fn exported_as(world: &World, package: &str, func: &str) -> Option<String> {
    world
        .exported_functions()
        .into_iter()
        .find(|(interface, f)| {
            let go_package = match interface {
                Some(name) => {
                    let unversioned = name.split('@').next().unwrap_or(name);
                    format!("export_{}", unversioned.replace([':', '/', '-', '.'], "_"))
                }
                None => "export_wit_world".to_owned(),
            };
            go_package == package && f.name.to_upper_camel_case() == func
        })
        .map(|(interface, f)| match interface {
            Some(name) => format!("{name}#{}", f.name),
            None => f.name.clone(),
        })
}

/// The first `FILE:LINE:COL: MESSAGE` in go's output (`# package` lines
/// name the package being compiled and are skipped).
fn first_error(output: &str) -> Option<(String, u32, u32, String)> {
    output.lines().find_map(|line| {
        if line.starts_with(['#', ' ', '\t']) {
            return None;
        }
        let mut parts = line.splitn(4, ':');
        let file = parts.next()?;
        let line_no = parts.next()?.parse().ok()?;
        let col = parts.next()?.parse().ok()?;
        let message = parts.next()?.trim();
        let file = file.strip_prefix("./").unwrap_or(file);
        Some((file.to_owned(), line_no, col, message.to_owned()))
    })
}

/// The command as a shell line, with what of the Go environment it runs
/// in matters to what it compiles (the caches and telemetry settings do not).
fn shell_line(cmd: &Command) -> String {
    const SHOWN: [&str; 4] = ["GOOS", "GOARCH", "GOFLAGS", "GOPROXY"];
    let envs = cmd
        .get_envs()
        .filter(|(k, _)| SHOWN.iter().any(|shown| k == shown))
        .filter_map(|(k, v)| Some(format!("{}={} ", k.to_string_lossy(), v?.to_string_lossy())));
    envs.chain([crate::process::display_command(cmd)]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_error_and_explains_a_missing_export() {
        let out = "# wit_component/export_a\nexport_a/a.go:7:2: syntax error: unexpected }\nexport_a/a.go:9:1: undefined: x\n";
        assert_eq!(
            first_error(out),
            Some((
                "export_a/a.go".to_owned(),
                7,
                2,
                "syntax error: unexpected }".to_owned()
            ))
        );
        assert_eq!(first_error("go: cannot find main module\n"), None);
        let missing =
            "# wit_component\n./wit_exports.go:23:41: undefined: export_docs_adder_add.Add\n";
        let (file, _, _, message) = first_error(missing).expect("an error");
        assert_eq!(file, "wit_exports.go");
        let world = crate::wit::test_world(
            "package docs:adder@0.1.0;\ninterface add { add: func(x: u32, y: u32) -> u32; }\nworld adder { export add; }\n",
            "adder",
        );
        let help = help_for(&world, &file, &message);
        assert!(
            help.contains(
                "`docs:adder/add@0.1.0#add` is `func Add` in package `export_docs_adder_add`"
            ),
            "{help}"
        );
    }

    #[test]
    fn release_drops_symbols_and_both_are_reproducible() {
        let debug = build_args(false, Path::new("/o.wasm"));
        let release = build_args(true, Path::new("/o.wasm"));
        for args in [&debug, &release] {
            assert!(args.contains(&"-trimpath".to_owned()));
            assert!(args.contains(&"-buildvcs=false".to_owned()));
        }
        assert!(release.contains(&"-ldflags=-checklinkname=0 -s -w".to_owned()));
        assert!(debug.contains(&"-ldflags=-checklinkname=0".to_owned()));
    }
}
