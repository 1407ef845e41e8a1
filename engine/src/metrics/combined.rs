//! `combined`: one metric measured by several parts of the registered kinds, their units added (`sum`), their
//! customers united (`distinct`), or the best of several options, each with its own points (`best`).

use std::collections::BTreeSet;

use rust_decimal::Decimal;

use super::points::{self, points};
use super::{Context, Measured};
use crate::error::Error;
use crate::evidence::{Evidence, Item, ItemType, PartEvidence};
use crate::explain::join_limited;
use crate::rules::{Combine, Metric, Part};

/// The kind combined metrics' evidence names.
pub(crate) const NAME: &str = super::COMBINED;

/// The reasons a combined metric's own items give (its parts give their kinds').
pub(crate) const REASONS: &[&str] = &["counted-by-a-part"];

/// Measures a metric of several parts: the evidence of each part and of how the parts made one result, with
/// the points (for `best`, the best option's).
pub(crate) fn measure(ctx: &Context<'_>, m: &Metric, combine: Combine, parts: &[Part]) -> Result<Evidence, Error> {
    let measured: Vec<(&Part, Measured)> = parts.iter().map(|p| (p, p.kind.kind().measure(ctx))).collect();
    let mut ev = Evidence::of(NAME);
    if combine == Combine::Best {
        for (part, mm) in measured {
            let rule = part.points.as_ref().expect("compile gives every option its points");
            let pe = points(ctx, rule, m.max_points, &mm, &[])?;
            let mut evidence = mm.evidence;
            evidence.points = Some(pe);
            ev.parts.push(PartEvidence { id: part.id.clone(), units: open_units(mm.units, mm.open), evidence });
        }
        let best = best_option(&ev);
        ev.points = ev.parts.get(best).and_then(|p| p.evidence.points.clone());
        return Ok(ev);
    }
    let open = measured.iter().any(|(_, mm)| mm.open);
    let part_units: Vec<(&str, Decimal)> =
        measured.iter().map(|(p, mm)| (p.id.as_str(), open_units(mm.units, mm.open))).collect();
    let units = match combine {
        Combine::Sum => measured.iter().filter(|(_, mm)| mm.open).fold(Decimal::ZERO, |sum, (p, mm)| {
            ctx.checked(sum.checked_add(mm.units), || {
                format!("usage: sum of the parts' units overflows at part \"{}\"", p.id)
            })
        }),
        _ => {
            let all: BTreeSet<&str> =
                measured.iter().filter_map(|(_, mm)| mm.customers.as_ref()).flatten().copied().collect();
            // A month of the window keeps no items: only the count of customers matters then.
            if !ctx.brief {
                ev.items = all.iter().map(|c| Item::new(ItemType::Customer, *c, true, REASONS[0])).collect();
            }
            Decimal::from(all.len())
        }
    };
    ev.figure("units", units, None::<&str>, None);
    let total = Measured { units, customers: None, fixed_points: Decimal::ZERO, open, evidence: Evidence::default() };
    let rule = m.points.as_ref().expect("compile gives a summed or distinct metric its points");
    ev.points = Some(points(ctx, rule, m.max_points, &total, &part_units)?);
    for ((part, mm), (_, units)) in measured.into_iter().zip(part_units) {
        ev.parts.push(PartEvidence { id: part.id.clone(), units, evidence: mm.evidence });
    }
    Ok(ev)
}

/// The units a part contributes: none when its gate closed, never fewer than none.
fn open_units(units: Decimal, open: bool) -> Decimal {
    if open {
        units.max(Decimal::ZERO)
    } else {
        Decimal::ZERO
    }
}

/// The index of the best option: the most points, the first of equals.
fn best_option(ev: &Evidence) -> usize {
    let points = |p: &PartEvidence| p.evidence.points.as_ref().map_or(Decimal::ZERO, |pe| pe.points);
    ev.parts
        .iter()
        .enumerate()
        .max_by(|(ia, a), (ib, b)| points(a).cmp(&points(b)).then(ib.cmp(ia)))
        .map(|(i, _)| i)
        .unwrap_or(0)
}

/// A combined metric's explanation, from its evidence: each part's (or option's) story, then how they made one.
pub(crate) fn explain(ctx: &Context<'_>, m: &Metric, combine: Combine, parts: &[Part], ev: &Evidence) -> String {
    let story = |part: &Part, pe: &PartEvidence| part.kind.kind().explain(&pe.evidence, ctx);
    if combine == Combine::Best {
        let options: Vec<String> = parts
            .iter()
            .zip(&ev.parts)
            .map(|(part, pe)| {
                let how = pe.evidence.points.as_ref().map(|p| points::explain(p, m.max_points)).unwrap_or_default();
                format!("option {}: {} → {how}", part.id, story(part, pe))
            })
            .collect();
        let best = &ev.parts[best_option(ev)];
        let best_points = best.evidence.points.as_ref().map_or(Decimal::ZERO, |p| p.points);
        return format!("{}; the best option is {} ({best_points} points)", options.join("; "), best.id);
    }
    let stories: Vec<String> =
        parts.iter().zip(&ev.parts).map(|(part, pe)| format!("{}: {}", part.id, story(part, pe))).collect();
    let units = ev.figure_value("units").unwrap_or_default();
    let summary = match combine {
        // A script weighs the parts itself; their plain sum means nothing then.
        Combine::Sum if m.points.as_ref().is_some_and(|p| p.script.is_some()) => {
            "the formula weighs the parts".to_owned()
        }
        Combine::Sum => format!("together {}", units.normalize()),
        _ => {
            let names: Vec<&str> = ev.items.iter().map(|i| i.id.as_str()).collect();
            format!(
                "{} distinct customers, each counted once{}",
                names.len(),
                if names.is_empty() { String::new() } else { format!(" ({})", join_limited(&names)) }
            )
        }
    };
    let how = ev.points.as_ref().map(|p| points::explain(p, m.max_points)).unwrap_or_default();
    format!("{}; {summary} → {how}", stories.join("; "))
}
