//! Simulated applicants for training and demos: valid biodata (a NIK that agrees with the birth
//! date, sex and the station's kecamatan), a service type, and what happens to them at the desk
//! (an incomplete file, a missing finger, an applicant who cannot sign), all from a seed.

use chrono::{Datelike, NaiveDate};
use rekam_device::rng::SplitMix64;

use crate::domain::applicant::{BloodType, Nationality, Religion};
use crate::domain::{Biodata, MaritalStatus, ServiceType, Sex};
use crate::workflow::ExceptionKind;

/// The day's random choices, from a seed: a simulated day repeats exactly.
#[derive(Debug, Clone)]
pub struct Rng(SplitMix64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(SplitMix64::new(seed))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        self.0.unit()
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

const WOMEN: &[&str] = &[
    "Siti", "Sri", "Dewi", "Rina", "Wulan", "Ayu", "Nur", "Endang", "Yuli", "Ratna", "Tri", "Fitri",
];
const MEN: &[&str] = &[
    "Budi", "Agus", "Joko", "Slamet", "Bambang", "Eko", "Hendra", "Rizki", "Dedi", "Wahyu", "Arif",
    "Yusuf",
];
const FAMILY: &[&str] = &[
    "Santoso",
    "Wibowo",
    "Lestari",
    "Rahayu",
    "Saputra",
    "Pratama",
    "Hidayat",
    "Kurniawan",
    "Susanti",
    "Handayani",
    "Setiawan",
    "Purnomo",
];
const VILLAGES: &[&str] = &[
    "Kalisoro",
    "Tawangmangu",
    "Blumbang",
    "Gondosuli",
    "Plumbon",
];
const OCCUPATIONS: &[&str] = &[
    "Pelajar/Mahasiswa",
    "Petani/Pekebun",
    "Karyawan Swasta",
    "Wiraswasta",
    "Mengurus Rumah Tangga",
    "Buruh Harian Lepas",
];

/// What happens to one applicant at the desk.
#[derive(Debug, Clone, PartialEq)]
pub struct Applicant {
    pub number: u32,
    /// Seed of the applicant's body: face, fingerprints, irises, signature style.
    pub person: u64,
    pub service: ServiceType,
    pub biodata: Biodata,
    /// The file lacks the KK copy: returned at the requirement check.
    pub incomplete: bool,
    /// A finger that cannot be recorded, and why.
    pub finger_exception: Option<(u8, ExceptionKind, &'static str)>,
    /// An eye that cannot be recorded, and why.
    pub iris_exception: Option<(u8, ExceptionKind, &'static str)>,
    /// Cannot sign.
    pub signature_exception: Option<(ExceptionKind, &'static str)>,
}

/// The `number`th applicant of a day with `seed`, living in `kecamatan` (6 digits).
pub fn applicant(seed: u64, number: u32, kecamatan: &str, today: NaiveDate) -> Applicant {
    let mut r = Rng::new(seed ^ u64::from(number).wrapping_mul(0xD1B5_4A32_D192_ED03));
    let person = r.next_u64();
    let sex = if r.chance(0.5) { Sex::P } else { Sex::L };
    // Most first recordings are 17-year-olds; replacements come at any adult age.
    let service = *r.pick(&[
        ServiceType::RekamBaru,
        ServiceType::RekamBaru,
        ServiceType::RekamBaru,
        ServiceType::GantiRusak,
        ServiceType::GantiHilang,
        ServiceType::PerubahanData,
    ]);
    let age = if service == ServiceType::RekamBaru && r.chance(0.8) {
        17
    } else {
        18 + r.below(60) as i32
    };
    let year = today.year() - age - 1;
    let born = NaiveDate::from_yo_opt(year, 1 + r.below(365) as u32).unwrap_or(today);
    let day = born.day() + if sex == Sex::P { 40 } else { 0 };
    let nik = format!(
        "{kecamatan}{day:02}{:02}{:02}{:04}",
        born.month(),
        born.year() % 100,
        1 + r.below(9998)
    );
    let given = if sex == Sex::P {
        r.pick(WOMEN)
    } else {
        r.pick(MEN)
    };
    let full_name = format!("{given} {}", r.pick(FAMILY));
    let married = age > 24 && r.chance(0.7);
    let biodata = Biodata {
        nik,
        kk_number: format!(
            "{kecamatan}{:02}{:02}{:02}{:04}",
            1 + r.below(28),
            1 + r.below(12),
            10 + r.below(15),
            1 + r.below(9998)
        ),
        full_name,
        birth_place: "Karanganyar".into(),
        birth_date: born,
        sex,
        blood_type: *r.pick(&[BloodType::A, BloodType::B, BloodType::AB, BloodType::O]),
        address: format!("Jl. Lawu No. {}", 1 + r.below(120)),
        rt: format!("{}", 1 + r.below(9)),
        rw: format!("{}", 1 + r.below(12)),
        village: r.pick(VILLAGES).to_string(),
        address_region: kecamatan.to_owned(),
        religion: *r.pick(&[
            Religion::Islam,
            Religion::Islam,
            Religion::Islam,
            Religion::Kristen,
            Religion::Katolik,
            Religion::Hindu,
        ]),
        marital_status: if married {
            MaritalStatus::Kawin
        } else {
            MaritalStatus::BelumKawin
        },
        occupation: if age < 20 {
            "Pelajar/Mahasiswa".into()
        } else {
            r.pick(OCCUPATIONS).to_string()
        },
        nationality: Nationality::Wni,
    };
    let finger_exception = r.chance(0.03).then(|| {
        let finger = 1 + r.below(10) as u8;
        if r.chance(0.5) {
            (finger, ExceptionKind::Missing, "Jari diamputasi")
        } else {
            (finger, ExceptionKind::Injured, "Jari diperban, luka")
        }
    });
    let iris_exception = r.chance(0.01).then(|| {
        (
            1 + r.below(2) as u8,
            ExceptionKind::Injured,
            "Mata sedang infeksi",
        )
    });
    let signature_exception = r.chance(0.02).then_some((
        ExceptionKind::Unable,
        "Tidak dapat menulis; cap jempol di formulir",
    ));
    Applicant {
        number,
        person,
        service,
        biodata,
        incomplete: r.chance(0.08),
        finger_exception,
        iris_exception,
        signature_exception,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::nik::check_nik;

    #[test]
    fn applicants_have_valid_niks_that_agree_with_their_biodata() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 21).expect("date");
        for n in 0..300 {
            let a = applicant(42, n, "331301", today);
            let report = check_nik(
                &a.biodata.nik,
                today,
                Some(a.biodata.birth_date),
                Some(a.biodata.sex),
            );
            assert!(
                report.errors.is_empty(),
                "{:?}: {:?}",
                a.biodata.nik,
                report.errors
            );
            assert!(
                report.warnings.is_empty(),
                "{:?}: {:?}",
                a.biodata.nik,
                report.warnings
            );
            assert!(
                crate::domain::applicant::eligibility(
                    a.biodata.birth_date,
                    a.biodata.marital_status,
                    today
                )
                .is_ok()
            );
        }
        assert_eq!(
            applicant(42, 7, "331301", today),
            applicant(42, 7, "331301", today)
        );
        assert_ne!(
            applicant(42, 7, "331301", today),
            applicant(43, 7, "331301", today)
        );
    }
}
