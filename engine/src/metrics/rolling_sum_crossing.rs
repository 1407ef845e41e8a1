//! `rolling-sum-crossing`: customers whose total over a rolling window went from at most a threshold (the window
//! ending at the baseline) to above it (a window ending in some later month up to `as_of`).

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;

use super::additions::{row, row_shape};
use super::{sum_range, Context, Kind, Measured, MetricKind, Registered};
use crate::explain::join_limited;
use crate::gap::Addition;
use crate::partner::Partner;
use crate::rules::schema::MetricFile;
use crate::rules::{KindCompiler, RuleSet};
use crate::value::Month;

pub(crate) const KIND: Registered = Registered {
    name: "rolling-sum-crossing",
    keys: &["selection", "window_months", "threshold", "baseline_offset"],
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

    fn measure(&self, ctx: &Context<'_>) -> Measured {
        let RollingSumCrossing { selection: sel, window_months: window, threshold, baseline_offset: offset } = *self;
        let as_of = ctx.partner.as_of;
        let base_end = as_of.offset(-offset);
        let rolling = |m: &BTreeMap<Month, Decimal>, end: Month| sum_range(m, end.offset(-(window - 1)), end);
        let mut counted = BTreeSet::new();
        let mut lines = Vec::new();
        for (customer, months) in &ctx.series(sel).customers {
            let before = rolling(months, base_end);
            if before > threshold {
                continue;
            }
            let crossed = (0..offset).rev().map(|i| as_of.offset(-i)).find(|end| rolling(months, *end) > threshold);
            if let Some(end) = crossed {
                counted.insert(customer.to_string());
                lines.push(format!(
                    "{customer} ({} in the {window} months to {base_end}, {} in the {window} months to {end})",
                    ctx.money(sel, before),
                    ctx.money(sel, rolling(months, end))
                ));
            }
        }
        let mut story = format!(
            "customers whose {window}-month total went from at most {} (to {base_end}) to more than that (to some month of {}–{as_of}): {}",
            ctx.money(sel, threshold),
            as_of.offset(-(offset - 1)),
            counted.len()
        );
        if !lines.is_empty() {
            story.push_str(&format!("; {}", join_limited(&lines)));
        }
        Measured::customers(counted, story)
    }

    /// A new customer just over the threshold in `as_of`.
    fn additions(&self, rules: &RuleSet, p: &Partner) -> Vec<Vec<(Addition, String)>> {
        let as_of = p.as_of;
        let shape = row_shape(rules, p, self.selection, &BTreeSet::new());
        let Some(v) = self.threshold.checked_add(Decimal::ONE) else { return Vec::new() };
        let words =
            format!("1 more customer with {} on {} in {as_of}", super::shown(rules, self.selection, v), shape.0);
        vec![vec![(Addition::Customer { rows: vec![row(as_of, &shape, v)] }, words)]]
    }
}
