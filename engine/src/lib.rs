//! `designate-engine`: a generic rules engine for partner capability scores and designations.
//!
//! Rule sets are folders of TOML files (and rhai formulas) that state every designation, path, metric,
//! threshold and certification; the engine interprets them and knows no designation by name.
//!
//! ```no_run
//! use designate_engine::{Partner, RuleSet, score};
//! use std::path::Path;
//!
//! let rules = RuleSet::load(Path::new("rules/2024-06")).expect("valid rules");
//! let partner = Partner::load(Path::new("snapshots/partners/contoso-smb.yaml")).expect("valid partner");
//! let report = score(&rules, &partner).expect("scored");
//! println!("{}", report.to_json_pretty());
//! ```
#![forbid(unsafe_code)]

pub mod codes;
#[cfg(feature = "arrow")]
pub mod columnar;
pub mod compare;
pub mod error;
mod evaluate;
pub mod evidence;
pub mod explain;
pub mod flat;
pub mod gap;
pub mod generate;
mod metrics;
pub mod partner;
pub mod report;
pub mod rule_tests;
pub mod rules;
pub mod script;
pub mod status;
mod strict;
pub mod value;
pub mod vocabulary;

pub use error::{Code, Error, Located, Severity};
pub use evaluate::{score, score_by, score_by_with, Detail, Versions};
pub use partner::{Format, Partner};
pub use report::ScoreReport;
pub use rules::RuleSet;
