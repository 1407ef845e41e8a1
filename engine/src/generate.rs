//! Synthetic partner portfolios: a deterministic generator of partner files (the `partner-data.md` shape) for load
//! tests and demonstrations, written as NDJSON.
//!
//! Partner `i` of a portfolio depends only on `(i, seed, as_of)`, so a portfolio can be produced in parallel or in
//! parts and still be byte-identical. The data is shaped after the shipped 2024-06 rules: product names, measures,
//! associations and certification codes are the ones those rules select, and each partner's "drive" in its focus
//! areas moves its usage and skilling across the thresholds so that scores spread around the 70-point bar.
//! Money is built from integer cents and written as exact decimals; nothing here uses floating point.

use std::io::{self, Write};
use std::str::FromStr;

use serde_json::{Map, Number, Value};

use crate::value::Month;

/// Writes `n` synthetic partners as NDJSON (one JSON object per line, '\n' after each) to `out`, deterministic for `seed`.
pub fn write_ndjson(n: usize, seed: u64, as_of: Month, out: &mut dyn Write) -> io::Result<()> {
    // One write per partner: `out` may be unbuffered, and a partner line is tens of kilobytes.
    let mut line = Vec::with_capacity(1 << 16);
    for i in 0..n {
        line.clear();
        serde_json::to_writer(&mut line, &partner(i, seed, as_of)).map_err(io::Error::other)?;
        line.push(b'\n');
        out.write_all(&line)?;
    }
    Ok(())
}

/// One synthetic partner (index i of the portfolio for this seed) as a serde_json::Value in the partner-file shape.
pub fn partner(i: usize, seed: u64, as_of: Month) -> Value {
    Generator::new(i, seed, as_of).partner()
}

// ------------------------------------------------------------------ randomness

/// splitmix64: tiny, fast and good enough for synthetic data; seeded per partner so partners are independent.
struct Rng(u64);

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    fn new(seed: u64, i: usize) -> Rng {
        // Mixing the index before combining keeps neighbouring partners' streams unrelated.
        Rng(mix(seed ^ mix((i as u64).wrapping_add(0x632B_E59B_D9B4_E019))))
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// Uniform in `0..n` (multiply-shift; the bias is far below anything a synthetic portfolio could show).
    fn below(&mut self, n: u64) -> u64 {
        ((self.next() as u128 * n as u128) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    /// True with probability `pct` percent.
    fn chance(&mut self, pct: i64) -> bool {
        (self.below(100) as i64) < pct
    }

    /// In `lo..=hi`, skewed towards `lo` (the smaller of two draws): sizes and amounts have long upper tails.
    fn skewed(&mut self, lo: i64, hi: i64) -> i64 {
        let (a, b) = (self.range(lo, hi), self.range(lo, hi));
        a.min(b)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// An index drawn with the given weights.
    fn weighted(&mut self, weights: &[u64]) -> usize {
        let mut roll = self.below(weights.iter().sum());
        for (i, w) in weights.iter().enumerate() {
            if roll < *w {
                return i;
            }
            roll -= w;
        }
        weights.len() - 1
    }

    /// `v` scaled by a random factor within ±`permille`/1000.
    fn jitter(&mut self, v: i64, permille: i64) -> i64 {
        v * (1000 + self.range(-permille, permille)) / 1000
    }

    /// About `drive` permille of `max` (a little more, since strong practices overshoot), rounded up or down at
    /// random so that small maxima (one or two people) still come out in between.
    fn share_of(&mut self, max: i64, drive: i64) -> i64 {
        let scaled = max * (drive + 100);
        scaled / 1000 + (self.range(0, 999) < scaled % 1000) as i64
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i as u64 + 1) as usize);
        }
    }
}

// ------------------------------------------------------------------ vocabulary (names the 2024-06 rules select)

/// The six solution areas; a partner focuses on one to three.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Area {
    Infrastructure,
    DataAi,
    AppInnovation,
    Security,
    BizApps,
    ModernWork,
}

const AREAS: [Area; 6] =
    [Area::Infrastructure, Area::DataAi, Area::AppInnovation, Area::Security, Area::BizApps, Area::ModernWork];
const AREA_WEIGHTS: [u64; 6] = [20, 16, 16, 16, 14, 18];

impl Area {
    fn is_azure(self) -> bool {
        matches!(self, Area::Infrastructure | Area::DataAi | Area::AppInnovation)
    }
}

/// The generator's vocabulary: names the shipped rules select, read from `engine/data/generator.toml` (built into
/// the binary) so that no product or certification name lives in Rust code.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct VocabularyFile {
    infra_services: Vec<String>,
    data_ai_services: Vec<String>,
    app_services: Vec<String>,
    incidental_services: Vec<String>,
    ineligible_offers: Vec<String>,
    security_azure: Vec<String>,
    security_m365: Vec<String>,
    modern_work: Vec<String>,
    infra_intermediate: Vec<String>,
    infra_advanced: Vec<String>,
    data_ai_scoring: Vec<String>,
    app_intermediate: Vec<String>,
    app_advanced: Vec<String>,
    security_scoring: Vec<String>,
    biz_intermediate: Vec<String>,
    biz_advanced: Vec<String>,
    biz_retired: Vec<String>,
    mw_intermediate: Vec<String>,
    mw_advanced: Vec<String>,
    fundamentals: Vec<String>,
    security_prerequisite_2: Vec<String>,
    security_prerequisite_1: Vec<String>,
    azure_prerequisites: Vec<String>,
    security_m365_weights: Vec<u64>,
    modern_work_weights: Vec<u64>,
    vm: String,
    vm_licenses: String,
    cert_names: Vec<(String, String)>,
    biz_flavours: Vec<FlavourFile>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FlavourFile {
    workloads: Vec<WorkloadFile>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkloadFile {
    name: String,
    price_cents: i64,
    capacity: bool,
}

/// The vocabulary with `'static` names, as the generator's tables use them.
struct Vocabulary {
    infra_services: &'static [&'static str],
    data_ai_services: &'static [&'static str],
    app_services: &'static [&'static str],
    incidental_services: &'static [&'static str],
    ineligible_offers: &'static [&'static str],
    security_azure: &'static [&'static str],
    security_m365: &'static [&'static str],
    modern_work: &'static [&'static str],
    infra_intermediate: &'static [&'static str],
    infra_advanced: &'static [&'static str],
    data_ai_scoring: &'static [&'static str],
    app_intermediate: &'static [&'static str],
    app_advanced: &'static [&'static str],
    security_scoring: &'static [&'static str],
    biz_intermediate: &'static [&'static str],
    biz_advanced: &'static [&'static str],
    biz_retired: &'static [&'static str],
    mw_intermediate: &'static [&'static str],
    mw_advanced: &'static [&'static str],
    fundamentals: &'static [&'static str],
    security_prerequisite_2: &'static [&'static str],
    security_prerequisite_1: &'static [&'static str],
    azure_prerequisites: &'static [&'static str],
    security_m365_weights: &'static [u64],
    modern_work_weights: &'static [u64],
    vm: &'static str,
    vm_licenses: &'static str,
    cert_names: &'static [(&'static str, &'static str)],
    biz_flavours: &'static [&'static [BizWorkload]],
}

/// Leaks a string: the vocabulary is read once and lives as long as the process.
fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

fn leak_all(list: Vec<String>) -> &'static [&'static str] {
    Box::leak(list.into_iter().map(leak).collect::<Vec<_>>().into_boxed_slice())
}

fn vocab() -> &'static Vocabulary {
    static VOCABULARY: std::sync::OnceLock<Vocabulary> = std::sync::OnceLock::new();
    VOCABULARY.get_or_init(|| {
        let f: VocabularyFile =
            toml::from_str(include_str!("../data/generator.toml")).expect("engine/data/generator.toml is valid");
        let flavour = |fl: FlavourFile| -> &'static [BizWorkload] {
            let w: Vec<BizWorkload> = fl
                .workloads
                .into_iter()
                .map(|w| BizWorkload { name: leak(w.name), price_cents: w.price_cents, capacity: w.capacity })
                .collect();
            Box::leak(w.into_boxed_slice())
        };
        Vocabulary {
            infra_services: leak_all(f.infra_services),
            data_ai_services: leak_all(f.data_ai_services),
            app_services: leak_all(f.app_services),
            incidental_services: leak_all(f.incidental_services),
            ineligible_offers: leak_all(f.ineligible_offers),
            security_azure: leak_all(f.security_azure),
            security_m365: leak_all(f.security_m365),
            modern_work: leak_all(f.modern_work),
            infra_intermediate: leak_all(f.infra_intermediate),
            infra_advanced: leak_all(f.infra_advanced),
            data_ai_scoring: leak_all(f.data_ai_scoring),
            app_intermediate: leak_all(f.app_intermediate),
            app_advanced: leak_all(f.app_advanced),
            security_scoring: leak_all(f.security_scoring),
            biz_intermediate: leak_all(f.biz_intermediate),
            biz_advanced: leak_all(f.biz_advanced),
            biz_retired: leak_all(f.biz_retired),
            mw_intermediate: leak_all(f.mw_intermediate),
            mw_advanced: leak_all(f.mw_advanced),
            fundamentals: leak_all(f.fundamentals),
            security_prerequisite_2: leak_all(f.security_prerequisite_2),
            security_prerequisite_1: leak_all(f.security_prerequisite_1),
            azure_prerequisites: leak_all(f.azure_prerequisites),
            security_m365_weights: Box::leak(f.security_m365_weights.into_boxed_slice()),
            modern_work_weights: Box::leak(f.modern_work_weights.into_boxed_slice()),
            vm: leak(f.vm),
            vm_licenses: leak(f.vm_licenses),
            cert_names: Box::leak(
                f.cert_names.into_iter().map(|(c, n)| (leak(c), leak(n))).collect::<Vec<_>>().into_boxed_slice(),
            ),
            biz_flavours: Box::leak(f.biz_flavours.into_iter().map(flavour).collect::<Vec<_>>().into_boxed_slice()),
        }
    })
}

/// A Dynamics 365 / Power Platform workload: its list price per user (cents a month) and what the MCV rate
/// counts (active users, or capacity in profiles for Customer Insights).
struct BizWorkload {
    name: &'static str,
    price_cents: i64,
    capacity: bool,
}

const NAME_FIRST: &[&str] = &[
    "Contoso",
    "Fabrikam",
    "Northwind",
    "Tailspin",
    "Woodgrove",
    "Litware",
    "Adatum",
    "Proseware",
    "Lucerne",
    "Alpine",
    "Coho",
    "Wingtip",
    "Trey",
    "Relecloud",
    "Wide World",
    "Blue Yonder",
    "Humongous",
    "Fourth Coffee",
];
const NAME_MIDDLE: &[&str] = &["Cloud", "Digital", "Data", "Cyber", "Business", "Tech", "IT", "Systems", "Modern"];
const NAME_LAST: &[&str] = &["Partners", "Consulting", "Group", "Services", "Labs", "Solutions", "Ltd", "GmbH", "Inc."];

// ------------------------------------------------------------------ the generator

/// Months are indexed 0..=24: index 24 is `as_of`, 23 the month before, 12 the same month last year.
const LAST: usize = 24;
/// The first month of the trailing twelve (as_of − 11).
const TTM_START: usize = 13;

/// One customer tenant and its segment.
struct Customer {
    id: String,
    segment: &'static str,
}

/// When a customer (in one area) is billed: months `start..=end`. New customers start within the trailing twelve
/// months; churned ones stop at least two months before `as_of`, so both net-adds rules see them as lost.
#[derive(Clone, Copy)]
struct Life {
    start: usize,
    end: usize,
    new: bool,
}

/// One partner's Azure services for an area: long-used ones, and ones first used this year (with their first month).
struct AzurePlan {
    established: Vec<&'static str>,
    fresh: Vec<(&'static str, usize)>,
}

struct Generator {
    rng: Rng,
    index: usize,
    as_of: Month,
    months: Vec<String>,
    enterprise: bool,
    /// The partner's Dynamics practice: one or two of [`vocab().biz_flavours`], the same for all its customers.
    biz_flavours: [usize; 2],
    usage: Vec<Value>,
}

impl Generator {
    fn new(index: usize, seed: u64, as_of: Month) -> Generator {
        let months = (0..=LAST).map(|k| as_of.offset(k as i32 - LAST as i32).to_string()).collect();
        Generator {
            rng: Rng::new(seed, index),
            index,
            as_of,
            months,
            enterprise: false,
            biz_flavours: [0, 0],
            usage: Vec::new(),
        }
    }

    fn partner(mut self) -> Value {
        self.enterprise = self.rng.chance(25);
        let name = format!("{} {} {}", self.rng.pick(NAME_FIRST), self.rng.pick(NAME_MIDDLE), self.rng.pick(NAME_LAST));

        // Focus: one to three areas, each with a drive (permille) that moves every metric of the area together.
        let n_focus = match self.rng.below(100) {
            0..=44 => 1,
            45..=79 => 2,
            _ => 3,
        };
        let mut drive = [0i64; 6];
        let mut weights = AREA_WEIGHTS;
        for _ in 0..n_focus {
            let a = self.rng.weighted(&weights);
            weights[a] = 0;
            drive[a] = self.rng.range(300, 950);
        }
        let focus: Vec<usize> = (0..6).filter(|a| drive[*a] > 0).collect();

        let first = self.rng.below(4) as usize;
        let second = if self.rng.chance(40) { self.rng.below(4) as usize } else { first };
        self.biz_flavours = [first, second];
        let customers = self.customers();
        let plans = self.azure_plans(&drive);

        // Each customer buys from one focus area, a fifth of them from a second.
        for c in &customers {
            let primary = *self.rng.pick(&focus);
            let mut areas = vec![primary];
            if focus.len() > 1 && self.rng.chance(20) {
                let other = *self.rng.pick(&focus);
                if other != primary {
                    areas.push(other);
                }
            }
            let any_azure = areas.iter().any(|a| AREAS[*a].is_azure());
            for a in areas {
                let d = drive[a];
                match AREAS[a] {
                    Area::Infrastructure | Area::DataAi | Area::AppInnovation => {
                        self.azure_customer(c, d, plans[a].as_ref().expect("a plan for every Azure focus"))
                    }
                    Area::Security => self.security_customer(c, d),
                    Area::BizApps => self.bizapps_customer(c, d),
                    Area::ModernWork => self.modern_work_customer(c, d),
                }
            }
            // Customers of non-Azure work often still run a little Azure through the partner.
            if !any_azure && self.rng.chance(15) {
                self.incidental_azure(c);
            }
        }

        let people = self.people(&drive);

        let mut partner = Map::new();
        partner.insert("id".into(), format!("p-{:06}", self.index + 1).into());
        partner.insert("name".into(), name.into());
        let mut root = Map::new();
        root.insert("partner".into(), Value::Object(partner));
        root.insert("as_of".into(), self.as_of.to_string().into());
        root.insert(
            "customers".into(),
            customers
                .iter()
                .map(|c| {
                    let mut m = Map::new();
                    m.insert("id".into(), c.id.clone().into());
                    m.insert("segment".into(), c.segment.into());
                    Value::Object(m)
                })
                .collect(),
        );
        root.insert("usage".into(), Value::Array(std::mem::take(&mut self.usage)));
        root.insert("people".into(), Value::Array(people));
        Value::Object(root)
    }

    fn customers(&mut self) -> Vec<Customer> {
        let n = if self.enterprise { self.rng.skewed(30, 150) } else { self.rng.skewed(5, 40) };
        // SMB partners sell mostly to SMB/SMC tenants (well above the 80% share that keeps them on the SMB path);
        // enterprise partners mostly to enterprises.
        let weights: [u64; 3] = if self.enterprise { [15, 20, 65] } else { [65, 29, 6] };
        (1..=n)
            .map(|k| Customer {
                id: format!("c-{k}"),
                segment: ["smb", "smc", "enterprise"][self.rng.weighted(&weights)],
            })
            .collect()
    }

    fn life(&mut self, new_pct: i64, churn_pct: i64) -> Life {
        let roll = self.rng.range(0, 99);
        if roll < new_pct {
            Life { start: self.rng.range(TTM_START as i64, LAST as i64 - 1) as usize, end: LAST, new: true }
        } else if roll < new_pct + churn_pct {
            Life { start: self.rng.range(0, 8) as usize, end: self.rng.range(13, 22) as usize, new: false }
        } else {
            let start = if self.rng.chance(50) { 0 } else { self.rng.range(1, 10) as usize };
            Life { start, end: LAST, new: false }
        }
    }

    /// Splits each Azure focus area's services into long-used ones and ones first deployed this year; how many
    /// are new follows the drive (deployments score 2 points per new service, at most 5).
    fn azure_plans(&mut self, drive: &[i64; 6]) -> [Option<AzurePlan>; 6] {
        let mut plans: [Option<AzurePlan>; 6] = Default::default();
        for (a, area) in AREAS.iter().enumerate() {
            let pool = match area {
                Area::Infrastructure => vocab().infra_services,
                Area::DataAi => vocab().data_ai_services,
                Area::AppInnovation => vocab().app_services,
                _ => continue,
            };
            if drive[a] == 0 {
                continue;
            }
            let mut services = pool.to_vec();
            self.rng.shuffle(&mut services);
            let n_old = self.rng.range(2, 5) as usize;
            let n_new = (self.rng.share_of(6, drive[a]) as usize).min(services.len() - n_old);
            let fresh = services[n_old..n_old + n_new].iter().map(|s| (*s, self.rng.range(13, 23) as usize)).collect();
            plans[a] = Some(AzurePlan { established: services[..n_old].to_vec(), fresh });
        }
        plans
    }

    // -------------------------------------------------------------- usage rows

    fn row(&mut self, customer: &str, month: usize, product: &str, measure: &str, value: Number, extra: Extra) {
        let mut m = Map::new();
        m.insert("customer".into(), customer.into());
        m.insert("month".into(), self.months[month].clone().into());
        m.insert("product".into(), product.into());
        m.insert("measure".into(), measure.into());
        m.insert("value".into(), Value::Number(value));
        // Defaults (pal, pay-as-you-go) are left out to keep lines short.
        if let Some(a) = extra.association {
            m.insert("association".into(), a.into());
        }
        if let Some(o) = extra.offer {
            m.insert("offer".into(), o.into());
        }
        self.usage.push(Value::Object(m));
    }

    /// A monthly series from `base` (in cents or units, at month 0) growing `growth_bp` basis points a month,
    /// with ±`noise` permille month to month; new customers ramp up over their first two months.
    fn series(&mut self, life: Life, base: i64, growth_bp: i64, noise: i64) -> Vec<(usize, i64)> {
        let mut out = Vec::with_capacity(LAST + 1 - life.start);
        let mut level = base * 100; // two extra digits so small series still compound
        for month in 0..=LAST {
            if month > 0 {
                level = level * (10_000 + growth_bp) / 10_000;
            }
            if month < life.start || month > life.end {
                continue;
            }
            let ramp = match (life.new, month - life.start) {
                (true, 0) => 35,
                (true, 1) => 70,
                _ => 100,
            };
            let v = self.rng.jitter(level * ramp / 100, noise) / 100;
            if v > 0 {
                out.push((month, v));
            }
        }
        out
    }

    fn azure_customer(&mut self, c: &Customer, drive: i64, plan: &AzurePlan) {
        let life = self.life(8 + 30 * drive / 1000, 12 - 8 * drive / 1000);
        // Monthly ACR in USD at month 0; enterprise partners' customers spend about three times more.
        let (lo, hi) = match c.segment {
            "smb" => (150, 2200),
            "smc" => (400, 4500),
            _ => (800, 8000),
        };
        let scale = if self.enterprise { 3 } else { 1 };
        let base = self.rng.skewed(lo, hi) * scale * 100;
        // The drive sets the trend: weak practices shrink about 1% a month, strong ones grow about 0.7%; new
        // customers then lift (and churned ones cut) the year-on-year growth the rules score.
        let growth = self.rng.range(-170, 170) + 280 * drive / 1000 - 200;
        let association = match self.rng.below(10) {
            0..=6 => None,
            7 | 8 => Some("csp"),
            _ => Some("dpor"),
        };
        let id = c.id.as_str();
        let main = *self.rng.pick(&plan.established);
        let trial = life.new && self.rng.chance(30);
        // Some virtual machines bring their Windows/SQL licences as a separate, never-counted service.
        let licences = main == vocab().vm && self.rng.chance(40);
        let series = self.series(life, base, growth, 80);
        for (k, (month, cents)) in series.iter().enumerate() {
            // A new customer's first month is often still on a trial subscription, which does not count.
            let offer = if trial && k == 0 { Some("trial") } else { None };
            self.row(id, *month, main, "acr_usd", money(*cents), Extra { association, offer });
            if licences {
                self.row(
                    id,
                    *month,
                    vocab().vm_licenses,
                    "acr_usd",
                    money(cents * 3 / 10),
                    Extra { association, offer },
                );
            }
        }
        // A second long-used service at a fraction of the main one; now and then billed on an ineligible offer.
        if self.rng.chance(30) {
            let second = *self.rng.pick(&plan.established);
            if second != main {
                let share = self.rng.range(15, 50);
                let offer = if self.rng.chance(4) { Some(*self.rng.pick(vocab().ineligible_offers)) } else { None };
                for (month, cents) in self.series(life, base * share / 100, growth, 120) {
                    self.row(id, month, second, "acr_usd", money(cents), Extra { association, offer });
                }
            }
        }
        // A service first deployed this year, from the partner's first month on it.
        if !plan.fresh.is_empty() && life.end == LAST && self.rng.chance(35 + 30 * drive / 1000) {
            let (service, first) = *self.rng.pick(&plan.fresh);
            let from = Life { start: first.max(life.start), end: LAST, new: true };
            let share = self.rng.range(10, 40);
            for (month, cents) in self.series(from, base * share / 100, growth, 120) {
                self.row(id, month, service, "acr_usd", money(cents), Extra { association, offer: None });
            }
        }
    }

    fn incidental_azure(&mut self, c: &Customer) {
        let life = self.life(5, 5);
        let service = *self.rng.pick(vocab().incidental_services);
        let base = self.rng.skewed(20, 400) * 100;
        let growth = self.rng.range(-100, 150);
        for (month, cents) in self.series(life, base, growth, 100) {
            self.row(&c.id, month, service, "acr_usd", money(cents), Extra::default());
        }
    }

    /// Paid seats of a tenant by segment (Modern Work tracks: 11–300 SMB, more than 300 enterprise).
    fn seats(&mut self, segment: &str) -> i64 {
        match segment {
            "smb" => self.rng.skewed(5, 150),
            "smc" => self.rng.skewed(40, 300),
            _ if self.enterprise => self.rng.skewed(301, 6000),
            _ => self.rng.skewed(301, 2000),
        }
    }

    /// Active (or protected) users as a share of seats, in permille, month by month: either steady, or crossing from
    /// `below` to `above` at some month of the trailing twelve. New tenants climb from low in their first months.
    fn adoption(&mut self, life: Life, crosses: bool, below: (i64, i64), above: (i64, i64)) -> [i64; LAST + 1] {
        let mut ratio = [0i64; LAST + 1];
        let low = self.rng.range(below.0, below.1);
        let high = self.rng.range(above.0, above.1);
        let cross_at = self.rng.range(TTM_START as i64, LAST as i64) as usize;
        let steady = if self.rng.chance(70) { high } else { low };
        for (month, r) in ratio.iter_mut().enumerate() {
            *r = if life.new {
                let age = month.saturating_sub(life.start) as i64;
                (low + (high - low) * age.min(3) / 3).max(1)
            } else if crosses {
                if month < cross_at {
                    low
                } else {
                    high
                }
            } else {
                steady
            };
        }
        ratio
    }

    fn security_customer(&mut self, c: &Customer, drive: i64) {
        let id = c.id.as_str();
        let life = self.life(20 + 45 * drive / 1000, 5 - 4 * drive / 1000);
        let seats = self.seats(c.segment).max(self.rng.range(10, 40));
        let seat_growth = self.rng.range(0, 250);
        let crosses = self.rng.chance(15 + 40 * drive / 1000);
        let protected = self.adoption(life, crosses, (20, 130), (250, 800));
        // Security points only count CPOR; some tenants are billed through CSP instead.
        let association = if self.rng.chance(90) { Some("cpor") } else { Some("csp") };
        let workloads = 1 + self.rng.chance(25) as usize;
        let mut taken = Vec::new();
        for _ in 0..workloads {
            let w = vocab().security_m365[self.rng.weighted(vocab().security_m365_weights)];
            if taken.contains(&w) {
                continue;
            }
            taken.push(w);
            for (month, s) in self.series(life, seats, seat_growth, 20) {
                self.row(id, month, w, "paid_seats", Number::from(s), Extra { association, offer: None });
                let p = s * protected[month] / 1000;
                if p > 0 {
                    self.row(id, month, w, "protected_users", Number::from(p), Extra { association, offer: None });
                }
            }
        }
        // Azure security services are counted under PAL.
        if self.rng.chance(55) {
            let life = self.life(20 + 30 * drive / 1000, 5);
            let (lo, hi) = match c.segment {
                "smb" => (40, 400),
                "smc" => (100, 1500),
                _ => (400, 4000),
            };
            let base = self.rng.skewed(lo, hi) * 100;
            let growth = self.rng.range(-100, 100) + 350 * drive / 1000;
            let service = *self.rng.pick(vocab().security_azure);
            for (month, cents) in self.series(life, base, growth, 100) {
                self.row(id, month, service, "acr_usd", money(cents), Extra::default());
            }
        }
    }

    fn bizapps_customer(&mut self, c: &Customer, drive: i64) {
        let id = c.id.as_str();
        let [first, second] = self.biz_flavours;
        let flavour = vocab().biz_flavours[if self.rng.chance(70) { first } else { second }];
        let association = match self.rng.below(20) {
            0..=10 => Some("cpor"),
            11..=16 => Some("dpor"),
            _ => Some("csp"),
        };
        let workloads = 1 + self.rng.chance(30) as usize;
        let mut taken = Vec::new();
        for _ in 0..workloads {
            let w = self.rng.pick(flavour);
            if taken.contains(&w.name) {
                continue;
            }
            taken.push(w.name);
            let life = self.life(12 + 35 * drive / 1000, 8 - 6 * drive / 1000);
            let growth = self.rng.range(-150, 150) + 300 * drive / 1000 - 80;
            if w.capacity {
                // Customer Insights: billed per profile, with its MCV counted on capacity (0.2 per profile).
                let profiles = self.rng.skewed(5_000, 120_000);
                for (month, p) in self.series(life, profiles, growth, 50) {
                    self.row(id, month, w.name, "capacity", Number::from(p), Extra { association, offer: None });
                    let cents = p * 2; // about USD 0.02 a profile
                    self.row(id, month, w.name, "revenue_usd", money(cents), Extra { association, offer: None });
                }
                continue;
            }
            let users = match c.segment {
                "smb" => self.rng.skewed(5, 50),
                "smc" => self.rng.skewed(15, 200),
                _ => self.rng.skewed(40, 600),
            };
            let active = self.rng.range(550, 950);
            for (month, u) in self.series(life, users, growth, 30) {
                let cents = self.rng.jitter(u * w.price_cents, 30);
                self.row(id, month, w.name, "revenue_usd", money(cents), Extra { association, offer: None });
                let a = u * active / 1000;
                if a > 0 {
                    self.row(id, month, w.name, "active_users", Number::from(a), Extra { association, offer: None });
                }
            }
        }
    }

    fn modern_work_customer(&mut self, c: &Customer, drive: i64) {
        let id = c.id.as_str();
        let life = self.life(20 + 45 * drive / 1000, 8 - 6 * drive / 1000);
        let seats = self.seats(c.segment);
        let seat_growth = self.rng.range(-30, 150);
        let crosses = self.rng.chance(10 + 40 * drive / 1000);
        let active = self.adoption(life, crosses, (150, 380), (420, 900));
        let association = match self.rng.below(20) {
            0..=10 => Some("cpor"),
            11..=17 => Some("csp"),
            _ => Some("dpor"),
        };
        let workloads = 1 + self.rng.chance(20) as usize;
        let mut taken = Vec::new();
        for _ in 0..workloads {
            let w = vocab().modern_work[self.rng.weighted(vocab().modern_work_weights)];
            if taken.contains(&w) {
                continue;
            }
            taken.push(w);
            for (month, s) in self.series(life, seats, seat_growth, 15) {
                self.row(id, month, w, "paid_seats", Number::from(s), Extra { association, offer: None });
                let a = s * active[month] / 1000;
                if a > 0 {
                    self.row(id, month, w, "active_users", Number::from(a), Extra { association, offer: None });
                }
            }
        }
    }

    // -------------------------------------------------------------- people

    fn people(&mut self, drive: &[i64; 6]) -> Vec<Value> {
        let ent = self.enterprise;
        // Certification slots: (code, counts). The counts follow each area's drive against the rules' maxima.
        let mut slots: Vec<&'static str> = Vec::new();
        let azure_drive = drive[0].max(drive[1]).max(drive[2]);
        if azure_drive > 0 {
            // The prerequisites are shared by the three Azure areas: 1 person each on the SMB path,
            // 2 on the enterprise path; a weak practice sometimes lacks one.
            let need = if ent { 2 } else { 1 };
            for code in vocab().azure_prerequisites.iter().copied() {
                let held =
                    if self.rng.chance(65 + 35 * azure_drive / 1000) { need + self.rng.range(0, 2) } else { need - 1 };
                slots.extend(std::iter::repeat_n(code, held as usize));
            }
        }
        let r = &mut self.rng;
        if drive[0] > 0 {
            draw(r, &mut slots, if ent { 5 } else { 4 }, drive[0], vocab().infra_intermediate);
            draw(r, &mut slots, if ent { 5 } else { 4 }, drive[0], vocab().infra_advanced);
        }
        if drive[1] > 0 {
            draw(r, &mut slots, if ent { 10 } else { 8 }, drive[1], vocab().data_ai_scoring);
        }
        if drive[2] > 0 {
            draw(r, &mut slots, if ent { 5 } else { 4 }, drive[2], vocab().app_intermediate);
            draw(r, &mut slots, if ent { 5 } else { 4 }, drive[2], vocab().app_advanced);
        }
        if drive[3] > 0 {
            // Two prerequisite steps of two people each, one of them with a retired alternative.
            for alternatives in [vocab().security_prerequisite_1, vocab().security_prerequisite_2] {
                let held = if r.chance(75 + 25 * drive[3] / 1000) { 2 + r.range(1, 2) } else { r.range(0, 2) };
                for _ in 0..held {
                    slots.push(*r.pick(alternatives));
                }
            }
            draw(r, &mut slots, 6, drive[3], vocab().security_scoring);
        }
        if drive[4] > 0 {
            draw(r, &mut slots, if ent { 20 } else { 5 }, drive[4], vocab().biz_intermediate);
            draw(r, &mut slots, if ent { 7 } else { 2 }, drive[4], vocab().biz_advanced);
            if r.chance(50) {
                slots.push(*r.pick(vocab().biz_retired));
            }
        }
        if drive[5] > 0 {
            draw(r, &mut slots, if ent { 4 } else { 2 }, drive[5], vocab().mw_intermediate);
            draw(r, &mut slots, if ent { 3 } else { 2 }, drive[5], vocab().mw_advanced);
        }
        let n_slots = slots.len() as i64;
        for _ in 0..r.range(1, 4) {
            slots.push(*r.pick(vocab().fundamentals));
        }

        // People: 3–20 at SMB partners, 15–60 at enterprise ones, and never so few that one holds everything.
        let n_people = if ent { r.skewed(15, 60) } else { r.skewed(3, 20) }.max((n_slots + 2) / 3).min(60) as usize;
        let mut held: Vec<Vec<Value>> = vec![Vec::new(); n_people];
        let mut codes: Vec<Vec<&str>> = vec![Vec::new(); n_people];
        for code in slots {
            // A person holds a certification once; probe onwards from a random person.
            let start = self.rng.below(n_people as u64) as usize;
            let Some(p) = (0..n_people).map(|k| (start + k) % n_people).find(|p| !codes[*p].contains(&code)) else {
                continue;
            };
            codes[p].push(code);
            let cert = self.certification(code);
            held[p].push(cert);
        }
        held.into_iter()
            .enumerate()
            .map(|(k, certs)| {
                let mut m = Map::new();
                m.insert("id".into(), format!("p-{}", k + 1).into());
                m.insert("certifications".into(), Value::Array(certs));
                Value::Object(m)
            })
            .collect()
    }

    /// One held certification: mostly current, some expired before `as_of`, some earned only after it.
    fn certification(&mut self, code: &'static str) -> Value {
        let name = match vocab().cert_names.iter().find(|(c, _)| *c == code) {
            Some((_, full)) if self.rng.chance(25) => *full,
            _ => code,
        };
        let day = |rng: &mut Rng| rng.range(1, 28);
        let date = |month: Month, day: i64| format!("{month}-{day:02}");
        let mut m = Map::new();
        m.insert("name".into(), name.into());
        let (earned, expires) = match self.rng.below(100) {
            // Expired: earned years ago, lapsed within the last year.
            0..=6 => {
                let lapsed = self.as_of.offset(-(self.rng.range(1, 12) as i32));
                (lapsed.offset(-12 * self.rng.range(1, 2) as i32), Some(lapsed))
            }
            // Earned after as_of (data extracted later than the evaluation month).
            7..=10 => (self.as_of.offset(self.rng.range(1, 3) as i32), None),
            // Current, renewed yearly: the next renewal falls after as_of.
            11..=55 => {
                let earned = self.as_of.offset(-(self.rng.range(1, 40) as i32));
                let mut expires = earned.offset(12);
                while expires <= self.as_of {
                    expires = expires.offset(12);
                }
                (earned, Some(expires))
            }
            _ => (self.as_of.offset(-(self.rng.range(1, 48) as i32)), None),
        };
        let d = day(&mut self.rng);
        m.insert("earned".into(), date(earned, d).into());
        if let Some(e) = expires {
            m.insert("expires".into(), date(e, d).into());
        }
        Value::Object(m)
    }
}

/// Adds holders of `pool`'s certifications for a metric whose points are full at `max` people: `drive` of them.
fn draw(rng: &mut Rng, slots: &mut Vec<&'static str>, max: i64, drive: i64, pool: &[&'static str]) {
    for _ in 0..rng.share_of(max, drive) {
        slots.push(*rng.pick(pool));
    }
}

/// The optional fields of a usage row; `None` means the default (pal, pay-as-you-go) and is not written.
#[derive(Default, Clone, Copy)]
struct Extra {
    association: Option<&'static str>,
    offer: Option<&'static str>,
}

/// An amount of money from whole cents, written exactly (no trailing `.00`, at most two decimals).
fn money(cents: i64) -> Number {
    let cents = cents.max(0);
    let text = match cents % 100 {
        0 => format!("{}", cents / 100),
        c => format!("{}.{c:02}", cents / 100),
    };
    Number::from_str(&text).expect("a decimal literal is a JSON number")
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::partner::{Format, Partner};
    use crate::rules::RuleSet;
    use crate::score;

    fn as_of() -> Month {
        "2024-06".parse().expect("a month")
    }

    fn portfolio(n: usize, seed: u64) -> Vec<u8> {
        let mut out = Vec::new();
        write_ndjson(n, seed, as_of(), &mut out).expect("writing to memory");
        out
    }

    #[test]
    fn same_seed_gives_identical_bytes() {
        let a = portfolio(12, 42);
        assert_eq!(a, portfolio(12, 42));
        assert_eq!(a.iter().filter(|b| **b == b'\n').count(), 12);
        assert!(a.ends_with(b"\n"));
    }

    #[test]
    fn partner_i_is_line_i() {
        let text = String::from_utf8(portfolio(8, 3)).expect("UTF-8");
        for (i, line) in text.lines().enumerate() {
            let alone = serde_json::to_string(&partner(i, 3, as_of())).expect("serializes");
            assert_eq!(line, alone, "partner {i}");
        }
    }

    #[test]
    fn different_seeds_differ() {
        assert_ne!(portfolio(4, 1), portfolio(4, 2));
        assert_ne!(partner(0, 1, as_of()), partner(0, 2, as_of()));
        // Neighbouring partners of one portfolio are unrelated too.
        assert_ne!(partner(0, 1, as_of())["usage"], partner(1, 1, as_of())["usage"]);
    }

    #[test]
    fn every_partner_parses_and_scores() {
        let rules = RuleSet::load(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../rules/2024-06"))).expect("rules");
        let text = String::from_utf8(portfolio(40, 2024)).expect("UTF-8");
        for (i, line) in text.lines().enumerate() {
            let p = Partner::parse(line, Format::Json, "gen").unwrap_or_else(|e| panic!("partner {i}: {e}"));
            assert!(!p.usage.is_empty() && !p.people.is_empty(), "partner {i} is empty");
            score(&rules, &p).unwrap_or_else(|e| panic!("partner {i}: {e}"));
            // Money is written exactly, with at most two decimals.
            let value: Value = serde_json::from_str(line).expect("JSON");
            for row in value["usage"].as_array().expect("usage") {
                let v = row["value"].to_string();
                assert!(v.split_once('.').is_none_or(|(_, f)| f.len() <= 2), "partner {i}: value {v}");
            }
        }
    }
}
