//! The Python module `designate`: `designate.RuleSet(path)` loads a rule version folder or a rules root, and
//! scores partners given as dicts or files (`score`) the way `designate score --format json` does, and portfolios
//! given as tables (`score_tables`, tables.rs) the way `designate score --format csv` does. Scoring runs with the
//! GIL released. Every problem is raised as `designate.Error` carrying the engine's located message
//! (`file:line:col: message` or `file: field.path: message`, with its `hint:` line), exactly as the CLI prints it;
//! rule lints and partner warnings the CLI prints on stderr are Python warnings.

use std::ffi::CString;
use std::path::PathBuf;

use pyo3::create_exception;
use pyo3::exceptions::{PyUserWarning, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyMapping};

use designate_engine::partner::Places;

mod partner;
mod rules;
mod tables;

create_exception!(
    designate,
    Error,
    PyValueError,
    "A problem with rules or a partner; the message names the file and the place, as the designate CLI does."
);

/// A rule version folder (`rules/2024-06`) or a rules root (`rules/`), loaded once and reused for every score.
#[pyclass(frozen, module = "designate", name = "RuleSet")]
struct RuleSet {
    rules: rules::Rules,
    path: String,
}

#[pymethods]
impl RuleSet {
    /// Loads the rules at `path`; raises `designate.Error` with every problem when they do not load.
    #[new]
    fn new(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let loaded = py.detach(|| rules::Rules::load(&path)).map_err(problem)?;
        for lint in &loaded.lints {
            warn(py, &format!("warning: {lint}"))?;
        }
        Ok(RuleSet { rules: loaded.rules, path: path.display().to_string() })
    }

    /// The rule version (`"2024-06"`); `None` for a rules root, whose partners each get the version in force at
    /// their `as_of` (the version used is in each result's `rules`, and all of them in `versions`).
    #[getter]
    fn version(&self) -> Option<String> {
        match &self.rules {
            rules::Rules::Fixed(set) => Some(set.version.clone()),
            rules::Rules::ByDate { .. } => None,
        }
    }

    /// The digest of the version's files (`"sha256:…"`), as every result names it; `None` for a rules root.
    #[getter]
    fn digest(&self) -> Option<String> {
        match &self.rules {
            rules::Rules::Fixed(set) => Some(set.digest.clone()),
            rules::Rules::ByDate { .. } => None,
        }
    }

    /// Every version loaded, oldest first, each a dict `{version, digest, effective_from, effective_until}`
    /// (months as `"YYYY-MM"`, `effective_until` `None` when open).
    #[getter]
    fn versions<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyDict>>> {
        self.rules
            .versions()
            .iter()
            .map(|set| {
                let d = PyDict::new(py);
                d.set_item("version", &set.version)?;
                d.set_item("digest", &set.digest)?;
                d.set_item("effective_from", set.effective_from.to_string())?;
                d.set_item("effective_until", set.effective_until.map(|m| m.to_string()))?;
                Ok(d)
            })
            .collect()
    }

    /// Scores one partner: a dict in the partner-file shape (docs/partner-data.md), or the path of a partner file
    /// (YAML, JSON or TOML). Returns the report `designate score --format json` writes, as
    /// `json.loads(text, parse_float=decimal.Decimal)` reads it: whole numbers are `int`, others `Decimal`.
    /// `origin` names a dict partner in messages (default `<dict>`).
    #[pyo3(signature = (partner, *, origin = None))]
    fn score(&self, py: Python<'_>, partner: &Bound<'_, PyAny>, origin: Option<String>) -> PyResult<Py<PyAny>> {
        let parsed = if partner.is_instance_of::<PyDict>() || partner.cast::<PyMapping>().is_ok() {
            let origin = origin.unwrap_or_else(|| "<dict>".to_owned());
            let written = partner::write(partner, &origin).map_err(|e| problem(e.to_string()))?;
            py.detach(|| written.parse(&origin))
        } else {
            let path: PathBuf = partner.extract().map_err(|_| partner::not_a_partner(partner))?;
            py.detach(|| designate_engine::Partner::load_all(&path))
        };
        let partner = parsed.map_err(|errors| problem(lines(errors.iter())))?;
        let report = py.detach(|| self.rules.score(&partner)).map_err(problem)?;
        for w in Places::default().warnings(&partner.origin, &report) {
            warn(py, &format!("warning: {w}"))?;
        }
        let text = py.detach(|| report.to_json_pretty());
        json_loads(py, &text)
    }

    /// One partner as JSON text (an NDJSON line) in, its result line out: the bytes `designate score -` writes
    /// for that line, without the newline. What a Spark `mapInArrow` task calls per line (docs/scale.md).
    #[pyo3(signature = (text, *, origin = None))]
    fn score_json(&self, py: Python<'_>, text: &str, origin: Option<String>) -> PyResult<String> {
        let origin = origin.unwrap_or_else(|| "<json>".to_owned());
        let (scored, warnings) = py
            .detach(|| {
                let partner = designate_engine::Partner::parse_all(text, designate_engine::Format::Json, &origin)
                    .map_err(|errors| lines(errors.iter()))?;
                let report = self.rules.score(&partner)?;
                let warnings = Places::default().warnings(&partner.origin, &report);
                Ok::<_, String>((report.to_json_line(), warnings))
            })
            .map_err(problem)?;
        for w in warnings {
            warn(py, &format!("warning: {w}"))?;
        }
        Ok(scored)
    }

    /// Scores a portfolio given as tables of the CSV-tables shape (docs/partner-data.md): `partners`, `usage` and
    /// optionally `customers` and `people`, each a pandas DataFrame, a pyarrow Table, or anything with
    /// `__arrow_c_stream__`. Returns a pandas DataFrame with the rows and columns `designate score --format csv`
    /// writes for the same tables (decimals as `decimal.Decimal`). A portfolio that cannot be read raises
    /// `designate.Error`; a partner that fails does not stop the others: `errors="raise"` (the default) raises
    /// `designate.Error` listing every failed partner once all are scored, the others' rows as its `.result`;
    /// `errors="warn"` issues one `UserWarning` per failed partner and returns the others' rows.
    #[pyo3(signature = (partners, usage, customers = None, people = None, *, errors = "raise"))]
    fn score_tables<'py>(
        &self,
        py: Python<'py>,
        partners: &Bound<'py, PyAny>,
        usage: &Bound<'py, PyAny>,
        customers: Option<&Bound<'py, PyAny>>,
        people: Option<&Bound<'py, PyAny>>,
        errors: &str,
    ) -> PyResult<Py<PyAny>> {
        let on_error = tables::OnError::parse(errors)?;
        tables::score(py, &self.rules, [Some(partners), Some(usage), customers, people], on_error)
    }

    fn __repr__(&self) -> String {
        let versions: Vec<&str> = self.rules.versions().iter().map(|s| s.version.as_str()).collect();
        format!("RuleSet({:?}, versions=[{}])", self.path, versions.join(", "))
    }
}

/// `designate.Error` with `text`, its control characters escaped as the CLI escapes them on stderr
/// (cli/src/output.rs): a message quotes the input, and the input may hold anything.
fn problem(text: impl AsRef<str>) -> PyErr {
    let unsafe_char =
        |c: char| (c.is_control() && c != '\n') || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    let mut out = String::with_capacity(text.as_ref().len());
    for c in text.as_ref().chars() {
        match unsafe_char(c) {
            true => out.push_str(&format!("\\u{:04x}", c as u32)),
            false => out.push(c),
        }
    }
    Error::new_err(out)
}

/// Problems one per line, as the CLI prints them (without its `error: ` prefix).
fn lines<T: ToString>(errors: impl Iterator<Item = T>) -> String {
    errors.map(|e| e.to_string()).collect::<Vec<_>>().join("\n")
}

/// Issues a `UserWarning` (what the CLI prints on stderr and goes on).
fn warn(py: Python<'_>, text: &str) -> PyResult<()> {
    let message = CString::new(text.replace('\0', " ")).unwrap_or_default();
    PyErr::warn(py, &py.get_type::<PyUserWarning>(), &message, 1)
}

/// JSON text as Python values, decimals as `decimal.Decimal` (never a binary float).
fn json_loads(py: Python<'_>, text: &str) -> PyResult<Py<PyAny>> {
    let decimal = py.import("decimal")?.getattr("Decimal")?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("parse_float", decimal)?;
    Ok(py.import("json")?.call_method("loads", (text,), Some(&kwargs))?.unbind())
}

#[pymodule]
fn designate(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<RuleSet>()?;
    let error = m.py().get_type::<Error>();
    // `score_tables` sets `.result` on the error it raises for failed partners; every other error has `None`.
    error.setattr("result", m.py().None())?;
    m.add("Error", error)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
