//! Partner Center Insights exports (issue 16): a folder of the files Partner Center → Insights → Download reports
//! writes (or the Insights API's CSV/TSV), read into one [`PartnerFile`] per partner id.
//!
//! Each file is recognised by its header through the mapping (`mapping.rs`, `rules/partner-center.toml`), its
//! text decoded and split with every cell's place (`text.rs`), its values read (`values.rs`), and its rows given
//! to the partner their own partner id cell names — never by position, never moved to another partner.
//! What cannot be read is said, never dropped in silence:
//! - a malformed month, day, number or flag, or a row without customer, product or person, fails its partner
//!   (the others are still built), at `file:line:col`;
//! - a row no partner id can be read from makes the folder unreadable (it could be anyone's);
//! - a value the mapping does not know (an association type, a segment) is a warning at `file:line:col`, once per
//!   file, column and value with the number of rows; rows whose association is unknown are not counted;
//! - a file whose header no dataset matches is a warning naming it.
//!
//! `coverage` of each partner says which measures and months the files hold, so that scoring reports missing
//! data as missing rather than as zero.

pub mod mapping;
pub mod text;
pub mod values;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context as _, Result};
use designate_engine::partner::{
    Association, CertificationFile, CoverageFile, CustomerFile, Measure, PartnerFile, PartnerIdFile, PersonFile,
    Segment, UsageFile,
};
use designate_engine::value::{Date, Month, NonNegative};
use rust_decimal::Decimal;

use mapping::{Column, Dataset, Mapping, Reads, MEASURES};
use text::{Cell, Record};

/// What `import` and `score FOLDER` are told about a folder of exports.
#[derive(Default, Clone)]
pub struct Options {
    /// Only this partner: a location's id, or a global account's (PGA) id, which gathers its locations.
    pub partner_id: Option<String>,
    /// The evaluation month; else the last month the usage data holds.
    pub as_of: Option<Month>,
    /// Another mapping file than the shipped one.
    pub mapping: Option<PathBuf>,
}

/// How a certification title is matched to the catalogue of the rules in force at `as_of`: given the title as
/// written and without the mapping's prefix, `Ok(name)` is the name to write, `Err(hint)` says the catalogue does
/// not know it (the title is then written as it is, and warned about with the hint).
pub type Titles<'a> = &'a dyn Fn(Month, &str, &str) -> Result<String, Option<String>>;

/// One partner read from the exports: its id, a name for messages, and its file or its problems.
pub struct Imported {
    pub id: String,
    pub origin: String,
    pub file: Result<PartnerFile, Vec<String>>,
}

/// A folder read: its partners in id order, warnings (located) and notes (what was left out on purpose).
pub struct Import {
    pub partners: Vec<Imported>,
    pub warnings: Vec<String>,
    pub notes: Vec<String>,
    /// Partner files (.yaml, .yml, .json, .toml) found beside the exports, for the caller to merge.
    pub partner_files: Vec<PathBuf>,
}

/// The extensions of export files.
fn is_export_name(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| ["csv", "tsv", "txt"].contains(&e.to_ascii_lowercase().as_str()))
}

/// The regular files of a folder, sorted by name.
fn files_of(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("{}: cannot read folder", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| std::fs::metadata(p).is_ok_and(|m| m.is_file()))
        .collect();
    files.sort();
    Ok(files)
}

/// True when `dir` holds at least one file the mapping (the shipped one, or `mapping`) recognises as a Partner
/// Center export, and is not a folder of CSV tables, which `partners.csv` marks. A mapping that does not load
/// is reported when the folder is read.
pub fn is_exports(dir: &Path, mapping: Option<&Path>) -> bool {
    if !dir.is_dir() || crate::tables::is_tables(dir) {
        return false;
    }
    if mapping.is_some() {
        return true;
    }
    let Ok(mapping) = Mapping::load(None) else { return false };
    files_of(dir).unwrap_or_default().iter().filter(|p| is_export_name(p)).any(|p| {
        let Ok(bytes) = read_head(p) else { return false };
        let Ok(text) = text::decode(&bytes, p) else { return false };
        let header: Vec<String> = text::header_of(&text).iter().map(|h| mapping::key(h)).collect();
        mapping.recognise(&header).is_some()
    })
}

/// The first bytes of a file, enough for its header (a UTF-16 byte cut in half is dropped).
fn read_head(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut head = Vec::new();
    std::fs::File::open(path)?.take(64 * 1024).read_to_end(&mut head)?;
    // Keep whole lines only, so that a cut in the middle of a character does not make the text invalid.
    if let Some(end) = head.iter().rposition(|&b| b == b'\n') {
        head.truncate(end + 1);
    }
    Ok(head)
}

/// A cell's place, `file:line:col`.
fn at(file: &str, cell: &Cell) -> String {
    format!("{file}:{}:{}", cell.line, cell.col)
}

/// One usage row being gathered: the sum so far and where its first cell was.
struct Sum {
    value: Decimal,
    place: String,
}

/// The key of a usage row of the contract: rows with the same key are added up.
type UsageKey = (String, Month, String, Measure, Option<Association>, Option<String>);

/// One certification of a person (title, earned, expires), the key that keeps it once.
type Certification = (String, Date, Option<Date>);

/// Everything read for one partner.
#[derive(Default)]
struct Gathered {
    name: Option<String>,
    /// Usage rows by key, summed per file: rows of one file add up (subscriptions of one customer), while two
    /// files giving the same row (CPOR usage in Office usage and in CPOR-M365 usage) state one fact twice.
    usage: BTreeMap<UsageKey, BTreeMap<String, Sum>>,
    /// Customers seen in usage or customer files, with a segment when one was given (and where).
    customers: BTreeMap<String, Option<(Segment, String)>>,
    /// People: id → certifications (name, earned, expires) with the place of the title.
    people: BTreeMap<String, BTreeMap<Certification, String>>,
    problems: Vec<String>,
}

/// Months a file holds, and the measures it carries: what the partner's `coverage` is made of.
struct Held {
    source: String,
    measures: Vec<Measure>,
    from: Option<Month>,
    to: Option<Month>,
}

/// A warning about an unknown value, once per file, column and value.
struct Unknown {
    first: String,
    message: String,
    hint: String,
    rows: usize,
}

/// The reading of a whole folder.
struct Reader<'a> {
    mapping: &'a Mapping,
    options: &'a Options,
    partners: BTreeMap<String, Gathered>,
    held: Vec<Held>,
    unknown: Vec<Unknown>,
    unknown_index: BTreeMap<(String, String, String), usize>,
    warnings: Vec<String>,
    notes: Vec<String>,
    /// Rows flagged as PGA duplicates left out, per file.
    duplicates: BTreeMap<String, usize>,
    /// Training rows of other types left out, per file and type.
    not_certifications: BTreeMap<(String, String), usize>,
    /// Whether any row matched `--partner-id`.
    matched: bool,
    /// Ids seen, for the hint when `--partner-id` matches nothing.
    seen_ids: BTreeSet<String>,
}

/// One file's header: for each column of its dataset, the indexes of the spellings it holds, in preference order.
struct Columns {
    index: BTreeMap<Column, Vec<usize>>,
}

impl Columns {
    fn new(dataset: &Dataset, header: &[String]) -> Columns {
        let index = dataset
            .columns
            .iter()
            .map(|(c, spellings)| {
                let found: Vec<usize> = spellings.iter().filter_map(|s| header.iter().position(|h| h == s)).collect();
                (*c, found)
            })
            .filter(|(_, found)| !found.is_empty())
            .collect();
        Columns { index }
    }

    fn has(&self, c: Column) -> bool {
        self.index.contains_key(&c)
    }

    /// The first filled cell of the column's spellings in this record.
    fn get<'r>(&self, record: &'r Record, c: Column) -> Option<&'r Cell> {
        self.index.get(&c)?.iter().filter_map(|i| record.cells.get(*i)).find(|cell| !cell.text.is_empty())
    }
}

impl<'a> Reader<'a> {
    fn warn_unknown(&mut self, file: &str, column: &str, cell: &Cell, what: &str, table: &str) {
        let key = (file.to_owned(), column.to_owned(), cell.text.to_lowercase());
        if let Some(i) = self.unknown_index.get(&key) {
            self.unknown[*i].rows += 1;
            return;
        }
        self.unknown_index.insert(key, self.unknown.len());
        self.unknown.push(Unknown {
            first: at(file, cell),
            message: format!("unknown {what} \"{}\"", cell.text),
            hint: format!("add it to [values.{table}] of the mapping (docs/partner-center.md)"),
            rows: 1,
        });
    }

    /// The partner a record belongs to, or `None` when `--partner-id` leaves it out. A record without any
    /// partner id makes the folder unreadable.
    fn partner_of(&mut self, file: &str, cols: &Columns, record: &Record) -> Result<Option<(String, bool)>> {
        let partner = cols.get(record, Column::Partner).map(|c| c.text.clone());
        let global = cols.get(record, Column::GlobalPartner).map(|c| c.text.clone());
        if partner.is_none() && global.is_none() {
            return Err(anyhow!(
                "{file}:{}: row has no partner id\n  hint: every row must name its partner; nothing is scored from rows that might be another partner's",
                record.line
            ));
        }
        self.seen_ids.extend(partner.iter().chain(global.iter()).cloned());
        match &self.options.partner_id {
            None => Ok(partner.or(global).map(|p| (p, false))),
            Some(wanted) if partner.as_deref() == Some(wanted) => Ok(Some((wanted.clone(), false))),
            // The global account gathers its locations' rows; `true`: the row came in through the PGA.
            Some(wanted) if global.as_deref() == Some(wanted) => Ok(Some((wanted.clone(), partner.is_some()))),
            Some(_) => Ok(None),
        }
    }

    fn file(&mut self, path: &Path) -> Result<()> {
        let shown = path.display().to_string();
        let bytes = std::fs::read(path).with_context(|| format!("{shown}: cannot read"))?;
        let text = text::decode(&bytes, path)?;
        let header_names = text::header_of(&text);
        let header: Vec<String> = header_names.iter().map(|h| mapping::key(h)).collect();
        let Some(dataset) = self.mapping.recognise(&header) else {
            self.warnings.push(format!(
                "{shown}: not a Partner Center export the mapping knows; the file is not read\n  hint: its header ({}) matches no dataset of {}",
                header_names.iter().take(6).cloned().collect::<Vec<_>>().join(", "),
                self.mapping.origin
            ));
            return Ok(());
        };
        let table = text::read(&text, path)?;
        let cols = Columns::new(dataset, &header);
        let measures: Vec<Column> = MEASURES.iter().copied().filter(|m| cols.has(*m)).collect();
        let mut held = Held {
            source: path.file_name().map_or(shown.clone(), |n| n.to_string_lossy().into_owned()),
            measures: measures.iter().filter_map(|m| m.measure()).collect(),
            from: None,
            to: None,
        };
        let mut kept = 0usize;
        for record in &table.records {
            let Some((id, via_global)) = self.partner_of(&shown, &cols, record)? else { continue };
            self.matched = true;
            kept += 1;
            if via_global {
                if let Some(cell) = cols.get(record, Column::Duplicate) {
                    match self.mapping.flag.get(&mapping::key(&cell.text)) {
                        Some(true) => {
                            *self.duplicates.entry(shown.clone()).or_default() += 1;
                            continue;
                        }
                        Some(false) => {}
                        None => {
                            let problem = format!(
                                "{}: expected a duplicate flag (0 or 1), found \"{}\"",
                                at(&shown, cell),
                                cell.text
                            );
                            self.partners.entry(id).or_default().problems.push(problem);
                            continue;
                        }
                    }
                }
            }
            if let Some(name) = cols.get(record, Column::PartnerName) {
                self.partners.entry(id.clone()).or_default().name.get_or_insert_with(|| name.text.clone());
            }
            let result = match dataset.reads {
                Reads::Usage => self.usage_row(&shown, dataset, &cols, &measures, record, &id, &mut held),
                Reads::People => self.person_row(&shown, dataset, &cols, record, &id),
                Reads::Customers => self.customer_row(&shown, &cols, record, &id),
            };
            if let Err(problem) = result {
                self.partners.entry(id).or_default().problems.push(problem);
            }
        }
        self.notes.push(format!("{shown}: {kept} row(s) of {}", dataset.name));
        if let (Some(wanted), 0, false) = (&self.options.partner_id, kept, table.records.is_empty()) {
            // Said, since a file of the partner's may hold its rows under location ids only.
            let why = match cols.has(Column::GlobalPartner) {
                true => "",
                false => " (the file has no global account column to gather a global account's locations by)",
            };
            self.notes.push(format!("{shown}: no row of partner {wanted}{why}"));
        }
        if dataset.reads == Reads::Usage {
            self.held.push(held);
        }
        Ok(())
    }

    /// A required cell, or the problem of its absence.
    fn required<'r>(file: &str, cols: &Columns, record: &'r Record, c: Column) -> Result<&'r Cell, String> {
        cols.get(record, c).ok_or_else(|| format!("{file}:{}: row has no {}", record.line, c.name().replace('_', " ")))
    }

    #[allow(clippy::too_many_arguments)]
    fn usage_row(
        &mut self,
        file: &str,
        dataset: &Dataset,
        cols: &Columns,
        measures: &[Column],
        record: &Record,
        id: &str,
        held: &mut Held,
    ) -> Result<(), String> {
        let customer = Self::required(file, cols, record, Column::Customer)?.text.clone();
        let month_cell = Self::required(file, cols, record, Column::Month)?;
        let month = values::month(&month_cell.text).map_err(|e| format!("{}: {e}", at(file, month_cell)))?;
        let product_cell = Self::required(file, cols, record, Column::Product)?;
        let product = self.mapping.product.get(&mapping::key(&product_cell.text)).cloned();
        let product = product.unwrap_or_else(|| product_cell.text.clone());
        // The values first: a malformed number fails the partner whatever the rest of the row says.
        let mut values = Vec::new();
        for m in measures {
            if let Some(cell) = cols.get(record, *m) {
                let v = values::number(&cell.text).map_err(|e| format!("{}: {e}", at(file, cell)))?;
                values.push((m.measure().unwrap_or(Measure::AcrUsd), v, at(file, cell)));
            }
        }
        held.from = Some(held.from.map_or(month, |f| f.min(month)));
        held.to = Some(held.to.map_or(month, |t| t.max(month)));
        let association = match cols.get(record, Column::Association) {
            Some(cell) => match self.mapping.association.get(&mapping::key(&cell.text)) {
                Some(a) => Some(*a),
                None => {
                    self.warn_unknown(file, "association", cell, "association type", "association");
                    return Ok(());
                }
            },
            None if cols.has(Column::Association) => {
                let cell = Cell { text: String::new(), line: record.line, col: 1 };
                self.warn_unknown(file, "association", &cell, "association type", "association");
                return Ok(());
            }
            None => dataset.association,
        };
        let offer = cols.get(record, Column::Offer).map(|cell| {
            self.mapping.offer.get(&mapping::key(&cell.text)).cloned().unwrap_or_else(|| cell.text.clone())
        });
        // The contract's default offer is written as no offer, so that equal rows have one key.
        let offer = offer.filter(|o| o != "pay-as-you-go");
        let segment = self.segment(file, cols, record);
        let partner = self.partners.entry(id.to_owned()).or_default();
        note_customer(partner, &customer, segment);
        for (measure, value, place) in values {
            let key = (customer.clone(), month, product.clone(), measure, association, offer.clone());
            let by_file = partner.usage.entry(key).or_default();
            let sum = by_file.entry(file.to_owned()).or_insert(Sum { value: Decimal::ZERO, place });
            sum.value = sum.value.checked_add(value).ok_or_else(|| format!("{}: sum overflows", sum.place))?;
        }
        Ok(())
    }

    /// The row's segment, when its cell holds one the mapping knows (an unknown one is warned about).
    fn segment(&mut self, file: &str, cols: &Columns, record: &Record) -> Option<(Segment, String)> {
        let cell = cols.get(record, Column::Segment)?;
        match self.mapping.segment.get(&mapping::key(&cell.text)) {
            Some(s) => Some((*s, at(file, cell))),
            None => {
                self.warn_unknown(file, "segment", cell, "customer segment", "segment");
                None
            }
        }
    }

    fn customer_row(&mut self, file: &str, cols: &Columns, record: &Record, id: &str) -> Result<(), String> {
        let customer = Self::required(file, cols, record, Column::Customer)?.text.clone();
        let segment = self.segment(file, cols, record);
        note_customer(self.partners.entry(id.to_owned()).or_default(), &customer, segment);
        Ok(())
    }

    fn person_row(
        &mut self,
        file: &str,
        dataset: &Dataset,
        cols: &Columns,
        record: &Record,
        id: &str,
    ) -> Result<(), String> {
        if let Some(kind) = cols.get(record, Column::TrainingType) {
            if !dataset.certification_types.contains(&mapping::key(&kind.text)) {
                *self.not_certifications.entry((file.to_owned(), kind.text.clone())).or_default() += 1;
                return Ok(());
            }
        }
        let person = Self::required(file, cols, record, Column::Person)?.text.clone();
        let title = Self::required(file, cols, record, Column::Title)?;
        let completed = Self::required(file, cols, record, Column::Completed)?;
        let earned = values::date(&completed.text).map_err(|e| format!("{}: {e}", at(file, completed)))?;
        let expires = match cols.get(record, Column::Expires) {
            Some(cell) => Some(values::date(&cell.text).map_err(|e| format!("{}: {e}", at(file, cell)))?),
            None => None,
        };
        let partner = self.partners.entry(id.to_owned()).or_default();
        let certs = partner.people.entry(person).or_default();
        certs.entry((title.text.clone(), earned, expires)).or_insert_with(|| at(file, title));
        Ok(())
    }
}

/// Notes a customer and its segment; a second, different segment is a problem of the partner's data that is
/// warned about (the first is kept) rather than chosen in silence.
fn note_customer(partner: &mut Gathered, customer: &str, segment: Option<(Segment, String)>) {
    let entry = partner.customers.entry(customer.to_owned()).or_default();
    match (entry.as_ref(), segment) {
        (None, Some(s)) => *entry = Some(s),
        (Some((first, place)), Some((other, other_place))) if *first != other => {
            partner.problems.push(format!(
                "{other_place}: customer \"{customer}\" is {other} here but {first} at {place}\n  hint: a customer has one segment; fix the export or give the customer in a partner file"
            ));
        }
        _ => {}
    }
}

/// Reads a folder of exports. `titles` matches certification titles to the catalogue (see [`Titles`]).
pub fn read(dir: &Path, options: &Options, titles: Titles) -> Result<Import> {
    let mapping = Mapping::load(options.mapping.as_deref())?;
    if !dir.is_dir() {
        return Err(anyhow!("{}: not a folder", dir.display()));
    }
    let mut reader = Reader {
        mapping: &mapping,
        options,
        partners: BTreeMap::new(),
        held: Vec::new(),
        unknown: Vec::new(),
        unknown_index: BTreeMap::new(),
        warnings: Vec::new(),
        notes: Vec::new(),
        duplicates: BTreeMap::new(),
        not_certifications: BTreeMap::new(),
        matched: false,
        seen_ids: BTreeSet::new(),
    };
    let mut partner_files = Vec::new();
    let mut exports = 0;
    for path in files_of(dir)? {
        if is_export_name(&path) {
            exports += 1;
            reader.file(&path)?;
        } else if designate_engine::Format::from_path(&path).is_some() {
            partner_files.push(path);
        }
    }
    if exports == 0 {
        return Err(anyhow!(
            "{}: no Partner Center export (.tsv, .csv or .txt) in this folder\n  hint: download them from Partner Center → Insights → Download reports (docs/partner-center.md)",
            dir.display()
        ));
    }
    if let (Some(wanted), false) = (&options.partner_id, reader.matched) {
        let ids: Vec<&str> = reader.seen_ids.iter().map(String::as_str).take(10).collect();
        return Err(anyhow!(
            "{}: no row names partner \"{wanted}\"\n  hint: partner ids in these files: {}",
            dir.display(),
            if ids.is_empty() { "none".to_owned() } else { ids.join(", ") }
        ));
    }
    let Reader { partners, held, unknown, mut warnings, mut notes, duplicates, not_certifications, .. } = reader;
    for u in unknown {
        let rows = if u.rows == 1 { "1 row".to_owned() } else { format!("{} rows", u.rows) };
        warnings.push(format!("{}: {} ({rows})\n  hint: {}", u.first, u.message, u.hint));
    }
    for (file, n) in duplicates {
        notes.push(format!(
            "{file}: {n} row(s) flagged as duplicates of another location's under the global account not counted again"
        ));
    }
    for ((file, kind), n) in not_certifications {
        notes.push(format!("{file}: {n} row(s) of training type \"{kind}\" are not certifications and are not read"));
    }
    // The evaluation month: asked for, or the last month the usage data holds.
    let last = held.iter().filter_map(|h| h.to).max();
    let as_of = match (options.as_of, last) {
        (Some(m), _) => m,
        (None, Some(m)) => m,
        (None, None) => {
            return Err(anyhow!(
                "{}: the exports hold no usage month to take as_of from\n  hint: pass --as-of YYYY-MM",
                dir.display()
            ))
        }
    };
    let shown = dir.display().to_string();
    let mut imported = Vec::new();
    for (id, gathered) in partners {
        let origin = format!("{shown} (partner {id})");
        let file = build(&id, gathered, as_of, &held, (&mapping, titles), &mut warnings, &mut notes);
        imported.push(Imported { id, origin, file });
    }
    Ok(Import { partners: imported, warnings, notes, partner_files })
}

/// One partner's file from what was gathered for it.
fn build(
    id: &str,
    g: Gathered,
    as_of: Month,
    held: &[Held],
    (mapping, titles): (&Mapping, Titles),
    warnings: &mut Vec<String>,
    notes: &mut Vec<String>,
) -> Result<PartnerFile, Vec<String>> {
    if !g.problems.is_empty() {
        return Err(g.problems);
    }
    let mut later = 0usize;
    let mut usage = Vec::new();
    let mut problems = Vec::new();
    for ((customer, month, product, measure, association, offer), by_file) in g.usage {
        if month > as_of {
            later += 1;
            continue;
        }
        let mut sums = by_file.into_values();
        let Some(sum) = sums.next() else { continue };
        // The same row from two files is one fact stated twice: kept once when they agree, never chosen between.
        if let Some(other) = sums.find(|o| o.value != sum.value) {
            problems.push(format!(
                "{}: {measure} of customer \"{customer}\", {product}, {month} is {} here but {} at {}\n  hint: two exports state this row differently; keep one of the files",
                other.place,
                other.value.normalize(),
                sum.value.normalize(),
                sum.place
            ));
            continue;
        }
        if sum.value.is_sign_negative() && !sum.value.is_zero() {
            warnings.push(format!(
                "{}: {measure} of customer \"{customer}\", {product}, {month} adds up to {} (credits larger than usage); the row is not counted",
                sum.place,
                sum.value.normalize()
            ));
            continue;
        }
        let value = NonNegative(sum.value.normalize());
        usage.push(UsageFile { customer, month, product, measure, value, association, offer, cloud: None });
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    if later > 0 {
        notes.push(format!("partner {id}: {later} usage row(s) after as_of {as_of} not read"));
    }
    let customers = g
        .customers
        .into_iter()
        .map(|(id, segment)| CustomerFile { id, segment: segment.map(|(s, _)| s) })
        .collect::<Vec<_>>();
    let people = g
        .people
        .into_iter()
        .map(|(person, certs)| {
            let certifications = certs
                .into_iter()
                .map(|((title, earned, expires), place)| {
                    let name = match titles(as_of, &title, strip_title(mapping, &title)) {
                        Ok(name) => name,
                        Err(hint) => {
                            let hint = hint.map(|h| format!("\n  hint: {h}")).unwrap_or_default();
                            warnings.push(format!(
                                "{place}: unknown certification title \"{title}\"; it is kept and counts for nothing{hint}"
                            ));
                            title
                        }
                    };
                    CertificationFile { name, earned, expires }
                })
                .collect();
            PersonFile { id: person, certifications }
        })
        .collect();
    Ok(PartnerFile {
        partner: PartnerIdFile { id: id.to_owned(), name: g.name },
        as_of,
        path: None,
        coverage: Some(coverage(held, as_of)),
        customers: Some(customers),
        usage,
        people,
        history: None,
        solutions: Vec::new(),
    })
}

/// The measures and months the files hold, months cut at `as_of`: one entry per measure, from the first month any
/// of its files holds to the last, naming the files. A measure no file holds is not listed: "not in the data".
fn coverage(held: &[Held], as_of: Month) -> Vec<CoverageFile> {
    let mut by_measure: BTreeMap<Measure, (Month, Month, Vec<String>)> = BTreeMap::new();
    for h in held {
        let (Some(from), Some(to)) = (h.from, h.to) else { continue };
        if from > as_of {
            continue;
        }
        for m in &h.measures {
            let entry = by_measure.entry(*m).or_insert((from, to.min(as_of), Vec::new()));
            entry.0 = entry.0.min(from);
            entry.1 = entry.1.max(to.min(as_of));
            entry.2.push(h.source.clone());
        }
    }
    by_measure
        .into_iter()
        .map(|(measure, (from, to, sources))| CoverageFile { measure, from, to, source: Some(sources.join(", ")) })
        .collect()
}

/// Strips a title prefix the mapping lists (`Microsoft Certified: `), for matching.
pub fn strip_title<'t>(mapping: &Mapping, title: &'t str) -> &'t str {
    for d in &mapping.datasets {
        for p in &d.strip_prefixes {
            if title.len() >= p.len() && title.is_char_boundary(p.len()) && title[..p.len()].eq_ignore_ascii_case(p) {
                return title[p.len()..].trim();
            }
        }
    }
    title
}

/// A folder of exports read for a command: warnings and notes printed on stderr, the partner files found in the
/// folder and those of `--with` merged into the partners they name, each partner's file or its problems.
pub fn load(
    dir: &Path,
    options: &Options,
    with: &[PathBuf],
    rules: Option<&crate::rules_dir::RulesChoice>,
) -> Result<Vec<Imported>> {
    let titles = |as_of: Month, title: &str, stripped: &str| -> Result<String, Option<String>> {
        match rules.and_then(|r| r.for_month(Some(as_of)).ok()) {
            Some(set) => match_title(set, title, stripped),
            // No rules to match against: the title without its prefix, as the catalogue names certifications.
            None => Ok(stripped.to_owned()),
        }
    };
    let import = read(dir, options, &titles)?;
    for w in &import.warnings {
        crate::output::warning(w);
    }
    for n in &import.notes {
        crate::output::info(n);
    }
    let mut partners = import.partners;
    for path in import.partner_files.iter().chain(with) {
        merge_file(&mut partners, path)?;
    }
    Ok(partners)
}

/// The catalogue code for a title, tried as written and then without the mapping's prefix.
fn match_title(rules: &designate_engine::RuleSet, title: &str, stripped: &str) -> Result<String, Option<String>> {
    use designate_engine::rules::TitleMatch;
    match rules.certification_for_title(title) {
        TitleMatch::Code(code) => Ok(code),
        TitleMatch::Unknown { suggestion } => match rules.certification_for_title(stripped) {
            TitleMatch::Code(code) => Ok(code),
            TitleMatch::Unknown { suggestion: other } => {
                Err(suggestion.or(other).map(|s| format!("did you mean \"{s}\"?")))
            }
        },
    }
}

/// Merges the partner file `path` into the imported partner it names (or the only one): a fact that conflicts
/// with the exports fails that partner, naming both origins; a file naming no imported partner is refused.
fn merge_file(partners: &mut [Imported], path: &Path) -> Result<()> {
    let partner = designate_engine::Partner::load_all(path).map_err(|errors| {
        crate::exit::finding(errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\nerror: "))
    })?;
    let file = PartnerFile::from(&partner);
    let target = match partners.iter().position(|p| p.id == file.partner.id) {
        Some(i) => i,
        None if partners.len() == 1 => 0,
        None => {
            let ids: Vec<&str> = partners.iter().map(|p| p.id.as_str()).collect();
            return Err(anyhow!(
                "{}: partner \"{}\" is not in the exports\n  hint: partners in the exports: {}",
                path.display(),
                file.partner.id,
                ids.join(", ")
            ));
        }
    };
    let imported = &mut partners[target];
    if let Ok(base) = imported.file.as_mut() {
        if let Err(e) = merge(base, file, &path.display().to_string()) {
            imported.file = Err(vec![e]);
        }
    }
    Ok(())
}

/// Adds another partner file's facts to an imported one (`PartnerFile::merge`: a fact stated differently is an
/// error naming both places, never an overwrite).
fn merge(base: &mut PartnerFile, other: PartnerFile, origin: &str) -> Result<(), String> {
    base.merge(other, origin).map_err(|e| e.to_string())
}

/// The partners of an exports folder as a portfolio (`score`, `compare`, `snapshot` on the folder), with the
/// shipped mapping and no other option.
pub fn open(dir: &Path) -> Result<Box<dyn Iterator<Item = crate::portfolio::Raw>>> {
    let partners = load(dir, &Options::default(), &[], None)?;
    Ok(Box::new(partners.into_iter().map(raw)))
}

/// One imported partner as a portfolio item.
pub fn raw(p: Imported) -> crate::portfolio::Raw {
    use crate::portfolio::{Raw, Source};
    let source = match p.file {
        Ok(file) => Source::Table(Box::new(file), designate_engine::partner::Places::default()),
        Err(problems) => Source::Unreadable(problems.join("\nerror: ")),
    };
    Raw { origin: p.origin, line: None, source }
}
