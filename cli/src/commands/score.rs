//! `designate score`: one partner file scored for people or programs, or a portfolio as NDJSON or a table.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::ValueEnum;

use anyhow::{anyhow, Result};
use designate_engine::flat;

use crate::commands::import::ExportArgs;
use crate::exit;
use crate::portfolio::{Expected, Raw};
use crate::rules_dir::{RulesArg, RulesChoice};
use crate::scoring::{self, finish_stream, load_partner, score_each, warnings_of, Scoring};
use crate::{exports, output, portfolio, render};
use designate_engine::{Detail, Partner};

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
    "designate score --format csv snapshots/portfolios/tables > results.csv   (one row per partner, designation, metric)",
    "designate score --format parquet -o results.parquet tables/   (Parquet tables: partners.parquet, usage.parquet, ...)",
))]
pub struct Args {
    /// A rule set folder (rules/2024-06), or a rules root (rules/) to pick the version whose effective
    /// range contains the partner's as_of. Default: the shipped rules/ as a root (each partner by its as_of).
    #[arg(long, value_name = "DIR", env = "DESIGNATE_RULES")]
    rules: Option<PathBuf>,
    /// Output format. `text` (or `table`) is for people; `json` and `yaml` are for programs and diffs; `csv`
    /// and `parquet` are flat results for analysts, one row per (partner, designation, metric) with the columns
    /// partner_id, as_of, rules_version, rules_digest, designation, path, metric, points, max_points,
    /// designation_points, qualified (`parquet` needs -o FILE). Default: `text` for one partner; `json` for a
    /// portfolio (one line per partner), where `text` is one row per partner with the designations it attains,
    /// then counts.
    #[arg(long, value_enum)]
    format: Option<OutputFormat>,
    #[command(flatten)]
    output: output::OutputArg,
    /// A partner file (.yaml, .yml, .json, .toml); or a portfolio: `-` (NDJSON on stdin), an .ndjson file,
    /// a folder of partner files, a folder of CSV or Parquet tables (docs/partner-data.md), or a folder of Partner
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
    Csv,
    Parquet,
}

/// `designate score`.
pub fn run(args: Args, rules_from_env: bool, out: &mut output::Stdout) -> Result<ExitCode> {
    // Parquet is a binary file: not for a terminal or a pipe. Refused before any work (exit 2).
    if args.format == Some(OutputFormat::Parquet) && args.output.file().is_none() {
        return Err(anyhow!(
            "--format parquet writes a file: give -o FILE\n  hint: designate score --format parquet -o results.parquet {}; --format csv writes the same rows as text",
            args.partner.display()
        ));
    }
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
        OutputFormat::Csv => score_csv(choice, items, expected, out),
        OutputFormat::Parquet => score_parquet(choice, items, expected, out),
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
    // Flat results read only points, paths and qualification: the rest is not written (issue 15).
    let format = format.unwrap_or(OutputFormat::Text);
    let detail = match format {
        OutputFormat::Csv | OutputFormat::Parquet => Detail::Points,
        OutputFormat::Text | OutputFormat::Json | OutputFormat::Yaml => Detail::Full,
    };
    let report = choice.score_with(&partner, detail).map_err(|e| exit::finding(e.to_string()))?;
    for w in warnings_of(None, &partner, &report) {
        output::warning(&w);
    }
    match format {
        OutputFormat::Json => out.data(&(report.to_json_pretty() + "\n"))?,
        OutputFormat::Yaml => out.data(&report.to_yaml())?,
        OutputFormat::Text => {
            out.text(&render::table(&report, file.map(|file| render::GapCommand::new(&rules.dir, file))))?
        }
        OutputFormat::Csv => out.with(|w| flat::write_report_csv(&report, true, w))?,
        OutputFormat::Parquet => {
            let mut parquet = ParquetOut::new()?;
            parquet.push(flat::rows(&report))?;
            let bytes = parquet.finish()?;
            out.with(|w| w.write_all(&bytes))?;
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
    let mut run = score_each(
        Scoring { choice, detail: Detail::Full },
        items,
        expected,
        out,
        header,
        |r| r,
        |out, r| out.text(&table.row(&r)),
    );
    if run.processed.is_ok() && run.written.is_ok() {
        run.written = out.text(&table.footer(run.failed));
    }
    finish_stream(run)
}

/// Flat results as CSV: the header, then each partner's rows (formatted on the workers) in input order.
fn score_csv(
    choice: &RulesChoice,
    items: Box<dyn Iterator<Item = Raw>>,
    expected: Expected,
    out: &mut output::Stdout,
) -> Result<ExitCode> {
    let header = out.with(|w| flat::write_csv(&[], true, w));
    let prepare = |report| {
        let mut csv = Vec::new();
        // Writing to memory cannot fail.
        let _ = flat::write_report_csv(&report, false, &mut csv);
        csv
    };
    let run =
        score_each(Scoring { choice, detail: Detail::Points }, items, expected, out, header, prepare, |out, csv| {
            out.with(|w| w.write_all(&csv))
        });
    finish_stream(run)
}

/// Flat results as Parquet: the rows of every partner scored, in input order, written to -o FILE once all are.
fn score_parquet(
    choice: &RulesChoice,
    items: Box<dyn Iterator<Item = Raw>>,
    expected: Expected,
    out: &mut output::Stdout,
) -> Result<ExitCode> {
    let mut parquet = ParquetOut::new()?;
    let mut run = score_each(
        Scoring { choice, detail: Detail::Points },
        items,
        expected,
        out,
        Ok(()),
        |r| flat::rows(&r),
        |_, rows| parquet.push(rows),
    );
    if run.processed.is_ok() && run.written.is_ok() {
        run.written = parquet.finish().and_then(|bytes| out.with(|w| w.write_all(&bytes)));
    }
    finish_stream(run)
}

/// A Parquet file of flat results being written in memory (compressed, it is a small share of the input), in
/// batches of a fixed number of rows so that the file's bytes depend only on the rows, never on how many cores
/// scored them.
struct ParquetOut {
    writer: parquet::arrow::ArrowWriter<Vec<u8>>,
    pending: Vec<flat::Row>,
}

/// Rows per Arrow batch handed to the Parquet writer.
const PARQUET_BATCH: usize = 65_536;

impl ParquetOut {
    fn new() -> Result<ParquetOut> {
        use parquet::basic::Compression;
        // Snappy: what pandas, DuckDB and Spark write and read by default.
        let props = parquet::file::properties::WriterProperties::builder().set_compression(Compression::SNAPPY).build();
        let writer =
            parquet::arrow::ArrowWriter::try_new(Vec::new(), designate_engine::columnar::schema(), Some(props))
                .map_err(|e| anyhow!("cannot write Parquet: {e}"))?;
        Ok(ParquetOut { writer, pending: Vec::new() })
    }

    /// Adds one partner's rows. Points of 10^10 or more do not fit the file's exact decimal columns: the run
    /// stops rather than write them as NULL.
    fn push(&mut self, rows: Vec<flat::Row>) -> Result<()> {
        if let Some(row) = rows.iter().find(|r| !designate_engine::columnar::fits(r)) {
            return Err(anyhow!(
                "partner \"{}\", metric {}: points of 10^10 or more do not fit the Parquet decimal columns (DECIMAL(38, 28))\n  hint: --format csv writes them exactly",
                row.partner_id,
                row.metric
            ));
        }
        self.pending.extend(rows);
        while self.pending.len() >= PARQUET_BATCH {
            let rest = self.pending.split_off(PARQUET_BATCH);
            self.write_pending()?;
            self.pending = rest;
        }
        Ok(())
    }

    fn write_pending(&mut self) -> Result<()> {
        if !self.pending.is_empty() {
            let batch = designate_engine::columnar::batch(&self.pending);
            self.writer.write(&batch).map_err(|e| anyhow!("cannot write Parquet: {e}"))?;
            self.pending.clear();
        }
        Ok(())
    }

    /// The file's bytes.
    fn finish(mut self) -> Result<Vec<u8>> {
        self.write_pending()?;
        self.writer.into_inner().map_err(|e| anyhow!("cannot write Parquet: {e}"))
    }
}
