//! Exit statuses, decided in one place: 0 success, 1 findings, 2 could not run.
//!
//! *Findings* are what a command exists to report: differences (`diff`, `diff-rules`), problems in rules
//! (`check`), partners that could not be scored (bad partner data, a failing rule script). *Could not run*
//! means the command never got to its work: a missing or unreadable input, bad arguments, rules that do not
//! load, an output that cannot be written.
//!
//! Commands return `anyhow::Result`. An error is "could not run" unless a [`Finding`] is somewhere in its chain
//! (made with [`finding`]): the status comes from the error's type, never from its text. A reader that went away
//! ([`Closed`]) is no error at all: the command ends as if everything had been read.

use std::fmt;
use std::process::ExitCode;

/// The command did what it was asked and found nothing to report.
pub const SUCCESS: u8 = 0;
/// The command ran and reports findings: differences, problems, partners that failed.
pub const FINDINGS: u8 = 1;
/// The command could not run: missing or unreadable input, bad arguments, rules that do not load.
pub const COULD_NOT_RUN: u8 = 2;

/// A finding that ends the command (a partner file that does not validate, a partner that cannot be scored):
/// exit status 1. Its text is the whole message.
#[derive(Debug)]
pub struct Finding(pub String);

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Finding {}

/// The reader of our output went away (`| head`): a streamed run stops, nobody reads the rest, and the command
/// ends with the status of the work done so far.
#[derive(Debug)]
pub struct Closed;

impl fmt::Display for Closed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("output closed")
    }
}

impl std::error::Error for Closed {}

/// A finding that ends the command: exit status 1.
pub fn finding(message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Finding(message.into()))
}

/// Whether `error` is (or was caused by) the reader of our output going away.
pub fn is_closed(error: &anyhow::Error) -> bool {
    error.chain().any(|e| e.is::<Closed>())
}

/// `0` or `1`: whether the command found something to report.
pub fn findings_if(found: bool) -> ExitCode {
    ExitCode::from(if found { FINDINGS } else { SUCCESS })
}

/// The exit status of an error, by its type: 1 when a [`Finding`] is in its chain, else 2.
pub fn status(error: &anyhow::Error) -> u8 {
    if error.chain().any(|e| e.is::<Finding>()) {
        FINDINGS
    } else {
        COULD_NOT_RUN
    }
}

/// The exit code of an error.
pub fn code(error: &anyhow::Error) -> ExitCode {
    ExitCode::from(status(error))
}

/// The message of an error for stderr: each context, then its cause, `context: cause` (a message with a hint
/// keeps the hint on its own line at the end, since hints are only ever in the innermost message).
pub fn message(error: &anyhow::Error) -> String {
    format!("{error:#}")
}

#[cfg(test)]
mod tests {
    use anyhow::Context as _;

    use super::*;

    // issue 12: the status comes from the error's type, wherever it sits in the chain, never from its text.
    #[test]
    fn exit_status_follows_the_error_type_not_its_text() {
        assert_eq!(status(&finding("p.yaml: partner.id: must not be empty")), FINDINGS);
        assert_eq!(status(&anyhow::anyhow!("p.yaml: cannot read file: gone")), COULD_NOT_RUN);
        // A message that reads like a finding is still "could not run" without the type.
        assert_eq!(status(&anyhow::anyhow!("1 partner(s) could not be scored")), COULD_NOT_RUN);
        let wrapped = Err::<(), _>(finding("bad partner")).context("while scoring").unwrap_err();
        assert_eq!(status(&wrapped), FINDINGS);
        assert!(!is_closed(&wrapped));
        assert!(is_closed(&anyhow::Error::new(Closed)));
    }

    // issue 12: context renders as `context: cause`, the shape of the messages before anyhow.
    #[test]
    fn context_renders_before_its_cause() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let e = Err::<(), _>(io).context("p.yaml: cannot read file").unwrap_err();
        assert_eq!(message(&e), "p.yaml: cannot read file: no such file");
        assert_eq!(message(&finding("p.yaml: x: bad\n  hint: fix it")), "p.yaml: x: bad\n  hint: fix it");
    }
}
