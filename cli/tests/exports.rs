//! Partner Center Insights exports (issue 16): `designate import` and `designate score FOLDER` on synthetic
//! export files in each documented shape (cli/tests/exports/), each scored to the same result as the partner file
//! written by hand beside it, the import's output read back to the same result, and every warning and error at
//! its file, line and column.

mod common;

use common::{designate, scratch, text};
use std::process::Output;

const RULES: &str = "rules/2024-06";

/// The JSON report of a successful `score`.
fn report(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("a JSON report")
}

fn score(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["score", "--format", "json", "--rules", RULES];
    all.extend_from_slice(args);
    report(&designate(&all))
}

// issue 16: each export shape scores exactly as the partner file written by hand from its rows: the download's
// AzureUsage (TSV, UTF-8 with a byte-order mark; TrainingCompletions in UTF-16 LE), the API's older query shape
// (CSV, ServiceName and TotalACR, drifted header spellings; TrainingCompletions in UTF-16 BE), a global account
// gathering its locations with the PGA duplicate counted once, Office and CPOR-M365 usage stating one row twice,
// and Business Applications revenue and usage with headers in other cases.
#[test]
fn each_export_shape_scores_as_the_partner_file_written_by_hand() {
    let cases: &[(&str, &[&str], &str)] = &[
        ("azure-new", &["--partner-id", "1111111"], "azure-1111111.yaml"),
        ("azure-old", &["--partner-id", "1111111"], "azure-old-1111111.yaml"),
        ("azure-new", &["--partner-id", "9999999"], "azure-9999999.yaml"),
        ("modern-work", &[], "modern-work.yaml"),
        ("bizapps", &[], "bizapps.yaml"),
    ];
    for (folder, options, expected) in cases {
        let folder = format!("cli/tests/exports/{folder}");
        let mut args = vec![folder.as_str()];
        args.extend_from_slice(options);
        let from_exports = score(&args);
        let by_hand = score(&[&format!("cli/tests/exports/expected/{expected}")]);
        assert_eq!(from_exports, by_hand, "{folder} {options:?} against {expected}");
    }
}

// issue 16: `import` writes the partner file in the contract's shape, YAML or JSON, and `score` reads it back to
// the result of scoring the exports themselves.
#[test]
fn import_output_reads_back_to_the_same_score() {
    let dir = scratch("exports-import");
    for name in ["partner.yaml", "partner.json"] {
        let file = dir.join(name);
        let out = designate(&[
            "import",
            "cli/tests/exports/azure-new",
            "--partner-id",
            "1111111",
            "-o",
            file.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let written = std::fs::read_to_string(&file).unwrap();
        assert!(written.contains("1111111") && written.contains("acr_usd"), "{written}");
        assert_eq!(
            score(&[file.to_str().unwrap()]),
            score(&["cli/tests/exports/azure-new", "--partner-id", "1111111"]),
            "{name}"
        );
    }
}

// issue 16: without --partner-id every partner id is a partner of its own, never mixed: the location 2222222 keeps
// its own rows (its duplicate flag only matters to the global account), written as NDJSON, and scored as a
// portfolio in id order.
#[test]
fn several_partner_ids_import_and_score_as_a_portfolio() {
    let out = designate(&["import", "cli/tests/exports/azure-new"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines: Vec<serde_json::Value> =
        text(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("an NDJSON line")).collect();
    let ids: Vec<&str> = lines.iter().map(|l| l["partner"]["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["1111111", "2222222"]);
    let lisbon: Vec<(&str, &str)> = lines[1]["usage"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["customer"].as_str().unwrap(), u["product"].as_str().unwrap()))
        .collect();
    assert_eq!(lisbon, [("t-cedar", "Storage"), ("t-dune", "Azure App Service")]);

    let out = designate(&["score", "--rules", RULES, "cli/tests/exports/azure-new"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let partners: Vec<String> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["partner"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(partners, ["1111111", "2222222"]);
    // A YAML file holds one partner: several are refused with the way out.
    let out = designate(&["import", "cli/tests/exports/azure-new", "--format", "yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("hint: pass --partner-id ID"), "{}", text(&out.stderr));
}

// issue 16: what the mapping or the catalogue does not know is a warning at its file, line and column, with the
// number of rows and what to do; rows of an unknown association are not counted, nothing goes without a word.
#[test]
fn unknown_values_are_warned_about_at_file_line_and_column() {
    let out = designate(&["import", "--rules", RULES, "cli/tests/exports/warnings"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    let dir = "cli/tests/exports/warnings";
    for expected in [
        format!("warning: {dir}/AzureUsage.tsv:3:111: unknown association type \"Deal Registration\" (2 rows)\n  hint: add it to [values.association] of the mapping (docs/partner-center.md)"),
        format!("warning: {dir}/AzureUsage.tsv:5:80: unknown customer segment \"Galactic Empire\" (1 row)"),
        format!("warning: {dir}/TrainingCompletions.tsv:2:12: unknown certification title \"Microsoft Certified: Azure Administrator Asociate\"; it is kept and counts for nothing\n  hint: did you mean \"Azure Administrator Associate\"?"),
        format!("warning: {dir}/budget.csv: not a Partner Center export the mapping knows; the file is not read"),
    ] {
        assert!(stderr.contains(&expected), "missing:\n{expected}\nin:\n{stderr}");
    }
    let partner: serde_json::Value = serde_saphyr::from_str(&text(&out.stdout)).unwrap();
    let values: Vec<&str> =
        partner["usage"].as_array().unwrap().iter().map(|u| u["value"].as_str().unwrap_or("")).collect();
    assert_eq!(partner["usage"].as_array().unwrap().len(), 2, "{values:?}");
}

// issue 16: a malformed month fails its partner at the cell's line and column (exit 1); the other partner of the
// folder is still imported. A row without any partner id makes the folder unreadable (exit 2): it could be anyone's.
#[test]
fn malformed_values_fail_their_partner_and_unattributable_rows_the_folder() {
    let out = designate(&["import", "cli/tests/exports/bad-month"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    let first_error = stderr.lines().find(|l| l.starts_with("error:"));
    assert_eq!(
        first_error,
        Some("error: cli/tests/exports/bad-month/AzureUsage.tsv:3:13: expected a month (2024-06, 2024-06-01, 202406, 6/1/2024 or Jun 2024), found \"2024-13-01\""),
        "{stderr}"
    );
    let ids: Vec<String> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["partner"]["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, ["7777777"]);

    let out = designate(&["score", "cli/tests/exports/no-partner"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).starts_with("error: cli/tests/exports/no-partner/AzureUsage.tsv:2: row has no partner id"),
        "{}",
        text(&out.stderr)
    );
}

// issue 16: --partner-id that no row names is refused with the ids the files hold.
#[test]
fn a_partner_id_no_row_names_is_refused_with_the_ids_found() {
    let out = designate(&["score", "cli/tests/exports/azure-new", "--partner-id", "1111112"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("no row names partner \"1111112\""), "{stderr}");
    assert!(stderr.contains("hint: partner ids in these files: 1111111, 2222222, 9999999"), "{stderr}");
    // The options belong to exports folders only.
    let out = designate(&["score", "snapshots/partners/contoso-smb.yaml", "--partner-id", "x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("not a folder of Partner Center exports"), "{}", text(&out.stderr));
}

// issue 16: what no export carries is reported as missing data, not as zero, and a partner file given with
// --with adds it; a partner file that states an exported fact differently fails the partner, naming both places.
#[test]
fn with_merges_a_partner_file_and_a_conflict_names_both_places() {
    let gaps = |report: &serde_json::Value| -> Vec<String> {
        report["data_gaps"]
            .as_array()
            .map(|g| g.iter().map(|g| g["measure"].as_str().unwrap().to_owned()).collect())
            .unwrap_or_default()
    };
    let alone = score(&["cli/tests/exports/azure-new", "--partner-id", "1111111"]);
    assert!(gaps(&alone).contains(&"protected_users".to_owned()), "{:?}", alone["data_gaps"]);
    let with = score(&[
        "cli/tests/exports/azure-new",
        "--partner-id",
        "1111111",
        "--with",
        "cli/tests/exports/extra/protected-users.yaml",
    ]);
    assert!(!gaps(&with).contains(&"protected_users".to_owned()), "{:?}", with["data_gaps"]);

    let out = designate(&[
        "score",
        "--rules",
        RULES,
        "cli/tests/exports/azure-new",
        "--partner-id",
        "1111111",
        "--with",
        "cli/tests/exports/extra/conflicting.yaml",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    let error = stderr.lines().find(|l| l.starts_with("error:")).unwrap_or_default();
    assert!(
        error.starts_with("error: cli/tests/exports/extra/conflicting.yaml: usage[0].value:")
            && error.contains("is 1750 here but 1700 in AzureUsage.tsv"),
        "{stderr}"
    );
}
