//! The station's devices without any UI: their settings, the diagnosis `rekam doctor` prints,
//! the devices the kiosk runs (real or simulated, [`live`]), and the simulated devices of a
//! training station (driven through the real drivers).

mod card_text;
pub mod doctor;
pub mod live;
pub mod settings;
pub mod simulated;
pub mod wallet;

pub use settings::{DeviceSettings, Mode};
