//! Rule sets: the validated, compiled form of one folder of rule files (`rules/<version>/`).
//!
//! `schema` mirrors the files, `compile` checks them and builds the types below, which the evaluator
//! trusts: every reference is resolved to an index, every number is an exact decimal, every kind is known.

mod compile;
pub mod diff;
pub mod schema;
mod source;
mod sweep;
mod titles;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rust_decimal::Decimal;

use crate::error::Error;
use crate::partner::{Association, Cloud, Measure, Segment};
use crate::script::Script;
use crate::value::{Date, Month};

/// The metric kinds and their parameters live in `metrics`, one file per kind; the rule set holds them.
pub use crate::metrics::certified_people::Prerequisite;
pub use crate::metrics::customer_adds::AddsRule;
pub use crate::metrics::ratio_customers::RatioRule;
pub use crate::metrics::usage_growth::Compare;
pub use crate::metrics::{
    CertifiedPeople, CustomerAdds, DistinctProducts, MetricKind, RatioCustomers, RollingSumCrossing, UsageGrowth,
};
pub use compile::load_rule_set;
pub(crate) use compile::KindCompiler;
pub use source::{RuleSource, MAX_RULE_FILE_BYTES, TESTS_DIR};
pub use sweep::sweep_scripts;
pub use titles::TitleMatch;

/// A compiled, validated rule set.
#[derive(Debug)]
pub struct RuleSet {
    pub version: String,
    pub title: String,
    pub effective_from: Month,
    pub effective_until: Option<Month>,
    /// Where `effective_from` is written, for diagnostics about version ranges.
    pub effective_from_place: crate::error::Located,
    pub references: Vec<String>,
    /// `sha256:` and the hex digest of every file of the folder, names and contents: the same for a folder and
    /// for its files in memory.
    pub digest: String,
    /// The folder, or the `root` of a [`RuleSource::Files`].
    pub dir: PathBuf,
    pub selections: Vec<Selection>,
    /// `[usage] clouds`: only usage rows of these clouds count; every row counts when `None`.
    pub usage_clouds: Option<BTreeSet<Cloud>>,
    pub path_rules: Vec<PathRule>,
    pub catalogue: Catalogue,
    pub designations: Vec<Designation>,
    pub badges: Vec<Badge>,
    pub specializations: Vec<Specialization>,
    pub software: Vec<Software>,
}

/// A program badge: held with every designation of `requires_all`, or with any one of `requires_any`.
#[derive(Debug)]
pub struct Badge {
    pub id: String,
    pub name: String,
    pub requires: BadgeRequires,
}

/// Which designations a badge needs held.
#[derive(Debug)]
pub enum BadgeRequires {
    /// Every one of them (`requires_all`).
    All(Vec<String>),
    /// At least one of them (`requires_any`).
    Any(Vec<String>),
}

/// A specialization: open to a partner holding any one of `designations`.
#[derive(Debug)]
pub struct Specialization {
    pub name: String,
    pub designations: Vec<String>,
}

/// A certified software designation.
#[derive(Debug)]
pub struct Software {
    pub id: String,
    pub name: String,
    pub requirements: Vec<Requirement>,
}

/// A requirement of a certified software designation: met by any one condition.
#[derive(Debug)]
pub struct Requirement {
    pub category: String,
    pub any_of: Vec<Condition>,
}

/// A condition on a solution's facts.
#[derive(Debug, Clone)]
pub enum Condition {
    AtLeast { fact: String, value: Decimal },
    Includes { fact: String, value: String },
    Is { fact: String, value: bool },
    AllOf(Vec<Condition>),
}

impl RuleSet {
    /// Loads and validates the rule set in `dir`, reporting every problem found; a consistency lint is a
    /// problem here, as in `designate check`. Short for [`RuleSet::from_source`] of a [`RuleSource::Dir`].
    pub fn load(dir: &Path) -> Result<RuleSet, Vec<Error>> {
        load_rule_set(dir)
    }

    /// Loads and validates the rule set of a folder or of files in memory, reporting every problem found (a
    /// consistency lint included). Errors name each file as `root/<path>:line:col`, whichever the source.
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// use designate_engine::rules::RuleSource;
    /// use designate_engine::RuleSet;
    ///
    /// let files = BTreeMap::from([("program.toml".to_owned(), b"version = 1".to_vec())]);
    /// let errors = RuleSet::from_source(&RuleSource::Files { root: "draft".into(), files }).unwrap_err();
    /// assert!(errors[0].to_string().starts_with("draft/program.toml:"));
    /// ```
    pub fn from_source(source: &RuleSource) -> Result<RuleSet, Vec<Error>> {
        compile::strict(compile::compile(source))
    }

    /// Like [`RuleSet::from_source`], but a rule set whose only problems are consistency lints loads, and the
    /// lints come back beside it to be shown as warnings: what scoring and `--set` what-ifs use. The lints are
    /// the metrics' `max_points` not adding up to the designation's, a points rule that can never reach its
    /// metric's maximum or always exceeds it, and a folder named unlike its `version` (a draft); `designate
    /// check` refuses them. Any other problem refuses the rule set, with the lints among its problems.
    pub fn from_source_with_lints(source: &RuleSource) -> Result<(RuleSet, Vec<Error>), Vec<Error>> {
        compile::compile(source)
    }

    /// True when `month` lies in the version's effective range.
    pub fn applies_to(&self, month: Month) -> bool {
        month >= self.effective_from && self.effective_until.is_none_or(|until| month <= until)
    }
}

/// A named selection of usage rows.
#[derive(Debug)]
pub struct Selection {
    pub name: String,
    /// The measure read, unless `rates` decide.
    pub measure: Option<Measure>,
    /// Product and measure pairs weighted by a rate; when not empty, only these rows count.
    pub rates: Vec<Rate>,
    pub associations: Option<Vec<Association>>,
    /// The offers whose rows the selection leaves out (lower-cased). Read through [`Selection::exclude_offers`]:
    /// not public, so that it cannot be changed apart from `excludes_default_offer`, which is derived from it.
    pub(crate) exclude_offers: BTreeSet<String>,
    /// Whether `exclude_offers` holds the offer of rows whose file gives none ([`DEFAULT_OFFER`]), most rows:
    /// found once, so [`Selection::admits`] does not look it up per row (issue 15).
    ///
    /// [`DEFAULT_OFFER`]: crate::partner::DEFAULT_OFFER
    pub(crate) excludes_default_offer: bool,
    pub products: Option<BTreeSet<String>>,
    pub exclude_products: BTreeSet<String>,
    /// Product names as the rules write them, by lower-cased name (for suggestions shown to people).
    pub product_names: BTreeMap<String, String>,
}

/// Rows of these products (lower-cased) and this measure count `value × rate`.
#[derive(Debug)]
pub struct Rate {
    pub products: BTreeSet<String>,
    pub measure: Measure,
    pub rate: Decimal,
}

impl Selection {
    /// The offers whose rows the selection leaves out, lower-cased.
    pub fn exclude_offers(&self) -> &BTreeSet<String> {
        &self.exclude_offers
    }

    /// The weight a row of `product_key` and `measure` carries in this selection, if it is selected by them.
    pub fn weight(&self, product_key: &str, measure: Measure) -> Option<Decimal> {
        if self.rates.is_empty() {
            return (self.measure == Some(measure)).then_some(Decimal::ONE);
        }
        self.rates.iter().find(|r| r.measure == measure && r.products.contains(product_key)).map(|r| r.rate)
    }

    /// The weight a usage row carries in this selection, or `None` when the selection does not count it: its
    /// association, offer, product (`products`, `exclude_products`) and measure (or rate) all decide. The one
    /// selection filter: the evaluator's series and `gap`'s additions both ask it.
    pub fn selects(&self, row: &crate::partner::UsageRow) -> Option<Decimal> {
        if !self.admits(row) {
            return None;
        }
        self.product_weight(&row.product_key, row.measure)
    }

    /// The part of [`Selection::selects`] that depends on more than the row's product and measure: its
    /// association and offer.
    pub fn admits(&self, row: &crate::partner::UsageRow) -> bool {
        // Cheap enum checks first, then the name lookup: none for a row given no offer, whose offer is the
        // default borrowed (a row that writes the default out is looked up, with the same answer).
        self.associations.as_ref().is_none_or(|a| a.contains(&row.association))
            && !match &row.offer {
                std::borrow::Cow::Borrowed(offer) if std::ptr::eq(*offer, crate::partner::DEFAULT_OFFER) => {
                    self.excludes_default_offer
                }
                offer => self.exclude_offers.contains(offer.as_ref()),
            }
    }

    /// The part of [`Selection::selects`] that depends only on the row's product (`products`,
    /// `exclude_products`, rates) and measure: the same for every row of a run of one product, so the series
    /// ask it once per run (issue 15).
    pub fn product_weight(&self, product_key: &str, measure: Measure) -> Option<Decimal> {
        let keep = self.products.as_ref().is_none_or(|p| p.contains(product_key))
            && !self.exclude_products.contains(product_key);
        self.weight(product_key, measure).filter(|_| keep)
    }

    /// True when rows of `measure` can be in this selection (a cheap test before the product lookups).
    pub fn reads(&self, measure: Measure) -> bool {
        if self.rates.is_empty() {
            self.measure == Some(measure)
        } else {
            self.rates.iter().any(|r| r.measure == measure)
        }
    }

    /// The unit values of this selection are shown in.
    pub fn shown_as(&self) -> Option<Measure> {
        if self.rates.is_empty() {
            self.measure
        } else {
            None
        }
    }
}

/// A rule assigning a path: the first test that holds wins, else the default.
#[derive(Debug)]
pub struct PathRule {
    pub name: String,
    pub default: String,
    pub tests: Vec<(String, PathTest)>,
    /// The path an enrollment over the qualification window prefers (`enrollment_prefers`), if the rule has one.
    pub enrollment_prefers: Option<String>,
}

/// One test of a path rule.
#[derive(Debug)]
pub enum PathTest {
    /// The selection's total over the trailing twelve months is at least `amount`.
    TtmTotalAtLeast { selection: usize, amount: Decimal },
    /// Among customers with a positive total of the selection over the last `months` months ending at `as_of`
    /// (12: the trailing twelve months), the share in `segments` is below `share`. With no such customer the
    /// test does not hold.
    SegmentShareBelow { selection: usize, segments: Vec<Segment>, share: Decimal, months: i32 },
    /// At least `at_least` entities exceed `above` both in `as_of` and `baseline_offset` months before.
    EntitiesAboveInBothMonths {
        selection: usize,
        entity: Entity,
        above: Decimal,
        at_least: usize,
        baseline_offset: i32,
    },
}

/// The certifications a rule set knows, by code, alias and name.
#[derive(Debug, Default)]
pub struct Catalogue {
    pub certifications: Vec<Certification>,
    /// Lower-cased code, alias or name → index.
    pub by_key: BTreeMap<String, usize>,
}

impl Catalogue {
    /// The certification a name or code stands for (case-insensitive).
    pub fn find(&self, name: &str) -> Option<usize> {
        self.by_key.get(&name.trim().to_lowercase()).copied()
    }

    /// The spelling to suggest for a name the catalogue does not know: a code that differs only in
    /// separators, case or a letter O or I typed for a digit (`DP-2O3`, `dp 203`); else, for a name that is
    /// not itself shaped like an exam code, the code, name or alias closest by edit distance (see
    /// [`crate::error::closest`]). An exam code one digit away is another exam (`AZ-900` is not `AZ-400`),
    /// so codes get no edit-distance guess.
    pub fn near(&self, name: &str) -> Option<&str> {
        let key = confusable_key(name);
        if let Some(c) = self.certifications.iter().find(|c| confusable_key(&c.code) == key) {
            return Some(&c.code);
        }
        if looks_like_exam_code(name) {
            return None;
        }
        let near = crate::error::closest(name.trim(), self.by_key.keys().map(String::as_str))?;
        let c = &self.certifications[*self.by_key.get(near)?];
        // Aliases are kept lower-cased: suggest the name when it was the name, else the code.
        Some(if c.name.to_lowercase() == near { &c.name } else { &c.code })
    }
}

/// Two or three letters, an optional separator, then three digits (an O typed for a 0, or an I or l for a 1,
/// allowed, but at least one real digit), and perhaps a trailing letter: `AZ-104`, `DP 2O3`, `MS-100T`.
pub fn looks_like_exam_code(name: &str) -> bool {
    let name = name.trim();
    let letters = name.chars().take_while(char::is_ascii_alphabetic).count();
    if !(2..=3).contains(&letters) {
        return false;
    }
    // The letters are ASCII, one byte each.
    let rest = &name[letters..];
    let rest = rest.strip_prefix(['-', ' ', '_']).unwrap_or(rest);
    let rest = match rest.len() {
        4 => rest.strip_suffix(|c: char| c.is_ascii_alphabetic()).unwrap_or(rest),
        _ => rest,
    };
    rest.chars().count() == 3
        && rest.chars().all(|c| c.is_ascii_digit() || matches!(c, 'O' | 'o' | 'I' | 'l'))
        && rest.chars().any(|c| c.is_ascii_digit())
}

/// A code reduced to what tells codes apart: letters and digits, upper-cased, O read as 0 and I or L as 1.
fn confusable_key(code: &str) -> String {
    code.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect()
}

/// One certification of the catalogue.
#[derive(Debug)]
pub struct Certification {
    pub code: String,
    pub name: String,
    pub retired: Option<Date>,
    pub eligible_through: Option<Date>,
}

/// When a designation is attained.
#[derive(Debug, Clone)]
pub struct Qualification {
    pub min_total: Decimal,
    pub min_each_metric: Decimal,
    /// The qualification window's length in months, ending at `as_of` (program.toml's `window_months`; 1 when
    /// absent). A designation file's own `qualification` keeps the program's window.
    pub window_months: u32,
}

/// One designation with its paths.
#[derive(Debug)]
pub struct Designation {
    pub id: String,
    pub name: String,
    pub max_points: Decimal,
    pub qualification: Qualification,
    pub path_selection: PathSelection,
    pub paths: Vec<ScoringPath>,
}

/// How a designation picks its path.
#[derive(Debug)]
pub enum PathSelection {
    /// One path only.
    Single,
    /// A path rule assigns it; a path stated in the partner file wins when the designation has it.
    Rule(usize),
    /// Every path is scored and the best, ranked by [`BestBy`], wins; a stated path does not apply.
    BestTotal(BestBy),
}

/// How `best-total` ranks a designation's paths (`best_by`). A tie goes to the path listed first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BestBy {
    /// The higher designation total wins (the Learn pages' "highest score at the solution area level").
    Points,
    /// A qualifying path beats a higher unqualified one; then the higher total wins.
    QualifiedThenPoints,
}

impl BestBy {
    /// The names `best_by` takes, as rule files write them.
    pub const NAMES: [&'static str; 2] = ["points", "qualified-then-points"];

    /// The value as rule files write it.
    pub fn name(self) -> &'static str {
        match self {
            BestBy::Points => "points",
            BestBy::QualifiedThenPoints => "qualified-then-points",
        }
    }
}

/// One path of a designation: its metrics.
#[derive(Debug)]
pub struct ScoringPath {
    pub id: String,
    pub metrics: Vec<Metric>,
}

/// One metric of a path.
#[derive(Debug)]
pub struct Metric {
    pub id: String,
    pub category: String,
    pub max_points: Decimal,
    pub measurement: Measurement,
    /// How units become points; absent for a `best` combination, whose options carry their own.
    pub points: Option<PointsRule>,
}

/// How a metric is measured: by one kind, or by several parts combined.
#[derive(Debug)]
pub enum Measurement {
    Single(MetricKind),
    Combined { combine: Combine, parts: Vec<Part> },
}

/// How the parts of a combined metric make one result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Combine {
    /// Units add up; a script sees each part's units by the part's id.
    Sum,
    /// Units are the number of distinct customers counted by any part.
    Distinct,
    /// Each part is an option with its own points; the best option wins.
    Best,
}

/// One part of a combined metric.
#[derive(Debug)]
pub struct Part {
    pub id: String,
    pub kind: MetricKind,
    /// The option's own points rule (for `best`).
    pub points: Option<PointsRule>,
}

/// What is counted: customers, or each product of each customer on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Customer,
    CustomerProduct,
}

/// How a customer's products add up in a month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregate {
    Sum,
    Max,
}

/// Customers whose monthly value of a selection lies in an inclusive range.
#[derive(Debug, Clone)]
pub struct CustomerFilter {
    pub selection: usize,
    pub aggregate: Aggregate,
    pub at_least: Option<Decimal>,
    pub at_most: Option<Decimal>,
    /// An exclusive lower bound (never beside `at_least`).
    pub more_than: Option<Decimal>,
    /// The value tested is the sum over this many months ending at the tested month (1: that month alone).
    pub months: i32,
    /// A customer over `at_most` that was in range this many months before the tested month still passes.
    pub promoted_months: Option<i32>,
}

impl CustomerFilter {
    /// Whether a value lies in the filter's range (`at_least` or `more_than`, and `at_most`).
    pub fn in_range(&self, v: Decimal) -> bool {
        use crate::value::cmp;
        self.at_least.is_none_or(|min| cmp(&v, &min).is_ge())
            && self.more_than.is_none_or(|min| cmp(&v, &min).is_gt())
            && self.at_most.is_none_or(|max| cmp(&v, &max).is_le())
    }

    /// The least whole value that passes the lower bound: `at_least`, or the next whole number above
    /// `more_than` (for additions and generated customers).
    pub fn lower_bound(&self) -> Option<Decimal> {
        self.at_least.or(self.more_than.map(|m| m.floor() + Decimal::ONE))
    }
}

/// What one person must hold: every certification of `all_of`, and one of `any_of` when it is not empty.
#[derive(Debug, Clone)]
pub struct CertRequirement {
    pub all_of: Vec<usize>,
    /// In the order the rules give them (the order a requirement is written in words).
    pub any_of: Vec<usize>,
    /// `any_of` sorted, to look a person's few certifications up in (issue 15: a person's certifications were
    /// each compared with every one of `any_of`, a list of up to twenty, for every metric and month).
    pub any_sorted: Vec<usize>,
}

impl CertRequirement {
    pub fn new(any_of: Vec<usize>, all_of: Vec<usize>) -> CertRequirement {
        let mut any_sorted = any_of.clone();
        any_sorted.sort_unstable();
        CertRequirement { all_of, any_of, any_sorted }
    }

    /// Whether certifications `certs` (catalogue indices, a person's few) meet the requirement.
    pub fn met_by(&self, certs: &[usize]) -> bool {
        self.all_of.iter().all(|c| certs.contains(c))
            && (self.any_sorted.is_empty() || certs.iter().any(|c| self.any_sorted.binary_search(c).is_ok()))
    }
}

/// How units become points: per unit up to a number of units, or a script; then rounding.
#[derive(Debug)]
pub struct PointsRule {
    pub per_unit: Option<Decimal>,
    pub max_units: Option<Decimal>,
    pub round_places: Option<u32>,
    pub script: Option<Script>,
    /// Named constants handed to the script.
    pub params: Vec<(String, Decimal)>,
}

impl RuleSet {
    /// Whether usage rows of `cloud` count under this version (`[usage] clouds`; every cloud when absent).
    pub fn counts_cloud(&self, cloud: Cloud) -> bool {
        self.usage_clouds.as_ref().is_none_or(|clouds| clouds.contains(&cloud))
    }

    /// The longest qualification window of the version's designations, in months (1 when none has a longer
    /// one): how many months a partner is measured in, its `as_of` the last.
    pub fn window_months(&self) -> u32 {
        self.designations.iter().map(|d| d.qualification.window_months).max().unwrap_or(1)
    }
}

/// Checks that rule versions side by side (a rules root) neither overlap nor leave a month uncovered.
/// `all_loaded` says whether every version folder of the root loaded: when one did not, its range is unknown,
/// so the months around it are not reported as a gap (its own errors say what is wrong; with 2023-07, 2024-06 and
/// 2026-07 side by side, a broken 2024-06 would otherwise also read as "no version applies from 2024-06 to 2026-06").
/// Overlaps of the versions that loaded are still reported.
pub fn check_versions(sets: &[RuleSet], all_loaded: bool) -> Vec<Error> {
    version_problems(sets, all_loaded)
}

/// Checks that rule versions side by side (a rules root) do not overlap: a partner's version would be ambiguous.
/// Months no version covers are allowed here (scoring refuses a partner in one when it meets it).
pub fn overlapping_versions(sets: &[RuleSet]) -> Vec<Error> {
    version_problems(sets, false)
}

/// What to say of a rule set folder that does not load: each of its problems, then one line saying how many there
/// are and that `designate check DIR` lists them (with their source lines). The CLI and the Python module both
/// report a rule set that does not load in these words; each joins the lines as it prints problems.
pub fn load_failure(dir: &Path, errors: &[Error]) -> Vec<String> {
    let mut lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
    lines.push(format!(
        "the rule set {} has {} problem(s); `designate check {}` lists them",
        dir.display(),
        errors.len(),
        dir.display()
    ));
    lines
}

impl RuleSet {
    /// The version and its effective range as messages write them: `2023-07 (2023-07 to 2024-05)`, `2024-06
    /// (from 2024-06)`.
    pub fn version_and_range(&self) -> String {
        match self.effective_until {
            Some(until) => format!("{} ({} to {until})", self.version, self.effective_from),
            None => format!("{} (from {})", self.version, self.effective_from),
        }
    }
}

/// Overlaps, and gaps when `gaps`, between versions sorted by their start. Checking neighbours is enough: a
/// version overlapping a later, non-adjacent one overlaps every version that starts between them too.
fn version_problems(sets: &[RuleSet], gaps: bool) -> Vec<Error> {
    let mut sorted: Vec<&RuleSet> = sets.iter().collect();
    sorted.sort_by_key(|s| s.effective_from);
    let mut errors = Vec::new();
    for pair in sorted.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        match a.effective_until {
            None => errors.push(
                Error::new(
                    b.effective_from_place.clone(),
                    format!(
                        "versions {} and {} overlap: {} has no effective_until, so both apply from {}",
                        a.version_and_range(),
                        b.version_and_range(),
                        a.version,
                        b.effective_from
                    ),
                )
                .with_code(crate::codes::VERSION_OVERLAP)
                .with_hint(format!(
                    "set effective_until = \"{}\" in {}",
                    b.effective_from.offset(-1),
                    a.effective_from_place.file
                )),
            ),
            Some(until) if until >= b.effective_from => errors.push(
                Error::new(
                    b.effective_from_place.clone(),
                    format!(
                        "versions {} and {} overlap: both apply from {} to {}",
                        a.version_and_range(),
                        b.version_and_range(),
                        b.effective_from,
                        until.min(b.effective_until.unwrap_or(until))
                    ),
                )
                .with_code(crate::codes::VERSION_OVERLAP)
                .with_hint(format!("end {} at {}", a.version, b.effective_from.offset(-1))),
            ),
            Some(until) if gaps && until.offset(1) < b.effective_from => errors.push(
                Error::new(
                    b.effective_from_place.clone(),
                    format!(
                        "no version applies from {} to {}: {} ends at {} and {} starts at {}",
                        until.offset(1),
                        b.effective_from.offset(-1),
                        a.version,
                        until,
                        b.version,
                        b.effective_from
                    ),
                )
                .with_code(crate::codes::VERSION_GAP)
                .with_hint(format!(
                    "start {} at {} or extend {}",
                    b.version,
                    until.offset(1),
                    a.version
                )),
            ),
            Some(_) => {}
        }
    }
    errors
}

/// The kinds of rule file, each with its own JSON Schema.
pub const RULE_FILES: [(&str, &str); 6] = [
    ("program", "program.toml: version, effective dates, qualification, selections and path rules"),
    ("certifications", "catalogue/certifications.toml: the certification catalogue"),
    ("products", "catalogue/products.toml: the products rules may name"),
    ("specializations", "catalogue/specializations.toml: the designations each specialization requires"),
    ("software", "software/<id>.toml: one certified software designation"),
    ("designation", "designations/<id>.toml: one designation, its paths and metrics"),
];

/// The JSON Schema of rule files: one kind (`program`, `certifications`, `products`, `designation`), or,
/// with `None`, a document that accepts any of them.
pub fn json_schema(kind: Option<&str>) -> Option<serde_json::Value> {
    use schemars::generate::SchemaSettings;

    let mut generator = SchemaSettings::draft2020_12().into_generator();
    let program = generator.subschema_for::<schema::ProgramFile>();
    let certifications = generator.subschema_for::<schema::CertificationsFile>();
    let products = generator.subschema_for::<schema::ProductsFile>();
    let specializations = generator.subschema_for::<schema::SpecializationsFile>();
    let software = generator.subschema_for::<schema::SoftwareFile>();
    let designation = generator.subschema_for::<schema::DesignationFile>();
    let root = match kind {
        None => {
            serde_json::json!({ "anyOf": [program, certifications, products, specializations, software, designation] })
        }
        Some("specializations") => specializations.to_value(),
        Some("software") => software.to_value(),
        Some("program") => program.to_value(),
        Some("certifications") => certifications.to_value(),
        Some("products") => products.to_value(),
        Some("designation") => designation.to_value(),
        Some(_) => return None,
    };
    let mut doc = serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": format!("designate rule file{}", kind.map(|k| format!(": {k}")).unwrap_or_default()),
        "description": "Rule files of a designate rule set (rules/<version>/). See docs/rules.md.",
    });
    let map = doc.as_object_mut().expect("an object");
    for (k, v) in root.as_object().into_iter().flatten() {
        map.insert(k.clone(), v.clone());
    }
    map.insert("$defs".into(), serde_json::Value::Object(generator.take_definitions(true)));
    Some(doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enum_values(schema: &serde_json::Value, name: &str) -> Vec<String> {
        let def = &schema["$defs"][name];
        let values = def["enum"].as_array().or_else(|| def["oneOf"].as_array()).expect("an enum");
        values.iter().map(|v| v.as_str().or_else(|| v["const"].as_str()).expect("a string").to_owned()).collect()
    }

    #[test]
    fn the_schema_lists_exactly_the_kinds_and_categories_the_compiler_takes() {
        let schema = json_schema(Some("designation")).unwrap();
        assert_eq!(enum_values(&schema, "Kind"), crate::metrics::kind_names());
        assert_eq!(enum_values(&schema, "Category"), crate::vocabulary::Category::names().collect::<Vec<_>>());
    }

    /// Issue 11: which certification names are warned about when the catalogue does not know them.
    #[test]
    fn exam_codes_are_told_from_free_text() {
        for code in ["AZ-104", "DP-2O3", "dp 203", "MS-100T", "az_9l0", "PL300"] {
            assert!(looks_like_exam_code(code), "{code}");
        }
        for text in ["Scrum Master", "ITIL 4 Foundation", "DP-OOO", "AZ-1040", "A-104", "AZ-10", "PMP"] {
            assert!(!looks_like_exam_code(text), "{text}");
        }
    }

    /// Issue 15: a row given no offer is admitted by the flag compile found, not a lookup; the answer is the
    /// lookup's, for every selection of every shipped version, and of each with the default offer excluded too.
    #[test]
    fn rows_of_the_default_offer_are_admitted_as_the_offers_excluded_say() {
        use crate::partner::{UsageRow, DEFAULT_OFFER};
        use std::borrow::Cow;
        let row = |association: Association, offer: Cow<'static, str>| UsageRow {
            customer: "c".into(),
            month: "2024-06".parse().expect("a month"),
            product: "p".into(),
            product_key: "p".into(),
            measure: Measure::AcrUsd,
            value: Decimal::ONE,
            association,
            offer,
            cloud: Cloud::Public,
        };
        let (mut checked, mut excluded) = (0, 0);
        for version in ["2023-07", "2024-06", "2026-07"] {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules").join(version);
            let RuleSource::Files { root, mut files } = RuleSource::read_dir(&dir).expect("shipped rules read") else {
                unreachable!("read_dir gives files")
            };
            let shipped = RuleSet::from_source(&RuleSource::Files { root: root.clone(), files: files.clone() });
            // The same rules with the default offer excluded wherever offers are.
            for text in files.values_mut() {
                let edited = String::from_utf8_lossy(text)
                    .replace("exclude_offers = [", "exclude_offers = [\"Pay-As-You-Go\", ");
                *text = edited.into_bytes();
            }
            let edited = RuleSet::from_source(&RuleSource::Files { root, files });
            for rules in [shipped, edited] {
                let rules = rules.unwrap_or_else(|e| panic!("{version}: {e:?}"));
                for sel in &rules.selections {
                    for association in [Association::Pal, Association::Dpor, Association::Csp, Association::Cpor] {
                        for offer in [
                            Cow::Borrowed(DEFAULT_OFFER),
                            Cow::Owned(DEFAULT_OFFER.to_owned()),
                            "support".into(),
                            "csp".into(),
                        ] {
                            let r = row(association, offer.clone());
                            let expected = sel.associations.as_ref().is_none_or(|a| a.contains(&association))
                                && !sel.exclude_offers.contains(offer.as_ref());
                            assert_eq!(sel.admits(&r), expected, "{version} {} {association:?} {offer}", sel.name);
                            checked += 1;
                            excluded += (offer == DEFAULT_OFFER && sel.exclude_offers.contains(DEFAULT_OFFER)) as usize;
                        }
                    }
                }
            }
        }
        assert!(checked > 1_000 && excluded > 40, "{checked} rows checked, {excluded} of the default offer excluded");
    }
}
