//! Evidence: what a metric counted, what it did not and why, as data.
//!
//! Every metric kind fills one [`Evidence`] while it measures a partner; the English explanation of a metric
//! is rendered from it, and `compare`, `gap`, `diff` and the HTML report read it instead of re-parsing prose.
//! The shape is the same for every kind, so a consumer (an auditor's diff, a notebook) needs no per-kind code:
//! a kind says what it looked at in `items` (customers, people, products, ...), the numbers it computed in
//! `figures`, the gates it checked in `checks`, and how its units became points in `points`.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::BTreeMap;

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::report::{decimal, number};
use crate::value::Month;

/// What one metric (or one part of a combined metric) counted, and how its units became points.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Evidence {
    /// The metric kind that measured (`customer-adds`, ..., or `combined`).
    // The registry's name, borrowed (issue 15: not a copy per metric and month); the doc comment is the schema's.
    pub kind: Cow<'static, str>,
    /// Numbers the kind computed, in the order it computed them (a baseline, a growth, a trailing total).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub figures: Vec<Figure>,
    /// Gates the kind checked; a gate that failed closes the metric (its units earn nothing).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Check>,
    /// What the kind looked at, counted or not, each with the reason.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<Item>,
    /// The parts of a combined metric, each with its own evidence.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<PartEvidence>,
    /// How the units became points; absent for a part whose units the combined metric turns into points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<PointsEvidence>,
    /// Months the metric read that the partner's data does not hold (its `coverage`), by measure: the metric
    /// was scored from the data there is, and these months were missing, not zero. Absent for a complete file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<Missing>,
}

/// The months of one measure a metric read that the partner's data does not hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Missing {
    /// The measure of the partner file (`acr_usd`, `protected_users`).
    pub measure: String,
    /// The months read and missing (`2024-05`), in order.
    pub months: Vec<String>,
    /// True when the data holds none of the measure (`coverage` does not list it).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not_in_data: bool,
}

/// A named number a kind computed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Figure {
    /// A stable, kebab-case name (`baseline`, `now`, `growth-percent`, `ttm-total`).
    // The kind's own words or a script input's name, borrowed where they are static (issue 15: not two copies per
    // figure, metric and month); the doc comment above is the schema's.
    pub name: Cow<'static, str>,
    #[serde(serialize_with = "number", deserialize_with = "decimal")]
    #[schemars(with = "crate::report::ExactNumber")]
    pub value: Decimal,
    /// The unit of the value: a measure of the partner file (`acr_usd`, `active_users`), a selection's name,
    /// `percent`, `customers`, `products` or `people`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<Cow<'static, str>>,
    /// The month the value is of, when it is of one month.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub month: Option<String>,
}

/// A gate a kind checked (a minimum trailing total, a minimum baseline).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Check {
    /// A stable, kebab-case name (`min-ttm-total`, `min-baseline`).
    pub name: String,
    pub passed: bool,
    /// The value checked and the bar, in words.
    pub detail: String,
}

crate::vocabulary::vocabulary! {
    /// What an item is.
    ItemType as "ItemType" {
        /// A customer of the partner (by the partner file's customer id).
        Customer = "customer",
        /// One product of one customer (`customer / product`).
        CustomerProduct = "customer-product",
        /// A product (service, workload) of the usage rows.
        Product = "product",
        /// A person of the partner (by the partner file's person id or name).
        Person = "person",
        /// A prerequisite step of a certified-people metric.
        Step = "step",
    }
}

/// One thing a kind looked at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Item {
    #[serde(rename = "type")]
    pub item_type: ItemType,
    /// The id as the partner file writes it (a customer id, a product name, a person's id); a customer
    /// product is `customer / Product`.
    pub id: String,
    /// The customer of a customer-product item, so that readers need not split the id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    /// True when it added to the units (or, for a step, when the step is met).
    pub counted: bool,
    /// A stable, kebab-case reason (`added`, `lost`, `not-reached`, `not-eligible`, ...; docs/rules.md lists
    /// every kind's reasons).
    // A kind's reasons are its registry's words, borrowed (issue 15: not a copy per item).
    pub reason: Cow<'static, str>,
    /// The month the decision turned on (the month a customer crossed, a monthly transition's month).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub month: Option<String>,
    /// The monthly values the decision read, by month (`2024-05`).
    #[serde(default, skip_serializing_if = "Months::is_empty")]
    #[schemars(with = "BTreeMap<String, crate::report::ExactNumber>")]
    pub months: Months,
    /// The certifications of a person, each counted or not, and why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub certifications: Vec<CertificationEvidence>,
    /// How much it added to the units, when not exactly one (a product weighted by a rate, a step's points).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<crate::report::ExactNumber>")]
    pub value: Option<Number>,
}

/// A certification of a person, as a certified-people metric judged it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CertificationEvidence {
    /// As the partner file writes it.
    pub name: String,
    /// The catalogue code it resolved to, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    pub counted: bool,
    /// `counts`, `expired`, `retired`, `earned-after-as-of` (a metric lists only the certifications it asks for).
    pub reason: Cow<'static, str>,
    /// The date behind the reason: when it was earned (`earned-after-as-of`), expired, or was eligible through
    /// (`retired`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

/// One part of a combined metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PartEvidence {
    pub id: String,
    /// The units the part measured (after its gates).
    #[serde(serialize_with = "number", deserialize_with = "decimal")]
    #[schemars(with = "crate::report::ExactNumber")]
    pub units: Decimal,
    pub evidence: Evidence,
}

/// How units became points: units before and after `max_units`, the rule, rounding, prerequisite points, the
/// cap at the metric's maximum.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PointsEvidence {
    /// Units measured (negative growth counts as 0).
    #[serde(serialize_with = "number", deserialize_with = "decimal")]
    #[schemars(with = "crate::report::ExactNumber")]
    pub units: Decimal,
    /// Units that earn points, after `max_units`.
    #[serde(serialize_with = "number", deserialize_with = "decimal")]
    #[schemars(with = "crate::report::ExactNumber")]
    pub units_counted: Decimal,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<crate::report::ExactNumber>")]
    pub per_unit: Option<Number>,
    /// The script's file name, when a script computed the points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub script: Option<String>,
    /// The values the script was handed and shown: `units` (or each part's units), then its `params`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inputs: Vec<Figure>,
    /// Points from the units, before rounding.
    #[serde(serialize_with = "number", deserialize_with = "decimal")]
    #[schemars(with = "crate::report::ExactNumber")]
    pub earned: Decimal,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<crate::report::ExactNumber>")]
    pub rounded: Option<Number>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<crate::report::ExactNumber>")]
    pub prerequisite_points: Option<Number>,
    /// True when the points were capped at the metric's maximum.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub capped: bool,
    /// The metric's (or option's) points.
    #[serde(serialize_with = "number", deserialize_with = "decimal")]
    #[schemars(with = "crate::report::ExactNumber")]
    pub points: Decimal,
}

/// An exact decimal that serializes as a JSON number, for maps and options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Number(pub Decimal);

impl Serialize for Number {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        number(&self.0, s)
    }
}

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        decimal(d).map(Number)
    }
}

impl Evidence {
    /// Evidence of `kind` with nothing recorded yet.
    pub fn of(kind: impl Into<Cow<'static, str>>) -> Evidence {
        Evidence { kind: kind.into(), ..Evidence::default() }
    }

    /// Adds a figure: a static name (the kind's own word), a unit borrowed when it is static (`"customers"`, a
    /// measure's name) or owned (a selection's name).
    pub fn figure<U: Into<Cow<'static, str>>>(
        &mut self,
        name: &'static str,
        value: Decimal,
        unit: Option<U>,
        month: Option<String>,
    ) {
        self.figures.push(Figure { name: Cow::Borrowed(name), value, unit: unit.map(Into::into), month });
    }

    /// The figure called `name`, if the kind computed it.
    pub fn figure_value(&self, name: &str) -> Option<Decimal> {
        self.figures.iter().find(|f| f.name == name).map(|f| f.value)
    }

    /// Items counted, in the order the kind recorded them.
    pub fn counted(&self) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(|i| i.counted)
    }

    /// Every item of this evidence and its parts as `type id: counted|not counted (reason)` keys, for diffs:
    /// an item whose key appears or disappears between two reports changed.
    pub fn item_keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self
            .items
            .iter()
            .map(|i| {
                let state = if i.counted { "counted" } else { "not counted" };
                format!("{} {}: {state} ({})", i.item_type, i.id, i.reason)
            })
            .collect();
        for p in &self.parts {
            keys.extend(p.evidence.item_keys().into_iter().map(|k| format!("{}: {k}", p.id)));
        }
        keys
    }
}

impl Item {
    /// An item with nothing but its type, id, whether it counted and why.
    pub fn new(
        item_type: ItemType,
        id: impl Into<String>,
        counted: bool,
        reason: impl Into<Cow<'static, str>>,
    ) -> Item {
        Item {
            item_type,
            id: id.into(),
            customer: None,
            counted,
            reason: reason.into(),
            month: None,
            months: Months::default(),
            certifications: Vec::new(),
            value: None,
        }
    }

    /// The value read for `month`, zero when none was.
    pub fn value_in(&self, month: Month) -> Decimal {
        self.months.get(month).map_or(Decimal::ZERO, |n| n.0)
    }
}

/// The monthly values of an [`Item`], by month: written and read exactly as a map from the month's text
/// (`2024-05`) to its value, in the order of that text, as the `BTreeMap<String, Number>` it replaces was.
///
/// Issue 15: the map cost a `String` per month of every item and a tree per item (a tenth of scoring a
/// partner's as_of); the months are kept as [`Month`]s in one vector and written as text only when serialized.
/// A key that is not a month's text (a report edited by hand) is kept as its text, so reading a report back
/// and writing it again gives the same bytes as before.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Months(Vec<(MonthKey, Number)>);

/// A key of [`Months`]: a month, or text no month writes.
#[derive(Debug, Clone, PartialEq)]
enum MonthKey {
    Month(Month),
    Text(Box<str>),
}

impl MonthKey {
    /// The key from its text: a month when the text is exactly how that month is written.
    fn parse(text: &str) -> MonthKey {
        match month_from_text(text) {
            Some(m) => MonthKey::Month(m),
            None => MonthKey::Text(text.into()),
        }
    }

    /// The key's text, written into `buf` for the months of four-digit years (every month a partner reads).
    fn text<'a>(&'a self, buf: &'a mut [u8; 7]) -> Cow<'a, str> {
        match self {
            MonthKey::Month(m) => match m.write_text(buf) {
                Some(text) => Cow::Borrowed(text),
                None => Cow::Owned(m.to_string()),
            },
            MonthKey::Text(t) => Cow::Borrowed(t),
        }
    }

    /// The order of the keys' texts (the map's order): the months' own order when both are of four-digit years.
    fn cmp_text(&self, other: &MonthKey) -> Ordering {
        match (self, other) {
            (MonthKey::Month(a), MonthKey::Month(b)) if a.four_digit_year() && b.four_digit_year() => a.cmp(b),
            _ => self.text(&mut [0; 7]).cmp(&other.text(&mut [0; 7])),
        }
    }
}

/// The month whose text is exactly `text` (`2024-05`; `-001-12` for a year before 0), if any.
fn month_from_text(text: &str) -> Option<Month> {
    let (y, n) = text.rsplit_once('-')?;
    // Years a month count holds without overflow only: no month is written with more digits.
    let year: i32 = y.parse().ok().filter(|y: &i32| y.unsigned_abs() < 100_000_000)?;
    let month = Month::new(year, n.parse().ok()?)?;
    (month.to_string() == text).then_some(month)
}

impl Months {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The value of `month`, if one was read.
    pub fn get(&self, month: Month) -> Option<&Number> {
        self.0.iter().find(|(k, _)| *k == MonthKey::Month(month)).map(|(_, v)| v)
    }

    /// The value whose key is written `text` (`2024-05`), if one was read.
    pub fn get_text(&self, text: &str) -> Option<&Number> {
        let mut buf = [0u8; 7];
        self.0.iter().find(|(k, _)| k.text(&mut buf) == text).map(|(_, v)| v)
    }

    /// The months and values, in the order they are written (the months' order, for four-digit years). A key
    /// that is no month's text (only in a report edited by hand) is left out.
    pub fn iter(&self) -> impl Iterator<Item = (Month, &Number)> + '_ {
        self.0.iter().filter_map(|(k, v)| match k {
            MonthKey::Month(m) => Some((*m, v)),
            MonthKey::Text(_) => None,
        })
    }

    /// The entries in the map's order, one per key, the last value given for a key kept (as a map's insert keeps it).
    fn from_keys(mut entries: Vec<(MonthKey, Number)>) -> Months {
        // Already in order and without repeats (the months a kind reads, in order): nothing to do.
        if entries.windows(2).all(|w| w[0].0.cmp_text(&w[1].0) == Ordering::Less) {
            return Months(entries);
        }
        entries.sort_by(|a, b| a.0.cmp_text(&b.0));
        let mut out: Vec<(MonthKey, Number)> = Vec::with_capacity(entries.len());
        for (k, v) in entries {
            match out.last_mut() {
                Some(last) if last.0.cmp_text(&k) == Ordering::Equal => last.1 = v,
                _ => out.push((k, v)),
            }
        }
        Months(out)
    }
}

impl FromIterator<(Month, Number)> for Months {
    fn from_iter<I: IntoIterator<Item = (Month, Number)>>(iter: I) -> Months {
        Months::from_keys(iter.into_iter().map(|(m, v)| (MonthKey::Month(m), v)).collect())
    }
}

impl From<BTreeMap<String, Number>> for Months {
    fn from(map: BTreeMap<String, Number>) -> Months {
        Months::from_keys(map.into_iter().map(|(k, v)| (MonthKey::parse(&k), v)).collect())
    }
}

impl Serialize for Months {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        let mut buf = [0u8; 7];
        for (k, v) in &self.0 {
            map.serialize_entry(k.text(&mut buf).as_ref(), v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Months {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Read as the map of text it is written as, so that every reader sees what it saw before.
        BTreeMap::<String, Number>::deserialize(d).map(Months::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The map the months were before issue 15, from the same entries.
    fn old_map(entries: &[(Month, &str)]) -> BTreeMap<String, Number> {
        entries.iter().map(|(m, v)| (m.to_string(), Number(v.parse().unwrap()))).collect()
    }

    fn months(entries: &[(Month, &str)]) -> Months {
        entries.iter().map(|(m, v)| (*m, Number(v.parse().unwrap()))).collect()
    }

    // issue 15: an item's months are kept as `Month`s in a vector, not a map of text; they must be written and read
    // back exactly as the map was: in the order of the months' text (which, for years before 0, is not the months'
    // order), one entry per month (the last value given kept), values as exact numbers with their trailing zeros
    // dropped as before, an empty map left out of the item, and a key no month writes kept as it was.
    #[test]
    fn item_months_are_written_and_read_as_the_map_of_text_was() {
        let m = |s: &str| -> Month {
            let (y, n) = s.rsplit_once('-').unwrap();
            Month::new(y.parse().unwrap(), n.parse().unwrap()).unwrap()
        };
        let cases: Vec<Vec<(Month, &str)>> = vec![
            vec![],
            vec![(m("2024-05"), "1200.50"), (m("2024-06"), "0.00"), (m("2023-06"), "7")],
            // Years before 0 and after 9999: their text sorts otherwise than the months do.
            vec![(m("-2-12"), "1"), (m("-1-01"), "2"), (m("0-01"), "3"), (m("10000-01"), "4"), (m("9999-12"), "5")],
            // A month given twice keeps its last value, as a map's insert did.
            vec![(m("2024-06"), "1"), (m("2024-05"), "2"), (m("2024-06"), "3.10")],
        ];
        for entries in &cases {
            let (new, old) = (months(entries), old_map(entries));
            let json = serde_json::to_string(&new).unwrap();
            assert_eq!(json, serde_json::to_string(&old).unwrap(), "{entries:?}");
            let back: Months = serde_json::from_str(&json).unwrap();
            assert_eq!(serde_json::to_string(&back).unwrap(), json);
            assert_eq!(back, new);
            let yaml_back: Months = serde_saphyr::from_str(&json).unwrap();
            assert_eq!(yaml_back, new, "read back as YAML");
            for (month, _) in entries {
                let last = entries.iter().rev().find(|(x, _)| x == month).map(|(_, v)| v.parse::<Decimal>().unwrap());
                assert_eq!(new.get(*month).map(|n| n.0), last, "{month}");
                assert_eq!(old.get(&month.to_string()).map(|n| n.0), last, "{month}");
            }
        }
        // Keys no month writes (a report edited by hand) are kept as written, in the map's order.
        let edited = r#"{"2024-5":1,"2024-06":2.50,"total":3,"+2024-07":4}"#;
        let read: Months = serde_json::from_str(edited).unwrap();
        let old: BTreeMap<String, Number> = serde_json::from_str(edited).unwrap();
        assert_eq!(serde_json::to_string(&read).unwrap(), serde_json::to_string(&old).unwrap());
        assert_eq!(read.get_text("total").map(|n| n.0), Some(Decimal::from(3)));
        // An item without months writes no `months` key, and reads back without any.
        let item = Item::new(ItemType::Customer, "c-1", true, "added");
        let text = serde_json::to_string(&item).unwrap();
        assert!(!text.contains("months"), "{text}");
        assert_eq!(serde_json::from_str::<Item>(&text).unwrap(), item);
    }
}
