//! The one error type of the core. Every fallible function returns [`Result`];
//! the Python layer maps each variant to one exception class (`py/exceptions.rs`).

use std::fmt;
use std::path::{Path, PathBuf};

/// Everything that can go wrong in tokkit, with enough context to act on it.
#[derive(Debug)]
pub enum Error {
    /// A file the caller named does not exist.
    FileNotFound { path: PathBuf },
    /// Reading or writing a file failed for another reason.
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A vocabulary or model file is malformed. `line` is 1-based; 0 when the
    /// problem is not tied to one line (a truncated binary file, say).
    VocabFormat {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// A file holds bytes that are not UTF-8, at `offset` bytes from its start.
    InvalidUtf8 { path: PathBuf, offset: u64 },
    /// A configuration (tokenizer.json, model header, options) asks for
    /// something tokkit does not implement; refused rather than approximated.
    Unsupported(String),
    /// Arguments that cannot work together (vocab size too small, ...).
    InvalidArgument(String),
    /// Training could not produce a model (empty corpus, ...).
    Training(String),
    /// Encoding or decoding failed (unknown token without an unk token, ...).
    Encoding(String),
}

/// Result with the tokkit [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// Wraps an I/O error, turning "not found" into [`Error::FileNotFound`].
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        if source.kind() == std::io::ErrorKind::NotFound {
            Error::FileNotFound {
                path: path.to_path_buf(),
            }
        } else {
            Error::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    }

    /// A [`Error::VocabFormat`] for `path` at 1-based `line`.
    pub fn vocab(path: &Path, line: usize, message: impl Into<String>) -> Self {
        Error::VocabFormat {
            path: path.to_path_buf(),
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::FileNotFound { path } => write!(f, "no such file: {}", path.display()),
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Error::VocabFormat {
                path,
                line: 0,
                message,
            } => {
                write!(f, "{}: {message}", path.display())
            }
            Error::VocabFormat {
                path,
                line,
                message,
            } => {
                write!(f, "{}:{line}: {message}", path.display())
            }
            Error::InvalidUtf8 { path, offset } => write!(
                f,
                "{}: invalid UTF-8 at byte offset {offset} (re-encode the file as UTF-8, \
                 or skip bad lines with --skip-invalid)",
                path.display()
            ),
            Error::Unsupported(message) => write!(f, "unsupported: {message}"),
            Error::InvalidArgument(message) => f.write_str(message),
            Error::Training(message) => write!(f, "training failed: {message}"),
            Error::Encoding(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
