//! `designate`: the command line over the engine — arguments, files, streams and terminal output.
//!
//! The engine does the scoring; this binary finds the rule set, reads partners, picks an output format
//! and turns errors into located messages on stderr with a non-zero exit status. Each subcommand is a module
//! of `commands/` (its arguments and its `run`); this file holds the list of them, the dispatch and the exit
//! status of a failure.
#![forbid(unsafe_code)]
// The doc comments of the argument structs are `--help` text, where `<key>` is a placeholder, not an HTML tag.
#![allow(rustdoc::invalid_html_tags)]

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use commands::{
    bench, check, compare, completions, diff, diff_rules, gap, generate, import, man, schema, score, snapshot, test,
};

/// A subcommand's help template with its examples. The examples are literal template text, which clap prints
/// as written: a command is never wrapped mid-way, however narrow the terminal (the prose above still wraps).
macro_rules! with_examples {
    ($($line:literal),+ $(,)?) => {
        concat!(
            "{before-help}{about-with-newline}\n{usage-heading} {usage}\n\n{all-args}{after-help}\n\nExamples:\n",
            $("  ", $line, "\n"),+
        )
    };
}

/// The allocator (issue 15): scoring allocates many small maps and strings per partner; with glibc's malloc
/// they were about 30 % of `score -`'s CPU time (docs/performance-rounds.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod columnar_tables;
mod commands;
mod diagnostics;
mod exit;
mod exports;
mod html;
mod output;
mod overrides;
mod portfolio;
mod render;
mod rules_dir;
mod scoring;
mod tables;
mod tables_out;

/// The exit statuses, from `exit.rs`; lines short enough not to wrap on a 60-column terminal.
const EXIT_STATUS: &str = "\
Exit status:
  0  success
  1  findings: differences (diff, diff-rules), problems
     (check), failing rule tests (test), partners that
     could not be scored or a partner file that does not
     validate
  2  could not run: missing or unreadable input, bad
     arguments, rules that do not load, output that
     cannot be written";

/// Score partners against Microsoft Solutions Partner designation rules.
///
/// Rules are folders of TOML files under rules/<version>/; the engine interprets them and knows no
/// designation by name. Every output names the rule version and the digest of its files. Without --rules,
/// a rules/ folder in the working directory or beside the binary is used, else the rules built into the
/// binary (`designate --version` lists them).
#[derive(Parser)]
#[command(name = "designate", version, about, long_about = None, propagate_version = true, after_help = EXIT_STATUS)]
struct Cli {
    /// No progress or info lines on stderr (`ok: ...`, `wrote ...`); warnings, errors and the output itself
    /// still print.
    #[arg(short = 'q', long, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

/// The subcommands, each a module of `commands/` whose `Args` carry its help text.
#[derive(Subcommand)]
enum Command {
    Score(score::Args),
    Check(check::Args),
    Compare(compare::Args),
    DiffRules(diff_rules::Args),
    Snapshot(snapshot::Args),
    Diff(diff::Args),
    Generate(generate::Args),
    Gap(gap::Args),
    Import(import::Args),
    Bench(bench::Args),
    Schema(schema::Args),
    Test(test::Args),
    Completions(completions::Args),
    Man(man::Args),
}

fn main() -> ExitCode {
    // Transparent huge pages off for this process (issue 15): where the system gives them to every allocation
    // (`always`), each fault of the allocator's memory zeroes 2 MiB; that was 9 to 19 % of a Parquet run's
    // samples, with a third more peak memory (docs/performance-rounds.md). Best effort: a kernel without the flag
    // leaves things as they were.
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
    let mut command = Cli::command();
    // The long `--version` names the built-in rule versions and their digests, which takes compiling them: only
    // when `--version` is asked for (`-V` stays short). A value that merely reads `--version` costs that time
    // and nothing else. Leaked: clap keeps the text for the rest of a process that is about to print it and end.
    if std::env::args_os().skip(1).any(|a| a == "--version") {
        command = command.long_version(&*Box::leak(rules_dir::long_version().into_boxed_str()));
    }
    let parsed = command.try_get_matches().and_then(|m| Cli::from_arg_matches(&m).map(|cli| (cli, m)));
    let (cli, matches) = match parsed {
        Ok(parsed) => parsed,
        // clap's messages quote the arguments, raw on a terminal: when one holds a control character, the
        // message goes out as plain text (clap strips escape sequences from it), escaped.
        Err(e)
            if e.use_stderr() && std::env::args_os().any(|a| a.to_string_lossy().chars().any(|c| c.is_control())) =>
        {
            output::diag(e.to_string().trim_end());
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(exit::COULD_NOT_RUN));
        }
        Err(e) => e.exit(),
    };
    output::set_quiet(cli.quiet);
    let mut out = output::Stdout::new();
    // Everything printed is flushed before the exit status is decided: a write that fails late still fails.
    // `--rules` may come from DESIGNATE_RULES: messages about a bad folder must then name the variable.
    let rules_from_env = rules_dir::rules_from_env(&matches);
    let result = run(cli.command, rules_from_env, &mut out).and_then(|code| out.finish().map(|()| code));
    match result {
        Ok(code) => code,
        Err(error) => {
            // What was written before the failure (a compare table before an unwritable --html) still goes out;
            // a file of `-o` is left as it was.
            out.abandon();
            output::error(&exit::message(&error));
            exit::code(&error)
        }
    }
}

fn run(command: Command, rules_from_env: bool, out: &mut output::Stdout) -> anyhow::Result<ExitCode> {
    match command {
        Command::Score(args) => score::run(args, rules_from_env, out),
        Command::Check(args) => check::run(args, out),
        Command::Compare(args) => compare::run(args, out),
        Command::DiffRules(args) => diff_rules::run(args, out),
        Command::Snapshot(args) => snapshot::run(args, rules_from_env),
        Command::Diff(args) => diff::run(args, out),
        Command::Generate(args) => generate::run(args, rules_from_env, out),
        Command::Gap(args) => gap::run(args, rules_from_env, out),
        Command::Import(args) => import::run(args, rules_from_env, out),
        Command::Bench(args) => bench::run(args, rules_from_env, out),
        Command::Schema(args) => schema::run(args, out),
        Command::Test(args) => test::run(args, out),
        Command::Completions(args) => completions::run(args, out),
        Command::Man(args) => man::run(args, out),
    }
}
