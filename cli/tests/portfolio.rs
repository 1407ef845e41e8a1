//! Portfolio commands: `compare` (with `--set`), `diff-rules`, `snapshot` and `diff`, as analysts and
//! auditors run them.

mod common;

use common::{copy_dir, designate, scratch, text, workspace};
use std::path::Path;
use std::process::{Command, Output};

fn designate_env(args: &[&str], key: &str, value: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_designate"))
        .args(args)
        .env(key, value)
        .current_dir(workspace())
        .output()
        .expect("the binary runs")
}

fn json(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("valid JSON")
}

#[test]
fn compare_counts_gains_and_losses_and_attributes_them() {
    let cmp = json(&designate(&[
        "compare",
        "--base",
        "rules/2023-07",
        "--candidate",
        "rules/2024-06",
        "--format",
        "json",
        "snapshots/partners",
    ]));
    assert_eq!(cmp["base"]["version"], "2023-07");
    assert_eq!(cmp["candidate"]["version"], "2024-06");
    let partners = cmp["partners"].as_array().unwrap();
    assert_eq!(cmp["summary"]["partners"].as_u64().unwrap() as usize, partners.len());
    // The baseline-300 customer is an add under 2023-07 but not under 2024-06 (seed 000's transition rule).
    let p = partners.iter().find(|p| p["partner"] == "net-adds-baseline-300").unwrap();
    let d = p["designations"].as_array().unwrap().iter().find(|d| d["id"] == "data-ai").unwrap();
    let adds = d["metrics"].as_array().unwrap().iter().find(|m| m["id"] == "net-customer-adds").unwrap();
    assert_eq!((adds["before"].as_i64(), adds["after"].as_i64()), (Some(10), Some(0)), "{d}");
    assert!(d["attribution"].as_str().unwrap().contains("net-customer-adds -10 (10 → 0)"), "{d}");
    // Per-designation counts agree with the per-partner statuses.
    for s in cmp["summary"]["designations"].as_array().unwrap() {
        let id = s["id"].as_str().unwrap();
        let gained = partners
            .iter()
            .flat_map(|p| p["designations"].as_array().unwrap())
            .filter(|d| d["id"] == id && d["status"] == "gained")
            .count();
        assert_eq!(s["gained"].as_u64().unwrap() as usize, gained, "{id}");
    }
}

#[test]
fn only_changed_keeps_the_summary_and_shortens_the_list() {
    let all = json(&designate(&[
        "compare",
        "--base",
        "rules/2023-07",
        "--candidate",
        "rules/2024-06",
        "--format",
        "json",
        "snapshots/partners",
    ]));
    let short = json(&designate(&[
        "compare",
        "--base",
        "rules/2023-07",
        "--candidate",
        "rules/2024-06",
        "--format",
        "json",
        "--only-changed",
        "snapshots/partners",
    ]));
    assert_eq!(all["summary"], short["summary"]);
    let changed = all["partners"].as_array().unwrap().iter().filter(|p| p["changed"] == true).count();
    assert_eq!(short["partners"].as_array().unwrap().len(), changed);
    assert!(changed < all["partners"].as_array().unwrap().len());
}

#[test]
fn set_overrides_a_parameter_for_the_candidate_only() {
    // Lowering the bar to 65 points makes partners with 65–69.99 attain; nothing else moves.
    let cmp = json(&designate(&[
        "compare",
        "--base",
        "rules/2024-06",
        "--candidate",
        "rules/2024-06",
        "--set",
        "qualification.min_total=65",
        "--format",
        "json",
        "snapshots/partners",
    ]));
    assert_eq!(cmp["overrides"][0], "qualification.min_total=65");
    assert_ne!(cmp["base"]["digest"], cmp["candidate"]["digest"], "the override shows in the digest");
    for p in cmp["partners"].as_array().unwrap() {
        for d in p["designations"].as_array().unwrap() {
            assert_eq!(d["delta"].as_i64(), Some(0), "points never move: {d}");
            assert_ne!(d["status"], "lost");
        }
    }
    // A metric parameter: a higher SMB customer threshold can only lower Azure net adds.
    let cmp = json(&designate(&[
        "compare",
        "--base",
        "rules/2024-06",
        "--candidate",
        "rules/2024-06",
        "--set",
        "data-ai.smb.net-customer-adds.threshold=650",
        "--format",
        "json",
        "snapshots/partners/../partners",
    ]));
    let contoso = cmp["partners"].as_array().unwrap().iter().find(|p| p["partner"] == "contoso-smb").unwrap();
    let d = contoso["designations"].as_array().unwrap().iter().find(|d| d["id"] == "data-ai").unwrap();
    assert_eq!(d["delta"].as_i64(), Some(-10), "c-birch (USD 640.40) no longer counts: {d}");
}

#[test]
fn a_bad_override_is_refused_like_a_bad_edit() {
    for (set, expected) in [
        ("data-ai.smb.net-customer-adds.treshold=400", "unknown key `treshold`"),
        ("data-ai.smb.net-customer-adds.threshold=lots", "expected a decimal number"),
        ("data-ai.medium.net-customer-adds.threshold=400", "no path \"medium\" (paths: enterprise, smb)"),
        ("data-eye.smb.net-customer-adds.threshold=400", "no designation \"data-eye\""),
    ] {
        let out = designate(&[
            "compare",
            "--base",
            "rules/2024-06",
            "--candidate",
            "rules/2024-06",
            "--set",
            set,
            "snapshots/partners",
        ]);
        // A candidate that does not load: the command could not run.
        assert_eq!(out.status.code(), Some(2), "{set}");
        assert!(text(&out.stderr).contains(expected), "{set}: {}", text(&out.stderr));
    }
}

#[test]
fn compare_csv_has_one_row_per_partner_and_designation() {
    let out = designate(&[
        "compare",
        "--base",
        "rules/2023-07",
        "--candidate",
        "rules/2024-06",
        "--format",
        "csv",
        "snapshots/partners",
    ]);
    assert!(out.status.success());
    let csv = text(&out.stdout);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("partner,as_of,designation,status,path_before,path_after,points_before,points_after,delta,qualified_before,qualified_after,attribution,base_version,base_digest,candidate_version,candidate_digest,overrides")
    );
    let partners = std::fs::read_dir(workspace().join("snapshots/partners")).unwrap().count();
    assert_eq!(lines.count(), partners * 6);
}

/// issue 11: a compare CSV loaded on its own (pandas, DuckDB) must still say which rules and overrides its
/// numbers come from, and quoted fields must read back as written.
#[test]
fn compare_csv_carries_rule_versions_digests_and_overrides() {
    let out = designate(&[
        "compare",
        "--base",
        "rules/2024-06",
        "--candidate",
        "rules/2024-06",
        "--set",
        "qualification.min_total=65",
        "--format",
        "csv",
        "snapshots/partners",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let cmp = json(&designate(&[
        "compare",
        "--base",
        "rules/2024-06",
        "--candidate",
        "rules/2024-06",
        "--set",
        "qualification.min_total=65",
        "--format",
        "json",
        "snapshots/partners",
    ]));
    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let mut rows = 0;
    let mut attributions = 0;
    for record in reader.records() {
        let record = record.unwrap();
        assert_eq!(record.len(), headers.len());
        assert_eq!(&record[column("base_version")], "2024-06");
        assert_eq!(&record[column("base_digest")], cmp["base"]["digest"].as_str().unwrap());
        assert_eq!(&record[column("candidate_version")], "2024-06");
        assert_eq!(&record[column("candidate_digest")], cmp["candidate"]["digest"].as_str().unwrap());
        assert_ne!(cmp["base"]["digest"], cmp["candidate"]["digest"], "the override changes the candidate's digest");
        assert_eq!(&record[column("overrides")], "qualification.min_total=65");
        attributions += usize::from(record[column("attribution")].contains(','));
        rows += 1;
    }
    assert_eq!(rows, std::fs::read_dir(workspace().join("snapshots/partners")).unwrap().count() * 6);
    assert!(attributions > 0, "some attribution holds a comma, and it reads back whole");
}

/// Issue 12: `compare` says why a designation is not attained under the candidate, from the numbers, and gives
/// the `gap` command that lists what would attain it.
#[test]
fn compare_says_why_not_and_points_to_gap() {
    let out = designate(&["compare", "--base", "rules/2023-07", "--candidate", "rules/2024-06", "snapshots/partners"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    assert!(table.contains("      why not: "), "{table}");
    assert!(
        table.contains(
            "\nwhat would attain a designation: designate gap --rules rules/2024-06 --designation ID PARTNER_FILE\n"
        ),
        "{table}"
    );
    // Each why-not follows a listed designation that is not attained after, and says it in numbers.
    let lines: Vec<&str> = table.lines().collect();
    for (i, line) in lines.iter().enumerate().filter(|(_, l)| l.starts_with("      why not: ")) {
        let above = lines[i - 1];
        assert!(above.contains(" lost ") || above.contains(" not-attained "), "{above}\n{line}");
        assert!(line.contains("points short (") || line.contains("each metric needs"), "{line}");
    }
    let json_out = json(&designate(&[
        "compare",
        "--base",
        "rules/2023-07",
        "--candidate",
        "rules/2024-06",
        "--format",
        "json",
        "snapshots/partners",
    ]));
    for p in json_out["partners"].as_array().unwrap() {
        for d in p["designations"].as_array().unwrap() {
            assert_eq!(d["shortfall"].is_null(), d["qualified_after"] == true, "{d}");
        }
    }
}

/// issue 11: `--only-changed` shortens the table as it does CSV and JSON; without it every partner is listed.
#[test]
fn only_changed_shortens_the_compare_table() {
    let args = ["compare", "--base", "rules/2023-07", "--candidate", "rules/2024-06", "snapshots/partners"];
    let all = designate(&args);
    let short = designate(&[&args[..5], &["--only-changed"], &args[5..]].concat());
    assert!(all.status.success() && short.status.success(), "{}", text(&short.stderr));
    let (all, short) = (text(&all.stdout), text(&short.stdout));
    let unchanged = all.lines().filter(|l| l.ends_with("  unchanged")).count();
    assert!(unchanged > 0, "without --only-changed, unchanged partners are listed:\n{all}");
    assert!(!short.lines().any(|l| l.ends_with("  unchanged")), "{short}");
    assert!(short.contains("\nchanged partners\n"), "{short}");
    assert_eq!(all.lines().count(), short.lines().count() + unchanged, "only the unchanged partners' lines go");
}

#[test]
fn diff_rules_reports_meaning_not_text() {
    let out = designate(&["diff-rules", "rules/2023-07", "rules/2024-06"]);
    // Differences are findings: exit status 1, as for `diff`.
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    assert!(report.starts_with("rules 2023-07 → 2024-06: "), "{report}");
    assert!(report.contains("+ path smb: 4 metrics"), "{report}");
    assert!(report.contains("~ rule: eligible-count-difference → transitions"), "{report}");
    let same = designate(&["diff-rules", "rules/2024-06", "rules/2024-06"]);
    assert!(text(&same.stdout).starts_with("rules 2024-06 → 2024-06: no changes"), "{}", text(&same.stdout));
}

// Issue 11: with software/ or catalogue/specializations.toml edited, the digest and the scores' software and
// program sections changed, yet `diff-rules` said "no changes" and `compare` "0 changed", with nothing on rules.
#[test]
fn diff_rules_and_compare_list_software_and_specialization_changes() {
    let dir = scratch("rule-files");
    let candidate = dir.join("2024-06");
    copy_dir(&workspace().join("rules/2024-06"), &candidate);
    let edit = |rel: &str, from: &str, to: &str| {
        let file = candidate.join(rel);
        let before = std::fs::read_to_string(&file).unwrap();
        assert_eq!(before.matches(from).count(), 1, "{from:?} in {rel}");
        std::fs::write(&file, before.replace(from, to)).unwrap();
    };
    // tailspin-guard (program-status-isv) is certified for Azure through 41 transactions over 100: now too few.
    edit(
        "software/azure.toml",
        "fact = \"transactions_over_100\", at_least = 30",
        "fact = \"transactions_over_100\", at_least = 50",
    );
    let hci = "Hybrid Cloud Infrastructure with Microsoft Azure Stack HCI";
    edit(
        "catalogue/specializations.toml",
        &format!("name = \"{hci}\"\ndesignations = [\"data-ai\", \"digital-app-innovation\", \"infrastructure\"]"),
        &format!("name = \"{hci}\"\ndesignations = [\"data-ai\", \"digital-app-innovation\"]"),
    );
    let cand = candidate.to_str().unwrap();
    let out = designate(&["diff-rules", "rules/2024-06", cand]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let report = text(&out.stdout);
    assert!(report.starts_with("rules 2024-06 → 2024-06: 3 changes\n"), "{report}");
    assert!(report.contains(&format!("\nspecialization {hci}\n  - designations: infrastructure\n")), "{report}");
    assert!(
        report.contains(
            "\nsoftware software-azure\n  + requirement[partner-performance].any_of: { all_of = [{ at_least = 50, "
        ),
        "{report}"
    );

    let cmp = designate(&["compare", "--base", "rules/2024-06", "--candidate", cand, "snapshots/partners"]);
    assert!(cmp.status.success(), "{}", text(&cmp.stderr));
    let table = text(&cmp.stdout);
    assert_eq!(
        table.lines().nth(2).unwrap_or_default(),
        format!("rule changes: 3 at specialization {hci}, software software-azure (`designate diff-rules` lists them)"),
        "{table}"
    );
    // Issue 13: l26-window-held holds Infrastructure through its qualification window, so it loses the
    // specialization too (attains-infrastructure and program-status-isv are the other two).
    assert!(table.contains(" partners scored, 3 changed, 0 failed\n"), "{table}");
    assert!(
        table.contains(&format!("  l26-window-held (as of 2026-10)\n    specialization {hci}: open → closed\n")),
        "{table}"
    );
    assert!(
        table.contains(&format!(
            "  program-status-isv (as of 2024-06)\n    specialization {hci}: open → closed\n    \
             software software-azure for tailspin-guard: attained → not attained\n"
        )),
        "{table}"
    );
    let cmp = designate(&[
        "compare",
        "--base",
        "rules/2024-06",
        "--candidate",
        cand,
        "--format",
        "json",
        "snapshots/partners",
    ]);
    let cmp = json(&cmp);
    let changes = cmp["rule_changes"].as_array().unwrap();
    assert_eq!(changes.len(), 3);
    assert_eq!(changes[0]["place"], format!("specialization {hci}"));
    let isv = cmp["partners"].as_array().unwrap().iter().find(|p| p["partner"] == "program-status-isv").unwrap();
    assert_eq!(isv["changed"], true);
    assert_eq!(isv["status"][1], "software software-azure for tailspin-guard: attained → not attained");
    let same = designate(&["compare", "--base", "rules/2024-06", "--candidate", "rules/2024-06", "snapshots/partners"]);
    assert_eq!(text(&same.stdout).lines().nth(2), Some("rule changes: none (the same files)"));
}

// Issue 11: `diff-rules ... | head -1` (a reader that stops early) made the report commands panic on the broken
// pipe. The pipe is closed before the command writes, so every write fails.
#[test]
fn report_commands_stop_quietly_when_the_reader_goes_away() {
    let runs: [&[&str]; 3] = [
        &["diff-rules", "--format", "json", "rules/2023-07", "rules/2024-06"],
        &["diff-rules", "rules/2023-07", "rules/2024-06"],
        &["compare", "--base", "rules/2023-07", "--candidate", "rules/2024-06", "snapshots/partners"],
    ];
    for args in runs {
        let mut child = Command::new(env!("CARGO_BIN_EXE_designate"))
            .args(args)
            .current_dir(workspace())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert!(!text(&out.stderr).contains("panicked"), "{args:?}: {}", text(&out.stderr));
        assert_ne!(out.status.code(), Some(101), "{args:?}");
    }
}

#[test]
fn snapshots_are_deterministic_serial_or_parallel_and_diff_says_so() {
    // One version: since issue 13 the default scores by date, and some example partners predate every version.
    let dir = scratch("snap");
    let (a, b) = (dir.join("a"), dir.join("b"));
    let one = designate_env(
        &["snapshot", "--rules", "rules/2024-06", "--out", a.to_str().unwrap(), "snapshots/partners"],
        "RAYON_NUM_THREADS",
        "1",
    );
    assert!(one.status.success(), "{}", text(&one.stderr));
    let many = designate_env(
        &["snapshot", "--rules", "rules/2024-06", "--out", b.to_str().unwrap(), "snapshots/partners"],
        "RAYON_NUM_THREADS",
        "4",
    );
    assert!(many.status.success(), "{}", text(&many.stderr));
    let mut names: Vec<_> = std::fs::read_dir(&a).unwrap().map(|e| e.unwrap().file_name()).collect();
    names.sort();
    assert!(names.len() > 50);
    for name in &names {
        assert_eq!(std::fs::read(a.join(name)).unwrap(), std::fs::read(b.join(name)).unwrap(), "{name:?} differs");
    }
    assert!(!names.iter().any(|n| n.to_string_lossy().contains(".tmp")), "no temporary file is left");

    let same = designate(&["diff", a.to_str().unwrap(), b.to_str().unwrap()]);
    assert_eq!(same.status.code(), Some(0), "{}", text(&same.stdout));
    assert!(text(&same.stdout).starts_with("no differences: "), "{}", text(&same.stdout));

    // The same inputs under the older rules: rules changed, and each changed result is explained.
    let c = dir.join("c");
    let old = designate(&["snapshot", "--rules", "rules/2023-07", "--out", c.to_str().unwrap(), "snapshots/partners"]);
    assert!(old.status.success(), "{}", text(&old.stderr));
    let changed = designate(&["diff", c.to_str().unwrap(), a.to_str().unwrap()]);
    assert_eq!(changed.status.code(), Some(1));
    let report = text(&changed.stdout);
    assert!(report.starts_with("rules changed:\n  - 2023-07 sha256:"), "{report}");
    assert!(report.contains("  net-adds-baseline-300: same input, rules 2023-07 → 2024-06: "), "{report}");
}

/// Issue 12: `diff` counted every partner whose result file differed (all of them when the rules changed, since
/// a result names its rules) while `compare` counted partners whose points, attainment or status changed: 60 vs
/// 50 on the example portfolio of the time. Both now count by the engine's one definition (58 of 60 on the portfolio
/// generated from the rules).
#[test]
fn diff_and_compare_count_the_same_partners_as_changed() {
    let dir = scratch("same-changed");
    let (a, b) = (dir.join("a"), dir.join("b"));
    let portfolio = "snapshots/portfolios/example.ndjson";
    for (rules, out) in [("rules/2023-07", &a), ("rules/2024-06", &b)] {
        let snap = designate(&["snapshot", "--rules", rules, "--out", out.to_str().unwrap(), portfolio]);
        assert!(snap.status.success(), "{}", text(&snap.stderr));
    }
    let diff = designate(&["diff", "--format", "json", a.to_str().unwrap(), b.to_str().unwrap()]);
    assert_eq!(diff.status.code(), Some(1), "{}", text(&diff.stderr));
    let diff: serde_json::Value = serde_json::from_slice(&diff.stdout).unwrap();
    let cmp = json(&designate(&[
        "compare",
        "--base",
        "rules/2023-07",
        "--candidate",
        "rules/2024-06",
        "--format",
        "json",
        portfolio,
    ]));
    assert_eq!(diff["summary"]["changed"], cmp["summary"]["changed"], "{}", diff["summary"]);
    assert_eq!(diff["summary"]["changed"], 58);
    assert_eq!(diff["summary"]["differ"], 60, "every result names other rules, so every result differs");
    // Partner by partner, not only in total.
    let changed = |list: &serde_json::Value, key: &str| -> Vec<String> {
        let mut ids: Vec<String> = list
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| if key == "state" { p["state"] == "changed" } else { p["changed"] == true })
            .map(|p| p["partner"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(changed(&diff["partners"], "state"), changed(&cmp["partners"], "changed"));
    let text_form = designate(&["diff", a.to_str().unwrap(), b.to_str().unwrap()]);
    let report = text(&text_form.stdout);
    assert!(
        report.contains("\n60 of 60 partners differ, 58 changed (points, attainment or program status"),
        "{report}"
    );
}

/// Issue 12: the diff is one short block per partner: each designation that moved on a line of its own, with
/// points before → after, `lost` or `gained`, the path change, then the metrics that moved.
#[test]
fn diff_shows_one_block_per_partner_with_designations_and_metrics() {
    let dir = scratch("diff-blocks");
    let (a, b) = (dir.join("a"), dir.join("b"));
    for (rules, out) in [("rules/2023-07", &a), ("rules/2024-06", &b)] {
        let snap = designate(&[
            "snapshot",
            "--rules",
            rules,
            "--out",
            out.to_str().unwrap(),
            "snapshots/portfolios/example.ndjson",
        ]);
        assert!(snap.status.success(), "{}", text(&snap.stderr));
    }
    let out = designate(&["diff", a.to_str().unwrap(), b.to_str().unwrap()]);
    let report = text(&out.stdout);
    let json_out = designate(&["diff", "--format", "json", a.to_str().unwrap(), b.to_str().unwrap()]);
    let doc: serde_json::Value = serde_json::from_slice(&json_out.stdout).unwrap();
    // Every designation lost or gained in the JSON is marked so on its own line of the text.
    let mut marked = 0;
    for p in doc["partners"].as_array().unwrap() {
        let id = p["partner"].as_str().unwrap();
        let rest =
            report.split(&format!("\n  {id}: ")).nth(1).unwrap_or_else(|| panic!("no block for {id}:\n{report}"));
        let block: Vec<&str> = rest.lines().skip(1).take_while(|l| l.starts_with("    ")).collect();
        for d in p["change"]["designations"].as_array().into_iter().flatten() {
            let status = d["status"].as_str().unwrap();
            if status == "lost" || status == "gained" {
                let line =
                    format!("    {}  {} → {} ", d["id"].as_str().unwrap(), d["points_before"], d["points_after"]);
                let found = block.iter().find(|l| l.starts_with(&line));
                let found = found.unwrap_or_else(|| panic!("{line:?} not in\n{}", block.join("\n")));
                assert!(found.contains(&format!("  {status}")), "{found}");
                marked += 1;
            }
        }
    }
    assert!(marked > 0, "the example partners gain or lose designations between versions:\n{report}");
}

#[test]
fn the_shipped_example_portfolio_is_the_generators_output() {
    let out = designate(&["generate", "--partners", "60", "--seed", "2024", "--as-of", "2024-06"]);
    assert!(out.status.success());
    let shipped = std::fs::read(workspace().join("snapshots/portfolios/example.ndjson")).unwrap();
    assert!(
        shipped == out.stdout,
        "snapshots/portfolios/example.ndjson differs from `designate generate --partners 60 --seed 2024`"
    );
}

/// Issue 13: docs/compare.md compares the 2026 example portfolio (the generator's partners for 2024-06, as of 2026-07)
/// from 2024-06 to 2026-07. The shipped file is what the documented `generate` writes, and the summary the page shows is what the
/// documented `compare` prints, line for line, so the page's explanation stays about the real output.
#[test]
fn the_2026_example_portfolio_and_its_documented_summary() {
    let generate = ["generate", "--rules", "rules/2024-06", "--as-of", "2026-07", "--partners", "60", "--seed", "2026"];
    let out = designate(&generate);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shipped = std::fs::read(workspace().join("snapshots/portfolios/example-2026.ndjson")).unwrap();
    assert!(
        shipped == out.stdout,
        "snapshots/portfolios/example-2026.ndjson differs from `designate {}`",
        generate.join(" ")
    );
    let doc = std::fs::read_to_string(workspace().join("docs/compare.md")).unwrap();
    for command in [generate.join(" "), "compare --base rules/2024-06 --candidate rules/2026-07".to_owned()] {
        assert!(doc.contains(&format!("designate {command}")), "docs/compare.md no longer shows `designate {command}`");
    }
    let out = designate(&[
        "compare",
        "--base",
        "rules/2024-06",
        "--candidate",
        "rules/2026-07",
        "snapshots/portfolios/example-2026.ndjson",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    // The summary: from the partner count to the point changes, before the per-partner list.
    let printed: Vec<&str> =
        table.lines().skip_while(|l| !l.contains(" partners scored")).take_while(|l| *l != "partners").collect();
    let marker = "<!-- the summary below is what the compare command above prints (cli/tests/portfolio.rs) -->";
    let shown = doc.split(marker).nth(1).expect("docs/compare.md marks the 2026 summary");
    let shown: Vec<&str> = shown.lines().skip_while(|l| *l != "```text").skip(1).take_while(|l| *l != "```").collect();
    assert!(printed.len() > 10, "{table}");
    assert_eq!(shown.join("\n").trim_end(), printed.join("\n").trim_end(), "docs/compare.md shows another summary");
}

/// Issue 12: `generate --rules` generates for the rule set it is given (a root: the version in effect at --as-of;
/// no --as-of: the version's last effective month), the same bytes for the same rules and seed.
#[test]
fn generate_reads_the_rules_it_is_given() {
    let run = |args: &[&str]| {
        let out = designate(&[&["generate", "--partners", "3", "--seed", "5"], args].concat());
        assert!(out.status.success(), "{}", text(&out.stderr));
        out.stdout
    };
    let old = run(&["--rules", "rules/2023-07"]);
    let first: serde_json::Value = serde_json::from_str(text(&old).lines().next().unwrap()).unwrap();
    assert_eq!(first["as_of"], "2024-05", "the last month 2023-07 is in effect");
    assert_eq!(old, run(&["--rules", "rules", "--as-of", "2024-05"]), "the root's version for 2024-05 is 2023-07");
    assert_ne!(old, run(&["--rules", "rules/2024-06", "--as-of", "2024-05"]), "other rules, other partners");
    // The newest shipped version is 2026-07 since issue 13.
    assert_eq!(run(&[]), run(&["--rules", "rules/2026-07"]), "the default is the newest shipped version");
}

/// Issue 12: the generator reads the rules, so the shipped example portfolio (generated for the newest version)
/// has, for every designation of that version, partners that attain it and partners that fall short.
#[test]
fn the_example_portfolio_attains_and_misses_every_designation() {
    let out = designate(&["score", "snapshots/portfolios/example.ndjson"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut counts: std::collections::BTreeMap<String, (usize, usize)> = std::collections::BTreeMap::new();
    for line in text(&out.stdout).lines() {
        let report: serde_json::Value = serde_json::from_str(line).unwrap();
        for d in report["designations"].as_array().unwrap() {
            let entry = counts.entry(d["id"].as_str().unwrap().to_owned()).or_default();
            if d["qualified"] == true {
                entry.0 += 1;
            } else {
                entry.1 += 1;
            }
        }
    }
    assert_eq!(counts.len(), 6, "{counts:?}");
    for (id, (attained, missed)) in &counts {
        assert!(*attained >= 3 && *missed >= 3, "{id}: {attained} attain, {missed} fall short");
    }
}

/// The summary of the shipped example portfolio compared across the two shipped versions, explained in
/// docs/compare.md. Pinned so that any change to rules or engine that moves these counts is reviewed.
#[test]
fn the_example_portfolio_summary_is_pinned() {
    let out = designate(&[
        "compare",
        "--base",
        "rules/2023-07",
        "--candidate",
        "rules/2024-06",
        "--format",
        "json",
        "snapshots/portfolios/example.ndjson",
    ]);
    let cmp = json(&out);
    let mut summary = String::new();
    let s = &cmp["summary"];
    summary.push_str(&format!("partners {}, changed {}, failed {}\n", s["partners"], s["changed"], s["failed"]));
    for d in s["designations"].as_array().unwrap() {
        let paths: Vec<String> = d["by_path"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| format!("{} +{}/-{}", p["path"].as_str().unwrap(), p["gained"], p["lost"]))
            .collect();
        summary.push_str(&format!(
            "{:<24} attained {:>2} → {:>2}  gained {}  lost {}  mean Δ {}  {}\n",
            d["id"].as_str().unwrap(),
            d["attained_before"],
            d["attained_after"],
            d["gained"],
            d["lost"],
            d["mean_delta"],
            paths.join(", ")
        ));
    }
    for b in s["point_changes"].as_array().unwrap() {
        summary.push_str(&format!("points {:>12}: {}\n", b["label"].as_str().unwrap(), b["count"]));
    }
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(workspace().join("snapshots/reports"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!("example-portfolio-compare-2023-07-to-2024-06", summary));
}

#[test]
fn csv_tables_score_like_the_same_partner_files() {
    let out = designate(&["score", "snapshots/portfolios/tables"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines: Vec<serde_json::Value> = text(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let names = ["contoso-smb", "security-northwind", "bizapps-smb", "modernwork-smb-wins"];
    assert_eq!(lines.len(), names.len());
    for (line, name) in lines.iter().zip(names) {
        let file = format!("snapshots/partners/{name}.yaml");
        let one = json(&designate(&["score", "--format", "json", &file]));
        assert_eq!(line, &one, "{name}: the CSV row scores differently from its partner file");
    }
}

#[test]
fn csv_tables_report_located_problems() {
    let dir = scratch("tables");
    let src = workspace().join("snapshots/portfolios/tables");
    for f in ["partners.csv", "customers.csv", "people.csv", "usage.csv"] {
        std::fs::copy(src.join(f), dir.join(f)).unwrap();
    }
    // Move the first usage row to the end: contoso's rows are no longer contiguous.
    let usage = std::fs::read_to_string(dir.join("usage.csv")).unwrap();
    let mut rows: Vec<&str> = usage.lines().collect();
    let first = rows.remove(1);
    rows.push(first);
    std::fs::write(dir.join("usage.csv"), rows.join("\n") + "\n").unwrap();
    let out = designate(&["score", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("usage.csv:"), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("appear again after other partners"), "{}", text(&out.stderr));

    std::fs::write(dir.join("customers.csv"), "partner_id,customer_id,segmnt\n").unwrap();
    let out = designate(&["score", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("customers.csv:1: unknown column \"segmnt\""), "{}", text(&out.stderr));
}

/// Issue 15: an empty cell where a value is required (a value, a month, a measure, an as_of, an earned date) fails
/// its partner at its line, naming the column and saying it is empty; the others are scored (exit 1). It used to
/// be told the serde words for the empty text (`invalid value: string ""`, `unknown value ``` for a measure),
/// without the column.
#[test]
fn csv_tables_say_an_empty_required_cell_is_empty() {
    let src = workspace().join("snapshots/portfolios/tables");
    // (table, line, cell index, column)
    let cases = [
        ("usage", 8, 5, "value"),
        ("usage", 8, 2, "month"),
        ("usage", 8, 4, "measure"),
        ("partners", 3, 2, "as_of"),
        ("people", 3, 3, "earned"),
    ];
    for (table, line, index, column) in cases {
        let dir = scratch(&format!("empty-{column}"));
        for f in ["partners.csv", "customers.csv", "people.csv", "usage.csv"] {
            std::fs::copy(src.join(f), dir.join(f)).unwrap();
        }
        let file = dir.join(format!("{table}.csv"));
        let content = std::fs::read_to_string(&file).unwrap();
        let mut lines: Vec<String> = content.lines().map(str::to_owned).collect();
        let mut cells: Vec<&str> = lines[line - 1].split(',').collect();
        assert!(!cells[index].is_empty(), "{column}");
        cells[index] = " ";
        lines[line - 1] = cells.join(",");
        std::fs::write(&file, lines.join("\n") + "\n").unwrap();
        let out = designate(&["score", dir.to_str().unwrap()]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{column}: {stderr}");
        assert_eq!(text(&out.stdout).lines().count(), 3, "{column}: the other partners are scored");
        let want = format!("error: {}:{line}: column \"{column}\" is empty, and a value is required", file.display());
        assert_eq!(stderr.lines().next().unwrap(), want);
    }
}

#[test]
fn gap_json_names_additions_and_write_produces_an_attaining_partner() {
    let dir = scratch("gap");
    let written = dir.join("contoso-with-gap.json");
    let out = designate(&[
        "gap",
        "--format",
        "json",
        "--designation",
        "data-ai",
        "--write",
        written.to_str().unwrap(),
        "snapshots/partners/contoso-smb.yaml",
    ]);
    let doc = json(&out);
    assert_eq!(doc["partner"], "contoso-smb");
    let gap = &doc["designations"][0];
    assert_eq!(gap["designation"], "data-ai");
    assert_eq!(gap["attained"], false);
    assert_eq!(gap["attained_after"], true);
    // Issue 12: the two identical customers are one suggestion with a count, crediting the metric they moved.
    assert_eq!(gap["suggestions"][0]["add"], "2 more customers with USD 500 on Azure App Service in 2024-06");
    assert_eq!(gap["suggestions"][0]["count"].as_u64(), Some(2));
    assert_eq!(gap["suggestions"][0]["points_added"].as_i64(), Some(20));
    assert_eq!(gap["suggestions"][0]["metrics"], serde_json::json!([{ "id": "net-customer-adds", "points": 20 }]));
    assert_eq!(gap["alternatives"], serde_json::json!([]));
    let rescored = json(&designate(&["score", "--format", "json", written.to_str().unwrap()]));
    let d = rescored["designations"].as_array().unwrap().iter().find(|d| d["id"] == "data-ai").unwrap();
    assert_eq!(d["qualified"], true, "{d}");
}

#[test]
fn a_reused_snapshot_folder_keeps_only_current_results_and_diff_reports_failures() {
    let dir = scratch("reuse");
    let (input, out, other) = (dir.join("in"), dir.join("out"), dir.join("other"));
    std::fs::create_dir_all(&input).unwrap();
    for name in ["contoso-smb.yaml", "security-northwind.yaml"] {
        std::fs::copy(workspace().join("snapshots/partners").join(name), input.join(name)).unwrap();
    }
    let snap = |to: &Path| designate(&["snapshot", "--out", to.to_str().unwrap(), input.to_str().unwrap()]);
    assert!(snap(&out).status.success());
    assert!(out.join("northwind-security.yaml").is_file());
    // The next portfolio lacks one partner and has a broken one.
    std::fs::remove_file(input.join("security-northwind.yaml")).unwrap();
    std::fs::write(input.join("broken.yaml"), "partner:\n  id: broken\n").unwrap();
    assert_eq!(snap(&other).status.code(), Some(1));
    assert_eq!(snap(&out).status.code(), Some(1));
    assert!(!out.join("northwind-security.yaml").exists(), "a result the new snapshot lacks is removed");
    assert!(out.join("contoso-smb.yaml").is_file());
    let diff = designate(&["diff", dir.join("out").to_str().unwrap(), other.to_str().unwrap()]);
    assert_eq!(diff.status.code(), Some(0), "{}", text(&diff.stdout));
    std::fs::write(input.join("broken.yaml"), "partner:\n  id: broken\nas_of: 2024-06\n").unwrap();
    assert!(snap(&other).status.success());
    let diff = designate(&["diff", out.to_str().unwrap(), other.to_str().unwrap()]);
    assert_eq!(diff.status.code(), Some(1));
    let report = text(&diff.stdout);
    assert!(report.contains("broken.yaml: could not be scored in the first snapshot ("), "{report}");
    assert!(report.contains("broken: only in the second snapshot"), "{report}");
}

/// Issue 11: `compare --set` said "rule changes: none in meaning" (and `rule_changes: []`) while the override
/// changed 11 partners: the rule changes are those of the candidate as edited, overrides included.
#[test]
fn compare_set_overrides_are_listed_among_the_rule_changes() {
    let out = designate(&[
        "compare",
        "--base",
        "rules/2024-06",
        "--candidate",
        "rules/2024-06",
        "--set",
        "qualification.min_total=65",
        "--format",
        "json",
        "snapshots/portfolios/example.ndjson",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let cmp: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        cmp["rule_changes"],
        serde_json::json!([{ "kind": "changed", "place": "qualification", "key": "min_total", "before": "70", "after": "65" }])
    );
    let table = designate(&[
        "compare",
        "--base",
        "rules/2024-06",
        "--candidate",
        "rules/2024-06",
        "--set",
        "qualification.min_total=65",
        "snapshots/portfolios/example.ndjson",
    ]);
    assert!(text(&table.stdout).contains("rule changes: 1 at qualification"), "{}", text(&table.stdout));
}

/// The line (1-based) of the first line at or after the line holding `after` that starts with `key`.
fn line_of(text: &str, after: &str, key: &str) -> usize {
    let start = text.lines().position(|l| l.contains(after)).expect("the anchor line");
    start + 1 + text.lines().skip(start).position(|l| l.trim_start().starts_with(key)).expect("the key line")
}

/// Issue 12: `--set` rewrote the file from values into a temp copy, so an error in the value it set was reported
/// 3 lines off (comments gone), under the temp folder's name rewritten back. The file is now edited in memory as a
/// TOML document: the error is at the key's real line and column in the real file, and says which `--set` wrote it.
#[test]
fn a_set_value_that_is_wrong_is_reported_at_its_own_line_with_its_set() {
    let set = "data-ai.smb.net-customer-adds.threshold=abc";
    let out = designate(&[
        "compare",
        "--base",
        "rules/2024-06",
        "--candidate",
        "rules/2024-06",
        "--set",
        set,
        "snapshots/partners",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let file = std::fs::read_to_string(workspace().join("rules/2024-06/designations/data-ai.toml")).unwrap();
    let line = line_of(&file, "[paths.smb]", "threshold =");
    let stderr = text(&out.stderr);
    let mut lines = stderr.lines();
    assert_eq!(
        lines.next(),
        Some(
            format!(
                "error: rules/2024-06/designations/data-ai.toml:{line}:13: invalid value: string \"abc\", expected a decimal number"
            )
            .as_str()
        ),
        "{stderr}"
    );
    assert_eq!(lines.next(), Some(format!("  hint: the value on this line comes from `--set {set}`").as_str()));
    assert!(!stderr.contains("designate-set-"), "no temp copy named: {stderr}");
}

/// Issue 12: a what-if that breaks a consistency lint (here the SMB path's maxima no longer add up to 100 and the
/// cap overshoots) was refused like a broken rule file; it is scored with the lints as warnings, while `check`
/// still reports the same edit made in a folder as errors.
#[test]
fn a_what_if_breaking_a_consistency_lint_warns_and_runs_while_check_refuses() {
    let out = designate(&[
        "compare",
        "--base",
        "rules/2024-06",
        "--candidate",
        "rules/2024-06",
        "--set",
        "data-ai.smb.net-customer-adds.max_points=25",
        "--format",
        "json",
        "snapshots/partners",
    ]);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("warning: rules/2024-06/designations/data-ai.toml:")
            && stderr
                .contains("the metrics of path \"smb\" add up to 95 points, but the designation's max_points is 100"),
        "{stderr}"
    );
    assert!(!stderr.contains("error:"), "{stderr}");
    let cmp = json(&out);
    assert_eq!(cmp["rule_changes"][0]["key"], "max_points", "{}", cmp["rule_changes"]);

    // The same edit in a folder: `check` refuses it (exit 1), every lint an error.
    let dir = scratch("lint-what-if");
    let copy = dir.join("2024-06");
    copy_dir(&workspace().join("rules/2024-06"), &copy);
    let file = copy.join("designations/data-ai.toml");
    let text_before = std::fs::read_to_string(&file).unwrap();
    let at = text_before.find("[paths.smb]").unwrap();
    let edited =
        format!("{}{}", &text_before[..at], text_before[at..].replacen("max_points = 30", "max_points = 25", 1));
    std::fs::write(&file, edited).unwrap();
    let check = designate(&["check", copy.to_str().unwrap()]);
    let check_err = text(&check.stderr);
    assert_eq!(check.status.code(), Some(1), "{check_err}");
    assert!(check_err.contains("add up to 95 points, but the designation's max_points is 100"), "{check_err}");
    assert!(!check_err.contains("warning:"), "{check_err}");
}
