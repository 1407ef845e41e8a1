//! The scratch folders of the test files, shared by the engine's and the CLI's tests (the CLI's `common`
//! includes this file by path), so that both suites make and remove them the same way.

use std::path::Path;

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
