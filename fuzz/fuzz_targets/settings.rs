//! The station's device settings file (`devices.toml`, `rekam::devices::DeviceSettings`): TOML
//! from the data directory, which a person may have edited by hand. Parsing either fails with a
//! message or gives settings whose every value is in range, and which write out and read back
//! to the same settings.
//!
//! Input: the file's text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rekam::devices::DeviceSettings;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(settings) = DeviceSettings::parse(text) {
        let written = toml::to_string(&settings).expect("settings serialise");
        let again = DeviceSettings::parse(&written).expect("written settings read back");
        assert_eq!(again, settings);
    }
});
