//! The global shape of a synthetic finger: its pattern class and where its cores and deltas lie,
//! the ridge orientation field that follows from them (Sherlock–Monro zero-pole model on top of a
//! fingertip arch field), the ridge period map and the outline of the finger's contact area.

use std::f32::consts::PI;

use serde::{Deserialize, Serialize};

use super::field::Field;
use super::rng::Rng;
use crate::mode::{Finger, Hand};

/// Henry/NIST first-level pattern classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PatternClass {
    /// Ridges enter on one side, rise gently in the middle and leave on the other side.
    PlainArch,
    /// An arch with a sharp upthrust in the middle (a core and a delta very close together).
    TentedArch,
    /// Ridges enter on the left, recurve and leave on the left (as the print is read); the delta
    /// lies to the right of the core.
    LeftLoop,
    /// The mirror image: ridges open to the right, delta to the left.
    RightLoop,
    /// Circular or spiral ridges around the core, a delta on each side.
    Whorl,
}

impl PatternClass {
    pub const ALL: [PatternClass; 5] = [
        PatternClass::PlainArch,
        PatternClass::TentedArch,
        PatternClass::LeftLoop,
        PatternClass::RightLoop,
        PatternClass::Whorl,
    ];

    /// How many cores and deltas the class has: arch 0/0, tented arch 1/1, loop 1/1, whorl 2/2
    /// (a whorl's "core" is drawn as two close cores, which gives spirals and double loops).
    pub fn singular_points(self) -> (usize, usize) {
        match self {
            PatternClass::PlainArch => (0, 0),
            PatternClass::TentedArch | PatternClass::LeftLoop | PatternClass::RightLoop => (1, 1),
            PatternClass::Whorl => (2, 2),
        }
    }
}

/// Pattern type relative to the hand, which is how finger-by-finger frequencies are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Loop opening towards the little finger (the ulna).
    Ulnar,
    /// Loop opening towards the thumb (the radius).
    Radial,
    Whorl,
    Arch,
    Tented,
}

/// Relative frequencies per digit (thumb, index, middle, ring, little) of ulnar loop, radial
/// loop, whorl, plain arch, tented arch. Rounded from published finger-by-finger pattern
/// surveys; over all ten fingers they give about 60 % loops, 32 % whorls and 7 % arches, in line
/// with the natural distribution used for NIST SD4 and SFinGe (L 33.8, R 31.7, W 27.9,
/// A 3.7, T 2.9 %).
const PRIORS: [[f32; 5]; 5] = [
    [0.50, 0.01, 0.45, 0.03, 0.01],
    [0.34, 0.18, 0.32, 0.09, 0.07],
    [0.70, 0.02, 0.20, 0.05, 0.03],
    [0.51, 0.01, 0.45, 0.02, 0.01],
    [0.85, 0.01, 0.12, 0.015, 0.005],
];

fn draw_kind(rng: &mut Rng, digit: u8, whorl_bias: f32) -> Kind {
    let p = PRIORS[usize::from(digit).min(4)];
    // A person tends to many whorls or to many loops and arches: the person's bias scales the
    // whorl weight up and the arch weights down, or the reverse.
    let w = [
        p[0],
        p[1],
        p[2] * (0.9 * whorl_bias).exp(),
        p[3] * (-1.1 * whorl_bias).exp(),
        p[4] * (-1.1 * whorl_bias).exp(),
    ];
    let total: f32 = w.iter().sum();
    let mut t = rng.f32() * total;
    let kinds = [
        Kind::Ulnar,
        Kind::Radial,
        Kind::Whorl,
        Kind::Arch,
        Kind::Tented,
    ];
    for (k, weight) in kinds.iter().zip(w) {
        if t < weight {
            return *k;
        }
        t -= weight;
    }
    Kind::Ulnar
}

fn class_of(kind: Kind, hand: Hand) -> PatternClass {
    // In a print read like an inked card, the right hand's little finger is on the right, so a
    // right-hand ulnar loop opens to the right (a right loop); the left hand mirrors it.
    match (kind, hand) {
        (Kind::Ulnar, Hand::Right) | (Kind::Radial, Hand::Left) => PatternClass::RightLoop,
        (Kind::Ulnar, Hand::Left) | (Kind::Radial, Hand::Right) => PatternClass::LeftLoop,
        (Kind::Whorl, _) => PatternClass::Whorl,
        (Kind::Arch, _) => PatternClass::PlainArch,
        (Kind::Tented, _) => PatternClass::TentedArch,
    }
}

/// Random stream numbers, so that one decision never shifts the random numbers of another.
pub(crate) mod stream {
    pub const CLASSES: u64 = 1;
    pub const PERSON: u64 = 2;
    pub const FINGER: u64 = 100;
    pub const SEEDS: u64 = 200;
}

/// The ten pattern classes of the person with this seed, by finger index (position - 1). Cheap:
/// it renders nothing.
pub fn pattern_classes(seed: u64) -> [PatternClass; 10] {
    let mut rng = Rng::derive(seed, stream::CLASSES);
    let whorl_bias = rng.normal();
    let mut out = [PatternClass::PlainArch; 10];
    for digit in 0..5u8 {
        let right = draw_kind(&mut rng, digit, whorl_bias);
        // The same finger of both hands usually carries the same type of pattern.
        let left = if rng.chance(0.65) {
            right
        } else {
            draw_kind(&mut rng, digit, whorl_bias)
        };
        out[usize::from(digit)] = class_of(right, Hand::Right);
        out[usize::from(digit) + 5] = class_of(left, Hand::Left);
    }
    out
}

/// The contact outline of a finger pad in master coordinates: an ellipse over the tip that turns
/// into a squarer super-ellipse towards the first crease.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FingerShape {
    pub cx: f32,
    pub cy: f32,
    pub half_width: f32,
    /// Distance from the centre up to the tip.
    pub top: f32,
    /// Distance from the centre down to the bottom of the contact area.
    pub bottom: f32,
}

impl FingerShape {
    /// Normalised distance from the centre: below 1 inside the outline, 1 on it. `scale` grows
    /// or shrinks the outline (pressure flattens the pad over a larger area).
    pub fn radius(&self, x: f32, y: f32, scale: f32) -> f32 {
        let u = (x - self.cx) / (self.half_width * scale);
        if y < self.cy {
            let v = (self.cy - y) / (self.top * scale);
            (u * u + v * v).sqrt()
        } else {
            let v = (y - self.cy) / (self.bottom * scale);
            // Exponent 3: the pad is squarer towards the crease than at the tip.
            let (u, v) = (u.abs(), v.abs());
            (u * u * u + v * v * v).cbrt()
        }
    }
}

impl FingerShape {
    /// Contact strength in `[0, 1]`: 1 inside, falling linearly to 0 over the last `edge` of
    /// the normalised radius. Avoids the roots of [`radius`](Self::radius) away from the edge.
    pub fn contact(&self, x: f32, y: f32, scale: f32, edge: f32) -> f32 {
        let inner = 1.0 - edge;
        let u = (x - self.cx) / (self.half_width * scale);
        let powered = if y < self.cy {
            let v = (self.cy - y) / (self.top * scale);
            let d = u * u + v * v;
            if d < inner * inner {
                return 1.0;
            }
            if d >= 1.0 {
                return 0.0;
            }
            d.sqrt()
        } else {
            let v = (y - self.cy) / (self.bottom * scale);
            let (u, v) = (u.abs(), v.abs());
            let d = u * u * u + v * v * v;
            if d < inner * inner * inner {
                return 1.0;
            }
            if d >= 1.0 {
                return 0.0;
            }
            d.cbrt()
        };
        ((1.0 - powered) / edge).clamp(0.0, 1.0)
    }
}

/// Everything that fixes a master print before ridges are grown.
#[derive(Debug, Clone)]
pub struct Layout {
    pub class: PatternClass,
    pub width: usize,
    pub height: usize,
    pub shape: FingerShape,
    pub cores: Vec<(f32, f32)>,
    pub deltas: Vec<(f32, f32)>,
    /// Mean ridge period in pixels at 500 ppi.
    pub period: f32,
    arch_cx: f32,
    arch_top: f32,
    arch_radius: f32,
    arch_flatten: f32,
    /// Plain arches: ridges rise in a hump over the pad's centre, `(centre y, height, width)`.
    hump: Option<(f32, f32, f32)>,
    period_field: Field,
}

/// Traits shared by all ten fingers of one person.
#[derive(Debug, Clone, Copy)]
pub struct PersonTraits {
    /// Ridge period in pixels (adult ridge breadth at 500 ppi: about 8.5 to 10.5 px).
    pub period: f32,
    /// Finger size factor.
    pub size: f32,
}

impl PersonTraits {
    pub fn new(seed: u64) -> PersonTraits {
        let mut rng = Rng::derive(seed, stream::PERSON);
        PersonTraits {
            period: (9.4 + 0.45 * rng.normal()).clamp(8.4, 10.6),
            size: (1.0 + 0.06 * rng.normal()).clamp(0.86, 1.14),
        }
    }
}

impl Layout {
    pub fn new(seed: u64, finger: Finger, class: PatternClass, person: PersonTraits) -> Layout {
        let mut rng = Rng::derive(seed, stream::FINGER + u64::from(finger.position()));
        // Pad sizes in pixels at 500 ppi (about 19.7 px per mm): thumbs ~20 mm wide, little
        // fingers ~13 mm.
        let (w_mm, h_mm) = match finger.digit() {
            0 => (19.5, 25.0),
            1 => (15.5, 22.0),
            2 => (16.0, 23.0),
            3 => (15.0, 22.0),
            _ => (13.0, 19.0),
        };
        let px = 19.685 * person.size * rng.range(0.95, 1.05);
        let half_width = 0.5 * w_mm * px;
        let top = 0.48 * h_mm * px;
        let bottom = 0.62 * h_mm * px;
        let margin = 40.0;
        let width = (2.0 * (half_width + margin)).ceil() as usize & !1;
        let height = (top + bottom + 2.0 * margin).ceil() as usize & !1;
        let shape = FingerShape {
            cx: width as f32 / 2.0,
            cy: margin + top,
            half_width,
            top,
            bottom,
        };

        // The core sits near the middle of the pad, a little below the centre of the tip ellipse.
        let core_x = shape.cx + rng.normal() * 0.06 * half_width;
        let core_y = shape.cy + rng.normal() * 0.08 * top + 0.05 * top;
        let p = person.period * if finger.is_thumb() { 1.06 } else { 1.0 };
        let mut cores = Vec::new();
        let mut deltas = Vec::new();
        match class {
            PatternClass::PlainArch => {}
            PatternClass::TentedArch => {
                cores.push((core_x, core_y));
                deltas.push((
                    core_x + rng.normal() * 0.4 * p,
                    core_y + rng.range(3.5, 6.0) * p,
                ));
            }
            PatternClass::LeftLoop | PatternClass::RightLoop => {
                // Core to delta: 6 to 16 ridges in a typical loop.
                let ridges = rng.range(6.0, 15.0);
                let angle = rng.range(35.0f32, 60.0).to_radians();
                let side = if class == PatternClass::LeftLoop {
                    1.0
                } else {
                    -1.0
                };
                cores.push((core_x - side * 0.10 * half_width, core_y));
                deltas.push((
                    core_x + side * ridges * p * angle.cos(),
                    core_y + ridges * p * angle.sin(),
                ));
            }
            PatternClass::Whorl => {
                // Two cores a few ridges apart give spirals and double loops.
                let sep = rng.range(0.5, 3.5) * p;
                let tilt = rng.range(-1.2, 1.2);
                let (dx, dy) = (0.5 * sep * tilt.sin(), 0.5 * sep * tilt.cos());
                cores.push((core_x - dx, core_y - dy));
                cores.push((core_x + dx, core_y + dy));
                for side in [-1.0, 1.0] {
                    let ridges = rng.range(8.0, 14.0);
                    let angle = rng.range(35.0f32, 55.0).to_radians();
                    deltas.push((
                        core_x + side * ridges * p * angle.cos(),
                        core_y + ridges * p * angle.sin(),
                    ));
                }
            }
        }

        let arch_top = shape.cy - top * rng.range(0.55, 0.85);
        let hump = (class == PatternClass::PlainArch).then(|| {
            (
                shape.cy + rng.normal() * 0.1 * top,
                rng.range(0.25, 0.5) * half_width,
                rng.range(0.3, 0.5) * half_width,
            )
        });
        let period_field = Field::new(&mut rng, width as f32, height as f32, 90.0);
        Layout {
            class,
            width,
            height,
            shape,
            cores,
            deltas,
            period: p,
            arch_cx: shape.cx + rng.normal() * 0.05 * half_width,
            arch_top,
            arch_radius: rng.range(0.9, 1.4) * half_width,
            arch_flatten: rng.range(2.0, 4.0),
            hump,
            period_field,
        }
    }

    /// Ridge orientation at `(x, y)`, radians in `[0, pi)`, image coordinates (y down).
    pub fn orientation(&self, x: f32, y: f32) -> f32 {
        // Fingertip arch: ridges curve over the tip and flatten towards the crease.
        let below = (y - self.arch_top).max(0.0);
        let radius = self.arch_radius + self.arch_flatten * below;
        let mut slope = (x - self.arch_cx) / radius;
        if let Some((hy, height, width)) = self.hump {
            // Ridge lines y = y0 - h(y0) * exp(-dx^2 / 2w^2), with the hump height h largest at
            // the hump's centre row and fading above and below.
            let dx = x - self.arch_cx;
            let rows = (y - hy) / (1.6 * width);
            let h = height * (-rows * rows).exp();
            slope += h * dx / (width * width) * (-dx * dx / (2.0 * width * width)).exp();
        }
        let mut theta = slope.atan();
        // Zero-pole model (Sherlock and Monro): each core adds half its argument, each delta
        // subtracts it.
        for &(cx, cy) in &self.cores {
            theta += 0.5 * (y - cy).atan2(x - cx);
        }
        for &(dx, dy) in &self.deltas {
            theta -= 0.5 * (y - dy).atan2(x - dx);
        }
        theta.rem_euclid(PI)
    }

    /// Local ridge period in pixels at 500 ppi.
    pub fn period_at(&self, x: f32, y: f32) -> f32 {
        // Ridges are a little wider apart towards the bottom of the pad.
        let low = ((y - self.shape.cy) / self.shape.bottom).clamp(0.0, 1.0);
        self.period * (1.0 + 0.07 * self.period_field.sample(x, y) + 0.06 * low)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_follow_realistic_proportions_and_are_deterministic() {
        let mut counts = [0usize; 5];
        for seed in 0..2000u64 {
            for c in pattern_classes(seed) {
                counts[PatternClass::ALL
                    .iter()
                    .position(|&k| k == c)
                    .expect("known")] += 1;
            }
        }
        let total = 20_000.0;
        let share = |i: usize| counts[i] as f64 / total;
        let arches = share(0) + share(1);
        let loops = share(2) + share(3);
        let whorls = share(4);
        assert!((0.03..0.12).contains(&arches), "{counts:?}");
        assert!((0.50..0.72).contains(&loops), "{counts:?}");
        assert!((0.22..0.40).contains(&whorls), "{counts:?}");
        assert!(counts.iter().all(|&n| n > 0), "{counts:?}");
        assert_eq!(pattern_classes(99), pattern_classes(99));
    }

    #[test]
    fn contact_agrees_with_the_radius() {
        let s = FingerShape {
            cx: 200.0,
            cy: 220.0,
            half_width: 150.0,
            top: 200.0,
            bottom: 260.0,
        };
        let edge = 0.05;
        for y in (0..520).step_by(7) {
            for x in (0..400).step_by(7) {
                let (x, y) = (x as f32, y as f32);
                let from_radius = ((1.0 - s.radius(x, y, 0.9)) / edge).clamp(0.0, 1.0);
                assert!(
                    (s.contact(x, y, 0.9, edge) - from_radius).abs() < 1e-4,
                    "{x},{y}"
                );
            }
        }
    }

    #[test]
    fn ulnar_loops_dominate_on_the_little_fingers() {
        let mut right = 0;
        let mut left = 0;
        for seed in 0..500u64 {
            let c = pattern_classes(seed);
            right += usize::from(c[Finger::RightLittle.index()] == PatternClass::RightLoop);
            left += usize::from(c[Finger::LeftLittle.index()] == PatternClass::LeftLoop);
        }
        assert!(right > 350 && left > 350, "{right} {left}");
    }
}
