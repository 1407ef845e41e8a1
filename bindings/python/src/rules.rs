//! Loading the rules a `designate.RuleSet` scores with: one rule version folder, or a rules root whose versions
//! are picked by each partner's `as_of`, as `designate score --rules` does (cli/src/rules_dir.rs). The messages
//! are the CLI's, so a problem reads the same in a notebook and in a terminal.

use std::path::{Path, PathBuf};

use designate_engine::rules::{overlapping_versions, RuleSource};
use designate_engine::{Detail, Partner, RuleSet, ScoreReport};

/// Loaded rules: one version for every partner, or every version of a root.
pub enum Rules {
    /// A rule version folder (`rules/2024-06`).
    Fixed(Box<RuleSet>),
    /// A rules root (`rules/`): each partner by the version in force at its `as_of`, each month of the
    /// qualification window by the version in force then. `root` names the folder in messages.
    ByDate { root: String, sets: Vec<RuleSet> },
}

/// What loading found: the rules, and the consistency lints to show as warnings (the CLI scores with them too).
pub struct Loaded {
    pub rules: Rules,
    pub lints: Vec<String>,
}

impl Rules {
    /// Loads `path`: a folder holding `program.toml` is one version, any other folder a root of versions.
    /// The error is every problem, one per line, as the CLI prints them.
    pub fn load(path: &Path) -> Result<Loaded, String> {
        let mut lints = Vec::new();
        if path.join("program.toml").is_file() {
            let set = load_one(path, &mut lints)?;
            return Ok(Loaded { rules: Rules::Fixed(Box::new(set)), lints });
        }
        let shown = path.display();
        if !path.is_dir() {
            return Err(format!("{shown}: no such rules folder"));
        }
        let entries = std::fs::read_dir(path).map_err(|e| format!("{shown}: cannot read folder: {e}"))?;
        let mut dirs: Vec<PathBuf> =
            entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.join("program.toml").is_file()).collect();
        if dirs.is_empty() {
            return Err(format!(
                "{shown}: neither a rule set (no program.toml) nor a folder of rule sets\n  hint: pass rules/ or rules/<version>"
            ));
        }
        dirs.sort();
        let sets = dirs.iter().map(|d| load_one(d, &mut lints)).collect::<Result<Vec<_>, _>>()?;
        // Two versions applying to one month would make the choice silently depend on folder order.
        let overlaps = overlapping_versions(&sets);
        if !overlaps.is_empty() {
            let mut text: Vec<String> = overlaps.iter().map(ToString::to_string).collect();
            text.push(format!(
                "{shown}: the versions' effective ranges overlap, so the version for a partner would be ambiguous\n  hint: `designate check {shown}` lists every problem of the root; or pass {}/<version> to use one version",
                shown.to_string().trim_end_matches('/')
            ));
            return Err(text.join("\n"));
        }
        Ok(Loaded { rules: Rules::ByDate { root: shown.to_string(), sets }, lints })
    }

    /// Every version loaded, oldest first.
    pub fn versions(&self) -> &[RuleSet] {
        match self {
            Rules::Fixed(set) => std::slice::from_ref(set),
            Rules::ByDate { sets, .. } => sets,
        }
    }

    /// Scores one validated partner, as `designate score` does; a partner no version of a root covers is refused
    /// in the CLI's words (cli/src/rules_dir.rs, `for_partner`).
    pub fn score(&self, partner: &Partner) -> Result<ScoreReport, String> {
        self.score_with(partner, Detail::Full)
    }

    /// [`Rules::score`] writing only the `detail` asked for: `score_tables` keeps only points, paths and
    /// qualification, as `designate score --format csv` does (issue 15).
    pub fn score_with(&self, partner: &Partner, detail: Detail) -> Result<ScoreReport, String> {
        let scored = match self {
            Rules::Fixed(set) => designate_engine::score_by_with(set.as_ref(), partner, detail),
            Rules::ByDate { root, sets } => {
                if !sets.iter().any(|s| s.applies_to(partner.as_of)) {
                    let ranges: Vec<String> = sets.iter().map(RuleSet::version_and_range).collect();
                    return Err(format!(
                        "{}: as_of: no rule version applies to as_of {} of partner \"{}\"\n  hint: versions in {root}: {}; pass {}/<version> to force one",
                        partner.origin,
                        partner.as_of,
                        partner.id,
                        ranges.join(", "),
                        root.trim_end_matches('/'),
                    ));
                }
                designate_engine::score_by_with(sets.as_slice(), partner, detail)
            }
        };
        scored.map_err(|e| e.to_string())
    }
}

/// One rule version folder; its consistency lints go to `lints`, its problems make the error.
fn load_one(dir: &Path, lints: &mut Vec<String>) -> Result<RuleSet, String> {
    match RuleSet::from_source_with_lints(&RuleSource::Dir(dir.to_owned())) {
        Ok((set, found)) => {
            lints.extend(found.iter().map(ToString::to_string));
            Ok(set)
        }
        Err(errors) => Err(designate_engine::rules::load_failure(dir, &errors).join("\n")),
    }
}
