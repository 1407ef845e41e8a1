//! `designate test`: the rule tests kept beside the rules (`rules/<version>/tests/*.toml`) run against their rule
//! set, reported for people (text), programs (JSON) or CI (JUnit XML), and, with `--update`, the expected values of
//! failing cases rewritten in place.
//!
//! Reading and running the cases is the engine's (`designate_engine::rule_tests`, which `cargo test` runs too);
//! this module finds the rule sets, renders the outcomes and edits the test files with `toml_edit`, so that an
//! update keeps every comment and the layout of the file.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, Context as _, Result};
use designate_engine::rule_tests::{self, CaseOutcome, CheckOutcome, FileOutcome, Value};

use crate::{exit, output, rules_dir};

/// Run the rule tests kept beside the rules and report the cases that fail.
///
/// Each rule set's cases live in its folder, in tests/*.toml: a partner (a file by a path relative to the test
/// file, or inline) and what the rules must give it (a designation's path, points per metric, total,
/// qualification). Prints one line per failing check, `file:line: case: designation.metric expected 10, got 12`,
/// with the report's evidence, then `N passed, M failed`. Exits 0 when every case passes, 1 when any fails, 2 when
/// the rules or a test file cannot be read. See "Testing rules" in docs/rules.md for the case format.
#[derive(clap::Args)]
#[command(help_template = with_examples!(
    "designate test",
    "designate test rules/2026-07",
    "designate test rules/2026-07 --update",
    "designate test rules/ --format junit -o rule-tests.xml",
))]
pub struct Args {
    /// Rule set folders (rules/2026-07) or rules roots (rules/); default: the shipped rules.
    #[arg(value_name = "RULES")]
    rules: Vec<PathBuf>,
    /// Rewrite the expected values of failing cases to what the rules now give (comments and layout kept), print
    /// each change, and exit 0: for a deliberate policy change, reviewed in the diff before it is committed.
    #[arg(long)]
    update: bool,
    /// text: failing cases for people; json: every case and its outcome; junit: JUnit XML for CI.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    #[command(flatten)]
    output: output::OutputArg,
}

/// The output formats of `designate test`.
#[derive(Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Junit,
}

/// `designate test`: exit 1 when a case fails (unless `--update` rewrote it), 2 when nothing could run.
pub fn run(args: Args, out: &mut output::Stdout) -> Result<ExitCode> {
    // Before any work: a folder `-o` cannot write to stops the command here.
    let inputs: Vec<&std::path::Path> = args.rules.iter().map(|p| p.as_path()).collect();
    out.redirect(&args.output, &inputs)?;
    let dirs = if args.rules.is_empty() {
        // The rule tests are not built into the binary (only the rule sets are): they are run from a folder.
        let root = rules_dir::shipped_root().ok_or_else(|| {
            anyhow!("no rules/ folder here or beside the binary: the rule tests run from a rules folder\n  hint: name it: designate test path/to/rules")
        })?;
        rules_dir::rule_set_dirs(&root)?
    } else {
        let mut dirs = Vec::new();
        for path in &args.rules {
            dirs.extend(rules_dir::rule_set_dirs(path)?);
        }
        dirs
    };
    let outcomes = run_all(&dirs)?;
    let (passed, failed) = outcomes.iter().map(FileOutcome::counts).fold((0, 0), |(p, f), (p2, f2)| (p + p2, f + f2));
    let rendered = match args.format {
        Format::Text => text(&outcomes, passed, failed),
        Format::Json => {
            let doc = serde_json::json!({ "passed": passed, "failed": failed, "files": outcomes });
            output::json_pretty(&doc, "the test results")? + "\n"
        }
        Format::Junit => junit(&outcomes, passed, failed),
    };
    // With --update the text run's report is the list of changes; a JSON or JUnit document still describes the
    // run, and the changes go to stderr so that stdout stays one document.
    if !(args.update && args.format == Format::Text) {
        match args.format {
            Format::Text => out.text(&rendered)?,
            Format::Json | Format::Junit => out.data(&rendered)?,
        }
    }
    if !args.update {
        return Ok(exit::findings_if(failed > 0));
    }
    let (changes, stuck) = update(&outcomes)?;
    let mut report = String::new();
    for change in &changes {
        report.push_str(change);
        report.push('\n');
    }
    let files = outcomes.iter().filter(|f| f.cases.iter().any(|c| !c.passed)).count();
    let _ = writeln!(report, "updated {} value(s) in {files} file(s)", changes.len());
    for line in &stuck {
        let _ = writeln!(report, "{line}");
    }
    if args.format == Format::Text {
        out.text(&report)?;
    } else {
        output::diag(report.trim_end());
    }
    // A case that could not be scored has nothing to update to: it still fails.
    Ok(exit::findings_if(!stuck.is_empty()))
}

/// Loads every rule set and its test files, then runs them; every problem of every rule set and test file is
/// printed before giving up, so one run shows them all.
fn run_all(dirs: &[PathBuf]) -> Result<Vec<FileOutcome>> {
    let mut problems = Vec::new();
    let mut outcomes = Vec::new();
    for dir in dirs {
        let rules = match rules_dir::load_for_scoring(dir) {
            Ok(rules) => rules,
            Err(errors) => {
                problems.extend(errors);
                continue;
            }
        };
        let files = match rule_tests::test_files(&rules) {
            Ok(files) => files,
            Err(e) => {
                problems.push(e);
                continue;
            }
        };
        if files.is_empty() {
            output::warning(&format!("{}: no rule tests (tests/*.toml) in this rule set", dir.display()));
        }
        for path in files {
            match rule_tests::load_file(&rules, &path) {
                Ok(file) => outcomes.push(rule_tests::run_file(&rules, &file)),
                Err(errors) => problems.extend(errors),
            }
        }
    }
    if problems.is_empty() {
        return Ok(outcomes);
    }
    for p in &problems[..problems.len() - 1] {
        output::diag(&format!("error: {p}"));
    }
    let last = &problems[problems.len() - 1];
    Err(anyhow!("{last}\nerror: {} problem(s) in the rules or their tests; no case was run", problems.len()))
}

/// What was measured, in words: `nothing` when the partner could not be scored.
fn got(check: &CheckOutcome) -> String {
    check.got.as_ref().map_or_else(|| "nothing".to_owned(), ToString::to_string)
}

/// The lines of one failing case: each failing check with its evidence, or why the partner could not be scored.
fn failure_lines(file: &str, case: &CaseOutcome) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(error) = &case.error {
        lines.push(format!("{file}:{}: {}: the partner could not be scored: {error}", case.line, case.name));
    }
    for check in case.checks.iter().filter(|c| !c.passed) {
        lines.push(format!(
            "{file}:{}: {}: {} expected {}, got {}",
            check.line,
            case.name,
            check.subject,
            check.expected,
            got(check)
        ));
        for evidence in &check.evidence {
            for line in evidence.lines().filter(|l| !l.trim().is_empty()) {
                lines.push(format!("    {}", line.trim_end()));
            }
        }
    }
    lines
}

/// The text report: every failing case, then `N passed, M failed`.
fn text(outcomes: &[FileOutcome], passed: usize, failed: usize) -> String {
    let mut s = String::new();
    for file in outcomes {
        for case in file.cases.iter().filter(|c| !c.passed) {
            for line in failure_lines(&file.file, case) {
                s.push_str(&line);
                s.push('\n');
            }
        }
    }
    let _ = writeln!(s, "{passed} passed, {failed} failed");
    s
}

/// JUnit XML: one testsuite per test file, one testcase per case, a `<failure>` per failing case.
fn junit(outcomes: &[FileOutcome], passed: usize, failed: usize) -> String {
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(s, "<testsuites name=\"designate test\" tests=\"{}\" failures=\"{failed}\">", passed + failed);
    for file in outcomes {
        let (p, f) = file.counts();
        let _ = writeln!(s, "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{f}\">", xml_escape(&file.file), p + f);
        for case in &file.cases {
            let _ = write!(
                s,
                "    <testcase name=\"{}\" classname=\"{}\"",
                xml_escape(&case.name),
                xml_escape(&format!("rules.{}", file.rules))
            );
            if case.passed {
                s.push_str("/>\n");
                continue;
            }
            let lines = failure_lines(&file.file, case);
            let message = lines.first().cloned().unwrap_or_default();
            let _ = writeln!(
                s,
                ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>",
                xml_escape(&message),
                xml_escape(&lines.join("\n"))
            );
        }
        s.push_str("  </testsuite>\n");
    }
    s.push_str("</testsuites>\n");
    s
}

/// Text as XML character data or an attribute value: the five special characters escaped, and characters XML
/// 1.0 cannot hold at all (most control characters) replaced, so the document always parses.
fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || matches!(c, '\u{fffe}' | '\u{ffff}') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Rewrites the expected value of every failing check to what the rules gave: the changes made, in the words
/// `file:line: case: subject 10 → 12`, and the checks that have nothing to update to.
fn update(outcomes: &[FileOutcome]) -> Result<(Vec<String>, Vec<String>)> {
    let mut changes = Vec::new();
    let mut stuck = Vec::new();
    for file in outcomes {
        let mut edits: BTreeMap<(usize, usize), (&CaseOutcome, &CheckOutcome, &Value)> = BTreeMap::new();
        for case in file.cases.iter().filter(|c| !c.passed) {
            if let Some(error) = &case.error {
                stuck.push(format!(
                    "{}:{}: {}: not updated: the partner could not be scored: {error}",
                    file.file, case.line, case.name
                ));
                continue;
            }
            for (i, check) in case.checks.iter().enumerate().filter(|(_, c)| !c.passed) {
                match &check.got {
                    Some(value) => {
                        edits.insert((case.index, i), (case, check, value));
                    }
                    None => stuck.push(format!(
                        "{}:{}: {}: {} not updated: {}",
                        file.file,
                        check.line,
                        case.name,
                        check.subject,
                        check.evidence.join("; ")
                    )),
                }
            }
        }
        if edits.is_empty() {
            continue;
        }
        let path = Path::new(&file.file);
        let text = std::fs::read_to_string(path).with_context(|| format!("{}: cannot read file", file.file))?;
        let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e| anyhow!("{}: cannot update: {e}", file.file))?;
        for (case, check, value) in edits.values() {
            set(&mut doc, case.index, &check.key, value).ok_or_else(|| {
                anyhow!("{}:{}: cannot update: the value moved since it was read", file.file, check.line)
            })?;
            changes.push(format!(
                "{}:{}: {}: {} {} → {}",
                file.file, check.line, case.name, check.subject, check.expected, value
            ));
        }
        output::write_file(path, doc.to_string().as_bytes())?;
    }
    Ok((changes, stuck))
}

/// Sets the value at `key` of case `index` to `value`, keeping its comments and spacing: `None` when there is
/// no such value.
fn set(doc: &mut toml_edit::DocumentMut, index: usize, key: &[String], value: &Value) -> Option<()> {
    let case: &mut dyn toml_edit::TableLike = match doc.get_mut("case")? {
        toml_edit::Item::ArrayOfTables(cases) => cases.get_mut(index)?,
        toml_edit::Item::Value(toml_edit::Value::Array(cases)) => cases.get_mut(index)?.as_inline_table_mut()?,
        _ => return None,
    };
    let (last, path) = key.split_last()?;
    let mut table = case;
    for k in path {
        table = table.get_mut(k)?.as_table_like_mut()?;
    }
    let old = table.get_mut(last)?.as_value_mut()?;
    let mut new = match value {
        // An integer stays an integer when the new points are whole; anything else is a quoted decimal, exact.
        Value::Points(d) => match (old.is_integer(), i64::try_from(d.normalize())) {
            (true, Ok(n)) if d.normalize().scale() == 0 => toml_edit::Value::from(n),
            _ => toml_edit::Value::from(d.normalize().to_string()),
        },
        Value::Text(t) => toml_edit::Value::from(t.as_str()),
        Value::Flag(b) => toml_edit::Value::from(*b),
    };
    *new.decor_mut() = old.decor().clone();
    *old = new;
    Some(())
}
