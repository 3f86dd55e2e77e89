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
//!
//! The form, its parsing and its checks are in `form`, filling it from the NIK, the old card or
//! sample data in `fill`, the return of an incomplete file (the slip) in `returned`, the view in
//! `view`.

use std::collections::BTreeSet;
use std::path::PathBuf;

use chrono::NaiveDate;
use iced::keyboard::{Key, Modifiers, key::Named};
use iced::{Subscription, Task};

use super::{Action, Nav};
use crate::domain::applicant::{BloodType, Nationality, Religion};
use crate::domain::nik;
use crate::domain::service::{Check, Need};
use crate::domain::{MaritalStatus, Requirement, ServiceType, Sex};
use crate::ui::applicant::Guide;
use crate::ui::ctx::Ctx;
use crate::ui::db::Failure;
use crate::ui::i18n::tk;
use crate::workflow::applicant_view::{ApplicantFile, OtherRequest};
use crate::workflow::{CheckOutcome, RequestView, Step, WorkflowError};

mod fill;
mod form;
mod returned;
#[cfg(test)]
mod tests;
mod view;

pub use fill::sample_applicant;
use form::Form;
pub use form::{Choice, Field, parse_date};
pub(super) use form::{
    blood_label, check_label, ddmmyyyy, marital_label, nationality_label, religion_label, sex_label,
};
use returned::Returned;

/// Something to tell the operator above the form.
#[derive(Debug, Clone)]
enum Notice {
    Failure(Failure),
    Problem(&'static str),
    CardRead { nik: String, name: String },
    SampleFilled,
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

/// Runs blocking work (card reader, printer, file system) on a thread of its own.
pub(super) async fn off_thread<T: Send + 'static>(
    name: &str,
    f: impl FnOnce() -> Result<T, Failure> + Send + 'static,
) -> Result<T, Failure> {
    crate::ui::db::off_thread(name, f).await?
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
        let findings = self.form.findings.clone();
        let (id, received) = (self.request.id, self.received);
        self.busy = true;
        self.notice = None;
        Action::Run(Task::perform(
            ctx.write(move |s, user| {
                let mut run = || -> Result<CheckOutcome, Failure> {
                    if !received {
                        s.receive_file(user, id, service, &biodata)?;
                    }
                    let outcome = s.check_requirements(user, id, &findings)?;
                    if outcome == CheckOutcome::Complete {
                        s.register(user, id)?;
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
        let id = self.request.id;
        self.busy = true;
        self.notice = None;
        Action::Run(Task::perform(
            ctx.write(move |s, user| Ok(s.cancel(user, id, &reason)?)),
            Message::Cancelled,
        ))
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
