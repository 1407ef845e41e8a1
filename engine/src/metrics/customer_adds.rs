//! `customer-adds`: net customer adds. Customers (or customer products) whose monthly value reaches a threshold
//! recently, against a baseline a year earlier, counted by one of four rules.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use rust_decimal::Decimal;
use crate::codes;

use super::additions::{filter_rows, in_file_units, row, row_shape};
use super::{months_read, value, Context, Kind, Measured, MetricKind, Monthly, Reads, Registered};
use crate::evidence::{Evidence, Item, ItemType, Months};
use crate::explain::{list_months, Listing};
use crate::generate::{months_from, percent, Build};
use crate::gap::{Addition, Row};
use crate::partner::Partner;
use crate::rules::schema::MetricFile;
use crate::rules::{Aggregate, CustomerFilter, Entity, KindCompiler, RuleSet};
use crate::value::{cmp, Month};

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
        "promoted_months",
    ],
    reasons: &["added", "lost", "in-both", "not-reached", "not-new", "no-transition"],
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
    /// With `at_most`: an entity over it in a month of a window that was in range in a month of the same window
    /// shifted back this many months still counts in that window (a promoted customer).
    pub promoted_months: Option<i32>,
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

/// The months a `customer-adds` metric looks at for one `as_of`.
struct Windows {
    /// The recent months, ending with `as_of`.
    recent: Vec<Month>,
    /// The last baseline month, `baseline_offset` months before `as_of`.
    base_end: Month,
    /// The baseline months, ending with `base_end`.
    base: Vec<Month>,
    /// The recent months shifted back by `baseline_offset` (the baseline of `average-crossing`).
    base_span: Vec<Month>,
}

impl CustomerAdds {
    fn windows(&self, as_of: Month) -> Windows {
        let recent: Vec<Month> = (0..self.recent_months).rev().map(|i| as_of.offset(-i)).collect();
        let base_end = as_of.offset(-self.baseline_offset);
        let base = (0..self.baseline_months).rev().map(|i| base_end.offset(-i)).collect();
        let base_span = recent.iter().map(|m| m.offset(-self.baseline_offset)).collect();
        Windows { recent, base_end, base, base_span }
    }

    /// The months the rule reads of each entity, in order: those of its windows, and for a promoted entity as
    /// many months earlier as `promoted_months` says.
    fn months_read(&self, w: &Windows) -> Vec<Month> {
        let mut read: BTreeSet<Month> = match self.rule {
            AddsRule::EligibleCountDifference | AddsRule::Transitions => w.base.iter().chain(&w.recent).copied().collect(),
            AddsRule::MonthlyTransitions => w.recent.iter().flat_map(|m| [m.offset(-1), *m]).collect(),
            AddsRule::AverageCrossing => w.recent.iter().chain(&w.base_span).copied().collect(),
        };
        // A promoted entity's earlier months decide too: the evidence shows them.
        if let Some(back) = self.promoted_months {
            let earlier: Vec<Month> = read.iter().map(|m| m.offset(-back)).collect();
            read.extend(earlier);
        }
        read.into_iter().collect()
    }

    /// Tests each entity's months once for every month of the qualification window (issue 15: the window in one
    /// pass): from the first month any month of the window reads to the last, in range and passing the filter,
    /// over `at_most` and passing it, and not zero. `None` when those months are more than a word holds.
    fn flags(
        &self,
        ctx: &Context<'_>,
        (first_as_of, last_as_of): (Month, Month),
        entities: &[(&str, &Monthly)],
    ) -> Option<Flags> {
        let first = *self.months_read(&self.windows(first_as_of)).first()?;
        let read = self.months_read(&self.windows(last_as_of));
        let last = *read.last()?;
        let len = last.since(first).checked_add(1)?;
        if !(1..=64).contains(&len) {
            return None;
        }
        // Only the months some month of the window reads are tested (not the year between a window and its
        // baseline): those of the last month, and the same shifted back by each earlier month of the window.
        let last_read = read.iter().fold(0u64, |bits, m| bits | 1 << m.since(first));
        let tested = (0..=last_as_of.since(first_as_of)).fold(0u64, |bits, k| bits | last_read >> k);
        let CustomerAdds { threshold, at_most, ref eligible, .. } = *self;
        let in_range = |v: &Decimal| cmp(v, &threshold).is_ge() && at_most.is_none_or(|max| cmp(v, &max).is_le());
        let is_over = |v: &Decimal| at_most.is_some_and(|max| cmp(v, &max).is_gt());
        let zero = Decimal::ZERO;
        let mut flags = Flags { first, len, tested, hit: Vec::new(), over: Vec::new(), nonzero: Vec::new() };
        for &(key, months) in entities {
            let fm = eligible.as_ref().and_then(|f| ctx.filter_months(f, customer_of(key)));
            let passes = |m: Month| eligible.as_ref().is_none_or(|f| ctx.passes_months(f, fm, m));
            let (mut hit, mut over, mut nonzero) = (0u64, 0u64, 0u64);
            // The months with rows, in order; a month without rows reads as zero.
            let mut rows = months.between(first, last).iter().peekable();
            for i in 0..len {
                let m = first.offset(i);
                let v = match rows.peek() {
                    Some((at, v)) if *at == m => {
                        rows.next();
                        v
                    }
                    _ => &zero,
                };
                let bit = 1u64 << i;
                if tested & bit == 0 {
                    continue;
                }
                if in_range(v) && passes(m) {
                    hit |= bit;
                }
                if is_over(v) && passes(m) {
                    over |= bit;
                }
                if !v.is_zero() {
                    nonzero |= bit;
                }
            }
            flags.hit.push(hit);
            flags.over.push(over);
            flags.nonzero.push(nonzero);
        }
        Some(flags)
    }

    /// The measurement; `one_pass` false makes every test directly (as a window longer than [`Flags`] hold does),
    /// which the tests compare with the one pass.
    fn measure_in<'c>(&self, ctx: &'c Context<'_>, one_pass: bool) -> Measured<'c> {
        let CustomerAdds {
            selection: sel,
            entity,
            aggregate,
            rule,
            threshold,
            at_most,
            ref eligible,
            ..
        } = *self;
        let as_of = ctx.as_of;
        let w = self.windows(as_of);
        let entities = ctx.series(sel).entities(entity, aggregate);
        let in_range = |v: Decimal| cmp(&v, &threshold).is_ge() && at_most.is_none_or(|max| cmp(&v, &max).is_le());
        // Issue 15, the window in one pass: each entity's months are tested against the range and the filter
        // once for every month of the qualification window (`Flags`), and each month of it reads its windows'
        // bits. `masks` is `None` when a month read is outside the flags (a window longer than they hold, or the
        // rule `average-crossing`, which reads the values themselves): the tests below are then made directly.
        let flags = ctx.window_memo(self, one_pass && rule != AddsRule::AverageCrossing, |span| {
            self.flags(ctx, span, &entities)
        });
        let flags = flags.as_deref();
        let masks = flags.and_then(|f| Masks::new(f, self, &w));
        // An entity's customer passes the filter in the month (the customer is the part before " / "). The
        // customer's values in the filter's selection (`fm`) are found once per entity, not per month tested.
        let passes = |fm: Option<&Monthly>, month: Month| eligible.as_ref().is_none_or(|f| ctx.passes_months(f, fm, month));
        let hit_in = |fm: Option<&Monthly>, months: &Monthly, month: Month| {
            in_range(value(months, month)) && passes(fm, month)
        };
        // An entity counts in a window when it is in range in a month of it, or (promoted) over `at_most` in a
        // month of it and in range in a month of the same window `promoted_months` earlier.
        let over = |fm: Option<&Monthly>, months: &Monthly, month: Month| {
            at_most.is_some_and(|max| cmp(&value(months, month), &max).is_gt()) && passes(fm, month)
        };
        let hit_window = |fm: Option<&Monthly>, months: &Monthly, window: &[Month]| {
            window.iter().any(|m| hit_in(fm, months, *m))
                || self.promoted_months.is_some_and(|back| {
                    window.iter().any(|m| over(fm, months, *m))
                        && window.iter().any(|m| hit_in(fm, months, m.offset(-back)))
                })
        };
        // The months each rule reads, for the evidence (which a month of the window does not keep).
        let read = if ctx.brief { Vec::new() } else { self.months_read(&w) };
        let item_type = match entity {
            Entity::Customer => ItemType::Customer,
            Entity::CustomerProduct => ItemType::CustomerProduct,
        };
        let item = |key: &str, counted: bool, reason: &'static str, months: Months| {
            let mut it = Item::new(item_type, key, counted, reason);
            if entity == Entity::CustomerProduct {
                it.customer = Some(customer_of(key).to_owned());
            }
            it.months = months;
            it
        };
        let mut ev = Evidence::of(KIND.name);
        let mut added = BTreeSet::new();
        let (mut plus, mut minus) = (0i64, 0i64);
        let (mut now_count, mut base_count) = (0i64, 0i64);
        for (e, &(key, months)) in entities.iter().enumerate() {
            // The filter's values are needed only when the tests are made directly.
            let fm = match masks {
                Some(_) => None,
                None => eligible.as_ref().and_then(|f| ctx.filter_months(f, customer_of(key))),
            };
            let hits = |window: &[Month], probe: fn(&Masks) -> Probe| match (&masks, flags) {
                (Some(ms), Some(f)) => f.hits(e, probe(ms), self.promoted_months.is_some()),
                _ => hit_window(fm, months, window),
            };
            let all = || months_read(months, read.iter().copied());
            let reason = match rule {
                AddsRule::EligibleCountDifference => {
                    let recent_hit = hits(&w.recent, |ms| ms.recent);
                    let base_hit = hits(&w.base, |ms| ms.base);
                    now_count += recent_hit as i64;
                    base_count += base_hit as i64;
                    match (recent_hit, base_hit) {
                        (true, false) => "added",
                        (false, true) => "lost",
                        (true, true) => "in-both",
                        (false, false) => "not-reached",
                    }
                }
                AddsRule::Transitions => {
                    let recent_hit = hits(&w.recent, |ms| ms.recent);
                    let base_hit = hits(&w.base, |ms| ms.base);
                    // The baseline months are consecutive: the months of it that have rows are one slice.
                    let base_zero = match (&masks, flags) {
                        (Some(ms), Some(f)) => f.nonzero[e] & ms.base.window == 0,
                        _ => match (w.base.first(), w.base.last()) {
                            (Some(first), Some(last)) => months.between(*first, *last).iter().all(|(_, v)| v.is_zero()),
                            _ => true,
                        },
                    };
                    if base_zero && recent_hit {
                        "added"
                    } else if base_hit && !recent_hit {
                        "lost"
                    } else if recent_hit && !base_zero && !base_hit {
                        "not-new"
                    } else if recent_hit {
                        "in-both"
                    } else {
                        "not-reached"
                    }
                }
                AddsRule::MonthlyTransitions => {
                    let mut moved = false;
                    for (i, m) in w.recent.iter().enumerate() {
                        let (is_added, is_lost) = match (&masks, flags) {
                            (Some(ms), Some(f)) => {
                                let (now, before) = ms.monthly[i];
                                let promoted = self.promoted_months.is_some();
                                let (zero_now, zero_before) =
                                    (f.nonzero[e] & now.window == 0, f.nonzero[e] & before.window == 0);
                                (zero_before && f.hits(e, now, promoted), f.hits(e, before, promoted) && zero_now)
                            }
                            _ => {
                                let (before, now) = (value(months, m.offset(-1)), value(months, *m));
                                (
                                    before.is_zero() && hit_window(fm, months, &[*m]),
                                    hit_window(fm, months, &[m.offset(-1)]) && now.is_zero(),
                                )
                            }
                        };
                        let event = if is_added {
                            "added"
                        } else if is_lost {
                            "lost"
                        } else {
                            continue;
                        };
                        moved = true;
                        if !ctx.brief {
                            let mut it = item(key, event == "added", event, months_read(months, [m.offset(-1), *m]));
                            it.month = Some(m.to_string());
                            ev.items.push(it);
                        }
                        if event == "added" {
                            plus += 1;
                            added.insert(key);
                        } else {
                            minus += 1;
                        }
                    }
                    if !moved && !ctx.brief {
                        ev.items.push(item(key, false, "no-transition", all()));
                    }
                    continue;
                }
                AddsRule::AverageCrossing => {
                    let n = Decimal::from(w.recent.len());
                    let now_avg = w.recent.iter().map(|m| value(months, *m)).sum::<Decimal>() / n;
                    let base_avg = w.base_span.iter().map(|m| value(months, *m)).sum::<Decimal>() / n;
                    let (now_in, base_in) =
                        (in_range(now_avg) && passes(fm, as_of), in_range(base_avg) && passes(fm, w.base_end));
                    match (now_in, base_in) {
                        (true, false) => "added",
                        (false, true) => "lost",
                        (true, true) => "in-both",
                        (false, false) => "not-reached",
                    }
                }
            };
            match reason {
                "added" => {
                    plus += 1;
                    added.insert(key);
                }
                "lost" => minus += 1,
                _ => {}
            }
            if !ctx.brief {
                ev.items.push(item(key, reason == "added", reason, all()));
            }
        }
        let net = match rule {
            AddsRule::EligibleCountDifference => now_count - base_count,
            _ => plus - minus,
        };
        let unit = Some(if entity == Entity::Customer { "customers" } else { "customer-products" });
        match rule {
            AddsRule::EligibleCountDifference => {
                ev.figure("now", Decimal::from(now_count), unit, None);
                ev.figure("then", Decimal::from(base_count), unit, None);
            }
            _ => {
                ev.figure("added", Decimal::from(plus), unit, None);
                ev.figure("lost", Decimal::from(minus), unit, None);
            }
        }
        ev.figure("net", Decimal::from(net), unit, None);
        let customers = (entity == Entity::Customer).then_some(added);
        Measured { units: Decimal::from(net), customers, fixed_points: Decimal::ZERO, open: true, evidence: ev }
    }
}

/// An entity's tests for the months of the qualification window of one `customer-adds` metric, made once per
/// partner ([`CustomerAdds::flags`]): bit `i` of a word stands for the month `first + i`. Per entity, in the order
/// of [`super::Series::entities`].
struct Flags {
    first: Month,
    len: i32,
    /// The months tested: those some month of the window reads (the others hold no bits).
    tested: u64,
    /// In range (`threshold`, `at_most`) and passing the customer filter.
    hit: Vec<u64>,
    /// Over `at_most` and passing the filter.
    over: Vec<u64>,
    /// A value other than zero.
    nonzero: Vec<u64>,
}

impl Flags {
    /// The bits of `months`; `None` when one of them is not among the months tested.
    fn mask(&self, months: impl IntoIterator<Item = Month>) -> Option<u64> {
        months.into_iter().try_fold(0u64, |mask, m| {
            let i = m.since(self.first);
            (0..self.len).contains(&i).then(|| 1 << i).filter(|bit| self.tested & bit != 0).map(|bit| mask | bit)
        })
    }

    /// The window test on the bits: in range in a month of the window, or (`promoted`) over `at_most` in a month
    /// of it and in range in a month of the window shifted back.
    fn hits(&self, e: usize, probe: Probe, promoted: bool) -> bool {
        self.hit[e] & probe.window != 0
            || (promoted && self.over[e] & probe.window != 0 && self.hit[e] & probe.shifted != 0)
    }
}

/// A window of one month measured, as bits of [`Flags`]: its months and (for promoted entities) its months
/// `promoted_months` earlier.
#[derive(Clone, Copy)]
struct Probe {
    window: u64,
    shifted: u64,
}

/// The windows of one month measured, as bits of [`Flags`].
struct Masks {
    recent: Probe,
    base: Probe,
    /// `monthly-transitions`: per recent month, the month itself and the month before it.
    monthly: Vec<(Probe, Probe)>,
}

impl Masks {
    /// `None` when a month the windows read is not in the flags: the tests are then made directly.
    fn new(flags: &Flags, adds: &CustomerAdds, w: &Windows) -> Option<Masks> {
        let probe = |months: &[Month]| -> Option<Probe> {
            let shifted = match adds.promoted_months {
                Some(back) => flags.mask(months.iter().map(|m| m.offset(-back)))?,
                None => 0,
            };
            Some(Probe { window: flags.mask(months.iter().copied())?, shifted })
        };
        let monthly = match adds.rule {
            AddsRule::MonthlyTransitions => {
                w.recent.iter().map(|m| Some((probe(&[*m])?, probe(&[m.offset(-1)])?))).collect::<Option<_>>()?
            }
            _ => Vec::new(),
        };
        Some(Masks { recent: probe(&w.recent)?, base: probe(&w.base)?, monthly })
    }
}

fn compile(c: &mut KindCompiler<'_, '_>, m: &MetricFile) -> Option<MetricKind> {
    let selection = c.selection(m);
    let rule = match m.rule.as_ref().map(|r| (r.get_ref().as_str(), r.span())) {
        Some(("eligible-count-difference", _)) => AddsRule::EligibleCountDifference,
        Some(("transitions", _)) => AddsRule::Transitions,
        Some(("monthly-transitions", _)) => AddsRule::MonthlyTransitions,
        Some(("average-crossing", _)) => AddsRule::AverageCrossing,
        Some((other, at)) => {
            let hint = c.suggest(other, &RULES);
            c.err(codes::UNKNOWN_VALUE, at, format!("unknown rule \"{other}\""), Some(&hint));
            AddsRule::Transitions
        }
        None => {
            let id = c.id().to_owned();
            c.err_here(codes::MISSING_KEY, format!("\"{id}\" needs `rule`"), Some(&format!("one of: {}", RULES.join(", "))));
            AddsRule::Transitions
        }
    };
    c.required(&m.threshold, "threshold");
    let threshold = c.non_negative_opt(&m.threshold, "threshold");
    c.empty_range(threshold.zip(m.at_most.as_ref()), "threshold");
    if let Some(p) = &m.promoted_months {
        if m.at_most.is_none() {
            c.err(codes::MISSING_KEY, 
                p.span(),
                "promoted_months needs `at_most`",
                Some("a promoted customer is one over at_most now that was in range promoted_months earlier"),
            );
        }
        if rule == AddsRule::AverageCrossing {
            c.err(codes::KEY_DOES_NOT_APPLY, 
                p.span(),
                "promoted_months does not apply to rule \"average-crossing\"",
                Some("promoted customers are counted by eligible-count-difference, transitions and monthly-transitions"),
            );
        }
    }
    let promoted_months = m.promoted_months.is_some().then(|| c.months(&m.promoted_months, "promoted_months", 12));
    Some(MetricKind::CustomerAdds(CustomerAdds {
        selection: selection?,
        entity: c.entity(&m.entity),
        aggregate: c.aggregate(&m.aggregate),
        rule,
        threshold: threshold?,
        at_most: c.non_negative_opt(&m.at_most, "at_most"),
        eligible: c.customer_filter(m),
        recent_months: c.months(&m.recent_months, "recent_months", 1),
        baseline_months: c.months(&m.baseline_months, "baseline_months", 1),
        baseline_offset: c.months(&m.baseline_offset, "baseline_offset", 12),
        promoted_months,
    }))
}

/// An entity's customer: the key itself, or the part before " / " of a customer product's key.
fn customer_of(key: &str) -> &str {
    key.split(" / ").next().unwrap_or(key)
}

impl Kind for CustomerAdds {
    fn counts_customers(&self) -> bool {
        self.entity == Entity::Customer
    }

    fn reads(&self, as_of: Month, reads: &mut Reads) {
        let read = self.months_read(&self.windows(as_of));
        if let Some(f) = &self.eligible {
            reads.filter(f, read.iter().copied());
        }
        reads.months(self.selection, read);
    }

    fn measure<'c>(&self, ctx: &'c Context<'_>) -> Measured<'c> {
        self.measure_in(ctx, true)
    }

    fn explain(&self, ev: &Evidence, ctx: &Context<'_>) -> String {
        let CustomerAdds { selection: sel, entity, aggregate, rule, threshold, at_most, ref eligible, .. } = *self;
        let w = self.windows(ctx.as_of);
        let money = |v: Decimal| ctx.money(sel, v);
        let show = |item: &Item, months: &[Month]| -> String {
            let mut out = String::new();
            for (i, mo) in months.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&money(item.value_in(*mo)));
                let _ = write!(out, " in {mo}");
            }
            out
        };
        let (recent_any, base_any, base_all) =
            (list_months(&w.recent, "or"), list_months(&w.base, "or"), list_months(&w.base, "and"));
        let level = match (at_most, self.promoted_months) {
            (Some(max), promoted) => {
                let range = format!("{} to {}", money(threshold), money(max));
                match promoted {
                    Some(back) => format!(
                        "{range} (or more, when it had {range} {back} month{} earlier: promoted)",
                        if back == 1 { "" } else { "s" }
                    ),
                    None => range,
                }
            }
            (None, _) => format!("{} or more", money(threshold)),
        };
        let what = match (entity, aggregate) {
            (Entity::CustomerProduct, _) => "customer product",
            (Entity::Customer, Aggregate::Max) => "customer (by its largest product)",
            (Entity::Customer, Aggregate::Sum) => "customer",
        };
        let mut plus = Listing::default();
        let mut minus = Listing::default();
        let mut not_new = Listing::default();
        for item in &ev.items {
            let key = &item.id;
            let listing = match &*item.reason {
                "added" => &mut plus,
                "lost" => &mut minus,
                "not-new" => &mut not_new,
                _ => continue,
            };
            let is_lost = item.reason == "lost";
            listing.push_with(|| match rule {
                AddsRule::EligibleCountDifference if is_lost => format!("{key} ({})", show(item, &w.base)),
                AddsRule::EligibleCountDifference => format!("{key} ({})", show(item, &w.recent)),
                AddsRule::Transitions if item.reason == "not-new" => format!("{key} ({})", show(item, &w.base)),
                AddsRule::Transitions => format!("{key} ({}; {})", show(item, &w.base), show(item, &w.recent)),
                AddsRule::MonthlyTransitions => {
                    // The two months read: the month before and the transition's month.
                    let mut read = item.months.iter();
                    let (before_month, before) = read.next().map_or((String::new(), Decimal::ZERO), |(m, v)| (m.to_string(), v.0));
                    let m = item.month.clone().unwrap_or_default();
                    if is_lost {
                        format!("{key} in {m} ({} in {before_month}, none in {m})", money(before))
                    } else {
                        let now = item.months.get_text(&m).map_or(Decimal::ZERO, |v| v.0);
                        format!("{key} in {m} ({} in {before_month}, {} in {m})", money(before), money(now))
                    }
                }
                AddsRule::AverageCrossing => {
                    let n = Decimal::from(w.recent.len());
                    let avg = |months: &[Month]| months.iter().map(|m| item.value_in(*m)).sum::<Decimal>() / n;
                    format!(
                        "{key} (average {} a month then, {} now)",
                        money(avg(&w.base_span).round_dp(2)),
                        money(avg(&w.recent).round_dp(2))
                    )
                }
            });
        }
        let figure = |name: &str| ev.figure_value(name).unwrap_or_default();
        let net = figure("net");
        let window = |months: &[Month]| match months {
            [first, .., last] => format!("{first}–{last}"),
            [one] => one.to_string(),
            [] => String::new(),
        };
        let mut story = match rule {
            AddsRule::EligibleCountDifference => format!(
                "a {what} counts when it has {level} in {recent_any} (now) or in {base_any} (a year earlier): {} now, {} then, net {net}",
                figure("now"), figure("then")
            ),
            AddsRule::Transitions => format!(
                "a {what} adds 1 when it had nothing in {base_all} and {level} in {recent_any}, and loses 1 when it had {level} in {base_any} and not in any recent month: {} added, {} lost, net {net}",
                plus.len(), minus.len()
            ),
            AddsRule::MonthlyTransitions => format!(
                "in each month of {}, a {what} adds 1 going from nothing the month before to {level}, and loses 1 going from {level} to nothing: {} added, {} lost, net {net}",
                window(&w.recent), plus.len(), minus.len()
            ),
            AddsRule::AverageCrossing => format!(
                "a {what} adds 1 when its monthly average over {} is {level} and over {} was not, and loses 1 the other way round: {} added, {} lost, net {net}",
                window(&w.recent),
                window(&w.base_span),
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
        if net.is_sign_negative() && !net.is_zero() {
            story.push_str("; a negative net earns nothing");
        }
        story
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
        let words = format!("1 more customer with {} on {} in {when}", in_file_units(&rows[0]), shape.0);
        vec![vec![(Addition::Customer { rows }, words)]]
    }

    /// `u` customers from nothing in the baseline to the threshold recently; some established, below the
    /// threshold or lost (a lost one is made up by one more added).
    fn generate(&self, build: &mut Build<'_, '_>, u: i64, _drive: i64) {
        let Some(slot) = build.core(self.selection) else { return };
        let size = self.eligible.as_ref().map(|f| (f, build.eligible_size(f)));
        let own = size.as_ref().is_some_and(|(f, _)| build.weight_in(f.selection, &slot).is_some());
        let level = |b: &mut Build<'_, '_>| -> Decimal {
            if let (true, Some((_, s))) = (own, &size) {
                return (*s).max(self.threshold);
            }
            let lo = self.threshold.max(Decimal::ONE);
            match self.at_most {
                Some(hi) if hi > lo => lo + (hi - lo) * percent(b.rng.range(10, 90)),
                _ => lo * percent(105 + b.rng.range(0, 55)),
            }
        };
        let (recent, offset) = (self.recent_months.max(1), self.baseline_offset.max(1));
        let base_end = build.as_of.offset(-offset);
        let recent_start = build.as_of.offset(-(recent - 1));
        let lost = build.rng.chance(20);
        let eligible_rows = |b: &mut Build<'_, '_>, c: &str, months: &[Month]| {
            if let (false, Some((f, s))) = (own, &size) {
                b.filter_rows(c, f, *s, months);
            }
        };
        for _ in 0..u.max(0) + i64::from(lost) {
            let start = match self.rule {
                AddsRule::MonthlyTransitions => build.as_of.offset(-(build.rng.below(recent as u64) as i32)),
                _ => {
                    let room = (offset - recent).clamp(0, 5);
                    recent_start.offset(-(build.rng.below(room as u64 + 1) as i32))
                }
            }
            .max(base_end.offset(1));
            let v = level(build);
            let c = build.new_customer();
            let months: Vec<Month> = months_from(start, build.as_of);
            build.rows(&c, &slot, months.iter().map(|m| (*m, v)).collect());
            eligible_rows(build, &c, &months);
        }
        if lost {
            // At the level in the baseline, nothing in the recent months.
            let v = level(build);
            let c = build.new_customer();
            let months = months_from(build.first, recent_start.offset(-1));
            build.rows(&c, &slot, months.iter().map(|m| (*m, v)).collect());
            eligible_rows(build, &c, &months);
        }
        if build.rng.chance(35) {
            // Established: at the level then and now, so neither added nor lost.
            let v = level(build);
            let c = build.new_customer();
            let months: Vec<Month> = build.history_months().collect();
            build.rows(&c, &slot, months.iter().map(|m| (*m, v)).collect());
            eligible_rows(build, &c, &months);
        }
        if build.rng.chance(30) && self.threshold > Decimal::ONE && !own {
            // New, but below the threshold.
            let v = (self.threshold * percent(build.rng.range(20, 80)))
                .max(Decimal::ONE)
                .min(self.threshold - Decimal::ONE);
            let c = build.new_customer();
            let months = months_from(recent_start, build.as_of);
            build.rows(&c, &slot, months.iter().map(|m| (*m, v)).collect());
            eligible_rows(build, &c, &months);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::testing::{all_of, partner_with, rules_with};
    use crate::partner::Measure;

    fn adds(rule: AddsRule) -> CustomerAdds {
        CustomerAdds {
            selection: 0,
            entity: Entity::Customer,
            aggregate: Aggregate::Sum,
            rule,
            threshold: Decimal::from(500),
            at_most: None,
            eligible: None,
            recent_months: 1,
            baseline_months: 1,
            baseline_offset: 12,
            promoted_months: None,
        }
    }

    /// Issue 12: the threshold is reached at exactly its value (`>=`), and the evidence says who counted and why.
    #[test]
    fn exactly_the_threshold_counts() {
        let rules = rules_with(all_of(Measure::AcrUsd));
        let partner = partner_with(&[
            ("exact", "2024-06", "App Service", 500),
            ("short", "2024-06", "App Service", 499),
            ("both", "2023-06", "App Service", 900),
            ("both", "2024-06", "App Service", 900),
            ("gone", "2023-06", "App Service", 700),
        ]);
        let ctx = Context::new(&rules, &partner);
        let m = adds(AddsRule::EligibleCountDifference).measure(&ctx);
        // now: both, exact; then: both, gone.
        assert_eq!(m.units, Decimal::ZERO);
        let reasons: Vec<(&str, &str)> = m.evidence.items.iter().map(|i| (i.id.as_str(), &*i.reason)).collect();
        assert_eq!(reasons, [("both", "in-both"), ("exact", "added"), ("gone", "lost"), ("short", "not-reached")]);
        assert_eq!(m.customers, Some(["exact"].into()));
    }

    /// Issue 15, the window in one pass: the month tests made once per partner (`Flags`) count exactly as the
    /// tests made directly, for every rule that uses them, with and without `at_most`, promoted entities and a
    /// customer filter (itself promoted, over two months), per customer and per customer product, in every
    /// month of the window, measured as the evaluator measures them: `as_of` first, then the earlier months on
    /// the same context.
    #[test]
    fn the_window_in_one_pass_counts_as_the_tests_made_directly() {
        use crate::rules::{Designation, PathSelection, Qualification};
        // A window of six months, and of one (a version of a rules root whose own window is shorter than the
        // window measured: the months before its own are not among the months tested, and are tested directly).
        let (mut compared, mut counted) = (0, 0);
        for window in [6, 1] {
            let mut rules = rules_with(all_of(Measure::AcrUsd));
            rules.designations.push(Designation {
                id: "d".into(),
                name: "d".into(),
                max_points: Decimal::from(100),
                qualification: Qualification {
                    min_total: Decimal::from(70),
                    min_each_metric: Decimal::ONE,
                    window_months: window,
                },
                path_selection: PathSelection::Single,
                paths: Vec::new(),
            });
            // Twelve customers over thirty months, two products, values about the thresholds, some months absent.
            let values = [0, 300, 499, 500, 700, 1000, 1001, 4000, 0];
            let mut seed = 7u64;
            let mut rows: Vec<(String, String, &str, i64)> = Vec::new();
            for c in 0..12 {
                for m in 0..30 {
                    for product in ["App Service", "Virtual Machines"] {
                        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                        let pick = (seed >> 33) as usize % (values.len() + 3);
                        if let Some(v) = values.get(pick) {
                            let month = format!("{}-{:02}", 2022 + m / 12, m % 12 + 1);
                            rows.push((format!("c{c}"), month, product, *v));
                        }
                    }
                }
            }
            let borrowed: Vec<(&str, &str, &str, i64)> = rows.iter().map(|(c, m, p, v)| (&**c, &**m, *p, *v)).collect();
            let partner = partner_with(&borrowed);
            let filter = CustomerFilter {
                selection: 0,
                aggregate: Aggregate::Max,
                at_least: Some(Decimal::from(300)),
                at_most: Some(Decimal::from(4000)),
                more_than: None,
                months: 2,
                promoted_months: Some(1),
            };
            for rule in [AddsRule::EligibleCountDifference, AddsRule::Transitions, AddsRule::MonthlyTransitions] {
                for entity in [Entity::Customer, Entity::CustomerProduct] {
                    for (at_most, promoted) in [(None, None), (Some(1000), None), (Some(1000), Some(2))] {
                        for eligible in [None, Some(filter.clone())] {
                            let adds = CustomerAdds {
                                entity,
                                at_most: at_most.map(Decimal::from),
                                promoted_months: promoted,
                                eligible,
                                recent_months: 2,
                                baseline_months: 2,
                                ..adds(rule)
                            };
                            let mut one_pass = Context::new(&rules, &partner);
                            let mut direct = Context::new(&rules, &partner);
                            let entities = one_pass.series(0).entities(entity, Aggregate::Sum);
                            let span = one_pass.window_span();
                            assert_eq!(span.is_some(), window > 1, "one pass for a window of more than one month");
                            assert_eq!(span.and_then(|s| adds.flags(&one_pass, s, &entities)).is_some(), window > 1);
                            for back in 0..6 {
                                let month = partner.as_of.offset(-back);
                                one_pass.as_of = month;
                                direct.as_of = month;
                                let (a, b) = (adds.measure_in(&one_pass, true), adds.measure_in(&direct, false));
                                let what =
                                    format!("{rule:?} {entity:?} at_most {at_most:?} promoted {promoted:?} in {month}");
                                assert_eq!(a.units, b.units, "{what}");
                                assert_eq!(a.customers, b.customers, "{what}");
                                assert_eq!(format!("{:?}", a.evidence), format!("{:?}", b.evidence), "{what}");
                                compared += 1;
                                counted += usize::from(!a.units.is_zero());
                            }
                        }
                    }
                }
            }
        }
        assert_eq!(compared, 2 * 3 * 2 * 3 * 2 * 6);
        // The data moves the counts: most measurements count someone, so the comparison is not of zeros.
        assert!(counted > compared / 2, "{counted} of {compared} measurements counted someone");
    }
}
