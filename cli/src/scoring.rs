//! The scoring pipeline the commands share: one partner file read and checked, or a portfolio read, scored on
//! every core and written in input order, with its warnings placed and its failed partners counted.

use std::process::ExitCode;

use designate_engine::{score, Partner};

use crate::exit::{self, Failure};
use crate::output;
use crate::portfolio;
use crate::rules_dir::RulesChoice;

/// One partner file: a file that cannot be opened (or has no partner-file extension) means the command could
/// not run (exit 2); a file that does not validate is a partner that failed (exit 1).
pub fn load_partner(path: &std::path::Path) -> Result<Partner, Failure> {
    match std::fs::metadata(path) {
        Err(e) => return Err(Failure::could_not_run(format!("{}: cannot read file: {e}", path.display()))),
        // A FIFO or a device is never opened: reading one could wait forever or never end.
        Ok(meta) if !meta.is_file() => {
            return Err(Failure::could_not_run(format!(
                "{}: not a regular file but {}",
                path.display(),
                designate_engine::partner::file_kind(&meta.file_type())
            )))
        }
        Ok(_) => {}
    }
    if designate_engine::partner::Format::from_path(path).is_none() {
        return Err(Failure::could_not_run(format!(
            "{}: unsupported partner file extension\n  hint: use .yaml, .yml, .json or .toml",
            path.display()
        )));
    }
    Partner::load(path).map_err(|e| Failure::finding(e.to_string()))
}

/// The reader of our output went away: stop scoring, nobody reads the rest.
const CLOSED: &str = "output closed";

/// How a streamed run went: the portfolio's own outcome, stdout's, and how many partners failed.
pub struct Streamed {
    pub processed: Result<(), String>,
    pub written: Result<(), Failure>,
    pub failed: usize,
}

/// Scores every partner of the portfolio `input` on every core; `prepare` turns each report into what is written
/// (on the worker threads), `emit` writes it, in input order. Warnings and failed partners go to stderr; the run
/// stops early when stdout fails (`written` may already have) or its reader goes away.
pub fn score_each<T: Send>(
    choice: &RulesChoice,
    input: &std::path::Path,
    out: &mut output::Stdout,
    mut written: Result<(), Failure>,
    prepare: impl Fn(designate_engine::ScoreReport) -> T + Sync,
    mut emit: impl FnMut(&mut output::Stdout, T) -> Result<(), Failure>,
) -> Result<Streamed, Failure> {
    let mut failed = 0usize;
    let processed = portfolio::process_expecting(
        portfolio::open(input)?,
        portfolio::expected(input),
        |raw| {
            let partner = raw.parse()?;
            let rules = choice.for_partner(&partner)?;
            let report = score(rules, &partner).map_err(|e| e.to_string())?;
            let warnings = warnings_of(Some(raw), &partner, &report);
            Ok((prepare(report), warnings))
        },
        |_, result| {
            match result {
                Ok((item, warnings)) => {
                    for w in warnings {
                        output::warning(&w);
                    }
                    written = emit(out, item);
                }
                Err(message) => {
                    failed += 1;
                    output::error(&message);
                }
            }
            stop_when_unwritable(&written, out)
        },
    );
    Ok(Streamed { processed, written, failed })
}

/// The report's warnings, each at its place: a partner from tables is warned about at the CSV line the field
/// comes from, any other (and a partner file given alone, without a `raw`) at its file and field.
pub fn warnings_of(
    raw: Option<&portfolio::Raw>,
    partner: &Partner,
    report: &designate_engine::ScoreReport,
) -> Vec<String> {
    report
        .warnings
        .iter()
        .map(|w| match raw.and_then(|raw| raw.place_of(&w.field)) {
            Some(place) => w.render(place),
            None => w.render(&format!("{}: {}", partner.origin, w.field)),
        })
        .collect()
}

/// Ends a streamed run early when stdout failed or its reader went away.
fn stop_when_unwritable(written: &Result<(), Failure>, out: &output::Stdout) -> Result<(), String> {
    if written.is_err() || out.closed() {
        return Err(CLOSED.to_owned());
    }
    Ok(())
}

/// The exit status of a streamed run: a write error first, then the portfolio's own, then failed partners.
pub fn finish_stream(Streamed { processed, written, failed }: Streamed) -> Result<ExitCode, Failure> {
    written?;
    match processed {
        // The reader went away: the run ends as if it had been read.
        Err(e) if e == CLOSED => {}
        other => other?,
    }
    if failed > 0 {
        output::error(&format!("{failed} partner(s) could not be scored"));
    }
    Ok(exit::findings_if(failed > 0))
}
