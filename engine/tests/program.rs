//! Program-level rules decided from rule data, on small rule sets written in memory: which path of a `best-total`
//! designation wins (`best_by`), the qualification window (`[qualification] window_months`) and the enrollment
//! track (`enrollment_prefers`).
//!
//! Issue 13: each of these was either hard-coded in the evaluator (a qualifying path first) or absent (the window,
//! the enrollment track); the tests pin what the rule keys decide, case by case.

use std::collections::BTreeMap;

use designate_engine::report::WindowMonth;
use designate_engine::rules::RuleSource;
use designate_engine::{score, score_by, Format, Partner, RuleSet};

/// A rule set of one designation `d` with paths `a` and `b`: `a` counts products of `acr` (15 points each, at
/// most 2) and of `seats` (10 each, at most 3), `b` counts products of `acr` (10 each, at most 6). 20 points and
/// 1 in every metric attain. `program_extra` is appended to program.toml, `selection` is the designation's
/// `path_selection`.
fn rules(program_extra: &str, selection: &str) -> RuleSet {
    version("t", "effective_from = \"2020-01\"", program_extra, selection)
}

/// [`rules`] as version `name` with its effective range (`range`: the program.toml lines). `program_extra` goes
/// right after the `[qualification]` keys, so it may add one (`window_months`) before any table.
fn version(name: &str, range: &str, program_extra: &str, selection: &str) -> RuleSet {
    let program = format!(
        r#"version = "{name}"
title = "program test"
{range}
[qualification]
min_total = 20
min_each_metric = 1
{program_extra}
[selections.acr]
measure = "acr_usd"
[selections.seats]
measure = "paid_seats"
"#
    );
    let designation = format!(
        r#"id = "d"
name = "D"
max_points = 60
path_selection = {selection}
[[paths.a.metrics]]
id = "x"
category = "performance"
max_points = 30
kind = "distinct-products"
selection = "acr"
window_months = 1
points = {{ per_unit = 15, max_units = 2 }}
[[paths.a.metrics]]
id = "y"
category = "skilling"
max_points = 30
kind = "distinct-products"
selection = "seats"
window_months = 1
points = {{ per_unit = 10, max_units = 3 }}
[[paths.b.metrics]]
id = "x"
category = "performance"
max_points = 60
kind = "distinct-products"
selection = "acr"
window_months = 1
points = {{ per_unit = 10, max_units = 6 }}
"#
    );
    let files = BTreeMap::from([
        ("program.toml".to_owned(), program.into_bytes()),
        ("designations/d.toml".to_owned(), designation.into_bytes()),
    ]);
    RuleSet::from_source(&RuleSource::Files { root: name.into(), files }).unwrap_or_else(|errors| {
        panic!("rules do not load:\n{}", errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))
    })
}

/// A partner at `as_of` with one customer using each `(month, product, measure)`.
fn partner(as_of: &str, usage: &[(&str, &str, &str)], extra: &str) -> Partner {
    let rows: Vec<String> = usage
        .iter()
        .map(|(month, product, measure)| {
            format!(
                r#"{{"customer": "c", "month": "{month}", "product": "{product}", "measure": "{measure}", "value": 1}}"#
            )
        })
        .collect();
    let text = format!(r#"{{"partner": {{"id": "p"}}, "as_of": "{as_of}", "usage": [{}]{extra}}}"#, rows.join(", "));
    Partner::parse(&text, Format::Json, "p.json").unwrap()
}

// Issue 13: `best_by` decides between a higher unqualified total and a lower qualifying one; before, the engine
// always put a qualifying path first whatever the rule file said.
#[test]
fn best_by_points_and_qualified_then_points_pick_different_paths() {
    // Two acr products: path a has 30 points but 0 in `y` (not attained), path b has 20 and attains.
    let p = partner("2024-06", &[("2024-06", "P1", "acr_usd"), ("2024-06", "P2", "acr_usd")], "");

    let by_points = score(&rules("", r#"{ method = "best-total", best_by = "points" }"#), &p).unwrap();
    let d = &by_points.designations[0];
    assert_eq!((d.path.as_str(), d.points.to_string().as_str(), d.qualified), ("a", "30", false));
    assert_eq!(d.path_reason, r#"a wins, higher total (best_by "points"): every path is scored: a 30, b 20"#);

    // `points` is the default.
    let default = score(&rules("", r#"{ method = "best-total" }"#), &p).unwrap();
    assert_eq!(default.designations[0].path, "a");

    let qualified_first = score(&rules("", r#"{ method = "best-total", best_by = "qualified-then-points" }"#), &p);
    let d = &qualified_first.unwrap().designations[0];
    assert_eq!((d.path.as_str(), d.points.to_string().as_str(), d.qualified), ("b", "20", true));
    assert_eq!(
        d.path_reason,
        r#"b wins, a qualifying path first (best_by "qualified-then-points"): every path is scored: a 30, b 20 (attained)"#
    );
}

// Issue 13: equal totals go to the path listed first, and the reason says so.
#[test]
fn best_by_a_tie_goes_to_the_path_listed_first() {
    // Three acr products and no seats: a = 30 (not attained), b = 30 (attained): a tie by points.
    let usage = [("2024-06", "P1", "acr_usd"), ("2024-06", "P2", "acr_usd"), ("2024-06", "P3", "acr_usd")];
    let d = score(&rules("", r#"{ method = "best-total" }"#), &partner("2024-06", &usage, "")).unwrap();
    let d = &d.designations[0];
    assert_eq!(d.path, "a");
    assert!(d.path_reason.starts_with("a wins, tie: the path listed first"), "{}", d.path_reason);
}

/// A window month as `(month, version, path, points, qualified)`, to compare whole windows in one assertion.
fn months(window: &[WindowMonth]) -> Vec<(String, Option<String>, Option<String>, Option<String>, bool)> {
    window
        .iter()
        .map(|w| (w.month.clone(), w.version.clone(), w.path.clone(), w.points.map(|p| p.0.to_string()), w.qualified))
        .collect()
}

fn month(
    m: &str,
    v: Option<&str>,
    path: Option<&str>,
    points: Option<&str>,
    q: bool,
) -> (String, Option<String>, Option<String>, Option<String>, bool) {
    (m.to_owned(), v.map(str::to_owned), path.map(str::to_owned), points.map(str::to_owned), q)
}

const QUALIFIED_FIRST: &str = r#"{ method = "best-total", best_by = "qualified-then-points" }"#;

// Issue 13: a designation qualifying in an earlier month of the window (as_of − 2 here) is attained in the window,
// and the held designations and badges follow the window, while the top-level points stay as_of's.
#[test]
fn a_month_of_the_window_that_qualifies_attains_the_designation_in_the_window() {
    let extra = "window_months = 3\n[[badges]]\nid = \"b\"\nname = \"B\"\nrequires_any = [\"d\"]";
    let rules = rules(extra, QUALIFIED_FIRST);
    // Two products in 2024-04 only: b attains there (20 points); 2024-05 and 2024-06 score nothing.
    let p = partner("2024-06", &[("2024-04", "P1", "acr_usd"), ("2024-04", "P2", "acr_usd")], "");
    let report = score(&rules, &p).unwrap();
    let d = &report.designations[0];
    assert_eq!((d.path.as_str(), d.points.to_string().as_str(), d.qualified), ("a", "0", false));
    assert!(d.qualified_in_window);
    assert_eq!(
        months(&d.window),
        [
            month("2024-04", Some("t"), Some("b"), Some("20"), true),
            month("2024-05", Some("t"), Some("a"), Some("0"), false),
            month("2024-06", Some("t"), Some("a"), Some("0"), false),
        ]
    );
    let program = report.program.unwrap();
    assert!(program.held[0].held);
    assert_eq!(program.held[0].reason, "the score qualifies in 2024-04 of the qualification window");
    assert!(program.badges[0].held);

    // Out of the window (as_of − 3), the month no longer counts.
    let later = partner("2024-07", &[("2024-04", "P1", "acr_usd"), ("2024-04", "P2", "acr_usd")], "");
    let d = &score(&rules, &later).unwrap().designations[0];
    assert!(!d.qualified_in_window);
    assert_eq!(d.window.len(), 3);
}

// Issue 13: without window_months the window is as_of alone, and nothing else changes.
#[test]
fn the_window_defaults_to_as_of_alone() {
    let p = partner("2024-06", &[("2024-04", "P1", "acr_usd"), ("2024-04", "P2", "acr_usd")], "");
    let d = &score(&rules("", QUALIFIED_FIRST), &p).unwrap().designations[0];
    assert!(!d.qualified_in_window);
    assert_eq!(months(&d.window), [month("2024-06", Some("t"), Some("a"), Some("0"), false)]);
}

// Issue 13: with several versions each month of the window is scored by the version in force then, and a month
// no version covers has no path or points.
#[test]
fn each_month_of_the_window_is_scored_by_the_version_in_force_then() {
    // `old` (to 2024-04) and `new` (from 2024-05): the same rules, so each month names the version that scored it.
    let old = version(
        "old",
        "effective_from = \"2020-01\"\neffective_until = \"2024-04\"",
        "window_months = 3",
        QUALIFIED_FIRST,
    );
    let new = version("new", "effective_from = \"2024-05\"", "window_months = 3", QUALIFIED_FIRST);
    let usage = [("2024-04", "P1", "acr_usd"), ("2024-04", "P2", "acr_usd"), ("2024-05", "P1", "acr_usd")];
    let p = partner("2024-06", &usage, "");
    let report = score_by([old, new].as_slice(), &p).unwrap();
    assert_eq!(report.rules.version, "new");
    assert_eq!(
        months(&report.designations[0].window),
        [
            month("2024-04", Some("old"), Some("b"), Some("20"), true),
            month("2024-05", Some("new"), Some("a"), Some("15"), false),
            month("2024-06", Some("new"), Some("a"), Some("0"), false),
        ]
    );

    // Only `new`: 2024-04 has no version.
    let new = version("new", "effective_from = \"2024-05\"", "window_months = 3", QUALIFIED_FIRST);
    let report = score_by(std::slice::from_ref(&new), &p).unwrap();
    let d = &report.designations[0];
    assert_eq!(months(&d.window)[0], month("2024-04", None, None, None, false));
    assert!(!d.qualified_in_window);

    // No version at as_of: a located error.
    let early = partner("2024-01", &[], "");
    let error = score_by(std::slice::from_ref(&new), &early).unwrap_err();
    assert_eq!(error.to_string(), "p.json: as_of: no rule version applies to as_of 2024-01");
}
