//! WordPiece (Schuster & Nakajima 2012; BERT): greedy longest-match encoding
//! and a likelihood-driven trainer.

pub mod trainer;
