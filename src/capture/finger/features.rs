//! Block features of a finger image, in the families NFIQ 2 measures (ISO/IEC 29794-4): the
//! foreground and its area, grey level (`Mu`, `MMB`), orientation certainty (OCL), local
//! clarity (LCS), frequency domain analysis (FDA) and ridge-valley uniformity (RVU), computed
//! in one pass over 32 x 32 pixel blocks. Orientation flow (OF) and the summaries the quality
//! model reads are derived from them (`model.rs`).
//!
//! Each block's ridges are read from its *ridge profile*: the grey levels of a 32 x 16 pixel
//! strip centred on the block and turned so that its long side runs across the ridges (the
//! dominant gradient direction), averaged along the ridges into 32 samples. A clear block has
//! a profile that swings regularly between ridge and valley, and pixels that stay close to
//! their sample of the profile; a smeared one has a flat profile, a noisy one pixels far from
//! it. Gradients and grey moments are integer sums; each block's strip is read once, and its
//! spectrum is a 32-point DFT from a sine table.

use image::GrayImage;

/// Side of the blocks the local features are computed on (pixels; about three ridge periods at
/// 500 ppi, as NFIQ 2's blocks).
pub const BLOCK: u32 = 32;
/// Side of the cells the foreground mask is judged on (pixels).
pub const CELL: u32 = 16;
/// A cell is foreground (skin or residue on the glass) when its mean grey is below this (the
/// background is near white) ...
pub const FOREGROUND_MEAN: f32 = 240.0;
/// ... or its grey standard deviation is at least this while its mean is below
/// [`BACKGROUND_MEAN`] (a very faint print).
pub const FOREGROUND_STD: f32 = 10.0;
/// Cells at least this light are background whatever their spread (sensor noise).
pub const BACKGROUND_MEAN: f32 = 250.0;
/// A cell is dark when its mean grey is below this: ink, whether it holds ridges or not.
pub const DARK_MEAN: f32 = 175.0;
/// A block whose ridge profile explains at least this share of its grey variance shows ridges
/// even when they are too thick or thin for the local clarity.
pub const RIDGE_CLARITY: f32 = 0.5;
/// A block's local features are computed when its grey standard deviation is above this share
/// of the whole image's (NFIQ 2's ridge segmentation: 0.1 of the normalised image) ...
const BLOCK_SPREAD: f32 = 0.1;
/// ... and above this many grey levels (an empty image has no spread to be a share of).
const MIN_BLOCK_STD: f32 = 5.0;
/// Half width of the strip a ridge profile is read from, along the ridges (pixels).
const STRIP_HALF: f32 = 8.0;
/// Samples of a ridge profile (one per pixel across the ridges).
const PROFILE: usize = 32;
/// Ridge periods at 500 ppi lie between these (pixels): the profile's frequency band.
const PERIOD_MIN: f32 = 4.5;
const PERIOD_MAX: f32 = 16.0;

/// The features of one 32 x 32 block with ridges (or at least grey spread).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BlockFeatures {
    /// Block position in blocks (column, row).
    pub bx: u32,
    pub by: u32,
    pub mean: f32,
    pub std: f32,
    /// Orientation certainty, 0 (no direction) to 1 (one direction): gradient coherence.
    pub ocl: f32,
    /// Ridge orientation, radians in `[0, pi)`.
    pub orientation: f32,
    /// Local clarity, 0 to 1, as NFIQ 2 defines it: the profile is cut into ridge and valley
    /// by its linear trend; when the mean ridge and valley widths are plausible (3-10 and
    /// 2-10 pixels) it is the share of the strip's pixels on the right side of the cut, else 0.
    pub lcs: f32,
    /// The share of the strip's grey variance that the ridge profile explains, 0 to 1.
    pub clarity: f32,
    /// Frequency domain analysis, 0 to 1: the share of the profile's spectrum at its dominant
    /// ridge frequency.
    pub fda: f32,
    /// The profile's strongest frequency is its lowest (one swing over the strip): no ridge
    /// period, a smear or the edge of the print.
    pub flat: bool,
    /// Ridge period found by the FDA (pixels).
    pub period: f32,
}

/// The features of a finger image.
#[derive(Debug, Clone, PartialEq)]
pub struct Features {
    pub width: u32,
    pub height: u32,
    /// Foreground cells (16 x 16), and the mask itself (row-major, `cells_x * cells_y`).
    pub cells_x: u32,
    pub cells_y: u32,
    pub mask: Vec<bool>,
    /// Cells darker than [`DARK_MEAN`] (ink with or without ridges).
    pub dark: Vec<bool>,
    pub blocks: Vec<BlockFeatures>,
    /// Ratios of the widths of neighbouring ridges and valleys across all blocks (NFIQ 2's
    /// ridge-valley uniformity, RVU): 1 when they are even.
    pub rvu: Vec<f32>,
    /// Mean grey of the whole image (NFIQ 2's `Mu`).
    pub mu: f32,
}

impl Features {
    /// Foreground area in cells.
    pub fn area_cells(&self) -> usize {
        self.mask.iter().filter(|m| **m).count()
    }

    /// Foreground area in square millimetres.
    pub fn area_mm2(&self) -> f32 {
        cells_mm2(self.area_cells())
    }

    /// Dark cells that no block showing ridges covers: ink without ridge structure (a wet
    /// smear, residue on the glass). Row-major, like [`Features::mask`].
    pub fn smeared(&self) -> Vec<bool> {
        let per = (BLOCK / CELL) as usize;
        let cols = self.cells_x as usize;
        let mut covered = vec![false; self.dark.len()];
        for b in self.blocks.iter().filter(|b| b.shows_ridges()) {
            for dy in 0..per {
                for dx in 0..per {
                    let (x, y) = (b.bx as usize * per + dx, b.by as usize * per + dy);
                    if x < cols && y < self.cells_y as usize {
                        covered[y * cols + x] = true;
                    }
                }
            }
        }
        self.dark
            .iter()
            .zip(&covered)
            .map(|(d, c)| *d && !*c)
            .collect()
    }

    /// How many cells are [`Features::smeared`].
    pub fn smeared_cells(&self) -> usize {
        self.smeared().iter().filter(|s| **s).count()
    }

    /// Blocks whose ridges are clear enough for NFIQ 2's local clarity (plausible ridge and
    /// valley widths).
    pub fn clear_blocks(&self) -> usize {
        self.blocks.iter().filter(|b| b.lcs > 0.0).count()
    }

    /// Ridge contrast: the median grey standard deviation of the clear blocks (0 without
    /// any). A heavy blur or a very faint print leaves clear but shallow ridges.
    pub fn ridge_contrast(&self) -> f32 {
        let mut spread: Vec<f32> = self
            .blocks
            .iter()
            .filter(|b| b.lcs > 0.0)
            .map(|b| b.std)
            .collect();
        if spread.is_empty() {
            return 0.0;
        }
        spread.sort_by(f32::total_cmp);
        spread[spread.len() / 2]
    }
}

impl BlockFeatures {
    /// The block shows ridges: its ridge and valley widths are plausible (local clarity above
    /// 0), or its profile explains at least [`RIDGE_CLARITY`] of its grey variance at a ridge
    /// period.
    pub fn shows_ridges(&self) -> bool {
        self.lcs > 0.0 || (self.clarity >= RIDGE_CLARITY && !self.flat)
    }
}

/// Square millimetres of `cells` cells at 500 ppi (0.0508 mm per pixel).
pub fn cells_mm2(cells: usize) -> f32 {
    let mm = CELL as f32 * 25.4 / 500.0;
    cells as f32 * mm * mm
}

/// Mean and standard deviation of one cell (integer sums).
fn cell_stats(raw: &[u8], width: usize, x0: usize, y0: usize, side: usize) -> (f32, f32) {
    let (mut sum, mut sum2) = (0u32, 0u64);
    for row in raw[y0 * width..].chunks_exact(width).take(side) {
        for &v in &row[x0..x0 + side] {
            sum += u32::from(v);
            sum2 += u64::from(v) * u64::from(v);
        }
    }
    let n = (side * side) as f64;
    let mean = f64::from(sum) / n;
    let var = (sum2 as f64 / n - mean * mean).max(0.0);
    (mean as f32, var.sqrt() as f32)
}

/// The features of `img` (255 = background, dark = ridge).
pub fn features(img: &GrayImage) -> Features {
    let (w, h) = img.dimensions();
    let raw = img.as_raw();
    let width = w as usize;
    let (cells_x, cells_y) = (w / CELL, h / CELL);
    let mut mask = Vec::with_capacity((cells_x * cells_y) as usize);
    let mut dark = Vec::with_capacity(mask.capacity());
    for cy in 0..cells_y {
        for cx in 0..cells_x {
            let (mean, std) = cell_stats(
                raw,
                width,
                (cx * CELL) as usize,
                (cy * CELL) as usize,
                CELL as usize,
            );
            mask.push(mean < FOREGROUND_MEAN || (std >= FOREGROUND_STD && mean < BACKGROUND_MEAN));
            dark.push(mean < DARK_MEAN);
        }
    }
    let total: u64 = raw.iter().map(|&v| u64::from(v)).sum();
    let total2: u64 = raw.iter().map(|&v| u64::from(v) * u64::from(v)).sum();
    let n = raw.len().max(1) as f64;
    let mu = if raw.is_empty() {
        255.0
    } else {
        (total as f64 / n) as f32
    };
    let spread = (total2 as f64 / n - f64::from(mu).powi(2)).max(0.0).sqrt() as f32;
    let threshold = (BLOCK_SPREAD * spread).max(MIN_BLOCK_STD);
    let mut blocks = Vec::new();
    let mut rvu = Vec::new();
    for by in 0..h / BLOCK {
        for bx in 0..w / BLOCK {
            let (_, block_std) = cell_stats(
                raw,
                width,
                (bx * BLOCK) as usize,
                (by * BLOCK) as usize,
                BLOCK as usize,
            );
            if block_std > threshold {
                blocks.push(block(img, bx, by, &mut rvu));
            }
        }
    }
    Features {
        width: w,
        height: h,
        cells_x,
        cells_y,
        mask,
        dark,
        blocks,
        rvu,
        mu,
    }
}

/// The features of block `(bx, by)`; its ridge-valley width ratios go to `rvu`.
fn block(img: &GrayImage, bx: u32, by: u32, rvu: &mut Vec<f32>) -> BlockFeatures {
    let (w, h) = img.dimensions();
    let raw = img.as_raw();
    let width = w as usize;
    let at = |x: i64, y: i64| -> i32 {
        let x = x.clamp(0, i64::from(w) - 1) as usize;
        let y = y.clamp(0, i64::from(h) - 1) as usize;
        i32::from(raw[y * width + x])
    };
    let (x0, y0) = (i64::from(bx * BLOCK), i64::from(by * BLOCK));
    // Gradient covariance and grey moments over the block (integers).
    let (mut gxx, mut gyy, mut gxy) = (0i64, 0i64, 0i64);
    let (mut sum, mut sum2) = (0i64, 0i64);
    for y in y0..y0 + i64::from(BLOCK) {
        for x in x0..x0 + i64::from(BLOCK) {
            let v = at(x, y);
            sum += i64::from(v);
            sum2 += i64::from(v * v);
            let gx = i64::from(at(x + 1, y) - at(x - 1, y));
            let gy = i64::from(at(x, y + 1) - at(x, y - 1));
            gxx += gx * gx;
            gyy += gy * gy;
            gxy += gx * gy;
        }
    }
    let n = f64::from(BLOCK * BLOCK);
    let mean = sum as f64 / n;
    let std = (sum2 as f64 / n - mean * mean).max(0.0).sqrt();
    let energy = (gxx + gyy) as f64;
    let diff = (gxx - gyy) as f64;
    let ocl = if energy > 0.0 {
        ((diff * diff + 4.0 * (gxy as f64) * (gxy as f64)).sqrt() / energy) as f32
    } else {
        0.0
    };
    // The gradient runs across the ridges.
    let across = 0.5 * (2.0 * gxy as f64).atan2(diff);
    let (ny, nx) = (across.sin() as f32, across.cos() as f32);
    let orientation =
        ((across + std::f64::consts::FRAC_PI_2).rem_euclid(std::f64::consts::PI)) as f32;

    // The turned strip: every pixel with its sample of the profile (its distance across the
    // ridges from the block's centre).
    let (cx, cy) = (
        x0 as f32 + BLOCK as f32 / 2.0 - 0.5,
        y0 as f32 + BLOCK as f32 / 2.0 - 0.5,
    );
    let half = PROFILE as f32 / 2.0;
    let reach = (half + STRIP_HALF).ceil() as i64;
    let (ix, iy) = (cx.round() as i64, cy.round() as i64);
    let mut strip: Vec<(u8, u8)> = Vec::with_capacity(PROFILE * 2 * STRIP_HALF as usize + 64);
    let mut bin_sum = [0u32; PROFILE];
    let mut bin_sum2 = [0u64; PROFILE];
    let mut bin_n = [0u32; PROFILE];
    for y in iy - reach..=iy + reach {
        let dy = y as f32 - cy;
        for x in ix - reach..=ix + reach {
            let dx = x as f32 - cx;
            let t = dx * nx + dy * ny;
            let s = dy * nx - dx * ny;
            if s.abs() > STRIP_HALF || t.abs() >= half {
                continue;
            }
            let bin = ((t + half) as usize).min(PROFILE - 1);
            let v = at(x, y) as u32;
            bin_sum[bin] += v;
            bin_sum2[bin] += u64::from(v * v);
            bin_n[bin] += 1;
            strip.push((bin as u8, v as u8));
        }
    }
    let mut profile = [0f32; PROFILE];
    let (mut within, mut count, mut total) = (0f64, 0f64, 0f64);
    for i in 0..PROFILE {
        let k = f64::from(bin_n[i].max(1));
        profile[i] = (f64::from(bin_sum[i]) / k) as f32;
        within += bin_sum2[i] as f64 - f64::from(bin_sum[i]).powi(2) / k;
        count += f64::from(bin_n[i]);
        total += f64::from(bin_sum[i]);
    }
    let grand = total / count.max(1.0);
    let between: f64 = (0..PROFILE)
        .map(|i| f64::from(bin_n[i]) * (f64::from(profile[i]) - grand).powi(2))
        .sum();
    let clarity = if between + within > 0.0 {
        (between / (between + within.max(0.0))) as f32
    } else {
        0.0
    };
    let trend = trend(&profile);
    let ridge: [bool; PROFILE] = std::array::from_fn(|i| profile[i] < trend[i]);
    let lcs = local_clarity(&ridge, &trend, &strip);
    widths_ratios(&ridge, rvu);
    let (fda, period, flat) = spectrum(&profile);
    BlockFeatures {
        bx,
        by,
        mean: mean as f32,
        std: std as f32,
        ocl,
        orientation,
        lcs,
        clarity,
        fda,
        flat,
        period,
    }
}

/// The least-squares line through the profile: the cut between ridge (below) and valley.
fn trend(profile: &[f32; PROFILE]) -> [f32; PROFILE] {
    let n = PROFILE as f32;
    let mx = (n - 1.0) / 2.0;
    let my = profile.iter().sum::<f32>() / n;
    let (mut sxy, mut sxx) = (0f32, 0f32);
    for (i, v) in profile.iter().enumerate() {
        let dx = i as f32 - mx;
        sxy += dx * (v - my);
        sxx += dx * dx;
    }
    let slope = sxy / sxx;
    std::array::from_fn(|i| my + slope * (i as f32 - mx))
}

/// The runs of ridge and valley of a cut profile, as (is ridge, length).
fn runs(ridge: &[bool; PROFILE]) -> Vec<(bool, usize)> {
    let mut out: Vec<(bool, usize)> = Vec::new();
    for &r in ridge {
        match out.last_mut() {
            Some((kind, len)) if *kind == r => *len += 1,
            _ => out.push((r, 1)),
        }
    }
    out
}

/// NFIQ 2's local clarity of a block from its cut profile and strip pixels.
fn local_clarity(ridge: &[bool; PROFILE], trend: &[f32; PROFILE], strip: &[(u8, u8)]) -> f32 {
    let runs = runs(ridge);
    if runs.len() < 2 {
        return 0.0;
    }
    let mean_width = |kind: bool| {
        let w: Vec<usize> = runs.iter().filter(|r| r.0 == kind).map(|r| r.1).collect();
        w.iter().sum::<usize>() as f32 / w.len().max(1) as f32
    };
    let (wr, wv) = (mean_width(true), mean_width(false));
    if !(3.0..=10.0).contains(&wr) || !(2.0..=10.0).contains(&wv) {
        return 0.0;
    }
    let (mut ridge_bad, mut ridge_n, mut valley_bad, mut valley_n) = (0u32, 0u32, 0u32, 0u32);
    for &(bin, v) in strip {
        let (b, v) = (usize::from(bin), f32::from(v));
        if ridge[b] {
            ridge_n += 1;
            ridge_bad += u32::from(v >= trend[b]);
        } else {
            valley_n += 1;
            valley_bad += u32::from(v < trend[b]);
        }
    }
    let share = |bad: u32, n: u32| bad as f32 / n.max(1) as f32;
    1.0 - (share(ridge_bad, ridge_n) + share(valley_bad, valley_n)) / 2.0
}

/// Ratios of the widths of neighbouring complete runs of a cut profile (the first and last run
/// are cut off by the strip and left out), each as ridge width over valley width.
fn widths_ratios(ridge: &[bool; PROFILE], out: &mut Vec<f32>) {
    let runs = runs(ridge);
    if runs.len() < 4 {
        return;
    }
    let inner = &runs[1..runs.len() - 1];
    for pair in inner.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        // Ridge width over valley width, whichever comes first.
        let ratio = if a.0 {
            a.1 as f32 / b.1 as f32
        } else {
            b.1 as f32 / a.1 as f32
        };
        out.push(ratio);
    }
}

/// The share of the profile's spectrum (DC left out) at its strongest ridge frequency, with
/// 0.3 of its two neighbours (NFIQ 2's FDA); the period of that frequency; and whether the
/// strongest frequency of all is the lowest (no ridge period).
fn spectrum(profile: &[f32; PROFILE]) -> (f32, f32, bool) {
    let n = PROFILE as f32;
    let mean = profile.iter().sum::<f32>() / n;
    let mut amp = [0f32; PROFILE / 2 + 1];
    for (k, a) in amp.iter_mut().enumerate().skip(1) {
        let (mut re, mut im) = (0f32, 0f32);
        for (i, v) in profile.iter().enumerate() {
            let (s, c) = cos_sin(k * i);
            re += (v - mean) * c;
            im += (v - mean) * s;
        }
        *a = (re * re + im * im).sqrt();
    }
    let total: f32 = amp[1..PROFILE / 2].iter().sum();
    if total <= 0.0 {
        return (0.0, 0.0, true);
    }
    let strongest = (1..=PROFILE / 2).fold(1, |best, k| if amp[k] > amp[best] { k } else { best });
    let lo = (n / PERIOD_MAX).ceil() as usize;
    let hi = ((n / PERIOD_MIN).floor() as usize).min(PROFILE / 2 - 1);
    let k = (lo..=hi).fold(lo, |best, k| if amp[k] > amp[best] { k } else { best });
    let peak = amp[k] + 0.3 * (amp[k - 1] + amp[k + 1]);
    ((peak / total).min(1.0), n / k as f32, strongest == 1)
}

/// `(sin, cos)` of `2 pi j / PROFILE` from a table.
fn cos_sin(j: usize) -> (f32, f32) {
    static TABLE: std::sync::OnceLock<[(f32, f32); PROFILE]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        std::array::from_fn(|i| (std::f32::consts::TAU * i as f32 / PROFILE as f32).sin_cos())
    })[j % PROFILE]
}
