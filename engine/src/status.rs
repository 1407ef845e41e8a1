//! Beyond the score: which designations a partner holds now (a designation is kept until the anniversary
//! even when the score drops), the program badges and specializations that follow, and certified software
//! designations decided from a solution's facts. Every number and name comes from the rule set.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::error::{closest, Error, Located};
use crate::partner::{Fact, Partner};
use crate::report::DesignationResult;
use crate::rules::{BadgeRequires, Condition, RuleSet};
use crate::value::Date;

/// Designations held, badges and specializations.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct ProgramStatus {
    /// The anniversary every designation shares, when known.
    pub anniversary: Option<String>,
    pub held: Vec<Held>,
    pub badges: Vec<BadgeStatus>,
    pub specializations: Vec<SpecializationStatus>,
}

/// Whether a designation is held at the evaluation month, and why.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Held {
    pub id: String,
    pub held: bool,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct BadgeStatus {
    pub id: String,
    pub name: String,
    pub held: bool,
    /// Designations still needed: for a `requires_all` badge each one not held; for a `requires_any` badge not
    /// held, every one of its designations (holding any one of them is enough); empty when held.
    pub missing: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct SpecializationStatus {
    pub name: String,
    /// True when a designation it requires is held.
    pub open: bool,
    /// The held designations that open it.
    pub through: Vec<String>,
}

/// A solution's certified software designations.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct SoftwareResult {
    pub solution: String,
    pub designations: Vec<SoftwareDesignation>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct SoftwareDesignation {
    pub id: String,
    pub name: String,
    pub attained: bool,
    pub requirements: Vec<RequirementResult>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct RequirementResult {
    pub category: String,
    pub met: bool,
    pub explanation: String,
}

/// The anniversary after `since`: the first day, strictly after it, with the anniversary's month and day.
fn next_anniversary(anniversary: Date, since: Date) -> Date {
    let (month, day) = (anniversary.month().number(), anniversary.day());
    let mut year = since.month().year();
    loop {
        // 29 February falls back to 28 February in other years.
        let candidate = Date::new(year, month, day).or_else(|| Date::new(year, month, day - 1));
        if let Some(c) = candidate.filter(|c| *c > since) {
            return c;
        }
        year += 1;
    }
}

/// Every designation of the partner's `history` must be one the rules know: an id they do not know (`data_ai`
/// for `data-ai`) would silently drop a designation the partner holds, so it is an error for that partner.
pub fn check_history(rules: &RuleSet, partner: &Partner) -> Result<(), Error> {
    for (i, (id, _)) in partner.attained.iter().enumerate() {
        if rules.designations.iter().any(|d| d.id == *id) {
            continue;
        }
        let ids = rules.designations.iter().map(|d| d.id.as_str());
        let hint = match closest(id, ids.clone()) {
            Some(near) => format!("did you mean \"{near}\"?"),
            None => format!("designations of rule version {}: {}", rules.version, ids.collect::<Vec<_>>().join(", ")),
        };
        return Err(Error::new(
            Located::field(&partner.origin, format!("history.designations[{i}].id")),
            format!("unknown designation \"{id}\""),
        )
        .with_hint(hint));
    }
    Ok(())
}

/// Held designations, badges and specializations, or `None` when the rules define neither badges nor
/// specializations and the partner gives no history.
pub fn program(rules: &RuleSet, partner: &Partner, results: &[DesignationResult]) -> Option<ProgramStatus> {
    if rules.badges.is_empty() && rules.specializations.is_empty() && partner.attained.is_empty() {
        return None;
    }
    let month_end = partner.as_of.last_day();
    // Designations attained later share the first one's anniversary.
    let anniversary = partner.anniversary.or_else(|| partner.attained.iter().map(|(_, d)| *d).min());
    let held: Vec<Held> = results
        .iter()
        .map(|d| {
            let before = partner.attained.iter().find(|(id, _)| *id == d.id).map(|(_, day)| *day);
            // The qualification window decides: a month of it that qualifies is enough (issue 13).
            let qualifies = match (d.qualified, d.window.iter().rev().find(|w| w.qualified)) {
                (true, _) | (false, None) => "the score qualifies".to_owned(),
                (false, Some(w)) => format!("the score qualifies in {} of the qualification window", w.month),
            };
            let (held, reason) = match (d.qualified_in_window, before, anniversary) {
                (true, Some(day), _) if d.qualified => {
                    (true, format!("attained since {day}, and the score still qualifies"))
                }
                (true, Some(day), _) => (true, format!("attained since {day}, and {qualifies}")),
                (true, None, _) => (true, qualifies),
                (false, Some(day), Some(a)) => {
                    let renewal = next_anniversary(a, day);
                    if month_end < renewal {
                        (true, format!("attained {day}; kept until the anniversary {renewal} although the score is below the bar"))
                    } else {
                        (false, format!("attained {day}, but not renewed at the anniversary {renewal}: the score does not qualify"))
                    }
                }
                (false, _, _) => (false, "the score does not qualify".to_owned()),
            };
            Held { id: d.id.clone(), held, reason }
        })
        .collect();
    let holding: BTreeSet<&str> = held.iter().filter(|h| h.held).map(|h| h.id.as_str()).collect();
    let badges = rules
        .badges
        .iter()
        .map(|b| {
            let (held, missing) = match &b.requires {
                BadgeRequires::All(all) => {
                    let missing: Vec<String> = all.iter().filter(|d| !holding.contains(d.as_str())).cloned().collect();
                    (missing.is_empty(), missing)
                }
                // Any one of them is enough: when none is held, every one of them is listed, one of which is
                // needed.
                BadgeRequires::Any(any) => match any.iter().any(|d| holding.contains(d.as_str())) {
                    true => (true, Vec::new()),
                    false => (false, any.clone()),
                },
            };
            BadgeStatus { id: b.id.clone(), name: b.name.clone(), held, missing }
        })
        .collect();
    let specializations = rules
        .specializations
        .iter()
        .map(|s| {
            let through: Vec<String> =
                s.designations.iter().filter(|d| holding.contains(d.as_str())).cloned().collect();
            SpecializationStatus { name: s.name.clone(), open: !through.is_empty(), through }
        })
        .collect();
    Some(ProgramStatus { anniversary: anniversary.map(|a| a.to_string()), held, badges, specializations })
}

/// Every solution against every certified software designation of the rules.
pub fn software(rules: &RuleSet, partner: &Partner) -> Vec<SoftwareResult> {
    partner
        .solutions
        .iter()
        .map(|solution| SoftwareResult {
            solution: solution.id.clone(),
            designations: rules
                .software
                .iter()
                .map(|s| {
                    let requirements: Vec<RequirementResult> = s
                        .requirements
                        .iter()
                        .map(|r| {
                            let checks: Vec<(bool, String)> =
                                r.any_of.iter().map(|c| check(c, &solution.facts)).collect();
                            let met = checks.iter().any(|(ok, _)| *ok);
                            let words: Vec<&str> = checks.iter().map(|(_, w)| w.as_str()).collect();
                            RequirementResult { category: r.category.clone(), met, explanation: words.join(" OR ") }
                        })
                        .collect();
                    SoftwareDesignation {
                        id: s.id.clone(),
                        name: s.name.clone(),
                        attained: requirements.iter().all(|r| r.met),
                        requirements,
                    }
                })
                .collect(),
        })
        .collect()
}

fn check(c: &Condition, facts: &std::collections::BTreeMap<String, Fact>) -> (bool, String) {
    let mark = |ok: bool| if ok { "✓" } else { "✗" };
    match c {
        Condition::AtLeast { fact, value } => match facts.get(fact) {
            Some(Fact::Number(n)) => {
                let ok = n >= value;
                (ok, format!("{fact} {} ≥ {} {}", n.normalize(), value.normalize(), mark(ok)))
            }
            Some(_) => (false, format!("{fact} is not a number ✗")),
            None => (false, format!("{fact} not given (needs ≥ {}) ✗", value.normalize())),
        },
        Condition::Includes { fact, value } => match facts.get(fact) {
            Some(Fact::List(items)) => {
                let ok = items.iter().any(|i| i.eq_ignore_ascii_case(value));
                (ok, format!("{fact} includes {value} {}", mark(ok)))
            }
            Some(Fact::Text(t)) => {
                let ok = t.eq_ignore_ascii_case(value);
                (ok, format!("{fact} is {value} {}", mark(ok)))
            }
            Some(_) => (false, format!("{fact} is not a list ✗")),
            None => (false, format!("{fact} not given (needs {value}) ✗")),
        },
        Condition::Is { fact, value } => match facts.get(fact) {
            Some(Fact::Flag(b)) => {
                let ok = b == value;
                (ok, format!("{fact} is {b} {}", mark(ok)))
            }
            _ => (false, format!("{fact} not given (needs {value}) ✗")),
        },
        Condition::AllOf(all) => {
            let parts: Vec<(bool, String)> = all.iter().map(|x| check(x, facts)).collect();
            let ok = parts.iter().all(|(o, _)| *o);
            let words: Vec<&str> = parts.iter().map(|(_, w)| w.as_str()).collect();
            (ok, format!("({})", words.join(" AND ")))
        }
    }
}
