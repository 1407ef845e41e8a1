//! The `table` format: a score report laid out for people in a terminal.

use std::fmt::Write;

use designate_engine::gap::Gap;
use designate_engine::{Partner, RuleSet, ScoreReport};

/// Width explanations are wrapped to.
const WIDTH: usize = 100;

pub fn table(report: &ScoreReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "partner {}  as of {}", report.partner, report.as_of);
    let _ = writeln!(out, "rules   {}  {}", report.rules.version, report.rules.digest);
    for d in &report.designations {
        let verdict = if d.qualified { "ATTAINED" } else { "not attained" };
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{}  [{}]  path {}  {} / {}  {verdict}",
            d.name,
            d.id,
            d.path,
            d.points.normalize(),
            d.max_points.normalize()
        );
        wrap(&mut out, "path:", &d.path_reason);
        wrap(&mut out, "", &d.qualification);
        for m in &d.metrics {
            let score = format!("{} / {}", m.points.normalize(), m.max_points.normalize());
            let _ = writeln!(out, "  {:<30} {:>9}", m.id, score);
            wrap(&mut out, "", &m.explanation);
        }
    }
    out
}

/// Writes `text` indented under a metric line, wrapped at word boundaries.
fn wrap(out: &mut String, lead: &str, text: &str) {
    let indent = "      ";
    let mut line = format!("{indent}{lead}");
    let mut empty = lead.is_empty();
    for word in text.split(' ') {
        if !empty && line.chars().count() + 1 + word.chars().count() > WIDTH {
            let _ = writeln!(out, "{line}");
            line = format!("{indent}  {word}");
        } else {
            if !empty {
                line.push(' ');
            }
            line.push_str(word);
        }
        empty = false;
    }
    let _ = writeln!(out, "{line}");
}

/// The `gap` table: per designation, the suggested additions and what each adds.
pub fn gaps(partner: &Partner, rules: &RuleSet, gaps: &[Gap]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "partner {}  as of {}", partner.id, partner.as_of);
    let _ = writeln!(out, "rules   {}  {}", rules.version, rules.digest);
    for g in gaps {
        let _ = writeln!(out);
        if g.attained {
            let _ = writeln!(out, "{}  path {}  {} points  attained", g.designation, g.path, g.points.normalize());
            continue;
        }
        let outcome = if g.attained_after { "attained" } else { "still not attained" };
        let _ = writeln!(
            out,
            "{}  path {}  {} points → {} with {} addition(s): {outcome}",
            g.designation,
            g.path,
            g.points.normalize(),
            g.points_after.normalize(),
            g.suggestions.len()
        );
        for s in &g.suggestions {
            let _ =
                writeln!(out, "  + {:<70} {:>6}  ({})", s.add, format!("+{}", s.points_added.normalize()), s.metric);
        }
        if let Some(note) = &g.note {
            wrap(&mut out, "note:", note);
        }
    }
    out
}
