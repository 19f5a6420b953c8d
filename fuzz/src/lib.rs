//! What the fuzz targets share: rendering diagnostics the way the CLI does
//! (so a label pointing outside its source is found), and the generator of
//! random apps for `compose_plan`, and the component whose types
//! `invoke_call` converts arguments for.

pub mod apps;
pub mod types;

/// Renders `diagnostic` as the CLI shows it: message, source snippet with
/// labels, help. Rendering walks every label's span through the source text,
/// so a span out of bounds or inside a UTF-8 character shows up here.
pub fn render(diagnostic: &dyn miette::Diagnostic) -> String {
    let mut out = String::new();
    miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .with_width(100)
        .render_report(&mut out, diagnostic)
        .expect("rendering into a String cannot fail");
    out
}
