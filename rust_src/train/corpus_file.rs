//! Opening one corpus file: a regular file, or a pipe (`<(zcat corpus.gz)`,
//! a FIFO made with `mkfifo`) read as a stream once.
//!
//! A FIFO that no process writes to would block a plain `open` forever; it
//! is opened without blocking instead, and given [`WRITER_WAIT`] for a
//! writer to turn up before it is refused. A directory is refused with the
//! advice to name the files in it.

use std::fs::File;
use std::io::{Cursor, Read};
use std::path::Path;

use crate::error::{Error, Result};

/// How long a FIFO with no writer is waited on before it is refused: time
/// for `tokkit train fifo & producer > fifo` to start its producer.
pub const WRITER_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// What kind of file a corpus path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A regular file: its size is known and it can be read again.
    Regular,
    /// A pipe, FIFO, socket or character device: read once, as a stream.
    Stream,
}

/// The kind of `path`, refusing what cannot be a corpus (a directory).
pub fn kind(path: &Path) -> Result<(Kind, u64)> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.is_dir() {
        return Err(Error::InvalidArgument(format!(
            "{} is a directory: give the corpus files in it (e.g. {}/*.txt)",
            path.display(),
            path.display()
        )));
    }
    if meta.is_file() {
        Ok((Kind::Regular, meta.len()))
    } else {
        Ok((Kind::Stream, 0))
    }
}

/// An open corpus file: the bytes read while checking for a writer, then
/// the rest of the file.
pub type Reader = std::io::Chain<Cursor<Vec<u8>>, File>;

/// Opens `path` for reading: a regular file at once, a stream once a
/// process writes to it (waiting up to [`WRITER_WAIT`] for one).
pub fn open(path: &Path) -> Result<Reader> {
    match kind(path)?.0 {
        Kind::Regular => {
            let file = File::open(path).map_err(|e| Error::io(path, e))?;
            Ok(Cursor::new(Vec::new()).chain(file))
        }
        Kind::Stream => open_stream(path),
    }
}

#[cfg(unix)]
fn open_stream(path: &Path) -> Result<Reader> {
    use std::os::unix::fs::OpenOptionsExt;
    use std::os::unix::io::AsRawFd;

    // Without O_NONBLOCK, opening a FIFO waits for a writer, for ever if
    // none comes.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    let fd = file.as_raw_fd();
    let Some(head) = writer_data(fd).map_err(|e| Error::io(path, e))? else {
        return Err(Error::InvalidArgument(format!(
            "{} is a FIFO that no process opened for writing within {} s: start the \
             program that writes to it, or give a regular file",
            path.display(),
            WRITER_WAIT.as_secs()
        )));
    };
    // Read it blocking from here on: each read waits for the writer's data.
    // SAFETY: fcntl on a descriptor this function owns, with plain flags.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 || unsafe { libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) } < 0 {
        return Err(Error::io(path, std::io::Error::last_os_error()));
    }
    Ok(Cursor::new(head).chain(file))
}

/// Whether the stream `fd` (opened non-blocking) has, or had, a writer
/// (`Some`, with any byte read to find out), or never had one (`None`). A
/// FIFO that never had a writer reports neither data nor hang-up until one
/// opens it (Linux and the BSDs hide its hang-up until then), so poll waits
/// for that.
#[cfg(unix)]
fn writer_data(fd: std::os::unix::io::RawFd) -> std::io::Result<Option<Vec<u8>>> {
    let mut poll = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    let wait_ms = libc::c_int::try_from(WRITER_WAIT.as_millis()).unwrap_or(libc::c_int::MAX);
    loop {
        // SAFETY: one valid pollfd, for a descriptor the caller owns.
        let ready = unsafe { libc::poll(&mut poll, 1, wait_ms) };
        if ready >= 0 {
            break;
        }
        let error = std::io::Error::last_os_error();
        if error.kind() != std::io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
    if poll.revents != 0 {
        return Ok(Some(Vec::new()));
    }
    // Nothing within the wait: a writer may hold the FIFO open without
    // having written yet. Reading without blocking tells: no data yet means
    // there is a writer, end of stream means there is none, and a byte that
    // came in the meantime is kept.
    let mut byte = 0u8;
    loop {
        // SAFETY: a one-byte read into a local, on a non-blocking descriptor.
        let read = unsafe { libc::read(fd, (&raw mut byte).cast(), 1) };
        if read > 0 {
            return Ok(Some(vec![byte]));
        }
        if read == 0 {
            return Ok(None);
        }
        let error = std::io::Error::last_os_error();
        match error.kind() {
            std::io::ErrorKind::WouldBlock => return Ok(Some(Vec::new())),
            std::io::ErrorKind::Interrupted => {}
            _ => return Err(error),
        }
    }
}

#[cfg(not(unix))]
fn open_stream(path: &Path) -> Result<Reader> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    Ok(Cursor::new(Vec::new()).chain(file))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("tokkit-corpus-file-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[cfg(unix)]
    fn mkfifo(path: &Path) {
        let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    }

    #[test]
    fn a_directory_is_refused_with_advice() {
        let dir = scratch("dir");
        let err = open(&dir).unwrap_err();
        assert!(err.to_string().contains("is a directory"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_read_as_a_stream_once_written_to() {
        let dir = scratch("fifo");
        let fifo = dir.join("corpus");
        mkfifo(&fifo);
        let writer = {
            let fifo = fifo.clone();
            std::thread::spawn(move || {
                use std::io::Write;
                let mut f = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
                f.write_all(b"a b\nc\n").unwrap();
            })
        };
        let mut text = String::new();
        open(&fifo).unwrap().read_to_string(&mut text).unwrap();
        writer.join().unwrap();
        assert_eq!(text, "a b\nc\n");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
