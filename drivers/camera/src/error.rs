//! The camera driver's error type. Every variant tells the application what to tell the
//! operator; the texts are English, the application localises by variant.

use std::sync::Arc;
use std::time::Duration;

use crate::PixelFormat;

/// What can go wrong with a camera. `Clone`, so that it can travel in UI messages.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CameraError {
    /// No camera at that index (not plugged in, or a different index).
    #[error("no camera at index {index}")]
    NotFound { index: u32 },

    /// The camera exists but this user may not open it (Linux: not in the `video` group).
    #[error("permission denied for camera {index}")]
    PermissionDenied { index: u32 },

    /// Another program holds the camera.
    #[error("camera {index} is in use by another program")]
    Busy { index: u32 },

    /// The camera does not offer the requested resolution, format or frame rate.
    #[error("camera {index} does not offer {requested}: {detail}")]
    UnsupportedFormat {
        index: u32,
        requested: String,
        detail: String,
    },

    /// No camera service on this platform (nokhwa has no native backend for it).
    #[error("no camera backend on this platform: {0}")]
    BackendUnavailable(String),

    /// The camera went away while open (unplugged, USB reset).
    #[error("camera disconnected: {0}")]
    Disconnected(String),

    /// The camera sent nothing for this long (stalled camera, or opening hung).
    #[error("no answer from the camera within {0:?}")]
    Timeout(Duration),

    /// The camera or its driver did something unexpected.
    #[error("camera protocol error: {0}")]
    Protocol(String),

    /// One frame could not be decoded (truncated, corrupt, wrong size). The stream goes on.
    #[error("{format} frame cannot be decoded: {detail}")]
    Decode { format: PixelFormat, detail: String },

    /// The configuration asks for something impossible (odd YUYV width, zero frame rate).
    #[error("invalid camera configuration: {0}")]
    InvalidConfig(String),

    /// The operating system refused something else (starting a thread).
    #[error("i/o error: {0}")]
    Io(Arc<std::io::Error>),
}

impl CameraError {
    pub(crate) fn decode(format: PixelFormat, detail: impl Into<String>) -> Self {
        CameraError::Decode {
            format,
            detail: detail.into(),
        }
    }

    /// Whether the error ends the stream (the worker closes the source and reopens it), as
    /// opposed to spoiling a single frame.
    pub fn ends_stream(&self) -> bool {
        !matches!(self, CameraError::Decode { .. })
    }
}

impl From<std::io::Error> for CameraError {
    fn from(e: std::io::Error) -> Self {
        CameraError::Io(Arc::new(e))
    }
}
