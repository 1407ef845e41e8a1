//! Merging one partner file into another ([`PartnerFile::merge`]): data read from Partner Center exports lacks
//! what no export carries (protected users, a hand-kept customer list), and a partner file written by hand adds it.
//!
//! A merge only adds: customers, usage rows, people and their certifications, history, solutions and coverage of
//! the other file join this one. The same fact stated twice alike is kept once (a usage row is never counted
//! twice); the same fact stated twice differently (a usage value, a customer's segment, the partner id, a
//! certification's dates) is an error located in the other file that names where the first value came from,
//! never a silent overwrite. On error the file is left as it was.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;

use super::{Association, Cloud, CoverageFile, CustomerFile, Measure, PartnerFile, UsageFile};
use crate::codes;
use crate::error::{Error, Located};
use crate::value::Month;

/// What makes two usage rows the same fact: the rows a partner file adds up (customer, month, product, measure,
/// association, offer and cloud, compared as the reader compares them).
type UsageKey = (String, Month, String, Measure, Association, String, Cloud);

fn usage_key(row: &UsageFile) -> UsageKey {
    let offer = row.offer.as_deref().map(|o| o.trim().to_lowercase()).filter(|o| !o.is_empty());
    (
        row.customer.trim().to_owned(),
        row.month,
        row.product.trim().to_lowercase(),
        row.measure,
        row.association.unwrap_or(Association::Pal),
        offer.unwrap_or_else(|| "pay-as-you-go".to_owned()),
        row.cloud.unwrap_or(Cloud::Public),
    )
}

impl PartnerFile {
    /// Adds `other` (read from `other_origin`) to this file: its customers, usage rows, people, history,
    /// solutions and coverage. A fact both state alike is kept once; a fact they state differently is an
    /// error at its place in `other` (`other_origin: field: message`), naming where this file's value came from
    /// (the `source` of its coverage when it has one). On error this file is unchanged.
    ///
    /// Coverage: a file without `coverage` is complete for what it holds, so merged into a file with coverage
    /// it covers each measure of its usage from its first month with a row to its `as_of`. The ranges of one
    /// measure must overlap or touch: two ranges with months between them would call those months present.
    ///
    /// ```
    /// use designate_engine::partner::PartnerFile;
    /// use designate_engine::{Format, Partner};
    ///
    /// let read = |text: &str| serde_json::from_str::<PartnerFile>(text).unwrap();
    /// let mut exports = read(r#"{"partner": {"id": "p"}, "as_of": "2024-06",
    ///   "coverage": [{"measure": "acr_usd", "from": "2024-01", "to": "2024-06", "source": "AzureUsage.tsv"}],
    ///   "usage": [{"customer": "c", "month": "2024-06", "product": "SQL", "measure": "acr_usd", "value": 10}]}"#);
    /// let extra = read(r#"{"partner": {"id": "p"}, "as_of": "2024-06",
    ///   "usage": [{"customer": "c", "month": "2024-06", "product": "SQL", "measure": "acr_usd", "value": 12}]}"#);
    /// let err = exports.merge(extra, "extra.json").unwrap_err();
    /// assert_eq!(
    ///     format!("{}: {}", err.place, err.message),
    ///     "extra.json: usage[0].value: usage of customer \"c\", product \"SQL\", acr_usd in 2024-06 is 12 here but 10 in AzureUsage.tsv"
    /// );
    /// ```
    pub fn merge(&mut self, other: PartnerFile, other_origin: &str) -> Result<(), Error> {
        let mut merged = self.clone();
        Merge { into: &mut merged, origin: other_origin }.run(other)?;
        *self = merged;
        Ok(())
    }
}

struct Merge<'a> {
    into: &'a mut PartnerFile,
    origin: &'a str,
}

impl Merge<'_> {
    /// A conflict at `field` of the other file.
    fn conflict(&self, field: impl Into<String>, message: String) -> Error {
        Error::new(Located::field(self.origin, field), message)
            .with_hint("the files disagree: correct the one that is wrong, or leave the fact out of one of them")
            .with_code(codes::MERGE_CONFLICT)
    }

    /// Where this file's facts came from, for messages: the sources its coverage names, else a description.
    fn there(&self, measure: Option<Measure>) -> String {
        let coverage = self.into.coverage.as_deref().unwrap_or_default();
        let sources: BTreeSet<&str> = coverage
            .iter()
            .filter(|c| measure.is_none_or(|m| c.measure == m))
            .filter_map(|c| c.source.as_deref())
            .flat_map(|s| s.split(", "))
            .collect();
        if sources.is_empty() {
            "the data it is merged into".to_owned()
        } else {
            sources.into_iter().collect::<Vec<_>>().join(", ")
        }
    }

    fn run(mut self, other: PartnerFile) -> Result<(), Error> {
        let (mine, theirs) = (self.into.partner.id.trim().to_owned(), other.partner.id.trim().to_owned());
        if mine != theirs {
            return Err(self.conflict(
                "partner.id",
                format!("partner id \"{theirs}\" here but \"{mine}\" in {}", self.there(None)),
            ));
        }
        if self.into.as_of != other.as_of {
            return Err(self.conflict(
                "as_of",
                format!("as_of {} here but {} in {}", other.as_of, self.into.as_of, self.there(None)),
            ));
        }
        let name = self.same("partner.name", "partner name", self.into.partner.name.clone(), other.partner.name)?;
        self.into.partner.name = name;
        let path = self.same("path", "path", self.into.path.clone(), other.path)?;
        self.into.path = path;
        self.coverage(other.coverage.as_deref(), &other.usage)?;
        self.customers(other.customers, &other.usage)?;
        self.usage(other.usage)?;
        self.people(other.people)?;
        self.history(other.history)?;
        self.solutions(other.solutions)
    }

    /// One optional text both may state: the same, or only one of them.
    fn same(
        &self,
        field: &str,
        what: &str,
        mine: Option<String>,
        theirs: Option<String>,
    ) -> Result<Option<String>, Error> {
        match (mine, theirs) {
            (Some(a), Some(b)) if a.trim() != b.trim() => Err(self
                .conflict(field, format!("{what} \"{}\" here but \"{}\" in {}", b.trim(), a.trim(), self.there(None)))),
            (a, b) => Ok(a.or(b)),
        }
    }

    fn coverage(&mut self, theirs: Option<&[CoverageFile]>, their_usage: &[UsageFile]) -> Result<(), Error> {
        // A file without coverage is complete for the measures it holds rows of (see `PartnerFile::merge`).
        let implied = |usage: &[UsageFile], as_of: Month| -> Vec<CoverageFile> {
            let mut first: BTreeMap<Measure, Month> = BTreeMap::new();
            for row in usage {
                let m = first.entry(row.measure).or_insert(row.month);
                *m = (*m).min(row.month);
            }
            first.into_iter().map(|(measure, from)| CoverageFile { measure, from, to: as_of, source: None }).collect()
        };
        let as_of = self.into.as_of;
        let (mine, theirs): (Vec<CoverageFile>, Vec<CoverageFile>) = match (&self.into.coverage, theirs) {
            (None, None) => return Ok(()),
            (Some(a), Some(b)) => (a.clone(), b.to_vec()),
            (Some(a), None) => (a.clone(), implied(their_usage, as_of)),
            (None, Some(b)) => (implied(&self.into.usage, as_of), b.to_vec()),
        };
        let mut out = mine;
        for (j, c) in theirs.into_iter().enumerate() {
            let Some(i) = out.iter().position(|o| o.measure == c.measure) else {
                out.push(c);
                continue;
            };
            let o = &out[i];
            // Ranges that neither overlap nor touch leave months between them that neither file holds.
            if c.from > o.to.offset(1) || o.from > c.to.offset(1) {
                return Err(self.conflict(
                    format!("coverage[{j}]"),
                    format!(
                        "coverage of {} here ({} to {}) and in {} ({} to {}) leave the months between them uncovered",
                        c.measure.name(),
                        c.from,
                        c.to,
                        self.there(Some(c.measure)),
                        o.from,
                        o.to
                    ),
                ));
            }
            let source = match (&o.source, &c.source) {
                (Some(a), Some(b)) if a != b => Some(format!("{a}, {b}")),
                (a, b) => a.clone().or_else(|| b.clone()),
            };
            out[i] = CoverageFile { measure: c.measure, from: o.from.min(c.from), to: o.to.max(c.to), source };
        }
        self.into.coverage = Some(out);
        Ok(())
    }

    fn customers(&mut self, theirs: Option<Vec<CustomerFile>>, their_usage: &[UsageFile]) -> Result<(), Error> {
        // A file that lists no customers lets its usage name any: listed beside the other's, they must be added.
        let from_usage = |usage: &[UsageFile]| -> Vec<CustomerFile> {
            let mut seen = BTreeSet::new();
            usage
                .iter()
                .filter(|r| seen.insert(r.customer.trim().to_owned()))
                .map(|r| CustomerFile { id: r.customer.trim().to_owned(), segment: None })
                .collect()
        };
        let (mut mine, theirs) = match (self.into.customers.take(), theirs) {
            (None, None) => return Ok(()),
            (Some(a), Some(b)) => (a, b),
            (Some(a), None) => (a, from_usage(their_usage)),
            (None, Some(b)) => (from_usage(&self.into.usage), b),
        };
        let mut result = Ok(());
        for (j, c) in theirs.into_iter().enumerate() {
            let id = c.id.trim();
            match mine.iter_mut().find(|m| m.id.trim() == id) {
                None => mine.push(c),
                Some(m) => match (m.segment, c.segment) {
                    (Some(a), Some(b)) if a != b => {
                        result = Err(self.conflict(
                            format!("customers[{j}].segment"),
                            format!("customer \"{id}\" is {} here but {} in {}", b.name(), a.name(), self.there(None)),
                        ));
                        break;
                    }
                    (None, Some(b)) => m.segment = Some(b),
                    _ => {}
                },
            }
        }
        self.into.customers = Some(mine);
        result
    }

    fn usage(&mut self, theirs: Vec<UsageFile>) -> Result<(), Error> {
        // Rows of one key add up (the reader sums them): a key is compared by its total.
        let totals = |rows: &[UsageFile]| -> BTreeMap<UsageKey, (usize, Option<Decimal>)> {
            let mut out: BTreeMap<UsageKey, (usize, Option<Decimal>)> = BTreeMap::new();
            for (i, row) in rows.iter().enumerate() {
                let e = out.entry(usage_key(row)).or_insert((i, Some(Decimal::ZERO)));
                e.1 = e.1.and_then(|t| t.checked_add(row.value.0));
            }
            out
        };
        let mine = totals(&self.into.usage);
        let their_totals = totals(&theirs);
        for (key, (j, total)) in &their_totals {
            if let Some((_, first)) = mine.get(key) {
                if first != total {
                    let show =
                        |t: &Option<Decimal>| t.map_or("too large a sum".to_owned(), |d| d.normalize().to_string());
                    let row = &theirs[*j];
                    return Err(self.conflict(
                        format!("usage[{j}].value"),
                        format!(
                            "usage of customer \"{}\", product \"{}\", {} in {} is {} here but {} in {}",
                            key.0,
                            row.product.trim(),
                            key.3.name(),
                            key.1,
                            show(total),
                            show(first),
                            self.there(Some(key.3))
                        ),
                    ));
                }
            }
        }
        // Rows of a key this file already has, with the same total, are the same fact: not added twice.
        self.into.usage.extend(theirs.into_iter().filter(|r| !mine.contains_key(&usage_key(r))));
        Ok(())
    }

    fn people(&mut self, theirs: Vec<super::PersonFile>) -> Result<(), Error> {
        for (i, person) in theirs.into_iter().enumerate() {
            let id = person.id.trim().to_owned();
            let Some(k) = self.into.people.iter().position(|p| p.id.trim() == id) else {
                self.into.people.push(person);
                continue;
            };
            for (j, c) in person.certifications.into_iter().enumerate() {
                let name = c.name.trim().to_lowercase();
                let held = &self.into.people[k].certifications;
                match held.iter().find(|h| h.name.trim().to_lowercase() == name) {
                    None => self.into.people[k].certifications.push(c),
                    Some(h) if h.earned == c.earned && h.expires == c.expires => {}
                    Some(h) => {
                        let dates = |earned: &crate::value::Date, expires: &Option<crate::value::Date>| match expires {
                            Some(x) => format!("earned {earned}, expires {x}"),
                            None => format!("earned {earned}, no expiry"),
                        };
                        return Err(self.conflict(
                            format!("people[{i}].certifications[{j}]"),
                            format!(
                                "certification \"{}\" of person \"{id}\" is {} here but {} in {}",
                                c.name.trim(),
                                dates(&c.earned, &c.expires),
                                dates(&h.earned, &h.expires),
                                self.there(None)
                            ),
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    fn history(&mut self, theirs: Option<super::HistoryFile>) -> Result<(), Error> {
        let Some(theirs) = theirs else { return Ok(()) };
        let Some(mine) = self.into.history.clone() else {
            self.into.history = Some(theirs);
            return Ok(());
        };
        let mut merged = mine;
        match (merged.anniversary, theirs.anniversary) {
            (Some(a), Some(b)) if a != b => {
                return Err(self
                    .conflict("history.anniversary", format!("anniversary {b} here but {a} in {}", self.there(None))))
            }
            (None, b) => merged.anniversary = b,
            _ => {}
        }
        for (j, d) in theirs.designations.into_iter().enumerate() {
            match merged.designations.iter().find(|m| m.id.trim() == d.id.trim()) {
                None => merged.designations.push(d),
                Some(m) if m.attained == d.attained => {}
                Some(m) => {
                    return Err(self.conflict(
                        format!("history.designations[{j}].attained"),
                        format!(
                            "designation \"{}\" attained {} here but {} in {}",
                            d.id.trim(),
                            d.attained,
                            m.attained,
                            self.there(None)
                        ),
                    ))
                }
            }
        }
        self.into.history = Some(merged);
        Ok(())
    }

    fn solutions(&mut self, theirs: Vec<super::SolutionFile>) -> Result<(), Error> {
        for (j, s) in theirs.into_iter().enumerate() {
            match self.into.solutions.iter().find(|m| m.id.trim() == s.id.trim()) {
                None => self.into.solutions.push(s),
                Some(m) if m.name == s.name && m.facts == s.facts => {}
                Some(_) => {
                    return Err(self.conflict(
                        format!("solutions[{j}]"),
                        format!("solution \"{}\" has other facts here than in {}", s.id.trim(), self.there(None)),
                    ))
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes;
    use crate::partner::{Format, Partner};

    fn file(text: &str) -> PartnerFile {
        serde_json::from_str(text).expect("a partner file")
    }

    fn exports() -> PartnerFile {
        file(
            r#"{"partner": {"id": "p"}, "as_of": "2024-06",
              "coverage": [{"measure": "acr_usd", "from": "2024-01", "to": "2024-06", "source": "AzureUsage.tsv"}],
              "customers": [{"id": "c1", "segment": "smb"}, {"id": "c2"}],
              "usage": [{"customer": "c1", "month": "2024-06", "product": "SQL", "measure": "acr_usd", "value": 10},
                        {"customer": "c2", "month": "2024-05", "product": "SQL", "measure": "acr_usd", "value": 5}],
              "people": [{"id": "ann", "certifications": [{"name": "AZ-104", "earned": "2023-01-01"}]}]}"#,
        )
    }

    // Issue 16: a hand-written file adds what no export carries (protected users, a segment, a person's other
    // certification) and the merged file still validates, its coverage widened to the measure it added.
    #[test]
    fn merge_adds_what_the_other_file_holds_and_validates() {
        let mut base = exports();
        let extra = file(
            r#"{"partner": {"id": " p "}, "as_of": "2024-06",
              "customers": [{"id": "c2", "segment": "enterprise"}, {"id": "c3"}],
              "usage": [{"customer": "c1", "month": "2024-06", "product": "sql", "measure": "acr_usd", "value": 10},
                        {"customer": "c3", "month": "2024-04", "product": "Defender", "measure": "protected_users", "value": 40}],
              "people": [{"id": "ann", "certifications": [{"name": "AZ-104", "earned": "2023-01-01"},
                                                          {"name": "SC-200", "earned": "2023-02-01"}]},
                         {"id": "bob"}]}"#,
        );
        base.merge(extra, "extra.json").expect("no conflict");
        // The same usage fact stated twice alike is kept once.
        assert_eq!(base.usage.len(), 3);
        let customers = base.customers.as_ref().expect("customers");
        assert_eq!(customers.len(), 3);
        assert_eq!(customers[1].segment, Some(crate::partner::Segment::Enterprise));
        assert_eq!(base.people.len(), 2);
        assert_eq!(base.people[0].certifications.len(), 2);
        let coverage = base.coverage.as_ref().expect("coverage");
        assert_eq!(coverage.len(), 2);
        assert_eq!((coverage[1].from.to_string(), coverage[1].to.to_string()), ("2024-04".into(), "2024-06".into()));
        let partner = Partner::parse(&base.to_json_line(), Format::Json, "merged.json").expect("the merge validates");
        assert_eq!(partner.usage.len(), 3);
    }

    // Issue 16: a conflicting fact is an error naming both origins, never a silent overwrite; the file is unchanged.
    #[test]
    fn merge_conflicts_name_both_origins_and_change_nothing() {
        let cases = [
            (r#"{"partner": {"id": "q"}, "as_of": "2024-06"}"#,
             "extra.json: partner.id: partner id \"q\" here but \"p\" in AzureUsage.tsv"),
            (r#"{"partner": {"id": "p"}, "as_of": "2024-05"}"#,
             "extra.json: as_of: as_of 2024-05 here but 2024-06 in AzureUsage.tsv"),
            (r#"{"partner": {"id": "p"}, "as_of": "2024-06", "customers": [{"id": "c1", "segment": "enterprise"}]}"#,
             "extra.json: customers[0].segment: customer \"c1\" is enterprise here but smb in AzureUsage.tsv"),
            (r#"{"partner": {"id": "p"}, "as_of": "2024-06", "usage": [
                {"customer": "c2", "month": "2024-05", "product": "SQL", "measure": "acr_usd", "value": 6}]}"#,
             "extra.json: usage[0].value: usage of customer \"c2\", product \"SQL\", acr_usd in 2024-05 is 6 here but 5 in AzureUsage.tsv"),
            (r#"{"partner": {"id": "p"}, "as_of": "2024-06", "people": [
                {"id": "ann", "certifications": [{"name": "az-104", "earned": "2023-03-01"}]}]}"#,
             "extra.json: people[0].certifications[0]: certification \"az-104\" of person \"ann\" is earned 2023-03-01, no expiry here but earned 2023-01-01, no expiry in AzureUsage.tsv"),
            (r#"{"partner": {"id": "p"}, "as_of": "2024-06",
                 "coverage": [{"measure": "acr_usd", "from": "2023-01", "to": "2023-06"}]}"#,
             "extra.json: coverage[0]: coverage of acr_usd here (2023-01 to 2023-06) and in AzureUsage.tsv (2024-01 to 2024-06) leave the months between them uncovered"),
        ];
        for (extra, expected) in cases {
            let mut base = exports();
            let err = base.merge(file(extra), "extra.json").expect_err(expected);
            assert_eq!(format!("{}: {}", err.place, err.message), expected);
            assert_eq!(err.code, codes::MERGE_CONFLICT);
            assert_eq!(base, exports(), "a failed merge changes nothing");
        }
    }

    // Issue 16: without coverage on either side nothing about coverage appears; a file without coverage
    // merged into one with it is complete for what it holds.
    #[test]
    fn merge_of_complete_files_keeps_them_complete() {
        let mut a = file(r#"{"partner": {"id": "p"}, "as_of": "2024-06"}"#);
        let b = file(
            r#"{"partner": {"id": "p", "name": "P"}, "as_of": "2024-06", "usage": [
                {"customer": "c", "month": "2024-06", "product": "SQL", "measure": "acr_usd", "value": 1}]}"#,
        );
        a.merge(b, "b.json").expect("no conflict");
        assert_eq!(a.coverage, None);
        assert_eq!(a.partner.name.as_deref(), Some("P"));
        assert_eq!(a.usage.len(), 1);
    }
}
