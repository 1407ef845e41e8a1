//! Program-level rules decided from rule data, on small rule sets written in memory: which path of a `best-total`
//! designation wins (`best_by`), the qualification window (`[qualification] window_months`) and the enrollment
//! track (`enrollment_prefers`).
//!
//! Issue 13: each of these was either hard-coded in the evaluator (a qualifying path first) or absent (the window,
//! the enrollment track); the tests pin what the rule keys decide, case by case.

use std::collections::BTreeMap;

use designate_engine::rules::RuleSource;
use designate_engine::{score, Format, Partner, RuleSet};

/// A rule set of one designation `d` with paths `a` and `b`: `a` counts products of `acr` (15 points each, at
/// most 2) and of `seats` (10 each, at most 3), `b` counts products of `acr` (10 each, at most 6). 20 points and
/// 1 in every metric attain. `program_extra` is appended to program.toml, `selection` is the designation's
/// `path_selection`.
fn rules(program_extra: &str, selection: &str) -> RuleSet {
    let program = format!(
        r#"version = "t"
title = "program test"
effective_from = "2020-01"
[qualification]
min_total = 20
min_each_metric = 1
[selections.acr]
measure = "acr_usd"
[selections.seats]
measure = "paid_seats"
{program_extra}
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
    RuleSet::from_source(&RuleSource::Files { root: "t".into(), files }).unwrap_or_else(|errors| {
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
