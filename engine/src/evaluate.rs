//! Scores a partner under a rule set: picks each designation's path, measures every metric, turns
//! units into points and decides qualification, writing down why at every step.
//!
//! The evaluator interprets the rule set's metric kinds; it knows no designation, product or number of
//! the program. Usage rows are grouped once per selection and shared by every metric that reads it.

use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::{Decimal, RoundingStrategy};

use crate::error::Error;
use crate::explain::{amount, join_limited, list_months, pct};
use crate::partner::{Partner, Segment};
use crate::report::{DesignationResult, MetricResult, RulesRef, ScoreReport};
use crate::rules::*;
use crate::value::Month;

/// Scores `partner` on every designation of `rules`.
///
/// Fails only when a rule script fails; the error names the script and the partner.
pub fn score(rules: &RuleSet, partner: &Partner) -> Result<ScoreReport, Error> {
    let ctx = Context { rules, partner, series: (0..rules.selections.len()).map(|_| OnceCell::new()).collect() };
    let designations = rules.designations.iter().map(|d| ctx.designation(d)).collect::<Result<Vec<_>, _>>()?;
    Ok(ScoreReport {
        partner: partner.id.clone(),
        as_of: partner.as_of.to_string(),
        rules: RulesRef { version: rules.version.clone(), digest: rules.digest.clone() },
        designations,
    })
}

/// Monthly totals of one selection, per customer and per product.
struct Series<'p> {
    customers: BTreeMap<&'p str, BTreeMap<Month, Decimal>>,
    /// Product key → (name as first written, monthly totals).
    products: BTreeMap<&'p str, (&'p str, BTreeMap<Month, Decimal>)>,
}

impl Series<'_> {
    fn total_at(&self, month: Month) -> Decimal {
        self.customers.values().filter_map(|m| m.get(&month)).sum()
    }

    fn total_between(&self, from: Month, to: Month) -> Decimal {
        self.customers.values().map(|m| sum_range(m, from, to)).sum()
    }
}

fn sum_range(months: &BTreeMap<Month, Decimal>, from: Month, to: Month) -> Decimal {
    months.range(from..=to).map(|(_, v)| *v).sum()
}

struct Context<'a> {
    rules: &'a RuleSet,
    partner: &'a Partner,
    series: Vec<OnceCell<Series<'a>>>,
}

/// What a metric kind measured: units for the points rule, points earned outside it, and the story.
struct Measured {
    units: Decimal,
    /// Points earned regardless of units (prerequisite points).
    fixed_points: Decimal,
    /// False when a gate closed: the units earn nothing.
    open: bool,
    story: String,
}

impl<'a> Context<'a> {
    fn series(&self, index: usize) -> &Series<'a> {
        self.series[index].get_or_init(|| {
            let sel = &self.rules.selections[index];
            let mut s = Series { customers: BTreeMap::new(), products: BTreeMap::new() };
            for row in &self.partner.usage {
                let keep = row.measure == sel.measure
                    && sel.associations.as_ref().is_none_or(|a| a.contains(&row.association))
                    && !sel.exclude_offers.contains(&row.offer)
                    && sel.products.as_ref().is_none_or(|p| p.contains(&row.product_key))
                    && !sel.exclude_products.contains(&row.product_key);
                if !keep {
                    continue;
                }
                *s.customers.entry(&row.customer).or_default().entry(row.month).or_default() += row.value;
                let product = s.products.entry(&row.product_key).or_insert((&row.product, BTreeMap::new()));
                *product.1.entry(row.month).or_default() += row.value;
            }
            s
        })
    }

    fn money(&self, selection: usize, v: Decimal) -> String {
        amount(v, self.rules.selections[selection].measure)
    }

    fn designation(&self, d: &Designation) -> Result<DesignationResult, Error> {
        let (path_index, path_reason) = match &d.path_selection {
            PathSelection::Single => (0, "the designation has one path".to_owned()),
            PathSelection::Rule(rule) => self.assigned_path(d, &self.rules.path_rules[*rule]),
            PathSelection::BestTotal => {
                let mut scored = Vec::new();
                for (i, p) in d.paths.iter().enumerate() {
                    scored.push((i, self.path(d, p)?));
                }
                let best = scored
                    .iter()
                    .max_by(|(ia, a), (ib, b)| {
                        (a.qualified, a.points).cmp(&(b.qualified, b.points)).then(ib.cmp(ia))
                    })
                    .map(|(i, _)| *i)
                    .unwrap_or(0);
                let totals: Vec<String> =
                    scored.iter().map(|(i, r)| format!("{} {}", d.paths[*i].id, r.points.normalize())).collect();
                let reason = format!("every path is scored and the best wins: {}", totals.join(", "));
                let mut result = scored.swap_remove(best).1;
                result.path_reason = reason;
                return Ok(result);
            }
        };
        let mut result = self.path(d, &d.paths[path_index])?;
        result.path_reason = path_reason;
        Ok(result)
    }

    /// The path a rule assigns, or the one the partner file states when the designation has it.
    fn assigned_path(&self, d: &Designation, rule: &PathRule) -> (usize, String) {
        let index_of = |id: &str| d.paths.iter().position(|p| p.id == id);
        if let Some(stated) = &self.partner.path {
            if let Some(i) = index_of(stated) {
                return (i, format!("{stated}, as stated in the partner file"));
            }
        }
        let mut failed = Vec::new();
        for (path, test) in &rule.tests {
            let (holds, why) = self.path_test(test);
            if holds {
                return (index_of(path).unwrap_or(0), format!("{path}: {why}"));
            }
            failed.push(why);
        }
        let reason = if failed.is_empty() {
            format!("{}: the rule's default", rule.default)
        } else {
            format!("{}: {}", rule.default, failed.join("; "))
        };
        (index_of(&rule.default).unwrap_or(0), reason)
    }

    fn path_test(&self, test: &PathTest) -> (bool, String) {
        let as_of = self.partner.as_of;
        let ttm = (as_of.offset(-11), as_of);
        match test {
            PathTest::TtmTotalAtLeast { selection, amount } => {
                let total = self.series(*selection).total_between(ttm.0, ttm.1);
                let holds = total >= *amount;
                let op = if holds { "≥" } else { "<" };
                (holds, format!("total over {}–{} is {} {op} {}", ttm.0, ttm.1, self.money(*selection, total), self.money(*selection, *amount)))
            }
            PathTest::SegmentShareBelow { selection, segments, share } => {
                let series = self.series(*selection);
                let active: Vec<&str> = series
                    .customers
                    .iter()
                    .filter(|(_, m)| sum_range(m, ttm.0, ttm.1) > Decimal::ZERO)
                    .map(|(c, _)| *c)
                    .collect();
                let names: Vec<&str> = segments.iter().map(segment_name).collect();
                if active.is_empty() {
                    return (false, format!("no customer has usage in {}–{}, so the {} share is not below {}", ttm.0, ttm.1, names.join("/"), pct(*share * Decimal::ONE_HUNDRED)));
                }
                let inside = active
                    .iter()
                    .filter(|c| self.partner.segments.get(**c).is_some_and(|s| segments.contains(s)))
                    .count();
                let ratio = Decimal::from(inside) / Decimal::from(active.len());
                let holds = ratio < *share;
                let op = if holds { "<" } else { "≥" };
                (holds, format!(
                    "{} of {} customers with usage in {}–{} are {} ({} {op} {})",
                    inside, active.len(), ttm.0, ttm.1, names.join("/"),
                    pct(ratio * Decimal::ONE_HUNDRED), pct(*share * Decimal::ONE_HUNDRED)
                ))
            }
        }
    }

    fn path(&self, d: &Designation, path: &ScoringPath) -> Result<DesignationResult, Error> {
        let mut metrics = Vec::with_capacity(path.metrics.len());
        for m in &path.metrics {
            metrics.push(self.metric(m)?);
        }
        let sum: Decimal = metrics.iter().map(|m| m.points).sum();
        let points = sum.min(d.max_points);
        let q = &d.qualification;
        let short: Vec<String> = metrics
            .iter()
            .filter(|m| m.points < q.min_each_metric)
            .map(|m| format!("{} has {}", m.id, m.points.normalize()))
            .collect();
        let total_ok = points >= q.min_total;
        let qualified = total_ok && short.is_empty();
        let qualification = match (total_ok, short.is_empty()) {
            (true, true) => format!(
                "attained: {} ≥ {} points, and every metric has at least {}",
                points.normalize(), q.min_total.normalize(), q.min_each_metric.normalize()
            ),
            (true, false) => format!(
                "not attained: {} ≥ {} points, but every metric needs at least {} and {}",
                points.normalize(), q.min_total.normalize(), q.min_each_metric.normalize(), short.join(", ")
            ),
            (false, true) => format!("not attained: {} < {} points", points.normalize(), q.min_total.normalize()),
            (false, false) => format!(
                "not attained: {} < {} points, and every metric needs at least {} but {}",
                points.normalize(), q.min_total.normalize(), q.min_each_metric.normalize(), short.join(", ")
            ),
        };
        Ok(DesignationResult {
            id: d.id.clone(),
            name: d.name.clone(),
            path: path.id.clone(),
            path_reason: String::new(),
            points,
            max_points: d.max_points,
            qualified,
            qualification,
            metrics,
        })
    }

    fn metric(&self, m: &Metric) -> Result<MetricResult, Error> {
        let measured = match &m.kind {
            MetricKind::CustomerAdds { selection, rule, threshold, recent_months, baseline_months, baseline_offset } => {
                self.customer_adds(*selection, *rule, *threshold, *recent_months, *baseline_months, *baseline_offset)
            }
            MetricKind::CertifiedPeople { prerequisites, scoring } => self.certified_people(prerequisites, scoring),
            MetricKind::UsageGrowth { selection, compare, baseline_offset, unit, min_ttm_total, min_baseline } => {
                self.usage_growth(*selection, *compare, *baseline_offset, *unit, *min_ttm_total, *min_baseline)
            }
            MetricKind::DistinctProducts { selection, window_months, exclude, new_only } => {
                self.distinct_products(*selection, *window_months, exclude, *new_only)
            }
        };
        let (points, how) = self.points(m, &measured)?;
        Ok(MetricResult {
            id: m.id.clone(),
            category: m.category.clone(),
            points,
            max_points: m.max_points,
            explanation: format!("{} → {how}", measured.story),
        })
    }

    /// Turns measured units into points by the metric's points rule, capped at its maximum.
    fn points(&self, m: &Metric, measured: &Measured) -> Result<(Decimal, String), Error> {
        let rule = &m.points;
        let mut units = measured.units.max(Decimal::ZERO);
        if !measured.open {
            units = Decimal::ZERO;
        }
        let mut parts = Vec::new();
        if let Some(max) = rule.max_units {
            if units > max {
                parts.push(format!("{} units, at most {} count", units.normalize(), max.normalize()));
                units = max;
            }
        }
        let mut earned = match (&rule.script, rule.per_unit) {
            (Some(script), _) => {
                let p = script.run(&[("units", units), ("max_points", m.max_points)], &self.partner.id)?;
                let name = script.file.rsplit(['/', '\\']).next().unwrap_or(&script.file).to_owned();
                parts.push(format!("{name}({}) = {}", units.normalize(), p.normalize()));
                p
            }
            (None, Some(per)) => {
                let p = units * per;
                parts.push(format!("{} × {} = {}", units.normalize(), per.normalize(), p.normalize()));
                p
            }
            (None, None) => Decimal::ZERO,
        };
        if let Some(places) = rule.round_places {
            let rounded = earned.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero);
            if rounded != earned {
                parts.push(format!("rounded to {}", rounded.normalize()));
            }
            earned = rounded;
        }
        if !measured.fixed_points.is_zero() {
            parts.push(format!("plus {} prerequisite points", measured.fixed_points.normalize()));
            earned += measured.fixed_points;
        }
        if earned > m.max_points {
            parts.push(format!("capped at {}", m.max_points.normalize()));
            earned = m.max_points;
        }
        let earned = earned.max(Decimal::ZERO).normalize();
        Ok((earned, format!("{} ({} points)", parts.join(", "), earned)))
    }

    fn customer_adds(&self, sel: usize, rule: AddsRule, threshold: Decimal, recent: i32, baseline: i32, offset: i32) -> Measured {
        let as_of = self.partner.as_of;
        let recent_months: Vec<Month> = (0..recent).rev().map(|i| as_of.offset(-i)).collect();
        let base_end = as_of.offset(-offset);
        let base_months: Vec<Month> = (0..baseline).rev().map(|i| base_end.offset(-i)).collect();
        let series = self.series(sel);
        let money = |v: Decimal| self.money(sel, v);
        let value = |m: &BTreeMap<Month, Decimal>, month: &Month| m.get(month).copied().unwrap_or_default();
        let show = |m: &BTreeMap<Month, Decimal>, months: &[Month]| -> String {
            months.iter().map(|mo| format!("{} in {mo}", money(value(m, mo)))).collect::<Vec<_>>().join(", ")
        };
        let (recent_any, base_any, base_all) =
            (list_months(&recent_months, "or"), list_months(&base_months, "or"), list_months(&base_months, "and"));
        let mut plus = Vec::new();
        let mut minus = Vec::new();
        let mut not_new = Vec::new();
        let mut now_count = 0usize;
        let mut base_count = 0usize;
        for (customer, months) in &series.customers {
            let recent_hit = recent_months.iter().any(|m| value(months, m) >= threshold);
            let base_hit = base_months.iter().any(|m| value(months, m) >= threshold);
            match rule {
                AddsRule::EligibleCountDifference => {
                    now_count += recent_hit as usize;
                    base_count += base_hit as usize;
                    if recent_hit && !base_hit {
                        plus.push(format!("{customer} ({})", show(months, &recent_months)));
                    } else if base_hit && !recent_hit {
                        minus.push(format!("{customer} ({})", show(months, &base_months)));
                    }
                }
                AddsRule::Transitions => {
                    let base_zero = base_months.iter().all(|m| value(months, m).is_zero());
                    if base_zero && recent_hit {
                        plus.push(format!("{customer} ({}; {})", show(months, &base_months), show(months, &recent_months)));
                    } else if base_hit && !recent_hit {
                        minus.push(format!("{customer} ({}; {})", show(months, &base_months), show(months, &recent_months)));
                    } else if recent_hit && !base_zero && !base_hit {
                        not_new.push(format!("{customer} ({})", show(months, &base_months)));
                    }
                }
            }
        }
        let net = match rule {
            AddsRule::EligibleCountDifference => now_count as i64 - base_count as i64,
            AddsRule::Transitions => plus.len() as i64 - minus.len() as i64,
        };
        let mut story = match rule {
            AddsRule::EligibleCountDifference => format!(
                "eligible customers have {} or more in {recent_any} (now) or in {base_any} (a year earlier): {now_count} now, {base_count} then, net {net}",
                money(threshold)
            ),
            AddsRule::Transitions => format!(
                "a customer adds 1 when it had nothing in {base_all} and {} or more in {recent_any}, and loses 1 when it had {} or more in {base_any} and less in every recent month: {} added, {} lost, net {net}",
                money(threshold), money(threshold), plus.len(), minus.len()
            ),
        };
        if !plus.is_empty() {
            story.push_str(&format!("; added: {}", join_limited(&plus)));
        }
        if !minus.is_empty() {
            story.push_str(&format!("; lost: {}", join_limited(&minus)));
        }
        if !not_new.is_empty() {
            story.push_str(&format!("; not counted as added because they had usage in the baseline: {}", join_limited(&not_new)));
        }
        if net < 0 {
            story.push_str("; a negative net earns nothing");
        }
        Measured { units: Decimal::from(net), fixed_points: Decimal::ZERO, open: true, story }
    }

    fn certified_people(&self, prerequisites: &[Prerequisite], scoring: &CertRequirement) -> Measured {
        let cat = &self.rules.catalogue;
        let as_of = self.partner.as_of;
        let month_end = as_of.last_day();
        let relevant: BTreeSet<usize> = prerequisites
            .iter()
            .map(|p| &p.requirement)
            .chain(std::iter::once(scoring))
            .flat_map(|r| r.all_of.iter().chain(r.any_of.iter()).copied())
            .collect();

        // Which relevant certifications each person holds at the end of the month, and which were left out.
        let mut held: Vec<(&str, BTreeSet<usize>)> = Vec::new();
        let mut left_out = Vec::new();
        for person in &self.partner.people {
            let mut certs = BTreeSet::new();
            for c in &person.certifications {
                let Some(i) = cat.find(&c.name) else { continue };
                if !relevant.contains(&i) {
                    continue;
                }
                let code = &cat.certifications[i].code;
                let through = cat.certifications[i].eligible_through;
                if c.earned > month_end {
                    left_out.push(format!("{}'s {code} (earned {}, after {as_of})", person.id, c.earned));
                } else if let Some(exp) = c.expires.filter(|e| *e < month_end) {
                    left_out.push(format!("{}'s {code} (expired {exp})", person.id));
                } else if let Some(t) = through.filter(|t| *t < month_end) {
                    left_out.push(format!("{}'s {code} (retired, eligible through {t})", person.id));
                } else {
                    certs.insert(i);
                }
            }
            held.push((&person.id, certs));
        }
        let meets = |r: &CertRequirement, certs: &BTreeSet<usize>| {
            r.all_of.iter().all(|c| certs.contains(c)) && (r.any_of.is_empty() || r.any_of.iter().any(|c| certs.contains(c)))
        };
        let who = |r: &CertRequirement| -> Vec<&str> { held.iter().filter(|(_, c)| meets(r, c)).map(|(p, _)| *p).collect() };

        let mut parts = Vec::new();
        let mut all_met = true;
        let mut fixed = Decimal::ZERO;
        for (n, step) in prerequisites.iter().enumerate() {
            let people = who(&step.requirement);
            let met = people.len() >= step.people;
            all_met &= met;
            if met {
                fixed += step.points;
            }
            let by = if people.is_empty() { "nobody".to_owned() } else { join_limited(&people) };
            parts.push(format!(
                "prerequisite {} ({} {} with {}): {by} → {}",
                n + 1,
                step.people,
                if step.people == 1 { "person" } else { "people" },
                self.describe(&step.requirement),
                if met { "met" } else { "not met" }
            ));
        }
        let scorers = who(scoring);
        let listed = if scorers.is_empty() { "nobody".to_owned() } else { join_limited(&scorers) };
        parts.push(format!("scoring people (with {}): {listed}", self.describe(scoring)));
        if !all_met && !scorers.is_empty() {
            parts.push(format!("the {} scoring people earn nothing until every prerequisite is met", scorers.len()));
        }
        if !left_out.is_empty() {
            parts.push(format!("left out: {}", join_limited(&left_out)));
        }
        Measured { units: Decimal::from(scorers.len()), fixed_points: fixed, open: all_met, story: parts.join("; ") }
    }

    fn describe(&self, r: &CertRequirement) -> String {
        let codes = |list: &[usize]| -> Vec<String> { list.iter().map(|i| self.rules.catalogue.certifications[*i].code.clone()).collect() };
        let all = codes(&r.all_of);
        let any = codes(&r.any_of);
        match (all.is_empty(), any.len()) {
            (_, 0) => all.join(" and "),
            (true, 1) => any[0].clone(),
            (true, _) => format!("any of {}", any.join(", ")),
            (false, 1) => format!("{} and {}", all.join(" and "), any[0]),
            (false, _) => format!("{} and one of {}", all.join(" and "), any.join(", ")),
        }
    }

    fn usage_growth(&self, sel: usize, compare: Compare, offset: i32, unit: Decimal, min_ttm: Option<Decimal>, min_base: Option<Decimal>) -> Measured {
        let as_of = self.partner.as_of;
        let base_month = as_of.offset(-offset);
        let series = self.series(sel);
        let now = series.total_at(as_of);
        let base = series.total_at(base_month);
        let money = |v: Decimal| self.money(sel, v);
        let mut story = format!("{} in {as_of} against {} in {base_month}", money(now), money(base));
        let closed = |story: String| Measured { units: Decimal::ZERO, fixed_points: Decimal::ZERO, open: false, story };
        if let Some(min) = min_ttm {
            let ttm = series.total_between(as_of.offset(-11), as_of);
            if ttm < min {
                return closed(format!("{story}; the total over {}–{as_of} is {}, below the {} needed to score", as_of.offset(-11), money(ttm), money(min)));
            }
            story.push_str(&format!("; total over {}–{as_of} {} (at least {} needed)", as_of.offset(-11), money(ttm), money(min)));
        }
        if let Some(min) = min_base {
            if base < min {
                return closed(format!("{story}; the baseline is below the {} needed to score", money(min)));
            }
        }
        let units = match compare {
            Compare::Percent => {
                if base.is_zero() {
                    return closed(format!("{story}; with nothing in {base_month} growth is undefined"));
                }
                let growth = (now - base) * Decimal::ONE_HUNDRED / base;
                let units = (growth / unit).floor();
                story.push_str(&format!("; growth {}", pct(growth)));
                if growth.is_sign_negative() {
                    story.push_str(", negative growth earns nothing");
                } else if unit == Decimal::ONE {
                    story.push_str(&format!(", {} whole percent", units.normalize()));
                } else {
                    story.push_str(&format!(", {} whole units of {}%", units.normalize(), unit.normalize()));
                }
                units
            }
            Compare::Difference => {
                let diff = now - base;
                let units = (diff / unit).floor();
                story.push_str(&format!("; change {}", money(diff)));
                if diff.is_sign_negative() {
                    story.push_str(", a decrease earns nothing");
                } else {
                    story.push_str(&format!(", {} whole units of {}", units.normalize(), money(unit)));
                }
                units
            }
        };
        Measured { units, fixed_points: Decimal::ZERO, open: true, story }
    }

    fn distinct_products(&self, sel: usize, window: i32, exclude: &BTreeSet<String>, new_only: bool) -> Measured {
        let as_of = self.partner.as_of;
        let (from, to) = (as_of.offset(-(window - 1)), as_of);
        let (prior_from, prior_to) = (from.offset(-window), from.offset(-1));
        let series = self.series(sel);
        let mut counted = Vec::new();
        let mut excluded = Vec::new();
        let mut old = Vec::new();
        for (key, (name, months)) in &series.products {
            if sum_range(months, from, to) <= Decimal::ZERO {
                continue;
            }
            if exclude.contains(*key) {
                excluded.push(*name);
            } else if new_only && sum_range(months, prior_from, prior_to) > Decimal::ZERO {
                old.push(*name);
            } else {
                counted.push(*name);
            }
        }
        let what = if new_only { "products first used in" } else { "products used in" };
        let mut story = format!(
            "{what} {from}–{to}: {}",
            if counted.is_empty() { "none".to_owned() } else { format!("{} ({})", counted.len(), join_limited(&counted)) }
        );
        if !old.is_empty() {
            story.push_str(&format!("; not new (used in {prior_from}–{prior_to}): {}", join_limited(&old)));
        }
        if !excluded.is_empty() {
            story.push_str(&format!("; excluded by the rules: {}", join_limited(&excluded)));
        }
        Measured { units: Decimal::from(counted.len()), fixed_points: Decimal::ZERO, open: true, story }
    }
}

fn segment_name(s: &Segment) -> &'static str {
    match s {
        Segment::Smb => "smb",
        Segment::Smc => "smc",
        Segment::Enterprise => "enterprise",
    }
}
