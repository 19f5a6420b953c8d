//! Driving a long-running `wcomp dev`: its stdout and stderr read line by
//! line as they come, waits with deadlines that show everything seen so
//! far when they pass, and Ctrl-C.

#![allow(dead_code, reason = "each tier uses part of it")]

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::{Duration, Instant};

/// A `wcomp dev` running in the background.
pub struct Session {
    child: Child,
    lines: Receiver<String>,
    /// Every line so far, stdout's and stderr's, in the order they came.
    pub transcript: Vec<String>,
}

impl Session {
    /// Starts `wcomp dev ARGS` in `dir`.
    pub fn start(dir: &Path, args: &[&str]) -> Session {
        let mut child = super::wcomp()
            .current_dir(dir)
            .arg("dev")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("wcomp dev starts");
        let (tx, lines) = channel();
        forward(child.stdout.take().expect("piped stdout"), tx.clone());
        forward(child.stderr.take().expect("piped stderr"), tx);
        Session {
            child,
            lines,
            transcript: Vec::new(),
        }
    }

    /// Waits until a line contains `text` and returns it; panics with the
    /// transcript after `timeout`.
    #[track_caller]
    pub fn wait_for(&mut self, text: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        if let Some(line) = self.transcript.iter().find(|l| l.contains(text)) {
            return line.clone();
        }
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.transcript.push(line.clone());
                    if line.contains(text) {
                        return line;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    panic!("no line with {text:?} within {timeout:?}:\n{}", self.show())
                }
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("wcomp dev ended before printing {text:?}:\n{}", self.show())
                }
            }
        }
    }

    /// Takes in what arrives until nothing has for `quiet`.
    pub fn settle(&mut self, quiet: Duration) {
        while let Ok(line) = self.lines.recv_timeout(quiet) {
            self.transcript.push(line);
        }
    }

    /// How many lines so far contain `text`.
    pub fn count(&self, text: &str) -> usize {
        self.transcript.iter().filter(|l| l.contains(text)).count()
    }

    /// The index of the first line containing `text`.
    #[track_caller]
    pub fn position(&self, text: &str) -> usize {
        self.transcript
            .iter()
            .position(|l| l.contains(text))
            .unwrap_or_else(|| panic!("no line with {text:?}:\n{}", self.show()))
    }

    /// The transcript, for failure messages.
    pub fn show(&self) -> String {
        self.transcript.join("\n")
    }

    /// Sends Ctrl-C (SIGINT) and returns the exit code, after reading the
    /// rest of the output.
    pub fn interrupt(mut self) -> i32 {
        // SAFETY: sending a signal to our own child process.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGINT);
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for wcomp dev") {
                self.settle(Duration::from_millis(200));
                return status.code().unwrap_or(-1);
            }
            assert!(
                Instant::now() < deadline,
                "wcomp dev did not end after Ctrl-C:\n{}",
                self.show()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // A failed test must not leave `wcomp dev` running.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends each line of `from` to `to`, from a thread of its own.
fn forward(from: impl Read + Send + 'static, to: Sender<String>) {
    std::thread::spawn(move || {
        for line in BufReader::new(from).lines() {
            let Ok(line) = line else { break };
            if to.send(line).is_err() {
                break;
            }
        }
    });
}
