//! Portfolios: a folder of partner files or NDJSON on stdin, read lazily and scored in parallel chunks
//! whose results come back in input order, so memory stays bounded and output stays deterministic.

use std::io::BufRead;
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
                    let mut partner = Partner::parse(text, Format::Json, file).map_err(|mut e| {
                        e.place.line = Some((line, e.place.line.map_or(1, |(_, col)| col)));
                        e.to_string()
                    })?;
                    // Errors found while scoring (a sum that overflows) then name the line too.
                    partner.origin = self.origin.clone();
                    Ok(partner)
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
