//! The result of scoring a partner: what `designate score` prints, as plain data.
//!
//! Points are exact decimals. They serialize to JSON as numbers written exactly (`19.8`), through
//! serde_json's arbitrary-precision numbers, never through a binary float.
//!
//! Every document the tool writes (this report, a comparison, a snapshot diff, a gap report, a snapshot
//! manifest) opens with `schema_version`, a whole number counted per kind of document, and has a JSON Schema
//! derived from its Rust type (`designate schema report`). A document written before the field existed reads
//! as version 1: everything added since is optional.

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::evidence::Number;

/// The `schema_version` of the report this engine writes.
pub const SCHEMA_VERSION: u32 = 1;

/// The version a document without `schema_version` reads as: the shape before the field existed.
pub fn schema_version_1() -> u32 {
    1
}

/// A partner's score under one rule set.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct ScoreReport {
    /// The version of this document's shape ([`SCHEMA_VERSION`]); a report without it is version 1.
    #[serde(default = "schema_version_1")]
    pub schema_version: u32,
    pub partner: String,
    pub as_of: String,
    pub rules: RulesRef,
    pub designations: Vec<DesignationResult>,
    /// Designations held now, badges and specializations (when the rules define them or history is given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program: Option<crate::status::ProgramStatus>,
    /// Certified software designations of the partner's solutions, when it lists any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub software: Vec<crate::status::SoftwareResult>,
    /// Problems with the partner's data that did not stop scoring but may have cost points (a certification
    /// the catalogue does not know but that looks like a misspelt one); left out when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Warning>,
    /// Each metric that read months or measures the partner's data does not hold (the partner file's
    /// `coverage`): scored from the data there is, the missing months not counted as zero in silence. Left out
    /// when there are none, as for every file without `coverage`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data_gaps: Vec<DataGap>,
}

/// A metric that lacked data: which measure, which months, and what that means in words.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct DataGap {
    pub designation: String,
    pub metric: String,
    /// The measure of the partner file the data lacks (`protected_users`).
    pub measure: String,
    /// The months the metric read that the data does not hold (`2024-05`), in order.
    pub months_missing: Vec<String>,
    /// The gap in words: `protected_users is not in the data (...)`, `acr_usd of 2023-07–2023-12 is missing ...`.
    pub message: String,
}

/// A problem with the partner's data found while scoring it, at a field of the partner file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Warning {
    /// The field path in the partner-file shape, such as `people[2].certifications[0]`.
    pub field: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Warning {
    /// `place: message`, then `  hint: ...` on a line of its own when there is a hint. The place is the file
    /// and the field (`partner.yaml: people[2].certifications[0]`), or a line the field came from.
    pub fn render(&self, place: &str) -> String {
        let mut out = format!("{place}: {}", self.message);
        if let Some(hint) = &self.hint {
            out.push_str("\n  hint: ");
            out.push_str(hint);
        }
        out
    }
}

/// The rule set a result was computed with.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct RulesRef {
    pub version: String,
    pub digest: String,
}

/// One designation's result.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct DesignationResult {
    pub id: String,
    pub name: String,
    pub path: String,
    /// Why this path was used.
    pub path_reason: String,
    #[serde(serialize_with = "number", deserialize_with = "decimal")]
    #[schemars(with = "crate::report::ExactNumber")]
    pub points: Decimal,
    #[serde(serialize_with = "number", deserialize_with = "decimal")]
    #[schemars(with = "crate::report::ExactNumber")]
    pub max_points: Decimal,
    pub qualified: bool,
    /// Why the designation is or is not attained.
    pub qualification: String,
    /// Whether any month of `window` qualifies: what held designations and badges follow. Absent (read as
    /// false) in reports written before the qualification window.
    #[serde(default)]
    pub qualified_in_window: bool,
    /// The qualification window: the rules' `window_months` months ending at `as_of`, oldest first, each scored
    /// with `as_of` set to that month (`as_of`'s own entry repeats the top-level path, points and qualified).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub window: Vec<WindowMonth>,
    /// The enrollment track, when the designation's path rule has one (`enrollment_prefers`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enrollment: Option<Enrollment>,
    /// The points the designation needs (the rules' `qualification.min_total`); absent in reports written
    /// before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<crate::report::ExactNumber>")]
    pub min_total: Option<Number>,
    /// The points every metric needs (`qualification.min_each_metric`); absent like `min_total`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<crate::report::ExactNumber>")]
    pub min_each_metric: Option<Number>,
    pub metrics: Vec<MetricResult>,
}

/// The track a partner enrolls on: the path rule's preferred path when the rule gives it in any month of the
/// qualification window, else its path at `as_of`. It is the path scored (`applied`) while the designation,
/// attained before, is kept until its anniversary.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Enrollment {
    pub path: String,
    /// Why this track, and whether and why it is the one scored.
    pub reason: String,
    /// Whether the designation was scored on this track.
    pub applied: bool,
}

/// One month of a designation's qualification window.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct WindowMonth {
    pub month: String,
    /// The rule version that scored the month; null when no version is in force then.
    pub version: Option<String>,
    /// The path scored; null when no version is in force or its version lacks the designation.
    pub path: Option<String>,
    /// The designation's points that month; null like `path`.
    #[schemars(with = "Option<crate::report::ExactNumber>")]
    pub points: Option<Number>,
    pub qualified: bool,
}

/// One metric's result.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct MetricResult {
    pub id: String,
    pub category: String,
    #[serde(serialize_with = "number", deserialize_with = "decimal")]
    #[schemars(with = "crate::report::ExactNumber")]
    pub points: Decimal,
    #[serde(serialize_with = "number", deserialize_with = "decimal")]
    #[schemars(with = "crate::report::ExactNumber")]
    pub max_points: Decimal,
    /// How the points were earned: what counted, what did not and why.
    pub explanation: String,
    /// The same as data: what the metric counted and did not, and how its units became points. Absent in
    /// reports written before evidence existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<crate::evidence::Evidence>,
}

/// Why a designation is not attained, from the result's numbers: the points short of the bar and the metrics
/// below the least each needs.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Shortfall {
    /// The designation's points.
    #[serde(serialize_with = "number")]
    #[schemars(with = "crate::report::ExactNumber")]
    pub points: Decimal,
    /// The points it needs, when the report records them.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<crate::report::ExactNumber>")]
    pub min_total: Option<Number>,
    /// How many points are missing to `min_total` (0 when the total is enough).
    #[serde(serialize_with = "number")]
    #[schemars(with = "crate::report::ExactNumber")]
    pub points_short: Decimal,
    /// The points each metric needs, when the report records them.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<crate::report::ExactNumber>")]
    pub min_each_metric: Option<Number>,
    /// The metrics below `min_each_metric` (at 0 when the report does not record it), in the path's order.
    pub metrics_below: Vec<MetricShort>,
}

/// A metric below the least each metric needs.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct MetricShort {
    pub id: String,
    #[serde(serialize_with = "number")]
    #[schemars(with = "crate::report::ExactNumber")]
    pub points: Decimal,
}

impl DesignationResult {
    /// Why the designation is not attained; `None` when it is. Read from the numbers of the result (its points,
    /// `min_total`, `min_each_metric` and each metric's points), never from the qualification sentence. A
    /// report written before the bar was recorded still names the metrics at 0, which the program never accepts.
    pub fn shortfall(&self) -> Option<Shortfall> {
        if self.qualified {
            return None;
        }
        let min_total = self.min_total.map(|n| n.0);
        let min_each = self.min_each_metric.map(|n| n.0);
        let points_short = min_total.map_or(Decimal::ZERO, |m| (m - self.points).max(Decimal::ZERO)).normalize();
        let metrics_below = self
            .metrics
            .iter()
            .filter(|m| match min_each {
                Some(min) => m.points < min,
                None => m.points <= Decimal::ZERO,
            })
            .map(|m| MetricShort { id: m.id.clone(), points: m.points.normalize() })
            .collect();
        Some(Shortfall {
            points: self.points.normalize(),
            min_total: self.min_total,
            points_short,
            min_each_metric: self.min_each_metric,
            metrics_below,
        })
    }
}

impl Shortfall {
    /// The shortfall in words: `12 points short (58 of 70); below the 1 point each metric needs: deployments
    /// at 0`.
    pub fn to_text(&self) -> String {
        let mut parts = Vec::new();
        if !self.points_short.is_zero() {
            let of = self.min_total.map(|m| format!(" ({} of {})", self.points, m.0.normalize())).unwrap_or_default();
            parts.push(format!("{} points short{of}", self.points_short));
        }
        if !self.metrics_below.is_empty() {
            match self.min_each_metric {
                Some(min) => {
                    let list: Vec<String> =
                        self.metrics_below.iter().map(|m| format!("{} at {}", m.id, m.points)).collect();
                    let min = min.0.normalize();
                    let unit = if min == Decimal::ONE { "point" } else { "points" };
                    parts.push(format!("below the {min} {unit} each metric needs: {}", list.join(", ")))
                }
                None => {
                    let list: Vec<&str> = self.metrics_below.iter().map(|m| m.id.as_str()).collect();
                    parts.push(format!("metrics at 0: {}", list.join(", ")))
                }
            }
        }
        if parts.is_empty() {
            // Only a report without its bar can get here: nothing in its numbers says why.
            return "the report does not record the bar it missed".to_owned();
        }
        parts.join("; ")
    }
}

/// The `schema_version` of the gap report.
pub const GAP_SCHEMA_VERSION: u32 = 1;

/// What `designate gap --format json` writes: per designation, what the partner needs.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct GapReport {
    /// The version of this document's shape ([`GAP_SCHEMA_VERSION`]).
    pub schema_version: u32,
    pub partner: String,
    pub as_of: String,
    pub rules: RulesRef,
    pub designations: Vec<crate::gap::Gap>,
}

/// The JSON Schema (draft 2020-12) of an output document, derived from its Rust type, as `designate schema
/// DOCUMENT` prints it; `name` is the document's name there (`report`, `comparison`, ...).
pub fn document_schema<T: JsonSchema>(name: &str) -> serde_json::Value {
    use schemars::generate::SchemaSettings;

    let mut generator = SchemaSettings::draft2020_12().into_generator();
    let root = generator.subschema_for::<T>();
    // The type's own schema is a reference into `$defs`; inlined, the document's title and description lead.
    let root = match root.get("$ref").and_then(|r| r.as_str()).and_then(|r| r.strip_prefix("#/$defs/")) {
        Some(name) => generator.definitions().get(name).cloned().unwrap_or_else(|| root.to_value()),
        None => root.to_value(),
    };
    let mut doc = serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": format!("designate {name}"),
    });
    let map = doc.as_object_mut().expect("an object");
    for (k, v) in root.as_object().into_iter().flatten() {
        if k != "title" {
            map.insert(k.clone(), v.clone());
        }
    }
    map.insert("$defs".into(), serde_json::Value::Object(generator.take_definitions(true)));
    doc
}

/// How an exact decimal appears in the JSON Schema of an output document: a JSON number written exactly, or, in
/// YAML, where a plain number of more than 15 digits would be read as a binary float, the same decimal quoted.
pub struct ExactNumber;

impl schemars::JsonSchema for ExactNumber {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ExactNumber".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "An exact decimal: a number, or in YAML a quoted decimal when it has more than 15 digits",
            "anyOf": [
                { "type": "number" },
                { "type": "string", "pattern": "^-?[0-9]+(\\.[0-9]+)?$" }
            ]
        })
    }
}

/// Reads a decimal written by [`number`] (or any exact decimal form) back.
pub fn decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    crate::value::Dec::deserialize(d).map(|v| v.0)
}

/// Writes a decimal as an exact JSON number (`19.8`, `40`), trailing zeros removed.
///
/// It is written the way serde_json writes an arbitrary-precision number: a struct named by serde_json's private
/// token with the number's text as its one field, which is exactly what `serde_json::Number` serializes as, so every
/// serializer sees what it saw before. Issue 15: a report holds thousands of numbers, and going through a `Number`
/// cost two allocations and a parse each (six per cent of `score -`); the text is now written on the stack, by
/// `DecimalText`.
pub fn number<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeStruct;
    let token = crate::value::JSON_NUMBER_TOKEN;
    let text = DecimalText::new(&d.normalize());
    let mut st = s.serialize_struct(token, 1)?;
    st.serialize_field(token, text.as_str())?;
    st.end()
}

/// A decimal's text exactly as its `Display` writes it (`19.8`, `-0.050`, `-0`, `0`), written on the stack
/// straight from its mantissa and scale. Issue 15: `Display` divides the 96-bit mantissa by ten once per digit and
/// goes through a formatter, some 650 instructions per number; reports and flat results write tens of thousands.
pub(crate) struct DecimalText {
    /// The text is `bytes[start..]`: a sign, 29 digits (the largest mantissa) and a point at most, or `0.` and
    /// 28 digits (the largest scale).
    bytes: [u8; DecimalText::CAP],
    start: usize,
}

impl DecimalText {
    const CAP: usize = 32;

    pub(crate) fn new(d: &Decimal) -> DecimalText {
        const TEN_19: u128 = 10_000_000_000_000_000_000;
        // The mantissa's digits, right-aligned and padded with zeros on the left: every digit the text may need
        // (29 of the mantissa, or a scale of 28 and the one zero before the point).
        let mut digits = [b'0'; 40];
        let m = d.mantissa().unsigned_abs();
        // Two 64-bit halves of at most 19 digits, each cut into digits with 64-bit arithmetic.
        let (high, low) = if m < TEN_19 { (0, m as u64) } else { ((m / TEN_19) as u64, (m % TEN_19) as u64) };
        let put = |mut v: u64, end: usize, digits: &mut [u8; 40]| {
            let mut i = end;
            while v > 0 {
                i -= 1;
                digits[i] = b'0' + (v % 10) as u8;
                v /= 10;
            }
            i
        };
        let first_low = put(low, 40, &mut digits);
        let first = if high > 0 { put(high, 40 - 19, &mut digits) } else { first_low };
        let significant = 40 - first;
        let scale = d.scale() as usize;
        // As `Display`: the digits, padded with zeros to at least the scale and one more (`0.05`, `0`).
        let count = significant.max(scale + 1);
        let (whole, fraction) = digits[40 - count..].split_at(count - scale);
        let mut text = DecimalText { bytes: [0; DecimalText::CAP], start: DecimalText::CAP };
        let mut push = |part: &[u8]| {
            let from = text.start - part.len();
            text.bytes[from..text.start].copy_from_slice(part);
            text.start = from;
        };
        if scale > 0 {
            push(fraction);
            push(b".");
        }
        push(whole);
        if d.is_sign_negative() {
            push(b"-");
        }
        text
    }

    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII digits, a point and a sign are written.
        std::str::from_utf8(&self.bytes[self.start..]).unwrap_or_default()
    }
}

impl ScoreReport {
    /// Reads a report written by [`ScoreReport::to_yaml`]; `origin` names it in errors.
    pub fn from_yaml(text: &str, origin: &str) -> Result<ScoreReport, crate::Error> {
        serde_saphyr::from_str(text).map_err(|e| crate::Error::from_yaml(origin, text, &e))
    }

    /// The report as one line of JSON (the NDJSON form).
    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).expect("a report always serializes")
    }

    /// The report as indented JSON.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report always serializes")
    }

    /// The report as YAML, numbers written exactly.
    pub fn to_yaml(&self) -> String {
        let value = serde_json::to_value(self).expect("a report always serializes");
        let mut out = String::new();
        yaml::write(&value, 0, &mut out);
        out
    }
}

/// A small YAML writer for JSON values: block style, every string double-quoted (a valid YAML scalar),
/// numbers as written. It exists because YAML serializers see arbitrary-precision numbers as maps.
pub(crate) mod yaml {
    use serde_json::Value;

    pub fn write(v: &Value, indent: usize, out: &mut String) {
        match v {
            Value::Object(map) if !map.is_empty() => {
                for (i, (k, val)) in map.iter().enumerate() {
                    if i > 0 || !out.ends_with("- ") {
                        pad(indent, out);
                    }
                    out.push_str(&key(k));
                    out.push(':');
                    value_after_key(val, indent, out);
                }
            }
            Value::Array(items) if !items.is_empty() => {
                for item in items {
                    pad(indent, out);
                    out.push_str("- ");
                    match item {
                        Value::Object(m) if !m.is_empty() => write(item, indent + 2, out),
                        _ => {
                            scalar(item, out);
                            out.push('\n');
                        }
                    }
                }
            }
            _ => {
                scalar(v, out);
                out.push('\n');
            }
        }
    }

    fn value_after_key(val: &Value, indent: usize, out: &mut String) {
        match val {
            Value::Object(m) if !m.is_empty() => {
                out.push('\n');
                write(val, indent + 2, out);
            }
            Value::Array(a) if !a.is_empty() => {
                out.push('\n');
                write(val, indent, out);
            }
            _ => {
                out.push(' ');
                scalar(val, out);
                out.push('\n');
            }
        }
    }

    fn pad(indent: usize, out: &mut String) {
        out.extend(std::iter::repeat_n(' ', indent));
    }

    fn key(k: &str) -> String {
        if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            k.to_owned()
        } else {
            serde_json::to_string(k).expect("strings serialize")
        }
    }

    fn scalar(v: &Value, out: &mut String) {
        match v {
            Value::Object(_) => out.push_str("{}"),
            Value::Array(_) => out.push_str("[]"),
            // A YAML reader takes a plain number as a binary float, which holds 15 significant digits: a longer
            // one (a percent from a division has 28) is quoted, so that it reads back exactly, as decimal text.
            Value::Number(n) if significant_digits(&n.to_string()) > 15 => {
                out.push('"');
                out.push_str(&n.to_string());
                out.push('"');
            }
            other => out.push_str(&other.to_string()),
        }
    }

    /// The digits of a decimal number's text but its leading zeros (`-0.0012` has 2, `1200` has 4).
    fn significant_digits(text: &str) -> usize {
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        // Trailing zeros of a whole number count: the float would have to hold them too.
        digits.trim_start_matches('0').len().max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 15: the digit writer gives exactly `Display`'s text for every scale from 0 to 28, both signs, zero
    /// and negative zero (`-0`, `-0.000`), the largest and smallest mantissas, each power of ten and its
    /// neighbours, and a spread of mantissas of every length.
    #[test]
    fn decimal_text_is_what_display_writes_for_every_scale_sign_and_mantissa() {
        let max = Decimal::MAX.mantissa();
        let mut mantissas: Vec<i128> = vec![0, 1, 9, 10, 11, 99, 100, 101, 5, 50, 500, max, max - 1, max / 10];
        let mut power = 1i128;
        while power <= max {
            mantissas.extend([power - 1, power, power + 1, power * 7 / 2]);
            power *= 10;
        }
        // A simple LCG: mantissas of every length, kept within 96 bits.
        let mut x: u128 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..2000 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            let bits = (x >> 64) as u32 % 97;
            mantissas.push(((x >> 20) & ((1u128 << bits) - 1)) as i128 % (max + 1));
        }
        let mut checked = 0;
        for m in mantissas {
            for scale in 0..=28 {
                for negative in [false, true] {
                    let Ok(mut d) = Decimal::try_from_i128_with_scale(m, scale) else { panic!("{m} {scale}") };
                    d.set_sign_negative(negative);
                    assert_eq!(DecimalText::new(&d).as_str(), d.to_string(), "mantissa {m}, scale {scale}, {negative}");
                    let n = d.normalize();
                    assert_eq!(DecimalText::new(&n).as_str(), n.to_string(), "normalized {m}, scale {scale}");
                    checked += 1;
                }
            }
        }
        assert!(checked > 100_000, "{checked}");
        for (d, text) in
            [(Decimal::MAX, "79228162514264337593543950335"), (Decimal::MIN, "-79228162514264337593543950335")]
        {
            assert_eq!(DecimalText::new(&d).as_str(), text);
        }
        let mut negative_zero = Decimal::ZERO;
        negative_zero.set_sign_negative(true);
        assert_eq!(DecimalText::new(&negative_zero).as_str(), "-0");
        assert_eq!(DecimalText::new(&Decimal::new(-5, 28)).as_str(), "-0.0000000000000000000000000005");
    }

    /// Issue 15: `number` writes straight from the stack what `serde_json::Number` wrote: the same JSON text and
    /// the same JSON value, for the smallest, largest, longest and negative decimals and trailing zeros.
    #[test]
    fn a_number_is_written_as_the_exact_json_number_it_was() {
        #[derive(Serialize)]
        struct N(#[serde(serialize_with = "number")] Decimal);
        let cases = [
            "0",
            "-0",
            "19.80",
            "6.6",
            "-12.5",
            "40",
            "1000000",
            "0.0000000000000000000000000001",
            "-0.0000000000000000000000000001",
            "79228162514264337593543950335",
            "-79228162514264337593543950335",
            "7.9228162514264337593543950335",
            "-3.3333333333333333333333333333",
        ];
        for text in cases {
            let d: Decimal = text.parse().unwrap();
            let was: serde_json::Number = d.normalize().to_string().parse().unwrap();
            assert_eq!(serde_json::to_string(&N(d)).unwrap(), serde_json::to_string(&was).unwrap(), "{text}");
            assert_eq!(serde_json::to_value(N(d)).unwrap(), serde_json::Value::Number(was), "{text}");
        }
        assert_eq!(serde_json::to_string(&N("19.80".parse().unwrap())).unwrap(), "19.8");
        assert_eq!(serde_json::to_string(&N("-0".parse().unwrap())).unwrap(), "0");
    }

    fn designation(points: i64, metric_points: &[i64], bar: bool) -> DesignationResult {
        DesignationResult {
            qualified_in_window: false,
            window: Vec::new(),
            enrollment: None,
            id: "d".to_owned(),
            name: "D".to_owned(),
            path: "smb".to_owned(),
            path_reason: String::new(),
            points: Decimal::from(points),
            max_points: Decimal::from(100),
            qualified: false,
            // The shortfall is read from the numbers: this sentence is never parsed.
            qualification: "attained: 100 ≥ 0 points".to_owned(),
            min_total: bar.then_some(Number(Decimal::from(70))),
            min_each_metric: bar.then_some(Number(Decimal::from(2))),
            metrics: metric_points
                .iter()
                .enumerate()
                .map(|(i, p)| MetricResult {
                    id: format!("m{i}"),
                    category: "performance".to_owned(),
                    points: Decimal::from(*p),
                    max_points: Decimal::from(50),
                    explanation: String::new(),
                    evidence: None,
                })
                .collect(),
        }
    }

    /// Issue 12: why a designation is not attained comes from its numbers: points short of `min_total`, metrics
    /// below `min_each_metric` (or at 0 when an older report does not record it).
    #[test]
    fn the_shortfall_is_read_from_the_numbers() {
        let s = designation(58, &[57, 1, 0], true).shortfall().unwrap();
        assert_eq!(s.points_short, Decimal::from(12));
        let below: Vec<&str> = s.metrics_below.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(below, ["m1", "m2"]);
        assert_eq!(s.to_text(), "12 points short (58 of 70); below the 2 points each metric needs: m1 at 1, m2 at 0");
        let enough = designation(75, &[74, 1], true).shortfall().unwrap();
        assert_eq!(enough.to_text(), "below the 2 points each metric needs: m1 at 1");
        let old = designation(58, &[57, 1, 0], false).shortfall().unwrap();
        assert_eq!(old.to_text(), "metrics at 0: m2");
        let mut attained = designation(80, &[40, 40], true);
        attained.qualified = true;
        assert!(attained.shortfall().is_none());
    }

    /// Issue 12: a report written before `schema_version` existed reads back as version 1.
    #[test]
    fn a_report_without_schema_version_reads_as_version_1() {
        let report = ScoreReport {
            schema_version: SCHEMA_VERSION,
            partner: "p".to_owned(),
            as_of: "2024-06".to_owned(),
            rules: RulesRef { version: "v".to_owned(), digest: "sha256:0".to_owned() },
            designations: vec![designation(58, &[58], false)],
            program: None,
            software: Vec::new(),
            warnings: Vec::new(),
            data_gaps: Vec::new(),
        };
        let yaml = report.to_yaml();
        assert!(yaml.starts_with("schema_version: 1\n"), "{yaml}");
        let old = yaml.strip_prefix("schema_version: 1\n").unwrap();
        let read = ScoreReport::from_yaml(old, "old.yaml").unwrap();
        assert_eq!(read.schema_version, 1);
        assert_eq!(read, report);
    }
}
