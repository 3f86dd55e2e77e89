//! The camera's YUYV path (`rekam_camera`): a frame buffer as V4L2 hands it over (possibly
//! short, possibly padded), at the negotiated size, to RGB. A decoded frame has that size and
//! a short buffer is an error, never a panic or a read past the end.
//!
//! Input: the negotiated width and height (a byte each, in units of 2 pixels), then the buffer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rekam_camera::{PixelFormat, RawFrame, decode};

fuzz_target!(|data: &[u8]| {
    let [w, h, bytes @ ..] = data else {
        return;
    };
    let (width, height) = (2 * (1 + u32::from(*w % 64)), 1 + u32::from(*h % 128));
    let frame = RawFrame::new(PixelFormat::Yuyv, width, height, bytes.to_vec());
    let decoded = decode(&frame);
    let enough = bytes.len() >= (width * height * 2) as usize;
    assert_eq!(decoded.is_ok(), enough, "a frame decodes exactly when it is whole");
    if let Ok(rgb) = decoded {
        assert_eq!(rgb.dimensions(), (width, height));
    }
});
