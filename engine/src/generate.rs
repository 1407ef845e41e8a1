//! Synthetic partner portfolios generated from a rule set: partner files (the `partner-data.md` shape, as
//! [`PartnerFile`]) that exercise whatever that rule set measures, for load tests, demonstrations and tests.
//!
//! Nothing here knows a designation, product, certification or threshold: the generator reads them from the
//! [`RuleSet`]. Each partner focuses on one to three designations with a "drive" (permille of what full points take);
//! for every metric of the path it aims at, the metric's kind writes what its parameters ask for (its `Kind::generate`,
//! in `metrics/<kind>.rs`, with the helpers here): customers that cross the metric's threshold from nothing
//! (`customer-adds`), people holding the certifications of its requirement and prerequisites (`certified-people`),
//! established customers growing by the units it counts (`usage-growth`), products first used in its window
//! (`distinct-products`), customers whose numerator reaches the ratio of their denominator (`ratio-customers`),
//! customers whose rolling sum crosses its threshold (`rolling-sum-crossing`), with the selections' products, measures,
//! associations and offers, and customers sized for its eligibility filter. Path rules are exercised too: some partners
//! are "large" and meet a test of a non-default path (customers mostly outside the segments a share test counts,
//! customers above a bar in both months, a large trailing total). Solutions with facts meet or miss the requirements of
//! certified software designations. Noise that must not count is mixed in on purpose: customers below a threshold or
//! present in the baseline, lost customers, rows under an excluded offer, products used before a window or excluded by
//! a metric, certifications expired, earned after `as_of` or retired past their grace. So every designation gets
//! partners that attain it and partners that fall short.
//!
//! Partner `i` of a portfolio depends only on `(rules, i, seed, as_of)`, so a portfolio can be produced in parallel
//! or in parts and still be byte-identical. Values are exact decimals (money in cents, counts whole); nothing here
//! uses floating point. Name pools and sizes, which rules cannot say, come from `engine/data/generator.toml`.

use std::collections::BTreeMap;
use std::io::{self, Write};

use rust_decimal::{Decimal, RoundingStrategy};

use crate::partner::{
    Association, AttainedFile, CertificationFile, CustomerFile, Fact, HistoryFile, Measure, PartnerFile, PartnerIdFile,
    PersonFile, Segment, SolutionFile, UsageFile,
};
use crate::rules::{
    CertRequirement, Combine, Condition, CustomerFilter, Measurement, MetricKind, PathSelection, PathTest, PointsRule,
    RuleSet, Selection,
};
use crate::value::{Date, Month, NonNegative};

/// Writes `n` synthetic partners for `rules` as NDJSON (one JSON object per line, '\n' after each) to `out`,
/// deterministic for `seed`.
pub fn write_ndjson(rules: &RuleSet, n: usize, seed: u64, as_of: Month, out: &mut dyn Write) -> io::Result<()> {
    Generator::new(rules).write_ndjson(n, seed, as_of, out)
}

/// Partner `i` of the portfolio for `rules` and `seed`. To generate many, build one [`Generator`] and reuse it.
pub fn partner(rules: &RuleSet, i: usize, seed: u64, as_of: Month) -> PartnerFile {
    Generator::new(rules).partner(i, seed, as_of)
}

/// A generator for one rule set: what full points take for each metric, worked out once.
///
/// ```
/// use designate_engine::{generate::Generator, Partner, RuleSet};
/// # let rules = RuleSet::load(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../rules/2024-06"))).unwrap();
/// let generator = Generator::new(&rules);
/// let file = generator.partner(0, 7, "2024-06".parse().unwrap());
/// let partner = Partner::from_file(file, "p-000001").unwrap();
/// assert_eq!(partner.id, "p-000001");
/// ```
pub struct Generator<'r> {
    rules: &'r RuleSet,
    /// Units that earn a metric's full points, by designation, path and metric: one figure, or one per part of a
    /// `best` combination (each part has its own points).
    full: Vec<Vec<Vec<Vec<Decimal>>>>,
}

/// Units assumed to earn full points when a points rule does not tell (a script that never reaches its maximum).
const FALLBACK_FULL_UNITS: i64 = 10;

impl<'r> Generator<'r> {
    /// A generator for `rules`.
    pub fn new(rules: &'r RuleSet) -> Generator<'r> {
        let full = rules
            .designations
            .iter()
            .map(|d| {
                d.paths
                    .iter()
                    .map(|p| {
                        p.metrics
                            .iter()
                            .map(|m| match &m.measurement {
                                Measurement::Combined { combine: Combine::Best, parts } => {
                                    parts.iter().map(|part| full_units(part.points.as_ref(), m.max_points)).collect()
                                }
                                _ => vec![full_units(m.points.as_ref(), m.max_points)],
                            })
                            .collect()
                    })
                    .collect()
            })
            .collect();
        Generator { rules, full }
    }

    /// Writes `n` partners as NDJSON to `out`.
    pub fn write_ndjson(&self, n: usize, seed: u64, as_of: Month, out: &mut dyn Write) -> io::Result<()> {
        // One write per partner: `out` may be unbuffered, and a partner line is tens of kilobytes.
        for i in 0..n {
            let mut line = self.partner(i, seed, as_of).to_json_line();
            line.push('\n');
            out.write_all(line.as_bytes())?;
        }
        Ok(())
    }

    /// Partner `i` of the portfolio for `seed`, evaluated at `as_of`.
    pub fn partner(&self, i: usize, seed: u64, as_of: Month) -> PartnerFile {
        Build::new(self, i, seed, as_of).partner()
    }
}

/// The fewest whole units that earn `max_points` under `rule`: `max_units`, or the maximum over `per_unit`, or,
/// for a script, found by running it (doubling, then bisecting).
fn full_units(rule: Option<&PointsRule>, max_points: Decimal) -> Decimal {
    let fallback = Decimal::from(FALLBACK_FULL_UNITS);
    let Some(rule) = rule else { return fallback };
    if let Some(script) = &rule.script {
        let reaches = |units: Decimal| {
            let mut inputs = vec![("units".to_owned(), units), ("max_points".to_owned(), max_points)];
            inputs.extend(rule.params.iter().cloned());
            script.run(&inputs, "generating partners").is_ok_and(|p| p >= max_points)
        };
        let cap = rule.max_units.unwrap_or(Decimal::from(1_000_000));
        let mut high = Decimal::ONE;
        while !reaches(high) {
            if high >= cap {
                return rule.max_units.unwrap_or(fallback);
            }
            high = (high * Decimal::TWO).min(cap);
        }
        let mut low = (high / Decimal::TWO).floor();
        // `low` does not reach (or is 0), `high` does.
        while high - low > Decimal::ONE {
            let mid = ((low + high) / Decimal::TWO).floor();
            if reaches(mid) {
                high = mid;
            } else {
                low = mid;
            }
        }
        return high;
    }
    match (rule.per_unit, rule.max_units) {
        (_, Some(max)) if max > Decimal::ZERO => max.ceil(),
        (Some(per), None) if per > Decimal::ZERO => (max_points / per).ceil(),
        _ => fallback,
    }
}

// ------------------------------------------------------------------ randomness

/// splitmix64: tiny, fast and good enough for synthetic data; seeded per partner so partners are independent.
pub(crate) struct Rng(u64);

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    pub(crate) fn new(seed: u64, i: usize) -> Rng {
        // Mixing the index before combining keeps neighbouring partners' streams unrelated.
        Rng(mix(seed ^ mix((i as u64).wrapping_add(0x632B_E59B_D9B4_E019))))
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// Uniform in `0..n` (multiply-shift; the bias is far below anything a synthetic portfolio could show).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((self.next() as u128 * n as u128) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    pub(crate) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    /// True with probability `pct` percent.
    pub(crate) fn chance(&mut self, pct: i64) -> bool {
        (self.below(100) as i64) < pct
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    pub(crate) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i as u64 + 1) as usize);
        }
    }
}

// ------------------------------------------------------------------ names and sizes (engine/data/generator.toml)

/// What the rules cannot say: name pools and sizes.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Vocabulary {
    name_first: Vec<String>,
    name_middle: Vec<String>,
    name_last: Vec<String>,
    open_products: Vec<String>,
    sizes: Sizes,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Sizes {
    history_months: i32,
    extra_people: (i64, i64),
}

fn vocab() -> &'static Vocabulary {
    static VOCABULARY: std::sync::OnceLock<Vocabulary> = std::sync::OnceLock::new();
    // The file is built into the binary and checked by the tests below: it cannot be wrong at run time.
    VOCABULARY.get_or_init(|| {
        toml::from_str(include_str!("../data/generator.toml")).expect("engine/data/generator.toml is valid")
    })
}

// ------------------------------------------------------------------ the generator

/// A way into a selection: a product, measure, association and offer, and the weight its values carry there.
#[derive(Clone)]
pub(crate) struct Slot {
    pub(crate) product: String,
    pub(crate) measure: Measure,
    pub(crate) association: Option<Association>,
    pub(crate) offer: Option<String>,
    pub(crate) weight: Decimal,
}

/// One partner being built. Each kind writes what it measures into it (`Kind::generate`, in the kind's file under
/// `metrics/`) with the helpers below; the rest of the partner is written here.
pub(crate) struct Build<'g, 'r> {
    g: &'g Generator<'r>,
    pub(crate) rules: &'r RuleSet,
    pub(crate) rng: Rng,
    index: usize,
    pub(crate) as_of: Month,
    /// The first month of an established customer's usage.
    pub(crate) first: Month,
    /// A large partner meets a test of a non-default path of each path rule.
    large: bool,
    /// The segments a share test of a path rule counts (customers mostly in them, or mostly not when large).
    tested_segments: Vec<Segment>,
    customers: Vec<CustomerFile>,
    usage: Vec<UsageFile>,
    people: Vec<PersonFile>,
    /// The product each selection's customers use (so that products new in a window are the deployments').
    core: BTreeMap<usize, Slot>,
}

impl<'g, 'r> Build<'g, 'r> {
    fn new(g: &'g Generator<'r>, index: usize, seed: u64, as_of: Month) -> Build<'g, 'r> {
        let history = vocab().sizes.history_months.max(1);
        let tested_segments = g
            .rules
            .path_rules
            .iter()
            .flat_map(|r| &r.tests)
            .find_map(|(_, t)| match t {
                PathTest::SegmentShareBelow { segments, .. } => Some(segments.clone()),
                _ => None,
            })
            .unwrap_or_default();
        Build {
            g,
            rules: g.rules,
            rng: Rng::new(seed, index),
            index,
            as_of,
            first: as_of.offset(-(history - 1)),
            large: false,
            tested_segments,
            customers: Vec::new(),
            usage: Vec::new(),
            people: Vec::new(),
            core: BTreeMap::new(),
        }
    }

    fn partner(mut self) -> PartnerFile {
        let v = vocab();
        let name = format!(
            "{} {} {}",
            self.rng.pick(&v.name_first),
            self.rng.pick(&v.name_middle),
            self.rng.pick(&v.name_last)
        );
        self.large = self.rng.chance(30);

        // The path each path rule should give: a large partner meets one test of a non-default path.
        let mut targets: Vec<Option<String>> = Vec::new();
        for r in 0..self.rules.path_rules.len() {
            let rule = &self.rules.path_rules[r];
            let candidates: Vec<usize> = (0..rule.tests.len()).filter(|t| rule.tests[*t].0 != rule.default).collect();
            let target = if self.large && !candidates.is_empty() {
                // Mostly the cheapest test to meet (a segment share), sometimes any, so every kind of test is met.
                let cheapest = candidates
                    .iter()
                    .copied()
                    .min_by_key(|t| match rule.tests[*t].1 {
                        PathTest::SegmentShareBelow { .. } => 0,
                        PathTest::EntitiesAboveInBothMonths { .. } => 1,
                        PathTest::TtmTotalAtLeast { .. } => 2,
                    })
                    .unwrap_or(candidates[0]);
                let t = if self.rng.chance(75) { cheapest } else { *self.rng.pick(&candidates) };
                self.meet_path_test(r, t);
                Some(rule.tests[t].0.clone())
            } else {
                None
            };
            targets.push(target);
        }

        // Focus: one to three designations with a drive (permille of full points); a few others get a weak one.
        let n = self.rules.designations.len();
        let mut drive = vec![0i64; n];
        let n_focus = match self.rng.below(100) {
            0..=44 => 1,
            45..=79 => 2,
            _ => 3,
        }
        .min(n);
        let mut order: Vec<usize> = (0..n).collect();
        self.rng.shuffle(&mut order);
        for (k, d) in order.iter().enumerate() {
            drive[*d] = if k < n_focus {
                self.rng.range(450, 1150)
            } else if self.rng.chance(15) {
                self.rng.range(50, 300)
            } else {
                0
            };
        }
        for (d, strength) in drive.iter().enumerate() {
            if *strength > 0 {
                self.designation(d, *strength, &targets);
            }
        }
        let extra = self.rng.range(v.sizes.extra_people.0, v.sizes.extra_people.1.max(v.sizes.extra_people.0));
        for _ in 0..extra {
            self.extra_person();
        }
        let solutions = self.solutions();
        let history = self.history(&drive);
        PartnerFile {
            partner: PartnerIdFile { id: format!("p-{:06}", self.index + 1), name: Some(name) },
            as_of: self.as_of,
            path: None,
            coverage: None,
            customers: Some(self.customers),
            usage: self.usage,
            people: self.people,
            history,
            solutions,
        }
    }

    /// Writes what makes test `t` of path rule `r` hold.
    fn meet_path_test(&mut self, r: usize, t: usize) {
        let rules = self.rules;
        match &rules.path_rules[r].tests[t].1 {
            // Customers' segments follow `large` (see `new_customer`).
            PathTest::SegmentShareBelow { .. } => {}
            PathTest::TtmTotalAtLeast { selection, amount } => {
                let Some(slot) = self.core(*selection) else { return };
                let monthly = *amount / Decimal::from(12) * percent(110);
                let c = self.new_customer();
                let months: Vec<(Month, Decimal)> = self.history_months().map(|m| (m, monthly)).collect();
                self.rows(&c, &slot, months);
            }
            PathTest::EntitiesAboveInBothMonths { selection, above, at_least, .. } => {
                let Some(slot) = self.core(*selection) else { return };
                for _ in 0..*at_least + self.rng.below(2) as usize {
                    let v = *above * percent(120 + self.rng.range(0, 60));
                    let c = self.new_customer();
                    let months: Vec<(Month, Decimal)> = self.history_months().map(|m| (m, v)).collect();
                    self.rows(&c, &slot, months);
                }
            }
        }
    }

    /// Writes what each metric of designation `d`'s path asks for, at about `drive` permille of full points.
    fn designation(&mut self, d: usize, drive: i64, targets: &[Option<String>]) {
        let rules = self.rules;
        let des = &rules.designations[d];
        let p = match des.path_selection {
            PathSelection::Single => 0,
            PathSelection::Rule(r) => {
                let wanted = targets[r].as_deref().unwrap_or(&rules.path_rules[r].default);
                des.paths.iter().position(|p| p.id == wanted).unwrap_or(0)
            }
            // Every path is scored and the best wins: aim at any.
            PathSelection::BestTotal(_) => self.rng.below(des.paths.len().max(1) as u64) as usize,
        };
        let Some(path) = des.paths.get(p) else { return };
        for (m, metric) in path.metrics.iter().enumerate() {
            let full = &self.g.full[d][p][m];
            let md = (drive + self.rng.range(-150, 150)).max(0);
            let units =
                |full: Decimal| i64::try_from((full * Decimal::from(md) / Decimal::from(1000)).round()).unwrap_or(0);
            match &metric.measurement {
                Measurement::Single(kind) => {
                    let u = units(full[0]);
                    self.kind(kind, u, md);
                }
                Measurement::Combined { combine: Combine::Best, parts } => {
                    let k = self.rng.below(parts.len() as u64) as usize;
                    let u = units(full.get(k).copied().unwrap_or(Decimal::ONE));
                    self.kind(&parts[k].kind, u, md);
                }
                Measurement::Combined { parts, .. } => {
                    // Units add up (or unite distinct customers, each part with its own): split them.
                    let total = units(full[0]);
                    let n = parts.len().max(1) as i64;
                    for (k, part) in parts.iter().enumerate() {
                        let u = total / n + i64::from((k as i64) < total % n);
                        self.kind(&part.kind, u, md);
                    }
                }
            }
        }
    }

    /// Writes about `u` units of what `kind` measures: its file says how (`Kind::generate`).
    fn kind(&mut self, kind: &MetricKind, u: i64, drive: i64) {
        kind.kind().generate(self, u, drive);
    }

    // -------------------------------------------------------------- customers and usage

    /// A new customer; its segment is mostly one a share test counts, or mostly not one for a large partner.
    pub(crate) fn new_customer(&mut self) -> String {
        let id = format!("c-{:03}", self.customers.len() + 1);
        let all = Segment::ALL;
        let outside: Vec<Segment> = all.iter().copied().filter(|s| !self.tested_segments.contains(s)).collect();
        let segment = match (self.tested_segments.is_empty() || outside.is_empty(), self.rng.chance(88)) {
            (true, _) => *self.rng.pick(all),
            (false, true) if self.large => *self.rng.pick(&outside),
            (false, true) => *self.rng.pick(&self.tested_segments.clone()),
            (false, false) => *self.rng.pick(all),
        };
        self.customers.push(CustomerFile { id: id.clone(), segment: Some(segment) });
        id
    }

    /// Usage rows of `customer` through `slot`, one per month with a positive value; values are in the
    /// selection's units and written in the row's (divided by the slot's weight, money in cents, counts whole).
    pub(crate) fn rows(&mut self, customer: &str, slot: &Slot, values: Vec<(Month, Decimal)>) {
        let places = if slot.measure.is_money() { 2 } else { 0 };
        for (month, v) in values {
            let weight = if slot.weight > Decimal::ZERO { slot.weight } else { Decimal::ONE };
            let value = (v / weight).round_dp_with_strategy(places, RoundingStrategy::AwayFromZero).normalize();
            if value <= Decimal::ZERO {
                continue;
            }
            self.usage.push(UsageFile {
                customer: customer.to_owned(),
                month,
                product: slot.product.clone(),
                measure: slot.measure,
                value: NonNegative(value),
                association: slot.association,
                offer: slot.offer.clone(),
                cloud: None,
            });
        }
        // Now and then a row under an offer the selection excludes: it must not count.
        let excluded: Vec<&String> = self.rules.selections.iter().flat_map(|s| &s.exclude_offers).collect();
        if !excluded.is_empty() && self.rng.chance(3) {
            let offer = (*self.rng.pick(&excluded)).clone();
            let value = Decimal::from(self.rng.range(1, 500));
            self.usage.push(UsageFile {
                customer: customer.to_owned(),
                month: self.as_of,
                product: slot.product.clone(),
                measure: slot.measure,
                value: NonNegative(value),
                association: slot.association,
                offer: Some(offer),
                cloud: None,
            });
        }
    }

    /// Every way into selection `sel`: its products (or the open pool when it lists none) with the measure and
    /// weight it reads them by, an association it accepts and an offer it does not exclude.
    pub(crate) fn slots(&mut self, sel: usize) -> Vec<Slot> {
        let s: &Selection = &self.rules.selections[sel];
        let name = |key: &String| s.product_names.get(key).cloned().unwrap_or_else(|| key.clone());
        let mut out: Vec<(String, Measure, Decimal)> = Vec::new();
        if s.rates.is_empty() {
            let Some(measure) = s.measure else { return Vec::new() };
            match &s.products {
                Some(keys) => out.extend(keys.iter().map(|k| (name(k), measure, Decimal::ONE))),
                None => out.extend(vocab().open_products.iter().map(|p| (p.clone(), measure, Decimal::ONE))),
            }
        } else {
            for rate in &s.rates {
                out.extend(rate.products.iter().map(|k| (name(k), rate.measure, rate.rate)));
            }
        }
        out.retain(|(p, _, w)| !s.exclude_products.contains(&p.to_lowercase()) && *w > Decimal::ZERO);
        let associations: Vec<Association> = s.associations.clone().unwrap_or_default();
        let offer = s.exclude_offers.contains("pay-as-you-go").then(|| "synthetic".to_owned());
        out.into_iter()
            .map(|(product, measure, weight)| {
                let association = match associations.as_slice() {
                    [] => None,
                    list => Some(*self.rng.pick(list)).filter(|a| *a != Association::Pal),
                };
                Slot { product, measure, association, offer: offer.clone(), weight }
            })
            .collect()
    }

    /// The slot the customers of selection `sel` use, chosen once; a small customer uses it all along, so that
    /// it is not a product new within any window.
    pub(crate) fn core(&mut self, sel: usize) -> Option<Slot> {
        if let Some(slot) = self.core.get(&sel) {
            return Some(slot.clone());
        }
        let slots = self.slots(sel);
        if slots.is_empty() {
            return None;
        }
        let slot = self.rng.pick(&slots).clone();
        self.core.insert(sel, slot.clone());
        let c = self.new_customer();
        let v = slot.weight;
        let months: Vec<(Month, Decimal)> = self.history_months().map(|m| (m, v)).collect();
        self.rows(&c, &slot, months);
        Some(slot)
    }

    /// The weight a row through `slot` carries in selection `sel`, if the selection reads it.
    pub(crate) fn weight_in(&self, sel: usize, slot: &Slot) -> Option<Decimal> {
        let s = &self.rules.selections[sel];
        let key = slot.product.to_lowercase();
        let association = slot.association.unwrap_or(Association::Pal);
        let offer = slot.offer.clone().unwrap_or_else(|| "pay-as-you-go".to_owned());
        let keep = s.associations.as_ref().is_none_or(|a| a.contains(&association))
            && !s.exclude_offers.contains(&offer)
            && s.products.as_ref().is_none_or(|p| p.contains(&key))
            && !s.exclude_products.contains(&key);
        keep.then(|| s.weight(&key, slot.measure)).flatten()
    }

    /// A customer size inside an eligibility filter's range, in the filter selection's units.
    pub(crate) fn eligible_size(&mut self, f: &CustomerFilter) -> Decimal {
        let lo = f.lower_bound().unwrap_or(Decimal::ONE).max(Decimal::ONE).ceil();
        match f.at_most {
            Some(hi) if hi.floor() > lo => lo + ((hi.floor() - lo) * percent(self.rng.range(0, 100))).floor(),
            Some(hi) => hi.floor().max(Decimal::ZERO),
            None => (lo * percent(100 + self.rng.range(0, 60))).ceil(),
        }
    }

    /// Rows that give `customer` the value `size` in the filter's selection in each of `months`.
    pub(crate) fn filter_rows(&mut self, customer: &str, f: &CustomerFilter, size: Decimal, months: &[Month]) {
        let Some(slot) = self.core(f.selection) else { return };
        // One product at the size: the customer's value under `sum` and under `max` alike.
        self.rows(customer, &slot, months.iter().map(|m| (*m, size)).collect());
    }

    pub(crate) fn history_months(&self) -> impl Iterator<Item = Month> {
        months_from(self.first, self.as_of).into_iter()
    }

    // -------------------------------------------------------------- people

    /// A person meeting `req` (every `all_of`, one of `any_of`), held as `how` says for the certification that
    /// decides: current, or one that does not count.
    pub(crate) fn person(&mut self, req: &CertRequirement, how: Held) {
        let cat = &self.rules.catalogue;
        let month_end = self.as_of.last_day();
        let counts = |i: &usize| cat.certifications[*i].eligible_through.is_none_or(|t| t >= month_end);
        let mut certs: Vec<(usize, Held)> = req.all_of.iter().map(|i| (*i, Held::Current)).collect();
        if !req.any_of.is_empty() {
            let current: Vec<usize> = req.any_of.iter().copied().filter(counts).collect();
            let retired: Vec<usize> = req.any_of.iter().copied().filter(|i| !counts(i)).collect();
            let pick = match (how, retired.is_empty(), current.is_empty()) {
                (Held::Retired, false, _) => *self.rng.pick(&retired),
                (_, _, false) => *self.rng.pick(&current),
                _ => *self.rng.pick(&req.any_of),
            };
            certs.push((pick, how));
        } else if let Some(last) = certs.last_mut() {
            last.1 = how;
        }
        let files = certs.into_iter().map(|(i, how)| self.certification(i, how)).collect();
        let id = format!("p-{}", self.people.len() + 1);
        self.people.push(PersonFile { id, certifications: files });
    }

    /// Someone with one certification of the catalogue, or none.
    fn extra_person(&mut self) {
        let n = self.rules.catalogue.certifications.len();
        let mut certifications = Vec::new();
        if n > 0 && self.rng.chance(50) {
            let i = self.rng.below(n as u64) as usize;
            certifications.push(self.certification(i, Held::Current));
        }
        let id = format!("p-{}", self.people.len() + 1);
        self.people.push(PersonFile { id, certifications });
    }

    /// Certification `i` of the catalogue, by code or (a quarter of the time) by name, with dates as `how` says.
    fn certification(&mut self, i: usize, how: Held) -> CertificationFile {
        let c = &self.rules.catalogue.certifications[i];
        let name = if !c.name.is_empty() && self.rng.chance(25) { c.name.clone() } else { c.code.clone() };
        let day = self.rng.range(1, 28) as u32;
        let on = |m: Month| Date::new(m.year(), m.number(), day).unwrap_or_else(|| m.last_day());
        let (earned, expires) = match how {
            Held::Expired => {
                let lapsed = self.as_of.offset(-(self.rng.range(1, 12) as i32));
                (lapsed.offset(-12 * self.rng.range(1, 2) as i32), Some(lapsed))
            }
            Held::Later => (self.as_of.offset(self.rng.range(1, 3) as i32), None),
            Held::Current | Held::Retired if self.rng.chance(50) => {
                let earned = self.as_of.offset(-(self.rng.range(1, 40) as i32));
                let mut expires = earned.offset(12);
                while expires <= self.as_of {
                    expires = expires.offset(12);
                }
                (earned, Some(expires))
            }
            Held::Current | Held::Retired => (self.as_of.offset(-(self.rng.range(1, 48) as i32)), None),
        };
        CertificationFile { name, earned: on(earned), expires: expires.map(on) }
    }

    // -------------------------------------------------------------- solutions and history

    /// Now and then a solution aimed at a certified software designation, meeting each requirement most of the
    /// time (a solution that misses one does not attain).
    fn solutions(&mut self) -> Vec<crate::partner::SolutionFile> {
        let mut out = Vec::new();
        for s in &self.rules.software {
            if !self.rng.chance(12) {
                continue;
            }
            let mut facts = BTreeMap::new();
            for req in &s.requirements {
                if req.any_of.is_empty() {
                    continue;
                }
                let met = self.rng.chance(85);
                let condition = self.rng.pick(&req.any_of).clone();
                self.fact(&mut facts, &condition, met);
            }
            out.push(SolutionFile { id: format!("sol-{}", out.len() + 1), name: None, facts });
        }
        out
    }

    /// Sets the facts that make `condition` hold (or fail, when not `met`).
    fn fact(&mut self, facts: &mut BTreeMap<String, Fact>, condition: &Condition, met: bool) {
        match condition {
            Condition::AtLeast { fact, value } => {
                let v = if met {
                    (*value * percent(self.rng.range(100, 140))).ceil()
                } else {
                    (*value * percent(50)).floor()
                };
                let v = match facts.get(fact) {
                    Some(Fact::Number(old)) => v.max(*old),
                    _ => v,
                };
                facts.insert(fact.clone(), Fact::Number(v));
            }
            Condition::Includes { fact, value } => {
                let entry = facts.entry(fact.clone()).or_insert_with(|| Fact::List(Vec::new()));
                if let Fact::List(list) = entry {
                    if met && !list.contains(value) {
                        list.push(value.clone());
                    }
                }
            }
            Condition::Is { fact, value } => {
                facts.entry(fact.clone()).or_insert(Fact::Flag(if met { *value } else { !*value }));
            }
            Condition::AllOf(all) => {
                // Missing one is enough to fail.
                let miss = if met { usize::MAX } else { self.rng.below(all.len().max(1) as u64) as usize };
                for (k, c) in all.iter().enumerate() {
                    self.fact(facts, c, k != miss);
                }
            }
        }
    }

    /// A quarter of partners have a history: an anniversary and some of their focus designations attained.
    fn history(&mut self, drive: &[i64]) -> Option<HistoryFile> {
        if !self.rng.chance(25) {
            return None;
        }
        let anniversary = self.as_of.offset(-(self.rng.range(6, 30) as i32));
        let on = |m: Month, day: u32| Date::new(m.year(), m.number(), day).unwrap_or_else(|| m.last_day());
        let mut designations = Vec::new();
        for (d, des) in self.rules.designations.iter().enumerate() {
            if drive[d] >= 450 && self.rng.chance(50) {
                let at = anniversary.offset(self.rng.range(0, 5) as i32).min(self.as_of);
                designations.push(AttainedFile { id: des.id.clone(), attained: on(at, self.rng.range(1, 28) as u32) });
            }
        }
        Some(HistoryFile { anniversary: Some(on(anniversary, self.rng.range(1, 28) as u32)), designations })
    }
}

/// How a person holds the certification that decides whether they count.
#[derive(Clone, Copy)]
pub(crate) enum Held {
    /// Earned before `as_of` and not expired by its end.
    Current,
    /// Expired before the end of `as_of`.
    Expired,
    /// Earned after `as_of`.
    Later,
    /// A certification retired past its grace, when the requirement names one.
    Retired,
}

/// The months `from..=to`.
pub(crate) fn months_from(from: Month, to: Month) -> Vec<Month> {
    (0..=to.since(from)).map(|k| from.offset(k)).collect()
}

/// `p` percent, as a factor.
pub(crate) fn percent(p: i64) -> Decimal {
    Decimal::new(p, 2)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::partner::{Format, Partner};
    use crate::score;

    fn as_of() -> Month {
        "2024-06".parse().expect("a month")
    }

    fn rules(version: &str) -> RuleSet {
        RuleSet::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules").join(version)).expect("rules")
    }

    fn portfolio(rules: &RuleSet, n: usize, seed: u64) -> Vec<u8> {
        let mut out = Vec::new();
        write_ndjson(rules, n, seed, as_of(), &mut out).expect("writing to memory");
        out
    }

    #[test]
    fn same_seed_gives_identical_bytes() {
        let r = rules("2024-06");
        let a = portfolio(&r, 12, 42);
        assert_eq!(a, portfolio(&r, 12, 42));
        assert_eq!(a.iter().filter(|b| **b == b'\n').count(), 12);
        assert!(a.ends_with(b"\n"));
    }

    #[test]
    fn partner_i_is_line_i() {
        let r = rules("2024-06");
        let text = String::from_utf8(portfolio(&r, 8, 3)).expect("UTF-8");
        for (i, line) in text.lines().enumerate() {
            assert_eq!(line, partner(&r, i, 3, as_of()).to_json_line(), "partner {i}");
        }
    }

    #[test]
    fn different_seeds_differ() {
        let r = rules("2024-06");
        assert_ne!(portfolio(&r, 4, 1), portfolio(&r, 4, 2));
        // Neighbouring partners of one portfolio are unrelated too.
        assert_ne!(partner(&r, 0, 1, as_of()).usage, partner(&r, 1, 1, as_of()).usage);
    }

    #[test]
    fn every_partner_parses_and_scores_under_each_version() {
        for version in ["2023-07", "2024-06"] {
            let r = rules(version);
            let text = String::from_utf8(portfolio(&r, 40, 2024)).expect("UTF-8");
            for (i, line) in text.lines().enumerate() {
                let p = Partner::parse(line, Format::Json, "gen").unwrap_or_else(|e| panic!("{version} {i}: {e}"));
                assert!(!p.usage.is_empty() && !p.people.is_empty(), "{version} partner {i} is empty");
                let report = score(&r, &p).unwrap_or_else(|e| panic!("{version} partner {i}: {e}"));
                // Certifications come from the rule set's own catalogue: none is unknown to it.
                for person in &p.people {
                    for c in &person.certifications {
                        assert!(r.catalogue.find(&c.name).is_some(), "{version} partner {i}: {}", c.name);
                    }
                }
                assert!(report.designations.len() == r.designations.len());
                // Money is written exactly, with at most two decimals.
                for row in &p.usage {
                    assert!(row.value.scale() <= 2, "{version} partner {i}: value {}", row.value);
                }
            }
        }
    }

    /// Issue 12: the generator reads the rules, so each designation of each shipped version gets partners
    /// that attain it and partners that fall short (the example portfolio's seed and size).
    #[test]
    fn a_generated_portfolio_attains_and_misses_every_designation() {
        for version in ["2023-07", "2024-06"] {
            let r = rules(version);
            let g = Generator::new(&r);
            let mut attained: BTreeMap<String, (usize, usize)> = BTreeMap::new();
            for i in 0..60 {
                let p = Partner::from_file(g.partner(i, 2024, as_of()), "gen").expect("valid");
                for d in score(&r, &p).expect("scores").designations {
                    let e = attained.entry(d.id.clone()).or_default();
                    if d.qualified {
                        e.0 += 1;
                    } else {
                        e.1 += 1;
                    }
                }
            }
            assert_eq!(attained.len(), r.designations.len());
            for (id, (yes, no)) in &attained {
                assert!(*yes >= 3 && *no >= 3, "{version} {id}: {yes} attain, {no} fall short");
            }
        }
    }

    #[test]
    fn the_names_file_reads() {
        let v = vocab();
        assert!(!v.name_first.is_empty() && !v.name_middle.is_empty() && !v.name_last.is_empty());
        assert!(!v.open_products.is_empty() && v.sizes.history_months > 0);
    }
}
