//! Evidence: what a metric counted, what it did not and why, as data.
//!
//! Every metric kind fills one [`Evidence`] while it measures a partner; the English explanation of a metric
//! is rendered from it, and `compare`, `gap`, `diff` and the HTML report read it instead of re-parsing prose.
//! The shape is the same for every kind, so a consumer (an auditor's diff, a notebook) needs no per-kind code:
//! a kind says what it looked at in `items` (customers, people, products, ...), the numbers it computed in
//! `figures`, the gates it checked in `checks`, and how its units became points in `points`.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::report::{decimal, number};

/// What one metric (or one part of a combined metric) counted, and how its units became points.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Evidence {
    /// The metric kind that measured (`customer-adds`, ..., or `combined`).
    pub kind: String,
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
    pub name: String,
    #[serde(serialize_with = "number", deserialize_with = "decimal")]
    #[schemars(with = "crate::report::ExactNumber")]
    pub value: Decimal,
    /// The unit of the value: a measure of the partner file (`acr_usd`, `active_users`), a selection's name,
    /// `percent`, `customers`, `products` or `people`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
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
    pub reason: String,
    /// The month the decision turned on (the month a customer crossed, a monthly transition's month).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub month: Option<String>,
    /// The monthly values the decision read, by month (`2024-05`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(with = "BTreeMap<String, crate::report::ExactNumber>")]
    pub months: BTreeMap<String, Number>,
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
    pub reason: String,
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
    pub fn of(kind: &str) -> Evidence {
        Evidence { kind: kind.to_owned(), ..Evidence::default() }
    }

    /// Adds a figure.
    pub fn figure(&mut self, name: &str, value: Decimal, unit: Option<&str>, month: Option<String>) {
        self.figures.push(Figure { name: name.to_owned(), value, unit: unit.map(str::to_owned), month });
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
    pub fn new(item_type: ItemType, id: impl Into<String>, counted: bool, reason: &str) -> Item {
        Item {
            item_type,
            id: id.into(),
            customer: None,
            counted,
            reason: reason.to_owned(),
            month: None,
            months: BTreeMap::new(),
            certifications: Vec::new(),
            value: None,
        }
    }

    /// The value read for `month` (`2024-05`), zero when none was.
    pub fn value_in(&self, month: &str) -> Decimal {
        self.months.get(month).map_or(Decimal::ZERO, |n| n.0)
    }
}
