//! `designate generate`: a synthetic portfolio as NDJSON, deterministic for a seed and a rule set.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::output;
use crate::rules_dir::{RulesArg, RulesChoice};
use anyhow::{anyhow, Result};

/// Write a synthetic portfolio as NDJSON on stdout (or -o FILE), deterministic for a seed and a rule set.
///
/// Partners are generated from the rule set: the selections' products, measures, associations and offers,
/// the catalogue's certifications, the path rules' tests and the software requirements, so that each
/// designation has partners that attain it and partners that fall short. Some certifications are retired or
/// expired, some usage is ineligible, some customers are lost: noise the rules must not count.
#[derive(clap::Args)]
#[command(help_template = with_examples!(
    "designate generate --partners 1000 --seed 7 > portfolio.ndjson",
    "designate generate --rules rules/2023-07 --partners 60 -o portfolio-2023.ndjson",
    "designate generate --partners 2000 --seed 7 --tables tables/ --tables-format parquet",
))]
pub struct Args {
    /// How many partners.
    #[arg(long, value_name = "N")]
    partners: usize,
    /// The seed: the same seed and rules give the same portfolio, byte for byte.
    #[arg(long, value_name = "S", default_value_t = 1)]
    seed: u64,
    /// The evaluation month of every partner (YYYY-MM); default: the rule set's last effective month (its
    /// first, when it has no end).
    #[arg(long, value_name = "YYYY-MM")]
    as_of: Option<String>,
    /// A rule set folder or a rules root (the version in effect at --as-of); default: the shipped
    /// rules/ as a root (the newest version without --as-of).
    #[arg(long, value_name = "DIR", env = "DESIGNATE_RULES")]
    rules: Option<PathBuf>,
    /// Write the portfolio as tables in folder DIR instead of NDJSON: partners, customers, usage and people,
    /// the tables `designate score DIR` reads (docs/partner-data.md). Tables have no place for a partner's
    /// `history` and `solutions`, which are left out.
    #[arg(long, value_name = "DIR", conflicts_with = "output")]
    tables: Option<PathBuf>,
    /// The tables' format: `csv`, or `parquet` (DATE months and dates, DECIMAL(18, 4) values).
    #[arg(long, value_enum, value_name = "FORMAT", default_value = "csv", requires = "tables")]
    tables_format: crate::tables_out::TablesFormat,
    #[command(flatten)]
    output: output::OutputArg,
}

/// `designate generate`.
pub fn run(args: Args, rules_from_env: bool, out: &mut output::Stdout) -> Result<ExitCode> {
    let Args { partners, seed, as_of, rules, tables, tables_format, output } = args;
    out.redirect(&output, &[])?;
    let month = match as_of {
        Some(text) => Some(text.parse::<designate_engine::value::Month>().map_err(|e| anyhow!("--as-of: {e}"))?),
        None => None,
    };
    let choice = RulesChoice::new(RulesArg::new(rules, rules_from_env))?;
    let rules = choice.for_month(month).map_err(anyhow::Error::msg)?;
    let month = month.unwrap_or(rules.effective_until.unwrap_or(rules.effective_from));
    let generator = designate_engine::generate::Generator::new(rules);
    if let Some(dir) = tables {
        let files = (0..partners).map(|i| generator.partner(i, seed, month));
        crate::tables_out::write(&dir, tables_format, files)?;
        return Ok(ExitCode::SUCCESS);
    }
    out.with(|w| generator.write_ndjson(partners, seed, month, w))?;
    Ok(ExitCode::SUCCESS)
}
