//! Tests of the printed documents: saving and printing, the QR code, and the proof and the
//! return slip read back by poppler and lopdf (text, page size, the QR on the rendered page) and
//! checked on their layout (everything inside the margins, cut rather than overflowing).

use super::layout::{Faces, PageSize};
use super::testing::*;
use super::*;
use chrono::NaiveDate;

fn proof() -> Proof {
    Proof {
        register_number: "331301-01-20261121-0007".into(),
        nik: "3313015508950001".into(),
        full_name: "SRI WAHYUNI".into(),
        service: "Rekam baru".into(),
        recorded_at: NaiveDate::from_ymd_opt(2026, 11, 21)
            .and_then(|d| d.and_hms_opt(9, 42, 5))
            .expect("date"),
        station_id: "01".into(),
        kecamatan_code: "331301".into(),
        kecamatan_name: "Karanganyar".into(),
        operator: "Budi Santoso".into(),
        ticket: "A-007".into(),
        exceptions: vec![],
        training: false,
    }
}

fn slip() -> ReturnSlip {
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
        training: false,
    }
}

fn faces() -> Faces {
    Faces::new().expect("the fonts load")
}

fn assert_has(text: &str, expected: &[&str]) {
    for e in expected {
        assert!(text.contains(e), "{e:?} missing from:\n{text}");
    }
}

/// Lays the proof out and checks it stays inside the margins of one A6 page; returns its text.
fn proof_laid_out(p: &Proof, lang: Lang) -> (Vec<String>, image::GrayImage) {
    let faces = faces();
    let laid = proof::sheet(p, lang).lay_out(&faces);
    assert_eq!(laid.size, PageSize::A6);
    assert_inside_margins(&laid, &faces);
    (laid_text(&laid), rasterise_qr(&laid, 4.0))
}

#[test]
fn save_writes_atomically_and_replaces() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sub = dir.path().join("cetak");
    let path = save(&sub, "bukti.pdf", b"first").expect("save");
    assert_eq!(path, sub.join("bukti.pdf"));
    assert_eq!(std::fs::read(&path).expect("read"), b"first");
    save(&sub, "bukti.pdf", b"second").expect("save again");
    assert_eq!(std::fs::read(&path).expect("read"), b"second");
    let names: Vec<_> = std::fs::read_dir(&sub)
        .expect("list")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(
        names,
        vec![std::ffi::OsString::from("bukti.pdf")],
        "no temp files left"
    );
    for bad in ["", ".", "..", "a/b", "x\0y"] {
        let e = save(&sub, bad, b"x").expect_err("refused");
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
    }
}

#[test]
fn save_reports_an_unwritable_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, b"").expect("write");
    assert!(save(&file, "bukti.pdf", b"x").is_err());
}

fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt as _;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

#[test]
fn printing_goes_through_lp() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("args");
    let ok = script(
        dir.path(),
        "lp",
        &format!(
            "printf '%s\\n' \"$@\" > '{}'; echo 'request id is HP-1 (1 file(s))'",
            log.display()
        ),
    );
    let pdf = dir.path().join("-bukti.pdf");
    print_with(Some(&ok), &pdf).expect("printed");
    let args = std::fs::read_to_string(&log).expect("args");
    assert_eq!(args, format!("--\n{}\n", pdf.display()));

    let bad = script(
        dir.path(),
        "lp-bad",
        "echo 'lp: Error - no default destination available.' >&2; exit 1",
    );
    assert_eq!(
        print_with(Some(&bad), &pdf),
        Err(PrintError::Failed(
            "lp: Error - no default destination available.".into()
        ))
    );
    let silent = script(dir.path(), "lp-silent", "exit 3");
    assert!(matches!(
        print_with(Some(&silent), &pdf),
        Err(PrintError::Failed(m)) if m.contains('3')
    ));
    assert_eq!(print_with(None, &pdf), Err(PrintError::NoPrintSystem));
    assert_eq!(
        print_with(Some(&dir.path().join("missing")), &pdf),
        Err(PrintError::NoPrintSystem)
    );
}

#[test]
fn print_errors_are_localized() {
    let none = PrintError::NoPrintSystem;
    assert!(none.localize(Lang::Id).contains("CUPS"));
    assert!(none.localize(Lang::Id).contains("tersimpan"));
    assert!(none.localize(Lang::En).contains("apt install cups"));
    let failed = PrintError::Failed("printer stopped".into());
    assert!(
        failed
            .localize(Lang::Id)
            .starts_with("Pencetakan gagal: printer stopped.")
    );
    assert!(
        failed
            .localize(Lang::En)
            .starts_with("Printing failed: printer stopped.")
    );
    assert!(
        PrintError::Render("x".into())
            .localize(Lang::Id)
            .starts_with("Dokumen tidak dapat dibuat")
    );
}

#[test]
fn programs_are_found_on_a_search_path() {
    let a = tempfile::tempdir().expect("tempdir");
    let b = tempfile::tempdir().expect("tempdir");
    std::fs::write(a.path().join("lp"), b"not executable").expect("write");
    let exe = script(b.path(), "lp", "exit 0");
    let paths = std::env::join_paths([a.path(), b.path()]).expect("join");
    assert_eq!(find_in(&paths, "lp"), Some(exe));
    assert_eq!(find_in(&paths, "qpdf"), None);
}

#[test]
fn qr_squares_keep_the_quiet_zone_and_decode() {
    let payload = qr_payload(&proof());
    let code = qr_code(&payload).expect("encodes");
    assert_eq!(code.error_correction_level(), qrcode::EcLevel::M);
    let rects = layout::qr_rects(&code, 50.0, 60.0, 120.0);
    let module = 120.0 / (code.width() + 2 * QR_QUIET_ZONE) as f32;
    let left = rects.iter().map(|r| r[0]).fold(f32::MAX, f32::min);
    let right = rects.iter().map(|r| r[0] + r[2]).fold(f32::MIN, f32::max);
    assert!(
        (left - (50.0 + 4.0 * module)).abs() < 0.01,
        "quiet zone left blank"
    );
    assert!((right - left - code.width() as f32 * module).abs() < 0.01);
    let (_, qr) = proof_laid_out(&proof(), Lang::Id);
    assert_eq!(decode_qr(qr), payload);
}

#[test]
fn payload_format() {
    assert_eq!(
        qr_payload(&proof()),
        "REKAM1|331301-01-20261121-0007|3313015508950001|SRI WAHYUNI|2026-11-21|331301-01"
    );
    let mut p = proof();
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
fn a_training_station_marks_its_proof_and_slip_and_its_qr_code() {
    let p = Proof {
        training: true,
        ..proof()
    };
    let doc = read(&proof_pdf(&p, Lang::Id).expect("pdf"), 200);
    assert_has(
        &doc.text,
        &["STASIUN LATIHAN", "BUKAN DOKUMEN SAH", "SRI WAHYUNI"],
    );
    let scanned = decode_qr(doc.image);
    assert!(scanned.ends_with("|LATIHAN"), "{scanned}");
    let s = ReturnSlip {
        training: true,
        ..slip()
    };
    let doc = read(&return_slip_pdf(&s, Lang::En).expect("pdf"), 150);
    assert_has(&doc.text, &["TRAINING STATION", "NOT A VALID DOCUMENT"]);
}

#[test]
fn a_real_renderer_reads_every_field_and_scans_the_qr_code_of_the_proof() {
    let pdf = proof_pdf(&proof(), Lang::Id).expect("pdf");
    // 200 dpi: about what a receipt or office printer puts on paper.
    let doc = read(&pdf, 200);
    assert_eq!(doc.pages, 1);
    let (w, h) = doc.size;
    assert!((w - PageSize::A6.width()).abs() < 0.5 && (h - PageSize::A6.height()).abs() < 0.5);
    assert_has(
        &doc.text,
        &[
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
        ],
    );
    assert!(!doc.text.contains("Pengecualian"), "no exception heading");
    assert!(
        !doc.text.contains("LATIHAN"),
        "a production proof is not marked"
    );
    assert_eq!(decode_qr(doc.image), qr_payload(&proof()));
    // lopdf reads the same text through the fonts' ToUnicode maps.
    assert!(lopdf_text(&pdf)[0].contains("SRI WAHYUNI"));

    let mut p = proof();
    p.exceptions = vec![
        "Sidik jari kelingking kiri: luka".into(),
        "Iris kanan: tidak dapat direkam".into(),
    ];
    let doc = read(&proof_pdf(&p, Lang::En).expect("pdf"), 200);
    assert_has(
        &doc.text,
        &[
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
        ],
    );
    assert_eq!(decode_qr(doc.image), qr_payload(&p));
}

#[test]
fn names_in_any_latin_script_are_printed_as_written() {
    let mut p = proof();
    p.full_name = "Đặng Thị Ngọc (Sœur) Müller \\ €".into();
    p.exceptions = vec!["Sidik jari kelingking kiri: luka".into()];
    let pdf = proof_pdf(&p, Lang::Id).expect("pdf");
    let doc = read(&pdf, 200);
    assert_has(&doc.text, &["Đặng Thị Ngọc (Sœur) Müller \\ €"]);
    assert_eq!(decode_qr(doc.image), qr_payload(&p));
    assert!(qr_payload(&p).contains("Đặng Thị Ngọc (Sœur) Müller \\ €"));
}

#[test]
fn long_names_and_many_exceptions_stay_on_the_page() {
    let mut p = proof();
    p.full_name =
        "RADEN MAS MUHAMMAD ABDURRAHMAN WAHYUDIANTOSUKARNOPUTRAHADIKUSUMANINGRATSUMARSONO \
                   BIN HAJI SLAMET RIYADI SOEDJATMIKO PRAWIROKUSUMO"
            .into();
    p.operator = "Operator dengan nama yang sangat panjang sekali".into();
    p.service = "Penggantian karena perubahan data atau status kependudukan".into();
    for lang in [Lang::Id, Lang::En] {
        let (text, qr) = proof_laid_out(&p, lang);
        let found: String = text.concat().split_whitespace().collect();
        for word in p.full_name.split_whitespace() {
            // Long words may be cut across lines; their pieces are all there.
            assert!(found.contains(word), "{word} missing");
        }
        assert_eq!(decode_qr(qr), qr_payload(&p));
    }
    // A runaway name is cut after four lines; the QR code and the footer stay.
    let mut runaway = p.clone();
    runaway.full_name = "SANGAT PANJANG ".repeat(150);
    let (text, qr) = proof_laid_out(&runaway, Lang::Id);
    let name_lines = text.iter().filter(|s| s.contains("PANJANG")).count();
    assert_eq!(name_lines, 4, "{text:?}");
    assert!(text.iter().any(|s| s.ends_with('\u{2026}')), "cut marked");
    assert!(text.iter().any(|s| s.starts_with("Simpan bukti ini.")));
    assert_eq!(decode_qr(qr), qr_payload(&runaway));
    // Many exceptions: the layout shrinks, then cuts with an ellipsis, but stays inside.
    for count in [3, 8, 20, 60] {
        p.exceptions = (0..count)
            .map(|i| format!("Sidik jari {i}: luka bakar pada ujung jari, tidak dapat direkam"))
            .collect();
        let (text, qr) = proof_laid_out(&p, Lang::Id);
        assert!(
            text.iter().any(|s| s.starts_with("Simpan bukti ini.")),
            "footer kept with {count} exceptions"
        );
        assert_eq!(
            decode_qr(qr),
            qr_payload(&p),
            "QR kept with {count} exceptions"
        );
    }
    // And the real renderer agrees on the last, crowded page.
    let doc = read(&proof_pdf(&p, Lang::Id).expect("pdf"), 200);
    assert_eq!(doc.pages, 1);
    assert_eq!(decode_qr(doc.image), qr_payload(&p));
    assert!(doc.text.contains("Simpan bukti ini."));
}

#[test]
fn file_names_are_plain_and_output_is_deterministic() {
    assert_eq!(proof().file_name(), "bukti-331301-01-20261121-0007.pdf");
    assert_eq!(slip().file_name(), "pengembalian-20261121-B-012.pdf");
    assert_eq!(
        proof_pdf(&proof(), Lang::Id).expect("pdf"),
        proof_pdf(&proof(), Lang::Id).expect("pdf")
    );
}

/// Lays the slip out, checks it stays inside its margins; returns the paper size and the text.
fn slip_laid_out(s: &ReturnSlip, lang: Lang) -> (PageSize, Vec<String>) {
    let faces = faces();
    let laid = slip::sheet(s, lang).lay_out(&faces);
    assert_inside_margins(&laid, &faces);
    (laid.size, laid_text(&laid))
}

#[test]
fn the_return_slip_lists_what_is_missing() {
    let doc = read(&return_slip_pdf(&slip(), Lang::Id).expect("pdf"), 150);
    assert_eq!(doc.pages, 1);
    assert_has(
        &doc.text,
        &[
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
        ],
    );
    let mut s = slip();
    s.nik = None;
    s.full_name = None;
    s.reason = None;
    let doc = read(&return_slip_pdf(&s, Lang::En).expect("pdf"), 150);
    assert_has(
        &doc.text,
        &[
            "FILE RETURNED",
            "station 01",
            "Queue ticket",
            "Requirements still missing:",
            "Complete the requirements above, then come back.",
        ],
    );
    assert!(!doc.text.contains("NIK") && !doc.text.contains("Name") && !doc.text.contains("Note:"));
}

#[test]
fn long_lists_fit_on_a6_then_a5_then_are_cut() {
    assert_eq!(slip_laid_out(&slip(), Lang::Id).0, PageSize::A6);
    let mut s = slip();
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
    let (size, text) = slip_laid_out(&s, Lang::Id);
    assert_eq!(size, PageSize::A5);
    assert!(text.iter().any(|t| t == "30."), "every item numbered");
    let doc = read(&return_slip_pdf(&s, Lang::Id).expect("pdf"), 100);
    let (w, _) = doc.size;
    assert!((w - PageSize::A5.width()).abs() < 0.5, "printed on A5: {w}");
    s.missing = (1..=200).map(|i| format!("Persyaratan {i}")).collect();
    let (size, text) = slip_laid_out(&s, Lang::Id);
    assert_eq!(size, PageSize::A5, "cut short, never overflowing");
    assert!(
        text.iter().any(|t| t == "\u{2026}"),
        "an ellipsis marks the cut"
    );
    assert!(
        text.iter().any(|t| t.starts_with("Lengkapi persyaratan")),
        "footer kept"
    );
}
