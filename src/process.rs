//! Running child processes: never fire-and-forget. Output is captured, the
//! exit status checked, and a failure names the command and shows the tail
//! of its stderr.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::{Command, Output};

/// How many lines of a failed tool's stderr an error shows.
const STDERR_TAIL_LINES: usize = 20;

/// A child process could not be run or did not succeed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ProcessError {
    #[error("cannot run `{program}`: {source}")]
    #[diagnostic(code(wcomp::process::spawn), help("{help}"))]
    Spawn {
        program: String,
        help: String,
        #[source]
        source: std::io::Error,
    },

    #[error("`{command}` failed ({status})\n{tail}")]
    #[diagnostic(code(wcomp::process::failed))]
    Failed {
        command: String,
        status: String,
        tail: String,
    },
}

/// Renders a command line as a person would type it.
pub fn display_command(cmd: &Command) -> String {
    let mut line = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        let arg = arg.to_string_lossy();
        if arg.is_empty() || arg.contains(char::is_whitespace) {
            let _ = write!(line, " '{arg}'");
        } else {
            let _ = write!(line, " {arg}");
        }
    }
    line
}

/// The last `n` lines of `bytes`, lossily decoded, each indented.
pub fn tail(bytes: &[u8], n: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(n);
    lines[start..]
        .iter()
        .map(|l| format!("  | {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first `n` lines of `text`, saying how many more there were.
pub fn head(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<String> = lines.iter().take(n).map(|l| (*l).to_owned()).collect();
    if lines.len() > n {
        out.push(format!("... ({} more lines)", lines.len() - n));
    }
    out.join("\n")
}

/// Runs `cmd` to completion with its output captured; an unsuccessful exit
/// is an error carrying the tail of stderr (or of stdout when stderr is empty).
pub fn run(cmd: &mut Command, missing_help: &str) -> Result<Output, ProcessError> {
    let output = cmd.output().map_err(|source| ProcessError::Spawn {
        program: cmd.get_program().to_string_lossy().into_owned(),
        help: missing_help.to_owned(),
        source,
    })?;
    if output.status.success() {
        return Ok(output);
    }
    let stream = if output.stderr.is_empty() {
        &output.stdout
    } else {
        &output.stderr
    };
    Err(ProcessError::Failed {
        command: display_command(cmd),
        status: output.status.to_string(),
        tail: tail(stream, STDERR_TAIL_LINES),
    })
}

/// Runs `cmd` and returns its trimmed stdout, or `None` if it cannot be run
/// or fails: for probing versions of tools that may be absent.
pub fn probe(cmd: &mut Command) -> Option<String> {
    let output = cmd.output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// Looks `program` up on `PATH`.
pub fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_are_cut_and_say_so() {
        let text = "a\nb\nc\n";
        assert_eq!(head(text, 5), "a\nb\nc");
        assert_eq!(head(text, 2), "a\nb\n... (1 more lines)");
    }
}
