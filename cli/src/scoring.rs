//! The scoring pipeline the commands share: one partner file read and checked, or a portfolio read, scored on
//! every core and written in input order, with its warnings placed and its failed partners counted. `score` on a
//! portfolio and `bench` run the very same path ([`ndjson`]): `bench` only hands it generated lines and a sink.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{anyhow, Result};
use designate_engine::partner::Places;
use designate_engine::{Detail, Partner};

use crate::exit::{self, Closed};
use crate::output;
use crate::portfolio::{self, Expected, Raw};
use crate::rules_dir::RulesChoice;

/// One partner file: a file that cannot be opened (or has no partner-file extension) means the command could
/// not run (exit 2); a file that does not validate is a partner that failed (exit 1).
pub fn load_partner(path: &Path) -> Result<Partner> {
    match std::fs::metadata(path) {
        Err(e) => return Err(anyhow!("{}: cannot read file: {e}", path.display())),
        // A FIFO or a device is never opened: reading one could wait forever or never end.
        Ok(meta) if !meta.is_file() => {
            return Err(anyhow!(
                "{}: not a regular file but {}",
                path.display(),
                designate_engine::partner::file_kind(&meta.file_type())
            ))
        }
        Ok(_) => {}
    }
    if designate_engine::partner::Format::from_path(path).is_none() {
        return Err(anyhow!(
            "{}: unsupported partner file extension\n  hint: use .yaml, .yml, .json or .toml",
            path.display()
        ));
    }
    // Every problem of the file, one `error:` line each (main prints the first prefix), hints kept under theirs.
    Partner::load_all(path)
        .map_err(|errors| exit::finding(errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\nerror: ")))
}

/// How a streamed run went: the portfolio's own outcome, stdout's, and how many partners failed.
pub struct Streamed {
    pub processed: Result<()>,
    pub written: Result<()>,
    pub failed: usize,
}

/// NDJSON out: one result line per partner of `items`, in input order, scored on every core (the JSON is
/// serialized on the workers: writing the lines in order is all that is left to do in order).
pub fn ndjson(
    choice: &RulesChoice,
    items: impl Iterator<Item = Raw>,
    expected: Expected,
    out: &mut output::Stdout,
) -> Streamed {
    let json = |r: designate_engine::ScoreReport| r.to_json_line() + "\n";
    score_each(Scoring { choice, detail: Detail::Full }, items, expected, out, Ok(()), json, |out, line| {
        out.data(&line)
    })
}

/// The rules a stream is scored by, and how much of each report is built: the `detail` that what is written
/// reads (warnings are the same either way).
#[derive(Clone, Copy)]
pub struct Scoring<'a> {
    pub choice: &'a RulesChoice,
    pub detail: Detail,
}

/// Scores every partner of `items` (a portfolio as `portfolio::open` reads it) on every core, by `scoring`; `prepare` turns
/// each report into what is written (on the worker threads), `emit` writes it, in input order. Warnings and
/// failed partners go to stderr; the run stops early when stdout fails (`written` may already have) or its reader
/// goes away.
pub fn score_each<T: Send>(
    Scoring { choice, detail }: Scoring<'_>,
    items: impl Iterator<Item = Raw>,
    expected: Expected,
    out: &mut output::Stdout,
    mut written: Result<()>,
    prepare: impl Fn(designate_engine::ScoreReport) -> T + Sync,
    mut emit: impl FnMut(&mut output::Stdout, T) -> Result<()>,
) -> Streamed {
    let mut failed = 0usize;
    let mut met = portfolio::Met::default();
    let processed = portfolio::process_expecting(
        items,
        expected,
        |raw| {
            let (partner, places) = raw.parse_placed()?;
            let report = choice.score_with(&partner, detail)?;
            let warnings = warnings_of(places.as_deref(), &partner, &report);
            let id = report.partner.clone();
            Ok((prepare(report), warnings, id))
        },
        |raw, result| {
            // A partner met before fails here, in input order: the first of two is the one scored, whichever
            // thread scored it.
            let result = result.and_then(|(item, warnings, id)| met.first(&id, &raw.origin).map(|()| (item, warnings)));
            match result {
                Ok((item, warnings)) => {
                    for w in warnings {
                        output::warning(&w);
                    }
                    written = emit(out, item);
                }
                Err(error) => {
                    failed += 1;
                    output::error(&exit::message(&error));
                }
            }
            stop_when_unwritable(&written, out)
        },
    );
    Streamed { processed, written, failed }
}

/// The report's warnings, each at its place (`Places::warnings`): a partner from tables is warned about at the
/// table row the field comes from, any other (and a partner file given alone, without `places`) at its file and
/// field.
pub fn warnings_of(places: Option<&Places>, partner: &Partner, report: &designate_engine::ScoreReport) -> Vec<String> {
    match places {
        Some(places) => places.warnings(&partner.origin, report),
        None => Places::default().warnings(&partner.origin, report),
    }
}

/// Ends a streamed run early when stdout failed or its reader went away.
fn stop_when_unwritable(written: &Result<()>, out: &output::Stdout) -> Result<()> {
    if written.is_err() || out.closed() {
        return Err(anyhow::Error::new(Closed));
    }
    Ok(())
}

/// The exit status of a streamed run: a write error first, then the portfolio's own, then failed partners.
pub fn finish_stream(Streamed { processed, written, failed }: Streamed) -> Result<ExitCode> {
    written?;
    match processed {
        // The reader went away: the run ends as if it had been read.
        Err(e) if exit::is_closed(&e) => {}
        other => other?,
    }
    if failed > 0 {
        output::error(&format!("{failed} partner(s) could not be scored"));
    }
    Ok(exit::findings_if(failed > 0))
}
