//! `designate check`: every rule set of a folder or root, and every partner file named, loaded and every problem
//! listed, each at its place, in the format its reader needs (`diagnostics`).

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, Result};
use designate_engine::{Error, Format as PartnerFormat, Partner, RuleSet};

use crate::diagnostics::{self, Format, Sources, TextStyle};
use crate::exit;
use crate::rules_dir::{RulesArg, RulesChoice};
use crate::{output, rules_dir};

/// Validate rule sets and partner files and list every problem found, each as file:line:col.
///
/// Each PATH is a rule set folder (rules/2024-06), a rules root (rules/), which checks every version in it and
/// that their effective ranges neither overlap nor leave a gap, or a partner file (.yaml, .yml, .json, .toml).
/// With --format text (the default) the problems go to stderr, one `file:line:col: message` line each with its
/// `hint:` line, and, when stderr is a terminal or with --show-source, the source line with a caret under the
/// place and the problem's code. json, github and sarif print one document on stdout (or to -o FILE) and
/// nothing else: json a list of {file, line, column, code, severity, message, hint, field}; github one
/// workflow command per problem, which GitHub Actions shows on the pull request; sarif a SARIF 2.1.0 log for
/// code scanning. Every points script of a rule set is also run over a sweep of inputs (0, 1, the rule's numbers
/// and far past them) and must return a number from 0 to max_points for each (docs/rules.md, "Scripts").
/// Exits 0 when everything is clean, 1 when there are problems (warnings too), 2 when a path
/// cannot be read or the output cannot be written.
#[derive(clap::Args)]
#[command(help_template = with_examples!(
    "designate check rules/",
    "designate check rules/2024-06 snapshots/partners/contoso-smb.yaml",
    "designate check --show-source rules/2024-06 2>&1 | less -R",
    "designate check --format json rules/ > problems.json",
    "designate check --format github rules/",
    "designate check --format sarif -o designate.sarif rules/",
))]
pub struct Args {
    /// How to write the problems.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// `-o FILE`: the text that would go to stderr, or the document that would go to stdout (`-`: stdout).
    #[command(flatten)]
    output: output::OutputArg,
    /// Show each problem's source line with a caret under the place even when stderr is not a terminal (text).
    #[arg(long)]
    show_source: bool,
    /// Rule set folders, rules roots or partner files.
    #[arg(value_name = "PATH", required = true)]
    paths: Vec<PathBuf>,
}

/// What checking one path found: a rule set or partner file that is clean, or problems.
enum Found {
    Clean(String),
    Problems(Vec<Error>),
}

/// `designate check`: exit 1 when there are problems.
pub fn run(args: Args, out: &mut output::Stdout) -> Result<ExitCode> {
    // Before any work: a folder `-o` cannot write to, or `-o` naming a file checked, stops the command here.
    let inputs: Vec<&Path> = args.paths.iter().map(PathBuf::as_path).collect();
    out.redirect(&args.output, &inputs)?;
    let mut found = Vec::new();
    // The shipped rules, loaded at the first partner file that validates.
    let mut shipped = None;
    for path in &args.paths {
        check_path(path, &mut found, &mut shipped)?;
    }
    let problems: Vec<Error> = found
        .iter()
        .flat_map(|f| match f {
            Found::Clean(_) => &[][..],
            Found::Problems(errors) => errors.as_slice(),
        })
        .cloned()
        .collect();
    let document = match args.format {
        Format::Text => return write_text(&args, &found, problems.len(), out),
        Format::Json => diagnostics::json(&problems)?,
        Format::Github => diagnostics::github(&problems),
        Format::Sarif => diagnostics::sarif(&problems)?,
    };
    out.data(&document)?;
    Ok(exit::findings_if(!problems.is_empty()))
}

/// The text format: the `ok:` line of each clean path and each problem in the order found, then the count; on
/// stderr, or in the file of `-o`. Snippets are shown on a terminal (in colour unless `NO_COLOR` is set) or when
/// asked; never when piped unasked, since scripts and tests read these lines.
fn write_text(args: &Args, found: &[Found], problems: usize, out: &mut output::Stdout) -> Result<ExitCode> {
    // With `-o` the text goes to the command's output (the file, or stdout for `-o -`), never to a terminal.
    let to_output = args.output.output.is_some();
    let terminal = !to_output && std::io::stderr().is_terminal();
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let style = TextStyle { snippets: terminal || args.show_source, color: terminal && !no_color };
    let mut sources = Sources::default();
    let mut text = String::new();
    for f in found {
        match f {
            // The `ok:` lines are info: `--quiet` leaves only the problems and their count.
            Found::Clean(_) if output::quiet() => {}
            Found::Clean(line) => {
                text.push_str(&output::escape(line));
                text.push('\n');
            }
            Found::Problems(errors) => text.push_str(&diagnostics::text(errors, style, &mut sources)),
        }
    }
    if problems > 0 {
        text.push_str(&format!("error: {problems} problem(s) found\n"));
    }
    // The renderer escaped the input's control characters already: the text goes out as it is.
    match to_output {
        true => out.data(&text)?,
        false => output::diag_rendered(&text),
    }
    Ok(exit::findings_if(problems > 0))
}

/// One PATH: a partner file by its extension, else a rule set folder or root. What stops the check from running
/// (a path that does not exist or cannot be read, a rule file named instead of its folder) is an error, exit 2.
fn check_path(path: &Path, found: &mut Vec<Found>, shipped: &mut Option<RulesChoice>) -> Result<()> {
    if !path.is_dir() && PartnerFormat::from_path(path).is_some() {
        return check_partner_file(path, found, shipped);
    }
    if path.is_file() {
        return Err(anyhow!(
            "{}: neither a rule set folder nor a partner file\n  hint: check takes rules/, rules/<version> or partner files ending in .yaml, .yml, .json or .toml",
            path.display()
        ));
    }
    check_rules(path, found)
}

/// Every rule set a path stands for, each loaded with every problem; then the versions side by side.
fn check_rules(path: &Path, found: &mut Vec<Found>) -> Result<()> {
    let sets = rules_dir::rule_set_dirs(path)?;
    let all = sets.len();
    let mut loaded = Vec::new();
    for set in sets {
        match RuleSet::load(&set) {
            Ok(rules) => {
                let more = more_problems(&rules);
                if more.is_empty() {
                    found.push(Found::Clean(format!(
                        "ok: {} (version {}, {} designations, {})",
                        set.display(),
                        rules.version,
                        rules.designations.len(),
                        rules.digest
                    )));
                } else {
                    found.push(Found::Problems(more));
                }
                loaded.push(rules);
            }
            Err(errors) => found.push(Found::Problems(errors)),
        }
    }
    let versions = designate_engine::rules::check_versions(&loaded, loaded.len() == all);
    if !versions.is_empty() {
        found.push(Found::Problems(versions));
    }
    Ok(())
}

/// The problems of a rule set that loads, beyond those of loading it: each points script run over a sweep of
/// inputs (0, 1, the rule's numbers and far past them), so that a formula failing for some partner fails here
/// rather than at scoring time (issue 14).
fn more_problems(rules: &RuleSet) -> Vec<Error> {
    designate_engine::rules::sweep_scripts(rules)
}

/// A partner file: one that cannot be opened means the check could not run (exit 2), as for `score`; one that
/// does not validate is a problem (exit 1), each of its problems listed.
fn check_partner_file(path: &Path, found: &mut Vec<Found>, shipped: &mut Option<RulesChoice>) -> Result<()> {
    let shown = path.display();
    // A rule file named by itself would be read as a partner and every key refused: point at its folder instead.
    let folders = path.ancestors().skip(1).take(3).map(|d| if d.as_os_str().is_empty() { Path::new(".") } else { d });
    let toml = PartnerFormat::from_path(path) == Some(PartnerFormat::Toml);
    if let Some(set) = folders.filter(|_| toml).find(|dir| dir.join("program.toml").is_file()) {
        return Err(anyhow!(
            "{shown}: a file of the rule set {}, not a partner file\n  hint: check the whole rule set: designate check {}",
            set.display(),
            set.display()
        ));
    }
    let meta = std::fs::metadata(path).map_err(|e| anyhow!("{shown}: cannot read file: {}", output::reason(&e)))?;
    // A FIFO or a device is never opened: reading one could wait forever or never end.
    if !meta.is_file() {
        return Err(anyhow!(
            "{shown}: not a regular file but {}",
            designate_engine::partner::file_kind(&meta.file_type())
        ));
    }
    std::fs::File::open(path).map_err(|e| anyhow!("{shown}: cannot read file: {}", output::reason(&e)))?;
    let problems = partner_problems(path, shipped)?;
    found.push(match problems.is_empty() {
        true => Found::Clean(format!("ok: {shown} (partner file)")),
        false => Found::Problems(problems),
    });
    Ok(())
}

/// Every problem of one partner file, in file order (empty when it validates). A partner that validates is also
/// scored by the shipped rules in force at its `as_of`, so that what fails only against rules (an attained
/// designation the rules do not define, sums past the largest decimal, an `as_of` no version covers) fails
/// `check` as it would fail `score` (issue 14).
fn partner_problems(path: &Path, shipped: &mut Option<RulesChoice>) -> Result<Vec<Error>> {
    let partner = match Partner::load_all(path) {
        Ok(partner) => partner,
        Err(problems) => return Ok(problems),
    };
    let rules = match shipped {
        Some(rules) => rules,
        None => shipped.insert(RulesChoice::new(RulesArg::Default)?),
    };
    let scored = match rules {
        RulesChoice::Fixed(set) => designate_engine::score(set, &partner),
        RulesChoice::ByDate { sets, .. } => designate_engine::score_by(sets.as_slice(), &partner),
    };
    Ok(scored.err().into_iter().collect())
}
