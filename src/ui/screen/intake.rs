//! Intake: the applicant's file. NIK and No. KK with live validation, the KTP-el biodata, the
//! service type and its requirement checklist. "Terima berkas" takes the file in, records the
//! checklist and, when everything is there, enters the request in the register book and goes on
//! to verification; an incomplete file is returned with a printable slip of what is missing.
//!
//! Opened at `TicketCalled` (a new file) or `FileReceived` (resumed after a restart: the stored
//! biodata is shown read-only and only the checklist is left to do).
//!
//! Keys: Tab/Enter next field, Ctrl+Enter accept, Esc leave a field then cancel the request,
//! F4 birth date and sex from the NIK, F6 read the old KTP-el, F7 sample data (simulated
//! stations), and with no field focused: digits cycle the n-th requirement, K G A S W L cycle
//! sex, blood type, religion, marital status, nationality and service.

use std::collections::BTreeSet;
use std::path::PathBuf;

use chrono::{Datelike, NaiveDate};
use iced::keyboard::{Key, Modifiers, key::Named};
use iced::widget::{button, column, container, row, scrollable, space, text, text_input};
use iced::{Alignment, Element, Length, Subscription, Task};
use rekam_device::{Backend, DeviceClass};
use rekam_smartcard::ApplicantCard;

use super::{Action, Nav};
use crate::devices::live::{self, SimCard};
use crate::domain::applicant::{self, BloodType, FieldError, Ineligible, Nationality, Religion};
use crate::domain::nik::{self, Described, KkNumber, Nik, NumberKind, Report};
use crate::domain::service::{Check, Need};
use crate::domain::{Biodata, MaritalStatus, Requirement, ServiceType, Sex, region};
use crate::lang::{Lang, Localize};
use crate::print::slip::{ReturnSlip, return_slip_pdf};
use crate::simulate::people;
use crate::ui::app::Ctx;
use crate::ui::applicant::Guide;
use crate::ui::db::Failure;
use crate::ui::device::DeviceProblem;
use crate::ui::i18n::{Tr, tk};
use crate::ui::theme::{self, Tone};
use crate::ui::widget::header::{self, Stage};
use crate::workflow::applicant_view::{ApplicantFile, OtherRequest};
use crate::workflow::{CheckOutcome, RequestView, Step, WorkflowError};

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

    fn label(self) -> &'static str {
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

const SEXES: [(Sex, &str); 2] = [(Sex::L, tk("intake.sex_l")), (Sex::P, tk("intake.sex_p"))];
const RELIGIONS: [(Religion, &str); 7] = [
    (Religion::Islam, tk("intake.religion_islam")),
    (Religion::Kristen, tk("intake.religion_kristen")),
    (Religion::Katolik, tk("intake.religion_katolik")),
    (Religion::Hindu, tk("intake.religion_hindu")),
    (Religion::Buddha, tk("intake.religion_buddha")),
    (Religion::Konghucu, tk("intake.religion_konghucu")),
    (Religion::Kepercayaan, tk("intake.religion_kepercayaan")),
];
const MARITAL: [(MaritalStatus, &str); 4] = [
    (MaritalStatus::BelumKawin, tk("intake.marital_belum_kawin")),
    (MaritalStatus::Kawin, tk("intake.marital_kawin")),
    (MaritalStatus::CeraiHidup, tk("intake.marital_cerai_hidup")),
    (MaritalStatus::CeraiMati, tk("intake.marital_cerai_mati")),
];
const NATIONALITIES: [(Nationality, &str); 2] = [
    (Nationality::Wni, tk("intake.nationality_wni")),
    (Nationality::Wna, tk("intake.nationality_wna")),
];
const CHECKS: [(Check, &str); 3] = [
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

pub(super) fn sex_label(s: Sex, tr: Tr) -> String {
    label_in(&SEXES, s, tr)
}

pub(super) fn religion_label(r: Religion, tr: Tr) -> String {
    label_in(&RELIGIONS, r, tr)
}

pub(super) fn marital_label(m: MaritalStatus, tr: Tr) -> String {
    label_in(&MARITAL, m, tr)
}

pub(super) fn nationality_label(n: Nationality, tr: Tr) -> String {
    label_in(&NATIONALITIES, n, tr)
}

pub(super) fn check_label(c: Check, tr: Tr) -> String {
    label_in(&CHECKS, c, tr)
}

pub(super) fn blood_label(b: BloodType, tr: Tr) -> String {
    match b {
        BloodType::Unknown => tr.t("intake.blood_unknown"),
        other => other.code().to_owned(),
    }
}

pub(super) fn ddmmyyyy(d: NaiveDate) -> String {
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
struct Form {
    values: [String; FIELDS.len()],
    sex: Option<Sex>,
    blood: BloodType,
    religion: Option<Religion>,
    marital: Option<MaritalStatus>,
    nationality: Nationality,
    service: Option<ServiceType>,
    findings: Vec<(Requirement, Check)>,
}

impl Form {
    fn new(kecamatan: String) -> Form {
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

    fn get(&self, field: Field) -> &str {
        &self.values[field.index()]
    }

    fn set(&mut self, field: Field, value: String) {
        self.values[field.index()] = value;
    }

    fn fill(&mut self, b: &Biodata) {
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

    fn finding(&self, req: Requirement) -> Option<Check> {
        self.findings
            .iter()
            .find(|(r, _)| *r == req)
            .map(|(_, c)| *c)
    }

    fn set_finding(&mut self, req: Requirement, check: Check) {
        self.findings.retain(|(r, _)| *r != req);
        self.findings.push((req, check));
    }

    fn set_service(&mut self, service: ServiceType) {
        self.service = Some(service);
        // Findings of documents that are on the new checklist too stay.
        let list = service.requirements();
        self.findings
            .retain(|(r, _)| list.iter().any(|(req, _)| req == r));
    }

    /// The requirements of the chosen service that have no finding yet.
    fn unchecked(&self) -> Vec<Requirement> {
        self.service
            .map(|s| s.requirements())
            .unwrap_or_default()
            .iter()
            .filter(|(r, _)| self.finding(*r).is_none())
            .map(|(r, _)| *r)
            .collect()
    }

    /// Every check of the form at once.
    fn review(&self, today: NaiveDate) -> Review {
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
enum Slot {
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
struct Review {
    nik: Report<Nik>,
    kk: Report<KkNumber>,
    born: Option<NaiveDate>,
    problems: Vec<(Slot, Problem)>,
    eligibility: Option<Ineligible>,
    /// The normalised biodata, when every field is acceptable.
    biodata: Option<Biodata>,
}

impl Review {
    /// The first text field, in form order, that needs correcting.
    fn first_bad_field(&self) -> Option<Field> {
        FIELDS.iter().map(|f| f.0).find(|field| match field {
            Field::Nik => !self.nik.is_valid(),
            Field::Kk => !self.kk.is_valid(),
            f => self
                .problems
                .iter()
                .any(|(slot, _)| *slot == Slot::Field(*f)),
        })
    }

    fn problems_at(&self, slot: Slot, tr: Tr) -> Vec<String> {
        self.problems
            .iter()
            .filter(|(s, _)| *s == slot)
            .map(|(_, p)| p.text(tr))
            .collect()
    }
}

/// Something to tell the operator above the form.
#[derive(Debug, Clone)]
enum Notice {
    Failure(Failure),
    Problem(&'static str),
    CardRead { nik: String, name: String },
    SampleFilled,
}

/// The file was returned to the applicant.
#[derive(Debug, Clone)]
struct Returned {
    missing: Vec<Requirement>,
    ineligible: Option<Ineligible>,
    slip: Option<Result<PathBuf, Failure>>,
    printing: bool,
    printed: Option<Result<(), Failure>>,
}

#[derive(Debug)]
pub struct State {
    request: RequestView,
    today: NaiveDate,
    kecamatan: String,
    form: Form,
    /// The biodata is already stored (resumed at `FileReceived`): only the checklist is left.
    received: bool,
    /// Fields the operator has edited: their problems are shown as they type.
    touched: BTreeSet<Field>,
    /// Accept was pressed once: every problem is shown.
    tried: bool,
    busy: bool,
    notice: Option<Notice>,
    /// Other open requests of the NIK in `others_for`.
    others: Vec<OtherRequest>,
    others_for: String,
    /// The reason being typed for a cancellation, while the form for it is open.
    cancel: Option<String>,
    returned: Option<Returned>,
}

/// What loading the screen found.
#[derive(Debug, Clone)]
pub struct Loaded {
    today: NaiveDate,
    file: Option<ApplicantFile>,
}

/// What the accept job did.
#[derive(Debug, Clone)]
pub struct Submitted {
    /// The request's step after the job, whatever happened.
    step: Option<Step>,
    result: Result<CheckOutcome, Failure>,
}

#[derive(Debug, Clone)]
pub enum Message {
    Loaded(Result<Box<Loaded>, Failure>),
    Edit(Field, String),
    Sex(Sex),
    Blood(BloodType),
    Religion(Religion),
    Marital(MaritalStatus),
    Nationality(Nationality),
    Service(ServiceType),
    Finding(Requirement, Check),
    /// Cycles the finding of the n-th requirement (0-based).
    ToggleRequirement(usize),
    Cycle(Choice),
    FillFromNik,
    FocusNext,
    ReadCard,
    CardRead(Result<(String, String), Failure>),
    Sample,
    Others(String, Result<Vec<OtherRequest>, Failure>),
    Accept,
    Submitted(Result<Submitted, Failure>),
    SlipSaved(Result<PathBuf, Failure>),
    Print,
    Printed(Result<(), Failure>),
    ToQueue,
    AskCancel,
    CancelReason(String),
    ConfirmCancel,
    CloseCancel,
    Cancelled(Result<(), Failure>),
}

/// The simulated applicant of this ticket (training stations): the sample data and the card in
/// the simulated reader come from it. The seed follows the day, so each day has its own people.
pub fn sample_applicant(today: NaiveDate, kecamatan: &str, ticket: &str) -> people::Applicant {
    let n = ticket
        .rsplit('-')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    let seed = u64::try_from(today.num_days_from_ce()).unwrap_or(1);
    let mut a = people::applicant(seed, n, kecamatan, today);
    a.incomplete = false;
    a
}

/// Runs blocking work (card reader, printer, file system) on a thread of its own.
pub(super) async fn off_thread<T: Send + 'static>(
    name: &str,
    f: impl FnOnce() -> Result<T, Failure> + Send + 'static,
) -> Result<T, Failure> {
    let (tx, rx) = iced::futures::channel::oneshot::channel();
    std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            let _ = tx.send(f());
        })
        .map_err(Failure::other)?;
    rx.await
        .unwrap_or_else(|_| Err(Failure::internal("worker thread stopped")))
}

/// The return slip could not be written.
#[derive(Debug)]
struct SlipNotSaved {
    dir: PathBuf,
    error: String,
}

impl Localize for SlipNotSaved {
    fn localize(&self, lang: Lang) -> String {
        Tr(lang).f(
            "intake.slip_not_saved",
            &[("dir", &self.dir.display()), ("error", &self.error)],
        )
    }
}

impl State {
    pub fn new(ctx: &Ctx, request: RequestView) -> (State, Task<Message>) {
        let kecamatan = ctx
            .db
            .as_ref()
            .map(|db| db.station().kecamatan_code.clone())
            .unwrap_or_default();
        let mut state = State {
            today: chrono::Local::now().date_naive(),
            form: Form::new(kecamatan.clone()),
            kecamatan,
            received: request.step == Step::FileReceived,
            touched: BTreeSet::new(),
            tried: false,
            busy: false,
            notice: None,
            others: Vec::new(),
            others_for: String::new(),
            cancel: None,
            returned: None,
            request,
        };
        let load = match ctx.db() {
            Ok(db) => {
                let (id, resume) = (state.request.id, state.received);
                Task::perform(
                    db.call(move |s| {
                        let file = if resume { s.applicant_file(id)? } else { None };
                        Ok(Box::new(Loaded {
                            today: s.today(),
                            file,
                        }))
                    }),
                    Message::Loaded,
                )
            }
            Err(e) => {
                state.notice = Some(Notice::Failure(e));
                Task::none()
            }
        };
        let focus = iced::widget::operation::focus(Field::Nik.id());
        (state, Task::batch([load, focus]))
    }

    pub fn update(&mut self, message: Message, ctx: &Ctx) -> Action<Message> {
        match message {
            Message::Loaded(result) => return self.loaded(result, ctx),
            Message::Edit(field, value) => return self.edit(field, value, ctx),
            Message::Sex(v) => self.form.sex = Some(v),
            Message::Blood(v) => self.form.blood = v,
            Message::Religion(v) => self.form.religion = Some(v),
            Message::Marital(v) => self.form.marital = Some(v),
            Message::Nationality(v) => self.form.nationality = v,
            Message::Service(v) if !self.received => self.form.set_service(v),
            Message::Service(_) => {}
            Message::Finding(req, check) => self.set_finding(req, check),
            Message::ToggleRequirement(n) => self.toggle_requirement(n),
            Message::Cycle(choice) => self.cycle(choice),
            Message::FillFromNik => self.fill_from_nik(),
            Message::FocusNext => {
                return Action::Run(iced::widget::operation::focus_next());
            }
            Message::ReadCard => return self.read_card(ctx),
            Message::CardRead(result) => return self.card_read(result, ctx),
            Message::Sample => return self.sample(ctx),
            Message::Others(nik, result) => {
                if nik == self.others_for {
                    match result {
                        Ok(others) => self.others = others,
                        Err(e) => self.notice = Some(Notice::Failure(e)),
                    }
                }
            }
            Message::Accept => return self.accept(ctx),
            Message::Submitted(result) => return self.submitted(result, ctx),
            Message::SlipSaved(result) => {
                if let Some(r) = &mut self.returned {
                    r.slip = Some(result);
                }
            }
            Message::Print => return self.print(),
            Message::Printed(result) => {
                if let Some(r) = &mut self.returned {
                    r.printing = false;
                    r.printed = Some(result);
                }
            }
            Message::ToQueue => return Action::Go(Nav::Queue),
            Message::AskCancel => {
                if self.cancel.is_none() && !self.busy {
                    self.cancel = Some(String::new());
                    return Action::Run(iced::widget::operation::focus("intake-cancel-reason"));
                }
            }
            Message::CancelReason(v) => {
                if let Some(reason) = &mut self.cancel {
                    *reason = v;
                }
            }
            Message::ConfirmCancel => return self.confirm_cancel(ctx),
            Message::CloseCancel => self.cancel = None,
            Message::Cancelled(Ok(())) => return Action::Go(Nav::Queue),
            Message::Cancelled(Err(e)) => {
                self.busy = false;
                self.notice = Some(Notice::Failure(e));
            }
        }
        Action::None
    }

    fn loaded(&mut self, result: Result<Box<Loaded>, Failure>, ctx: &Ctx) -> Action<Message> {
        match result {
            Ok(loaded) => {
                self.today = loaded.today;
                match loaded.file {
                    Some(file) => {
                        self.form.fill(&file.biodata);
                        self.form.set_service(file.service);
                        self.form.findings = file.findings;
                    }
                    None if self.received => {
                        self.notice = Some(Notice::Failure(WorkflowError::NoBiodata.into()));
                    }
                    None => {}
                }
                self.check_others(ctx)
            }
            Err(e) => {
                self.notice = Some(Notice::Failure(e));
                Action::None
            }
        }
    }

    fn edit(&mut self, field: Field, value: String, ctx: &Ctx) -> Action<Message> {
        if self.received {
            return Action::None;
        }
        self.form.set(field, value);
        self.touched.insert(field);
        if field == Field::Nik {
            return self.check_others(ctx);
        }
        Action::None
    }

    /// Looks for other open requests of the NIK once it is valid (a warning, never a block).
    fn check_others(&mut self, ctx: &Ctx) -> Action<Message> {
        let report = nik::check_nik(self.form.get(Field::Nik), self.today, None, None);
        let Some(valid) = report.value else {
            self.others.clear();
            self.others_for.clear();
            return Action::None;
        };
        if valid.digits == self.others_for {
            return Action::None;
        }
        self.others.clear();
        self.others_for = valid.digits.clone();
        let Ok(db) = ctx.db() else {
            return Action::None;
        };
        let id = self.request.id;
        let digits = valid.digits;
        let nik = digits.clone();
        Action::Run(Task::perform(
            db.call(move |s| Ok(s.open_requests_with_nik(&nik, id)?)),
            move |result| Message::Others(digits, result),
        ))
    }

    fn requirements(&self) -> &'static [(Requirement, Need)] {
        self.form
            .service
            .map(|s| s.requirements())
            .unwrap_or_default()
    }

    fn set_finding(&mut self, req: Requirement, check: Check) {
        let need = self.requirements().iter().find(|(r, _)| *r == req);
        match need {
            // Only a document needed "if applicable" can be not applicable.
            Some((_, Need::Required)) if check == Check::NotApplicable => {}
            Some(_) => self.form.set_finding(req, check),
            None => {}
        }
    }

    fn toggle_requirement(&mut self, n: usize) {
        let Some(&(req, need)) = self.requirements().get(n) else {
            return;
        };
        let next = match (self.form.finding(req), need) {
            (None, _) => Check::Present,
            (Some(Check::Present), _) => Check::Missing,
            (Some(Check::Missing), Need::IfApplicable) => Check::NotApplicable,
            (Some(Check::Missing), Need::Required) | (Some(Check::NotApplicable), _) => {
                Check::Present
            }
        };
        self.form.set_finding(req, next);
    }

    fn cycle(&mut self, choice: Choice) {
        fn next<T: Copy + PartialEq>(all: &[T], now: Option<T>) -> Option<T> {
            let at = now.and_then(|v| all.iter().position(|x| *x == v));
            match at {
                Some(i) => all.get((i + 1) % all.len()).copied(),
                None => all.first().copied(),
            }
        }
        if self.received {
            return;
        }
        let f = &mut self.form;
        match choice {
            Choice::Sex => f.sex = next(Sex::ALL, f.sex),
            Choice::Blood => f.blood = next(BloodType::ALL, Some(f.blood)).unwrap_or_default(),
            Choice::Religion => f.religion = next(Religion::ALL, f.religion),
            Choice::Marital => f.marital = next(MaritalStatus::ALL, f.marital),
            Choice::Nationality => {
                f.nationality = next(Nationality::ALL, Some(f.nationality)).unwrap_or_default();
            }
            Choice::Service => {
                if let Some(s) = next(ServiceType::ALL, f.service) {
                    f.set_service(s);
                }
            }
        }
    }

    /// Takes the birth date and sex the NIK encodes.
    fn fill_from_nik(&mut self) {
        if self.received {
            return;
        }
        let report = nik::check_nik(self.form.get(Field::Nik), self.today, None, None);
        if let Some(n) = report.value {
            self.form.set(Field::BirthDate, ddmmyyyy(n.birth_date));
            self.form.sex = Some(n.sex);
            self.touched.insert(Field::BirthDate);
        }
    }

    fn read_card(&mut self, ctx: &Ctx) -> Action<Message> {
        if self.busy || self.received {
            return Action::None;
        }
        let settings = ctx.settings.clone();
        let backend = ctx.backends.smartcard;
        // The simulated reader holds the old card of this ticket's simulated applicant.
        let sim = (backend == Backend::Simulated).then(|| {
            let a = sample_applicant(self.today, &self.kecamatan, &self.request.ticket);
            SimCard::Applicant(ApplicantCard {
                nik: a.biodata.nik,
                name: a.biodata.full_name,
            })
        });
        self.busy = true;
        self.notice = None;
        Action::Run(Task::perform(
            off_thread("rekam-card-applicant", move || {
                live::read_applicant_card(&settings, backend, sim.as_ref())
                    .map(|card| (card.nik, card.name))
                    .map_err(|e| {
                        Failure::new(DeviceProblem {
                            class: DeviceClass::Smartcard,
                            detail: e.to_string(),
                        })
                    })
            }),
            Message::CardRead,
        ))
    }

    fn card_read(
        &mut self,
        result: Result<(String, String), Failure>,
        ctx: &Ctx,
    ) -> Action<Message> {
        self.busy = false;
        match result {
            Ok((nik, name)) => {
                self.form.set(Field::Nik, nik.clone());
                self.form.set(Field::FullName, name.clone());
                self.touched.extend([Field::Nik, Field::FullName]);
                self.notice = Some(Notice::CardRead { nik, name });
                self.check_others(ctx)
            }
            Err(e) => {
                self.notice = Some(Notice::Failure(e));
                Action::None
            }
        }
    }

    /// Fills the whole form with this ticket's simulated applicant (training stations only).
    fn sample(&mut self, ctx: &Ctx) -> Action<Message> {
        if ctx.backends.smartcard != Backend::Simulated || self.received || self.busy {
            return Action::None;
        }
        let a = sample_applicant(self.today, &self.kecamatan, &self.request.ticket);
        self.form.fill(&a.biodata);
        self.form.set_service(a.service);
        self.form.findings = a
            .service
            .requirements()
            .iter()
            .map(|(r, need)| {
                // As the day simulator does: what applies is there, the rest does not apply.
                let check = match need {
                    Need::Required => Check::Present,
                    Need::IfApplicable => Check::NotApplicable,
                };
                (*r, check)
            })
            .collect();
        self.notice = Some(Notice::SampleFilled);
        self.check_others(ctx)
    }

    fn accept(&mut self, ctx: &Ctx) -> Action<Message> {
        if self.busy || self.cancel.is_some() || self.returned.is_some() {
            return Action::None;
        }
        self.tried = true;
        let review = self.form.review(self.today);
        let first_bad = review.first_bad_field();
        let (Some(biodata), Some(service)) = (review.biodata, self.form.service) else {
            self.notice = Some(Notice::Problem(tk("intake.fix_form")));
            // Straight to the first field to correct, unless the file is already in.
            return match first_bad.filter(|_| !self.received) {
                Some(field) => Action::Run(iced::widget::operation::focus(field.id())),
                None => Action::None,
            };
        };
        if !self.form.unchecked().is_empty() {
            self.notice = Some(Notice::Problem(tk("intake.check_every_requirement")));
            return Action::None;
        }
        let (db, user) = match (ctx.db(), ctx.user()) {
            (Ok(db), Ok(user)) => (db.clone(), user),
            (Err(e), _) | (_, Err(e)) => {
                self.notice = Some(Notice::Failure(e));
                return Action::None;
            }
        };
        let findings = self.form.findings.clone();
        let (id, received) = (self.request.id, self.received);
        self.busy = true;
        self.notice = None;
        Action::Run(Task::perform(
            db.call(move |s| {
                let mut run = || -> Result<CheckOutcome, Failure> {
                    if !received {
                        s.receive_file(&user, id, service, &biodata)?;
                    }
                    let outcome = s.check_requirements(&user, id, &findings)?;
                    if outcome == CheckOutcome::Complete {
                        s.register(&user, id)?;
                    }
                    Ok(outcome)
                };
                let result = run();
                let step = s.request(id)?.map(|r| r.step);
                Ok(Submitted { step, result })
            }),
            Message::Submitted,
        ))
    }

    fn submitted(&mut self, result: Result<Submitted, Failure>, ctx: &Ctx) -> Action<Message> {
        self.busy = false;
        let Submitted { step, result } = match result {
            Ok(s) => s,
            Err(e) => {
                self.notice = Some(Notice::Failure(e));
                return Action::None;
            }
        };
        match result {
            Ok(CheckOutcome::Complete) => Action::Go(Nav::Request(self.request.id)),
            Ok(CheckOutcome::Returned {
                missing,
                ineligible,
            }) => {
                self.returned = Some(Returned {
                    missing,
                    ineligible,
                    slip: None,
                    printing: false,
                    printed: None,
                });
                self.save_slip(ctx)
            }
            Err(e) => {
                self.notice = Some(Notice::Failure(e));
                match step {
                    // The file went in but the checklist was refused: only the checklist is left.
                    Some(Step::FileReceived) => {
                        self.received = true;
                        Action::None
                    }
                    Some(Step::TicketCalled) | None => Action::None,
                    // Past the checklist (the register book failed): the next screen takes over.
                    Some(_) => Action::Go(Nav::Request(self.request.id)),
                }
            }
        }
    }

    fn slip(&self, returned: &Returned, ctx: &Ctx) -> ReturnSlip {
        let lang = ctx.lang();
        let station = ctx.db.as_ref().map(|db| db.station());
        let name = applicant::normalize_name(self.form.get(Field::FullName)).ok();
        let nik = nik::check_nik(self.form.get(Field::Nik), self.today, None, None)
            .value
            .map(|n| n.digits);
        ReturnSlip {
            ticket: self.request.ticket.clone(),
            nik,
            full_name: name,
            service: self
                .form
                .service
                .map(|s| s.localize(lang))
                .unwrap_or_default(),
            missing: returned.missing.iter().map(|r| r.localize(lang)).collect(),
            reason: returned.ineligible.map(|i| i.localize(lang)),
            date: self.today,
            kecamatan_name: station
                .map(|s| s.kecamatan_name.clone())
                .unwrap_or_default(),
            station_id: station.map(|s| s.station_id.clone()).unwrap_or_default(),
        }
    }

    /// Writes the return slip under `<data_dir>/slips/`, off the UI thread.
    fn save_slip(&mut self, ctx: &Ctx) -> Action<Message> {
        let Some(returned) = &self.returned else {
            return Action::None;
        };
        let slip = self.slip(returned, ctx);
        let lang = ctx.lang();
        let dir = ctx.paths.data_dir.join("slips");
        Action::Run(Task::perform(
            off_thread("rekam-slip", move || {
                let pdf = return_slip_pdf(&slip, lang);
                crate::print::save(&dir, &slip.file_name(), &pdf).map_err(|e| {
                    Failure::new(SlipNotSaved {
                        dir: dir.clone(),
                        error: e.to_string(),
                    })
                })
            }),
            Message::SlipSaved,
        ))
    }

    fn print(&mut self) -> Action<Message> {
        let Some(r) = &mut self.returned else {
            return Action::None;
        };
        let (Some(Ok(path)), false) = (&r.slip, r.printing) else {
            return Action::None;
        };
        let path = path.clone();
        r.printing = true;
        r.printed = None;
        Action::Run(Task::perform(
            off_thread("rekam-print", move || {
                crate::print::print_file(&path).map_err(Failure::new)
            }),
            Message::Printed,
        ))
    }

    fn confirm_cancel(&mut self, ctx: &Ctx) -> Action<Message> {
        let Some(reason) = self.cancel.as_deref() else {
            return Action::None;
        };
        if self.busy {
            return Action::None;
        }
        let reason = reason.trim().to_owned();
        if reason.is_empty() {
            self.notice = Some(Notice::Failure(WorkflowError::ReasonRequired.into()));
            return Action::None;
        }
        let (db, user) = match (ctx.db(), ctx.user()) {
            (Ok(db), Ok(user)) => (db.clone(), user),
            (Err(e), _) | (_, Err(e)) => {
                self.notice = Some(Notice::Failure(e));
                return Action::None;
            }
        };
        let id = self.request.id;
        self.busy = true;
        self.notice = None;
        Action::Run(Task::perform(
            db.call(move |s| Ok(s.cancel(&user, id, &reason)?)),
            Message::Cancelled,
        ))
    }

    pub fn view<'a>(&'a self, ctx: &'a Ctx) -> Element<'a, Message> {
        let tr = ctx.tr;
        let body = match &self.returned {
            Some(r) => self.returned_view(r, tr),
            None => self.form_view(ctx),
        };
        column![header::view(&self.request, Stage::File, tr)]
            .push(self.notice_view(tr))
            .push(body)
            .spacing(theme::GAP)
            .height(Length::Fill)
            .into()
    }

    fn notice_view<'a>(&self, tr: Tr) -> Option<Element<'a, Message>> {
        let (tone, message) = match self.notice.as_ref()? {
            Notice::Failure(e) => (Tone::Bad, e.text(tr.lang())),
            Notice::Problem(key) => (Tone::Bad, tr.t(key)),
            Notice::CardRead { nik, name } => (
                Tone::Good,
                tr.f("intake.card_read", &[("nik", nik), ("name", name)]),
            ),
            Notice::SampleFilled => (Tone::Info, tr.t("intake.sample_filled")),
        };
        Some(banner(tone, message))
    }

    fn form_view<'a>(&'a self, ctx: &'a Ctx) -> Element<'a, Message> {
        let tr = ctx.tr;
        let review = self.form.review(self.today);
        let editable = !self.received && !self.busy;
        let left = column![
            text(tr.t("intake.biodata")).size(theme::HEADING),
            self.nik_view(&review, tr, editable),
            self.kk_view(&review, tr),
            self.input(Field::FullName, &review, tr),
            row![
                self.input(Field::BirthPlace, &review, tr),
                self.input(Field::BirthDate, &review, tr),
            ]
            .spacing(theme::GAP),
            self.choice(
                tr.t("intake.sex"),
                SEXES.iter().map(|(v, k)| (*v, tr.t(k))).collect(),
                self.form.sex,
                Message::Sex,
                self.shown(&review, Slot::Sex, tr),
            ),
            self.choice(
                tr.t("intake.blood_type"),
                BloodType::ALL
                    .iter()
                    .map(|b| (*b, blood_label(*b, tr)))
                    .collect(),
                Some(self.form.blood),
                Message::Blood,
                Vec::new(),
            ),
            self.input(Field::Address, &review, tr),
            row![
                container(self.input(Field::Rt, &review, tr)).width(Length::Fixed(110.0)),
                container(self.input(Field::Rw, &review, tr)).width(Length::Fixed(110.0)),
                self.input(Field::Village, &review, tr),
            ]
            .spacing(theme::GAP),
            self.region_view(&review, tr),
            self.choice(
                tr.t("intake.religion"),
                RELIGIONS.iter().map(|(v, k)| (*v, tr.t(k))).collect(),
                self.form.religion,
                Message::Religion,
                self.shown(&review, Slot::Religion, tr),
            ),
            self.choice(
                tr.t("intake.marital"),
                MARITAL.iter().map(|(v, k)| (*v, tr.t(k))).collect(),
                self.form.marital,
                Message::Marital,
                self.shown(&review, Slot::Marital, tr),
            ),
            self.input(Field::Occupation, &review, tr),
            self.choice(
                tr.t("intake.nationality"),
                NATIONALITIES.iter().map(|(v, k)| (*v, tr.t(k))).collect(),
                Some(self.form.nationality),
                Message::Nationality,
                Vec::new(),
            ),
        ]
        .spacing(12)
        .padding([0, 16]);
        let mut right = column![self.service_view(&review, tr), self.checklist_view(tr)]
            .spacing(theme::GAP)
            .padding([0, 16]);
        if let Some(i) = review.eligibility {
            right = right.push(banner(
                Tone::Warning,
                format!(
                    "{} {}",
                    i.localize(tr.lang()),
                    tr.t("intake.ineligible_returned")
                ),
            ));
        }
        for other in &self.others {
            right = right.push(banner(
                Tone::Warning,
                tr.f(
                    "intake.duplicate",
                    &[
                        ("ticket", &other.ticket),
                        ("day", &other.service_day),
                        ("step", &other.step.localize(tr.lang())),
                    ],
                ),
            ));
        }
        column![
            row![
                scrollable(left)
                    .height(Length::Fill)
                    .width(Length::FillPortion(3)),
                scrollable(right)
                    .height(Length::Fill)
                    .width(Length::FillPortion(2)),
            ]
            .spacing(theme::GAP)
            .height(Length::Fill),
            self.actions_view(ctx),
            text(tr.t("intake.keys"))
                .size(theme::SMALL)
                .style(theme::muted),
        ]
        .spacing(12)
        .height(Length::Fill)
        .into()
    }

    /// The problems of `slot`, when the operator should see them.
    fn shown(&self, review: &Review, slot: Slot, tr: Tr) -> Vec<(Tone, String)> {
        let visible = self.tried
            || match slot {
                Slot::Field(f) => self.touched.contains(&f),
                _ => false,
            };
        if !visible {
            return Vec::new();
        }
        review
            .problems_at(slot, tr)
            .into_iter()
            .map(|p| (Tone::Bad, p))
            .collect()
    }

    fn text_input(&self, field: Field, tr: Tr) -> iced::widget::TextInput<'_, Message> {
        let placeholder = if field == Field::BirthDate {
            tr.t("intake.date_placeholder")
        } else {
            String::new()
        };
        text_input(&placeholder, self.form.get(field))
            .id(field.id())
            .size(theme::BODY)
            .padding(8)
            .on_input_maybe(
                (!self.received && !self.busy).then_some(move |v| Message::Edit(field, v)),
            )
    }

    fn input<'a>(&'a self, field: Field, review: &Review, tr: Tr) -> Element<'a, Message> {
        labelled(
            tr.t(field.label()),
            self.text_input(field, tr).into(),
            self.shown(review, Slot::Field(field), tr),
        )
    }

    fn nik_view<'a>(&'a self, review: &Review, tr: Tr, editable: bool) -> Element<'a, Message> {
        let lang = tr.lang();
        let mut notes: Vec<(Tone, String)> = Vec::new();
        let typed = !self.form.get(Field::Nik).trim().is_empty();
        if typed || self.tried {
            notes.extend(
                review
                    .nik
                    .errors
                    .iter()
                    .map(|e| (Tone::Bad, Described(NumberKind::Nik, e).localize(lang))),
            );
        }
        notes.extend(
            review
                .nik
                .warnings
                .iter()
                .map(|w| (Tone::Warning, Described(NumberKind::Nik, w).localize(lang))),
        );
        let mut fill = None;
        if let Some(n) = &review.nik.value {
            notes.insert(
                0,
                (
                    Tone::Good,
                    tr.f(
                        "intake.nik_valid",
                        &[
                            ("kecamatan", &n.region.kecamatan),
                            ("regency", &n.region.regency),
                            ("province", &n.region.province),
                            ("born", &ddmmyyyy(n.birth_date)),
                            ("sex", &sex_label(n.sex, tr)),
                        ],
                    ),
                ),
            );
            if editable && (review.born != Some(n.birth_date) || self.form.sex != Some(n.sex)) {
                fill = Some(
                    button(text(tr.t("intake.fill_from_nik")).size(theme::SMALL))
                        .padding([6, 12])
                        .style(button::secondary)
                        .on_press(Message::FillFromNik),
                );
            }
        }
        let input = row![self.text_input(Field::Nik, tr).width(Length::Fixed(320.0))]
            .push(fill)
            .spacing(theme::GAP)
            .align_y(Alignment::Center);
        labelled(tr.t(Field::Nik.label()), input.into(), notes)
    }

    fn kk_view<'a>(&'a self, review: &Review, tr: Tr) -> Element<'a, Message> {
        let lang = tr.lang();
        let mut notes = Vec::new();
        if !self.form.get(Field::Kk).trim().is_empty() || self.tried {
            notes.extend(
                review
                    .kk
                    .errors
                    .iter()
                    .map(|e| (Tone::Bad, Described(NumberKind::Kk, e).localize(lang))),
            );
        }
        if let Some(kk) = &review.kk.value {
            notes.push((
                Tone::Good,
                tr.f(
                    "intake.kk_valid",
                    &[
                        ("date", &ddmmyyyy(kk.issue_date)),
                        ("kecamatan", &kk.region.kecamatan),
                        ("regency", &kk.region.regency),
                    ],
                ),
            ));
        }
        labelled(
            tr.t(Field::Kk.label()),
            self.text_input(Field::Kk, tr)
                .width(Length::Fixed(320.0))
                .into(),
            notes,
        )
    }

    fn region_view<'a>(&'a self, review: &Review, tr: Tr) -> Element<'a, Message> {
        let mut notes = self.shown(review, Slot::Field(Field::Region), tr);
        if let Some(r) = region::lookup_checked(self.form.get(Field::Region).trim()) {
            notes.push((
                Tone::Good,
                tr.f(
                    "intake.region_name",
                    &[("kecamatan", &r.kecamatan), ("regency", &r.regency)],
                ),
            ));
        }
        labelled(
            tr.t(Field::Region.label()),
            self.text_input(Field::Region, tr)
                .width(Length::Fixed(160.0))
                .into(),
            notes,
        )
    }

    /// A row of buttons, one per value, the chosen one highlighted.
    fn choice<'a, T: Copy + PartialEq + 'a>(
        &self,
        label: String,
        options: Vec<(T, String)>,
        selected: Option<T>,
        on: fn(T) -> Message,
        notes: Vec<(Tone, String)>,
    ) -> Element<'a, Message> {
        let enabled = !self.received && !self.busy;
        let buttons = row(options.into_iter().map(|(value, name)| {
            button(text(name).size(theme::SMALL))
                .padding([6, 12])
                .style(if selected == Some(value) {
                    button::primary
                } else {
                    button::secondary
                })
                .on_press_maybe(enabled.then(|| on(value)))
                .into()
        }))
        .spacing(6)
        .wrap();
        labelled(label, buttons.into(), notes)
    }

    fn service_view<'a>(&'a self, review: &Review, tr: Tr) -> Element<'a, Message> {
        let options = ServiceType::ALL
            .iter()
            .map(|s| (*s, s.localize(tr.lang())))
            .collect();
        let mut notes = self.shown(review, Slot::Service, tr);
        if self.form.service.is_some_and(ServiceType::is_replacement) && !self.received {
            notes.push((Tone::Info, tr.t("intake.card_hint")));
        }
        column![
            text(tr.t("intake.service_title")).size(theme::HEADING),
            self.choice(
                tr.t("intake.service"),
                options,
                self.form.service,
                Message::Service,
                notes,
            ),
        ]
        .spacing(8)
        .into()
    }

    fn checklist_view<'a>(&'a self, tr: Tr) -> Element<'a, Message> {
        let lang = tr.lang();
        let mut list = column![text(tr.t("intake.checklist")).size(theme::HEADING)].spacing(10);
        if self.form.service.is_none() {
            return list
                .push(
                    text(tr.t("intake.checklist_empty"))
                        .size(theme::BODY)
                        .style(theme::muted),
                )
                .into();
        }
        let unchecked = self.tried.then(|| self.form.unchecked());
        for (i, (req, need)) in self.requirements().iter().enumerate() {
            let finding = self.form.finding(*req);
            let need_label = match need {
                Need::Required => tr.t("intake.required"),
                Need::IfApplicable => tr.t("intake.if_applicable"),
            };
            let buttons = row(CHECKS
                .iter()
                .filter(|(c, _)| *c != Check::NotApplicable || *need == Need::IfApplicable)
                .map(|(check, key)| {
                    let chosen = finding == Some(*check);
                    button(text(tr.t(key)).size(theme::SMALL))
                        .padding([6, 12])
                        .style(match (chosen, check) {
                            (true, Check::Missing) => button::danger,
                            (true, _) => button::success,
                            (false, _) => button::secondary,
                        })
                        .on_press_maybe((!self.busy).then_some(Message::Finding(*req, *check)))
                        .into()
                }))
            .spacing(6);
            let mut item = column![
                text(format!("[{}] {} ({need_label})", i + 1, req.localize(lang)))
                    .size(theme::BODY),
                buttons
            ]
            .spacing(4);
            if unchecked.as_ref().is_some_and(|u| u.contains(req)) {
                item = item.push(
                    text(tr.t("intake.not_checked"))
                        .size(theme::SMALL)
                        .style(theme::tone_text(Tone::Bad)),
                );
            }
            list = list.push(item);
        }
        list.into()
    }

    fn actions_view<'a>(&'a self, ctx: &'a Ctx) -> Element<'a, Message> {
        let tr = ctx.tr;
        if let Some(reason) = &self.cancel {
            let form = row![
                text(tr.t("intake.cancel_reason")).size(theme::BODY),
                text_input("", reason)
                    .id("intake-cancel-reason")
                    .on_input_maybe((!self.busy).then_some(Message::CancelReason))
                    .on_submit(Message::ConfirmCancel)
                    .size(theme::BODY)
                    .padding(10)
                    .width(Length::Fixed(420.0)),
                action(
                    tr.t("intake.cancel_confirm"),
                    Message::ConfirmCancel,
                    button::danger,
                    !self.busy
                ),
                action(
                    tr.t("intake.cancel_back"),
                    Message::CloseCancel,
                    button::secondary,
                    !self.busy
                ),
            ]
            .spacing(theme::GAP)
            .align_y(Alignment::Center);
            return container(form)
                .padding(12)
                .width(Length::Fill)
                .style(theme::panel)
                .into();
        }
        let fresh = !self.received && !self.busy;
        let card = self
            .form
            .service
            .is_none_or(ServiceType::is_replacement)
            .then(|| {
                action(
                    tr.t("intake.read_card"),
                    Message::ReadCard,
                    button::secondary,
                    fresh,
                )
            });
        let sample = (ctx.backends.smartcard == Backend::Simulated).then(|| {
            action(
                tr.t("intake.sample"),
                Message::Sample,
                button::secondary,
                fresh,
            )
        });
        row![action(
            tr.t("intake.accept"),
            Message::Accept,
            button::primary,
            !self.busy
        )]
        .push(card)
        .push(sample)
        .push(
            self.busy
                .then(|| text(tr.t("intake.busy")).size(theme::BODY)),
        )
        .push(space::horizontal())
        .push(action(
            tr.t("intake.cancel"),
            Message::AskCancel,
            button::danger,
            !self.busy,
        ))
        .spacing(theme::GAP)
        .align_y(Alignment::Center)
        .into()
    }

    fn returned_view<'a>(&'a self, r: &'a Returned, tr: Tr) -> Element<'a, Message> {
        let lang = tr.lang();
        let mut content =
            column![text(tr.t("intake.returned_title")).size(theme::TITLE)].spacing(12);
        if !r.missing.is_empty() {
            content = content.push(text(tr.t("intake.returned_missing")).size(theme::HEADING));
            for (i, req) in r.missing.iter().enumerate() {
                content = content
                    .push(text(format!("{}. {}", i + 1, req.localize(lang))).size(theme::BODY));
            }
        }
        if let Some(i) = r.ineligible {
            content = content.push(banner(Tone::Warning, i.localize(lang)));
        }
        content = content.push(match &r.slip {
            None => banner(Tone::Info, tr.t("intake.slip_saving")),
            Some(Ok(path)) => banner(
                Tone::Good,
                tr.f("intake.slip_saved", &[("path", &path.display())]),
            ),
            Some(Err(e)) => banner(Tone::Bad, e.text(lang)),
        });
        if r.printing {
            content = content.push(banner(Tone::Info, tr.t("intake.printing")));
        }
        match &r.printed {
            Some(Ok(())) => content = content.push(banner(Tone::Good, tr.t("intake.printed"))),
            Some(Err(e)) => content = content.push(banner(Tone::Bad, e.text(lang))),
            None => {}
        }
        let can_print = matches!(r.slip, Some(Ok(_))) && !r.printing;
        content = content.push(
            row![
                action(
                    tr.t("intake.print"),
                    Message::Print,
                    button::primary,
                    can_print
                ),
                action(
                    tr.t("intake.to_queue"),
                    Message::ToQueue,
                    button::secondary,
                    true
                ),
            ]
            .spacing(theme::GAP),
        );
        container(scrollable(content.padding(16)))
            .style(theme::panel)
            .width(Length::Fill)
            .height(Length::Fill)
            .into()
    }

    pub fn subscription(&self, _ctx: &Ctx) -> Subscription<Message> {
        Subscription::none()
    }

    pub fn shortcut(&self, key: &Key, modifiers: Modifiers) -> Option<Message> {
        if self.returned.is_some() {
            return match key.as_ref() {
                Key::Named(Named::Escape | Named::Enter) => Some(Message::ToQueue),
                Key::Character(c) if c.eq_ignore_ascii_case("p") => Some(Message::Print),
                _ => None,
            };
        }
        if self.cancel.is_some() {
            return match key.as_ref() {
                Key::Named(Named::Escape) => Some(Message::CloseCancel),
                Key::Named(Named::Enter) => Some(Message::ConfirmCancel),
                _ => None,
            };
        }
        match key.as_ref() {
            Key::Named(Named::Enter) if modifiers.control() => Some(Message::Accept),
            Key::Named(Named::Enter) => Some(Message::FocusNext),
            Key::Named(Named::Escape) => Some(Message::AskCancel),
            Key::Named(Named::F4) => Some(Message::FillFromNik),
            Key::Named(Named::F6) => Some(Message::ReadCard),
            Key::Named(Named::F7) => Some(Message::Sample),
            Key::Character(c) if !modifiers.control() && !modifiers.alt() => {
                // Only reaches here when no field has the focus (a field takes typed keys).
                let c = c.to_lowercase();
                match c.as_str() {
                    "k" => Some(Message::Cycle(Choice::Sex)),
                    "g" => Some(Message::Cycle(Choice::Blood)),
                    "a" => Some(Message::Cycle(Choice::Religion)),
                    "s" => Some(Message::Cycle(Choice::Marital)),
                    "w" => Some(Message::Cycle(Choice::Nationality)),
                    "l" => Some(Message::Cycle(Choice::Service)),
                    d => d
                        .parse::<usize>()
                        .ok()
                        .filter(|n| (1..=9).contains(n))
                        .map(|n| Message::ToggleRequirement(n - 1)),
                }
            }
            _ => None,
        }
    }

    pub fn guide(&self, ctx: &Ctx) -> Guide {
        let tr = ctx.tr;
        if self.returned.is_some() {
            return Guide::new(tr.t("intake.guide_returned"))
                .detail(tr.t("intake.guide_returned_detail"));
        }
        Guide::new(tr.t("applicant.please_wait"))
    }
}

/// A label above a control, with notes below it in their tones.
fn labelled<'a>(
    label: String,
    control: Element<'a, Message>,
    notes: Vec<(Tone, String)>,
) -> Element<'a, Message> {
    column![text(label).size(theme::SMALL).style(theme::muted), control]
        .extend(notes.into_iter().map(|(tone, note)| {
            text(note)
                .size(theme::SMALL)
                .style(theme::tone_text(tone))
                .into()
        }))
        .spacing(4)
        .into()
}

fn banner<'a, M: 'a>(tone: Tone, message: String) -> Element<'a, M> {
    container(text(message).size(theme::BODY))
        .padding([8, 12])
        .width(Length::Fill)
        .style(theme::banner(tone))
        .into()
}

fn action<'a>(
    label: String,
    message: Message,
    style: fn(&iced::Theme, button::Status) -> button::Style,
    enabled: bool,
) -> Element<'a, Message> {
    button(text(label).size(theme::BODY))
        .padding(theme::BUTTON_PADDING)
        .style(style)
        .on_press_maybe(enabled.then_some(message))
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::screen::testing::{Fixture, KECAMATAN, run, settle, simulator, today};
    use iced::keyboard::key::Named;
    use iced_test::selector::id;

    /// The screen for applicant `n`'s request at `step`, loaded as the root would open it.
    fn open(f: &Fixture, n: u32, step: Step) -> State {
        let request = f.request_at(n, step);
        let (mut state, task) = State::new(&f.ctx, request);
        for m in run(task) {
            assert!(settle(&mut state, m, &f.ctx, State::update).is_none());
        }
        state
    }

    fn step_of(f: &Fixture, id: i64) -> RequestView {
        f.store(move |s| {
            s.request(id)?
                .ok_or_else(|| anyhow::anyhow!("request {id} is gone"))
        })
    }

    /// Whether the screen's view shows exactly `text` somewhere.
    fn shows(state: &State, ctx: &Ctx, text: &str) -> bool {
        simulator(state.view(ctx)).find(text).is_ok()
    }

    fn notice_text(state: &State, ctx: &Ctx) -> String {
        match &state.notice {
            Some(Notice::Failure(e)) => e.text(ctx.lang()),
            Some(Notice::Problem(key)) => ctx.tr.t(key),
            Some(other) => format!("{other:?}"),
            None => String::new(),
        }
    }

    #[test]
    fn the_sample_data_is_accepted_as_is_and_registered() {
        let f = Fixture::new();
        let ctx = &f.ctx;
        let mut state = open(&f, 1, Step::TicketCalled);
        assert_eq!(state.today, today(), "the service day comes from the store");
        assert!(settle(&mut state, Message::Sample, ctx, State::update).is_none());
        let id = state.request.id;
        match settle(&mut state, Message::Accept, ctx, State::update) {
            Some(Nav::Request(to)) => assert_eq!(to, id),
            other => panic!(
                "expected the next screen, got {other:?}: {}",
                notice_text(&state, ctx)
            ),
        }
        let view = step_of(&f, id);
        assert_eq!(view.step, Step::Registered);
        assert!(view.register_number.is_some());
        let sample = sample_applicant(today(), KECAMATAN, "A-001");
        let file = f
            .store(move |s| Ok(s.applicant_file(id)?))
            .expect("the file is stored");
        let expected = sample
            .biodata
            .normalized(today())
            .expect("the sample is valid");
        assert_eq!(file.biodata, expected);
        assert_eq!(file.service, sample.service);
        assert!(file.findings.iter().all(|(r, c)| {
            let need = sample.service.requirements().iter().find(|(x, _)| x == r);
            match need {
                Some((_, Need::Required)) => *c == Check::Present,
                Some((_, Need::IfApplicable)) => *c == Check::NotApplicable,
                None => false,
            }
        }));
        assert_eq!(file.findings.len(), sample.service.requirements().len());
    }

    #[test]
    fn an_incomplete_checklist_returns_the_file_with_a_saved_slip() {
        let f = Fixture::new();
        let ctx = &f.ctx;
        let mut state = open(&f, 1, Step::TicketCalled);
        settle(&mut state, Message::Sample, ctx, State::update);
        // A requirement left unchecked blocks: forgetting a tick must not return a file.
        let last = state.form.findings.pop().map(|(r, _)| r);
        assert!(settle(&mut state, Message::Accept, ctx, State::update).is_none());
        assert!(matches!(
            state.notice,
            Some(Notice::Problem("intake.check_every_requirement"))
        ));
        let id = state.request.id;
        assert_eq!(step_of(&f, id).step, Step::TicketCalled, "nothing stored");
        if let Some(r) = last {
            settle(
                &mut state,
                Message::Finding(r, Check::Present),
                ctx,
                State::update,
            );
        }

        settle(
            &mut state,
            Message::Finding(Requirement::KkCopy, Check::Missing),
            ctx,
            State::update,
        );
        assert!(settle(&mut state, Message::Accept, ctx, State::update).is_none());
        let view = step_of(&f, id);
        assert_eq!(view.step, Step::Returned);
        let returned = state.returned.as_ref().expect("the return panel");
        assert_eq!(returned.missing, vec![Requirement::KkCopy]);
        let path = match &returned.slip {
            Some(Ok(path)) => path.clone(),
            other => panic!("slip not saved: {other:?}"),
        };
        assert!(path.starts_with(ctx.paths.data_dir.join("slips")));
        let pdf = std::fs::read(&path).expect("the slip exists");
        assert!(pdf.starts_with(b"%PDF"), "a PDF");
        assert_eq!(
            path.file_name().and_then(|n| n.to_str()),
            Some("pengembalian-20261120-A-001.pdf")
        );

        // The return panel says what is missing and where the slip is.
        assert!(shows(&state, ctx, "Berkas dikembalikan kepada pemohon"));
        let mut ui = simulator(state.view(ctx));
        assert!(ui.find("1. Fotokopi Kartu Keluarga (KK) terbaru").is_ok());
        let saved = format!("Tanda pengembalian berkas tersimpan: {}", path.display());
        assert!(ui.find(saved.as_str()).is_ok());
        ui.click("Cetak [P]").expect("print button");
        ui.click("Kembali ke antrean [Esc]").expect("queue button");
        let messages: Vec<Message> = ui.into_messages().collect();
        assert!(matches!(messages[..], [Message::Print, Message::ToQueue]));
        assert!(matches!(
            settle(&mut state, Message::ToQueue, ctx, State::update),
            Some(Nav::Queue)
        ));
        let guide = state.guide(ctx);
        assert_eq!(guide.say, "Berkas Anda belum lengkap");
    }

    #[test]
    fn the_nik_is_checked_as_it_is_typed() {
        let f = Fixture::new();
        let ctx = &f.ctx;
        let mut state = open(&f, 1, Step::TicketCalled);
        let mut ui = simulator(state.view(ctx));
        // Nothing typed yet: no error shouts at the operator.
        assert!(ui.find("NIK belum diisi.").is_err());
        ui.click(id("intake-nik")).expect("NIK field");
        let _ = ui.typewrite("3313011508");
        let messages: Vec<Message> = ui.into_messages().collect();
        assert!(matches!(messages.last(), Some(Message::Edit(Field::Nik, v)) if v == "3313011508"));
        for m in messages {
            settle(&mut state, m, ctx, State::update);
        }
        assert!(shows(
            &state,
            ctx,
            "NIK harus 16 digit, yang diisi 10 digit."
        ));

        settle(
            &mut state,
            Message::Edit(Field::Nik, "9999991508950001".into()),
            ctx,
            State::update,
        );
        assert!(shows(
            &state,
            ctx,
            "Kode provinsi 99 pada NIK tidak dikenal."
        ));

        // The sample's NIK is valid, decoded, and offers its birth date and sex.
        let sample = sample_applicant(today(), KECAMATAN, "A-001");
        settle(
            &mut state,
            Message::Edit(Field::Nik, sample.biodata.nik.clone()),
            ctx,
            State::update,
        );
        let review = state.form.review(state.today);
        assert!(review.nik.errors.is_empty() && review.nik.is_valid());
        let mut ui = simulator(state.view(ctx));
        assert!(ui.find("Kode provinsi 99 pada NIK tidak dikenal.").is_err());
        ui.click("Isi tanggal lahir dan jenis kelamin dari NIK [F4]")
            .expect("fill from the NIK");
        for m in ui.into_messages().collect::<Vec<_>>() {
            settle(&mut state, m, ctx, State::update);
        }
        assert_eq!(
            state.form.get(Field::BirthDate),
            ddmmyyyy(sample.biodata.birth_date)
        );
        assert_eq!(state.form.sex, Some(sample.biodata.sex));

        // A bad No. KK is told too.
        settle(
            &mut state,
            Message::Edit(Field::Kk, "3313013213150004".into()),
            ctx,
            State::update,
        );
        assert!(shows(
            &state,
            ctx,
            "Bagian tanggal terbit 321315 pada No. KK bukan tanggal yang sah."
        ));
    }

    #[test]
    fn field_errors_show_once_accept_is_pressed() {
        let f = Fixture::new();
        let ctx = &f.ctx;
        let mut state = open(&f, 1, Step::TicketCalled);
        assert!(settle(&mut state, Message::Accept, ctx, State::update).is_none());
        assert_eq!(step_of(&f, state.request.id).step, Step::TicketCalled);
        let mut ui = simulator(state.view(ctx));
        for shown in [
            "Berkas belum dapat diterima: perbaiki isian yang ditandai merah.",
            "NIK belum diisi.",
            "Nama lengkap belum diisi.",
            "Tanggal lahir belum diisi.",
            "Jenis kelamin belum dipilih.",
            "Jenis layanan belum dipilih.",
        ] {
            assert!(ui.find(shown).is_ok(), "{shown}");
        }
        drop(ui);
        // A typed date it cannot read is said so.
        settle(
            &mut state,
            Message::Edit(Field::BirthDate, "1995-08-17".into()),
            ctx,
            State::update,
        );
        let mut ui = simulator(state.view(ctx));
        assert!(
            ui.find(
                "Tanggal lahir tidak dikenali: tulis tanggal-bulan-tahun, misalnya 17-08-1995."
            )
            .is_ok()
        );
        assert_eq!(
            parse_date("17/08/1995"),
            NaiveDate::from_ymd_opt(1995, 8, 17)
        );
        assert_eq!(parse_date("17-8-95"), None);
    }

    #[test]
    fn cancelling_needs_a_reason() {
        let f = Fixture::new();
        let ctx = &f.ctx;
        let mut state = open(&f, 1, Step::TicketCalled);
        let request_id = state.request.id;
        settle(&mut state, Message::AskCancel, ctx, State::update);
        assert!(state.cancel.is_some());
        assert!(settle(&mut state, Message::ConfirmCancel, ctx, State::update).is_none());
        assert_eq!(notice_text(&state, ctx), "Alasan wajib diisi.");
        assert_eq!(step_of(&f, request_id).step, Step::TicketCalled);

        let mut ui = simulator(state.view(ctx));
        ui.click(id("intake-cancel-reason")).expect("reason field");
        let _ = ui.typewrite("Pemohon meninggalkan loket");
        ui.click("Batalkan permohonan [Enter]").expect("confirm");
        let messages: Vec<Message> = ui.into_messages().collect();
        assert!(matches!(messages.last(), Some(Message::ConfirmCancel)));
        let mut nav = None;
        for m in messages {
            nav = settle(&mut state, m, ctx, State::update).or(nav);
        }
        assert!(matches!(nav, Some(Nav::Queue)));
        let view = step_of(&f, request_id);
        assert_eq!(view.step, Step::Cancelled);
        assert_eq!(
            view.outcome_reason.as_deref(),
            Some("Pemohon meninggalkan loket")
        );
    }

    #[test]
    fn a_resumed_file_keeps_its_biodata_and_goes_on_with_the_checklist() {
        let f = Fixture::new();
        let ctx = &f.ctx;
        let mut state = open(&f, 1, Step::FileReceived);
        let a = f.applicant(1);
        assert!(state.received);
        assert_eq!(
            state.form.get(Field::FullName),
            a.biodata.full_name.to_uppercase()
        );
        assert_eq!(state.form.service, Some(a.service));
        // The stored biodata cannot be edited any more.
        settle(
            &mut state,
            Message::Edit(Field::FullName, "X".into()),
            ctx,
            State::update,
        );
        assert_ne!(state.form.get(Field::FullName), "X");
        for n in 0..a.service.requirements().len() {
            settle(
                &mut state,
                Message::ToggleRequirement(n),
                ctx,
                State::update,
            );
        }
        assert!(state.form.unchecked().is_empty());
        let id = state.request.id;
        assert!(matches!(
            settle(&mut state, Message::Accept, ctx, State::update),
            Some(Nav::Request(to)) if to == id
        ));
        assert_eq!(step_of(&f, id).step, Step::Registered);
    }

    #[test]
    fn the_old_card_fills_nik_and_name_and_another_open_request_is_flagged() {
        let f = Fixture::new();
        let ctx = &f.ctx;
        // Applicant 1's file is open at another desk moment (ticket A-001).
        let first = f.request_at(1, Step::FileReceived);
        let mut state = open(&f, 2, Step::TicketCalled);
        settle(&mut state, Message::ReadCard, ctx, State::update);
        let sample = sample_applicant(today(), KECAMATAN, &state.request.ticket);
        assert_eq!(state.form.get(Field::Nik), sample.biodata.nik);
        assert_eq!(state.form.get(Field::FullName), sample.biodata.full_name);
        assert!(matches!(state.notice, Some(Notice::CardRead { .. })));

        let nik = f.applicant(1).biodata.nik;
        settle(
            &mut state,
            Message::Edit(Field::Nik, nik),
            ctx,
            State::update,
        );
        assert_eq!(state.others.len(), 1);
        assert_eq!(state.others[0].id, first.id);
        let mut ui = simulator(state.view(ctx));
        let warning = "Perhatian: NIK ini masih memiliki permohonan lain yang terbuka (antrean A-001, 2026-11-20, tahap: Berkas diterima). Pastikan tidak terjadi pendaftaran ganda.";
        assert!(ui.find(warning).is_ok());
    }

    #[test]
    fn the_view_has_its_actions_and_keys() {
        let f = Fixture::new();
        let ctx = &f.ctx;
        let state = open(&f, 1, Step::TicketCalled);
        assert!(shows(&state, ctx, "Biodata pemohon"));
        let mut ui = simulator(state.view(ctx));
        assert!(ui.find("Baca KTP-el lama [F6]").is_ok());
        ui.click("Isi data contoh (latihan) [F7]")
            .expect("sample button");
        ui.click("Terima berkas [Ctrl+Enter]")
            .expect("accept button");
        ui.click("Batalkan [Esc]").expect("cancel button");
        let messages: Vec<Message> = ui.into_messages().collect();
        assert!(matches!(
            messages[..],
            [Message::Sample, Message::Accept, Message::AskCancel]
        ));

        let ctrl = Modifiers::CTRL;
        let none = Modifiers::empty();
        let key = |k: Key, m| state.shortcut(&k, m);
        assert!(matches!(
            key(Key::Named(Named::Enter), ctrl),
            Some(Message::Accept)
        ));
        assert!(matches!(
            key(Key::Named(Named::Enter), none),
            Some(Message::FocusNext)
        ));
        assert!(matches!(
            key(Key::Named(Named::Escape), none),
            Some(Message::AskCancel)
        ));
        assert!(matches!(
            key(Key::Named(Named::F7), none),
            Some(Message::Sample)
        ));
        assert!(matches!(
            key(Key::Character("3".into()), none),
            Some(Message::ToggleRequirement(2))
        ));
        assert!(matches!(
            key(Key::Character("L".into()), none),
            Some(Message::Cycle(Choice::Service))
        ));

        // In English the same screen says so.
        let mut en = Fixture::new();
        en.ctx.tr = Tr(Lang::En);
        let state = open(&en, 1, Step::TicketCalled);
        let mut ui = simulator(state.view(&en.ctx));
        assert!(ui.find("Accept the file [Ctrl+Enter]").is_ok());
        assert!(ui.find("Applicant's biodata").is_ok());
    }

    #[test]
    fn letter_and_digit_keys_choose_without_the_mouse() {
        let f = Fixture::new();
        let ctx = &f.ctx;
        let mut state = open(&f, 1, Step::TicketCalled);
        for choice in [
            Choice::Service,
            Choice::Sex,
            Choice::Religion,
            Choice::Marital,
        ] {
            settle(&mut state, Message::Cycle(choice), ctx, State::update);
        }
        assert_eq!(state.form.service, Some(ServiceType::RekamBaru));
        assert_eq!(state.form.sex, Some(Sex::L));
        assert_eq!(state.form.religion, Some(Religion::Islam));
        assert_eq!(state.form.marital, Some(MaritalStatus::BelumKawin));
        // Rekam baru: the 4th item (KIA) is "if applicable" and can be not applicable.
        for expected in [
            Check::Present,
            Check::Missing,
            Check::NotApplicable,
            Check::Present,
        ] {
            settle(
                &mut state,
                Message::ToggleRequirement(3),
                ctx,
                State::update,
            );
            assert_eq!(state.form.finding(Requirement::KiaOriginal), Some(expected));
        }
        // A required item never is.
        settle(
            &mut state,
            Message::Finding(Requirement::KkCopy, Check::NotApplicable),
            ctx,
            State::update,
        );
        assert_eq!(state.form.finding(Requirement::KkCopy), None);
    }
}
