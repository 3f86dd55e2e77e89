//! Input reports, device to host: status (0x21), error (0x22) and image chunk (0x30), and the
//! decoder that takes any of them and never panics.

use super::{
    CHUNK_HEADER_LEN, CHUNK_LEN, CHUNK_PAYLOAD, DecodeError, ERROR_LEN, STATUS_LEN, id, put_text,
    put_u16, put_u32, text_at, u16_at, u32_at,
};

/// Device states (status report byte 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceState {
    Idle,
    /// Capture started, waiting for the finger(s).
    WaitingForFinger,
    /// The finger(s) are down; the sensor is settling and acquiring.
    Capturing,
    /// The image is being sent in chunks.
    Transferring,
    /// The host acknowledged the whole image.
    Done,
    /// The capture was cancelled by the host.
    Cancelled,
}

impl DeviceState {
    pub fn code(self) -> u8 {
        match self {
            DeviceState::Idle => 0,
            DeviceState::WaitingForFinger => 1,
            DeviceState::Capturing => 2,
            DeviceState::Transferring => 3,
            DeviceState::Done => 4,
            DeviceState::Cancelled => 5,
        }
    }

    pub fn from_code(c: u8) -> Option<DeviceState> {
        Some(match c {
            0 => DeviceState::Idle,
            1 => DeviceState::WaitingForFinger,
            2 => DeviceState::Capturing,
            3 => DeviceState::Transferring,
            4 => DeviceState::Done,
            5 => DeviceState::Cancelled,
            _ => return None,
        })
    }
}

/// Status (input report 0x21).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status {
    /// `seq` of the START_CAPTURE (or CANCEL) this status belongs to.
    pub seq: u8,
    pub state: DeviceState,
    /// Fingers the sensor sees on the platen now.
    pub fingers: u8,
    /// Fingers the capture mode needs.
    pub expected: u8,
    /// Image ID of the capture (valid from `Capturing` on).
    pub image_id: u16,
    /// Mode code of the capture, 0 when idle.
    pub mode: u8,
    /// Contact area as a percentage of a full press.
    pub contact: u8,
}

impl Status {
    pub fn finger_present(&self) -> bool {
        self.fingers > 0
    }

    pub fn encode(&self) -> [u8; STATUS_LEN] {
        let mut b = [0u8; STATUS_LEN];
        b[0] = id::STATUS;
        b[1] = self.seq;
        b[2] = self.state.code();
        b[3] = self.fingers;
        b[4] = self.expected;
        put_u16(&mut b, 5, self.image_id);
        b[7] = self.mode;
        b[8] = self.contact;
        b
    }
}

/// Error codes (error report byte 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// No finger within the capture's finger timeout.
    Timeout,
    /// The finger(s) left the platen before the image was taken.
    FingerLifted,
    /// A capture is already running.
    Busy,
    /// The command did not decode.
    BadCommand,
    /// The device does not support this capture mode.
    UnsupportedMode,
    /// The sensor failed (hardware fault, platen not detected).
    SensorFault,
    /// ACK or RESEND for an image the device no longer holds.
    NoImage,
    /// The host stopped acknowledging chunks for 5 s; the transfer was dropped.
    HostTimeout,
    /// A code this driver does not know (a newer firmware).
    Other(u8),
}

impl ErrorCode {
    pub fn code(self) -> u8 {
        match self {
            ErrorCode::Timeout => 0x01,
            ErrorCode::FingerLifted => 0x02,
            ErrorCode::Busy => 0x03,
            ErrorCode::BadCommand => 0x04,
            ErrorCode::UnsupportedMode => 0x05,
            ErrorCode::SensorFault => 0x06,
            ErrorCode::NoImage => 0x07,
            ErrorCode::HostTimeout => 0x08,
            ErrorCode::Other(c) => c,
        }
    }

    pub fn from_code(c: u8) -> ErrorCode {
        match c {
            0x01 => ErrorCode::Timeout,
            0x02 => ErrorCode::FingerLifted,
            0x03 => ErrorCode::Busy,
            0x04 => ErrorCode::BadCommand,
            0x05 => ErrorCode::UnsupportedMode,
            0x06 => ErrorCode::SensorFault,
            0x07 => ErrorCode::NoImage,
            0x08 => ErrorCode::HostTimeout,
            c => ErrorCode::Other(c),
        }
    }
}

/// Error (input report 0x22).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorReport {
    /// `seq` of the command the error answers (for capture errors: the START_CAPTURE).
    pub seq: u8,
    pub code: ErrorCode,
    pub image_id: u16,
    /// Free ASCII text for logs (up to 56 characters).
    pub message: String,
}

impl ErrorReport {
    pub fn encode(&self) -> [u8; ERROR_LEN] {
        let mut b = [0u8; ERROR_LEN];
        b[0] = id::ERROR;
        b[1] = self.seq;
        b[2] = self.code.code();
        put_u16(&mut b, 3, self.image_id);
        put_text(&mut b[8..64], &self.message);
        b
    }
}

/// The header of an image chunk (input report 0x30) and its payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunk<'a> {
    pub mode: u8,
    pub image_id: u16,
    pub index: u16,
    pub count: u16,
    pub width: u16,
    pub height: u16,
    /// CRC-32 (IEEE, as zlib and PNG) of the whole image, `width * height` bytes.
    pub image_crc: u32,
    pub payload: &'a [u8],
}

/// Number of chunks an image of `size` bytes takes.
pub fn chunk_count(size: usize) -> usize {
    size.div_ceil(CHUNK_PAYLOAD)
}

/// Payload length of chunk `index` of an image of `size` bytes.
pub fn payload_len(size: usize, index: usize) -> usize {
    size.saturating_sub(index * CHUNK_PAYLOAD)
        .min(CHUNK_PAYLOAD)
}

impl Chunk<'_> {
    /// Writes the chunk into a 1024-byte report; the per-chunk CRC is computed here.
    pub fn encode_into(&self, b: &mut [u8; CHUNK_LEN]) {
        let n = self.payload.len().min(CHUNK_PAYLOAD);
        b[0] = id::CHUNK;
        b[1] = self.mode;
        put_u16(b, 2, self.image_id);
        put_u16(b, 4, self.index);
        put_u16(b, 6, self.count);
        put_u16(b, 8, self.width);
        put_u16(b, 10, self.height);
        put_u16(b, 12, n as u16);
        put_u16(b, 14, 0);
        put_u32(b, 16, self.image_crc);
        b[CHUNK_HEADER_LEN..CHUNK_HEADER_LEN + n].copy_from_slice(&self.payload[..n]);
        b[CHUNK_HEADER_LEN + n..].fill(0);
        let crc = chunk_crc(&b[1..20], &b[CHUNK_HEADER_LEN..CHUNK_HEADER_LEN + n]);
        put_u32(b, 20, crc);
    }

    pub fn encode(&self) -> [u8; CHUNK_LEN] {
        let mut b = [0u8; CHUNK_LEN];
        self.encode_into(&mut b);
        b
    }
}

fn chunk_crc(header: &[u8], payload: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(header);
    h.update(payload);
    h.finalize()
}

/// Any report the device sends on its interrupt IN endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input<'a> {
    Status(Status),
    Error(ErrorReport),
    Chunk(Chunk<'a>),
}

/// Decodes one input report. Never panics; garbage gives an error and the caller reads on.
pub fn decode_input(b: &[u8]) -> Result<Input<'_>, DecodeError> {
    let id = *b.first().ok_or(DecodeError::Empty)?;
    let need = |need: usize| {
        if b.len() < need {
            Err(DecodeError::TooShort {
                id,
                len: b.len(),
                need,
            })
        } else {
            Ok(())
        }
    };
    match id {
        id::STATUS => {
            need(9)?;
            let state =
                DeviceState::from_code(b[2]).ok_or(DecodeError::BadField { id, field: "state" })?;
            Ok(Input::Status(Status {
                seq: b[1],
                state,
                fingers: b[3],
                expected: b[4],
                image_id: u16_at(b, 5),
                mode: b[7],
                contact: b[8],
            }))
        }
        id::ERROR => {
            need(8)?;
            Ok(Input::Error(ErrorReport {
                seq: b[1],
                code: ErrorCode::from_code(b[2]),
                image_id: u16_at(b, 3),
                message: text_at(&b[8..b.len().min(ERROR_LEN)]),
            }))
        }
        id::CHUNK => {
            need(CHUNK_HEADER_LEN)?;
            let bad = |field| DecodeError::BadField { id, field };
            let index = u16_at(b, 4);
            let count = u16_at(b, 6);
            let width = u16_at(b, 8);
            let height = u16_at(b, 10);
            let len = usize::from(u16_at(b, 12));
            let size = usize::from(width) * usize::from(height);
            if size == 0 {
                return Err(bad("image size"));
            }
            if usize::from(count) != chunk_count(size) {
                return Err(bad("chunk count"));
            }
            if index >= count {
                return Err(bad("chunk index"));
            }
            if len != payload_len(size, usize::from(index)) {
                return Err(bad("payload length"));
            }
            need(CHUNK_HEADER_LEN + len)?;
            let payload = &b[CHUNK_HEADER_LEN..CHUNK_HEADER_LEN + len];
            if chunk_crc(&b[1..20], payload) != u32_at(b, 20) {
                return Err(DecodeError::BadChunkCrc);
            }
            Ok(Input::Chunk(Chunk {
                mode: b[1],
                image_id: u16_at(b, 2),
                index,
                count,
                width,
                height,
                image_crc: u32_at(b, 16),
                payload,
            }))
        }
        other => Err(DecodeError::UnknownReport(other)),
    }
}
