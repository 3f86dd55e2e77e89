//! The proof of recording (bukti perekaman KTP-el): one A6 page handed to the applicant at the end
//! of the recording, shown again when the card is collected. It carries the register number, the
//! applicant's NIK and name, the service, when and where the recording was made, the queue ticket,
//! the operator, any biometric exceptions, and a QR code that the pickup desk scans to find the
//! request (payload: [`qr_payload`], documented in `docs/proof-of-recording.md`).

use chrono::NaiveDateTime;

use super::PrintError;
use super::layout::{Block, PageSize, Sheet};
use crate::lang::Lang;

/// Version tag that starts every QR payload; a new layout gets a new number.
pub const QR_VERSION_TAG: &str = "REKAM1";

/// Longest name kept in the QR payload, in characters (the code must stay readable when small).
pub const QR_MAX_NAME_CHARS: usize = 100;

/// Longest other field kept in the QR payload, in characters.
pub const QR_MAX_FIELD_CHARS: usize = 40;

/// What the proof of recording shows. Texts are already in the language of the printout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proof {
    /// Nomor register, e.g. `331301-01-20261121-0007`.
    pub register_number: String,
    pub nik: String,
    pub full_name: String,
    /// The service's name, localized.
    pub service: String,
    /// When the recording was finished (station's local time).
    pub recorded_at: NaiveDateTime,
    pub station_id: String,
    /// The six-digit kecamatan code, e.g. `331301`.
    pub kecamatan_code: String,
    pub kecamatan_name: String,
    /// The operator's name.
    pub operator: String,
    /// The queue ticket, e.g. `A-007`.
    pub ticket: String,
    /// Biometric exceptions, one localized line each, e.g. "Sidik jari kelingking kiri: luka".
    pub exceptions: Vec<String>,
    /// Printed by a training station: marked as such on the sheet and in the QR code.
    pub training: bool,
}

impl Proof {
    /// A file name for the saved PDF: `bukti-<register number>.pdf` (ASCII letters, digits, `-`).
    pub fn file_name(&self) -> String {
        format!("bukti-{}.pdf", super::file_name_part(&self.register_number))
    }
}

/// One payload field: `|`, line breaks and other control characters become spaces, runs of white
/// space collapse to one, the ends are trimmed, and the text is cut to `max` characters.
fn payload_field(text: &str, max: usize) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| if c == '|' || c.is_control() { ' ' } else { c })
        .collect();
    let joined = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    joined
        .chars()
        .take(max)
        .collect::<String>()
        .trim_end()
        .to_owned()
}

/// The last field of a training station's QR code.
pub const TRAINING_TAG: &str = "LATIHAN";

/// The text in the proof's QR code:
/// `REKAM1|<register>|<nik>|<name>|<YYYY-MM-DD>|<kecamatan code>-<station>`, followed by
/// `|LATIHAN` on a training station's proof.
///
/// Fields are separated by `|` and never contain one (see `payload_field`: `|` and control
/// characters become spaces, white space is collapsed and trimmed); the name is cut to
/// [`QR_MAX_NAME_CHARS`] characters and the other fields to [`QR_MAX_FIELD_CHARS`]. The date is
/// the day of the recording. The text is UTF-8.
pub fn qr_payload(proof: &Proof) -> String {
    let f = |s: &str| payload_field(s, QR_MAX_FIELD_CHARS);
    [
        QR_VERSION_TAG.to_owned(),
        f(&proof.register_number),
        f(&proof.nik),
        payload_field(&proof.full_name, QR_MAX_NAME_CHARS),
        proof.recorded_at.date().format("%Y-%m-%d").to_string(),
        format!("{}-{}", f(&proof.kecamatan_code), f(&proof.station_id)),
    ]
    .into_iter()
    .chain(proof.training.then(|| TRAINING_TAG.to_owned()))
    .collect::<Vec<_>>()
    .join("|")
}

/// The office line under the title.
fn office_line(proof: &Proof, lang: Lang) -> String {
    format!(
        "Kecamatan {} ({}), {} {}",
        proof.kecamatan_name,
        proof.kecamatan_code,
        lang.pick("stasiun", "station"),
        proof.station_id
    )
}

/// The first lines of a sheet printed by a training station (none on a production station).
pub(crate) fn training_mark(training: bool, lang: Lang) -> Vec<Block> {
    if !training {
        return Vec::new();
    }
    vec![
        Block::Paragraph {
            text: lang
                .pick(
                    "STASIUN LATIHAN \u{2014} BUKAN DOKUMEN SAH",
                    "TRAINING STATION \u{2014} NOT A VALID DOCUMENT",
                )
                .to_owned(),
            strong: true,
        },
        Block::Rule,
    ]
}

/// The document's title in `lang`.
fn title(lang: Lang) -> &'static str {
    lang.pick("BUKTI PEREKAMAN KTP-el", "PROOF OF KTP-el RECORDING")
}

/// The proof of recording as a one-page A6 PDF, in `lang`.
pub fn proof_pdf(proof: &Proof, lang: Lang) -> Result<Vec<u8>, PrintError> {
    let title = format!("{} {}", title(lang), proof.register_number);
    sheet(proof, lang).pdf(&title, lang)
}

/// The proof's content, before layout.
pub(crate) fn sheet(proof: &Proof, lang: Lang) -> Sheet {
    let field = Block::field;
    let mut body = training_mark(proof.training, lang);
    body.extend([
        Block::Title(title(lang).to_owned()),
        Block::Small(office_line(proof, lang)),
        Block::Rule,
        field(
            lang.pick("No. register", "Register no."),
            &proof.register_number,
            true,
        ),
        field("NIK", &proof.nik, true),
        field(lang.pick("Nama", "Name"), &proof.full_name, true),
        field(lang.pick("Layanan", "Service"), &proof.service, false),
        field(
            lang.pick("Waktu perekaman", "Recorded at"),
            &proof.recorded_at.format("%d-%m-%Y %H:%M").to_string(),
            false,
        ),
        field(
            lang.pick("No. antrean", "Queue ticket"),
            &proof.ticket,
            false,
        ),
        field(lang.pick("Petugas", "Operator"), &proof.operator, false),
        Block::Gap(4.0),
    ]);
    match super::qr_code(&qr_payload(proof)) {
        Some(code) => body.push(Block::Qr { code, side: 120.0 }),
        // Cannot happen with the payload's length limits; the proof is still valid without it.
        None => body.push(Block::Paragraph {
            text: lang
                .pick("(kode QR tidak tersedia)", "(QR code not available)")
                .to_owned(),
            strong: false,
        }),
    }
    if !proof.exceptions.is_empty() {
        body.push(Block::Gap(4.0));
        body.push(Block::Heading(
            lang.pick("Pengecualian biometrik:", "Biometric exceptions:")
                .to_owned(),
        ));
        body.extend(proof.exceptions.iter().map(|e| Block::Item {
            marker: "\u{2022}".to_owned(),
            text: e.clone(),
        }));
    }
    let footer = vec![
        Block::Rule,
        Block::Paragraph {
            text: lang
                .pick(
                    "Simpan bukti ini. Tunjukkan saat mengambil KTP-el.",
                    "Keep this proof. Show it when you collect your KTP-el.",
                )
                .to_owned(),
            strong: true,
        },
    ];
    Sheet {
        sizes: vec![PageSize::A6],
        body,
        footer,
    }
}
