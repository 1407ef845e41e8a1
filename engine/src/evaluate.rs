//! Scores a partner under a rule set: picks each designation's path, measures every metric, turns
//! units into points and decides qualification, writing down why at every step.
//!
//! The evaluator interprets the rule set's metric kinds; it knows no designation, product or number of
//! the program. Usage rows are grouped once per selection and shared by every metric that reads it.

use std::borrow::Cow;
use std::cell::{Cell, OnceCell};
use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::{Decimal, RoundingStrategy};

use crate::error::{Error, Located};
use crate::explain::{amount, grouped, join_limited, list_months, pct, Listing};
use crate::partner::{Measure, Partner, Segment, UsageRow};
use crate::report::{DesignationResult, MetricResult, RulesRef, ScoreReport, Warning};
use crate::rules::*;
use crate::value::Month;

/// Scores `partner` on every designation of `rules`.
///
/// Fails when a rule script fails (the error names the script and the partner) or when the partner's
/// `history` names a designation the rules do not know (the error names the field).
pub fn score(rules: &RuleSet, partner: &Partner) -> Result<ScoreReport, Error> {
    crate::status::check_history(rules, partner)?;
    let ctx = Context::new(rules, partner);
    let designations = rules.designations.iter().map(|d| ctx.designation(d)).collect::<Result<Vec<_>, _>>()?;
    Ok(ScoreReport {
        partner: partner.id.clone(),
        as_of: partner.as_of.to_string(),
        rules: RulesRef { version: rules.version.clone(), digest: rules.digest.clone() },
        program: crate::status::program(rules, partner, &designations),
        software: crate::status::software(rules, partner),
        designations,
        warnings: certification_warnings(rules, partner),
    })
}

/// One designation of `rules` scored for `partner`, exactly as [`score`] reports it.
///
/// `gap` re-scores one designation for every candidate addition: scoring only that one groups only the usage
/// of the selections it reads, and skips the other designations, program status and warnings. The partner's
/// history is not checked here; `gap` scores the partner with [`score`] first, which does.
pub(crate) fn score_designation(
    rules: &RuleSet,
    partner: &Partner,
    designation: &Designation,
) -> Result<DesignationResult, Error> {
    Context::new(rules, partner).designation(designation)
}

/// Certifications the catalogue does not know that are probably misspelt: close to a code, name or alias of
/// the catalogue, or shaped like an exam code with a letter in its number (`AZ-9O0`). They count for nothing,
/// so the partner is told. Other free text (`Scrum Master`) and well-formed codes the catalogue does not list
/// (`SC-900`) are not misspellings and pass silently.
fn certification_warnings(rules: &RuleSet, partner: &Partner) -> Vec<Warning> {
    let cat = &rules.catalogue;
    let mut warnings = Vec::new();
    for (i, person) in partner.people.iter().enumerate() {
        for (j, c) in person.certifications.iter().enumerate() {
            if cat.find(&c.name).is_some() {
                continue;
            }
            let hint = match cat.near(&c.name) {
                Some(spelling) => format!("did you mean \"{spelling}\"?"),
                // A well-formed code the catalogue does not list (`SC-900`, a fundamentals exam) is a real
                // exam that counts for nothing, not a typo: only a letter typed in the number is warned about.
                None if crate::rules::looks_like_exam_code(&c.name) && letter_in_number(&c.name) => format!(
                    "the catalogue of rule version {} does not list it, so it counts toward no designation",
                    rules.version
                ),
                None => continue,
            };
            warnings.push(Warning {
                field: format!("people[{i}].certifications[{j}]"),
                message: format!("unknown certification \"{}\"", c.name),
                hint: Some(hint),
            });
        }
    }
    warnings
}

/// Whether an exam-code-shaped name has a letter O, I or l where its number should be (`AZ-9O0`).
fn letter_in_number(name: &str) -> bool {
    name.trim().chars().skip_while(char::is_ascii_alphabetic).any(|c| matches!(c, 'O' | 'o' | 'I' | 'l'))
}

/// Monthly totals of one selection, per customer and product and per customer.
///
/// Usage values are never negative (the partner file refuses them) and neither are selection rates (the rules
/// refuse them), so every total here is at most the sum of all of the selection's weighted rows. Building the
/// series checks that sum row by row; when it fits, every sum over the series' months or customers is a part
/// of it and fits too, so the plain additions here and in the metric kinds cannot overflow.
struct Series<'p> {
    /// (customer, product key) → monthly totals.
    cells: BTreeMap<(&'p str, &'p str), BTreeMap<Month, Decimal>>,
    /// Product key → the name as first written.
    names: BTreeMap<&'p str, &'p str>,
    /// Customer → monthly totals over all its products.
    customers: BTreeMap<&'p str, BTreeMap<Month, Decimal>>,
}

impl<'p> Series<'p> {
    /// Adds one run of monthly values of a customer's product.
    fn merge(&mut self, (customer, product, name): (&'p str, &'p str, &'p str), months: BTreeMap<Month, Decimal>) {
        self.names.entry(product).or_insert(name);
        let total = self.customers.entry(customer).or_default();
        for (m, v) in &months {
            *total.entry(*m).or_default() += *v;
        }
        match self.cells.entry((customer, product)) {
            std::collections::btree_map::Entry::Vacant(e) => {
                e.insert(months);
            }
            std::collections::btree_map::Entry::Occupied(mut e) => {
                for (m, v) in months {
                    *e.get_mut().entry(m).or_default() += v;
                }
            }
        }
    }

    fn total_at(&self, month: Month) -> Decimal {
        self.customers.values().filter_map(|m| m.get(&month)).sum()
    }

    fn total_between(&self, from: Month, to: Month) -> Decimal {
        self.customers.values().map(|m| sum_range(m, from, to)).sum()
    }

    /// Monthly values per counted entity: customers (their products summed or the largest product)
    /// or each product of each customer.
    fn entities(&self, entity: Entity, aggregate: Aggregate) -> BTreeMap<String, Cow<'_, BTreeMap<Month, Decimal>>> {
        // Borrowed where the series already holds the months: scoring calls this for many metrics.
        match (entity, aggregate) {
            (Entity::Customer, Aggregate::Sum) => {
                self.customers.iter().map(|(c, m)| (c.to_string(), Cow::Borrowed(m))).collect()
            }
            (Entity::Customer, Aggregate::Max) => {
                let mut out: BTreeMap<String, BTreeMap<Month, Decimal>> = BTreeMap::new();
                for ((customer, _), months) in &self.cells {
                    let target = out.entry(customer.to_string()).or_default();
                    for (month, v) in months {
                        let slot = target.entry(*month).or_insert(*v);
                        *slot = (*slot).max(*v);
                    }
                }
                out.into_iter().map(|(k, m)| (k, Cow::Owned(m))).collect()
            }
            (Entity::CustomerProduct, _) => self
                .cells
                .iter()
                .map(|((c, p), m)| (format!("{c} / {}", self.names.get(p).copied().unwrap_or(p)), Cow::Borrowed(m)))
                .collect(),
        }
    }

    /// A customer's value in a month, its products summed or the largest taken.
    fn customer_value(&self, customer: &str, month: Month, aggregate: Aggregate) -> Decimal {
        match aggregate {
            Aggregate::Sum => self.customers.get(customer).and_then(|m| m.get(&month)).copied().unwrap_or_default(),
            Aggregate::Max => self
                .cells
                .range((customer, "")..)
                .take_while(|((c, _), _)| *c == customer)
                .filter_map(|(_, m)| m.get(&month).copied())
                .max()
                .unwrap_or_default(),
        }
    }
}

fn sum_range(months: &BTreeMap<Month, Decimal>, from: Month, to: Month) -> Decimal {
    months.range(from..=to).map(|(_, v)| *v).sum()
}

fn value(months: &BTreeMap<Month, Decimal>, month: Month) -> Decimal {
    months.get(&month).copied().unwrap_or_default()
}

struct Context<'a> {
    rules: &'a RuleSet,
    partner: &'a Partner,
    series: Vec<OnceCell<Series<'a>>>,
    /// Usage rows by measure, so each selection visits only the rows of the measures it reads.
    by_measure: Vec<Vec<&'a UsageRow>>,
    /// The first value found too large for a decimal, as `field: what overflows`. Sums are taken inside
    /// iterators and lazily built series; they note an overflow here and go on with zero, and `metric` and
    /// `designation` turn the note into this partner's error, so no score is ever built on it.
    overflow: Cell<Option<String>>,
}

impl Measured {
    /// Units that are the customers counted.
    fn customers(counted: BTreeSet<String>, story: String) -> Measured {
        Measured {
            units: Decimal::from(counted.len()),
            customers: Some(counted),
            fixed_points: Decimal::ZERO,
            open: true,
            story,
        }
    }
}

/// What a metric kind measured: units for the points rule, points earned outside it, and the story.
struct Measured {
    units: Decimal,
    /// The customers counted, for kinds that count customers.
    customers: Option<BTreeSet<String>>,
    /// Points earned regardless of units (prerequisite points).
    fixed_points: Decimal,
    /// False when a gate closed: the units earn nothing.
    open: bool,
    story: String,
}

impl<'a> Context<'a> {
    fn new(rules: &'a RuleSet, partner: &'a Partner) -> Context<'a> {
        let mut by_measure: Vec<Vec<&UsageRow>> = vec![Vec::new(); Measure::ALL.len()];
        for row in &partner.usage {
            by_measure[row.measure as usize].push(row);
        }
        Context {
            rules,
            partner,
            series: (0..rules.selections.len()).map(|_| OnceCell::new()).collect(),
            by_measure,
            overflow: Cell::new(None),
        }
    }

    /// Notes an overflow (the first one wins) and stands in zero for the value that has none.
    fn overflowed(&self, what: impl FnOnce() -> String) -> Decimal {
        let first = self.overflow.take().unwrap_or_else(what);
        self.overflow.set(Some(first));
        Decimal::ZERO
    }

    /// `value`, or zero with an overflow noted when it could not be computed.
    fn checked(&self, value: Option<Decimal>, what: impl FnOnce() -> String) -> Decimal {
        value.unwrap_or_else(|| self.overflowed(what))
    }

    /// The noted overflow as this partner's error, `file: field: what overflows (while ...)`.
    fn overflow_error(&self, during: impl FnOnce() -> String) -> Result<(), Error> {
        match self.overflow.take() {
            None => Ok(()),
            Some(note) => {
                let (field, what) = note.split_once(": ").unwrap_or(("usage", &note));
                Err(Error::new(Located::field(&self.partner.origin, field), format!("{what} ({})", during()))
                    .with_hint("a value this large cannot be scored exactly; check the partner's numbers"))
            }
        }
    }

    fn series(&self, index: usize) -> &Series<'a> {
        self.series[index].get_or_init(|| {
            let sel = &self.rules.selections[index];
            let mut s = Series { cells: BTreeMap::new(), names: BTreeMap::new(), customers: BTreeMap::new() };
            // Rows of one customer and product usually come together (a month after another): they are summed
            // in a run and merged into the maps once per run, not once per row.
            let mut run: Option<(&'a str, &'a str, &'a str)> = None;
            let mut months: BTreeMap<Month, Decimal> = BTreeMap::new();
            let mut all = Decimal::ZERO;
            let rows = Measure::ALL.iter().filter(|m| sel.reads(**m)).flat_map(|m| self.by_measure[*m as usize].iter());
            for row in rows {
                // Cheap enum checks first, then the name lookups.
                if !sel.associations.as_ref().is_none_or(|a| a.contains(&row.association)) {
                    continue;
                }
                let keep = !sel.exclude_offers.contains(&row.offer)
                    && sel.products.as_ref().is_none_or(|p| p.contains(&row.product_key))
                    && !sel.exclude_products.contains(&row.product_key);
                let Some(weight) = sel.weight(&row.product_key, row.measure).filter(|_| keep) else { continue };
                let weighted = if weight == Decimal::ONE { Some(row.value) } else { row.value.checked_mul(weight) };
                let Some(v) = weighted.filter(|v| all.checked_add(*v).is_some()) else {
                    // Nothing of this selection is summed past here: the partner fails with this note.
                    self.overflowed(|| format!("usage: sum of {} overflows", sel.name));
                    break;
                };
                all += v;
                let key = (row.customer.as_str(), row.product_key.as_str(), row.product.as_str());
                if run.is_some_and(|r| (r.0, r.1) != (key.0, key.1)) {
                    s.merge(run.take().expect("a run"), std::mem::take(&mut months));
                }
                run = Some(key);
                *months.entry(row.month).or_default() += v;
            }
            if let Some(r) = run {
                s.merge(r, months);
            }
            s
        })
    }

    /// A value of a selection as people read it: `USD 1,200.50`, `40 paid_seats`, `12,000 bizapps-mcv`.
    fn money(&self, selection: usize, v: Decimal) -> String {
        let sel = &self.rules.selections[selection];
        match sel.shown_as() {
            Some(measure) => amount(v, measure),
            None => format!("{} {}", grouped(v), sel.name),
        }
    }

    /// Customers whose value at `month` passes the filter.
    fn passes(&self, filter: &CustomerFilter, customer: &str, month: Month) -> bool {
        let v = self.series(filter.selection).customer_value(customer, month, filter.aggregate);
        filter.at_least.is_none_or(|min| v >= min) && filter.at_most.is_none_or(|max| v <= max)
    }

    fn describe_filter(&self, filter: &CustomerFilter) -> String {
        let range = match (filter.at_least, filter.at_most) {
            (Some(a), Some(b)) => format!("{} to {}", self.money(filter.selection, a), self.money(filter.selection, b)),
            (Some(a), None) => format!("at least {}", self.money(filter.selection, a)),
            (None, Some(b)) => format!("at most {}", self.money(filter.selection, b)),
            (None, None) => "any value".to_owned(),
        };
        let how = if filter.aggregate == Aggregate::Max { " on their largest product" } else { "" };
        format!("customers with {range}{how}")
    }

    fn designation(&self, d: &Designation) -> Result<DesignationResult, Error> {
        let (path_index, path_reason) = match &d.path_selection {
            PathSelection::Single => (0, "the designation has one path".to_owned()),
            PathSelection::Rule(rule) => {
                let chosen = self.assigned_path(d, &self.rules.path_rules[*rule]);
                self.overflow_error(|| format!("choosing the path of designation \"{}\"", d.id))?;
                chosen
            }
            PathSelection::BestTotal => {
                let mut scored = Vec::new();
                for (i, p) in d.paths.iter().enumerate() {
                    scored.push((i, self.path(d, p)?));
                }
                let best = scored
                    .iter()
                    .max_by(|(ia, a), (ib, b)| (a.qualified, a.points).cmp(&(b.qualified, b.points)).then(ib.cmp(ia)))
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
                (
                    holds,
                    format!(
                        "total over {}–{} is {} {op} {}",
                        ttm.0,
                        ttm.1,
                        self.money(*selection, total),
                        self.money(*selection, *amount)
                    ),
                )
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
                    return (
                        false,
                        format!(
                            "no customer has usage in {}–{}, so the {} share is not below {}",
                            ttm.0,
                            ttm.1,
                            names.join("/"),
                            pct(*share * Decimal::ONE_HUNDRED)
                        ),
                    );
                }
                let inside = active
                    .iter()
                    .filter(|c| self.partner.segments.get(**c).is_some_and(|s| segments.contains(s)))
                    .count();
                let ratio = Decimal::from(inside) / Decimal::from(active.len());
                let holds = ratio < *share;
                let op = if holds { "<" } else { "≥" };
                (
                    holds,
                    format!(
                        "{} of {} customers with usage in {}–{} are {} ({} {op} {})",
                        inside,
                        active.len(),
                        ttm.0,
                        ttm.1,
                        names.join("/"),
                        pct(ratio * Decimal::ONE_HUNDRED),
                        pct(*share * Decimal::ONE_HUNDRED)
                    ),
                )
            }
            PathTest::EntitiesAboveInBothMonths { selection, entity, above, at_least, baseline_offset } => {
                let base = as_of.offset(-baseline_offset);
                let found: Vec<String> = self
                    .series(*selection)
                    .entities(*entity, Aggregate::Sum)
                    .into_iter()
                    .filter(|(_, m)| value(m, as_of) > *above && value(m, base) > *above)
                    .map(|(k, _)| k)
                    .collect();
                let holds = found.len() >= *at_least;
                let op = if holds { "≥" } else { "<" };
                let mut why = format!(
                    "{} over {} in both {base} and {as_of}: {} {op} {at_least}",
                    if *entity == Entity::Customer { "customers" } else { "customer products" },
                    self.money(*selection, *above),
                    found.len()
                );
                if !found.is_empty() {
                    why.push_str(&format!(" ({})", join_limited(&found)));
                }
                (holds, why)
            }
        }
    }

    fn path(&self, d: &Designation, path: &ScoringPath) -> Result<DesignationResult, Error> {
        let mut metrics = Vec::with_capacity(path.metrics.len());
        for m in &path.metrics {
            metrics.push(self.metric(d, m)?);
        }
        // Each metric's points are capped at its max_points, whose sum the rules check: this cannot overflow.
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
                points.normalize(),
                q.min_total.normalize(),
                q.min_each_metric.normalize()
            ),
            (true, false) => format!(
                "not attained: {} ≥ {} points, but every metric needs at least {} and {}",
                points.normalize(),
                q.min_total.normalize(),
                q.min_each_metric.normalize(),
                short.join(", ")
            ),
            (false, true) => format!("not attained: {} < {} points", points.normalize(), q.min_total.normalize()),
            (false, false) => format!(
                "not attained: {} < {} points, and every metric needs at least {} but {}",
                points.normalize(),
                q.min_total.normalize(),
                q.min_each_metric.normalize(),
                short.join(", ")
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

    fn metric(&self, d: &Designation, m: &Metric) -> Result<MetricResult, Error> {
        let (points, explanation) = match &m.measurement {
            Measurement::Single(kind) => {
                let measured = self.measure(kind);
                let rule = m.points.as_ref().expect("compile gives a single-kind metric its points");
                let (points, how) = self.points(rule, m.max_points, &measured, &[])?;
                (points, format!("{} → {how}", measured.story))
            }
            Measurement::Combined { combine, parts } => self.combined(m, *combine, parts)?,
        };
        self.overflow_error(|| format!("scoring metric \"{}\" of designation \"{}\"", m.id, d.id))?;
        Ok(MetricResult {
            id: m.id.clone(),
            category: m.category.clone(),
            points,
            max_points: m.max_points,
            explanation,
            evidence: None,
        })
    }

    fn measure(&self, kind: &MetricKind) -> Measured {
        match kind {
            MetricKind::CustomerAdds(adds) => self.customer_adds(adds),
            MetricKind::CertifiedPeople { prerequisites, scoring } => self.certified_people(prerequisites, scoring),
            MetricKind::UsageGrowth {
                selection,
                compare,
                baseline_offset,
                unit,
                min_ttm_total,
                min_baseline,
                eligible,
            } => self.usage_growth(
                *selection,
                *compare,
                *baseline_offset,
                *unit,
                *min_ttm_total,
                *min_baseline,
                eligible.as_ref(),
            ),
            MetricKind::DistinctProducts { selection, window_months, exclude, new_only } => {
                self.distinct_products(*selection, *window_months, exclude, *new_only)
            }
            MetricKind::RatioCustomers {
                numerator,
                denominator,
                ratio,
                rule,
                window_months,
                baseline_offset,
                min_denominator,
                eligible,
            } => self.ratio_customers(
                *numerator,
                *denominator,
                *ratio,
                *rule,
                *window_months,
                *baseline_offset,
                *min_denominator,
                eligible.as_ref(),
            ),
            MetricKind::RollingSumCrossing { selection, window_months, threshold, baseline_offset } => {
                self.rolling_sum_crossing(*selection, *window_months, *threshold, *baseline_offset)
            }
        }
    }

    /// A metric measured by several parts: their units added, their customers united, or the best option.
    fn combined(&self, m: &Metric, combine: Combine, parts: &[Part]) -> Result<(Decimal, String), Error> {
        let measured: Vec<(&Part, Measured)> = parts.iter().map(|p| (p, self.measure(&p.kind))).collect();
        if combine == Combine::Best {
            let mut options = Vec::new();
            for (part, mm) in &measured {
                let rule = part.points.as_ref().expect("compile gives every option its points");
                let (points, how) = self.points(rule, m.max_points, mm, &[])?;
                options.push((part.id.as_str(), points, format!("option {}: {} → {how}", part.id, mm.story)));
            }
            let best = options
                .iter()
                .enumerate()
                .max_by(|(ia, a), (ib, b)| a.1.cmp(&b.1).then(ib.cmp(ia)))
                .map(|(i, _)| i)
                .unwrap_or(0);
            let (name, points, _) = options[best];
            let stories: Vec<&str> = options.iter().map(|o| o.2.as_str()).collect();
            return Ok((points, format!("{}; the best option is {name} ({points} points)", stories.join("; "))));
        }
        let stories: Vec<String> = measured.iter().map(|(p, mm)| format!("{}: {}", p.id, mm.story)).collect();
        let open = measured.iter().any(|(_, mm)| mm.open);
        let part_units: Vec<(String, Decimal)> = measured
            .iter()
            .map(|(p, mm)| (p.id.clone(), if mm.open { mm.units.max(Decimal::ZERO) } else { Decimal::ZERO }))
            .collect();
        let (units, summary) = match combine {
            Combine::Sum => {
                let units = measured.iter().filter(|(_, mm)| mm.open).fold(Decimal::ZERO, |sum, (p, mm)| {
                    self.checked(sum.checked_add(mm.units), || {
                        format!("usage: sum of the parts' units overflows at part \"{}\"", p.id)
                    })
                });
                // A script weighs the parts itself; their plain sum means nothing then.
                let scripted = m.points.as_ref().is_some_and(|p| p.script.is_some());
                (
                    units,
                    if scripted {
                        "the formula weighs the parts".to_owned()
                    } else {
                        format!("together {}", units.normalize())
                    },
                )
            }
            _ => {
                let all: BTreeSet<&String> =
                    measured.iter().filter_map(|(_, mm)| mm.customers.as_ref()).flatten().collect();
                let names: Vec<&str> = all.iter().map(|s| s.as_str()).collect();
                let summary = format!(
                    "{} distinct customers, each counted once{}",
                    all.len(),
                    if names.is_empty() { String::new() } else { format!(" ({})", join_limited(&names)) }
                );
                (Decimal::from(all.len()), summary)
            }
        };
        let total = Measured { units, customers: None, fixed_points: Decimal::ZERO, open, story: String::new() };
        let rule = m.points.as_ref().expect("compile gives a summed or distinct metric its points");
        let (points, how) = self.points(rule, m.max_points, &total, &part_units)?;
        Ok((points, format!("{}; {summary} → {how}", stories.join("; "))))
    }

    /// Turns measured units into points by a points rule, capped at `max_points`.
    fn points(
        &self,
        rule: &PointsRule,
        max_points: Decimal,
        measured: &Measured,
        parts: &[(String, Decimal)],
    ) -> Result<(Decimal, String), Error> {
        let mut units = measured.units.max(Decimal::ZERO);
        if !measured.open {
            units = Decimal::ZERO;
        }
        let mut parts_text = Vec::new();
        if let Some(max) = rule.max_units {
            if units > max {
                parts_text.push(format!("{} units, at most {} count", units.normalize(), max.normalize()));
                units = max;
            }
        }
        let mut earned = match (&rule.script, rule.per_unit) {
            (Some(script), _) => {
                let mut inputs = vec![("units".to_owned(), units), ("max_points".to_owned(), max_points)];
                inputs.extend(rule.params.iter().cloned());
                inputs.extend(parts.iter().cloned());
                let p = script.run(&inputs, &format!("scoring partner \"{}\"", self.partner.id))?;
                let name = script.file.rsplit(['/', '\\']).next().unwrap_or(&script.file).to_owned();
                let shown: Vec<String> = inputs
                    .iter()
                    .filter(|(k, _)| k != "max_points" && (parts.is_empty() || k != "units"))
                    .map(|(k, v)| format!("{k} = {}", v.normalize()))
                    .collect();
                parts_text.push(format!("{name} with {} gives {}", shown.join(", "), p.normalize()));
                p
            }
            (None, Some(per)) => {
                let p = self.checked(units.checked_mul(per), || {
                    format!("usage: {} units × {} points overflows", units.normalize(), per.normalize())
                });
                parts_text.push(format!("{} × {} = {}", units.normalize(), per.normalize(), p.normalize()));
                p
            }
            (None, None) => Decimal::ZERO,
        };
        if let Some(places) = rule.round_places {
            let rounded = earned.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero);
            if rounded != earned {
                parts_text.push(format!("rounded to {}", rounded.normalize()));
            }
            earned = rounded;
        }
        if !measured.fixed_points.is_zero() {
            parts_text.push(format!("plus {} prerequisite points", measured.fixed_points.normalize()));
            earned = self.checked(earned.checked_add(measured.fixed_points), || {
                format!(
                    "usage: {} points plus {} prerequisite points overflows",
                    earned.normalize(),
                    measured.fixed_points.normalize()
                )
            });
        }
        if earned > max_points {
            parts_text.push(format!("capped at {}", max_points.normalize()));
            earned = max_points;
        }
        let earned = earned.max(Decimal::ZERO).normalize();
        Ok((earned, format!("{} ({} points)", parts_text.join(", "), earned)))
    }

    fn customer_adds(&self, adds: &CustomerAdds) -> Measured {
        let CustomerAdds {
            selection: sel,
            entity,
            aggregate,
            rule,
            threshold,
            at_most,
            ref eligible,
            recent_months: recent,
            baseline_months: baseline,
            baseline_offset: offset,
        } = *adds;
        let as_of = self.partner.as_of;
        let recent_months: Vec<Month> = (0..recent).rev().map(|i| as_of.offset(-i)).collect();
        let base_end = as_of.offset(-offset);
        let base_months: Vec<Month> = (0..baseline).rev().map(|i| base_end.offset(-i)).collect();
        let entities = self.series(sel).entities(entity, aggregate);
        let money = |v: Decimal| self.money(sel, v);
        let in_range = |v: Decimal| v >= threshold && at_most.is_none_or(|max| v <= max);
        // An entity's customer passes the filter in the month (the customer is the part before " / ").
        let passes = |key: &str, month: Month| {
            eligible.as_ref().is_none_or(|f| self.passes(f, key.split(" / ").next().unwrap_or(key), month))
        };
        let hit_in = |key: &str, months: &BTreeMap<Month, Decimal>, month: Month| {
            in_range(value(months, month)) && passes(key, month)
        };
        let show = |m: &BTreeMap<Month, Decimal>, months: &[Month]| -> String {
            months.iter().map(|mo| format!("{} in {mo}", money(value(m, *mo)))).collect::<Vec<_>>().join(", ")
        };
        let (recent_any, base_any, base_all) =
            (list_months(&recent_months, "or"), list_months(&base_months, "or"), list_months(&base_months, "and"));
        let level = match at_most {
            Some(max) => format!("{} to {}", money(threshold), money(max)),
            None => format!("{} or more", money(threshold)),
        };
        let what = match (entity, aggregate) {
            (Entity::CustomerProduct, _) => "customer product",
            (Entity::Customer, Aggregate::Max) => "customer (by its largest product)",
            (Entity::Customer, Aggregate::Sum) => "customer",
        };
        let mut plus = Listing::default();
        let mut minus = Listing::default();
        let mut not_new = Listing::default();
        let mut added = BTreeSet::new();
        let (mut now_count, mut base_count) = (0usize, 0usize);
        for (key, months) in &entities {
            match rule {
                AddsRule::EligibleCountDifference => {
                    let recent_hit = recent_months.iter().any(|m| hit_in(key, months, *m));
                    let base_hit = base_months.iter().any(|m| hit_in(key, months, *m));
                    now_count += recent_hit as usize;
                    base_count += base_hit as usize;
                    if recent_hit && !base_hit {
                        plus.push_with(|| format!("{key} ({})", show(months, &recent_months)));
                        added.insert(key.clone());
                    } else if base_hit && !recent_hit {
                        minus.push_with(|| format!("{key} ({})", show(months, &base_months)));
                    }
                }
                AddsRule::Transitions => {
                    let recent_hit = recent_months.iter().any(|m| hit_in(key, months, *m));
                    let base_hit = base_months.iter().any(|m| hit_in(key, months, *m));
                    let base_zero = base_months.iter().all(|m| value(months, *m).is_zero());
                    if base_zero && recent_hit {
                        plus.push_with(|| {
                            format!("{key} ({}; {})", show(months, &base_months), show(months, &recent_months))
                        });
                        added.insert(key.clone());
                    } else if base_hit && !recent_hit {
                        minus.push_with(|| {
                            format!("{key} ({}; {})", show(months, &base_months), show(months, &recent_months))
                        });
                    } else if recent_hit && !base_zero && !base_hit {
                        not_new.push_with(|| format!("{key} ({})", show(months, &base_months)));
                    }
                }
                AddsRule::MonthlyTransitions => {
                    for m in &recent_months {
                        let (before, now) = (value(months, m.offset(-1)), value(months, *m));
                        if before.is_zero() && hit_in(key, months, *m) {
                            plus.push_with(|| {
                                format!("{key} in {m} ({} in {}, {} in {m})", money(before), m.offset(-1), money(now))
                            });
                            added.insert(key.clone());
                        } else if hit_in(key, months, m.offset(-1)) && now.is_zero() {
                            minus.push_with(|| {
                                format!("{key} in {m} ({} in {}, none in {m})", money(before), m.offset(-1))
                            });
                        }
                    }
                }
                AddsRule::AverageCrossing => {
                    let n = Decimal::from(recent_months.len());
                    let now_avg = recent_months.iter().map(|m| value(months, *m)).sum::<Decimal>() / n;
                    let base_span: Vec<Month> = recent_months.iter().map(|m| m.offset(-offset)).collect();
                    let base_avg = base_span.iter().map(|m| value(months, *m)).sum::<Decimal>() / n;
                    let text = || {
                        format!(
                            "{key} (average {} a month then, {} now)",
                            money(base_avg.round_dp(2)),
                            money(now_avg.round_dp(2))
                        )
                    };
                    let (now_in, base_in) =
                        (in_range(now_avg) && passes(key, as_of), in_range(base_avg) && passes(key, base_end));
                    if now_in && !base_in {
                        plus.push_with(text);
                        added.insert(key.clone());
                    } else if base_in && !now_in {
                        minus.push_with(text);
                    }
                }
            }
        }
        let net = match rule {
            AddsRule::EligibleCountDifference => now_count as i64 - base_count as i64,
            _ => plus.len() as i64 - minus.len() as i64,
        };
        let window = |months: &[Month]| match months {
            [first, .., last] => format!("{first}–{last}"),
            [one] => one.to_string(),
            [] => String::new(),
        };
        let mut story = match rule {
            AddsRule::EligibleCountDifference => format!(
                "a {what} counts when it has {level} in {recent_any} (now) or in {base_any} (a year earlier): {now_count} now, {base_count} then, net {net}"
            ),
            AddsRule::Transitions => format!(
                "a {what} adds 1 when it had nothing in {base_all} and {level} in {recent_any}, and loses 1 when it had {level} in {base_any} and not in any recent month: {} added, {} lost, net {net}",
                plus.len(), minus.len()
            ),
            AddsRule::MonthlyTransitions => format!(
                "in each month of {}, a {what} adds 1 going from nothing the month before to {level}, and loses 1 going from {level} to nothing: {} added, {} lost, net {net}",
                window(&recent_months), plus.len(), minus.len()
            ),
            AddsRule::AverageCrossing => format!(
                "a {what} adds 1 when its monthly average over {} is {level} and over {} was not, and loses 1 the other way round: {} added, {} lost, net {net}",
                window(&recent_months),
                window(&recent_months.iter().map(|m| m.offset(-offset)).collect::<Vec<_>>()),
                plus.len(), minus.len()
            ),
        };
        if !plus.is_empty() {
            story.push_str(&format!("; added: {}", plus.joined()));
        }
        if !minus.is_empty() {
            story.push_str(&format!("; lost: {}", minus.joined()));
        }
        if !not_new.is_empty() {
            story.push_str(&format!(
                "; not counted as added because they had usage in the baseline: {}",
                not_new.joined()
            ));
        }
        if let Some(f) = eligible {
            story.push_str(&format!("; only {} in the month counted", self.describe_filter(f)));
        }
        if net < 0 {
            story.push_str("; a negative net earns nothing");
        }
        let customers = (entity == Entity::Customer).then_some(added);
        Measured { units: Decimal::from(net), customers, fixed_points: Decimal::ZERO, open: true, story }
    }

    #[allow(clippy::too_many_arguments)]
    fn ratio_customers(
        &self,
        numerator: usize,
        denominator: usize,
        ratio: Decimal,
        rule: RatioRule,
        window: i32,
        offset: i32,
        min_denominator: Option<Decimal>,
        eligible: Option<&CustomerFilter>,
    ) -> Measured {
        let as_of = self.partner.as_of;
        let base = as_of.offset(-offset);
        let (num, den) = (self.series(numerator), self.series(denominator));
        let empty = BTreeMap::new();
        // A product reaches the ratio in a month when its denominator is positive and the numerator is at least ratio × denominator.
        let reaches = |customer: &str, product: &str, month: Month| -> bool {
            let d = value(den.cells.get(&(customer, product)).unwrap_or(&empty), month);
            let n = value(num.cells.get(&(customer, product)).unwrap_or(&empty), month);
            // A ratio × denominator too large for a decimal is more than any numerator: not reached.
            d > Decimal::ZERO && ratio.checked_mul(d).is_some_and(|needed| n >= needed)
        };
        let pairs: BTreeSet<(&str, &str)> = den.cells.keys().copied().collect();
        let name = |p: &str| den.names.get(p).copied().unwrap_or(p).to_owned();
        let share = pct(ratio * Decimal::ONE_HUNDRED);
        let mut counted = BTreeSet::new();
        let mut lines = Vec::new();
        let mut story;
        match rule {
            RatioRule::Crossing => {
                let recent: Vec<Month> = (0..window).rev().map(|i| as_of.offset(-i)).collect();
                for (customer, product) in &pairs {
                    if eligible.is_some_and(|f| !self.passes(f, customer, as_of)) || counted.contains(*customer) {
                        continue;
                    }
                    if reaches(customer, product, base) {
                        continue;
                    }
                    let Some(month) = recent.iter().find(|m| reaches(customer, product, **m)) else { continue };
                    let seats_now = value(&den.cells[&(*customer, *product)], as_of);
                    if min_denominator.is_some_and(|min| seats_now < min) {
                        continue;
                    }
                    counted.insert(customer.to_string());
                    lines.push(format!(
                        "{customer} ({} from below {share} in {base} to {share} or more in {month})",
                        name(product)
                    ));
                }
                story = format!(
                    "customers with a product going from below {share} of {} in {base} to {share} or more in some month of {}–{as_of}",
                    self.rules.selections[denominator].name, recent[0]
                );
                if let Some(min) = min_denominator {
                    story.push_str(&format!(", with at least {} in {as_of}", self.money(denominator, min)));
                }
                story.push_str(&format!(": {}", counted.len()));
            }
            RatioRule::CountDifference => {
                let deployed = |month: Month| -> BTreeSet<&str> {
                    pairs
                        .iter()
                        .filter(|(c, p)| reaches(c, p, month) && eligible.is_none_or(|f| self.passes(f, c, month)))
                        .map(|(c, _)| *c)
                        .collect()
                };
                let (now, then) = (deployed(as_of), deployed(base));
                let gained: Vec<&str> = now.difference(&then).copied().collect();
                let dropped: Vec<&str> = then.difference(&now).copied().collect();
                counted = gained.iter().map(|c| c.to_string()).collect();
                story = format!(
                    "customers with a product at {share} or more of {}: {} in {as_of}, {} in {base}, net {}",
                    self.rules.selections[denominator].name,
                    now.len(),
                    then.len(),
                    now.len() as i64 - then.len() as i64
                );
                if !gained.is_empty() {
                    lines.push(format!("new: {}", join_limited(&gained)));
                }
                if !dropped.is_empty() {
                    lines.push(format!("no longer: {}", join_limited(&dropped)));
                }
                let units = Decimal::from(now.len() as i64 - then.len() as i64);
                if let Some(f) = eligible {
                    story.push_str(&format!(" (only {} in the month counted)", self.describe_filter(f)));
                }
                if !lines.is_empty() {
                    story.push_str(&format!("; {}", lines.join("; ")));
                }
                return Measured { units, customers: Some(counted), fixed_points: Decimal::ZERO, open: true, story };
            }
        }
        if let Some(f) = eligible {
            story.push_str(&format!(" (only {} in {as_of})", self.describe_filter(f)));
        }
        if !lines.is_empty() {
            story.push_str(&format!("; {}", join_limited(&lines)));
        }
        Measured::customers(counted, story)
    }

    fn rolling_sum_crossing(&self, sel: usize, window: i32, threshold: Decimal, offset: i32) -> Measured {
        let as_of = self.partner.as_of;
        let base_end = as_of.offset(-offset);
        let rolling = |m: &BTreeMap<Month, Decimal>, end: Month| sum_range(m, end.offset(-(window - 1)), end);
        let mut counted = BTreeSet::new();
        let mut lines = Vec::new();
        for (customer, months) in &self.series(sel).customers {
            let before = rolling(months, base_end);
            if before > threshold {
                continue;
            }
            let crossed = (0..offset).rev().map(|i| as_of.offset(-i)).find(|end| rolling(months, *end) > threshold);
            if let Some(end) = crossed {
                counted.insert(customer.to_string());
                lines.push(format!(
                    "{customer} ({} in the {window} months to {base_end}, {} in the {window} months to {end})",
                    self.money(sel, before),
                    self.money(sel, rolling(months, end))
                ));
            }
        }
        let mut story = format!(
            "customers whose {window}-month total went from at most {} (to {base_end}) to more than that (to some month of {}–{as_of}): {}",
            self.money(sel, threshold),
            as_of.offset(-(offset - 1)),
            counted.len()
        );
        if !lines.is_empty() {
            story.push_str(&format!("; {}", join_limited(&lines)));
        }
        Measured::customers(counted, story)
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
            r.all_of.iter().all(|c| certs.contains(c))
                && (r.any_of.is_empty() || r.any_of.iter().any(|c| certs.contains(c)))
        };
        let who =
            |r: &CertRequirement| -> Vec<&str> { held.iter().filter(|(_, c)| meets(r, c)).map(|(p, _)| *p).collect() };

        let mut parts = Vec::new();
        let mut all_met = true;
        let mut fixed = Decimal::ZERO;
        for (n, step) in prerequisites.iter().enumerate() {
            let people = who(&step.requirement);
            let met = people.len() >= step.people;
            all_met &= met;
            if met {
                fixed = self
                    .checked(fixed.checked_add(step.points), || "usage: sum of prerequisite points overflows".into());
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
        Measured {
            units: Decimal::from(scorers.len()),
            customers: None,
            fixed_points: fixed,
            open: all_met,
            story: parts.join("; "),
        }
    }

    fn describe(&self, r: &CertRequirement) -> String {
        let codes = |list: &[usize]| -> Vec<String> {
            list.iter().map(|i| self.rules.catalogue.certifications[*i].code.clone()).collect()
        };
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

    #[allow(clippy::too_many_arguments)]
    fn usage_growth(
        &self,
        sel: usize,
        compare: Compare,
        offset: i32,
        unit: Decimal,
        min_ttm: Option<Decimal>,
        min_base: Option<Decimal>,
        eligible: Option<&CustomerFilter>,
    ) -> Measured {
        let as_of = self.partner.as_of;
        let base_month = as_of.offset(-offset);
        let series = self.series(sel);
        let (now, base) = match eligible {
            None => (series.total_at(as_of), series.total_at(base_month)),
            Some(f) => series
                .customers
                .iter()
                .filter(|(c, _)| self.passes(f, c, as_of))
                .fold((Decimal::ZERO, Decimal::ZERO), |(n, b), (_, m)| (n + value(m, as_of), b + value(m, base_month))),
        };
        let money = |v: Decimal| self.money(sel, v);
        let mut story = format!("{} in {as_of} against {} in {base_month}", money(now), money(base));
        if let Some(f) = eligible {
            story.push_str(&format!(" (only {} in {as_of})", self.describe_filter(f)));
        }
        let closed = |story: String| Measured {
            units: Decimal::ZERO,
            customers: None,
            fixed_points: Decimal::ZERO,
            open: false,
            story,
        };
        if let Some(min) = min_ttm {
            let ttm = series.total_between(as_of.offset(-11), as_of);
            if ttm < min {
                return closed(format!(
                    "{story}; the total over {}–{as_of} is {}, below the {} needed to score",
                    as_of.offset(-11),
                    money(ttm),
                    money(min)
                ));
            }
            story.push_str(&format!(
                "; total over {}–{as_of} {} (at least {} needed)",
                as_of.offset(-11),
                money(ttm),
                money(min)
            ));
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
                // A tiny baseline makes the percentage huge: more than a decimal holds is an error, not a score.
                let what = || {
                    format!(
                        "usage: growth of {} from {base_month} to {as_of} overflows",
                        self.rules.selections[sel].name
                    )
                };
                let growth = self
                    .checked((now - base).checked_mul(Decimal::ONE_HUNDRED).and_then(|g| g.checked_div(base)), what);
                let units = self.checked(growth.checked_div(unit), what).floor().max(Decimal::ZERO);
                story.push_str(&format!("; growth {}", pct(growth)));
                if growth.is_sign_negative() && !growth.is_zero() {
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
                let what =
                    || format!("usage: change of {} in units of {unit} overflows", self.rules.selections[sel].name);
                let units = self.checked(diff.checked_div(unit), what).floor().max(Decimal::ZERO);
                story.push_str(&format!("; change {}", money(diff)));
                if diff.is_sign_negative() {
                    story.push_str(", a decrease earns nothing");
                } else if unit != Decimal::ONE {
                    story.push_str(&format!(", {} whole units of {}", units.normalize(), money(unit)));
                }
                units
            }
        };
        Measured { units, customers: None, fixed_points: Decimal::ZERO, open: true, story }
    }

    fn distinct_products(&self, sel: usize, window: i32, exclude: &BTreeSet<String>, new_only: bool) -> Measured {
        let as_of = self.partner.as_of;
        let (from, to) = (as_of.offset(-(window - 1)), as_of);
        let (prior_from, prior_to) = (from.offset(-window), from.offset(-1));
        let series = self.series(sel);
        let mut products: BTreeMap<&str, BTreeMap<Month, Decimal>> = BTreeMap::new();
        for ((_, product), months) in &series.cells {
            let target = products.entry(product).or_default();
            for (m, v) in months {
                *target.entry(*m).or_default() += *v;
            }
        }
        let mut counted = Vec::new();
        let mut excluded = Vec::new();
        let mut old = Vec::new();
        for (key, months) in &products {
            let name = &series.names.get(key).copied().unwrap_or(key);
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
            if counted.is_empty() {
                "none".to_owned()
            } else {
                format!("{} ({})", counted.len(), join_limited(&counted))
            }
        );
        if !old.is_empty() {
            story.push_str(&format!("; not new (used in {prior_from}–{prior_to}): {}", join_limited(&old)));
        }
        if !excluded.is_empty() {
            story.push_str(&format!("; excluded by the rules: {}", join_limited(&excluded)));
        }
        Measured {
            units: Decimal::from(counted.len()),
            customers: None,
            fixed_points: Decimal::ZERO,
            open: true,
            story,
        }
    }
}

fn segment_name(s: &Segment) -> &'static str {
    match s {
        Segment::Smb => "smb",
        Segment::Smc => "smc",
        Segment::Enterprise => "enterprise",
    }
}
