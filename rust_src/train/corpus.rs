//! Streaming, parallel word counting over corpus files: the first step of
//! every trainer.
//!
//! Files are read in chunks cut at line ends. Every worker thread takes the
//! next chunk as soon as it is done with one, so no thread waits for a
//! slower one, and memory holds a chunk per thread whatever the corpus size:
//! only the word-count maps grow. Each worker counts into its own map and
//! the maps are summed at the end, so the counts do not depend on the thread
//! count or on which thread counted which chunk.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use rayon::ThreadPool;

use crate::error::{Error, Result};
use crate::threads;
use crate::train::chunks::{Chunk, ChunkReader};
use crate::train::corpus_file;
use crate::train::progress;
use crate::train::{WordCounts, WordMap};

/// Texts counted per hand-out in [`count_texts`]: enough that taking them
/// costs nothing next to splitting them.
const TEXTS_PER_TURN: usize = 256;

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
/// corpus holds no word at all. Of several failures, the one earliest in
/// the corpus is reported.
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
    let bar = progress::bar(total_bytes, options.progress, "counting", true);
    let mut reader = ChunkReader::new(paths);
    let counts = count_on_workers(
        &pool,
        || reader.next_chunk(),
        |chunk: &Chunk, counts: &mut WordCounts| {
            let path = paths.get(chunk.file).map_or(Path::new(""), |p| p.as_path());
            count_chunk(chunk, path, splitter, options.skip_invalid, counts)?;
            bar.inc(chunk.data.len() as u64);
            Ok(())
        },
    )?;
    bar.finish_and_clear();
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
    let mut turns = texts.chunks(TEXTS_PER_TURN);
    count_on_workers(
        &pool,
        || Ok(turns.next()),
        |texts: &&[S], counts: &mut WordCounts| {
            let mut emit = counter(&mut counts.words);
            for text in texts.iter() {
                let text = text.as_ref();
                splitter(text, &mut emit)?;
                counts.lines += 1;
                counts.bytes += text.len() as u64;
            }
            Ok(())
        },
    )
}

/// Runs `count` on every item `next` makes, on every worker of `pool`: each
/// worker takes the next item as it finishes one and counts into counts of
/// its own; they are added up at the end (shard by shard, on the pool). Of
/// several failures, the one of the earliest item is returned.
fn count_on_workers<T>(
    pool: &ThreadPool,
    next: impl FnMut() -> Result<Option<T>> + Send,
    count: impl Fn(&T, &mut WordCounts) -> Result<()> + Sync,
) -> Result<WordCounts> {
    let dealer = Dealer::new(next);
    let parts = pool.broadcast(|_| {
        let mut counts = WordCounts::default();
        while let Some((number, item)) = dealer.deal() {
            if let Err(e) = count(&item, &mut counts) {
                dealer.fail(number, e);
            }
        }
        counts
    });
    if let Some((_, error)) = lock(&dealer.failure).take() {
        return Err(error);
    }
    let mut parts = parts.into_iter();
    let mut total = parts.next().unwrap_or_default();
    pool.install(|| parts.for_each(|part| total.merge(part)));
    Ok(total)
}

/// Hands out items one at a time, numbered in the order they are made, and
/// keeps the failure of the lowest-numbered one. After a failure it hands
/// out nothing more; the items handed out before it are all counted, so the
/// failure kept is the earliest of all.
struct Dealer<F> {
    /// The maker of items, and the number of the next one.
    next: Mutex<(F, usize)>,
    stopped: AtomicBool,
    failure: Mutex<Option<(usize, Error)>>,
}

impl<T, F: FnMut() -> Result<Option<T>>> Dealer<F> {
    fn new(next: F) -> Self {
        Dealer {
            next: Mutex::new((next, 0)),
            stopped: AtomicBool::new(false),
            failure: Mutex::new(None),
        }
    }

    fn deal(&self) -> Option<(usize, T)> {
        let mut next = lock(&self.next);
        if self.stopped.load(Ordering::Relaxed) {
            return None;
        }
        let number = next.1;
        next.1 += 1;
        match (next.0)() {
            Ok(item) => item.map(|item| (number, item)),
            Err(e) => {
                self.fail(number, e);
                None
            }
        }
    }

    fn fail(&self, number: usize, error: Error) {
        self.stopped.store(true, Ordering::Relaxed);
        let mut failure = lock(&self.failure);
        if failure.as_ref().is_none_or(|&(first, _)| number < first) {
            *failure = Some((number, error));
        }
    }
}

/// A lock that a panic elsewhere cannot leave unusable: what it guards is
/// replaced whole, never left half-updated.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A word callback counting into `words`; empty words are ignored.
fn counter(words: &mut WordMap) -> impl FnMut(&str) + '_ {
    |word: &str| {
        if !word.is_empty() {
            words.add(word, 1);
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

/// Counts the words of one chunk of `path` into `counts`.
fn count_chunk(
    chunk: &Chunk,
    path: &Path,
    splitter: &Splitter<'_>,
    skip_invalid: bool,
    counts: &mut WordCounts,
) -> Result<()> {
    let mut emit = counter(&mut counts.words);
    counts.bytes += chunk.data.len() as u64;
    // Fast path: one validation for the whole chunk.
    if let Ok(text) = std::str::from_utf8(&chunk.data) {
        for line in text.split_inclusive('\n') {
            counts.lines += 1;
            splitter(line, &mut emit)?;
        }
        return Ok(());
    }
    let mut pos = 0u64;
    for line in chunk.data.split_inclusive(|&b| b == b'\n') {
        counts.lines += 1;
        match std::str::from_utf8(line) {
            Ok(text) => splitter(text, &mut emit)?,
            Err(_) if skip_invalid => counts.skipped_lines += 1,
            Err(e) => {
                return Err(Error::InvalidUtf8 {
                    path: path.to_owned(),
                    offset: chunk.start + pos + e.valid_up_to() as u64,
                })
            }
        }
        pos += line.len() as u64;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::rng::Rng;
    use crate::train::chunks::CHUNK_BYTES;
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
        let mut expected = std::collections::BTreeMap::<String, u64>::new();
        let mut lines = 0;
        for bytes in [&text[..], &text[..text.len() / 3]] {
            let text = std::str::from_utf8(bytes).unwrap();
            for line in text.lines() {
                lines += 1;
                for word in line.split_whitespace() {
                    *expected.entry(word.to_owned()).or_insert(0) += 1;
                }
            }
        }
        let one = count_words(&paths, &whitespace, &options(1)).unwrap();
        let four = count_words(&paths, &whitespace, &options(4)).unwrap();
        assert_eq!(words(&one), expected.into_iter().collect::<Vec<_>>());
        assert_eq!(one.lines, lines);
        assert_eq!(one.bytes, (text.len() + text.len() / 3) as u64);
        assert_eq!(one, four);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
