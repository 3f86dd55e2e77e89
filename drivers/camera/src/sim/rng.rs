//! The simulators' random numbers in the forms they draw them (`f32`, noise), over the shared
//! SplitMix64 generator, so that a seed gives the same person, the same iris and the same noise
//! on every machine and every run.

use rekam_device::rng::SplitMix64;

#[derive(Debug, Clone)]
pub struct Rng(SplitMix64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(SplitMix64::new(seed))
    }

    /// A generator for one named purpose under a seed, independent of the others.
    pub fn derive(seed: u64, purpose: u64) -> Self {
        let mut r = Rng::new(seed ^ purpose.wrapping_mul(0xA076_1D64_78BD_642F));
        r.next_u64();
        r
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Uniform in `[lo, hi)`.
    pub fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.unit()
    }

    /// Roughly normal noise with standard deviation 1 (sum of four uniforms).
    pub fn gauss(&mut self) -> f32 {
        let s = self.unit() + self.unit() + self.unit() + self.unit();
        (s - 2.0) * 1.732
    }
}

/// Periodic 1-D value noise: `n` random values around a circle, smoothly interpolated.
#[derive(Debug, Clone)]
pub struct Ring(Vec<f32>);

impl Ring {
    /// `n` knots with values in `[-1, 1)`.
    pub fn new(rng: &mut Rng, n: usize) -> Self {
        Ring((0..n.max(2)).map(|_| rng.range(-1.0, 1.0)).collect())
    }

    /// The value at `t` turns (any real; period 1), smooth (cosine interpolation).
    pub fn at(&self, t: f32) -> f32 {
        let n = self.0.len();
        let x = t.rem_euclid(1.0) * n as f32;
        let i = (x as usize).min(n - 1);
        let f = x - i as f32;
        let w = (1.0 - (f * std::f32::consts::PI).cos()) * 0.5;
        self.0[i] * (1.0 - w) + self.0[(i + 1) % n] * w
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_spread() {
        let a: Vec<u64> = {
            let mut r = Rng::new(7);
            (0..4).map(|_| r.next_u64()).collect()
        };
        let b: Vec<u64> = {
            let mut r = Rng::new(7);
            (0..4).map(|_| r.next_u64()).collect()
        };
        assert_eq!(a, b);
        assert_ne!(Rng::derive(7, 1).next_u64(), Rng::derive(7, 2).next_u64());
        let mut r = Rng::new(1);
        let mean = (0..10_000).map(|_| r.unit()).sum::<f32>() / 10_000.0;
        assert!((mean - 0.5).abs() < 0.02);
    }

    #[test]
    fn ring_is_periodic_and_bounded() {
        let ring = Ring::new(&mut Rng::new(3), 16);
        assert!((ring.at(0.25) - ring.at(1.25)).abs() < 1e-5);
        assert!((ring.at(0.999_999) - ring.at(0.0)).abs() < 1e-3);
        assert!((0..100).all(|i| ring.at(i as f32 / 100.0).abs() <= 1.0));
    }
}
