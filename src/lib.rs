//! Rekam: the recording station for the Indonesian electronic identity card (KTP-el).
//!
//! Everything outside `ui` (added with the kiosk) works without a window or a device: the domain
//! rules ([`domain`]), local storage ([`store`]) and the recording workflow ([`workflow`]).

pub mod announce;
pub mod batch;
pub mod capture;
pub mod devices;
pub mod domain;
pub mod lang;
pub mod print;
pub mod report;
pub mod simulate;
pub mod store;
mod typeset;
#[cfg(feature = "kiosk")]
pub mod ui;
pub mod workflow;

pub use lang::{Lang, Localize};
