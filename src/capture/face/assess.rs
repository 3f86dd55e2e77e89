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

fn check_eyes(face: &Detection, g: &Geometry) -> Finding {
    // Both eyes where a face has them: their distance a plausible share of the face box, the
    // mouth below them at a plausible distance.
    let share = g.eyes / face.width.max(1.0);
    let ratio = g.eye_mouth / g.eyes;
    let pass = (0.25..=0.65).contains(&share) && (0.5..=1.6).contains(&ratio);
    if pass {
        Finding::new(
            "eyes",
            true,
            f64::from(100.0 - 100.0 * (ratio - 0.95).abs()),
            f64::from(ratio),
            "Kedua mata terlihat.",
            "Both eyes are seen.",
        )
    } else {
        Finding::new(
            "eyes",
            false,
            0.0,
            f64::from(ratio),
            "Mata tidak terlihat jelas: minta pemohon membuka mata, melepas kacamata dan \
             menyingkirkan rambut dari wajah.",
            "The eyes are not clearly seen: ask the applicant to open the eyes, take off glasses \
             and keep hair off the face.",
        )
    }
}

fn check_eye_distance(g: &Geometry) -> Finding {
    let pass = g.eyes >= MIN_EYE_DISTANCE;
    let score = ramp(f64::from(g.eyes), f64::from(MIN_EYE_DISTANCE) * 0.7, 160.0);
    if pass {
        Finding::new(
            "eye_distance",
            true,
            score,
            f64::from(g.eyes),
            format!("Jarak antarmata {:.0} piksel.", g.eyes),
            format!("The eyes are {:.0} pixels apart.", g.eyes),
        )
    } else {
        Finding::new(
            "eye_distance",
            false,
            score.min(40.0),
            f64::from(g.eyes),
            format!(
                "Wajah terlalu kecil (jarak antarmata {:.0} piksel, minimal {:.0}): minta \
                 pemohon duduk lebih dekat ke kamera.",
                g.eyes, MIN_EYE_DISTANCE
            ),
            format!(
                "The face is too small (eyes {:.0} pixels apart, at least {:.0}): ask the \
                 applicant to sit closer to the camera.",
                g.eyes, MIN_EYE_DISTANCE
            ),
        )
    }
}

fn check_head_size(g: &Geometry, frame_h: f32) -> Finding {
    let share = g.head / frame_h.max(1.0);
    let (lo, hi) = HEAD_SHARE;
    let pct = f64::from(share * 100.0);
    let mid = (lo + hi) / 2.0;
    let score = 100.0 - 100.0 * f64::from((share - mid).abs() / (hi - lo));
    if share < lo {
        Finding::new(
            "head_size",
            false,
            0.0,
            pct,
            format!(
                "Kepala terlalu kecil ({pct:.0}% tinggi gambar): minta pemohon mendekat ke kamera."
            ),
            format!(
                "The head is too small ({pct:.0}% of the image height): ask the applicant to come closer to the camera."
            ),
        )
    } else if share > hi {
        Finding::new(
            "head_size",
            false,
            0.0,
            pct,
            format!(
                "Kepala terlalu besar ({pct:.0}% tinggi gambar): minta pemohon mundur sedikit dari kamera."
            ),
            format!(
                "The head is too large ({pct:.0}% of the image height): ask the applicant to move back a little."
            ),
        )
    } else {
        Finding::new(
            "head_size",
            true,
            score,
            pct,
            format!("Tinggi kepala {pct:.0}% tinggi gambar."),
            format!("The head is {pct:.0}% of the image height."),
        )
    }
}

fn check_centring(g: &Geometry, token: Rect, w: f32, h: f32) -> Finding {
    let off = (g.mx - w / 2.0) / w.max(1.0);
    let outside = [
        -token.x,
        token.x + token.width - w,
        -token.y,
        token.y + token.height - h,
    ]
    .into_iter()
    .fold(0.0f32, f32::max)
        / token.height.max(1.0);
    let pass = off.abs() <= MAX_OFF_CENTRE && outside <= MAX_CROP_OUTSIDE;
    let value = f64::from(off * 100.0);
    if pass {
        return Finding::new(
            "centring",
            true,
            100.0 - 100.0 * f64::from(off.abs() / MAX_OFF_CENTRE) * 0.5,
            value,
            "Wajah di tengah.",
            "The face is centred.",
        );
    }
    // Which way the head is off, in the image as the operator's preview shows it.
    let (id, en) = if token.y < 0.0 && -token.y >= token.y + token.height - h {
        ("terlalu tinggi", "too high")
    } else if token.y + token.height > h && off.abs() <= MAX_OFF_CENTRE {
        ("terlalu rendah", "too low")
    } else if off < 0.0 {
        ("terlalu ke kiri gambar", "too far to the image's left")
    } else {
        ("terlalu ke kanan gambar", "too far to the image's right")
    };
    Finding::new(
        "centring",
        false,
        0.0,
        value,
        format!("Wajah {id}: atur kursi atau kamera agar wajah berada di tengah bingkai."),
        format!(
            "The face is {en}: adjust the chair or the camera so that the face is in the middle of the frame."
        ),
    )
}

fn check_roll(g: &Geometry) -> Finding {
    let roll = g.roll_degrees();
    let pass = roll.abs() <= MAX_ROLL;
    let score = 100.0 - 100.0 * f64::from(roll.abs() / MAX_ROLL) * 0.5;
    if pass {
        Finding::new(
            "roll",
            true,
            score,
            f64::from(roll),
            format!("Kepala tegak (miring {:.0}°).", roll.abs()),
            format!("The head is upright (tilted {:.0}°).", roll.abs()),
        )
    } else {
        Finding::new(
            "roll",
            false,
            0.0,
            f64::from(roll),
            format!(
                "Kepala miring {:.0}°: minta pemohon menegakkan kepala.",
                roll.abs()
            ),
            format!(
                "The head is tilted {:.0}°: ask the applicant to hold the head upright.",
                roll.abs()
            ),
        )
    }
}

fn check_yaw(g: &Geometry) -> Finding {
    let yaw = g.yaw_degrees();
    let pass = yaw.abs() <= MAX_YAW;
    let score = 100.0 - 100.0 * f64::from(yaw.abs() / MAX_YAW) * 0.5;
    if pass {
        Finding::new(
            "yaw",
            true,
            score,
            f64::from(yaw),
            "Wajah menghadap lurus ke kamera.",
            "The face looks straight at the camera.",
        )
    } else {
        Finding::new(
            "yaw",
            false,
            0.0,
            f64::from(yaw),
            format!(
                "Wajah menoleh sekitar {:.0}°: minta pemohon menghadap lurus ke kamera.",
                yaw.abs()
            ),
            format!(
                "The face is turned about {:.0}°: ask the applicant to look straight at the camera.",
                yaw.abs()
            ),
        )
    }
}

/// Luminance samples of the face's inner rectangle, about 4,000, with the x of each.
fn face_lumas(frame: &RgbImage, g: &Geometry) -> Vec<(u32, f32)> {
    let (x0, y0, x1, y1) = g.inner(frame.width(), frame.height());
    let n = u64::from(x1 - x0) * u64::from(y1 - y0);
    let step = ((n as f64 / 4000.0).sqrt().ceil() as usize).max(1);
    let mut out = Vec::with_capacity(4096);
    for y in (y0..y1).step_by(step) {
        for x in (x0..x1).step_by(step) {
            out.push((x, luma(frame.get_pixel(x, y).0)));
        }
    }
    out
}

fn check_exposure(samples: &[(u32, f32)]) -> Finding {
    let n = samples.len().max(1) as f32;
    let mean = samples.iter().map(|s| s.1).sum::<f32>() / n;
    let clipped = samples
        .iter()
        .filter(|s| !(5.0..250.0).contains(&s.1))
        .count() as f32
        / n;
    let (lo, hi) = FACE_LUMA;
    let mid = (lo + hi) / 2.0;
    let score = 100.0 - 50.0 * f64::from((mean - mid).abs() / ((hi - lo) / 2.0));
    let value = f64::from(mean);
    if samples.is_empty() || mean < lo {
        Finding::new(
            "exposure",
            false,
            0.0,
            value,
            format!("Wajah terlalu gelap (kecerahan {mean:.0}): tambah cahaya dari depan pemohon."),
            format!(
                "The face is too dark (brightness {mean:.0}): add light in front of the applicant."
            ),
        )
    } else if mean > hi || clipped > MAX_CLIPPED {
        Finding::new(
            "exposure",
            false,
            0.0,
            value,
            format!(
                "Wajah terlalu terang atau silau ({:.0}% piksel terpotong): kurangi cahaya atau \
                 pantulan di wajah.",
                clipped * 100.0
            ),
            format!(
                "The face is overexposed or shiny ({:.0}% of its pixels clipped): reduce the \
                 light or the glare on the face.",
                clipped * 100.0
            ),
        )
    } else {
        Finding::new(
            "exposure",
            true,
            score,
            value,
            format!("Pencahayaan wajah baik (kecerahan {mean:.0})."),
            format!("The face is well exposed (brightness {mean:.0})."),
        )
    }
}

fn check_lighting(samples: &[(u32, f32)], g: &Geometry) -> Finding {
    let (mut left, mut nl, mut right, mut nr) = (0.0f32, 0u32, 0.0f32, 0u32);
    for &(x, l) in samples {
        if (x as f32) < g.mx {
            left += l;
            nl += 1;
        } else {
            right += l;
            nr += 1;
        }
    }
    let (left, right) = (left / nl.max(1) as f32, right / nr.max(1) as f32);
    let balance = left.min(right) / left.max(right).max(1.0);
    let pass = nl > 0 && nr > 0 && balance >= MIN_LIGHT_BALANCE;
    let score = ramp(f64::from(balance), f64::from(MIN_LIGHT_BALANCE) - 0.1, 1.0);
    if pass {
        Finding::new(
            "lighting",
            true,
            score,
            f64::from(balance),
            "Cahaya merata di wajah.",
            "The light on the face is even.",
        )
    } else {
        Finding::new(
            "lighting",
            false,
            score.min(40.0),
            f64::from(balance),
            "Bayangan di satu sisi wajah: atur lampu agar cahaya merata dari depan.",
            "One side of the face is in shadow: set the lights so that the face is lit evenly \
             from the front.",
        )
    }
}

/// The variance of a Laplacian over the face resampled so that the eyes are 48 samples apart
/// (each sample the mean of a 2x2 block at that scale): the same face measures the same
/// whatever the camera's resolution or the applicant's distance.
fn sharpness(frame: &RgbImage, g: &Geometry) -> f32 {
    let step = g.eyes / 48.0;
    let (w, h) = (frame.width() as f32, frame.height() as f32);
    let at = |x: f32, y: f32| {
        let cx = x.clamp(0.0, w - 1.0) as u32;
        let cy = y.clamp(0.0, h - 1.0) as u32;
        luma(frame.get_pixel(cx, cy).0)
    };
    let half = step / 2.0;
    let cell = |i: f32, j: f32| {
        let (x, y) = (
            g.mx + i * step * g.along.0 + j * step * g.down.0,
            g.my + i * step * g.along.1 + j * step * g.down.1,
        );
        (at(x - half / 2.0, y - half / 2.0)
            + at(x + half / 2.0, y - half / 2.0)
            + at(x - half / 2.0, y + half / 2.0)
            + at(x + half / 2.0, y + half / 2.0))
            / 4.0
    };
    let (mut sum, mut sum2, mut n) = (0.0f64, 0.0f64, 0u32);
    // From the brows (-16) to below the mouth, across both eyes (the face's texture and edges).
    let bottom = (g.eye_mouth / step + 10.0).min(70.0) as i32;
    for j in -16..bottom {
        for i in -36..=36 {
            let (i, j) = (i as f32, j as f32);
            let l = cell(i + 1.0, j) + cell(i - 1.0, j) + cell(i, j + 1.0) + cell(i, j - 1.0)
                - 4.0 * cell(i, j);
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

fn check_sharpness(frame: &RgbImage, g: &Geometry) -> Finding {
    let value = sharpness(frame, g);
    let pass = value >= MIN_SHARPNESS;
    let score = ramp(f64::from(value), 0.0, f64::from(MIN_SHARPNESS) * 2.0);
    if pass {
        Finding::new(
            "sharpness",
            true,
            score,
            f64::from(value),
            "Gambar wajah tajam.",
            "The face is sharp.",
        )
    } else {
        Finding::new(
            "sharpness",
            false,
            score.min(40.0),
            f64::from(value),
            "Gambar wajah kabur: minta pemohon diam sejenak, periksa fokus dan kebersihan lensa.",
            "The face is blurred: ask the applicant to keep still, check the focus and clean the \
             lens.",
        )
    }
}

/// A backdrop sample: its colour, and how far it differs from its neighbours a little to the
/// right and below (RGB distance): texture, edges and objects do, a plain backdrop, even
/// unevenly lit, does not.
#[derive(Debug, Clone, Copy)]
struct Sample {
    colour: [u8; 3],
    local: f32,
}

/// Samples of the backdrop around the head: from a head's height above the eyes down to the
/// mouth, a head's height to each side, outside an oval generous enough for the hair.
fn backdrop_samples(frame: &RgbImage, g: &Geometry) -> Vec<Sample> {
    let (w, h) = frame.dimensions();
    let head = g.head.max(1.0);
    let k = ((head / 40.0) as u32).max(2);
    let x0 = (g.mx - 1.2 * head).max(0.0) as u32;
    let x1 = ((g.mx + 1.2 * head).max(0.0) as u32)
        .min(w)
        .saturating_sub(k);
    let y0 = (g.my - 1.0 * head).max(0.0) as u32;
    let y1 = ((g.my + 0.25 * head).max(0.0) as u32)
        .min(h)
        .saturating_sub(k);
    let n = u64::from(x1.saturating_sub(x0)) * u64::from(y1.saturating_sub(y0));
    let step = ((n as f64 / 6000.0).sqrt().ceil() as usize).max(1);
    let (cy, rx, ry) = (g.my - 0.1 * head, 0.62 * head, 0.75 * head);
    let distance = |a: [u8; 3], b: [u8; 3]| -> f32 {
        (0..3)
            .map(|c| (f32::from(a[c]) - f32::from(b[c])).powi(2))
            .sum::<f32>()
            .sqrt()
    };
    let mut out = Vec::with_capacity(6000);
    for y in (y0..y1).step_by(step) {
        for x in (x0..x1).step_by(step) {
            let dx = (x as f32 - g.mx) / rx;
            let dy = (y as f32 - cy) / ry;
            if dx * dx + dy * dy > 1.0 {
                let colour = frame.get_pixel(x, y).0;
                let local = distance(colour, frame.get_pixel(x + k, y).0)
                    .max(distance(colour, frame.get_pixel(x, y + k).0));
                out.push(Sample { colour, local });
            }
        }
    }
    out
}

fn median_colour(samples: &[Sample]) -> Option<[u8; 3]> {
    if samples.is_empty() {
        return None;
    }
    let mid = samples.len() / 2;
    let mut out = [0u8; 3];
    for (c, slot) in out.iter_mut().enumerate() {
        let mut channel: Vec<u8> = samples.iter().map(|p| p.colour[c]).collect();
        *slot = *channel.select_nth_unstable(mid).1;
    }
    Some(out)
}

fn check_uniform(samples: &[Sample], median: Option<[u8; 3]>) -> Finding {
    let share = median.map_or(0.0, |m| {
        let m = m.map(f32::from);
        let near = samples
            .iter()
            .filter(|p| {
                let d: f32 = (0..3)
                    .map(|c| (f32::from(p.colour[c]) - m[c]).powi(2))
                    .sum();
                d.sqrt() <= BACKDROP_DISTANCE && p.local <= MAX_LOCAL_CONTRAST
            })
            .count();
        near as f32 / samples.len() as f32
    });
    let pct = f64::from(share * 100.0);
    let score = ramp(f64::from(share), f64::from(MIN_UNIFORM) - 0.15, 1.0);
    if samples.len() < 200 {
        Finding::new(
            "background_uniform",
            false,
            0.0,
            pct,
            "Latar belakang hampir tidak terlihat: minta pemohon mundur sedikit dari kamera.",
            "Hardly any background is seen: ask the applicant to move back a little.",
        )
    } else if share >= MIN_UNIFORM {
        Finding::new(
            "background_uniform",
            true,
            score,
            pct,
            format!("Latar belakang polos ({pct:.0}% seragam)."),
            format!("The background is plain ({pct:.0}% uniform)."),
        )
    } else {
        Finding::new(
            "background_uniform",
            false,
            score.min(40.0),
            pct,
            format!(
                "Latar belakang tidak polos (hanya {pct:.0}% seragam): pasang kain latar dan \
                 pastikan tidak ada orang atau benda di belakang pemohon."
            ),
            format!(
                "The background is not plain (only {pct:.0}% uniform): hang the backdrop and make \
                 sure no one and nothing is behind the applicant."
            ),
        )
    }
}

/// The backdrop's colour when it is clearly red or blue, and its hue distance to `expected`
/// (or to the nearer of the two).
fn backdrop_colour(colour: [u8; 3], expected: Option<Background>) -> (Option<Background>, f32) {
    let (hue, sat, val) = hsv(colour);
    let coloured = sat >= MIN_SATURATION && val >= 0.15;
    let distance = |b: Background| b.rgb().map_or(180.0, |rgb| hue_distance(hue, hsv(rgb).0));
    let seen = [Background::Red, Background::Blue]
        .into_iter()
        .filter(|b| coloured && distance(*b) <= MAX_HUE_DIFF)
        .min_by(|a, b| distance(*a).total_cmp(&distance(*b)));
    let value = match (coloured, expected) {
        (false, _) => 180.0,
        (true, Some(e)) => distance(e),
        (true, None) => distance(Background::Red).min(distance(Background::Blue)),
    };
    (seen, value)
}

fn colour_name(b: Background) -> (&'static str, &'static str) {
    match b {
        Background::Red => ("merah", "red"),
        Background::Blue => ("biru", "blue"),
        Background::Busy => ("tidak polos", "not plain"),
    }
}

fn check_colour(
    median: Option<[u8; 3]>,
    expected: Option<Background>,
) -> (Finding, Option<Background>) {
    let Some(colour) = median else {
        return (
            Finding::new(
                "background_colour",
                false,
                0.0,
                180.0,
                "Warna latar belakang tidak terlihat: minta pemohon mundur sedikit dari kamera.",
                "The background colour cannot be seen: ask the applicant to move back a little.",
            ),
            None,
        );
    };
    let (seen, hue_off) = backdrop_colour(colour, expected);
    let score = 100.0 - 2.5 * f64::from(hue_off);
    let rule = |e: Background| match e {
        Background::Red => ("tahun lahir ganjil", "an odd birth year"),
        _ => ("tahun lahir genap", "an even birth year"),
    };
    let finding = match (seen, expected) {
        (Some(s), Some(e)) if s == e => {
            let (id, en) = colour_name(s);
            let (rid, ren) = rule(e);
            Finding::new(
                "background_colour",
                true,
                score,
                f64::from(hue_off),
                format!("Latar {id}, sesuai {rid}."),
                format!("The background is {en}, as {ren} requires."),
            )
        }
        (Some(s), None) => {
            let (id, en) = colour_name(s);
            Finding::new(
                "background_colour",
                true,
                score,
                f64::from(hue_off),
                format!("Latar {id}."),
                format!("The background is {en}."),
            )
        }
        (seen, Some(e)) => {
            let (eid, een) = colour_name(e);
            let (rid, ren) = rule(e);
            let (sid, sen) = seen.map_or(
                ("bukan merah atau biru", "neither red nor blue"),
                colour_name,
            );
            Finding::new(
                "background_colour",
                false,
                0.0,
                f64::from(hue_off),
                format!("Latar {sid}, seharusnya {eid} ({rid}): pasang kain latar {eid}."),
                format!(
                    "The background is {sen}; it must be {een} ({ren}): hang the {een} backdrop."
                ),
            )
        }
        (None, None) => Finding::new(
            "background_colour",
            false,
            0.0,
            f64::from(hue_off),
            "Latar bukan merah atau biru: pasang kain latar merah (tahun lahir ganjil) atau biru \
             (tahun lahir genap).",
            "The background is neither red nor blue: hang the red backdrop (odd birth year) or the \
             blue one (even birth year).",
        ),
    };
    (finding, seen)
}

#[cfg(test)]
mod tests {
    use super::super::tests::frame;
    use super::*;

    fn failing(a: &FaceAssessment) -> Vec<&str> {
        a.assessment.failures().map(|f| f.check.as_str()).collect()
    }

    fn run(img: &RgbImage, born: Option<i32>) -> FaceAssessment {
        assess(img, born).expect("detector")
    }

    /// The real photo the simulator's portrait is cut from: the NASA portrait in front of the
    /// studio's backdrop, flag and shuttle model.
    fn portrait() -> RgbImage {
        image::load_from_memory(include_bytes!("../../../drivers/camera/assets/face.jpg"))
            .expect("jpeg")
            .to_rgb8()
    }

    /// `img` turned by `degrees` about its centre (nearest pixel), the corners filled with the
    /// colour of its top-left pixel.
    fn rotated(img: &RgbImage, degrees: f32) -> RgbImage {
        let (w, h) = img.dimensions();
        let (s, c) = degrees.to_radians().sin_cos();
        let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
        let fill = *img.get_pixel(0, 0);
        RgbImage::from_fn(w, h, |x, y| {
            let (dx, dy) = (x as f32 - cx, y as f32 - cy);
            let (sx, sy) = (cx + c * dx + s * dy, cy - s * dx + c * dy);
            if sx < 0.0 || sy < 0.0 || sx >= w as f32 || sy >= h as f32 {
                fill
            } else {
                *img.get_pixel(sx as u32, sy as u32)
            }
        })
    }

    #[test]
    fn the_right_backdrop_passes_and_the_wrong_one_is_named() {
        let red = run(&frame(Background::Red, 7), Some(1991));
        assert!(red.assessment.acceptable, "{red:#?}");
        assert_eq!(red.background_seen, Some(Background::Red));
        assert_eq!(red.faces, 1);
        assert_eq!(red.assessment.findings.len(), 12);

        let blue = run(&frame(Background::Blue, 3), Some(1990));
        assert!(blue.assessment.acceptable, "{blue:#?}");
        assert_eq!(blue.background_seen, Some(Background::Blue));

        let wrong = run(&frame(Background::Red, 7), Some(1990));
        assert_eq!(failing(&wrong), ["background_colour"]);
        let f = wrong.assessment.get("background_colour").expect("finding");
        assert!(f.id.contains("Latar merah, seharusnya biru"), "{}", f.id);
        assert!(f.en.contains("must be blue"), "{}", f.en);
        // Without a birth year, red or blue is accepted.
        assert!(run(&frame(Background::Blue, 3), None).assessment.acceptable);
    }

    #[test]
    fn a_busy_background_fails_in_the_simulator_and_in_the_real_photo() {
        let busy = run(&frame(Background::Busy, 3), Some(1991));
        assert_eq!(
            failing(&busy),
            ["background_uniform", "background_colour"],
            "{busy:#?}"
        );
        assert_eq!(busy.background_seen, None);

        // The original photo: one face, a busy studio background, and small (the eyes are
        // 46 pixels apart in this 512x360 crop).
        let photo = run(&portrait(), None);
        assert_eq!(photo.faces, 1);
        let fails = failing(&photo);
        for check in ["eye_distance", "background_uniform", "background_colour"] {
            assert!(fails.contains(&check), "{check} {photo:#?}");
        }
        assert!(
            !fails.contains(&"roll") && !fails.contains(&"yaw"),
            "{photo:#?}"
        );
    }

    #[test]
    fn no_face_and_two_faces() {
        // The lower part of the real photo: the suit, the flag, no face.
        let p = portrait();
        let below = imageops::crop_imm(&p, 0, 190, 512, 170).to_image();
        let none = run(&below, None);
        assert_eq!(none.faces, 0);
        assert_eq!(failing(&none), ["face_count"]);
        assert!(
            none.assessment
                .first_problem(crate::lang::Lang::Id)
                .is_some_and(|m| m.contains("Tidak ada wajah"))
        );
        assert!(none.token.is_none());

        // An empty chair in front of the backdrop.
        let [r, g, b] = Background::RED;
        let empty = RgbImage::from_pixel(1280, 720, image::Rgb([r, g, b]));
        assert_eq!(run(&empty, None).faces, 0);

        // Two people: two frames side by side.
        let half = imageops::resize(
            &frame(Background::Blue, 3),
            640,
            360,
            imageops::FilterType::Triangle,
        );
        let mut two = RgbImage::new(1280, 360);
        imageops::replace(&mut two, &half, 0, 0);
        imageops::replace(&mut two, &imageops::flip_horizontal(&half), 640, 0);
        let both = run(&two, Some(1990));
        assert_eq!(both.faces, 2, "{both:#?}");
        assert_eq!(failing(&both), ["face_count"]);
        assert!(both.assessment.findings[0].en.contains("2 faces"));
    }

    #[test]
    fn a_tilted_head_fails_roll() {
        let f = frame(Background::Red, 7);
        let tilted = run(&rotated(&f, 15.0), None);
        assert_eq!(failing(&tilted), ["roll"], "{tilted:#?}");
        let roll = tilted.assessment.get("roll").map_or(0.0, |r| r.value);
        assert!((roll.abs() - 15.0).abs() < 5.0, "{roll}");
        assert!(run(&rotated(&f, 4.0), None).assessment.acceptable);
    }

    #[test]
    fn a_turned_head_fails_yaw() {
        // Key points of a face turned to the image's right: the nose tip 0.3 eye distances off
        // the eyes' midpoint (about 27 degrees).
        let f = frame(Background::Red, 7);
        let face = run(&f, None).face.expect("face");
        let (mx, my) = (
            (face.points[0].0 + face.points[1].0) / 2.0,
            (face.points[0].1 + face.points[1].1) / 2.0,
        );
        let e = face.points[1].0 - face.points[0].0;
        let mut turned = face;
        turned.points[Point::Nose as usize] = (mx + 0.3 * e, my + 0.5 * e);
        let a = assess_detections(&f, &[turned], None);
        assert_eq!(failing(&a), ["yaw"], "{a:#?}");
        assert!(
            a.assessment
                .get("yaw")
                .is_some_and(|y| (y.value - 26.6).abs() < 2.0)
        );
    }

    #[test]
    fn exposure_lighting_and_sharpness() {
        let f = frame(Background::Red, 7);
        let mut dark = f.clone();
        dark.pixels_mut().for_each(|p| p.0 = p.0.map(|v| v / 3));
        assert!(failing(&run(&dark, None)).contains(&"exposure"));

        let mut burnt = f.clone();
        burnt
            .pixels_mut()
            .for_each(|p| p.0 = p.0.map(|v| v.saturating_mul(2)));
        let b = run(&burnt, None);
        assert!(failing(&b).contains(&"exposure"), "{b:#?}");
        assert!(
            b.assessment
                .get("exposure")
                .is_some_and(|e| e.en.contains("overexposed"))
        );

        // A hard shadow over the image's left half of the face.
        let face = run(&f, None).face.expect("face");
        let mid = (face.points[0].0 + face.points[1].0) / 2.0;
        let mut shadow = f.clone();
        for (x, _, p) in shadow.enumerate_pixels_mut() {
            if (x as f32) < mid {
                p.0 = p.0.map(|v| (f32::from(v) * 0.5) as u8);
            }
        }
        assert!(failing(&run(&shadow, None)).contains(&"lighting"));

        let blurred = run(&imageops::blur(&f, 3.0), None);
        assert_eq!(failing(&blurred), ["sharpness"], "{blurred:#?}");
    }

    #[test]
    fn too_far_too_close_and_off_centre() {
        let f = frame(Background::Blue, 3);
        let [r, g, b] = Background::BLUE;
        // Too far: the frame shrunk to 60% on the backdrop.
        let small = imageops::resize(&f, 768, 432, imageops::FilterType::Triangle);
        let mut far = RgbImage::from_pixel(1280, 720, image::Rgb([r, g, b]));
        imageops::replace(&mut far, &small, 256, 144);
        let a = run(&far, Some(1990));
        let fails = failing(&a);
        assert!(
            fails.contains(&"eye_distance") && fails.contains(&"head_size"),
            "{a:#?}"
        );
        assert!(
            a.assessment
                .get("head_size")
                .is_some_and(|h| h.en.contains("too small"))
        );

        // Too close: the middle of the frame enlarged 1.6 times.
        let middle = imageops::crop_imm(&f, 240, 60, 800, 450).to_image();
        let close = run(
            &imageops::resize(&middle, 1280, 720, imageops::FilterType::Triangle),
            Some(1990),
        );
        assert!(failing(&close).contains(&"head_size"), "{close:#?}");
        assert!(
            close
                .assessment
                .get("head_size")
                .is_some_and(|h| h.en.contains("too large"))
        );

        // Off centre: the frame shifted so that the face is near the right edge.
        let mut shifted = RgbImage::from_pixel(1280, 720, image::Rgb([r, g, b]));
        imageops::replace(
            &mut shifted,
            &imageops::crop_imm(&f, 0, 0, 900, 720).to_image(),
            380,
            0,
        );
        let off = run(&shifted, Some(1990));
        assert_eq!(failing(&off), ["centring"], "{off:#?}");
        assert!(
            off.assessment
                .get("centring")
                .is_some_and(|c| c.en.contains("right"))
        );
    }

    #[test]
    fn the_token_image_follows_the_token_geometry() {
        let f = frame(Background::Red, 7);
        let a = run(&f, Some(1991));
        let jpeg = token_jpeg(&f, &a).expect("one face").expect("encoded");
        let token = image::load_from_memory(&jpeg).expect("decodes").to_rgb8();
        assert_eq!(token.dimensions(), (TOKEN_WIDTH, TOKEN_HEIGHT));
        assert!(jpeg.len() < 150_000, "{}", jpeg.len());
        // Looked at again, the face in the token: eyes centred at 45% of the height, the head
        // 70-80% of it.
        let again = run(&token, Some(1991));
        let face = again.face.expect("face in the token");
        let (mx, my) = (
            (face.points[0].0 + face.points[1].0) / 2.0,
            (face.points[0].1 + face.points[1].1) / 2.0,
        );
        assert!((mx / TOKEN_WIDTH as f32 - 0.5).abs() < 0.04, "{mx}");
        assert!(
            (my / TOKEN_HEIGHT as f32 - TOKEN_EYE_LINE).abs() < 0.04,
            "{my}"
        );
        let head = again.assessment.get("head_size").map_or(0.0, |h| h.value);
        assert!((70.0..=80.0).contains(&head), "{head}");
        assert!(
            again
                .assessment
                .get("background_colour")
                .is_some_and(|c| c.pass)
        );
    }
}
