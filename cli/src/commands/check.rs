//! `designate check`: every rule set of a folder or root loaded and every problem listed, each at its place.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use designate_engine::RuleSet;

use crate::exit;
use crate::{output, rules_dir};

/// Validate rule sets and list every problem found, each as file:line:col.
///
/// Takes one rule set folder (rules/2024-06) or a rules root (rules/), which checks every version in it.
/// Exits 0 when everything is clean, 1 when there are problems, 2 when the folder cannot be read.
#[derive(clap::Args)]
#[command(help_template = with_examples!("designate check rules/", "designate check rules/2024-06"))]
pub struct Args {
    /// The rule set folder or rules root.
    #[arg(value_name = "RULES_DIR")]
    dir: PathBuf,
}

/// `designate check`: exit 1 when there are problems.
pub fn run(args: Args) -> Result<ExitCode> {
    run_check(args.dir)
}

fn run_check(dir: PathBuf) -> Result<ExitCode> {
    let sets = rules_dir::rule_set_dirs(&dir)?;
    let mut problems = 0usize;
    let mut loaded = Vec::new();
    let all = sets.len();
    for set in sets {
        match RuleSet::load(&set) {
            Ok(rules) => {
                output::info(&format!(
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
    for e in designate_engine::rules::check_versions(&loaded, loaded.len() == all) {
        output::diag(&e.to_string());
        problems += 1;
    }
    if problems > 0 {
        output::error(&format!("{problems} problem(s) found"));
        return Ok(exit::findings_if(true));
    }
    Ok(ExitCode::SUCCESS)
}
