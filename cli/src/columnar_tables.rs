//! Portfolios as Parquet tables (issue 15): a folder holding `partners.parquet`, `usage.parquet` and, optionally,
//! `customers.parquet` and `people.parquet`, with the columns of the CSV tables (docs/partner-data.md).
//!
//! Each file is read into Arrow batches with the `parquet` crate; the engine's `columnar` module checks the
//! columns, attributes every row to its partner by `partner_id` (never by position, in any order) and builds each
//! partner's file on the worker that scores it. Columnar batches are compact, so memory holds the tables plus the
//! partners being scored. The guarantees are those of the CSV tables (tables.rs): a problem that cannot be pinned
//! on one partner (a missing, unknown or mistyped column, a partner listed twice, a row naming an unlisted
//! partner) makes the portfolio unreadable (exit 2); a cell that does not read fails its partner only (exit 1),
//! at `usage.parquet: row 12, column value`.

use std::path::Path;
use std::sync::Arc;

use anyhow::{anyhow, Context as _, Result};
use designate_engine::columnar::{Portfolio, Tables};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::portfolio::{Raw, Source};

/// The table files, in `Tables` order.
const FILES: [&str; 4] = ["partners.parquet", "usage.parquet", "customers.parquet", "people.parquet"];

/// True when `dir` holds a Parquet portfolio.
pub fn is_tables(dir: &Path) -> bool {
    dir.join(FILES[0]).is_file()
}

/// The partners of a Parquet portfolio, in `partners.parquet` order. An error means the portfolio cannot be read.
pub fn open(dir: &Path) -> Result<Box<dyn Iterator<Item = Raw>>> {
    // Tables of two formats in one folder: which rows belong is a guess, and a table left out silently would
    // drop rows.
    for csv in ["partners.csv", "usage.csv", "customers.csv", "people.csv"] {
        if dir.join(csv).exists() {
            return Err(anyhow!(
                "{}: holds both Parquet tables (partners.parquet) and CSV tables ({csv})\n  hint: keep the tables of one format in a folder",
                dir.display()
            ));
        }
    }
    let names = FILES.map(|f| dir.join(f).display().to_string());
    let read = |i: usize| -> Result<Option<Vec<arrow_array::RecordBatch>>> {
        let path = dir.join(FILES[i]);
        if !path.exists() {
            return Ok(None);
        }
        read_table(&path).map(Some)
    };
    let tables = Tables {
        partners: read(0)?.unwrap_or_default(),
        usage: read(1)?.unwrap_or_default(),
        customers: read(2)?,
        people: read(3)?,
    };
    let portfolio = Arc::new(Portfolio::open(tables, names).map_err(|e| anyhow!(e.to_string()))?);
    let items = (0..portfolio.len()).map(move |i| Raw {
        origin: portfolio.origin(i),
        line: None,
        source: Source::Columnar(Arc::clone(&portfolio), i),
    });
    Ok(Box::new(items))
}

/// One Parquet file as Arrow batches; a file that is not Parquet, or not readable, is named with the reason.
fn read_table(path: &Path) -> Result<Vec<arrow_array::RecordBatch>> {
    let file = std::fs::File::open(path).with_context(|| format!("{}: cannot read", path.display()))?;
    let not_parquet = |e: parquet::errors::ParquetError| anyhow!("{}: cannot read as Parquet: {e}", path.display());
    let reader = ParquetRecordBatchReaderBuilder::try_new(file).map_err(not_parquet)?.build().map_err(not_parquet)?;
    reader.map(|batch| batch.map_err(|e| anyhow!("{}: cannot read as Parquet: {e}", path.display()))).collect()
}
