//! Diagnostics rendered for their readers: `text` for people, `json` for programs, `github` for GitHub Actions
//! annotations and `sarif` for code-scanning tools (issue 14).
//!
//! The engine fills each [`Error`]'s place, message, hint, stable code and severity; this module only renders
//! them and adds no facts. `text` is the one-line form every test and script already reads (`file:line:col:
//! message`, then `  hint: ...`), optionally followed by the source line with a caret under the place; the code
//! shows in that snippet's header only, so the first lines stay what they were. The machine formats are pure
//! functions of the list, so the same problems give byte-identical documents.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use annotate_snippets::{AnnotationKind, Level, Renderer, Snippet};
use anyhow::Result;
use designate_engine::{Code, Error, Severity};
use serde_json::{json, Value};

use crate::output;

/// The formats of diagnostics.
#[derive(Clone, Copy, clap::ValueEnum, PartialEq, Eq, Debug)]
pub enum Format {
    /// `file:line:col: message` lines for people, on stderr
    Text,
    /// a JSON array of {file, line, column, code, severity, message, hint, field}, on stdout
    Json,
    /// GitHub Actions workflow commands (`::error file=...::message`), on stdout
    Github,
    /// a SARIF 2.1.0 log for code-scanning tools, on stdout
    Sarif,
}

/// How `text` shows a problem: with its source snippet or not, in colour or not.
#[derive(Clone, Copy, Debug)]
pub struct TextStyle {
    pub snippets: bool,
    pub color: bool,
}

/// The text of the files that problems point into, each read once however many problems it has.
#[derive(Default)]
pub struct Sources(BTreeMap<String, Option<String>>);

/// A file larger than this gets no snippet: its problems are still listed, each on its line.
const SOURCE_LIMIT: u64 = 64 << 20;

impl Sources {
    /// The text of `file`, read again from its path; `None` when it is not a regular UTF-8 file of a sane size
    /// (a FIFO is never opened: reading it could wait forever).
    fn get(&mut self, file: &str) -> Option<&str> {
        self.0
            .entry(file.to_owned())
            .or_insert_with(|| {
                let meta = std::fs::metadata(Path::new(file)).ok()?;
                if !meta.is_file() || meta.len() > SOURCE_LIMIT {
                    return None;
                }
                String::from_utf8(std::fs::read(file).ok()?).ok()
            })
            .as_deref()
    }
}

/// Problems for people: each as its `Display` (`place: message`, `  hint: ...`) with control characters escaped,
/// then, with `style.snippets`, its source line with a caret under the place (none when the place has no line or
/// the file cannot be read again). The result is safe to write to a terminal as it is.
pub fn text(errors: &[Error], style: TextStyle, sources: &mut Sources) -> String {
    let mut out = String::new();
    for e in errors {
        out.push_str(&output::escape(&e.to_string()));
        out.push('\n');
        if style.snippets {
            if let Some(snippet) = sources.get(&e.place.file).and_then(|source| snippet(e, source, style.color)) {
                out.push_str(&snippet);
                out.push_str("\n\n");
            }
        }
    }
    out
}

/// Text as the snippet shows it: tabs as four spaces and every other control character escaped, so that what
/// reaches the terminal is the renderer's own styling and nothing the file holds.
fn shown(text: &str) -> String {
    output::escape(&text.replace('\t', "    ")).into_owned()
}

/// The source line of a located problem, rendered by annotate-snippets with the code and its name in the header
/// (`error[DS002]: unknown-key`) and a caret under the place: under the whole word or quoted string there.
fn snippet(e: &Error, source: &str, color: bool) -> Option<String> {
    let (line_no, col) = e.place.line?;
    let line = source.lines().nth(line_no.checked_sub(1)?)?;
    let line = line.strip_suffix('\r').unwrap_or(line);
    let start = line.char_indices().nth(col.saturating_sub(1)).map_or(line.len(), |(i, _)| i);
    let rest = &line[start..];
    let len = match rest.chars().next() {
        None => 0,
        Some(q @ ('"' | '\'')) => rest[1..].find(q).map_or(1, |end| end + 2),
        Some(c) if is_word(c) => rest.find(|c| !is_word(c)).unwrap_or(rest.len()),
        Some(c) => c.len_utf8(),
    };
    let before = shown(&line[..start]);
    let marked = shown(&rest[..len]);
    let level = match e.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let report = &[level.primary_title(e.code.name).id(e.code.id).element(
        Snippet::source(shown(line))
            .line_start(line_no)
            .path(shown(&e.place.file))
            .annotation(AnnotationKind::Primary.span(before.len()..before.len() + marked.len())),
    )];
    let renderer = if color { Renderer::styled() } else { Renderer::plain() };
    Some(renderer.render(report))
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.')
}

/// The message as the formats without a field of their own write it: after the field path, when there is one
/// (`usage[3].customer: unknown customer`), since a problem found after parsing has no line to point at.
fn located_message(e: &Error) -> String {
    match &e.place.field {
        Some(field) => format!("{field}: {}", e.message),
        None => e.message.clone(),
    }
}

/// The message with its hint after a line break, for the formats that have one text per problem.
fn message_and_hint(e: &Error) -> String {
    let message = located_message(e);
    match &e.hint {
        Some(hint) => format!("{message}\nhint: {hint}"),
        None => message,
    }
}

/// One JSON object per problem, keys in a fixed order, `null` for what is absent.
fn json_item(e: &Error) -> Value {
    json!({
        "file": e.place.file,
        "line": e.place.line.map(|(line, _)| line),
        "column": e.place.line.map(|(_, col)| col),
        "code": e.code.id,
        "severity": e.severity.as_str(),
        "message": e.message,
        "hint": e.hint,
        "field": e.place.field,
    })
}

/// The problems as a pretty JSON array (`[]` when there are none), ending with a newline.
pub fn json(errors: &[Error]) -> Result<String> {
    let items: Vec<Value> = errors.iter().map(json_item).collect();
    Ok(output::json_pretty(&items, "the diagnostics")? + "\n")
}

/// A workflow command's message (GitHub's `escapeData`): `%`, CR and LF percent-encoded, then any other control
/// character shown escaped, so that nothing the files hold can drive the log viewer.
fn github_data(text: &str) -> String {
    output::escape(&text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")).into_owned()
}

/// A workflow command's property value (GitHub's `escapeProperty`): as a message, and `:` and `,` too, which
/// would end the value.
fn github_property(text: &str) -> String {
    github_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// One GitHub Actions workflow command per problem: `::error file=F,line=L,col=C,title=DS002 unknown-key::message`
/// (`::warning` for a warning), the hint after an encoded line break. GitHub shows each as an annotation on the
/// file and line of the pull request.
pub fn github(errors: &[Error]) -> String {
    let mut out = String::new();
    for e in errors {
        let mut properties = vec![format!("file={}", github_property(&e.place.file))];
        if let Some((line, col)) = e.place.line {
            properties.push(format!("line={line}"));
            properties.push(format!("col={col}"));
        }
        properties.push(format!("title={}", github_property(&format!("{} {}", e.code.id, e.code.name))));
        let _ =
            writeln!(out, "::{} {}::{}", e.severity.as_str(), properties.join(","), github_data(&message_and_hint(e)));
    }
    out
}

/// The SARIF URI of a path as the problem names it: relative paths stay relative (code scanning resolves them
/// against the repository), an absolute one becomes a `file://` URI; anything but unreserved characters and `/`
/// is percent-encoded.
fn sarif_uri(path: &str) -> String {
    let mut out = if path.starts_with('/') { "file://".to_owned() } else { String::new() };
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The problems as a SARIF 2.1.0 log: one run of the tool `designate`, whose rules are the codes used (in id
/// order, each with its name and one sentence), and one result per problem, in the order found.
pub fn sarif(errors: &[Error]) -> Result<String> {
    let codes: BTreeMap<&str, &Code> = errors.iter().map(|e| (e.code.id, &e.code)).collect();
    let index: BTreeMap<&str, usize> = codes.keys().enumerate().map(|(i, id)| (*id, i)).collect();
    let rules: Vec<Value> = codes
        .values()
        .map(|c| json!({ "id": c.id, "name": c.name, "shortDescription": { "text": c.summary } }))
        .collect();
    let results: Vec<Value> = errors
        .iter()
        .map(|e| {
            let mut physical = json!({ "artifactLocation": { "uri": sarif_uri(&e.place.file) } });
            if let Some((line, col)) = e.place.line {
                physical["region"] = json!({ "startLine": line, "startColumn": col });
            }
            json!({
                "ruleId": e.code.id,
                "ruleIndex": index[e.code.id],
                "level": e.severity.as_str(),
                "message": { "text": message_and_hint(e) },
                "locations": [{ "physicalLocation": physical }],
            })
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": { "name": "designate", "version": env!("CARGO_PKG_VERSION"), "rules": rules } },
            "results": results,
        }],
    });
    Ok(output::json_pretty(&log, "the SARIF log")? + "\n")
}

#[cfg(test)]
mod tests {
    use designate_engine::Located;

    use super::*;

    const UNKNOWN_KEY: Code =
        Code { id: "DS002", name: "unknown-key", summary: "A key the file format does not have." };
    const LINT: Code = Code { id: "DS301", name: "maxima-do-not-add-up", summary: "Metric maxima differ." };

    fn problems() -> Vec<Error> {
        vec![
            Error::new(Located::at("r/a,b:c.toml", 8, 1), "unknown key `max_point`")
                .with_hint("did you mean `max_points`?")
                .with_code(UNKNOWN_KEY),
            Error::new(Located::field("p.yaml", "usage[3].value"), "100% of\r\nnothing").with_code(LINT).warning(),
        ]
    }

    // issue 14: GitHub's workflow commands end a property at `,` or `:` and a command at a line break; a path or
    // message holding them must be encoded, or the annotation lands on the wrong file or is cut short.
    #[test]
    fn github_commands_escape_properties_and_messages() {
        assert_eq!(github_data("50%\r\nnext: a, b"), "50%25%0D%0Anext: a, b");
        assert_eq!(github_property("50%\r\nnext: a, b"), "50%25%0D%0Anext%3A a%2C b");
        assert_eq!(github_data("red \u{1b}[31m"), "red \\u001b[31m");
        assert_eq!(
            github(&problems()),
            "::error file=r/a%2Cb%3Ac.toml,line=8,col=1,title=DS002 unknown-key::unknown key `max_point`%0Ahint: did you mean `max_points`?\n\
             ::warning file=p.yaml,title=DS301 maxima-do-not-add-up::usage[3].value: 100%25 of%0D%0Anothing\n"
        );
    }

    // issue 14: the JSON shape of contract.md: every key present, in order, `null` when absent.
    #[test]
    fn json_has_every_key_in_order_with_nulls() {
        let doc: Value = serde_json::from_str(&json(&problems()).unwrap()).unwrap();
        let keys: Vec<&str> = doc[1].as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["file", "line", "column", "code", "severity", "message", "hint", "field"]);
        assert_eq!(doc[0]["line"], 8);
        assert_eq!(doc[0]["column"], 1);
        assert_eq!(doc[0]["field"], Value::Null);
        assert_eq!(doc[1]["line"], Value::Null);
        assert_eq!(doc[1]["hint"], Value::Null);
        assert_eq!(doc[1]["severity"], "warning");
        assert_eq!(doc[1]["field"], "usage[3].value");
        assert_eq!(json(&[]).unwrap(), "[]\n");
    }

    // issue 14: SARIF consumers need a rule per ruleId and no region for a place without a line.
    #[test]
    fn sarif_lists_each_code_once_and_places_results() {
        let mut list = problems();
        list.push(list[0].clone());
        let doc: Value = serde_json::from_str(&sarif(&list).unwrap()).unwrap();
        assert_eq!(doc["version"], "2.1.0");
        let run = &doc["runs"][0];
        let ids: Vec<&str> =
            run["tool"]["driver"]["rules"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["DS002", "DS301"]);
        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), 3);
        assert_eq!(results[1]["ruleIndex"], 1);
        assert_eq!(results[1]["level"], "warning");
        assert_eq!(results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "r/a%2Cb%3Ac.toml");
        assert_eq!(results[0]["locations"][0]["physicalLocation"]["region"]["startLine"], 8);
        assert!(results[1]["locations"][0]["physicalLocation"].get("region").is_none());
        assert_eq!(results[0]["message"]["text"], "unknown key `max_point`\nhint: did you mean `max_points`?");
        assert_eq!(sarif_uri("/tmp/a b.toml"), "file:///tmp/a%20b.toml");
    }

    // issue 14: the snippet puts the caret under the whole word at the place, shows the code in its header, and
    // lets no control character of the file through; a place without a line has none.
    #[test]
    fn snippets_mark_the_word_at_the_place() {
        let source = "id = \"x\"\n\tmax_point = 30\nname = \"a\u{1b}[31mb\"\n";
        let e = |line, col| Error::new(Located::at("f.toml", line, col), "m").with_code(UNKNOWN_KEY);
        let rendered = snippet(&e(2, 2), source, false).unwrap();
        assert!(rendered.starts_with("error[DS002]: unknown-key\n"), "{rendered}");
        assert!(rendered.contains("2 |     max_point = 30\n"), "{rendered}");
        assert!(rendered.contains("  |     ^^^^^^^^^"), "{rendered}");
        let quoted = snippet(&e(3, 8), source, false).unwrap();
        assert!(quoted.contains("^^^^^^^^^^^^^^"), "{quoted}");
        assert!(!quoted.contains('\u{1b}'), "{quoted:?}");
        assert!(snippet(&e(9, 1), source, false).is_none());
        let warning = snippet(&e(1, 1).warning(), source, false).unwrap();
        assert!(warning.starts_with("warning[DS002]"), "{warning}");
        let unlined = Error::new(Located::field("f.toml", "id"), "m");
        assert!(snippet(&unlined, source, false).is_none());
    }
}
