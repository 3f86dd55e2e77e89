//! Drawn widgets of the kiosk: the hand diagram, the signature canvas and the head guide.

pub mod guide;
pub mod hands;
pub mod header;
pub mod strokes;
