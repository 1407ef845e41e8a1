//! Property tests of the scoring engine over synthetic partners and the shipped rule sets (`rules/2023-07` and
//! `rules/2024-06`): points stay within their bounds and add up, qualification follows the rules' bar and is
//! decided exactly at it, adding a certified person or an eligible customer never lowers a metric,
//! certifications past their retirement grace count for nothing, scoring is deterministic and blind to the
//! order of usage rows and to other partners, and points are written as exact decimals.
//!
//! Partners come from the deterministic generator (`designate_engine::generate::partner(rules, i, seed, as_of)`), so a
//! strategy only picks `(i, seed, as_of)` and a mutation of the partner JSON; a failure names the case (rule
//! version, index, seed, as_of) so it can be replayed with the generator alone. No failure files are written.

use std::fmt;
use std::path::Path;
use std::sync::{Mutex, OnceLock};

use designate_engine::report::DesignationResult;
use designate_engine::rules::{BestBy, PathSelection};
use designate_engine::value::Month;
use designate_engine::{generate, score, Format, Partner, RuleSet, ScoreReport};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::TestCaseError;
use rust_decimal::Decimal;
use serde_json::{json, Value};

const VERSIONS: [&str; 2] = ["2023-07", "2024-06"];

/// The shipped rule set `VERSIONS[v]`, loaded once per test binary.
fn rules(v: usize) -> &'static RuleSet {
    static SETS: [OnceLock<RuleSet>; 2] = [OnceLock::new(), OnceLock::new()];
    SETS[v].get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules").join(VERSIONS[v]);
        RuleSet::load(&dir).unwrap_or_else(|errors| {
            panic!(
                "shipped rules {} do not load:\n{}",
                dir.display(),
                errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n")
            )
        })
    })
}

fn month(text: &str) -> Month {
    text.parse().expect("a valid month")
}

/// One generated partner scored under one rule version.
#[derive(Clone)]
struct Case {
    version: usize,
    i: usize,
    seed: u64,
    as_of: Month,
}

impl fmt::Debug for Case {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "rules {}, generate::partner(rules, {}, {}, {}) = p-{:06}",
            VERSIONS[self.version],
            self.i,
            self.seed,
            self.as_of,
            self.i + 1
        )
    }
}

impl Case {
    fn rules(&self) -> &'static RuleSet {
        rules(self.version)
    }

    fn json(&self) -> Value {
        // The generator reads the rule set it generates for (issue 12): a partner of each version exercises it.
        generate::partner(self.rules(), self.i, self.seed, self.as_of).to_json_value()
    }
}

/// Partners `0..300` of any seed, evaluated at `first` or up to `span` months later, under either rule version.
fn case(first: &'static str, span: i32) -> impl Strategy<Value = Case> {
    (0..VERSIONS.len(), 0..300usize, any::<u64>(), 0..=span).prop_map(move |(version, i, seed, k)| Case {
        version,
        i,
        seed,
        as_of: month(first).offset(k),
    })
}

fn stated_path() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just("smb"), Just("enterprise")]
}

/// `cases` cases (or `PROPTEST_CASES` when set, for a longer hunt), with no failure files written.
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(cases);
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

fn parse(c: &Case, json: &Value) -> Partner {
    Partner::parse(&json.to_string(), Format::Json, "prop").unwrap_or_else(|e| panic!("{c:?}: does not parse: {e}"))
}

fn score_json(c: &Case, json: &Value) -> ScoreReport {
    score(c.rules(), &parse(c, json)).unwrap_or_else(|e| panic!("{c:?}: scoring failed: {e}"))
}

/// A date `months_back` months before `as_of`, on day `day` (1–28).
fn date_before(as_of: Month, months_back: i32, day: u32) -> String {
    format!("{}-{day:02}", as_of.offset(-months_back))
}

fn metric_line(d: &DesignationResult) -> String {
    d.metrics.iter().map(|m| format!("{} {}/{}", m.id, m.points, m.max_points)).collect::<Vec<_>>().join(", ")
}

/// After a change that can only help (a person or a customer more), no metric of a designation scored on the same
/// path has fewer points, and no designation total drops or loses its qualification.
///
/// Best-total designations (Modern Work) may switch path, and the rule ranks paths by (qualified, points): a path that
/// newly qualifies wins over a higher unqualified total, so their total may legitimately drop (say 90 unqualified on
/// one track to 70 qualified on the other). For them the pair (qualified, points) must not drop; per-metric
/// points are compared only when the same path was chosen both times.
fn check_not_lower(c: &Case, change: &str, before: &ScoreReport, after: &ScoreReport) -> Result<(), TestCaseError> {
    let rules = c.rules();
    prop_assert_eq!(before.designations.len(), after.designations.len());
    for (k, d) in rules.designations.iter().enumerate() {
        let (b, a) = (&before.designations[k], &after.designations[k]);
        prop_assert_eq!(&b.id, &d.id);
        let best_total = matches!(d.path_selection, PathSelection::BestTotal(_));
        // Ranked by points alone, the total cannot drop; ranked qualified first, the pair cannot.
        let qualified_first = matches!(d.path_selection, PathSelection::BestTotal(BestBy::QualifiedThenPoints));
        if best_total {
            prop_assert!(
                (a.qualified && qualified_first, a.points) >= (b.qualified && qualified_first, b.points),
                "{:?}: {}: {} went from (qualified {}, {} points on {}) to (qualified {}, {} points on {})",
                c,
                change,
                d.id,
                b.qualified,
                b.points,
                b.path,
                a.qualified,
                a.points,
                a.path
            );
        } else {
            prop_assert!(
                a.points >= b.points && (a.qualified || !b.qualified),
                "{:?}: {}: {} dropped from {} (qualified {}) to {} (qualified {}) on path {}",
                c,
                change,
                d.id,
                b.points,
                b.qualified,
                a.points,
                a.qualified,
                a.path
            );
        }
        if a.path != b.path {
            prop_assert!(
                best_total,
                "{:?}: {}: {} changed path from {} to {} although the partner states its path ({} / {})",
                c,
                change,
                d.id,
                b.path,
                a.path,
                b.path_reason,
                a.path_reason
            );
            continue;
        }
        for (mb, ma) in b.metrics.iter().zip(&a.metrics) {
            prop_assert_eq!(&mb.id, &ma.id);
            prop_assert!(
                ma.points >= mb.points,
                "{:?}: {}: {} / {} (path {}) dropped from {} to {}\n  before: {}\n  after:  {}",
                c,
                change,
                d.id,
                mb.id,
                a.path,
                mb.points,
                ma.points,
                mb.explanation,
                ma.explanation
            );
        }
    }
    Ok(())
}

/// One designation's id, path, points, qualification and metric points.
type Points = (String, String, Decimal, bool, Vec<(String, Decimal)>);

/// Designation paths and every points value, for comparing two reports whose explanations may differ.
fn points_of(report: &ScoreReport) -> Vec<Points> {
    report
        .designations
        .iter()
        .map(|d| {
            (
                d.id.clone(),
                d.path.clone(),
                d.points,
                d.qualified,
                d.metrics.iter().map(|m| (m.id.clone(), m.points)).collect(),
            )
        })
        .collect()
}

/// A small deterministic shuffle (splitmix64 Fisher–Yates), so a permutation is replayable from its seed.
fn shuffle<T>(items: &mut [T], seed: u64) {
    let mut state = seed;
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    for i in (1..items.len()).rev() {
        let j = ((next() as u128 * (i as u128 + 1)) >> 64) as usize;
        items.swap(i, j);
    }
}

/// Every number of a JSON value with the key it sits under, as written (serde_json keeps the text).
fn numbers<'v>(v: &'v Value, key: &str, out: &mut Vec<(String, &'v serde_json::Number)>) {
    match v {
        Value::Number(n) => out.push((key.to_owned(), n)),
        Value::Array(items) => items.iter().for_each(|x| numbers(x, key, out)),
        Value::Object(map) => map.iter().for_each(|(k, x)| numbers(x, k, out)),
        _ => {}
    }
}

proptest! {
    #![proptest_config(config(32))]

    /// 1. Points are within [0, max_points] for every metric; a designation's points are the sum of its metrics'
    /// points capped at its max_points.
    #[test]
    fn points_are_bounded_and_add_up(c in case("2024-06", 12), path in proptest::option::of(stated_path())) {
        let mut json = c.json();
        if let Some(p) = path {
            json["path"] = json!(p);
        }
        let report = score_json(&c, &json);
        let rules = c.rules();
        prop_assert_eq!(report.designations.len(), rules.designations.len());
        for (d, rd) in report.designations.iter().zip(&rules.designations) {
            prop_assert_eq!(d.max_points, rd.max_points, "{:?}: {} max_points", c, d.id);
            let path = rd.paths.iter().find(|p| p.id == d.path);
            prop_assert!(path.is_some(), "{:?}: {} reports unknown path {}", c, d.id, d.path);
            let path = path.unwrap();
            prop_assert_eq!(
                d.metrics.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
                path.metrics.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
                "{:?}: {} metrics of path {}", c, d.id, d.path
            );
            for (m, rm) in d.metrics.iter().zip(&path.metrics) {
                prop_assert_eq!(m.max_points, rm.max_points, "{:?}: {} / {} max_points", c, d.id, m.id);
                prop_assert!(
                    m.points >= Decimal::ZERO && m.points <= m.max_points,
                    "{:?}: {} / {} has {} points of {}: {}", c, d.id, m.id, m.points, m.max_points, m.explanation
                );
            }
            let sum: Decimal = d.metrics.iter().map(|m| m.points).sum();
            prop_assert_eq!(
                d.points, sum.min(d.max_points),
                "{:?}: {} has {} points but its metrics sum to {} (max {}): {}",
                c, d.id, d.points, sum, d.max_points, metric_line(d)
            );
            prop_assert!(d.points >= Decimal::ZERO && d.points <= d.max_points, "{:?}: {} has {}", c, d.id, d.points);
        }
    }

    /// 2. A designation is qualified exactly when its points reach the rules' min_total and every metric has at
    /// least min_each_metric.
    #[test]
    fn qualified_follows_the_bar(c in case("2024-06", 12), path in proptest::option::of(stated_path())) {
        let mut json = c.json();
        if let Some(p) = path {
            json["path"] = json!(p);
        }
        let report = score_json(&c, &json);
        for (d, rd) in report.designations.iter().zip(&c.rules().designations) {
            let q = &rd.qualification;
            let expected = d.points >= q.min_total && d.metrics.iter().all(|m| m.points >= q.min_each_metric);
            prop_assert_eq!(
                d.qualified, expected,
                "{:?}: {} qualified = {} with {} points (bar {} total, {} each): {} ({})",
                c, d.id, d.qualified, d.points, q.min_total, q.min_each_metric, metric_line(d), d.qualification
            );
        }
    }
}

/// The shipped rule set `VERSIONS[v]` loaded once more, for tests that move its qualification bars.
fn bar_rules(v: usize) -> &'static Mutex<RuleSet> {
    static SETS: [OnceLock<Mutex<RuleSet>>; 2] = [OnceLock::new(), OnceLock::new()];
    SETS[v].get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules").join(VERSIONS[v]);
        Mutex::new(RuleSet::load(&dir).unwrap_or_else(|_| panic!("shipped rules {} do not load", dir.display())))
    })
}

proptest! {
    #![proptest_config(config(16))]

    /// 2b. The bar decides qualification at its edge: with every designation's bar moved to exactly its own
    /// points and its weakest metric's points, each is attained; one hundredth more on either bar and none is.
    /// Issue 12: `qualified_follows_the_bar` caught a dropped "at least min_each_metric in every metric" only
    /// when a generated partner happened to pass the total with a metric short (17 runs in 20); these bars
    /// put every designation on both edges in every case. Best-total designations are left out: their path
    /// depends on the bar.
    #[test]
    fn qualification_holds_exactly_at_the_bar(c in case("2024-06", 12), path in proptest::option::of(stated_path())) {
        let mut json = c.json();
        if let Some(p) = path {
            json["path"] = json!(p);
        }
        let partner = parse(&c, &json);
        let report = score(c.rules(), &partner).expect("scores");
        let cent = Decimal::new(1, 2);
        let mut rules = bar_rules(c.version).lock().unwrap_or_else(|e| e.into_inner());
        // (total bar, per-metric bar, attained?) relative to each designation's own points.
        for (raise_total, raise_each, attained) in [(false, false, true), (true, false, false), (false, true, false)] {
            for (rd, d) in rules.designations.iter_mut().zip(&report.designations) {
                let weakest = d.metrics.iter().map(|m| m.points).min().unwrap_or_default();
                rd.qualification.min_total = d.points + if raise_total { cent } else { Decimal::ZERO };
                rd.qualification.min_each_metric = weakest + if raise_each { cent } else { Decimal::ZERO };
            }
            let moved = score(&rules, &partner).expect("scores");
            for ((rd, before), after) in rules.designations.iter().zip(&report.designations).zip(&moved.designations) {
                if matches!(rd.path_selection, PathSelection::BestTotal(_)) {
                    continue;
                }
                prop_assert_eq!(&before.path, &after.path, "{:?}: {} changed path with the bar", c, rd.id);
                prop_assert_eq!(
                    after.qualified, attained,
                    "{:?}: {} with {} points (bar {} total, {} each): {} ({})",
                    c, rd.id, after.points, rd.qualification.min_total, rd.qualification.min_each_metric,
                    metric_line(after), after.qualification
                );
            }
        }
    }
}

proptest! {
    #![proptest_config(config(48))]

    /// 3. Adding a person with current certifications from the catalogue never lowers a metric (path fixed).
    /// Three cases in four, the person holds what an existing person of the partner holds: certifications the
    /// rules count, so that a step met by exactly its number of people gets one more (issue 12: with catalogue
    /// certifications alone, a step turned "met by exactly its count" was caught 15 runs in 20).
    #[test]
    fn a_certified_person_never_lowers_a_metric(
        c in case("2024-06", 12),
        path in stated_path(),
        certs in proptest::collection::vec((any::<Index>(), any::<bool>(), 1..=48i32, 1..=28u32), 1..=6),
        like in proptest::option::weighted(0.75, any::<Index>()),
    ) {
        let mut json = c.json();
        json["path"] = json!(path);
        let before = score_json(&c, &json);
        let catalogue = &c.rules().catalogue.certifications;
        let people = json["people"].as_array().cloned().unwrap_or_default();
        let held: Vec<Value> = match like.filter(|_| !people.is_empty()) {
            Some(ix) => ix.get(&people)["certifications"].as_array().cloned().unwrap_or_default(),
            None => certs
                .iter()
                .map(|(ix, by_name, back, day)| {
                    let cert = ix.get(catalogue);
                    let name = if *by_name { &cert.name } else { &cert.code };
                    json!({ "name": name, "earned": date_before(c.as_of, *back, *day) })
                })
                .collect(),
        };
        let change = format!("path {path}, adding a person with {}", Value::Array(held.clone()));
        json["people"].as_array_mut().expect("people").push(json!({ "id": "prop-person", "certifications": held }));
        let after = score_json(&c, &json);
        check_not_lower(&c, &change, &before, &after)?;
    }

    /// 4. Adding a new customer with eligible usage in the last two months (products, measure and association of an
    /// existing row) never lowers a metric (path fixed).
    #[test]
    fn an_eligible_customer_never_lowers_a_metric(
        c in case("2024-06", 12),
        path in stated_path(),
        row in any::<Index>(),
        segment in prop_oneof![Just("smb"), Just("smc"), Just("enterprise")],
        values in (1_000..=60_000u64, 0..100u64, 1_000..=60_000u64, 0..100u64),
        shape in 0..3u8,
    ) {
        let mut json = c.json();
        json["path"] = json!(path);
        let before = score_json(&c, &json);
        let usage = json["usage"].as_array().expect("usage");
        let template = row.get(usage).clone();
        let customer = "c-prop-new";
        let value = |whole: u64, cents: u64| -> Value {
            let text = if cents == 0 { whole.to_string() } else { format!("{whole}.{cents:02}") };
            Value::Number(text.parse().expect("a number"))
        };
        let mut rows = Vec::new();
        // Usage in both of the last two months, or in only one of them (0: both, 1: as_of − 1 only, 2: as_of only).
        let months = [
            (c.as_of.offset(-1), value(values.0, values.1), shape != 2),
            (c.as_of, value(values.2, values.3), shape != 1),
        ];
        for (m, v, _) in months.into_iter().filter(|m| m.2) {
            let mut r = json!({
                "customer": customer,
                "month": m.to_string(),
                "product": template["product"],
                "measure": template["measure"],
                "value": v,
            });
            if let Some(a) = template.get("association") {
                r["association"] = a.clone();
            }
            rows.push(r);
        }
        let change = format!("path {path}, adding customer {customer} ({segment}) with {}", Value::Array(rows.clone()));
        if let Some(customers) = json.get_mut("customers").and_then(Value::as_array_mut) {
            customers.push(json!({ "id": customer, "segment": segment }));
        }
        json["usage"].as_array_mut().expect("usage").extend(rows);
        let after = score_json(&c, &json);
        check_not_lower(&c, &change, &before, &after)?;
    }
}

proptest! {
    #![proptest_config(config(32))]

    /// 5. A person holding only certifications past their retirement grace (eligible_through before the last day of
    /// as_of; from 2024-08 on that is AZ-220, AZ-600, MS-500, PL-100 and MB-600) changes no points.
    #[test]
    fn retired_certifications_past_grace_never_count(
        c in case("2024-08", 10),
        path in proptest::option::of(stated_path()),
        certs in proptest::collection::vec((any::<Index>(), any::<bool>(), 12..=48i32, 1..=28u32), 1..=5),
    ) {
        let mut json = c.json();
        if let Some(p) = path {
            json["path"] = json!(p);
        }
        let before = score_json(&c, &json);
        let month_end = c.as_of.last_day();
        let retired: Vec<_> = c
            .rules()
            .catalogue
            .certifications
            .iter()
            .filter(|cert| cert.eligible_through.is_some_and(|t| t < month_end))
            .collect();
        prop_assert!(retired.len() >= 5, "{:?}: only {} certifications past their grace", c, retired.len());
        let held: Vec<Value> = certs
            .iter()
            .map(|(ix, by_name, back, day)| {
                let cert = ix.get(&retired);
                let name = if *by_name { &cert.name } else { &cert.code };
                json!({ "name": name, "earned": date_before(c.as_of, *back, *day) })
            })
            .collect();
        let change = Value::Array(held.clone()).to_string();
        json["people"].as_array_mut().expect("people").push(json!({ "id": "prop-retired", "certifications": held }));
        let after = score_json(&c, &json);
        let (b, a) = (points_of(&before), points_of(&after));
        for (db, da) in b.iter().zip(&a) {
            prop_assert_eq!(db, da, "{:?}: adding a person with {} changed {}", c, change, db.0);
        }
    }
}

proptest! {
    #![proptest_config(config(24))]

    /// 6. Scoring is deterministic: the same report alone or after scoring other partners with the same rule set,
    /// byte-identical JSON lines, and the same report with the usage rows in any order.
    #[test]
    fn scoring_is_deterministic_and_order_blind(
        c in case("2024-06", 12),
        others in proptest::collection::vec((0..300usize, any::<u64>()), 1..=3),
        permutation in any::<u64>(),
    ) {
        let json = c.json();
        let partner = parse(&c, &json);
        let alone = score(c.rules(), &partner).expect("scores");
        let line = alone.to_json_line();
        prop_assert_eq!(&line, &alone.to_json_line(), "{:?}: to_json_line differs between two calls", c);

        for (i, seed) in &others {
            let other = Case { i: *i, seed: *seed, ..c.clone() };
            score_json(&other, &other.json());
        }
        let again = score(c.rules(), &partner).expect("scores");
        prop_assert_eq!(&alone, &again, "{:?}: the report changed after scoring {:?}", c, others);
        prop_assert_eq!(&line, &again.to_json_line(), "{:?}: the JSON line changed after scoring others", c);

        let mut shuffled = json.clone();
        shuffle(shuffled["usage"].as_array_mut().expect("usage"), permutation);
        let reordered = score_json(&c, &shuffled);
        prop_assert_eq!(
            &line,
            &reordered.to_json_line(),
            "{:?}: the report depends on the order of usage rows (permutation seed {})",
            c,
            permutation
        );
    }
}

proptest! {
    #![proptest_config(config(32))]

    /// 7. Points are written as exact decimals: at most two decimal places, no exponent, no float noise, and each
    /// written number reads back as the report's decimal.
    #[test]
    fn points_are_exact_decimals(c in case("2024-06", 12), path in proptest::option::of(stated_path())) {
        let mut json = c.json();
        if let Some(p) = path {
            json["path"] = json!(p);
        }
        let report = score_json(&c, &json);
        let line = report.to_json_line();
        let mut value: Value = serde_json::from_str(&line).expect("the report line is JSON");
        // Issue 12: a metric's evidence holds usage values and shares, not points; its final points are the
        // metric's, written the same way. The rest of the report holds only points.
        for d in value["designations"].as_array_mut().expect("designations") {
            for m in d["metrics"].as_array_mut().expect("metrics") {
                let evidence = m.as_object_mut().and_then(|m| m.remove("evidence")).expect("every metric has evidence");
                prop_assert_eq!(&evidence["points"]["points"], &m["points"], "{:?}: evidence points in {}", c, line);
            }
        }
        let mut found = Vec::new();
        numbers(&value, "", &mut found);
        // The document's version is a whole number, not a decimal of the score (issue 12).
        prop_assert_eq!(found.first().map(|(k, n)| (k.as_str(), n.to_string())), Some(("schema_version", "1".to_owned())));
        found.remove(0);
        // Per designation: points, max_points and the bar it was judged by (min_total, min_each_metric).
        let expected = report.designations.iter().map(|d| 4 + 2 * d.metrics.len()).sum::<usize>();
        prop_assert_eq!(found.len(), expected, "{:?}: numbers in {}", c, line);
        for (key, n) in &found {
            let text = n.to_string();
            prop_assert!(
                ["points", "max_points", "min_total", "min_each_metric"].contains(&key.as_str()),
                "{:?}: unexpected number {} = {}", c, key, text
            );
            let fraction = text.split_once('.').map_or(0, |(_, f)| f.len());
            prop_assert!(
                !text.contains(['e', 'E']) && fraction <= 2 && !text.ends_with('.') && !text.starts_with('-'),
                "{:?}: {} written as {}", c, key, text
            );
            prop_assert!(text.parse::<Decimal>().is_ok(), "{:?}: {} = {} is not a decimal", c, key, text);
        }
        // Each written number is the report's decimal, in report order.
        let mut decimals = Vec::new();
        for d in &report.designations {
            decimals.push(d.points);
            decimals.push(d.max_points);
            decimals.extend(d.min_total.iter().chain(&d.min_each_metric).map(|n| n.0));
            for m in &d.metrics {
                decimals.push(m.points);
                decimals.push(m.max_points);
            }
        }
        let written: Vec<Decimal> = found.iter().map(|(_, n)| n.to_string().parse().unwrap()).collect();
        prop_assert_eq!(written, decimals, "{:?}: written numbers differ from the report's", c);
    }
}
