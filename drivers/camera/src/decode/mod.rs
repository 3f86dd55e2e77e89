//! Raw camera frames to RGB: MJPEG through `image`'s JPEG decoder (zune-jpeg, pure Rust) after
//! a syntax check and, where needed, the standard Huffman tables; YUYV by hand ([`yuyv`]).
//!
//! Nothing here panics on bad input: truncated or garbage frames give
//! [`CameraError::Decode`], and the decoder call is additionally guarded with `catch_unwind`,
//! because a camera driver must not take the station down over one bad frame.

pub mod mjpeg;
mod yuyv;

use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use image::codecs::jpeg::JpegDecoder;
use image::{ColorType, ImageDecoder, RgbImage};

use crate::{CameraError, PixelFormat, RawFrame};

pub use yuyv::{rgb_to_yuyv, ycbcr_to_rgb, yuyv_to_rgb};

/// The largest MJPEG frame [`decode_mjpeg`] accepts without a known size, so that a corrupt
/// header cannot make it allocate gigabytes.
const MAX_PIXELS: usize = 8192 * 8192;

/// Decodes one raw frame to RGB. The frame must have the size it claims (`width`, `height`).
pub fn decode(frame: &RawFrame) -> Result<RgbImage, CameraError> {
    let (width, height) = (frame.width, frame.height);
    match frame.format {
        PixelFormat::Mjpeg => mjpeg_to_rgb(&frame.bytes, Some((width, height))),
        PixelFormat::Yuyv => {
            let mut rgb = vec![0u8; width as usize * height as usize * 3];
            yuyv_to_rgb(&frame.bytes, width, height, &mut rgb)?;
            RgbImage::from_raw(width, height, rgb)
                .ok_or_else(|| CameraError::decode(PixelFormat::Yuyv, "buffer size"))
        }
    }
}

/// Decodes one MJPEG frame (a JPEG image, possibly followed by padding) of any size.
pub fn decode_mjpeg(bytes: &[u8]) -> Result<RgbImage, CameraError> {
    mjpeg_to_rgb(bytes, None)
}

fn mjpeg_to_rgb(bytes: &[u8], expect: Option<(u32, u32)>) -> Result<RgbImage, CameraError> {
    let err = |detail: String| CameraError::decode(PixelFormat::Mjpeg, detail);
    let layout = mjpeg::inspect(bytes).map_err(err)?;
    let (width, height) = (u32::from(layout.width), u32::from(layout.height));
    match expect {
        Some(size) if size != (width, height) => {
            return Err(err(format!(
                "frame is {width}x{height}, the camera was set to {}x{}",
                size.0, size.1
            )));
        }
        None if width as usize * height as usize > MAX_PIXELS => {
            return Err(err(format!("frame size {width}x{height} is too large")));
        }
        _ => {}
    }
    let jpeg = mjpeg::complete(bytes, &layout);
    let decoded = catch_unwind(AssertUnwindSafe(|| run_decoder(&jpeg)))
        .map_err(|_| err("the JPEG decoder failed on this frame".into()))?
        .map_err(err)?;
    let (w, h, pixels) = decoded;
    if (w, h) != (width, height) {
        return Err(err(format!(
            "decoder gave {w}x{h} for a {width}x{height} frame"
        )));
    }
    RgbImage::from_raw(w, h, pixels).ok_or_else(|| err("buffer size".into()))
}

/// Runs zune-jpeg (through `image`) on a complete frame; grey JPEGs are widened to RGB.
fn run_decoder(jpeg: &[u8]) -> Result<(u32, u32, Vec<u8>), String> {
    let decoder = JpegDecoder::new(Cursor::new(jpeg)).map_err(|e| e.to_string())?;
    let (w, h) = decoder.dimensions();
    let pixels = w as usize * h as usize;
    match decoder.color_type() {
        ColorType::Rgb8 => {
            let mut rgb = vec![0u8; pixels * 3];
            decoder.read_image(&mut rgb).map_err(|e| e.to_string())?;
            Ok((w, h, rgb))
        }
        ColorType::L8 => {
            let mut grey = vec![0u8; pixels];
            decoder.read_image(&mut grey).map_err(|e| e.to_string())?;
            let rgb = grey.iter().flat_map(|&v| [v, v, v]).collect();
            Ok((w, h, rgb))
        }
        other => Err(format!("unsupported JPEG colour type {other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(img: &RgbImage) -> Vec<u8> {
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
            .encode(
                img.as_raw(),
                img.width(),
                img.height(),
                image::ExtendedColorType::Rgb8,
            )
            .expect("encodes");
        out
    }

    #[test]
    fn mjpeg_size_must_match_the_negotiated_one() {
        let img = RgbImage::from_pixel(32, 16, image::Rgb([200, 100, 50]));
        let jpeg = encode(&img);
        let ok = decode(&RawFrame::new(PixelFormat::Mjpeg, 32, 16, jpeg.clone())).expect("decodes");
        assert_eq!(ok.dimensions(), (32, 16));
        let px = ok.get_pixel(5, 5).0;
        assert!(px[0].abs_diff(200) <= 3 && px[1].abs_diff(100) <= 3 && px[2].abs_diff(50) <= 3);
        let wrong = decode(&RawFrame::new(PixelFormat::Mjpeg, 640, 480, jpeg));
        assert!(matches!(wrong, Err(CameraError::Decode { .. })));
    }

    #[test]
    fn grey_jpeg_becomes_rgb() {
        let grey = image::GrayImage::from_pixel(16, 8, image::Luma([120]));
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 95)
            .encode(grey.as_raw(), 16, 8, image::ExtendedColorType::L8)
            .expect("encodes");
        let rgb = decode_mjpeg(&jpeg).expect("decodes");
        let px = rgb.get_pixel(3, 3).0;
        assert!(px.iter().all(|v| v.abs_diff(120) <= 2), "{px:?}");
    }

    #[test]
    fn padding_after_the_frame_is_ignored() {
        let img = RgbImage::from_pixel(16, 16, image::Rgb([10, 20, 30]));
        let mut jpeg = encode(&img);
        let clean = decode_mjpeg(&jpeg).expect("decodes");
        // A V4L2 buffer: the frame, then stale bytes of an older, longer frame.
        jpeg.extend(std::iter::repeat_n(0xA5u8, 5000));
        jpeg.extend_from_slice(&[0xFF, 0xD9, 0xFF, 0xD8]);
        assert_eq!(decode_mjpeg(&jpeg).expect("decodes"), clean);
    }
}
