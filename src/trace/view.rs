//! `wcomp trace`'s terminal view: each trace as a tree of calls with their
//! total and self times, arguments and results, then where the time went,
//! component by component. Text from the file is printed escaped.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use wcomp_core::fmt::{Count, Escaped, Fine};

use super::tree::{Call, Trace, micros};

/// The longest argument list or result a line shows, in characters.
const SHOWN: usize = 40;
/// The longest trap message a line shows, in characters.
const SHOWN_TRAP: usize = 120;
/// The widest the call column grows; longer names are cut.
const NAME_WIDTH: usize = 60;
/// The deepest call indented; deeper ones show their depth instead.
const MAX_INDENT: usize = 16;

/// The whole view of `traces`: one tree per trace, then the time per
/// component.
pub fn render(traces: &[Trace]) -> String {
    if traces.is_empty() {
        return "no calls: the trace holds no calls between components\n".to_owned();
    }
    let mut out = String::new();
    for trace in traces {
        tree(&mut out, trace);
        out.push('\n');
    }
    summary(&mut out, traces);
    out
}

/// One trace: a heading, then a line per call, indented by depth.
fn tree(out: &mut String, trace: &Trace) {
    let names: Vec<String> = trace.calls.iter().map(name).collect();
    let width = trace
        .calls
        .iter()
        .zip(&names)
        .map(|(call, name)| indent(call.depth).chars().count() + name.chars().count())
        .max()
        .unwrap_or(0)
        .min(NAME_WIDTH);
    let _ = writeln!(
        out,
        "trace {}: {} over {}",
        Escaped(trace.id),
        Count(trace.calls.len() as u64, "call"),
        Fine(micros(trace.end() - trace.start())),
    );
    let _ = writeln!(out, "{:width$}  {:>8}  {:>8}", "", "total", "self");
    for (call, name) in trace.calls.iter().zip(&names) {
        let indented = cut(&format!("{}{name}", indent(call.depth)), width);
        let _ = writeln!(
            out,
            "{indented:width$}  {:>8}  {:>8}  {}",
            Fine(call.total()).to_string(),
            Fine(call.self_time()).to_string(),
            outcome(call),
        );
    }
}

/// Two spaces a level; past [`MAX_INDENT`] levels, `[depth 40] ` in as
/// much room, so the names of a deep tree stay in view.
fn indent(depth: usize) -> String {
    if depth <= MAX_INDENT {
        "  ".repeat(depth)
    } else {
        format!("{:<1$}", format!("[depth {depth}] "), 2 * MAX_INDENT)
    }
}

/// `greeter  demo:hello/greeting.greet`, or `greeter: greet` for a
/// function outside any interface; the interface without its version.
fn name(call: &Call) -> String {
    let args = &call.event.args;
    let callee = Escaped(&args.callee);
    let function = Escaped(&args.function);
    match &args.interface {
        Some(interface) => {
            let unversioned = interface.split('@').next().unwrap_or(interface);
            format!("{callee}  {}.{function}", Escaped(unversioned))
        }
        None => format!("{callee}: {function}"),
    }
}

/// `("ada") -> "hello, ada"`, or the trap, shortened and escaped; and a
/// note when the call's parent is missing.
fn outcome(call: &Call) -> String {
    let args = &call.event.args;
    let mut text = format!("({})", cut(&Escaped(&args.params).to_string(), SHOWN));
    if let Some(trap) = &args.trap {
        let _ = write!(
            text,
            " TRAPPED: {}",
            cut(&Escaped(trap).to_string(), SHOWN_TRAP)
        );
    } else if let Some(result) = &args.result {
        let _ = write!(text, " -> {}", cut(&Escaped(result).to_string(), SHOWN));
    }
    if call.orphan
        && let Some(parent) = args.parent
    {
        let _ = write!(text, "  (its parent, span {parent}, is not in the file)");
    }
    text
}

/// `text` cut to `max` characters, the last one `…` when cut.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let kept: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{kept}…")
}

/// The time of one component, summed over its calls.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct ComponentTime {
    calls: u64,
    total_us: f64,
    self_us: f64,
}

/// Each callee's calls and time, the most self time first (ties by name).
fn by_component<'a>(traces: &[Trace<'a>]) -> Vec<(&'a str, ComponentTime)> {
    let mut times: BTreeMap<&'a str, ComponentTime> = BTreeMap::new();
    let calls = traces.iter().flat_map(|trace| &trace.calls);
    for call in calls.filter(|call| call.event.args.bytes.is_none()) {
        let time = times.entry(call.event.args.callee.as_str()).or_default();
        time.calls += 1;
        time.total_us += call.event.dur.max(0.0);
        time.self_us += call.self_us;
    }
    let mut sorted: Vec<_> = times.into_iter().collect();
    sorted.sort_by(|(a_name, a), (b_name, b)| {
        b.self_us.total_cmp(&a.self_us).then(a_name.cmp(b_name))
    });
    sorted
}

/// The table of time per component.
fn summary(out: &mut String, traces: &[Trace]) {
    let rows = by_component(traces);
    let names: Vec<String> = rows
        .iter()
        .map(|(name, _)| cut(&Escaped(name).to_string(), NAME_WIDTH))
        .collect();
    let width = names
        .iter()
        .map(|n| n.chars().count())
        .chain([9])
        .max()
        .unwrap_or(9);
    let _ = writeln!(
        out,
        "time per component ({}):",
        Count(rows.len() as u64, "component")
    );
    let _ = writeln!(
        out,
        "{:width$}  {:>6}  {:>8}  {:>8}",
        "component", "calls", "total", "self"
    );
    for ((_, time), name) in rows.iter().zip(&names) {
        let _ = writeln!(
            out,
            "{name:width$}  {:>6}  {:>8}  {:>8}",
            time.calls,
            Fine(micros(time.total_us)).to_string(),
            Fine(micros(time.self_us)).to_string(),
        );
    }
    streams(out, traces);
}

/// A line for the byte streams that crossed between components, if any:
/// how many, and the bytes they moved.
fn streams(out: &mut String, traces: &[Trace]) {
    let calls = traces.iter().flat_map(|trace| &trace.calls);
    let moved: Vec<u64> = calls.filter_map(|call| call.event.args.bytes).collect();
    if !moved.is_empty() {
        let _ = writeln!(
            out,
            "{} moved {} between components",
            Count(moved.len() as u64, "stream"),
            Count(moved.iter().sum(), "byte"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::tree::tests::event;
    use crate::trace::tree::traces;

    #[test]
    fn streams_last_beside_the_calls_and_are_summed_apart() {
        let mut events = vec![event(1, None, 0.0, 100.0), event(2, Some(1), 10.0, 80.0)];
        events[1].args.bytes = Some(4096);
        events[1].args.result = Some("4096 bytes".to_owned());
        let traces = traces(&events);
        assert_eq!(
            traces[0].calls[0].self_us, 100.0,
            "the stream is not a call in it"
        );
        let rows = by_component(&traces);
        assert_eq!(rows.len(), 1, "{rows:?}");
        let view = render(&traces);
        assert!(
            view.ends_with("1 stream moved 4096 bytes between components\n"),
            "{view}"
        );
    }

    #[test]
    fn self_time_per_component_is_the_sum_of_its_calls() {
        let mut events = vec![
            event(1, None, 0.0, 100.0),
            event(2, Some(1), 10.0, 30.0),
            event(3, Some(1), 50.0, 20.0),
            event(4, Some(3), 55.0, 5.0),
        ];
        events[2].args.callee = "c2".to_owned();
        let rows = by_component(&traces(&events));
        let shown: Vec<(&str, u64, f64, f64)> = rows
            .iter()
            .map(|(name, t)| (*name, t.calls, t.total_us, t.self_us))
            .collect();
        assert_eq!(
            shown,
            [
                ("c1", 1, 100.0, 50.0),
                ("c2", 2, 50.0, 45.0),
                ("c4", 1, 5.0, 5.0)
            ]
        );
    }

    #[test]
    fn lines_nest_and_show_traps_escaped() {
        let mut events = vec![event(1, None, 0.0, 2000.0), event(2, Some(1), 100.0, 500.0)];
        events[1].args.interface = Some("demo:hello/greeting@0.1.0".to_owned());
        events[1].args.function = "greet".to_owned();
        events[1].args.params = "\"a\u{1b}[2J\"".to_owned();
        events[1].args.result = None;
        events[1].args.trap = Some("unreachable\nwasm backtrace".to_owned());
        let text = render(&traces(&events));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "trace t1: 2 calls over 2.00ms");
        assert!(lines[2].starts_with("c1: f  "), "{text}");
        assert!(lines[2].ends_with("2.00ms    1.50ms  () -> ok"), "{text}");
        assert!(
            lines[3].starts_with("  c2  demo:hello/greeting.greet  "),
            "{text}"
        );
        assert!(
            lines[3].ends_with(
                "500µs     500µs  (\"a\\u001b[2J\") TRAPPED: unreachable\\nwasm backtrace"
            ),
            "{text}"
        );
    }

    #[test]
    fn an_orphan_says_its_parent_is_missing() {
        let events = [event(7, Some(3), 0.0, 1.0)];
        let text = render(&traces(&events));
        assert!(
            text.contains("(its parent, span 3, is not in the file)"),
            "{text}"
        );
    }

    #[test]
    fn an_empty_trace_says_so() {
        assert!(render(&[]).starts_with("no calls"));
    }

    #[test]
    fn deep_calls_show_their_depth() {
        let events: Vec<_> = (1..=100_000)
            .map(|span| event(span, Some(span - 1).filter(|&p| p > 0), span as f64, 1.0))
            .collect();
        let text = render(&traces(&events));
        let deepest = format!("\n{:<32}c100000: f  ", "[depth 99999] ");
        assert!(text.contains(&deepest), "{}", &text[..2000]);
        assert_eq!(indent(2), "    ");
    }

    #[test]
    fn long_text_is_cut() {
        assert_eq!(cut("abcdef", 4), "abc…");
        assert_eq!(cut("abcd", 4), "abcd");
    }
}
