//! Portfolios: a folder of partner files or NDJSON on stdin, read lazily and scored in parallel chunks
//! whose results come back in input order, so memory stays bounded and output stays deterministic.

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
    Unreadable(String),
}

impl Raw {
    /// Reads and validates the partner.
    pub fn parse(&self) -> Result<Partner, String> {
        match &self.source {
            Source::File(path) => Partner::load(path).map_err(|e| e.to_string()),
            Source::Line(text) => match self.line {
                // Each line is its own JSON document: place errors on the input's line.
                Some(line) => {
                    let file = self.origin.rsplit_once(':').map_or("<stdin>", |(f, _)| f);
                    Partner::parse(text, Format::Json, file).map_err(|mut e| {
                        e.place.line = Some((line, e.place.line.map_or(1, |(_, col)| col)));
                        e.to_string()
                    })
                }
                // Assembled from tables: the field path names the place, the origin names the partner.
                None => Partner::parse(text, Format::Json, &self.origin).map_err(|mut e| {
                    e.place.line = None;
                    e.to_string()
                }),
            },
            Source::Unreadable(message) => Err(message.clone()),
        }
    }

    /// A file's bytes, for input digests; a line's text for stdin.
    pub fn bytes(&self) -> Vec<u8> {
        match &self.source {
            Source::File(path) => std::fs::read(path).unwrap_or_default(),
            Source::Line(text) => text.as_bytes().to_vec(),
            Source::Unreadable(_) => Vec::new(),
        }
    }
}

/// The partners of a portfolio argument: a folder (its partner files, sorted by name, or CSV tables when it
/// holds `partners.csv`), an `.ndjson` file, or `-` (NDJSON on stdin).
pub fn open(arg: &Path) -> Result<Box<dyn Iterator<Item = Raw>>, String> {
    if arg.as_os_str() == "-" {
        return ndjson(std::io::stdin().lock(), "<stdin>".to_owned());
    }
    if arg.is_file() && arg.extension().is_some_and(|e| e == "ndjson" || e == "jsonl") {
        let file = std::fs::File::open(arg).map_err(|e| format!("{}: cannot read: {e}", arg.display()))?;
        return ndjson(std::io::BufReader::new(file), arg.display().to_string());
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
    let mut entries: Vec<Raw> = Vec::new();
    for entry in std::fs::read_dir(arg).map_err(|e| format!("{}: cannot read folder: {e}", arg.display()))? {
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
        return Err(format!("{}: no partner files (.yaml, .yml, .json, .toml) in this folder", arg.display()));
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
fn max_line_bytes() -> Result<usize, String> {
    match std::env::var("DESIGNATE_MAX_LINE_BYTES") {
        Err(_) => Ok(MAX_LINE_BYTES),
        Ok(v) => v
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("DESIGNATE_MAX_LINE_BYTES: expected a number of bytes above 0, found \"{v}\"")),
    }
}

/// NDJSON partners, one per line, read lazily. A line longer than the limit is reported with its number and
/// skipped to the next newline without being kept, so an endless line costs no memory. Input that is not NDJSON
/// at all (a YAML file, pretty-printed JSON) is refused once, from its first line, rather than line by line.
fn ndjson<R: std::io::BufRead + 'static>(reader: R, shown: String) -> Result<Box<dyn Iterator<Item = Raw>>, String> {
    let mut lines = NdjsonLines { reader, shown, limit: max_line_bytes()?, number: 0, done: false };
    let first = lines.next();
    if let Some(Raw { source: Source::Line(text), line: Some(n), .. }) = &first {
        if is_score_result(text) {
            return Err(format!(
                "{}:{n}: these are score results, not partners\n  hint: score reads partners (docs/partner-data.md); to compare results use `designate compare` or `designate diff`",
                lines.shown
            ));
        }
        if let Some((what, hint)) = not_ndjson(text) {
            return Err(format!(
                "{}:{n}: input is not NDJSON (one JSON partner per line): it looks like {what}\n  hint: {hint}",
                lines.shown
            ));
        }
    }
    Ok(Box::new(first.into_iter().chain(lines)))
}

/// True for a line of `score -` output: a partner id as text beside `rules` and `designations`.
fn is_score_result(line: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(line)
        .is_ok_and(|v| v["partner"].is_string() && v["rules"]["digest"].is_string() && v["designations"].is_array())
}

/// What a first line says about input that is not NDJSON, with a hint; `None` when it may well be NDJSON.
fn not_ndjson(line: &str) -> Option<(&'static str, &'static str)> {
    let t = line.trim();
    let pretty =
        ("pretty-printed JSON (a document over several lines)", "pass the file name instead, or convert with jq -c");
    let yaml = ("YAML", "pass the file name instead (designate score partner.yaml), or convert with yq -o json -I0");
    if t.starts_with(['{', '[']) {
        // Pretty-printers put the opening bracket alone on the first line; a truncated NDJSON line has more, and
        // is one bad partner among others, reported on its own.
        return t.chars().all(|c| matches!(c, '{' | '[' | ' ' | '\t')).then_some(pretty);
    }
    let key = t.trim_start_matches("- ").split_once(':').is_some_and(|(k, rest)| {
        let k = k.trim().trim_matches(['"', '\'']);
        !k.is_empty()
            && k.chars().all(|c| c.is_alphanumeric() || "_-. ".contains(c))
            && (rest.is_empty() || rest.starts_with([' ', '\t']))
    });
    (t == "---" || t.starts_with('#') || key).then_some(yaml)
}

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
            let (take, end) = match available.iter().position(|&b| b == b'\n') {
                Some(i) => (i, true),
                None => (available.len(), false),
            };
            if !too_long {
                if buf.len() + take > self.limit {
                    // Past the limit nothing more is kept: the rest of the line is read and dropped.
                    too_long = true;
                    buf = Vec::new();
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

/// Runs `work` on every partner in parallel chunks and hands each result to `sink` in input order.
pub fn process<T: Send>(
    items: impl Iterator<Item = Raw>,
    work: impl Fn(&Raw) -> Result<T, String> + Sync,
    mut sink: impl FnMut(Raw, Result<T, String>) -> Result<(), String>,
) -> Result<(), String> {
    let mut items = items.peekable();
    let mut progress = Progress::new();
    while items.peek().is_some() {
        let chunk: Vec<Raw> = items.by_ref().take(CHUNK).collect();
        let results: Vec<Result<T, String>> = chunk.par_iter().map(&work).collect();
        for (raw, result) in chunk.into_iter().zip(results) {
            sink(raw, result)?;
            progress.tick();
        }
    }
    progress.finish();
    Ok(())
}

/// A progress line on stderr for long runs, only when stderr is a terminal (never in pipes, logs or tests).
struct Progress {
    on: bool,
    started: std::time::Instant,
    last: std::time::Instant,
    done: usize,
    shown: bool,
}

impl Progress {
    fn new() -> Progress {
        use std::io::IsTerminal;
        let now = std::time::Instant::now();
        Progress { on: std::io::stderr().is_terminal(), started: now, last: now, done: 0, shown: false }
    }

    fn tick(&mut self) {
        self.done += 1;
        // The first second stays quiet: short runs print nothing.
        if self.on && self.last.elapsed().as_millis() >= 500 && self.started.elapsed().as_secs() >= 1 {
            let rate = self.done as f64 / self.started.elapsed().as_secs_f64();
            eprint!("\r{} partners scored ({rate:.0}/s)   ", self.done);
            self.last = std::time::Instant::now();
            self.shown = true;
        }
    }

    fn finish(&self) {
        if self.shown {
            eprintln!("\r{} partners scored in {:.1} s   ", self.done, self.started.elapsed().as_secs_f64());
        }
    }
}
