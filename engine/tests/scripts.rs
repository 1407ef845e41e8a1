//! rhai formulas: exact decimals, the sandbox's limits, located errors, and rule edits that take effect without a rebuild.

mod common;

use common::{copy_dir, scratch, workspace};
use std::sync::Arc;
use std::time::{Duration, Instant};

use designate_engine::script::{sandbox, Script};
use designate_engine::{score, Format, Partner, RuleSet};
use rust_decimal::Decimal;

/// Compiles `source` as a script file and runs it with `units`.
fn run(name: &str, source: &str, units: Decimal) -> Result<Decimal, String> {
    let dir = scratch(name);
    let path = dir.join(format!("{name}.rhai"));
    std::fs::write(&path, source).unwrap();
    let engine = Arc::new(sandbox());
    let script =
        Script::compile(&engine, &path, &format!("{name}.rhai"), &["units".to_owned()]).map_err(|e| e.to_string())?;
    script.run(&[("units".to_owned(), units)], "scoring partner \"p-test\"").map_err(|e| e.to_string())
}

#[test]
fn decimal_literals_are_exact() {
    assert_eq!(run("exact", "units * 3.3", Decimal::from(6)).unwrap().to_string(), "19.8");
    assert_eq!(run("third", "round_half_up(units * 20.0 / 6.0, 1)", Decimal::ONE).unwrap().to_string(), "3.3");
}

/// Runs a hostile script and checks that it fails quickly with a message naming the file.
fn assert_stopped(name: &str, source: &str, expect: &str) {
    let started = Instant::now();
    let err = run(name, source, Decimal::ONE).expect_err("a hostile script must fail");
    assert!(started.elapsed() < Duration::from_secs(1), "{name} took {:?}", started.elapsed());
    assert!(err.contains(&format!("{name}.rhai:")), "{name}: message names no file and line: {err}");
    assert!(err.contains(expect), "{name}: expected \"{expect}\" in: {err}");
}

#[test]
fn endless_loops_stop() {
    assert_stopped("endless", "let x = 0;\nloop { x += 1; }", "operations");
}

#[test]
fn huge_strings_stop() {
    assert_stopped("huge", "let s = \"xxxxxxxx\";\nloop { s += s; }", "script failed");
}

#[test]
fn deep_recursion_stops() {
    assert_stopped("recursion", "fn down(n) { down(n + 1) }\ndown(1)", "script failed");
}

#[test]
fn syntax_errors_are_located() {
    let err = run("syntax", "let x = ;\nunits", Decimal::ONE).unwrap_err();
    assert!(err.starts_with("syntax.rhai:1:"), "{err}");
    assert!(err.contains("does not compile"), "{err}");
}

#[test]
fn unknown_inputs_do_not_compile() {
    let err = run("unknown", "units * bonus", Decimal::ONE).unwrap_err();
    assert!(err.starts_with("unknown.rhai:1:9: script does not compile"), "{err}");
    assert!(err.contains("hint: the script can read: units"), "{err}");
}

#[test]
fn no_clock_file_or_print_access() {
    for (name, source) in [("clock", "timestamp()"), ("file", "open_file(\"x\")"), ("eval", "eval(\"1\")")] {
        let err = run(name, source, Decimal::ONE).unwrap_err();
        assert!(err.contains(&format!("{name}.rhai:1:")), "{err}");
    }
}

fn security_points(rules: &RuleSet, metric: &str) -> Decimal {
    let partner = Partner::load(&workspace().join("snapshots/partners/security-northwind.yaml")).unwrap();
    let report = score(rules, &partner).unwrap();
    let d = report.designations.iter().find(|d| d.id == "security").unwrap();
    d.metrics.iter().find(|m| m.id == metric).unwrap().points
}

#[test]
fn editing_a_formula_or_a_number_changes_the_score_without_a_rebuild() {
    let tmp = scratch("edit");
    let dir = tmp.join("2024-06");
    copy_dir(&workspace().join("rules/2024-06"), &dir);
    let before = RuleSet::load(&dir).unwrap();
    assert_eq!(security_points(&before, "deployments").to_string(), "6.7");

    // A program manager changes the deployment formula to 3.3 points each.
    let security = dir.join("designations/security.toml");
    let text = std::fs::read_to_string(&security).unwrap();
    let edited = text.replacen(
        "points = { script = \"scripts/share-of-max.rhai\", params = { full_units = 6, places = 1 } }\n\n# M365: a security",
        "points = { script = \"scripts/per-deployment.rhai\" }\n\n# M365: a security",
        1,
    );
    assert_ne!(edited, text, "the deployments points line was not found");
    std::fs::write(&security, edited).unwrap();
    std::fs::write(dir.join("scripts/per-deployment.rhai"), "min(max_points, units * 3.3)").unwrap();
    let after = RuleSet::load(&dir).unwrap();
    assert_eq!(security_points(&after, "deployments").to_string(), "6.6");
    assert_ne!(before.digest, after.digest, "the digest must follow the files");

    // And numbers in TOML: 4 points per net add, at most 5 adds, instead of 2 points and 10 adds.
    let text = std::fs::read_to_string(&security).unwrap();
    let edited =
        text.replacen("points = { per_unit = 2, max_units = 10 }", "points = { per_unit = 4, max_units = 5 }", 1);
    assert_ne!(edited, text);
    std::fs::write(&security, edited).unwrap();
    let third = RuleSet::load(&dir).unwrap();
    assert_eq!(security_points(&before, "net-customer-adds").to_string(), "4");
    assert_eq!(security_points(&third, "net-customer-adds").to_string(), "8");
}

#[test]
fn a_failing_script_names_the_script_and_the_partner() {
    let tmp = scratch("failing");
    let dir = tmp.join("2024-06");
    copy_dir(&workspace().join("rules/2024-06"), &dir);
    // Endless only for a partner with no units, so that loading (which runs it with many units) succeeds.
    std::fs::write(
        dir.join("scripts/share-of-max.rhai"),
        "if units == 0.0 {\n  let x = 0;\n  loop { x += 1; }\n}\nmax_points",
    )
    .unwrap();
    let rules = RuleSet::load(&dir).unwrap();
    let partner =
        Partner::parse("{\"partner\": {\"id\": \"p-loop\"}, \"as_of\": \"2024-06\"}", Format::Json, "inline.json")
            .unwrap();
    let err = score(&rules, &partner).unwrap_err().to_string();
    assert!(err.contains("scripts/share-of-max.rhai:3:"), "{err}");
    assert!(err.contains("scoring partner \"p-loop\""), "{err}");

    // Endless for every partner: loading itself stops it, naming the metric it checked.
    std::fs::write(dir.join("scripts/share-of-max.rhai"), "let x = 0;\nloop { x += 1; }").unwrap();
    let errors = RuleSet::load(&dir).unwrap_err();
    let first = errors[0].to_string();
    assert!(first.contains("share-of-max.rhai:2:") && first.contains("operations"), "{first}");
    assert!(first.contains("checking that metric"), "{first}");
}

/// Issue 11: math in a script that has no decimal answer (tan(pi/2), overflow, division by zero) is a located
/// error for the partner being scored, never a panic that takes the whole portfolio down.
#[test]
fn math_without_a_decimal_answer_is_an_error_not_a_panic() {
    let max = Decimal::MAX;
    let cases: &[(&str, &str, Decimal)] = &[
        ("tan", "tan(1.5707963267948966192313216916)", Decimal::ONE),
        ("tan2", "tan(1.5707963267948966192313216915)", Decimal::ONE),
        ("tan3", "tan(1.57079632679489661923132169)", Decimal::ONE),
        ("tan-units", "tan(units)", Decimal::MAX),
        ("sin", "sin(units)", max),
        ("cos", "cos(units)", max),
        ("exp", "exp(units)", Decimal::from(100)),
        ("ln", "ln(units)", Decimal::ZERO),
        ("log", "log10(units)", Decimal::ZERO),
        ("sqrt", "sqrt(units)", -Decimal::ONE),
        ("pow", "units ** 100", Decimal::from(10)),
        ("powd", "units ** 0.5", max),
        ("mul", "units * units", max),
        ("add", "units + units", max),
        ("sub", "-units - units", max),
        ("div", "units / 0.0", Decimal::ONE),
        ("rem", "units % 0.0", Decimal::ONE),
        ("div-small", "units / 0.0000000000000000000000000001", max),
        ("int-div", "1 / 0", Decimal::ONE),
        ("int-overflow", "9223372036854775807 + 1", Decimal::ONE),
        ("int-pow", "2 ** 100", Decimal::ONE),
        ("neg-int", "-9223372036854775807 - 1 - 1", Decimal::ONE),
        ("abs-int", "abs(-9223372036854775807 - 1)", Decimal::ONE),
        ("round", "round_half_up(units, 28)", max),
        ("round-dp", "round_dp(units, 1000)", max),
        ("round-up", "round_up(units, 0)", max - Decimal::new(5, 1)),
        ("ceiling", "ceiling(units)", Decimal::from_i128_with_scale(79228162514264337593543950335, 1)),
        ("round2", "round(units)", Decimal::from_i128_with_scale(79228162514264337593543950335, 1)),
        ("to-int", "to_int(units)", max),
        ("shift", "1 << 100", Decimal::ONE),
        ("min-neg", "-units", max),
        ("floor", "floor(-units)", max),
    ];
    let mut panicked = Vec::new();
    for (name, source, units) in cases {
        let outcome = std::panic::catch_unwind(|| run(name, source, *units));
        match outcome {
            Err(_) => panicked.push(format!("{name}: {source} panicked")),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                assert!(e.starts_with(&format!("{name}.rhai:")), "{name}: not located: {e}");
                assert!(e.contains("scoring partner \"p-test\""), "{name}: names no partner: {e}");
            }
        }
    }
    assert!(panicked.is_empty(), "{}", panicked.join("\n"));
}

/// Issue 11: a 100,000-case `switch` took more than 20 seconds to compile, in every command that loads the
/// rules. A script longer than the sandbox allows is refused at load, before rhai parses it.
#[test]
fn huge_scripts_are_refused_before_they_compile() {
    let mut source = String::from("switch units.to_int() {\n");
    for i in 0..100_000 {
        source.push_str(&format!("  {i} => {i}.0,\n"));
    }
    source.push_str("  _ => 0.0\n}\n");
    let started = Instant::now();
    let err = run("switch", &source, Decimal::ONE).expect_err("a huge script must be refused");
    assert!(started.elapsed() < Duration::from_secs(3), "refusing took {:?}", started.elapsed());
    assert!(err.starts_with("switch.rhai: script is "), "{err}");
    assert!(err.contains("bytes, more than the 32768 a script may have"), "{err}");
}

/// Issue 14: a formula that fails for some partners (here `10 / units`, a division by zero for a partner with
/// no units) loaded without complaint, since loading runs each script once with many units, and failed every
/// such partner at scoring time. The sweep runs it at zero units, one, the numbers the rule states and far past
/// them, and reports the first input that fails, naming the script, the metric and the input, under DS401.
#[test]
fn the_script_sweep_catches_a_formula_that_divides_by_zero_units() {
    let tmp = scratch("sweep-zero");
    let dir = tmp.join("2024-06");
    copy_dir(&workspace().join("rules/2024-06"), &dir);
    std::fs::write(dir.join("scripts/share-of-max.rhai"), "min(max_points, units * max_points + 10 / units)").unwrap();
    let rules = RuleSet::load(&dir).expect("loading runs the script with many units only, where it works");
    let problems = designate_engine::rules::sweep_scripts(&rules);
    assert!(!problems.is_empty(), "the sweep must fail the formula at zero units");
    let first = &problems[0];
    assert_eq!(first.code, designate_engine::codes::SCRIPT_FAILS_ON_SWEEP);
    let shown = first.to_string();
    assert!(shown.starts_with(&format!("{}:1:", rules.dir.join("scripts/share-of-max.rhai").display())), "{shown}");
    assert!(shown.contains("with units = 0,"), "the failing input is named: {shown}");
    assert!(shown.contains("metric \""), "the metric is named: {shown}");
    assert!(shown.to_lowercase().contains("division by zero"), "{shown}");
    // Every metric using it is named, once each.
    let users =
        problems.iter().filter(|p| p.message.contains("share-of-max") || p.place.file.ends_with("share-of-max.rhai"));
    assert_eq!(users.count(), problems.len());
}

/// Issue 14: a formula that returns a negative number, more than max_points, or no number at all for some
/// input is refused by the sweep too (scoring would cap or fail it silently for some partners only).
#[test]
fn the_script_sweep_refuses_negative_oversized_and_non_number_results() {
    for (name, source, expect) in [
        // Each is right for many units, so loading (which runs it once with many units) accepts it.
        ("negative", "if units == 1.0 { -1 } else { min(max_points, units) }", "below 0"),
        ("oversized", "if units == 0.0 { max_points + 1 } else { min(max_points, units) }", "more than max_points"),
        ("text", "if units == 1.0 { \"one\" } else { min(max_points, units) }", "instead of a number"),
    ] {
        let tmp = scratch(&format!("sweep-{name}"));
        let dir = tmp.join("2024-06");
        copy_dir(&workspace().join("rules/2024-06"), &dir);
        std::fs::write(dir.join("scripts/share-of-max.rhai"), source).unwrap();
        let rules = RuleSet::load(&dir).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let problems = designate_engine::rules::sweep_scripts(&rules);
        assert!(problems.iter().any(|p| p.message.contains(expect)), "{name}: {problems:?}");
    }
}

/// Issue 14: every shipped rule version passes its own sweep (check would fail otherwise).
#[test]
fn the_shipped_scripts_pass_the_sweep() {
    for version in ["2023-07", "2024-06", "2026-07"] {
        let rules = RuleSet::load(&workspace().join("rules").join(version)).unwrap();
        let problems: Vec<String> =
            designate_engine::rules::sweep_scripts(&rules).iter().map(ToString::to_string).collect();
        assert!(problems.is_empty(), "{version}: {problems:#?}");
    }
}

/// Compiles `source` for the inputs `units` and `k`.
fn compiled(name: &str, source: &str) -> Script {
    let dir = scratch(name);
    let path = dir.join(format!("{name}.rhai"));
    std::fs::write(&path, source).unwrap();
    let engine = Arc::new(sandbox());
    Script::compile(&engine, &path, &format!("{name}.rhai"), &["units".to_owned(), "k".to_owned()]).unwrap()
}

/// Issue 15: a script's results are kept by their exact inputs and shared by every partner (and thread); what
/// the memo gives is what a run gives, inputs of another scale or sign are other inputs, and a failure is never
/// kept, so each partner's failure names that partner.
#[test]
fn a_scripts_memo_gives_what_a_run_gives_and_keeps_no_failure() {
    let script = compiled("memo", "if units > 50.0 { throw \"too many units\" }\nunits * k + units");
    let d = |s: &str| s.parse::<Decimal>().unwrap();
    let inputs = ["0", "-0", "0.0", "1.5", "1.50", "1.500", "7", "7.0", "49.99", "50"];
    let runs = |units: &str| {
        let by_name = [("units".to_owned(), d(units)), ("k".to_owned(), d("3.3"))];
        script.run(&by_name, "scoring partner \"direct\"").unwrap()
    };
    let memo = |units: &str, partner: &str| {
        script.run_memo(&[("units", d(units)), ("k", d("3.3"))], || format!("scoring partner \"{partner}\""))
    };
    for units in inputs {
        assert_eq!(memo(units, "a").unwrap(), runs(units), "{units}");
    }
    // Each input of another scale or sign is its own entry (rust_decimal reads "-0" as 0 exactly, one input);
    // asking again adds none.
    let distinct: std::collections::BTreeSet<[u8; 16]> = inputs.iter().map(|u| d(u).serialize()).collect();
    assert_eq!(distinct.len(), inputs.len() - 1);
    assert_eq!(script.memo_len(), distinct.len());
    for units in inputs {
        assert_eq!(memo(units, "b").unwrap(), runs(units), "{units}");
    }
    assert_eq!(script.memo_len(), distinct.len());
    assert_eq!(memo("6", "a").unwrap().to_string(), "25.8");
    // The same numbers under the other names are other inputs.
    let swapped = script.run_memo(&[("k", d("6")), ("units", d("3.3"))], || "scoring partner \"s\"".to_owned());
    assert_eq!(swapped.unwrap().to_string(), "23.1");
    assert_eq!(memo("6", "a").unwrap().to_string(), "25.8");
    // A failure names the partner it failed for, every time.
    for partner in ["p-1", "p-2", "p-1"] {
        let err = memo("51", partner).unwrap_err().to_string();
        assert!(err.contains("too many units") && err.contains(&format!("scoring partner \"{partner}\"")), "{err}");
    }
    assert_eq!(script.memo_len(), distinct.len() + 2, "the failures kept nothing");
    // A clone shares the memo; threads asking at once get what a run gives.
    let clone = script.clone();
    std::thread::scope(|s| {
        for t in 0..4 {
            let clone = &clone;
            s.spawn(move || {
                for i in 0..200 {
                    let units = Decimal::new((i * 7 + t) % 300, 1);
                    let got = clone.run_memo(&[("units", units), ("k", d("3.3"))], || "scoring partner \"t\"".into());
                    let by_name = [("units".to_owned(), units), ("k".to_owned(), d("3.3"))];
                    assert_eq!(got.unwrap(), clone.run(&by_name, "scoring partner \"t\"").unwrap());
                }
            });
        }
    });
    assert_eq!(clone.memo_len(), script.memo_len());
    assert!(script.memo_len() <= distinct.len() + 2 + 300, "{}", script.memo_len());
}

/// The memo is bounded: past its limit, results are computed and no longer kept.
#[test]
fn a_scripts_memo_holds_at_most_its_limit() {
    let script = compiled("bounded", "units + k");
    let limit = designate_engine::script::MEMO_ENTRIES;
    for i in 0..limit as i64 + 50 {
        let got = script.run_memo(&[("units", Decimal::from(i)), ("k", Decimal::ONE)], || "scoring".into()).unwrap();
        assert_eq!(got, Decimal::from(i + 1));
    }
    assert_eq!(script.memo_len(), limit);
}
