//! `customer-adds`: net customer adds. Customers (or customer products) whose monthly value reaches a threshold
//! recently, against a baseline a year earlier, counted by one of four rules.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;

use super::additions::{filter_rows, row, row_shape};
use super::{value, Context, Kind, Measured, MetricKind, Registered};
use crate::explain::{list_months, Listing};
use crate::gap::{Addition, Row};
use crate::partner::Partner;
use crate::rules::schema::MetricFile;
use crate::rules::{Aggregate, CustomerFilter, Entity, KindCompiler, RuleSet};
use crate::value::Month;

pub(crate) const KIND: Registered = Registered {
    name: "customer-adds",
    keys: &[
        "selection",
        "entity",
        "aggregate",
        "rule",
        "threshold",
        "at_most",
        "recent_months",
        "baseline_months",
        "baseline_offset",
        "eligible_customers",
    ],
    compile,
};

/// The parameters of a `customer-adds` measurement.
#[derive(Debug)]
pub struct CustomerAdds {
    pub selection: usize,
    pub entity: Entity,
    pub aggregate: Aggregate,
    pub rule: AddsRule,
    pub threshold: Decimal,
    pub at_most: Option<Decimal>,
    /// Only customers passing this filter in a month count in that month.
    pub eligible: Option<CustomerFilter>,
    pub recent_months: i32,
    pub baseline_months: i32,
    pub baseline_offset: i32,
}

/// How customer adds are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddsRule {
    /// Customers at or over the threshold in a recent month, minus those in a baseline month.
    EligibleCountDifference,
    /// Per customer: +1 from nothing in the baseline to the threshold recently, −1 from the threshold to below it.
    Transitions,
    /// For each recent month: +1 from nothing the month before to the threshold, −1 from the threshold to nothing.
    MonthlyTransitions,
    /// Monthly average over the recent window against the baseline window: +1 up across the threshold, −1 down.
    AverageCrossing,
}

const RULES: [&str; 4] = ["eligible-count-difference", "transitions", "monthly-transitions", "average-crossing"];

fn compile(c: &mut KindCompiler<'_, '_>, m: &MetricFile) -> Option<MetricKind> {
    let selection = c.selection(m);
    let rule = match m.rule.as_ref().map(|r| (r.get_ref().as_str(), r.span())) {
        Some(("eligible-count-difference", _)) => AddsRule::EligibleCountDifference,
        Some(("transitions", _)) => AddsRule::Transitions,
        Some(("monthly-transitions", _)) => AddsRule::MonthlyTransitions,
        Some(("average-crossing", _)) => AddsRule::AverageCrossing,
        Some((other, at)) => {
            let hint = c.suggest(other, &RULES);
            c.err(at, format!("unknown rule \"{other}\""), Some(&hint));
            AddsRule::Transitions
        }
        None => {
            let id = c.id().to_owned();
            c.err_here(format!("\"{id}\" needs `rule`"), Some(&format!("one of: {}", RULES.join(", "))));
            AddsRule::Transitions
        }
    };
    c.required(&m.threshold, "threshold");
    let threshold = c.non_negative_opt(&m.threshold, "threshold");
    Some(MetricKind::CustomerAdds(CustomerAdds {
        selection: selection?,
        entity: c.entity(&m.entity),
        aggregate: c.aggregate(&m.aggregate),
        rule,
        threshold: threshold?,
        at_most: c.non_negative_opt(&m.at_most, "at_most"),
        eligible: c.customer_filter(&m.eligible_customers),
        recent_months: c.months(&m.recent_months, "recent_months", 1),
        baseline_months: c.months(&m.baseline_months, "baseline_months", 1),
        baseline_offset: c.months(&m.baseline_offset, "baseline_offset", 12),
    }))
}

impl Kind for CustomerAdds {
    fn counts_customers(&self) -> bool {
        self.entity == Entity::Customer
    }

    fn measure(&self, ctx: &Context<'_>) -> Measured {
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
        } = *self;
        let as_of = ctx.partner.as_of;
        let recent_months: Vec<Month> = (0..recent).rev().map(|i| as_of.offset(-i)).collect();
        let base_end = as_of.offset(-offset);
        let base_months: Vec<Month> = (0..baseline).rev().map(|i| base_end.offset(-i)).collect();
        let entities = ctx.series(sel).entities(entity, aggregate);
        let money = |v: Decimal| ctx.money(sel, v);
        let in_range = |v: Decimal| v >= threshold && at_most.is_none_or(|max| v <= max);
        // An entity's customer passes the filter in the month (the customer is the part before " / ").
        let passes = |key: &str, month: Month| {
            eligible.as_ref().is_none_or(|f| ctx.passes(f, key.split(" / ").next().unwrap_or(key), month))
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
            story.push_str(&format!("; only {} in the month counted", ctx.describe_filter(f)));
        }
        if net < 0 {
            story.push_str("; a negative net earns nothing");
        }
        let customers = (entity == Entity::Customer).then_some(added);
        Measured { units: Decimal::from(net), customers, fixed_points: Decimal::ZERO, open: true, story }
    }

    /// One new customer at the threshold in `as_of` (every recent month for `average-crossing`), passing the
    /// customer filter when there is one.
    fn additions(&self, rules: &RuleSet, p: &Partner) -> Vec<Vec<(Addition, String)>> {
        let as_of = p.as_of;
        let shape = row_shape(rules, p, self.selection, &BTreeSet::new());
        let value = self
            .at_most
            .map_or(self.threshold, |m| self.threshold.min(m))
            .max(Decimal::ONE.min(self.threshold.max(Decimal::ONE)));
        let months: Vec<Month> = match self.rule {
            AddsRule::AverageCrossing => (0..self.recent_months).map(|i| as_of.offset(-i)).collect(),
            _ => vec![as_of],
        };
        let mut rows: Vec<Row> = months.iter().map(|m| row(*m, &shape, value)).collect();
        if let Some(f) = &self.eligible {
            rows.extend(filter_rows(rules, p, f, as_of));
        }
        let when = if months.len() > 1 {
            format!("every month of {}–{as_of}", months[months.len() - 1])
        } else {
            as_of.to_string()
        };
        let words = format!(
            "1 more customer with {} on {} in {when}",
            super::shown(rules, self.selection, value),
            shape.0
        );
        vec![vec![(Addition::Customer { rows }, words)]]
    }
}
