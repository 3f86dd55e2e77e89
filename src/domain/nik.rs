//! NIK (Nomor Induk Kependudukan) and No. KK (family card number) validation.
//!
//! NIK: `PP KK CC DD MM YY SSSS`, 16 digits. PPKKCC is the kecamatan where the NIK was first issued
//! (it never changes; historical codes of split regions stay valid), DD the day of birth plus 40 for
//! women, MM the month, YY the year, SSSS a serial from 0001. No. KK: the same region prefix, then the
//! issue date DDMMYY (no +40) and a serial. A NIK that disagrees with a given birth date or sex is not
//! wrong for us to judge: that gives warnings, never errors (DOMAIN.md).

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::Sex;
use super::region::{self, Region, RegionError};
use crate::lang::{Lang, Localize};

/// Which kind of number is being checked: the messages name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum NumberKind {
    Nik,
    Kk,
}

impl NumberKind {
    fn label(self) -> &'static str {
        match self {
            NumberKind::Nik => "NIK",
            NumberKind::Kk => "No. KK",
        }
    }
}

/// A reason a NIK or No. KK is invalid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NumberError {
    Empty,
    /// A character that is neither a digit nor an accepted separator (space, `.`, `-`).
    BadCharacter {
        position: usize,
        character: char,
    },
    WrongLength {
        digits: usize,
    },
    UnknownProvince {
        code: String,
    },
    UnknownRegency {
        code: String,
    },
    UnknownKecamatan {
        code: String,
        regency: String,
    },
    /// The DDMMYY part is not a real date (for a NIK: day 01-31 or 41-71).
    InvalidDate {
        digits: String,
    },
    /// A No. KK issued after today.
    FutureDate {
        date: NaiveDate,
    },
    SerialZero,
}

/// Something worth telling the operator about a valid number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NumberWarning {
    BirthDateMismatch {
        from_number: NaiveDate,
        given: NaiveDate,
    },
    SexMismatch {
        from_number: Sex,
        given: Sex,
    },
    HistoricalRegion {
        old: String,
        current: String,
        year: u16,
    },
}

/// A valid NIK, decoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Nik {
    /// The 16 digits, separators removed.
    pub digits: String,
    pub region: Region,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    pub serial: u16,
}

/// A valid No. KK, decoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KkNumber {
    pub digits: String,
    pub region: Region,
    pub issue_date: NaiveDate,
    pub serial: u16,
}

/// The outcome of a check: the decoded number when it is valid, every error, every warning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report<T> {
    pub kind: NumberKind,
    pub value: Option<T>,
    pub errors: Vec<NumberError>,
    pub warnings: Vec<NumberWarning>,
}

impl<T> Report<T> {
    /// Whether the number may be used (warnings allowed).
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty() && self.value.is_some()
    }

    /// The decoded number, or the errors.
    pub fn into_result(self) -> Result<T, Vec<NumberError>> {
        match self.value {
            Some(v) if self.errors.is_empty() => Ok(v),
            _ => Err(self.errors),
        }
    }
}

/// Removes separators; reports the first character that is not a digit or separator.
fn digits_of(input: &str) -> Result<String, NumberError> {
    let mut digits = String::with_capacity(16);
    for (i, c) in input.trim().chars().enumerate() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '.' | '-' | '\t' => {}
            _ => {
                return Err(NumberError::BadCharacter {
                    position: i + 1,
                    character: c,
                });
            }
        }
    }
    if digits.is_empty() {
        return Err(NumberError::Empty);
    }
    if digits.len() != 16 {
        return Err(NumberError::WrongLength {
            digits: digits.len(),
        });
    }
    Ok(digits)
}

/// The start both checks share: an empty report, the 16 digits and the region they name. A
/// malformed input ends the check at once with its one error.
fn begin<T>(
    kind: NumberKind,
    input: &str,
) -> Result<(Report<T>, String, Option<Region>), Report<T>> {
    let mut report = Report {
        kind,
        value: None,
        errors: vec![],
        warnings: vec![],
    };
    match digits_of(input) {
        Ok(digits) => {
            let region = region_of(&digits, &mut report.errors, &mut report.warnings);
            Ok((report, digits, region))
        }
        Err(e) => {
            report.errors.push(e);
            Err(report)
        }
    }
}

fn two(s: &str, at: usize) -> u32 {
    // Callers pass only ASCII digits.
    s.as_bytes()[at..at + 2]
        .iter()
        .fold(0, |n, b| n * 10 + u32::from(b - b'0'))
}

/// Expands a 2-digit year to the latest year whose date is not after `today`.
fn expand_year(yy: u32, month: u32, day: u32, today: NaiveDate) -> Option<NaiveDate> {
    let recent = 2000 + yy as i32;
    let date = NaiveDate::from_ymd_opt(recent, month, day).filter(|d| *d <= today);
    date.or_else(|| NaiveDate::from_ymd_opt(recent - 100, month, day))
}

fn region_of(
    digits: &str,
    errors: &mut Vec<NumberError>,
    warnings: &mut Vec<NumberWarning>,
) -> Option<Region> {
    let prefix = &digits[..6];
    match region::lookup(prefix) {
        Ok((region, renumbered)) => {
            if let Some(r) = renumbered {
                warnings.push(NumberWarning::HistoricalRegion {
                    old: r.old.clone(),
                    current: r.new.clone(),
                    year: r.year,
                });
            }
            Some(region)
        }
        Err(e) => {
            errors.push(match e {
                RegionError::UnknownProvince => NumberError::UnknownProvince {
                    code: prefix[..2].into(),
                },
                RegionError::UnknownRegency => NumberError::UnknownRegency {
                    code: prefix[..4].into(),
                },
                RegionError::UnknownKecamatan => {
                    let regency =
                        region::renumbering(&prefix[..4]).map_or(&prefix[..4], |r| r.new.as_str());
                    NumberError::UnknownKecamatan {
                        code: prefix.into(),
                        regency: region::name(regency).unwrap_or_default().into(),
                    }
                }
            });
            None
        }
    }
}

fn serial_of(digits: &str, errors: &mut Vec<NumberError>) -> u16 {
    let serial = digits[12..].parse().unwrap_or(0);
    if serial == 0 {
        errors.push(NumberError::SerialZero);
    }
    serial
}

/// Checks a NIK. `today` bounds the birth date; `born` and `sex`, when given, are compared with
/// what the NIK encodes and produce warnings when they differ.
pub fn check_nik(
    input: &str,
    today: NaiveDate,
    born: Option<NaiveDate>,
    sex: Option<Sex>,
) -> Report<Nik> {
    let (mut report, digits, region) = match begin(NumberKind::Nik, input) {
        Ok(started) => started,
        Err(report) => return report,
    };

    let (raw_day, month, yy) = (two(&digits, 6), two(&digits, 8), two(&digits, 10));
    let (day, nik_sex) = if raw_day > 40 {
        (raw_day - 40, Sex::P)
    } else {
        (raw_day, Sex::L)
    };
    // A given birth date with the same two-digit year settles the century.
    let birth_date = match born {
        Some(b) if b.year().rem_euclid(100) as u32 == yy => {
            NaiveDate::from_ymd_opt(b.year(), month, day)
        }
        _ => expand_year(yy, month, day, today),
    }
    .filter(|_| (1..=31).contains(&day));
    if birth_date.is_none() {
        report.errors.push(NumberError::InvalidDate {
            digits: digits[6..12].into(),
        });
    }
    let serial = serial_of(&digits, &mut report.errors);

    if let Some(given) = sex.filter(|s| *s != nik_sex) {
        report.warnings.push(NumberWarning::SexMismatch {
            from_number: nik_sex,
            given,
        });
    }
    if let (Some(given), Some(from_number)) = (born, birth_date)
        && given != from_number
    {
        report
            .warnings
            .push(NumberWarning::BirthDateMismatch { from_number, given });
    }
    if let (Some(region), Some(birth_date), true) = (region, birth_date, report.errors.is_empty()) {
        report.value = Some(Nik {
            digits,
            region,
            birth_date,
            sex: nik_sex,
            serial,
        });
    }
    report
}

/// Checks a No. KK (family card number) issued no later than `today`.
pub fn check_kk(input: &str, today: NaiveDate) -> Report<KkNumber> {
    let (mut report, digits, region) = match begin(NumberKind::Kk, input) {
        Ok(started) => started,
        Err(report) => return report,
    };
    let (day, month, yy) = (two(&digits, 6), two(&digits, 8), two(&digits, 10));
    // No. KK were issued from the 1970s on: a two-digit year after this year is from the 1900s.
    let year = if 2000 + yy as i32 <= today.year() {
        2000 + yy as i32
    } else {
        1900 + yy as i32
    };
    let issue_date = NaiveDate::from_ymd_opt(year, month, day);
    match issue_date {
        None => report.errors.push(NumberError::InvalidDate {
            digits: digits[6..12].into(),
        }),
        Some(date) if date > today => report.errors.push(NumberError::FutureDate { date }),
        Some(_) => {}
    }
    let serial = serial_of(&digits, &mut report.errors);
    if let (Some(region), Some(issue_date), true) = (region, issue_date, report.errors.is_empty()) {
        report.value = Some(KkNumber {
            digits,
            region,
            issue_date,
            serial,
        });
    }
    report
}

fn ddmmyyyy(d: NaiveDate) -> String {
    d.format("%d-%m-%Y").to_string()
}

/// An error together with the kind of number it is about, for messages.
#[derive(Debug, Clone, Copy)]
pub struct Described<'a, E>(pub NumberKind, pub &'a E);

impl Localize for Described<'_, NumberError> {
    fn localize(&self, lang: Lang) -> String {
        let what = self.0.label();
        match self.1 {
            NumberError::Empty => match lang {
                Lang::Id => format!("{what} belum diisi."),
                Lang::En => format!("The {what} is empty."),
            },
            NumberError::BadCharacter {
                position,
                character,
            } => match lang {
                Lang::Id => format!(
                    "{what} hanya boleh berisi angka: '{character}' di posisi {position} tidak sah."
                ),
                Lang::En => format!(
                    "The {what} may contain only digits: '{character}' at position {position} is not allowed."
                ),
            },
            NumberError::WrongLength { digits } => match lang {
                Lang::Id => format!("{what} harus 16 digit, yang diisi {digits} digit."),
                Lang::En => format!("The {what} must have 16 digits, not {digits}."),
            },
            NumberError::UnknownProvince { code } => match lang {
                Lang::Id => format!("Kode provinsi {code} pada {what} tidak dikenal."),
                Lang::En => format!("The province code {code} of the {what} is unknown."),
            },
            NumberError::UnknownRegency { code } => match lang {
                Lang::Id => format!("Kode kabupaten/kota {code} pada {what} tidak dikenal."),
                Lang::En => format!("The regency/city code {code} of the {what} is unknown."),
            },
            NumberError::UnknownKecamatan { code, regency } => match lang {
                Lang::Id => {
                    format!("Kode kecamatan {code} pada {what} tidak dikenal di {regency}.")
                }
                Lang::En => {
                    format!("The kecamatan code {code} of the {what} is unknown in {regency}.")
                }
            },
            NumberError::InvalidDate { digits } => match (self.0, lang) {
                (NumberKind::Nik, Lang::Id) => format!(
                    "Bagian tanggal lahir {digits} pada NIK bukan tanggal yang sah (tanggal 01-31, atau 41-71 untuk perempuan)."
                ),
                (NumberKind::Nik, Lang::En) => format!(
                    "The birth date part {digits} of the NIK is not a real date (day 01-31, or 41-71 for women)."
                ),
                (NumberKind::Kk, Lang::Id) => {
                    format!("Bagian tanggal terbit {digits} pada No. KK bukan tanggal yang sah.")
                }
                (NumberKind::Kk, Lang::En) => {
                    format!("The issue date part {digits} of the No. KK is not a real date.")
                }
            },
            NumberError::FutureDate { date } => match lang {
                Lang::Id => format!(
                    "Tanggal terbit {what} ({}) ada di masa depan.",
                    ddmmyyyy(*date)
                ),
                Lang::En => format!(
                    "The issue date of the {what} ({}) is in the future.",
                    ddmmyyyy(*date)
                ),
            },
            NumberError::SerialZero => match lang {
                Lang::Id => format!("Nomor urut 0000 pada {what} tidak pernah diterbitkan."),
                Lang::En => format!("Serial 0000 of a {what} is never issued."),
            },
        }
    }
}

impl Localize for Described<'_, NumberWarning> {
    fn localize(&self, lang: Lang) -> String {
        let what = self.0.label();
        match self.1 {
            NumberWarning::BirthDateMismatch { from_number, given } => match lang {
                Lang::Id => format!(
                    "Tanggal lahir menurut {what} ({}) berbeda dengan yang diisi ({}). {what} tidak diubah; periksa dokumen dan lanjutkan.",
                    ddmmyyyy(*from_number),
                    ddmmyyyy(*given)
                ),
                Lang::En => format!(
                    "The birth date in the {what} ({}) differs from the one entered ({}). The {what} is not changed; check the documents and go on.",
                    ddmmyyyy(*from_number),
                    ddmmyyyy(*given)
                ),
            },
            NumberWarning::SexMismatch { from_number, given } => match lang {
                Lang::Id => format!(
                    "Jenis kelamin menurut {what} ({}) berbeda dengan yang diisi ({}).",
                    from_number.localize(lang),
                    given.localize(lang)
                ),
                Lang::En => format!(
                    "The sex in the {what} ({}) differs from the one entered ({}).",
                    from_number.localize(lang),
                    given.localize(lang)
                ),
            },
            NumberWarning::HistoricalRegion { old, current, year } => match lang {
                Lang::Id => format!(
                    "Kode wilayah {old} adalah kode lama (sejak {year} menjadi {current}); {what} tetap berlaku."
                ),
                Lang::En => format!(
                    "Region code {old} is a historical code (since {year} it is {current}); the {what} stays valid."
                ),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 21).expect("date")
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn decodes_a_man_and_a_woman() {
        let man = check_nik("3174071508950001", today(), None, None)
            .into_result()
            .expect("valid");
        assert_eq!(
            (man.birth_date, man.sex, man.serial),
            (date(1995, 8, 15), Sex::L, 1)
        );
        assert_eq!(man.region.kecamatan, "Kebayoran Baru");
        let woman = check_nik("3174075508950002", today(), None, None)
            .into_result()
            .expect("valid");
        assert_eq!((woman.birth_date, woman.sex), (date(1995, 8, 15), Sex::P));
    }

    #[test]
    fn separators_are_accepted() {
        assert!(check_nik("31.74.07 150895-0001", today(), None, None).is_valid());
    }

    #[test]
    fn century_is_the_latest_not_in_the_future() {
        let nik = |s| {
            check_nik(s, today(), None, None)
                .into_result()
                .expect("valid")
                .birth_date
        };
        assert_eq!(nik("3174070101260001"), date(2026, 1, 1));
        assert_eq!(nik("3174070112260001"), date(1926, 12, 1)); // 1 Dec 2026 is after today
        assert_eq!(nik("3174072902000001"), date(2000, 2, 29));
    }

    #[test]
    fn every_error_is_reported_at_once() {
        let r = check_nik("9999993213990000", today(), None, None);
        assert_eq!(
            r.errors,
            vec![
                NumberError::UnknownProvince { code: "99".into() },
                NumberError::InvalidDate {
                    digits: "321399".into()
                },
                NumberError::SerialZero,
            ]
        );
        assert!(r.value.is_none());
    }

    #[test]
    fn malformed_input_gets_one_clear_error() {
        let first = |s| check_nik(s, today(), None, None).errors;
        assert_eq!(first(""), vec![NumberError::Empty]);
        assert_eq!(first("   "), vec![NumberError::Empty]);
        assert_eq!(
            first("317407150895001"),
            vec![NumberError::WrongLength { digits: 15 }]
        );
        assert_eq!(
            first("31740715089500011"),
            vec![NumberError::WrongLength { digits: 17 }]
        );
        assert_eq!(
            first("3174O71508950001"),
            vec![NumberError::BadCharacter {
                position: 5,
                character: 'O'
            }]
        );
    }

    #[test]
    fn day_between_31_and_41_is_invalid() {
        for day in ["00", "32", "40", "72", "99"] {
            let nik = format!("317407{day}08950001");
            assert!(
                matches!(
                    check_nik(&nik, today(), None, None).errors[..],
                    [NumberError::InvalidDate { .. }]
                ),
                "{nik}"
            );
        }
        assert!(!check_nik("3174073102950001", today(), None, None).is_valid()); // 31 February
        assert!(!check_nik("3174071513950001", today(), None, None).is_valid()); // month 13
    }

    #[test]
    fn disagreement_with_the_file_is_a_warning_only() {
        let r = check_nik(
            "3174071508950001",
            today(),
            Some(date(1995, 8, 16)),
            Some(Sex::P),
        );
        assert!(r.is_valid());
        assert_eq!(
            r.warnings,
            vec![
                NumberWarning::SexMismatch {
                    from_number: Sex::L,
                    given: Sex::P
                },
                NumberWarning::BirthDateMismatch {
                    from_number: date(1995, 8, 15),
                    given: date(1995, 8, 16)
                },
            ]
        );
        // The same two-digit year in the file settles the century: a centenarian is no mismatch.
        let old = check_nik("3174071508250001", today(), Some(date(1925, 8, 15)), None);
        assert!(old.is_valid() && old.warnings.is_empty(), "{old:?}");
    }

    #[test]
    fn historical_region_code_is_valid_with_a_notice() {
        let r = check_nik("9101011508950001", today(), None, None);
        assert!(r.is_valid());
        assert_eq!(
            r.warnings,
            vec![NumberWarning::HistoricalRegion {
                old: "9101".into(),
                current: "9301".into(),
                year: 2022
            }]
        );
    }

    #[test]
    fn kk_number() {
        let kk = check_kk("3174071203150004", today())
            .into_result()
            .expect("valid");
        assert_eq!(kk.issue_date, date(2015, 3, 12));
        // Women's +40 does not apply to a family card.
        assert!(!check_kk("3174075203150004", today()).is_valid());
        assert_eq!(
            check_kk("3174070112260004", today()).errors,
            vec![NumberError::FutureDate {
                date: date(2026, 12, 1)
            }]
        );
    }

    #[test]
    fn messages_exist_in_both_languages() {
        let e = NumberError::WrongLength { digits: 15 };
        assert_eq!(
            Described(NumberKind::Nik, &e).localize(Lang::Id),
            "NIK harus 16 digit, yang diisi 15 digit."
        );
        assert_eq!(
            Described(NumberKind::Nik, &e).localize(Lang::En),
            "The NIK must have 16 digits, not 15."
        );
    }

    proptest! {
        #[test]
        fn never_panics_on_any_input(s in "\\PC{0,40}") {
            let r = check_nik(&s, today(), None, None);
            prop_assert!(r.is_valid() || !r.errors.is_empty());
            let _ = check_kk(&s, today());
        }

        #[test]
        fn every_well_formed_nik_decodes_back(
            day in 1u32..=28, month in 1u32..=12, year in 1930i32..=2026, female: bool, serial in 1u16..=9999
        ) {
            let born = date(year, month, day);
            prop_assume!(born <= today());
            let dd = if female { day + 40 } else { day };
            let nik = format!("317407{dd:02}{month:02}{:02}{serial:04}", year % 100);
            let sex = if female { Sex::P } else { Sex::L };
            let r = check_nik(&nik, today(), Some(born), Some(sex));
            prop_assert!(r.warnings.is_empty(), "{:?}", r.warnings);
            let v = r.into_result().expect("valid");
            prop_assert_eq!((v.birth_date, v.sex, v.serial), (born, sex, serial));
        }
    }
}
