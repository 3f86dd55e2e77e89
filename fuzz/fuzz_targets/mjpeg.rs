//! The camera's MJPEG path (`rekam_camera`): a frame as the camera delivered it, at the size the
//! driver negotiated, through the marker scan that finds the frame's end and its Huffman
//! tables, the tables UVC cameras leave out, and the JPEG decoder. A decoded frame has the
//! negotiated size.
//!
//! Input: the negotiated width and height (a byte each, in units of 8 pixels), then the frame.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rekam_camera::{PixelFormat, RawFrame, decode, mjpeg};

fuzz_target!(|data: &[u8]| {
    let [w, h, bytes @ ..] = data else {
        return;
    };
    let (width, height) = (8 * (1 + u32::from(*w % 32)), 8 * (1 + u32::from(*h % 32)));
    if let Ok(layout) = mjpeg::inspect(bytes) {
        assert!(layout.end <= bytes.len());
        assert_eq!(mjpeg::frame_len(bytes), Some(layout.end));
        let whole = mjpeg::complete(bytes, &layout);
        assert!(mjpeg::inspect(&whole).is_ok(), "the completed frame is a frame");
        let _ = mjpeg::strip_dht(bytes);
    }
    let frame = RawFrame::new(PixelFormat::Mjpeg, width, height, bytes.to_vec());
    if let Ok(rgb) = decode(&frame) {
        assert_eq!(rgb.dimensions(), (width, height));
    }
});
