//! Portfolios as CSV tables, for data exported from a warehouse: a folder holding `partners.csv`,
//! `usage.csv` and, optionally, `customers.csv` and `people.csv` (one row per person and certification).
//!
//! `usage.csv` is streamed: the rows of one partner must be contiguous (any partner order), so memory holds
//! one partner's usage at a time. Customers and people, much smaller, are read whole. Each partner is
//! assembled into the partner-file shape and validated exactly like a partner file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use crate::portfolio::{Raw, Source};

/// True when `dir` holds a CSV portfolio.
pub fn is_tables(dir: &Path) -> bool {
    dir.join("partners.csv").is_file()
}

fn reader(path: &Path) -> Result<csv::Reader<std::fs::File>, String> {
    csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))
}

/// Column positions by name, requiring `required` and allowing `optional`; unknown columns are refused.
fn columns(
    path: &Path,
    r: &mut csv::Reader<std::fs::File>,
    required: &[&str],
    optional: &[&str],
) -> Result<BTreeMap<String, usize>, String> {
    let headers = r.headers().map_err(|e| format!("{}:1: {e}", path.display()))?.clone();
    let mut map = BTreeMap::new();
    for (i, h) in headers.iter().enumerate() {
        if !required.contains(&h) && !optional.contains(&h) {
            let all: Vec<&str> = required.iter().chain(optional).copied().collect();
            return Err(format!("{}:1: unknown column \"{h}\"\n  hint: columns: {}", path.display(), all.join(", ")));
        }
        map.insert(h.to_owned(), i);
    }
    for r in required {
        if !map.contains_key(*r) {
            return Err(format!("{}:1: missing column \"{r}\"", path.display()));
        }
    }
    Ok(map)
}

fn field<'a>(rec: &'a csv::StringRecord, cols: &BTreeMap<String, usize>, name: &str) -> &'a str {
    cols.get(name).and_then(|i| rec.get(*i)).unwrap_or("")
}

/// Rows of a small table grouped by partner id, as JSON objects built by `row`.
fn grouped(
    path: &Path,
    required: &[&str],
    optional: &[&str],
    row: impl Fn(&csv::StringRecord, &BTreeMap<String, usize>) -> Value,
) -> Result<BTreeMap<String, Vec<Value>>, String> {
    let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    if !path.is_file() {
        return Ok(out);
    }
    let mut r = reader(path)?;
    let cols = columns(path, &mut r, required, optional)?;
    for (n, rec) in r.records().enumerate() {
        let rec = rec.map_err(|e| format!("{}:{}: {e}", path.display(), n + 2))?;
        out.entry(field(&rec, &cols, "partner_id").to_owned()).or_default().push(row(&rec, &cols));
    }
    Ok(out)
}

/// A text value, or nothing when the cell is empty.
fn opt(s: &str) -> Value {
    if s.is_empty() {
        Value::Null
    } else {
        Value::String(s.to_owned())
    }
}

/// The partners of a CSV portfolio, in `partners.csv` order.
pub fn open(dir: &Path) -> Result<Box<dyn Iterator<Item = Raw>>, String> {
    let customers = grouped(&dir.join("customers.csv"), &["partner_id", "customer_id"], &["segment"], |rec, c| {
        let mut m = Map::new();
        m.insert("id".into(), json!(field(rec, c, "customer_id")));
        if let Value::String(s) = opt(field(rec, c, "segment")) {
            m.insert("segment".into(), Value::String(s));
        }
        Value::Object(m)
    })?;
    // People: one row per certification; persons in first-seen order.
    let people_rows = grouped(
        &dir.join("people.csv"),
        &["partner_id", "person_id", "certification", "earned"],
        &["expires"],
        |rec, c| {
            json!({
                "person": field(rec, c, "person_id"),
                "name": field(rec, c, "certification"),
                "earned": field(rec, c, "earned"),
                "expires": opt(field(rec, c, "expires")),
            })
        },
    )?;
    let mut people: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (partner, rows) in people_rows {
        let mut persons: Vec<(String, Vec<Value>)> = Vec::new();
        for row in rows {
            let id = row["person"].as_str().unwrap_or_default().to_owned();
            let mut cert = Map::new();
            cert.insert("name".into(), row["name"].clone());
            cert.insert("earned".into(), row["earned"].clone());
            if !row["expires"].is_null() {
                cert.insert("expires".into(), row["expires"].clone());
            }
            match persons.iter_mut().find(|(p, _)| *p == id) {
                Some((_, certs)) => certs.push(Value::Object(cert)),
                None => persons.push((id, vec![Value::Object(cert)])),
            }
        }
        people.insert(partner, persons.into_iter().map(|(id, c)| json!({ "id": id, "certifications": c })).collect());
    }

    let partners_path = dir.join("partners.csv");
    let mut pr = reader(&partners_path)?;
    let pcols = columns(&partners_path, &mut pr, &["partner_id", "as_of"], &["name", "path"])?;
    let mut heads = Vec::new();
    for (n, rec) in pr.records().enumerate() {
        let rec = rec.map_err(|e| format!("{}:{}: {e}", partners_path.display(), n + 2))?;
        heads.push((n + 2, rec, pcols.clone()));
    }
    let usage = UsageStream::open(&dir.join("usage.csv"))?;
    let shown = dir.display().to_string();
    let mut usage = usage;
    let items = heads.into_iter().map(move |(line, rec, cols)| {
        let id = field(&rec, &cols, "partner_id").to_owned();
        let origin = format!("{shown}/partners.csv:{line} ({id})");
        let rows = match usage.take(&id) {
            Ok(rows) => rows,
            Err(e) => return Raw { origin, line: None, source: Source::Unreadable(e) },
        };
        let mut partner = Map::new();
        let mut head = Map::new();
        head.insert("id".into(), json!(id));
        if let Value::String(s) = opt(field(&rec, &cols, "name")) {
            head.insert("name".into(), Value::String(s));
        }
        partner.insert("partner".into(), Value::Object(head));
        partner.insert("as_of".into(), json!(field(&rec, &cols, "as_of")));
        if let Value::String(s) = opt(field(&rec, &cols, "path")) {
            partner.insert("path".into(), Value::String(s));
        }
        if let Some(c) = customers.get(&id) {
            partner.insert("customers".into(), Value::Array(c.clone()));
        }
        partner.insert("usage".into(), Value::Array(rows));
        partner.insert("people".into(), Value::Array(people.get(&id).cloned().unwrap_or_default()));
        Raw { origin, line: None, source: Source::Line(Value::Object(partner).to_string()) }
    });
    Ok(Box::new(items))
}

/// `usage.csv` read one partner at a time.
struct UsageStream {
    path: PathBuf,
    records: Option<csv::StringRecordsIntoIter<std::fs::File>>,
    cols: BTreeMap<String, usize>,
    /// The next partner's first row, read ahead, and its line.
    pending: Option<(usize, csv::StringRecord)>,
    line: usize,
    /// Partners already streamed, to catch rows that are not contiguous.
    done: BTreeMap<String, usize>,
}

impl UsageStream {
    fn open(path: &Path) -> Result<UsageStream, String> {
        if !path.is_file() {
            return Ok(UsageStream {
                path: path.to_owned(),
                records: None,
                cols: BTreeMap::new(),
                pending: None,
                line: 1,
                done: BTreeMap::new(),
            });
        }
        let mut r = reader(path)?;
        let cols = columns(
            path,
            &mut r,
            &["partner_id", "customer", "month", "product", "measure", "value"],
            &["association", "offer"],
        )?;
        Ok(UsageStream {
            path: path.to_owned(),
            records: Some(r.into_records()),
            cols,
            pending: None,
            line: 1,
            done: BTreeMap::new(),
        })
    }

    fn next_record(&mut self) -> Result<Option<(usize, csv::StringRecord)>, String> {
        if let Some(p) = self.pending.take() {
            return Ok(Some(p));
        }
        let Some(records) = self.records.as_mut() else { return Ok(None) };
        match records.next() {
            None => Ok(None),
            Some(rec) => {
                self.line += 1;
                rec.map(|r| Some((self.line, r))).map_err(|e| format!("{}:{}: {e}", self.path.display(), self.line))
            }
        }
    }

    /// The usage rows of `partner`: the next contiguous run of its rows, if it comes next.
    fn take(&mut self, partner: &str) -> Result<Vec<Value>, String> {
        let mut rows = Vec::new();
        while let Some((line, rec)) = self.next_record()? {
            let id = field(&rec, &self.cols, "partner_id");
            if id != partner {
                if let Some(first) = self.done.get(id) {
                    return Err(format!(
                        "{}:{line}: rows of partner \"{id}\" appear again after other partners (first at line {first})\n  hint: sort usage.csv by partner_id",
                        self.path.display()
                    ));
                }
                self.pending = Some((line, rec));
                break;
            }
            self.done.entry(id.to_owned()).or_insert(line);
            let mut row = Map::new();
            for key in ["customer", "month", "product", "measure"] {
                row.insert(key.into(), json!(field(&rec, &self.cols, key)));
            }
            // The value stays text: the partner reader parses it as an exact decimal.
            row.insert("value".into(), json!(field(&rec, &self.cols, "value")));
            for key in ["association", "offer"] {
                if let Value::String(s) = opt(field(&rec, &self.cols, key)) {
                    row.insert(key.into(), Value::String(s));
                }
            }
            rows.push(Value::Object(row));
        }
        Ok(rows)
    }
}
