//! Columnar data (issue 15), behind the engine's `arrow` feature: portfolios in as Arrow tables (what a Parquet
//! file, a pandas DataFrame or a pyarrow Table holds), flat results out as an Arrow batch.
//!
//! In: [`Tables`] has the shape of the CSV tables of docs/partner-data.md (`partners`, `usage`, optional
//! `customers` and `people`), the same column names, each cell read as the same reader a partner file's field is
//! read by ([`field_from_text`]) reads its text, so that a portfolio scores alike whichever form it comes in. Native
//! types are accepted where they mean what the column means: text anywhere; integers for ids and numbers;
//! DECIMAL of any precision for numbers (exact); DATE for dates and, on the first of a month, for months; NULL is
//! an empty cell, which a required column refuses as NULL (`is NULL, and a value is required`).
//! The common types are read straight into the field (a DECIMAL into its exact decimal, a DATE into a month or a
//! date, text borrowed from the array), each column's type resolved once per batch; a cell of another type, or a
//! value the straight reading refuses, is made text and read by `field_from_text`, which gives the message.
//! A binary floating-point number is accepted for a number only when its shortest decimal text has at most 15
//! significant digits (6 for a 32-bit float), the digits a float holds as written; anything longer may be the
//! float's noise rather than the value meant, and is refused with a hint to store DECIMAL (money is exact). This is
//! the rule partner files follow for YAML and TOML floats (`value.rs`).
//!
//! Rows are attributed to partners by `partner_id`, never by position, and may come in any order. What fails
//! follows the CSV tables (cli/src/tables.rs): a missing, unknown or duplicated column, a column of a type that
//! cannot hold what it must, a partner listed twice or without an id, or a row naming a partner `partners` does
//! not list makes the whole portfolio unreadable (the outer error); a cell that does not read fails its partner
//! only, at `usage.parquet: row 12, column value`. The partners are built one at a time ([`Portfolio::partner`]),
//! so memory holds the tables (columnar, compact) and the partners being built.
//!
//! Out: [`schema`] and [`batch`] are [`flat::COLUMNS`](crate::flat::COLUMNS) as Arrow columns: text, exact
//! decimals (`Decimal128(38, 28)`: every value the engine's decimal holds below 10^10 points, far above any
//! program's maximum), and a boolean.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Decimal128Type, Decimal256Type, Decimal32Type, Decimal64Type, Float32Type, Float64Type,
    Int16Type, Int32Type, Int64Type, Int8Type, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{
    Array, ArrayRef, ArrowPrimitiveType, BooleanArray, Decimal128Array, LargeStringArray, RecordBatch, StringArray,
    StringViewArray,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use rust_decimal::Decimal;

use crate::error::{closest, Located};
use crate::flat::{Row, COLUMNS};
use crate::partner::{
    field_from_text, no_value, Association, CertificationFile, Cloud, CustomerFile, Measure, Numbering, PartnerFile,
    PartnerIdFile, PersonFile, Places, Segment, UsageFile, UsageRow, NO_PARTNER_ID,
};
use crate::value::{Date, Month, NonNegative};
use crate::{Error, Partner};

mod stream;
pub use stream::{Rows, Stream};

/// A portfolio as Arrow tables: the CSV tables' shape and column names (docs/partner-data.md).
#[derive(Debug, Clone, Default)]
pub struct Tables {
    pub partners: Vec<RecordBatch>,
    pub usage: Vec<RecordBatch>,
    pub customers: Option<Vec<RecordBatch>>,
    pub people: Option<Vec<RecordBatch>>,
}

/// Each partner of `tables`, in `partners` order: its origin (`partners.parquet: row 3 (p1)`) and its partner
/// file, or the located problem that fails it. `names` name the tables in messages (`partners`, `usage`,
/// `customers`, `people`, in that order: file names, or plain names for tables in memory). The outer error means
/// the portfolio cannot be read at all (the module comment says which problems those are).
#[allow(clippy::type_complexity)]
pub fn partners(tables: &Tables, names: [&str; 4]) -> Result<Vec<(String, Result<PartnerFile, Error>)>, Error> {
    let portfolio = Portfolio::open(tables.clone(), names.map(str::to_owned))?;
    Ok((0..portfolio.len())
        .map(|i| {
            let placed = portfolio.partner(i);
            (placed.origin, placed.file)
        })
        .collect())
}

/// One partner built from the tables.
pub struct Placed {
    /// `partners.parquet: row 3 (p1)`.
    pub origin: String,
    /// The partner file, or the first cell of its rows that does not read.
    pub file: Result<PartnerFile, Error>,
    /// Where each piece came from, by field path of the partner file (`usage[3]` → `usage.parquet: row 812`), so
    /// that a problem found when the file is validated or scored names the row.
    pub places: Places,
}

impl Placed {
    /// The partner validated, with where its pieces came from: a cell that did not read fails it at its row and
    /// column (`usage.parquet: row 12, column value`); a problem of the file built is put on the table row its
    /// field comes from ([`Places::locate`]). The one way a partner built from table rows becomes a partner, for
    /// the CLI's Parquet tables and the Python module's DataFrames alike.
    pub fn into_partner(self) -> Result<(Partner, Places), Error> {
        let file = self.file?;
        match Partner::from_file(file, &self.origin) {
            Ok(partner) => Ok((partner, self.places)),
            Err(e) => Err(self.places.locate(e)),
        }
    }
}

/// A row of a table: which batch, which row in it.
#[derive(Clone, Copy)]
struct At {
    batch: u32,
    row: u32,
}

/// The tables indexed by partner: each partner's rows of `customers`, `people` and `usage`, found in one pass.
pub struct Portfolio {
    tables: [Table; 4],
    /// Each partner's row of `partners` and its id.
    heads: Vec<(At, String)>,
    /// Each partner's rows of customers, people, usage (tables 1..=3), in table order.
    rows: Vec<[Vec<At>; 3]>,
}

/// What a column must hold, which decides the native types it accepts.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// An id or a name: text or an integer.
    Text,
    /// A month: text or a date on the first of the month.
    Month,
    /// A date: text or a date.
    Date,
    /// A number: text, an integer, a decimal, or a float within the rule of the module comment.
    Number,
}

/// The columns of each table, in `Tables` order: (name, kind, required).
const COLUMNS_OF: [&[(&str, Kind, bool)]; 4] = [
    &[
        ("partner_id", Kind::Text, true),
        ("as_of", Kind::Month, true),
        ("name", Kind::Text, false),
        ("path", Kind::Text, false),
    ],
    &[
        ("partner_id", Kind::Text, true),
        ("customer", Kind::Text, true),
        ("month", Kind::Month, true),
        ("product", Kind::Text, true),
        ("measure", Kind::Text, true),
        ("value", Kind::Number, true),
        ("association", Kind::Text, false),
        ("offer", Kind::Text, false),
        ("cloud", Kind::Text, false),
    ],
    &[("partner_id", Kind::Text, true), ("customer_id", Kind::Text, true), ("segment", Kind::Text, false)],
    &[
        ("partner_id", Kind::Text, true),
        ("person_id", Kind::Text, true),
        ("certification", Kind::Text, true),
        ("earned", Kind::Date, true),
        ("expires", Kind::Date, false),
    ],
];

/// One table: its batches, the column each name is in, and where each batch starts (for row numbers).
struct Table {
    name: String,
    batches: Vec<RecordBatch>,
    /// For each column of `COLUMNS_OF`, its index in the batches' schema, if present.
    cols: Vec<Option<usize>>,
    kinds: &'static [(&'static str, Kind, bool)],
    starts: Vec<u64>,
}

impl Table {
    /// Checks the columns of `batches` (all of one schema): the required ones present, nothing unknown (pandas'
    /// `__index_level_N__` index columns aside), none twice, each of a type its kind accepts.
    fn open(name: String, batches: Vec<RecordBatch>, which: usize) -> Result<Table, Error> {
        let kinds = COLUMNS_OF[which];
        let mut cols = vec![None; kinds.len()];
        let mut starts = Vec::with_capacity(batches.len());
        let mut total = 0u64;
        if let Some(first) = batches.first() {
            let schema = first.schema();
            for (i, field) in schema.fields().iter().enumerate() {
                let column = field.name();
                if column.starts_with("__index_level_") {
                    continue;
                }
                let Some(k) = kinds.iter().position(|(n, _, _)| n == column) else {
                    let all: Vec<&str> = kinds.iter().map(|(n, _, _)| *n).collect();
                    let mut e = Error::new(Located::file(&name), format!("unknown column \"{column}\""));
                    e = match closest(column, all.iter().copied()) {
                        Some(near) => e.with_hint(format!("did you mean \"{near}\"? columns: {}", all.join(", "))),
                        None => e.with_hint(format!("columns: {}", all.join(", "))),
                    };
                    return Err(e);
                };
                if cols[k].replace(i).is_some() {
                    return Err(Error::new(Located::file(&name), format!("column \"{column}\" appears twice"))
                        .with_hint("keep one; which one is meant cannot be told"));
                }
                check_type(&name, column, kinds[k].1, field.data_type())?;
            }
            for b in &batches {
                if b.schema().fields() != schema.fields() {
                    return Err(Error::new(Located::file(&name), "the table's parts do not have the same columns"));
                }
            }
        }
        for b in &batches {
            starts.push(total);
            total += b.num_rows() as u64;
        }
        if !batches.is_empty() {
            for (k, (column, _, required)) in kinds.iter().enumerate() {
                if *required && cols[k].is_none() {
                    return Err(Error::new(Located::file(&name), format!("missing column \"{column}\"")));
                }
            }
        }
        Ok(Table { name, batches, cols, kinds, starts })
    }

    /// Every row, in order.
    fn each(&self) -> impl Iterator<Item = At> + '_ {
        self.batches
            .iter()
            .enumerate()
            .flat_map(|(b, batch)| (0..batch.num_rows()).map(move |r| At { batch: b as u32, row: r as u32 }))
    }

    /// The same table (name, columns) holding `batches`, whose first rows are rows `starts[i] + 1` of the whole
    /// table: a part of it, rows numbered as in the whole.
    fn part(&self, batches: Vec<RecordBatch>, starts: Vec<u64>) -> Table {
        Table { name: self.name.clone(), batches, cols: self.cols.clone(), kinds: self.kinds, starts }
    }

    /// The row's number, from 1, across the batches.
    fn number(&self, at: At) -> u64 {
        self.starts[at.batch as usize] + u64::from(at.row) + 1
    }

    /// `usage.parquet: row 12`.
    fn place(&self, at: At) -> String {
        format!("{}: row {}", self.name, self.number(at))
    }

    /// The cell of `column` at `at` as text (`None`: NULL, empty text, or a column the table does not have), or
    /// the located reason it cannot be read.
    fn text(&self, at: At, column: &str) -> Result<Option<String>, Error> {
        let Some(k) = self.kinds.iter().position(|(n, _, _)| *n == column) else { return Ok(None) };
        let Some(i) = self.cols[k] else { return Ok(None) };
        let array = self.batches[at.batch as usize].column(i);
        cell(array.as_ref(), at.row as usize, self.kinds[k].1).map_err(|message| self.error(at, column, message))
    }

    /// A required cell read as a field of the partner-file shape, as a CSV cell is; one with nothing in it is
    /// refused as NULL or empty ([`no_value`]).
    fn field<T: serde::de::DeserializeOwned>(&self, at: At, column: &str) -> Result<T, Error> {
        match self.text(at, column)? {
            Some(text) => field_from_text(&text).map_err(|m| self.error(at, column, m)),
            None => Err(self.error(at, column, no_value(self.is_null(at, column)).to_owned())),
        }
    }

    /// Whether the cell of `column` at `at` is NULL, not blank text: a NULL of the array, of a dictionary's key
    /// or of the word it points to, or any cell of a column of type null.
    fn is_null(&self, at: At, column: &str) -> bool {
        let Some(k) = self.kinds.iter().position(|(n, _, _)| *n == column) else { return false };
        let Some(array) = self.cols[k].and_then(|i| self.batches.get(at.batch as usize)?.columns().get(i)) else {
            return false;
        };
        let row = at.row as usize;
        row < array.len() && array.logical_nulls().is_some_and(|nulls| nulls.is_null(row))
    }

    /// An optional cell: nothing when empty, else read as [`Table::field`] does.
    fn opt_field<T: serde::de::DeserializeOwned>(&self, at: At, column: &str) -> Result<Option<T>, Error> {
        match self.text(at, column)? {
            None => Ok(None),
            Some(text) => field_from_text(&text).map(Some).map_err(|m| self.error(at, column, m)),
        }
    }

    fn error(&self, at: At, column: &str, message: String) -> Error {
        self.error_at(self.number(at), column, message)
    }

    /// [`Table::error`] at row `number` of the whole table (from 1).
    fn error_at(&self, number: u64, column: &str, message: String) -> Error {
        let (message, hint) = match message.split_once("\n  hint: ") {
            Some((m, h)) => (m.to_owned(), Some(h.to_owned())),
            None => (message, None),
        };
        let e = Error::new(Located::field(&self.name, format!("row {number}, column {column}")), message);
        match hint {
            Some(h) => e.with_hint(h),
            None => e,
        }
    }
}

/// Refuses a column whose type cannot hold what its kind must, naming the file and column.
fn check_type(table: &str, column: &str, kind: Kind, t: &DataType) -> Result<(), Error> {
    let t = match t {
        DataType::Dictionary(_, values) => values.as_ref(),
        t => t,
    };
    let text = matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null);
    let integer = t.is_integer();
    let ok = match kind {
        Kind::Text => text || integer,
        Kind::Month | Kind::Date => text || matches!(t, DataType::Date32 | DataType::Date64) || is_utc_timestamp(t),
        Kind::Number => {
            // Not float16: three significant digits are no amount, and its values do not read back as written.
            text || integer
                || matches!(
                    t,
                    DataType::Float32
                        | DataType::Float64
                        | DataType::Decimal32(..)
                        | DataType::Decimal64(..)
                        | DataType::Decimal128(..)
                        | DataType::Decimal256(..)
                )
        }
    };
    if ok {
        return Ok(());
    }
    // Timestamps in another zone are of the right type, in the wrong zone: the message says which.
    if let (Kind::Month | Kind::Date, DataType::Timestamp(_, Some(zone))) = (kind, t) {
        let store = match kind {
            Kind::Month => "store months as DATE on the first of the month, or as text (2024-06)",
            _ => "store dates as DATE, or as text (2024-06-30)",
        };
        return Err(Error::new(
            Located::field(table, format!("column {column}")),
            format!(
                "the timestamps carry the time zone {zone}, not UTC; expected dates, or timestamps in UTC or without a time zone"
            ),
        )
        .with_hint(format!(
            "a timestamp with a time zone is stored as its instant in UTC, and midnight in {zone} is not midnight in UTC; {store} (pandas: `.dt.tz_localize(None)` keeps the local day)"
        )));
    }
    let (what, hint) = match kind {
        Kind::Text => ("text", "store ids and names as text (or integers)"),
        Kind::Month => (
            "months",
            "store months as text (2024-06), or as dates or timestamps without a time zone (or in UTC) at midnight on the first of the month",
        ),
        Kind::Date => (
            "dates",
            "store dates as DATE, as text (2024-06-30), or as timestamps without a time zone (or in UTC) at midnight",
        ),
        Kind::Number => ("exact numbers", "store numbers as DECIMAL, integers or text"),
    };
    Err(Error::new(
        Located::field(table, format!("column {column}")),
        format!("a column of type {} cannot hold {what}", type_name(t)),
    )
    .with_hint(hint))
}

/// An Arrow type as people who write Parquet name it.
fn type_name(t: &DataType) -> String {
    match t {
        DataType::Boolean => "boolean".into(),
        DataType::Date32 | DataType::Date64 => "date".into(),
        DataType::Timestamp(..) => "timestamp".into(),
        DataType::Float16 => "float16 (half precision)".into(),
        t if t.is_floating() => "floating-point".into(),
        t if t.is_integer() => "integer".into(),
        DataType::Decimal256(..) => "decimal(256-bit)".into(),
        t => t.to_string().to_lowercase(),
    }
}

/// The cell at `row` as text, `None` when NULL or empty (the CSV reader's empty cell; text is trimmed as it is).
/// The column's type was checked for its kind by [`check_type`]; a type this does not read is refused, not
/// guessed.
fn cell(array: &dyn Array, row: usize, kind: Kind) -> Result<Option<String>, String> {
    if array.is_null(row) {
        return Ok(None);
    }
    if let Some(dict) = array.as_any_dictionary_opt() {
        let key = integer(dict.keys(), row).ok_or("the dictionary key cannot be read")?;
        let key = usize::try_from(key)
            .ok()
            .filter(|k| *k < dict.values().len())
            .ok_or("the dictionary key is out of range")?;
        return cell(dict.values().as_ref(), key, kind);
    }
    let text: Cow<str> = match array.data_type() {
        DataType::Null => return Ok(None),
        DataType::Utf8 => Cow::Borrowed(array.as_string::<i32>().value(row)),
        DataType::LargeUtf8 => Cow::Borrowed(array.as_string::<i64>().value(row)),
        DataType::Utf8View => Cow::Borrowed(array.as_string_view().value(row)),
        t if t.is_integer() => Cow::Owned(integer(array, row).ok_or("the integer cannot be read")?.to_string()),
        DataType::Decimal32(_, s) => decimal(i128::from(array.as_primitive::<Decimal32Type>().value(row)), *s),
        DataType::Decimal64(_, s) => decimal(i128::from(array.as_primitive::<Decimal64Type>().value(row)), *s),
        DataType::Decimal128(_, s) => decimal(array.as_primitive::<Decimal128Type>().value(row), *s),
        DataType::Decimal256(_, s) => {
            let unscaled = array.as_primitive::<Decimal256Type>().value(row);
            match unscaled.to_i128() {
                Some(unscaled) => decimal(unscaled, *s),
                // Over 38 digits: every one written out, for the text reader to take or refuse in its words.
                None => Cow::Owned(scaled_text(&unscaled.to_string(), *s)),
            }
        }
        DataType::Float64 => float(array.as_primitive::<Float64Type>().value(row), 15)?,
        DataType::Float32 => float(array.as_primitive::<Float32Type>().value(row), 6)?,
        DataType::Date32 => date(i64::from(array.as_primitive::<Date32Type>().value(row)), kind)?,
        DataType::Date64 => date(array.as_primitive::<Date64Type>().value(row).div_euclid(86_400_000), kind)?,
        DataType::Timestamp(unit, _) => {
            let (value, per_day) = match unit {
                TimeUnit::Second => (array.as_primitive::<TimestampSecondType>().value(row), 86_400),
                TimeUnit::Millisecond => (array.as_primitive::<TimestampMillisecondType>().value(row), 86_400_000),
                TimeUnit::Microsecond => (array.as_primitive::<TimestampMicrosecondType>().value(row), 86_400_000_000),
                TimeUnit::Nanosecond => {
                    (array.as_primitive::<TimestampNanosecondType>().value(row), 86_400_000_000_000)
                }
            };
            // A day with a time of day is not a date: which date it stands for is a guess.
            if value.rem_euclid(per_day) != 0 {
                return Err("the timestamp has a time of day; a date is midnight\n  hint: store dates as DATE, as text (2024-06-30), or as timestamps at midnight".to_owned());
            }
            date(value.div_euclid(per_day), kind)?
        }
        t => return Err(format!("a value of type {} cannot be read here", type_name(t))),
    };
    let text = crate::value::trim(&text);
    Ok((!text.is_empty()).then(|| text.to_owned()))
}

/// An integer cell of any width.
fn integer(array: &dyn Array, row: usize) -> Option<i128> {
    Some(match array.data_type() {
        DataType::Int8 => array.as_primitive::<Int8Type>().value(row).into(),
        DataType::Int16 => array.as_primitive::<Int16Type>().value(row).into(),
        DataType::Int32 => array.as_primitive::<Int32Type>().value(row).into(),
        DataType::Int64 => array.as_primitive::<Int64Type>().value(row).into(),
        DataType::UInt8 => array.as_primitive::<UInt8Type>().value(row).into(),
        DataType::UInt16 => array.as_primitive::<UInt16Type>().value(row).into(),
        DataType::UInt32 => array.as_primitive::<UInt32Type>().value(row).into(),
        DataType::UInt64 => array.as_primitive::<UInt64Type>().value(row).into(),
        _ => return None,
    })
}

/// A DECIMAL's unscaled value and scale as exact decimal text. What the engine's decimal holds at once is written
/// as it reads; anything else (a scale above 28 or a negative one, a mantissa beyond 96 bits) is written out digit
/// by digit, so that the text reader takes it exactly as it takes the same text in a CSV cell: trailing zeros
/// dropped (`DECIMAL(38, 24)` holding `95682.000…0` is 95682), and a value of more than 28 significant digits
/// refused in its words.
fn decimal(unscaled: i128, scale: i8) -> Cow<'static, str> {
    match u32::try_from(scale).ok().and_then(|s| Decimal::try_from_i128_with_scale(unscaled, s).ok()) {
        Some(d) => Cow::Owned(d.to_string()),
        None => Cow::Owned(decimal_text(unscaled, scale)),
    }
}

/// `unscaled × 10^-scale` as plain decimal text, every digit written: `-0.000123`, `1200`.
fn decimal_text(unscaled: i128, scale: i8) -> String {
    scaled_text(&unscaled.to_string(), scale)
}

/// [`decimal_text`] of an unscaled value given as its integer text (`-123`), of any width (a Decimal256's).
fn scaled_text(unscaled: &str, scale: i8) -> String {
    let (sign, digits) = match unscaled.strip_prefix('-') {
        Some(digits) => ("-", digits),
        None => ("", unscaled),
    };
    let Ok(places) = usize::try_from(scale) else {
        return format!("{sign}{digits}{}", "0".repeat(usize::from(scale.unsigned_abs())));
    };
    if places == 0 {
        return format!("{sign}{digits}");
    }
    let padded = format!("{digits:0>width$}", width = places + 1);
    let (int, frac) = padded.split_at(padded.len() - places);
    format!("{sign}{int}.{frac}")
}

/// A float's shortest decimal text, when it has at most `digits` significant digits (see the module comment).
fn float<F: std::fmt::Display + std::fmt::LowerExp + Copy>(v: F, digits: usize) -> Result<Cow<'static, str>, String> {
    let text = v.to_string();
    let finite = text.chars().all(|c| c.is_ascii_digit() || c == '.' || c == '-');
    if !finite {
        return Err(format!("{text} is not a number"));
    }
    // Beyond any decimal's reach (`1e300` displays as 301 digits): its shortest form in scientific notation, which
    // the text reader refuses as out of range in a short message, as it does the same text in a CSV cell.
    if text.len() > 32 {
        return Ok(Cow::Owned(format!("{v:e}")));
    }
    let significant = text.trim_start_matches('-').replace('.', "");
    let significant = significant.trim_start_matches('0').trim_end_matches('0');
    if significant.len() > digits {
        return Err(format!(
            "{text} is a binary floating-point number with more significant digits than a float holds as written ({digits})\n  hint: store money and amounts as DECIMAL, which is exact (pandas: decimal.Decimal values; DuckDB: CAST(x AS DECIMAL(18, 4)))"
        ));
    }
    Ok(Cow::Owned(text))
}

/// A date (days since 1970-01-01) as `YYYY-MM-DD`, or for a month column `YYYY-MM` when it is the first of the
/// month.
fn date(days: i64, kind: Kind) -> Result<Cow<'static, str>, String> {
    let (y, m, d) = civil(days);
    if !(1..=9999).contains(&y) {
        return Err(format!("the date is outside the years 1 to 9999 ({y})"));
    }
    match kind {
        Kind::Month if d != 1 => Err(format!(
            "the date {y:04}-{m:02}-{d:02} is not the first of a month\n  hint: a month column holds months: text (2024-06) or the first day of the month"
        )),
        Kind::Month => Ok(Cow::Owned(format!("{y:04}-{m:02}"))),
        _ => Ok(Cow::Owned(format!("{y:04}-{m:02}-{d:02}"))),
    }
}

/// A timestamp whose day is the day written: without a time zone (what pandas' `datetime64` becomes), or in UTC.
/// In another zone, the instant stored is another day's midnight.
fn is_utc_timestamp(t: &DataType) -> bool {
    match t {
        DataType::Timestamp(_, None) => true,
        DataType::Timestamp(_, Some(tz)) => matches!(tz.as_ref(), "UTC" | "utc" | "Etc/UTC" | "+00:00" | "Z"),
        _ => false,
    }
}

/// The proleptic Gregorian date of a day count from 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Each row of `partners` with its id, and each id's partner (its index in `partners` order). A row without an
/// id (NULL, or blank text) or a partner listed twice makes the portfolio unreadable, at its row: the rows of the
/// other tables that belong to that partner could not be told from another's (as for a row of theirs without an
/// id, [`owner`]).
#[allow(clippy::type_complexity)]
fn heads(partners: &Table) -> Result<(Vec<(At, String)>, HashMap<String, usize>), Error> {
    let mut heads: Vec<(At, String)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for at in partners.each() {
        let place = || Located::field(&partners.name, format!("row {}", partners.number(at)));
        let Some(id) = partners.text(at, "partner_id")? else {
            return Err(Error::new(place(), "row has no partner_id").with_hint(NO_PARTNER_ID));
        };
        if let Some(first) = index.get(&id) {
            let first = partners.number(heads[*first].0);
            return Err(Error::new(place(), format!("partner \"{id}\" is listed twice (first at row {first})")));
        }
        index.insert(id.clone(), heads.len());
        heads.push((at, id));
    }
    Ok((heads, index))
}

/// The `partner_id` cell of row `row` of `ids` (row `number` of `table`; `col` is `Col::of(ids)`, made once per
/// batch), trimmed, empty when NULL. Text is borrowed, not copied, from the array or its dictionary: every row of
/// a table is attributed through here.
fn partner_id<'a>(table: &Table, col: &Col<'a>, row: usize, number: u64) -> Result<Cow<'a, str>, Error> {
    match col.at(row) {
        Cell::Empty => Ok(Cow::Borrowed("")),
        Cell::Text(t) => Ok(Cow::Borrowed(t)),
        _ => match col.array {
            Some(ids) => Ok(Cow::Owned(
                cell(ids, row, Kind::Text).map_err(|m| table.error_at(number, "partner_id", m))?.unwrap_or_default(),
            )),
            None => Ok(Cow::Borrowed("")),
        },
    }
}

/// The partner (its index in `partners` order) whose `partner_id` row `number` of `table` holds; a row with no
/// id, or naming a partner `partners` (named `listed`) does not list, makes the portfolio unreadable.
fn owner(table: &Table, id: &str, number: u64, index: &HashMap<String, usize>, listed: &str) -> Result<usize, Error> {
    match index.get(id) {
        Some(i) => Ok(*i),
        None if id.is_empty() => {
            Err(Error::new(Located::field(&table.name, format!("row {number}")), "row has no partner_id"))
        }
        None => {
            let hint = match closest(id, index.keys().map(String::as_str)) {
                Some(near) => format!("did you mean \"{near}\"?"),
                None => format!("add the partner to {listed}, or fix the id"),
            };
            Err(Error::new(
                Located::field(&table.name, format!("row {number}")),
                format!("partner \"{id}\" is not in {listed}"),
            )
            .with_hint(hint))
        }
    }
}

impl Portfolio {
    /// Checks the tables' columns and attributes every row to its partner by `partner_id`. An error means the
    /// portfolio cannot be read (the module comment says which problems those are).
    pub fn open(tables: Tables, names: [String; 4]) -> Result<Portfolio, Error> {
        let [pn, un, cn, ppn] = names;
        let partners = Table::open(pn, tables.partners, 0)?;
        let usage = Table::open(un, tables.usage, 1)?;
        let customers = Table::open(cn, tables.customers.unwrap_or_default(), 2)?;
        let people = Table::open(ppn, tables.people.unwrap_or_default(), 3)?;
        let (heads, index) = heads(&partners)?;
        let mut rows: Vec<[Vec<At>; 3]> = (0..heads.len()).map(|_| Default::default()).collect();
        for (t, table) in [&customers, &people, &usage].into_iter().enumerate() {
            let Some(k) = table.cols.first().copied().flatten() else { continue };
            for (b, batch) in table.batches.iter().enumerate() {
                let ids = Col::of(batch.column(k).as_ref());
                for row in 0..batch.num_rows() {
                    let at = At { batch: b as u32, row: row as u32 };
                    let number = table.number(at);
                    let id = partner_id(table, &ids, row, number)?;
                    rows[owner(table, &id, number, &index, &partners.name)?][t].push(at);
                }
            }
        }
        Ok(Portfolio { tables: [partners, usage, customers, people], heads, rows })
    }

    /// How many partners `partners` lists.
    pub fn len(&self) -> usize {
        self.heads.len()
    }

    /// Whether `partners` lists none.
    pub fn is_empty(&self) -> bool {
        self.heads.is_empty()
    }

    /// Where partner `i` comes from: `partners.parquet: row 3 (p1)`.
    pub fn origin(&self, i: usize) -> String {
        let (at, id) = &self.heads[i];
        format!("{} ({id})", self.tables[0].place(*at))
    }

    /// Partner `i` (in `partners` order) as a partner file, with where its pieces came from.
    pub fn partner(&self, i: usize) -> Placed {
        let origin = self.origin(i);
        let mut places = Places::default();
        let file = self.build(i, &mut places, false).map(|(file, _)| file);
        Placed { origin, file, places }
    }

    /// Partner `i` validated, with where its pieces came from: what [`Portfolio::partner`] and
    /// [`Placed::into_partner`] give, the same partner or the same first problem. Issue 15: the usage rows are
    /// made straight from the cells, without the partner file's entries between them, when every cell reads as
    /// a valid row (`Portfolio::usage_rows`); a partner with any other row is read the long way, whose
    /// messages name the cell.
    pub fn validated(&self, i: usize) -> Result<(Partner, Places), Error> {
        let origin = self.origin(i);
        let mut places = Places::default();
        match self.build(i, &mut places, true) {
            Ok((file, Some(rows))) => match Partner::from_file_with_usage(file, rows, &origin) {
                Ok(partner) => Ok((partner, places)),
                Err(e) => Err(places.locate(e)),
            },
            Ok((file, None)) => Placed { origin, file: Ok(file), places }.into_partner(),
            Err(e) => Placed { origin, file: Err(e), places }.into_partner(),
        }
    }

    /// Partner `i`'s file, its cells read in the order of the columns of each table (partners, customers, people,
    /// usage), so that the first cell that does not read is the one reported; each list's rows noted in `places`.
    /// With `direct`, the usage rows are made straight from the cells when they all read as valid rows
    /// ([`Portfolio::usage_rows`]): the file then has no usage entries, and the rows are given beside it.
    fn build(
        &self,
        i: usize,
        places: &mut Places,
        direct: bool,
    ) -> Result<(PartnerFile, Option<Vec<UsageRow>>), Error> {
        let [partners, usage, customers, people] = &self.tables;
        let (head, id) = &self.heads[i];
        let [customer_rows, people_rows, usage_rows] = &self.rows[i];
        let numbers = |table: &Table, rows: &[At]| rows.iter().map(|at| table.number(*at)).collect::<Vec<u64>>();
        let mut r = Reader::new(partners);
        let name = r.opt_string(*head, r.column("name"))?;
        let path = r.opt_string(*head, r.column("path"))?;
        let as_of = r.field(*head, r.column("as_of"))?;
        let customers = if customer_rows.is_empty() {
            None
        } else {
            let mut r = Reader::new(customers);
            let (id, segment) = (r.column("customer_id"), r.column("segment"));
            let mut list = Vec::with_capacity(customer_rows.len());
            for at in customer_rows {
                list.push(CustomerFile { id: r.string(*at, id)?, segment: r.opt_field(*at, segment)? });
            }
            places.list("customers", &customers.name, Numbering::Row, numbers(customers, customer_rows));
            Some(list)
        };
        // People: one row per certification; persons in first-seen order.
        let mut persons: Vec<(String, Vec<(CertificationFile, At)>)> = Vec::new();
        let mut r = Reader::new(people);
        let [person, certification, earned, expires] =
            ["person_id", "certification", "earned", "expires"].map(|c| r.column(c));
        for at in people_rows {
            let cert = CertificationFile {
                name: r.string(*at, certification)?,
                earned: r.field(*at, earned)?,
                expires: r.opt_field(*at, expires)?,
            };
            let person = r.string(*at, person)?;
            match persons.iter_mut().find(|(p, _)| *p == person) {
                Some((_, certs)) => certs.push((cert, *at)),
                None => persons.push((person, vec![(cert, *at)])),
            }
        }
        let mut r = Reader::new(usage);
        let columns =
            ["customer", "month", "product", "measure", "value", "association", "offer", "cloud"].map(|c| r.column(c));
        let direct = match (direct, &customers) {
            (false, _) => None,
            (true, None) => Portfolio::usage_rows(&mut r, columns, usage_rows, as_of, None),
            (true, Some(list)) => {
                // The customers usage may name, as validation finds them (when every id reads).
                let known: Option<std::collections::HashSet<&str>> =
                    list.iter().all(|c| !c.id.is_empty()).then(|| list.iter().map(|c| c.id.as_str()).collect());
                known.and_then(|known| Portfolio::usage_rows(&mut r, columns, usage_rows, as_of, Some(&known)))
            }
        };
        let [customer, month, product, measure, value, association, offer, cloud] = columns;
        // The long way, when the rows were not made directly: each row an entry of the file, validated with it.
        let mut rows = Vec::new();
        if direct.is_none() {
            rows.reserve_exact(usage_rows.len());
            for at in usage_rows {
                rows.push(UsageFile {
                    customer: r.string(*at, customer)?,
                    month: r.field(*at, month)?,
                    product: r.string(*at, product)?,
                    measure: r.field(*at, measure)?,
                    value: r.field(*at, value)?,
                    association: r.opt_field(*at, association)?,
                    offer: r.opt_string(*at, offer)?,
                    cloud: r.opt_field(*at, cloud)?,
                });
            }
        }
        places.list("usage", &usage.name, Numbering::Row, numbers(usage, usage_rows));
        // Every person was first seen with a certification: each has a first row.
        let firsts = persons.iter().filter_map(|(_, certs)| certs.first().map(|(_, at)| people.number(*at))).collect();
        places.list("people", &people.name, Numbering::Row, firsts);
        let people = persons
            .into_iter()
            .enumerate()
            .map(|(n, (id, certs))| {
                let rows = certs.iter().map(|(_, at)| people.number(*at)).collect();
                places.list(format!("people[{n}].certifications"), &people.name, Numbering::Row, rows);
                PersonFile { id, certifications: certs.into_iter().map(|(c, _)| c).collect() }
            })
            .collect();
        let file = PartnerFile {
            partner: PartnerIdFile { id: id.clone(), name },
            as_of,
            path,
            customers,
            usage: rows,
            people,
            coverage: None,
            history: None,
            solutions: Vec::new(),
        };
        Ok((file, direct))
    }

    /// The usage rows of a partner made straight from their cells (issue 15: not through the partner file's
    /// entries and their validation), or `None` when a row is not plainly valid: a cell empty where a value is
    /// needed, of a type or text the typed reading does not take (an integer as an id, a value refused), a
    /// customer not in `known` (the customers listed, when any), or a month after `as_of`. The partner is then
    /// read the long way, which names the cell or the row. Each row is what validation makes of the same cells:
    /// the cells are read as [`Reader::string`] and [`Reader::field`] read them, and made a row by
    /// [`UsageRow::read`], validation's own step.
    fn usage_rows(
        r: &mut Reader<'_>,
        [customer, month, product, measure, value, association, offer, cloud]: [usize; 8],
        rows_at: &[At],
        as_of: Month,
        known: Option<&std::collections::HashSet<&str>>,
    ) -> Option<Vec<UsageRow>> {
        fn text(cell: Cell<'_>) -> Option<&str> {
            match cell {
                Cell::Text(t) => Some(t),
                _ => None,
            }
        }
        fn optional<T: Native>(cell: Cell<'_>) -> Option<Option<T>> {
            match cell {
                Cell::Empty => Some(None),
                cell => T::native(cell).map(Some),
            }
        }
        let mut rows: Vec<UsageRow> = Vec::with_capacity(rows_at.len());
        for (i, at) in rows_at.iter().enumerate() {
            let (cols, row) = (r.columns(*at), at.row as usize);
            let cell = |k: usize| cols.get(k).map_or(Cell::Empty, |c| c.at(row));
            // The customer and product are taken from the cells as they are, shared with the row before when
            // they are its own (what `UsageRow::read` does with an entry's). A row of the same batch holding the
            // same raw cells as the row before (rows come in runs) shares them unread.
            let before = i.checked_sub(1).map(|b| rows_at[b]).filter(|p| p.batch == at.batch).map(|p| p.row as usize);
            let same = |k: usize| before.is_some_and(|b| cols.get(k).is_some_and(|c| c.same_raw(b, row)));
            let texts = match rows.last() {
                Some(last) if same(customer) && same(product) => {
                    (Arc::clone(&last.customer), Arc::clone(&last.product), Arc::clone(&last.product_key))
                }
                last => {
                    let id = text(cell(customer))?;
                    let same_customer = last.is_some_and(|last| *last.customer == *id);
                    if !same_customer && known.is_some_and(|known| !known.contains(id)) {
                        return None;
                    }
                    UsageRow::texts(id, text(cell(product))?, last)
                }
            };
            let month = Month::native(cell(month)).filter(|m| *m <= as_of)?;
            let row = UsageFile {
                customer: String::new(),
                month,
                product: String::new(),
                measure: Measure::native(cell(measure))?,
                value: NonNegative::native(cell(value))?,
                association: optional(cell(association))?,
                offer: match cell(offer) {
                    Cell::Empty => None,
                    cell => Some(text(cell)?.to_owned()),
                },
                cloud: optional(cell(cloud))?,
            };
            rows.push(UsageRow::with_texts(row, texts));
        }
        Some(rows)
    }
}

/// A cell as what it holds, read without making text of it (issue 15): text borrowed from the array, an integer,
/// a decimal's unscaled value and scale, a day. Whatever the typed reading does not take (`Other`, or a value it
/// refuses) goes through the text reader ([`cell`], [`field_from_text`]), so every value read either way is the
/// same, and every message is the text reader's.
#[derive(Clone, Copy)]
enum Cell<'a> {
    /// NULL, or text that is empty once trimmed: an empty CSV cell.
    Empty,
    /// Text, trimmed as the CSV reader trims it.
    Text(&'a str),
    Int(i128),
    /// A DECIMAL's unscaled value and scale.
    Dec(i128, i8),
    /// A DATE, or a timestamp at midnight: days since 1970-01-01.
    Days(i64),
    Other,
}

/// One column of one batch, its type looked at once rather than per cell.
#[derive(Clone, Copy)]
struct Col<'a> {
    /// `None`: the table has no such column, and every cell is empty.
    array: Option<&'a dyn Array>,
    typed: Typed<'a>,
    /// The array's length, and its null buffer when it holds a NULL, taken once rather than asked of the array
    /// per cell (issue 15).
    len: usize,
    nulls: Option<&'a arrow_buffer::NullBuffer>,
}

/// The values of a column of a type read natively; `Other` is read through [`cell`].
#[derive(Clone, Copy)]
enum Typed<'a> {
    Utf8(&'a StringArray),
    LargeUtf8(&'a LargeStringArray),
    View(&'a StringViewArray),
    /// Dictionary-encoded text: its keys and its values.
    Dictionary(&'a dyn Array, &'a StringArray),
    Integer,
    D128(&'a [i128], i8),
    /// A Decimal256's values: those of 38 digits or fewer are read as a [`Typed::D128`]'s, the others as text.
    D256(&'a [<Decimal256Type as ArrowPrimitiveType>::Native], i8),
    D64(&'a [i64], i8),
    D32(&'a [i32], i8),
    Date32(&'a [i32]),
    /// Milliseconds, the day they fall in (what [`cell`] reads a DATE64 as).
    Date64(&'a [i64]),
    /// A timestamp's values and how many of them make a day.
    Stamp(&'a [i64], i64),
    Other,
}

impl<'a> Col<'a> {
    const ABSENT: Col<'static> = Col { array: None, typed: Typed::Other, len: 0, nulls: None };

    fn of(array: &'a dyn Array) -> Col<'a> {
        let typed = match array.data_type() {
            DataType::Utf8 => Typed::Utf8(array.as_string::<i32>()),
            DataType::LargeUtf8 => Typed::LargeUtf8(array.as_string::<i64>()),
            DataType::Utf8View => Typed::View(array.as_string_view()),
            DataType::Dictionary(_, values) if **values == DataType::Utf8 => match array.as_any_dictionary_opt() {
                Some(dict) => Typed::Dictionary(dict.keys(), dict.values().as_string::<i32>()),
                None => Typed::Other,
            },
            t if t.is_integer() => Typed::Integer,
            DataType::Decimal128(_, s) => Typed::D128(array.as_primitive::<Decimal128Type>().values(), *s),
            DataType::Decimal256(_, s) => Typed::D256(array.as_primitive::<Decimal256Type>().values(), *s),
            DataType::Decimal64(_, s) => Typed::D64(array.as_primitive::<Decimal64Type>().values(), *s),
            DataType::Decimal32(_, s) => Typed::D32(array.as_primitive::<Decimal32Type>().values(), *s),
            DataType::Date32 => Typed::Date32(array.as_primitive::<Date32Type>().values()),
            DataType::Date64 => Typed::Date64(array.as_primitive::<Date64Type>().values()),
            DataType::Timestamp(unit, _) => match unit {
                TimeUnit::Second => Typed::Stamp(array.as_primitive::<TimestampSecondType>().values(), 86_400),
                TimeUnit::Millisecond => {
                    Typed::Stamp(array.as_primitive::<TimestampMillisecondType>().values(), 86_400_000)
                }
                TimeUnit::Microsecond => {
                    Typed::Stamp(array.as_primitive::<TimestampMicrosecondType>().values(), 86_400_000_000)
                }
                TimeUnit::Nanosecond => {
                    Typed::Stamp(array.as_primitive::<TimestampNanosecondType>().values(), 86_400_000_000_000)
                }
            },
            _ => Typed::Other,
        };
        // Read once (issue 15): the Parquet reader gives a null buffer to every column that may hold NULLs, most
        // of which hold none.
        let nulls = array.nulls().filter(|n| n.null_count() > 0);
        Col { array: Some(array), typed, len: array.len(), nulls }
    }

    /// Whether rows `a` and `b` hold the same raw value, told without reading text where the layout allows
    /// (issue 15): the same string view (a short string is held in the view itself, a long one is pointed at by
    /// buffer and offset) or the same dictionary key. `true` means the two cells read the same; `false` means only
    /// that this could not tell, and the caller compares what the cells read.
    #[inline]
    fn same_raw(&self, a: usize, b: usize) -> bool {
        if a >= self.len || b >= self.len || self.nulls.is_some_and(|n| n.is_null(a) || n.is_null(b)) {
            return false;
        }
        match self.typed {
            Typed::View(v) => v.views()[a] == v.views()[b],
            Typed::Utf8(s) => s.value(a) == s.value(b),
            Typed::LargeUtf8(s) => s.value(a) == s.value(b),
            Typed::Dictionary(keys, _) => integer(keys, a).is_some_and(|k| integer(keys, b) == Some(k)),
            _ => false,
        }
    }

    /// The cell at `row`, as [`cell`] reads it but without making text of it.
    #[inline(always)]
    fn at(&self, row: usize) -> Cell<'a> {
        let Some(array) = self.array else { return Cell::Empty };
        if row >= self.len {
            return Cell::Other;
        }
        if self.nulls.is_some_and(|n| n.is_null(row)) {
            return Cell::Empty;
        }
        let text = |t: &'a str| match crate::value::trim(t) {
            "" => Cell::Empty,
            t => Cell::Text(t),
        };
        let day = |values: &[i64], per_day: i64| {
            // A time of day is the text reader's to refuse.
            values
                .get(row)
                .filter(|v| v.rem_euclid(per_day) == 0)
                .map_or(Cell::Other, |v| Cell::Days(v.div_euclid(per_day)))
        };
        match self.typed {
            Typed::Utf8(a) => text(a.value(row)),
            Typed::LargeUtf8(a) => text(a.value(row)),
            Typed::View(a) => text(a.value(row)),
            Typed::Dictionary(keys, values) => {
                match integer(keys, row).and_then(|k| usize::try_from(k).ok()).filter(|k| *k < values.len()) {
                    Some(k) if values.is_null(k) => Cell::Empty,
                    Some(k) => text(values.value(k)),
                    None => Cell::Other,
                }
            }
            Typed::Integer => integer(array, row).map_or(Cell::Other, Cell::Int),
            Typed::D128(v, s) => v.get(row).map_or(Cell::Other, |v| Cell::Dec(*v, s)),
            Typed::D256(v, s) => v.get(row).and_then(|v| v.to_i128()).map_or(Cell::Other, |v| Cell::Dec(v, s)),
            Typed::D64(v, s) => v.get(row).map_or(Cell::Other, |v| Cell::Dec(i128::from(*v), s)),
            Typed::D32(v, s) => v.get(row).map_or(Cell::Other, |v| Cell::Dec(i128::from(*v), s)),
            Typed::Date32(v) => v.get(row).map_or(Cell::Other, |v| Cell::Days(i64::from(*v))),
            Typed::Date64(v) => v.get(row).map_or(Cell::Other, |v| Cell::Days(v.div_euclid(86_400_000))),
            Typed::Stamp(v, per_day) => day(v, per_day),
            Typed::Other => Cell::Other,
        }
    }
}
/// Reads the cells of a table's rows, each column's type resolved once per batch, not per cell (issue 15).
struct Reader<'a> {
    table: &'a Table,
    /// The batch `cols` are of (`usize::MAX`: none yet).
    batch: usize,
    /// The batch's columns, in `COLUMNS_OF` order.
    cols: Vec<Col<'a>>,
}

impl<'a> Reader<'a> {
    fn new(table: &'a Table) -> Reader<'a> {
        Reader { table, batch: usize::MAX, cols: Vec::new() }
    }

    /// Where `column` is in `COLUMNS_OF`, found once per partner and table, not per cell.
    fn column(&self, column: &str) -> usize {
        self.table.kinds.iter().position(|(n, _, _)| *n == column).unwrap_or(usize::MAX)
    }

    /// The name of column `k`, for the text reader and its messages.
    fn name(&self, k: usize) -> &'static str {
        self.table.kinds.get(k).map_or("", |(n, _, _)| *n)
    }

    fn cell(&mut self, at: At, k: usize) -> Cell<'a> {
        self.columns(at).get(k).map_or(Cell::Empty, |c| c.at(at.row as usize))
    }

    /// The columns of the batch of `at`, in `COLUMNS_OF` order (a column the table lacks is [`Col::ABSENT`]): a
    /// row's cells read from them without looking the batch up again per cell.
    #[inline]
    fn columns(&mut self, at: At) -> &[Col<'a>] {
        let table = self.table;
        if at.batch as usize != self.batch {
            self.batch = at.batch as usize;
            let batch = table.batches.get(self.batch);
            self.cols = table
                .cols
                .iter()
                .map(|i| match (batch, i) {
                    (Some(batch), Some(i)) => batch.columns().get(*i).map_or(Col::ABSENT, |a| Col::of(a.as_ref())),
                    _ => Col::ABSENT,
                })
                .collect();
        }
        &self.cols
    }

    /// A text cell (an id, a name): empty when NULL.
    fn string(&mut self, at: At, k: usize) -> Result<String, Error> {
        Ok(self.opt_string(at, k)?.unwrap_or_default())
    }

    /// An optional text cell: `None` when NULL or empty, as [`Table::text`].
    fn opt_string(&mut self, at: At, k: usize) -> Result<Option<String>, Error> {
        match self.cell(at, k) {
            Cell::Empty => Ok(None),
            Cell::Text(t) => Ok(Some(t.to_owned())),
            Cell::Int(i) => Ok(Some(i.to_string())),
            _ => self.table.text(at, self.name(k)),
        }
    }

    /// A cell read as a field of the partner-file shape, as [`Table::field`] reads it.
    fn field<T: Native>(&mut self, at: At, k: usize) -> Result<T, Error> {
        match T::native(self.cell(at, k)) {
            Some(v) => Ok(v),
            None => self.table.field(at, self.name(k)),
        }
    }

    /// An optional cell: nothing when empty, else read as [`Reader::field`] reads it.
    fn opt_field<T: Native>(&mut self, at: At, k: usize) -> Result<Option<T>, Error> {
        match self.cell(at, k) {
            Cell::Empty => Ok(None),
            cell => match T::native(cell) {
                Some(v) => Ok(Some(v)),
                None => self.table.opt_field(at, self.name(k)),
            },
        }
    }
}

/// A field of the partner file read straight from a cell: the very value the text reader gives for the cell's
/// text, or `None` to let the text reader read it (a type not read natively, or a value refused, whose message
/// is the text reader's).
trait Native: serde::de::DeserializeOwned {
    fn native(cell: Cell<'_>) -> Option<Self> {
        match cell {
            Cell::Text(t) => field_from_text(t).ok(),
            _ => None,
        }
    }
}

impl Native for Measure {}
impl Native for Association {}
impl Native for Cloud {}
impl Native for Segment {}

impl Native for Month {
    fn native(cell: Cell<'_>) -> Option<Month> {
        match cell {
            Cell::Text(t) => t.parse().ok(),
            // What `date` writes for a month column: the first of a month in the years 1 to 9999.
            Cell::Days(days) => match civil(days) {
                (y, m, 1) if (1..=9999).contains(&y) => Month::new(y as i32, m),
                _ => None,
            },
            _ => None,
        }
    }
}

impl Native for Date {
    fn native(cell: Cell<'_>) -> Option<Date> {
        match cell {
            Cell::Text(t) => t.parse().ok(),
            Cell::Days(days) => match civil(days) {
                (y, m, d) if (1..=9999).contains(&y) => Date::new(y as i32, m, d),
                _ => None,
            },
            _ => None,
        }
    }
}

impl Native for NonNegative {
    fn native(cell: Cell<'_>) -> Option<NonNegative> {
        let exact = match cell {
            Cell::Text(t) => return field_from_text(t).ok(),
            Cell::Int(i) => Decimal::try_from_i128_with_scale(i, 0).ok()?,
            // What the decimal does not hold at once goes through the text reader ([`decimal`]).
            Cell::Dec(unscaled, scale) => {
                Decimal::try_from_i128_with_scale(unscaled, u32::try_from(scale).ok()?).ok()?
            }
            _ => return None,
        };
        // A negative value is the text reader's to refuse, in its words.
        (!exact.is_sign_negative() || exact.is_zero()).then_some(NonNegative(exact))
    }
}

/// The Arrow schema of flat results: [`COLUMNS`], text, exact decimals (`Decimal128(38, 28)`) and a boolean.
pub fn schema() -> SchemaRef {
    let field = |name: &str| {
        let t = match name {
            "points" | "max_points" | "designation_points" => DataType::Decimal128(38, SCALE as i8),
            "qualified" => DataType::Boolean,
            _ => DataType::Utf8,
        };
        // A decimal the column cannot hold is NULL (see `batch`); the other columns are never NULL.
        Field::new(name, t.clone(), matches!(t, DataType::Decimal128(..)))
    };
    Arc::new(Schema::new(COLUMNS.iter().map(|c| field(c)).collect::<Vec<_>>()))
}

/// The decimal places of the flat results' decimal columns.
const SCALE: u32 = 28;

/// Flat rows as one Arrow batch of [`schema`], rows in the order given. A decimal is held exactly; one of
/// 10^10 or more (no program's points come near it) does not fit `Decimal128(38, 28)` and is NULL.
pub fn batch(rows: &[Row]) -> RecordBatch {
    let text = |f: fn(&Row) -> &str| -> ArrayRef { Arc::new(StringArray::from_iter_values(rows.iter().map(f))) };
    let dec = |f: fn(&Row) -> Decimal| -> ArrayRef {
        let values = rows.iter().map(|r| scaled(f(r)));
        let array = Decimal128Array::from_iter(values).with_precision_and_scale(38, SCALE as i8);
        // 38 and 28 are a valid precision and scale, so this always holds; an empty array is the fallback.
        Arc::new(array.unwrap_or_else(|_| Decimal128Array::from(Vec::<i128>::new())))
    };
    let columns: Vec<ArrayRef> = vec![
        text(|r| &r.partner_id),
        text(|r| &r.as_of),
        text(|r| &r.rules_version),
        text(|r| &r.rules_digest),
        text(|r| &r.designation),
        text(|r| &r.path),
        text(|r| &r.metric),
        dec(|r| r.points),
        dec(|r| r.max_points),
        dec(|r| r.designation_points),
        Arc::new(BooleanArray::from(rows.iter().map(|r| r.qualified).collect::<Vec<_>>())),
    ];
    RecordBatch::try_new(schema(), columns).unwrap_or_else(|_| RecordBatch::new_empty(schema()))
}

/// `d` as a `Decimal128(38, 28)` unscaled value, `None` when it does not fit (10^10 or more).
fn scaled(d: Decimal) -> Option<i128> {
    let unscaled = d.mantissa().checked_mul(10i128.checked_pow(SCALE - d.scale())?)?;
    (unscaled.unsigned_abs() < 10u128.pow(38)).then_some(unscaled)
}

/// Whether every decimal of `row` fits the decimal columns of [`schema`] (see [`batch`]).
pub fn fits(row: &Row) -> bool {
    [row.points, row.max_points, row.designation_points].into_iter().all(|d| scaled(d).is_some())
}

#[cfg(test)]
mod tests {
    //! Issue 15: Arrow tables in, the same partner files as CSV cells; flat rows out, the same values.
    use super::*;
    use arrow_array::{Date32Array, Float64Array, Int64Array};
    use std::str::FromStr;

    fn strings(v: &[Option<&str>]) -> ArrayRef {
        Arc::new(StringArray::from(v.to_vec()))
    }

    fn table(cols: Vec<(&str, ArrayRef)>) -> RecordBatch {
        RecordBatch::try_from_iter(cols).unwrap()
    }

    fn names() -> [&'static str; 4] {
        ["partners", "usage", "customers", "people"]
    }

    fn base() -> Tables {
        Tables {
            partners: vec![table(vec![
                ("partner_id", strings(&[Some("p1"), Some("p2")])),
                ("as_of", Arc::new(Date32Array::from(vec![19875, 19875])) as ArrayRef), // 2024-06-01
            ])],
            usage: vec![table(vec![
                ("partner_id", strings(&[Some("p2"), Some("p1"), Some("p2")])),
                ("customer", Arc::new(Int64Array::from(vec![7, 1, 7])) as ArrayRef),
                ("month", strings(&[Some("2024-05"), Some("2024-06"), Some("2024-06")])),
                ("product", strings(&[Some("Azure"), Some("Azure"), Some("Azure")])),
                ("measure", strings(&[Some("acr_usd"), Some("acr_usd"), Some("acr_usd")])),
                (
                    "value",
                    Arc::new(
                        Decimal128Array::from(vec![Some(1980), Some(5), None]).with_precision_and_scale(10, 2).unwrap(),
                    ) as ArrayRef,
                ),
            ])],
            customers: None,
            people: None,
        }
    }

    /// Issue 15: rows go to the partner their partner_id names, whatever their order; DECIMAL stays exact,
    /// integers read as ids, a DATE on the first of a month reads as a month.
    #[test]
    fn columnar_rows_go_to_their_partner_with_native_types() {
        let got = partners(&base(), names()).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].0, "partners: row 1 (p1)");
        let p1 = got[0].1.as_ref().unwrap();
        assert_eq!(p1.as_of.to_string(), "2024-06");
        assert_eq!(p1.usage.len(), 1);
        assert_eq!(p1.usage[0].customer, "1");
        assert_eq!(p1.usage[0].value.0.to_string(), "0.05");
        assert_eq!(got[1].0, "partners: row 2 (p2)");
    }

    /// Issue 15: the usage rows made straight from the cells (`Portfolio::validated`) are those validation makes
    /// of the partner file's entries, and a partner with any row that is not plainly valid gets the partner or
    /// the first problem the long way gives: cells trimmed and cased in every way, empty, NULL and mistyped
    /// cells, unknown customers, months after `as_of`, with and without a customers table.
    #[test]
    fn usage_rows_made_directly_are_those_validation_makes() {
        type Cells<'a> = [Option<&'a str>; 8];
        let plain: Cells =
            [Some("c1"), Some("2024-04"), Some("Azure SQL"), Some("acr_usd"), Some("2.5"), None, None, None];
        let mut cases: Vec<Cells> = vec![
            plain,
            [
                Some(" c1 "),
                Some("2024-06"),
                Some(" AZURE sql "),
                Some("acr_usd"),
                Some("3.10"),
                Some("pal"),
                Some(" CSP "),
                Some("public"),
            ],
            [
                Some("c2"),
                Some("2024-05"),
                Some("Été Ünïcode"),
                Some("acr_usd"),
                Some("0"),
                Some("CPOR"),
                Some("Ré"),
                Some("gov"),
            ],
            [
                Some("c1"),
                Some("2024-06"),
                Some("azure sql"),
                Some("acr_usd"),
                Some("1"),
                Some(""),
                Some("  "),
                Some(" "),
            ],
        ];
        let bad: [(usize, &[&str]); 8] = [
            (0, &["", "  ", "c9"]),
            (1, &["2024-07", "2024-13", "June", ""]),
            (2, &["", " "]),
            (3, &["nope", ""]),
            (4, &["-1", "1e3", "x", ""]),
            (5, &["xyz"]),
            (6, &[]),
            (7, &["moon"]),
        ];
        for (column, texts) in bad {
            for text in texts {
                let mut cells = plain;
                cells[column] = Some(text);
                cases.push(cells);
            }
            let mut cells = plain;
            cells[column] = None;
            cases.push(cells);
        }
        // Partner 2k has the case alone; partner 2k + 1 a plain row, then the case, then the plain row again.
        let mut usage: Vec<(String, Cells)> = Vec::new();
        for (k, case) in cases.iter().enumerate() {
            usage.push((format!("p{}", 2 * k), *case));
            usage.extend([plain, *case, plain].map(|c| (format!("p{}", 2 * k + 1), c)));
        }
        let ids: Vec<String> = (0..2 * cases.len()).map(|i| format!("p{i}")).collect();
        let column = |n: usize| strings(&usage.iter().map(|(_, c)| c[n]).collect::<Vec<_>>());
        let partner_ids = strings(&usage.iter().map(|(p, _)| Some(p.as_str())).collect::<Vec<_>>());
        let mut cols: Vec<(&str, ArrayRef)> = vec![("partner_id", partner_ids)];
        for (n, name) in ["customer", "month", "product", "measure", "value", "association", "offer", "cloud"]
            .into_iter()
            .enumerate()
        {
            cols.push((name, column(n)));
        }
        // Every fourth partner lists its customers (c1 and c2; one of them lists an empty id as well).
        let listing: Vec<&String> = ids.iter().step_by(4).collect();
        let mut listed: Vec<(&str, &str)> =
            listing.iter().flat_map(|p| [(p.as_str(), "c1"), (p.as_str(), "c2")]).collect();
        listed.push((listing[1].as_str(), ""));
        let tables = Tables {
            partners: vec![table(vec![
                ("partner_id", strings(&ids.iter().map(|p| Some(p.as_str())).collect::<Vec<_>>())),
                ("as_of", strings(&vec![Some("2024-06"); ids.len()])),
            ])],
            usage: vec![table(cols)],
            customers: Some(vec![table(vec![
                ("partner_id", strings(&listed.iter().map(|(p, _)| Some(*p)).collect::<Vec<_>>())),
                ("customer_id", strings(&listed.iter().map(|(_, c)| Some(*c)).collect::<Vec<_>>())),
            ])]),
            people: None,
        };
        let portfolio = Portfolio::open(tables, names().map(str::to_owned)).unwrap();
        let (mut direct, mut failed) = (0, 0);
        for i in 0..portfolio.len() {
            let long = portfolio.partner(i).into_partner();
            let short = portfolio.validated(i);
            match (long, short) {
                (Ok((a, pa)), Ok((b, pb))) => {
                    assert_eq!(a, b, "partner {i}");
                    assert_eq!(format!("{pa:?}"), format!("{pb:?}"), "places of partner {i}");
                }
                (Err(a), Err(b)) => {
                    assert_eq!(a.to_string(), b.to_string(), "partner {i}");
                    failed += 1;
                }
                (a, b) => panic!("partner {i}: {:?} the long way, {:?} directly", a.map(|_| ()), b.map(|_| ())),
            }
            direct += usize::from(matches!(portfolio.build(i, &mut Places::default(), true), Ok((_, Some(_)))));
        }
        // The good cases are made directly (the partners of the four first, but the one listing an empty id, and
        // those of an optional cell left NULL or of a customer no list names), and the bad ones fail both ways.
        assert_eq!((direct, failed), (15, 43), "partners made directly, and partners failed");
    }

    /// Issue 15: a timestamp at midnight (pandas' `datetime64`, naive or in UTC) is a date, and on the first of
    /// a month a month; a time of day, or another time zone, is refused rather than read as some day.
    #[test]
    fn columnar_timestamps_at_midnight_are_dates() {
        use arrow_array::TimestampNanosecondArray;
        let june = 1_717_200_000_000_000_000_i64; // 2024-06-01T00:00:00Z
        let naive =
            TimestampNanosecondArray::from(vec![june, june + 29 * 86_400_000_000_000, june + 3_600_000_000_000]);
        assert_eq!(cell(&naive, 0, Kind::Month).unwrap().as_deref(), Some("2024-06"));
        assert_eq!(cell(&naive, 1, Kind::Date).unwrap().as_deref(), Some("2024-06-30"));
        assert!(cell(&naive, 1, Kind::Month).unwrap_err().contains("not the first of a month"));
        assert!(cell(&naive, 2, Kind::Date).unwrap_err().contains("time of day"));
        let utc = naive.clone().with_timezone("UTC");
        assert!(check_type("usage", "month", Kind::Month, utc.data_type()).is_ok());
        let elsewhere = naive.with_timezone("America/New_York");
        let e = check_type("usage", "month", Kind::Month, elsewhere.data_type()).unwrap_err().to_string();
        assert!(e.starts_with("usage: column month: the timestamps carry the time zone America/New_York,"), "{e}");
    }

    /// Issue 15: a NULL in a required cell is an empty cell, refused as the CSV reader refuses it, failing only
    /// its partner, at its row and column.
    #[test]
    fn columnar_null_value_fails_its_partner_at_row_and_column() {
        let got = partners(&base(), names()).unwrap();
        assert!(got[0].1.is_ok());
        let e = got[1].1.as_ref().unwrap_err().to_string();
        assert!(e.starts_with("usage: row 3, column value: "), "{e}");
    }

    /// Issue 15: a row naming a partner that `partners` does not list makes the portfolio unreadable.
    #[test]
    fn columnar_unknown_partner_is_a_portfolio_error() {
        let mut t = base();
        let cols: Vec<(&str, ArrayRef)> = vec![
            ("partner_id", strings(&[Some("p3")])),
            ("customer", strings(&[Some("c")])),
            ("month", strings(&[Some("2024-06")])),
            ("product", strings(&[Some("x")])),
            ("measure", strings(&[Some("acr_usd")])),
            ("value", strings(&[Some("1")])),
        ];
        t.usage = vec![table(cols)];
        let e = partners(&t, names()).err().unwrap().to_string();
        assert!(e.starts_with("usage: row 1: partner \"p3\" is not in partners"), "{e}");
        assert!(e.contains("hint: did you mean \"p1\"?"), "{e}");
    }

    /// Issue 15: a float holding more digits than a float holds as written is refused with a hint; one that
    /// reads back as written is its decimal.
    #[test]
    fn columnar_floats_are_exact_as_written_or_refused() {
        assert_eq!(float(0.1f64, 15).unwrap(), "0.1");
        assert_eq!(float(19.8f64, 15).unwrap(), "19.8");
        assert_eq!(float(1e20f64, 15).unwrap(), "100000000000000000000");
        let e = float(0.1f64 + 0.2f64, 15).unwrap_err();
        assert!(e.contains("0.30000000000000004") && e.contains("hint: store money"), "{e}");
        assert!(float(f64::NAN, 15).is_err());
        let mut t = base();
        let mut cols: Vec<(String, ArrayRef)> =
            t.usage[0].schema().fields().iter().map(|f| f.name().clone()).zip(t.usage[0].columns().to_vec()).collect();
        cols[5].1 = Arc::new(Float64Array::from(vec![1.5, 0.1 + 0.2, 2.0]));
        t.usage = vec![RecordBatch::try_from_iter(cols).unwrap()];
        let got = partners(&t, names()).unwrap();
        let e = got[0].1.as_ref().unwrap_err().to_string();
        assert!(e.starts_with("usage: row 2, column value: 0.30000000000000004 is a binary"), "{e}");
        let p2 = got[1].1.as_ref().unwrap();
        let values: Vec<String> = p2.usage.iter().map(|u| u.value.0.to_string()).collect();
        assert_eq!(values, ["1.5", "2"]);
        // float16 is refused by its column, not cell by cell: three significant digits hold no amount.
        let mut cols: Vec<(String, ArrayRef)> =
            t.usage[0].schema().fields().iter().map(|f| f.name().clone()).zip(t.usage[0].columns().to_vec()).collect();
        // 1.5, 2 and 0.5 as IEEE half-precision bits.
        let halves = arrow_buffer::Buffer::from_vec(vec![0x3E00u16, 0x4000, 0x3800]);
        cols[5].1 = Arc::new(arrow_array::Float16Array::new(arrow_buffer::ScalarBuffer::from(halves), None));
        t.usage = vec![RecordBatch::try_from_iter(cols).unwrap()];
        let e = partners(&t, names()).err().unwrap().to_string();
        assert_eq!(
            e,
            "usage: column value: a column of type float16 (half precision) cannot hold exact numbers\n  hint: store numbers as DECIMAL, integers or text"
        );
    }

    /// Issue 15: a column whose type cannot hold its values, or a missing one, names the table and the column.
    #[test]
    fn columnar_bad_type_and_missing_column_are_located() {
        let mut t = base();
        t.partners = vec![table(vec![
            ("partner_id", strings(&[Some("p1")])),
            ("as_of", Arc::new(BooleanArray::from(vec![true])) as ArrayRef),
        ])];
        let e = partners(&t, names()).err().unwrap().to_string();
        assert_eq!(
            e,
            "partners: column as_of: a column of type boolean cannot hold months\n  hint: store months as text (2024-06), or as dates or timestamps without a time zone (or in UTC) at midnight on the first of the month"
        );
        t.partners = vec![table(vec![("partner_id", strings(&[Some("p1")]))])];
        let e = partners(&t, names()).err().unwrap().to_string();
        assert_eq!(e, "partners: missing column \"as_of\"");
    }

    /// A usage table whose `column` holds `arrays`, one batch each, the other columns absent: enough for a reader
    /// of that column (the type checks of `Table::open` left out, so that any type can be tried).
    fn one_column(column: &str, arrays: Vec<ArrayRef>) -> Table {
        // Usage's columns, and for `earned` (the one column of dates) the people's.
        let kinds = COLUMNS_OF[if column == "earned" { 3 } else { 1 }];
        let mut cols = vec![None; kinds.len()];
        cols[kinds.iter().position(|(n, _, _)| *n == column).unwrap()] = Some(0);
        let batches: Vec<RecordBatch> = arrays.into_iter().map(|a| table(vec![(column, a)])).collect();
        let mut starts = Vec::new();
        let mut total = 0;
        for b in &batches {
            starts.push(total);
            total += b.num_rows() as u64;
        }
        Table { name: "usage".into(), batches, cols, kinds, starts }
    }

    /// Every cell of `column` read typed (`Reader`) and through its text (`Table`, the reader before issue 15):
    /// the same value, to the decimal's scale, or the same message.
    fn typed_as_text<T: Native + std::fmt::Debug>(t: &Table, column: &str) -> usize {
        let show = |r: Result<Option<T>, Error>| match r {
            Ok(v) => Ok(format!("{v:?}")),
            Err(e) => Err(e.to_string()),
        };
        let mut r = Reader::new(t);
        let k = r.column(column);
        let mut errors = 0;
        for at in t.each() {
            let typed = show(r.field::<T>(at, k).map(Some));
            assert_eq!(typed, show(t.field::<T>(at, column).map(Some)), "{column} row {}", t.number(at));
            assert_eq!(show(r.opt_field::<T>(at, k)), show(t.opt_field::<T>(at, column)), "{column} {}", t.number(at));
            errors += usize::from(typed.is_err());
        }
        errors
    }

    /// Issue 15: a cell read straight from its Arrow type (a DECIMAL or an integer into a decimal, a DATE or a
    /// timestamp into a month or a date, text borrowed) is the value its text reads as, and a cell that does not
    /// read gets the text reader's message, byte for byte: every native type, good values and bad, in batches.
    #[test]
    fn typed_cells_read_as_their_text_does() {
        use arrow_array::{
            Date64Array, Decimal32Array, Decimal64Array, DictionaryArray, Int32Array, Int8Array,
            TimestampMillisecondArray, TimestampNanosecondArray, TimestampSecondArray,
        };
        let dec = |v: Vec<Option<i128>>, p: u8, s: i8| -> ArrayRef {
            Arc::new(Decimal128Array::from(v).with_precision_and_scale(p, s).unwrap())
        };
        let max = 79_228_162_514_643_264_337_593_543_950_335_i128; // the largest mantissa a decimal holds
        let values: Vec<ArrayRef> = vec![
            dec(vec![Some(1980), Some(5), None, Some(0), Some(-5), Some(-0), Some(120_000)], 10, 2),
            dec(vec![Some(1), Some(max), Some(max + 1), Some(-max), Some(10i128.pow(37))], 38, 0),
            dec(vec![Some(max), Some(7)], 38, 10),
            dec(vec![Some(12)], 10, -2),
            Arc::new(Decimal64Array::from(vec![Some(15_000), Some(-1), None]).with_precision_and_scale(18, 4).unwrap()),
            Arc::new(Decimal32Array::from(vec![Some(15), Some(0)]).with_precision_and_scale(9, 1).unwrap()),
            Arc::new(Int64Array::from(vec![Some(0), Some(42), Some(-3), None, Some(i64::MAX)])),
            Arc::new(Int8Array::from(vec![Some(-1), Some(7)])),
            Arc::new(Float64Array::from(vec![1.5, 0.1 + 0.2, -2.0])),
            strings(&[Some(" 12.50 "), Some("1_000"), Some("1e3"), Some("-3"), Some(""), Some("  "), None, Some("x")]),
        ];
        // Every scale a decimal holds, with its largest mantissa, its smallest step, and trailing zeros kept.
        let scales = (0..=28).map(|s| dec(vec![Some(max), Some(1), Some(10i128.pow(s)), Some(-1)], 38, s as i8));
        let values: Vec<ArrayRef> = values.into_iter().chain(scales).collect();
        // The bad cells among them (NULL, negative, too many digits, a negative scale, a float's noise, text).
        assert!(typed_as_text::<NonNegative>(&one_column("value", values), "value") > 40);
        let june = 19_875; // 2024-06-01
        let day_ms = 86_400_000_i64;
        let months: Vec<ArrayRef> = vec![
            Arc::new(Date32Array::from(vec![Some(june), Some(june + 29), None, Some(-719_529), Some(2_932_897)])),
            Arc::new(Date32Array::from(vec![Some(june + 30), Some(-719_162), Some(2_932_896)])),
            Arc::new(Date64Array::from(vec![
                june as i64 * day_ms,
                june as i64 * day_ms + 5,
                (june as i64 + 3) * day_ms,
            ])),
            Arc::new(TimestampSecondArray::from(vec![june as i64 * 86_400, june as i64 * 86_400 + 1])),
            Arc::new(TimestampMillisecondArray::from(vec![june as i64 * day_ms]).with_timezone("UTC")),
            Arc::new(TimestampNanosecondArray::from(vec![june as i64 * day_ms * 1_000_000, -1])),
            strings(&[
                Some("2024-06"),
                Some(" 2024-06 "),
                Some("2024-13"),
                Some("2024-6"),
                Some("2024-06-01"),
                Some(""),
            ]),
        ];
        // The build reads months from month columns and dates from date columns (their kinds differ in what a
        // DATE reads as), as here.
        assert!(typed_as_text::<Month>(&one_column("month", months.clone()), "month") > 5);
        assert!(typed_as_text::<Date>(&one_column("earned", months), "earned") > 3);
        let keys = Int32Array::from(vec![Some(0), Some(1), None, Some(2), Some(3), Some(0)]);
        let words = StringArray::from(vec![Some("acr_usd"), Some(" seats "), Some("bogus"), None]);
        let dictionary: ArrayRef = Arc::new(DictionaryArray::try_new(keys, Arc::new(words)).unwrap());
        // Keys of 32 bits and of any other width.
        let narrow = arrow_array::Int8Array::from(vec![Some(1), None, Some(0), Some(3), Some(2)]);
        let narrow: ArrayRef = Arc::new(
            DictionaryArray::try_new(
                narrow,
                Arc::new(StringArray::from(vec![Some("acr_usd"), Some(" seats "), Some("bogus"), None])),
            )
            .unwrap(),
        );
        let measures: Vec<ArrayRef> = vec![
            dictionary.clone(),
            narrow.clone(),
            strings(&[Some("acr_usd"), Some("ACR_usd"), Some(""), None]),
            Arc::new(arrow_array::LargeStringArray::from(vec![Some("seats"), Some("x")])),
            Arc::new(arrow_array::StringViewArray::from(vec![Some(" acr_usd"), Some("pal")])),
            Arc::new(Int64Array::from(vec![1])),
        ];
        assert!(typed_as_text::<Measure>(&one_column("measure", measures), "measure") > 3);
        // Text cells: trimmed, empty when NULL or blank, integers as their digits, the same as the text reader.
        let customers: Vec<ArrayRef> = vec![
            strings(&[Some(" c1 "), Some(""), None, Some("  ")]),
            Arc::new(Int64Array::from(vec![Some(7), None, Some(-2)])),
            dictionary,
            narrow,
            Arc::new(arrow_array::StringViewArray::from(vec![Some("a"), None])),
        ];
        let t = one_column("customer", customers);
        let mut r = Reader::new(&t);
        let k = r.column("customer");
        for at in t.each() {
            let text = t.text(at, "customer").map_err(|e| e.to_string());
            assert_eq!(r.opt_string(at, k).map_err(|e| e.to_string()), text, "row {}", t.number(at));
        }
    }

    /// Two cells `same_raw` finds the same read the same, and it finds the same the cells a run of one partner's
    /// rows holds in each text layout (a string view, short or long, a dictionary key of any width): every pair
    /// of rows, NULLs, blanks and texts that differ only after the twelve bytes a view holds inline among them.
    #[test]
    fn cells_found_the_same_raw_read_the_same() {
        use arrow_array::{DictionaryArray, Int32Array, Int8Array, LargeStringArray};
        let long = "partner-with-a-long-identifier";
        let longer = "partner-with-a-long-identifier-2";
        let mut views = arrow_array::builder::StringViewBuilder::new();
        for v in [Some("p1"), Some("p1"), Some(" p1"), None, None, Some(long), Some(longer), Some(""), Some("p2")] {
            views.append_option(v);
        }
        // One long text written once and pointed at by three views, as a decoded dictionary page is.
        let block = views.append_block(arrow_buffer::Buffer::from(long.as_bytes()));
        for _ in 0..3 {
            views.try_append_view(block, 0, long.len() as u32).unwrap();
        }
        let views: ArrayRef = Arc::new(views.finish());
        let texts = [Some("p1"), Some("p1"), Some(" p1 "), None, Some(long), Some(long), Some("")];
        let words = StringArray::from(vec![Some("p1"), Some(" p1"), None, Some(long)]);
        let keys = Int32Array::from(vec![Some(0), Some(0), Some(1), None, Some(2), Some(2), Some(3), Some(3)]);
        let narrow = Int8Array::from(vec![Some(3), Some(3), Some(0), None, Some(0)]);
        // Each array, and how many ordered pairs of distinct rows must be found the same.
        let arrays: Vec<(ArrayRef, usize)> = vec![
            (views, 2 + 6),
            (Arc::new(StringArray::from(texts.to_vec())), 2 + 2),
            (Arc::new(LargeStringArray::from(texts.to_vec())), 2 + 2),
            (Arc::new(DictionaryArray::try_new(keys, Arc::new(words.clone())).unwrap()), 2 + 2 + 2),
            (Arc::new(DictionaryArray::try_new(narrow, Arc::new(words)).unwrap()), 2 + 2),
        ];
        let read = |cell: Cell<'_>| match cell {
            Cell::Empty => Some(String::new()),
            Cell::Text(t) => Some(t.to_owned()),
            _ => None,
        };
        for (array, expected) in arrays {
            let col = Col::of(array.as_ref());
            let mut found = 0;
            for a in 0..array.len() {
                assert!(!col.same_raw(a, array.len()), "{:?}: a row past the end", array.data_type());
                for b in (0..array.len()).filter(|b| *b != a) {
                    if col.same_raw(a, b) {
                        found += 1;
                        assert!(read(col.at(a)).is_some(), "{:?}: rows {a} and {b}", array.data_type());
                        assert_eq!(read(col.at(a)), read(col.at(b)), "{:?}: rows {a} and {b}", array.data_type());
                    }
                }
            }
            assert_eq!(found, expected, "{:?}", array.data_type());
        }
    }

    /// A DECIMAL column of a large scale (Spark's `DECIMAL(38, 18)`, the tool's own `DECIMAL(38, 28)`, or more)
    /// reads each value as its exact text reads in a CSV cell: trailing zeros beyond what the engine's decimal
    /// holds are dropped, a negative scale is whole tens, and only a value of more than 28 significant digits
    /// is refused, in the text reader's words.
    #[test]
    fn decimals_of_any_scale_read_as_their_exact_text() {
        assert_eq!(decimal_text(95_682 * 10i128.pow(24), 24), format!("95682.{}", "0".repeat(24)));
        assert_eq!(decimal_text(-123, 6), "-0.000123");
        assert_eq!(decimal_text(12, -2), "1200");
        assert_eq!(decimal_text(7, 0), "7");
        let read = |unscaled: i128, scale: i8| {
            let text = decimal(unscaled, scale);
            field_from_text::<NonNegative>(&text).map(|v| v.0.normalize().to_string()).map_err(|e| e.to_string())
        };
        assert_eq!(read(95_682 * 10i128.pow(24), 24), Ok("95682".to_owned()));
        assert_eq!(read(10i128.pow(29), 29), Ok("1".to_owned()));
        assert_eq!(read(1_050 * 10i128.pow(34), 37), Ok("1.05".to_owned()));
        assert_eq!(read(12, -2), Ok("1200".to_owned()));
        let too_many = read(10i128.pow(29) + 1, 29).unwrap_err();
        assert_eq!(
            Err(too_many),
            field_from_text::<NonNegative>(&format!("1.{}1", "0".repeat(28))).map(|_| ()).map_err(|e| e.to_string())
        );
        // In a table: the typed reading and the text reading agree, and the column's rows read.
        let dec = |v: Vec<Option<i128>>, p: u8, s: i8| -> ArrayRef {
            Arc::new(Decimal128Array::from(v).with_precision_and_scale(p, s).unwrap())
        };
        let values = vec![
            dec(vec![Some(95_682 * 10i128.pow(24)), Some(5 * 10i128.pow(23)), Some(1)], 38, 24),
            dec(vec![Some(10i128.pow(28)), Some(2 * 10i128.pow(28))], 38, 28),
            dec(vec![Some(3)], 10, -1),
        ];
        assert_eq!(typed_as_text::<NonNegative>(&one_column("value", values), "value"), 0);
    }

    /// A float far out of a decimal's range is refused in the text reader's short words, as its scientific text
    /// in a CSV cell is, not as hundreds of digits.
    #[test]
    fn floats_out_of_range_are_refused_as_their_scientific_text() {
        for (v, text) in [(1e300, "1e300"), (-2.5e40, "-2.5e40"), (1e-300, "1e-300")] {
            assert_eq!(float(v, 15).as_deref(), Ok(text));
            let e = field_from_text::<NonNegative>(text).map(|_| ()).unwrap_err();
            assert!(e.len() < 120, "{e}");
        }
        assert_eq!(
            float(1e300, 15).and_then(|t| field_from_text::<NonNegative>(&t).map(|_| ())).unwrap_err(),
            field_from_text::<NonNegative>("1e300").map(|_| ()).unwrap_err()
        );
        // Within reach, as before.
        assert_eq!(float(410.25, 15).as_deref(), Ok("410.25"));
        assert_eq!(float(1e27, 15).as_deref(), Ok("1000000000000000000000000000"));
    }

    /// Issue 15: a partner built from rows becomes a partner in one place: a cell that does not read fails it at
    /// its row and column, a problem of the file built is put on the row it comes from.
    #[test]
    fn placed_partners_are_validated_with_their_rows() {
        let mut t = base();
        let (partner, places) =
            Portfolio::open(t.clone(), names().map(str::to_owned)).unwrap().partner(0).into_partner().unwrap();
        assert_eq!(partner.origin, "partners: row 1 (p1)");
        assert_eq!(places.of_field("usage[0].value").as_deref(), Some("usage: row 2"));
        let e =
            Portfolio::open(t.clone(), names().map(str::to_owned)).unwrap().partner(1).into_partner().err().unwrap();
        assert!(e.to_string().starts_with("usage: row 3, column value: "), "{e}");
        // A usage month after as_of: the file does not validate, at the row of the month.
        let mut cols: Vec<(String, ArrayRef)> =
            t.usage[0].schema().fields().iter().map(|f| f.name().clone()).zip(t.usage[0].columns().to_vec()).collect();
        cols[2].1 = strings(&[Some("2024-05"), Some("2024-07"), Some("2024-06")]);
        t.usage = vec![RecordBatch::try_from_iter(cols).unwrap()];
        let e = Portfolio::open(t, names().map(str::to_owned)).unwrap().partner(0).into_partner().err().unwrap();
        assert!(e.to_string().starts_with("usage: row 2: "), "{e}");
    }

    /// Issue 15: a required cell with nothing in it (NULL, or text that is blank once trimmed) says so at its row
    /// and column, whatever the column reads (a month, a measure, a number, a date) and whatever its type, typed
    /// or through its text; it used to get the serde words for an empty string (`invalid value: string ""`,
    /// or `unknown value ```), confusing for a NULL.
    #[test]
    fn required_cells_without_a_value_say_null_or_empty() {
        use arrow_array::{DictionaryArray, Int32Array, NullArray, TimestampMicrosecondArray};
        fn said<T: Native + std::fmt::Debug>(t: &Table, column: &str) -> Vec<String> {
            // Every cell refused, the typed reading and the text reading alike.
            assert_eq!(typed_as_text::<T>(t, column), t.each().count(), "{column}");
            let mut r = Reader::new(t);
            let k = r.column(column);
            t.each().map(|at| r.field::<T>(at, k).map(|_| ()).unwrap_err().to_string()).collect()
        }
        let null =
            |row: u32, column: &str| format!("usage: row {row}, column {column}: is NULL, and a value is required");
        let empty =
            |row: u32, column: &str| format!("usage: row {row}, column {column}: is empty, and a value is required");
        let text = || strings(&[None, Some(""), Some("  ")]);
        // A NULL key, a key to a NULL word, a key to a blank word.
        let dictionary = || -> ArrayRef {
            let keys = Int32Array::from(vec![None, Some(0), Some(1)]);
            let words = StringArray::from(vec![None, Some(" ")]);
            Arc::new(DictionaryArray::try_new(keys, Arc::new(words)).unwrap())
        };
        let texts = |c: &str| [null(1, c), empty(2, c), empty(3, c), null(4, c), null(5, c), empty(6, c)];
        assert_eq!(said::<Measure>(&one_column("measure", vec![text(), dictionary()]), "measure"), texts("measure"));
        let nulls: Vec<ArrayRef> = vec![
            Arc::new(Decimal128Array::from(vec![None::<i128>]).with_precision_and_scale(10, 2).unwrap()),
            Arc::new(Int64Array::from(vec![None::<i64>])),
            Arc::new(Float64Array::from(vec![None::<f64>])),
            Arc::new(NullArray::new(1)),
        ];
        let values = said::<NonNegative>(&one_column("value", [vec![text(), dictionary()], nulls].concat()), "value");
        assert_eq!(values[..6], texts("value"));
        assert_eq!(values[6..], [7, 8, 9, 10].map(|row| null(row, "value")));
        let dates = || -> Vec<ArrayRef> {
            vec![
                text(),
                Arc::new(Date32Array::from(vec![None])),
                Arc::new(TimestampMicrosecondArray::from(vec![None::<i64>])),
            ]
        };
        let months = said::<Month>(&one_column("month", dates()), "month");
        assert_eq!(
            months,
            [null(1, "month"), empty(2, "month"), empty(3, "month"), null(4, "month"), null(5, "month")]
        );
        let earned = said::<Date>(&one_column("earned", dates()), "earned");
        assert_eq!(earned[..2], [null(1, "earned"), empty(2, "earned")]);
        // A partner's as_of, through the partners' own reading: its partner fails, the other is read.
        let mut t = base();
        t.partners = vec![table(vec![
            ("partner_id", strings(&[Some("p1"), Some("p2")])),
            ("as_of", Arc::new(Date32Array::from(vec![Some(19875), None])) as ArrayRef),
        ])];
        let got = partners(&t, names()).unwrap();
        assert!(got[0].1.is_ok());
        assert_eq!(
            got[1].1.as_ref().unwrap_err().to_string(),
            "partners: row 2, column as_of: is NULL, and a value is required"
        );
    }

    /// Issue 15: a row of `partners` without an id (NULL, or text blank once trimmed) makes the portfolio
    /// unreadable at its own row, as a row of the other tables without one does, whole tables or streamed; it
    /// used to be kept as a partner without an id, and the rows of the partner meant were reported instead, at
    /// their tables (`people: row 16: partner "bizapps-smb" is not in partners`).
    #[test]
    fn a_partners_row_without_an_id_is_refused_at_its_row() {
        let ids: [ArrayRef; 4] = [
            strings(&[Some("p1"), None]),
            strings(&[Some("p1"), Some("")]),
            strings(&[Some("p1"), Some("  ")]),
            Arc::new(Int64Array::from(vec![Some(1), None])),
        ];
        for id in ids {
            let mut t = base();
            t.usage.clear();
            t.partners = vec![table(vec![("partner_id", id), ("as_of", strings(&[Some("2024-06"), Some("2024-06")]))])];
            let want = "partners: row 2: row has no partner_id\n  hint: every partner needs an id: the rows of the other tables name their partner by it";
            assert_eq!(partners(&t, names()).err().unwrap().to_string(), want);
            let streamed = Stream::open(names().map(str::to_owned), t.partners.clone(), [None, None, None]);
            assert_eq!(streamed.err().unwrap().to_string(), want);
        }
    }

    /// Issue 15: a DECIMAL of precision over 38 (Arrow's Decimal256, what pyarrow writes for `decimal256(40, 4)`)
    /// reads each value as its exact text, as a Decimal128 does: DECIMAL(40, 4) holding 123.4567 is 123.4567, and
    /// only a value of more significant digits than the engine's decimal holds is refused, in the text reader's
    /// words. The column used to be refused whole, as a type that cannot hold numbers.
    #[test]
    fn decimal256_values_read_as_their_exact_text() {
        use arrow_array::types::Decimal256Type;
        use arrow_array::{ArrowPrimitiveType, Decimal256Array};
        type I256 = <Decimal256Type as ArrowPrimitiveType>::Native;
        let wide = |v: i128| I256::from_i128(v);
        let huge = |text: &str| I256::from_string(text).unwrap();
        let dec = |v: Vec<Option<I256>>, p: u8, s: i8| -> ArrayRef {
            Arc::new(Decimal256Array::from(v).with_precision_and_scale(p, s).unwrap())
        };
        assert!(check_type("usage", "value", Kind::Number, &DataType::Decimal256(40, 4)).is_ok());
        // 28 significant digits, what the engine's decimal holds, and its largest mantissa (32 digits).
        let (most, max) = (10i128.pow(28) - 1, 79_228_162_514_643_264_337_593_543_950_335_i128);
        let column = vec![
            dec(
                vec![Some(wide(1_234_567)), Some(wide(0)), None, Some(wide(-5)), Some(wide(most)), Some(wide(max))],
                40,
                4,
            ),
            // Beyond an i128: 1 and 40 zeros at scale 40 is 1; 42 significant digits are too many.
            dec(vec![Some(huge(&format!("1{}", "0".repeat(40)))), Some(huge(&"12".repeat(21)))], 76, 40),
            dec(vec![Some(huge(&format!("-{}", "9".repeat(76))))], 76, 0),
            dec(vec![Some(wide(12))], 40, -2),
        ];
        let t = one_column("value", column);
        // The typed reading and the text reading agree, value for value and message for message.
        let mut r = Reader::new(&t);
        let k = r.column("value");
        let got: Vec<Result<String, String>> = t
            .each()
            .map(|at| r.field::<NonNegative>(at, k).map(|v| v.0.to_string()).map_err(|e| e.to_string()))
            .collect();
        assert_eq!(typed_as_text::<NonNegative>(&t, "value"), 5, "{got:#?}");
        assert_eq!(got[0], Ok("123.4567".to_owned()));
        assert_eq!(got[1], Ok("0.0000".to_owned()));
        assert_eq!(got[2], Err("usage: row 3, column value: is NULL, and a value is required".to_owned()));
        assert!(got[3].as_ref().unwrap_err().contains("-0.0005"), "{got:?}");
        assert_eq!(got[4], Ok(format!("{}.9999", "9".repeat(24))));
        let too_many = |row: usize, text: &str| {
            let words = field_from_text::<NonNegative>(text).map(|_| ()).unwrap_err();
            Err(format!("usage: row {row}, column value: {words}"))
        };
        assert_eq!(got[5], too_many(6, "7922816251464326433759354395.0335"));
        assert_eq!(got[6].as_ref().map(|v| v.parse::<Decimal>().unwrap().normalize().to_string()), Ok("1".to_owned()));
        assert_eq!(got[7], too_many(8, &format!("12.{}", "12".repeat(20))));
        assert_eq!(got[8], too_many(9, &format!("-{}", "9".repeat(76))));
        assert_eq!(got[9], Ok("1200".to_owned()));
    }

    /// Issue 15: a column of timestamps in a time zone other than UTC is refused (its midnight is not midnight in
    /// UTC), and the message's first line says so, naming the zone and what is expected; it used to name the
    /// column's type alone (`a column of type timestamp cannot hold months`), the zone only in the hint.
    #[test]
    fn timestamps_in_another_time_zone_are_named_as_such() {
        let paris = DataType::Timestamp(TimeUnit::Microsecond, Some("Europe/Paris".into()));
        let e = check_type("usage", "month", Kind::Month, &paris).unwrap_err().to_string();
        let first = e.lines().next().unwrap();
        assert_eq!(
            first,
            "usage: column month: the timestamps carry the time zone Europe/Paris, not UTC; expected dates, or timestamps in UTC or without a time zone"
        );
        assert!(e.contains("hint: ") && e.contains("tz_localize(None)"), "{e}");
        let e = check_type("people", "earned", Kind::Date, &paris).unwrap_err().to_string();
        assert!(e.starts_with("people: column earned: the timestamps carry the time zone Europe/Paris, not UTC;"));
        // Still refused whole (only the words changed); UTC and no zone are read.
        for zone in [None, Some("UTC"), Some("+00:00")] {
            let t = DataType::Timestamp(TimeUnit::Second, zone.map(Into::into));
            assert!(check_type("usage", "month", Kind::Month, &t).is_ok(), "{zone:?}");
        }
    }

    #[test]
    fn civil_dates_follow_the_calendar() {
        assert_eq!(civil(0), (1970, 1, 1));
        assert_eq!(civil(19875), (2024, 6, 1));
        assert_eq!(civil(-1), (1969, 12, 31));
        assert_eq!(civil(11016), (2000, 2, 29));
    }

    /// Issue 15: the Arrow batch carries the flat rows' values exactly, in the CSV's columns.
    #[test]
    fn columnar_batch_holds_flat_rows_exactly() {
        let row = Row {
            partner_id: "p".into(),
            as_of: "2024-06".into(),
            rules_version: "2024-06".into(),
            rules_digest: "sha256:x".into(),
            designation: "d".into(),
            path: "smb".into(),
            metric: "m".into(),
            points: Decimal::from_str("19.8").unwrap(),
            max_points: Decimal::from_str("6.6666666666666666666666666667").unwrap(),
            designation_points: Decimal::from(100),
            qualified: true,
        };
        let b = batch(std::slice::from_ref(&row));
        assert_eq!(b.num_rows(), 1);
        let schema = b.schema();
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        assert_eq!(names, COLUMNS);
        let points = b.column(7).as_primitive::<Decimal128Type>();
        assert_eq!(points.value_as_string(0), "19.8000000000000000000000000000");
        let max = b.column(8).as_primitive::<Decimal128Type>();
        assert_eq!(max.value_as_string(0), "6.6666666666666666666666666667");
        assert!(fits(&row));
        let big = Row { points: Decimal::from(10_000_000_000i64), ..row };
        assert!(!fits(&big));
        assert!(batch(&[big]).column(7).is_null(0));
    }
}
