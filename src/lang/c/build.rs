//! C and C++: every `.c`/`.cpp` under the component's `src/`, and the
//! wit-bindgen-c glue in its `bindings/` (regenerated when the world
//! changed), compiled by the pinned zig for `wasm32-wasi` in parallel; linked
//! as a reactor with the world's component-type object; made a component
//! in-process by wit-component with the wasip1 adapter.
//!
//! zig caches every compile by its inputs (headers included), so a rebuild
//! compiles only the files that changed.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use wcomp_compose::Lang;

use super::bindings;
use super::toolchain::{NO_EXCEPTIONS, TARGET, profile_flags, zig, zig_binary};
use crate::build::{ComponentError, Job};
use crate::process::{self, ProcessError};

/// How many lines of the compiler's output an error shows.
const OUTPUT_LINES: usize = 40;

/// A C or C++ component could not be built.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum CError {
    #[error("component `{component}` has no `src/` directory (looked for `{}`)", path.display())]
    #[diagnostic(
        code(wcomp::build::c::no_src),
        help(
            "a C or C++ component keeps its `.c`/`.cpp` files in `src/`; `wcomp new NAME --lang c` scaffolds one"
        )
    )]
    NoSrc { component: String, path: PathBuf },

    #[error("component `{component}` has no `.c` or `.cpp` files under `{}`", path.display())]
    #[diagnostic(
        code(wcomp::build::c::no_sources),
        help("add the component's sources there (`.c` for C; `.cpp`, `.cc` or `.cxx` for C++)")
    )]
    NoSources { component: String, path: PathBuf },

    #[error("component `{component}`: {location}: {message}\n{output}")]
    #[diagnostic(
        code(wcomp::build::c::compile),
        help(
            "the compiler's output is above; this, run in the component's directory, reproduces it:\n  {command}"
        )
    )]
    Compile {
        component: String,
        /// `src/x.c:3` when the compiler named a line, else the file.
        location: String,
        message: String,
        output: String,
        command: String,
    },

    #[error("component `{component}` failed to link\n{output}")]
    #[diagnostic(code(wcomp::build::c::link), help("{help}"))]
    Link {
        component: String,
        output: String,
        help: String,
    },

    #[error("component `{component}`: the linked module cannot be made a component: {message}")]
    #[diagnostic(
        code(wcomp::build::c::componentize),
        help(
            "the module must export what `bindings/` declares and import only WASI preview1 and the world"
        )
    )]
    Componentize { component: String, message: String },
}

impl From<CError> for ComponentError {
    fn from(e: CError) -> Self {
        ComponentError::C(Box::new(e))
    }
}

/// One file to compile.
struct Unit {
    /// Relative to the component's directory: what diagnostics show.
    source: PathBuf,
    object: PathBuf,
    cpp: bool,
}

pub fn build(job: &Job<'_>) -> Result<PathBuf, ComponentError> {
    let src = job.src.join("src");
    if !src.is_dir() {
        return Err(CError::NoSrc {
            component: job.name.to_owned(),
            path: src,
        }
        .into());
    }
    let bindings = job.src.join(bindings::DIR);
    let header =
        bindings::refresh(&bindings, &job.world).map_err(|source| ComponentError::Bindings {
            component: job.name.to_owned(),
            source,
        })?;
    let zig_path = zig_binary(job.home).ok_or_else(|| ComponentError::NoOutput {
        component: job.name.to_owned(),
        message: "zig is not installed".to_owned(),
        help: "run `wcomp setup --lang c`".to_owned(),
    })?;
    let out_dir =
        job.build_dir
            .join("c")
            .join(job.name)
            .join(if job.release { "release" } else { "debug" });
    let units = units(job, &src, &header, &out_dir)?;
    compile_all(job, &zig_path, &units)?;
    let core = out_dir.join(format!("{}.core.wasm", job.name));
    let object = bindings::type_object(&header);
    link(job, &zig_path, &units, &object, &core)?;
    componentize(job, &core)
}

/// The sources under `src/` (sorted) and the bindings' C file.
fn units(
    job: &Job<'_>,
    src: &Path,
    header: &Path,
    out_dir: &Path,
) -> Result<Vec<Unit>, ComponentError> {
    let mut sources = Vec::new();
    collect_sources(src, &mut sources).map_err(|source| ComponentError::Io {
        component: job.name.to_owned(),
        path: src.to_owned(),
        source,
    })?;
    if sources.is_empty() {
        return Err(CError::NoSources {
            component: job.name.to_owned(),
            path: src.to_owned(),
        }
        .into());
    }
    sources.sort();
    sources.push(header.with_extension("c"));
    let relative = |p: &Path| p.strip_prefix(&job.src).unwrap_or(p).to_owned();
    Ok(sources
        .iter()
        .map(|path| {
            let source = relative(path);
            let cpp = path.extension().is_some_and(|e| e != "c");
            Unit {
                object: out_dir.join("obj").join(format!("{}.o", source.display())),
                source,
                cpp,
            }
        })
        .collect())
}

/// C and C++ files under `dir`, recursively.
fn collect_sources(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_sources(&path, out)?;
        } else if path
            .extension()
            .is_some_and(|e| ["c", "cpp", "cc", "cxx"].iter().any(|x| e == *x))
        {
            out.push(path);
        }
    }
    Ok(())
}

/// The compiler command for one unit.
fn compile_command(job: &Job<'_>, zig_path: &Path, unit: &Unit) -> Command {
    let mut cmd = zig(job.home, zig_path, if unit.cpp { "c++" } else { "cc" });
    cmd.args(["-target", TARGET])
        .args(profile_flags(job.release))
        .arg("-I")
        .arg(bindings::DIR);
    if unit.cpp {
        cmd.arg(NO_EXCEPTIONS);
    }
    cmd.args(job.entry.cflags())
        .arg("-c")
        .arg(&unit.source)
        .arg("-o")
        .arg(&unit.object)
        .current_dir(&job.src);
    cmd
}

/// Compiles every unit, up to `job.jobs` at a time; the first failure (in
/// source order) is the error.
fn compile_all(job: &Job<'_>, zig_path: &Path, units: &[Unit]) -> Result<(), ComponentError> {
    for unit in units {
        if let Some(dir) = unit.object.parent() {
            std::fs::create_dir_all(dir).map_err(|source| ComponentError::Io {
                component: job.name.to_owned(),
                path: dir.to_owned(),
                source,
            })?;
        }
    }
    let next = AtomicUsize::new(0);
    let failures: Mutex<Vec<(usize, ComponentError)>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..job.jobs.clamp(1, units.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(unit) = units.get(i) else { break };
                    if let Err(e) = compile(job, zig_path, unit) {
                        failures.lock().expect("no panics while held").push((i, e));
                    }
                }
            });
        }
    });
    let mut failures = failures.into_inner().expect("no panics while held");
    failures.sort_by_key(|(i, _)| *i);
    match failures.into_iter().next() {
        Some((_, e)) => Err(e),
        None => Ok(()),
    }
}

/// Compiles one unit. Not through `process::run`, which keeps the tail of
/// the output: for a compiler, the first error matters most.
fn compile(job: &Job<'_>, zig_path: &Path, unit: &Unit) -> Result<(), ComponentError> {
    let mut cmd = compile_command(job, zig_path, unit);
    let output = cmd.output().map_err(|source| {
        job.tool_error(ProcessError::Spawn {
            program: zig_path.display().to_string(),
            help: "run `wcomp setup --lang c`".to_owned(),
            source,
        })
    })?;
    if output.status.success() {
        return Ok(());
    }
    let command = process::display_command(&cmd);
    Err(compile_error(job.name, &unit.source, &output.stderr, command).into())
}

/// A compile failure, located at the compiler's first error.
fn compile_error(component: &str, source: &Path, stderr: &[u8], command: String) -> CError {
    let text = String::from_utf8_lossy(stderr);
    let (location, message) = match first_error(&text) {
        Some((file, line, message)) => (format!("`{file}:{line}`"), message),
        None => (
            format!("`{}`", source.display()),
            "the compiler failed".to_owned(),
        ),
    };
    CError::Compile {
        component: component.to_owned(),
        location,
        message,
        output: process::head(&text, OUTPUT_LINES),
        command,
    }
}

/// The first `FILE:LINE:COL: error: MESSAGE` (or `fatal error`) in clang's
/// output.
fn first_error(output: &str) -> Option<(String, u32, String)> {
    output.lines().find_map(|line| {
        let (location, message) = line
            .split_once(": error: ")
            .or_else(|| line.split_once(": fatal error: "))?;
        let mut parts = location.rsplitn(3, ':');
        let _column = parts.next()?;
        let line_no = parts.next()?.parse().ok()?;
        let file = parts.next()?;
        Some((file.to_owned(), line_no, message.to_owned()))
    })
}

/// Links the objects and the world's component-type object into a reactor
/// module (no `main`: the world's exports are its entry points).
fn link(
    job: &Job<'_>,
    zig_path: &Path,
    units: &[Unit],
    type_object: &Path,
    core: &Path,
) -> Result<(), ComponentError> {
    let cpp = job.lang == Lang::Cpp || units.iter().any(|u| u.cpp);
    let mut cmd = zig(job.home, zig_path, if cpp { "c++" } else { "cc" });
    cmd.args(["-target", TARGET, "-mexec-model=reactor"])
        .args(profile_flags(job.release))
        .args(units.iter().map(|u| &u.object))
        .arg(type_object)
        .args(job.entry.ldflags())
        .arg("-o")
        .arg(core)
        .current_dir(&job.src);
    match process::run(&mut cmd, "run `wcomp setup --lang c`") {
        Ok(_) => Ok(()),
        Err(ProcessError::Failed { tail, .. }) => Err(CError::Link {
            component: job.name.to_owned(),
            help: if tail.contains("undefined symbol: exports_") {
                format!(
                    "every export needs a definition: `{}/{}` declares them under `// Exported Functions`",
                    bindings::DIR,
                    type_object
                        .file_name()
                        .map(|n| n.to_string_lossy().replace("_component_type.o", ".h"))
                        .unwrap_or_default()
                )
            } else {
                "check the component's `ldflags` in app.toml".to_owned()
            },
            output: tail,
        }
        .into()),
        Err(e) => Err(job.tool_error(e)),
    }
}

/// Makes the linked wasip1 module a component: the world from its
/// component-type section, WASI through the preview1 reactor adapter.
fn componentize(job: &Job<'_>, core: &Path) -> Result<PathBuf, ComponentError> {
    let module = std::fs::read(core).map_err(|source| ComponentError::Io {
        component: job.name.to_owned(),
        path: core.to_owned(),
        source,
    })?;
    let failed = |e: anyhow::Error| CError::Componentize {
        component: job.name.to_owned(),
        message: format!("{e:#}"),
    };
    let bytes = crate::lang::wasip1::componentize(&module).map_err(failed)?;
    let out = job.scratch_output()?;
    std::fs::write(&out, bytes).map_err(|source| ComponentError::Io {
        component: job.name.to_owned(),
        path: out.clone(),
        source,
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_error() {
        let output = "src/a.c:3:5: warning: unused variable 'x'\nsrc/a.c:7:12: error: use of undeclared identifier 'y'\n    7 |   return y;\n      |          ^\nsrc/a.c:9:1: error: expected '}'\n2 errors generated.\n";
        assert_eq!(
            first_error(output),
            Some((
                "src/a.c".to_owned(),
                7,
                "use of undeclared identifier 'y'".to_owned()
            ))
        );
        assert_eq!(
            first_error("src/b.cpp:1:10: fatal error: 'nope.h' file not found\n"),
            Some((
                "src/b.cpp".to_owned(),
                1,
                "'nope.h' file not found".to_owned()
            ))
        );
        assert_eq!(first_error("error: unable to find libc\n"), None);
    }
}
