//! The quality gates on files, for `rekam quality`: offices and tests check images in bulk
//! with the very checks the capture screens run.
//!
//! - face: any image the `image` crate reads as JPEG or PNG (colour), as the camera sees it;
//! - finger: a grey 500 ppi image (PNG, or JPEG) of one finger, or with `--slap` of a
//!   four-finger slap or the two thumbs;
//! - iris: a grey (near-infrared) eye image;
//! - signature: pen strokes as JSON, in either format the station stores
//!   ([`super::signature::STROKE_FORMATS`]).

use std::path::Path;

use rekam_fingerprint::CaptureMode;
use serde::Serialize;

use super::quality::{Assessment, Modality};
use crate::lang::{Lang, Localize};

/// What a file is checked as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Face {
        /// The applicant's birth year: the backdrop must be red when odd, blue when even.
        born: Option<i32>,
    },
    /// One finger, or with a capture mode a slap (or both thumbs) cut into its fingers.
    Finger {
        slap: Option<CaptureMode>,
    },
    Iris,
    Signature,
}

/// One file's outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileAssessment {
    pub file: String,
    #[serde(flatten)]
    pub assessment: Assessment,
    /// Face: how many faces were seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub faces: Option<usize>,
    /// Slap: each finger found, with its place in the image and its own assessment.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fingers: Vec<FingerFound>,
}

/// One finger cut out of a slap.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FingerFound {
    /// ISO/IEC 19794-4 position (1 right thumb .. 10 left little).
    pub position: u8,
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    pub quality: u8,
    pub acceptable: bool,
}

/// A file could not be checked.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("cannot read {0}: {1}")]
    Read(String, std::io::Error),
    #[error("{0} is not an image this station reads (PNG or JPEG): {1}")]
    NotImage(String, String),
    #[error("{0} holds no pen strokes in a known format")]
    NotStrokes(String),
    #[error("face detector: {0}")]
    Detector(String),
}

impl Localize for FileError {
    fn localize(&self, lang: Lang) -> String {
        match (self, lang) {
            (FileError::Read(f, e), Lang::Id) => format!("{f} tidak dapat dibaca: {e}"),
            (FileError::NotImage(f, e), Lang::Id) => {
                format!("{f} bukan gambar yang dapat dibaca (PNG atau JPEG): {e}")
            }
            (FileError::NotStrokes(f), Lang::Id) => {
                format!("{f} tidak berisi goresan tanda tangan dalam format yang dikenal")
            }
            (FileError::Detector(e), Lang::Id) => format!("Pendeteksi wajah gagal: {e}"),
            (e, Lang::En) => e.to_string(),
        }
    }
}

/// Checks one file as `subject`.
pub fn assess_file(path: &Path, subject: Subject) -> Result<FileAssessment, FileError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| FileError::Read(name.clone(), e))?;
    let image = || {
        image::load_from_memory(&bytes)
            .map_err(|e| FileError::NotImage(name.clone(), e.to_string()))
    };
    let plain = |assessment: Assessment| FileAssessment {
        file: name.clone(),
        assessment,
        faces: None,
        fingers: Vec::new(),
    };
    match subject {
        Subject::Face { born } => {
            let rgb = image()?.to_rgb8();
            let face =
                super::face::assess(&rgb, born).map_err(|e| FileError::Detector(e.to_string()))?;
            Ok(FileAssessment {
                faces: Some(face.faces),
                ..plain(face.assessment)
            })
        }
        Subject::Finger { slap: None } => {
            Ok(plain(super::finger::assess_finger(&image()?.to_luma8())))
        }
        Subject::Finger { slap: Some(mode) } => {
            let grey = image()?.to_luma8();
            let slap = super::finger::assess_slap(&grey, mode, &mode.fingers());
            let fingers = slap
                .fingers
                .iter()
                .map(|f| FingerFound {
                    position: f.finger.position(),
                    x: f.x,
                    y: f.y,
                    width: f.width,
                    height: f.height,
                    quality: f.quality,
                    acceptable: f.assessment.acceptable,
                })
                .collect();
            Ok(FileAssessment {
                fingers,
                ..plain(slap.assessment)
            })
        }
        Subject::Iris => Ok(plain(super::iris::assess(&image()?.to_luma8()))),
        Subject::Signature => {
            let strokes = super::signature::STROKE_FORMATS
                .iter()
                .find_map(|format| super::signature::parse(*format, &bytes))
                .ok_or_else(|| FileError::NotStrokes(name.clone()))?;
            Ok(plain(super::signature::assess(&strokes)))
        }
    }
}

/// The modality a subject is of.
pub fn modality(subject: Subject) -> Modality {
    match subject {
        Subject::Face { .. } => Modality::Face,
        Subject::Finger { .. } => Modality::Finger,
        Subject::Iris => Modality::Iris,
        Subject::Signature => Modality::Signature,
    }
}
