//! Where a rule set's files come from: a folder on disk, or files held in memory (a `--set` what-if, a
//! test, an embedding program), as a [`RuleSource`].
//!
//! This module owns reading: listing a folder (hidden files skipped), reading each file once under the same
//! limits (regular files inside the folder only, at most 10 MB), and the digest over exactly those bytes. The
//! compiler sees the same `(relative path, bytes)` list whichever the source, so a folder and its copy in memory
//! compile alike, name their files alike in messages and have one digest.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::codes;
use crate::error::{Error, Located};

/// The files of one rule set: a folder, or relative paths and their bytes held in memory.
///
/// ```
/// use std::collections::BTreeMap;
/// use designate_engine::rules::RuleSource;
///
/// let files = BTreeMap::from([("program.toml".to_owned(), b"version = \"draft\"".to_vec())]);
/// let source = RuleSource::Files { root: "rules/draft".into(), files };
/// assert_eq!(source.root().display().to_string(), "rules/draft");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleSource {
    /// A rule set folder (`rules/2024-06`), read when the rule set is loaded.
    Dir(PathBuf),
    /// Files in memory: each relative path (`program.toml`, `designations/data-ai.toml`, with `/` between
    /// parts) and its bytes. `root` is where they are said to live: messages name `root/<path>`, and the
    /// version is checked against its last part as against a folder's name. Nothing is read from `root`.
    Files { root: PathBuf, files: BTreeMap<String, Vec<u8>> },
}

/// The files of a rule set as read: each file read (relative path with `/`, bytes) in listing order, and
/// each file refused with its problem.
pub(crate) struct Read {
    pub files: Vec<(String, Vec<u8>)>,
    pub refused: Vec<(String, Error)>,
}

impl RuleSource {
    /// Where the files live, or are said to: the folder, or the `root` of files in memory.
    pub fn root(&self) -> &Path {
        match self {
            RuleSource::Dir(dir) => dir,
            RuleSource::Files { root, .. } => root,
        }
    }

    /// Reads the folder `dir` into memory exactly as loading it would read it (same files, same limits), for
    /// editing before it is compiled; a file refused, or a folder that is not a rule set, is an error.
    pub fn read_dir(dir: &Path) -> Result<RuleSource, Vec<Error>> {
        let read = RuleSource::Dir(dir.to_owned()).read()?;
        if !read.refused.is_empty() {
            return Err(read.refused.into_iter().map(|(_, e)| e).collect());
        }
        Ok(RuleSource::Files { root: dir.to_owned(), files: read.files.into_iter().collect() })
    }

    /// The name of `rel` in messages: `root/rel`.
    pub(crate) fn shown(&self, rel: &str) -> String {
        self.root().join(rel).display().to_string()
    }

    /// Every file of the rule set, read once: the only bytes the compiler and the digest see.
    pub(crate) fn read(&self) -> Result<Read, Vec<Error>> {
        match self {
            RuleSource::Dir(dir) => {
                let shown_dir = dir.display().to_string();
                if !dir.join("program.toml").is_file() {
                    let mut err =
                        Error::new(Located::file(&shown_dir), "not a rule set: no program.toml in this folder")
                            .with_code(codes::NOT_A_RULE_SET);
                    if let Some(versions) = version_dirs(dir).ok().filter(|v| !v.is_empty()) {
                        let names: Vec<String> = versions
                            .iter()
                            .filter_map(|p| p.file_name())
                            .map(|n| n.to_string_lossy().into_owned())
                            .collect();
                        err = err.with_hint(format!("this folder holds rule versions: {}", names.join(", ")));
                    }
                    return Err(vec![err]);
                }
                let listed = list_files(dir).map_err(|e| {
                    vec![Error::new(Located::file(&shown_dir), format!("cannot read folder: {e}"))
                        .with_code(codes::UNREADABLE)]
                })?;
                let (files, refused) = read_rule_files(dir, &listed);
                Ok(Read { files, refused })
            }
            RuleSource::Files { files, .. } => {
                if !files.contains_key("program.toml") {
                    return Err(vec![Error::new(
                        Located::file(&self.root().display().to_string()),
                        "not a rule set: no program.toml among its files",
                    )
                    .with_code(codes::NOT_A_RULE_SET)]);
                }
                let mut read = Read { files: Vec::new(), refused: Vec::new() };
                // In the order a folder is listed (by path, part by part), so that a folder and its copy in
                // memory have one digest.
                let mut names: Vec<&String> = files.keys().collect();
                names.sort_by(|a, b| Path::new(a).cmp(Path::new(b)));
                for name in names {
                    let bytes = &files[name];
                    let path = Path::new(name);
                    let refuse = |code, message: &str| {
                        (name.clone(), Error::new(Located::file(&self.shown(name)), message).with_code(code))
                    };
                    // Exactly as a folder's listing names files: parts between `/`, none empty, `.` or `..`.
                    let well_formed = !name.contains('\\')
                        && name.split('/').all(|p| !p.is_empty() && p != "." && p != "..")
                        && path.components().all(|c| matches!(c, Component::Normal(_)));
                    if !well_formed {
                        read.refused.push(refuse(
                            codes::OUTSIDE_FOLDER,
                            "not a relative path inside the rule set (use `/` between parts)",
                        ));
                    } else if path.components().any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
                        || name.starts_with(&format!("{TESTS_DIR}/"))
                    {
                        // As a folder's listing skips them, so does memory: hidden files and the rule tests are
                        // not part of a rule set.
                        continue;
                    } else if bytes.len() as u64 > MAX_RULE_FILE_BYTES {
                        read.refused.push(refuse(
                            codes::TOO_LARGE,
                            &format!(
                                "file is larger than the {} MB a rule file may have",
                                MAX_RULE_FILE_BYTES / (1024 * 1024)
                            ),
                        ));
                    } else {
                        read.files.push((name.clone(), bytes.clone()));
                    }
                }
                Ok(read)
            }
        }
    }
}

/// `rel` with `.` and `..` resolved by name, for files in memory (which have no links): `None` when it leaves
/// the rule set or is absolute.
pub(crate) fn normalize(rel: &Path) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    for c in rel.components() {
        match c {
            Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(parts.join("/"))
}

/// The version folders under a rules root, sorted by name.
pub(crate) fn version_dirs(root: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("program.toml").is_file())
        .collect();
    dirs.sort();
    Ok(dirs)
}

/// The folder of a rule set that holds its rule tests (`rules/<version>/tests/*.toml`): never part of the rule set.
pub const TESTS_DIR: &str = "tests";

/// Every entry under `dir` that is not a folder (relative paths, sorted), skipping hidden files and folders and
/// the rule tests folder [`TESTS_DIR`] at the top.
///
/// Symbolic links are listed, not followed (a link to a folder is an entry like any other), so that a link
/// cannot lead the walk out of the folder or round in a loop; [`read_rule_file`] decides what may be read.
pub(crate) fn list_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    fn walk(root: &Path, rel: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
        for entry in std::fs::read_dir(root.join(rel))? {
            let entry = entry?;
            let name = entry.file_name();
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            // The rule tests beside the rules (`tests/*.toml`, run by `designate test`) are not rule files:
            // not compiled, not in the digest, so adding a case never changes the rules' identity.
            if rel.as_os_str().is_empty() && name == TESTS_DIR && entry.file_type()?.is_dir() {
                continue;
            }
            let rel = rel.join(&name);
            if entry.file_type()?.is_dir() {
                walk(root, &rel, out)?;
            } else {
                out.push(rel);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, Path::new(""), &mut out)?;
    out.sort();
    Ok(out)
}

/// The largest rule file read, in bytes (10 MB): far above any real rule file or script, and low enough that a
/// huge or endless file cannot exhaust memory. [rules.md](../../docs/rules.md) documents it.
pub const MAX_RULE_FILE_BYTES: u64 = 10 * 1024 * 1024;

/// Reads one file of the rule folder `dir`, refusing anything but a regular file inside the folder.
///
/// A FIFO or a device is never opened (opening a FIFO waits for a writer; `/dev/zero` never ends). A symbolic
/// link is followed only when it resolves to a regular file inside the folder, so that every byte a rule set
/// uses is in the folder and so in its digest. Reads stop at [`MAX_RULE_FILE_BYTES`].
pub(crate) fn read_rule_file(dir: &Path, rel: &Path) -> Result<Vec<u8>, Error> {
    use std::io::Read;
    let path = dir.join(rel);
    let shown = path.display().to_string();
    let refuse = |message: String| Error::new(Located::file(&shown), message).with_code(codes::UNREADABLE);
    let own = std::fs::symlink_metadata(&path).map_err(|e| refuse(format!("cannot read file: {e}")))?;
    let (meta, via) = if own.file_type().is_symlink() {
        let target = std::fs::canonicalize(&path)
            .map_err(|_| refuse("a symbolic link to a file that does not exist".to_owned()))?;
        let root = std::fs::canonicalize(dir).map_err(|e| refuse(format!("cannot read folder: {e}")))?;
        if !target.starts_with(&root) {
            return Err(refuse(format!("a symbolic link leading outside the rule folder (to {})", target.display()))
                .with_code(codes::OUTSIDE_FOLDER)
                .with_hint("rule files must live inside the rule folder: copy the file in instead of linking to it"));
        }
        let meta = std::fs::metadata(&path).map_err(|e| refuse(format!("cannot read file: {e}")))?;
        (meta, "a symbolic link to ")
    } else {
        (own, "")
    };
    if !meta.is_file() {
        return Err(refuse(format!("not a regular file ({via}{})", kind_of(meta.file_type()))));
    }
    let too_big = || {
        refuse(format!("file is larger than the {} MB a rule file may have", MAX_RULE_FILE_BYTES / (1024 * 1024)))
            .with_code(codes::TOO_LARGE)
    };
    if meta.len() > MAX_RULE_FILE_BYTES {
        return Err(too_big());
    }
    let file = std::fs::File::open(&path).map_err(|e| refuse(format!("cannot read file: {e}")))?;
    let mut bytes = Vec::new();
    // `take` holds even when the file grows after the size was looked at.
    file.take(MAX_RULE_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(|e| refuse(format!("cannot read file: {e}")))?;
    if bytes.len() as u64 > MAX_RULE_FILE_BYTES {
        return Err(too_big());
    }
    Ok(bytes)
}

/// What a file system entry is, in words, for "not a regular file (...)".
fn kind_of(t: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a folder"
    } else if t.is_symlink() {
        "a symbolic link"
    } else {
        "a special file"
    }
}

/// A file's path relative to its rule folder, as messages and the digest write it (`/` between parts).
pub(crate) fn rel_name(rel: &Path) -> String {
    rel.to_string_lossy().replace('\\', "/")
}

/// Files in listing order, each as its relative path (with `/`) and its bytes.
pub(crate) type FilesRead = Vec<(String, Vec<u8>)>;

/// Reads every listed file: the files read, in listing order, and each file refused with its problem.
pub(crate) fn read_rule_files(dir: &Path, listed: &[PathBuf]) -> (FilesRead, Vec<(String, Error)>) {
    let mut read = Vec::new();
    let mut refused = Vec::new();
    for rel in listed {
        match read_rule_file(dir, rel) {
            Ok(bytes) => read.push((rel_name(rel), bytes)),
            Err(e) => refused.push((rel_name(rel), e)),
        }
    }
    (read, refused)
}

/// SHA-256 over every file's relative path and bytes, in path order, so any edit changes it.
pub(crate) fn digest(files: &[(String, Vec<u8>)]) -> String {
    let mut hasher = Sha256::new();
    for (name, bytes) in files {
        hasher.update((name.len() as u64).to_le_bytes());
        hasher.update(name.as_bytes());
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    }
    let hex: String = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}
