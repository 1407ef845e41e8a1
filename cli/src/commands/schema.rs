//! `designate schema`: the JSON Schema of rule files, for editors.

use std::process::ExitCode;

use crate::output::{self, json_pretty};
use anyhow::{anyhow, Result};

/// Print the JSON Schema of rule files, for editors (completion and red squiggles while typing).
///
/// Without --file, one schema accepts any rule file; with it, the schema of one kind of file.
/// The repository's .taplo.toml points Taplo / Even Better TOML at docs/schema/ (see docs/rules.md).
#[derive(clap::Args)]
#[command(help_template = with_examples!("designate schema --file designation > designation.schema.json"))]
pub struct Args {
    /// Which kind of rule file.
    #[arg(long, value_parser = ["program", "certifications", "products", "specializations", "software", "designation"])]
    file: Option<String>,
}

/// `designate schema`.
pub fn run(args: Args, out: &mut output::Stdout) -> Result<ExitCode> {
    let Args { file } = args;
    let schema = designate_engine::rules::json_schema(file.as_deref())
        .ok_or_else(|| anyhow!("--file: unknown kind of rule file \"{}\"", file.unwrap_or_default()))?;
    out.data(&(json_pretty(&schema, "a schema")? + "\n"))?;
    Ok(ExitCode::SUCCESS)
}
