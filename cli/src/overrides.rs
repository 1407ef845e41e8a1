//! Quick what-ifs without editing files: `--set <designation>.<path>.<metric>[.<part>].<key>=<value>`
//! overrides a rule parameter in an in-memory copy of the rule set, which is then compiled exactly like an
//! edited rule folder, so a bad override gets the same errors a bad edit would.
//!
//! Also `<designation>.qualification.<key>=<value>` and `qualification.<key>=<value>` (the program's).
//!
//! The files are edited as TOML documents (`toml_edit`), not rewritten from values: comments, key order and
//! every other line stay where they are, so an error names the line the file really has, and an error on a
//! value `--set` wrote says so. Nothing is written to disk.

use std::collections::BTreeMap;
use std::path::Path;

use designate_engine::rules::diff::{diff_rule_sources, Change};
use designate_engine::rules::RuleSource;
use designate_engine::{Error, RuleSet};
use toml_edit::{DocumentMut, Item, TableLike, Value};

/// Loads the rule set in `dir` with `sets` applied, and what changed from `base` to the edited copy (as
/// `diff-rules` reads it, so that the overrides are listed among the rule changes). The copy is held in memory
/// and named like the folder: messages point at `dir`'s files, on their own lines; its digest reflects the
/// overrides. A what-if that only breaks a consistency lint (maxima that no longer add up, a cap never reached)
/// is scored, with the lint as a warning on stderr.
pub fn load_with(dir: &Path, sets: &[String], base: &Path) -> Result<(RuleSet, Vec<Change>), String> {
    let source = RuleSource::read_dir(dir).map_err(|errors| problems(dir, sets, &errors, &[]))?;
    let RuleSource::Files { root, mut files } = source else {
        return Err(format!("{}: the rule set could not be read into memory", dir.display()));
    };
    let mut placed = Vec::new();
    for set in sets {
        let place = apply(&mut files, set).map_err(|e| format!("--set {set}: {e}"))?;
        placed.push((set.as_str(), place));
    }
    // Where each value set now stands, for pointing an error there at its `--set`.
    let marks: Vec<Mark> = placed.iter().filter_map(|(set, place)| place.locate(&root, &files, set)).collect();
    let edited = RuleSource::Files { root, files };
    let (rules, lints) =
        RuleSet::from_source_with_lints(&edited).map_err(|errors| problems(dir, sets, &errors, &marks))?;
    for lint in &lints {
        crate::output::warning(&mark(lint, &marks).to_string());
    }
    let changes = diff_rule_sources(&RuleSource::Dir(base.to_owned()), &edited).map_err(|e| e.to_string())?.changes;
    Ok((rules, changes))
}

/// The errors of the edited rule set as one message, each at its place, then a line saying which overrides
/// they come with.
fn problems(dir: &Path, sets: &[String], errors: &[Error], marks: &[Mark]) -> String {
    let mut lines: Vec<String> = errors.iter().map(|e| mark(e, marks).to_string()).collect();
    let given: Vec<String> = sets.iter().map(|s| format!("--set {s}")).collect();
    lines.push(format!("the rule set {} with {} has {} problem(s)", dir.display(), given.join(" "), errors.len()));
    lines.join("\nerror: ")
}

/// A value a `--set` wrote: its file as messages name it, its line, and the `--set` itself.
struct Mark {
    file: String,
    line: usize,
    set: String,
}

/// `e`, with a hint naming the `--set` that wrote the value on its line.
fn mark(e: &Error, marks: &[Mark]) -> Error {
    let Some(m) = marks.iter().find(|m| m.file == e.place.file && e.place.line.is_some_and(|(l, _)| l == m.line))
    else {
        return e.clone();
    };
    let from = format!("the value on this line comes from `--set {}`", m.set);
    let hint = match &e.hint {
        Some(h) => format!("{from}; {h}"),
        None => from,
    };
    Error { hint: Some(hint), ..e.clone() }
}

/// Where a `--set` wrote its value: the file, and the keys (a metric or part by its `id`) leading to it.
struct Place {
    file: String,
    steps: Vec<Step>,
}

enum Step {
    Key(String),
    Id(String),
}

impl Place {
    /// The line of the value in the edited file, read back with its spans.
    fn locate(&self, root: &Path, files: &BTreeMap<String, Vec<u8>>, set: &str) -> Option<Mark> {
        let text = std::str::from_utf8(files.get(&self.file)?).ok()?;
        let doc = toml_edit::Document::parse(text).ok()?;
        let mut table: &dyn TableLike = doc.as_table();
        let (Step::Key(last), path) = self.steps.split_last()? else { return None };
        let mut steps = path.iter().peekable();
        while let Some(step) = steps.next() {
            let Step::Key(key) = step else { return None };
            let item = table.get(key)?;
            table = match steps.next_if(|s| matches!(s, Step::Id(_))) {
                Some(Step::Id(id)) => by_id(item, id)?,
                _ => item.as_table_like()?,
            };
        }
        let span = table.get(last)?.span()?;
        let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
        Some(Mark { file: root.join(&self.file).display().to_string(), line, set: set.to_owned() })
    }
}

/// The table of a list of tables (`[[...]]` or an inline list) whose `id` is `id`.
fn by_id<'a>(list: &'a Item, id: &str) -> Option<&'a dyn TableLike> {
    match list {
        Item::ArrayOfTables(tables) => {
            tables.iter().find(|t| t.get("id").and_then(Item::as_str) == Some(id)).map(|t| t as &dyn TableLike)
        }
        Item::Value(Value::Array(list)) => list
            .iter()
            .filter_map(Value::as_inline_table)
            .find(|t| t.get("id").and_then(Value::as_str) == Some(id))
            .map(|t| t as &dyn TableLike),
        _ => None,
    }
}

/// Applies one `--set KEY=VALUE` to the files: where it wrote.
fn apply(files: &mut BTreeMap<String, Vec<u8>>, set: &str) -> Result<Place, String> {
    let (path, raw) =
        set.split_once('=').ok_or("expected KEY=VALUE, e.g. data-ai.smb.net-customer-adds.threshold=400")?;
    let value = parse_value(raw.trim());
    let segments: Vec<&str> = path.trim().split('.').collect();
    if segments.len() < 2 || segments.iter().any(|s| s.is_empty()) {
        return Err(
            "expected <designation>.<path>.<metric>.<key>, <designation>.qualification.<key> or qualification.<key>"
                .into(),
        );
    }
    let program = "program.toml".to_owned();
    if segments[0] == "qualification" {
        let mut doc = read(files, &program)?;
        let q = doc
            .get_mut("qualification")
            .and_then(Item::as_table_like_mut)
            .ok_or("program.toml has no [qualification]")?;
        set_key(q, &segments[1..], value)?;
        write(files, &program, &doc);
        return Ok(Place { file: program, steps: keys(&["qualification"], &segments[1..]) });
    }
    let (file, mut doc) = find_designation(files, segments[0])?;
    if segments[1] == "qualification" {
        if !doc.contains_key("qualification") {
            // A designation-level qualification replaces the program's whole: start from the program's values.
            let q =
                read(files, &program)?.get("qualification").cloned().ok_or("program.toml has no [qualification]")?;
            doc.insert("qualification", q);
        }
        let q = doc.get_mut("qualification").and_then(Item::as_table_like_mut).ok_or("qualification is not a table")?;
        set_key(q, &segments[2..], value)?;
        write(files, &file, &doc);
        return Ok(Place { file, steps: keys(&["qualification"], &segments[2..]) });
    }
    let [_, path_id, metric_id, rest @ ..] = segments.as_slice() else {
        return Err("expected <designation>.<path>.<metric>.<key>".into());
    };
    let paths = doc.get_mut("paths").and_then(Item::as_table_like_mut).ok_or("the designation has no paths")?;
    let names: Vec<String> = paths.iter().map(|(k, _)| k.to_owned()).collect();
    let path = paths
        .get_mut(path_id)
        .and_then(Item::as_table_like_mut)
        .ok_or_else(|| format!("no path \"{path_id}\" (paths: {})", names.join(", ")))?;
    let metric = find_by_id(path.get_mut("metrics"), metric_id)
        .ok_or_else(|| format!("no metric \"{metric_id}\" in path \"{path_id}\""))?;
    let mut steps = vec![
        Step::Key("paths".into()),
        Step::Key((*path_id).to_owned()),
        Step::Key("metrics".into()),
        Step::Id((*metric_id).to_owned()),
    ];
    let (target, keys_left) = match rest.first() {
        Some(first) if rest.len() > 1 && metric.contains_key("parts") => {
            match find_by_id(metric.get_mut("parts"), first) {
                Some(part) => {
                    steps.extend([Step::Key("parts".into()), Step::Id((*first).to_owned())]);
                    (part, &rest[1..])
                }
                None => return Err(format!("no part \"{first}\" in metric \"{metric_id}\"")),
            }
        }
        _ => (metric, rest),
    };
    if keys_left.is_empty() {
        return Err("name the key to set after the metric".into());
    }
    set_key(target, keys_left, value)?;
    steps.extend(keys_left.iter().map(|k| Step::Key((*k).to_owned())));
    write(files, &file, &doc);
    Ok(Place { file, steps })
}

fn keys(first: &[&str], rest: &[&str]) -> Vec<Step> {
    first.iter().chain(rest).map(|k| Step::Key((*k).to_owned())).collect()
}

/// The table of a list of tables (`[[...]]` or an inline list) whose `id` is `id`, to edit.
fn find_by_id<'a>(list: Option<&'a mut Item>, id: &str) -> Option<&'a mut dyn TableLike> {
    match list? {
        Item::ArrayOfTables(tables) => {
            tables.iter_mut().find(|t| t.get("id").and_then(Item::as_str) == Some(id)).map(|t| t as &mut dyn TableLike)
        }
        Item::Value(Value::Array(list)) => list
            .iter_mut()
            .filter_map(Value::as_inline_table_mut)
            .find(|t| t.get("id").and_then(Value::as_str) == Some(id))
            .map(|t| t as &mut dyn TableLike),
        _ => None,
    }
}

/// Sets `keys` (a path through tables, e.g. `points.per_unit`) to `value`, creating inline tables on the way. A
/// value replaced keeps its spacing and trailing comment.
fn set_key(table: &mut dyn TableLike, keys: &[&str], mut value: Value) -> Result<(), String> {
    match keys {
        [] => Err("no key given".into()),
        [last] => {
            if let Some(Item::Value(old)) = table.get_mut(last) {
                *value.decor_mut() = old.decor().clone();
                *old = value;
            } else {
                table.insert(last, Item::Value(value));
            }
            Ok(())
        }
        [first, rest @ ..] => {
            if !table.contains_key(first) {
                table.insert(first, Item::Value(Value::InlineTable(toml_edit::InlineTable::new())));
            }
            let inner = table
                .get_mut(first)
                .and_then(Item::as_table_like_mut)
                .ok_or_else(|| format!("`{first}` is not a table"))?;
            set_key(inner, rest, value)
        }
    }
}

/// The value as TOML would read it (`400`, `2.5`, `"transitions"`, `true`, `["AZ-104"]`), else as text.
fn parse_value(raw: &str) -> Value {
    raw.parse::<Value>().unwrap_or_else(|_| Value::from(raw))
}

/// The designation file whose `id` is `id` (relative path) and its document.
fn find_designation(files: &BTreeMap<String, Vec<u8>>, id: &str) -> Result<(String, DocumentMut), String> {
    let mut ids = Vec::new();
    // In the order the compiler reads them: every `.toml` file below `designations/`.
    let mut names: Vec<&String> =
        files.keys().filter(|k| k.starts_with("designations/") && k.ends_with(".toml")).collect();
    names.sort_by(|a, b| Path::new(a).cmp(Path::new(b)));
    for name in names {
        let doc = read(files, name)?;
        let file_id = doc.get("id").and_then(Item::as_str).unwrap_or_default().to_owned();
        if file_id == id {
            return Ok((name.clone(), doc));
        }
        ids.push(file_id);
    }
    Err(format!("no designation \"{id}\" (designations: {})", ids.join(", ")))
}

fn read(files: &BTreeMap<String, Vec<u8>>, rel: &str) -> Result<DocumentMut, String> {
    let bytes = files.get(rel).ok_or_else(|| format!("the rule set has no {rel}"))?;
    let text = std::str::from_utf8(bytes).map_err(|_| format!("{rel}: file is not UTF-8 text"))?;
    text.parse::<DocumentMut>().map_err(|e| format!("{rel}: {}", e.message()))
}

fn write(files: &mut BTreeMap<String, Vec<u8>>, rel: &str, doc: &DocumentMut) {
    files.insert(rel.to_owned(), doc.to_string().into_bytes());
}
