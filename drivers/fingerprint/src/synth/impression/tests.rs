//! Tests of `impression`.

use std::sync::OnceLock;

use super::*;
use crate::synth::SyntheticPerson;

fn person() -> &'static SyntheticPerson {
    static P: OnceLock<SyntheticPerson> = OnceLock::new();
    P.get_or_init(|| SyntheticPerson::new(77))
}

fn flat_with(cond: &Conditions) -> Impression {
    person().impression_with(Finger::RightIndex, &mut Rng::new(5), cond)
}

/// Pixels darker than `level`.
fn ink(img: &GrayImage, level: u8) -> usize {
    img.pixels.iter().filter(|&&v| v < level).count()
}

/// Sum of absolute differences between horizontal neighbours: how sharp the image is.
fn sharpness(img: &GrayImage) -> u64 {
    img.pixels
        .chunks_exact(img.width as usize)
        .flat_map(|row| row.windows(2).map(|p| u64::from(p[0].abs_diff(p[1]))))
        .sum()
}

#[test]
fn default_conditions_change_nothing() {
    let p = person();
    let none = Conditions::default();
    for finger in [Finger::RightIndex, Finger::LeftThumb] {
        let a = p.impression(finger, &mut Rng::new(9));
        let b = p.impression_with(finger, &mut Rng::new(9), &none);
        assert_eq!((a.image, a.poses), (b.image, b.poses));
    }
    let a = p.slap(Hand::Left, &mut Rng::new(3));
    let b = p.slap_with(Hand::Left, &mut Rng::new(3), &none);
    assert_eq!((a.image, a.poses), (b.image, b.poses));
    let a = p.thumbs(&mut Rng::new(4));
    let b = p.thumbs_with(&mut Rng::new(4), &none);
    assert_eq!((a.image, a.poses), (b.image, b.poses));
    // And conditions are as deterministic as the rest.
    let wet = Conditions {
        wetness: 0.8,
        noise: 30.0,
        dirt: 0.5,
        ..Conditions::default()
    };
    assert_eq!(flat_with(&wet).image, flat_with(&wet).image);
}

#[test]
fn each_condition_changes_the_impression_the_way_it_says() {
    let clean = flat_with(&Conditions::default());
    let with = |f: fn(&mut Conditions)| {
        let mut c = Conditions::default();
        f(&mut c);
        flat_with(&c)
    };
    let clean_ink = ink(&clean.image, 200);
    // A fingertip-only touch and dry skin leave less ink, a hard press more.
    assert!(ink(&with(|c| c.contact = Some(0.3)).image, 200) * 2 < clean_ink);
    assert!(ink(&with(|c| c.dryness = 1.0).image, 200) * 3 < clean_ink * 2);
    let hard = ink(&with(|c| c.pressure = Some(1.0)).image, 200);
    let light = ink(&with(|c| c.pressure = Some(0.0)).image, 200);
    assert!(hard > light, "{hard} vs {light}");
    // Wet skin is darker, a faint image has no dark pixels at all.
    assert!(ink(&with(|c| c.wetness = 1.0).image, 100) > ink(&clean.image, 100) * 2);
    assert_eq!(ink(&with(|c| c.fade = 0.8).image, 150), 0);
    assert!(ink(&clean.image, 150) > 10_000);
    // Blur softens edges; noise roughens them.
    assert!(sharpness(&with(|c| c.blur = 2.0).image) * 2 < sharpness(&clean.image));
    assert!(sharpness(&with(|c| c.noise = 40.0).image) > sharpness(&clean.image));
    // A turned finger is turned by that much.
    let turned = with(|c| c.turn = 30.0);
    let d = turned.poses[0].angle - clean.poses[0].angle;
    assert!((d - 30f32.to_radians()).abs() < 1e-5, "{d}");
    // A lifted finger leaves an empty image and no pose.
    let lifted = with(|c| c.lifted = vec![Finger::RightIndex]);
    assert!(lifted.poses.is_empty());
    assert!(lifted.image.pixels.iter().all(|&v| v == 255));
    // Dirt lies on the glass around the finger too: the corners get ink.
    let dirty = with(|c| c.dirt = 1.0);
    let corners = |img: &GrayImage| {
        (0..img.height)
            .flat_map(|y| (0..img.width).map(move |x| (x, y)))
            .filter(|&(x, y)| (x < 60 || x >= img.width - 60) && (y < 60 || y >= img.height - 60))
            .filter(|&(x, y)| img.get(x, y) < 230)
            .count()
    };
    let (before, after) = (corners(&clean.image), corners(&dirty.image));
    assert!(after > before + 1000, "{before} -> {after}");
}

#[test]
fn a_finger_lifted_off_a_slap_leaves_its_place_empty() {
    let p = person();
    let full = p.slap(Hand::Right, &mut Rng::new(2));
    let cond = Conditions {
        lifted: vec![Finger::RightRing],
        ..Conditions::default()
    };
    let three = p.slap_with(Hand::Right, &mut Rng::new(2), &cond);
    assert_eq!(
        three.poses.iter().map(|p| p.finger).collect::<Vec<_>>(),
        [Finger::RightIndex, Finger::RightMiddle, Finger::RightLittle]
    );
    let ring = full
        .poses
        .iter()
        .find(|p| p.finger == Finger::RightRing)
        .expect("ring");
    let (cx, cy) = (ring.x as u32, ring.y as u32);
    let around = |img: &GrayImage| {
        let mut dark = 0;
        for y in cy - 40..cy + 40 {
            for x in cx - 40..cx + 40 {
                dark += usize::from(img.get(x, y) < 200);
            }
        }
        dark
    };
    assert!(around(&full.image) > 1000);
    assert_eq!(around(&three.image), 0);
}
