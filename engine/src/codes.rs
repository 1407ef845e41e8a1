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
