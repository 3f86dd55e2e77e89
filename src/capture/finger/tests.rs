//! Tests of the finger quality gate, with the simulator's prints: segmentation of slaps, each
//! check's failure, the quality's ordering, and its rank correlation with NFIQ 2.

use super::segment::{MARGIN, align};
use super::*;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use rekam_fingerprint::sim::{SimConfig, SimDevice};
use rekam_fingerprint::synth::{Conditions, Pose, Rng, SyntheticPerson};
use rekam_fingerprint::{Capture, Scanner};

fn person() -> Arc<SyntheticPerson> {
    static P: OnceLock<Arc<SyntheticPerson>> = OnceLock::new();
    P.get_or_init(|| Arc::new(SyntheticPerson::new(31))).clone()
}

/// Captures in `mode` through the real driver from the simulated scanner (impression
/// seed `n`), with where the simulator put each finger.
fn capture(mode: CaptureMode, n: u64) -> (Capture, Vec<Pose>) {
    let device = SimDevice::new(SimConfig {
        person_seed: 31,
        impression_seed: n,
        ..SimConfig::fast()
    })
    .with_person(person());
    let mut scanner = Scanner::open(device.open().expect("plugged")).expect("opens");
    let c = scanner
        .capture(mode, Duration::from_secs(5))
        .expect("captures");
    let poses = device.last_image().expect("sent").poses;
    (c, poses)
}

fn contains(c: &Crop, x: f32, y: f32) -> bool {
    let (x0, y0) = (c.x as f32, c.y as f32);
    x >= x0 && y >= y0 && x < x0 + c.image.width() as f32 && y < y0 + c.image.height() as f32
}

#[test]
fn each_slap_gives_one_crop_per_finger_in_platen_order_around_where_it_landed() {
    for n in 0..4 {
        for mode in [
            CaptureMode::SlapRight,
            CaptureMode::SlapLeft,
            CaptureMode::TwoThumbs,
        ] {
            let (c, poses) = capture(mode, n);
            let img = capture_image(&c).expect("image");
            let crops = segment(&img, mode, &mode.fingers()).expect("segments");
            let fingers: Vec<Finger> = crops.iter().map(|c| c.finger).collect();
            assert_eq!(fingers, mode.fingers(), "{mode} #{n}");
            for pair in crops.windows(2) {
                assert!(pair[0].x < pair[1].x, "left to right: {mode} #{n}");
            }
            for crop in &crops {
                let (w, h) = crop.image.dimensions();
                assert!(
                    (150..=520).contains(&w) && (250..=760).contains(&h),
                    "{} of {mode} #{n} is {w}x{h}",
                    crop.finger
                );
                // The simulator knows where it pressed each finger: its pad centre is in
                // the crop that carries its name.
                let pose = poses
                    .iter()
                    .find(|p| p.finger == crop.finger)
                    .expect("pose");
                assert!(
                    contains(crop, pose.x, pose.y),
                    "{} of {mode} #{n}: pad at ({}, {}) outside the crop at ({}, {}) {w}x{h}",
                    crop.finger,
                    pose.x,
                    pose.y,
                    crop.x,
                    crop.y
                );
            }
        }
    }
}

#[test]
fn a_finger_left_out_leaves_three_crops_mapped_to_the_right_fingers() {
    let mode = CaptureMode::SlapRight;
    let (c, poses) = capture(mode, 2);
    let img = capture_image(&c).expect("image");
    let all = segment(&img, mode, &mode.fingers()).expect("four");
    let ring = all
        .iter()
        .find(|c| c.finger == Finger::RightRing)
        .expect("ring");
    let expected = [Finger::RightIndex, Finger::RightMiddle, Finger::RightLittle];

    // The applicant's ring finger is missing: its columns are blank on the platen.
    let mut missing = img.clone();
    for y in 0..missing.height() {
        for x in ring.x + MARGIN..ring.x + ring.image.width() - MARGIN {
            missing.put_pixel(x, y, image::Luma([255]));
        }
    }
    let three = segment(&missing, mode, &expected).expect("three");
    assert_eq!(
        three.iter().map(|c| c.finger).collect::<Vec<_>>(),
        expected.to_vec()
    );
    // A bandaged finger laid down anyway: four columns, the excepted one is dropped by
    // where fingers usually lie.
    let dropped = segment(&img, mode, &expected).expect("three of four");
    assert_eq!(dropped.len(), 3);
    for crops in [&three, &dropped] {
        for crop in crops.iter() {
            let pose = poses
                .iter()
                .find(|p| p.finger == crop.finger)
                .expect("pose");
            assert!(contains(crop, pose.x, pose.y), "{}", crop.finger);
        }
    }
    // Expecting all four on a platen with three is refused with what was found.
    assert_eq!(
        segment(&missing, mode, &mode.fingers()),
        Err(SegmentError::TooFew {
            found: 3,
            expected: 4
        })
    );
    // Nothing on the platen at all.
    let blank = GrayImage::from_pixel(1600, 1500, image::Luma([255]));
    assert!(matches!(
        segment(&blank, mode, &expected),
        Err(SegmentError::TooFew { found: 0, .. })
    ));
    // Every finger excepted: nothing to cut.
    assert_eq!(segment(&img, mode, &[]), Ok(Vec::new()));
}

#[test]
fn a_real_impression_scores_above_a_heavy_blur_a_faded_one_a_blank_one_and_a_fingertip() {
    let (c, _) = capture(CaptureMode::TwoThumbs, 5);
    let img = capture_image(&c).expect("image");
    let crops = segment(&img, c.mode, &c.mode.fingers()).expect("segments");
    for crop in &crops {
        let real = quality(&crop.image);
        // Ridges blurred flat or faded to a few grey levels: NFIQ 2 refuses such images.
        let blurred = quality(&image::imageops::blur(&crop.image, 5.0));
        let faded = quality(&GrayImage::from_fn(
            crop.image.width(),
            crop.image.height(),
            |x, y| image::Luma([crop.image.get_pixel(x, y).0[0] / 16 + 238]),
        ));
        assert!(real >= GOOD_ENOUGH, "{}: {real}", crop.finger);
        assert!(blurred < GOOD_ENOUGH, "{}: blurred {blurred}", crop.finger);
        assert!(faded < GOOD_ENOUGH, "{}: faded {faded}", crop.finger);
    }
    assert_eq!(
        quality(&GrayImage::from_pixel(300, 400, image::Luma([255]))),
        0
    );
    assert_eq!(quality(&GrayImage::new(0, 0)), 0);
    // A small touch cannot score well, however clear its ridges.
    let crop = &crops[0];
    let (w, h) = crop.image.dimensions();
    let tip = image::imageops::crop_imm(&crop.image, w / 2 - 50, h / 2 - 50, 100, 100);
    assert!(quality(&tip.to_image()) < GOOD_ENOUGH);
}

#[test]
fn a_slaps_prints_are_scored_and_encoded_as_png_through_the_session_gate() {
    use crate::capture::session::{Gate, SlapGate, slap_captures};
    use crate::domain::CaptureContent;

    let (c, _) = capture(CaptureMode::SlapLeft, 1);
    let gate = SlapGate::new(CaptureMode::SlapLeft, &[9, 10]);
    assert_eq!(gate.expected, [Finger::LeftMiddle, Finger::LeftIndex]);
    let sample = gate.assess(Arc::new(c.clone())).expect("assessed");
    assert_eq!(
        sample
            .slap
            .fingers
            .iter()
            .map(|p| p.finger)
            .collect::<Vec<_>>(),
        [Finger::LeftMiddle, Finger::LeftIndex],
        "in image order: the left hand's index is on the right"
    );
    let stored = slap_captures(std::slice::from_ref(&sample), &gate.expected).expect("encoded");
    assert_eq!(
        stored.iter().map(|c| c.position).collect::<Vec<_>>(),
        [8, 7],
        "stored in the slap's order"
    );
    for (input, print) in stored.iter().zip(&sample.slap.fingers) {
        let CaptureContent::Data {
            bytes, quality: q, ..
        } = &input.content
        else {
            panic!("data");
        };
        let decoded = image::load_from_memory_with_format(bytes, ImageFormat::Png)
            .expect("png")
            .into_luma8();
        assert_eq!(decoded, print.image);
        assert_eq!(*q, Some(quality(&print.image)));
    }
    let broken = Capture {
        pixels: vec![0; 10],
        ..c
    };
    assert!(gate.assess(Arc::new(broken)).is_err());
}

#[test]
fn columns_are_matched_to_the_nearest_usual_places_in_order() {
    let places = [330.0, 690.0, 1035.0, 1340.0];
    assert_eq!(align(&[330.0, 1035.0, 1340.0], &places), [0, 2, 3]);
    assert_eq!(align(&[300.0, 700.0], &places), [0, 1]);
    assert_eq!(align(&[1000.0, 1300.0], &places), [2, 3]);
    assert_eq!(align(&[], &places), Vec::<usize>::new());
}

/// A flat impression of person 31's `finger` (impression seed `seed`) under `cond`.
fn flat(finger: Finger, seed: u64, cond: &Conditions) -> GrayImage {
    let imp = person().impression_with(finger, &mut Rng::new(seed), cond);
    GrayImage::from_raw(imp.image.width, imp.image.height, imp.image.pixels).expect("image")
}

/// A slap or two-thumb image of person 31 in `mode` (impression seed `seed`) under `cond`.
fn slap(mode: CaptureMode, seed: u64, cond: &Conditions) -> GrayImage {
    let imp = person().capture_with(mode, &mut Rng::new(seed), cond);
    GrayImage::from_raw(imp.image.width, imp.image.height, imp.image.pixels).expect("image")
}

fn failed(a: &Assessment) -> Vec<&str> {
    a.failures().map(|f| f.check.as_str()).collect()
}

#[test]
fn clean_slaps_and_flats_pass_every_check() {
    for (mode, seed) in [
        (CaptureMode::SlapRight, 1),
        (CaptureMode::SlapLeft, 2),
        (CaptureMode::TwoThumbs, 3),
    ] {
        let img = slap(mode, seed, &Conditions::default());
        let got = assess_slap(&img, mode, &mode.fingers());
        assert!(got.assessment.acceptable, "{mode}: {:?}", got.assessment);
        assert_eq!(
            got.fingers.iter().map(|f| f.finger).collect::<Vec<_>>(),
            mode.fingers()
        );
        let checks: Vec<&str> = got
            .assessment
            .findings
            .iter()
            .map(|f| f.check.as_str())
            .collect();
        assert_eq!(&checks[..3], ["platen_empty", "smudge", "finger_count"]);
        for r in &got.fingers {
            assert!(checks.contains(&finger_check(r.finger).as_str()));
            assert_eq!(r.quality, r.assessment.score);
            assert_eq!((r.width, r.height), r.image.dimensions());
            assert_eq!(
                r.image,
                image::imageops::crop_imm(&img, r.x, r.y, r.width, r.height).to_image()
            );
        }
        let mean = got
            .fingers
            .iter()
            .map(|r| u32::from(r.quality))
            .sum::<u32>() as f64
            / got.fingers.len() as f64;
        assert_eq!(got.assessment.score, mean.round() as u8);
    }
    assert_eq!(finger_check(Finger::RightIndex), "quality_right_index");
    for finger in [Finger::RightIndex, Finger::LeftLittle, Finger::RightThumb] {
        let a = assess_finger(&flat(finger, 7, &Conditions::default()));
        assert!(a.acceptable, "{finger}: {a:?}");
        assert_eq!(
            a.findings
                .iter()
                .map(|f| f.check.as_str())
                .collect::<Vec<_>>(),
            ["foreground", "smudge", "quality"]
        );
        assert_eq!(a.get("quality").map(|f| f.value), Some(f64::from(a.score)));
    }
}

#[test]
fn an_empty_platen_and_a_blank_flat_are_reported_as_such() {
    let blank = GrayImage::from_pixel(1600, 1500, image::Luma([255]));
    let got = assess_slap(
        &blank,
        CaptureMode::SlapRight,
        &CaptureMode::SlapRight.fingers(),
    );
    assert!(got.fingers.is_empty());
    assert_eq!(got.assessment.score, 0);
    assert_eq!(failed(&got.assessment), ["platen_empty", "finger_count"]);
    assert_eq!(
        got.assessment.first_problem(Lang::Id),
        Some("Kaca pemindai kosong: letakkan jari-jari pada kaca lalu ulangi.")
    );
    // A few specks of dust are still an empty platen.
    let mut dusty = blank.clone();
    for (x, y) in [(100, 100), (900, 700), (1500, 1400)] {
        for dy in 0..6 {
            for dx in 0..6 {
                dusty.put_pixel(x + dx, y + dy, image::Luma([90]));
            }
        }
    }
    let got = assess_slap(
        &dusty,
        CaptureMode::SlapRight,
        &CaptureMode::SlapRight.fingers(),
    );
    assert_eq!(failed(&got.assessment), ["platen_empty", "finger_count"]);

    let a = assess_finger(&GrayImage::from_pixel(400, 500, image::Luma([255])));
    assert_eq!(a.score, 0);
    assert_eq!(failed(&a), ["foreground", "quality"]);
    assert_eq!(
        a.first_problem(Lang::En),
        Some("No finger on the glass: place the finger on the glass and try again.")
    );
}

#[test]
fn a_dirty_platen_fails_the_smudge_check_and_says_to_clean_the_glass() {
    let mode = CaptureMode::SlapRight;
    for seed in [1, 2] {
        let clean = assess_slap(
            &slap(mode, seed, &Conditions::default()),
            mode,
            &mode.fingers(),
        );
        let dirty = assess_slap(
            &slap(
                mode,
                seed,
                &Conditions {
                    dirt: 0.6,
                    ..Conditions::default()
                },
            ),
            mode,
            &mode.fingers(),
        );
        let smudge = |a: &SlapAssessment| a.assessment.get("smudge").cloned().expect("smudge");
        assert!(smudge(&clean).pass, "{:?}", smudge(&clean));
        let s = smudge(&dirty);
        assert!(!s.pass && s.value >= SMUDGE_MM2, "{s:?}");
        assert!(s.id.starts_with("Kaca pemindai kotor"), "{}", s.id);
        assert!(s.en.contains("wipe"), "{}", s.en);
        assert!(!dirty.assessment.acceptable);
    }
}

#[test]
fn a_wet_smeared_press_fails_the_smudge_check_and_says_to_dry_the_fingers() {
    let wet = Conditions {
        wetness: 1.0,
        noise: 40.0,
        ..Conditions::default()
    };
    let mode = CaptureMode::SlapLeft;
    let got = assess_slap(&slap(mode, 4, &wet), mode, &mode.fingers());
    let s = got.assessment.get("smudge").expect("smudge");
    assert!(!s.pass, "{s:?}");
    assert!(s.id.starts_with("Sidik jari tercoreng"), "{}", s.id);
    assert!(s.en.contains("dry the finger"), "{}", s.en);
    // The same fingers pressed dry pass, and score better than smeared.
    let dry = assess_slap(
        &slap(mode, 4, &Conditions::default()),
        mode,
        &mode.fingers(),
    );
    assert!(dry.assessment.get("smudge").is_some_and(|f| f.pass));
    assert!(got.assessment.score + 10 < dry.assessment.score);
}

#[test]
fn a_fingertip_touch_fails_the_foreground_check() {
    for finger in [Finger::RightIndex, Finger::LeftMiddle, Finger::RightThumb] {
        let full = assess_finger(&flat(finger, 3, &Conditions::default()));
        let tip = assess_finger(&flat(
            finger,
            3,
            &Conditions {
                contact: Some(0.2),
                ..Conditions::default()
            },
        ));
        let area = tip.get("foreground").expect("foreground");
        assert!(
            !area.pass && area.value < MIN_FOREGROUND_MM2,
            "{finger}: {area:?}"
        );
        assert!(area.id.starts_with("Hanya "), "{}", area.id);
        assert!(area.en.contains("lay the finger flat"), "{}", area.en);
        assert_eq!(tip.first_problem(Lang::Id), Some(area.id.as_str()));
        assert!(full.get("foreground").is_some_and(|f| f.pass));
        assert!(
            tip.score < full.score,
            "{finger}: {} vs {}",
            tip.score,
            full.score
        );
    }
}

#[test]
fn three_fingers_where_four_are_expected_fail_unless_the_fourth_is_excepted() {
    let mode = CaptureMode::SlapRight;
    let cond = Conditions {
        lifted: vec![Finger::RightRing],
        ..Conditions::default()
    };
    let img = slap(mode, 6, &cond);
    let all = assess_slap(&img, mode, &mode.fingers());
    assert_eq!(failed(&all.assessment), ["finger_count"]);
    let count = all.assessment.get("finger_count").expect("count");
    assert_eq!(count.value, 3.0);
    assert_eq!(
        count.id,
        "Hanya 3 jari terbaca, diharapkan 4: letakkan keempat jari rata di kaca, sedikit renggang, lalu ulangi."
    );
    assert!(count.en.starts_with("Only 3 finger(s) found, 4 expected"));
    assert!(all.fingers.is_empty());

    let expected = [Finger::RightIndex, Finger::RightMiddle, Finger::RightLittle];
    let excepted = assess_slap(&img, mode, &expected);
    assert!(excepted.assessment.acceptable, "{:?}", excepted.assessment);
    assert_eq!(
        excepted
            .fingers
            .iter()
            .map(|f| f.finger)
            .collect::<Vec<_>>(),
        expected
    );
    assert_eq!(
        excepted.assessment.get("finger_count").map(|f| f.value),
        Some(3.0)
    );
    assert!(excepted.assessment.get("quality_right_ring").is_none());
    assert!(excepted.assessment.get("quality_right_little").is_some());
    // Both thumbs expected, one found.
    let thumbs = slap(
        CaptureMode::TwoThumbs,
        6,
        &Conditions {
            lifted: vec![Finger::LeftThumb],
            ..Conditions::default()
        },
    );
    let got = assess_slap(
        &thumbs,
        CaptureMode::TwoThumbs,
        &CaptureMode::TwoThumbs.fingers(),
    );
    let count = got.assessment.get("finger_count").expect("count");
    assert!(!count.pass);
    assert!(count.id.contains("kedua ibu jari"), "{}", count.id);
}

#[test]
fn a_weak_finger_fails_its_own_check_in_the_slap() {
    let mode = CaptureMode::SlapRight;
    let img = slap(mode, 8, &Conditions::default());
    let good = assess_slap(&img, mode, &mode.fingers());
    let middle = good
        .fingers
        .iter()
        .find(|f| f.finger == Finger::RightMiddle)
        .expect("middle");
    // The middle finger moved: its crop blurred beyond use.
    let mut moved = img.clone();
    let blurred = image::imageops::blur(&middle.image, 6.0);
    image::imageops::replace(
        &mut moved,
        &blurred,
        i64::from(middle.x),
        i64::from(middle.y),
    );
    let got = assess_slap(&moved, mode, &mode.fingers());
    let failures = failed(&got.assessment);
    assert!(failures.contains(&"quality_right_middle"), "{failures:?}");
    assert!(!failures.contains(&"quality_right_index"), "{failures:?}");
    let f = got.assessment.get("quality_right_middle").expect("middle");
    assert!(f.id.starts_with("Jari tengah kanan: "), "{}", f.id);
    assert!(f.en.starts_with("Right middle: "), "{}", f.en);
    assert!(got.assessment.score < good.assessment.score);
}

#[test]
fn a_turned_finger_is_still_found_and_scored_like_a_straight_one() {
    for (finger, seed) in [(Finger::RightIndex, 11), (Finger::LeftRing, 12)] {
        let straight = quality(&flat(finger, seed, &Conditions::default()));
        for turn in [-30.0, 30.0] {
            let turned = quality(&flat(
                finger,
                seed,
                &Conditions {
                    turn,
                    ..Conditions::default()
                },
            ));
            assert!(turned >= GOOD_ENOUGH, "{finger} {turn}: {turned}");
            assert!(
                turned.abs_diff(straight) <= 10,
                "{finger} {turn}: {turned} vs {straight}"
            );
        }
    }
    let mode = CaptureMode::SlapLeft;
    let turned = slap(
        mode,
        9,
        &Conditions {
            turn: 12.0,
            ..Conditions::default()
        },
    );
    let got = assess_slap(&turned, mode, &mode.fingers());
    assert!(got.assessment.acceptable, "{:?}", got.assessment);
    assert_eq!(got.fingers.len(), 4);
}

#[test]
fn a_dry_impression_scores_lower_than_a_clean_one() {
    let dry = Conditions {
        dryness: 1.0,
        ..Conditions::default()
    };
    let (mut clean_sum, mut dry_sum) = (0u32, 0u32);
    for (finger, seed) in [
        (Finger::RightIndex, 21),
        (Finger::RightMiddle, 22),
        (Finger::LeftIndex, 23),
        (Finger::LeftThumb, 24),
    ] {
        let clean = quality(&flat(finger, seed, &Conditions::default()));
        let dried = quality(&flat(finger, seed, &dry));
        assert!(dried < clean, "{finger}: dry {dried} vs clean {clean}");
        clean_sum += u32::from(clean);
        dry_sum += u32::from(dried);
    }
    assert!(dry_sum + 20 <= clean_sum, "{dry_sum} vs {clean_sum}");
}

#[test]
fn evaluation_keys_name_their_samples_and_spearman_ranks() {
    let samples = evaluation::samples(1..3);
    assert_eq!(samples.len(), 20);
    for s in &samples {
        assert_eq!(evaluation::Sample::parse(&s.to_string()).as_ref(), Some(s));
    }
    let s = evaluation::Sample::parse("p7-f02-smear3-i702").expect("key");
    assert_eq!(
        (s.person, s.finger, s.condition.as_str(), s.level, s.seed),
        (7, Finger::RightIndex, "smear", 3, 702)
    );
    for bad in [
        "p7-f02-smear3",
        "p7-f11-smear3-i702",
        "p7-f02-smudge3-i702",
        "p7-f02-smear9-i702",
        "p7-f02-clean1-i702",
        "x7-f02-smear3-i702",
    ] {
        assert_eq!(evaluation::Sample::parse(bad), None, "{bad}");
    }
    let a = [1.0, 2.0, 3.0, 4.0, 5.0];
    let rho = evaluation::spearman(&a, &[5.0, 6.0, 7.0, 8.0, 7.0]).expect("rho");
    assert!((rho - 8.0 / 95f64.sqrt()).abs() < 1e-12, "{rho}");
    assert_eq!(
        evaluation::spearman(&a, &[9.0, 7.0, 5.0, 3.0, 1.0]),
        Some(-1.0)
    );
    assert_eq!(evaluation::spearman(&a, &[2.0; 5]), None);
    assert_eq!(evaluation::spearman(&a[..2], &a[..2]), None);
}

/// The committed NFIQ 2 scores of the evaluation set (tests/data/finger-nfiq2/README.md).
fn reference_scores() -> std::collections::BTreeMap<String, Option<f64>> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/finger-nfiq2/nfiq2.json"
    );
    let text = std::fs::read_to_string(path).expect("reference scores");
    serde_json::from_str(&text).expect("json")
}

/// The images of the evaluation set regenerated from their keys, scored on two threads:
/// (key, our quality, NFIQ 2) for the images of the people `take` picks that NFIQ 2 scored.
fn scored_set(take: impl Fn(u64) -> bool + Sync) -> Vec<(String, f64, f64)> {
    let reference = reference_scores();
    let samples = evaluation::samples(evaluation::SET_PERSONS);
    // Every committed key is a sample of the set, and the other way round.
    let keys: Vec<String> = samples.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        keys.iter().collect::<std::collections::BTreeSet<_>>(),
        reference.keys().collect::<std::collections::BTreeSet<_>>()
    );
    let persons: Vec<&[evaluation::Sample]> = samples
        .chunk_by(|a, b| a.person == b.person)
        .filter(|group| take(group[0].person))
        .collect();
    let mut out = Vec::new();
    std::thread::scope(|scope| {
        let workers: Vec<_> = persons
            .chunks(persons.len().div_ceil(2))
            .map(|part| {
                let reference = &reference;
                scope.spawn(move || {
                    let mut got = Vec::new();
                    for group in part {
                        let person = SyntheticPerson::new(group[0].person);
                        for s in group.iter() {
                            let key = s.to_string();
                            let Some(Some(nfiq2)) = reference.get(&key) else {
                                continue;
                            };
                            let img = s.render(&person).expect("renders");
                            got.push((key, f64::from(quality(&img)), *nfiq2));
                        }
                    }
                    got
                })
            })
            .collect();
        for w in workers {
            out.extend(w.join().expect("worker"));
        }
    });
    out
}

#[test]
fn quality_tracks_nfiq2_on_the_evaluation_set() {
    // Half the set, the odd-numbered people, keeps this debug-build test under a minute; the
    // benchmark scores all of it (docs/finger-quality.md gives both halves and the whole).
    let scored = scored_set(|person| person % 2 == 1);
    // NFIQ 2 refused a few images (a fingertip, a wet little finger).
    assert!(scored.len() >= 490, "{}", scored.len());
    let ours: Vec<f64> = scored.iter().map(|s| s.1).collect();
    let nfiq2: Vec<f64> = scored.iter().map(|s| s.2).collect();
    let rho = evaluation::spearman(&ours, &nfiq2).expect("rho");
    eprintln!(
        "Spearman rank correlation with NFIQ 2 over {} images: {rho:.3}",
        scored.len()
    );
    assert!(rho >= 0.8, "Spearman {rho:.3}");
}
