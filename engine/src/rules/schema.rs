//! The rule-file format: serde structs that mirror the TOML files of a rule set, key for key.
//!
//! Every table refuses unknown keys, and values that other parts of the set refer to are kept with their
//! spans so that `compile` can point at them. Nothing here checks meaning; that is `compile`'s job.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;

use crate::value::{Date, Dec, Month};

/// `program.toml`: what the rule set is, when it applies, and the definitions its designations share.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgramFile {
    /// The version name, e.g. `2024-06`.
    #[schemars(with = "String")]
    pub version: Spanned<String>,
    pub title: String,
    /// The first evaluation month (`as_of`) the version applies to.
    #[schemars(with = "Month")]
    pub effective_from: Spanned<Month>,
    /// The last evaluation month it applies to; open-ended when absent.
    #[serde(default)]
    #[schemars(with = "Option<Month>")]
    pub effective_until: Option<Spanned<Month>>,
    /// Where the rules come from, for people reading outputs.
    #[serde(default)]
    pub references: Vec<String>,
    pub qualification: QualificationFile,
    /// Named selections of usage rows (a measure, offers, associations, products).
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, SelectionFile>")]
    pub selections: BTreeMap<String, Spanned<SelectionFile>>,
    /// Named rules that assign a path to a partner.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, PathRuleFile>")]
    pub path_rules: BTreeMap<String, Spanned<PathRuleFile>>,
    /// Program badges earned by holding a set of designations.
    #[serde(default)]
    #[schemars(with = "Vec<BadgeFile>")]
    pub badges: Vec<Spanned<BadgeFile>>,
    /// Which usage rows count at all, e.g. only those of the public cloud.
    #[serde(default)]
    pub usage: Option<UsageRulesFile>,
}

/// `[usage]` of program.toml: which usage rows the version counts.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UsageRulesFile {
    /// Only rows of these clouds count (a row without `cloud` is `public`); every row counts when absent.
    #[serde(default)]
    #[schemars(with = "Option<Vec<crate::vocabulary::Cloud>>")]
    pub clouds: Option<Spanned<Vec<Spanned<String>>>>,
}

/// A badge: held when every designation of `requires_all` is held, or when at least one designation of
/// `requires_any` is (exactly one of the two keys).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BadgeFile {
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    pub name: String,
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub requires_all: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub requires_any: Option<Vec<Spanned<String>>>,
}

/// `catalogue/specializations.toml`: which designations open each specialization.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SpecializationsFile {
    #[serde(default)]
    #[schemars(with = "Vec<SpecializationFile>")]
    pub specialization: Vec<Spanned<SpecializationFile>>,
}

/// One specialization and the designations (any one of them) it requires.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SpecializationFile {
    pub name: String,
    #[schemars(with = "Vec<String>")]
    pub designations: Vec<Spanned<String>>,
}

/// `software/<id>.toml`: a certified software designation, decided from a solution's facts.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SoftwareFile {
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    pub name: String,
    /// Every requirement must hold.
    #[schemars(with = "Vec<RequirementFile>")]
    pub requirement: Vec<Spanned<RequirementFile>>,
}

/// One requirement: a category and conditions, any one of which meets it.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequirementFile {
    pub category: String,
    pub any_of: Vec<ConditionFile>,
}

/// A condition on a solution's facts: a number `at_least` a value, a list that `includes` a value, a flag
/// that `is` true or false, or `all_of` several conditions.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConditionFile {
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub fact: Option<Spanned<String>>,
    #[serde(default)]
    #[schemars(with = "Option<Dec>")]
    pub at_least: Option<Spanned<Dec>>,
    #[serde(default)]
    pub includes: Option<String>,
    #[serde(default)]
    pub is: Option<bool>,
    #[serde(default)]
    pub all_of: Option<Vec<ConditionFile>>,
}

/// When a designation is attained.
#[derive(Debug, Deserialize, Clone, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QualificationFile {
    /// The least total of points.
    #[schemars(with = "Dec")]
    pub min_total: Spanned<Dec>,
    /// The least points in every metric.
    #[schemars(with = "Dec")]
    pub min_each_metric: Spanned<Dec>,
    /// program.toml only: the qualification window, in months ending at `as_of` (default 1, `as_of` alone). A
    /// designation is attained in the window when any of these months qualifies.
    #[serde(default)]
    #[schemars(with = "Option<u32>")]
    pub window_months: Option<Spanned<i64>>,
}

/// A named selection of usage rows.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SelectionFile {
    /// The measure read (`acr_usd`, `paid_seats`, ...); may be left out when `rates` says which measures count.
    #[serde(default)]
    #[schemars(with = "Option<crate::vocabulary::Measure>")]
    pub measure: Option<Spanned<String>>,
    /// Values weighted per product and measure: a row counts `value × rate`, and only rows with a rate count.
    #[serde(default)]
    #[schemars(with = "Vec<RateFile>")]
    pub rates: Vec<Spanned<RateFile>>,
    /// Associations that count; all when absent.
    #[serde(default)]
    #[schemars(with = "Option<Vec<crate::vocabulary::Association>>")]
    pub associations: Option<Vec<Spanned<String>>>,
    /// Offers that do not count (matched case-insensitively).
    #[serde(default)]
    pub exclude_offers: Vec<String>,
    /// Products that count (matched case-insensitively); all when absent.
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub products: Option<Vec<Spanned<String>>>,
    /// Products that never count.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub exclude_products: Vec<Spanned<String>>,
}

/// A rate: rows of these products and this measure count `value × rate`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RateFile {
    #[schemars(with = "Vec<String>")]
    pub products: Vec<Spanned<String>>,
    #[schemars(with = "crate::vocabulary::Measure")]
    pub measure: Spanned<String>,
    #[schemars(with = "Dec")]
    pub rate: Spanned<Dec>,
}

/// A rule that assigns a path: the first test that holds names the path, else the default.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PathRuleFile {
    #[schemars(with = "String")]
    pub default: Spanned<String>,
    #[serde(default)]
    #[schemars(with = "Vec<PathTestFile>")]
    pub when: Vec<Spanned<PathTestFile>>,
}

/// One test of a path rule.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PathTestFile {
    #[schemars(with = "String")]
    pub path: Spanned<String>,
    /// `ttm-total-at-least`, `segment-share-below` or `entities-above-in-both-months`.
    #[schemars(with = "names::Test")]
    pub test: Spanned<String>,
    #[schemars(with = "String")]
    pub selection: Spanned<String>,
    /// For `ttm-total-at-least`: the amount summed over the trailing twelve months.
    #[serde(default)]
    #[schemars(with = "Option<Dec>")]
    pub amount: Option<Spanned<Dec>>,
    /// For `segment-share-below`: the segments whose share of active customers is measured.
    #[serde(default)]
    #[schemars(with = "Option<Vec<crate::vocabulary::Segment>>")]
    pub segments: Option<Vec<Spanned<String>>>,
    /// For `segment-share-below`: the share (0–1) below which the test holds.
    #[serde(default)]
    #[schemars(with = "Option<Dec>")]
    pub share: Option<Spanned<Dec>>,
    /// For `entities-above-in-both-months`: what is counted (`customer` or `customer-product`).
    #[serde(default)]
    #[schemars(with = "Option<names::EntityName>")]
    pub entity: Option<Spanned<String>>,
    /// For `entities-above-in-both-months`: the amount an entity must exceed in both months.
    #[serde(default)]
    #[schemars(with = "Option<Dec>")]
    pub above: Option<Spanned<Dec>>,
    /// For `entities-above-in-both-months`: how many entities must exceed it.
    #[serde(default)]
    #[schemars(with = "Option<i64>")]
    pub at_least: Option<Spanned<i64>>,
    /// For `entities-above-in-both-months`: how many months before `as_of` the other month is (default 12).
    #[serde(default)]
    #[schemars(with = "Option<i64>")]
    pub baseline_offset: Option<Spanned<i64>>,
    /// For `segment-share-below`: the customers counted are those with a value above 0 in the last `months`
    /// months ending at `as_of` (default 12).
    #[serde(default)]
    #[schemars(with = "Option<i64>")]
    pub months: Option<Spanned<i64>>,
}

/// `catalogue/certifications.toml`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificationsFile {
    /// Months a retired certification stays eligible after its `retired` day when it gives no
    /// `eligible_through` (2024-02-29 + 12 is 2025-02-28); retired certifications without it end on `retired`.
    #[serde(default)]
    #[schemars(with = "Option<i64>")]
    pub retirement_grace_months: Option<Spanned<i64>>,
    #[serde(default)]
    #[schemars(with = "Vec<CertificationFile>")]
    pub certification: Vec<Spanned<CertificationFile>>,
}

/// One certification of the catalogue.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificationFile {
    /// The exam code or short id rules use, e.g. `AZ-104`.
    #[schemars(with = "String")]
    pub code: Spanned<String>,
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// Other codes that name the same certification (e.g. its exams).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub aliases: Vec<Spanned<String>>,
    /// The day it retired, for the record.
    #[serde(default)]
    #[schemars(with = "Option<Date>")]
    pub retired: Option<Spanned<Date>>,
    /// The last day it counts toward the score: it counts for an `as_of` month whose last day is not after it.
    #[serde(default)]
    #[schemars(with = "Option<Date>")]
    pub eligible_through: Option<Spanned<Date>>,
}

/// `catalogue/products.toml`: the products rules may name, so that a misspelt name is caught.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductsFile {
    #[serde(default)]
    #[schemars(with = "Vec<ProductFile>")]
    pub product: Vec<Spanned<ProductFile>>,
}

/// One product of the catalogue.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductFile {
    /// The name as usage rows write it (matched case-insensitively).
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// What it is, for people: e.g. `azure`, `m365`, `dynamics`.
    #[serde(default)]
    pub family: Option<String>,
}

/// `designations/<id>.toml`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DesignationFile {
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    pub name: String,
    #[schemars(with = "Dec")]
    pub max_points: Spanned<Dec>,
    /// Overrides the program's qualification for this designation.
    #[serde(default)]
    pub qualification: Option<QualificationFile>,
    /// How the path is chosen when there are several.
    #[serde(default)]
    #[schemars(with = "Option<PathSelectionFile>")]
    pub path_selection: Option<Spanned<PathSelectionFile>>,
    #[schemars(with = "BTreeMap<String, PathFile>")]
    pub paths: Spanned<BTreeMap<String, Spanned<PathFile>>>,
}

/// How a designation with several paths picks one.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PathSelectionFile {
    /// `rule` (a path rule of program.toml assigns it) or `best-total` (every path is scored, the highest total wins).
    #[schemars(with = "names::Method")]
    pub method: Spanned<String>,
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub rule: Option<Spanned<String>>,
    /// For `best-total`: how paths are ranked, `points` (the higher total; the default) or
    /// `qualified-then-points` (a qualifying path before a higher unqualified one, then the higher total).
    #[serde(default)]
    #[schemars(with = "Option<names::BestBy>")]
    pub best_by: Option<Spanned<String>>,
}

/// One path of a designation.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PathFile {
    #[serde(default)]
    pub description: Option<String>,
    #[schemars(with = "Vec<MetricFile>")]
    pub metrics: Vec<Spanned<MetricFile>>,
}

/// One metric. `kind` says which of the optional keys apply; `compile` refuses the others.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MetricFile {
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    /// Required for a metric; not given for a part of a combined metric.
    #[serde(default)]
    #[schemars(with = "Option<crate::vocabulary::Category>")]
    pub category: Option<Spanned<String>>,
    /// Required for a metric; not given for a part of a combined metric.
    #[serde(default)]
    #[schemars(with = "Option<Dec>")]
    pub max_points: Option<Spanned<Dec>>,
    #[schemars(with = "names::Kind")]
    pub kind: Spanned<String>,
    /// Required for a metric and for each option of a `best` combination; a `best` metric itself takes none.
    #[serde(default)]
    #[schemars(with = "Option<PointsFile>")]
    pub points: Option<Spanned<PointsFile>>,
    #[serde(default)]
    pub description: Option<String>,

    /// The selection of usage rows measured (for `ratio-customers`: the numerator). Every kind but `certified-people` and `combined`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub selection: Option<Spanned<String>>,
    /// How `customer-adds` counts (`eligible-count-difference`, `transitions`, `monthly-transitions`, `average-crossing`) or how `ratio-customers` counts (`crossing`, `count-difference`).
    #[serde(default)]
    #[schemars(with = "Option<names::Rule>")]
    pub rule: Option<Spanned<String>>,
    /// `customer-adds`: the least monthly value (or average) that counts; `rolling-sum-crossing`: the total to cross.
    #[serde(default)]
    #[schemars(with = "Option<Dec>")]
    pub threshold: Option<Spanned<Dec>>,
    /// `customer-adds`: the recent months looked at, ending with `as_of` (default 1).
    #[serde(default)]
    #[schemars(with = "Option<i64>")]
    pub recent_months: Option<Spanned<i64>>,
    /// `customer-adds`: the baseline months looked at, ending `baseline_offset` months before `as_of` (default 1).
    #[serde(default)]
    #[schemars(with = "Option<i64>")]
    pub baseline_months: Option<Spanned<i64>>,
    /// How many months before `as_of` the baseline ends (default 12).
    #[serde(default)]
    #[schemars(with = "Option<i64>")]
    pub baseline_offset: Option<Spanned<i64>>,
    /// `usage-growth`: `percent` (default) or `difference`.
    #[serde(default)]
    #[schemars(with = "Option<names::CompareName>")]
    pub compare: Option<Spanned<String>>,
    /// `usage-growth`: a unit earns once per whole `unit` of growth (default 1).
    #[serde(default)]
    #[schemars(with = "Option<Dec>")]
    pub unit: Option<Spanned<Dec>>,
    /// `usage-growth`: no units unless the trailing twelve months total at least this.
    #[serde(default)]
    #[schemars(with = "Option<Dec>")]
    pub min_ttm_total: Option<Spanned<Dec>>,
    /// `usage-growth`: no units unless the baseline month totals at least this.
    #[serde(default)]
    #[schemars(with = "Option<Dec>")]
    pub min_baseline: Option<Spanned<Dec>>,
    /// `distinct-products`, `ratio-customers` (crossing), `rolling-sum-crossing`: the window in months (default 12).
    #[serde(default)]
    #[schemars(with = "Option<i64>")]
    pub window_months: Option<Spanned<i64>>,
    /// `distinct-products`: products never counted.
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub exclude_products: Option<Vec<Spanned<String>>>,
    /// `distinct-products`: count only products with nothing in the window before (default false).
    #[serde(default)]
    #[schemars(with = "Option<bool>")]
    pub new_only: Option<Spanned<bool>>,
    /// `customer-adds`: count `customer` (default) or each `customer-product` on its own.
    #[serde(default)]
    #[schemars(with = "Option<names::EntityName>")]
    pub entity: Option<Spanned<String>>,
    /// `customer-adds`: a customer's month is the `sum` (default) or the `max` over its products.
    #[serde(default)]
    #[schemars(with = "Option<names::AggregateName>")]
    pub aggregate: Option<Spanned<String>>,
    /// `customer-adds`: the greatest value that counts (inclusive); no limit when absent.
    #[serde(default)]
    #[schemars(with = "Option<Dec>")]
    pub at_most: Option<Spanned<Dec>>,
    /// `ratio-customers`: the selection the numerator is measured against.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub denominator: Option<Spanned<String>>,
    /// `ratio-customers`: the share (0–1) of the denominator the numerator must reach.
    #[serde(default)]
    #[schemars(with = "Option<Dec>")]
    pub ratio: Option<Spanned<Dec>>,
    /// `ratio-customers` (crossing): the least denominator in `as_of`.
    #[serde(default)]
    #[schemars(with = "Option<Dec>")]
    pub min_denominator: Option<Spanned<Dec>>,
    /// `customer-adds`, `usage-growth`, `ratio-customers`: only customers passing this filter count.
    #[serde(default)]
    #[schemars(with = "Option<CustomerFilterFile>")]
    pub eligible_customers: Option<Spanned<CustomerFilterFile>>,
    /// `combined`: `sum` the parts' units, count `distinct` customers, or take the `best` option.
    #[serde(default)]
    #[schemars(with = "Option<names::CombineName>")]
    pub combine: Option<Spanned<String>>,
    /// `combined`: the parts, each with an `id`, a `kind` and that kind's keys.
    #[serde(default)]
    #[schemars(with = "Option<Vec<MetricFile>>")]
    pub parts: Option<Vec<Spanned<MetricFile>>>,
    /// `certified-people`: steps that must be met before anyone scores.
    #[serde(default)]
    #[schemars(with = "Option<Vec<PrerequisiteFile>>")]
    pub prerequisites: Option<Vec<Spanned<PrerequisiteFile>>>,
    /// `certified-people`: what a scoring person holds.
    #[serde(default)]
    #[schemars(with = "Option<CertRequirementFile>")]
    pub scoring: Option<Spanned<CertRequirementFile>>,
    /// `customer-adds` (with `at_most`): an entity over `at_most` in a month of a window that was in range in a
    /// month of the same window shifted back this many months still counts (a promoted customer).
    #[serde(default)]
    #[schemars(with = "Option<i64>")]
    pub promoted_months: Option<Spanned<i64>>,
    /// `usage-growth`: test `eligible_customers` in each compared month (as_of for the current value, the
    /// baseline month for the baseline) instead of at `as_of` for both (default false).
    #[serde(default)]
    #[schemars(with = "Option<bool>")]
    pub eligible_each_month: Option<Spanned<bool>>,
}

/// Customers a metric looks at: those whose monthly value of a selection lies in a range.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerFilterFile {
    /// The selection whose values are tested; the metric's own selection when absent.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub selection: Option<Spanned<String>>,
    /// `sum` (default) or `max` over the customer's products.
    #[serde(default)]
    #[schemars(with = "Option<names::AggregateName>")]
    pub aggregate: Option<Spanned<String>>,
    /// The least value (inclusive).
    #[serde(default)]
    #[schemars(with = "Option<Dec>")]
    pub at_least: Option<Spanned<Dec>>,
    /// The greatest value (inclusive).
    #[serde(default)]
    #[schemars(with = "Option<Dec>")]
    pub at_most: Option<Spanned<Dec>>,
    /// The value must be above this (exclusive); not beside `at_least`.
    #[serde(default)]
    #[schemars(with = "Option<Dec>")]
    pub more_than: Option<Spanned<Dec>>,
    /// The value tested is the customer's sum over this many months ending at the tested month (default 1).
    #[serde(default)]
    #[schemars(with = "Option<i64>")]
    pub months: Option<Spanned<i64>>,
    /// With `at_most`: a customer over the range at the tested month that was inside it this many months
    /// earlier still passes (a promoted customer).
    #[serde(default)]
    #[schemars(with = "Option<i64>")]
    pub promoted_months: Option<Spanned<i64>>,
}

/// A prerequisite step: a number of distinct people meeting a certification requirement.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PrerequisiteFile {
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub any_of: Vec<Spanned<String>>,
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub all_of: Vec<Spanned<String>>,
    #[schemars(with = "i64")]
    pub people: Spanned<i64>,
    #[serde(default)]
    #[schemars(with = "Option<Dec>")]
    pub points: Option<Spanned<Dec>>,
}

/// A requirement on one person: every certification of `all_of` and at least one of `any_of` (when given).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CertRequirementFile {
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub any_of: Vec<Spanned<String>>,
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub all_of: Vec<Spanned<String>>,
}

/// How a metric's units become points.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PointsFile {
    /// Points for each unit.
    #[serde(default)]
    #[schemars(with = "Option<Dec>")]
    pub per_unit: Option<Spanned<Dec>>,
    /// Units beyond this count earn nothing.
    #[serde(default)]
    #[schemars(with = "Option<Dec>")]
    pub max_units: Option<Spanned<Dec>>,
    /// Decimal places kept, rounding half away from zero; exact when absent.
    #[serde(default)]
    #[schemars(with = "Option<i64>")]
    pub round_places: Option<Spanned<i64>>,
    /// A rhai script beside the rule files that turns units into points. It reads `units`, `max_points`, its
    /// `params` and, in a combined metric, each part's units by the part's id.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub script: Option<Spanned<String>>,
    /// Named decimals handed to the script as constants.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, Dec>")]
    pub params: BTreeMap<String, Spanned<Dec>>,
}

/// The rule-file keywords, described for editors: the schema lists the values a key takes. The vocabularies the
/// partner file shares (measures, associations, segments, categories) are `crate::vocabulary`'s enums.
#[allow(dead_code)] // only described, never built
mod names {
    use schemars::JsonSchema;

    /// The metric kinds: the registry's names (`crate::metrics::KINDS`) and `combined`, never a list kept here.
    pub struct Kind;

    impl JsonSchema for Kind {
        fn schema_name() -> std::borrow::Cow<'static, str> {
            "Kind".into()
        }

        fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
            schemars::json_schema!({ "type": "string", "enum": crate::metrics::kind_names() })
        }
    }

    /// `customer-adds` takes the first four; `ratio-customers` the last two.
    #[derive(JsonSchema)]
    #[serde(rename_all = "kebab-case")]
    pub enum Rule {
        EligibleCountDifference,
        Transitions,
        MonthlyTransitions,
        AverageCrossing,
        Crossing,
        CountDifference,
    }

    #[derive(JsonSchema)]
    #[serde(rename_all = "kebab-case")]
    pub enum CompareName {
        Percent,
        Difference,
    }

    #[derive(JsonSchema)]
    #[serde(rename_all = "kebab-case")]
    pub enum CombineName {
        Sum,
        Distinct,
        Best,
    }

    #[derive(JsonSchema)]
    #[serde(rename_all = "kebab-case")]
    pub enum EntityName {
        Customer,
        CustomerProduct,
    }

    #[derive(JsonSchema)]
    #[serde(rename_all = "kebab-case")]
    pub enum AggregateName {
        Sum,
        Max,
    }

    #[derive(JsonSchema)]
    #[serde(rename_all = "kebab-case")]
    pub enum Method {
        Rule,
        BestTotal,
    }

    #[derive(JsonSchema)]
    #[serde(rename_all = "kebab-case")]
    pub enum BestBy {
        Points,
        QualifiedThenPoints,
    }

    #[derive(JsonSchema)]
    #[serde(rename_all = "kebab-case")]
    pub enum Test {
        TtmTotalAtLeast,
        SegmentShareBelow,
        EntitiesAboveInBothMonths,
    }
}
