//! The simulated face camera's scene: the public-domain NASA portrait of Eileen Collins
//! (scikit-image's `astronaut.png`, see `assets/README.md`), cut out with its alpha mask and
//! composited onto the applicant's background colour, moving a little (translation, rotation,
//! scale), under slowly changing light and with sensor noise.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::rng::Rng;
use super::{Scene, noise3};
use crate::CameraError;

static PORTRAIT_JPEG: &[u8] = include_bytes!("../../assets/face.jpg");
static PORTRAIT_MASK: &[u8] = include_bytes!("../../assets/face_mask.png");

/// In the portrait crop: the horizontal centre of the face, the top of the hair, and the pivot
/// of head movements (the neck).
const FACE_X: f32 = 225.0;
const HAIR_TOP: f32 = 16.0;
const PIVOT_Y: f32 = 200.0;

/// The background behind the applicant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Background {
    /// Red backdrop ([`Background::RED`]): applicants born in an odd year.
    Red,
    /// Blue backdrop ([`Background::BLUE`]): applicants born in an even year.
    Blue,
    /// The portrait's own studio background (flag, shuttle model): what a photo must not have.
    Busy,
}

impl Background {
    /// The backdrop colours, sRGB, before lighting.
    pub const RED: [u8; 3] = [190, 30, 45];
    pub const BLUE: [u8; 3] = [30, 80, 170];

    /// The KTP-el rule: red for an odd birth year, blue for an even one.
    pub fn for_birth_year(year: i32) -> Background {
        if year.rem_euclid(2) == 1 {
            Background::Red
        } else {
            Background::Blue
        }
    }

    /// The uniform colour, if it is one.
    pub fn rgb(self) -> Option<[u8; 3]> {
        match self {
            Background::Red => Some(Background::RED),
            Background::Blue => Some(Background::BLUE),
            Background::Busy => None,
        }
    }

    fn code(self) -> &'static str {
        match self {
            Background::Red => "red",
            Background::Blue => "blue",
            Background::Busy => "busy",
        }
    }
}

/// The portrait crop, as RGB (0..=255) and alpha (0..=1) per pixel.
struct Portrait {
    width: usize,
    height: usize,
    px: Vec<[f32; 4]>,
}

fn portrait() -> Result<&'static Portrait, CameraError> {
    static PORTRAIT: OnceLock<Result<Portrait, String>> = OnceLock::new();
    PORTRAIT
        .get_or_init(|| {
            let rgb = image::load_from_memory_with_format(PORTRAIT_JPEG, image::ImageFormat::Jpeg)
                .map_err(|e| e.to_string())?
                .to_rgb8();
            let mask = image::load_from_memory_with_format(PORTRAIT_MASK, image::ImageFormat::Png)
                .map_err(|e| e.to_string())?
                .to_luma8();
            if rgb.dimensions() != mask.dimensions() {
                return Err("portrait and mask differ in size".into());
            }
            let px = rgb
                .pixels()
                .zip(mask.pixels())
                .map(|(c, m)| {
                    [
                        f32::from(c[0]),
                        f32::from(c[1]),
                        f32::from(c[2]),
                        f32::from(m[0]) / 255.0,
                    ]
                })
                .collect();
            Ok(Portrait {
                width: rgb.width() as usize,
                height: rgb.height() as usize,
                px,
            })
        })
        .as_ref()
        .map_err(|e| CameraError::Protocol(format!("simulator portrait asset: {e}")))
}

impl Portrait {
    /// Bilinear sample at crop coordinates; outside the crop sideways or above it the person is
    /// absent (alpha 0), below it the body goes on (the bottom row repeats).
    #[inline]
    fn sample(&self, u: f32, v: f32) -> [f32; 4] {
        let max_x = (self.width - 1) as f32;
        let max_y = (self.height - 1) as f32;
        if !(0.0..=max_x).contains(&u) || v < 0.0 {
            return [0.0; 4];
        }
        self.bilinear(u, v.min(max_y))
    }

    /// Bilinear sample with the crop mirrored at its edges (for the busy background).
    #[inline]
    fn sample_mirrored(&self, u: f32, v: f32) -> [f32; 4] {
        let reflect = |t: f32, max: f32| {
            let m = t.rem_euclid(2.0 * max);
            if m > max { 2.0 * max - m } else { m }
        };
        let max_x = (self.width - 1) as f32;
        let max_y = (self.height - 1) as f32;
        self.bilinear(reflect(u, max_x), reflect(v, max_y))
    }

    #[inline]
    fn bilinear(&self, u: f32, v: f32) -> [f32; 4] {
        let x0 = (u as usize).min(self.width - 1);
        let y0 = (v as usize).min(self.height - 1);
        let x1 = (x0 + 1).min(self.width - 1);
        let y1 = (y0 + 1).min(self.height - 1);
        let fx = u - x0 as f32;
        let fy = v - y0 as f32;
        let p = |x: usize, y: usize| self.px[y * self.width + x];
        let (a, b, c, d) = (p(x0, y0), p(x1, y0), p(x0, y1), p(x1, y1));
        let mut out = [0.0; 4];
        for i in 0..4 {
            let top = a[i] + (b[i] - a[i]) * fx;
            let bottom = c[i] + (d[i] - c[i]) * fx;
            out[i] = top + (bottom - top) * fy;
        }
        out
    }
}

#[derive(Debug)]
pub(crate) struct FaceScene {
    background: Background,
    seed: u64,
    /// Phases of the movement and lighting cycles, from the seed.
    phases: [f32; 6],
}

impl FaceScene {
    pub fn new(background: Background, seed: u64) -> Result<FaceScene, CameraError> {
        portrait()?;
        let mut rng = Rng::derive(seed, 0xFACE);
        let phases = std::array::from_fn(|_| rng.range(0.0, std::f32::consts::TAU));
        Ok(FaceScene {
            background,
            seed,
            phases,
        })
    }
}

impl Scene for FaceScene {
    fn render(&self, frame: usize, loop_len: usize, width: u32, height: u32, out: &mut [u8]) {
        let Ok(p) = portrait() else {
            out.fill(0);
            return;
        };
        let (wf, hf) = (width as f32, height as f32);
        let ph = &self.phases;
        // Seated as the operator asks: the head (hair to chin, 160 units of the portrait)
        // fills the kiosk's head guide, 16% to 76% of the frame height; the body goes past
        // the bottom.
        let s = hf / 267.0;
        let ox = wf / 2.0 - FACE_X * s;
        let oy = 0.16 * hf - HAIR_TOP * s;
        // Whole cycles per loop, so that the loop has no seam.
        let phi = std::f32::consts::TAU * frame as f32 / loop_len.max(1) as f32;
        let dx = 0.012 * hf * (phi + ph[0]).sin() + 0.004 * hf * (3.0 * phi + ph[1]).sin();
        let dy = 0.006 * hf * (2.0 * phi + ph[2]).sin();
        let rot = 1.8f32.to_radians() * (phi + ph[3]).sin();
        let zoom = 1.0 + 0.02 * (phi + ph[4]).sin();
        let gain = 1.0 + 0.07 * (phi + ph[5]).sin() + 0.03 * (2.0 * phi).sin();
        let warm = 0.015 * (phi + ph[0]).sin();
        let gains = [gain * (1.0 + warm), gain, gain * (1.0 - warm)];

        // Output pixel -> crop coordinates: about the pivot, undo translation, rotation, scale.
        let (px, py) = (ox + FACE_X * s + dx, oy + PIVOT_Y * s + dy);
        let k = 1.0 / (s * zoom);
        let (c, sn) = (rot.cos(), rot.sin());
        let (du, dv) = (k * c, -k * sn);
        let backdrop = self.background.rgb().map(|c| c.map(f32::from));
        let mut noise = Rng::derive(self.seed, 0x1_0000_0000 + frame as u64);

        for (y, row) in out.chunks_exact_mut(width as usize * 3).enumerate() {
            let yf = y as f32;
            let mut u = FACE_X + k * (c * -px + sn * (yf - py));
            let mut v = PIVOT_Y + k * (-sn * -px + c * (yf - py));
            let v_static = (yf - oy) / s;
            // Backdrop lighting: brightest behind the head, falling off towards the corners.
            let ry = (yf - 0.35 * hf) / hf;
            for (x, dst) in row.chunks_exact_mut(3).enumerate() {
                let xf = x as f32;
                let fg = p.sample(u, v);
                let bg = match backdrop {
                    Some(colour) => {
                        let rx = (xf - 0.5 * wf) / hf;
                        let shade = 1.04 - 0.10 * (rx * rx + ry * ry);
                        colour.map(|v| v * shade)
                    }
                    None => {
                        let b = p.sample_mirrored((xf - ox) / s, v_static);
                        [b[0], b[1], b[2]]
                    }
                };
                let a = fg[3];
                let n = noise3(noise.next_u64(), 8);
                for i in 0..3 {
                    let lit = (bg[i] + (fg[i] - bg[i]) * a) * gains[i];
                    dst[i] = (lit as i32 + n[i]).clamp(0, 255) as u8;
                }
                u += du;
                v += dv;
            }
        }
    }

    fn model(&self) -> &'static str {
        "Rekam simulated face camera"
    }

    fn details(&self) -> Vec<(String, String)> {
        vec![
            ("background".into(), self.background.code().into()),
            ("seed".into(), self.seed.to_string()),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(bg: Background, frame: usize, w: u32, h: u32) -> image::RgbImage {
        let scene = FaceScene::new(bg, 9).expect("asset loads");
        let mut out = vec![0u8; (w * h * 3) as usize];
        scene.render(frame, 30, w, h, &mut out);
        image::RgbImage::from_raw(w, h, out).expect("size")
    }

    fn mean(img: &image::RgbImage, x0: u32, y0: u32, x1: u32, y1: u32) -> [f32; 3] {
        let mut sum = [0f32; 3];
        let mut n = 0.0;
        for y in y0..y1 {
            for x in x0..x1 {
                let p = img.get_pixel(x, y).0;
                for i in 0..3 {
                    sum[i] += f32::from(p[i]);
                }
                n += 1.0;
            }
        }
        sum.map(|s| s / n)
    }

    #[test]
    fn birth_year_rule() {
        assert_eq!(Background::for_birth_year(1987), Background::Red);
        assert_eq!(Background::for_birth_year(2000), Background::Blue);
        assert_eq!(Background::for_birth_year(-3), Background::Red);
    }

    #[test]
    fn backdrop_corners_have_the_background_colour_and_the_face_is_skin() {
        let red = render(Background::Red, 0, 640, 360);
        let corner = mean(&red, 0, 0, 40, 40);
        assert!(
            corner[0] > 150.0 && corner[1] < 60.0 && corner[2] < 80.0,
            "{corner:?}"
        );
        let blue = render(Background::Blue, 0, 640, 360);
        let corner = mean(&blue, 600, 0, 640, 40);
        assert!(corner[2] > 140.0 && corner[0] < 60.0, "{corner:?}");
        // The face (cheeks and nose) sits centred, in the head guide about 57% down.
        for img in [&red, &blue] {
            let face = mean(img, 308, 200, 332, 212);
            assert!(
                face[0] > 150.0 && face[0] > face[1] && face[1] > face[2],
                "skin tone expected, got {face:?}"
            );
        }
    }

    #[test]
    fn busy_background_is_not_uniform() {
        let busy = render(Background::Busy, 0, 640, 360);
        let spread = |x0: u32| {
            let mut lo = [255u8; 3];
            let mut hi = [0u8; 3];
            for y in 0..360 {
                for x in x0..x0 + 60 {
                    let p = busy.get_pixel(x, y).0;
                    for i in 0..3 {
                        lo[i] = lo[i].min(p[i]);
                        hi[i] = hi[i].max(p[i]);
                    }
                }
            }
            (0..3).map(|i| hi[i] - lo[i]).max().unwrap_or(0)
        };
        // The flag on the left: red and white stripes.
        assert!(spread(0) > 100, "left spread {}", spread(0));
        let red = render(Background::Red, 0, 640, 360);
        let red_spread = {
            let mut hi = 0u8;
            let mut lo = 255u8;
            for y in 0..60 {
                for x in 0..60 {
                    let r = red.get_pixel(x, y).0[0];
                    hi = hi.max(r);
                    lo = lo.min(r);
                }
            }
            hi - lo
        };
        assert!(red_spread < 40, "red backdrop spread {red_spread}");
    }

    #[test]
    fn the_person_moves_and_the_light_changes() {
        let a = render(Background::Red, 0, 320, 180);
        let b = render(Background::Red, 15, 320, 180);
        let diff: u64 = a
            .as_raw()
            .iter()
            .zip(b.as_raw())
            .map(|(x, y)| u64::from(x.abs_diff(*y)))
            .sum();
        let per_byte = diff as f64 / a.as_raw().len() as f64;
        assert!(per_byte > 4.0, "frames too alike: {per_byte}");
        // Deterministic.
        assert_eq!(
            render(Background::Red, 7, 160, 90),
            render(Background::Red, 7, 160, 90)
        );
    }
}
