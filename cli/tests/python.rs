//! The Python module of issue 15 (`bindings/python`), tested by its own pytest suite (`bindings/python/tests`):
//! this test makes or reuses a virtualenv under `target/python-venv`, installs the module there with
//! `pip install ./bindings/python` (maturin builds it) and runs pytest, which compares the module's results with
//! this build's `designate` CLI. A failing pytest fails this test with pytest's output.

mod common;

use common::python::{install_module, venv, MODULE_TEST_PACKAGES};
use common::{text, workspace};
use std::process::Command;
use std::time::Instant;

#[test]
fn the_python_module_passes_its_pytest_suite() {
    let started = Instant::now();
    let python = venv("python-venv", MODULE_TEST_PACKAGES);
    install_module(&python);
    let tests = Instant::now();
    // pytest's temporary folders go under target/, which pytest empties at each run, not /tmp/pytest-of-<user>.
    let basetemp = workspace().join("target").join("pytest-tmp");
    let out = Command::new(&python)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "bindings/python/tests", "--basetemp"])
        .arg(&basetemp)
        .env("DESIGNATE_BIN", env!("CARGO_BIN_EXE_designate"))
        // Warnings are part of what the tests check: none may be turned into noise or errors from outside.
        .env_remove("PYTHONWARNINGS")
        .current_dir(workspace())
        .output()
        .expect("pytest starts");
    eprintln!("python: pytest ran in {:.1?} ({:.1?} in all)", tests.elapsed(), started.elapsed());
    assert!(
        out.status.success(),
        "pytest failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    );
}
