//! `designate diff`: two snapshots compared, after each is checked against its own manifest (the snapshot format
//! and its readers live in `snapshot.rs`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use designate_engine::compare::{compare, PartnerChange};

use super::snapshot::{read_manifest, read_result, verify, Manifest};
use crate::exit;
use crate::output;

/// Compare two snapshots: which partners' results changed and how, and whether rules or inputs changed.
///
/// Each folder is first checked against its manifest: a result that differs from its digest, is missing,
/// or is not listed counts as a difference. Exits 0 when the snapshots agree, 1 when they differ, 2 when
/// a folder or manifest cannot be read.
#[derive(clap::Args)]
#[command(help_template = with_examples!("designate diff snap-2024-05 snap-2024-06"))]
pub struct Args {
    /// The earlier snapshot folder.
    #[arg(value_name = "DIR_A")]
    a: PathBuf,
    /// The later snapshot folder.
    #[arg(value_name = "DIR_B")]
    b: PathBuf,
}

/// `designate diff`: exit 1 when the snapshots differ.
pub fn run(args: Args, out: &mut output::Stdout) -> Result<ExitCode> {
    let (text, differs) = diff(&args.a, &args.b)?;
    out.text(&text)?;
    Ok(exit::findings_if(differs))
}

/// Compares two snapshots; returns the report and whether they differ.
pub fn diff(a: &Path, b: &Path) -> Result<(String, bool)> {
    let (ma, mb) = (read_manifest(a)?, read_manifest(b)?);
    let mut out = String::new();
    let mut differs = false;
    if ma.tool != mb.tool {
        out.push_str(&format!("tool: {} → {}\n", ma.tool, mb.tool));
    }
    // A manifest is only trusted for the files that match it: an interrupted or edited snapshot is a finding.
    let (va, vb) = (verify(a, &ma), verify(b, &mb));
    for (dir, problems) in [(a, &va), (b, &vb)] {
        if !problems.is_empty() {
            differs = true;
            out.push_str(&format!("{}: the folder does not match its manifest\n", dir.display()));
            for (name, problem) in problems {
                out.push_str(&format!("  {name}: {problem}\n"));
            }
        }
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
            Some(eb) if va.contains_key(&ea.result) || vb.contains_key(&eb.result) => {
                changes.push((id.clone(), "cannot be compared: a result does not match its manifest".into()))
            }
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
                    match (read_result(a, &ea.result), read_result(b, &eb.result)) {
                        (Ok(ra), Ok(rb)) => describe(&compare(&ra, &rb)),
                        (Err(e), _) | (_, Err(e)) => {
                            format!("result cannot be read ({})", first_line(&exit::message(&e)))
                        }
                    }
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
        .chain(change.status.iter().cloned())
        .collect();
    if moved.is_empty() {
        "explanations changed, points and outcomes did not".to_owned()
    } else {
        moved.join("; ")
    }
}
