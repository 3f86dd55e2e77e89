//! The register book (buku register) of a day: every request in call order with its ticket,
//! register number, applicant, service type, where it ended and who served it.

use crate::lang::{Lang, Localize};
use crate::workflow::day::RegisterRow;

use super::csv::Csv;
use super::layout::{self, Align, Cell, Column, Orientation, Report, Section};
use super::{ReportHeader, iso_minute};

/// The register book's title.
fn title(lang: Lang) -> &'static str {
    lang.pick(
        "Buku Register Perekaman KTP-el",
        "KTP-el Recording Register Book",
    )
}

/// What the book says when the day had no request.
fn nothing(lang: Lang) -> &'static str {
    lang.pick("Tidak ada permohonan", "No requests")
}

/// The register book as CSV: a header row, then one record per request in call order. Columns:
/// kecamatan code, station id, number (1..), called at (ISO 8601 local time, to the minute),
/// ticket, register number, NIK, full name, service type code and label, step code and label,
/// operator. Missing values are empty fields. Header and labels in `lang`, codes stable.
pub fn register_csv(header: &ReportHeader, rows: &[RegisterRow], lang: Lang) -> String {
    let mut csv = Csv::default();
    csv.record([
        "Kecamatan",
        lang.pick("Stasiun", "Station"),
        "No",
        lang.pick("Waktu dipanggil", "Called at"),
        lang.pick("Tiket", "Ticket"),
        lang.pick("Nomor register", "Register number"),
        "NIK",
        lang.pick("Nama lengkap", "Full name"),
        lang.pick("Kode layanan", "Service code"),
        lang.pick("Jenis layanan", "Service type"),
        lang.pick("Kode tahap", "Step code"),
        lang.pick("Hasil / tahap", "Outcome / step"),
        "Operator",
    ]);
    for (i, row) in rows.iter().enumerate() {
        csv.record([
            header.kecamatan_code.clone(),
            header.station_id.clone(),
            (i + 1).to_string(),
            iso_minute(row.called_at),
            row.ticket.clone(),
            row.register_number.clone().unwrap_or_default(),
            row.nik.clone().unwrap_or_default(),
            row.full_name.clone().unwrap_or_default(),
            row.service.map(|s| s.code().to_owned()).unwrap_or_default(),
            row.service.map(|s| s.localize(lang)).unwrap_or_default(),
            row.step.code().to_owned(),
            row.step.localize(lang),
            row.operator.clone(),
        ]);
    }
    csv.finish()
}

/// The register book as PDF: A4 landscape, one row per request in call order, the header row on
/// every page, "-" for what a request does not have yet.
pub fn register_pdf(
    header: &ReportHeader,
    rows: &[RegisterRow],
    lang: Lang,
) -> anyhow::Result<Vec<u8>> {
    let dash = |v: Option<String>| v.unwrap_or_else(|| "-".to_owned());
    let columns = vec![
        Column::new("No", 0.55, Align::Right, 1),
        Column::new(lang.pick("Dipanggil", "Called"), 1.1, Align::Left, 1),
        Column::new(lang.pick("Tiket", "Ticket"), 0.85, Align::Left, 1),
        Column::new(
            lang.pick("Nomor register", "Register number"),
            2.55,
            Align::Left,
            2,
        ),
        Column::new("NIK", 1.9, Align::Left, 2),
        Column::new(lang.pick("Nama lengkap", "Full name"), 4.0, Align::Left, 2),
        Column::new(
            lang.pick("Jenis layanan", "Service type"),
            2.6,
            Align::Left,
            2,
        ),
        Column::new(
            lang.pick("Hasil / tahap", "Outcome / step"),
            2.6,
            Align::Left,
            2,
        ),
        Column::new("Operator", 2.4, Align::Left, 2),
    ];
    let body = rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            vec![
                Cell::from((i + 1).to_string()),
                Cell::from(row.called_at.format("%H:%M").to_string()),
                Cell::from(row.ticket.clone()),
                Cell::from(dash(row.register_number.clone())),
                Cell::from(dash(row.nik.clone())),
                Cell::from(dash(row.full_name.clone())),
                Cell::from(dash(row.service.map(|s| s.localize(lang)))),
                Cell::from(row.step.localize(lang)),
                Cell::from(row.operator.clone()),
            ]
        })
        .collect();
    let facts = header.facts(
        lang,
        vec![(
            lang.pick("Jumlah permohonan", "Requests").to_owned(),
            rows.len().to_string(),
        )],
    );
    layout::render(&Report {
        orientation: Orientation::Landscape,
        lang,
        title: title(lang).to_owned(),
        facts,
        running: header.running(title(lang)),
        footer: header.footer(lang),
        body_size: 8.0,
        sections: vec![Section {
            heading: None,
            width: 1.0,
            columns,
            rows: body,
            empty: nothing(lang).to_owned(),
            note: None,
        }],
        software: header.software(),
        created: header.generated_at,
    })
}
