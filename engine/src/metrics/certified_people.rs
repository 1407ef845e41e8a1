//! `certified-people`: the people holding the scoring certifications, once every prerequisite step (so many
//! people with given certifications) is met; met steps may earn points of their own.

use std::collections::BTreeSet;

use rust_decimal::Decimal;

use super::additions::requirement_person;
use super::{Context, Kind, Measured, MetricKind, Registered};
use crate::explain::join_limited;
use crate::gap::Addition;
use crate::partner::Partner;
use crate::rules::schema::MetricFile;
use crate::rules::{CertRequirement, KindCompiler, RuleSet};

pub(crate) const KIND: Registered = Registered { name: "certified-people", keys: &["prerequisites", "scoring"], compile };

/// The parameters of a `certified-people` measurement.
#[derive(Debug)]
pub struct CertifiedPeople {
    pub prerequisites: Vec<Prerequisite>,
    pub scoring: CertRequirement,
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
            c.err(
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
            c.err_here(format!("\"{id}\" needs `scoring`"), Some("scoring = { any_of = [\"...\"] }"));
            CertRequirement { all_of: vec![], any_of: vec![] }
        }
    };
    Some(MetricKind::CertifiedPeople(CertifiedPeople { prerequisites, scoring }))
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

impl Kind for CertifiedPeople {
    fn fixed_points(&self) -> Option<Decimal> {
        self.prerequisites.iter().try_fold(Decimal::ZERO, |sum, p| sum.checked_add(p.points))
    }

    fn measure(&self, ctx: &Context<'_>) -> Measured {
        let (prerequisites, scoring) = (&self.prerequisites, &self.scoring);
        let cat = &ctx.rules.catalogue;
        let as_of = ctx.partner.as_of;
        let month_end = as_of.last_day();
        let relevant: BTreeSet<usize> = prerequisites
            .iter()
            .map(|p| &p.requirement)
            .chain(std::iter::once(scoring))
            .flat_map(|r| r.all_of.iter().chain(r.any_of.iter()).copied())
            .collect();

        // Which relevant certifications each person holds at the end of the month, and which were left out.
        let mut held: Vec<(&str, BTreeSet<usize>)> = Vec::new();
        let mut left_out = Vec::new();
        for person in &ctx.partner.people {
            let mut certs = BTreeSet::new();
            for c in &person.certifications {
                let Some(i) = cat.find(&c.name) else { continue };
                if !relevant.contains(&i) {
                    continue;
                }
                let code = &cat.certifications[i].code;
                let through = cat.certifications[i].eligible_through;
                if c.earned > month_end {
                    left_out.push(format!("{}'s {code} (earned {}, after {as_of})", person.id, c.earned));
                } else if let Some(exp) = c.expires.filter(|e| *e < month_end) {
                    left_out.push(format!("{}'s {code} (expired {exp})", person.id));
                } else if let Some(t) = through.filter(|t| *t < month_end) {
                    left_out.push(format!("{}'s {code} (retired, eligible through {t})", person.id));
                } else {
                    certs.insert(i);
                }
            }
            held.push((&person.id, certs));
        }
        let meets = |r: &CertRequirement, certs: &BTreeSet<usize>| {
            r.all_of.iter().all(|c| certs.contains(c))
                && (r.any_of.is_empty() || r.any_of.iter().any(|c| certs.contains(c)))
        };
        let who =
            |r: &CertRequirement| -> Vec<&str> { held.iter().filter(|(_, c)| meets(r, c)).map(|(p, _)| *p).collect() };

        let mut parts = Vec::new();
        let mut all_met = true;
        let mut fixed = Decimal::ZERO;
        for (n, step) in prerequisites.iter().enumerate() {
            let people = who(&step.requirement);
            let met = people.len() >= step.people;
            all_met &= met;
            if met {
                fixed = ctx
                    .checked(fixed.checked_add(step.points), || "usage: sum of prerequisite points overflows".into());
            }
            let by = if people.is_empty() { "nobody".to_owned() } else { join_limited(&people) };
            parts.push(format!(
                "prerequisite {} ({} {} with {}): {by} → {}",
                n + 1,
                step.people,
                if step.people == 1 { "person" } else { "people" },
                describe(ctx, &step.requirement),
                if met { "met" } else { "not met" }
            ));
        }
        let scorers = who(scoring);
        let listed = if scorers.is_empty() { "nobody".to_owned() } else { join_limited(&scorers) };
        parts.push(format!("scoring people (with {}): {listed}", describe(ctx, scoring)));
        if !all_met && !scorers.is_empty() {
            parts.push(format!("the {} scoring people earn nothing until every prerequisite is met", scorers.len()));
        }
        if !left_out.is_empty() {
            parts.push(format!("left out: {}", join_limited(&left_out)));
        }
        Measured {
            units: Decimal::from(scorers.len()),
            customers: None,
            fixed_points: fixed,
            open: all_met,
            story: parts.join("; "),
        }
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
}
