//! The proof of recording (bukti perekaman KTP-el): one A6 page handed to the applicant at the end
//! of the recording, shown again when the card is collected. It carries the register number, the
//! applicant's NIK and name, the service, when and where the recording was made, the queue ticket,
//! the operator, any biometric exceptions, and a QR code that the pickup desk scans to find the
//! request (payload: [`qr_payload`], documented in `docs/proof-of-recording.md`).

use chrono::NaiveDateTime;

use super::pdf::PageSize;
use super::{Block, Sheet};
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

/// The text in the proof's QR code:
/// `REKAM1|<register>|<nik>|<name>|<YYYY-MM-DD>|<kecamatan code>-<station>`.
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

/// The document's title in `lang`.
fn title(lang: Lang) -> &'static str {
    lang.pick("BUKTI PEREKAMAN KTP-el", "PROOF OF KTP-el RECORDING")
}

/// The proof of recording as a one-page A6 PDF, in `lang`.
pub fn proof_pdf(proof: &Proof, lang: Lang) -> Vec<u8> {
    sheet(proof, lang).pdf(&format!("{} {}", title(lang), proof.register_number))
}

/// The proof's content, before layout.
fn sheet(proof: &Proof, lang: Lang) -> Sheet {
    let field = Block::field;
    let mut body = vec![
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
    ];
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

#[cfg(test)]
mod tests {
    use super::super::MARGIN;
    use super::super::pdf::Document;
    use super::super::testing::*;
    use super::*;

    fn sample() -> Proof {
        Proof {
            register_number: "331301-01-20261121-0007".into(),
            nik: "3313015508950001".into(),
            full_name: "SRI WAHYUNI".into(),
            service: "Rekam baru".into(),
            recorded_at: chrono::NaiveDate::from_ymd_opt(2026, 11, 21)
                .and_then(|d| d.and_hms_opt(9, 42, 5))
                .expect("date"),
            station_id: "01".into(),
            kecamatan_code: "331301".into(),
            kecamatan_name: "Karanganyar".into(),
            operator: "Budi Santoso".into(),
            ticket: "A-007".into(),
            exceptions: vec![],
        }
    }

    /// Everything drawn lies inside the page margins (with a hair of rounding slack), on one A6
    /// page, and the PDF holds exactly that page.
    fn assert_inside_margins(proof: &Proof, lang: Lang) {
        let page = sheet(proof, lang).render();
        let mut doc = Document::new("x");
        doc.push(page.clone());
        let pdf = proof_pdf(proof, lang);
        let streams = content_streams(&pdf);
        assert_eq!(streams.len(), 1, "one page");
        assert_eq!(
            streams,
            content_streams(&doc.to_bytes()),
            "the PDF is this page"
        );
        let ink = page.ink_bounds().expect("something drawn");
        let (w, h) = (PageSize::A6.width(), PageSize::A6.height());
        let slack = 0.01;
        assert!(ink.x >= MARGIN - slack, "left {ink:?}");
        assert!(ink.y >= MARGIN - slack, "top {ink:?}");
        assert!(ink.right() <= w - MARGIN + slack, "right {ink:?}");
        assert!(ink.bottom() <= h - MARGIN + slack, "bottom {ink:?}");
        assert_eq!(page.size(), PageSize::A6);
    }

    #[test]
    fn payload_format() {
        assert_eq!(
            qr_payload(&sample()),
            "REKAM1|331301-01-20261121-0007|3313015508950001|SRI WAHYUNI|2026-11-21|331301-01"
        );
        let mut p = sample();
        p.full_name = " SITI | NUR|HALIZA\n".into();
        assert_eq!(
            qr_payload(&p).split('|').nth(3),
            Some("SITI NUR HALIZA"),
            "pipes and line breaks become single spaces"
        );
        assert_eq!(qr_payload(&p).split('|').count(), 6);
        p.full_name = "A".repeat(500);
        assert_eq!(qr_payload(&p).split('|').nth(3).map(str::len), Some(100));
    }

    #[test]
    fn pdf_structure_is_valid() {
        for lang in [Lang::Id, Lang::En] {
            let pdf = proof_pdf(&sample(), lang);
            let offsets = check_structure(&pdf);
            assert_eq!(
                offsets.len(),
                8,
                "catalog, pages, 2 fonts, info, page, content"
            );
            external_checks(&pdf, &format!("proof-{lang:?}.pdf"));
        }
    }

    #[test]
    fn fields_appear_in_the_content() {
        let pdf = proof_pdf(&sample(), Lang::Id);
        let text = shown_strings(&content_streams(&pdf)[0]).join("\n");
        for expected in [
            "BUKTI PEREKAMAN KTP-el",
            "Kecamatan Karanganyar (331301), stasiun 01",
            "No. register",
            "331301-01-20261121-0007",
            "NIK",
            "3313015508950001",
            "Nama",
            "SRI WAHYUNI",
            "Layanan",
            "Rekam baru",
            "Waktu perekaman",
            "21-11-2026 09:42",
            "No. antrean",
            "A-007",
            "Petugas",
            "Budi Santoso",
            "Simpan bukti ini. Tunjukkan saat mengambil KTP-el.",
        ] {
            assert!(
                text.contains(expected),
                "{expected:?} missing from:\n{text}"
            );
        }
        assert!(
            !text.contains("Pengecualian"),
            "no exception heading without exceptions"
        );

        let mut p = sample();
        p.exceptions = vec![
            "Sidik jari kelingking kiri: luka".into(),
            "Iris kanan: tidak dapat direkam".into(),
        ];
        let en = proof_pdf(&p, Lang::En);
        let text = shown_strings(&content_streams(&en)[0]).join("\n");
        for expected in [
            "PROOF OF KTP-el RECORDING",
            "station 01",
            "Register no.",
            "Recorded at",
            "Queue ticket",
            "Operator",
            "Biometric exceptions:",
            "Sidik jari kelingking kiri: luka",
            "Iris kanan: tidak dapat direkam",
            "Keep this proof. Show it when you collect your KTP-el.",
        ] {
            assert!(
                text.contains(expected),
                "{expected:?} missing from:\n{text}"
            );
        }
    }

    #[test]
    fn qr_in_the_pdf_round_trips() {
        let mut p = sample();
        p.full_name = "Ni Luh Putu Ayu Dewi | Müller".into();
        let pdf = proof_pdf(&p, Lang::Id);
        let rects = filled_rects(&content_streams(&pdf)[0]);
        let img = rasterise(&rects, PageSize::A6.width(), PageSize::A6.height(), 4.0);
        assert_eq!(decode_qr(img), qr_payload(&p));
        assert!(qr_payload(&p).contains("Ni Luh Putu Ayu Dewi Müller"));
    }

    #[test]
    fn qr_module_matrix_round_trips() {
        let payload = qr_payload(&sample());
        let code = super::super::qr_code(&payload).expect("encodes");
        assert_eq!(code.error_correction_level(), qrcode::EcLevel::M);
        let n = code.width();
        let quiet = super::super::QR_QUIET_ZONE;
        let px = 6;
        let size = ((n + 2 * quiet) * px) as u32;
        let colors = code.to_colors();
        let img = image::GrayImage::from_fn(size, size, |x, y| {
            let (mx, my) = (x as usize / px, y as usize / px);
            let dark = mx >= quiet
                && my >= quiet
                && mx < n + quiet
                && my < n + quiet
                && colors[(my - quiet) * n + (mx - quiet)] == qrcode::Color::Dark;
            image::Luma([if dark { 0 } else { 255 }])
        });
        assert_eq!(decode_qr(img), payload);
    }

    #[test]
    fn a_real_renderer_prints_a_scannable_proof() {
        let mut p = sample();
        p.exceptions = vec!["Sidik jari kelingking kiri: luka".into()];
        p.full_name = "Siti Nurhaliza Müller".into();
        let pdf = proof_pdf(&p, Lang::Id);
        // 200 dpi: about what a receipt or office printer puts on paper.
        let Some((img, text)) = ghostscript_render(&pdf, 200) else {
            println!(
                "note: Ghostscript (gs) is not installed; the rendered-page check was skipped"
            );
            return;
        };
        assert_eq!(decode_qr(img), qr_payload(&p));
        for expected in [
            "BUKTI PEREKAMAN KTP-el",
            "3313015508950001",
            "Siti Nurhaliza Müller",
            "Sidik jari kelingking kiri: luka",
            "Simpan bukti ini. Tunjukkan saat mengambil KTP-el.",
        ] {
            assert!(
                text.contains(expected),
                "{expected:?} not read back from:\n{text}"
            );
        }
    }

    #[test]
    fn long_names_and_many_exceptions_stay_on_the_page() {
        let mut p = sample();
        p.full_name =
            "RADEN MAS MUHAMMAD ABDURRAHMAN WAHYUDIANTOSUKARNOPUTRAHADIKUSUMANINGRATSUMARSONO \
                       BIN HAJI SLAMET RIYADI SOEDJATMIKO PRAWIROKUSUMO"
                .into();
        p.operator = "Operator dengan nama yang sangat panjang sekali".into();
        p.service = "Penggantian karena perubahan data atau status kependudukan".into();
        for lang in [Lang::Id, Lang::En] {
            assert_inside_margins(&p, lang);
        }
        let pdf = proof_pdf(&p, Lang::Id);
        let text = shown_strings(&content_streams(&pdf)[0]).join(" ");
        for word in p.full_name.split_whitespace() {
            // Long words may be cut across lines; their pieces are all there.
            let found: String = text.split_whitespace().collect();
            assert!(found.contains(word), "{word} missing");
        }
        // A runaway name is cut after four lines; the QR code and the footer stay.
        let mut runaway = p.clone();
        runaway.full_name = "SANGAT PANJANG ".repeat(150);
        assert_inside_margins(&runaway, Lang::Id);
        let pdf = proof_pdf(&runaway, Lang::Id);
        let strings = shown_strings(&content_streams(&pdf)[0]);
        let name_lines = strings.iter().filter(|s| s.contains("PANJANG")).count();
        assert_eq!(name_lines, 4, "{strings:?}");
        assert!(
            strings.iter().any(|s| s.ends_with("\u{2026}")),
            "cut marked"
        );
        assert!(strings.iter().any(|s| s.starts_with("Simpan bukti ini.")));
        let rects = filled_rects(&content_streams(&pdf)[0]);
        let img = rasterise(&rects, PageSize::A6.width(), PageSize::A6.height(), 4.0);
        assert_eq!(decode_qr(img), qr_payload(&runaway));
        // Many exceptions: the layout shrinks, then cuts with an ellipsis, but stays inside.
        for count in [3, 8, 20, 60] {
            p.exceptions = (0..count)
                .map(|i| format!("Sidik jari {i}: luka bakar pada ujung jari, tidak dapat direkam"))
                .collect();
            assert_inside_margins(&p, Lang::Id);
            let pdf = proof_pdf(&p, Lang::Id);
            let text = shown_strings(&content_streams(&pdf)[0]).join("\n");
            assert!(
                text.contains("Simpan bukti ini."),
                "footer kept with {count} exceptions"
            );
            let rects = filled_rects(&content_streams(&pdf)[0]);
            let img = rasterise(&rects, PageSize::A6.width(), PageSize::A6.height(), 4.0);
            assert_eq!(
                decode_qr(img),
                qr_payload(&p),
                "QR kept with {count} exceptions"
            );
        }
    }

    #[test]
    fn characters_outside_win_ansi_become_question_marks() {
        let mut p = sample();
        p.full_name = "Đặng Thị Ngọc (Sœur) Müller \\ €".into();
        let pdf = proof_pdf(&p, Lang::Id);
        check_structure(&pdf);
        let content = &content_streams(&pdf)[0];
        let raw = String::from_utf8(content.clone()).expect("content stream is 7-bit text");
        assert!(
            raw.contains("\\(S\\234ur\\)"),
            "parentheses escaped, œ as octal: {raw}"
        );
        assert!(
            raw.contains("M\\374ller \\\\ \\200"),
            "ü, backslash and € encoded"
        );
        let text = shown_strings(content).join(" ");
        assert!(text.contains("??ng Th? Ng?c (Sœur) Müller \\ €"), "{text}");
        // The QR keeps the real name.
        assert!(qr_payload(&p).contains("Đặng Thị Ngọc (Sœur) Müller \\ €"));
        external_checks(&pdf, "proof-unicode.pdf");
    }

    #[test]
    fn file_name_is_plain() {
        assert_eq!(sample().file_name(), "bukti-331301-01-20261121-0007.pdf");
    }

    #[test]
    fn output_is_deterministic() {
        assert_eq!(
            proof_pdf(&sample(), Lang::Id),
            proof_pdf(&sample(), Lang::Id)
        );
    }
}
