//! The SOP report of a day: how the requests ended, and for every SOP step how many finished it,
//! their median and slowest times against the step's standard time (baku mutu), how many were
//! late, and whether the step was late as a rule (its median over the standard).

use crate::domain::sop::SopStep;
use crate::lang::{Lang, Localize};
use crate::workflow::day::{DaySummary, StepStats};

use super::csv::Csv;
use super::layout::{self, Align, Cell, Column, Orientation, Report, Section, Tone};
use super::{ReportHeader, mm_ss};

/// The SOP report's title.
fn title(lang: Lang) -> &'static str {
    lang.pick("Laporan Waktu Layanan SOP", "SOP Service Time Report")
}

/// The day's totals: stable code, label, count.
fn totals(summary: &DaySummary, lang: Lang) -> [(&'static str, &'static str, usize); 7] {
    [
        (
            "requests",
            lang.pick("Permohonan (nomor dipanggil)", "Requests (tickets called)"),
            summary.requests,
        ),
        (
            "served",
            lang.pick(
                "Selesai (surat keterangan diserahkan)",
                "Served (proof handed over)",
            ),
            summary.served,
        ),
        (
            "returned",
            lang.pick("Dikembalikan ke pemohon", "Returned to the applicant"),
            summary.returned,
        ),
        (
            "cancelled",
            lang.pick("Dibatalkan", "Cancelled"),
            summary.cancelled,
        ),
        (
            "deferred",
            lang.pick("Ditunda", "Deferred"),
            summary.deferred,
        ),
        (
            "in_progress",
            lang.pick("Masih dalam proses", "Still in progress"),
            summary.in_progress,
        ),
        (
            "waiting",
            lang.pick("Menunggu (belum dipanggil)", "Waiting (not called yet)"),
            summary.waiting,
        ),
    ]
}

/// The mark of a step: late as a rule (median over the standard) or on time.
fn mark(stats: &StepStats, lang: Lang) -> (&'static str, Tone) {
    if stats.is_late() {
        (lang.pick("TERLAMBAT", "LATE"), Tone::Alert)
    } else {
        (lang.pick("TEPAT WAKTU", "ON TIME"), Tone::Good)
    }
}

/// Every SOP step in order, with its statistics if any request finished it that day.
fn steps(summary: &DaySummary) -> impl Iterator<Item = (SopStep, Option<&StepStats>)> {
    SopStep::ALL
        .iter()
        .map(|&step| (step, summary.steps.iter().find(|s| s.step == step)))
}

/// The SOP report as CSV: a header row, then one record per day total (section `total`: code,
/// label, count) and one per SOP step in SOP order, every step even without data (section
/// `step`: code, label, count, median, slowest and standard in whole seconds, late count and the
/// late / on-time mark; empty where no request finished the step). Every record starts with the
/// kecamatan code, the station id and the date (ISO 8601).
pub fn sop_csv(header: &ReportHeader, summary: &DaySummary, lang: Lang) -> String {
    let mut csv = Csv::default();
    csv.record([
        "Kecamatan",
        lang.pick("Stasiun", "Station"),
        lang.pick("Tanggal", "Date"),
        lang.pick("Bagian", "Section"),
        lang.pick("Kode", "Code"),
        lang.pick("Keterangan", "Item"),
        lang.pick("Jumlah", "Count"),
        lang.pick("Median (detik)", "Median (s)"),
        lang.pick("Terlama (detik)", "Slowest (s)"),
        lang.pick("Baku mutu (detik)", "Standard (s)"),
        lang.pick("Terlambat", "Late"),
        "Status",
    ]);
    let date = summary.date.format("%Y-%m-%d").to_string();
    let lead = || {
        [
            header.kecamatan_code.clone(),
            header.station_id.clone(),
            date.clone(),
        ]
    };
    for (code, label, count) in totals(summary, lang) {
        let rest =
            ["total", code, label, &count.to_string(), "", "", "", "", ""].map(str::to_owned);
        csv.record(lead().into_iter().chain(rest));
    }
    for (step, stats) in steps(summary) {
        let standard = step.standard().as_secs().to_string();
        let rest = match stats {
            Some(s) => [
                s.count.to_string(),
                s.median.as_secs().to_string(),
                s.slowest.as_secs().to_string(),
                standard,
                s.late.to_string(),
                mark(s, lang).0.to_owned(),
            ],
            None => [
                "0".to_owned(),
                String::new(),
                String::new(),
                standard,
                "0".to_owned(),
                String::new(),
            ],
        };
        let name = [
            "step".to_owned(),
            step.code().to_owned(),
            step.localize(lang),
        ];
        csv.record(lead().into_iter().chain(name).chain(rest));
    }
    csv.finish()
}

/// The SOP report as PDF: A4 portrait, the day's totals, then a table of the SOP steps with
/// times as `mm:ss` and a LATE / ON TIME mark per step.
pub fn sop_pdf(header: &ReportHeader, summary: &DaySummary, lang: Lang) -> anyhow::Result<Vec<u8>> {
    let totals_section = Section {
        heading: Some(
            lang.pick("Ringkasan hari ini", "The day's totals")
                .to_owned(),
        ),
        width: 0.6,
        columns: vec![
            Column::new(lang.pick("Keterangan", "Item"), 4.0, Align::Left, 2),
            Column::new(lang.pick("Jumlah", "Count"), 1.0, Align::Right, 1),
        ],
        rows: totals(summary, lang)
            .iter()
            .map(|(_, label, count)| vec![Cell::from(*label), Cell::from(count.to_string())])
            .collect(),
        empty: String::new(),
        note: None,
    };
    let step_rows = if summary.requests == 0 && summary.steps.is_empty() {
        Vec::new()
    } else {
        steps(summary)
            .enumerate()
            .map(|(i, (step, stats))| {
                let mut row = vec![
                    Cell::from((i + 1).to_string()),
                    Cell::from(step.localize(lang)),
                ];
                match stats {
                    Some(s) => {
                        let (text, tone) = mark(s, lang);
                        row.extend([
                            Cell::from(s.count.to_string()),
                            Cell::from(mm_ss(s.median)),
                            Cell::from(mm_ss(s.slowest)),
                            Cell::from(mm_ss(step.standard())),
                            // Late requests stand out only when they make the step late.
                            Cell::toned(
                                s.late.to_string(),
                                if s.is_late() { tone } else { Tone::Normal },
                            ),
                            Cell::toned(text, tone),
                        ]);
                    }
                    None => row.extend([
                        Cell::from("0"),
                        Cell::from("-"),
                        Cell::from("-"),
                        Cell::from(mm_ss(step.standard())),
                        Cell::from("-"),
                        Cell::from(lang.pick("belum ada data", "no data")),
                    ]),
                }
                row
            })
            .collect()
    };
    let steps_section = Section {
        heading: Some(
            lang.pick("Waktu per tahap SOP", "Time per SOP step")
                .to_owned(),
        ),
        width: 1.0,
        columns: vec![
            Column::new("No", 0.45, Align::Right, 1),
            Column::new(lang.pick("Tahap SOP", "SOP step"), 4.0, Align::Left, 2),
            Column::new(lang.pick("Jumlah", "Count"), 0.95, Align::Right, 1),
            Column::new("Median", 1.05, Align::Right, 1),
            Column::new(lang.pick("Terlama", "Slowest"), 1.05, Align::Right, 1),
            Column::new(lang.pick("Baku mutu", "Standard"), 1.05, Align::Right, 1),
            Column::new(lang.pick("Terlambat", "Late"), 1.05, Align::Right, 1),
            Column::new("Status", 1.7, Align::Center, 1),
        ],
        rows: step_rows,
        empty: lang.pick("Tidak ada permohonan", "No requests").to_owned(),
        note: Some(
            lang.pick(
                "Waktu dalam menit:detik. Baku mutu: batas atas waktu standar tahap menurut SOP. \
                 Terlambat: jumlah permohonan yang melebihi baku mutu. Sebuah tahap TERLAMBAT bila \
                 mediannya melebihi baku mutu.",
                "Times in minutes:seconds. Standard: the upper end of the step's standard time in \
                 the SOP. Late: how many requests took longer than the standard. A step is LATE \
                 when its median is over the standard.",
            )
            .to_owned(),
        ),
    };
    layout::render(&Report {
        orientation: Orientation::Portrait,
        lang,
        title: title(lang).to_owned(),
        facts: header.facts(lang, Vec::new()),
        running: header.running(title(lang)),
        footer: header.footer(lang),
        body_size: 9.0,
        sections: vec![totals_section, steps_section],
        software: header.software(),
        created: header.generated_at,
    })
}
