//! `rekam doctor`: for each device class, whether a real device answers, which backend the
//! station will use (the real device or the simulator), and, when something is missing, what
//! the operator can do about it, in Bahasa Indonesia or English.

use rekam_device::{Backend, DeviceClass, DeviceInfo};
use serde::Serialize;

use super::settings::{DeviceSettings, Mode};
use crate::Lang;
use crate::domain::StationMode;

/// Looks at every device class the settings name, for a station in `station` mode. Classes set
/// to `simulated` are not probed; on a production station they are refused, and `auto` means the
/// real device or an error. Takes about a second when a signature pad must be queried.
pub fn diagnose(settings: &DeviceSettings, station: StationMode) -> Vec<Diagnosis> {
    let probe = |class, mode, look: &dyn Fn() -> Result<DeviceInfo, Problem>| {
        probe(class, mode, station, look)
    };
    vec![
        probe(DeviceClass::Fingerprint, settings.fingerprint.mode, &|| {
            fingerprint(settings)
        }),
        probe(DeviceClass::FaceCamera, settings.face_camera.mode, &|| {
            camera(&settings.face_camera, rekam_camera::CameraRole::Face)
        }),
        probe(DeviceClass::IrisCamera, settings.iris_camera.mode, &|| {
            camera(&settings.iris_camera, rekam_camera::CameraRole::Iris)
        }),
        probe(DeviceClass::Smartcard, settings.smartcard.mode, &|| {
            smartcard(settings)
        }),
        probe(
            DeviceClass::SignaturePad,
            settings.signature_pad.mode,
            &|| signature_pad(settings),
        ),
    ]
}

/// The smartcard reader alone (issuing a card from the command line).
pub fn diagnose_smartcard(settings: &DeviceSettings, station: StationMode) -> Diagnosis {
    probe(
        DeviceClass::Smartcard,
        settings.smartcard.mode,
        station,
        &|| smartcard(settings),
    )
}

fn probe(
    class: DeviceClass,
    mode: Mode,
    station: StationMode,
    look: &dyn Fn() -> Result<DeviceInfo, Problem>,
) -> Diagnosis {
    let (found, problem) = match (mode, station) {
        (Mode::Simulated, StationMode::Training) => (None, None),
        (Mode::Simulated, StationMode::Production) => (None, Some(Problem::SimulatorRefused)),
        _ => match look() {
            // A device that answers as a simulator (a virtual reader, say) is no device for a
            // production station either.
            Ok(info)
                if station == StationMode::Production && info.backend == Backend::Simulated =>
            {
                (Some(info), Some(Problem::SimulatorRefused))
            }
            Ok(info) => (Some(info), None),
            Err(p) => (None, Some(p)),
        },
    };
    Diagnosis {
        class,
        mode,
        station,
        found,
        problem,
    }
}

fn fingerprint(settings: &DeviceSettings) -> Result<DeviceInfo, Problem> {
    use rekam_fingerprint::FingerprintError as E;
    let config = settings.fingerprint.hid_config();
    let what = format!("USB {:04x}:{:04x}", config.vendor_id, config.product_id);
    let opened = rekam_fingerprint::hid::HidTransport::open(&config)
        .and_then(rekam_fingerprint::Scanner::open);
    match opened {
        Ok(scanner) => Ok(scanner.device_info()),
        Err(e) => Err(match e {
            E::NotFound(_) => Problem::NotFound(what),
            E::PermissionDenied(_) => Problem::PermissionDenied(what),
            E::InUse(_) | E::Busy => Problem::Busy(what),
            other => Problem::Failed(other.to_string()),
        }),
    }
}

fn camera(
    settings: &super::settings::CameraSettings,
    role: rekam_camera::CameraRole,
) -> Result<DeviceInfo, Problem> {
    let cameras = rekam_camera::list().map_err(|e| Problem::Failed(e.to_string()))?;
    let camera = cameras
        .iter()
        .find(|c| c.index == settings.index)
        .ok_or_else(|| Problem::NotFound(format!("/dev/video{}", settings.index)))?;
    Ok(DeviceInfo {
        class: role.device_class(),
        backend: Backend::Real,
        model: camera.name.clone(),
        location: camera.description.clone(),
        details: vec![(
            "requested".into(),
            format!(
                "{}x{} {:?} {} fps",
                settings.width, settings.height, settings.format, settings.fps
            ),
        )],
    })
}

fn signature_pad(settings: &DeviceSettings) -> Result<DeviceInfo, Problem> {
    use rekam_signature::SignatureError as E;
    let config = settings.signature_pad.pad_config();
    match rekam_signature::Pad::open(&config) {
        Ok(pad) => {
            let info = pad.info().clone();
            drop(pad.close());
            Ok(info)
        }
        Err(e) => Err(match &e {
            E::NotFound { path } => Problem::NotFound(path.clone()),
            E::PermissionDenied { path } => Problem::PermissionDenied(path.clone()),
            E::Busy { path } => Problem::Busy(path.clone()),
            E::NoAnswer { path, baud, .. } => Problem::NoAnswer(format!("{path} @ {baud} baud")),
            _ => Problem::Failed(e.to_string()),
        }),
    }
}

fn smartcard(settings: &DeviceSettings) -> Result<DeviceInfo, Problem> {
    use rekam_smartcard::SmartcardError as E;
    let readers = rekam_smartcard::list_readers().map_err(|e| match e {
        E::ServiceNotRunning => Problem::ServiceNotRunning("pcscd".into()),
        E::PermissionDenied => Problem::PermissionDenied("pcscd".into()),
        other => Problem::Failed(other.to_string()),
    })?;
    let wanted = settings.smartcard.reader.as_deref();
    let reader = readers
        .iter()
        .find(|r| wanted.is_none_or(|w| r.name.starts_with(w)))
        .ok_or_else(|| {
            Problem::NotFound(match wanted {
                Some(w) => format!("\"{w}\""),
                None => "PC/SC".into(),
            })
        })?;
    let card = match &reader.card {
        rekam_smartcard::CardPresence::Present { .. } => "card present",
        rekam_smartcard::CardPresence::Empty => "no card",
        rekam_smartcard::CardPresence::Mute => "mute card",
        rekam_smartcard::CardPresence::Unavailable => "unavailable",
    };
    Ok(DeviceInfo {
        class: DeviceClass::Smartcard,
        backend: reader.backend,
        model: reader.name.clone(),
        location: "PC/SC".into(),
        details: vec![
            ("card".into(), card.into()),
            ("readers".into(), readers.len().to_string()),
        ],
    })
}

/// Why a real device could not be used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "detail")]
pub enum Problem {
    /// Nothing is attached where the settings say (no USB device, no camera, no port).
    NotFound(String),
    /// The station user may not open the device.
    PermissionDenied(String),
    /// Another program holds the device.
    Busy(String),
    /// The system service the device class needs is not running (pcscd).
    ServiceNotRunning(String),
    /// Something is attached but does not answer as the expected device.
    NoAnswer(String),
    /// Anything else, with the driver's words.
    Failed(String),
    /// A simulator on a production station: set to `simulated`, or the only device found
    /// answers as a simulator.
    SimulatorRefused,
}

/// The diagnosis of one device class.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnosis {
    pub class: DeviceClass,
    pub mode: Mode,
    /// The station's mode: a production station never falls back to a simulator.
    pub station: StationMode,
    /// The real device, when one answered.
    pub found: Option<DeviceInfo>,
    pub problem: Option<Problem>,
}

impl Diagnosis {
    /// The backend the station uses for this class, or `None` when it cannot work.
    pub fn backend(&self) -> Option<Backend> {
        if self.problem == Some(Problem::SimulatorRefused) {
            return None;
        }
        match (self.mode, &self.found, self.station) {
            (_, Some(info), _) => Some(info.backend),
            (Mode::Simulated | Mode::Auto, None, StationMode::Training) => Some(Backend::Simulated),
            (Mode::Auto | Mode::Real, None, _)
            | (Mode::Simulated, None, StationMode::Production) => None,
        }
    }

    /// Whether the class is refused because it would simulate on a production station.
    pub fn refused(&self) -> bool {
        self.problem == Some(Problem::SimulatorRefused)
    }

    pub fn ready(&self) -> bool {
        self.backend().is_some()
    }

    /// What the operator should do, when anything.
    pub fn advice(&self, lang: Lang) -> Option<String> {
        let problem = self.problem.as_ref()?;
        let mut text = problem_advice(self.class, problem, lang);
        if self.mode == Mode::Auto && self.found.is_none() && self.station.is_training() {
            text.push(' ');
            text.push_str(lang.pick(
                "Sementara ini stasiun memakai simulator.",
                "Meanwhile the station uses the simulator.",
            ));
        }
        Some(text)
    }
}

/// The name of a device class for people.
pub fn class_name(class: DeviceClass, lang: Lang) -> &'static str {
    match class {
        DeviceClass::Fingerprint => lang.pick("Pemindai sidik jari", "Fingerprint scanner"),
        DeviceClass::FaceCamera => lang.pick("Kamera wajah", "Face camera"),
        DeviceClass::IrisCamera => lang.pick("Kamera iris", "Iris camera"),
        DeviceClass::Smartcard => lang.pick("Pembaca kartu pintar", "Smartcard reader"),
        DeviceClass::SignaturePad => lang.pick("Bantalan tanda tangan", "Signature pad"),
    }
}

/// A text in both languages.
type Text = (&'static str, &'static str);

fn problem_advice(class: DeviceClass, problem: &Problem, lang: Lang) -> String {
    let pick = |(id, en): Text| lang.pick(id, en);
    if *problem == Problem::SimulatorRefused {
        let todo = match class {
            DeviceClass::Fingerprint => (
                "pasang pemindai sidik jari USB",
                "plug in the USB fingerprint scanner",
            ),
            DeviceClass::FaceCamera => ("pasang kamera wajah USB", "plug in the USB face camera"),
            DeviceClass::IrisCamera => ("pasang kamera iris USB", "plug in the USB iris camera"),
            DeviceClass::Smartcard => (
                "pasang pembaca kartu pintar USB dan jalankan pcscd",
                "plug in the USB smartcard reader and run pcscd",
            ),
            DeviceClass::SignaturePad => (
                "pasang bantalan tanda tangan pada port serialnya",
                "plug the signature pad into its serial port",
            ),
        };
        return match lang {
            Lang::Id => format!(
                "DITOLAK: stasiun produksi tidak boleh memakai simulator. {} lalu set `mode = \"real\"` (atau \"auto\") untuk perangkat ini di devices.toml, dan jalankan `rekam doctor` lagi.",
                capitalize(todo.0)
            ),
            Lang::En => format!(
                "REFUSED: a production station may not use a simulator. {}, then set `mode = \"real\"` (or \"auto\") for this device in devices.toml, and run `rekam doctor` again.",
                capitalize(todo.1)
            ),
        };
    }
    if let (DeviceClass::Smartcard, Problem::ServiceNotRunning(_)) = (class, problem) {
        return pick((
            "Layanan kartu pintar (pcscd) tidak berjalan. Jalankan: `sudo systemctl start pcscd` (atau pasang paket pcscd).",
            "The smartcard service (pcscd) is not running. Run: `sudo systemctl start pcscd` (or install the pcscd package).",
        ))
        .to_owned();
    }
    let (what, headline, todo) = problem_text(class, problem);
    format!("{} {what}. {}", pick(headline), pick(todo))
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// What went wrong (the problem's detail follows it) and what to do, per class and problem.
fn problem_text(class: DeviceClass, problem: &Problem) -> (&str, Text, Text) {
    use DeviceClass as C;
    use Problem as P;
    match (class, problem) {
        (C::Fingerprint, P::NotFound(what)) => (
            what,
            (
                "Pemindai sidik jari tidak ditemukan:",
                "No fingerprint scanner found:",
            ),
            (
                "Pasang kabel USB pemindai, tunggu lampunya menyala, lalu jalankan `rekam doctor` lagi.",
                "Plug in the scanner's USB cable, wait for its light, then run `rekam doctor` again.",
            ),
        ),
        (C::Fingerprint, P::PermissionDenied(what)) => (
            what,
            (
                "Tidak ada izin membuka pemindai:",
                "No permission to open the scanner:",
            ),
            (
                "Pasang aturan udev Rekam (packaging/linux/60-rekam.rules ke /etc/udev/rules.d/), lalu cabut dan pasang lagi pemindainya.",
                "Install Rekam's udev rule (packaging/linux/60-rekam.rules into /etc/udev/rules.d/), then unplug and replug the scanner.",
            ),
        ),
        (C::FaceCamera | C::IrisCamera, P::NotFound(what)) => (
            what,
            ("Kamera tidak ditemukan:", "No camera found:"),
            (
                "Pasang kamera USB dan periksa indeks kamera di devices.toml (daftar kamera: `ls /dev/video*`).",
                "Plug in the USB camera and check the camera index in devices.toml (cameras: `ls /dev/video*`).",
            ),
        ),
        (C::FaceCamera | C::IrisCamera, P::PermissionDenied(what)) => (
            what,
            (
                "Tidak ada izin membuka kamera:",
                "No permission to open the camera:",
            ),
            (
                "Tambahkan pengguna stasiun ke grup video: `sudo usermod -aG video <pengguna>`, lalu login ulang.",
                "Add the station user to the video group: `sudo usermod -aG video <user>`, then log in again.",
            ),
        ),
        (C::Smartcard, P::NotFound(what)) => (
            what,
            ("Pembaca kartu tidak ditemukan:", "No card reader found:"),
            (
                "Pasang pembaca kartu USB; jika sudah terpasang, periksa nama pembaca di devices.toml.",
                "Plug in the USB card reader; if it is plugged in, check the reader name in devices.toml.",
            ),
        ),
        (C::SignaturePad, P::NotFound(what)) => (
            what,
            (
                "Port serial bantalan tanda tangan tidak ada:",
                "The signature pad's serial port does not exist:",
            ),
            (
                "Pasang kabel bantalan tanda tangan dan periksa `signature_pad.port` di devices.toml.",
                "Plug in the signature pad and check `signature_pad.port` in devices.toml.",
            ),
        ),
        (C::SignaturePad, P::PermissionDenied(what)) => (
            what,
            (
                "Tidak ada izin membuka port serial:",
                "No permission to open the serial port:",
            ),
            (
                "Tambahkan pengguna stasiun ke grup dialout: `sudo usermod -aG dialout <pengguna>`, lalu login ulang.",
                "Add the station user to the dialout group: `sudo usermod -aG dialout <user>`, then log in again.",
            ),
        ),
        (C::SignaturePad, P::NoAnswer(what)) => (
            what,
            (
                "Perangkat di port serial tidak menjawab sebagai bantalan tanda tangan ISDV4:",
                "The device on the serial port does not answer as an ISDV4 signature pad:",
            ),
            (
                "Periksa kabel dan kecepatan (`signature_pad.baud`, 19200 atau 38400) di devices.toml.",
                "Check the cable and the speed (`signature_pad.baud`, 19200 or 38400) in devices.toml.",
            ),
        ),
        (_, P::Busy(what)) => (
            what,
            (
                "Perangkat sedang dipakai program lain:",
                "The device is held by another program:",
            ),
            (
                "Tutup program itu (mungkin kiosk Rekam sedang berjalan), lalu coba lagi.",
                "Close that program (perhaps the Rekam kiosk is running), then try again.",
            ),
        ),
        (_, P::SimulatorRefused) => (
            "",
            ("Simulator ditolak", "Simulator refused"),
            (
                "Stasiun produksi hanya memakai perangkat nyata.",
                "A production station uses real devices only.",
            ),
        ),
        (
            _,
            P::ServiceNotRunning(what)
            | P::PermissionDenied(what)
            | P::NoAnswer(what)
            | P::Failed(what),
        ) => (
            what,
            (
                "Perangkat tidak dapat dipakai:",
                "The device cannot be used:",
            ),
            (
                "Cabut dan pasang lagi perangkatnya; jika masih gagal, hubungi petugas TI Dinas.",
                "Unplug and replug the device; if it still fails, call the Dinas IT staff.",
            ),
        ),
    }
}

/// The diagnosis as `rekam doctor` prints it.
pub fn render(diagnoses: &[Diagnosis], lang: Lang) -> String {
    let mut out = String::new();
    for d in diagnoses {
        let state = match d.backend() {
            Some(Backend::Real) => lang.pick("siap (perangkat nyata)", "ready (real device)"),
            Some(Backend::Simulated) => lang.pick("simulator", "simulator"),
            None if d.refused() => lang.pick("DITOLAK (simulator)", "REFUSED (simulator)"),
            None => lang.pick("TIDAK SIAP", "NOT READY"),
        };
        out.push_str(&format!("{:<24} {state}\n", class_name(d.class, lang)));
        if let Some(info) = &d.found {
            out.push_str(&format!("    {info}\n"));
        }
        if let Some(advice) = d.advice(lang) {
            out.push_str(&format!("    {advice}\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diag(class: DeviceClass, mode: Mode, problem: Option<Problem>) -> Diagnosis {
        Diagnosis {
            class,
            mode,
            station: StationMode::Training,
            found: None,
            problem,
        }
    }

    #[test]
    fn missing_hardware_falls_back_to_the_simulator_only_in_auto_mode() {
        let p = Some(Problem::NotFound("/dev/ttyS0".into()));
        assert_eq!(
            diag(DeviceClass::SignaturePad, Mode::Auto, p.clone()).backend(),
            Some(Backend::Simulated)
        );
        assert_eq!(
            diag(DeviceClass::SignaturePad, Mode::Real, p.clone()).backend(),
            None
        );
        assert_eq!(
            diag(DeviceClass::SignaturePad, Mode::Simulated, None).backend(),
            Some(Backend::Simulated)
        );
    }

    #[test]
    fn a_production_station_never_falls_back_to_a_simulator() {
        let station = StationMode::Production;
        let missing = Some(Problem::NotFound("/dev/ttyS0".into()));
        let auto = Diagnosis {
            station,
            ..diag(DeviceClass::SignaturePad, Mode::Auto, missing)
        };
        assert_eq!(auto.backend(), None);
        let text = render(std::slice::from_ref(&auto), Lang::Id);
        assert!(text.contains("TIDAK SIAP"), "{text}");
        assert!(!text.contains("memakai simulator"), "{text}");

        // Set to simulated: refused, not probed, and the advice says what to attach.
        let settings = DeviceSettings {
            fingerprint: crate::devices::settings::FingerprintSettings {
                mode: Mode::Simulated,
                ..Default::default()
            },
            ..DeviceSettings::default()
        };
        let d = probe(
            DeviceClass::Fingerprint,
            settings.fingerprint.mode,
            station,
            &|| panic!("a refused class is not probed"),
        );
        assert!(d.refused());
        assert_eq!(d.backend(), None);
        let text = render(std::slice::from_ref(&d), Lang::Id);
        assert!(
            text.contains("DITOLAK") && text.contains("Pasang pemindai sidik jari USB"),
            "{text}"
        );
        // A device that answers as a simulator is refused too.
        let virtual_reader = probe(DeviceClass::Smartcard, Mode::Auto, station, &|| {
            Ok(DeviceInfo {
                class: DeviceClass::Smartcard,
                backend: Backend::Simulated,
                model: "Virtual PCD".into(),
                location: "PC/SC".into(),
                details: Vec::new(),
            })
        });
        assert!(virtual_reader.refused());
        // The same settings on a training station simulate.
        let training = probe(
            DeviceClass::Fingerprint,
            Mode::Simulated,
            StationMode::Training,
            &|| panic!("not probed"),
        );
        assert_eq!(training.backend(), Some(Backend::Simulated));
    }

    #[test]
    fn advice_is_in_indonesian_by_default_and_says_what_to_do() {
        let d = diag(
            DeviceClass::Smartcard,
            Mode::Auto,
            Some(Problem::ServiceNotRunning("no service".into())),
        );
        let id = d.advice(Lang::Id).expect("advice");
        assert!(
            id.contains("(pcscd) tidak berjalan") && id.contains("systemctl start pcscd"),
            "{id}"
        );
        assert!(id.contains("simulator"));
        let en = d.advice(Lang::En).expect("advice");
        assert!(en.contains("not running"), "{en}");

        let busy = diag(
            DeviceClass::SignaturePad,
            Mode::Real,
            Some(Problem::Busy("/dev/ttyUSB0".into())),
        );
        let text = render(&[busy], Lang::Id);
        assert!(
            text.contains("TIDAK SIAP") && text.contains("dipakai program lain"),
            "{text}"
        );
    }
}
