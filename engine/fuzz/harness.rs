// The fuzz harness, shared by the cargo-fuzz targets (`engine/fuzz/fuzz_targets/*.rs`, nightly) and the
// corpus regression test (`engine/tests/fuzz_corpus.rs`, stable), which both `include!` this file.
//
// Each function takes the raw fuzz input and must return without panicking, whatever the bytes; errors
// from the engine are expected and ignored. The functions keep per-process state (the shipped rule set,
// a scratch copy of it, a scratch script file) so that one run costs little.

#[allow(unused_imports)]
use std::path::{Path, PathBuf};
#[allow(unused_imports)]
use std::sync::{Arc, Mutex, OnceLock};

use designate_engine::script::{sandbox, Script};
use designate_engine::{score, Format, Partner, RuleSet};
use rust_decimal::Decimal;

/// The rule set the partner target scores with and the rules target mutates.
const FUZZ_RULE_VERSION: &str = "2024-06";

/// The workspace root: the first folder above the including crate that holds `rules/`.
fn fuzz_workspace() -> PathBuf {
    let start = Path::new(env!("CARGO_MANIFEST_DIR"));
    start
        .ancestors()
        .find(|dir| dir.join("rules").join(FUZZ_RULE_VERSION).join("program.toml").is_file())
        .unwrap_or_else(|| panic!("no rules/{FUZZ_RULE_VERSION} above {}", start.display()))
        .to_path_buf()
}

fn fuzz_rules_dir() -> PathBuf {
    fuzz_workspace().join("rules").join(FUZZ_RULE_VERSION)
}

/// Where [`fuzz_scratch`] puts the folder `name` of this process. The per-process state holding it is never
/// dropped, so the process cannot remove it: `engine/tests/fuzz_corpus.rs` does once it has replayed a target,
/// and the next [`fuzz_scratch`] removes those of fuzzing processes that have ended.
fn fuzz_scratch_dir(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("designate-fuzz-{}-{name}", std::process::id()))
}

/// Removes the scratch folders (`designate-fuzz-<pid>-<name>`) of processes that no longer run, where the
/// system says which run (`/proc`); a folder of a running process, or of a pid taken again, is left as it is.
fn fuzz_remove_ended() {
    let proc = Path::new("/proc");
    if !proc.join("self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some((pid, _)) = name.to_str().and_then(|n| n.strip_prefix("designate-fuzz-")?.split_once('-')) else {
            continue;
        };
        if pid.parse::<u32>().is_ok() && !proc.join(pid).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// A folder of its own for this process under the system's temp folder (the folders of ended fuzzing
/// processes removed first).
fn fuzz_scratch(name: &str) -> PathBuf {
    fuzz_remove_ended();
    let dir = fuzz_scratch_dir(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the scratch folder");
    dir
}

// ---------------------------------------------------------------------------------------------------------------
// partner: the bytes as a partner file in every format; a valid partner is scored and its report written out.

fn fuzz_shipped_rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| {
        RuleSet::load(&fuzz_rules_dir()).unwrap_or_else(|e| panic!("the shipped rules do not load: {e:?}"))
    })
}

pub fn fuzz_partner(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // The fast JSON reader gives up or reads what serde_json reads.
    assert!(designate_engine::partner::json_readers_agree(text), "the JSON readers disagree on {text:?}");
    for format in [Format::Yaml, Format::Json, Format::Toml] {
        let Ok(partner) = Partner::parse(text, format, "fuzz") else { continue };
        let Ok(report) = score(fuzz_shipped_rules(), &partner) else { continue };
        let _ = report.to_json_line();
        let _ = report.to_yaml();
    }
}

// ---------------------------------------------------------------------------------------------------------------
// rules: the first byte picks a file of a scratch copy of the shipped rule set, the rest replaces its content,
// and the folder is loaded. The file is put back afterwards.

/// The files the first byte chooses from (`data[0] % len`). A file missing from the shipped set is created
/// for the run and removed afterwards, so this list may lag behind the rule files without breaking anything.
const FUZZ_RULE_FILES: &[&str] = &[
    "program.toml",
    "catalogue/certifications.toml",
    "catalogue/products.toml",
    "designations/business-applications.toml",
    "designations/data-ai.toml",
    "designations/digital-app-innovation.toml",
    "designations/infrastructure.toml",
    "designations/modern-work.toml",
    "designations/security.toml",
    "scripts/growth-against-target.rhai",
    "scripts/security-growth.rhai",
    "scripts/share-of-max.rhai",
];

fn fuzz_copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create a folder of the rules copy");
    for entry in std::fs::read_dir(from).expect("read the shipped rules") {
        let entry = entry.expect("read the shipped rules");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            fuzz_copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy a rule file");
        }
    }
}

/// The scratch copy of the rule set and every choosable file's original content (None: not shipped).
struct FuzzRulesCopy {
    dir: PathBuf,
    originals: Vec<Option<Vec<u8>>>,
}

fn fuzz_rules_copy() -> &'static Mutex<FuzzRulesCopy> {
    static COPY: OnceLock<Mutex<FuzzRulesCopy>> = OnceLock::new();
    COPY.get_or_init(|| {
        let dir = fuzz_scratch("rules").join(FUZZ_RULE_VERSION);
        fuzz_copy_dir(&fuzz_rules_dir(), &dir);
        let originals = FUZZ_RULE_FILES.iter().map(|f| std::fs::read(dir.join(f)).ok()).collect();
        Mutex::new(FuzzRulesCopy { dir, originals })
    })
}

pub fn fuzz_rules(data: &[u8]) {
    let Some((&pick, content)) = data.split_first() else { return };
    // A panic in an earlier run (under the test harness) poisons the lock; the copy is restored below anyway.
    let copy = fuzz_rules_copy().lock().unwrap_or_else(|e| e.into_inner());
    let index = pick as usize % FUZZ_RULE_FILES.len();
    let path = copy.dir.join(FUZZ_RULE_FILES[index]);
    std::fs::create_dir_all(path.parent().expect("a rule file has a folder")).expect("create a rules folder");
    std::fs::write(&path, content).expect("write the fuzzed rule file");

    // Put the file back even if loading panics, so that the next input starts from the shipped rules.
    struct Restore<'a>(&'a Path, &'a Option<Vec<u8>>);
    impl Drop for Restore<'_> {
        fn drop(&mut self) {
            match self.1 {
                Some(original) => std::fs::write(self.0, original).expect("restore a rule file"),
                None => std::fs::remove_file(self.0).expect("remove a fuzzed rule file"),
            }
        }
    }
    let _restore = Restore(&path, &copy.originals[index]);
    let _ = RuleSet::load(&copy.dir);
}

// ---------------------------------------------------------------------------------------------------------------
// script: the bytes as a rhai formula, compiled in the rules' sandbox and run with typical inputs.

/// The names a fuzzed script may read: `units` and `max_points`, which every formula gets, and the params
/// the shipped formulas use, so that the shipped scripts are meaningful seeds.
const FUZZ_SCRIPT_INPUTS: &[(&str, i64)] = &[
    ("units", 7),
    ("max_points", 40),
    ("target", 150),
    ("full_units", 6),
    ("places", 1),
    ("m365", 300),
    ("azure", 2_500),
    ("m365_per_point", 100),
    ("azure_per_point", 1_250),
];

struct FuzzScriptState {
    engine: Arc<rhai::Engine>,
    file: PathBuf,
}

fn fuzz_script_state() -> &'static Mutex<FuzzScriptState> {
    static STATE: OnceLock<Mutex<FuzzScriptState>> = OnceLock::new();
    STATE.get_or_init(|| {
        let file = fuzz_scratch("script").join("fuzz.rhai");
        Mutex::new(FuzzScriptState { engine: Arc::new(sandbox()), file })
    })
}

pub fn fuzz_script(data: &[u8]) {
    let state = fuzz_script_state().lock().unwrap_or_else(|e| e.into_inner());
    std::fs::write(&state.file, data).expect("write the fuzzed script");
    let names: Vec<String> = FUZZ_SCRIPT_INPUTS.iter().map(|(name, _)| (*name).to_owned()).collect();
    let Ok(script) = Script::compile(&state.engine, &state.file, "fuzz.rhai", &names) else { return };
    // Typical values, then edge values: zero (division by zero) and the largest decimal (overflow).
    for units in [Decimal::from(7), Decimal::ZERO, Decimal::MAX] {
        let inputs: Vec<(String, Decimal)> = FUZZ_SCRIPT_INPUTS
            .iter()
            .map(|&(name, v)| (name.to_owned(), if name == "units" { units } else { Decimal::from(v) }))
            .collect();
        let _ = script.run(&inputs, "fuzzing");
    }
}
