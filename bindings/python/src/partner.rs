//! A partner given as a Python dict, read by the engine's own partner-file reader: the dict is written as JSON
//! text (one value per line) and parsed with `Partner::parse_all`, so a dict is validated exactly like a file and
//! the module holds no second copy of the partner-file shape.
//!
//! Numbers stay exact: `int` and `decimal.Decimal` are written as their digits and reach the engine as decimal
//! text; a `float` is refused at its field, since a binary float is rarely the number the user wrote (`0.1` is
//! not one tenth) and money must never pass through one. `datetime.date` is written as its ISO text.
//! Because every value starts its own line, a problem the JSON reader places at `line:col` of that text is
//! placed at the field path of the dict instead (`<dict>: usage[3].value`): the user never saw the text.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyMapping, PyString, PyTuple};

use designate_engine::error::Located;
use designate_engine::{Error, Format, Partner};

/// How deep a partner may nest: the file shape needs five levels, so a deeper (or self-containing) dict is refused
/// before it could exhaust the stack.
const MAX_DEPTH: usize = 32;

/// The dict as JSON text, and the field path of each line of it (`lines[n]` for line `n + 1`).
pub struct Written {
    pub text: String,
    lines: Vec<String>,
}

/// Writes a Python partner dict as JSON text; the error is a located problem (`origin: field: message`).
pub fn write(obj: &Bound<'_, PyAny>, origin: &str) -> Result<Written, Error> {
    let mut w = Writer { origin, out: String::new(), lines: Vec::new() };
    w.line("", 0);
    w.value(obj, "", 0)?;
    Ok(Written { text: w.out, lines: w.lines })
}

impl Written {
    /// Parses the text with the engine, every problem placed at the dict's field paths.
    pub fn parse(&self, origin: &str) -> Result<Partner, Vec<Error>> {
        Partner::parse_all(&self.text, Format::Json, origin).map_err(|errors| {
            let mut placed: Vec<Error> = Vec::with_capacity(errors.len());
            for mut e in errors {
                if let (true, Some((line, _))) = (e.place.file == origin, e.place.line) {
                    let field = self.lines.get(line.saturating_sub(1)).cloned().unwrap_or_default();
                    e.place = match field.is_empty() {
                        true => Located::file(origin),
                        false => Located::field(origin, field),
                    };
                }
                // The strict read's first problem and the per-section read can now name the same place.
                if !placed.iter().any(|p| p.to_string() == e.to_string()) {
                    placed.push(e);
                }
            }
            placed
        })
    }
}

struct Writer<'a> {
    origin: &'a str,
    out: String,
    lines: Vec<String>,
}

impl Writer<'_> {
    fn problem(&self, path: &str, message: String) -> Error {
        match path.is_empty() {
            true => Error::new(Located::file(self.origin), message),
            false => Error::new(Located::field(self.origin, path), message),
        }
    }

    /// Starts a new line of the text, belonging to `path`.
    fn line(&mut self, path: &str, depth: usize) {
        if !self.out.is_empty() {
            self.out.push('\n');
        }
        self.lines.push(path.to_owned());
        self.out.extend(std::iter::repeat_n(' ', depth * 2));
    }

    fn value(&mut self, obj: &Bound<'_, PyAny>, path: &str, depth: usize) -> Result<(), Error> {
        if depth > MAX_DEPTH {
            return Err(self.problem(path, format!("nested more than {MAX_DEPTH} levels deep")));
        }
        // bool before int: a Python bool is an int.
        if let Ok(b) = obj.cast::<PyBool>() {
            self.out.push_str(if b.is_true() { "true" } else { "false" });
        } else if obj.is_none() {
            self.out.push_str("null");
        } else if let Ok(s) = obj.cast::<PyString>() {
            let s = s.to_cow().map_err(|_| self.problem(path, "text that is not valid Unicode".to_owned()))?;
            self.out.push_str(&serde_json::to_string(s.as_ref()).unwrap_or_default());
        } else if obj.is_instance_of::<PyInt>() {
            self.out.push_str(&obj.str().map_err(|e| self.problem(path, e.to_string()))?.to_string_lossy());
        } else if let Ok(f) = obj.cast::<PyFloat>() {
            let text = f.repr().map(|r| r.to_string_lossy().into_owned()).unwrap_or_default();
            return Err(self
                .problem(path, format!("{text} is a binary float, not an exact number"))
                .with_hint(format!("pass decimal.Decimal(\"{text}\"), or the number as a str or an int")));
        } else if let Some(text) = self.decimal(obj, path)? {
            self.out.push_str(&text);
        } else if let Some(text) = iso_date(obj) {
            self.out.push_str(&serde_json::to_string(&text).unwrap_or_default());
        } else if let Ok(map) = obj.cast::<PyDict>() {
            self.mapping(map.items().as_any(), path, depth)?;
        } else if let Ok(map) = obj.cast::<PyMapping>() {
            let items = map.items().map_err(|e| self.problem(path, e.to_string()))?;
            self.mapping(items.as_any(), path, depth)?;
        } else if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
            self.out.push('[');
            let mut first = true;
            for (i, item) in obj.try_iter().map_err(|e| self.problem(path, e.to_string()))?.enumerate() {
                let item = item.map_err(|e| self.problem(path, e.to_string()))?;
                if !first {
                    self.out.push(',');
                }
                first = false;
                let at = format!("{path}[{i}]");
                self.line(&at, depth + 1);
                self.value(&item, &at, depth + 1)?;
            }
            if !first {
                self.line(path, depth);
            }
            self.out.push(']');
        } else {
            let kind = obj.get_type().name().map(|n| n.to_string()).unwrap_or_default();
            return Err(self
                .problem(path, format!("a value of type {kind} cannot be read"))
                .with_hint("use a dict, list, str, int, bool, None, decimal.Decimal or datetime.date"));
        }
        Ok(())
    }

    /// Writes the `(key, value)` pairs of a mapping as a JSON object, one key per line.
    fn mapping(&mut self, items: &Bound<'_, PyAny>, path: &str, depth: usize) -> Result<(), Error> {
        self.out.push('{');
        let mut first = true;
        for pair in items.try_iter().map_err(|e| self.problem(path, e.to_string()))? {
            let (key, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) =
                pair.and_then(|p| p.extract()).map_err(|e| self.problem(path, e.to_string()))?;
            let Ok(key) = key.cast::<PyString>().map(|k| k.to_string_lossy().into_owned()) else {
                let shown = key.repr().map(|r| r.to_string_lossy().into_owned()).unwrap_or_default();
                return Err(self.problem(path, format!("key {shown} is not a str")));
            };
            if !first {
                self.out.push(',');
            }
            first = false;
            let at = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
            self.line(&at, depth + 1);
            self.out.push_str(&serde_json::to_string(&key).unwrap_or_default());
            self.out.push_str(": ");
            self.value(&value, &at, depth + 1)?;
        }
        if !first {
            self.line(path, depth);
        }
        self.out.push('}');
        Ok(())
    }

    /// A `decimal.Decimal` as JSON number text; `None` when `obj` is no Decimal. NaN and infinities are refused.
    fn decimal(&self, obj: &Bound<'_, PyAny>, path: &str) -> Result<Option<String>, Error> {
        let py = obj.py();
        let decimal =
            py.import("decimal").and_then(|m| m.getattr("Decimal")).map_err(|e| self.problem(path, e.to_string()))?;
        if !obj.is_instance(&decimal).unwrap_or(false) {
            return Ok(None);
        }
        let finite = obj.call_method0("is_finite").and_then(|f| f.is_truthy()).unwrap_or(false);
        let text = obj.str().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        if !finite {
            return Err(self.problem(path, format!("Decimal(\"{text}\") is not a finite number")));
        }
        Ok(Some(text))
    }
}

/// `datetime.date` (and `datetime.datetime`) as ISO text; `None` for anything else.
fn iso_date(obj: &Bound<'_, PyAny>) -> Option<String> {
    let date = obj.py().import("datetime").and_then(|m| m.getattr("date")).ok()?;
    if !obj.is_instance(&date).ok()? {
        return None;
    }
    obj.call_method0("isoformat").ok()?.extract().ok()
}

/// The `TypeError` for a partner that is neither a mapping nor a path.
pub fn not_a_partner(obj: &Bound<'_, PyAny>) -> PyErr {
    let kind = obj.get_type().name().map(|n| n.to_string()).unwrap_or_default();
    PyTypeError::new_err(format!(
        "a partner is a dict in the partner-file shape or the path of a partner file, not a value of type {kind}"
    ))
}
