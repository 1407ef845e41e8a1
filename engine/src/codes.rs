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
    /// The text is not valid YAML, JSON or TOML (a missing bracket, a stray character).
    SYNTAX = "DS001", "syntax", "The file is not valid YAML, JSON or TOML.";
    /// A key the format does not know (a misspelling, or a key in the wrong table).
    UNKNOWN_KEY = "DS002", "unknown-key", "A key the file format does not have.";
    /// A value of the wrong type or shape (a number where a text belongs, a list where a table does).
    WRONG_TYPE = "DS003", "wrong-type", "A value of the wrong type or shape.";
    /// A required key is absent.
    MISSING_KEY = "DS004", "missing-key", "A required key is missing.";
    // --- DS1xx: rule set structure and references ---
    // --- DS2xx: values ---
    // --- DS3xx: consistency lints ---
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
    EMPTY_ID = "DS504", "empty-id", "A partner, customer or person id, or a product name, is empty.";
    /// `path` names no path a partner file may state.
    UNKNOWN_PARTNER_PATH = "DS505", "unknown-partner-path", "A partner file's path is neither smb nor enterprise.";
    /// The same customer, person, attained designation or solution is listed twice.
    DUPLICATE_ID = "DS506", "duplicate-id", "A customer, person, designation or solution is listed twice.";
    /// A usage row names a customer that `customers` does not list.
    UNKNOWN_CUSTOMER = "DS507", "unknown-customer", "A usage row names a customer the file does not list.";
    /// A usage month or an attainment lies after `as_of`.
    AFTER_AS_OF = "DS508", "after-as-of", "A usage month or an attainment is after as_of.";
    /// A certification expires before it was earned.
    EXPIRES_BEFORE_EARNED = "DS509", "expires-before-earned", "A certification expires before it was earned.";
    /// The file is a score report, given where a partner file belongs.
    SCORE_REPORT_GIVEN = "DS510", "score-report-given", "A score report was given where a partner file belongs.";
    /// A number literal with more digits than the parser keeps exactly.
    INEXACT_NUMBER = "DS511", "inexact-number", "A number has more significant digits than can be read exactly.";
    /// A value of the right type that the contract refuses (a negative value, month 13, an unknown measure).
    BAD_PARTNER_VALUE = "DS512", "bad-partner-value",
        "A partner value the contract refuses: negative, out of range, or not among the allowed values.";
    // --- DS6xx: rule tests ---
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
