//! The intake form: its text fields and choices, the labels of their values, the form as
//! typed, and every check of it at once ([`Form::review`]).

use chrono::NaiveDate;

use crate::domain::applicant::{self, BloodType, FieldError, Ineligible, Nationality, Religion};
use crate::domain::nik::{self, KkNumber, Nik, Report};
use crate::domain::service::Check;
use crate::domain::{Biodata, MaritalStatus, Requirement, ServiceType, Sex};
use crate::lang::Localize;
use crate::ui::i18n::{Tr, tk};

/// A text field of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Field {
    Nik,
    Kk,
    FullName,
    BirthPlace,
    BirthDate,
    Address,
    Rt,
    Rw,
    Village,
    Region,
    Occupation,
}

/// (field, widget id, label key, the name `Biodata::normalized` gives it in errors)
const FIELDS: [(Field, &str, &str, &str); 11] = [
    (Field::Nik, "intake-nik", tk("intake.nik"), "nik"),
    (Field::Kk, "intake-kk", tk("intake.kk"), "kk_number"),
    (
        Field::FullName,
        "intake-full-name",
        tk("intake.full_name"),
        "full_name",
    ),
    (
        Field::BirthPlace,
        "intake-birth-place",
        tk("intake.birth_place"),
        "birth_place",
    ),
    (
        Field::BirthDate,
        "intake-birth-date",
        tk("intake.birth_date"),
        "birth_date",
    ),
    (
        Field::Address,
        "intake-address",
        tk("intake.address"),
        "address",
    ),
    (Field::Rt, "intake-rt", tk("intake.rt"), "rt"),
    (Field::Rw, "intake-rw", tk("intake.rw"), "rw"),
    (
        Field::Village,
        "intake-village",
        tk("intake.village"),
        "village",
    ),
    (
        Field::Region,
        "intake-region",
        tk("intake.region"),
        "address_region",
    ),
    (
        Field::Occupation,
        "intake-occupation",
        tk("intake.occupation"),
        "occupation",
    ),
];

impl Field {
    fn index(self) -> usize {
        self as usize
    }

    pub fn id(self) -> &'static str {
        FIELDS[self.index()].1
    }

    pub(super) fn label(self) -> &'static str {
        FIELDS[self.index()].2
    }

    fn from_biodata_name(name: &str) -> Option<Field> {
        FIELDS.iter().find(|f| f.3 == name).map(|f| f.0)
    }
}

/// A choice among the values of an enum, cycled by a letter key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    Sex,
    Blood,
    Religion,
    Marital,
    Nationality,
    Service,
}

pub(super) const SEXES: [(Sex, &str); 2] =
    [(Sex::L, tk("intake.sex_l")), (Sex::P, tk("intake.sex_p"))];
pub(super) const RELIGIONS: [(Religion, &str); 7] = [
    (Religion::Islam, tk("intake.religion_islam")),
    (Religion::Kristen, tk("intake.religion_kristen")),
    (Religion::Katolik, tk("intake.religion_katolik")),
    (Religion::Hindu, tk("intake.religion_hindu")),
    (Religion::Buddha, tk("intake.religion_buddha")),
    (Religion::Konghucu, tk("intake.religion_konghucu")),
    (Religion::Kepercayaan, tk("intake.religion_kepercayaan")),
];
pub(super) const MARITAL: [(MaritalStatus, &str); 4] = [
    (MaritalStatus::BelumKawin, tk("intake.marital_belum_kawin")),
    (MaritalStatus::Kawin, tk("intake.marital_kawin")),
    (MaritalStatus::CeraiHidup, tk("intake.marital_cerai_hidup")),
    (MaritalStatus::CeraiMati, tk("intake.marital_cerai_mati")),
];
pub(super) const NATIONALITIES: [(Nationality, &str); 2] = [
    (Nationality::Wni, tk("intake.nationality_wni")),
    (Nationality::Wna, tk("intake.nationality_wna")),
];
pub(super) const CHECKS: [(Check, &str); 3] = [
    (Check::Present, tk("intake.check_present")),
    (Check::Missing, tk("intake.check_missing")),
    (Check::NotApplicable, tk("intake.check_not_applicable")),
];

fn label_in<T: PartialEq>(table: &[(T, &'static str)], value: T, tr: Tr) -> String {
    table
        .iter()
        .find(|(v, _)| *v == value)
        .map(|(_, key)| tr.t(key))
        .unwrap_or_default()
}

pub(in crate::ui::screen) fn sex_label(s: Sex, tr: Tr) -> String {
    label_in(&SEXES, s, tr)
}

pub(in crate::ui::screen) fn religion_label(r: Religion, tr: Tr) -> String {
    label_in(&RELIGIONS, r, tr)
}

pub(in crate::ui::screen) fn marital_label(m: MaritalStatus, tr: Tr) -> String {
    label_in(&MARITAL, m, tr)
}

pub(in crate::ui::screen) fn nationality_label(n: Nationality, tr: Tr) -> String {
    label_in(&NATIONALITIES, n, tr)
}

pub(in crate::ui::screen) fn check_label(c: Check, tr: Tr) -> String {
    label_in(&CHECKS, c, tr)
}

pub(in crate::ui::screen) fn blood_label(b: BloodType, tr: Tr) -> String {
    match b {
        BloodType::Unknown => tr.t("intake.blood_unknown"),
        other => other.code().to_owned(),
    }
}

pub(in crate::ui::screen) fn ddmmyyyy(d: NaiveDate) -> String {
    d.format("%d-%m-%Y").to_string()
}

/// Reads a date typed as DD-MM-YYYY (also with `/`, `.` or spaces between the parts).
pub fn parse_date(raw: &str) -> Option<NaiveDate> {
    let parts: Vec<&str> = raw
        .trim()
        .split(['-', '/', '.', ' '])
        .filter(|p| !p.is_empty())
        .collect();
    let [d, m, y] = parts[..] else {
        return None;
    };
    if y.len() != 4 || !(d.len() <= 2 && m.len() <= 2) {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// The form as typed.
#[derive(Debug, Clone)]
pub(super) struct Form {
    values: [String; FIELDS.len()],
    pub(super) sex: Option<Sex>,
    pub(super) blood: BloodType,
    pub(super) religion: Option<Religion>,
    pub(super) marital: Option<MaritalStatus>,
    pub(super) nationality: Nationality,
    pub(super) service: Option<ServiceType>,
    pub(super) findings: Vec<(Requirement, Check)>,
}

impl Form {
    pub(super) fn new(kecamatan: String) -> Form {
        let mut form = Form {
            values: Default::default(),
            sex: None,
            blood: BloodType::Unknown,
            religion: None,
            marital: None,
            nationality: Nationality::Wni,
            service: None,
            findings: Vec::new(),
        };
        form.set(Field::Region, kecamatan);
        form
    }

    pub(super) fn get(&self, field: Field) -> &str {
        &self.values[field.index()]
    }

    pub(super) fn set(&mut self, field: Field, value: String) {
        self.values[field.index()] = value;
    }

    pub(super) fn fill(&mut self, b: &Biodata) {
        for (field, value) in [
            (Field::Nik, &b.nik),
            (Field::Kk, &b.kk_number),
            (Field::FullName, &b.full_name),
            (Field::BirthPlace, &b.birth_place),
            (Field::Address, &b.address),
            (Field::Rt, &b.rt),
            (Field::Rw, &b.rw),
            (Field::Village, &b.village),
            (Field::Region, &b.address_region),
            (Field::Occupation, &b.occupation),
        ] {
            self.set(field, value.clone());
        }
        self.set(Field::BirthDate, ddmmyyyy(b.birth_date));
        self.sex = Some(b.sex);
        self.blood = b.blood_type;
        self.religion = Some(b.religion);
        self.marital = Some(b.marital_status);
        self.nationality = b.nationality;
    }

    pub(super) fn finding(&self, req: Requirement) -> Option<Check> {
        self.findings
            .iter()
            .find(|(r, _)| *r == req)
            .map(|(_, c)| *c)
    }

    pub(super) fn set_finding(&mut self, req: Requirement, check: Check) {
        self.findings.retain(|(r, _)| *r != req);
        self.findings.push((req, check));
    }

    pub(super) fn set_service(&mut self, service: ServiceType) {
        self.service = Some(service);
        // Findings of documents that are on the new checklist too stay.
        let list = service.requirements();
        self.findings
            .retain(|(r, _)| list.iter().any(|(req, _)| req == r));
    }

    /// The requirements of the chosen service that have no finding yet.
    pub(super) fn unchecked(&self) -> Vec<Requirement> {
        self.service
            .map(|s| s.requirements())
            .unwrap_or_default()
            .iter()
            .filter(|(r, _)| self.finding(*r).is_none())
            .map(|(r, _)| *r)
            .collect()
    }

    /// Every check of the form at once.
    pub(super) fn review(&self, today: NaiveDate) -> Review {
        let born = parse_date(self.get(Field::BirthDate));
        let nik = nik::check_nik(self.get(Field::Nik), today, born, self.sex);
        let kk = nik::check_kk(self.get(Field::Kk), today);
        let mut problems = Vec::new();
        if born.is_none() {
            let key = if self.get(Field::BirthDate).trim().is_empty() {
                tk("intake.date_empty")
            } else {
                tk("intake.date_format")
            };
            problems.push((Slot::Field(Field::BirthDate), Problem::Key(key)));
        }
        for (missing, slot, key) in [
            (self.sex.is_none(), Slot::Sex, tk("intake.choose_sex")),
            (
                self.religion.is_none(),
                Slot::Religion,
                tk("intake.choose_religion"),
            ),
            (
                self.marital.is_none(),
                Slot::Marital,
                tk("intake.choose_marital"),
            ),
            (
                self.service.is_none(),
                Slot::Service,
                tk("intake.choose_service"),
            ),
        ] {
            if missing {
                problems.push((slot, Problem::Key(key)));
            }
        }
        let draft = Biodata {
            nik: self.get(Field::Nik).to_owned(),
            kk_number: self.get(Field::Kk).to_owned(),
            full_name: self.get(Field::FullName).to_owned(),
            birth_place: self.get(Field::BirthPlace).to_owned(),
            birth_date: born.unwrap_or(today),
            sex: self.sex.unwrap_or(Sex::L),
            blood_type: self.blood,
            address: self.get(Field::Address).to_owned(),
            rt: self.get(Field::Rt).to_owned(),
            rw: self.get(Field::Rw).to_owned(),
            village: self.get(Field::Village).to_owned(),
            address_region: self.get(Field::Region).to_owned(),
            religion: self.religion.unwrap_or(Religion::Islam),
            marital_status: self.marital.unwrap_or(MaritalStatus::BelumKawin),
            occupation: self.get(Field::Occupation).to_owned(),
            nationality: self.nationality,
        };
        let normalized = match draft.normalized(today) {
            Ok(b) => Some(b),
            Err(errors) => {
                for e in errors {
                    if let Some(field) = Field::from_biodata_name(e.field) {
                        problems.push((Slot::Field(field), Problem::Field(e)));
                    }
                }
                None
            }
        };
        let eligibility = match (born, self.marital) {
            (Some(b), Some(m)) => applicant::eligibility(b, m, today).err(),
            _ => None,
        };
        let valid = problems.is_empty() && nik.is_valid() && kk.is_valid();
        Review {
            nik,
            kk,
            born,
            problems,
            eligibility,
            biodata: normalized.filter(|_| valid),
        }
    }
}

/// Where a problem is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Slot {
    Field(Field),
    Sex,
    Religion,
    Marital,
    Service,
}

#[derive(Debug, Clone)]
enum Problem {
    Field(FieldError),
    Key(&'static str),
}

impl Problem {
    fn text(&self, tr: Tr) -> String {
        match self {
            Problem::Field(e) => e.localize(tr.lang()),
            Problem::Key(key) => tr.t(key),
        }
    }
}

/// The outcome of checking the form.
#[derive(Debug)]
pub(super) struct Review {
    pub(super) nik: Report<Nik>,
    pub(super) kk: Report<KkNumber>,
    pub(super) born: Option<NaiveDate>,
    problems: Vec<(Slot, Problem)>,
    pub(super) eligibility: Option<Ineligible>,
    /// The normalised biodata, when every field is acceptable.
    pub(super) biodata: Option<Biodata>,
}

impl Review {
    /// The first text field, in form order, that needs correcting.
    pub(super) fn first_bad_field(&self) -> Option<Field> {
        FIELDS.iter().map(|f| f.0).find(|field| match field {
            Field::Nik => !self.nik.is_valid(),
            Field::Kk => !self.kk.is_valid(),
            f => self
                .problems
                .iter()
                .any(|(slot, _)| *slot == Slot::Field(*f)),
        })
    }

    pub(super) fn problems_at(&self, slot: Slot, tr: Tr) -> Vec<String> {
        self.problems
            .iter()
            .filter(|(s, _)| *s == slot)
            .map(|(_, p)| p.text(tr))
            .collect()
    }
}
