//! What kind of station this is, fixed when it is set up: a production station records real
//! applicants with real devices only; a training station may use every simulator and the sample
//! data, and everything it makes says so (every screen, every proof, every packet and record).

use super::coded_enum;
use crate::lang::{Lang, Localize};

coded_enum! {
    /// The station's mode (the `mode` column of `station`; `station_mode` in the batch packet).
    pub enum StationMode {
        /// Records real applicants: real devices only, never a simulator.
        Production = "production",
        /// Training and demonstrations: simulators and sample data allowed; nothing it records
        /// is accepted as a real recording.
        Training = "training",
    }
}

impl StationMode {
    pub fn is_training(self) -> bool {
        self == StationMode::Training
    }
}

impl Localize for StationMode {
    fn localize(&self, lang: Lang) -> String {
        match self {
            StationMode::Production => lang.pick("produksi", "production"),
            StationMode::Training => lang.pick("latihan", "training"),
        }
        .to_owned()
    }
}

/// Where a capture's data came from: the backend and the device as it reported itself when it
/// was opened. Stored with every capture that has data, carried in `record.json` and the
/// manifest of the batch packet.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Provenance {
    /// `real` or `simulated`.
    pub backend: rekam_device::Backend,
    /// Model or product name as the device reports it.
    pub model: String,
    /// Serial number, when the device reports one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    /// Firmware version, when the device reports one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firmware: Option<String>,
}

impl Provenance {
    /// What a driver reported when it opened the device.
    pub fn of(info: &rekam_device::DeviceInfo) -> Provenance {
        let detail = |name: &str| {
            info.details
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .filter(|v| !v.trim().is_empty())
        };
        Provenance {
            backend: info.backend,
            model: info.model.clone(),
            serial: detail("serial"),
            firmware: detail("firmware"),
        }
    }

    /// A simulator of `model` (simulated days, tests).
    pub fn simulator(model: &str) -> Provenance {
        Provenance {
            backend: rekam_device::Backend::Simulated,
            model: model.to_owned(),
            serial: None,
            firmware: None,
        }
    }

    pub fn simulated(&self) -> bool {
        self.backend == rekam_device::Backend::Simulated
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rekam_device::{Backend, DeviceClass, DeviceInfo};

    #[test]
    fn modes_have_stable_codes() {
        assert_eq!(StationMode::Production.code(), "production");
        assert_eq!("training".parse(), Ok(StationMode::Training));
        assert!("prod".parse::<StationMode>().is_err());
        assert_eq!(StationMode::Training.localize(Lang::Id), "latihan");
    }

    #[test]
    fn provenance_takes_serial_and_firmware_from_the_device_report() {
        let info = DeviceInfo {
            class: DeviceClass::Fingerprint,
            backend: Backend::Real,
            model: "Slap 442".into(),
            location: "USB 1209:0001".into(),
            details: vec![
                ("serial".into(), "SN-77".into()),
                ("firmware".into(), "1.2.3".into()),
                ("resolution".into(), "500 ppi".into()),
            ],
        };
        let p = Provenance::of(&info);
        assert_eq!(p.serial.as_deref(), Some("SN-77"));
        assert_eq!(p.firmware.as_deref(), Some("1.2.3"));
        assert!(!p.simulated());
        let json = serde_json::to_value(&p).expect("json");
        assert_eq!(json["backend"], "real");
    }
}
