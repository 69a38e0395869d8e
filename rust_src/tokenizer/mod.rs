//! The general tokenizer: one [`crate::pipeline`] run end to end, with added
//! tokens, post-processing, truncation, padding and decoding (HF semantics).

pub mod added_tokens;
pub mod added_vocab;
pub mod alignment;
pub mod byte_level_post;
pub mod decode_stream;
pub mod detail_reads;
pub mod encoding;
pub mod encoding_state;
pub mod lazy;
pub mod merge;
pub mod part_rewrite;
pub mod post_process;
pub mod roberta_post;
pub mod sequence_post;
pub mod source;
pub mod tokens;
pub mod truncation;

mod count;
mod decode;
mod encode;
mod ids_alone;
mod run;
mod vocab;

use std::sync::Arc;

use crate::pipeline::{Decoder, Model, Normalizer, PreTokenizer};
use added_tokens::AddedTokens;
use detail_reads::DetailReads;
pub use encoding::{Encoding, Side};
use part_rewrite::{MetaspaceLast, PartRewrite};
use post_process::PostProcessor;
pub use truncation::{Padding, PaddingLength, Truncation, TruncationStrategy};

/// A complete tokenizer. Immutable once built, so it is shared across threads
/// freely; truncation and padding are settings a caller can replace. Adding
/// tokens makes a new tokenizer: a clone shares every component but the
/// added tokens.
#[derive(Clone)]
pub struct Tokenizer {
    normalizer: Option<Arc<dyn Normalizer>>,
    pre_tokenizer: Option<Arc<dyn PreTokenizer>>,
    model: Arc<dyn Model>,
    post_processor: Option<Arc<dyn PostProcessor>>,
    decoder: Option<Arc<dyn Decoder>>,
    /// The added tokens and the matchers that find them.
    added: AddedTokens,
    /// The tokenizer.json normalizer alone, which HF runs on the content of
    /// normalized added tokens.
    added_normalizer: Option<Arc<dyn Normalizer>>,
    /// What HF's ByteLevel does to each part of the text between added
    /// tokens, when the normalizers cannot do it once for the whole text.
    part_rewrite: Option<PartRewrite>,
    /// HF's Metaspace after the pre-tokenizer's other steps, run on each
    /// piece they cut.
    metaspace_last: Option<MetaspaceLast>,
    /// Whether the steps above are laid out differently once a normalized
    /// added token exists (ByteLevel's prefix space moves to each part):
    /// adding the first one must then build the tokenizer again.
    pub relayout_on_normalized_added: bool,
    /// Truncation and padding found in tokenizer.json.
    pub defaults: EncodeOptions,
    /// Whether its encodings' strings and offsets were read of late, which
    /// decides whether [`Self::encode_lazy`] makes them at once; shared by
    /// its clones.
    detail_reads: Arc<DetailReads>,
}

/// Per-call settings: what HF keeps as mutable tokenizer state lives here,
/// so the tokenizer itself never changes once built.
#[derive(Debug, Clone, Default)]
pub struct EncodeOptions {
    /// Truncation, if any.
    pub truncation: Option<Truncation>,
    /// Padding, if any.
    pub padding: Option<Padding>,
}

/// One input sequence: a text, or a text already split into words (HF's
/// `is_pretokenized`).
#[derive(Debug)]
pub enum Input<'a, W = &'a str> {
    /// A whole text.
    Text(&'a str),
    /// Words, each encoded on its own as one word.
    Words(&'a [W]),
}

// Copy whatever the words are: the enum holds only references.
impl<W> Clone for Input<'_, W> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<W> Copy for Input<'_, W> {}

impl Tokenizer {
    /// A tokenizer that only runs `model` on the whole text.
    pub fn new(model: Box<dyn Model>) -> Self {
        Tokenizer {
            normalizer: None,
            pre_tokenizer: None,
            model: Arc::from(model),
            post_processor: None,
            decoder: None,
            added: AddedTokens::default(),
            added_normalizer: None,
            part_rewrite: None,
            metaspace_last: None,
            relayout_on_normalized_added: false,
            defaults: EncodeOptions::default(),
            detail_reads: Arc::default(),
        }
    }

    /// Sets the normalizer.
    pub fn with_normalizer(mut self, normalizer: Box<dyn Normalizer>) -> Self {
        self.normalizer = Some(Arc::from(normalizer));
        self
    }

    /// Sets the pre-tokenizer.
    pub fn with_pre_tokenizer(mut self, pre_tokenizer: Box<dyn PreTokenizer>) -> Self {
        self.pre_tokenizer = Some(Arc::from(pre_tokenizer));
        self
    }

    /// Sets the rewrite of each part of the text between added tokens.
    pub fn with_part_rewrite(mut self, rewrite: Option<PartRewrite>) -> Self {
        self.part_rewrite = rewrite;
        self
    }

    /// Runs HF's Metaspace on each piece the pre-tokenizer cuts.
    pub fn with_metaspace_last(mut self, metaspace: Option<MetaspaceLast>) -> Self {
        self.metaspace_last = metaspace;
        self
    }

    /// Sets the post-processor.
    pub fn with_post_processor(mut self, post_processor: Box<dyn PostProcessor>) -> Self {
        self.post_processor = Some(Arc::from(post_processor));
        self
    }

    /// Sets the decoder.
    pub fn with_decoder(mut self, decoder: Box<dyn Decoder>) -> Self {
        self.decoder = Some(Arc::from(decoder));
        self
    }

    /// Sets the normalizer HF runs on the content of normalized added
    /// tokens (the tokenizer.json normalizer alone); set it before adding.
    pub fn with_added_normalizer(mut self, normalizer: Box<dyn Normalizer>) -> Self {
        self.added_normalizer = Some(Arc::from(normalizer));
        self
    }
}
