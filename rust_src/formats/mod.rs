//! File formats: parse and write only; building models is elsewhere.

pub mod tiktoken;
