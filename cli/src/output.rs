//! Where everything the binary prints goes through: stdout (or `-o FILE`) for results, stderr for diagnostics,
//! files for `--html` and `gap -o`.
//!
//! `-o/--output FILE` is one argument type, [`OutputArg`]: a command flattens it into its arguments
//! (`#[command(flatten)] output: output::OutputArg`) and calls [`Stdout::redirect`] before its work; everything it
//! then writes to its [`Stdout`] goes to a temporary file beside FILE, renamed over FILE when the command ends
//! without error (`main` calls [`Stdout::finish`]). A failed command leaves FILE as it was; a folder that cannot
//! be written is reported before any work, `FILE: cannot write: ...`, exit status 2. `-` is stdout.
//!
//! `--quiet` ([`set_quiet`]) silences [`info`] lines (`ok:`, `wrote ...`) and the progress line; warnings and
//! errors still print.
//!
//! One writer so that every command treats its output alike: a reader that goes away (`| head`) ends the
//! output quietly and the command exits as if it had been read; any other write error (a full disk, a
//! closed descriptor) is one located line, `stdout: cannot write: ...`, and exit status 2, never a panic.
//! Text for people (tables, `diff` text, messages) has its control characters escaped here, at the boundary,
//! so that an id or a path holding an escape sequence cannot drive the terminal; data (JSON, CSV, YAML,
//! NDJSON) is written exactly as given.

use std::borrow::Cow;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{anyhow, Result};

/// `-o/--output FILE`, for every command that writes its output to stdout or a file. Flatten it into a command's
/// arguments and pass it to [`Stdout::redirect`].
#[derive(clap::Args, Clone, Debug, Default)]
pub struct OutputArg {
    /// Write the output to FILE instead of stdout (`-`: stdout). FILE is replaced only once the whole output is
    /// written; it is left as it was when the command fails.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

impl OutputArg {
    /// The file to write, `None` for stdout (no `-o`, or `-o -`).
    pub fn file(&self) -> Option<&Path> {
        self.output.as_deref().filter(|p| p.as_os_str() != "-")
    }
}

/// Standard output, buffered, for one command (or, for `bench`, any writer in its place; or, after
/// [`Stdout::redirect`], the file of `-o`).
pub struct Stdout {
    out: io::BufWriter<Box<dyn Write>>,
    /// The reader went away: later writes are dropped and the command finishes as if they had been read.
    closed: bool,
    /// What messages call the output: `stdout`, or the file of `-o`.
    name: String,
    /// With `-o FILE` (a regular file): the temporary file written, renamed over FILE by `finish`.
    pending: Option<Pending>,
}

/// The temporary file of `-o FILE` and what `finish` needs to put it in place.
struct Pending {
    path: PathBuf,
    /// Removed when dropped (a command that failed): FILE is left as it was.
    tmp: tempfile::TempPath,
    /// The same file as the writer's, to sync it to disk before the rename.
    file: std::fs::File,
}

impl Stdout {
    pub fn new() -> Stdout {
        Stdout::to(io::stdout().lock())
    }

    /// Another writer in stdout's place: `bench` runs `score -` into a sink that only counts.
    pub fn to(writer: impl Write + 'static) -> Stdout {
        Stdout { out: io::BufWriter::new(Box::new(writer)), closed: false, name: "stdout".to_owned(), pending: None }
    }

    /// Sends the command's output to the file of `-o` (nothing changes without one, or with `-o -`): a temporary
    /// file beside it now, so that a folder that cannot be written fails before any work, renamed over it by
    /// [`Stdout::finish`]. A file that is not a regular file (`/dev/null`, a pipe) is written in place. `inputs`
    /// are the files the command reads: `-o` naming one of them is refused, never written over it.
    pub fn redirect(&mut self, arg: &OutputArg, inputs: &[&Path]) -> Result<()> {
        let Some(path) = arg.file() else { return Ok(()) };
        // Anything written to stdout before the redirect (nothing, as commands redirect first) goes out first.
        self.finish()?;
        if inputs.iter().any(|input| same_file(input, path) || read_in_folder(input, path)) {
            return Err(anyhow!(
                "{}: -o names a file this command reads\n  hint: write the output to another file; the input is kept as it is",
                path.display()
            ));
        }
        let fail = |e: io::Error| anyhow!("{}: cannot write: {}", path.display(), reason(&e));
        let regular = match std::fs::metadata(path) {
            Ok(meta) => meta.is_file(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => true,
            Err(e) => return Err(fail(e)),
        };
        let writer: Box<dyn Write> = if regular {
            let (file, tmp) = temp_beside(path).map_err(fail)?.into_parts();
            let sync = file.try_clone().map_err(fail)?;
            self.pending = Some(Pending { path: path.to_owned(), tmp, file: sync });
            Box::new(file)
        } else {
            Box::new(std::fs::File::create(path).map_err(fail)?)
        };
        self.out = io::BufWriter::new(writer);
        self.name = path.display().to_string();
        Ok(())
    }

    /// Data for programs, written byte for byte.
    pub fn data(&mut self, text: &str) -> Result<()> {
        self.with(|w| w.write_all(text.as_bytes()))
    }

    /// Text for people, with control characters escaped.
    pub fn text(&mut self, text: &str) -> Result<()> {
        self.with(|w| w.write_all(escape(text).as_bytes()))
    }

    /// Hands the writer to `write` (for writers of the engine that take `impl Write`).
    pub fn with(&mut self, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<()> {
        if self.closed {
            return Ok(());
        }
        let result = write(&mut self.out);
        self.check(result)
    }

    /// Whether the reader has gone away (a long run may stop early: nobody reads the rest).
    pub fn closed(&self) -> bool {
        self.closed
    }

    /// Flushes everything written, at the end of a command; with `-o FILE`, syncs the temporary file and renames
    /// it over FILE.
    pub fn finish(&mut self) -> Result<()> {
        if self.closed {
            return Ok(());
        }
        let result = self.out.flush();
        self.check(result)?;
        if let Some(Pending { path, tmp, file }) = self.pending.take() {
            let fail = |e: io::Error| anyhow!("{}: cannot write: {}", path.display(), reason(&e));
            file.sync_all().map_err(fail)?;
            tmp.persist(&path).map_err(|e| fail(e.error))?;
        }
        Ok(())
    }

    /// Ends a command that failed: what went to stdout before the failure still goes out (a compare table
    /// before an unwritable `--html`); the temporary file of `-o` is removed, FILE left as it was.
    pub fn abandon(&mut self) {
        if let Some(pending) = self.pending.take() {
            self.closed = true;
            drop(pending);
            return;
        }
        let _ = self.finish();
    }

    fn check(&mut self, result: io::Result<()>) -> Result<()> {
        match result {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            Err(e) => {
                // Nothing more can be written. What is still buffered is tried once more when the writer is
                // dropped, which ignores errors.
                self.closed = true;
                Err(anyhow!("{}: cannot write: {}", self.name, reason(&e)))
            }
        }
    }
}

/// `--quiet`: no info lines.
static QUIET: AtomicBool = AtomicBool::new(false);

/// `--quiet`: from now on [`info`] prints nothing.
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// Whether `--quiet` was given: no progress line either.
pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// A line that tells what was done (`ok: ...`, `wrote ...`) on stderr, unless `--quiet`. Warnings and errors are
/// never info: they print whatever `--quiet` says.
pub fn info(message: &str) {
    if !quiet() {
        diag(message);
    }
}

/// Whether `path` is a file a command given the folder `input` may read: an existing file in it (at any depth) of
/// a kind read from folders (tables, partner files, rule files, snapshots, exports: `.csv`, `.parquet`, `.yaml`,
/// `.yml`, `.json`, `.toml`, `.ndjson`, `.rhai`). `score tables/ -o tables/usage.parquet` would otherwise replace
/// the table it read.
fn read_in_folder(input: &Path, path: &Path) -> bool {
    const READ: [&str; 8] = ["csv", "parquet", "yaml", "yml", "json", "toml", "ndjson", "rhai"];
    let kind =
        path.extension().and_then(|e| e.to_str()).is_some_and(|e| READ.contains(&e.to_ascii_lowercase().as_str()));
    if !kind || !input.is_dir() || !path.is_file() {
        return false;
    }
    match (input.canonicalize(), path.canonicalize()) {
        (Ok(folder), Ok(file)) => file.starts_with(folder),
        _ => false,
    }
}

/// Whether two paths name one existing file.
pub fn same_file(a: &Path, b: &Path) -> bool {
    a.canonicalize().ok().is_some_and(|a| b.canonicalize().ok().is_some_and(|b| a == b))
}

/// A message for people on stderr, escaped. A stderr that cannot be written is ignored: there is nowhere
/// left to say so, and a diagnostic must never turn into a panic.
pub fn diag(message: &str) {
    let mut err = io::stderr().lock();
    let _ = err.write_all(escape(message).as_bytes());
    let _ = err.write_all(b"\n");
}

/// Text for stderr that its renderer already made safe (every control character of the input escaped, as
/// [`crate::diagnostics::text`] does), written as it is: it may hold the renderer's own colours.
pub fn diag_rendered(text: &str) {
    let mut err = io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
}

/// `error: message` on stderr.
pub fn error(message: &str) {
    diag(&format!("error: {message}"));
}

/// `warning: message` on stderr.
pub fn warning(message: &str) {
    diag(&format!("warning: {message}"));
}

/// Writes a whole output file: through a temporary file renamed into place when `path` is (or will be) a
/// regular file, so a failed write never leaves a half-written file where a good one was; straight into
/// anything else (`/dev/stdout`, a pipe), which cannot be replaced.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let fail = |e: io::Error| anyhow!("{}: cannot write: {}", path.display(), reason(&e));
    let regular = match std::fs::metadata(path) {
        Ok(meta) => meta.is_file(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => true,
        Err(e) => return Err(fail(e)),
    };
    if !regular {
        return std::fs::write(path, bytes).map_err(fail);
    }
    replace_file(path, bytes).map_err(|e| fail(e.into_io()))
}

/// Why [`replace_file`] failed: writing the temporary file, or renaming it over the target.
#[derive(Debug)]
pub enum ReplaceError {
    Write(io::Error),
    Rename(io::Error),
}

impl ReplaceError {
    pub fn into_io(self) -> io::Error {
        match self {
            ReplaceError::Write(e) | ReplaceError::Rename(e) => e,
        }
    }
}

/// Writes `bytes` to the regular file `path` through a temporary file beside it (`.NAME.tmp-XXXXXX`, made with
/// tempfile and removed whenever it is not renamed, error or panic alike), synced to disk before it is renamed
/// over `path`: a failed write never leaves a half-written file where a good one was, nor a power loss an empty
/// one. The temporary file is opened like `File::create` opens (mode 0666 less the umask), so the result has
/// the permissions a plain write would give it.
pub fn replace_file(path: &Path, bytes: &[u8]) -> std::result::Result<(), ReplaceError> {
    let mut tmp = temp_beside(path).map_err(ReplaceError::Write)?;
    tmp.as_file_mut().write_all(bytes).and_then(|()| tmp.as_file().sync_all()).map_err(ReplaceError::Write)?;
    tmp.persist(path).map_err(|e| ReplaceError::Rename(e.error))?;
    Ok(())
}

/// A new temporary file beside `path` (`.NAME.tmp-XXXXXX`, removed when dropped), opened like `File::create`
/// opens (mode 0666 less the umask), to be renamed over `path`.
fn temp_beside(path: &Path) -> io::Result<tempfile::NamedTempFile> {
    let name = path.file_name().ok_or_else(|| io::Error::other("not a file name"))?;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(name);
    prefix.push(".tmp-");
    tempfile::Builder::new()
        .prefix(&prefix)
        .make_in(dir, |p| std::fs::File::options().write(true).create_new(true).open(p))
}

/// Pretty JSON of a value the binary built itself; failing would be a defect, reported rather than panicking.
pub fn json_pretty(value: &impl serde::Serialize, what: &str) -> Result<String> {
    serde_json::to_string_pretty(value).map_err(|e| anyhow!("{what} cannot be written as JSON: {e}"))
}

/// An I/O error as a phrase, without the `(os error N)` suffix.
pub fn reason(e: &io::Error) -> String {
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(i) if text.ends_with(')') => text[..i].to_owned(),
        _ => text,
    }
}

/// `text` with every control character but the newline shown as `\u001b` (the way JSON writes it), and the
/// bidirectional overrides too, which can make a line read differently from what it holds.
pub fn escape(text: &str) -> Cow<'_, str> {
    let unsafe_char =
        |c: char| (c.is_control() && c != '\n') || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_newlines_kept() {
        // issue 11: an escape sequence in an id must not reach the terminal raw.
        assert_eq!(escape("p-\u{1b}[31mred\u{1b}[0m\nnext"), "p-\\u001b[31mred\\u001b[0m\nnext");
        assert_eq!(escape("a\rb\tc\u{7f}\u{9b}"), "a\\u000db\\u0009c\\u007f\\u009b");
        assert_eq!(escape("left\u{202e}right"), "left\\u202eright");
        assert!(matches!(escape("plain ü – text"), Cow::Borrowed(_)));
    }

    // issue 12: files are replaced through tempfile's temporary files, which tempfile alone would create 0600; the
    // result must have the permissions a plain write gives, and no temporary file may stay behind.
    #[test]
    fn replaced_files_keep_plain_permissions_and_leave_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain.txt");
        std::fs::write(&plain, "x").unwrap();
        let out = dir.path().join("out.json");
        replace_file(&out, b"first").unwrap();
        replace_file(&out, b"second").unwrap();
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "second");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&out), mode(&plain));
        }
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 2, "{names:?}");
        // A folder that does not exist: the write fails, as one error, with nothing created.
        let missing = dir.path().join("no-such-folder/out.json");
        assert!(matches!(replace_file(&missing, b"x"), Err(ReplaceError::Write(_))));
        let e = write_file(&missing, b"x").unwrap_err();
        assert!(!format!("{e:#}").contains("os error"), "{e:#}");
    }

    #[test]
    fn io_reasons_drop_the_os_error_number() {
        // issue 11: `stdout: cannot write: No space left on device`, one plain line.
        let e = io::Error::from_raw_os_error(28);
        assert!(!reason(&e).contains("os error"), "{}", reason(&e));
        assert_eq!(reason(&io::Error::other("plain")), "plain");
    }
}
