//! The face quality gate (ISO/IEC 19794-5 token image, ICAO 9303 photo rules, the KTP-el
//! background rule) on one camera frame, and the token image cut from it.
//!
//! Everything is measured from the one face the detector ([`super::detect`]) finds and its key
//! points; docs/face-quality.md gives each check, its unit and its limit. In short, with `e` the
//! distance between the eyes and `d` the distance from the eyes' midpoint down to the mouth:
//! - the head (crown to chin) is estimated as [`HEAD_PER_EYE_MOUTH`] `* d`, centred on the eye
//!   line (the eyes lie about halfway between chin and crown);
//! - the token image is 3:4, the head filling [`TOKEN_HEAD_SHARE`] of its height (ICAO:
//!   70-80 %), the eyes centred horizontally and at [`TOKEN_EYE_LINE`] of the height from the
//!   top (ISO/IEC 19794-5's token geometry), scaled to [`TOKEN_WIDTH`] x [`TOKEN_HEIGHT`] and
//!   encoded as JPEG at [`TOKEN_JPEG_QUALITY`].

use image::{RgbImage, imageops};

use super::detect::{Detection, Detector, Point};
use super::{Background, EncodeError, encode_jpeg, hsv, hue_distance, luma};
use crate::capture::quality::{Assessment, Finding, Modality, ramp};

/// Head height (crown to chin) per eye-to-mouth distance: the mouth lies about 0.29 of the head
/// height below the eye line, and the eye line about halfway down the head (anthropometric
/// means, checked on the simulator's portrait: hair to chin 160 px, eye-to-mouth 43 px).
pub const HEAD_PER_EYE_MOUTH: f32 = 3.44;
/// The token image: 3:4, this many pixels.
pub const TOKEN_WIDTH: u32 = 480;
pub const TOKEN_HEIGHT: u32 = 640;
/// Share of the token's height the head fills (ICAO 9303: 70-80 %).
pub const TOKEN_HEAD_SHARE: f32 = 0.75;
/// The eye line's distance from the token's top, as a share of its height (ISO/IEC 19794-5
/// token: 0.6 of the width, i.e. 0.45 of the height).
pub const TOKEN_EYE_LINE: f32 = 0.45;
/// JPEG quality of the token image (libjpeg scale): 58 KB for the simulator's portrait at
/// 480x640, 1.5 bits per pixel, twice what ISO/IEC 19794-5 asks of a token image.
pub const TOKEN_JPEG_QUALITY: u8 = 90;

/// The eyes at least this far apart in the frame, pixels (ICAO's best practice for a
/// full-frontal image: 90; fewer means the applicant sits too far from the camera).
pub const MIN_EYE_DISTANCE: f32 = 90.0;
/// The head's height as a share of the frame's: from too far to too close.
pub const HEAD_SHARE: (f32, f32) = (0.35, 0.75);
/// The eyes' midpoint at most this share of the frame's width from its centre.
pub const MAX_OFF_CENTRE: f32 = 0.15;
/// The token crop may reach this share of its height outside the frame (filled by repeating
/// the edge): more means the head is too near an edge.
pub const MAX_CROP_OUTSIDE: f32 = 0.03;
/// Roll (tilt of the eye line), degrees (ICAO: within 8).
pub const MAX_ROLL: f32 = 8.0;
/// Rough yaw (turn to a side) from the nose's offset, degrees.
pub const MAX_YAW: f32 = 10.0;
/// How far the nose tip stands in front of the eyes, per eye distance: the depth that turns
/// the nose's sideways offset into a rough yaw angle.
const NOSE_DEPTH: f32 = 0.6;
/// Mean luminance of the face, 0-255.
pub const FACE_LUMA: (f32, f32) = (70.0, 210.0);
/// At most this share of the face clipped (luminance at most 5 or at least 250).
pub const MAX_CLIPPED: f32 = 0.03;
/// The darker half of the face at least this share as bright as the other (no hard shadow).
pub const MIN_LIGHT_BALANCE: f32 = 0.7;
/// Variance of the Laplacian over the face resampled to a fixed scale (the eyes 48 samples
/// apart), calibrated on the simulated camera: sharp frames measure several times this,
/// frames blurred by a few pixels far less.
pub const MIN_SHARPNESS: f32 = 120.0;
/// Background: a sample belongs to the backdrop when within this RGB distance of its median...
pub const BACKDROP_DISTANCE: f32 = 45.0;
/// ...and differs from its neighbours ([`Sample`]) by at most this...
pub const MAX_LOCAL_CONTRAST: f32 = 20.0;
/// ...and at least this share of the samples around the head must be backdrop.
pub const MIN_UNIFORM: f32 = 0.85;
/// A backdrop colour within this many degrees of hue of red or blue, and at least this
/// saturated, is that colour.
pub const MAX_HUE_DIFF: f32 = 20.0;
pub const MIN_SATURATION: f32 = 0.35;

/// A rectangle in frame pixels; may reach outside the frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

/// The face gate's outcome on one frame.
#[derive(Debug, Clone, PartialEq)]
pub struct FaceAssessment {
    /// The checks, in the order: face_count, eyes, eye_distance, head_size, centring, roll,
    /// yaw, exposure, lighting, sharpness, background_uniform, background_colour. Only
    /// face_count when there is not exactly one face.
    pub assessment: Assessment,
    /// How many faces the detector saw.
    pub faces: usize,
    /// The one face.
    pub face: Option<Detection>,
    /// Where the token image is cut from.
    pub token: Option<Rect>,
    /// The backdrop's colour when it is clearly red or blue.
    pub background_seen: Option<Background>,
}

/// A face frame could not be checked at all (the detector failed to load or run).
pub use super::detect::DetectorError;

/// Runs the face gate on `frame` (as the camera sees it, not mirrored) for an applicant born in
/// `born` (the background colour rule), or for any red or blue backdrop when it is not known.
pub fn assess(frame: &RgbImage, born: Option<i32>) -> Result<FaceAssessment, DetectorError> {
    let faces = Detector::shared()?.detect(frame)?;
    Ok(assess_detections(frame, &faces, born))
}

/// [`assess`] on faces already detected.
pub fn assess_detections(
    frame: &RgbImage,
    faces: &[Detection],
    born: Option<i32>,
) -> FaceAssessment {
    let count = faces.len();
    let count_finding = match count {
        1 => Finding::new(
            "face_count",
            true,
            100.0,
            1.0,
            "Satu wajah terlihat.",
            "One face is seen.",
        ),
        0 => Finding::new(
            "face_count",
            false,
            0.0,
            0.0,
            "Tidak ada wajah terlihat: minta pemohon duduk menghadap kamera.",
            "No face is seen: ask the applicant to sit facing the camera.",
        ),
        n => Finding::new(
            "face_count",
            false,
            0.0,
            n as f64,
            format!("Terlihat {n} wajah: hanya pemohon yang boleh berada di depan kamera."),
            format!("{n} faces are seen: only the applicant may be in front of the camera."),
        ),
    };
    let [face] = faces else {
        return FaceAssessment {
            assessment: Assessment::new(Modality::Face, 0, vec![count_finding]),
            faces: count,
            face: None,
            token: None,
            background_seen: None,
        };
    };
    let g = Geometry::of(face);
    let (w, h) = (frame.width() as f32, frame.height() as f32);
    let token = g.token();
    let expected = born.map(Background::for_birth_year);
    // Sampled once each, for the checks that share them.
    let lumas = face_lumas(frame, &g);
    let backdrop = backdrop_samples(frame, &g);
    let backdrop_median = median_colour(&backdrop);
    let (background_colour, background_seen) = check_colour(backdrop_median, expected);
    let findings = vec![
        count_finding,
        check_eyes(face, &g),
        check_eye_distance(&g),
        check_head_size(&g, h),
        check_centring(&g, token, w, h),
        check_roll(&g),
        check_yaw(&g),
        check_exposure(&lumas),
        check_lighting(&lumas, &g),
        check_sharpness(frame, &g),
        check_uniform(&backdrop, backdrop_median),
        background_colour,
    ];
    FaceAssessment {
        assessment: Assessment::from_findings(Modality::Face, findings),
        faces: count,
        face: Some(*face),
        token: Some(token),
        background_seen,
    }
}

/// The token image: the crop (edges repeated where it reaches outside the frame) scaled to
/// [`TOKEN_WIDTH`] x [`TOKEN_HEIGHT`].
pub fn token_image(frame: &RgbImage, crop: Rect) -> RgbImage {
    let (w, h) = frame.dimensions();
    if w == 0 || h == 0 {
        return RgbImage::new(TOKEN_WIDTH, TOKEN_HEIGHT);
    }
    // Sample the crop at twice the token's resolution (nearest, edges clamped), then let a
    // proper filter bring it down: cheap, and no aliasing of the fine detail.
    let (sw, sh) = (TOKEN_WIDTH * 2, TOKEN_HEIGHT * 2);
    let sx = crop.width / sw as f32;
    let sy = crop.height / sh as f32;
    let src = frame.as_raw();
    let mut out = RgbImage::new(sw, sh);
    for (oy, row) in out.rows_mut().enumerate() {
        let fy = (crop.y + (oy as f32 + 0.5) * sy).clamp(0.0, (h - 1) as f32) as usize;
        for (ox, px) in row.enumerate() {
            let fx = (crop.x + (ox as f32 + 0.5) * sx).clamp(0.0, (w - 1) as f32) as usize;
            let o = (fy * w as usize + fx) * 3;
            px.0 = [src[o], src[o + 1], src[o + 2]];
        }
    }
    imageops::resize(
        &out,
        TOKEN_WIDTH,
        TOKEN_HEIGHT,
        imageops::FilterType::Triangle,
    )
}

/// The token image of an assessed frame as JPEG at [`TOKEN_JPEG_QUALITY`]; `None` without a
/// single face.
pub fn token_jpeg(frame: &RgbImage, face: &FaceAssessment) -> Option<Result<Vec<u8>, EncodeError>> {
    face.token
        .map(|crop| encode_jpeg(&token_image(frame, crop), TOKEN_JPEG_QUALITY))
}

/// The face's geometry from its key points.
#[derive(Debug, Clone, Copy)]
struct Geometry {
    /// The eyes' midpoint.
    mx: f32,
    my: f32,
    /// Eye distance, pixels.
    eyes: f32,
    /// Unit vector along the eye line (image left to right) and down the face.
    along: (f32, f32),
    down: (f32, f32),
    /// Eye line to mouth, along `down`.
    eye_mouth: f32,
    /// Estimated head height, crown to chin.
    head: f32,
    nose_offset: f32,
}

impl Geometry {
    fn of(face: &Detection) -> Geometry {
        let (lx, ly) = face.point(Point::RightEye);
        let (rx, ry) = face.point(Point::LeftEye);
        let (vx, vy) = (rx - lx, ry - ly);
        let eyes = (vx * vx + vy * vy).sqrt().max(1.0);
        let along = (vx / eyes, vy / eyes);
        let down = (-along.1, along.0);
        let (mx, my) = ((lx + rx) / 2.0, (ly + ry) / 2.0);
        let (ox, oy) = face.point(Point::Mouth);
        let eye_mouth = (ox - mx) * down.0 + (oy - my) * down.1;
        let (nx, ny) = face.point(Point::Nose);
        let nose_offset = ((nx - mx) * along.0 + (ny - my) * along.1) / eyes;
        Geometry {
            mx,
            my,
            eyes,
            along,
            down,
            eye_mouth,
            head: HEAD_PER_EYE_MOUTH * eye_mouth.max(0.0),
            nose_offset,
        }
    }

    fn roll_degrees(&self) -> f32 {
        self.along.1.atan2(self.along.0).to_degrees()
    }

    fn yaw_degrees(&self) -> f32 {
        (self.nose_offset / NOSE_DEPTH).atan().to_degrees()
    }

    fn token(&self) -> Rect {
        let height = self.head / TOKEN_HEAD_SHARE;
        let width = height * TOKEN_WIDTH as f32 / TOKEN_HEIGHT as f32;
        Rect {
            x: self.mx - width / 2.0,
            y: self.my - TOKEN_EYE_LINE * height,
            width,
            height,
        }
    }

    /// The face's inner rectangle: across the eyes (a little beyond), from the brows to below
    /// the mouth; skin and features, no hair or background.
    fn inner(&self, w: u32, h: u32) -> (u32, u32, u32, u32) {
        let half = 0.8 * self.eyes;
        let top = self.my - 0.35 * self.eyes;
        let bottom = self.my + self.eye_mouth + 0.25 * self.eyes;
        let clamp_x = |v: f32| (v.max(0.0) as u32).min(w);
        let clamp_y = |v: f32| (v.max(0.0) as u32).min(h);
        (
            clamp_x(self.mx - half),
            clamp_y(top),
            clamp_x(self.mx + half),
            clamp_y(bottom),
        )
    }
}

mod backdrop;
mod geometry;
mod light;

use backdrop::*;
use geometry::*;
use light::*;

#[cfg(test)]
mod tests;
