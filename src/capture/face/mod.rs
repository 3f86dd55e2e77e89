//! The face: the quality gate run on every preview frame ([`assess`]: the detector, the ICAO
//! and KTP-el checks, the token image) and the encoding of the stored photo, with the colour
//! and geometry helpers they share.
//!
//! The head guide drawn over the preview (`src/ui/widget/guide.rs`) is an oval centred at half
//! the width and [`GUIDE_CENTRE_Y`] of the height, [`GUIDE_HEIGHT`] of the frame's height tall,
//! [`GUIDE_WIDTH_RATIO`] as wide as tall; [`crop_portrait`] cuts a photo from it when no face is
//! found (a photo the operator takes by hand).

use image::{RgbImage, imageops};

pub mod assess;
pub mod detect;

pub use assess::{FaceAssessment, Rect, assess, token_image, token_jpeg};

pub use rekam_camera::Background;

use crate::lang::{Lang, Localize};

/// Vertical centre of the head guide's oval, as a fraction of the frame height.
pub const GUIDE_CENTRE_Y: f32 = 0.46;
/// Height of the head guide's oval, as a fraction of the frame height.
pub const GUIDE_HEIGHT: f32 = 0.62;
/// Width of the oval relative to its height.
pub const GUIDE_WIDTH_RATIO: f32 = 0.74;

/// The head guide's oval in frame pixels: centre and vertical half-axis.
#[derive(Debug, Clone, Copy)]
struct Oval {
    cx: f32,
    cy: f32,
    ry: f32,
}

impl Oval {
    fn of(width: u32, height: u32) -> Oval {
        Oval {
            cx: width as f32 / 2.0,
            cy: height as f32 * GUIDE_CENTRE_Y,
            ry: height as f32 * GUIDE_HEIGHT / 2.0,
        }
    }
}

/// Rec. 601 luminance.
#[inline]
fn luma(p: [u8; 3]) -> f32 {
    0.299 * f32::from(p[0]) + 0.587 * f32::from(p[1]) + 0.114 * f32::from(p[2])
}

/// Hue (degrees, 0-360), saturation and value (0-1) of an sRGB colour.
pub fn hsv(rgb: [u8; 3]) -> (f32, f32, f32) {
    let [r, g, b] = rgb.map(|v| f32::from(v) / 255.0);
    let max = r.max(g).max(b);
    let min = r.min(g).min(b);
    let d = max - min;
    let hue = if d <= f32::EPSILON {
        0.0
    } else if max == r {
        60.0 * ((g - b) / d).rem_euclid(6.0)
    } else if max == g {
        60.0 * ((b - r) / d + 2.0)
    } else {
        60.0 * ((r - g) / d + 4.0)
    };
    let sat = if max <= f32::EPSILON { 0.0 } else { d / max };
    (hue, sat, max)
}

/// The smaller angle between two hues, degrees.
fn hue_distance(a: f32, b: f32) -> f32 {
    let d = (a - b).rem_euclid(360.0);
    d.min(360.0 - d)
}

/// The portrait to store: a 3:4 crop around the head guide, the head filling about three
/// quarters of its height (ICAO: 70-80 %), a little space above the hair.
pub fn crop_portrait(frame: &RgbImage) -> RgbImage {
    let (w, h) = frame.dimensions();
    if w == 0 || h == 0 {
        return frame.clone();
    }
    let oval = Oval::of(w, h);
    let crop_h = ((oval.ry * 2.0 / 0.75) as u32).clamp(1, h);
    let crop_w = ((crop_h as f32 * 0.75) as u32).clamp(1, w);
    let top = oval.cy - oval.ry - crop_h as f32 * 0.10;
    let y0 = (top.max(0.0) as u32).min(h - crop_h);
    let x0 = ((oval.cx - crop_w as f32 / 2.0).max(0.0) as u32).min(w - crop_w);
    imageops::crop_imm(frame, x0, y0, crop_w, crop_h).to_image()
}

/// An image could not be encoded (only for absurd sizes; shown with what to do).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("image encoding failed: {0}")]
pub struct EncodeError(pub String);

impl Localize for EncodeError {
    fn localize(&self, lang: Lang) -> String {
        match lang {
            Lang::Id => format!(
                "Gambar tidak dapat disimpan ({}). Silakan ambil ulang.",
                self.0
            ),
            Lang::En => format!(
                "The image could not be stored ({}). Please retake it.",
                self.0
            ),
        }
    }
}

/// The photo as JPEG at `quality` (1-100).
pub fn encode_jpeg(image: &RgbImage, quality: u8) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality.clamp(1, 100))
        .encode(
            image.as_raw(),
            image.width(),
            image.height(),
            image::ExtendedColorType::Rgb8,
        )
        .map_err(|e| EncodeError(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rekam_camera::{CameraConfig, FrameSource, SimOptions, SimulatedCamera};
    use std::time::Duration;

    /// A frame of the simulated face camera on `background`, through the real decoder.
    pub(crate) fn frame(background: Background, person: u64) -> RgbImage {
        let options = SimOptions {
            loop_frames: Some(2),
            realtime: false,
            ..SimOptions::default()
        };
        let mut camera = SimulatedCamera::face(&CameraConfig::face(0), background, person, options)
            .expect("simulated camera");
        let raw = camera.next_frame(Duration::from_secs(2)).expect("frame");
        rekam_camera::decode(&raw).expect("decoded")
    }

    #[test]
    fn the_portrait_is_a_three_by_four_crop_inside_the_frame() {
        let f = frame(Background::Blue, 7);
        let p = crop_portrait(&f);
        let (w, h) = p.dimensions();
        assert!(h > 500 && h <= 720, "{w}x{h}");
        assert!((w as f32 / h as f32 - 0.75).abs() < 0.01, "{w}x{h}");
        // Backdrop in the top corners, the face (not backdrop) a third down the middle.
        let backdrop = |px: &image::Rgb<u8>| {
            let [r, g, b] = px.0.map(i32::from);
            let [er, eg, eb] = Background::BLUE.map(i32::from);
            (r - er).abs() + (g - eg).abs() + (b - eb).abs() < 90
        };
        assert!(backdrop(p.get_pixel(2, 2)) && backdrop(p.get_pixel(w - 3, 2)));
        assert!(!backdrop(p.get_pixel(w / 2, h / 3)));
        // Tiny and odd frames do not panic.
        for (w, h) in [(1, 1), (3, 2), (2, 9), (640, 480)] {
            let p = crop_portrait(&RgbImage::new(w, h));
            assert!(p.width() >= 1 && p.width() <= w && p.height() <= h);
            assert!(assess(&RgbImage::new(w, h), Some(1990)).is_ok_and(|a| a.faces == 0));
        }
        assert_eq!(crop_portrait(&RgbImage::new(0, 0)).dimensions(), (0, 0));
        assert!(assess(&RgbImage::new(0, 0), None).is_ok_and(|a| !a.assessment.acceptable));
    }

    #[test]
    fn the_jpeg_decodes_to_the_same_size() {
        let p = crop_portrait(&frame(Background::Red, 3));
        let bytes = encode_jpeg(&p, 90).expect("jpeg");
        let back = image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg)
            .expect("decodes")
            .to_rgb8();
        assert_eq!(back.dimensions(), p.dimensions());
        assert!(encode_jpeg(&p, 50).expect("jpeg").len() < bytes.len());
    }

    #[test]
    fn hues_of_the_backdrops() {
        let (red, s, _) = hsv(Background::RED);
        assert!((red - 354.4).abs() < 1.0 && s > 0.8, "{red}");
        let (blue, _, _) = hsv(Background::BLUE);
        assert!((blue - 218.6).abs() < 1.0, "{blue}");
        assert!((hue_distance(355.0, 5.0) - 10.0).abs() < 1e-3);
        assert_eq!(hsv([128, 128, 128]).1, 0.0);
    }
}
