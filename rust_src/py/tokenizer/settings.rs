//! Truncation and padding settings: read from Python arguments, shown as dicts.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::tokenizer::{Padding, PaddingLength, Side, Truncation, TruncationStrategy};

pub(crate) fn parse_side(side: &str) -> PyResult<Side> {
    match side {
        "right" => Ok(Side::Right),
        "left" => Ok(Side::Left),
        other => Err(PyValueError::new_err(format!(
            "direction must be \"right\" or \"left\", not {other:?}"
        ))),
    }
}

fn side_name(side: Side) -> &'static str {
    match side {
        Side::Right => "right",
        Side::Left => "left",
    }
}

/// The truncation `enable_truncation` sets: `reserved` is how many special
/// tokens post-processing adds to one text, which the stride must leave room for.
pub(super) fn truncation(
    max_length: usize,
    stride: usize,
    strategy: &str,
    direction: &str,
    reserved: usize,
) -> PyResult<Truncation> {
    let strategy = match strategy {
        "longest_first" => TruncationStrategy::LongestFirst,
        "only_first" => TruncationStrategy::OnlyFirst,
        "only_second" => TruncationStrategy::OnlySecond,
        other => {
            return Err(PyValueError::new_err(format!(
                "unknown truncation strategy {other:?}"
            )))
        }
    };
    if max_length >= reserved && max_length - reserved < stride {
        return Err(crate::Error::InvalidArgument(format!(
            "truncation stride ({stride}) must be smaller than max_length ({max_length}) \
             minus the {reserved} special tokens"
        ))
        .into());
    }
    Ok(Truncation {
        max_length,
        stride,
        strategy,
        side: parse_side(direction)?,
    })
}

/// The padding `enable_padding` sets.
pub(super) fn padding(
    direction: &str,
    pad_id: u32,
    pad_type_id: u32,
    pad_token: &str,
    length: Option<usize>,
    pad_to_multiple_of: Option<usize>,
) -> PyResult<Padding> {
    let padding = Padding {
        length: length.map_or(PaddingLength::BatchLongest, PaddingLength::Fixed),
        pad_to_multiple_of,
        pad_id,
        pad_type_id,
        pad_token: pad_token.to_owned(),
        side: parse_side(direction)?,
    };
    padding.check()?;
    Ok(padding)
}

/// Truncation settings as the dict HF's `Tokenizer.truncation` gives.
pub(super) fn truncation_dict<'py>(py: Python<'py>, t: Truncation) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("max_length", t.max_length)?;
    d.set_item("stride", t.stride)?;
    let strategy = match t.strategy {
        TruncationStrategy::LongestFirst => "longest_first",
        TruncationStrategy::OnlyFirst => "only_first",
        TruncationStrategy::OnlySecond => "only_second",
    };
    d.set_item("strategy", strategy)?;
    d.set_item("direction", side_name(t.side))?;
    Ok(d)
}

/// Padding settings as the dict HF's `Tokenizer.padding` gives.
pub(super) fn padding_dict<'py>(py: Python<'py>, p: Padding) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    let length = match p.length {
        PaddingLength::Fixed(n) => Some(n),
        PaddingLength::BatchLongest => None,
    };
    d.set_item("length", length)?;
    d.set_item("pad_to_multiple_of", p.pad_to_multiple_of)?;
    d.set_item("pad_id", p.pad_id)?;
    d.set_item("pad_type_id", p.pad_type_id)?;
    d.set_item("pad_token", p.pad_token)?;
    d.set_item("direction", side_name(p.side))?;
    Ok(d)
}
