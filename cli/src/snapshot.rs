//! `designate snapshot` and `designate diff`: deterministic result trees auditors can keep and compare.
//!
//! A snapshot is one YAML result per partner plus `manifest.json` naming the tool version, the rules
//! (version and digest) and a digest of every input and result. Every file is written to a temporary
//! name and renamed into place, so a crash leaves the previous file whole, never half a file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use designate_engine::compare::{compare, PartnerChange};
use designate_engine::{score, ScoreReport};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::portfolio;
use crate::rules_dir::RulesChoice;

#[derive(Serialize, Deserialize, PartialEq)]
struct Manifest {
    tool: String,
    /// Every rule version used, by version.
    rules: BTreeMap<String, String>,
    partners: Vec<Entry>,
    failures: Vec<FailureEntry>,
}

#[derive(Serialize, Deserialize, PartialEq, Clone)]
struct Entry {
    partner: String,
    /// The input as given (a file name, or `<stdin>:LINE`).
    input: String,
    input_digest: String,
    rules: String,
    result: String,
    result_digest: String,
}

#[derive(Serialize, Deserialize, PartialEq)]
struct FailureEntry {
    input: String,
    error: String,
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

/// A partner id as a file name: characters outside `[A-Za-z0-9._-]` become `_`.
fn file_name(id: &str) -> String {
    let safe: String =
        id.chars().map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '_' }).collect();
    format!("{safe}.yaml")
}

/// Scores the portfolio and writes the snapshot; returns how many partners failed.
pub fn write(choice: &RulesChoice, input: &Path, out: &Path) -> Result<usize, String> {
    std::fs::create_dir_all(out).map_err(|e| format!("{}: cannot create: {e}", out.display()))?;
    let mut manifest = Manifest {
        tool: format!("designate {}", env!("CARGO_PKG_VERSION")),
        rules: BTreeMap::new(),
        partners: Vec::new(),
        failures: Vec::new(),
    };
    let mut taken: BTreeMap<String, String> = BTreeMap::new();
    portfolio::process(
        portfolio::open(input)?,
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
            let name = file_name(&report.partner);
            if let Some(first) = taken.get(&name) {
                let error =
                    format!("{}: partner \"{}\" is already in the portfolio ({first})", raw.origin, report.partner);
                crate::output::error(&error);
                manifest.failures.push(FailureEntry { input: raw.origin, error });
                return Ok(());
            }
            taken.insert(name.clone(), raw.origin.clone());
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
    // Results of a previous snapshot in the same folder that this one does not have would mislead `diff`.
    let stale: Vec<String> = read_manifest(out)
        .map(|old| {
            let kept: std::collections::BTreeSet<&str> = manifest.partners.iter().map(|e| e.result.as_str()).collect();
            old.partners.into_iter().map(|e| e.result).filter(|r| !kept.contains(r.as_str())).collect()
        })
        .unwrap_or_default();
    let json = serde_json::to_string_pretty(&manifest).expect("a manifest serializes") + "\n";
    write_atomic(&out.join("manifest.json"), json.as_bytes())?;
    for name in stale {
        let _ = std::fs::remove_file(out.join(&name));
    }
    crate::output::diag(&format!("wrote {} results and manifest.json to {}", manifest.partners.len(), out.display()));
    Ok(manifest.failures.len())
}

fn read_manifest(dir: &Path) -> Result<Manifest, String> {
    let path = dir.join("manifest.json");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("{}: cannot read: {e} (is this a snapshot?)", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: not a snapshot manifest: {e}", path.display()))
}

fn read_result(dir: &Path, name: &str) -> Result<ScoreReport, String> {
    let path: PathBuf = dir.join(name);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    ScoreReport::from_yaml(&text, &path.display().to_string()).map_err(|e| e.to_string())
}

/// Compares two snapshots; returns the report and whether they differ.
pub fn diff(a: &Path, b: &Path) -> Result<(String, bool), String> {
    let (ma, mb) = (read_manifest(a)?, read_manifest(b)?);
    let mut out = String::new();
    let mut differs = false;
    if ma.tool != mb.tool {
        out.push_str(&format!("tool: {} → {}\n", ma.tool, mb.tool));
    }
    if ma.rules != mb.rules {
        differs = true;
        out.push_str("rules changed:\n");
        for (v, d) in &ma.rules {
            if mb.rules.get(v) != Some(d) {
                out.push_str(&format!("  - {v} {d}\n"));
            }
        }
        for (v, d) in &mb.rules {
            if ma.rules.get(v) != Some(d) {
                out.push_str(&format!("  + {v} {d}\n"));
            }
        }
    }
    let index = |m: &Manifest| m.partners.iter().map(|e| (e.partner.clone(), e.clone())).collect::<BTreeMap<_, _>>();
    let (ia, ib) = (index(&ma), index(&mb));
    let mut changes: Vec<(String, String)> = Vec::new();
    for (id, ea) in &ia {
        match ib.get(id) {
            None => changes.push((id.clone(), "only in the first snapshot".into())),
            Some(eb) if ea.result_digest == eb.result_digest && ea.input_digest == eb.input_digest => {}
            Some(eb) => {
                let input = if ea.input_digest == eb.input_digest { "same input" } else { "input changed" };
                let rules = if ea.rules == eb.rules && ma.rules.get(&ea.rules) == mb.rules.get(&eb.rules) {
                    "same rules".to_owned()
                } else {
                    format!("rules {} → {}", ea.rules, eb.rules)
                };
                let detail = if ea.result_digest == eb.result_digest {
                    "same result".to_owned()
                } else {
                    describe(&compare(&read_result(a, &ea.result)?, &read_result(b, &eb.result)?))
                };
                changes.push((id.clone(), format!("{input}, {rules}: {detail}")));
            }
        }
    }
    for id in ib.keys().filter(|id| !ia.contains_key(*id)) {
        changes.push((id.clone(), "only in the second snapshot".into()));
    }
    let failed =
        |m: &Manifest| m.failures.iter().map(|f| (f.input.clone(), f.error.clone())).collect::<BTreeMap<_, _>>();
    let (fa, fb) = (failed(&ma), failed(&mb));
    for (input, error) in &fa {
        if fb.get(input) != Some(error) {
            changes.push((input.clone(), format!("could not be scored in the first snapshot ({})", first_line(error))));
        }
    }
    for (input, error) in &fb {
        if fa.get(input) != Some(error) {
            changes
                .push((input.clone(), format!("could not be scored in the second snapshot ({})", first_line(error))));
        }
    }
    differs |= !changes.is_empty();
    if changes.is_empty() && !differs {
        out.push_str(&format!("no differences: {} partners, same rules, inputs and results\n", ia.len()));
    } else {
        out.push_str(&format!("{} of {} partners differ\n", changes.len(), ia.len().max(ib.len())));
        for (id, what) in changes {
            out.push_str(&format!("  {id}: {what}\n"));
        }
    }
    Ok((out, differs))
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

fn describe(change: &PartnerChange) -> String {
    let moved: Vec<String> = change
        .designations
        .iter()
        .filter(|d| !d.delta.is_zero() || d.qualified_before != d.qualified_after || d.path_before != d.path_after)
        .map(|d| {
            format!("{} {} → {} ({})", d.id, d.points_before.normalize(), d.points_after.normalize(), d.attribution)
        })
        .collect();
    if moved.is_empty() {
        "explanations changed, points did not".to_owned()
    } else {
        moved.join("; ")
    }
}
