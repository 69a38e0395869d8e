//! Each algorithm's part of a training run ([`super::run::Algorithm`]): how
//! it splits the text, which learner it calls, which files it writes.

pub mod bpe;
pub mod spm;
pub mod wordpiece;
