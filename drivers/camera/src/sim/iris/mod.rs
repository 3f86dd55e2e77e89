//! The simulated iris camera's scene: a near-infrared (grey) close-up of one eye, drawn from a
//! seed. Sclera, an iris with radial fibres, crypts, contraction furrows and a collarette, a dark
//! pupil with the specular reflections of the camera's two NIR illuminators, eyelids with their
//! crease and lash line, and lashes that partly cover the iris. Over the loop the gaze wanders a
//! few pixels and the pupil dilates and contracts (hippus); light flickers slightly; sensor
//! noise on top. The iris texture is stored in normalised polar coordinates (Daugman's rubber
//! sheet), so a dilating pupil stretches it as a real iris does.

use serde::{Deserialize, Serialize};

mod draw;

use super::rng::Rng;
use super::{Scene, noise3, smoothstep};
use draw::{Lids, draw_lashes, iris_texture};

/// Texture resolution: radial (pupil to limbus) and angular samples.
pub(super) const N_R: usize = 64;
pub(super) const N_T: usize = 1024;

/// Which eye the camera sees (the applicant's left or right).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Eye {
    Left,
    Right,
}

impl Eye {
    /// Which way the nose is in the image of a camera facing the applicant: the right eye
    /// appears on the image's left, so its nasal corner points to the image's right.
    fn nasal(self) -> f32 {
        match self {
            Eye::Right => 1.0,
            Eye::Left => -1.0,
        }
    }

    fn code(self) -> &'static str {
        match self {
            Eye::Left => "left",
            Eye::Right => "right",
        }
    }
}

/// One person's eye: its geometry, iris texture, and the static layers (skin, lids, lashes).
#[derive(Debug)]
pub(crate) struct IrisScene {
    eye: Eye,
    seed: u64,
    width: u32,
    height: u32,
    /// Iris radius in pixels and pupil radius as a fraction of it.
    iris_r: f32,
    pupil_ratio: f32,
    /// Mean iris grey level.
    iris_level: f32,
    /// Pupil centre relative to the iris centre, pixels (pupils sit slightly nasal and up).
    pupil_offset: (f32, f32),
    eye_centre: (f32, f32),
    /// Iris texture: relative brightness, `N_R` rows (pupil to limbus) of `N_T` angles.
    texture: Vec<f32>,
    /// Static layers, one value per pixel.
    sclera: Vec<f32>,
    opening: Vec<f32>,
    shade: Vec<f32>,
    lashes: Vec<f32>,
    /// The whole static image with no iris, ready to copy.
    still: Vec<f32>,
    phases: [f32; 5],
}

impl IrisScene {
    pub fn new(eye: Eye, seed: u64, width: u32, height: u32) -> IrisScene {
        let purpose = match eye {
            Eye::Left => 0x1815_0001,
            Eye::Right => 0x1815_0002,
        };
        let mut rng = Rng::derive(seed, purpose);
        let scale = height as f32 / 480.0;
        let iris_r = rng.range(100.0, 118.0) * scale;
        let n = eye.nasal();
        let pupil_ratio = rng.range(0.30, 0.42);
        let iris_level = rng.range(85.0, 135.0);
        let pupil_offset = (
            n * rng.range(0.01, 0.05) * iris_r,
            -rng.range(0.0, 0.03) * iris_r,
        );
        let eye_centre = (width as f32 / 2.0, height as f32 * 0.52);
        let lids = Lids {
            cx: eye_centre.0 - n * 0.1 * iris_r,
            cy: eye_centre.1,
            half_width: 2.3 * iris_r,
            upper: rng.range(0.62, 0.82) * iris_r,
            lower: rng.range(0.8, 0.97) * iris_r,
            tilt: n * 0.08 * iris_r,
        };
        let texture = iris_texture(&mut rng);
        let phases = std::array::from_fn(|_| rng.range(0.0, std::f32::consts::TAU));
        let mut scene = IrisScene {
            eye,
            seed,
            width,
            height,
            iris_r,
            pupil_ratio,
            iris_level,
            pupil_offset,
            eye_centre,
            texture,
            sclera: Vec::new(),
            opening: Vec::new(),
            shade: Vec::new(),
            lashes: Vec::new(),
            still: Vec::new(),
            phases,
        };
        scene.draw_static(&lids, &mut rng);
        scene
    }

    /// Skin, lids, sclera and lashes: everything that does not move.
    fn draw_static(&mut self, lids: &Lids, rng: &mut Rng) {
        let (w, h) = (self.width as usize, self.height as usize);
        let r = self.iris_r;
        let n = self.eye.nasal();
        let mut skin = vec![0f32; w * h];
        self.sclera = vec![0f32; w * h];
        self.opening = vec![0f32; w * h];
        self.shade = vec![1f32; w * h];
        // Low-frequency skin shading from a few random waves, plus fine static grain.
        let waves: Vec<(f32, f32, f32, f32)> = (0..4)
            .map(|_| {
                (
                    rng.range(0.5, 2.0) / w as f32,
                    rng.range(0.5, 2.0) / h as f32,
                    rng.range(0.0, std::f32::consts::TAU),
                    rng.range(4.0, 9.0),
                )
            })
            .collect();
        let caruncle = (
            lids.cx + n * 0.93 * lids.half_width,
            lids.cy + lids.tilt * n * 0.9,
        );
        for y in 0..h {
            let yf = y as f32;
            for x in 0..w {
                let xf = x as f32;
                let i = y * w + x;
                let (up, low, t) = lids.at(xf);
                let mut s = 158.0;
                for &(fx, fy, p, a) in &waves {
                    s += a * (std::f32::consts::TAU * (fx * xf + fy * yf) + p).sin();
                }
                s += rng.gauss() * 2.5;
                // Upper lid crease and the socket shadow below the brow.
                let crease = up - 0.33 * r * (1.0 - t * t).max(0.0) - 0.1 * r;
                s -= 28.0 * (-((yf - crease) / 5.0).powi(2)).exp() * smoothstep(1.3, 0.9, t.abs());
                // Lower lid: a bright wet margin, a soft bulge shadow under it.
                s +=
                    22.0 * (-((yf - low - 1.5) / 1.5).powi(2)).exp() * (t.abs() < 1.0) as u8 as f32;
                s -= 14.0 * (-((yf - low - 0.3 * r) / 9.0).powi(2)).exp();
                skin[i] = s;

                // Inside the opening: the eyeball. Sclera darkens towards the corners.
                let inside =
                    smoothstep(-1.0, 1.0, (yf - up).min(low - yf)) * (t.abs() < 1.0) as u8 as f32;
                self.opening[i] = inside;
                let mut sclera = 192.0 - 48.0 * t * t + rng.gauss() * 2.0;
                let dc = ((xf - caruncle.0).powi(2) + (yf - caruncle.1).powi(2)).sqrt();
                sclera += (128.0 - sclera) * smoothstep(0.22 * r, 0.1 * r, dc);
                self.sclera[i] = sclera;
                // The upper lid shadows the top of the eyeball.
                self.shade[i] = 1.0 - 0.35 * (-(yf - up).max(0.0) / (0.14 * r)).exp();
            }
        }
        self.lashes = draw_lashes(w, h, lids, r, rng);
        self.still = (0..w * h)
            .map(|i| {
                let v = skin[i] * (1.0 - self.opening[i])
                    + self.sclera[i] * self.shade[i] * self.opening[i];
                v * (1.0 - 0.85 * self.lashes[i])
            })
            .collect();
    }

    /// The texture at normalised radius `rn` (0 pupil edge, 1 limbus) and angle `t` (turns).
    #[inline]
    fn texture_at(&self, rn: f32, t: f32) -> f32 {
        let y = (rn * N_R as f32 - 0.5).clamp(0.0, (N_R - 1) as f32);
        let x = t.rem_euclid(1.0) * N_T as f32;
        let (y0, x0) = (y as usize, (x as usize).min(N_T - 1));
        let (y1, x1) = ((y0 + 1).min(N_R - 1), (x0 + 1) % N_T);
        let (fy, fx) = (y - y0 as f32, x - x0 as f32);
        let p = |r: usize, c: usize| self.texture[r * N_T + c];
        let top = p(y0, x0) + (p(y0, x1) - p(y0, x0)) * fx;
        let bottom = p(y1, x0) + (p(y1, x1) - p(y1, x0)) * fx;
        top + (bottom - top) * fy
    }
}

/// Where the eye is in one frame of the loop.
#[derive(Debug, Clone, Copy)]
struct Pose {
    /// Iris centre, pixels.
    iris_x: f32,
    iris_y: f32,
    /// Pupil radius, pixels.
    pupil_r: f32,
    /// Illumination gain.
    gain: f32,
}

impl IrisScene {
    /// Gaze wanders a few pixels; the pupil breathes (hippus); the illuminator flickers.
    fn pose(&self, frame: usize, loop_len: usize) -> Pose {
        let r = self.iris_r;
        let ph = &self.phases;
        let phi = std::f32::consts::TAU * frame as f32 / loop_len.max(1) as f32;
        Pose {
            iris_x: self.eye_centre.0
                + 0.05 * r * (phi + ph[0]).sin()
                + 0.015 * r * (3.0 * phi + ph[1]).sin(),
            iris_y: self.eye_centre.1 + 0.03 * r * (2.0 * phi + ph[2]).sin(),
            pupil_r: self.pupil_ratio
                * r
                * (1.0 + 0.07 * (phi + ph[3]).sin() + 0.02 * (4.0 * phi).sin()),
            gain: 1.0 + 0.03 * (phi + ph[4]).sin(),
        }
    }
}

impl Scene for IrisScene {
    fn render(&self, frame: usize, loop_len: usize, width: u32, height: u32, out: &mut [u8]) {
        if (width, height) != (self.width, self.height) {
            out.fill(128);
            return;
        }
        let w = width as usize;
        let r = self.iris_r;
        let Pose {
            iris_x: icx,
            iris_y: icy,
            pupil_r: rp,
            gain,
        } = self.pose(frame, loop_len);
        let (ox, oy) = self.pupil_offset;
        let (pcx, pcy) = (icx + ox, icy + oy);
        // Two NIR LEDs below the lens: two small reflections in the upper half of the pupil.
        let glint_r = 0.045 * r;
        let glints = [
            (pcx - 0.28 * rp, pcy - 0.3 * rp),
            (pcx + 0.28 * rp, pcy - 0.3 * rp),
        ];

        let mut value = self.still.clone();
        let reach = r + 3.0;
        let x0 = (icx - reach).floor().max(0.0) as usize;
        let x1 = ((icx + reach).ceil() as usize).min(w - 1);
        let y0 = (icy - reach).floor().max(0.0) as usize;
        let y1 = ((icy + reach).ceil() as usize).min(self.height as usize - 1);
        let mirror = self.eye == Eye::Left;
        for y in y0..=y1 {
            let yf = y as f32;
            for x in x0..=x1 {
                let i = y * w + x;
                if self.opening[i] <= 0.0 {
                    continue;
                }
                let xf = x as f32;
                let ri = ((xf - icx).powi(2) + (yf - icy).powi(2)).sqrt();
                if ri > r + 1.5 {
                    continue;
                }
                let (dx, dy) = (xf - pcx, yf - pcy);
                let rpix = (dx * dx + dy * dy).sqrt().max(1e-3);
                // Distance from the pupil centre to the limbus in this direction.
                let (ux, uy) = (dx / rpix, dy / rpix);
                let od = -(ox * ux + oy * uy);
                let limbus = od + (r * r - ox * ox - oy * oy + od * od).max(0.0).sqrt();
                let rn = ((rpix - rp) / (limbus - rp)).clamp(0.0, 1.0);
                let mut turns = dy.atan2(dx) / std::f32::consts::TAU;
                if mirror {
                    turns = 0.5 - turns;
                }
                let iris = self.iris_level * (1.0 + self.texture_at(rn, turns));
                let pupil = 14.0 + 4.0 * (rpix / rp);
                let mut v = pupil + (iris - pupil) * smoothstep(rp - 0.8, rp + 0.8, rpix);
                v += (self.sclera[i] - v) * smoothstep(r - 1.5, r + 1.5, ri);
                for &(gx, gy) in &glints {
                    let d = ((xf - gx).powi(2) + (yf - gy).powi(2)).sqrt();
                    v += (252.0 - v) * smoothstep(glint_r + 1.0, glint_r - 1.0, d);
                }
                let a = self.opening[i];
                let inside = v * self.shade[i];
                let behind = value[i] / (1.0 - 0.85 * self.lashes[i]).max(1e-3);
                let skin_part = behind - self.sclera[i] * self.shade[i] * a;
                value[i] = (skin_part + inside * a) * (1.0 - 0.85 * self.lashes[i]);
            }
        }
        let mut noise = Rng::derive(self.seed, 0x2_0000_0000 + frame as u64);
        for (dst, v) in out.chunks_exact_mut(3).zip(&value) {
            let g = ((v * gain) as i32 + noise3(noise.next_u64(), 6)[0]).clamp(0, 255) as u8;
            dst.copy_from_slice(&[g, g, g]);
        }
    }

    fn model(&self) -> &'static str {
        "Rekam simulated NIR iris camera"
    }

    fn details(&self) -> Vec<(String, String)> {
        vec![
            ("eye".into(), self.eye.code().into()),
            ("seed".into(), self.seed.to_string()),
            (
                "iris diameter px".into(),
                format!("{:.0}", 2.0 * self.iris_r),
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(eye: Eye, seed: u64, frame: usize) -> Vec<u8> {
        let scene = IrisScene::new(eye, seed, 640, 480);
        let mut out = vec![0u8; 640 * 480 * 3];
        scene.render(frame, 30, 640, 480, &mut out);
        out.chunks_exact(3).map(|p| p[0]).collect()
    }

    fn at(img: &[u8], x: usize, y: usize) -> u8 {
        img[y * 640 + x]
    }

    fn correlation(a: &[f64], b: &[f64]) -> f64 {
        let n = a.len() as f64;
        let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
        let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
        for (x, y) in a.iter().zip(b) {
            sab += (x - ma) * (y - mb);
            saa += (x - ma).powi(2);
            sbb += (y - mb).powi(2);
        }
        sab / (saa * sbb).sqrt()
    }

    /// The lower half of the iris unwrapped as an iris recogniser would (normalised radius
    /// 0.2..0.8 between pupil and limbus, angles below the horizontal, clear of lids and
    /// lashes), sampled from a rendered frame using the pose of that frame.
    fn unwrapped(eye: Eye, seed: u64, frame: usize) -> Vec<f64> {
        let scene = IrisScene::new(eye, seed, 640, 480);
        let img = render(eye, seed, frame);
        let pose = scene.pose(frame, 30);
        let (pcx, pcy) = (
            pose.iris_x + scene.pupil_offset.0,
            pose.iris_y + scene.pupil_offset.1,
        );
        let mut out = Vec::new();
        for k in 0..8 {
            let rn = 0.2 + 0.6 * k as f32 / 7.0;
            for j in 0..180 {
                let a = std::f32::consts::PI * (0.15 + 0.7 * j as f32 / 179.0);
                let rr = pose.pupil_r + rn * (scene.iris_r - pose.pupil_r);
                let x = (pcx + rr * a.cos()).round() as usize;
                let y = (pcy + rr * a.sin()).round() as usize;
                out.push(f64::from(at(&img, x, y)));
            }
        }
        out
    }

    #[test]
    fn pupil_is_dark_with_a_bright_glint_sclera_is_bright() {
        let scene = IrisScene::new(Eye::Right, 42, 640, 480);
        let img = render(Eye::Right, 42, 0);
        let (cx, cy) = scene.eye_centre;
        // Somewhere near the pupil centre is pupil (dark), somewhere a glint (saturated).
        let (mut darkest, mut brightest) = (255u8, 0u8);
        for y in (cy as usize - 12)..(cy as usize + 12) {
            for x in (cx as usize - 12)..(cx as usize + 12) {
                darkest = darkest.min(at(&img, x, y));
            }
        }
        for y in (cy as usize - 40)..(cy as usize + 5) {
            for x in (cx as usize - 40)..(cx as usize + 40) {
                brightest = brightest.max(at(&img, x, y));
            }
        }
        assert!(darkest < 40, "pupil {darkest}");
        assert!(brightest > 235, "glint {brightest}");
        // Sclera beside the iris, on the horizontal through the centre.
        let sclera_x = (cx + scene.iris_r * 1.3) as usize;
        assert!(at(&img, sclera_x, cy as usize) > 120, "sclera");
        // The iris itself is mid-grey with texture.
        let ring: Vec<u8> = (0..40)
            .map(|k| {
                let a = k as f32 / 40.0 * std::f32::consts::TAU;
                let rr = scene.iris_r * 0.7;
                at(
                    &img,
                    (cx + rr * a.cos()) as usize,
                    (cy + rr * a.sin() * 0.3) as usize,
                )
            })
            .collect();
        let lo = ring.iter().min().copied().unwrap_or(0);
        let hi = ring.iter().max().copied().unwrap_or(0);
        assert!(hi - lo > 20, "iris texture contrast {lo}..{hi}");
    }

    #[test]
    fn each_person_and_eye_has_its_own_iris_and_keeps_it() {
        assert_eq!(render(Eye::Right, 1, 0), render(Eye::Right, 1, 0));
        let a = unwrapped(Eye::Right, 1, 0);
        // Another frame: the eye has moved and the pupil changed size, the iris is the same.
        let same = correlation(&a, &unwrapped(Eye::Right, 1, 12));
        let other_person = correlation(&a, &unwrapped(Eye::Right, 2, 0));
        let other_eye = correlation(&a, &unwrapped(Eye::Left, 1, 0));
        assert!(same > 0.8, "same iris, later frame: {same}");
        assert!(other_person.abs() < 0.35, "another person: {other_person}");
        assert!(other_eye.abs() < 0.35, "the other eye: {other_eye}");
    }

    #[test]
    fn lids_cover_the_top_of_the_iris_and_the_pupil_changes() {
        let scene = IrisScene::new(Eye::Left, 5, 640, 480);
        let (cx, cy) = scene.eye_centre;
        // Straight above the centre at 95% of the iris radius: eyelid (skin or lashes).
        let img = render(Eye::Left, 5, 0);
        let top = at(&img, cx as usize, (cy - scene.iris_r * 0.95) as usize);
        let iris = at(&img, cx as usize, (cy + scene.iris_r * 0.6) as usize);
        assert_ne!(top, iris);
        assert!(scene.opening[(cy - scene.iris_r * 0.95) as usize * 640 + cx as usize] < 0.5);
        // Pupil size differs between frames a quarter loop apart.
        let dark = |img: &[u8]| img.iter().filter(|&&v| v < 40).count();
        let counts: Vec<usize> = [0, 7, 15, 22]
            .iter()
            .map(|&f| dark(&render(Eye::Left, 5, f)))
            .collect();
        let spread = counts.iter().max().unwrap_or(&0) - counts.iter().min().unwrap_or(&0);
        assert!(spread > 200, "dark pixel counts {counts:?}");
    }
}
