//! `wcomp trace --svg`: a flame chart (an icicle) of each trace, drawn
//! as plain SVG. Time runs left to right, each trace scaled to the chart's
//! width; a call sits under the call it was made in. Each component has its
//! own color, derived from its name so it is the same in every chart;
//! trapped calls are red. Hovering a call shows its name, times, arguments
//! and result.

use std::fmt::{self, Write as _};

use wcomp_core::fmt::{Count, Fine};

use super::tree::{Call, Trace, micros};

/// The width of the drawing area, in pixels.
const WIDTH: f64 = 1200.0;
/// The margin around it.
const MARGIN: f64 = 10.0;
/// The height of one call.
const ROW: f64 = 20.0;
/// The height of a trace's heading.
const HEADING: f64 = 24.0;
/// The space after a trace.
const GAP: f64 = 16.0;
/// Roughly how wide one character of a label is.
const CHAR: f64 = 7.0;
/// The fill of a trapped call.
const TRAPPED: &str = "#e5484d";

/// The flame chart of `traces`, as a whole SVG document.
pub fn render(traces: &[Trace]) -> String {
    let height = traces
        .iter()
        .map(|trace| HEADING + (trace.depth() + 1) as f64 * ROW + GAP)
        .sum::<f64>()
        .max(HEADING + GAP)
        + 2.0 * MARGIN;
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{height}\" \
         viewBox=\"0 0 {w} {height}\" font-family=\"monospace\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n",
        w = WIDTH + 2.0 * MARGIN,
    );
    if traces.is_empty() {
        let _ = writeln!(
            out,
            "<text x=\"{MARGIN}\" y=\"{}\">no calls between components</text>",
            MARGIN + 16.0
        );
    }
    let mut top = MARGIN;
    for trace in traces {
        band(&mut out, trace, top);
        top += HEADING + (trace.depth() + 1) as f64 * ROW + GAP;
    }
    out.push_str("</svg>\n");
    out
}

/// One trace's heading and calls, from `top` down.
fn band(out: &mut String, trace: &Trace, top: f64) {
    let start = trace.start();
    let extent = (trace.end() - start).max(f64::MIN_POSITIVE);
    let _ = writeln!(
        out,
        "<text x=\"{MARGIN}\" y=\"{}\" font-weight=\"bold\">trace {}: {} over {}</text>",
        top + 16.0,
        Xml(trace.id),
        Count(trace.calls.len() as u64, "call"),
        Fine(micros(extent)),
    );
    for call in &trace.calls {
        let x = MARGIN + (call.event.ts - start) / extent * WIDTH;
        let width = (call.event.dur.max(0.0) / extent * WIDTH).max(1.0);
        let y = top + HEADING + call.depth as f64 * ROW;
        rect(out, call, x, y, width);
    }
}

/// One call: its box, its tooltip, and its label when there is room.
fn rect(out: &mut String, call: &Call, x: f64, y: f64, width: f64) {
    let args = &call.event.args;
    let (fill, stroke) = match args.trap {
        Some(_) => (TRAPPED.to_owned(), "#8b0000"),
        None => (color(&args.callee), "#ffffff"),
    };
    let _ = writeln!(
        out,
        "<g><title>{}</title>\
         <rect x=\"{x:.2}\" y=\"{y:.2}\" width=\"{width:.2}\" height=\"{}\" \
         fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"0.5\"/>",
        Xml(&tooltip(call)),
        ROW - 1.0,
    );
    let fits = ((width - 6.0) / CHAR).floor();
    if fits >= 3.0 {
        let label = label(call, fits as usize);
        let _ = writeln!(
            out,
            "<text x=\"{:.2}\" y=\"{:.2}\">{}</text>",
            x + 3.0,
            y + ROW - 6.0,
            Xml(&label),
        );
    }
    out.push_str("</g>\n");
}

/// The label of a call, cut to `chars` characters.
fn label(call: &Call, chars: usize) -> String {
    let name = &call.event.name;
    if name.chars().count() <= chars {
        return name.clone();
    }
    let kept: String = name.chars().take(chars.saturating_sub(1)).collect();
    format!("{kept}…")
}

/// What hovering a call shows: who called what, its times, its arguments
/// and its result or trap.
fn tooltip(call: &Call) -> String {
    let args = &call.event.args;
    let function = match &args.interface {
        Some(interface) => format!("{interface}#{}", args.function),
        None => args.function.clone(),
    };
    let mut text = format!(
        "{} → {}: {function}\n{} total, {} self\n({})",
        args.caller,
        args.callee,
        Fine(call.total()),
        Fine(call.self_time()),
        args.params,
    );
    match (&args.trap, &args.result) {
        (Some(trap), _) => {
            let _ = write!(text, "\ntrapped: {trap}");
        }
        (None, Some(result)) => {
            let _ = write!(text, " -> {result}");
        }
        (None, None) => {}
    }
    text
}

/// A component's color: a hue from a hash of its name (FNV-1a, the same on
/// every machine), in soft tones that black text reads well on and that
/// keep clear of the trapped red.
fn color(component: &str) -> String {
    let hash = component.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    // Hues 30 to 329: everything but the reds.
    let hue = 30 + hash % 300;
    let lightness = 68 + (hash >> 32) % 12;
    format!("hsl({hue},60%,{lightness}%)")
}

/// Text for XML: markup characters as entities, and control characters,
/// which XML 1.0 does not allow, as `\u001b` (tabs and newlines kept).
struct Xml<'a>(&'a str);

impl fmt::Display for Xml<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            match c {
                '&' => f.write_str("&amp;")?,
                '<' => f.write_str("&lt;")?,
                '>' => f.write_str("&gt;")?,
                '"' => f.write_str("&quot;")?,
                '\'' => f.write_str("&apos;")?,
                '\t' | '\n' => f.write_char(c)?,
                '\u{fffe}' | '\u{ffff}' => write!(f, "\\u{:04x}", u32::from(c))?,
                c if c.is_control() => write!(f, "\\u{:04x}", u32::from(c))?,
                c => f.write_char(c)?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::tree::tests::event;
    use crate::trace::tree::traces;

    #[test]
    fn markup_in_names_and_arguments_is_escaped() {
        assert_eq!(
            Xml("<a href=\"x\">&'\u{1b}\u{0}\n").to_string(),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;\\u001b\\u0000\n"
        );
        let mut events = [event(1, None, 0.0, 10.0)];
        events[0].name = "</title><script>".to_owned();
        events[0].args.params = "\"<&>\"".to_owned();
        let svg = render(&traces(&events));
        assert!(!svg.contains("<script>"), "{svg}");
        assert!(svg.contains("(&quot;&lt;&amp;&gt;&quot;)"), "{svg}");
    }

    #[test]
    fn calls_are_placed_by_time_and_depth() {
        let events = [event(1, None, 0.0, 100.0), event(2, Some(1), 50.0, 25.0)];
        let svg = render(&traces(&events));
        let first = MARGIN + HEADING;
        assert!(
            svg.contains(&format!(
                "<rect x=\"10.00\" y=\"{first:.2}\" width=\"1200.00\""
            )),
            "{svg}"
        );
        assert!(
            svg.contains(&format!(
                "<rect x=\"610.00\" y=\"{:.2}\" width=\"300.00\"",
                first + ROW
            )),
            "{svg}"
        );
    }

    #[test]
    fn trapped_calls_are_red_and_colors_are_stable() {
        let mut events = [event(1, None, 0.0, 10.0)];
        events[0].args.trap = Some("unreachable".to_owned());
        assert!(render(&traces(&events)).contains(TRAPPED));
        assert_eq!(color("greeter"), color("greeter"));
        assert_ne!(color("greeter"), color("scorer"));
    }

    #[test]
    fn an_empty_trace_is_a_chart_that_says_so() {
        let svg = render(&[]);
        assert!(svg.contains("no calls between components"), "{svg}");
        assert!(svg.ends_with("</svg>\n"));
    }
}
