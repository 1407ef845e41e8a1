//! `designate score`: one partner file scored for people or programs, or a portfolio as NDJSON or a table.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::ValueEnum;

use anyhow::{anyhow, Result};

use crate::commands::import::ExportArgs;
use crate::exit;
use crate::portfolio::{Expected, Raw};
use crate::rules_dir::{RulesArg, RulesChoice};
use crate::scoring::{self, finish_stream, load_partner, score_each, warnings_of};
use crate::{exports, output, portfolio, render};
use designate_engine::Partner;

/// Score one partner file (YAML, JSON or TOML), or a portfolio as NDJSON results, one line per partner.
#[derive(clap::Args)]
#[command(help_template = with_examples!(
    "designate score snapshots/partners/contoso-smb.yaml",
    "designate score --format json --rules rules/2023-07 partner.json",
    "cat portfolio.ndjson | designate score -        (one JSON result per line, input order)",
    "designate score snapshots/portfolios/tables     (CSV tables: partners.csv, usage.csv, ...)",
    "designate score --format text snapshots/portfolios/example.ndjson   (one row per partner)",
    "designate score --format json -o report.json snapshots/partners/contoso-smb.yaml",
    "designate score exports/                        (Partner Center exports: docs/partner-center.md)",
    "designate score exports/ --partner-id 1234567 --with protected-users.yaml",
))]
pub struct Args {
    /// A rule set folder (rules/2024-06), or a rules root (rules/) to pick the version whose effective
    /// range contains the partner's as_of. Default: the shipped rules/ as a root (each partner by its as_of).
    #[arg(long, value_name = "DIR", env = "DESIGNATE_RULES")]
    rules: Option<PathBuf>,
    /// Output format. `text` (or `table`) is for people; `json` and `yaml` are for programs and diffs.
    /// Default: `text` for one partner; `json` for a portfolio (one line per partner), where `text` is one
    /// row per partner with the designations it attains, then counts.
    #[arg(long, value_enum)]
    format: Option<OutputFormat>,
    #[command(flatten)]
    output: output::OutputArg,
    /// A partner file (.yaml, .yml, .json, .toml); or a portfolio: `-` (NDJSON on stdin), an .ndjson file,
    /// a folder of partner files, a folder of CSV tables (docs/partner-data.md), or a folder of Partner
    /// Center exports, recognised by their headers (docs/partner-center.md: one partner is scored as a
    /// partner file is, several as a portfolio). An NDJSON line longer than 64 MiB (or
    /// DESIGNATE_MAX_LINE_BYTES bytes) is reported and skipped.
    #[arg(value_name = "PARTNER_FILE")]
    partner: PathBuf,
    /// For a folder of Partner Center exports only.
    #[command(flatten)]
    exports: ExportArgs,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum OutputFormat {
    #[value(alias = "table")]
    Text,
    Json,
    Yaml,
}

/// `designate score`.
pub fn run(args: Args, rules_from_env: bool, out: &mut output::Stdout) -> Result<ExitCode> {
    let inputs: Vec<&std::path::Path> =
        std::iter::once(args.partner.as_path()).chain(args.exports.with.iter().map(PathBuf::as_path)).collect();
    out.redirect(&args.output, &inputs)?;
    run_score(RulesArg::new(args.rules, rules_from_env), args.format, args.partner, &args.exports, out)
}

fn run_score(
    rules: RulesArg,
    format: Option<OutputFormat>,
    partner: PathBuf,
    exports: &ExportArgs,
    out: &mut output::Stdout,
) -> Result<ExitCode> {
    let choice = RulesChoice::new(rules)?;
    if partner.is_dir() && exports::is_exports(&partner, exports.mapping.as_deref()) {
        return score_exports(&choice, format, &partner, exports, out);
    }
    if exports.any() {
        return Err(anyhow!(
            "{}: not a folder of Partner Center exports\n  hint: --partner-id, --as-of, --mapping and --with apply to one (docs/partner-center.md)",
            partner.display()
        ));
    }
    if partner.as_os_str() == "-"
        || partner.is_dir()
        || partner.extension().is_some_and(|e| e == "ndjson" || e == "jsonl")
    {
        return score_portfolio(&choice, format, portfolio::open(&partner)?, portfolio::expected(&partner), out);
    }
    let file = partner;
    let partner = load_partner(&file)?;
    score_one(&choice, format, partner, Some(&file), out)
}

/// A portfolio as NDJSON results or a table.
fn score_portfolio(
    choice: &RulesChoice,
    format: Option<OutputFormat>,
    items: Box<dyn Iterator<Item = Raw>>,
    expected: Expected,
    out: &mut output::Stdout,
) -> Result<ExitCode> {
    match format.unwrap_or(OutputFormat::Json) {
        OutputFormat::Yaml => {
            Err(anyhow!("a portfolio is scored as NDJSON (--format json) or a summary table (--format text), not YAML"))
        }
        OutputFormat::Json => finish_stream(scoring::ndjson(choice, items, expected, out)),
        OutputFormat::Text => score_table(choice, items, expected, out),
    }
}

/// A folder of Partner Center exports: one partner is scored as a partner file is (a report for people by
/// default), several as a portfolio.
fn score_exports(
    choice: &RulesChoice,
    format: Option<OutputFormat>,
    folder: &std::path::Path,
    args: &ExportArgs,
    out: &mut output::Stdout,
) -> Result<ExitCode> {
    let mut partners = exports::load(folder, &args.options(), &args.with, Some(choice))?;
    if partners.len() != 1 {
        let expected = Expected::Partners(partners.len());
        return score_portfolio(choice, format, Box::new(partners.into_iter().map(exports::raw)), expected, out);
    }
    let Some(one) = partners.pop() else { return Ok(ExitCode::SUCCESS) };
    // A partner that does not read or validate is a finding, as a partner file that does not validate is.
    let file = one.file.map_err(|problems| exit::finding(problems.join("\nerror: ")))?;
    let partner = Partner::from_file(file, &one.origin).map_err(|e| exit::finding(e.to_string()))?;
    score_one(choice, format, partner, None, out)
}

/// One partner scored and written; `file` is the partner file it came from, for the `gap` command the table
/// suggests.
fn score_one(
    choice: &RulesChoice,
    format: Option<OutputFormat>,
    partner: Partner,
    file: Option<&std::path::Path>,
    out: &mut output::Stdout,
) -> Result<ExitCode> {
    // A partner no version covers is a partner that failed, like one that does not validate (exit 1).
    let rules = choice.for_partner(&partner).map_err(|e| exit::finding(format!("{e:#}")))?;
    if !rules.applies_to(partner.as_of) {
        output::warning(&format!(
            "rule version {} is effective from {}{}, but partner \"{}\" is as of {}\n  hint: `--rules rules/` picks the version by date",
            rules.version,
            rules.effective_from,
            rules.effective_until.map(|u| format!(" to {u}")).unwrap_or_default(),
            partner.id,
            partner.as_of
        ));
    }
    // A partner that cannot be scored (a value that overflows, a failing script) is a finding, like bad data.
    let report = choice.score(&partner).map_err(|e| exit::finding(e.to_string()))?;
    for w in warnings_of(None, &partner, &report) {
        output::warning(&w);
    }
    match format.unwrap_or(OutputFormat::Text) {
        OutputFormat::Json => out.data(&(report.to_json_pretty() + "\n"))?,
        OutputFormat::Yaml => out.data(&report.to_yaml())?,
        OutputFormat::Text => {
            out.text(&render::table(&report, file.map(|file| render::GapCommand::new(&rules.dir, file))))?
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A portfolio as a table for people: one row per partner with the designations it attains, then the counts.
fn score_table(
    choice: &RulesChoice,
    items: Box<dyn Iterator<Item = Raw>>,
    expected: Expected,
    out: &mut output::Stdout,
) -> Result<ExitCode> {
    let mut table = render::PortfolioTable::default();
    let header = out.text(&render::PortfolioTable::header());
    let mut run = score_each(choice, items, expected, out, header, |r| r, |out, r| out.text(&table.row(&r)));
    if run.processed.is_ok() && run.written.is_ok() {
        run.written = out.text(&table.footer(run.failed));
    }
    finish_stream(run)
}
