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
    /// A problem no more specific code describes yet.
    UNCLASSIFIED = "DS999", "unclassified", "A problem without a more specific code.";
    // --- DS0xx: reading files ---
    // --- DS1xx: rule set structure and references ---
    // --- DS2xx: values ---
    // --- DS3xx: consistency lints ---
    // --- DS4xx: scripts ---
    // --- DS5xx: partner files ---
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names_are_unique_and_well_formed() {
        let mut ids = std::collections::BTreeSet::new();
        let mut names = std::collections::BTreeSet::new();
        for c in ALL {
            assert!(ids.insert(c.id), "{} is listed twice", c.id);
            assert!(names.insert(c.name), "{} is listed twice", c.name);
            assert!(c.id.len() == 5 && c.id.starts_with("DS") && c.id[2..].bytes().all(|b| b.is_ascii_digit()));
            assert!(c.name.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'), "{}", c.name);
            assert!(c.summary.ends_with('.'), "{}", c.id);
        }
    }
}
