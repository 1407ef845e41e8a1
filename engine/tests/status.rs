//! Program status from rule data: held designations with the anniversary rule, badges, specializations, and
//! certified software designations from a solution's facts.

mod common;

use common::workspace;

use designate_engine::{score, Format, Partner, RuleSet};

fn rules() -> RuleSet {
    RuleSet::load(&workspace().join("rules/2024-06")).unwrap()
}

#[test]
fn a_designation_is_kept_until_the_anniversary_and_then_lapses() {
    let partner = Partner::load(&workspace().join("snapshots/partners/program-status-isv.yaml")).unwrap();
    let report = score(&rules(), &partner).unwrap();
    let program = report.program.unwrap();
    assert_eq!(program.anniversary.as_deref(), Some("2023-10-15"));
    let held = |id: &str| program.held.iter().find(|h| h.id == id).unwrap().clone();
    let infra = held("infrastructure");
    assert!(infra.held, "{}", infra.reason);
    assert_eq!(
        infra.reason,
        "attained 2023-10-15; kept until the anniversary 2024-10-15 although the score is below the bar"
    );
    let security = held("security");
    assert!(!security.held);
    assert!(security.reason.contains("not renewed at the anniversary 2022-10-15"), "{}", security.reason);
    // After the anniversary the kept designation lapses too.
    let text = std::fs::read_to_string(workspace().join("snapshots/partners/program-status-isv.yaml"))
        .unwrap()
        .replace("as_of: 2024-06", "as_of: 2024-10");
    let later = Partner::parse(&text, Format::Yaml, "later.yaml").unwrap();
    let program = score(&rules(), &later).unwrap().program.unwrap();
    assert!(!program.held.iter().find(|h| h.id == "infrastructure").unwrap().held);
}

#[test]
fn badges_and_specializations_follow_the_held_designations() {
    let partner = Partner::load(&workspace().join("snapshots/partners/program-status-isv.yaml")).unwrap();
    let program = score(&rules(), &partner).unwrap().program.unwrap();
    let msp = program.badges.iter().find(|b| b.id == "azure-expert-msp-prerequisite").unwrap();
    assert!(!msp.held);
    assert_eq!(msp.missing, ["data-ai", "digital-app-innovation"]);
    let sap = program.specializations.iter().find(|s| s.name == "SAP on Microsoft Azure").unwrap();
    assert!(sap.open);
    assert_eq!(sap.through, ["infrastructure"]);
    assert!(!program.specializations.iter().find(|s| s.name == "Threat Protection").unwrap().open);

    // All six held (attained last month, kept until the anniversary): the Microsoft Cloud badge.
    let all = r#"{"partner": {"id": "all"}, "as_of": "2024-06", "history": {"designations": [
        {"id": "business-applications", "attained": "2024-05-01"}, {"id": "data-ai", "attained": "2024-05-01"},
        {"id": "digital-app-innovation", "attained": "2024-05-02"}, {"id": "infrastructure", "attained": "2024-05-03"},
        {"id": "modern-work", "attained": "2024-05-04"}, {"id": "security", "attained": "2024-05-05"}]}}"#;
    let partner = Partner::parse(all, Format::Json, "all.json").unwrap();
    let program = score(&rules(), &partner).unwrap().program.unwrap();
    assert_eq!(program.anniversary.as_deref(), Some("2024-05-01"), "later designations share the first anniversary");
    assert!(program.badges.iter().all(|b| b.held && b.missing.is_empty()));
    assert!(program.specializations.iter().all(|s| s.open));
}

#[test]
fn certified_software_designations_come_from_solution_facts() {
    let partner = Partner::load(&workspace().join("snapshots/partners/program-status-isv.yaml")).unwrap();
    let report = score(&rules(), &partner).unwrap();
    let find = |solution: &str, id: &str| {
        report
            .software
            .iter()
            .find(|s| s.solution == solution)
            .unwrap()
            .designations
            .iter()
            .find(|d| d.id == id)
            .unwrap()
            .clone()
    };
    // Tailspin Guard: co-sell and reviews for Azure and Sentinel; 41 transactions with 9 customers; 2 artefacts.
    assert!(find("tailspin-guard", "software-azure").attained);
    assert!(find("tailspin-guard", "software-security").attained);
    let bizapps = find("tailspin-guard", "software-business-applications");
    assert!(!bizapps.attained);
    let perf = bizapps.requirements.iter().find(|r| r.category == "partner-performance").unwrap();
    assert_eq!(perf.explanation, "marketplace_billed_sales_usd 1250000.5 ≥ 1000000 ✓");
    // The retail copilot passed its industry AI review but has one industry artefact of the two needed.
    let retail = find("tailspin-retail-copilot", "software-retail-ai");
    assert!(!retail.attained);
    let unmet: Vec<&str> = retail.requirements.iter().filter(|r| !r.met).map(|r| r.category.as_str()).collect();
    assert_eq!(unmet, ["customer-evidence"]);
}

/// Issue 11: a history designation id the rules do not know (`data_ai` for `data-ai`) silently dropped a
/// designation the partner holds; it is now an error at the field, with the id the rules know.
#[test]
fn a_history_designation_the_rules_do_not_know_is_an_error_with_a_suggestion() {
    let text = "partner:\n  id: p\nas_of: 2024-06\nhistory:\n  designations:\n    - { id: infrastructure, attained: 2023-10-15 }\n    - { id: data_ai, attained: 2024-01-10 }\n";
    let partner = Partner::parse(text, Format::Yaml, "typo.yaml").unwrap();
    let error = score(&rules(), &partner).unwrap_err().to_string();
    assert_eq!(
        error,
        "typo.yaml: history.designations[1].id: unknown designation \"data_ai\"\n  hint: did you mean \"data-ai\"?"
    );
    // Nothing close: the hint lists the designations the rules know.
    let far = Partner::parse(&text.replace("data_ai", "quantum"), Format::Yaml, "far.yaml").unwrap();
    let error = score(&rules(), &far).unwrap_err().to_string();
    assert!(error.contains("hint: designations of rule version 2024-06: "), "{error}");
    assert!(error.contains("data-ai"), "{error}");
}

// Issue 13: a `requires_any` badge (the 2026 consolidated badges) is held with any one of its designations, and
// until then lists every one of them as missing.
#[test]
fn a_requires_any_badge_is_held_with_one_of_its_designations() {
    let dir = common::scratch("requires-any");
    let rules_dir = dir.join("2024-06");
    common::copy_dir(&workspace().join("rules/2024-06"), &rules_dir);
    let program = std::fs::read_to_string(rules_dir.join("program.toml")).unwrap().replace(
        "requires_all = [\"data-ai\", \"digital-app-innovation\", \"infrastructure\"]",
        "requires_any = [\"data-ai\", \"digital-app-innovation\", \"infrastructure\"]",
    );
    std::fs::write(rules_dir.join("program.toml"), program).unwrap();
    let rules = RuleSet::load(&rules_dir).unwrap();
    let badge = |partner: &Partner| {
        let program = score(&rules, partner).unwrap().program.unwrap();
        program.badges.into_iter().find(|b| b.id == "azure-expert-msp-prerequisite").unwrap()
    };

    // Holds infrastructure only (kept until the anniversary): one of the three is enough.
    let partner = Partner::load(&workspace().join("snapshots/partners/program-status-isv.yaml")).unwrap();
    let held = badge(&partner);
    assert!(held.held);
    assert!(held.missing.is_empty(), "{:?}", held.missing);

    // Holds none of them: any one of the three is needed, so all three are listed.
    let none = r#"{"partner": {"id": "none"}, "as_of": "2024-06", "history": {"designations": [
        {"id": "security", "attained": "2024-05-01"}]}}"#;
    let partner = Partner::parse(none, Format::Json, "none.json").unwrap();
    let not_held = badge(&partner);
    assert!(!not_held.held);
    assert_eq!(not_held.missing, ["data-ai", "digital-app-innovation", "infrastructure"]);
}
