//! The Spark recipe of docs/scale.md, run for real: `docs/scale/spark_score.py` in Spark local mode pipes a
//! generated portfolio through one `designate score -` per partition, and its results must be the same lines
//! as the single-machine run. The test brings what it needs: it checks the machine's Java and installs PyPI's
//! pyspark into a virtualenv under the workspace's `target/spark-venv`, reused by later runs.
//!
//! The Arrow recipe of issue 15 (`docs/scale/spark_arrow.py`: `mapInArrow` and the Python module, no pipe) is run
//! the same way and must give the same lines; its venv is the same one with pyarrow, pandas and the module added.

mod common;

use common::python::{install_module, run, venv};
use common::{scratch, text, workspace};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::Instant;

/// The pyspark the recipe is tested with; Spark 3.5 runs on Java 8, 11 and 17.
const PYSPARK: &str = "3.5.9";

/// Java as Spark's launcher finds it: `$JAVA_HOME/bin/java`, else `java` on PATH. Missing Java fails the test.
fn java() -> String {
    let java = match std::env::var_os("JAVA_HOME") {
        Some(home) if !home.is_empty() => Path::new(&home).join("bin/java").display().to_string(),
        _ => "java".to_owned(),
    };
    // Without perf data, as the recipes' JVMs run (`without_perf_data`).
    let out = Command::new(&java).args(["-XX:-UsePerfData", "-version"]).output().unwrap_or_else(|e| {
        panic!(
            "Java is missing: the Spark test needs a JDK 8, 11 or 17 (`{java}`: {e}). \
             Install one (Debian: apt-get install openjdk-17-jre-headless) or set JAVA_HOME."
        )
    });
    assert!(out.status.success(), "`{java} -version` failed: {}", text(&out.stderr));
    // `java -version` prints on stderr: `openjdk version "17.0.15" 2025-04-15`.
    text(&out.stderr).lines().next().unwrap_or_default().to_owned()
}

/// The virtualenv's python with pyspark installed: made once per run of this test binary, and kept in
/// target/spark-venv for later runs (`cargo clean` removes it).
fn venv_python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let venv = workspace().join("target/spark-venv");
        let python = venv.join("bin/python");
        let installed = |python: &Path| {
            Command::new(python)
                .args(["-c", "import pyspark; print(pyspark.__version__)"])
                .stderr(Stdio::null())
                .output()
                .is_ok_and(|out| out.status.success() && text(&out.stdout).trim() == PYSPARK)
        };
        if installed(&python) {
            eprintln!("spark: reusing pyspark {PYSPARK} in {}", venv.display());
            return python;
        }
        let started = Instant::now();
        run("python3 -m venv", Command::new("python3").args(["-m", "venv", "--clear"]).arg(&venv));
        run(
            "pip install pyspark",
            Command::new(&python).args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                &format!("pyspark=={PYSPARK}"),
            ]),
        );
        assert!(installed(&python), "pyspark {PYSPARK} does not import from {}", python.display());
        eprintln!("spark: installed pyspark {PYSPARK} in {} in {:.0?}", venv.display(), started.elapsed());
        python
    })
}

/// What the Arrow recipe needs beside pyspark: Arrow and pandas at versions pyspark 3.5 supports, and maturin to
/// build the module.
const ARROW_PACKAGES: &[&str] = &["pyarrow==17.0.0", "pandas==2.2.3", "maturin==1.16.0"];

/// The Spark venv with the Arrow packages and the module `designate` built from `bindings/python` installed.
fn arrow_python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        // pyspark first (the pipe recipe's venv), then what the Arrow recipe adds to it.
        let spark = venv_python();
        let python = venv("spark-venv", ARROW_PACKAGES);
        assert_eq!(python, spark, "one venv for both recipes");
        install_module(&python);
        python
    })
}

/// `JAVA_TOOL_OPTIONS` for every JVM a test starts (Spark's launcher and driver): the caller's own options, and
/// `-XX:-UsePerfData`, so that no JVM leaves `/tmp/hsperfdata_<user>` behind (a JVM with perf data makes that
/// folder and never removes it). The JVM notes the options on stderr ("Picked up JAVA_TOOL_OPTIONS").
fn without_perf_data() -> String {
    match std::env::var("JAVA_TOOL_OPTIONS") {
        Ok(own) if !own.trim().is_empty() => format!("{own} -XX:-UsePerfData"),
        _ => "-XX:-UsePerfData".to_owned(),
    }
}

/// The JVMs' perf-data folder, `/tmp/hsperfdata_<user>` (Linux: always under /tmp, whatever TMPDIR says).
fn perf_data_folder() -> PathBuf {
    let user = run("id -un", Command::new("id").arg("-un"));
    PathBuf::from(format!("/tmp/hsperfdata_{}", text(&user.stdout).trim()))
}

/// Fails when `/tmp/hsperfdata_<user>`, absent before a test's JVMs ran (`absent_before`), is there after them.
fn assert_no_perf_data_left(absent_before: bool) {
    let folder = perf_data_folder();
    assert!(
        !absent_before || !folder.exists(),
        "a JVM of the test left {} behind (every JVM should run with -XX:-UsePerfData)",
        folder.display()
    );
}

/// `spark-submit --master local[2] docs/scale/spark_arrow.py INPUT OUT rules/2024-06 4 [extra]`, as
/// docs/scale.md shows it; the output is returned whatever the exit status.
fn spark_arrow(input: &Path, out: &Path, extra: &[&str]) -> Output {
    let python = arrow_python();
    let started = Instant::now();
    let output = Command::new(python.with_file_name("spark-submit"))
        .args(["--master", "local[2]", "--conf", "spark.ui.enabled=false"])
        .arg(workspace().join("docs/scale/spark_arrow.py"))
        .arg(input)
        .arg(out)
        .arg(workspace().join("rules/2024-06"))
        .arg("4")
        .args(extra)
        .env("PYSPARK_PYTHON", python)
        .env_remove("PYSPARK_DRIVER_PYTHON")
        .env_remove("SPARK_HOME")
        .env("SPARK_LOCAL_IP", "127.0.0.1")
        .env("JAVA_TOOL_OPTIONS", without_perf_data())
        .current_dir(workspace())
        .stdin(Stdio::null())
        .output()
        .expect("spark-submit starts");
    eprintln!("spark: spark-submit (arrow) ran in {:.1?} ({})", started.elapsed(), output.status);
    output
}

/// `spark-submit --master local[2] docs/scale/spark_score.py INPUT OUT designate rules/2024-06 4 [extra]`, as
/// docs/scale.md shows it; the output is returned whatever the exit status.
fn spark_score(input: &Path, out: &Path, extra: &[&str]) -> Output {
    let python = venv_python();
    let started = Instant::now();
    let output = Command::new(python.with_file_name("spark-submit"))
        .args(["--master", "local[2]", "--conf", "spark.ui.enabled=false"])
        .arg(workspace().join("docs/scale/spark_score.py"))
        .arg(input)
        .arg(out)
        .arg(env!("CARGO_BIN_EXE_designate"))
        .arg(workspace().join("rules/2024-06"))
        .arg("4")
        .args(extra)
        .env("PYSPARK_PYTHON", python)
        .env_remove("PYSPARK_DRIVER_PYTHON")
        .env_remove("SPARK_HOME")
        .env("SPARK_LOCAL_IP", "127.0.0.1")
        .env("JAVA_TOOL_OPTIONS", without_perf_data())
        .current_dir(workspace())
        .stdin(Stdio::null())
        .output()
        .expect("spark-submit starts");
    eprintln!("spark: spark-submit ran in {:.1?} ({})", started.elapsed(), output.status);
    output
}

/// The result lines of a saveAsTextFile (or DataFrame.write.text) folder: its part files, in name order (Spark's
/// checksum files `.part-*.crc` are not parts).
fn part_lines(dir: &Path) -> Vec<String> {
    assert!(dir.join("_SUCCESS").is_file(), "{} has no _SUCCESS marker", dir.display());
    let mut parts: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("part-")))
        .collect();
    parts.sort();
    parts
        .iter()
        .flat_map(|p| std::fs::read_to_string(p).unwrap().lines().map(str::to_owned).collect::<Vec<_>>())
        .collect()
}

/// A generated portfolio of `partners` partners (seed 11) in `dir`, and its single-machine results.
fn portfolio(dir: &Path, partners: usize) -> (PathBuf, Vec<String>) {
    let out = run(
        "designate generate",
        Command::new(env!("CARGO_BIN_EXE_designate")).args([
            "generate",
            "--partners",
            &partners.to_string(),
            "--seed",
            "11",
        ]),
    );
    let path = dir.join("portfolio.ndjson");
    std::fs::write(&path, &out.stdout).unwrap();
    let scored = run(
        "designate score -",
        Command::new(env!("CARGO_BIN_EXE_designate"))
            .args(["score", "--rules", "rules/2024-06", "-"])
            .current_dir(workspace())
            .stdin(std::fs::File::open(&path).unwrap()),
    );
    (path, text(&scored.stdout).lines().map(str::to_owned).collect())
}

#[test]
fn spark_local_mode_gives_the_single_machine_results() {
    let perf_data_absent = !perf_data_folder().exists();
    eprintln!("spark: {}", java());
    let dir = scratch("same");
    let (input, mut single) = portfolio(&dir, 300);
    assert_eq!(single.len(), 300, "the single-machine run scores every partner");

    let out = dir.join("results");
    let spark = spark_score(&input, &out, &[]);
    assert!(
        spark.status.success(),
        "spark_score.py failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
        spark.status,
        text(&spark.stdout),
        text(&spark.stderr)
    );
    let mut distributed = part_lines(&out);
    assert_eq!(distributed.len(), 300, "one result per partner");

    // Pipe keeps order within a partition, not across them: compare the results as sorted lines. Results
    // are deterministic JSON, so the same partner scored anywhere gives the same bytes.
    single.sort();
    distributed.sort();
    assert!(single == distributed, "Spark's results differ from the single-machine run's");

    // Every partition's process used the same rules: one version and one digest across all results.
    let mut digests: Vec<String> = distributed
        .iter()
        .map(|line| {
            let result: serde_json::Value = serde_json::from_str(line).expect("each result is JSON");
            result["rules"]["digest"].as_str().expect("each result names its rule digest").to_owned()
        })
        .collect();
    digests.sort();
    digests.dedup();
    assert_eq!(digests.len(), 1, "one rule digest across every partition: {digests:?}");
    assert_no_perf_data_left(perf_data_absent);
}

#[test]
fn a_partner_that_cannot_be_scored_fails_the_job_unless_keep_going() {
    eprintln!("spark: {}", java());
    let dir = scratch("bad");
    let (good, _) = portfolio(&dir, 40);
    let lines = std::fs::read_to_string(good).unwrap();
    let mut lines: Vec<&str> = lines.lines().collect();
    lines.insert(17, r#"{"partner":{"id":"p-broken","name":"No as_of"}}"#);
    let input = dir.join("with-bad.ndjson");
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();

    // designate's stderr is the executor's (in local mode, spark-submit's); the script's own messages come out
    // on spark-submit's stdout, where Spark merges the Python driver's stdout and stderr.
    let failed = spark_score(&input, &dir.join("strict"), &[]);
    let (stdout, stderr) = (text(&failed.stdout), text(&failed.stderr));
    assert_eq!(failed.status.code(), Some(1), "the job fails loudly:\n{stdout}\n{stderr}");
    assert!(stderr.contains("missing field `as_of`"), "designate's own message reaches stderr:\n{stderr}");
    assert!(stdout.contains("error: scoring failed: ") && stdout.contains("PIPE_FUNCTION_EXITED"), "{stdout}");

    let kept = spark_score(&input, &dir.join("kept"), &["--keep-going"]);
    let (stdout, stderr) = (text(&kept.stdout), text(&kept.stderr));
    assert_eq!(kept.status.code(), Some(1), "a missing result still fails the script:\n{stdout}\n{stderr}");
    assert!(stdout.contains("scored 40 of 41 partners"), "{stdout}");
    assert_eq!(part_lines(&dir.join("kept")).len(), 40, "the other partners' results are kept");
}

/// issue 15: the `mapInArrow` recipe (the Python module in the executors' Python workers, no pipe, so Spark
/// Connect too) gives, line for line, the bytes of the single-machine `designate score -` run.
#[test]
fn spark_map_in_arrow_gives_the_single_machine_results() {
    let perf_data_absent = !perf_data_folder().exists();
    eprintln!("spark: {}", java());
    let dir = scratch("arrow-same");
    let (input, mut single) = portfolio(&dir, 300);
    let out = dir.join("results");
    let spark = spark_arrow(&input, &out, &[]);
    assert!(
        spark.status.success(),
        "spark_arrow.py failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
        spark.status,
        text(&spark.stdout),
        text(&spark.stderr)
    );
    let mut distributed = part_lines(&out);
    assert_eq!(distributed.len(), 300, "one result per partner");
    single.sort();
    distributed.sort();
    assert!(single == distributed, "the Arrow recipe's results differ from the single-machine run's");
    assert_no_perf_data_left(perf_data_absent);
}

/// issue 15: in the Arrow recipe a bad partner fails the job with its located message, unless `--keep-going`,
/// which keeps the others and still fails the script on the count.
#[test]
fn map_in_arrow_fails_on_a_bad_partner_unless_keep_going() {
    eprintln!("spark: {}", java());
    let dir = scratch("arrow-bad");
    let (good, _) = portfolio(&dir, 40);
    let lines = std::fs::read_to_string(good).unwrap();
    let mut lines: Vec<&str> = lines.lines().collect();
    lines.insert(17, r#"{"partner":{"id":"p-broken","name":"No as_of"}}"#);
    let input = dir.join("with-bad.ndjson");
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();

    let failed = spark_arrow(&input, &dir.join("strict"), &[]);
    let (stdout, stderr) = (text(&failed.stdout), text(&failed.stderr));
    assert_eq!(failed.status.code(), Some(1), "the job fails loudly:\n{stdout}\n{stderr}");
    let all = format!("{stdout}\n{stderr}");
    assert!(all.contains("error: scoring failed: "), "{all}");
    assert!(all.contains("missing field `as_of`"), "the partner's own message is shown:\n{all}");

    let kept = spark_arrow(&input, &dir.join("kept"), &["--keep-going"]);
    let (stdout, stderr) = (text(&kept.stdout), text(&kept.stderr));
    let all = format!("{stdout}\n{stderr}");
    assert_eq!(kept.status.code(), Some(1), "a missing result still fails the script:\n{all}");
    assert!(all.contains("scored 40 of 41 partners"), "{all}");
    assert!(all.contains("missing field `as_of`"), "the bad partner is reported:\n{all}");
    assert_eq!(part_lines(&dir.join("kept")).len(), 40, "the other partners' results are kept");
}
