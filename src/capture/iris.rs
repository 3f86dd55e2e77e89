//! The quality gate of a near-infrared iris camera frame, run on preview frames (off the UI
//! thread) to show a quality bar and to take the picture automatically when it is good, and the
//! encoding of the stored image (grey PNG, lossless).
//!
//! [`measure`] locates the eye once per frame and takes every measurement from that one
//! localisation; [`assess`] turns the measurements into the findings the screens show, in this
//! order (the first failing one is what the operator hears first):
//!
//! 1. **`eye_present`**: a pupil (a dark disc, at most [`MAX_PUPIL_LEVEL`], with a round edge)
//!    and an iris ring around it (mid-grey, at least [`MIN_IRIS_DEPTH`] brighter than the
//!    pupil, with a limbus at least [`MIN_LIMBUS_STEP`] darker than the sclera beside it). The
//!    value is the pupil's grey level (the darkest block's). A closed eye, a face without an eye
//!    in the middle, an empty or blank frame fail (the operator is told to check the lens and
//!    the light when the frame is nearly uniform, to have the eye opened otherwise).
//! 2. **`contrast`**: the spread of grey levels over the centre of the frame (5th to 95th
//!    percentile, grey levels 0-255), at least [`MIN_CONTRAST`]: a dirty lens, a weak
//!    illuminator or a washed-out picture is flat.
//! 3. **`centring`**: the pupil's centre is within [`MAX_PUPIL_OFFSET`] of the frame's width
//!    (and height) from its middle; the value is that offset as a fraction.
//! 4. **`focus`**: the variance of a Laplacian (2-pixel scale, grey levels squared) over the
//!    iris below the pupil on both sides (10 to 60 degrees below the horizontal, where lids
//!    and lashes seldom reach): the fibres an iris template is made of are the first thing
//!    defocus or motion wipes out. At least [`MIN_FOCUS`].
//! 5. **`occlusion`**: the share of the iris area between the pupil and the limbus that is
//!    visible, in percent (the "usable iris area" of ISO/IEC 29794-6): eyelids, eyelashes and
//!    reflections cover the rest. At least [`MIN_VISIBLE`].
//!
//! When no eye is found, `centring`, `focus` and `occlusion` cannot be measured and fail with
//! a value of 0 ("not checked: no eye found").
//!
//! # How the eye is found
//! The search is sparse so that it stays cheap on 640 x 480 preview frames (about 0.13 million
//! pixel reads, most of them for the pupil's seed):
//! - the darkest 12-pixel block of the frame (off a tenth-of-a-frame border, on a half-block
//!   grid, every third pixel) seeds the pupil;
//! - 24 rays from the seed stop where the grey level rises clearly above the pupil's (for three
//!   pixels, crossing the saturated reflections of the illuminators); the centre moves until
//!   opposite rays balance (chords cut short by a lid left out), and the pupil radius is the
//!   median ray;
//! - the limbus is the strongest dark-to-bright step of the mean radial profile of a fan of
//!   rays on either side of the pupil (the sides are where the lids seldom reach);
//! - the iris is sampled on a polar grid (64 angles, 8 to 24 radii from 10 % to 90 % of the
//!   way from pupil to limbus), each sample a 3 x 3 mean. The reference iris level is the
//!   median of the samples below the pupil on both sides (the same region `focus` looks at). A
//!   sample is iris when it lies within a tolerance of that level: lashes and the lid margin
//!   are darker, sclera and reflections brighter. Along each spoke, from the pupil outwards,
//!   the lid starts at the first non-iris sample after which most of the spoke is not iris;
//!   that judgement uses a tighter bound on the bright side, as lid skin is often only a little
//!   brighter than the iris. Each sample weighs as much as the area it stands for (its
//!   distance from the pupil's centre).
//!
//! The camera delivers RGB (YUYV decoded); a NIR camera sees in grey, so [`to_gray`] keeps the
//! luminance first. Thresholds are calibrated on the simulated camera and written in
//! `docs/quality-iris-signature.md`.

use image::{DynamicImage, GrayImage, RgbImage};

use super::quality::{Assessment, Finding, Modality, ramp};

pub use super::face::EncodeError;

/// Minimum spread of grey levels over the centre (5th to 95th percentile).
pub const MIN_CONTRAST: f32 = 70.0;
/// Below this spread the frame shows nothing at all (a covered lens, a dark illuminator): when
/// no eye is found, that is what the operator is told.
const EMPTY_CONTRAST: f32 = 20.0;
/// The pupil's darkest block must be at most this grey (0-255).
pub const MAX_PUPIL_LEVEL: f32 = 60.0;
/// The iris's median level must be at least this much above the pupil's.
pub const MIN_IRIS_DEPTH: f32 = 30.0;
/// The mean dark-to-bright step at the limbus (iris to sclera), grey levels.
pub const MIN_LIMBUS_STEP: f32 = 12.0;
/// The pupil must be within this fraction of the frame's width (and height) from its middle.
pub const MAX_PUPIL_OFFSET: f32 = 0.15;
/// Minimum variance of the Laplacian over the iris below the pupil (grey levels squared;
/// calibrated on the simulated camera: a sharp eye is at 180-920, blurred by 1.5 pixels at most
/// 70).
pub const MIN_FOCUS: f32 = 100.0;
/// Minimum visible share of the iris area, percent (the simulated open eyes show 79-91 %; an
/// upper lid down to about the top of the pupil leaves 56-66 %).
pub const MIN_VISIBLE: f32 = 70.0;

/// Side of the blocks searched for the pupil at 480 lines, pixels (smaller than any pupil,
/// larger than an eyelash is wide, so that lashes do not pass for one).
const BLOCK: f32 = 12.0;
/// Rays cast from the pupil's centre to find its edge.
const RAYS: usize = 24;
/// The pupil's edge is where the level rises this far above the pupil's.
const EDGE_RISE: f32 = 30.0;
/// At least this grey is a specular reflection of the illuminators (skipped inside the pupil,
/// counted as covering the iris).
const GLINT: f32 = 200.0;
/// Angles of the polar grid over the iris.
const ANGLES: usize = 64;

/// A circle in frame pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Circle {
    pub x: f32,
    pub y: f32,
    pub r: f32,
}

/// Everything [`assess`] judges, measured once per frame.
#[derive(Debug, Clone, PartialEq)]
pub struct IrisMeasurements {
    /// Spread of grey levels over the centre (p95 - p5).
    pub contrast: f32,
    /// Mean level of the darkest block searched, and its centre (`None` on a frame too small to
    /// search).
    pub darkest: Option<(f32, f32, f32)>,
    /// The pupil found around the darkest block.
    pub pupil: Option<Circle>,
    /// The iris (limbus) around the pupil.
    pub iris: Option<Circle>,
    /// Median level of the iris below the pupil (the reference for occlusion).
    pub iris_level: f32,
    /// Mean step from iris to sclera at the limbus, grey levels.
    pub limbus_step: f32,
    /// A pupil and an iris ring were found.
    pub eye: bool,
    /// Offset of the pupil's centre from the frame's middle, as the larger of the fractions of
    /// width and height.
    pub offset: f32,
    /// Variance of the Laplacian over the iris below the pupil.
    pub focus: f32,
    /// Visible share of the iris, percent.
    pub visible: f32,
}

/// The grey image a NIR camera sees (luminance of the decoded RGB).
pub fn to_gray(frame: &RgbImage) -> GrayImage {
    DynamicImage::ImageRgb8(frame.clone()).into_luma8()
}

/// Reads of a grey frame, clamped or checked.
struct Img<'a> {
    px: &'a [u8],
    w: i64,
    h: i64,
}

impl Img<'_> {
    fn new(frame: &GrayImage) -> Img<'_> {
        Img {
            px: frame.as_raw(),
            w: i64::from(frame.width()),
            h: i64::from(frame.height()),
        }
    }

    /// The level at a pixel, the nearest edge pixel outside the frame.
    fn at(&self, x: i64, y: i64) -> f32 {
        let (x, y) = (x.clamp(0, self.w - 1), y.clamp(0, self.h - 1));
        f32::from(self.px[(y * self.w + x) as usize])
    }

    fn inside(&self, x: f32, y: f32) -> bool {
        x >= 1.0 && y >= 1.0 && x < (self.w - 1) as f32 && y < (self.h - 1) as f32
    }

    /// The level at the pixel nearest `(x, y)`, `None` outside the frame.
    fn get(&self, x: f32, y: f32) -> Option<f32> {
        self.inside(x, y)
            .then(|| self.at(x.round() as i64, y.round() as i64))
    }

    /// The mean of the 3 x 3 pixels around `(x, y)`, `None` outside the frame.
    fn mean3(&self, x: f32, y: f32) -> Option<f32> {
        if !self.inside(x, y) {
            return None;
        }
        let (cx, cy) = (x.round() as i64, y.round() as i64);
        let mut sum = 0.0;
        for dy in -1..=1 {
            for dx in -1..=1 {
                sum += self.at(cx + dx, cy + dy);
            }
        }
        Some(sum / 9.0)
    }

    /// A Laplacian at the 2-pixel scale (2 x 2 means, neighbours 2 pixels away): defocus shows,
    /// sensor grain weighs less.
    fn laplacian(&self, x: f32, y: f32) -> f32 {
        let (x, y) = (x.round() as i64, y.round() as i64);
        let cell = |x: i64, y: i64| {
            (self.at(x, y) + self.at(x + 1, y) + self.at(x, y + 1) + self.at(x + 1, y + 1)) / 4.0
        };
        cell(x + 2, y) + cell(x - 2, y) + cell(x, y + 2) + cell(x, y - 2) - 4.0 * cell(x, y)
    }
}

fn median(values: &mut [f32]) -> Option<f32> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable_by(f32::total_cmp);
    Some(values[values.len() / 2])
}

/// Measures one grey frame: where the eye is and how it looks.
pub fn measure(frame: &GrayImage) -> IrisMeasurements {
    let (w, h) = frame.dimensions();
    let mut m = IrisMeasurements {
        contrast: 0.0,
        darkest: None,
        pupil: None,
        iris: None,
        iris_level: 0.0,
        limbus_step: 0.0,
        eye: false,
        offset: 1.0,
        focus: 0.0,
        visible: 0.0,
    };
    if w < 16 || h < 16 {
        return m;
    }
    let img = Img::new(frame);
    // The middle of the frame where the eye belongs: half the width, 60 % of the height.
    let (cx0, cy0, cx1, cy1) = (w / 4, h / 5, w - w / 4, h - h / 5);
    let mut levels = sample_levels(frame, (cx0, cy0, cx1, cy1));
    let (p5, p95) = percentiles(&mut levels);
    m.contrast = p95 - p5;

    let scale = h.min(w) as f32 / 480.0;
    let block = (BLOCK * scale).round().max(4.0) as u32;
    m.darkest = darkest_block(&img, (w / 10, h / 10, w - w / 10, h - h / 10), block);
    let Some((level, sx, sy)) = m.darkest else {
        return m;
    };
    m.offset = offset(sx, sy, w, h);
    if level > MAX_PUPIL_LEVEL {
        return m;
    }
    let Some(pupil) = pupil_circle(&img, (sx, sy), level, 0.25 * h as f32) else {
        return m;
    };
    // A pupil is more than a few pixels across and less than half the frame's height.
    if pupil.r < 0.02 * h as f32 || pupil.r > 0.2 * h as f32 {
        return m;
    }
    m.pupil = Some(pupil);
    m.offset = offset(pupil.x, pupil.y, w, h);
    let Some((iris, step)) = limbus(&img, pupil, 0.45 * h as f32) else {
        return m;
    };
    m.iris = Some(iris);
    m.limbus_step = step;
    let ring = ring(&img, pupil, iris);
    m.iris_level = ring.level;
    m.eye = ring.level - level >= MIN_IRIS_DEPTH && step >= MIN_LIMBUS_STEP;
    m.visible = ring.visible;
    m.focus = ring.focus;
    m
}

/// Offset of `(x, y)` from the frame's middle, as the larger of the fractions of width and
/// height.
fn offset(x: f32, y: f32, w: u32, h: u32) -> f32 {
    let dx = (x - w as f32 / 2.0).abs() / w as f32;
    let dy = (y - h as f32 / 2.0).abs() / h as f32;
    dx.max(dy)
}

/// Grey levels of the area `(x0, y0, x1, y1)`, every few pixels (about 8,000 samples).
fn sample_levels(frame: &GrayImage, (x0, y0, x1, y1): (u32, u32, u32, u32)) -> Vec<u8> {
    let n = u64::from(x1 - x0) * u64::from(y1 - y0);
    let step = ((n as f64 / 8000.0).sqrt().ceil() as usize).max(1);
    let mut out = Vec::with_capacity(9000);
    for y in (y0..y1).step_by(step) {
        for x in (x0..x1).step_by(step) {
            out.push(frame.get_pixel(x, y).0[0]);
        }
    }
    out
}

/// The 5th and the 95th percentile.
fn percentiles(levels: &mut [u8]) -> (f32, f32) {
    if levels.is_empty() {
        return (0.0, 0.0);
    }
    levels.sort_unstable();
    let at = |q: f32| f32::from(levels[((levels.len() - 1) as f32 * q) as usize]);
    (at(0.05), at(0.95))
}

/// The darkest `block`-square block of the area on a half-block grid: its mean level and its
/// centre. Each block is averaged over every third pixel.
fn darkest_block(
    img: &Img<'_>,
    (x0, y0, x1, y1): (u32, u32, u32, u32),
    block: u32,
) -> Option<(f32, f32, f32)> {
    let mut best: Option<(f32, f32, f32)> = None;
    let half = (block / 2).max(1) as usize;
    for y in (y0..y1.saturating_sub(block)).step_by(half) {
        for x in (x0..x1.saturating_sub(block)).step_by(half) {
            let (mut sum, mut n) = (0.0, 0u32);
            for by in (y..y + block).step_by(3) {
                for bx in (x..x + block).step_by(3) {
                    sum += img.at(i64::from(bx), i64::from(by));
                    n += 1;
                }
            }
            let mean = sum / n.max(1) as f32;
            if best.is_none_or(|(b, _, _)| mean < b) {
                let c = |v: u32| (v + block / 2) as f32;
                best = Some((mean, c(x), c(y)));
            }
        }
    }
    best
}

/// The distance along each of [`RAYS`] rays from `c` to the pupil's edge: the first of three
/// pixels in a row above `threshold`. A reflection of the illuminators (reaching [`GLINT`]
/// within a few pixels) is crossed, with its blurred rim, back into the pupil.
fn pupil_rays(img: &Img<'_>, c: (f32, f32), threshold: f32, max_r: f32) -> [Option<f32>; RAYS] {
    let mut hits = [None; RAYS];
    for (k, hit) in hits.iter_mut().enumerate() {
        let a = std::f32::consts::TAU * k as f32 / RAYS as f32;
        let (ux, uy) = (a.cos(), a.sin());
        let level = |t: f32| img.get(c.0 + t * ux, c.1 + t * uy);
        let mut run = 0;
        let mut t = 1.0;
        while t < max_r {
            let Some(v) = level(t) else {
                break;
            };
            if v <= threshold {
                run = 0;
                t += 1.0;
                continue;
            }
            run += 1;
            if run < 3 {
                t += 1.0;
                continue;
            }
            let glint = (0..=6).any(|d| level(t + d as f32).is_some_and(|v| v >= GLINT));
            if !glint {
                *hit = Some(t - 2.0);
                break;
            }
            // Across the reflection, back to the pupil (if the ray never gets back, it found
            // no edge).
            while level(t).is_some_and(|v| v > threshold) && t < max_r {
                t += 1.0;
            }
            run = 0;
        }
    }
    hits
}

/// The pupil around the dark seed: the centre moves until the edges found by opposite rays
/// balance (chords cut short by a lid are left out), the radius is the median ray. `None`
/// when fewer than 60 % of the rays find a round edge.
fn pupil_circle(img: &Img<'_>, seed: (f32, f32), level: f32, max_r: f32) -> Option<Circle> {
    let threshold = level + EDGE_RISE;
    let mut c = seed;
    let half = RAYS / 2;
    for _ in 0..4 {
        let hits = pupil_rays(img, c, threshold, max_r);
        let mut chords: Vec<(f32, f32, usize)> = (0..half)
            .filter_map(|k| {
                let (a, b) = (hits[k]?, hits[k + half]?);
                Some((a + b, (a - b) / 2.0, k))
            })
            .collect();
        let mut lengths: Vec<f32> = chords.iter().map(|c| c.0).collect();
        let longest = median(&mut lengths)?;
        chords.retain(|ch| ch.0 >= 0.8 * longest);
        if chords.len() < 3 {
            return None;
        }
        // At the centre every chord through it is halved by it.
        let (mut sx, mut sy) = (0.0, 0.0);
        for &(_, off, k) in &chords {
            let a = std::f32::consts::TAU * k as f32 / RAYS as f32;
            sx += off * a.cos();
            sy += off * a.sin();
        }
        let n = chords.len() as f32;
        c = (c.0 + 1.5 * sx / n, c.1 + 1.5 * sy / n);
    }
    let hits = pupil_rays(img, c, threshold, max_r);
    let mut found: Vec<f32> = hits.iter().flatten().copied().collect();
    let r = median(&mut found)?;
    let round = found
        .iter()
        .filter(|&&t| (t - r).abs() <= 0.2 * r + 1.5)
        .count();
    (r >= 2.0 && round * 10 >= RAYS * 6).then_some(Circle { x: c.0, y: c.1, r })
}

/// The limbus: on each side of the pupil, the strongest dark-to-bright step of the mean radial
/// profile of a fan of rays (from 20 degrees above to 40 below the horizontal). Returns the
/// iris circle and the mean step.
fn limbus(img: &Img<'_>, pupil: Circle, max_r: f32) -> Option<(Circle, f32)> {
    let r0 = (1.4 * pupil.r).ceil() as i32;
    let r1 = (5.0 * pupil.r).min(max_r).floor() as i32;
    if r1 <= r0 + 8 {
        return None;
    }
    let angles = [-20f32, -5.0, 10.0, 25.0, 40.0].map(f32::to_radians);
    let mut sides = [(0.0f32, 0.0f32); 2];
    for (side, out) in [-1.0f32, 1.0].iter().zip(sides.iter_mut()) {
        let profile: Vec<Option<f32>> = (r0 - 4..=r1 + 4)
            .map(|r| {
                let r = r as f32;
                let (mut sum, mut n) = (0.0, 0);
                for a in angles {
                    if let Some(v) = img.mean3(pupil.x + side * r * a.cos(), pupil.y + r * a.sin())
                    {
                        sum += v;
                        n += 1;
                    }
                }
                (n > 0).then(|| sum / n as f32)
            })
            .collect();
        // profile[i] is at radius r0 - 4 + i.
        let mut best: Option<(f32, f32)> = None;
        for i in 4..profile.len() - 4 {
            let (Some(lo), Some(hi)) = (profile[i - 3], profile[i + 3]) else {
                continue;
            };
            let step = hi - lo;
            if best.is_none_or(|(s, _)| step > s) {
                best = Some((step, (r0 - 4) as f32 + i as f32));
            }
        }
        *out = best?;
    }
    let [(step_l, r_l), (step_r, r_r)] = sides;
    Some((
        Circle {
            x: pupil.x + (r_r - r_l) / 2.0,
            y: pupil.y,
            r: (r_l + r_r) / 2.0,
        },
        (step_l + step_r) / 2.0,
    ))
}

/// What the polar grid over the iris shows.
#[derive(Debug, Clone, Copy)]
struct Ring {
    /// Median level of the reference samples (below the pupil, both sides).
    level: f32,
    /// Visible share, percent.
    visible: f32,
    /// Variance of the Laplacian over the visible samples.
    focus: f32,
}

/// Samples the iris on a polar grid between the pupil and the limbus.
fn ring(img: &Img<'_>, pupil: Circle, iris: Circle) -> Ring {
    let radii = ((iris.r - pupil.r) / 3.0).clamp(8.0, 24.0) as usize;
    let rn = |j: usize| 0.1 + 0.8 * j as f32 / (radii - 1) as f32;
    // Where sample `j` of spoke `k` is, and how far from the pupil's centre.
    let at = |k: usize, j: usize| -> (f32, f32, f32) {
        let a = std::f32::consts::TAU * k as f32 / ANGLES as f32;
        let (ux, uy) = (a.cos(), a.sin());
        let inner = (pupil.x + pupil.r * ux, pupil.y + pupil.r * uy);
        let outer = (iris.x + iris.r * ux, iris.y + iris.r * uy);
        let (x, y) = (
            inner.0 + rn(j) * (outer.0 - inner.0),
            inner.1 + rn(j) * (outer.1 - inner.1),
        );
        (x, y, (x - pupil.x).hypot(y - pupil.y))
    };
    let samples: Vec<Vec<Option<f32>>> = (0..ANGLES)
        .map(|k| {
            (0..radii)
                .map(|j| {
                    let (x, y, _) = at(k, j);
                    img.mean3(x, y)
                })
                .collect()
        })
        .collect();
    // The reference: below the pupil on both sides (10 to 60 degrees below the horizontal),
    // 20 % to 70 % of the way out, where neither lid nor lashes usually reach.
    let reference = |k: usize, j: usize| {
        let deg = 360.0 * k as f32 / ANGLES as f32;
        ((10.0..=60.0).contains(&deg) || (120.0..=170.0).contains(&deg))
            && (0.2..=0.7).contains(&rn(j))
    };
    let mut levels: Vec<f32> = Vec::new();
    let (mut sum, mut sum2, mut n) = (0.0f64, 0.0f64, 0u32);
    for (k, spoke) in samples.iter().enumerate() {
        for (j, s) in spoke.iter().enumerate() {
            if let Some(v) = s
                && reference(k, j)
            {
                levels.push(*v);
                let (x, y, _) = at(k, j);
                let l = f64::from(img.laplacian(x, y));
                sum += l;
                sum2 += l * l;
                n += 1;
            }
        }
    }
    let focus = if n > 0 {
        let mean = sum / f64::from(n);
        (sum2 / f64::from(n) - mean * mean).max(0.0) as f32
    } else {
        0.0
    };
    let Some(level) = median(&mut levels) else {
        return Ring {
            level: 0.0,
            visible: 0.0,
            focus,
        };
    };
    let mut deviations: Vec<f32> = levels.iter().map(|v| (v - level).abs()).collect();
    let mad = median(&mut deviations).unwrap_or(0.0);
    // An iris sample is within these bounds: lashes and the lid margin are darker, sclera and
    // reflections brighter.
    let dark = level - (3.0 * mad).max(0.4 * level);
    let bright = (level + (3.0 * mad).max(0.2 * level)).min(GLINT);
    // Lid skin is only a little brighter than the iris: where a spoke meets the lid is judged
    // with a tighter bound on that side.
    let skin = (level + (2.0 * mad).max(0.1 * level)).min(bright);
    let within = |v: &Option<f32>, hi: f32| v.is_some_and(|v| v >= dark && v <= hi);

    // Each sample stands for the iris area around it, which grows with its distance from the
    // pupil's centre.
    let (mut visible, mut total) = (0.0f32, 0.0f32);
    for (k, spoke) in samples.iter().enumerate() {
        let flags: Vec<bool> = spoke.iter().map(|v| within(v, skin)).collect();
        let lid = lid_start(&flags);
        for (j, s) in spoke.iter().enumerate() {
            let (_, _, weight) = at(k, j);
            total += weight;
            if j < lid && within(s, bright) {
                visible += weight;
            }
        }
    }
    Ring {
        level,
        visible: if total > 0.0 {
            100.0 * visible / total
        } else {
            0.0
        },
        focus,
    }
}

/// Where a lid starts on a spoke, given which of its samples (from the pupil outwards) are
/// iris: the first non-iris sample after which most of the spoke is not iris (the spoke's length
/// when there is none).
fn lid_start(iris: &[bool]) -> usize {
    let n = iris.len();
    let mut rest = 0;
    let mut lid = n;
    for j in (0..n).rev() {
        if !iris[j] {
            rest += 1;
            if 2 * rest >= n - j {
                lid = j;
            }
        }
    }
    lid
}

mod judge;
pub use judge::{assess, encode_png, judge};

#[cfg(test)]
mod tests;
