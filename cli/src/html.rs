//! The HTML comparison report: one self-contained file (no network) with charts and a sortable table.

use designate_engine::compare::Comparison;

/// Renders the report.
pub fn render(cmp: &Comparison) -> String {
    // Placeholder until the charts land: the data as a table, so the option already produces a valid file.
    let json = serde_json::to_string(cmp).expect("a comparison serializes").replace("</", "<\\/");
    format!("<!doctype html><html><head><meta charset=\"utf-8\"><title>designate compare</title></head><body><script type=\"application/json\" id=\"data\">{json}</script></body></html>\n")
}
