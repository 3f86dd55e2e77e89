//! Tests of `iris`.

use super::*;
use image::imageops;
use rekam_camera::{CameraConfig, Eye, FrameSource, SimOptions, SimulatedCamera};
use std::time::Duration;

/// A frame of the simulated iris camera, through the real YUYV decoder, in grey.
fn frame(eye: Eye, person: u64) -> GrayImage {
    frames(eye, person, 1).remove(0)
}

/// `n` frames of the loop (the gaze wanders, the pupil breathes).
fn frames(eye: Eye, person: u64, n: usize) -> Vec<GrayImage> {
    let options = SimOptions {
        loop_frames: Some(n.max(2)),
        realtime: false,
        ..SimOptions::default()
    };
    let mut camera = SimulatedCamera::iris(&CameraConfig::iris(2), eye, person, options)
        .expect("simulated camera");
    (0..n)
        .map(|_| {
            let raw = camera.next_frame(Duration::from_secs(2)).expect("frame");
            to_gray(&rekam_camera::decode(&raw).expect("decoded"))
        })
        .collect()
}

/// The simulated frame with the upper eyelid drawn down to `below` iris radii under the
/// eye's centre (negative: above it): the lid's skin (the forehead rows at the top of the
/// same frame), a lash line along its margin, and the shadow the lid casts on the eyeball.
/// The simulator draws the eye's centre at half the width and 52 % of the height, with an
/// iris radius of about 110 pixels at 480 lines; its own upper lid is 0.62 to 0.82 iris
/// radii above the centre.
fn drooping(f: &GrayImage, below: f32) -> GrayImage {
    let (w, h) = f.dimensions();
    let (cx, cy, r) = (w as f32 / 2.0, 0.52 * h as f32, 110.0 * h as f32 / 480.0);
    let skin_rows = (cy - 2.2 * r).max(8.0) as u32;
    let margin = |x: f32| {
        let t = (x - cx) / (2.3 * r);
        cy + below * r - 1.2 * r * t * t
    };
    GrayImage::from_fn(w, h, |x, y| {
        let (yf, m) = (y as f32, margin(x as f32));
        let out = if yf < m {
            let skin = f32::from(f.get_pixel(x, y % skin_rows).0[0]);
            skin * (1.0 - 0.6 * (-((yf - (m - 2.0)) / 2.0).powi(2)).exp())
        } else {
            f32::from(f.get_pixel(x, y).0[0]) * (1.0 - 0.35 * (-(yf - m) / 15.0).exp())
        };
        image::Luma([out.round().clamp(0.0, 255.0) as u8])
    })
}

fn failed(a: &Assessment) -> Vec<&str> {
    a.failures().map(|f| f.check.as_str()).collect()
}

fn value(a: &Assessment, check: &str) -> f64 {
    a.get(check).map_or(f64::NAN, |f| f.value)
}

#[test]
fn an_open_sharp_eye_passes_every_check() {
    for eye in [Eye::Right, Eye::Left] {
        for person in [3, 7, 1234] {
            // Frames across the loop: the gaze wanders, the pupil dilates and contracts.
            for f in frames(eye, person, 3) {
                let a = assess(&f);
                assert!(a.acceptable, "{eye:?} {person}: {a:?}");
                assert!(a.score > 40, "{a:?}");
                assert_eq!(a.modality, Modality::Iris);
                let names: Vec<&str> = a.findings.iter().map(|f| f.check.as_str()).collect();
                assert_eq!(
                    names,
                    ["eye_present", "contrast", "centring", "focus", "occlusion"]
                );
                assert!(value(&a, "occlusion") >= 75.0, "{a:?}");
                // Where the simulator draws it: the middle, iris about 100-118 pixels.
                let m = measure(&f);
                let (p, i) = (m.pupil.expect("pupil"), m.iris.expect("iris"));
                assert!((300.0..340.0).contains(&p.x), "{m:?}");
                assert!((230.0..270.0).contains(&p.y), "{m:?}");
                assert!((95.0..125.0).contains(&i.r), "{m:?}");
                assert!((0.25..0.5).contains(&(p.r / i.r)), "{m:?}");
            }
        }
    }
}

#[test]
fn a_blurred_eye_fails_focus_only() {
    for eye in [Eye::Right, Eye::Left] {
        let sharp = frame(eye, 7);
        let before = value(&assess(&sharp), "focus");
        for sigma in [1.5, 2.5] {
            let a = assess(&imageops::blur(&sharp, sigma));
            assert_eq!(failed(&a), ["focus"], "{eye:?} {sigma}: {a:?}");
            assert!(a.score <= 40);
            let after = value(&a, "focus");
            assert!(
                after < f64::from(MIN_FOCUS) && after < before,
                "{before} {after}"
            );
            assert_eq!(
                a.first_problem(crate::lang::Lang::En)
                    .map(|s| s.starts_with("The iris is blurred")),
                Some(true)
            );
        }
    }
}

#[test]
fn an_eyelid_mostly_closed_fails_occlusion() {
    for (eye, person) in [(Eye::Right, 7), (Eye::Left, 7), (Eye::Left, 1234)] {
        let open = frame(eye, person);
        // The same lid drawn where an open eye's lid is: the drawing itself does not fail.
        let a = assess(&drooping(&open, -0.75));
        assert!(a.acceptable, "{eye:?} {person}: {a:?}");
        // Down to the top of the pupil: most of the upper iris is under the lid.
        let a = assess(&drooping(&open, -0.2));
        assert_eq!(failed(&a), ["occlusion"], "{eye:?} {person}: {a:?}");
        let visible = value(&a, "occlusion");
        assert!(
            visible < f64::from(MIN_VISIBLE) && visible > 30.0,
            "{visible}"
        );
        let f = a.get("occlusion").expect("occlusion");
        assert!(f.id.contains("kelopak mata") && f.id.contains("membuka mata lebar-lebar"));
        assert!(f.en.contains("eyelid") && f.en.contains("open the eye wide"));
    }
}

#[test]
fn no_eye_a_closed_eye_or_a_blank_frame_fails_eye_present() {
    let open = frame(Eye::Right, 7);
    let closed = drooping(&open, 1.0);
    let skin = drooping(&open, 3.0);
    let grey = GrayImage::from_fn(640, 480, |x, y| image::Luma([120 + ((x + y) % 5) as u8]));
    let black = GrayImage::from_pixel(640, 480, image::Luma([4]));
    for (name, f) in [
        ("closed", closed),
        ("skin", skin),
        ("grey", grey),
        ("black", black),
    ] {
        let a = assess(&f);
        let failing = failed(&a);
        assert!(failing.contains(&"eye_present"), "{name}: {a:?}");
        // What needs an eye is not measured, and says so.
        for check in ["centring", "focus", "occlusion"] {
            let finding = a.get(check).expect("present");
            assert!(!finding.pass && finding.value == 0.0, "{name}: {finding:?}");
            assert!(finding.en.contains("no eye"), "{finding:?}");
        }
        assert!(a.score <= 40);
    }
    // What the operator hears first: open the eye, or, when the picture is empty, check
    // the camera.
    let a = assess(&drooping(&open, 1.0));
    assert_eq!(
        a.first_problem(crate::lang::Lang::Id),
        Some("Mata tidak terlihat: minta pemohon membuka mata dan melihat ke dalam kamera iris.")
    );
    let a = assess(&GrayImage::from_pixel(640, 480, image::Luma([4])));
    assert_eq!(failed(&a)[..2], ["eye_present", "contrast"]);
    assert_eq!(
        a.first_problem(crate::lang::Lang::En),
        Some(
            "The picture is empty: check that the iris camera's lens is not covered and that \
             the infrared light is on."
        )
    );
}

#[test]
fn a_washed_out_image_fails_contrast_and_eye_present() {
    let mut washed = frame(Eye::Left, 7);
    for p in washed.pixels_mut() {
        p.0[0] = 190 + p.0[0] / 5;
    }
    let a = assess(&washed);
    assert_eq!(failed(&a)[..2], ["eye_present", "contrast"], "{a:?}");
}

#[test]
fn an_eye_far_from_the_middle_fails_centring() {
    let f = frame(Eye::Right, 7);
    // The applicant moved: the eye is 150 pixels to the side.
    let moved = GrayImage::from_fn(640, 480, |x, y| {
        if x >= 150 {
            *f.get_pixel(x - 150, y)
        } else {
            image::Luma([150])
        }
    });
    let a = assess(&moved);
    assert_eq!(failed(&a), ["centring"], "{a:?}");
    assert!((0.2..0.3).contains(&value(&a, "centring")), "{a:?}");
    let p = measure(&moved).pupil.expect("pupil");
    assert!((450.0..490.0).contains(&p.x), "{p:?}");
}

#[test]
fn a_lid_starts_where_the_rest_of_the_spoke_is_not_iris() {
    // A dark crypt in the middle of the iris is not a lid.
    assert_eq!(lid_start(&[true, true, false, true, true, true]), 6);
    assert_eq!(lid_start(&[true, true, true, false, false, false]), 3);
    // A lash or a bright patch among the lid's samples does not end it.
    assert_eq!(lid_start(&[true, true, false, false, true, false]), 2);
    assert_eq!(lid_start(&[false, false, false]), 0);
    assert_eq!(lid_start(&[true, false]), 1);
    assert_eq!(lid_start(&[]), 0);
}

#[test]
fn the_png_is_lossless() {
    let f = frame(Eye::Left, 3);
    let bytes = encode_png(&f).expect("png");
    let back = image::load_from_memory_with_format(&bytes, image::ImageFormat::Png)
        .expect("decodes")
        .to_luma8();
    assert_eq!(back, f);
}

#[test]
fn tiny_frames_do_not_panic() {
    for (w, h) in [(1, 1), (4, 3), (30, 20), (64, 48)] {
        let a = assess(&GrayImage::new(w, h));
        assert!(!a.acceptable);
        assert_eq!(a.findings.len(), 5);
    }
}
