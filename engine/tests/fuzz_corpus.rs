//! The fuzz corpus as regression tests, on stable: every seed in `engine/fuzz/corpus/<target>/` and every
//! crash or timeout kept in `engine/fuzz/regressions/<target>/` goes through the same harness the cargo-fuzz
//! targets run (`engine/fuzz/harness.rs`), and must finish without a panic within 2 seconds.

// `Path`, `PathBuf` and the harness's own imports come with the include.
use std::time::{Duration, Instant};

include!("../fuzz/harness.rs");

/// The longest one input may take (a debug build; the fuzzer's own limit on an optimized build is far lower).
const LIMIT: Duration = Duration::from_secs(2);

/// The files of `engine/fuzz/<kind>/<target>/`, sorted; a missing folder has none.
fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join(kind).join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else { return Vec::new() };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("read a corpus folder").path())
        .filter(|p| p.is_file() && !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))
        .collect();
    files.sort();
    files
}

/// Runs every corpus and regression input of `target` through `harness`, then fails naming every input
/// that panicked or took longer than [`LIMIT`].
fn replay(target: &str, harness: fn(&[u8])) {
    // The harness's scratch folder for `target` (the rules and script targets have one, named after them) lives
    // in a static that is never dropped: remove it when the replay is done, passed or failed.
    struct RemoveScratch(PathBuf);
    impl Drop for RemoveScratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
    let _scratch = RemoveScratch(fuzz_scratch_dir(target));
    let files: Vec<PathBuf> = inputs("corpus", target).into_iter().chain(inputs("regressions", target)).collect();
    assert!(!inputs("corpus", target).is_empty(), "engine/fuzz/corpus/{target}/ has no seeds");
    // Warm up the per-process state (loading the shipped rules, copying them) outside the timed runs.
    harness(b"");
    let mut failures = Vec::new();
    for file in &files {
        let shown = file.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap_or(file).display().to_string();
        let data = std::fs::read(file).expect("read a corpus file");
        let started = Instant::now();
        let outcome = std::panic::catch_unwind(|| harness(&data));
        let took = started.elapsed();
        match outcome {
            Err(panic) => {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_else(|| "(no message)".to_owned());
                failures.push(format!("{shown}: panicked: {message}"));
            }
            Ok(()) if took > LIMIT => failures.push(format!("{shown}: took {took:?}, more than {LIMIT:?}")),
            Ok(()) => {}
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} {target} inputs failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

#[test]
fn partner_corpus_parses_and_scores_without_panics() {
    replay("partner", fuzz_partner);
}

#[test]
fn rules_corpus_loads_without_panics() {
    replay("rules", fuzz_rules);
}

#[test]
fn script_corpus_compiles_and_runs_without_panics() {
    replay("script", fuzz_script);
}

#[test]
fn scratch_folders_of_ended_processes_are_removed_and_those_of_running_ones_kept() {
    // A process that has ended: its pid, once waited for, runs nothing (unless taken again at once, which the
    // check below would show as a kept folder, not as a removed live one).
    let mut child = std::process::Command::new("true").spawn().expect("run true");
    let ended = child.id();
    child.wait().expect("wait for true");
    let temp = std::env::temp_dir();
    let of_ended = temp.join(format!("designate-fuzz-{ended}-scratch-test"));
    let of_running = temp.join(format!("designate-fuzz-{}-scratch-test-running", std::process::id()));
    let unrelated = temp.join(format!("designate-fuzz-notapid-{}", std::process::id()));
    for dir in [&of_ended, &of_running, &unrelated] {
        std::fs::create_dir_all(dir.join("inside")).unwrap();
    }
    let own = fuzz_scratch("scratch-test-own");
    assert!(own.is_dir());
    let removed = !of_ended.exists();
    let kept = (of_running.is_dir(), unrelated.is_dir());
    for dir in [&of_ended, &of_running, &unrelated, &own] {
        let _ = std::fs::remove_dir_all(dir);
    }
    if std::path::Path::new("/proc/self").exists() && !std::path::Path::new(&format!("/proc/{ended}")).exists() {
        assert!(removed, "the folder of ended process {ended} is still there");
    }
    assert_eq!(kept, (true, true), "a running process's folder and a name without a pid are kept");
}
