//! A portfolio written as tables (issue 15): `generate --tables DIR` writes the partners it generates as the CSV
//! or Parquet tables `score FOLDER` reads (docs/partner-data.md), for side-by-side benchmarks with tools that
//! read tables (DuckDB) and for tests that score one portfolio in every form.
//!
//! Tables hold what a partner file's `partner`, `as_of`, `path`, `customers`, `usage` and `people` hold; a partner's
//! `history` and `solutions` have no table and are left out (the caller says so). Parquet columns use the native
//! types an analyst's tables would: DATE for months (the first of the month) and dates, DECIMAL(18, 4) for
//! usage values, text for the rest; CSV cells are the partner file's text.

use std::path::Path;
use std::sync::Arc;

use anyhow::{anyhow, Context as _, Result};
use arrow_array::{ArrayRef, Date32Array, Decimal128Array, RecordBatch, StringArray};
use designate_engine::partner::PartnerFile;
use rust_decimal::Decimal;

/// The format of the tables written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TablesFormat {
    Csv,
    Parquet,
}

/// A cell: text (empty for none), a month, a date, or a usage value.
enum Cell {
    Text(String),
    Month(Option<designate_engine::value::Month>),
    Date(Option<String>),
    Value(Decimal),
}

/// One table being written: its name, columns, and the rows not yet written.
struct Out {
    name: &'static str,
    columns: &'static [&'static str],
    rows: Vec<Vec<Cell>>,
    csv: Option<csv::Writer<std::fs::File>>,
    parquet: Option<parquet::arrow::ArrowWriter<std::fs::File>>,
}

/// Rows per batch written.
const BATCH: usize = 65_536;

impl Out {
    fn new(dir: &Path, name: &'static str, columns: &'static [&'static str], format: TablesFormat) -> Result<Out> {
        let ext = match format {
            TablesFormat::Csv => "csv",
            TablesFormat::Parquet => "parquet",
        };
        let path = dir.join(format!("{name}.{ext}"));
        let fail = |e: std::io::Error| anyhow!("{}: cannot write: {e}", path.display());
        let file = std::fs::File::create(&path).map_err(fail)?;
        let mut out = Out { name, columns, rows: Vec::new(), csv: None, parquet: None };
        match format {
            TablesFormat::Csv => {
                let mut w = csv::Writer::from_writer(file);
                w.write_record(columns).with_context(|| format!("{}: cannot write", path.display()))?;
                out.csv = Some(w);
            }
            TablesFormat::Parquet => {
                let props = parquet::file::properties::WriterProperties::builder()
                    .set_compression(parquet::basic::Compression::SNAPPY)
                    .build();
                let w = parquet::arrow::ArrowWriter::try_new(file, out.schema(), Some(props))
                    .map_err(|e| anyhow!("{}: cannot write: {e}", path.display()))?;
                out.parquet = Some(w);
            }
        }
        Ok(out)
    }

    fn schema(&self) -> arrow_schema::SchemaRef {
        use arrow_schema::{DataType, Field};
        let fields: Vec<Field> = self
            .columns
            .iter()
            .map(|c| {
                let t = match *c {
                    "as_of" | "month" | "earned" | "expires" => DataType::Date32,
                    "value" => DataType::Decimal128(18, 4),
                    _ => DataType::Utf8,
                };
                Field::new(*c, t, true)
            })
            .collect();
        Arc::new(arrow_schema::Schema::new(fields))
    }

    fn push(&mut self, row: Vec<Cell>) -> Result<()> {
        self.rows.push(row);
        if self.rows.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        let rows = std::mem::take(&mut self.rows);
        let name = self.name;
        if let Some(w) = self.csv.as_mut() {
            for row in &rows {
                let cells = row.iter().map(|c| match c {
                    Cell::Text(t) => t.clone(),
                    Cell::Month(m) => m.map(|m| m.to_string()).unwrap_or_default(),
                    Cell::Date(d) => d.clone().unwrap_or_default(),
                    Cell::Value(v) => v.to_string(),
                });
                w.write_record(cells).with_context(|| format!("{name}.csv: cannot write"))?;
            }
        }
        if self.parquet.is_some() && !rows.is_empty() {
            let mut columns: Vec<ArrayRef> = Vec::new();
            for c in 0..self.columns.len() {
                let column: ArrayRef = match &rows[0][c] {
                    Cell::Text(_) => Arc::new(StringArray::from_iter(rows.iter().map(|r| match &r[c] {
                        Cell::Text(t) if !t.is_empty() => Some(t.as_str()),
                        _ => None,
                    }))),
                    Cell::Month(_) | Cell::Date(_) => {
                        Arc::new(Date32Array::from_iter(rows.iter().map(|r| match &r[c] {
                            Cell::Month(m) => m.map(|m| days(m.year().into(), m.number(), 1)),
                            Cell::Date(d) => d.as_deref().and_then(date_days),
                            _ => None,
                        })))
                    }
                    Cell::Value(_) => {
                        let values = rows
                            .iter()
                            .map(|r| match &r[c] {
                                Cell::Value(v) => unscaled(*v)
                                    .map(Some)
                                    .ok_or_else(|| anyhow!("{name}.parquet: value {v} does not fit DECIMAL(18, 4)")),
                                _ => Ok(None),
                            })
                            .collect::<Result<Vec<_>>>()?;
                        Arc::new(
                            Decimal128Array::from(values)
                                .with_precision_and_scale(18, 4)
                                .map_err(|e| anyhow!("{name}.parquet: {e}"))?,
                        )
                    }
                };
                columns.push(column);
            }
            let batch = RecordBatch::try_new(self.schema(), columns).map_err(|e| anyhow!("{name}.parquet: {e}"))?;
            if let Some(w) = self.parquet.as_mut() {
                w.write(&batch).map_err(|e| anyhow!("{name}.parquet: cannot write: {e}"))?;
            }
        }
        Ok(())
    }

    fn finish(mut self) -> Result<()> {
        self.flush()?;
        let name = self.name;
        if let Some(mut w) = self.csv.take() {
            w.flush().with_context(|| format!("{name}.csv: cannot write"))?;
        }
        if let Some(w) = self.parquet.take() {
            w.close().map_err(|e| anyhow!("{name}.parquet: cannot write: {e}"))?;
        }
        Ok(())
    }
}

/// A usage value as DECIMAL(18, 4)'s unscaled integer, when it fits exactly.
fn unscaled(v: Decimal) -> Option<i128> {
    let v = v.normalize();
    let unscaled = v.mantissa().checked_mul(10i128.checked_pow(4u32.checked_sub(v.scale())?)?)?;
    (unscaled.unsigned_abs() < 10u128.pow(18)).then_some(unscaled)
}

/// Days from 1970-01-01 to a date (Howard Hinnant's `days_from_civil`).
fn days(y: i64, m: u32, d: u32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe - 719_468) as i32
}

/// `YYYY-MM-DD` as days from 1970-01-01.
fn date_days(text: &str) -> Option<i32> {
    let mut parts = text.splitn(3, '-');
    let y = parts.next()?.parse().ok()?;
    let m = parts.next()?.parse().ok()?;
    let d = parts.next()?.parse().ok()?;
    Some(days(y, m, d))
}

/// Writes `partners` as tables in `dir` (created if need be): `partners`, `customers`, `usage`, `people`.
pub fn write(dir: &Path, format: TablesFormat, partners: impl Iterator<Item = PartnerFile>) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| anyhow!("{}: cannot write: {e}", dir.display()))?;
    let mut heads = Out::new(dir, "partners", &["partner_id", "name", "as_of", "path"], format)?;
    let mut customers = Out::new(dir, "customers", &["partner_id", "customer_id", "segment"], format)?;
    let usage_columns =
        &["partner_id", "customer", "month", "product", "measure", "value", "association", "offer", "cloud"];
    let mut usage = Out::new(dir, "usage", usage_columns, format)?;
    let people_columns = &["partner_id", "person_id", "certification", "earned", "expires"];
    let mut people = Out::new(dir, "people", people_columns, format)?;
    let text = |s: &str| Cell::Text(s.to_owned());
    let opt = |s: Option<String>| Cell::Text(s.unwrap_or_default());
    for p in partners {
        let id = p.partner.id.as_str();
        heads.push(vec![text(id), opt(p.partner.name.clone()), Cell::Month(Some(p.as_of)), opt(p.path.clone())])?;
        for c in p.customers.iter().flatten() {
            customers.push(vec![text(id), text(&c.id), opt(c.segment.map(|s| s.to_string()))])?;
        }
        for u in &p.usage {
            usage.push(vec![
                text(id),
                text(&u.customer),
                Cell::Month(Some(u.month)),
                text(&u.product),
                text(&u.measure.to_string()),
                Cell::Value(u.value.0),
                opt(u.association.map(|a| a.to_string())),
                opt(u.offer.clone()),
                opt(u.cloud.map(|c| c.to_string())),
            ])?;
        }
        for person in &p.people {
            for c in &person.certifications {
                people.push(vec![
                    text(id),
                    text(&person.id),
                    text(&c.name),
                    Cell::Date(Some(c.earned.to_string())),
                    Cell::Date(c.expires.map(|d| d.to_string())),
                ])?;
            }
        }
    }
    for t in [heads, customers, usage, people] {
        t.finish()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_count_from_1970() {
        assert_eq!(days(1970, 1, 1), 0);
        assert_eq!(days(2024, 6, 1), 19875);
        assert_eq!(days(2000, 2, 29), 11016);
        assert_eq!(date_days("1969-12-31"), Some(-1));
    }

    #[test]
    fn usage_values_fit_decimal_18_4_exactly_or_not_at_all() {
        assert_eq!(unscaled(Decimal::new(82000, 2)), Some(8_200_000));
        assert_eq!(unscaled(Decimal::new(1, 5)), None);
    }
}
