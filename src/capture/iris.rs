//! First checks of a near-infrared iris camera frame, run on preview frames (off the UI thread)
//! to show a quality bar and to take the picture automatically when it is good, and the
//! encoding of the stored image (grey PNG, lossless).
//!
//! The checks, each with its measured value:
//! - **sharpness**: the variance of a Laplacian over the centre of the frame (the iris texture
//!   is fine: defocus or motion wipes it out first);
//! - **contrast**: the spread of grey levels over the centre (5th to 95th percentile): a closed
//!   eye, a covered lens or a washed-out image is flat;
//! - **pupil**: the darkest block of the centre is dark, clearly darker than its surroundings,
//!   and near the middle of the frame (the applicant looks into the camera).
//!
//! The camera delivers RGB (YUYV decoded); a NIR camera sees in grey, so [`to_gray`] keeps the
//! luminance first.

use image::{DynamicImage, GrayImage, RgbImage};

use super::face::{Area, laplacian_variance};

pub use super::face::EncodeError;

/// Minimum variance of the Laplacian over the centre (calibrated on the simulated camera: a
/// sharp eye is several times above it; blurred by 2 pixels, the fibres of the iris that a
/// template is made of are gone and it falls far below).
pub const MIN_SHARPNESS: f32 = 200.0;
/// Minimum spread of grey levels over the centre (5th to 95th percentile).
pub const MIN_CONTRAST: f32 = 70.0;
/// The pupil's block must be at most this grey (0-255)...
pub const MAX_PUPIL_LEVEL: f32 = 60.0;
/// ...and at least this much darker than the centre's median.
pub const MIN_PUPIL_DEPTH: f32 = 50.0;
/// The pupil must be within this fraction of the frame's width (and height) from its middle.
pub const MAX_PUPIL_OFFSET: f32 = 0.15;
/// Side of the blocks searched for the pupil, pixels (smaller than any pupil at 640x480, larger
/// than an eyelash is wide, so that lashes do not pass for one).
const BLOCK: u32 = 12;

/// What one check looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IrisCheck {
    /// [`Check::value`]: the variance of the Laplacian over the centre.
    Sharpness,
    /// [`Check::value`]: the spread of grey levels (p95 - p5).
    Contrast,
    /// [`Check::value`]: the grey level of the darkest block (the pupil).
    Pupil,
}

/// One named check with its outcome and what was measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Check {
    pub kind: IrisCheck,
    pub pass: bool,
    pub value: f32,
    /// How well it passes, 0-100 (0 when it fails).
    pub score: u8,
}

/// The outcome of [`check`] on one frame.
#[derive(Debug, Clone, PartialEq)]
pub struct IrisChecks {
    /// In the order sharpness, contrast, pupil.
    pub checks: Vec<Check>,
    pub all_pass: bool,
    /// 0-100: the mean of the scores when every check passes, at most 40 otherwise.
    pub quality: u8,
    /// The centre of the darkest block, pixels, when there is a centre to search.
    pub pupil: Option<(u32, u32)>,
}

impl IrisChecks {
    pub fn get(&self, kind: IrisCheck) -> Option<&Check> {
        self.checks.iter().find(|c| c.kind == kind)
    }
}

/// The grey image a NIR camera sees (luminance of the decoded RGB).
pub fn to_gray(frame: &RgbImage) -> GrayImage {
    DynamicImage::ImageRgb8(frame.clone()).into_luma8()
}

fn score(pass: bool, value: f32) -> u8 {
    if pass {
        value.clamp(1.0, 100.0) as u8
    } else {
        0
    }
}

/// The middle of the frame where the eye belongs: half the width, 60 % of the height.
fn centre(width: u32, height: u32) -> Area {
    Area {
        x0: width / 4,
        y0: height / 5,
        x1: width - width / 4,
        y1: height - height / 5,
    }
}

/// Runs the checks on one grey frame.
pub fn check(frame: &GrayImage) -> IrisChecks {
    let (w, h) = frame.dimensions();
    let area = centre(w, h);
    let at = |x: u32, y: u32| f32::from(frame.get_pixel(x, y).0[0]);

    let sharpness = laplacian_variance(at, area);
    let sharp_pass = sharpness >= MIN_SHARPNESS;
    let sharp = Check {
        kind: IrisCheck::Sharpness,
        pass: sharp_pass,
        value: sharpness,
        score: score(sharp_pass, 50.0 + 50.0 * (sharpness / MIN_SHARPNESS - 1.0)),
    };

    let mut levels = sample_levels(frame, area);
    let (p5, median, p95) = percentiles(&mut levels);
    let spread = p95 - p5;
    let contrast_pass = spread >= MIN_CONTRAST;
    let contrast = Check {
        kind: IrisCheck::Contrast,
        pass: contrast_pass,
        value: spread,
        score: score(contrast_pass, 50.0 + 50.0 * (spread - MIN_CONTRAST) / 80.0),
    };

    let darkest = darkest_block(frame, area);
    let (pupil_level, pupil) = match darkest {
        Some((level, x, y)) => (level, Some((x, y))),
        None => (255.0, None),
    };
    let near = pupil.is_some_and(|(x, y)| {
        let dx = (x as f32 - w as f32 / 2.0).abs() / w as f32;
        let dy = (y as f32 - h as f32 / 2.0).abs() / h as f32;
        dx <= MAX_PUPIL_OFFSET && dy <= MAX_PUPIL_OFFSET
    });
    let pupil_pass =
        near && pupil_level <= MAX_PUPIL_LEVEL && median - pupil_level >= MIN_PUPIL_DEPTH;
    let pupil_check = Check {
        kind: IrisCheck::Pupil,
        pass: pupil_pass,
        value: pupil_level,
        score: score(pupil_pass, 100.0 - pupil_level),
    };

    let checks = vec![sharp, contrast, pupil_check];
    let all_pass = checks.iter().all(|c| c.pass);
    let mean = checks.iter().map(|c| u32::from(c.score)).sum::<u32>() / checks.len() as u32;
    let quality = if all_pass { mean.max(41) } else { mean.min(40) } as u8;
    IrisChecks {
        checks,
        all_pass,
        quality,
        pupil,
    }
}

/// Grey levels of the area, every few pixels (about 8,000 samples).
fn sample_levels(frame: &GrayImage, area: Area) -> Vec<u8> {
    let n = u64::from(area.x1 - area.x0) * u64::from(area.y1 - area.y0);
    let step = ((n as f64 / 8000.0).sqrt().ceil() as usize).max(1);
    let mut out = Vec::with_capacity(9000);
    for y in (area.y0..area.y1).step_by(step) {
        for x in (area.x0..area.x1).step_by(step) {
            out.push(frame.get_pixel(x, y).0[0]);
        }
    }
    out
}

/// The 5th percentile, the median and the 95th percentile.
fn percentiles(levels: &mut [u8]) -> (f32, f32, f32) {
    if levels.is_empty() {
        return (0.0, 0.0, 0.0);
    }
    levels.sort_unstable();
    let at = |q: f32| f32::from(levels[((levels.len() - 1) as f32 * q) as usize]);
    (at(0.05), at(0.5), at(0.95))
}

/// The darkest [`BLOCK`]-square block of the area, on a half-block grid: its mean level and
/// its centre. Each block is averaged over every other pixel.
fn darkest_block(frame: &GrayImage, area: Area) -> Option<(f32, u32, u32)> {
    let mut best: Option<(f32, u32, u32)> = None;
    let half = (BLOCK / 2) as usize;
    for y in (area.y0..area.y1.saturating_sub(BLOCK)).step_by(half) {
        for x in (area.x0..area.x1.saturating_sub(BLOCK)).step_by(half) {
            let (mut sum, mut n) = (0u32, 0u32);
            for by in (y..y + BLOCK).step_by(2) {
                for bx in (x..x + BLOCK).step_by(2) {
                    sum += u32::from(frame.get_pixel(bx, by).0[0]);
                    n += 1;
                }
            }
            let mean = sum as f32 / n.max(1) as f32;
            if best.is_none_or(|(b, _, _)| mean < b) {
                best = Some((mean, x + BLOCK / 2, y + BLOCK / 2));
            }
        }
    }
    best
}

/// The iris image as a grey PNG (lossless: iris templates are sensitive to compression).
pub fn encode_png(image: &GrayImage) -> Result<Vec<u8>, EncodeError> {
    let mut out = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| EncodeError(e.to_string()))?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::imageops;
    use rekam_camera::{CameraConfig, Eye, FrameSource, SimOptions, SimulatedCamera};
    use std::time::Duration;

    /// A frame of the simulated iris camera, through the real YUYV decoder, in grey.
    fn frame(eye: Eye, person: u64) -> GrayImage {
        let options = SimOptions {
            loop_frames: Some(2),
            realtime: false,
            ..SimOptions::default()
        };
        let mut camera = SimulatedCamera::iris(&CameraConfig::iris(2), eye, person, options)
            .expect("simulated camera");
        let raw = camera.next_frame(Duration::from_secs(2)).expect("frame");
        to_gray(&rekam_camera::decode(&raw).expect("decoded"))
    }

    fn failed(checks: &IrisChecks) -> Vec<IrisCheck> {
        checks
            .checks
            .iter()
            .filter(|c| !c.pass)
            .map(|c| c.kind)
            .collect()
    }

    #[test]
    fn a_sharp_open_eye_passes() {
        for eye in [Eye::Right, Eye::Left] {
            for person in [7, 1234] {
                let c = check(&frame(eye, person));
                assert!(c.all_pass, "{eye:?} {person}: {c:?}");
                assert!(c.quality > 40, "{c:?}");
                let (x, y) = c.pupil.expect("pupil");
                assert!((280..360).contains(&x) && (200..300).contains(&y), "{c:?}");
                let kinds: Vec<IrisCheck> = c.checks.iter().map(|c| c.kind).collect();
                assert_eq!(
                    kinds,
                    [IrisCheck::Sharpness, IrisCheck::Contrast, IrisCheck::Pupil]
                );
            }
        }
    }

    #[test]
    fn a_blurred_eye_fails_sharpness() {
        let sharp = frame(Eye::Right, 7);
        let blurred = imageops::blur(&sharp, 2.5);
        let c = check(&blurred);
        assert_eq!(failed(&c), [IrisCheck::Sharpness], "{c:?}");
        assert!(c.quality <= 40);
        let before = check(&sharp).get(IrisCheck::Sharpness).map(|c| c.value);
        let after = c.get(IrisCheck::Sharpness).map(|c| c.value);
        assert!(before > after, "{before:?} {after:?}");
    }

    #[test]
    fn a_covered_lens_or_washed_out_image_fails_contrast_and_pupil() {
        let covered = GrayImage::from_fn(640, 480, |x, y| image::Luma([120 + ((x + y) % 5) as u8]));
        let c = check(&covered);
        assert!(failed(&c).contains(&IrisCheck::Contrast), "{c:?}");
        assert!(failed(&c).contains(&IrisCheck::Pupil), "{c:?}");

        let mut washed = frame(Eye::Left, 7);
        for p in washed.pixels_mut() {
            p.0[0] = 190 + p.0[0] / 5;
        }
        let c = check(&washed);
        assert!(failed(&c).contains(&IrisCheck::Contrast), "{c:?}");
        assert!(failed(&c).contains(&IrisCheck::Pupil), "{c:?}");
    }

    #[test]
    fn an_eye_far_from_the_middle_fails_the_pupil_check() {
        let f = frame(Eye::Right, 7);
        // The applicant moved: the eye is 150 pixels to the side.
        let moved = GrayImage::from_fn(640, 480, |x, y| {
            if x >= 150 {
                *f.get_pixel(x - 150, y)
            } else {
                image::Luma([150])
            }
        });
        let c = check(&moved);
        assert!(failed(&c).contains(&IrisCheck::Pupil), "{c:?}");
        assert!(c.pupil.is_some_and(|(x, _)| x > 400), "{c:?}");
    }

    #[test]
    fn the_png_is_lossless() {
        let f = frame(Eye::Left, 3);
        let bytes = encode_png(&f).expect("png");
        let back = image::load_from_memory_with_format(&bytes, image::ImageFormat::Png)
            .expect("decodes")
            .to_luma8();
        assert_eq!(back, f);
    }

    #[test]
    fn tiny_frames_do_not_panic() {
        for (w, h) in [(1, 1), (4, 3), (30, 20)] {
            let c = check(&GrayImage::new(w, h));
            assert!(!c.all_pass);
        }
    }
}
