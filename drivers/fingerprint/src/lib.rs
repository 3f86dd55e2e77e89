//! Rekam fingerprint scanner driver: a 500 ppi four-finger (4-4-2) scanner on USB HID.
//!
//! - [`protocol`]: the HID report protocol (documented in `docs/devices/fingerprint.md`):
//!   device information, capture modes, finger status, numbered image chunks with CRC-32,
//!   acknowledgements and resends, errors.
//! - [`transport`]: the [`Transport`] trait between the protocol and the OS; [`hid`] implements
//!   it with hidapi, [`sim`] with a simulated device.
//! - [`scanner`]: [`Scanner`], the host side of the protocol (open, info, capture, cancel).
//! - [`worker`]: [`ScannerWorker`], a named thread streaming [`Event`](rekam_device::Event)s,
//!   reopening the device after it is unplugged.
//! - [`synth`]: realistic synthetic fingerprints (ten per simulated person, a new impression per
//!   capture) that the simulator captures.

pub mod error;
pub mod hid;
pub mod mode;
pub mod protocol;
pub mod scanner;
pub mod sim;
pub mod synth;
pub mod transport;
pub mod worker;

pub use error::FingerprintError;
pub use hid::{HidConfig, HidTransport};
pub use mode::{CaptureMode, Finger, Hand};
pub use scanner::{Capture, CaptureObserver, Progress, Scanner};
pub use sim::{SimConfig, SimDevice, SimulatedScanner};
pub use transport::Transport;
pub use worker::{ScanCommand, ScanEvent, ScanMessage, ScannerWorker};
