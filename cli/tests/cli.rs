//! The `designate` binary as users and acceptance tests call it: the JSON contract, NDJSON streams,
//! located errors with non-zero exits, and byte-identical output.

mod common;

use common::{copy_dir, designate, scratch, text, workspace, Scratch};
use std::io::Write;
use std::path::Path;
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

// Issue 13: without --rules every partner is scored by the shipped version in force at its as_of (before, the newest
// scored everyone, so a partner of 2023 got the rules of 2024); a partner no shipped version covers is a located
// finding (exit 1); every output names the version used.
#[test]
fn without_rules_each_partner_gets_the_shipped_version_in_force_at_its_as_of() {
    let dir = scratch("default-by-date");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_designate"))
            .args(args)
            .current_dir(workspace())
            .env_remove("DESIGNATE_RULES")
            .output()
            .expect("the binary runs")
    };
    let old = dir.join("old.json");
    std::fs::write(&old, r#"{"partner": {"id": "old"}, "as_of": "2023-09"}"#).unwrap();
    let json = run(&["score", "--format", "json", old.to_str().unwrap()]);
    assert!(json.status.success(), "{}", text(&json.stderr));
    assert!(text(&json.stdout).contains("\"version\": \"2023-07\""), "{}", text(&json.stdout));
    let table = run(&["score", old.to_str().unwrap()]);
    assert!(text(&table.stdout).contains("rules   2023-07  sha256:"), "{}", text(&table.stdout));

    // A portfolio: each line by its own as_of, and the summary table names both versions.
    let portfolio = dir.join("two.ndjson");
    std::fs::write(
        &portfolio,
        "{\"partner\": {\"id\": \"a\"}, \"as_of\": \"2023-09\"}\n{\"partner\": {\"id\": \"b\"}, \"as_of\": \"2024-09\"}\n",
    )
    .unwrap();
    let lines = run(&["score", portfolio.to_str().unwrap()]);
    let versions: Vec<String> = text(&lines.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["rules"]["version"].to_string())
        .collect();
    assert_eq!(versions, ["\"2023-07\"", "\"2024-06\""]);
    let summary = run(&["score", "--format", "table", portfolio.to_str().unwrap()]);
    let summary = text(&summary.stdout);
    assert!(summary.contains("rules   2023-07") && summary.contains("rules   2024-06"), "{summary}");

    let older = dir.join("older.json");
    std::fs::write(&older, r#"{"partner": {"id": "older"}, "as_of": "2022-09"}"#).unwrap();
    let none = run(&["score", older.to_str().unwrap()]);
    assert_eq!(none.status.code(), Some(1), "{}", text(&none.stderr));
    let first = text(&none.stderr).lines().next().unwrap_or_default().to_owned();
    assert_eq!(
        first,
        format!("error: {}: as_of: no rule version applies to as_of 2022-09 of partner \"older\"", older.display())
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
    assert_eq!(text(&out.stderr).lines().filter(|l| l.starts_with("ok: ")).count(), 3);
}

#[test]
fn a_rule_typo_is_located_with_a_hint_and_stops_scoring() {
    let tmp = scratch("typo");
    let dir = tmp.join("2024-06");
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
        // Issue 14: partner files have their schema too, for editors.
        (Some("partner"), "partner.schema.json"),
        (Some("report"), "report.schema.json"),
        (Some("comparison"), "comparison.schema.json"),
        (Some("diff"), "diff.schema.json"),
        (Some("gap"), "gap.schema.json"),
        (Some("manifest"), "manifest.schema.json"),
    ] {
        let mut args = vec!["schema"];
        match kind {
            Some(k) if file.starts_with(k) && ["report", "comparison", "diff", "gap", "manifest"].contains(&k) => {
                args.push(k)
            }
            Some(k) => args.extend(["--file", k]),
            None => {}
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
        "stale schemas in docs/schema: {stale:?}; regenerate with `designate schema [--file KIND | DOCUMENT] > docs/schema/NAME.schema.json`"
    );
}

/// Issue 14: the partner-file schema (`schema --file partner`, docs/schema/partner.schema.json) accepts every
/// shipped example partner, as an editor would check it (boon, a validator of its own), and refuses what the
/// readers refuse: an unknown key, a month that is not YYYY-MM, a negative value, an unknown measure.
#[test]
fn every_example_partner_validates_against_the_partner_schema() {
    let out = designate(&["schema", "--file", "partner"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).expect("the schema is JSON");
    let url = "http://designate.invalid/partner.schema.json";
    let mut compiler = boon::Compiler::new();
    compiler.add_resource(url, schema).expect("the schema is added");
    let mut schemas = boon::Schemas::new();
    let index = compiler.compile(url, &mut schemas).unwrap_or_else(|e| panic!("partner schema: {e}"));
    let mut checked = 0;
    for entry in std::fs::read_dir(workspace().join("snapshots/partners")).unwrap() {
        let path = entry.unwrap().path();
        let value = common::yaml_value(&std::fs::read_to_string(&path).unwrap());
        // Through text: boon reads plain serde_json numbers, whatever the features of the crate under test.
        let plain: serde_json::Value = serde_json::from_str(&value.to_string()).unwrap();
        if let Err(e) = schemas.validate(&plain, index) {
            panic!("{} does not validate against the partner schema: {e:#}", path.display());
        }
        checked += 1;
    }
    assert!(checked > 10, "the example partners were not found");
    let good = r#"{"partner": {"id": "p"}, "as_of": "2024-06", "usage": [{"customer": "c", "month": "2024-05", "product": "VM", "measure": "acr_usd", "value": 1}]}"#;
    let good: serde_json::Value = serde_json::from_str(good).unwrap();
    assert!(schemas.validate(&good, index).is_ok());
    for (what, bad) in [
        ("an unknown key", r#"{"partner": {"id": "p"}, "as_of": "2024-06", "peeple": []}"#),
        ("a month not YYYY-MM", r#"{"partner": {"id": "p"}, "as_of": "2024-13"}"#),
        ("no as_of", r#"{"partner": {"id": "p"}}"#),
        (
            "a negative value",
            r#"{"partner": {"id": "p"}, "as_of": "2024-06", "usage": [{"customer": "c", "month": "2024-05", "product": "VM", "measure": "acr_usd", "value": -1}]}"#,
        ),
        (
            "an unknown measure",
            r#"{"partner": {"id": "p"}, "as_of": "2024-06", "usage": [{"customer": "c", "month": "2024-05", "product": "VM", "measure": "acr", "value": 1}]}"#,
        ),
    ] {
        let bad: serde_json::Value = serde_json::from_str(bad).unwrap();
        assert!(schemas.validate(&bad, index).is_err(), "the schema accepts {what}");
    }
}

/// Issue 12: every document the tool writes carries `schema_version` and validates against the schema
/// `designate schema DOCUMENT` prints: score JSON and YAML, each NDJSON line, compare, gap, a snapshot's
/// results and manifest, and diff; a report carrying evidence too.
#[test]
fn every_output_document_validates_against_its_schema() {
    use common::{assert_valid, evidence, yaml_value};
    let partner = "snapshots/partners/contoso-smb.yaml";
    let json = |out: &Output| -> serde_json::Value {
        assert!(out.status.code().is_some_and(|c| c <= 1), "{}", text(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out.stdout)))
    };
    let mut report = json(&designate(&["score", "--format", "json", partner]));
    assert_eq!(report["schema_version"], 1);
    assert_valid("report", &report, "score --format json");
    let yaml = designate(&["score", "--format", "yaml", "--rules", "rules/2023-07", partner]);
    assert!(text(&yaml.stdout).starts_with("schema_version: 1\n"), "{}", text(&yaml.stdout));
    assert_valid("report", &yaml_value(&text(&yaml.stdout)), "score --format yaml");
    let lines = designate(&["score", "--rules", "rules/", "snapshots/portfolios/example.ndjson"]);
    assert!(lines.status.success(), "{}", text(&lines.stderr));
    for (i, line) in text(&lines.stdout).lines().enumerate() {
        assert_valid("report", &serde_json::from_str(line).unwrap(), &format!("NDJSON line {}", i + 1));
    }
    // A report whose metrics carry evidence, as every kind will fill it.
    let metric = &mut report["designations"][1]["metrics"][0];
    metric["evidence"] = serde_json::to_value(evidence(&["c-1", "c-2"], &["c-3"])).unwrap();
    assert_valid("report", &report, "a report with evidence");

    let cmp = json(&designate(&[
        "compare",
        "--base",
        "rules/2023-07",
        "--candidate",
        "rules/2024-06",
        "--format",
        "json",
        "snapshots/portfolios/example.ndjson",
    ]));
    assert_eq!(cmp["schema_version"], 1);
    assert_valid("comparison", &cmp, "compare --format json");
    let gap = json(&designate(&["gap", "--format", "json", partner]));
    assert_eq!(gap["schema_version"], 1);
    assert_valid("gap", &gap, "gap --format json");

    let dir = scratch("schemas");
    let (a, b) = (dir.join("a"), dir.join("b"));
    for (rules, out) in [("rules/2023-07", &a), ("rules/2024-06", &b)] {
        let snap = designate(&["snapshot", "--rules", rules, "--out", out.to_str().unwrap(), "snapshots/partners"]);
        assert!(snap.status.success(), "{}", text(&snap.stderr));
    }
    let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(b.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["schema_version"], 1);
    assert_valid("manifest", &manifest, "manifest.json");
    for entry in manifest["partners"].as_array().unwrap() {
        let file = entry["result"].as_str().unwrap();
        assert_valid("report", &yaml_value(&std::fs::read_to_string(b.join(file)).unwrap()), file);
    }
    let diff = json(&designate(&["diff", "--format", "json", a.to_str().unwrap(), b.to_str().unwrap()]));
    assert_eq!(diff["schema_version"], 1);
    assert_valid("diff", &diff, "diff --format json");
}

/// Issue 12: `score` says why a designation is not attained, from the numbers (points short of the bar,
/// metrics below the least each needs), and gives the `gap` command to run, which runs.
#[test]
fn score_says_why_a_designation_is_not_attained_and_which_gap_command_to_run() {
    let out = designate(&["score", "snapshots/partners/contoso-smb.yaml"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    // data-ai: 54 of 70, every metric above its minimum.
    assert!(stdout.contains("      why not: 16 points short (54 of 70)\n"), "{stdout}");
    assert!(
        stdout
            .contains("why not: 70 points short (0 of 70); below the 1 point each metric needs: net-customer-adds at"),
        "{stdout}"
    );
    let command = "designate gap --rules rules/2024-06 --designation data-ai snapshots/partners/contoso-smb.yaml";
    assert!(stdout.contains(&format!("      what would attain it: {command}\n")), "{stdout}");
    let args: Vec<&str> = command.split(' ').skip(1).collect();
    let gap = designate(&args);
    assert!(gap.status.success(), "{}", text(&gap.stderr));
    assert!(text(&gap.stdout).contains("data-ai  path smb  54 points → "), "{}", text(&gap.stdout));
    // An attained designation has no such lines.
    let attained = designate(&["score", "snapshots/partners/attains-infrastructure.yaml"]);
    let stdout = text(&attained.stdout);
    let block = stdout.split("\n\n").find(|b| b.contains("[infrastructure]")).unwrap();
    assert!(block.contains("ATTAINED") && !block.contains("why not") && !block.contains("designate gap"), "{block}");
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

/// issue 11: exit statuses follow one convention (cli/src/exit.rs): a missing input means the command could
/// not run (2), for every command that reads one; so do arguments clap refuses.
#[test]
fn a_missing_input_exits_2_for_every_command() {
    let missing = "no-such-input.yaml";
    let rules = "rules/2024-06";
    let tmp = scratch("missing");
    let out_dir = tmp.join("snap").display().to_string();
    let runs: [&[&str]; 11] = [
        &["score", missing],
        &["score", "no-such-portfolio.ndjson"],
        &["check", "no-such-rules"],
        &["compare", "--base", rules, "--candidate", rules, "no-such-folder"],
        &["compare", "--base", "no-such-rules", "--candidate", rules, "snapshots/partners"],
        &["diff", "no-such-snapshot", "no-such-snapshot"],
        &["diff-rules", "no-such-rules", rules],
        &["snapshot", "--out", &out_dir, "no-such-folder"],
        &["gap", missing],
        &["score", "--no-such-flag", missing],
        &["score"],
    ];
    for args in runs {
        let out = designate(args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    for args in [&["--help"][..], &["score", "--help"], &["--version"]] {
        assert_eq!(designate(args).status.code(), Some(0), "{args:?}");
    }
    let help = text(&designate(&["--help"]).stdout);
    assert!(help.contains("Exit status:\n  0  success\n  1  findings"), "{help}");
}

/// The "Examples:" section of a command's help at a given terminal width.
fn examples(command: &str, columns: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_designate"))
        .args([command, "--help"])
        .env("COLUMNS", columns)
        .output()
        .expect("the binary runs");
    assert!(out.status.success());
    let help = text(&out.stdout);
    let at = help.find("\nExamples:\n").unwrap_or_else(|| panic!("{command} --help has examples:\n{help}"));
    help[at..].to_owned()
}

/// issue 11: examples are commands to copy; a narrow terminal must not wrap them mid-command.
#[test]
fn help_examples_are_never_wrapped() {
    let commands = [
        "score",
        "check",
        "compare",
        "diff-rules",
        "snapshot",
        "diff",
        "generate",
        "gap",
        "bench",
        "schema",
        "completions",
        "man",
    ];
    let mut longest = 0;
    for command in commands {
        let (narrow, wide) = (examples(command, "60"), examples(command, "400"));
        assert_eq!(narrow, wide, "{command}: examples differ at 60 columns");
        for line in narrow.lines().skip(2) {
            assert!(
                line.starts_with("  designate ") || line.starts_with("  cat ") || line.starts_with("      --"),
                "{command}: {line:?} is not a whole example"
            );
            longest = longest.max(line.chars().count());
        }
    }
    assert!(longest > 60, "some example is wider than the narrow terminal, so the test can fail");
}

/// A copy of the shipped `rules/` where 2023-07 runs on to 2024-08, into 2024-06's range.
fn overlapping_root() -> Scratch {
    let root = scratch("overlapping-root");
    copy_dir(&workspace().join("rules"), &root);
    let program = root.join("2023-07/program.toml");
    let text = std::fs::read_to_string(&program).unwrap();
    assert!(text.contains("effective_until = \"2024-05\""));
    std::fs::write(&program, text.replace("effective_until = \"2024-05\"", "effective_until = \"2024-08\"")).unwrap();
    root
}

// Issue 11: with two versions applying to one month, `--rules ROOT` silently took the later folder. Every
// command that takes a root now refuses it (exit 2), naming both versions and their ranges.
#[test]
fn a_rules_root_with_overlapping_versions_is_refused_by_every_command() {
    let root = overlapping_root();
    let shown = root.display().to_string();
    let out_dir = scratch("overlapping-root-snapshot");
    let partner = "snapshots/partners/contoso-smb.yaml";
    let out = out_dir.display().to_string();
    for args in [
        vec!["score", "--rules", &shown, partner],
        vec!["score", "--rules", &shown, "snapshots/portfolios/example.ndjson"],
        vec!["gap", "--rules", &shown, partner],
        vec!["snapshot", "--rules", &shown, "--out", &out, "snapshots/portfolios/example.ndjson"],
    ] {
        let run = designate(&args);
        let stderr = text(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{args:?} exits 2:\n{stderr}");
        assert_eq!(
            stderr.lines().next(),
            Some(
                format!(
                    "error: {shown}/2024-06/program.toml:10:18: versions 2023-07 (2023-07 to 2024-08) and 2024-06 (2024-06 to 2026-06) overlap: both apply from 2024-06 to 2024-08"
                )
                .as_str()
            ),
            "{args:?}"
        );
        assert!(run.stdout.is_empty(), "{args:?} scores nothing: {}", text(&run.stdout));
    }
    assert!(!out_dir.join("manifest.json").exists(), "no snapshot is written from an ambiguous root");
}

// Issue 11: a root with a gap between versions still scores: only a partner in the gap is refused.
#[test]
fn a_rules_root_with_a_gap_still_scores_partners_outside_it() {
    let root = scratch("gapped-root");
    copy_dir(&workspace().join("rules"), &root);
    let program = root.join("2023-07/program.toml");
    let text_before = std::fs::read_to_string(&program).unwrap();
    std::fs::write(&program, text_before.replace("effective_until = \"2024-05\"", "effective_until = \"2024-02\""))
        .unwrap();
    let run = designate(&[
        "score",
        "--format",
        "json",
        "--rules",
        &root.display().to_string(),
        "snapshots/partners/contoso-smb.yaml",
    ]);
    assert!(run.status.success(), "{}", text(&run.stderr));
}

// Issue 11: clap's `env` hid where a bad rules folder came from; the message names DESIGNATE_RULES.
#[test]
fn a_bad_designate_rules_names_the_variable() {
    let partner = "snapshots/partners/contoso-smb.yaml";
    let run = |value: &str, args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_designate"))
            .args(args)
            .env("DESIGNATE_RULES", value)
            .current_dir(workspace())
            .output()
            .expect("the binary runs")
    };
    let missing = run("/no/such/rules", &["score", partner]);
    assert_eq!(missing.status.code(), Some(2));
    assert_eq!(
        text(&missing.stderr).lines().next(),
        Some("error: DESIGNATE_RULES=/no/such/rules: no such rules folder")
    );
    let not_rules = run("docs", &["gap", partner]);
    assert_eq!(not_rules.status.code(), Some(2));
    assert_eq!(
        text(&not_rules.stderr),
        "error: DESIGNATE_RULES=docs: neither a rule set (no program.toml) nor a folder of rule sets\n  hint: point DESIGNATE_RULES at rules/ or at rules/<version>\n"
    );
    // A rule set that does not load says where it came from too.
    let tmp = scratch("broken-env-rules");
    let broken = tmp.join("2024-06");
    copy_dir(&workspace().join("rules/2024-06"), &broken);
    std::fs::write(broken.join("program.toml"), "version = \n").unwrap();
    let bad = run(&broken.display().to_string(), &["score", partner]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        text(&bad.stderr).ends_with(&format!(
            "\n  hint: the rules folder comes from the environment: DESIGNATE_RULES={}\n",
            broken.display()
        )),
        "{}",
        text(&bad.stderr)
    );
    // `--rules` wins over the variable, and is then what messages name.
    let given = run("/no/such/rules", &["score", "--rules", "/no/such/either", partner]);
    assert_eq!(text(&given.stderr), "error: /no/such/either: no such rules folder\n");
}

/// Issue 11: a misspelt certification code (`DP-2O3`, a letter O) silently cost points. It is now a warning
/// with a did-you-mean, on stderr and in the report; free text the catalogue does not list (`Scrum Master`) is
/// not warned about, nor is a well-formed exam code the catalogue does not list (`AZ-900`, a fundamentals exam
/// that counts for nothing); a code with a letter in its number and no near code (`AZ-9O0`) is warned about
/// without a guess.
#[test]
fn misspelt_certifications_are_warned_about_on_stderr_and_in_the_report() {
    let dir = scratch("cert-typos");
    let file = dir.join("typos.yaml");
    std::fs::write(
        &file,
        "partner:\n  id: typos\nas_of: 2024-06\npeople:\n  - id: p-1\n    certifications:\n      - { name: AZ-104, earned: 2022-01-01 }\n      - { name: Scrum Master, earned: 2022-01-01 }\n  - id: p-2\n    certifications:\n      - { name: DP-2O3, earned: 2022-01-01 }\n      - { name: AZ-9O0, earned: 2022-01-01 }\n      - { name: Azure Data Engneer Associate, earned: 2022-01-01 }\n      - { name: AZ-900, earned: 2022-01-01 }\n",
    )
    .unwrap();
    let out = designate(&["score", "--format", "json", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = file.display().to_string();
    assert_eq!(
        text(&out.stderr),
        format!(
            "warning: {shown}: people[1].certifications[0]: unknown certification \"DP-2O3\"\n  hint: did you mean \"DP-203\"?\n\
             warning: {shown}: people[1].certifications[1]: unknown certification \"AZ-9O0\"\n  hint: the catalogue of rule version 2024-06 does not list it, so it counts toward no designation\n\
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

/// Issue 11: a FIFO given as the partner file is never opened (reading it would wait for a writer forever):
/// the command could not run, exit 2, for `score` and `gap`.
#[cfg(unix)]
#[test]
fn a_fifo_given_as_the_partner_file_is_refused_without_being_opened() {
    let dir = scratch("fifo-partner");
    let fifo = dir.join("partner.yaml");
    common::mkfifo(&fifo);
    for command in ["score", "gap"] {
        // Without the check this would block forever; the test harness would then hang, not pass.
        let out = designate(&[command, fifo.to_str().unwrap()]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{command}: {stderr}");
        assert_eq!(stderr, format!("error: {}: not a regular file but a named pipe (FIFO)\n", fifo.display()));
    }
}

/// Issue 11: `gap --write FILE FILE` replaced the partner file (YAML, comments and all) with the applied partner as
/// JSON, exit 0. Writing over the input is refused before anything is done, through a link too.
#[test]
fn gap_never_writes_over_its_own_partner_file() {
    let dir = scratch("gap-write-self");
    let file = dir.join("partner.yaml");
    std::fs::copy(workspace().join("snapshots/partners/contoso-smb.yaml"), &file).unwrap();
    let before = std::fs::read(&file).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&file, dir.join("link.json")).unwrap();
    let mut targets = vec![file.clone()];
    #[cfg(unix)]
    targets.push(dir.join("link.json"));
    for target in targets {
        let out = designate(&["gap", "--write", target.to_str().unwrap(), file.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
        assert!(text(&out.stderr).contains("--write names the partner file itself"), "{}", text(&out.stderr));
        assert!(out.stdout.is_empty());
        assert_eq!(std::fs::read(&file).unwrap(), before, "the partner file was changed");
    }
}

/// issue 12: `bench` times the pipeline of `score -` itself (no loop of its own), so what its scoring stage writes
/// is, byte for byte, what `generate | score -` writes for the same partners.
#[test]
fn bench_scores_through_the_same_pipeline_as_score_stdin() {
    // Both generate for 2024-06: without --rules `generate` takes the newest version (2026-07 since issue 13),
    // whose products differ, while bench generates for the rules it is given.
    let generated = designate(&["generate", "--rules", "rules/2024-06", "--partners", "3", "--seed", "5"]);
    assert!(generated.status.success(), "{}", text(&generated.stderr));
    let scored = designate_stdin(&["score", "--rules", "rules/2024-06", "-"], &text(&generated.stdout));
    assert!(scored.status.success(), "{}", text(&scored.stderr));
    let bench = designate(&["bench", "--partners", "3", "--seed", "5", "--rules", "rules/2024-06"]);
    assert!(bench.status.success(), "{}", text(&bench.stderr));
    let report = text(&bench.stdout);
    let grouped = |n: usize| designate_engine::explain::grouped(rust_decimal::Decimal::from(n));
    let expected = format!("output         3 result lines, {} bytes", grouped(scored.stdout.len()));
    assert!(report.lines().any(|l| l == expected), "expected {expected:?} in:\n{report}");
    assert!(text(&bench.stderr).is_empty(), "{}", text(&bench.stderr));
}

/// Issue 12: a draft, a version folder copied under another name, was refused ("version differs from its folder
/// name"). It scores, exactly as the version it copies (same files, same digest), with a warning that its folder
/// and version differ; a root holding both stays refused as ambiguous, and `check` still reports the name.
#[test]
fn a_draft_folder_scores_with_a_warning_and_a_root_with_it_stays_ambiguous() {
    let dir = scratch("draft");
    let draft = dir.join("draft");
    copy_dir(&workspace().join("rules/2024-06"), &draft);
    let partner = "snapshots/partners/contoso-smb.yaml";
    let out = designate(&["score", "--rules", draft.to_str().unwrap(), "--format", "json", partner]);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        stderr.lines().next(),
        Some(
            format!(
                "warning: {}: version \"2024-06\" differs from its folder name \"draft\"",
                draft.join("program.toml").display().to_string() + ":7:11"
            )
            .as_str()
        ),
        "{stderr}"
    );
    let shipped = designate(&["score", "--rules", "rules/2024-06", "--format", "json", partner]);
    assert_eq!(text(&out.stdout), text(&shipped.stdout), "a draft scores as the version it copies");

    let check = designate(&["check", draft.to_str().unwrap()]);
    assert_eq!(check.status.code(), Some(1), "{}", text(&check.stderr));
    assert!(text(&check.stderr).contains("differs from its folder name \"draft\""), "{}", text(&check.stderr));

    // Beside the version it copies, in one root: two versions apply to 2024-06, so the choice is refused.
    copy_dir(&workspace().join("rules/2024-06"), &dir.join("2024-06"));
    let out = designate(&["score", "--rules", dir.to_str().unwrap(), partner]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("the version for a partner would be ambiguous"), "{}", text(&out.stderr));
}

/// Issue 12: the `gap` table shows identical additions as one line with their count, credits every metric an
/// addition moved with its points, and lists plans that tie after "or:".
#[test]
fn gap_text_groups_additions_credits_every_metric_and_shows_ties() {
    let out = designate(&[
        "gap",
        "--rules",
        "rules/2024-06",
        "--designation",
        "business-applications",
        "snapshots/partners/bizapps-smb.yaml",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().skip(3).collect();
    assert_eq!(
        lines,
        [
            "business-applications  path smb  66 points → 72 with 1 addition(s): attained",
            "  + 44 more active users on Customer Service in 2024-06 (growth +30 units), for c-1     +6  (usage-growth +2, deployments +4)",
            "  or:",
            "  + 1 more customer with 25 active users on Customer Service in 2024-06        +6  (usage-growth +2, deployments +4)",
        ]
    );
    let out = designate(&["gap", "--rules", "rules/2024-06", "snapshots/partners/contoso-smb.yaml"]);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("0 points → 73 with 6 addition(s): attained\n  + 5 more customers on Exchange with 301 paid seats and 121 active users     +63  (net-customer-adds +20, usage-growth +18, deployments +25)\n"), "{stdout}");
    assert!(stdout.contains("  + 5 more people with MB-310 (Finance Functional Consultant Associate)       +20  (intermediate-certifications +20)\n"), "{stdout}");
}

// Issue 13: the table shows a designation's enrollment track (in the JSON/YAML report as `enrollment`), beside the
// path the rule gives at as_of.
#[test]
fn the_table_shows_the_enrollment_track() {
    let out = designate(&["score", "snapshots/partners/l26-azure-track-75-percent.yaml"]);
    assert_eq!(out.status.code(), Some(0));
    let table = text(&out.stdout);
    assert!(table.contains("path enterprise"), "{table}");
    assert!(
        table.contains("      enrollment: smb: the path rule gives smb in 2026-02, within the qualification window\n"),
        "{table}"
    );
    // Designations without an enrollment rule print no such line: three Azure designations, three lines.
    assert_eq!(table.matches("enrollment:").count(), 3, "{table}");
}

/// Runs `designate` with `args` from `dir`.
fn designate_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_designate")).args(args).current_dir(dir).output().expect("the binary runs")
}

/// A copy of rules/2024-06 under `scratch(name)/rules/2024-06` whose only test file is `case`, with the one
/// partner it uses at `snapshots/partners/contoso-smb.yaml` beside it (the relative path the shipped tests use).
fn rule_set_with_tests(name: &str, case: &str) -> Scratch {
    let root = scratch(name);
    let rules = root.join("rules/2024-06");
    copy_dir(&workspace().join("rules/2024-06"), &rules);
    std::fs::remove_dir_all(rules.join("tests")).unwrap();
    std::fs::create_dir_all(rules.join("tests")).unwrap();
    std::fs::write(rules.join("tests/case.toml"), case).unwrap();
    std::fs::create_dir_all(root.join("snapshots/partners")).unwrap();
    std::fs::copy(
        workspace().join("snapshots/partners/contoso-smb.yaml"),
        root.join("snapshots/partners/contoso-smb.yaml"),
    )
    .unwrap();
    root
}

/// Whether `xml` is well-formed as far as tags go: every element closed in order, attributes quoted, no bare `&`
/// or `<` in text (a minimal check, enough to catch unescaped case names).
fn well_formed_xml(xml: &str) -> bool {
    let body = match xml.strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n") {
        Some(body) => body,
        None => return false,
    };
    let mut stack: Vec<String> = Vec::new();
    let mut rest = body;
    while let Some(start) = rest.find(['<', '&']) {
        let (text, tail) = rest.split_at(start);
        if text.contains('>') {
            return false;
        }
        if tail.starts_with('&') {
            let Some(end) = tail.find(';') else { return false };
            let entity = &tail[1..end];
            if !(["amp", "lt", "gt", "quot", "apos"].contains(&entity) || entity.starts_with('#')) {
                return false;
            }
            rest = &tail[end + 1..];
            continue;
        }
        let Some(end) = tail.find('>') else { return false };
        let tag = &tail[1..end];
        // Inside a tag, quotes must pair and hold no `<`.
        if tag.matches('"').count() % 2 != 0 || tag.contains('<') {
            return false;
        }
        let name: String =
            tag.trim_start_matches('/').chars().take_while(|c| !c.is_whitespace() && *c != '/').collect();
        if tag.starts_with('/') {
            if stack.pop().as_deref() != Some(name.as_str()) {
                return false;
            }
        } else if !tag.ends_with('/') {
            stack.push(name);
        }
        rest = &tail[end + 1..];
    }
    stack.is_empty() && rest.trim().is_empty()
}

// issue 14: a rule author edits a number; `designate test` fails with the case that moved (exit 1), `--update`
// rewrites its expected value in place keeping comments (exit 0), and the rerun passes.
#[test]
fn an_edited_rule_number_fails_its_rule_test_until_updated() {
    let case = "# contoso, kept by --update\n[[case]]\nname = \"contoso <smb> & \\\"net\\\" adds\"\npartner = \"../../../snapshots/partners/contoso-smb.yaml\"\ndesignation = \"data-ai\"\nmetric = \"net-customer-adds\"\npoints = \"10\"   # two added, one lost: 1 × 10\npath = \"smb\"\n";
    let root = rule_set_with_tests("rule-test-update", case);
    let set = root.join("rules/2024-06");
    let passing = designate_in(&root, &["test", "rules/2024-06"]);
    assert_eq!(passing.status.code(), Some(0), "{}", text(&passing.stderr));
    assert_eq!(text(&passing.stdout), "1 passed, 0 failed\n");

    // The tests folder is not part of the rule set: the same digest with or without it.
    let with_tests = text(&designate_in(&root, &["check", "rules/2024-06"]).stderr);
    let digest = |s: &str| s.split("sha256:").nth(1).map(|d| d.trim_end_matches([')', '\n']).to_owned());
    let shipped = text(&designate(&["check", "rules/2024-06"]).stderr);
    assert_eq!(digest(&with_tests), digest(&shipped), "{with_tests} / {shipped}");

    let file = set.join("designations/data-ai.toml");
    let rules = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, rules.replace("per_unit = 10, max_units = 3", "per_unit = 5, max_units = 3")).unwrap();

    let failing = designate_in(&root, &["test", "rules/2024-06"]);
    let out = text(&failing.stdout);
    assert_eq!(failing.status.code(), Some(1), "{out}{}", text(&failing.stderr));
    assert!(
        out.starts_with("rules/2024-06/tests/case.toml:7: contoso <smb> & \"net\" adds: data-ai.net-customer-adds expected 10, got 5\n    "),
        "{out}"
    );
    assert!(out.ends_with("0 passed, 1 failed\n"), "{out}");

    let json = designate_in(&root, &["test", "rules/2024-06", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!((doc["passed"].as_u64(), doc["failed"].as_u64()), (Some(0), Some(1)), "{doc}");
    assert_eq!(doc["files"][0]["cases"][0]["checks"][0]["got"], "5", "{doc}");

    let junit = designate_in(&root, &["test", "rules/2024-06", "--format", "junit", "-o", "junit.xml"]);
    assert_eq!(junit.status.code(), Some(1), "{}", text(&junit.stderr));
    let xml = std::fs::read_to_string(root.join("junit.xml")).unwrap();
    assert!(well_formed_xml(&xml), "{xml}");
    assert!(xml.contains("<testcase name=\"contoso &lt;smb&gt; &amp; &quot;net&quot; adds\""), "{xml}");
    assert!(xml.contains("<failure message=\"rules/2024-06/tests/case.toml:7: "), "{xml}");
    assert!(xml.contains("tests=\"1\" failures=\"1\""), "{xml}");

    let update = designate_in(&root, &["test", "rules/2024-06", "--update"]);
    let out = text(&update.stdout);
    assert_eq!(update.status.code(), Some(0), "{out}{}", text(&update.stderr));
    assert!(
        out.contains(
            "rules/2024-06/tests/case.toml:7: contoso <smb> & \"net\" adds: data-ai.net-customer-adds 10 → 5\n"
        ),
        "{out}"
    );
    let updated = std::fs::read_to_string(set.join("tests/case.toml")).unwrap();
    assert_eq!(updated, case.replace("points = \"10\"", "points = \"5\""), "comments and layout kept");

    let rerun = designate_in(&root, &["test", "rules/2024-06"]);
    assert_eq!(rerun.status.code(), Some(0), "{}", text(&rerun.stdout));
    assert_eq!(text(&rerun.stdout), "1 passed, 0 failed\n");
}

// issue 14: a hostile or mistaken case file is a located error with a DS6xx-coded problem, exit 2, never a silent
// pass: each case file and the first line of stderr.
#[test]
fn a_bad_rule_test_file_is_located_and_nothing_runs() {
    let head = "[[case]]\nname = \"c\"\npartner = \"../../../snapshots/partners/contoso-smb.yaml\"\n";
    let cases = [
        (format!("{head}designation = \"data-ai\"\npoints = \"10\"\npointz = \"3\"\n"), "error: rules/2024-06/tests/case.toml:6:1: unknown key `pointz`"),
        (format!("{head}designation = \"data-ai\"\npoints = [1]\n"), "error: rules/2024-06/tests/case.toml:5:10: invalid type: a list, expected points as a quoted decimal such as \"12.5\" or a whole number"),
        (format!("{head}designation = \"data-ai\"\npoints = 10.5\n"), "error: rules/2024-06/tests/case.toml:5:10: write points with a fraction in quotes, such as \"12.5\", so they stay exact"),
        ("[[case]]\nname = \"c\"\npartner = \"nowhere.yaml\"\ndesignation = \"data-ai\"\npoints = \"10\"\n".to_owned(), "error: rules/2024-06/tests/case.toml:3:11: case \"c\": partner file rules/2024-06/tests/nowhere.yaml does not exist"),
        (format!("{head}designation = \"data-aj\"\npoints = \"10\"\n"), "error: rules/2024-06/tests/case.toml:4:15: case \"c\": unknown designation \"data-aj\""),
        (format!("{head}designation = \"data-ai\"\nmetric = \"net-adds\"\npoints = \"10\"\n"), "error: rules/2024-06/tests/case.toml:5:10: case \"c\": data-ai has no metric \"net-adds\""),
        (format!("{head}designation = \"data-ai\"\npath = \"smbb\"\n"), "error: rules/2024-06/tests/case.toml:5:8: case \"c\": data-ai has no path \"smbb\""),
        (format!("{head}[case.expect.data-ai.metrics]\nnet-customer-add = \"10\"\n"), "error: rules/2024-06/tests/case.toml:5:20: case \"c\": data-ai has no metric \"net-customer-add\""),
        (head.to_owned(), "error: rules/2024-06/tests/case.toml:2:8: case \"c\" checks nothing"),
        ("[[case]]\nname = \"i\"\ndesignation = \"data-ai\"\npath = \"smb\"\n[case.partner]\npartner = { id = \"p1\", name = \"P\" }\nas_of = \"2024-13\"\n".to_owned(), "error: rules/2024-06/tests/case.toml:5:1: case \"i\": inline partner: invalid value: string \"2024-13\", expected a month as YYYY-MM, with a month from 01 to 12"),
        ("# nothing\n".to_owned(), "error: rules/2024-06/tests/case.toml:1:1: missing field `case`"),
        ("[[case]\n".to_owned(), "error: rules/2024-06/tests/case.toml:1:8: unclosed array table, expected `]`"),
    ];
    let mut wrong = Vec::new();
    for (i, (case, expected)) in cases.iter().enumerate() {
        let root = rule_set_with_tests(&format!("bad-rule-test-{i}"), case);
        let out = designate_in(&root, &["test", "rules/2024-06"]);
        let stderr = text(&out.stderr);
        let first = stderr.lines().next().unwrap_or_default();
        if out.status.code() != Some(2) || first != *expected || !out.stdout.is_empty() {
            wrong.push(format!("case {i}: exit {:?}, stderr:\n{stderr}\n  expected: {expected}", out.status.code()));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The fixture of `check`'s golden tests: a rule set with two problems, one in each designation file.
const TWO_PROBLEMS: &str = "cli/tests/check-formats/2024-06";

/// `designate check ARGS... TWO_PROBLEMS` must exit 1 and print nothing on the stream it does not own; its output.
fn check_two_problems(args: &[&str]) -> Output {
    let out = designate(&[&["check"], args, &[TWO_PROBLEMS]].concat());
    assert_eq!(out.status.code(), Some(1), "{args:?}: {}", text(&out.stderr));
    assert!(!text(&out.stderr).contains("panicked"), "{args:?}");
    out
}

/// Compares `output` with the golden file `check-formats/<name>.snap` (insta: review a change with
/// `cargo insta review`).
fn assert_golden(name: &str, output: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(workspace().join("cli/tests/check-formats"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(name, output));
}

/// Issue 14: `check --format text|json|github|sarif` renders the same two problems for people, scripts, GitHub
/// Actions and code scanning; each format is pinned by a golden file, and the machine formats go to stdout alone.
#[test]
fn check_renders_each_format_of_the_same_problems() {
    let help = text(&designate(&["check", "--help"]).stdout);
    for format in ["text", "json", "github", "sarif"] {
        assert!(help.contains(&format!("- {format}:")), "check --help explains {format}:\n{help}");
    }
    assert!(help.contains("designate check --format sarif -o "), "{help}");

    // Text, piped: exactly the lines of before issue 14 (no snippet, no code), on stderr only.
    let plain = check_two_problems(&[]);
    assert!(plain.stdout.is_empty());
    let stderr = text(&plain.stderr);
    assert!(stderr.starts_with(&format!("{TWO_PROBLEMS}/designations/adds.toml:9:1: unknown key `max_point`\n")));
    assert!(!stderr.contains("^^^") && !stderr.contains("DS"), "{stderr}");
    assert_golden("check-text", &stderr);

    // Asked for, the snippets follow each problem, with a caret under the place and the code in their header.
    let shown = check_two_problems(&["--show-source"]);
    let stderr = text(&shown.stderr);
    assert!(stderr.contains("9 | max_point = 30\n  | ^^^^^^^^^\n"), "{stderr}");
    assert_golden("check-text-show-source", &stderr);

    for format in ["json", "github", "sarif"] {
        let out = check_two_problems(&["--format", format]);
        assert!(out.stderr.is_empty(), "{format}: {}", text(&out.stderr));
        let stdout = text(&out.stdout);
        assert_golden(&format!("check-{format}"), &stdout);
        match format {
            "json" => {
                let list: serde_json::Value = serde_json::from_str(&stdout).expect("the JSON parses");
                let list = list.as_array().unwrap();
                assert_eq!(list.len(), 2);
                for item in list {
                    let keys: Vec<&str> = item.as_object().unwrap().keys().map(String::as_str).collect();
                    assert_eq!(keys, ["file", "line", "column", "code", "severity", "message", "hint", "field"]);
                }
                assert_eq!(list[1]["line"], 13);
                assert_eq!(list[1]["column"], 13);
                assert_eq!(list[1]["hint"], serde_json::Value::Null);
            }
            "github" => {
                assert_eq!(stdout.lines().count(), 2, "{stdout}");
                assert!(stdout.lines().all(|l| l.starts_with("::error file=cli/tests/check-formats/")), "{stdout}");
                assert!(stdout.contains(",line=9,col=1,title=DS"), "{stdout}");
                assert!(stdout.contains("%0Ahint: did you mean `max_points`?"), "{stdout}");
            }
            _ => {
                let log: serde_json::Value = serde_json::from_str(&stdout).expect("the SARIF parses");
                assert_eq!(log["version"], "2.1.0");
                assert!(log["$schema"].as_str().unwrap().contains("sarif"));
                let run = &log["runs"][0];
                assert_eq!(run["tool"]["driver"]["name"], "designate");
                assert!(run["tool"]["driver"]["version"].is_string());
                let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
                assert!(rules.iter().all(|r| r["id"].is_string() && r["shortDescription"]["text"].is_string()));
                let results = run["results"].as_array().unwrap();
                assert_eq!(results.len(), 2);
                for r in results {
                    let id = r["ruleId"].as_str().unwrap();
                    assert!(rules.iter().any(|rule| rule["id"] == id), "{id} has no rule");
                    assert_eq!(r["level"], "error");
                    assert!(r["message"]["text"].is_string());
                    let place = &r["locations"][0]["physicalLocation"];
                    assert!(place["artifactLocation"]["uri"].as_str().unwrap().starts_with(TWO_PROBLEMS));
                    assert!(place["region"]["startLine"].is_u64() && place["region"]["startColumn"].is_u64());
                }
            }
        }
    }
}

/// Issue 14: `-o FILE` writes the document (or, for text, what stderr would show) to the file and nothing to
/// stdout; clean rules give an empty JSON list and exit 0.
#[test]
fn check_writes_its_document_to_the_output_file() {
    let dir = scratch("check-output");
    let file = dir.join("problems.sarif");
    let out = check_two_problems(&["--format", "sarif", "-o", file.to_str().unwrap()]);
    assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{}", text(&out.stderr));
    let piped = check_two_problems(&["--format", "sarif"]);
    assert_eq!(std::fs::read(&file).unwrap(), piped.stdout);

    let file = dir.join("problems.txt");
    let out = check_two_problems(&["--output", file.to_str().unwrap()]);
    assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{}", text(&out.stderr));
    assert_eq!(std::fs::read(&file).unwrap(), check_two_problems(&[]).stderr);

    let clean = designate(&["check", "--format", "json", "rules/2024-06"]);
    assert_eq!(clean.status.code(), Some(0), "{}", text(&clean.stderr));
    assert_eq!(text(&clean.stdout), "[]\n");
    assert!(clean.stderr.is_empty(), "no ok: line beside a document: {}", text(&clean.stderr));

    let unwritable = designate(&["check", "--format", "json", "-o", "/no-such-folder/x.json", TWO_PROBLEMS]);
    assert_eq!(unwritable.status.code(), Some(2), "{}", text(&unwritable.stderr));
}

/// Issue 14: `check` takes several paths at once, partner files among them: a partner file that does not
/// validate is a problem (exit 1) next to the rules' `ok:` lines; a path that cannot be read, or a rule file named
/// instead of its folder, means the check could not run (exit 2).
#[test]
fn check_takes_rule_sets_and_partner_files_together() {
    let out = designate(&["check", "rules/2024-06", "snapshots/partners/contoso-smb.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.starts_with("ok: rules/2024-06 (version 2024-06,"), "{stderr}");
    assert!(stderr.contains("\nok: snapshots/partners/contoso-smb.yaml (partner file)\n"), "{stderr}");

    let bad = "cli/tests/bad-inputs/unknown-key.yaml";
    let out = designate(&["check", "--format", "json", "snapshots/partners/contoso-smb.yaml", bad]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["file"], bad);
    assert_eq!((list[0]["line"].as_u64(), list[0]["column"].as_u64()), (Some(4), Some(1)));

    for (args, start) in [
        (&["check", "rules/2024-06", "no-such-partner.yaml"][..], "error: no-such-partner.yaml: cannot read file: "),
        (&["check", "rules/2024-06/program.toml"], "error: rules/2024-06/program.toml: a file of the rule set"),
        (&["check", "README.md"], "error: README.md: neither a rule set folder nor a partner file"),
        (&["check", "--format", "sarif", "no-such-rules"], "error: no-such-rules: no such rules folder"),
    ] {
        let out = designate(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out.stderr));
        assert!(text(&out.stderr).starts_with(start), "{args:?}: {}", text(&out.stderr));
        assert!(out.stdout.is_empty(), "{args:?}: no half document");
    }
}

/// The subcommands a user can type, as `designate --help` lists them (without `help`).
fn subcommands() -> Vec<String> {
    let help = text(&designate(&["--help"]).stdout);
    let at = help.find("Commands:\n").expect("--help lists the commands");
    help[at + "Commands:\n".len()..]
        .lines()
        .take_while(|l| l.starts_with("  "))
        // A description wrapped onto more lines is indented further.
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .filter(|c| c != "help")
        .collect()
}

/// issue 14: `-o FILE` writes exactly what stdout would carry, on every command with an output (`-` is stdout);
/// the file is replaced only when the command succeeds, an input is never written over, and a path that cannot
/// be written is exit 2 naming it, before any work.
#[test]
fn dash_o_writes_what_stdout_would_for_every_command() {
    let dir = scratch("dash-o");
    let file = dir.join("out.txt");
    let f = file.to_str().unwrap();
    let partner = "snapshots/partners/contoso-smb.yaml";
    // (gap's -o is the applied partner, tested below.)
    let runs: [&[&str]; 8] = [
        &["score", "--format", "json", partner],
        &["score", partner],
        &["score", "snapshots/portfolios/example.ndjson"],
        &["compare", "--base", "rules/2023-07", "--candidate", "rules/2024-06", "snapshots/partners"],
        &["diff-rules", "--format", "json", "rules/2023-07", "rules/2024-06"],
        &["generate", "--partners", "3", "--seed", "5"],
        &["schema", "report"],
        &["completions", "bash"],
    ];
    for args in runs {
        let plain = designate(args);
        for flag in ["-o", "--output"] {
            let _ = std::fs::remove_file(&file);
            let to_file = designate(&[args, &[flag, f]].concat());
            assert_eq!(to_file.status.code(), plain.status.code(), "{args:?}: {}", text(&to_file.stderr));
            assert!(to_file.stdout.is_empty(), "{args:?}: {flag} FILE leaves stdout empty");
            let written = std::fs::read(&file).unwrap();
            assert!(written == plain.stdout, "{args:?}: the file differs from stdout");
        }
        let dash = designate(&[args, &["-o", "-"]].concat());
        assert!(dash.stdout == plain.stdout, "{args:?}: -o - is stdout");
    }
    // A command that fails leaves the file as it was, and no temporary file beside it.
    std::fs::write(&file, "kept").unwrap();
    let failed = designate(&["score", "-o", f, "no-such-partner.yaml"]);
    assert_eq!(failed.status.code(), Some(2), "{}", text(&failed.stderr));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "kept");
    let names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 1, "{names:?}");
    // An input named as the output is refused, the input kept.
    let copy = dir.join("partner.yaml");
    std::fs::copy(workspace().join(partner), &copy).unwrap();
    let before = std::fs::read(&copy).unwrap();
    let c = copy.to_str().unwrap();
    let over = designate(&["score", "--format", "json", "-o", c, c]);
    assert_eq!(over.status.code(), Some(2), "{}", text(&over.stderr));
    assert!(text(&over.stderr).contains("-o names a file this command reads"), "{}", text(&over.stderr));
    assert_eq!(std::fs::read(&copy).unwrap(), before);
    // A folder that does not exist: exit 2, the path named, nothing created.
    let missing = dir.join("no-such-folder/out.json");
    let m = missing.to_str().unwrap();
    for args in [&["schema", "report", "-o", m][..], &["score", "-o", m, partner], &["man", "-o", m]] {
        let out = designate(args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.starts_with(&format!("error: {m}: cannot write: ")), "{args:?}: {stderr}");
    }
    assert!(!dir.join("no-such-folder").exists());
    // snapshot's folder and gap's applied partner take -o too (their old names stay).
    let snap = dir.join("snap");
    let out = designate(&["snapshot", "--rules", "rules/2024-06", "-o", snap.to_str().unwrap(), "snapshots/partners"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(snap.join("manifest.json").is_file());
    let applied = dir.join("applied.json");
    let out = designate(&["gap", "-o", applied.to_str().unwrap(), partner]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(std::fs::read_to_string(&applied).unwrap().contains("\"partner\""));
    assert!(out.stdout == designate(&["gap", partner]).stdout, "the gaps stay on stdout");
}

/// issue 14: the format for people is `text` on every command, and `table` is the same (the CLI contract's
/// `score --format table` keeps working).
#[test]
fn text_and_table_are_one_format_on_every_command() {
    let partner = "snapshots/partners/contoso-smb.yaml";
    let runs: [&[&str]; 5] = [
        &["score", partner],
        &["score", "snapshots/portfolios/example.ndjson"],
        &["compare", "--base", "rules/2023-07", "--candidate", "rules/2024-06", "snapshots/partners"],
        &["diff-rules", "rules/2023-07", "rules/2024-06"],
        &["gap", partner],
    ];
    for args in runs {
        let t = designate(&[args, &["--format", "text"]].concat());
        let table = designate(&[args, &["--format", "table"]].concat());
        assert_eq!(t.status.code(), table.status.code(), "{args:?}: {}", text(&t.stderr));
        assert!(!t.stdout.is_empty() && !t.stdout.starts_with(b"{"), "{args:?}: {}", text(&t.stdout));
        assert!(t.stdout == table.stdout, "{args:?}: text and table differ");
    }
    // diff: two snapshots of different rules.
    let dir = scratch("text-table-diff");
    let (a, b) = (dir.join("a"), dir.join("b"));
    for (rules, to) in [("rules/2023-07", &a), ("rules/2024-06", &b)] {
        let out = designate(&["snapshot", "--rules", rules, "--out", to.to_str().unwrap(), "snapshots/partners"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
    let diff = |format: &str| designate(&["diff", "--format", format, a.to_str().unwrap(), b.to_str().unwrap()]);
    let (t, table) = (diff("text"), diff("table"));
    assert_eq!(t.status.code(), Some(1));
    assert!(t.stdout == table.stdout, "diff: text and table differ");
    let help = text(&designate(&["score", "--help"]).stdout);
    assert!(help.contains("[possible values: text, json, yaml, csv, parquet]"), "{help}");
}

/// issue 14: `--quiet` drops the lines that say what was done (`ok:`, `wrote ...`), never errors or the output.
#[test]
fn quiet_silences_info_lines_but_not_errors_or_output() {
    let loud = designate(&["check", "rules/"]);
    assert!(text(&loud.stderr).contains("ok: "), "{}", text(&loud.stderr));
    for args in [&["-q", "check", "rules/"][..], &["check", "--quiet", "rules/"]] {
        let quiet = designate(args);
        assert_eq!(quiet.status.code(), Some(0));
        assert!(quiet.stderr.is_empty(), "{args:?}: {}", text(&quiet.stderr));
    }
    let dir = scratch("quiet");
    let applied = dir.join("applied.json");
    let partner = "snapshots/partners/contoso-smb.yaml";
    let loud = designate(&["gap", "-o", applied.to_str().unwrap(), partner]);
    assert!(text(&loud.stderr).contains("wrote "), "{}", text(&loud.stderr));
    let quiet = designate(&["gap", "-q", "-o", applied.to_str().unwrap(), partner]);
    assert!(quiet.stderr.is_empty(), "{}", text(&quiet.stderr));
    assert!(quiet.stdout == loud.stdout && !quiet.stdout.is_empty(), "the output itself still prints");
    let snap = dir.join("snap");
    let quiet =
        designate(&["-q", "snapshot", "--rules", "rules/2024-06", "-o", snap.to_str().unwrap(), "snapshots/partners"]);
    assert_eq!(quiet.status.code(), Some(0), "{}", text(&quiet.stderr));
    assert!(quiet.stderr.is_empty(), "{}", text(&quiet.stderr));
    let failed = designate(&["-q", "score", "no-such-partner.yaml"]);
    assert_eq!(failed.status.code(), Some(2));
    assert!(text(&failed.stderr).starts_with("error: no-such-partner.yaml"), "{}", text(&failed.stderr));
}

/// issue 14: the completion script and the man page come from the same definitions as --help: every subcommand.
#[test]
fn completions_and_the_man_page_name_every_subcommand() {
    let commands = subcommands();
    assert!(commands.len() >= 12 && commands.iter().any(|c| c == "completions"), "{commands:?}");
    let bash = designate(&["completions", "bash"]);
    assert_eq!(bash.status.code(), Some(0), "{}", text(&bash.stderr));
    let script = text(&bash.stdout);
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let out = designate(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        assert!(text(&out.stdout).contains("designate"), "{shell}");
    }
    let man = designate(&["man"]);
    assert_eq!(man.status.code(), Some(0), "{}", text(&man.stderr));
    // roff writes a hyphen as `\-`.
    let page = text(&man.stdout).replace("\\-", "-");
    assert!(page.starts_with(".TH designate 1 "), "{page}");
    for command in &commands {
        assert!(script.contains(command.as_str()), "the bash completion lacks {command}");
        assert!(page.contains(command.as_str()), "the man page lacks {command}");
    }
    assert_eq!(designate(&["completions", "tcsh"]).status.code(), Some(2), "an unknown shell is a bad argument");
}

/// The shipped versions on disk, with their digests, as the engine loads them.
fn shipped_digests() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(workspace().join("rules")).unwrap() {
        let dir = entry.unwrap().path();
        if dir.join("program.toml").is_file() {
            let rules = designate_engine::RuleSet::load(&dir).unwrap();
            out.push((rules.version.clone(), rules.digest.clone()));
        }
    }
    out.sort();
    out
}

/// issue 14: `--version` names each rule version built into the binary with its range and digest, the digest
/// of the folder it was built from; `-V` stays one line.
#[test]
fn long_version_names_each_built_in_rule_version_and_its_digest() {
    let short = text(&designate(&["-V"]).stdout);
    assert_eq!(short, format!("designate {}\n", env!("CARGO_PKG_VERSION")));
    let long = designate(&["--version"]);
    assert_eq!(long.status.code(), Some(0));
    let long = text(&long.stdout);
    let mut lines = long.lines();
    assert_eq!(lines.next(), Some(format!("designate {}", env!("CARGO_PKG_VERSION")).as_str()));
    let rules: Vec<&str> = lines.collect();
    let shipped = shipped_digests();
    assert_eq!(rules.len(), shipped.len(), "{long}");
    for ((version, digest), line) in shipped.iter().zip(&rules) {
        assert!(line.starts_with(&format!("rules: {version} (")), "{line}");
        assert!(line.ends_with(&format!(") {digest}")), "{line} vs {digest}");
    }
    assert!(long.contains("rules: 2023-07 (2023-07 … 2024-05) sha256:"), "{long}");
}

/// issue 14: a binary copied where no rules/ folder is (as `cargo install` puts it) scores with the rules built
/// into it, by each partner's as_of, with the digests of the shipped folders; `--rules` still wins.
#[test]
fn an_installed_binary_scores_with_the_rules_built_into_it() {
    let dir = scratch("installed");
    let bin = dir.join("home/bin/designate");
    std::fs::create_dir_all(bin.parent().unwrap()).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_designate"), &bin).unwrap();
    let partner = workspace().join("snapshots/partners/contoso-smb.yaml");
    let run = |args: &[&str]| {
        Command::new(&bin).args(args).current_dir(&dir).env_remove("DESIGNATE_RULES").output().expect("it runs")
    };
    let out = run(&["score", "--format", "json", partner.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let from_checkout = designate(&["score", "--format", "json", partner.to_str().unwrap()]);
    assert!(out.stdout == from_checkout.stdout, "the built-in rules score as the shipped folder does");
    let version = report["rules"]["version"].as_str().unwrap();
    let digest = shipped_digests().into_iter().find(|(v, _)| v == version).unwrap().1;
    assert_eq!(report["rules"]["digest"], digest.as_str());
    // The table's gap commands omit a --rules no user could pass.
    let table = text(&run(&["score", partner.to_str().unwrap()]).stdout);
    assert!(!table.contains("<built-in>"), "{table}");
    // A partner no built-in version covers names where the rules came from.
    std::fs::write(dir.join("old.json"), r#"{"partner": {"id": "old"}, "as_of": "2019-01"}"#).unwrap();
    let old = run(&["score", "old.json"]);
    assert_eq!(old.status.code(), Some(1));
    assert!(text(&old.stderr).contains("versions in <built-in>/rules: 2023-07"), "{}", text(&old.stderr));
    assert!(!text(&old.stderr).contains("--rules <built-in>"), "no folder to pass: {}", text(&old.stderr));
    // --rules wins over the built-in rules.
    let forced = run(&["score", "--format", "json", "--rules", "no-such-rules", partner.to_str().unwrap()]);
    assert_eq!(forced.status.code(), Some(2), "{}", text(&forced.stderr));
    let generated = run(&["generate", "--partners", "2"]);
    assert_eq!(generated.status.code(), Some(0), "{}", text(&generated.stderr));
}

/// Issue 14: `check` and `test` take `-o` as every other command does (one argument type, `output::OutputArg`):
/// `-o -` is stdout, not a file named `-`, and a folder `-o` cannot write to stops the command before its work.
#[test]
fn check_and_test_take_dash_o_as_every_command_does() {
    let dir = scratch("dash-o-check-test");
    let fixture = workspace().join("cli/tests/check-formats/2024-06");
    let rules = workspace().join("rules/2024-06");
    let check = designate_in(&dir, &["check", "--format", "json", "-o", "-", fixture.to_str().unwrap()]);
    assert_eq!(check.status.code(), Some(1), "{}", text(&check.stderr));
    let document: serde_json::Value = serde_json::from_slice(&check.stdout).expect("the JSON list on stdout");
    assert_eq!(document.as_array().map(Vec::len), Some(2), "{document}");
    let test = designate_in(&dir, &["test", "--format", "json", "-o", "-", rules.to_str().unwrap()]);
    assert_eq!(test.status.code(), Some(0), "{}", text(&test.stderr));
    let document: serde_json::Value = serde_json::from_slice(&test.stdout).expect("the JSON document on stdout");
    assert_eq!(document["failed"], 0, "{document}");
    assert!(!dir.join("-").exists(), "`-o -` wrote a file named -");
    // Text with `-o -` goes to stdout too, the problems and their count.
    let text_out = designate_in(&dir, &["check", "-o", "-", fixture.to_str().unwrap()]);
    assert_eq!(text_out.status.code(), Some(1));
    assert!(text(&text_out.stdout).ends_with("error: 2 problem(s) found\n"), "{}", text(&text_out.stdout));
    for command in ["check", "test"] {
        let out = designate_in(&dir, &[command, "-o", "no-such-folder/out.txt", rules.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{command}: {}", text(&out.stderr));
        assert!(
            text(&out.stderr).starts_with("error: no-such-folder/out.txt: cannot write: "),
            "{}",
            text(&out.stderr)
        );
    }
}

// issue 15: the command turns transparent huge pages off for itself, since with THP `always` every fault of the
// allocator's memory zeroed 2 MiB (docs/performance-rounds.md). Its /proc status says so while it waits for its input;
// the test process's own status, read the same way, says they are on (the field means what the test takes it to).
#[cfg(target_os = "linux")]
#[test]
fn the_command_runs_without_transparent_huge_pages() {
    let thp = |pid: &str| {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        status.lines().find_map(|l| l.strip_prefix("THP_enabled:")).map(|v| v.trim().to_owned())
    };
    assert_eq!(thp("self").as_deref(), Some("1"), "the test process keeps transparent huge pages");
    let mut child = Command::new(env!("CARGO_BIN_EXE_designate"))
        .args(["score", "--rules", "rules/2024-06", "-"])
        .current_dir(workspace())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary runs");
    let pid = child.id().to_string();
    let mut seen = thp(&pid);
    for _ in 0..400 {
        if seen.as_deref() == Some("0") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
        seen = thp(&pid);
    }
    drop(child.stdin.take());
    let status = child.wait().expect("the command ends");
    assert_eq!(seen.as_deref(), Some("0"), "`designate score -` runs with transparent huge pages off");
    assert!(status.success(), "no input, no partners: {status}");
}
