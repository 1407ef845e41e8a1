//! `designate import`: a folder of Partner Center Insights exports written as partner files (the contract of
//! docs/partner-data.md), to read, keep, edit or score (`designate score` reads them back to the same result).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, Result};
use designate_engine::value::Month;

use crate::exports::{self, Options};
use crate::rules_dir::{RulesArg, RulesChoice};
use crate::{exit, output};

/// Convert Partner Center Insights exports (Insights → Download reports, or the Insights API's CSV/TSV) into
/// partner files.
///
/// Each file of FOLDER is recognised by its header (TSV or CSV; UTF-8 with or without a byte-order mark, or
/// UTF-16 with one) through the mapping rules/partner-center.toml, built in; `--mapping` reads another.
/// One partner per partner id; one partner is written as YAML (or JSON), several as NDJSON, one line each.
/// Values the mapping does not know are warned about at file:line:col; what the exports do not hold
/// (protected users, for one) is listed under `coverage`, so that scoring reports it as missing, not zero.
/// See docs/partner-center.md.
#[derive(clap::Args)]
#[command(help_template = with_examples!(
    "designate import exports/ -o partner.yaml",
    "designate import exports/ --partner-id 1234567 --as-of 2024-06 -o partner.json",
    "designate import exports/ -o portfolio.ndjson     (several partners: one JSON line each)",
))]
pub struct Args {
    /// The folder of export files (.tsv, .csv, .txt). Partner files (.yaml, .yml, .json, .toml) in it are
    /// merged into the partners they name.
    #[arg(value_name = "FOLDER")]
    folder: PathBuf,
    #[command(flatten)]
    output: output::OutputArg,
    #[command(flatten)]
    exports: ExportArgs,
    /// Output format; default: from the -o file's extension, else `yaml` for one partner and `ndjson` for
    /// several.
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// A rule set folder or a rules root, to match certification titles to the catalogue in force at as_of;
    /// default: the shipped rules/ as a root.
    #[arg(long, value_name = "DIR", env = "DESIGNATE_RULES")]
    rules: Option<PathBuf>,
}

/// The options of a folder of exports, shared by `import` and `score`.
#[derive(clap::Args, Clone, Default)]
pub struct ExportArgs {
    /// Only this partner: a location's partner id (MPN id), or a global account's (PGA) id, which gathers its
    /// locations' rows (rows flagged as PGA duplicates are then counted once). Default: one partner per id.
    #[arg(long, value_name = "ID")]
    pub partner_id: Option<String>,
    /// The evaluation month; default: the last month the usage exports hold.
    #[arg(long, value_name = "YYYY-MM", value_parser = month)]
    pub as_of: Option<Month>,
    /// A mapping file to use instead of the built-in rules/partner-center.toml.
    #[arg(long, value_name = "FILE")]
    pub mapping: Option<PathBuf>,
    /// A partner file to merge into the imported partner it names (for what no export carries, such as
    /// protected users); may be given more than once.
    #[arg(long = "with", value_name = "FILE")]
    pub with: Vec<PathBuf>,
}

impl ExportArgs {
    /// True when any option was given.
    pub fn any(&self) -> bool {
        self.partner_id.is_some() || self.as_of.is_some() || self.mapping.is_some() || !self.with.is_empty()
    }

    pub fn options(&self) -> Options {
        Options { partner_id: self.partner_id.clone(), as_of: self.as_of, mapping: self.mapping.clone() }
    }
}

fn month(text: &str) -> Result<Month, String> {
    text.parse()
}

#[derive(Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
enum Format {
    Yaml,
    Json,
    Ndjson,
}

/// `designate import`.
pub fn run(args: Args, rules_from_env: bool, out: &mut output::Stdout) -> Result<ExitCode> {
    let inputs: Vec<&std::path::Path> =
        std::iter::once(args.folder.as_path()).chain(args.exports.with.iter().map(PathBuf::as_path)).collect();
    out.redirect(&args.output, &inputs)?;
    let choice = RulesChoice::new(RulesArg::new(args.rules, rules_from_env))?;
    let partners = exports::load(&args.folder, &args.exports.options(), &args.exports.with, Some(&choice))?;
    let by_extension = args.output.file().and_then(|p| p.extension()).and_then(|e| e.to_str()).map(str::to_lowercase);
    let format = match (args.format, by_extension.as_deref()) {
        (Some(f), _) => f,
        (None, Some("json")) => Format::Json,
        (None, Some("ndjson" | "jsonl")) => Format::Ndjson,
        (None, Some("yaml" | "yml")) => Format::Yaml,
        (None, _) if partners.len() > 1 => Format::Ndjson,
        (None, _) => Format::Yaml,
    };
    if partners.len() > 1 && format != Format::Ndjson {
        let ids: Vec<&str> = partners.iter().map(|p| p.id.as_str()).take(10).collect();
        return Err(anyhow!(
            "{}: the exports hold {} partners ({}), and one YAML or JSON file holds one\n  hint: pass --partner-id ID, or write NDJSON (-o partners.ndjson)",
            args.folder.display(),
            partners.len(),
            ids.join(", ")
        ));
    }
    let mut failed = 0;
    for p in partners {
        match p.file {
            Ok(file) => match format {
                Format::Yaml => out.data(&file.to_yaml())?,
                Format::Json => out.data(&(file.to_json_pretty() + "\n"))?,
                Format::Ndjson => out.data(&(file.to_json_line() + "\n"))?,
            },
            Err(problems) => {
                failed += 1;
                for problem in problems {
                    output::error(&problem);
                }
            }
        }
    }
    // The partners that were read are written all the same: one bad partner does not cost the others.
    if failed > 0 {
        output::error(&format!("{failed} partner(s) could not be imported"));
    }
    Ok(exit::findings_if(failed > 0))
}
