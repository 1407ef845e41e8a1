//! Python for the tests that need it (the module's pytest suite, the Spark recipes): a virtualenv under the
//! workspace's `target/`, made once and reused, with pinned packages from PyPI and the module `designate` built
//! from `bindings/python` by `pip install ./bindings/python`, the README's command. So `cargo test --workspace`
//! brings what it needs on a fresh machine with CPython 3 and pip; `cargo clean` removes it all.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use super::{text, workspace};

/// The packages the module's tests use, pinned so a fresh machine tests with what was tested here.
pub const MODULE_TEST_PACKAGES: &[&str] = &["maturin==1.16.0", "pytest==9.2.0", "pandas==3.1.1", "pyarrow==26.0.1"];

/// Where maturin's cargo builds the module: one folder under `target/` for every venv, so the second venv's
/// install reuses the first's build. Not the workspace's own `target/debug`: the running `cargo test` holds
/// that folder's lock, and a cargo started from a test would wait on it forever.
pub fn module_target() -> PathBuf {
    workspace().join("target/python")
}

/// Runs a command to the end, and fails the test with its output when it cannot start or exits non-zero.
pub fn run(what: &str, command: &mut Command) -> Output {
    let out = command.output().unwrap_or_else(|e| panic!("{what}: cannot start {command:?}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}): {command:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    );
    out
}

/// The python of the virtualenv `target/<name>`, made when missing, with `packages` installed unless the
/// venv's marker says they already are (pip is asked only when the list changes).
pub fn venv(name: &str, packages: &[&str]) -> PathBuf {
    let venv = workspace().join("target").join(name);
    let python = venv.join("bin/python");
    if !python.is_file() {
        run("python3 -m venv", Command::new("python3").args(["-m", "venv", "--clear"]).arg(&venv));
    }
    let marker = venv.join(".designate-packages");
    let wanted = packages.join("\n");
    if std::fs::read_to_string(&marker).ok().as_deref() != Some(wanted.as_str()) {
        let started = Instant::now();
        run(
            "pip install",
            Command::new(&python)
                .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"])
                .args(packages),
        );
        std::fs::write(&marker, &wanted).unwrap();
        eprintln!("python: installed {} in {} in {:.0?}", packages.join(" "), venv.display(), started.elapsed());
    }
    python
}

/// `pip install ./bindings/python` into the venv of `python` (which must hold maturin): cargo rebuilds the module
/// only when its sources or the engine changed, so a later run takes seconds. Built with the dev profile
/// (dependencies at opt-level 1, as the workspace's tests): it compiles in a fraction of a release build's time,
/// and these tests check results, not speed.
pub fn install_module(python: &Path) {
    let started = Instant::now();
    // maturin's build backend runs the `maturin` executable from PATH: the venv's, which is not activated.
    let bin = python.parent().expect("a venv's python is in its bin folder");
    let path = std::env::join_paths(
        std::iter::once(bin.to_owned()).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .expect("PATH entries join");
    run(
        "pip install ./bindings/python",
        Command::new(python)
            .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"])
            // The build backend is maturin from the venv, not a fresh download per run; the module needs no
            // other Python package at import time.
            .args(["--no-build-isolation", "--no-deps", "--force-reinstall", "./bindings/python"])
            .env("CARGO_TARGET_DIR", module_target())
            .env("MATURIN_PEP517_ARGS", "--profile dev")
            .env("PATH", path)
            .current_dir(workspace()),
    );
    eprintln!("python: built and installed the module in {:.1?}", started.elapsed());
}
