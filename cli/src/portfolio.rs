//! Portfolios: a folder of partner files or NDJSON on stdin, read lazily and scored in parallel chunks
//! whose results come back in input order, so memory stays bounded and output stays deterministic.

use std::borrow::Cow;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context as _, Result};
use designate_engine::partner::Places;
use designate_engine::{Format, Partner};
use rayon::prelude::*;

/// Partners handed to the workers at a time: enough to keep every core busy, few enough to bound memory (the
/// pipeline of `process_expecting` holds three chunks).
pub const CHUNK: usize = 256;

/// One partner of a portfolio, not yet parsed.
pub struct Raw {
    /// Where it came from: a file path, or `<stdin>:LINE`.
    pub origin: String,
    /// The file name's stem for files; the line number for stdin (used to name outputs).
    pub line: Option<usize>,
    pub source: Source,
}

pub enum Source {
    File(PathBuf),
    Line(String),
    /// A partner built from CSV tables, with the CSV lines its pieces came from.
    Table(Box<designate_engine::partner::PartnerFile>, Places),
    /// Partner `usize` of Parquet tables, built from them on the worker that scores it.
    Columnar(std::sync::Arc<designate_engine::columnar::Portfolio>, usize),
    Unreadable(String),
}

impl Raw {
    /// Reads and validates the partner.
    pub fn parse(&self) -> Result<Partner> {
        self.parse_placed().map(|(partner, _)| partner)
    }

    /// Reads and validates the partner; for a partner built from tables, also the table row each of its pieces
    /// came from, so that the warnings found when it is scored name the row as its errors do.
    pub fn parse_placed(&self) -> Result<(Partner, Option<Cow<'_, Places>>)> {
        let (mut partner, places) = self.parse_source()?;
        // Problems found when scoring name the partner as the portfolio does: `<stdin>:2`, a table row.
        if self.line.is_some() {
            partner.origin.clone_from(&self.origin);
        }
        Ok((partner, places))
    }

    fn parse_source(&self) -> Result<(Partner, Option<Cow<'_, Places>>)> {
        let partner = match &self.source {
            Source::File(path) => Partner::load(path).map_err(|e| anyhow!(e.to_string()))?,
            Source::Line(text) => match self.line {
                // Each line is its own JSON document: place errors on the input's line.
                Some(line) => {
                    let file = self.origin.rsplit_once(':').map_or("<stdin>", |(f, _)| f);
                    let mut partner = Partner::parse(text, Format::Json, file).map_err(|mut e| {
                        e.place.line = Some((line, e.place.line.map_or(1, |(_, col)| col)));
                        anyhow!(e.to_string())
                    })?;
                    // Errors found while scoring (a sum that overflows) then name the line too.
                    partner.origin = self.origin.clone();
                    partner
                }
                None => Partner::parse(text, Format::Json, &self.origin).map_err(|mut e| {
                    e.place.line = None;
                    anyhow!(e.to_string())
                })?,
            },
            // Built from tables: a problem is put on the CSV line it comes from.
            Source::Table(file, places) => {
                let partner = Partner::from_file((**file).clone(), &self.origin)
                    .map_err(|e| anyhow!(places.locate(e).to_string()))?;
                return Ok((partner, Some(Cow::Borrowed(places))));
            }
            // Built from Parquet tables: a cell that does not read fails the partner at its row and column; a
            // problem of the file built is put on the row it comes from.
            Source::Columnar(portfolio, i) => {
                let (partner, places) = portfolio.validated(*i).map_err(|e| anyhow!(e.to_string()))?;
                return Ok((partner, Some(Cow::Owned(places))));
            }
            Source::Unreadable(message) => return Err(anyhow!(message.clone())),
        };
        Ok((partner, None))
    }

    /// A file's bytes, for input digests; a line's text for stdin.
    pub fn bytes(&self) -> Vec<u8> {
        match &self.source {
            Source::File(path) => std::fs::read(path).unwrap_or_default(),
            Source::Line(text) => text.as_bytes().to_vec(),
            // The partner as the file it stands for, one JSON line.
            Source::Table(file, _) => file.to_json_line().into_bytes(),
            Source::Columnar(portfolio, i) => {
                portfolio.partner(*i).file.map(|f| f.to_json_line().into_bytes()).unwrap_or_default()
            }
            Source::Unreadable(_) => Vec::new(),
        }
    }
}

/// The partners of a portfolio argument: a folder (its partner files, sorted by name, CSV tables when it
/// holds `partners.csv`, Parquet tables when it holds `partners.parquet`), an `.ndjson` file, or `-` (NDJSON on stdin).
pub fn open(arg: &Path) -> Result<Box<dyn Iterator<Item = Raw>>> {
    if arg.as_os_str() == "-" {
        return ndjson(std::io::stdin().lock(), "<stdin>".to_owned());
    }
    if arg.is_file() && arg.extension().is_some_and(|e| e == "ndjson" || e == "jsonl") {
        let file = std::fs::File::open(arg).with_context(|| format!("{}: cannot read", arg.display()))?;
        return ndjson(std::io::BufReader::new(file), arg.display().to_string());
    }
    if arg.is_dir() && crate::columnar_tables::is_tables(arg) {
        return crate::columnar_tables::open(arg);
    }
    if arg.is_dir() && crate::tables::is_tables(arg) {
        return crate::tables::open(arg);
    }
    if crate::exports::is_exports(arg, None) {
        return crate::exports::open(arg);
    }
    if !arg.is_dir() {
        return Err(anyhow!(
            "{}: not a folder of partner files, an .ndjson file, or - for NDJSON on stdin",
            arg.display()
        ));
    }
    let mut entries: Vec<Raw> = Vec::new();
    for entry in std::fs::read_dir(arg).with_context(|| format!("{}: cannot read folder", arg.display()))? {
        match entry {
            Ok(entry) => entries.extend(folder_entry(entry.path())),
            // An entry that cannot even be listed is reported, not skipped.
            Err(e) => entries.push(Raw {
                origin: arg.display().to_string(),
                line: None,
                source: Source::Unreadable(format!("{}: cannot read a folder entry: {e}", arg.display())),
            }),
        }
    }
    entries.sort_by(|a, b| a.origin.cmp(&b.origin));
    if entries.is_empty() {
        // Tables without their partners table: say which one is missing, not that partner files are.
        for ext in ["parquet", "csv"] {
            let tables = crate::tables::TABLES.map(|t| format!("{t}.{ext}"));
            if let Some(table) = tables.iter().find(|t| arg.join(t).is_file()) {
                return Err(anyhow!(
                    "{}: holds {table} but no partners.{ext}\n  hint: a folder of tables needs partners.{ext}, one row per partner (docs/partner-data.md)",
                    arg.display()
                ));
            }
        }
        return Err(anyhow!("{}: no partner files (.yaml, .yml, .json, .toml) in this folder", arg.display()));
    }
    Ok(Box::new(entries.into_iter()))
}

/// One entry of a partner folder: a partner file to read, nothing (another file, a subfolder), or a refusal.
/// A FIFO, socket, device or dangling link is refused by name rather than skipped, whatever its name: it is
/// never opened (a FIFO would wait forever for a writer), and no partner goes missing without a word.
fn folder_entry(path: PathBuf) -> Option<Raw> {
    let origin = path.display().to_string();
    let refused =
        |message: String| Some(Raw { origin: origin.clone(), line: None, source: Source::Unreadable(message) });
    match std::fs::metadata(&path) {
        Ok(meta) if meta.is_dir() => None,
        Ok(meta) if meta.is_file() => Format::from_path(&path).is_some().then(|| Raw {
            origin: origin.clone(),
            line: None,
            source: Source::File(path),
        }),
        Ok(meta) => refused(format!(
            "{origin}: not a regular file but {}",
            designate_engine::partner::file_kind(&meta.file_type())
        )),
        Err(_) if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) => {
            refused(format!("{origin}: dangling symbolic link (its target does not exist)"))
        }
        Err(e) => refused(format!("{origin}: cannot read: {e}")),
    }
}

/// The longest NDJSON line read, unless `DESIGNATE_MAX_LINE_BYTES` says otherwise: far beyond any real partner
/// (a million usage rows is some 120 MB, which belongs in a partner file), and a bound on what one line costs.
const MAX_LINE_BYTES: usize = 64 * 1024 * 1024;

/// The line-length limit: `DESIGNATE_MAX_LINE_BYTES`, or [`MAX_LINE_BYTES`].
fn max_line_bytes() -> Result<usize> {
    match std::env::var("DESIGNATE_MAX_LINE_BYTES") {
        Err(_) => Ok(MAX_LINE_BYTES),
        Ok(v) => v
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| anyhow!("DESIGNATE_MAX_LINE_BYTES: expected a number of bytes above 0, found \"{v}\"")),
    }
}

/// NDJSON partners, one per line, read lazily. A line longer than the limit is reported with its number and
/// skipped to the next newline without being kept, so an endless line costs no memory. Input that is not NDJSON
/// at all (a YAML file, pretty-printed JSON) is refused once, from its first line, rather than line by line.
fn ndjson<R: std::io::BufRead + 'static>(reader: R, shown: String) -> Result<Box<dyn Iterator<Item = Raw>>> {
    // Issue 15: a partner's line is tens of kilobytes; read through a buffer of one mebibyte, most lines lie whole
    // in it and are copied out once, at their size, instead of growing a vector from a stdin buffer of 8 KiB
    // (the reading thread spent about 6 % of `score -` reallocating line vectors).
    let reader = std::io::BufReader::with_capacity(READ_BUFFER, reader);
    let mut lines = NdjsonLines { reader, shown, limit: max_line_bytes()?, number: 0, done: false };
    let first = lines.next();
    if let Some(Raw { source: Source::Line(text), line: Some(n), .. }) = &first {
        if is_score_result(text) {
            return Err(anyhow!(
                "{}:{n}: these are score results, not partners\n  hint: score reads partners (docs/partner-data.md); to compare results use `designate compare` or `designate diff`",
                lines.shown
            ));
        }
        if let Some((what, hint)) = not_ndjson(text) {
            return Err(anyhow!(
                "{}:{n}: input is not NDJSON (one JSON partner per line): it looks like {what}\n  hint: {hint}",
                lines.shown
            ));
        }
    }
    Ok(Box::new(first.into_iter().chain(lines)))
}

/// True for a line of `score -` output: a partner id as text beside `rules.digest` as text and `designations` as
/// a list. The line is read without keeping any of its values: a first partner of 50 MB read as a
/// `serde_json::Value` took twice the memory and the time of scoring it.
fn is_score_result(line: &str) -> bool {
    #[derive(serde::Deserialize)]
    struct Probe {
        partner: Option<Shape>,
        rules: Option<Rules>,
        designations: Option<Shape>,
    }
    #[derive(serde::Deserialize)]
    struct Rules {
        digest: Option<Shape>,
    }
    serde_json::from_str::<Probe>(line).is_ok_and(|r| {
        r.partner == Some(Shape::Text)
            && r.rules.is_some_and(|rules| rules.digest == Some(Shape::Text))
            && r.designations == Some(Shape::List)
    })
}

/// What a JSON value is, read to its end without keeping it (for [`is_score_result`]).
#[derive(Debug, PartialEq)]
enum Shape {
    Text,
    List,
    Other,
}

impl<'de> serde::Deserialize<'de> for Shape {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Shape, D::Error> {
        use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
        struct Of;
        impl<'de> Visitor<'de> for Of {
            type Value = Shape;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_str<E>(self, _: &str) -> Result<Shape, E> {
                Ok(Shape::Text)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Shape, A::Error> {
                while items.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Shape::List)
            }
            // An object, or a number (serde_json's arbitrary precision hands numbers over as a map).
            fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> Result<Shape, A::Error> {
                while entries.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Shape::Other)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Shape, E> {
                Ok(Shape::Other)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Shape, E> {
                Ok(Shape::Other)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Shape, E> {
                Ok(Shape::Other)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Shape, E> {
                Ok(Shape::Other)
            }
            fn visit_unit<E>(self) -> Result<Shape, E> {
                Ok(Shape::Other)
            }
        }
        d.deserialize_any(Of)
    }
}

/// What a first line says about input that is not NDJSON, with a hint; `None` when it may well be NDJSON.
fn not_ndjson(line: &str) -> Option<(&'static str, &'static str)> {
    let t = line.trim();
    let pretty =
        ("pretty-printed JSON (a document over several lines)", "pass the file name instead, or convert with jq -c");
    let yaml = ("YAML", "pass the file name instead (designate score partner.yaml), or convert with yq -o json -I0");
    let toml = ("TOML", "pass the file name instead (designate score partner.toml)");
    let csv =
        ("a CSV table", "pass the folder of CSV tables instead (partners.csv, usage.csv, ...: docs/partner-data.md)");
    let word = |w: &str| !w.is_empty() && w.chars().all(|c| c.is_alphanumeric() || "_-.".contains(c));
    // A TOML table header (`[partner]`, `[[usage]]`): a bracket, a dotted name, a bracket.
    let header = t.trim_start_matches('[').trim_end_matches(']');
    if t.starts_with('[') && t.ends_with(']') && header.split('.').all(|k| word(k.trim().trim_matches('"'))) {
        return Some(toml);
    }
    if t.starts_with(['{', '[']) {
        // Pretty-printers put the opening bracket alone on the first line; a truncated NDJSON line has more, and
        // is one bad partner among others, reported on its own.
        return t.chars().all(|c| matches!(c, '{' | '[' | ' ' | '\t')).then_some(pretty);
    }
    // `key = value`: TOML.
    if t.split_once('=').is_some_and(|(k, _)| word(k.trim().trim_matches('"'))) {
        return Some(toml);
    }
    // A CSV header: plain names between commas, nothing else.
    if t.contains(',') && t.split(',').all(|f| word(f.trim().trim_matches('"'))) {
        return Some(csv);
    }
    let key = t.trim_start_matches("- ").split_once(':').is_some_and(|(k, rest)| {
        let k = k.trim().trim_matches(['"', '\'']);
        !k.is_empty()
            && k.chars().all(|c| c.is_alphanumeric() || "_-. ".contains(c))
            && (rest.is_empty() || rest.starts_with([' ', '\t']))
    });
    (t == "---" || t.starts_with('#') || key).then_some(yaml)
}

/// The buffer an NDJSON stream is read through (see [`ndjson`]).
const READ_BUFFER: usize = 1 << 20;

/// The lines of an NDJSON stream as partners; blank lines are skipped but counted.
struct NdjsonLines<R> {
    reader: R,
    shown: String,
    limit: usize,
    number: usize,
    done: bool,
}

/// One line read with a length limit.
enum Line {
    Text(Vec<u8>),
    TooLong,
}

impl<R: std::io::BufRead> NdjsonLines<R> {
    /// The next line, without its newline (`\n` or `\r\n`); `None` at the end of the input.
    fn read_line(&mut self) -> std::io::Result<Option<Line>> {
        let mut buf = Vec::new();
        let (mut too_long, mut any) = (false, false);
        loop {
            let available = match self.reader.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                break;
            }
            any = true;
            let (take, end) = match memchr::memchr(b'\n', available) {
                Some(i) => (i, true),
                None => (available.len(), false),
            };
            if !too_long {
                if buf.len() + take > self.limit {
                    // Past the limit nothing more is kept: the rest of the line is read and dropped.
                    too_long = true;
                    buf = Vec::new();
                } else if buf.is_empty() && end {
                    // The whole line is in the buffer (the usual case): one copy, at its size.
                    buf = available[..take].to_vec();
                } else {
                    buf.extend_from_slice(&available[..take]);
                }
            }
            self.reader.consume(if end { take + 1 } else { take });
            if end {
                break;
            }
        }
        if !any {
            return Ok(None);
        }
        if too_long {
            return Ok(Some(Line::TooLong));
        }
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
        Ok(Some(Line::Text(buf)))
    }
}

impl<R: std::io::BufRead> Iterator for NdjsonLines<R> {
    type Item = Raw;

    fn next(&mut self) -> Option<Raw> {
        while !self.done {
            self.number += 1;
            let n = self.number;
            let origin = format!("{}:{n}", self.shown);
            let unreadable =
                |message: String| Raw { origin: origin.clone(), line: Some(n), source: Source::Unreadable(message) };
            match self.read_line() {
                Ok(None) => self.done = true,
                Ok(Some(Line::TooLong)) => {
                    return Some(unreadable(format!("{origin}: line longer than {} bytes", self.limit)))
                }
                Ok(Some(Line::Text(bytes))) => match String::from_utf8(bytes) {
                    Ok(text) if text.trim().is_empty() => {}
                    Ok(text) => return Some(Raw { origin, line: Some(n), source: Source::Line(text) }),
                    Err(e) => {
                        let at = e.utf8_error().valid_up_to();
                        return Some(unreadable(format!(
                            "{origin}: line is not UTF-8 text (invalid byte at offset {at})"
                        )));
                    }
                },
                Err(e) => {
                    // A stream that fails once is not read further: the next read would most likely fail again.
                    self.done = true;
                    return Some(unreadable(format!("{origin}: cannot read: {e}")));
                }
            }
        }
        None
    }
}

/// What is known of a portfolio's size before reading it, for the progress line.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Expected {
    /// Stdin, or anything else that cannot be sized without reading it.
    Unknown,
    /// A count of partners (a folder's files, the rows of `partners.csv`).
    Partners(usize),
    /// The size of an NDJSON file: progress is the share of its bytes read.
    Bytes(u64),
}

/// The size of the portfolio `arg` names, as far as it is known without reading it: an NDJSON file by its
/// size; folders and tables are counted by `open` itself (its iterator knows its length).
pub fn expected(arg: &Path) -> Expected {
    if arg.as_os_str() != "-" && arg.extension().is_some_and(|e| e == "ndjson" || e == "jsonl") {
        if let Ok(meta) = std::fs::metadata(arg) {
            return Expected::Bytes(meta.len());
        }
    }
    Expected::Unknown
}

/// Runs `work` on every partner in parallel chunks and hands each result to `sink` in input order.
pub fn process<T: Send>(
    items: impl Iterator<Item = Raw>,
    work: impl Fn(&Raw) -> Result<T> + Sync,
    sink: impl FnMut(Raw, Result<T>) -> Result<()>,
) -> Result<()> {
    process_expecting(items, Expected::Unknown, work, sink)
}

/// The partners of a portfolio met so far, in input order, so that a partner id met again is refused at its
/// place, naming where it was first: one result (a JSON line, the rows of a CSV, a comparison) never stands for
/// two inputs, as `snapshot` refuses a second partner of one id and the tables a partner listed twice. Kept as a
/// 128-bit digest of each id with the place first met: about 60 to 90 bytes a partner, whatever its size.
#[derive(Default)]
pub struct Met(std::collections::HashMap<u128, Box<str>>);

impl Met {
    /// Records partner `id` met at `origin`, or says where it was met first.
    pub fn first(&mut self, id: &str, origin: &str) -> Result<()> {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(id.as_bytes());
        let mut key = [0u8; 16];
        key.copy_from_slice(&digest[..16]);
        match self.0.entry(u128::from_le_bytes(key)) {
            std::collections::hash_map::Entry::Occupied(first) => {
                Err(anyhow!("{origin}: partner \"{id}\" is already in the portfolio ({})", first.get()))
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(origin.into());
                Ok(())
            }
        }
    }
}

/// `process`, with what is known of the portfolio's size for the progress line (a count from `items`'
/// exact length wins over `expected`).
///
/// A bounded pipeline (issue 15): this thread reads chunk k + 2 and hands chunk k's results to `sink` while a
/// scoring thread has chunk k + 1 worked on by rayon's pool, so reading, scoring and writing overlap and every
/// core scores. At most three chunks are held (one read, one scored, one written) and results still reach
/// `sink` in input order, chunk after chunk, so the output is the serial one byte for byte. When `sink` fails the
/// channels close, the scoring thread stops after its chunk, and nothing more is read.
pub fn process_expecting<T: Send>(
    items: impl Iterator<Item = Raw>,
    expected: Expected,
    work: impl Fn(&Raw) -> Result<T> + Sync,
    mut sink: impl FnMut(Raw, Result<T>) -> Result<()>,
) -> Result<()> {
    let expected = known(items.size_hint(), expected);
    let mut items = items;
    let mut progress = Progress::new(expected);
    let work = &work;
    std::thread::scope(|scope| {
        let (to_score, scoring) = std::sync::mpsc::sync_channel::<Vec<Raw>>(1);
        let (to_write, scored) = std::sync::mpsc::sync_channel::<Vec<(Raw, Result<T>)>>(1);
        scope.spawn(move || {
            for chunk in scoring {
                let results: Vec<Result<T>> = chunk.par_iter().map(work).collect();
                if to_write.send(chunk.into_iter().zip(results).collect()).is_err() {
                    return;
                }
            }
        });
        let mut write = |batch: Vec<(Raw, Result<T>)>| -> Result<()> {
            for (raw, result) in batch {
                // A line of an NDJSON file and its newline.
                let bytes = match &raw.source {
                    Source::Line(text) => text.len() as u64 + 1,
                    _ => 0,
                };
                sink(raw, result)?;
                progress.count(bytes);
            }
            // A chunk is scored at once, so the line is updated per chunk: per partner, the first partners of a
            // chunk would seem to have taken the whole chunk's time.
            progress.show();
            Ok(())
        };
        // Chunks sent to the scoring thread whose results are not written yet: at most two, the one scored and
        // the one waiting for it.
        let mut in_flight = 0usize;
        loop {
            let chunk: Vec<Raw> = items.by_ref().take(CHUNK).collect();
            if chunk.is_empty() || to_score.send(chunk).is_err() {
                break;
            }
            in_flight += 1;
            if in_flight == 2 {
                match scored.recv() {
                    Ok(batch) => write(batch)?,
                    Err(_) => break,
                }
                in_flight -= 1;
            }
        }
        drop(to_score);
        for batch in scored {
            write(batch)?;
        }
        Ok::<(), anyhow::Error>(())
    })?;
    progress.finish();
    Ok(())
}

/// An iterator that knows its exact length (a folder's files, the rows of `partners.csv`) gives the count.
fn known(size_hint: (usize, Option<usize>), expected: Expected) -> Expected {
    match size_hint {
        (low, Some(high)) if low == high => Expected::Partners(low),
        _ => expected,
    }
}

/// A progress line on stderr for long runs, only when stderr is a terminal (never in pipes, logs or tests) and
/// without `--quiet`.
struct Progress {
    on: bool,
    expected: Expected,
    started: std::time::Instant,
    last: std::time::Instant,
    done: usize,
    bytes: u64,
    /// The width of the line on screen, 0 while none is.
    shown: usize,
}

impl Progress {
    fn new(expected: Expected) -> Progress {
        use std::io::IsTerminal;
        let now = std::time::Instant::now();
        let on = std::io::stderr().is_terminal() && !crate::output::quiet();
        Progress { on, expected, started: now, last: now, done: 0, bytes: 0, shown: 0 }
    }

    fn count(&mut self, bytes: u64) {
        self.done += 1;
        self.bytes += bytes;
    }

    fn show(&mut self) {
        // The first second stays quiet: short runs print nothing.
        if self.on && self.last.elapsed().as_millis() >= 500 && self.started.elapsed().as_secs() >= 1 {
            let line = progress_line(self.done, self.total(), self.started.elapsed().as_secs_f64());
            self.write(&line, false);
            self.last = std::time::Instant::now();
        }
    }

    /// The expected number of partners, and whether it is an estimate (from the bytes read so far).
    fn total(&self) -> Option<(usize, bool)> {
        match self.expected {
            Expected::Unknown => None,
            Expected::Partners(n) => Some((n, false)),
            Expected::Bytes(_) if self.bytes == 0 => None,
            Expected::Bytes(size) => {
                let estimate = (self.done as f64 * size as f64 / self.bytes as f64).round() as usize;
                Some((estimate, true))
            }
        }
    }

    fn finish(&mut self) {
        if self.shown > 0 {
            let line = format!("{} partners scored in {:.1} s", self.done, self.started.elapsed().as_secs_f64());
            self.write(&line, true);
        }
    }

    /// Writes `line` over the one shown before, padded to blank out a longer one.
    fn write(&mut self, line: &str, end: bool) {
        let width = line.chars().count();
        let pad = " ".repeat(self.shown.saturating_sub(width));
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r{line}{pad}{}", if end { "\n" } else { "" });
        let _ = err.flush();
        self.shown = width;
    }
}

/// The progress line: `[1200/10000 partners, 12%, ETA 0:41]` when the total is known (`~10000` when it is
/// estimated from the bytes read), `[1200 partners, 2400/s]` when it is not. The percentage stays below 100
/// and the ETA is left out until the run is over or when the estimate has been passed.
fn progress_line(done: usize, total: Option<(usize, bool)>, elapsed_secs: f64) -> String {
    match total {
        Some((total, estimated)) if total > done && done > 0 => {
            let share = done as f64 / total as f64;
            let percent = ((share * 100.0).floor() as usize).min(99);
            let left = elapsed_secs * (1.0 - share) / share;
            let approx = if estimated { "~" } else { "" };
            format!("[{done}/{approx}{total} partners, {percent}%, ETA {}]", clock(left))
        }
        _ => {
            let rate = if elapsed_secs > 0.0 { done as f64 / elapsed_secs } else { 0.0 };
            format!("[{done} partners, {rate:.0}/s]")
        }
    }
}

/// Seconds as `m:ss`, or `h:mm:ss` from an hour on.
fn clock(secs: f64) -> String {
    let s = if secs.is_finite() && secs > 0.0 { secs.round() as u64 } else { 0 };
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // issue 15: lines are copied out of the read buffer whole when they lie in it and pieced together when they
    // straddle its end; either way every line comes out intact, `\r\n` split across two reads included, and a line
    // over the limit is reported without being kept.
    #[test]
    fn ndjson_lines_straddling_the_read_buffer_come_out_whole() {
        let text = "{\"a\":1}\n\n{\"bb\":22}\r\n{\"a_much_longer_line\":333333}\n{\"c\":4}\r\n{\"d\":5}";
        for capacity in [1, 2, 3, 5, 7, 8, 9, 13, 64, READ_BUFFER] {
            let reader = std::io::BufReader::with_capacity(capacity, std::io::Cursor::new(text.as_bytes().to_vec()));
            let lines = NdjsonLines { reader, shown: "-".into(), limit: 20, number: 0, done: false };
            let got: Vec<(String, Option<usize>, String)> = lines
                .map(|r| {
                    let what = match r.source {
                        Source::Line(t) => t,
                        Source::Unreadable(m) => format!("unreadable: {m}"),
                        _ => "other".into(),
                    };
                    (r.origin, r.line, what)
                })
                .collect();
            let want = [
                ("-:1", 1, "{\"a\":1}"),
                ("-:3", 3, "{\"bb\":22}"),
                ("-:4", 4, "unreadable: -:4: line longer than 20 bytes"),
                ("-:5", 5, "{\"c\":4}"),
                ("-:6", 6, "{\"d\":5}"),
            ];
            let want: Vec<(String, Option<usize>, String)> =
                want.iter().map(|(o, n, t)| (o.to_string(), Some(*n), t.to_string())).collect();
            assert_eq!(got, want, "read buffer of {capacity} bytes");
        }
    }

    // issue 15: a line of score results is told apart from a partner by its shape alone, in any key order and
    // whatever else it holds, as reading it into a `serde_json::Value` told it; its values are not kept.
    #[test]
    fn score_results_are_told_from_partners_by_their_shape() {
        let result = r#"{"schema_version":"3","partner":"p1","as_of":"2026-06","rules":{"version":"2024-06","digest":"sha256:ab"},"designations":[{"id":"x","points":12.5,"metrics":[]}],"program":{"n":1}}"#;
        assert!(is_score_result(result));
        let reordered =
            r#"{"designations":[],"rules":{"digest":"d","extra":[1,{"a":null}]},"partner":"p1","n":-1.5e3,"t":true}"#;
        assert!(is_score_result(reordered));
        let not = [
            // A partner file: its partner is an object, and it has no rules or designations.
            r#"{"partner":{"id":"p1","name":"P"},"as_of":"2026-06","usage":[{"customer":"c","value":1.25}]}"#,
            r#"{"partner":7,"rules":{"digest":"d"},"designations":[]}"#,
            r#"{"partner":"p1","rules":{"digest":["d"]},"designations":[]}"#,
            r#"{"partner":"p1","rules":{"version":"2024-06"},"designations":[]}"#,
            r#"{"partner":"p1","rules":"2024-06","designations":[]}"#,
            r#"{"partner":"p1","rules":{"digest":"d"},"designations":{"x":1}}"#,
            r#"{"partner":"p1","rules":{"digest":"d"},"designations":null}"#,
            r#"{"partner":"p1","rules":{"digest":"d"}}"#,
            r#"["partner","rules","designations"]"#,
            r#"{"partner":"p1","rules":{"digest":"d"},"designations":[1,"#,
            "not json",
            "",
        ];
        for line in not {
            assert!(!is_score_result(line), "{line}");
        }
        // The reading it replaced, as the oracle.
        let whole = |line: &str| {
            serde_json::from_str::<serde_json::Value>(line).is_ok_and(|v| {
                v["partner"].is_string() && v["rules"]["digest"].is_string() && v["designations"].is_array()
            })
        };
        for line in not.iter().chain(&[result, reordered]) {
            assert_eq!(is_score_result(line), whole(line), "{line}");
        }
    }

    // issue 11: long portfolio runs show the total and an ETA when the total is known.
    #[test]
    fn progress_shows_total_share_and_eta_when_the_total_is_known() {
        assert_eq!(progress_line(1200, Some((10000, false)), 5.6), "[1200/10000 partners, 12%, ETA 0:41]");
        assert_eq!(progress_line(1200, Some((10000, true)), 5.6), "[1200/~10000 partners, 12%, ETA 0:41]");
        assert_eq!(progress_line(500, Some((1_000_000, false)), 10.0), "[500/1000000 partners, 0%, ETA 5:33:10]");
        assert_eq!(progress_line(9999, Some((10000, false)), 100.0), "[9999/10000 partners, 99%, ETA 0:00]");
    }

    #[test]
    fn progress_without_a_total_shows_the_rate() {
        assert_eq!(progress_line(1200, None, 0.5), "[1200 partners, 2400/s]");
        // An estimate already passed is no total at all.
        assert_eq!(progress_line(1200, Some((1000, true)), 2.0), "[1200 partners, 600/s]");
        assert_eq!(progress_line(0, Some((1000, false)), 0.0), "[0 partners, 0/s]");
    }

    // issue 11: the total is known for folders and tables (exact) and .ndjson files (by size), not for stdin.
    #[test]
    fn the_total_comes_from_an_exact_length_or_the_file_size() {
        let raw = |i: usize| Raw { origin: format!("p{i}"), line: None, source: Source::Line(String::new()) };
        let folder: Vec<Raw> = (0..3).map(raw).collect();
        assert_eq!(known(folder.into_iter().size_hint(), Expected::Unknown), Expected::Partners(3));
        let lines = (0..3).map(raw).filter(|_| true);
        assert_eq!(known(lines.size_hint(), Expected::Bytes(900)), Expected::Bytes(900));
        assert_eq!(expected(Path::new("-")), Expected::Unknown);
    }

    /// Numbered lines as a portfolio of `n` partners.
    fn lines(n: usize) -> impl Iterator<Item = Raw> {
        (1..=n).map(|i| Raw { origin: format!("<stdin>:{i}"), line: Some(i), source: Source::Line(format!("{i}")) })
    }

    // issue 15: the pipeline (reading, scoring and writing overlapped, several chunks in flight) hands every
    // result to the sink in input order, failures included, exactly as scoring one partner after another would.
    #[test]
    fn the_pipelined_stream_gives_the_serial_results_in_input_order() {
        let n = CHUNK * 7 + 3;
        let work = |raw: &Raw| -> Result<String> {
            let Source::Line(text) = &raw.source else { unreachable!("lines only") };
            let i: usize = text.parse()?;
            // Uneven work, so that later partners of a chunk finish before earlier ones.
            let spin: usize = (0..(i * 7919) % 2000).map(|k| k % 3).sum();
            if i.is_multiple_of(97) {
                return Err(anyhow!("{}: partner {i} fails", raw.origin));
            }
            Ok(format!("{i}:{spin}"))
        };
        let serial: Vec<String> = lines(n).map(|raw| work(&raw).unwrap_or_else(|e| format!("error {e}"))).collect();
        let mut piped = Vec::new();
        process(lines(n), work, |raw, result| {
            assert!(matches!(&raw.source, Source::Line(t) if *t == (piped.len() + 1).to_string()), "{}", raw.origin);
            piped.push(result.unwrap_or_else(|e| format!("error {e}")));
            Ok(())
        })
        .expect("the pipeline runs");
        assert_eq!(piped, serial);
    }

    // issue 15: a sink that fails (stdout closed) ends the pipeline: nothing more is handed to it, and the run
    // returns the sink's error instead of waiting for the rest of the input.
    #[test]
    fn the_pipeline_stops_when_the_sink_fails() {
        let read = std::sync::atomic::AtomicUsize::new(0);
        let counted = lines(CHUNK * 50).inspect(|_| {
            read.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        });
        let mut seen = 0;
        let outcome = process(
            counted,
            |_| Ok(()),
            |_, _| {
                seen += 1;
                if seen == CHUNK + 5 {
                    return Err(anyhow!("stdout closed"));
                }
                Ok(())
            },
        );
        assert_eq!(outcome.expect_err("the sink's error").to_string(), "stdout closed");
        assert_eq!(seen, CHUNK + 5);
        // At most the chunks in flight were read beyond the one being written.
        assert!(read.load(std::sync::atomic::Ordering::Relaxed) <= CHUNK * 4, "read on after the sink failed");
    }

    #[test]
    fn eta_reads_as_a_clock() {
        assert_eq!(clock(0.0), "0:00");
        assert_eq!(clock(59.6), "1:00");
        assert_eq!(clock(3725.0), "1:02:05");
        assert_eq!(clock(f64::INFINITY), "0:00");
    }
}
