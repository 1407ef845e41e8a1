"""Score an NDJSON portfolio on Apache Spark with one `designate score -` process per partition.

    spark-submit docs/scale/spark_score.py INPUT OUTPUT_DIR DESIGNATE RULES_DIR PARTITIONS [--keep-going]

INPUT is anything `SparkContext.textFile` reads: an NDJSON file, a folder of them, a glob, or a
comma-separated list. Each partition's lines are piped through one `designate score --rules RULES_DIR -`
process (RDD.pipe), and its result lines are written with `saveAsTextFile` to OUTPUT_DIR (which must not
exist yet) as part-NNNNN files. Every result names its partner ("partner") and the rule digest, so results
are compared by partner, not by position: order holds within a partition, not across them.

DESIGNATE and RULES_DIR are passed to the executors as given. Absolute paths must exist on every executor
(local mode, or a shared filesystem); relative paths resolve in the executor's working directory, which is
where `spark-submit --files designate --archives rules.tar.gz#rules` put them on YARN, Kubernetes and
standalone clusters. See docs/scale.md.

By default a `designate` that exits non-zero (a partner that cannot be scored) fails its task and so the
job, and this script exits 1. With --keep-going the other results are kept, the input and output lines
are counted, and the script exits 1 when they differ.
"""

import argparse
import shlex
import sys

from pyspark import SparkConf, SparkContext


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("input", help="NDJSON path(s): a file, folder, glob or comma-separated list")
    parser.add_argument("output", help="output folder for the result part files (must not exist)")
    parser.add_argument("designate", help="the designate binary, as the executors see it")
    parser.add_argument("rules", help="the rules folder (rules/2024-06 or a rules root), as the executors see it")
    parser.add_argument("partitions", type=int, help="how many partitions, so how many designate processes")
    parser.add_argument(
        "--keep-going",
        action="store_true",
        help="don't fail on a designate that exits non-zero; compare input and output counts instead",
    )
    args = parser.parse_args(argv)
    if args.partitions < 1:
        parser.error("partitions must be at least 1")
    return args


def main(argv):
    args = parse_args(argv)
    conf = SparkConf().setAppName("designate-score").setIfMissing("spark.ui.enabled", "false")
    sc = SparkContext(conf=conf)
    try:
        return run(sc, args)
    finally:
        sc.stop()


def run(sc, args):
    command = shlex.join([args.designate, "score", "--rules", args.rules, "-"])
    # RDD.pipe starts the process with exactly this environment. designate scores on every core it sees,
    # so hold each process to the cores Spark gave its task.
    env = {"RAYON_NUM_THREADS": sc.getConf().get("spark.task.cpus", "1")}

    lines = sc.textFile(args.input).filter(lambda line: line.strip())
    results = lines.repartition(args.partitions).pipe(command, env=env, checkCode=not args.keep_going)
    if args.keep_going:
        results = results.cache()
    try:
        results.saveAsTextFile(args.output)
    except Exception as error:  # py4j's Py4JJavaError, carrying the failed task's Python traceback
        # The task's own reason (e.g. "[PIPE_FUNCTION_EXITED] Pipe function `...' exited with error code 1.")
        # is deep in the Java stack trace; show that line, not the trace.
        text = str(error)
        reasons = [line.strip() for line in text.splitlines() if "Pipe function" in line]
        reason = reasons[0] if reasons else (text.strip().splitlines() or [type(error).__name__])[0]
        print(
            f"error: scoring failed: {reason}\n"
            "  A `designate` process exited non-zero: the partner it could not score is named on that\n"
            "  executor's stderr (local mode: above). Fix the input, or rerun with --keep-going.",
            file=sys.stderr,
        )
        return 1
    if args.keep_going:
        scored, given = results.count(), lines.count()
        print(f"scored {scored} of {given} partners", file=sys.stderr)
        if scored != given:
            print(f"error: {given - scored} partner(s) could not be scored; see the executors' stderr", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
