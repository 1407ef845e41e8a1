//! `designate`: the command line over the engine — arguments, files, streams and terminal output.
//!
//! The engine does the scoring; this binary finds the rule set, reads partners, picks an output format
//! and turns errors into located messages on stderr with a non-zero exit status.
#![forbid(unsafe_code)]

mod bench;
mod compare;
mod exit;
mod html;
mod overrides;
mod portfolio;
mod render;
mod rules_dir;
mod snapshot;
mod tables;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use designate_engine::{score, Partner, RuleSet};

use rules_dir::{RulesArg, RulesChoice};

/// Score partners against Microsoft Solutions Partner designation rules.
///
/// Rules are folders of TOML files under rules/<version>/; the engine interprets them and knows no
/// designation by name. Every output names the rule version and the digest of its files.
#[derive(Parser)]
#[command(name = "designate", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Score one partner file (YAML, JSON or TOML), or a portfolio as NDJSON results, one line per partner.
    ///
    /// Examples:
    ///   designate score snapshots/partners/contoso-smb.yaml
    ///   designate score --format json --rules rules/2023-07 partner.json
    ///   cat portfolio.ndjson | designate score -        (one JSON result per line, input order)
    ///   designate score snapshots/portfolios/tables     (CSV tables: partners.csv, usage.csv, ...)
    #[command(verbatim_doc_comment)]
    Score {
        /// A rule set folder (rules/2024-06), or a rules root (rules/) to pick the version whose effective
        /// range contains the partner's as_of. Default: the newest version under the shipped rules/.
        #[arg(long, value_name = "DIR", env = "DESIGNATE_RULES")]
        rules: Option<PathBuf>,
        /// Output format. `table` is for people; `json` and `yaml` are for programs and diffs.
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
        /// A partner file (.yaml, .yml, .json, .toml); or a portfolio: `-` (NDJSON on stdin), an .ndjson file,
        /// a folder of partner files, or a folder of CSV tables (docs/partner-data.md). An NDJSON line longer
        /// than 64 MiB (or DESIGNATE_MAX_LINE_BYTES bytes) is reported and skipped.
        #[arg(value_name = "PARTNER_FILE")]
        partner: PathBuf,
    },
    /// Validate rule sets and list every problem found, each as file:line:col.
    ///
    /// Takes one rule set folder (rules/2024-06) or a rules root (rules/), which checks every version in it.
    /// Exits 0 when everything is clean, 1 otherwise.
    Check {
        /// The rule set folder or rules root.
        #[arg(value_name = "RULES_DIR")]
        dir: PathBuf,
    },
    /// Score a portfolio under two rule sets: who gains or loses each designation, and why.
    ///
    /// PORTFOLIO is a folder of partner files, a folder of CSV tables, an .ndjson file, or `-` for NDJSON on
    /// stdin. Examples:
    ///   designate compare --base rules/2023-07 --candidate rules/2024-06 snapshots/portfolios/example.ndjson
    ///   designate compare --base rules/2024-06 --candidate rules/2024-06 \
    ///       --set qualification.min_total=65 --only-changed snapshots/portfolios/example.ndjson
    ///   designate compare ... --format csv > changes.csv
    #[command(verbatim_doc_comment)]
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
    /// Parameters added, removed and changed per designation, path and metric; formatting, comments and
    /// key order are ignored. Example: designate diff-rules rules/2023-07 rules/2024-06
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
    /// Files are written atomically. Example: designate snapshot --out snap-2024-06 snapshots/partners
    Snapshot {
        /// A rule set folder or a rules root (chosen by each partner's as_of); default: the newest shipped.
        #[arg(long, value_name = "DIR", env = "DESIGNATE_RULES")]
        rules: Option<PathBuf>,
        /// The folder to write (created if needed).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// A folder of partner files or CSV tables, an .ndjson file, or `-` for NDJSON on stdin.
        #[arg(value_name = "PORTFOLIO")]
        portfolio: PathBuf,
    },
    /// Compare two snapshots: which partners' results changed and how, and whether rules or inputs changed.
    ///
    /// Exits 0 when the snapshots agree, 1 when they differ.
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
    /// Example: designate generate --partners 1000 --seed 7 > portfolio.ndjson
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
    /// threshold, a new product, more usage), found by a search that re-scores the partner at each step.
    /// Example: designate gap --designation data-ai snapshots/partners/contoso-smb.yaml
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
    /// plus scoring on every designation, on all cores. Example: designate bench --partners 10000 --seed 7
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
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Score { rules, format, partner } => run_score(rules, format, partner),
        Command::Check { dir } => run_check(dir),
        Command::Compare { base, candidate, sets, format, only_changed, html, portfolio } => {
            let args = compare::Args { base, candidate, sets, portfolio, only_changed };
            compare::run(&args).map_err(Failure::from).and_then(|cmp| {
                print!("{}", compare::render(&cmp, format, only_changed));
                if let Some(path) = html {
                    std::fs::write(&path, crate::compare::html(&cmp))
                        .map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
                    eprintln!("wrote {}", path.display());
                }
                Ok::<_, Failure>(exit::findings_if(!cmp.failures.is_empty()))
            })
        }
        Command::DiffRules { base, candidate, format } => {
            designate_engine::rules::diff::diff_rule_dirs(&base, &candidate)
                .map_err(|e| Failure::from(e.to_string()))
                .map(|d| {
                    match format {
                        TextFormat::Json => {
                            println!("{}", serde_json::to_string_pretty(&d).expect("a diff serializes"))
                        }
                        TextFormat::Table => print!("{}", d.to_text()),
                    }
                    exit::findings_if(!d.is_empty())
                })
        }
        Command::Snapshot { rules, out, portfolio } => RulesChoice::new(RulesArg::from_option(rules))
            .and_then(|choice| snapshot::write(&choice, &portfolio, &out))
            .map(|failed| exit::findings_if(failed > 0))
            .map_err(Failure::from),
        Command::Diff { a, b } => snapshot::diff(&a, &b).map_err(Failure::from).map(|(text, differs)| {
            print!("{text}");
            exit::findings_if(differs)
        }),
        Command::Generate { partners, seed, as_of } => {
            as_of
                .parse::<designate_engine::value::Month>()
                .map_err(|e| format!("--as-of: {e}"))
                .and_then(|month| {
                    let stdout = std::io::stdout();
                    let mut out = std::io::BufWriter::new(stdout.lock());
                    match designate_engine::generate::write_ndjson(partners, seed, month, &mut out)
                        .and_then(|()| out.flush())
                    {
                        // A reader that stops early (`| head`) is not an error.
                        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                            Err(format!("cannot write output: {e}"))
                        }
                        _ => Ok(ExitCode::SUCCESS),
                    }
                })
                .map_err(Failure::from)
        }
        Command::Gap { rules, designation, format, write, partner } => {
            run_gap(rules, designation.as_deref(), format, write.as_deref(), &partner)
        }
        Command::Bench { partners, seed, rules } => RulesChoice::new(RulesArg::from_option(rules))
            .and_then(|choice| {
                let rules = choice.single().ok_or("bench needs one rule version: pass --rules rules/<version>")?;
                print!("{}", bench::run(partners, seed, rules)?);
                Ok(ExitCode::SUCCESS)
            })
            .map_err(Failure::from),
        Command::Schema { file } => {
            let schema = designate_engine::rules::json_schema(file.as_deref()).expect("clap checked the kind");
            println!("{}", serde_json::to_string_pretty(&schema).expect("a schema serializes"));
            Ok(ExitCode::SUCCESS)
        }
    };
    match result {
        Ok(code) => code,
        Err(failure) => {
            eprintln!("error: {}", failure.message);
            exit::code(&failure)
        }
    }
}

use exit::Failure;

/// The reader of our output went away: stop quietly.
const BROKEN_PIPE: &str = "broken pipe";

/// One partner file: a file that cannot be opened (or has no partner-file extension) means the command could
/// not run (exit 2); a file that does not validate is a partner that failed (exit 1).
fn load_partner(path: &std::path::Path) -> Result<Partner, Failure> {
    if let Err(e) = std::fs::metadata(path) {
        return Err(Failure::could_not_run(format!("{}: cannot read file: {e}", path.display())));
    }
    if designate_engine::partner::Format::from_path(path).is_none() {
        return Err(Failure::could_not_run(format!(
            "{}: unsupported partner file extension\n  hint: use .yaml, .yml, .json or .toml",
            path.display()
        )));
    }
    Partner::load(path).map_err(|e| Failure::finding(e.to_string()))
}

fn run_score(rules: Option<PathBuf>, format: OutputFormat, partner: PathBuf) -> Result<ExitCode, Failure> {
    let choice = RulesChoice::new(RulesArg::from_option(rules))?;
    if partner.as_os_str() == "-"
        || partner.is_dir()
        || partner.extension().is_some_and(|e| e == "ndjson" || e == "jsonl")
    {
        if format == OutputFormat::Yaml {
            return Err("a portfolio is scored as NDJSON, one JSON result per line: drop --format yaml".into());
        }
        return score_stream(&choice, &partner);
    }
    let partner = load_partner(&partner)?;
    let rules = choice.for_partner(&partner)?;
    if !rules.applies_to(partner.as_of) {
        eprintln!(
            "warning: rule version {} is effective from {}{}, but partner \"{}\" is as of {}\n  hint: `--rules rules/` picks the version by date",
            rules.version,
            rules.effective_from,
            rules.effective_until.map(|u| format!(" to {u}")).unwrap_or_default(),
            partner.id,
            partner.as_of
        );
    }
    let report = score(rules, &partner).map_err(|e| e.to_string())?;
    let text = match format {
        OutputFormat::Json => report.to_json_pretty() + "\n",
        OutputFormat::Yaml => report.to_yaml(),
        OutputFormat::Table => render::table(&report),
    };
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}

/// NDJSON in, NDJSON out: one result per input line, in input order, scored on every core. A bad line is
/// reported on stderr with its line number and skipped; the exit status then says that something failed.
fn score_stream(choice: &RulesChoice, input: &std::path::Path) -> Result<ExitCode, Failure> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut failed = 0usize;
    let processed = portfolio::process(
        portfolio::open(input)?,
        |raw| {
            let partner = raw.parse()?;
            let rules = choice.for_partner(&partner)?;
            score(rules, &partner).map(|r| r.to_json_line()).map_err(|e| e.to_string())
        },
        |_, result| {
            match result {
                Ok(line) => writeln!(out, "{line}").map_err(|e| match e.kind() {
                    std::io::ErrorKind::BrokenPipe => BROKEN_PIPE.to_owned(),
                    _ => format!("cannot write output: {e}"),
                })?,
                Err(message) => {
                    failed += 1;
                    eprintln!("error: {message}");
                }
            }
            Ok(())
        },
    );
    match processed {
        // A reader that stops early (`| head`) is not an error.
        Err(e) if e == BROKEN_PIPE => return Ok(ExitCode::SUCCESS),
        other => other?,
    }
    if let Err(e) = out.flush() {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(format!("cannot write output: {e}").into());
        }
    }
    if failed > 0 {
        eprintln!("error: {failed} partner(s) could not be scored");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

fn run_gap(
    rules: Option<PathBuf>,
    only: Option<&str>,
    format: TextFormat,
    write: Option<&std::path::Path>,
    partner: &std::path::Path,
) -> Result<ExitCode, Failure> {
    let choice = RulesChoice::new(RulesArg::from_option(rules))?;
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
    let gaps = designate_engine::gap::gaps(rules, &partner, only).map_err(|e| e.to_string())?;
    match format {
        TextFormat::Json => {
            let doc = serde_json::json!({
                "partner": partner.id,
                "as_of": partner.as_of.to_string(),
                "rules": { "version": rules.version, "digest": rules.digest },
                "designations": gaps,
            });
            println!("{}", serde_json::to_string_pretty(&doc).expect("gaps serialize"));
        }
        TextFormat::Table => print!("{}", render::gaps(&partner, rules, &gaps)),
    }
    if let Some(path) = write {
        let additions: Vec<_> = gaps.iter().flat_map(|g| g.additions.clone()).collect();
        let applied = designate_engine::gap::apply_all(&partner, &additions);
        let text = serde_json::to_string_pretty(&applied.to_json()).expect("a partner serializes") + "\n";
        std::fs::write(path, text).map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
        eprintln!("wrote {} with {} additions", path.display(), additions.len());
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
                eprintln!(
                    "ok: {} (version {}, {} designations, {})",
                    set.display(),
                    rules.version,
                    rules.designations.len(),
                    rules.digest
                );
                loaded.push(rules);
            }
            Err(errors) => {
                for e in &errors {
                    eprintln!("{e}");
                }
                problems += errors.len();
            }
        }
    }
    for e in designate_engine::rules::check_versions(&loaded) {
        eprintln!("{e}");
        problems += 1;
    }
    if problems > 0 {
        eprintln!("error: {problems} problem(s) found");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
