//! Compiles a folder of rule files into a [`RuleSet`], collecting every problem instead of stopping at the first.
//!
//! Each problem is located in its file (`file:line:col`) from the spans `schema` keeps, and carries a hint
//! where one helps, such as the closest known name for a misspelt reference.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rust_decimal::Decimal;
use sha2::{Digest, Sha256};
use toml::Spanned;

use super::schema::*;
use super::*;
use crate::error::{closest, Error, Located};
use crate::script::{sandbox, Script};
use crate::value::Dec;

/// Loads and validates the rule set in `dir`.
pub fn load_rule_set(dir: &Path) -> Result<RuleSet, Vec<Error>> {
    let shown_dir = dir.display().to_string();
    if !dir.join("program.toml").is_file() {
        let mut err = Error::new(Located::file(&shown_dir), "not a rule set: no program.toml in this folder");
        if let Some(versions) = version_dirs(dir).ok().filter(|v| !v.is_empty()) {
            let names: Vec<String> = versions.iter().filter_map(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned()).collect();
            err = err.with_hint(format!("this folder holds rule versions: {}", names.join(", ")));
        }
        return Err(vec![err]);
    }
    let files = list_files(dir).map_err(|e| vec![Error::new(Located::file(&shown_dir), format!("cannot read folder: {e}"))])?;
    let mut c = Compiler { dir: dir.to_owned(), errors: Vec::new(), engine: Arc::new(sandbox()), scripts: BTreeMap::new() };
    let digest = digest(dir, &files).map_err(|e| vec![e])?;

    let program = c.parse::<ProgramFile>("program.toml");
    let certs = if dir.join("catalogue/certifications.toml").is_file() {
        c.parse::<CertificationsFile>("catalogue/certifications.toml")
    } else {
        None
    };
    let catalogue = certs.map(|(f, text)| c.catalogue(&f, &text)).unwrap_or_default();

    let Some((program, program_text)) = program else { return Err(c.errors) };
    let pf = File { name: c.shown("program.toml"), text: program_text };
    let qualification = c.qualification(&pf, &program.qualification);
    let selections = c.selections(&pf, &program);
    let path_rules = c.path_rules(&pf, &program, &selections);

    let mut designations: Vec<Designation> = Vec::new();
    let designation_files: Vec<&PathBuf> = files
        .iter()
        .filter(|p| p.starts_with("designations") && p.extension().is_some_and(|e| e == "toml"))
        .collect();
    if designation_files.is_empty() {
        c.errors.push(
            Error::new(Located::file(&c.shown("designations")), "the rule set defines no designation")
                .with_hint("add one TOML file per designation under designations/"),
        );
    }
    let scope = Scope { selections: &selections, path_rules: &path_rules, catalogue: &catalogue, qualification: &qualification };
    for rel in designation_files {
        let rel = rel.to_string_lossy().replace('\\', "/");
        if let Some((file, text)) = c.parse::<DesignationFile>(&rel) {
            let f = File { name: c.shown(&rel), text };
            if let Some(d) = c.designation(&f, file, &scope) {
                if let Some(other) = designations.iter().find(|o| o.id == d.id) {
                    c.errors.push(Error::new(Located::file(&f.name), format!("designation \"{}\" is defined twice", other.id)));
                } else {
                    designations.push(d);
                }
            }
        }
    }

    let version = program.version.get_ref().trim().to_owned();
    let folder = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if !folder.is_empty() && folder != version && folder != "." {
        c.err(&pf, program.version.span(), format!("version \"{version}\" differs from its folder name \"{folder}\""), Some("name the folder after the version, so that `--rules rules/<version>` finds it"));
    }
    let effective_from = *program.effective_from.get_ref();
    let effective_until = program.effective_until.as_ref().map(|u| *u.get_ref());
    if let Some(until) = &program.effective_until {
        if *until.get_ref() < effective_from {
            c.err(&pf, until.span(), "effective_until is before effective_from", None);
        }
    }

    if !c.errors.is_empty() {
        return Err(c.errors);
    }
    designations.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(RuleSet {
        version,
        title: program.title,
        effective_from,
        effective_until,
        references: program.references,
        digest,
        dir: dir.to_owned(),
        selections,
        path_rules,
        catalogue,
        designations,
    })
}

/// The version folders under a rules root, sorted by name.
pub fn version_dirs(root: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("program.toml").is_file())
        .collect();
    dirs.sort();
    Ok(dirs)
}

/// Every file under `dir` (relative paths, sorted), skipping hidden files and folders.
fn list_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    fn walk(root: &Path, rel: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
        for entry in std::fs::read_dir(root.join(rel))? {
            let entry = entry?;
            let name = entry.file_name();
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            let rel = rel.join(&name);
            if entry.file_type()?.is_dir() {
                walk(root, &rel, out)?;
            } else {
                out.push(rel);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, Path::new(""), &mut out)?;
    out.sort();
    Ok(out)
}

/// SHA-256 over every file's relative path and bytes, in path order, so any edit changes it.
fn digest(dir: &Path, files: &[PathBuf]) -> Result<String, Error> {
    let mut hasher = Sha256::new();
    for rel in files {
        let bytes = std::fs::read(dir.join(rel))
            .map_err(|e| Error::new(Located::file(&dir.join(rel).display().to_string()), format!("cannot read file: {e}")))?;
        let name = rel.to_string_lossy().replace('\\', "/");
        hasher.update((name.len() as u64).to_le_bytes());
        hasher.update(name.as_bytes());
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(&bytes);
    }
    let hex: String = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("sha256:{hex}"))
}

struct Compiler {
    dir: PathBuf,
    errors: Vec<Error>,
    engine: Arc<rhai::Engine>,
    scripts: BTreeMap<String, Option<Script>>,
}

/// A parsed file's name (as shown in messages) and text, for locating spans.
struct File {
    name: String,
    text: String,
}

/// What designation files may refer to.
struct Scope<'a> {
    selections: &'a [Selection],
    path_rules: &'a [PathRule],
    catalogue: &'a Catalogue,
    qualification: &'a Option<Qualification>,
}

const CATEGORIES: [&str; 3] = ["performance", "skilling", "customer-success"];
const KINDS: [&str; 4] = ["customer-adds", "certified-people", "usage-growth", "distinct-products"];

impl Compiler {
    fn shown(&self, rel: &str) -> String {
        self.dir.join(rel).display().to_string()
    }

    fn parse<T: serde::de::DeserializeOwned>(&mut self, rel: &str) -> Option<(T, String)> {
        let shown = self.shown(rel);
        let text = match std::fs::read(self.dir.join(rel)) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(t) => t,
                Err(_) => {
                    self.errors.push(Error::new(Located::file(&shown), "file is not UTF-8 text"));
                    return None;
                }
            },
            Err(e) => {
                self.errors.push(Error::new(Located::file(&shown), format!("cannot read file: {e}")));
                return None;
            }
        };
        match toml::from_str::<T>(&text) {
            Ok(v) => Some((v, text)),
            Err(e) => {
                self.errors.push(Error::from_toml(&shown, &text, &e));
                None
            }
        }
    }

    fn err(&mut self, f: &File, span: std::ops::Range<usize>, msg: impl Into<String>, hint: Option<&str>) {
        let mut e = Error::new(Located::offset(&f.name, &f.text, span.start), msg);
        if let Some(h) = hint {
            e = e.with_hint(h);
        }
        self.errors.push(e);
    }

    fn catalogue(&mut self, file: &CertificationsFile, text: &str) -> Catalogue {
        let f = File { name: self.shown("catalogue/certifications.toml"), text: text.to_owned() };
        let mut cat = Catalogue::default();
        for entry in &file.certification {
            let c = entry.get_ref();
            let index = cat.certifications.len();
            let mut keys = vec![&c.code, &c.name];
            keys.extend(c.aliases.iter());
            for key in keys {
                let k = key.get_ref().trim().to_lowercase();
                if k.is_empty() {
                    self.err(&f, key.span(), "empty certification code or name", None);
                } else if cat.by_key.insert(k, index).is_some() {
                    self.err(&f, key.span(), format!("\"{}\" names two certifications", key.get_ref()), Some("codes, aliases and names must be unique in the catalogue"));
                }
            }
            if let (Some(r), Some(g)) = (&c.retired, &c.eligible_through) {
                if g.get_ref() < r.get_ref() {
                    self.err(&f, g.span(), format!("eligible_through {} is before retired {}", g.get_ref(), r.get_ref()), Some("a retired certification stays eligible until a day after its retirement"));
                }
            }
            cat.certifications.push(Certification {
                code: c.code.get_ref().trim().to_owned(),
                name: c.name.get_ref().trim().to_owned(),
                retired: c.retired.as_ref().map(|d| *d.get_ref()),
                eligible_through: c.eligible_through.as_ref().map(|d| *d.get_ref()),
            });
        }
        cat
    }

    fn qualification(&mut self, f: &File, q: &QualificationFile) -> Option<Qualification> {
        let min_total = self.non_negative(f, &q.min_total, "min_total")?;
        let min_each_metric = self.non_negative(f, &q.min_each_metric, "min_each_metric")?;
        Some(Qualification { min_total, min_each_metric })
    }

    fn non_negative(&mut self, f: &File, v: &Spanned<Dec>, key: &str) -> Option<Decimal> {
        let d = v.get_ref().0;
        if d.is_sign_negative() && !d.is_zero() {
            self.err(f, v.span(), format!("{key} must not be negative"), None);
            return None;
        }
        Some(d)
    }

    fn positive_int(&mut self, f: &File, v: &Spanned<i64>, key: &str, max: i64) -> i32 {
        let n = *v.get_ref();
        if n < 1 || n > max {
            self.err(f, v.span(), format!("{key} must be between 1 and {max}, found {n}"), None);
            return 1;
        }
        n as i32
    }

    fn selections(&mut self, f: &File, program: &ProgramFile) -> Vec<Selection> {
        let mut out = Vec::new();
        for (name, sel) in &program.selections {
            let s = sel.get_ref();
            let measure = match parse_measure(s.measure.get_ref()) {
                Some(m) => m,
                None => {
                    let hint = closest(s.measure.get_ref(), MEASURES.iter().map(|(n, _)| *n))
                        .map(|c| format!("did you mean `{c}`?"))
                        .unwrap_or_else(|| format!("measures: {}", MEASURES.map(|(n, _)| n).join(", ")));
                    self.err(f, s.measure.span(), format!("unknown measure \"{}\"", s.measure.get_ref()), Some(&hint));
                    Measure::AcrUsd
                }
            };
            let associations = s.associations.as_ref().map(|list| {
                list.iter()
                    .filter_map(|a| {
                        let found = parse_association(a.get_ref());
                        if found.is_none() {
                            self.err(f, a.span(), format!("unknown association \"{}\"", a.get_ref()), Some("associations: pal, dpor, csp, cpor"));
                        }
                        found
                    })
                    .collect()
            });
            out.push(Selection {
                name: name.clone(),
                measure,
                associations,
                exclude_offers: lower_set(&s.exclude_offers),
                products: s.products.as_ref().map(|p| lower_set(p)),
                exclude_products: lower_set(&s.exclude_products),
            });
        }
        out
    }

    fn find_selection(&mut self, f: &File, name: &Spanned<String>, selections: &[Selection]) -> usize {
        match selections.iter().position(|s| &s.name == name.get_ref()) {
            Some(i) => i,
            None => {
                let hint = suggest(name.get_ref(), selections.iter().map(|s| s.name.as_str()), "selections are defined in program.toml");
                self.err(f, name.span(), format!("unknown selection \"{}\"", name.get_ref()), Some(&hint));
                0
            }
        }
    }

    fn path_rules(&mut self, f: &File, program: &ProgramFile, selections: &[Selection]) -> Vec<PathRule> {
        let mut out = Vec::new();
        for (name, rule) in &program.path_rules {
            let r = rule.get_ref();
            let mut tests = Vec::new();
            for t in &r.when {
                let t = t.get_ref();
                let selection = self.find_selection(f, &t.selection, selections);
                let test = match t.test.get_ref().as_str() {
                    "ttm-total-at-least" => {
                        let amount = self.required(f, &t.amount, t.test.span(), "amount").unwrap_or_default().0;
                        PathTest::TtmTotalAtLeast { selection, amount }
                    }
                    "segment-share-below" => {
                        let share = self.required(f, &t.share, t.test.span(), "share").unwrap_or_default().0;
                        let segments = t
                            .segments
                            .iter()
                            .flatten()
                            .filter_map(|s| {
                                let seg = parse_segment(s.get_ref());
                                if seg.is_none() {
                                    self.err(f, s.span(), format!("unknown segment \"{}\"", s.get_ref()), Some("segments: smb, smc, enterprise"));
                                }
                                seg
                            })
                            .collect();
                        PathTest::SegmentShareBelow { selection, segments, share }
                    }
                    other => {
                        let hint = suggest(other, ["ttm-total-at-least", "segment-share-below"], "");
                        self.err(f, t.test.span(), format!("unknown path test \"{other}\""), Some(&hint));
                        continue;
                    }
                };
                tests.push((t.path.get_ref().trim().to_owned(), test));
            }
            out.push(PathRule { name: name.clone(), default: r.default.get_ref().trim().to_owned(), tests });
        }
        out
    }

    fn required<T: Clone>(&mut self, f: &File, v: &Option<Spanned<T>>, at: std::ops::Range<usize>, key: &str) -> Option<T> {
        match v {
            Some(s) => Some(s.get_ref().clone()),
            None => {
                self.err(f, at, format!("missing key `{key}`"), None);
                None
            }
        }
    }

    fn designation(&mut self, f: &File, d: DesignationFile, scope: &Scope) -> Option<Designation> {
        let id = d.id.get_ref().trim().to_owned();
        let qualification = match &d.qualification {
            Some(q) => self.qualification(f, q),
            None => scope.qualification.clone(),
        };
        let max_points = self.non_negative(f, &d.max_points, "max_points").unwrap_or_default();
        let path_ids: Vec<String> = d.paths.get_ref().keys().cloned().collect();
        if path_ids.is_empty() {
            self.err(f, d.paths.span(), "a designation needs at least one path", None);
        }
        let path_selection = match &d.path_selection {
            None if path_ids.len() > 1 => {
                self.err(f, d.paths.span(), format!("designation has {} paths but no path_selection", path_ids.len()), Some("add path_selection = { method = \"rule\", rule = \"...\" } or { method = \"best-total\" }"));
                PathSelection::Single
            }
            None => PathSelection::Single,
            Some(sel) => {
                let s = sel.get_ref();
                match s.method.get_ref().as_str() {
                    "best-total" => PathSelection::BestTotal,
                    "rule" => match &s.rule {
                        None => {
                            self.err(f, sel.span(), "path_selection method \"rule\" needs `rule`", None);
                            PathSelection::Single
                        }
                        Some(name) => match scope.path_rules.iter().position(|r| &r.name == name.get_ref()) {
                            None => {
                                let hint = suggest(name.get_ref(), scope.path_rules.iter().map(|r| r.name.as_str()), "path rules are defined in program.toml");
                                self.err(f, name.span(), format!("unknown path rule \"{}\"", name.get_ref()), Some(&hint));
                                PathSelection::Single
                            }
                            Some(i) => {
                                let rule = &scope.path_rules[i];
                                for p in std::iter::once(&rule.default).chain(rule.tests.iter().map(|(p, _)| p)) {
                                    if !path_ids.contains(p) {
                                        self.err(f, name.span(), format!("path rule \"{}\" can choose path \"{p}\", which this designation does not define", rule.name), Some(&format!("paths here: {}", path_ids.join(", "))));
                                    }
                                }
                                PathSelection::Rule(i)
                            }
                        },
                    },
                    other => {
                        let hint = suggest(other, ["rule", "best-total"], "");
                        self.err(f, s.method.span(), format!("unknown path_selection method \"{other}\""), Some(&hint));
                        PathSelection::Single
                    }
                }
            }
        };
        let mut paths = Vec::new();
        for (pid, path) in d.paths.into_inner() {
            let mut metrics = Vec::new();
            let mut seen = BTreeSet::new();
            let mut sum = Decimal::ZERO;
            for m in path.get_ref().metrics.iter() {
                if !seen.insert(m.get_ref().id.get_ref().clone()) {
                    self.err(f, m.get_ref().id.span(), format!("metric \"{}\" appears twice in path \"{pid}\"", m.get_ref().id.get_ref()), None);
                }
                if let Some(metric) = self.metric(f, m, scope) {
                    sum += metric.max_points;
                    metrics.push(metric);
                }
            }
            if sum != max_points && !metrics.is_empty() {
                self.err(f, path.span(), format!("the metrics of path \"{pid}\" add up to {} points, but the designation's max_points is {}", sum.normalize(), max_points.normalize()), Some("make the metrics' max_points add up to the designation's"));
            }
            paths.push(ScoringPath { id: pid, metrics });
        }
        Some(Designation { id, name: d.name, max_points, qualification: qualification?, path_selection, paths })
    }

    fn metric(&mut self, f: &File, m: &Spanned<MetricFile>, scope: &Scope) -> Option<Metric> {
        let span = m.span();
        let m = m.get_ref();
        let id = m.id.get_ref().trim().to_owned();
        let category = m.category.get_ref().trim().to_owned();
        if !CATEGORIES.contains(&category.as_str()) {
            let hint = suggest(&category, CATEGORIES, "");
            self.err(f, m.category.span(), format!("unknown category \"{category}\""), Some(&hint));
        }
        let max_points = self.non_negative(f, &m.max_points, "max_points")?;
        let kind_name = m.kind.get_ref().as_str();

        // Which optional keys each kind takes; any other optional key present is a mistake.
        let allowed: &[&str] = match kind_name {
            "customer-adds" => &["selection", "rule", "threshold", "recent_months", "baseline_months", "baseline_offset"],
            "certified-people" => &["prerequisites", "scoring"],
            "usage-growth" => &["selection", "compare", "baseline_offset", "unit", "min_ttm_total", "min_baseline"],
            "distinct-products" => &["selection", "window_months", "exclude_products", "new_only"],
            other => {
                let hint = suggest(other, KINDS, "");
                self.err(f, m.kind.span(), format!("unknown metric kind \"{other}\""), Some(&hint));
                return None;
            }
        };
        for (key, at) in present_keys(m) {
            if !allowed.contains(&key) {
                self.err(f, at, format!("key `{key}` does not apply to metric kind \"{kind_name}\""), Some(&format!("{kind_name} takes: {}", allowed.join(", "))));
            }
        }

        let selection = |c: &mut Compiler| match &m.selection {
            Some(s) => Some(c.find_selection(f, s, scope.selections)),
            None => {
                c.err(f, span.clone(), format!("metric \"{id}\" needs `selection`"), None);
                None
            }
        };
        let months = |c: &mut Compiler, v: &Option<Spanned<i64>>, key: &str, default: i32| match v {
            Some(v) => c.positive_int(f, v, key, 120),
            None => default,
        };
        let kind = match kind_name {
            "customer-adds" => {
                let selection = selection(self);
                let rule = match m.rule.as_ref().map(|r| r.get_ref().as_str()) {
                    Some("eligible-count-difference") => AddsRule::EligibleCountDifference,
                    Some("transitions") => AddsRule::Transitions,
                    Some(other) => {
                        let hint = suggest(other, ["eligible-count-difference", "transitions"], "");
                        self.err(f, m.rule.as_ref().unwrap().span(), format!("unknown rule \"{other}\""), Some(&hint));
                        AddsRule::Transitions
                    }
                    None => {
                        self.err(f, span.clone(), format!("metric \"{id}\" needs `rule`"), Some("rule = \"eligible-count-difference\" or \"transitions\""));
                        AddsRule::Transitions
                    }
                };
                let threshold = self.required(f, &m.threshold, span.clone(), "threshold").map(|d| d.0);
                MetricKind::CustomerAdds {
                    selection: selection?,
                    rule,
                    threshold: threshold?,
                    recent_months: months(self, &m.recent_months, "recent_months", 1),
                    baseline_months: months(self, &m.baseline_months, "baseline_months", 1),
                    baseline_offset: months(self, &m.baseline_offset, "baseline_offset", 12),
                }
            }
            "certified-people" => {
                let mut prerequisites = Vec::new();
                for p in m.prerequisites.iter().flatten() {
                    let pf = p.get_ref();
                    let requirement = self.requirement(f, &pf.any_of, &pf.all_of, p.span(), scope.catalogue);
                    let people = *pf.people.get_ref();
                    if people < 1 {
                        self.err(f, pf.people.span(), format!("a prerequisite needs at least 1 person, found {people}"), Some("remove the step instead of asking for 0 people"));
                    }
                    let points = match &pf.points {
                        Some(p) => self.non_negative(f, p, "points").unwrap_or_default(),
                        None => Decimal::ZERO,
                    };
                    prerequisites.push(Prerequisite { requirement, people: people.max(1) as usize, points });
                }
                let scoring = match &m.scoring {
                    Some(s) => self.requirement(f, &s.get_ref().any_of, &s.get_ref().all_of, s.span(), scope.catalogue),
                    None => {
                        self.err(f, span.clone(), format!("metric \"{id}\" needs `scoring`"), Some("scoring = { any_of = [\"...\"] }"));
                        CertRequirement { all_of: vec![], any_of: vec![] }
                    }
                };
                MetricKind::CertifiedPeople { prerequisites, scoring }
            }
            "usage-growth" => {
                let selection = selection(self);
                let compare = match m.compare.as_ref().map(|r| r.get_ref().as_str()) {
                    Some("percent") | None => Compare::Percent,
                    Some("difference") => Compare::Difference,
                    Some(other) => {
                        self.err(f, m.compare.as_ref().unwrap().span(), format!("unknown compare \"{other}\""), Some("compare = \"percent\" or \"difference\""));
                        Compare::Percent
                    }
                };
                let unit = match &m.unit {
                    Some(u) if u.get_ref().0 > Decimal::ZERO => u.get_ref().0,
                    Some(u) => {
                        self.err(f, u.span(), "unit must be greater than 0", None);
                        Decimal::ONE
                    }
                    None => Decimal::ONE,
                };
                MetricKind::UsageGrowth {
                    selection: selection?,
                    compare,
                    baseline_offset: months(self, &m.baseline_offset, "baseline_offset", 12),
                    unit,
                    min_ttm_total: m.min_ttm_total.as_ref().map(|d| d.get_ref().0),
                    min_baseline: m.min_baseline.as_ref().map(|d| d.get_ref().0),
                }
            }
            "distinct-products" => MetricKind::DistinctProducts {
                selection: selection(self)?,
                window_months: months(self, &m.window_months, "window_months", 12),
                exclude: m.exclude_products.iter().flatten().map(|p| p.get_ref().trim().to_lowercase()).collect(),
                new_only: m.new_only.as_ref().is_some_and(|b| *b.get_ref()),
            },
            _ => unreachable!("kinds were checked above"),
        };
        let points = self.points(f, &m.points, &id)?;
        Some(Metric { id, category, max_points, kind, points })
    }

    fn requirement(&mut self, f: &File, any_of: &[Spanned<String>], all_of: &[Spanned<String>], at: std::ops::Range<usize>, cat: &Catalogue) -> CertRequirement {
        if any_of.is_empty() && all_of.is_empty() {
            self.err(f, at, "a certification requirement needs `any_of` or `all_of`", None);
        }
        let mut resolve = |list: &[Spanned<String>]| -> Vec<usize> {
            list.iter()
                .filter_map(|name| {
                    let found = cat.find(name.get_ref());
                    if found.is_none() {
                        let keys = cat.certifications.iter().flat_map(|c| [c.code.as_str(), c.name.as_str()]);
                        let hint = suggest(name.get_ref(), keys, "certifications are listed in catalogue/certifications.toml");
                        self.err(f, name.span(), format!("unknown certification \"{}\"", name.get_ref()), Some(&hint));
                    }
                    found
                })
                .collect()
        };
        CertRequirement { any_of: resolve(any_of), all_of: resolve(all_of) }
    }

    fn points(&mut self, f: &File, p: &Spanned<PointsFile>, metric: &str) -> Option<PointsRule> {
        let pf = p.get_ref();
        let script = match &pf.script {
            None => None,
            Some(rel) => {
                let key = rel.get_ref().clone();
                if !self.scripts.contains_key(&key) {
                    let path = self.dir.join(&key);
                    let shown = self.shown(&key);
                    let compiled = if path.is_file() {
                        Script::compile(&self.engine, &path, &shown).map_err(|e| self.errors.push(e)).ok()
                    } else {
                        self.err(f, rel.span(), format!("script \"{key}\" does not exist"), Some("script paths are relative to the rule set's folder"));
                        None
                    };
                    self.scripts.insert(key.clone(), compiled);
                }
                Some(self.scripts[&key].clone()?)
            }
        };
        if script.is_some() && pf.per_unit.is_some() {
            self.err(f, p.span(), format!("metric \"{metric}\" gives both `script` and `per_unit`"), Some("a script computes the points from the units: drop per_unit"));
        }
        if script.is_none() && pf.per_unit.is_none() {
            self.err(f, p.span(), format!("metric \"{metric}\" needs `per_unit` or `script` under points"), None);
        }
        let per_unit = match &pf.per_unit {
            Some(v) => Some(self.non_negative(f, v, "per_unit")?),
            None => None,
        };
        let max_units = match &pf.max_units {
            Some(v) => Some(self.non_negative(f, v, "max_units")?),
            None => None,
        };
        let round_places = match &pf.round_places {
            Some(v) if (0..=10).contains(v.get_ref()) => Some(*v.get_ref() as u32),
            Some(v) => {
                self.err(f, v.span(), "round_places must be between 0 and 10", None);
                None
            }
            None => None,
        };
        Some(PointsRule { per_unit, max_units, round_places, script })
    }
}

/// The optional, kind-specific keys a metric table gives, with their places.
fn present_keys(m: &MetricFile) -> Vec<(&'static str, std::ops::Range<usize>)> {
    let mut out = Vec::new();
    let mut add = |key: &'static str, span: Option<std::ops::Range<usize>>| {
        if let Some(s) = span {
            out.push((key, s));
        }
    };
    add("selection", m.selection.as_ref().map(|s| s.span()));
    add("rule", m.rule.as_ref().map(|s| s.span()));
    add("threshold", m.threshold.as_ref().map(|s| s.span()));
    add("recent_months", m.recent_months.as_ref().map(|s| s.span()));
    add("baseline_months", m.baseline_months.as_ref().map(|s| s.span()));
    add("baseline_offset", m.baseline_offset.as_ref().map(|s| s.span()));
    add("compare", m.compare.as_ref().map(|s| s.span()));
    add("unit", m.unit.as_ref().map(|s| s.span()));
    add("min_ttm_total", m.min_ttm_total.as_ref().map(|s| s.span()));
    add("min_baseline", m.min_baseline.as_ref().map(|s| s.span()));
    add("window_months", m.window_months.as_ref().map(|s| s.span()));
    add("exclude_products", m.exclude_products.as_ref().and_then(|v| v.first()).map(|s| s.span()));
    add("new_only", m.new_only.as_ref().map(|s| s.span()));
    add("prerequisites", m.prerequisites.as_ref().and_then(|v| v.first()).map(|s| s.span()));
    add("scoring", m.scoring.as_ref().map(|s| s.span()));
    out
}

const MEASURES: [(&str, Measure); 6] = [
    ("acr_usd", Measure::AcrUsd),
    ("revenue_usd", Measure::RevenueUsd),
    ("paid_seats", Measure::PaidSeats),
    ("active_users", Measure::ActiveUsers),
    ("protected_users", Measure::ProtectedUsers),
    ("capacity", Measure::Capacity),
];

fn parse_measure(s: &str) -> Option<Measure> {
    MEASURES.iter().find(|(n, _)| *n == s.trim()).map(|(_, m)| *m)
}

fn parse_association(s: &str) -> Option<Association> {
    match s.trim().to_lowercase().as_str() {
        "pal" => Some(Association::Pal),
        "dpor" => Some(Association::Dpor),
        "csp" => Some(Association::Csp),
        "cpor" => Some(Association::Cpor),
        _ => None,
    }
}

fn parse_segment(s: &str) -> Option<Segment> {
    match s.trim().to_lowercase().as_str() {
        "smb" => Some(Segment::Smb),
        "smc" => Some(Segment::Smc),
        "enterprise" => Some(Segment::Enterprise),
        _ => None,
    }
}

fn lower_set(list: &[String]) -> BTreeSet<String> {
    list.iter().map(|s| s.trim().to_lowercase()).collect()
}

/// A hint naming the closest candidate, or `fallback` when none is close.
fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str> + Clone, fallback: &str) -> String {
    match closest(word, candidates.clone()) {
        Some(c) => format!("did you mean \"{c}\"?"),
        None if fallback.is_empty() => {
            let all: Vec<&str> = candidates.into_iter().collect();
            format!("expected one of: {}", all.join(", "))
        }
        None => fallback.to_owned(),
    }
}
