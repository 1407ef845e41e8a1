//! Helpers the CLI test files share: the workspace, running the binary, scratch folders, copying rule sets.
#![allow(dead_code)] // each test file uses its own share of these

pub mod python;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The workspace root, where `rules/` and `snapshots/` are.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs `designate` with `args` from the workspace root.
pub fn designate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_designate")).args(args).current_dir(workspace()).output().expect("the binary runs")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

// The engine's tests' scratch folders, one file for both suites.
#[path = "../../../engine/tests/common/scratch.rs"]
mod scratch;
#[allow(unused_imports)] // like the helpers above, each test file uses its own share
pub use scratch::{scratch, Scratch};

/// Copies a folder tree (a rule set, typically) so that a test can edit the copy.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Makes a named pipe (FIFO) at `path`: the special file that hangs a reader opening it, for tests that it never is.
pub fn mkfifo(path: &Path) {
    let made = std::process::Command::new("mkfifo").arg(path).status().expect("mkfifo runs");
    assert!(made.success(), "mkfifo {}", path.display());
}

/// Checks `instance` against the JSON Schema `designate schema DOCUMENT` prints, with a validator of its own
/// (boon), so that a schema that does not describe what the tool writes fails here. `what` names the instance.
pub fn assert_valid(document: &str, instance: &serde_json::Value, what: &str) {
    let out = designate(&["schema", document]);
    assert!(out.status.success(), "schema {document}: {}", text(&out.stderr));
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).expect("the schema is JSON");
    let url = format!("http://designate.invalid/{document}.schema.json");
    let mut compiler = boon::Compiler::new();
    compiler.add_resource(&url, schema).expect("the schema is added");
    let mut schemas = boon::Schemas::new();
    let index = compiler.compile(&url, &mut schemas).unwrap_or_else(|e| panic!("schema {document}: {e}"));
    // Through text: boon reads plain serde_json numbers, whatever the features of the crate under test.
    let plain: serde_json::Value = serde_json::from_str(&instance.to_string()).unwrap();
    if let Err(e) = schemas.validate(&plain, index) {
        panic!("{what} does not validate against the {document} schema: {e:#}");
    }
}

/// YAML text as a JSON value, to validate snapshot results and `score --format yaml`.
pub fn yaml_value(text: &str) -> serde_json::Value {
    serde_saphyr::from_str(text).expect("valid YAML")
}

/// Evidence of a metric counting the customers `counted` (crossed the threshold) and not `others` (below it),
/// with a person, figures, a check, a part and the points, as every kind will fill it: reports in the tests
/// carry it before the kinds do.
pub fn evidence(counted: &[&str], others: &[&str]) -> designate_engine::evidence::Evidence {
    use designate_engine::evidence::*;
    use rust_decimal::Decimal;
    let month = |v: i64| std::collections::BTreeMap::from([("2024-06".to_owned(), Number(Decimal::new(v, 2)))]);
    let mut e = Evidence::of("customer-adds");
    e.figure("now", Decimal::from(counted.len() as i64), Some("customers"), Some("2024-06".to_owned()));
    e.checks
        .push(Check { name: "min-ttm-total".to_owned(), passed: true, detail: "USD 1,200 ≥ USD 1,000".to_owned() });
    for (ids, counted, reason, value) in
        [(counted, true, "crossed-threshold", 55025), (others, false, "below-threshold", 1050)]
    {
        for id in ids {
            e.items.push(Item {
                item_type: ItemType::Customer,
                id: (*id).to_owned(),
                counted,
                reason: reason.into(),
                customer: None,
                month: None,
                months: month(value).into(),
                certifications: Vec::new(),
                value: None,
            });
        }
    }
    e.items.push(Item {
        item_type: ItemType::Person,
        id: "p-1".to_owned(),
        counted: false,
        reason: "no-counting-certification".into(),
        customer: None,
        month: None,
        months: Default::default(),
        certifications: vec![CertificationEvidence {
            name: "AZ-900".to_owned(),
            code: Some("AZ-900".to_owned()),
            counted: false,
            reason: "not-in-requirement".into(),
            date: None,
        }],
        value: Some(Number(Decimal::new(5, 1))),
    });
    e.parts.push(PartEvidence {
        id: "part".to_owned(),
        units: Decimal::ONE,
        evidence: Evidence::of("certified-people"),
    });
    e.points = Some(PointsEvidence {
        units: Decimal::from(counted.len() as i64),
        units_counted: Decimal::from(counted.len() as i64),
        per_unit: Some(Number(Decimal::from(3))),
        earned: Decimal::from(3 * counted.len() as i64),
        points: Decimal::from(3 * counted.len() as i64),
        ..PointsEvidence::default()
    });
    e
}
