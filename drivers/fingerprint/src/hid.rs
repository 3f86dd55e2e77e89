//! The real transport: hidapi over Linux hidraw (pure-Rust udev enumeration, no system library).
//! Opening by configuration (VID/PID, optionally a serial number or a hidraw path), listing the
//! scanners that are plugged in, and turning hidapi's errors into [`FingerprintError`] variants
//! the operator can act on.

use std::ffi::CString;
use std::io;
use std::time::Duration;

use hidapi::{HidApi, HidDevice, HidError};
use rekam_device::Backend;
use serde::{Deserialize, Serialize};

use crate::error::{FingerprintError, Result};
use crate::protocol::{PRODUCT_ID, USAGE_PAGE, VENDOR_ID};
use crate::transport::Transport;

/// Which scanner to open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HidConfig {
    pub vendor_id: u16,
    pub product_id: u16,
    /// Open the scanner with this USB serial number (when several are connected).
    pub serial: Option<String>,
    /// Open this hidraw node (e.g. `/dev/hidraw3`) instead of searching by VID/PID.
    pub path: Option<String>,
}

impl Default for HidConfig {
    fn default() -> Self {
        HidConfig {
            vendor_id: VENDOR_ID,
            product_id: PRODUCT_ID,
            serial: None,
            path: None,
        }
    }
}

/// A HID interface that matched the configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoundDevice {
    pub path: String,
    pub vendor_id: u16,
    pub product_id: u16,
    pub serial: Option<String>,
    pub manufacturer: Option<String>,
    pub product: Option<String>,
    pub usage_page: u16,
    pub usage: u16,
    pub interface: i32,
}

/// Lists the HID interfaces with the configured VID/PID (and serial, if set). The scanner's own
/// interface (usage page 0xFF52) comes first.
pub fn enumerate(config: &HidConfig) -> Result<Vec<FoundDevice>> {
    let api = HidApi::new().map_err(map_hid_error)?;
    let mut found: Vec<FoundDevice> = api
        .device_list()
        .filter(|d| d.vendor_id() == config.vendor_id && d.product_id() == config.product_id)
        .filter(|d| {
            config
                .serial
                .as_deref()
                .is_none_or(|s| d.serial_number() == Some(s))
        })
        .map(|d| FoundDevice {
            path: d.path().to_string_lossy().into_owned(),
            vendor_id: d.vendor_id(),
            product_id: d.product_id(),
            serial: d.serial_number().map(str::to_owned),
            manufacturer: d.manufacturer_string().map(str::to_owned),
            product: d.product_string().map(str::to_owned),
            usage_page: d.usage_page(),
            usage: d.usage(),
            interface: d.interface_number(),
        })
        .collect();
    found.sort_by_key(|d| d.usage_page != USAGE_PAGE);
    Ok(found)
}

/// A scanner opened through hidapi.
pub struct HidTransport {
    device: HidDevice,
    location: String,
}

impl std::fmt::Debug for HidTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HidTransport")
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

impl HidTransport {
    /// Opens the scanner the configuration names: the hidraw path if given, else the first
    /// interface with the VID/PID (and serial), preferring the scanner's usage page.
    pub fn open(config: &HidConfig) -> Result<HidTransport> {
        let path = match &config.path {
            Some(p) => p.clone(),
            None => {
                let found = enumerate(config)?;
                let Some(first) = found.into_iter().next() else {
                    let serial = config
                        .serial
                        .as_deref()
                        .map(|s| format!(" with serial {s}"))
                        .unwrap_or_default();
                    return Err(FingerprintError::NotFound(format!(
                        "no HID device {:04x}:{:04x}{serial}",
                        config.vendor_id, config.product_id
                    )));
                };
                first.path
            }
        };
        let c_path = CString::new(path.clone())
            .map_err(|_| FingerprintError::NotFound(format!("invalid device path {path:?}")))?;
        let api = HidApi::new().map_err(map_hid_error)?;
        let device = api.open_path(&c_path).map_err(map_hid_error)?;
        Ok(HidTransport {
            device,
            location: format!("{:04x}:{:04x} {path}", config.vendor_id, config.product_id),
        })
    }
}

fn millis(timeout: Duration) -> i32 {
    // Never -1 (hidapi's "forever"): every read has a bound.
    i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX)
}

impl Transport for HidTransport {
    fn write(&mut self, report: &[u8]) -> Result<()> {
        let n = self.device.write(report).map_err(map_hid_error)?;
        if n != report.len() {
            return Err(FingerprintError::Io(std::sync::Arc::new(io::Error::new(
                io::ErrorKind::WriteZero,
                format!("wrote {n} of {} bytes", report.len()),
            ))));
        }
        Ok(())
    }

    fn read_timeout(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize> {
        self.device
            .read_timeout(buf, millis(timeout))
            .map_err(map_hid_error)
    }

    fn get_feature_report(&mut self, buf: &mut [u8]) -> Result<usize> {
        self.device.get_feature_report(buf).map_err(map_hid_error)
    }

    fn send_feature_report(&mut self, report: &[u8]) -> Result<()> {
        self.device
            .send_feature_report(report)
            .map_err(map_hid_error)
    }

    fn location(&self) -> String {
        self.location.clone()
    }

    fn backend(&self) -> Backend {
        Backend::Real
    }
}

// errno values (Linux); Windows and macOS errors arrive as text and are matched below.
const EPERM: i32 = 1;
const ENOENT: i32 = 2;
const EIO: i32 = 5;
const ENXIO: i32 = 6;
const EACCES: i32 = 13;
const EBUSY: i32 = 16;
const ENODEV: i32 = 19;
const ESHUTDOWN: i32 = 108;
const ETIMEDOUT: i32 = 110;

/// Maps an I/O error from the hidraw node.
pub fn map_io_error(e: io::Error) -> FingerprintError {
    let text = e.to_string();
    match e.raw_os_error() {
        Some(EACCES | EPERM) => return FingerprintError::PermissionDenied(text),
        Some(ENOENT) => return FingerprintError::NotFound(text),
        Some(EBUSY) => return FingerprintError::InUse(text),
        // hidraw answers a read of a removed device with EIO and writes and ioctls with ENODEV.
        Some(ENODEV | ENXIO | EIO | ESHUTDOWN) => {
            return FingerprintError::Disconnected(text);
        }
        Some(ETIMEDOUT) => return FingerprintError::Timeout(text),
        _ => {}
    }
    match e.kind() {
        io::ErrorKind::PermissionDenied => FingerprintError::PermissionDenied(text),
        io::ErrorKind::NotFound => FingerprintError::NotFound(text),
        io::ErrorKind::TimedOut => FingerprintError::Timeout(text),
        _ => FingerprintError::Io(std::sync::Arc::new(e)),
    }
}

/// Maps a hidapi error. hidapi reports most failures as text (`HidApiError { message }`), so the
/// text is matched for the cases the operator can act on.
pub fn map_hid_error(e: HidError) -> FingerprintError {
    match e {
        HidError::IoError { error } => map_io_error(error),
        HidError::HidApiError { message } => map_message(message),
        HidError::OpenHidDeviceWithDeviceInfoError { device_info } => {
            FingerprintError::NotFound(format!("cannot open {:?}", device_info.path()))
        }
        HidError::IncompleteSendError { sent, all } => {
            FingerprintError::Io(std::sync::Arc::new(io::Error::new(
                io::ErrorKind::WriteZero,
                format!("sent {sent} of {all} bytes"),
            )))
        }
        other => FingerprintError::Io(std::sync::Arc::new(io::Error::other(other.to_string()))),
    }
}

fn map_message(message: String) -> FingerprintError {
    let m = message.to_ascii_lowercase();
    let has = |needles: &[&str]| needles.iter().any(|n| m.contains(n));
    if has(&[
        "permission denied",
        "os error 13",
        "access is denied",
        "eacces",
    ]) {
        FingerprintError::PermissionDenied(message)
    } else if has(&[
        "device disconnected",
        "no such device",
        "enodev",
        "os error 19",
        "input/output error",
        "os error 5)",
        "not connected",
    ]) {
        FingerprintError::Disconnected(message)
    } else if has(&[
        "device not found",
        "no such file",
        "os error 2)",
        "not a hidraw device",
        "unable to open",
    ]) {
        FingerprintError::NotFound(message)
    } else if has(&["busy", "os error 16", "used by another", "exclusive"]) {
        FingerprintError::InUse(message)
    } else if has(&["timed out", "timeout", "os error 110"]) {
        FingerprintError::Timeout(message)
    } else {
        FingerprintError::Io(std::sync::Arc::new(io::Error::other(message)))
    }
}
