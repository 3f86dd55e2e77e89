//! The face gate's geometric checks: both eyes, the eyes' distance, head size, centring of the
//! token crop, roll and a rough yaw, all from the detector's box and key points.

use super::*;

pub(super) fn check_eyes(face: &Detection, g: &Geometry) -> Finding {
    // Both eyes where a face has them: their distance a plausible share of the face box, the
    // mouth below them at a plausible distance.
    let share = g.eyes / face.width.max(1.0);
    let ratio = g.eye_mouth / g.eyes;
    let pass = (0.25..=0.65).contains(&share) && (0.5..=1.6).contains(&ratio);
    if pass {
        Finding::new(
            "eyes",
            true,
            f64::from(100.0 - 100.0 * (ratio - 0.95).abs()),
            f64::from(ratio),
            "Kedua mata terlihat.",
            "Both eyes are seen.",
        )
    } else {
        Finding::new(
            "eyes",
            false,
            0.0,
            f64::from(ratio),
            "Mata tidak terlihat jelas: minta pemohon membuka mata, melepas kacamata dan \
             menyingkirkan rambut dari wajah.",
            "The eyes are not clearly seen: ask the applicant to open the eyes, take off glasses \
             and keep hair off the face.",
        )
    }
}

pub(super) fn check_eye_distance(g: &Geometry) -> Finding {
    let pass = g.eyes >= MIN_EYE_DISTANCE;
    let score = ramp(f64::from(g.eyes), f64::from(MIN_EYE_DISTANCE) * 0.7, 160.0);
    if pass {
        Finding::new(
            "eye_distance",
            true,
            score,
            f64::from(g.eyes),
            format!("Jarak antarmata {:.0} piksel.", g.eyes),
            format!("The eyes are {:.0} pixels apart.", g.eyes),
        )
    } else {
        Finding::new(
            "eye_distance",
            false,
            score.min(40.0),
            f64::from(g.eyes),
            format!(
                "Wajah terlalu kecil (jarak antarmata {:.0} piksel, minimal {:.0}): minta \
                 pemohon duduk lebih dekat ke kamera.",
                g.eyes, MIN_EYE_DISTANCE
            ),
            format!(
                "The face is too small (eyes {:.0} pixels apart, at least {:.0}): ask the \
                 applicant to sit closer to the camera.",
                g.eyes, MIN_EYE_DISTANCE
            ),
        )
    }
}

pub(super) fn check_head_size(g: &Geometry, frame_h: f32) -> Finding {
    let share = g.head / frame_h.max(1.0);
    let (lo, hi) = HEAD_SHARE;
    let pct = f64::from(share * 100.0);
    let mid = (lo + hi) / 2.0;
    let score = 100.0 - 100.0 * f64::from((share - mid).abs() / (hi - lo));
    if share < lo {
        Finding::new(
            "head_size",
            false,
            0.0,
            pct,
            format!(
                "Kepala terlalu kecil ({pct:.0}% tinggi gambar): minta pemohon mendekat ke kamera."
            ),
            format!(
                "The head is too small ({pct:.0}% of the image height): ask the applicant to come closer to the camera."
            ),
        )
    } else if share > hi {
        Finding::new(
            "head_size",
            false,
            0.0,
            pct,
            format!(
                "Kepala terlalu besar ({pct:.0}% tinggi gambar): minta pemohon mundur sedikit dari kamera."
            ),
            format!(
                "The head is too large ({pct:.0}% of the image height): ask the applicant to move back a little."
            ),
        )
    } else {
        Finding::new(
            "head_size",
            true,
            score,
            pct,
            format!("Tinggi kepala {pct:.0}% tinggi gambar."),
            format!("The head is {pct:.0}% of the image height."),
        )
    }
}

pub(super) fn check_centring(g: &Geometry, token: Rect, w: f32, h: f32) -> Finding {
    let off = (g.mx - w / 2.0) / w.max(1.0);
    let outside = [
        -token.x,
        token.x + token.width - w,
        -token.y,
        token.y + token.height - h,
    ]
    .into_iter()
    .fold(0.0f32, f32::max)
        / token.height.max(1.0);
    let pass = off.abs() <= MAX_OFF_CENTRE && outside <= MAX_CROP_OUTSIDE;
    let value = f64::from(off * 100.0);
    if pass {
        return Finding::new(
            "centring",
            true,
            100.0 - 100.0 * f64::from(off.abs() / MAX_OFF_CENTRE) * 0.5,
            value,
            "Wajah di tengah.",
            "The face is centred.",
        );
    }
    // Which way the head is off, in the image as the operator's preview shows it.
    let (id, en) = if token.y < 0.0 && -token.y >= token.y + token.height - h {
        ("terlalu tinggi", "too high")
    } else if token.y + token.height > h && off.abs() <= MAX_OFF_CENTRE {
        ("terlalu rendah", "too low")
    } else if off < 0.0 {
        ("terlalu ke kiri gambar", "too far to the image's left")
    } else {
        ("terlalu ke kanan gambar", "too far to the image's right")
    };
    Finding::new(
        "centring",
        false,
        0.0,
        value,
        format!("Wajah {id}: atur kursi atau kamera agar wajah berada di tengah bingkai."),
        format!(
            "The face is {en}: adjust the chair or the camera so that the face is in the middle of the frame."
        ),
    )
}

pub(super) fn check_roll(g: &Geometry) -> Finding {
    let roll = g.roll_degrees();
    let pass = roll.abs() <= MAX_ROLL;
    let score = 100.0 - 100.0 * f64::from(roll.abs() / MAX_ROLL) * 0.5;
    if pass {
        Finding::new(
            "roll",
            true,
            score,
            f64::from(roll),
            format!("Kepala tegak (miring {:.0}°).", roll.abs()),
            format!("The head is upright (tilted {:.0}°).", roll.abs()),
        )
    } else {
        Finding::new(
            "roll",
            false,
            0.0,
            f64::from(roll),
            format!(
                "Kepala miring {:.0}°: minta pemohon menegakkan kepala.",
                roll.abs()
            ),
            format!(
                "The head is tilted {:.0}°: ask the applicant to hold the head upright.",
                roll.abs()
            ),
        )
    }
}

pub(super) fn check_yaw(g: &Geometry) -> Finding {
    let yaw = g.yaw_degrees();
    let pass = yaw.abs() <= MAX_YAW;
    let score = 100.0 - 100.0 * f64::from(yaw.abs() / MAX_YAW) * 0.5;
    if pass {
        Finding::new(
            "yaw",
            true,
            score,
            f64::from(yaw),
            "Wajah menghadap lurus ke kamera.",
            "The face looks straight at the camera.",
        )
    } else {
        Finding::new(
            "yaw",
            false,
            0.0,
            f64::from(yaw),
            format!(
                "Wajah menoleh sekitar {:.0}°: minta pemohon menghadap lurus ke kamera.",
                yaw.abs()
            ),
            format!(
                "The face is turned about {:.0}°: ask the applicant to look straight at the camera.",
                yaw.abs()
            ),
        )
    }
}
