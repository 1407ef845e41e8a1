//! Differences of meaning between two rule-set folders (`designate diff-rules A B`).
//!
//! This module owns reading two rule folders as plain TOML values and comparing them by what they say, not how
//! they are written: formatting, comments, key order, list order and the spelling of numbers (`500`, `500.0`,
//! `"500"`) make no difference. Entities are matched by their identity (selections and path rules by name,
//! certifications by code, products by name, designations by `id`, paths by name, metrics and parts by `id`,
//! prerequisites by their certifications, specializations by name, certified software by `id` and its requirements by
//! category), never by file name or position. Every file of a rule set takes part: a file the engine does not read
//! by meaning (a note, a script kept elsewhere) is compared by its bytes and reported added, removed or changed as a
//! file, so that two folders whose digests differ never diff as "no changes" unless only formatting, comments, key
//! order or number spelling differ. It deliberately works on raw values
//! rather than on a compiled [`super::RuleSet`]: a diff must also work for a version that no longer compiles
//! against today's engine, and it must report keys as the rule author wrote them.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;
use std::str::FromStr;

use rust_decimal::Decimal;
use sha2::{Digest, Sha256};
use toml::{Table, Value};

use super::source::RuleSource;
use crate::codes;
use crate::error::{Error, Located};

/// The meaningful differences between two rule-set folders.
#[derive(Debug, Clone, serde::Serialize, PartialEq)]
pub struct RuleDiff {
    /// The `version` of the base folder (its folder name when program.toml states none).
    pub base: String,
    /// The `version` of the candidate folder.
    pub candidate: String,
    /// In report order: program, catalogue (certifications, products, specializations), designations by id,
    /// certified software by id, scripts, other files.
    pub changes: Vec<Change>,
}

/// One difference: something added, removed or changed at a place of the rules.
#[derive(Debug, Clone, serde::Serialize, PartialEq, schemars::JsonSchema)]
pub struct Change {
    pub kind: ChangeKind,
    /// Where: `program`, `selection NAME`, `certification CODE`, `data-ai / smb / net-customer-adds`, …
    pub place: String,
    /// What, at that place: a key (`points.per_unit`), a list (`products`), or an entity (`path smb`).
    pub key: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Whether something is new, gone, or has another value.
#[derive(Debug, Clone, Copy, serde::Serialize, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
}

/// The meaningful differences between two rule-set folders.
pub fn diff_rule_dirs(base: &Path, candidate: &Path) -> Result<RuleDiff, Error> {
    diff_rule_sources(&RuleSource::Dir(base.to_owned()), &RuleSource::Dir(candidate.to_owned()))
}

/// The meaningful differences between two rule sets, each a folder or files in memory (a `--set` what-if).
pub fn diff_rule_sources(base: &RuleSource, candidate: &RuleSource) -> Result<RuleDiff, Error> {
    let a = Side::load(base)?;
    let b = Side::load(candidate)?;
    let mut d = Differ { changes: Vec::new() };
    d.program(&a, &b);
    d.catalogue(&a, &b);
    d.designations(&a, &b);
    d.software(&a, &b);
    d.scripts(&a, &b);
    d.files(&a, &b);
    Ok(RuleDiff { base: a.version, candidate: b.version, changes: d.changes })
}

impl RuleDiff {
    /// Whether the two rule sets mean the same.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// A report for people, written as a list of policy changes: a summary line, then the changes grouped by place,
    /// one line each (`+` added, `-` removed, `~` changed `key: before → after`), with a blank line between sections.
    /// Places with the very same changes (the deployments of six Azure paths, the product lists of ten selections)
    /// are listed together above their changes, which are written once; items added to (or removed from) one list
    /// at one place share one line, wrapped, rather than one line per product.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let count = match self.changes.len() {
            0 => "no changes".to_owned(),
            1 => "1 change".to_owned(),
            n => format!("{n} changes"),
        };
        let _ = writeln!(out, "rules {} → {}: {count}", self.base, self.candidate);
        // The changes of each place, in report order (a place's changes are consecutive; a place met again later,
        // such as `catalogue` for certifications and then for products, is a group of its own).
        let mut groups: Vec<(&str, Vec<&Change>)> = Vec::new();
        for c in &self.changes {
            match groups.last_mut() {
                Some((place, changes)) if *place == c.place => changes.push(c),
                _ => groups.push((&c.place, vec![c])),
            }
        }
        let same = |x: &[&Change], y: &[&Change]| {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|(a, b)| (a.kind, &a.key, &a.before, &a.after) == (b.kind, &b.key, &b.before, &b.after))
        };
        let mut written = vec![false; groups.len()];
        let mut section: Option<&str> = None;
        let mut noted: BTreeSet<Vec<&str>> = BTreeSet::new();
        for i in 0..groups.len() {
            if written[i] {
                continue;
            }
            let s = section_of(groups[i].0);
            if section != Some(s) {
                out.push('\n');
                section = Some(s);
            }
            for j in i..groups.len() {
                if written[j] || !same(&groups[i].1, &groups[j].1) {
                    continue;
                }
                written[j] = true;
                let place = groups[j].0;
                // A path compared with a differently named one says so once, so that `standard → smb` is not read
                // as a rename.
                let pair: Vec<&str> = place.splitn(3, " / ").take(2).collect();
                let paths = pair.get(1).and_then(|p| p.split_once(" → "));
                match paths {
                    Some((from, to)) if !noted.contains(&pair) => {
                        let _ =
                            writeln!(out, "{place}   ({} path {from} against {} path {to})", self.base, self.candidate);
                        noted.insert(pair);
                    }
                    _ => {
                        let _ = writeln!(out, "{place}");
                    }
                }
            }
            write_changes(&mut out, &groups[i].1);
        }
        out
    }
}

/// The change lines of one place. Consecutive items added to (or removed from) the same list of names share one
/// line, wrapped under its first item; entries that are tables (`{ … }`) keep a line each. Products added to or
/// removed from the catalogue are named on one line each way, where the first of them is.
fn write_changes(out: &mut String, changes: &[&Change]) {
    fn product(c: &Change) -> Option<&str> {
        match c.kind {
            ChangeKind::Changed => None,
            _ => c.key.strip_prefix("product ").filter(|_| c.place == "catalogue"),
        }
    }
    let mut products_written = false;
    fn item(c: &Change) -> Option<&str> {
        match (c.kind, &c.before, &c.after) {
            (ChangeKind::Added, None, Some(v)) | (ChangeKind::Removed, Some(v), None)
                if !v.starts_with('{') && !v.starts_with('[') =>
            {
                Some(v.as_str())
            }
            _ => None,
        }
    }
    let mut i = 0;
    while i < changes.len() {
        let c = changes[i];
        if product(c).is_some() {
            if !products_written {
                for (kind, sign) in [(ChangeKind::Removed, '-'), (ChangeKind::Added, '+')] {
                    let names: Vec<&str> =
                        changes.iter().filter(|c| c.kind == kind).filter_map(|c| product(c)).collect();
                    if !names.is_empty() {
                        wrap_items(out, &format!("  {sign} products: "), &names);
                    }
                }
                products_written = true;
            }
            i += 1;
            continue;
        }
        if let Some(first) = item(c) {
            let mut items = vec![first];
            let mut j = i + 1;
            while j < changes.len() && changes[j].kind == c.kind && changes[j].key == c.key {
                match item(changes[j]) {
                    Some(v) => items.push(v),
                    None => break,
                }
                j += 1;
            }
            if items.len() > 1 {
                let sign = if c.kind == ChangeKind::Added { '+' } else { '-' };
                let head = format!("  {sign} {}: ", c.key);
                wrap_items(out, &head, &items);
                i = j;
                continue;
            }
        }
        let line = match (c.kind, &c.before, &c.after) {
            (ChangeKind::Added, _, Some(after)) => format!("+ {}: {}", c.key, short(after)),
            (ChangeKind::Removed, Some(before), _) => format!("- {}: {}", c.key, short(before)),
            (ChangeKind::Added, _, None) => format!("+ {}", c.key),
            (ChangeKind::Removed, None, _) => format!("- {}", c.key),
            (ChangeKind::Changed, before, after) => format!(
                "~ {}: {} → {}",
                c.key,
                before.as_deref().map_or("(none)".to_owned(), short),
                after.as_deref().map_or("(none)".to_owned(), short)
            ),
        };
        let _ = writeln!(out, "  {line}");
        i += 1;
    }
}

/// `head` then the items joined by `, `, in lines of at most about 118 characters, continuation lines indented
/// under the first item.
fn wrap_items(out: &mut String, head: &str, items: &[&str]) {
    const WIDTH: usize = 118;
    let indent = " ".repeat(head.chars().count());
    let mut line = head.to_owned();
    let mut fresh = true;
    for (n, it) in items.iter().enumerate() {
        let piece = if n + 1 < items.len() { format!("{it},") } else { (*it).to_owned() };
        if !fresh && line.chars().count() + 1 + piece.chars().count() > WIDTH {
            let _ = writeln!(out, "{line}");
            line = indent.clone();
            fresh = true;
        }
        if !fresh {
            line.push(' ');
        }
        line.push_str(&piece);
        fresh = false;
    }
    let _ = writeln!(out, "{line}");
}

/// The section a place belongs to, so that the report puts a blank line between sections only.
fn section_of(place: &str) -> &str {
    if place == "qualification" || place.starts_with("selection ") || place.starts_with("path rule ") {
        "program"
    } else if place.starts_with("certification ")
        || place.starts_with("product ")
        || place.starts_with("specialization ")
    {
        "catalogue"
    } else if place.starts_with("software ") {
        "software"
    } else {
        place.split(" / ").next().unwrap_or(place)
    }
}

/// Long values (whole selections, product lists) are cut in the text report; the structured changes keep them whole.
fn short(text: &str) -> String {
    const MAX: usize = 110;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(MAX).collect::<String>())
    }
}

// ------------------------------------------------------------------------------------------------ reading

/// One folder, read as plain TOML values.
struct Side {
    version: String,
    program: Table,
    certifications: Table,
    products: Table,
    specializations: Table,
    /// Designation `id` (the file stem when it states none) → its table.
    designations: BTreeMap<String, Table>,
    /// Certified software designation `id` (the file stem when it states none) → its table.
    software: BTreeMap<String, Table>,
    /// `scripts/x.rhai` → its text with comments and formatting removed, one statement line per entry.
    scripts: BTreeMap<String, Vec<String>>,
    /// Every other file of the folder (`notes/x.md`, a script outside `scripts/`) → its size and SHA-256: these
    /// are compared as files, since the digest covers them and a script may be referenced from anywhere.
    others: BTreeMap<String, String>,
}

impl Side {
    fn load(source: &RuleSource) -> Result<Side, Error> {
        // Read like the compiler reads, once: a FIFO, a device or a link out of the folder is refused, never
        // opened, and the error of a refused file comes up when the file is wanted.
        let read = source.read().map_err(|errors| errors.into_iter().next().unwrap_or_else(|| no_rule_set(source)))?;
        let files = Files {
            source,
            read: read.files.into_iter().map(Ok).chain(read.refused.into_iter().map(Err)).fold(
                BTreeMap::new(),
                |mut all, entry| {
                    match entry {
                        Ok((rel, bytes)) => all.insert(rel, Ok(bytes)),
                        Err((rel, e)) => all.insert(rel, Err(e)),
                    };
                    all
                },
            ),
        };
        let program = files.toml("program.toml")?;
        // The catalogue files are optional, as for the compiler: an absent file lists nothing.
        let certifications = files.optional_toml("catalogue/certifications.toml")?;
        let products = files.optional_toml("catalogue/products.toml")?;
        let specializations = files.optional_toml("catalogue/specializations.toml")?;
        let codes = certification_codes(&certifications);

        let mut designations = BTreeMap::new();
        for rel in files.under("designations", "toml") {
            let mut table = files.toml(&rel)?;
            // Rules may name a certification by code, alias or name; the catalogue says they mean the same.
            canonical_certifications(&mut table, &codes);
            let stem = Path::new(&rel).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            let id = table.get("id").and_then(Value::as_str).map_or(stem, str::to_owned);
            designations.insert(id, table);
        }

        // As the compiler reads them: every `.toml` file below `software/`.
        let mut software = BTreeMap::new();
        for rel in files.under("software", "toml") {
            let table = files.toml(&rel)?;
            let stem = Path::new(&rel).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            let id = table.get("id").and_then(Value::as_str).map_or(stem, str::to_owned);
            software.insert(id, table);
        }

        let mut scripts = BTreeMap::new();
        for rel in files.under("scripts", "rhai") {
            let text = files.text(&rel)?;
            scripts.insert(rel, normalise_script(&text));
        }

        let mut others = BTreeMap::new();
        let read_by_meaning = |rel: &str| {
            matches!(
                rel,
                "program.toml"
                    | "catalogue/certifications.toml"
                    | "catalogue/products.toml"
                    | "catalogue/specializations.toml"
            ) || designations_or_software(rel)
                || scripts.contains_key(rel)
        };
        for rel in files.under("", "") {
            if !read_by_meaning(&rel) {
                let bytes = files.bytes(&rel)?;
                let hex: String = Sha256::digest(bytes).iter().take(6).map(|b| format!("{b:02x}")).collect();
                others.insert(rel, format!("{} bytes, sha256 {hex}…", bytes.len()));
            }
        }

        let version = program
            .get("version")
            .map(show)
            .unwrap_or_else(|| source.root().file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
        Ok(Side {
            version,
            program,
            certifications,
            products,
            specializations,
            designations,
            software,
            scripts,
            others,
        })
    }
}

fn no_rule_set(source: &RuleSource) -> Error {
    Error::new(Located::file(&source.root().display().to_string()), "not a rule set: no program.toml in this folder")
        .with_code(codes::NOT_A_RULE_SET)
}

/// The files of one rule set as read once: each relative path (with `/`) and its bytes, or why it was refused.
struct Files<'a> {
    source: &'a RuleSource,
    read: BTreeMap<String, Result<Vec<u8>, Error>>,
}

impl Files<'_> {
    fn bytes(&self, rel: &str) -> Result<&[u8], Error> {
        match self.read.get(rel) {
            Some(Ok(bytes)) => Ok(bytes),
            Some(Err(e)) => Err(e.clone()),
            None => Err(Error::new(Located::file(&self.source.shown(rel)), "cannot read file: no such file")
                .with_code(codes::UNREADABLE)),
        }
    }

    fn text(&self, rel: &str) -> Result<String, Error> {
        String::from_utf8(self.bytes(rel)?.to_vec()).map_err(|_| {
            Error::new(Located::file(&self.source.shown(rel)), "file is not UTF-8 text").with_code(codes::NOT_UTF8)
        })
    }

    fn toml(&self, rel: &str) -> Result<Table, Error> {
        let text = self.text(rel)?;
        let shown = self.source.shown(rel);
        let value = toml::from_str::<Value>(&text).map_err(|e| Error::from_toml(&shown, &text, &e))?;
        match value {
            Value::Table(t) => Ok(t),
            _ => Err(Error::new(Located::file(&shown), "expected a table of keys").with_code(codes::WRONG_TYPE)),
        }
    }

    /// Present in any form (a FIFO too, refused then), or an empty table.
    fn optional_toml(&self, rel: &str) -> Result<Table, Error> {
        if self.read.contains_key(rel) {
            self.toml(rel)
        } else {
            Ok(Table::new())
        }
    }

    /// The files below `sub` ending in `.ext` (any file when `ext` is empty, every file when `sub` is), in the
    /// order a folder is listed; hidden files are not among them, as for the compiler and its digest.
    fn under(&self, sub: &str, ext: &str) -> Vec<String> {
        let mut found: Vec<&String> = self
            .read
            .keys()
            .filter(|rel| sub.is_empty() || rel.starts_with(&format!("{sub}/")))
            .filter(|rel| ext.is_empty() || Path::new(rel).extension().is_some_and(|e| e == ext))
            .collect();
        found.sort_by(|a, b| Path::new(a).cmp(Path::new(b)));
        found.into_iter().cloned().collect()
    }
}

/// Whether a relative path is a designation or certified software file, which are compared by meaning.
fn designations_or_software(rel: &str) -> bool {
    (rel.starts_with("designations/") || rel.starts_with("software/")) && rel.ends_with(".toml")
}

/// Lower-cased code, alias and name of every certification → its code.
fn certification_codes(certs: &Table) -> BTreeMap<String, String> {
    let mut codes = BTreeMap::new();
    for cert in certs.get("certification").and_then(Value::as_array).into_iter().flatten() {
        let Some(code) = cert.get("code").and_then(Value::as_str) else { continue };
        let aliases = cert.get("aliases").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str);
        let names = std::iter::once(code).chain(cert.get("name").and_then(Value::as_str)).chain(aliases);
        for n in names {
            codes.entry(n.trim().to_lowercase()).or_insert_with(|| code.to_owned());
        }
    }
    codes
}

/// Replaces every certification named in an `any_of` or `all_of` list by its catalogue code.
fn canonical_certifications(table: &mut Table, codes: &BTreeMap<String, String>) {
    for (key, value) in table.iter_mut() {
        match value {
            Value::Array(items) if key == "any_of" || key == "all_of" => {
                for item in items.iter_mut() {
                    if let Some(code) = item.as_str().and_then(|s| codes.get(&s.trim().to_lowercase())) {
                        *item = Value::String(code.clone());
                    }
                }
            }
            Value::Array(items) => {
                for item in items.iter_mut() {
                    if let Value::Table(t) = item {
                        canonical_certifications(t, codes);
                    }
                }
            }
            Value::Table(t) => canonical_certifications(t, codes),
            _ => {}
        }
    }
}

/// A script's statements without `//` comments, with whitespace kept only where it separates two words,
/// one entry per non-empty line, so that re-indenting or re-spacing changes nothing.
fn normalise_script(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    for line in text.lines() {
        let mut out = String::new();
        let mut chars = line.chars().peekable();
        let mut quote: Option<char> = None;
        let mut pending_space = false;
        while let Some(c) = chars.next() {
            if let Some(q) = quote {
                out.push(c);
                if c == '\\' {
                    if let Some(next) = chars.next() {
                        out.push(next);
                    }
                } else if c == q {
                    quote = None;
                }
                continue;
            }
            if c == '/' && chars.peek() == Some(&'/') {
                break;
            }
            if c.is_whitespace() {
                pending_space = true;
                continue;
            }
            let word = |ch: char| ch.is_alphanumeric() || ch == '_';
            if pending_space && out.chars().last().is_some_and(word) && word(c) {
                out.push(' ');
            }
            pending_space = false;
            if c == '"' || c == '\'' || c == '`' {
                quote = Some(c);
            }
            out.push(c);
        }
        if !out.is_empty() {
            lines.push(out);
        }
    }
    lines
}

// ------------------------------------------------------------------------------------------------ values

/// A scalar's meaning as text: numbers as normalised exact decimals (so `500`, `500.0` and `"500"` agree),
/// dates and strings as written, booleans as `true`/`false`. `None` for arrays and tables.
fn scalar_text(v: &Value) -> Option<String> {
    let number = |text: &str| Decimal::from_str(text.trim()).ok().map(|d| d.normalize().to_string());
    Some(match v {
        Value::Integer(i) => Decimal::from(*i).to_string(),
        // `{}` gives the shortest text that reads back as the same float, which is what the author wrote.
        Value::Float(f) => {
            let text = format!("{f}");
            number(&text).unwrap_or(text)
        }
        Value::String(s) => number(s).unwrap_or_else(|| s.clone()),
        Value::Boolean(b) => b.to_string(),
        Value::Datetime(d) => d.to_string(),
        Value::Array(_) | Value::Table(_) => return None,
    })
}

/// A value for people: scalars bare, lists in brackets, tables in braces with their keys sorted.
fn show(v: &Value) -> String {
    match v {
        Value::Array(items) => format!("[{}]", items.iter().map(show).collect::<Vec<_>>().join(", ")),
        Value::Table(t) => {
            let mut keys: Vec<&String> = t.keys().collect();
            keys.sort();
            let inner: Vec<String> = keys.iter().map(|k| format!("{k} = {}", show(&t[k.as_str()]))).collect();
            format!("{{ {} }}", inner.join(", "))
        }
        scalar => scalar_text(scalar).unwrap_or_default(),
    }
}

/// A value for people with every list read as a set (items sorted), for entities identified by their whole content.
fn as_set(v: &Value) -> String {
    match v {
        Value::Array(items) => {
            let set: BTreeSet<String> = items.iter().map(as_set).collect();
            format!("[{}]", set.into_iter().collect::<Vec<_>>().join(", "))
        }
        Value::Table(t) => {
            let inner: BTreeSet<String> = t.iter().map(|(k, v)| format!("{k} = {}", as_set(v))).collect();
            format!("{{ {} }}", inner.into_iter().collect::<Vec<_>>().join(", "))
        }
        scalar => show(scalar),
    }
}

/// A value's meaning as one comparable string. Lists of scalars are sets in every rule file (products,
/// associations, certifications, segments, references), so they are sorted and deduplicated here.
fn canon(v: &Value) -> String {
    match v {
        Value::Array(items) if items.iter().all(is_scalar) => {
            let set: BTreeSet<String> = items.iter().map(canon).collect();
            format!("{{{}}}", set.into_iter().collect::<Vec<_>>().join(","))
        }
        Value::Array(items) => format!("[{}]", items.iter().map(canon).collect::<Vec<_>>().join(",")),
        Value::Table(t) => {
            let mut keys: Vec<&String> = t.keys().collect();
            keys.sort();
            let inner: Vec<String> = keys.iter().map(|k| format!("{k:?}={}", canon(&t[k.as_str()]))).collect();
            format!("({})", inner.join(","))
        }
        // Booleans get their own tag so that `true` and `"true"` stay different; numbers and text share one.
        Value::Boolean(b) => format!("b:{b}"),
        scalar => format!("s:{}", scalar_text(scalar).unwrap_or_default()),
    }
}

fn is_scalar(v: &Value) -> bool {
    !matches!(v, Value::Array(_) | Value::Table(_))
}

fn tables(v: Option<&Value>) -> Vec<&Table> {
    v.and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_table).collect()
}

fn text_of(t: &Table, key: &str) -> Option<String> {
    t.get(key).and_then(scalar_text)
}

/// The sorted, deduplicated scalar items of a list, for labels.
fn item_set(v: Option<&Value>) -> Vec<String> {
    let set: BTreeSet<String> = v.and_then(Value::as_array).into_iter().flatten().filter_map(scalar_text).collect();
    set.into_iter().collect()
}

/// Entities of an array of tables by their identity, in the array's order. A repeated identity (which the
/// compiler refuses) gets a `#2` suffix so that nothing is silently dropped.
fn keyed(items: Vec<&Table>, identity: impl Fn(&Table, usize) -> String) -> Vec<(String, &Table)> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    items
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            let id = identity(t, i);
            let n = seen.entry(id.clone()).or_insert(0);
            *n += 1;
            let id = if *n > 1 { format!("{id} #{n}") } else { id };
            (id, t)
        })
        .collect()
}

/// The identities of `a` and `b` in `b`'s order, then those only in `a`, in `a`'s order.
fn order<'a>(a: &'a [(String, &Table)], b: &'a [(String, &Table)]) -> Vec<&'a str> {
    let mut out: Vec<&str> = b.iter().map(|(k, _)| k.as_str()).collect();
    out.extend(a.iter().map(|(k, _)| k.as_str()).filter(|k| !b.iter().any(|(kb, _)| kb == k)));
    out
}

fn find<'a>(list: &[(String, &'a Table)], key: &str) -> Option<&'a Table> {
    list.iter().find(|(k, _)| k == key).map(|(_, t)| *t)
}

/// How entries of an array of tables inside a compared table are identified, by the array's key.
fn entry_identity(array_key: &str, t: &Table, index: usize) -> String {
    match array_key {
        // A prerequisite is the certifications it asks for; its people and points are what may change.
        "prerequisites" => {
            let all = item_set(t.get("all_of"));
            let any = item_set(t.get("any_of"));
            match (all.is_empty(), any.is_empty()) {
                (false, false) => format!("all of {}; any of {}", all.join(", "), any.join(", ")),
                (false, true) => format!("all of {}", all.join(", ")),
                _ => format!("any of {}", any.join(", ")),
            }
        }
        // A rate is the products it weights.
        "rates" => item_set(t.get("products")).join(", "),
        // A requirement of certified software is its category.
        "requirement" => text_of(t, "category").unwrap_or_else(|| format!("{}", index + 1)),
        // Conditions of certified software, any (or all) of which must hold, form a set: each is itself.
        "any_of" | "all_of" => as_set(&Value::Table(t.clone())),
        // A path rule test is the path it gives and what it tests; the order the tests are tried in is compared on
        // its own (see `Differ::value`), so that dropping the first test is one change, not every test shifting.
        "when" => format!("{} if {}", text_of(t, "path").unwrap_or_default(), text_of(t, "test").unwrap_or_default()),
        _ => ["id", "code", "name"].iter().find_map(|k| text_of(t, k)).unwrap_or_else(|| format!("{}", index + 1)),
    }
}

/// A short description of a whole entity that was added or removed.
fn summary_of_path(path: &Table) -> String {
    let ids: Vec<String> = tables(path.get("metrics")).iter().filter_map(|m| text_of(m, "id")).collect();
    match ids.len() {
        1 => format!("1 metric ({})", ids[0]),
        n => format!("{n} metrics ({})", ids.join(", ")),
    }
}

fn summary_of_path_rule(rule: &Table) -> String {
    let tests: Vec<String> = tables(rule.get("when"))
        .iter()
        .map(|t| {
            let path = text_of(t, "path").unwrap_or_default();
            format!("{path} if {}", text_of(t, "test").unwrap_or_default())
        })
        .collect();
    let default = text_of(rule, "default").unwrap_or_default();
    if tests.is_empty() {
        format!("always {default}")
    } else {
        format!("{}, else {default}", tests.join(", "))
    }
}

fn summary_of_metric(metric: &Table) -> String {
    let kind = text_of(metric, "kind").unwrap_or_else(|| "metric".to_owned());
    match text_of(metric, "max_points") {
        Some(max) => format!("{kind}, up to {max} points"),
        None => kind,
    }
}

// ------------------------------------------------------------------------------------------------ comparing

struct Differ {
    changes: Vec<Change>,
}

impl Differ {
    fn push(&mut self, kind: ChangeKind, place: &str, key: &str, before: Option<String>, after: Option<String>) {
        self.changes.push(Change { kind, place: place.to_owned(), key: key.to_owned(), before, after });
    }

    /// One side has an entity the other has not.
    fn one_sided(&mut self, place: &str, key: &str, before: Option<String>, after: Option<String>) {
        match (before, after) {
            (Some(b), None) => self.push(ChangeKind::Removed, place, key, Some(b), None),
            (None, Some(a)) => self.push(ChangeKind::Added, place, key, None, Some(a)),
            _ => {}
        }
    }

    /// The keys of two tables, sorted, each compared by meaning; `skip` names keys compared elsewhere.
    fn table(&mut self, place: &str, prefix: &str, a: Option<&Table>, b: Option<&Table>, skip: &[&str]) {
        let keys: BTreeSet<&String> = a.into_iter().chain(b).flat_map(|t| t.keys()).collect();
        for key in keys {
            if prefix.is_empty() && skip.contains(&key.as_str()) {
                continue;
            }
            let full = format!("{prefix}{key}");
            self.value(place, &full, key, a.and_then(|t| t.get(key)), b.and_then(|t| t.get(key)));
        }
    }

    fn value(&mut self, place: &str, full: &str, key: &str, a: Option<&Value>, b: Option<&Value>) {
        let array_of = |v: Option<&Value>, pred: fn(&Value) -> bool| match v {
            None => true,
            Some(Value::Array(items)) => items.iter().all(pred),
            Some(_) => false,
        };
        match (a, b) {
            (None, None) => {}
            // Inline and nested tables are compared key by key (`points.per_unit`), also when one side lacks them.
            (Some(Value::Table(_)) | None, Some(Value::Table(_)) | None) => {
                self.table(place, &format!("{full}."), a.and_then(Value::as_table), b.and_then(Value::as_table), &[])
            }
            // Lists of scalars are sets: report the items that came and went, not a new list.
            _ if array_of(a, is_scalar) && array_of(b, is_scalar) => {
                let items = |v: Option<&Value>| -> BTreeMap<String, String> {
                    v.and_then(Value::as_array).into_iter().flatten().map(|i| (canon(i), show(i))).collect()
                };
                let (ia, ib) = (items(a), items(b));
                let mut removed: Vec<&String> =
                    ia.iter().filter(|(k, _)| !ib.contains_key(*k)).map(|(_, s)| s).collect();
                let mut added: Vec<&String> = ib.iter().filter(|(k, _)| !ia.contains_key(*k)).map(|(_, s)| s).collect();
                removed.sort();
                added.sort();
                for item in removed {
                    self.push(ChangeKind::Removed, place, full, Some(item.clone()), None);
                }
                for item in added {
                    self.push(ChangeKind::Added, place, full, None, Some(item.clone()));
                }
            }
            // Lists of tables are matched entry by entry by their identity, never by position (but see `when`).
            _ if array_of(a, Value::is_table) && array_of(b, Value::is_table) => {
                let la = keyed(tables(a), |t, i| entry_identity(key, t, i));
                let lb = keyed(tables(b), |t, i| entry_identity(key, t, i));
                // Path rule tests are tried in order (the first that holds names the path): the order of the tests
                // both sides have is part of the meaning.
                if key == "when" {
                    let common = |x: &[(String, &Table)], y: &[(String, &Table)]| -> Vec<String> {
                        x.iter().filter(|(k, _)| y.iter().any(|(ky, _)| ky == k)).map(|(k, _)| k.clone()).collect()
                    };
                    let (oa, ob) = (common(&la, &lb), common(&lb, &la));
                    if oa != ob {
                        self.push(
                            ChangeKind::Changed,
                            place,
                            &format!("{full} order"),
                            Some(oa.join(", then ")),
                            Some(ob.join(", then ")),
                        );
                    }
                }
                for id in order(&la, &lb) {
                    match (find(&la, id), find(&lb, id)) {
                        (Some(ta), Some(tb)) => self.table(place, &format!("{full}[{id}]."), Some(ta), Some(tb), &[]),
                        (ta, tb) => {
                            let show_t = |t: &Table| show(&Value::Table(t.clone()));
                            self.one_sided(place, full, ta.map(show_t), tb.map(show_t))
                        }
                    }
                }
            }
            _ => {
                if a.map(canon) != b.map(canon) {
                    match (a, b) {
                        (Some(va), Some(vb)) => {
                            self.push(ChangeKind::Changed, place, full, Some(show(va)), Some(show(vb)))
                        }
                        _ => self.one_sided(place, full, a.map(show), b.map(show)),
                    }
                }
            }
        }
    }

    /// Named tables (`[selections.NAME]`, `[path_rules.NAME]`) on one side only: one change each, at `program`.
    fn named_one_sided(&mut self, what: &str, a: Option<&Value>, b: Option<&Value>) {
        let (ta, tb) = (a.and_then(Value::as_table), b.and_then(Value::as_table));
        let names: BTreeSet<&String> = ta.into_iter().chain(tb).flat_map(|t| t.keys()).collect();
        let summary = |v: &Value| match v.as_table() {
            Some(t) if what == "path rule" => summary_of_path_rule(t),
            _ => show(v),
        };
        for name in names {
            let (va, vb) = (ta.and_then(|t| t.get(name)), tb.and_then(|t| t.get(name)));
            if va.is_none() || vb.is_none() {
                self.one_sided("program", &format!("{what} {name}"), va.map(summary), vb.map(summary));
            }
        }
    }

    /// Named tables on both sides: each compared key by key at its own place (`selection NAME`).
    fn named_matched(&mut self, what: &str, a: Option<&Value>, b: Option<&Value>) {
        let (ta, tb) = (a.and_then(Value::as_table), b.and_then(Value::as_table));
        let names: BTreeSet<&String> = ta.into_iter().chain(tb).flat_map(|t| t.keys()).collect();
        for name in names {
            let (va, vb) = (ta.and_then(|t| t.get(name)), tb.and_then(|t| t.get(name)));
            let place = format!("{what} {name}");
            match (va, vb) {
                (Some(Value::Table(x)), Some(Value::Table(y))) => self.table(&place, "", Some(x), Some(y), &[]),
                (Some(_), Some(_)) => self.value(&place, name, name, va, vb),
                _ => {}
            }
        }
    }

    fn program(&mut self, a: &Side, b: &Side) {
        let (pa, pb) = (&a.program, &b.program);
        self.table("program", "", Some(pa), Some(pb), &["qualification", "selections", "path_rules"]);
        self.named_one_sided("selection", pa.get("selections"), pb.get("selections"));
        self.named_one_sided("path rule", pa.get("path_rules"), pb.get("path_rules"));
        let (qa, qb) = (pa.get("qualification"), pb.get("qualification"));
        self.table("qualification", "", qa.and_then(Value::as_table), qb.and_then(Value::as_table), &[]);
        self.named_matched("selection", pa.get("selections"), pb.get("selections"));
        self.named_matched("path rule", pa.get("path_rules"), pb.get("path_rules"));
    }

    fn catalogue(&mut self, a: &Side, b: &Side) {
        let entities = [
            ("certification", &a.certifications, &b.certifications, "code", "name"),
            ("product", &a.products, &b.products, "name", "family"),
            ("specialization", &a.specializations, &b.specializations, "name", "name"),
        ];
        for (what, ca, cb, id_key, summary_key) in entities {
            let identity = |t: &Table, i: usize| text_of(t, id_key).unwrap_or_else(|| format!("#{}", i + 1));
            let la = keyed(tables(ca.get(what)), identity);
            let lb = keyed(tables(cb.get(what)), identity);
            let mut ids: Vec<&str> = la.iter().chain(&lb).map(|(k, _)| k.as_str()).collect();
            ids.sort();
            ids.dedup();
            let label = |t: &Table, id: &str| text_of(t, summary_key).unwrap_or_else(|| id.to_owned());
            for id in &ids {
                let (ta, tb) = (find(&la, id), find(&lb, id));
                if ta.is_none() || tb.is_none() {
                    self.one_sided(
                        "catalogue",
                        &format!("{what} {id}"),
                        ta.map(|t| label(t, id)),
                        tb.map(|t| label(t, id)),
                    );
                }
            }
            for id in ids {
                if let (Some(ta), Some(tb)) = (find(&la, id), find(&lb, id)) {
                    self.table(&format!("{what} {id}"), "", Some(ta), Some(tb), &[id_key]);
                }
            }
        }
        // Any other key of a catalogue file (none today) still counts.
        self.table("catalogue", "", Some(&a.certifications), Some(&b.certifications), &["certification"]);
        self.table("catalogue", "", Some(&a.products), Some(&b.products), &["product"]);
        self.table("catalogue", "", Some(&a.specializations), Some(&b.specializations), &["specialization"]);
    }

    /// Certified software designations by id; requirements by category, their conditions as sets.
    fn software(&mut self, a: &Side, b: &Side) {
        let ids: BTreeSet<&String> = a.software.keys().chain(b.software.keys()).collect();
        let name = |t: &Table, id: &str| text_of(t, "name").unwrap_or_else(|| id.to_owned());
        for id in &ids {
            let (sa, sb) = (a.software.get(*id), b.software.get(*id));
            if sa.is_none() || sb.is_none() {
                self.one_sided("software", &format!("software {id}"), sa.map(|t| name(t, id)), sb.map(|t| name(t, id)));
            }
        }
        for id in ids {
            if let (Some(sa), Some(sb)) = (a.software.get(id), b.software.get(id)) {
                self.table(&format!("software {id}"), "", Some(sa), Some(sb), &["id"]);
            }
        }
    }

    /// Files compared by bytes only: added, removed, or changed.
    fn files(&mut self, a: &Side, b: &Side) {
        let names: BTreeSet<&String> = a.others.keys().chain(b.others.keys()).collect();
        for name in names {
            let (fa, fb) = (a.others.get(name), b.others.get(name));
            let key = format!("file {name}");
            match (fa, fb) {
                (Some(x), Some(y)) if x != y => self.push(ChangeKind::Changed, "files", &key, fa.cloned(), fb.cloned()),
                (Some(_), Some(_)) => {}
                _ => self.one_sided("files", &key, fa.cloned(), fb.cloned()),
            }
        }
    }

    fn designations(&mut self, a: &Side, b: &Side) {
        let ids: BTreeSet<&String> = a.designations.keys().chain(b.designations.keys()).collect();
        for id in &ids {
            let (da, db) = (a.designations.get(*id), b.designations.get(*id));
            let name = |t: &Table| text_of(t, "name").unwrap_or_else(|| id.to_string());
            if da.is_none() || db.is_none() {
                self.one_sided("designations", &format!("designation {id}"), da.map(name), db.map(name));
            }
        }
        for id in ids {
            if let (Some(da), Some(db)) = (a.designations.get(id), b.designations.get(id)) {
                self.designation(id, da, db);
            }
        }
    }

    fn designation(&mut self, id: &str, a: &Table, b: &Table) {
        self.table(id, "", Some(a), Some(b), &["id", "paths"]);
        let paths = |t: &Table| t.get("paths").and_then(Value::as_table).cloned().unwrap_or_default();
        let (pa, pb) = (paths(a), paths(b));
        let names: BTreeSet<&String> = pa.keys().chain(pb.keys()).collect();
        for name in &names {
            let (ta, tb) = (pa.get(*name).and_then(Value::as_table), pb.get(*name).and_then(Value::as_table));
            if ta.is_none() || tb.is_none() {
                self.one_sided(id, &format!("path {name}"), ta.map(summary_of_path), tb.map(summary_of_path));
            }
        }
        for name in &names {
            if let (Some(ta), Some(tb)) =
                (pa.get(*name).and_then(Value::as_table), pb.get(*name).and_then(Value::as_table))
            {
                self.path(&format!("{id} / {name}"), ta, tb);
            }
        }
        // One path `standard` giving way to `smb`/`enterprise` (or back) is not a rename, so the paths are reported
        // removed and added above. A partner scored on the old single path is scored on one of the new ones, though,
        // so each new path is also compared with the old one, at a place naming both (`data-ai / standard → smb`).
        let single =
            |p: &Table, other: &Table| p.len() == 1 && p.contains_key("standard") && !other.contains_key("standard");
        let split = |p: &Table| p.keys().any(|k| k == "smb" || k == "enterprise");
        if single(&pa, &pb) && split(&pb) {
            let old = pa["standard"].as_table();
            for (name, new) in pb.iter().filter(|(k, _)| *k == "smb" || *k == "enterprise") {
                if let (Some(old), Some(new)) = (old, new.as_table()) {
                    self.path(&format!("{id} / standard → {name}"), old, new);
                }
            }
        } else if single(&pb, &pa) && split(&pa) {
            let new = pb["standard"].as_table();
            for (name, old) in pa.iter().filter(|(k, _)| *k == "smb" || *k == "enterprise") {
                if let (Some(old), Some(new)) = (old.as_table(), new) {
                    self.path(&format!("{id} / {name} → standard"), old, new);
                }
            }
        }
    }

    fn path(&mut self, place: &str, a: &Table, b: &Table) {
        self.table(place, "", Some(a), Some(b), &["metrics"]);
        let identity = |t: &Table, i: usize| text_of(t, "id").unwrap_or_else(|| format!("#{}", i + 1));
        let la = keyed(tables(a.get("metrics")), identity);
        let lb = keyed(tables(b.get("metrics")), identity);
        let ids = order(&la, &lb);
        for id in &ids {
            let (ta, tb) = (find(&la, id), find(&lb, id));
            if ta.is_none() || tb.is_none() {
                self.one_sided(place, &format!("metric {id}"), ta.map(summary_of_metric), tb.map(summary_of_metric));
            }
        }
        for id in ids {
            if let (Some(ta), Some(tb)) = (find(&la, id), find(&lb, id)) {
                self.metric(&format!("{place} / {id}"), ta, tb);
            }
        }
    }

    fn metric(&mut self, place: &str, a: &Table, b: &Table) {
        self.table(place, "", Some(a), Some(b), &["id", "parts"]);
        let identity = |t: &Table, i: usize| text_of(t, "id").unwrap_or_else(|| format!("#{}", i + 1));
        let la = keyed(tables(a.get("parts")), identity);
        let lb = keyed(tables(b.get("parts")), identity);
        let ids = order(&la, &lb);
        let kind = |t: &Table| text_of(t, "kind").unwrap_or_else(|| "part".to_owned());
        for id in &ids {
            let (ta, tb) = (find(&la, id), find(&lb, id));
            if ta.is_none() || tb.is_none() {
                self.one_sided(place, &format!("part {id}"), ta.map(kind), tb.map(kind));
            }
        }
        for id in ids {
            if let (Some(ta), Some(tb)) = (find(&la, id), find(&lb, id)) {
                self.table(&format!("{place} / {id}"), "", Some(ta), Some(tb), &["id"]);
            }
        }
    }

    fn scripts(&mut self, a: &Side, b: &Side) {
        let names: BTreeSet<&String> = a.scripts.keys().chain(b.scripts.keys()).collect();
        for name in names {
            match (a.scripts.get(name), b.scripts.get(name)) {
                (Some(sa), Some(sb)) if sa != sb => {
                    // A short note, not a text diff: the first statement line that differs on each side.
                    let at = sa.iter().zip(sb).position(|(x, y)| x != y).unwrap_or(sa.len().min(sb.len()));
                    let note = |s: &Vec<String>| s.get(at).cloned().unwrap_or_else(|| "(ends)".to_owned());
                    self.push(
                        ChangeKind::Changed,
                        "scripts",
                        &format!("script {name}"),
                        Some(note(sa)),
                        Some(note(sb)),
                    );
                }
                (sa, sb) if sa.is_none() || sb.is_none() => {
                    let note = |s: &Vec<String>| format!("{} statement lines", s.len());
                    self.one_sided("scripts", &format!("script {name}"), sa.map(note), sb.map(note));
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn shipped(version: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules").join(version)
    }

    /// A private copy of a shipped rule set, removed when dropped, so tests can edit it.
    struct Copy(PathBuf);

    impl Copy {
        fn of(version: &str) -> Copy {
            static NEXT: AtomicUsize = AtomicUsize::new(0);
            let n = NEXT.fetch_add(1, Ordering::SeqCst);
            let dir = std::env::temp_dir().join(format!("designate-diff-{}-{n}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            copy_dir(&shipped(version), &dir);
            Copy(dir)
        }

        /// Replaces the one occurrence of `from` in the file `rel` by `to`.
        fn edit(&self, rel: &str, from: &str, to: &str) {
            let file = self.0.join(rel);
            let text = std::fs::read_to_string(&file).unwrap();
            assert_eq!(text.matches(from).count(), 1, "{from:?} should occur once in {rel}");
            std::fs::write(&file, text.replace(from, to)).unwrap();
        }
    }

    impl Drop for Copy {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn copy_dir(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let target = to.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                copy_dir(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), target).unwrap();
            }
        }
    }

    fn change(kind: ChangeKind, place: &str, key: &str, before: Option<&str>, after: Option<&str>) -> Change {
        Change {
            kind,
            place: place.to_owned(),
            key: key.to_owned(),
            before: before.map(str::to_owned),
            after: after.map(str::to_owned),
        }
    }

    #[test]
    fn a_folder_against_itself_has_no_changes() {
        let diff = diff_rule_dirs(&shipped("2024-06"), &shipped("2024-06")).unwrap();
        assert_eq!(diff.base, "2024-06");
        assert_eq!(diff.candidate, "2024-06");
        assert_eq!(diff.changes, vec![]);
        assert_eq!(diff.to_text(), "rules 2024-06 → 2024-06: no changes\n");
    }

    #[test]
    fn formatting_comments_key_order_and_number_spelling_change_nothing() {
        let copy = Copy::of("2024-06");
        let f = "designations/data-ai.toml";
        // Keys of a metric reordered, a number written as a float, a comment added.
        copy.edit(
            f,
            "rule = \"transitions\"\nthreshold = 500\n",
            "threshold = 500.0   # the SMB threshold\nrule    =    \"transitions\"\n",
        );
        // Keys of an inline table reordered and respelt.
        copy.edit(f, "points = { per_unit = 4, max_units = 8 }", "points = {max_units=8.00,per_unit=\"4\"}");
        // The items of a set reordered.
        copy.edit(
            f,
            "{ any_of = [\"AZ-104\"], people = 1, points = 4 },\n  { any_of = [\"AZ-305\"], people = 1, points = 4 },",
            "{ people = 1, any_of = [\"AZ-305\"], points = 4 },\n  { points = 4, people = 1, any_of = [\"AZ-104\"] },",
        );
        copy.edit(
            "program.toml",
            "segments = [\"smb\", \"smc\"]\nshare = 0.8",
            "# shares are fractions\nshare = 0.80\nsegments = [ \"smc\",\n  \"smb\" ]",
        );
        // A certification named by its name rather than its code.
        copy.edit(
            "designations/security.toml",
            "scoring = { any_of = [\"SC-100\", \"SC-300\", \"SC-400\"] }",
            "scoring = { any_of = [\"SC-100\", \"identity and access administrator associate\", \"SC-400\"] }",
        );
        // A script re-indented and commented.
        copy.edit(
            "scripts/share-of-max.rhai",
            "let counted = min(units, full_units);",
            "  let counted=min( units,full_units ) ;   // never more than full",
        );
        let diff = diff_rule_dirs(&shipped("2024-06"), &copy.0).unwrap();
        assert_eq!(diff.changes, vec![]);
    }

    #[test]
    fn a_changed_threshold_is_one_change_at_its_metric() {
        let copy = Copy::of("2024-06");
        copy.edit("designations/data-ai.toml", "threshold = 500\n", "threshold = 600\n");
        let diff = diff_rule_dirs(&shipped("2024-06"), &copy.0).unwrap();
        assert_eq!(
            diff.changes,
            vec![change(
                ChangeKind::Changed,
                "data-ai / smb / net-customer-adds",
                "threshold",
                Some("500"),
                Some("600")
            )]
        );
        assert_eq!(
            diff.to_text(),
            "rules 2024-06 → 2024-06: 1 change\n\ndata-ai / smb / net-customer-adds\n  ~ threshold: 500 → 600\n"
        );
    }

    #[test]
    fn a_certification_added_to_a_scoring_list_is_an_added_item() {
        let copy = Copy::of("2024-06");
        copy.edit(
            "designations/security.toml",
            "scoring = { any_of = [\"SC-100\", \"SC-300\", \"SC-400\"] }",
            "scoring = { any_of = [\"SC-100\", \"SC-300\", \"SC-400\", \"SC-200\"] }",
        );
        let diff = diff_rule_dirs(&shipped("2024-06"), &copy.0).unwrap();
        assert_eq!(
            diff.changes,
            vec![change(
                ChangeKind::Added,
                "security / standard / intermediate-certifications",
                "scoring.any_of",
                None,
                Some("SC-200")
            )]
        );
    }

    #[test]
    fn the_shipped_2024_06_changes_are_reported_by_meaning() {
        let diff = diff_rule_dirs(&shipped("2023-07"), &shipped("2024-06")).unwrap();
        assert_eq!((diff.base.as_str(), diff.candidate.as_str()), ("2023-07", "2024-06"));
        let has = |c: Change| assert!(diff.changes.contains(&c), "missing {c:?} in\n{}", diff.to_text());
        use ChangeKind::*;

        // Data & AI's single path gave way to SMB and Enterprise.
        has(change(
            Removed,
            "data-ai",
            "path standard",
            Some("4 metrics (net-customer-adds, intermediate-certifications, usage-growth, deployments)"),
            None,
        ));
        has(change(
            Added,
            "data-ai",
            "path smb",
            None,
            Some("4 metrics (net-customer-adds, intermediate-certifications, usage-growth, deployments)"),
        ));
        has(change(Added, "data-ai", "path_selection.rule", None, Some("azure-partner-size")));
        // Net customer adds: counted by transitions, not as a difference of eligible counts.
        has(change(
            Changed,
            "data-ai / standard → enterprise / net-customer-adds",
            "rule",
            Some("eligible-count-difference"),
            Some("transitions"),
        ));
        // Deployments: only newly deployed services, and Virtual Machines count now.
        has(change(Changed, "data-ai / standard → enterprise / deployments", "new_only", Some("false"), Some("true")));
        has(change(
            Removed,
            "data-ai / standard → enterprise / deployments",
            "exclude_products",
            Some("Virtual Machines"),
            None,
        ));
        has(change(Changed, "data-ai / standard → smb / net-customer-adds", "threshold", Some("1000"), Some("500")));
        // Security: the all-of requirement became two prerequisite steps and SC-100 scores instead of SC-200.
        let security = "security / standard / intermediate-certifications";
        has(change(Removed, security, "scoring.all_of", Some("AZ-500"), None));
        has(change(Removed, security, "scoring.all_of", Some("MS-500"), None));
        has(change(Removed, security, "scoring.any_of", Some("SC-200"), None));
        has(change(Added, security, "scoring.any_of", None, Some("SC-100")));
        has(change(Added, security, "prerequisites", None, Some("{ any_of = [AZ-500], people = 2 }")));
        has(change(Added, security, "prerequisites", None, Some("{ any_of = [SC-200, MS-500], people = 2 }")));
        // Nothing else changed in Security.
        assert_eq!(diff.changes.iter().filter(|c| c.place.starts_with("security")).count(), 6);
        // The program: a new version, a new path rule.
        has(change(Changed, "program", "version", Some("2023-07"), Some("2024-06")));
        // (2024-06 ends where 2026-07 begins, issue 13.)
        has(change(Changed, "program", "effective_until", Some("2024-05"), Some("2026-06")));
        assert!(diff
            .changes
            .iter()
            .any(|c| c.place == "program" && c.key == "path rule azure-partner-size" && c.kind == Added));
        // Both versions share one catalogue: nothing is reported for it.
        assert!(!diff.changes.iter().any(|c| c.place == "catalogue"), "{}", diff.to_text());

        // Program first, then designations by id.
        let first = |p: &str| diff.changes.iter().position(|c| c.place == p).unwrap();
        assert!(first("program") < first("data-ai"));
        assert!(first("data-ai") < first("digital-app-innovation"));
        assert!(first("infrastructure") < first("security / standard / intermediate-certifications"));

        let text = diff.to_text();
        assert!(text.starts_with(&format!("rules 2023-07 → 2024-06: {} changes\n", diff.changes.len())), "{text}");
        assert!(text.contains("\ndata-ai\n"), "{text}");
        assert!(text.contains("  + path smb: 4 metrics (net-customer-adds, "), "{text}");
        // The three Azure designations changed alike: their places are listed together, the change once.
        assert!(
            text.contains(
                "data-ai / standard → enterprise / net-customer-adds\ndigital-app-innovation / standard → enterprise / \
                 net-customer-adds\ninfrastructure / standard → enterprise / net-customer-adds\n  ~ rule: \
                 eligible-count-difference → transitions\n"
            ),
            "{text}"
        );
        // Items that went from one list at one place share a line.
        assert!(text.contains("  - scoring.all_of: AZ-500, MS-500\n"), "{text}");
    }

    // Issue 13: path rule tests were matched by position, so dropping the first test (2026-07 drops the USD 1,000,000
    // ACR test) read as the second test's keys moving into the first and the second being removed.
    #[test]
    fn path_rule_tests_are_matched_by_what_they_test_and_their_order_is_one_change() {
        let acr_test = "[[path_rules.azure-partner-size.when]]\npath = \"enterprise\"\ntest = \"ttm-total-at-least\"\nselection = \"azure-acr\"\namount = 1000000\n";
        let dropped = Copy::of("2024-06");
        dropped.edit("program.toml", acr_test, "");
        let diff = diff_rule_dirs(&shipped("2024-06"), &dropped.0).unwrap();
        assert_eq!(
            diff.changes,
            vec![change(
                ChangeKind::Removed,
                "path rule azure-partner-size",
                "when",
                Some("{ amount = 1000000, path = enterprise, selection = azure-acr, test = ttm-total-at-least }"),
                None
            )]
        );

        // The same two tests tried the other way round: the order changed, nothing else.
        let swapped = Copy::of("2024-06");
        swapped.edit("program.toml", acr_test, "");
        swapped.edit("program.toml", "share = 0.8\n", &format!("share = 0.8\n\n{acr_test}"));
        let diff = diff_rule_dirs(&shipped("2024-06"), &swapped.0).unwrap();
        assert_eq!(
            diff.changes,
            vec![change(
                ChangeKind::Changed,
                "path rule azure-partner-size",
                "when order",
                Some("enterprise if ttm-total-at-least, then enterprise if segment-share-below"),
                Some("enterprise if segment-share-below, then enterprise if ttm-total-at-least")
            )]
        );
    }

    // Issue 13: `diff-rules rules/2024-06 rules/2026-07` printed 689 lines: one line per product of ten Modern Work
    // selections, and the same two deployments changes under each of six Azure paths. A program manager's list names
    // each change once, with every place it applies to.
    #[test]
    fn the_2026_07_changes_read_as_a_list_of_policy_changes() {
        let diff = diff_rule_dirs(&shipped("2024-06"), &shipped("2026-07")).unwrap();
        let text = diff.to_text();
        // The same changes at six places: the places once each, then the changes once.
        let deployments = ["data-ai", "digital-app-innovation", "infrastructure"]
            .iter()
            .flat_map(|d| ["enterprise", "smb"].map(|p| format!("{d} / {p} / deployments\n")))
            .collect::<String>();
        assert!(
            text.contains(&format!("{deployments}  + exclude_products: Virtual Machines\n  - new_only: true\n")),
            "{text}"
        );
        assert_eq!(text.matches("  - new_only: true\n").count(), 1, "{text}");
        // The names that left a list share a line.
        assert!(text.contains("  - products: Exchange, SharePoint, Teams Platform, Viva, Yammer\n"), "{text}");
        // The Azure track rule: the ACR test is gone, the share test reads last month only.
        assert!(text.contains("path rule azure-partner-size\n"), "{text}");
        assert!(
            text.contains(
                "  - when: { amount = 1000000, path = enterprise, selection = azure-acr, test = ttm-total-at-least }\n"
            ),
            "{text}"
        );
        assert!(text.contains("  + when[enterprise if segment-share-below].months: 1\n"), "{text}");
        // The structured changes keep one change per item; only the text is grouped.
        assert!(diff.changes.len() > 400, "{}", diff.changes.len());
        // The catalogue's products are named, not listed a line each.
        assert!(
            text.contains(
                "  - products: Advanced Data Security, Advanced Threat Protection, Azure AD Domain Services,"
            ),
            "{text}"
        );
        assert!(!text.contains("product Sentinel"), "{text}");
        assert!(text.lines().count() < 360, "{} lines:\n{text}", text.lines().count());
    }

    #[test]
    fn parse_errors_name_the_file_and_line() {
        let copy = Copy::of("2024-06");
        copy.edit("designations/data-ai.toml", "threshold = 500\n", "threshold = = 500\n");
        let err = diff_rule_dirs(&shipped("2024-06"), &copy.0).unwrap_err();
        assert!(err.place.file.ends_with("data-ai.toml"), "{err}");
        assert_eq!(err.place.line.map(|(line, _)| line), Some(90));
    }

    // Issue 11: an edit under software/ or to catalogue/specializations.toml changed the digest and the scores'
    // program and software sections, yet diff-rules reported "no changes".
    #[test]
    fn software_and_specialization_edits_are_changes() {
        let copy = Copy::of("2024-06");
        copy.edit(
            "software/azure.toml",
            "{ fact = \"marketplace_billed_sales_usd\", at_least = 4000000 }",
            "{ fact = \"marketplace_billed_sales_usd\", at_least = 5000000 }",
        );
        copy.edit(
            "software/security.toml",
            "name = \"Solutions Partner with certified software for Security\"",
            "name = \"Certified software for Security\"",
        );
        std::fs::remove_file(copy.0.join("software/industry-retail-ai.toml")).unwrap();
        copy.edit(
            "catalogue/specializations.toml",
            "name = \"Cloud Security\"\ndesignations = [\"security\"]",
            "name = \"Cloud Security\"\ndesignations = [\"security\", \"infrastructure\"]",
        );
        copy.edit(
            "catalogue/specializations.toml",
            "[[specialization]]\nname = \"Finance\"\ndesignations = [\"business-applications\"]\n",
            "",
        );
        let diff = diff_rule_dirs(&shipped("2024-06"), &copy.0).unwrap();
        use ChangeKind::*;
        let azure = "requirement[partner-performance].any_of";
        assert_eq!(
            diff.changes,
            vec![
                change(Removed, "catalogue", "specialization Finance", Some("Finance"), None),
                change(Added, "specialization Cloud Security", "designations", None, Some("infrastructure")),
                change(
                    Removed,
                    "software",
                    "software software-retail-ai",
                    Some("Certified software for Retail AI"),
                    None
                ),
                change(
                    Added,
                    "software software-azure",
                    azure,
                    None,
                    Some("{ at_least = 5000000, fact = marketplace_billed_sales_usd }")
                ),
                change(
                    Removed,
                    "software software-azure",
                    azure,
                    Some("{ at_least = 4000000, fact = marketplace_billed_sales_usd }"),
                    None
                ),
                change(
                    Changed,
                    "software software-security",
                    "name",
                    Some("Solutions Partner with certified software for Security"),
                    Some("Certified software for Security")
                ),
            ],
            "{}",
            diff.to_text()
        );
        let text = diff.to_text();
        assert!(text.starts_with("rules 2024-06 → 2024-06: 6 changes\n"), "{text}");
        assert!(text.contains("\nsoftware\n  - software software-retail-ai: Certified software for Retail AI\nsoftware software-azure\n"), "{text}");
    }

    // Issue 11 (the other side of the fix above): conditions of certified software are sets, like every list of the
    // rules, so reordering them or respelling a number must not become a change.
    #[test]
    fn reordered_software_conditions_change_nothing() {
        let copy = Copy::of("2024-06");
        copy.edit(
            "software/azure.toml",
            "{ all_of = [{ fact = \"rating_average\", at_least = 4.5 }, { fact = \"rating_count\", at_least = 15 }] },\n  { fact = \"evidence_artifacts\", at_least = 2 },",
            "{ at_least = 2.0, fact = \"evidence_artifacts\" },\n  { all_of = [{ fact = \"rating_count\", at_least = 15 }, { fact = \"rating_average\", at_least = 4.50 }] },",
        );
        let diff = diff_rule_dirs(&shipped("2024-06"), &copy.0).unwrap();
        assert_eq!(diff.changes, vec![], "{}", diff.to_text());
    }

    // Issue 11: any other file of a rule set is covered by its digest, so it is at least reported as a file.
    #[test]
    fn other_files_are_reported_added_removed_or_changed() {
        let copy = Copy::of("2024-06");
        std::fs::write(copy.0.join("NOTES.md"), "why 2024-06 moved\n").unwrap();
        std::fs::create_dir_all(copy.0.join("extra")).unwrap();
        std::fs::write(copy.0.join("extra/bonus.rhai"), "units\n").unwrap();
        // Hidden files are outside the digest, and so outside the diff.
        std::fs::write(copy.0.join(".editorconfig"), "root = true\n").unwrap();
        let base = Copy::of("2024-06");
        std::fs::create_dir_all(base.0.join("extra")).unwrap();
        std::fs::write(base.0.join("extra/bonus.rhai"), "units * 2\n").unwrap();
        std::fs::write(base.0.join("extra/gone.txt"), "x").unwrap();
        let diff = diff_rule_dirs(&base.0, &copy.0).unwrap();
        let keys: Vec<(ChangeKind, &str, &str)> =
            diff.changes.iter().map(|c| (c.kind, c.place.as_str(), c.key.as_str())).collect();
        use ChangeKind::*;
        assert_eq!(
            keys,
            vec![
                (Added, "files", "file NOTES.md"),
                (Changed, "files", "file extra/bonus.rhai"),
                (Removed, "files", "file extra/gone.txt"),
            ]
        );
        assert_eq!(diff.changes[0].after.as_deref(), Some("18 bytes, sha256 dd54a37ff69e…"));
    }

    #[test]
    fn a_changed_script_is_one_change_with_the_first_differing_statement() {
        let copy = Copy::of("2024-06");
        copy.edit("scripts/share-of-max.rhai", "min(units, full_units)", "min(units, full_units + 1)");
        let diff = diff_rule_dirs(&shipped("2024-06"), &copy.0).unwrap();
        assert_eq!(
            diff.changes,
            vec![change(
                ChangeKind::Changed,
                "scripts",
                "script scripts/share-of-max.rhai",
                Some("let counted=min(units,full_units);"),
                Some("let counted=min(units,full_units+1);")
            )]
        );
    }
}
