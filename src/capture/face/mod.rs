//! First checks of a face camera frame, run on every preview frame (off the UI thread) to tell
//! the operator whether the photo may be taken, and the encoding of the stored photo.
//!
//! The checks are simple and measurable, each with its value:
//! - **background**: the median colour of the frame's border band (top band and the upper side
//!   bands, outside the head guide) has the hue of the background the applicant's birth year
//!   asks for: red for an odd year, blue for an even one (the KTP-el rule, see
//!   [`Background::for_birth_year`]). Misprinted colours are a known public complaint, so the
//!   colour that is seen is reported too ([`FaceChecks::background_seen`]).
//! - **exposure**: the mean luminance of the centre (the face inside the guide) is in a sane
//!   range and few of its pixels are clipped to black or white.
//! - **sharpness**: the variance of a Laplacian over the centre, on a 2x2-averaged image so that
//!   sensor noise weighs less than edges.
//! - **face present**: most of the centre differs clearly from the background colour (a proxy:
//!   nobody in the chair means the centre is backdrop too).
//!
//! The centre and the band follow the head guide drawn over the preview
//! (`src/ui/widget/guide.rs`): an oval centred at half the width and [`GUIDE_CENTRE_Y`] of the
//! height, [`GUIDE_HEIGHT`] of the frame's height tall, [`GUIDE_WIDTH_RATIO`] as wide as tall.
//! Everything is sampled sparsely: a 1280x720 frame costs a few tens of thousands of pixel reads.

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

/// Background hue within this many degrees of the expected colour passes.
pub const MAX_HUE_DIFF: f32 = 20.0;
/// A backdrop must be clearly coloured (HSV saturation), not grey or white.
pub const MIN_SATURATION: f32 = 0.35;
/// Mean luminance of the centre, 0-255: darker is underexposed, brighter overexposed.
pub const EXPOSURE_RANGE: (f32, f32) = (60.0, 215.0);
/// At most this fraction of the centre may be clipped (luminance <= 5 or >= 250).
pub const MAX_CLIPPED: f32 = 0.05;
/// Minimum variance of the Laplacian over the centre (calibrated on the simulated camera:
/// a sharp frame is far above, a frame blurred by a few pixels far below).
pub const MIN_SHARPNESS: f32 = 50.0;
/// A centre pixel counts as "not backdrop" when its colour is this far (RGB distance) from it.
pub const FACE_COLOUR_DISTANCE: f32 = 60.0;
/// At least this fraction of the centre must not be backdrop for a face to be present.
pub const MIN_FACE_FRACTION: f32 = 0.6;

/// What one check looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaceCheck {
    /// [`Check::value`]: the hue difference from the expected backdrop, degrees (180 when the
    /// band has no clear colour).
    Background,
    /// [`Check::value`]: the mean luminance of the centre, 0-255.
    Exposure,
    /// [`Check::value`]: the variance of the Laplacian over the centre.
    Sharpness,
    /// [`Check::value`]: the percentage of the centre that differs from the backdrop.
    FacePresent,
}

/// One named check with its outcome and what was measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Check {
    pub kind: FaceCheck,
    pub pass: bool,
    pub value: f32,
    /// How well it passes, 0-100 (0 when it fails).
    pub score: u8,
}

/// The outcome of [`check`] on one frame.
#[derive(Debug, Clone, PartialEq)]
pub struct FaceChecks {
    /// In the order background, exposure, sharpness, face present.
    pub checks: Vec<Check>,
    pub all_pass: bool,
    /// 0-100: the mean of the scores when every check passes, at most 40 otherwise.
    pub quality: u8,
    /// The backdrop colour the band shows, when it is clearly red or blue.
    pub background_seen: Option<Background>,
}

impl FaceChecks {
    pub fn get(&self, kind: FaceCheck) -> Option<&Check> {
        self.checks.iter().find(|c| c.kind == kind)
    }
}

/// A rectangle in frame pixels, `x0..x1` by `y0..y1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Area {
    pub x0: u32,
    pub y0: u32,
    pub x1: u32,
    pub y1: u32,
}

/// The head guide's oval in frame pixels: centre and half-axes.
#[derive(Debug, Clone, Copy)]
struct Oval {
    cx: f32,
    cy: f32,
    rx: f32,
    ry: f32,
}

impl Oval {
    fn of(width: u32, height: u32) -> Oval {
        let h = height as f32 * GUIDE_HEIGHT;
        Oval {
            cx: width as f32 / 2.0,
            cy: height as f32 * GUIDE_CENTRE_Y,
            rx: h * GUIDE_WIDTH_RATIO / 2.0,
            ry: h / 2.0,
        }
    }

    /// Whether `(x, y)` is inside the oval grown by `grow` (1.0: the oval itself).
    fn contains(&self, x: f32, y: f32, grow: f32) -> bool {
        let dx = (x - self.cx) / (self.rx * grow);
        let dy = (y - self.cy) / (self.ry * grow);
        dx * dx + dy * dy <= 1.0
    }

    /// The middle of the face: from the forehead to the mouth, between the cheeks, where skin
    /// and features are whether the head fills the guide or sits a little high and small in it
    /// (the collar and the hair stay out).
    fn centre(&self, width: u32, height: u32) -> Area {
        clamp_area(
            self.cx - 0.35 * self.rx,
            self.cy - 0.5 * self.ry,
            self.cx + 0.35 * self.rx,
            self.cy + 0.15 * self.ry,
            width,
            height,
        )
    }
}

fn clamp_area(x0: f32, y0: f32, x1: f32, y1: f32, width: u32, height: u32) -> Area {
    let cx = |v: f32| (v.max(0.0) as u32).min(width);
    let cy = |v: f32| (v.max(0.0) as u32).min(height);
    Area {
        x0: cx(x0),
        y0: cy(y0),
        x1: cx(x1),
        y1: cy(y1),
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

/// The median of each channel over `samples` (a robust "colour of the band": the head, a hand
/// or a shadow in part of it does not move it).
fn median_colour(samples: &mut [[u8; 3]]) -> Option<[u8; 3]> {
    if samples.is_empty() {
        return None;
    }
    let mid = samples.len() / 2;
    let mut out = [0u8; 3];
    for (c, slot) in out.iter_mut().enumerate() {
        let mut channel: Vec<u8> = samples.iter().map(|p| p[c]).collect();
        let (_, m, _) = channel.select_nth_unstable(mid);
        *slot = *m;
    }
    Some(out)
}

/// Step between samples so that an area gives at most about `budget` samples.
fn stride(area: Area, budget: u32) -> u32 {
    let n = u64::from(area.x1 - area.x0) * u64::from(area.y1 - area.y0);
    ((n as f64 / f64::from(budget.max(1))).sqrt().ceil() as u32).max(1)
}

/// Samples of the border band: the top band across the whole width, and both side bands down to
/// the shoulders, leaving out the head guide (grown a little: hair sticks out of it).
fn band_samples(frame: &RgbImage, oval: &Oval) -> Vec<[u8; 3]> {
    let (w, h) = frame.dimensions();
    let top = Area {
        x0: 0,
        y0: 0,
        x1: w,
        y1: (h as f32 * 0.10) as u32,
    };
    let side_w = (w as f32 * 0.14) as u32;
    let side_h = (h as f32 * 0.60) as u32;
    let left = Area {
        x0: 0,
        y0: 0,
        x1: side_w,
        y1: side_h,
    };
    let right = Area {
        x0: w - side_w,
        y0: 0,
        x1: w,
        y1: side_h,
    };
    let mut out = Vec::with_capacity(6000);
    for area in [top, left, right] {
        let step = stride(area, 2000);
        for y in (area.y0..area.y1).step_by(step as usize) {
            for x in (area.x0..area.x1).step_by(step as usize) {
                if !oval.contains(x as f32, y as f32, 1.15) {
                    out.push(frame.get_pixel(x, y).0);
                }
            }
        }
    }
    out
}

/// Runs the checks on one frame (as the camera sees it, not mirrored) for a backdrop `expected`.
pub fn check(frame: &RgbImage, expected: Background) -> FaceChecks {
    let (w, h) = frame.dimensions();
    let oval = Oval::of(w, h);
    let band = median_colour(&mut band_samples(frame, &oval));
    let (background, background_seen) = check_background(band, expected);
    let centre = oval.centre(w, h);
    let exposure = check_exposure(frame, centre);
    let sharpness = check_sharpness(frame, centre);
    let face = check_face(frame, centre, band);
    let checks = vec![background, exposure, sharpness, face];
    let all_pass = checks.iter().all(|c| c.pass);
    let mean = checks.iter().map(|c| u32::from(c.score)).sum::<u32>() / checks.len() as u32;
    let quality = if all_pass { mean.max(41) } else { mean.min(40) } as u8;
    FaceChecks {
        checks,
        all_pass,
        quality,
        background_seen,
    }
}

fn score(pass: bool, value: f32) -> u8 {
    if pass {
        value.clamp(1.0, 100.0) as u8
    } else {
        0
    }
}

fn check_background(band: Option<[u8; 3]>, expected: Background) -> (Check, Option<Background>) {
    let Some(colour) = band else {
        return (
            Check {
                kind: FaceCheck::Background,
                pass: false,
                value: 180.0,
                score: 0,
            },
            None,
        );
    };
    let (hue, sat, val) = hsv(colour);
    let coloured = sat >= MIN_SATURATION && val >= 0.15;
    let distance_to = |b: Background| {
        b.rgb()
            .map(|rgb| hue_distance(hue, hsv(rgb).0))
            .unwrap_or(180.0)
    };
    let seen = [Background::Red, Background::Blue]
        .into_iter()
        .filter(|b| coloured && distance_to(*b) <= MAX_HUE_DIFF)
        .min_by(|a, b| distance_to(*a).total_cmp(&distance_to(*b)));
    let value = if coloured {
        distance_to(expected)
    } else {
        180.0
    };
    let pass = coloured && value <= MAX_HUE_DIFF;
    (
        Check {
            kind: FaceCheck::Background,
            pass,
            value,
            score: score(pass, 100.0 - value * 2.5),
        },
        seen,
    )
}

fn check_exposure(frame: &RgbImage, centre: Area) -> Check {
    let step = stride(centre, 6000) as usize;
    let (mut sum, mut n, mut clipped) = (0.0f64, 0u32, 0u32);
    for y in (centre.y0..centre.y1).step_by(step) {
        for x in (centre.x0..centre.x1).step_by(step) {
            let l = luma(frame.get_pixel(x, y).0);
            sum += f64::from(l);
            n += 1;
            if !(5.0..250.0).contains(&l) {
                clipped += 1;
            }
        }
    }
    let mean = if n == 0 {
        0.0
    } else {
        (sum / f64::from(n)) as f32
    };
    let clipped = if n == 0 {
        1.0
    } else {
        clipped as f32 / n as f32
    };
    let (lo, hi) = EXPOSURE_RANGE;
    let pass = (lo..=hi).contains(&mean) && clipped <= MAX_CLIPPED;
    // Best in the middle of the range, falling to 50 at its ends.
    let mid = (lo + hi) / 2.0;
    let closeness = 100.0 - 50.0 * (mean - mid).abs() / ((hi - lo) / 2.0);
    Check {
        kind: FaceCheck::Exposure,
        pass,
        value: mean,
        score: score(pass, closeness),
    }
}

/// The variance of the 4-neighbour Laplacian of the 2x2-averaged luminance over `area`,
/// computed on at most about 20,000 points.
pub(crate) fn laplacian_variance(luma_at: impl Fn(u32, u32) -> f32, area: Area) -> f32 {
    // Averaging 2x2 halves the noise's standard deviation while edges stay: defocus shows,
    // sensor grain weighs less.
    let cell = |x: u32, y: u32| {
        (luma_at(x, y) + luma_at(x + 1, y) + luma_at(x, y + 1) + luma_at(x + 1, y + 1)) / 4.0
    };
    let inner = Area {
        x0: area.x0 + 2,
        y0: area.y0 + 2,
        x1: area.x1.saturating_sub(4).max(area.x0 + 2),
        y1: area.y1.saturating_sub(4).max(area.y0 + 2),
    };
    // The Laplacian is taken at the 2x2 scale (neighbours 2 pixels away); sampling every
    // `step`-th point of it keeps the cost bounded.
    let step = stride(inner, 20_000).max(2) as usize;
    let (mut sum, mut sum2, mut n) = (0.0f64, 0.0f64, 0u32);
    for y in (inner.y0..inner.y1).step_by(step) {
        for x in (inner.x0..inner.x1).step_by(step) {
            let l = cell(x + 2, y) + cell(x - 2, y) + cell(x, y + 2) + cell(x, y - 2)
                - 4.0 * cell(x, y);
            sum += f64::from(l);
            sum2 += f64::from(l) * f64::from(l);
            n += 1;
        }
    }
    if n == 0 {
        return 0.0;
    }
    let mean = sum / f64::from(n);
    (sum2 / f64::from(n) - mean * mean).max(0.0) as f32
}

fn check_sharpness(frame: &RgbImage, centre: Area) -> Check {
    let value = laplacian_variance(|x, y| luma(frame.get_pixel(x, y).0), centre);
    let pass = value >= MIN_SHARPNESS;
    Check {
        kind: FaceCheck::Sharpness,
        pass,
        value,
        // Twice the minimum is fully sharp.
        score: score(pass, 50.0 + 50.0 * (value / MIN_SHARPNESS - 1.0)),
    }
}

fn check_face(frame: &RgbImage, centre: Area, band: Option<[u8; 3]>) -> Check {
    let Some(bg) = band.map(|c| c.map(f32::from)) else {
        return Check {
            kind: FaceCheck::FacePresent,
            pass: false,
            value: 0.0,
            score: 0,
        };
    };
    let step = stride(centre, 4000) as usize;
    let (mut differ, mut n) = (0u32, 0u32);
    for y in (centre.y0..centre.y1).step_by(step) {
        for x in (centre.x0..centre.x1).step_by(step) {
            let p = frame.get_pixel(x, y).0.map(f32::from);
            let d =
                ((p[0] - bg[0]).powi(2) + (p[1] - bg[1]).powi(2) + (p[2] - bg[2]).powi(2)).sqrt();
            if d > FACE_COLOUR_DISTANCE {
                differ += 1;
            }
            n += 1;
        }
    }
    let fraction = if n == 0 {
        0.0
    } else {
        differ as f32 / n as f32
    };
    let pass = fraction >= MIN_FACE_FRACTION;
    Check {
        kind: FaceCheck::FacePresent,
        pass,
        value: fraction * 100.0,
        score: score(pass, fraction * 100.0),
    }
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

    fn failed(checks: &FaceChecks) -> Vec<FaceCheck> {
        checks
            .checks
            .iter()
            .filter(|c| !c.pass)
            .map(|c| c.kind)
            .collect()
    }

    #[test]
    fn the_right_backdrop_passes_and_the_wrong_one_fails() {
        for (shown, other) in [
            (Background::Red, Background::Blue),
            (Background::Blue, Background::Red),
        ] {
            for person in [7, 1234] {
                let f = frame(shown, person);
                let good = check(&f, shown);
                assert!(good.all_pass, "{shown:?} on {shown:?}: {good:?}");
                assert!(good.quality > 40, "{good:?}");
                assert_eq!(good.background_seen, Some(shown));
                let kinds: Vec<FaceCheck> = good.checks.iter().map(|c| c.kind).collect();
                assert_eq!(
                    kinds,
                    [
                        FaceCheck::Background,
                        FaceCheck::Exposure,
                        FaceCheck::Sharpness,
                        FaceCheck::FacePresent
                    ]
                );

                let wrong = check(&f, other);
                assert!(!wrong.all_pass);
                assert_eq!(failed(&wrong), [FaceCheck::Background], "{wrong:?}");
                assert!(wrong.quality <= 40);
                assert!(wrong.checks[0].value > 90.0, "{wrong:?}");
                // What is seen is still told: the operator learns it is the other colour.
                assert_eq!(wrong.background_seen, Some(shown));
            }
        }
    }

    #[test]
    fn a_busy_studio_background_is_neither_red_nor_blue() {
        let f = frame(Background::Busy, 7);
        for expected in [Background::Red, Background::Blue] {
            let c = check(&f, expected);
            assert!(failed(&c).contains(&FaceCheck::Background), "{c:?}");
            assert_eq!(c.background_seen, None);
        }
    }

    #[test]
    fn a_dark_frame_fails_exposure_and_a_blurred_one_sharpness() {
        let f = frame(Background::Red, 7);
        let mut dark = f.clone();
        for p in dark.pixels_mut() {
            p.0 = p.0.map(|v| v / 6);
        }
        let c = check(&dark, Background::Red);
        assert!(failed(&c).contains(&FaceCheck::Exposure), "{c:?}");
        assert!(c.get(FaceCheck::Exposure).is_some_and(|e| e.value < 40.0));

        let mut burnt = f.clone();
        for p in burnt.pixels_mut() {
            p.0 = p.0.map(|v| v.saturating_mul(2));
        }
        let c = check(&burnt, Background::Red);
        assert!(failed(&c).contains(&FaceCheck::Exposure), "{c:?}");

        let blurred = imageops::blur(&f, 3.0);
        let c = check(&blurred, Background::Red);
        assert_eq!(failed(&c), [FaceCheck::Sharpness], "{c:?}");
        let sharp = check(&f, Background::Red);
        let (s, b) = (
            sharp.get(FaceCheck::Sharpness).map(|c| c.value),
            c.get(FaceCheck::Sharpness).map(|c| c.value),
        );
        assert!(s > b, "{s:?} {b:?}");
    }

    #[test]
    fn an_empty_chair_has_no_face() {
        let [r, g, b] = Background::RED;
        let empty = RgbImage::from_fn(640, 360, |x, y| {
            // A little grain, as a camera has.
            let n = ((x * 7 + y * 13) % 9) as u8;
            image::Rgb([r.saturating_add(n), g + n, b + n])
        });
        let c = check(&empty, Background::Red);
        assert!(c.checks[0].pass, "{c:?}");
        assert!(failed(&c).contains(&FaceCheck::FacePresent), "{c:?}");
        assert!(!c.all_pass);
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
            assert!(!check(&RgbImage::new(w, h), Background::Red).all_pass);
        }
        assert_eq!(crop_portrait(&RgbImage::new(0, 0)).dimensions(), (0, 0));
        assert!(!check(&RgbImage::new(0, 0), Background::Red).all_pass);
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
