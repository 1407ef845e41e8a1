//! `designate check`'s diagnostics, one broken rule fixture per lint: each case edits a copy of the shipped
//! `rules/2024-06` and states the exact located messages it must produce (`tests/lints/cases.toml`).

mod common;

use common::{copy_dir, workspace, Scratch};
use std::path::{Path, PathBuf};

use designate_engine::rules::check_versions;
use designate_engine::RuleSet;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Cases {
    case: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    /// The version folder the edits apply to (default 2024-06).
    #[serde(default)]
    version: Option<String>,
    edits: Vec<Edit>,
    /// Every diagnostic, in order, with file paths relative to the rules root.
    expect: Vec<String>,
    /// The stable code of every diagnostic of the case (issue 14: a code is part of the contract) ...
    #[serde(default)]
    code: Option<String>,
    /// ... or of each, in order, when they differ. Every case states one of the two.
    #[serde(default)]
    codes: Option<Vec<String>>,
}

impl Case {
    /// The codes the case expects, one per expected diagnostic.
    fn expected_codes(&self) -> Vec<String> {
        match (&self.code, &self.codes) {
            (Some(code), None) => vec![code.clone(); self.expect.len()],
            (None, Some(codes)) => codes.clone(),
            _ => panic!("[cases.toml:{}] states its diagnostics' `code` (all alike) or `codes` (one each)", self.name),
        }
    }
}

/// Replaces the first occurrence of `find` in `file` (relative to the rule set) with `replace`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Edit {
    file: String,
    find: String,
    replace: String,
}

/// A copy of the shipped rules root with the case's edits applied; returns the root (removed when dropped).
fn broken_copy(case: &Case, index: usize) -> Scratch {
    let root = common::scratch(&format!("lint-{index}"));
    copy_dir(&workspace().join("rules"), &root);
    let version = case.version.as_deref().unwrap_or("2024-06");
    for edit in &case.edits {
        let path = root.join(version).join(&edit.file);
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            edit.find.is_empty() || text.contains(&edit.find),
            "[cases.toml:{}] {} does not contain {:?}",
            case.name,
            edit.file,
            edit.find
        );
        let edited =
            if edit.find.is_empty() { edit.replace.clone() } else { text.replacen(&edit.find, &edit.replace, 1) };
        // An edit may add a file, in a folder of its own.
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, edited).unwrap();
    }
    root
}

/// Every diagnostic for the root: each version's, then the version-range checks.
fn diagnostics(root: &Path) -> Vec<String> {
    let prefix = format!("{}/", root.display());
    coded_diagnostics(root).iter().map(|e| e.to_string().replace(&prefix, "")).collect()
}

/// Every diagnostic for the root, as the engine gives them (with code and severity).
fn coded_diagnostics(root: &Path) -> Vec<designate_engine::Error> {
    // The root's folders: a file beside the versions (the shipped `partner-center.toml` mapping, issue 16) is not a
    // rule set, as `designate check rules/` and the engine's root reader skip it.
    let mut dirs: Vec<PathBuf> =
        std::fs::read_dir(root).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    let mut out = Vec::new();
    let mut sets = Vec::new();
    let all = dirs.len();
    for dir in dirs {
        match RuleSet::load(&dir) {
            Ok(set) => sets.push(set),
            Err(errors) => out.extend(errors),
        }
    }
    out.extend(check_versions(&sets, sets.len() == all));
    out
}

#[test]
fn each_lint_reports_its_located_message() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lints/cases.toml");
    let cases: Cases = toml::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let mut failures = Vec::new();
    for (i, case) in cases.case.iter().enumerate() {
        let root = broken_copy(case, i);
        let got = diagnostics(&root);
        if got != case.expect {
            failures.push(format!("[cases.toml:{}]\n  expected: {:#?}\n  got: {:#?}", case.name, case.expect, got));
        }
        let codes: Vec<String> = coded_diagnostics(&root).iter().map(|e| e.code.id.to_owned()).collect();
        if codes != case.expected_codes() {
            failures.push(format!(
                "[cases.toml:{}]\n  expected codes: {:?}\n  got codes: {:?}",
                case.name,
                case.expected_codes(),
                codes
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_shipped_rules_have_no_diagnostics() {
    assert_eq!(diagnostics(&workspace().join("rules")), Vec::<String>::new());
}

/// The shipped 2024-06 copied to a scratch folder, for tests that add file system entries no edit can make: the
/// scratch folder (keep it while the test runs) and the rule set in it.
fn scratch_rule_set(name: &str) -> (Scratch, PathBuf) {
    let tmp = common::scratch(name);
    let dir = tmp.join("2024-06");
    copy_dir(&workspace().join("rules/2024-06"), &dir);
    (tmp, dir)
}

/// Loads a rule set on a thread of its own: a load that hangs (a FIFO opened for reading waits for a writer)
/// fails the test after a while instead of blocking the run.
fn load_within_time_limit(dir: &Path) -> Result<designate_engine::RuleSet, Vec<String>> {
    let (send, receive) = std::sync::mpsc::channel();
    let owned = dir.to_owned();
    std::thread::spawn(move || {
        let _ = send.send(RuleSet::load(&owned).map_err(|errors| errors.iter().map(ToString::to_string).collect()));
    });
    receive
        .recv_timeout(std::time::Duration::from_secs(30))
        .unwrap_or_else(|_| panic!("loading {} did not finish within 30 s", dir.display()))
}

/// The problems of a rule set that must not load, with the folder's path taken out.
fn problems(dir: &Path) -> Vec<String> {
    let Err(errors) = load_within_time_limit(dir) else { panic!("the rule set {} must not load", dir.display()) };
    let prefix = format!("{}/", dir.display());
    errors.into_iter().map(|e| e.replace(&prefix, "")).collect()
}

// Issue 11: a FIFO in a rules folder hung `check` and `score`; it is refused, located, and never opened.
#[test]
fn a_fifo_in_a_rule_folder_is_refused_without_being_opened() {
    let (_tmp, dir) = scratch_rule_set("fifo");
    common::mkfifo(&dir.join("designations/pipe.toml"));
    assert_eq!(problems(&dir), ["designations/pipe.toml: not a regular file (a FIFO)"]);
}

// Issue 11: a symbolic link to a FIFO or a device is refused the same way, never opened.
#[test]
fn a_symlink_to_a_fifo_or_a_device_is_refused() {
    let (_tmp, dir) = scratch_rule_set("link-to-fifo");
    common::mkfifo(&dir.join("scripts/pipe"));
    std::os::unix::fs::symlink("../scripts/pipe", dir.join("designations/pipe.toml")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.join("designations/zero.toml")).unwrap();
    assert_eq!(
        problems(&dir),
        [
            "designations/pipe.toml: not a regular file (a symbolic link to a FIFO)",
            "designations/zero.toml: a symbolic link leading outside the rule folder (to /dev/zero)\n  hint: rule files must live inside the rule folder: copy the file in instead of linking to it",
            "scripts/pipe: not a regular file (a FIFO)",
        ]
    );
}

// Issue 11: a script reached through a symbolic link out of the folder was read, and was outside the digest.
#[test]
fn a_script_linked_from_outside_the_rule_folder_is_refused() {
    let (_tmp, dir) = scratch_rule_set("link-out");
    let outside = dir.parent().unwrap().join("outside.rhai");
    std::fs::write(&outside, "units").unwrap();
    std::fs::remove_file(dir.join("scripts/share-of-max.rhai")).unwrap();
    std::os::unix::fs::symlink(&outside, dir.join("scripts/share-of-max.rhai")).unwrap();
    let real = outside.canonicalize().unwrap();
    assert_eq!(
        problems(&dir),
        [format!(
            "scripts/share-of-max.rhai: a symbolic link leading outside the rule folder (to {})\n  hint: rule files must live inside the rule folder: copy the file in instead of linking to it",
            real.display()
        )]
    );
}

// Issue 11: a link to a regular file inside the folder is followed, and the bytes read are in the digest.
#[test]
fn a_symlink_inside_the_rule_folder_is_followed_and_digested() {
    let (_tmp, dir) = scratch_rule_set("link-in");
    let before = load_within_time_limit(&dir).expect("the copy loads").digest;
    std::fs::rename(dir.join("scripts/share-of-max.rhai"), dir.join("scripts/real.rhai")).unwrap();
    std::os::unix::fs::symlink("real.rhai", dir.join("scripts/share-of-max.rhai")).unwrap();
    let linked = load_within_time_limit(&dir).expect("a link inside the folder loads").digest;
    assert_ne!(before, linked, "the added file changes the digest");
    let text = std::fs::read_to_string(dir.join("scripts/real.rhai")).unwrap();
    std::fs::write(dir.join("scripts/real.rhai"), format!("{text}\n// edited\n")).unwrap();
    let edited = load_within_time_limit(&dir).expect("the edited script loads").digest;
    assert_ne!(linked, edited, "an edit to a linked script changes the digest");
}

// Issue 11: a huge rule file is refused at a documented limit instead of being read into memory.
#[test]
fn a_rule_file_over_the_size_limit_is_refused() {
    let (_tmp, dir) = scratch_rule_set("huge");
    let file = std::fs::File::create(dir.join("README.md")).unwrap();
    // A sparse file: 11 MB long without writing 11 MB.
    file.set_len(designate_engine::rules::MAX_RULE_FILE_BYTES + 1).unwrap();
    assert_eq!(problems(&dir), ["README.md: file is larger than the 10 MB a rule file may have"]);
}

// Issue 11: `diff-rules` reads rule folders too: a FIFO there is refused, not waited on.
#[test]
fn diff_rules_refuses_a_fifo_without_opening_it() {
    let (_tmp, dir) = scratch_rule_set("diff-fifo");
    common::mkfifo(&dir.join("scripts/pipe.rhai"));
    let (send, receive) = std::sync::mpsc::channel();
    let (a, b) = (workspace().join("rules/2024-06"), dir.clone());
    std::thread::spawn(move || {
        let _ = send.send(designate_engine::rules::diff::diff_rule_dirs(&a, &b).map(|_| ()).map_err(|e| e.to_string()));
    });
    let result = receive.recv_timeout(std::time::Duration::from_secs(30)).expect("diff-rules finishes within 30 s");
    assert_eq!(result, Err(format!("{}: not a regular file (a FIFO)", dir.join("scripts/pipe.rhai").display())));
}

/// Every file of a folder (hidden ones skipped, as a folder is read), read by hand: relative path → bytes.
fn files_in_memory(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, rel: &str, out: &mut std::collections::BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(root.join(rel)).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            let rel = if rel.is_empty() { name } else { format!("{rel}/{name}") };
            if entry.file_type().unwrap().is_dir() {
                walk(root, &rel, out);
            } else {
                out.insert(rel, std::fs::read(entry.path()).unwrap());
            }
        }
    }
    let mut out = std::collections::BTreeMap::new();
    walk(dir, "", &mut out);
    out
}

// Issue 12: rules load from memory as from their folder: one digest (the same names and bytes), the same scores
// for every example partner, under every shipped version.
#[test]
fn a_rule_set_in_memory_has_its_folders_digest_and_scores() {
    use designate_engine::rules::RuleSource;
    for version in ["2023-07", "2024-06"] {
        let dir = workspace().join("rules").join(version);
        let from_dir = RuleSet::load(&dir).expect("the shipped rules load");
        let source = RuleSource::Files { root: dir.clone(), files: files_in_memory(&dir) };
        let from_memory = RuleSet::from_source(&source).expect("the same files load from memory");
        assert_eq!(from_dir.digest, from_memory.digest, "{version}");
        assert_eq!(from_dir.version, from_memory.version);
        let mut scored = 0;
        for entry in std::fs::read_dir(workspace().join("snapshots/partners")).unwrap() {
            let path = entry.unwrap().path();
            let Ok(partner) = designate_engine::Partner::load(&path) else { continue };
            let a = designate_engine::score(&from_dir, &partner).map(|r| r.to_json_pretty());
            let b = designate_engine::score(&from_memory, &partner).map(|r| r.to_json_pretty());
            assert_eq!(a, b, "{version}: {}", path.display());
            scored += 1;
        }
        assert!(scored > 5, "the example partners were scored ({scored})");
    }
}

// Issue 12: an error in a file held in memory names it as `root/<path>:line:col`, as for a folder; a path that
// is not a plain relative path is refused by name, and a consistency lint comes back as a lint beside the rules.
#[test]
fn a_rule_file_in_memory_is_named_in_its_errors_and_lints_come_back_as_lints() {
    use designate_engine::rules::RuleSource;
    let dir = workspace().join("rules/2024-06");
    let mut files = files_in_memory(&dir);
    let text = String::from_utf8(files["designations/data-ai.toml"].clone()).unwrap();
    files.insert(
        "designations/data-ai.toml".into(),
        text.replacen("threshold = 1000", "threshold = \"lots\"", 1).into(),
    );
    files.insert("../outside.toml".into(), b"x = 1".to_vec());
    let source = RuleSource::Files { root: "rules/2024-06".into(), files };
    let errors: Vec<String> = RuleSet::from_source(&source).unwrap_err().iter().map(ToString::to_string).collect();
    assert_eq!(
        errors,
        [
            "rules/2024-06/../outside.toml: not a relative path inside the rule set (use `/` between parts)",
            "rules/2024-06/designations/data-ai.toml:24:13: invalid value: string \"lots\", expected a decimal number",
        ]
    );

    // Maxima that no longer add up: an error for `load`, a lint beside the rule set for a what-if.
    let mut files = files_in_memory(&dir);
    let text = String::from_utf8(files["designations/data-ai.toml"].clone()).unwrap();
    files.insert(
        "designations/data-ai.toml".into(),
        text.replacen("max_points = 20\nkind = \"usage-growth\"", "max_points = 19\nkind = \"usage-growth\"", 1).into(),
    );
    let source = RuleSource::Files { root: "draft".into(), files };
    let (rules, lints) = RuleSet::from_source_with_lints(&source).expect("only lints");
    let shown: Vec<String> = lints.iter().map(ToString::to_string).collect();
    assert!(shown.iter().any(|l| l.contains("add up to 99 points")), "{shown:#?}");
    assert!(shown.iter().any(|l| l.contains("differs from its folder name \"draft\"")), "{shown:#?}");
    assert_eq!(rules.version, "2024-06");
    assert_eq!(RuleSet::from_source(&source).unwrap_err(), lints, "strict loading refuses the same lints");
}

// Issue 14: every rule-file diagnostic carries a stable code, and only consistency lints (DS3xx) are warnings.
#[test]
fn every_rule_file_diagnostic_has_a_code_and_lints_are_warnings() {
    use designate_engine::error::Severity;
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lints/cases.toml");
    let cases: Cases = toml::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let mut failures = Vec::new();
    let mut seen = 0;
    for (i, case) in cases.case.iter().enumerate() {
        let root = broken_copy(case, i + 10_000);
        for e in coded_diagnostics(&root) {
            seen += 1;
            if e.code == designate_engine::codes::UNCLASSIFIED {
                failures.push(format!("[cases.toml:{}] DS999: {e}", case.name));
            }
            let lint = e.code.id.starts_with("DS3");
            if lint != (e.severity == Severity::Warning) {
                failures.push(format!("[cases.toml:{}] {} is {:?}: {e}", case.name, e.code, e.severity));
            }
        }
    }
    assert!(seen > 50, "the cases gave diagnostics ({seen})");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
