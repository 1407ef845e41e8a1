//! `ratio-customers`: customers with a product whose numerator (active users, say) reaches a share of its
//! denominator (paid seats), counted as crossings from the baseline or as a difference of counts.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;

use super::additions::{filter_rows, row, row_shape};
use super::{value, Context, Kind, Measured, MetricKind, Registered};
use crate::explain::{join_limited, pct};
use crate::gap::Addition;
use crate::partner::Partner;
use crate::rules::schema::MetricFile;
use crate::rules::{CustomerFilter, KindCompiler, RuleSet};
use crate::value::Month;

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
            c.err_here(format!("\"{id}\" needs `denominator` (a selection)"), None);
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
            c.err(at, format!("unknown rule \"{other}\""), Some(&hint));
            RatioRule::Crossing
        }
        None => {
            c.err_here(format!("\"{id}\" needs `rule`"), Some("rule = \"crossing\" or \"count-difference\""));
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
        eligible: c.customer_filter(&m.eligible_customers),
    }))
}

impl Kind for RatioCustomers {
    fn counts_customers(&self) -> bool {
        true
    }

    fn measure(&self, ctx: &Context<'_>) -> Measured {
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
        let as_of = ctx.partner.as_of;
        let base = as_of.offset(-offset);
        let (num, den) = (ctx.series(numerator), ctx.series(denominator));
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
                    if eligible.is_some_and(|f| !ctx.passes(f, customer, as_of)) || counted.contains(*customer) {
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
                    ctx.rules.selections[denominator].name, recent[0]
                );
                if let Some(min) = min_denominator {
                    story.push_str(&format!(", with at least {} in {as_of}", ctx.money(denominator, min)));
                }
                story.push_str(&format!(": {}", counted.len()));
            }
            RatioRule::CountDifference => {
                let deployed = |month: Month| -> BTreeSet<&str> {
                    pairs
                        .iter()
                        .filter(|(c, p)| reaches(c, p, month) && eligible.is_none_or(|f| ctx.passes(f, c, month)))
                        .map(|(c, _)| *c)
                        .collect()
                };
                let (now, then) = (deployed(as_of), deployed(base));
                let gained: Vec<&str> = now.difference(&then).copied().collect();
                let dropped: Vec<&str> = then.difference(&now).copied().collect();
                counted = gained.iter().map(|c| c.to_string()).collect();
                story = format!(
                    "customers with a product at {share} or more of {}: {} in {as_of}, {} in {base}, net {}",
                    ctx.rules.selections[denominator].name,
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
                    story.push_str(&format!(" (only {} in the month counted)", ctx.describe_filter(f)));
                }
                if !lines.is_empty() {
                    story.push_str(&format!("; {}", lines.join("; ")));
                }
                return Measured { units, customers: Some(counted), fixed_points: Decimal::ZERO, open: true, story };
            }
        }
        if let Some(f) = eligible {
            story.push_str(&format!(" (only {} in {as_of})", ctx.describe_filter(f)));
        }
        if !lines.is_empty() {
            story.push_str(&format!("; {}", join_limited(&lines)));
        }
        Measured::customers(counted, story)
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
            .max(self.eligible.as_ref().and_then(|f| f.at_least).unwrap_or(Decimal::ONE));
        let seats = self.eligible.as_ref().and_then(|f| f.at_most).map_or(seats, |m| seats.min(m));
        let Some(users) = seats.checked_mul(self.ratio).map(|u| u.ceil()) else { return Vec::new() };
        let mut rows = vec![row(as_of, &den, seats), row(as_of, &num, users)];
        if let Some(f) = &self.eligible {
            rows.extend(filter_rows(rules, p, f, as_of));
        }
        let words = format!(
            "1 more customer on {} with {} and {}",
            den.0,
            super::shown(rules, self.denominator, seats),
            super::shown(rules, self.numerator, users)
        );
        vec![vec![(Addition::Customer { rows }, words)]]
    }
}
