//! Example partners scored under every shipped rule version, pinned as snapshots in `snapshots/reports/`,
//! and the exact points `snapshots/expectations.toml` and `snapshots/expectations/*.toml` state for them.
//!
//! Each partner file under `snapshots/partners/` gets one snapshot per rule version, named
//! `<partner>@<version>`, in the YAML that `designate score --format yaml` prints.

mod common;

use common::workspace;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use designate_engine::partner::PartnerFile;
use designate_engine::{score, Format, Partner, RuleSet};
use rust_decimal::Decimal;
use serde::Deserialize;

/// Every shipped rule version, loaded once.
fn rule_sets() -> &'static BTreeMap<String, RuleSet> {
    static SETS: OnceLock<BTreeMap<String, RuleSet>> = OnceLock::new();
    SETS.get_or_init(|| {
        let root = workspace().join("rules");
        let mut sets = BTreeMap::new();
        for entry in std::fs::read_dir(&root).expect("rules/ exists") {
            let dir = entry.expect("readable").path();
            if dir.join("program.toml").is_file() {
                let set = RuleSet::load(&dir).unwrap_or_else(|errors| {
                    panic!(
                        "shipped rules {} do not load:\n{}",
                        dir.display(),
                        errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n")
                    )
                });
                sets.insert(set.version.clone(), set);
            }
        }
        sets
    })
}

/// Issue 12: one partner-file type reads and writes the shape. Every example partner, written back through
/// `PartnerFile` and read again, is the same partner (its origin aside) and scores identically under every version.
#[test]
fn every_example_partner_round_trips_through_the_file_shape() {
    let dir = workspace().join("snapshots/partners");
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(&dir).expect("snapshots/partners").map(|e| e.unwrap().path()).collect();
    files.sort();
    let mut checked = 0;
    for path in files {
        let Ok(partner) = Partner::load(&path) else { continue };
        let written = PartnerFile::from(&partner).to_json_pretty();
        let again = Partner::parse(&written, Format::Json, &partner.origin)
            .unwrap_or_else(|e| panic!("{}: the written partner does not read back: {e}\n{written}", path.display()));
        assert_eq!(again, partner, "{}: a different partner after writing and reading", path.display());
        // Reading the written file straight into the file type gives the same file.
        let file: PartnerFile = serde_json::from_str(&written).unwrap();
        assert_eq!(file, PartnerFile::from(&partner), "{}", path.display());
        for (version, rules) in rule_sets() {
            let (a, b) = (score(rules, &partner), score(rules, &again));
            match (a, b) {
                (Ok(a), Ok(b)) => assert_eq!(a.to_yaml(), b.to_yaml(), "{} @ {version}", path.display()),
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{} @ {version}", path.display()),
                (a, b) => panic!("{} @ {version}: {:?} then {:?}", path.display(), a.is_ok(), b.is_ok()),
            }
        }
        checked += 1;
    }
    assert!(checked >= 50, "only {checked} example partners read");
}

#[test]
fn every_example_partner_under_every_rule_version() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(workspace().join("snapshots/reports"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        insta::glob!("../../snapshots/partners", "*.{yaml,yml,json,toml}", |path| {
            let partner = Partner::load(path).unwrap_or_else(|e| panic!("{e}"));
            let stem = path.file_stem().unwrap().to_string_lossy();
            // The snapshot name already says which partner it is: no file-name suffix.
            let mut named = insta::Settings::clone_current();
            named.remove_snapshot_suffix();
            named.bind(|| {
                for (version, rules) in rule_sets() {
                    let report = score(rules, &partner).unwrap_or_else(|e| panic!("{e}"));
                    insta::assert_snapshot!(format!("{stem}@{version}"), report.to_yaml());
                }
            });
        });
    });
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expectations {
    case: Vec<Case>,
}

/// One expected fact: a partner, a rule version, and a designation's points (a metric's, one part's of a combined
/// metric, or the total), path, qualification, window verdict and held status; or, with `badge`, whether a badge of
/// the program status is held. Issue 13: `part`, `qualified_in_window`, `held` and `badge` pin the 2026-07 examples.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    partner: String,
    rules: String,
    #[serde(default)]
    designation: Option<String>,
    /// A metric id; the designation's total when absent.
    #[serde(default)]
    metric: Option<String>,
    /// A part of the combined `metric`: its own points (each option of a "best" metric has them).
    #[serde(default)]
    part: Option<String>,
    #[serde(default)]
    points: Option<String>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    qualified: Option<bool>,
    #[serde(default)]
    qualified_in_window: Option<bool>,
    /// Whether the designation (or, with `badge`, the badge) is held in the report's program status.
    #[serde(default)]
    held: Option<bool>,
    #[serde(default)]
    badge: Option<String>,
}

#[test]
fn expected_points_hold() {
    let mut files = vec![workspace().join("snapshots/expectations.toml")];
    if let Ok(dir) = std::fs::read_dir(workspace().join("snapshots/expectations")) {
        let mut more: Vec<PathBuf> = dir
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        more.sort();
        files.extend(more);
    }
    let mut cases = Vec::new();
    for file in files.iter().filter(|f| f.is_file()) {
        let text = std::fs::read_to_string(file).expect("readable expectations");
        let expectations: Expectations = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        cases.extend(expectations.case.into_iter().map(|c| (name.clone(), c)));
    }
    assert!(cases.len() >= 10, "only {} expectation cases found", cases.len());
    let mut failures = Vec::new();
    for (file, case) in &cases {
        let at = format!("[{file}:{}]", case.name);
        let path = workspace().join("snapshots/partners").join(&case.partner);
        let partner = Partner::load(&path).unwrap_or_else(|e| panic!("{at} {e}"));
        let rules = rule_sets().get(&case.rules).unwrap_or_else(|| panic!("{at} no rule version {}", case.rules));
        let report = score(rules, &partner).unwrap_or_else(|e| panic!("{at} {e}"));
        if let Some(badge) = &case.badge {
            let held = case.held.unwrap_or_else(|| panic!("{at} a badge case states `held`"));
            let status = report.program.as_ref().and_then(|p| p.badges.iter().find(|b| &b.id == badge));
            let status = status.unwrap_or_else(|| panic!("{at} no badge {badge}"));
            if status.held != held {
                failures.push(format!("{at} expected badge {badge} held = {held}, missing {:?}", status.missing));
            }
            continue;
        }
        let id = case.designation.as_ref().unwrap_or_else(|| panic!("{at} names no designation"));
        let d = report.designations.iter().find(|d| &d.id == id).unwrap_or_else(|| panic!("{at} no designation {id}"));
        let checks = [case.points.is_some(), case.path.is_some(), case.qualified.is_some()];
        let more = [case.qualified_in_window.is_some(), case.held.is_some()];
        assert!(checks.iter().chain(&more).any(|c| *c), "{at} checks nothing");
        let metric = case
            .metric
            .as_ref()
            .map(|m| d.metrics.iter().find(|x| &x.id == m).unwrap_or_else(|| panic!("{at} no metric {m}")));
        if let Some(points) = &case.points {
            let expected: Decimal = points.parse().unwrap_or_else(|_| panic!("{at} bad points {points}"));
            let actual = match (metric, &case.part) {
                (None, _) => d.points,
                (Some(m), None) => m.points,
                (Some(m), Some(part)) => {
                    let parts = m.evidence.as_ref().map(|e| e.parts.as_slice()).unwrap_or_default();
                    let p = parts.iter().find(|p| &p.id == part).unwrap_or_else(|| panic!("{at} no part {part}"));
                    p.evidence.points.as_ref().unwrap_or_else(|| panic!("{at} part {part} has no points")).points
                }
            };
            if actual != expected {
                let why = metric.map(|x| x.explanation.clone()).unwrap_or_else(|| d.qualification.clone());
                failures.push(format!("{at} expected {expected} points, got {actual}\n    {why}"));
            }
        }
        if let Some(p) = &case.path {
            if &d.path != p {
                failures.push(format!("{at} expected path {p}, got {} ({})", d.path, d.path_reason));
            }
        }
        if let Some(q) = case.qualified {
            if d.qualified != q {
                failures.push(format!("{at} expected qualified = {q}, got {} ({})", d.qualified, d.qualification));
            }
        }
        if let Some(q) = case.qualified_in_window {
            // Read as the report's field, in the shape `score --format json` prints.
            let actual = serde_json::to_value(d).unwrap()["qualified_in_window"].as_bool();
            if actual != Some(q) {
                failures.push(format!("{at} expected qualified_in_window = {q}, got {actual:?}"));
            }
        }
        if let Some(h) = case.held {
            let status = report.program.as_ref().and_then(|p| p.held.iter().find(|x| &x.id == id));
            let status = status.unwrap_or_else(|| panic!("{at} no held status for {id}"));
            if status.held != h {
                failures.push(format!("{at} expected held = {h}, got {} ({})", status.held, status.reason));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}
