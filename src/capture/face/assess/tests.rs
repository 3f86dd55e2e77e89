//! Tests of `assess`.

use super::super::tests::frame;
use super::*;

fn failing(a: &FaceAssessment) -> Vec<&str> {
    a.assessment.failures().map(|f| f.check.as_str()).collect()
}

fn run(img: &RgbImage, born: Option<i32>) -> FaceAssessment {
    assess(img, born).expect("detector")
}

/// The real photo the simulator's portrait is cut from: the NASA portrait in front of the
/// studio's backdrop, flag and shuttle model.
fn portrait() -> RgbImage {
    image::load_from_memory(include_bytes!("../../../../drivers/camera/assets/face.jpg"))
        .expect("jpeg")
        .to_rgb8()
}

/// `img` turned by `degrees` about its centre (nearest pixel), the corners filled with the
/// colour of its top-left pixel.
fn rotated(img: &RgbImage, degrees: f32) -> RgbImage {
    let (w, h) = img.dimensions();
    let (s, c) = degrees.to_radians().sin_cos();
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    let fill = *img.get_pixel(0, 0);
    RgbImage::from_fn(w, h, |x, y| {
        let (dx, dy) = (x as f32 - cx, y as f32 - cy);
        let (sx, sy) = (cx + c * dx + s * dy, cy - s * dx + c * dy);
        if sx < 0.0 || sy < 0.0 || sx >= w as f32 || sy >= h as f32 {
            fill
        } else {
            *img.get_pixel(sx as u32, sy as u32)
        }
    })
}

#[test]
fn the_right_backdrop_passes_and_the_wrong_one_is_named() {
    let red = run(&frame(Background::Red, 7), Some(1991));
    assert!(red.assessment.acceptable, "{red:#?}");
    assert_eq!(red.background_seen, Some(Background::Red));
    assert_eq!(red.faces, 1);
    assert_eq!(red.assessment.findings.len(), 12);

    let blue = run(&frame(Background::Blue, 3), Some(1990));
    assert!(blue.assessment.acceptable, "{blue:#?}");
    assert_eq!(blue.background_seen, Some(Background::Blue));

    let wrong = run(&frame(Background::Red, 7), Some(1990));
    assert_eq!(failing(&wrong), ["background_colour"]);
    let f = wrong.assessment.get("background_colour").expect("finding");
    assert!(f.id.contains("Latar merah, seharusnya biru"), "{}", f.id);
    assert!(f.en.contains("must be blue"), "{}", f.en);
    // Without a birth year, red or blue is accepted.
    assert!(run(&frame(Background::Blue, 3), None).assessment.acceptable);
}

#[test]
fn a_busy_background_fails_in_the_simulator_and_in_the_real_photo() {
    let busy = run(&frame(Background::Busy, 3), Some(1991));
    assert_eq!(
        failing(&busy),
        ["background_uniform", "background_colour"],
        "{busy:#?}"
    );
    assert_eq!(busy.background_seen, None);

    // The original photo: one face, a busy studio background, and small (the eyes are
    // 46 pixels apart in this 512x360 crop).
    let photo = run(&portrait(), None);
    assert_eq!(photo.faces, 1);
    let fails = failing(&photo);
    for check in ["eye_distance", "background_uniform", "background_colour"] {
        assert!(fails.contains(&check), "{check} {photo:#?}");
    }
    assert!(
        !fails.contains(&"roll") && !fails.contains(&"yaw"),
        "{photo:#?}"
    );
}

#[test]
fn no_face_and_two_faces() {
    // The lower part of the real photo: the suit, the flag, no face.
    let p = portrait();
    let below = imageops::crop_imm(&p, 0, 190, 512, 170).to_image();
    let none = run(&below, None);
    assert_eq!(none.faces, 0);
    assert_eq!(failing(&none), ["face_count"]);
    assert!(
        none.assessment
            .first_problem(crate::lang::Lang::Id)
            .is_some_and(|m| m.contains("Tidak ada wajah"))
    );
    assert!(none.token.is_none());

    // An empty chair in front of the backdrop.
    let [r, g, b] = Background::RED;
    let empty = RgbImage::from_pixel(1280, 720, image::Rgb([r, g, b]));
    assert_eq!(run(&empty, None).faces, 0);

    // Two people: two frames side by side.
    let half = imageops::resize(
        &frame(Background::Blue, 3),
        640,
        360,
        imageops::FilterType::Triangle,
    );
    let mut two = RgbImage::new(1280, 360);
    imageops::replace(&mut two, &half, 0, 0);
    imageops::replace(&mut two, &imageops::flip_horizontal(&half), 640, 0);
    let both = run(&two, Some(1990));
    assert_eq!(both.faces, 2, "{both:#?}");
    assert_eq!(failing(&both), ["face_count"]);
    assert!(both.assessment.findings[0].en.contains("2 faces"));
}

#[test]
fn a_tilted_head_fails_roll() {
    let f = frame(Background::Red, 7);
    let tilted = run(&rotated(&f, 15.0), None);
    assert_eq!(failing(&tilted), ["roll"], "{tilted:#?}");
    let roll = tilted.assessment.get("roll").map_or(0.0, |r| r.value);
    assert!((roll.abs() - 15.0).abs() < 5.0, "{roll}");
    assert!(run(&rotated(&f, 4.0), None).assessment.acceptable);
}

#[test]
fn a_turned_head_fails_yaw() {
    // Key points of a face turned to the image's right: the nose tip 0.3 eye distances off
    // the eyes' midpoint (about 27 degrees).
    let f = frame(Background::Red, 7);
    let face = run(&f, None).face.expect("face");
    let (mx, my) = (
        (face.points[0].0 + face.points[1].0) / 2.0,
        (face.points[0].1 + face.points[1].1) / 2.0,
    );
    let e = face.points[1].0 - face.points[0].0;
    let mut turned = face;
    turned.points[Point::Nose as usize] = (mx + 0.3 * e, my + 0.5 * e);
    let a = assess_detections(&f, &[turned], None);
    assert_eq!(failing(&a), ["yaw"], "{a:#?}");
    assert!(
        a.assessment
            .get("yaw")
            .is_some_and(|y| (y.value - 26.6).abs() < 2.0)
    );
}

#[test]
fn exposure_lighting_and_sharpness() {
    let f = frame(Background::Red, 7);
    let mut dark = f.clone();
    dark.pixels_mut().for_each(|p| p.0 = p.0.map(|v| v / 3));
    assert!(failing(&run(&dark, None)).contains(&"exposure"));

    let mut burnt = f.clone();
    burnt
        .pixels_mut()
        .for_each(|p| p.0 = p.0.map(|v| v.saturating_mul(2)));
    let b = run(&burnt, None);
    assert!(failing(&b).contains(&"exposure"), "{b:#?}");
    assert!(
        b.assessment
            .get("exposure")
            .is_some_and(|e| e.en.contains("overexposed"))
    );

    // A hard shadow over the image's left half of the face.
    let face = run(&f, None).face.expect("face");
    let mid = (face.points[0].0 + face.points[1].0) / 2.0;
    let mut shadow = f.clone();
    for (x, _, p) in shadow.enumerate_pixels_mut() {
        if (x as f32) < mid {
            p.0 = p.0.map(|v| (f32::from(v) * 0.5) as u8);
        }
    }
    assert!(failing(&run(&shadow, None)).contains(&"lighting"));

    let blurred = run(&imageops::blur(&f, 3.0), None);
    assert_eq!(failing(&blurred), ["sharpness"], "{blurred:#?}");
}

#[test]
fn too_far_too_close_and_off_centre() {
    let f = frame(Background::Blue, 3);
    let [r, g, b] = Background::BLUE;
    // Too far: the frame shrunk to 60% on the backdrop.
    let small = imageops::resize(&f, 768, 432, imageops::FilterType::Triangle);
    let mut far = RgbImage::from_pixel(1280, 720, image::Rgb([r, g, b]));
    imageops::replace(&mut far, &small, 256, 144);
    let a = run(&far, Some(1990));
    let fails = failing(&a);
    assert!(
        fails.contains(&"eye_distance") && fails.contains(&"head_size"),
        "{a:#?}"
    );
    assert!(
        a.assessment
            .get("head_size")
            .is_some_and(|h| h.en.contains("too small"))
    );

    // Too close: the middle of the frame enlarged 1.6 times.
    let middle = imageops::crop_imm(&f, 240, 60, 800, 450).to_image();
    let close = run(
        &imageops::resize(&middle, 1280, 720, imageops::FilterType::Triangle),
        Some(1990),
    );
    assert!(failing(&close).contains(&"head_size"), "{close:#?}");
    assert!(
        close
            .assessment
            .get("head_size")
            .is_some_and(|h| h.en.contains("too large"))
    );

    // Off centre: the frame shifted so that the face is near the right edge.
    let mut shifted = RgbImage::from_pixel(1280, 720, image::Rgb([r, g, b]));
    imageops::replace(
        &mut shifted,
        &imageops::crop_imm(&f, 0, 0, 900, 720).to_image(),
        380,
        0,
    );
    let off = run(&shifted, Some(1990));
    assert_eq!(failing(&off), ["centring"], "{off:#?}");
    assert!(
        off.assessment
            .get("centring")
            .is_some_and(|c| c.en.contains("right"))
    );
}

#[test]
fn the_token_image_follows_the_token_geometry() {
    let f = frame(Background::Red, 7);
    let a = run(&f, Some(1991));
    let jpeg = token_jpeg(&f, &a).expect("one face").expect("encoded");
    let token = image::load_from_memory(&jpeg).expect("decodes").to_rgb8();
    assert_eq!(token.dimensions(), (TOKEN_WIDTH, TOKEN_HEIGHT));
    assert!(jpeg.len() < 150_000, "{}", jpeg.len());
    // Looked at again, the face in the token: eyes centred at 45% of the height, the head
    // 70-80% of it.
    let again = run(&token, Some(1991));
    let face = again.face.expect("face in the token");
    let (mx, my) = (
        (face.points[0].0 + face.points[1].0) / 2.0,
        (face.points[0].1 + face.points[1].1) / 2.0,
    );
    assert!((mx / TOKEN_WIDTH as f32 - 0.5).abs() < 0.04, "{mx}");
    assert!(
        (my / TOKEN_HEIGHT as f32 - TOKEN_EYE_LINE).abs() < 0.04,
        "{my}"
    );
    let head = again.assessment.get("head_size").map_or(0.0, |h| h.value);
    assert!((70.0..=80.0).contains(&head), "{head}");
    assert!(
        again
            .assessment
            .get("background_colour")
            .is_some_and(|c| c.pass)
    );
}
