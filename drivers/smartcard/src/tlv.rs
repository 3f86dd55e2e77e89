//! The subset of BER-TLV (ISO 7816-4 §5.2, ITU-T X.690) the card files use: tags of one to
//! three bytes, definite lengths in one (00-7F), two (81 xx) or three (82 xx xx) bytes. The
//! parser never panics and rejects what it cannot read exactly, so a damaged file is reported,
//! never half-read.

use crate::SmartcardError;

/// One data object: its tag (1-3 bytes, kept as a number: `0x70`, `0x9F08`) and value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    pub tag: u32,
    pub value: &'a [u8],
}

/// Reads a tag at the start of `bytes`: `(tag, bytes used)`.
fn read_tag(bytes: &[u8]) -> Option<(u32, usize)> {
    let first = *bytes.first()?;
    if first & 0x1F != 0x1F {
        return Some((u32::from(first), 1));
    }
    // Multi-byte tag: following bytes have b8 set while more follow; at most 3 bytes in all.
    let mut tag = u32::from(first);
    for (i, b) in bytes.iter().enumerate().skip(1).take(2) {
        tag = (tag << 8) | u32::from(*b);
        if b & 0x80 == 0 {
            return Some((tag, i + 1));
        }
    }
    None
}

/// Reads a definite length at the start of `bytes`: `(length, bytes used)`.
fn read_len(bytes: &[u8]) -> Option<(usize, usize)> {
    match *bytes.first()? {
        n @ 0..=0x7F => Some((usize::from(n), 1)),
        0x81 => Some((usize::from(*bytes.get(1)?), 2)),
        0x82 => Some((
            usize::from(u16::from_be_bytes([*bytes.get(1)?, *bytes.get(2)?])),
            3,
        )),
        _ => None,
    }
}

/// The tag and the header length of the data object starting `bytes`, and the total length of
/// that object (header + value), without needing the value to be there yet. Used to learn a
/// file's size from its first bytes.
pub fn header(bytes: &[u8]) -> Option<(u32, usize, usize)> {
    let (tag, tag_len) = read_tag(bytes)?;
    let (len, len_len) = read_len(&bytes[tag_len..])?;
    let header = tag_len + len_len;
    Some((tag, header, header + len))
}

/// Splits `bytes` into consecutive data objects. Trailing bytes that do not form a whole
/// object are an error.
pub fn parse_all(mut bytes: &[u8]) -> Result<Vec<Tlv<'_>>, SmartcardError> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let Some((tag, head, total)) = header(bytes) else {
            return Err(SmartcardError::invalid_data(format!(
                "unreadable TLV header at {:02X?}",
                &bytes[..bytes.len().min(4)]
            )));
        };
        let Some(value) = bytes.get(head..total) else {
            return Err(SmartcardError::invalid_data(format!(
                "TLV {tag:X} says {} value bytes but only {} remain",
                total - head,
                bytes.len() - head
            )));
        };
        out.push(Tlv { tag, value });
        bytes = &bytes[total..];
    }
    Ok(out)
}

/// Appends one data object with a one-byte tag. Values longer than 65 535 bytes do not occur in
/// the card files (the caller limits field sizes).
pub fn write(out: &mut Vec<u8>, tag: u8, value: &[u8]) {
    out.push(tag);
    match value.len() {
        n @ 0..=0x7F => out.push(n as u8),
        n @ 0x80..=0xFF => out.extend_from_slice(&[0x81, n as u8]),
        n => {
            let n = u16::try_from(n).unwrap_or(u16::MAX);
            out.push(0x82);
            out.extend_from_slice(&n.to_be_bytes());
        }
    }
    out.extend_from_slice(value);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_short_and_long_forms() {
        let mut b = Vec::new();
        write(&mut b, 0x80, b"abc");
        write(&mut b, 0x81, &[7; 200]);
        write(&mut b, 0x82, &[1; 300]);
        let t = parse_all(&b).unwrap();
        assert_eq!(t.len(), 3);
        assert_eq!((t[0].tag, t[0].value), (0x80, &b"abc"[..]));
        assert_eq!(t[1].value.len(), 200);
        assert_eq!(&b[5..8], [0x81, 0x81, 200]);
        assert_eq!(t[2].value.len(), 300);
    }

    #[test]
    fn reads_multi_byte_tags() {
        let b = [0x9F, 0x08, 0x01, 0x01, 0x5F, 0x20, 0x00];
        let t = parse_all(&b).unwrap();
        assert_eq!(t[0].tag, 0x9F08);
        assert_eq!(t[1].tag, 0x5F20);
        assert!(t[1].value.is_empty());
    }

    #[test]
    fn rejects_truncated_and_indefinite_objects() {
        assert!(parse_all(&[0x80, 0x05, 1, 2]).is_err());
        assert!(parse_all(&[0x80]).is_err());
        assert!(parse_all(&[0x70, 0x80, 0, 0]).is_err());
        assert!(parse_all(&[0x9F, 0x88, 0x88, 0x01, 0x00]).is_err());
        assert_eq!(header(&[0x70, 0x81, 0x90]), Some((0x70, 3, 0x93)));
    }

    proptest! {
        #[test]
        fn parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            if let Ok(objects) = parse_all(&bytes) {
                let total: usize = objects.iter().map(|o| o.value.len()).sum();
                prop_assert!(total <= bytes.len());
            }
            let _ = header(&bytes);
        }

        #[test]
        fn written_objects_read_back(
            values in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..400), 0..5),
        ) {
            let mut b = Vec::new();
            for (i, v) in values.iter().enumerate() {
                write(&mut b, 0x80 + i as u8, v);
            }
            let t = parse_all(&b).unwrap();
            prop_assert_eq!(t.len(), values.len());
            for (o, v) in t.iter().zip(&values) {
                prop_assert_eq!(o.value, &v[..]);
            }
        }
    }
}
