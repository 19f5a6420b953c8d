//! Reading inputs and writing outputs safely: an input must be a regular
//! file (a FIFO or a device would block or never end), and an output is
//! written whole or not at all.

use std::fmt;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

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

/// Reads the regular file at `path` as UTF-8 text.
pub fn read_regular_to_string(path: &Path) -> io::Result<String> {
    String::from_utf8(read_regular(path)?)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.utf8_error()))
}

/// Writing a file failed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("cannot write `{}`", path.display())]
#[diagnostic(code(wcomp::write))]
pub struct WriteError {
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
}

/// Writes `bytes` to `path` through a temporary file in the same directory
/// and a rename, so readers see either the old file or the whole new one,
/// never a truncated one.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let fail = |source| WriteError {
        path: path.to_owned(),
        source,
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(fail)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".wcomp-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(fail)?;
    tmp.write_all(bytes).map_err(fail)?;
    // Temporary files are private (0600); the result is an ordinary file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(fail)?;
    }
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
