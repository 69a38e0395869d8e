//! Corpus files read as chunks of whole lines: the unit the counters share
//! out among threads.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::train::corpus_file::{self, Reader};

/// Bytes read per chunk: small enough that the threads finish their last
/// chunks close together, large enough that taking one (a lock and a read)
/// costs nothing next to counting it (2-thread counting of the 8 MB mix ran
/// at 1.89x one thread with 256 KiB chunks, 1.93x with these).
pub(crate) const CHUNK_BYTES: usize = 1 << 16;

/// A run of whole lines of one file.
pub(crate) struct Chunk {
    /// Index of the file in the path list.
    pub(crate) file: usize,
    /// Byte offset of `data` in the file.
    pub(crate) start: u64,
    pub(crate) data: Vec<u8>,
}

/// Reads the files one after another as chunks of whole lines.
pub(crate) struct ChunkReader<'a> {
    paths: &'a [PathBuf],
    /// Index of the next file to open.
    next_file: usize,
    /// The open file and its index.
    current: Option<(usize, Reader)>,
    /// Bytes read from the current file so far.
    offset: u64,
    /// The partial last line of the previous chunk, which starts the next.
    carry: Vec<u8>,
}

impl<'a> ChunkReader<'a> {
    pub(crate) fn new(paths: &'a [PathBuf]) -> Self {
        ChunkReader {
            paths,
            next_file: 0,
            current: None,
            offset: 0,
            carry: Vec::new(),
        }
    }

    /// The next chunk: whole lines of one file, or `None` after the last
    /// file. A file's last line may lack its line end.
    pub(crate) fn next_chunk(&mut self) -> Result<Option<Chunk>> {
        loop {
            let Some((index, file)) = self.current.as_mut() else {
                let Some(path) = self.paths.get(self.next_file) else {
                    return Ok(None);
                };
                let file = corpus_file::open(path)?;
                self.current = Some((self.next_file, file));
                self.next_file += 1;
                self.offset = 0;
                self.carry.clear();
                continue;
            };
            let index = *index;
            let path = self.paths.get(index).map_or(Path::new(""), |p| p.as_path());
            let mut data = std::mem::take(&mut self.carry);
            let start = self.offset - data.len() as u64;
            loop {
                let old = data.len();
                data.resize(old + CHUNK_BYTES, 0);
                let read = read_full(file, &mut data[old..]).map_err(|e| Error::io(path, e))?;
                data.truncate(old + read);
                self.offset += read as u64;
                if read == 0 {
                    self.current = None;
                    if data.is_empty() {
                        break;
                    }
                    return Ok(Some(Chunk {
                        file: index,
                        start,
                        data,
                    }));
                }
                // Cut after the last line end; a line longer than a chunk
                // keeps growing the buffer until its end is found.
                if let Some(pos) = data[old..].iter().rposition(|&b| b == b'\n') {
                    let cut = old + pos + 1;
                    self.carry = data.split_off(cut);
                    return Ok(Some(Chunk {
                        file: index,
                        start,
                        data,
                    }));
                }
            }
        }
    }
}

/// Fills `buf` unless the end of the file comes first; returns the bytes read.
fn read_full(file: &mut Reader, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}
