//! The rule-file format: serde structs that mirror the TOML files of a rule set, key for key.
//!
//! Every table refuses unknown keys, and values that other parts of the set refer to are kept with their
//! spans so that `compile` can point at them. Nothing here checks meaning; that is `compile`'s job.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::value::{Date, Dec, Month};

/// `program.toml`: what the rule set is, when it applies, and the definitions its designations share.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgramFile {
    /// The version name, e.g. `2024-06`.
    pub version: Spanned<String>,
    pub title: String,
    /// The first evaluation month (`as_of`) the version applies to.
    pub effective_from: Spanned<Month>,
    /// The last evaluation month it applies to; open-ended when absent.
    #[serde(default)]
    pub effective_until: Option<Spanned<Month>>,
    /// Where the rules come from, for people reading outputs.
    #[serde(default)]
    pub references: Vec<String>,
    pub qualification: QualificationFile,
    /// Named selections of usage rows (a measure, offers, associations, products).
    #[serde(default)]
    pub selections: BTreeMap<String, Spanned<SelectionFile>>,
    /// Named rules that assign a path to a partner.
    #[serde(default)]
    pub path_rules: BTreeMap<String, Spanned<PathRuleFile>>,
}

/// When a designation is attained.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct QualificationFile {
    /// The least total of points.
    pub min_total: Spanned<Dec>,
    /// The least points in every metric.
    pub min_each_metric: Spanned<Dec>,
}

/// A named selection of usage rows.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SelectionFile {
    /// The measure read (`acr_usd`, `paid_seats`, ...); may be left out when `rates` says which measures count.
    #[serde(default)]
    pub measure: Option<Spanned<String>>,
    /// Values weighted per product and measure: a row counts `value × rate`, and only rows with a rate count.
    #[serde(default)]
    pub rates: Vec<Spanned<RateFile>>,
    /// Associations that count; all when absent.
    #[serde(default)]
    pub associations: Option<Vec<Spanned<String>>>,
    /// Offers that do not count (matched case-insensitively).
    #[serde(default)]
    pub exclude_offers: Vec<String>,
    /// Products that count (matched case-insensitively); all when absent.
    #[serde(default)]
    pub products: Option<Vec<String>>,
    /// Products that never count.
    #[serde(default)]
    pub exclude_products: Vec<String>,
}

/// A rate: rows of these products and this measure count `value × rate`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateFile {
    pub products: Vec<String>,
    pub measure: Spanned<String>,
    pub rate: Spanned<Dec>,
}

/// A rule that assigns a path: the first test that holds names the path, else the default.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathRuleFile {
    pub default: Spanned<String>,
    #[serde(default)]
    pub when: Vec<Spanned<PathTestFile>>,
}

/// One test of a path rule.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathTestFile {
    pub path: Spanned<String>,
    /// `ttm-total-at-least` or `segment-share-below`.
    pub test: Spanned<String>,
    pub selection: Spanned<String>,
    /// For `ttm-total-at-least`: the amount summed over the trailing twelve months.
    #[serde(default)]
    pub amount: Option<Spanned<Dec>>,
    /// For `segment-share-below`: the segments whose share of active customers is measured.
    #[serde(default)]
    pub segments: Option<Vec<Spanned<String>>>,
    /// For `segment-share-below`: the share (0–1) below which the test holds.
    #[serde(default)]
    pub share: Option<Spanned<Dec>>,
    /// For `entities-above-in-both-months`: what is counted (`customer` or `customer-product`).
    #[serde(default)]
    pub entity: Option<Spanned<String>>,
    /// For `entities-above-in-both-months`: the amount an entity must exceed in both months.
    #[serde(default)]
    pub above: Option<Spanned<Dec>>,
    /// For `entities-above-in-both-months`: how many entities must exceed it.
    #[serde(default)]
    pub at_least: Option<Spanned<i64>>,
    /// For `entities-above-in-both-months`: how many months before `as_of` the other month is (default 12).
    #[serde(default)]
    pub baseline_offset: Option<Spanned<i64>>,
}

/// `catalogue/certifications.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificationsFile {
    #[serde(default)]
    pub certification: Vec<Spanned<CertificationFile>>,
}

/// One certification of the catalogue.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificationFile {
    /// The exam code or short id rules use, e.g. `AZ-104`.
    pub code: Spanned<String>,
    pub name: Spanned<String>,
    /// Other codes that name the same certification (e.g. its exams).
    #[serde(default)]
    pub aliases: Vec<Spanned<String>>,
    /// The day it retired, for the record.
    #[serde(default)]
    pub retired: Option<Spanned<Date>>,
    /// The last day it counts toward the score.
    #[serde(default)]
    pub eligible_through: Option<Spanned<Date>>,
}

/// `designations/<id>.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DesignationFile {
    pub id: Spanned<String>,
    pub name: String,
    pub max_points: Spanned<Dec>,
    /// Overrides the program's qualification for this designation.
    #[serde(default)]
    pub qualification: Option<QualificationFile>,
    /// How the path is chosen when there are several.
    #[serde(default)]
    pub path_selection: Option<Spanned<PathSelectionFile>>,
    pub paths: Spanned<BTreeMap<String, Spanned<PathFile>>>,
}

/// How a designation with several paths picks one.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathSelectionFile {
    /// `rule` (a path rule of program.toml assigns it) or `best-total` (every path is scored, the highest total wins).
    pub method: Spanned<String>,
    #[serde(default)]
    pub rule: Option<Spanned<String>>,
}

/// One path of a designation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathFile {
    #[serde(default)]
    pub description: Option<String>,
    pub metrics: Vec<Spanned<MetricFile>>,
}

/// One metric. `kind` says which of the optional keys apply; `compile` refuses the others.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricFile {
    pub id: Spanned<String>,
    /// Required for a metric; not given for a part of a combined metric.
    #[serde(default)]
    pub category: Option<Spanned<String>>,
    /// Required for a metric; not given for a part of a combined metric.
    #[serde(default)]
    pub max_points: Option<Spanned<Dec>>,
    pub kind: Spanned<String>,
    /// Required for a metric and for each option of a `best` combination.
    #[serde(default)]
    pub points: Option<Spanned<PointsFile>>,
    #[serde(default)]
    pub description: Option<String>,

    // customer-adds, usage-growth, distinct-products
    #[serde(default)]
    pub selection: Option<Spanned<String>>,
    // customer-adds
    #[serde(default)]
    pub rule: Option<Spanned<String>>,
    #[serde(default)]
    pub threshold: Option<Spanned<Dec>>,
    #[serde(default)]
    pub recent_months: Option<Spanned<i64>>,
    #[serde(default)]
    pub baseline_months: Option<Spanned<i64>>,
    // customer-adds, usage-growth, distinct-products
    #[serde(default)]
    pub baseline_offset: Option<Spanned<i64>>,
    // usage-growth
    #[serde(default)]
    pub compare: Option<Spanned<String>>,
    #[serde(default)]
    pub unit: Option<Spanned<Dec>>,
    #[serde(default)]
    pub min_ttm_total: Option<Spanned<Dec>>,
    #[serde(default)]
    pub min_baseline: Option<Spanned<Dec>>,
    // distinct-products
    #[serde(default)]
    pub window_months: Option<Spanned<i64>>,
    #[serde(default)]
    pub exclude_products: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    pub new_only: Option<Spanned<bool>>,
    // customer-adds: what is counted and how a month's rows add up
    #[serde(default)]
    pub entity: Option<Spanned<String>>,
    #[serde(default)]
    pub aggregate: Option<Spanned<String>>,
    #[serde(default)]
    pub at_most: Option<Spanned<Dec>>,
    // ratio-customers
    #[serde(default)]
    pub denominator: Option<Spanned<String>>,
    #[serde(default)]
    pub ratio: Option<Spanned<Dec>>,
    #[serde(default)]
    pub min_denominator: Option<Spanned<Dec>>,
    // usage-growth, ratio-customers
    #[serde(default)]
    pub eligible_customers: Option<Spanned<CustomerFilterFile>>,
    // combined
    #[serde(default)]
    pub combine: Option<Spanned<String>>,
    #[serde(default)]
    pub parts: Option<Vec<Spanned<MetricFile>>>,
    // certified-people
    #[serde(default)]
    pub prerequisites: Option<Vec<Spanned<PrerequisiteFile>>>,
    #[serde(default)]
    pub scoring: Option<Spanned<CertRequirementFile>>,
}

/// Customers a metric looks at: those whose monthly value of a selection lies in a range.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerFilterFile {
    pub selection: Spanned<String>,
    /// `sum` (default) or `max` over the customer's products.
    #[serde(default)]
    pub aggregate: Option<Spanned<String>>,
    /// The least value (inclusive).
    #[serde(default)]
    pub at_least: Option<Spanned<Dec>>,
    /// The greatest value (inclusive).
    #[serde(default)]
    pub at_most: Option<Spanned<Dec>>,
}

/// A prerequisite step: a number of distinct people meeting a certification requirement.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrerequisiteFile {
    #[serde(default)]
    pub any_of: Vec<Spanned<String>>,
    #[serde(default)]
    pub all_of: Vec<Spanned<String>>,
    pub people: Spanned<i64>,
    #[serde(default)]
    pub points: Option<Spanned<Dec>>,
}

/// A requirement on one person: every certification of `all_of` and at least one of `any_of` (when given).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertRequirementFile {
    #[serde(default)]
    pub any_of: Vec<Spanned<String>>,
    #[serde(default)]
    pub all_of: Vec<Spanned<String>>,
}

/// How a metric's units become points.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PointsFile {
    /// Points for each unit.
    #[serde(default)]
    pub per_unit: Option<Spanned<Dec>>,
    /// Units beyond this count earn nothing.
    #[serde(default)]
    pub max_units: Option<Spanned<Dec>>,
    /// Decimal places kept, rounding half away from zero; exact when absent.
    #[serde(default)]
    pub round_places: Option<Spanned<i64>>,
    /// A rhai script beside the rule files that turns `units` into points.
    #[serde(default)]
    pub script: Option<Spanned<String>>,
    /// Named decimals handed to the script as constants.
    #[serde(default)]
    pub params: BTreeMap<String, Spanned<Dec>>,
}
