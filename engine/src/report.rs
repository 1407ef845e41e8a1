//! The result of scoring a partner: what `designate score` prints, as plain data.
//!
//! Points are exact decimals. They serialize to JSON as numbers written exactly (`19.8`), through
//! serde_json's arbitrary-precision numbers, never through a binary float.

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A partner's score under one rule set.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ScoreReport {
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
}

/// A problem with the partner's data found while scoring it, at a field of the partner file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
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
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RulesRef {
    pub version: String,
    pub digest: String,
}

/// One designation's result.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DesignationResult {
    pub id: String,
    pub name: String,
    pub path: String,
    /// Why this path was used.
    pub path_reason: String,
    #[serde(serialize_with = "number", deserialize_with = "decimal")]
    pub points: Decimal,
    #[serde(serialize_with = "number", deserialize_with = "decimal")]
    pub max_points: Decimal,
    pub qualified: bool,
    /// Why the designation is or is not attained.
    pub qualification: String,
    pub metrics: Vec<MetricResult>,
}

/// One metric's result.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MetricResult {
    pub id: String,
    pub category: String,
    #[serde(serialize_with = "number", deserialize_with = "decimal")]
    pub points: Decimal,
    #[serde(serialize_with = "number", deserialize_with = "decimal")]
    pub max_points: Decimal,
    /// How the points were earned: what counted, what did not and why.
    pub explanation: String,
    /// The same as data: what the metric counted and did not, and how its units became points. Absent in
    /// reports written before evidence existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<crate::evidence::Evidence>,
}

/// Reads a decimal written by [`number`] (or any exact decimal form) back.
pub fn decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    crate::value::Dec::deserialize(d).map(|v| v.0)
}

/// Writes a decimal as an exact JSON number (`19.8`, `40`), trailing zeros removed.
pub fn number<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    let text = d.normalize().to_string();
    let n: serde_json::Number = text.parse().map_err(serde::ser::Error::custom)?;
    n.serialize(s)
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
mod yaml {
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
            other => out.push_str(&other.to_string()),
        }
    }
}
