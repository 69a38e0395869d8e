//! Atomic file replacement: a reader sees the old file or the new one, never
//! a half-written one, and a failed write leaves the old file untouched.
//!
//! Files written together (a trainer's `vocab.txt` and `tokenizer.json`) are
//! staged first, every one complete and flushed to disk, and only then
//! renamed over their targets one after another: a full disk or any other
//! failure while staging replaces none of them.
//!
//! A staged file is named `.<target>.tokkit-<pid>-<n>.tmp` beside its
//! target. A process killed (SIGKILL, power loss) before its renames leaves
//! such files behind; the next write to the same target removes those whose
//! process is gone.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};

/// Distinguishes temporary files of concurrent writes from one process.
static NEXT_TEMP: AtomicU64 = AtomicU64::new(0);

/// What every temporary file's name holds between the target's name and
/// the process id, so that the leftovers of a killed run are evident.
const TEMP_TAG: &str = ".tokkit-";
const TEMP_SUFFIX: &str = ".tmp";

/// Writes `contents` to `path` atomically: into a temporary file in the same
/// directory (a rename is atomic only within one file system), flushed to
/// disk, then renamed over `path`. On failure the temporary file is removed
/// and an existing `path` is left as it was.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    let mut files = Staged::default();
    files.write(path, contents)?;
    files.commit()
}

/// Files written in full beside their targets, not yet renamed over them.
/// Dropped without [`Staged::commit`] (an error on the way), it removes
/// them and the targets stay as they were.
#[derive(Default)]
pub struct Staged {
    /// (temporary file, target), in the order written.
    files: Vec<(PathBuf, PathBuf)>,
}

impl Staged {
    /// Writes `contents` into a temporary file beside `path`, flushed to
    /// disk; `path` itself is replaced only by [`Staged::commit`]. Errors
    /// name `path` and the OS error (a full disk, say).
    pub fn write(&mut self, path: &Path, contents: &[u8]) -> Result<()> {
        let Some(name) = path.file_name() else {
            return Err(Error::InvalidArgument(format!(
                "cannot write to {}: not a file path",
                path.display()
            )));
        };
        let name = name.to_string_lossy();
        let dir = parent_dir(path);
        remove_stale_temps(dir, &name);
        let (temp, file) = create_temp(dir, &name).map_err(|e| Error::io(path, e))?;
        if let Err(e) = fill(file, contents) {
            // The write already failed; a temp file that cannot be removed
            // either changes nothing for the caller, who gets that error.
            let _ = std::fs::remove_file(&temp);
            return Err(Error::io(path, e));
        }
        self.files.push((temp, path.to_path_buf()));
        Ok(())
    }

    /// Renames every staged file over its target, then makes the renames
    /// durable. A failed rename leaves the files renamed before it in place
    /// and removes the rest.
    pub fn commit(mut self) -> Result<()> {
        let files = std::mem::take(&mut self.files);
        let mut dirs: Vec<&Path> = Vec::new();
        for (i, (temp, target)) in files.iter().enumerate() {
            if let Err(e) = std::fs::rename(temp, target) {
                self.files = files[i..].to_vec();
                return Err(Error::io(target, e));
            }
            let dir = parent_dir(target);
            if !dirs.contains(&dir) {
                dirs.push(dir);
            }
        }
        // Persist the renames themselves. Some file systems refuse to sync a
        // directory; the data is already on disk, so that is not an error.
        for dir in dirs {
            if let Ok(dir) = File::open(dir) {
                let _ = dir.sync_all();
            }
        }
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        for (temp, _) in &self.files {
            let _ = std::fs::remove_file(temp);
        }
    }
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// Creates a new hidden temporary file next to the target.
fn create_temp(dir: &Path, name: &str) -> std::io::Result<(PathBuf, File)> {
    loop {
        let n = NEXT_TEMP.fetch_add(1, Ordering::Relaxed);
        let temp = dir.join(format!(
            ".{name}{TEMP_TAG}{}-{n}{TEMP_SUFFIX}",
            std::process::id()
        ));
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

/// Removes the temporary files for `name` in `dir` that a process no longer
/// running left behind (it was killed before its rename). Best effort: a
/// file that cannot be listed or removed stays, which harms nothing.
fn remove_stale_temps(dir: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let prefix = format!(".{name}{TEMP_TAG}");
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(pid) = (file_name.to_str())
            .and_then(|f| f.strip_prefix(&prefix))
            .and_then(|rest| rest.strip_suffix(TEMP_SUFFIX))
            .and_then(|rest| rest.split_once('-'))
            .and_then(|(pid, n)| n.parse::<u64>().ok().and(pid.parse::<u32>().ok()))
        else {
            continue;
        };
        if !process_is_running(pid) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Whether a process with this id runs on this machine. Where that cannot
/// be told, it is assumed to run, so that nothing of it is removed.
fn process_is_running(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    if cfg!(target_os = "linux") {
        Path::new("/proc").join(pid.to_string()).exists()
    } else {
        true
    }
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

    #[test]
    fn staged_files_replace_nothing_until_committed() {
        let dir = scratch("staged");
        let (a, b) = (dir.join("a.txt"), dir.join("b.txt"));
        std::fs::write(&a, b"old a").unwrap();
        std::fs::write(&b, b"old b").unwrap();
        let mut files = Staged::default();
        files.write(&a, b"new a").unwrap();
        files.write(&b, b"new b").unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), b"old a");
        drop(files);
        assert_eq!(entries(&dir), vec!["a.txt", "b.txt"]);
        assert_eq!(std::fs::read(&b).unwrap(), b"old b");

        let mut files = Staged::default();
        files.write(&a, b"new a").unwrap();
        files.write(&b, b"new b").unwrap();
        files.commit().unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), b"new a");
        assert_eq!(std::fs::read(&b).unwrap(), b"new b");
        assert_eq!(entries(&dir), vec!["a.txt", "b.txt"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn temp_files_of_a_dead_process_are_removed_by_the_next_write() {
        let dir = scratch("stale");
        // Process ids stop well below 2^22 on Linux.
        let dead = dir.join(".vocab.txt.tokkit-4294967295-3.tmp");
        let other = dir.join(".merges.txt.tokkit-4294967295-3.tmp");
        let mine = dir.join(format!(
            ".vocab.txt.tokkit-{}-999999.tmp",
            std::process::id()
        ));
        for path in [&dead, &other, &mine] {
            std::fs::write(path, b"partial").unwrap();
        }
        write_atomic(&dir.join("vocab.txt"), b"x").unwrap();
        let mut expected = vec![
            ".merges.txt.tokkit-4294967295-3.tmp".to_string(),
            mine.file_name().unwrap().to_string_lossy().into_owned(),
            "vocab.txt".to_string(),
        ];
        if !cfg!(target_os = "linux") {
            expected.push(".vocab.txt.tokkit-4294967295-3.tmp".to_string());
        }
        expected.sort();
        assert_eq!(entries(&dir), expected);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
