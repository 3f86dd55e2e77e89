//! Devices as subscriptions. A subscription starts the device's worker (real or simulated, see
//! [`crate::devices::live`]) when a screen subscribes, forwards its events into the UI from a
//! named thread, and stops the worker when the screen stops subscribing: the camera runs only
//! while the face screen is shown.
//!
//! Conversion work (RGB to RGBA for the preview) happens on the forwarding thread, never on
//! the UI thread. Camera frames are dropped, not queued, when the UI is behind.

use std::sync::Arc;
use std::time::{Duration, Instant};

use iced::Subscription;
use iced::futures::SinkExt;
use iced::futures::channel::mpsc;
use iced::widget::image;
use rekam_camera::{CameraConfig, CameraError, Frame};
use rekam_device::{Backend, DeviceClass, DeviceInfo, Event, Receiver};
use rekam_fingerprint::FingerprintError;
use rekam_fingerprint::worker::{ScanCommand, ScanEvent};
use rekam_signature::PadEvent;

use crate::devices::doctor::class_name;
use crate::devices::live::{self, PadSession, Scene};
use crate::devices::settings::{FingerprintSettings, SignaturePadSettings};
use crate::lang::{Lang, Localize};

/// A device problem as the operator sees it: which device, the driver's words, what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceProblem {
    pub class: DeviceClass,
    pub detail: String,
}

impl Localize for DeviceProblem {
    fn localize(&self, lang: Lang) -> String {
        let todo = match self.class {
            DeviceClass::Fingerprint => lang.pick(
                "Periksa kabel USB pemindai. Rekam menyambung lagi sendiri begitu pemindai kembali.",
                "Check the scanner's USB cable. Rekam reconnects by itself when the scanner is back.",
            ),
            DeviceClass::FaceCamera | DeviceClass::IrisCamera => lang.pick(
                "Periksa kabel USB kamera. Rekam menyambung lagi sendiri begitu kamera kembali.",
                "Check the camera's USB cable. Rekam reconnects by itself when the camera is back.",
            ),
            DeviceClass::Smartcard => lang.pick(
                "Masukkan kartu dengan chip menghadap ke atas dan biarkan di pembaca sampai selesai.",
                "Insert the card chip up and leave it in the reader until done.",
            ),
            DeviceClass::SignaturePad => lang.pick(
                "Periksa kabel bantalan tanda tangan. Rekam menyambung lagi sendiri.",
                "Check the signature pad's cable. Rekam reconnects by itself.",
            ),
        };
        format!("{}: {}. {todo}", class_name(self.class, lang), self.detail)
    }
}

/// The state of a device as a screen shows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Link {
    /// Not connected yet.
    #[default]
    Opening,
    Connected(DeviceInfo),
    /// Lost; the worker keeps trying.
    Lost(String),
}

impl Link {
    /// Where captures come from while connected.
    pub fn provenance(&self) -> Option<crate::domain::Provenance> {
        match self {
            Link::Connected(info) => Some(crate::domain::Provenance::of(info)),
            Link::Opening | Link::Lost(_) => None,
        }
    }
}

/// How a device's events reach the UI: `start` runs on the forwarding thread and returns a guard
/// (the worker: dropped, it stops the device) and the device's receiver; `ready` may announce the
/// guard to the screen first (a command sender, a session); `convert` maps each event (`None`
/// drops it); `failed` reports a device that could not be started.
struct Forward<S, R, C, F> {
    name: &'static str,
    /// Messages the subscription's channel holds for a UI that is behind.
    capacity: usize,
    start: S,
    ready: R,
    convert: C,
    failed: F,
}

impl<G, T, M, S, R, C, F> Forward<S, R, C, F>
where
    G: Send + 'static,
    T: Send + 'static,
    M: Send + 'static,
    S: FnOnce() -> std::io::Result<(G, Receiver<T>)> + Send + 'static,
    R: FnOnce(&G) -> Option<M> + Send + 'static,
    C: Fn(T) -> Option<M> + Send + 'static,
    F: FnOnce(String) -> M + Send + 'static,
{
    /// The stream of messages; its thread ends when the subscription is dropped or the device's
    /// channel closes.
    fn stream(self) -> impl iced::futures::Stream<Item = M> {
        let Forward {
            name,
            capacity,
            start,
            ready,
            convert,
            failed,
        } = self;
        iced::stream::channel(capacity, async move |output: mpsc::Sender<M>| {
            let mut output = output;
            let send = |output: &mut mpsc::Sender<M>, m| {
                iced::futures::executor::block_on(output.send(m)).is_ok()
            };
            // If the thread cannot be spawned there is nothing to forward: the screen shows the
            // device as still opening.
            let _ = std::thread::Builder::new()
                .name(format!("rekam-ui-{name}"))
                .spawn(move || {
                    let (guard, rx) = match start() {
                        Ok(started) => started,
                        Err(e) => {
                            let _ = send(&mut output, failed(e.to_string()));
                            return;
                        }
                    };
                    if let Some(m) = ready(&guard)
                        && !send(&mut output, m)
                    {
                        return;
                    }
                    loop {
                        match rx.recv_timeout(Duration::from_millis(200)) {
                            Ok(event) => {
                                if let Some(m) = convert(event)
                                    && !send(&mut output, m)
                                {
                                    break;
                                }
                            }
                            Err(e) if e.is_timeout() => {
                                if output.is_closed() {
                                    break;
                                }
                            }
                            Err(_) => break,
                        }
                    }
                    drop(guard);
                });
        })
    }
}

// --- Cameras ---------------------------------------------------------------------------------

/// A preview frame: the RGBA handle for the screen and the RGB image for the capture.
#[derive(Debug, Clone)]
pub struct Preview {
    pub handle: image::Handle,
    pub rgb: Arc<image_rs::RgbImage>,
    pub sequence: u64,
    pub at: Instant,
}

use ::image as image_rs;

#[derive(Debug, Clone)]
pub enum CameraUpdate {
    Link(Link),
    Frame(Preview),
    Problem(DeviceProblem),
}

/// What a camera subscription is keyed by: changing any of it restarts the camera.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CameraKey {
    pub config: CameraConfig,
    pub backend: Backend,
    pub scene: Scene,
    /// Mirror the preview horizontally (the face camera, as a mirror).
    pub mirror: bool,
}

pub fn camera(key: CameraKey) -> Subscription<CameraUpdate> {
    Subscription::run_with(key, |key| {
        let key = *key;
        let class = key.config.role.device_class();
        Forward {
            name: "camera",
            capacity: 16,
            start: move || live::camera(key.config, key.backend, key.scene),
            ready: |_: &_| None,
            convert: move |event: Event<Frame, CameraError>| match event {
                Event::Connected(info) => Some(CameraUpdate::Link(Link::Connected(info))),
                Event::Disconnected { reason } => Some(CameraUpdate::Link(Link::Lost(reason))),
                Event::Error(e) => Some(CameraUpdate::Problem(DeviceProblem {
                    class,
                    detail: e.to_string(),
                })),
                Event::Data(frame) => Some(CameraUpdate::Frame(preview(&frame, key.mirror))),
            },
            failed: move |detail| CameraUpdate::Problem(DeviceProblem { class, detail }),
        }
        .stream()
    })
}

/// RGB to RGBA (and mirrored for the face camera), on the forwarding thread.
pub fn preview(frame: &Frame, mirror: bool) -> Preview {
    let (w, h) = frame.rgb.dimensions();
    let mut rgba = Vec::with_capacity((w * h * 4) as usize);
    for row in frame.rgb.as_raw().chunks_exact((w * 3) as usize) {
        if mirror {
            for px in row.chunks_exact(3).rev() {
                rgba.extend_from_slice(&[px[0], px[1], px[2], 255]);
            }
        } else {
            for px in row.chunks_exact(3) {
                rgba.extend_from_slice(&[px[0], px[1], px[2], 255]);
            }
        }
    }
    Preview {
        handle: image::Handle::from_rgba(w, h, rgba),
        rgb: frame.rgb.clone(),
        sequence: frame.sequence,
        at: frame.captured_at,
    }
}

// --- Fingerprint scanner ---------------------------------------------------------------------

#[derive(Debug, Clone)]
pub enum ScanUpdate {
    /// The worker is up; captures are asked through this sender.
    Ready(std::sync::mpsc::Sender<ScanCommand>),
    Link(Link),
    Event(ScanEvent),
    Problem(DeviceProblem, Option<Arc<FingerprintError>>),
}

/// What a scanner subscription is keyed by: the scanner's own settings, so that changing
/// another device's settings does not restart it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ScanKey {
    pub backend: Backend,
    pub scanner: FingerprintSettings,
    /// Whose fingers the simulator presents.
    pub person: u64,
    /// The simulator at full speed.
    pub fast: bool,
}

pub fn scanner(key: ScanKey) -> Subscription<ScanUpdate> {
    Subscription::run_with(key, |key| {
        let key = key.clone();
        let problem = |detail: String, error| {
            ScanUpdate::Problem(
                DeviceProblem {
                    class: DeviceClass::Fingerprint,
                    detail,
                },
                error,
            )
        };
        Forward {
            name: "scanner",
            capacity: 64,
            start: move || live::scanner(&key.scanner, key.backend, key.person, key.fast),
            ready: |worker: &rekam_fingerprint::ScannerWorker| {
                Some(ScanUpdate::Ready(worker.commands()))
            },
            convert: move |event: rekam_fingerprint::worker::ScanMessage| {
                Some(match event {
                    Event::Connected(info) => ScanUpdate::Link(Link::Connected(info)),
                    Event::Disconnected { reason } => ScanUpdate::Link(Link::Lost(reason)),
                    Event::Data(e) => ScanUpdate::Event(e),
                    Event::Error(e) => problem(e.to_string(), Some(Arc::new(e))),
                })
            },
            failed: move |detail| problem(detail, None),
        }
        .stream()
    })
}

// --- Signature pad ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub enum PadUpdate {
    /// The pad is up; on the simulator, `sign_again` makes the applicant sign once more.
    Ready(Arc<PadSession>),
    Link(Link),
    Pen(PadEvent),
    Problem(DeviceProblem),
}

/// What a pad subscription is keyed by: the pad's own settings.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PadKey {
    pub backend: Backend,
    pub pad: SignaturePadSettings,
    pub person: u64,
    /// Samples per second of the simulated pad, as an integer (200 is a real pad).
    pub rate_hz: u32,
}

pub fn signature_pad(key: PadKey) -> Subscription<PadUpdate> {
    Subscription::run_with(key, |key| {
        let key = key.clone();
        let problem = |detail: String| {
            PadUpdate::Problem(DeviceProblem {
                class: DeviceClass::SignaturePad,
                detail,
            })
        };
        Forward {
            name: "pad",
            capacity: 256,
            start: move || {
                let (session, rx) =
                    live::signature_pad(&key.pad, key.backend, key.person, f64::from(key.rate_hz))?;
                Ok((Arc::new(session), rx))
            },
            ready: |session: &Arc<PadSession>| Some(PadUpdate::Ready(session.clone())),
            convert: move |event: live::PadMessage| {
                Some(match event {
                    Event::Connected(info) => PadUpdate::Link(Link::Connected(info)),
                    Event::Disconnected { reason } => PadUpdate::Link(Link::Lost(reason)),
                    Event::Data(e) => PadUpdate::Pen(e),
                    Event::Error(e) => problem(e.to_string()),
                })
            },
            failed: problem,
        }
        .stream()
    })
}
