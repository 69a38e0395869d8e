//! Python's `base64.b64decode(s)` without `validate=True`, the decoding
//! tiktoken's rank loader uses: characters outside the alphabet are skipped,
//! padding ends the input once it completes a group, and only a group left
//! one or two characters short is an error (CPython `binascii.a2b_base64`).

/// The standard alphabet's value of each byte, or `None` outside it.
fn value(byte: u8) -> Option<u8> {
    match byte {
        b'A'..=b'Z' => Some(byte - b'A'),
        b'a'..=b'z' => Some(byte - b'a' + 26),
        b'0'..=b'9' => Some(byte - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// `data` decoded as Python decodes it, or Python's complaint.
pub fn b64decode(data: &[u8]) -> Result<Vec<u8>, &'static str> {
    let mut out = Vec::with_capacity(data.len() / 4 * 3);
    // characters of the current group of four, and the bits left over
    let mut quad = 0;
    let mut left: u8 = 0;
    let mut pads = 0;
    for &byte in data {
        if byte == b'=' {
            pads += 1;
            if quad >= 2 && quad + pads >= 4 {
                return Ok(out);
            }
            continue;
        }
        let Some(v) = value(byte) else { continue };
        pads = 0;
        match quad {
            0 => left = v,
            1 => {
                out.push(left << 2 | v >> 4);
                left = v & 0x0f;
            }
            2 => {
                out.push(left << 4 | v >> 2);
                left = v & 0x03;
            }
            _ => out.push(left << 6 | v),
        }
        quad = (quad + 1) % 4;
    }
    match quad {
        0 => Ok(out),
        1 => Err("the number of base64 characters is one more than a multiple of 4"),
        _ => Err("incorrect base64 padding"),
    }
}

#[cfg(test)]
mod tests {
    use super::b64decode;

    #[test]
    fn decodes_as_python() {
        // each expected value is Python 3.11's base64.b64decode of the input
        let cases: [(&[u8], &[u8]); 11] = [
            (b"IQ==", b"!"),
            (b"I*Q==", b"!"),
            (b"IQ==IQ==", b"!"),
            (b"=", b""),
            (b"====", b""),
            (b"", b""),
            (b"IQ=x=", b"!\x0c"),
            (b"IQ=Ig==", b"!\x02 "),
            (b"\xffIQ==", b"!"),
            (b"IQI=", b"!\x02"),
            (b"IQIQ", b"!\x02\x10"),
        ];
        for (input, want) in cases {
            assert_eq!(b64decode(input).unwrap(), want, "{input:?}");
        }
        for bad in [&b"IQ"[..], b"IQ=", b"I", b"I==="] {
            assert!(b64decode(bad).is_err(), "{bad:?}");
        }
    }
}
