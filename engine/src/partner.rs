//! Partner files: the input contract (`partner-data.md`), read from YAML, JSON or TOML and validated
//! into a [`Partner`] that the evaluator can trust.
//!
//! The serde structs here mirror the file shape exactly and refuse unknown keys; [`Partner`] is the
//! checked form, with product names trimmed and lower-cased once so that rules match them cheaply.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize, Serializer};

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
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PartnerFile {
    pub partner: PartnerIdFile,
    #[serde(serialize_with = "display")]
    pub as_of: Month,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
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

/// `history`: the program anniversary and the designations attained before.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryFile {
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "display_some")]
    pub anniversary: Option<Date>,
    #[serde(default)]
    pub designations: Vec<AttainedFile>,
}

/// One designation attained before, and the day it was attained.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AttainedFile {
    pub id: String,
    #[serde(serialize_with = "display")]
    pub attained: Date,
}

/// One software solution and its facts.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PartnerIdFile {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// One customer of `customers`, with its segment when known.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerFile {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment: Option<Segment>,
}

/// One usage row: one customer, month, product and measure. `association` and `offer` default to `pal` and
/// `pay-as-you-go` when absent.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PersonFile {
    pub id: String,
    #[serde(default)]
    pub certifications: Vec<CertificationFile>,
}

/// One certification a person holds: its name or exam code, when it was earned, and when it expires.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
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
    pub customer: String,
    pub month: Month,
    /// The product name as written, trimmed.
    pub product: String,
    /// The product name trimmed and lower-cased, for matching against rule lists.
    pub product_key: String,
    pub measure: Measure,
    pub value: Decimal,
    pub association: Association,
    /// The offer, trimmed and lower-cased (`pay-as-you-go` when the file gives none).
    pub offer: String,
    /// The cloud of the subscription (`public` when the file gives none); a rule version may count only some.
    pub cloud: Cloud,
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
    /// Reads and validates a partner file; the format follows the extension.
    pub fn load(path: &Path) -> Result<Partner, Error> {
        let origin = path.display().to_string();
        let format = Format::from_path(path).ok_or_else(|| {
            Error::new(Located::file(&origin), "unsupported partner file extension")
                .with_hint("use .yaml, .yml, .json or .toml")
        })?;
        let meta = std::fs::metadata(path).map_err(|e| {
            let dangling = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
            let what =
                if dangling { "dangling symbolic link (its target does not exist)".to_owned() } else { e.to_string() };
            Error::new(Located::file(&origin), format!("cannot read file: {what}"))
        })?;
        // Reading a FIFO would wait forever for a writer, a device could be endless: only regular files are read.
        if !meta.is_file() {
            return Err(Error::new(
                Located::file(&origin),
                format!("not a regular file but {}", file_kind(&meta.file_type())),
            ));
        }
        let bytes =
            std::fs::read(path).map_err(|e| Error::new(Located::file(&origin), format!("cannot read file: {e}")))?;
        let text = String::from_utf8(bytes).map_err(|e| {
            Error::new(
                Located::file(&origin),
                format!("file is not UTF-8 text (invalid byte at offset {})", e.utf8_error().valid_up_to()),
            )
        })?;
        Partner::parse(&text, format, &origin)
    }

    /// Parses and validates partner text in the given format; `origin` names it in errors.
    pub fn parse(text: &str, format: Format, origin: &str) -> Result<Partner, Error> {
        if text.trim().is_empty() {
            return Err(Error::new(Located::file(origin), "partner file is empty")
                .with_hint("a partner needs at least `partner.id` and `as_of`"));
        }
        // YAML and TOML hand float literals over as f64: one with more digits than that keeps is refused by its
        // text (JSON numbers arrive as text and are checked while reading).
        let inexact = match format {
            Format::Json => Vec::new(),
            Format::Yaml => crate::value::inexact_yaml_literals(text, origin),
            Format::Toml => crate::value::inexact_float_literals(text, origin),
        };
        if let Some(e) = inexact.into_iter().next() {
            return Err(e);
        }
        // Read strictly: a positional array never stands for a table (see `strict`).
        let parsed: Result<PartnerFile, Error> = match format {
            Format::Yaml => serde_saphyr::from_str_with_options::<Strict<_, strict::Yaml>>(text, yaml_options(text))
                .map(|s| s.0)
                .map_err(|e| Error::from_yaml(origin, text, &e)),
            Format::Json => serde_json::from_str::<Strict<_, strict::Json>>(text)
                .map(|s| s.0)
                .map_err(|e| Error::from_json(origin, &e)),
            Format::Toml => toml::from_str::<Strict<_, strict::Toml>>(text)
                .map(|s| s.0)
                .map_err(|e| Error::from_toml(origin, text, &e)),
        };
        match parsed {
            Ok(file) => Partner::from_file(file, origin),
            Err(_) if is_score_report(text, format) => {
                Err(Error::new(Located::file(origin), "this is a score report, not a partner file").with_hint(
                    "score reads partner files (docs/partner-data.md); to compare results use `designate compare` or `designate diff`",
                ))
            }
            Err(e) => Err(e),
        }
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
        file.validate(origin)
    }
}

impl PartnerFile {
    fn validate(self, origin: &str) -> Result<Partner, Error> {
        let at = |field: String| Located::field(origin, field);
        let id = self.partner.id.trim().to_owned();
        if id.is_empty() {
            return Err(Error::new(at("partner.id".into()), "partner id is empty"));
        }
        let path = match self.path.as_deref().map(str::trim) {
            None => None,
            Some(p @ ("smb" | "enterprise")) => Some(p.to_owned()),
            Some(other) => {
                return Err(Error::new(at("path".into()), format!("unknown path \"{other}\""))
                    .with_hint("expected smb or enterprise, or leave it out to let the rules choose"))
            }
        };

        let mut segments = BTreeMap::new();
        let mut listed = Vec::new();
        let known_customers: Option<BTreeSet<String>> = match &self.customers {
            None => None,
            Some(list) => {
                let mut seen = BTreeSet::new();
                for (i, c) in list.iter().enumerate() {
                    let cid = c.id.trim().to_owned();
                    if cid.is_empty() {
                        return Err(Error::new(at(format!("customers[{i}].id")), "customer id is empty"));
                    }
                    if !seen.insert(cid.clone()) {
                        return Err(Error::new(
                            at(format!("customers[{i}].id")),
                            format!("customer \"{cid}\" is listed twice"),
                        ));
                    }
                    listed.push(cid.clone());
                    if let Some(s) = c.segment {
                        segments.insert(cid, s);
                    }
                }
                Some(seen)
            }
        };

        let mut usage = Vec::with_capacity(self.usage.len());
        for (i, row) in self.usage.into_iter().enumerate() {
            let customer = row.customer.trim().to_owned();
            if customer.is_empty() {
                return Err(Error::new(at(format!("usage[{i}].customer")), "customer id is empty"));
            }
            if let Some(known) = &known_customers {
                if !known.contains(&customer) {
                    return Err(Error::new(
                        at(format!("usage[{i}].customer")),
                        format!("usage row names customer \"{customer}\", which is not listed under `customers`"),
                    )
                    .with_hint("add the customer to `customers`, or fix the id"));
                }
            }
            if row.month > self.as_of {
                return Err(Error::new(
                    at(format!("usage[{i}].month")),
                    format!("usage month {} is after as_of {}", row.month, self.as_of),
                )
                .with_hint("as_of is the last complete month of data"));
            }
            let product = row.product.trim().to_owned();
            if product.is_empty() {
                return Err(Error::new(at(format!("usage[{i}].product")), "product is empty"));
            }
            usage.push(UsageRow {
                customer,
                month: row.month,
                product_key: product.to_lowercase(),
                product,
                measure: row.measure,
                value: row.value.0,
                association: row.association.unwrap_or(Association::Pal),
                offer: row
                    .offer
                    .map(|o| o.trim().to_lowercase())
                    .filter(|o| !o.is_empty())
                    .unwrap_or_else(|| "pay-as-you-go".to_owned()),
                cloud: row.cloud.unwrap_or(Cloud::Public),
            });
        }

        let mut people = Vec::with_capacity(self.people.len());
        let mut seen_people = BTreeSet::new();
        for (i, p) in self.people.into_iter().enumerate() {
            let pid = p.id.trim().to_owned();
            if pid.is_empty() {
                return Err(Error::new(at(format!("people[{i}].id")), "person id is empty"));
            }
            if !seen_people.insert(pid.clone()) {
                return Err(Error::new(at(format!("people[{i}].id")), format!("person \"{pid}\" is listed twice")));
            }
            let mut certifications = Vec::with_capacity(p.certifications.len());
            for (j, c) in p.certifications.into_iter().enumerate() {
                if let Some(exp) = c.expires {
                    if exp < c.earned {
                        return Err(Error::new(
                            at(format!("people[{i}].certifications[{j}].expires")),
                            format!("expires {exp} is before earned {}", c.earned),
                        ));
                    }
                }
                certifications.push(HeldCertification {
                    name: c.name.trim().to_owned(),
                    earned: c.earned,
                    expires: c.expires,
                });
            }
            people.push(Person { id: pid, certifications });
        }

        let customers = known_customers.is_some().then_some(listed);
        let (anniversary, attained) = match self.history {
            None => (None, Vec::new()),
            Some(h) => {
                let mut seen = BTreeSet::new();
                for (i, a) in h.designations.iter().enumerate() {
                    if a.attained > self.as_of.last_day() {
                        return Err(Error::new(
                            at(format!("history.designations[{i}].attained")),
                            format!("attained {} is after as_of {}", a.attained, self.as_of),
                        ));
                    }
                    if !seen.insert(a.id.trim().to_owned()) {
                        return Err(Error::new(
                            at(format!("history.designations[{i}].id")),
                            format!("designation \"{}\" is listed twice", a.id),
                        ));
                    }
                }
                (h.anniversary, h.designations.into_iter().map(|a| (a.id.trim().to_owned(), a.attained)).collect())
            }
        };
        let mut seen = BTreeSet::new();
        let mut solutions = Vec::new();
        for (i, s) in self.solutions.into_iter().enumerate() {
            if !seen.insert(s.id.trim().to_owned()) {
                return Err(Error::new(
                    at(format!("solutions[{i}].id")),
                    format!("solution \"{}\" is listed twice", s.id),
                ));
            }
            solutions.push(Solution { id: s.id.trim().to_owned(), name: s.name, facts: s.facts });
        }
        Ok(Partner {
            origin: origin.to_owned(),
            id,
            name: self.partner.name,
            as_of: self.as_of,
            path,
            segments,
            customers,
            usage,
            people,
            anniversary,
            attained,
            solutions,
        })
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
}

impl From<&Partner> for PartnerFile {
    /// The partner written back in the file shape: what reads again into the same [`Partner`]. Defaults the
    /// reader applied (`pal`, `pay-as-you-go`) are written out, and names are as the partner holds them (trimmed).
    fn from(p: &Partner) -> PartnerFile {
        PartnerFile {
            partner: PartnerIdFile { id: p.id.clone(), name: p.name.clone() },
            as_of: p.as_of,
            path: p.path.clone(),
            customers: p.customers.as_ref().map(|ids| {
                ids.iter().map(|id| CustomerFile { id: id.clone(), segment: p.segments.get(id).copied() }).collect()
            }),
            usage: p
                .usage
                .iter()
                .map(|r| UsageFile {
                    customer: r.customer.clone(),
                    month: r.month,
                    product: r.product.clone(),
                    measure: r.measure,
                    value: NonNegative(r.value),
                    association: Some(r.association),
                    offer: Some(r.offer.clone()),
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

/// Reads one field of the file shape from text, as the file readers read it (a month, a date, a measure, a
/// non-negative decimal): for sources that hold the fields as text, such as CSV cells. The error is the readers'
/// message for the same text, in the files' words.
pub fn field_from_text<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    let d = serde::de::value::StrDeserializer::<serde::de::value::Error>::new(text);
    T::deserialize(d).map_err(|e| crate::error::plain_words(&e.to_string()))
}
