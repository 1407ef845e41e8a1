"""Shared fixtures: the workspace (rules, example partners, bad inputs) and the `designate` CLI the module is
compared with. `cargo test -p designate --test python` runs these tests with DESIGNATE_BIN set to the CLI it
built; run by hand, they use target/debug/designate (`cargo build -p designate` first)."""

import decimal
import json
import os
import pathlib
import subprocess

import pytest

WORKSPACE = pathlib.Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def workspace():
    return WORKSPACE


@pytest.fixture(scope="session")
def cli():
    """Runs the designate CLI from the workspace root; returns the CompletedProcess (text mode)."""
    binary = os.environ.get("DESIGNATE_BIN") or str(WORKSPACE / "target" / "debug" / "designate")
    if not pathlib.Path(binary).is_file():
        pytest.fail(f"the designate CLI is missing at {binary}: run `cargo build -p designate` or set DESIGNATE_BIN")

    def run(*args, stdin=None):
        return subprocess.run(
            [binary, *args], cwd=WORKSPACE, input=stdin, capture_output=True, text=True, check=False
        )

    return run


def loads(text):
    """JSON as the module returns it: decimals as decimal.Decimal, never float."""
    return json.loads(text, parse_float=decimal.Decimal)


def floats_in(value, path="$"):
    """Every place in a nested value that holds a float (none should)."""
    if isinstance(value, float):
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in floats_in(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in floats_in(v, f"{path}[{i}]")]
    return []
