//! Embeds the shipped rule sets (every file under `../rules/<version>/`, except `tests/`) into the binary, so that
//! an installed `designate` scores with them wherever it runs (`cli/src/rules_dir.rs` falls back to them when no
//! `rules/` folder is found on disk).
//!
//! The script writes `$OUT_DIR/embedded_rules.rs`: one `include_bytes!` per file, by absolute path, so the bytes
//! are the files' own. It reads `../rules` relative to this crate, which exists in a workspace build only: the
//! binary is built from the workspace (`cargo build`, `cargo install --path cli`), never from a packaged crate
//! alone, so `cargo package`-style concerns (files outside the crate) do not apply. Without the folder, the binary
//! embeds no rules and needs `--rules` or a `rules/` folder, as before.
//!
//! Files are listed as the engine lists a folder (hidden files and folders skipped, symbolic links not
//! followed, sorted by path), so that the embedded rules and the folder have one digest. `tests/` of a version
//! holds rule tests, which are not part of a rule set.
//!
//! It also copies `../rules/partner-center.toml`, the mapping from Partner Center exports to partner files
//! (`cli/src/exports/mapping.rs`), to `$OUT_DIR/partner_center_mapping.toml` for `include_str!`. The mapping is not
//! a rule version (it has no `program.toml`), so no rule set or digest covers it. Without the file, the binary
//! has an empty mapping and needs `--mapping`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let rules = manifest.join("..").join("rules");
    // A directory: cargo rebuilds when any file under it changes, so an edited rule is embedded at the next build.
    println!("cargo:rerun-if-changed={}", rules.display());
    println!("cargo:rerun-if-changed=build.rs");
    let mut code = String::from("/// One file of a rule set: its relative path (`/` between parts) and its bytes.\n");
    code.push_str("pub type File = (&'static str, &'static [u8]);\n");
    code.push_str("/// The shipped rule sets: (version folder name, its files).\n");
    code.push_str("pub static EMBEDDED: &[(&str, &[File])] = &[\n");
    for (version, dir) in versions(&rules) {
        let mut files = Vec::new();
        walk(&dir, Path::new(""), &mut files);
        files.sort();
        let _ = writeln!(code, "    ({version:?}, &[");
        for rel in files {
            let name: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
            let absolute = dir.join(&rel).canonicalize().expect("a listed rule file can be resolved");
            let _ =
                writeln!(code, "        ({:?}, include_bytes!({:?})),", name.join("/"), absolute.display().to_string());
        }
        code.push_str("    ]),\n");
    }
    code.push_str("];\n");
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out_dir.join("embedded_rules.rs"), code).expect("OUT_DIR is writable");
    let mapping = std::fs::read_to_string(rules.join("partner-center.toml")).unwrap_or_default();
    std::fs::write(out_dir.join("partner_center_mapping.toml"), mapping).expect("OUT_DIR is writable");
}

/// The version folders of the rules root (those holding a `program.toml`), by name.
fn versions(root: &Path) -> Vec<(String, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(root) else { return Vec::new() };
    let mut out: Vec<(String, PathBuf)> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("program.toml").is_file())
        .filter_map(|e| e.file_name().to_str().map(|n| (n.to_owned(), e.path())))
        .collect();
    out.sort();
    out
}

/// Every regular file under `root/rel`, relative to `root`: hidden entries and the version's `tests/` skipped,
/// symbolic links left out (the engine refuses one that leads outside the folder; the shipped rules have none).
fn walk(root: &Path, rel: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(root.join(rel)).expect("a rules folder can be read");
    for entry in entries {
        let entry = entry.expect("a rules folder entry can be read");
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') || (rel.as_os_str().is_empty() && name == "tests") {
            continue;
        }
        let rel = rel.join(&name);
        let kind = entry.file_type().expect("a rules folder entry has a type");
        if kind.is_dir() {
            walk(root, &rel, out);
        } else if kind.is_file() {
            out.push(rel);
        }
    }
}
