//! The day's reports for the supervisor who closes the day: the register book (buku register,
//! every request in call order, [`register`]) and the SOP report (time per SOP step against its
//! standard and the day's totals, [`sop`]), each as a PDF to print and sign and as a CSV for a
//! spreadsheet or the Dinas.
//!
//! The builders are pure: they take a [`ReportHeader`] and the data (`RegisterRow`s, a
//! `DaySummary`) and return bytes, so they are tested without a database. [`write_day_reports`]
//! reads one day from the store and saves the four files atomically.
//!
//! PDFs are drawn by krilla with Fira Sans (the font iced ships) through the small table layout in
//! `layout`; CSVs follow RFC 4180 (module `csv`). Times are the station's local time; the CSVs give
//! instants as ISO 8601 (`2026-11-21T08:05`) and durations in whole seconds, the PDFs as `HH:MM`
//! and `mm:ss`.

mod csv;
mod layout;
pub mod register;
pub mod sop;
#[cfg(all(test, feature = "kiosk"))]
mod tests;

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{NaiveDate, NaiveDateTime};

use crate::lang::Lang;
use crate::store::{Station, Store};

pub use register::{register_csv, register_pdf};
pub use sop::{sop_csv, sop_pdf};

/// The software version printed on every report.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What every report says about where and when it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportHeader {
    /// The six-digit kecamatan code (`331301`).
    pub kecamatan_code: String,
    /// The kecamatan's name.
    pub kecamatan_name: String,
    /// The station id within the kecamatan (`01`).
    pub station_id: String,
    /// The service day the report covers.
    pub date: NaiveDate,
    /// When the report was made, station's local time.
    pub generated_at: NaiveDateTime,
    /// The software version ([`VERSION`] unless a test says otherwise).
    pub version: String,
}

impl ReportHeader {
    /// The header for `station`'s report of `date`, made at `generated_at` (local time).
    pub fn new(station: &Station, date: NaiveDate, generated_at: NaiveDateTime) -> ReportHeader {
        ReportHeader {
            kecamatan_code: station.kecamatan_code.clone(),
            kecamatan_name: station.kecamatan_name.clone(),
            station_id: station.station_id.clone(),
            date,
            generated_at,
            version: VERSION.to_owned(),
        }
    }

    /// `<kind>-<kecamatan>-<station>-<YYYYMMDD>.<ext>`. Anything but ASCII letters and digits in
    /// the codes becomes `_`, so a damaged station row cannot make a path out of the name.
    pub fn file_name(&self, kind: &str, ext: &str) -> String {
        let clean = |s: &str| -> String {
            s.chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect()
        };
        format!(
            "{kind}-{}-{}-{}.{ext}",
            clean(&self.kecamatan_code),
            clean(&self.station_id),
            self.date.format("%Y%m%d")
        )
    }

    /// "331301 Kecamatan name", as the reports show the station's kecamatan.
    fn kecamatan(&self) -> String {
        format!("{} {}", self.kecamatan_code, self.kecamatan_name)
    }

    /// The label-value lines under a report's title, with `extra` lines after the date.
    fn facts(&self, lang: Lang, extra: Vec<(String, String)>) -> Vec<(String, String)> {
        let mut facts = vec![
            (
                lang.pick("Kecamatan", "Kecamatan").to_owned(),
                self.kecamatan(),
            ),
            (
                lang.pick("Stasiun perekaman", "Recording station")
                    .to_owned(),
                self.station_id.clone(),
            ),
            (lang.pick("Tanggal", "Date").to_owned(), pdf_date(self.date)),
        ];
        facts.extend(extra);
        facts.push((
            lang.pick("Dibuat", "Generated").to_owned(),
            pdf_date_time(self.generated_at),
        ));
        facts.push((
            lang.pick("Perangkat lunak", "Software").to_owned(),
            self.software(),
        ));
        facts
    }

    /// The one line at the top of every page after the first.
    fn running(&self, title: &str) -> String {
        format!(
            "{title} · {} · {} · {}",
            self.kecamatan(),
            self.station_id,
            pdf_date(self.date)
        )
    }

    /// The left side of every page's footer.
    fn footer(&self, lang: Lang) -> String {
        format!(
            "{} · {} {}",
            self.software(),
            lang.pick("dibuat", "generated"),
            pdf_date_time(self.generated_at)
        )
    }

    /// "Rekam 0.1.0".
    fn software(&self) -> String {
        format!("Rekam {}", self.version)
    }
}

/// Where [`write_day_reports`] put the four files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayReports {
    /// The register book to print and sign.
    pub register_pdf: PathBuf,
    /// The register book for a spreadsheet.
    pub register_csv: PathBuf,
    /// The SOP report to print.
    pub sop_pdf: PathBuf,
    /// The SOP report for a spreadsheet.
    pub sop_csv: PathBuf,
}

/// Writes the four files into `dir` (created if missing), each atomically (write a temp file in
/// `dir`, fsync, rename), named `register-<kecamatan>-<station>-<YYYYMMDD>.pdf|.csv` and
/// `sop-<kecamatan>-<station>-<YYYYMMDD>.pdf|.csv`. Every document is made before the first file
/// is written, so a failure to lay one out leaves the directory as it was.
pub fn write_day_reports(
    store: &Store,
    date: NaiveDate,
    lang: Lang,
    dir: &Path,
) -> anyhow::Result<DayReports> {
    let rows = store.day_register(date)?;
    let summary = store.day_summary(date)?;
    let header = ReportHeader::new(store.station(), date, store.clock().now().naive_local());
    let register = (
        register_pdf(&header, &rows, lang)?,
        register_csv(&header, &rows, lang),
    );
    let sop = (
        sop_pdf(&header, &summary, lang)?,
        sop_csv(&header, &summary, lang),
    );
    let save = |kind: &str, ext: &str, bytes: &[u8]| -> anyhow::Result<PathBuf> {
        let name = header.file_name(kind, ext);
        crate::print::save(dir, &name, bytes)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", dir.join(&name).display()))
    };
    Ok(DayReports {
        register_pdf: save("register", "pdf", &register.0)?,
        register_csv: save("register", "csv", register.1.as_bytes())?,
        sop_pdf: save("sop", "pdf", &sop.0)?,
        sop_csv: save("sop", "csv", sop.1.as_bytes())?,
    })
}

/// A date as the PDFs show it (`20-11-2026`, as on the other printed documents).
fn pdf_date(date: NaiveDate) -> String {
    date.format("%d-%m-%Y").to_string()
}

/// A local time as the PDFs show it (`20-11-2026 17:05`).
fn pdf_date_time(at: NaiveDateTime) -> String {
    at.format("%d-%m-%Y %H:%M").to_string()
}

/// A local time as the CSVs give it: ISO 8601 to the minute (`2026-11-21T08:05`).
fn iso_minute(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%dT%H:%M").to_string()
}

/// A duration as the PDFs show it: `mm:ss` in whole seconds, minutes past 59 kept (`75:00`).
fn mm_ss(d: Duration) -> String {
    let s = d.as_secs();
    format!("{:02}:{:02}", s / 60, s % 60)
}
