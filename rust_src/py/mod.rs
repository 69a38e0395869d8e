//! The Python module `tokkit._tokkit`: the only code that knows about Python.
//! One file per exposed class; every method that loops over input releases
//! the GIL (`py.detach`).

mod added_token;
mod allocator;
mod arrays;
mod batch;
mod bert;
mod convert;
mod decode_stream;
mod encoding;
mod exceptions;
mod id_ints;
mod lines;
mod spm;
mod text;
mod tiktoken;
mod tokenizer;
mod train;

use pyo3::prelude::*;

#[pymodule]
fn _tokkit(m: &Bound<'_, PyModule>) -> PyResult<()> {
    exceptions::register(m)?;
    arrays::register(m)?;
    tiktoken::register(m)?;
    spm::register(m)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<bert::BasicTokenizerCore>()?;
    m.add_class::<bert::WordPieceCore>()?;
    m.add_class::<bert::BertPipeline>()?;
    m.add_function(wrap_pyfunction!(bert::read_vocab_txt_file, m)?)?;
    m.add_function(wrap_pyfunction!(bert::read_vocab_txt_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(lines::split_lines, m)?)?;
    m.add_function(wrap_pyfunction!(convert::convert_files, m)?)?;
    m.add_class::<tokenizer::PyTokenizer>()?;
    m.add_class::<added_token::PyAddedToken>()?;
    m.add_class::<decode_stream::PyDecodeStream>()?;
    m.add_class::<encoding::PyEncoding>()?;
    m.add_function(wrap_pyfunction!(train::train_wordpiece, m)?)?;
    m.add_function(wrap_pyfunction!(train::train_bpe, m)?)?;
    m.add_function(wrap_pyfunction!(train::train_spm, m)?)?;
    m.add_function(wrap_pyfunction!(train::check_spm_options, m)?)?;
    m.add_function(wrap_pyfunction!(train::count_file_words, m)?)?;
    m.add_function(wrap_pyfunction!(train::count_text_words, m)?)?;
    m.add_class::<train::PyWordCounts>()?;
    m.add_class::<train::PyWordSplit>()?;
    Ok(())
}
