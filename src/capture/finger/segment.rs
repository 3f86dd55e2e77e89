//! Segmentation of a slap into one crop per finger.
//!
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

use std::fmt;

use image::GrayImage;
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
pub(super) const MARGIN: u32 = 8;

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
pub(super) fn align(runs: &[f32], slots: &[f32]) -> Vec<usize> {
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
