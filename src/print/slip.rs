//! The return slip (tanda pengembalian berkas): given to an applicant whose file is incomplete,
//! with the numbered list of the requirements still missing, so that they come back with
//! everything. One A6 page; A5 when the list is too long for A6.

use chrono::NaiveDate;

use super::PrintError;
use super::layout::{Block, PageSize, Sheet};
use crate::lang::Lang;

/// What the return slip shows. Texts are already in the language of the printout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnSlip {
    /// The queue ticket, e.g. `A-007`.
    pub ticket: String,
    /// The NIK, when it was entered before the file was returned.
    pub nik: Option<String>,
    /// The name, when it was entered before the file was returned.
    pub full_name: Option<String>,
    /// The service's name, localized.
    pub service: String,
    /// The missing requirements, localized names, in checklist order.
    pub missing: Vec<String>,
    /// The operator's note, if any.
    pub reason: Option<String>,
    pub date: NaiveDate,
    pub kecamatan_name: String,
    pub station_id: String,
    /// Printed by a training station: marked as such.
    pub training: bool,
}

impl ReturnSlip {
    /// A file name for the saved PDF: `pengembalian-<YYYYMMDD>-<ticket>.pdf`.
    pub fn file_name(&self) -> String {
        format!(
            "pengembalian-{}-{}.pdf",
            self.date.format("%Y%m%d"),
            super::file_name_part(&self.ticket)
        )
    }
}

/// The document's title in `lang`.
fn title(lang: Lang) -> &'static str {
    lang.pick("TANDA PENGEMBALIAN BERKAS", "FILE RETURNED")
}

/// The return slip as a one-page PDF (A6, or A5 when the content does not fit A6), in `lang`.
pub fn return_slip_pdf(slip: &ReturnSlip, lang: Lang) -> Result<Vec<u8>, PrintError> {
    let title = format!("{} {}", title(lang), slip.ticket);
    sheet(slip, lang).pdf(&title, lang)
}

/// The slip's content, before layout.
pub(crate) fn sheet(slip: &ReturnSlip, lang: Lang) -> Sheet {
    let field = Block::field;
    let mut body = super::proof::training_mark(slip.training, lang);
    body.extend([
        Block::Title(title(lang).to_owned()),
        Block::Small(format!(
            "Kecamatan {}, {} {}",
            slip.kecamatan_name,
            lang.pick("stasiun", "station"),
            slip.station_id
        )),
        Block::Rule,
        field(
            lang.pick("Tanggal", "Date"),
            &slip.date.format("%d-%m-%Y").to_string(),
            false,
        ),
        field(lang.pick("No. antrean", "Queue ticket"), &slip.ticket, true),
    ]);
    if let Some(nik) = &slip.nik {
        body.push(field("NIK", nik, true));
    }
    if let Some(name) = &slip.full_name {
        body.push(field(lang.pick("Nama", "Name"), name, true));
    }
    body.push(field(lang.pick("Layanan", "Service"), &slip.service, false));
    body.push(Block::Gap(6.0));
    if !slip.missing.is_empty() {
        body.push(Block::Heading(
            lang.pick(
                "Persyaratan yang belum lengkap:",
                "Requirements still missing:",
            )
            .to_owned(),
        ));
        body.extend(slip.missing.iter().enumerate().map(|(i, m)| Block::Item {
            marker: format!("{}.", i + 1),
            text: m.clone(),
        }));
    }
    if let Some(reason) = slip.reason.as_deref().filter(|r| !r.trim().is_empty()) {
        body.push(Block::Gap(4.0));
        body.push(Block::Heading(lang.pick("Keterangan:", "Note:").to_owned()));
        body.push(Block::Paragraph {
            text: reason.to_owned(),
            strong: false,
        });
    }
    let footer = vec![
        Block::Rule,
        Block::Paragraph {
            text: lang
                .pick(
                    "Lengkapi persyaratan di atas lalu datang kembali.",
                    "Complete the requirements above, then come back.",
                )
                .to_owned(),
            strong: true,
        },
    ];
    Sheet {
        sizes: vec![PageSize::A6, PageSize::A5],
        body,
        footer,
    }
}
