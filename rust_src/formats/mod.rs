//! File formats: parse and write only, no tokenization logic.

pub mod atomic;
pub mod gpt2;
pub mod hf_json;
pub mod hf_json_save;
pub mod hf_json_write;
pub mod py_base64;
pub mod spm_json_write;
pub mod spm_model;
pub mod spm_model_write;
pub mod tekken;
pub mod tiktoken;
pub mod vocab_txt;
