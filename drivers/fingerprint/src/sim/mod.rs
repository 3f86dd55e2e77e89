//! A simulated scanner: the device side of the protocol (`firmware.rs`) behind the
//! [`Transport`] trait, so that the same [`Scanner`](crate::Scanner) code that drives hardware
//! drives it. The host side of the link is modelled like Linux hidraw: input reports queue in a
//! 64-report buffer per open handle and new ones are dropped when it is full, and a device that
//! is unplugged makes every call on an open handle fail until it is opened again.
//!
//! [`SimDevice`] is the physical device: tests plug and unplug it, arm faults for the next
//! capture, and read what it sent. [`SimDevice::open`] is the equivalent of opening the hidraw
//! node and gives a [`SimulatedScanner`].

mod faults;
mod firmware;
mod stall;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rekam_device::Backend;

use crate::error::{FingerprintError, Result};
use crate::mode::CaptureMode;
use crate::protocol::{self, INFO_LEN, ScannerInfo};
use crate::synth::{GrayImage, Pose, SyntheticPerson};
use crate::transport::Transport;
use firmware::{Effect, Firmware, Outbox};

pub use faults::Fault;
pub use firmware::{HEARTBEAT, HOST_TIMEOUT};
pub use stall::StallingHost;

/// Input reports per second of a USB 2.0 high-speed interrupt endpoint with 1024-byte packets
/// and three transactions per 125 µs microframe.
pub const HIGH_SPEED_REPORT_RATE: u32 = 24_000;
/// Input reports Linux hidraw queues per open file before it drops new ones.
pub const HIDRAW_QUEUE: usize = 64;

/// How the simulated scanner behaves.
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub info: ScannerInfo,
    /// The simulated person whose fingers are placed on the scanner.
    pub person_seed: u64,
    /// Seed of the impressions (each capture is a new one).
    pub impression_seed: u64,
    /// Time from the start of a capture until the finger(s) touch the platen.
    pub finger_delay: Duration,
    /// Time from touch until the image is taken.
    pub settle: Duration,
    /// Input reports per second the link carries during a transfer; `None` = unlimited.
    pub report_rate: Option<u32>,
    /// Input reports the host side buffers (hidraw: 64).
    pub host_queue: usize,
}

impl Default for SimConfig {
    /// A realistic scanner: the finger arrives after 300 ms, the image is taken 150 ms later and
    /// sent at the USB high-speed report rate.
    fn default() -> Self {
        SimConfig {
            info: ScannerInfo::standard("Rekam SIM-500 (simulated)", "SIM0001", (1, 0, 0)),
            person_seed: 1,
            impression_seed: 1,
            finger_delay: Duration::from_millis(300),
            settle: Duration::from_millis(150),
            report_rate: Some(HIGH_SPEED_REPORT_RATE),
            host_queue: HIDRAW_QUEUE,
        }
    }
}

impl SimConfig {
    /// For tests: the finger is there at once and the link has no rate limit.
    pub fn fast() -> SimConfig {
        SimConfig {
            finger_delay: Duration::from_millis(5),
            settle: Duration::from_millis(5),
            report_rate: None,
            ..SimConfig::default()
        }
    }
}

/// What the simulated device sent last: the image as it left the sensor.
#[derive(Debug, Clone)]
pub struct SentImage {
    pub mode: CaptureMode,
    pub width: u16,
    pub height: u16,
    pub pixels: Arc<Vec<u8>>,
    /// Where each finger landed (from the synthetic impression).
    pub poses: Vec<Pose>,
}

/// Counters of the simulated device and its link.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SimStats {
    pub opens: u32,
    pub captures: u32,
    /// Input reports the device sent.
    pub reports_sent: u64,
    /// Input reports the host-side queue dropped because it was full.
    pub reports_dropped: u64,
    pub chunks_sent: u64,
    /// Chunks lost on purpose by a [`Fault::DropChunks`].
    pub chunks_lost: u64,
    pub acks: u32,
    pub resends: u32,
}

/// The host end of the link: hidraw's per-handle queue.
#[derive(Debug)]
struct Link {
    queue: VecDeque<Vec<u8>>,
    capacity: usize,
    sent: u64,
    dropped: u64,
}

impl Outbox for Link {
    fn emit(&mut self, report: &[u8]) {
        self.sent += 1;
        if self.queue.len() >= self.capacity {
            self.dropped += 1;
        } else {
            self.queue.push_back(report.to_vec());
        }
    }
}

#[derive(Debug)]
struct Shared {
    firmware: Firmware,
    plugged: bool,
    /// Incremented on every unplug and open: a handle from an earlier generation is dead.
    generation: u64,
    link: Link,
}

impl Shared {
    fn stats(&self) -> SimStats {
        SimStats {
            reports_sent: self.link.sent,
            reports_dropped: self.link.dropped,
            ..self.firmware.stats
        }
    }

    fn unplug(&mut self) {
        self.plugged = false;
        self.generation += 1;
        self.link.queue.clear();
        self.firmware.reset();
    }
}

/// The simulated scanner as a physical device. Cloning gives another handle to the same device.
#[derive(Debug, Clone)]
pub struct SimDevice {
    shared: Arc<Mutex<Shared>>,
}

impl SimDevice {
    pub fn new(config: SimConfig) -> SimDevice {
        let capacity = config.host_queue.max(1);
        SimDevice {
            shared: Arc::new(Mutex::new(Shared {
                firmware: Firmware::new(config),
                plugged: true,
                generation: 0,
                link: Link {
                    queue: VecDeque::new(),
                    capacity,
                    sent: 0,
                    dropped: 0,
                },
            })),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Shared> {
        // A panic while holding the lock can only come from a bug in a test; the state is
        // still usable for reporting, so recover it rather than poison every later call.
        self.shared.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Uses an already grown person (tests share one to save time).
    pub fn with_person(self, person: Arc<SyntheticPerson>) -> SimDevice {
        self.lock().firmware.person = Some(person);
        self
    }

    /// Sends `image` for every capture whose mode has its size, instead of a synthetic
    /// impression (`None` goes back to impressions). For exact-content tests and benchmarks
    /// that should not measure fingerprint synthesis.
    pub fn fix_image(&self, image: Option<GrayImage>) {
        self.lock().firmware.fixed_image = image.map(Arc::new);
    }

    /// Opens the device as a program opens its hidraw node. Fails with `NotFound` while it is
    /// unplugged. A new open invalidates earlier handles' queued input, as a fresh hidraw file
    /// does not see reports sent before it was opened.
    pub fn open(&self) -> Result<SimulatedScanner> {
        let mut s = self.lock();
        if !s.plugged {
            return Err(FingerprintError::NotFound(
                "simulated scanner is unplugged".into(),
            ));
        }
        s.link.queue.clear();
        s.firmware.stats.opens += 1;
        Ok(SimulatedScanner {
            shared: self.shared.clone(),
            generation: s.generation,
        })
    }

    /// An opener for [`ScannerWorker`](crate::ScannerWorker): opens this device on every call.
    pub fn opener(&self) -> impl Fn() -> Result<SimulatedScanner> + Send + 'static {
        let device = self.clone();
        move || device.open()
    }

    /// Pulls the cable: every call on an open handle fails from now on.
    pub fn unplug(&self) {
        self.lock().unplug();
    }

    /// Plugs it back in (powered up, idle). Handles from before stay dead; open again.
    pub fn plug(&self) {
        let mut s = self.lock();
        if !s.plugged {
            s.plugged = true;
            s.firmware.reset();
        }
    }

    pub fn is_plugged(&self) -> bool {
        self.lock().plugged
    }

    /// Arms a fault for the next capture.
    pub fn arm(&self, fault: Fault) {
        self.lock().firmware.armed.push(fault);
    }

    pub fn stats(&self) -> SimStats {
        self.lock().stats()
    }

    /// The image of the last capture as the device sent it.
    pub fn last_image(&self) -> Option<SentImage> {
        self.lock().firmware.last_image.clone()
    }

    /// The simulated person (grown on the first capture if not given).
    pub fn person(&self) -> Option<Arc<SyntheticPerson>> {
        self.lock().firmware.person.clone()
    }
}

/// An open handle to the simulated scanner: the [`Transport`] the driver uses.
#[derive(Debug)]
pub struct SimulatedScanner {
    shared: Arc<Mutex<Shared>>,
    generation: u64,
}

impl SimulatedScanner {
    fn lock(&self) -> Result<MutexGuard<'_, Shared>> {
        let mut s = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        if !s.plugged || s.generation != self.generation {
            return Err(FingerprintError::Disconnected(
                "simulated scanner was unplugged".into(),
            ));
        }
        // Let the firmware catch up with time before anything is read or written.
        let shared = &mut *s;
        if shared.firmware.advance(Instant::now(), &mut shared.link) == Effect::Unplug {
            shared.unplug();
            return Err(FingerprintError::Disconnected(
                "simulated scanner was unplugged".into(),
            ));
        }
        Ok(s)
    }
}

/// Longest sleep inside a read, so an unplug from another thread is noticed at once (hidraw's
/// poll wakes up on removal too).
const READ_SLICE: Duration = Duration::from_millis(5);

impl Transport for SimulatedScanner {
    fn write(&mut self, report: &[u8]) -> Result<()> {
        if report.is_empty() {
            return Err(FingerprintError::Protocol("empty output report".into()));
        }
        let mut s = self.lock()?;
        let shared = &mut *s;
        if shared
            .firmware
            .handle_output(report, Instant::now(), &mut shared.link)
            == Effect::Unplug
        {
            shared.unplug();
            return Err(FingerprintError::Disconnected(
                "simulated scanner was unplugged".into(),
            ));
        }
        Ok(())
    }

    fn read_timeout(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize> {
        let deadline = Instant::now() + timeout;
        loop {
            let mut s = self.lock()?;
            if let Some(report) = s.link.queue.pop_front() {
                // hidraw truncates a report to the reader's buffer.
                let n = report.len().min(buf.len());
                buf[..n].copy_from_slice(&report[..n]);
                return Ok(n);
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(0);
            }
            let wake = s.firmware.next_wakeup().unwrap_or(deadline).min(deadline);
            drop(s);
            let nap = wake.saturating_duration_since(now).min(READ_SLICE);
            if !nap.is_zero() {
                std::thread::sleep(nap);
            }
        }
    }

    fn get_feature_report(&mut self, buf: &mut [u8]) -> Result<usize> {
        let s = self.lock()?;
        match buf.first() {
            Some(&protocol::id::INFO) => {
                let info = s.firmware.config.info.encode();
                let n = INFO_LEN.min(buf.len());
                buf[..n].copy_from_slice(&info[..n]);
                Ok(n)
            }
            // A real device stalls the control request (EPIPE).
            other => Err(FingerprintError::Protocol(format!(
                "feature report {other:?} not supported"
            ))),
        }
    }

    fn send_feature_report(&mut self, report: &[u8]) -> Result<()> {
        let mut s = self.lock()?;
        if protocol::is_reset(report) {
            s.firmware.reset();
            Ok(())
        } else if report.first() == Some(&protocol::id::RESET) {
            // A reset without its magic is accepted on the bus and ignored.
            Ok(())
        } else {
            Err(FingerprintError::Protocol(
                "feature report not supported".into(),
            ))
        }
    }

    fn location(&self) -> String {
        "simulated".into()
    }

    fn backend(&self) -> Backend {
        Backend::Simulated
    }
}
