//! The mapping from Partner Center datasets to the partner-file contract: `rules/partner-center.toml`, built into
//! the binary (cli/build.rs) or read from `--mapping FILE`.
//!
//! It is read strictly (an unknown key is an error at its line and column) and checked once (each dataset reads
//! the columns its kind needs, every value of a value map is a word of the contract), so that the reader can
//! trust it. Keys of value maps and header spellings are compared trimmed and lower-cased, as the reader compares
//! what it finds in the files.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{anyhow, Context as _, Result};
use designate_engine::partner::{Association, Measure, Segment};
use serde::Deserialize;

/// The shipped mapping, `rules/partner-center.toml`, as built into the binary.
const SHIPPED: &str = include_str!(concat!(env!("OUT_DIR"), "/partner_center_mapping.toml"));

/// What shows as the shipped mapping's file name in messages.
pub const SHIPPED_NAME: &str = "<built-in>/rules/partner-center.toml";

/// The mapping file as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    #[serde(default)]
    values: ValuesFile,
    #[serde(default, rename = "dataset")]
    datasets: Vec<DatasetFile>,
}

/// `[values.*]`: Partner Center's words → the contract's.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ValuesFile {
    #[serde(default)]
    association: BTreeMap<String, Association>,
    #[serde(default)]
    segment: BTreeMap<String, Segment>,
    #[serde(default)]
    flag: BTreeMap<String, bool>,
    #[serde(default)]
    offer: BTreeMap<String, String>,
    #[serde(default)]
    product: BTreeMap<String, String>,
}

/// One `[[dataset]]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DatasetFile {
    id: String,
    name: String,
    reads: Reads,
    recognise_by: Vec<Column>,
    #[serde(default)]
    association: Option<Association>,
    #[serde(default)]
    certification_types: Vec<String>,
    #[serde(default)]
    strip_prefixes: Vec<String>,
    columns: BTreeMap<Column, Vec<String>>,
}

/// What a dataset's files become.
#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "kebab-case")]
pub enum Reads {
    /// Usage rows, one per filled measure cell.
    Usage,
    /// People and their certifications.
    People,
    /// Customers' segments.
    Customers,
}

/// The columns a dataset may read, by the names the mapping file uses under `columns`.
#[derive(Deserialize, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
#[serde(rename_all = "snake_case")]
pub enum Column {
    Partner,
    GlobalPartner,
    PartnerName,
    Duplicate,
    Customer,
    Month,
    Product,
    Offer,
    Association,
    Segment,
    AcrUsd,
    RevenueUsd,
    PaidSeats,
    ActiveUsers,
    Capacity,
    Claim,
    Person,
    Title,
    TrainingType,
    Completed,
    Expires,
}

impl Column {
    /// The measure a column's cells are values of, for the measure columns.
    pub fn measure(self) -> Option<Measure> {
        Some(match self {
            Column::AcrUsd => Measure::AcrUsd,
            Column::RevenueUsd => Measure::RevenueUsd,
            Column::PaidSeats => Measure::PaidSeats,
            Column::ActiveUsers => Measure::ActiveUsers,
            Column::Capacity => Measure::Capacity,
            _ => return None,
        })
    }

    /// The name the mapping file uses.
    pub fn name(self) -> &'static str {
        match self {
            Column::Partner => "partner",
            Column::GlobalPartner => "global_partner",
            Column::PartnerName => "partner_name",
            Column::Duplicate => "duplicate",
            Column::Customer => "customer",
            Column::Month => "month",
            Column::Product => "product",
            Column::Offer => "offer",
            Column::Association => "association",
            Column::Segment => "segment",
            Column::AcrUsd => "acr_usd",
            Column::RevenueUsd => "revenue_usd",
            Column::PaidSeats => "paid_seats",
            Column::ActiveUsers => "active_users",
            Column::Capacity => "capacity",
            Column::Claim => "claim",
            Column::Person => "person",
            Column::Title => "title",
            Column::TrainingType => "training_type",
            Column::Completed => "completed",
            Column::Expires => "expires",
        }
    }
}

/// The measure columns, in the order their rows are written.
pub const MEASURES: [Column; 5] =
    [Column::AcrUsd, Column::RevenueUsd, Column::PaidSeats, Column::ActiveUsers, Column::Capacity];

/// A checked mapping.
pub struct Mapping {
    /// Where it was read from, for messages.
    pub origin: String,
    pub association: BTreeMap<String, Association>,
    pub segment: BTreeMap<String, Segment>,
    pub flag: BTreeMap<String, bool>,
    pub offer: BTreeMap<String, String>,
    pub product: BTreeMap<String, String>,
    pub datasets: Vec<Dataset>,
}

/// One dataset of the mapping, checked.
pub struct Dataset {
    /// What the dataset is, for messages.
    pub name: String,
    pub reads: Reads,
    pub recognise_by: Vec<Column>,
    /// The association of a file without an association column.
    pub association: Option<Association>,
    /// Training types that are certifications (lower-cased).
    pub certification_types: Vec<String>,
    pub strip_prefixes: Vec<String>,
    /// Header spellings by column, lower-cased, in order of preference.
    pub columns: BTreeMap<Column, Vec<String>>,
}

/// A key as the reader compares it: trimmed and lower-cased.
pub fn key(text: &str) -> String {
    text.trim().to_lowercase()
}

/// A value map with its keys as the reader compares them.
fn lower<V>(map: BTreeMap<String, V>) -> BTreeMap<String, V> {
    map.into_iter().map(|(k, v)| (key(&k), v)).collect()
}

impl Mapping {
    /// The shipped mapping, or the file `--mapping` names.
    pub fn load(path: Option<&Path>) -> Result<Mapping> {
        match path {
            None => Mapping::parse(SHIPPED, SHIPPED_NAME),
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("{}: cannot read the mapping file", path.display()))?;
                Mapping::parse(&text, &path.display().to_string())
            }
        }
    }

    /// Reads and checks mapping text; `origin` names it in messages.
    pub fn parse(text: &str, origin: &str) -> Result<Mapping> {
        let file: MappingFile = toml::from_str(text).map_err(|e| {
            let place = match e.span() {
                Some(span) => {
                    let (line, col) = designate_engine::error::line_col(text, span.start);
                    format!("{origin}:{line}:{col}")
                }
                None => origin.to_owned(),
            };
            let message = e
                .message()
                .trim_end_matches('.')
                .replace("unknown field", "unknown key")
                .replace("unknown variant", "unknown value");
            anyhow!("{place}: {message}")
        })?;
        let mut datasets = Vec::new();
        for (i, d) in file.datasets.into_iter().enumerate() {
            let at = |message: String| anyhow!("{origin}: dataset[{i}] ({}): {message}", d.id);
            let needs: &[Column] = match d.reads {
                Reads::Usage => &[Column::Customer, Column::Month, Column::Product],
                Reads::People => &[Column::Person, Column::Title, Column::Completed],
                Reads::Customers => &[Column::Customer, Column::Segment],
            };
            for c in needs {
                if !d.columns.contains_key(c) {
                    return Err(at(
                        format!("a dataset that reads {:?} needs the column `{}`", d.reads, c.name()).to_lowercase()
                    ));
                }
            }
            if d.reads == Reads::Usage && !MEASURES.iter().any(|m| d.columns.contains_key(m)) {
                return Err(at("a dataset that reads usage needs a measure column".to_owned()));
            }
            if !d.columns.contains_key(&Column::Partner) && !d.columns.contains_key(&Column::GlobalPartner) {
                return Err(at("a dataset needs the column `partner` or `global_partner`".to_owned()));
            }
            if let Some(c) = d.recognise_by.iter().find(|c| !d.columns.contains_key(c)) {
                return Err(at(format!("recognise_by names `{}`, which `columns` does not list", c.name())));
            }
            if d.recognise_by.is_empty() {
                return Err(at("recognise_by is empty: every file would be this dataset".to_owned()));
            }
            let columns = d.columns.into_iter().map(|(c, names)| (c, names.iter().map(|n| key(n)).collect())).collect();
            datasets.push(Dataset {
                name: d.name,
                reads: d.reads,
                recognise_by: d.recognise_by,
                association: d.association,
                certification_types: d.certification_types.iter().map(|t| key(t)).collect(),
                strip_prefixes: d.strip_prefixes,
                columns,
            });
        }
        Ok(Mapping {
            origin: origin.to_owned(),
            association: lower(file.values.association),
            segment: lower(file.values.segment),
            flag: lower(file.values.flag),
            offer: lower(file.values.offer),
            product: lower(file.values.product),
            datasets,
        })
    }

    /// The dataset a header (its names lower-cased) is a file of: the first whose `recognise_by` columns are all
    /// there.
    pub fn recognise(&self, header: &[String]) -> Option<&Dataset> {
        self.datasets
            .iter()
            .find(|d| d.recognise_by.iter().all(|c| d.columns[c].iter().any(|spelling| header.contains(spelling))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // issue 16: the shipped mapping loads, and a file is recognised by its header whatever the spelling's case.
    #[test]
    fn the_shipped_mapping_loads_and_recognises_both_azure_usage_shapes() {
        let m = Mapping::load(None).unwrap();
        let header = |names: &[&str]| names.iter().map(|n| key(n)).collect::<Vec<_>>();
        let new = header(&["MPNID", "CustomerTenantId", "Month", "ServiceLevel2", "ACR_USD"]);
        let old = header(&["MpnId", "CUSTOMERTENANTID", "Month", "ServiceName", "MeterCategory", "TotalACR"]);
        assert_eq!(m.recognise(&new).map(|d| d.name.as_str()), Some("Azure usage (AzureUsage)"));
        assert_eq!(m.recognise(&old).map(|d| d.name.as_str()), Some("Azure usage (AzureUsage)"));
        assert!(m.recognise(&header(&["partner_id", "as_of"])).is_none());
    }

    // issue 16: a mapping is strict: an unknown key is an error at its line and column.
    #[test]
    fn an_unknown_key_in_a_mapping_is_located() {
        let text = "[values]\nassociation = { pal = \"pal\" }\nsegmnet = {}\n";
        let e = Mapping::parse(text, "m.toml").err().unwrap().to_string();
        assert!(e.starts_with("m.toml:3:1: unknown key `segmnet`"), "{e}");
        let text = "[values.association]\n\"partner admin link\" = \"pall\"\n";
        let e = Mapping::parse(text, "m.toml").err().unwrap().to_string();
        assert!(e.starts_with("m.toml:2:24: unknown value `pall`"), "{e}");
    }

    // issue 16: Partner Center's titles of the Dynamics 365 role certifications carry the product before the
    // catalogue's name; the shipped mapping reads past it, so they match their codes instead of coming back unknown.
    #[test]
    fn dynamics_365_titles_match_their_catalogue_codes() {
        use designate_engine::rules::TitleMatch;
        let m = Mapping::load(None).unwrap();
        let rules = designate_engine::RuleSet::load(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../rules/2024-06"
        )))
        .unwrap();
        let title = "Microsoft Certified: Dynamics 365 Finance Functional Consultant Associate";
        assert!(matches!(rules.certification_for_title(title), TitleMatch::Unknown { .. }));
        let stripped = crate::exports::strip_title(&m, title);
        assert_eq!(stripped, "Finance Functional Consultant Associate");
        assert_eq!(rules.certification_for_title(stripped), TitleMatch::Code("MB-310".into()));
        // Other titles keep the generic prefix only.
        let title = "Microsoft Certified: Azure Administrator Associate";
        assert_eq!(crate::exports::strip_title(&m, title), "Azure Administrator Associate");
    }
}
