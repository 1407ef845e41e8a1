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
        let reaches = |d: &Monthly, n: &Monthly, month: Month| -> bool {
            let d = value(d, month);
            // A ratio × denominator too large for a decimal is more than any numerator: not reached.
            cmp(&d, &Decimal::ZERO).is_gt() && ratio.checked_mul(d).is_some_and(|needed| cmp(&value(n, month), &needed).is_ge())
        };
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
                for customer in customers {
                    let reason = match (now.contains(customer), then.contains(customer)) {
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
                ev.figure("now", Decimal::from(now.len()), unit, month(as_of));
                ev.figure("then", Decimal::from(then.len()), unit, month(base));
                let units = Decimal::from(now.len() as i64 - then.len() as i64);
                ev.figure("net", units, unit, None);
                Measured { units, customers: Some(counted), fixed_points: Decimal::ZERO, open: true, evidence: ev }
            }
        }
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
