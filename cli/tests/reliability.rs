//! Hostile and broken input: a corpus of bad partner files (`tests/bad-inputs/`, each with its exact located
//! message and exit status, and for files with several problems every line), a corpus of broken CSV table portfolios (`tests/bad-tables/`), generated extremes (10 MB strings, deep nesting, a million usage rows), one bad
//! partner among good ones, and byte-identical output serial or parallel.

mod common;

use common::{copy_dir, scratch, text, workspace};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde::Deserialize;

fn run_in(dir: &Path, args: &[&str], env: &[(&str, &str)], stdin: Option<&[u8]>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_designate"));
    cmd.args(args).current_dir(dir).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    // The shipped rules, wherever the test runs from.
    cmd.env("DESIGNATE_RULES", workspace().join("rules/2024-06"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("the binary runs");
    let input = stdin.unwrap_or_default().to_vec();
    let mut pipe = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

#[derive(Deserialize)]
struct Cases {
    case: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    file: String,
    message: String,
    #[serde(default = "one")]
    exit: i32,
    /// Issue 14: every line of stderr, for a file with several problems (each is reported, in file order).
    #[serde(default)]
    lines: Option<Vec<String>>,
}

fn one() -> i32 {
    1
}

/// Whether the bytes hold a control character other than the newline (an escape sequence, say).
fn has_control(bytes: &[u8]) -> bool {
    text(bytes).chars().any(|c| c.is_control() && c != '\n')
}

#[test]
fn every_bad_input_gets_its_located_message_and_exit_status() {
    let dir = workspace().join("cli/tests/bad-inputs");
    let cases: Cases = toml::from_str(&std::fs::read_to_string(dir.join("expected.toml")).unwrap()).unwrap();
    let mut wrong = Vec::new();
    let mut covered = std::collections::BTreeSet::new();
    for case in &cases.case {
        covered.insert(case.file.clone());
        let out = run_in(&dir, &["score", &case.file], &[], None);
        let first = text(&out.stderr).lines().next().unwrap_or_default().to_owned();
        if out.status.code() != Some(case.exit) || first != case.message || !out.stdout.is_empty() {
            wrong.push(format!(
                "[expected.toml:{}] exit {:?}, first line:\n    {first}\n  expected exit {}:\n    {}",
                case.file,
                out.status.code(),
                case.exit,
                case.message
            ));
        }
        if let Some(lines) = &case.lines {
            let stderr = text(&out.stderr);
            let got: Vec<&str> = stderr.lines().collect();
            if got != *lines {
                wrong.push(format!(
                    "[expected.toml:{}] stderr:\n    {}\n  expected:\n    {}",
                    case.file,
                    got.join("\n    "),
                    lines.join("\n    ")
                ));
            }
        }
        assert!(!text(&out.stderr).contains("panicked"), "{}", case.file);
        // issue 11: whatever the file holds, no control character but the newline reaches the terminal.
        assert!(!has_control(&out.stderr), "{}: raw control characters on stderr", case.file);
    }
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name != "expected.toml" && !covered.contains(&name) {
            wrong.push(format!("{name} has no case in expected.toml"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Issue 14: `designate check FILE` validates a partner file as `score` reads it: the same located first line
/// (without `score`'s `error: ` prefix, as `check` lists problems) and the same exit status, for every bad input;
/// none passes unnoticed and no control character reaches the terminal.
#[test]
fn check_reports_every_bad_input_as_score_does() {
    let dir = workspace().join("cli/tests/bad-inputs");
    let cases: Cases = toml::from_str(&std::fs::read_to_string(dir.join("expected.toml")).unwrap()).unwrap();
    let mut wrong = Vec::new();
    for case in &cases.case {
        let out = run_in(&dir, &["check", &case.file], &[], None);
        let stderr = text(&out.stderr);
        let first = stderr.lines().next().unwrap_or_default();
        // A partner that validates is also scored by the shipped rules in force at its as_of: files that fail only
        // against rules (an unknown attained designation, sums past the largest decimal) fail check too.
        let (exit, expected) = match case.exit {
            // A file `score` cannot even open: `check` cannot run either, and names the file.
            2 => (2, format!("error: {}: ", case.file)),
            exit => (exit, case.message.trim_start_matches("error: ").to_owned()),
        };
        let matches = if case.exit == 2 { first.starts_with(&expected) } else { first == expected };
        if out.status.code() != Some(exit) || !matches || !out.stdout.is_empty() {
            wrong.push(format!(
                "{}: exit {:?}, first line:\n    {first}\n  expected exit {exit}:\n    {expected}",
                case.file,
                out.status.code()
            ));
        }
        assert!(!stderr.contains("panicked"), "{}", case.file);
        assert!(!has_control(&out.stderr), "{}: raw control characters on stderr", case.file);
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[derive(Deserialize)]
struct TableCases {
    case: Vec<TableCase>,
}

#[derive(Deserialize)]
struct TableCase {
    folder: String,
    message: String,
    exit: i32,
    #[serde(default)]
    scored: Vec<String>,
}

/// Issue 11: CSV table rows were attributed by position, so a row of an unknown partner, another order, rows
/// that were not contiguous or one malformed row sent rows to the wrong partner or nowhere, with exit 0, and a
/// duplicated column silently won. Each case of `tests/bad-tables/` gets its exact message and exit status, and
/// every partner it scores must score exactly as from tables holding only its own rows.
#[test]
fn every_bad_table_portfolio_attributes_rows_by_partner_or_is_refused() {
    let dir = workspace().join("cli/tests/bad-tables");
    let cases: TableCases = toml::from_str(&std::fs::read_to_string(dir.join("expected.toml")).unwrap()).unwrap();
    let mut wrong = Vec::new();
    let mut covered = std::collections::BTreeSet::new();
    for case in &cases.case {
        covered.insert(case.folder.clone());
        let out = run_in(&dir, &["score", &case.folder], &[], None);
        let stderr = text(&out.stderr);
        let first = stderr.lines().next().unwrap_or_default().to_owned();
        let lines: Vec<serde_json::Value> =
            text(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect();
        let scored: Vec<String> = lines.iter().map(|l| l["partner"].as_str().unwrap_or_default().to_owned()).collect();
        if out.status.code() != Some(case.exit) || first != case.message || scored != case.scored {
            wrong.push(format!(
                "[expected.toml:{}] exit {:?}, scored {scored:?}, first line:\n    {first}\n  expected exit {}, scored {:?}:\n    {}",
                case.folder,
                out.status.code(),
                case.exit,
                case.scored,
                case.message
            ));
        }
        assert!(!stderr.contains("panicked"), "{}", case.folder);
        // Each scored partner alone: every table cut down to its rows (partner_id is the first column here).
        for (id, line) in case.scored.iter().zip(&lines) {
            let alone = scratch(&format!("table-{}-{id}", case.folder));
            for entry in std::fs::read_dir(dir.join(&case.folder)).unwrap() {
                let path = entry.unwrap().path();
                let bytes = std::fs::read(&path).unwrap();
                let mut kept: Vec<&[u8]> = Vec::new();
                for (n, row) in bytes.split(|b| *b == b'\n').enumerate() {
                    if n == 0 || row.starts_with(format!("{id},").as_bytes()) {
                        kept.push(row);
                    }
                }
                let mut cut = kept.join(&b'\n');
                cut.push(b'\n');
                std::fs::write(alone.join(path.file_name().unwrap()), cut).unwrap();
            }
            let own = run_in(&alone, &["score", "."], &[], None);
            let own: serde_json::Value = serde_json::from_slice(&own.stdout).expect("the partner alone scores");
            if &own != line {
                wrong.push(format!("[expected.toml:{}] {id} does not score as its own rows alone", case.folder));
            }
        }
    }
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name != "expected.toml" && !covered.contains(&name) {
            wrong.push(format!("{name} has no case in expected.toml"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_ten_megabyte_string_is_refused_with_a_short_message() {
    let dir = scratch("huge-string");
    let huge = "x".repeat(10 * 1024 * 1024);
    let yaml = format!(
        "partner:\n  id: p\nas_of: 2024-06\nusage:\n  - customer: c\n    month: 2024-05\n    product: Storage\n    measure: {huge}\n    value: 1\n"
    );
    std::fs::write(dir.join("huge.yaml"), yaml).unwrap();
    let out = run_in(&dir, &["score", "huge.yaml"], &[], None);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.starts_with("error: huge.yaml:8:14: unknown value `xxxx"), "{}", &stderr[..200.min(stderr.len())]);
    assert!(stderr.len() < 1000, "the message quotes at most a few hundred characters, got {}", stderr.len());
    assert!(stderr.contains("characters in all)"), "{stderr}");

    // A 10 MB partner name is valid data: it is scored, not refused.
    let yaml = format!("partner:\n  id: p\n  name: {huge}\nas_of: 2024-06\n");
    std::fs::write(dir.join("long-name.yaml"), yaml).unwrap();
    let out = run_in(&dir, &["score", "--format", "json", "long-name.yaml"], &[], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn deeply_nested_documents_are_refused_not_crashed() {
    let dir = scratch("deep");
    let n = 100_000;
    let files = [
        ("deep.yaml", format!("partner:\n  id: x\nas_of: 2024-06\nusage: {}{}\n", "[".repeat(n), "]".repeat(n))),
        (
            "deep.json",
            format!(
                "{{\"partner\": {{\"id\": \"x\"}}, \"as_of\": \"2024-06\", \"usage\": {}{}}}",
                "[".repeat(n),
                "]".repeat(n)
            ),
        ),
        (
            "deep.toml",
            format!("as_of = \"2024-06\"\nusage = {}{}\n[partner]\nid = \"x\"\n", "[".repeat(n), "]".repeat(n)),
        ),
    ];
    for (name, content) in files {
        std::fs::write(dir.join(name), content).unwrap();
        let out = run_in(&dir, &["score", name], &[], None);
        assert_eq!(out.status.code(), Some(1), "{name}");
        let stderr = text(&out.stderr);
        assert!(stderr.starts_with(&format!("error: {name}:")), "{name}: {}", &stderr[..200.min(stderr.len())]);
        assert!(!stderr.contains("overflow") && !stderr.contains("panicked"), "{name}: {stderr}");
    }
}

#[test]
fn a_partner_with_a_million_usage_rows_is_scored() {
    let dir = scratch("million");
    let mut json = String::from("{\"partner\": {\"id\": \"big\"}, \"as_of\": \"2024-06\", \"usage\": [");
    for i in 0..1_000_000u32 {
        if i > 0 {
            json.push(',');
        }
        let month = 1 + i % 12;
        json.push_str(&format!(
            "{{\"customer\": \"c-{}\", \"month\": \"2024-{:02}\", \"product\": \"Service {}\", \"measure\": \"acr_usd\", \"value\": {}.25}}",
            i % 5000,
            (month % 6) + 1,
            i % 40,
            i % 900
        ));
    }
    json.push_str("]}");
    std::fs::write(dir.join("big.json"), json).unwrap();
    let started = Instant::now();
    let out = run_in(&dir, &["score", "--format", "json", "big.json"], &[], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["partner"], "big");
    // Not a timing test: a generous bound that only a hang or quadratic blow-up would break.
    assert!(started.elapsed() < Duration::from_secs(300), "took {:?}", started.elapsed());
}

#[test]
fn one_bad_partner_in_a_portfolio_is_reported_and_the_rest_scored() {
    let mut input = String::new();
    for i in 0..20 {
        if i == 7 {
            input.push_str("{\"partner\": {\"id\": \"broken\"}, \"as_of\": \"2024-06\", \"usage\": [{\"customer\": \"c\", \"month\": \"2024-05\", \"product\": \"X\", \"measure\": \"acr_usd\", \"value\": -1}]}\n");
        } else {
            input.push_str(&format!("{{\"partner\": {{\"id\": \"p-{i}\"}}, \"as_of\": \"2024-06\"}}\n"));
        }
    }
    let out = run_in(&workspace(), &["score", "-"], &[], Some(input.as_bytes()));
    assert_eq!(out.status.code(), Some(1));
    let ids: Vec<String> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["partner"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 19);
    assert!(!ids.contains(&"broken".to_owned()));
    assert_eq!(ids[7], "p-8", "input order is kept around the gap");
    let stderr = text(&out.stderr);
    assert!(stderr.contains("error: <stdin>:8:"), "{stderr}");
    assert!(stderr.contains("1 partner(s) could not be scored"), "{stderr}");
}

/// Issue 11: a partner whose usage adds up to more than a decimal holds used to panic and lose the whole
/// portfolio; now it fails alone, located, and every other partner is scored.
#[test]
fn one_overflowing_partner_fails_alone_in_a_portfolio() {
    let huge = "79228162514264337593543950335";
    let mut input = String::new();
    for i in 0..12 {
        if i == 4 {
            let row = |c: &str| {
                format!("{{\"customer\": \"{c}\", \"month\": \"2024-06\", \"product\": \"Virtual Machines\", \"measure\": \"acr_usd\", \"value\": {huge}}}")
            };
            input.push_str(&format!(
                "{{\"partner\": {{\"id\": \"huge\"}}, \"as_of\": \"2024-06\", \"usage\": [{}, {}]}}\n",
                row("c1"),
                row("c2")
            ));
        } else {
            input.push_str(&format!("{{\"partner\": {{\"id\": \"p-{i}\"}}, \"as_of\": \"2024-06\"}}\n"));
        }
    }
    let out = run_in(&workspace(), &["score", "-"], &[], Some(input.as_bytes()));
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(text(&out.stdout).lines().count(), 11, "{stderr}");
    assert!(stderr.contains("error: <stdin>:5: usage: sum of azure-acr overflows"), "{stderr}");
    assert!(stderr.contains("1 partner(s) could not be scored"), "{stderr}");
}

#[test]
fn a_failing_script_fails_only_the_partners_it_fails_on() {
    // A formula that loops for partners with no scoring engineers: those fail, located; the others are scored.
    let tmp = scratch("script");
    let dir = tmp.join("2024-06");
    copy_dir(&workspace().join("rules/2024-06"), &dir);
    std::fs::write(
        dir.join("scripts/share-of-max.rhai"),
        "if units == 0.0 {\n  let x = 0;\n  loop { x += 1; }\n}\nround_half_up(min(units, full_units) * max_points / full_units, places.to_int())",
    )
    .unwrap();
    let generated = run_in(&workspace(), &["generate", "--partners", "30", "--seed", "3"], &[], None);
    assert!(generated.status.success());
    let out = run_in(&workspace(), &["score", "--rules", dir.to_str().unwrap(), "-"], &[], Some(&generated.stdout));
    let stderr = text(&out.stderr);
    let scored = text(&out.stdout).lines().count();
    let failed = stderr.lines().filter(|l| l.contains("scripts/share-of-max.rhai:3:")).count();
    assert!(failed > 0 && scored > 0, "scored {scored}, failed {failed}: {stderr}");
    assert_eq!(scored + failed, 30, "{stderr}");
    assert!(stderr.contains("operations (an endless loop?) (scoring partner \"p-"), "{stderr}");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn output_is_byte_identical_serial_and_parallel_twice() {
    let generated = run_in(&workspace(), &["generate", "--partners", "300", "--seed", "9"], &[], None);
    assert!(generated.status.success());
    let mut outputs = Vec::new();
    for threads in ["1", "4", "1", "4"] {
        let out = run_in(&workspace(), &["score", "-"], &[("RAYON_NUM_THREADS", threads)], Some(&generated.stdout));
        assert!(out.status.success(), "{}", text(&out.stderr));
        outputs.push(out.stdout);
    }
    assert_eq!(text(&outputs[0]).lines().count(), 300);
    for o in &outputs[1..] {
        assert!(o == &outputs[0], "outputs differ between runs or thread counts");
    }
    // Locale and time zone do not reach the output.
    let other = run_in(
        &workspace(),
        &["score", "-"],
        &[("LC_ALL", "de_DE.UTF-8"), ("LANG", "de_DE.UTF-8"), ("TZ", "Pacific/Kiritimati")],
        Some(&generated.stdout),
    );
    assert!(other.stdout == outputs[0], "locale or time zone changed the output");
}

/// Every command that writes to stdout, each with the exit status of its work (`diff-rules` of two different
/// versions reports differences). Writes the snapshot `dir/snap` that the `diff` among them reads.
fn writing_commands(dir: &Path) -> Vec<(Vec<String>, i32)> {
    let ws = workspace();
    let path = |p: &str| ws.join(p).display().to_string();
    let made = run_in(dir, &["snapshot", "--out", "snap", &path("snapshots/partners")], &[], None);
    assert!(made.status.success(), "{}", text(&made.stderr));
    let partner = path("snapshots/partners/contoso-smb.yaml");
    let portfolio = path("snapshots/portfolios/example.ndjson");
    let (old, new) = (path("rules/2023-07"), path("rules/2024-06"));
    let snap = dir.join("snap").display().to_string();
    let compare = |format: &str| -> Vec<String> {
        ["compare", "--base", &old, "--candidate", &new, "--format", format, &portfolio].map(String::from).to_vec()
    };
    let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    vec![
        (args(&["schema"]), 0),
        (args(&["diff-rules", &old, &new]), 1),
        (args(&["diff-rules", "--format", "json", &old, &new]), 1),
        (args(&["score", &partner]), 0),
        (args(&["score", "--format", "json", &partner]), 0),
        (args(&["score", "--format", "yaml", &partner]), 0),
        (args(&["score", &portfolio]), 0),
        (args(&["score", "--format", "table", &portfolio]), 0),
        (args(&["gap", &partner]), 0),
        (args(&["gap", "--format", "json", &partner]), 0),
        (compare("table"), 0),
        (compare("csv"), 0),
        (compare("json"), 0),
        (args(&["diff", &snap, &snap]), 0),
        (args(&["generate", "--partners", "200"]), 0),
    ]
}

/// issue 11: stdout on a full device is one located line and exit status 2, for every command, never a panic.
#[test]
fn a_full_stdout_is_one_error_line_and_exit_2() {
    let dir = scratch("full");
    let mut wrong = Vec::new();
    for (args, _) in writing_commands(&dir) {
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full").expect("/dev/full exists");
        let out = Command::new(env!("CARGO_BIN_EXE_designate"))
            .args(&args)
            .current_dir(&dir)
            .env("DESIGNATE_RULES", workspace().join("rules/2024-06"))
            .stdout(full)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let stderr = text(&out.stderr);
        if out.status.code() != Some(2) || stderr != "error: stdout: cannot write: No space left on device\n" {
            wrong.push(format!("{}: exit {:?}, stderr:\n{stderr}", args.join(" "), out.status.code()));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// issue 11: a reader that goes away (`| head`) ends the output quietly, with the exit status of the work done.
#[test]
fn a_closed_stdout_ends_quietly() {
    let dir = scratch("closed");
    let mut wrong = Vec::new();
    for (args, status) in writing_commands(&dir) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_designate"))
            .args(&args)
            .current_dir(&dir)
            .env("DESIGNATE_RULES", workspace().join("rules/2024-06"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The reader goes away before the first byte is read.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = text(&out.stderr);
        if out.status.code() != Some(status) || !stderr.is_empty() {
            wrong.push(format!("{}: exit {:?}, stderr:\n{stderr}", args.join(" "), out.status.code()));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// issue 11: output files that cannot be written (`--html`, `gap --write`) are one located line and exit 2.
#[test]
fn unwritable_output_files_are_located_errors() {
    let ws = workspace();
    let portfolio = ws.join("snapshots/partners").display().to_string();
    let partner = ws.join("snapshots/partners/contoso-smb.yaml").display().to_string();
    let dir = scratch("unwritable");
    let rules = ws.join("rules/2024-06").display().to_string();
    // issue 14: `-o FILE` of every command, the same way.
    let cases: [(Vec<&str>, &str); 7] = [
        (vec!["compare", "--base", &rules, "--candidate", &rules, "--html", "/dev/full", &portfolio], "/dev/full"),
        (vec!["gap", "--write", "/dev/full", &partner], "/dev/full"),
        (vec!["gap", "--write", "no-such-folder/out.json", &partner], "no-such-folder/out.json"),
        (vec!["score", "-o", "/dev/full", &partner], "/dev/full"),
        (vec!["compare", "--base", &rules, "--candidate", &rules, "-o", "/dev/full", &portfolio], "/dev/full"),
        (vec!["generate", "--partners", "2", "-o", "no-such-folder/p.ndjson"], "no-such-folder/p.ndjson"),
        (vec!["diff-rules", &rules, &rules, "-o", "no-such-folder/d.txt"], "no-such-folder/d.txt"),
    ];
    for (args, place) in cases {
        let out = run_in(&dir, &args, &[], None);
        let stderr = text(&out.stderr);
        let last = stderr.lines().last().unwrap_or_default();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(last.starts_with(&format!("error: {place}: cannot write: ")), "{args:?}: {stderr}");
        assert!(!last.contains("os error") && !stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    // A failed write leaves no temporary file behind.
    assert!(!dir.join("no-such-folder").exists());
}

/// issue 11: an id holding an escape sequence is shown escaped in every output for people, and kept exact in
/// data outputs.
#[test]
fn control_characters_in_ids_never_reach_the_terminal() {
    let dir = scratch("control");
    let id = "\u{1b}[31mred\u{1b}[0m";
    let good = serde_json::json!({ "partner": { "id": id }, "as_of": "2024-06" });
    std::fs::create_dir_all(dir.join("folder")).unwrap();
    std::fs::write(dir.join("folder/good.json"), good.to_string()).unwrap();
    let bad =
        serde_json::json!({ "partner": { "id": id }, "as_of": "2024-06", "people": [{ "id": id }, { "id": id }] });
    std::fs::write(dir.join("folder/\u{1b}[31mbad.json"), bad.to_string()).unwrap();
    let rules = workspace().join("rules/2024-06").display().to_string();
    let runs: [&[&str]; 6] = [
        &["score", "folder/good.json"],
        &["gap", "folder/good.json"],
        &["score", "--format", "table", "folder"],
        &["score", "folder"],
        &["compare", "--base", &rules, "--candidate", &rules, "folder"],
        &["score", "folder/\u{1b}[31mbad.json"],
    ];
    for args in runs {
        let out = run_in(&dir, args, &[], None);
        let all = [out.stdout.as_slice(), out.stderr.as_slice()].concat();
        assert!(!text(&out.stderr).contains("panicked"), "{args:?}");
        assert!(!out.stderr.contains(&0x1b), "{args:?}: ESC on stderr: {}", text(&out.stderr));
        // JSON escapes it too, so no output holds it raw.
        assert!(!out.stdout.contains(&0x1b), "{args:?}: ESC on stdout: {}", text(&out.stdout));
        assert!(text(&all).contains("\\u001b[31m"), "{args:?}: the escape is shown: {}", text(&all));
    }
    // Arguments clap refuses are quoted escaped too.
    let out = run_in(&dir, &["score", "--format", "\u{1b}[31mred", "folder/good.json"], &[], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(!has_control(&out.stderr), "{}", text(&out.stderr));
    assert!(text(&out.stderr).starts_with("error: invalid value"), "{}", text(&out.stderr));
    // Data stays exact: the JSON result holds the id as it was given.
    let out = run_in(&dir, &["score", "--format", "json", "folder/good.json"], &[], None);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["partner"], id);
}

/// issue 11: `score --format table` on a portfolio is a table, one row per partner, not NDJSON.
#[test]
fn a_portfolio_scored_as_a_table_is_a_table() {
    let portfolio = workspace().join("snapshots/portfolios/example.ndjson").display().to_string();
    let table = run_in(&workspace(), &["score", "--format", "table", &portfolio], &[], None);
    let ndjson = run_in(&workspace(), &["score", &portfolio], &[], None);
    assert!(table.status.success() && ndjson.status.success(), "{}", text(&table.stderr));
    let (table, ndjson) = (text(&table.stdout), text(&ndjson.stdout));
    assert!(ndjson.lines().all(|l| l.starts_with('{')), "a portfolio is still NDJSON by default");
    assert!(!table.contains('{'), "{table}");
    assert!(table.starts_with("partner "), "{table}");
    let results: Vec<serde_json::Value> = ndjson.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    for r in &results {
        let attained: Vec<&str> = r["designations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["qualified"] == true)
            .map(|d| d["id"].as_str().unwrap())
            .collect();
        let want = if attained.is_empty() { "none".to_owned() } else { attained.join(", ") };
        let row = table.lines().find(|l| l.split_whitespace().next() == r["partner"].as_str()).unwrap();
        assert!(row.ends_with(&want), "{row} should end with {want}");
    }
    assert!(table.contains(&format!("\n{} partners scored, 0 failed\n", results.len())), "{table}");
    assert!(table.contains("rules   2024-06  sha256:"), "{table}");
}

// Issue 11: a valid YAML partner of more than some 22,700 usage rows was refused ("YAML budget breached");
// the parser's limits now grow with the text, so YAML reads whatever JSON reads.
#[test]
fn a_yaml_partner_of_200000_usage_rows_scores_like_its_json_twin() {
    let dir = scratch("big-yaml");
    let mut yaml = String::from("partner:\n  id: big\nas_of: 2024-06\nusage:\n");
    let mut json = String::from("{\"partner\": {\"id\": \"big\"}, \"as_of\": \"2024-06\", \"usage\": [");
    for i in 0..200_000u32 {
        let (customer, month, product, value) = (i % 5000, (i % 6) + 1, i % 40, i % 900);
        yaml.push_str(&format!(
            "  - customer: c-{customer}\n    month: 2024-{month:02}\n    product: Service {product}\n    measure: acr_usd\n    value: {value}.25\n"
        ));
        if i > 0 {
            json.push(',');
        }
        json.push_str(&format!(
            "{{\"customer\": \"c-{customer}\", \"month\": \"2024-{month:02}\", \"product\": \"Service {product}\", \"measure\": \"acr_usd\", \"value\": {value}.25}}"
        ));
    }
    json.push_str("]}");
    std::fs::write(dir.join("big.yaml"), yaml).unwrap();
    std::fs::write(dir.join("big.json"), json).unwrap();
    let from_yaml = run_in(&dir, &["score", "--format", "json", "big.yaml"], &[], None);
    assert!(from_yaml.status.success(), "{}", text(&from_yaml.stderr));
    let from_json = run_in(&dir, &["score", "--format", "json", "big.json"], &[], None);
    assert!(from_json.status.success(), "{}", text(&from_json.stderr));
    assert!(from_yaml.stdout == from_json.stdout, "the YAML and JSON twins score differently");
}

// Issue 11: raising the YAML limits must not let alias bombs through: aliases still expand only so far.
#[test]
fn yaml_alias_bombs_stay_refused() {
    let corpus = workspace().join("engine/fuzz/corpus/partner/hostile-yaml-alias-bomb.yaml");
    let out = run_in(&workspace(), &["score", corpus.to_str().unwrap()], &[], None);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    // A bomb in the shape of a valid partner: 20,000 people sharing one list of 1,000 certifications.
    let dir = scratch("alias-bomb");
    let mut yaml = String::from("partner:\n  id: p\nas_of: 2024-06\npeople:\n  - id: p0\n    certifications: &c\n");
    for j in 0..1000 {
        yaml.push_str(&format!("      - {{name: AZ-{j}, earned: 2024-01-01}}\n"));
    }
    for i in 1..20_000 {
        yaml.push_str(&format!("  - {{id: p{i}, certifications: *c}}\n"));
    }
    std::fs::write(dir.join("bomb.yaml"), yaml).unwrap();
    let out = run_in(&dir, &["score", "bomb.yaml"], &[], None);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.starts_with("error: bomb.yaml:") && stderr.contains("aliases expand the file too far"), "{stderr}");
    assert!(!stderr.contains('{') && !stderr.contains("Nodes"), "no Rust debug output: {stderr}");
}

// Issue 11: an NDJSON line without end was buffered whole until memory ran out. Past the limit the rest of the
// line is dropped as it is read; the line is reported and the other partners are scored.
#[test]
fn an_overlong_ndjson_line_is_reported_and_the_rest_scored() {
    let good = |id: &str| format!("{{\"partner\": {{\"id\": \"{id}\"}}, \"as_of\": \"2024-06\"}}\n");
    for last in ["\n", ""] {
        let input = format!("{}{}\n{}{}{last}", good("a"), "x".repeat(5_000_000), good("b"), "y".repeat(3000));
        let out =
            run_in(&workspace(), &["score", "-"], &[("DESIGNATE_MAX_LINE_BYTES", "1000")], Some(input.as_bytes()));
        assert_eq!(out.status.code(), Some(1));
        let stderr = text(&out.stderr);
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(
            lines,
            [
                "error: <stdin>:2: line longer than 1000 bytes",
                "error: <stdin>:4: line longer than 1000 bytes",
                "error: 2 partner(s) could not be scored"
            ],
            "{stderr}"
        );
        assert_eq!(text(&out.stdout).lines().count(), 2);
    }
    let out = run_in(&workspace(), &["score", "-"], &[("DESIGNATE_MAX_LINE_BYTES", "lots")], Some(b""));
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("DESIGNATE_MAX_LINE_BYTES: expected a number of bytes"));
}

// Issue 11: a YAML file or pretty-printed JSON piped to `score -` gave one error per line (49 and 495 of them).
#[test]
fn yaml_or_pretty_json_on_stdin_gets_one_message_saying_it_is_not_ndjson() {
    let yaml = std::fs::read(workspace().join("snapshots/partners/contoso-smb.yaml")).unwrap();
    let partner: serde_json::Value =
        serde_json::from_str(&text(&run_in(&workspace(), &["generate", "--partners", "1"], &[], None).stdout)).unwrap();
    let pretty = serde_json::to_string_pretty(&partner).unwrap();
    for (input, what) in [(yaml.as_slice(), "YAML"), (pretty.as_bytes(), "pretty-printed JSON")] {
        let out = run_in(&workspace(), &["score", "-"], &[], Some(input));
        assert_eq!(out.status.code(), Some(2), "{what}");
        let stderr = text(&out.stderr);
        assert_eq!(stderr.lines().count(), 2, "{stderr}");
        assert!(
            stderr.starts_with("error: <stdin>:1: input is not NDJSON (one JSON partner per line): it looks like ")
                && stderr.contains(what)
                && stderr.contains("  hint: pass the file name instead"),
            "{stderr}"
        );
    }
    // TOML (a key or a table header first) and CSV tables piped in: one message each, with the right hint.
    let usage_csv = std::fs::read(workspace().join("snapshots/portfolios/tables/usage.csv")).unwrap();
    for (input, what, hint) in [
        (&b"as_of = \"2024-06\"\n[partner]\nid = \"p\"\n"[..], "TOML", "pass the file name instead"),
        (&b"[partner]\nid = \"p\"\n"[..], "TOML", "pass the file name instead"),
        (usage_csv.as_slice(), "a CSV table", "pass the folder of CSV tables instead"),
    ] {
        let out = run_in(&workspace(), &["score", "-"], &[], Some(input));
        assert_eq!(out.status.code(), Some(2), "{what}");
        let stderr = text(&out.stderr);
        assert_eq!(stderr.lines().count(), 2, "{stderr}");
        assert!(stderr.contains(&format!("it looks like {what}")) && stderr.contains(hint), "{stderr}");
    }
    // A truncated first line is not mistaken for pretty JSON: it is one bad partner, and the others are scored.
    let input = b"{\"partner\": {\"id\": \"p\"},\n{\"partner\": {\"id\": \"q\"}, \"as_of\": \"2024-06\"}\n";
    let out = run_in(&workspace(), &["score", "-"], &[], Some(input));
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).starts_with("error: <stdin>:1:"), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).lines().count(), 1);
    // Results of `score -` fed back: recognised once, not one complaint per line.
    let generated = run_in(&workspace(), &["generate", "--partners", "5"], &[], None);
    let results = run_in(&workspace(), &["score", "-"], &[], Some(&generated.stdout));
    let out = run_in(&workspace(), &["score", "-"], &[], Some(&results.stdout));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).starts_with("error: <stdin>:1: these are score results, not partners\n"),
        "{}",
        text(&out.stderr)
    );
}

// Issue 11: FIFOs, sockets and dangling links in a partner folder were skipped without a word (and a FIFO
// named like a partner file would have been opened and waited on).
#[cfg(unix)]
#[test]
fn special_files_in_a_partner_folder_are_refused_by_name() {
    let dir = scratch("special-files");
    std::fs::copy(workspace().join("snapshots/partners/contoso-smb.yaml"), dir.join("a.yaml")).unwrap();
    std::os::unix::fs::symlink(dir.join("nowhere.yaml"), dir.join("b.yaml")).unwrap();
    common::mkfifo(&dir.join("c.yaml"));
    let _socket = std::os::unix::net::UnixListener::bind(dir.join("d")).unwrap();
    std::fs::create_dir(dir.join("sub")).unwrap();
    let out = run_in(&dir, &["score", "."], &[], None);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout).lines().count(), 1, "a.yaml is scored");
    let stderr = text(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines,
        [
            "error: ./b.yaml: dangling symbolic link (its target does not exist)",
            "error: ./c.yaml: not a regular file but a named pipe (FIFO)",
            "error: ./d: not a regular file but a socket",
            "error: 3 partner(s) could not be scored"
        ],
        "{stderr}"
    );
}

// A partner met twice in one portfolio (two NDJSON lines, two files of a folder) was scored twice: two result
// lines, twice its rows in the flat CSV, and a comparison counting it twice. The second is now refused at its
// place, naming the first, as `snapshot` and the tables refuse it; the others are scored, in input order, however
// many threads score them.
#[test]
fn a_partner_met_twice_in_a_portfolio_is_refused_the_second_time() {
    let generated = run_in(&workspace(), &["generate", "--partners", "40", "--seed", "3"], &[], None);
    let all = text(&generated.stdout);
    let lines: Vec<&str> = all.lines().collect();
    let id = |line: &str| {
        serde_json::from_str::<serde_json::Value>(line).unwrap()["partner"]["id"].as_str().unwrap().to_owned()
    };
    // Partner 3 again as line 41, far from its first (another chunk, another thread), and partner 0 as line 42.
    let input = format!("{}\n{}\n{}\n", lines.join("\n"), lines[3], lines[0]);
    for threads in ["1", "2"] {
        let env = [("RAYON_NUM_THREADS", threads)];
        let out = run_in(&workspace(), &["score", "--rules", "rules/2024-06", "-"], &env, Some(input.as_bytes()));
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        let stderr = text(&out.stderr);
        assert_eq!(
            stderr,
            format!(
                "error: <stdin>:41: partner \"{}\" is already in the portfolio (<stdin>:4)\n\
                 error: <stdin>:42: partner \"{}\" is already in the portfolio (<stdin>:1)\n\
                 error: 2 partner(s) could not be scored\n",
                id(lines[3]),
                id(lines[0])
            )
        );
        let alone =
            run_in(&workspace(), &["score", "--rules", "rules/2024-06", "-"], &env, Some(generated.stdout.as_slice()));
        assert_eq!(out.stdout, alone.stdout, "the first of each is scored as without the second");
    }
    let flat = ["score", "--rules", "rules/2024-06", "--format", "csv", "-"];
    let csv = run_in(&workspace(), &flat, &[], Some(input.as_bytes()));
    assert_eq!(csv.status.code(), Some(1));
    assert_eq!(csv.stdout, run_in(&workspace(), &flat, &[], Some(generated.stdout.as_slice())).stdout);

    let cmp = run_in(
        &workspace(),
        &["compare", "--base", "rules/2024-06", "--candidate", "rules/2023-07", "--format", "json", "-"],
        &[],
        Some(input.as_bytes()),
    );
    assert_eq!(cmp.status.code(), Some(1), "{}", text(&cmp.stderr));
    let report: serde_json::Value = serde_json::from_slice(&cmp.stdout).unwrap();
    assert_eq!(report["summary"]["partners"], 40);
    assert_eq!(report["summary"]["failed"], 2);
    assert_eq!(report["failures"][0]["origin"], "<stdin>:41");

    let dir = scratch("met-twice");
    let partner = workspace().join("snapshots/partners/contoso-smb.yaml");
    std::fs::copy(&partner, dir.join("a.yaml")).unwrap();
    std::fs::copy(&partner, dir.join("b.yaml")).unwrap();
    let refused = format!(
        "error: {}: partner \"contoso-smb\" is already in the portfolio ({})\n",
        dir.join("b.yaml").display(),
        dir.join("a.yaml").display()
    );
    let out = run_in(&workspace(), &["score", "--format", "json", dir.to_str().unwrap()], &[], None);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout).lines().count(), 1);
    assert!(text(&out.stderr).starts_with(&refused), "{}", text(&out.stderr));
    // `snapshot` says it in the same words, and writes the first partner's result alone.
    let to = scratch("met-twice-snapshot");
    let out = run_in(&workspace(), &["snapshot", dir.to_str().unwrap(), "-o", to.to_str().unwrap()], &[], None);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).starts_with(&refused), "{}", text(&out.stderr));
    let mut written: Vec<String> =
        std::fs::read_dir(&to).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    written.retain(|f| !f.starts_with('.')); // the lock file
    written.sort();
    assert_eq!(written, ["contoso-smb.yaml", "manifest.json"]);
}
