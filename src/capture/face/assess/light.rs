//! The face gate's checks of the light on the face: exposure (no clipped or dark face),
//! lighting (no half-shadowed face) and sharpness.

use super::*;

/// Luminance samples of the face's inner rectangle, about 4,000, with the x of each.
pub(super) fn face_lumas(frame: &RgbImage, g: &Geometry) -> Vec<(u32, f32)> {
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

pub(super) fn check_exposure(samples: &[(u32, f32)]) -> Finding {
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

pub(super) fn check_lighting(samples: &[(u32, f32)], g: &Geometry) -> Finding {
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
pub(super) fn sharpness(frame: &RgbImage, g: &Geometry) -> f32 {
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

pub(super) fn check_sharpness(frame: &RgbImage, g: &Geometry) -> Finding {
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
