//! Each metric kind's unit tests, as data: `tests/kinds/<kind>/*.toml`, one metric, a tiny partner and the
//! points (and units) it must earn.
//!
//! A case file holds the metric table exactly as a designation file writes it (`[metric]`), the selections and
//! catalogue it needs (`[program]`, `certifications`, `products`, `scripts`), an inline partner (`[partner]`, in
//! the partner-file shape) and what scoring it must give (`[expect]`). The runner writes a minimal rule folder
//! per case (a `program.toml`, one designation with one path holding the metric, the catalogue and scripts),
//! loads it, scores the partner and compares; every failure names its case file. Issue 12: the cases pin by
//! points what the engine's other tests left free (rounding half-way, caps with prerequisite points,
//! `exclude_products`, every `>=` against `>`, windows off by one); each case says in `about` which change of
//! the engine it catches.
//!
//! `[expect]` keys:
//! - `points`: the metric's points (a number);
//! - `units` (optional): the units that earn points (negative nets count 0), measured by scoring the metric
//!   again with `points = { per_unit = 1 }` and no cap, so that caps and rounding do not hide them; not for
//!   `best` metrics, nor certified-people metrics whose prerequisites carry points;
//! - `evidence` (optional): a subset of the metric's evidence as JSON (tables match key by key, arrays item by
//!   item, numbers by value); a case that gives it fails until the kind fills its evidence;
//! - `path` (with `[path_rule]`), `path_reason` (optional, a part of it): the path the rule chose and why;
//! - `warnings` (optional): the report's warnings, each `field: message`, all of them in order;
//! - `data_gaps` (optional): the report's data gaps (issue 16: a partner whose `coverage` lacks months or measures
//!   the metric reads), each `measure: month, month`, all of them in order (`[]`: none).
//!
//! Issue 13: `[catalogue]` holds the top-level keys of `catalogue/certifications.toml` beside `certifications`
//! (`retirement_grace_months`), and `[path_rule]` a path rule (`default`, `when`): the designation then has the
//! paths `smb` and `enterprise`, each holding the metric, chosen by that rule, so path tests are cases too.

mod common;

use std::path::{Path, PathBuf};

use designate_engine::{score, Format, Partner, RuleSet};
use rust_decimal::Decimal;
use serde_json::Value as Json;
use toml::{Table, Value};

/// The kinds, each with a folder of cases; a kind without a case fails the run. `path-tests` holds cases of
/// path rules (`[path_rule]`), whose metric may be of any kind.
const KINDS: [&str; 8] = [
    "customer-adds",
    "certified-people",
    "usage-growth",
    "distinct-products",
    "ratio-customers",
    "rolling-sum-crossing",
    "combined",
    "path-tests",
];

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/kinds")
}

/// A TOML value read as a decimal: integers and strings as written, floats through their shortest text.
fn decimal(v: &Value) -> Result<Decimal, String> {
    let text = match v {
        Value::Integer(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::String(s) => s.clone(),
        other => return Err(format!("expected a number, found {other}")),
    };
    text.parse().map_err(|e| format!("{text:?} is not a decimal: {e}"))
}

fn table<'a>(case: &'a Table, key: &str) -> Result<&'a Table, String> {
    case.get(key).and_then(Value::as_table).ok_or_else(|| format!("missing table [{key}]"))
}

/// Writes the rule folder of one case: `version` is the folder's name.
fn write_rules(dir: &Path, version: &str, case: &Table, metric: &Table) -> Result<(), String> {
    let mut program = case.get("program").and_then(Value::as_table).cloned().unwrap_or_default();
    program.insert("version".into(), version.into());
    program.insert("title".into(), "kind case".into());
    program.insert("effective_from".into(), "2000-01".into());
    program.entry("qualification").or_insert_with(|| {
        let mut q = Table::new();
        q.insert("min_total".into(), 0.into());
        q.insert("min_each_metric".into(), 0.into());
        q.into()
    });
    let max_points = metric.get("max_points").cloned().ok_or("the metric has no max_points")?;
    let mut path = Table::new();
    path.insert("metrics".into(), Value::Array(vec![Value::Table(metric.clone())]));
    let mut paths = Table::new();
    let mut designation = Table::new();
    if let Some(rule) = case.get("path_rule") {
        let mut rules = Table::new();
        rules.insert("case".into(), rule.clone());
        program.insert("path_rules".into(), rules.into());
        paths.insert("smb".into(), path.clone().into());
        paths.insert("enterprise".into(), path.into());
        let mut selection = Table::new();
        selection.insert("method".into(), "rule".into());
        selection.insert("rule".into(), "case".into());
        designation.insert("path_selection".into(), selection.into());
    } else {
        paths.insert("only".into(), path.into());
    }
    designation.insert("id".into(), "case".into());
    designation.insert("name".into(), "kind case".into());
    designation.insert("max_points".into(), max_points);
    designation.insert("paths".into(), paths.into());

    let write = |rel: &str, text: String| {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    let toml = |t: &Table| toml::to_string(t).map_err(|e| e.to_string());
    write("program.toml", toml(&program)?);
    write("designations/case.toml", toml(&designation)?);
    for (key, file, entry) in
        [("certifications", "certifications.toml", "certification"), ("products", "products.toml", "product")]
    {
        if let Some(list) = case.get(key) {
            let mut t = Table::new();
            if key == "certifications" {
                t.extend(case.get("catalogue").and_then(Value::as_table).cloned().unwrap_or_default());
            }
            t.insert(entry.into(), list.clone());
            write(&format!("catalogue/{file}"), toml(&t)?);
        }
    }
    for (name, text) in case.get("scripts").and_then(Value::as_table).into_iter().flatten() {
        write(&format!("scripts/{name}"), text.as_str().ok_or("a script is text")?.to_owned());
    }
    Ok(())
}

/// What one case's scoring gave: the metric's points and evidence (as JSON), the designation's path and why,
/// and the report's warnings as `field: message`.
struct Scored {
    points: Decimal,
    evidence: Json,
    path: String,
    path_reason: String,
    warnings: Vec<String>,
    data_gaps: Vec<String>,
}

/// Loads the case's rule folder and scores its partner: the metric's points and, as JSON, its evidence.
fn score_case(dir: &Path, version: &str, case: &Table, metric: &Table) -> Result<Scored, String> {
    let rules_dir = dir.join(version);
    let _ = std::fs::remove_dir_all(&rules_dir);
    write_rules(&rules_dir, version, case, metric)?;
    let rules = RuleSet::load(&rules_dir).map_err(|errors| {
        let prefix = format!("{}/", rules_dir.display());
        let lines: Vec<String> = errors.iter().map(|e| e.to_string().replace(&prefix, "")).collect();
        format!("the rules do not load:\n    {}", lines.join("\n    "))
    })?;
    let partner_text = toml::to_string(table(case, "partner")?).map_err(|e| e.to_string())?;
    let partner = Partner::parse(&partner_text, Format::Toml, "partner")
        .map_err(|e| format!("the partner does not load: {e}"))?;
    let report = score(&rules, &partner).map_err(|e| format!("scoring failed: {e}"))?;
    let d = &report.designations[0];
    let m = &d.metrics[0];
    let evidence = serde_json::to_value(&m.evidence).unwrap_or(Json::Null);
    let warnings = report.warnings.iter().map(|w| format!("{}: {}", w.field, w.message)).collect();
    let data_gaps =
        report.data_gaps.iter().map(|g| format!("{}: {}", g.measure, g.months_missing.join(", "))).collect();
    Ok(Scored {
        points: m.points,
        evidence,
        path: d.path.clone(),
        path_reason: d.path_reason.clone(),
        warnings,
        data_gaps,
    })
}

/// Where `expected` (a subset) differs from `got`, as `path: expected …, found …`.
fn subset_mismatch(expected: &Json, got: &Json, at: &str) -> Option<String> {
    match (expected, got) {
        (Json::Object(e), Json::Object(g)) => e.iter().find_map(|(k, v)| match g.get(k) {
            Some(gv) => subset_mismatch(v, gv, &format!("{at}.{k}")),
            None => Some(format!("{at}.{k}: expected {v}, found nothing")),
        }),
        (Json::Array(e), Json::Array(g)) if e.len() == g.len() => {
            e.iter().zip(g).enumerate().find_map(|(i, (ev, gv))| subset_mismatch(ev, gv, &format!("{at}[{i}]")))
        }
        (Json::Number(e), Json::Number(g))
            if e.to_string().parse::<Decimal>().ok() == g.to_string().parse::<Decimal>().ok() =>
        {
            None
        }
        (e, g) if e == g => None,
        (e, g) => Some(format!("{at}: expected {e}, found {g}")),
    }
}

/// Runs one case file; `Err` says what differs.
fn run(file: &Path, kind: &str, scratch: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(file).map_err(|e| e.to_string())?;
    let case: Table = toml::from_str(&text).map_err(|e| format!("not a case: {e}"))?;
    for key in case.keys() {
        let known = [
            "about",
            "program",
            "certifications",
            "catalogue",
            "products",
            "scripts",
            "path_rule",
            "metric",
            "partner",
            "expect",
        ];
        if !known.contains(&key.as_str()) {
            return Err(format!("unknown key `{key}` (a case takes: {})", known.join(", ")));
        }
    }
    if case.get("about").and_then(Value::as_str).is_none_or(str::is_empty) {
        return Err("missing `about`: say what the case pins and which change of the engine it catches".into());
    }
    let metric = table(&case, "metric")?;
    let expect = table(&case, "expect")?;
    if kind != "path-tests" && metric.get("kind").and_then(Value::as_str) != Some(kind) {
        return Err(format!("the metric's kind is not \"{kind}\", the folder it is in"));
    }
    let version = "kind-case";
    let Scored { points, evidence, path, path_reason, warnings, data_gaps } =
        score_case(scratch, version, &case, metric)?;
    let mut problems = Vec::new();
    let want = decimal(expect.get("points").ok_or("[expect] needs `points`")?)?;
    if points != want {
        problems.push(format!("points: expected {want}, found {points}"));
    }
    if let Some(units) = expect.get("units") {
        let want = decimal(units)?;
        // The same metric, every unit worth one point and nothing capped: its points are its units.
        let mut counting = metric.clone();
        let mut per_unit = Table::new();
        per_unit.insert("per_unit".into(), 1.into());
        counting.insert("points".into(), per_unit.into());
        counting.insert("max_points".into(), Value::Integer(1_000_000_000));
        let units = score_case(scratch, version, &case, &counting).map_err(|e| format!("counting units: {e}"))?.points;
        if units != want {
            problems.push(format!("units: expected {want}, found {units}"));
        }
    }
    if let Some(want) = expect.get("warnings").and_then(Value::as_array) {
        let want: Vec<&str> = want.iter().filter_map(Value::as_str).collect();
        if warnings != want {
            problems.push(format!("warnings: expected {want:?}, found {warnings:?}"));
        }
    }
    if let Some(want) = expect.get("data_gaps").and_then(Value::as_array) {
        let want: Vec<&str> = want.iter().filter_map(Value::as_str).collect();
        if data_gaps != want {
            problems.push(format!("data_gaps: expected {want:?}, found {data_gaps:?}"));
        }
    }
    if let Some(want) = expect.get("path").and_then(Value::as_str) {
        if path != want {
            problems.push(format!("path: expected {want}, found {path} ({path_reason})"));
        }
    }
    if let Some(want) = expect.get("path_reason").and_then(Value::as_str) {
        if !path_reason.contains(want) {
            problems.push(format!("path_reason: expected it to contain {want:?}, found {path_reason:?}"));
        }
    }
    if let Some(expected) = expect.get("evidence") {
        let expected = serde_json::to_value(expected).map_err(|e| e.to_string())?;
        if let Some(m) = subset_mismatch(&expected, &evidence, "evidence") {
            problems.push(m);
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

// Issue 12: every kind's cases, run one by one; the failures name their case files.
#[test]
fn every_kind_case_scores_as_expected() {
    let scratch = common::scratch("kinds");
    let mut failures = Vec::new();
    let mut ran = 0;
    for kind in KINDS {
        let dir = cases_dir().join(kind);
        let mut files: Vec<PathBuf> =
            std::fs::read_dir(&dir).map(|entries| entries.map(|e| e.unwrap().path()).collect()).unwrap_or_default();
        files.retain(|f| f.extension().is_some_and(|e| e == "toml"));
        files.sort();
        if files.is_empty() {
            failures.push(format!("tests/kinds/{kind}: no case"));
        }
        for file in files {
            ran += 1;
            let name = file.strip_prefix(cases_dir()).unwrap().display().to_string();
            if let Err(e) = run(&file, kind, &scratch) {
                failures.push(format!("[tests/kinds/{name}] {e}"));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {ran} kind cases failed:\n{}", failures.len(), failures.join("\n"));
}

// Issue 12: a folder under tests/kinds that is no kind would be skipped silently.
#[test]
fn every_case_folder_is_a_kind() {
    for entry in std::fs::read_dir(cases_dir()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(KINDS.contains(&name.as_str()), "tests/kinds/{name} is not a metric kind: {}", KINDS.join(", "));
    }
}
