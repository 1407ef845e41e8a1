//! The stable code of every kind of diagnostic, for people (`docs/rules.md` lists them), CI annotations and
//! SARIF rule ids. A code never changes meaning once shipped; a retired code is not reused.
//!
//! Ranges: `DS0xx` reading files (syntax, shape, keys, types), `DS1xx` rule set structure and references,
//! `DS2xx` values a rule file states, `DS3xx` consistency lints (warnings), `DS4xx` scripts, `DS5xx` partner
//! files, `DS6xx` rule tests (`designate test`), `DS9xx` the rest.

/// A kind of diagnostic: its stable id, a short kebab-case name and one sentence for the docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Code {
    pub id: &'static str,
    pub name: &'static str,
    pub summary: &'static str,
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id)
    }
}

macro_rules! codes {
    ($($(#[$doc:meta])* $konst:ident = $id:literal, $name:literal, $summary:literal;)+) => {
        $($(#[$doc])* pub const $konst: Code = Code { id: $id, name: $name, summary: $summary };)+
        /// Every code, in id order.
        pub const ALL: &[Code] = &[$($konst),+];
    };
}

codes! {
    // --- DS0xx: reading files ---
    /// The text is not valid TOML, YAML or JSON.
    SYNTAX = "DS001", "syntax", "The file is not valid TOML, YAML or JSON at this place.";
    /// A key the table does not take, often a misspelling (the hint names the closest valid key).
    UNKNOWN_KEY = "DS002", "unknown-key", "A key the table does not take, often a misspelling.";
    /// A value of the wrong type or form: text where a number belongs, a table where a list belongs.
    WRONG_TYPE = "DS003", "wrong-type", "A value of the wrong type or form for its key.";
    /// A key the table needs is not given (in the file's shape, or for the kind, test or method chosen).
    MISSING_KEY = "DS004", "missing-key", "A key the table needs is not given.";
    /// The same key twice in one table.
    DUPLICATE_KEY = "DS005", "duplicate-key", "A key is written twice in one table.";
    NOT_UTF8 = "DS006", "invalid-encoding", "The file is not UTF-8 text.";
    /// A file or folder that cannot be read, or an entry that is not a regular file (a FIFO, a device).
    UNREADABLE = "DS007", "unreadable", "The file or folder cannot be read, or is not a regular file.";
    /// Over the size limit, or (YAML) nesting or aliases expanding too far while it is read.
    TOO_LARGE = "DS008", "too-large", "The file is larger, nests deeper or expands further than a file may.";
    /// A path or a symbolic link leading out of the rule folder (outside its digest).
    OUTSIDE_FOLDER = "DS009", "outside-folder", "A path or symbolic link leads outside the rule folder.";
    /// A number literal with more digits than the reader keeps exactly.
    INEXACT_NUMBER = "DS010", "inexact-number", "A number has more digits than can be read exactly.";
    // --- DS1xx: rule set structure and references ---
    NOT_A_RULE_SET = "DS100", "not-a-rule-set", "The folder is not a rule set: it has no program.toml.";
    NO_DESIGNATION = "DS101", "no-designation", "The rule set defines no designation.";
    /// Two designations with one id, a product or certification name listed twice, a metric or part twice.
    DEFINED_TWICE = "DS102", "defined-twice", "A designation, product, certification name, metric or part is defined twice.";
    UNKNOWN_CERTIFICATION = "DS103", "unknown-certification", "A certification the catalogue does not list.";
    UNKNOWN_PRODUCT = "DS104", "unknown-product", "A product the product catalogue does not list.";
    UNKNOWN_SELECTION = "DS105", "unknown-selection", "A selection program.toml does not define.";
    UNKNOWN_DESIGNATION = "DS106", "unknown-designation", "A designation no file under designations/ defines.";
    UNKNOWN_PATH_RULE = "DS107", "unknown-path-rule", "A path rule program.toml does not define.";
    UNDEFINED_PATH = "DS108", "undefined-path", "A path rule can choose a path the designation does not define.";
    /// A key the kind, path test or method does not take (it would be ignored).
    KEY_DOES_NOT_APPLY = "DS109", "key-does-not-apply", "A key given where it has no effect.";
    /// Keys that exclude each other, both given.
    CONFLICTING_KEYS = "DS110", "conflicting-keys", "Keys that exclude each other are both given.";
    VERSION_OVERLAP = "DS111", "version-overlap", "Two rule versions apply to the same months.";
    VERSION_GAP = "DS112", "version-gap", "No rule version applies to some months between two versions.";
    // --- DS2xx: values ---
    NEGATIVE = "DS200", "negative", "A number that must not be negative is negative.";
    /// Months from 1 to 120, a share from 0 to 1, round_places from 0 to 10, at least one person...
    OUT_OF_RANGE = "DS201", "out-of-range", "A number is outside the range its key allows.";
    /// An upper bound below (or at an exclusive) lower bound: no value can count.
    EMPTY_RANGE = "DS202", "empty-range", "A lower and an upper bound leave no value that can count.";
    DATES_OUT_OF_ORDER = "DS203", "dates-out-of-order", "An end date is before its start date.";
    /// A word outside the closed set its key allows: a metric kind, measure, segment, cloud, category...
    UNKNOWN_VALUE = "DS204", "unknown-value", "A value not among the ones its key allows.";
    EMPTY_VALUE = "DS205", "empty-value", "An empty name or list where one is needed.";
    /// Maxima or units × points beyond the largest decimal.
    NUMBER_OVERFLOW = "DS206", "number-overflow", "Numbers add or multiply past the largest decimal.";
    INVALID_NAME = "DS207", "invalid-name", "A name that is not written the way its key requires.";
    /// A value allowed elsewhere but not here: a combined metric as a part, a part counting no customers
    /// under `combine = "distinct"`.
    NOT_ALLOWED_HERE = "DS208", "not-allowed-here", "A value allowed elsewhere but not in this place.";
    // --- DS3xx: consistency lints ---
    /// The metrics' max_points of a path do not add up to the designation's.
    MAX_POINTS_SUM = "DS300", "max-points-sum", "The metrics' max_points of a path do not add up to the designation's.";
    MAX_POINTS_UNREACHABLE = "DS301", "max-points-unreachable", "A points rule can never reach its metric's max_points.";
    MAX_POINTS_EXCEEDED = "DS302", "max-points-exceeded", "A points rule exceeds max_points before max_units binds.";
    FOLDER_NAME = "DS303", "folder-name", "A rule set's version differs from its folder's name.";
    // --- DS4xx: scripts ---
    /// `check` runs every script over a sweep of inputs; one of them made it fail or return a bad value.
    SCRIPT_FAILS_ON_SWEEP = "DS401", "script-fails-on-sweep",
        "A script fails, or returns a negative number, a non-number or more than max_points, for some input of the sweep.";
    /// The script does not compile (a syntax error, a name it cannot read).
    SCRIPT_DOES_NOT_COMPILE = "DS402", "script-does-not-compile", "A script does not compile.";
    /// The script is longer than a points formula may be.
    SCRIPT_TOO_LONG = "DS403", "script-too-long", "A script is longer than the 32 KiB a script may have.";
    /// The script path names no file of the rule set (missing, a folder, a hidden file, unreadable).
    SCRIPT_NOT_FOUND = "DS404", "script-not-found", "A script path names no readable file of the rule set.";
    /// The script path leads outside the rule set's folder.
    SCRIPT_OUTSIDE_RULES = "DS405", "script-outside-rules", "A script path leads outside the rule set's folder.";
    /// The script failed while it ran (division by zero, too many operations, not a number).
    SCRIPT_RUN_FAILS = "DS406", "script-run-fails", "A script failed while it ran, or returned a non-number.";
    // --- DS5xx: partner files ---
    /// The partner file holds nothing.
    PARTNER_FILE_EMPTY = "DS501", "partner-file-empty", "The partner file is empty.";
    /// The partner file's name ends in an extension that names no partner format.
    PARTNER_FILE_EXTENSION = "DS502", "partner-file-extension",
        "A partner file's extension is not .yaml, .yml, .json or .toml.";
    /// The partner file cannot be read (missing, not a regular file, not UTF-8).
    PARTNER_FILE_UNREADABLE = "DS503", "partner-file-unreadable",
        "A partner file cannot be read: missing, not a regular file, or not UTF-8 text.";
    /// An id or product name that must say something is empty.
    EMPTY_ID = "DS504", "empty-id", "A partner, customer or person id, or a product or certification name, is empty.";
    /// `path` names no path a partner file may state.
    UNKNOWN_PARTNER_PATH = "DS505", "unknown-partner-path", "A partner file's path is neither smb nor enterprise.";
    /// The same customer, person, attained designation or solution is listed twice.
    DUPLICATE_ID = "DS506", "duplicate-id",
        "A customer, person, designation, solution or coverage measure is listed twice.";
    /// A usage row names a customer that `customers` does not list.
    UNKNOWN_CUSTOMER = "DS507", "unknown-customer", "A usage row names a customer the file does not list.";
    /// A usage month or an attainment lies after `as_of`.
    AFTER_AS_OF = "DS508", "after-as-of", "A usage month, an attainment or a coverage range is after as_of.";
    /// A certification expires before it was earned.
    EXPIRES_BEFORE_EARNED = "DS509", "expires-before-earned", "A certification expires before it was earned.";
    /// The file is a score report, given where a partner file belongs.
    SCORE_REPORT_GIVEN = "DS510", "score-report-given", "A score report was given where a partner file belongs.";
    /// A `coverage` range ends before it starts.
    COVERAGE_RANGE = "DS511", "coverage-range", "A coverage range ends before it starts.";
    /// A usage row of a measure or month its file's `coverage` says the data does not hold.
    OUTSIDE_COVERAGE = "DS512", "outside-coverage",
        "A usage row's measure or month lies outside the file's coverage.";
    /// Two partner files merged state different values for the same fact.
    MERGE_CONFLICT = "DS513", "merge-conflict",
        "Two partner files merged state different values for the same fact (a usage value, a segment, the partner id).";
    // --- DS6xx: rule tests ---
    /// A rule test file that does not parse.
    TEST_FILE_INVALID = "DS600", "test-file-invalid", "A rule test file that does not parse: TOML syntax, an unknown key or a value of the wrong type.";
    /// A case names a designation the rule set does not define.
    TEST_UNKNOWN_DESIGNATION = "DS601", "test-unknown-designation", "A test case names a designation the rule set does not define.";
    /// A case names a metric its designation does not have.
    TEST_UNKNOWN_METRIC = "DS602", "test-unknown-metric", "A test case names a metric its designation does not have on any path.";
    /// A case names a part its combined metric does not have.
    TEST_UNKNOWN_PART = "DS603", "test-unknown-part", "A test case names a part its combined metric does not have.";
    /// A case names a badge the rule set does not define.
    TEST_UNKNOWN_BADGE = "DS604", "test-unknown-badge", "A test case names a badge the rule set does not define.";
    /// A case expects a path its designation does not have.
    TEST_UNKNOWN_PATH = "DS605", "test-unknown-path", "A test case expects a path its designation does not have.";
    /// A case's partner file does not exist or cannot be read.
    TEST_PARTNER_MISSING = "DS606", "test-partner-missing", "A test case's partner file does not exist or cannot be read.";
    /// A case's inline partner is not a valid partner.
    TEST_PARTNER_INVALID = "DS607", "test-partner-invalid", "A test case's inline partner is not a valid partner file.";
    /// A case that checks nothing, or a check missing what it needs.
    TEST_CASE_INCOMPLETE = "DS608", "test-case-incomplete", "A test case that checks nothing, or a check that lacks what it needs (a metric without points, a badge without held).";
    /// A rule test file without a case.
    TEST_FILE_EMPTY = "DS609", "test-file-empty", "A rule test file that holds no case.";
    // --- DS9xx: the rest ---
    /// A problem no more specific code describes yet.
    UNCLASSIFIED = "DS999", "unclassified", "A problem without a more specific code.";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names_are_unique_and_well_formed() {
        let mut ids = std::collections::BTreeSet::new();
        let mut names = std::collections::BTreeSet::new();
        assert!(ALL.windows(2).all(|w| w[0].id < w[1].id), "the table is in id order");
        for c in ALL {
            assert!(ids.insert(c.id), "{} is listed twice", c.id);
            assert!(names.insert(c.name), "{} is listed twice", c.name);
            assert!(c.id.len() == 5 && c.id.starts_with("DS") && c.id[2..].bytes().all(|b| b.is_ascii_digit()));
            assert!(c.name.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'), "{}", c.name);
            assert!(c.summary.ends_with('.'), "{}", c.id);
        }
    }

    /// The rows of docs/rules.md's "Diagnostic codes" table: `(id, name)`.
    fn documented() -> Vec<(String, String)> {
        let doc =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/rules.md")).expect("docs/rules.md");
        // The section whose heading ends in "Diagnostic codes" (numbered or not).
        let section = doc
            .split("\n## ")
            .find(|s| s.lines().next().is_some_and(|h| h.trim_end().ends_with("Diagnostic codes")))
            .expect("docs/rules.md has a \"Diagnostic codes\" section");
        section
            .lines()
            .filter_map(|l| {
                let cells: Vec<&str> = l.split('|').map(str::trim).collect();
                (cells.len() > 3 && cells[1].starts_with("DS")).then(|| (cells[1].to_owned(), cells[2].to_owned()))
            })
            .collect()
    }

    // Issue 14: every code is documented for rule authors (id and name in the table of docs/rules.md), and the
    // doc names no code the engine does not have.
    #[test]
    fn every_code_is_documented_and_the_doc_names_no_unknown_code() {
        let rows = documented();
        for c in ALL {
            assert!(
                rows.iter().any(|(id, name)| id == c.id && name == c.name),
                "docs/rules.md \"Diagnostic codes\" lacks the row {} | {}",
                c.id,
                c.name
            );
        }
        let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/rules.md")).unwrap();
        for (at, _) in doc.match_indices("DS") {
            let id = doc.get(at..at + 5).unwrap_or_default();
            let coded = id.len() == 5 && id[2..].bytes().all(|b| b.is_ascii_digit());
            // Ranges (`DS0xx`) are not codes.
            if coded {
                assert!(ALL.iter().any(|c| c.id == id), "docs/rules.md names {id}, which is no code");
            }
        }
    }
}
