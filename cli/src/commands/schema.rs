//! `designate schema`: the JSON Schema of rule files, for editors, or of a document the tool writes.

use std::process::ExitCode;

use crate::output::{self, json_pretty};
use anyhow::{anyhow, Result};

/// Print a JSON Schema: of rule files or partner files, for editors, or of a document the tool writes.
///
/// Without arguments, one schema accepts any rule file; with --file, the schema of one kind of rule file, or
/// with `--file partner` of partner files (YAML, JSON or TOML). The repository's .taplo.toml points Taplo /
/// Even Better TOML at docs/schema/; docs/rules.md ("Editor support") shows how to wire YAML and JSON too.
/// With DOCUMENT, the schema of an output: `report` (score JSON and YAML, each NDJSON line, snapshot
/// results), `comparison` (compare --format json), `diff` (diff --format json), `gap` (gap --format json)
/// or `manifest` (a snapshot's manifest.json). Each output carries `schema_version`.
#[derive(clap::Args)]
#[command(help_template = with_examples!(
    "designate schema --file designation > designation.schema.json",
    "designate schema --file partner -o partner.schema.json",
    "designate schema report -o report.schema.json",
))]
pub struct Args {
    /// Which kind of rule file, or `partner` for partner files.
    #[arg(long, value_parser = ["program", "certifications", "products", "specializations", "software", "designation", "partner"])]
    file: Option<String>,
    /// Which output document: report, comparison, diff, gap or manifest.
    #[arg(value_name = "DOCUMENT", conflicts_with = "file", value_parser = ["report", "comparison", "diff", "gap", "manifest"])]
    document: Option<String>,
    #[command(flatten)]
    output: output::OutputArg,
}

/// `designate schema`.
pub fn run(args: Args, out: &mut output::Stdout) -> Result<ExitCode> {
    let Args { file, document, output } = args;
    out.redirect(&output, &[])?;
    if let Some(document) = document {
        use designate_engine::report::document_schema;
        let schema = match document.as_str() {
            "report" => document_schema::<designate_engine::ScoreReport>("report"),
            "comparison" => document_schema::<designate_engine::compare::Comparison>("comparison"),
            "gap" => document_schema::<designate_engine::report::GapReport>("gap"),
            "diff" => document_schema::<super::diff::DiffReport>("diff"),
            "manifest" => document_schema::<super::snapshot::Manifest>("manifest"),
            _ => return Err(anyhow!("unknown document \"{document}\"")),
        };
        out.data(&(json_pretty(&schema, "a schema")? + "\n"))?;
        return Ok(ExitCode::SUCCESS);
    }
    if file.as_deref() == Some("partner") {
        out.data(&(json_pretty(&designate_engine::partner::json_schema(), "a schema")? + "\n"))?;
        return Ok(ExitCode::SUCCESS);
    }
    let schema = designate_engine::rules::json_schema(file.as_deref())
        .ok_or_else(|| anyhow!("--file: unknown kind of rule file \"{}\"", file.unwrap_or_default()))?;
    out.data(&(json_pretty(&schema, "a schema")? + "\n"))?;
    Ok(ExitCode::SUCCESS)
}
