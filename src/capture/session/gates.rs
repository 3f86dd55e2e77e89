//! The four modalities as a capture session runs them: each one's gate (what a device sample
//! is judged by) and what a taken sample stores.
//!
//! | unit | input | gate | stored |
//! |---|---|---|---|
//! | face | camera frame (RGB) | [`crate::capture::face::assess`] with the birth year's backdrop | the ISO token image, JPEG |
//! | one eye | camera frame (RGB, near infrared) | [`crate::capture::iris::assess`] on its grey | the grey image, PNG |
//! | one slap | the scanner's capture | [`crate::capture::finger::assess_slap`] | each finger's best crop over the attempts, PNG |
//! | signature | the pad's strokes | [`crate::capture::signature::assess`] as stored | the strokes, `isdv4-strokes-json` |

use std::cmp::Reverse;
use std::sync::Arc;

use image::{GrayImage, RgbImage};
use rekam_fingerprint::{Capture, CaptureMode, Finger};

use super::{Gate, GateError};
use crate::capture::face::{self, FaceAssessment};
use crate::capture::finger::{self, FingerResult, SlapAssessment};
use crate::capture::quality::{Assessment, Modality};
use crate::capture::{iris, signature};
use crate::domain::{CaptureContent, CaptureInput, Encoding};

// --- Face ------------------------------------------------------------------------------------

/// The face gate for an applicant born in `birth_year` (the backdrop colour rule; any red or
/// blue backdrop when it is not known).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FaceGate {
    pub birth_year: Option<i32>,
}

/// A face frame and what the gate found in it.
#[derive(Debug, Clone)]
pub struct FaceSample {
    /// The frame as the camera sees it (not mirrored).
    pub frame: Arc<RgbImage>,
    pub face: FaceAssessment,
}

impl Gate for FaceGate {
    type Input = Arc<RgbImage>;
    type Sample = FaceSample;

    fn modality(&self) -> Modality {
        Modality::Face
    }

    fn assess(&self, frame: Arc<RgbImage>) -> Result<FaceSample, GateError> {
        let face = face::assess(&frame, self.birth_year).map_err(GateError::new)?;
        Ok(FaceSample { frame, face })
    }

    fn assessment(sample: &FaceSample) -> &Assessment {
        &sample.face.assessment
    }
}

impl FaceSample {
    /// The photo to store: the ISO/IEC 19794-5 token image cut around the one face, or, without
    /// exactly one face (a photo the operator takes by hand), the head guide's 3:4 crop.
    pub fn photo(&self) -> RgbImage {
        match self.face.token {
            Some(crop) => face::token_image(&self.frame, crop),
            None => face::crop_portrait(&self.frame),
        }
    }
}

/// The face photo as stored: JPEG at the token image's quality, scored `quality`.
pub fn face_capture(photo: &RgbImage, quality: u8) -> Result<CaptureInput, GateError> {
    let bytes =
        face::encode_jpeg(photo, face::assess::TOKEN_JPEG_QUALITY).map_err(GateError::new)?;
    let (width, height) = photo.dimensions();
    Ok(CaptureInput {
        modality: Modality::Face,
        position: 0,
        content: CaptureContent::Data {
            format: Encoding::Jpeg,
            width,
            height,
            quality: Some(quality),
            bytes,
        },
    })
}

// --- Iris ------------------------------------------------------------------------------------

/// The iris gate (one eye).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IrisGate;

/// An iris frame in grey and its assessment.
#[derive(Debug, Clone)]
pub struct IrisSample {
    pub gray: Arc<GrayImage>,
    pub assessment: Assessment,
}

impl Gate for IrisGate {
    type Input = Arc<RgbImage>;
    type Sample = IrisSample;

    fn modality(&self) -> Modality {
        Modality::Iris
    }

    fn assess(&self, frame: Arc<RgbImage>) -> Result<IrisSample, GateError> {
        // A near-infrared camera sees in grey; keep one channel.
        let gray = iris::to_gray(&frame);
        let assessment = iris::assess(&gray);
        Ok(IrisSample {
            gray: Arc::new(gray),
            assessment,
        })
    }

    fn assessment(sample: &IrisSample) -> &Assessment {
        &sample.assessment
    }
}

/// An eye as stored (position 1 right, 2 left): the grey image as PNG.
pub fn iris_capture(position: u8, sample: &IrisSample) -> Result<CaptureInput, GateError> {
    let bytes = iris::encode_png(&sample.gray).map_err(GateError::new)?;
    let (width, height) = sample.gray.dimensions();
    Ok(CaptureInput {
        modality: Modality::Iris,
        position,
        content: CaptureContent::Data {
            format: Encoding::Png,
            width,
            height,
            quality: Some(sample.assessment.score),
            bytes,
        },
    })
}

// --- Fingers ---------------------------------------------------------------------------------

/// The gate of one slap (or the two thumbs) captured in `mode`, expecting `expected`: the
/// mode's fingers that are not recorded as exceptions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlapGate {
    pub mode: CaptureMode,
    pub expected: Vec<Finger>,
}

impl SlapGate {
    /// The slap `mode` without the fingers in `excepted` (positions).
    pub fn new(mode: CaptureMode, excepted: &[u8]) -> SlapGate {
        SlapGate {
            mode,
            expected: mode
                .fingers()
                .into_iter()
                .filter(|f| !excepted.contains(&f.position()))
                .collect(),
        }
    }

    /// The position the slap's decisions are kept at: its first expected finger's.
    pub fn position(&self) -> u8 {
        self.expected.first().map_or(0, |f| f.position())
    }
}

/// A slap image and the gate's cut of it into fingers.
#[derive(Debug, Clone)]
pub struct SlapSample {
    pub mode: CaptureMode,
    pub image: Arc<GrayImage>,
    pub slap: Arc<SlapAssessment>,
}

impl Gate for SlapGate {
    type Input = Arc<Capture>;
    type Sample = SlapSample;

    fn modality(&self) -> Modality {
        Modality::Finger
    }

    fn assess(&self, capture: Arc<Capture>) -> Result<SlapSample, GateError> {
        let image = finger::capture_image(&capture)
            .ok_or_else(|| GateError("the scanner's image has the wrong size".into()))?;
        let slap = finger::assess_slap(&image, capture.mode, &self.expected);
        Ok(SlapSample {
            mode: capture.mode,
            image: Arc::new(image),
            slap: Arc::new(slap),
        })
    }

    fn assessment(sample: &SlapSample) -> &Assessment {
        &sample.slap.assessment
    }
}

/// Each expected finger's best print over the attempts (the highest quality; the earlier
/// attempt on a tie), with the attempt it came from (1-based). A finger no attempt found is
/// left out.
pub fn best_prints<'a>(
    attempts: &'a [SlapSample],
    expected: &[Finger],
) -> Vec<(usize, &'a FingerResult)> {
    expected
        .iter()
        .filter_map(|finger| {
            attempts
                .iter()
                .enumerate()
                .flat_map(|(i, a)| a.slap.fingers.iter().map(move |f| (i + 1, f)))
                .filter(|(_, f)| f.finger == *finger)
                .max_by_key(|(i, f)| (f.quality, Reverse(*i)))
        })
        .collect()
}

/// One finger as stored: its crop as a grey PNG with its quality.
pub fn finger_capture(print: &FingerResult) -> Result<CaptureInput, GateError> {
    let bytes = finger::encode_png(&print.image).map_err(GateError::new)?;
    Ok(CaptureInput {
        modality: Modality::Finger,
        position: print.finger.position(),
        content: CaptureContent::Data {
            format: Encoding::Png,
            width: print.width,
            height: print.height,
            quality: Some(print.quality),
            bytes,
        },
    })
}

/// What a slap stores: each expected finger's best print over the attempts.
pub fn slap_captures(
    attempts: &[SlapSample],
    expected: &[Finger],
) -> Result<Vec<CaptureInput>, GateError> {
    best_prints(attempts, expected)
        .into_iter()
        .map(|(_, print)| finger_capture(print))
        .collect()
}

// --- Signature -------------------------------------------------------------------------------

/// The signature gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SignatureGate;

/// A signing as stored and what the gate found in it.
#[derive(Debug, Clone)]
pub struct Signed {
    /// The JSON of the `rekam_signature::Signature` (format `isdv4-strokes-json`).
    pub bytes: Arc<Vec<u8>>,
    /// The pad's extent, pad units (100 per mm).
    pub width: u32,
    pub height: u32,
    /// The strokes as read back from `bytes`.
    pub strokes: Arc<signature::Strokes>,
    pub assessment: Assessment,
}

impl Gate for SignatureGate {
    type Input = rekam_signature::Signature;
    type Sample = Signed;

    fn modality(&self) -> Modality {
        Modality::Signature
    }

    fn assess(&self, signing: rekam_signature::Signature) -> Result<Signed, GateError> {
        let bytes = serde_json::to_vec(&signing).map_err(GateError::new)?;
        // Checked as stored: what `rekam quality` finds later is what the operator sees now.
        let strokes = signature::parse(Encoding::IsdV4Strokes, &bytes)
            .ok_or_else(|| GateError("the signature does not read back".into()))?;
        Ok(Signed {
            assessment: signature::assess(&strokes),
            strokes: Arc::new(strokes),
            bytes: Arc::new(bytes),
            width: u32::from(signing.pad.max_x),
            height: u32::from(signing.pad.max_y),
        })
    }

    fn assessment(sample: &Signed) -> &Assessment {
        &sample.assessment
    }
}

/// The signature as stored.
pub fn signature_capture(signed: &Signed) -> CaptureInput {
    CaptureInput {
        modality: Modality::Signature,
        position: 0,
        content: CaptureContent::Data {
            format: Encoding::IsdV4Strokes,
            width: signed.width,
            height: signed.height,
            quality: Some(signed.assessment.score),
            bytes: signed.bytes.as_ref().clone(),
        },
    }
}
