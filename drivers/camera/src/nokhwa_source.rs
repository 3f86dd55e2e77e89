//! Real cameras through nokhwa's native backend (V4L2 on Linux, Media Foundation on Windows,
//! AVFoundation on macOS): listing them, and [`NokhwaSource`], which opens one with the
//! configured resolution, format and frame rate and hands out the raw buffer bytes without
//! nokhwa's own decoding.
//!
//! nokhwa's `frame_raw()` blocks in the V4L2 dequeue without a timeout. So the camera lives on a
//! capture thread of its own, which passes frames through a one-slot mailbox (the newest frame
//! replaces an unread one); [`NokhwaSource::next_frame`] waits on that mailbox with a timeout.
//! An unplugged camera makes the dequeue fail with ENODEV, which arrives as
//! [`CameraError::Disconnected`]; a camera that stalls without going away gives
//! [`CameraError::Timeout`], and its capture thread is left to end by itself once the dequeue
//! returns (it cannot be interrupted from outside).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nokhwa::utils::{
    ApiBackend, CameraFormat, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType,
};
use nokhwa::{Camera, NokhwaError};
use rekam_device::{Backend, DeviceInfo, EventSender, Receiver, RecvTimeoutError};

use crate::decode::mjpeg;
use crate::{CameraConfig, CameraError, FrameSource, OPEN_TIMEOUT, PixelFormat, RawFrame};

/// How long dropping a [`NokhwaSource`] waits for its capture thread to release the camera, so
/// that reopening right away does not find it busy. A stalled camera is left behind after this.
const CLOSE_WAIT: Duration = Duration::from_secs(1);

/// A camera the operating system reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CameraDescriptor {
    /// The index to put in [`CameraConfig::index`] (`N` of `/dev/videoN` on Linux).
    pub index: u32,
    /// Product name as the driver reports it.
    pub name: String,
    /// Backend-specific description (on Linux: "Video4Linux Device @ /dev/videoN").
    pub description: String,
}

/// Lists the cameras of this computer through the native backend. No camera gives an empty
/// list. On Linux a UVC camera usually shows up twice (`/dev/videoN` for frames and
/// `/dev/videoN+1` for metadata); opening the metadata node fails with
/// [`CameraError::UnsupportedFormat`].
pub fn list() -> Result<Vec<CameraDescriptor>, CameraError> {
    let backend = native_backend()?;
    let cameras = catch_unwind(|| nokhwa::query(backend))
        .map_err(|_| CameraError::Protocol("camera query failed (backend panicked)".into()))?
        .map_err(|e| map_error(&e, 0, Stage::Query, None))?;
    Ok(cameras
        .into_iter()
        .filter_map(|c| {
            let index = c.index().as_index().ok()?;
            Some(CameraDescriptor {
                index,
                name: c.human_name(),
                description: c.description().to_owned(),
            })
        })
        .collect())
}

fn native_backend() -> Result<ApiBackend, CameraError> {
    nokhwa::native_api_backend().ok_or_else(|| {
        CameraError::BackendUnavailable(format!("no camera backend for {}", std::env::consts::OS))
    })
}

/// Where an error happened, which decides what an OS error code means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Query,
    Open,
    Stream,
}

/// The OS error number in a nokhwa error text ("... (os error 19)"): nokhwa keeps only the text
/// of the V4L2 `io::Error`, so this is the one way to tell an unplugged camera from a busy one.
fn os_error(text: &str) -> Option<i32> {
    let start = text.rfind("(os error ")? + "(os error ".len();
    let end = start + text[start..].find(')')?;
    text[start..end].parse().ok()
}

/// Linux error numbers (the same on every Linux architecture the station runs on).
const EPERM: i32 = 1;
const ENOENT: i32 = 2;
const EIO: i32 = 5;
const ENXIO: i32 = 6;
const EACCES: i32 = 13;
const EBUSY: i32 = 16;
const ENODEV: i32 = 19;
const EINVAL: i32 = 22;
const ETIMEDOUT: i32 = 110;
const ESHUTDOWN: i32 = 108;

fn map_error(
    e: &NokhwaError,
    index: u32,
    stage: Stage,
    config: Option<&CameraConfig>,
) -> CameraError {
    let text = e.to_string();
    let requested = || config.map(CameraConfig::describe).unwrap_or_default();
    match e {
        NokhwaError::UnsupportedOperationError(_) | NokhwaError::NotImplementedError(_) => {
            return CameraError::BackendUnavailable(text);
        }
        // nokhwa could not match or set the requested format.
        NokhwaError::GetPropertyError { property, .. }
        | NokhwaError::SetPropertyError { property, .. }
            if stage == Stage::Open
                && property.contains("Format")
                && !matches!(os_error(&text), Some(EBUSY | ENODEV | ENOENT)) =>
        {
            return CameraError::UnsupportedFormat {
                index,
                requested: requested(),
                detail: text,
            };
        }
        NokhwaError::SetPropertyError { property, .. }
            if stage == Stage::Open && property.contains("Frame rate") =>
        {
            return CameraError::UnsupportedFormat {
                index,
                requested: requested(),
                detail: text,
            };
        }
        _ => {}
    }
    match (os_error(&text), stage) {
        (Some(ENOENT | ENXIO | ENODEV), Stage::Open | Stage::Query) => {
            CameraError::NotFound { index }
        }
        (Some(ENODEV | ENXIO | EIO | ESHUTDOWN | ENOENT), Stage::Stream) => {
            CameraError::Disconnected(text)
        }
        (Some(EACCES | EPERM), _) => CameraError::PermissionDenied { index },
        (Some(EBUSY), _) => CameraError::Busy { index },
        (Some(EINVAL), Stage::Open) => CameraError::UnsupportedFormat {
            index,
            requested: requested(),
            detail: text,
        },
        (Some(ETIMEDOUT), _) => CameraError::Timeout(OPEN_TIMEOUT),
        _ => CameraError::Protocol(text),
    }
}

/// What the capture thread sends: frames, or the error that ended it.
type Mail = Result<RawFrame, CameraError>;

/// A real camera opened through nokhwa.
#[derive(Debug)]
pub struct NokhwaSource {
    config: CameraConfig,
    info: DeviceInfo,
    mailbox: Option<Receiver<Mail>>,
    capture: Option<JoinHandle<()>>,
}

impl NokhwaSource {
    /// Opens camera `config.index` with exactly the configured resolution, format and frame
    /// rate, and starts streaming. Waits at most [`OPEN_TIMEOUT`].
    pub fn open(config: &CameraConfig) -> Result<NokhwaSource, CameraError> {
        config.validate()?;
        let backend = native_backend()?;
        let config = *config;
        let (opened_tx, opened_rx) = mpsc::sync_channel::<Result<DeviceInfo, CameraError>>(1);
        // Capacity 1 with `send_lossy`: a newer frame replaces one the worker has not taken.
        let (mail_tx, mail_rx) = rekam_device::channel::<Mail>(1);
        let name = format!("rekam-cap-{}", config.index);
        let capture = std::thread::Builder::new().name(name).spawn(move || {
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                capture(config, backend, &opened_tx, &mail_tx)
            }));
            if outcome.is_err() {
                let e = CameraError::Protocol("the camera backend panicked".into());
                let _ = opened_tx.try_send(Err(e.clone()));
                let _ = mail_tx.send_lossy(Err(e));
            }
        })?;
        match opened_rx.recv_timeout(OPEN_TIMEOUT) {
            Ok(Ok(info)) => Ok(NokhwaSource {
                config,
                info,
                mailbox: Some(mail_rx),
                capture: Some(capture),
            }),
            Ok(Err(e)) => Err(e),
            // The capture thread notices that nobody waits and closes the camera if it ever
            // finishes opening it.
            Err(mpsc::RecvTimeoutError::Timeout) => Err(CameraError::Timeout(OPEN_TIMEOUT)),
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(CameraError::Protocol(
                "the capture thread ended while opening".into(),
            )),
        }
    }

    /// The configuration it was opened with.
    pub fn config(&self) -> &CameraConfig {
        &self.config
    }
}

fn frame_format(format: PixelFormat) -> FrameFormat {
    match format {
        PixelFormat::Mjpeg => FrameFormat::MJPEG,
        PixelFormat::Yuyv => FrameFormat::YUYV,
    }
}

/// The capture thread: opens the camera, reports how that went, then forwards frames until the
/// camera fails or the source is dropped.
fn capture(
    config: CameraConfig,
    backend: ApiBackend,
    opened: &mpsc::SyncSender<Result<DeviceInfo, CameraError>>,
    mailbox: &EventSender<Mail>,
) {
    let index = config.index;
    let fourcc = frame_format(config.format);
    let wanted = [fourcc];
    let format = CameraFormat::new_from(config.width, config.height, fourcc, config.fps);
    let request = RequestedFormat::with_formats(RequestedFormatType::Exact(format), &wanted);
    let open = || -> Result<(Camera, DeviceInfo), CameraError> {
        let mut camera = Camera::with_backend(CameraIndex::Index(index), request, backend)
            .map_err(|e| map_error(&e, index, Stage::Open, Some(&config)))?;
        let actual = camera.camera_format();
        if actual != format {
            return Err(CameraError::UnsupportedFormat {
                index,
                requested: config.describe(),
                detail: format!("the camera chose {actual}"),
            });
        }
        camera
            .open_stream()
            .map_err(|e| map_error(&e, index, Stage::Open, Some(&config)))?;
        let cam = camera.info();
        let info = DeviceInfo {
            class: config.role.device_class(),
            backend: Backend::Real,
            model: cam.human_name(),
            location: if cfg!(target_os = "linux") {
                format!("/dev/video{index}")
            } else {
                format!("camera {index}")
            },
            details: vec![
                (
                    "resolution".into(),
                    format!("{}x{}", config.width, config.height),
                ),
                ("format".into(), config.format.to_string()),
                ("fps".into(), config.fps.to_string()),
                ("driver".into(), cam.description().to_owned()),
                ("bus".into(), cam.misc()),
            ],
        };
        Ok((camera, info))
    };
    let mut camera = match open() {
        Ok((camera, info)) => {
            if opened.send(Ok(info)).is_err() {
                return; // `open` timed out and left; dropping the camera closes it.
            }
            camera
        }
        Err(e) => {
            let _ = opened.send(Err(e));
            return;
        }
    };
    let yuyv_len = config.yuyv_len();
    let mut sequence = 0u64;
    while mailbox.is_open() {
        let mail = match camera.frame_raw() {
            Ok(data) => {
                let captured_at = Instant::now();
                // The V4L2 buffer is larger than the frame: cut at the frame's end.
                let len = match config.format {
                    PixelFormat::Mjpeg => mjpeg::frame_len(&data).unwrap_or(data.len()),
                    PixelFormat::Yuyv => yuyv_len.min(data.len()),
                };
                sequence += 1;
                Ok(RawFrame {
                    format: config.format,
                    width: config.width,
                    height: config.height,
                    bytes: data[..len].to_vec(),
                    sequence,
                    captured_at,
                })
            }
            Err(e) => Err(map_error(&e, index, Stage::Stream, Some(&config))),
        };
        let failed = mail.is_err();
        if mailbox.send_lossy(mail).is_err() || failed {
            break;
        }
    }
}

impl FrameSource for NokhwaSource {
    fn info(&self) -> DeviceInfo {
        self.info.clone()
    }

    fn next_frame(&mut self, timeout: Duration) -> Result<RawFrame, CameraError> {
        let Some(mailbox) = &self.mailbox else {
            return Err(CameraError::Disconnected("camera closed".into()));
        };
        let deadline = Instant::now() + timeout;
        // Short slices, so that a capture thread that ended without a word is noticed.
        loop {
            let now = Instant::now();
            if now >= deadline {
                return Err(CameraError::Timeout(timeout));
            }
            match mailbox.recv_timeout((deadline - now).min(Duration::from_millis(100))) {
                Ok(mail) => return mail,
                Err(RecvTimeoutError::Timeout) => {
                    if self.capture.as_ref().is_none_or(JoinHandle::is_finished) {
                        return Err(CameraError::Disconnected("the capture thread ended".into()));
                    }
                }
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(CameraError::Disconnected("the capture thread ended".into()));
                }
            }
        }
    }
}

impl Drop for NokhwaSource {
    fn drop(&mut self) {
        // Closing the mailbox tells the capture thread to stop after the frame it waits for.
        self.mailbox = None;
        if let Some(handle) = self.capture.take() {
            let until = Instant::now() + CLOSE_WAIT;
            while !handle.is_finished() && Instant::now() < until {
                std::thread::sleep(Duration::from_millis(5));
            }
            if handle.is_finished() {
                let _ = handle.join();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_os_error_numbers() {
        assert_eq!(
            os_error("V4L2 Error: No such device (os error 19)"),
            Some(19)
        );
        assert_eq!(os_error("Device or resource busy (os error 16)"), Some(16));
        assert_eq!(os_error("Failed to Fufill"), None);
        assert_eq!(os_error("(os error x)"), None);
    }

    #[test]
    fn maps_nokhwa_errors_by_stage() {
        let open = |e: NokhwaError| map_error(&e, 3, Stage::Open, Some(&CameraConfig::face(3)));
        let missing = NokhwaError::OpenDeviceError(
            "3".into(),
            "V4L2 Error: No such file or directory (os error 2)".into(),
        );
        assert!(matches!(open(missing), CameraError::NotFound { index: 3 }));
        let denied = NokhwaError::OpenDeviceError(
            "3".into(),
            "V4L2 Error: Permission denied (os error 13)".into(),
        );
        assert!(matches!(
            open(denied),
            CameraError::PermissionDenied { index: 3 }
        ));
        let busy = NokhwaError::OpenStreamError("Device or resource busy (os error 16)".into());
        assert!(matches!(open(busy), CameraError::Busy { index: 3 }));
        let format = NokhwaError::SetPropertyError {
            property: "CameraFormat".into(),
            value: String::new(),
            error: "Not same/Rejected".into(),
        };
        match open(format) {
            CameraError::UnsupportedFormat { requested, .. } => {
                assert_eq!(requested, "1280x720 MJPEG @ 30 fps");
            }
            other => panic!("{other:?}"),
        }
        let gone = NokhwaError::ReadFrameError("No such device (os error 19)".into());
        assert!(matches!(
            map_error(&gone, 3, Stage::Stream, None),
            CameraError::Disconnected(_)
        ));
        let odd = NokhwaError::ReadFrameError("Stream Not Started".into());
        assert!(matches!(
            map_error(&odd, 3, Stage::Stream, None),
            CameraError::Protocol(_)
        ));
    }
}
