//! `designate snapshot` and `designate diff`: deterministic result trees auditors can keep and compare.
//!
//! A snapshot is one YAML result per partner plus `manifest.json` naming the tool version, the rules
//! (version and digest) and a digest of every input and result. The manifest is the commit point: results are
//! written first (each to a temporary name, then renamed), the manifest last, and only then are results of the
//! previous manifest that the new one lacks removed. The tool only ever writes into a folder it made (empty, or
//! holding its own manifest), never into or around the portfolio it reads, one writer at a time (a lock file), and
//! only ever removes files a committed manifest of its own lists, each checked to be a plain file name. `diff`
//! checks every result against its digest before trusting a manifest, so a tampered or half-written snapshot is
//! reported, never taken for "no differences". Its report ([`DiffReport`], text or JSON) has one block per
//! partner whose result differs: points, path, attainment gained or lost, metrics and the evidence items that
//! appeared or disappeared; a partner counts as changed exactly when `compare` would count it
//! ([`designate_engine::compare::PartnerChange::changed`]).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

use designate_engine::compare::{compare, PartnerChange, Status};
use designate_engine::explain::signed;
use designate_engine::{score, ScoreReport};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::portfolio;
use crate::rules_dir::RulesChoice;

/// The manifest's `format`: what marks a folder as a snapshot this tool wrote.
const FORMAT: &str = "designate-snapshot-1";
/// The manifest's `schema_version`; a manifest without one (written before the field existed) is version 1.
const MANIFEST_SCHEMA_VERSION: u32 = 1;
/// The `schema_version` of the diff report.
const DIFF_SCHEMA_VERSION: u32 = 1;
const MANIFEST: &str = "manifest.json";
/// Held (with an OS file lock) while a snapshot is written, so that two runs never interleave in one folder.
const LOCK: &str = ".designate-snapshot.lock";
/// Partner ids longer than this are encoded: with `.yaml` and a temporary prefix the name stays far below the
/// 255 bytes file systems allow.
const MAX_PLAIN: usize = 64;

/// `manifest.json`: what a snapshot folder holds, with digests.
#[derive(Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The version of this document's shape; a manifest without it is version 1.
    #[serde(default = "designate_engine::report::schema_version_1")]
    schema_version: u32,
    /// Always `designate-snapshot-1`: what marks a folder as a snapshot this tool wrote.
    format: String,
    tool: String,
    /// Every rule version used, by version.
    rules: BTreeMap<String, String>,
    /// Partner id → result file, with digests.
    partners: Vec<Entry>,
    failures: Vec<FailureEntry>,
}

/// One partner's result in a snapshot.
#[derive(Serialize, Deserialize, PartialEq, Clone, JsonSchema)]
#[serde(deny_unknown_fields)]
struct Entry {
    partner: String,
    /// The input as given (a file name, or `<stdin>:LINE`).
    input: String,
    input_digest: String,
    rules: String,
    /// The result's file name in the snapshot folder: the partner id when that is a safe file name, else an
    /// encoding of it (see [`result_name`]).
    result: String,
    result_digest: String,
}

/// A partner that could not be scored.
#[derive(Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(deny_unknown_fields)]
struct FailureEntry {
    input: String,
    error: String,
}

impl Manifest {
    fn empty() -> Manifest {
        Manifest {
            schema_version: MANIFEST_SCHEMA_VERSION,
            format: FORMAT.to_owned(),
            tool: format!("designate {}", env!("CARGO_PKG_VERSION")),
            rules: BTreeMap::new(),
            partners: Vec::new(),
            failures: Vec::new(),
        }
    }
}

fn sha256(bytes: &[u8]) -> String {
    let hex: String = Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    let written = std::fs::File::create(&tmp).and_then(|mut f| {
        use std::io::Write;
        f.write_all(bytes)?;
        // On disk before the rename, so that a power loss cannot leave an empty file under the real name.
        f.sync_all()
    });
    written.map_err(|e| format!("{}: cannot write: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("{}: cannot move into place: {e}", path.display()))
}

fn write_manifest(out: &Path, manifest: &Manifest) -> Result<(), String> {
    let json = serde_json::to_string_pretty(manifest).expect("a manifest serializes") + "\n";
    write_atomic(&out.join(MANIFEST), json.as_bytes())
}

// ------------------------------------------------------------------------------------------------ file names

/// The result file of a partner. An id that is a safe, portable file name on its own (lower-case ASCII letters,
/// digits, `.`, `_`, `-`; not hidden; at most [`MAX_PLAIN`] characters; no `..`; not a name Windows reserves)
/// names its file as it is. Any other id (too long, a `/`, control characters, upper case, which would collide
/// with another id on case-insensitive file systems, ...) becomes a readable prefix plus 16 hex digits of the id's
/// SHA-256, so that different ids never share a file. Plain ids that look like such an encoding are encoded too.
fn result_name(id: &str) -> String {
    if is_plain(id) {
        return format!("{id}.yaml");
    }
    encoded(id, 16)
}

fn encoded(id: &str, digits: usize) -> String {
    let prefix: String = id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c.to_ascii_lowercase() } else { '_' })
        .take(40)
        .collect();
    let prefix = if prefix.is_empty() { "partner".to_owned() } else { prefix };
    let hash = sha256(id.as_bytes());
    let hex = &hash["sha256:".len()..];
    format!("{prefix}-{}.yaml", &hex[..digits.min(hex.len())])
}

fn is_plain(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_PLAIN
        && !id.starts_with('.')
        && !id.contains("..")
        && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
        && !is_reserved(id)
        && !looks_encoded(id)
}

/// Names Windows refuses whatever the extension (`con.yaml`, `lpt1.yaml`).
fn is_reserved(id: &str) -> bool {
    let stem = id.split('.').next().unwrap_or(id);
    matches!(stem, "con" | "prn" | "aux" | "nul")
        || ((stem.starts_with("com") || stem.starts_with("lpt"))
            && stem.len() == 4
            && stem.as_bytes()[3].is_ascii_digit())
}

/// Whether an id ends like an encoded name (`-` and 16 hex digits), which a plain id must not.
fn looks_encoded(id: &str) -> bool {
    id.rsplit_once('-').is_some_and(|(_, tail)| tail.len() >= 16 && tail.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Whether a manifest's `result` is a file name this tool could have written: a plain `.yaml` name in the
/// snapshot folder itself, with no separator, no `..`, not hidden, no control character.
fn is_result_name(name: &str) -> bool {
    name.len() <= 200
        && name.len() > ".yaml".len()
        && name.ends_with(".yaml")
        && !name.starts_with('.')
        && !name.contains("..")
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
}

// ------------------------------------------------------------------------------------------------ writing

/// A path made absolute with every symlink resolved, also when its last components do not exist yet (they are
/// then normalised as written: a folder that does not exist cannot be a symlink).
fn resolve(path: &Path) -> Result<PathBuf, String> {
    let absolute = std::path::absolute(path).map_err(|e| format!("{}: cannot resolve: {e}", path.display()))?;
    let mut existing = absolute.as_path();
    let mut rest: Vec<Component> = Vec::new();
    let mut resolved = loop {
        if let Ok(real) = existing.canonicalize() {
            break real;
        }
        match (existing.parent(), existing.components().next_back()) {
            (Some(parent), Some(last)) => {
                rest.push(last);
                existing = parent;
            }
            _ => break absolute.clone(),
        }
    };
    for c in rest.into_iter().rev() {
        match c {
            Component::ParentDir => {
                resolved.pop();
            }
            Component::Normal(n) => resolved.push(n),
            _ => {}
        }
    }
    Ok(resolved)
}

/// Refuses an output folder that is the input, inside it, or contains it: results written there would overwrite
/// partner files or become partners of the next run.
fn refuse_overlap(out: &Path, input: &Path) -> Result<(), String> {
    if input.as_os_str() == "-" {
        return Ok(());
    }
    let (o, i) = (resolve(out)?, resolve(input)?);
    let relation = if o == i {
        "is the input"
    } else if o.starts_with(&i) {
        "is inside the input"
    } else if i.starts_with(&o) {
        "contains the input"
    } else {
        return Ok(());
    };
    Err(format!(
        "{}: the output folder {relation} {}\n  hint: write the snapshot to a folder outside the portfolio",
        out.display(),
        input.display()
    ))
}

/// The lock every writer of `out` holds until it is done; a second writer is refused rather than made to wait.
fn lock(out: &Path) -> Result<std::fs::File, String> {
    let path = out.join(LOCK);
    // Opening a FIFO for writing waits for a reader: only a regular lock file (or none yet) is opened.
    if let Ok(meta) = std::fs::symlink_metadata(&path) {
        if !meta.file_type().is_file() {
            return Err(format!(
                "{}: not a regular file but {}\n  hint: remove it; snapshot makes its own lock file",
                path.display(),
                designate_engine::partner::file_kind(&meta.file_type())
            ));
        }
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| format!("{}: cannot create the lock file: {e}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(format!(
            "{}: another snapshot is being written to this folder\n  hint: wait for it to finish, or write to another folder",
            out.display()
        )),
        Err(std::fs::TryLockError::Error(e)) => Err(format!("{}: cannot lock: {e}", path.display())),
    }
}

/// The committed manifest of a folder about to be written, after checking that the folder is ours: a new or
/// empty folder gets an empty manifest before anything else, so that it is marked as a snapshot from the start.
fn prepare(out: &Path) -> Result<Manifest, String> {
    let others = refuse_foreign(out)?;
    if out.join(MANIFEST).exists() {
        let manifest = read_manifest(out)?;
        remove_own_temporaries(out, &others);
        return Ok(manifest);
    }
    let manifest = Manifest::empty();
    write_manifest(out, &manifest)?;
    Ok(manifest)
}

/// Refuses a folder that is neither empty nor a snapshot (a `manifest.json` of this tool); returns the names in it
/// besides the manifest and the lock.
fn refuse_foreign(out: &Path) -> Result<Vec<String>, String> {
    let mut others = Vec::new();
    let entries = std::fs::read_dir(out).map_err(|e| format!("{}: cannot read folder: {e}", out.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("{}: cannot read folder: {e}", out.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name != LOCK && name != MANIFEST {
            others.push(name);
        }
    }
    if out.join(MANIFEST).exists() {
        read_manifest(out)?;
    } else if !others.is_empty() {
        others.sort();
        return Err(format!(
            "{}: not a snapshot folder: it holds files ({}) but no manifest.json\n  hint: write to a new or empty folder, or to one an earlier snapshot wrote",
            out.display(),
            others.iter().take(3).cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    Ok(others)
}

/// Temporary files an interrupted run of this tool left (`.NAME.tmp-PID`, NAME a result or the manifest).
fn remove_own_temporaries(out: &Path, names: &[String]) {
    for name in names {
        let own = name.strip_prefix('.').and_then(|n| n.rsplit_once(".tmp-")).is_some_and(|(file, pid)| {
            (file == MANIFEST || is_result_name(file)) && !pid.is_empty() && pid.chars().all(|c| c.is_ascii_digit())
        });
        if own {
            let _ = std::fs::remove_file(out.join(name));
        }
    }
}

/// Scores the portfolio and writes the snapshot; returns how many partners failed.
pub fn write(choice: &RulesChoice, input: &Path, out: &Path) -> Result<usize, String> {
    // The input first: a portfolio that cannot be read leaves no output folder behind.
    let items = portfolio::open(input)?;
    refuse_overlap(out, input)?;
    if out.exists() && !out.is_dir() {
        return Err(format!("{}: not a folder", out.display()));
    }
    std::fs::create_dir_all(out).map_err(|e| format!("{}: cannot create: {e}", out.display()))?;
    // Checked again now that the folder exists: a symlink created meanwhile cannot redirect the results.
    refuse_overlap(out, input)?;
    // Checked before the lock file is created, so that a folder that is not ours is left exactly as it was, and
    // again under the lock, against a writer that finished meanwhile.
    refuse_foreign(out)?;
    let _lock = lock(out)?;
    let previous = prepare(out)?;
    let mut manifest = Manifest::empty();
    // Result file → (partner id, input), to refuse a second partner with the same id.
    let mut taken: BTreeMap<String, (String, String)> = BTreeMap::new();
    portfolio::process(
        items,
        |raw| {
            let partner = raw.parse()?;
            let rules = choice.for_partner(&partner)?;
            let report = score(rules, &partner).map_err(|e| e.to_string())?;
            Ok((report, sha256(&raw.bytes())))
        },
        |raw, result| {
            let (report, input_digest) = match result {
                Ok(r) => r,
                Err(error) => {
                    crate::output::error(&error);
                    manifest.failures.push(FailureEntry { input: raw.origin, error });
                    return Ok(());
                }
            };
            let mut name = result_name(&report.partner);
            match taken.get(&name) {
                Some((id, first)) if *id == report.partner => {
                    let error =
                        format!("{}: partner \"{}\" is already in the portfolio ({first})", raw.origin, report.partner);
                    crate::output::error(&error);
                    manifest.failures.push(FailureEntry { input: raw.origin, error });
                    return Ok(());
                }
                // Two different ids whose encodings share 64 bits of a digest: the whole digest tells them apart.
                Some(_) => name = encoded(&report.partner, 64),
                None => {}
            }
            taken.insert(name.clone(), (report.partner.clone(), raw.origin.clone()));
            let text = report.to_yaml();
            write_atomic(&out.join(&name), text.as_bytes())?;
            manifest.rules.insert(report.rules.version.clone(), report.rules.digest.clone());
            manifest.partners.push(Entry {
                partner: report.partner.clone(),
                input: raw.origin,
                input_digest,
                rules: report.rules.version.clone(),
                result: name,
                result_digest: sha256(text.as_bytes()),
            });
            Ok(())
        },
    )?;
    write_manifest(out, &manifest)?;
    // Only now that the new manifest is committed: results the previous one listed and this one does not would
    // mislead `diff`. Every name was checked to be a plain result file name when the manifest was read.
    let kept: BTreeSet<&str> = manifest.partners.iter().map(|e| e.result.as_str()).collect();
    for e in previous.partners.iter().filter(|e| !kept.contains(e.result.as_str())) {
        let _ = std::fs::remove_file(out.join(&e.result));
    }
    crate::output::diag(&format!("wrote {} results and manifest.json to {}", manifest.partners.len(), out.display()));
    Ok(manifest.failures.len())
}

// ------------------------------------------------------------------------------------------------ reading

/// A snapshot's manifest, checked to be ours: the right `format`, and every result a plain file name of the folder
/// listed once, so that neither `snapshot` nor `diff` ever reaches outside the folder because of what it says.
fn read_manifest(dir: &Path) -> Result<Manifest, String> {
    if !dir.is_dir() {
        return Err(format!("{}: no such snapshot folder", dir.display()));
    }
    let path = dir.join(MANIFEST);
    let shown = path.display();
    let text = read_regular(&path)
        .and_then(|b| String::from_utf8(b).map_err(|_| std::io::Error::other("not UTF-8 text")))
        .map_err(|e| format!("{shown}: cannot read: {e} (is this a snapshot?)"))?;
    let manifest: Manifest =
        serde_json::from_str(&text).map_err(|e| format!("{shown}: not a snapshot manifest: {e}"))?;
    if manifest.format != FORMAT {
        return Err(format!("{shown}: format: not a snapshot manifest of this tool (\"{}\")", manifest.format));
    }
    let mut results = BTreeSet::new();
    let mut ids = BTreeSet::new();
    for (i, e) in manifest.partners.iter().enumerate() {
        if !is_result_name(&e.result) {
            return Err(format!(
                "{shown}: partners[{i}].result: {:?} is not a plain result file name of the snapshot folder",
                e.result
            ));
        }
        if !results.insert(e.result.as_str()) {
            return Err(format!("{shown}: partners[{i}].result: {:?} is listed twice", e.result));
        }
        if !ids.insert(e.partner.as_str()) {
            return Err(format!("{shown}: partners[{i}].partner: {:?} is listed twice", e.partner));
        }
    }
    Ok(manifest)
}

fn read_result(dir: &Path, name: &str) -> Result<ScoreReport, String> {
    let path: PathBuf = dir.join(name);
    let text = read_regular(&path)
        .and_then(|b| String::from_utf8(b).map_err(|_| std::io::Error::other("not UTF-8 text")))
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    ScoreReport::from_yaml(&text, &path.display().to_string()).map_err(|e| e.to_string())
}

/// The bytes of a file the tool wrote into a snapshot folder. Only regular files are read: a FIFO (which would wait
/// for a writer forever), a device or a symbolic link is not something `snapshot` wrote, and is refused unopened.
fn read_regular(path: &Path) -> std::io::Result<Vec<u8>> {
    let meta = std::fs::symlink_metadata(path)?;
    if !meta.file_type().is_file() {
        return Err(std::io::Error::other(format!(
            "not a regular file but {}",
            designate_engine::partner::file_kind(&meta.file_type())
        )));
    }
    std::fs::read(path)
}

/// Where a snapshot folder disagrees with its manifest: result files missing, different from their digest, or
/// present but not listed. File name → problem, sorted by name.
fn verify(dir: &Path, manifest: &Manifest) -> BTreeMap<String, String> {
    let mut problems = BTreeMap::new();
    for e in &manifest.partners {
        match read_regular(&dir.join(&e.result)) {
            Ok(bytes) if sha256(&bytes) == e.result_digest => {}
            Ok(_) => {
                problems.insert(e.result.clone(), "differs from its digest in the manifest".to_owned());
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                problems.insert(e.result.clone(), "listed in the manifest but missing".to_owned());
            }
            Err(err) => {
                problems.insert(e.result.clone(), format!("cannot read: {err}"));
            }
        }
    }
    let listed: BTreeSet<&str> = manifest.partners.iter().map(|e| e.result.as_str()).collect();
    match std::fs::read_dir(dir) {
        Ok(entries) => {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name != MANIFEST && name != LOCK && !listed.contains(name.as_str()) {
                    problems.insert(name, "not listed in the manifest".to_owned());
                }
            }
        }
        Err(err) => {
            problems.insert(".".to_owned(), format!("cannot read folder: {err}"));
        }
    }
    problems
}

/// Output formats of `diff`.
#[derive(Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
pub enum DiffFormat {
    Text,
    Json,
}

/// What `designate diff` reports: both folders, whether they differ, and one entry per partner whose result
/// differs.
#[derive(Serialize, JsonSchema)]
pub struct DiffReport {
    /// The version of this document's shape.
    pub schema_version: u32,
    /// True when anything differs (a folder against its manifest, the rules, a partner): exit status 1.
    pub differs: bool,
    pub before: SnapshotSide,
    pub after: SnapshotSide,
    /// True when a rule version was used on one side only or with another digest.
    pub rules_changed: bool,
    pub summary: DiffSummary,
    /// Partners whose result differs (and inputs that failed differently), by partner id.
    pub partners: Vec<PartnerDiff>,
}

/// One snapshot folder as its manifest describes it.
#[derive(Serialize, JsonSchema)]
pub struct SnapshotSide {
    pub folder: String,
    pub tool: String,
    /// Rule version → digest.
    pub rules: BTreeMap<String, String>,
    /// Files that do not match the manifest (missing, different from their digest, not listed).
    pub problems: Vec<FileProblem>,
}

/// A file of a snapshot folder that does not match its manifest.
#[derive(Serialize, JsonSchema)]
pub struct FileProblem {
    pub file: String,
    pub problem: String,
}

/// Counts over both snapshots.
#[derive(Serialize, JsonSchema)]
pub struct DiffSummary {
    /// Partners in either snapshot.
    pub partners: usize,
    /// Partners whose result changed, as `compare` counts them: points, attainment or program status.
    pub changed: usize,
    /// Entries in `partners`: every partner whose result differs in any way, and inputs that failed
    /// differently.
    pub differ: usize,
}

/// How a partner's entries in the two snapshots differ.
#[derive(Serialize, JsonSchema, PartialEq, Eq, Clone, Copy)]
#[serde(rename_all = "kebab-case")]
pub enum DiffState {
    /// Points, attainment or program status changed (`change.changed`).
    Changed,
    /// The results differ, but not in points, attainment or program status (a path renamed, other rules named,
    /// other explanations or evidence).
    Unchanged,
    /// The input changed, the result is byte for byte the same.
    SameResult,
    OnlyBefore,
    OnlyAfter,
    /// A result does not match its manifest, so it is not trusted.
    NotComparable,
    /// A result could not be read back.
    Unreadable,
    /// The input could not be scored in the first snapshot (and not with the same error in the second).
    FailedBefore,
    /// The input could not be scored in the second snapshot.
    FailedAfter,
}

/// One partner (or, for a failure, one input) whose entries differ.
#[derive(Serialize, JsonSchema)]
pub struct PartnerDiff {
    /// The partner id; for a failure, the input as the manifest names it.
    pub partner: String,
    pub state: DiffState,
    /// Whether the input's digest differs, when the partner is in both snapshots.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_changed: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rules_before: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rules_after: Option<String>,
    /// The error, for failures and unreadable results.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Per designation and metric, when both results were read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<PartnerChange>,
}

impl PartnerDiff {
    fn new(partner: &str, state: DiffState) -> PartnerDiff {
        PartnerDiff {
            partner: partner.to_owned(),
            state,
            input_changed: None,
            rules_before: None,
            rules_after: None,
            error: None,
            change: None,
        }
    }
}

/// Compares two snapshots.
pub fn diff(a: &Path, b: &Path) -> Result<DiffReport, String> {
    let (ma, mb) = (read_manifest(a)?, read_manifest(b)?);
    // A manifest is only trusted for the files that match it: an interrupted or edited snapshot is a finding.
    let (va, vb) = (verify(a, &ma), verify(b, &mb));
    let side = |dir: &Path, m: &Manifest, problems: &BTreeMap<String, String>| SnapshotSide {
        folder: dir.display().to_string(),
        tool: m.tool.clone(),
        rules: m.rules.clone(),
        problems: problems.iter().map(|(f, p)| FileProblem { file: f.clone(), problem: p.clone() }).collect(),
    };
    let index = |m: &Manifest| m.partners.iter().map(|e| (e.partner.clone(), e.clone())).collect::<BTreeMap<_, _>>();
    let (ia, ib) = (index(&ma), index(&mb));
    let mut partners: Vec<PartnerDiff> = Vec::new();
    for (id, ea) in &ia {
        let Some(eb) = ib.get(id) else {
            let mut d = PartnerDiff::new(id, DiffState::OnlyBefore);
            d.rules_before = Some(ea.rules.clone());
            partners.push(d);
            continue;
        };
        let same_rules = ea.rules == eb.rules && ma.rules.get(&ea.rules) == mb.rules.get(&eb.rules);
        let mut d = PartnerDiff::new(id, DiffState::Changed);
        d.input_changed = Some(ea.input_digest != eb.input_digest);
        d.rules_before = Some(ea.rules.clone());
        d.rules_after = Some(eb.rules.clone());
        if va.contains_key(&ea.result) || vb.contains_key(&eb.result) {
            d.state = DiffState::NotComparable;
        } else if ea.result_digest == eb.result_digest {
            if ea.input_digest == eb.input_digest && same_rules {
                continue;
            }
            d.state = DiffState::SameResult;
        } else {
            match (read_result(a, &ea.result), read_result(b, &eb.result)) {
                (Ok(ra), Ok(rb)) => {
                    let change = compare(&ra, &rb);
                    d.state = if change.changed { DiffState::Changed } else { DiffState::Unchanged };
                    d.change = Some(change);
                }
                (Err(e), _) | (_, Err(e)) => {
                    d.state = DiffState::Unreadable;
                    d.error = Some(first_line(&e).to_owned());
                }
            }
        }
        partners.push(d);
    }
    for (id, eb) in ib.iter().filter(|(id, _)| !ia.contains_key(*id)) {
        let mut d = PartnerDiff::new(id, DiffState::OnlyAfter);
        d.rules_after = Some(eb.rules.clone());
        partners.push(d);
    }
    partners.sort_by(|x, y| x.partner.cmp(&y.partner));
    let failed =
        |m: &Manifest| m.failures.iter().map(|f| (f.input.clone(), f.error.clone())).collect::<BTreeMap<_, _>>();
    let (fa, fb) = (failed(&ma), failed(&mb));
    for (failures, others, state) in [(&fa, &fb, DiffState::FailedBefore), (&fb, &fa, DiffState::FailedAfter)] {
        for (input, error) in failures {
            if others.get(input) != Some(error) {
                let mut d = PartnerDiff::new(input, state);
                d.error = Some(first_line(error).to_owned());
                partners.push(d);
            }
        }
    }
    let rules_changed = ma.rules != mb.rules;
    let differs = !va.is_empty() || !vb.is_empty() || rules_changed || !partners.is_empty();
    let all: BTreeSet<&String> = ia.keys().chain(ib.keys()).collect();
    let summary = DiffSummary {
        partners: all.len(),
        changed: partners.iter().filter(|p| p.state == DiffState::Changed).count(),
        differ: partners.len(),
    };
    Ok(DiffReport {
        schema_version: DIFF_SCHEMA_VERSION,
        differs,
        before: side(a, &ma, &va),
        after: side(b, &mb, &vb),
        rules_changed,
        summary,
        partners,
    })
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// Evidence items listed per metric in the text form; `--format json` lists them all.
const ITEMS_SHOWN: usize = 6;

impl DiffReport {
    /// The report for people: integrity problems and rule changes first, then one short block per partner.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        if self.before.tool != self.after.tool {
            let _ = writeln!(out, "tool: {} → {}", self.before.tool, self.after.tool);
        }
        for side in [&self.before, &self.after] {
            if !side.problems.is_empty() {
                let _ = writeln!(out, "{}: the folder does not match its manifest", side.folder);
                for p in &side.problems {
                    let _ = writeln!(out, "  {}: {}", p.file, p.problem);
                }
            }
        }
        if self.rules_changed {
            out.push_str("rules changed:\n");
            for (v, d) in &self.before.rules {
                if self.after.rules.get(v) != Some(d) {
                    let _ = writeln!(out, "  - {v} {d}");
                }
            }
            for (v, d) in &self.after.rules {
                if self.before.rules.get(v) != Some(d) {
                    let _ = writeln!(out, "  + {v} {d}");
                }
            }
        }
        let s = &self.summary;
        if !self.differs {
            let _ = writeln!(out, "no differences: {} partners, same rules, inputs and results", s.partners);
            return out;
        }
        let _ = writeln!(
            out,
            "{} of {} partners differ, {} changed (points, attainment or program status, as `compare` counts)",
            s.differ, s.partners, s.changed
        );
        for p in &self.partners {
            partner_block(&mut out, p);
        }
        out
    }
}

fn partner_block(out: &mut String, p: &PartnerDiff) {
    let error = p.error.as_deref().unwrap_or_default();
    let head = match p.state {
        DiffState::OnlyBefore => "only in the first snapshot".to_owned(),
        DiffState::OnlyAfter => "only in the second snapshot".to_owned(),
        DiffState::FailedBefore => format!("could not be scored in the first snapshot ({error})"),
        DiffState::FailedAfter => format!("could not be scored in the second snapshot ({error})"),
        DiffState::NotComparable => "cannot be compared: a result does not match its manifest".to_owned(),
        _ => {
            let input = if p.input_changed == Some(true) { "input changed" } else { "same input" };
            let (rb, ra) = (p.rules_before.as_deref().unwrap_or("?"), p.rules_after.as_deref().unwrap_or("?"));
            let rules = if rb == ra { "same rules".to_owned() } else { format!("rules {rb} → {ra}") };
            let what = match p.state {
                DiffState::SameResult => "same result".to_owned(),
                DiffState::Unreadable => format!("result cannot be read ({error})"),
                DiffState::Unchanged => "same points, attainment and status".to_owned(),
                _ => "changed".to_owned(),
            };
            format!("{input}, {rules}: {what}")
        }
    };
    let _ = writeln!(out, "  {}: {head}", p.partner);
    let Some(change) = &p.change else { return };
    for d in change.designations.iter().filter(|d| d.differs()) {
        let mut line = format!("    {}  {} → {}", d.id, d.points_before.normalize(), d.points_after.normalize());
        if !d.delta.is_zero() {
            let _ = write!(line, " ({})", signed(d.delta));
        }
        match d.status {
            Status::Gained => line.push_str("  gained"),
            Status::Lost => line.push_str("  lost"),
            _ => {}
        }
        if d.path_before != d.path_after {
            let show = |x: &Option<String>| x.clone().unwrap_or_else(|| "none".to_owned());
            let _ = write!(line, "  path {} → {}", show(&d.path_before), show(&d.path_after));
        }
        let _ = writeln!(out, "{line}");
        if d.status == Status::Lost {
            if let Some(s) = &d.shortfall {
                let _ = writeln!(out, "      why not: {}", s.to_text());
            }
        }
        for m in &d.metrics {
            if m.delta.is_zero() {
                let _ = writeln!(out, "      {}  {} (evidence changed)", m.id, m.after.normalize());
            } else {
                let _ = writeln!(out, "      {}  {} → {}", m.id, m.before.normalize(), m.after.normalize());
            }
            for (sign, keys) in [("+", &m.appeared), ("-", &m.disappeared)] {
                for k in keys.iter().take(ITEMS_SHOWN) {
                    let _ = writeln!(out, "        {sign} {k}");
                }
                if keys.len() > ITEMS_SHOWN {
                    let _ = writeln!(
                        out,
                        "        {sign} ... and {} more (--format json lists them)",
                        keys.len() - ITEMS_SHOWN
                    );
                }
            }
        }
    }
    for line in &change.status {
        let _ = writeln!(out, "    {line}");
    }
}
