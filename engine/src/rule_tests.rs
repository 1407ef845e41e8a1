//! Rule tests: the cases rule authors keep beside the rules (`rules/<version>/tests/*.toml`), read, checked
//! against the rule set and run. `designate test` and `cargo test` both run them through this module.
//!
//! A case names one partner (a partner file by a path relative to the test file, or inline in the partner-file
//! shape) and states what the rule set of its folder must give it: a designation's path, points (the total, a
//! metric's or one part's of a combined metric), qualification, window verdict and held status, or a badge's held
//! status. Everything a case names is checked against the rule set while reading, so a misspelt designation or
//! metric is a located error (a `DS6xx` code), never a case that passes because it checks nothing. Failing cases
//! are results, not errors: each check carries what was expected, what was measured and the evidence.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::codes;
use crate::error::{Error, Located};
use crate::partner::{Format, Partner};
use crate::rules::{Measurement, RuleSet, TESTS_DIR};

/// An expected or measured value of a check: exact points, a name (a path) or a yes/no.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Points(Decimal),
    Text(String),
    Flag(bool),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Value::Points(d) => write!(f, "{}", d.normalize()),
            Value::Text(t) => f.write_str(t),
            Value::Flag(b) => write!(f, "{b}"),
        }
    }
}

/// Points as JSON strings, exact; paths as strings; flags as booleans.
impl Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Flag(b) => s.serialize_bool(*b),
            other => s.serialize_str(&other.to_string()),
        }
    }
}

/// What one check reads from the report.
#[derive(Debug, Clone, PartialEq, Eq)]
enum What {
    /// The designation's total, a metric's points, or a part's points of a combined metric.
    Points {
        metric: Option<String>,
        part: Option<String>,
    },
    Path,
    Qualified,
    QualifiedInWindow,
    Held,
    /// Whether a badge of the program status is held.
    Badge(String),
}

/// One expected value of a case.
#[derive(Debug, Clone)]
pub struct Check {
    /// The designation checked (`None` for a badge).
    designation: Option<String>,
    what: What,
    /// How messages name it: `data-ai.net-customer-adds`, `data-ai.total`, `data-ai.path`, `badge.azure.held`.
    pub subject: String,
    /// The keys leading to the expected value inside the case's table (`["points"]`,
    /// `["expect", "data-ai", "metrics", "net-customer-adds"]`), for `--update`.
    pub key: Vec<String>,
    /// The 1-based line of the expected value in the test file.
    pub line: usize,
    pub expected: Value,
}

/// One case of a test file, read and checked against the rule set.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    /// Its position in the file's `[[case]]` list (0-based), for `--update`.
    pub index: usize,
    /// The line of its `name`.
    pub line: usize,
    pub partner: Partner,
    pub checks: Vec<Check>,
}

/// A test file of a rule set, read.
#[derive(Debug, Clone)]
pub struct TestFile {
    /// The file as messages name it.
    pub file: String,
    pub cases: Vec<Case>,
}

/// The outcome of one check.
#[derive(Debug, Clone, Serialize)]
pub struct CheckOutcome {
    pub subject: String,
    pub line: usize,
    #[serde(skip)]
    pub key: Vec<String>,
    pub expected: Value,
    /// What the rules gave; `None` when the partner could not be scored.
    pub got: Option<Value>,
    pub passed: bool,
    /// The report's explanation of the value: a metric's evidence, the path's or the qualification's reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
}

/// The outcome of one case: it passes when every check does.
#[derive(Debug, Clone, Serialize)]
pub struct CaseOutcome {
    pub name: String,
    #[serde(skip)]
    pub index: usize,
    pub line: usize,
    pub passed: bool,
    /// Why the partner could not be scored, when it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub checks: Vec<CheckOutcome>,
    /// Each designation the case checks and the path it was scored on, for coverage.
    #[serde(skip)]
    pub paths: Vec<(String, String)>,
}

/// The outcomes of one test file.
#[derive(Debug, Clone, Serialize)]
pub struct FileOutcome {
    pub file: String,
    /// The rule version the file tests (its folder's).
    pub rules: String,
    pub cases: Vec<CaseOutcome>,
}

impl FileOutcome {
    /// How many cases passed and how many failed.
    pub fn counts(&self) -> (usize, usize) {
        let passed = self.cases.iter().filter(|c| c.passed).count();
        (passed, self.cases.len() - passed)
    }
}

/// The test files of a rule set: `tests/*.toml` in its folder, sorted; none when it has no `tests/` folder.
pub fn test_files(rules: &RuleSet) -> Result<Vec<PathBuf>, Error> {
    let dir = rules.dir.join(TESTS_DIR);
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let shown = dir.display().to_string();
    let entries = std::fs::read_dir(&dir).map_err(|e| {
        Error::new(Located::file(&shown), format!("cannot read folder: {e}")).with_code(codes::TEST_FILE_INVALID)
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .filter(|p| !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))
        .collect();
    files.sort();
    Ok(files)
}

/// Reads the test file `path` of `rules`: every problem of the file, or its cases.
pub fn load_file(rules: &RuleSet, path: &Path) -> Result<TestFile, Vec<Error>> {
    let shown = path.display().to_string();
    let refuse = |message: String| vec![Error::new(Located::file(&shown), message).with_code(codes::TEST_FILE_INVALID)];
    // As for rule files: a FIFO or a device is never opened (it could block or never end), nor a huge file read.
    let meta = std::fs::metadata(path).map_err(|e| refuse(format!("cannot read file: {e}")))?;
    if !meta.is_file() {
        return Err(refuse("not a regular file".to_owned()));
    }
    if meta.len() > crate::rules::MAX_RULE_FILE_BYTES {
        let mb = crate::rules::MAX_RULE_FILE_BYTES / (1024 * 1024);
        return Err(refuse(format!("file is larger than the {mb} MB a test file may have")));
    }
    let text = std::fs::read_to_string(path).map_err(|e| refuse(format!("cannot read file: {e}")))?;
    parse_file(rules, &shown, &text, path.parent().unwrap_or(Path::new(".")))
}

/// Reads a test file's `text`; `file` names it in messages, `base` is the folder partner paths are relative to.
pub fn parse_file(rules: &RuleSet, file: &str, text: &str, base: &Path) -> Result<TestFile, Vec<Error>> {
    let schema: FileSchema =
        toml::from_str(text).map_err(|e| vec![Error::from_toml(file, text, &e).with_code(codes::TEST_FILE_INVALID)])?;
    if schema.case.is_empty() {
        return Err(vec![Error::new(Located::file(file), "no test case in this file")
            .with_code(codes::TEST_FILE_EMPTY)
            .with_hint("add a [[case]] with a name, a partner and what the rules must give it")]);
    }
    let mut reader = Reader { rules, file, text, errors: Vec::new() };
    let mut cases = Vec::new();
    for (index, case) in schema.case.into_iter().enumerate() {
        if let Some(case) = reader.case(index, case, base) {
            cases.push(case);
        }
    }
    if reader.errors.is_empty() {
        Ok(TestFile { file: file.to_owned(), cases })
    } else {
        Err(reader.errors)
    }
}

/// Reads and runs every test file of `rules`: the outcomes, or every problem of every file.
pub fn run_rule_set(rules: &RuleSet) -> Result<Vec<FileOutcome>, Vec<Error>> {
    let files = test_files(rules).map_err(|e| vec![e])?;
    let mut errors = Vec::new();
    let mut outcomes = Vec::new();
    for path in files {
        match load_file(rules, &path) {
            Ok(file) => outcomes.push(run_file(rules, &file)),
            Err(mut e) => errors.append(&mut e),
        }
    }
    if errors.is_empty() {
        Ok(outcomes)
    } else {
        Err(errors)
    }
}

/// Runs every case of `file` under `rules`.
pub fn run_file(rules: &RuleSet, file: &TestFile) -> FileOutcome {
    let cases = file.cases.iter().map(|case| run_case(rules, case)).collect();
    FileOutcome { file: file.file.clone(), rules: rules.version.clone(), cases }
}

/// Scores the case's partner and compares each check.
pub fn run_case(rules: &RuleSet, case: &Case) -> CaseOutcome {
    let report = crate::score(rules, &case.partner);
    let mut paths = Vec::new();
    let checks: Vec<CheckOutcome> = case
        .checks
        .iter()
        .map(|check| {
            let (got, evidence) = match &report {
                Ok(report) => measure(report, check),
                Err(_) => (None, Vec::new()),
            };
            if let (Ok(report), Some(id)) = (&report, &check.designation) {
                if let Some(d) = report.designations.iter().find(|d| &d.id == id) {
                    let pair = (d.id.clone(), d.path.clone());
                    if !paths.contains(&pair) {
                        paths.push(pair);
                    }
                }
            }
            let passed = got.as_ref() == Some(&check.expected);
            CheckOutcome {
                subject: check.subject.clone(),
                line: check.line,
                key: check.key.clone(),
                expected: check.expected.clone(),
                got,
                passed,
                evidence,
            }
        })
        .collect();
    let error = report.as_ref().err().map(ToString::to_string);
    CaseOutcome {
        name: case.name.clone(),
        index: case.index,
        line: case.line,
        passed: error.is_none() && checks.iter().all(|c| c.passed),
        error,
        checks,
        paths,
    }
}

/// What the report gives for `check`, and the report's words for it.
fn measure(report: &crate::ScoreReport, check: &Check) -> (Option<Value>, Vec<String>) {
    if let What::Badge(badge) = &check.what {
        let status = report.program.as_ref().and_then(|p| p.badges.iter().find(|b| &b.id == badge));
        return match status {
            Some(s) => {
                let why =
                    if s.missing.is_empty() { Vec::new() } else { vec![format!("missing: {}", s.missing.join(", "))] };
                (Some(Value::Flag(s.held)), why)
            }
            None => (None, vec![format!("the report has no badge {badge}")]),
        };
    }
    let Some(id) = &check.designation else { return (None, Vec::new()) };
    let Some(d) = report.designations.iter().find(|d| &d.id == id) else {
        return (None, vec![format!("the report has no designation {id}")]);
    };
    match &check.what {
        What::Points { metric: None, .. } => (Some(Value::Points(d.points)), vec![d.qualification.clone()]),
        What::Points { metric: Some(m), part } => {
            let Some(metric) = d.metrics.iter().find(|x| &x.id == m) else {
                return (None, vec![format!("metric {m} is not on the {} path the partner was scored on", d.path)]);
            };
            let why = vec![metric.explanation.clone()];
            match part {
                None => (Some(Value::Points(metric.points)), why),
                Some(part) => {
                    let parts = metric.evidence.as_ref().map(|e| e.parts.as_slice()).unwrap_or_default();
                    let points = parts.iter().find(|p| &p.id == part).and_then(|p| p.evidence.points.as_ref());
                    match points {
                        Some(p) => (Some(Value::Points(p.points)), why),
                        None => (None, vec![format!("part {part} of {m} has no points of its own in the report")]),
                    }
                }
            }
        }
        What::Path => (Some(Value::Text(d.path.clone())), vec![d.path_reason.clone()]),
        What::Qualified => (Some(Value::Flag(d.qualified)), vec![d.qualification.clone()]),
        What::QualifiedInWindow => (Some(Value::Flag(d.qualified_in_window)), vec![d.qualification.clone()]),
        What::Held => {
            let status = report.program.as_ref().and_then(|p| p.held.iter().find(|x| &x.id == id));
            match status {
                Some(s) => (Some(Value::Flag(s.held)), vec![s.reason.clone()]),
                None => (None, vec![format!("the report has no held status for {id}")]),
            }
        }
        // Read above, before the designation is looked up.
        What::Badge(_) => (None, Vec::new()),
    }
}

// ---- the file format ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSchema {
    case: Vec<CaseSchema>,
}

/// A case as written. The top-level `designation`, `metric`, `part`, `points`, `path`, ... state one designation's
/// values (today's single-fact form); `[case.expect.<designation>]` blocks state any number of designations.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseSchema {
    name: Spanned<String>,
    partner: Spanned<toml::Value>,
    designation: Option<Spanned<String>>,
    /// A metric id; `points` is then the metric's, else the designation's total.
    metric: Option<Spanned<String>>,
    /// A part of the combined `metric`: `points` is then the part's own.
    part: Option<Spanned<String>>,
    points: Option<Spanned<Points>>,
    path: Option<Spanned<String>>,
    qualified: Option<Spanned<bool>>,
    qualified_in_window: Option<Spanned<bool>>,
    /// Whether the designation (or, with `badge`, the badge) is held in the program status.
    held: Option<Spanned<bool>>,
    badge: Option<Spanned<String>>,
    #[serde(default)]
    expect: BTreeMap<String, Spanned<ExpectSchema>>,
}

/// What one designation must give the case's partner.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectSchema {
    path: Option<Spanned<String>>,
    /// The designation's total.
    total: Option<Spanned<Points>>,
    qualified: Option<Spanned<bool>>,
    qualified_in_window: Option<Spanned<bool>>,
    held: Option<Spanned<bool>>,
    /// Points per metric id.
    #[serde(default)]
    metrics: BTreeMap<String, Spanned<Points>>,
}

/// Exact points: a quoted decimal (`"12.5"`) or a whole number; a float literal would pass through binary.
struct Points(Decimal);

impl<'de> Deserialize<'de> for Points {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Points;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("points as a quoted decimal such as \"12.5\" or a whole number")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Points, E> {
                v.trim()
                    .parse::<Decimal>()
                    .map(Points)
                    .map_err(|_| E::custom(format!("expected points as a decimal such as \"12.5\", found \"{v}\"")))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Points, E> {
                Ok(Points(Decimal::from(v)))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Points, E> {
                Ok(Points(Decimal::from(v)))
            }
            fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Points, E> {
                Err(E::custom("write points with a fraction in quotes, such as \"12.5\", so they stay exact"))
            }
        }
        d.deserialize_any(V)
    }
}

/// Reads cases against a rule set, collecting every problem.
struct Reader<'a> {
    rules: &'a RuleSet,
    file: &'a str,
    text: &'a str,
    errors: Vec<Error>,
}

impl<'a> Reader<'a> {
    fn at(&self, span: std::ops::Range<usize>) -> Located {
        Located::offset(self.file, self.text, span.start)
    }

    fn line(&self, span: std::ops::Range<usize>) -> usize {
        crate::error::line_col(self.text, span.start).0
    }

    fn fail(&mut self, span: std::ops::Range<usize>, message: String, code: codes::Code, hint: Option<String>) {
        let mut e = Error::new(self.at(span), message).with_code(code);
        if let Some(hint) = hint {
            e = e.with_hint(hint);
        }
        self.errors.push(e);
    }

    fn case(&mut self, index: usize, c: CaseSchema, base: &Path) -> Option<Case> {
        let before = self.errors.len();
        let name = c.name.get_ref().clone();
        let line = self.line(c.name.span());
        let partner = self.partner(&name, &c.partner, base);
        let mut checks = Vec::new();
        let flat = [c.points.is_some(), c.path.is_some(), c.qualified.is_some(), c.qualified_in_window.is_some()];
        if let Some(badge) = &c.badge {
            self.badge(&name, badge, &c, &mut checks);
        } else if let Some(designation) = &c.designation {
            self.flat(&name, designation, &c, &mut checks);
        } else if flat.iter().any(|x| *x) || c.metric.is_some() || c.held.is_some() {
            self.fail(
                c.name.span(),
                format!("case \"{name}\" states values but names no designation"),
                codes::TEST_CASE_INCOMPLETE,
                Some("add `designation = \"<id>\"`, or state them under [case.expect.<designation>]".into()),
            );
        }
        for (id, block) in &c.expect {
            self.expect(&name, id, block, &mut checks);
        }
        if checks.is_empty() && self.errors.len() == before {
            self.fail(
                c.name.span(),
                format!("case \"{name}\" checks nothing"),
                codes::TEST_CASE_INCOMPLETE,
                Some("state a path, points, qualified, qualified_in_window or held".into()),
            );
        }
        if self.errors.len() > before {
            return None;
        }
        Some(Case { name, index, line, partner: partner?, checks })
    }

    fn partner(&mut self, name: &str, value: &Spanned<toml::Value>, base: &Path) -> Option<Partner> {
        match value.get_ref() {
            toml::Value::String(rel) => {
                let path = base.join(rel);
                if !path.is_file() {
                    self.fail(
                        value.span(),
                        format!("case \"{name}\": partner file {} does not exist", path.display()),
                        codes::TEST_PARTNER_MISSING,
                        Some("a partner path is relative to the test file's folder".into()),
                    );
                    return None;
                }
                match Partner::load(&path) {
                    Ok(p) => Some(p),
                    Err(e) => {
                        self.errors.push(e);
                        None
                    }
                }
            }
            toml::Value::Table(table) => {
                let origin = format!("{}: case \"{name}\": partner", self.file);
                let text = toml::to_string(table).unwrap_or_default();
                match Partner::parse(&text, Format::Toml, &origin) {
                    Ok(p) => Some(p),
                    Err(e) => {
                        // The inline partner's lines are not the test file's: say where the case writes it and
                        // what the partner reader found, by field.
                        let what = match (&e.place.field, e.place.line) {
                            (Some(field), _) => format!("{field}: {}", e.message),
                            _ => e.message.clone(),
                        };
                        let mut err =
                            Error::new(self.at(value.span()), format!("case \"{name}\": inline partner: {what}"))
                                .with_code(codes::TEST_PARTNER_INVALID);
                        if let Some(hint) = e.hint {
                            err = err.with_hint(hint);
                        }
                        self.errors.push(err);
                        None
                    }
                }
            }
            _ => {
                self.fail(
                    value.span(),
                    format!("case \"{name}\": partner must be a file path or a table in the partner-file shape"),
                    codes::TEST_FILE_INVALID,
                    Some(
                        "partner = \"../../../snapshots/partners/x.yaml\", or [case.partner] with id, as_of, ..."
                            .into(),
                    ),
                );
                None
            }
        }
    }

    /// The designation `id`, or an error at `span`.
    fn designation(
        &mut self,
        name: &str,
        id: &str,
        span: std::ops::Range<usize>,
    ) -> Option<&'a crate::rules::Designation> {
        let rules = self.rules;
        let found = rules.designations.iter().find(|d| d.id == id);
        if found.is_none() {
            let known: Vec<&str> = rules.designations.iter().map(|d| d.id.as_str()).collect();
            let hint = crate::error::closest(id, known.iter().copied())
                .map(|c| format!("did you mean \"{c}\"?"))
                .unwrap_or_else(|| format!("designations of {}: {}", rules.version, known.join(", ")));
            self.fail(
                span,
                format!("case \"{name}\": unknown designation \"{id}\""),
                codes::TEST_UNKNOWN_DESIGNATION,
                Some(hint),
            );
        }
        found
    }

    fn metric_known(
        &mut self,
        name: &str,
        d: &crate::rules::Designation,
        m: &str,
        span: std::ops::Range<usize>,
    ) -> bool {
        if d.paths.iter().any(|p| p.metrics.iter().any(|x| x.id == m)) {
            return true;
        }
        let mut known: Vec<&str> = d.paths.iter().flat_map(|p| p.metrics.iter().map(|x| x.id.as_str())).collect();
        known.sort_unstable();
        known.dedup();
        let hint = crate::error::closest(m, known.iter().copied())
            .map(|c| format!("did you mean \"{c}\"?"))
            .unwrap_or_else(|| format!("metrics of {}: {}", d.id, known.join(", ")));
        self.fail(
            span,
            format!("case \"{name}\": {} has no metric \"{m}\"", d.id),
            codes::TEST_UNKNOWN_METRIC,
            Some(hint),
        );
        false
    }

    fn path_known(&mut self, name: &str, d: &crate::rules::Designation, p: &Spanned<String>) -> bool {
        if d.paths.iter().any(|x| &x.id == p.get_ref()) {
            return true;
        }
        let known: Vec<&str> = d.paths.iter().map(|x| x.id.as_str()).collect();
        self.fail(
            p.span(),
            format!("case \"{name}\": {} has no path \"{}\"", d.id, p.get_ref()),
            codes::TEST_UNKNOWN_PATH,
            Some(format!("paths of {}: {}", d.id, known.join(", "))),
        );
        false
    }

    /// The single-designation form: `designation`, optional `metric`/`part`, and the values.
    fn flat(&mut self, name: &str, designation: &Spanned<String>, c: &CaseSchema, checks: &mut Vec<Check>) {
        let id = designation.get_ref().clone();
        let Some(d) = self.designation(name, &id, designation.span()) else { return };
        let mut metric = None;
        if let Some(m) = &c.metric {
            if !self.metric_known(name, d, m.get_ref(), m.span()) {
                return;
            }
            metric = Some(m.get_ref().clone());
            if c.points.is_none() {
                self.fail(
                    m.span(),
                    format!("case \"{name}\": a metric without points"),
                    codes::TEST_CASE_INCOMPLETE,
                    Some("add points = \"<the metric's points>\"".into()),
                );
            }
        }
        let mut part = None;
        if let Some(p) = &c.part {
            let Some(m) = &metric else {
                self.fail(
                    p.span(),
                    format!("case \"{name}\": a part without its metric"),
                    codes::TEST_CASE_INCOMPLETE,
                    None,
                );
                return;
            };
            let parts: Vec<&str> = d
                .paths
                .iter()
                .flat_map(|x| x.metrics.iter().filter(|x| &x.id == m))
                .flat_map(|x| match &x.measurement {
                    Measurement::Combined { parts, .. } => parts.iter().map(|p| p.id.as_str()).collect(),
                    Measurement::Single(_) => Vec::new(),
                })
                .collect();
            if !parts.contains(&p.get_ref().as_str()) {
                let hint = if parts.is_empty() {
                    format!("{m} is not a combined metric")
                } else {
                    format!("parts of {m}: {}", parts.join(", "))
                };
                self.fail(
                    p.span(),
                    format!("case \"{name}\": {m} has no part \"{}\"", p.get_ref()),
                    codes::TEST_UNKNOWN_PART,
                    Some(hint),
                );
                return;
            }
            part = Some(p.get_ref().clone());
        }
        if let Some(p) = &c.path {
            if !self.path_known(name, d, p) {
                return;
            }
        }
        let subject_points = match (&metric, &part) {
            (Some(m), Some(p)) => format!("{id}.{m}.{p}"),
            (Some(m), None) => format!("{id}.{m}"),
            _ => format!("{id}.total"),
        };
        if let Some(p) = &c.points {
            checks.push(self.check(
                &id,
                What::Points { metric, part },
                subject_points,
                &["points"],
                p.span(),
                Value::Points(p.get_ref().0),
            ));
        }
        self.common(
            &id,
            c.path.as_ref(),
            c.qualified.as_ref(),
            c.qualified_in_window.as_ref(),
            c.held.as_ref(),
            &[],
            checks,
        );
    }

    fn badge(&mut self, name: &str, badge: &Spanned<String>, c: &CaseSchema, checks: &mut Vec<Check>) {
        let id = badge.get_ref();
        if !self.rules.badges.iter().any(|b| &b.id == id) {
            let known: Vec<&str> = self.rules.badges.iter().map(|b| b.id.as_str()).collect();
            self.fail(
                badge.span(),
                format!("case \"{name}\": unknown badge \"{id}\""),
                codes::TEST_UNKNOWN_BADGE,
                Some(if known.is_empty() {
                    format!("the rules of {} define no badge", self.rules.version)
                } else {
                    format!("badges of {}: {}", self.rules.version, known.join(", "))
                }),
            );
            return;
        }
        let others =
            [c.designation.is_some(), c.metric.is_some(), c.points.is_some(), c.path.is_some(), c.qualified.is_some()];
        match &c.held {
            Some(held) if !others.iter().any(|x| *x) && c.qualified_in_window.is_none() && c.part.is_none() => {
                checks.push(self.check_badge(id, held));
            }
            Some(_) => self.fail(
                badge.span(),
                format!("case \"{name}\": a badge case states only `held`"),
                codes::TEST_CASE_INCOMPLETE,
                Some("state a designation's values in another case or under [case.expect.<designation>]".into()),
            ),
            None => self.fail(
                badge.span(),
                format!("case \"{name}\": a badge without held"),
                codes::TEST_CASE_INCOMPLETE,
                Some("add held = true or held = false".into()),
            ),
        }
    }

    fn check_badge(&self, id: &str, held: &Spanned<bool>) -> Check {
        Check {
            designation: None,
            what: What::Badge(id.to_owned()),
            subject: format!("badge.{id}.held"),
            key: vec!["held".into()],
            line: self.line(held.span()),
            expected: Value::Flag(*held.get_ref()),
        }
    }

    /// A `[case.expect.<designation>]` block.
    fn expect(&mut self, name: &str, id: &str, block: &Spanned<ExpectSchema>, checks: &mut Vec<Check>) {
        let Some(d) = self.designation(name, id, block.span()) else { return };
        let e = block.get_ref();
        if let Some(p) = &e.path {
            if !self.path_known(name, d, p) {
                return;
            }
        }
        let prefix = ["expect", id];
        for (m, points) in &e.metrics {
            if self.metric_known(name, d, m, points.span()) {
                let key = [prefix[0], prefix[1], "metrics", m.as_str()];
                let what = What::Points { metric: Some(m.clone()), part: None };
                checks.push(self.check(
                    id,
                    what,
                    format!("{id}.{m}"),
                    &key,
                    points.span(),
                    Value::Points(points.get_ref().0),
                ));
            }
        }
        if let Some(t) = &e.total {
            let key = [prefix[0], prefix[1], "total"];
            let what = What::Points { metric: None, part: None };
            checks.push(self.check(id, what, format!("{id}.total"), &key, t.span(), Value::Points(t.get_ref().0)));
        }
        let before = checks.len();
        self.common(
            id,
            e.path.as_ref(),
            e.qualified.as_ref(),
            e.qualified_in_window.as_ref(),
            e.held.as_ref(),
            &prefix,
            checks,
        );
        if checks.len() == before && e.metrics.is_empty() && e.total.is_none() {
            self.fail(
                block.span(),
                format!("case \"{name}\": [case.expect.{id}] checks nothing"),
                codes::TEST_CASE_INCOMPLETE,
                Some("state path, total, metrics, qualified, qualified_in_window or held".into()),
            );
        }
    }

    /// The checks every form shares: path, qualified, qualified_in_window, held; `prefix` leads to their table.
    #[allow(clippy::too_many_arguments)]
    fn common(
        &self,
        id: &str,
        path: Option<&Spanned<String>>,
        qualified: Option<&Spanned<bool>>,
        in_window: Option<&Spanned<bool>>,
        held: Option<&Spanned<bool>>,
        prefix: &[&str],
        checks: &mut Vec<Check>,
    ) {
        let key = |last: &'static str| -> Vec<&str> { prefix.iter().copied().chain([last]).collect() };
        if let Some(p) = path {
            checks.push(self.check(
                id,
                What::Path,
                format!("{id}.path"),
                &key("path"),
                p.span(),
                Value::Text(p.get_ref().clone()),
            ));
        }
        let flags = [
            (qualified, What::Qualified, "qualified"),
            (in_window, What::QualifiedInWindow, "qualified_in_window"),
            (held, What::Held, "held"),
        ];
        for (flag, what, word) in flags {
            if let Some(f) = flag {
                checks.push(self.check(
                    id,
                    what,
                    format!("{id}.{word}"),
                    &key(word),
                    f.span(),
                    Value::Flag(*f.get_ref()),
                ));
            }
        }
    }

    fn check(
        &self,
        designation: &str,
        what: What,
        subject: String,
        key: &[&str],
        span: std::ops::Range<usize>,
        expected: Value,
    ) -> Check {
        Check {
            designation: Some(designation.to_owned()),
            what,
            subject,
            key: key.iter().map(|k| (*k).to_owned()).collect(),
            line: self.line(span),
            expected,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> RuleSet {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/2024-06");
        RuleSet::load(&dir).expect("the shipped 2024-06 rules load")
    }

    /// The codes of the problems of a test file's `text`, with `case` inserted after a valid head.
    fn codes_of(rules: &RuleSet, text: &str) -> Vec<&'static str> {
        let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/2024-06/tests");
        match parse_file(rules, "t.toml", text, &base) {
            Ok(_) => Vec::new(),
            Err(errors) => errors.iter().map(|e| e.code.id).collect(),
        }
    }

    // issue 14: every mistake in a case file is a located problem with its DS6xx code, never a case that passes
    // because it checks nothing; and every problem of a file is reported, not the first only.
    #[test]
    fn a_mistaken_case_gets_its_rule_test_code() {
        let rules = rules();
        let head = "[[case]]\nname = \"c\"\npartner = \"../../../snapshots/partners/contoso-smb.yaml\"\n";
        let cases = [
            (format!("{head}designation = \"data-ai\"\npointz = \"1\"\n"), vec!["DS600"]),
            (format!("{head}designation = \"data-aj\"\npoints = \"1\"\n"), vec!["DS601"]),
            (format!("{head}designation = \"data-ai\"\nmetric = \"x\"\npoints = \"1\"\n"), vec!["DS602"]),
            (
                format!(
                    "{head}designation = \"data-ai\"\nmetric = \"net-customer-adds\"\npart = \"x\"\npoints = \"1\"\n"
                ),
                vec!["DS603"],
            ),
            (format!("{head}badge = \"x\"\nheld = true\n"), vec!["DS604"]),
            (format!("{head}designation = \"data-ai\"\npath = \"x\"\n"), vec!["DS605"]),
            (
                "[[case]]\nname = \"c\"\npartner = \"none.yaml\"\ndesignation = \"data-ai\"\npath = \"smb\"\n".into(),
                vec!["DS606"],
            ),
            (
                "[[case]]\nname = \"c\"\ndesignation = \"data-ai\"\npath = \"smb\"\n[case.partner]\nas_of = \"x\"\n"
                    .into(),
                vec!["DS607"],
            ),
            (head.to_owned(), vec!["DS608"]),
            (format!("{head}designation = \"data-ai\"\nmetric = \"net-customer-adds\"\n"), vec!["DS608"]),
            ("case = []\n".into(), vec!["DS609"]),
            // Two mistaken cases: both reported.
            (
                format!(
                    "{head}designation = \"data-aj\"\npoints = \"1\"\n{head}designation = \"data-ai\"\npath = \"x\"\n"
                ),
                vec!["DS601", "DS605"],
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(codes_of(&rules, &text), expected, "{text}");
        }
        // A well-formed case reads.
        assert!(codes_of(&rules, &format!("{head}designation = \"data-ai\"\npath = \"smb\"\n")).is_empty());
    }

    // issue 14: points compare as exact decimals ("10" and "10.0" are the same points), and a check whose value
    // moved fails with what the rules gave.
    #[test]
    fn a_case_passes_on_exact_points_and_fails_with_what_was_measured() {
        let rules = rules();
        let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/2024-06/tests");
        let head = "[[case]]\nname = \"c\"\npartner = \"../../../snapshots/partners/contoso-smb.yaml\"\n";
        let text = format!(
            "{head}designation = \"data-ai\"\nmetric = \"net-customer-adds\"\npoints = \"10.0\"\n\n{head}[case.expect.data-ai]\npath = \"enterprise\"\nmetrics = {{ \"net-customer-adds\" = 12 }}\n"
        );
        let file = parse_file(&rules, "t.toml", &text, &base).expect("reads");
        let outcome = run_file(&rules, &file);
        assert_eq!(outcome.counts(), (1, 1));
        let failed: Vec<(String, String, Option<String>, usize)> = outcome.cases[1]
            .checks
            .iter()
            .map(|c| (c.subject.clone(), c.expected.to_string(), c.got.as_ref().map(ToString::to_string), c.line))
            .collect();
        assert_eq!(
            failed,
            vec![
                ("data-ai.net-customer-adds".into(), "12".into(), Some("10".into()), 13),
                ("data-ai.path".into(), "enterprise".into(), Some("smb".into()), 12),
            ]
        );
    }
}
