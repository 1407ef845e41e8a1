"""Score an NDJSON portfolio on Apache Spark with the `designate` Python module, inside the executors' Python
workers, through `DataFrame.mapInArrow`: no process is piped, so it also runs on Spark Connect, where `RDD.pipe`
is not available.

    spark-submit docs/scale/spark_arrow.py INPUT OUTPUT_DIR RULES_DIR PARTITIONS [--keep-going]

INPUT is anything `spark.read.text` reads: an NDJSON file, a folder of them, a glob, or a comma-separated list.
Each partition's lines reach one Python function as Arrow record batches; it scores every line with
`designate.RuleSet(RULES_DIR).score_json` (loaded once per task) and yields the result lines as Arrow, which
`DataFrame.write.text` saves to OUTPUT_DIR (which must not exist yet) as part files. Every result is exactly the
line `designate score -` writes for that partner, and names its partner and the rule digest; order holds within a
partition, not across them. See docs/scale.md.

The executors need the module (`pip install ./bindings/python`, or its wheel, on every node's Python) and the
rules at RULES_DIR as they see it (a shared path, or `--archives rules.tar.gz#rules` and a relative path).

By default a partner that cannot be scored fails its task and so the job, and this script exits 1. With
--keep-going its message is printed on the executor's stderr, the other results are kept, the input and output
lines are counted, and the script exits 1 when they differ.
"""

import argparse
import sys

from pyspark.sql import SparkSession


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("input", help="NDJSON path(s): a file, folder, glob or comma-separated list")
    parser.add_argument("output", help="output folder for the result part files (must not exist)")
    parser.add_argument("rules", help="the rules folder (rules/2024-06 or a rules root), as the executors see it")
    parser.add_argument("partitions", type=int, help="how many partitions, so how many scoring tasks")
    parser.add_argument(
        "--keep-going",
        action="store_true",
        help="report a partner that cannot be scored and go on; compare input and output counts instead",
    )
    args = parser.parse_args(argv)
    if args.partitions < 1:
        parser.error("partitions must be at least 1")
    return args


def scorer(rules_dir, keep_going):
    """The function mapInArrow runs on each partition: Arrow batches of NDJSON lines in, result lines out.
    It closes over plain strings only, so Spark ships it to the executors by value."""

    def score_batches(batches):
        import pyarrow as pa
        from pyspark import TaskContext

        import designate

        rules = designate.RuleSet(rules_dir)
        partition = TaskContext.get().partitionId()
        row = 0
        for batch in batches:
            results = []
            for line in batch.column(0).to_pylist():
                row += 1
                if line is None or not line.strip():
                    continue
                try:
                    # The origin names the line in messages: partition and row within it.
                    results.append(rules.score_json(line, origin=f"partition {partition} row {row}"))
                except designate.Error as error:
                    if not keep_going:
                        raise
                    print(f"error: {error}", file=sys.stderr, flush=True)
            yield pa.RecordBatch.from_arrays([pa.array(results, pa.string())], names=["value"])

    return score_batches


def main(argv):
    args = parse_args(argv)
    spark = (
        SparkSession.builder.appName("designate-arrow")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    try:
        return run(spark, args)
    finally:
        spark.stop()


def run(spark, args):
    lines = spark.read.text(args.input)
    results = lines.repartition(args.partitions).mapInArrow(
        scorer(args.rules, args.keep_going), "value string"
    )
    if args.keep_going:
        results = results.cache()
    try:
        results.write.text(args.output)
    except Exception as error:  # Py4JJavaError or a Spark Connect error, carrying the task's Python traceback
        # The partner's own message is the designate.Error line in the traceback; show that, not the trace.
        text = str(error)
        reasons = [line.strip() for line in text.splitlines() if "designate.Error:" in line]
        reason = reasons[0] if reasons else (text.strip().splitlines() or [type(error).__name__])[0]
        print(
            f"error: scoring failed: {reason}\n"
            "  A partner could not be scored: fix the input, or rerun with --keep-going.",
            file=sys.stderr,
        )
        return 1
    if args.keep_going:
        scored = results.count()
        given = lines.filter("trim(value) != ''").count()
        print(f"scored {scored} of {given} partners", file=sys.stderr)
        if scored != given:
            print(f"error: {given - scored} partner(s) could not be scored; see the executors' stderr", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
