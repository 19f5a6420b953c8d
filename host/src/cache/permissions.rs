//! Who may write the cache. Its entries become native code in this
//! process, so a cache directory that another user can write is refused:
//! they could put code there that passes every check.
//!
//! The rule, for the cache directory, its `functions/` folder and every
//! folder above them (the way OpenSSH checks the folders of
//! `authorized_keys`): each must be owned by us or by root, not writable
//! by every user, and writable by its group only if it is ours (a user's
//! private group, as a umask of 002 makes). A folder above the cache that
//! has the sticky bit (`/tmp`) is allowed to be writable by all: its other
//! users cannot rename or remove what is ours in it. Folders the host
//! creates get mode 755 (less what the umask takes away).

use std::path::{Path, PathBuf};

/// A cache directory other users can write.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
#[error("refusing the compiled-code cache at `{}`: `{}` {why}", cache.display(), folder.display())]
#[diagnostic(
    code(wcomp::run::insecure_cache),
    help(
        "whoever can write the cache can make wcomp run native code; take away their write access (`chmod go-w`), choose another cache directory (`WCOMP_HOME`), or run with `--no-cache`"
    )
)]
#[non_exhaustive]
pub struct InsecureCache {
    /// The cache directory.
    pub cache: PathBuf,
    /// The folder, the cache or one above it, that others can write.
    pub folder: PathBuf,
    /// Who can write it: `is writable by every user`, ...
    pub why: String,
}

/// Refuses a cache at `dir` that users other than us can write (see the
/// module's rule). Folders that do not exist yet are skipped: the host
/// creates them.
#[cfg(unix)]
pub(crate) fn check_permissions(dir: &Path) -> Result<(), InsecureCache> {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_owned());
    let functions = super::functions::dir(&dir);
    let folders = std::iter::once(functions.as_path()).chain(dir.ancestors());
    for folder in folders {
        let Ok(meta) = std::fs::metadata(folder) else {
            continue;
        };
        let (owner, mode) = (meta.uid(), meta.mode());
        let sticky_above = mode & 0o1000 != 0 && folder != dir && folder != functions;
        let why = if owner != me && owner != 0 {
            Some(format!("is owned by another user (uid {owner})"))
        } else if sticky_above {
            None
        } else if mode & 0o002 != 0 {
            Some("is writable by every user".to_owned())
        } else if mode & 0o020 != 0 && owner != me {
            Some("is writable by its group, and owned by another user".to_owned())
        } else {
            None
        };
        if let Some(why) = why {
            return Err(InsecureCache {
                cache: dir.clone(),
                folder: folder.to_owned(),
                why,
            });
        }
    }
    Ok(())
}

/// Elsewhere, folders have no such modes to check.
#[cfg(not(unix))]
pub(crate) fn check_permissions(_dir: &Path) -> Result<(), InsecureCache> {
    Ok(())
}

/// Creates `dir` and the folders above it that are missing, with mode 755
/// less the umask (never writable by others, whatever the umask).
pub(crate) fn create_dir_all(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o755);
    builder.create(dir)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn chmod(path: &Path, mode: u32) {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn a_cache_only_we_can_write_is_accepted() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("cache");
        assert_eq!(check_permissions(&cache), Ok(()), "not there yet");
        create_dir_all(&super::super::functions::dir(&cache)).unwrap();
        assert_eq!(check_permissions(&cache), Ok(()));
        // Writable by our own group (a umask of 002).
        chmod(&cache, 0o775);
        assert_eq!(check_permissions(&cache), Ok(()));
    }

    #[test]
    fn a_cache_every_user_can_write_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("cache");
        let functions = super::super::functions::dir(&cache);
        create_dir_all(&functions).unwrap();
        for (folder, mode) in [(&cache, 0o777), (&functions, 0o777), (&cache, 0o1777)] {
            chmod(folder, mode);
            let refused = check_permissions(&cache).unwrap_err();
            assert_eq!(&refused.folder, folder);
            assert_eq!(refused.why, "is writable by every user");
            chmod(folder, 0o755);
        }
        // Above the cache, writable by all is refused unless sticky.
        chmod(dir.path(), 0o777);
        let refused = check_permissions(&cache).unwrap_err();
        assert_eq!(refused.folder, dir.path());
        chmod(dir.path(), 0o1777);
        assert_eq!(check_permissions(&cache), Ok(()));
        chmod(dir.path(), 0o700);
    }
}
