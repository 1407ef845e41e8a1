//! Finding rule sets: an explicit folder, a rules root chosen by the partner's `as_of`, or the shipped default.

use std::path::{Path, PathBuf};

use designate_engine::{Partner, RuleSet};

/// What the user said about rules.
pub enum RulesArg {
    /// Nothing: the newest version under the shipped `rules/`.
    Default,
    /// A rule set folder or a rules root.
    Path(PathBuf),
}

impl RulesArg {
    pub fn from_option(p: Option<PathBuf>) -> RulesArg {
        p.map_or(RulesArg::Default, RulesArg::Path)
    }
}

/// Loaded rules and how to pick one for a partner.
pub enum RulesChoice {
    /// One rule set for every partner.
    Fixed(Box<RuleSet>),
    /// Every version of a root; each partner gets the version whose effective range holds its `as_of`.
    ByDate { root: PathBuf, sets: Vec<RuleSet> },
}

impl RulesChoice {
    pub fn new(arg: RulesArg) -> Result<RulesChoice, String> {
        match arg {
            RulesArg::Default => {
                let root = shipped_root()?;
                let newest =
                    rule_set_dirs(&root)?.pop().ok_or_else(|| format!("{}: no rule set found", root.display()))?;
                Ok(RulesChoice::Fixed(Box::new(load(&newest)?)))
            }
            RulesArg::Path(p) if p.join("program.toml").is_file() => Ok(RulesChoice::Fixed(Box::new(load(&p)?))),
            RulesArg::Path(root) => {
                let sets = rule_set_dirs(&root)?.iter().map(|d| load(d)).collect::<Result<Vec<_>, _>>()?;
                Ok(RulesChoice::ByDate { root, sets })
            }
        }
    }

    /// The one rule set, unless versions are chosen by date.
    pub fn single(&self) -> Option<&RuleSet> {
        match self {
            RulesChoice::Fixed(set) => Some(set),
            RulesChoice::ByDate { .. } => None,
        }
    }

    /// The rule set that scores `partner`.
    pub fn for_partner(&self, partner: &Partner) -> Result<&RuleSet, String> {
        match self {
            RulesChoice::Fixed(set) => Ok(set),
            RulesChoice::ByDate { root, sets } => sets.iter().rev().find(|s| s.applies_to(partner.as_of)).ok_or_else(|| {
                let ranges: Vec<String> = sets
                    .iter()
                    .map(|s| match s.effective_until {
                        Some(u) => format!("{} ({} to {u})", s.version, s.effective_from),
                        None => format!("{} (from {})", s.version, s.effective_from),
                    })
                    .collect();
                format!(
                    "{}: no rule version applies to as_of {} of partner \"{}\"\n  hint: versions here: {}; pass --rules {}/<version> to force one",
                    root.display(),
                    partner.as_of,
                    partner.id,
                    ranges.join(", "),
                    root.display().to_string().trim_end_matches('/')
                )
            }),
        }
    }
}

fn load(dir: &Path) -> Result<RuleSet, String> {
    RuleSet::load(dir).map_err(|errors| {
        let mut text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        text.push(format!(
            "the rule set {} has {} problem(s); `designate check {}` lists them",
            dir.display(),
            errors.len(),
            dir.display()
        ));
        text.join("\nerror: ")
    })
}

/// The rule set folders a path stands for: itself when it is one, else the versions inside it.
pub fn rule_set_dirs(path: &Path) -> Result<Vec<PathBuf>, String> {
    if path.join("program.toml").is_file() {
        return Ok(vec![path.to_owned()]);
    }
    if !path.is_dir() {
        return Err(format!("{}: no such rules folder", path.display()));
    }
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| format!("{}: cannot read folder: {e}", path.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("program.toml").is_file())
        .collect();
    if dirs.is_empty() {
        return Err(format!(
            "{}: neither a rule set (no program.toml) nor a folder of rule sets\n  hint: point --rules at rules/ or at rules/<version>",
            path.display()
        ));
    }
    dirs.sort();
    Ok(dirs)
}

/// The shipped `rules/` folder: in the working directory, beside the binary's workspace, or where it was built.
fn shipped_root() -> Result<PathBuf, String> {
    let mut candidates = vec![PathBuf::from("rules")];
    if let Ok(exe) = std::env::current_exe() {
        // target/release/designate → the workspace root is two folders up.
        if let Some(ws) = exe.parent().and_then(Path::parent).and_then(Path::parent) {
            candidates.push(ws.join("rules"));
        }
    }
    candidates.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules"));
    candidates.into_iter().find(|c| rule_set_dirs(c).is_ok()).ok_or_else(|| {
        "cannot find the shipped rules/ folder\n  hint: pass --rules DIR or set DESIGNATE_RULES".to_owned()
    })
}
