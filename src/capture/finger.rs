//! Finger captures: segmentation of a slap into one crop per finger, a simple image quality to
//! rank impressions, and the PNG encoding a crop is stored in.
//!
//! # Segmentation
//! A 4-4-2 scanner gives one grey image per slap (255 = background, dark = ridge). The fingers
//! stand side by side on the platen, so the image's *column ink profile* (how much ink each
//! column holds) has one hump per finger with low-ink gaps between them. [`segment`] smooths
//! that profile, takes the runs of columns above a fraction of its peak as finger columns,
//! splits a run at a deep valley when two fingers touch, and crops each column to the rows
//! that hold its ink.
//!
//! Which finger a column is comes from the order on the platen, as the scanner driver's
//! [`CaptureMode::fingers`] gives it (and as the simulator places them): the right hand lies
//! palm down with the index on the left of the image (index, middle, ring, little from left to
//! right); the left hand is its mirror (little .. index); of the two thumbs, the left thumb is
//! on the left and the right thumb on the right. A finger recorded as an exception is not
//! expected: when the image holds one finger column fewer, the columns go in order to the
//! expected fingers; when it still holds all of them (a bandaged finger laid down anyway),
//! each column is matched to the finger whose usual place on the platen is nearest, in order,
//! and the excepted finger's column is dropped.
//!
//! # Quality
//! [`quality`] is a score 0-100 in the spirit of NFIQ's local measures, simple enough to rank
//! the attempts of one finger (not to compare with NFIQ values): the image is cut into 16 x 16
//! pixel blocks (about 1.7 ridge periods at 500 ppi); a block is *foreground* when it holds
//! ink, and *good* when its ridges have one clear orientation (gradient coherence at least
//! [`MIN_COHERENCE`]) and a clear ridge/valley contrast (grey standard deviation at least
//! [`MIN_CONTRAST`]). The score is the share of good blocks among the foreground blocks, but
//! counted against at least [`MIN_AREA_BLOCKS`], so that a tiny touch cannot score well.

use std::fmt;
use std::io::Cursor;

use image::{GrayImage, ImageFormat};
use rekam_fingerprint::{Capture, CaptureMode, Finger};

use crate::lang::{Lang, Localize};

/// One finger cut out of a capture.
#[derive(Debug, Clone, PartialEq)]
pub struct Crop {
    pub finger: Finger,
    /// Where the crop lies in the capture (pixels, left and top edge).
    pub x: u32,
    pub y: u32,
    pub image: GrayImage,
}

/// Why a capture could not be cut into the expected fingers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SegmentError {
    /// The image's size does not match its pixels.
    BadImage,
    /// Fewer finger columns than fingers expected.
    TooFew { found: usize, expected: usize },
}

impl fmt::Display for SegmentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.localize(Lang::En))
    }
}

impl std::error::Error for SegmentError {}

impl Localize for SegmentError {
    fn localize(&self, lang: Lang) -> String {
        match self {
            SegmentError::BadImage => lang
                .pick(
                    "Gambar dari pemindai rusak. Pindai ulang.",
                    "The scanner's image is damaged. Scan again.",
                )
                .to_owned(),
            SegmentError::TooFew { found, expected } => match lang {
                Lang::Id => format!(
                    "Hanya {found} dari {expected} jari terlihat pada gambar. Minta pemohon menempelkan jari-jari dengan rata dan sedikit terbuka, lalu pindai ulang."
                ),
                Lang::En => format!(
                    "Only {found} of {expected} fingers show in the image. Ask the applicant to press the fingers flat and slightly apart, then scan again."
                ),
            },
        }
    }
}

/// Pixels darker than this count as ink when the crop's rows are found.
const INK: u8 = 200;
/// Half width of the box filter over the column profile (pixels).
const SMOOTH: usize = 8;
/// A column belongs to a finger when its smoothed ink is above this share of the peak.
const COLUMN_SHARE: f32 = 0.10;
/// Runs closer than this are one finger (a dry stripe across a pad).
const MERGE_GAP: usize = 16;
/// Narrower runs are noise, not fingers (3 mm at 500 ppi).
const MIN_WIDTH: usize = 60;
/// Runs holding less than this share of the largest run's ink are noise (dust, a knuckle).
const MIN_MASS_SHARE: f32 = 0.12;
/// A valley inside a run splits it when it is below this share of the lower neighbouring peak.
const SPLIT_SHARE: f32 = 0.55;
/// When fingers are missing, a column wider than this many typical columns holds two.
const WIDE_FACTOR: f32 = 1.5;
/// Typical width of one finger's column when there is no other to compare with (pixels).
const SINGLE_FINGER_WIDTH: usize = 300;
/// Between two touching fingers the valley is shallower; split below this share of the peaks.
const TOUCH_SHARE: f32 = 0.9;
/// Margin kept around each crop (pixels).
const MARGIN: u32 = 8;

/// Where fingers usually land on a 3.2-inch 4-4-2 platen, as shares of the image width, left
/// to right in image order (the simulator's layout, which follows the FBI slap platen).
fn usual_places(mode: CaptureMode) -> Vec<f32> {
    match mode {
        CaptureMode::SlapRight => vec![0.21, 0.43, 0.65, 0.84],
        CaptureMode::SlapLeft => vec![0.16, 0.35, 0.57, 0.79],
        CaptureMode::TwoThumbs => vec![0.34, 0.66],
        CaptureMode::Flat(_) => vec![0.5],
    }
}

/// A run of finger columns `[x0, x1)` and the ink it holds.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Run {
    x0: usize,
    x1: usize,
    mass: f32,
}

impl Run {
    fn centre(&self) -> f32 {
        (self.x0 + self.x1) as f32 / 2.0
    }
}

/// Ink per column: the sum of `255 - grey` down the column.
fn column_ink(img: &GrayImage) -> Vec<f32> {
    let (w, _) = img.dimensions();
    let mut ink = vec![0f32; w as usize];
    for row in img.as_raw().chunks_exact(w as usize) {
        for (acc, &v) in ink.iter_mut().zip(row) {
            *acc += f32::from(255 - v);
        }
    }
    ink
}

/// Box filter of half width `half`.
fn smooth(values: &[f32], half: usize) -> Vec<f32> {
    let n = values.len();
    let mut prefix = Vec::with_capacity(n + 1);
    prefix.push(0f64);
    for v in values {
        prefix.push(prefix.last().copied().unwrap_or(0.0) + f64::from(*v));
    }
    (0..n)
        .map(|i| {
            let a = i.saturating_sub(half);
            let b = (i + half + 1).min(n);
            ((prefix[b] - prefix[a]) / (b - a) as f64) as f32
        })
        .collect()
}

/// The finger columns of a profile, left to right. `fingers` is how many fingers the capture
/// mode holds: while fewer columns are found, a column much wider than the others is taken
/// for two touching fingers and split at its deepest valley.
fn finger_runs(profile: &[f32], fingers: usize) -> Vec<Run> {
    let peak = profile.iter().copied().fold(0f32, f32::max);
    if peak <= 0.0 {
        return Vec::new();
    }
    let threshold = peak * COLUMN_SHARE;
    // Runs above the threshold, with short gaps closed.
    let mut runs: Vec<Run> = Vec::new();
    let mut start = None;
    for (x, &v) in profile.iter().enumerate().chain([(profile.len(), &0.0)]) {
        match (start, v > threshold) {
            (None, true) => start = Some(x),
            (Some(s), false) => {
                start = None;
                match runs.last_mut() {
                    Some(last) if s - last.x1 < MERGE_GAP => last.x1 = x,
                    _ => runs.push(Run {
                        x0: s,
                        x1: x,
                        mass: 0.0,
                    }),
                }
            }
            _ => {}
        }
    }
    // Clearly separated fingers: split at deep valleys.
    let mut split = Vec::new();
    for r in runs {
        split_run(profile, r, SPLIT_SHARE, &mut split);
    }
    let weigh = |runs: &mut Vec<Run>| {
        for r in runs.iter_mut() {
            r.mass = profile[r.x0..r.x1].iter().sum();
        }
        let biggest = runs.iter().map(|r| r.mass).fold(0f32, f32::max);
        runs.retain(|r| r.x1 - r.x0 >= MIN_WIDTH && r.mass >= biggest * MIN_MASS_SHARE);
    };
    weigh(&mut split);
    // Touching fingers: a column much wider than the others holds two.
    while split.len() < fingers {
        let Some((i, widest)) = split
            .iter()
            .copied()
            .enumerate()
            .max_by_key(|(_, r)| r.x1 - r.x0)
        else {
            break;
        };
        let mut others: Vec<usize> = split
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, r)| r.x1 - r.x0)
            .collect();
        others.sort_unstable();
        let typical = others
            .get(others.len() / 2)
            .copied()
            .unwrap_or(SINGLE_FINGER_WIDTH);
        if (widest.x1 - widest.x0) as f32 <= WIDE_FACTOR * typical as f32 {
            break;
        }
        let mut halves = Vec::new();
        split_run(profile, widest, TOUCH_SHARE, &mut halves);
        if halves.len() < 2 {
            break;
        }
        split.splice(i..=i, halves);
        weigh(&mut split);
    }
    split
}

/// Splits `run` at its deepest valley when that valley is below `share` of the peaks either
/// side (and both sides are wide enough to be fingers), recursively.
fn split_run(profile: &[f32], run: Run, share: f32, out: &mut Vec<Run>) {
    let inner = run.x0 + MIN_WIDTH..run.x1.saturating_sub(MIN_WIDTH);
    let valley = inner
        .clone()
        .filter(|&x| profile[x] <= profile[x - 1] && profile[x] <= profile[x + 1])
        .min_by(|&a, &b| profile[a].total_cmp(&profile[b]));
    if let Some(v) = valley {
        let left = profile[run.x0..v].iter().copied().fold(0f32, f32::max);
        let right = profile[v..run.x1].iter().copied().fold(0f32, f32::max);
        if profile[v] < share * left.min(right) {
            split_run(profile, Run { x1: v, ..run }, share, out);
            split_run(profile, Run { x0: v, ..run }, share, out);
            return;
        }
    }
    out.push(run);
}

/// Matches `runs` (left to right) to `slots` usual centres (left to right) in order,
/// minimising the distance between each run and its slot. Needs `runs.len() <= slots.len()`.
/// Returns the slot of each run.
fn align(runs: &[f32], slots: &[f32]) -> Vec<usize> {
    let (n, m) = (runs.len(), slots.len());
    // cost[i][j]: best cost of placing the first i runs in the first j slots.
    let inf = f32::INFINITY;
    let mut cost = vec![vec![inf; m + 1]; n + 1];
    let mut took = vec![vec![false; m + 1]; n + 1];
    for row in cost.iter_mut().take(1) {
        row.fill(0.0);
    }
    for i in 1..=n {
        for j in i..=m {
            let skip = cost[i][j - 1];
            let take = cost[i - 1][j - 1] + (runs[i - 1] - slots[j - 1]).abs();
            if take <= skip {
                cost[i][j] = take;
                took[i][j] = true;
            } else {
                cost[i][j] = skip;
            }
        }
    }
    let mut out = vec![0; n];
    let (mut i, mut j) = (n, m);
    while i > 0 && j > 0 {
        if took[i][j] {
            out[i - 1] = j - 1;
            i -= 1;
        }
        j -= 1;
    }
    out
}

/// Cuts `img`, captured in `mode`, into one crop per finger of `expected` (the fingers of the
/// mode not recorded as exceptions), left to right as they lie in the image.
pub fn segment(
    img: &GrayImage,
    mode: CaptureMode,
    expected: &[Finger],
) -> Result<Vec<Crop>, SegmentError> {
    let slots = mode.fingers();
    let wanted: Vec<Finger> = slots
        .iter()
        .copied()
        .filter(|f| expected.contains(f))
        .collect();
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let (w, h) = img.dimensions();
    if w == 0 || h == 0 {
        return Err(SegmentError::BadImage);
    }
    let profile = smooth(&column_ink(img), SMOOTH);
    let mut runs = finger_runs(&profile, slots.len());
    // More columns than fingers on the platen: keep the ones with the most ink.
    if runs.len() > slots.len() {
        runs.sort_by(|a, b| b.mass.total_cmp(&a.mass));
        runs.truncate(slots.len());
        runs.sort_by_key(|r| r.x0);
    }
    if runs.len() < wanted.len() {
        return Err(SegmentError::TooFew {
            found: runs.len(),
            expected: wanted.len(),
        });
    }
    let assigned: Vec<(Finger, Run)> = if runs.len() == wanted.len() {
        wanted.iter().copied().zip(runs.iter().copied()).collect()
    } else {
        let places: Vec<f32> = usual_places(mode)
            .into_iter()
            .map(|s| s * w as f32)
            .collect();
        let centres: Vec<f32> = runs.iter().map(Run::centre).collect();
        align(&centres, &places)
            .into_iter()
            .zip(runs.iter().copied())
            .filter_map(|(slot, run)| {
                let finger = *slots.get(slot)?;
                wanted.contains(&finger).then_some((finger, run))
            })
            .collect()
    };
    if assigned.len() < wanted.len() {
        return Err(SegmentError::TooFew {
            found: assigned.len(),
            expected: wanted.len(),
        });
    }
    Ok(assigned
        .into_iter()
        .map(|(finger, run)| crop(img, finger, run))
        .collect())
}

/// The crop of one finger column: its columns (with a margin), and the rows that hold ink in
/// them.
fn crop(img: &GrayImage, finger: Finger, run: Run) -> Crop {
    let (w, h) = img.dimensions();
    let (x0, x1) = (run.x0 as u32, run.x1 as u32);
    // Rows are judged on the middle half of the column: tilted neighbours reach into its
    // edges, not its middle.
    let quarter = (x1 - x0) / 4;
    let (m0, m1) = (x0 + quarter, x1 - quarter);
    let inked = |y: u32| (m0..m1).filter(|&x| img.get_pixel(x, y).0[0] < INK).count();
    // A row belongs to the finger when a few percent of it is ink.
    let need = ((m1 - m0) as usize / 25).max(3);
    let top = (0..h).find(|&y| inked(y) >= need).unwrap_or(0);
    let bottom = (0..h).rev().find(|&y| inked(y) >= need).unwrap_or(h - 1);
    let cx0 = x0.saturating_sub(MARGIN);
    let cx1 = (x1 + MARGIN).min(w);
    let cy0 = top.saturating_sub(MARGIN);
    let cy1 = (bottom + 1 + MARGIN).min(h).max(cy0 + 1);
    let image = image::imageops::crop_imm(img, cx0, cy0, cx1 - cx0, cy1 - cy0).to_image();
    Crop {
        finger,
        x: cx0,
        y: cy0,
        image,
    }
}

/// The capture as an image (`None` when its pixels do not fill its size).
pub fn capture_image(capture: &Capture) -> Option<GrayImage> {
    GrayImage::from_raw(capture.width, capture.height, capture.pixels.clone())
}

/// Side of the quality blocks (pixels).
pub const BLOCK: u32 = 16;
/// A block holds ink when its mean grey is below this.
const FOREGROUND_MEAN: f32 = 235.0;
/// Gradient coherence of a block (0 = no direction, 1 = one direction): at or below `.0` the
/// block counts nothing, from `.1` on fully.
pub const COHERENCE: (f32, f32) = (0.3, 0.8);
/// Grey standard deviation of a block (ridge/valley contrast), the same way.
pub const CONTRAST: (f32, f32) = (12.0, 70.0);
/// The score counts against at least this many blocks (a fingertip's worth, about 13 x 13 mm
/// at 500 ppi), so that a partial touch cannot score well.
pub const MIN_AREA_BLOCKS: u32 = 160;
/// Below this score an impression is weak: the screen suggests another attempt.
pub const GOOD_ENOUGH: u8 = 40;

/// Where `v` lies between `range.0` (0) and `range.1` (1), clamped.
fn ramp(v: f32, range: (f32, f32)) -> f32 {
    ((v - range.0) / (range.1 - range.0)).clamp(0.0, 1.0)
}

/// The quality of a finger image, 0-100: each foreground block scores its coherence times its
/// contrast (each ramped between the bounds of [`COHERENCE`] and [`CONTRAST`]), and the
/// score is their sum over the foreground blocks, or over [`MIN_AREA_BLOCKS`] if fewer.
pub fn quality(img: &GrayImage) -> u8 {
    let (w, h) = img.dimensions();
    if w < BLOCK + 2 || h < BLOCK + 2 {
        return 0;
    }
    let px = |x: u32, y: u32| f32::from(img.get_pixel(x, y).0[0]);
    let (mut foreground, mut score) = (0u32, 0f32);
    let mut by = 1;
    while by + BLOCK < h {
        let mut bx = 1;
        while bx + BLOCK < w {
            let (mut sum, mut sum2) = (0f32, 0f32);
            let (mut gxx, mut gyy, mut gxy) = (0f32, 0f32, 0f32);
            for y in by..by + BLOCK {
                for x in bx..bx + BLOCK {
                    let v = px(x, y);
                    sum += v;
                    sum2 += v * v;
                    let gx = px(x + 1, y) - px(x - 1, y);
                    let gy = px(x, y + 1) - px(x, y - 1);
                    gxx += gx * gx;
                    gyy += gy * gy;
                    gxy += gx * gy;
                }
            }
            let n = (BLOCK * BLOCK) as f32;
            let mean = sum / n;
            if mean < FOREGROUND_MEAN {
                foreground += 1;
                let contrast = (sum2 / n - mean * mean).max(0.0).sqrt();
                let energy = gxx + gyy;
                let coherence = if energy > 0.0 {
                    ((gxx - gyy).powi(2) + 4.0 * gxy * gxy).sqrt() / energy
                } else {
                    0.0
                };
                score += ramp(coherence, COHERENCE) * ramp(contrast, CONTRAST);
            }
            bx += BLOCK;
        }
        by += BLOCK;
    }
    let base = foreground.max(MIN_AREA_BLOCKS) as f32;
    (100.0 * score / base).round().clamp(0.0, 100.0) as u8
}

/// A crop as PNG, as the captures are stored.
pub fn encode_png(img: &GrayImage) -> Result<Vec<u8>, image::ImageError> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png)?;
    Ok(out.into_inner())
}

/// One finger of a capture, ready to store: its crop, quality and PNG bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Print {
    pub finger: Finger,
    pub crop: Crop,
    pub quality: u8,
    pub png: Vec<u8>,
}

/// Why a capture could not be turned into prints.
#[derive(Debug, Clone)]
pub enum PrintError {
    Segment(SegmentError),
    Encode(String),
}

impl Localize for PrintError {
    fn localize(&self, lang: Lang) -> String {
        match self {
            PrintError::Segment(e) => e.localize(lang),
            PrintError::Encode(e) => match lang {
                Lang::Id => format!("Gambar sidik jari tidak dapat disimpan sebagai PNG ({e})."),
                Lang::En => format!("The fingerprint image could not be encoded as PNG ({e})."),
            },
        }
    }
}

/// Segments a capture, scores each finger and encodes it: all the work between the scanner's
/// image and the store (slow: run it off the UI thread).
pub fn prints(capture: &Capture, expected: &[Finger]) -> Result<Vec<Print>, PrintError> {
    let img = capture_image(capture).ok_or(PrintError::Segment(SegmentError::BadImage))?;
    segment(&img, capture.mode, expected)
        .map_err(PrintError::Segment)?
        .into_iter()
        .map(|crop| {
            let quality = quality(&crop.image);
            let png = encode_png(&crop.image).map_err(|e| PrintError::Encode(e.to_string()))?;
            Ok(Print {
                finger: crop.finger,
                crop,
                quality,
                png,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, OnceLock};
    use std::time::Duration;

    use rekam_fingerprint::Scanner;
    use rekam_fingerprint::sim::{SimConfig, SimDevice};
    use rekam_fingerprint::synth::{Pose, SyntheticPerson};

    fn person() -> Arc<SyntheticPerson> {
        static P: OnceLock<Arc<SyntheticPerson>> = OnceLock::new();
        P.get_or_init(|| Arc::new(SyntheticPerson::new(31))).clone()
    }

    /// Captures in `mode` through the real driver from the simulated scanner (impression
    /// seed `n`), with where the simulator put each finger.
    fn capture(mode: CaptureMode, n: u64) -> (Capture, Vec<Pose>) {
        let device = SimDevice::new(SimConfig {
            person_seed: 31,
            impression_seed: n,
            ..SimConfig::fast()
        })
        .with_person(person());
        let mut scanner = Scanner::open(device.open().expect("plugged")).expect("opens");
        let c = scanner
            .capture(mode, Duration::from_secs(5))
            .expect("captures");
        let poses = device.last_image().expect("sent").poses;
        (c, poses)
    }

    fn contains(c: &Crop, x: f32, y: f32) -> bool {
        let (x0, y0) = (c.x as f32, c.y as f32);
        x >= x0 && y >= y0 && x < x0 + c.image.width() as f32 && y < y0 + c.image.height() as f32
    }

    #[test]
    fn each_slap_gives_one_crop_per_finger_in_platen_order_around_where_it_landed() {
        for n in 0..4 {
            for mode in [
                CaptureMode::SlapRight,
                CaptureMode::SlapLeft,
                CaptureMode::TwoThumbs,
            ] {
                let (c, poses) = capture(mode, n);
                let img = capture_image(&c).expect("image");
                let crops = segment(&img, mode, &mode.fingers()).expect("segments");
                let fingers: Vec<Finger> = crops.iter().map(|c| c.finger).collect();
                assert_eq!(fingers, mode.fingers(), "{mode} #{n}");
                for pair in crops.windows(2) {
                    assert!(pair[0].x < pair[1].x, "left to right: {mode} #{n}");
                }
                for crop in &crops {
                    let (w, h) = crop.image.dimensions();
                    assert!(
                        (150..=520).contains(&w) && (250..=760).contains(&h),
                        "{} of {mode} #{n} is {w}x{h}",
                        crop.finger
                    );
                    // The simulator knows where it pressed each finger: its pad centre is in
                    // the crop that carries its name.
                    let pose = poses
                        .iter()
                        .find(|p| p.finger == crop.finger)
                        .expect("pose");
                    assert!(
                        contains(crop, pose.x, pose.y),
                        "{} of {mode} #{n}: pad at ({}, {}) outside the crop at ({}, {}) {w}x{h}",
                        crop.finger,
                        pose.x,
                        pose.y,
                        crop.x,
                        crop.y
                    );
                }
            }
        }
    }

    #[test]
    fn a_finger_left_out_leaves_three_crops_mapped_to_the_right_fingers() {
        let mode = CaptureMode::SlapRight;
        let (c, poses) = capture(mode, 2);
        let img = capture_image(&c).expect("image");
        let all = segment(&img, mode, &mode.fingers()).expect("four");
        let ring = all
            .iter()
            .find(|c| c.finger == Finger::RightRing)
            .expect("ring");
        let expected = [Finger::RightIndex, Finger::RightMiddle, Finger::RightLittle];

        // The applicant's ring finger is missing: its columns are blank on the platen.
        let mut missing = img.clone();
        for y in 0..missing.height() {
            for x in ring.x + MARGIN..ring.x + ring.image.width() - MARGIN {
                missing.put_pixel(x, y, image::Luma([255]));
            }
        }
        let three = segment(&missing, mode, &expected).expect("three");
        assert_eq!(
            three.iter().map(|c| c.finger).collect::<Vec<_>>(),
            expected.to_vec()
        );
        // A bandaged finger laid down anyway: four columns, the excepted one is dropped by
        // where fingers usually lie.
        let dropped = segment(&img, mode, &expected).expect("three of four");
        assert_eq!(dropped.len(), 3);
        for crops in [&three, &dropped] {
            for crop in crops.iter() {
                let pose = poses
                    .iter()
                    .find(|p| p.finger == crop.finger)
                    .expect("pose");
                assert!(contains(crop, pose.x, pose.y), "{}", crop.finger);
            }
        }
        // Expecting all four on a platen with three is refused with what was found.
        assert_eq!(
            segment(&missing, mode, &mode.fingers()),
            Err(SegmentError::TooFew {
                found: 3,
                expected: 4
            })
        );
        // Nothing on the platen at all.
        let blank = GrayImage::from_pixel(1600, 1500, image::Luma([255]));
        assert!(matches!(
            segment(&blank, mode, &expected),
            Err(SegmentError::TooFew { found: 0, .. })
        ));
        // Every finger excepted: nothing to cut.
        assert_eq!(segment(&img, mode, &[]), Ok(Vec::new()));
    }

    #[test]
    fn a_real_impression_scores_above_a_blurred_one_and_a_blank_one() {
        let (c, _) = capture(CaptureMode::TwoThumbs, 5);
        let img = capture_image(&c).expect("image");
        for crop in segment(&img, c.mode, &c.mode.fingers()).expect("segments") {
            let real = quality(&crop.image);
            let blurred = quality(&image::imageops::blur(&crop.image, 3.0));
            let faint = quality(&GrayImage::from_fn(
                crop.image.width(),
                crop.image.height(),
                |x, y| image::Luma([crop.image.get_pixel(x, y).0[0] / 8 + 222]),
            ));
            let blank = quality(&GrayImage::from_pixel(300, 400, image::Luma([255])));
            assert!(real >= GOOD_ENOUGH, "{}: {real}", crop.finger);
            assert!(real > blurred + 20, "{}: {real} vs {blurred}", crop.finger);
            assert!(real > faint + 20, "{}: {real} vs {faint}", crop.finger);
            assert_eq!(blank, 0);
        }
        // A small touch cannot score well, however clear its ridges.
        let crop = &segment(&img, c.mode, &c.mode.fingers()).expect("segments")[0];
        let (w, h) = crop.image.dimensions();
        let tip = image::imageops::crop_imm(&crop.image, w / 2 - 50, h / 2 - 50, 100, 100);
        assert!(quality(&tip.to_image()) < GOOD_ENOUGH);
    }

    #[test]
    fn prints_are_scored_and_encoded_as_png() {
        let (c, _) = capture(CaptureMode::SlapLeft, 1);
        let got = prints(&c, &[Finger::LeftIndex, Finger::LeftMiddle]).expect("prints");
        assert_eq!(
            got.iter().map(|p| p.finger).collect::<Vec<_>>(),
            [Finger::LeftMiddle, Finger::LeftIndex],
            "in image order: the left hand's index is on the right"
        );
        for p in got {
            let decoded = image::load_from_memory_with_format(&p.png, ImageFormat::Png)
                .expect("png")
                .into_luma8();
            assert_eq!(decoded, p.crop.image);
            assert_eq!(p.quality, quality(&p.crop.image));
        }
        let broken = Capture {
            pixels: vec![0; 10],
            ..c
        };
        assert!(matches!(
            prints(&broken, &[Finger::LeftIndex]),
            Err(PrintError::Segment(SegmentError::BadImage))
        ));
    }

    #[test]
    fn columns_are_matched_to_the_nearest_usual_places_in_order() {
        let places = [330.0, 690.0, 1035.0, 1340.0];
        assert_eq!(align(&[330.0, 1035.0, 1340.0], &places), [0, 2, 3]);
        assert_eq!(align(&[300.0, 700.0], &places), [0, 1]);
        assert_eq!(align(&[1000.0, 1300.0], &places), [2, 3]);
        assert_eq!(align(&[], &places), Vec::<usize>::new());
    }
}
