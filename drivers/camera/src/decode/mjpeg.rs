//! The marker structure of MJPEG frames (ITU-T T.81 Annex B): checking that a frame is complete
//! before it is decoded, finding where it ends inside a padded driver buffer, and supplying the
//! standard Huffman tables (T.81 Annex K.3) that many UVC cameras leave out of every frame.
//!
//! The walk never panics and never reads out of bounds: every length is checked against the
//! buffer, and anything that does not follow the syntax is reported as a text for
//! [`CameraError::Decode`](crate::CameraError::Decode).

use std::borrow::Cow;

/// Marker codes (the byte after `0xFF`).
const SOI: u8 = 0xD8;
const EOI: u8 = 0xD9;
const SOS: u8 = 0xDA;
const DHT: u8 = 0xC4;
const TEM: u8 = 0x01;

/// Table K.3: luminance DC code lengths (number of codes of length 1..=16) and values.
const LUMA_DC_BITS: [u8; 16] = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const DC_VALUES: [u8; 12] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
/// Table K.4: chrominance DC code lengths (values as for luminance).
const CHROMA_DC_BITS: [u8; 16] = [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0];
/// Table K.5: luminance AC code lengths and values (run/size bytes in code order).
const LUMA_AC_BITS: [u8; 16] = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7D];
const LUMA_AC_VALUES: [u8; 162] = [
    0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07,
    0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xA1, 0x08, 0x23, 0x42, 0xB1, 0xC1, 0x15, 0x52, 0xD1, 0xF0,
    0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0A, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x25, 0x26, 0x27, 0x28,
    0x29, 0x2A, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3A, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49,
    0x4A, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5A, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
    0x6A, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7A, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
    0x8A, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7,
    0xA8, 0xA9, 0xAA, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7, 0xB8, 0xB9, 0xBA, 0xC2, 0xC3, 0xC4, 0xC5,
    0xC6, 0xC7, 0xC8, 0xC9, 0xCA, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9, 0xDA, 0xE1, 0xE2,
    0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9, 0xEA, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0xF8,
    0xF9, 0xFA,
];
/// Table K.6: chrominance AC code lengths and values.
const CHROMA_AC_BITS: [u8; 16] = [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77];
const CHROMA_AC_VALUES: [u8; 162] = [
    0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71,
    0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xA1, 0xB1, 0xC1, 0x09, 0x23, 0x33, 0x52, 0xF0,
    0x15, 0x62, 0x72, 0xD1, 0x0A, 0x16, 0x24, 0x34, 0xE1, 0x25, 0xF1, 0x17, 0x18, 0x19, 0x1A, 0x26,
    0x27, 0x28, 0x29, 0x2A, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3A, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48,
    0x49, 0x4A, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5A, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
    0x69, 0x6A, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7A, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
    0x88, 0x89, 0x8A, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0xA2, 0xA3, 0xA4, 0xA5,
    0xA6, 0xA7, 0xA8, 0xA9, 0xAA, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7, 0xB8, 0xB9, 0xBA, 0xC2, 0xC3,
    0xC4, 0xC5, 0xC6, 0xC7, 0xC8, 0xC9, 0xCA, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9, 0xDA,
    0xE2, 0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9, 0xEA, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0xF8,
    0xF9, 0xFA,
];

/// Length of [`STANDARD_DHT`]: marker, length field, and four tables of class/id byte,
/// 16 counts and their values.
const DHT_LEN: usize = 4 + 4 * 17 + 12 + 12 + 162 + 162;

/// One DHT segment holding the four tables of Annex K.3 in the destinations a baseline
/// YCbCr frame uses: DC 0 and AC 0 for luminance, DC 1 and AC 1 for chrominance. This is
/// what a decoder inserts before the scan of an MJPEG frame that has no DHT (the OpenDML
/// AVI MJPEG convention, which UVC cameras follow).
pub const STANDARD_DHT: [u8; DHT_LEN] = build_standard_dht();

const fn build_standard_dht() -> [u8; DHT_LEN] {
    let mut out = [0u8; DHT_LEN];
    out[0] = 0xFF;
    out[1] = DHT;
    // The length counts itself but not the marker.
    let len = (DHT_LEN - 2) as u16;
    out[2] = (len >> 8) as u8;
    out[3] = (len & 0xFF) as u8;
    let mut at = 4;
    at = put_table(&mut out, at, 0x00, &LUMA_DC_BITS, &DC_VALUES);
    at = put_table(&mut out, at, 0x10, &LUMA_AC_BITS, &LUMA_AC_VALUES);
    at = put_table(&mut out, at, 0x01, &CHROMA_DC_BITS, &DC_VALUES);
    at = put_table(&mut out, at, 0x11, &CHROMA_AC_BITS, &CHROMA_AC_VALUES);
    assert!(at == DHT_LEN);
    out
}

const fn put_table(
    out: &mut [u8; DHT_LEN],
    mut at: usize,
    class_and_id: u8,
    bits: &[u8; 16],
    values: &[u8],
) -> usize {
    out[at] = class_and_id;
    at += 1;
    let mut i = 0;
    let mut total = 0;
    while i < 16 {
        out[at] = bits[i];
        total += bits[i] as usize;
        at += 1;
        i += 1;
    }
    assert!(total == values.len());
    let mut j = 0;
    while j < values.len() {
        out[at] = values[j];
        at += 1;
        j += 1;
    }
    at
}

/// What [`inspect`] found in a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    pub width: u16,
    pub height: u16,
    /// Number of colour components (3 for YCbCr, 1 for grey).
    pub components: u8,
    /// The start-of-frame marker: `0xC0` baseline, `0xC1` extended, `0xC2` progressive.
    pub sof: u8,
    /// Whether a DHT segment comes before the first scan.
    pub has_dht: bool,
    /// Offset of the first SOS marker (where missing tables are inserted).
    pub sos_offset: usize,
    /// Offset just past the EOI marker: the frame's length. Bytes after it are driver padding.
    pub end: usize,
}

fn be16(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*bytes.get(at)?, *bytes.get(at + 1)?]))
}

/// Walks the markers of one JPEG frame from SOI to EOI and checks its syntax: a frame header
/// this decoder supports, at least one scan, every segment and the entropy-coded data complete.
/// Truncated frames (cut short by a USB transfer error) and garbage are reported, not decoded.
pub fn inspect(bytes: &[u8]) -> Result<Layout, String> {
    if bytes.len() < 4 || bytes[0] != 0xFF || bytes[1] != SOI {
        return Err("does not start with a JPEG SOI marker (FF D8)".into());
    }
    let truncated = |what: &str| format!("truncated: {what} (frame of {} bytes)", bytes.len());
    let mut frame: Option<(u8, u16, u16, u8)> = None;
    let mut has_dht = false;
    let mut sos_offset = None;
    let mut pos = 2;
    loop {
        let Some(&first) = bytes.get(pos) else {
            return Err(truncated("no EOI marker"));
        };
        if first != 0xFF {
            return Err(format!(
                "expected a marker at byte {pos}, found {first:#04x}"
            ));
        }
        let marker_start = pos;
        // Any number of 0xFF fill bytes may precede a marker code (B.1.1.2).
        while bytes.get(pos) == Some(&0xFF) {
            pos += 1;
        }
        let Some(&code) = bytes.get(pos) else {
            return Err(truncated("no EOI marker"));
        };
        pos += 1;
        match code {
            EOI => {
                let Some((sof, width, height, components)) = frame else {
                    return Err("EOI before any frame header".into());
                };
                let Some(sos_offset) = sos_offset else {
                    return Err("EOI before any scan".into());
                };
                return Ok(Layout {
                    width,
                    height,
                    components,
                    sof,
                    has_dht,
                    sos_offset,
                    end: pos,
                });
            }
            SOI => return Err(format!("second SOI marker at byte {marker_start}")),
            0x00 => return Err(format!("invalid marker FF 00 at byte {marker_start}")),
            // Markers without a length: restart markers and TEM. Harmless outside a scan.
            TEM | 0xD0..=0xD7 => continue,
            _ => {}
        }
        let Some(len) = be16(bytes, pos) else {
            return Err(truncated("segment length"));
        };
        let len = usize::from(len);
        if len < 2 {
            return Err(format!(
                "segment {code:#04x} with length {len} at byte {marker_start}"
            ));
        }
        let body = pos + 2;
        let segment_end = pos + len;
        if segment_end > bytes.len() {
            return Err(truncated("segment runs past the end"));
        }
        match code {
            DHT => has_dht |= sos_offset.is_none(),
            0xC0..=0xC2 => {
                if frame.is_some() {
                    return Err("two frame headers".into());
                }
                if len < 8 {
                    return Err(format!("frame header of length {len}"));
                }
                let precision = bytes[body];
                let height = be16(bytes, body + 1).unwrap_or(0);
                let width = be16(bytes, body + 3).unwrap_or(0);
                let components = bytes[body + 5];
                if precision != 8 {
                    return Err(format!("{precision}-bit samples (only 8-bit is supported)"));
                }
                if width == 0 || height == 0 {
                    return Err(format!("frame size {width}x{height}"));
                }
                if !matches!(components, 1 | 3) || len != 8 + 3 * usize::from(components) {
                    return Err(format!(
                        "{components} components in a frame header of length {len}"
                    ));
                }
                frame = Some((code, width, height, components));
            }
            // Lossless, hierarchical and arithmetic-coded JPEG: never sent by UVC cameras.
            0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => {
                return Err(format!("unsupported JPEG process (SOF marker {code:#04x})"));
            }
            SOS => {
                if frame.is_none() {
                    return Err("scan before the frame header".into());
                }
                sos_offset.get_or_insert(marker_start);
                pos = skip_entropy_coded(bytes, segment_end)
                    .ok_or_else(|| truncated("entropy-coded data has no end marker"))?;
                continue;
            }
            _ => {}
        }
        pos = segment_end;
    }
}

/// Skips entropy-coded data from `from`: returns the offset of the next marker that is not a
/// stuffed byte (`FF 00`), a restart marker (`FF D0`..`FF D7`) or fill. `None` if the buffer ends.
fn skip_entropy_coded(bytes: &[u8], from: usize) -> Option<usize> {
    let mut pos = from;
    loop {
        let ff = pos + bytes.get(pos..)?.iter().position(|&b| b == 0xFF)?;
        match *bytes.get(ff + 1)? {
            0x00 | 0xD0..=0xD7 => pos = ff + 2,
            0xFF => pos = ff + 1,
            _ => return Some(ff),
        }
    }
}

/// The length of the JPEG frame at the start of `bytes` (through its EOI marker), or `None` if
/// it is not a complete frame. V4L2 buffers are larger than the frame and the rest holds stale
/// bytes; this is where to cut.
pub fn frame_len(bytes: &[u8]) -> Option<usize> {
    inspect(bytes).ok().map(|layout| layout.end)
}

/// The frame cut at its EOI, with [`STANDARD_DHT`] inserted before the first scan if it came
/// without Huffman tables. Borrowed when nothing had to change.
pub fn complete<'a>(bytes: &'a [u8], layout: &Layout) -> Cow<'a, [u8]> {
    let frame = &bytes[..layout.end.min(bytes.len())];
    if layout.has_dht || layout.sos_offset > frame.len() {
        return Cow::Borrowed(frame);
    }
    let mut out = Vec::with_capacity(frame.len() + STANDARD_DHT.len());
    out.extend_from_slice(&frame[..layout.sos_offset]);
    out.extend_from_slice(&STANDARD_DHT);
    out.extend_from_slice(&frame[layout.sos_offset..]);
    Cow::Owned(out)
}

/// Removes every DHT segment before the first scan, as many UVC cameras send their frames.
/// Only valid for frames coded with the standard tables (the simulators use it on frames from
/// `image`'s encoder, which codes with them). Fails on frames [`inspect`] rejects.
pub fn strip_dht(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let layout = inspect(bytes)?;
    let mut out = Vec::with_capacity(layout.end);
    out.extend_from_slice(&bytes[..2]);
    let mut pos = 2;
    // Header segments up to the first SOS all have lengths (inspect checked them).
    while pos < layout.sos_offset {
        let mut code_at = pos;
        while bytes[code_at] == 0xFF {
            code_at += 1;
        }
        let code = bytes[code_at];
        let next = if matches!(code, TEM | 0xD0..=0xD7) {
            code_at + 1
        } else {
            code_at + 1 + usize::from(be16(bytes, code_at + 1).unwrap_or(2))
        };
        if code != DHT {
            out.extend_from_slice(&bytes[pos..next]);
        }
        pos = next;
    }
    out.extend_from_slice(&bytes[layout.sos_offset..layout.end]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal syntactically complete grey frame: SOI, SOF0 1x1, SOS, one data byte, EOI.
    fn tiny() -> Vec<u8> {
        let mut v = vec![0xFF, 0xD8];
        v.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x0B, 8, 0, 1, 0, 1, 1, 1, 0x11, 0]);
        v.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 1, 1, 0x00, 0, 63, 0]);
        v.extend_from_slice(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]);
        v.extend_from_slice(&[0xFF, 0xD9]);
        v
    }

    #[test]
    fn standard_dht_segment_is_well_formed() {
        assert_eq!(STANDARD_DHT.len(), 420);
        assert_eq!(&STANDARD_DHT[..4], &[0xFF, 0xC4, 0x01, 0xA2]);
        // Class/destination bytes at the start of each table.
        assert_eq!(STANDARD_DHT[4], 0x00);
        assert_eq!(STANDARD_DHT[4 + 17 + 12], 0x10);
        assert_eq!(STANDARD_DHT[4 + 17 + 12 + 17 + 162], 0x01);
        assert_eq!(STANDARD_DHT[4 + 2 * (17 + 12) + 17 + 162], 0x11);
    }

    #[test]
    fn walks_a_minimal_frame_and_finds_its_end_in_padding() {
        let mut f = tiny();
        let n = f.len();
        f.extend_from_slice(&[0xFF, 0xD9, 0xAA, 0x00, 0xFF]);
        let layout = inspect(&f).expect("valid");
        assert_eq!(layout.end, n);
        assert_eq!((layout.width, layout.height, layout.components), (1, 1, 1));
        assert!(!layout.has_dht);
        assert_eq!(layout.sos_offset, 15);
        assert_eq!(frame_len(&f), Some(n));
    }

    #[test]
    fn every_truncation_is_an_error() {
        let f = tiny();
        for cut in 0..f.len() {
            assert!(inspect(&f[..cut]).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn inserts_tables_before_the_scan_only_when_missing() {
        let f = tiny();
        let layout = inspect(&f).expect("valid");
        let done = complete(&f, &layout);
        assert_eq!(done.len(), f.len() + STANDARD_DHT.len());
        assert_eq!(&done[15..15 + 420], &STANDARD_DHT[..]);
        let again = inspect(&done).expect("still valid");
        assert!(again.has_dht);
        assert!(matches!(complete(&done, &again), Cow::Borrowed(_)));
        assert_eq!(strip_dht(&done).expect("strips"), f);
    }

    #[test]
    fn rejects_unsupported_processes() {
        let mut f = tiny();
        f[3] = 0xC9; // arithmetic coding
        assert!(inspect(&f).expect_err("rejected").contains("unsupported"));
    }
}
