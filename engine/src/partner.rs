//! Partner files: the input contract (`partner-data.md`), read from YAML, JSON or TOML and validated
//! into a [`Partner`] that the evaluator can trust.
//!
//! The serde structs here mirror the file shape exactly and refuse unknown keys; [`Partner`] is the
//! checked form, with product names trimmed and lower-cased once so that rules match them cheaply.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::error::{Error, Located};
use crate::strict::{self, Strict};
use crate::value::{Date, Month, NonNegative};
pub use crate::vocabulary::{Association, Measure, Segment};

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PartnerFile {
    partner: PartnerIdFile,
    as_of: Month,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    customers: Option<Vec<CustomerFile>>,
    #[serde(default)]
    usage: Vec<UsageFile>,
    #[serde(default)]
    people: Vec<PersonFile>,
    #[serde(default)]
    history: Option<HistoryFile>,
    #[serde(default)]
    solutions: Vec<SolutionFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HistoryFile {
    #[serde(default)]
    anniversary: Option<Date>,
    #[serde(default)]
    designations: Vec<AttainedFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AttainedFile {
    id: String,
    attained: Date,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SolutionFile {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    facts: BTreeMap<String, Fact>,
}

/// A fact about a software solution: a number, a flag, a text or a list of texts.
#[derive(Debug, Clone, PartialEq)]
pub enum Fact {
    Number(Decimal),
    Flag(bool),
    Text(String),
    List(Vec<String>),
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PartnerIdFile {
    id: String,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CustomerFile {
    id: String,
    #[serde(default)]
    segment: Option<Segment>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UsageFile {
    customer: String,
    month: Month,
    product: String,
    measure: Measure,
    value: NonNegative,
    #[serde(default)]
    association: Option<Association>,
    #[serde(default)]
    offer: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PersonFile {
    id: String,
    #[serde(default)]
    certifications: Vec<CertificationFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CertificationFile {
    name: String,
    earned: Date,
    #[serde(default)]
    expires: Option<Date>,
}

/// A validated partner at one evaluation month.
#[derive(Debug, Clone)]
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
#[derive(Debug, Clone)]
pub struct Solution {
    pub id: String,
    pub name: Option<String>,
    pub facts: BTreeMap<String, Fact>,
}

/// One month of one measure of one product for one customer.
#[derive(Debug, Clone)]
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
}

/// A person and the certifications they hold.
#[derive(Debug, Clone)]
pub struct Person {
    pub id: String,
    pub certifications: Vec<HeldCertification>,
}

/// A certification a person earned, as named in the partner file.
#[derive(Debug, Clone)]
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
            Ok(file) => file.validate(origin),
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
        use serde_json::json;
        let customers: Vec<serde_json::Value> = self
            .customers
            .iter()
            .flatten()
            .map(|id| match self.segments.get(id) {
                Some(s) => json!({ "id": id, "segment": format!("{s:?}").to_lowercase() }),
                None => json!({ "id": id }),
            })
            .collect();
        let usage: Vec<serde_json::Value> = self
            .usage
            .iter()
            .map(|r| {
                json!({
                    "customer": r.customer,
                    "month": r.month.to_string(),
                    "product": r.product,
                    "measure": r.measure.name(),
                    "value": r.value.normalize().to_string().parse::<serde_json::Number>().expect("a decimal is a number"),
                    "association": r.association.name(),
                    "offer": r.offer,
                })
            })
            .collect();
        let people: Vec<serde_json::Value> = self
            .people
            .iter()
            .map(|p| {
                let certs: Vec<serde_json::Value> = p
                    .certifications
                    .iter()
                    .map(|c| {
                        let mut v = json!({ "name": c.name, "earned": c.earned.to_string() });
                        if let Some(e) = c.expires {
                            v["expires"] = json!(e.to_string());
                        }
                        v
                    })
                    .collect();
                json!({ "id": p.id, "certifications": certs })
            })
            .collect();
        let mut v = json!({ "partner": { "id": self.id }, "as_of": self.as_of.to_string() });
        if let Some(n) = &self.name {
            v["partner"]["name"] = json!(n);
        }
        if let Some(p) = &self.path {
            v["path"] = json!(p);
        }
        if self.customers.is_some() {
            v["customers"] = json!(customers);
        }
        v["usage"] = json!(usage);
        v["people"] = json!(people);
        if self.anniversary.is_some() || !self.attained.is_empty() {
            let designations: Vec<serde_json::Value> =
                self.attained.iter().map(|(id, d)| json!({ "id": id, "attained": d.to_string() })).collect();
            v["history"] = json!({ "designations": designations });
            if let Some(a) = self.anniversary {
                v["history"]["anniversary"] = json!(a.to_string());
            }
        }
        if !self.solutions.is_empty() {
            let solutions: Vec<serde_json::Value> = self
                .solutions
                .iter()
                .map(|s| {
                    let facts: serde_json::Map<String, serde_json::Value> = s
                        .facts
                        .iter()
                        .map(|(k, f)| {
                            let v = match f {
                                Fact::Number(d) => {
                                    json!(d.normalize().to_string().parse::<serde_json::Number>().expect("a number"))
                                }
                                Fact::Flag(b) => json!(b),
                                Fact::Text(t) => json!(t),
                                Fact::List(l) => json!(l),
                            };
                            (k.clone(), v)
                        })
                        .collect();
                    let mut sv = json!({ "id": s.id, "facts": facts });
                    if let Some(n) = &s.name {
                        sv["name"] = json!(n);
                    }
                    sv
                })
                .collect();
            v["solutions"] = json!(solutions);
        }
        v
    }
}
