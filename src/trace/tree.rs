//! The calls of a trace file as trees: each call under the call it was made
//! in, siblings in the order they started, one tree per trace. What the
//! terminal view and the flame chart both draw.

use std::collections::HashMap;
use std::time::Duration;

use super::Event;

/// One call, placed in its tree.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    /// The call as the file has it.
    pub event: &'a Event,
    /// How deep it is: 0 for a root.
    pub depth: usize,
    /// Its duration minus its children's, in microseconds (never negative:
    /// calls that overlap count once).
    pub self_us: f64,
    /// Whether it names a parent the file does not hold (shown as a root).
    pub orphan: bool,
}

impl Call<'_> {
    /// How long the call took, children included.
    pub fn total(&self) -> Duration {
        micros(self.event.dur)
    }

    /// How long the call took, less the calls made in it.
    pub fn self_time(&self) -> Duration {
        micros(self.self_us)
    }
}

/// The calls of one trace (a run, or one request served), each right after
/// its parent's earlier children and their calls: the order a tree is
/// printed in.
#[derive(Debug, Clone)]
pub struct Trace<'a> {
    /// The W3C trace id.
    pub id: &'a str,
    /// Its calls, depth first.
    pub calls: Vec<Call<'a>>,
}

impl Trace<'_> {
    /// When its first call started, in microseconds.
    pub fn start(&self) -> f64 {
        self.calls
            .iter()
            .map(|call| call.event.ts)
            .fold(f64::INFINITY, f64::min)
    }

    /// When its last call ended, in microseconds.
    pub fn end(&self) -> f64 {
        self.calls
            .iter()
            .map(|call| call.event.ts + call.event.dur.max(0.0))
            .fold(f64::NEG_INFINITY, f64::max)
    }

    /// The depth of its deepest call.
    pub fn depth(&self) -> usize {
        self.calls.iter().map(|call| call.depth).max().unwrap_or(0)
    }
}

/// A duration given in microseconds; a negative or non-finite one is zero.
pub fn micros(us: f64) -> Duration {
    if us.is_finite() && us > 0.0 {
        Duration::try_from_secs_f64(us / 1e6).unwrap_or(Duration::MAX)
    } else {
        Duration::ZERO
    }
}

/// The traces of `events`, in the order their first call started.
///
/// A call whose parent is not in the file (or whose parents loop) is a
/// root of its trace, so nothing is lost from a cut or hand-edited file.
pub fn traces(events: &[Event]) -> Vec<Trace<'_>> {
    let mut order: Vec<usize> = (0..events.len()).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (&events[a], &events[b]);
        a.ts.total_cmp(&b.ts).then(a.args.span.cmp(&b.args.span))
    });
    let mut index = HashMap::new();
    for &i in &order {
        index.entry(events[i].args.span).or_insert(i);
    }
    let mut children = vec![Vec::new(); events.len()];
    let mut roots = Vec::new();
    for &i in &order {
        match events[i].args.parent.and_then(|parent| index.get(&parent)) {
            Some(&parent) if parent != i => children[parent].push(i),
            _ => roots.push(i),
        }
    }
    let mut walk = Walk {
        events,
        children: &children,
        seen: vec![false; events.len()],
        traces: Vec::new(),
        by_id: HashMap::new(),
    };
    for &root in &roots {
        walk.tree(root);
    }
    // Calls in a loop of parents are reached from no root: each loop
    // becomes a tree of its own, from its earliest call.
    for &i in &order {
        if !walk.seen[i] {
            walk.tree(i);
        }
    }
    walk.traces
}

/// The state of [`traces`]' depth-first walk.
struct Walk<'a, 'e> {
    events: &'e [Event],
    children: &'a [Vec<usize>],
    seen: Vec<bool>,
    traces: Vec<Trace<'e>>,
    by_id: HashMap<&'e str, usize>,
}

impl<'e> Walk<'_, 'e> {
    /// Appends the tree under `root` to its trace, without recursion: a
    /// file may nest calls deeper than the stack would.
    fn tree(&mut self, root: usize) {
        let id = self.events[root].args.trace.as_str();
        let next = self.traces.len();
        let at = *self.by_id.entry(id).or_insert(next);
        if at == next {
            self.traces.push(Trace {
                id,
                calls: Vec::new(),
            });
        }
        let mut stack = vec![(root, 0)];
        while let Some((i, depth)) = stack.pop() {
            if std::mem::replace(&mut self.seen[i], true) {
                continue;
            }
            let event = &self.events[i];
            // A child already seen is an ancestor, where parents loop.
            let kids: Vec<usize> = self.children[i]
                .iter()
                .copied()
                .filter(|&k| !self.seen[k])
                .collect();
            // A stream lasts beside the calls, not in them: its time is
            // not taken from its parent's.
            let children_us: f64 = kids
                .iter()
                .map(|&k| &self.events[k])
                .filter(|kid| kid.args.bytes.is_none())
                .map(|kid| kid.dur.max(0.0))
                .sum();
            self.traces[at].calls.push(Call {
                event,
                depth,
                self_us: (event.dur - children_us).max(0.0),
                orphan: depth == 0 && event.args.parent.is_some(),
            });
            stack.extend(kids.iter().rev().map(|&k| (k, depth + 1)));
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::trace::CallArgs;

    /// A call of `function` on `callee`, for tests.
    pub(crate) fn event(span: u64, parent: Option<u64>, ts: f64, dur: f64) -> Event {
        Event {
            name: format!("c{span}: f"),
            cat: "call".to_owned(),
            ph: "X".to_owned(),
            ts,
            dur,
            pid: 1,
            tid: 1,
            args: CallArgs {
                span,
                parent,
                trace: "t1".to_owned(),
                caller: "host".to_owned(),
                callee: format!("c{span}"),
                interface: None,
                function: "f".to_owned(),
                params: String::new(),
                result: Some("ok".to_owned()),
                trap: None,
                bytes: None,
            },
        }
    }

    fn shape(trace: &Trace) -> Vec<(u64, usize, f64)> {
        trace
            .calls
            .iter()
            .map(|c| (c.event.args.span, c.depth, c.self_us))
            .collect()
    }

    #[test]
    fn nests_by_parent_and_orders_by_start() {
        // Out of order in the file: children before parents.
        let events = [
            event(3, Some(1), 60.0, 30.0),
            event(2, Some(1), 10.0, 40.0),
            event(4, Some(2), 20.0, 5.0),
            event(1, None, 0.0, 100.0),
        ];
        let traces = traces(&events);
        assert_eq!(traces.len(), 1);
        assert_eq!(
            shape(&traces[0]),
            [(1, 0, 30.0), (2, 1, 35.0), (4, 2, 5.0), (3, 1, 30.0)]
        );
        assert_eq!(traces[0].depth(), 2);
        assert_eq!(traces[0].start(), 0.0);
        assert_eq!(traces[0].end(), 100.0);
    }

    #[test]
    fn self_time_is_never_negative() {
        // Children that overlap (concurrent calls) add up past their parent.
        let events = [
            event(1, None, 0.0, 10.0),
            event(2, Some(1), 1.0, 8.0),
            event(3, Some(1), 2.0, 8.0),
        ];
        assert_eq!(traces(&events)[0].calls[0].self_time(), Duration::ZERO);
    }

    #[test]
    fn an_orphan_is_a_root() {
        let events = [event(1, None, 0.0, 10.0), event(2, Some(99), 20.0, 5.0)];
        let traces = traces(&events);
        assert_eq!(shape(&traces[0]), [(1, 0, 10.0), (2, 0, 5.0)]);
        assert!(!traces[0].calls[0].orphan);
        assert!(traces[0].calls[1].orphan);
    }

    #[test]
    fn parents_in_a_loop_are_shown_once() {
        let events = [
            event(1, Some(2), 0.0, 10.0),
            event(2, Some(1), 1.0, 5.0),
            event(3, Some(3), 2.0, 1.0),
        ];
        let traces = traces(&events);
        assert_eq!(shape(&traces[0]), [(3, 0, 1.0), (1, 0, 5.0), (2, 1, 5.0)]);
    }

    #[test]
    fn one_tree_per_trace() {
        let mut second = event(2, None, 5.0, 1.0);
        second.args.trace = "t2".to_owned();
        let events = [second, event(1, None, 0.0, 1.0)];
        let ids: Vec<&str> = traces(&events).iter().map(|t| t.id).collect();
        assert_eq!(ids, ["t1", "t2"]);
    }

    #[test]
    fn odd_durations_are_zero() {
        assert_eq!(micros(-5.0), Duration::ZERO);
        assert_eq!(micros(f64::NAN), Duration::ZERO);
        assert_eq!(micros(1e300), Duration::MAX);
        assert_eq!(micros(1500.0), Duration::from_micros(1500));
    }
}
