//! The points rule: how a metric's measured units become points (per unit or by script, after `max_units`,
//! rounded, plus prerequisite points, capped at the metric's maximum), recorded as [`PointsEvidence`] and
//! read back as the explanation's `→ ...` part.

use rust_decimal::{Decimal, RoundingStrategy};

use super::{Context, Measured};
use crate::error::Error;
use crate::evidence::{Figure, Number, PointsEvidence};
use crate::rules::PointsRule;

/// Turns measured units into points by a points rule, capped at `max_points`, with the evidence of each step.
/// `parts` are a combined metric's part units, which a script sees by the parts' ids.
pub(crate) fn points(
    ctx: &Context<'_>,
    rule: &PointsRule,
    max_points: Decimal,
    measured: &Measured<'_>,
    parts: &[(&str, Decimal)],
) -> Result<PointsEvidence, Error> {
    let mut units = measured.units.max(Decimal::ZERO);
    if !measured.open {
        units = Decimal::ZERO;
    }
    let mut pe = PointsEvidence { units, per_unit: rule.per_unit.map(Number), ..PointsEvidence::default() };
    if let Some(max) = rule.max_units {
        units = units.min(max);
    }
    pe.units_counted = units;
    let mut earned = match (&rule.script, rule.per_unit) {
        (Some(script), _) => {
            // The names borrowed, not copied: a month of the window usually finds the result cached (issue 15).
            let mut inputs: Vec<(&str, Decimal)> = Vec::with_capacity(2 + rule.params.len() + parts.len());
            inputs.extend([("units", units), ("max_points", max_points)]);
            inputs.extend(rule.params.iter().map(|(k, v)| (k.as_str(), *v)));
            inputs.extend(parts.iter().copied());
            let p = ctx.run_script(script, &inputs)?;
            // A month of the window keeps only the points: the script's name and inputs are for the explanation.
            if ctx.brief {
                p
            } else {
                pe.script = Some(script.file.rsplit(['/', '\\']).next().unwrap_or(&script.file).to_owned());
                // What the explanation shows: not `max_points`, and not `units` when the parts' units are shown.
                pe.inputs = inputs
                    .into_iter()
                    .filter(|(k, _)| *k != "max_points" && (parts.is_empty() || *k != "units"))
                    .map(|(name, value)| Figure { name: name.to_owned().into(), value, unit: None, month: None })
                    .collect();
                p
            }
        }
        (None, Some(per)) => ctx.checked(units.checked_mul(per), || {
            format!("usage: {} units × {} points overflows", units.normalize(), per.normalize())
        }),
        (None, None) => Decimal::ZERO,
    };
    pe.earned = earned;
    if let Some(places) = rule.round_places {
        earned = earned.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero);
        pe.rounded = Some(Number(earned));
    }
    if !measured.fixed_points.is_zero() {
        pe.prerequisite_points = Some(Number(measured.fixed_points));
        earned = ctx.checked(earned.checked_add(measured.fixed_points), || {
            format!(
                "usage: {} points plus {} prerequisite points overflows",
                earned.normalize(),
                measured.fixed_points.normalize()
            )
        });
    }
    if earned > max_points {
        pe.capped = true;
        earned = max_points;
    }
    pe.points = earned.max(Decimal::ZERO).normalize();
    Ok(pe)
}

/// How the units became points, in words: `58 units, at most 20 count, 20 × 1 = 20 (20 points)`.
pub(crate) fn explain(pe: &PointsEvidence, max_points: Decimal) -> String {
    let mut steps = Vec::new();
    if pe.units_counted < pe.units {
        steps.push(format!("{} units, at most {} count", pe.units.normalize(), pe.units_counted.normalize()));
    }
    match (&pe.script, pe.per_unit) {
        (Some(name), _) => {
            let shown: Vec<String> =
                pe.inputs.iter().map(|f| format!("{} = {}", f.name, f.value.normalize())).collect();
            steps.push(format!("{name} with {} gives {}", shown.join(", "), pe.earned.normalize()));
        }
        (None, Some(per)) => {
            steps.push(format!("{} × {} = {}", pe.units_counted.normalize(), per.0.normalize(), pe.earned.normalize()))
        }
        (None, None) => {}
    }
    if let Some(rounded) = pe.rounded.filter(|r| r.0 != pe.earned) {
        steps.push(format!("rounded to {}", rounded.0.normalize()));
    }
    if let Some(fixed) = pe.prerequisite_points {
        steps.push(format!("plus {} prerequisite points", fixed.0.normalize()));
    }
    if pe.capped {
        steps.push(format!("capped at {}", max_points.normalize()));
    }
    format!("{} ({} points)", steps.join(", "), pe.points)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::Evidence;
    use crate::metrics::testing::{all_of, partner_with, rules_with};
    use crate::partner::Measure;

    fn rule(per_unit: &str, max_units: Option<&str>, round_places: Option<u32>) -> PointsRule {
        PointsRule {
            per_unit: Some(per_unit.parse().unwrap()),
            max_units: max_units.map(|m| m.parse().unwrap()),
            round_places,
            script: None,
            params: Vec::new(),
        }
    }

    fn measured(units: i64, fixed: i64, open: bool) -> Measured<'static> {
        Measured {
            units: Decimal::from(units),
            customers: None,
            fixed_points: Decimal::from(fixed),
            open,
            evidence: Evidence::default(),
        }
    }

    /// Units into points and the words for it, under an empty partner.
    fn run(rule: &PointsRule, max: i64, m: &Measured<'_>) -> (String, String) {
        let (rules, partner) = (rules_with(all_of(Measure::AcrUsd)), partner_with(&[]));
        let pe = points(&Context::new(&rules, &partner), rule, Decimal::from(max), m, &[]).unwrap();
        (pe.points.to_string(), explain(&pe, Decimal::from(max)))
    }

    /// Issue 12: exactly half-way rounds away from zero (a rounding mode that rounds half to even gives 2.4).
    #[test]
    fn round_places_rounds_a_half_away_from_zero() {
        let (points, words) = run(&rule("0.05", None, Some(1)), 10, &measured(49, 0, true));
        assert_eq!(points, "2.5");
        assert_eq!(words, "49 × 0.05 = 2.45, rounded to 2.5 (2.5 points)");
    }

    /// Issue 12: prerequisite points are added after the units' points and the sum is capped at the metric's
    /// maximum, also when no `max_units` bounds the units.
    #[test]
    fn prerequisite_points_are_capped_without_max_units() {
        let (points, words) = run(&rule("5", None, None), 20, &measured(3, 10, true));
        assert_eq!(points, "20");
        assert_eq!(words, "3 × 5 = 15, plus 10 prerequisite points, capped at 20 (20 points)");
    }

    /// `max_units` binds before the points are computed; a closed gate and negative units earn nothing.
    #[test]
    fn max_units_bind_and_closed_gates_earn_nothing() {
        assert_eq!(
            run(&rule("2", Some("5"), None), 10, &measured(8, 0, true)).1,
            "8 units, at most 5 count, 5 × 2 = 10 (10 points)"
        );
        assert_eq!(run(&rule("2", Some("5"), None), 10, &measured(8, 0, false)).0, "0");
        assert_eq!(run(&rule("2", Some("5"), None), 10, &measured(-3, 0, true)).0, "0");
    }
}
