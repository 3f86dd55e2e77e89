//! The scanner's USB HID report protocol (documented byte by byte in
//! `docs/devices/fingerprint.md`): report IDs and layouts, encoders for what the host sends and
//! decoders for what the device sends. Both sides are here because the simulator is a device
//! implementation of the same protocol.
//!
//! Every report starts with its report ID, as hidraw and hidapi hand them over. Multi-byte
//! integers are little-endian (the USB convention). Decoders take any byte slice and return an
//! error rather than panic; a report that does not decode is skipped and the next one is read,
//! so garbage never throws the host out of step.

mod command;
mod feature;
mod input;
mod reassembly;

pub use command::{BadCommand, Command};
pub use feature::{ScannerInfo, encode_reset, is_reset};
pub use input::{
    Chunk, DeviceState, ErrorCode, ErrorReport, Input, Status, chunk_count, decode_input,
    payload_len,
};
pub use reassembly::{Accept, Reassembler};

use std::fmt;

/// USB vendor ID: pid.codes (0x1209). Provisional, see the documentation.
pub const VENDOR_ID: u16 = 0x1209;
/// USB product ID: a pid.codes test PID, for development only. Provisional.
pub const PRODUCT_ID: u16 = 0x0001;
/// Vendor-defined HID usage page of the scanner's top-level collection ('R' = Rekam).
pub const USAGE_PAGE: u16 = 0xFF52;
/// Usage of the top-level collection ('F' = fingerprint).
pub const USAGE: u16 = 0x0046;
/// The protocol version this driver speaks.
pub const PROTOCOL_VERSION: u8 = 1;
/// First bytes of the device-info feature report, so that another device sharing the test PID is
/// not mistaken for a scanner.
pub const INFO_MAGIC: [u8; 4] = *b"RKFP";

/// Report IDs.
pub mod id {
    /// Feature, device to host: device information.
    pub const INFO: u8 = 0x01;
    /// Feature, host to device: reset the protocol state.
    pub const RESET: u8 = 0x02;
    /// Output: a command.
    pub const COMMAND: u8 = 0x10;
    /// Input: status.
    pub const STATUS: u8 = 0x21;
    /// Input: error.
    pub const ERROR: u8 = 0x22;
    /// Input: one chunk of an image.
    pub const CHUNK: u8 = 0x30;
}

/// The HID report descriptor a conforming scanner presents (see the protocol document, §2):
/// one vendor collection, feature 0x01 (127 bytes after the ID), feature 0x02 (7), output 0x10
/// (63), inputs 0x21 and 0x22 (63) and 0x30 (1023).
pub const REPORT_DESCRIPTOR: [u8; 64] = [
    0x06, 0x52, 0xFF, // Usage Page (0xFF52)
    0x09, 0x46, // Usage (0x46)
    0xA1, 0x01, // Collection (Application)
    0x15, 0x00, // Logical Minimum (0)
    0x26, 0xFF, 0x00, // Logical Maximum (255)
    0x75, 0x08, // Report Size (8)
    0x85, 0x01, 0x09, 0x01, 0x95, 0x7F, 0xB1, 0x02, // Feature 0x01, 127 bytes
    0x85, 0x02, 0x09, 0x02, 0x95, 0x07, 0xB1, 0x02, // Feature 0x02, 7 bytes
    0x85, 0x10, 0x09, 0x10, 0x95, 0x3F, 0x91, 0x02, // Output 0x10, 63 bytes
    0x85, 0x21, 0x09, 0x21, 0x95, 0x3F, 0x81, 0x02, // Input 0x21, 63 bytes
    0x85, 0x22, 0x09, 0x22, 0x95, 0x3F, 0x81, 0x02, // Input 0x22, 63 bytes
    0x85, 0x30, 0x09, 0x30, 0x96, 0xFF, 0x03, 0x81, 0x02, // Input 0x30, 1023 bytes
    0xC0, // End Collection
];

/// Report lengths including the report ID byte.
pub const INFO_LEN: usize = 128;
pub const RESET_LEN: usize = 8;
pub const COMMAND_LEN: usize = 64;
pub const STATUS_LEN: usize = 64;
pub const ERROR_LEN: usize = 64;
/// An image chunk fills one 1024-byte high-speed interrupt packet.
pub const CHUNK_LEN: usize = 1024;
pub const CHUNK_HEADER_LEN: usize = 24;
/// Image bytes per chunk (the last chunk of an image may carry fewer).
pub const CHUNK_PAYLOAD: usize = 1000;
/// Magic bytes of the reset feature report, so that a stray write cannot reset the device.
pub const RESET_MAGIC: [u8; 3] = *b"RST";

/// The largest window (chunks sent ahead of the host's acknowledgement) the protocol allows:
/// Linux hidraw queues 64 input reports per open file and drops new ones when full, so 48
/// chunks in flight plus a few status reports always fit.
pub const MAX_WINDOW: u16 = 48;

/// Command codes (byte 1 of the command output report).
pub mod cmd {
    pub const START_CAPTURE: u8 = 0x01;
    pub const CANCEL: u8 = 0x02;
    pub const ACK: u8 = 0x03;
    pub const RESEND: u8 = 0x04;
}

pub(crate) fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

pub(crate) fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

pub(crate) fn put_u16(b: &mut [u8], at: usize, v: u16) {
    b[at..at + 2].copy_from_slice(&v.to_le_bytes());
}

pub(crate) fn put_u32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

/// ASCII text from a NUL-padded field; anything else is replaced, never trusted.
pub(crate) fn text_at(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    b[..end]
        .iter()
        .map(|&c| {
            if c.is_ascii_graphic() || c == b' ' {
                char::from(c)
            } else {
                '?'
            }
        })
        .collect()
}

pub(crate) fn put_text(b: &mut [u8], text: &str) {
    let bytes: Vec<u8> = text
        .bytes()
        .map(|c| {
            if c.is_ascii_graphic() || c == b' ' {
                c
            } else {
                b'?'
            }
        })
        .take(b.len())
        .collect();
    b[..bytes.len()].copy_from_slice(&bytes);
}

/// Why a report did not decode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    Empty,
    UnknownReport(u8),
    TooShort { id: u8, len: usize, need: usize },
    BadField { id: u8, field: &'static str },
    BadChunkCrc,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Empty => f.write_str("empty report"),
            DecodeError::UnknownReport(id) => write!(f, "unknown report ID 0x{id:02X}"),
            DecodeError::TooShort { id, len, need } => {
                write!(f, "report 0x{id:02X} has {len} bytes, needs {need}")
            }
            DecodeError::BadField { id, field } => {
                write!(f, "report 0x{id:02X}: invalid {field}")
            }
            DecodeError::BadChunkCrc => f.write_str("image chunk fails its CRC-32"),
        }
    }
}

#[cfg(test)]
mod tests;
