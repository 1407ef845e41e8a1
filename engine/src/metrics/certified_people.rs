//! `certified-people`: the people holding the scoring certifications, once every prerequisite step (so many
//! people with given certifications) is met; met steps may earn points of their own.

use std::collections::BTreeSet;

use rust_decimal::Decimal;
use crate::codes;

use super::additions::requirement_person;
use super::{Context, Kind, Measured, MetricKind, Registered};
use crate::evidence::{CertificationEvidence, Check, Evidence, Item, ItemType, Number};
use crate::explain::join_limited;
use crate::generate::{Build, Held};
use crate::gap::Addition;
use crate::partner::{HeldCertification, Partner};
use crate::value::{Date, Month};
use crate::rules::schema::MetricFile;
use crate::rules::{CertRequirement, KindCompiler, RuleSet};

pub(crate) const KIND: Registered = Registered { name: "certified-people", keys: &["prerequisites", "scoring"],
    reasons: &["scoring", "not-scoring", "counts", "expired", "retired", "earned-after-as-of", "met", "not-met"], compile };

/// The parameters of a `certified-people` measurement.
#[derive(Debug)]
pub struct CertifiedPeople {
    pub prerequisites: Vec<Prerequisite>,
    pub scoring: CertRequirement,
    /// Every certification (catalogue index) a step or the scoring asks for: the only ones measuring looks at.
    /// Found when the rule compiles (issue 15: it was rebuilt for every partner, metric and month).
    pub relevant: BTreeSet<usize>,
}

/// A prerequisite step: at least `people` people meeting `requirement`, worth `points` when met.
#[derive(Debug)]
pub struct Prerequisite {
    pub requirement: CertRequirement,
    pub people: usize,
    pub points: Decimal,
}

fn compile(c: &mut KindCompiler<'_, '_>, m: &MetricFile) -> Option<MetricKind> {
    let mut prerequisites = Vec::new();
    for p in m.prerequisites.iter().flatten() {
        let pf = p.get_ref();
        let requirement = c.requirement(&pf.any_of, &pf.all_of, p.span());
        let people = *pf.people.get_ref();
        if people < 1 {
            c.err(codes::OUT_OF_RANGE, 
                pf.people.span(),
                format!("a prerequisite needs at least 1 person, found {people}"),
                Some("remove the step instead of asking for 0 people"),
            );
        }
        let points = match &pf.points {
            Some(p) => c.non_negative(p, "points").unwrap_or_default(),
            None => Decimal::ZERO,
        };
        prerequisites.push(Prerequisite { requirement, people: people.max(1) as usize, points });
    }
    let scoring = match &m.scoring {
        Some(s) => c.requirement(&s.get_ref().any_of, &s.get_ref().all_of, s.span()),
        None => {
            let id = c.id().to_owned();
            c.err_here(codes::MISSING_KEY, format!("\"{id}\" needs `scoring`"), Some("scoring = { any_of = [\"...\"] }"));
            CertRequirement::new(vec![], vec![])
        }
    };
    let relevant = prerequisites
        .iter()
        .map(|p| &p.requirement)
        .chain(std::iter::once(&scoring))
        .flat_map(|r| r.all_of.iter().chain(r.any_of.iter()).copied())
        .collect();
    Some(MetricKind::CertifiedPeople(CertifiedPeople { prerequisites, scoring, relevant }))
}

/// A requirement in words: `AZ-104 and one of AZ-305, AZ-400`.
fn describe(ctx: &Context<'_>, r: &CertRequirement) -> String {
    let codes = |list: &[usize]| -> Vec<String> {
        list.iter().map(|i| ctx.rules.catalogue.certifications[*i].code.clone()).collect()
    };
    let all = codes(&r.all_of);
    let any = codes(&r.any_of);
    match (all.is_empty(), any.len()) {
        (_, 0) => all.join(" and "),
        (true, 1) => any[0].clone(),
        (true, _) => format!("any of {}", any.join(", ")),
        (false, 1) => format!("{} and {}", all.join(" and "), any[0]),
        (false, _) => format!("{} and one of {}", all.join(" and "), any.join(", ")),
    }
}

/// Why a certification held does not count at `month_end`, with the date behind it (earned after it, expired or
/// retired (`through`, its last eligible day) before it), or `None` when it counts.
pub(super) fn why_not_counted(c: &HeldCertification, through: Option<Date>, month_end: Date) -> Option<(&'static str, Date)> {
    if c.earned > month_end {
        Some(("earned-after-as-of", c.earned))
    } else if let Some(exp) = c.expires.filter(|e| *e < month_end) {
        Some(("expired", exp))
    } else {
        through.filter(|t| *t < month_end).map(|t| ("retired", t))
    }
}

impl CertifiedPeople {
    /// How many people meet each prerequisite step and the scoring requirement, from what each person holds that
    /// counts (`held`, catalogue indices).
    fn held_counts(&self, held: &[Vec<usize>]) -> (Vec<usize>, usize) {
        let steps = self.prerequisites.iter().map(|step| held.iter().filter(|c| step.requirement.met_by(c)).count());
        (steps.collect(), held.iter().filter(|c| self.scoring.met_by(c)).count())
    }

    /// The prerequisite steps and the scoring people, from the people meeting each step (`people`, in step order)
    /// and the scoring requirement (`scorers`), into `ev`.
    fn tally<'c>(&self, ctx: &'c Context<'_>, people: &[usize], scorers: usize, mut ev: Evidence) -> Measured<'c> {
        let prerequisites = &self.prerequisites;
        let mut all_met = true;
        let mut steps_met = 0;
        let mut fixed = Decimal::ZERO;
        for (n, (step, people)) in prerequisites.iter().zip(people).enumerate() {
            let met = *people >= step.people;
            all_met &= met;
            steps_met += usize::from(met);
            if met {
                fixed = ctx
                    .checked(fixed.checked_add(step.points), || "usage: sum of prerequisite points overflows".into());
            }
            // A month of the window keeps no items (the step's points are in `fixed`).
            if ctx.brief {
                continue;
            }
            let mut item = Item::new(ItemType::Step, format!("prerequisite-{}", n + 1), met, if met { "met" } else { "not-met" });
            item.value = (met && !step.points.is_zero()).then_some(Number(step.points));
            ev.items.push(item);
        }
        ev.figure("scoring-people", Decimal::from(scorers), Some("people"), None);
        if !prerequisites.is_empty() {
            ev.checks.push(Check {
                name: "prerequisites".to_owned(),
                passed: all_met,
                detail: ctx.words(|| format!("{steps_met} of {} prerequisite steps met", prerequisites.len())),
            });
        }
        Measured { units: Decimal::from(scorers), customers: None, fixed_points: fixed, open: all_met, evidence: ev }
    }

    /// The people meeting each step and the scoring requirement in every month of the qualification window,
    /// worked out once per partner (issue 15: the window in one pass). Each certification a person holds is
    /// judged once for the end of each month of the window, as bits; a requirement's months are those bits
    /// combined (all of `all_of`, one of `any_of`), and each month counts the people with its bit. `None` when
    /// the window is longer than a word holds.
    fn counts(&self, ctx: &Context<'_>, (first, last): (Month, Month)) -> Option<WindowCounts> {
        let len = last.since(first).checked_add(1).filter(|n| (1..=64).contains(n))?;
        let cat = &ctx.rules.catalogue;
        let ends: Vec<Date> = (0..len).map(|i| first.offset(i).last_day()).collect();
        let mut counts = WindowCounts {
            first,
            people: vec![vec![0; self.prerequisites.len()]; ends.len()],
            scorers: vec![0; ends.len()],
        };
        // Per person, the months (bits) in which each relevant certification it holds counts.
        let mut valid: Vec<(usize, u64)> = Vec::new();
        for (person, found) in ctx.partner.people.iter().zip(ctx.certifications()) {
            valid.clear();
            for (c, found) in person.certifications.iter().zip(found) {
                let Some(i) = found.filter(|i| self.relevant.contains(i)) else { continue };
                let through = cat.certifications[i].eligible_through;
                let months = ends
                    .iter()
                    .enumerate()
                    .filter(|(_, end)| why_not_counted(c, through, **end).is_none())
                    .fold(0u64, |bits, (k, _)| bits | 1 << k);
                match valid.iter_mut().find(|(j, _)| *j == i) {
                    Some((_, bits)) => *bits |= months,
                    None => valid.push((i, months)),
                }
            }
            let held = |i: &usize| valid.iter().find(|(j, _)| j == i).map_or(0, |(_, bits)| *bits);
            let met = |r: &CertRequirement| {
                let all = r.all_of.iter().fold(u64::MAX, |bits, i| bits & held(i));
                let any = if r.any_sorted.is_empty() { u64::MAX } else { r.any_sorted.iter().fold(0, |bits, i| bits | held(i)) };
                all & any
            };
            for (s, step) in self.prerequisites.iter().enumerate() {
                let bits = met(&step.requirement);
                for (k, people) in counts.people.iter_mut().enumerate() {
                    people[s] += (bits >> k & 1) as usize;
                }
            }
            let bits = met(&self.scoring);
            for (k, scorers) in counts.scorers.iter_mut().enumerate() {
                *scorers += (bits >> k & 1) as usize;
            }
        }
        Some(counts)
    }

    /// The measurement; `one_pass` false finds the people of a month of the window from what they hold at its end
    /// (as a window longer than [`WindowCounts`] hold does), which the tests compare with the one pass.
    fn measure_in<'c>(&self, ctx: &'c Context<'_>, one_pass: bool) -> Measured<'c> {
        let scoring = &self.scoring;
        let cat = &ctx.rules.catalogue;
        let as_of = ctx.as_of;
        let month_end = as_of.last_day();
        let relevant = &self.relevant;

        let mut ev = Evidence::of(KIND.name);
        // A month of the window keeps no items: its counts are those of the one pass, or else what each person
        // holds that counts at the end of the month, found once for every metric of the month (the
        // certifications this one does not ask for cannot meet its requirements, so they need not be left out).
        if ctx.brief {
            let counts = ctx.window_memo(self, one_pass, |span| self.counts(ctx, span));
            if let Some((people, scorers)) = counts.as_deref().and_then(|c| c.at(as_of)) {
                return self.tally(ctx, people, scorers, ev);
            }
            return ctx.with_valid_certifications(|held| {
                let (people, scorers) = self.held_counts(held);
                self.tally(ctx, &people, scorers, ev)
            });
        }
        // Which relevant certifications each person holds at the end of the month, and why the others do not count.
        let mut held: Vec<Vec<usize>> = Vec::with_capacity(ctx.partner.people.len());
        for (person, found) in ctx.partner.people.iter().zip(ctx.certifications()) {
            let mut certs = Vec::new();
            let mut judged = Vec::new();
            for (c, found) in person.certifications.iter().zip(found) {
                // Only certifications the metric asks for are looked at (and listed): the others, and names the
                // catalogue does not know (which the report warns about), cannot count here.
                let Some(i) = found.filter(|i| relevant.contains(i)) else { continue };
                let why_not = why_not_counted(c, cat.certifications[i].eligible_through, month_end);
                if why_not.is_none() {
                    certs.push(i);
                }
                // A month of the window keeps no evidence items: nothing to write about each certification.
                if !ctx.brief {
                    judged.push(CertificationEvidence {
                        name: c.name.clone(),
                        code: Some(cat.certifications[i].code.clone()),
                        counted: why_not.is_none(),
                        reason: why_not.map_or("counts", |(reason, _)| reason).into(),
                        date: why_not.map(|(_, date)| date.to_string()),
                    });
                }
            }
            // A person holding none of them is not listed: the evidence stays the size of what the metric asks.
            if !judged.is_empty() && !ctx.brief {
                let scores = scoring.met_by(&certs);
                let mut item =
                    Item::new(ItemType::Person, &person.id, scores, if scores { "scoring" } else { "not-scoring" });
                item.certifications = judged;
                ev.items.push(item);
            }
            held.push(certs);
        }
        let (people, scorers) = self.held_counts(&held);
        self.tally(ctx, &people, scorers, ev)
    }
}

/// The people meeting each prerequisite step and the scoring requirement in each month of the qualification
/// window, from `first` ([`CertifiedPeople::counts`]).
struct WindowCounts {
    first: Month,
    /// Per month, the people meeting each step, in step order.
    people: Vec<Vec<usize>>,
    /// Per month, the people meeting the scoring requirement.
    scorers: Vec<usize>,
}

impl WindowCounts {
    /// The counts of `month`; `None` when it is not in the window counted.
    fn at(&self, month: Month) -> Option<(&[usize], usize)> {
        let k = usize::try_from(month.since(self.first)).ok()?;
        Some((self.people.get(k)?, *self.scorers.get(k)?))
    }
}

impl Kind for CertifiedPeople {
    fn fixed_points(&self) -> Option<Decimal> {
        self.prerequisites.iter().try_fold(Decimal::ZERO, |sum, p| sum.checked_add(p.points))
    }

    fn measure<'c>(&self, ctx: &'c Context<'_>) -> Measured<'c> {
        self.measure_in(ctx, true)
    }

    fn explain(&self, ev: &Evidence, ctx: &Context<'_>) -> String {
        let cat = &ctx.rules.catalogue;
        let people: Vec<&Item> = ev.items.iter().filter(|i| i.item_type == ItemType::Person).collect();
        // What each person holds, by catalogue index: the certifications the evidence says count.
        let held: Vec<Vec<usize>> = people
            .iter()
            .map(|p| {
                p.certifications.iter().filter(|c| c.counted).filter_map(|c| c.code.as_deref().and_then(|code| cat.find(code))).collect()
            })
            .collect();
        let who = |r: &CertRequirement| -> Vec<&str> {
            people.iter().zip(&held).filter(|(_, c)| r.met_by(c)).map(|(p, _)| p.id.as_str()).collect()
        };
        let steps: Vec<&Item> = ev.items.iter().filter(|i| i.item_type == ItemType::Step).collect();
        let mut parts = Vec::new();
        for (n, (step, item)) in self.prerequisites.iter().zip(&steps).enumerate() {
            let people = who(&step.requirement);
            let by = if people.is_empty() { "nobody".to_owned() } else { join_limited(&people) };
            parts.push(format!(
                "prerequisite {} ({} {} with {}): {by} → {}",
                n + 1,
                step.people,
                if step.people == 1 { "person" } else { "people" },
                describe(ctx, &step.requirement),
                if item.counted { "met" } else { "not met" }
            ));
        }
        let scorers: Vec<&str> = people.iter().filter(|p| p.counted).map(|p| p.id.as_str()).collect();
        let listed = if scorers.is_empty() { "nobody".to_owned() } else { join_limited(&scorers) };
        parts.push(format!("scoring people (with {}): {listed}", describe(ctx, &self.scoring)));
        let all_met = steps.iter().all(|s| s.counted);
        if !all_met && !scorers.is_empty() {
            parts.push(format!("the {} scoring people earn nothing until every prerequisite is met", scorers.len()));
        }
        let left_out: Vec<String> = people
            .iter()
            .flat_map(|p| p.certifications.iter().map(move |c| (p, c)))
            .filter_map(|(p, c)| {
                let code = c.code.as_deref().unwrap_or(&c.name);
                let date = c.date.as_deref().unwrap_or_default();
                match &*c.reason {
                    "earned-after-as-of" => {
                        Some(format!("{}'s {code} (earned {date}, after {})", p.id, ctx.as_of))
                    }
                    "expired" => Some(format!("{}'s {code} (expired {date})", p.id)),
                    "retired" => Some(format!("{}'s {code} (retired, eligible through {date})", p.id)),
                    _ => None,
                }
            })
            .collect();
        if !left_out.is_empty() {
            parts.push(format!("left out: {}", join_limited(&left_out)));
        }
        parts.join("; ")
    }

    /// A person per prerequisite step and a scoring person, one at a time; with prerequisites, also every step
    /// topped up to its count plus a scoring person together, since one person alone may add nothing.
    fn additions(&self, rules: &RuleSet, _: &Partner) -> Vec<Vec<(Addition, String)>> {
        let mut out: Vec<Vec<(Addition, String)>> = self
            .prerequisites
            .iter()
            .map(|step| requirement_person(rules, &step.requirement))
            .chain(std::iter::once(requirement_person(rules, &self.scoring)))
            .map(|a| vec![a])
            .collect();
        if !self.prerequisites.is_empty() {
            let mut bundle = Vec::new();
            for step in &self.prerequisites {
                let person = requirement_person(rules, &step.requirement);
                for _ in 0..step.people {
                    bundle.push(person.clone());
                }
            }
            bundle.push(requirement_person(rules, &self.scoring));
            out.push(bundle);
        }
        out
    }

    /// The prerequisite steps, met at random (more often with a higher drive), and `u` people meeting the
    /// scoring requirement; sometimes a person whose certification does not count.
    fn generate(&self, build: &mut Build<'_, '_>, u: i64, drive: i64) {
        let (prerequisites, scoring) = (&self.prerequisites, &self.scoring);
        for step in prerequisites {
            let met = build.rng.chance(55 + 45 * drive.min(1000) / 1000);
            let n = if met { step.people + build.rng.below(2) as usize } else { step.people.saturating_sub(1) };
            for _ in 0..n {
                build.person(&step.requirement, Held::Current);
            }
        }
        for _ in 0..u.max(0) {
            build.person(scoring, Held::Current);
        }
        if build.rng.chance(25) {
            let how = match build.rng.below(3) {
                0 => Held::Expired,
                1 => Held::Later,
                _ => Held::Retired,
            };
            build.person(scoring, how);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 15: a requirement met through its sorted `any_of` is met exactly when the rules' list, looked through
    /// in order, says so: every pair of requirement and held certifications over a universe of six certifications
    /// (lists of up to four, in any order, with repeats, empty ones included).
    #[test]
    fn a_requirement_is_met_as_its_lists_in_order_say() {
        let lists: Vec<Vec<usize>> = (0..6usize.pow(4))
            .flat_map(|code| {
                let digits = [code % 6, code / 6 % 6, code / 36 % 6, code / 216 % 6];
                (0..=4).map(move |len| digits[..len].to_vec())
            })
            .collect();
        let mut checked = 0;
        for (i, any_of) in lists.iter().enumerate().step_by(7) {
            let all_of = &lists[(i * 31) % lists.len()];
            let r = CertRequirement::new(any_of.clone(), all_of.clone());
            assert_eq!(r.any_of, *any_of, "the rules' order is kept for the words");
            for certs in lists.iter().step_by(3) {
                let in_order = all_of.iter().all(|c| certs.contains(c))
                    && (any_of.is_empty() || any_of.iter().any(|c| certs.contains(c)));
                assert_eq!(r.met_by(certs), in_order, "any of {any_of:?}, all of {all_of:?}, held {certs:?}");
                checked += 1;
            }
        }
        assert!(checked > 100_000, "{checked}");
    }

    /// Issue 15, the window in one pass: the people counted in each month of the window from the bits worked out
    /// once per partner are those counted from what each person holds at the end of that month, for every
    /// `certified-people` metric of every shipped version, on generated partners whose certifications are earned,
    /// expire and (for 2026-07) retire inside the window, measured as the evaluator measures them: `as_of` first,
    /// then the earlier months on the same context.
    #[test]
    fn the_window_in_one_pass_counts_the_people_of_each_month() {
        use crate::metrics::testing::{generated, kinds_of, shipped};
        let (mut compared, mut moved) = (0, 0);
        for (v, as_of) in [("2023-07", "2023-12"), ("2024-06", "2024-08"), ("2026-07", "2026-09"), ("2026-07", "2027-08")] {
            let rules = shipped(v);
            let metrics: Vec<&CertifiedPeople> = kinds_of(&rules, |k| match k {
                MetricKind::CertifiedPeople(c) => Some(c),
                _ => None,
            });
            assert!(!metrics.is_empty(), "{v} has certified-people metrics");
            for i in 0..12 {
                let mut partner = generated(&rules, i, as_of);
                // Certifications earned and expiring in months of the window, a different month for each.
                let day = |back: i32, last: bool| -> Date {
                    let m = partner.as_of.offset(-back);
                    if last { m.last_day() } else { format!("{m}-01").parse().expect("a date") }
                };
                let changes: Vec<(usize, usize, Date, Option<Date>)> = partner
                    .people
                    .iter()
                    .enumerate()
                    .flat_map(|(j, p)| (0..p.certifications.len()).map(move |k| (j, k)))
                    .map(|(j, k)| {
                        let n = (i + j * 3 + k) as i32;
                        (j, k, day(n % 8, n % 2 == 0), (n % 3 == 0).then(|| day(n % 5, n % 4 == 0)))
                    })
                    .collect();
                for (j, k, earned, expires) in changes {
                    let c = &mut partner.people[j].certifications[k];
                    c.earned = earned;
                    c.expires = expires.filter(|e| *e >= earned);
                }
                for cp in &metrics {
                    let mut shared = Context::new(&rules, &partner);
                    shared.brief = true;
                    let mut seen = BTreeSet::new();
                    for back in 0..6 {
                        let month = partner.as_of.offset(-back);
                        let mut direct = Context::new(&rules, &partner);
                        direct.brief = true;
                        direct.as_of = month;
                        shared.as_of = month;
                        let (a, b) = (cp.measure_in(&shared, true), cp.measure_in(&direct, false));
                        let what = format!("{v} partner {i} in {month}");
                        assert_eq!((a.units, a.fixed_points, a.open), (b.units, b.fixed_points, b.open), "{what}");
                        assert_eq!(format!("{:?}", a.evidence), format!("{:?}", b.evidence), "{what}");
                        seen.insert((a.units, a.fixed_points, a.open));
                        compared += 1;
                    }
                    moved += usize::from(seen.len() > 1);
                }
            }
        }
        // The months differ: the comparison is not of one count six times.
        assert!(compared > 500 && moved > 20, "{compared} measurements compared, {moved} metrics moved in the window");
    }
}
