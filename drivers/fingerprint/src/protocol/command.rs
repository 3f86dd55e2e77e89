//! The command output report (0x10): what the host asks of the device.

use super::{COMMAND_LEN, cmd, id, put_u16, u16_at};
use crate::mode::CaptureMode;

/// A command from the host (output report 0x10). `seq` is chosen by the host and echoed by the
/// device in the status and error reports the command causes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    StartCapture {
        seq: u8,
        mode: CaptureMode,
        /// How long the device waits for the finger(s), milliseconds.
        finger_timeout_ms: u16,
        /// Chunks the device may send ahead of the host's acknowledgement.
        window: u16,
    },
    Cancel {
        seq: u8,
    },
    /// The host holds every chunk of `image_id` before `next`.
    Ack {
        seq: u8,
        image_id: u16,
        next: u16,
    },
    /// Send `image_id` again from chunk `from` on (go-back-N).
    Resend {
        seq: u8,
        image_id: u16,
        from: u16,
    },
}

/// A command that did not decode (the device answers it with error `BAD_COMMAND`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadCommand {
    pub seq: u8,
    pub reason: &'static str,
}

impl Command {
    pub fn seq(&self) -> u8 {
        match *self {
            Command::StartCapture { seq, .. }
            | Command::Cancel { seq }
            | Command::Ack { seq, .. }
            | Command::Resend { seq, .. } => seq,
        }
    }

    pub fn encode(&self) -> [u8; COMMAND_LEN] {
        let mut b = [0u8; COMMAND_LEN];
        b[0] = id::COMMAND;
        b[2] = self.seq();
        match *self {
            Command::StartCapture {
                mode,
                finger_timeout_ms,
                window,
                ..
            } => {
                b[1] = cmd::START_CAPTURE;
                b[3] = mode.code();
                b[4] = mode.finger_byte();
                put_u16(&mut b, 5, finger_timeout_ms);
                put_u16(&mut b, 7, window);
            }
            Command::Cancel { .. } => b[1] = cmd::CANCEL,
            Command::Ack { image_id, next, .. } => {
                b[1] = cmd::ACK;
                put_u16(&mut b, 3, image_id);
                put_u16(&mut b, 5, next);
            }
            Command::Resend { image_id, from, .. } => {
                b[1] = cmd::RESEND;
                put_u16(&mut b, 3, image_id);
                put_u16(&mut b, 5, from);
            }
        }
        b
    }

    /// Device side: decodes an output report. `Ok(None)` for a report that is not a command.
    pub fn decode(b: &[u8]) -> Result<Option<Command>, BadCommand> {
        if b.first() != Some(&id::COMMAND) {
            return Ok(None);
        }
        if b.len() < 9 {
            return Err(BadCommand {
                seq: b.get(2).copied().unwrap_or(0),
                reason: "command report too short",
            });
        }
        let seq = b[2];
        let bad = |reason| BadCommand { seq, reason };
        match b[1] {
            cmd::START_CAPTURE => {
                let mode =
                    CaptureMode::from_code(b[3], b[4]).ok_or(bad("unknown mode or finger"))?;
                let window = u16_at(b, 7);
                if window == 0 {
                    return Err(bad("window is zero"));
                }
                Ok(Some(Command::StartCapture {
                    seq,
                    mode,
                    finger_timeout_ms: u16_at(b, 5),
                    window,
                }))
            }
            cmd::CANCEL => Ok(Some(Command::Cancel { seq })),
            cmd::ACK => Ok(Some(Command::Ack {
                seq,
                image_id: u16_at(b, 3),
                next: u16_at(b, 5),
            })),
            cmd::RESEND => Ok(Some(Command::Resend {
                seq,
                image_id: u16_at(b, 3),
                from: u16_at(b, 5),
            })),
            _ => Err(bad("unknown command code")),
        }
    }
}
