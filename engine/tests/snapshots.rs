//! Example partners scored under every shipped rule version, pinned as snapshots in `snapshots/reports/`,
//! and the rule tests beside the rules (`rules/<version>/tests/*.toml`, the exact points the worked examples
//! earn), run through `designate_engine::rule_tests` as `designate test` runs them.
//!
//! Each partner file under `snapshots/partners/` gets one snapshot per rule version, named
//! `<partner>@<version>`, in the YAML that `designate score --format yaml` prints.

mod common;

use common::workspace;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::OnceLock;

use designate_engine::partner::PartnerFile;
use designate_engine::{rule_tests, score, Format, Partner, RuleSet};

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

/// Issue 14: the worked examples live beside the rules (`rules/<version>/tests/*.toml`) and `cargo test` runs
/// them through the same code as `designate test` (`designate_engine::rule_tests`): every case of every shipped
/// version passes, and there are as many as were moved from `snapshots/expectations*.toml` (319) or more.
#[test]
fn shipped_rule_tests_pass() {
    let mut cases = 0;
    let mut failures = Vec::new();
    for rules in rule_sets().values() {
        let outcomes = rule_tests::run_rule_set(rules).unwrap_or_else(|errors| {
            panic!(
                "rule tests of {} do not load:\n{}",
                rules.version,
                errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n")
            )
        });
        for file in &outcomes {
            for case in &file.cases {
                cases += 1;
                if let Some(error) = &case.error {
                    failures.push(format!("[{}:{}] {}: {error}", file.file, case.line, case.name));
                }
                for check in case.checks.iter().filter(|c| !c.passed) {
                    let got = check.got.as_ref().map_or("nothing".to_owned(), ToString::to_string);
                    failures.push(format!(
                        "[{}:{}] {}: {} expected {}, got {got}\n    {}",
                        file.file,
                        check.line,
                        case.name,
                        check.subject,
                        check.expected,
                        check.evidence.join("\n    ")
                    ));
                }
            }
        }
    }
    assert!(cases >= 319, "only {cases} rule test cases found");
    assert!(failures.is_empty(), "{} check(s) failed:\n{}", failures.len(), failures.join("\n"));
}

/// Issue 14: every shipped version has at least one case for every (designation, path) pair it defines, the path
/// being the one the case's partner was scored on.
#[test]
fn every_designation_path_of_every_version_has_a_rule_test() {
    let mut missing = Vec::new();
    for rules in rule_sets().values() {
        let outcomes = rule_tests::run_rule_set(rules).unwrap_or_else(|e| panic!("{}: {e:?}", rules.version));
        let covered: BTreeSet<(String, String)> =
            outcomes.iter().flat_map(|f| &f.cases).flat_map(|c| c.paths.iter().cloned()).collect();
        for d in &rules.designations {
            for p in &d.paths {
                if !covered.contains(&(d.id.clone(), p.id.clone())) {
                    missing.push(format!("{}: {} on path {}", rules.version, d.id, p.id));
                }
            }
        }
    }
    assert!(missing.is_empty(), "no rule test case for:\n{}", missing.join("\n"));
}

/// Issue 16: `coverage` changes no score. Every example partner under every version, given coverage of every measure
/// over all its months, scores to the same report byte for byte (no `data_gaps`); without protected users (in no
/// Partner Center export), the metrics that read them are listed in `data_gaps` with their points those of the data
/// there is, and no other metric is: Security's usage growth and deployments under 2024-06 among them.
#[test]
fn coverage_changes_no_score_and_lists_each_metric_lacking_data() {
    use designate_engine::partner::{Coverage, Measure};
    let dir = workspace().join("snapshots/partners");
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(&dir).expect("snapshots/partners").map(|e| e.unwrap().path()).collect();
    files.sort();
    let mut security_gaps = BTreeSet::new();
    for path in files {
        let partner = Partner::load(&path).unwrap_or_else(|e| panic!("{e}"));
        let all =
            |m: Measure| Coverage { measure: m, from: partner.as_of.offset(-120), to: partner.as_of, source: None };
        let mut full = partner.clone();
        full.coverage = Some(Measure::ALL.iter().map(|m| all(*m)).collect());
        let mut lacking = partner.clone();
        lacking.usage.retain(|r| r.measure != Measure::ProtectedUsers);
        let without_rows = lacking.clone();
        lacking.coverage =
            Some(Measure::ALL.iter().filter(|m| **m != Measure::ProtectedUsers).map(|m| all(*m)).collect());
        for (version, rules) in rule_sets() {
            let at = format!("{} @ {version}", path.display());
            let base = score(rules, &partner).unwrap_or_else(|e| panic!("{at}: {e}"));
            let covered = score(rules, &full).unwrap_or_else(|e| panic!("{at}: {e}"));
            assert_eq!(covered.to_yaml(), base.to_yaml(), "{at}: full coverage changed the report");
            let gapped = score(rules, &lacking).unwrap_or_else(|e| panic!("{at}: {e}"));
            let plain = score(rules, &without_rows).unwrap_or_else(|e| panic!("{at}: {e}"));
            for (g, p) in gapped.designations.iter().zip(&plain.designations) {
                assert_eq!(g.points, p.points, "{at}: {} scored otherwise with a gap", g.id);
            }
            for gap in &gapped.data_gaps {
                assert_eq!(gap.measure, "protected_users", "{at}: {gap:?}");
                assert!(gap.message.starts_with("protected_users is not in the data"), "{at}: {}", gap.message);
                if version == "2024-06" && gap.designation == "security" {
                    security_gaps.insert(gap.metric.clone());
                }
            }
            // Each metric with `missing` evidence is in `data_gaps`, and only those.
            let missing: BTreeSet<(String, String)> = gapped
                .designations
                .iter()
                .flat_map(|d| d.metrics.iter().map(move |m| (d, m)))
                .filter(|(_, m)| m.evidence.as_ref().is_some_and(|e| !e.missing.is_empty()))
                .map(|(d, m)| (d.id.clone(), m.id.clone()))
                .collect();
            let listed: BTreeSet<(String, String)> =
                gapped.data_gaps.iter().map(|g| (g.designation.clone(), g.metric.clone())).collect();
            assert_eq!(missing, listed, "{at}");
        }
    }
    assert_eq!(
        security_gaps,
        BTreeSet::from(["deployments".to_owned(), "usage-growth".to_owned()]),
        "Security's metrics reading protected users"
    );
}
