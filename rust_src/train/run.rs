//! One training run, the same for every algorithm: cut the text into words,
//! count them, learn a vocabulary, write every output file. An algorithm
//! fills in only what differs ([`Algorithm`]), so a Rust caller trains
//! without Python and the bindings only convert arguments.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::error::{Error, Result};
use crate::formats::atomic::Staged;
use crate::threads;
use crate::train::split::WordSplit;
use crate::train::{count_words, CorpusOptions, WordCounts};

/// Where the words come from.
pub enum Source<'a> {
    /// Corpus files, read line by line as HF's trainers read them.
    Files(&'a [PathBuf], &'a CorpusOptions),
    /// Words counted already (by [`crate::train::count_texts`], another
    /// process, a saved counts file).
    Counts(WordCounts),
}

/// What one algorithm does in a run.
pub trait Algorithm {
    /// The learned vocabulary.
    type Learned;
    /// How the text is cut into the words this algorithm counts: also what
    /// the written tokenizer.json holds.
    fn split(&self) -> &WordSplit;
    /// Counts the words of corpus files: by default all of their lines, cut
    /// by [`Algorithm::split`] on all cores.
    fn count(&self, paths: &[PathBuf], options: &CorpusOptions) -> Result<WordCounts> {
        count_files(paths, self.split(), options)
    }
    /// Learns a vocabulary from the counts.
    fn learn(&self, counts: &WordCounts) -> Result<Self::Learned>;
    /// Stages every output file for `dir` in `files`, noting them and any
    /// figures in `report`; the run renames them into place together.
    fn write(
        &self,
        learned: &Self::Learned,
        counts: &WordCounts,
        dir: &Path,
        files: &mut Staged,
        report: &mut Report,
    ) -> Result<()>;
}

/// What a run read, learned, wrote and how long each step took.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Entries in the vocabulary.
    pub vocab_size: usize,
    /// Characters (or bytes) the vocabulary starts from.
    pub alphabet_size: usize,
    /// Distinct special tokens.
    pub special_tokens: usize,
    /// Merges learned, for merge-based algorithms.
    pub merges: Option<usize>,
    /// Distinct words counted.
    pub distinct_words: usize,
    /// Lines (or texts) read, skipped ones included.
    pub lines: u64,
    /// Bytes read.
    pub bytes: u64,
    /// Lines skipped as invalid UTF-8.
    pub skipped_lines: u64,
    /// Files written, by kind (`tokenizer`, `vocab`, `merges`, `tiktoken`).
    pub files: Vec<(String, PathBuf)>,
    /// Things the user should know (a file that could not be written, say).
    pub notes: Vec<String>,
    /// Share of word occurrences that the `.tiktoken` ranks split as the
    /// tokenizer.json merges do (byte-level BPE only).
    pub tiktoken_agreement: Option<f64>,
    /// The split regex, which tiktoken needs beside the `.tiktoken` file.
    pub pattern: Option<String>,
    /// Seconds spent counting (0 when given counts).
    pub counting_seconds: f64,
    /// Seconds spent learning.
    pub learning_seconds: f64,
    /// Seconds spent writing files.
    pub writing_seconds: f64,
}

/// Counts the words of `paths` as `split` cuts them.
pub fn count_files(
    paths: &[PathBuf],
    split: &WordSplit,
    options: &CorpusOptions,
) -> Result<WordCounts> {
    let splitter = split.splitter()?;
    count_words(paths, &splitter, options)
}

/// Runs `algorithm` on `source` and writes its files into `dir` (created if
/// needed), learning and writing on `threads` workers (0: one per core;
/// counting files takes its own count from their options). A failure at
/// any step leaves no half-written file behind, and one while writing (a
/// full disk, say) replaces none of the files already in `dir`: every file
/// is written in full before the first is renamed into place.
pub fn train<A: Algorithm + Sync>(
    algorithm: &A,
    source: Source<'_>,
    dir: &Path,
    threads: usize,
) -> Result<Report> {
    threads::pool(threads)?.install(|| run(algorithm, source, dir))
}

fn run<A: Algorithm>(algorithm: &A, source: Source<'_>, dir: &Path) -> Result<Report> {
    let start = Instant::now();
    let counts = match source {
        Source::Files(paths, options) => algorithm.count(paths, options)?,
        Source::Counts(counts) => counts,
    };
    if counts.words.is_empty() {
        return Err(Error::Training(
            "empty corpus: there are no words to learn from".into(),
        ));
    }
    let counted = Instant::now();
    let learned = algorithm.learn(&counts)?;
    let learned_at = Instant::now();
    let mut report = Report {
        distinct_words: counts.words.len(),
        lines: counts.lines,
        bytes: counts.bytes,
        skipped_lines: counts.skipped_lines,
        pattern: algorithm.split().pattern.clone(),
        ..Report::default()
    };
    // Created only now: a run that fails earlier leaves no trace.
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut files = Staged::default();
    algorithm.write(&learned, &counts, dir, &mut files, &mut report)?;
    files.commit()?;
    report.counting_seconds = (counted - start).as_secs_f64();
    report.learning_seconds = (learned_at - counted).as_secs_f64();
    report.writing_seconds = learned_at.elapsed().as_secs_f64();
    Ok(report)
}
