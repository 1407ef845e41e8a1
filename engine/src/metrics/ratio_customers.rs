//! `ratio-customers`: customers with a product whose numerator (active users, say) reaches a share of its
//! denominator (paid seats), counted as crossings from the baseline or as a difference of counts.

use std::collections::BTreeSet;

use rust_decimal::Decimal;
use crate::codes;

use super::additions::{filter_rows, in_file_units, row, row_shape};
use super::{value, Context, Kind, Measured, MetricKind, Monthly, Reads, Registered};
use crate::evidence::{Evidence, Item, ItemType, Number};
use crate::explain::{join_limited, pct};
use crate::generate::{percent, Build, Slot};
use crate::gap::Addition;
use crate::partner::{Association, Partner};
use crate::rules::schema::MetricFile;
use crate::rules::{CustomerFilter, KindCompiler, RuleSet};
use crate::value::{cmp, Month};

pub(crate) const KIND: Registered = Registered {
    name: "ratio-customers",
    keys: &[
        "selection",
        "denominator",
        "ratio",
        "rule",
        "window_months",
        "baseline_offset",
        "min_denominator",
        "eligible_customers",
    ],
    reasons: &["crossed", "not-eligible", "customer-already-counted", "at-ratio-in-baseline", "not-reached", "below-min-denominator", "new", "no-longer", "in-both", "in-neither"],
    compile,
};

/// The parameters of a `ratio-customers` measurement.
#[derive(Debug)]
pub struct RatioCustomers {
    pub numerator: usize,
    pub denominator: usize,
    pub ratio: Decimal,
    pub rule: RatioRule,
    pub window_months: i32,
    pub baseline_offset: i32,
    pub min_denominator: Option<Decimal>,
    pub eligible: Option<CustomerFilter>,
}

/// How `ratio-customers` counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RatioRule {
    /// Below the ratio in the baseline month, at or above it in some month of the recent window.
    Crossing,
    /// Customers at or above the ratio in `as_of`, minus those in the baseline month.
    CountDifference,
}

fn compile(c: &mut KindCompiler<'_, '_>, m: &MetricFile) -> Option<MetricKind> {
    let id = c.id().to_owned();
    let numerator = c.selection(m);
    let denominator = match &m.denominator {
        Some(s) => Some(c.find_selection(s)),
        None => {
            c.err_here(codes::MISSING_KEY, format!("\"{id}\" needs `denominator` (a selection)"), None);
            None
        }
    };
    c.required(&m.ratio, "ratio");
    let ratio = m.ratio.as_ref().map(|r| c.fraction(r, "ratio"));
    let rule = match m.rule.as_ref().map(|r| (r.get_ref().as_str(), r.span())) {
        Some(("crossing", _)) => RatioRule::Crossing,
        Some(("count-difference", _)) => RatioRule::CountDifference,
        Some((other, at)) => {
            let hint = c.suggest(other, &["crossing", "count-difference"]);
            c.err(codes::UNKNOWN_VALUE, at, format!("unknown rule \"{other}\""), Some(&hint));
            RatioRule::Crossing
        }
        None => {
            c.err_here(codes::MISSING_KEY, format!("\"{id}\" needs `rule`"), Some("rule = \"crossing\" or \"count-difference\""));
            RatioRule::Crossing
        }
    };
    Some(MetricKind::RatioCustomers(RatioCustomers {
        numerator: numerator?,
        denominator: denominator?,
        ratio: ratio?,
        rule,
        window_months: c.months(&m.window_months, "window_months", 12),
        baseline_offset: c.months(&m.baseline_offset, "baseline_offset", 12),
        min_denominator: c.non_negative_opt(&m.min_denominator, "min_denominator"),
        eligible: c.customer_filter(m),
    }))
}

impl RatioCustomers {
    /// The measurement; `one_pass` false tests every month directly (as a window longer than [`DeployedBits`]
    /// hold does), which the tests compare with the one pass.
    fn measure_in<'c>(&self, ctx: &'c Context<'_>, one_pass: bool) -> Measured<'c> {
        let RatioCustomers {
            numerator,
            denominator,
            ratio,
            rule,
            window_months: window,
            baseline_offset: offset,
            min_denominator,
            ..
        } = *self;
        let eligible = self.eligible.as_ref();
        let as_of = ctx.as_of;
        let base = as_of.offset(-offset);
        let (num, den) = (ctx.series(numerator), ctx.series(denominator));
        // Each product of each customer with a denominator, its denominator's and numerator's months found once
        // (issue 15: not looked up by name for every month tested), in (customer, product) order.
        let empty = Monthly::default();
        let pairs: Vec<(&str, &str, &Monthly, &Monthly)> = den
            .cells
            .iter()
            .map(|((c, p), d)| (*c, *p, d, num.cell(c, p).unwrap_or(&empty)))
            .collect();
        // A product reaches the ratio in a month when its denominator is positive and the numerator is at least ratio × denominator.
        let reaches = |d: &Monthly, n: &Monthly, month: Month| reaches(ratio, d, n, month);
        // The share of the denominator a product's numerator reached in a month (4 places), for the evidence.
        let share_in = |d: &Monthly, n: &Monthly, month: Month| -> Option<(Month, Number)> {
            value(n, month).checked_div(value(d, month)).map(|s| (month, Number(s.round_dp(4).normalize())))
        };
        let name = |p: &str| den.names.get(p).copied().unwrap_or(p).to_owned();
        let mut ev = Evidence::of(KIND.name);
        let mut counted = BTreeSet::new();
        match rule {
            RatioRule::Crossing => {
                let recent: Vec<Month> = (0..window).rev().map(|i| as_of.offset(-i)).collect();
                for &(customer, product, d, n) in &pairs {
                    let crossed = recent.iter().find(|m| reaches(d, n, **m)).copied();
                    let reason = if eligible.is_some_and(|f| !ctx.passes(f, customer, as_of)) {
                        "not-eligible"
                    } else if counted.contains(customer) {
                        "customer-already-counted"
                    } else if reaches(d, n, base) {
                        "at-ratio-in-baseline"
                    } else if crossed.is_none() {
                        "not-reached"
                    } else if min_denominator.is_some_and(|min| value(d, as_of) < min) {
                        "below-min-denominator"
                    } else {
                        counted.insert(customer);
                        "crossed"
                    };
                    // A month of the window keeps no items: nothing is written about each product then.
                    if ctx.brief {
                        continue;
                    }
                    let mut item =
                        Item::new(ItemType::CustomerProduct, format!("{customer} / {}", name(product)), false, reason);
                    item.customer = Some(customer.to_string());
                    item.months = [base].iter().chain(&recent).filter_map(|m| share_in(d, n, *m)).collect();
                    if reason == "crossed" {
                        item.counted = true;
                        item.month = crossed.map(|m| m.to_string());
                    }
                    ev.items.push(item);
                }
                ev.figure("customers", Decimal::from(counted.len()), Some("customers"), None);
                Measured::customers(counted, ev)
            }
            RatioRule::CountDifference => {
                // Per customer, in customer order: deployed now (a product at the ratio and the customer eligible
                // in `as_of`) and then (in the baseline month). From the bits of the one pass when they hold both
                // months (issue 15: the window in one pass), else tested here.
                let bits = ctx.window_memo(self, one_pass, |span| self.deployed_bits(ctx, span, &pairs));
                let bits = bits.as_deref();
                let tested: Vec<(&str, bool, bool)> = match bits.and_then(|b| Some((b, b.of(as_of)?))) {
                    Some((b, (now_bit, base_bit))) => b
                        .customers
                        .iter()
                        .map(|&(first, months)| (pairs[first].0, months & now_bit != 0, months & base_bit != 0))
                        .collect(),
                    None => {
                        let deployed = |month: Month| -> BTreeSet<&str> {
                            pairs
                                .iter()
                                .filter(|(c, _, d, n)| {
                                    reaches(d, n, month) && eligible.is_none_or(|f| ctx.passes(f, c, month))
                                })
                                .map(|(c, _, _, _)| *c)
                                .collect()
                        };
                        let (now, then) = (deployed(as_of), deployed(base));
                        let customers: BTreeSet<&str> = pairs.iter().map(|(c, _, _, _)| *c).collect();
                        customers.into_iter().map(|c| (c, now.contains(c), then.contains(c))).collect()
                    }
                };
                let (mut now, mut then) = (0i64, 0i64);
                for (customer, is_now, is_then) in tested {
                    now += i64::from(is_now);
                    then += i64::from(is_then);
                    let reason = match (is_now, is_then) {
                        (true, false) => "new",
                        (false, true) => "no-longer",
                        (true, true) => "in-both",
                        (false, false) => "in-neither",
                    };
                    if reason == "new" {
                        counted.insert(customer);
                    }
                    if !ctx.brief {
                        ev.items.push(Item::new(ItemType::Customer, customer, reason == "new", reason));
                    }
                }
                let unit = Some("customers");
                // A figure's month is evidence, which a month of the window does not keep.
                let month = |m: Month| (!ctx.brief).then(|| m.to_string());
                ev.figure("now", Decimal::from(now), unit, month(as_of));
                ev.figure("then", Decimal::from(then), unit, month(base));
                let units = Decimal::from(now - then);
                ev.figure("net", units, unit, None);
                Measured { units, customers: Some(counted), fixed_points: Decimal::ZERO, open: true, evidence: ev }
            }
        }
    }

    /// `count-difference`: per customer of `pairs` (each product of each customer with a denominator, in that
    /// order), the months of the qualification window's tests (each month of it and its baseline month) in which
    /// a product of the customer reaches the ratio and the customer passes the filter, worked out once per
    /// partner (issue 15: the window in one pass). `None` when those months are more than a word holds.
    fn deployed_bits(
        &self,
        ctx: &Context<'_>,
        (first_as_of, last): (Month, Month),
        pairs: &[(&str, &str, &Monthly, &Monthly)],
    ) -> Option<DeployedBits> {
        let offset = self.baseline_offset;
        let (first, end) = (first_as_of.min(first_as_of.offset(-offset)), last.max(last.offset(-offset)));
        let len = end.since(first).checked_add(1).filter(|n| (1..=64).contains(n))?;
        let eligible = self.eligible.as_ref();
        let mut bits = DeployedBits { first, len, measured: (first_as_of, last), offset, customers: Vec::new() };
        let mut filter_months = None;
        for (i, &(customer, _, d, n)) in pairs.iter().enumerate() {
            let new_customer = i == 0 || pairs[i - 1].0 != customer;
            if new_customer {
                filter_months = eligible.and_then(|f| ctx.filter_months(f, customer));
                bits.customers.push((i, 0));
            }
            let mut months = 0u64;
            for k in 0..len {
                let m = first.offset(k);
                // Only the months a month of the window tests: itself and its baseline month.
                let tested = |from: Month| (from..=from.offset(last.since(first_as_of))).contains(&m);
                if !tested(first_as_of) && !tested(first_as_of.offset(-offset)) {
                    continue;
                }
                if reaches(self.ratio, d, n, m) && eligible.is_none_or(|f| ctx.passes_months(f, filter_months, m)) {
                    months |= 1 << k;
                }
            }
            if let Some((_, customer_months)) = bits.customers.last_mut() {
                *customer_months |= months;
            }
        }
        Some(bits)
    }
}

/// A product reaches the ratio in a month when its denominator is positive and the numerator is at least
/// `ratio` × denominator.
fn reaches(ratio: Decimal, d: &Monthly, n: &Monthly, month: Month) -> bool {
    let d = value(d, month);
    // A ratio × denominator too large for a decimal is more than any numerator: not reached.
    cmp(&d, &Decimal::ZERO).is_gt() && ratio.checked_mul(d).is_some_and(|needed| cmp(&value(n, month), &needed).is_ge())
}

/// The months in which each customer is deployed (`count-difference`), from `first`: bit `k` stands for the month
/// `first + k` ([`RatioCustomers::deployed_bits`]).
struct DeployedBits {
    first: Month,
    len: i32,
    /// The months measured whose tests the bits hold (each with its baseline month, `offset` months earlier):
    /// the months between are not tested.
    measured: (Month, Month),
    offset: i32,
    /// Per customer, in customer order: the index of its first pair and its months.
    customers: Vec<(usize, u64)>,
}

impl DeployedBits {
    /// The bits of `as_of` and of its baseline month; `None` when `as_of` is not a month whose tests they hold.
    fn of(&self, as_of: Month) -> Option<(u64, u64)> {
        let bit = |month: Month| {
            let k = month.since(self.first);
            (0..self.len).contains(&k).then(|| 1u64 << k)
        };
        let (from, to) = self.measured;
        if !(from..=to).contains(&as_of) {
            return None;
        }
        Some((bit(as_of)?, bit(as_of.offset(-self.offset))?))
    }
}

impl Kind for RatioCustomers {
    fn counts_customers(&self) -> bool {
        true
    }

    fn reads(&self, as_of: Month, reads: &mut Reads) {
        // The baseline month and the window's months, of both the numerator and the denominator.
        let base = as_of.offset(-self.baseline_offset);
        let window: Vec<Month> = (0..self.window_months).map(|i| as_of.offset(-i)).chain([base]).collect();
        reads.months(self.numerator, window.iter().copied());
        reads.months(self.denominator, window.iter().copied());
        if let Some(f) = &self.eligible {
            reads.filter(f, window);
        }
    }

    fn measure<'c>(&self, ctx: &'c Context<'_>) -> Measured<'c> {
        self.measure_in(ctx, true)
    }

    fn explain(&self, ev: &Evidence, ctx: &Context<'_>) -> String {
        let as_of = ctx.as_of;
        let base = as_of.offset(-self.baseline_offset);
        let share = pct(self.ratio * Decimal::ONE_HUNDRED);
        let den_name = &ctx.rules.selections[self.denominator].name;
        match self.rule {
            RatioRule::Crossing => {
                let lines: Vec<String> = ev
                    .counted()
                    .map(|item| {
                        let customer = item.customer.as_deref().unwrap_or_default();
                        let product = item.id.strip_prefix(&format!("{customer} / ")).unwrap_or(&item.id);
                        let month = item.month.as_deref().unwrap_or_default();
                        format!("{customer} ({product} from below {share} in {base} to {share} or more in {month})")
                    })
                    .collect();
                let first = as_of.offset(-(self.window_months - 1));
                let mut story = format!(
                    "customers with a product going from below {share} of {den_name} in {base} to {share} or more in some month of {first}–{as_of}"
                );
                if let Some(min) = self.min_denominator {
                    story.push_str(&format!(", with at least {} in {as_of}", ctx.money(self.denominator, min)));
                }
                story.push_str(&format!(": {}", lines.len()));
                if let Some(f) = &self.eligible {
                    story.push_str(&format!(" (only {} in {as_of})", ctx.describe_filter(f)));
                }
                if !lines.is_empty() {
                    story.push_str(&format!("; {}", join_limited(&lines)));
                }
                story
            }
            RatioRule::CountDifference => {
                let figure = |name: &str| ev.figure_value(name).unwrap_or_default();
                let named = |reason: &str| -> Vec<&str> {
                    ev.items.iter().filter(|i| i.reason == reason).map(|i| i.id.as_str()).collect()
                };
                let (gained, dropped) = (named("new"), named("no-longer"));
                let mut story = format!(
                    "customers with a product at {share} or more of {den_name}: {} in {as_of}, {} in {base}, net {}",
                    figure("now"),
                    figure("then"),
                    figure("net")
                );
                let mut lines = Vec::new();
                if !gained.is_empty() {
                    lines.push(format!("new: {}", join_limited(&gained)));
                }
                if !dropped.is_empty() {
                    lines.push(format!("no longer: {}", join_limited(&dropped)));
                }
                if let Some(f) = &self.eligible {
                    story.push_str(&format!(" (only {} in the month counted)", ctx.describe_filter(f)));
                }
                if !lines.is_empty() {
                    story.push_str(&format!("; {}", lines.join("; ")));
                }
                story
            }
        }
    }

    /// A new customer on a product of the denominator with enough seats (`min_denominator`, else 100) and the
    /// numerator at the ratio, passing the customer filter when there is one.
    fn additions(&self, rules: &RuleSet, p: &Partner) -> Vec<Vec<(Addition, String)>> {
        let as_of = p.as_of;
        let den = row_shape(rules, p, self.denominator, &BTreeSet::new());
        let mut num = row_shape(rules, p, self.numerator, &BTreeSet::new());
        num.0 = den.0.clone();
        let seats = self
            .min_denominator
            .unwrap_or(Decimal::from(100))
            .max(self.eligible.as_ref().and_then(|f| f.lower_bound()).unwrap_or(Decimal::ONE));
        let seats = self.eligible.as_ref().and_then(|f| f.at_most).map_or(seats, |m| seats.min(m));
        let Some(users) = seats.checked_mul(self.ratio).map(|u| u.ceil()) else { return Vec::new() };
        let mut rows = vec![row(as_of, &den, seats), row(as_of, &num, users)];
        if let Some(f) = &self.eligible {
            rows.extend(filter_rows(rules, p, f, as_of));
        }
        let words = format!("1 more customer on {} with {} and {}", den.0, in_file_units(&rows[0]), in_file_units(&rows[1]));
        vec![vec![(Addition::Customer { rows }, words)]]
    }

    /// `u` customers with a product whose numerator goes from below the ratio of its denominator to at or
    /// above it within the window; sometimes one already above it in the baseline.
    fn generate(&self, build: &mut Build<'_, '_>, u: i64, _drive: i64) {
        let (num, den, ratio, rule) = (self.numerator, self.denominator, self.ratio, self.rule);
        let (window, offset) = (self.window_months, self.baseline_offset);
        let (min_den, eligible) = (self.min_denominator, self.eligible.as_ref());
        // A product both selections read, with an association both accept.
        let num_slots = build.slots(num);
        let pairs: Vec<(Slot, Slot)> = build
            .slots(den)
            .into_iter()
            .filter_map(|d| {
                let n = num_slots.iter().find(|n| n.product.eq_ignore_ascii_case(&d.product))?;
                let n = Slot { association: d.association, ..n.clone() };
                (build.weight_in(num, &n).is_some() && build.weight_in(den, &d).is_some()).then_some((d, n))
            })
            .collect();
        let pairs: Vec<(Slot, Slot)> = pairs
            .into_iter()
            .filter(|(d, _)| {
                build.rules.selections[num]
                    .associations
                    .as_ref()
                    .is_none_or(|a| a.contains(&d.association.unwrap_or(Association::Pal)))
            })
            .collect();
        if pairs.is_empty() {
            return;
        }
        let (d_slot, n_slot) = build.rng.pick(&pairs).clone();
        let size = eligible.map(|f| (f, build.eligible_size(f)));
        let own = size.as_ref().is_some_and(|(f, _)| build.weight_in(f.selection, &d_slot).is_some());
        let base = build.as_of.offset(-offset.max(1));
        let customer = |b: &mut Build<'_, '_>, crossing: Option<Month>| {
            let mut seats = match (&size, own) {
                (Some((_, s)), true) => *s,
                _ => Decimal::from(b.rng.range(20, 400)) * d_slot.weight,
            };
            if let Some(min) = min_den {
                seats = seats.max((min * percent(110)).ceil());
            }
            let (low, high) = ((seats * ratio * percent(50)).floor(), (seats * ratio * percent(115)).ceil());
            let c = b.new_customer();
            let months: Vec<Month> = b.history_months().collect();
            b.rows(&c, &d_slot, months.iter().map(|m| (*m, seats)).collect());
            let numerator =
                months.iter().map(|m| (*m, if crossing.is_some_and(|x| *m < x) { low } else { high })).collect();
            b.rows(&c, &n_slot, numerator);
            if let (Some((f, s)), false) = (&size, own) {
                b.filter_rows(&c, f, *s, &months);
            }
        };
        for _ in 0..u.max(0) {
            let back = match rule {
                RatioRule::Crossing => build.rng.below(window.max(1) as u64),
                RatioRule::CountDifference => build.rng.below(offset.clamp(1, 6) as u64),
            };
            let at = build.as_of.offset(-(back as i32)).max(base.offset(1));
            customer(build, Some(at));
        }
        if build.rng.chance(30) {
            // At the ratio all along: neither crossing nor new.
            customer(build, None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::testing::{generated, kinds_of, shipped};

    /// Issue 15, the window in one pass: `count-difference` counts from the bits worked out once per partner
    /// exactly what it counts testing each month, for every `ratio-customers` metric of every shipped version
    /// (customer filters included; `crossing` is always tested directly), on generated partners, in every month
    /// of the window, measured as the evaluator measures them: `as_of` first, then the earlier months on the same
    /// context, in brief and in full.
    #[test]
    fn the_window_in_one_pass_counts_as_the_tests_of_each_month() {
        let (mut compared, mut moved) = (0, 0);
        // The last case: a version whose own window is one month, measured over six (as a version of a rules
        // root is, beside the version of `as_of`): the months before it are not in the bits and are tested directly.
        for (v, as_of, window) in
            [("2023-07", "2023-12", None), ("2024-06", "2024-08", None), ("2026-07", "2026-09", None), ("2024-06", "2024-08", Some(1))]
        {
            let mut rules = shipped(v);
            for d in rules.designations.iter_mut().filter(|_| window.is_some()) {
                d.qualification.window_months = window.unwrap_or(1);
            }
            let metrics: Vec<&RatioCustomers> = kinds_of(&rules, |k| match k {
                MetricKind::RatioCustomers(r) => Some(r),
                _ => None,
            });
            assert!(!metrics.is_empty(), "{v} has ratio-customers metrics");
            for i in 0..12 {
                let partner = generated(&rules, i, as_of);
                for rc in &metrics {
                    for brief in [true, false] {
                        let mut shared = Context::new(&rules, &partner);
                        shared.brief = brief;
                        let mut seen = BTreeSet::new();
                        for back in 0..6 {
                            let month = partner.as_of.offset(-back);
                            let mut direct = Context::new(&rules, &partner);
                            (direct.brief, direct.as_of, shared.as_of) = (brief, month, month);
                            let (a, b) = (rc.measure_in(&shared, true), rc.measure_in(&direct, false));
                            let what = format!("{v} partner {i} in {month} ({:?})", rc.rule);
                            assert_eq!((a.units, a.open, &a.customers), (b.units, b.open, &b.customers), "{what}");
                            assert_eq!(format!("{:?}", a.evidence), format!("{:?}", b.evidence), "{what}");
                            seen.insert(a.units);
                            compared += 1;
                        }
                        moved += usize::from(seen.len() > 1);
                    }
                }
            }
        }
        // The months differ: the comparison is not of one count six times.
        assert!(compared > 1000 && moved > 20, "{compared} measurements compared, {moved} metrics moved in the window");
    }
}
