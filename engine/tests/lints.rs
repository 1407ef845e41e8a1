//! `designate check`'s diagnostics, one broken rule fixture per lint: each case edits a copy of the shipped
//! `rules/2024-06` and states the exact located messages it must produce (`tests/lints/cases.toml`).

mod common;

use common::{copy_dir, workspace};
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
}

/// Replaces the first occurrence of `find` in `file` (relative to the rule set) with `replace`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Edit {
    file: String,
    find: String,
    replace: String,
}

/// A copy of the shipped rules root with the case's edits applied; returns the root.
fn broken_copy(case: &Case, index: usize) -> PathBuf {
    let root = std::env::temp_dir().join(format!("designate-lint-{}-{index}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
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
        std::fs::write(&path, edited).unwrap();
    }
    root
}

/// Every diagnostic for the root: each version's, then the version-range checks.
fn diagnostics(root: &Path) -> Vec<String> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root).unwrap().map(|e| e.unwrap().path()).collect();
    dirs.sort();
    let mut out = Vec::new();
    let mut sets = Vec::new();
    for dir in dirs {
        match RuleSet::load(&dir) {
            Ok(set) => sets.push(set),
            Err(errors) => out.extend(errors.iter().map(ToString::to_string)),
        }
    }
    out.extend(check_versions(&sets).iter().map(ToString::to_string));
    let prefix = format!("{}/", root.display());
    out.into_iter().map(|e| e.replace(&prefix, "")).collect()
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
        let _ = std::fs::remove_dir_all(&root);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_shipped_rules_have_no_diagnostics() {
    assert_eq!(diagnostics(&workspace().join("rules")), Vec::<String>::new());
}
