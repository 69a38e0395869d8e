//! Pre-tokenizers: split normalized text into the pieces a model encodes.
//!
//! The split patterns of tiktoken's encodings (r50k/p50k, cl100k, o200k) are
//! written by hand ([`r50k`], [`cl100k`], [`o200k`]): linear time, no
//! recursion, no regex engine on the hot path, and the exact matches of the
//! regexes (possessive quantifiers, the `\s+(?!\S)` look-ahead, the regex
//! crate's Unicode tables). Any other pattern runs on fancy-regex, the engine
//! tiktoken itself uses ([`pattern`]).

pub mod bert;
pub mod byte_level;
pub mod cl100k;
pub mod classes;
pub mod fixed_length;
pub mod metaspace;
pub mod o200k;
pub mod pattern;
pub mod r50k;
pub mod scan;
pub mod split;
pub mod unicode_scripts;
mod unicode_scripts_table;
