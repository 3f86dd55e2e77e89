//! Feature reports: the device information the host reads when it opens the scanner (0x01)
//! and the reset it sends first (0x02).

use super::{
    CHUNK_PAYLOAD, DecodeError, INFO_LEN, INFO_MAGIC, MAX_WINDOW, PROTOCOL_VERSION, RESET_LEN,
    RESET_MAGIC, id, put_text, put_u16, text_at, u16_at,
};
use crate::mode::{CaptureMode, FLAT_SIZE, SLAP_SIZE, THUMBS_SIZE};

/// Device information (feature report 0x01).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScannerInfo {
    pub protocol: u8,
    pub model: String,
    pub serial: String,
    pub firmware: (u8, u8, u8),
    pub ppi: u16,
    /// Bit `mode.code() - 1` set for each supported capture mode.
    pub modes: u8,
    /// Largest window the device accepts.
    pub max_window: u16,
    /// Image bytes per full chunk.
    pub chunk_payload: u16,
    pub flat_size: (u16, u16),
    pub slap_size: (u16, u16),
    pub thumbs_size: (u16, u16),
}

impl ScannerInfo {
    pub fn supports(&self, mode: CaptureMode) -> bool {
        self.modes & mode.mask_bit() != 0
    }

    /// The image size the device reports for `mode`.
    pub fn image_size(&self, mode: CaptureMode) -> (u16, u16) {
        match mode {
            CaptureMode::Flat(_) => self.flat_size,
            CaptureMode::SlapLeft | CaptureMode::SlapRight => self.slap_size,
            CaptureMode::TwoThumbs => self.thumbs_size,
        }
    }

    /// A scanner with all modes at the standard sizes.
    pub fn standard(model: &str, serial: &str, firmware: (u8, u8, u8)) -> ScannerInfo {
        ScannerInfo {
            protocol: PROTOCOL_VERSION,
            model: model.to_owned(),
            serial: serial.to_owned(),
            firmware,
            ppi: crate::mode::PPI,
            modes: 0x0F,
            max_window: MAX_WINDOW,
            chunk_payload: CHUNK_PAYLOAD as u16,
            flat_size: FLAT_SIZE,
            slap_size: SLAP_SIZE,
            thumbs_size: THUMBS_SIZE,
        }
    }

    pub fn encode(&self) -> [u8; INFO_LEN] {
        let mut b = [0u8; INFO_LEN];
        b[0] = id::INFO;
        b[1..5].copy_from_slice(&INFO_MAGIC);
        b[5] = self.protocol;
        b[6] = self.firmware.0;
        b[7] = self.firmware.1;
        b[8] = self.firmware.2;
        b[9] = self.modes;
        put_u16(&mut b, 10, self.ppi);
        put_u16(&mut b, 12, self.max_window);
        put_u16(&mut b, 14, self.chunk_payload);
        put_u16(&mut b, 16, self.flat_size.0);
        put_u16(&mut b, 18, self.flat_size.1);
        put_u16(&mut b, 20, self.slap_size.0);
        put_u16(&mut b, 22, self.slap_size.1);
        put_u16(&mut b, 24, self.thumbs_size.0);
        put_u16(&mut b, 26, self.thumbs_size.1);
        put_text(&mut b[32..64], &self.model);
        put_text(&mut b[64..96], &self.serial);
        b
    }

    pub fn decode(b: &[u8]) -> Result<ScannerInfo, DecodeError> {
        let id = *b.first().ok_or(DecodeError::Empty)?;
        if id != id::INFO {
            return Err(DecodeError::UnknownReport(id));
        }
        if b.len() < 96 {
            return Err(DecodeError::TooShort {
                id,
                len: b.len(),
                need: 96,
            });
        }
        if b[1..5] != INFO_MAGIC {
            return Err(DecodeError::BadField { id, field: "magic" });
        }
        let size = |at| (u16_at(b, at), u16_at(b, at + 2));
        let info = ScannerInfo {
            protocol: b[5],
            firmware: (b[6], b[7], b[8]),
            modes: b[9],
            ppi: u16_at(b, 10),
            max_window: u16_at(b, 12),
            chunk_payload: u16_at(b, 14),
            flat_size: size(16),
            slap_size: size(20),
            thumbs_size: size(24),
            model: text_at(&b[32..64]),
            serial: text_at(&b[64..96]),
        };
        if info.chunk_payload as usize != CHUNK_PAYLOAD {
            return Err(DecodeError::BadField {
                id,
                field: "chunk payload size",
            });
        }
        if info.max_window == 0 {
            return Err(DecodeError::BadField {
                id,
                field: "window",
            });
        }
        Ok(info)
    }
}

/// The reset feature report (0x02).
pub fn encode_reset() -> [u8; RESET_LEN] {
    let mut b = [0u8; RESET_LEN];
    b[0] = id::RESET;
    b[1..4].copy_from_slice(&RESET_MAGIC);
    b
}

/// Whether `b` is a valid reset feature report.
pub fn is_reset(b: &[u8]) -> bool {
    b.len() >= 4 && b[0] == id::RESET && b[1..4] == RESET_MAGIC
}
