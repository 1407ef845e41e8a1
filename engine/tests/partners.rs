//! The engine's own partner validation, as data: each case of `tests/partners/cases.toml` is a partner file
//! the engine must refuse, with the exact error (place, message and hint) it must give.
//!
//! Issue 12: duplicate people passed every engine test; only the CLI corpus saw them. These cases hold the
//! validation where it lives, one case per check of `partner.rs` and per kind of bad value.

use std::path::Path;

use designate_engine::{Format, Partner};
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
    /// The file name the error must name; its extension chooses the format.
    file: String,
    text: String,
    /// The rendered error: `file: field.path: message` or `file:line:col: message`, then any hint line.
    expect: String,
}

// Issue 12: every bad partner of the cases file is refused with its exact located message.
#[test]
fn each_bad_partner_is_refused_with_its_located_message() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/partners/cases.toml");
    let cases: Cases = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let mut failures = Vec::new();
    for case in &cases.case {
        let format = Format::from_path(Path::new(&case.file))
            .unwrap_or_else(|| panic!("[partners/cases.toml:{}] {} has no partner extension", case.name, case.file));
        match Partner::parse(&case.text, format, &case.file) {
            Ok(_) => failures.push(format!("[partners/cases.toml:{}] accepted", case.name)),
            Err(e) if e.to_string() == case.expect => {}
            Err(e) => failures.push(format!(
                "[partners/cases.toml:{}]\n  expected: {:?}\n  got:      {:?}",
                case.name,
                case.expect,
                e.to_string()
            )),
        }
    }
    assert!(failures.is_empty(), "{} of {} cases:\n{}", failures.len(), cases.case.len(), failures.join("\n"));
}

// Issue 12: the cases above differ from a partner the engine accepts by their one fault only.
#[test]
fn a_partner_with_every_section_is_accepted() {
    let text = "
partner: { id: p }
as_of: 2024-06
path: smb
customers:
  - { id: c1, segment: smb }
usage:
  - { customer: c1, month: 2024-06, product: VM, measure: acr_usd, value: 0, association: dpor }
people:
  - id: ann
    certifications:
      - { name: AZ-104, earned: 2024-06-30, expires: 2024-06-30 }
history:
  designations:
    - { id: data-ai, attained: 2024-06-30 }
solutions:
  - { id: s1 }
";
    let partner = Partner::parse(text, Format::Yaml, "p.yaml").expect("a valid partner");
    assert_eq!((partner.usage.len(), partner.people.len(), partner.attained.len()), (1, 1, 1));
}

/// Issue 13: a usage row's `cloud` is read from YAML, JSON (and so NDJSON lines) and TOML alike, `public` when
/// absent; a partner written back carries it only when it is not `public`, and reads back the same.
#[test]
fn usage_cloud_is_read_in_every_format_and_written_back_only_when_not_public() {
    use designate_engine::partner::Cloud;
    let yaml = "
partner: { id: p }
as_of: 2024-06
usage:
  - { customer: c1, month: 2024-06, product: VM, measure: acr_usd, value: 1, cloud: china }
  - { customer: c1, month: 2024-06, product: VM, measure: acr_usd, value: 2 }
  - { customer: c1, month: 2024-06, product: VM, measure: acr_usd, value: 3, cloud: sovereign }
";
    let json = r#"{"partner": {"id": "p"}, "as_of": "2024-06", "usage": [
        {"customer": "c1", "month": "2024-06", "product": "VM", "measure": "acr_usd", "value": 1, "cloud": "china"},
        {"customer": "c1", "month": "2024-06", "product": "VM", "measure": "acr_usd", "value": 2},
        {"customer": "c1", "month": "2024-06", "product": "VM", "measure": "acr_usd", "value": 3, "cloud": "sovereign"}]}"#;
    let toml = r#"
as_of = "2024-06"
partner = { id = "p" }
usage = [
  { customer = "c1", month = "2024-06", product = "VM", measure = "acr_usd", value = 1, cloud = "china" },
  { customer = "c1", month = "2024-06", product = "VM", measure = "acr_usd", value = 2 },
  { customer = "c1", month = "2024-06", product = "VM", measure = "acr_usd", value = 3, cloud = "sovereign" },
]
"#;
    let want = [Cloud::China, Cloud::Public, Cloud::Sovereign];
    for (text, format, name) in
        [(yaml, Format::Yaml, "p.yaml"), (json, Format::Json, "p.json"), (toml, Format::Toml, "p.toml")]
    {
        let partner = Partner::parse(text, format, name).expect("a valid partner");
        let clouds: Vec<Cloud> = partner.usage.iter().map(|r| r.cloud).collect();
        assert_eq!(clouds, want, "{name}");
        let written = partner.to_json().to_string();
        assert_eq!(written.matches("\"cloud\"").count(), 2, "{name}: only the rows not public carry cloud: {written}");
        let again = Partner::parse(&written, Format::Json, name).expect("written back, read again");
        assert_eq!(again.usage, partner.usage, "{name}: the rows read back as written");
    }
}

/// Issue 14: `parse_all` reports every problem of a file; its first is exactly the one `parse` gives (the
/// CLI's first line and every caller of `parse` see no change), and every problem carries a stable code.
#[test]
fn parse_all_starts_with_the_problem_parse_gives_and_codes_every_problem() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/partners/cases.toml");
    let cases: Cases = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    for case in &cases.case {
        let format = Format::from_path(Path::new(&case.file)).unwrap();
        let one = Partner::parse(&case.text, format, &case.file).unwrap_err();
        let all = Partner::parse_all(&case.text, format, &case.file).unwrap_err();
        assert_eq!(all[0], one, "[partners/cases.toml:{}]", case.name);
        for e in &all {
            assert_ne!(e.code, designate_engine::codes::UNCLASSIFIED, "[partners/cases.toml:{}] {e}", case.name);
        }
    }
}

/// Issue 14: two bad rows and a duplicate person: three problems, each once, in file order; the good rows are
/// still checked (the month after as_of), and the bad rows are left out of what depends on them.
#[test]
fn parse_all_reports_each_independent_problem_once() {
    let text = "
partner: { id: p }
as_of: 2024-06
usage:
  - { customer: c1, month: 2024-06, product: VM, measure: acr, value: 1 }
  - { customer: c1, month: 2024-07, product: VM, measure: acr_usd, value: 1 }
  - { customer: c1, month: 2024-06, product: VM, measure: acr_usd, value: lots }
people:
  - { id: ann }
  - { id: ann }
";
    let all: Vec<String> =
        Partner::parse_all(text, Format::Yaml, "p.yaml").unwrap_err().iter().map(ToString::to_string).collect();
    assert_eq!(all.len(), 4, "{all:#?}");
    assert!(all[0].starts_with("p.yaml:6:59: unknown value `acr`"), "{all:#?}");
    assert!(all[1].starts_with("p.yaml: usage[1].month: usage month 2024-07 is after as_of 2024-06"), "{all:#?}");
    assert!(all[2].starts_with("p.yaml: usage[2].value: invalid value: string \"lots\""), "{all:#?}");
    assert_eq!(all[3], "p.yaml: people[1].id: person \"ann\" is listed twice");
}

/// Issue 16: `coverage` is read into the partner (its source trimmed) and written back as it was read, so a
/// partner imported from exports keeps saying what its data holds through `gap --write` and NDJSON.
#[test]
fn coverage_is_read_and_written_back() {
    use designate_engine::partner::{Measure, PartnerFile};
    let yaml = "
partner: { id: p }
as_of: 2024-06
coverage:
  - { measure: acr_usd, from: 2023-07, to: 2024-06, source: ' AzureUsage.tsv ' }
  - { measure: paid_seats, from: 2024-01, to: 2024-05 }
usage:
  - { customer: c1, month: 2023-07, product: VM, measure: acr_usd, value: 1 }
";
    let partner = Partner::parse(yaml, Format::Yaml, "p.yaml").expect("a valid partner");
    let coverage = partner.coverage.as_ref().expect("coverage read");
    assert_eq!(coverage.len(), 2);
    assert_eq!(coverage[0].source.as_deref(), Some("AzureUsage.tsv"));
    let months = |list: &[&str]| list.iter().map(|m| m.parse().unwrap()).collect::<Vec<_>>();
    assert_eq!(
        partner.missing_months(Measure::PaidSeats, months(&["2023-12", "2024-01", "2024-06"])),
        months(&["2023-12", "2024-06"])
    );
    assert_eq!(partner.missing_months(Measure::ProtectedUsers, months(&["2024-06"])), months(&["2024-06"]));
    let again = Partner::parse(&PartnerFile::from(&partner).to_json_line(), Format::Json, "p.yaml").expect("read back");
    assert_eq!(again, partner);
    // Without coverage the file is complete: no month is missing and none is written.
    let complete = Partner::parse("partner: { id: p }\nas_of: 2024-06\n", Format::Yaml, "p.yaml").unwrap();
    assert!(complete.missing_months(Measure::AcrUsd, months(&["2020-01"])).is_empty());
    assert!(!PartnerFile::from(&complete).to_json_line().contains("coverage"));
}
