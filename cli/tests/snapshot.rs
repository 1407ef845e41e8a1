//! `designate snapshot` and `designate diff` as a file-writing tool: what it refuses to write into, what it never
//! deletes, one writer at a time, file names for any partner id, and `diff` checking results against the manifest.
//! Every test here guards a defect of issue 11 ("nothing lost, nothing wrong").

mod common;

use common::{designate, mkfifo, scratch, text, workspace, Scratch};
use std::path::{Path, PathBuf};
use std::process::Output;

/// A scratch folder holding `in/` with two partner files copied from the examples.
fn portfolio(name: &str) -> (Scratch, PathBuf) {
    let dir = scratch(name);
    let input = dir.join("in");
    std::fs::create_dir_all(&input).unwrap();
    for file in ["contoso-smb.yaml", "security-northwind.yaml"] {
        std::fs::copy(workspace().join("snapshots/partners").join(file), input.join(file)).unwrap();
    }
    (dir, input)
}

fn snapshot(out: &Path, input: &Path) -> Output {
    designate(&["snapshot", "--out", out.to_str().unwrap(), input.to_str().unwrap()])
}

fn diff(a: &Path, b: &Path) -> Output {
    designate(&["diff", a.to_str().unwrap(), b.to_str().unwrap()])
}

fn first_line(out: &Output) -> String {
    text(&out.stderr).lines().next().unwrap_or_default().to_owned()
}

/// The names in a folder, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

// Issue 11: `--out` equal to the input overwrote partner files with results; inside it, results became partners of
// the next run; containing it, the folder was treated as a snapshot. A symlink must not get around the check.
#[test]
fn an_output_folder_overlapping_the_input_is_refused() {
    let (dir, input) = portfolio("overlap");
    let before = names(&input);
    let original = std::fs::read(input.join("contoso-smb.yaml")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&input, dir.join("link")).unwrap();
    let cases = [
        (input.clone(), "is the input"),
        (input.join("results"), "is inside the input"),
        (dir.to_path_buf(), "contains the input"),
        #[cfg(unix)]
        (dir.join("link"), "is the input"),
        #[cfg(unix)]
        (dir.join("link").join("new"), "is inside the input"),
    ];
    for (out, relation) in cases {
        let run = snapshot(&out, &input);
        assert_eq!(run.status.code(), Some(2), "{}: {}", out.display(), text(&run.stderr));
        assert_eq!(
            first_line(&run),
            format!("error: {}: the output folder {relation} {}", out.display(), input.display())
        );
        assert!(text(&run.stderr).contains("\n  hint: write the snapshot to a folder outside the portfolio"));
    }
    assert_eq!(names(&input), before, "nothing is written into the input");
    assert_eq!(std::fs::read(input.join("contoso-smb.yaml")).unwrap(), original);
}

// Issue 11: a non-empty folder that no snapshot wrote was written into (and could then be cleaned by it).
#[test]
fn a_non_empty_folder_without_a_manifest_is_refused() {
    let (dir, input) = portfolio("foreign");
    let out = dir.join("documents");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("contoso-smb.yaml"), "my own notes\n").unwrap();
    let run = snapshot(&out, &input);
    assert_eq!(run.status.code(), Some(2), "{}", text(&run.stderr));
    assert_eq!(
        first_line(&run),
        format!(
            "error: {}: not a snapshot folder: it holds files (contoso-smb.yaml) but no manifest.json",
            out.display()
        )
    );
    assert!(text(&run.stderr).contains("\n  hint: write to a new or empty folder"), "{}", text(&run.stderr));
    assert_eq!(std::fs::read_to_string(out.join("contoso-smb.yaml")).unwrap(), "my own notes\n");
    assert_eq!(names(&out), ["contoso-smb.yaml"], "not even a lock file is left behind");
}

// Issue 11: `snapshot` deleted whatever the previous manifest named, `../victim` or `/etc/...` included.
#[test]
fn a_manifest_naming_files_outside_the_folder_is_refused_and_nothing_is_deleted() {
    let (dir, input) = portfolio("escape");
    let out = dir.join("out");
    assert!(snapshot(&out, &input).status.success());
    let victim = dir.join("victim.yaml");
    std::fs::write(&victim, "keep me\n").unwrap();
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    for evil in [victim.display().to_string(), "../victim.yaml".to_owned(), "sub/x.yaml".to_owned()] {
        let edited = manifest.replace("\"result\": \"contoso-smb.yaml\"", &format!("\"result\": {evil:?}"));
        assert_ne!(edited, manifest);
        std::fs::write(out.join("manifest.json"), &edited).unwrap();
        // A portfolio without contoso-smb: the edited entry would be "stale".
        std::fs::remove_file(input.join("contoso-smb.yaml")).ok();
        let run = snapshot(&out, &input);
        assert_eq!(run.status.code(), Some(2), "{}", text(&run.stderr));
        assert_eq!(
            first_line(&run),
            format!(
                "error: {}: partners[0].result: {evil:?} is not a plain result file name of the snapshot folder",
                out.join("manifest.json").display()
            )
        );
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me\n", "{evil}");
        assert_eq!(diff(&out, &out).status.code(), Some(2), "diff refuses the manifest too");
    }
    // A manifest some other tool wrote is not ours either.
    std::fs::write(out.join("manifest.json"), "{\"files\": [\"../victim.yaml\"]}\n").unwrap();
    let run = snapshot(&out, &input);
    assert_eq!(run.status.code(), Some(2));
    assert!(first_line(&run).contains("manifest.json: not a snapshot manifest: "), "{}", first_line(&run));
    assert!(victim.is_file());
}

// Issue 11: two runs into one folder interleaved, each committing a manifest without the other's results, and
// both exited 0. A second writer is now refused while the first holds the folder's lock.
#[test]
fn a_second_writer_is_refused_while_the_folder_is_locked() {
    let (dir, input) = portfolio("lock");
    let out = dir.join("out");
    assert!(snapshot(&out, &input).status.success());
    let before = std::fs::read(out.join("manifest.json")).unwrap();
    let held = std::fs::OpenOptions::new().write(true).open(out.join(".designate-snapshot.lock")).unwrap();
    held.try_lock().expect("the lock is free once a run has ended");
    let run = snapshot(&out, &workspace().join("snapshots/partners"));
    assert_eq!(run.status.code(), Some(2), "{}", text(&run.stderr));
    assert_eq!(first_line(&run), format!("error: {}: another snapshot is being written to this folder", out.display()));
    assert_eq!(std::fs::read(out.join("manifest.json")).unwrap(), before, "the first writer's snapshot stands");
    drop(held);
    assert!(snapshot(&out, &input).status.success(), "the folder is free again");
}

// Issue 11: an interrupted run (results rewritten, manifest not) or an edited folder made `diff` report
// "no differences", because it compared manifests only. Every result is now checked against its digest.
#[test]
fn diff_reports_results_that_disagree_with_their_manifest() {
    let (dir, input) = portfolio("verify");
    let (a, b) = (dir.join("a"), dir.join("b"));
    assert!(snapshot(&a, &input).status.success());
    assert!(snapshot(&b, &input).status.success());
    assert_eq!(diff(&a, &b).status.code(), Some(0));
    // As an interrupted run under other rules would leave it: a result rewritten, the manifest still the old one.
    let newer =
        designate(&["score", "--format", "yaml", "--rules", "rules/2023-07", "snapshots/partners/contoso-smb.yaml"]);
    assert!(newer.status.success());
    std::fs::write(b.join("contoso-smb.yaml"), &newer.stdout).unwrap();
    std::fs::remove_file(b.join("northwind-security.yaml")).unwrap();
    std::fs::write(b.join("stray.yaml"), "partner: stray\n").unwrap();
    let run = diff(&a, &b);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run.stdout));
    let report = text(&run.stdout);
    assert!(!report.contains("no differences"), "{report}");
    assert!(
        report.starts_with(&format!(
            "{}: the folder does not match its manifest\n  contoso-smb.yaml: differs from its digest in the manifest\n  \
             northwind-security.yaml: listed in the manifest but missing\n  stray.yaml: not listed in the manifest\n",
            b.display()
        )),
        "{report}"
    );
    assert!(report.contains("  contoso-smb: cannot be compared: a result does not match its manifest\n"), "{report}");
    // A fresh run over the damaged folder makes it whole again: the manifest is the commit point.
    std::fs::remove_file(b.join("stray.yaml")).unwrap();
    assert!(snapshot(&b, &input).status.success());
    assert_eq!(diff(&a, &b).status.code(), Some(0), "{}", text(&diff(&a, &b).stdout));
}

// Issue 11: a 250-character partner id aborted the run before the manifest (file name too long); ids with `/`,
// `..`, control characters, reserved names or differing only in case must not escape, clash or abort either.
#[test]
fn unsafe_partner_ids_get_safe_unique_file_names() {
    let dir = scratch("ids");
    let long = "p".repeat(250);
    let ids = [long.as_str(), "../../outside", "a/b", "tab\there", "CON", "nul.x", "Contoso", "contoso", ".hidden"];
    let lines: Vec<String> =
        ids.iter().map(|id| serde_json::json!({ "partner": { "id": id }, "as_of": "2024-06" }).to_string()).collect();
    let input = dir.join("ids.ndjson");
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    let (a, b) = (dir.join("a"), dir.join("b"));
    let run = snapshot(&a, &input);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(a.join("manifest.json")).unwrap()).unwrap();
    let entries = manifest["partners"].as_array().unwrap();
    assert_eq!(entries.len(), ids.len(), "every partner has a result");
    let mut files = std::collections::BTreeSet::new();
    for (entry, id) in entries.iter().zip(ids) {
        assert_eq!(entry["partner"], id);
        let file = entry["result"].as_str().unwrap();
        assert!(files.insert(file.to_owned()), "{file} is used twice");
        assert!(file.len() < 100 && file.ends_with(".yaml") && !file.starts_with('.'), "{file}");
        assert!(file.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c)), "{file}");
        assert!(a.join(file).is_file(), "{file}");
    }
    assert_eq!(entries[7]["result"], "contoso.yaml", "a safe id keeps its name");
    assert_eq!(names(&dir), ["a", "ids.ndjson"], "nothing is written outside --out");
    assert!(snapshot(&b, &input).status.success());
    assert_eq!(diff(&a, &b).status.code(), Some(0), "{}", text(&diff(&a, &b).stdout));
}

// Issue 11: `diff` of a folder that does not exist could not run (exit 2); real differences are findings (exit 1).
#[test]
fn diff_of_a_missing_folder_could_not_run() {
    let (dir, input) = portfolio("missing");
    let a = dir.join("a");
    assert!(snapshot(&a, &input).status.success());
    let missing = dir.join("missing");
    let run = diff(&missing, &a);
    assert_eq!(run.status.code(), Some(2));
    assert_eq!(first_line(&run), format!("error: {}: no such snapshot folder", missing.display()));
    assert_eq!(text(&run.stdout), "");
    let old = dir.join("old");
    let run =
        designate(&["snapshot", "--rules", "rules/2023-07", "--out", old.to_str().unwrap(), input.to_str().unwrap()]);
    assert!(run.status.success());
    assert_eq!(diff(&old, &a).status.code(), Some(1));
}

// Issue 11: a FIFO in a snapshot folder (a result, the manifest, the lock file) made `diff` and `snapshot` wait
// forever for a writer. Only regular files are read; anything else is refused unopened.
#[cfg(unix)]
#[test]
fn special_files_in_a_snapshot_folder_are_refused_without_being_opened() {
    let (dir, input) = portfolio("fifo");
    let (a, b) = (dir.join("a"), dir.join("b"));
    assert!(snapshot(&a, &input).status.success());
    assert!(snapshot(&b, &input).status.success());
    // A result replaced by a FIFO: a difference of the folder from its manifest, said so.
    std::fs::remove_file(b.join("contoso-smb.yaml")).unwrap();
    mkfifo(&b.join("contoso-smb.yaml"));
    let run = diff(&a, &b);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run.stderr));
    assert!(
        text(&run.stdout).contains("contoso-smb.yaml: cannot read: not a regular file but a named pipe (FIFO)"),
        "{}",
        text(&run.stdout)
    );
    // The manifest replaced by a FIFO: neither `diff` nor `snapshot` can run.
    std::fs::remove_file(b.join("manifest.json")).unwrap();
    mkfifo(&b.join("manifest.json"));
    for run in [diff(&a, &b), snapshot(&b, &input)] {
        assert_eq!(run.status.code(), Some(2), "{}", text(&run.stderr));
        assert!(first_line(&run).contains("manifest.json: cannot read: not a regular file"), "{}", first_line(&run));
    }
    // The lock file replaced by a FIFO: opening it for writing would wait for a reader.
    std::fs::remove_file(a.join(".designate-snapshot.lock")).unwrap();
    mkfifo(&a.join(".designate-snapshot.lock"));
    let run = snapshot(&a, &input);
    assert_eq!(run.status.code(), Some(2), "{}", text(&run.stderr));
    assert!(first_line(&run).contains(".designate-snapshot.lock: not a regular file"), "{}", first_line(&run));
}

// Issue 11: `diff-rules` read any file of a rule folder that is not a rule file (notes, a README) with a plain
// read: a FIFO there hung it, a link to /dev/zero exhausted memory. Every file goes through the rule-file reader.
#[cfg(unix)]
#[test]
fn diff_rules_refuses_special_files_beside_the_rule_files() {
    let dir = scratch("diff-rules-special");
    let copy = dir.join("2024-06");
    common::copy_dir(&workspace().join("rules/2024-06"), &copy);
    mkfifo(&copy.join("notes.txt"));
    let run = designate(&["diff-rules", "rules/2024-06", copy.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(2), "{}", text(&run.stderr));
    assert!(first_line(&run).contains("notes.txt: not a regular file"), "{}", first_line(&run));
    std::fs::remove_file(copy.join("notes.txt")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", copy.join("notes.txt")).unwrap();
    let run = designate(&["diff-rules", "rules/2024-06", copy.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(2), "{}", text(&run.stderr));
    assert!(!text(&run.stderr).contains("panicked"));
}

/// Rewrites the result `file` of snapshot `dir` with `edit` applied, and its digest in the manifest, as an
/// earlier or later version of the tool would have written it.
fn rewrite_result(dir: &Path, file: &str, edit: impl Fn(String) -> String) {
    use sha2::{Digest, Sha256};
    let text = edit(std::fs::read_to_string(dir.join(file)).unwrap());
    std::fs::write(dir.join(file), &text).unwrap();
    let hex: String = Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    for entry in manifest["partners"].as_array_mut().unwrap() {
        if entry["result"] == file {
            entry["result_digest"] = format!("sha256:{hex}").into();
        }
    }
    std::fs::write(dir.join("manifest.json"), serde_json::to_string_pretty(&manifest).unwrap() + "\n").unwrap();
}

/// The result with `evidence` on the first metric of its second designation.
fn with_evidence(yaml: String, evidence: designate_engine::evidence::Evidence) -> String {
    let mut report = designate_engine::ScoreReport::from_yaml(&yaml, "result").unwrap();
    report.designations[1].metrics[0].evidence = Some(evidence);
    report.to_yaml()
}

/// Issue 12: `diff` says which evidence items appeared and disappeared, per partner, designation and metric,
/// in text and in JSON (which validates against its schema), even when no point moved.
#[test]
fn diff_lists_the_evidence_items_that_appeared_or_disappeared() {
    let (dir, input) = portfolio("evidence");
    let (a, b) = (dir.join("a"), dir.join("b"));
    assert!(snapshot(&a, &input).status.success());
    assert!(snapshot(&b, &input).status.success());
    rewrite_result(&a, "contoso-smb.yaml", |y| with_evidence(y, common::evidence(&["c-1", "c-2"], &[])));
    rewrite_result(&b, "contoso-smb.yaml", |y| with_evidence(y, common::evidence(&["c-1"], &["c-2"])));
    let run = diff(&a, &b);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run.stderr));
    let report = text(&run.stdout);
    assert!(report.starts_with("1 of 2 partners differ, 0 changed"), "{report}");
    assert!(
        report.contains("\n  contoso-smb: same input, same rules: same points, attainment and status\n"),
        "{report}"
    );
    assert!(
        report.contains(
            "      net-customer-adds  10 (evidence changed)\n        + customer c-2: not counted (below-threshold)\n        \
             - customer c-2: counted (crossed-threshold)\n"
        ),
        "{report}"
    );
    let json = designate(&["diff", "--format", "json", a.to_str().unwrap(), b.to_str().unwrap()]);
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    common::assert_valid("diff", &doc, "a diff of results with evidence");
    let partner = &doc["partners"][0];
    assert_eq!(partner["state"], "unchanged");
    let metric = &partner["change"]["designations"][1]["metrics"][0];
    assert_eq!(metric["appeared"], serde_json::json!(["customer c-2: not counted (below-threshold)"]));
    assert_eq!(metric["disappeared"], serde_json::json!(["customer c-2: counted (crossed-threshold)"]));
}

/// Issue 12: results and manifests written before `schema_version` (and the designations' `min_total` and
/// `min_each_metric`) existed still read back: `diff` compares them with new ones, and nothing changed.
#[test]
fn a_snapshot_written_before_schema_version_still_diffs() {
    let (dir, input) = portfolio("old");
    let (old, new) = (dir.join("old"), dir.join("new"));
    assert!(snapshot(&old, &input).status.success());
    assert!(snapshot(&new, &input).status.success());
    let strip = |y: String| -> String {
        let keep = |l: &&str| {
            let key = l.trim_start();
            !(key.starts_with("schema_version:")
                || key.starts_with("min_total:")
                || key.starts_with("min_each_metric:"))
        };
        y.lines().filter(keep).map(|l| format!("{l}\n")).collect()
    };
    for file in ["contoso-smb.yaml", "northwind-security.yaml"] {
        rewrite_result(&old, file, strip);
        assert!(!std::fs::read_to_string(old.join(file)).unwrap().contains("schema_version"));
    }
    let manifest = std::fs::read_to_string(old.join("manifest.json")).unwrap();
    let manifest: String =
        manifest.lines().filter(|l| !l.contains("\"schema_version\"")).map(|l| format!("{l}\n")).collect();
    std::fs::write(old.join("manifest.json"), manifest).unwrap();
    let run = designate(&["diff", "--format", "json", old.to_str().unwrap(), new.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(doc["summary"]["changed"], 0, "{doc}");
    for p in doc["partners"].as_array().unwrap() {
        assert_eq!(p["state"], "unchanged", "{p}");
    }
}
