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

/// A fresh folder under the system's temp folder, `designate-<test file>-<name>-<random>`, removed when the
/// returned guard is dropped. Keep the guard in a binding for as long as the test uses the folder:
/// `scratch("x").join("y")` alone removes it at the end of the statement. A test that panics keeps its folder and
/// names it on stderr, which the test harness shows with the failure.
pub fn scratch(name: &str) -> Scratch {
    let prefix = format!("designate-{}-{}-", env!("CARGO_CRATE_NAME"), name.replace(['/', '\\'], "-"));
    Scratch(tempfile::Builder::new().prefix(&prefix).tempdir().expect("a scratch folder under the temp folder"))
}

/// A scratch folder (see [`scratch`]): a `Path`, removed with its contents when dropped, unless the thread is
/// panicking.
pub struct Scratch(tempfile::TempDir);

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        self.0.path()
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        self.0.path()
    }
}

impl AsRef<std::ffi::OsStr> for Scratch {
    fn as_ref(&self) -> &std::ffi::OsStr {
        self.0.path().as_os_str()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.disable_cleanup(true);
            eprintln!("scratch folder kept: {}", self.0.path().display());
        }
    }
}

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
