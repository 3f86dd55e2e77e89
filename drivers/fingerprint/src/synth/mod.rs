//! Realistic synthetic fingerprints for the simulator and for tests of matching and sequence
//! checks: ten consistent master prints per simulated person (ridge patterns with loops, whorls
//! and arches grown along an orientation field, SFinGe-style), and a new impression of a master
//! for every capture (placement, rotation, pressure, partial contact, skin distortion, noise).
//! The `*_with` methods add [`Conditions`] on top (dry or wet skin, faint, blurred or noisy
//! images, a fingertip-only touch, a turned finger, a finger left off, a dirty platen) for tests
//! and for evaluating quality measures.
//!
//! Everything is deterministic given the seeds: `SyntheticPerson::new(seed)` always gives the same
//! ten fingers, and an impression depends only on the master and the [`Rng`] it is given.

mod field;
mod impression;
mod pattern;
mod ridges;
mod rng;

pub use impression::{Conditions, Impression, Pose};
pub use pattern::{FingerShape, PatternClass, pattern_classes};
pub use rng::Rng;

use crate::mode::{CaptureMode, Finger, Hand};
use pattern::{Layout, PersonTraits, stream};

/// An 8-bit grayscale image, row-major, 255 = background (no skin on the platen), dark = ridge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrayImage {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

impl GrayImage {
    /// An all-background image.
    pub fn blank(width: u32, height: u32) -> GrayImage {
        GrayImage {
            width,
            height,
            pixels: vec![255; width as usize * height as usize],
        }
    }

    pub fn get(&self, x: u32, y: u32) -> u8 {
        self.pixels[y as usize * self.width as usize + x as usize]
    }
}

/// The master print of one finger: its ridge pattern over the whole pad, from which every
/// impression is taken.
#[derive(Debug, Clone)]
pub struct FingerMaster {
    finger: Finger,
    layout: Layout,
    /// `width * height` values in `[-1, 1]`, 1 = ridge centre.
    ridges: Vec<f32>,
}

impl FingerMaster {
    fn new(seed: u64, finger: Finger, class: PatternClass, person: PersonTraits) -> FingerMaster {
        let layout = Layout::new(seed, finger, class, person);
        let mut rng = Rng::derive(seed, stream::SEEDS + u64::from(finger.position()));
        let ridges = ridges::grow(&layout, &mut rng);
        FingerMaster {
            finger,
            layout,
            ridges,
        }
    }

    pub fn finger(&self) -> Finger {
        self.finger
    }

    pub fn class(&self) -> PatternClass {
        self.layout.class
    }

    pub fn width(&self) -> usize {
        self.layout.width
    }

    pub fn height(&self) -> usize {
        self.layout.height
    }

    /// Ridge field, `width * height` values in `[-1, 1]` (1 = ridge centre).
    pub fn ridges(&self) -> &[f32] {
        &self.ridges
    }

    /// Cores of the pattern, master coordinates.
    pub fn cores(&self) -> &[(f32, f32)] {
        &self.layout.cores
    }

    /// Deltas of the pattern, master coordinates (they may lie outside the pad).
    pub fn deltas(&self) -> &[(f32, f32)] {
        &self.layout.deltas
    }

    /// The contact outline of the pad.
    pub fn shape(&self) -> FingerShape {
        self.layout.shape
    }

    /// Mean ridge period in pixels at 500 ppi.
    pub fn ridge_period(&self) -> f32 {
        self.layout.period
    }

    /// Ridge orientation of the model at a master point, radians in `[0, pi)`.
    pub fn orientation(&self, x: f32, y: f32) -> f32 {
        self.layout.orientation(x, y)
    }

    /// Bilinear sample of the ridge field; 0 outside.
    pub fn sample(&self, x: f32, y: f32) -> f32 {
        let (w, h) = (self.layout.width, self.layout.height);
        if !(x >= 0.0 && y >= 0.0) {
            return 0.0;
        }
        let (x0, y0) = (x as usize, y as usize);
        if x0 + 1 >= w || y0 + 1 >= h {
            return 0.0;
        }
        let (fx, fy) = (x - x0 as f32, y - y0 as f32);
        let i = y0 * w + x0;
        let r = &self.ridges;
        let top = r[i] + (r[i + 1] - r[i]) * fx;
        let bottom = r[i + w] + (r[i + w + 1] - r[i + w]) * fx;
        top + (bottom - top) * fy
    }

    /// The whole master rendered as an ideal print: full contact, even pressure, no noise.
    pub fn render(&self) -> GrayImage {
        impression::render_master(self)
    }
}

/// A simulated person: ten master prints that stay the same for the same seed.
#[derive(Debug, Clone)]
pub struct SyntheticPerson {
    seed: u64,
    masters: Vec<FingerMaster>,
}

impl SyntheticPerson {
    /// Grows the person's ten master prints (in parallel on up to four threads).
    pub fn new(seed: u64) -> SyntheticPerson {
        let classes = pattern_classes(seed);
        let traits = PersonTraits::new(seed);
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .clamp(1, 4);
        let mut slots: Vec<Option<FingerMaster>> = vec![None; 10];
        std::thread::scope(|scope| {
            let chunk = 10usize.div_ceil(threads);
            for (t, part) in slots.chunks_mut(chunk).enumerate() {
                scope.spawn(move || {
                    for (i, slot) in part.iter_mut().enumerate() {
                        let index = t * chunk + i;
                        let finger = Finger::ALL[index];
                        *slot = Some(FingerMaster::new(seed, finger, classes[index], traits));
                    }
                });
            }
        });
        let masters = slots
            .into_iter()
            .enumerate()
            .map(|(i, m)| {
                // A worker thread only ends without filling its slots by panicking, which the
                // scope has already propagated; this fallback keeps the type total.
                m.unwrap_or_else(|| FingerMaster::new(seed, Finger::ALL[i], classes[i], traits))
            })
            .collect();
        SyntheticPerson { seed, masters }
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn master(&self, finger: Finger) -> &FingerMaster {
        &self.masters[finger.index()]
    }

    pub fn masters(&self) -> &[FingerMaster] {
        &self.masters
    }

    /// Pattern classes by finger index.
    pub fn classes(&self) -> [PatternClass; 10] {
        pattern_classes(self.seed)
    }

    /// A new flat impression (400 x 500) of one finger.
    pub fn impression(&self, finger: Finger, rng: &mut Rng) -> Impression {
        self.impression_with(finger, rng, &Conditions::default())
    }

    /// A flat impression (400 x 500) of one finger under `cond`.
    pub fn impression_with(&self, finger: Finger, rng: &mut Rng, cond: &Conditions) -> Impression {
        impression::flat(self.master(finger), rng, cond)
    }

    /// A four-finger slap (1600 x 1500) of one hand, with where each finger landed.
    pub fn slap(&self, hand: Hand, rng: &mut Rng) -> Impression {
        self.slap_with(hand, rng, &Conditions::default())
    }

    /// A four-finger slap (1600 x 1500) of one hand under `cond`.
    pub fn slap_with(&self, hand: Hand, rng: &mut Rng, cond: &Conditions) -> Impression {
        let masters: Vec<&FingerMaster> = CaptureMode::slap(hand)
            .fingers()
            .into_iter()
            .map(|f| self.master(f))
            .collect();
        impression::slap(&masters, hand, rng, cond)
    }

    /// Both thumbs side by side (1600 x 1000): left thumb on the left.
    pub fn thumbs(&self, rng: &mut Rng) -> Impression {
        self.thumbs_with(rng, &Conditions::default())
    }

    /// Both thumbs side by side (1600 x 1000) under `cond`.
    pub fn thumbs_with(&self, rng: &mut Rng, cond: &Conditions) -> Impression {
        impression::thumbs(
            self.master(Finger::LeftThumb),
            self.master(Finger::RightThumb),
            rng,
            cond,
        )
    }

    /// The image a scanner would capture in `mode`.
    pub fn capture(&self, mode: CaptureMode, rng: &mut Rng) -> Impression {
        self.capture_with(mode, rng, &Conditions::default())
    }

    /// The image a scanner would capture in `mode` under `cond`.
    pub fn capture_with(&self, mode: CaptureMode, rng: &mut Rng, cond: &Conditions) -> Impression {
        match mode {
            CaptureMode::Flat(f) => self.impression_with(f, rng, cond),
            CaptureMode::SlapRight => self.slap_with(Hand::Right, rng, cond),
            CaptureMode::SlapLeft => self.slap_with(Hand::Left, rng, cond),
            CaptureMode::TwoThumbs => self.thumbs_with(rng, cond),
        }
    }
}
