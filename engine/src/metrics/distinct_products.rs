//! `distinct-products`: the distinct products with usage in a trailing window (all customers added up),
//! optionally only those new in it, never those the metric excludes.

use std::collections::BTreeSet;

use rust_decimal::Decimal;

use super::additions::{in_file_units, row, row_shape};
use super::{Context, Kind, Measured, MetricKind, Reads, Registered};
use crate::evidence::{Evidence, Item, ItemType, Number};
use crate::explain::join_limited;
use crate::generate::{months_from, Build, Slot};
use crate::gap::Addition;
use crate::partner::Partner;
use crate::rules::schema::MetricFile;
use crate::rules::{KindCompiler, RuleSet};
use crate::value::Month;

pub(crate) const KIND: Registered = Registered {
    name: "distinct-products",
    keys: &["selection", "window_months", "exclude_products", "new_only"],
    reasons: &["used-in-window", "not-new", "excluded", "not-used-in-window"],
    compile,
};

/// The parameters of a `distinct-products` measurement.
#[derive(Debug)]
pub struct DistinctProducts {
    pub selection: usize,
    pub window_months: i32,
    /// Products never counted (lower-cased).
    pub exclude: BTreeSet<String>,
    /// Count only products with nothing in the window before.
    pub new_only: bool,
}

impl DistinctProducts {
    /// The window (ending with `as_of`) and the window before it, as (from, to, prior from, prior to).
    fn windows(&self, as_of: Month) -> (Month, Month, Month, Month) {
        let (from, to) = (as_of.offset(-(self.window_months - 1)), as_of);
        (from, to, from.offset(-self.window_months), from.offset(-1))
    }
}

fn compile(c: &mut KindCompiler<'_, '_>, m: &MetricFile) -> Option<MetricKind> {
    Some(MetricKind::DistinctProducts(DistinctProducts {
        selection: c.selection(m)?,
        window_months: c.months(&m.window_months, "window_months", 12),
        exclude: c.product_names(m.exclude_products.as_deref().unwrap_or_default()),
        new_only: m.new_only.as_ref().is_some_and(|b| *b.get_ref()),
    }))
}

impl Kind for DistinctProducts {
    fn reads(&self, as_of: Month, reads: &mut Reads) {
        // `new_only` compares the window with the one before it.
        let (from, to, prior_from, _) = self.windows(as_of);
        reads.span(self.selection, if self.new_only { prior_from } else { from }, to);
    }

    fn measure<'c>(&self, ctx: &'c Context<'_>) -> Measured<'c> {
        let (sel, exclude, new_only) = (self.selection, &self.exclude, self.new_only);
        let (from, to, prior_from, prior_to) = self.windows(ctx.as_of);
        let series = ctx.series(sel);
        // The product totals do not depend on the month measured: built once per partner (issue 15).
        let products = series.products();
        let mut ev = Evidence::of(KIND.name);
        let mut counted = 0usize;
        for (key, months) in products {
            let name = series.names.get(key).copied().unwrap_or(key);
            let reason = if !months.any_above_zero(from, to) {
                "not-used-in-window"
            } else if exclude.contains(*key) {
                "excluded"
            } else if new_only && months.any_above_zero(prior_from, prior_to) {
                "not-new"
            } else {
                "used-in-window"
            };
            counted += (reason == "used-in-window") as usize;
            if ctx.brief {
                continue;
            }
            let mut item = Item::new(ItemType::Product, name, reason == "used-in-window", reason);
            // The monthly totals the decision read: the window, and the window before it for `new_only`.
            let first = if new_only { prior_from } else { from };
            item.months = months.between(first, to).iter().map(|(m, v)| (*m, Number(*v))).collect();
            ev.items.push(item);
        }
        ev.figure("products", Decimal::from(counted), Some("products"), None);
        Measured::units(Decimal::from(counted), ev)
    }

    fn explain(&self, ev: &Evidence, ctx: &Context<'_>) -> String {
        let (from, to, prior_from, prior_to) = self.windows(ctx.as_of);
        let named = |reason: &str| -> Vec<&str> {
            ev.items.iter().filter(|i| i.reason == reason).map(|i| i.id.as_str()).collect()
        };
        let (counted, old, excluded) = (named("used-in-window"), named("not-new"), named("excluded"));
        let what = if self.new_only { "products first used in" } else { "products used in" };
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
        story
    }

    /// A new customer on a product the partner has not used (named `New Service N` when the selection names
    /// none left).
    fn additions(&self, rules: &RuleSet, p: &Partner) -> Vec<Vec<(Addition, String)>> {
        let as_of = p.as_of;
        let prior: BTreeSet<String> = p
            .usage
            .iter()
            .filter(|r| r.month <= as_of.offset(-self.window_months))
            .map(|r| r.product_key.to_string())
            .collect();
        let used: BTreeSet<String> = p.usage.iter().map(|r| r.product_key.to_string()).collect();
        let avoid: BTreeSet<String> = prior.union(&used).cloned().collect();
        let mut shape = row_shape(rules, p, self.selection, &avoid);
        if avoid.contains(&shape.0.to_lowercase()) || shape.0 == "another service" {
            shape.0 = format!("New Service {}", used.len() + 1);
        }
        let rows = vec![row(as_of, &shape, Decimal::ONE)];
        let words = format!("1 more product in use: {} ({} in {as_of})", shape.0, in_file_units(&rows[0]));
        vec![vec![(Addition::Customer { rows }, words)]]
    }

    /// `u` products of the selection first used within the window, on a new customer; sometimes a product
    /// the metric excludes, or one used before the window.
    fn generate(&self, build: &mut Build<'_, '_>, u: i64, _drive: i64) {
        let (sel, window, exclude, new_only) = (self.selection, self.window_months, &self.exclude, self.new_only);
        let core = build.core(sel);
        let core_key = core.as_ref().map(|s| s.product.to_lowercase());
        let mut candidates: Vec<Slot> = build
            .slots(sel)
            .into_iter()
            .filter(|s| !exclude.contains(&s.product.to_lowercase()) && Some(s.product.to_lowercase()) != core_key)
            .collect();
        build.rng.shuffle(&mut candidates);
        let window = window.max(1);
        let c = build.new_customer();
        let small = |b: &mut Build<'_, '_>, slot: &Slot| {
            let v = if slot.measure.is_money() { b.rng.range(20, 300) } else { b.rng.range(1, 20) };
            Decimal::from(v) * slot.weight
        };
        let take = (u.max(0) as usize).min(candidates.len());
        for slot in &candidates[..take] {
            let start = build.as_of.offset(-(build.rng.below(window as u64) as i32));
            let v = small(build, slot);
            build.rows(&c, slot, months_from(start, build.as_of).into_iter().map(|m| (m, v)).collect());
        }
        if new_only && take < candidates.len() && build.rng.chance(30) {
            // Used before the window as well: not new.
            let slot = candidates[take].clone();
            let v = small(build, &slot);
            build.rows(&c, &slot, build.history_months().map(|m| (m, v)).collect());
        }
        if let (Some(key), Some(core)) = (exclude.iter().next(), core) {
            if build.rng.chance(30) {
                let slot = Slot { product: key.clone(), ..core };
                let v = small(build, &slot);
                build.rows(&c, &slot, vec![(build.as_of, v)]);
            }
        }
    }
}
