//! Tests of the reports: CSV escaping and content, PDF page counts and text (read back with
//! lopdf through the fonts' ToUnicode maps), text fitting, and the four files from a real store.

use std::time::Duration;

use chrono::{NaiveDate, NaiveDateTime};

use super::csv::Csv;
use super::layout::Shaper;
use super::*;
use crate::domain::ServiceType;
use crate::domain::sop::SopStep;
use crate::ui::screen::testing::{Fixture, today};
use crate::workflow::Step;
use crate::workflow::day::{DaySummary, RegisterRow, StepStats};

fn date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 21).expect("date")
}

fn at(h: u32, m: u32) -> NaiveDateTime {
    date().and_hms_opt(h, m, 0).expect("time")
}

fn header() -> ReportHeader {
    ReportHeader {
        kecamatan_code: "331301".into(),
        kecamatan_name: "Kartasura".into(),
        station_id: "01".into(),
        date: date(),
        generated_at: at(16, 45),
        version: "9.8.7".into(),
    }
}

/// The `n`th request of a day (1-based), every field filled in, one every 2 minutes from 08:00.
fn row(n: u32) -> RegisterRow {
    let minutes = 8 * 60 + 2 * (n - 1);
    RegisterRow {
        request: i64::from(n) + 100,
        called_at: date()
            .and_hms_opt(minutes / 60 % 24, minutes % 60, 0)
            .expect("time"),
        ticket: format!("A-{n:03}"),
        register_number: Some(format!("331301-01-20261121-{n:04}")),
        full_name: Some(format!("Pemohon Nomor {n:04}")),
        nik: Some(format!("331301450890{n:04}")),
        service: Some(ServiceType::RekamBaru),
        step: Step::Archived,
        operator: "Budi Santoso".into(),
    }
}

/// A request cancelled right after the call: no file, so no name, NIK, service or register number.
fn cancelled_row(n: u32) -> RegisterRow {
    RegisterRow {
        register_number: None,
        full_name: None,
        nik: None,
        service: None,
        step: Step::Cancelled,
        ..row(n)
    }
}

fn minutes(m: u64) -> Duration {
    Duration::from_secs(m * 60)
}

/// A day: 5 requests; verification on time as a rule (one late), recording late as a rule.
fn summary() -> DaySummary {
    DaySummary {
        date: date(),
        requests: 5,
        served: 1,
        returned: 1,
        cancelled: 1,
        deferred: 0,
        in_progress: 2,
        waiting: 3,
        steps: vec![
            StepStats {
                step: SopStep::Verify,
                count: 4,
                median: Duration::ZERO,
                slowest: minutes(10),
                standard: SopStep::Verify.standard(),
                late: 1,
            },
            StepStats {
                step: SopStep::Record,
                count: 3,
                median: Duration::from_secs(12 * 60 + 5),
                slowest: minutes(15),
                standard: SopStep::Record.standard(),
                late: 2,
            },
        ],
    }
}

/// Parses RFC 4180 strictly: every record ends with CRLF, no bare LF or CR outside quotes, no
/// quote inside an unquoted field.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let (mut records, mut record, mut field) = (Vec::new(), Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                c => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => quoted = true,
            '"' => panic!("a quote inside an unquoted field: {field}"),
            ',' => record.push(std::mem::take(&mut field)),
            '\r' => {
                assert_eq!(chars.next(), Some('\n'), "CR without LF");
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            '\n' => panic!("a bare LF outside quotes"),
            c => field.push(c),
        }
    }
    assert!(!quoted, "an unclosed quote");
    assert!(
        field.is_empty() && record.is_empty(),
        "the last record must end with CRLF"
    );
    records
}

/// The text of every page, in order.
fn pdf_pages(bytes: &[u8]) -> Vec<String> {
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    let doc = lopdf::Document::load_mem(bytes).expect("a PDF lopdf can read");
    doc.get_pages()
        .keys()
        .map(|&n| doc.extract_text(&[n]).expect("page text"))
        .collect()
}

/// The `n` text lines that follow the line `label` on `page` (a table row's next cells).
fn cells_after(page: &str, label: &str, n: usize) -> Vec<String> {
    let lines: Vec<&str> = page
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let i = lines
        .iter()
        .position(|l| *l == label)
        .unwrap_or_else(|| panic!("no line '{label}' in:\n{page}"));
    lines[i + 1..]
        .iter()
        .take(n)
        .map(|l| (*l).to_owned())
        .collect()
}

#[test]
fn csv_fields_with_commas_quotes_and_new_lines_are_quoted_and_quotes_doubled() {
    let mut csv = Csv::default();
    csv.record([
        "plain",
        "a,b",
        "say \"hi\"",
        "two\r\nlines",
        "",
        "  spaced ",
    ]);
    csv.record(["second"]);
    assert_eq!(
        csv.finish(),
        "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\r\nlines\",,  spaced \r\nsecond\r\n"
    );
}

#[test]
fn the_register_csv_quotes_a_name_with_a_comma_and_a_quote() {
    let mut odd = row(1);
    odd.full_name = Some("Siti \"Ani\" Rahayu, S.Pd.".into());
    odd.operator = "Sri Wahyuni, A.Md.".into();
    let csv = register_csv(&header(), &[odd], Lang::Id);
    assert!(
        csv.contains(",\"Siti \"\"Ani\"\" Rahayu, S.Pd.\","),
        "{csv}"
    );
    assert!(csv.ends_with(",\"Sri Wahyuni, A.Md.\"\r\n"), "{csv}");
    // Read back, the fields are the data again.
    let records = parse_csv(&csv);
    assert_eq!(records[1][7], "Siti \"Ani\" Rahayu, S.Pd.");
    assert_eq!(records[1][12], "Sri Wahyuni, A.Md.");
}

#[test]
fn the_register_csv_has_a_header_and_one_record_per_request_in_order() {
    let rows = vec![row(1), cancelled_row(2), row(3)];
    let records = parse_csv(&register_csv(&header(), &rows, Lang::Id));
    assert_eq!(records.len(), 4);
    assert_eq!(
        records[0],
        [
            "Kecamatan",
            "Stasiun",
            "No",
            "Waktu dipanggil",
            "Tiket",
            "Nomor register",
            "NIK",
            "Nama lengkap",
            "Kode layanan",
            "Jenis layanan",
            "Kode tahap",
            "Hasil / tahap",
            "Operator",
        ]
    );
    assert_eq!(
        records[1],
        [
            "331301",
            "01",
            "1",
            "2026-11-21T08:00",
            "A-001",
            "331301-01-20261121-0001",
            "3313014508900001",
            "Pemohon Nomor 0001",
            "rekam_baru",
            "Rekam baru",
            "archived",
            "Diarsipkan",
            "Budi Santoso",
        ]
    );
    // What a cancelled request does not have is an empty field.
    assert_eq!(
        records[2],
        [
            "331301",
            "01",
            "2",
            "2026-11-21T08:02",
            "A-002",
            "",
            "",
            "",
            "",
            "",
            "cancelled",
            "Dibatalkan",
            "Budi Santoso",
        ]
    );
    assert_eq!(records[3][2], "3");
    assert_eq!(records[3][3], "2026-11-21T08:04");

    let english = parse_csv(&register_csv(&header(), &rows, Lang::En));
    assert_eq!(english[0][3], "Called at");
    assert_eq!(english[1][9], "First recording");
    assert_eq!(english[2][11], "Cancelled");

    // An empty day is the header alone.
    assert_eq!(parse_csv(&register_csv(&header(), &[], Lang::Id)).len(), 1);
}

#[test]
fn the_sop_csv_gives_the_totals_and_every_step_in_whole_seconds() {
    let records = parse_csv(&sop_csv(&header(), &summary(), Lang::Id));
    // Header, 7 totals, 8 SOP steps; every record as wide as the header.
    assert_eq!(records.len(), 1 + 7 + SopStep::ALL.len());
    assert!(records.iter().all(|r| r.len() == records[0].len()));
    assert_eq!(records[0][7], "Median (detik)");
    let lead = ["331301", "01", "2026-11-21"];
    assert_eq!(records[1][..3], lead);
    assert_eq!(
        records[1][3..],
        [
            "total",
            "requests",
            "Permohonan (nomor dipanggil)",
            "5",
            "",
            "",
            "",
            "",
            ""
        ]
    );
    assert_eq!(
        records[7][4..7],
        ["waiting", "Menunggu (belum dipanggil)", "3"]
    );
    let step = |code: &str| {
        records
            .iter()
            .find(|r| r[3] == "step" && r[4] == code)
            .unwrap_or_else(|| panic!("no step {code}"))
            .clone()
    };
    assert_eq!(
        step("verify")[5..],
        [
            "Verifikasi dan paraf",
            "4",
            "0",
            "600",
            "180",
            "1",
            "TEPAT WAKTU"
        ]
    );
    assert_eq!(
        step("record")[5..],
        [
            "Perekaman biometrik",
            "3",
            "725",
            "900",
            "600",
            "2",
            "TERLAMBAT"
        ]
    );
    // A step nobody finished: no times, its standard still.
    assert_eq!(
        step("archive")[5..],
        ["Pengarsipan berkas", "0", "", "", "60", "0", ""]
    );
    // In SOP order.
    let codes: Vec<&str> = records
        .iter()
        .filter(|r| r[3] == "step")
        .map(|r| r[4].as_str())
        .collect();
    let expected: Vec<&str> = SopStep::ALL.iter().map(|s| s.code()).collect();
    assert_eq!(codes, expected);

    let english = parse_csv(&sop_csv(&header(), &summary(), Lang::En));
    assert_eq!(english[0][7], "Median (s)");
    let late = english.iter().find(|r| r[4] == "record").expect("record");
    assert_eq!(late[11], "LATE");
}

#[test]
fn the_register_pdf_of_an_empty_day_is_one_page_saying_there_were_no_requests() {
    let pages = pdf_pages(&register_pdf(&header(), &[], Lang::Id).expect("pdf"));
    assert_eq!(pages.len(), 1);
    assert!(pages[0].contains("Tidak ada permohonan"), "{}", pages[0]);
    assert!(pages[0].contains("Halaman 1 dari 1"));
    assert!(pages[0].contains("Nama lengkap"));

    let pages = pdf_pages(&register_pdf(&header(), &[], Lang::En).expect("pdf"));
    assert_eq!(pages.len(), 1);
    assert!(pages[0].contains("No requests"), "{}", pages[0]);
    assert!(pages[0].contains("Page 1 of 1"));
    assert!(pages[0].contains("Full name"));
    assert!(!pages[0].contains("Halaman"));
}

#[test]
fn the_register_pdf_of_a_few_requests_is_one_page_with_every_field() {
    let rows = vec![row(1), cancelled_row(2), row(3)];
    let pages = pdf_pages(&register_pdf(&header(), &rows, Lang::Id).expect("pdf"));
    assert_eq!(pages.len(), 1);
    let page = &pages[0];
    for fact in [
        "Buku Register Perekaman KTP-el",
        "331301 Kartasura",
        "21-11-2026",
        "21-11-2026 16:45",
        "Rekam 9.8.7",
        "Halaman 1 dari 1",
    ] {
        assert!(page.contains(fact), "no '{fact}' in:\n{page}");
    }
    assert_eq!(
        cells_after(page, "A-001", 6),
        [
            "331301-01-20261121-0001",
            "3313014508900001",
            "Pemohon Nomor 0001",
            "Rekam baru",
            "Diarsipkan",
            "Budi Santoso",
        ]
    );
    assert_eq!(cells_after(page, "08:02", 1), ["A-002"]);
    assert_eq!(
        cells_after(page, "A-002", 6),
        ["-", "-", "-", "-", "Dibatalkan", "Budi Santoso"]
    );
    assert_eq!(
        cells_after(page, "08:04", 2),
        ["A-003", "331301-01-20261121-0003"]
    );
}

#[test]
fn the_register_pdf_of_500_requests_runs_over_full_pages_with_the_header_on_each() {
    let rows: Vec<RegisterRow> = (1..=500).map(row).collect();
    let pages = pdf_pages(&register_pdf(&header(), &rows, Lang::Id).expect("pdf"));
    let total = pages.len();
    assert!((10..=30).contains(&total), "{total} pages");
    let mut rows_per_page = Vec::new();
    let mut next = 1;
    for (i, page) in pages.iter().enumerate() {
        assert!(
            page.contains(&format!("Halaman {} dari {total}", i + 1)),
            "{page}"
        );
        assert!(
            page.contains("Nama lengkap"),
            "no header row on page {}",
            i + 1
        );
        if i > 0 {
            assert!(
                page.contains(
                    "Buku Register Perekaman KTP-el · 331301 Kartasura · 01 · 21-11-2026"
                ),
                "no running header on page {}",
                i + 1
            );
        }
        // The rows continue in call order from page to page, none lost, none twice.
        let on_page = page.matches("Pemohon Nomor ").count();
        for n in next..next + on_page {
            assert!(
                page.contains(&format!("Pemohon Nomor {n:04}")),
                "request {n} not on page {}",
                i + 1
            );
        }
        next += on_page;
        rows_per_page.push(on_page);
    }
    assert_eq!(next, 501);
    // Every page but the last is full; the first holds fewer under the title.
    let full = rows_per_page[1];
    assert!(rows_per_page[0] < full && rows_per_page[0] > 0);
    assert!(rows_per_page[1..total - 1].iter().all(|&n| n == full));
    assert!((1..=full).contains(&rows_per_page[total - 1]));
    assert_eq!(total, 1 + (500 - rows_per_page[0]).div_ceil(full));
}

#[test]
fn long_names_are_wrapped_then_cut_with_an_ellipsis() {
    let long = "Raden Mas Muhammad Abdurrahman Wahid Kusumo Hadiningrat Prawirodirjo Suryo \
                Mangkunegoro Hamengkubuwono Pakubuwono Notonegoro Sastrowardoyo";
    let mut named = row(1);
    named.full_name = Some(long.into());
    named.operator = "Operatorwithaverylongnamewithoutanyspacesatallthatmustbebroken".into();
    let pages = pdf_pages(&register_pdf(&header(), &[named], Lang::Id).expect("pdf"));
    assert_eq!(pages.len(), 1);
    let page = &pages[0];
    assert!(page.contains("Raden Mas"), "{page}");
    assert!(!page.contains("Sastrowardoyo"), "{page}");
    let name = cells_after(page, "3313014508900001", 2);
    assert!(name[1].ends_with('…'), "{name:?}");
    // The word too long for its column is broken over two lines, the second cut.
    assert!(page.contains("Operatorwith"), "{page}");
    assert!(!page.contains("mustbebroken"), "{page}");
}

#[test]
fn wrapped_and_cut_text_always_fits_its_width() {
    let m = Shaper::new(crate::typeset::REGULAR).expect("font");
    let size = 8.0;
    assert!(m.width("Pemohon", size) > 0.0);
    assert!(m.width("WWWW", size) > m.width("iiii", size));
    assert_eq!(m.wrap("", size, 50.0, 2), [""]);
    assert_eq!(m.wrap("Budi  Santoso", size, 500.0, 2), ["Budi Santoso"]);
    let texts = [
        "Raden Mas Muhammad Abdurrahman Wahid Kusumo Hadiningrat",
        "Supercalifragilisticexpialidocious-and-then-some-more",
        "a b c d e f g h i j k l m n o p q r s t u v w x y z",
        "Ñoño Ølström Ærø Şükrü Nguyễn Thị Minh Khai",
    ];
    for text in texts {
        for width in [12.0, 30.0, 55.0, 80.0, 140.0] {
            for max_lines in [1, 2, 3] {
                let lines = m.wrap(text, size, width, max_lines);
                assert!(!lines.is_empty() && lines.len() <= max_lines, "{lines:?}");
                for line in &lines {
                    assert!(
                        m.width(line, size) <= width,
                        "'{line}' wider than {width} ({text}, {max_lines})"
                    );
                }
                let joined: String = lines.concat().chars().filter(|c| *c != ' ').collect();
                let whole: String = text.chars().filter(|c| *c != ' ').collect();
                if joined.ends_with('…') {
                    let kept = joined.trim_end_matches('…');
                    assert!(whole.starts_with(kept), "{lines:?} from {text}");
                } else {
                    assert_eq!(joined, whole, "{lines:?} at {width}");
                }
            }
        }
        let cut = m.ellipsize(text, size, 60.0);
        assert!(cut.ends_with('…') && m.width(&cut, size) <= 60.0, "{cut}");
    }
    assert_eq!(m.ellipsize("Budi", size, 500.0), "Budi");
    assert_eq!(m.ellipsize("Budi", size, 0.5), "");
}

#[test]
fn the_sop_pdf_marks_each_step_late_or_on_time_with_times_as_minutes_and_seconds() {
    let pages = pdf_pages(&sop_pdf(&header(), &summary(), Lang::Id).expect("pdf"));
    assert_eq!(pages.len(), 1);
    let page = &pages[0];
    for fact in [
        "Laporan Waktu Layanan SOP",
        "331301 Kartasura",
        "Rekam 9.8.7",
        "Halaman 1 dari 1",
    ] {
        assert!(page.contains(fact), "no '{fact}' in:\n{page}");
    }
    // Count, median, slowest, standard, late count, mark.
    assert_eq!(
        cells_after(page, "Verifikasi dan paraf", 6),
        ["4", "00:00", "10:00", "03:00", "1", "TEPAT WAKTU"]
    );
    assert_eq!(
        cells_after(page, "Perekaman biometrik", 6),
        ["3", "12:05", "15:00", "10:00", "2", "TERLAMBAT"]
    );
    assert_eq!(
        cells_after(page, "Validasi", 6),
        ["0", "-", "-", "02:00", "-", "belum ada data"]
    );
    assert_eq!(cells_after(page, "Permohonan (nomor dipanggil)", 1), ["5"]);
    assert_eq!(cells_after(page, "Menunggu (belum dipanggil)", 1), ["3"]);
    assert_eq!(cells_after(page, "Masih dalam proses", 1), ["2"]);

    let pages = pdf_pages(&sop_pdf(&header(), &summary(), Lang::En).expect("pdf"));
    let page = &pages[0];
    assert!(page.contains("SOP Service Time Report") && page.contains("Page 1 of 1"));
    assert_eq!(
        cells_after(page, "Record the biometrics", 6),
        ["3", "12:05", "15:00", "10:00", "2", "LATE"]
    );
    assert_eq!(cells_after(page, "Verify and initial", 6)[5], "ON TIME");
}

#[test]
fn the_sop_pdf_of_an_empty_day_says_there_were_no_requests() {
    let empty = DaySummary {
        date: date(),
        ..DaySummary::default()
    };
    let pages = pdf_pages(&sop_pdf(&header(), &empty, Lang::Id).expect("pdf"));
    assert_eq!(pages.len(), 1);
    assert!(pages[0].contains("Tidak ada permohonan"), "{}", pages[0]);
    assert_eq!(
        cells_after(&pages[0], "Permohonan (nomor dipanggil)", 1),
        ["0"]
    );
    let pages = pdf_pages(&sop_pdf(&header(), &empty, Lang::En).expect("pdf"));
    assert!(pages[0].contains("No requests"), "{}", pages[0]);
}

#[test]
fn file_names_carry_kecamatan_station_and_date_and_nothing_else() {
    assert_eq!(
        header().file_name("register", "pdf"),
        "register-331301-01-20261121.pdf"
    );
    let odd = ReportHeader {
        station_id: "../X".into(),
        ..header()
    };
    assert_eq!(odd.file_name("sop", "csv"), "sop-331301-___X-20261121.csv");
}

#[test]
fn write_day_reports_saves_the_four_files_of_a_real_day() {
    let f = Fixture::new();
    let served = f.request_at(1, Step::Recorded).id;
    let op = f.operator.clone();
    f.store(move |s| {
        s.hand_over_proof(&op, served)?;
        Ok(s.archive(&op, served)?)
    });
    f.request_at(2, Step::Registered);
    let cancelled = f.request_at(3, Step::TicketCalled).id;
    let op = f.operator.clone();
    f.store(move |s| Ok(s.cancel(&op, cancelled, "pemohon pulang")?));

    let out = tempfile::tempdir().expect("temp dir");
    // Not there yet: created.
    let dir = out.path().join("laporan").join("harian");
    let (reports, rows, station) = {
        let dir = dir.clone();
        f.store(move |s| {
            // Twice: the second run replaces the files.
            write_day_reports(s, today(), Lang::Id, &dir)?;
            let reports = write_day_reports(s, today(), Lang::Id, &dir)?;
            Ok((reports, s.day_register(today())?, s.station().clone()))
        })
    };
    let stem = format!("331301-01-{}", today().format("%Y%m%d"));
    assert_eq!(
        reports.register_pdf,
        dir.join(format!("register-{stem}.pdf"))
    );
    assert_eq!(
        reports.register_csv,
        dir.join(format!("register-{stem}.csv"))
    );
    assert_eq!(reports.sop_pdf, dir.join(format!("sop-{stem}.pdf")));
    assert_eq!(reports.sop_csv, dir.join(format!("sop-{stem}.csv")));
    // Nothing else, no temporary file left behind.
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            format!("register-{stem}.csv"),
            format!("register-{stem}.pdf"),
            format!("sop-{stem}.csv"),
            format!("sop-{stem}.pdf"),
        ]
    );

    let csv = std::fs::read_to_string(&reports.register_csv).expect("csv");
    let records = parse_csv(&csv);
    assert_eq!(records.len(), 1 + 3);
    for (record, row) in records[1..].iter().zip(&rows) {
        assert_eq!(record[4], row.ticket);
        assert_eq!(record[7], row.full_name.clone().unwrap_or_default());
        assert_eq!(record[10], row.step.code());
    }
    assert_eq!(records[1][10], "archived");
    assert_eq!(records[3][10], "cancelled");

    let register = pdf_pages(&std::fs::read(&reports.register_pdf).expect("pdf"));
    assert_eq!(register.len(), 1);
    let name = rows[0].full_name.clone().expect("name");
    assert!(register[0].contains(&name), "no {name} in {}", register[0]);
    assert!(register[0].contains(&station.kecamatan_name));
    assert!(register[0].contains(&format!("Rekam {VERSION}")));

    let sop = parse_csv(&std::fs::read_to_string(&reports.sop_csv).expect("csv"));
    let requests = sop.iter().find(|r| r[4] == "requests").expect("requests");
    assert_eq!(requests[6], "3");
    let sop_pdf = pdf_pages(&std::fs::read(&reports.sop_pdf).expect("pdf"));
    assert_eq!(sop_pdf.len(), 1);
    assert!(sop_pdf[0].contains("Verifikasi dan paraf"));
}
