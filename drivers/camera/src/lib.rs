//! Face and iris cameras of a Rekam recording station.
//!
//! Both are USB Video Class (UVC) cameras; the iris camera is a near-infrared one. A camera is
//! opened by configuration ([`CameraConfig`]: index, resolution, frame rate, MJPEG or YUYV) as a
//! [`FrameSource`] that hands out the raw bytes exactly as the camera sent them ([`RawFrame`]).
//! [`decode`] turns a raw frame into RGB (MJPEG through `image`'s zune-jpeg decoder, with the
//! standard Huffman tables supplied when the camera leaves them out; YUYV by hand with the BT.601
//! limited-range equations). [`spawn`] runs a named worker thread that opens the camera, decodes
//! every frame and hands it over as an [`Event::Data`] with `send_latest`, so that a slow consumer
//! only ever loses the oldest frames (never a status event); it reopens the camera when it comes back.
//!
//! Real cameras are opened through nokhwa ([`NokhwaSource`], [`list`]); the simulated face and
//! iris cameras ([`SimulatedCamera`]) produce MJPEG or YUYV bytes as a UVC camera would, so the
//! same decoding and streaming code runs for both. The protocol, the formats and the behaviour
//! on errors are described in `docs/devices/camera.md`.

mod decode;
mod error;
mod nokhwa_source;
pub mod sim;
mod worker;

use std::fmt;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

pub use decode::{decode, decode_mjpeg, mjpeg, rgb_to_yuyv, ycbcr_to_rgb, yuyv_to_rgb};
pub use error::CameraError;
pub use image::RgbImage;
pub use nokhwa_source::{CameraDescriptor, NokhwaSource, list};
pub use rekam_device::{Backend, DeviceClass, DeviceInfo, Event, EventSender, Receiver, channel};
pub use sim::{Background, Eye, Hotplug, SimOptions, SimulatedCamera};
pub use worker::{CameraEvent, CameraWorker, Frame, StreamStats, spawn, spawn_camera};

/// How long opening a camera may take before it is reported as a [`CameraError::Timeout`]
/// (UVC cameras need up to about a second to start streaming).
pub const OPEN_TIMEOUT: Duration = Duration::from_secs(5);

/// The shortest frame timeout: cameras slow down in low light (auto exposure), so a frame
/// may legitimately take several nominal frame intervals. See [`CameraConfig::frame_timeout`].
pub const MIN_FRAME_TIMEOUT: Duration = Duration::from_secs(1);

/// Which camera of the station this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CameraRole {
    /// The colour camera that takes the applicant's portrait.
    Face,
    /// The near-infrared camera that images one or both irises.
    Iris,
}

impl CameraRole {
    pub fn device_class(self) -> DeviceClass {
        match self {
            CameraRole::Face => DeviceClass::FaceCamera,
            CameraRole::Iris => DeviceClass::IrisCamera,
        }
    }

    /// Short name used in thread names and logs.
    pub fn code(self) -> &'static str {
        match self {
            CameraRole::Face => "face",
            CameraRole::Iris => "iris",
        }
    }
}

/// The pixel formats the station asks a UVC camera for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PixelFormat {
    /// Motion JPEG (V4L2 fourcc `MJPG`): every frame is one baseline JPEG image.
    Mjpeg,
    /// Packed YUV 4:2:2 (V4L2 fourcc `YUYV`, also called YUY2): `Y0 U Y1 V` per two pixels.
    Yuyv,
}

impl PixelFormat {
    /// The V4L2 four-character code.
    pub fn fourcc(self) -> &'static str {
        match self {
            PixelFormat::Mjpeg => "MJPG",
            PixelFormat::Yuyv => "YUYV",
        }
    }
}

impl fmt::Display for PixelFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PixelFormat::Mjpeg => "MJPEG",
            PixelFormat::Yuyv => "YUYV",
        })
    }
}

/// How to open a camera. Hashable, so that a UI subscription can be keyed by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct CameraConfig {
    /// Camera index: `N` of `/dev/videoN` on Linux.
    pub index: u32,
    pub width: u32,
    pub height: u32,
    /// Frames per second requested from the camera.
    pub fps: u32,
    pub format: PixelFormat,
    pub role: CameraRole,
}

impl Default for CameraConfig {
    fn default() -> Self {
        CameraConfig::face(0)
    }
}

impl CameraConfig {
    /// The station's face camera: 1280x720 MJPEG at 30 fps.
    pub fn face(index: u32) -> Self {
        CameraConfig {
            index,
            width: 1280,
            height: 720,
            fps: 30,
            format: PixelFormat::Mjpeg,
            role: CameraRole::Face,
        }
    }

    /// The station's iris camera: 640x480 YUYV at 30 fps (near-infrared, grey).
    pub fn iris(index: u32) -> Self {
        CameraConfig {
            index,
            width: 640,
            height: 480,
            fps: 30,
            format: PixelFormat::Yuyv,
            role: CameraRole::Iris,
        }
    }

    /// Checks what can be checked without a camera.
    pub fn validate(&self) -> Result<(), CameraError> {
        if self.width == 0 || self.height == 0 || self.width > 8192 || self.height > 8192 {
            return Err(CameraError::InvalidConfig(format!(
                "resolution {}x{} is out of range (1..=8192)",
                self.width, self.height
            )));
        }
        if self.format == PixelFormat::Yuyv && !self.width.is_multiple_of(2) {
            return Err(CameraError::InvalidConfig(format!(
                "YUYV needs an even width, not {}",
                self.width
            )));
        }
        if self.fps == 0 || self.fps > 240 {
            return Err(CameraError::InvalidConfig(format!(
                "frame rate {} is out of range (1..=240)",
                self.fps
            )));
        }
        Ok(())
    }

    /// The nominal time between two frames.
    pub fn frame_interval(&self) -> Duration {
        Duration::from_secs(1) / self.fps.max(1)
    }

    /// How long to wait for one frame before the camera counts as stalled: ten frame
    /// intervals, and never less than [`MIN_FRAME_TIMEOUT`].
    pub fn frame_timeout(&self) -> Duration {
        (self.frame_interval() * 10).max(MIN_FRAME_TIMEOUT)
    }

    /// Bytes of one YUYV frame (also the size of a decoded frame in RGB is `3/2` of it).
    pub fn yuyv_len(&self) -> usize {
        self.width as usize * self.height as usize * 2
    }

    /// `"1280x720 MJPEG @ 30 fps"`.
    pub fn describe(&self) -> String {
        format!(
            "{}x{} {} @ {} fps",
            self.width, self.height, self.format, self.fps
        )
    }
}

/// One frame as the camera delivered it, not decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawFrame {
    pub format: PixelFormat,
    /// The negotiated size; decoding checks that the frame has it.
    pub width: u32,
    pub height: u32,
    /// MJPEG: one JPEG image, possibly followed by padding. YUYV: at least `width * height * 2`
    /// bytes (drivers may pad the buffer; the rest is ignored).
    pub bytes: Vec<u8>,
    /// Counts frames since the source was opened; a gap means frames were lost before the
    /// worker saw them.
    pub sequence: u64,
    /// When the frame was taken from the camera.
    pub captured_at: Instant,
}

impl RawFrame {
    /// A frame that did not come from a stream (a file, a test): sequence 0, taken now.
    pub fn new(format: PixelFormat, width: u32, height: u32, bytes: Vec<u8>) -> RawFrame {
        RawFrame {
            format,
            width,
            height,
            bytes,
            sequence: 0,
            captured_at: Instant::now(),
        }
    }
}

/// An open camera, real or simulated.
pub trait FrameSource: Send {
    /// What was opened.
    fn info(&self) -> DeviceInfo;

    /// Waits at most `timeout` for the next frame. A camera that went away gives
    /// [`CameraError::Disconnected`], one that sends nothing [`CameraError::Timeout`].
    fn next_frame(&mut self, timeout: Duration) -> Result<RawFrame, CameraError>;
}

impl<S: FrameSource + ?Sized> FrameSource for Box<S> {
    fn info(&self) -> DeviceInfo {
        (**self).info()
    }

    fn next_frame(&mut self, timeout: Duration) -> Result<RawFrame, CameraError> {
        (**self).next_frame(timeout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_defaults_and_validation() {
        let face = CameraConfig::face(0);
        assert_eq!(face.describe(), "1280x720 MJPEG @ 30 fps");
        assert!(face.validate().is_ok());
        assert_eq!(face.frame_timeout(), MIN_FRAME_TIMEOUT);
        let slow = CameraConfig { fps: 5, ..face };
        assert_eq!(slow.frame_timeout(), Duration::from_secs(2));
        let odd = CameraConfig {
            width: 641,
            ..CameraConfig::iris(1)
        };
        assert!(matches!(odd.validate(), Err(CameraError::InvalidConfig(_))));
        let zero_fps = CameraConfig { fps: 0, ..face };
        assert!(matches!(
            zero_fps.validate(),
            Err(CameraError::InvalidConfig(_))
        ));
    }

    #[test]
    fn config_tolerates_missing_fields() {
        let c: CameraConfig =
            serde_json::from_str(r#"{"index": 2, "role": "iris"}"#).expect("parses");
        assert_eq!(c.index, 2);
        assert_eq!(c.role, CameraRole::Iris);
        assert_eq!(c.width, 1280);
    }
}
