//! What it takes to attain a designation: concrete additions to a partner's data (a person with given
//! certifications, a customer over a threshold, a new product, more usage) that the rules would count.
//!
//! Candidate additions are derived from each metric's own kind and parameters — the rules' units — never
//! from advice written per designation. A greedy search adds the candidate that closes most of the gap,
//! re-scoring the designation each time, then drops any addition the result does not need. Every
//! suggestion is therefore checked by the same evaluator that scored the partner, and the final plan by the
//! whole of `score`. Identical additions are shown as one suggestion with a count; each suggestion credits
//! every metric it moved; plans that tie with the one found (as many additions, the same points) are offered
//! as alternatives.

use std::collections::BTreeSet;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::evaluate::score_designation;
use crate::partner::{Association, HeldCertification, Measure, Partner, Person, UsageRow};
use crate::report::{number, DesignationResult};
use crate::rules::*;
use crate::value::{Date, Month};
use crate::{score, Error};

/// Additions the search may stack for one designation before giving up.
const MAX_STEPS: usize = 40;

/// Plans shown besides the first when several tie.
const MAX_ALTERNATIVES: usize = 2;

/// Swaps tried when looking for plans that tie: each is a scoring, and a large partner pays for each.
const MAX_ALTERNATIVE_TRIALS: usize = 24;

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
    #[schemars(with = "crate::report::ExactNumber")]
    pub points: Decimal,
    /// True when the partner already attains it (no suggestion then).
    pub attained: bool,
    /// The plan: its additions, identical ones grouped, in the order the search first chose them, each with
    /// the points it added.
    pub suggestions: Vec<Suggestion>,
    /// Points and attainment with every suggestion applied.
    #[serde(serialize_with = "number")]
    #[schemars(with = "crate::report::ExactNumber")]
    pub points_after: Decimal,
    pub attained_after: bool,
    /// Other plans that attain the designation with as many additions and the same points (at most two, in a
    /// fixed order); empty when the plan has no tie.
    pub alternatives: Vec<Plan>,
    /// Why no full suggestion could be found, when none was.
    pub note: Option<String>,
    /// The plan's additions, one per unit (a suggestion with a count of 4 stands for 4 of them).
    #[serde(skip)]
    pub additions: Vec<Addition>,
    /// How many times the search scored the designation: bounded by the rules and the additions, never by the
    /// partner's usage rows.
    #[serde(skip)]
    pub scorings: usize,
}

/// A plan that ties with the first one.
#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct Plan {
    pub suggestions: Vec<Suggestion>,
    #[serde(skip)]
    pub additions: Vec<Addition>,
}

/// One suggested addition (or `count` identical ones), in words, with its effect.
#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct Suggestion {
    pub add: String,
    /// How many identical additions it stands for.
    pub count: usize,
    /// The metric the search aimed it at.
    pub metric: String,
    /// Every metric whose points it moved, with the points, in the path's order.
    pub metrics: Vec<MetricPoints>,
    /// The designation's points it added (all `count` additions together).
    #[serde(serialize_with = "number")]
    #[schemars(with = "crate::report::ExactNumber")]
    pub points_added: Decimal,
}

/// Points one metric gained (or lost) from a suggestion.
#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct MetricPoints {
    pub id: String,
    #[serde(serialize_with = "number")]
    #[schemars(with = "crate::report::ExactNumber")]
    pub points: Decimal,
}

/// A candidate: one addition, or a bundle that only counts together (every unmet prerequisite step and a
/// scoring person), and what it is for. Bundles let the search cross plateaus where one person adds nothing.
#[derive(Clone)]
struct Candidate {
    additions: Vec<(Addition, String)>,
    metric: String,
}

/// One addition of a plan, with its words and the metric it was aimed at.
#[derive(Clone, PartialEq)]
struct Step {
    addition: Addition,
    words: String,
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
                alternatives: Vec::new(),
                note: None,
                additions: Vec::new(),
                scorings: 0,
            });
            continue;
        }
        out.push(search(rules, partner, designation, d)?);
    }
    // The search scores one designation at a time. The partner with every plan applied (what `--write` writes)
    // is scored once as a whole, so that a partner the full report refuses (a sum too large for a decimal in a
    // selection no searched designation reads) is refused here too.
    let additions: Vec<Addition> = out.iter().flat_map(|g| g.additions.iter().cloned()).collect();
    if !additions.is_empty() {
        score(rules, &apply_all(partner, &additions))?;
    }
    Ok(out)
}

/// How far a result is from attainment: missing total points, plus a large weight per metric below its minimum.
fn deficit(d: &DesignationResult, q: &Qualification) -> Decimal {
    let short_total = (q.min_total - d.points).max(Decimal::ZERO);
    let short_metrics = d.metrics.iter().filter(|m| m.points < q.min_each_metric).count();
    short_total + Decimal::from(100 * short_metrics)
}

/// The partner under search. Additions are applied to it in place and undone after each trial, so that a
/// trial neither copies the partner's usage rows nor scores the designations not searched.
struct Search<'a> {
    rules: &'a RuleSet,
    designation: &'a Designation,
    partner: Partner,
    scorings: usize,
}

/// How long the partner's lists were before additions, and the customers added, to undo them.
struct Mark {
    people: usize,
    usage: usize,
    customers: usize,
    new_customers: Vec<String>,
}

impl Search<'_> {
    fn mark(&self) -> Mark {
        Mark {
            people: self.partner.people.len(),
            usage: self.partner.usage.len(),
            customers: self.partner.customers.as_ref().map_or(0, Vec::len),
            new_customers: Vec::new(),
        }
    }

    fn apply(&mut self, a: &Addition, n: usize, mark: &mut Mark) {
        if let Some(id) = apply(&mut self.partner, a, n) {
            mark.new_customers.push(id);
        }
    }

    /// Back to the partner as it was at `mark`: additions only ever push, and a new customer's id is new.
    fn undo(&mut self, mark: Mark) {
        let p = &mut self.partner;
        p.people.truncate(mark.people);
        p.usage.truncate(mark.usage);
        if let Some(list) = &mut p.customers {
            list.truncate(mark.customers);
        }
        for id in &mark.new_customers {
            p.segments.remove(id);
        }
    }

    fn score(&mut self) -> Result<DesignationResult, Error> {
        self.scorings += 1;
        score_designation(self.rules, &self.partner, self.designation)
    }

    /// The designation scored with `additions` (each with its number) on top of the partner as it stands.
    fn trial<'x>(
        &mut self,
        additions: impl IntoIterator<Item = (&'x Addition, usize)>,
    ) -> Result<DesignationResult, Error> {
        let mut mark = self.mark();
        for (a, n) in additions {
            self.apply(a, n, &mut mark);
        }
        let r = self.score();
        self.undo(mark);
        r
    }

    /// The designation scored with `steps` on top of the partner as it stands, numbered in order.
    fn trial_steps(&mut self, steps: &[Step]) -> Result<DesignationResult, Error> {
        self.trial(steps.iter().enumerate().map(|(n, s)| (&s.addition, n)))
    }

    /// The suggestions of a plan: identical steps grouped in the order of their first appearance, each group
    /// applied in turn and re-scored, so every number shown was produced by the evaluator. Also the plan's
    /// additions in that order and the result with all of them.
    fn plan(
        &mut self,
        steps: &[Step],
        start: &DesignationResult,
    ) -> Result<(Vec<Suggestion>, Vec<Addition>, DesignationResult), Error> {
        let mut groups: Vec<(&Step, usize)> = Vec::new();
        for s in steps {
            match groups.iter_mut().find(|(g, _)| g.addition == s.addition && g.words == s.words) {
                Some(group) => group.1 += 1,
                None => groups.push((s, 1)),
            }
        }
        let mut mark = self.mark();
        let mut before = start.clone();
        let mut additions = Vec::new();
        let mut suggestions = Vec::new();
        for (step, count) in groups {
            for _ in 0..count {
                self.apply(&step.addition, additions.len(), &mut mark);
                additions.push(step.addition.clone());
            }
            let after = self.score();
            let after = match after {
                Ok(r) => r,
                Err(e) => {
                    self.undo(mark);
                    return Err(e);
                }
            };
            suggestions.push(Suggestion {
                add: words_for(&step.words, count),
                count,
                metric: step.metric.clone(),
                metrics: moved(&before, &after),
                points_added: (after.points - before.points).normalize(),
            });
            before = after;
        }
        self.undo(mark);
        Ok((suggestions, additions, before))
    }
}

/// The metrics whose points differ between two results of one designation, with the difference.
fn moved(before: &DesignationResult, after: &DesignationResult) -> Vec<MetricPoints> {
    let had =
        |id: &str, r: &DesignationResult| r.metrics.iter().find(|m| m.id == id).map_or(Decimal::ZERO, |m| m.points);
    let mut out: Vec<MetricPoints> = after
        .metrics
        .iter()
        .map(|m| MetricPoints { id: m.id.clone(), points: (m.points - had(&m.id, before)).normalize() })
        .collect();
    // A metric of another path (the addition moved the partner to this one) lost what it had.
    out.extend(
        before
            .metrics
            .iter()
            .filter(|m| !after.metrics.iter().any(|a| a.id == m.id))
            .map(|m| MetricPoints { id: m.id.clone(), points: (-m.points).normalize() }),
    );
    out.retain(|m| !m.points.is_zero());
    out
}

/// The words of `count` identical additions: "1 more person with X" becomes "4 more people with X",
/// "1 more customer …" "4 more customers …"; other words are prefixed with the count.
fn words_for(words: &str, count: usize) -> String {
    if count == 1 {
        return words.to_owned();
    }
    if let Some(rest) = words.strip_prefix("1 more person ") {
        return format!("{count} more people {rest}");
    }
    if let Some(rest) = words.strip_prefix("1 more ") {
        let (noun, tail) = rest.split_once(' ').unwrap_or((rest, ""));
        let tail = if tail.is_empty() { String::new() } else { format!(" {tail}") };
        let noun = noun.strip_suffix(':').map_or_else(|| format!("{noun}s"), |n| format!("{n}s:"));
        return format!("{count} more {noun}{tail}");
    }
    format!("{count} × {words}")
}

fn search(
    rules: &RuleSet,
    partner: &Partner,
    designation: &Designation,
    start: &DesignationResult,
) -> Result<Gap, Error> {
    let q = &designation.qualification;
    let mut s = Search { rules, designation, partner: partner.clone(), scorings: 0 };
    let mut chosen: Vec<Step> = Vec::new();
    let mut result = start.clone();
    let mut serial = 0usize;
    // The chosen additions are applied to the partner as the search goes, and undone after it.
    let mut applied = s.mark();
    while !result.qualified && chosen.len() < MAX_STEPS {
        let path = designation.paths.iter().find(|p| p.id == result.path).unwrap_or(&designation.paths[0]);
        let candidates = candidates(rules, &s.partner, path, &result, &mut serial);
        let before = deficit(&result, q);
        let mut best: Option<(Decimal, Decimal, Candidate, DesignationResult)> = None;
        for c in candidates {
            let r = s.trial(c.additions.iter().map(|(a, _)| (a, serial)))?;
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
            s.apply(&a, serial, &mut applied);
            chosen.push(Step { addition: a, words, metric: c.metric.clone() });
        }
        result = r;
    }
    s.undo(applied);
    // Drop additions the attainment does not need, last first, so the list stays minimal.
    if result.qualified {
        let mut i = chosen.len();
        while i > 0 {
            i -= 1;
            let mut without = chosen.clone();
            without.remove(i);
            if s.trial_steps(&without)?.qualified {
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
            let r = s.trial_steps(&without)?;
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
            if let Addition::Person { certifications: mine } = &chosen[i].addition {
                for j in (i + 1)..chosen.len() {
                    let Addition::Person { certifications: theirs } = &chosen[j].addition else { continue };
                    if mine.iter().any(|c| theirs.contains(c)) {
                        continue;
                    }
                    let mut trial = chosen.clone();
                    let mut both = theirs.clone();
                    both.extend(mine.iter().cloned());
                    let words =
                        format!("{} and {}", trial[j].words, trial[i].words.trim_start_matches("1 more person with "));
                    trial[j].addition = Addition::Person { certifications: both };
                    trial[j].words = words;
                    trial.remove(i);
                    if s.trial_steps(&trial)?.qualified {
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
    let (suggestions, additions, finalr) = s.plan(&chosen, start)?;
    let alternatives = if finalr.qualified {
        let path = designation.paths.iter().find(|p| p.id == start.path).unwrap_or(&designation.paths[0]);
        alternatives(&mut s, &chosen, path, start, finalr.points)?
    } else {
        Vec::new()
    };
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
        alternatives,
        note,
        additions,
        scorings: s.scorings,
    })
}

/// Plans that tie with `plan` (attained, as many additions, `points`): each group of identical additions of the
/// plan replaced by as many of another single candidate addition, then one addition of a group replaced. Tried
/// in the plan's order and the candidates' order, at most `MAX_ALTERNATIVE_TRIALS` of them, so the alternatives
/// are the same on every run; an alternative with an addition it does not need is no tie (a shorter plan
/// exists) and is skipped.
fn alternatives(
    s: &mut Search,
    plan: &[Step],
    path: &ScoringPath,
    start: &DesignationResult,
    points: Decimal,
) -> Result<Vec<Plan>, Error> {
    let mut serial = 0usize;
    let pool: Vec<Step> = candidates(s.rules, &s.partner, path, start, &mut serial)
        .into_iter()
        .filter(|c| c.additions.len() == 1)
        .map(|c| {
            let (addition, words) = c.additions.into_iter().next().expect("one addition");
            Step { addition, words, metric: c.metric }
        })
        .collect();
    let key = |steps: &[Step]| {
        let mut k: Vec<Addition> = steps.iter().map(|s| s.addition.clone()).collect();
        k.sort();
        k
    };
    let mut seen: BTreeSet<Vec<Addition>> = BTreeSet::from([key(plan)]);
    let mut distinct: Vec<&Addition> = Vec::new();
    for step in plan {
        if !distinct.contains(&&step.addition) {
            distinct.push(&step.addition);
        }
    }
    let mut tries: Vec<Vec<Step>> = Vec::new();
    for whole in [true, false] {
        for a in &distinct {
            let copies = plan.iter().filter(|s| s.addition == **a).count();
            if !whole && copies == 1 {
                continue;
            }
            for other in pool.iter().filter(|o| o.addition != **a) {
                let mut first = true;
                let swapped: Vec<Step> = plan
                    .iter()
                    .map(|step| {
                        if step.addition == **a && (whole || std::mem::take(&mut first)) {
                            other.clone()
                        } else {
                            step.clone()
                        }
                    })
                    .collect();
                tries.push(swapped);
            }
        }
    }
    let mut out = Vec::new();
    for steps in tries.into_iter().take(MAX_ALTERNATIVE_TRIALS) {
        if out.len() == MAX_ALTERNATIVES {
            break;
        }
        if !seen.insert(key(&steps)) {
            continue;
        }
        let r = s.trial_steps(&steps)?;
        if !r.qualified || r.points != points || !needs_every_step(s, &steps)? {
            continue;
        }
        let (suggestions, additions, _) = s.plan(&steps, start)?;
        out.push(Plan { suggestions, additions });
    }
    Ok(out)
}

/// Whether dropping any one addition of an attaining plan loses the designation.
fn needs_every_step(s: &mut Search, steps: &[Step]) -> Result<bool, Error> {
    let mut tried: Vec<&Addition> = Vec::new();
    for i in 0..steps.len() {
        if tried.contains(&&steps[i].addition) {
            continue;
        }
        tried.push(&steps[i].addition);
        let mut fewer = steps.to_vec();
        fewer.remove(i);
        if s.trial_steps(&fewer)?.qualified {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The partner with the additions applied (numbered as the search numbered them).
pub fn apply_all(partner: &Partner, additions: &[Addition]) -> Partner {
    let mut p = partner.clone();
    for (n, a) in additions.iter().enumerate() {
        apply(&mut p, a, n);
    }
    p
}

/// Applies one addition; returns the id of the customer it added, if it added one.
fn apply(p: &mut Partner, a: &Addition, n: usize) -> Option<String> {
    let earned: Date = p.as_of.offset(-1).last_day();
    match a {
        Addition::Person { certifications } => {
            let id = unique(|id| p.people.iter().any(|x| x.id == id), &format!("new-person-{}", n + 1));
            let certifications =
                certifications.iter().map(|c| HeldCertification { name: c.clone(), earned, expires: None }).collect();
            p.people.push(Person { id, certifications });
            None
        }
        Addition::Customer { rows } => {
            // New to the partner everywhere it names customers: in usage, and in its customer list (where a
            // customer may have no usage) and segments, so nothing of the partner's is overwritten.
            let id = unique(
                |id| {
                    p.segments.contains_key(id)
                        || p.customers.as_ref().is_some_and(|list| list.iter().any(|c| c == id))
                        || p.usage.iter().any(|r| *r.customer == *id)
                },
                &format!("new-customer-{}", n + 1),
            );
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
            Some(id)
        }
        Addition::Usage { customer, rows } => {
            push_rows(p, customer, rows);
            None
        }
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
            customer: customer.into(),
            month: r.month,
            product: r.product.as_str().into(),
            product_key: r.product.to_lowercase().into(),
            measure: r.measure,
            value: r.value,
            association: r.association,
            offer: crate::partner::DEFAULT_OFFER.into(),
            cloud: crate::partner::Cloud::Public,
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
