//! `designate diff`: two snapshots compared, after each is checked against its own manifest (the snapshot format
//! and its readers live in `snapshot.rs`). Its report ([`DiffReport`], text or JSON) has one block per partner
//! whose result differs: points, path, attainment gained or lost, metrics and the evidence items that appeared
//! or disappeared; a partner counts as changed exactly when `compare` would count it
//! ([`designate_engine::compare::PartnerChange::changed`]).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use designate_engine::compare::{compare, PartnerChange, Status};
use designate_engine::explain::signed;
use schemars::JsonSchema;
use serde::Serialize;

use super::snapshot::{read_manifest, read_result, verify, Manifest};
use crate::exit;
use crate::output;

/// The `schema_version` of the diff report.
const DIFF_SCHEMA_VERSION: u32 = 1;

/// Compare two snapshots: which partners' results changed and how, and whether rules or inputs changed.
///
/// Each folder is first checked against its manifest: a result that differs from its digest, is missing,
/// or is not listed counts as a difference. Then one block per partner whose result differs: points
/// before → after per designation, path changes, attainment lost or gained, the metrics that moved and the
/// evidence items (customers, people, ...) that appeared (+) or disappeared (-). A partner counts as changed
/// exactly when `compare` counts it: points, attainment or program status. Exits 0 when the snapshots
/// agree, 1 when they differ, 2 when a folder or manifest cannot be read.
#[derive(clap::Args)]
#[command(help_template = with_examples!(
    "designate diff snap-2024-05 snap-2024-06",
    "designate diff --format json -o changes.json snap-2024-05 snap-2024-06",
))]
pub struct Args {
    /// `text` (one block per partner, for people; `table` is the same) or `json` (everything, every evidence
    /// item).
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    format: DiffFormat,
    #[command(flatten)]
    output: output::OutputArg,
    /// The earlier snapshot folder.
    #[arg(value_name = "DIR_A")]
    a: PathBuf,
    /// The later snapshot folder.
    #[arg(value_name = "DIR_B")]
    b: PathBuf,
}

/// `designate diff`: exit 1 when the snapshots differ.
pub fn run(args: Args, out: &mut output::Stdout) -> Result<ExitCode> {
    out.redirect(&args.output, &[&args.a, &args.b])?;
    let report = diff(&args.a, &args.b)?;
    match args.format {
        DiffFormat::Text => out.text(&report.to_text())?,
        DiffFormat::Json => out.data(&(output::json_pretty(&report, "the diff")? + "\n"))?,
    }
    Ok(exit::findings_if(report.differs))
}

/// Output formats of `diff`.
#[derive(Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
pub enum DiffFormat {
    #[value(alias = "table")]
    Text,
    Json,
}

/// What `designate diff` reports: both folders, whether they differ, and one entry per partner whose result
/// differs.
#[derive(Serialize, JsonSchema)]
pub struct DiffReport {
    /// The version of this document's shape.
    pub schema_version: u32,
    /// True when anything differs (a folder against its manifest, the rules, a partner): exit status 1.
    pub differs: bool,
    pub before: SnapshotSide,
    pub after: SnapshotSide,
    /// True when a rule version was used on one side only or with another digest.
    pub rules_changed: bool,
    pub summary: DiffSummary,
    /// Partners whose result differs (and inputs that failed differently), by partner id.
    pub partners: Vec<PartnerDiff>,
}

/// One snapshot folder as its manifest describes it.
#[derive(Serialize, JsonSchema)]
pub struct SnapshotSide {
    pub folder: String,
    pub tool: String,
    /// Rule version → digest.
    pub rules: BTreeMap<String, String>,
    /// Files that do not match the manifest (missing, different from their digest, not listed).
    pub problems: Vec<FileProblem>,
}

/// A file of a snapshot folder that does not match its manifest.
#[derive(Serialize, JsonSchema)]
pub struct FileProblem {
    pub file: String,
    pub problem: String,
}

/// Counts over both snapshots.
#[derive(Serialize, JsonSchema)]
pub struct DiffSummary {
    /// Partners in either snapshot.
    pub partners: usize,
    /// Partners whose result changed, as `compare` counts them: points, attainment or program status.
    pub changed: usize,
    /// Entries in `partners`: every partner whose result differs in any way, and inputs that failed
    /// differently.
    pub differ: usize,
}

/// How a partner's entries in the two snapshots differ.
#[derive(Serialize, JsonSchema, PartialEq, Eq, Clone, Copy)]
#[serde(rename_all = "kebab-case")]
pub enum DiffState {
    /// Points, attainment or program status changed (`change.changed`).
    Changed,
    /// The results differ, but not in points, attainment or program status (a path renamed, other rules named,
    /// other explanations or evidence).
    Unchanged,
    /// The input changed, the result is byte for byte the same.
    SameResult,
    OnlyBefore,
    OnlyAfter,
    /// A result does not match its manifest, so it is not trusted.
    NotComparable,
    /// A result could not be read back.
    Unreadable,
    /// The input could not be scored in the first snapshot (and not with the same error in the second).
    FailedBefore,
    /// The input could not be scored in the second snapshot.
    FailedAfter,
}

/// One partner (or, for a failure, one input) whose entries differ.
#[derive(Serialize, JsonSchema)]
pub struct PartnerDiff {
    /// The partner id; for a failure, the input as the manifest names it.
    pub partner: String,
    pub state: DiffState,
    /// Whether the input's digest differs, when the partner is in both snapshots.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_changed: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rules_before: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rules_after: Option<String>,
    /// The error, for failures and unreadable results.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Per designation and metric, when both results were read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<PartnerChange>,
}

impl PartnerDiff {
    fn new(partner: &str, state: DiffState) -> PartnerDiff {
        PartnerDiff {
            partner: partner.to_owned(),
            state,
            input_changed: None,
            rules_before: None,
            rules_after: None,
            error: None,
            change: None,
        }
    }
}

/// Compares two snapshots.
pub fn diff(a: &Path, b: &Path) -> Result<DiffReport> {
    let (ma, mb) = (read_manifest(a)?, read_manifest(b)?);
    // A manifest is only trusted for the files that match it: an interrupted or edited snapshot is a finding.
    let (va, vb) = (verify(a, &ma), verify(b, &mb));
    let side = |dir: &Path, m: &Manifest, problems: &BTreeMap<String, String>| SnapshotSide {
        folder: dir.display().to_string(),
        tool: m.tool.clone(),
        rules: m.rules.clone(),
        problems: problems.iter().map(|(f, p)| FileProblem { file: f.clone(), problem: p.clone() }).collect(),
    };
    let index = |m: &Manifest| m.partners.iter().map(|e| (e.partner.clone(), e.clone())).collect::<BTreeMap<_, _>>();
    let (ia, ib) = (index(&ma), index(&mb));
    let mut partners: Vec<PartnerDiff> = Vec::new();
    for (id, ea) in &ia {
        let Some(eb) = ib.get(id) else {
            let mut d = PartnerDiff::new(id, DiffState::OnlyBefore);
            d.rules_before = Some(ea.rules.clone());
            partners.push(d);
            continue;
        };
        let same_rules = ea.rules == eb.rules && ma.rules.get(&ea.rules) == mb.rules.get(&eb.rules);
        let mut d = PartnerDiff::new(id, DiffState::Changed);
        d.input_changed = Some(ea.input_digest != eb.input_digest);
        d.rules_before = Some(ea.rules.clone());
        d.rules_after = Some(eb.rules.clone());
        if va.contains_key(&ea.result) || vb.contains_key(&eb.result) {
            d.state = DiffState::NotComparable;
        } else if ea.result_digest == eb.result_digest {
            if ea.input_digest == eb.input_digest && same_rules {
                continue;
            }
            d.state = DiffState::SameResult;
        } else {
            match (read_result(a, &ea.result), read_result(b, &eb.result)) {
                (Ok(ra), Ok(rb)) => {
                    let change = compare(&ra, &rb);
                    d.state = if change.changed { DiffState::Changed } else { DiffState::Unchanged };
                    d.change = Some(change);
                }
                (Err(e), _) | (_, Err(e)) => {
                    d.state = DiffState::Unreadable;
                    d.error = Some(first_line(&exit::message(&e)).to_owned());
                }
            }
        }
        partners.push(d);
    }
    for (id, eb) in ib.iter().filter(|(id, _)| !ia.contains_key(*id)) {
        let mut d = PartnerDiff::new(id, DiffState::OnlyAfter);
        d.rules_after = Some(eb.rules.clone());
        partners.push(d);
    }
    partners.sort_by(|x, y| x.partner.cmp(&y.partner));
    let failed =
        |m: &Manifest| m.failures.iter().map(|f| (f.input.clone(), f.error.clone())).collect::<BTreeMap<_, _>>();
    let (fa, fb) = (failed(&ma), failed(&mb));
    for (failures, others, state) in [(&fa, &fb, DiffState::FailedBefore), (&fb, &fa, DiffState::FailedAfter)] {
        for (input, error) in failures {
            if others.get(input) != Some(error) {
                let mut d = PartnerDiff::new(input, state);
                d.error = Some(first_line(error).to_owned());
                partners.push(d);
            }
        }
    }
    let rules_changed = ma.rules != mb.rules;
    let differs = !va.is_empty() || !vb.is_empty() || rules_changed || !partners.is_empty();
    let all: BTreeSet<&String> = ia.keys().chain(ib.keys()).collect();
    let summary = DiffSummary {
        partners: all.len(),
        changed: partners.iter().filter(|p| p.state == DiffState::Changed).count(),
        differ: partners.len(),
    };
    Ok(DiffReport {
        schema_version: DIFF_SCHEMA_VERSION,
        differs,
        before: side(a, &ma, &va),
        after: side(b, &mb, &vb),
        rules_changed,
        summary,
        partners,
    })
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// Evidence items listed per metric in the text form; `--format json` lists them all.
const ITEMS_SHOWN: usize = 6;

impl DiffReport {
    /// The report for people: integrity problems and rule changes first, then one short block per partner.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        if self.before.tool != self.after.tool {
            let _ = writeln!(out, "tool: {} → {}", self.before.tool, self.after.tool);
        }
        for side in [&self.before, &self.after] {
            if !side.problems.is_empty() {
                let _ = writeln!(out, "{}: the folder does not match its manifest", side.folder);
                for p in &side.problems {
                    let _ = writeln!(out, "  {}: {}", p.file, p.problem);
                }
            }
        }
        if self.rules_changed {
            out.push_str("rules changed:\n");
            for (v, d) in &self.before.rules {
                if self.after.rules.get(v) != Some(d) {
                    let _ = writeln!(out, "  - {v} {d}");
                }
            }
            for (v, d) in &self.after.rules {
                if self.before.rules.get(v) != Some(d) {
                    let _ = writeln!(out, "  + {v} {d}");
                }
            }
        }
        let s = &self.summary;
        if !self.differs {
            let _ = writeln!(out, "no differences: {} partners, same rules, inputs and results", s.partners);
            return out;
        }
        let _ = writeln!(
            out,
            "{} of {} partners differ, {} changed (points, attainment or program status, as `compare` counts)",
            s.differ, s.partners, s.changed
        );
        for p in &self.partners {
            partner_block(&mut out, p);
        }
        out
    }
}

fn partner_block(out: &mut String, p: &PartnerDiff) {
    let error = p.error.as_deref().unwrap_or_default();
    let head = match p.state {
        DiffState::OnlyBefore => "only in the first snapshot".to_owned(),
        DiffState::OnlyAfter => "only in the second snapshot".to_owned(),
        DiffState::FailedBefore => format!("could not be scored in the first snapshot ({error})"),
        DiffState::FailedAfter => format!("could not be scored in the second snapshot ({error})"),
        DiffState::NotComparable => "cannot be compared: a result does not match its manifest".to_owned(),
        _ => {
            let input = if p.input_changed == Some(true) { "input changed" } else { "same input" };
            let (rb, ra) = (p.rules_before.as_deref().unwrap_or("?"), p.rules_after.as_deref().unwrap_or("?"));
            let rules = if rb == ra { "same rules".to_owned() } else { format!("rules {rb} → {ra}") };
            let what = match p.state {
                DiffState::SameResult => "same result".to_owned(),
                DiffState::Unreadable => format!("result cannot be read ({error})"),
                DiffState::Unchanged => "same points, attainment and status".to_owned(),
                _ => "changed".to_owned(),
            };
            format!("{input}, {rules}: {what}")
        }
    };
    let _ = writeln!(out, "  {}: {head}", p.partner);
    let Some(change) = &p.change else { return };
    for d in change.designations.iter().filter(|d| d.differs()) {
        let mut line = format!("    {}  {} → {}", d.id, d.points_before.normalize(), d.points_after.normalize());
        if !d.delta.is_zero() {
            let _ = write!(line, " ({})", signed(d.delta));
        }
        match d.status {
            Status::Gained => line.push_str("  gained"),
            Status::Lost => line.push_str("  lost"),
            _ => {}
        }
        if d.path_before != d.path_after {
            let show = |x: &Option<String>| x.clone().unwrap_or_else(|| "none".to_owned());
            let _ = write!(line, "  path {} → {}", show(&d.path_before), show(&d.path_after));
        }
        let _ = writeln!(out, "{line}");
        if d.status == Status::Lost {
            if let Some(s) = &d.shortfall {
                let _ = writeln!(out, "      why not: {}", s.to_text());
            }
        }
        for m in &d.metrics {
            if m.delta.is_zero() {
                let _ = writeln!(out, "      {}  {} (evidence changed)", m.id, m.after.normalize());
            } else {
                let _ = writeln!(out, "      {}  {} → {}", m.id, m.before.normalize(), m.after.normalize());
            }
            for (sign, keys) in [("+", &m.appeared), ("-", &m.disappeared)] {
                for k in keys.iter().take(ITEMS_SHOWN) {
                    let _ = writeln!(out, "        {sign} {k}");
                }
                if keys.len() > ITEMS_SHOWN {
                    let _ = writeln!(
                        out,
                        "        {sign} ... and {} more (--format json lists them)",
                        keys.len() - ITEMS_SHOWN
                    );
                }
            }
        }
    }
    for line in &change.status {
        let _ = writeln!(out, "    {line}");
    }
}
