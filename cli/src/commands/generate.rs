//! `designate generate`: a synthetic portfolio as NDJSON, deterministic for a seed.

use std::process::ExitCode;

use crate::output;
use anyhow::{anyhow, Result};

/// Write a synthetic portfolio as NDJSON on stdout, deterministic for a seed.
///
/// A mix of SMB and Enterprise partners with 25 months of Azure, Microsoft 365 and Dynamics usage and
/// certified people (some retired or expired), spread so that some attain and many are near the line.
#[derive(clap::Args)]
#[command(help_template = with_examples!("designate generate --partners 1000 --seed 7 > portfolio.ndjson"))]
pub struct Args {
    /// How many partners.
    #[arg(long, value_name = "N")]
    partners: usize,
    /// The seed: the same seed gives the same portfolio, byte for byte.
    #[arg(long, value_name = "S", default_value_t = 1)]
    seed: u64,
    /// The evaluation month of every partner (YYYY-MM).
    #[arg(long, value_name = "YYYY-MM", default_value = "2024-06")]
    as_of: String,
}

/// `designate generate`.
pub fn run(args: Args, out: &mut output::Stdout) -> Result<ExitCode> {
    let Args { partners, seed, as_of } = args;
    let month = as_of.parse::<designate_engine::value::Month>().map_err(|e| anyhow!("--as-of: {e}"))?;
    out.with(|w| designate_engine::generate::write_ndjson(partners, seed, month, w))?;
    Ok(ExitCode::SUCCESS)
}
