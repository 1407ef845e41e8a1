//! `rolling-sum-crossing`: customers whose total over a rolling window went from at most a threshold (the window
//! ending at the baseline) to above it (a window ending in some later month up to `as_of`).

use std::collections::BTreeSet;

use rust_decimal::Decimal;

use super::additions::{in_file_units, row, row_shape};
use super::{sum_range, Context, Kind, Measured, MetricKind, Monthly, Reads, Registered};
use crate::evidence::{Evidence, Item, ItemType, Number};
use crate::explain::join_limited;
use crate::generate::{months_from, percent, Build};
use crate::gap::Addition;
use crate::partner::Partner;
use crate::rules::schema::MetricFile;
use crate::rules::{KindCompiler, RuleSet};
use crate::value::{cmp, Month};

pub(crate) const KIND: Registered = Registered {
    name: "rolling-sum-crossing",
    keys: &["selection", "window_months", "threshold", "baseline_offset"],
    reasons: &["crossed", "not-crossed", "above-threshold-at-baseline"],
    compile,
};

/// The parameters of a `rolling-sum-crossing` measurement.
#[derive(Debug)]
pub struct RollingSumCrossing {
    pub selection: usize,
    pub window_months: i32,
    pub threshold: Decimal,
    pub baseline_offset: i32,
}

fn compile(c: &mut KindCompiler<'_, '_>, m: &MetricFile) -> Option<MetricKind> {
    let selection = c.selection(m);
    c.required(&m.threshold, "threshold");
    let threshold = c.non_negative_opt(&m.threshold, "threshold");
    Some(MetricKind::RollingSumCrossing(RollingSumCrossing {
        selection: selection?,
        window_months: c.months(&m.window_months, "window_months", 12),
        threshold: threshold?,
        baseline_offset: c.months(&m.baseline_offset, "baseline_offset", 12),
    }))
}

impl Kind for RollingSumCrossing {
    fn counts_customers(&self) -> bool {
        true
    }

    fn reads(&self, as_of: Month, reads: &mut Reads) {
        // The window ending at the baseline, then each window ending in a later month up to as_of.
        let base_end = as_of.offset(-self.baseline_offset);
        reads.span(self.selection, base_end.offset(-(self.window_months - 1)), as_of);
    }

    fn measure<'c>(&self, ctx: &'c Context<'_>) -> Measured<'c> {
        let RollingSumCrossing { selection: sel, window_months: window, threshold, baseline_offset: offset } = *self;
        let as_of = ctx.as_of;
        let base_end = as_of.offset(-offset);
        let rolling = |m: &Monthly, end: Month| sum_range(m, end.offset(-(window - 1)), end);
        // The first month of the earliest later window: every later window lies in `later_from..=as_of`.
        let later_from = as_of.offset(-(offset - 1)).offset(-(window - 1));
        let mut ev = Evidence::of(KIND.name);
        let mut counted = BTreeSet::new();
        for (customer, months) in &ctx.series(sel).customers {
            // The rolling totals read, by the month each window ends: the baseline's, then each later one up to
            // the first above the threshold.
            let before = rolling(months, base_end);
            let mut read = Vec::new();
            if !ctx.brief {
                read.push((base_end, Number(before)));
            }
            let (reason, crossed) = if cmp(&before, &threshold).is_gt() {
                ("above-threshold-at-baseline", None)
            } else if ctx.brief && cmp(&sum_range(months, later_from, as_of), &threshold).is_le() {
                // A month of the window keeps no totals: when the months of every later window together are at
                // most the threshold, no one window is above it (values are never negative), and it has not
                // crossed, without a total per window (issue 15).
                ("not-crossed", None)
            } else {
                let mut crossed = None;
                for end in (0..offset).rev().map(|i| as_of.offset(-i)) {
                    let total = rolling(months, end);
                    if !ctx.brief {
                        read.push((end, Number(total)));
                    }
                    if cmp(&total, &threshold).is_gt() {
                        crossed = Some(end);
                        break;
                    }
                }
                (if crossed.is_some() { "crossed" } else { "not-crossed" }, crossed)
            };
            if crossed.is_some() {
                counted.insert(*customer);
            }
            if ctx.brief {
                continue;
            }
            let mut item = Item::new(ItemType::Customer, *customer, crossed.is_some(), reason);
            item.month = crossed.map(|m| m.to_string());
            item.months = read.into_iter().collect();
            ev.items.push(item);
        }
        ev.figure("customers", Decimal::from(counted.len()), Some("customers"), None);
        Measured::customers(counted, ev)
    }

    fn explain(&self, ev: &Evidence, ctx: &Context<'_>) -> String {
        let RollingSumCrossing { selection: sel, window_months: window, threshold, baseline_offset: offset } = *self;
        let as_of = ctx.as_of;
        let base_end = as_of.offset(-offset);
        let lines: Vec<String> = ev
            .counted()
            .map(|item| {
                let end = item.month.clone().unwrap_or_default();
                format!(
                    "{} ({} in the {window} months to {base_end}, {} in the {window} months to {end})",
                    item.id,
                    ctx.money(sel, item.value_in(base_end)),
                    ctx.money(sel, item.months.get_text(&end).map_or(Decimal::ZERO, |v| v.0))
                )
            })
            .collect();
        let mut story = format!(
            "customers whose {window}-month total went from at most {} (to {base_end}) to more than that (to some month of {}–{as_of}): {}",
            ctx.money(sel, threshold),
            as_of.offset(-(offset - 1)),
            lines.len()
        );
        if !lines.is_empty() {
            story.push_str(&format!("; {}", join_limited(&lines)));
        }
        story
    }

    /// A new customer just over the threshold in `as_of`.
    fn additions(&self, rules: &RuleSet, p: &Partner) -> Vec<Vec<(Addition, String)>> {
        let as_of = p.as_of;
        let shape = row_shape(rules, p, self.selection, &BTreeSet::new());
        let Some(v) = self.threshold.checked_add(Decimal::ONE) else { return Vec::new() };
        let rows = vec![row(as_of, &shape, v)];
        let words = format!("1 more customer with {} on {} in {as_of}", in_file_units(&rows[0]), shape.0);
        vec![vec![(Addition::Customer { rows }, words)]]
    }

    /// `u` customers whose rolling sum goes from at most the threshold to above it; sometimes one above it all
    /// along.
    fn generate(&self, build: &mut Build<'_, '_>, u: i64, _drive: i64) {
        let (sel, threshold) = (self.selection, self.threshold);
        let Some(slot) = build.core(sel) else { return };
        let (window, offset) = (self.window_months.max(1), self.baseline_offset.max(1));
        for _ in 0..u.max(0) {
            let start = build.as_of.offset(-(offset - 1)).offset(build.rng.below(offset.min(3) as u64) as i32);
            let active = build.as_of.since(start) + 1;
            let v =
                threshold.max(Decimal::ONE) / Decimal::from(active.min(window)) * percent(build.rng.range(120, 150));
            let c = build.new_customer();
            build.rows(&c, &slot, months_from(start, build.as_of).into_iter().map(|m| (m, v)).collect());
        }
        if build.rng.chance(30) {
            let v = threshold.max(Decimal::ONE) / Decimal::from(window) * percent(150);
            let c = build.new_customer();
            build.rows(&c, &slot, build.history_months().map(|m| (m, v)).collect());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::testing::{all_of, partner_with, rules_with};
    use crate::partner::Measure;

    /// Issue 12: a customer whose rolling total at the baseline is exactly the threshold has not crossed it
    /// yet ("at most"), and counts once a later window is above it; exactly the threshold later is not above.
    #[test]
    fn a_baseline_of_exactly_the_threshold_can_still_cross() {
        let rules = rules_with(all_of(Measure::AcrUsd));
        let partner = partner_with(&[
            ("at-bar", "2023-06", "Sentinel", 1000),
            ("at-bar", "2024-06", "Sentinel", 1001),
            ("above", "2023-06", "Sentinel", 1001),
            ("above", "2024-06", "Sentinel", 5000),
            ("reaches", "2024-06", "Sentinel", 1000),
        ]);
        let kind = RollingSumCrossing {
            selection: 0,
            window_months: 1,
            threshold: Decimal::from(1000),
            baseline_offset: 12,
        };
        let ctx = Context::new(&rules, &partner);
        let m = kind.measure(&ctx);
        assert_eq!(m.units, Decimal::ONE);
        let reasons: Vec<(&str, &str)> = m.evidence.items.iter().map(|i| (i.id.as_str(), &*i.reason)).collect();
        assert_eq!(reasons, [("above", "above-threshold-at-baseline"), ("at-bar", "crossed"), ("reaches", "not-crossed")]);
        assert_eq!(m.evidence.items[1].month.as_deref(), Some("2024-06"));
    }

    /// Issue 15: a month of the window (`brief`, which keeps no totals) counts the customers `as_of` counts, also
    /// where it skips the total of each window because the later months together are at most the threshold:
    /// customers never near it, above it only over all later months together, exactly at it, crossing, and
    /// above it at the baseline, for several windows and offsets and every month around their rows.
    #[test]
    fn a_month_of_the_window_counts_the_customers_as_of_counts() {
        let rules = rules_with(all_of(Measure::AcrUsd));
        let partner = partner_with(&[
            ("small", "2023-06", "Sentinel", 300),
            ("small", "2024-03", "Sentinel", 400),
            ("small", "2024-06", "Sentinel", 300),
            ("spread", "2023-07", "Sentinel", 600),
            ("spread", "2024-06", "Sentinel", 600),
            ("at-bar", "2023-09", "Sentinel", 500),
            ("at-bar", "2024-01", "Sentinel", 500),
            ("crosses", "2024-02", "Sentinel", 1001),
            ("above", "2023-06", "Sentinel", 2000),
            ("above", "2024-06", "Sentinel", 5000),
        ]);
        let (mut skipped, mut looped, mut counted) = (0, 0, 0);
        for (window, offset) in [(1, 12), (3, 12), (12, 12), (12, 1), (6, 3), (2, 24)] {
            let kind = RollingSumCrossing {
                selection: 0,
                window_months: window,
                threshold: Decimal::from(1000),
                baseline_offset: offset,
            };
            for as_of in months_from("2022-06".parse().unwrap(), "2026-06".parse().unwrap()) {
                let mut full = Context::new(&rules, &partner);
                full.as_of = as_of;
                let mut brief = Context::new(&rules, &partner);
                brief.as_of = as_of;
                brief.brief = true;
                let (f, b) = (kind.measure(&full), kind.measure(&brief));
                assert_eq!((b.units, &b.customers), (f.units, &f.customers), "window {window}, offset {offset}, {as_of}");
                counted += f.customers.as_ref().map_or(0, BTreeSet::len);
                // Each customer not above the threshold at the baseline: skipped (its later months together at
                // most the threshold), or looked at window by window and not crossed.
                let base_end = as_of.offset(-offset);
                for (customer, months) in &full.series(0).customers {
                    let later = sum_range(months, as_of.offset(-(offset - 1)).offset(-(window - 1)), as_of);
                    let before = sum_range(months, base_end.offset(-(window - 1)), base_end);
                    if cmp(&before, &kind.threshold).is_le() {
                        let crossed = f.customers.as_ref().is_some_and(|c| c.contains(customer));
                        skipped += usize::from(cmp(&later, &kind.threshold).is_le());
                        looped += usize::from(cmp(&later, &kind.threshold).is_gt() && !crossed);
                    }
                }
            }
        }
        // Both ways of finding "not crossed" were taken, and customers were counted.
        assert!(skipped > 100 && looped > 10 && counted > 100, "skipped {skipped}, looped {looped}, counted {counted}");
    }
}
