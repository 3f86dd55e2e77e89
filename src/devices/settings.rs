//! The station's device settings, `devices.toml` in the data directory: which port, reader,
//! camera or USB id each device class uses, and whether to use the real device, the simulator,
//! or the real one when present and the simulator otherwise. Old or partial files load: missing
//! fields take their defaults and values out of range are put back in range.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Where the settings live in a data directory.
pub fn settings_path(data_dir: &Path) -> PathBuf {
    data_dir.join("devices.toml")
}

/// Which backend a device class uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The real device when one is attached, the simulator otherwise (training, demos, a
    /// station waiting for its hardware).
    #[default]
    Auto,
    /// Only the real device; missing hardware is an error.
    Real,
    /// Always the simulator.
    Simulated,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct FingerprintSettings {
    pub mode: Mode,
    /// USB vendor and product id of the scanner (docs/devices/fingerprint.md).
    pub vid: u16,
    pub pid: u16,
    /// A particular scanner's serial number, when several are attached.
    pub serial: Option<String>,
    /// A hidraw node (e.g. `/dev/hidraw3`) to open instead of searching by USB id.
    pub path: Option<String>,
}

impl FingerprintSettings {
    /// The driver's configuration for these settings.
    pub fn hid_config(&self) -> rekam_fingerprint::hid::HidConfig {
        rekam_fingerprint::hid::HidConfig {
            vendor_id: self.vid,
            product_id: self.pid,
            serial: self.serial.clone(),
            path: self.path.clone(),
        }
    }
}

impl Default for FingerprintSettings {
    fn default() -> Self {
        FingerprintSettings {
            mode: Mode::Auto,
            vid: rekam_fingerprint::protocol::VENDOR_ID,
            pid: rekam_fingerprint::protocol::PRODUCT_ID,
            serial: None,
            path: None,
        }
    }
}

/// Pixel format asked of a camera.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CameraFormat {
    Mjpeg,
    Yuyv,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct CameraSettings {
    pub mode: Mode,
    /// Camera index (`/dev/videoN` on Linux).
    pub index: u32,
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub format: CameraFormat,
}

impl CameraSettings {
    pub fn face() -> Self {
        CameraSettings {
            mode: Mode::Auto,
            index: 0,
            width: 1280,
            height: 720,
            fps: 30,
            format: CameraFormat::Mjpeg,
        }
    }

    pub fn iris() -> Self {
        CameraSettings {
            mode: Mode::Auto,
            index: 2,
            width: 640,
            height: 480,
            fps: 30,
            format: CameraFormat::Yuyv,
        }
    }

    fn sanitize(&mut self, fallback: &CameraSettings) {
        if !(160..=4096).contains(&self.width) || !(120..=4096).contains(&self.height) {
            self.width = fallback.width;
            self.height = fallback.height;
        }
        if !(1..=120).contains(&self.fps) {
            self.fps = fallback.fps;
        }
    }
}

impl Default for CameraSettings {
    fn default() -> Self {
        CameraSettings::face()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SmartcardSettings {
    pub mode: Mode,
    /// The reader to use, by name or the start of its name; none: the first reader.
    pub reader: Option<String>,
}

impl SmartcardSettings {
    /// The driver's configuration for these settings.
    pub fn pcsc_config(&self) -> rekam_smartcard::SmartcardConfig {
        rekam_smartcard::SmartcardConfig {
            reader: self.reader.clone(),
            ..rekam_smartcard::SmartcardConfig::default()
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct SignaturePadSettings {
    pub mode: Mode,
    /// Serial port path (ports are not discovered; see docs/devices/signature.md).
    pub port: String,
    pub baud: u32,
}

impl Default for SignaturePadSettings {
    fn default() -> Self {
        let pad = rekam_signature::PadConfig::default();
        SignaturePadSettings {
            mode: Mode::Auto,
            port: pad.port,
            baud: pad.baud,
        }
    }
}

impl SignaturePadSettings {
    /// The driver's configuration for these settings.
    pub fn pad_config(&self) -> rekam_signature::PadConfig {
        rekam_signature::PadConfig {
            port: self.port.clone(),
            baud: self.baud,
            ..rekam_signature::PadConfig::default()
        }
    }
}

/// All device settings of a station.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct DeviceSettings {
    pub fingerprint: FingerprintSettings,
    pub face_camera: CameraSettings,
    pub iris_camera: CameraSettings,
    pub smartcard: SmartcardSettings,
    pub signature_pad: SignaturePadSettings,
    /// The kiosk itself: desk number, idle logout, language, announcements.
    pub kiosk: KioskSettings,
    /// The day's batch: receivers, where it goes, retention, disk floor.
    pub export: ExportSettings,
    /// The auto-capture policy's limits per modality (`[quality.face]`, ...).
    pub quality: crate::capture::policy::QualitySettings,
}

/// The end-of-day batch (docs/batch-format.md) and what the station keeps afterwards.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct ExportSettings {
    /// The receivers' age public keys (`age1...`): the regency's Dinas Dukcapil and the national
    /// data center. Every packet is encrypted to all of them.
    pub recipients: Vec<String>,
    /// Where the export screen looks for the USB drive first.
    pub folder: String,
    /// Days an accepted record's biometrics stay at the station after its acknowledgement; at
    /// least `batch::RETENTION_FLOOR_DAYS` (7): a smaller value is raised to it.
    pub retention_days: u32,
    /// Warn the supervisor when a recorded request has waited longer than this for export.
    pub warn_after_hours: u32,
    /// Refuse new recordings when the data disk has less free space than this (MB).
    pub disk_floor_mb: u64,
}

impl Default for ExportSettings {
    fn default() -> Self {
        ExportSettings {
            recipients: Vec::new(),
            folder: "/media".into(),
            retention_days: 30,
            warn_after_hours: 24,
            disk_floor_mb: 2000,
        }
    }
}

impl ExportSettings {
    pub fn retention(&self) -> chrono::Duration {
        chrono::Duration::days(i64::from(self.retention_days))
    }
}

/// What the operator may change on the devices screen besides the devices.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct KioskSettings {
    /// The desk (loket) number called in announcements.
    pub desk: u32,
    /// Minutes without input before the session ends (1-60).
    pub idle_logout_minutes: u32,
    /// Speak the ticket number when calling (needs `espeak-ng`).
    pub announce: bool,
    /// The language the kiosk starts in.
    pub language: crate::Lang,
    /// Show the applicant's screen on a second display (to the right of the operator's);
    /// without one the operator shows it as a panel (F12).
    pub applicant_window: bool,
}

impl Default for KioskSettings {
    fn default() -> Self {
        KioskSettings {
            desk: 1,
            idle_logout_minutes: 10,
            announce: true,
            language: crate::Lang::Id,
            applicant_window: false,
        }
    }
}

impl Default for DeviceSettings {
    fn default() -> Self {
        DeviceSettings {
            fingerprint: FingerprintSettings::default(),
            face_camera: CameraSettings::face(),
            iris_camera: CameraSettings::iris(),
            smartcard: SmartcardSettings::default(),
            signature_pad: SignaturePadSettings::default(),
            kiosk: KioskSettings::default(),
            export: ExportSettings::default(),
            quality: crate::capture::policy::QualitySettings::default(),
        }
    }
}

/// The settings file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl DeviceSettings {
    /// Loads the settings of a data directory; no file means the defaults.
    pub fn load(data_dir: &Path) -> Result<DeviceSettings, SettingsError> {
        let path = settings_path(data_dir);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(DeviceSettings::default());
            }
            Err(source) => return Err(SettingsError::Read { path, source }),
        };
        DeviceSettings::parse(&text).map_err(|message| SettingsError::Parse { path, message })
    }

    /// Parses settings text, filling in defaults and sanitising values.
    pub fn parse(text: &str) -> Result<DeviceSettings, String> {
        let mut s: DeviceSettings = toml::from_str(text).map_err(|e| e.to_string())?;
        s.sanitize();
        Ok(s)
    }

    fn sanitize(&mut self) {
        if !(1..=60).contains(&self.kiosk.idle_logout_minutes) {
            self.kiosk.idle_logout_minutes = KioskSettings::default().idle_logout_minutes;
        }
        if !(1..=99).contains(&self.kiosk.desk) {
            self.kiosk.desk = KioskSettings::default().desk;
        }
        self.face_camera.sanitize(&CameraSettings::face());
        self.iris_camera.sanitize(&CameraSettings::iris());
        if ![9600, 19200, 38400, 57600, 115_200].contains(&self.signature_pad.baud) {
            self.signature_pad.baud = SignaturePadSettings::default().baud;
        }
        self.export.recipients = self
            .export
            .recipients
            .iter()
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty())
            .collect();
        // Never under the floor (an acknowledgement found wrong later can still be answered
        // from the station's copy), never over ten years.
        self.export.retention_days = self
            .export
            .retention_days
            .clamp(crate::batch::RETENTION_FLOOR_DAYS, 3650);
        if !(1..=24 * 30).contains(&self.export.warn_after_hours) {
            self.export.warn_after_hours = ExportSettings::default().warn_after_hours;
        }
        self.quality.sanitize();
        if self.signature_pad.port.trim().is_empty() {
            self.signature_pad.port = SignaturePadSettings::default().port;
        }
        if self
            .smartcard
            .reader
            .as_deref()
            .is_some_and(|r| r.trim().is_empty())
        {
            self.smartcard.reader = None;
        }
    }

    /// The settings as a commented TOML document.
    pub fn to_toml(&self) -> String {
        let body = toml::to_string_pretty(self).unwrap_or_default();
        format!(
            "# Rekam device settings. mode: auto (the real device when attached, else the \
             simulator), real, simulated.\n# See README.md, section Hardware.\n\n{body}"
        )
    }

    /// Writes the settings atomically (temporary file, fsync, rename).
    pub fn save(&self, data_dir: &Path) -> Result<(), SettingsError> {
        use std::io::Write;
        let path = settings_path(data_dir);
        let tmp = path.with_extension("toml.tmp");
        let write = || -> std::io::Result<()> {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(self.to_toml().as_bytes())?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)?;
            if let Some(dir) = path.parent() {
                std::fs::File::open(dir)?.sync_all()?;
            }
            Ok(())
        };
        write().map_err(|source| SettingsError::Write { path, source })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_round_trip_through_toml() {
        let s = DeviceSettings::default();
        assert_eq!(DeviceSettings::parse(&s.to_toml()), Ok(s));
    }

    #[test]
    fn partial_and_odd_files_load_with_defaults() {
        let s = DeviceSettings::parse(
            "[fingerprint]\nvid = 0x1209\npid = 0x0002\n\
             [signature_pad]\nport = \"/dev/ttyUSB0\"\nbaud = 12345\n\
             [face_camera]\nwidth = 1\nfps = 500\n[smartcard]\nreader = \"  \"\nunknown = 1\n",
        )
        .expect("parses");
        assert_eq!((s.fingerprint.vid, s.fingerprint.pid), (0x1209, 2));
        assert_eq!(s.signature_pad.port, "/dev/ttyUSB0");
        assert_eq!(s.signature_pad.baud, 19200);
        assert_eq!(s.face_camera.width, 1280);
        assert_eq!(s.face_camera.fps, 30);
        assert_eq!(s.smartcard.reader, None);
        assert_eq!(s.iris_camera, CameraSettings::iris());
        let s = DeviceSettings::parse("[export]\nretention_days = 0\n").expect("parses");
        assert_eq!(s.export.retention_days, 7, "raised to the floor");
    }

    #[test]
    fn a_broken_file_is_an_error_naming_the_place() {
        let e = DeviceSettings::parse("[signature_pad\nport = 1").unwrap_err();
        assert!(e.contains("line 1"), "{e}");
        let e = DeviceSettings::parse("[fingerprint]\nmode = \"sometimes\"").unwrap_err();
        assert!(e.contains("sometimes") || e.contains("variant"), "{e}");
    }

    #[test]
    fn save_and_load() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut s = DeviceSettings::default();
        s.signature_pad.port = "/dev/ttyUSB3".into();
        s.fingerprint.mode = Mode::Simulated;
        s.save(dir.path()).expect("save");
        assert_eq!(DeviceSettings::load(dir.path()).expect("load"), s);
        let empty = tempfile::tempdir().expect("tempdir");
        assert_eq!(
            DeviceSettings::load(empty.path()).expect("load"),
            DeviceSettings::default()
        );
    }
}
