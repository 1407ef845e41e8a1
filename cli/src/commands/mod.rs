//! One module per subcommand: each holds its clap arguments (their doc comments are its `--help`) and its `run`.
//! What several commands share (the output writer, the rules-folder choice, the portfolio readers, the scoring
//! pipeline, the renderers) lives beside this folder, in `cli/src/`.

pub mod bench;
pub mod check;
pub mod compare;
pub mod completions;
pub mod diff;
pub mod diff_rules;
pub mod gap;
pub mod generate;
pub mod import;
pub mod man;
pub mod schema;
pub mod score;
pub mod snapshot;
pub mod test;

/// Formats of commands that print either a report for people or JSON.
///
/// Every command names its format for people `text`, and takes `table` for it too (the name `score`, `compare`,
/// `gap` and `diff-rules` used first): one meaning of `--format` per kind of output.
#[derive(Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
pub enum TextFormat {
    /// For people.
    #[value(alias = "table")]
    Text,
    /// For programs.
    Json,
}
