//! Exit statuses, decided in one place: 0 success, 1 findings, 2 could not run.
//!
//! *Findings* are what a command exists to report: differences (`diff`, `diff-rules`), problems in rules
//! (`check`), partners that could not be scored (bad partner data, a failing rule script). *Could not run*
//! means the command never got to its work: a missing or unreadable input, bad arguments, rules that do not
//! load, an output that cannot be written.

use std::process::ExitCode;

/// The command did what it was asked and found nothing to report.
pub const SUCCESS: u8 = 0;
/// The command ran and reports findings: differences, problems, partners that failed.
pub const FINDINGS: u8 = 1;
/// The command could not run: missing or unreadable input, bad arguments, rules that do not load.
pub const COULD_NOT_RUN: u8 = 2;

/// Why a command stopped early: the message for stderr and the exit status it means.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub status: u8,
}

impl Failure {
    /// A finding that ends the command (a partner file that does not validate, say): exit status 1.
    pub fn finding(message: impl Into<String>) -> Failure {
        Failure { message: message.into(), status: FINDINGS }
    }

    /// The command could not run: exit status 2.
    pub fn could_not_run(message: impl Into<String>) -> Failure {
        Failure { message: message.into(), status: COULD_NOT_RUN }
    }
}

/// Plain messages are "could not run": the usual case of `?` on a setup step.
impl From<String> for Failure {
    fn from(message: String) -> Failure {
        Failure::could_not_run(message)
    }
}

impl From<&str> for Failure {
    fn from(message: &str) -> Failure {
        Failure::could_not_run(message)
    }
}

/// `0` or `1`: whether the command found something to report.
pub fn findings_if(found: bool) -> ExitCode {
    ExitCode::from(if found { FINDINGS } else { SUCCESS })
}

/// The exit code of a failure.
pub fn code(failure: &Failure) -> ExitCode {
    ExitCode::from(failure.status)
}
