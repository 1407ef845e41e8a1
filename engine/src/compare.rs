//! What changed between two results for the same partner, and across a portfolio: the what-if comparison
//! analysts run between rule versions, and the diff auditors run between snapshots.
//!
//! Every change is attributed to the metrics that moved, and to the evidence items that appeared or
//! disappeared. Summaries count partners gaining and losing each designation, by path, and bucket the point
//! changes; all orders are fixed so outputs are deterministic.
//!
//! "Changed" has one meaning, here, for `compare` and `diff` alike ([`DesignationChange::changed`],
//! [`PartnerChange::changed`]): a designation's points or attainment differ, or an outcome beyond the score
//! (held, badges, specializations, certified software) differs. A path renamed with the same points, a metric
//! moving within an unchanged total, other explanations or evidence, other rule digests: all are shown where
//! they help, none makes a partner "changed".

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::Serialize;

use crate::report::{number, RulesRef, ScoreReport, Shortfall};

/// The `schema_version` of the comparison document.
pub const SCHEMA_VERSION: u32 = 1;

/// One partner's results under two rule sets (or two snapshots).
#[derive(Debug, Clone, Serialize, PartialEq, JsonSchema)]
pub struct PartnerChange {
    pub partner: String,
    pub as_of: String,
    /// True when any designation changed ([`DesignationChange::changed`]) or any outcome in `status` differs.
    pub changed: bool,
    pub designations: Vec<DesignationChange>,
    /// Outcomes beyond the score that differ, one phrase each: designations held, badges, specializations open,
    /// certified software attained per solution (`specialization Cloud Security: open → closed`). Rules for
    /// badges, specializations and software change these without moving a single point.
    pub status: Vec<String>,
}

/// How a designation's attainment moved.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Attained after, not before.
    Gained,
    /// Attained before, not after.
    Lost,
    /// Attained in both.
    Kept,
    /// Attained in neither.
    NotAttained,
}

impl Status {
    /// The name used in outputs (`gained`, `lost`, `kept`, `not-attained`).
    pub fn name(self) -> &'static str {
        match self {
            Status::Gained => "gained",
            Status::Lost => "lost",
            Status::Kept => "kept",
            Status::NotAttained => "not-attained",
        }
    }
}

/// One designation before and after.
#[derive(Debug, Clone, Serialize, PartialEq, JsonSchema)]
pub struct DesignationChange {
    pub id: String,
    pub status: Status,
    pub path_before: Option<String>,
    pub path_after: Option<String>,
    #[serde(serialize_with = "number")]
    #[schemars(with = "crate::report::ExactNumber")]
    pub points_before: Decimal,
    #[serde(serialize_with = "number")]
    #[schemars(with = "crate::report::ExactNumber")]
    pub points_after: Decimal,
    #[serde(serialize_with = "number")]
    #[schemars(with = "crate::report::ExactNumber")]
    pub delta: Decimal,
    pub qualified_before: bool,
    pub qualified_after: bool,
    /// The metrics whose points moved, largest move first, then those whose evidence alone changed.
    pub metrics: Vec<MetricDelta>,
    /// Why it moved, in words.
    pub attribution: String,
    /// Why it is not attained after, from the after result's numbers; absent when it is attained.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shortfall: Option<Shortfall>,
}

impl DesignationChange {
    /// Whether this designation's result changed: its points or its attainment. The one definition `compare`
    /// and `diff` count by (a path renamed with the same points is not a change).
    pub fn changed(&self) -> bool {
        !self.delta.is_zero() || self.qualified_before != self.qualified_after
    }

    /// Whether anything about it differs, changed or not: points, attainment, path, a metric's points or
    /// evidence. What the listings show.
    pub fn differs(&self) -> bool {
        self.changed() || self.path_before != self.path_after || !self.metrics.is_empty()
    }
}

/// One metric's points before and after, and the evidence items that appeared or disappeared.
#[derive(Debug, Clone, Serialize, PartialEq, JsonSchema)]
pub struct MetricDelta {
    pub id: String,
    #[serde(serialize_with = "number")]
    #[schemars(with = "crate::report::ExactNumber")]
    pub before: Decimal,
    #[serde(serialize_with = "number")]
    #[schemars(with = "crate::report::ExactNumber")]
    pub after: Decimal,
    #[serde(serialize_with = "number")]
    #[schemars(with = "crate::report::ExactNumber")]
    pub delta: Decimal,
    /// Evidence items only after (as [`crate::evidence::Evidence::item_keys`] writes them: `customer c-3:
    /// counted (crossed-threshold)`); an item whose state or reason changed is in both lists.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub appeared: Vec<String>,
    /// Evidence items only before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disappeared: Vec<String>,
    /// The after explanation, given only when a side carries no evidence to compare.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
}

/// Compares one partner's results; designations present on one side only count as 0 points on the other.
pub fn compare<'a>(before: &'a ScoreReport, after: &'a ScoreReport) -> PartnerChange {
    let mut ids: Vec<&str> = after.designations.iter().map(|d| d.id.as_str()).collect();
    for d in &before.designations {
        if !ids.contains(&d.id.as_str()) {
            ids.push(&d.id);
        }
    }
    let designations: Vec<DesignationChange> = ids
        .into_iter()
        .map(|id| {
            let b = before.designations.iter().find(|d| d.id == id);
            let a = after.designations.iter().find(|d| d.id == id);
            let (qb, qa) = (b.is_some_and(|d| d.qualified), a.is_some_and(|d| d.qualified));
            let (pb, pa) = (b.map_or(Decimal::ZERO, |d| d.points), a.map_or(Decimal::ZERO, |d| d.points));
            let status = match (qb, qa) {
                (false, true) => Status::Gained,
                (true, false) => Status::Lost,
                (true, true) => Status::Kept,
                (false, false) => Status::NotAttained,
            };
            let mut metric_ids: Vec<&str> =
                a.map(|d| d.metrics.iter().map(|m| m.id.as_str()).collect()).unwrap_or_default();
            for m in b.map(|d| d.metrics.as_slice()).unwrap_or_default() {
                if !metric_ids.contains(&m.id.as_str()) {
                    metric_ids.push(&m.id);
                }
            }
            let metric_of = |d: Option<&'a crate::report::DesignationResult>, m: &str| {
                d.and_then(|d| d.metrics.iter().find(|x| x.id == m))
            };
            let mut metrics: Vec<MetricDelta> =
                metric_ids.into_iter().filter_map(|m| metric_delta(m, metric_of(b, m), metric_of(a, m))).collect();
            // Points moved first, largest move first; evidence-only changes after them, by id.
            metrics.sort_by(|x, y| y.delta.abs().cmp(&x.delta.abs()).then_with(|| x.id.cmp(&y.id)));
            let path_before = b.map(|d| d.path.clone());
            let path_after = a.map(|d| d.path.clone());
            let attribution =
                attribute(status, &path_before, &path_after, &metrics, a.map(|d| d.qualification.as_str()));
            let shortfall = a.and_then(|d| d.shortfall());
            DesignationChange {
                id: id.to_owned(),
                status,
                path_before,
                path_after,
                points_before: pb.normalize(),
                points_after: pa.normalize(),
                delta: (pa - pb).normalize(),
                qualified_before: qb,
                qualified_after: qa,
                metrics,
                attribution,
                shortfall,
            }
        })
        .collect();
    // A path renamed between versions (standard → smb) with the same points is not a change of result.
    let status = status_changes(before, after);
    let changed = designations.iter().any(DesignationChange::changed) || !status.is_empty();
    PartnerChange { partner: after.partner.clone(), as_of: after.as_of.clone(), changed, designations, status }
}

/// One metric before and after (absent on a side: 0 points, no evidence); `None` when neither its points nor
/// its evidence items differ.
fn metric_delta(
    id: &str,
    b: Option<&crate::report::MetricResult>,
    a: Option<&crate::report::MetricResult>,
) -> Option<MetricDelta> {
    let (before, after) = (b.map_or(Decimal::ZERO, |m| m.points), a.map_or(Decimal::ZERO, |m| m.points));
    let keys = |m: Option<&crate::report::MetricResult>| -> Option<Vec<String>> {
        m.map_or(Some(Vec::new()), |m| m.evidence.as_ref().map(crate::evidence::Evidence::item_keys))
    };
    let (kb, ka) = (keys(b), keys(a));
    let (appeared, disappeared): (Vec<String>, Vec<String>) = match (&kb, &ka) {
        (Some(kb), Some(ka)) => (
            ka.iter().filter(|k| !kb.contains(k)).cloned().collect(),
            kb.iter().filter(|k| !ka.contains(k)).cloned().collect(),
        ),
        _ => (Vec::new(), Vec::new()),
    };
    let delta = (after - before).normalize();
    if delta.is_zero() && appeared.is_empty() && disappeared.is_empty() {
        return None;
    }
    // Without evidence on both sides there is nothing to list: the explanation says what counted.
    let explanation = if kb.is_none() || ka.is_none() { a.map(|m| m.explanation.clone()) } else { None };
    Some(MetricDelta { id: id.to_owned(), before, after, delta, appeared, disappeared, explanation })
}

/// The program and software outcomes of two results that differ, in the after result's order, then those only
/// before; something absent on one side counts as not held, closed or not attained.
fn status_changes(before: &ScoreReport, after: &ScoreReport) -> Vec<String> {
    let mut out = Vec::new();
    let mut outcome = |what: String, b: Option<bool>, a: Option<bool>, yes: &str, no: &str| {
        let (b, a) = (b.unwrap_or(false), a.unwrap_or(false));
        if b != a {
            let word = |x: bool| if x { yes } else { no };
            out.push(format!("{what}: {} → {}", word(b), word(a)));
        }
    };
    let (pb, pa) = (before.program.as_ref(), after.program.as_ref());
    let held = |p: Option<&crate::status::ProgramStatus>| -> Vec<(String, bool)> {
        p.map(|p| p.held.iter().map(|h| (h.id.clone(), h.held)).collect()).unwrap_or_default()
    };
    let badges = |p: Option<&crate::status::ProgramStatus>| -> Vec<(String, bool)> {
        p.map(|p| p.badges.iter().map(|b| (b.id.clone(), b.held)).collect()).unwrap_or_default()
    };
    let open = |p: Option<&crate::status::ProgramStatus>| -> Vec<(String, bool)> {
        p.map(|p| p.specializations.iter().map(|s| (s.name.clone(), s.open)).collect()).unwrap_or_default()
    };
    let software = |r: &ScoreReport| -> Vec<(String, bool)> {
        r.software
            .iter()
            .flat_map(|s| s.designations.iter().map(|d| (format!("software {} for {}", d.id, s.solution), d.attained)))
            .collect()
    };
    /// What is compared, before, after, and the words for true and false.
    type Outcomes<'a> = (&'a str, Vec<(String, bool)>, Vec<(String, bool)>, &'a str, &'a str);
    let pairs: [Outcomes; 4] = [
        ("held ", held(pb), held(pa), "held", "not held"),
        ("badge ", badges(pb), badges(pa), "held", "not held"),
        ("specialization ", open(pb), open(pa), "open", "closed"),
        ("", software(before), software(after), "attained", "not attained"),
    ];
    for (prefix, b, a, yes, no) in pairs {
        let find = |list: &[(String, bool)], key: &str| list.iter().find(|(k, _)| k == key).map(|(_, v)| *v);
        let mut keys: Vec<&str> = a.iter().map(|(k, _)| k.as_str()).collect();
        keys.extend(b.iter().map(|(k, _)| k.as_str()).filter(|k| find(&a, k).is_none()));
        for key in keys {
            outcome(format!("{prefix}{key}"), find(&b, key), find(&a, key), yes, no);
        }
    }
    out
}

fn attribute(
    status: Status,
    path_before: &Option<String>,
    path_after: &Option<String>,
    metrics: &[MetricDelta],
    qualification_after: Option<&str>,
) -> String {
    let mut parts = Vec::new();
    if path_before != path_after {
        let show = |p: &Option<String>| p.clone().unwrap_or_else(|| "none".to_owned());
        parts.push(format!("path {} → {}", show(path_before), show(path_after)));
    }
    if metrics.iter().any(|m| !m.delta.is_zero()) {
        let moved: Vec<String> = metrics
            .iter()
            .filter(|m| !m.delta.is_zero())
            .map(|m| {
                let sign = if m.delta.is_sign_positive() { "+" } else { "" };
                format!("{} {sign}{} ({} → {})", m.id, m.delta, m.before.normalize(), m.after.normalize())
            })
            .collect();
        parts.push(moved.join(", "));
    }
    if matches!(status, Status::Gained | Status::Lost) {
        if let Some(q) = qualification_after {
            parts.push(q.to_owned());
        }
    }
    if parts.is_empty() {
        "no change".to_owned()
    } else {
        parts.join("; ")
    }
}

/// A portfolio's comparison: both rule sets, per-partner changes and the summary.
#[derive(Debug, Clone, Serialize, PartialEq, JsonSchema)]
pub struct Comparison {
    /// The version of this document's shape ([`SCHEMA_VERSION`]).
    pub schema_version: u32,
    pub base: RulesRef,
    pub candidate: RulesRef,
    /// Rule parameters overridden for the candidate (`--set`), as given.
    pub overrides: Vec<String>,
    /// What the candidate folder says differently from the base folder, by meaning (as `diff-rules` lists it;
    /// `overrides` come on top).
    pub rule_changes: Vec<crate::rules::diff::Change>,
    /// The candidate's attainment bar (the lowest designation `min_total`) and the largest designation maximum,
    /// for charts.
    #[serde(serialize_with = "number")]
    #[schemars(with = "crate::report::ExactNumber")]
    pub min_total: Decimal,
    #[serde(serialize_with = "number")]
    #[schemars(with = "crate::report::ExactNumber")]
    pub max_points: Decimal,
    /// The base's attainment bar, so that a chart can draw both when a change moves it.
    #[serde(serialize_with = "number")]
    #[schemars(with = "crate::report::ExactNumber")]
    pub base_min_total: Decimal,
    pub summary: Summary,
    pub partners: Vec<PartnerChange>,
    /// Partners that could not be scored, with the reason.
    pub failures: Vec<Failure>,
}

/// A partner left out of a comparison.
#[derive(Debug, Clone, Serialize, PartialEq, JsonSchema)]
pub struct Failure {
    pub origin: String,
    pub error: String,
}

/// Counts across the portfolio.
#[derive(Debug, Clone, Serialize, PartialEq, JsonSchema)]
pub struct Summary {
    pub partners: usize,
    /// Partners whose result changed ([`PartnerChange::changed`]).
    pub changed: usize,
    pub failed: usize,
    pub designations: Vec<DesignationSummary>,
    /// How designation totals moved: one count per (partner, designation) in each bucket.
    pub point_changes: Vec<Bucket>,
}

/// One designation across the portfolio.
#[derive(Debug, Clone, Serialize, PartialEq, JsonSchema)]
pub struct DesignationSummary {
    pub id: String,
    pub attained_before: usize,
    pub attained_after: usize,
    pub gained: usize,
    pub lost: usize,
    /// Gains counted by the path after, losses by the path before.
    pub by_path: Vec<PathCount>,
    #[serde(serialize_with = "number")]
    #[schemars(with = "crate::report::ExactNumber")]
    pub mean_delta: Decimal,
}

/// Gains and losses on one path.
#[derive(Debug, Clone, Serialize, PartialEq, JsonSchema)]
pub struct PathCount {
    pub path: String,
    pub gained: usize,
    pub lost: usize,
}

/// A range of point changes and how many (partner, designation) pairs fell in it.
#[derive(Debug, Clone, Serialize, PartialEq, JsonSchema)]
pub struct Bucket {
    pub label: String,
    pub count: usize,
}

/// Labels of the point-change buckets, in the order `bucket_of` numbers them (points have two decimals at most).
const BUCKETS: [&str; 9] = [
    "-20 or less",
    "-19.99 to -10",
    "-9.99 to -5",
    "-4.99 to -0.01",
    "0",
    "0.01 to 4.99",
    "5 to 9.99",
    "10 to 19.99",
    "20 or more",
];

fn bucket_of(delta: Decimal) -> usize {
    if delta.is_zero() {
        return 4;
    }
    if delta.is_sign_negative() {
        // -20 or less | (-20, -10] | (-10, -5] | (-5, 0)
        let d = -delta;
        return if d >= Decimal::from(20) {
            0
        } else if d >= Decimal::from(10) {
            1
        } else if d >= Decimal::from(5) {
            2
        } else {
            3
        };
    }
    if delta < Decimal::from(5) {
        5
    } else if delta < Decimal::from(10) {
        6
    } else if delta < Decimal::from(20) {
        7
    } else {
        8
    }
}

/// One designation's summary so far, its path counts, and the sum of its changes (exact, and piece by piece).
type Tally = (DesignationSummary, BTreeMap<String, PathCount>, Option<Decimal>, Decimal);

/// Summarizes per-partner changes.
pub fn summarize(changes: &[PartnerChange], failed: usize) -> Summary {
    // The changes' sum, and their sum divided piece by piece for when the sum overflows: each change is at
    // most a designation's maximum, but many of them need not fit in a decimal (issue 11).
    let mut per: BTreeMap<&str, Tally> = BTreeMap::new();
    let count = Decimal::from(changes.len().max(1));
    let mut order: Vec<&str> = Vec::new();
    let mut buckets = vec![0usize; BUCKETS.len()];
    for pc in changes {
        for d in &pc.designations {
            if !per.contains_key(d.id.as_str()) {
                order.push(&d.id);
            }
            let entry = per.entry(&d.id).or_insert_with(|| {
                let s = DesignationSummary {
                    id: d.id.clone(),
                    attained_before: 0,
                    attained_after: 0,
                    gained: 0,
                    lost: 0,
                    by_path: Vec::new(),
                    mean_delta: Decimal::ZERO,
                };
                (s, BTreeMap::new(), Some(Decimal::ZERO), Decimal::ZERO)
            });
            entry.0.attained_before += d.qualified_before as usize;
            entry.0.attained_after += d.qualified_after as usize;
            entry.2 = entry.2.and_then(|total| total.checked_add(d.delta));
            entry.3 += d.delta / count;
            let path_count = |map: &mut BTreeMap<String, PathCount>, path: &Option<String>| {
                let p = path.clone().unwrap_or_else(|| "none".to_owned());
                map.entry(p.clone()).or_insert(PathCount { path: p, gained: 0, lost: 0 }).clone()
            };
            match d.status {
                Status::Gained => {
                    entry.0.gained += 1;
                    let mut c = path_count(&mut entry.1, &d.path_after);
                    c.gained += 1;
                    entry.1.insert(c.path.clone(), c);
                }
                Status::Lost => {
                    entry.0.lost += 1;
                    let mut c = path_count(&mut entry.1, &d.path_before);
                    c.lost += 1;
                    entry.1.insert(c.path.clone(), c);
                }
                _ => {}
            }
            buckets[bucket_of(d.delta)] += 1;
        }
    }
    let designations = order
        .into_iter()
        .map(|id| {
            let (mut s, paths, total, pieces) = per.remove(id).expect("every id was inserted");
            s.by_path = paths.into_values().collect();
            if !changes.is_empty() {
                s.mean_delta = total.map_or(pieces, |total| total / count).round_dp(2).normalize();
            }
            s
        })
        .collect();
    Summary {
        partners: changes.len(),
        changed: changes.iter().filter(|c| c.changed).count(),
        failed,
        designations,
        point_changes: BUCKETS
            .iter()
            .zip(buckets)
            .map(|(label, count)| Bucket { label: (*label).to_owned(), count })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::{Evidence, Item, ItemType};
    use crate::report::{DesignationResult, MetricResult};

    fn metric(id: &str, points: i64, counted: Option<&[&str]>) -> MetricResult {
        let evidence = counted.map(|ids| {
            let mut e = Evidence::of("customer-adds");
            for id in ids {
                e.items.push(Item {
                    item_type: ItemType::Customer,
                    id: (*id).to_owned(),
                    counted: true,
                    reason: "crossed-threshold".into(),
                    customer: None,
                    month: None,
                    months: Default::default(),
                    certifications: Vec::new(),
                    value: None,
                });
            }
            e
        });
        MetricResult {
            id: id.to_owned(),
            category: "performance".to_owned(),
            points: Decimal::from(points),
            max_points: Decimal::from(50),
            explanation: format!("{id} explained"),
            evidence,
        }
    }

    fn report(path: &str, metrics: Vec<MetricResult>) -> ScoreReport {
        let points: Decimal = metrics.iter().map(|m| m.points).sum();
        ScoreReport {
            schema_version: 1,
            partner: "p".to_owned(),
            as_of: "2024-06".to_owned(),
            rules: RulesRef { version: "v".to_owned(), digest: "sha256:0".to_owned() },
            designations: vec![DesignationResult {
                qualified_in_window: false,
                window: Vec::new(),
                enrollment: None,
                id: "d".to_owned(),
                name: "D".to_owned(),
                path: path.to_owned(),
                path_reason: String::new(),
                points,
                max_points: Decimal::from(100),
                qualified: points >= Decimal::from(70),
                qualification: "prose nobody parses".to_owned(),
                min_total: Some(crate::evidence::Number(Decimal::from(70))),
                min_each_metric: Some(crate::evidence::Number(Decimal::ONE)),
                metrics,
            }],
            program: None,
            software: Vec::new(),
            warnings: Vec::new(),
            data_gaps: Vec::new(),
        }
    }

    /// Issue 12: a path renamed with the same points, or metrics moving within the same total, is not a change,
    /// in `compare` and `diff` alike; the moves are still listed.
    #[test]
    fn changed_means_points_attainment_or_status() {
        let before = report("standard", vec![metric("a", 30, None), metric("b", 10, None)]);
        let renamed = report("smb", vec![metric("a", 30, None), metric("b", 10, None)]);
        let change = compare(&before, &renamed);
        assert!(!change.changed && !change.designations[0].changed() && change.designations[0].differs());
        let shifted = report("standard", vec![metric("a", 25, None), metric("b", 15, None)]);
        let change = compare(&before, &shifted);
        assert!(!change.changed, "{change:?}");
        assert_eq!(change.designations[0].metrics.len(), 2);
        let more = report("standard", vec![metric("a", 30, None), metric("b", 11, None)]);
        assert!(compare(&before, &more).changed);
        let attained = report("standard", vec![metric("a", 50, None), metric("b", 20, None)]);
        let change = compare(&before, &attained);
        assert!(change.changed && change.designations[0].status == Status::Gained);
        assert!(change.designations[0].shortfall.is_none());
        assert!(compare(&attained, &before).designations[0].shortfall.is_some());
    }

    /// Issue 12: the evidence items that appeared or disappeared are listed per metric, even when its points did
    /// not move; without evidence on a side, the after explanation stands in.
    #[test]
    fn metric_deltas_list_evidence_items_that_appeared_or_disappeared() {
        let before = report("smb", vec![metric("a", 30, Some(&["c-1", "c-2"])), metric("b", 10, None)]);
        let after = report("smb", vec![metric("a", 30, Some(&["c-1", "c-3"])), metric("b", 12, None)]);
        let change = compare(&before, &after);
        let metrics = &change.designations[0].metrics;
        assert_eq!(metrics.len(), 2, "{metrics:?}");
        assert_eq!((metrics[0].id.as_str(), metrics[0].delta), ("b", Decimal::from(2)), "points moved come first");
        assert_eq!(metrics[0].explanation.as_deref(), Some("b explained"));
        assert!(metrics[0].appeared.is_empty() && metrics[0].disappeared.is_empty());
        assert_eq!(metrics[1].appeared, ["customer c-3: counted (crossed-threshold)"]);
        assert_eq!(metrics[1].disappeared, ["customer c-2: counted (crossed-threshold)"]);
        assert_eq!(metrics[1].explanation, None, "evidence on both sides: no prose");
        assert_eq!(change.designations[0].attribution, "b +2 (10 → 12)", "evidence-only moves add no points");
        assert!(compare(&before, &before).designations[0].metrics.is_empty());
    }

    /// Issue 11: rules with huge maxima gave changes whose sum overflowed and panicked the whole comparison.
    #[test]
    fn the_mean_change_of_changes_too_large_to_add_is_still_computed() {
        let huge = Decimal::from_i128_with_scale(50_000_000_000_000_000_000_000_000_000, 0);
        let change = |partner: &str| PartnerChange {
            partner: partner.to_owned(),
            as_of: "2024-06".to_owned(),
            changed: true,
            designations: vec![DesignationChange {
                id: "d".to_owned(),
                status: Status::NotAttained,
                path_before: None,
                path_after: None,
                points_before: Decimal::ZERO,
                points_after: huge,
                delta: huge,
                qualified_before: false,
                qualified_after: false,
                metrics: Vec::new(),
                attribution: String::new(),
                shortfall: None,
            }],
            status: Vec::new(),
        };
        let summary = summarize(&[change("a"), change("b")], 0);
        assert_eq!(summary.designations[0].mean_delta, huge);
    }
}
