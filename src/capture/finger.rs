//! Finger captures: the quality gate of a fingerprint (500 ppi), the segmentation of a slap
//! into one crop per finger, and the PNG encoding a crop is stored in. The method, the checks
//! and how their thresholds were chosen are in docs/finger-quality.md.
//!
//! # Checks
//! [`assess_finger`] judges one finger image (a flat impression or a crop of a slap):
//!
//! 1. `foreground`: enough of the finger touched the glass, at least [`MIN_FOREGROUND_MM2`]
//!    (value: mm²). Fails on a blank image and on a fingertip-only touch.
//! 2. `smudge`: less than [`SMUDGE_MM2`] of dark ink without ridges (value: mm²). Fails on a
//!    wet, smeared press or residue on the glass.
//! 3. `quality`: the quality score is at least [`GOOD_ENOUGH`] (value: the score).
//!
//! Its score is the quality score: 0-100 on NFIQ 2's scale, from [`features`] (block features
//! of the families NFIQ 2 uses) through a model fitted to NFIQ 2's scores ([`predict`]),
//! scaled down where NFIQ 2 would refuse to score the image: when few blocks show clear ridges
//! ([`CLEAR_BLOCKS`]) or the ridges are very shallow ([`CONTRAST`]).
//!
//! [`assess_slap`] judges a slap or a two-thumb image:
//!
//! 1. `platen_empty`: there is ink on the glass (at least [`PLATEN_EMPTY_MM2`]; value: mm²).
//! 2. `smudge`: as above, over the whole glass; its message says whether the smear lies on the
//!    glass around the fingers (clean the glass) or on them (dry the fingers).
//! 3. `finger_count`: as many fingers as expected were found (value: how many). A finger
//!    recorded as an exception is not expected; a missing finger that is not is an error.
//! 4. `quality_<finger>` for each finger found (`quality_right_index`, ...): the finger's own
//!    [`assess_finger`] passes (value and score: its quality).
//!
//! Its score is the mean quality of the fingers found.

pub mod evaluation;
pub mod features;
mod model;
mod segment;
mod trees;

use std::io::Cursor;

use image::{GrayImage, ImageFormat};
use rekam_fingerprint::{CaptureMode, Finger};

pub use model::{SUMMARY_NAMES, Summary, predict, summary};
pub use segment::{Crop, SegmentError, capture_image, segment};

use crate::capture::quality::{Assessment, Finding, Modality, ramp};
use crate::lang::Lang;

/// Below this quality an impression is weak: the `quality` check fails and the screen suggests
/// another attempt. On NFIQ 2's scale; the simulator's clean impressions score about 45-60.
pub const GOOD_ENOUGH: u8 = 35;
/// The `foreground` check: at least this much of the finger on the glass (mm²; a whole
/// fingertip covers 130-400 mm², a little finger the least).
pub const MIN_FOREGROUND_MM2: f64 = 80.0;
/// The `smudge` check fails from this much dark ink without ridges (mm²).
pub const SMUDGE_MM2: f64 = 40.0;
/// The `platen_empty` check fails below this much ink on the glass (mm²).
pub const PLATEN_EMPTY_MM2: f64 = 20.0;
/// Blocks with clear ridges (32 x 32 pixels, 2.6 mm² each) from which the quality counts in
/// full; below the second it is scaled down, to 0 at the first. NFIQ 2 refuses to score the
/// images with the fewest (a fingertip, a heavy blur).
pub const CLEAR_BLOCKS: (f64, f64) = (10.0, 40.0);

/// Ridge contrast (median grey standard deviation of the clear blocks) from which the quality
/// counts in full; below the second it is scaled down, to 0 at the first. NFIQ 2 refuses to
/// score images whose ridges are this shallow (a blur of sigma 3.5 pixels or more, a print
/// faded by 90 %).
pub const CONTRAST: (f64, f64) = (6.0, 12.0);

/// What [`measure`] finds in one finger image.
#[derive(Debug, Clone, PartialEq)]
pub struct Measures {
    /// Foreground (skin or residue on the glass), mm².
    pub area_mm2: f64,
    /// Dark ink without ridges, mm².
    pub smeared_mm2: f64,
    /// Blocks whose ridges are clear enough for NFIQ 2's local clarity.
    pub clear_blocks: usize,
    /// Ridge contrast, grey levels.
    pub contrast: f64,
    /// The model's score before scaling and rounding.
    pub model: f64,
    /// The quality score, 0-100.
    pub quality: u8,
}

/// Measures one finger image: its features, the model's score and the quality.
pub fn measure(img: &GrayImage) -> Measures {
    let f = features::features(img);
    let clear_blocks = f.clear_blocks();
    let contrast = f64::from(f.ridge_contrast());
    let model = if f.blocks.is_empty() {
        0.0
    } else {
        f64::from(model::predict(&model::summary(&f)))
    };
    let quality = if clear_blocks == 0 {
        0
    } else {
        let share = ramp(clear_blocks as f64, CLEAR_BLOCKS.0, CLEAR_BLOCKS.1) / 100.0
            * ramp(contrast, CONTRAST.0, CONTRAST.1)
            / 100.0;
        (model.clamp(0.0, 100.0) * share).round() as u8
    };
    Measures {
        area_mm2: f64::from(f.area_mm2()),
        smeared_mm2: f64::from(features::cells_mm2(f.smeared_cells())),
        clear_blocks,
        contrast,
        model,
        quality,
    }
}

/// The quality of a finger image, 0-100 on NFIQ 2's scale (see the module documentation).
pub fn quality(img: &GrayImage) -> u8 {
    measure(img).quality
}

fn foreground_finding(area: f64) -> Finding {
    let score = ramp(area, 0.0, 2.0 * MIN_FOREGROUND_MM2);
    if area >= MIN_FOREGROUND_MM2 {
        Finding::new(
            "foreground",
            true,
            score,
            area,
            format!("Luas sidik jari cukup ({area:.0} mm²)."),
            format!("Enough of the finger touched the glass ({area:.0} mm²)."),
        )
    } else if area < 5.0 {
        Finding::new(
            "foreground",
            false,
            0.0,
            area,
            "Tidak ada jari pada kaca: letakkan jari di kaca lalu ulangi.",
            "No finger on the glass: place the finger on the glass and try again.",
        )
    } else {
        Finding::new(
            "foreground",
            false,
            score,
            area,
            format!(
                "Hanya {area:.0} mm² jari yang menempel (minimal {MIN_FOREGROUND_MM2:.0}): letakkan jari rata dan tekan hingga seluruh ujung jari menempel, lalu ulangi."
            ),
            format!(
                "Only {area:.0} mm² of the finger touched the glass (at least {MIN_FOREGROUND_MM2:.0} needed): lay the finger flat and press so that the whole fingertip touches, then try again."
            ),
        )
    }
}

/// Where a smear lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SmearPlace {
    /// On the finger(s): a wet or greasy press.
    Finger,
    /// On the glass around the fingers.
    Glass,
    /// Not known (the fingers were not found).
    Unknown,
}

fn smudge_finding(smeared: f64, place: SmearPlace) -> Finding {
    let score = ramp(smeared, SMUDGE_MM2, 0.0);
    if smeared < SMUDGE_MM2 {
        return Finding::new(
            "smudge",
            true,
            score,
            smeared,
            format!("Tidak ada noda berarti ({smeared:.0} mm² tanpa alur)."),
            format!("No real smear ({smeared:.0} mm² without ridges)."),
        );
    }
    let (id, en) = match place {
        SmearPlace::Finger => (
            format!(
                "Sidik jari tercoreng ({smeared:.0} mm² tanpa alur): keringkan jari dengan tisu, bersihkan kaca, lalu ulangi."
            ),
            format!(
                "The print is smeared ({smeared:.0} mm² without ridges): dry the finger with a tissue, wipe the glass and try again."
            ),
        ),
        SmearPlace::Glass => (
            format!(
                "Kaca pemindai kotor ({smeared:.0} mm² noda di luar jari): bersihkan kaca lalu ulangi."
            ),
            format!(
                "The scanner glass is dirty ({smeared:.0} mm² of smear outside the fingers): wipe it and try again."
            ),
        ),
        SmearPlace::Unknown => (
            format!(
                "Kaca pemindai kotor atau jari basah ({smeared:.0} mm² noda tanpa alur): bersihkan kaca, keringkan jari, lalu ulangi."
            ),
            format!(
                "The scanner glass is dirty or the fingers are wet ({smeared:.0} mm² of smear without ridges): wipe the glass, dry the fingers and try again."
            ),
        ),
    };
    Finding::new("smudge", false, score, smeared, id, en)
}

fn quality_finding(quality: u8) -> Finding {
    let q = f64::from(quality);
    if quality >= GOOD_ENOUGH {
        Finding::new(
            "quality",
            true,
            q,
            q,
            format!("Kualitas sidik jari {quality} (minimal {GOOD_ENOUGH})."),
            format!("Fingerprint quality {quality} (at least {GOOD_ENOUGH})."),
        )
    } else {
        Finding::new(
            "quality",
            false,
            q,
            q,
            format!(
                "Kualitas sidik jari rendah ({quality}, minimal {GOOD_ENOUGH}): bersihkan jari, letakkan rata tanpa digeser, lalu ulangi."
            ),
            format!(
                "Low fingerprint quality ({quality}, at least {GOOD_ENOUGH} needed): clean the finger, lay it flat without moving it and try again."
            ),
        )
    }
}

/// The quality gate of one finger image (a flat impression or a crop): `foreground`,
/// `smudge` and `quality`, scored by the quality.
pub fn assess_finger(img: &GrayImage) -> Assessment {
    let m = measure(img);
    Assessment::new(
        Modality::Finger,
        m.quality,
        vec![
            foreground_finding(m.area_mm2),
            smudge_finding(m.smeared_mm2, SmearPlace::Finger),
            quality_finding(m.quality),
        ],
    )
}

/// One finger of a slap, as [`assess_slap`] found it.
#[derive(Debug, Clone, PartialEq)]
pub struct FingerResult {
    pub finger: Finger,
    /// Where the crop lies in the capture (pixels, left and top edge) and its size.
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    pub image: GrayImage,
    pub quality: u8,
    /// The finger's own [`assess_finger`].
    pub assessment: Assessment,
}

impl FingerResult {
    /// A flat impression of one finger, whole, judged by [`assess_finger`].
    pub fn whole(finger: Finger, image: GrayImage) -> FingerResult {
        let assessment = assess_finger(&image);
        FingerResult {
            finger,
            x: 0,
            y: 0,
            width: image.width(),
            height: image.height(),
            quality: assessment.score,
            image,
            assessment,
        }
    }
}

/// The quality gate of a slap or two-thumb capture: its fingers, and the findings of the whole
/// capture (see the module documentation).
#[derive(Debug, Clone, PartialEq)]
pub struct SlapAssessment {
    /// The fingers found, left to right as they lie in the image; empty when the capture does
    /// not hold the expected fingers.
    pub fingers: Vec<FingerResult>,
    pub assessment: Assessment,
}

/// The finger's name for the operator, starting with a capital ("Telunjuk kanan").
fn finger_title(finger: Finger, lang: Lang) -> String {
    let name = crate::domain::capture_name(Modality::Finger, finger.position(), lang);
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => name,
    }
}

/// The check name of a finger's quality in a slap: `quality_right_index`, ...
pub fn finger_check(finger: Finger) -> String {
    format!("quality_{}", finger.to_string().replace(' ', "_"))
}

fn finger_count_finding(mode: CaptureMode, found: usize, expected: usize) -> Finding {
    let score = if expected == 0 {
        100.0
    } else {
        100.0 * found.min(expected) as f64 / expected as f64
    };
    if found >= expected {
        return Finding::new(
            "finger_count",
            true,
            score,
            found as f64,
            format!("{found} dari {expected} jari terbaca."),
            format!("{found} of {expected} fingers found."),
        );
    }
    let (all_id, all_en) = match (mode, expected) {
        (CaptureMode::TwoThumbs, _) => ("kedua ibu jari".to_owned(), "both thumbs".to_owned()),
        (_, 4) => ("keempat jari".to_owned(), "all four fingers".to_owned()),
        (_, 3) => ("ketiga jari".to_owned(), "all three fingers".to_owned()),
        (_, 2) => ("kedua jari".to_owned(), "both fingers".to_owned()),
        (_, n) => ("jari".to_owned(), format!("the {n} finger(s)")),
    };
    Finding::new(
        "finger_count",
        false,
        score,
        found as f64,
        format!(
            "Hanya {found} jari terbaca, diharapkan {expected}: letakkan {all_id} rata di kaca, sedikit renggang, lalu ulangi."
        ),
        format!(
            "Only {found} finger(s) found, {expected} expected: lay {all_en} flat on the glass, slightly apart, and try again."
        ),
    )
}

fn finger_finding(r: &FingerResult) -> Finding {
    let q = f64::from(r.quality);
    let check = finger_check(r.finger);
    let (id_name, en_name) = (
        finger_title(r.finger, Lang::Id),
        finger_title(r.finger, Lang::En),
    );
    if r.assessment.acceptable {
        Finding::new(
            &check,
            true,
            q,
            q,
            format!("{id_name}: kualitas {}.", r.quality),
            format!("{en_name}: quality {}.", r.quality),
        )
    } else {
        let id = r.assessment.first_problem(Lang::Id).unwrap_or_default();
        let en = r.assessment.first_problem(Lang::En).unwrap_or_default();
        Finding::new(
            &check,
            false,
            q,
            q,
            format!("{id_name}: {id}"),
            format!("{en_name}: {en}"),
        )
    }
}

/// The quality gate of a slap (or two-thumb) image captured in `mode`, expecting `expected`
/// (the mode's fingers not recorded as exceptions).
pub fn assess_slap(img: &GrayImage, mode: CaptureMode, expected: &[Finger]) -> SlapAssessment {
    let f = features::features(img);
    let ink = f64::from(f.area_mm2());
    let wanted = mode
        .fingers()
        .into_iter()
        .filter(|f| expected.contains(f))
        .count();
    let mut findings = Vec::new();
    if ink < PLATEN_EMPTY_MM2 {
        findings.push(Finding::new(
            "platen_empty",
            false,
            0.0,
            ink,
            "Kaca pemindai kosong: letakkan jari-jari pada kaca lalu ulangi.",
            "Nothing on the scanner glass: place the fingers on the glass and try again.",
        ));
        findings.push(finger_count_finding(mode, 0, wanted));
        return SlapAssessment {
            fingers: Vec::new(),
            assessment: Assessment::new(Modality::Finger, 0, findings),
        };
    }
    findings.push(Finding::new(
        "platen_empty",
        true,
        100.0,
        ink,
        format!("Ada jari pada kaca ({ink:.0} mm² tinta)."),
        format!("There are fingers on the glass ({ink:.0} mm² of ink)."),
    ));
    let crops = segment(img, mode, expected);
    // Where the smear lies: on the fingers' crops or around them.
    let smeared = f.smeared();
    let total = features::cells_mm2(smeared.iter().filter(|s| **s).count());
    let place = match &crops {
        Ok(crops) => {
            let cell = features::CELL;
            let on_fingers = smeared
                .iter()
                .enumerate()
                .filter(|(i, s)| {
                    let (cx, cy) = (
                        (*i as u32 % f.cells_x) * cell + cell / 2,
                        (*i as u32 / f.cells_x) * cell + cell / 2,
                    );
                    **s && crops.iter().any(|c| {
                        cx >= c.x
                            && cy >= c.y
                            && cx < c.x + c.image.width()
                            && cy < c.y + c.image.height()
                    })
                })
                .count();
            if features::cells_mm2(on_fingers) * 2.0 >= total {
                SmearPlace::Finger
            } else {
                SmearPlace::Glass
            }
        }
        Err(_) => SmearPlace::Unknown,
    };
    findings.push(smudge_finding(f64::from(total), place));
    let crops = match crops {
        Ok(crops) => crops,
        Err(e) => {
            let found = match e {
                SegmentError::TooFew { found, .. } => found,
                SegmentError::BadImage => 0,
            };
            findings.push(finger_count_finding(mode, found, wanted));
            return SlapAssessment {
                fingers: Vec::new(),
                assessment: Assessment::new(Modality::Finger, 0, findings),
            };
        }
    };
    findings.push(finger_count_finding(mode, crops.len(), wanted));
    let fingers: Vec<FingerResult> = crops
        .into_iter()
        .map(|c| {
            let assessment = assess_finger(&c.image);
            FingerResult {
                finger: c.finger,
                x: c.x,
                y: c.y,
                width: c.image.width(),
                height: c.image.height(),
                quality: assessment.score,
                image: c.image,
                assessment,
            }
        })
        .collect();
    findings.extend(fingers.iter().map(finger_finding));
    let score = if fingers.is_empty() {
        0
    } else {
        let sum: u32 = fingers.iter().map(|r| u32::from(r.quality)).sum();
        (f64::from(sum) / fingers.len() as f64).round() as u8
    };
    SlapAssessment {
        fingers,
        assessment: Assessment::new(Modality::Finger, score, findings),
    }
}

/// A crop as PNG, as the captures are stored.
pub fn encode_png(img: &GrayImage) -> Result<Vec<u8>, image::ImageError> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png)?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests;
