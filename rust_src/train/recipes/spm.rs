//! A sentencepiece-style run (Unigram, BPE, CHAR or WORD): lines counted
//! whole, normalized and cut as spm_train does, learned, and written as
//! `spm.model`, `spm.vocab` and (for Unigram and BPE) `tokenizer.json`.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::formats::atomic::Staged;
use crate::formats::spm_json_write::{specs_of, spm_tokenizer_json};
use crate::formats::spm_model::{ModelType, SpmPiece};
use crate::formats::spm_model_write::write_model_files;
use crate::models::spm_trainers::{bpe, character, word};
use crate::models::unigram::trainer as unigram;
use crate::normalize::spm::SpmNormalizer;
use crate::train::corpus_file;
use crate::train::run::count_files;
use crate::train::run::{Algorithm, Report};
use crate::train::split::WordSplit;
use crate::train::spm::selection::for_each_selected;
use crate::train::spm::{MetaPieces, SpmOptions, SpmSentences};
use crate::train::{CorpusOptions, WordCounts};

/// A sentencepiece training run.
pub struct SpmRun {
    options: SpmOptions,
    meta: MetaPieces,
    split: WordSplit,
    progress: bool,
    /// The corpus files in order, when training reads them, and whether
    /// invalid lines are skipped: the Unigram seeds then follow spm_train's
    /// corpus order where it matters.
    corpus: Option<(Vec<PathBuf>, bool)>,
}

impl SpmRun {
    /// A run with `options`, checked as spm_train checks them.
    pub fn new(options: SpmOptions, progress: bool) -> Result<Self> {
        options.verify()?;
        let meta = MetaPieces::new(&options)?;
        Ok(SpmRun {
            options,
            meta,
            split: WordSplit::lines(),
            progress,
            corpus: None,
        })
    }

    /// The same run, told which files (in order) its counts come from, and
    /// whether their invalid lines are skipped. A pipe can be read only
    /// once: with one among the files, the corpus order is left unknown, as
    /// when training from counts.
    pub fn reading(mut self, files: &[PathBuf], skip_invalid: bool) -> Self {
        let rereadable = (files.iter())
            .all(|f| matches!(corpus_file::kind(f), Ok((corpus_file::Kind::Regular, _))));
        if rereadable {
            self.corpus = Some((files.to_vec(), skip_invalid));
        }
        self
    }
}

impl Algorithm for SpmRun {
    type Learned = Vec<SpmPiece>;

    fn split(&self) -> &WordSplit {
        &self.split
    }

    /// With `input_sentence_size`, only the selected lines are counted, read
    /// on one thread so memory holds no more than them.
    fn count(&self, paths: &[PathBuf], corpus: &CorpusOptions) -> Result<WordCounts> {
        if self.options.input_sentence_size == 0 {
            return count_files(paths, &self.split, corpus);
        }
        let mut counts = WordCounts::default();
        for_each_selected(paths, &self.options, corpus.skip_invalid, |line| {
            counts.lines += 1;
            counts.bytes += line.len() as u64 + 1;
            counts.words.add(line, 1);
            ControlFlow::Continue(())
        })?;
        Ok(counts)
    }

    fn learn(&self, counts: &WordCounts) -> Result<Vec<SpmPiece>> {
        let options = &self.options;
        let (trainer, normalizer) = specs_of(options)?;
        let normalizer = SpmNormalizer::new(
            &normalizer,
            trainer.treat_whitespace_as_suffix,
            Path::new(""),
        )?;
        let lines = counts.sorted();
        // Only Unigram's seeds depend on which sentence ends the corpus:
        // finding it takes one more pass over the files.
        let order = (self.corpus.as_ref())
            .filter(|_| options.model_type == ModelType::Unigram)
            .map(|(files, skip)| (files.as_slice(), *skip));
        let corpus = SpmSentences::new(&lines, &normalizer, &self.meta, options, order)?;
        if corpus.sentences.is_empty() {
            return Err(Error::Training(
                "empty corpus: no line is left after normalization".into(),
            ));
        }
        let learned = match options.model_type {
            ModelType::Unigram => unigram::learn(&corpus, &self.meta, options, self.progress)?,
            ModelType::Bpe => bpe::learn(
                &corpus.sentences,
                &corpus.required_chars,
                &self.meta,
                options,
            )?,
            ModelType::Char => character::learn(&corpus.required_chars, &self.meta, options)?,
            ModelType::Word => word::learn(&corpus.sentences, &self.meta, options)?,
        };
        // spm_train's hard vocabulary limit, which CHAR models do not have.
        let exact = options.model_type != ModelType::Char;
        self.meta.assemble(&learned, options.vocab_size, exact)
    }

    fn write(
        &self,
        pieces: &Vec<SpmPiece>,
        _counts: &WordCounts,
        dir: &Path,
        files: &mut Staged,
        report: &mut Report,
    ) -> Result<()> {
        let options = &self.options;
        write_model_files(files, &dir.join("spm"), pieces, options)?;
        report.files = vec![
            ("model".into(), dir.join("spm.model")),
            ("vocab".into(), dir.join("spm.vocab")),
        ];
        let (trainer, normalizer) = specs_of(options)?;
        match spm_tokenizer_json(pieces, &trainer, &normalizer) {
            Ok(json) => {
                let bytes = serde_json::to_vec_pretty(&json).map_err(|e| {
                    Error::InvalidArgument(format!("cannot serialise tokenizer.json: {e}"))
                })?;
                let path = dir.join("tokenizer.json");
                files.write(&path, &bytes)?;
                report.files.push(("tokenizer".into(), path));
            }
            Err(Error::Unsupported(why)) => report
                .notes
                .push(format!("no tokenizer.json written: {why}")),
            Err(e) => return Err(e),
        }
        report.vocab_size = pieces.len();
        report.special_tokens = self.meta.len();
        report.alphabet_size = (pieces.iter())
            .filter(|p| p.kind == crate::formats::spm_model::PieceType::Normal)
            .filter(|p| p.piece.chars().count() == 1)
            .count();
        Ok(())
    }
}
