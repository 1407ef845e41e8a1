//! What the kinds' gap additions share: the shape of a usage row a selection would count, a product's name as
//! people write it, and a person meeting a certification requirement.

use std::collections::BTreeSet;

use rust_decimal::Decimal;

use crate::explain::amount;
use crate::gap::{Addition, Row};
use crate::partner::{Association, Measure, Partner};
use crate::rules::{CertRequirement, CustomerFilter, RuleSet};
use crate::value::Month;

/// A product a selection counts, and the measure and association of a row that it would select, with the
/// multiplier (rate) its value carries.
pub(crate) type Shape = (String, Measure, Association, Decimal);

/// The shape of a row selection `sel` counts, avoiding the products of `avoid` when it can.
pub(crate) fn row_shape(rules: &RuleSet, p: &Partner, sel: usize, avoid: &BTreeSet<String>) -> Shape {
    let s = &rules.selections[sel];
    let association = match &s.associations {
        Some(list) if !list.contains(&Association::Pal) => list.first().copied().unwrap_or(Association::Pal),
        _ => Association::Pal,
    };
    if let Some(rate) = s.rates.first() {
        let product = rate.products.iter().next().cloned().unwrap_or_default();
        return (display(rules, p, &product), rate.measure, association, rate.rate);
    }
    let measure = s.measure.unwrap_or(Measure::AcrUsd);
    let product = match &s.products {
        Some(list) => {
            list.iter().find(|x| !avoid.contains(*x)).or_else(|| list.iter().next()).cloned().unwrap_or_default()
        }
        None => {
            // Any product counts: reuse one the partner has, unless it is to be avoided.
            let used: BTreeSet<&str> = p.usage.iter().map(|r| &*r.product_key).collect();
            used.iter()
                .find(|x| !avoid.contains(**x) && !s.exclude_products.contains(**x))
                .map(|x| x.to_string())
                .unwrap_or_else(|| "another service".to_owned())
        }
    };
    (display(rules, p, &product), measure, association, Decimal::ONE)
}

/// The product's name as the partner writes it, or as the rules write it.
pub(crate) fn display(rules: &RuleSet, p: &Partner, key: &str) -> String {
    if let Some(name) = rules.selections.iter().find_map(|s| s.product_names.get(key)) {
        return p.usage.iter().find(|r| *r.product_key == *key).map_or_else(|| name.clone(), |r| r.product.to_string());
    }
    p.usage.iter().find(|r| *r.product_key == *key).map(|r| r.product.to_string()).unwrap_or_else(|| {
        key.split(' ')
            .map(|w| {
                let mut c = w.chars();
                c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join(" ")
    })
}

/// A row of `shape` in `month` worth `value` in the selection: the row's own value is `value` over the rate,
/// rounded up to a whole number, at least 1.
pub(crate) fn row(month: Month, shape: &Shape, value: Decimal) -> Row {
    Row {
        month,
        product: shape.0.clone(),
        measure: shape.1,
        value: value.checked_div(shape.3).unwrap_or(value).ceil().max(Decimal::ONE),
        association: shape.2,
    }
}

/// A row's value in the partner file's own units, in words: `USD 500`, `25 active users`. Descriptions of
/// additions use it rather than the selection's value, which for a selection weighted by rates is in units no
/// partner file has (`5,000 bizapps-mcv`).
pub(crate) fn in_file_units(row: &Row) -> String {
    amount(row.value, row.measure).replace('_', " ")
}

/// `more` of a row's measure, in words: `USD 500 more`, `44 more active users`.
pub(crate) fn more_in_file_units(row: &Row) -> String {
    if row.measure.is_money() {
        format!("{} more", in_file_units(row))
    } else {
        format!("{} more {}", crate::explain::grouped(row.value), row.measure.name().replace('_', " "))
    }
}

/// Rows that make a new customer pass a customer filter in `month`.
pub(crate) fn filter_rows(rules: &RuleSet, p: &Partner, f: &CustomerFilter, month: Month) -> Vec<Row> {
    let shape = row_shape(rules, p, f.selection, &BTreeSet::new());
    let v = f.lower_bound().unwrap_or(Decimal::ONE).max(f.at_most.map_or(Decimal::ONE, |m| m.min(Decimal::ONE)));
    // Above an exclusive bound with a fraction (more_than 0.5, at_most 0.9) the whole number may overshoot.
    let v = f.at_most.map_or(v, |max| v.min(max));
    vec![row(month, &shape, v)]
}

/// A person holding what a requirement asks: every certification of `all_of` and the first of `any_of`.
pub(crate) fn requirement_person(rules: &RuleSet, r: &CertRequirement) -> (Addition, String) {
    let cat = &rules.catalogue;
    let mut certs: Vec<String> = r.all_of.iter().map(|i| cat.certifications[*i].code.clone()).collect();
    certs.extend(r.any_of.first().map(|i| cat.certifications[*i].code.clone()));
    let words: Vec<String> = r
        .all_of
        .iter()
        .chain(r.any_of.first())
        .map(|i| format!("{} ({})", cat.certifications[*i].code, cat.certifications[*i].name))
        .collect();
    (Addition::Person { certifications: certs }, format!("1 more person with {}", words.join(" and ")))
}
