//! `designate snapshot`: deterministic result trees auditors can keep and compare (with `designate diff`,
//! `diff.rs`, which reads them through this module's manifest readers).
//!
//! A snapshot is one YAML result per partner plus `manifest.json` naming the tool version, the rules
//! (version and digest) and a digest of every input and result. The manifest is the commit point: results are
//! written first (each to a temporary name, then renamed), the manifest last, and only then are results of the
//! previous manifest that the new one lacks removed. The tool only ever writes into a folder it made (empty, or
//! holding its own manifest), never into or around the portfolio it reads, one writer at a time (a lock file), and
//! only ever removes files a committed manifest of its own lists, each checked to be a plain file name. `diff`
//! checks every result against its digest before trusting a manifest, so a tampered or half-written snapshot is
//! reported, never taken for "no differences". Its report (`diff.rs`, text or JSON) has one block per
//! partner whose result differs: points, path, attainment gained or lost, metrics and the evidence items that
//! appeared or disappeared; a partner counts as changed exactly when `compare` would count it
//! ([`designate_engine::compare::PartnerChange::changed`]).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, Context as _, Result};
use designate_engine::ScoreReport;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::exit;
use crate::output::{self, ReplaceError};
use crate::portfolio;
use crate::rules_dir::{RulesArg, RulesChoice};

/// Write one result file per partner and a manifest of digests, for auditors to keep and diff.
///
/// Results are YAML, byte-identical for the same inputs and rules however many cores score them.
/// Files are written atomically, the manifest last. -o must be new, empty or an earlier snapshot, and
/// outside the portfolio; one run at a time writes to it. Exits 2 when it cannot write, 1 when partners
/// failed.
#[derive(clap::Args)]
#[command(help_template = with_examples!(
    "designate snapshot -o snap-2024-06 snapshots/partners",
    "designate snapshot --rules rules/ -o snap snapshots/portfolios/example.ndjson",
))]
pub struct Args {
    /// A rule set folder or a rules root (chosen by each partner's as_of); default: the shipped rules/ as a root.
    #[arg(long, value_name = "DIR", env = "DESIGNATE_RULES")]
    rules: Option<PathBuf>,
    /// The folder to write (created if needed): new, empty, or one an earlier snapshot wrote. `--out` is
    /// the same.
    #[arg(short = 'o', long = "output", alias = "out", value_name = "DIR")]
    out: PathBuf,
    /// A folder of partner files or CSV tables, an .ndjson file, or `-` for NDJSON on stdin.
    #[arg(value_name = "PORTFOLIO")]
    portfolio: PathBuf,
}

/// `designate snapshot`: exit 1 when partners failed.
pub fn run(args: Args, rules_from_env: bool) -> Result<ExitCode> {
    let choice = RulesChoice::new(RulesArg::new(args.rules, rules_from_env))?;
    let failed = write(&choice, &args.portfolio, &args.out)?;
    Ok(exit::findings_if(failed > 0))
}

/// The manifest's `format`: what marks a folder as a snapshot this tool wrote.
const FORMAT: &str = "designate-snapshot-1";
/// The manifest's `schema_version`; a manifest without one (written before the field existed) is version 1.
const MANIFEST_SCHEMA_VERSION: u32 = 1;
const MANIFEST: &str = "manifest.json";
/// Held (with an OS file lock) while a snapshot is written, so that two runs never interleave in one folder.
const LOCK: &str = ".designate-snapshot.lock";
/// Partner ids longer than this are encoded: with `.yaml` and a temporary prefix the name stays far below the
/// 255 bytes file systems allow.
const MAX_PLAIN: usize = 64;

/// `manifest.json`: what a snapshot folder holds, with digests.
#[derive(Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct Manifest {
    /// The version of this document's shape; a manifest without it is version 1.
    #[serde(default = "designate_engine::report::schema_version_1")]
    pub(super) schema_version: u32,
    /// Always [`FORMAT`]: what marks a folder as a snapshot this tool wrote.
    pub(super) format: String,
    pub(super) tool: String,
    /// Every rule version used, by version.
    pub(super) rules: BTreeMap<String, String>,
    /// Partner id → result file, with digests.
    pub(super) partners: Vec<Entry>,
    pub(super) failures: Vec<FailureEntry>,
}

/// One partner's result in a snapshot.
#[derive(Serialize, Deserialize, PartialEq, Clone, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct Entry {
    pub(super) partner: String,
    /// The input as given (a file name, or `<stdin>:LINE`).
    pub(super) input: String,
    pub(super) input_digest: String,
    pub(super) rules: String,
    /// The result's file name in the snapshot folder: the partner id when that is a safe file name, else an
    /// encoding of it (see [`result_name`]).
    pub(super) result: String,
    pub(super) result_digest: String,
}

/// A partner that could not be scored.
#[derive(Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct FailureEntry {
    pub(super) input: String,
    pub(super) error: String,
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

/// Writes `bytes` to `path` through a temporary file in the same folder (`.NAME.tmp-XXXXXX`), synced, and a rename.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    output::replace_file(path, bytes).map_err(|e| match e {
        ReplaceError::Write(e) => anyhow!("{}: cannot write: {e}", path.display()),
        ReplaceError::Rename(e) => anyhow!("{}: cannot move into place: {e}", path.display()),
    })
}

fn write_manifest(out: &Path, manifest: &Manifest) -> Result<()> {
    let json = output::json_pretty(manifest, "the manifest")? + "\n";
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
fn resolve(path: &Path) -> Result<PathBuf> {
    let absolute = std::path::absolute(path).with_context(|| format!("{}: cannot resolve", path.display()))?;
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
fn refuse_overlap(out: &Path, input: &Path) -> Result<()> {
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
    Err(anyhow!(
        "{}: the output folder {relation} {}\n  hint: write the snapshot to a folder outside the portfolio",
        out.display(),
        input.display()
    ))
}

/// The lock every writer of `out` holds until it is done; a second writer is refused rather than made to wait.
fn lock(out: &Path) -> Result<std::fs::File> {
    let path = out.join(LOCK);
    // Opening a FIFO for writing waits for a reader: only a regular lock file (or none yet) is opened.
    if let Ok(meta) = std::fs::symlink_metadata(&path) {
        if !meta.file_type().is_file() {
            return Err(anyhow!(
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
        .with_context(|| format!("{}: cannot create the lock file", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(anyhow!(
            "{}: another snapshot is being written to this folder\n  hint: wait for it to finish, or write to another folder",
            out.display()
        )),
        Err(std::fs::TryLockError::Error(e)) => Err(anyhow!("{}: cannot lock: {e}", path.display())),
    }
}

/// The committed manifest of a folder about to be written, after checking that the folder is ours: a new or
/// empty folder gets an empty manifest before anything else, so that it is marked as a snapshot from the start.
fn prepare(out: &Path) -> Result<Manifest> {
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
fn refuse_foreign(out: &Path) -> Result<Vec<String>> {
    let mut others = Vec::new();
    let entries = std::fs::read_dir(out).with_context(|| format!("{}: cannot read folder", out.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("{}: cannot read folder", out.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name != LOCK && name != MANIFEST {
            others.push(name);
        }
    }
    if out.join(MANIFEST).exists() {
        read_manifest(out)?;
    } else if !others.is_empty() {
        others.sort();
        return Err(anyhow!(
            "{}: not a snapshot folder: it holds files ({}) but no manifest.json\n  hint: write to a new or empty folder, or to one an earlier snapshot wrote",
            out.display(),
            others.iter().take(3).cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    Ok(others)
}

/// Temporary files an interrupted run of this tool left (`.NAME.tmp-XXXXXX`, NAME a result or the manifest; runs
/// before tempfile named them `.NAME.tmp-PID`).
fn remove_own_temporaries(out: &Path, names: &[String]) {
    for name in names {
        let own = name.strip_prefix('.').and_then(|n| n.rsplit_once(".tmp-")).is_some_and(|(file, pid)| {
            (file == MANIFEST || is_result_name(file))
                && !pid.is_empty()
                && pid.chars().all(|c| c.is_ascii_alphanumeric())
        });
        if own {
            let _ = std::fs::remove_file(out.join(name));
        }
    }
}

/// Scores the portfolio and writes the snapshot; returns how many partners failed.
pub fn write(choice: &RulesChoice, input: &Path, out: &Path) -> Result<usize> {
    // The input first: a portfolio that cannot be read leaves no output folder behind.
    let items = portfolio::open(input)?;
    refuse_overlap(out, input)?;
    if out.exists() && !out.is_dir() {
        return Err(anyhow!("{}: not a folder", out.display()));
    }
    std::fs::create_dir_all(out).with_context(|| format!("{}: cannot create", out.display()))?;
    // Checked again now that the folder exists: a symlink created meanwhile cannot redirect the results.
    refuse_overlap(out, input)?;
    // Checked before the lock file is created, so that a folder that is not ours is left exactly as it was, and
    // again under the lock, against a writer that finished meanwhile.
    refuse_foreign(out)?;
    let _lock = lock(out)?;
    let previous = prepare(out)?;
    let mut manifest = Manifest::empty();
    // The partners met, to refuse a second partner with the same id; the result file names written.
    let mut met = portfolio::Met::default();
    let mut taken: BTreeSet<String> = BTreeSet::new();
    portfolio::process(
        items,
        |raw| {
            let partner = raw.parse()?;
            let report = choice.score(&partner)?;
            Ok((report, sha256(&raw.bytes())))
        },
        |raw, result| {
            let (report, input_digest) = match result {
                Ok(r) => r,
                Err(error) => {
                    let error = exit::message(&error);
                    crate::output::error(&error);
                    manifest.failures.push(FailureEntry { input: raw.origin, error });
                    return Ok(());
                }
            };
            if let Err(error) = met.first(&report.partner, &raw.origin) {
                let error = error.to_string();
                crate::output::error(&error);
                manifest.failures.push(FailureEntry { input: raw.origin, error });
                return Ok(());
            }
            let mut name = result_name(&report.partner);
            // Two different ids whose encodings share 64 bits of a digest: the whole digest tells them apart.
            if taken.contains(&name) {
                name = encoded(&report.partner, 64);
            }
            taken.insert(name.clone());
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
    crate::output::info(&format!("wrote {} results and manifest.json to {}", manifest.partners.len(), out.display()));
    Ok(manifest.failures.len())
}

// ------------------------------------------------------------------------------------------------ reading

/// A snapshot's manifest, checked to be ours: the right `format`, and every result a plain file name of the folder
/// listed once, so that neither `snapshot` nor `diff` ever reaches outside the folder because of what it says.
pub(super) fn read_manifest(dir: &Path) -> Result<Manifest> {
    if !dir.is_dir() {
        return Err(anyhow!("{}: no such snapshot folder", dir.display()));
    }
    let path = dir.join(MANIFEST);
    let shown = path.display();
    let text = read_regular(&path)
        .and_then(|b| String::from_utf8(b).map_err(|_| std::io::Error::other("not UTF-8 text")))
        .map_err(|e| anyhow!("{shown}: cannot read: {e} (is this a snapshot?)"))?;
    let manifest: Manifest =
        serde_json::from_str(&text).map_err(|e| anyhow!("{shown}: not a snapshot manifest: {e}"))?;
    if manifest.format != FORMAT {
        return Err(anyhow!("{shown}: format: not a snapshot manifest of this tool (\"{}\")", manifest.format));
    }
    let mut results = BTreeSet::new();
    let mut ids = BTreeSet::new();
    for (i, e) in manifest.partners.iter().enumerate() {
        if !is_result_name(&e.result) {
            return Err(anyhow!(
                "{shown}: partners[{i}].result: {:?} is not a plain result file name of the snapshot folder",
                e.result
            ));
        }
        if !results.insert(e.result.as_str()) {
            return Err(anyhow!("{shown}: partners[{i}].result: {:?} is listed twice", e.result));
        }
        if !ids.insert(e.partner.as_str()) {
            return Err(anyhow!("{shown}: partners[{i}].partner: {:?} is listed twice", e.partner));
        }
    }
    Ok(manifest)
}

pub(super) fn read_result(dir: &Path, name: &str) -> Result<ScoreReport> {
    let path: PathBuf = dir.join(name);
    let text = read_regular(&path)
        .and_then(|b| String::from_utf8(b).map_err(|_| std::io::Error::other("not UTF-8 text")))
        .with_context(|| format!("{}: cannot read", path.display()))?;
    ScoreReport::from_yaml(&text, &path.display().to_string()).map_err(|e| anyhow!(e.to_string()))
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
pub(super) fn verify(dir: &Path, manifest: &Manifest) -> BTreeMap<String, String> {
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
