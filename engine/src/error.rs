//! Located errors: every problem with a rule or partner file names the file and the place in it.
//!
//! A place is a `line:col` when the parser knows it, or a field path (`usage[3].measure`) when the problem
//! was found after parsing. Rendering is one line, `place: message`, with an optional `hint:` line after it.

use std::fmt;

pub use crate::codes::Code;

/// Where a problem is: a file, and a line and column or a field path inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub file: String,
    pub line: Option<(usize, usize)>,
    pub field: Option<String>,
}

impl Located {
    /// The whole file.
    pub fn file(file: &str) -> Located {
        Located { file: file.to_owned(), line: None, field: None }
    }

    /// A line and column (both 1-based).
    pub fn at(file: &str, line: usize, col: usize) -> Located {
        Located { file: file.to_owned(), line: Some((line, col)), field: None }
    }

    /// A field path such as `usage[3].measure`.
    pub fn field(file: &str, field: impl Into<String>) -> Located {
        Located { file: file.to_owned(), line: None, field: Some(field.into()) }
    }

    /// The line and column of a byte offset in `text`.
    pub fn offset(file: &str, text: &str, offset: usize) -> Located {
        let (line, col) = line_col(text, offset);
        Located::at(file, line, col)
    }
}

impl fmt::Display for Located {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some((line, col)) = self.line {
            write!(f, ":{line}:{col}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": {field}")?;
        }
        Ok(())
    }
}

/// The first line at or after `from` where `key` is written as a YAML mapping key, and its column.
fn find_yaml_key(text: &str, key: &str, from: usize) -> Option<(usize, usize)> {
    text.lines().enumerate().skip(from.saturating_sub(1)).find_map(|(i, line)| {
        let body = line.trim_start().trim_start_matches("- ").trim_start();
        let rest = body.strip_prefix(key).or_else(|| body.strip_prefix(&format!("\"{key}\"")))?;
        rest.trim_start().starts_with(':').then(|| (i + 1, line.chars().count() - body.chars().count() + 1))
    })
}

/// The line and column of the value of the first `key:` at or after `line:col` (1-based), in block or flow style.
fn find_yaml_value(text: &str, key: &str, line: usize, col: usize) -> Option<(usize, usize)> {
    let (line, col) = (line.max(1), col.max(1));
    let start = text.split_inclusive('\n').take(line - 1).map(str::len).sum::<usize>()
        + text.lines().nth(line - 1)?.char_indices().nth(col - 1).map_or(0, |(i, _)| i);
    let rest = text.get(start..)?;
    let mut from = 0;
    while let Some(found) = rest[from..].find(key) {
        let at = from + found;
        from = at + key.len();
        // A key starts a line's content, or follows `{`, `,`, `- ` or `?`; it may be quoted.
        let before = rest[..at].trim_end_matches(['"', '\'']);
        let starts = before.is_empty()
            || before.ends_with(['\n', ' ', '{', ',', '-', '?']) && {
                let head = before.trim_end_matches(' ');
                head.is_empty() || head.ends_with(['\n', '{', ',', '-', '?'])
            };
        let after = rest[from..].trim_start_matches(['"', '\'']);
        let Some(value) = after.trim_start_matches(' ').strip_prefix(':') else { continue };
        if !starts {
            continue;
        }
        let value_at = start + rest.len() - value.trim_start_matches(' ').len();
        // A value on the following lines (a block) is placed at the key: the key names it best.
        if value.trim_start_matches(' ').starts_with(['\n', '\r', '#']) {
            return Some(line_col(text, start + at));
        }
        return Some(line_col(text, value_at));
    }
    None
}

/// Messages quote the input; a 10 MB value must not become a 10 MB message.
const MESSAGE_LIMIT: usize = 300;

fn shorten(message: String) -> String {
    if message.chars().count() <= MESSAGE_LIMIT {
        return message;
    }
    let head: String = message.chars().take(MESSAGE_LIMIT).collect();
    format!("{head}… ({} characters in all)", message.chars().count())
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// A problem with an input file, with its place, an optional hint, its stable code (see [`crate::codes`]) and
/// whether it stops the file from being used (an error) or only warns (a consistency lint).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Error {
    pub place: Located,
    pub message: String,
    pub hint: Option<String>,
    pub code: Code,
    pub severity: Severity,
}

/// How serious a diagnostic is. `check` reports both and fails on either; scoring refuses errors and runs
/// with warnings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    /// `error` or `warning`, as the machine-readable formats write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}: {}", self.place, self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

impl Error {
    pub fn new(place: Located, message: impl Into<String>) -> Error {
        Error {
            place,
            message: shorten(message.into()),
            hint: None,
            code: crate::codes::UNCLASSIFIED,
            severity: Severity::Error,
        }
    }

    /// The same problem under its stable code.
    pub fn with_code(mut self, code: Code) -> Error {
        self.code = code;
        self
    }

    /// The same problem as a warning (a consistency lint).
    pub fn warning(mut self) -> Error {
        self.severity = Severity::Warning;
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Error {
        self.hint = Some(hint.into());
        self
    }

    /// A TOML parse or shape error, located by its span.
    pub(crate) fn from_toml(file: &str, text: &str, e: &toml::de::Error) -> Error {
        let place = match e.span() {
            Some(span) => Located::offset(file, text, span.start),
            None => Located::file(file),
        };
        let message = plain_words(&e.message().trim().replace('\n', " "));
        // The text itself is not TOML when not even an untyped table reads it (the message tells which kind).
        let syntax = text.parse::<toml::Table>().is_err();
        classified(with_unknown_key_hint(Error::new(place, message)), syntax)
    }

    /// A YAML parse or shape error, located by the parser.
    pub(crate) fn from_yaml(file: &str, text: &str, e: &serde_saphyr::Error) -> Error {
        let mut place = match e.location() {
            Some(l) => Located::at(file, l.line() as usize, l.column() as usize),
            None => Located::file(file),
        };
        let mut message = yaml_message(e);
        if let Some(l) = e.location() {
            let suffix = format!(" at line {}, column {}", l.line(), l.column());
            if let Some(stripped) = message.strip_suffix(&suffix) {
                message = stripped.to_owned();
            }
        }
        let failed_key = crate::strict::take_failed_key();
        let syntax = yaml_syntax(yaml_root(e));
        let err = with_unknown_key_hint(Error::new(place.clone(), plain_words(&message.trim().replace('\n', " "))));
        let err = classified(err, syntax);
        // The parser places a value's own error at the start of the enclosing mapping; point at the value.
        let value_error =
            ["invalid type:", "invalid value:", "unknown value"].iter().any(|p| err.message.starts_with(p));
        if let (true, Some(key), Some((line, col))) = (value_error, failed_key, place.line) {
            if let Some((line, col)) = find_yaml_value(text, &key, line, col) {
                place.line = Some((line, col));
                return Error { place, ..err };
            }
        }
        // The parser places an unknown key at the start of its mapping; point at the key itself.
        if let Some(key) = err.message.strip_prefix("unknown key `").and_then(|k| k.strip_suffix('`')) {
            let from = place.line.map_or(1, |(line, _)| line);
            if let Some((line, col)) = find_yaml_key(text, key, from) {
                place.line = Some((line, col));
                return Error { place, ..err };
            }
        }
        err
    }

    /// A JSON parse or shape error, located by the parser.
    pub(crate) fn from_json(file: &str, e: &serde_json::Error) -> Error {
        let place = if e.line() > 0 { Located::at(file, e.line(), e.column()) } else { Located::file(file) };
        let full = e.to_string();
        let suffix = format!(" at line {} column {}", e.line(), e.column());
        let message = plain_words(full.strip_suffix(&suffix).unwrap_or(&full));
        let syntax = !matches!(e.classify(), serde_json::error::Category::Data);
        classified(with_unknown_key_hint(Error::new(place, message)), syntax)
    }
}

/// A parse or shape error under its stable code: the kinds a message names (an unknown or missing key, a key
/// twice, a value outside a closed set, a file that expands too far) first, then `syntax` (the text is not valid
/// TOML, YAML or JSON), else a value of the wrong type or form (`invalid type`, `invalid value`, a custom message of
/// a value's own reader such as "expected a month like 2024-06").
fn classified(err: Error, syntax: bool) -> Error {
    use crate::codes;
    let m = err.message.as_str();
    let code = if m.starts_with("unknown key `") {
        codes::UNKNOWN_KEY
    } else if m.starts_with("missing field") || m.starts_with("missing key") {
        codes::MISSING_KEY
    } else if m.contains("duplicate key") || m.contains("is written twice") {
        codes::DUPLICATE_KEY
    } else if m.starts_with("unknown value") {
        codes::UNKNOWN_VALUE
    } else if ["nesting deeper", "aliases", "anchors", "documents in one file", "merge keys", "expands"]
        .iter()
        .any(|w| m.contains(w))
        && syntax
    {
        codes::TOO_LARGE
    } else if syntax {
        codes::SYNTAX
    } else {
        codes::WRONG_TYPE
    };
    err.with_code(code)
}

/// The innermost YAML error (snippets and alias context wrap it).
fn yaml_root(e: &serde_saphyr::Error) -> &serde_saphyr::Error {
    match e {
        serde_saphyr::Error::WithSnippet { error, .. } | serde_saphyr::Error::AliasError { error, .. } => {
            yaml_root(error)
        }
        other => other,
    }
}

/// Whether a YAML error is about the text (the scanner's or parser's, or a budget the text breaks) rather than
/// serde's about the data in it.
fn yaml_syntax(e: &serde_saphyr::Error) -> bool {
    use serde_saphyr::Error as E;
    match e {
        E::SerdeInvalidType { .. }
        | E::SerdeInvalidValue { .. }
        | E::SerdeInvalidLength { .. }
        | E::SerdeUnknownVariant { .. }
        | E::SerdeUnknownField { .. }
        | E::SerdeMissingField { .. }
        | E::DuplicateMappingKey { .. }
        | E::InvalidScalar { .. }
        | E::NullIntoString { .. }
        | E::InvalidBooleanStrict { .. }
        | E::InvalidCharNull { .. }
        | E::InvalidCharNotSingleScalar { .. }
        | E::UnexpectedValueForUnit { .. }
        | E::Unexpected { .. } => false,
        // serde's custom messages (a value's own reader, the strict reader) arrive as `Message` too; a scanner's
        // or parser's names what it could not read.
        E::Message { msg, .. } => {
            !["invalid type", "invalid value", "invalid length", "missing field", "unknown", "expected"]
                .iter()
                .any(|w| msg.contains(w))
        }
        _ => true,
    }
}

/// A parser's message in the words of the files: serde speaks of Rust (`unknown variant`, `struct PartnerFile`,
/// `unit value`); a person editing a partner or rule file knows values, tables and null. The strict reader
/// (`strict`) already names keys instead of structs; this catches what reaches a message anyway.
pub(crate) fn plain_words(message: &str) -> String {
    let mut out = message
        .replace("unknown variant", "unknown value")
        .replace(", there are no variants", "")
        .replace("unit value", "null")
        .replace("unit variant", "value")
        .replace("newtype variant", "value")
        .replace("tuple variant", "value")
        .replace("struct variant", "value")
        // How the YAML parser names what it expected, and how serde names a huge integer's type.
        .replace("unexpected event: expected sequence start", "expected a list")
        .replace("unexpected event: expected mapping start", "expected a mapping")
        .replace(" as i128", "")
        .replace(" as u128", "")
        // serde's names of what it found or expected (issue 14): a rule author writes lists, tables and decimal
        // numbers, not sequences, maps and floating points.
        .replace("invalid type: map", "invalid type: a table of keys")
        .replace("invalid type: sequence", "invalid type: a list")
        .replace("invalid type: newtype struct", "invalid type: a value")
        .replace("invalid type: Option value", "invalid type: an optional value")
        .replace("floating point `", "decimal number `")
        .replace("expected a sequence", "expected a list");
    // Not "expected a mapping with keys ...", the strict reader's own words.
    if out.ends_with("expected a map") || out.contains("expected a map,") || out.contains("expected a map ") {
        out = out
            .replace("expected a map,", "expected a table of keys,")
            .replace("expected a map ", "expected a table of keys ");
        if let Some(head) = out.strip_suffix("expected a map") {
            out = format!("{head}expected a table of keys");
        }
    }
    // Rust's number types, as serde's primitive visitors name them (`expected i64` for `round_places`).
    for (rust, plain) in [
        ("i8", "a whole number"),
        ("i16", "a whole number"),
        ("i32", "a whole number"),
        ("i64", "a whole number"),
        ("i128", "a whole number"),
        ("isize", "a whole number"),
        ("u8", "a whole number from 0"),
        ("u16", "a whole number from 0"),
        ("u32", "a whole number from 0"),
        ("u64", "a whole number from 0"),
        ("u128", "a whole number from 0"),
        ("usize", "a whole number from 0"),
        ("f32", "a number"),
        ("f64", "a number"),
        ("char", "a single character"),
        ("unit", "null"),
    ] {
        let rust = format!("expected {rust}");
        if out.ends_with(&rust) || out.contains(&format!("{rust} ")) || out.contains(&format!("{rust},")) {
            out = out.replace(&rust, &format!("expected {plain}"));
        }
    }
    // `struct Name`, `enum Name`, `tuple struct Name`, `map`, `option`: a Rust type where a file shape belongs.
    for (rust, plain) in
        [("tuple struct ", "a list"), ("struct ", "a table of keys"), ("enum ", "one of the allowed values")]
    {
        while let Some(at) = out.find(&format!("expected {rust}")) {
            let name_at = at + "expected ".len() + rust.len();
            let name_len =
                out[name_at..].find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(out.len() - name_at);
            if name_len == 0 {
                break;
            }
            out.replace_range(at + "expected ".len()..name_at + name_len, plain);
        }
    }
    out
}

fn yaml_message(e: &serde_saphyr::Error) -> String {
    use serde_saphyr::budget::BudgetBreach as B;
    match e {
        serde_saphyr::Error::WithSnippet { error, .. } | serde_saphyr::Error::AliasError { error, .. } => {
            yaml_message(error)
        }
        serde_saphyr::Error::Message { msg, .. } => msg.clone(),
        // In serde's own words (the keys or values in backticks), as JSON and TOML say it.
        serde_saphyr::Error::SerdeUnknownVariant { variant, expected, .. } => {
            format!("unknown variant `{variant}`, {}", expected_one_of(expected, "variants"))
        }
        serde_saphyr::Error::SerdeUnknownField { field, expected, .. } => {
            format!("unknown field `{field}`, {}", expected_one_of(expected, "fields"))
        }
        serde_saphyr::Error::DuplicateMappingKey { key: Some(key), .. } => format!("key `{key}` is written twice"),
        serde_saphyr::Error::DuplicateMappingKey { key: None, .. } => "a key is written twice".to_owned(),
        // The budget grows with the text (see `partner::yaml_options`): only aliases expanding, or nesting, breach it.
        serde_saphyr::Error::Budget { breach, .. } => match breach {
            B::Depth { depth } => format!("nesting deeper than {depth} levels"),
            B::Aliases { aliases } => format!("more than {aliases} aliases"),
            B::Anchors { anchors } => format!("more than {anchors} anchors"),
            B::Documents { documents } => format!("more than {documents} documents in one file"),
            B::MergeKeys { merge_keys } => format!("more than {merge_keys} merge keys (<<)"),
            B::AliasAnchorRatio { aliases, anchors } => {
                format!("{aliases} aliases to {anchors} anchors: aliases expand the file too far")
            }
            B::Events { events: n } | B::Nodes { nodes: n } | B::ScalarBytes { total_scalar_bytes: n } => {
                format!("aliases expand the file too far (past {n} values)")
            }
            _ => "the file expands too far while it is read (aliases?)".to_owned(),
        },
        other => other.to_string(),
    }
}

/// serde's list of what was expected: ``expected one of `a`, `b` ``, ``expected `a` or `b` ``, `there are no fields`.
fn expected_one_of(expected: &[&str], what: &str) -> String {
    match expected {
        [] => format!("there are no {what}"),
        [one] => format!("expected `{one}`"),
        [a, b] => format!("expected `{a}` or `{b}`"),
        all => format!("expected one of {}", all.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", ")),
    }
}

/// serde reports an unknown key as ``unknown field `x`, expected one of `a`, `b` ``;
/// this adds the closest valid key as a hint.
fn with_unknown_key_hint(err: Error) -> Error {
    let msg = &err.message;
    let Some(rest) = msg.strip_prefix("unknown field `") else { return err };
    let Some((key, expected)) = rest.split_once('`') else { return err };
    // serde writes the expected keys in backticks; some parsers list them bare, separated by commas.
    let list = expected.trim_start_matches(',').trim().trim_start_matches("expected one of").trim();
    let candidates: Vec<&str> = if list.contains('`') {
        list.split('`').skip(1).step_by(2).collect()
    } else {
        list.split(',').map(str::trim).filter(|c| !c.is_empty() && !c.contains(' ')).collect()
    };
    let hint = match closest(key, candidates.iter().copied()) {
        Some(best) => format!("did you mean `{best}`?"),
        None if candidates.is_empty() => "this table takes no keys".to_owned(),
        None => format!("valid keys here: {}", candidates.join(", ")),
    };
    let message = format!("unknown key `{key}`");
    Error { message, hint: Some(hint), ..err }
}

/// The candidate closest to `word` by edit distance, if it is close enough to be a likely typo.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (strsim::levenshtein(&word.to_lowercase(), &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        let text = "a = 1\nbé = 2\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 6), (2, 1));
        assert_eq!(line_col(text, 9), (2, 3));
    }

    // Issue 11: serde's messages named Rust types (`expected struct PartnerIdFile`, `unknown variant`).
    #[test]
    fn messages_name_no_rust_types() {
        assert_eq!(
            plain_words("invalid type: map, expected struct PartnerIdFile"),
            "invalid type: a table of keys, expected a table of keys"
        );
        // Issue 14: serde's sequence, map and floating point are a rule author's list, table and decimal number.
        assert_eq!(
            plain_words("invalid type: sequence, expected a month as YYYY-MM"),
            "invalid type: a list, expected a month as YYYY-MM"
        );
        assert_eq!(
            plain_words("invalid type: floating point `1.5`, expected i64"),
            "invalid type: decimal number `1.5`, expected a whole number"
        );
        assert_eq!(
            plain_words("invalid type: string \"x\", expected a map"),
            "invalid type: string \"x\", expected a table of keys"
        );
        assert_eq!(
            plain_words("invalid type: integer `1`, expected a sequence"),
            "invalid type: integer `1`, expected a list"
        );
        assert_eq!(
            plain_words("invalid type: a list, expected a mapping with keys id"),
            "invalid type: a list, expected a mapping with keys id"
        );
        assert_eq!(
            plain_words("invalid type: string \"x\", expected enum Segment"),
            "invalid type: string \"x\", expected one of the allowed values"
        );
        assert_eq!(
            plain_words("unknown variant `acr`, expected one of `acr_usd`"),
            "unknown value `acr`, expected one of `acr_usd`"
        );
        assert_eq!(plain_words("invalid type: unit value, expected a string"), "invalid type: null, expected a string");
        assert_eq!(
            plain_words("invalid type: integer `99999999999999999999` as i128, expected a string"),
            "invalid type: integer `99999999999999999999`, expected a string"
        );
        assert_eq!(plain_words("unexpected event: expected sequence start"), "expected a list");
        assert_eq!(
            plain_words("invalid type: string \"x\", expected i64"),
            "invalid type: string \"x\", expected a whole number"
        );
        assert_eq!(
            plain_words("invalid value: integer `-1`, expected u32"),
            "invalid value: integer `-1`, expected a whole number from 0"
        );
        assert_eq!(plain_words("expected i64x"), "expected i64x", "only whole words");
    }

    // Issue 12: serde-saphyr 2 words its own messages (`expected one of a, b`, `set DuplicateKeyPolicy in
    // Options`); a YAML partner's problems read as JSON's and TOML's do, with no Rust names.
    #[test]
    fn yaml_messages_keep_serdes_words() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        enum Segment {
            #[serde(rename = "smb")]
            Smb,
            #[serde(rename = "enterprise")]
            Enterprise,
        }
        let text = "segment: size\n";
        let e = serde_saphyr::from_str::<std::collections::BTreeMap<String, Segment>>(text).unwrap_err();
        assert_eq!(
            Error::from_yaml("p.yaml", text, &e).to_string(),
            "p.yaml:1:10: unknown value `size`, expected `smb` or `enterprise`"
        );
        let text = "a: 1\na: 2\n";
        let e = serde_saphyr::from_str::<std::collections::BTreeMap<String, u32>>(text).unwrap_err();
        let shown = Error::from_yaml("p.yaml", text, &e).to_string();
        assert!(shown.starts_with("p.yaml:2:") && shown.ends_with(": key `a` is written twice"), "{shown}");
        assert_eq!(expected_one_of(&[], "fields"), "there are no fields");
        assert_eq!(expected_one_of(&["a", "b", "c"], "fields"), "expected one of `a`, `b`, `c`");
    }

    // Issue 14: a parser's problem carries the code of its kind, in every format (partner files share them).
    #[test]
    fn parse_errors_carry_the_code_of_their_kind() {
        use crate::codes;
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct File {
            id: String,
            count: u32,
        }
        let toml = |text: &str| {
            let e = toml::from_str::<File>(text).unwrap_err();
            Error::from_toml("f.toml", text, &e).code
        };
        assert_eq!(toml("id = \"a\nunterminated"), codes::SYNTAX);
        assert_eq!(toml("id = \"a\"\ncount = 1\ncolour = 2\n"), codes::UNKNOWN_KEY);
        assert_eq!(toml("id = \"a\"\ncount = \"x\"\n"), codes::WRONG_TYPE);
        assert_eq!(toml("id = \"a\"\n"), codes::MISSING_KEY);
        assert_eq!(toml("id = \"a\"\nid = \"b\"\ncount = 1\n"), codes::DUPLICATE_KEY);
        let json = |text: &str| Error::from_json("f.json", &serde_json::from_str::<File>(text).unwrap_err()).code;
        assert_eq!(json("{\"id\": \"a\","), codes::SYNTAX);
        assert_eq!(json("{\"id\": \"a\", \"count\": 1, \"colour\": 2}"), codes::UNKNOWN_KEY);
        assert_eq!(json("{\"id\": \"a\", \"count\": \"x\"}"), codes::WRONG_TYPE);
        assert_eq!(json("{\"id\": \"a\"}"), codes::MISSING_KEY);
        let yaml = |text: &str| {
            let e = serde_saphyr::from_str::<File>(text).unwrap_err();
            Error::from_yaml("f.yaml", text, &e).code
        };
        assert_eq!(yaml("id: \"a\ncount: 1\n"), codes::SYNTAX);
        assert_eq!(yaml("id: a\ncount: 1\ncolour: 2\n"), codes::UNKNOWN_KEY);
        assert_eq!(yaml("id: a\ncount: x\n"), codes::WRONG_TYPE);
        assert_eq!(yaml("id: a\n"), codes::MISSING_KEY);
        assert_eq!(yaml("id: a\nid: b\ncount: 1\n"), codes::DUPLICATE_KEY);
    }

    #[test]
    fn unknown_keys_suggest_the_closest() {
        let e = with_unknown_key_hint(Error::new(
            Located::file("x.toml"),
            "unknown field `max_point`, expected one of `id`, `max_points`, `kind`",
        ));
        assert_eq!(e.to_string(), "x.toml: unknown key `max_point`\n  hint: did you mean `max_points`?");
    }

    // issue 12: the edit distance is strsim's Levenshtein now; what `closest` suggests must not change: characters
    // (not bytes) counted, case ignored, a swap costs two, at most a third of the word (at least 2) apart, and the
    // alphabetically first of equally close candidates.
    #[test]
    fn closest_keeps_its_distance_and_limits() {
        assert_eq!(closest("MAX_POINT", ["max_points", "kind"]), Some("max_points"));
        assert_eq!(closest("prodcuts", ["products"]), Some("products"), "a swap is 2, within the limit of 2");
        assert_eq!(closest("ab", ["ba"]), Some("ba"), "a swap is 2, the minimum limit");
        assert_eq!(closest("abc", ["xyz"]), None, "3 edits on a 3-letter word are too many");
        assert_eq!(closest("größe", ["grösse"]), Some("grösse"), "ß → ss is 2 characters, not bytes");
        assert_eq!(closest("thresholdd", ["threshold", "thresholds"]), Some("threshold"), "ties: the first by name");
        assert_eq!(closest("abcdefghi", ["abcxyzghi"]), Some("abcxyzghi"), "3 of 9: within a third");
        assert_eq!(closest("abcdefghi", ["axcxyzghi"]), None, "4 of 9: beyond a third");
    }
}
