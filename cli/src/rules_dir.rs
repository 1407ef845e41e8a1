//! Finding rule sets: an explicit folder, a rules root chosen by the partner's `as_of`, or the shipped default (the
//! shipped root, chosen the same way).
//!
//! The shipped default is a `rules/` folder in the working directory or beside the binary when there is one (a
//! checkout, where rule authors edit the files), else the rule sets embedded in the binary at build time
//! (`cli/build.rs`), named `<built-in>/rules/<version>` in messages: an installed binary works anywhere.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context as _, Result};
use designate_engine::rules::RuleSource;
use designate_engine::value::Month;
use designate_engine::{Detail, Error, Partner, RuleSet};

/// What the user said about rules.
pub enum RulesArg {
    /// Nothing: the shipped `rules/` as a root, each partner scored by the version in force at its `as_of`.
    Default,
    /// A rule set folder or a rules root, and whether it came from `DESIGNATE_RULES` rather than `--rules`.
    Path { path: PathBuf, from_env: bool },
}

/// The environment variable `--rules` falls back to.
pub const RULES_ENV: &str = "DESIGNATE_RULES";

impl RulesArg {
    /// `--rules` as clap parsed it; `from_env` when clap took the value from `DESIGNATE_RULES`.
    pub fn new(p: Option<PathBuf>, from_env: bool) -> RulesArg {
        p.map_or(RulesArg::Default, |path| RulesArg::Path { path, from_env })
    }
}

/// Whether the subcommand's `--rules` value came from the environment, not the command line. clap's `env`
/// fills the value in silently; a message about a bad folder must name the variable, or the user looks for
/// a `--rules` they never typed.
pub fn rules_from_env(matches: &clap::ArgMatches) -> bool {
    matches.subcommand().is_some_and(|(_, m)| {
        m.ids().any(|id| id.as_str() == "rules")
            && m.value_source("rules") == Some(clap::parser::ValueSource::EnvVariable)
    })
}

/// Loaded rules and how to pick one for a partner.
pub enum RulesChoice {
    /// One rule set for every partner.
    Fixed(Box<RuleSet>),
    /// Every version of a root; each partner gets the version whose effective range holds its `as_of`.
    ByDate { root: PathBuf, sets: Vec<RuleSet> },
}

impl RulesChoice {
    pub fn new(arg: RulesArg) -> Result<RulesChoice> {
        match arg {
            // Every shipped version, each partner by its as_of: a partner of 2023 is scored by the rules of 2023,
            // not by the newest (issue 13).
            RulesArg::Default => match shipped_root() {
                Some(root) => {
                    let shown = root.display().to_string();
                    RulesChoice::at(root, &shown, "--rules")
                }
                None => RulesChoice::built_in(),
            },
            RulesArg::Path { path, from_env } => {
                let shown =
                    if from_env { format!("{RULES_ENV}={}", path.display()) } else { path.display().to_string() };
                let flag = if from_env { RULES_ENV } else { "--rules" };
                let choice = RulesChoice::at(path, &shown, flag);
                // Whatever went wrong, say where the folder came from: nothing on the command line names it.
                choice.map_err(|e| {
                    let text = format!("{e:#}");
                    match from_env && !text.contains(RULES_ENV) {
                        true => anyhow!("{text}\n  hint: the rules folder comes from the environment: {shown}"),
                        false => e,
                    }
                })
            }
        }
    }

    /// A rule set folder, or a rules root whose versions must not overlap; `shown` names it in messages and
    /// `flag` is how it was given.
    fn at(path: PathBuf, shown: &str, flag: &str) -> Result<RulesChoice> {
        if path.join("program.toml").is_file() {
            return Ok(RulesChoice::Fixed(Box::new(load(&path)?)));
        }
        let sets = version_dirs(&path, shown, flag)?.iter().map(|d| load(d)).collect::<Result<Vec<_>, _>>()?;
        // Two versions applying to one month would make the choice silently depend on folder order.
        let overlaps = designate_engine::rules::overlapping_versions(&sets);
        if !overlaps.is_empty() {
            let mut text: Vec<String> = overlaps.iter().map(ToString::to_string).collect();
            text.push(format!(
                "{shown}: the versions' effective ranges overlap, so the version for a partner would be ambiguous\n  hint: `designate check {}` lists every problem of the root; or {} one version",
                path.display(),
                one_version(flag, &path)
            ));
            return Err(anyhow!(text.join("\nerror: ")));
        }
        Ok(RulesChoice::ByDate { root: path, sets })
    }

    /// The rule sets embedded in the binary, each partner by its `as_of` (as for a rules root on disk).
    fn built_in() -> Result<RulesChoice> {
        let sets = built_in_sets()?;
        if sets.is_empty() {
            return Err(anyhow!(
                "cannot find the shipped rules/ folder, and this binary was built without rules\n  hint: pass --rules DIR or set DESIGNATE_RULES"
            ));
        }
        let overlaps = designate_engine::rules::overlapping_versions(&sets);
        if !overlaps.is_empty() {
            let text: Vec<String> = overlaps.iter().map(ToString::to_string).collect();
            return Err(anyhow!("{}\n  hint: pass --rules DIR or set DESIGNATE_RULES", text.join("\nerror: ")));
        }
        Ok(RulesChoice::ByDate { root: PathBuf::from(BUILT_IN), sets })
    }

    /// The one rule set, unless versions are chosen by date.
    pub fn single(&self) -> Option<&RuleSet> {
        match self {
            RulesChoice::Fixed(set) => Some(set),
            RulesChoice::ByDate { .. } => None,
        }
    }

    /// The rule set in effect in `month` (for a root), or the one rule set; with no month, the newest version.
    pub fn for_month(&self, month: Option<Month>) -> Result<&RuleSet, String> {
        match (self, month) {
            (RulesChoice::Fixed(set), _) => Ok(set),
            (RulesChoice::ByDate { root, sets }, None) => sets
                .iter()
                .max_by_key(|s| s.effective_from)
                .ok_or_else(|| format!("{}: no rule set found", root.display())),
            (RulesChoice::ByDate { root, sets }, Some(month)) => {
                sets.iter().rev().find(|s| s.applies_to(month)).ok_or_else(|| {
                    let ranges: Vec<String> = sets.iter().map(RuleSet::version_and_range).collect();
                    format!(
                        "{}: no rule version applies to {month}\n  hint: versions here: {}",
                        root.display(),
                        ranges.join(", ")
                    )
                })
            }
        }
    }

    /// The rule set that scores `partner`.
    pub fn for_partner(&self, partner: &Partner) -> Result<&RuleSet> {
        match self {
            RulesChoice::Fixed(set) => Ok(set),
            RulesChoice::ByDate { root, sets } => sets.iter().rev().find(|s| s.applies_to(partner.as_of)).ok_or_else(|| {
                let ranges: Vec<String> = sets.iter().map(RuleSet::version_and_range).collect();
                // Located at the partner's as_of: the partner, not the rules, is what no version covers. The
                // built-in rules are no folder to name: any rule folder on disk can be forced instead.
                let force = match is_built_in(root) {
                    true => "pass --rules DIR (a rule version folder) to force one".to_owned(),
                    false => format!("pass --rules {}/<version> to force one", root.display().to_string().trim_end_matches('/')),
                };
                anyhow!(
                    "{}: as_of: no rule version applies to as_of {} of partner \"{}\"\n  hint: versions in {}: {}; {force}",
                    partner.origin,
                    partner.as_of,
                    partner.id,
                    root.display(),
                    ranges.join(", "),
                )
            }),
        }
    }
}

impl RulesChoice {
    /// Scores `partner`: by the one rule set, or, for a root, `as_of` and each month of the qualification window
    /// by the version in force that month. A partner whose `as_of` no version covers is refused as
    /// [`RulesChoice::for_partner`] words it.
    pub fn score(&self, partner: &Partner) -> Result<designate_engine::ScoreReport> {
        self.score_with(partner, Detail::Full)
    }

    /// [`RulesChoice::score`] writing only the `detail` asked for: flat results (`--format csv`, `parquet`)
    /// need only points, paths and qualification (issue 15).
    pub fn score_with(&self, partner: &Partner, detail: Detail) -> Result<designate_engine::ScoreReport> {
        let scored = match self {
            RulesChoice::Fixed(set) => designate_engine::score_by_with(set.as_ref(), partner, detail),
            RulesChoice::ByDate { sets, .. } => {
                self.for_partner(partner)?;
                designate_engine::score_by_with(sets.as_slice(), partner, detail)
            }
        };
        scored.map_err(|e| anyhow!(e.to_string()))
    }
}

fn load(dir: &Path) -> Result<RuleSet> {
    load_for_scoring(dir)
        .map_err(|errors| anyhow!(designate_engine::rules::load_failure(dir, &errors).join("\nerror: ")))
}

/// Loads a rule set folder to score with: a consistency lint (maxima that do not add up, a cap never reached, a
/// folder named unlike its version, as in a draft copy) is printed as a warning and the rule set is used;
/// `designate check` still reports it as an error.
pub fn load_for_scoring(dir: &Path) -> Result<RuleSet, Vec<Error>> {
    let (rules, lints) = RuleSet::from_source_with_lints(&RuleSource::Dir(dir.to_owned()))?;
    for lint in lints {
        crate::output::warning(&lint.to_string());
    }
    Ok(rules)
}

/// The rule set folders a path stands for: itself when it is one, else the versions inside it.
pub fn rule_set_dirs(path: &Path) -> Result<Vec<PathBuf>> {
    if path.join("program.toml").is_file() {
        return Ok(vec![path.to_owned()]);
    }
    version_dirs(path, &path.display().to_string(), "--rules")
}

/// The versions inside a rules root; `shown` names the root in messages, `flag` is how it was given.
fn version_dirs(path: &Path, shown: &str, flag: &str) -> Result<Vec<PathBuf>> {
    if !path.is_dir() {
        return Err(anyhow!("{shown}: no such rules folder"));
    }
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(path)
        .with_context(|| format!("{shown}: cannot read folder"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("program.toml").is_file())
        .collect();
    if dirs.is_empty() {
        return Err(anyhow!(
            "{shown}: neither a rule set (no program.toml) nor a folder of rule sets\n  hint: point {flag} at rules/ or at rules/<version>"
        ));
    }
    dirs.sort();
    Ok(dirs)
}

/// The shipped `rules/` folder on disk: in the working directory, beside the binary, or in the workspace the
/// binary was built in (`target/release/designate`); `None` when there is none, and the embedded rules are used.
/// The folder the binary was built from is deliberately not a candidate: a copied or installed binary uses what
/// it carries, not whatever the build folder holds later.
pub fn shipped_root() -> Option<PathBuf> {
    let mut candidates = vec![PathBuf::from("rules")];
    if let Some(dir) = std::env::current_exe().ok().as_deref().and_then(Path::parent) {
        candidates.push(dir.join("rules"));
        // target/release/designate → the workspace root is two folders up.
        if let Some(ws) = dir.parent().and_then(Path::parent) {
            candidates.push(ws.join("rules"));
        }
    }
    candidates.into_iter().find(|c| rule_set_dirs(c).is_ok())
}

/// Where the embedded rules are said to live: `<built-in>/rules/<version>` in messages, never a real folder.
pub const BUILT_IN: &str = "<built-in>/rules";

/// The shipped rule sets as `cli/build.rs` embedded them: `(version folder name, [(relative path, bytes)])`.
mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));
}

/// Whether a rule set was loaded from the rules embedded in the binary (its folder cannot be passed to `--rules`).
pub fn is_built_in(dir: &Path) -> bool {
    dir.starts_with(BUILT_IN)
}

/// The embedded rule sets as sources, by version name: `<built-in>/rules/<version>` and their files.
pub fn built_in_sources() -> Vec<RuleSource> {
    embedded::EMBEDDED
        .iter()
        .map(|(version, files)| RuleSource::Files {
            root: Path::new(BUILT_IN).join(version),
            files: files.iter().map(|(name, bytes)| ((*name).to_owned(), bytes.to_vec())).collect(),
        })
        .collect()
}

/// The embedded rule sets, loaded (their consistency lints as warnings, as for a folder).
fn built_in_sets() -> Result<Vec<RuleSet>> {
    built_in_sources()
        .iter()
        .map(|source| {
            let (rules, lints) = RuleSet::from_source_with_lints(source).map_err(|errors| {
                let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
                anyhow!(
                    "{}\n  hint: the rules built into this binary do not load; pass --rules DIR",
                    text.join("\nerror: ")
                )
            })?;
            for lint in lints {
                crate::output::warning(&lint.to_string());
            }
            Ok(rules)
        })
        .collect()
}

/// The long `--version`: the tool's version, then each embedded rule version with its effective range and digest
/// (one line each). Computed only when `--version` is asked for: it compiles every embedded rule set.
pub fn long_version() -> String {
    let mut text = env!("CARGO_PKG_VERSION").to_owned();
    for source in built_in_sources() {
        let line = match RuleSet::from_source(&source) {
            Ok(rules) => {
                let until = rules.effective_until.map(|u| format!(" {u}")).unwrap_or_default();
                format!("rules: {} ({} …{until}) {}", rules.version, rules.effective_from, rules.digest)
            }
            Err(errors) => format!("rules: {}: does not load ({} problem(s))", source.root().display(), errors.len()),
        };
        text.push('\n');
        text.push_str(&line);
    }
    if embedded::EMBEDDED.is_empty() {
        text.push_str("\nrules: none built in");
    }
    text
}

/// How to force one version of the root `root`, in the words of how the root was given.
fn one_version(flag: &str, root: &Path) -> String {
    let target = format!("{}/<version>", root.display().to_string().trim_end_matches('/'));
    if flag == RULES_ENV {
        format!("set {RULES_ENV}={target} to use")
    } else {
        format!("pass {flag} {target} to use")
    }
}
