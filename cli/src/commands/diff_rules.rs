//! `designate diff-rules`: what changed between two rule versions, as meaning rather than text.

use std::path::PathBuf;
use std::process::ExitCode;

use super::TextFormat;
use crate::exit;
use crate::output::{self, json_pretty};
use anyhow::{anyhow, Result};

/// List what changed between two rule versions as meaning, not text.
///
/// Parameters added, removed and changed in the program, the catalogue (certifications, products,
/// specializations), per designation, path and metric, per certified software designation, and in
/// scripts; any other file is reported as a file. Formatting, comments and key order are ignored.
/// Exits 0 when nothing changed, 1 when something did.
#[derive(clap::Args)]
#[command(help_template = with_examples!(
    "designate diff-rules rules/2023-07 rules/2024-06",
    "designate diff-rules --format json -o changes.json rules/2023-07 rules/2024-06",
))]
pub struct Args {
    /// The earlier rule version folder.
    #[arg(value_name = "BASE")]
    base: PathBuf,
    /// The later rule version folder.
    #[arg(value_name = "CANDIDATE")]
    candidate: PathBuf,
    /// `text` (grouped text for people; `table` is the same) or `json`.
    #[arg(long, value_enum, default_value_t = TextFormat::Text)]
    format: TextFormat,
    #[command(flatten)]
    output: output::OutputArg,
}

/// `designate diff-rules`: exit 1 when something changed.
pub fn run(args: Args, out: &mut output::Stdout) -> Result<ExitCode> {
    let Args { base, candidate, format, output } = args;
    out.redirect(&output, &[&base, &candidate])?;
    let d = designate_engine::rules::diff::diff_rule_dirs(&base, &candidate).map_err(|e| anyhow!(e.to_string()))?;
    match format {
        TextFormat::Json => out.data(&(json_pretty(&d, "a rule diff")? + "\n"))?,
        TextFormat::Text => out.text(&d.to_text())?,
    }
    Ok(exit::findings_if(!d.is_empty()))
}
