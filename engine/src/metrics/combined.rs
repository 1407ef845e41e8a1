//! `combined`: one metric measured by several parts of the registered kinds, their units added (`sum`), their
//! customers united (`distinct`), or the best of several options, each with its own points (`best`).

use std::collections::BTreeSet;

use rust_decimal::Decimal;

use super::points::points;
use super::{Context, Measured};
use crate::error::Error;
use crate::explain::join_limited;
use crate::rules::{Combine, Metric, Part};

/// A metric measured by several parts: its points and the text saying how.
pub(crate) fn combined(
    ctx: &Context<'_>,
    m: &Metric,
    combine: Combine,
    parts: &[Part],
) -> Result<(Decimal, String), Error> {
    let measured: Vec<(&Part, Measured)> = parts.iter().map(|p| (p, p.kind.kind().measure(ctx))).collect();
    if combine == Combine::Best {
        let mut options = Vec::new();
        for (part, mm) in &measured {
            let rule = part.points.as_ref().expect("compile gives every option its points");
            let (points, how) = points(ctx, rule, m.max_points, mm, &[])?;
            options.push((part.id.as_str(), points, format!("option {}: {} → {how}", part.id, mm.story)));
        }
        let best = options
            .iter()
            .enumerate()
            .max_by(|(ia, a), (ib, b)| a.1.cmp(&b.1).then(ib.cmp(ia)))
            .map(|(i, _)| i)
            .unwrap_or(0);
        let (name, points, _) = options[best];
        let stories: Vec<&str> = options.iter().map(|o| o.2.as_str()).collect();
        return Ok((points, format!("{}; the best option is {name} ({points} points)", stories.join("; "))));
    }
    let stories: Vec<String> = measured.iter().map(|(p, mm)| format!("{}: {}", p.id, mm.story)).collect();
    let open = measured.iter().any(|(_, mm)| mm.open);
    let part_units: Vec<(String, Decimal)> = measured
        .iter()
        .map(|(p, mm)| (p.id.clone(), if mm.open { mm.units.max(Decimal::ZERO) } else { Decimal::ZERO }))
        .collect();
    let (units, summary) = match combine {
        Combine::Sum => {
            let units = measured.iter().filter(|(_, mm)| mm.open).fold(Decimal::ZERO, |sum, (p, mm)| {
                ctx.checked(sum.checked_add(mm.units), || {
                    format!("usage: sum of the parts' units overflows at part \"{}\"", p.id)
                })
            });
            // A script weighs the parts itself; their plain sum means nothing then.
            let scripted = m.points.as_ref().is_some_and(|p| p.script.is_some());
            (
                units,
                if scripted {
                    "the formula weighs the parts".to_owned()
                } else {
                    format!("together {}", units.normalize())
                },
            )
        }
        _ => {
            let all: BTreeSet<&String> =
                measured.iter().filter_map(|(_, mm)| mm.customers.as_ref()).flatten().collect();
            let names: Vec<&str> = all.iter().map(|s| s.as_str()).collect();
            let summary = format!(
                "{} distinct customers, each counted once{}",
                all.len(),
                if names.is_empty() { String::new() } else { format!(" ({})", join_limited(&names)) }
            );
            (Decimal::from(all.len()), summary)
        }
    };
    let total = Measured { units, customers: None, fixed_points: Decimal::ZERO, open, story: String::new() };
    let rule = m.points.as_ref().expect("compile gives a summed or distinct metric its points");
    let (points, how) = points(ctx, rule, m.max_points, &total, &part_units)?;
    Ok((points, format!("{}; {summary} → {how}", stories.join("; "))))
}
