//! The biometrics of a record as pure types: the modalities and their positions, why a position
//! may have no data (an exception), how stored capture bytes are encoded, and one capture to
//! store. The quality gates (`capture`), the store and the workflow (`workflow`) and the batch
//! packet all speak these.

use super::coded_enum;
use crate::lang::{Lang, Localize};

coded_enum! {
    /// A biometric modality.
    pub enum Modality {
        Face = "face",
        Finger = "finger",
        Iris = "iris",
        Signature = "signature",
    }
}

coded_enum! {
    /// Why a capture has no data (recorded instead of it, with a free-text reason).
    pub enum ExceptionKind {
        /// Permanently absent: amputated or missing finger, missing eye.
        Missing = "missing",
        /// Temporarily unavailable: bandage, wound, eye infection.
        Injured = "injured",
        /// Present but gives no usable image: worn ridges, scars, clouded eye.
        Unreadable = "unreadable",
        /// The applicant cannot do it: cannot sign, cannot hold the pose.
        Unable = "unable",
        Other = "other",
    }
}

coded_enum! {
    /// How a capture's bytes are encoded (the `format` column of `captures`, and of every
    /// capture in the batch packet's `record.json`).
    pub enum Encoding {
        /// PNG: fingerprint crops and irises (8-bit grey), rendered signatures.
        Png = "png",
        /// JPEG: the face token image.
        Jpeg = "jpeg",
        /// WSQ-compressed 500 ppi fingerprint (FBI IAFIS-IC-0110).
        Wsq = "wsq",
        /// Raw 8-bit grey pixels, row by row, `width` x `height`.
        Gray8 = "gray8",
        /// The JSON of a `rekam_signature::Signature`: the pad's capabilities and every pen
        /// sample (ISDV4 reports) with its time.
        IsdV4Strokes = "isdv4-strokes-json",
        /// Plain strokes: `{"strokes": [[{"x": .., "y": ..}, ..], ..]}` without a pad.
        Strokes = "strokes-json",
    }
}

impl Modality {
    /// The positions a complete record has: face and signature 0; fingers 1-10 in ISO/IEC 19794-4
    /// order (1 right thumb .. 5 right little, 6 left thumb .. 10 left little); irises 1 right,
    /// 2 left (ISO/IEC 19794-6).
    pub fn positions(self) -> &'static [u8] {
        match self {
            Modality::Face | Modality::Signature => &[0],
            Modality::Finger => &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
            Modality::Iris => &[1, 2],
        }
    }
}

impl Encoding {
    /// Pen strokes rather than an image.
    pub fn is_strokes(self) -> bool {
        matches!(self, Encoding::IsdV4Strokes | Encoding::Strokes)
    }

    /// The file name extension a capture travels under in the batch packet.
    pub fn extension(self) -> &'static str {
        match self {
            Encoding::Png => "png",
            Encoding::Jpeg => "jpg",
            Encoding::Wsq => "wsq",
            Encoding::Gray8 => "gray8",
            Encoding::IsdV4Strokes | Encoding::Strokes => "json",
        }
    }
}

/// A capture to store: data, or an exception with its reason.
#[derive(Debug, Clone, PartialEq)]
pub struct CaptureInput {
    pub modality: Modality,
    /// See [`Modality::positions`].
    pub position: u8,
    pub content: CaptureContent,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CaptureContent {
    Data {
        format: Encoding,
        width: u32,
        height: u32,
        /// 0-100, from the quality gate.
        quality: Option<u8>,
        bytes: Vec<u8>,
    },
    Exception {
        kind: ExceptionKind,
        reason: String,
    },
}

impl CaptureContent {
    /// The stored bytes' length (0 for an exception).
    pub fn len(&self) -> usize {
        match self {
            CaptureContent::Data { bytes, .. } => bytes.len(),
            CaptureContent::Exception { .. } => 0,
        }
    }

    /// Whether there are no bytes to store (an exception, or empty data).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn finger_name(position: u8, lang: Lang) -> &'static str {
    const ID: [&str; 10] = [
        "ibu jari kanan",
        "telunjuk kanan",
        "jari tengah kanan",
        "jari manis kanan",
        "kelingking kanan",
        "ibu jari kiri",
        "telunjuk kiri",
        "jari tengah kiri",
        "jari manis kiri",
        "kelingking kiri",
    ];
    const EN: [&str; 10] = [
        "right thumb",
        "right index",
        "right middle",
        "right ring",
        "right little",
        "left thumb",
        "left index",
        "left middle",
        "left ring",
        "left little",
    ];
    let names = if lang == Lang::Id { ID } else { EN };
    names
        .get(usize::from(position).wrapping_sub(1))
        .copied()
        .unwrap_or("?")
}

/// Names one capture position for a person: "telunjuk kanan", "iris kiri", "foto wajah".
pub fn capture_name(modality: Modality, position: u8, lang: Lang) -> String {
    match (modality, position) {
        (Modality::Face, _) => lang.pick("foto wajah", "face photo"),
        (Modality::Signature, _) => lang.pick("tanda tangan", "signature"),
        (Modality::Finger, p) => finger_name(p, lang),
        (Modality::Iris, 1) => lang.pick("iris kanan", "right iris"),
        (Modality::Iris, _) => lang.pick("iris kiri", "left iris"),
    }
    .to_owned()
}

impl Localize for Modality {
    fn localize(&self, lang: Lang) -> String {
        match self {
            Modality::Face => lang.pick("Wajah", "Face"),
            Modality::Finger => lang.pick("Sidik jari", "Fingerprints"),
            Modality::Iris => lang.pick("Iris", "Iris"),
            Modality::Signature => lang.pick("Tanda tangan", "Signature"),
        }
        .to_owned()
    }
}

impl Localize for ExceptionKind {
    fn localize(&self, lang: Lang) -> String {
        match self {
            ExceptionKind::Missing => lang.pick("tidak ada (permanen)", "missing (permanent)"),
            ExceptionKind::Injured => lang.pick("cedera (sementara)", "injured (temporary)"),
            ExceptionKind::Unreadable => lang.pick("tidak terbaca", "unreadable"),
            ExceptionKind::Unable => lang.pick("tidak mampu", "unable"),
            ExceptionKind::Other => lang.pick("lainnya", "other"),
        }
        .to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_keep_their_stored_codes() {
        // The codes are in every station's database and every batch packet: never rename one.
        let codes: Vec<&str> = Encoding::ALL.iter().map(|e| e.code()).collect();
        assert_eq!(
            codes,
            [
                "png",
                "jpeg",
                "wsq",
                "gray8",
                "isdv4-strokes-json",
                "strokes-json"
            ]
        );
        assert_eq!("jpeg".parse::<Encoding>().ok(), Some(Encoding::Jpeg));
        assert!("jpg".parse::<Encoding>().is_err());
        assert_eq!(Encoding::Jpeg.extension(), "jpg");
        assert!(Encoding::IsdV4Strokes.is_strokes() && !Encoding::Png.is_strokes());
    }

    #[test]
    fn positions_and_names() {
        assert_eq!(Modality::Finger.positions().len(), 10);
        assert_eq!(capture_name(Modality::Finger, 7, Lang::Id), "telunjuk kiri");
        assert_eq!(capture_name(Modality::Iris, 1, Lang::En), "right iris");
        assert_eq!(capture_name(Modality::Finger, 11, Lang::En), "?");
    }
}
