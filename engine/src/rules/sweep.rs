//! The script sweep: every rhai points formula of a rule set run over a spread of inputs before any partner
//! meets it, so that a formula that divides by zero, overflows, loops or returns something that is not a
//! number of points fails `designate check` instead of every partner it would meet at scoring time.
//!
//! The inputs are what scoring hands a script (see `metrics::points`): `units` (already cut to `max_units`),
//! `max_points`, the rule's `params`, and a summed or distinct metric's part units by part id. `units` (and each
//! part) take zero, one, every number the rule states (its `max_units`, each param, `max_points`), a thousand
//! times each, and a very large count. A result must be a number from 0 to the metric's `max_points`: scoring
//! would cap anything else silently, which hides a formula that does not say what its author meant.

use std::collections::BTreeSet;

use rust_decimal::Decimal;

use super::{Combine, Measurement, PointsRule, RuleSet};
use crate::codes;
use crate::error::Error;

/// Part combinations are tried in full up to this many values per part to the power of the parts; past it,
/// each part takes each value alone, then all parts together (a formula's parts rarely interact otherwise).
const MAX_COMBINATIONS: usize = 4_096;

/// Runs every script of the rule set over the sweep and returns a located problem for each metric whose script
/// fails on some input (the first such input, named in the message), in the order of the rule files.
pub fn sweep_scripts(rules: &RuleSet) -> Vec<Error> {
    let mut problems = Vec::new();
    for d in &rules.designations {
        for path in &d.paths {
            for m in &path.metrics {
                let at = format!("designation \"{}\", path \"{}\", metric \"{}\"", d.id, path.id, m.id);
                let part_ids: Vec<&str> = match &m.measurement {
                    Measurement::Combined { combine: Combine::Sum | Combine::Distinct, parts } => {
                        parts.iter().map(|p| p.id.as_str()).collect()
                    }
                    _ => Vec::new(),
                };
                if let Some(rule) = &m.points {
                    problems.extend(sweep_rule(rule, m.max_points, &part_ids, &at));
                }
                if let Measurement::Combined { combine: Combine::Best, parts } = &m.measurement {
                    for part in parts {
                        if let Some(rule) = &part.points {
                            let at = format!("{at}, option \"{}\"", part.id);
                            problems.extend(sweep_rule(rule, m.max_points, &[], &at));
                        }
                    }
                }
            }
        }
    }
    problems
}

/// The first input of the sweep on which the rule's script fails, as a problem; `None` when it passes (or the
/// rule has no script).
fn sweep_rule(rule: &PointsRule, max_points: Decimal, part_ids: &[&str], at: &str) -> Option<Error> {
    let script = rule.script.as_ref()?;
    let values = sweep_values(rule, max_points);
    for (units, parts) in inputs(&values, part_ids.len()) {
        let units = rule.max_units.map_or(units, |cap| units.min(cap));
        let mut named = vec![("units".to_owned(), units), ("max_points".to_owned(), max_points)];
        named.extend(rule.params.iter().cloned());
        named.extend(part_ids.iter().map(|id| id.to_string()).zip(parts));
        let shown = named.iter().map(|(k, v)| format!("{k} = {}", v.normalize())).collect::<Vec<_>>().join(", ");
        const CONTEXT: &str = "sweep";
        let problem = match script.run(&named, CONTEXT) {
            Err(e) => {
                let what = e.message.strip_suffix(&format!(" ({CONTEXT})")).unwrap_or(&e.message).to_owned();
                Some((e.place, what))
            }
            Ok(p) if p < Decimal::ZERO => Some((place(script), format!("returned {} points, below 0", p.normalize()))),
            Ok(p) if p > max_points => Some((
                place(script),
                format!("returned {} points, more than max_points {}", p.normalize(), max_points.normalize()),
            )),
            Ok(_) => None,
        };
        if let Some((place, what)) = problem {
            return Some(
                Error::new(place, format!("script fails on the sweep for {at} with {shown}: {what}"))
                    .with_hint("every input here can reach the script when a partner is scored: guard the formula (`if units == 0 { 0 } else { ... }`) and keep it within 0 and max_points (`min(max_points, ...)`)")
                    .with_code(codes::SCRIPT_FAILS_ON_SWEEP),
            );
        }
    }
    None
}

fn place(script: &crate::script::Script) -> crate::error::Located {
    crate::error::Located::file(&script.file)
}

/// The values `units` and each part take: zero, one, each number the rule states, a thousand times each, and a
/// very large count, in ascending order.
fn sweep_values(rule: &PointsRule, max_points: Decimal) -> Vec<Decimal> {
    let mut stated: Vec<Decimal> = vec![max_points];
    stated.extend(rule.max_units);
    stated.extend(rule.params.iter().map(|(_, v)| *v).filter(|v| *v > Decimal::ZERO));
    let mut values = BTreeSet::from([Decimal::ZERO, Decimal::ONE, Decimal::from(1_000_000_000_000i64)]);
    for v in stated {
        values.insert(v.normalize());
        if let Some(far) = v.checked_mul(Decimal::from(1_000)) {
            values.insert(far.normalize());
        }
    }
    values.into_iter().collect()
}

/// The inputs of the sweep: `(units, part units)`. Without parts, each value as `units`; with parts, each
/// combination of values (or, past [`MAX_COMBINATIONS`], each part alone and all alike), `units` their sum.
fn inputs(values: &[Decimal], parts: usize) -> Vec<(Decimal, Vec<Decimal>)> {
    if parts == 0 {
        return values.iter().map(|v| (*v, Vec::new())).collect();
    }
    let full = u32::try_from(parts).ok().and_then(|p| values.len().checked_pow(p)).filter(|n| *n <= MAX_COMBINATIONS);
    let combos: Vec<Vec<Decimal>> = match full {
        Some(n) => (0..n)
            .map(|mut i| {
                (0..parts)
                    .map(|_| {
                        let v = values[i % values.len()];
                        i /= values.len();
                        v
                    })
                    .collect()
            })
            .collect(),
        None => {
            let mut out = Vec::new();
            for v in values {
                out.push(vec![*v; parts]);
                for p in 0..parts {
                    let mut one = vec![Decimal::ZERO; parts];
                    one[p] = *v;
                    out.push(one);
                }
            }
            out
        }
    };
    combos
        .into_iter()
        .map(|c| {
            // Scoring sums the parts with overflow checked; a sum no decimal holds never reaches a script.
            let units = c.iter().try_fold(Decimal::ZERO, |s, v| s.checked_add(*v)).unwrap_or(Decimal::MAX);
            (units, c)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_combinations_cover_every_value_of_every_part() {
        let values = [Decimal::ZERO, Decimal::ONE, Decimal::TEN];
        let all = inputs(&values, 2);
        assert_eq!(all.len(), 9);
        assert!(all.contains(&(Decimal::from(11), vec![Decimal::ONE, Decimal::TEN])));
        assert!(all.contains(&(Decimal::ZERO, vec![Decimal::ZERO, Decimal::ZERO])));
        let many = inputs(&values, 20);
        assert!(many.contains(&(Decimal::TEN, {
            let mut one = vec![Decimal::ZERO; 20];
            one[19] = Decimal::TEN;
            one
        })));
    }
}
