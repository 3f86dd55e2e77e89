//! Signatures as strokes: read from the formats the station stores (`isdv4-strokes-json` from the
//! pad driver, `strokes-json` plain points), checked by the signature quality gate, and rendered
//! to an image for the batch packet and the screens.
//!
//! # Quality gate
//! [`assess`] looks at the pen-down points in pad units against the pad's extent (`max_x` by
//! `max_y`; a `strokes-json` signature has no pad, its extent is its own with a margin). The
//! findings, in order:
//!
//! 1. **`not_empty`**: the number of pen-down points; at least one.
//! 2. **`ink`**: the total pen path (the length of every stroke) in pad widths (`max_x`), at
//!    least [`MIN_INK`]: a tick or a tiny scribble is not a signature.
//! 3. **`shape`**: not a single dot and not a single straight line. The value is the *spread*:
//!    the square root of the ratio of the smaller to the larger variance of the pen path about
//!    its principal axis (0 for a straight line, 1 for a round cloud), at least
//!    [`MIN_SPREAD`]. It also fails when the bounding box's diagonal is under [`MIN_EXTENT`] of
//!    the pad's diagonal (a dot), or when the pen reverses its horizontal or vertical direction
//!    fewer than [`MIN_TURNS`] times (a single line or arc).
//! 4. **`within_pad`**: the share of points outside the pad or on its edge (within
//!    [`EDGE_BAND`] of its extent from a side), in percent. It fails when any point is outside
//!    the pad, or when more than [`MAX_ON_EDGE`] percent lie on the edge: the pad clamps a pen
//!    that runs off it to the edge, so a signature cut at the edge leaves a run of points there.
//!
//! When there are no points, the other checks cannot be measured and fail with a value of 0.
//!
//! # Image
//! [`image`] renders a stored signature to a PNG and keeps the strokes as they were captured
//! beside it ([`SignatureImage`]): the batch packet carries both, the picture for people and the
//! strokes for signature verification.

use image::{GrayImage, Luma};

use super::quality::{Assessment, Finding, Modality, ramp};
use crate::domain::Encoding;

/// Minimum pen path, in pad widths (on the 100 mm station pad, 60 mm of writing).
pub const MIN_INK: f64 = 0.6;
/// Below this share of the pad's diagonal, the bounding box is a dot.
pub const MIN_EXTENT: f64 = 0.04;
/// Minimum spread of the pen path about its principal axis (see the module documentation).
pub const MIN_SPREAD: f64 = 0.05;
/// Minimum number of reversals of the pen's horizontal or vertical direction.
pub const MIN_TURNS: usize = 4;
/// A point this close to a side of the pad, as a share of the pad's extent, is on its edge.
pub const EDGE_BAND: f64 = 0.005;
/// Most points on the pad's edge, percent.
pub const MAX_ON_EDGE: f64 = 2.0;
/// A movement smaller than this share of the pad's diagonal does not count as a reversal of
/// direction (tremor and sensor jitter).
const TURN_HYSTERESIS: f64 = 0.01;

/// The stored signature formats that hold pen strokes.
pub const STROKE_FORMATS: [Encoding; 2] = [Encoding::IsdV4Strokes, Encoding::Strokes];

/// Pen strokes in pad coordinates, with the pad's extent.
#[derive(Debug, Clone, PartialEq)]
pub struct Strokes {
    pub lines: Vec<Vec<(f32, f32)>>,
    pub max_x: f32,
    pub max_y: f32,
}

#[derive(Debug, serde::Deserialize)]
struct PlainStrokes {
    strokes: Vec<Vec<PlainPoint>>,
}

#[derive(Debug, serde::Deserialize)]
struct PlainPoint {
    x: f32,
    y: f32,
}

/// Reads stored strokes; `None` for another format or bytes that do not parse.
pub fn parse(format: Encoding, bytes: &[u8]) -> Option<Strokes> {
    match format {
        Encoding::IsdV4Strokes => {
            let sig: rekam_signature::Signature = serde_json::from_slice(bytes).ok()?;
            Some(Strokes {
                lines: sig
                    .strokes
                    .iter()
                    .map(|s| {
                        s.points
                            .iter()
                            .map(|p| (f32::from(p.report.x), f32::from(p.report.y)))
                            .collect()
                    })
                    .collect(),
                max_x: f32::from(sig.pad.max_x),
                max_y: f32::from(sig.pad.max_y),
            })
        }
        Encoding::Strokes => {
            let plain: PlainStrokes = serde_json::from_slice(bytes).ok()?;
            let lines: Vec<Vec<(f32, f32)>> = plain
                .strokes
                .iter()
                .map(|s| s.iter().map(|p| (p.x, p.y)).collect())
                .collect();
            let points = || lines.iter().flatten();
            // No pad extent in this format: the strokes' own extent, with a margin.
            let max_x = points().map(|p| p.0).fold(0.0, f32::max) * 1.1;
            let max_y = points().map(|p| p.1).fold(0.0, f32::max) * 1.25;
            Some(Strokes {
                lines,
                max_x,
                max_y,
            })
        }
        _ => None,
    }
}

/// Draws the strokes black on white, `width` pixels wide with the pad's aspect ratio, lines
/// about `width / 250` pixels thick.
pub fn render(strokes: &Strokes, width: u32) -> GrayImage {
    let width = width.max(16);
    let (mx, my) = (strokes.max_x.max(1.0), strokes.max_y.max(1.0));
    let height = ((width as f32) * my / mx)
        .round()
        .clamp(8.0, 4.0 * width as f32) as u32;
    let scale = width as f32 / mx;
    let radius = (width as f32 / 500.0).max(1.0);
    let mut img = GrayImage::from_pixel(width, height, Luma([255]));
    let mut dot = |x: f32, y: f32| {
        let r = radius.ceil() as i64;
        let (cx, cy) = (x.round() as i64, y.round() as i64);
        for dy in -r..=r {
            for dx in -r..=r {
                if ((dx * dx + dy * dy) as f32) <= radius * radius + 0.5 {
                    let (px, py) = (cx + dx, cy + dy);
                    if px >= 0 && py >= 0 && (px as u32) < width && (py as u32) < height {
                        img.put_pixel(px as u32, py as u32, Luma([0]));
                    }
                }
            }
        }
    };
    for line in &strokes.lines {
        let mut prev: Option<(f32, f32)> = None;
        for &(x, y) in line {
            let p = (x * scale, y * scale);
            match prev {
                None => dot(p.0, p.1),
                Some(a) => {
                    let steps = ((p.0 - a.0).abs().max((p.1 - a.1).abs()) / (radius * 0.5))
                        .ceil()
                        .max(1.0) as u32;
                    for i in 1..=steps {
                        let t = i as f32 / steps as f32;
                        dot(a.0 + (p.0 - a.0) * t, a.1 + (p.1 - a.1) * t);
                    }
                }
            }
            prev = Some(p);
        }
    }
    img
}

/// [`render`] encoded as PNG.
pub fn render_png(strokes: &Strokes, width: u32) -> Vec<u8> {
    encode_png(&render(strokes, width))
}

fn encode_png(img: &GrayImage) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    // Encoding an in-memory grey image to an in-memory buffer does not fail.
    img.write_to(&mut out, image::ImageFormat::Png)
        .expect("PNG encoding to memory");
    out.into_inner()
}

/// A stored signature ready to send: the rendered picture and the strokes it was drawn from,
/// as they were captured.
#[derive(Debug, Clone, PartialEq)]
pub struct SignatureImage {
    /// [`render`] as PNG, black on white.
    pub png: Vec<u8>,
    pub width: u32,
    pub height: u32,
    /// The stored format of [`SignatureImage::strokes`] (one of [`STROKE_FORMATS`]).
    pub format: Encoding,
    /// The strokes exactly as stored (for `isdv4-strokes-json`, with the pad's capabilities,
    /// the timestamps and the pressure of every pen sample).
    pub strokes: Vec<u8>,
}

/// Renders a stored signature `width` pixels wide and keeps its strokes beside the picture;
/// `None` when `format` does not hold strokes or the bytes do not parse.
pub fn image(format: Encoding, bytes: &[u8], width: u32) -> Option<SignatureImage> {
    let strokes = parse(format, bytes)?;
    let img = render(&strokes, width);
    let (width, height) = img.dimensions();
    Some(SignatureImage {
        png: encode_png(&img),
        width,
        height,
        format,
        strokes: bytes.to_vec(),
    })
}

/// What [`assess`] measures on a signature.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SignatureMeasurements {
    /// Pen-down points.
    pub points: usize,
    /// Total pen path, pad widths.
    pub ink: f64,
    /// Bounding box diagonal as a share of the pad's diagonal.
    pub extent: f64,
    /// Spread about the principal axis (0 line, 1 round).
    pub spread: f64,
    /// Reversals of the horizontal or vertical direction.
    pub turns: usize,
    /// Points outside the pad.
    pub outside: usize,
    /// Points on the pad's edge (inside it).
    pub on_edge: usize,
}

/// Measures the strokes against their pad.
pub fn measure(strokes: &Strokes) -> SignatureMeasurements {
    let (mx, my) = (f64::from(strokes.max_x), f64::from(strokes.max_y));
    let (pw, ph) = (mx.max(1.0), my.max(1.0));
    let diagonal = pw.hypot(ph);
    let points = || {
        strokes
            .lines
            .iter()
            .flatten()
            .map(|&(x, y)| (f64::from(x), f64::from(y)))
    };
    let count = points().count();

    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    let (bx, by) = (EDGE_BAND * pw, EDGE_BAND * ph);
    let (mut outside, mut on_edge) = (0, 0);
    for (x, y) in points() {
        (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
        if x < 0.0 || y < 0.0 || x > mx || y > my {
            outside += 1;
        } else if x <= bx || y <= by || x >= mx - bx || y >= my - by {
            on_edge += 1;
        }
    }
    let extent = if count > 0 {
        (x1 - x0).hypot(y1 - y0) / diagonal
    } else {
        0.0
    };

    // The pen path as segments: ink, and the path's second moments weighted by length (so that
    // a pen resting in one place does not weigh more than a pen moving).
    let (mut length, mut sw, mut sx, mut sy) = (0.0, 0.0, 0.0, 0.0);
    let (mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0);
    for line in &strokes.lines {
        for pair in line.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let (ax, ay, bx, by) = (
                f64::from(a.0),
                f64::from(a.1),
                f64::from(b.0),
                f64::from(b.1),
            );
            let l = (bx - ax).hypot(by - ay);
            length += l;
            let (midx, midy) = ((ax + bx) / 2.0, (ay + by) / 2.0);
            sw += l;
            sx += l * midx;
            sy += l * midy;
            sxx += l * midx * midx;
            syy += l * midy * midy;
            sxy += l * midx * midy;
        }
    }
    let spread = if sw > 0.0 {
        let (cx, cy) = (sx / sw, sy / sw);
        let vxx = sxx / sw - cx * cx;
        let vyy = syy / sw - cy * cy;
        let vxy = sxy / sw - cx * cy;
        // Eigenvalues of the 2 x 2 covariance.
        let mean = (vxx + vyy) / 2.0;
        let root = (((vxx - vyy) / 2.0).powi(2) + vxy * vxy).sqrt();
        let (big, small) = (mean + root, (mean - root).max(0.0));
        if big > 0.0 { (small / big).sqrt() } else { 0.0 }
    } else {
        0.0
    };

    let hysteresis = TURN_HYSTERESIS * diagonal;
    let turns = strokes
        .lines
        .iter()
        .map(|line| {
            let xs: Vec<f64> = line.iter().map(|p| f64::from(p.0)).collect();
            let ys: Vec<f64> = line.iter().map(|p| f64::from(p.1)).collect();
            reversals(&xs, hysteresis) + reversals(&ys, hysteresis)
        })
        .sum();

    SignatureMeasurements {
        points: count,
        ink: length / pw,
        extent,
        spread,
        turns,
        outside,
        on_edge,
    }
}

/// How often a coordinate changes direction by more than `hysteresis`: after a run one way,
/// the coordinate comes back by at least `hysteresis` from its extreme.
fn reversals(values: &[f64], hysteresis: f64) -> usize {
    let Some(&first) = values.first() else {
        return 0;
    };
    // The current direction (0 until the first movement beyond the hysteresis) and the extreme
    // reached in it.
    let (mut dir, mut extreme, mut count) = (0i8, first, 0);
    for &v in &values[1..] {
        match dir {
            0 if (v - extreme).abs() >= hysteresis => {
                dir = if v > extreme { 1 } else { -1 };
                extreme = v;
            }
            0 => {}
            1 if v > extreme => extreme = v,
            1 if extreme - v >= hysteresis => {
                (dir, extreme, count) = (-1, v, count + 1);
            }
            -1 if v < extreme => extreme = v,
            -1 if v - extreme >= hysteresis => {
                (dir, extreme, count) = (1, v, count + 1);
            }
            _ => {}
        }
    }
    count
}

/// A finding's score: at most 40 when it fails (how close it came), 50-100 when it passes (how
/// far beyond the threshold, up to `good`).
fn graded(pass: bool, v: f64, worst: f64, threshold: f64, good: f64) -> f64 {
    if pass {
        50.0 + ramp(v, threshold, good) / 2.0
    } else {
        0.4 * ramp(v, worst, threshold)
    }
}

/// The signature quality gate: the findings described in the module documentation, in that
/// order, and a score 0-100 (the mean of the findings' scores when all pass, at most 40
/// otherwise).
pub fn assess(strokes: &Strokes) -> Assessment {
    judge(&measure(strokes))
}

/// The findings for measurements taken by [`measure`].
pub fn judge(m: &SignatureMeasurements) -> Assessment {
    let mut findings = Vec::with_capacity(4);
    if m.points == 0 {
        findings.push(Finding::new(
            "not_empty",
            false,
            0.0,
            0.0,
            "Tanda tangan kosong: minta pemohon menandatangani di pad tanda tangan.",
            "The signature is empty: ask the applicant to sign on the signature pad.",
        ));
        findings.extend(["ink", "shape", "within_pad"].map(|check| {
            Finding::new(
                check,
                false,
                0.0,
                0.0,
                "Belum dapat diperiksa: belum ada tanda tangan.",
                "Not checked yet: there is no signature.",
            )
        }));
        return Assessment::from_findings(Modality::Signature, findings);
    }
    findings.push(Finding::new(
        "not_empty",
        true,
        100.0,
        m.points as f64,
        format!("Tanda tangan berisi {} titik.", m.points),
        format!("The signature has {} points.", m.points),
    ));

    let pass = m.ink >= MIN_INK;
    let good = 3.0 * MIN_INK;
    findings.push(if pass {
        Finding::new(
            "ink",
            true,
            graded(true, m.ink, 0.0, MIN_INK, good),
            m.ink,
            "Goresan tanda tangan cukup.",
            "There is enough writing.",
        )
    } else {
        Finding::new(
            "ink",
            false,
            graded(false, m.ink, 0.0, MIN_INK, good),
            m.ink,
            "Goresan terlalu sedikit untuk tanda tangan: minta pemohon menandatangani ulang \
             dengan tanda tangan lengkap seperti biasa.",
            "There is too little writing for a signature: ask the applicant to sign again with \
             the full usual signature.",
        )
    });

    let dot = m.extent < MIN_EXTENT;
    let line = m.spread < MIN_SPREAD || m.turns < MIN_TURNS;
    findings.push(if dot {
        Finding::new(
            "shape",
            false,
            0.0,
            m.spread,
            "Tanda tangan hanya berupa titik: minta pemohon menandatangani ulang dengan tanda tangan lengkap.",
            "The signature is only a dot: ask the applicant to sign again with the full signature.",
        )
    } else if line {
        Finding::new(
            "shape",
            false,
            graded(false, m.spread, 0.0, MIN_SPREAD, 0.0),
            m.spread,
            "Tanda tangan hanya berupa satu garis: minta pemohon menandatangani ulang dengan tanda tangan lengkap seperti biasa.",
            "The signature is only a single line: ask the applicant to sign again with the full usual signature.",
        )
    } else {
        Finding::new(
            "shape",
            true,
            graded(true, m.spread, 0.0, MIN_SPREAD, 2.0 * MIN_SPREAD),
            m.spread,
            "Bentuk tanda tangan wajar.",
            "The signature has the shape of writing.",
        )
    });

    let share = 100.0 * (m.outside + m.on_edge) as f64 / m.points as f64;
    let edge_share = 100.0 * m.on_edge as f64 / m.points as f64;
    findings.push(if m.outside > 0 {
        Finding::new(
            "within_pad",
            false,
            0.0,
            share,
            "Sebagian tanda tangan berada di luar area pad: minta pemohon menandatangani ulang di dalam kotak.",
            "Part of the signature is outside the pad's area: ask the applicant to sign again inside the box.",
        )
    } else if edge_share > MAX_ON_EDGE {
        Finding::new(
            "within_pad",
            false,
            graded(false, edge_share, 4.0 * MAX_ON_EDGE, MAX_ON_EDGE, 0.0),
            share,
            "Tanda tangan terpotong di tepi pad: minta pemohon menandatangani ulang di tengah kotak, lebih kecil bila perlu.",
            "The signature is cut at the pad's edge: ask the applicant to sign again in the middle of the box, smaller if need be.",
        )
    } else {
        Finding::new(
            "within_pad",
            true,
            graded(true, edge_share, MAX_ON_EDGE, MAX_ON_EDGE, 0.0),
            share,
            "Tanda tangan berada di dalam area pad.",
            "The signature is within the pad's area.",
        )
    });
    Assessment::from_findings(Modality::Signature, findings)
}

#[cfg(test)]
mod tests;
