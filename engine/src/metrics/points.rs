//! The points rule: how a metric's measured units become points (per unit or by script, after `max_units`,
//! rounded, plus prerequisite points, capped at the metric's maximum).

use rust_decimal::{Decimal, RoundingStrategy};

use super::{Context, Measured};
use crate::error::Error;
use crate::rules::PointsRule;

/// Turns measured units into points by a points rule, capped at `max_points`; the text says each step.
/// `parts` are a combined metric's part units, which a script sees by the parts' ids.
pub(crate) fn points(
    ctx: &Context<'_>,
    rule: &PointsRule,
    max_points: Decimal,
    measured: &Measured,
    parts: &[(String, Decimal)],
) -> Result<(Decimal, String), Error> {
    let mut units = measured.units.max(Decimal::ZERO);
    if !measured.open {
        units = Decimal::ZERO;
    }
    let mut parts_text = Vec::new();
    if let Some(max) = rule.max_units {
        if units > max {
            parts_text.push(format!("{} units, at most {} count", units.normalize(), max.normalize()));
            units = max;
        }
    }
    let mut earned = match (&rule.script, rule.per_unit) {
        (Some(script), _) => {
            let mut inputs = vec![("units".to_owned(), units), ("max_points".to_owned(), max_points)];
            inputs.extend(rule.params.iter().cloned());
            inputs.extend(parts.iter().cloned());
            let p = script.run(&inputs, &format!("scoring partner \"{}\"", ctx.partner.id))?;
            let name = script.file.rsplit(['/', '\\']).next().unwrap_or(&script.file).to_owned();
            let shown: Vec<String> = inputs
                .iter()
                .filter(|(k, _)| k != "max_points" && (parts.is_empty() || k != "units"))
                .map(|(k, v)| format!("{k} = {}", v.normalize()))
                .collect();
            parts_text.push(format!("{name} with {} gives {}", shown.join(", "), p.normalize()));
            p
        }
        (None, Some(per)) => {
            let p = ctx.checked(units.checked_mul(per), || {
                format!("usage: {} units × {} points overflows", units.normalize(), per.normalize())
            });
            parts_text.push(format!("{} × {} = {}", units.normalize(), per.normalize(), p.normalize()));
            p
        }
        (None, None) => Decimal::ZERO,
    };
    if let Some(places) = rule.round_places {
        let rounded = earned.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero);
        if rounded != earned {
            parts_text.push(format!("rounded to {}", rounded.normalize()));
        }
        earned = rounded;
    }
    if !measured.fixed_points.is_zero() {
        parts_text.push(format!("plus {} prerequisite points", measured.fixed_points.normalize()));
        earned = ctx.checked(earned.checked_add(measured.fixed_points), || {
            format!(
                "usage: {} points plus {} prerequisite points overflows",
                earned.normalize(),
                measured.fixed_points.normalize()
            )
        });
    }
    if earned > max_points {
        parts_text.push(format!("capped at {}", max_points.normalize()));
        earned = max_points;
    }
    let earned = earned.max(Decimal::ZERO).normalize();
    Ok((earned, format!("{} ({} points)", parts_text.join(", "), earned)))
}
