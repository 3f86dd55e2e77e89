//! Capture checks and encodings per modality, without any UI: what the capture screens use to
//! decide whether a frame or an impression is good enough, and how it is stored.
//!
//! These are the first, simple checks the kiosk needs to guide the operator (background colour,
//! exposure, sharpness, contrast, finger segmentation of a slap); the full quality gates (ICAO
//! face checks, NFIQ 2-like finger quality) build on them.

pub mod face;
pub mod file;
pub mod finger;
pub mod iris;
pub mod policy;
pub mod quality;
pub mod session;
pub mod signature;
