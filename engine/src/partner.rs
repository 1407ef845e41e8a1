//! Partner files: the input contract (`partner-data.md`), read from YAML, JSON or TOML and validated
//! into a [`Partner`] that the evaluator can trust.
//!
//! The serde structs here mirror the file shape exactly and refuse unknown keys; [`Partner`] is the
//! checked form, with product names trimmed and lower-cased once so that rules match them cheaply.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize, Serializer};

use crate::codes;

mod fast_json;
mod merge;
use crate::error::{Error, Located};
use crate::strict::{self, Strict};
use crate::value::{Date, Month, NonNegative};
pub use crate::vocabulary::{Association, Cloud, Measure, Segment};

/// The file formats a partner can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Json,
    Toml,
}

impl Format {
    /// The format a file name's extension stands for, if any.
    pub fn from_path(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "yaml" | "yml" => Some(Format::Yaml),
            "json" => Some(Format::Json),
            "toml" => Some(Format::Toml),
            _ => None,
        }
    }
}

/// One partner file, field for field: the shape `docs/partner-data.md` states, as the readers read it (YAML, JSON,
/// TOML) and as the writers write it (`gap --write`, `designate generate`, the CSV tables reader, `bench`).
///
/// It is the only place the shape is spelt out: unknown keys are refused, values are typed (months, dates, exact
/// non-negative decimals, the measure, association and segment vocabularies), and nothing is checked across
/// fields. [`Partner::from_file`] validates it into a [`Partner`]; [`PartnerFile::from`] turns a `Partner` back
/// into it, so that writing and reading again gives the same partner.
///
/// ```
/// use designate_engine::partner::PartnerFile;
/// use designate_engine::{Format, Partner};
///
/// let text = r#"{"partner": {"id": "fabrikam"}, "as_of": "2024-06",
///   "usage": [{"customer": "t-1", "month": "2024-06", "product": "Azure SQL Database",
///              "measure": "acr_usd", "value": 1200.50}]}"#;
/// let partner = Partner::parse(text, Format::Json, "fabrikam.json").unwrap();
/// let written = PartnerFile::from(&partner).to_json_line();
/// let again = Partner::parse(&written, Format::Json, "fabrikam.json").unwrap();
/// assert_eq!(partner, again);
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PartnerFile {
    pub partner: PartnerIdFile,
    #[serde(serialize_with = "display")]
    pub as_of: Month,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// What months of which measures the data holds, when it is not complete (data exported from Partner Center
    /// holds only some measures and months). Absent: the file is complete, every month without a row is zero.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<Vec<CoverageFile>>,
    /// The customers, when the file lists them (usage may then name only these).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customers: Option<Vec<CustomerFile>>,
    #[serde(default)]
    pub usage: Vec<UsageFile>,
    #[serde(default)]
    pub people: Vec<PersonFile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<HistoryFile>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub solutions: Vec<SolutionFile>,
}

/// One measure of `coverage`: the months the data holds for it, and where it came from. A month a metric reads
/// outside `from..=to` is missing (not zero), and so is every month of a measure `coverage` does not list.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CoverageFile {
    pub measure: Measure,
    /// The first month the data holds for the measure.
    #[serde(serialize_with = "display")]
    pub from: Month,
    /// The last month the data holds for the measure; not after `as_of`.
    #[serde(serialize_with = "display")]
    pub to: Month,
    /// Where the data came from (an export's file name), for messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// `history`: the program anniversary and the designations attained before.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HistoryFile {
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "display_some")]
    pub anniversary: Option<Date>,
    #[serde(default)]
    pub designations: Vec<AttainedFile>,
}

/// One designation attained before, and the day it was attained.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AttainedFile {
    pub id: String,
    #[serde(serialize_with = "display")]
    pub attained: Date,
}

/// One software solution and its facts.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SolutionFile {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default)]
    pub facts: BTreeMap<String, Fact>,
}

/// A fact about a software solution: a number, a flag, a text or a list of texts.
#[derive(Debug, Clone, PartialEq)]
pub enum Fact {
    Number(Decimal),
    Flag(bool),
    Text(String),
    List(Vec<String>),
}

impl schemars::JsonSchema for Fact {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Fact".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "a fact about a solution: a number, true or false, a text, or a list of texts",
            "anyOf": [
                { "type": "number" },
                { "type": "boolean" },
                { "type": "string" },
                { "type": "array", "items": { "type": "string" } }
            ]
        })
    }
}

/// The JSON Schema of partner files (`designate schema --file partner`, `docs/schema/partner.schema.json`), for
/// editors: derived from [`PartnerFile`], the one place the shape is spelt out, so it cannot drift from what
/// the readers accept. What reading checks across fields (duplicates, months after `as_of`) is not in it.
pub fn json_schema() -> serde_json::Value {
    let mut doc = crate::report::document_schema::<PartnerFile>("partner file");
    if let Some(map) = doc.as_object_mut() {
        map.insert(
            "description".into(),
            "A designate partner file (YAML, JSON or TOML): one partner at one evaluation month. See docs/partner-data.md."
                .into(),
        );
        // The root is the file's own schema, inlined: its copy among the definitions is referred to by nothing.
        if let Some(defs) = map.get_mut("$defs").and_then(|d| d.as_object_mut()) {
            defs.shift_remove("PartnerFile");
        }
    }
    doc
}

impl Serialize for Fact {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Fact::Number(d) => crate::report::number(d, s),
            Fact::Flag(b) => s.serialize_bool(*b),
            Fact::Text(t) => s.serialize_str(t),
            Fact::List(l) => l.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Fact {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Fact, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Fact;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number, true or false, a text, or a list of texts")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Fact, E> {
                Ok(Fact::Flag(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Fact, E> {
                Ok(Fact::Number(Decimal::from(v)))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Fact, E> {
                Ok(Fact::Number(Decimal::from(v)))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Fact, E> {
                crate::value::parse_decimal(&v.to_string()).map(Fact::Number).map_err(E::custom)
            }
            fn visit_str<E>(self, v: &str) -> Result<Fact, E> {
                Ok(Fact::Text(v.to_owned()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Fact, A::Error> {
                let mut out = Vec::new();
                while let Some(item) = seq.next_element::<String>()? {
                    out.push(item);
                }
                Ok(Fact::List(out))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Fact, A::Error> {
                // serde_json's exact numbers arrive as a one-entry map.
                let d = crate::value::Dec::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(Fact::Number(d.0))
            }
        }
        d.deserialize_any(V)
    }
}

/// `partner`: the partner's id and name.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PartnerIdFile {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// One customer of `customers`, with its segment when known.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerFile {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment: Option<Segment>,
}

/// One usage row: one customer, month, product and measure. `association` and `offer` default to `pal` and
/// `pay-as-you-go` when absent.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UsageFile {
    pub customer: String,
    #[serde(serialize_with = "display")]
    pub month: Month,
    pub product: String,
    pub measure: Measure,
    #[serde(serialize_with = "non_negative")]
    pub value: NonNegative,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub association: Option<Association>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer: Option<String>,
    /// The cloud of the subscription: `public` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud: Option<Cloud>,
}

/// One person of `people` and the certifications they hold.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonFile {
    pub id: String,
    #[serde(default)]
    pub certifications: Vec<CertificationFile>,
}

/// One certification a person holds: its name or exam code, when it was earned, and when it expires.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificationFile {
    pub name: String,
    #[serde(serialize_with = "display")]
    pub earned: Date,
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "display_some")]
    pub expires: Option<Date>,
}

/// Writes a month or a date as its text (`2024-06`, `2024-06-30`).
fn display<T: std::fmt::Display, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// [`display`] for an optional field (only called when present).
fn display_some<T: std::fmt::Display, S: Serializer>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.collect_str(v),
        None => s.serialize_none(),
    }
}

/// Writes a value as an exact number, trailing zeros removed (`1200.5`).
fn non_negative<S: Serializer>(v: &NonNegative, s: S) -> Result<S::Ok, S::Error> {
    crate::report::number(&v.0, s)
}

/// A validated partner at one evaluation month.
#[derive(Debug, Clone, PartialEq)]
pub struct Partner {
    /// Where the partner was read from (a file, or an input line or table row), to name it in problems found
    /// when it is scored against a rule set.
    pub origin: String,
    pub id: String,
    pub name: Option<String>,
    pub as_of: Month,
    /// A path fixed by the program (`smb`, `enterprise`), if the file states one.
    pub path: Option<String>,
    /// The months of each measure the data holds, when the file says (`None`: complete, as every file before
    /// `coverage` existed). A measure not listed is not in the data; a month outside its range is missing.
    pub coverage: Option<Vec<Coverage>>,
    /// Customers' segments by customer id; customers without a stated segment are absent.
    pub segments: BTreeMap<String, Segment>,
    /// The customer ids the file lists, in order, when it lists them (usage must then name only these).
    pub customers: Option<Vec<String>>,
    pub usage: Vec<UsageRow>,
    pub people: Vec<Person>,
    /// The program anniversary, when the file gives it (else the earliest attainment in `attained`).
    pub anniversary: Option<Date>,
    /// Designations attained before, with the day each was attained.
    pub attained: Vec<(String, Date)>,
    /// Software solutions, for certified software designations.
    pub solutions: Vec<Solution>,
}

/// The months the data holds for one measure (`coverage` of the partner file, validated: `from <= to <= as_of`,
/// each measure once).
#[derive(Debug, Clone, PartialEq)]
pub struct Coverage {
    pub measure: Measure,
    pub from: Month,
    pub to: Month,
    /// Where the data came from, for messages.
    pub source: Option<String>,
}

impl Partner {
    /// The months of `months` the data does not hold for `measure`, in order: none when the partner has no
    /// `coverage` (a complete file), all of them when `coverage` does not list the measure.
    pub fn missing_months(&self, measure: Measure, months: impl IntoIterator<Item = Month>) -> Vec<Month> {
        let Some(coverage) = &self.coverage else { return Vec::new() };
        let range = coverage.iter().find(|c| c.measure == measure);
        let mut out: Vec<Month> =
            months.into_iter().filter(|m| range.is_none_or(|c| *m < c.from || *m > c.to)).collect();
        out.sort();
        out.dedup();
        out
    }

    /// The coverage of `measure`, when the partner states coverage and lists it.
    pub fn coverage_of(&self, measure: Measure) -> Option<&Coverage> {
        self.coverage.as_ref()?.iter().find(|c| c.measure == measure)
    }
}

/// A software solution and its facts.
#[derive(Debug, Clone, PartialEq)]
pub struct Solution {
    pub id: String,
    pub name: Option<String>,
    pub facts: BTreeMap<String, Fact>,
}

/// One month of one measure of one product for one customer.
#[derive(Debug, Clone, PartialEq)]
pub struct UsageRow {
    /// The customer's id. Rows come in runs of one customer and product, and a run's rows share one copy of
    /// each text (issue 15: one allocation per run, not three per row).
    pub customer: Arc<str>,
    pub month: Month,
    /// The product name as written, trimmed.
    pub product: Arc<str>,
    /// The product name trimmed and lower-cased, for matching against rule lists.
    pub product_key: Arc<str>,
    pub measure: Measure,
    pub value: Decimal,
    pub association: Association,
    /// The offer, trimmed and lower-cased ([`DEFAULT_OFFER`], `pay-as-you-go`, when the file gives none: not
    /// allocated once per row).
    pub offer: Cow<'static, str>,
    /// The cloud of the subscription (`public` when the file gives none); a rule version may count only some.
    pub cloud: Cloud,
}

impl UsageRow {
    /// The row of a usage entry whose customer and product are trimmed and not empty (what validation checks):
    /// its product's key lower-cased, the offer trimmed and lower-cased, defaults for what the entry leaves out.
    /// `before` is the row read before it: the texts a row has in common with it (rows come in runs) are shared
    /// with it, not made or lower-cased again (`UsageRow::texts`).
    pub(crate) fn read(row: UsageFile, before: Option<&UsageRow>) -> UsageRow {
        let texts = Self::texts(&row.customer, &row.product, before);
        Self::with_texts(row, texts)
    }

    /// The row of a usage entry whose customer, product and product key are `texts` (the entry's own are not
    /// read).
    pub(crate) fn with_texts(row: UsageFile, texts: (Arc<str>, Arc<str>, Arc<str>)) -> UsageRow {
        let (customer, product, product_key) = texts;
        UsageRow {
            customer,
            month: row.month,
            product_key,
            product,
            measure: row.measure,
            value: row.value.0,
            association: row.association.unwrap_or(Association::Pal),
            offer: match row.offer.map(|o| lower_case(Cow::Owned(trimmed(o)))) {
                Some(o) if !o.is_empty() => Cow::Owned(o.into_owned()),
                _ => Cow::Borrowed(DEFAULT_OFFER),
            },
            cloud: row.cloud.unwrap_or(Cloud::Public),
        }
    }

    /// A row's customer, product and product key: those of `before`, the row read before it, where they are the
    /// same text (rows come in runs), else new ones, the key the product lower-cased.
    pub(crate) fn texts(customer: &str, product: &str, before: Option<&UsageRow>) -> (Arc<str>, Arc<str>, Arc<str>) {
        let customer = match before {
            Some(last) if *last.customer == *customer => Arc::clone(&last.customer),
            _ => Arc::from(customer),
        };
        let (product, product_key) = match before {
            Some(last) if *last.product == *product => (Arc::clone(&last.product), Arc::clone(&last.product_key)),
            _ => (Arc::from(product), Arc::from(lower_case(Cow::Borrowed(product)).as_ref())),
        };
        (customer, product, product_key)
    }
}

/// The offer of a usage row whose file gives none.
pub const DEFAULT_OFFER: &str = "pay-as-you-go";

/// `text` trimmed: `text` itself when it has nothing to trim, so that a string already trimmed (a cell of a
/// table) is not copied again (issue 15).
fn trimmed(text: String) -> String {
    let t = crate::value::trim(&text);
    if t.len() == text.len() {
        text
    } else {
        t.to_owned()
    }
}

/// `text` lower-cased as `str::to_lowercase` does: unchanged (not copied) when it is lower case already, as
/// product names and offers usually are.
fn lower_case(text: Cow<'_, str>) -> Cow<'_, str> {
    if text.is_ascii() {
        if text.bytes().any(|b| b.is_ascii_uppercase()) {
            let mut text = text.into_owned();
            // For ASCII text this is exactly `to_lowercase`.
            text.make_ascii_lowercase();
            Cow::Owned(text)
        } else {
            text
        }
    } else {
        Cow::Owned(text.to_lowercase())
    }
}

/// A person and the certifications they hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    pub id: String,
    pub certifications: Vec<HeldCertification>,
}

/// A certification a person earned, as named in the partner file.
#[derive(Debug, Clone, PartialEq)]
pub struct HeldCertification {
    pub name: String,
    pub earned: Date,
    pub expires: Option<Date>,
}

impl Partner {
    /// Reads and validates a partner file; the format follows the extension. The first problem is returned
    /// ([`Partner::load_all`] returns every one).
    pub fn load(path: &Path) -> Result<Partner, Error> {
        Partner::load_all(path).map_err(first)
    }

    /// Reads and validates a partner file, returning every problem it has in file order (see
    /// [`Partner::parse_all`]); a file that cannot be read at all is one problem.
    pub fn load_all(path: &Path) -> Result<Partner, Vec<Error>> {
        let origin = path.display().to_string();
        let (text, format) = read_partner_text(path, &origin).map_err(|e| vec![e])?;
        Partner::parse_all(&text, format, &origin)
    }

    /// Parses and validates partner text in the given format; `origin` names it in errors. The first problem
    /// is returned ([`Partner::parse_all`] returns every one).
    pub fn parse(text: &str, format: Format, origin: &str) -> Result<Partner, Error> {
        parse_text(text, format, origin, false).map_err(first)
    }

    /// Parses and validates partner text, returning every problem in file order: the first exactly as
    /// [`Partner::parse`] gives it, then the others. When the file's shape is wrong somewhere (a value of the
    /// wrong type, an unknown key), each top-level section and each list element is read on its own, so one
    /// bad usage row reports its problem and the others are still read and checked; a bad row is left out of
    /// the checks that depend on it (a bad `as_of` skips the month checks), so no problem follows from another.
    pub fn parse_all(text: &str, format: Format, origin: &str) -> Result<Partner, Vec<Error>> {
        parse_text(text, format, origin, true)
    }
}

/// The first problem of a list that is never empty (an `Err` always holds one).
fn first(mut errors: Vec<Error>) -> Error {
    if errors.is_empty() {
        // Not reached: every `Err` of this module carries at least one problem.
        return Error::new(Located::file("partner"), "partner file does not validate");
    }
    errors.swap_remove(0)
}

/// The text and format of a partner file, or why it cannot be read.
fn read_partner_text(path: &Path, origin: &str) -> Result<(String, Format), Error> {
    let unreadable =
        |message: String| Error::new(Located::file(origin), message).with_code(codes::PARTNER_FILE_UNREADABLE);
    let format = Format::from_path(path).ok_or_else(|| {
        Error::new(Located::file(origin), "unsupported partner file extension")
            .with_hint("use .yaml, .yml, .json or .toml")
            .with_code(codes::PARTNER_FILE_EXTENSION)
    })?;
    let meta = std::fs::metadata(path).map_err(|e| {
        let dangling = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
        let what =
            if dangling { "dangling symbolic link (its target does not exist)".to_owned() } else { e.to_string() };
        unreadable(format!("cannot read file: {what}"))
    })?;
    // Reading a FIFO would wait forever for a writer, a device could be endless: only regular files are read.
    if !meta.is_file() {
        return Err(unreadable(format!("not a regular file but {}", file_kind(&meta.file_type()))));
    }
    let bytes = std::fs::read(path).map_err(|e| unreadable(format!("cannot read file: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        unreadable(format!("file is not UTF-8 text (invalid byte at offset {})", e.utf8_error().valid_up_to()))
    })?;
    Ok((text, format))
}

/// [`Partner::parse_all`]; with `all` false the work of finding the problems after the first is skipped.
fn parse_text(text: &str, format: Format, origin: &str, all: bool) -> Result<Partner, Vec<Error>> {
    if text.trim().is_empty() {
        return Err(vec![Error::new(Located::file(origin), "partner file is empty")
            .with_hint("a partner needs at least `partner.id` and `as_of`")
            .with_code(codes::PARTNER_FILE_EMPTY)]);
    }
    // YAML and TOML hand float literals over as f64: one with more digits than that keeps is refused by its
    // text (JSON numbers arrive as text and are checked while reading).
    let mut errors: Vec<Error> = match format {
        Format::Json => Vec::new(),
        Format::Yaml => crate::value::inexact_yaml_literals(text, origin),
        Format::Toml => crate::value::inexact_float_literals(text, origin),
    };
    if !all && !errors.is_empty() {
        errors.truncate(1);
        return Err(errors);
    }
    // Read strictly: a positional array never stands for a table (see `strict`).
    let parsed: Result<PartnerFile, Error> = match format {
        Format::Yaml => serde_saphyr::from_str_with_options::<Strict<_, strict::Yaml>>(text, yaml_options(text))
            .map(|s| s.0)
            .map_err(|e| Error::from_yaml(origin, text, &e)),
        // Plainly valid JSON is read by the fast reader; the rest, and every message, by serde_json.
        Format::Json => match fast_json::read(text) {
            Some(file) => Ok(file),
            None => serde_json_file(text).map_err(|e| Error::from_json(origin, &e)),
        },
        Format::Toml => {
            toml::from_str::<Strict<_, strict::Toml>>(text).map(|s| s.0).map_err(|e| Error::from_toml(origin, text, &e))
        }
    };
    let (partner, rest) = match parsed {
        Ok(file) => Parts::from(file).validate(origin),
        Err(_) if is_score_report(text, format) => {
            errors.push(
                Error::new(Located::file(origin), "this is a score report, not a partner file")
                    .with_hint(
                        "score reads partner files (docs/partner-data.md); to compare results use `designate compare` or `designate diff`",
                    )
                    .with_code(codes::SCORE_REPORT_GIVEN),
            );
            return Err(errors);
        }
        Err(e) => {
            let others = if all { shape_problems(text, format, origin, &e) } else { Vec::new() };
            errors.push(e);
            (None, others)
        }
    };
    let had_first = !errors.is_empty();
    if had_first {
        errors.extend(rest);
    } else {
        errors = rest;
    }
    match partner {
        Some(p) if errors.is_empty() => Ok(p),
        _ if errors.is_empty() => {
            // Not reached: a partner is missing only when a problem says why.
            Err(vec![Error::new(Located::file(origin), "partner file does not validate")])
        }
        _ => {
            if !all {
                errors.truncate(1);
            }
            Err(errors)
        }
    }
}

/// Whether the fast JSON reader agrees with serde_json and the strict reader on `text`: it gives up, or it reads
/// the file they read, to the last digit of every decimal. For the fuzz harness and the tests.
#[doc(hidden)]
pub fn json_readers_agree(text: &str) -> bool {
    match fast_json::read(text) {
        None => true,
        Some(fast) => serde_json_file(text).is_ok_and(|slow| format!("{fast:?}") == format!("{slow:?}")),
    }
}

/// A partner file read from JSON by serde_json and the strict reader, the reader of record.
fn serde_json_file(text: &str) -> Result<PartnerFile, serde_json::Error> {
    serde_json::from_str::<Strict<_, strict::Json>>(text).map(|s| s.0)
}

/// Where a field path sorts: its section in the order of the contract, then its row numbers.
fn order_key(field: &str) -> (usize, Vec<usize>) {
    const SECTIONS: [&str; 9] =
        ["partner", "as_of", "path", "coverage", "customers", "usage", "people", "history", "solutions"];
    let head = field.split(['.', '[']).next().unwrap_or("");
    let section = SECTIONS.iter().position(|s| *s == head).unwrap_or(SECTIONS.len());
    let rows = field.split('[').skip(1).filter_map(|r| r.split(']').next()?.parse().ok()).collect();
    (section, rows)
}

/// The problems of a file whose strict read failed with `first`, found by reading each section and each list
/// element on its own from the file read as plain data (located by field path). Problems of the checks after
/// reading (duplicates, unknown customers, months after `as_of`) are found on the elements that read. `first`
/// itself is left out. Text that does not read as plain data (a syntax error) gives nothing more.
fn shape_problems(text: &str, format: Format, origin: &str, first: &Error) -> Vec<Error> {
    let Some(root) = plain_value(text, format) else { return Vec::new() };
    let (parts, mut problems) = match format {
        Format::Yaml => Parts::read::<strict::Yaml>(&root, origin),
        Format::Json => Parts::read::<strict::Json>(&root, origin),
        Format::Toml => Parts::read::<strict::Toml>(&root, origin),
    };
    // The strict read's problem is one of these, placed by line: the first with its message is dropped, or
    // failing that the first saying what it expected alike (read as plain data, a TOML `7` is a `number`, not
    // an `integer \`7\``).
    let expected = |m: &str| m.split_once(", expected").map(|(_, e)| e.to_owned());
    let same = problems.iter().position(|p| p.message == first.message).or_else(|| {
        let want = expected(&first.message)?;
        problems.iter().position(|p| expected(&p.message).as_ref() == Some(&want))
    });
    if let Some(i) = same {
        problems.remove(i);
    }
    let (_, checks) = parts.validate(origin);
    problems.extend(checks);
    // In the file's order of sections and rows (a stable sort keeps the order each check found them in).
    problems.sort_by_key(|e| order_key(e.place.field.as_deref().unwrap_or("")));
    problems
}

/// The file as plain data: objects, arrays and scalars (dates as their text), with keys in file order.
fn plain_value(text: &str, format: Format) -> Option<serde_json::Value> {
    match format {
        Format::Json => serde_json::from_str(text).ok(),
        Format::Yaml => serde_saphyr::from_str_with_options(text, yaml_options(text)).ok(),
        Format::Toml => toml::from_str::<toml::Table>(text).ok().map(|t| toml_plain(toml::Value::Table(t))),
    }
}

fn toml_plain(v: toml::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        toml::Value::String(s) => J::String(s),
        toml::Value::Integer(i) => J::from(i),
        toml::Value::Float(f) => serde_json::Number::from_f64(f).map_or(J::Null, J::Number),
        toml::Value::Boolean(b) => J::Bool(b),
        toml::Value::Datetime(d) => J::String(d.to_string()),
        toml::Value::Array(a) => J::Array(a.into_iter().map(toml_plain).collect()),
        toml::Value::Table(t) => J::Object(t.into_iter().map(|(k, v)| (k, toml_plain(v))).collect()),
    }
}

/// The keys only a score report has at its top (`rules` with `version` and `digest`, and `designations`), for
/// telling someone who feeds `score`'s output back to it what they have, instead of a complaint about `partner`.
#[derive(Deserialize)]
struct ReportProbe {
    #[allow(dead_code)]
    partner: String,
    #[allow(dead_code)]
    rules: crate::report::RulesRef,
    #[allow(dead_code)]
    designations: serde::de::IgnoredAny,
}

/// True when text that is not a partner file reads as a score report.
fn is_score_report(text: &str, format: Format) -> bool {
    match format {
        Format::Yaml => serde_saphyr::from_str_with_options::<ReportProbe>(text, yaml_options(text)).is_ok(),
        Format::Json => serde_json::from_str::<ReportProbe>(text).is_ok(),
        Format::Toml => toml::from_str::<ReportProbe>(text).is_ok(),
    }
}

/// What a file that is not a regular file is, in words (`a named pipe (FIFO)`, `a folder`).
pub fn file_kind(kind: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_block_device() || kind.is_char_device() {
            return "a device";
        }
    }
    if kind.is_dir() {
        "a folder"
    } else if kind.is_symlink() {
        "a symbolic link"
    } else if kind.is_file() {
        "a regular file"
    } else {
        "a special file"
    }
}

/// serde-saphyr's default budget (1,000,000 parser events, 250,000 nodes, 64 MiB of scalars) refuses a
/// valid partner of some 22,700 usage rows, which JSON reads without complaint. Those limits guard against
/// input that expands while it is read, and only aliases expand: every event, node and scalar byte that is not
/// replayed from an alias is written out in the text, at least one byte each. So the limits grow with the text,
/// while alias replay (`alias_limits`, 1,000,000 replayed events) stays fixed and still stops alias bombs.
fn yaml_options(text: &str) -> serde_saphyr::Options {
    let defaults = serde_saphyr::Budget::default();
    // Two events per byte covers the densest YAML (`[]` is two events in two bytes, plus stream and document events).
    // serde-saphyr's option structs are non-exhaustive: its `budget!` and `options!` macros start from the defaults.
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_events: defaults.max_events.max(text.len().saturating_mul(2).saturating_add(16)),
            max_nodes: defaults.max_nodes.max(text.len().saturating_add(16)),
            max_total_scalar_bytes: defaults.max_total_scalar_bytes.max(text.len()),
        },
    }
}

impl Partner {
    /// Validates a partner file into a partner: ids trimmed and unique, usage within `as_of` and naming listed
    /// customers, certifications that expire after they are earned, defaults applied. `origin` names the file
    /// in errors (each `origin: field.path: message`) and stays with the partner. The first problem is returned.
    pub fn from_file(file: PartnerFile, origin: &str) -> Result<Partner, Error> {
        match Parts::from(file).validate(origin) {
            (Some(p), errors) if errors.is_empty() => Ok(p),
            (_, errors) => Err(first(errors)),
        }
    }

    /// [`Partner::from_file`] of a file whose usage rows were read and checked already (issue 15: Parquet
    /// tables, [`crate::columnar::Portfolio::validated`]): `file` has no usage entries, and `usage` holds rows
    /// that validation would have accepted and made exactly so. Everything else of the file is validated as
    /// `from_file` validates it, so the partner and its first problem are those of `from_file`.
    #[cfg(feature = "arrow")]
    pub(crate) fn from_file_with_usage(
        file: PartnerFile,
        usage: Vec<UsageRow>,
        origin: &str,
    ) -> Result<Partner, Error> {
        debug_assert!(file.usage.is_empty(), "the usage rows are given apart");
        let mut partner = Partner::from_file(file, origin)?;
        partner.usage = usage;
        Ok(partner)
    }
}

/// Where the pieces of a partner built from tables came from (`folder/usage.csv:7`, `usage: row 812`), by field
/// path of its partner file (`usage[3]`, `people[0].certifications[1]`), so that a problem found when the file is
/// validated or scored names the table row a person can open, not a field of a file they never saw. One type for
/// every table source: the CLI's CSV and Parquet tables and the Python module's DataFrames.
///
/// Stored compactly (issue 15): per list of the file, its table and the row number of each element, a place
/// rendered only when it is asked for. Most partners have no warning and no error, and then the places cost a
/// row number per row, not a string and a map entry per row.
#[derive(Debug, Clone, Default)]
pub struct Places {
    /// Each table named: its label (`usage.parquet`, `folder/usage.csv`) and how its rows are numbered.
    tables: Vec<(String, Numbering)>,
    lists: Vec<PlacedList>,
}

/// How a table's places are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Numbering {
    /// `usage.parquet: row 812`: a row of an Arrow table (Parquet, a DataFrame), from 1.
    Row,
    /// `folder/usage.csv:7`: a line of a text file, from 1.
    Line,
}

/// One list of the partner file: element `n` came from row `rows[n]` of table `table` (an index of `tables`).
#[derive(Debug, Clone)]
struct PlacedList {
    /// Its field path: `usage`, `people`, `people[0].certifications`.
    field: std::borrow::Cow<'static, str>,
    table: usize,
    rows: Vec<u64>,
}

impl Places {
    /// Notes that element `n` of the list at field path `list` (`usage`, `people[0].certifications`) came from
    /// row (or line) `rows[n]` of `table`, numbered as `numbering` says. Each list is noted once.
    pub fn list(
        &mut self,
        list: impl Into<std::borrow::Cow<'static, str>>,
        table: &str,
        numbering: Numbering,
        rows: Vec<u64>,
    ) {
        let t = match self.tables.iter().position(|(label, n)| label == table && *n == numbering) {
            Some(t) => t,
            None => {
                self.tables.push((table.to_owned(), numbering));
                self.tables.len() - 1
            }
        };
        self.lists.push(PlacedList { field: list.into(), table: t, rows });
    }

    /// The place a field path (`usage[3].month`, `people[0].certifications[1]`) comes from, if any: the place of
    /// the longest noted element that starts the field.
    pub fn of_field(&self, field: &str) -> Option<String> {
        let mut path = field;
        loop {
            if let Some(place) = self.element(path) {
                return Some(place);
            }
            path = &path[..path.rfind('.')?];
        }
    }

    /// The place of a list element's path (`usage[3]`), if that element was noted: its index written as the
    /// engine writes indices (digits, no leading zero), so exactly the paths `list[n]` of the noted lists match.
    fn element(&self, path: &str) -> Option<String> {
        let inner = path.strip_suffix(']')?;
        let open = inner.rfind('[')?;
        let (list, index) = (&inner[..open], &inner[open + 1..]);
        let canonical =
            !index.is_empty() && index.bytes().all(|b| b.is_ascii_digit()) && (index == "0" || !index.starts_with('0'));
        if !canonical {
            return None;
        }
        let n: usize = index.parse().ok()?;
        let placed = self.lists.iter().find(|l| l.field == list)?;
        let row = placed.rows.get(n)?;
        let (label, numbering) = self.tables.get(placed.table)?;
        Some(match numbering {
            Numbering::Row => format!("{label}: row {row}"),
            Numbering::Line => format!("{label}:{row}"),
        })
    }

    /// An error of the partner, put on the row its field comes from when that is known (else it keeps the
    /// partner's origin and field); a line and column of a text the tables never were is dropped.
    pub fn locate(&self, mut e: Error) -> Error {
        if let Some(place) = e.place.field.as_deref().and_then(|field| self.of_field(field)) {
            e.place = Located::file(&place);
        }
        e.place.line = None;
        e
    }

    /// The warnings of a report on the partner from `origin`, each at its place: on the table row its field comes
    /// from when that is known (`folder/people.csv:4`, `people.parquet: row 3`), else at `origin: field`. A
    /// partner read from a file has no places (`Places::default()`): every warning is at its file and field.
    pub fn warnings(&self, origin: &str, report: &crate::ScoreReport) -> Vec<String> {
        report
            .warnings
            .iter()
            .map(|w| match self.of_field(&w.field) {
                Some(place) => w.render(&place),
                None => w.render(&format!("{origin}: {}", w.field)),
            })
            .collect()
    }
}

/// Elements of a list that read, each with its index in the file.
type Indexed<T> = Vec<(usize, T)>;

/// A partner file as far as it reads, each list element with its index in the file: every element of a file
/// that read strictly, or (when it did not) the sections and elements that read on their own. A part that did
/// not read is absent, and the checks that depend on it are skipped (its own problem was reported).
struct Parts {
    partner: Option<PartnerIdFile>,
    as_of: Option<Month>,
    path: Option<String>,
    /// The coverage entries that read, and whether all of them did (else usage rows are not checked against it).
    coverage: Option<(Indexed<CoverageFile>, bool)>,
    /// The customers that read, and whether all of them did (else a usage row's customer is not checked).
    customers: Option<(Vec<(usize, CustomerFile)>, bool)>,
    usage: Vec<(usize, UsageFile)>,
    /// Each person: their id when it read, and the certifications that read.
    people: Vec<(usize, Option<String>, Indexed<CertificationFile>)>,
    /// The anniversary and the attained designations that read.
    history: Option<(Option<Date>, Indexed<AttainedFile>)>,
    solutions: Vec<(usize, SolutionFile)>,
}

impl From<PartnerFile> for Parts {
    fn from(f: PartnerFile) -> Parts {
        Parts {
            partner: Some(f.partner),
            as_of: Some(f.as_of),
            path: f.path,
            coverage: f.coverage.map(|c| (c.into_iter().enumerate().collect(), true)),
            customers: f.customers.map(|c| (c.into_iter().enumerate().collect(), true)),
            usage: f.usage.into_iter().enumerate().collect(),
            people: f
                .people
                .into_iter()
                .enumerate()
                .map(|(i, p)| (i, Some(p.id), p.certifications.into_iter().enumerate().collect()))
                .collect(),
            history: f.history.map(|h| (h.anniversary, h.designations.into_iter().enumerate().collect())),
            solutions: f.solutions.into_iter().enumerate().collect(),
        }
    }
}

/// Reads `value` as a `T` strictly; on failure records a problem at `path` (or, for an object, one at each key
/// that fails on its own, `path.key`) and gives `None`.
fn read_one<T: serde::de::DeserializeOwned, W: strict::Words>(
    value: &serde_json::Value,
    path: &str,
    origin: &str,
    problems: &mut Vec<Error>,
) -> Option<T> {
    let whole = match Strict::<T, W>::deserialize(value) {
        Ok(v) => return Some(v.0),
        Err(e) => e,
    };
    let at = |e: &serde_json::Error, field: String| {
        let e = Error::from_json(origin, e);
        Error { place: Located::field(origin, field), ..e }
    };
    if let serde_json::Value::Object(map) = value {
        let mut found = false;
        for (k, v) in map {
            let alone = serde_json::Value::Object(serde_json::Map::from_iter([(k.clone(), v.clone())]));
            // A key that reads alone is only short of the keys beside it (`missing field`): it is not at fault.
            if let Err(e) = Strict::<T, W>::deserialize(&alone) {
                if !e.to_string().starts_with("missing field") {
                    problems.push(at(&e, format!("{path}.{k}")));
                    found = true;
                }
            }
        }
        if found {
            return None;
        }
    }
    problems.push(at(&whole, path.to_owned()));
    None
}

/// Reads each element of a list on its own; a value that is not a list is one problem.
fn read_list<T: serde::de::DeserializeOwned, W: strict::Words>(
    value: &serde_json::Value,
    path: &str,
    origin: &str,
    problems: &mut Vec<Error>,
) -> (Vec<(usize, T)>, bool) {
    match value {
        serde_json::Value::Array(items) => {
            let mut read = Vec::new();
            for (i, item) in items.iter().enumerate() {
                if let Some(v) = read_one::<T, W>(item, &format!("{path}[{i}]"), origin, problems) {
                    read.push((i, v));
                }
            }
            let complete = read.len() == items.len();
            (read, complete)
        }
        serde_json::Value::Null => (Vec::new(), true),
        other => {
            read_one::<Vec<T>, W>(other, path, origin, problems);
            (Vec::new(), false)
        }
    }
}

/// `value` without the list under `key` (read on its own), and that list (`null` when absent).
fn split_list(value: &serde_json::Value, key: &str) -> (serde_json::Value, serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            let mut rest = map.clone();
            let list = rest.shift_remove(key).unwrap_or(serde_json::Value::Null);
            (serde_json::Value::Object(rest), list)
        }
        other => (other.clone(), serde_json::Value::Null),
    }
}

impl Parts {
    /// The parts of a file that read, from the file as plain data, and the problems of those that did not.
    fn read<W: strict::Words>(root: &serde_json::Value, origin: &str) -> (Parts, Vec<Error>) {
        let mut problems = Vec::new();
        let mut parts = Parts {
            partner: None,
            as_of: None,
            path: None,
            coverage: None,
            customers: None,
            usage: Vec::new(),
            people: Vec::new(),
            history: None,
            solutions: Vec::new(),
        };
        let Some(map) = root.as_object() else {
            read_one::<PartnerFile, W>(root, "", origin, &mut problems);
            for e in &mut problems {
                e.place.field = None;
            }
            return (parts, problems);
        };
        for key in ["partner", "as_of"] {
            if !map.contains_key(key) {
                problems.push(
                    Error::new(Located::file(origin), format!("missing field `{key}`")).with_code(codes::MISSING_KEY),
                );
            }
        }
        let p = &mut problems;
        for (key, value) in map {
            match key.as_str() {
                "partner" => parts.partner = read_one::<PartnerIdFile, W>(value, key, origin, p),
                "as_of" => parts.as_of = read_one::<Month, W>(value, key, origin, p),
                "path" => parts.path = read_one::<Option<String>, W>(value, key, origin, p).flatten(),
                "coverage" if !value.is_null() => {
                    parts.coverage = Some(read_list::<CoverageFile, W>(value, key, origin, p))
                }
                "customers" if !value.is_null() => {
                    parts.customers = Some(read_list::<CustomerFile, W>(value, key, origin, p))
                }
                "usage" => parts.usage = read_list::<UsageFile, W>(value, key, origin, p).0,
                "people" => {
                    let items = match value {
                        serde_json::Value::Array(items) => items.as_slice(),
                        other => {
                            read_one::<Vec<PersonFile>, W>(other, key, origin, p);
                            &[]
                        }
                    };
                    for (i, item) in items.iter().enumerate() {
                        let at = format!("people[{i}]");
                        let (person, certs) = split_list(item, "certifications");
                        let person = read_one::<PersonFile, W>(&person, &at, origin, p);
                        let (certs, _) =
                            read_list::<CertificationFile, W>(&certs, &format!("{at}.certifications"), origin, p);
                        parts.people.push((i, person.map(|p| p.id), certs));
                    }
                }
                "history" if !value.is_null() => {
                    let (history, attained) = split_list(value, "designations");
                    if let Some(h) = read_one::<HistoryFile, W>(&history, key, origin, p) {
                        let (attained, _) = read_list::<AttainedFile, W>(&attained, "history.designations", origin, p);
                        parts.history = Some((h.anniversary, attained));
                    }
                }
                "solutions" => parts.solutions = read_list::<SolutionFile, W>(value, key, origin, p).0,
                "coverage" | "customers" | "history" => {}
                _ => {
                    // serde's own message for the key, with the closest known key as a hint.
                    let alone = serde_json::Value::Object(serde_json::Map::from_iter([(key.clone(), value.clone())]));
                    if let Err(e) = Strict::<PartnerFile, W>::deserialize(&alone) {
                        p.push(Error::from_json(origin, &e));
                    }
                }
            }
        }
        (parts, problems)
    }

    /// Checks what reading cannot: ids trimmed, present and unique, usage naming listed customers and within
    /// `as_of`, certifications that expire after they are earned. Every problem is returned, in file order;
    /// the partner only when the file read whole and has none.
    fn validate(self, origin: &str) -> (Option<Partner>, Vec<Error>) {
        let at = |field: String| Located::field(origin, field);
        let mut problems = Vec::new();
        let id = self.partner.as_ref().map(|p| p.id.trim().to_owned());
        if id.as_deref() == Some("") {
            problems.push(Error::new(at("partner.id".into()), "partner id is empty").with_code(codes::EMPTY_ID));
        }
        let path = match self.path.as_deref().map(str::trim) {
            None => None,
            Some(p @ ("smb" | "enterprise")) => Some(p.to_owned()),
            Some(other) => {
                problems.push(
                    Error::new(at("path".into()), format!("unknown path \"{other}\""))
                        .with_hint("expected smb or enterprise, or leave it out to let the rules choose")
                        .with_code(codes::UNKNOWN_PARTNER_PATH),
                );
                None
            }
        };

        let coverage = self.coverage.as_ref().map(|(list, _)| check_coverage(list, self.as_of, origin, &mut problems));
        // Usage is checked against the coverage only when every entry read (an entry that did not read has its
        // own problem; its rows are not reported as outside a coverage the file may well state).
        let coverage_check = self.coverage.as_ref().filter(|(_, complete)| *complete).and(coverage.as_ref());

        let mut segments = BTreeMap::new();
        let mut listed = Vec::new();
        // The customers a usage row may name: `None` when the file lists none, or when one did not read (its id
        // is unknown, so a row naming it is not reported as naming an unlisted customer).
        let mut known_customers: Option<BTreeSet<String>> = None;
        let mut customers_listed = false;
        if let Some((list, complete)) = &self.customers {
            customers_listed = true;
            let mut seen = BTreeSet::new();
            for (i, c) in list {
                let cid = crate::value::trim(&c.id).to_owned();
                if cid.is_empty() {
                    problems.push(
                        Error::new(at(format!("customers[{i}].id")), "customer id is empty").with_code(codes::EMPTY_ID),
                    );
                    continue;
                }
                if !seen.insert(cid.clone()) {
                    problems.push(
                        Error::new(at(format!("customers[{i}].id")), format!("customer \"{cid}\" is listed twice"))
                            .with_code(codes::DUPLICATE_ID),
                    );
                    continue;
                }
                listed.push(cid.clone());
                if let Some(s) = c.segment {
                    segments.insert(cid, s);
                }
            }
            // An empty id is a customer too: a row naming "" is reported as empty, never as unlisted.
            let all_read = *complete && list.iter().all(|(_, c)| !c.id.trim().is_empty());
            if all_read {
                known_customers = Some(seen);
            }
        }

        let mut usage: Vec<UsageRow> = Vec::with_capacity(self.usage.len());
        // Issue 15: a row's strings are trimmed without a copy when there is nothing to trim, a run of rows of one
        // customer and product shares one copy of each text (`UsageRow::texts`), and a row naming the customer of
        // the row before is not looked up again.
        for (i, row) in self.usage {
            let before = problems.len();
            let customer = trimmed(row.customer);
            let same_customer = usage.last().is_some_and(|last| *last.customer == *customer);
            if customer.is_empty() {
                problems.push(
                    Error::new(at(format!("usage[{i}].customer")), "customer id is empty").with_code(codes::EMPTY_ID),
                );
            } else if let (Some(known), false) = (&known_customers, same_customer) {
                if !known.contains(&customer) {
                    problems.push(
                        Error::new(
                            at(format!("usage[{i}].customer")),
                            format!("usage row names customer \"{customer}\", which is not listed under `customers`"),
                        )
                        .with_hint("add the customer to `customers`, or fix the id")
                        .with_code(codes::UNKNOWN_CUSTOMER),
                    );
                }
            }
            if let Some(as_of) = self.as_of {
                if row.month > as_of {
                    problems.push(
                        Error::new(
                            at(format!("usage[{i}].month")),
                            format!("usage month {} is after as_of {}", row.month, as_of),
                        )
                        .with_hint("as_of is the last complete month of data")
                        .with_code(codes::AFTER_AS_OF),
                    );
                }
            }
            if let Some(coverage) = coverage_check {
                if let Some(problem) = outside_coverage(coverage, row.measure, row.month, origin, i) {
                    problems.push(problem);
                }
            }
            let product = trimmed(row.product);
            if product.is_empty() {
                problems
                    .push(Error::new(at(format!("usage[{i}].product")), "product is empty").with_code(codes::EMPTY_ID));
            }
            if problems.len() > before {
                continue;
            }
            let row = UsageFile { customer, product, ..row };
            usage.push(UsageRow::read(row, usage.last()));
        }

        let mut people = Vec::with_capacity(self.people.len());
        let mut seen_people = BTreeSet::new();
        for (i, pid, certs) in self.people {
            let pid = pid.map(trimmed);
            match &pid {
                Some(p) if p.is_empty() => problems
                    .push(Error::new(at(format!("people[{i}].id")), "person id is empty").with_code(codes::EMPTY_ID)),
                Some(p) if !seen_people.insert(p.clone()) => problems.push(
                    Error::new(at(format!("people[{i}].id")), format!("person \"{p}\" is listed twice"))
                        .with_code(codes::DUPLICATE_ID),
                ),
                _ => {}
            }
            let mut certifications = Vec::with_capacity(certs.len());
            for (j, c) in certs {
                if let Some(exp) = c.expires {
                    if exp < c.earned {
                        problems.push(
                            Error::new(
                                at(format!("people[{i}].certifications[{j}].expires")),
                                format!("expires {exp} is before earned {}", c.earned),
                            )
                            .with_code(codes::EXPIRES_BEFORE_EARNED),
                        );
                    }
                }
                let name = trimmed(c.name);
                // An empty name (a NULL or blank cell of a table) would be a certification that counts for nothing,
                // without a word: refused, as an empty product is.
                if name.is_empty() {
                    problems.push(
                        Error::new(at(format!("people[{i}].certifications[{j}].name")), "certification name is empty")
                            .with_code(codes::EMPTY_ID),
                    );
                }
                certifications.push(HeldCertification { name, earned: c.earned, expires: c.expires });
            }
            if let Some(id) = pid {
                people.push(Person { id, certifications });
            }
        }

        let customers = customers_listed.then_some(listed);
        let (anniversary, attained) = match self.history {
            None => (None, Vec::new()),
            Some((anniversary, designations)) => {
                let mut seen = BTreeSet::new();
                for (i, a) in &designations {
                    if let Some(as_of) = self.as_of {
                        if a.attained > as_of.last_day() {
                            problems.push(
                                Error::new(
                                    at(format!("history.designations[{i}].attained")),
                                    format!("attained {} is after as_of {}", a.attained, as_of),
                                )
                                .with_code(codes::AFTER_AS_OF),
                            );
                        }
                    }
                    if !seen.insert(a.id.trim().to_owned()) {
                        problems.push(
                            Error::new(
                                at(format!("history.designations[{i}].id")),
                                format!("designation \"{}\" is listed twice", a.id),
                            )
                            .with_code(codes::DUPLICATE_ID),
                        );
                    }
                }
                (anniversary, designations.into_iter().map(|(_, a)| (a.id.trim().to_owned(), a.attained)).collect())
            }
        };
        let mut seen = BTreeSet::new();
        let mut solutions = Vec::new();
        for (i, s) in self.solutions {
            if !seen.insert(s.id.trim().to_owned()) {
                problems.push(
                    Error::new(at(format!("solutions[{i}].id")), format!("solution \"{}\" is listed twice", s.id))
                        .with_code(codes::DUPLICATE_ID),
                );
                continue;
            }
            solutions.push(Solution { id: s.id.trim().to_owned(), name: s.name, facts: s.facts });
        }
        let (Some(id), Some(as_of), true) = (id, self.as_of, problems.is_empty()) else { return (None, problems) };
        let partner = Partner {
            origin: origin.to_owned(),
            id,
            name: self.partner.and_then(|p| p.name),
            as_of,
            path,
            coverage,
            segments,
            customers,
            usage,
            people,
            anniversary,
            attained,
            solutions,
        };
        (Some(partner), problems)
    }
}

impl Partner {
    /// The partner in the partner-file shape, as JSON (for writing a partner with suggestions applied).
    pub fn to_json(&self) -> serde_json::Value {
        PartnerFile::from(self).to_json_value()
    }
}

impl PartnerFile {
    /// The file as a JSON value, keys in the order of the contract.
    pub fn to_json_value(&self) -> serde_json::Value {
        // Every field is a string, a bool, an exact number or a list or map of those: nothing can fail.
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// The file as one line of JSON (an NDJSON line, without its line break).
    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The file as indented JSON.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The file as YAML (block style, every text quoted, numbers exact), as `designate import` writes it; it
    /// reads back into the same file.
    pub fn to_yaml(&self) -> String {
        let mut out = String::new();
        crate::report::yaml::write(&serde_json::to_value(self).unwrap_or_default(), 0, &mut out);
        out
    }
}

impl From<&Partner> for PartnerFile {
    /// The partner written back in the file shape: what reads again into the same [`Partner`]. Defaults the
    /// reader applied (`pal`, `pay-as-you-go`) are written out, and names are as the partner holds them (trimmed).
    fn from(p: &Partner) -> PartnerFile {
        PartnerFile {
            partner: PartnerIdFile { id: p.id.clone(), name: p.name.clone() },
            as_of: p.as_of,
            path: p.path.clone(),
            coverage: p.coverage.as_ref().map(|list| {
                list.iter()
                    .map(|c| CoverageFile { measure: c.measure, from: c.from, to: c.to, source: c.source.clone() })
                    .collect()
            }),
            customers: p.customers.as_ref().map(|ids| {
                ids.iter().map(|id| CustomerFile { id: id.clone(), segment: p.segments.get(id).copied() }).collect()
            }),
            usage: p
                .usage
                .iter()
                .map(|r| UsageFile {
                    customer: r.customer.to_string(),
                    month: r.month,
                    product: r.product.to_string(),
                    measure: r.measure,
                    value: NonNegative(r.value),
                    association: Some(r.association),
                    offer: Some(r.offer.to_string()),
                    // Written only when not the default, so that files without clouds read and write as before.
                    cloud: (r.cloud != Cloud::Public).then_some(r.cloud),
                })
                .collect(),
            people: p
                .people
                .iter()
                .map(|person| PersonFile {
                    id: person.id.clone(),
                    certifications: person
                        .certifications
                        .iter()
                        .map(|c| CertificationFile { name: c.name.clone(), earned: c.earned, expires: c.expires })
                        .collect(),
                })
                .collect(),
            history: (p.anniversary.is_some() || !p.attained.is_empty()).then(|| HistoryFile {
                anniversary: p.anniversary,
                designations: p.attained.iter().map(|(id, d)| AttainedFile { id: id.clone(), attained: *d }).collect(),
            }),
            solutions: p
                .solutions
                .iter()
                .map(|s| SolutionFile { id: s.id.clone(), name: s.name.clone(), facts: s.facts.clone() })
                .collect(),
        }
    }
}

/// Checks `coverage`: each range from a month to a later (or the same) one, not after `as_of`, each measure once.
/// The ranges that pass are the partner's coverage; a problem is pushed for each that does not.
fn check_coverage(
    list: &[(usize, CoverageFile)],
    as_of: Option<Month>,
    origin: &str,
    problems: &mut Vec<Error>,
) -> Vec<Coverage> {
    let at = |field: String| Located::field(origin, field);
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(list.len());
    for (i, c) in list {
        let before = problems.len();
        if !seen.insert(c.measure) {
            problems.push(
                Error::new(
                    at(format!("coverage[{i}].measure")),
                    format!("measure {} is listed twice in coverage", c.measure.name()),
                )
                .with_hint("give each measure one range, from its first month to its last")
                .with_code(codes::DUPLICATE_ID),
            );
        }
        if c.from > c.to {
            problems.push(
                Error::new(
                    at(format!("coverage[{i}].to")),
                    format!("coverage of {} ends ({}) before it starts ({})", c.measure.name(), c.to, c.from),
                )
                .with_code(codes::COVERAGE_RANGE),
            );
        }
        if let Some(as_of) = as_of {
            if c.to > as_of {
                problems.push(
                    Error::new(
                        at(format!("coverage[{i}].to")),
                        format!("coverage of {} ends {}, after as_of {as_of}", c.measure.name(), c.to),
                    )
                    .with_hint("as_of is the last complete month of data")
                    .with_code(codes::AFTER_AS_OF),
                );
            }
        }
        if problems.len() == before {
            let source = c.source.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
            out.push(Coverage { measure: c.measure, from: c.from, to: c.to, source });
        }
    }
    out
}

/// The problem of a usage row of `measure` in `month` that `coverage` says the data does not hold: rows outside
/// the coverage would be scored while the report calls their months missing.
fn outside_coverage(coverage: &[Coverage], measure: Measure, month: Month, origin: &str, row: usize) -> Option<Error> {
    let field = |f: &str| Located::field(origin, format!("usage[{row}].{f}"));
    match coverage.iter().find(|c| c.measure == measure) {
        None => Some(
            Error::new(
                field("measure"),
                format!("usage row of measure {}, which coverage does not list", measure.name()),
            )
            .with_hint("add the measure to `coverage` with the months the data holds, or remove the row")
            .with_code(codes::OUTSIDE_COVERAGE),
        ),
        Some(c) if month < c.from || month > c.to => Some(
            Error::new(
                field("month"),
                format!("usage month {month} is outside the coverage of {} ({} to {})", measure.name(), c.from, c.to),
            )
            .with_hint("widen the measure's range in `coverage`, or remove the row")
            .with_code(codes::OUTSIDE_COVERAGE),
        ),
        Some(_) => None,
    }
}

/// Reads one field of the file shape from text, as the file readers read it (a month, a date, a measure, a
/// non-negative decimal): for sources that hold the fields as text, such as CSV cells. The error is the readers'
/// message for the same text, in the files' words.
pub fn field_from_text<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    let d = serde::de::value::StrDeserializer::<serde::de::value::Error>::new(text);
    T::deserialize(d).map_err(|e| crate::error::plain_words(&e.to_string()))
}

/// The hint of a row of a partners table without an id, Parquet or CSV (issue 15).
pub const NO_PARTNER_ID: &str = "every partner needs an id: the rows of the other tables name their partner by it";

/// What a table reader says of a required cell with nothing in it (issue 15), after the cell's place: a NULL
/// (`usage.parquet: row 7, column value: is NULL, and a value is required`) or a blank cell (`usage.csv:8: column
/// "value" is empty, and a value is required`). Not [`field_from_text`]'s words for the empty text (`invalid
/// value: string ""`), which speak of a string the file never held.
pub fn no_value(null: bool) -> &'static str {
    if null {
        "is NULL, and a value is required"
    } else {
        "is empty, and a value is required"
    }
}

#[cfg(test)]
mod tests {
    //! Issue 15: places of partners built from tables, kept as row numbers and rendered only when asked for.
    use super::*;

    /// A partner's places as the table readers note them: rows of Arrow tables, lines of CSV files.
    fn places() -> Places {
        let mut p = Places::default();
        p.list("usage", "usage.parquet", Numbering::Row, vec![3, 812, 9]);
        p.list("people", "dir/people.csv", Numbering::Line, vec![2, 5]);
        p.list("people[0].certifications", "dir/people.csv", Numbering::Line, vec![2, 3]);
        p.list("people[1].certifications", "dir/people.csv", Numbering::Line, vec![5]);
        p
    }

    /// Issue 15: every field path under a noted element names its row or line, written as the readers wrote
    /// them when each place was a string of its own (`usage.parquet: row 812`, `dir/people.csv:3`); a path
    /// under no noted element, past the end of a list, or with an index the engine never writes, has none.
    #[test]
    fn places_name_the_row_of_the_longest_noted_element() {
        let p = places();
        let of = |field: &str| p.of_field(field);
        assert_eq!(of("usage[1]").as_deref(), Some("usage.parquet: row 812"));
        assert_eq!(of("usage[1].month").as_deref(), Some("usage.parquet: row 812"));
        assert_eq!(of("people[0].certifications[1].earned").as_deref(), Some("dir/people.csv:3"));
        assert_eq!(of("people[1].id").as_deref(), Some("dir/people.csv:5"));
        // No certifications[1] for the second person: the person's own line.
        assert_eq!(of("people[1].certifications[1]").as_deref(), Some("dir/people.csv:5"));
        for none in ["usage[3]", "usage[01]", "usage[+1]", "usage[]", "usage", "customers[0]", "as_of", "usage[1]x"] {
            assert_eq!(of(none), None, "{none}");
        }
        let e = p.locate(Error::new(Located::field("partners.parquet: row 1 (p1)", "usage[2].value"), "bad"));
        assert_eq!(e.to_string(), "usage.parquet: row 9: bad");
        let e = p.locate(Error::new(Located::field("partners.parquet: row 1 (p1)", "as_of"), "bad"));
        assert_eq!(e.to_string(), "partners.parquet: row 1 (p1): as_of: bad");
    }

    /// Issue 15: a usage row's strings are taken rather than copied when there is nothing to trim or lower-case,
    /// and a customer repeated from the row before is not looked up again; the values are still those of
    /// `trim()` and `to_lowercase()` (ASCII or not, upper case or not), the default offer is `pay-as-you-go`,
    /// and a row naming an unlisted customer after a listed one, or the same unlisted customer twice, is still
    /// refused at each row.
    #[test]
    fn usage_rows_are_trimmed_and_lower_cased_without_copies_as_before() {
        let yaml = "partner: {id: ' p1 '}\nas_of: 2024-06\ncustomers: [{id: c1}, {id: ' C2 '}]\nusage:\n\
            - {customer: c1, month: 2024-06, product: azure sql, measure: acr_usd, value: 1}\n\
            - {customer: ' c1', month: 2024-06, product: ' Azure SQL ', measure: acr_usd, value: 1, offer: ' Trial '}\n\
            - {customer: C2, month: 2024-06, product: 'ÄRGER İstanbul', measure: acr_usd, value: 1, offer: 'ÖFFER'}\n\
            - {customer: C2, month: 2024-06, product: x, measure: acr_usd, value: 1, offer: '  '}\n\
            - {customer: C2, month: 2024-06, product: x, measure: acr_usd, value: 1, offer: sponsored}\n\
            - {customer: C2, month: 2024-04, product: ' Azure SQL', measure: acr_usd, value: 1}\n\
            - {customer: C2, month: 2024-05, product: Azure SQL, measure: acr_usd, value: 1}\n\
            - {customer: C2, month: 2024-05, product: AZURE SQL, measure: acr_usd, value: 1}\n";
        let partner = Partner::parse(yaml, Format::Yaml, "p.yaml").expect("the partner validates");
        let got: Vec<(&str, &str, &str, &str)> =
            partner.usage.iter().map(|r| (&*r.customer, &*r.product, &*r.product_key, r.offer.as_ref())).collect();
        assert_eq!(
            got,
            [
                ("c1", "azure sql", "azure sql", "pay-as-you-go"),
                ("c1", "Azure SQL", "azure sql", "trial"),
                ("C2", "ÄRGER İstanbul", "ÄRGER İstanbul".to_lowercase().as_str(), "öffer"),
                ("C2", "x", "x", "pay-as-you-go"),
                ("C2", "x", "x", "sponsored"),
                // A product's key copied from the row before, and one lower-cased again after another spelling.
                ("C2", "Azure SQL", "azure sql", "pay-as-you-go"),
                ("C2", "Azure SQL", "azure sql", "pay-as-you-go"),
                ("C2", "AZURE SQL", "azure sql", "pay-as-you-go"),
            ]
        );
        assert_eq!(partner.id, "p1");
        let unlisted = "partner: {id: p1}\nas_of: 2024-06\ncustomers: [{id: c1}]\nusage:\n\
            - {customer: c1, month: 2024-06, product: a, measure: acr_usd, value: 1}\n\
            - {customer: c9, month: 2024-06, product: a, measure: acr_usd, value: 1}\n\
            - {customer: c9, month: 2024-06, product: a, measure: acr_usd, value: 1}\n";
        let errors = Partner::parse_all(unlisted, Format::Yaml, "p.yaml").expect_err("unlisted customers");
        let places: Vec<String> = errors.iter().map(|e| e.to_string().split(':').take(2).collect()).collect();
        assert_eq!(places, ["p.yaml usage[1].customer", "p.yaml usage[2].customer"]);
    }

    /// Issue 15: a run of rows of one customer and product holds one copy of each text, shared by its rows; a
    /// new customer or product (another spelling too) starts new ones.
    #[test]
    fn a_run_of_usage_rows_shares_one_copy_of_its_texts() {
        let yaml = "partner: {id: p1}\nas_of: 2024-06\nusage:\n\
            - {customer: c1, month: 2024-04, product: Azure SQL, measure: acr_usd, value: 1}\n\
            - {customer: ' c1', month: 2024-05, product: Azure SQL, measure: acr_usd, value: 1}\n\
            - {customer: c1, month: 2024-06, product: AZURE SQL, measure: acr_usd, value: 1}\n\
            - {customer: c2, month: 2024-06, product: AZURE SQL, measure: acr_usd, value: 1}\n";
        let partner = Partner::parse(yaml, Format::Yaml, "p.yaml").expect("the partner validates");
        let [a, b, c, d] = &partner.usage[..] else { panic!("four rows, got {:?}", partner.usage) };
        let shared = |x: &Arc<str>, y: &Arc<str>| Arc::ptr_eq(x, y);
        assert!(shared(&a.customer, &b.customer) && shared(&a.product, &b.product));
        assert!(shared(&a.product_key, &b.product_key));
        assert!(shared(&b.customer, &c.customer) && !shared(&b.product, &c.product));
        assert_eq!((&*c.product, &*c.product_key), ("AZURE SQL", "azure sql"));
        assert!(!shared(&b.product_key, &c.product_key), "a new spelling's key is made anew, equal in text");
        assert_eq!(b.product_key, c.product_key);
        assert!(!shared(&c.customer, &d.customer) && shared(&c.product, &d.product));
        assert_eq!(&*d.customer, "c2");
    }

    /// Issue 15: a scored partner's warnings are placed by one function for every caller: on the table row
    /// their field comes from when it is known, else at the partner's origin and field.
    #[test]
    fn places_put_warnings_on_their_row_else_on_origin_and_field() {
        let rules =
            crate::RuleSet::load(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../rules/2024-06")))
                .expect("the shipped rules load");
        let yaml = "partner: {id: p1}\nas_of: 2024-06\nusage: []\npeople:\n  - id: a\n    certifications:\n      - {name: AZ-104, earned: 2024-01-15}\n  - id: b\n    certifications:\n      - {name: AZ-1O4, earned: 2024-01-15}\n";
        let partner = Partner::parse(yaml, Format::Yaml, "p.yaml").expect("the partner validates");
        let report = crate::score(&rules, &partner).expect("the partner scores");
        let first = |w: Vec<String>| w.first().map(|w| w.lines().next().unwrap_or_default().to_owned());
        let unknown = "unknown certification \"AZ-1O4\"";
        assert_eq!(
            first(Places::default().warnings(&partner.origin, &report)),
            Some(format!("p.yaml: people[1].certifications[0]: {unknown}"))
        );
        assert_eq!(first(places().warnings(&partner.origin, &report)), Some(format!("dir/people.csv:5: {unknown}")));
    }
}
