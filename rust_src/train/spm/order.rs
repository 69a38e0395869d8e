//! Which sentence ends sentencepiece's seed buffer.
//!
//! spm_train joins its sentences, in corpus order, into one buffer for the
//! suffix array; after normalization it drops the empty ones by moving the
//! last sentence into each hole (`trainer_interface.cc` `LoadSentences`).
//! Every sentence starts with `▁`, so of all the sentence ends only those of
//! the buffer's last sentence branch in the suffix tree (the buffer ends
//! there), and its sentence-final substrings are counted once more as seeds.
//! tokkit keeps distinct sentences, not the corpus order, so it finds that
//! sentence with one more pass over the files and puts it last too.

use std::ops::ControlFlow;
use std::path::PathBuf;

use crate::error::Result;
use crate::train::spm::options::SpmOptions;
use crate::train::spm::selection::for_each_selected;

/// The raw line spm_train's buffer ends with: of the lines it trains on
/// ([`for_each_selected`]), of which `kept` normalize to something, the line
/// at `kept - 1` when it does, else the first such line after it.
pub fn last_line(
    paths: &[PathBuf],
    options: &SpmOptions,
    skip_invalid: bool,
    kept: u64,
    mut normalizes_to_empty: impl FnMut(&str) -> bool,
) -> Result<Option<String>> {
    let Some(target) = kept.checked_sub(1) else {
        return Ok(None);
    };
    let mut index = 0u64;
    let mut found = None;
    for_each_selected(paths, options, skip_invalid, |line| {
        if index >= target && !normalizes_to_empty(line) {
            found = Some(line.to_owned());
            return ControlFlow::Break(());
        }
        index += 1;
        ControlFlow::Continue(())
    })?;
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_kept_line_or_the_first_after_it() {
        let dir = std::env::temp_dir().join(format!("tokkit-order-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("c.txt");
        // "-" normalizes to nothing here: of the 6 lines read, 4 are kept,
        // and the 4th read, "c", is one of them (sentencepiece leaves it last).
        std::fs::write(&path, "a\n-\n\nb\nc\n-\nd").unwrap();
        let empty = |l: &str| l == "-";
        assert_eq!(
            last_line(
                std::slice::from_ref(&path),
                &SpmOptions::default(),
                false,
                4,
                empty
            )
            .unwrap()
            .as_deref(),
            Some("c")
        );
        std::fs::write(&path, "a\nb\n-\nc\n-\n").unwrap();
        // index 2 ("-") is empty: the first kept line after it, "c".
        assert_eq!(
            last_line(
                std::slice::from_ref(&path),
                &SpmOptions::default(),
                false,
                3,
                empty
            )
            .unwrap()
            .as_deref(),
            Some("c")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
