//! Smooth random fields (value noise on a coarse grid, interpolated with a smoothstep), used for
//! slow variations: ridge period across a finger, pressure and dryness patches, skin elasticity.
//! Cheap to sample per pixel, unlike sums of sines.

use super::rng::Rng;

/// A random field in roughly `[-1, 1]` with features about `cell` pixels across.
#[derive(Debug, Clone)]
pub struct Field {
    cols: usize,
    rows: usize,
    inv_cell: f32,
    values: Vec<f32>,
}

impl Field {
    /// Covers `[0, width) x [0, height)` (sampling outside clamps to the border).
    pub fn new(rng: &mut Rng, width: f32, height: f32, cell: f32) -> Field {
        let cell = cell.max(1.0);
        let cols = (width / cell).ceil().max(1.0) as usize + 2;
        let rows = (height / cell).ceil().max(1.0) as usize + 2;
        let values = (0..cols * rows).map(|_| rng.range(-1.0, 1.0)).collect();
        Field {
            cols,
            rows,
            inv_cell: 1.0 / cell,
            values,
        }
    }

    pub fn sample(&self, x: f32, y: f32) -> f32 {
        let gx = (x * self.inv_cell).clamp(0.0, (self.cols - 1) as f32);
        let gy = (y * self.inv_cell).clamp(0.0, (self.rows - 1) as f32);
        let x0 = (gx as usize).min(self.cols.saturating_sub(2));
        let y0 = (gy as usize).min(self.rows.saturating_sub(2));
        let x1 = (x0 + 1).min(self.cols - 1);
        let y1 = (y0 + 1).min(self.rows - 1);
        let fx = smooth(gx - x0 as f32);
        let fy = smooth(gy - y0 as f32);
        let v = |c: usize, r: usize| self.values[r * self.cols + c];
        let top = v(x0, y0) + (v(x1, y0) - v(x0, y0)) * fx;
        let bottom = v(x0, y1) + (v(x1, y1) - v(x0, y1)) * fx;
        top + (bottom - top) * fy
    }
}

fn smooth(t: f32) -> f32 {
    let t = t.clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_is_bounded_continuous_and_deterministic() {
        let f = Field::new(&mut Rng::new(3), 400.0, 500.0, 50.0);
        let g = Field::new(&mut Rng::new(3), 400.0, 500.0, 50.0);
        let mut prev = f.sample(0.0, 100.0);
        for i in 1..4000 {
            let x = i as f32 * 0.1;
            let v = f.sample(x, 100.0);
            assert!((-1.0..=1.0).contains(&v));
            assert!((v - prev).abs() < 0.01, "jump at {x}");
            assert_eq!(v, g.sample(x, 100.0));
            prev = v;
        }
        // Outside the area it clamps rather than panicking.
        let _ = f.sample(-100.0, 1e9);
    }
}
