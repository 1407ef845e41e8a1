//! Metric kinds: one file per kind, listed once in the registry below.
//!
//! A kind is the engine's one axis of growth. Each file (`customer_adds.rs`, `certified_people.rs`, ...) holds
//! everything about its kind: its parameters, the rule keys it accepts and how they compile (through
//! [`crate::rules::KindCompiler`], which locates every problem), how it measures a partner, the evidence it
//! records, the English that evidence reads as, the additions `gap` may try for it and what `generate` writes for
//! it. This module holds what every kind shares: the [`Kind`] trait, the [`registry!`] that lists the kinds (the
//! rule files' kind names, the schema's `Kind` values, `check`'s did-you-mean and the kinds documented in
//! docs/rules.md all come from it), and the measuring [`Context`] (usage rows grouped once per selection, overflow
//! notes, values as people read them). `combined` (several kinds in one metric) and `points` (units into points)
//! live beside the kinds.

pub(crate) mod additions;
pub(crate) mod combined;
pub(crate) mod points;

use std::any::{Any, TypeId};
use std::borrow::Cow;
use std::cell::{Cell, OnceCell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use rust_decimal::Decimal;

use crate::error::{Error, Located};
use crate::evidence::{Evidence, Months, Number};
use crate::explain::{amount, push_with_unit};
use crate::gap::Addition;
use crate::generate::Build;
use crate::partner::{Cloud, Measure, Partner, UsageRow};
use crate::report::Warning;
use crate::rules::schema::MetricFile;
use crate::rules::{Aggregate, CustomerFilter, Entity, KindCompiler, Measurement, RuleSet};
use crate::value::{add, checked_add, cmp, sum, Month};

/// What every metric kind does once its parameters are compiled.
pub(crate) trait Kind: std::fmt::Debug + Send + Sync {
    /// Measures the partner: units for the points rule, points earned outside it, and the evidence of what
    /// counted, what did not and why.
    fn measure<'c>(&self, ctx: &'c Context<'_>) -> Measured<'c>;

    /// The evidence in English, as the report's explanation reads before `→` and the points. Everything it says
    /// comes from the evidence and the kind's parameters.
    fn explain(&self, evidence: &Evidence, ctx: &Context<'_>) -> String;

    /// The additions to a partner's data that `gap` may try for one more unit of this kind, each with its
    /// description; an inner list holds additions that only count together (a bundle).
    fn additions(&self, rules: &RuleSet, partner: &Partner) -> Vec<Vec<(Addition, String)>>;

    /// Writes into the synthetic partner being built about `units` units of this kind (`drive`: the permille of
    /// full points the partner aims at), with some noise the kind must not count. Shared helpers are in
    /// [`crate::generate`].
    fn generate(&self, build: &mut Build<'_, '_>, units: i64, drive: i64);

    /// True for kinds whose units are customers, which `combine = "distinct"` can unite.
    fn counts_customers(&self) -> bool {
        false
    }

    /// Points the kind earns beside its units at most (prerequisite points), for the reach lint.
    fn fixed_points(&self) -> Option<Decimal> {
        Some(Decimal::ZERO)
    }

    /// The months of each selection the kind reads when it measures a partner at `as_of`, so that the report can
    /// say which of them the partner's data lacks (`coverage`). A kind that reads no usage reads nothing.
    fn reads(&self, _as_of: Month, _reads: &mut Reads) {}
}

/// The months of each selection a metric reads at one `as_of` (each kind answers for itself, [`Kind::reads`]),
/// for [`data_gaps`]: a month a metric reads that the data does not hold is missing, not zero.
#[derive(Debug, Default)]
pub(crate) struct Reads(pub BTreeMap<usize, BTreeSet<Month>>);

impl Reads {
    /// Months of `selection` read.
    pub fn months(&mut self, selection: usize, months: impl IntoIterator<Item = Month>) {
        self.0.entry(selection).or_default().extend(months);
    }

    /// Every month of `selection` from `from` to `to`, both included.
    pub fn span(&mut self, selection: usize, from: Month, to: Month) {
        self.months(selection, (0..=to.since(from)).map(|i| from.offset(i)));
    }

    /// The months a customer filter reads when tested in each of `tested`: its `months` months ending there, and
    /// as many `promoted_months` earlier.
    pub fn filter(&mut self, filter: &CustomerFilter, tested: impl IntoIterator<Item = Month>) {
        for month in tested {
            for end in [Some(month), filter.promoted_months.map(|back| month.offset(-back))].into_iter().flatten() {
                self.span(filter.selection, end.offset(-(filter.months - 1)), end);
            }
        }
    }
}

/// The months each measure of `measurement` reads at the partner's `as_of` that its data lacks, by measure
/// (none when the partner states no `coverage`): the months a metric reads outside its measure's coverage, or
/// every month it reads of a measure the coverage does not list.
pub(crate) fn data_gaps(
    rules: &RuleSet,
    partner: &Partner,
    measurement: &Measurement,
) -> BTreeMap<Measure, Vec<Month>> {
    if partner.coverage.is_none() {
        return BTreeMap::new();
    }
    let mut reads = Reads::default();
    match measurement {
        Measurement::Single(kind) => kind.kind().reads(partner.as_of, &mut reads),
        Measurement::Combined { parts, .. } => {
            for part in parts {
                part.kind.kind().reads(partner.as_of, &mut reads);
            }
        }
    }
    let mut out: BTreeMap<Measure, BTreeSet<Month>> = BTreeMap::new();
    for (selection, months) in &reads.0 {
        let Some(sel) = rules.selections.get(*selection) else { continue };
        for measure in Measure::ALL.iter().filter(|m| sel.reads(**m)) {
            let missing = partner.missing_months(*measure, months.iter().copied());
            if !missing.is_empty() {
                out.entry(*measure).or_default().extend(missing);
            }
        }
    }
    out.into_iter().map(|(m, months)| (m, months.into_iter().collect())).collect()
}

/// One registered kind: its name in rule files, the keys it takes beside the common ones, and its compile step.
pub(crate) struct Registered {
    pub name: &'static str,
    /// The kind-specific keys it accepts, in the order docs/rules.md lists them; others are refused.
    pub keys: &'static [&'static str],
    /// Every reason its evidence gives an item or a certification (docs/rules.md, section 15, lists them); the
    /// tests hold the docs and the evidence to it.
    #[cfg_attr(not(test), allow(dead_code))]
    pub reasons: &'static [&'static str],
    /// Builds the parameters from a metric table, reporting every problem through the compiler.
    pub compile: fn(&mut KindCompiler<'_, '_>, &MetricFile) -> Option<MetricKind>,
}

/// The registry: one line per kind, `module::Parameters`. It declares the module, the [`MetricKind`] variant
/// holding the parameters, the dispatch to [`Kind`] and the entry of [`KINDS`]. The module must define
/// `pub(crate) const KIND: Registered`.
macro_rules! registry {
    ($($module:ident :: $params:ident),* $(,)?) => {
        $(pub mod $module;)*
        $(pub use $module::$params;)*

        /// What a metric measures: the compiled parameters of one registered kind.
        #[derive(Debug)]
        pub enum MetricKind {
            $($params($params),)*
        }

        impl MetricKind {
            /// The kind behind the parameters.
            pub(crate) fn kind(&self) -> &dyn Kind {
                match self {
                    $(MetricKind::$params(k) => k,)*
                }
            }
        }

        /// Every registered kind, in the order rule files, the schema and docs/rules.md list them.
        pub(crate) const KINDS: &[Registered] = &[$($module::KIND,)*];
    };
}

registry! {
    customer_adds::CustomerAdds,
    certified_people::CertifiedPeople,
    usage_growth::UsageGrowth,
    distinct_products::DistinctProducts,
    ratio_customers::RatioCustomers,
    rolling_sum_crossing::RollingSumCrossing,
}

/// The kind of a metric that combines parts of the registered kinds ([`combined`]).
pub(crate) const COMBINED: &str = "combined";

/// Every name a metric's `kind` may take: the registered kinds, then `combined`.
pub(crate) fn kind_names() -> Vec<&'static str> {
    KINDS.iter().map(|k| k.name).chain(std::iter::once(COMBINED)).collect()
}

/// The registered kind called `name`.
pub(crate) fn registered(name: &str) -> Option<&'static Registered> {
    KINDS.iter().find(|k| k.name == name)
}

impl MetricKind {
    /// True for kinds whose units are customers, which `combine = "distinct"` can unite.
    pub fn counts_customers(&self) -> bool {
        self.kind().counts_customers()
    }
}

/// What a metric kind measured: units for the points rule, points earned outside it, and the evidence, which
/// the kind's [`Kind::explain`] renders as English.
pub(crate) struct Measured<'c> {
    pub units: Decimal,
    /// The customers counted, for kinds that count customers, borrowed from the partner (issue 15: not a
    /// copy of each id for every metric and month).
    pub customers: Option<BTreeSet<&'c str>>,
    /// Points earned regardless of units (prerequisite points).
    pub fixed_points: Decimal,
    /// False when a gate closed: the units earn nothing.
    pub open: bool,
    pub evidence: Evidence,
}

impl<'c> Measured<'c> {
    /// Units that are the customers counted.
    pub fn customers(counted: BTreeSet<&'c str>, evidence: Evidence) -> Measured<'c> {
        Measured {
            units: Decimal::from(counted.len()),
            customers: Some(counted),
            fixed_points: Decimal::ZERO,
            open: true,
            evidence,
        }
    }

    /// Units with nothing else: no customers, no fixed points, the gate open.
    pub fn units(units: Decimal, evidence: Evidence) -> Measured<'c> {
        Measured { units, customers: None, fixed_points: Decimal::ZERO, open: true, evidence }
    }

    /// A closed gate: the units earn nothing.
    pub fn closed(evidence: Evidence) -> Measured<'c> {
        Measured { units: Decimal::ZERO, customers: None, fixed_points: Decimal::ZERO, open: false, evidence }
    }
}

/// The values of `months` read for `list`, keyed as evidence keys them (`2024-05`), zeros included: the evidence
/// shows every value a decision read.
pub(crate) fn months_read(months: &Monthly, list: impl IntoIterator<Item = Month>) -> Months {
    list.into_iter().map(|m| (m, Number(months.at(m)))).collect()
}

/// The monthly totals of one customer, product or customer product: each month that has rows, in order, with
/// its total. A month without rows reads as zero.
///
/// Issue 15: the series were `BTreeMap<Month, Decimal>` per customer and product, looked up a month at a time
/// for every entity, window and month of the qualification window; one sorted vector is one allocation, a
/// binary search and a contiguous slice for a range. Months that have rows only (not a dense array from the
/// first month): a partner may have rows decades apart, and the totals keep every month's own decimal, a
/// written zero (`0.00`) included, so that every sum is the additions the map gave, in the same order.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Monthly(Vec<(Month, Decimal)>);

impl Monthly {
    /// The total of `month`, zero when it has no rows.
    pub fn at(&self, month: Month) -> Decimal {
        // A customer's months with rows usually follow one another: the month's place counted from the first is
        // looked at before searching.
        if let Some(i) = self.place(month) {
            return self.0[i].1;
        }
        match self.0.binary_search_by_key(&month, |(m, _)| *m) {
            Ok(i) => self.0[i].1,
            Err(_) => Decimal::ZERO,
        }
    }

    /// The months from `from` to `to` (both included) that have rows, in order; none when `from` is after `to`.
    pub fn between(&self, from: Month, to: Month) -> &[(Month, Decimal)] {
        let lo = self.place(from).unwrap_or_else(|| self.0.partition_point(|(m, _)| *m < from));
        let hi = self.place(to).map_or_else(|| self.0.partition_point(|(m, _)| *m <= to), |i| i + 1);
        &self.0[lo..hi.max(lo)]
    }

    /// The index of `month` when it lies at its place counted from the first month with rows, as it does while
    /// the months with rows follow one another; `None` otherwise (it may still be further on, or absent). Issue
    /// 15: a search's unpredictable branches cost more time than its instructions say (−10 % CPU over Parquet).
    fn place(&self, month: Month) -> Option<usize> {
        let first = self.0.first()?.0;
        let i = usize::try_from(month.months_after(first)?).ok()?;
        (self.0.get(i)?.0 == month).then_some(i)
    }

    /// Whether the total of the months from `from` to `to` is above zero. A series' values are never negative
    /// (see [`Series`]), so it is when one of them is above zero: found without adding them (issue 15).
    pub fn any_above_zero(&self, from: Month, to: Month) -> bool {
        self.between(from, to).iter().any(|(_, v)| !v.is_zero())
    }

    /// The total of the months from `from` to `to`, both included.
    pub fn sum(&self, from: Month, to: Month) -> Decimal {
        sum(self.between(from, to).iter().map(|(_, v)| *v))
    }

    /// Every month that has rows, in order, with its total.
    pub fn iter(&self) -> impl Iterator<Item = (Month, Decimal)> + '_ {
        self.0.iter().copied()
    }
}

impl From<BTreeMap<Month, Decimal>> for Monthly {
    fn from(months: BTreeMap<Month, Decimal>) -> Monthly {
        Monthly(months.into_iter().collect())
    }
}

/// Monthly totals of one selection, per customer and product and per customer.
///
/// Usage values are never negative (the partner file refuses them) and neither are selection rates (the rules
/// refuse them), so every total here is at most the sum of all of the selection's weighted rows. Building the
/// series checks that sum row by row; when it fits, every sum over the series' months or customers is a part
/// of it and fits too, so the plain additions here and in the metric kinds cannot overflow.
#[derive(Default)]
pub(crate) struct Series<'p> {
    /// (customer, product key) → monthly totals, in key order (found by [`Series::cell`]).
    pub cells: Vec<((&'p str, &'p str), Monthly)>,
    /// Product key → the name as first written.
    pub names: BTreeMap<&'p str, &'p str>,
    /// Customer → monthly totals over all its products, in customer order (found by [`Series::customer`]).
    pub customers: Vec<(&'p str, Monthly)>,
    /// What the metrics read of the series besides, built on first use and kept for every metric and every
    /// month of the window (issue 15): none of it depends on the month measured.
    derived: Derived<'p>,
}

/// The views of a [`Series`] built on first use.
#[derive(Default)]
struct Derived<'p> {
    /// The monthly values of each customer's largest product, in the order of [`Series::customers`].
    customer_max: OnceCell<Vec<Monthly>>,
    /// `customer / product` → its index in [`Series::cells`], ordered by that key (the key is text the evidence
    /// shows; the months are borrowed from the cell, not copied).
    customer_products: OnceCell<Vec<(String, usize)>>,
    /// Product key → monthly totals over every customer.
    products: OnceCell<Vec<(&'p str, Monthly)>>,
    /// The totals [`Series::total_between`] summed, by span.
    totals: std::cell::RefCell<Vec<((Month, Month), Decimal)>>,
}

/// Adds `v` to `month` of the sorted `months`, a month not there yet starting from zero: exactly the additions
/// `*map.entry(month).or_default() += v` made, on a vector (rows mostly come in month order: a push).
#[inline]
fn add_to(months: &mut Vec<(Month, Decimal)>, month: Month, v: Decimal) {
    // A month not there yet starts as zero plus `v`, which is `v` to the bit (rust_decimal returns the other
    // operand of a zero; `zero_plus_a_value_is_the_value_to_the_bit`), as `Builder::merge` relies on too.
    match months.last_mut() {
        Some((last, total)) if *last == month => *total = add(*total, v),
        Some((last, _)) if *last > month => add_before(months, month, v),
        _ => months.push((month, v)),
    }
}

/// [`add_to`] for a month before the last one there: the rare case, kept out of the loops that inline the
/// common one (issue 15).
#[inline(never)]
fn add_before(months: &mut Vec<(Month, Decimal)>, month: Month, v: Decimal) {
    match months.binary_search_by_key(&month, |(m, _)| *m) {
        Ok(i) => months[i].1 = add(months[i].1, v),
        Err(i) => months.insert(i, (month, v)),
    }
}

/// Whether two texts are equal: at once when they are one text (the rows of a usage run share their texts,
/// [`crate::partner::UsageRow`]'s `Arc<str>`s), else byte by byte. Issue 15: building a series compared each
/// row's customer and product key with the run's, most often the very same text.
#[inline]
fn same_text(a: &str, b: &str) -> bool {
    (std::ptr::eq(a.as_ptr(), b.as_ptr()) && a.len() == b.len()) || a == b
}

/// A [`Series`] being built from the usage rows (runs of one customer's product, in any order);
/// [`Builder::finish`] gives the series the kinds read.
#[derive(Default)]
struct Builder<'p> {
    cells: BTreeMap<(&'p str, &'p str), Vec<(Month, Decimal)>>,
    names: BTreeMap<&'p str, &'p str>,
    customers: BTreeMap<&'p str, Vec<(Month, Decimal)>>,
}

impl<'p> Builder<'p> {
    /// Adds one run of monthly values of a customer's product (sorted by month).
    fn merge(&mut self, (customer, product, name): (&'p str, &'p str, &'p str), months: Vec<(Month, Decimal)>) {
        self.names.entry(product).or_insert(name);
        match self.customers.entry(customer) {
            // A customer's first run is its total so far: adding each month to an empty total gives zero plus the
            // value, which is the value itself (rust_decimal returns the other operand of a zero unchanged), so
            // it is copied at once rather than grown a month at a time (issue 15).
            std::collections::btree_map::Entry::Vacant(e) => {
                e.insert(months.clone());
            }
            std::collections::btree_map::Entry::Occupied(mut e) => {
                for (m, v) in &months {
                    add_to(e.get_mut(), *m, *v);
                }
            }
        }
        match self.cells.entry((customer, product)) {
            std::collections::btree_map::Entry::Vacant(e) => {
                e.insert(months);
            }
            std::collections::btree_map::Entry::Occupied(mut e) => {
                for (m, v) in months {
                    add_to(e.get_mut(), m, v);
                }
            }
        }
    }

    fn finish(self) -> Series<'p> {
        Series {
            cells: self.cells.into_iter().map(|(k, m)| (k, Monthly(m))).collect(),
            names: self.names,
            customers: self.customers.into_iter().map(|(c, m)| (c, Monthly(m))).collect(),
            derived: Derived::default(),
        }
    }
}

impl<'p> Series<'p> {
    /// The total of every customer from `from` to `to` (both included). Issue 15: the path tests of every
    /// designation and the trailing-twelve-month gates ask for the same spans in each month of the window; each
    /// span is summed once per partner (the same additions in the same order) and kept.
    pub fn total_between(&self, from: Month, to: Month) -> Decimal {
        if let Some((_, total)) = self.derived.totals.borrow().iter().find(|(span, _)| *span == (from, to)) {
            return *total;
        }
        let total = sum(self.customers.iter().map(|(_, m)| m.sum(from, to)));
        self.derived.totals.borrow_mut().push(((from, to), total));
        total
    }

    /// Monthly values per counted entity, in the order of their keys: customers (their products summed or the
    /// largest product) or each product of each customer (`customer / product`).
    pub fn entities(&self, entity: Entity, aggregate: Aggregate) -> Vec<(&str, &Monthly)> {
        match (entity, aggregate) {
            (Entity::Customer, Aggregate::Sum) => self.customers.iter().map(|(c, m)| (*c, m)).collect(),
            (Entity::Customer, Aggregate::Max) => {
                self.customers.iter().zip(self.customer_max()).map(|((c, _), m)| (*c, m)).collect()
            }
            (Entity::CustomerProduct, _) => {
                self.customer_products().iter().map(|(k, i)| (k.as_str(), &self.cells[*i].1)).collect()
            }
        }
    }

    /// The index of a customer in [`Series::customers`].
    pub fn customer(&self, customer: &str) -> Option<usize> {
        self.customers.binary_search_by(|(c, _)| (*c).cmp(customer)).ok()
    }

    /// A customer's monthly values, its products summed or the largest taken; `None` when it has no rows here.
    pub fn customer_months(&self, customer: &str, aggregate: Aggregate) -> Option<&Monthly> {
        let i = self.customer(customer)?;
        match aggregate {
            Aggregate::Sum => Some(&self.customers[i].1),
            Aggregate::Max => self.customer_max().get(i),
        }
    }

    /// The monthly totals of a customer's product (by product key).
    pub fn cell(&self, customer: &str, product: &str) -> Option<&Monthly> {
        let i = self.cells.binary_search_by(|((c, p), _)| (*c, *p).cmp(&(customer, product))).ok()?;
        Some(&self.cells[i].1)
    }

    /// The monthly values of each customer's largest product, in the order of [`Series::customers`].
    fn customer_max(&self) -> &[Monthly] {
        self.derived.customer_max.get_or_init(|| {
            // Cells are in (customer, product) order: each customer's products are together, customers in order.
            let mut out: Vec<Monthly> = Vec::with_capacity(self.customers.len());
            for products in self.cells.chunk_by(|a, b| a.0 .0 == b.0 .0) {
                out.push(largest(products.iter().map(|(_, months)| months)));
            }
            out
        })
    }

    /// `customer / product` (the product's name as first written) → its cell, ordered by that key.
    fn customer_products(&self) -> &[(String, usize)] {
        self.derived.customer_products.get_or_init(|| {
            let mut keys: Vec<(String, usize)> = self
                .cells
                .iter()
                .enumerate()
                .map(|(i, ((c, p), _))| {
                    // `format!("{c} / {name}")`, without the formatting machinery (issue 15).
                    let name = self.names.get(p).copied().unwrap_or(p);
                    let mut key = String::with_capacity(c.len() + 3 + name.len());
                    key.push_str(c);
                    key.push_str(" / ");
                    key.push_str(name);
                    (key, i)
                })
                .collect();
            // A BTreeMap keyed by the text kept the last cell of two whose keys read alike; so does this.
            keys.sort_by(|a, b| a.0.cmp(&b.0));
            let mut unique: Vec<(String, usize)> = Vec::with_capacity(keys.len());
            for (k, i) in keys {
                match unique.last_mut() {
                    Some(last) if last.0 == k => last.1 = i,
                    _ => unique.push((k, i)),
                }
            }
            unique
        })
    }

    /// Product key → monthly totals over every customer.
    pub fn products(&self) -> &[(&'p str, Monthly)] {
        self.derived.products.get_or_init(|| {
            let mut products: BTreeMap<&'p str, Vec<(Month, Decimal)>> = BTreeMap::new();
            for ((_, product), months) in &self.cells {
                let target = products.entry(*product).or_default();
                for (m, v) in months.iter() {
                    add_to(target, m, v);
                }
            }
            products.into_iter().map(|(p, m)| (p, Monthly(m))).collect()
        })
    }

    /// A customer's value in a month, its products summed or the largest taken.
    #[cfg(test)]
    pub fn customer_value(&self, customer: &str, month: Month, aggregate: Aggregate) -> Decimal {
        self.customer_months(customer, aggregate).map_or(Decimal::ZERO, |m| m.at(month))
    }
}

/// Month by month, the largest value of `products` (one customer's products, in key order): of equal values
/// the first product's (`1.5` before a later `1.50`), a month only one product has rows in taken as it is. Issue
/// 15: one customer's months of every product, sorted by month (stably: products stay in order within a month)
/// and folded, where a map was grown a month at a time; a customer of one product is its product's months.
fn largest<'m>(mut products: impl Iterator<Item = &'m Monthly>) -> Monthly {
    let Some(first) = products.next() else { return Monthly::default() };
    let mut all: Vec<(Month, Decimal)> = first.0.clone();
    let mut more = false;
    for months in products {
        all.extend_from_slice(&months.0);
        more = true;
    }
    if !more {
        return Monthly(all);
    }
    all.sort_by_key(|(m, _)| *m);
    let mut out: Vec<(Month, Decimal)> = Vec::with_capacity(all.len());
    for (m, v) in all {
        match out.last_mut() {
            // `Decimal::max`: the later value only when it is greater.
            Some((last, slot)) if *last == m => {
                if cmp(slot, &v).is_lt() {
                    *slot = v;
                }
            }
            _ => out.push((m, v)),
        }
    }
    Monthly(out)
}

/// The total of `months` from `from` to `to`, both included.
pub(crate) fn sum_range(months: &Monthly, from: Month, to: Month) -> Decimal {
    months.sum(from, to)
}

/// The value of `month`, zero when there is none.
pub(crate) fn value(months: &Monthly, month: Month) -> Decimal {
    months.at(month)
}

/// A metric's entry in [`Context::memo`]: the address of its parameters and the type kept.
type MemoKey = (usize, TypeId);

/// What every kind measures against: the rules, the partner, and the usage rows grouped once per selection.
pub(crate) struct Context<'a> {
    pub rules: &'a RuleSet,
    pub partner: &'a Partner,
    /// The month measured: the partner's `as_of`, or an earlier month of its qualification window. The usage is
    /// grouped once, whatever the month; only this moves (issue 15: the window is not six copies of the partner).
    pub as_of: Month,
    /// True while measuring an earlier month of the window, of which only the path, points and qualification are
    /// kept: kinds then skip the items of their evidence and the evaluator the English. Units, figures, gates
    /// and points are computed exactly as for `as_of`, so the numbers cannot differ.
    pub brief: bool,
    /// True while measuring an earlier month of the window (always `brief` too): of a designation only its
    /// path, points and qualification are kept, so the evaluator builds no metric results for it, only each
    /// metric's points (computed exactly as for a kept month).
    pub window_month: bool,
    series: Vec<OnceCell<Series<'a>>>,
    /// Each person's certifications found in the version's catalogue (by index), looked up once per partner
    /// rather than per metric and month (issue 15).
    certifications: OnceCell<Vec<Vec<Option<usize>>>>,
    /// Each person's catalogue certifications that count at the end of one month (earned by then, neither
    /// expired nor retired before it), for that month: every `certified-people` metric of a month of the window
    /// asks the same, and a month of the window keeps no per-certification evidence (issue 15).
    valid_certifications: std::cell::RefCell<Option<(Month, Vec<Vec<usize>>)>>,
    /// Usage rows by measure, so each selection visits only the rows of the measures it reads.
    by_measure: Vec<Vec<&'a UsageRow>>,
    /// The first value found too large for a decimal, as `field: what overflows`. Sums are taken inside
    /// iterators and lazily built series; they note an overflow here and go on with zero, and the evaluator
    /// turns the note into this partner's error, so no score is ever built on it.
    overflow: Cell<Option<String>>,
    /// What a kind worked out once for one of its metrics and every month of the window, by the metric's
    /// address ([`Context::memo`]).
    memo: RefCell<Vec<(MemoKey, Rc<dyn Any>)>>,
}

impl<'a> Context<'a> {
    pub fn new(rules: &'a RuleSet, partner: &'a Partner) -> Context<'a> {
        let mut by_measure: Vec<Vec<&UsageRow>> = vec![Vec::new(); Measure::ALL.len()];
        // Rows of a cloud the version does not count (`[usage] clouds`) are in no selection: no kind sees them.
        for row in partner.usage.iter().filter(|r| rules.counts_cloud(r.cloud)) {
            by_measure[row.measure as usize].push(row);
        }
        Context {
            rules,
            partner,
            as_of: partner.as_of,
            brief: false,
            window_month: false,
            series: (0..rules.selections.len()).map(|_| OnceCell::new()).collect(),
            certifications: OnceCell::new(),
            valid_certifications: Default::default(),
            by_measure,
            overflow: Cell::new(None),
            memo: RefCell::default(),
        }
    }

    /// The months a kind measures in one pass ([`Context::memo`]), the first and the last: the months of the
    /// longest qualification window of the version, ending at the partner's `as_of` (or at the month measured,
    /// when later). `None` when the window is one month: there is nothing to share between months.
    pub fn window_span(&self) -> Option<(Month, Month)> {
        let window = i32::try_from(self.rules.window_months()).ok().filter(|w| *w > 1)?;
        let last = self.as_of.max(self.partner.as_of);
        Some((last.offset(1 - window), last))
    }

    /// What `build` gives for `metric`, built on the first call for this partner and kept for every later month
    /// of the window (issue 15: the window measured in one pass). `metric` is the kind's parameters, whose
    /// address names the metric for as long as the rules are borrowed; `build` must not depend on the month
    /// measured (`as_of`), only on the partner's data and the metric.
    pub fn memo<T: 'static, M>(&self, metric: &M, build: impl FnOnce() -> T) -> Rc<T> {
        let key = (metric as *const M as usize, TypeId::of::<T>());
        let found = self.memo.borrow().iter().find(|(k, _)| *k == key).map(|(_, v)| Rc::clone(v));
        if let Some(kept) = found.and_then(|v| v.downcast::<T>().ok()) {
            return kept;
        }
        let built = Rc::new(build());
        self.memo.borrow_mut().push((key, Rc::clone(&built) as Rc<dyn Any>));
        built
    }

    /// What `build` gives for `metric` over the months of [`Context::window_span`], built once for the partner
    /// ([`Context::memo`]) and kept for every month of the window: `None` when `one_pass` is false, when there
    /// is no window to share, or when `build` gives `None` (the kind then measures the month directly).
    pub fn window_memo<T: 'static, M>(
        &self,
        metric: &M,
        one_pass: bool,
        build: impl FnOnce((Month, Month)) -> Option<T>,
    ) -> Option<Rc<T>> {
        let span = self.window_span().filter(|_| one_pass)?;
        Option::clone(&self.memo(metric, || build(span).map(Rc::new)))
    }

    /// Words for the report: `write()`, or nothing while measuring an earlier month of the window, which keeps
    /// only its path, points and qualification (issue 15: the English of six months nobody reads was a tenth of
    /// the scoring).
    pub fn words(&self, write: impl FnOnce() -> String) -> String {
        if self.brief {
            String::new()
        } else {
            write()
        }
    }

    /// Runs a points script on `inputs`, or gives the result it gave on exactly the same inputs before (for this
    /// partner or another: [`crate::script::Script::run_memo`]).
    pub fn run_script(&self, script: &crate::script::Script, inputs: &[(&str, Decimal)]) -> Result<Decimal, Error> {
        script.run_memo(inputs, || format!("scoring partner \"{}\"", self.partner.id))
    }

    /// Notes an overflow (the first one wins) and stands in zero for the value that has none.
    pub fn overflowed(&self, what: impl FnOnce() -> String) -> Decimal {
        let first = self.overflow.take().unwrap_or_else(what);
        self.overflow.set(Some(first));
        Decimal::ZERO
    }

    /// `value`, or zero with an overflow noted when it could not be computed.
    pub fn checked(&self, value: Option<Decimal>, what: impl FnOnce() -> String) -> Decimal {
        value.unwrap_or_else(|| self.overflowed(what))
    }

    /// The noted overflow as this partner's error, `file: field: what overflows (while ...)`.
    pub fn overflow_error(&self, during: impl FnOnce() -> String) -> Result<(), Error> {
        match self.overflow.take() {
            None => Ok(()),
            Some(note) => {
                let (field, what) = note.split_once(": ").unwrap_or(("usage", &note));
                Err(Error::new(Located::field(&self.partner.origin, field), format!("{what} ({})", during()))
                    .with_hint("a value this large cannot be scored exactly; check the partner's numbers"))
            }
        }
    }

    /// The usage rows of selection `index`, grouped by customer, product and month (built once, on first use).
    pub fn series(&self, index: usize) -> &Series<'a> {
        self.series[index].get_or_init(|| {
            let sel = &self.rules.selections[index];
            let mut s = Builder::default();
            // Rows of one customer and product usually come together (a month after another): they are summed
            // in a run and merged into the maps once per run, not once per row.
            let mut run: Option<(&'a str, &'a str, &'a str)> = None;
            let mut months: Vec<(Month, Decimal)> = Vec::new();
            let mut all = Decimal::ZERO;
            let rows = Measure::ALL.iter().filter(|m| sel.reads(**m)).flat_map(|m| self.by_measure[*m as usize].iter());
            // The product's part of the selection is asked once per run of rows of one product and measure.
            let mut product: Option<(&'a str, Measure, Option<Decimal>)> = None;
            for row in rows {
                if !sel.admits(row) {
                    continue;
                }
                let weight = match product {
                    Some((key, measure, weight)) if measure == row.measure && same_text(key, &row.product_key) => {
                        weight
                    }
                    _ => {
                        let weight = sel.product_weight(&row.product_key, row.measure);
                        product = Some((&*row.product_key, row.measure, weight));
                        weight
                    }
                };
                let Some(weight) = weight else { continue };
                let weighted = if weight == Decimal::ONE { Some(row.value) } else { row.value.checked_mul(weight) };
                let Some((v, sum)) = weighted.and_then(|v| checked_add(all, v).map(|sum| (v, sum))) else {
                    // Nothing of this selection is summed past here: the partner fails with this note.
                    self.overflowed(|| format!("usage: sum of {} overflows", sel.name));
                    break;
                };
                all = sum;
                let key = (&*row.customer, &*row.product_key, &*row.product);
                if run.is_some_and(|r| !(same_text(r.0, key.0) && same_text(r.1, key.1))) {
                    // The next run is usually as long as this one: its vector is made that size at once.
                    let next = Vec::with_capacity(months.len());
                    s.merge(run.take().expect("a run"), std::mem::replace(&mut months, next));
                }
                run = Some(key);
                add_to(&mut months, row.month, v);
            }
            if let Some(r) = run {
                s.merge(r, months);
            }
            s.finish()
        })
    }

    /// Each person's certifications (in the partner's order) as catalogue indices, `None` for a name the
    /// catalogue does not know; found once, on first use.
    pub fn certifications(&self) -> &[Vec<Option<usize>>] {
        self.certifications.get_or_init(|| {
            let cat = &self.rules.catalogue;
            self.partner.people.iter().map(|p| p.certifications.iter().map(|c| cat.find(&c.name)).collect()).collect()
        })
    }

    /// Runs `f` on each person's catalogue certifications that count at the end of `as_of` (in the partner's
    /// order, `None` and certifications not yet earned, expired or retired by then left out), found once per month.
    pub fn with_valid_certifications<R>(&self, f: impl FnOnce(&[Vec<usize>]) -> R) -> R {
        let as_of = self.as_of;
        if self.valid_certifications.borrow().as_ref().is_none_or(|(month, _)| *month != as_of) {
            let cat = &self.rules.catalogue;
            let month_end = as_of.last_day();
            let valid = self
                .partner
                .people
                .iter()
                .zip(self.certifications())
                .map(|(person, found)| {
                    person
                        .certifications
                        .iter()
                        .zip(found)
                        .filter_map(|(c, found)| {
                            let i = (*found)?;
                            let through = cat.certifications[i].eligible_through;
                            certified_people::why_not_counted(c, through, month_end).is_none().then_some(i)
                        })
                        .collect()
                })
                .collect();
            *self.valid_certifications.borrow_mut() = Some((as_of, valid));
        }
        // Only read while `f` runs.
        f(&self.valid_certifications.borrow().as_ref().expect("just filled").1)
    }

    /// The unit evidence gives a value of selection `index`: its measure, or the selection's name.
    pub fn unit_of(&self, index: usize) -> Cow<'static, str> {
        let sel = &self.rules.selections[index];
        sel.shown_as().map_or_else(|| Cow::Owned(sel.name.clone()), |m| Cow::Borrowed(m.name()))
    }

    /// A value of a selection as people read it: `USD 1,200.50`, `40 paid_seats`, `12,000 bizapps-mcv`.
    pub fn money(&self, selection: usize, v: Decimal) -> String {
        shown(self.rules, selection, v)
    }

    /// Whether a customer passes the filter tested at `month`: its value there in range, or (with
    /// `promoted_months`) over the range there and in it `promoted_months` earlier.
    pub fn passes(&self, filter: &CustomerFilter, customer: &str, month: Month) -> bool {
        self.passes_months(filter, self.filter_months(filter, customer), month)
    }

    /// The monthly values a filter tests of a customer (after `aggregate`), `None` when it has no rows in the
    /// filter's selection: found once per customer and handed to [`Context::passes_months`] for every month
    /// tested (issue 15: the customer was looked up by name for every month of the filter, entity and window).
    pub fn filter_months(&self, filter: &CustomerFilter, customer: &str) -> Option<&Monthly> {
        self.series(filter.selection).customer_months(customer, filter.aggregate)
    }

    /// [`Context::passes`] on the monthly values [`Context::filter_months`] found.
    pub fn passes_months(&self, filter: &CustomerFilter, months: Option<&Monthly>, month: Month) -> bool {
        let v = filter_value(filter, months, month);
        if filter.in_range(v) {
            return true;
        }
        match (filter.promoted_months, filter.at_most) {
            (Some(back), Some(max)) if cmp(&v, &max).is_gt() => {
                filter.in_range(filter_value(filter, months, month.offset(-back)))
            }
            _ => false,
        }
    }

    /// A filter in words: `customers with 11 paid_seats to 300 paid_seats on their largest product`, `customers
    /// with more than USD 12,000 over the 12 months to the month tested`.
    pub fn describe_filter(&self, filter: &CustomerFilter) -> String {
        let money = |v: Decimal| self.money(filter.selection, v);
        // `at_least` and `more_than` are never both given (compile refuses it); `at_least` is read first.
        let range = match (filter.at_least, filter.more_than, filter.at_most) {
            (Some(a), _, Some(b)) => format!("{} to {}", money(a), money(b)),
            (Some(a), _, None) => format!("at least {}", money(a)),
            (None, Some(m), Some(b)) => format!("more than {} up to {}", money(m), money(b)),
            (None, Some(m), None) => format!("more than {}", money(m)),
            (None, None, Some(b)) => format!("at most {}", money(b)),
            (None, None, None) => "any value".to_owned(),
        };
        let how = if filter.aggregate == Aggregate::Max { " on their largest product" } else { "" };
        let over = if filter.months > 1 {
            format!(" over the {} months to the month tested", filter.months)
        } else {
            String::new()
        };
        let promoted = match filter.promoted_months {
            Some(back) => format!(
                " (or above that with a value in that range {back} month{} earlier: promoted)",
                if back == 1 { "" } else { "s" }
            ),
            None => String::new(),
        };
        format!("customers with {range}{how}{over}{promoted}")
    }
}

/// The value a filter tests at `month`: the customer's monthly values (after `aggregate`) summed over the
/// filter's `months` months ending there, the latest first (the additions as they always were made).
fn filter_value(filter: &CustomerFilter, months: Option<&Monthly>, month: Month) -> Decimal {
    let Some(months) = months else { return Decimal::ZERO };
    sum((0..filter.months).map(|i| months.at(month.offset(-i))))
}

/// One warning per cloud whose usage rows the version does not count (`[usage] clouds`): the rows are in the
/// partner file but no metric sees them, which the report says rather than dropping them silently.
pub(crate) fn uncounted_clouds(rules: &RuleSet, partner: &Partner) -> Vec<Warning> {
    let mut by_cloud: BTreeMap<Cloud, (usize, usize)> = BTreeMap::new();
    for (i, row) in partner.usage.iter().enumerate().filter(|(_, r)| !rules.counts_cloud(r.cloud)) {
        by_cloud.entry(row.cloud).or_insert((i, 0)).1 += 1;
    }
    let counted: Vec<&str> = Cloud::ALL.iter().filter(|c| rules.counts_cloud(**c)).map(|c| c.name()).collect();
    by_cloud
        .into_iter()
        .map(|(cloud, (first, n))| Warning {
            field: format!("usage[{first}].cloud"),
            message: format!(
                "{n} usage row{} of cloud {} {} not counted under rule version {}",
                if n == 1 { "" } else { "s" },
                cloud.name(),
                if n == 1 { "is" } else { "are" },
                rules.version
            ),
            hint: Some(format!(
                "rule version {} counts only usage of: {} ([usage] clouds)",
                rules.version,
                counted.join(", ")
            )),
        })
        .collect()
}

/// A value of a selection as people read it: in its measure (`USD 1,200.50`, `40 paid_seats`), or, for a
/// selection weighted by rates, in the selection's own unit (`12,000 bizapps-mcv`).
pub(crate) fn shown(rules: &RuleSet, selection: usize, v: Decimal) -> String {
    let sel = &rules.selections[selection];
    match sel.shown_as() {
        Some(measure) => amount(v, measure),
        None => {
            let mut out = String::with_capacity(20 + sel.name.len());
            push_with_unit(&mut out, v, &sel.name);
            out
        }
    }
}

/// What the kinds' unit tests share: a rule set of a few selections and nothing else, a partner from usage rows.
#[cfg(test)]
pub(crate) mod testing {
    use std::collections::BTreeMap;

    use crate::error::Located;
    use crate::partner::{Format, Measure, Partner};
    use crate::rules::{Catalogue, RuleSet, Selection};

    /// The shipped rule version `v` (`rules/<v>`).
    pub fn shipped(v: &str) -> RuleSet {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules").join(v);
        RuleSet::load(&dir).unwrap_or_else(|e| panic!("shipped rules {v} do not load: {e:?}"))
    }

    /// The metric kinds of `rules` that `pick` keeps (a combined metric's parts included), in the order of the
    /// rule files: `kinds_of(&rules, |k| match k { MetricKind::X(x) => Some(x), _ => None })`.
    pub fn kinds_of<'r, T>(rules: &'r RuleSet, pick: impl Fn(&'r super::MetricKind) -> Option<&'r T>) -> Vec<&'r T> {
        use crate::rules::Measurement;
        rules
            .designations
            .iter()
            .flat_map(|d| &d.paths)
            .flat_map(|p| &p.metrics)
            .flat_map(|m| match &m.measurement {
                Measurement::Single(kind) => vec![kind],
                Measurement::Combined { parts, .. } => parts.iter().map(|p| &p.kind).collect(),
            })
            .filter_map(pick)
            .collect()
    }

    /// Generated partner `i` of `rules` (15 customers) as of `as_of`.
    pub fn generated(rules: &RuleSet, i: usize, as_of: &str) -> Partner {
        let generator = crate::generate::Generator::new(rules);
        Partner::from_file(generator.partner(i, 15, as_of.parse().expect("a month")), "generated")
            .expect("generated partners validate")
    }

    /// A rule set with these selections: enough for a kind's measurement and additions.
    pub fn rules_with(selection: Selection) -> RuleSet {
        RuleSet {
            version: "test".into(),
            title: String::new(),
            effective_from: "2024-06".parse().unwrap(),
            effective_until: None,
            effective_from_place: Located::file("program.toml"),
            references: Vec::new(),
            digest: String::new(),
            dir: Default::default(),
            selections: vec![selection],
            usage_clouds: None,
            path_rules: Vec::new(),
            catalogue: Catalogue::default(),
            designations: Vec::new(),
            badges: Vec::new(),
            specializations: Vec::new(),
            software: Vec::new(),
        }
    }

    /// A selection of every row of `measure`.
    pub fn all_of(measure: Measure) -> Selection {
        Selection {
            name: "sel".into(),
            measure: Some(measure),
            rates: Vec::new(),
            associations: None,
            exclude_offers: Default::default(),
            excludes_default_offer: false,
            products: None,
            exclude_products: Default::default(),
            product_names: BTreeMap::new(),
        }
    }

    /// A partner at `2024-06` with these usage rows, each `(customer, month, product, value)` in USD of ACR.
    pub fn partner_with(rows: &[(&str, &str, &str, i64)]) -> Partner {
        let usage: Vec<String> = rows
            .iter()
            .map(|(c, m, p, v)| {
                format!(
                    r#"{{"customer": "{c}", "month": "{m}", "product": "{p}", "measure": "acr_usd", "value": {v}}}"#
                )
            })
            .collect();
        let text = format!(r#"{{"partner": {{"id": "p"}}, "as_of": "2024-06", "usage": [{}]}}"#, usage.join(","));
        Partner::parse(&text, Format::Json, "test.json").expect("a valid partner")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 15: one text is equal to itself at once, but a shorter text at the same address (a prefix) is not
    /// the same text, and equal texts at two addresses are equal byte by byte.
    #[test]
    fn same_text_is_text_equality() {
        let shared: std::sync::Arc<str> = std::sync::Arc::from("contoso-01");
        let (one, two) = (std::sync::Arc::clone(&shared), String::from("contoso-01"));
        assert!(same_text(&shared, &one));
        assert!(same_text(&shared, &two));
        assert!(!same_text(&shared, &shared[..7]), "a prefix at the same address");
        assert!(!same_text(&shared[..7], &shared));
        assert!(!same_text(&shared, "contoso-02"));
        assert!(same_text("", &shared[..0]));
    }

    // Issue 15: a customer's first run of monthly values is copied as its total, where adding each month to an
    // empty total was zero plus the value. That holds only if zero plus a value is that value to the bit (its
    // scale, a written zero's included): pinned here for small and large mantissas, every scale and zeros.
    #[test]
    fn zero_plus_a_value_is_the_value_to_the_bit() {
        let mantissas: [i128; 9] =
            [0, 1, 7, 1_999, u32::MAX as i128, u32::MAX as i128 + 1, 1 << 40, u64::MAX as i128, (1 << 95) - 1];
        for m in mantissas {
            for scale in 0..=28 {
                let v = Decimal::from_i128_with_scale(m, scale);
                let mut total = Decimal::ZERO;
                total += v;
                assert_eq!(total.serialize(), v.serialize(), "{m} at scale {scale}");
            }
        }
        // And the series built from runs of one customer add up as month-by-month additions would.
        let runs = [
            ("c1", vec![("2024-01", "1.50"), ("2024-02", "0.00")]),
            ("c1", vec![("2024-02", "2"), ("2024-03", "3.125")]),
            ("c2", vec![("2024-01", "0")]),
        ];
        let mut builder = Builder::default();
        let mut oracle: BTreeMap<&str, BTreeMap<Month, Decimal>> = BTreeMap::new();
        for (i, (customer, months)) in runs.iter().enumerate() {
            let months: Vec<(Month, Decimal)> =
                months.iter().map(|(m, v)| (m.parse().expect("a month"), v.parse().expect("a decimal"))).collect();
            for (m, v) in &months {
                *oracle.entry(*customer).or_default().entry(*m).or_default() += *v;
            }
            let product = if i == 0 { "p1" } else { "p2" };
            builder.merge((*customer, product, product), months);
        }
        let series = builder.finish();
        for (customer, months) in &series.customers {
            let expected: Vec<(Month, Decimal)> = oracle[customer].iter().map(|(m, v)| (*m, *v)).collect();
            let got: Vec<(Month, Decimal)> = months.iter().collect();
            assert_eq!(got.len(), expected.len(), "{customer}");
            for ((gm, gv), (em, ev)) in got.iter().zip(&expected) {
                assert_eq!((gm, gv.serialize()), (em, ev.serialize()), "{customer}");
            }
        }
    }

    // issue 15: the series are built from runs of rows, a customer's first run copied as its total. Runs in any
    // order (a customer's runs apart, one customer's product in several runs, decimals of several scales) give the
    // cells and customers, in key order and to the bit, that adding each value to ordered maps gives.
    #[test]
    fn series_from_runs_in_any_order_are_the_maps_additions() {
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: u64| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % n
        };
        let (customers, products) = (["c3", "c1", "c10", "c2"], ["z", "a", "m"]);
        let mut builder = Builder::default();
        let mut cells: BTreeMap<(&str, &str), BTreeMap<Month, Decimal>> = BTreeMap::new();
        let mut by_customer: BTreeMap<&str, BTreeMap<Month, Decimal>> = BTreeMap::new();
        for _ in 0..400 {
            let (c, p) = (customers[next(4) as usize], products[next(3) as usize]);
            let first: Month = "2023-01".parse().expect("a month");
            let mut months: Vec<(Month, Decimal)> = (0..1 + next(4))
                .map(|_| (first.offset(next(30) as i32), Decimal::new(next(100_000) as i64, next(5) as u32)))
                .collect();
            months.sort_by_key(|(m, _)| *m);
            months.dedup_by_key(|(m, _)| *m);
            for (m, v) in &months {
                *cells.entry((c, p)).or_default().entry(*m).or_default() += *v;
                *by_customer.entry(c).or_default().entry(*m).or_default() += *v;
            }
            builder.merge((c, p, p), months);
        }
        let series = builder.finish();
        let bits = |m: &BTreeMap<Month, Decimal>| m.iter().map(|(m, v)| (*m, v.serialize())).collect::<Vec<_>>();
        let got = |m: &Monthly| m.iter().map(|(m, v)| (m, v.serialize())).collect::<Vec<_>>();
        let cell_keys: Vec<(&str, &str)> = series.cells.iter().map(|(k, _)| *k).collect();
        assert_eq!(cell_keys, cells.keys().copied().collect::<Vec<_>>(), "cells in key order");
        for ((key, months), (_, expected)) in series.cells.iter().zip(&cells) {
            assert_eq!(got(months), bits(expected), "{key:?}");
        }
        let customer_keys: Vec<&str> = series.customers.iter().map(|(c, _)| *c).collect();
        assert_eq!(customer_keys, ["c1", "c10", "c2", "c3"], "customers in key order");
        for ((customer, months), (_, expected)) in series.customers.iter().zip(&by_customer) {
            assert_eq!(got(months), bits(expected), "{customer}");
        }
        // Each customer's largest product month by month, as a map grown a month at a time in product order
        // gave it (of equal values the first product's, its scale kept), and each customer product's key as
        // `format!` wrote it.
        let mut largest: BTreeMap<&str, BTreeMap<Month, Decimal>> = BTreeMap::new();
        for ((c, _), months) in &cells {
            let target = largest.entry(c).or_default();
            for (m, v) in months {
                let slot = target.entry(*m).or_insert(*v);
                if cmp(slot, v).is_lt() {
                    *slot = *v;
                }
            }
        }
        let entities = series.entities(Entity::Customer, Aggregate::Max);
        assert_eq!(entities.len(), largest.len());
        for ((customer, months), (c, expected)) in entities.iter().zip(&largest) {
            assert_eq!((customer, got(months)), (c, bits(expected)));
        }
        let keys: Vec<String> =
            series.entities(Entity::CustomerProduct, Aggregate::Sum).iter().map(|(k, _)| k.to_string()).collect();
        let expected: Vec<String> =
            cells.keys().map(|(c, p)| format!("{c} / {p}")).collect::<BTreeSet<_>>().into_iter().collect();
        assert_eq!(keys, expected);
    }

    // The largest product month by month keeps the first of equal values (`1.5` before `1.50`, whichever scale),
    // a later greater value wins, and a customer of one product is that product's months.
    #[test]
    fn the_largest_product_keeps_the_first_of_equal_values() {
        let month = |m: &str| m.parse::<Month>().expect("a month");
        let d = |v: &str| v.parse::<Decimal>().expect("a decimal");
        let a = Monthly(vec![(month("2024-01"), d("1.5")), (month("2024-03"), d("2"))]);
        let b = Monthly(vec![(month("2024-01"), d("1.50")), (month("2024-02"), d("7")), (month("2024-03"), d("2.5"))]);
        let c = Monthly(vec![(month("2024-01"), d("1.500")), (month("2024-03"), d("2.50"))]);
        let bits = |m: &Monthly| m.iter().map(|(m, v)| (m.to_string(), v.to_string())).collect::<Vec<_>>();
        let want =
            |pairs: &[(&str, &str)]| pairs.iter().map(|(m, v)| (m.to_string(), v.to_string())).collect::<Vec<_>>();
        assert_eq!(
            bits(&largest([&a, &b, &c].into_iter())),
            want(&[("2024-01", "1.5"), ("2024-02", "7"), ("2024-03", "2.5")])
        );
        assert_eq!(
            bits(&largest([&c, &b, &a].into_iter())),
            want(&[("2024-01", "1.500"), ("2024-02", "7"), ("2024-03", "2.50")])
        );
        assert_eq!(bits(&largest([&b].into_iter())), bits(&b));
        assert_eq!(largest(std::iter::empty()), Monthly::default());
    }

    fn rules_md() -> String {
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/rules.md")).expect("docs/rules.md")
    }

    /// The kinds docs/rules.md documents, section 8 headings (`` ### `customer-adds`: ... ``) in order.
    fn documented_kinds(doc: &str) -> Vec<String> {
        let section = doc.split("\n## 8. ").nth(1).expect("section 8").split("\n## ").next().unwrap_or_default();
        section
            .lines()
            .filter_map(|l| l.strip_prefix("### `"))
            .filter_map(|l| l.split_once('`').map(|(name, _)| name.to_owned()))
            .collect()
    }

    /// The table "Which keys each kind takes": kind → its keys as written.
    fn documented_keys(doc: &str) -> Vec<(String, Vec<String>)> {
        let table = doc.split("Which keys each kind takes:").nth(1).expect("the keys table");
        table
            .lines()
            .skip_while(|l| !l.starts_with("| `"))
            .take_while(|l| l.starts_with('|'))
            .map(|l| {
                let cells: Vec<&str> = l.split('|').map(str::trim).collect();
                let ticked = |cell: &str| -> Vec<String> {
                    cell.split(',').map(|k| k.trim().trim_matches('`').to_owned()).filter(|k| !k.is_empty()).collect()
                };
                (ticked(cells[1]).remove(0), ticked(cells[2]))
            })
            .collect()
    }

    /// Issue 12: every reason a kind gives is documented in its row of docs/rules.md, section 15.
    #[test]
    fn rules_md_documents_every_evidence_reason() {
        let doc = rules_md();
        let section = doc.split("\n## 15. ").nth(1).expect("section 15 of docs/rules.md");
        let row = |kind: &str| -> String {
            section.lines().find(|l| l.starts_with(&format!("| `{kind}` |"))).unwrap_or_default().to_owned()
        };
        for k in KINDS {
            let line = row(k.name);
            for reason in k.reasons {
                assert!(line.contains(&format!("`{reason}`")), "docs/rules.md section 15: {} lacks `{reason}`", k.name);
            }
        }
        for reason in combined::REASONS {
            assert!(
                row(COMBINED).contains(&format!("`{reason}`")),
                "docs/rules.md section 15: combined lacks `{reason}`"
            );
        }
    }

    /// Issue 12: the evidence of every example partner under every shipped version gives only registered
    /// reasons, has its points, and reads back from YAML as written.
    #[test]
    fn example_partners_give_only_registered_reasons() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
        let mut checked = 0;
        for version in ["2023-07", "2024-06"] {
            let rules = RuleSet::load(&std::path::Path::new(root).join("rules").join(version)).expect("shipped rules");
            let mut files: Vec<_> = std::fs::read_dir(std::path::Path::new(root).join("snapshots/partners"))
                .expect("example partners")
                .map(|e| e.expect("an entry").path())
                .collect();
            files.sort();
            for file in files {
                let partner = Partner::load(&file).expect("an example partner");
                let report = crate::score(&rules, &partner).expect("scored");
                // Reports are read back (`diff` reads snapshots): the evidence must survive JSON and YAML exactly,
                // a figure of 28 digits such as `growth-percent` (a division) included: the YAML writer quotes it.
                let json: crate::ScoreReport = serde_json::from_str(&report.to_json_line()).expect("JSON read back");
                assert_eq!(json, report, "{}: the evidence does not survive JSON", file.display());
                let yaml = crate::ScoreReport::from_yaml(&report.to_yaml(), "snapshot.yaml").expect("YAML read back");
                assert_eq!(yaml, report, "{}: the evidence does not survive YAML", file.display());
                for m in report.designations.iter().flat_map(|d| &d.metrics) {
                    let ev = m.evidence.as_ref().expect("every metric carries evidence");
                    let mut stack = vec![ev];
                    while let Some(ev) = stack.pop() {
                        let allowed: &[&str] = match registered(&ev.kind) {
                            Some(k) => k.reasons,
                            None if ev.kind == COMBINED => combined::REASONS,
                            None => panic!("{}: unknown kind {}", file.display(), ev.kind),
                        };
                        for item in &ev.items {
                            assert!(
                                allowed.contains(&&*item.reason),
                                "{} {}: {}",
                                file.display(),
                                ev.kind,
                                item.reason
                            );
                            for c in &item.certifications {
                                assert!(allowed.contains(&&*c.reason), "{}: {}", file.display(), c.reason);
                            }
                            checked += 1;
                        }
                        stack.extend(ev.parts.iter().map(|p| &p.evidence));
                    }
                    assert!(ev.points.is_some(), "{}: {} has no points evidence", file.display(), m.id);
                }
            }
        }
        assert!(checked > 100, "only {checked} items checked");
    }

    // issue 15: a series builds its derived views once and every metric and month reads them: the largest
    // product per customer, `customer / product` keys and product totals must be what the rows say, whichever
    // month is asked first and however often.
    #[test]
    fn a_series_derives_each_view_once_and_as_the_rows_say() {
        use testing::{all_of, partner_with, rules_with};
        let rules = rules_with(all_of(crate::partner::Measure::AcrUsd));
        let partner = partner_with(&[
            ("c1", "2024-05", "VMs", 100),
            ("c1", "2024-05", "SQL", 300),
            ("c1", "2024-06", "VMs", 250),
            ("c2", "2024-06", "SQL", 40),
            ("c2", "2024-06", "SQL", 2),
        ]);
        let ctx = Context::new(&rules, &partner);
        let series = ctx.series(0);
        let (may, june): (Month, Month) = ("2024-05".parse().unwrap(), "2024-06".parse().unwrap());
        for _ in 0..2 {
            assert_eq!(series.customer_value("c1", may, Aggregate::Max), Decimal::from(300));
            assert_eq!(series.customer_value("c1", may, Aggregate::Sum), Decimal::from(400));
            assert_eq!(series.customer_value("c2", june, Aggregate::Max), Decimal::from(42));
            assert_eq!(series.customer_value("c2", may, Aggregate::Max), Decimal::ZERO);
            let keys: Vec<&str> =
                series.entities(Entity::CustomerProduct, Aggregate::Sum).iter().map(|(k, _)| *k).collect();
            assert_eq!(keys, ["c1 / SQL", "c1 / VMs", "c2 / SQL"]);
            let max: Vec<(&str, Decimal)> = series
                .entities(Entity::Customer, Aggregate::Max)
                .iter()
                .map(|(k, m)| (*k, value(m, may) + value(m, june)))
                .collect();
            assert_eq!(max, [("c1", Decimal::from(550)), ("c2", Decimal::from(42))]);
            let products: Vec<(&str, Decimal)> =
                series.products().iter().map(|(k, m)| (*k, sum_range(m, may, june))).collect();
            assert_eq!(products.len(), 2);
            assert_eq!(products.iter().map(|(_, v)| *v).sum::<Decimal>(), Decimal::from(692));
        }
    }

    // issue 15: the series' months are a sorted vector (`Monthly`) instead of a map: the value of a month, a
    // range's sum and the months in order must be exactly what the map gave on the same rows: months with gaps,
    // a written zero kept as written, ranges reaching before the first month and past the last, an empty range.
    #[test]
    fn monthly_values_read_as_the_map_of_the_same_rows() {
        let m = |s: &str| -> Month { s.parse().unwrap() };
        let d = |s: &str| -> Decimal { s.parse().unwrap() };
        // Rows out of month order too: a month added to again after a later one, a month before the first.
        let rows = [
            ("2023-11", "5"),
            ("2024-01", "0.00"),
            ("2024-02", "12.5"),
            ("2024-06", "7"),
            ("2024-02", "0.25"),
            ("2023-10", "1.5"),
        ];
        let mut map: BTreeMap<Month, Decimal> = BTreeMap::new();
        let mut added: Vec<(Month, Decimal)> = Vec::new();
        for (month, v) in rows {
            *map.entry(m(month)).or_default() += d(v);
            add_to(&mut added, m(month), d(v));
        }
        let monthly = Monthly::from(map.clone());
        assert_eq!(Monthly(added.clone()), monthly, "the series are built by `add_to` as the map was");
        assert!(
            added.iter().zip(&map).all(|(a, (_, v))| a.1.scale() == v.scale()),
            "each month's decimal as the map's"
        );
        let listed: Vec<(Month, Decimal)> = monthly.iter().collect();
        let mapped: Vec<(Month, Decimal)> = map.iter().map(|(k, v)| (*k, *v)).collect();
        assert_eq!(listed, mapped);
        // Every month from before the first to after the last: values, and every range's sum and months.
        let months: Vec<Month> = (0..12).map(|i| m("2023-09").offset(i)).collect();
        for &a in &months {
            let at = monthly.at(a);
            assert_eq!(at, map.get(&a).copied().unwrap_or_default(), "{a}");
            assert_eq!(at.scale(), map.get(&a).copied().unwrap_or_default().scale(), "{a}: the decimal as written");
            for &b in months.iter().filter(|b| **b >= a) {
                let sum: Decimal = map.range(a..=b).map(|(_, v)| *v).sum();
                assert_eq!(monthly.sum(a, b), sum, "{a}–{b}");
                assert_eq!(monthly.sum(a, b).scale(), sum.scale(), "{a}–{b}");
                assert_eq!(monthly.any_above_zero(a, b), sum > Decimal::ZERO, "{a}–{b}");
                let range: Vec<(Month, Decimal)> = map.range(a..=b).map(|(k, v)| (*k, *v)).collect();
                assert_eq!(monthly.between(a, b), range.as_slice(), "{a}–{b}");
            }
        }
        assert_eq!(monthly.at(m("2024-01")).to_string(), "0.00");
        // A month found at its place counted from the first (2023-11), one whose place holds another month
        // (2024-02, after the gap), and months far before, after and beyond what a `u32` counts.
        assert_eq!(monthly.at(m("2023-11")), d("5"));
        assert_eq!(monthly.at(m("2024-02")), d("12.75"));
        for far in [-1_000_000, 1_000_000, i32::MAX / 2, i32::MIN / 2] {
            assert_eq!(monthly.at(m("2023-10").offset(far)), Decimal::ZERO, "{far} months away");
        }
        assert_eq!(monthly.sum(m("2024-02"), m("2024-06")), d("19.75"));
        // A range whose start is after its end reads as empty (the map would panic).
        assert!(monthly.between(m("2024-06"), m("2023-11")).is_empty());
        assert_eq!(Monthly::default().sum(m("2020-01"), m("2030-01")), Decimal::ZERO);
        assert_eq!(Monthly::default().at(m("2024-01")), Decimal::ZERO);
    }

    // issue 15: a customer filter finds the customer's months once and tests them per month; it passes exactly
    // the customers and months the lookup by name passed, promoted customers and customers without rows included.
    #[test]
    fn a_filter_on_found_months_passes_as_by_name() {
        use testing::{all_of, partner_with, rules_with};
        let rules = rules_with(all_of(crate::partner::Measure::AcrUsd));
        let partner = partner_with(&[
            ("c1", "2024-04", "VMs", 100),
            ("c1", "2024-05", "SQL", 300),
            ("c1", "2024-06", "VMs", 250),
            ("c2", "2024-06", "SQL", 40),
        ]);
        let ctx = Context::new(&rules, &partner);
        let filter = CustomerFilter {
            selection: 0,
            aggregate: Aggregate::Sum,
            at_least: Some(Decimal::from(200)),
            at_most: Some(Decimal::from(500)),
            more_than: None,
            months: 2,
            promoted_months: Some(1),
        };
        let june: Month = "2024-06".parse().unwrap();
        let mut seen = Vec::new();
        for customer in ["c1", "c2", "nobody"] {
            let found = ctx.filter_months(&filter, customer);
            for back in 0..4 {
                let month = june.offset(-back);
                let passes = ctx.passes(&filter, customer, month);
                assert_eq!(ctx.passes_months(&filter, found, month), passes, "{customer} {month}");
                seen.push((customer, month.to_string(), passes));
            }
        }
        // c1: 550 over May–June is above 500, but 400 over April–May was in range (promoted); 300 in April–May.
        assert!(seen.contains(&("c1", "2024-06".into(), true)));
        assert!(seen.contains(&("c1", "2024-05".into(), true)));
        assert!(seen.contains(&("c1", "2024-03".into(), false)));
        assert!(!seen.iter().any(|(c, _, p)| *c != "c1" && *p));
    }

    #[test]
    fn the_registry_names_each_kind_once() {
        let names = kind_names();
        let unique: BTreeSet<&str> = names.iter().copied().collect();
        assert_eq!(unique.len(), names.len(), "{names:?}");
        for k in KINDS {
            let keys: BTreeSet<&str> = k.keys.iter().copied().collect();
            assert_eq!(keys.len(), k.keys.len(), "{}: a key listed twice", k.name);
        }
    }

    /// Issue 12: docs/rules.md documents every registered kind and no other, each with the keys it accepts.
    #[test]
    fn rules_md_documents_every_registered_kind_and_no_other() {
        let doc = rules_md();
        assert_eq!(documented_kinds(&doc), kind_names(), "section 8 of docs/rules.md against the registry");
        let table = documented_keys(&doc);
        let kinds: Vec<&str> = table.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(kinds, kind_names(), "the keys table of docs/rules.md against the registry");
        for (name, keys) in &table {
            if let Some(k) = registered(name) {
                assert_eq!(keys, &k.keys.to_vec(), "the keys docs/rules.md lists for {name}");
            }
        }
        let listed: Vec<String> = kind_names().iter().map(|k| format!("`{k}`")).collect();
        let (init, last) = listed.split_at(listed.len() - 1);
        let sentence = format!("{} or {}", init.join(", "), last[0]);
        assert!(doc.contains(&sentence), "the `kind` row of the common keys should list: {sentence}");
    }
}
