//! The evaluation set of the finger quality (docs/finger-quality.md): flat impressions of
//! synthetic people under named capture conditions, each named by a key from which it is
//! regenerated exactly, so that the reference scores (NFIQ 2, `tests/data/finger-nfiq2/`) can
//! be kept without the images.
//!
//! A key reads `p<person>-f<finger>-<condition><level>-i<impression seed>`, e.g.
//! `p7-f02-smear3-i702`: person seed 7, finger position 2 (right index), condition `smear` at
//! level 3 of 4, impression seed 702.

use std::fmt;

use image::GrayImage;
use rekam_fingerprint::Finger;
use rekam_fingerprint::synth::{Conditions, Rng, SyntheticPerson};

/// The conditions of the set, with their share of it (per cent). Levels run from 1 (mild) to
/// 4 (as bad as the condition gets while NFIQ 2 still scores the image); `clean` has level 0.
///
/// - `clean`: the simulator's own variation only.
/// - `grainy`: sensor grain on slightly dry skin (noise 16-28, dryness 0.1-0.4).
/// - `smear`: a wet, smeared press on a noisy sensor (wetness 0.7-1, noise 32-70).
/// - `noise`: sensor noise alone (20-80 grey levels).
/// - `wet`, `dry`: wet (0.4-1) or dry (0.25-1) skin.
/// - `faint`: a faint image (contrast faded by 35-80 %).
/// - `blur`: a moved or out-of-focus finger (Gaussian sigma 0.6-2.4 px).
/// - `tip`: only the tip touches (78 % down to 42 % of the pad's height).
/// - `turn`: the finger turned 10-40 degrees.
/// - `light`, `heavy`: a light touch (pressure 0.15-0) or a hard, moist press.
pub const CONDITIONS: [(&str, u32); 12] = [
    ("clean", 10),
    ("grainy", 20),
    ("smear", 20),
    ("noise", 10),
    ("wet", 8),
    ("dry", 8),
    ("faint", 5),
    ("blur", 5),
    ("tip", 4),
    ("turn", 4),
    ("light", 3),
    ("heavy", 3),
];

/// Person seeds of the evaluation set (ten fingers each, 1,000 images).
pub const SET_PERSONS: std::ops::Range<u64> = 1..101;
/// Person seeds of the tuning set (3,000 images), to which the quality model was fitted; none
/// is in the evaluation set.
pub const TRAINING_PERSONS: std::ops::Range<u64> = 1000..1300;

/// One image of the set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    pub person: u64,
    pub finger: Finger,
    pub condition: String,
    pub level: u32,
    pub seed: u64,
}

impl fmt::Display for Sample {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "p{}-f{:02}-{}{}-i{}",
            self.person,
            self.finger.position(),
            self.condition,
            self.level,
            self.seed
        )
    }
}

impl Sample {
    /// The sample a key names (`None` if it is not a key of this set's form).
    pub fn parse(key: &str) -> Option<Sample> {
        let mut parts = key.split('-');
        let person = parts.next()?.strip_prefix('p')?.parse().ok()?;
        let finger = Finger::from_position(parts.next()?.strip_prefix('f')?.parse().ok()?)?;
        let cond = parts.next()?;
        let split = cond.find(|c: char| c.is_ascii_digit())?;
        let (condition, level) = cond.split_at(split);
        let level = level.parse().ok()?;
        let seed = parts.next()?.strip_prefix('i')?.parse().ok()?;
        if parts.next().is_some() {
            return None;
        }
        conditions(condition, level)?;
        Some(Sample {
            person,
            finger,
            condition: condition.to_owned(),
            level,
            seed,
        })
    }

    /// The impression: regenerated exactly from the key.
    pub fn render(&self, person: &SyntheticPerson) -> Option<GrayImage> {
        let cond = conditions(&self.condition, self.level)?;
        let mut rng = Rng::new(self.seed);
        let imp = person.impression_with(self.finger, &mut rng, &cond);
        GrayImage::from_raw(imp.image.width, imp.image.height, imp.image.pixels)
    }
}

/// The simulator conditions of `condition` at `level` (`None` for an unknown one).
pub fn conditions(condition: &str, level: u32) -> Option<Conditions> {
    let l = level as f32;
    let mut c = Conditions::default();
    match (condition, level) {
        ("clean", 0) => {}
        (_, 0) | (_, 5..) => return None,
        ("grainy", _) => {
            c.noise = 12.0 + 4.0 * l;
            c.dryness = 0.1 * l;
        }
        ("smear", _) => {
            c.wetness = 0.6 + 0.1 * l;
            c.noise = 20.0 + 12.5 * l;
        }
        ("noise", _) => c.noise = 20.0 * l,
        ("wet", _) => c.wetness = 0.2 + 0.2 * l,
        ("dry", _) => c.dryness = 0.25 * l,
        ("faint", _) => c.fade = 0.2 + 0.15 * l,
        ("blur", _) => c.blur = 0.6 * l,
        ("tip", _) => c.contact = Some(0.9 - 0.12 * l),
        ("turn", _) => {
            c.turn = if level.is_multiple_of(2) {
                10.0 * l
            } else {
                -10.0 * l
            }
        }
        ("light", _) => c.pressure = Some(0.2 - 0.05 * l),
        ("heavy", _) => {
            c.pressure = Some(0.8 + 0.05 * l);
            c.wetness = 0.075 * l;
        }
        _ => return None,
    }
    Some(c)
}

/// The samples of `persons`: one per finger, its condition drawn with the shares of
/// [`CONDITIONS`] and its level evenly, from the person's seed.
pub fn samples(persons: std::ops::Range<u64>) -> Vec<Sample> {
    let total: u32 = CONDITIONS.iter().map(|c| c.1).sum();
    let mut out = Vec::new();
    for person in persons {
        for finger in Finger::ALL {
            let mut rng = Rng::derive(person, 0xE7A1 + u64::from(finger.position()));
            let mut pick = rng.below(total);
            let mut condition = CONDITIONS[0].0;
            for (name, share) in CONDITIONS {
                if pick < share {
                    condition = name;
                    break;
                }
                pick -= share;
            }
            let level = if condition == "clean" {
                0
            } else {
                1 + rng.below(4)
            };
            out.push(Sample {
                person,
                finger,
                condition: condition.to_owned(),
                level,
                seed: person * 100 + u64::from(finger.position()),
            });
        }
    }
    out
}

/// Ranks of `values` (1-based, ties share their mean rank).
fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut out = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            out[k] = rank;
        }
        i = j + 1;
    }
    out
}

/// Spearman's rank correlation of two paired series (Pearson's correlation of their ranks);
/// `None` when fewer than three pairs or one series is constant.
pub fn spearman(a: &[f64], b: &[f64]) -> Option<f64> {
    if a.len() != b.len() || a.len() < 3 {
        return None;
    }
    let (ra, rb) = (ranks(a), ranks(b));
    let n = ra.len() as f64;
    let (ma, mb) = (ra.iter().sum::<f64>() / n, rb.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in ra.iter().zip(&rb) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma) * (x - ma);
        sbb += (y - mb) * (y - mb);
    }
    (saa > 0.0 && sbb > 0.0).then(|| sab / (saa * sbb).sqrt())
}
