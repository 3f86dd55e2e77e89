//! Widgets of the kiosk shared by the screens: the hand diagram, the signature canvas, the head
//! guide, the request header and the exception form.

pub mod exception;
pub mod guide;
pub mod hands;
pub mod header;
pub mod strokes;
