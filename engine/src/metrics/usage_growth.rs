//! `usage-growth`: growth of a selection's total from a baseline month to `as_of`, in percent or as a
//! difference, in whole units, behind optional gates (a trailing-twelve-month total, a baseline).

use std::collections::BTreeSet;

use rust_decimal::Decimal;
use crate::codes;

use super::additions::{more_in_file_units, row, row_shape};
use super::{months_read, value, Context, Kind, Measured, MetricKind, Reads, Registered};
use crate::evidence::{Check, Evidence, Item, ItemType};
use crate::explain::pct;
use crate::generate::{percent, Build};
use crate::gap::Addition;
use crate::partner::Partner;
use crate::rules::schema::MetricFile;
use crate::rules::{CustomerFilter, KindCompiler, RuleSet};
use crate::value::{add, Month};

pub(crate) const KIND: Registered = Registered {
    name: "usage-growth",
    keys: &[
        "selection",
        "compare",
        "baseline_offset",
        "unit",
        "min_ttm_total",
        "min_baseline",
        "eligible_customers",
        "eligible_each_month",
    ],
    reasons: &["in-selection", "not-eligible", "eligible-now-only", "eligible-baseline-only"],
    compile,
};

/// The parameters of a `usage-growth` measurement.
#[derive(Debug)]
pub struct UsageGrowth {
    pub selection: usize,
    pub compare: Compare,
    pub baseline_offset: i32,
    /// A unit earns once per whole `unit` of growth.
    pub unit: Decimal,
    pub min_ttm_total: Option<Decimal>,
    pub min_baseline: Option<Decimal>,
    /// Only customers passing this filter count: tested in `as_of` for both months, or in each month with
    /// `eligible_each_month`.
    pub eligible: Option<CustomerFilter>,
    /// Test the filter in each compared month (as_of for the current value, the baseline month for the baseline).
    pub eligible_each_month: bool,
}

/// How growth is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    /// (now − baseline) / baseline × 100.
    Percent,
    /// now − baseline.
    Difference,
}

fn compile(c: &mut KindCompiler<'_, '_>, m: &MetricFile) -> Option<MetricKind> {
    let selection = c.selection(m);
    let compare = match m.compare.as_ref().map(|r| (r.get_ref().as_str(), r.span())) {
        Some(("percent", _)) | None => Compare::Percent,
        Some(("difference", _)) => Compare::Difference,
        Some((other, at)) => {
            c.err(codes::UNKNOWN_VALUE, at, format!("unknown compare \"{other}\""), Some("compare = \"percent\" or \"difference\""));
            Compare::Percent
        }
    };
    let unit = match &m.unit {
        Some(u) if u.get_ref().0 > Decimal::ZERO => u.get_ref().0,
        Some(u) => {
            c.err(codes::OUT_OF_RANGE, u.span(), "unit must be greater than 0", None);
            Decimal::ONE
        }
        None => Decimal::ONE,
    };
    if let (Some(each), None) = (&m.eligible_each_month, &m.eligible_customers) {
        c.err(codes::MISSING_KEY, each.span(), "eligible_each_month needs `eligible_customers`", None);
    }
    Some(MetricKind::UsageGrowth(UsageGrowth {
        selection: selection?,
        compare,
        baseline_offset: c.months(&m.baseline_offset, "baseline_offset", 12),
        unit,
        min_ttm_total: c.non_negative_opt(&m.min_ttm_total, "min_ttm_total"),
        min_baseline: c.non_negative_opt(&m.min_baseline, "min_baseline"),
        eligible: c.customer_filter(m),
        eligible_each_month: m.eligible_each_month.as_ref().is_some_and(|b| *b.get_ref()),
    }))
}

impl Kind for UsageGrowth {
    fn reads(&self, as_of: Month, reads: &mut Reads) {
        let base_month = as_of.offset(-self.baseline_offset);
        reads.months(self.selection, [base_month, as_of]);
        if self.min_ttm_total.is_some() {
            reads.span(self.selection, as_of.offset(-11), as_of);
        }
        if let Some(f) = &self.eligible {
            let tested = if self.eligible_each_month { vec![as_of, base_month] } else { vec![as_of] };
            reads.filter(f, tested);
        }
    }

    fn measure<'c>(&self, ctx: &'c Context<'_>) -> Measured<'c> {
        let UsageGrowth { selection: sel, compare, baseline_offset: offset, unit, min_ttm_total, min_baseline, .. } =
            *self;
        let eligible = self.eligible.as_ref();
        let as_of = ctx.as_of;
        let base_month = as_of.offset(-offset);
        let series = ctx.series(sel);
        let shown_unit = ctx.unit_of(sel);
        let u = || Some(shown_unit.clone());
        let mut ev = Evidence::of(KIND.name);
        let (mut now, mut base) = (Decimal::ZERO, Decimal::ZERO);
        for (customer, months) in &series.customers {
            // The customer's values in the filter's selection, found once for both months tested.
            let fm = eligible.and_then(|f| ctx.filter_months(f, customer));
            let counts_now = eligible.is_none_or(|f| ctx.passes_months(f, fm, as_of));
            // With `eligible_each_month` the baseline's customers are those eligible in the baseline month;
            // without it, the test of as_of decides both (and is not run twice).
            let counts_base = match eligible {
                Some(f) if self.eligible_each_month => ctx.passes_months(f, fm, base_month),
                _ => counts_now,
            };
            if counts_now {
                now = add(now, value(months, as_of));
            }
            if counts_base {
                base = add(base, value(months, base_month));
            }
            let reason = match (counts_now, counts_base) {
                (true, true) => "in-selection",
                (true, false) => "eligible-now-only",
                (false, true) => "eligible-baseline-only",
                (false, false) => "not-eligible",
            };
            if !ctx.brief {
                let mut item = Item::new(ItemType::Customer, *customer, counts_now || counts_base, reason);
                item.months = months_read(months, [base_month, as_of]);
                ev.items.push(item);
            }
        }
        // A figure's month is evidence, which a month of the window does not keep.
        let month = |m: Month| (!ctx.brief).then(|| m.to_string());
        ev.figure("now", now, u(), month(as_of));
        ev.figure("baseline", base, u(), month(base_month));
        let money = |v: Decimal| ctx.money(sel, v);
        if let Some(min) = min_ttm_total {
            let ttm = series.total_between(as_of.offset(-11), as_of);
            ev.figure("ttm-total", ttm, u(), None);
            let passed = ttm >= min;
            ev.checks.push(Check {
                name: "min-ttm-total".to_owned(),
                passed,
                detail: ctx.words(|| {
                    format!("{} over {}–{as_of}, at least {} needed", money(ttm), as_of.offset(-11), money(min))
                }),
            });
            if !passed {
                return Measured::closed(ev);
            }
        }
        if let Some(min) = min_baseline {
            let passed = base >= min;
            ev.checks.push(Check {
                name: "min-baseline".to_owned(),
                passed,
                detail: ctx.words(|| format!("{} in {base_month}, at least {} needed", money(base), money(min))),
            });
            if !passed {
                return Measured::closed(ev);
            }
        }
        let units = match compare {
            Compare::Percent => {
                let defined = !base.is_zero();
                ev.checks.push(Check {
                    name: "baseline-not-zero".to_owned(),
                    passed: defined,
                    detail: ctx.words(|| format!("{} in {base_month}", money(base))),
                });
                if !defined {
                    return Measured::closed(ev);
                }
                // A tiny baseline makes the percentage huge: more than a decimal holds is an error, not a score.
                let what = || {
                    format!("usage: growth of {} from {base_month} to {as_of} overflows", ctx.rules.selections[sel].name)
                };
                let growth = ctx
                    .checked((now - base).checked_mul(Decimal::ONE_HUNDRED).and_then(|g| g.checked_div(base)), what);
                ev.figure("growth-percent", growth, Some("percent"), None);
                ctx.checked(growth.checked_div(unit), what).floor().max(Decimal::ZERO)
            }
            Compare::Difference => {
                let diff = now - base;
                ev.figure("change", diff, u(), None);
                let what =
                    || format!("usage: change of {} in units of {unit} overflows", ctx.rules.selections[sel].name);
                ctx.checked(diff.checked_div(unit), what).floor().max(Decimal::ZERO)
            }
        };
        ev.figure("units", units, None::<&str>, None);
        Measured::units(units, ev)
    }

    fn explain(&self, ev: &Evidence, ctx: &Context<'_>) -> String {
        let (sel, unit) = (self.selection, self.unit);
        let as_of = ctx.as_of;
        let base_month = as_of.offset(-self.baseline_offset);
        let money = |v: Decimal| ctx.money(sel, v);
        let figure = |name: &str| ev.figure_value(name).unwrap_or_default();
        let mut story = format!("{} in {as_of} against {} in {base_month}", money(figure("now")), money(figure("baseline")));
        if let Some(f) = &self.eligible {
            let when = if self.eligible_each_month {
                format!("in each month: {as_of} for now, {base_month} for the baseline")
            } else {
                format!("in {as_of}")
            };
            story.push_str(&format!(" (only {} {when})", ctx.describe_filter(f)));
        }
        let check = |name: &str| ev.checks.iter().find(|c| c.name == name).map(|c| c.passed);
        if let (Some(passed), Some(min)) = (check("min-ttm-total"), self.min_ttm_total) {
            let ttm = figure("ttm-total");
            if !passed {
                return format!(
                    "{story}; the total over {}–{as_of} is {}, below the {} needed to score",
                    as_of.offset(-11),
                    money(ttm),
                    money(min)
                );
            }
            story.push_str(&format!(
                "; total over {}–{as_of} {} (at least {} needed)",
                as_of.offset(-11),
                money(ttm),
                money(min)
            ));
        }
        if let (Some(false), Some(min)) = (check("min-baseline"), self.min_baseline) {
            return format!("{story}; the baseline is below the {} needed to score", money(min));
        }
        if check("baseline-not-zero") == Some(false) {
            return format!("{story}; with nothing in {base_month} growth is undefined");
        }
        let units = figure("units");
        match self.compare {
            Compare::Percent => {
                let growth = figure("growth-percent");
                story.push_str(&format!("; growth {}", pct(growth)));
                if growth.is_sign_negative() && !growth.is_zero() {
                    story.push_str(", negative growth earns nothing");
                } else if unit == Decimal::ONE {
                    story.push_str(&format!(", {} whole percent", units.normalize()));
                } else {
                    story.push_str(&format!(", {} whole units of {}%", units.normalize(), unit.normalize()));
                }
            }
            Compare::Difference => {
                let diff = figure("change");
                story.push_str(&format!("; change {}", money(diff)));
                if diff.is_sign_negative() {
                    story.push_str(", a decrease earns nothing");
                } else if unit != Decimal::ONE {
                    story.push_str(&format!(", {} whole units of {}", units.normalize(), money(unit)));
                }
            }
        }
        story
    }

    /// More usage in `as_of` on a customer the metric counts (a new one when there is none): steps of 1, 5, 10
    /// and 30 units of growth. The baseline and the customers are the measurement's own (its evidence), so a
    /// step is exactly what scoring will count.
    fn additions(&self, rules: &RuleSet, p: &Partner) -> Vec<Vec<(Addition, String)>> {
        let as_of = p.as_of;
        let mut out = Vec::new();
        let shape = row_shape(rules, p, self.selection, &BTreeSet::new());
        let ctx = Context::new(rules, p);
        let measured = self.measure(&ctx);
        let base = measured.evidence.figure_value("baseline").unwrap_or_default();
        // Customers whose usage in `as_of` counts (not those eligible in the baseline month only).
        let counted: BTreeSet<&str> = measured
            .evidence
            .counted()
            .filter(|i| i.reason != "eligible-baseline-only")
            .map(|i| i.id.as_str())
            .collect();
        let step = match self.compare {
            // Checked: scoring refuses a partner whose sums overflow, but a step (base × unit, × 30) can
            // still be too large for a decimal; such a step is no suggestion.
            Compare::Percent if base > Decimal::ZERO => {
                match base.checked_mul(self.unit).and_then(|b| b.checked_div(Decimal::ONE_HUNDRED)) {
                    Some(step) => step,
                    None => return out,
                }
            }
            Compare::Percent => return out,
            Compare::Difference => self.unit,
        };
        // The first customer of the file's rows that the metric counts.
        let s = &rules.selections[self.selection];
        let customer =
            p.usage.iter().find(|r| s.selects(r).is_some() && counted.contains(&*r.customer)).map(|r| &r.customer);
        for k in [1u32, 5, 10, 30] {
            let Some(more) = step.checked_mul(Decimal::from(k)) else { continue };
            let rows = vec![row(as_of, &shape, more)];
            let words = format!(
                "{} on {} in {as_of} (growth +{k} unit{})",
                more_in_file_units(&rows[0]),
                shape.0,
                if k == 1 { "" } else { "s" }
            );
            match customer {
                Some(c) => out.push(vec![(Addition::Usage { customer: c.to_string(), rows }, format!("{words}, for {c}"))]),
                None => out.push(vec![(Addition::Customer { rows }, words)]),
            }
        }
        out
    }

    /// Established customers whose total grows from the baseline month to `as_of` by about `u` units.
    fn generate(&self, build: &mut Build<'_, '_>, u: i64, _drive: i64) {
        let (sel, compare, offset, unit) = (self.selection, self.compare, self.baseline_offset, self.unit);
        let (min_ttm, min_base, eligible) = (self.min_ttm_total, self.min_baseline, self.eligible.as_ref());
        let Some(slot) = build.core(sel) else { return };
        let base_month = build.as_of.offset(-offset.max(1));
        let typical =
            if slot.measure.is_money() { build.rng.range(3_000, 30_000) } else { build.rng.range(100, 1_500) };
        let mut base = Decimal::from(typical) * slot.weight;
        if let Some(min) = min_base {
            base = base.max(min * percent(110 + build.rng.range(0, 40)));
        }
        if let Some(min) = min_ttm {
            base = base.max(min / Decimal::from(12) * percent(130));
        }
        let units = Decimal::from(u) + Decimal::new(5, 1);
        let now = match (u, compare) {
            (0, _) => base * percent(build.rng.range(90, 100)),
            (_, Compare::Percent) => base * (Decimal::ONE_HUNDRED + units * unit) / Decimal::ONE_HUNDRED,
            (_, Compare::Difference) => base + units * unit,
        };
        let k = 1 + build.rng.below(3) as i64;
        let (b, n) = (base / Decimal::from(k), now / Decimal::from(k));
        let span = Decimal::from(build.as_of.since(base_month).max(1));
        let size = eligible.map(|f| (f, build.eligible_size(f)));
        for _ in 0..k {
            let c = build.new_customer();
            let months: Vec<Month> = build.history_months().collect();
            let values = months
                .iter()
                .map(|m| {
                    let v = match m.since(base_month) {
                        s if s <= 0 => b,
                        s => b + (n - b) * Decimal::from(s) / span,
                    };
                    (*m, v)
                })
                .collect();
            build.rows(&c, &slot, values);
            if let Some((f, s)) = &size {
                if build.weight_in(f.selection, &slot).is_none() {
                    build.filter_rows(&c, f, *s, &months);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::testing::{all_of, partner_with, rules_with};
    use crate::partner::{Format, Measure};
    use crate::rules::Selection;

    fn growth() -> UsageGrowth {
        UsageGrowth {
            selection: 0,
            compare: Compare::Percent,
            baseline_offset: 12,
            unit: Decimal::ONE,
            min_ttm_total: None,
            min_baseline: None,
            eligible: None,
            eligible_each_month: false,
        }
    }

    /// Issue 12: `gap` re-implemented the selection filter and ignored `products` and `exclude_products`, so a
    /// growth step was reckoned on a baseline the evaluator does not read (here USD 100,000 with the excluded
    /// Virtual Machines, against USD 10,000 without) and suggested ten times the usage one unit needs, on a
    /// customer whose only usage the selection excludes. The step now comes from the measurement itself.
    #[test]
    fn growth_steps_read_the_baseline_the_evaluator_reads() {
        let rules = rules_with(Selection {
            name: "acr".into(),
            exclude_products: ["virtual machines".to_owned()].into(),
            ..all_of(Measure::AcrUsd)
        });
        let partner = partner_with(&[
            ("c-2", "2023-06", "Virtual Machines", 90000),
            ("c-1", "2023-06", "App Service", 10000),
            ("c-1", "2024-06", "App Service", 10000),
        ]);
        let kind = growth();
        let baseline = kind.measure(&Context::new(&rules, &partner)).evidence.figure_value("baseline");
        assert_eq!(baseline, Some(Decimal::from(10_000)));
        let words: Vec<String> = kind.additions(&rules, &partner).into_iter().map(|b| b[0].1.clone()).collect();
        assert_eq!(
            words,
            [
                "USD 100 more on App Service in 2024-06 (growth +1 unit), for c-1",
                "USD 500 more on App Service in 2024-06 (growth +5 units), for c-1",
                "USD 1,000 more on App Service in 2024-06 (growth +10 units), for c-1",
                "USD 3,000 more on App Service in 2024-06 (growth +30 units), for c-1",
            ]
        );
    }

    /// Issue 12: a selection weighted by rates is described in the partner file's units: the row's active users,
    /// not the selection's weighted value (`5,000 mcv`).
    #[test]
    fn additions_speak_in_partner_file_units() {
        let rules = rules_with(Selection {
            name: "mcv".into(),
            measure: None,
            rates: vec![crate::rules::Rate {
                products: ["power apps".to_owned()].into(),
                measure: Measure::ActiveUsers,
                rate: Decimal::from(200),
            }],
            product_names: [("power apps".to_owned(), "Power Apps".to_owned())].into(),
            ..all_of(Measure::ActiveUsers)
        });
        let partner = Partner::parse(
            r#"{"partner": {"id": "p"}, "as_of": "2024-06", "usage": [
                {"customer": "c-1", "month": "2023-06", "product": "Power Apps", "measure": "active_users", "value": 440},
                {"customer": "c-1", "month": "2024-06", "product": "Power Apps", "measure": "active_users", "value": 440}
            ]}"#,
            Format::Json,
            "test.json",
        )
        .unwrap();
        let mut kind = growth();
        kind.unit = Decimal::from(10);
        // 440 users × 200 = 88,000 mcv; 10% of it is 8,800 mcv, which 44 more users bring.
        let first = kind.additions(&rules, &partner).remove(0).remove(0);
        assert_eq!(first.1, "44 more active users on Power Apps in 2024-06 (growth +1 unit), for c-1");
        let crate::gap::Addition::Usage { rows, .. } = first.0 else { panic!("more usage for c-1") };
        assert_eq!(rows[0].value, Decimal::from(44));
    }
}
