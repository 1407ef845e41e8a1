//! What it takes to attain a designation: concrete additions to a partner's data (a person with given
//! certifications, a customer over a threshold, a new product, more usage) that the rules would count.
//!
//! Candidate additions are derived from each metric's own kind and parameters — the rules' units — never
//! from advice written per designation. A greedy search adds the candidate that closes most of the gap,
//! re-scoring the whole partner each time, then drops any addition the result does not need. Every
//! suggestion is therefore checked by the same evaluator that scored the partner.

use rust_decimal::Decimal;
use serde::Serialize;

use crate::partner::{Association, HeldCertification, Measure, Partner, Person, UsageRow};
use crate::report::{number, DesignationResult};
use crate::rules::*;
use crate::value::{Date, Month};
use crate::{score, Error};

/// Additions the search may stack for one designation before giving up.
const MAX_STEPS: usize = 40;

/// One concrete addition to a partner's data.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Addition {
    /// A person holding these certifications (codes), earned before the evaluation month.
    Person { certifications: Vec<String> },
    /// A customer, new to the partner, with these usage rows.
    Customer { rows: Vec<Row> },
    /// More usage on an existing customer.
    Usage { customer: String, rows: Vec<Row> },
}

/// A usage row of an addition.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Row {
    pub month: Month,
    pub product: String,
    pub measure: Measure,
    pub value: Decimal,
    pub association: Association,
}

/// What a partner needs for one designation.
#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct Gap {
    pub designation: String,
    pub path: String,
    #[serde(serialize_with = "number")]
    #[schemars(with = "f64")]
    pub points: Decimal,
    /// True when the partner already attains it (no suggestion then).
    pub attained: bool,
    /// The additions, in the order the search found them, each with the points it added.
    pub suggestions: Vec<Suggestion>,
    /// Points and attainment with every suggestion applied.
    #[serde(serialize_with = "number")]
    #[schemars(with = "f64")]
    pub points_after: Decimal,
    pub attained_after: bool,
    /// Why no full suggestion could be found, when none was.
    pub note: Option<String>,
    #[serde(skip)]
    pub additions: Vec<Addition>,
}

/// One suggested addition, in words, with its effect.
#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct Suggestion {
    pub add: String,
    /// The metric it was aimed at.
    pub metric: String,
    #[serde(serialize_with = "number")]
    #[schemars(with = "f64")]
    pub points_added: Decimal,
}

/// A candidate: one addition, or a bundle that only counts together (every unmet prerequisite step and a
/// scoring person), and what it is for. Bundles let the search cross plateaus where one person adds nothing.
#[derive(Clone)]
struct Candidate {
    additions: Vec<(Addition, String)>,
    metric: String,
}

/// The gaps of every designation the partner does not attain (or of `only`, when given).
pub fn gaps(rules: &RuleSet, partner: &Partner, only: Option<&str>) -> Result<Vec<Gap>, Error> {
    let report = score(rules, partner)?;
    let mut out = Vec::new();
    for d in &report.designations {
        if only.is_some_and(|id| id != d.id) {
            continue;
        }
        let designation = rules.designations.iter().find(|x| x.id == d.id).expect("reports follow the rules");
        if d.qualified {
            out.push(Gap {
                designation: d.id.clone(),
                path: d.path.clone(),
                points: d.points,
                attained: true,
                suggestions: Vec::new(),
                points_after: d.points,
                attained_after: true,
                note: None,
                additions: Vec::new(),
            });
            continue;
        }
        out.push(search(rules, partner, designation, d)?);
    }
    Ok(out)
}

/// How far a result is from attainment: missing total points, plus a large weight per metric below its minimum.
fn deficit(d: &DesignationResult, q: &Qualification) -> Decimal {
    let short_total = (q.min_total - d.points).max(Decimal::ZERO);
    let short_metrics = d.metrics.iter().filter(|m| m.points < q.min_each_metric).count();
    short_total + Decimal::from(100 * short_metrics)
}

fn result_of(rules: &RuleSet, partner: &Partner, id: &str) -> Result<DesignationResult, Error> {
    let report = score(rules, partner)?;
    Ok(report.designations.into_iter().find(|d| d.id == id).expect("reports follow the rules"))
}

fn search(
    rules: &RuleSet,
    partner: &Partner,
    designation: &Designation,
    start: &DesignationResult,
) -> Result<Gap, Error> {
    let q = &designation.qualification;
    let mut current = partner.clone();
    let mut chosen: Vec<Candidate> = Vec::new();
    let mut result = start.clone();
    let mut serial = 0usize;
    while !result.qualified && chosen.len() < MAX_STEPS {
        let path = designation.paths.iter().find(|p| p.id == result.path).unwrap_or(&designation.paths[0]);
        let candidates = candidates(rules, &current, path, &result, &mut serial);
        let before = deficit(&result, q);
        let mut best: Option<(Decimal, Decimal, Candidate, DesignationResult)> = None;
        for c in candidates {
            let mut trial = current.clone();
            for (a, _) in &c.additions {
                apply(&mut trial, a, serial);
            }
            let r = result_of(rules, &trial, &designation.id)?;
            let gain = before - deficit(&r, q);
            let better = match &best {
                None => gain > Decimal::ZERO,
                Some((g, p, _, _)) => gain > *g || (gain == *g && r.points > *p),
            };
            if better {
                best = Some((gain, r.points, c, r));
            }
        }
        let Some((_, _, c, r)) = best else { break };
        // Bundles are kept as single additions from here on, so that pruning can drop any one of them.
        for (a, words) in c.additions {
            apply(&mut current, &a, serial);
            chosen.push(Candidate { additions: vec![(a, words)], metric: c.metric.clone() });
        }
        result = r;
    }
    // Drop additions the attainment does not need, last first, so the list stays minimal.
    if result.qualified {
        let mut i = chosen.len();
        while i > 0 {
            i -= 1;
            let mut without = chosen.clone();
            without.remove(i);
            let trial = applied(partner, &without);
            if result_of(rules, &trial, &designation.id)?.qualified {
                chosen = without;
            }
        }
    }
    // Not attainable: keep only the additions that moved the designation, so the list shows how far it gets.
    if !result.qualified {
        let mut i = chosen.len();
        while i > 0 {
            i -= 1;
            let mut without = chosen.clone();
            without.remove(i);
            let r = result_of(rules, &applied(partner, &without), &designation.id)?;
            if r.points >= result.points && deficit(&r, q) <= deficit(&result, q) {
                chosen = without;
            }
        }
    }
    // One person may hold several certifications: fold each person into a later one when the result still
    // attains, so that a prerequisite holder and a scoring person become one addition.
    if result.qualified {
        let mut i = 0;
        while i < chosen.len() {
            let mut merged = false;
            if let Addition::Person { certifications: mine } = &chosen[i].additions[0].0 {
                for j in (i + 1)..chosen.len() {
                    let Addition::Person { certifications: theirs } = &chosen[j].additions[0].0 else { continue };
                    if mine.iter().any(|c| theirs.contains(c)) {
                        continue;
                    }
                    let mut trial = chosen.clone();
                    let mut both = theirs.clone();
                    both.extend(mine.iter().cloned());
                    let words = format!(
                        "{} and {}",
                        trial[j].additions[0].1,
                        trial[i].additions[0].1.trim_start_matches("1 more person with ")
                    );
                    trial[j].additions[0] = (Addition::Person { certifications: both }, words);
                    trial.remove(i);
                    if result_of(rules, &applied(partner, &trial), &designation.id)?.qualified {
                        chosen = trial;
                        merged = true;
                        break;
                    }
                }
            }
            if !merged {
                i += 1;
            }
        }
    }
    // Points each addition adds, in order, on the final list.
    let mut suggestions = Vec::new();
    let mut running = partner.clone();
    let mut points = start.points;
    for (n, c) in chosen.iter().enumerate() {
        let (addition, words) = &c.additions[0];
        apply(&mut running, addition, n);
        let r = result_of(rules, &running, &designation.id)?;
        suggestions.push(Suggestion {
            add: words.clone(),
            metric: c.metric.clone(),
            points_added: (r.points - points).normalize(),
        });
        points = r.points;
    }
    let finalr = result_of(rules, &applied(partner, &chosen), &designation.id)?;
    let note = (!finalr.qualified).then(|| {
        let short: Vec<&str> =
            finalr.metrics.iter().filter(|m| m.points < q.min_each_metric).map(|m| m.id.as_str()).collect();
        if short.is_empty() {
            format!("no addition the rules count brings the total to {}", q.min_total.normalize())
        } else {
            let why: Vec<String> = finalr
                .metrics
                .iter()
                .filter(|m| m.points < q.min_each_metric)
                .map(|m| format!("{}: {}", m.id, m.explanation))
                .collect();
            format!("no addition the rules count earns a point in {} ({})", short.join(", "), why.join("; "))
        }
    });
    Ok(Gap {
        designation: designation.id.clone(),
        path: start.path.clone(),
        points: start.points,
        attained: false,
        suggestions,
        points_after: finalr.points,
        attained_after: finalr.qualified,
        note,
        additions: chosen.into_iter().map(|c| c.additions[0].0.clone()).collect(),
    })
}

/// The partner with the additions applied (numbered as the search numbered them).
pub fn apply_all(partner: &Partner, additions: &[Addition]) -> Partner {
    let mut p = partner.clone();
    for (n, a) in additions.iter().enumerate() {
        apply(&mut p, a, n);
    }
    p
}

fn applied(partner: &Partner, chosen: &[Candidate]) -> Partner {
    let additions: Vec<Addition> = chosen.iter().flat_map(|c| c.additions.iter().map(|(a, _)| a.clone())).collect();
    apply_all(partner, &additions)
}

fn apply(p: &mut Partner, a: &Addition, n: usize) {
    let earned: Date = p.as_of.offset(-1).last_day();
    match a {
        Addition::Person { certifications } => {
            let id = unique(|id| p.people.iter().any(|x| x.id == id), &format!("new-person-{}", n + 1));
            let certifications =
                certifications.iter().map(|c| HeldCertification { name: c.clone(), earned, expires: None }).collect();
            p.people.push(Person { id, certifications });
        }
        Addition::Customer { rows } => {
            let id = unique(|id| p.usage.iter().any(|r| r.customer == id), &format!("new-customer-{}", n + 1));
            // A new customer gets the partner's most common segment, so the addition does not move the
            // partner's segment mix (and with it, its path).
            let mut counts = std::collections::BTreeMap::new();
            for s in p.segments.values() {
                *counts.entry(*s).or_insert(0usize) += 1;
            }
            if let Some((segment, _)) = counts.into_iter().max_by_key(|(s, n)| (*n, std::cmp::Reverse(*s))) {
                p.segments.insert(id.clone(), segment);
            }
            if let Some(list) = &mut p.customers {
                list.push(id.clone());
            }
            push_rows(p, &id, rows);
        }
        Addition::Usage { customer, rows } => push_rows(p, customer, rows),
    }
}

fn unique(taken: impl Fn(&str) -> bool, base: &str) -> String {
    let mut id = base.to_owned();
    let mut k = 1;
    while taken(&id) {
        k += 1;
        id = format!("{base}-{k}");
    }
    id
}

fn push_rows(p: &mut Partner, customer: &str, rows: &[Row]) {
    for r in rows {
        p.usage.push(UsageRow {
            customer: customer.to_owned(),
            month: r.month,
            product: r.product.clone(),
            product_key: r.product.to_lowercase(),
            measure: r.measure,
            value: r.value,
            association: r.association,
            offer: "pay-as-you-go".to_owned(),
        });
    }
}

/// Candidate additions for the metrics of `path` that are below their maximum: each kind's own additions
/// (`Kind::additions` in `metrics/<kind>.rs`), for a combined metric those of every part.
fn candidates(
    rules: &RuleSet,
    p: &Partner,
    path: &ScoringPath,
    result: &DesignationResult,
    serial: &mut usize,
) -> Vec<Candidate> {
    *serial += 1;
    let mut out = Vec::new();
    for m in &path.metrics {
        let points = result.metrics.iter().find(|x| x.id == m.id).map_or(Decimal::ZERO, |x| x.points);
        if points >= m.max_points {
            continue;
        }
        let kinds: Vec<&MetricKind> = match &m.measurement {
            Measurement::Single(k) => vec![k],
            Measurement::Combined { parts, .. } => parts.iter().map(|p| &p.kind).collect(),
        };
        for kind in kinds {
            for bundle in kind.kind().additions(rules, p) {
                out.push(Candidate { additions: bundle, metric: m.id.clone() });
            }
        }
    }
    out
}
