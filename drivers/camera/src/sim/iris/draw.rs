//! Drawing the parts of a simulated eye that do not move: the iris texture in normalised polar
//! coordinates, the eyelid curves, and the lashes.

use crate::sim::rng::{Ring, Rng};
use crate::sim::smoothstep;

use super::{N_R, N_T};

/// Upper and lower eyelid at column `x`: `(upper_y, lower_y, t)` with `t` in -1..1 across the
/// eye opening (outside it, `|t| > 1`).
#[derive(Debug, Clone, Copy)]
pub(super) struct Lids {
    pub cx: f32,
    pub cy: f32,
    pub half_width: f32,
    pub upper: f32,
    pub lower: f32,
    pub tilt: f32,
}

impl Lids {
    pub fn at(&self, x: f32) -> (f32, f32, f32) {
        let t = (x - self.cx) / self.half_width;
        let open = (1.0 - t * t).max(0.0);
        // The nasal corner sits a little lower than the temporal one.
        let tilt = self.tilt * t;
        (
            self.cy - self.upper * open.powf(0.8) + tilt,
            self.cy + self.lower * open + tilt,
            t,
        )
    }
}

/// Builds one iris texture: radial fibres, collarette, crypts, furrows, limbus and pupil ruff.
pub(super) fn iris_texture(rng: &mut Rng) -> Vec<f32> {
    let fine = Ring::new(rng, 420);
    let medium = Ring::new(rng, 130);
    let coarse = Ring::new(rng, 24);
    let warp = Ring::new(rng, 16);
    let collarette = Ring::new(rng, 18);
    let along = Ring::new(rng, 300);
    let crypts: Vec<(f32, f32, f32, f32, f32)> = (0..rng.range(6.0, 15.0) as usize)
        .map(|_| {
            (
                rng.range(0.38, 0.8),   // radius
                rng.unit(),             // angle, turns
                rng.range(0.03, 0.08),  // radial extent
                rng.range(0.008, 0.03), // angular extent, turns
                rng.range(0.2, 0.45),   // depth
            )
        })
        .collect();
    let furrows: Vec<(f32, Ring)> = (0..rng.range(2.0, 5.0) as usize)
        .map(|_| (rng.range(0.6, 0.9), Ring::new(rng, 12)))
        .collect();
    let mut texture = vec![0f32; N_R * N_T];
    for i in 0..N_R {
        let rn = (i as f32 + 0.5) / N_R as f32;
        for j in 0..N_T {
            let t = j as f32 / N_T as f32;
            // Fibres run radially, bending slowly with the radius, and vary in brightness
            // along their length.
            let tw = t + 0.006 * warp.at(t + rn * 0.05);
            let streak =
                0.75 + 0.25 * (std::f32::consts::TAU * (rn * 2.5 + 0.5 * along.at(tw))).sin();
            let mut v = (0.2 * fine.at(tw) + 0.12 * medium.at(tw + 0.01 * rn)) * streak
                + 0.06 * coarse.at(t);
            let rc = 0.33 + 0.05 * collarette.at(t);
            if rn < rc {
                v = v * 0.6 + 0.06; // pupillary zone: smoother, a little brighter
            }
            v += 0.16 * (-((rn - rc) / 0.03).powi(2)).exp();
            for &(cr, ct, dr, dt, depth) in &crypts {
                let da = (t - ct + 0.5).rem_euclid(1.0) - 0.5;
                v -= depth * (-((rn - cr) / dr).powi(2) - (da / dt).powi(2)).exp();
            }
            for (rf, m) in &furrows {
                v -= 0.1 * (-((rn - rf) / 0.012).powi(2)).exp() * (0.6 + 0.4 * m.at(t));
            }
            v -= 0.3 * smoothstep(0.82, 1.0, rn);
            v -= 0.15 * (1.0 - smoothstep(0.0, 0.06, rn));
            texture[i * N_T + j] = v;
        }
    }
    texture
}

/// Upper lashes (many, some drooping over the iris), lower lashes (few, short), and the lash
/// line along the upper lid, as darkness in 0..=1.
pub(super) fn draw_lashes(w: usize, h: usize, lids: &Lids, r: f32, rng: &mut Rng) -> Vec<f32> {
    let mut alpha = vec![0f32; w * h];
    // The lash line: a dark band just above the upper lid margin.
    for y in 0..h {
        for x in 0..w {
            let (up, _, t) = lids.at(x as f32);
            if t.abs() < 1.0 {
                let a = 0.75 * (-((y as f32 - (up - 1.5)) / 1.8).powi(2)).exp();
                alpha[y * w + x] = alpha[y * w + x].max(a);
            }
        }
    }
    let mut lash = |base_t: f32, upper: bool, rng: &mut Rng| {
        let bx = lids.cx + base_t * lids.half_width;
        let (up, low, _) = lids.at(bx);
        let (by, sign) = if upper {
            (up - 1.0, -1.0)
        } else {
            (low + 1.0, 1.0)
        };
        // Upper lashes mostly rise, but about one in three droops over the eye.
        let droop = upper && rng.unit() < 0.35;
        let len = if !upper {
            rng.range(0.1, 0.22) * r
        } else if droop {
            rng.range(0.15, 0.35) * r
        } else {
            rng.range(0.25, 0.5) * r
        };
        let vertical = if droop { -sign } else { sign };
        let spread = base_t * rng.range(0.6, 1.2) + rng.range(-0.25, 0.25);
        let dir = (spread, vertical);
        let norm = (dir.0 * dir.0 + dir.1 * dir.1).sqrt();
        let (dx, dy) = (dir.0 / norm, dir.1 / norm);
        let curl = rng.range(-0.3, 0.3) * len;
        let p0 = (bx, by);
        let p1 = (
            bx + dx * len * 0.5 - dy * curl,
            by + dy * len * 0.5 + dx * curl,
        );
        let p2 = (bx + dx * len, by + dy * len + sign * 0.2 * curl.abs());
        let darkness = if upper {
            rng.range(0.7, 0.95)
        } else {
            rng.range(0.4, 0.7)
        };
        let steps = (len * 2.0) as usize + 2;
        for k in 0..=steps {
            let s = k as f32 / steps as f32;
            let q = 1.0 - s;
            let x = q * q * p0.0 + 2.0 * q * s * p1.0 + s * s * p2.0;
            let y = q * q * p0.1 + 2.0 * q * s * p1.1 + s * s * p2.1;
            let radius = 0.9 * (1.0 - s) + 0.35;
            splat(&mut alpha, w, h, x, y, radius, darkness);
        }
    };
    for _ in 0..rng.range(70.0, 110.0) as usize {
        let t = rng.range(-0.92, 0.92);
        lash(t, true, rng);
    }
    for _ in 0..rng.range(25.0, 40.0) as usize {
        let t = rng.range(-0.85, 0.85);
        lash(t, false, rng);
    }
    alpha
}

/// Draws an anti-aliased disc of darkness `a` (keeping the darker value).
fn splat(alpha: &mut [f32], w: usize, h: usize, x: f32, y: f32, radius: f32, a: f32) {
    let reach = radius + 1.0;
    let (x0, x1) = (
        (x - reach).floor().max(0.0),
        (x + reach).ceil().min(w as f32 - 1.0),
    );
    let (y0, y1) = (
        (y - reach).floor().max(0.0),
        (y + reach).ceil().min(h as f32 - 1.0),
    );
    if x1 < x0 || y1 < y0 {
        return;
    }
    for py in y0 as usize..=y1 as usize {
        for px in x0 as usize..=x1 as usize {
            let d = ((px as f32 - x).powi(2) + (py as f32 - y).powi(2)).sqrt();
            let cover = (radius + 0.5 - d).clamp(0.0, 1.0) * a;
            let cell = &mut alpha[py * w + px];
            *cell = cell.max(cover);
        }
    }
}
