//! `designate gap`: what it takes to attain each designation not attained, and the partner with it applied.

use std::path::PathBuf;
use std::process::ExitCode;

use super::TextFormat;
use crate::exit;
use crate::output::{self, json_pretty};
use crate::render;
use crate::rules_dir::{RulesArg, RulesChoice};
use crate::scoring::load_partner;
use anyhow::{anyhow, Result};

/// What it takes to attain each designation not attained: the fewest concrete additions the rules count.
///
/// Suggestions come from the rules' own units (a person with given certifications, a customer over a
/// threshold, a new product, more usage), found by a search that re-scores the designation at each step.
/// Identical additions are one line with their count; each credits every metric it moved; plans that tie
/// (as many additions, the same points) follow after "or:", up to three in all.
#[derive(clap::Args)]
#[command(help_template = with_examples!(
    "designate gap --designation data-ai snapshots/partners/contoso-smb.yaml",
    "designate gap -o attaining.json snapshots/partners/contoso-smb.yaml",
))]
pub struct Args {
    /// A rule set folder or a rules root; default: the shipped rules/ as a root (the version in force at as_of).
    #[arg(long, value_name = "DIR", env = "DESIGNATE_RULES")]
    rules: Option<PathBuf>,
    /// Only this designation.
    #[arg(long, value_name = "ID")]
    designation: Option<String>,
    /// Output format: `text` (or `table`) or `json`.
    #[arg(long, value_enum, default_value_t = TextFormat::Text)]
    format: TextFormat,
    /// Also write the partner with every suggestion applied (JSON) to this file, to check or edit (the gaps
    /// stay on stdout). `--write` is the same.
    #[arg(short = 'o', long = "output", alias = "write", value_name = "FILE")]
    write: Option<PathBuf>,
    /// The partner file.
    #[arg(value_name = "PARTNER_FILE")]
    partner: PathBuf,
}

/// `designate gap`.
pub fn run(args: Args, rules_from_env: bool, out: &mut output::Stdout) -> Result<ExitCode> {
    let rules = RulesArg::new(args.rules, rules_from_env);
    run_gap(rules, args.designation.as_deref(), args.format, args.write.as_deref(), &args.partner, out)
}

fn run_gap(
    rules: RulesArg,
    only: Option<&str>,
    format: TextFormat,
    write: Option<&std::path::Path>,
    partner: &std::path::Path,
    out: &mut output::Stdout,
) -> Result<ExitCode> {
    // The applied partner is JSON: written over the partner file, it would replace the user's file (comments and
    // all) without a word.
    if let Some(path) = write {
        // stdout carries the gaps: the applied partner after them would make neither readable.
        if path.as_os_str() == "-" {
            return Err(anyhow!(
                "-o -: stdout already carries the gaps\n  hint: name a file for the partner with every suggestion applied"
            ));
        }
        if output::same_file(path, partner) {
            return Err(anyhow!(
                "{}: -o/--write names the partner file itself\n  hint: write the applied partner to another file; the partner file is kept as it is",
                path.display()
            ));
        }
    }
    let choice = RulesChoice::new(rules)?;
    let partner = load_partner(partner)?;
    let rules = choice.for_partner(&partner)?;
    if let Some(id) = only {
        if !rules.designations.iter().any(|d| d.id == id) {
            let ids: Vec<&str> = rules.designations.iter().map(|d| d.id.as_str()).collect();
            return Err(anyhow!(
                "no designation \"{id}\" in rules {}\n  hint: designations: {}",
                rules.version,
                ids.join(", ")
            ));
        }
    }
    // A partner the rules refuse (a history designation they do not know) is a finding, like a bad file.
    let gaps = designate_engine::gap::gaps(rules, &partner, only).map_err(|e| exit::finding(e.to_string()))?;
    match format {
        TextFormat::Json => {
            let doc = designate_engine::report::GapReport {
                schema_version: designate_engine::report::GAP_SCHEMA_VERSION,
                partner: partner.id.clone(),
                as_of: partner.as_of.to_string(),
                rules: designate_engine::report::RulesRef {
                    version: rules.version.clone(),
                    digest: rules.digest.clone(),
                },
                designations: gaps.clone(),
            };
            out.data(&(json_pretty(&doc, "the gaps")? + "\n"))?;
        }
        TextFormat::Text => out.text(&render::gaps(&partner, rules, &gaps))?,
    }
    if let Some(path) = write {
        let additions: Vec<_> = gaps.iter().flat_map(|g| g.additions.clone()).collect();
        let applied = designate_engine::gap::apply_all(&partner, &additions);
        let text = json_pretty(&applied.to_json(), "the partner")? + "\n";
        output::write_file(path, text.as_bytes())?;
        output::info(&format!("wrote {} with {} additions", path.display(), additions.len()));
    }
    Ok(ExitCode::SUCCESS)
}
