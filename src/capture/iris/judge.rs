//! From the iris measurements to the gate's verdict: each check graded with its limit and the
//! operator's sentence, and the stored image's encoding.

use image::GrayImage;

use super::*;

/// A finding's score: at most 40 when it fails (how close it came), 50-100 when it passes (how
/// far beyond the threshold, up to `good`).
fn graded(pass: bool, v: f32, worst: f32, threshold: f32, good: f32) -> f64 {
    let (v, worst, threshold, good) = (
        f64::from(v),
        f64::from(worst),
        f64::from(threshold),
        f64::from(good),
    );
    if pass {
        50.0 + ramp(v, threshold, good) / 2.0
    } else {
        0.4 * ramp(v, worst, threshold)
    }
}

fn not_checked(check: &str) -> Finding {
    Finding::new(
        check,
        false,
        0.0,
        0.0,
        "Belum dapat diperiksa: mata belum ditemukan.",
        "Not checked yet: no eye was found.",
    )
}

/// The quality gate of one grey frame: the findings described in the module documentation,
/// in that order, and a score 0-100 (the mean of the findings' scores when all pass, at most
/// 40 otherwise).
pub fn assess(frame: &GrayImage) -> Assessment {
    judge(&measure(frame))
}

/// The findings for measurements taken by [`measure`].
pub fn judge(m: &IrisMeasurements) -> Assessment {
    let mut findings = Vec::with_capacity(5);

    let pupil_level = m.darkest.map_or(255.0, |d| d.0);
    findings.push(if m.eye {
        let depth = m.iris_level - pupil_level;
        Finding::new(
            "eye_present",
            true,
            graded(true, depth, 0.0, MIN_IRIS_DEPTH, MIN_IRIS_DEPTH + 60.0),
            f64::from(pupil_level),
            "Mata terlihat: pupil dan iris ditemukan.",
            "The eye is visible: pupil and iris found.",
        )
    } else if m.contrast < EMPTY_CONTRAST {
        Finding::new(
            "eye_present",
            false,
            0.0,
            f64::from(pupil_level),
            "Gambar kosong: periksa lensa kamera iris tidak tertutup dan lampu inframerah menyala.",
            "The picture is empty: check that the iris camera's lens is not covered and that \
             the infrared light is on.",
        )
    } else {
        Finding::new(
            "eye_present",
            false,
            0.0,
            f64::from(pupil_level),
            "Mata tidak terlihat: minta pemohon membuka mata dan melihat ke dalam kamera iris.",
            "No eye is visible: ask the applicant to open the eye and look into the iris camera.",
        )
    });

    let pass = m.contrast >= MIN_CONTRAST;
    findings.push(if pass {
        Finding::new(
            "contrast",
            true,
            graded(true, m.contrast, 0.0, MIN_CONTRAST, MIN_CONTRAST + 80.0),
            f64::from(m.contrast),
            "Kontras gambar cukup.",
            "The picture has enough contrast.",
        )
    } else {
        Finding::new(
            "contrast",
            false,
            graded(false, m.contrast, 0.0, MIN_CONTRAST, 0.0),
            f64::from(m.contrast),
            "Gambar terlalu datar: periksa lensa tidak tertutup atau kotor dan lampu inframerah \
             menyala.",
            "The picture is flat: check that the lens is neither covered nor dirty and that the \
             infrared light is on.",
        )
    });
    if !m.eye {
        findings.extend(["centring", "focus", "occlusion"].map(not_checked));
        return Assessment::from_findings(Modality::Iris, findings);
    }

    let pass = m.offset <= MAX_PUPIL_OFFSET;
    findings.push(if pass {
        Finding::new(
            "centring",
            true,
            graded(true, m.offset, 0.5, MAX_PUPIL_OFFSET, 0.0),
            f64::from(m.offset),
            "Mata berada di tengah gambar.",
            "The eye is in the middle of the picture.",
        )
    } else {
        Finding::new(
            "centring",
            false,
            graded(false, m.offset, 0.5, MAX_PUPIL_OFFSET, 0.0),
            f64::from(m.offset),
            "Mata tidak di tengah gambar: minta pemohon menggeser kepala sampai mata berada di \
             tengah.",
            "The eye is off the middle of the picture: ask the applicant to move the head until \
             the eye is in the middle.",
        )
    });

    let pass = m.focus >= MIN_FOCUS;
    findings.push(if pass {
        Finding::new(
            "focus",
            true,
            graded(true, m.focus, 0.0, MIN_FOCUS, 3.0 * MIN_FOCUS),
            f64::from(m.focus),
            "Tekstur iris tajam.",
            "The iris texture is sharp.",
        )
    } else {
        Finding::new(
            "focus",
            false,
            graded(false, m.focus, 0.0, MIN_FOCUS, 0.0),
            f64::from(m.focus),
            "Iris buram: minta pemohon diam dan mengatur jarak ke kamera sampai gambar tajam.",
            "The iris is blurred: ask the applicant to hold still at the right distance from the \
             camera until the picture is sharp.",
        )
    });

    let pass = m.visible >= MIN_VISIBLE;
    let v = m.visible.round();
    findings.push(if pass {
        Finding::new(
            "occlusion",
            true,
            graded(true, m.visible, 0.0, MIN_VISIBLE, 95.0),
            f64::from(m.visible),
            format!("Iris terlihat {v}%."),
            format!("{v}% of the iris is visible."),
        )
    } else {
        Finding::new(
            "occlusion",
            false,
            graded(false, m.visible, 0.0, MIN_VISIBLE, 0.0),
            f64::from(m.visible),
            format!(
                "Iris hanya terlihat {v}%: kelopak mata atau bulu mata menutupinya. Minta \
                 pemohon membuka mata lebar-lebar."
            ),
            format!(
                "Only {v}% of the iris is visible: the eyelid or the eyelashes cover it. Ask the \
                 applicant to open the eye wide."
            ),
        )
    });
    Assessment::from_findings(Modality::Iris, findings)
}

/// The iris image as a grey PNG (lossless: iris templates are sensitive to compression).
pub fn encode_png(image: &GrayImage) -> Result<Vec<u8>, EncodeError> {
    let mut out = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| EncodeError(e.to_string()))?;
    Ok(out.into_inner())
}
