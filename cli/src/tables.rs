//! Portfolios as CSV tables, for data exported from a warehouse: a folder holding `partners.csv`,
//! `usage.csv` and, optionally, `customers.csv` and `people.csv` (one row per person and certification).
//!
//! Rows are attributed to partners by their `partner_id` cell, never by position. `partners.csv`,
//! `customers.csv` and `people.csv` are read whole; `usage.csv`, the large one, is read twice: a first pass
//! builds an index (where each partner's run of rows starts and how many rows it has) and checks every row,
//! then each partner's rows are read back from their place when the partner is scored. So the runs may come
//! in any partner order, and memory holds the index plus the usage of the partners being scored.
//!
//! What the tables can get wrong, and what it costs (docs/partner-data.md says the same to users):
//! - a problem that cannot be pinned on one partner makes the whole portfolio unreadable (exit 2), so that
//!   nothing is scored from rows that may belong elsewhere: a duplicated or unknown column, a partner listed
//!   twice in `partners.csv` or without an id there, a row naming a partner that `partners.csv` does not list
//!   (perhaps a misspelt id, whose real partner would otherwise be scored without it), a row whose partner
//!   cannot be read;
//! - a problem inside the rows of a known partner fails that partner only (exit 1, the others are scored): a
//!   malformed row (wrong number of cells, text that is not UTF-8), `usage.csv` rows of the partner that
//!   appear again after other partners' rows.
//!
//! A cell holding a line break is refused outright (exit 2): no column needs one, and a quote left open
//! takes in the rows that follow, which may be other partners' rows.
//!
//! Each partner is built as a [`PartnerFile`] (the one type of the partner-file shape): each cell is read by the
//! same reader a partner file's field is (a month, a date, a measure, an exact decimal), and a cell it refuses fails
//! the partner at its CSV line. The file is then validated exactly like a partner file; [`Places`] (the engine's,
//! shared with the Parquet tables and the Python module) keeps which CSV line each customer, usage row, person and
//! certification came from, so that its problems name the line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context as _, Result};
use designate_engine::error::closest;
use designate_engine::partner::{
    field_from_text, no_value, CertificationFile, CustomerFile, Numbering, PartnerFile, PartnerIdFile, PersonFile,
    Places, UsageFile, NO_PARTNER_ID,
};

use crate::portfolio::{Raw, Source};

/// True when `dir` holds a CSV portfolio.
pub fn is_tables(dir: &Path) -> bool {
    dir.join("partners.csv").is_file()
}

/// One CSV file being read: its reader, its columns by name, and how many cells a row must have.
struct Table {
    path: PathBuf,
    reader: csv::Reader<std::fs::File>,
    cols: BTreeMap<String, usize>,
    width: usize,
}

/// One data row: where it starts, its line, its partner id (when readable), and its cells or why the row is
/// malformed.
struct Row {
    start: csv::Position,
    line: u64,
    partner: Option<String>,
    cells: Result<csv::StringRecord, String>,
}

impl Row {
    fn get<'a>(&'a self, table: &Table, name: &str) -> &'a str {
        match &self.cells {
            Ok(rec) => table.cols.get(name).and_then(|i| rec.get(*i)).unwrap_or(""),
            Err(_) => "",
        }
    }
}

impl Table {
    /// Opens `path` and checks its header: `required` columns present, nothing but `required` and `optional`,
    /// no column twice (which one would win is a guess).
    fn open(path: &Path, required: &[&str], optional: &[&str]) -> Result<Table> {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            // Rows of the wrong length are reported by `next_row`, with their partner, not by the reader.
            .flexible(true)
            .from_path(path)
            .with_context(|| format!("{}: cannot read", path.display()))?;
        let headers = reader.headers().with_context(|| format!("{}:1", path.display()))?.clone();
        let mut cols = BTreeMap::new();
        for (i, h) in headers.iter().enumerate() {
            if !required.contains(&h) && !optional.contains(&h) {
                let all: Vec<&str> = required.iter().chain(optional).copied().collect();
                return Err(anyhow!(
                    "{}:1: unknown column \"{h}\"\n  hint: columns: {}",
                    path.display(),
                    all.join(", ")
                ));
            }
            if cols.insert(h.to_owned(), i).is_some() {
                return Err(anyhow!(
                    "{}:1: column \"{h}\" appears twice\n  hint: keep one; which one is meant cannot be told",
                    path.display()
                ));
            }
        }
        for r in required {
            if !cols.contains_key(*r) {
                return Err(anyhow!("{}:1: missing column \"{r}\"", path.display()));
            }
        }
        Ok(Table { path: path.to_owned(), reader, cols, width: headers.len() })
    }

    /// The next data row, or `None` at the end. An error means the file itself cannot be read further.
    fn next_row(&mut self) -> Result<Option<Row>> {
        let start = self.reader.position().clone();
        let mut rec = csv::ByteRecord::new();
        match self.reader.read_byte_record(&mut rec) {
            Ok(false) => return Ok(None),
            Ok(true) => {}
            Err(e) => return Err(anyhow!("{}:{}: cannot read: {e}", self.path.display(), start.line())),
        }
        let line = rec.position().map_or(start.line(), csv::Position::line);
        // No column holds a line break, and a quote left open takes in the rows after it (other partners'
        // rows, perhaps): the portfolio cannot be read safely.
        if rec.iter().any(|cell| cell.contains(&b'\n') || cell.contains(&b'\r')) {
            return Err(anyhow!(
                "{}\n  hint: a quote that is not closed takes in the rows that follow; cells may not hold line breaks",
                self.at(line, "a cell spans more than one line")
            ));
        }
        let partner = self.cols.get("partner_id").and_then(|i| rec.get(*i)).and_then(|b| std::str::from_utf8(b).ok());
        let partner = partner.map(str::to_owned);
        let cells = if rec.len() != self.width {
            Err(format!("row has {} cells, the header has {} columns", rec.len(), self.width))
        } else {
            csv::StringRecord::from_byte_record(rec).map_err(|e| {
                let column = e.utf8_error().field();
                let name = self.cols.iter().find(|(_, i)| **i == column).map_or("?", |(n, _)| n.as_str());
                format!("column \"{name}\" is not valid UTF-8 text")
            })
        };
        Ok(Some(Row { start, line, partner, cells }))
    }

    /// `file:line: message`.
    fn at(&self, line: u64, message: &str) -> String {
        format!("{}:{line}: {message}", self.path.display())
    }
}

/// The partners of `partners.csv` by id, to attribute the other tables' rows.
struct Partners {
    index: BTreeMap<String, usize>,
}

impl Partners {
    /// Each well-formed row of the optional table `path` (absent: no rows), with the index of its partner. A
    /// malformed row fails its partner (the first problem is kept); a row no listed partner owns, or a table that
    /// does not open, makes the portfolio unreadable.
    fn each_row(
        &self,
        path: &Path,
        required: &[&str],
        optional: &[&str],
        failures: &mut [Option<String>],
        mut each: impl FnMut(&Table, &Row, usize),
    ) -> Result<()> {
        if !path.is_file() {
            return Ok(());
        }
        let mut t = Table::open(path, required, optional)?;
        while let Some(row) = t.next_row()? {
            let i = self.of(&t, &row)?;
            if let Err(malformed) = &row.cells {
                failures[i].get_or_insert_with(|| t.at(row.line, malformed));
                continue;
            }
            each(&t, &row, i);
        }
        Ok(())
    }

    /// The partner a row belongs to, or the error that makes the portfolio unreadable: a row that cannot be
    /// pinned on a listed partner could belong to any of them.
    fn of(&self, table: &Table, row: &Row) -> Result<usize> {
        if let Some(i) = row.partner.as_deref().and_then(|p| self.index.get(p)) {
            return Ok(*i);
        }
        Err(anyhow!(match (row.partner.as_deref(), &row.cells) {
            (_, Err(malformed)) => table.at(row.line, malformed),
            (None | Some(""), Ok(_)) => table.at(row.line, "row has no partner_id"),
            (Some(id), Ok(_)) => {
                let hint = match closest(id, self.index.keys().map(String::as_str)) {
                    Some(near) => format!("did you mean \"{near}\"?"),
                    None => "add the partner to partners.csv, or fix the id".to_owned(),
                };
                format!("{}\n  hint: {hint}", table.at(row.line, &format!("partner \"{id}\" is not in partners.csv")))
            }
        }))
    }
}

/// A cell's text, or nothing when the cell is empty.
fn opt(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

/// A required cell read as a field of the partner-file shape, or the reader's message at the cell's line; an
/// empty one is named as such ([`no_value`]), not as the text reader's empty string.
fn cell<T: serde::de::DeserializeOwned>(table: &Table, row: &Row, column: &str) -> Result<T, String> {
    match row.get(table, column) {
        "" => Err(table.at(row.line, &format!("column \"{column}\" {}", no_value(false)))),
        text => field_from_text(text).map_err(|e| table.at(row.line, &e)),
    }
}

/// An optional cell: nothing when empty, else read as [`cell`] does.
fn opt_cell<T: serde::de::DeserializeOwned>(table: &Table, row: &Row, column: &str) -> Result<Option<T>, String> {
    match row.get(table, column) {
        "" => Ok(None),
        _ => cell(table, row, column).map(Some),
    }
}

/// One row of `partners.csv`.
struct Head {
    line: u64,
    id: String,
    row: Row,
}

/// A piece of a partner (a customer, a usage row, a certification) and the line it came from.
type Lined<T> = (T, u64);

/// A person's id and certifications, from the rows of `people.csv`.
type Person = (String, Vec<Lined<CertificationFile>>);

/// The tables of a portfolio given as tables, by name; a file per table, `usage.csv` or `usage.parquet`.
pub const TABLES: [&str; 4] = ["partners", "usage", "customers", "people"];

/// Refuses a folder of tables in format `ext` (`csv`, `parquet`) that also holds a table in the other format
/// (`other`): which rows belong is a guess, and a table left out silently would drop its rows. Refuses one without
/// its usage table too: a misnamed or forgotten file would score every partner as if it had no usage at all.
/// Partners with no usage have a usage table of its header alone (CSV) or of no rows (Parquet).
pub fn check_folder(dir: &Path, (ext, name): (&str, &str), (other, other_name): (&str, &str)) -> Result<()> {
    if let Some(t) = TABLES.iter().find(|t| dir.join(format!("{t}.{other}")).exists()) {
        return Err(anyhow!(
            "{}: holds both {name} tables (partners.{ext}) and {other_name} tables ({t}.{other})\n  hint: keep the tables of one format in a folder",
            dir.display()
        ));
    }
    if dir.join(format!("usage.{ext}")).is_file() {
        return Ok(());
    }
    Err(anyhow!(
        "{}: holds partners.{ext} but no usage.{ext}\n  hint: a folder of tables needs its usage table (docs/partner-data.md); when the partners have no usage, give usage.{ext} without rows",
        dir.display()
    ))
}

/// Where one partner's rows of `usage.csv` start, and how many there are.
struct Run {
    start: csv::Position,
    count: usize,
}

/// The partners of a CSV portfolio, in `partners.csv` order. An error means the portfolio cannot be read
/// (see the module comment for which problems fail one partner instead).
pub fn open(dir: &Path) -> Result<Box<dyn Iterator<Item = Raw>>> {
    check_folder(dir, ("csv", "CSV"), ("parquet", "Parquet"))?;
    let mut partners_table = Table::open(&dir.join("partners.csv"), &["partner_id", "as_of"], &["name", "path"])?;
    let mut heads = Vec::new();
    let mut partners = Partners { index: BTreeMap::new() };
    // The first problem of each partner, by index: that partner fails, the others are scored.
    let mut failures: Vec<Option<String>> = Vec::new();
    while let Some(row) = partners_table.next_row()? {
        let id = match (&row.partner, &row.cells) {
            (Some(id), _) if !id.is_empty() => id.clone(),
            (_, Err(malformed)) => return Err(anyhow!(partners_table.at(row.line, malformed))),
            // The rows of the other tables that belong to a partner without an id could not be told from
            // another's, as for their own rows without one (`Partners::of`); the Parquet tables say the same.
            (_, Ok(_)) => {
                return Err(anyhow!(
                    "{}\n  hint: {NO_PARTNER_ID}",
                    partners_table.at(row.line, "row has no partner_id")
                ))
            }
        };
        if let Some(first) = partners.index.get(&id) {
            let first: &Head = &heads[*first];
            return Err(anyhow!(partners_table
                .at(row.line, &format!("partner \"{id}\" is listed twice (first at line {})", first.line))));
        }
        partners.index.insert(id.clone(), heads.len());
        failures.push(row.cells.as_ref().err().map(|m| partners_table.at(row.line, m)));
        heads.push(Head { line: row.line, id, row });
    }

    let mut customers: Vec<Option<Vec<Lined<CustomerFile>>>> = vec![None; heads.len()];
    let path = dir.join("customers.csv");
    let mut bad_cells: Vec<(usize, String)> = Vec::new();
    partners.each_row(
        &path,
        &["partner_id", "customer_id"],
        &["segment"],
        &mut failures,
        |t, row, i| match opt_cell(t, row, "segment") {
            Ok(segment) => {
                let c = CustomerFile { id: row.get(t, "customer_id").to_owned(), segment };
                customers[i].get_or_insert_with(Vec::new).push((c, row.line));
            }
            Err(message) => bad_cells.push((i, message)),
        },
    )?;

    // People: one row per certification; persons in first-seen order.
    let mut people: Vec<Vec<Person>> = vec![Vec::new(); heads.len()];
    let path = dir.join("people.csv");
    let columns = ["partner_id", "person_id", "certification", "earned"];
    partners.each_row(&path, &columns, &["expires"], &mut failures, |t, row, i| {
        let cert = match (cell(t, row, "earned"), opt_cell(t, row, "expires")) {
            (Ok(earned), Ok(expires)) => {
                CertificationFile { name: row.get(t, "certification").to_owned(), earned, expires }
            }
            (Err(message), _) | (_, Err(message)) => return bad_cells.push((i, message)),
        };
        let id = row.get(t, "person_id");
        let persons = &mut people[i];
        match persons.iter_mut().find(|(p, _)| p == id) {
            Some((_, certs)) => certs.push((cert, row.line)),
            None => persons.push((id.to_owned(), vec![(cert, row.line)])),
        }
    })?;
    // A cell the reader refuses fails its partner (the first problem is kept, as for malformed rows).
    for (i, message) in bad_cells {
        failures[i].get_or_insert(message);
    }

    let mut usage = Usage::index(&dir.join("usage.csv"), &partners, &mut failures)?;
    let shown = dir.display().to_string();
    let items = heads.into_iter().zip(failures).zip(customers.into_iter().zip(people)).enumerate().map(
        move |(i, ((head, failure), (customers, people)))| {
            let origin = format!("{shown}/partners.csv:{} ({})", head.line, head.id);
            let unreadable = |message| Raw { origin: origin.clone(), line: None, source: Source::Unreadable(message) };
            if let Some(message) = failure {
                return unreadable(message);
            }
            let rows = match usage.rows(i, &head.id) {
                Ok(rows) => rows,
                Err(e) => return unreadable(format!("{e:#}")),
            };
            // The partner in the file shape, with the CSV line each piece came from, by its field path.
            let file = |name: &str| format!("{shown}/{name}");
            let as_of = match cell(&partners_table, &head.row, "as_of") {
                Ok(as_of) => as_of,
                Err(message) => return unreadable(message),
            };
            let mut places = Places::default();
            let customers = customers.map(|list| {
                let (list, lines): (Vec<CustomerFile>, Vec<u64>) = list.into_iter().unzip();
                places.list("customers", &file("customers.csv"), Numbering::Line, lines);
                list
            });
            let (usage, lines): (Vec<UsageFile>, Vec<u64>) = rows.into_iter().unzip();
            places.list("usage", &file("usage.csv"), Numbering::Line, lines);
            let people_csv = file("people.csv");
            let firsts = people.iter().map(|(_, certs)| certs.first().map_or(0, |(_, line)| *line)).collect();
            places.list("people", &people_csv, Numbering::Line, firsts);
            let people = people
                .into_iter()
                .enumerate()
                .map(|(n, (id, certs))| {
                    let (certifications, lines): (Vec<CertificationFile>, Vec<u64>) = certs.into_iter().unzip();
                    places.list(format!("people[{n}].certifications"), &people_csv, Numbering::Line, lines);
                    PersonFile { id, certifications }
                })
                .collect();
            let partner = PartnerFile {
                partner: PartnerIdFile { id: head.id.clone(), name: opt(head.row.get(&partners_table, "name")) },
                as_of,
                path: opt(head.row.get(&partners_table, "path")),
                coverage: None,
                customers,
                usage,
                people,
                history: None,
                solutions: Vec::new(),
            };
            Raw { origin, line: None, source: Source::Table(Box::new(partner), places) }
        },
    );
    Ok(Box::new(items))
}

/// `usage.csv`, indexed by partner and read back one partner at a time.
struct Usage {
    table: Option<Table>,
    runs: Vec<Option<Run>>,
}

impl Usage {
    /// Reads `usage.csv` once, checking every row and noting where each partner's run starts. A partner whose
    /// rows come in more than one run, or with a malformed row, gets its first such problem in `failures`.
    fn index(path: &Path, partners: &Partners, failures: &mut [Option<String>]) -> Result<Usage> {
        let mut runs: Vec<Option<Run>> = (0..failures.len()).map(|_| None).collect();
        if !path.is_file() {
            return Ok(Usage { table: None, runs });
        }
        let mut t = Table::open(
            path,
            &["partner_id", "customer", "month", "product", "measure", "value"],
            &["association", "offer", "cloud"],
        )?;
        // The partner of the run being read, and whether that run is its first (later runs are not read).
        let mut current: Option<(usize, bool)> = None;
        let mut first_lines: Vec<u64> = vec![0; failures.len()];
        while let Some(row) = t.next_row()? {
            let i = partners.of(&t, &row)?;
            if current.map(|(c, _)| c) != Some(i) {
                let first = runs[i].is_none();
                if first {
                    runs[i] = Some(Run { start: row.start.clone(), count: 0 });
                    first_lines[i] = row.line;
                } else {
                    failures[i].get_or_insert_with(|| {
                        format!(
                            "{}\n  hint: sort usage.csv by partner_id, so that each partner's rows are together",
                            t.at(
                                row.line,
                                &format!(
                                    "rows of partner \"{}\" appear again after other partners (first at line {})",
                                    row.partner.as_deref().unwrap_or_default(),
                                    first_lines[i]
                                )
                            )
                        )
                    });
                }
                current = Some((i, first));
            }
            if let Some((_, true)) = current {
                if let Some(run) = runs[i].as_mut() {
                    run.count += 1;
                }
            }
            if let Err(malformed) = &row.cells {
                failures[i].get_or_insert_with(|| t.at(row.line, malformed));
            }
        }
        Ok(Usage { table: Some(t), runs })
    }

    /// The usage rows of partner `i` (id `id`), read back from where the index says they are.
    fn rows(&mut self, i: usize, id: &str) -> Result<Vec<Lined<UsageFile>>> {
        let (Some(t), Some(run)) = (self.table.as_mut(), self.runs.get(i).and_then(Option::as_ref)) else {
            return Ok(Vec::new());
        };
        // Runs in partners.csv order follow each other: no seek, and the reader's buffer is kept.
        if t.reader.position().byte() != run.start.byte() {
            t.reader.seek(run.start.clone()).with_context(|| format!("{}: cannot read", t.path.display()))?;
        }
        let mut rows = Vec::with_capacity(run.count);
        for _ in 0..run.count {
            let row = t.next_row()?;
            let Some(row) = row.filter(|r| r.partner.as_deref() == Some(id) && r.cells.is_ok()) else {
                return Err(anyhow!("{}: the file changed while it was being read", t.path.display()));
            };
            // Each cell is read as the partner reader reads the field: the value as an exact decimal.
            let value = UsageFile {
                customer: row.get(t, "customer").to_owned(),
                month: cell(t, &row, "month").map_err(anyhow::Error::msg)?,
                product: row.get(t, "product").to_owned(),
                measure: cell(t, &row, "measure").map_err(anyhow::Error::msg)?,
                value: cell(t, &row, "value").map_err(anyhow::Error::msg)?,
                association: opt_cell(t, &row, "association").map_err(anyhow::Error::msg)?,
                offer: opt(row.get(t, "offer")),
                cloud: opt_cell(t, &row, "cloud").map_err(anyhow::Error::msg)?,
            };
            rows.push((value, row.line));
        }
        Ok(rows)
    }
}
