//! `designate`: the command line over the engine — arguments, files, streams and terminal output.
//!
//! The engine does the scoring; this binary finds the rule set, reads partners, picks an output format
//! and turns errors into located messages on stderr with a non-zero exit status.
#![forbid(unsafe_code)]

mod render;
mod rules_dir;

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use designate_engine::{score, Format, Partner, RuleSet};

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
    /// Score one partner file (YAML, JSON or TOML), or NDJSON partners from stdin with `-`.
    ///
    /// Examples:
    ///   designate score snapshots/partners/contoso-smb.yaml
    ///   designate score --format json --rules rules/2023-07 partner.json
    ///   cat portfolio.ndjson | designate score -        (one JSON result per line, input order)
    #[command(verbatim_doc_comment)]
    Score {
        /// A rule set folder (rules/2024-06), or a rules root (rules/) to pick the version whose effective
        /// range contains the partner's as_of. Default: the newest version under the shipped rules/.
        #[arg(long, value_name = "DIR", env = "DESIGNATE_RULES")]
        rules: Option<PathBuf>,
        /// Output format. `table` is for people; `json` and `yaml` are for programs and diffs.
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
        /// The partner file (.yaml, .yml, .json, .toml), or `-` for NDJSON on stdin.
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
    /// Print the JSON Schema of rule files, for editors (completion and red squiggles while typing).
    ///
    /// Without --file, one schema accepts any rule file; with it, the schema of one kind of file.
    /// The repository's .taplo.toml points Taplo / Even Better TOML at docs/schema/ (see docs/rules.md).
    Schema {
        /// Which kind of rule file.
        #[arg(long, value_parser = ["program", "certifications", "products", "designation"])]
        file: Option<String>,
    },
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
        Command::Schema { file } => {
            let schema = designate_engine::rules::json_schema(file.as_deref()).expect("clap checked the kind");
            println!("{}", serde_json::to_string_pretty(&schema).expect("a schema serializes"));
            Ok(ExitCode::SUCCESS)
        }
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// A failure already reported in full, as text for stderr.
type Failure = String;

fn run_score(rules: Option<PathBuf>, format: OutputFormat, partner: PathBuf) -> Result<ExitCode, Failure> {
    let choice = RulesChoice::new(RulesArg::from_option(rules))?;
    if partner.as_os_str() == "-" {
        return score_stream(&choice);
    }
    let partner = Partner::load(&partner).map_err(|e| e.to_string())?;
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

/// NDJSON in, NDJSON out: one result per input line, in input order. A bad line is reported on stderr
/// with its line number and skipped; the exit status then says that something failed.
fn score_stream(choice: &RulesChoice) -> Result<ExitCode, Failure> {
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut failed = 0usize;
    for (n, line) in stdin.lock().lines().enumerate() {
        let line = line.map_err(|e| format!("<stdin>:{}: cannot read: {e}", n + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let scored = Partner::parse(&line, Format::Json, "<stdin>")
            .map_err(|mut e| {
                // Each line is its own JSON document: place errors on the input's line, not the document's.
                e.place.line = Some((n + 1, e.place.line.map_or(1, |(_, col)| col)));
                e.to_string()
            })
            .and_then(|p| {
                let rules = choice.for_partner(&p)?;
                score(rules, &p).map_err(|e| e.to_string())
            });
        match scored {
            Ok(report) => {
                writeln!(out, "{}", report.to_json_line()).map_err(|e| format!("cannot write output: {e}"))?
            }
            Err(message) => {
                failed += 1;
                eprintln!("error: {message}");
            }
        }
    }
    out.flush().map_err(|e| format!("cannot write output: {e}"))?;
    if failed > 0 {
        eprintln!("error: {failed} partner(s) could not be scored");
        return Ok(ExitCode::FAILURE);
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
