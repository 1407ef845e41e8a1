//! The `table` format: a score report laid out for people in a terminal.
//!
//! A designation not attained says why, from the result's numbers (points short of the bar, metrics below
//! the least each needs: [`designate_engine::report::Shortfall`]), and gives the `designate gap` command that
//! lists what would attain it.

use std::fmt::Write;

use designate_engine::gap::{Gap, Suggestion};
use designate_engine::{Partner, RuleSet, ScoreReport};

/// Width explanations are wrapped to.
const WIDTH: usize = 100;

/// The `designate gap` command for one partner file under one rule folder, completed per designation.
pub struct GapCommand {
    /// `--rules DIR `, or nothing for the rules built into the binary (which `gap` picks by date as `score` did).
    rules: String,
    partner: String,
}

impl GapCommand {
    pub fn new(rules: &std::path::Path, partner: &std::path::Path) -> GapCommand {
        let rules = match crate::rules_dir::is_built_in(rules) {
            true => String::new(),
            false => format!("--rules {} ", shell_word(&rules.display().to_string())),
        };
        GapCommand { rules, partner: shell_word(&partner.display().to_string()) }
    }

    /// The command for one designation.
    pub fn for_designation(&self, id: &str) -> String {
        format!("designate gap {}--designation {} {}", self.rules, shell_word(id), self.partner)
    }
}

/// A word as a POSIX shell reads it back: as it is when it holds only safe characters, else single-quoted.
pub fn shell_word(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "-_./:=@+,".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// A score report for people; with `gap`, each designation not attained ends with the command that lists
/// what would attain it.
pub fn table(report: &ScoreReport, gap: Option<GapCommand>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "partner {}  as of {}", report.partner, report.as_of);
    let _ = writeln!(out, "rules   {}  {}", report.rules.version, report.rules.digest);
    for d in &report.designations {
        table_designation(&mut out, d, gap.as_ref());
    }
    if let Some(p) = &report.program {
        let _ = writeln!(out);
        let anniversary = p.anniversary.as_deref().map(|a| format!("  (anniversary {a})")).unwrap_or_default();
        let _ = writeln!(out, "program status{anniversary}");
        for h in &p.held {
            let _ = writeln!(out, "  {:<24} {:<10} {}", h.id, if h.held { "held" } else { "not held" }, h.reason);
        }
        for b in &p.badges {
            let state = if b.held { "held".to_owned() } else { format!("missing {}", b.missing.join(", ")) };
            let _ = writeln!(out, "  badge {}: {state}", b.name);
        }
        let open: Vec<String> = p
            .specializations
            .iter()
            .filter(|s| s.open)
            .map(|s| format!("{} (through {})", s.name, s.through.join(", ")))
            .collect();
        if open.is_empty() {
            let _ = writeln!(out, "  specializations open: none (each needs one of its designations held)");
        } else {
            wrap(&mut out, "specializations open:", &open.join("; "));
        }
    }
    for s in &report.software {
        let _ = writeln!(out);
        let _ = writeln!(out, "certified software for solution {}", s.solution);
        for d in &s.designations {
            let _ = writeln!(out, "  {:<32} {}", d.id, if d.attained { "ATTAINED" } else { "not attained" });
            for r in d.requirements.iter().filter(|r| !r.met || d.attained) {
                wrap(&mut out, &format!("{}:", r.category), &r.explanation);
            }
        }
    }
    if !report.warnings.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "warnings");
        for w in &report.warnings {
            let hint = w.hint.as_deref().map(|h| format!(" ({h})")).unwrap_or_default();
            wrap(&mut out, &format!("{}:", w.field), &format!("{}{hint}", w.message));
        }
    }
    // Issue 16: metrics scored from a partner's incomplete data (its `coverage`) say so, never a silent zero.
    if !report.data_gaps.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "data gaps (scored from the data there is; these months are missing, not zero)");
        for g in &report.data_gaps {
            wrap(&mut out, &format!("{} / {}:", g.designation, g.metric), &g.message);
        }
    }
    out
}

fn table_designation(out: &mut String, d: &designate_engine::report::DesignationResult, gap: Option<&GapCommand>) {
    {
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
        wrap(out, "path:", &d.path_reason);
        if let Some(e) = &d.enrollment {
            // Issue 13: the enrollment track is in the JSON/YAML report; people reading the table see it too.
            wrap(out, "enrollment:", &e.reason);
        }
        wrap(out, "", &d.qualification);
        if let Some(window) = window_line(d) {
            wrap(out, "window:", &window);
        }
        for m in &d.metrics {
            let score = format!("{} / {}", m.points.normalize(), m.max_points.normalize());
            let _ = writeln!(out, "  {:<30} {:>9}", m.id, score);
            wrap(out, "", &m.explanation);
        }
        if let Some(shortfall) = d.shortfall() {
            wrap(out, "why not:", &shortfall.to_text());
            if let Some(gap) = gap {
                let _ = writeln!(out, "      what would attain it: {}", gap.for_designation(&d.id));
            }
        }
    }
}

/// The qualification window in one line: its months, the months that qualify, and each month's points
/// (`2024-01…2024-06: attained in 2024-04, 2024-06; points 52 61 75 70 68 72`); `None` for a window of one month.
fn window_line(d: &designate_engine::report::DesignationResult) -> Option<String> {
    let (first, last) = (d.window.first()?, d.window.last()?);
    if d.window.len() < 2 {
        return None;
    }
    let qualified: Vec<&str> = d.window.iter().filter(|w| w.qualified).map(|w| w.month.as_str()).collect();
    let verdict = match qualified.is_empty() {
        true => "not attained in any month".to_owned(),
        false => format!("attained in {}", qualified.join(", ")),
    };
    let points: Vec<String> =
        d.window.iter().map(|w| w.points.map_or("–".to_owned(), |p| p.0.normalize().to_string())).collect();
    Some(format!("{}…{}: {verdict}; points {}", first.month, last.month, points.join(" ")))
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
            g.additions.len()
        );
        for s in &g.suggestions {
            suggestion(&mut out, s);
        }
        for plan in &g.alternatives {
            let _ = writeln!(out, "  or:");
            for s in &plan.suggestions {
                suggestion(&mut out, s);
            }
        }
        if let Some(note) = &g.note {
            wrap(&mut out, "note:", note);
        }
    }
    out
}

/// One line of a plan: the addition (or identical additions), the points it adds, and every metric it moved
/// with its points (the metric it was aimed at when it moved none alone).
fn suggestion(out: &mut String, s: &Suggestion) {
    let moved: Vec<String> = s.metrics.iter().map(|m| format!("{} {}", m.id, signed(m.points))).collect();
    let credits = if moved.is_empty() { s.metric.clone() } else { moved.join(", ") };
    let _ = writeln!(out, "  + {:<70} {:>6}  ({credits})", s.add, signed(s.points_added));
}

fn signed(points: rust_decimal::Decimal) -> String {
    if points.is_sign_negative() {
        points.normalize().to_string()
    } else {
        format!("+{}", points.normalize())
    }
}

/// `score --format table` on a portfolio: one row per partner, written as the partners are scored (so memory
/// stays bounded), then how many attain each designation and the rule versions used.
#[derive(Default)]
pub struct PortfolioTable {
    scored: usize,
    /// Designations in first-seen order, with how many partners attain each.
    attained: Vec<(String, usize)>,
    /// Rule versions used, with their digests.
    rules: std::collections::BTreeMap<String, String>,
}

impl PortfolioTable {
    pub fn header() -> String {
        format!("{:<32} {:<8} {:<8} attained\n", "partner", "as of", "rules")
    }

    pub fn row(&mut self, report: &ScoreReport) -> String {
        self.scored += 1;
        self.rules.entry(report.rules.version.clone()).or_insert_with(|| report.rules.digest.clone());
        let mut ids = Vec::new();
        for d in &report.designations {
            let i = match self.attained.iter().position(|(id, _)| *id == d.id) {
                Some(i) => i,
                None => {
                    self.attained.push((d.id.clone(), 0));
                    self.attained.len() - 1
                }
            };
            if d.qualified {
                self.attained[i].1 += 1;
                ids.push(d.id.as_str());
            }
        }
        let attained = if ids.is_empty() { "none".to_owned() } else { ids.join(", ") };
        format!("{:<32} {:<8} {:<8} {attained}\n", report.partner, report.as_of, report.rules.version)
    }

    pub fn footer(&self, failed: usize) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "\n{} partners scored, {failed} failed", self.scored);
        for (id, count) in &self.attained {
            let _ = writeln!(out, "  {id:<32} attained by {count}");
        }
        for (version, digest) in &self.rules {
            let _ = writeln!(out, "rules   {version}  {digest}");
        }
        out
    }
}
