//! YUYV 4:2:2 to RGB and back, with the ITU-R BT.601 equations for limited ("studio") range,
//! which is what UVC cameras send: Y in 16..=235, Cb and Cr in 16..=240 centred on 128.
//!
//! With Kr = 0.299, Kb = 0.114, Kg = 1 - Kr - Kb = 0.587:
//!
//! ```text
//! R = 255/219 (Y-16)                                  + 255/112 (1-Kr) (Cr-128)
//! G = 255/219 (Y-16) - 255/112 (1-Kb) Kb/Kg (Cb-128) - 255/112 (1-Kr) Kr/Kg (Cr-128)
//! B = 255/219 (Y-16) + 255/112 (1-Kb) (Cb-128)
//! ```
//!
//! that is 1.164384, 1.596027, 0.391762, 0.812968 and 2.017232, evaluated in 20-bit fixed point,
//! rounded to nearest and clamped to 0..=255. Both pixels of a pair share the pair's Cb and Cr.

use crate::{CameraError, PixelFormat};

/// Fraction bits of the fixed-point coefficients. 20 bits keep every intermediate within an
/// `i32` (|value| < 2^30) and make the result the correctly rounded real value except for
/// values within 2^-11 of a rounding tie (checked exhaustively in the tests).
const SHIFT: u32 = 20;
const ONE: f64 = (1u32 << SHIFT) as f64;
const KR: f64 = 0.299;
const KB: f64 = 0.114;
const KG: f64 = 1.0 - KR - KB;

const fn fixed(x: f64) -> i32 {
    // `as` truncates toward zero; all coefficients are positive, so +0.5 rounds.
    (x * ONE + 0.5) as i32
}

const Y_GAIN: i32 = fixed(255.0 / 219.0);
const CR_TO_R: i32 = fixed(255.0 / 112.0 * (1.0 - KR));
const CB_TO_G: i32 = fixed(255.0 / 112.0 * (1.0 - KB) * KB / KG);
const CR_TO_G: i32 = fixed(255.0 / 112.0 * (1.0 - KR) * KR / KG);
const CB_TO_B: i32 = fixed(255.0 / 112.0 * (1.0 - KB));
const HALF: i32 = 1 << (SHIFT - 1);

/// `SATURATE[(v >> SHIFT) + BIAS]` is `v >> SHIFT` clamped to 0..=255; a table lookup is
/// cheaper than two comparisons. Every value the conversion produces lies within the table
/// (`v >> SHIFT` is in -278..=535).
const BIAS: i32 = 320;
static SATURATE: [u8; 1024] = {
    let mut t = [0u8; 1024];
    let mut i = 0;
    while i < 1024 {
        let v = i as i32 - BIAS;
        t[i] = if v < 0 {
            0
        } else if v > 255 {
            255
        } else {
            v as u8
        };
        i += 1;
    }
    t
};

#[inline(always)]
fn clamp_shift(v: i32) -> u8 {
    SATURATE[((v >> SHIFT) + BIAS) as usize & 1023]
}

/// Converts one pixel (exposed for tests and documentation examples).
pub fn ycbcr_to_rgb(y: u8, cb: u8, cr: u8) -> [u8; 3] {
    let (r, g, b) = chroma_terms(cb, cr);
    let luma = (i32::from(y) - 16) * Y_GAIN + HALF;
    [
        clamp_shift(luma + r),
        clamp_shift(luma + g),
        clamp_shift(luma + b),
    ]
}

#[inline(always)]
fn chroma_terms(cb: u8, cr: u8) -> (i32, i32, i32) {
    let cb = i32::from(cb) - 128;
    let cr = i32::from(cr) - 128;
    (CR_TO_R * cr, -(CB_TO_G * cb + CR_TO_G * cr), CB_TO_B * cb)
}

/// Decodes a YUYV frame (`Y0 Cb Y1 Cr` for each pair of pixels, rows of `width * 2` bytes, no
/// padding between rows) into `out` (`width * height * 3` bytes of RGB). Bytes past
/// `width * height * 2` are ignored: V4L2 buffers may be larger than the frame.
pub fn yuyv_to_rgb(
    bytes: &[u8],
    width: u32,
    height: u32,
    out: &mut [u8],
) -> Result<(), CameraError> {
    let err = |detail: String| CameraError::decode(PixelFormat::Yuyv, detail);
    if width == 0 || height == 0 || !width.is_multiple_of(2) {
        return Err(err(format!("{width}x{height} is not a YUYV frame size")));
    }
    let pixels = width as usize * height as usize;
    let needed = pixels * 2;
    if bytes.len() < needed {
        return Err(err(format!(
            "truncated: {} bytes, a {width}x{height} frame has {needed}",
            bytes.len()
        )));
    }
    if out.len() != pixels * 3 {
        return Err(err(format!(
            "output buffer of {} bytes for {pixels} pixels",
            out.len()
        )));
    }
    for (src, dst) in bytes[..needed].chunks_exact(4).zip(out.chunks_exact_mut(6)) {
        let (r, g, b) = chroma_terms(src[1], src[3]);
        let l0 = (i32::from(src[0]) - 16) * Y_GAIN + HALF;
        let l1 = (i32::from(src[2]) - 16) * Y_GAIN + HALF;
        dst[0] = clamp_shift(l0 + r);
        dst[1] = clamp_shift(l0 + g);
        dst[2] = clamp_shift(l0 + b);
        dst[3] = clamp_shift(l1 + r);
        dst[4] = clamp_shift(l1 + g);
        dst[5] = clamp_shift(l1 + b);
    }
    Ok(())
}

/// Encodes RGB (`width * height * 3` bytes, `width` even) as YUYV the way a camera does: Y per
/// pixel, Cb and Cr from the mean of the pair, BT.601 limited range (the inverse of
/// [`yuyv_to_rgb`] up to rounding and chroma subsampling). Used by the simulated cameras.
pub fn rgb_to_yuyv(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, CameraError> {
    let pixels = width as usize * height as usize;
    if !width.is_multiple_of(2) || rgb.len() != pixels * 3 {
        return Err(CameraError::InvalidConfig(format!(
            "{} RGB bytes are not an even-width {width}x{height} image",
            rgb.len()
        )));
    }
    // Y  = 16  + 219/255 (Kr R + Kg G + Kb B)
    // Cb = 128 + 224/255 (B - Y')/(2(1-Kb)),  Cr = 128 + 224/255 (R - Y')/(2(1-Kr))
    // in 16-bit fixed point; for a pair, the chroma of the summed pixels is halved.
    const S: f64 = 65536.0;
    const YR: i32 = (219.0 / 255.0 * KR * S + 0.5) as i32;
    const YG: i32 = (219.0 / 255.0 * KG * S + 0.5) as i32;
    const YB: i32 = (219.0 / 255.0 * KB * S + 0.5) as i32;
    const C: f64 = 224.0 / 255.0 * S;
    const CB_R: i32 = (C * KR / (2.0 * (1.0 - KB)) + 0.5) as i32;
    const CB_G: i32 = (C * KG / (2.0 * (1.0 - KB)) + 0.5) as i32;
    const CB_B: i32 = (C * 0.5 + 0.5) as i32;
    const CR_G: i32 = (C * KG / (2.0 * (1.0 - KR)) + 0.5) as i32;
    const CR_B: i32 = (C * KB / (2.0 * (1.0 - KR)) + 0.5) as i32;
    let luma = |p: &[u8]| -> u8 {
        let v = YR * i32::from(p[0]) + YG * i32::from(p[1]) + YB * i32::from(p[2]);
        (16 + ((v + (1 << 15)) >> 16)).clamp(0, 255) as u8
    };
    let mut out = vec![0u8; pixels * 2];
    for (px, dst) in rgb.chunks_exact(6).zip(out.chunks_exact_mut(4)) {
        let r = i32::from(px[0]) + i32::from(px[3]);
        let g = i32::from(px[1]) + i32::from(px[4]);
        let b = i32::from(px[2]) + i32::from(px[5]);
        // Halving the pair sum: one more bit of shift, rounding with 2^16.
        let cb = (-CB_R * r - CB_G * g + CB_B * b + (1 << 16)) >> 17;
        let cr = (CB_B * r - CR_G * g - CR_B * b + (1 << 16)) >> 17;
        dst[0] = luma(&px[0..3]);
        dst[1] = (128 + cb).clamp(0, 255) as u8;
        dst[2] = luma(&px[3..6]);
        dst[3] = (128 + cr).clamp(0, 255) as u8;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The real-valued BT.601 limited-range conversion, before rounding and clamping.
    fn exact(y: u8, cb: u8, cr: u8) -> [f64; 3] {
        let y = (f64::from(y) - 16.0) * 255.0 / 219.0;
        let cb = (f64::from(cb) - 128.0) * 255.0 / 224.0;
        let cr = (f64::from(cr) - 128.0) * 255.0 / 224.0;
        [
            y + 2.0 * (1.0 - KR) * cr,
            y - 2.0 * (1.0 - KB) * KB / KG * cb - 2.0 * (1.0 - KR) * KR / KG * cr,
            y + 2.0 * (1.0 - KB) * cb,
        ]
    }

    #[test]
    fn coefficients_are_the_bt601_ones() {
        let c = |k: i32| f64::from(k) / ONE;
        assert!((c(Y_GAIN) - 1.164_384).abs() < 1e-6);
        assert!((c(CR_TO_R) - 1.596_027).abs() < 1e-6);
        assert!((c(CB_TO_G) - 0.391_762).abs() < 1e-6);
        assert!((c(CR_TO_G) - 0.812_968).abs() < 1e-6);
        assert!((c(CB_TO_B) - 2.017_232).abs() < 1e-6);
    }

    /// Every one of the 2^24 (Y, Cb, Cr) triples gives the correctly rounded, clamped value of
    /// the real formula, except where that value lies within 2^-11 of a rounding tie (the
    /// fixed-point coefficients are within 2^-21 of the real ones, times at most ~500), and
    /// even there it is off by at most one. That happens for about 1 value in 40,000.
    #[test]
    fn exhaustive_against_the_real_formula() {
        let mut near_ties = 0u32;
        for y in 0..=255u8 {
            for cb in 0..=255u8 {
                for cr in 0..=255u8 {
                    let got = ycbcr_to_rgb(y, cb, cr);
                    let want = exact(y, cb, cr);
                    for c in 0..3 {
                        let rounded = want[c].round().clamp(0.0, 255.0);
                        if f64::from(got[c]) != rounded {
                            let frac = want[c] - want[c].floor();
                            assert!(
                                (frac - 0.5).abs() < 1.0 / 2048.0
                                    && (f64::from(got[c]) - rounded).abs() <= 1.0,
                                "Y={y} Cb={cb} Cr={cr} channel {c}: got {} want {}",
                                got[c],
                                want[c]
                            );
                            near_ties += 1;
                        }
                    }
                }
            }
        }
        assert!(near_ties < 2000, "{near_ties} near-tie differences");
    }

    #[test]
    fn seventy_five_percent_colour_bars() {
        // ITU-R BT.801 75% bars in 8-bit BT.601 (Y, Cb, Cr) and the RGB they stand for.
        let bars: [((u8, u8, u8), [u8; 3]); 8] = [
            ((180, 128, 128), [191, 191, 191]),
            ((162, 44, 142), [191, 191, 0]),
            ((131, 156, 44), [0, 191, 191]),
            ((112, 72, 58), [0, 191, 0]),
            ((84, 184, 198), [191, 0, 191]),
            ((65, 100, 212), [191, 0, 0]),
            ((35, 212, 114), [0, 0, 191]),
            ((16, 128, 128), [0, 0, 0]),
        ];
        let mut yuyv = Vec::new();
        for ((y, cb, cr), _) in bars {
            yuyv.extend_from_slice(&[y, cb, y, cr]);
        }
        let mut rgb = vec![0u8; 16 * 3];
        yuyv_to_rgb(&yuyv, 16, 1, &mut rgb).expect("decodes");
        for (i, (_, want)) in bars.iter().enumerate() {
            for px in [2 * i, 2 * i + 1] {
                for c in 0..3 {
                    let got = rgb[px * 3 + c];
                    assert!(
                        got.abs_diff(want[c]) <= 1,
                        "bar {i}: got {:?} want {want:?}",
                        &rgb[px * 3..px * 3 + 3]
                    );
                }
            }
        }
        // Nominal black and white.
        assert_eq!(ycbcr_to_rgb(16, 128, 128), [0, 0, 0]);
        assert_eq!(ycbcr_to_rgb(235, 128, 128), [255, 255, 255]);
        assert_eq!(ycbcr_to_rgb(0, 0, 0), [0, 136, 0]);
    }

    #[test]
    fn pairs_share_chroma_and_rows_are_packed() {
        // 4x2: the second pair of the second row is pure "red" chroma.
        let yuyv = [
            16, 128, 235, 128, 126, 128, 126, 128, //
            81, 90, 81, 240, 81, 90, 145, 240,
        ];
        let mut rgb = [0u8; 4 * 2 * 3];
        yuyv_to_rgb(&yuyv, 4, 2, &mut rgb).expect("decodes");
        assert_eq!(&rgb[0..3], &[0, 0, 0]);
        assert_eq!(&rgb[3..6], &[255, 255, 255]);
        assert_eq!(rgb[18..21], rgb[12..15]);
        assert_eq!(&rgb[12..15], &ycbcr_to_rgb(81, 90, 240));
        assert_eq!(&rgb[21..24], &ycbcr_to_rgb(145, 90, 240));
    }

    #[test]
    fn size_errors() {
        let mut out = vec![0u8; 12];
        assert!(yuyv_to_rgb(&[0; 7], 2, 2, &mut out).is_err());
        assert!(yuyv_to_rgb(&[0; 8], 3, 2, &mut out).is_err());
        assert!(yuyv_to_rgb(&[0; 8], 0, 2, &mut out).is_err());
        assert!(yuyv_to_rgb(&[0; 8], 2, 2, &mut out[..6]).is_err());
        // Padding after the frame is fine.
        assert!(yuyv_to_rgb(&[128; 100], 2, 2, &mut out).is_ok());
    }

    #[test]
    fn round_trip_through_yuyv_is_close() {
        // Pairs of equal pixels: only rounding separates the way there and back.
        let mut rgb = Vec::new();
        for r in (0..=255u8).step_by(15) {
            for g in (0..=255u8).step_by(15) {
                for b in (0..=255u8).step_by(51) {
                    rgb.extend_from_slice(&[r, g, b, r, g, b]);
                }
            }
        }
        let width = (rgb.len() / 3) as u32;
        let yuyv = rgb_to_yuyv(&rgb, width, 1).expect("encodes");
        let mut back = vec![0u8; rgb.len()];
        yuyv_to_rgb(&yuyv, width, 1, &mut back).expect("decodes");
        let worst = rgb.iter().zip(&back).map(|(a, b)| a.abs_diff(*b)).max();
        assert!(worst <= Some(3), "worst difference {worst:?}");
        // Grey maps to neutral chroma.
        let grey = rgb_to_yuyv(&[77; 6], 2, 1).expect("encodes");
        assert_eq!((grey[1], grey[3]), (128, 128));
    }
}
