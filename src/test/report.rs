//! What a test run shows: a line per case, each failure in full, the
//! `N passed, M failed` line last, and JUnit XML for CI systems.

use std::fmt::Write as _;

use super::run::{Outcome, Status};

/// The line shown when a case ends.
pub fn line(outcome: &Outcome) -> String {
    let verdict = match &outcome.status {
        Status::Passed => "ok",
        Status::Updated(paths) => &format!(
            "ok (updated {})",
            paths
                .iter()
                .map(|p| format!("`{}`", super::target::shown(p).display()))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Status::Failed(_) => "FAILED",
    };
    format!("test {} ... {verdict}", outcome.id)
}

/// Every failure in full, then the summary line.
pub fn summary(outcomes: &[Outcome]) -> String {
    let mut out = String::new();
    let failed: Vec<&Outcome> = outcomes.iter().filter(|o| !o.passed()).collect();
    for o in &failed {
        if let Status::Failed(why) = &o.status {
            let _ = writeln!(out, "\n---- {} ----\n{}", o.id, why.trim_end());
        }
    }
    if !failed.is_empty() {
        let _ = writeln!(out, "\nfailures:");
        for o in &failed {
            let _ = writeln!(out, "    {}", o.id);
        }
    }
    let _ = write!(
        out,
        "\n{} passed, {} failed",
        outcomes.len() - failed.len(),
        failed.len(),
    );
    out
}

/// JUnit XML for `outcomes`, one `testsuite` per test file.
pub fn junit(app: &str, outcomes: &[Outcome]) -> String {
    let mut suites: Vec<(String, Vec<&Outcome>)> = Vec::new();
    for o in outcomes {
        let file = o
            .file
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        match suites.iter_mut().find(|(f, _)| *f == file) {
            Some((_, list)) => list.push(o),
            None => suites.push((file, vec![o])),
        }
    }
    let failures = outcomes.iter().filter(|o| !o.passed()).count();
    let total: f64 = outcomes.iter().map(|o| o.time.as_secs_f64()).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"{}\" tests=\"{}\" failures=\"{failures}\" time=\"{total:.3}\">",
        xml(app),
        outcomes.len()
    );
    for (file, cases) in suites {
        let failed = cases.iter().filter(|o| !o.passed()).count();
        let time: f64 = cases.iter().map(|o| o.time.as_secs_f64()).sum();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\" errors=\"0\" time=\"{time:.3}\">",
            xml(&file),
            cases.len()
        );
        for o in cases {
            let _ = write!(
                out,
                "    <testcase name=\"{}\" classname=\"{}.{}\" time=\"{:.3}\"",
                xml(&o.name),
                xml(app),
                xml(file.trim_end_matches(".toml")),
                o.time.as_secs_f64()
            );
            match &o.status {
                Status::Failed(why) => {
                    let first = why.lines().next().unwrap_or_default();
                    let _ = writeln!(
                        out,
                        ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>",
                        xml(first),
                        xml(&strip_ansi(why))
                    );
                }
                _ => out.push_str("/>\n"),
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// `text` escaped for XML attributes and text.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in strip_ansi(text).chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\n' | '\t' => out.push(c),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}

/// `text` without terminal color sequences.
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' && chars.peek() == Some(&'[') {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::time::Duration;

    #[test]
    fn junit_escapes_and_counts() {
        let outcomes = vec![
            Outcome {
                id: "math: adds".into(),
                order: 0,
                file: PathBuf::from("tests/math.toml"),
                name: "adds".into(),
                status: Status::Passed,
                time: Duration::from_millis(5),
            },
            Outcome {
                id: "math: <fails>".into(),
                order: 1,
                file: PathBuf::from("tests/math.toml"),
                name: "<fails>".into(),
                status: Status::Failed("\x1b[31mred\x1b[0m & \"quoted\"".into()),
                time: Duration::from_millis(5),
            },
        ];
        let xml = junit("calc", &outcomes);
        assert!(xml.contains("tests=\"2\" failures=\"1\""), "{xml}");
        assert!(xml.contains("name=\"&lt;fails&gt;\""), "{xml}");
        assert!(
            xml.contains("red &amp; &quot;quoted&quot;</failure>"),
            "{xml}"
        );
    }
}
