//! Compiles a folder of rule files into a [`RuleSet`], collecting every problem instead of stopping at the first.
//!
//! Each problem is located in its file (`file:line:col`) from the spans `schema` keeps, and carries a hint
//! where one helps, such as the closest known name for a misspelt reference.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rust_decimal::Decimal;
use toml::Spanned;

use super::schema::*;
use super::source::{digest, rel_name, Read, RuleSource};
use super::*;
use crate::codes::{self, Code};
use crate::error::{closest, Error, Located, Severity};
use crate::script::{sandbox, Script};
use crate::strict::{self, Strict};
use crate::value::Dec;
use crate::vocabulary::{Category, Cloud};

/// Loads and validates the rule set in `dir`; consistency lints are errors here, as in `designate check`.
pub fn load_rule_set(dir: &Path) -> Result<RuleSet, Vec<Error>> {
    strict(compile(&RuleSource::Dir(dir.to_owned())))
}

/// A compiled rule set refused when it breaks a consistency lint too (the lints keep their warning severity).
pub(crate) fn strict(compiled: Result<(RuleSet, Vec<Error>), Vec<Error>>) -> Result<RuleSet, Vec<Error>> {
    match compiled {
        Ok((rules, lints)) if lints.is_empty() => Ok(rules),
        Ok((_, lints)) => Err(lints),
        Err(errors) => Err(errors),
    }
}

/// Compiles the rule set `source` holds: the rule set and the consistency lints it breaks (see `Compiler::lint`),
/// or every problem, lints included, in the order found, when any is not a lint.
pub(crate) fn compile(source: &RuleSource) -> Result<(RuleSet, Vec<Error>), Vec<Error>> {
    // Every file is read here, once, and only from here on: the digest and the compiler see the same bytes,
    // so nothing the rule set uses is outside its digest.
    let Read { files, refused: unreadable } = source.read()?;
    // Every file, read or refused, by path: the designation and software files are found among them.
    let mut listed: Vec<PathBuf> =
        files.iter().map(|(rel, _)| rel).chain(unreadable.iter().map(|(rel, _)| rel)).map(PathBuf::from).collect();
    listed.sort();
    let digest = digest(&files);
    let dir = source.root().to_owned();
    let mut c = Compiler {
        root: dir.clone(),
        on_disk: matches!(source, RuleSource::Dir(_)),
        errors: unreadable.iter().map(|(_, e)| e.clone()).collect(),
        engine: Arc::new(sandbox()),
        scripts: BTreeMap::new(),
        files: files.into_iter().collect(),
        unreadable: unreadable.into_iter().map(|(rel, _)| rel).collect(),
        blanked: BTreeMap::new(),
    };

    let program = c.parse::<ProgramFile>("program.toml");
    // A catalogue file that is there but does not load has had its problem reported: the references to it are
    // then not checked, rather than each reported as unknown (one bad date would otherwise bring a hundred
    // consequential "unknown certification" errors). The same holds when a line that may have named some of
    // them was blanked to read the file (see `Compiler::parse`).
    let (catalogue, certifications_checked) = if c.has("catalogue/certifications.toml") {
        match c.parse::<CertificationsFile>("catalogue/certifications.toml") {
            Some((f, text)) => (c.catalogue(&f, &text), !c.names_may_be_missing("catalogue/certifications.toml")),
            None => (Catalogue::default(), false),
        }
    } else {
        (Catalogue::default(), true)
    };
    // `None` (no product check) both when there is no product catalogue and when it does not load.
    let products = if c.has("catalogue/products.toml") {
        c.parse::<ProductsFile>("catalogue/products.toml")
            .map(|(f, text)| c.products(&f, &text))
            .filter(|_| !c.names_may_be_missing("catalogue/products.toml"))
    } else {
        None
    };

    // When program.toml does not parse, its problems are reported and the other files are still checked
    // (issue 14: one unknown key there hid every problem of the designation files); the references to what
    // program.toml defines (selections, path rules) are then left unchecked rather than each reported unknown.
    let pf = program.as_ref().map(|(_, text)| File { name: c.shown("program.toml"), text: text.clone() });
    let (qualification, selections, path_rules, usage_clouds) = match (&program, &pf) {
        (Some((program, _)), Some(pf)) => {
            let qualification = c.qualification(pf, &program.qualification);
            let selections = c.selections(pf, program, products.as_ref());
            let path_rules = c.path_rules(pf, program, &selections);
            (qualification, selections, path_rules, c.usage_clouds(pf, program))
        }
        _ => (None, Vec::new(), Vec::new(), None),
    };
    let program_names_known = program.is_some() && !c.names_may_be_missing("program.toml");

    let mut designations: Vec<Designation> = Vec::new();
    let designation_files: Vec<&PathBuf> =
        listed.iter().filter(|p| p.starts_with("designations") && p.extension().is_some_and(|e| e == "toml")).collect();
    if designation_files.is_empty() {
        c.errors.push(
            Error::new(Located::file(&c.shown("designations")), "the rule set defines no designation")
                .with_code(codes::NO_DESIGNATION)
                .with_hint("add one TOML file per designation under designations/"),
        );
    }
    let scope = Scope {
        selections: program_names_known.then_some(selections.as_slice()),
        path_rules: program_names_known.then_some(path_rules.as_slice()),
        catalogue: &catalogue,
        certifications_checked,
        products: products.as_ref(),
        qualification: &qualification,
    };
    // The ids the designation files declare, whether or not their contents compile; `ids_known` is false when a
    // file did not parse (or was refused), so its id is unknown: references to designations are then not
    // checked, rather than one reported as unknown because of a problem reported already.
    let mut ids: Vec<String> = Vec::new();
    let mut ids_known = true;
    for rel in designation_files {
        let rel = rel.to_string_lossy().replace('\\', "/");
        let parsed = c.parse::<DesignationFile>(&rel);
        ids_known &= parsed.is_some();
        if let Some((file, text)) = parsed {
            ids.push(file.id.get_ref().trim().to_owned());
            let f = File { name: c.shown(&rel), text };
            if let Some(d) = c.designation(&f, file, &scope) {
                if let Some(other) = designations.iter().find(|o| o.id == d.id) {
                    let e =
                        Error::new(Located::file(&f.name), format!("designation \"{}\" is defined twice", other.id));
                    c.report(e.with_code(codes::DEFINED_TWICE));
                } else {
                    designations.push(d);
                }
            }
        }
    }

    let ids = ids_known.then_some(ids.as_slice());
    let badges = match (&program, &pf) {
        (Some((program, _)), Some(pf)) => c.badges(pf, program, ids),
        _ => Vec::new(),
    };
    let specializations = if c.has("catalogue/specializations.toml") {
        c.parse::<SpecializationsFile>("catalogue/specializations.toml")
            .map(|(f, text)| c.specializations(&f, &text, ids))
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let mut software = Vec::new();
    for rel in listed.iter().filter(|p| p.starts_with("software") && p.extension().is_some_and(|e| e == "toml")) {
        let rel = rel.to_string_lossy().replace('\\', "/");
        if let Some((file, text)) = c.parse::<SoftwareFile>(&rel) {
            let f = File { name: c.shown(&rel), text };
            software.push(c.software(&f, file));
        }
    }

    // Without a program.toml that parsed there is no rule set, and its problems are among the errors.
    let (Some((program, _)), Some(pf)) = (program, pf) else { return Err(c.take_problems().0) };
    let version = program.version.get_ref().trim().to_owned();
    let folder = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if !folder.is_empty() && folder != version && folder != "." {
        // A lint: a draft (a copied version folder under another name) still scores, with this as a warning.
        c.lint(
            codes::FOLDER_NAME,
            &pf,
            program.version.span(),
            format!("version \"{version}\" differs from its folder name \"{folder}\""),
            Some("name the folder after the version, so that `--rules rules/<version>` finds it"),
        );
    }
    let effective_from = *program.effective_from.get_ref();
    let effective_from_place = Located::offset(&pf.name, &pf.text, program.effective_from.span().start);
    let effective_until = program.effective_until.as_ref().map(|u| *u.get_ref());
    if let Some(until) = &program.effective_until {
        if *until.get_ref() < effective_from {
            c.err(codes::DATES_OUT_OF_ORDER, &pf, until.span(), "effective_until is before effective_from", None);
        }
    }

    let (problems, only_lints) = c.take_problems();
    if !only_lints {
        return Err(problems);
    }
    designations.sort_by(|a, b| a.id.cmp(&b.id));
    let rules = RuleSet {
        version,
        title: program.title,
        effective_from,
        effective_until,
        effective_from_place,
        references: program.references,
        digest,
        dir: dir.to_owned(),
        selections,
        usage_clouds,
        path_rules,
        catalogue,
        designations,
        badges,
        specializations,
        software,
    };
    Ok((rules, problems))
}

struct Compiler {
    /// The folder, or where files in memory are said to live: messages name files under it.
    root: PathBuf,
    /// Whether the files were read from `root` (a script path may then lead through a link inside it).
    on_disk: bool,
    errors: Vec<Error>,
    engine: Arc<rhai::Engine>,
    scripts: BTreeMap<String, Option<Script>>,
    /// Every file of the rule set, read once (relative path → bytes): the only bytes compiled, all digested.
    files: BTreeMap<String, Vec<u8>>,
    /// The files that were refused (their problem is already among `errors`).
    unreadable: BTreeSet<String>,
    /// The files read with lines blanked out (by the name messages show): what their meaning check finds is
    /// filtered through [`Blanked::hides`].
    blanked: BTreeMap<String, Blanked>,
}

/// The lines of a file blanked out so that the parser could read the rest (see `Compiler::parse`), and the keys
/// they held. The file's meaning is still checked; a problem that may be only a consequence of the blanking is
/// not reported (issue 14), since the problem that made the line go has been.
#[derive(Default)]
struct Blanked {
    /// 1-based line numbers.
    lines: BTreeSet<usize>,
    /// The keys the blanked lines gave (`max_points`, and for `a.b = 1` both `a.b` and `b`).
    keys: BTreeSet<String>,
    /// Whether a blanked line held a list or an inline table, which may have named things other files refer to
    /// (a selection, a certification's aliases): references to this file's names are then not checked.
    lists: bool,
}

impl Blanked {
    /// Whether `e`, found in the blanked file's meaning, may be only a consequence of the blanking: it is placed on
    /// a blanked line, it names a blanked key (a "missing" key, a key that needs another), or it is a consistency
    /// lint (a blanked number may be the one that made the sums not add up).
    fn hides(&self, e: &Error) -> bool {
        e.severity == Severity::Warning
            || e.place.line.is_some_and(|(line, _)| self.lines.contains(&line))
            || self.keys.iter().any(|k| names_word(&e.message, k))
    }
}

/// Whether `text` holds `word` as a whole word (not inside a longer name such as `max_points_x`).
fn names_word(text: &str, word: &str) -> bool {
    let is_name = |c: char| c.is_alphanumeric() || c == '_' || c == '-';
    text.match_indices(word).any(|(at, _)| {
        !text[..at].chars().next_back().is_some_and(is_name)
            && !text[at + word.len()..].chars().next().is_some_and(is_name)
    })
}

/// A parsed file's name (as shown in messages) and text, for locating spans.
struct File {
    name: String,
    text: String,
}

/// What designation files may refer to.
struct Scope<'a> {
    /// The selections and path rules of program.toml; `None` when it did not parse (or a line that may have
    /// defined some was blanked), so references to them are not checked.
    selections: Option<&'a [Selection]>,
    path_rules: Option<&'a [PathRule]>,
    catalogue: &'a Catalogue,
    /// False when `catalogue/certifications.toml` is there but did not load: certification names are then not
    /// checked, since every one would look unknown.
    certifications_checked: bool,
    /// Known product names (lower-cased), when the rule set has a product catalogue.
    products: Option<&'a BTreeMap<String, String>>,
    qualification: &'a Option<Qualification>,
}

impl Scope<'_> {
    /// The certification catalogue, unless it did not load and references to it go unchecked.
    fn checked_catalogue(&self) -> Option<&Catalogue> {
        self.certifications_checked.then_some(self.catalogue)
    }
}

impl Compiler {
    fn shown(&self, rel: &str) -> String {
        self.root.join(rel).display().to_string()
    }

    /// Whether the rule set has the file `rel`, readable or not.
    fn has(&self, rel: &str) -> bool {
        self.files.contains_key(rel) || self.unreadable.contains(rel)
    }

    /// The text of the file `rel`, from the files read once; `None` (with the problem reported) otherwise.
    fn text(&mut self, rel: &str) -> Option<String> {
        let shown = self.shown(rel);
        let Some(bytes) = self.files.get(rel) else {
            // A refused file has its problem reported already.
            if !self.unreadable.contains(rel) {
                self.errors.push(
                    Error::new(Located::file(&shown), "cannot read file: no such file").with_code(codes::UNREADABLE),
                );
            }
            return None;
        };
        match String::from_utf8(bytes.clone()) {
            Ok(t) => Some(t),
            Err(_) => {
                self.errors
                    .push(Error::new(Located::file(&shown), "file is not UTF-8 text").with_code(codes::NOT_UTF8));
                None
            }
        }
    }

    fn parse<T: serde::de::DeserializeOwned>(&mut self, rel: &str) -> Option<(T, String)> {
        let shown = self.shown(rel);
        let text = self.text(rel)?;
        // Float literals reach serde as f64: one with more digits than that keeps must be refused by its text.
        self.errors.extend(crate::value::inexact_float_literals(&text, &shown));
        // A TOML parser stops at its first problem. To report more than one per file, the line at fault is
        // blanked out (same length, so every later place stays right) and the file parsed again, until it
        // parses or a problem cannot be pinned to a line of its own.
        let mut attempt = text.clone();
        let mut found = 0;
        let mut blanked = Blanked::default();
        loop {
            // Read strictly: a positional array never stands for a table (see `strict`).
            let e = match toml::from_str::<Strict<T, strict::Toml>>(&attempt).map(|s| s.0) {
                Ok(v) if found == 0 => return Some((v, text)),
                // Repaired: the problems are reported, and the file's meaning is still checked (issue 14: a type
                // error no longer hides the rest of the file's problems). What the meaning check finds only
                // because a line is gone is filtered out (`Blanked::hides`).
                Ok(v) => {
                    if !blanked.lines.is_empty() {
                        self.blanked.insert(shown, blanked);
                    }
                    return Some((v, attempt));
                }
                Err(e) => e,
            };
            // Lines keep their count through the repairs below, so places in `attempt` are places in the file.
            let err = Error::from_toml(&shown, &attempt, &e);
            let suggested = err
                .hint
                .as_deref()
                .and_then(|h| h.strip_prefix("did you mean `"))
                .and_then(|h| h.strip_suffix("`?"))
                .map(str::to_owned);
            let unknown =
                err.message.strip_prefix("unknown key `").and_then(|k| k.strip_suffix('`')).map(str::to_owned);
            // A missing key after blanking may be our own doing: only the first problem is certain then.
            if found > 0 && err.message.starts_with("missing field") {
                return None;
            }
            self.errors.push(err);
            found += 1;
            let span = e.span()?;
            let start = attempt[..span.start].rfind('\n').map_or(0, |i| i + 1);
            let end = attempt[start..].find('\n').map_or(attempt.len(), |i| start + i);
            let line = &attempt[start..end];
            // Only a whole `key = value` on one line can go without breaking the lines around it.
            let balanced = line.matches('[').count() == line.matches(']').count()
                && line.matches('{').count() == line.matches('}').count()
                && line.matches("\"\"\"").count() % 2 == 0;
            let blank_able = balanced
                && line.contains('=')
                && !line.trim_start().starts_with('[')
                && !line.trim_start().starts_with('#');
            if !blank_able || found >= 50 {
                return None;
            }
            // A misspelt key is read as its suggestion, so the table stays whole and later problems show;
            // any other line at fault is blanked.
            let repaired = match (unknown, suggested) {
                (Some(bad), Some(good)) if line.trim_start().starts_with(&bad) => line.replacen(&bad, &good, 1),
                _ => {
                    blanked.lines.insert(attempt[..start].matches('\n').count() + 1);
                    let key = line.split('=').next().unwrap_or_default().trim().trim_matches(['"', '\'']);
                    if let Some((_, last)) = key.rsplit_once('.') {
                        blanked.keys.insert(last.trim().trim_matches(['"', '\'']).to_owned());
                    }
                    blanked.keys.insert(key.to_owned());
                    blanked.lists |= line.contains(['[', '{']);
                    format!("#{}", " ".repeat(line.len().saturating_sub(1)))
                }
            };
            attempt.replace_range(start..end, &repaired);
        }
    }

    /// The rule file a `script = "..."` path names: `Ok(None)` when that file was refused (already reported),
    /// an error message and hint when the path does not lead to a file of the rule set.
    ///
    /// The path is resolved (`..`, symbolic links) and must end inside the folder: a script is a file of the
    /// rule set like any other, read once with the others and covered by the digest.
    fn script_file(&self, file: &str) -> Result<Option<String>, (String, &'static str)> {
        let outside = || {
            (
                format!("script \"{file}\" is outside the rule folder"),
                "scripts must live inside the rule set's folder: give a path relative to it, such as scripts/points.rhai",
            )
        };
        let path = Path::new(file);
        if path.has_root() || path.is_absolute() {
            return Err(outside());
        }
        // A link that was refused when the folder was read has its problem reported there, once.
        if self.unreadable.contains(&rel_name(path)) {
            return Ok(None);
        }
        let missing =
            || (format!("script \"{file}\" does not exist"), "script paths are relative to the rule set's folder");
        // Files in memory have no links: the path is resolved by name. A folder's may lead through a link
        // inside it, so there the path is resolved on disk.
        if !self.on_disk {
            let Some(rel) = super::source::normalize(path) else { return Err(outside()) };
            if self.unreadable.contains(&rel) {
                return Ok(None);
            }
            if self.files.contains_key(&rel) {
                return Ok(Some(rel));
            }
            let hidden = rel.split('/').any(|p| p.starts_with('.'));
            return Err(if hidden {
                (
                    format!("script \"{file}\" is a hidden file, which is not part of the rule set"),
                    "files and folders whose names start with `.` are ignored: move the script out of them",
                )
            } else if self.files.keys().any(|k| k.starts_with(&format!("{rel}/"))) {
                (format!("script \"{file}\" is a folder"), "name the script file itself, such as scripts/points.rhai")
            } else {
                missing()
            });
        }
        let (Ok(root), Ok(real)) = (self.root.canonicalize(), self.root.join(path).canonicalize()) else {
            return Err(missing());
        };
        let Ok(inside) = real.strip_prefix(&root) else { return Err(outside()) };
        let rel = rel_name(inside);
        if self.unreadable.contains(&rel) {
            return Ok(None);
        }
        if !self.files.contains_key(&rel) {
            let hidden = inside.components().any(|c| c.as_os_str().to_string_lossy().starts_with('.'));
            return Err(if hidden {
                (
                    format!("script \"{file}\" is a hidden file, which is not part of the rule set"),
                    "files and folders whose names start with `.` are ignored: move the script out of them",
                )
            } else if real.is_dir() {
                (format!("script \"{file}\" is a folder"), "name the script file itself, such as scripts/points.rhai")
            } else {
                missing()
            });
        }
        Ok(Some(rel))
    }

    /// Reports a consistency lint, a warning: `check` refuses it, scoring warns and runs, since every value is
    /// still well defined and the rule set scores.
    fn lint(&mut self, code: Code, f: &File, span: std::ops::Range<usize>, msg: impl Into<String>, hint: Option<&str>) {
        let e = located(code, f, span, msg, hint).warning();
        self.report(e);
    }

    fn err(&mut self, code: Code, f: &File, span: std::ops::Range<usize>, msg: impl Into<String>, hint: Option<&str>) {
        let e = located(code, f, span, msg, hint);
        self.report(e);
    }

    /// Records a problem found in a file's meaning, unless it may be only a consequence of a line blanked while
    /// that file was read.
    fn report(&mut self, e: Error) {
        if self.blanked.get(&e.place.file).is_some_and(|b| b.hides(&e)) {
            return;
        }
        self.errors.push(e);
    }

    /// Whether lines of `rel` that may have named things other files refer to were blanked while it was read.
    fn names_may_be_missing(&self, rel: &str) -> bool {
        self.blanked.get(&self.shown(rel)).is_some_and(|b| b.lists)
    }

    /// Every problem found, a problem reported twice (a script used by several metrics) once, and whether all of
    /// them are consistency lints.
    fn take_problems(&mut self) -> (Vec<Error>, bool) {
        let mut seen = BTreeSet::new();
        let problems: Vec<Error> = std::mem::take(&mut self.errors)
            .into_iter()
            .filter(|e| seen.insert(e.to_string().split("\n  hint:").next().unwrap_or_default().to_owned()))
            .collect();
        let only_lints = problems.iter().all(|e| e.severity == Severity::Warning);
        (problems, only_lints)
    }

    /// `[usage] clouds` of program.toml: the clouds whose usage rows count, each name checked.
    fn usage_clouds(&mut self, f: &File, program: &ProgramFile) -> Option<BTreeSet<Cloud>> {
        let names = program.usage.as_ref()?.clouds.as_ref()?;
        if names.get_ref().is_empty() {
            self.err(
                codes::EMPTY_VALUE,
                f,
                names.span(),
                "clouds is empty: no usage row would count",
                Some("clouds = [\"public\"]"),
            );
        }
        let mut clouds = BTreeSet::new();
        for name in names.get_ref() {
            match Cloud::parse(name.get_ref().trim()) {
                Some(cloud) => {
                    clouds.insert(cloud);
                }
                None => {
                    let known: Vec<&str> = Cloud::names().collect();
                    let hint = suggest(name.get_ref().trim(), known.iter().copied(), "");
                    self.err(
                        codes::UNKNOWN_VALUE,
                        f,
                        name.span(),
                        format!("unknown cloud \"{}\"", name.get_ref()),
                        Some(&hint),
                    );
                }
            }
        }
        Some(clouds)
    }

    fn catalogue(&mut self, file: &CertificationsFile, text: &str) -> Catalogue {
        let f = File { name: self.shown("catalogue/certifications.toml"), text: text.to_owned() };
        let mut cat = Catalogue::default();
        let grace =
            file.retirement_grace_months.as_ref().map(|m| self.positive_int(&f, m, "retirement_grace_months", 120));
        for entry in &file.certification {
            let c = entry.get_ref();
            let index = cat.certifications.len();
            let mut keys = vec![&c.code, &c.name];
            keys.extend(c.aliases.iter());
            for key in keys {
                let k = key.get_ref().trim().to_lowercase();
                if k.is_empty() {
                    self.err(codes::EMPTY_VALUE, &f, key.span(), "empty certification code or name", None);
                } else if cat.by_key.insert(k, index).is_some() {
                    self.err(
                        codes::DEFINED_TWICE,
                        &f,
                        key.span(),
                        format!("\"{}\" names two certifications", key.get_ref()),
                        Some("codes, aliases and names must be unique in the catalogue"),
                    );
                }
            }
            // Without its own `eligible_through`, a retired certification counts through the catalogue's grace.
            let through = c.eligible_through.as_ref().map(|d| *d.get_ref()).or_else(|| {
                let retired = *c.retired.as_ref()?.get_ref();
                grace.map(|months| retired.plus_months(months))
            });
            if let (Some(r), Some(g)) = (&c.retired, &c.eligible_through) {
                if g.get_ref() < r.get_ref() {
                    self.err(
                        codes::DATES_OUT_OF_ORDER,
                        &f,
                        g.span(),
                        format!("eligible_through {} is before retired {}", g.get_ref(), r.get_ref()),
                        Some("a retired certification stays eligible until a day after its retirement"),
                    );
                }
            }
            cat.certifications.push(Certification {
                code: c.code.get_ref().trim().to_owned(),
                name: c.name.get_ref().trim().to_owned(),
                retired: c.retired.as_ref().map(|d| *d.get_ref()),
                eligible_through: through,
            });
        }
        cat
    }

    fn qualification(&mut self, f: &File, q: &QualificationFile) -> Option<Qualification> {
        // Both bars are checked before either refusal returns: every problem is reported (issue 12).
        let min_total = self.non_negative(f, &q.min_total, "min_total");
        let min_each_metric = self.non_negative(f, &q.min_each_metric, "min_each_metric");
        let window_months = q.window_months.as_ref().map_or(1, |v| self.positive_int(f, v, "window_months", 24) as u32);
        Some(Qualification { min_total: min_total?, min_each_metric: min_each_metric?, window_months })
    }

    fn non_negative(&mut self, f: &File, v: &Spanned<Dec>, key: &str) -> Option<Decimal> {
        let d = v.get_ref().0;
        if d.is_sign_negative() && !d.is_zero() {
            self.err(codes::NEGATIVE, f, v.span(), format!("{key} must not be negative"), None);
            return None;
        }
        Some(d)
    }

    /// An optional amount, threshold or count that means nothing below zero (reported like `non_negative`).
    fn non_negative_opt(&mut self, f: &File, v: &Option<Spanned<Dec>>, key: &str) -> Option<Decimal> {
        v.as_ref().map(|v| self.non_negative(f, v, key).unwrap_or_default())
    }

    /// A share or ratio, which is a fraction of a whole: from 0 to 1.
    fn fraction(&mut self, f: &File, v: &Spanned<Dec>, key: &str) -> Decimal {
        let d = v.get_ref().0;
        if d < Decimal::ZERO || d > Decimal::ONE {
            self.err(
                codes::OUT_OF_RANGE,
                f,
                v.span(),
                format!("{key} {} is not between 0 and 1", d.normalize()),
                Some("write 80% as 0.8"),
            );
        }
        d
    }

    fn positive_int(&mut self, f: &File, v: &Spanned<i64>, key: &str, max: i64) -> i32 {
        let n = *v.get_ref();
        if n < 1 || n > max {
            self.err(codes::OUT_OF_RANGE, f, v.span(), format!("{key} must be between 1 and {max}, found {n}"), None);
            return 1;
        }
        n as i32
    }

    /// Lower-cased product names, each checked against the product catalogue when there is one.
    fn product_names(
        &mut self,
        f: &File,
        names: &[Spanned<String>],
        known: Option<&BTreeMap<String, String>>,
    ) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for name in names {
            let key = name.get_ref().trim().to_lowercase();
            if let Some(known) = known {
                if !known.contains_key(&key) {
                    let hint = suggest(
                        name.get_ref().trim(),
                        known.values().map(String::as_str),
                        "products are listed in catalogue/products.toml",
                    );
                    self.err(
                        codes::UNKNOWN_PRODUCT,
                        f,
                        name.span(),
                        format!("unknown product \"{}\"", name.get_ref()),
                        Some(&hint),
                    );
                }
            }
            out.insert(key);
        }
        out
    }

    fn products(&mut self, f: &ProductsFile, text: &str) -> BTreeMap<String, String> {
        let file = File { name: self.shown("catalogue/products.toml"), text: text.to_owned() };
        let mut out = BTreeMap::new();
        for p in &f.product {
            let name = p.get_ref().name.get_ref().trim();
            if out.insert(name.to_lowercase(), name.to_owned()).is_some() {
                self.err(
                    codes::DEFINED_TWICE,
                    &file,
                    p.get_ref().name.span(),
                    format!("product \"{}\" is listed twice", p.get_ref().name.get_ref()),
                    None,
                );
            }
        }
        out
    }

    fn selections(
        &mut self,
        f: &File,
        program: &ProgramFile,
        known: Option<&BTreeMap<String, String>>,
    ) -> Vec<Selection> {
        let mut out = Vec::new();
        for (name, sel) in &program.selections {
            let s = sel.get_ref();
            let measure = s.measure.as_ref().map(|m| self.measure(f, m));
            let rates: Vec<Rate> = s
                .rates
                .iter()
                .map(|r| {
                    let rf = r.get_ref();
                    Rate {
                        products: self.product_names(f, &rf.products, known),
                        measure: self.measure(f, &rf.measure),
                        rate: self.non_negative(f, &rf.rate, "rate").unwrap_or_default(),
                    }
                })
                .collect();
            if measure.is_none() && rates.is_empty() {
                self.err(
                    codes::MISSING_KEY,
                    f,
                    sel.span(),
                    format!("selection \"{name}\" needs `measure` or `rates`"),
                    None,
                );
            }
            if measure.is_some() && !rates.is_empty() {
                self.err(
                    codes::CONFLICTING_KEYS,
                    f,
                    sel.span(),
                    format!("selection \"{name}\" gives both `measure` and `rates`"),
                    Some("with rates, each rate names its measure: drop `measure`"),
                );
            }
            let associations = s.associations.as_ref().map(|list| {
                list.iter()
                    .filter_map(|a| {
                        let found = Association::parse(&a.get_ref().trim().to_lowercase());
                        if found.is_none() {
                            let names = Association::names().collect::<Vec<_>>().join(", ");
                            self.err(
                                codes::UNKNOWN_VALUE,
                                f,
                                a.span(),
                                format!("unknown association \"{}\"", a.get_ref()),
                                Some(&format!("associations: {names}")),
                            );
                        }
                        found
                    })
                    .collect()
            });
            let product_names = s
                .products
                .iter()
                .flatten()
                .chain(s.rates.iter().flat_map(|r| r.get_ref().products.iter()))
                .map(|p| (p.get_ref().trim().to_lowercase(), p.get_ref().trim().to_owned()))
                .collect();
            let exclude_offers = lower_set(&s.exclude_offers);
            out.push(Selection {
                name: name.clone(),
                measure,
                rates,
                associations,
                excludes_default_offer: exclude_offers.contains(crate::partner::DEFAULT_OFFER),
                exclude_offers,
                products: s.products.as_ref().map(|p| self.product_names(f, p, known)),
                exclude_products: self.product_names(f, &s.exclude_products, known),
                product_names,
            });
        }
        out
    }

    fn measure(&mut self, f: &File, m: &Spanned<String>) -> Measure {
        match Measure::parse(m.get_ref().trim()) {
            Some(found) => found,
            None => {
                let hint = closest(m.get_ref(), Measure::names())
                    .map(|c| format!("did you mean `{c}`?"))
                    .unwrap_or_else(|| format!("measures: {}", Measure::names().collect::<Vec<_>>().join(", ")));
                self.err(
                    codes::UNKNOWN_VALUE,
                    f,
                    m.span(),
                    format!("unknown measure \"{}\"", m.get_ref()),
                    Some(&hint),
                );
                Measure::AcrUsd
            }
        }
    }

    /// The index of the selection `name`; 0, reported, when unknown, and 0 unchecked when `selections` is `None`
    /// (program.toml did not parse: the rule set is refused anyway).
    fn find_selection(&mut self, f: &File, name: &Spanned<String>, selections: Option<&[Selection]>) -> usize {
        let Some(selections) = selections else { return 0 };
        match selections.iter().position(|s| &s.name == name.get_ref()) {
            Some(i) => i,
            None => {
                let hint = suggest(
                    name.get_ref(),
                    selections.iter().map(|s| s.name.as_str()),
                    "selections are defined in program.toml",
                );
                self.err(
                    codes::UNKNOWN_SELECTION,
                    f,
                    name.span(),
                    format!("unknown selection \"{}\"", name.get_ref()),
                    Some(&hint),
                );
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
                let selection = self.find_selection(f, &t.selection, Some(selections));
                let given = [
                    ("amount", t.amount.as_ref().map(|v| v.span())),
                    ("segments", t.segments.as_ref().and_then(|v| v.first()).map(|v| v.span())),
                    ("share", t.share.as_ref().map(|v| v.span())),
                    ("entity", t.entity.as_ref().map(|v| v.span())),
                    ("above", t.above.as_ref().map(|v| v.span())),
                    ("at_least", t.at_least.as_ref().map(|v| v.span())),
                    ("baseline_offset", t.baseline_offset.as_ref().map(|v| v.span())),
                    ("months", t.months.as_ref().map(|v| v.span())),
                ];
                let takes: &[&str] = match t.test.get_ref().as_str() {
                    "ttm-total-at-least" => &["amount"],
                    "segment-share-below" => &["segments", "share", "months"],
                    "entities-above-in-both-months" => &["entity", "above", "at_least", "baseline_offset"],
                    _ => &[],
                };
                for (key, at) in given {
                    if let (Some(at), false) = (at, takes.is_empty() || takes.contains(&key)) {
                        let test = t.test.get_ref();
                        self.err(
                            codes::KEY_DOES_NOT_APPLY,
                            f,
                            at,
                            format!("key `{key}` does not apply to path test \"{test}\""),
                            Some(&format!("{test} takes: {}", takes.join(", "))),
                        );
                    }
                }
                if let Some(n) = t.at_least.as_ref().filter(|n| *n.get_ref() < 1) {
                    self.err(
                        codes::OUT_OF_RANGE,
                        f,
                        n.span(),
                        format!("at_least must be at least 1, found {}", n.get_ref()),
                        None,
                    );
                }
                let test = match t.test.get_ref().as_str() {
                    "ttm-total-at-least" => {
                        self.required(f, &t.amount, t.test.span(), "amount");
                        let amount = self.non_negative_opt(f, &t.amount, "amount").unwrap_or_default();
                        PathTest::TtmTotalAtLeast { selection, amount }
                    }
                    "segment-share-below" => {
                        self.required(f, &t.share, t.test.span(), "share");
                        let share = t.share.as_ref().map(|s| self.fraction(f, s, "share")).unwrap_or_default();
                        if t.segments.as_ref().is_none_or(|s| s.is_empty()) {
                            self.err(
                                codes::MISSING_KEY,
                                f,
                                t.test.span(),
                                "segment-share-below needs `segments`",
                                Some("segments = [\"smb\", \"smc\"]"),
                            );
                        }
                        let segments = t
                            .segments
                            .iter()
                            .flatten()
                            .filter_map(|s| {
                                let seg = Segment::parse(&s.get_ref().trim().to_lowercase());
                                if seg.is_none() {
                                    let names = Segment::names().collect::<Vec<_>>().join(", ");
                                    self.err(
                                        codes::UNKNOWN_VALUE,
                                        f,
                                        s.span(),
                                        format!("unknown segment \"{}\"", s.get_ref()),
                                        Some(&format!("segments: {names}")),
                                    );
                                }
                                seg
                            })
                            .collect();
                        let months = t.months.as_ref().map_or(12, |m| self.positive_int(f, m, "months", 120));
                        PathTest::SegmentShareBelow { selection, segments, share, months }
                    }
                    "entities-above-in-both-months" => {
                        self.required(f, &t.above, t.test.span(), "above");
                        let above = self.non_negative_opt(f, &t.above, "above").unwrap_or_default();
                        let at_least =
                            self.required(f, &t.at_least, t.test.span(), "at_least").unwrap_or(1).max(1) as usize;
                        let baseline_offset = match &t.baseline_offset {
                            Some(v) => self.positive_int(f, v, "baseline_offset", 120),
                            None => 12,
                        };
                        let entity = self.entity(f, &t.entity);
                        PathTest::EntitiesAboveInBothMonths { selection, entity, above, at_least, baseline_offset }
                    }
                    other => {
                        let hint = suggest(
                            other,
                            ["ttm-total-at-least", "segment-share-below", "entities-above-in-both-months"],
                            "",
                        );
                        self.err(
                            codes::UNKNOWN_VALUE,
                            f,
                            t.test.span(),
                            format!("unknown path test \"{other}\""),
                            Some(&hint),
                        );
                        continue;
                    }
                };
                tests.push((t.path.get_ref().trim().to_owned(), test));
            }
            out.push(PathRule {
                name: name.clone(),
                default: r.default.get_ref().trim().to_owned(),
                tests,
                enrollment_prefers: r.enrollment_prefers.as_ref().map(|p| p.get_ref().trim().to_owned()),
            });
        }
        out
    }

    fn required<T: Clone>(
        &mut self,
        f: &File,
        v: &Option<Spanned<T>>,
        at: std::ops::Range<usize>,
        key: &str,
    ) -> Option<T> {
        match v {
            Some(s) => Some(s.get_ref().clone()),
            None => {
                self.err(codes::MISSING_KEY, f, at, format!("missing key `{key}`"), None);
                None
            }
        }
    }

    fn designation(&mut self, f: &File, d: DesignationFile, scope: &Scope) -> Option<Designation> {
        let path_rules = scope.path_rules.unwrap_or_default();
        let id = d.id.get_ref().trim().to_owned();
        let qualification = match &d.qualification {
            Some(q) => {
                // One window for the whole program: the report's months and held designations follow it.
                if let Some(w) = &q.window_months {
                    self.err(
                        codes::KEY_DOES_NOT_APPLY,
                        f,
                        w.span(),
                        "window_months belongs in program.toml's [qualification]",
                        Some("the qualification window is the same for every designation of a version"),
                    );
                }
                let window = scope.qualification.as_ref().map_or(1, |p| p.window_months);
                self.qualification(f, q).map(|own| Qualification { window_months: window, ..own })
            }
            None => scope.qualification.clone(),
        };
        // A refused maximum is reported once: the paths' sums are not compared with it (issue 12).
        let refused_max = d.max_points.get_ref().0 < Decimal::ZERO;
        let max_points = self.non_negative(f, &d.max_points, "max_points").unwrap_or_default();
        let path_ids: Vec<String> = d.paths.get_ref().keys().cloned().collect();
        if path_ids.is_empty() {
            self.err(codes::EMPTY_VALUE, f, d.paths.span(), "a designation needs at least one path", None);
        }
        let path_selection = match &d.path_selection {
            None if path_ids.len() > 1 => {
                self.err(
                    codes::MISSING_KEY,
                    f,
                    d.paths.span(),
                    format!("designation has {} paths but no path_selection", path_ids.len()),
                    Some("add path_selection = { method = \"rule\", rule = \"...\" } or { method = \"best-total\" }"),
                );
                PathSelection::Single
            }
            None => PathSelection::Single,
            Some(sel) => {
                let s = sel.get_ref();
                if let (Some(by), false) = (&s.best_by, s.method.get_ref() == "best-total") {
                    self.err(
                        codes::KEY_DOES_NOT_APPLY,
                        f,
                        by.span(),
                        "key `best_by` applies only to path_selection method \"best-total\"",
                        None,
                    );
                }
                match s.method.get_ref().as_str() {
                    "best-total" => PathSelection::BestTotal(match &s.best_by {
                        None => BestBy::Points,
                        Some(by) => match by.get_ref().trim() {
                            "points" => BestBy::Points,
                            "qualified-then-points" => BestBy::QualifiedThenPoints,
                            other => {
                                let hint = suggest(other, BestBy::NAMES, "");
                                self.err(
                                    codes::UNKNOWN_VALUE,
                                    f,
                                    by.span(),
                                    format!("unknown best_by \"{other}\""),
                                    Some(&hint),
                                );
                                BestBy::Points
                            }
                        },
                    }),
                    "rule" => match &s.rule {
                        None => {
                            self.err(
                                codes::MISSING_KEY,
                                f,
                                sel.span(),
                                "path_selection method \"rule\" needs `rule`",
                                None,
                            );
                            PathSelection::Single
                        }
                        // Unchecked when program.toml did not parse (the rule set is refused anyway).
                        Some(_) if scope.path_rules.is_none() => PathSelection::Single,
                        Some(name) => match path_rules.iter().position(|r| &r.name == name.get_ref()) {
                            None => {
                                let hint = suggest(
                                    name.get_ref(),
                                    path_rules.iter().map(|r| r.name.as_str()),
                                    "path rules are defined in program.toml",
                                );
                                self.err(
                                    codes::UNKNOWN_PATH_RULE,
                                    f,
                                    name.span(),
                                    format!("unknown path rule \"{}\"", name.get_ref()),
                                    Some(&hint),
                                );
                                PathSelection::Single
                            }
                            Some(i) => {
                                let rule = &path_rules[i];
                                let paths = std::iter::once(&rule.default)
                                    .chain(rule.tests.iter().map(|(p, _)| p))
                                    .chain(rule.enrollment_prefers.iter());
                                for p in paths {
                                    if !path_ids.contains(p) {
                                        self.err(codes::UNDEFINED_PATH, f, name.span(), format!("path rule \"{}\" can choose path \"{p}\", which this designation does not define", rule.name), Some(&format!("paths here: {}", path_ids.join(", "))));
                                    }
                                }
                                PathSelection::Rule(i)
                            }
                        },
                    },
                    other => {
                        let hint = suggest(other, ["rule", "best-total"], "");
                        self.err(
                            codes::UNKNOWN_VALUE,
                            f,
                            s.method.span(),
                            format!("unknown path_selection method \"{other}\""),
                            Some(&hint),
                        );
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
            let mut overflowed = false;
            for m in path.get_ref().metrics.iter() {
                if !seen.insert(m.get_ref().id.get_ref().clone()) {
                    self.err(
                        codes::DEFINED_TWICE,
                        f,
                        m.get_ref().id.span(),
                        format!("metric \"{}\" appears twice in path \"{pid}\"", m.get_ref().id.get_ref()),
                        None,
                    );
                }
                if let Some(metric) = self.metric(f, m, scope) {
                    // Scoring adds the metrics' points without a check, trusting that their maxima add up.
                    match sum.checked_add(metric.max_points) {
                        Some(total) => sum = total,
                        None => {
                            self.err(
                                codes::NUMBER_OVERFLOW,
                                f,
                                m.get_ref().id.span(),
                                format!("the metrics of path \"{pid}\" add up to more points than a decimal holds"),
                                None,
                            );
                            overflowed = true;
                        }
                    }
                    metrics.push(metric);
                }
            }
            // A metric that failed to compile is missing from the sum: only compare complete paths.
            if sum != max_points
                && !overflowed
                && !refused_max
                && !metrics.is_empty()
                && metrics.len() == path.get_ref().metrics.len()
            {
                self.lint(
                    codes::MAX_POINTS_SUM,
                    f,
                    path.span(),
                    format!(
                        "the metrics of path \"{pid}\" add up to {} points, but the designation's max_points is {}",
                        sum.normalize(),
                        max_points.normalize()
                    ),
                    Some("make the metrics' max_points add up to the designation's"),
                );
            }
            paths.push(ScoringPath { id: pid, metrics });
        }
        Some(Designation { id, name: d.name, max_points, qualification: qualification?, path_selection, paths })
    }

    fn metric(&mut self, f: &File, m: &Spanned<MetricFile>, scope: &Scope) -> Option<Metric> {
        let span = m.span();
        let mf = m.get_ref();
        let id = mf.id.get_ref().trim().to_owned();
        let category = match &mf.category {
            Some(c) => {
                let category = c.get_ref().trim().to_owned();
                if Category::parse(&category).is_none() {
                    let hint = suggest(&category, Category::names(), "");
                    self.err(
                        codes::UNKNOWN_VALUE,
                        f,
                        c.span(),
                        format!("unknown category \"{category}\""),
                        Some(&hint),
                    );
                }
                category
            }
            None => {
                self.err(
                    codes::MISSING_KEY,
                    f,
                    span.clone(),
                    format!("metric \"{id}\" needs `category`"),
                    Some(&format!("one of: {}", Category::names().collect::<Vec<_>>().join(", "))),
                );
                String::new()
            }
        };
        let max_points = match &mf.max_points {
            Some(v) => self.non_negative(f, v, "max_points")?,
            None => {
                self.err(codes::MISSING_KEY, f, span.clone(), format!("metric \"{id}\" needs `max_points`"), None);
                return None;
            }
        };
        let measurement = if mf.kind.get_ref() == crate::metrics::COMBINED {
            self.check_keys(f, mf, &["combine", "parts"]);
            let combine = match mf.combine.as_ref().map(|c| (c.get_ref().as_str(), c.span())) {
                Some(("sum", _)) => Combine::Sum,
                Some(("distinct", _)) => Combine::Distinct,
                Some(("best", _)) => Combine::Best,
                Some((other, at)) => {
                    let hint = suggest(other, ["sum", "distinct", "best"], "");
                    self.err(codes::UNKNOWN_VALUE, f, at, format!("unknown combine \"{other}\""), Some(&hint));
                    Combine::Sum
                }
                None => {
                    self.err(
                        codes::MISSING_KEY,
                        f,
                        span.clone(),
                        format!("combined metric \"{id}\" needs `combine`"),
                        Some("combine = \"sum\", \"distinct\" or \"best\""),
                    );
                    Combine::Sum
                }
            };
            let mut parts = Vec::new();
            let mut seen = BTreeSet::new();
            for p in mf.parts.iter().flatten() {
                let pf = p.get_ref();
                let pid = pf.id.get_ref().trim().to_owned();
                if !seen.insert(pid.clone()) {
                    self.err(
                        codes::DEFINED_TWICE,
                        f,
                        pf.id.span(),
                        format!("part \"{pid}\" appears twice in metric \"{id}\""),
                        None,
                    );
                }
                if !pid.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    || pid.starts_with(|c: char| c.is_ascii_digit())
                {
                    self.err(
                        codes::INVALID_NAME,
                        f,
                        pf.id.span(),
                        format!("part id \"{pid}\" must be a name scripts can use: letters, digits and _"),
                        None,
                    );
                }
                for (key, at) in [
                    ("category", pf.category.as_ref().map(|c| c.span())),
                    ("max_points", pf.max_points.as_ref().map(|c| c.span())),
                ] {
                    if let Some(at) = at {
                        self.err(
                            codes::KEY_DOES_NOT_APPLY,
                            f,
                            at,
                            format!("a part takes no `{key}`: the metric's applies"),
                            None,
                        );
                    }
                }
                let part_points = match (&pf.points, combine) {
                    (Some(pp), Combine::Best) => self.points(f, pp, &pid, &[]),
                    (None, Combine::Best) => {
                        self.err(
                            codes::MISSING_KEY,
                            f,
                            p.span(),
                            format!("option \"{pid}\" of a `best` metric needs its own `points`"),
                            None,
                        );
                        None
                    }
                    (Some(pp), _) => {
                        self.err(
                            codes::KEY_DOES_NOT_APPLY,
                            f,
                            pp.span(),
                            format!("part \"{pid}\" takes no `points`: only the options of combine = \"best\" do"),
                            None,
                        );
                        None
                    }
                    (None, _) => None,
                };
                if pf.kind.get_ref() == crate::metrics::COMBINED {
                    self.err(
                        codes::NOT_ALLOWED_HERE,
                        f,
                        pf.kind.span(),
                        "parts cannot be combined metrics themselves",
                        None,
                    );
                    continue;
                }
                if let Some(kind) = self.kind(f, pf, p.span(), scope) {
                    if combine == Combine::Distinct && !kind.counts_customers() {
                        self.err(
                            codes::NOT_ALLOWED_HERE,
                            f,
                            pf.kind.span(),
                            format!(
                                "combine = \"distinct\" needs parts that count customers; \"{}\" does not",
                                pf.kind.get_ref()
                            ),
                            Some("use customer-adds, ratio-customers or rolling-sum-crossing parts"),
                        );
                    }
                    parts.push(Part { id: pid, kind, points: part_points });
                }
            }
            if parts.is_empty() {
                self.err(codes::MISSING_KEY, f, span.clone(), format!("combined metric \"{id}\" needs `parts`"), None);
            }
            Measurement::Combined { combine, parts }
        } else {
            Measurement::Single(self.kind(f, mf, span.clone(), scope)?)
        };
        let part_ids: Vec<String> = match &measurement {
            Measurement::Combined { parts, .. } => parts.iter().map(|p| p.id.clone()).collect(),
            Measurement::Single(_) => Vec::new(),
        };
        let best = matches!(measurement, Measurement::Combined { combine: Combine::Best, .. });
        let points = match (&mf.points, best) {
            (Some(p), false) => Some(self.points(f, p, &id, &part_ids)?),
            (None, false) => {
                self.err(
                    codes::MISSING_KEY,
                    f,
                    span,
                    format!("metric \"{id}\" needs `points`"),
                    Some("points = { per_unit = ..., max_units = ... } or { script = \"scripts/....rhai\" }"),
                );
                return None;
            }
            (Some(p), true) => {
                self.err(
                    codes::KEY_DOES_NOT_APPLY,
                    f,
                    p.span(),
                    format!("metric \"{id}\" takes the points of its best option: drop its own `points`"),
                    None,
                );
                None
            }
            (None, true) => None,
        };
        let fixed: Decimal = match &measurement {
            Measurement::Single(kind) => match kind.kind().fixed_points() {
                Some(fixed) => fixed,
                None => {
                    self.err(
                        codes::NUMBER_OVERFLOW,
                        f,
                        span.clone(),
                        format!("the prerequisite points of metric \"{id}\" add up to more than a decimal holds"),
                        None,
                    );
                    return None;
                }
            },
            _ => Decimal::ZERO,
        };
        let at = mf.points.as_ref().map_or(span.clone(), |p| p.span());
        if let Some(rule) = &points {
            self.reach_lint(f, at.clone(), &id, rule, max_points, fixed, part_ids.is_empty());
        }
        if let Measurement::Combined { combine: Combine::Best, parts } = &measurement {
            for (part, pf) in parts.iter().zip(mf.parts.iter().flatten()) {
                if let Some(rule) = &part.points {
                    let at = pf.get_ref().points.as_ref().map_or(pf.span(), |p| p.span());
                    self.reach_lint(f, at, &format!("{id}.{}", part.id), rule, max_points, Decimal::ZERO, true);
                }
            }
        }
        Some(Metric { id, category, max_points, measurement, points })
    }

    /// Checks that a points rule reaches the metric's maximum exactly: a cap the rule can never reach, or
    /// one that units × points always exceed, is a policy typo. Scripts are run once with many units.
    #[allow(clippy::too_many_arguments)]
    fn reach_lint(
        &mut self,
        f: &File,
        at: std::ops::Range<usize>,
        id: &str,
        rule: &PointsRule,
        max_points: Decimal,
        fixed: Decimal,
        script_sees_units_only: bool,
    ) {
        let top = match (&rule.script, rule.per_unit, rule.max_units) {
            (Some(script), _, _) if script_sees_units_only => {
                let many = rule.max_units.unwrap_or(Decimal::from(1_000_000));
                let mut inputs = vec![("units".to_owned(), many), ("max_points".to_owned(), max_points)];
                inputs.extend(rule.params.iter().cloned());
                match script.run(&inputs, &format!("checking that metric \"{id}\" reaches its max_points")) {
                    Ok(p) => p,
                    Err(e) => {
                        self.errors.push(e);
                        return;
                    }
                }
            }
            (None, Some(per), Some(units)) => match per.checked_mul(units) {
                Some(top) => top,
                None => {
                    self.err(
                        codes::NUMBER_OVERFLOW,
                        f,
                        at,
                        format!(
                            "metric \"{id}\": {} units × {} points is more than a decimal holds",
                            units.normalize(),
                            per.normalize()
                        ),
                        Some("lower max_units so that units × per_unit meets max_points"),
                    );
                    return;
                }
            },
            _ => return,
        };
        let top = match rule.round_places {
            Some(places) => top.round_dp_with_strategy(places, rust_decimal::RoundingStrategy::MidpointAwayFromZero),
            None => top,
        };
        // A script may return the largest decimal; with prerequisite points on top it has no top.
        let Some(top) = top.checked_add(fixed) else {
            self.err(
                codes::NUMBER_OVERFLOW,
                f,
                at,
                format!(
                    "metric \"{id}\": its top points plus {} prerequisite points is more than a decimal holds",
                    fixed.normalize()
                ),
                None,
            );
            return;
        };
        let how = match (&rule.script, rule.per_unit, rule.max_units) {
            (Some(_), _, _) => "its script gives".to_owned(),
            (None, Some(per), Some(units)) if fixed.is_zero() => {
                format!("{} × {} =", units.normalize(), per.normalize())
            }
            (None, Some(per), Some(units)) => {
                format!("{} × {} plus {} prerequisite points =", units.normalize(), per.normalize(), fixed.normalize())
            }
            _ => return,
        };
        if top < max_points {
            self.lint(
                codes::MAX_POINTS_UNREACHABLE,
                f,
                at,
                format!(
                    "metric \"{id}\" can never reach its max_points: {how} {} < {}",
                    top.normalize(),
                    max_points.normalize()
                ),
                Some("raise max_units or per_unit, or lower max_points"),
            );
        } else if top > max_points && rule.script.is_none() {
            self.lint(
                codes::MAX_POINTS_EXCEEDED,
                f,
                at,
                format!(
                    "metric \"{id}\" always exceeds its max_points before max_units binds: {how} {} > {}",
                    top.normalize(),
                    max_points.normalize()
                ),
                Some("lower max_units so that units × per_unit meets max_points"),
            );
        }
    }

    /// Reports `id` unless it is among `ids`; `None` when the ids are not all known (not checked then).
    fn known_designation(&mut self, f: &File, id: &Spanned<String>, ids: Option<&[String]>) {
        let Some(ids) = ids else { return };
        if !ids.contains(id.get_ref()) {
            let hint = suggest(
                id.get_ref(),
                ids.iter().map(String::as_str),
                "designations are the ids of designations/*.toml",
            );
            self.err(
                codes::UNKNOWN_DESIGNATION,
                f,
                id.span(),
                format!("unknown designation \"{}\"", id.get_ref()),
                Some(&hint),
            );
        }
    }

    fn badges(&mut self, f: &File, program: &ProgramFile, ids: Option<&[String]>) -> Vec<Badge> {
        let mut out = Vec::new();
        for spanned in &program.badges {
            let b = spanned.get_ref();
            for d in b.requires_all.iter().chain(&b.requires_any).flatten() {
                self.known_designation(f, d, ids);
            }
            let names = |list: &[Spanned<String>]| list.iter().map(|d| d.get_ref().trim().to_owned()).collect();
            let requires = match (&b.requires_all, &b.requires_any) {
                (Some(all), None) => BadgeRequires::All(names(all)),
                (None, Some(any)) if !any.is_empty() => BadgeRequires::Any(names(any)),
                (None, Some(_)) => {
                    // Held with one of none: the badge could never be held.
                    self.err(
                        codes::EMPTY_VALUE,
                        f,
                        spanned.span(),
                        format!("badge \"{}\": requires_any is empty", b.id.get_ref()),
                        None,
                    );
                    continue;
                }
                (all, _) => {
                    let both = all.is_some();
                    let message = if both {
                        format!("badge \"{}\" has both requires_all and requires_any", b.id.get_ref())
                    } else {
                        format!("badge \"{}\" needs requires_all or requires_any", b.id.get_ref())
                    };
                    let code = if both { codes::CONFLICTING_KEYS } else { codes::MISSING_KEY };
                    self.err(
                        code,
                        f,
                        spanned.span(),
                        message,
                        Some(
                            "requires_all: every designation is held; requires_any: at least one is; give exactly one",
                        ),
                    );
                    continue;
                }
            };
            out.push(Badge { id: b.id.get_ref().clone(), name: b.name.clone(), requires });
        }
        out
    }

    fn specializations(
        &mut self,
        file: &SpecializationsFile,
        text: &str,
        ids: Option<&[String]>,
    ) -> Vec<Specialization> {
        let f = File { name: self.shown("catalogue/specializations.toml"), text: text.to_owned() };
        let mut out = Vec::new();
        for s in &file.specialization {
            let s = s.get_ref();
            for d in &s.designations {
                self.known_designation(&f, d, ids);
            }
            out.push(Specialization {
                name: s.name.clone(),
                designations: s.designations.iter().map(|d| d.get_ref().clone()).collect(),
            });
        }
        out
    }

    fn software(&mut self, f: &File, file: SoftwareFile) -> Software {
        let requirements = file
            .requirement
            .iter()
            .map(|r| {
                let r = r.get_ref();
                Requirement {
                    category: r.category.clone(),
                    any_of: r.any_of.iter().filter_map(|c| self.condition(f, c)).collect(),
                }
            })
            .collect();
        Software { id: file.id.get_ref().clone(), name: file.name, requirements }
    }

    fn condition(&mut self, f: &File, c: &ConditionFile) -> Option<Condition> {
        if let Some(all) = &c.all_of {
            return Some(Condition::AllOf(all.iter().filter_map(|x| self.condition(f, x)).collect()));
        }
        let Some(fact) = &c.fact else {
            let e = Error::new(Located::file(&f.name), "a condition needs `fact` (or `all_of`)");
            self.report(e.with_code(codes::MISSING_KEY));
            return None;
        };
        let name = fact.get_ref().clone();
        match (&c.at_least, &c.includes, c.is) {
            // Facts are counts and amounts: a negative bar would hold for every solution.
            (Some(v), None, None) => {
                self.non_negative(f, v, "at_least").map(|value| Condition::AtLeast { fact: name, value })
            }
            (None, Some(v), None) => Some(Condition::Includes { fact: name, value: v.clone() }),
            (None, None, Some(v)) => Some(Condition::Is { fact: name, value: v }),
            _ => {
                self.err(
                    codes::CONFLICTING_KEYS,
                    f,
                    fact.span(),
                    format!("condition on \"{name}\" needs exactly one of `at_least`, `includes`, `is`"),
                    None,
                );
                None
            }
        }
    }

    /// Refuses the optional keys a kind does not take.
    fn check_keys(&mut self, f: &File, m: &MetricFile, allowed: &[&str]) {
        let kind = m.kind.get_ref();
        for (key, at) in present_keys(m) {
            if !allowed.contains(&key) {
                self.err(
                    codes::KEY_DOES_NOT_APPLY,
                    f,
                    at,
                    format!("key `{key}` does not apply to metric kind \"{kind}\""),
                    Some(&format!("{kind} takes: {}", allowed.join(", "))),
                );
            }
        }
    }

    fn aggregate(&mut self, f: &File, v: &Option<Spanned<String>>) -> Aggregate {
        match v.as_ref().map(|a| (a.get_ref().as_str(), a.span())) {
            None | Some(("sum", _)) => Aggregate::Sum,
            Some(("max", _)) => Aggregate::Max,
            Some((other, at)) => {
                self.err(
                    codes::UNKNOWN_VALUE,
                    f,
                    at,
                    format!("unknown aggregate \"{other}\""),
                    Some("aggregate = \"sum\" or \"max\""),
                );
                Aggregate::Sum
            }
        }
    }

    fn entity(&mut self, f: &File, v: &Option<Spanned<String>>) -> Entity {
        match v.as_ref().map(|a| (a.get_ref().as_str(), a.span())) {
            None | Some(("customer", _)) => Entity::Customer,
            Some(("customer-product", _)) => Entity::CustomerProduct,
            Some((other, at)) => {
                self.err(
                    codes::UNKNOWN_VALUE,
                    f,
                    at,
                    format!("unknown entity \"{other}\""),
                    Some("entity = \"customer\" or \"customer-product\""),
                );
                Entity::Customer
            }
        }
    }

    fn customer_filter(
        &mut self,
        f: &File,
        v: &Option<Spanned<CustomerFilterFile>>,
        own: Option<&Spanned<String>>,
        scope: &Scope,
    ) -> Option<CustomerFilter> {
        let v = v.as_ref()?;
        let cf = v.get_ref();
        // Without its own `selection`, the filter reads the metric's.
        let selection = match cf.selection.as_ref().or(own) {
            Some(name) => self.find_selection(f, name, scope.selections),
            None => {
                self.err(codes::MISSING_KEY, f, v.span(), "eligible_customers needs `selection`", None);
                0
            }
        };
        if cf.at_least.is_none() && cf.at_most.is_none() && cf.more_than.is_none() {
            self.err(
                codes::MISSING_KEY,
                f,
                v.span(),
                "eligible_customers needs `at_least`, `more_than` or `at_most`",
                None,
            );
        }
        let at_least = self.non_negative_opt(f, &cf.at_least, "at_least");
        let at_most = self.non_negative_opt(f, &cf.at_most, "at_most");
        let more_than = self.non_negative_opt(f, &cf.more_than, "more_than");
        if let (Some(_), Some(m)) = (&cf.at_least, &cf.more_than) {
            self.err(
                codes::CONFLICTING_KEYS,
                f,
                m.span(),
                "`more_than` and `at_least` cannot both be given",
                Some("more_than is the exclusive lower bound, at_least the inclusive one: keep one"),
            );
        }
        self.empty_range(f, at_least.zip(cf.at_most.as_ref()), "at_least");
        // An exclusive bound leaves no value when at_most equals it, too.
        if let (Some(low), Some(high)) = (more_than, &cf.at_most) {
            if high.get_ref().0 <= low && !high.get_ref().0.is_sign_negative() {
                self.err(
                    codes::EMPTY_RANGE,
                    f,
                    high.span(),
                    format!(
                        "at_most {} is not above more_than {}: no value can count",
                        high.get_ref().0.normalize(),
                        low.normalize()
                    ),
                    Some("more_than is exclusive and at_most inclusive: make at_most greater"),
                );
            }
        }
        let months = cf.months.as_ref().map_or(1, |m| self.positive_int(f, m, "months", 120));
        let promoted_months = cf.promoted_months.as_ref().map(|m| self.positive_int(f, m, "promoted_months", 120));
        if let (Some(p), None) = (&cf.promoted_months, &cf.at_most) {
            self.err(
                codes::MISSING_KEY,
                f,
                p.span(),
                "promoted_months needs `at_most`",
                Some("a promoted customer is one over at_most now that was in range promoted_months earlier"),
            );
        }
        Some(CustomerFilter {
            selection,
            aggregate: self.aggregate(f, &cf.aggregate),
            at_least,
            at_most,
            more_than,
            months,
            promoted_months,
        })
    }

    /// Refuses a range no value falls in: an `at_most` below its lower bound (`low_key`), which would count
    /// nothing, silently. Issue 12: this range check was missing.
    fn empty_range(&mut self, f: &File, bounds: Option<(Decimal, &Spanned<Dec>)>, low_key: &str) {
        if let Some((low, high)) = bounds {
            // A negative at_most has its own error.
            if high.get_ref().0 < low && !high.get_ref().0.is_sign_negative() {
                self.err(
                    codes::EMPTY_RANGE,
                    f,
                    high.span(),
                    format!(
                        "at_most {} is below {low_key} {}: no value can count",
                        high.get_ref().0.normalize(),
                        low.normalize()
                    ),
                    Some(&format!("at_most is inclusive: make it at least {}", low.normalize())),
                );
            }
        }
    }

    /// The kind-specific part of a metric or part, compiled by its registered kind.
    fn kind(&mut self, f: &File, m: &MetricFile, span: std::ops::Range<usize>, scope: &Scope) -> Option<MetricKind> {
        let Some(registered) = crate::metrics::registered(m.kind.get_ref()) else {
            let other = m.kind.get_ref();
            let hint = suggest(other, crate::metrics::kind_names(), "");
            self.err(codes::UNKNOWN_VALUE, f, m.kind.span(), format!("unknown metric kind \"{other}\""), Some(&hint));
            return None;
        };
        self.check_keys(f, m, registered.keys);
        let id = m.id.get_ref().trim().to_owned();
        (registered.compile)(&mut KindCompiler { c: self, f, scope, id, span }, m)
    }

    fn requirement(
        &mut self,
        f: &File,
        any_of: &[Spanned<String>],
        all_of: &[Spanned<String>],
        at: std::ops::Range<usize>,
        cat: Option<&Catalogue>,
    ) -> CertRequirement {
        if any_of.is_empty() && all_of.is_empty() {
            self.err(codes::MISSING_KEY, f, at, "a certification requirement needs `any_of` or `all_of`", None);
        }
        // Without a catalogue that loaded there is nothing to resolve against (and its problem is reported).
        let Some(cat) = cat else { return CertRequirement::new(Vec::new(), Vec::new()) };
        let mut resolve = |list: &[Spanned<String>]| -> Vec<usize> {
            list.iter()
                .filter_map(|name| {
                    let found = cat.find(name.get_ref());
                    if found.is_none() {
                        let keys = cat.certifications.iter().flat_map(|c| [c.code.as_str(), c.name.as_str()]);
                        let hint =
                            suggest(name.get_ref(), keys, "certifications are listed in catalogue/certifications.toml");
                        self.err(
                            codes::UNKNOWN_CERTIFICATION,
                            f,
                            name.span(),
                            format!("unknown certification \"{}\"", name.get_ref()),
                            Some(&hint),
                        );
                    }
                    found
                })
                .collect()
        };
        CertRequirement::new(resolve(any_of), resolve(all_of))
    }

    /// Compiles a points rule; `parts` are the part ids a script may read beside `units` and `max_points`.
    fn points(&mut self, f: &File, p: &Spanned<PointsFile>, metric: &str, parts: &[String]) -> Option<PointsRule> {
        let pf = p.get_ref();
        let script = match &pf.script {
            None => None,
            Some(rel) => {
                let file = rel.get_ref().clone();
                let mut inputs: Vec<String> = vec!["units".into(), "max_points".into()];
                inputs.extend(pf.params.keys().cloned());
                inputs.extend(parts.iter().cloned());
                let key = format!("{file}\u{0}{}", inputs.join(","));
                if !self.scripts.contains_key(&key) {
                    let compiled = match self.script_file(&file) {
                        Ok(Some(script)) => self.text(&script).and_then(|text| {
                            let shown = self.shown(&script);
                            Script::compile_text(&self.engine, &text, &shown, &inputs)
                                .map_err(|e| self.errors.push(e))
                                .ok()
                        }),
                        Ok(None) => None,
                        Err((message, hint)) => {
                            let code = if message.ends_with("is outside the rule folder") {
                                crate::codes::SCRIPT_OUTSIDE_RULES
                            } else {
                                crate::codes::SCRIPT_NOT_FOUND
                            };
                            self.err(code, f, rel.span(), message, Some(hint));
                            None
                        }
                    };
                    self.scripts.insert(key.clone(), compiled);
                }
                Some(self.scripts[&key].clone()?)
            }
        };
        if script.is_some() && pf.per_unit.is_some() {
            self.err(
                codes::CONFLICTING_KEYS,
                f,
                p.span(),
                format!("metric \"{metric}\" gives both `script` and `per_unit`"),
                Some("a script computes the points from the units: drop per_unit"),
            );
        }
        if script.is_none() && pf.per_unit.is_none() {
            self.err(
                codes::MISSING_KEY,
                f,
                p.span(),
                format!("metric \"{metric}\" needs `per_unit` or `script` under points"),
                None,
            );
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
                self.err(codes::OUT_OF_RANGE, f, v.span(), "round_places must be between 0 and 10", None);
                None
            }
            None => None,
        };
        if script.is_none() && !pf.params.is_empty() {
            self.err(
                codes::KEY_DOES_NOT_APPLY,
                f,
                p.span(),
                format!("metric \"{metric}\" gives `params` but no `script` to use them"),
                None,
            );
        }
        let params = pf.params.iter().map(|(k, v)| (k.clone(), v.get_ref().0)).collect();
        Some(PointsRule { per_unit, max_units, round_places, script, params })
    }
}

/// A problem at `span` of `f`, under `code`.
fn located(code: Code, f: &File, span: std::ops::Range<usize>, msg: impl Into<String>, hint: Option<&str>) -> Error {
    let e = Error::new(Located::offset(&f.name, &f.text, span.start), msg).with_code(code);
    match hint {
        Some(h) => e.with_hint(h),
        None => e,
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
    add("entity", m.entity.as_ref().map(|s| s.span()));
    add("aggregate", m.aggregate.as_ref().map(|s| s.span()));
    add("at_most", m.at_most.as_ref().map(|s| s.span()));
    add("denominator", m.denominator.as_ref().map(|s| s.span()));
    add("ratio", m.ratio.as_ref().map(|s| s.span()));
    add("min_denominator", m.min_denominator.as_ref().map(|s| s.span()));
    add("eligible_customers", m.eligible_customers.as_ref().map(|s| s.span()));
    add("combine", m.combine.as_ref().map(|s| s.span()));
    add("parts", m.parts.as_ref().and_then(|v| v.first()).map(|s| s.span()));
    add("promoted_months", m.promoted_months.as_ref().map(|s| s.span()));
    add("eligible_each_month", m.eligible_each_month.as_ref().map(|s| s.span()));
    out
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

/// The compiler as a metric kind sees it: one metric table of one file, and what the table may refer to.
///
/// Each kind's compile step (in `metrics/<kind>.rs`) reads its keys through these methods, which report every
/// problem at its place in the file with the same messages for every kind.
pub(crate) struct KindCompiler<'c, 's> {
    c: &'c mut Compiler,
    f: &'c File,
    scope: &'c Scope<'s>,
    /// The metric's (or part's) id.
    id: String,
    /// The metric's table, where a missing key is reported.
    span: std::ops::Range<usize>,
}

impl KindCompiler<'_, '_> {
    /// The metric's (or part's) id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Reports a problem at `span` of the file.
    pub fn err(&mut self, code: Code, span: std::ops::Range<usize>, msg: impl Into<String>, hint: Option<&str>) {
        self.c.err(code, self.f, span, msg, hint);
    }

    /// Reports a problem of the metric's table as a whole (a key it lacks).
    pub fn err_here(&mut self, code: Code, msg: impl Into<String>, hint: Option<&str>) {
        self.c.err(code, self.f, self.span.clone(), msg, hint);
    }

    /// A hint naming the closest of `candidates` to `word`, else listing them all.
    pub fn suggest(&self, word: &str, candidates: &[&str]) -> String {
        suggest(word, candidates.iter().copied(), "")
    }

    /// The required `selection` key, resolved to its index.
    pub fn selection(&mut self, m: &MetricFile) -> Option<usize> {
        match &m.selection {
            Some(s) => Some(self.find_selection(s)),
            None => {
                let id = self.id.clone();
                self.err_here(codes::MISSING_KEY, format!("\"{id}\" needs `selection`"), None);
                None
            }
        }
    }

    /// A selection named in the metric, resolved to its index (0, reported, when unknown).
    pub fn find_selection(&mut self, name: &Spanned<String>) -> usize {
        self.c.find_selection(self.f, name, self.scope.selections)
    }

    /// A month count from 1 to 120, or `default` when absent.
    pub fn months(&mut self, v: &Option<Spanned<i64>>, key: &str, default: i32) -> i32 {
        match v {
            Some(v) => self.c.positive_int(self.f, v, key, 120),
            None => default,
        }
    }

    /// A number that must not be negative.
    pub fn non_negative(&mut self, v: &Spanned<Dec>, key: &str) -> Option<Decimal> {
        self.c.non_negative(self.f, v, key)
    }

    /// An optional number that must not be negative.
    pub fn non_negative_opt(&mut self, v: &Option<Spanned<Dec>>, key: &str) -> Option<Decimal> {
        self.c.non_negative_opt(self.f, v, key)
    }

    /// Refuses an `at_most` below its lower bound `low_key` (a range no value falls in).
    pub fn empty_range(&mut self, bounds: Option<(Decimal, &Spanned<Dec>)>, low_key: &str) {
        self.c.empty_range(self.f, bounds, low_key)
    }

    /// A share or ratio from 0 to 1.
    pub fn fraction(&mut self, v: &Spanned<Dec>, key: &str) -> Decimal {
        self.c.fraction(self.f, v, key)
    }

    /// The value of a required key, reported at the metric's table when absent.
    pub fn required<T: Clone>(&mut self, v: &Option<Spanned<T>>, key: &str) -> Option<T> {
        self.c.required(self.f, v, self.span.clone(), key)
    }

    /// A certification requirement, each name resolved against the catalogue.
    pub fn requirement(
        &mut self,
        any_of: &[Spanned<String>],
        all_of: &[Spanned<String>],
        at: std::ops::Range<usize>,
    ) -> CertRequirement {
        self.c.requirement(self.f, any_of, all_of, at, self.scope.checked_catalogue())
    }

    /// The metric's `eligible_customers` filter, when given (on the metric's selection unless it names one).
    pub fn customer_filter(&mut self, m: &MetricFile) -> Option<CustomerFilter> {
        self.c.customer_filter(self.f, &m.eligible_customers, m.selection.as_ref(), self.scope)
    }

    /// Lower-cased product names, each checked against the product catalogue when there is one.
    pub fn product_names(&mut self, names: &[Spanned<String>]) -> BTreeSet<String> {
        self.c.product_names(self.f, names, self.scope.products)
    }

    /// `customer` (default) or `customer-product`.
    pub fn entity(&mut self, v: &Option<Spanned<String>>) -> Entity {
        self.c.entity(self.f, v)
    }

    /// `sum` (default) or `max`.
    pub fn aggregate(&mut self, v: &Option<Spanned<String>>) -> Aggregate {
        self.c.aggregate(self.f, v)
    }
}
