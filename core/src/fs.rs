//! Reading inputs and writing outputs safely: an input must be a regular
//! file (a FIFO or a device would block or never end), and an output is
//! written whole or not at all.

use std::fmt;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// A path that exists but is not a regular file.
#[derive(Debug)]
pub struct NotAFile {
    /// What it is: `a directory`, `a FIFO (named pipe)`, ...
    pub kind: &'static str,
}

impl fmt::Display for NotAFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "it is {}, not a regular file", self.kind)
    }
}

impl std::error::Error for NotAFile {}

/// What a file type is, in words.
pub fn kind_of(ty: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ty.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if ty.is_char_device() {
            return "a character device";
        }
        if ty.is_block_device() {
            return "a block device";
        }
        if ty.is_socket() {
            return "a socket";
        }
    }
    if ty.is_dir() {
        "a directory"
    } else if ty.is_symlink() {
        "a symbolic link"
    } else if ty.is_file() {
        "a regular file"
    } else {
        "not a regular file"
    }
}

/// Opens `path` for reading only if it is a regular file. The file is
/// opened without blocking first, so a FIFO with no writer is refused
/// rather than waited on.
pub fn open_regular(path: &Path) -> io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    let ty = file.metadata()?.file_type();
    if !ty.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            NotAFile { kind: kind_of(&ty) },
        ));
    }
    Ok(file)
}

/// Reads the regular file at `path` whole (see [`open_regular`]).
pub fn read_regular(path: &Path) -> io::Result<Vec<u8>> {
    let mut file = open_regular(path)?;
    let mut bytes = Vec::with_capacity(file.metadata()?.len() as usize);
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// [`read_regular`], with the file's [`FileStamp`] as it was once read.
pub fn read_regular_stamped(path: &Path) -> io::Result<(Vec<u8>, Option<FileStamp>)> {
    let mut file = open_regular(path)?;
    let mut bytes = Vec::with_capacity(file.metadata()?.len() as usize);
    file.read_to_end(&mut bytes)?;
    Ok((bytes, FileStamp::of(&file)))
}

/// What the kernel records of a file's identity and last change: device,
/// inode, size, modification and change times. Any write, copy or rename
/// over the file changes it, and the change time cannot be set back, so a
/// file with the stamp it had when something was checked has not changed
/// since, unless it was changing while it was read: see
/// [`FileStamp::settled`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    fields: [u64; 7],
}

/// How long ago a file must have last changed for its [`FileStamp`] to
/// stand for bytes read from it (see [`FileStamp::settled`]): longer than
/// a tick of any file system's clock.
pub const SETTLED: std::time::Duration = std::time::Duration::from_secs(2);

impl FileStamp {
    /// The stamp of an open file; `None` where the platform gives no change
    /// time.
    pub fn of(file: &std::fs::File) -> Option<FileStamp> {
        Self::of_metadata(&file.metadata().ok()?)
    }

    /// The stamp of the file at `path` (following links), without opening
    /// it; `None` when it cannot be read or the platform gives no change
    /// time.
    pub fn of_path(path: &Path) -> Option<FileStamp> {
        Self::of_metadata(&std::fs::metadata(path).ok()?)
    }

    #[cfg(unix)]
    fn of_metadata(meta: &std::fs::Metadata) -> Option<FileStamp> {
        use std::os::unix::fs::MetadataExt;
        let as_u64 = |n: i64| n as u64;
        Some(FileStamp {
            fields: [
                meta.dev(),
                meta.ino(),
                meta.size(),
                as_u64(meta.mtime()),
                as_u64(meta.mtime_nsec()),
                as_u64(meta.ctime()),
                as_u64(meta.ctime_nsec()),
            ],
        })
    }

    #[cfg(not(unix))]
    fn of_metadata(_: &std::fs::Metadata) -> Option<FileStamp> {
        None
    }

    /// The file's device and inode: which file it is, whatever its path.
    pub fn device_and_inode(&self) -> (u64, u64) {
        (self.fields[0], self.fields[1])
    }

    /// Whether the file last changed `after` or more before `now`: one
    /// still being written when it was read has a later stamp by then, so
    /// only a settled stamp may stand for the bytes read.
    pub fn settled(&self, now: std::time::SystemTime, after: std::time::Duration) -> bool {
        let [.., seconds, nanoseconds] = self.fields;
        let changed = std::time::UNIX_EPOCH + std::time::Duration::new(seconds, nanoseconds as u32);
        now.duration_since(changed).is_ok_and(|age| age >= after)
    }

    /// The stamp as bytes, to record it.
    pub fn to_bytes(&self) -> [u8; 56] {
        let mut bytes = [0; 56];
        for (chunk, field) in bytes.chunks_exact_mut(8).zip(self.fields) {
            chunk.copy_from_slice(&field.to_le_bytes());
        }
        bytes
    }

    /// A stamp recorded with [`FileStamp::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Option<FileStamp> {
        let bytes: &[u8; 56] = bytes.try_into().ok()?;
        let mut fields = [0; 7];
        for (field, chunk) in fields.iter_mut().zip(bytes.chunks_exact(8)) {
            *field = u64::from_le_bytes(chunk.try_into().ok()?);
        }
        Some(FileStamp { fields })
    }
}

/// Reads the regular file at `path` as UTF-8 text.
pub fn read_regular_to_string(path: &Path) -> io::Result<String> {
    String::from_utf8(read_regular(path)?)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.utf8_error()))
}

/// Writing a file failed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("cannot write `{}`", path.display())]
#[diagnostic(code(wcomp::write))]
#[non_exhaustive]
pub struct WriteError {
    /// The file that was to be written (not the temporary file).
    pub path: PathBuf,
    /// What the operating system said.
    #[source]
    pub source: io::Error,
}

/// Writes `bytes` to `path` through a temporary file in the same directory
/// and a rename, so readers see either the old file or the whole new one,
/// never a truncated one. The temporary file is removed if the write fails,
/// and by [`remove_temporaries`] if the process is stopped meanwhile. The
/// bytes reach the disk before the rename, so a power loss leaves the old
/// file or the new one: for what a user would lose (a manifest, a lock).
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    write_through_temporary(path, bytes, Durability::Synced)
}

/// [`write_atomically`] for what a command derives and can derive again (a
/// composed or built component): without waiting for the disk, as
/// compilers write their outputs. Readers and a stopped process still see
/// the old file or the whole new one; only a power loss right after may
/// leave a damaged file, which the next read refuses as malformed. For a
/// 10 MB component the wait for the disk took longer than composing it.
///
/// A file that holds these bytes already is left as it is, times and
/// all (as `install -C` does): composing or building again what did not
/// change does not make the output look new to what remembers files by
/// their stamps, and replacing a file costs the file system more than
/// reading it (ext4 writes the new file out before such a rename).
pub fn write_derived(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    if holds(path, bytes) {
        return Ok(());
    }
    write_through_temporary(path, bytes, Durability::Unsynced)
}

/// Whether the regular file at `path` holds exactly `bytes`: compared a
/// piece at a time, through one buffer of at most [`COMPARED`] bytes,
/// stopping at the first difference (a 10 MB output is not read into
/// 10 MB of fresh memory only to be compared and freed).
fn holds(path: &Path, bytes: &[u8]) -> bool {
    let Ok(mut file) = open_regular(path) else {
        return false;
    };
    if !file.metadata().is_ok_and(|m| m.len() == bytes.len() as u64) {
        return false;
    }
    let mut held = vec![0; COMPARED.min(bytes.len())];
    for expected in bytes.chunks(COMPARED) {
        let held = &mut held[..expected.len()];
        if file.read_exact(held).is_err() || held != expected {
            return false;
        }
    }
    // Nothing more: the file may have grown since its length was read.
    matches!(file.read(&mut [0]), Ok(0))
}

/// The most [`holds`] reads at once.
const COMPARED: usize = 256 * 1024;

/// Whether a write waits for the disk before its rename.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Durability {
    Synced,
    Unsynced,
}

fn write_through_temporary(
    path: &Path,
    bytes: &[u8],
    durability: Durability,
) -> Result<(), WriteError> {
    let fail = |source| WriteError {
        path: path.to_owned(),
        source,
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(fail)?;
    let mut tmp = Temporary::new(dir).map_err(fail)?;
    let file = tmp.file();
    file.write_all(bytes).map_err(fail)?;
    // Temporary files are private (0600); the result is an ordinary file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(fail)?;
    }
    if durability == Durability::Synced {
        file.as_file().sync_all().map_err(fail)?;
    }
    tmp.persist(path).map_err(fail)
}

/// What to do before the process makes its first temporary file (see
/// [`on_first_temporary`]).
static FIRST_TEMPORARY: std::sync::OnceLock<fn()> = std::sync::OnceLock::new();

/// Has `hook` called once, before the first temporary file or folder of
/// this process is made: the CLI sets up its removal on Ctrl-C there, so
/// that a command that writes nothing (an unchanged output is not
/// written) pays nothing for it. Only the first hook given is kept.
pub fn on_first_temporary(hook: fn()) {
    let _ = FIRST_TEMPORARY.set(hook);
}

/// Calls the [`on_first_temporary`] hook, the first time only.
fn before_temporary() {
    static CALLED: std::sync::Once = std::sync::Once::new();
    if let Some(hook) = FIRST_TEMPORARY.get() {
        CALLED.call_once(hook);
    }
}

/// The temporary files [`write_atomically`] is writing now, process-wide.
/// Made, renamed and removed only under this lock, so that
/// [`remove_temporaries`] sees each one that exists.
static TEMPORARIES: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn temporaries() -> MutexGuard<'static, Vec<PathBuf>> {
    // A panic elsewhere while holding the lock leaves the list usable.
    TEMPORARIES.lock().unwrap_or_else(|e| e.into_inner())
}

/// Removes every temporary file being written (in this process) and returns
/// the lock on their list: while it is held, no new one is made nor an old
/// one renamed. A process stopped by a signal calls this, and exits
/// holding it, so that no `.wcomp-*.tmp` file outlives it.
pub fn remove_temporaries() -> MutexGuard<'static, Vec<PathBuf>> {
    let mut live = temporaries();
    remove_listed(&mut live, |_| true);
    live
}

/// Removes the listed temporary files (and folders, see [`TemporaryDir`])
/// that `which` picks, and unlists them.
fn remove_listed(live: &mut Vec<PathBuf>, which: impl Fn(&Path) -> bool) {
    live.retain(|path| {
        if which(path) {
            match path.is_dir() {
                true => drop(std::fs::remove_dir_all(path)),
                false => drop(std::fs::remove_file(path)),
            }
            false
        } else {
            true
        }
    });
}

/// A temporary file listed in [`TEMPORARIES`] while it exists. Its fields
/// drop in order: the file goes (removed) before it is unlisted.
struct Temporary {
    file: tempfile::NamedTempFile,
    listed: Listed,
}

/// A path in [`TEMPORARIES`], unlisted when dropped.
struct Listed(PathBuf);

impl Drop for Listed {
    fn drop(&mut self) {
        temporaries().retain(|p| *p != self.0);
    }
}

impl Temporary {
    /// A new, listed, temporary file in `dir`.
    fn new(dir: &Path) -> io::Result<Self> {
        before_temporary();
        let mut live = temporaries();
        let file = tempfile::Builder::new()
            .prefix(".wcomp-")
            .suffix(".tmp")
            .tempfile_in(dir)?;
        live.push(file.path().to_owned());
        let listed = Listed(file.path().to_owned());
        Ok(Temporary { file, listed })
    }

    fn file(&mut self) -> &mut tempfile::NamedTempFile {
        &mut self.file
    }

    /// Renames the file to `path`, under the lock, so a signal never finds
    /// it half-renamed; it is unlisted after.
    fn persist(self, path: &Path) -> io::Result<()> {
        let Temporary { file, listed } = self;
        // On failure, the file comes back and is removed here.
        let persisted = {
            let _live = temporaries();
            file.persist(path).map(drop).map_err(|e| e.error)
        };
        drop(listed);
        persisted
    }
}

/// A temporary folder, listed with the temporary files while it exists, so
/// that a signal removes it as [`remove_temporaries`] removes them: a
/// folder of outputs is made here, then put in place at once with
/// [`TemporaryDir::replace`]. Dropped, it is removed.
pub struct TemporaryDir {
    dir: tempfile::TempDir,
    listed: Listed,
}

impl TemporaryDir {
    /// A new, listed, empty folder in `parent` (`.wcomp-*.tmp`).
    pub fn new(parent: &Path) -> io::Result<Self> {
        before_temporary();
        let mut live = temporaries();
        let dir = tempfile::Builder::new()
            .prefix(".wcomp-")
            .suffix(".tmp")
            .tempdir_in(parent)?;
        live.push(dir.path().to_owned());
        let listed = Listed(dir.path().to_owned());
        Ok(TemporaryDir { dir, listed })
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Puts the folder at `path`. A folder already there is moved aside
    /// first, under the lock (a signal finds either the old folder or the
    /// new one at `path`), and removed after; on failure it is put back.
    pub fn replace(self, path: &Path) -> io::Result<()> {
        let TemporaryDir { dir, listed } = self;
        let staged = dir.keep();
        let aside = staged.with_extension("old");
        let moved = {
            let mut live = temporaries();
            let old = std::fs::symlink_metadata(path).is_ok();
            let moved = match old {
                true => std::fs::rename(path, &aside),
                false => Ok(()),
            };
            let moved = moved.and_then(|()| {
                std::fs::rename(&staged, path).inspect_err(|_| {
                    if old {
                        let _ = std::fs::rename(&aside, path);
                    }
                })
            });
            if moved.is_ok() && old {
                live.push(aside.clone());
            }
            moved.map(|()| old)
        };
        drop(listed);
        match moved {
            Ok(true) => {
                let _ = std::fs::remove_dir_all(&aside);
                drop(Listed(aside));
                Ok(())
            }
            Ok(false) => Ok(()),
            Err(e) => {
                let _ = std::fs::remove_dir_all(&staged);
                Err(e)
            }
        }
    }
}

/// An output that cannot be written where it was asked to go.
///
/// Returned by [`Outputs::write`]; every variant but `Write` is found
/// before anything is written. New variants may be added.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[non_exhaustive]
pub enum OutputError {
    /// An output path is the empty string.
    #[error("no output path given (it is empty)")]
    #[diagnostic(
        code(wcomp::output::empty),
        help("give a file name, e.g. `composed.wasm`")
    )]
    Empty,

    /// One of the path's folders is a file.
    #[error("cannot write `{}`: `{}` is a file, not a folder", path.display(), blocker.display())]
    #[diagnostic(
        code(wcomp::output::not_a_folder),
        help("choose a path whose folders are folders")
    )]
    ParentIsFile {
        /// The output path, as given.
        path: PathBuf,
        /// The nearest of its folders (links followed) that exists and is
        /// not a folder.
        blocker: PathBuf,
    },

    /// The path (or the file its link points to) exists and is not a
    /// regular file.
    #[error("cannot write `{}`: {}", path.display(), NotAFile { kind })]
    #[diagnostic(
        code(wcomp::output::not_a_file),
        help("wcomp writes outputs as regular files, atomically; give a file path instead")
    )]
    NotAFile {
        /// The output path, as given.
        path: PathBuf,
        /// What it is instead, in [`kind_of`]'s words (`a directory`,
        /// `a FIFO (named pipe)`).
        kind: &'static str,
    },

    /// The path is, or links to, a file the command reads (see
    /// [`Outputs::input`]).
    #[error("`{}` is an input of this command; writing it would overwrite it", path.display())]
    #[diagnostic(
        code(wcomp::output::overwrites_input),
        help("choose another output path")
    )]
    OverwritesInput {
        /// The output path, as given.
        path: PathBuf,
    },

    /// Two outputs are, or link to, the same file.
    #[error("`{}` is asked for as two outputs", path.display())]
    #[diagnostic(code(wcomp::output::twice), help("give each output its own path"))]
    Twice {
        /// The second output path for that file, as given.
        path: PathBuf,
    },

    /// Writing an output failed; outputs before it have been written.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Write(#[from] WriteError),
}

/// The outputs of one command, checked together before any is written:
/// nothing is written unless everything can be. Each is derived (see
/// [`write_derived`]).
///
/// A path that is a symbolic link is followed: the file it points to is
/// replaced (atomically), as `cp` and compilers' `-o` do, and the link is
/// kept. A path that is a folder, a device or a FIFO, one that is also an
/// input of the command, or one asked for twice, is refused.
#[derive(Debug, Default)]
pub struct Outputs {
    files: Vec<(PathBuf, Vec<u8>)>,
    inputs: Vec<PathBuf>,
}

impl Outputs {
    /// Something the command read, which no output may replace.
    pub fn input(&mut self, path: &Path) {
        self.inputs.push(path.to_owned());
    }

    /// An output to write: `bytes` to `path`, when [`Outputs::write`] is
    /// called and every output has been checked.
    pub fn add(&mut self, path: &Path, bytes: Vec<u8>) {
        self.files.push((path.to_owned(), bytes));
    }

    /// Checks every output, then writes them all.
    pub fn write(self) -> Result<Vec<PathBuf>, OutputError> {
        let mut targets = Vec::new();
        for (path, _) in &self.files {
            let target = self.check(path)?;
            if targets.contains(&target) {
                return Err(OutputError::Twice { path: path.clone() });
            }
            targets.push(target);
        }
        for ((_, bytes), target) in self.files.iter().zip(&targets) {
            write_derived(target, bytes)?;
        }
        Ok(targets)
    }

    /// Where `path` will be written: itself, or the file its link points
    /// to; an error if it cannot or must not be.
    fn check(&self, path: &Path) -> Result<PathBuf, OutputError> {
        if path.as_os_str().is_empty() {
            return Err(OutputError::Empty);
        }
        let target = follow_links(path);
        if let Some(blocker) = target
            .ancestors()
            .skip(1)
            .find(|a| a.exists() && !a.is_dir())
        {
            return Err(OutputError::ParentIsFile {
                path: path.to_owned(),
                blocker: blocker.to_owned(),
            });
        }
        if let Ok(meta) = std::fs::metadata(&target)
            && !meta.is_file()
        {
            return Err(OutputError::NotAFile {
                path: path.to_owned(),
                kind: kind_of(&meta.file_type()),
            });
        }
        if self.inputs.iter().any(|input| same_file(input, &target)) {
            return Err(OutputError::OverwritesInput {
                path: path.to_owned(),
            });
        }
        Ok(target)
    }
}

/// Where a chain of symbolic links at `path` ends, whether or not that
/// file exists yet; `path` itself when it is not a link.
fn follow_links(path: &Path) -> PathBuf {
    let mut current = path.to_owned();
    // As many as the OS allows before it calls it a loop.
    for _ in 0..40 {
        match std::fs::read_link(&current) {
            Ok(to) => {
                let base = current.parent().unwrap_or(Path::new("."));
                current = base.join(to);
            }
            Err(_) => return current,
        }
    }
    current
}

/// The canonical path that writing `path` would land on, through every
/// symbolic link (its folders' and its own, dangling or not), whether or not
/// the file exists yet: the deepest existing ancestor canonicalized, and the
/// rest, which holds no links since it does not exist, appended with `..`
/// applied as `create_dir_all` would.
pub fn resolve(path: &Path) -> io::Result<PathBuf> {
    let target = follow_links(path);
    let mut rest = Vec::new();
    let mut current = target.as_path();
    let base = loop {
        match std::fs::canonicalize(current) {
            Ok(base) => break base,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let (Some(parent), Some(last)) =
                    (current.parent(), current.components().next_back())
                else {
                    return Err(e);
                };
                rest.push(last.as_os_str().to_owned());
                current = if parent.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    parent
                };
            }
            Err(e) => return Err(e),
        }
    };
    let mut out = base;
    for part in rest.iter().rev() {
        if part == ".." {
            out.pop();
        } else if part != "." {
            out.push(part);
        }
    }
    Ok(out)
}

/// Whether two paths name the same existing file.
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_derived_write_of_the_bytes_already_there_leaves_the_file_as_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("composed.wasm");
        write_derived(&out, b"first").unwrap();
        let stamp = |path: &Path| FileStamp::of(&std::fs::File::open(path).unwrap());
        let written = stamp(&out);
        std::thread::sleep(std::time::Duration::from_millis(10));
        write_derived(&out, b"first").unwrap();
        assert_eq!(stamp(&out), written, "the same bytes: not written again");
        write_derived(&out, b"other").unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), b"other");
        assert_ne!(
            stamp(&out),
            written,
            "other bytes of the same size are written"
        );
        write_derived(&out, b"longer bytes").unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), b"longer bytes");
    }

    #[test]
    fn a_file_holds_bytes_only_when_every_piece_is_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("composed.wasm");
        let bytes: Vec<u8> = (0..COMPARED * 3 + 17).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        assert!(holds(&path, &bytes));
        let mut last_differs = bytes.clone();
        *last_differs.last_mut().unwrap() ^= 1;
        assert!(!holds(&path, &last_differs), "the last byte differs");
        assert!(!holds(&path, &bytes[..bytes.len() - 1]), "one byte shorter");
        assert!(!holds(&dir.path().join("missing"), b""), "no file");
        std::fs::write(&path, b"").unwrap();
        assert!(holds(&path, b""), "empty holds empty");
    }

    #[test]
    fn a_temporary_folder_replaces_a_folder_at_once_and_leaves_nothing_behind() {
        let parent = tempfile::tempdir().unwrap();
        let out = parent.path().join("dist");
        for round in ["first", "second"] {
            let staging = TemporaryDir::new(parent.path()).unwrap();
            std::fs::write(staging.path().join("index.html"), round).unwrap();
            assert!(temporaries().contains(&staging.path().to_owned()));
            staging.replace(&out).unwrap();
            assert_eq!(
                std::fs::read_to_string(out.join("index.html")).unwrap(),
                round
            );
            let names: Vec<_> = std::fs::read_dir(parent.path())
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            assert_eq!(names, ["dist"], "{round}");
        }
        // A temporary folder dropped unused is removed and unlisted.
        let staging = TemporaryDir::new(parent.path()).unwrap();
        let path = staging.path().to_owned();
        drop(staging);
        assert!(!path.exists() && !temporaries().contains(&path));
    }

    #[test]
    fn refuses_what_is_not_a_regular_file() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_regular(dir.path()).unwrap_err();
        assert_eq!(err.to_string(), "it is a directory, not a regular file");
        #[cfg(unix)]
        {
            let fifo = dir.path().join("fifo");
            let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
            // SAFETY: a valid NUL-terminated path.
            assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
            let err = read_regular(&fifo).unwrap_err();
            assert_eq!(
                err.to_string(),
                "it is a FIFO (named pipe), not a regular file"
            );
        }
        let file = dir.path().join("f");
        write_atomically(&file, b"abc").unwrap();
        assert_eq!(read_regular(&file).unwrap(), b"abc");
    }

    #[test]
    fn temporaries_are_listed_while_they_exist_and_removed_on_demand() {
        let dir = tempfile::tempdir().unwrap();
        let listed = |dir: &Path| -> Vec<PathBuf> {
            temporaries()
                .iter()
                .filter(|p| p.starts_with(dir))
                .cloned()
                .collect()
        };
        let mut tmp = Temporary::new(dir.path()).unwrap();
        tmp.file().write_all(b"half").unwrap();
        let path = listed(dir.path()).pop().expect("listed while written");
        assert!(path.exists());
        // Only this test's: other tests write files meanwhile.
        remove_listed(&mut temporaries(), |p| p.starts_with(dir.path()));
        assert!(!path.exists(), "removed on demand");
        assert!(listed(dir.path()).is_empty());
        drop(tmp);

        let tmp = Temporary::new(dir.path()).unwrap();
        let path = listed(dir.path()).pop().unwrap();
        drop(tmp);
        assert!(
            !path.exists() && listed(dir.path()).is_empty(),
            "dropped: gone"
        );

        let tmp = Temporary::new(dir.path()).unwrap();
        tmp.persist(&dir.path().join("out")).unwrap();
        assert!(listed(dir.path()).is_empty(), "persisted: not temporary");
        assert!(dir.path().join("out").exists());
    }

    #[cfg(unix)]
    #[test]
    fn resolving_follows_links_to_where_a_write_lands() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        let (app, elsewhere) = (root.join("app"), root.join("elsewhere"));
        std::fs::create_dir_all(&app).unwrap();
        std::fs::create_dir_all(&elsewhere).unwrap();
        std::os::unix::fs::symlink(&elsewhere, app.join("link")).unwrap();
        std::os::unix::fs::symlink("../elsewhere/f.wasm", app.join("file-link.wasm")).unwrap();
        for (path, expected) in [
            (app.join("out.wasm"), app.join("out.wasm")),
            (app.join("new/dir/out.wasm"), app.join("new/dir/out.wasm")),
            (app.join("link/evil.wasm"), elsewhere.join("evil.wasm")),
            (
                app.join("link/new/evil.wasm"),
                elsewhere.join("new/evil.wasm"),
            ),
            (app.join("file-link.wasm"), elsewhere.join("f.wasm")),
            (app.join("new/../../x.wasm"), root.join("x.wasm")),
        ] {
            assert_eq!(resolve(&path).unwrap(), expected, "{}", path.display());
        }
    }

    #[test]
    fn outputs_are_checked_before_any_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.wasm");
        std::fs::write(&input, b"input").unwrap();
        let good = dir.path().join("good.wasm");
        let outputs = |paths: &[&Path]| {
            let mut o = Outputs::default();
            o.input(&input);
            for p in paths {
                o.add(p, b"out".to_vec());
            }
            o
        };
        let err = outputs(&[&good, &input]).write().unwrap_err();
        assert!(matches!(err, OutputError::OverwritesInput { .. }), "{err}");
        assert!(
            !good.exists(),
            "nothing is written when one output is refused"
        );
        let err = outputs(&[&good, &good]).write().unwrap_err();
        assert!(matches!(err, OutputError::Twice { .. }), "{err}");
        let err = outputs(&[dir.path()]).write().unwrap_err();
        assert!(
            matches!(
                err,
                OutputError::NotAFile {
                    kind: "a directory",
                    ..
                }
            ),
            "{err}"
        );
        let err = outputs(&[&input.join("x.wasm")]).write().unwrap_err();
        assert!(matches!(err, OutputError::ParentIsFile { .. }), "{err}");
        let err = outputs(&[Path::new("")]).write().unwrap_err();
        assert!(matches!(err, OutputError::Empty), "{err}");
        #[cfg(unix)]
        {
            let err = outputs(&[Path::new("/dev/null")]).write().unwrap_err();
            assert!(
                matches!(
                    err,
                    OutputError::NotAFile {
                        kind: "a character device",
                        ..
                    }
                ),
                "{err}"
            );
            let link = dir.path().join("link.wasm");
            let real = dir.path().join("real.wasm");
            std::fs::write(&real, b"old").unwrap();
            std::os::unix::fs::symlink(&real, &link).unwrap();
            outputs(&[&link]).write().unwrap();
            assert_eq!(std::fs::read(&real).unwrap(), b"out", "a link is followed");
            assert!(
                std::fs::symlink_metadata(&link)
                    .unwrap()
                    .file_type()
                    .is_symlink()
            );
            let dangling = dir.path().join("dangling.wasm");
            std::os::unix::fs::symlink("not-yet.wasm", &dangling).unwrap();
            outputs(&[&dangling]).write().unwrap();
            assert_eq!(
                std::fs::read(dir.path().join("not-yet.wasm")).unwrap(),
                b"out"
            );
        }
        outputs(&[&good]).write().unwrap();
        assert_eq!(std::fs::read(&good).unwrap(), b"out");
    }
}
