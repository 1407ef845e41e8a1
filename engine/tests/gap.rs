//! `gap`: suggestions come from the rules' units and, applied to the partner file, attain the designation.

mod common;

use common::workspace;
use std::path::PathBuf;

use designate_engine::gap::{apply_all, gaps};
use designate_engine::{score, Format, Partner, RuleSet};

#[test]
fn applying_the_suggestions_to_the_partner_file_attains_the_designation() {
    let rules = RuleSet::load(&workspace().join("rules/2024-06")).unwrap();
    let mut checked = 0;
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(workspace().join("snapshots/partners")).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    for file in files.iter().step_by(3) {
        let partner = Partner::load(file).unwrap();
        for gap in gaps(&rules, &partner, None).unwrap() {
            if gap.attained || !gap.attained_after {
                continue;
            }
            // Through the file format, as a user would: write the partner with the additions, read it back.
            let applied = apply_all(&partner, &gap.additions);
            let text = applied.to_json().to_string();
            let reread =
                Partner::parse(&text, Format::Json, "applied").unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            let report = score(&rules, &reread).unwrap();
            let d = report.designations.iter().find(|d| d.id == gap.designation).unwrap();
            assert!(
                d.qualified,
                "{} {}: suggestions do not attain it: {}",
                file.display(),
                gap.designation,
                d.qualification
            );
            assert_eq!(d.points, gap.points_after, "{} {}", file.display(), gap.designation);
            assert_eq!(gap.suggestions.len(), gap.additions.len());
            checked += 1;
        }
    }
    assert!(checked > 10, "only {checked} gaps were checked");
}

#[test]
fn suggestions_are_minimal_each_one_is_needed() {
    let rules = RuleSet::load(&workspace().join("rules/2024-06")).unwrap();
    let partner = Partner::load(&workspace().join("snapshots/partners/contoso-smb.yaml")).unwrap();
    for gap in gaps(&rules, &partner, None).unwrap() {
        if !gap.attained_after || gap.attained {
            continue;
        }
        for skip in 0..gap.additions.len() {
            let mut fewer = gap.additions.clone();
            fewer.remove(skip);
            let report = score(&rules, &apply_all(&partner, &fewer)).unwrap();
            let d = report.designations.iter().find(|d| d.id == gap.designation).unwrap();
            assert!(!d.qualified, "{}: addition {skip} ({}) is not needed", gap.designation, gap.suggestions[skip].add);
        }
    }
}

#[test]
fn the_data_ai_gap_of_the_example_smb_partner() {
    // Contoso has 54 points on the SMB path: two more customers at the USD 500 SMB threshold (10 points each)
    // reach 74 — the fewest additions; a person would add at most 4.
    let rules = RuleSet::load(&workspace().join("rules/2024-06")).unwrap();
    let partner = Partner::load(&workspace().join("snapshots/partners/contoso-smb.yaml")).unwrap();
    let gap = gaps(&rules, &partner, Some("data-ai")).unwrap().remove(0);
    assert_eq!(gap.points.to_string(), "54");
    let words: Vec<&str> = gap.suggestions.iter().map(|s| s.add.as_str()).collect();
    assert_eq!(words, ["1 more customer with USD 500 on Azure App Service in 2024-06"; 2]);
    assert_eq!(gap.suggestions.iter().map(|s| s.points_added.to_string()).collect::<Vec<_>>(), ["10", "10"]);
    assert!(gap.attained_after);
    assert_eq!(gap.points_after.to_string(), "74");
}

#[test]
fn a_gap_history_cannot_close_says_why() {
    // Business Applications usage growth needs baseline consumption a year ago, which no addition now can add.
    let rules = RuleSet::load(&workspace().join("rules/2024-06")).unwrap();
    let partner = Partner::load(&workspace().join("snapshots/partners/contoso-smb.yaml")).unwrap();
    let gap = gaps(&rules, &partner, Some("business-applications")).unwrap().remove(0);
    assert!(!gap.attained_after);
    let note = gap.note.unwrap();
    assert!(note.starts_with("no addition the rules count earns a point in usage-growth"), "{note}");
    assert!(note.contains("the baseline is below the 25,000 bizapps-mcv needed to score"), "{note}");
}
