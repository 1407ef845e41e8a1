//! `designate`: the command line over the engine — arguments, files, streams and terminal output.
//!
//! The engine does the scoring; this binary finds the rule set, reads partners, picks an output format
//! and turns errors into located messages on stderr with a non-zero exit status.
#![forbid(unsafe_code)]

mod bench;
mod compare;
mod exit;
mod html;
mod output;
mod overrides;
mod portfolio;
mod render;
mod rules_dir;
mod snapshot;
mod tables;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use designate_engine::{score, Partner, RuleSet};

use rules_dir::{RulesArg, RulesChoice};

/// A subcommand's help template with its examples. The examples are literal template text, which clap prints
/// as written: a command is never wrapped mid-way, however narrow the terminal (the prose above still wraps).
macro_rules! with_examples {
    ($($line:literal),+ $(,)?) => {
        concat!(
            "{before-help}{about-with-newline}\n{usage-heading} {usage}\n\n{all-args}{after-help}\n\nExamples:\n",
            $("  ", $line, "\n"),+
        )
    };
}

/// The exit statuses, from `exit.rs`; lines short enough not to wrap on a 60-column terminal.
const EXIT_STATUS: &str = "\
Exit status:
  0  success
  1  findings: differences (diff, diff-rules), problems
     (check), partners that could not be scored or a
     partner file that does not validate
  2  could not run: missing or unreadable input, bad
     arguments, rules that do not load, output that
     cannot be written";

/// Score partners against Microsoft Solutions Partner designation rules.
///
/// Rules are folders of TOML files under rules/<version>/; the engine interprets them and knows no
/// designation by name. Every output names the rule version and the digest of its files.
#[derive(Parser)]
#[command(name = "designate", version, about, long_about = None, propagate_version = true, after_help = EXIT_STATUS)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Score one partner file (YAML, JSON or TOML), or a portfolio as NDJSON results, one line per partner.
    #[command(help_template = with_examples!(
        "designate score snapshots/partners/contoso-smb.yaml",
        "designate score --format json --rules rules/2023-07 partner.json",
        "cat portfolio.ndjson | designate score -        (one JSON result per line, input order)",
        "designate score snapshots/portfolios/tables     (CSV tables: partners.csv, usage.csv, ...)",
        "designate score --format table snapshots/portfolios/example.ndjson   (one row per partner)",
    ))]
    Score {
        /// A rule set folder (rules/2024-06), or a rules root (rules/) to pick the version whose effective
        /// range contains the partner's as_of. Default: the newest version under the shipped rules/.
        #[arg(long, value_name = "DIR", env = "DESIGNATE_RULES")]
        rules: Option<PathBuf>,
        /// Output format. `table` is for people; `json` and `yaml` are for programs and diffs. Default: `table`
        /// for one partner; `json` for a portfolio (one line per partner), where `table` is one row per
        /// partner with the designations it attains, then counts.
        #[arg(long, value_enum)]
        format: Option<OutputFormat>,
        /// A partner file (.yaml, .yml, .json, .toml); or a portfolio: `-` (NDJSON on stdin), an .ndjson file,
        /// a folder of partner files, or a folder of CSV tables (docs/partner-data.md). An NDJSON line longer
        /// than 64 MiB (or DESIGNATE_MAX_LINE_BYTES bytes) is reported and skipped.
        #[arg(value_name = "PARTNER_FILE")]
        partner: PathBuf,
    },
    /// Validate rule sets and list every problem found, each as file:line:col.
    ///
    /// Takes one rule set folder (rules/2024-06) or a rules root (rules/), which checks every version in it.
    /// Exits 0 when everything is clean, 1 when there are problems, 2 when the folder cannot be read.
    #[command(help_template = with_examples!("designate check rules/", "designate check rules/2024-06"))]
    Check {
        /// The rule set folder or rules root.
        #[arg(value_name = "RULES_DIR")]
        dir: PathBuf,
    },
    /// Score a portfolio under two rule sets: who gains or loses each designation, and why.
    ///
    /// PORTFOLIO is a folder of partner files, a folder of CSV tables, an .ndjson file, or `-` for NDJSON on
    /// stdin. The CSV format carries the rule versions, digests and overrides on every row.
    #[command(help_template = with_examples!(
        "designate compare --base rules/2023-07 --candidate rules/2024-06 snapshots/portfolios/example.ndjson",
        "designate compare --base rules/2024-06 --candidate rules/2024-06 \\",
        "    --set qualification.min_total=65 --only-changed snapshots/portfolios/example.ndjson",
        "designate compare ... --format csv > changes.csv",
        "designate compare ... --html report.html",
    ))]
    Compare {
        /// The rule version before (a folder such as rules/2023-07).
        #[arg(long, value_name = "DIR")]
        base: PathBuf,
        /// The rule version after.
        #[arg(long, value_name = "DIR")]
        candidate: PathBuf,
        /// Override a candidate rule parameter without editing files, checked like a file edit:
        /// <designation>.<path>.<metric>[.<part>].<key>=<value>, <designation>.qualification.<key>=<value>
        /// or qualification.<key>=<value>. Repeatable.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = compare::Format::Table)]
        format: compare::Format,
        /// List only partners (and, in CSV, designations) whose result changed; the summary still counts all.
        #[arg(long)]
        only_changed: bool,
        /// Also write a self-contained HTML report with charts to this file.
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
        /// A folder of partner files or CSV tables, an .ndjson file, or `-` for NDJSON on stdin.
        #[arg(value_name = "PORTFOLIO")]
        portfolio: PathBuf,
    },
    /// List what changed between two rule versions as meaning, not text.
    ///
    /// Parameters added, removed and changed in the program, the catalogue (certifications, products,
    /// specializations), per designation, path and metric, per certified software designation, and in
    /// scripts; any other file is reported as a file. Formatting, comments and key order are ignored.
    /// Exits 0 when nothing changed, 1 when something did.
    #[command(help_template = with_examples!(
        "designate diff-rules rules/2023-07 rules/2024-06",
        "designate diff-rules --format json rules/2023-07 rules/2024-06",
    ))]
    DiffRules {
        /// The earlier rule version folder.
        #[arg(value_name = "BASE")]
        base: PathBuf,
        /// The later rule version folder.
        #[arg(value_name = "CANDIDATE")]
        candidate: PathBuf,
        /// `table` (grouped text for people) or `json`.
        #[arg(long, value_enum, default_value_t = TextFormat::Table)]
        format: TextFormat,
    },
    /// Write one result file per partner and a manifest of digests, for auditors to keep and diff.
    ///
    /// Results are YAML, byte-identical for the same inputs and rules however many cores score them.
    /// Files are written atomically, the manifest last. --out must be new, empty or an earlier snapshot, and
    /// outside the portfolio; one run at a time writes to it. Exits 2 when it cannot write, 1 when partners
    /// failed.
    #[command(help_template = with_examples!(
        "designate snapshot --out snap-2024-06 snapshots/partners",
        "designate snapshot --rules rules/ --out snap snapshots/portfolios/example.ndjson",
    ))]
    Snapshot {
        /// A rule set folder or a rules root (chosen by each partner's as_of); default: the newest shipped.
        #[arg(long, value_name = "DIR", env = "DESIGNATE_RULES")]
        rules: Option<PathBuf>,
        /// The folder to write (created if needed): new, empty, or one an earlier snapshot wrote.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// A folder of partner files or CSV tables, an .ndjson file, or `-` for NDJSON on stdin.
        #[arg(value_name = "PORTFOLIO")]
        portfolio: PathBuf,
    },
    /// Compare two snapshots: which partners' results changed and how, and whether rules or inputs changed.
    ///
    /// Each folder is first checked against its manifest: a result that differs from its digest, is missing,
    /// or is not listed counts as a difference. Exits 0 when the snapshots agree, 1 when they differ, 2 when
    /// a folder or manifest cannot be read.
    #[command(help_template = with_examples!("designate diff snap-2024-05 snap-2024-06"))]
    Diff {
        /// The earlier snapshot folder.
        #[arg(value_name = "DIR_A")]
        a: PathBuf,
        /// The later snapshot folder.
        #[arg(value_name = "DIR_B")]
        b: PathBuf,
    },
    /// Write a synthetic portfolio as NDJSON on stdout, deterministic for a seed.
    ///
    /// A mix of SMB and Enterprise partners with 25 months of Azure, Microsoft 365 and Dynamics usage and
    /// certified people (some retired or expired), spread so that some attain and many are near the line.
    #[command(help_template = with_examples!("designate generate --partners 1000 --seed 7 > portfolio.ndjson"))]
    Generate {
        /// How many partners.
        #[arg(long, value_name = "N")]
        partners: usize,
        /// The seed: the same seed gives the same portfolio, byte for byte.
        #[arg(long, value_name = "S", default_value_t = 1)]
        seed: u64,
        /// The evaluation month of every partner (YYYY-MM).
        #[arg(long, value_name = "YYYY-MM", default_value = "2024-06")]
        as_of: String,
    },
    /// What it takes to attain each designation not attained: the fewest concrete additions the rules count.
    ///
    /// Suggestions come from the rules' own units (a person with given certifications, a customer over a
    /// threshold, a new product, more usage), found by a search that re-scores the designation at each step.
    /// Identical additions are one line with their count; each credits every metric it moved; plans that tie
    /// (as many additions, the same points) follow after "or:", up to three in all.
    #[command(help_template = with_examples!(
        "designate gap --designation data-ai snapshots/partners/contoso-smb.yaml",
        "designate gap --write attaining.json snapshots/partners/contoso-smb.yaml",
    ))]
    Gap {
        /// A rule set folder or a rules root; default: the newest shipped.
        #[arg(long, value_name = "DIR", env = "DESIGNATE_RULES")]
        rules: Option<PathBuf>,
        /// Only this designation.
        #[arg(long, value_name = "ID")]
        designation: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = TextFormat::Table)]
        format: TextFormat,
        /// Also write the partner with every suggestion applied (JSON) to this file, to check or edit.
        #[arg(long, value_name = "FILE")]
        write: Option<PathBuf>,
        /// The partner file.
        #[arg(value_name = "PARTNER_FILE")]
        partner: PathBuf,
    },
    /// Measure throughput: partners and usage rows per second, against the time to merely parse the same input.
    ///
    /// Generates a synthetic portfolio in memory (as `generate` would), then times parsing alone and parsing
    /// plus scoring on every designation, on all cores.
    #[command(help_template = with_examples!("designate bench --partners 10000 --seed 7"))]
    Bench {
        /// How many partners.
        #[arg(long, value_name = "N", default_value_t = 2000)]
        partners: usize,
        /// The generator's seed.
        #[arg(long, value_name = "S", default_value_t = 7)]
        seed: u64,
        /// A rule set folder; default: the newest shipped.
        #[arg(long, value_name = "DIR", env = "DESIGNATE_RULES")]
        rules: Option<PathBuf>,
    },
    /// Print the JSON Schema of rule files, for editors (completion and red squiggles while typing).
    ///
    /// Without --file, one schema accepts any rule file; with it, the schema of one kind of file.
    /// The repository's .taplo.toml points Taplo / Even Better TOML at docs/schema/ (see docs/rules.md).
    #[command(help_template = with_examples!("designate schema --file designation > designation.schema.json"))]
    Schema {
        /// Which kind of rule file.
        #[arg(long, value_parser = ["program", "certifications", "products", "specializations", "software", "designation"])]
        file: Option<String>,
    },
}

/// Formats of commands that print either a report for people or JSON.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum TextFormat {
    Table,
    Json,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum OutputFormat {
    Table,
    Json,
    Yaml,
}

fn main() -> ExitCode {
    let parsed = Cli::command().try_get_matches().and_then(|m| Cli::from_arg_matches(&m).map(|cli| (cli, m)));
    let (cli, matches) = match parsed {
        Ok(parsed) => parsed,
        // clap's messages quote the arguments, raw on a terminal: when one holds a control character, the
        // message goes out as plain text (clap strips escape sequences from it), escaped.
        Err(e)
            if e.use_stderr() && std::env::args_os().any(|a| a.to_string_lossy().chars().any(|c| c.is_control())) =>
        {
            output::diag(e.to_string().trim_end());
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(exit::COULD_NOT_RUN));
        }
        Err(e) => e.exit(),
    };
    let mut out = output::Stdout::new();
    // Everything printed is flushed before the exit status is decided: a write that fails late still fails.
    // `--rules` may come from DESIGNATE_RULES: messages about a bad folder must then name the variable.
    let rules_from_env = rules_dir::rules_from_env(&matches);
    let result = run(cli.command, rules_from_env, &mut out).and_then(|code| out.finish().map(|()| code));
    match result {
        Ok(code) => code,
        Err(failure) => {
            // What was written before the failure (a compare table before an unwritable --html) still goes out.
            let _ = out.finish();
            output::error(&failure.message);
            exit::code(&failure)
        }
    }
}

use exit::Failure;

fn run(command: Command, rules_from_env: bool, out: &mut output::Stdout) -> Result<ExitCode, Failure> {
    let rules_arg = |rules| RulesArg::new(rules, rules_from_env);
    match command {
        Command::Score { rules, format, partner } => run_score(rules_arg(rules), format, partner, out),
        Command::Check { dir } => run_check(dir),
        Command::Compare { base, candidate, sets, format, only_changed, html, portfolio } => {
            let args = compare::Args { base, candidate, sets, portfolio, only_changed };
            let cmp = compare::run(&args)?;
            match format {
                compare::Format::Table => out.text(&compare::table(&cmp, only_changed))?,
                compare::Format::Csv => out.data(&compare::csv(&cmp, only_changed)?)?,
                compare::Format::Json => out.data(&compare::json(&cmp)?)?,
            }
            if let Some(path) = html {
                output::write_file(&path, compare::html(&cmp).as_bytes())?;
                output::diag(&format!("wrote {}", path.display()));
            }
            Ok(exit::findings_if(!cmp.failures.is_empty()))
        }
        Command::DiffRules { base, candidate, format } => {
            let d = designate_engine::rules::diff::diff_rule_dirs(&base, &candidate).map_err(|e| e.to_string())?;
            match format {
                TextFormat::Json => out.data(&(json_pretty(&d, "a rule diff")? + "\n"))?,
                TextFormat::Table => out.text(&d.to_text())?,
            }
            Ok(exit::findings_if(!d.is_empty()))
        }
        Command::Snapshot { rules, out: dir, portfolio } => {
            let choice = RulesChoice::new(rules_arg(rules))?;
            let failed = snapshot::write(&choice, &portfolio, &dir)?;
            Ok(exit::findings_if(failed > 0))
        }
        Command::Diff { a, b } => {
            let (text, differs) = snapshot::diff(&a, &b)?;
            out.text(&text)?;
            Ok(exit::findings_if(differs))
        }
        Command::Generate { partners, seed, as_of } => {
            let month = as_of.parse::<designate_engine::value::Month>().map_err(|e| format!("--as-of: {e}"))?;
            out.with(|w| designate_engine::generate::write_ndjson(partners, seed, month, w))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Gap { rules, designation, format, write, partner } => {
            run_gap(rules_arg(rules), designation.as_deref(), format, write.as_deref(), &partner, out)
        }
        Command::Bench { partners, seed, rules } => {
            let choice = RulesChoice::new(rules_arg(rules))?;
            let rules = choice.single().ok_or("bench needs one rule version: pass --rules rules/<version>")?;
            out.text(&bench::run(partners, seed, rules)?)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Schema { file } => {
            let schema = designate_engine::rules::json_schema(file.as_deref())
                .ok_or_else(|| format!("--file: unknown kind of rule file \"{}\"", file.unwrap_or_default()))?;
            out.data(&(json_pretty(&schema, "a schema")? + "\n"))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Pretty JSON of a value the binary built itself; failing would be a defect, reported rather than panicking.
fn json_pretty(value: &impl serde::Serialize, what: &str) -> Result<String, Failure> {
    serde_json::to_string_pretty(value)
        .map_err(|e| Failure::could_not_run(format!("{what} cannot be written as JSON: {e}")))
}

/// One partner file: a file that cannot be opened (or has no partner-file extension) means the command could
/// not run (exit 2); a file that does not validate is a partner that failed (exit 1).
fn load_partner(path: &std::path::Path) -> Result<Partner, Failure> {
    match std::fs::metadata(path) {
        Err(e) => return Err(Failure::could_not_run(format!("{}: cannot read file: {e}", path.display()))),
        // A FIFO or a device is never opened: reading one could wait forever or never end.
        Ok(meta) if !meta.is_file() => {
            return Err(Failure::could_not_run(format!(
                "{}: not a regular file but {}",
                path.display(),
                designate_engine::partner::file_kind(&meta.file_type())
            )))
        }
        Ok(_) => {}
    }
    if designate_engine::partner::Format::from_path(path).is_none() {
        return Err(Failure::could_not_run(format!(
            "{}: unsupported partner file extension\n  hint: use .yaml, .yml, .json or .toml",
            path.display()
        )));
    }
    Partner::load(path).map_err(|e| Failure::finding(e.to_string()))
}

fn run_score(
    rules: RulesArg,
    format: Option<OutputFormat>,
    partner: PathBuf,
    out: &mut output::Stdout,
) -> Result<ExitCode, Failure> {
    let choice = RulesChoice::new(rules)?;
    if partner.as_os_str() == "-"
        || partner.is_dir()
        || partner.extension().is_some_and(|e| e == "ndjson" || e == "jsonl")
    {
        return match format.unwrap_or(OutputFormat::Json) {
            OutputFormat::Yaml => {
                Err("a portfolio is scored as NDJSON (--format json) or a summary table (--format table), not YAML"
                    .into())
            }
            OutputFormat::Json => score_stream(&choice, &partner, out),
            OutputFormat::Table => score_table(&choice, &partner, out),
        };
    }
    let partner = load_partner(&partner)?;
    let rules = choice.for_partner(&partner)?;
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
    let report = score(rules, &partner).map_err(|e| Failure::finding(e.to_string()))?;
    for w in warnings_of(None, &partner, &report) {
        output::warning(&w);
    }
    match format.unwrap_or(OutputFormat::Table) {
        OutputFormat::Json => out.data(&(report.to_json_pretty() + "\n"))?,
        OutputFormat::Yaml => out.data(&report.to_yaml())?,
        OutputFormat::Table => out.text(&render::table(&report))?,
    }
    Ok(ExitCode::SUCCESS)
}

/// The reader of our output went away: stop scoring, nobody reads the rest.
const CLOSED: &str = "output closed";

/// NDJSON in, NDJSON out: one result per input line, in input order, scored on every core. A bad line is
/// reported on stderr with its line number and skipped; the exit status then says that something failed.
fn score_stream(choice: &RulesChoice, input: &std::path::Path, out: &mut output::Stdout) -> Result<ExitCode, Failure> {
    // Serialized on the worker threads: writing the lines in order is all that is left to do in order.
    let run = score_each(choice, input, out, Ok(()), |r| r.to_json_line() + "\n", |out, line| out.data(&line))?;
    finish_stream(run)
}

/// A portfolio as a table for people: one row per partner with the designations it attains, then the counts.
fn score_table(choice: &RulesChoice, input: &std::path::Path, out: &mut output::Stdout) -> Result<ExitCode, Failure> {
    let mut table = render::PortfolioTable::default();
    let header = out.text(&render::PortfolioTable::header());
    let mut run = score_each(choice, input, out, header, |r| r, |out, r| out.text(&table.row(&r)))?;
    if run.processed.is_ok() && run.written.is_ok() {
        run.written = out.text(&table.footer(run.failed));
    }
    finish_stream(run)
}

/// How a streamed run went: the portfolio's own outcome, stdout's, and how many partners failed.
struct Streamed {
    processed: Result<(), String>,
    written: Result<(), Failure>,
    failed: usize,
}

/// Scores every partner of the portfolio `input` on every core; `prepare` turns each report into what is written
/// (on the worker threads), `emit` writes it, in input order. Warnings and failed partners go to stderr; the run
/// stops early when stdout fails (`written` may already have) or its reader goes away.
fn score_each<T: Send>(
    choice: &RulesChoice,
    input: &std::path::Path,
    out: &mut output::Stdout,
    mut written: Result<(), Failure>,
    prepare: impl Fn(designate_engine::ScoreReport) -> T + Sync,
    mut emit: impl FnMut(&mut output::Stdout, T) -> Result<(), Failure>,
) -> Result<Streamed, Failure> {
    let mut failed = 0usize;
    let processed = portfolio::process_expecting(
        portfolio::open(input)?,
        portfolio::expected(input),
        |raw| {
            let partner = raw.parse()?;
            let rules = choice.for_partner(&partner)?;
            let report = score(rules, &partner).map_err(|e| e.to_string())?;
            let warnings = warnings_of(Some(raw), &partner, &report);
            Ok((prepare(report), warnings))
        },
        |_, result| {
            match result {
                Ok((item, warnings)) => {
                    for w in warnings {
                        output::warning(&w);
                    }
                    written = emit(out, item);
                }
                Err(message) => {
                    failed += 1;
                    output::error(&message);
                }
            }
            stop_when_unwritable(&written, out)
        },
    );
    Ok(Streamed { processed, written, failed })
}

/// The report's warnings, each at its place: a partner from tables is warned about at the CSV line the field
/// comes from, any other (and a partner file given alone, without a `raw`) at its file and field.
fn warnings_of(raw: Option<&portfolio::Raw>, partner: &Partner, report: &designate_engine::ScoreReport) -> Vec<String> {
    report
        .warnings
        .iter()
        .map(|w| match raw.and_then(|raw| raw.place_of(&w.field)) {
            Some(place) => w.render(place),
            None => w.render(&format!("{}: {}", partner.origin, w.field)),
        })
        .collect()
}

/// Ends a streamed run early when stdout failed or its reader went away.
fn stop_when_unwritable(written: &Result<(), Failure>, out: &output::Stdout) -> Result<(), String> {
    if written.is_err() || out.closed() {
        return Err(CLOSED.to_owned());
    }
    Ok(())
}

/// The exit status of a streamed run: a write error first, then the portfolio's own, then failed partners.
fn finish_stream(Streamed { processed, written, failed }: Streamed) -> Result<ExitCode, Failure> {
    written?;
    match processed {
        // The reader went away: the run ends as if it had been read.
        Err(e) if e == CLOSED => {}
        other => other?,
    }
    if failed > 0 {
        output::error(&format!("{failed} partner(s) could not be scored"));
    }
    Ok(exit::findings_if(failed > 0))
}

fn run_gap(
    rules: RulesArg,
    only: Option<&str>,
    format: TextFormat,
    write: Option<&std::path::Path>,
    partner: &std::path::Path,
    out: &mut output::Stdout,
) -> Result<ExitCode, Failure> {
    // The applied partner is JSON: written over the partner file, it would replace the user's file (comments and
    // all) without a word.
    if let Some(path) = write {
        let same = |a: &std::path::Path, b: &std::path::Path| {
            a.canonicalize().ok().is_some_and(|a| b.canonicalize().ok().is_some_and(|b| a == b))
        };
        if same(path, partner) {
            return Err(Failure::could_not_run(format!(
                "{}: --write names the partner file itself\n  hint: write the applied partner to another file; the partner file is kept as it is",
                path.display()
            )));
        }
    }
    let choice = RulesChoice::new(rules)?;
    let partner = load_partner(partner)?;
    let rules = choice.for_partner(&partner)?;
    if let Some(id) = only {
        if !rules.designations.iter().any(|d| d.id == id) {
            let ids: Vec<&str> = rules.designations.iter().map(|d| d.id.as_str()).collect();
            return Err(format!(
                "no designation \"{id}\" in rules {}\n  hint: designations: {}",
                rules.version,
                ids.join(", ")
            )
            .into());
        }
    }
    // A partner the rules refuse (a history designation they do not know) is a finding, like a bad file.
    let gaps = designate_engine::gap::gaps(rules, &partner, only).map_err(|e| Failure::finding(e.to_string()))?;
    match format {
        TextFormat::Json => {
            let doc = serde_json::json!({
                "partner": partner.id,
                "as_of": partner.as_of.to_string(),
                "rules": { "version": rules.version, "digest": rules.digest },
                "designations": gaps,
            });
            out.data(&(json_pretty(&doc, "the gaps")? + "\n"))?;
        }
        TextFormat::Table => out.text(&render::gaps(&partner, rules, &gaps))?,
    }
    if let Some(path) = write {
        let additions: Vec<_> = gaps.iter().flat_map(|g| g.additions.clone()).collect();
        let applied = designate_engine::gap::apply_all(&partner, &additions);
        let text = json_pretty(&applied.to_json(), "the partner")? + "\n";
        output::write_file(path, text.as_bytes())?;
        output::diag(&format!("wrote {} with {} additions", path.display(), additions.len()));
    }
    Ok(ExitCode::SUCCESS)
}

fn run_check(dir: PathBuf) -> Result<ExitCode, Failure> {
    let sets = rules_dir::rule_set_dirs(&dir)?;
    let mut problems = 0usize;
    let mut loaded = Vec::new();
    for set in sets {
        match RuleSet::load(&set) {
            Ok(rules) => {
                output::diag(&format!(
                    "ok: {} (version {}, {} designations, {})",
                    set.display(),
                    rules.version,
                    rules.designations.len(),
                    rules.digest
                ));
                loaded.push(rules);
            }
            Err(errors) => {
                for e in &errors {
                    output::diag(&e.to_string());
                }
                problems += errors.len();
            }
        }
    }
    for e in designate_engine::rules::check_versions(&loaded) {
        output::diag(&e.to_string());
        problems += 1;
    }
    if problems > 0 {
        output::error(&format!("{problems} problem(s) found"));
        return Ok(exit::findings_if(true));
    }
    Ok(ExitCode::SUCCESS)
}
