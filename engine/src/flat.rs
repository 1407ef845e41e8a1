//! Flat results (issue 15): a score report as rows, one per (partner, designation, metric), for analysts who
//! read results into a table (pandas, DuckDB, Spark, a spreadsheet) rather than walking nested JSON.
//!
//! The rows are a rendering of [`ScoreReport`], never a second computation: every value is read from the
//! report, in its order (designations, then each designation's metrics). [`COLUMNS`] is the one list of
//! column names; `score --format csv` writes each report straight from it through [`write_report_csv`] (the
//! bytes [`write_csv`] writes for its [`Row`]s), and `--format parquet` and the Python module build their columns
//! from the same [`Row`]s (`columnar::batch`), so the three carry the same columns.
//! Decimals are written as the JSON report writes them (normalised: `19.8`, not `19.80`), booleans as
//! `true`/`false`, so equal reports give equal bytes.

use std::io::{self, Write};

use rust_decimal::Decimal;

use crate::report::{DecimalText, DesignationResult, MetricResult, ScoreReport};

/// The columns of a flat result, in order: the CSV header, the Parquet schema's field names.
pub const COLUMNS: [&str; 11] = [
    "partner_id",
    "as_of",
    "rules_version",
    "rules_digest",
    "designation",
    "path",
    "metric",
    "points",
    "max_points",
    "designation_points",
    "qualified",
];

/// One metric of one designation of one partner's report, with the designation's total and outcome repeated
/// on each of its metrics' rows (what a table needs to filter or group without a join).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub partner_id: String,
    pub as_of: String,
    pub rules_version: String,
    pub rules_digest: String,
    /// The designation's id.
    pub designation: String,
    /// The path the designation was scored on.
    pub path: String,
    /// The metric's id.
    pub metric: String,
    /// The metric's points.
    pub points: Decimal,
    /// The metric's maximum.
    pub max_points: Decimal,
    /// The designation's total points.
    pub designation_points: Decimal,
    /// Whether the designation is attained at `as_of`.
    pub qualified: bool,
}

/// The (designation, metric) pairs a report's rows are read from: its designations in report order, each
/// designation's metrics in report order.
fn each(report: &ScoreReport) -> impl Iterator<Item = (&DesignationResult, &MetricResult)> {
    report.designations.iter().flat_map(|d| d.metrics.iter().map(move |m| (d, m)))
}

/// A report's rows: its designations in report order, each designation's metrics in report order. Decimals
/// are normalised, as the JSON report writes them.
pub fn rows(report: &ScoreReport) -> Vec<Row> {
    each(report)
        .map(|(d, m)| Row {
            partner_id: report.partner.clone(),
            as_of: report.as_of.clone(),
            rules_version: report.rules.version.clone(),
            rules_digest: report.rules.digest.clone(),
            designation: d.id.clone(),
            path: d.path.clone(),
            metric: m.id.clone(),
            points: m.points.normalize(),
            max_points: m.max_points.normalize(),
            designation_points: d.points.normalize(),
            qualified: d.qualified,
        })
        .collect()
}

impl Row {
    /// The row's cells as text, in [`COLUMNS`] order: decimals as the JSON report writes them.
    pub fn cells(&self) -> [String; 11] {
        let number = |d: &Decimal| DecimalText::new(&d.normalize()).as_str().to_owned();
        [
            self.partner_id.clone(),
            self.as_of.clone(),
            self.rules_version.clone(),
            self.rules_digest.clone(),
            self.designation.clone(),
            self.path.clone(),
            self.metric.clone(),
            number(&self.points),
            number(&self.max_points),
            number(&self.designation_points),
            self.qualified.to_string(),
        ]
    }

    /// The row's text cells, in [`COLUMNS`] order.
    fn texts(&self) -> [&str; 7] {
        [
            &self.partner_id,
            &self.as_of,
            &self.rules_version,
            &self.rules_digest,
            &self.designation,
            &self.path,
            &self.metric,
        ]
    }
}

/// Writes `rows` as CSV (RFC 4180: comma-separated, `\n` line ends, a cell quoted only when it holds a comma, a
/// quote, a line break or leading or trailing space), with the [`COLUMNS`] header first when `header` is true (a
/// portfolio written in pieces writes it once).
pub fn write_csv<W: Write>(rows: &[Row], header: bool, mut w: W) -> io::Result<()> {
    let mut line = String::new();
    if header {
        push_header(&mut line);
    }
    for row in rows {
        let numbers = [&row.points, &row.max_points, &row.designation_points];
        push_row(&mut line, row.texts(), numbers, row.qualified);
    }
    w.write_all(line.as_bytes())
}

/// Writes a report's rows as CSV, exactly the bytes [`write_csv`] writes for [`rows`]`(report)`, read straight
/// from the report (issue 15: no [`Row`] is built, no cell is a string of its own).
pub fn write_report_csv<W: Write>(report: &ScoreReport, header: bool, mut w: W) -> io::Result<()> {
    let mut line = String::new();
    if header {
        push_header(&mut line);
    }
    for (d, m) in each(report) {
        let texts = [
            report.partner.as_str(),
            &report.as_of,
            &report.rules.version,
            &report.rules.digest,
            &d.id,
            &d.path,
            &m.id,
        ];
        push_row(&mut line, texts, [&m.points, &m.max_points, &d.points], d.qualified);
    }
    w.write_all(line.as_bytes())
}

fn push_header(line: &mut String) {
    for (i, column) in COLUMNS.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        push_cell(line, column);
    }
    line.push('\n');
}

/// One row: its text cells, then its decimals normalised as the JSON report writes them (digits, a point and a
/// sign: never quoted), then `true` or `false`.
fn push_row(line: &mut String, texts: [&str; 7], numbers: [&Decimal; 3], qualified: bool) {
    for (i, text) in texts.into_iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        push_cell(line, text);
    }
    for number in numbers {
        line.push(',');
        line.push_str(DecimalText::new(&number.normalize()).as_str());
    }
    line.push_str(if qualified { ",true\n" } else { ",false\n" });
}

/// A cell, quoted when a reader would otherwise split, join or trim it. Ids come from partner files and may
/// hold anything; quoting them keeps every row 11 cells wide.
fn push_cell(line: &mut String, cell: &str) {
    let needs_quotes = cell.contains([',', '"', '\n', '\r'])
        || cell.starts_with(char::is_whitespace)
        || cell.ends_with(char::is_whitespace);
    if needs_quotes {
        line.push('"');
        line.push_str(&cell.replace('"', "\"\""));
        line.push('"');
    } else {
        line.push_str(cell);
    }
}

#[cfg(test)]
mod tests {
    //! Issue 15: the flat rows are the report's designations × metrics, exactly.
    use super::*;
    use crate::report::{DesignationResult, MetricResult, RulesRef};
    use std::path::Path;
    use std::str::FromStr;

    fn workspace() -> &'static Path {
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
    }

    fn metric(id: &str, points: &str, max: &str) -> MetricResult {
        MetricResult {
            id: id.into(),
            category: "performance".into(),
            points: Decimal::from_str(points).unwrap(),
            max_points: Decimal::from_str(max).unwrap(),
            explanation: String::new(),
            evidence: None,
        }
    }

    fn designation(id: &str, points: &str, qualified: bool, metrics: Vec<MetricResult>) -> DesignationResult {
        DesignationResult {
            id: id.into(),
            name: id.into(),
            path: "smb".into(),
            path_reason: String::new(),
            points: Decimal::from_str(points).unwrap(),
            max_points: Decimal::from(100),
            qualified,
            qualification: String::new(),
            qualified_in_window: qualified,
            window: Vec::new(),
            enrollment: None,
            min_total: None,
            min_each_metric: None,
            metrics,
        }
    }

    fn report(partner: &str, designations: Vec<DesignationResult>) -> ScoreReport {
        ScoreReport {
            schema_version: 1,
            partner: partner.into(),
            as_of: "2024-06".into(),
            rules: RulesRef { version: "2024-06".into(), digest: "sha256:ab".into() },
            designations,
            program: None,
            software: Vec::new(),
            warnings: Vec::new(),
            data_gaps: Vec::new(),
        }
    }

    /// Issue 15: points are exact decimals written as the JSON report writes them (`19.8`, never `19.80` or a
    /// float's `19.800000000000001`).
    #[test]
    fn flat_decimals_are_exact_and_normalised_as_in_json() {
        let r = report(
            "p1",
            vec![designation("azure", "19.80", false, vec![metric("a", "19.80", "20.0"), metric("b", "0.000", "10")])],
        );
        let mut out = Vec::new();
        write_csv(&rows(&r), true, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "partner_id,as_of,rules_version,rules_digest,designation,path,metric,points,max_points,\
             designation_points,qualified\n\
             p1,2024-06,2024-06,sha256:ab,azure,smb,a,19.8,20,19.8,false\n\
             p1,2024-06,2024-06,sha256:ab,azure,smb,b,0,10,19.8,false\n"
        );
        let json = r.to_json_line();
        assert!(json.contains("\"points\":19.8"), "{json}");
    }

    /// Issue 15: the CSV written straight from a report is byte for byte the CSV of its rows, with and without
    /// the header, for every snapshot partner under every shipped version, and for ids that must be quoted and
    /// numbers with trailing zeros, negative or with every digit a decimal holds.
    #[test]
    fn flat_csv_written_from_the_report_is_the_csv_of_its_rows() {
        let csv = |report: &ScoreReport, header: bool| {
            let (mut of_rows, mut direct) = (Vec::new(), Vec::new());
            write_csv(&rows(report), header, &mut of_rows).unwrap();
            write_report_csv(report, header, &mut direct).unwrap();
            assert_eq!(String::from_utf8(direct).unwrap(), String::from_utf8(of_rows).unwrap());
        };
        let mut odd = report(
            "a,\"b\"\nc ",
            vec![
                designation(" d", "-0.50", true, vec![metric("m,1", "79228162514264337593543950335", "1.000")]),
                designation("e", "0.0000000000000000000000000001", false, vec![metric("m", "-0", "-12.30")]),
            ],
        );
        csv(&odd, true);
        csv(&odd, false);
        odd.designations.clear();
        csv(&odd, true);
        let mut partners = 0;
        for version in ["2023-07", "2024-06", "2026-07"] {
            let rules = crate::RuleSet::load(&workspace().join("rules").join(version)).expect("rules load");
            for entry in std::fs::read_dir(workspace().join("snapshots/partners")).unwrap() {
                let partner = crate::Partner::load(&entry.unwrap().path()).expect("loads");
                if let Ok(report) = crate::score(&rules, &partner) {
                    csv(&report, true);
                    partners += 1;
                }
            }
        }
        assert!(partners > 50, "{partners}");
    }

    /// Issue 15: a cell holding a comma, quote, line break or edge space is quoted, so every row keeps 11 cells.
    #[test]
    fn flat_csv_quotes_cells_that_would_split_a_row() {
        let r = report("a,\"b\"\nc ", vec![designation("d", "1", true, vec![metric("m", "1", "1")])]);
        let mut out = Vec::new();
        write_csv(&rows(&r), false, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\"a,\"\"b\"\"\nc \",2024-06,2024-06,sha256:ab,d,smb,m,1,1,1,true\n"
        );
    }

    /// Issue 15: flat results are scored with `Detail::Points` (as_of measured brief, without evidence items or
    /// English); the rows, warnings, data gaps, window, enrollment track and program status are exactly those of
    /// a full report, on generated partners of every shipped version (each alone and as a root whose window
    /// crosses versions) and on every snapshot partner (data gaps, enrollment tracks, history).
    #[test]
    fn flat_rows_of_a_brief_report_are_those_of_a_full_one() {
        use crate::evaluate::{score_by_with, Detail};
        let mut dirs: Vec<_> = std::fs::read_dir(workspace().join("rules"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.join("program.toml").is_file())
            .collect();
        dirs.sort();
        assert!(dirs.len() >= 3, "shipped versions: {dirs:?}");
        // Oldest first: a rules root as `score_by` takes it.
        let root: Vec<crate::RuleSet> =
            dirs.iter().map(|d| crate::RuleSet::load(d).expect("shipped rules load")).collect();
        let mut partners = Vec::new();
        for rules in &root {
            let generator = crate::generate::Generator::new(rules);
            let from = rules.effective_from;
            for as_of in [from, from.offset(2), from.offset(7)] {
                for i in 0..20 {
                    let file = generator.partner(i, 15, as_of);
                    partners.push(crate::Partner::from_file(file, "generated").expect("generated partners validate"));
                }
            }
        }
        for entry in std::fs::read_dir(workspace().join("snapshots/partners")).unwrap() {
            partners.push(crate::Partner::load(&entry.unwrap().path()).expect("snapshot partners load"));
        }
        let mut compared = 0;
        let mut check =
            |full: Result<ScoreReport, crate::Error>, brief: Result<ScoreReport, crate::Error>, what: &str| {
                let (full, brief) = match (full, brief) {
                    (Ok(f), Ok(b)) => (f, b),
                    (Err(f), Err(b)) => return assert_eq!(f.to_string(), b.to_string(), "{what}"),
                    (f, b) => panic!("{what}: full {:?}, brief {:?}", f.err(), b.err()),
                };
                assert_eq!(rows(&full), rows(&brief), "{what}");
                assert_eq!(full.warnings, brief.warnings, "{what}");
                assert_eq!(full.data_gaps, brief.data_gaps, "{what}");
                assert_eq!(full.program, brief.program, "{what}");
                assert_eq!(full.software, brief.software, "{what}");
                for (f, b) in full.designations.iter().zip(&brief.designations) {
                    assert_eq!(f.window, b.window, "{what}: {}", f.id);
                    assert_eq!(f.qualified_in_window, b.qualified_in_window, "{what}: {}", f.id);
                    assert_eq!(f.enrollment, b.enrollment, "{what}: {}", f.id);
                    assert!(b.metrics.iter().all(|m| m.explanation.is_empty() || m.explanation.starts_with(" [")));
                }
                compared += rows(&full).len();
            };
        for partner in &partners {
            for rules in root.iter().filter(|r| r.applies_to(partner.as_of)) {
                check(
                    crate::score(rules, partner),
                    score_by_with(rules, partner, Detail::Points),
                    &format!("{} under {}", partner.origin, rules.version),
                );
            }
            check(
                crate::score_by(&root[..], partner),
                score_by_with(&root[..], partner, Detail::Points),
                &format!("{} under the root", partner.origin),
            );
        }
        assert!(compared > 5000, "only {compared} rows compared");
    }

    /// Issue 15: a real partner's rows are its JSON report's designations × metrics, in report order, with the
    /// numbers the JSON holds.
    #[test]
    fn flat_rows_are_the_reports_designations_times_metrics() {
        let rules = crate::RuleSet::load(&workspace().join("rules/2024-06")).expect("rules load");
        let partner = crate::Partner::load(&workspace().join("snapshots/partners/contoso-smb.yaml")).expect("loads");
        let report = crate::score(&rules, &partner).expect("scores");
        let json: serde_json::Value = serde_json::from_str(&report.to_json_line()).unwrap();
        let rows = rows(&report);
        let mut expected = Vec::new();
        for d in json["designations"].as_array().unwrap() {
            for m in d["metrics"].as_array().unwrap() {
                expected.push((
                    d["id"].as_str().unwrap().to_string(),
                    d["path"].as_str().unwrap().to_string(),
                    m["id"].as_str().unwrap().to_string(),
                    m["points"].to_string(),
                    m["max_points"].to_string(),
                    d["points"].to_string(),
                    d["qualified"].as_bool().unwrap(),
                ));
            }
        }
        assert!(!expected.is_empty());
        let got: Vec<_> = rows
            .iter()
            .map(|r| {
                let c = r.cells();
                (c[4].clone(), c[5].clone(), c[6].clone(), c[7].clone(), c[8].clone(), c[9].clone(), r.qualified)
            })
            .collect();
        assert_eq!(got, expected);
        for r in &rows {
            assert_eq!(r.partner_id, json["partner"].as_str().unwrap());
            assert_eq!(r.as_of, json["as_of"].as_str().unwrap());
            assert_eq!(r.rules_version, json["rules"]["version"].as_str().unwrap());
            assert_eq!(r.rules_digest, json["rules"]["digest"].as_str().unwrap());
        }
    }
}
