//! Streaming, parallel word counting over corpus files: the first step of
//! every trainer.
//!
//! Files are read in chunks cut at line ends; a few chunks at a time are
//! counted in parallel while the next few are read, so memory stays bounded
//! by the chunk size times the number of threads whatever the corpus size:
//! only the word-count map grows. Each worker thread counts into its own map
//! and the maps are summed at the end, so the counts do not depend on the
//! thread count or on which thread counted which chunk.

use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::error::{Error, Result};
use crate::threads;
use crate::train::chunks::{Chunk, ChunkReader, CHUNK_BYTES};
use crate::train::corpus_file;
use crate::train::progress;
use crate::train::{Word, WordCounts};

/// Chunks counted per batch, per thread (2 MiB a thread): enough that
/// threads rarely wait for the slowest chunk of a batch, few enough to keep
/// memory small.
const CHUNKS_PER_THREAD: usize = 8;

/// How [`count_words`] reads the corpus.
#[derive(Debug, Clone, Default)]
pub struct CorpusOptions {
    /// Skip lines that are not valid UTF-8 (counted in
    /// [`WordCounts::skipped_lines`]) instead of failing with
    /// [`Error::InvalidUtf8`].
    pub skip_invalid: bool,
    /// Worker threads; `None` (or 0) uses one per core.
    pub num_threads: Option<usize>,
    /// Draw a progress bar over the corpus bytes on stderr (only when stderr
    /// is a terminal).
    pub progress: bool,
}

/// Splits one line into words, calling the callback once per word. The
/// lifetime lets a splitter borrow its normalizer and pre-tokenizer. It fails
/// only where encoding the line would (a regex past its backtracking limit).
pub type Splitter<'a> = dyn Fn(&str, &mut dyn FnMut(&str)) -> Result<()> + Sync + 'a;

/// Counts the words of every line of `paths`, in parallel.
///
/// `splitter` splits one line into words, calling its callback once per
/// word (a normalizer plus a pre-tokenizer, say); empty words are ignored.
/// It sees each line as HF's trainers feed it, with its terminator (`\n` or
/// `\r\n`) and a UTF-8 byte order mark at the start of a file kept: under a
/// byte-level pre-tokenizer the line ends are words of their own. Fails with
/// [`Error::FileNotFound`] / [`Error::Io`] on unreadable files,
/// [`Error::InvalidUtf8`] (file and absolute byte offset of the first bad
/// byte) unless `options.skip_invalid`, and [`Error::Training`] when the
/// corpus holds no word at all.
pub fn count_words(
    paths: &[PathBuf],
    splitter: &Splitter<'_>,
    options: &CorpusOptions,
) -> Result<WordCounts> {
    let mut total_bytes = 0u64;
    for path in paths {
        // A pipe's size is unknown: the progress bar counts what it can.
        let (_, size) = corpus_file::kind(path)?;
        total_bytes = total_bytes.saturating_add(size);
    }
    let pool = threads::pool(options.num_threads.unwrap_or(0))?;
    let threads = pool.current_num_threads().max(1);
    let locals = Locals::new(threads);
    let bar = progress::bar(total_bytes, options.progress, "counting", true);

    let mut reader = ChunkReader::new(paths);
    let batch_bytes = threads * CHUNKS_PER_THREAD * CHUNK_BYTES;
    let mut counts = WordCounts::default();
    let mut batch = reader.next_batch(batch_bytes)?;
    while !batch.is_empty() {
        // Read the next batch while this one is counted.
        let (next, counted) = pool.install(|| {
            rayon::join(
                || reader.next_batch(batch_bytes),
                || count_batch(&batch, splitter, options.skip_invalid, &locals),
            )
        });
        let (lines, skipped, bytes) = counted.map_err(|e| match e {
            ChunkError::InvalidUtf8(file, offset) => Error::InvalidUtf8 {
                path: paths.get(file).cloned().unwrap_or_default(),
                offset,
            },
            ChunkError::Split(e) => e,
        })?;
        counts.lines += lines;
        counts.skipped_lines += skipped;
        counts.bytes += bytes;
        bar.inc(bytes);
        batch = next?;
    }
    bar.finish_and_clear();
    counts.words = locals.sum();
    if counts.words.is_empty() {
        return Err(Error::Training(empty_corpus_message(paths)));
    }
    Ok(counts)
}

/// Counts the words of `texts`, each split as one whole sequence (HF's
/// `train_from_iterator`), in parallel on `num_threads` workers (0: one per
/// core). An empty result is not an error here: texts often come in batches.
pub fn count_texts<S: AsRef<str> + Sync>(
    texts: &[S],
    splitter: &Splitter<'_>,
    num_threads: usize,
) -> Result<WordCounts> {
    let pool = threads::pool(num_threads)?;
    let locals = Locals::new(pool.current_num_threads().max(1));
    pool.install(|| {
        texts.par_chunks(256).try_for_each(|texts| -> Result<()> {
            let mut map = locals.mine();
            let mut emit = counter(&mut map);
            for text in texts {
                splitter(text.as_ref(), &mut emit)?;
            }
            Ok(())
        })
    })?;
    Ok(WordCounts {
        words: locals.sum(),
        lines: texts.len() as u64,
        bytes: texts.iter().map(|t| t.as_ref().len() as u64).sum(),
        skipped_lines: 0,
    })
}

/// One word-count map per worker thread, summed at the end, so counts do
/// not depend on which thread counted what.
struct Locals(Vec<Mutex<FxHashMap<Word, u64>>>);

impl Locals {
    fn new(threads: usize) -> Self {
        Locals((0..threads).map(|_| Mutex::default()).collect())
    }

    /// The calling worker's map. Each worker owns one, so the lock is never
    /// contended; it is there because rayon cannot hand out `&mut` per worker.
    fn mine(&self) -> std::sync::MutexGuard<'_, FxHashMap<Word, u64>> {
        let slot = rayon::current_thread_index().unwrap_or(0) % self.0.len().max(1);
        self.0[slot].lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn sum(self) -> FxHashMap<Word, u64> {
        let mut maps: Vec<FxHashMap<Word, u64>> = self
            .0
            .into_iter()
            .map(|m| m.into_inner().unwrap_or_else(PoisonError::into_inner))
            .collect();
        maps.sort_by_key(|m| std::cmp::Reverse(m.len()));
        let mut maps = maps.into_iter();
        let mut words = maps.next().unwrap_or_default();
        for map in maps {
            add_counts(&mut words, map);
        }
        words
    }
}

/// Adds the counts of `other` into `words` (saturating: a count is a
/// frequency, and `u64::MAX` already says "more than anything").
pub(crate) fn add_counts(words: &mut FxHashMap<Word, u64>, other: FxHashMap<Word, u64>) {
    for (word, count) in other {
        let n = words.entry(word).or_insert(0);
        *n = n.saturating_add(count);
    }
}

/// A word callback counting into `map`; empty words are ignored.
fn counter(map: &mut FxHashMap<Word, u64>) -> impl FnMut(&str) + '_ {
    |word: &str| {
        if word.is_empty() {
            return;
        }
        // Look up before inserting so a word seen before costs no allocation.
        if let Some(count) = map.get_mut(word) {
            *count += 1;
        } else {
            map.insert(Word::from(word), 1);
        }
    }
}

fn empty_corpus_message(paths: &[PathBuf]) -> String {
    if paths.is_empty() {
        return "empty corpus: no corpus files were given".to_owned();
    }
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    format!(
        "empty corpus: no words found in {} (check the files are not empty or all whitespace)",
        names.join(", ")
    )
}

/// Why a chunk could not be counted.
enum ChunkError {
    /// (file index, absolute offset) of the first invalid UTF-8 byte.
    InvalidUtf8(usize, u64),
    /// The splitter failed.
    Split(Error),
}

/// Lines, skipped lines and bytes of a batch, or its first error in corpus
/// order.
type BatchResult = std::result::Result<(u64, u64, u64), ChunkError>;

fn count_batch(
    batch: &[Chunk],
    splitter: &Splitter<'_>,
    skip_invalid: bool,
    locals: &Locals,
) -> BatchResult {
    let results: Vec<std::result::Result<ChunkStats, ChunkError>> = batch
        .par_iter()
        .map(|chunk| count_chunk(chunk, splitter, skip_invalid, &mut locals.mine()))
        .collect();
    let (mut lines, mut skipped, mut bytes) = (0, 0, 0);
    // Chunks come back in corpus order, so the first error is the earliest.
    for (chunk, result) in batch.iter().zip(results) {
        let stats = result?;
        lines += stats.lines;
        skipped += stats.skipped;
        bytes += chunk.data.len() as u64;
    }
    Ok((lines, skipped, bytes))
}

#[derive(Debug, Default)]
struct ChunkStats {
    lines: u64,
    skipped: u64,
}

/// Counts the words of one chunk into `map`.
fn count_chunk(
    chunk: &Chunk,
    splitter: &Splitter<'_>,
    skip_invalid: bool,
    map: &mut FxHashMap<Word, u64>,
) -> std::result::Result<ChunkStats, ChunkError> {
    let mut emit = counter(map);
    let mut stats = ChunkStats::default();
    // Fast path: one validation for the whole chunk.
    if let Ok(text) = std::str::from_utf8(&chunk.data) {
        for line in text.split_inclusive('\n') {
            stats.lines += 1;
            splitter(line, &mut emit).map_err(ChunkError::Split)?;
        }
        return Ok(stats);
    }
    let mut pos = 0u64;
    for line in chunk.data.split_inclusive(|&b| b == b'\n') {
        stats.lines += 1;
        match std::str::from_utf8(line) {
            Ok(text) => splitter(text, &mut emit).map_err(ChunkError::Split)?,
            Err(_) if skip_invalid => stats.skipped += 1,
            Err(e) => {
                let offset = chunk.start + pos + e.valid_up_to() as u64;
                return Err(ChunkError::InvalidUtf8(chunk.file, offset));
            }
        }
        pos += line.len() as u64;
    }
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::rng::Rng;
    use std::sync::atomic::{AtomicU64, Ordering};

    static NEXT_DIR: AtomicU64 = AtomicU64::new(0);

    /// A fresh directory holding `files` (name, bytes).
    fn corpus(files: &[(&str, &[u8])]) -> (PathBuf, Vec<PathBuf>) {
        let dir = std::env::temp_dir().join(format!(
            "tokkit-corpus-{}-{}",
            std::process::id(),
            NEXT_DIR.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let paths = files
            .iter()
            .map(|(name, bytes)| {
                let path = dir.join(name);
                std::fs::write(&path, bytes).unwrap();
                path
            })
            .collect();
        (dir, paths)
    }

    fn whitespace(line: &str, emit: &mut dyn FnMut(&str)) -> Result<()> {
        for word in line.split_whitespace() {
            emit(word);
        }
        Ok(())
    }

    fn options(threads: usize) -> CorpusOptions {
        CorpusOptions {
            num_threads: Some(threads),
            ..CorpusOptions::default()
        }
    }

    fn words(counts: &WordCounts) -> Vec<(String, u64)> {
        counts
            .sorted()
            .into_iter()
            .map(|(w, c)| (w.to_owned(), c))
            .collect()
    }

    /// Pseudo-random text of `lines` lines over a small vocabulary, with a
    /// few lines longer than a chunk.
    fn synthetic(lines: usize) -> Vec<u8> {
        let mut rng = Rng::new(7);
        let mut out = Vec::new();
        for i in 0..lines {
            let x = rng.next_u64();
            let n = if i % 20000 == 7 {
                300_000
            } else {
                (x >> 60) as usize
            };
            for j in 0..n {
                let x = rng.next_u64();
                let word = ["the", "cat", "sat", "mat", "é", "猫", "x"][(x >> 61) as usize % 7];
                out.extend_from_slice(word.as_bytes());
                out.extend_from_slice(if j % 3 == 0 { b"  " } else { b" " });
                if x >> 59 == 0 {
                    out.extend_from_slice(format!("w{}", x % 1000).as_bytes());
                }
            }
            out.extend_from_slice(if i % 2 == 0 { b"\n" } else { b"\r\n" });
        }
        out
    }

    #[test]
    fn keeps_the_bom_and_line_ends_as_hf_does() {
        let text = "\u{FEFF}hello world\r\nhello\n\n\u{FEFF}bye\r\n  \nend";
        let (dir, paths) = corpus(&[("a.txt", text.as_bytes())]);
        let counts = count_words(&paths, &whitespace, &options(2)).unwrap();
        assert_eq!(
            words(&counts),
            vec![
                ("end".to_owned(), 1),
                ("hello".to_owned(), 1),
                ("world".to_owned(), 1),
                ("\u{FEFF}bye".to_owned(), 1),
                // HF reads a leading BOM as text too.
                ("\u{FEFF}hello".to_owned(), 1),
            ]
        );
        assert_eq!(counts.lines, 6);
        assert_eq!(counts.bytes, text.len() as u64);
        assert_eq!(counts.skipped_lines, 0);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn splitter_sees_lines_with_their_terminators() {
        let (dir, paths) = corpus(&[("a.txt", b"a b\r\nc\r\n\r\nd")]);
        let seen = Mutex::new(Vec::new());
        let record = |line: &str, emit: &mut dyn FnMut(&str)| {
            seen.lock().unwrap().push(line.to_owned());
            emit(line);
            Ok(())
        };
        count_words(&paths, &record, &options(1)).unwrap();
        assert_eq!(
            seen.into_inner().unwrap(),
            vec!["a b\r\n", "c\r\n", "\r\n", "d"]
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn invalid_utf8_reports_the_exact_file_offset() {
        // BOM (3) + "ab\r\n" (4) + "é" (2): the bad byte 0xC3 (followed by
        // '(', not a continuation byte) is at 3 + 4 + 2 = 9.
        let bad = b"\xEF\xBB\xBFab\r\n\xC3\xA9\xC3(x\nok\n";
        let (dir, paths) = corpus(&[("good.txt", b"fine words\n"), ("bad.txt", bad)]);
        let err = count_words(&paths, &whitespace, &options(2)).unwrap_err();
        match err {
            Error::InvalidUtf8 { path, offset } => {
                assert_eq!(path, paths[1]);
                assert_eq!(offset, 9);
            }
            other => panic!("unexpected {other:?}"),
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn invalid_utf8_offset_is_absolute_past_the_first_chunk() {
        // 300 000 lines of "word\n" (5 bytes) fill several chunks;
        // the stray 0xFF follows "ok " on the next line.
        let mut bytes = b"word\n".repeat(300_000);
        bytes.extend_from_slice(b"ok \xFF\nmore\n\xFE\n");
        let (dir, paths) = corpus(&[("big.txt", &bytes)]);
        for threads in [1, 3] {
            let err = count_words(&paths, &whitespace, &options(threads)).unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::InvalidUtf8 {
                        offset: 1_500_003,
                        ..
                    }
                ),
                "{err:?}"
            );
        }
        let skipping = CorpusOptions {
            skip_invalid: true,
            ..options(2)
        };
        let counts = count_words(&paths, &whitespace, &skipping).unwrap();
        assert_eq!(counts.skipped_lines, 2);
        assert_eq!(counts.lines, 300_003);
        assert_eq!(
            words(&counts),
            vec![("more".to_owned(), 1), ("word".to_owned(), 300_000)]
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn skip_invalid_counts_the_skipped_lines() {
        let (dir, paths) = corpus(&[("a.txt", b"a b\n\xFFc\nd \x80\r\ne\n")]);
        let skipping = CorpusOptions {
            skip_invalid: true,
            ..options(1)
        };
        let counts = count_words(&paths, &whitespace, &skipping).unwrap();
        assert_eq!(counts.skipped_lines, 2);
        assert_eq!(counts.lines, 4);
        let expected: Vec<(String, u64)> =
            ["a", "b", "e"].iter().map(|w| (w.to_string(), 1)).collect();
        assert_eq!(words(&counts), expected);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn empty_corpus_names_the_files() {
        let (dir, paths) = corpus(&[("empty.txt", b""), ("blank.txt", b" \n\t\r\n\n")]);
        let err = count_words(&paths, &whitespace, &options(2)).unwrap_err();
        let message = err.to_string();
        assert!(matches!(err, Error::Training(_)), "{err:?}");
        assert!(message.contains("empty corpus"), "{message}");
        assert!(message.contains("empty.txt") && message.contains("blank.txt"));
        let err = count_words(&[], &whitespace, &options(1)).unwrap_err();
        assert!(err.to_string().contains("empty corpus"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn missing_file_is_file_not_found() {
        let (dir, mut paths) = corpus(&[("a.txt", b"words\n")]);
        let missing = dir.join("missing.txt");
        paths.push(missing.clone());
        let err = count_words(&paths, &whitespace, &options(1)).unwrap_err();
        assert!(matches!(err, Error::FileNotFound { ref path } if *path == missing));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn counts_match_a_plain_count_whatever_the_thread_count() {
        let text = synthetic(60_000);
        assert!(text.len() > 4 * CHUNK_BYTES);
        let (dir, paths) = corpus(&[("one.txt", &text), ("two.txt", &text[..text.len() / 3])]);
        let mut expected: FxHashMap<Word, u64> = FxHashMap::default();
        let mut lines = 0;
        for bytes in [&text[..], &text[..text.len() / 3]] {
            let text = std::str::from_utf8(bytes).unwrap();
            for line in text.lines() {
                lines += 1;
                for word in line.split_whitespace() {
                    *expected.entry(word.into()).or_insert(0) += 1;
                }
            }
        }
        let one = count_words(&paths, &whitespace, &options(1)).unwrap();
        let four = count_words(&paths, &whitespace, &options(4)).unwrap();
        assert_eq!(one.words, expected);
        assert_eq!(one.lines, lines);
        assert_eq!(one.bytes, (text.len() + text.len() / 3) as u64);
        assert_eq!(one, four);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
