//! The kiosk's running devices: starts each driver's worker on the real device or on its
//! simulator, as the station's settings and the doctor's findings decide, and hands back the
//! worker (dropping it stops the device) with the receiving end of its event channel.
//!
//! Nothing here knows about the UI; the UI turns the receivers into subscriptions.

use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use rekam_camera::{
    Background, CameraConfig, CameraEvent, CameraRole, CameraWorker, Eye, FrameSource, PixelFormat,
    SimOptions, SimulatedCamera,
};
use rekam_device::{Backend, DeviceClass, Receiver, Worker, channel};
use rekam_fingerprint::ScannerWorker;
use rekam_fingerprint::sim::{SimConfig, SimDevice};
use rekam_fingerprint::synth::SyntheticPerson;
use rekam_fingerprint::worker::ScanMessage;
use rekam_signature::sim::{self as pad_sim, Faults, PadSimulator};
use rekam_signature::{Pad, PadConfig, SignatureError};
use rekam_smartcard::{ApplicantCard, LoginProof, PivCard, SmartcardError, VirtualCard};
use serialport::{SerialPort, TTYPort};

use super::doctor::Diagnosis;
use super::settings::{
    CameraFormat, CameraSettings, DeviceSettings, FingerprintSettings, Mode, SignaturePadSettings,
};
use crate::domain::StationMode;

/// The PIN of the training card a training station issues its first supervisor at setup.
pub const SIM_PIN: &str = super::wallet::FIRST_CARD_PIN;

/// Which backend each device class runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Backends {
    pub fingerprint: Backend,
    pub face_camera: Backend,
    pub iris_camera: Backend,
    pub smartcard: Backend,
    pub signature_pad: Backend,
}

impl Backends {
    /// Every class on its real device.
    pub fn real() -> Backends {
        Backends {
            fingerprint: Backend::Real,
            face_camera: Backend::Real,
            iris_camera: Backend::Real,
            smartcard: Backend::Real,
            signature_pad: Backend::Real,
        }
    }

    /// Every class on its simulator (tests, demos).
    pub fn simulated() -> Backends {
        Backends {
            fingerprint: Backend::Simulated,
            face_camera: Backend::Simulated,
            iris_camera: Backend::Simulated,
            smartcard: Backend::Simulated,
            signature_pad: Backend::Simulated,
        }
    }

    /// Before the doctor has looked: `simulated` classes simulated (on a training station), the
    /// rest real. A production station never simulates.
    pub fn from_settings(settings: &DeviceSettings, station: StationMode) -> Backends {
        let b = |m: Mode| {
            if m == Mode::Simulated && station.is_training() {
                Backend::Simulated
            } else {
                Backend::Real
            }
        };
        Backends {
            fingerprint: b(settings.fingerprint.mode),
            face_camera: b(settings.face_camera.mode),
            iris_camera: b(settings.iris_camera.mode),
            smartcard: b(settings.smartcard.mode),
            signature_pad: b(settings.signature_pad.mode),
        }
    }

    /// What the doctor found: `auto` classes fall back to the simulator when no device answers
    /// (training stations only); the rest stay real (and report the missing device where it
    /// is used). A class the doctor did not look at is real.
    pub fn from_diagnoses(diagnoses: &[Diagnosis]) -> Backends {
        let mut out = Backends::real();
        for d in diagnoses {
            let backend = d.backend().unwrap_or(Backend::Real);
            match d.class {
                DeviceClass::Fingerprint => out.fingerprint = backend,
                DeviceClass::FaceCamera => out.face_camera = backend,
                DeviceClass::IrisCamera => out.iris_camera = backend,
                DeviceClass::Smartcard => out.smartcard = backend,
                DeviceClass::SignaturePad => out.signature_pad = backend,
            }
        }
        out
    }

    pub fn get(&self, class: DeviceClass) -> Backend {
        match class {
            DeviceClass::Fingerprint => self.fingerprint,
            DeviceClass::FaceCamera => self.face_camera,
            DeviceClass::IrisCamera => self.iris_camera,
            DeviceClass::Smartcard => self.smartcard,
            DeviceClass::SignaturePad => self.signature_pad,
        }
    }
}

/// The driver configuration for a camera's settings.
pub fn camera_config(settings: &CameraSettings, role: CameraRole) -> CameraConfig {
    CameraConfig {
        index: settings.index,
        width: settings.width,
        height: settings.height,
        fps: settings.fps,
        format: match settings.format {
            CameraFormat::Mjpeg => PixelFormat::Mjpeg,
            CameraFormat::Yuyv => PixelFormat::Yuyv,
        },
        role,
    }
}

/// Frames kept for a slow consumer: the latest two (older ones are dropped).
const FRAME_QUEUE: usize = 2;

/// What a simulated camera shows: the applicant's background rule and who sits in front.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scene {
    Face { background: Background, person: u64 },
    Iris { eye: Eye, person: u64 },
}

/// Starts a camera: the real one through nokhwa, or the simulator through the same worker and
/// decoder.
pub fn camera(
    config: CameraConfig,
    backend: Backend,
    scene: Scene,
) -> std::io::Result<(CameraWorker, Receiver<CameraEvent>)> {
    let (tx, rx) = channel(FRAME_QUEUE);
    let worker = match backend {
        Backend::Real => rekam_camera::spawn_camera(config, tx)?,
        Backend::Simulated => rekam_camera::spawn(
            config,
            move || {
                let options = SimOptions {
                    // A short loop keeps the first frame quick and the memory small.
                    loop_frames: Some(12),
                    ..SimOptions::default()
                };
                let camera = match scene {
                    Scene::Face { background, person } => {
                        SimulatedCamera::face(&config, background, person, options)?
                    }
                    Scene::Iris { eye, person } => {
                        SimulatedCamera::iris(&config, eye, person, options)?
                    }
                };
                Ok(Box::new(camera) as Box<dyn FrameSource>)
            },
            tx,
        )?,
    };
    Ok((worker, rx))
}

/// Events kept for the UI from the scanner (progress, finger status, images).
const SCAN_QUEUE: usize = 64;

/// Starts the fingerprint scanner worker; the simulator presents the fingers of `person`.
pub fn scanner(
    settings: &FingerprintSettings,
    backend: Backend,
    person: u64,
    fast: bool,
) -> std::io::Result<(ScannerWorker, Receiver<ScanMessage>)> {
    let (tx, rx) = channel(SCAN_QUEUE);
    let worker = match backend {
        Backend::Real => {
            let config = settings.hid_config();
            ScannerWorker::spawn(
                "rekam-fingerprint",
                move || rekam_fingerprint::hid::HidTransport::open(&config),
                tx,
            )?
        }
        Backend::Simulated => {
            let base = if fast {
                SimConfig::fast()
            } else {
                SimConfig::default()
            };
            let device = SimDevice::new(SimConfig {
                person_seed: person,
                impression_seed: person.rotate_left(17),
                ..base
            })
            .with_person(Arc::new(SyntheticPerson::new(person)));
            ScannerWorker::spawn("rekam-fingerprint", device.opener(), tx)?
        }
    };
    Ok((worker, rx))
}

/// The running signature pad: its worker, and for the simulator a way to make the applicant
/// sign (again).
#[derive(Debug)]
pub struct PadSession {
    _worker: Worker,
    pen: Option<SimPen>,
}

impl PadSession {
    /// On the simulator: the applicant signs once more (after the operator cleared the pad).
    /// `false` on a real pad, where the applicant signs by hand.
    pub fn sign_again(&self) -> bool {
        match &self.pen {
            Some(pen) => {
                pen.request();
                true
            }
            None => false,
        }
    }
}

pub type PadMessage = rekam_device::Event<rekam_signature::PadEvent, SignatureError>;

/// Events kept for the UI from the pad: a few seconds of pen samples.
const PAD_QUEUE: usize = 2048;

/// Starts the signature pad. The simulated pad is an ISDV4 simulator on the far end of a pty
/// that the real driver opens; it signs as `person` once started and again on
/// [`PadSession::sign_again`], at `rate_hz` samples per second (200 is a real pad).
pub fn signature_pad(
    settings: &SignaturePadSettings,
    backend: Backend,
    person: u64,
    rate_hz: f64,
) -> std::io::Result<(PadSession, Receiver<PadMessage>)> {
    let (tx, rx) = channel(PAD_QUEUE);
    match backend {
        Backend::Real => {
            let worker = rekam_signature::spawn(settings.pad_config(), tx)?;
            Ok((
                PadSession {
                    _worker: worker,
                    pen: None,
                },
                rx,
            ))
        }
        Backend::Simulated => {
            let pen = SimPen::default();
            let for_worker = pen.clone();
            let base = settings.pad_config();
            let worker = rekam_signature::spawn_with(
                move |epoch| {
                    let (device, host) = TTYPort::pair()
                        .map_err(|e| SignatureError::Io(Arc::new(std::io::Error::other(e))))?;
                    let config = PadConfig {
                        port: host.name().unwrap_or_else(|| "pty".into()),
                        settle_ms: 5,
                        ..base.clone()
                    };
                    for_worker.clone().run_pad(device, person, rate_hz)?;
                    Pad::handshake(host, &config, Backend::Simulated, epoch)
                },
                tx,
            )?;
            pen.request();
            Ok((
                PadSession {
                    _worker: worker,
                    pen: Some(pen),
                },
                rx,
            ))
        }
    }
}

/// Signing requests for the simulated pad: a count of signatures asked for.
#[derive(Debug, Clone, Default)]
struct SimPen(Arc<(Mutex<u64>, Condvar)>);

impl SimPen {
    fn request(&self) {
        let (count, wake) = &*self.0;
        if let Ok(mut n) = count.lock() {
            *n += 1;
            wake.notify_all();
        }
    }

    /// Waits up to `wait` for the request count to pass `done`.
    fn wait_beyond(&self, done: u64, wait: Duration) -> Option<u64> {
        let (count, wake) = &*self.0;
        let guard = count.lock().ok()?;
        let (guard, _) = wake.wait_timeout_while(guard, wait, |n| *n <= done).ok()?;
        (*guard > done).then_some(*guard)
    }

    /// Runs the simulated pad on `device` (the far end of the driver's pty) until the driver
    /// closes its end.
    fn run_pad(self, mut device: TTYPort, person: u64, rate_hz: f64) -> Result<(), SignatureError> {
        let io = |e: std::io::Error| SignatureError::Io(Arc::new(e));
        device
            .set_timeout(Duration::from_millis(10))
            .map_err(|e| io(std::io::Error::other(e)))?;
        std::thread::Builder::new()
            .name("rekam-sim-pad".into())
            .spawn(move || {
                let mut pad = PadSimulator::new(device, pad_sim::DEFAULT_CAPABILITIES);
                let mut done = 0;
                let started = Instant::now();
                // Answer commands between signatures; stop when the driver hangs up.
                loop {
                    if pad.serve(Duration::from_millis(20)).is_err() {
                        return;
                    }
                    if !pad.streaming() {
                        if started.elapsed() > Duration::from_secs(3600) {
                            return;
                        }
                        continue;
                    }
                    if let Some(asked) = self.wait_beyond(done, Duration::from_millis(50)) {
                        // A moment for the applicant to pick up the pen.
                        std::thread::sleep(Duration::from_millis(300));
                        let strokes = pad_sim::handwritten(person, asked);
                        if pad.sign(&strokes, rate_hz, &Faults::default()).is_err() {
                            return;
                        }
                        done = asked;
                    }
                }
            })
            .map_err(io)?;
        Ok(())
    }
}

/// A card put into the reader of a station whose smartcard class is simulated (a training
/// station): an officer card from the station's wallet (`wallet`), issued like a real one, or
/// the applicant card of a replacement applicant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SimCard {
    Officer(Box<PivCard>),
    Applicant(ApplicantCard),
}

impl SimCard {
    /// The training card issued to `username`, from the wallet in `data_dir`: `None` when that
    /// user holds none (the reader is then empty).
    pub fn officer_of(data_dir: &std::path::Path, username: &str) -> Option<SimCard> {
        let wallet = super::wallet::Wallet::load(data_dir).ok()?;
        wallet
            .card_of(username)
            .map(|c| SimCard::Officer(Box::new(c.clone())))
    }
}

/// Logs in with the officer card in the reader and its PIN: the card verifies the PIN and signs
/// a fresh challenge ([`LoginProof`]); the store then checks it against the key it recorded
/// when it issued the card. On a simulated reader the card is `sim`, answering the same APDUs in
/// process.
pub fn officer_login(
    settings: &DeviceSettings,
    backend: Backend,
    sim: Option<&SimCard>,
    pin: &str,
) -> Result<LoginProof, SmartcardError> {
    match backend {
        Backend::Real => {
            let mut card = rekam_smartcard::PcscCard::open(&settings.smartcard.pcsc_config())?;
            rekam_smartcard::piv::login(&mut card, pin)
        }
        Backend::Simulated => {
            let mut card = sim_card(sim)?;
            rekam_smartcard::piv::login(&mut card, pin)
        }
    }
}

/// The proof of the card to issue to `username` (full name `holder`): from the PIV card in the
/// reader, after its PIN; or, when the reader is simulated (a training station only), from a new
/// training card personalised with `pin` for them and first put in the station's wallet in
/// `data_dir` (so the card exists, like a real one, whatever the store then decides).
pub fn card_to_issue(
    data_dir: &std::path::Path,
    settings: &DeviceSettings,
    backend: Backend,
    username: &str,
    holder: &str,
    pin: &str,
) -> anyhow::Result<LoginProof> {
    let sim = if backend == Backend::Simulated {
        let card = PivCard::personalize(holder, pin)?;
        let mut wallet = super::wallet::Wallet::load(data_dir)?;
        wallet.add(username, card.clone())?;
        Some(SimCard::Officer(Box::new(card)))
    } else {
        None
    };
    Ok(officer_login(settings, backend, sim.as_ref(), pin)?)
}

/// Reads the applicant card in the reader (replacement requests prefill from it).
pub fn read_applicant_card(
    settings: &DeviceSettings,
    backend: Backend,
    sim: Option<&SimCard>,
) -> Result<ApplicantCard, SmartcardError> {
    match backend {
        Backend::Real => {
            let mut card = rekam_smartcard::PcscCard::open(&settings.smartcard.pcsc_config())?;
            rekam_smartcard::applicant::read(&mut card)
        }
        Backend::Simulated => {
            let mut card = sim_card(sim)?;
            rekam_smartcard::applicant::read(&mut card)
        }
    }
}

fn sim_card(sim: Option<&SimCard>) -> Result<VirtualCard, SmartcardError> {
    match sim {
        None => Err(SmartcardError::NoCard {
            reader: "Rekam simulator".into(),
        }),
        Some(SimCard::Officer(card)) => Ok(VirtualCard::officer((**card).clone())),
        Some(SimCard::Applicant(card)) => VirtualCard::applicant(card),
    }
}
