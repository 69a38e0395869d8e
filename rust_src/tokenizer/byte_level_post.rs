//! HF's ByteLevel post-processor: no special tokens; with `trim_offsets`,
//! offsets leave out the spaces a token starts or ends with.

use std::ops::Range;

use super::encoding::Encoding;
use super::post_process::{append_ids, PostProcessor};

/// ByteLevel post-processing.
pub struct ByteLevelPost {
    /// Shrink offsets to exclude leading and trailing spaces.
    pub trim_offsets: bool,
    /// The pre-tokenizer added a prefix space: a single leading space of
    /// the first token is kept (it stands for the text's first character).
    pub add_prefix_space: bool,
}

/// Whether a token character stands for a space (`Ġ` is byte 0x20).
fn is_space(c: char) -> bool {
    c == 'Ġ' || c.is_whitespace()
}

/// Shrinks each token's offsets (and its windows') to leave out the spaces
/// the token starts or ends with, as HF's ByteLevel and RobertaProcessing do.
pub fn trim_offsets(e: &mut Encoding, add_prefix_space: bool) {
    for (i, (token, offsets)) in e.tokens.iter().zip(e.offsets.iter_mut()).enumerate() {
        let mut leading = token.chars().take_while(|&c| is_space(c)).count();
        let trailing = token.chars().rev().take_while(|&c| is_space(c)).count();
        if leading > 0 {
            let first = i == 0 || offsets.0 == 0;
            if first && add_prefix_space && leading == 1 {
                leading = 0;
            }
            offsets.0 = (offsets.0 + leading).min(offsets.1);
        }
        if trailing > 0 && offsets.1 >= trailing {
            offsets.1 = (offsets.1 - trailing).max(offsets.0);
        }
    }
    for o in &mut e.overflowing {
        trim_offsets(o, add_prefix_space);
    }
}

impl PostProcessor for ByteLevelPost {
    fn added_tokens(&self, _is_pair: bool) -> usize {
        0
    }

    /// The ids as they are: trimming changes offsets only.
    fn process_ids(
        &self,
        sequence: &[u32],
        _add_special_tokens: bool,
        out: &mut Vec<u32>,
    ) -> Option<Range<usize>> {
        Some(append_ids(sequence, out))
    }

    /// Each part trimmed and made its own sequence, left unmerged, as HF.
    fn process_parts(
        &self,
        mut parts: Vec<Encoding>,
        _add_special_tokens: bool,
        _windows: [bool; 2],
    ) -> Vec<Encoding> {
        for (i, part) in parts.iter_mut().enumerate() {
            if self.trim_offsets {
                trim_offsets(part, self.add_prefix_space);
            }
            part.set_sequence(i);
        }
        parts
    }
}
