//! Which lines of the corpus spm_train trains on, in its order: every line,
//! or with `input_sentence_size` the first ones or a sample (sentencepiece
//! `trainer_interface.cc` `SentenceSelector`). Empty lines and lines holding
//! `▅` are never taken.
//!
//! sentencepiece samples with abseil's random engine, which tokkit does not
//! reproduce: with `shuffle_input_sentence` the sample is a reservoir sample
//! of the same size under tokkit's own fixed seed, so it is repeatable but not
//! the lines sentencepiece picks.

use std::io::{BufRead, BufReader};
use std::ops::ControlFlow;
use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::models::rng::Rng;
use crate::train::corpus_file;
use crate::train::spm::options::SpmOptions;
use crate::train::spm::pieces::UNK_CHAR;

/// The seed of the reservoir sample (sentencepiece's `kSeed`).
const SEED: u64 = 12_345_678;

/// Every line of `paths` spm_train would read, with the bytes read before
/// it; lines that are not UTF-8 are refused unless `skip_invalid`.
fn each_line(
    paths: &[PathBuf],
    skip_invalid: bool,
    mut f: impl FnMut(&str) -> ControlFlow<()>,
) -> Result<()> {
    for path in paths {
        let file = corpus_file::open(path)?;
        let mut offset = 0u64;
        for line in BufReader::new(file).split(b'\n') {
            let line = line.map_err(|e| Error::io(path, e))?;
            let at = offset;
            offset += line.len() as u64 + 1;
            let line = match String::from_utf8(line) {
                Ok(line) => line,
                Err(_) if skip_invalid => continue,
                Err(_) => {
                    return Err(Error::InvalidUtf8 {
                        path: path.clone(),
                        offset: at,
                    })
                }
            };
            if line.is_empty() || line.contains(UNK_CHAR) {
                continue;
            }
            if f(&line).is_break() {
                return Ok(());
            }
        }
    }
    Ok(())
}

/// Calls `f` on each line spm_train would train on, in its order, until `f`
/// breaks.
pub fn for_each_selected(
    paths: &[PathBuf],
    options: &SpmOptions,
    skip_invalid: bool,
    mut f: impl FnMut(&str) -> ControlFlow<()>,
) -> Result<()> {
    let size = options.input_sentence_size;
    if size == 0 {
        return each_line(paths, skip_invalid, f);
    }
    if !options.shuffle_input_sentence {
        let mut taken = 0u64;
        return each_line(paths, skip_invalid, |line| {
            taken += 1;
            match f(line) {
                ControlFlow::Continue(()) if taken < size => ControlFlow::Continue(()),
                _ => ControlFlow::Break(()),
            }
        });
    }
    let mut sample: Vec<String> = Vec::new();
    let mut seen = 0u64;
    let mut rng = Rng::new(SEED);
    each_line(paths, skip_invalid, |line| {
        seen += 1;
        if (sample.len() as u64) < size {
            sample.push(line.to_owned());
        } else {
            let n = rng.below(usize::try_from(seen).unwrap_or(usize::MAX));
            if let Some(slot) = sample.get_mut(n) {
                line.clone_into(slot);
            }
        }
        ControlFlow::Continue(())
    })?;
    for line in &sample {
        if f(line).is_break() {
            break;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(options: &SpmOptions, text: &str) -> Vec<String> {
        let dir = std::env::temp_dir().join(format!(
            "tokkit-selection-{}-{}",
            std::process::id(),
            options.input_sentence_size
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("c.txt");
        std::fs::write(&path, text).unwrap();
        let mut out = Vec::new();
        for_each_selected(std::slice::from_ref(&path), options, false, |l| {
            out.push(l.to_owned());
            ControlFlow::Continue(())
        })
        .unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        out
    }

    #[test]
    fn all_lines_the_first_ones_or_a_repeatable_sample() {
        let text: String = (0..500).map(|i| format!("line {i}\n\n")).collect();
        assert_eq!(lines(&SpmOptions::default(), &text).len(), 500);
        let first = SpmOptions {
            input_sentence_size: 101,
            shuffle_input_sentence: false,
            ..SpmOptions::default()
        };
        let taken = lines(&first, &text);
        assert_eq!(taken.len(), 101);
        assert_eq!(taken.last().map(String::as_str), Some("line 100"));
        let sampled = SpmOptions {
            input_sentence_size: 102,
            ..SpmOptions::default()
        };
        let sample = lines(&sampled, &text);
        assert_eq!(sample.len(), 102);
        assert_eq!(sample, lines(&sampled, &text));
        let number = |l: &String| l[5..].parse::<u32>().unwrap();
        assert!(sample.iter().any(|l| number(l) >= 200));
    }
}
