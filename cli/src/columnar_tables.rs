//! Portfolios as Parquet tables (issue 15): a folder holding `partners.parquet`, `usage.parquet` and, optionally,
//! `customers.parquet` and `people.parquet`, with the columns of the CSV tables (docs/partner-data.md).
//!
//! Read column by column with the `parquet` crate, in two passes (the engine's `columnar::Stream`): first the
//! `partner_id` column alone of each table, counting each partner's rows and refusing rows that name no listed
//! partner; then every column, batch by batch, each partner handed to the scoring pipeline once all its rows are
//! in hand and built into its partner file on the worker that scores it. Rows are attributed by `partner_id`,
//! never by position, in any order; memory holds `partners`, a batch of each table and the partners in flight
//! when the rows are grouped by partner in `partners` order, and more when they are not (a batch is kept until
//! its last row's partner comes). The guarantees are those of the CSV tables (tables.rs): a problem that cannot
//! be pinned on one partner (a missing, unknown or mistyped column, a partner listed twice or without an id, a
//! row naming an unlisted partner) makes the portfolio unreadable (exit 2) before anything is scored; a cell that
//! does not read fails its partner only (exit 1), at `usage.parquet: row 12, column value`.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{anyhow, Context as _, Result};
use designate_engine::columnar::{Rows, Stream};
use designate_engine::{Error, Located};
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::arrow::ProjectionMask;

use crate::portfolio::{Raw, Source};

/// The table files, in `Tables` order.
const FILES: [&str; 4] = ["partners.parquet", "usage.parquet", "customers.parquet", "people.parquet"];

/// Rows per batch of the second pass: what is read of a table at a time beside the partners being built.
const BATCH: usize = 8192;

/// True when `dir` holds a Parquet portfolio.
pub fn is_tables(dir: &Path) -> bool {
    dir.join(FILES[0]).is_file()
}

/// The partners of a Parquet portfolio, in `partners.parquet` order. An error means the portfolio cannot be read.
pub fn open(dir: &Path) -> Result<Box<dyn Iterator<Item = Raw>>> {
    crate::tables::check_folder(dir, ("parquet", "Parquet"), ("csv", "CSV"))?;
    let names = FILES.map(|f| dir.join(f).display().to_string());
    // Every file's footer first: a file that is not Parquet is named before any row is read.
    let mut files = Vec::with_capacity(FILES.len());
    for f in FILES {
        files.push(Table::open(&dir.join(f))?);
    }
    // A table with no rows has its columns' names checked (an unknown or missing column is refused as in a table
    // with rows, and as a CSV header is), not their types: an empty pandas column is written as type null.
    let partners = match &files[0] {
        Some(table) if table.rows() == 0 => vec![arrow_array::RecordBatch::new_empty(table.names_only())],
        Some(table) => table.read_all()?,
        None => Vec::new(),
    };
    let schema =
        |i: usize| files[i].as_ref().map(|t| if t.rows() == 0 { t.names_only() } else { Arc::clone(t.meta.schema()) });
    let mut stream =
        Stream::open(names, partners, [schema(1), schema(2), schema(3)]).map_err(|e| anyhow!(e.to_string()))?;
    let tables = [(Rows::Customers, 2), (Rows::People, 3), (Rows::Usage, 1)];
    // The first pass, in the order the whole-table reader checked the rows: customers, people, usage.
    for (rows, i) in tables {
        let (Some(table), Some(k)) = (&files[i], stream.id_column(rows)) else { continue };
        for batch in table.reader(Some(k), BATCH * 8)? {
            let batch = batch.map_err(|e| table.not_parquet(e))?;
            stream.tally(rows, batch.column(0).as_ref()).map_err(|e| anyhow!(e.to_string()))?;
        }
    }
    // The second pass: every column, read as the partners need them.
    for (rows, i) in tables {
        let (Some(table), Some(_)) = (&files[i], stream.id_column(rows)) else { continue };
        let path = table.path.display().to_string();
        let batches = table.reader(None, BATCH)?.map(move |b| {
            b.map_err(|e| Error::new(Located::file(&path), format!("cannot read as Parquet: {}", reason(e))))
        });
        stream.rows(rows, Box::new(batches));
    }
    Ok(Box::new(stream.map(|(origin, part)| {
        let source = match part {
            Ok(part) => Source::Columnar(Arc::new(part), 0),
            // The same file error may fail many partners: each line says whose rows could not be read.
            Err(e) => {
                let e = e.to_string();
                let (message, hint) = e.split_once('\n').map_or((e.as_str(), None), |(m, h)| (m, Some(h)));
                let hint = hint.map(|h| format!("\n{h}")).unwrap_or_default();
                Source::Unreadable(format!("{message} (the rows of {origin}){hint}"))
            }
        };
        Raw { origin, line: None, source }
    })))
}

/// Why the `parquet` crate could not read a file, in words: a compression this build leaves out is named as
/// the codec the file was written with, with the ones it reads.
fn reason(e: impl std::fmt::Display) -> String {
    let text = e.to_string();
    let Some((_, feature)) = text.split_once("Disabled feature at compile time: ") else { return text };
    let codec = match feature.trim() {
        "flate2" => "gzip",
        "lz4" | "lz4_flex" => "LZ4",
        "brotli" => "Brotli",
        other => other,
    };
    format!(
        "it is compressed with {codec}, which designate does not read\n  hint: write it with snappy (what pandas, DuckDB and Spark write by default), zstd or no compression"
    )
}

/// One Parquet file: its path and footer, read once for both passes.
struct Table {
    path: PathBuf,
    meta: ArrowReaderMetadata,
}

impl Table {
    /// The file's footer, `None` when there is no such file; a file that is not Parquet is named with the reason.
    fn open(path: &Path) -> Result<Option<Table>> {
        if !path.exists() {
            return Ok(None);
        }
        let file = File::open(path).with_context(|| format!("{}: cannot read", path.display()))?;
        let not_parquet = |e| anyhow!("{}: cannot read as Parquet: {}", path.display(), reason(e));
        let meta = ArrowReaderMetadata::load(&file, Default::default()).map_err(not_parquet)?;
        // Text read as views (issue 15): a dictionary-encoded page's values are then pointed at, where read as
        // `Utf8` each row's text is copied out of the dictionary. Every reading of a cell takes both alike.
        let viewed = |f: &Arc<arrow_schema::Field>| match f.data_type() {
            arrow_schema::DataType::Utf8 => {
                Arc::new(f.as_ref().clone().with_data_type(arrow_schema::DataType::Utf8View))
            }
            _ => Arc::clone(f),
        };
        let meta = if meta.schema().fields().iter().any(|f| *f.data_type() == arrow_schema::DataType::Utf8) {
            let fields: Vec<_> = meta.schema().fields().iter().map(viewed).collect();
            let schema = Arc::new(arrow_schema::Schema::new_with_metadata(fields, meta.schema().metadata().clone()));
            let options = parquet::arrow::arrow_reader::ArrowReaderOptions::new().with_schema(schema);
            ArrowReaderMetadata::try_new(Arc::clone(meta.metadata()), options).map_err(not_parquet)?
        } else {
            meta
        };
        Ok(Some(Table { path: path.to_owned(), meta }))
    }

    /// Rows the footer counts.
    fn rows(&self) -> i64 {
        self.meta.metadata().file_metadata().num_rows()
    }

    /// The file's columns, each of type null (which every column may be): what a table without rows is checked
    /// against.
    fn names_only(&self) -> arrow_schema::SchemaRef {
        let fields: Vec<arrow_schema::Field> = self
            .meta
            .schema()
            .fields()
            .iter()
            .map(|f| arrow_schema::Field::new(f.name(), arrow_schema::DataType::Null, true))
            .collect();
        Arc::new(arrow_schema::Schema::new(fields))
    }

    fn not_parquet(&self, e: impl std::fmt::Display) -> anyhow::Error {
        anyhow!("{}: cannot read as Parquet: {}", self.path.display(), reason(e))
    }

    /// A reader of the file's batches of `batch` rows: column `only` alone (an index of the schema's fields),
    /// or every column. Each reader has a file handle of its own.
    fn reader(&self, only: Option<usize>, batch: usize) -> Result<ParquetRecordBatchReader> {
        let file = File::open(&self.path).with_context(|| format!("{}: cannot read", self.path.display()))?;
        let mut builder =
            ParquetRecordBatchReaderBuilder::new_with_metadata(file, self.meta.clone()).with_batch_size(batch);
        if let Some(k) = only {
            let mask = ProjectionMask::roots(builder.parquet_schema(), [k]);
            builder = builder.with_projection(mask);
        }
        builder.build().map_err(|e| self.not_parquet(e))
    }

    /// Every row, as the batches of one reader: for `partners`, one row per partner.
    fn read_all(&self) -> Result<Vec<arrow_array::RecordBatch>> {
        self.reader(None, BATCH)?.map(|b| b.map_err(|e| self.not_parquet(e))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::reason;

    // A file compressed with a codec this build leaves out is named by its codec, with what is read instead; any
    // other error is passed on as the crate words it.
    #[test]
    fn a_codec_left_out_is_named_with_a_hint() {
        let said =
            |feature: &str| reason(format!("Parquet argument error: Disabled feature at compile time: {feature}"));
        assert!(said("flate2").starts_with("it is compressed with gzip, which designate does not read\n  hint: "));
        assert!(said("lz4").starts_with("it is compressed with LZ4,"));
        assert!(said("brotli").starts_with("it is compressed with Brotli,"));
        assert_eq!(reason("Invalid or corrupted RLE value"), "Invalid or corrupted RLE value");
    }
}
