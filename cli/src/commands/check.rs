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
/// Every points script is also run over a sweep of inputs (0, 1, the rule's numbers and far past them) and
/// must return a number from 0 to max_points for each (docs/rules.md, "Scripts").
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
                // Issue 14: each script run over a sweep of inputs, so a formula failing for some partner fails here.
                let swept = designate_engine::rules::sweep_scripts(&rules);
                if !swept.is_empty() {
                    for e in &swept {
                        output::diag(&e.to_string());
                    }
                    problems += swept.len();
                    loaded.push(rules);
                    continue;
                }
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
