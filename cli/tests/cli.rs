//! The `designate` binary as users and acceptance tests call it: the JSON contract, NDJSON streams,
//! located errors with non-zero exits, and byte-identical output.

mod common;

use common::{copy_dir, designate, scratch, text, workspace};
use std::io::Write;
use std::process::{Command, Output, Stdio};

fn designate_stdin(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_designate"))
        .args(args)
        .current_dir(workspace())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn json_output_follows_the_contract() {
    let out = designate(&["score", "--format", "json", "snapshots/partners/security-northwind.yaml"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("valid JSON");
    assert_eq!(v["partner"], "northwind-security");
    assert_eq!(v["as_of"], "2024-06");
    assert_eq!(v["rules"]["version"], "2024-06", "the newest version is the default");
    assert!(v["rules"]["digest"].as_str().unwrap().starts_with("sha256:"));
    let ids: Vec<&str> = v["designations"].as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        ["business-applications", "data-ai", "digital-app-innovation", "infrastructure", "modern-work", "security"]
    );
    for d in v["designations"].as_array().unwrap() {
        for key in ["path", "points", "max_points", "qualified", "metrics"] {
            assert!(!d[key].is_null(), "designation {} lacks {key}", d["id"]);
        }
        for m in d["metrics"].as_array().unwrap() {
            for key in ["id", "category", "points", "max_points", "explanation"] {
                assert!(!m[key].is_null(), "metric {} lacks {key}", m["id"]);
            }
        }
    }
    // Exact decimals in the JSON text itself, never a float's approximation.
    assert!(stdout.contains("\"points\": 13.3,"), "13.3 printed exactly:\n{stdout}");
    assert!(!stdout.contains("0000000"), "no float noise:\n{stdout}");
}

#[test]
fn output_is_byte_identical_across_runs() {
    for format in ["json", "yaml", "table"] {
        let a = designate(&["score", "--format", format, "snapshots/partners/contoso-smb.yaml"]);
        let b = designate(&["score", "--format", format, "snapshots/partners/contoso-smb.yaml"]);
        assert!(a.status.success());
        assert_eq!(a.stdout, b.stdout, "{format} output differs between runs");
    }
}

#[test]
fn table_output_reads_for_people() {
    let out = designate(&["score", "snapshots/partners/contoso-smb.yaml"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("partner contoso-smb  as of 2024-06\nrules   2024-06  sha256:"), "{stdout}");
    assert!(
        stdout.contains("Solutions Partner for Data & AI (Azure)  [data-ai]  path smb  54 / 100  not attained"),
        "{stdout}"
    );
    assert!(stdout.contains("  net-customer-adds                10 / 30"), "{stdout}");
}

#[test]
fn rules_are_chosen_by_date_from_a_root_or_forced() {
    let dir = scratch("by-date");
    let partner = dir.join("old.json");
    std::fs::write(&partner, r#"{"partner": {"id": "old"}, "as_of": "2023-09"}"#).unwrap();
    let p = partner.to_str().unwrap();
    let by_date = designate(&["score", "--format", "json", "--rules", "rules/", p]);
    assert!(by_date.status.success(), "{}", text(&by_date.stderr));
    assert!(text(&by_date.stdout).contains("\"version\": \"2023-07\""));
    let forced = designate(&["score", "--format", "json", "--rules", "rules/2024-06", p]);
    assert!(forced.status.success());
    assert!(text(&forced.stdout).contains("\"version\": \"2024-06\""));
    assert!(
        text(&forced.stderr).contains("warning: rule version 2024-06 is effective from 2024-06"),
        "{}",
        text(&forced.stderr)
    );

    std::fs::write(&partner, r#"{"partner": {"id": "older"}, "as_of": "2022-09"}"#).unwrap();
    let none = designate(&["score", "--rules", "rules", p]);
    assert!(!none.status.success());
    assert!(
        text(&none.stderr).contains("no rule version applies to as_of 2022-09 of partner \"older\""),
        "{}",
        text(&none.stderr)
    );
}

#[test]
fn ndjson_in_ndjson_out_in_order_and_bad_lines_reported() {
    let input = concat!(
        r#"{"partner": {"id": "first"}, "as_of": "2024-06"}"#,
        "\n",
        r#"{"partner": {"id": "broken"}, "as_of": "2024-6"}"#,
        "\n",
        "\n",
        r#"{"partner": {"id": "third"}, "as_of": "2024-06", "path": "enterprise"}"#,
        "\n",
    );
    let out = designate_stdin(&["score", "-"], input);
    assert_eq!(out.status.code(), Some(1), "a bad line makes the run fail");
    let lines: Vec<serde_json::Value> = text(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let ids: Vec<&str> = lines.iter().map(|l| l["partner"].as_str().unwrap()).collect();
    assert_eq!(ids, ["first", "third"]);
    let stderr = text(&out.stderr);
    assert!(stderr.contains("error: <stdin>:2:"), "{stderr}");
    assert!(stderr.contains("1 partner(s) could not be scored"), "{stderr}");
}

#[test]
fn the_shipped_rules_pass_check() {
    let out = designate(&["check", "rules"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr).lines().filter(|l| l.starts_with("ok: ")).count(), 2);
}

#[test]
fn a_rule_typo_is_located_with_a_hint_and_stops_scoring() {
    let dir = scratch("typo").join("2024-06");
    copy_dir(&workspace().join("rules/2024-06"), &dir);
    let file = dir.join("designations/data-ai.toml");
    let original = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, original.replacen("max_points = 30\n", "max_point = 30\n", 1)).unwrap();
    let line = original.lines().position(|l| l == "max_points = 30").unwrap() + 1;

    let check = designate(&["check", dir.to_str().unwrap()]);
    assert_eq!(check.status.code(), Some(1));
    let stderr = text(&check.stderr);
    let expected = format!("{}:{line}:1: unknown key `max_point`\n  hint: did you mean `max_points`?", file.display());
    assert!(stderr.contains(&expected), "expected:\n{expected}\nin:\n{stderr}");

    let score = designate(&["score", "--rules", dir.to_str().unwrap(), "snapshots/partners/contoso-smb.yaml"]);
    // Rules that do not load: the command could not run.
    assert_eq!(score.status.code(), Some(2));
    assert!(score.stdout.is_empty());
    assert!(text(&score.stderr).contains(&expected));
}

#[test]
fn the_committed_schemas_are_current() {
    let mut stale = Vec::new();
    for (kind, file) in [
        (None, "rules.schema.json"),
        (Some("program"), "program.schema.json"),
        (Some("certifications"), "certifications.schema.json"),
        (Some("products"), "products.schema.json"),
        (Some("specializations"), "specializations.schema.json"),
        (Some("software"), "software.schema.json"),
        (Some("designation"), "designation.schema.json"),
    ] {
        let mut args = vec!["schema"];
        if let Some(k) = kind {
            args.extend(["--file", k]);
        }
        let out = designate(&args);
        assert!(out.status.success());
        let committed = std::fs::read(workspace().join("docs/schema").join(file)).unwrap_or_default();
        if committed != out.stdout {
            stale.push(file);
        }
    }
    assert!(
        stale.is_empty(),
        "stale schemas in docs/schema: {stale:?}; regenerate with `designate schema [--file KIND] > docs/schema/KIND.schema.json`"
    );
}

#[test]
fn the_schema_accepts_the_shipped_rule_files_keys() {
    // Every key the shipped designation files use is a property the schema describes.
    let out = designate(&["schema", "--file", "designation"]);
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let metric = &schema["$defs"]["MetricFile"]["properties"];
    for key in
        ["id", "kind", "selection", "threshold", "prerequisites", "scoring", "combine", "parts", "eligible_customers"]
    {
        assert!(!metric[key].is_null(), "MetricFile lacks {key}");
    }
    assert_eq!(schema["$defs"]["MetricFile"]["additionalProperties"], false, "unknown keys must be refused");
}

#[test]
fn the_rules_reference_covers_every_key_and_kind() {
    // docs/rules.md is checked against the schema the code generates, so it cannot drift silently.
    let doc = std::fs::read_to_string(workspace().join("docs/rules.md")).unwrap();
    let out = designate(&["schema"]);
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut missing = Vec::new();
    for (name, def) in schema["$defs"].as_object().unwrap() {
        for key in def["properties"].as_object().into_iter().flatten().map(|(k, _)| k) {
            if !doc.contains(&format!("`{key}`")) {
                missing.push(format!("{name}.{key}"));
            }
        }
        for value in def["enum"].as_array().into_iter().flatten().filter_map(|v| v.as_str()) {
            if !doc.contains(&format!("`{value}`")) {
                missing.push(format!("{name} value {value}"));
            }
        }
    }
    assert!(missing.is_empty(), "docs/rules.md does not document: {missing:?}");
}

/// Issue 11: a misspelt certification code (`DP-2O3`, a letter O) silently cost points. It is now a warning
/// with a did-you-mean, on stderr and in the report; free text the catalogue does not list (`Scrum Master`) is
/// not warned about, and a code-shaped name with no near code is warned about without a guess.
#[test]
fn misspelt_certifications_are_warned_about_on_stderr_and_in_the_report() {
    let dir = scratch("cert-typos");
    let file = dir.join("typos.yaml");
    std::fs::write(
        &file,
        "partner:\n  id: typos\nas_of: 2024-06\npeople:\n  - id: p-1\n    certifications:\n      - { name: AZ-104, earned: 2022-01-01 }\n      - { name: Scrum Master, earned: 2022-01-01 }\n  - id: p-2\n    certifications:\n      - { name: DP-2O3, earned: 2022-01-01 }\n      - { name: AZ-900, earned: 2022-01-01 }\n      - { name: Azure Data Engneer Associate, earned: 2022-01-01 }\n",
    )
    .unwrap();
    let out = designate(&["score", "--format", "json", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = file.display().to_string();
    assert_eq!(
        text(&out.stderr),
        format!(
            "warning: {shown}: people[1].certifications[0]: unknown certification \"DP-2O3\"\n  hint: did you mean \"DP-203\"?\n\
             warning: {shown}: people[1].certifications[1]: unknown certification \"AZ-900\"\n  hint: the catalogue of rule version 2024-06 does not list it, so it counts toward no designation\n\
             warning: {shown}: people[1].certifications[2]: unknown certification \"Azure Data Engneer Associate\"\n  hint: did you mean \"Azure Data Engineer Associate\"?\n"
        )
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let warnings = report["warnings"].as_array().expect("a warnings list");
    assert_eq!(warnings.len(), 3, "{warnings:?}");
    assert_eq!(
        warnings[0],
        serde_json::json!({
            "field": "people[1].certifications[0]",
            "message": "unknown certification \"DP-2O3\"",
            "hint": "did you mean \"DP-203\"?"
        })
    );
    let table = designate(&["score", file.to_str().unwrap()]);
    assert!(text(&table.stdout).contains("people[1].certifications[0]: unknown certification \"DP-2O3\""));
    // A partner without such names gets no `warnings` key at all (the snapshots pin that for the examples).
    let clean = designate(&["score", "--format", "json", "snapshots/partners/contoso-smb.yaml"]);
    assert!(text(&clean.stderr).is_empty(), "{}", text(&clean.stderr));
    assert!(!text(&clean.stdout).contains("\"warnings\""));
}
