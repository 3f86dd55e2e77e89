//! Synthetic fingerprints: deterministic per seed, ridges that follow the pattern's orientation
//! field at a realistic period, pattern classes in realistic proportions, and impressions that
//! differ from capture to capture yet match their own finger and not the others.

use std::f32::consts::PI;
use std::sync::{Arc, OnceLock};

use rekam_fingerprint::mode::{Finger, Hand};
use rekam_fingerprint::synth::{
    FingerMaster, Impression, PatternClass, Rng, SyntheticPerson, pattern_classes,
};

fn person() -> Arc<SyntheticPerson> {
    static P: OnceLock<Arc<SyntheticPerson>> = OnceLock::new();
    P.get_or_init(|| Arc::new(SyntheticPerson::new(2024)))
        .clone()
}

#[test]
fn same_seed_gives_the_same_ten_masters() {
    let a = person();
    let b = SyntheticPerson::new(2024);
    for f in Finger::ALL {
        assert_eq!(a.master(f).ridges(), b.master(f).ridges(), "{f}");
        assert_eq!(a.master(f).class(), b.master(f).class());
    }
    assert_eq!(a.classes(), pattern_classes(2024));
    // Ten different fingers, not one pattern ten times.
    let r = a.master(Finger::RightIndex).ridges();
    let l = a.master(Finger::LeftIndex).ridges();
    assert_ne!(r, l);
}

#[test]
fn pattern_classes_all_occur_across_people() {
    let mut seen = std::collections::HashMap::new();
    for seed in 0..300u64 {
        for c in pattern_classes(seed) {
            *seen.entry(c).or_insert(0usize) += 1;
        }
    }
    for c in PatternClass::ALL {
        assert!(seen.get(&c).copied().unwrap_or(0) > 10, "{c:?}: {seen:?}");
    }
    // Loops are the most common class and plain arches among the rarest.
    let loops = seen[&PatternClass::LeftLoop] + seen[&PatternClass::RightLoop];
    assert!(loops > seen[&PatternClass::Whorl]);
    assert!(seen[&PatternClass::Whorl] > seen[&PatternClass::PlainArch]);
}

#[test]
fn singular_points_match_the_class() {
    let p = person();
    for m in p.masters() {
        let (cores, deltas) = m.class().singular_points();
        assert_eq!(m.cores().len(), cores, "{:?}", m.class());
        assert_eq!(m.deltas().len(), deltas, "{:?}", m.class());
        // The orientation turns by +pi around a core and -pi around a delta (Poincare index
        // +1/2 and -1/2): walk a small circle and add up the orientation changes.
        for &(x, y) in m.cores() {
            assert!((poincare(m, x, y, 6.0) - 0.5).abs() < 0.01, "core {x},{y}");
        }
        for &(x, y) in m.deltas() {
            assert!((poincare(m, x, y, 6.0) + 0.5).abs() < 0.01, "delta {x},{y}");
        }
    }
}

fn poincare(m: &FingerMaster, x: f32, y: f32, r: f32) -> f32 {
    let n = 64;
    let mut total = 0.0;
    let at = |k: usize| {
        let a = 2.0 * PI * k as f32 / n as f32;
        m.orientation(x + r * a.cos(), y + r * a.sin())
    };
    for k in 0..n {
        let mut d = at(k + 1) - at(k);
        // Orientations are modulo pi: take the smallest step.
        while d > PI / 2.0 {
            d -= PI;
        }
        while d < -PI / 2.0 {
            d += PI;
        }
        total += d;
    }
    total / (2.0 * PI)
}

/// Ridge orientation estimated from the ridge field itself (averaged squared gradients over a
/// window), to compare with the model the ridges were grown along.
fn measured_orientation(m: &FingerMaster, cx: usize, cy: usize) -> Option<f32> {
    let (w, r) = (m.width(), m.ridges());
    let half = 8;
    if cx < half + 1 || cy < half + 1 || cx + half + 1 >= w || cy + half + 1 >= m.height() {
        return None;
    }
    let (mut gxx, mut gyy, mut gxy) = (0.0f32, 0.0f32, 0.0f32);
    for y in cy - half..=cy + half {
        for x in cx - half..=cx + half {
            let gx = r[y * w + x + 1] - r[y * w + x - 1];
            let gy = r[(y + 1) * w + x] - r[(y - 1) * w + x];
            gxx += gx * gx;
            gyy += gy * gy;
            gxy += gx * gy;
        }
    }
    // The gradient is across the ridge; the ridge runs at right angles to it.
    let across = 0.5 * (2.0 * gxy).atan2(gxx - gyy);
    Some((across + PI / 2.0).rem_euclid(PI))
}

#[test]
fn ridges_follow_the_orientation_field_at_a_realistic_period() {
    // Person 9 adds plain arches to the loops and whorls of the shared person.
    let arches = SyntheticPerson::new(9);
    assert!(arches.classes().contains(&PatternClass::PlainArch));
    let p = person();
    for m in p.masters().iter().chain(arches.masters()) {
        let s = m.shape();
        let (mut errors, mut n) = (0.0f32, 0);
        let mut crossings = 0usize;
        let mut length = 0.0f32;
        for gy in (0..m.height()).step_by(24) {
            for gx in (0..m.width()).step_by(24) {
                let (x, y) = (gx as f32, gy as f32);
                if s.radius(x, y, 1.0) > 0.8 {
                    continue;
                }
                // Stay away from cores and deltas, where orientation is undefined.
                let near = m
                    .cores()
                    .iter()
                    .chain(m.deltas())
                    .any(|&(px, py)| (px - x).hypot(py - y) < 40.0);
                if near {
                    continue;
                }
                let model = m.orientation(x, y);
                if let Some(est) = measured_orientation(m, gx, gy) {
                    let mut d = (est - model).abs() % PI;
                    if d > PI / 2.0 {
                        d = PI - d;
                    }
                    errors += d;
                    n += 1;
                }
                // Count ridge crossings along the normal over 40 px.
                let (nx, ny) = (-model.sin(), model.cos());
                let mut prev = m.sample(x - 20.0 * nx, y - 20.0 * ny);
                for k in -19..=20 {
                    let v = m.sample(x + k as f32 * nx, y + k as f32 * ny);
                    if (v > 0.0) != (prev > 0.0) {
                        crossings += 1;
                    }
                    prev = v;
                }
                length += 40.0;
            }
        }
        let mean_error = (errors / n as f32).to_degrees();
        assert!(n > 40, "{n} samples");
        assert!(
            mean_error < 12.0,
            "{:?}: ridges off the field by {mean_error:.1} deg",
            m.finger()
        );
        // Two zero crossings per ridge period.
        let period = 2.0 * length / crossings as f32;
        let want = m.ridge_period();
        assert!(
            (period - want).abs() < 0.15 * want,
            "{:?}: period {period:.2}, model {want:.2}",
            m.finger()
        );
        assert!((8.0..11.5).contains(&period), "{period}");
    }
}

/// Normalised cross-correlation of two impressions over the skin both show, aligned through
/// the poses the synthesis reports (master coordinates are the common frame).
fn aligned_ncc(m: &FingerMaster, a: &Impression, b_master: &FingerMaster, b: &Impression) -> f32 {
    let (pa, pb) = (a.poses[0], b.poses[0]);
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for y in (0..a.image.height).step_by(2) {
        for x in (0..a.image.width).step_by(2) {
            let va = a.image.get(x, y);
            if va == 255 {
                continue;
            }
            let (mx, my) = pa.to_master(m, x as f32 + 0.5, y as f32 + 0.5);
            let (bx, by) = pb.to_image(b_master, mx, my);
            if bx < 0.0 || by < 0.0 {
                continue;
            }
            let (bx, by) = (bx as u32, by as u32);
            if bx >= b.image.width || by >= b.image.height {
                continue;
            }
            let vb = b.image.get(bx, by);
            if vb == 255 {
                continue;
            }
            xs.push(f32::from(va));
            ys.push(f32::from(vb));
        }
    }
    assert!(xs.len() > 5000, "too little common area: {}", xs.len());
    let n = xs.len() as f32;
    let (mx, my) = (xs.iter().sum::<f32>() / n, ys.iter().sum::<f32>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in xs.iter().zip(&ys) {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx) * (x - mx);
        syy += (y - my) * (y - my);
    }
    sxy / (sxx * syy).sqrt()
}

#[test]
fn impressions_differ_but_match_their_finger() {
    let p = person();
    let mut rng = Rng::new(7);
    for f in [Finger::RightThumb, Finger::RightIndex, Finger::LeftRing] {
        let m = p.master(f);
        let a = p.impression(f, &mut rng);
        let b = p.impression(f, &mut rng);
        assert_eq!((a.image.width, a.image.height), (400, 500));
        assert_ne!(
            a.image.pixels, b.image.pixels,
            "every capture is a new impression"
        );
        assert_ne!(a.poses[0], b.poses[0]);
        let same = aligned_ncc(m, &a, m, &b);
        // Another finger of the same person, aligned the same way (as if it were this one).
        let other_finger = if f == Finger::LeftRing {
            Finger::LeftIndex
        } else {
            Finger::LeftRing
        };
        let o = p.impression(other_finger, &mut rng);
        let other = aligned_ncc(m, &a, p.master(other_finger), &o);
        assert!(same > 0.4, "{f}: same finger correlates only {same:.2}");
        assert!(other.abs() < 0.2, "{f}: other finger correlates {other:.2}");
    }
}

#[test]
fn impressions_are_deterministic_and_look_like_prints() {
    let p = person();
    let a = p.impression(Finger::LeftIndex, &mut Rng::new(99));
    let b = p.impression(Finger::LeftIndex, &mut Rng::new(99));
    assert_eq!(a.image, b.image);
    let skin: Vec<u8> = a
        .image
        .pixels
        .iter()
        .copied()
        .filter(|&v| v < 255)
        .collect();
    let share = skin.len() as f32 / a.image.pixels.len() as f32;
    assert!((0.25..0.95).contains(&share), "contact covers {share:.2}");
    // Ridges dark, valleys light, both present in quantity.
    let dark = skin.iter().filter(|&&v| v < 110).count() as f32 / skin.len() as f32;
    let light = skin.iter().filter(|&&v| v > 170).count() as f32 / skin.len() as f32;
    assert!(
        dark > 0.15 && light > 0.15,
        "dark {dark:.2} light {light:.2}"
    );
}

#[test]
fn slaps_and_thumbs_place_each_finger_where_the_poses_say() {
    let p = person();
    let mut rng = Rng::new(3);
    for (imp, fingers, size) in [
        (
            p.slap(Hand::Right, &mut rng),
            Hand::Right.four_fingers().to_vec(),
            (1600, 1500),
        ),
        (
            p.slap(Hand::Left, &mut rng),
            {
                let mut v = Hand::Left.four_fingers().to_vec();
                v.reverse();
                v
            },
            (1600, 1500),
        ),
        (
            p.thumbs(&mut rng),
            vec![Finger::LeftThumb, Finger::RightThumb],
            (1600, 1000),
        ),
    ] {
        assert_eq!((imp.image.width, imp.image.height), size);
        let got: Vec<Finger> = imp.poses.iter().map(|p| p.finger).collect();
        assert_eq!(got, fingers);
        let mut last_x = -1.0;
        for pose in &imp.poses {
            assert!(pose.x > last_x, "fingers left to right");
            last_x = pose.x;
            // Skin around each pad centre.
            let (x, y) = (pose.x as u32, pose.y as u32);
            let around = (0..9)
                .filter(|k| imp.image.get(x + (k % 3) * 10 - 10, y + (k / 3) * 10 - 10) < 255)
                .count();
            assert!(around >= 7, "{:?} not at its pose", pose.finger);
        }
        // Background between the fingers stays background.
        assert_eq!(imp.image.get(5, 5), 255);
    }
}
