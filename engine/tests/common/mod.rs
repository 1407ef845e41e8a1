//! Helpers the engine test files share: the workspace, scratch folders, copying rule sets.
#![allow(dead_code)] // each test file uses its own share of these

use std::path::{Path, PathBuf};

/// The workspace root, where `rules/` and `snapshots/` are.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

mod scratch;
#[allow(unused_imports)] // like the helpers above, each test file uses its own share
pub use scratch::{scratch, Scratch};

/// Copies a folder tree (a rule set, typically) so that a test can edit the copy.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Makes a named pipe (FIFO) at `path`: the special file that hangs a reader opening it, for tests that it never is.
pub fn mkfifo(path: &Path) {
    let made = std::process::Command::new("mkfifo").arg(path).status().expect("mkfifo runs");
    assert!(made.success(), "mkfifo {}", path.display());
}
