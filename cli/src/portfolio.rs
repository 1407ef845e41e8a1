//! Portfolios: a folder of partner files or NDJSON on stdin, read lazily and scored in parallel chunks
//! whose results come back in input order, so memory stays bounded and output stays deterministic.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use designate_engine::{Format, Partner};
use rayon::prelude::*;

/// Partners handed to the workers at a time: enough to keep every core busy, few enough to bound memory.
const CHUNK: usize = 512;

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
    /// A partner assembled from CSV tables, as JSON text, with the CSV lines its pieces came from.
    Table(String, crate::tables::Places),
    Unreadable(String),
}

impl Raw {
    /// Reads and validates the partner.
    pub fn parse(&self) -> Result<Partner, String> {
        let mut partner = self.parse_source()?;
        // Problems found when scoring name the partner as the portfolio does: `<stdin>:2`, a table row.
        if self.line.is_some() {
            partner.origin.clone_from(&self.origin);
        }
        Ok(partner)
    }

    fn parse_source(&self) -> Result<Partner, String> {
        match &self.source {
            Source::File(path) => Partner::load(path).map_err(|e| e.to_string()),
            Source::Line(text) => match self.line {
                // Each line is its own JSON document: place errors on the input's line.
                Some(line) => {
                    let file = self.origin.rsplit_once(':').map_or("<stdin>", |(f, _)| f);
                    let mut partner = Partner::parse(text, Format::Json, file).map_err(|mut e| {
                        e.place.line = Some((line, e.place.line.map_or(1, |(_, col)| col)));
                        e.to_string()
                    })?;
                    // Errors found while scoring (a sum that overflows) then name the line too.
                    partner.origin = self.origin.clone();
                    Ok(partner)
                }
                None => Partner::parse(text, Format::Json, &self.origin).map_err(|mut e| {
                    e.place.line = None;
                    e.to_string()
                }),
            },
            // Assembled from tables: a problem is put on the CSV line it comes from.
            Source::Table(text, places) => {
                Partner::parse(text, Format::Json, &self.origin).map_err(|e| places.locate(e))
            }
            Source::Unreadable(message) => Err(message.clone()),
        }
    }

    /// The CSV line a field of a partner assembled from tables comes from, for warnings found when scoring.
    pub fn place_of(&self, field: &str) -> Option<&str> {
        match &self.source {
            Source::Table(_, places) => places.of_field(field),
            _ => None,
        }
    }

    /// A file's bytes, for input digests; a line's text for stdin.
    pub fn bytes(&self) -> Vec<u8> {
        match &self.source {
            Source::File(path) => std::fs::read(path).unwrap_or_default(),
            Source::Line(text) | Source::Table(text, _) => text.as_bytes().to_vec(),
            Source::Unreadable(_) => Vec::new(),
        }
    }
}

/// The partners of a portfolio argument: a folder (its partner files, sorted by name, or CSV tables when it
/// holds `partners.csv`), an `.ndjson` file, or `-` (NDJSON on stdin).
pub fn open(arg: &Path) -> Result<Box<dyn Iterator<Item = Raw>>, String> {
    if arg.as_os_str() == "-" {
        let lines = std::io::stdin().lock().lines().enumerate().filter_map(|(n, line)| match line {
            Ok(text) if text.trim().is_empty() => None,
            Ok(text) => {
                Some(Raw { origin: format!("<stdin>:{}", n + 1), line: Some(n + 1), source: Source::Line(text) })
            }
            Err(e) => Some(Raw {
                origin: format!("<stdin>:{}", n + 1),
                line: Some(n + 1),
                source: Source::Unreadable(format!("<stdin>:{}: cannot read: {e}", n + 1)),
            }),
        });
        return Ok(Box::new(lines));
    }
    if arg.is_file() && arg.extension().is_some_and(|e| e == "ndjson" || e == "jsonl") {
        let file = std::fs::File::open(arg).map_err(|e| format!("{}: cannot read: {e}", arg.display()))?;
        let shown = arg.display().to_string();
        let lines = std::io::BufReader::new(file).lines().enumerate().filter_map(move |(n, line)| match line {
            Ok(text) if text.trim().is_empty() => None,
            Ok(text) => {
                Some(Raw { origin: format!("{shown}:{}", n + 1), line: Some(n + 1), source: Source::Line(text) })
            }
            Err(e) => Some(Raw {
                origin: format!("{shown}:{}", n + 1),
                line: Some(n + 1),
                source: Source::Unreadable(format!("{shown}:{}: cannot read: {e}", n + 1)),
            }),
        });
        return Ok(Box::new(lines));
    }
    if arg.is_dir() && crate::tables::is_tables(arg) {
        return crate::tables::open(arg);
    }
    if !arg.is_dir() {
        return Err(format!(
            "{}: not a folder of partner files, an .ndjson file, or - for NDJSON on stdin",
            arg.display()
        ));
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(arg)
        .map_err(|e| format!("{}: cannot read folder: {e}", arg.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && Format::from_path(p).is_some())
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(format!("{}: no partner files (.yaml, .yml, .json, .toml) in this folder", arg.display()));
    }
    Ok(Box::new(files.into_iter().map(|p| Raw {
        origin: p.display().to_string(),
        line: None,
        source: Source::File(p),
    })))
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
    work: impl Fn(&Raw) -> Result<T, String> + Sync,
    sink: impl FnMut(Raw, Result<T, String>) -> Result<(), String>,
) -> Result<(), String> {
    process_expecting(items, Expected::Unknown, work, sink)
}

/// `process`, with what is known of the portfolio's size for the progress line (a count from `items`'
/// exact length wins over `expected`).
pub fn process_expecting<T: Send>(
    items: impl Iterator<Item = Raw>,
    expected: Expected,
    work: impl Fn(&Raw) -> Result<T, String> + Sync,
    mut sink: impl FnMut(Raw, Result<T, String>) -> Result<(), String>,
) -> Result<(), String> {
    let expected = known(items.size_hint(), expected);
    let mut items = items.peekable();
    let mut progress = Progress::new(expected);
    while items.peek().is_some() {
        let chunk: Vec<Raw> = items.by_ref().take(CHUNK).collect();
        let results: Vec<Result<T, String>> = chunk.par_iter().map(&work).collect();
        for (raw, result) in chunk.into_iter().zip(results) {
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
    }
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

/// A progress line on stderr for long runs, only when stderr is a terminal (never in pipes, logs or tests).
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
        let on = std::io::stderr().is_terminal();
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

    #[test]
    fn eta_reads_as_a_clock() {
        assert_eq!(clock(0.0), "0:00");
        assert_eq!(clock(59.6), "1:00");
        assert_eq!(clock(3725.0), "1:02:05");
        assert_eq!(clock(f64::INFINITY), "0:00");
    }
}
