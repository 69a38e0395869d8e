//! Texts read in place from the buffers of an Arrow string array (Arrow's
//! columnar format: row `i` is `data[offsets[i]..offsets[i + 1]]`, offsets
//! `i32` for `string`, `i64` for `large_string`, in native byte order). No
//! text is copied; every offset and every row's UTF-8 is checked, since the
//! buffers come from outside and a bad one must be an error, not a crash.

use crate::error::{Error, Result};

/// One Arrow string array (or slice of one), as its buffers.
pub struct ArrowStrings<'a> {
    /// The offsets buffer, as bytes.
    pub offsets: &'a [u8],
    /// The character data buffer.
    pub data: &'a [u8],
    /// The array's first row in the buffers (non-zero for a slice).
    pub offset: usize,
    /// The number of rows.
    pub len: usize,
    /// `i64` offsets (`large_string`) rather than `i32`.
    pub large: bool,
}

impl<'a> ArrowStrings<'a> {
    /// The rows as `&str`, appended to `out`; `first_row` is the number of
    /// the first in error messages (its place in a chunked array).
    pub fn read_into(&self, first_row: usize, out: &mut Vec<&'a str>) -> Result<()> {
        let width = if self.large { 8 } else { 4 };
        let bad = |row: usize, what: &str| {
            Error::InvalidArgument(format!("Arrow string array row {row}: {what}"))
        };
        let offset_at = |i: usize| -> Option<usize> {
            let at = (self.offset + i).checked_mul(width)?;
            let bytes = self.offsets.get(at..at.checked_add(width)?)?;
            let value = if self.large {
                i64::from_ne_bytes(bytes.try_into().ok()?)
            } else {
                i64::from(i32::from_ne_bytes(bytes.try_into().ok()?))
            };
            usize::try_from(value).ok()
        };
        out.reserve(self.len);
        let mut start = offset_at(0).ok_or_else(|| bad(first_row, "offsets out of bounds"))?;
        for i in 0..self.len {
            let row = first_row + i;
            let end = offset_at(i + 1).ok_or_else(|| bad(row, "offsets out of bounds"))?;
            let bytes = self
                .data
                .get(start..end)
                .ok_or_else(|| bad(row, "offsets point outside the data buffer"))?;
            let text =
                std::str::from_utf8(bytes).map_err(|e| bad(row, &format!("not UTF-8: {e}")))?;
            out.push(text);
            start = end;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offsets32(values: &[i32]) -> Vec<u8> {
        values.iter().flat_map(|v| v.to_ne_bytes()).collect()
    }

    #[test]
    fn rows_are_read_from_both_offset_widths_and_slices() {
        let data = "abcdé".as_bytes();
        let small = offsets32(&[0, 2, 2, 6]);
        let mut out = Vec::new();
        let array = ArrowStrings {
            offsets: &small,
            data,
            offset: 0,
            len: 3,
            large: false,
        };
        array.read_into(0, &mut out).unwrap();
        assert_eq!(out, vec!["ab", "", "cdé"]);
        let large: Vec<u8> = [0i64, 2, 2, 6]
            .iter()
            .flat_map(|v| v.to_ne_bytes())
            .collect();
        let slice = ArrowStrings {
            offsets: &large,
            data,
            offset: 2,
            len: 1,
            large: true,
        };
        out.clear();
        slice.read_into(0, &mut out).unwrap();
        assert_eq!(out, vec!["cdé"]);
    }

    #[test]
    fn bad_buffers_name_the_row() {
        let data = "abcdé".as_bytes();
        for (offsets, len, what) in [
            (offsets32(&[0, 2, 5]), 2, "row 11: not UTF-8"),
            (offsets32(&[0, 2, 9]), 2, "row 11: offsets point outside"),
            (offsets32(&[0, 3, 2]), 2, "row 11: offsets point outside"),
            (offsets32(&[0, 2]), 2, "row 11: offsets out of bounds"),
            (offsets32(&[0, -1]), 1, "row 10: offsets out of bounds"),
        ] {
            let array = ArrowStrings {
                offsets: &offsets,
                data,
                offset: 0,
                len,
                large: false,
            };
            let err = array.read_into(10, &mut Vec::new()).unwrap_err();
            assert!(err.to_string().contains(what), "{err} lacks {what}");
        }
    }
}
