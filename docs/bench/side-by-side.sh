#!/bin/sh
# designate against its DuckDB SQL peer, side by side in one run (docs/performance.md, issue 15).
# Builds the release binary, installs DuckDB from PyPI into target/bench-venv (once), and runs side_by_side.py
# from the repository root; any argument is passed on (--partners, --runs, --tables DIR, ...).
set -eu
cd "$(dirname "$0")/../.."
cargo build --release --locked -p designate
if [ ! -x target/bench-venv/bin/python ] || ! target/bench-venv/bin/python -c "import duckdb" 2>/dev/null; then
  python3 -m venv target/bench-venv
  target/bench-venv/bin/pip install --quiet duckdb
fi
exec target/bench-venv/bin/python docs/bench/side_by_side.py "$@"
