//! Atomic file replacement: a reader sees the old file or the new one, never
//! a half-written one, and a failed write leaves the old file untouched.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};

/// Distinguishes temporary files of concurrent writes from one process.
static NEXT_TEMP: AtomicU64 = AtomicU64::new(0);

/// Writes `contents` to `path` atomically: into a temporary file in the same
/// directory (a rename is atomic only within one file system), flushed to
/// disk, then renamed over `path`. On failure the temporary file is removed
/// and an existing `path` is left as it was.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    let Some(name) = path.file_name() else {
        return Err(Error::InvalidArgument(format!(
            "cannot write to {}: not a file path",
            path.display()
        )));
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let (temp, file) = create_temp(dir, &name.to_string_lossy()).map_err(|e| Error::io(path, e))?;
    let written = fill(file, contents).and_then(|()| std::fs::rename(&temp, path));
    if let Err(e) = written {
        // The write already failed; a temp file that cannot be removed either
        // changes nothing for the caller, who gets the original error.
        let _ = std::fs::remove_file(&temp);
        return Err(Error::io(path, e));
    }
    // Persist the rename itself. Some file systems refuse to sync a
    // directory; the data is already on disk, so that is not an error.
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// Creates a new hidden temporary file next to the target.
fn create_temp(dir: &Path, name: &str) -> std::io::Result<(PathBuf, File)> {
    loop {
        let n = NEXT_TEMP.fetch_add(1, Ordering::Relaxed);
        let temp = dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
        match OpenOptions::new().write(true).create_new(true).open(&temp) {
            Ok(file) => return Ok((temp, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
}

fn fill(mut file: File, contents: &[u8]) -> std::io::Result<()> {
    file.write_all(contents)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "tokkit-atomic-{name}-{}-{}",
            std::process::id(),
            NEXT_TEMP.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn writes_and_replaces_without_leaving_a_temp_file() {
        let dir = scratch("ok");
        let target = dir.join("vocab.txt");
        write_atomic(&target, b"first\n").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"first\n");
        write_atomic(&target, b"second\n").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"second\n");
        assert_eq!(entries(&dir), vec!["vocab.txt"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn failed_rename_removes_the_temp_file_and_keeps_the_target() {
        let dir = scratch("fail");
        // A non-empty directory cannot be replaced by a file.
        let target = dir.join("out");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("keep.txt"), b"old").unwrap();
        let err = write_atomic(&target, b"new").unwrap_err();
        assert!(matches!(err, Error::Io { .. }), "{err:?}");
        assert_eq!(entries(&dir), vec!["out"]);
        assert_eq!(std::fs::read(target.join("keep.txt")).unwrap(), b"old");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn missing_directory_is_file_not_found() {
        let dir = scratch("missing");
        let target = dir.join("no-such-dir").join("vocab.txt");
        let err = write_atomic(&target, b"x").unwrap_err();
        assert!(matches!(err, Error::FileNotFound { ref path } if *path == target));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
