//! The driver's error type. Each variant is something the application can tell the operator
//! what to do about (plug the scanner in, install the udev rule, ask the applicant to press
//! again, retry); the display texts are English and the application localises by variant.

use std::sync::Arc;

/// Everything that can go wrong with the fingerprint scanner.
#[derive(Debug, Clone, thiserror::Error)]
pub enum FingerprintError {
    /// No scanner with the configured identity is connected.
    #[error("fingerprint scanner not found: {0}")]
    NotFound(String),
    /// The scanner is there but this user may not open it (on Linux the udev rule from
    /// `packaging/` that gives the station user access to the hidraw node is missing).
    #[error("permission denied opening the fingerprint scanner (udev rule needed): {0}")]
    PermissionDenied(String),
    /// Another program holds the scanner.
    #[error("fingerprint scanner is in use by another program: {0}")]
    InUse(String),
    /// The scanner was unplugged or stopped answering on the bus.
    #[error("fingerprint scanner disconnected: {0}")]
    Disconnected(String),
    /// The scanner did not answer in time.
    #[error("fingerprint scanner timed out: {0}")]
    Timeout(String),
    /// No finger was placed within the capture's timeout.
    #[error("no finger was placed on the scanner in time")]
    NoFinger,
    /// The finger was lifted before the image was taken.
    #[error("the finger was lifted before the image was taken")]
    FingerLifted,
    /// The scanner is busy with another capture.
    #[error("fingerprint scanner is busy with another capture")]
    Busy,
    /// The capture was cancelled.
    #[error("capture cancelled")]
    Cancelled,
    /// The scanner does not support the requested capture mode.
    #[error("the scanner does not support {0}")]
    Unsupported(String),
    /// The scanner reports a hardware fault.
    #[error("fingerprint scanner fault: {0}")]
    DeviceFault(String),
    /// The image could not be transferred intact even after resends.
    #[error("image transfer failed: {0}")]
    Transfer(String),
    /// The scanner sent something this driver does not understand.
    #[error("fingerprint scanner protocol error: {0}")]
    Protocol(String),
    /// Any other operating-system error.
    #[error("fingerprint scanner I/O error: {0}")]
    Io(Arc<std::io::Error>),
}

impl FingerprintError {
    /// Whether the device is gone and must be reopened (the worker then reports
    /// `Disconnected` and starts polling for it).
    pub fn is_disconnect(&self) -> bool {
        matches!(
            self,
            FingerprintError::Disconnected(_) | FingerprintError::NotFound(_)
        )
    }
}

impl From<std::io::Error> for FingerprintError {
    fn from(e: std::io::Error) -> Self {
        FingerprintError::Io(Arc::new(e))
    }
}

pub type Result<T, E = FingerprintError> = std::result::Result<T, E>;
