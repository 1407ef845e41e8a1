#!/usr/bin/env python3
"""designate against a DuckDB SQL peer on the same data, in one run (issue 15; docs/performance.md).

Runs, alternating, best of --runs by wall time:
  * `designate score --rules RULES -` over an NDJSON portfolio (all designations, every metric, evidence, the
    qualification window), as a process: wall time, CPU time (user + sys) and peak memory;
  * DuckDB computing three Azure metrics of the same rule version over the same NDJSON
    (duckdb_three_metrics.sql on duckdb_source_ndjson.sql), in a process of its own; the query is timed inside that
    process too (without Python's start and `import duckdb`), and the table shows that, DuckDB's better figure;
  * with --tables DIR (partners.parquet, usage.parquet ...): `designate score DIR --format csv` and the same SQL on
    duckdb_source_parquet.sql;
then `designate bench` once on the same generated portfolio for parse only against parse + score, and (unless
--no-check) a check that DuckDB's numbers equal designate's evidence for every partner: the figures `ttm-total`
and `growth-percent` of usage-growth, `net` of net-customer-adds and the path of the Infrastructure designation
(`score --format json`), over the NDJSON and over the Parquet tables.
The machine may be shared: compare CPU times and the ratios, which are taken in the same minutes.

Needs DuckDB from PyPI (docs/bench/side-by-side.sh installs it into target/bench-venv).
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def run(cmd, stdin=None, stdout=subprocess.DEVNULL):
    """Runs `cmd` to its end: (wall s, CPU s of the process and its children, peak RSS in MB, stdout)."""
    start = time.perf_counter()
    # stderr into a file, not a pipe: a run that warns a lot would fill the pipe and wait for it forever.
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(cmd, stdin=stdin, stdout=stdout, stderr=errors)
        out = proc.stdout.read() if stdout == subprocess.PIPE else b""
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        errors.seek(0)
        err = errors.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"side_by_side: {' '.join(cmd)} failed:\n{err}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out


def views(source, target):
    """The SQL of duckdb_source_{source}.sql for `target`. customers.parquet is optional in the tables: without it
    the customers' segments are an empty table (no customer has a segment), as designate reads such tables."""
    key = "{path}" if source == "ndjson" else "{dir}"
    sql = open(os.path.join(HERE, f"duckdb_source_{source}.sql")).read()
    if source == "parquet" and not os.path.exists(os.path.join(target, "customers.parquet")):
        sql = sql.replace("read_parquet('{dir}/customers.parquet')",
                          "(SELECT NULL::VARCHAR AS partner_id, NULL::VARCHAR AS customer_id, "
                          "NULL::VARCHAR AS segment WHERE false)")
    return sql.replace(key, target)


def three_metrics(source, target):
    """DuckDB's rows (partner_id, ttm_acr, path, net_customer_adds, usage_growth_percent) and its timings."""
    import duckdb

    con = duckdb.connect()
    sql = open(os.path.join(HERE, "duckdb_three_metrics.sql")).read()
    wall, cpu = time.perf_counter(), time.process_time()
    con.execute(views(source, target))
    rows = con.execute(sql).fetchall()
    return rows, time.perf_counter() - wall, time.process_time() - cpu


def query(source, target):
    """The child process of a DuckDB run: the three metrics over `source`; prints its own timings as JSON."""
    rows, wall, cpu = three_metrics(source, target)
    print(json.dumps({"wall": wall, "cpu": cpu, "rows": len(rows)}))


def check(args, source, target):
    """DuckDB's numbers against designate's evidence, partner by partner: (partners compared, differences).

    A partner with no eligible ACR has no row in DuckDB (its query starts from the usage): designate must then
    show a zero total and no growth. Growth is exact in designate and a DOUBLE in DuckDB's decimal division, so
    it is compared to 1e-9 of its size."""
    from decimal import Decimal

    rows, _, _ = three_metrics(source, target)
    duck = {r[0]: r[1:] for r in rows}
    cmd = [args.designate, "score", "--rules", args.rules, "--format", "json"]
    stdin = None
    if source == "ndjson":
        cmd.append("-")
        stdin = open(target, "rb")
    else:
        cmd.append(target)
    out = subprocess.run(cmd, stdin=stdin, capture_output=True, check=True).stdout
    compared, differences = 0, []
    for line in out.splitlines():
        report = json.loads(line, parse_float=Decimal, parse_int=Decimal)
        infra = next(d for d in report["designations"] if d["id"] == "infrastructure")
        figures = {m["id"]: {f["name"]: f["value"] for f in m["evidence"]["figures"]} for m in infra["metrics"]}
        growth = figures["usage-growth"]
        ours = (growth.get("ttm-total", Decimal(0)), infra["path"], figures["net-customer-adds"]["net"],
                growth.get("growth-percent"))
        theirs = duck.pop(report["partner"], (Decimal(0), None, 0, None))
        same = (Decimal(theirs[0]) == ours[0] and theirs[1] in (None, ours[1]) and Decimal(theirs[2]) == ours[2]
                and (theirs[3] is None) == (ours[3] is None)
                and (ours[3] is None or abs(Decimal(str(theirs[3])) - ours[3]) <= abs(ours[3]) * Decimal("1e-9")))
        compared += 1
        if not same:
            differences.append(f"{report['partner']}: designate {ours}, DuckDB {theirs}")
    differences += [f"{p}: DuckDB only" for p in duck]
    return compared, differences


def duckdb_run(source, target):
    wall, cpu, rss, out = run([sys.executable, __file__, "--query", source, target], stdout=subprocess.PIPE)
    inside = json.loads(out)
    return {"wall": inside["wall"], "cpu": inside["cpu"], "process_wall": wall, "process_cpu": cpu, "rss": rss}


def designate_run(cmd, stdin_path=None):
    stdin = open(stdin_path, "rb") if stdin_path else None
    wall, cpu, rss, _ = run(cmd, stdin=stdin)
    return {"wall": wall, "cpu": cpu, "rss": rss}


def best(runs):
    return min(runs, key=lambda r: r["wall"])


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--query":
        return query(sys.argv[2], sys.argv[3])
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--designate", default="target/release/designate")
    ap.add_argument("--partners", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--rules", default="rules/2024-06")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--work", default="target/bench", help="where the generated portfolio is kept")
    ap.add_argument("--tables", help="a folder of Parquet tables (partners.parquet, usage.parquet, ...) to add")
    ap.add_argument("--no-bench", action="store_true", help="skip `designate bench` (parse only vs score)")
    ap.add_argument("--no-check", action="store_true", help="skip checking DuckDB's numbers against designate's")
    args = ap.parse_args()

    os.makedirs(args.work, exist_ok=True)
    ndjson = os.path.join(args.work, f"p{args.partners}-s{args.seed}.ndjson")
    if not os.path.exists(ndjson):
        with open(ndjson + ".tmp", "wb") as f:
            subprocess.run([args.designate, "generate", "--partners", str(args.partners), "--seed", str(args.seed),
                            "--rules", args.rules], stdout=f, check=True)
        os.replace(ndjson + ".tmp", ndjson)
    size = os.path.getsize(ndjson)

    cases = [("designate score - (NDJSON, all designations)", "designate",
              lambda: designate_run([args.designate, "score", "--rules", args.rules, "-"], ndjson)),
             ("DuckDB, three metrics (NDJSON)", "duckdb", lambda: duckdb_run("ndjson", ndjson))]
    if args.tables:
        cases += [("designate score DIR --format csv (Parquet)", "designate",
                   lambda: designate_run([args.designate, "score", "--rules", args.rules, "--format", "csv",
                                          args.tables])),
                  ("DuckDB, three metrics (Parquet)", "duckdb", lambda: duckdb_run("parquet", args.tables))]
    results = {name: [] for name, _, _ in cases}
    for _ in range(args.runs):
        for name, _, fn in cases:
            results[name].append(fn())

    load = os.getloadavg()
    print(f"portfolio  {ndjson}: {args.partners} partners, {size:,} bytes; rules {args.rules}")
    print(f"machine    {os.cpu_count()} cores, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} at the end")
    print(f"runs       {args.runs}, alternating; best by wall time")
    print()
    print(f"{'':<46} {'wall (s)':>9} {'CPU (s)':>8} {'peak MB':>8}")
    rows = {}
    for name, _, _ in cases:
        b = best(results[name])
        rows[name] = b
        print(f"{name:<46} {b['wall']:>9.3f} {b['cpu']:>8.3f} {b['rss']:>8.0f}")
        if "process_wall" in b:
            print(f"{'  the same, whole process (Python, import)':<46} {b['process_wall']:>9.3f} "
                  f"{b['process_cpu']:>8.3f}")
    print()
    pairs = [(cases[i][0], cases[i + 1][0]) for i in range(0, len(cases), 2)]
    for ours, theirs in pairs:
        o, t = rows[ours], rows[theirs]
        print(f"DuckDB ÷ designate ({ours.split('(')[-1].rstrip(')')}): wall {t['wall'] / o['wall']:.2f}×, "
              f"CPU {t['cpu'] / o['cpu']:.2f}×  (above 1: designate is faster)")

    if not args.no_check:
        sources = [("ndjson", ndjson)] + ([("parquet", args.tables)] if args.tables else [])
        for source, target in sources:
            compared, differences = check(args, source, target)
            if differences:
                print(f"check ({source}): {len(differences)} of {compared} partners differ:")
                print("\n".join("  " + d for d in differences[:20]))
            else:
                print(f"check ({source}): DuckDB's three metrics equal designate's evidence for all {compared} partners")

    if not args.no_bench:
        out = subprocess.run([args.designate, "bench", "--partners", str(args.partners), "--seed", str(args.seed),
                              "--rules", args.rules], capture_output=True, text=True, check=True).stdout
        stage = {}
        for line in out.splitlines():
            # `stage  wall  run run run  CPU  ...`: the best wall time, each run's, then the best run's CPU time.
            m = re.match(r"(parse only|parse \+ score \+ JSON line)\s+((?:[\d.]+\s+){5})", line)
            if m:
                numbers = [float(n) for n in m.group(2).split()]
                stage[m.group(1)] = (numbers[0], numbers[4])
        if len(stage) == 2:
            (pw, pc), (sw, sc) = stage["parse only"], stage["parse + score + JSON line"]
            print(f"designate bench: parse only {pw:.3f} s wall, {pc:.3f} s CPU; parse + score {sw:.3f} s wall, "
                  f"{sc:.3f} s CPU; score ÷ parse-only: {sc / pc:.2f}× CPU, {sw / pw:.2f}× wall")
        else:
            print(out)


if __name__ == "__main__":
    main()
