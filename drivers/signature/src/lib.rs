//! Signature pad driver for Rekam: the Wacom ISDV4 serial pen protocol (as the Linux kernel's
//! `wacom_w8001` driver reads it) over `serialport`, grouping pen samples into strokes, and a
//! simulated pad that writes the same packets for a handwritten signature.
//!
//! The protocol is specified in `docs/devices/signature.md`.

use std::io;
use std::sync::Arc;

pub mod driver;
pub mod protocol;
pub mod sim;
pub mod stroke;

pub use driver::{Pad, PadConfig, PadEvent, PadEvents, Port, open_port, spawn, spawn_with};
pub use protocol::{PadCapabilities, PenReport};
pub use stroke::{PenSample, Signature, Stroke, StrokeBuilder};

/// What can go wrong with a signature pad, in terms of what the operator can do about it.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SignatureError {
    #[error("serial port {path} does not exist (is the pad plugged in?)")]
    NotFound { path: String },
    #[error("no permission to open {path} (the station user must be in the dialout group)")]
    PermissionDenied { path: String },
    #[error("serial port {path} is held by another program")]
    Busy { path: String },
    #[error(
        "no answer from a pen pad on {path} within {ms} ms at {baud} baud (wrong port or speed?)"
    )]
    NoAnswer { path: String, baud: u32, ms: u64 },
    #[error("the pad stopped sending for {ms} ms while the pen was on it (check the cable)")]
    Silent { ms: u64 },
    #[error("the pad was disconnected: {0}")]
    Disconnected(String),
    #[error("unexpected data from the pad: {0}")]
    Protocol(String),
    #[error("serial I/O error: {0}")]
    Io(Arc<io::Error>),
}

impl SignatureError {
    /// Classifies an I/O error on an open port: the ones that mean the device went away.
    pub(crate) fn from_io(path: &str, e: io::Error) -> SignatureError {
        match e.kind() {
            io::ErrorKind::BrokenPipe
            | io::ErrorKind::NotConnected
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::UnexpectedEof
            | io::ErrorKind::NotFound => SignatureError::Disconnected(format!("{path}: {e}")),
            // A pty whose other side closed, or a USB adapter pulled out, reads EIO: that is
            // a hangup, not a fault of ours.
            _ if e.raw_os_error() == Some(5) => {
                SignatureError::Disconnected(format!("{path}: {e}"))
            }
            _ if e.to_string().contains("Input/output error") => {
                SignatureError::Disconnected(format!("{path}: {e}"))
            }
            _ => SignatureError::Io(Arc::new(e)),
        }
    }
}
