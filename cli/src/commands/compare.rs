//! `designate compare`: a portfolio scored under two rule sets, who gains or loses which designation and why.
//!
//! A partner is "changed" by the engine's one definition ([`PartnerChange::changed`]), which `diff` counts by
//! too; a designation not attained after says why (its shortfall) and the table ends with the `designate gap`
//! command that lists what would attain it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, Result};
use designate_engine::compare::{compare, summarize, Comparison, DesignationChange, PartnerChange};
use designate_engine::explain::signed;
use designate_engine::report::RulesRef;
use designate_engine::{score, RuleSet};

use crate::exit;
use crate::{output, overrides, portfolio};

/// Output formats of `compare`.
#[derive(Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
pub enum Format {
    /// For people (`table` is the same).
    #[value(alias = "table")]
    Text,
    Csv,
    Json,
}

/// Score a portfolio under two rule sets: who gains or loses each designation, and why.
///
/// PORTFOLIO is a folder of partner files, a folder of CSV tables, an .ndjson file, or `-` for NDJSON on
/// stdin. The CSV format carries the rule versions, digests and overrides on every row.
#[derive(clap::Args)]
#[command(help_template = with_examples!(
    "designate compare --base rules/2023-07 --candidate rules/2024-06 snapshots/portfolios/example.ndjson",
    "designate compare --base rules/2024-06 --candidate rules/2024-06 \\",
    "    --set qualification.min_total=65 --only-changed snapshots/portfolios/example.ndjson",
    "designate compare ... --format csv -o changes.csv",
    "designate compare ... --html report.html",
))]
pub struct Args {
    /// The rule version before (a folder such as rules/2023-07).
    #[arg(long, value_name = "DIR")]
    pub base: PathBuf,
    /// The rule version after.
    #[arg(long, value_name = "DIR")]
    pub candidate: PathBuf,
    /// Override a candidate rule parameter without editing files, checked like a file edit:
    /// <designation>.<path>.<metric>[.<part>].<key>=<value>, <designation>.qualification.<key>=<value>
    /// or qualification.<key>=<value>. Repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(flatten)]
    pub output: output::OutputArg,
    /// List only partners (and, in CSV, designations) whose result changed; the summary still counts all.
    #[arg(long)]
    pub only_changed: bool,
    /// Also write a self-contained HTML report with charts to this file.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// A folder of partner files or CSV tables, an .ndjson file, or `-` for NDJSON on stdin.
    #[arg(value_name = "PORTFOLIO")]
    pub portfolio: PathBuf,
}

/// `designate compare`: the comparison in the chosen format, the HTML report when asked; exit 1 when partners
/// failed.
pub fn run(args: Args, out: &mut output::Stdout) -> Result<ExitCode> {
    if let (Some(file), Some(html)) = (args.output.file(), &args.html) {
        if file == html.as_path() || output::same_file(file, html) {
            return Err(anyhow!(
                "{}: -o and --html name the same file\n  hint: write the comparison and the HTML report to two files",
                html.display()
            ));
        }
    }
    out.redirect(&args.output, &[&args.portfolio])?;
    let cmp = comparison(&args)?;
    match args.format {
        Format::Text => out.text(&table(&cmp, &args))?,
        Format::Csv => out.data(&csv(&cmp, args.only_changed)?)?,
        Format::Json => out.data(&json(&cmp)?)?,
    }
    if let Some(path) = &args.html {
        output::write_file(path, html(&cmp).as_bytes())?;
        output::info(&format!("wrote {}", path.display()));
    }
    Ok(exit::findings_if(!cmp.failures.is_empty()))
}

/// Loads a rule set folder for comparison (a root would leave the version ambiguous); its consistency lints
/// are warnings.
fn load(dir: &Path, role: &str) -> Result<RuleSet> {
    one_version(dir, role)?;
    crate::rules_dir::load_for_scoring(dir)
        .map_err(|errors| anyhow!(errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\nerror: ")))
}

/// Refuses a `--base` or `--candidate` that is not one rule version folder.
fn one_version(dir: &Path, role: &str) -> Result<()> {
    if !dir.is_dir() {
        return Err(anyhow!("{}: --{role}: no such rules folder", dir.display()));
    }
    if !dir.join("program.toml").is_file() {
        return Err(anyhow!(
            "{}: --{role} needs one rule version folder (e.g. rules/2024-06), not a folder of versions",
            dir.display()
        ));
    }
    Ok(())
}

/// Scores the portfolio under both rule sets and compares every partner.
pub fn comparison(args: &Args) -> Result<Comparison> {
    let base = load(&args.base, "base")?;
    // The folders as `diff-rules` reads them, so that both commands say the same about what changed; with
    // `--set`, the candidate as edited, so that the overrides are among the changes.
    let (candidate, rule_changes) = if args.sets.is_empty() {
        let candidate = load(&args.candidate, "candidate")?;
        let changes = designate_engine::rules::diff::diff_rule_dirs(&args.base, &args.candidate)
            .map_err(|e| anyhow!(e.to_string()))?
            .changes;
        (candidate, changes)
    } else {
        one_version(&args.candidate, "candidate")?;
        overrides::load_with(&args.candidate, &args.sets, &args.base).map_err(anyhow::Error::msg)?
    };
    let mut partners = Vec::new();
    let mut failures = Vec::new();
    let items = portfolio::open(&args.portfolio)?;
    let mut met = portfolio::Met::default();
    portfolio::process_expecting(
        items,
        portfolio::expected(&args.portfolio),
        |raw| {
            let partner = raw.parse()?;
            let before = score(&base, &partner).map_err(|e| anyhow!(e.to_string()))?;
            let after = score(&candidate, &partner).map_err(|e| anyhow!(e.to_string()))?;
            Ok(compare(&before, &after))
        },
        |raw, result| {
            // A partner met before would count twice in the summary: it fails instead, naming the first.
            let result = result.and_then(|change| met.first(&change.partner, &raw.origin).map(|()| change));
            match result {
                Ok(change) => partners.push(change),
                Err(error) => {
                    let error = exit::message(&error);
                    output::error(&error);
                    failures.push(designate_engine::compare::Failure { origin: raw.origin, error });
                }
            }
            Ok(())
        },
    )?;
    let summary = summarize(&partners, failures.len());
    if args.only_changed {
        partners.retain(|p| p.changed);
    }
    Ok(Comparison {
        schema_version: designate_engine::compare::SCHEMA_VERSION,
        base: RulesRef { version: base.version.clone(), digest: base.digest.clone() },
        candidate: RulesRef { version: candidate.version.clone(), digest: candidate.digest.clone() },
        overrides: args.sets.clone(),
        rule_changes,
        min_total: min_total(&candidate),
        base_min_total: min_total(&base),
        max_points: candidate.designations.iter().map(|d| d.max_points).max().unwrap_or_default(),
        summary,
        partners,
        failures,
    })
}

/// The lowest designation `min_total` of a rule set: its attainment bar for charts.
fn min_total(rules: &RuleSet) -> rust_decimal::Decimal {
    rules.designations.iter().map(|d| d.qualification.min_total).min().unwrap_or_default()
}

/// The candidate as people should read it: its version, plus the `--set` overrides when there are any (a
/// candidate edited with `--set` is not the version it names).
pub fn candidate_label(cmp: &Comparison) -> String {
    if cmp.overrides.is_empty() {
        return cmp.candidate.version.clone();
    }
    let sets: Vec<String> = cmp.overrides.iter().map(|o| format!("--set {o}")).collect();
    let all = sets.join(" ");
    if all.chars().count() <= 48 {
        format!("{} + {all}", cmp.candidate.version)
    } else {
        format!("{} + {} --set overrides", cmp.candidate.version, cmp.overrides.len())
    }
}

/// The comparison as JSON, the whole of it.
pub fn json(cmp: &Comparison) -> Result<String> {
    serde_json::to_string_pretty(cmp)
        .map(|text| text + "\n")
        .map_err(|e| anyhow!("the comparison cannot be written as JSON: {e}"))
}

/// Whether a designation's result moved: points, attainment or path (a changed designation, or a path renamed).
fn moved(d: &DesignationChange) -> bool {
    d.changed() || d.path_before != d.path_after
}

/// The table for people: versions, the summary, the point-change histogram, then the partners listed (every
/// partner, or with `--only-changed` only those whose result changed), each changed one with its moves and,
/// for a designation not attained after, why not.
pub fn table(cmp: &Comparison, args: &Args) -> String {
    let only_changed = args.only_changed;
    let mut why_not = false;
    let mut out = String::new();
    let s = &cmp.summary;
    let _ = writeln!(out, "base       {}  {}", cmp.base.version, cmp.base.digest);
    let _ = writeln!(out, "candidate  {}  {}", candidate_label(cmp), cmp.candidate.digest);
    let _ = writeln!(out, "{}", rule_changes_line(cmp));
    for o in &cmp.overrides {
        let _ = writeln!(out, "  --set {o}");
    }
    let _ = writeln!(out, "\n{} partners scored, {} changed, {} failed\n", s.partners, s.changed, s.failed);
    let _ = writeln!(
        out,
        "{:<24} {:>8} {:>8} {:>7} {:>5} {:>8}  by path",
        "designation", "before", "after", "gained", "lost", "mean Δ"
    );
    for d in &s.designations {
        let paths: Vec<String> = d.by_path.iter().map(|p| format!("{} +{}/-{}", p.path, p.gained, p.lost)).collect();
        let _ = writeln!(
            out,
            "{:<24} {:>8} {:>8} {:>7} {:>5} {:>8}  {}",
            d.id,
            d.attained_before,
            d.attained_after,
            d.gained,
            d.lost,
            signed(d.mean_delta),
            paths.join(", ")
        );
    }
    let _ = writeln!(out, "\npoint changes (one per partner and designation)");
    let widest = s.point_changes.iter().map(|b| b.count).max().unwrap_or(0).max(1);
    for b in &s.point_changes {
        let bar = "#".repeat((b.count * 40).div_ceil(widest));
        let _ = writeln!(out, "  {:>12} {:>6}  {bar}", b.label, b.count);
    }
    let listed: Vec<&PartnerChange> = cmp.partners.iter().filter(|p| p.changed || !only_changed).collect();
    if !listed.is_empty() {
        let _ = writeln!(out, "\n{}", if only_changed { "changed partners" } else { "partners" });
    }
    for p in listed {
        if !p.changed {
            let _ = writeln!(out, "  {} (as of {})  unchanged", p.partner, p.as_of);
            continue;
        }
        let _ = writeln!(out, "  {} (as of {})", p.partner, p.as_of);
        for d in p.designations.iter().filter(|d| moved(d)) {
            let _ = writeln!(
                out,
                "    {:<24} {:>6} → {:<6} {:>7}  {:<12} {}",
                d.id,
                d.points_before.normalize().to_string(),
                d.points_after.normalize().to_string(),
                signed(d.delta),
                d.status.name(),
                d.attribution
            );
            if let Some(shortfall) = &d.shortfall {
                why_not = true;
                let _ = writeln!(out, "      why not: {}", shortfall.to_text());
            }
        }
        for line in &p.status {
            let _ = writeln!(out, "    {line}");
        }
    }
    if why_not {
        // `gap` reads one partner file under one rule folder; it has no `--set`.
        let rules = crate::render::shell_word(&args.candidate.display().to_string());
        let edited = if cmp.overrides.is_empty() { "" } else { " (a copy of it edited like --set)" };
        let _ = writeln!(
            out,
            "\nwhat would attain a designation: designate gap --rules {rules}{edited} --designation ID PARTNER_FILE"
        );
    }
    for f in &cmp.failures {
        let _ = writeln!(out, "\nfailed: {}: {}", f.origin, f.error.lines().next().unwrap_or_default());
    }
    out
}

/// One line on what changed between the rule folders, in `diff-rules`' terms: the places that changed (the first
/// few), or why the digests differ when nothing changed in meaning.
fn rule_changes_line(cmp: &Comparison) -> String {
    let changes = &cmp.rule_changes;
    if changes.is_empty() {
        return if cmp.base.digest == cmp.candidate.digest {
            "rule changes: none (the same files)".to_owned()
        } else {
            "rule changes: none in meaning (formatting, comments or order differ)".to_owned()
        };
    }
    let mut places: Vec<&str> = Vec::new();
    for c in changes {
        if !places.contains(&c.place.as_str()) {
            places.push(&c.place);
        }
    }
    const SHOWN: usize = 4;
    let more = if places.len() > SHOWN { format!(" and {} more", places.len() - SHOWN) } else { String::new() };
    let shown: Vec<&str> = places.into_iter().take(SHOWN).collect();
    format!("rule changes: {} at {}{more} (`designate diff-rules` lists them)", changes.len(), shown.join(", "))
}

/// One row per partner and designation (with `--only-changed`, per designation whose points or attainment
/// moved), each carrying the rule versions, digests and overrides it was computed under, so that a file
/// loaded into pandas or DuckDB still says where its numbers come from.
pub fn csv(cmp: &Comparison, only_changed: bool) -> Result<String> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let overrides = cmp.overrides.join("; ");
    let fail = |e: ::csv::Error| anyhow!("the comparison cannot be written as CSV: {e}");
    w.write_record([
        "partner",
        "as_of",
        "designation",
        "status",
        "path_before",
        "path_after",
        "points_before",
        "points_after",
        "delta",
        "qualified_before",
        "qualified_after",
        "attribution",
        "base_version",
        "base_digest",
        "candidate_version",
        "candidate_digest",
        "overrides",
    ])
    .map_err(fail)?;
    for p in &cmp.partners {
        for d in &p.designations {
            if only_changed && !d.changed() {
                continue;
            }
            w.write_record([
                p.partner.as_str(),
                p.as_of.as_str(),
                d.id.as_str(),
                d.status.name(),
                d.path_before.as_deref().unwrap_or_default(),
                d.path_after.as_deref().unwrap_or_default(),
                &d.points_before.normalize().to_string(),
                &d.points_after.normalize().to_string(),
                &d.delta.normalize().to_string(),
                &d.qualified_before.to_string(),
                &d.qualified_after.to_string(),
                d.attribution.as_str(),
                cmp.base.version.as_str(),
                cmp.base.digest.as_str(),
                cmp.candidate.version.as_str(),
                cmp.candidate.digest.as_str(),
                overrides.as_str(),
            ])
            .map_err(fail)?;
        }
    }
    let bytes = w.into_inner().map_err(|e| anyhow!("the comparison cannot be written as CSV: {e}"))?;
    String::from_utf8(bytes).map_err(|e| anyhow!("the comparison cannot be written as CSV: {e}"))
}

/// The self-contained HTML report (see `html.rs`).
pub fn html(cmp: &Comparison) -> String {
    crate::html::render(cmp)
}
