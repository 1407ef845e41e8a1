//! Certification titles as Partner Center writes them (`Microsoft Certified: Azure Administrator Associate`,
//! `Exam AZ-104: Microsoft Azure Administrator`) matched to the catalogue's codes, for readers of exported data.
//!
//! The catalogue (`catalogue/certifications.toml`) holds the names: each certification's `code`, `name` and
//! `aliases`, where a title Partner Center spells otherwise than the catalogue's name is listed (data, not Rust).
//! What is generic to every title is read here: surrounding spaces and case, the credential prefix
//! (`Microsoft Certified:`, `Microsoft 365 Certified:`, whose brand is tried with the rest as well) and an exam's
//! code before its colon. A title the
//! catalogue does not know is [`TitleMatch::Unknown`] with the closest spelling, never dropped silently.

use super::{looks_like_exam_code, RuleSet};

/// What a certification title stands for in a rule set's catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TitleMatch {
    /// The catalogue code of the certification the title names.
    Code(String),
    /// The catalogue knows no such title; `suggestion` is the closest code or name, when one is close.
    Unknown { suggestion: Option<String> },
}

impl RuleSet {
    /// The catalogue code a certification or exam title stands for, matching the catalogue's codes, names and
    /// aliases case-insensitively after trimming; a `Microsoft Certified:` (or `Microsoft 365 Certified:`)
    /// prefix is read past, and an exam title (`Exam AZ-104: Microsoft Azure Administrator`) by its code.
    ///
    /// ```
    /// use designate_engine::rules::TitleMatch;
    /// use designate_engine::RuleSet;
    ///
    /// let rules = RuleSet::load(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../rules/2024-06"))).unwrap();
    /// let code = |c: &str| TitleMatch::Code(c.to_owned());
    /// assert_eq!(rules.certification_for_title("Microsoft Certified: Azure Administrator Associate"), code("AZ-104"));
    /// assert_eq!(rules.certification_for_title(" az-104 "), code("AZ-104"));
    /// assert_eq!(rules.certification_for_title("Exam AZ-104: Microsoft Azure Administrator"), code("AZ-104"));
    /// assert_eq!(
    ///     rules.certification_for_title("Microsoft Certified: Azure Administrater Associate"),
    ///     TitleMatch::Unknown { suggestion: Some("Azure Administrator Associate".into()) }
    /// );
    /// ```
    pub fn certification_for_title(&self, title: &str) -> TitleMatch {
        let cat = &self.catalogue;
        let title = title.trim();
        let (brand, bare) = credential(title);
        // `Microsoft 365 Certified: Enterprise Administrator Expert` is the catalogue's `Microsoft 365 Enterprise
        // Administrator Expert`: the brand before `Certified:` is tried with the rest as well.
        let branded = brand.filter(|b| !b.eq_ignore_ascii_case("microsoft")).map(|b| format!("{b} {bare}"));
        let exam = exam_code(bare);
        for candidate in [Some(title), Some(bare), branded.as_deref(), exam].into_iter().flatten() {
            if let Some(i) = cat.find(candidate) {
                return TitleMatch::Code(cat.certifications[i].code.clone());
            }
        }
        // An exam title is judged by its code alone: its words are the exam's, not a certification's name.
        let suggestion = match exam {
            Some(e) => cat.near(e),
            None => cat.near(bare).or_else(|| branded.as_deref().and_then(|b| cat.near(b))),
        };
        TitleMatch::Unknown { suggestion: suggestion.map(str::to_owned) }
    }
}

/// A credential title split at its prefix: `Microsoft 365 Certified: Teams Administrator Associate` is the brand
/// `Microsoft 365` and `Teams Administrator Associate` (any ASCII text starting with `Microsoft` and ending in
/// `Certified:`); a title without the prefix is itself, without a brand.
fn credential(title: &str) -> (Option<&str>, &str) {
    const MARK: &str = "certified:";
    let lower = title.to_ascii_lowercase();
    match lower.find(MARK) {
        // ASCII lower-casing keeps byte offsets, and an ASCII prefix ends on a character boundary.
        Some(at) if lower.starts_with("microsoft") && title[..at].is_ascii() => {
            (Some(title[..at].trim()), title[at + MARK.len()..].trim())
        }
        _ => (None, title),
    }
}

/// The exam code of an exam title (`Exam AZ-104: Microsoft Azure Administrator`, `AZ-104: ...`), if it has one.
fn exam_code(title: &str) -> Option<&str> {
    let head = title.split_once(':').map_or(title, |(head, _)| head).trim();
    let head = match head.get(..5) {
        Some(p) if p.eq_ignore_ascii_case("exam ") => head[5..].trim(),
        _ => head,
    };
    looks_like_exam_code(head).then_some(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped(version: &str) -> RuleSet {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules").join(version);
        RuleSet::load(&dir).expect("shipped rules")
    }

    // Issue 16: Partner Center's titles (credential prefix, exam titles, any case and spacing) find their code;
    // a title the catalogue does not know says so with a did-you-mean, and free text gets no guess.
    #[test]
    fn certification_titles_match_codes_names_and_aliases() {
        let rules = shipped("2024-06");
        let code = |c: &str| TitleMatch::Code(c.to_owned());
        for (title, expected) in [
            ("AZ-104", code("AZ-104")),
            ("  azure administrator associate ", code("AZ-104")),
            ("Microsoft Certified: Azure Administrator Associate", code("AZ-104")),
            ("MICROSOFT CERTIFIED:Azure Solutions Architect Expert", code("AZ-305")),
            ("Microsoft Certified: Power BI Data Analyst Associate", code("PL-300")),
            (
                "Microsoft 365 Certified: Teams Administrator Associate",
                code(&code_of(&rules, "Teams Administrator Associate")),
            ),
            (
                "Microsoft 365 Certified: Enterprise Administrator Expert",
                code(&code_of(&rules, "Microsoft 365 Enterprise Administrator Expert")),
            ),
            ("Exam DP-203: Data Engineering on Microsoft Azure", code("DP-203")),
            ("dp-203: Data Engineering on Microsoft Azure", code("DP-203")),
            (
                "Microsoft Certified: Azure Administrator Associat",
                TitleMatch::Unknown { suggestion: Some("Azure Administrator Associate".into()) },
            ),
            ("Exam DP-2O3: Data Engineering", TitleMatch::Unknown { suggestion: Some("DP-203".into()) }),
            ("Scrum Master", TitleMatch::Unknown { suggestion: None }),
            ("", TitleMatch::Unknown { suggestion: None }),
            ("Microsoft Certified:", TitleMatch::Unknown { suggestion: None }),
        ] {
            assert_eq!(rules.certification_for_title(title), expected, "{title:?}");
        }
    }

    fn code_of(rules: &RuleSet, name: &str) -> String {
        let i = rules.catalogue.find(name).expect("in the catalogue");
        rules.catalogue.certifications[i].code.clone()
    }

    // Issue 16: no title makes the matcher panic (non-ASCII before the prefix, a lone colon, multibyte text).
    #[test]
    fn certification_titles_of_any_text_do_not_panic() {
        let rules = shipped("2026-07");
        for title in
            ["Ü Microsoft Certified: x", "Microsoft Ü Certified: AZ-104", ":", "Exam :", "Exam", "é:é", "ＡＺ-104"]
        {
            let _ = rules.certification_for_title(title);
        }
        assert!(matches!(rules.certification_for_title("Microsoft Ü Certified: AZ-104"), TitleMatch::Unknown { .. }));
    }
}
