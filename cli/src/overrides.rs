//! Quick what-ifs without editing files: `--set <designation>.<path>.<metric>[.<part>].<key>=<value>`
//! overrides a rule parameter in a scratch copy of the rule set, which is then loaded and validated exactly
//! like an edited rule file, so a bad override gets the same errors a bad edit would.
//!
//! Also `<designation>.qualification.<key>=<value>` and `qualification.<key>=<value>` (the program's).

use std::path::{Path, PathBuf};

use designate_engine::rules::diff::Change;
use designate_engine::RuleSet;
use toml::{Table, Value};

/// Loads the rule set in `dir` with `sets` applied, and what changed from `base` to the edited copy (as
/// `diff-rules` reads it, so that the overrides are listed among the rule changes). The copy lives under the
/// system's temp folder for the duration of the load; its digest therefore reflects the overrides.
pub fn load_with(dir: &Path, sets: &[String], base: &Path) -> Result<(RuleSet, Vec<Change>), String> {
    let folder = dir.file_name().map(|n| n.to_owned()).unwrap_or_else(|| "rules".into());
    let scratch = std::env::temp_dir().join(format!("designate-set-{}", std::process::id()));
    let copy = scratch.join(&folder);
    let _ = std::fs::remove_dir_all(&scratch);
    copy_dir(dir, &copy).map_err(|e| format!("cannot copy {} for --set: {e}", dir.display()))?;
    let result = apply_all(&copy, sets).and_then(|()| {
        RuleSet::load(&copy).map_err(|errors| {
            let shown = copy.display().to_string();
            let lines: Vec<String> = errors
                .iter()
                .map(|e| {
                    format!(
                        "after --set {}: {}",
                        sets.join(" --set "),
                        e.to_string().replace(&shown, &dir.display().to_string())
                    )
                })
                .collect();
            lines.join("\nerror: ")
        })
    });
    let result = result.and_then(|rules| {
        let changes = designate_engine::rules::diff::diff_rule_dirs(base, &copy).map_err(|e| e.to_string())?.changes;
        Ok((rules, changes))
    });
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

fn apply_all(dir: &Path, sets: &[String]) -> Result<(), String> {
    for set in sets {
        apply(dir, set).map_err(|e| format!("--set {set}: {e}"))?;
    }
    Ok(())
}

fn apply(dir: &Path, set: &str) -> Result<(), String> {
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
    if segments[0] == "qualification" {
        let file = dir.join("program.toml");
        let mut table = read(&file)?;
        let q = table
            .get_mut("qualification")
            .and_then(Value::as_table_mut)
            .ok_or("program.toml has no [qualification]")?;
        set_key(q, &segments[1..], value)?;
        return write(&file, &table);
    }
    let (file, mut table) = find_designation(dir, segments[0])?;
    if segments[1] == "qualification" {
        if !table.contains_key("qualification") {
            // A designation-level qualification replaces the program's whole: start from the program's values.
            let program = read(&dir.join("program.toml"))?;
            let q = program.get("qualification").cloned().ok_or("program.toml has no [qualification]")?;
            table.insert("qualification".into(), q);
        }
        let q = table.get_mut("qualification").and_then(Value::as_table_mut).ok_or("qualification is not a table")?;
        set_key(q, &segments[2..], value)?;
        return write(&file, &table);
    }
    let [_, path_id, metric_id, rest @ ..] = segments.as_slice() else {
        return Err("expected <designation>.<path>.<metric>.<key>".into());
    };
    let paths = table.get_mut("paths").and_then(Value::as_table_mut).ok_or("the designation has no paths")?;
    let names: Vec<String> = paths.keys().cloned().collect();
    let path = paths
        .get_mut(*path_id)
        .and_then(Value::as_table_mut)
        .ok_or_else(|| format!("no path \"{path_id}\" (paths: {})", names.join(", ")))?;
    let metric = find_by_id(path.get_mut("metrics"), metric_id)
        .ok_or_else(|| format!("no metric \"{metric_id}\" in path \"{path_id}\""))?;
    let target = match rest.first() {
        Some(first) if rest.len() > 1 && metric.get("parts").is_some() => {
            match find_by_id(metric.get_mut("parts"), first) {
                Some(part) => (part, &rest[1..]),
                None => return Err(format!("no part \"{first}\" in metric \"{metric_id}\"")),
            }
        }
        _ => (metric, rest),
    };
    if target.1.is_empty() {
        return Err("name the key to set after the metric".into());
    }
    set_key(target.0, target.1, value)?;
    write(&file, &table)
}

fn find_by_id<'a>(list: Option<&'a mut Value>, id: &str) -> Option<&'a mut Table> {
    list?
        .as_array_mut()?
        .iter_mut()
        .filter_map(Value::as_table_mut)
        .find(|t| t.get("id").and_then(Value::as_str) == Some(id))
}

/// Sets `keys` (a path through inline tables, e.g. `points.per_unit`) to `value`, creating tables on the way.
fn set_key(table: &mut Table, keys: &[&str], value: Value) -> Result<(), String> {
    match keys {
        [] => Err("no key given".into()),
        [last] => {
            table.insert((*last).to_owned(), value);
            Ok(())
        }
        [first, rest @ ..] => {
            let inner = table.entry((*first).to_owned()).or_insert_with(|| Value::Table(Table::new()));
            let inner = inner.as_table_mut().ok_or_else(|| format!("`{first}` is not a table"))?;
            set_key(inner, rest, value)
        }
    }
}

/// The value as TOML would read it (`400`, `2.5`, `"transitions"`, `true`, `["AZ-104"]`), else as text.
fn parse_value(raw: &str) -> Value {
    toml::from_str::<Table>(&format!("v = {raw}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| Value::String(raw.to_owned()))
}

fn find_designation(dir: &Path, id: &str) -> Result<(PathBuf, Table), String> {
    let mut ids = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("designations"))
        .map_err(|e| format!("cannot read designations: {e}"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    for file in files {
        let table = read(&file)?;
        let file_id = table.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
        if file_id == id {
            return Ok((file, table));
        }
        ids.push(file_id);
    }
    Err(format!("no designation \"{id}\" (designations: {})", ids.join(", ")))
}

fn read(file: &Path) -> Result<Table, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    toml::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))
}

fn write(file: &Path, table: &Table) -> Result<(), String> {
    let text = toml::to_string(table).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    std::fs::write(file, text).map_err(|e| format!("cannot write {}: {e}", file.display()))
}
