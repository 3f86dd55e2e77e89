//! The applicant's biodata as printed on the KTP-el, its validation, and eligibility for recording.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::coded_enum;
use crate::lang::{Lang, Localize};

coded_enum! {
    /// Jenis kelamin, as on the card: L (laki-laki) or P (perempuan).
    pub enum Sex {
        L = "L",
        P = "P",
    }
}

impl Localize for Sex {
    fn localize(&self, lang: Lang) -> String {
        match self {
            Sex::L => lang.pick("Laki-laki", "male"),
            Sex::P => lang.pick("Perempuan", "female"),
        }
        .to_owned()
    }
}

coded_enum! {
    /// Agama, the seven values SIAK accepts.
    pub enum Religion {
        Islam = "islam",
        Kristen = "kristen",
        Katolik = "katolik",
        Hindu = "hindu",
        Buddha = "buddha",
        Konghucu = "konghucu",
        /// Kepercayaan terhadap Tuhan YME.
        Kepercayaan = "kepercayaan",
    }
}

coded_enum! {
    /// Status perkawinan.
    pub enum MaritalStatus {
        BelumKawin = "belum_kawin",
        Kawin = "kawin",
        CeraiHidup = "cerai_hidup",
        CeraiMati = "cerai_mati",
    }
}

impl MaritalStatus {
    /// Married or ever married: such an applicant is eligible below 17.
    pub fn ever_married(self) -> bool {
        self != MaritalStatus::BelumKawin
    }
}

coded_enum! {
    /// Golongan darah; `Unknown` prints as "-".
    #[derive(Default)]
    pub enum BloodType {
        A = "A",
        B = "B",
        AB = "AB",
        O = "O",
        #[default]
        Unknown = "-",
    }
}

coded_enum! {
    /// Kewarganegaraan. Foreign residents get a KTP-el too (with an orange photo background).
    #[derive(Default)]
    pub enum Nationality {
        #[default]
        Wni = "wni",
        Wna = "wna",
    }
}

/// The biodata of a KTP-el, as entered at the desk (F-1.02 form).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Biodata {
    pub nik: String,
    pub kk_number: String,
    pub full_name: String,
    pub birth_place: String,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    #[serde(default)]
    pub blood_type: BloodType,
    pub address: String,
    pub rt: String,
    pub rw: String,
    /// Kelurahan / desa.
    pub village: String,
    /// The 6-digit kecamatan code of the address.
    pub address_region: String,
    pub religion: Religion,
    pub marital_status: MaritalStatus,
    pub occupation: String,
    #[serde(default)]
    pub nationality: Nationality,
}

/// A field of [`Biodata`] that is not acceptable, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub problem: FieldProblem,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FieldProblem {
    Empty,
    TooLong {
        max: usize,
    },
    /// A character a name may not contain.
    BadCharacter {
        character: char,
    },
    NoLetter,
    NotDigits {
        len: usize,
    },
    FutureDate,
    TooOld,
    UnknownRegion,
}

/// Longest name SIAK stores and the card prints.
pub const MAX_NAME: usize = 60;

/// Normalises a person's name as the card prints it: trimmed, single spaces, upper case. Letters of
/// any script, spaces, apostrophes, periods, commas and hyphens are allowed; a single name is fine.
pub fn normalize_name(raw: &str) -> Result<String, FieldProblem> {
    let name = raw
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_uppercase();
    if name.is_empty() {
        return Err(FieldProblem::Empty);
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_alphabetic() || matches!(c, ' ' | '\'' | '’' | '.' | ',' | '-')))
    {
        return Err(FieldProblem::BadCharacter { character: c });
    }
    if !name.chars().any(char::is_alphabetic) {
        return Err(FieldProblem::NoLetter);
    }
    if name.chars().count() > MAX_NAME {
        return Err(FieldProblem::TooLong { max: MAX_NAME });
    }
    Ok(name)
}

fn text(raw: &str, max: usize) -> Result<String, FieldProblem> {
    let t = raw
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_uppercase();
    if t.is_empty() {
        Err(FieldProblem::Empty)
    } else if t.chars().count() > max {
        Err(FieldProblem::TooLong { max })
    } else {
        Ok(t)
    }
}

fn rt_rw(raw: &str) -> Result<String, FieldProblem> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(FieldProblem::Empty);
    }
    if t.len() > 3 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FieldProblem::NotDigits { len: 3 });
    }
    Ok(format!("{:0>3}", t))
}

impl Biodata {
    /// Checks and normalises every field except the NIK and No. KK (see [`super::nik`]); returns
    /// every problem at once.
    pub fn normalized(&self, today: NaiveDate) -> Result<Biodata, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut out = self.clone();
        let mut field =
            |name: &'static str, r: Result<String, FieldProblem>, slot: &mut String| match r {
                Ok(v) => *slot = v,
                Err(problem) => errors.push(FieldError {
                    field: name,
                    problem,
                }),
            };
        field(
            "full_name",
            normalize_name(&self.full_name),
            &mut out.full_name,
        );
        field(
            "birth_place",
            text(&self.birth_place, 40),
            &mut out.birth_place,
        );
        field("address", text(&self.address, 120), &mut out.address);
        field("rt", rt_rw(&self.rt), &mut out.rt);
        field("rw", rt_rw(&self.rw), &mut out.rw);
        field("village", text(&self.village, 60), &mut out.village);
        field(
            "occupation",
            text(&self.occupation, 60),
            &mut out.occupation,
        );
        let region = self.address_region.trim();
        if region.len() != 6 || super::region::lookup_checked(region).is_none() {
            errors.push(FieldError {
                field: "address_region",
                problem: FieldProblem::UnknownRegion,
            });
        } else {
            out.address_region = region.to_owned();
        }
        if self.birth_date > today {
            errors.push(FieldError {
                field: "birth_date",
                problem: FieldProblem::FutureDate,
            });
        } else if self.birth_date.year() < today.year() - 130 {
            errors.push(FieldError {
                field: "birth_date",
                problem: FieldProblem::TooOld,
            });
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }
}

/// Full years of age on `on`.
pub fn age_on(birth_date: NaiveDate, on: NaiveDate) -> u32 {
    on.years_since(birth_date).unwrap_or(0)
}

/// Minimum age for a KTP-el, unless married or ever married.
pub const MIN_AGE: u32 = 17;

/// Why an applicant may not be recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Ineligible {
    pub age: u32,
    /// The day the applicant turns 17.
    pub eligible_from: NaiveDate,
}

/// A KTP-el is for citizens aged 17, or married or ever married (UU 24/2013 art. 63).
pub fn eligibility(
    birth_date: NaiveDate,
    marital: MaritalStatus,
    on: NaiveDate,
) -> Result<(), Ineligible> {
    let age = age_on(birth_date, on);
    if age >= MIN_AGE || marital.ever_married() {
        return Ok(());
    }
    let eligible_from = birth_date
        .with_year(birth_date.year() + MIN_AGE as i32)
        // 29 February: the birthday falls on 1 March in a common year.
        .or_else(|| NaiveDate::from_ymd_opt(birth_date.year() + MIN_AGE as i32, 3, 1))
        .unwrap_or(on);
    Err(Ineligible { age, eligible_from })
}

impl Localize for Ineligible {
    fn localize(&self, lang: Lang) -> String {
        let from = self.eligible_from.format("%d-%m-%Y");
        match lang {
            Lang::Id => format!(
                "Pemohon berumur {} tahun dan belum pernah kawin: KTP-el baru dapat direkam mulai {from}.",
                self.age
            ),
            Lang::En => format!(
                "The applicant is {} and has never been married: the KTP-el can be recorded from {from}.",
                self.age
            ),
        }
    }
}

impl Localize for FieldError {
    fn localize(&self, lang: Lang) -> String {
        let label = match (self.field, lang) {
            ("full_name", Lang::Id) => "Nama lengkap",
            ("birth_place", Lang::Id) => "Tempat lahir",
            ("birth_date", Lang::Id) => "Tanggal lahir",
            ("address", Lang::Id) => "Alamat",
            ("village", Lang::Id) => "Kelurahan/desa",
            ("occupation", Lang::Id) => "Pekerjaan",
            ("address_region", Lang::Id) => "Kode kecamatan alamat",
            ("full_name", Lang::En) => "Full name",
            ("birth_place", Lang::En) => "Place of birth",
            ("birth_date", Lang::En) => "Date of birth",
            ("address", Lang::En) => "Address",
            ("village", Lang::En) => "Village",
            ("occupation", Lang::En) => "Occupation",
            ("address_region", Lang::En) => "Kecamatan code of the address",
            (other, _) => other,
        };
        let label = match self.field {
            "rt" => "RT",
            "rw" => "RW",
            _ => label,
        };
        let problem = match &self.problem {
            FieldProblem::Empty => lang.pick("belum diisi", "is empty").to_owned(),
            FieldProblem::TooLong { max } => match lang {
                Lang::Id => format!("terlalu panjang (paling banyak {max} huruf)"),
                Lang::En => format!("is too long (at most {max} characters)"),
            },
            FieldProblem::BadCharacter { character } => match lang {
                Lang::Id => format!("tidak boleh berisi '{character}'"),
                Lang::En => format!("may not contain '{character}'"),
            },
            FieldProblem::NoLetter => lang
                .pick("harus berisi huruf", "must contain letters")
                .to_owned(),
            FieldProblem::NotDigits { len } => match lang {
                Lang::Id => format!("harus berupa angka, paling banyak {len} digit"),
                Lang::En => format!("must be a number of at most {len} digits"),
            },
            FieldProblem::FutureDate => lang
                .pick("ada di masa depan", "is in the future")
                .to_owned(),
            FieldProblem::TooOld => lang.pick("tidak masuk akal", "is implausible").to_owned(),
            FieldProblem::UnknownRegion => lang.pick("tidak dikenal", "is unknown").to_owned(),
        };
        format!("{label} {problem}.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn names_keep_apostrophes_and_single_names() {
        assert_eq!(normalize_name("  sukarno ").as_deref(), Ok("SUKARNO"));
        assert_eq!(
            normalize_name("Ma'ruf   Amin").as_deref(),
            Ok("MA'RUF AMIN")
        );
        assert_eq!(
            normalize_name("R.A. Kartini-Djojo, S.Pd").as_deref(),
            Ok("R.A. KARTINI-DJOJO, S.PD")
        );
        assert_eq!(normalize_name(""), Err(FieldProblem::Empty));
        assert_eq!(
            normalize_name("Budi2"),
            Err(FieldProblem::BadCharacter { character: '2' })
        );
        assert_eq!(normalize_name("' - ."), Err(FieldProblem::NoLetter));
        assert_eq!(
            normalize_name(&"A".repeat(61)),
            Err(FieldProblem::TooLong { max: 60 })
        );
    }

    #[test]
    fn eligibility_at_seventeen_or_married() {
        let born = d(2009, 11, 22);
        let today = d(2026, 11, 21);
        assert_eq!(
            eligibility(born, MaritalStatus::BelumKawin, today),
            Err(Ineligible {
                age: 16,
                eligible_from: d(2026, 11, 22)
            })
        );
        assert!(eligibility(born, MaritalStatus::BelumKawin, d(2026, 11, 22)).is_ok());
        assert!(eligibility(born, MaritalStatus::Kawin, today).is_ok());
        assert!(eligibility(born, MaritalStatus::CeraiHidup, today).is_ok());
        let leap = eligibility(d(2012, 2, 29), MaritalStatus::BelumKawin, today).unwrap_err();
        assert_eq!(leap.eligible_from, d(2029, 3, 1));
    }

    #[test]
    fn rt_rw_are_padded_numbers() {
        assert_eq!(rt_rw("3").as_deref(), Ok("003"));
        assert_eq!(rt_rw("1a"), Err(FieldProblem::NotDigits { len: 3 }));
        assert_eq!(rt_rw(""), Err(FieldProblem::Empty));
    }
}
