#!/bin/bash
# Two designate binaries, the same outputs? Runs both over the same cases and compares stdout, stderr and exit
# status of each with cmp (docs/performance.md: how each speed round was checked). Usage, from anywhere:
#   docs/bench/same-outputs.sh OLD_BINARY NEW_BINARY
# Cases: a generated 2,000-partner 2024-06 portfolio as NDJSON (on 1 and 2 threads, and its first 300 partners
# under the rules root) and as Parquet tables (as CSV and JSON); 300 generated partners of 2023-07 and of 2026-07
# (as JSON and CSV); every snapshot partner under each version and under the root. Exit 0 when every file is the
# same, 1 when one differs, 2 when it could not run.
set -u
[ $# -eq 2 ] && [ -x "$1" ] && [ -x "$2" ] || { echo "usage: $0 OLD_BINARY NEW_BINARY (two executables)" >&2; exit 2; }
old=$(realpath "$1"); new=$(realpath "$2")
cd "$(dirname "$0")/../.." || exit 2
work=target/bench/same-outputs
rm -rf "$work"; mkdir -p "$work" || exit 2
# The inputs, made once by the old binary.
"$old" generate --partners 2000 --seed 7 --rules rules/2024-06 > "$work/p2000.ndjson" &&
  "$old" generate --partners 2000 --seed 7 --rules rules/2024-06 --tables "$work/t2000" --tables-format parquet &&
  for v in 2023-07 2026-07; do "$old" generate --partners 300 --seed 11 --rules rules/$v > "$work/g-$v.ndjson" || exit 2; done ||
  { echo "could not generate the inputs" >&2; exit 2; }

cases() {
  local bin=$1 out=$2
  mkdir -p "$out"
  run() { local name=$1; shift; "$@" > "$out/$name.out" 2> "$out/$name.err"; echo $? > "$out/$name.rc"; }
  run p2000 sh -c "\"$bin\" score --rules rules/2024-06 - < \"$work/p2000.ndjson\""
  run p2000-1t sh -c "RAYON_NUM_THREADS=1 \"$bin\" score --rules rules/2024-06 - < \"$work/p2000.ndjson\""
  run p300-root sh -c "head -300 \"$work/p2000.ndjson\" | \"$bin\" score --rules rules -"
  run t2000-csv "$bin" score --rules rules/2024-06 "$work/t2000" --format csv
  run t2000-json "$bin" score --rules rules/2024-06 "$work/t2000"
  for v in 2023-07 2026-07; do
    run g-$v sh -c "\"$bin\" score --rules rules/$v - < \"$work/g-$v.ndjson\""
    run g-$v-csv sh -c "\"$bin\" score --rules rules/$v --format csv - < \"$work/g-$v.ndjson\""
  done
  for p in snapshots/partners/*; do
    local n; n=$(basename "$p")
    for v in 2023-07 2024-06 2026-07; do run "snap-$n-$v" "$bin" score --rules rules/$v "$p"; done
    run "snap-$n-root" "$bin" score --rules rules "$p"
  done
}
cases "$old" "$work/old"
cases "$new" "$work/new"
total=0; differ=0
for f in "$work"/old/*; do
  total=$((total + 1))
  cmp -s "$f" "$work/new/$(basename "$f")" || { differ=$((differ + 1)); echo "differs: $(basename "$f")"; }
done
echo "$total files ($((total / 3)) runs: stdout, stderr, exit status), $differ differ"
[ "$differ" -eq 0 ]
