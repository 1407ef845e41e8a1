//! `RuleSet.score_tables`: a portfolio given as tables (pandas DataFrames, pyarrow Tables, or anything with
//! `__arrow_c_stream__`: a polars frame, a RecordBatchReader) of the CSV-tables shape, scored into the rows and
//! columns `designate score --format csv` writes for the same tables.
//!
//! The module holds no second reader of the tables: each argument crosses into Rust through the Arrow C stream
//! interface (a pandas frame first becomes a pyarrow Table, `Table.from_pandas(df, preserve_index=False)`, so its
//! NaN is NULL, an empty cell), and the batches go to the engine's `columnar::Portfolio`, the reader the CLI's
//! Parquet tables use; each partner is built, validated with its places (`partner::Places`, so a problem names
//! its table row) and scored as the CLI scores it, and `flat::rows` gives the rows. Decimals come back as
//! `decimal.Decimal` made from the very text the CSV writes, never through a binary float.
//!
//! What fails follows the CLI: a portfolio that cannot be read (a missing, unknown or mistyped column, a partner
//! listed twice, a row naming an unlisted partner, an argument that is not a table) raises `designate.Error`
//! before anything is scored; a partner that fails (a cell that does not read, a file that does not validate, a
//! value that overflows) fails alone, and the others are scored.

use std::ffi::CStr;
use std::sync::atomic::{AtomicUsize, Ordering};

use arrow_array::ffi_stream::{FFI_ArrowArrayStream, RecordBatchStreamReader};
use arrow_array::{RecordBatch, RecordBatchReader};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyCapsuleMethods, PyDict, PyList};

use designate_engine::columnar::{Portfolio, Tables};
use designate_engine::flat::{self, Row, COLUMNS};

use crate::rules::Rules;
use crate::{problem, warn};

/// The tables' names in messages (`usage: row 12, column value`), in `Tables` order.
const NAMES: [&str; 4] = ["partners", "usage", "customers", "people"];

/// The name the Arrow PyCapsule interface gives a stream's capsule.
const STREAM_CAPSULE: &CStr = c"arrow_array_stream";

/// What to do with partners that fail: raise once all are scored, or warn and return the others.
#[derive(Clone, Copy, PartialEq)]
pub enum OnError {
    Raise,
    Warn,
}

impl OnError {
    /// `errors="raise"` or `errors="warn"`; anything else is a `ValueError`.
    pub fn parse(text: &str) -> PyResult<OnError> {
        match text {
            "raise" => Ok(OnError::Raise),
            "warn" => Ok(OnError::Warn),
            other => Err(PyValueError::new_err(format!("errors must be \"raise\" or \"warn\", not {other:?}"))),
        }
    }
}

/// One partner's outcome: its rows and its warnings (each at its table row when known), or why it failed.
type Outcome = Result<(Vec<Row>, Vec<String>), String>;

/// Scores the tables; see the module comment and `RuleSet.score_tables` in designate.pyi.
pub fn score<'py>(
    py: Python<'py>,
    rules: &Rules,
    given: [Option<&Bound<'py, PyAny>>; 4],
    on_error: OnError,
) -> PyResult<Py<PyAny>> {
    let [partners, usage, customers, people] = given;
    // The result is a pandas DataFrame: without pandas, say so before any work is done.
    let pandas = py.import("pandas").map_err(|_| {
        problem("score_tables returns a pandas DataFrame, and pandas is not installed\n  hint: pip install pandas")
    })?;
    let tables = Tables {
        partners: required(batches(py, partners, NAMES[0])?, NAMES[0])?,
        usage: required(batches(py, usage, NAMES[1])?, NAMES[1])?,
        customers: batches(py, customers, NAMES[2])?,
        people: batches(py, people, NAMES[3])?,
    };
    let outcomes = py
        .detach(|| {
            let portfolio = Portfolio::open(tables, NAMES.map(str::to_owned))?;
            Ok::<_, designate_engine::Error>(score_all(rules, &portfolio))
        })
        .map_err(|e| problem(e.to_string()))?;
    // Warnings and failures in partner order, as the CLI prints them on stderr.
    let mut rows: Vec<Row> = Vec::new();
    let mut failed: Vec<String> = Vec::new();
    for outcome in outcomes {
        match outcome {
            Ok((scored, warnings)) => {
                for w in warnings {
                    warn(py, &format!("warning: {w}"))?;
                }
                rows.extend(scored);
            }
            Err(message) => {
                if on_error == OnError::Warn {
                    warn(py, &message)?;
                }
                failed.push(message);
            }
        }
    }
    let frame = data_frame(&pandas, &rows)?;
    if on_error == OnError::Raise && !failed.is_empty() {
        failed.push(format!(
            "{} partner(s) could not be scored; the rows of the others are this error's .result",
            failed.len()
        ));
        let error = problem(failed.join("\n"));
        error.value(py).setattr("result", frame)?;
        return Err(error);
    }
    Ok(frame)
}

/// Every partner of the portfolio scored, in `partners` order, on every core: each thread takes the next partner
/// not yet taken, and the outcomes are put back in order, so the result does not depend on the number of cores.
fn score_all(rules: &Rules, portfolio: &Portfolio) -> Vec<Outcome> {
    let next = AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(portfolio.len().max(1));
    let mut scored: Vec<(usize, Outcome)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= portfolio.len() {
                            return mine;
                        }
                        mine.push((i, score_one(rules, portfolio, i)));
                    }
                })
            })
            .collect();
        // A worker that panicked loses its partners: each is reported as failed below, never dropped in silence.
        workers.into_iter().flat_map(|w| w.join().unwrap_or_default()).collect()
    });
    scored.sort_by_key(|(i, _)| *i);
    let mut outcomes: Vec<Outcome> = Vec::with_capacity(portfolio.len());
    let mut scored = scored.into_iter().peekable();
    for i in 0..portfolio.len() {
        match scored.next_if(|(j, _)| *j == i) {
            Some((_, outcome)) => outcomes.push(outcome),
            None => outcomes.push(Err(format!("{}: could not be scored (internal error)", portfolio.origin(i)))),
        }
    }
    outcomes
}

/// Partner `i` built from its rows, validated and scored as the CLI does (`Source::Columnar`), into its flat rows.
fn score_one(rules: &Rules, portfolio: &Portfolio, i: usize) -> Outcome {
    let (partner, places) = portfolio.validated(i).map_err(|e| e.to_string())?;
    // Only the flat rows are kept: the report is scored without evidence items or English (issue 15).
    let report = rules.score_with(&partner, designate_engine::Detail::Points)?;
    let warnings = places.warnings(&partner.origin, &report);
    Ok((flat::rows(&report), warnings))
}

/// One argument as Arrow batches: `None` when not given. A pandas DataFrame goes through pyarrow; anything else
/// must offer the Arrow C stream (`__arrow_c_stream__`).
fn batches<'py>(py: Python<'py>, obj: Option<&Bound<'py, PyAny>>, name: &str) -> PyResult<Option<Vec<RecordBatch>>> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else { return Ok(None) };
    let table = match is_pandas_frame(py, obj)? {
        true => from_pandas(py, obj, name)?,
        false => obj.clone(),
    };
    if !table.hasattr("__arrow_c_stream__")? {
        let kind = obj.get_type().name().map(|n| n.to_string()).unwrap_or_default();
        return Err(problem(format!(
            "{name}: not a table but a value of type {kind}\n  hint: pass a pandas DataFrame, a pyarrow Table, or anything with __arrow_c_stream__ (a polars DataFrame, a pyarrow RecordBatchReader)"
        )));
    }
    let unreadable = |e: &dyn std::fmt::Display| problem(format!("{name}: cannot be read as an Arrow table: {e}"));
    let capsule = table.call_method0("__arrow_c_stream__").map_err(|e| unreadable(&e))?;
    let capsule = capsule.cast::<PyCapsule>().map_err(|e| unreadable(&e))?;
    let pointer = capsule.pointer_checked(Some(STREAM_CAPSULE)).map_err(|e| unreadable(&e))?;
    // SAFETY: a capsule named "arrow_array_stream" holds an `ArrowArrayStream` of the Arrow C stream interface
    // (the PyCapsule interface says so, and the name was checked). `from_raw` moves the stream out and leaves a
    // released one in its place, so the capsule's destructor, which releases only a stream not yet released,
    // does not free what the reader now owns. No Python code runs between reading the pointer and the move.
    let stream = unsafe { FFI_ArrowArrayStream::from_raw(pointer.cast::<FFI_ArrowArrayStream>().as_ptr()) };
    let reader = RecordBatchStreamReader::try_new(stream).map_err(|e| unreadable(&e))?;
    let schema = reader.schema();
    let mut read: Vec<RecordBatch> = reader.collect::<Result<_, _>>().map_err(|e| unreadable(&e))?;
    // A table without rows may come as a stream of no batches: its columns are still checked (a frame with no
    // columns is not an empty table of the right shape), as the CLI checks those of a Parquet file of no rows.
    if read.is_empty() {
        read.push(RecordBatch::new_empty(schema));
    }
    Ok(Some(read))
}

/// `partners` and `usage` must be given, as the CLI needs both files of a folder of tables: `None` is refused,
/// never read as a table of no rows.
fn required(batches: Option<Vec<RecordBatch>>, name: &str) -> PyResult<Vec<RecordBatch>> {
    batches.ok_or_else(|| {
        problem(format!(
            "{name}: a table is required, and None was given\n  hint: when there are no {name} rows, pass a table with the {name} columns and no rows"
        ))
    })
}

/// Whether `obj` is a pandas DataFrame; pandas not imported means it cannot be one (the module needs neither
/// pandas nor pyarrow unless tables are given).
fn is_pandas_frame(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    let modules = py.import("sys")?.getattr("modules")?;
    let Some(pandas) = modules.get_item("pandas").ok().filter(|m| !m.is_none()) else { return Ok(false) };
    obj.is_instance(&pandas.getattr("DataFrame")?)
}

/// A pandas DataFrame as a pyarrow Table, without its index (an index is no column of the tables' shape).
fn from_pandas<'py>(py: Python<'py>, df: &Bound<'py, PyAny>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    let pyarrow = py.import("pyarrow").map_err(|_| {
        problem(format!(
            "{name}: a pandas DataFrame is read through pyarrow, which is not installed\n  hint: pip install pyarrow"
        ))
    })?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("preserve_index", false)?;
    pyarrow
        .getattr("Table")?
        .call_method("from_pandas", (df,), Some(&kwargs))
        .map_err(|e| problem(format!("{name}: cannot be read as an Arrow table: {}", e.value(py))))
}

/// The rows as a pandas DataFrame of [`COLUMNS`]: text as `str`, `qualified` as `bool`, the decimals as
/// `decimal.Decimal` made from the text the CSV writes (`Row::cells`), so `str(value)` is the CSV cell.
fn data_frame(pandas: &Bound<'_, PyModule>, rows: &[Row]) -> PyResult<Py<PyAny>> {
    let py = pandas.py();
    let decimal = py.import("decimal")?.getattr("Decimal")?;
    let columns = PyDict::new(py);
    let cells: Vec<[String; 11]> = rows.iter().map(Row::cells).collect();
    for (c, name) in COLUMNS.iter().enumerate() {
        let column = match *name {
            "points" | "max_points" | "designation_points" => {
                let values: Vec<Bound<'_, PyAny>> =
                    cells.iter().map(|cells| decimal.call1((cells[c].as_str(),))).collect::<PyResult<_>>()?;
                PyList::new(py, values)?
            }
            "qualified" => PyList::new(py, rows.iter().map(|r| r.qualified))?,
            _ => PyList::new(py, cells.iter().map(|cells| cells[c].as_str()))?,
        };
        columns.set_item(name, column)?;
    }
    let kwargs = PyDict::new(py);
    kwargs.set_item("columns", PyList::new(py, COLUMNS)?)?;
    Ok(pandas.call_method("DataFrame", (columns,), Some(&kwargs))?.unbind())
}
