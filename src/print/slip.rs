//! The return slip (tanda pengembalian berkas): given to an applicant whose file is incomplete,
//! with the numbered list of the requirements still missing, so that they come back with
//! everything. One A6 page; A5 when the list is too long for A6.

use chrono::NaiveDate;

use super::pdf::PageSize;
use super::{Block, Sheet};
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
pub fn return_slip_pdf(slip: &ReturnSlip, lang: Lang) -> Vec<u8> {
    sheet(slip, lang).pdf(&format!("{} {}", title(lang), slip.ticket))
}

/// The slip's content, before layout.
fn sheet(slip: &ReturnSlip, lang: Lang) -> Sheet {
    let field = Block::field;
    let mut body = vec![
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
    ];
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

#[cfg(test)]
mod tests {
    use super::super::MARGIN;
    use super::super::pdf::Document;
    use super::super::testing::*;
    use super::*;

    fn sample() -> ReturnSlip {
        ReturnSlip {
            ticket: "B-012".into(),
            nik: Some("3313015508950001".into()),
            full_name: Some("Sri Wahyuni".into()),
            service: "Rekam baru".into(),
            missing: vec![
                "Fotokopi Kartu Keluarga".into(),
                "Akta kelahiran atau ijazah terakhir".into(),
            ],
            reason: Some("Fotokopi KK tidak terbaca".into()),
            date: NaiveDate::from_ymd_opt(2026, 11, 21).expect("date"),
            kecamatan_name: "Karanganyar".into(),
            station_id: "01".into(),
        }
    }

    /// Renders the slip, checks the PDF is that page and everything is inside the margins;
    /// returns the paper size used.
    fn checked_size(slip: &ReturnSlip, lang: Lang) -> PageSize {
        let page = sheet(slip, lang).render();
        let mut doc = Document::new("x");
        doc.push(page.clone());
        let pdf = return_slip_pdf(slip, lang);
        check_structure(&pdf);
        assert_eq!(content_streams(&pdf), content_streams(&doc.to_bytes()));
        let size = page.size();
        let ink = page.ink_bounds().expect("drawn");
        let slack = 0.01;
        assert!(
            ink.x >= MARGIN - slack && ink.y >= MARGIN - slack,
            "{ink:?}"
        );
        assert!(ink.right() <= size.width() - MARGIN + slack, "{ink:?}");
        assert!(ink.bottom() <= size.height() - MARGIN + slack, "{ink:?}");
        size
    }

    #[test]
    fn pdf_structure_is_valid() {
        for lang in [Lang::Id, Lang::En] {
            let pdf = return_slip_pdf(&sample(), lang);
            check_structure(&pdf);
            external_checks(&pdf, &format!("slip-{lang:?}.pdf"));
        }
    }

    #[test]
    fn content_lists_what_is_missing() {
        let pdf = return_slip_pdf(&sample(), Lang::Id);
        let text = shown_strings(&content_streams(&pdf)[0]).join("\n");
        for expected in [
            "TANDA PENGEMBALIAN BERKAS",
            "Kecamatan Karanganyar, stasiun 01",
            "21-11-2026",
            "B-012",
            "3313015508950001",
            "Sri Wahyuni",
            "Rekam baru",
            "Persyaratan yang belum lengkap:",
            "1.",
            "Fotokopi Kartu Keluarga",
            "2.",
            "Akta kelahiran atau ijazah terakhir",
            "Keterangan:",
            "Fotokopi KK tidak terbaca",
            "Lengkapi persyaratan di atas lalu datang kembali.",
        ] {
            assert!(
                text.contains(expected),
                "{expected:?} missing from:\n{text}"
            );
        }

        let mut s = sample();
        s.nik = None;
        s.full_name = None;
        s.reason = None;
        let pdf = return_slip_pdf(&s, Lang::En);
        let text = shown_strings(&content_streams(&pdf)[0]).join("\n");
        for expected in [
            "FILE RETURNED",
            "station 01",
            "Queue ticket",
            "Requirements still missing:",
            "Complete the requirements above, then come back.",
        ] {
            assert!(
                text.contains(expected),
                "{expected:?} missing from:\n{text}"
            );
        }
        assert!(!text.contains("NIK") && !text.contains("Name") && !text.contains("Note:"));
    }

    #[test]
    fn long_lists_fit_on_a6_then_a5() {
        assert_eq!(checked_size(&sample(), Lang::Id), PageSize::A6);
        let mut s = sample();
        s.full_name = Some("X".repeat(150));
        // 30 items of two lines each: too much for A6 even at the smallest scale.
        s.missing = (1..=30)
            .map(|i| {
                format!(
                    "Persyaratan nomor {i} yang cukup panjang sehingga harus dibungkus ke baris \
                     berikutnya, dengan keterangan tambahan"
                )
            })
            .collect();
        assert_eq!(checked_size(&s, Lang::Id), PageSize::A5);
        let text = shown_strings(&content_streams(&return_slip_pdf(&s, Lang::Id))[0]).join("\n");
        assert!(text.contains("30."), "every item numbered");
        s.missing = (1..=200).map(|i| format!("Persyaratan {i}")).collect();
        assert_eq!(
            checked_size(&s, Lang::Id),
            PageSize::A5,
            "cut short, never overflowing"
        );
        let text = shown_strings(&content_streams(&return_slip_pdf(&s, Lang::Id))[0]).join("\n");
        assert!(text.contains('\u{2026}'), "an ellipsis marks the cut");
        assert!(text.contains("Lengkapi persyaratan"), "footer kept");
    }

    #[test]
    fn file_name_is_plain() {
        assert_eq!(sample().file_name(), "pengembalian-20261121-B-012.pdf");
    }
}
