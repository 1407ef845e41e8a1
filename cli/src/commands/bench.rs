//! `designate bench`: throughput of scoring against the floor of merely parsing the same input.
//!
//! The portfolio is generated in memory from the rule set as NDJSON lines (the bytes `designate generate --rules`
//! writes for the same rules, seed and month), then two stages
//! are timed over exactly those lines, handed to the portfolio pipeline as `designate score -` reads them (one
//! [`Raw`] line each): chunks of `portfolio::CHUNK` partners scored on rayon's pool, results consumed in input
//! order. Parse only turns every line into a validated [`Partner`] ([`portfolio::process`]); parse + score is `score -` itself
//! ([`scoring::ndjson`]: every designation scored, each result serialized to a JSON line and written in order),
//! with a counting sink in stdout's place. Each stage runs a few times and the best run is reported, since the slower ones
//! measure the machine's other work rather than ours. A third part shows how scoring cost grows with one
//! partner's customers, months of history and people, on a small sample of the same partners.

use std::cell::Cell;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Result};
use designate_engine::generate::Generator;
use designate_engine::partner::PartnerFile;
use designate_engine::value::Month;
use designate_engine::{score, Format, Partner, RuleSet};
use rayon::prelude::*;

use crate::portfolio::{self, Expected, Raw, Source};
use crate::rules_dir::{RulesArg, RulesChoice};
use crate::{exit, output, scoring};

/// Runs of each stage; the best is reported.
const RUNS: usize = 3;
/// Partners (the first of the portfolio) scaled for the growth table.
const SCALING_SAMPLE: usize = 16;
/// The factors each dimension is scaled by.
const FACTORS: [usize; 4] = [1, 2, 4, 8];

/// One generated partner: its NDJSON line and how many usage rows it has.
struct Line {
    text: String,
    rows: usize,
}

/// Measure throughput: partners and usage rows per second, against the time to merely parse the same input.
///
/// Generates a synthetic portfolio in memory (as `generate` would), then times parsing alone and parsing
/// plus scoring on every designation, on all cores.
#[derive(clap::Args)]
#[command(help_template = with_examples!("designate bench --partners 10000 --seed 7"))]
pub struct Args {
    /// How many partners.
    #[arg(long, value_name = "N", default_value_t = 2000)]
    partners: usize,
    /// The generator's seed.
    #[arg(long, value_name = "S", default_value_t = 7)]
    seed: u64,
    /// A rule set folder; default: the newest shipped version (the generated partners are as of its first month).
    #[arg(long, value_name = "DIR", env = "DESIGNATE_RULES")]
    rules: Option<PathBuf>,
    #[command(flatten)]
    output: output::OutputArg,
}

/// `designate bench`: the report on stdout (or -o FILE).
pub fn run(args: Args, rules_from_env: bool, out: &mut output::Stdout) -> Result<ExitCode> {
    out.redirect(&args.output, &[])?;
    let shipped = args.rules.is_none();
    let choice = RulesChoice::new(RulesArg::new(args.rules, rules_from_env))?;
    // The generated partners are as of one month: without --rules, the newest shipped version's (which then scores
    // them by date too); a root given explicitly is refused, since which version it means is not said.
    let rules = match choice.single() {
        Some(rules) => rules,
        None if shipped => choice.for_month(None).map_err(anyhow::Error::msg)?,
        None => return Err(anyhow!("bench needs one rule version: pass --rules rules/<version>")),
    };
    out.text(&report(args.partners, args.seed, &choice, rules)?)?;
    Ok(ExitCode::SUCCESS)
}

/// Runs the benchmark and returns its report.
fn report(partners: usize, seed: u64, choice: &RulesChoice, rules: &RuleSet) -> Result<String> {
    if partners == 0 {
        return Err(anyhow!("bench needs at least one partner: --partners N"));
    }
    // The month `generate` uses by default for these rules.
    let as_of: Month = rules.effective_until.unwrap_or(rules.effective_from);
    let generator = Generator::new(rules);

    let started = Instant::now();
    // Partner i depends only on (rules, i, seed, as_of), so generating in parallel gives the bytes `generate` writes.
    let lines: Vec<Line> = (0..partners)
        .into_par_iter()
        .map(|i| {
            let file = generator.partner(i, seed, as_of);
            Line { text: file.to_json_line(), rows: file.usage.len() }
        })
        .collect();
    let generated = started.elapsed();
    let rows: usize = lines.iter().map(|l| l.rows).sum();
    let bytes: usize = lines.iter().map(|l| l.text.len() + 1).sum();

    // The stages alternate, so that a burst of other work on the machine slows one run of each, not all of one.
    let mut parse_runs = Vec::with_capacity(RUNS);
    let mut score_runs = Vec::with_capacity(RUNS);
    let mut output = Output::default();
    for _ in 0..RUNS {
        let (run, parsed_rows) = measured(|| parse_only(&lines))?;
        if parsed_rows != rows {
            return Err(anyhow!("bench: parsing saw {parsed_rows} usage rows, the generator wrote {rows}"));
        }
        parse_runs.push(run);
        let (run, out) = measured(|| parse_and_score(&lines, choice))?;
        score_runs.push(run);
        output = out;
    }
    let parse_best = fastest(&parse_runs);
    let score_best = fastest(&score_runs);

    let mut r = String::new();
    let _ = writeln!(
        r,
        "designate bench: {} partners, seed {seed}, as of {as_of}, rules {} ({} designations)",
        grouped(partners),
        rules.version,
        rules.designations.len()
    );
    let _ = writeln!(
        r,
        "input    {} NDJSON lines, {} usage rows, {} bytes (generated in memory in {:.1} s)",
        grouped(partners),
        grouped(rows),
        grouped(bytes),
        generated.as_secs_f64()
    );
    let _ = writeln!(
        r,
        "threads  {} (rayon); chunks of {} partners, results in input order; best of {RUNS} runs (by wall time)",
        rayon::current_num_threads(),
        portfolio::CHUNK
    );
    let _ = writeln!(r);
    let _ = writeln!(
        r,
        "{:<26} {:>9}  {:<22} {:>8} {:>11} {:>14} {:>8}",
        "stage", "wall (s)", "runs (s)", "CPU (s)", "partners/s", "usage rows/s", "MB/s"
    );
    for (name, runs, best) in
        [("parse only", &parse_runs, parse_best), ("parse + score + JSON line", &score_runs, score_best)]
    {
        let secs = best.wall.as_secs_f64();
        let all: Vec<String> = runs.iter().map(|run| format!("{:.3}", run.wall.as_secs_f64())).collect();
        let _ = writeln!(
            r,
            "{:<26} {:>9.3}  {:<22} {:>8} {:>11} {:>14} {:>8.1}",
            name,
            secs,
            all.join(" "),
            best.cpu.map_or("-".to_owned(), |cpu| format!("{:.3}", cpu.as_secs_f64())),
            grouped((partners as f64 / secs) as usize),
            grouped((rows as f64 / secs) as usize),
            bytes as f64 / 1e6 / secs
        );
    }
    let _ = writeln!(r);
    let _ = write!(r, "score / parse  {:.2}x wall", score_best.wall.as_secs_f64() / parse_best.wall.as_secs_f64());
    if let (Some(score_cpu), Some(parse_cpu)) = (score_best.cpu, parse_best.cpu) {
        let _ = write!(r, ", {:.2}x CPU", score_cpu.as_secs_f64() / parse_cpu.as_secs_f64());
    }
    let _ = writeln!(r);
    let _ = writeln!(r, "output         {} result lines, {} bytes", grouped(output.lines), grouped(output.bytes));
    let _ = writeln!(r);
    r.push_str(&scaling(&generator, seed, rules, as_of)?);
    Ok(r)
}

/// Runs `f` once and times it.
fn timed<T>(f: impl FnOnce() -> Result<T>) -> Result<(Duration, T)> {
    let started = Instant::now();
    let value = f()?;
    Ok((started.elapsed(), value))
}

/// One run of a stage: wall time, and the CPU time all the process's threads spent in it when the system says.
#[derive(Clone, Copy)]
struct Run {
    wall: Duration,
    cpu: Option<Duration>,
}

/// Runs `f` once, timing its wall and CPU time.
fn measured<T>(f: impl FnOnce() -> Result<T>) -> Result<(Run, T)> {
    let cpu_before = cpu_time();
    let (wall, value) = timed(f)?;
    let cpu = cpu_before.zip(cpu_time()).map(|(before, after)| after.saturating_sub(before));
    Ok((Run { wall, cpu }, value))
}

/// The run with the least wall time.
fn fastest(runs: &[Run]) -> Run {
    runs.iter().copied().min_by_key(|run| run.wall).unwrap_or(Run { wall: Duration::ZERO, cpu: None })
}

/// CPU time used so far by the process's live threads (rayon's workers live as long as the process): the sum of
/// the first field of each `/proc/self/task/*/schedstat`, in nanoseconds. `None` where there is no such file.
/// On a machine shared with other work this shows what the stages cost even when the wall time does not.
fn cpu_time() -> Option<Duration> {
    let mut total = 0u64;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let Ok(text) = std::fs::read_to_string(task.ok()?.path().join("schedstat")) else { continue };
        total += text.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(Duration::from_nanos(total))
}

/// The generated lines as `score -` reads them from stdin: one [`Raw`] NDJSON line each, numbered from 1.
fn raw_lines(lines: &[Line]) -> impl Iterator<Item = Raw> + '_ {
    lines.iter().enumerate().map(|(i, line)| Raw {
        origin: format!("<stdin>:{}", i + 1),
        line: Some(i + 1),
        source: Source::Line(line.text.clone()),
    })
}

fn parse(line: &str) -> Result<Partner> {
    Partner::parse(line, Format::Json, "<stdin>").map_err(|e| anyhow!(e.to_string()))
}

/// Parses every line into a partner (dropped on its worker, as `score -` does); returns the usage rows seen.
fn parse_only(lines: &[Line]) -> Result<usize> {
    let mut rows = 0;
    portfolio::process_expecting(
        raw_lines(lines),
        Expected::Partners(lines.len()),
        |raw| raw.parse().map(|p| p.usage.len()),
        |_, n| {
            rows += n?;
            Ok(())
        },
    )?;
    Ok(rows)
}

/// What the scoring stage wrote.
#[derive(Default)]
struct Output {
    lines: usize,
    bytes: usize,
}

/// A writer that keeps nothing and counts the lines and bytes written to it, for the scoring stage's output.
#[derive(Clone, Default)]
struct Counter(Rc<Cell<(usize, usize)>>);

impl std::io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let (lines, bytes) = self.0.get();
        self.0.set((lines + buf.iter().filter(|&&b| b == b'\n').count(), bytes + buf.len()));
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `designate score -` on the lines: the same pipeline ([`scoring::ndjson`]), writing to a counting sink through
/// the same buffered writer as stdout. A partner that fails or a write that fails ends the bench.
fn parse_and_score(lines: &[Line], choice: &RulesChoice) -> Result<Output> {
    let counter = Counter::default();
    let mut out = output::Stdout::to(counter.clone());
    let run = scoring::ndjson(choice, raw_lines(lines), Expected::Partners(lines.len()), &mut out);
    if scoring::finish_stream(run)? != exit::findings_if(false) {
        return Err(anyhow!("bench: generated partners could not be scored"));
    }
    out.finish()?;
    let (lines, bytes) = counter.0.get();
    Ok(Output { lines, bytes })
}

// ------------------------------------------------------------------ scaling

/// A dimension of one partner that the growth table scales.
#[derive(Clone, Copy)]
enum Dimension {
    Customers,
    Months,
    People,
}

impl Dimension {
    fn name(self) -> &'static str {
        match self {
            Dimension::Customers => "customers",
            Dimension::Months => "months",
            Dimension::People => "people",
        }
    }
}

/// How parse and score time per partner grow when the sample's customers, months of history or people are
/// multiplied, timed on one thread so that the figures are cost, not parallelism.
fn scaling(generator: &Generator, seed: u64, rules: &RuleSet, as_of: Month) -> Result<String> {
    // The first partners of the portfolio, generated again (partner i depends only on i).
    let sample: Vec<PartnerFile> = (0..SCALING_SAMPLE).map(|i| generator.partner(i, seed, as_of)).collect();
    let mut r = String::new();
    let _ = writeln!(
        r,
        "scaling: the first {} partners with one dimension multiplied; one thread, best of {RUNS} runs, per partner",
        sample.len()
    );
    let _ = writeln!(
        r,
        "{:<10} {:>6} {:>8} {:>9} {:>10} {:>10} {:>12} {:>12}",
        "dimension", "factor", "rows", "people", "parse (us)", "score (us)", "score ns/row", "score vs x1"
    );
    // Every variant is parsed once to count it, then timed in rounds (each round times every variant once), so
    // that a burst of other work slows one run of each variant rather than every run of one.
    struct Variant {
        dimension: Dimension,
        factor: usize,
        texts: Vec<String>,
        rows: usize,
        people: usize,
        parse: Duration,
        score: Duration,
    }
    let mut variants = Vec::new();
    for dimension in [Dimension::Customers, Dimension::Months, Dimension::People] {
        for factor in FACTORS {
            let texts: Vec<String> =
                sample.iter().map(|p| scaled(p, dimension, factor, as_of).to_json_line()).collect();
            let partners = texts.iter().map(|t| parse(t)).collect::<Result<Vec<Partner>>>()?;
            let rows = partners.iter().map(|p| p.usage.len()).sum();
            let people = partners.iter().map(|p| p.people.len()).sum();
            variants.push(Variant {
                dimension,
                factor,
                texts,
                rows,
                people,
                parse: Duration::MAX,
                score: Duration::MAX,
            });
        }
    }
    for _ in 0..RUNS {
        for v in &mut variants {
            let (elapsed, partners) = timed(|| v.texts.iter().map(|t| parse(t)).collect::<Result<Vec<Partner>>>())?;
            v.parse = v.parse.min(elapsed);
            let (elapsed, ()) = timed(|| {
                for p in &partners {
                    score(rules, p).map_err(|e| anyhow!(e.to_string()))?;
                }
                Ok(())
            })?;
            v.score = v.score.min(elapsed);
        }
    }
    let n = sample.len() as f64;
    let mut base_us = 0.0;
    for v in &variants {
        let parse_us = v.parse.as_secs_f64() * 1e6 / n;
        let score_us = v.score.as_secs_f64() * 1e6 / n;
        if v.factor == 1 {
            base_us = score_us;
        }
        let _ = writeln!(
            r,
            "{:<10} {:>6} {:>8} {:>9} {:>10.0} {:>10.0} {:>12.0} {:>11.2}x",
            v.dimension.name(),
            format!("x{}", v.factor),
            grouped(v.rows / sample.len()),
            grouped(v.people / sample.len()),
            parse_us,
            score_us,
            score_us * 1e3 / (v.rows as f64 / n).max(1.0),
            score_us / base_us
        );
    }
    Ok(r)
}

/// A copy of partner `p` with one dimension multiplied by `factor`:
/// customers are repeated under new ids with all their usage; months repeat the whole history further back in
/// time (so the trailing windows see the same data and the older history grows); people are repeated under
/// new ids with their certifications.
fn scaled(p: &PartnerFile, dimension: Dimension, factor: usize, as_of: Month) -> PartnerFile {
    let mut out = p.clone();
    let copy_id = |id: &str, k: usize| if k == 0 { id.to_owned() } else { format!("{id}~{k}") };
    match dimension {
        Dimension::Customers => {
            if let Some(customers) = out.customers.as_mut() {
                *customers = repeat(customers, factor, |c, k| c.id = copy_id(&c.id, k));
            }
            out.usage = repeat(&out.usage, factor, |row, k| row.customer = copy_id(&row.customer, k));
        }
        Dimension::Months => {
            let earliest = p.usage.iter().map(|row| row.month).min().unwrap_or(as_of);
            let span = as_of.since(earliest) + 1;
            out.usage = repeat(&out.usage, factor, |row, k| row.month = row.month.offset(-span * k as i32));
        }
        Dimension::People => {
            out.people = repeat(&out.people, factor, |person, k| person.id = copy_id(&person.id, k));
        }
    }
    out
}

/// `factor` copies of `items`, copy `k` passed through `edit`.
fn repeat<T: Clone>(items: &[T], factor: usize, edit: impl Fn(&mut T, usize)) -> Vec<T> {
    let mut out = Vec::with_capacity(items.len() * factor);
    for k in 0..factor {
        for item in items {
            let mut item = item.clone();
            edit(&mut item, k);
            out.push(item);
        }
    }
    out
}

/// A count with thousands separators, as explanations write numbers (`1,234,567`).
fn grouped(n: usize) -> String {
    designate_engine::explain::grouped(rust_decimal::Decimal::from(n))
}
