//! Verification and validation by a supervisor at the desk: the applicant's file is shown (biodata,
//! service, checklist findings, register number), a supervisor signs in on the spot (password, or
//! officer card and PIN) and verifies and validates it in one go, after which the operator's
//! recording begins; or the supervisor rejects the file with a reason and it is returned.
//!
//! Opened at `RequirementsChecked` (the register book entry is made first), `Registered`,
//! `Verified` (only validation is left) or `Validated` (only the start of the recording is left, no
//! supervisor needed). The supervisor's password or PIN is cleared as soon as it is sent.
//!
//! Keys: Enter sign in / verify and validate / start recording, F3 password or card, F4 another
//! supervisor, T reject (then Enter to confirm, Esc to go back).

use iced::keyboard::{Key, Modifiers, key::Named};
use iced::widget::{button, column, container, row, scrollable, space, text, text_input};
use iced::{Alignment, Element, Length, Subscription, Task};
use rekam_device::{Backend, DeviceClass};
use rekam_smartcard::OfficerRole;
use zeroize::Zeroizing;

use super::intake::{self, off_thread};
use super::{Action, Nav};
use crate::devices::live::{self, SimCard};
use crate::domain::applicant::{self, age_on};
use crate::domain::region;
use crate::lang::Localize;
use crate::store::{Role, User};
use crate::ui::app::Ctx;
use crate::ui::applicant::Guide;
use crate::ui::db::Failure;
use crate::ui::device::DeviceProblem;
use crate::ui::i18n::{Tr, tk};
use crate::ui::theme::{self, Tone};
use crate::ui::widget::header::{self, Stage};
use crate::workflow::applicant_view::ApplicantFile;
use crate::workflow::{RequestView, Step, WorkflowError};

/// How the supervisor signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Method {
    #[default]
    Password,
    Card,
}

#[derive(Debug)]
pub struct State {
    request: RequestView,
    file: Option<ApplicantFile>,
    today: chrono::NaiveDate,
    loading: bool,
    method: Method,
    username: String,
    password: String,
    pin: String,
    /// The supervisor signed in at the desk for this file.
    supervisor: Option<User>,
    busy: bool,
    error: Option<Failure>,
    /// The reason being typed for a rejection, while the form for it is open.
    reject: Option<String>,
}

/// What loading the screen found.
#[derive(Debug, Clone)]
pub struct Loaded {
    request: RequestView,
    file: Option<ApplicantFile>,
    today: chrono::NaiveDate,
    /// Why the register book entry could not be made (opened at `RequirementsChecked`).
    not_registered: Option<Failure>,
}

/// What the verify-and-validate job did.
#[derive(Debug, Clone)]
pub struct Progress {
    /// The request after the job, whatever happened.
    request: Option<RequestView>,
    result: Result<(), Failure>,
}

#[derive(Debug, Clone)]
pub enum Message {
    Loaded(Result<Box<Loaded>, Failure>),
    Retry,
    Method(Method),
    Username(String),
    Password(String),
    Pin(String),
    /// Enter: sign in, or verify and validate, or start recording, whichever is next.
    Submit,
    SignedIn(Result<User, Failure>),
    SignOut,
    Proceeded(Result<Box<Progress>, Failure>),
    AskReject,
    RejectReason(String),
    ConfirmReject,
    CloseReject,
    Rejected(Result<(), Failure>),
}

impl State {
    pub fn new(ctx: &Ctx, request: RequestView) -> (State, Task<Message>) {
        let mut state = State {
            request,
            file: None,
            today: chrono::Local::now().date_naive(),
            loading: true,
            method: Method::Password,
            username: String::new(),
            password: String::new(),
            pin: String::new(),
            supervisor: None,
            busy: false,
            error: None,
            reject: None,
        };
        let load = state.load(ctx);
        let focus = iced::widget::operation::focus("verify-username");
        (state, Task::batch([load, focus]))
    }

    /// Reads the file; at `RequirementsChecked` first enters it in the register book.
    fn load(&mut self, ctx: &Ctx) -> Task<Message> {
        let (db, user) = match (ctx.db(), ctx.user()) {
            (Ok(db), Ok(user)) => (db.clone(), user),
            (Err(e), _) | (_, Err(e)) => {
                self.loading = false;
                self.error = Some(e);
                return Task::none();
            }
        };
        let (id, step) = (self.request.id, self.request.step);
        self.loading = true;
        self.error = None;
        Task::perform(
            db.call(move |s| {
                let not_registered = (step == Step::RequirementsChecked)
                    .then(|| s.register(&user, id).err().map(Failure::from))
                    .flatten();
                let request = s.request(id)?.ok_or(WorkflowError::NoSuchRequest(id))?;
                Ok(Box::new(Loaded {
                    request,
                    file: s.applicant_file(id)?,
                    today: s.today(),
                    not_registered,
                }))
            }),
            Message::Loaded,
        )
    }

    pub fn update(&mut self, message: Message, ctx: &Ctx) -> Action<Message> {
        match message {
            Message::Loaded(Ok(loaded)) => {
                let loaded = *loaded;
                self.loading = false;
                self.request = loaded.request;
                self.file = loaded.file;
                self.today = loaded.today;
                self.error = loaded.not_registered;
            }
            Message::Loaded(Err(e)) => {
                self.loading = false;
                self.error = Some(e);
            }
            Message::Retry => return Action::Run(self.load(ctx)),
            Message::Method(m) => {
                self.method = m;
                self.error = None;
            }
            Message::Username(v) => self.username = v,
            Message::Password(v) => self.password = v,
            Message::Pin(v) => self.pin = v.chars().filter(char::is_ascii_digit).take(12).collect(),
            Message::Submit => return self.submit(ctx),
            Message::SignedIn(result) => self.signed_in(result),
            Message::SignOut => {
                if !self.busy {
                    self.supervisor = None;
                    self.reject = None;
                    self.error = None;
                    return Action::Run(iced::widget::operation::focus("verify-username"));
                }
            }
            Message::Proceeded(result) => return self.proceeded(result),
            Message::AskReject => {
                if self.can_reject() && self.reject.is_none() {
                    self.reject = Some(String::new());
                    return Action::Run(iced::widget::operation::focus("verify-reject-reason"));
                }
            }
            Message::RejectReason(v) => {
                if let Some(reason) = &mut self.reject {
                    *reason = v;
                }
            }
            Message::ConfirmReject => return self.confirm_reject(ctx),
            Message::CloseReject => self.reject = None,
            Message::Rejected(Ok(())) => return Action::Go(Nav::Queue),
            Message::Rejected(Err(e)) => {
                self.busy = false;
                self.error = Some(e);
            }
        }
        Action::None
    }

    /// A supervisor is needed for what is left: verification and/or validation.
    fn needs_supervisor(&self) -> bool {
        matches!(self.request.step, Step::Registered | Step::Verified)
    }

    fn can_reject(&self) -> bool {
        self.needs_supervisor() && self.supervisor.is_some() && !self.busy
    }

    fn submit(&mut self, ctx: &Ctx) -> Action<Message> {
        if self.busy || self.loading {
            return Action::None;
        }
        if self.reject.is_some() {
            return self.confirm_reject(ctx);
        }
        match self.request.step {
            Step::RequirementsChecked => Action::Run(self.load(ctx)),
            Step::Registered | Step::Verified if self.supervisor.is_none() => self.sign_in(ctx),
            Step::Registered | Step::Verified | Step::Validated => self.proceed(ctx),
            _ => Action::Go(Nav::Request(self.request.id)),
        }
    }

    fn sign_in(&mut self, ctx: &Ctx) -> Action<Message> {
        let db = match ctx.db() {
            Ok(db) => db.clone(),
            Err(e) => {
                self.error = Some(e);
                return Action::None;
            }
        };
        self.busy = true;
        self.error = None;
        let username = self.username.trim().to_owned();
        // The secret leaves the state now; the copy in flight is wiped once used.
        let password = Zeroizing::new(std::mem::take(&mut self.password));
        let pin = Zeroizing::new(std::mem::take(&mut self.pin));
        match self.method {
            Method::Password => Action::Run(Task::perform(
                db.call(move |store| Ok(store.authenticate(&username, &password)?)),
                Message::SignedIn,
            )),
            Method::Card => {
                let settings = ctx.settings.clone();
                let backend = ctx.backends.smartcard;
                // A simulated reader holds the supervisor card of the username typed in.
                let sim = (backend == Backend::Simulated).then(|| SimCard::Officer {
                    officer_id: username.clone(),
                    role: OfficerRole::Supervisor,
                });
                Action::Run(Task::perform(
                    async move {
                        let officer = off_thread("rekam-card-supervisor", move || {
                            live::officer_login(&settings, backend, sim.as_ref(), &pin)
                                .map(|card| card.officer_id)
                                .map_err(|e| {
                                    Failure::new(DeviceProblem {
                                        class: DeviceClass::Smartcard,
                                        detail: e.to_string(),
                                    })
                                })
                        })
                        .await?;
                        db.call(move |store| Ok(store.authenticate_card(&officer)?))
                            .await
                    },
                    Message::SignedIn,
                ))
            }
        }
    }

    fn signed_in(&mut self, result: Result<User, Failure>) {
        self.busy = false;
        self.password.clear();
        self.pin.clear();
        match result {
            // The workflow checks the role again in the database when it verifies; telling an
            // operator now saves a step.
            Ok(user) if user.role != Role::Supervisor => {
                self.error = Some(WorkflowError::NotSupervisor("verify").into());
            }
            Ok(user) => {
                self.supervisor = Some(user);
                self.error = None;
            }
            Err(e) => self.error = Some(e),
        }
    }

    /// Verifies and validates as the supervisor (what is left of it), then starts the recording
    /// as the operator, in one storage job.
    fn proceed(&mut self, ctx: &Ctx) -> Action<Message> {
        let (db, operator) = match (ctx.db(), ctx.user()) {
            (Ok(db), Ok(user)) => (db.clone(), user),
            (Err(e), _) | (_, Err(e)) => {
                self.error = Some(e);
                return Action::None;
            }
        };
        let supervisor = self.supervisor.clone();
        let id = self.request.id;
        self.busy = true;
        self.error = None;
        Action::Run(Task::perform(
            db.call(move |s| {
                let mut run = || -> Result<(), Failure> {
                    let step = s.request(id)?.ok_or(WorkflowError::NoSuchRequest(id))?.step;
                    if matches!(step, Step::Registered | Step::Verified) {
                        let sup = supervisor
                            .as_ref()
                            .ok_or(WorkflowError::NotSupervisor("verify"))?;
                        if step == Step::Registered {
                            s.verify(sup, id)?;
                        }
                        s.validate(sup, id)?;
                    }
                    s.begin_recording(&operator, id)?;
                    Ok(())
                };
                let result = run();
                Ok(Box::new(Progress {
                    request: s.request(id)?,
                    result,
                }))
            }),
            Message::Proceeded,
        ))
    }

    fn proceeded(&mut self, result: Result<Box<Progress>, Failure>) -> Action<Message> {
        self.busy = false;
        match result.map(|p| *p) {
            Ok(Progress { result: Ok(()), .. }) => Action::Go(Nav::Request(self.request.id)),
            Ok(Progress {
                request,
                result: Err(e),
            }) => {
                if let Some(r) = request {
                    self.request = r;
                }
                self.error = Some(e);
                Action::None
            }
            Err(e) => {
                self.error = Some(e);
                Action::None
            }
        }
    }

    fn confirm_reject(&mut self, ctx: &Ctx) -> Action<Message> {
        let (Some(reason), Some(supervisor)) = (self.reject.as_deref(), self.supervisor.clone())
        else {
            return Action::None;
        };
        if self.busy {
            return Action::None;
        }
        let reason = reason.trim().to_owned();
        if reason.is_empty() {
            self.error = Some(WorkflowError::ReasonRequired.into());
            return Action::None;
        }
        let db = match ctx.db() {
            Ok(db) => db.clone(),
            Err(e) => {
                self.error = Some(e);
                return Action::None;
            }
        };
        let id = self.request.id;
        self.busy = true;
        self.error = None;
        Action::Run(Task::perform(
            db.call(move |s| Ok(s.reject(&supervisor, id, &reason)?)),
            Message::Rejected,
        ))
    }

    pub fn view<'a>(&'a self, ctx: &'a Ctx) -> Element<'a, Message> {
        let tr = ctx.tr;
        let summary = container(scrollable(self.summary(tr).padding(16)))
            .style(theme::panel)
            .width(Length::FillPortion(3))
            .height(Length::Fill);
        let side = container(self.side(ctx).padding(16))
            .style(theme::panel)
            .width(Length::FillPortion(2))
            .height(Length::Fill);
        column![
            header::view(&self.request, Stage::Verify, tr),
            row![summary, side].spacing(theme::GAP).height(Length::Fill),
            text(tr.t("verify.keys"))
                .size(theme::SMALL)
                .style(theme::muted),
        ]
        .spacing(theme::GAP)
        .height(Length::Fill)
        .into()
    }

    /// The applicant's file as the supervisor checks it.
    fn summary<'a>(&'a self, tr: Tr) -> iced::widget::Column<'a, Message> {
        let lang = tr.lang();
        let mut col = column![text(tr.t("verify.file_title")).size(theme::HEADING)].spacing(8);
        if self.loading {
            return col.push(text(tr.t("verify.loading")).size(theme::BODY));
        }
        let Some(file) = &self.file else {
            return col.push(text(tr.t("verify.no_file")).size(theme::BODY));
        };
        let b = &file.biodata;
        let region = region::lookup_checked(&b.address_region)
            .map(|r| format!("{} ({}, {})", b.address_region, r.kecamatan, r.regency))
            .unwrap_or_else(|| b.address_region.clone());
        let not_yet = tr.t("verify.not_registered");
        let rows: Vec<(&str, String)> = vec![
            (
                tk("verify.register_number"),
                self.request.register_number.clone().unwrap_or(not_yet),
            ),
            (tk("verify.service"), file.service.localize(lang)),
            (tk("verify.nik"), b.nik.clone()),
            (tk("verify.kk"), b.kk_number.clone()),
            (tk("verify.name"), b.full_name.clone()),
            (
                tk("verify.birth"),
                format!(
                    "{}, {} ({})",
                    b.birth_place,
                    intake::ddmmyyyy(b.birth_date),
                    tr.f(
                        tk("verify.age"),
                        &[("age", &age_on(b.birth_date, self.today))]
                    )
                ),
            ),
            (tk("verify.sex"), intake::sex_label(b.sex, tr)),
            (
                tk("verify.blood_type"),
                intake::blood_label(b.blood_type, tr),
            ),
            (
                tk("verify.address"),
                format!("{}, RT {} / RW {}", b.address, b.rt, b.rw),
            ),
            (tk("verify.village"), b.village.clone()),
            (tk("verify.region"), region),
            (
                tk("verify.religion"),
                intake::religion_label(b.religion, tr),
            ),
            (
                tk("verify.marital"),
                intake::marital_label(b.marital_status, tr),
            ),
            (tk("verify.occupation"), b.occupation.clone()),
            (
                tk("verify.nationality"),
                intake::nationality_label(b.nationality, tr),
            ),
        ];
        for (key, value) in rows {
            col = col.push(
                row![
                    text(tr.t(key))
                        .size(theme::BODY)
                        .style(theme::muted)
                        .width(Length::Fixed(220.0)),
                    text(value).size(theme::BODY),
                ]
                .spacing(theme::GAP),
            );
        }
        if let Err(i) = applicant::eligibility(b.birth_date, b.marital_status, self.today) {
            col = col.push(banner(Tone::Warning, i.localize(lang)));
        }
        col = col.push(text(tr.t("verify.checklist")).size(theme::HEADING));
        for (req, check) in &file.findings {
            col = col.push(
                row![
                    text(req.localize(lang))
                        .size(theme::BODY)
                        .width(Length::Fill),
                    text(intake::check_label(*check, tr)).size(theme::BODY),
                ]
                .spacing(theme::GAP),
            );
        }
        col
    }

    /// The supervisor's side: sign in, then verify and validate, or reject.
    fn side<'a>(&'a self, ctx: &'a Ctx) -> iced::widget::Column<'a, Message> {
        let tr = ctx.tr;
        let mut col = column![text(tr.t("verify.title")).size(theme::HEADING)].spacing(12);
        col = col.push(
            self.error
                .as_ref()
                .map(|e| banner(Tone::Bad, e.text(ctx.lang()))),
        );
        match self.request.step {
            _ if self.loading => col.push(text(tr.t("verify.loading")).size(theme::BODY)),
            Step::RequirementsChecked => col.push(action(
                tr.t("verify.retry"),
                Message::Retry,
                button::primary,
                !self.busy,
            )),
            Step::Validated => col
                .push(text(tr.t("verify.validated")).size(theme::BODY))
                .push(action(
                    tr.t("verify.begin"),
                    Message::Submit,
                    button::primary,
                    !self.busy,
                )),
            Step::Registered | Step::Verified => {
                if self.request.step == Step::Verified {
                    col = col.push(text(tr.t("verify.verified_only")).size(theme::BODY));
                }
                match &self.supervisor {
                    None => col.push(self.sign_in_view(ctx)),
                    Some(user) => col.push(self.decide_view(user, tr)),
                }
            }
            _ => col,
        }
        .push(
            self.busy
                .then(|| text(tr.t("verify.busy")).size(theme::BODY)),
        )
    }

    fn sign_in_view<'a>(&'a self, ctx: &'a Ctx) -> Element<'a, Message> {
        let tr = ctx.tr;
        let tab = |label: String, method: Method| {
            button(text(label).size(theme::SMALL))
                .padding([8, 14])
                .on_press_maybe((!self.busy).then_some(Message::Method(method)))
                .style(if self.method == method {
                    button::primary
                } else {
                    button::secondary
                })
        };
        let input = |id: &'static str, value: &str, secure: bool, on: fn(String) -> Message| {
            text_input("", value)
                .id(id)
                .secure(secure)
                .on_input_maybe((!self.busy).then_some(on))
                .on_submit(Message::Submit)
                .size(theme::BODY)
                .padding(10)
                .width(Length::Fill)
        };
        let mut form = column![
            text(tr.t("verify.sign_in_hint")).size(theme::BODY),
            row![
                tab(tr.t("verify.by_password"), Method::Password),
                tab(tr.t("verify.by_card"), Method::Card)
            ]
            .spacing(8),
            text(tr.t("verify.username"))
                .size(theme::SMALL)
                .style(theme::muted),
            input("verify-username", &self.username, false, Message::Username),
        ]
        .spacing(8);
        form = match self.method {
            Method::Password => form
                .push(
                    text(tr.t("verify.password"))
                        .size(theme::SMALL)
                        .style(theme::muted),
                )
                .push(input(
                    "verify-password",
                    &self.password,
                    true,
                    Message::Password,
                )),
            Method::Card => {
                let hint = if ctx.backends.smartcard == Backend::Simulated {
                    tr.f("verify.card_simulated", &[("pin", &live::SIM_PIN)])
                } else {
                    tr.t("verify.card_hint")
                };
                form.push(text(hint).size(theme::SMALL).style(theme::muted))
                    .push(
                        text(tr.t("verify.pin"))
                            .size(theme::SMALL)
                            .style(theme::muted),
                    )
                    .push(input("verify-pin", &self.pin, true, Message::Pin))
            }
        };
        form.push(action(
            tr.t("verify.sign_in"),
            Message::Submit,
            button::primary,
            !self.busy,
        ))
        .into()
    }

    fn decide_view<'a>(&'a self, user: &User, tr: Tr) -> Element<'a, Message> {
        let who = banner(
            Tone::Good,
            tr.f(
                "verify.signed_in",
                &[("name", &user.full_name), ("username", &user.username)],
            ),
        );
        if let Some(reason) = &self.reject {
            return column![
                who,
                text(tr.t("verify.reject_reason")).size(theme::BODY),
                text_input("", reason)
                    .id("verify-reject-reason")
                    .on_input_maybe((!self.busy).then_some(Message::RejectReason))
                    .on_submit(Message::ConfirmReject)
                    .size(theme::BODY)
                    .padding(10)
                    .width(Length::Fill),
                row![
                    action(
                        tr.t("verify.reject_confirm"),
                        Message::ConfirmReject,
                        button::danger,
                        !self.busy
                    ),
                    action(
                        tr.t("verify.reject_back"),
                        Message::CloseReject,
                        button::secondary,
                        !self.busy
                    ),
                ]
                .spacing(theme::GAP),
            ]
            .spacing(12)
            .into();
        }
        let proceed = if self.request.step == Step::Verified {
            tr.t("verify.validate")
        } else {
            tr.t("verify.verify_and_validate")
        };
        column![
            who,
            action(proceed, Message::Submit, button::primary, !self.busy),
            row![
                action(
                    tr.t("verify.reject"),
                    Message::AskReject,
                    button::danger,
                    !self.busy
                ),
                space::horizontal(),
                action(
                    tr.t("verify.sign_out"),
                    Message::SignOut,
                    button::secondary,
                    !self.busy
                ),
            ]
            .spacing(theme::GAP)
            .align_y(Alignment::Center),
        ]
        .spacing(12)
        .into()
    }

    pub fn subscription(&self, _ctx: &Ctx) -> Subscription<Message> {
        Subscription::none()
    }

    pub fn shortcut(&self, key: &Key, _modifiers: Modifiers) -> Option<Message> {
        if self.reject.is_some() {
            return match key.as_ref() {
                Key::Named(Named::Escape) => Some(Message::CloseReject),
                Key::Named(Named::Enter) => Some(Message::ConfirmReject),
                _ => None,
            };
        }
        match key.as_ref() {
            Key::Named(Named::Enter) => Some(Message::Submit),
            Key::Named(Named::F3) if self.supervisor.is_none() => {
                Some(Message::Method(match self.method {
                    Method::Password => Method::Card,
                    Method::Card => Method::Password,
                }))
            }
            Key::Named(Named::F4) if self.supervisor.is_some() => Some(Message::SignOut),
            // Only reaches here when no field has the focus.
            Key::Character(c) if c.eq_ignore_ascii_case("t") && self.can_reject() => {
                Some(Message::AskReject)
            }
            _ => None,
        }
    }

    pub fn guide(&self, ctx: &Ctx) -> Guide {
        Guide::new(ctx.tr.t("verify.guide"))
    }
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
    use crate::domain::Requirement;
    use crate::domain::service::{Check, Need};
    use crate::ui::screen::testing::{Fixture, PASSWORD, run, settle, simulator};
    use iced_test::selector::id;

    fn open(f: &Fixture, request: RequestView) -> State {
        let (mut state, task) = State::new(&f.ctx, request);
        for m in run(task) {
            assert!(settle(&mut state, m, &f.ctx, State::update).is_none());
        }
        state
    }

    fn request(f: &Fixture, id: i64) -> RequestView {
        f.store(move |s| {
            s.request(id)?
                .ok_or_else(|| anyhow::anyhow!("request {id} is gone"))
        })
    }

    fn error_text(state: &State) -> String {
        state
            .error
            .as_ref()
            .map(|e| e.text(crate::Lang::Id))
            .unwrap_or_default()
    }

    fn sign_in(f: &Fixture, state: &mut State, method: Method, user: &str, secret: &str) {
        let ctx = &f.ctx;
        state.update(Message::Method(method), ctx);
        state.update(Message::Username(user.into()), ctx);
        match method {
            Method::Password => state.update(Message::Password(secret.into()), ctx),
            Method::Card => state.update(Message::Pin(secret.into()), ctx),
        };
        assert!(settle(state, Message::Submit, ctx, State::update).is_none());
        assert!(
            state.password.is_empty() && state.pin.is_empty(),
            "secret cleared"
        );
    }

    #[test]
    fn a_supervisor_signs_in_with_a_password_and_the_recording_begins() {
        let f = Fixture::new();
        let ctx = &f.ctx;
        let mut state = open(&f, f.request_at(1, Step::Registered));
        let a = f.applicant(1);
        let file = state.file.as_ref().expect("the file is shown");
        assert_eq!(file.biodata.nik, a.biodata.nik);
        assert!(file.findings.iter().all(|(_, c)| *c != Check::Missing));

        sign_in(&f, &mut state, Method::Password, "kasi", PASSWORD);
        assert_eq!(
            state.supervisor.as_ref().map(|u| u.username.as_str()),
            Some("kasi")
        );
        let id = state.request.id;
        match settle(&mut state, Message::Submit, ctx, State::update) {
            Some(Nav::Request(to)) => assert_eq!(to, id),
            other => panic!(
                "expected the face screen, got {other:?}: {}",
                error_text(&state)
            ),
        }
        assert_eq!(request(&f, id).step, Step::Face);
        // Verified and validated by the supervisor, the recording begun by the operator.
        let actors: Vec<(String, i64)> = f.store(move |s| {
            let mut stmt = s.conn().prepare(
                "SELECT step, actor_id FROM step_events WHERE request_id = ?1 ORDER BY id",
            )?;
            let rows = stmt
                .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        });
        let actor = |step: &str| actors.iter().find(|(s, _)| s == step).map(|(_, a)| *a);
        assert_eq!(actor("verified"), Some(f.supervisor.id));
        assert_eq!(actor("validated"), Some(f.supervisor.id));
        assert_eq!(actor("face"), Some(f.operator.id));
    }

    #[test]
    fn an_operator_is_refused_and_nothing_changes() {
        let f = Fixture::new();
        let ctx = &f.ctx;
        let mut state = open(&f, f.request_at(1, Step::Registered));
        sign_in(&f, &mut state, Method::Password, "budi", PASSWORD);
        assert!(state.supervisor.is_none());
        assert_eq!(
            error_text(&state),
            "Hanya supervisor yang boleh memverifikasi, memvalidasi atau menolak."
        );
        // Enter asks for a sign-in again; it does not verify.
        state.update(Message::Username("budi".into()), ctx);
        assert!(settle(&mut state, Message::Submit, ctx, State::update).is_none());
        assert_eq!(request(&f, state.request.id).step, Step::Registered);
        // A wrong password says so.
        sign_in(&f, &mut state, Method::Password, "kasi", "salah-salah");
        assert_eq!(error_text(&state), "Nama pengguna atau kata sandi salah.");
        assert!(state.supervisor.is_none());
    }

    #[test]
    fn a_rejection_needs_a_reason_and_returns_the_file() {
        let f = Fixture::new();
        let ctx = &f.ctx;
        let mut state = open(&f, f.request_at(1, Step::Registered));
        // No rejection before a supervisor signed in.
        settle(&mut state, Message::AskReject, ctx, State::update);
        assert!(state.reject.is_none());
        sign_in(&f, &mut state, Method::Password, "kasi", PASSWORD);
        settle(&mut state, Message::AskReject, ctx, State::update);
        assert!(state.reject.is_some());
        assert!(settle(&mut state, Message::ConfirmReject, ctx, State::update).is_none());
        assert_eq!(error_text(&state), "Alasan wajib diisi.");
        let id = state.request.id;
        assert_eq!(request(&f, id).step, Step::Registered);
        state.update(
            Message::RejectReason("Fotokopi KK tidak terbaca".into()),
            ctx,
        );
        assert!(matches!(
            settle(&mut state, Message::ConfirmReject, ctx, State::update),
            Some(Nav::Queue)
        ));
        let r = request(&f, id);
        assert_eq!(r.step, Step::Returned);
        assert_eq!(
            r.outcome_reason.as_deref(),
            Some("Fotokopi KK tidak terbaca")
        );
    }

    #[test]
    fn the_simulated_supervisor_card_signs_in() {
        let f = Fixture::new();
        let ctx = &f.ctx;
        let mut state = open(&f, f.request_at(1, Step::Registered));
        sign_in(&f, &mut state, Method::Card, "kasi", live::SIM_PIN);
        assert_eq!(
            state.supervisor.as_ref().map(|u| u.username.as_str()),
            Some("kasi"),
            "{}",
            error_text(&state)
        );
        let id = state.request.id;
        assert!(matches!(
            settle(&mut state, Message::Submit, ctx, State::update),
            Some(Nav::Request(to)) if to == id
        ));
        assert_eq!(request(&f, id).step, Step::Face);

        // A wrong PIN is refused by the card.
        let mut state = open(&f, f.request_at(2, Step::Registered));
        sign_in(&f, &mut state, Method::Card, "kasi", "1111");
        assert!(state.supervisor.is_none());
        assert!(
            error_text(&state).starts_with("Pembaca kartu pintar"),
            "{}",
            error_text(&state)
        );
    }

    #[test]
    fn resuming_does_only_what_is_left() {
        let f = Fixture::new();
        let ctx = &f.ctx;
        // Validated: no supervisor needed, the recording starts.
        let mut state = open(&f, f.request_at(1, Step::Validated));
        assert!(state.file.is_some());
        let id = state.request.id;
        assert!(matches!(
            settle(&mut state, Message::Submit, ctx, State::update),
            Some(Nav::Request(to)) if to == id
        ));
        assert_eq!(request(&f, id).step, Step::Face);

        // Verified: validation only.
        let r = f.request_at(2, Step::Registered);
        let (sup, id) = (f.supervisor.clone(), r.id);
        f.store(move |s| Ok(s.verify(&sup, id)?));
        let mut state = open(&f, request(&f, id));
        assert_eq!(state.request.step, Step::Verified);
        sign_in(&f, &mut state, Method::Password, "kasi", PASSWORD);
        assert!(settle(&mut state, Message::Submit, ctx, State::update).is_some());
        assert_eq!(request(&f, id).step, Step::Face);

        // Requirements checked but not registered (a crash in between): registered on opening.
        let r = f.request_at(3, Step::FileReceived);
        let (op, id, service) = (f.operator.clone(), r.id, f.applicant(3).service);
        f.store(move |s| {
            let findings: Vec<(Requirement, Check)> = service
                .requirements()
                .iter()
                .map(|(r, need)| {
                    let c = if *need == Need::Required {
                        Check::Present
                    } else {
                        Check::NotApplicable
                    };
                    (*r, c)
                })
                .collect();
            Ok(s.check_requirements(&op, id, &findings)?)
        });
        let state = open(&f, request(&f, id));
        assert_eq!(
            state.request.step,
            Step::Registered,
            "{}",
            error_text(&state)
        );
        assert!(state.request.register_number.is_some());
    }

    #[test]
    fn the_view_signs_in_by_widget_id_and_then_offers_the_decision() {
        let f = Fixture::new();
        let ctx = &f.ctx;
        let mut state = open(&f, f.request_at(1, Step::Registered));
        let name = f.applicant(1).biodata.full_name.to_uppercase();
        let mut ui = simulator(state.view(ctx));
        assert!(ui.find("Berkas pemohon").is_ok());
        assert!(
            ui.find(name.as_str()).is_ok(),
            "the applicant's name is shown"
        );
        ui.click(id("verify-username")).expect("username field");
        let _ = ui.typewrite("kasi");
        ui.click(id("verify-password")).expect("password field");
        let _ = ui.typewrite(PASSWORD);
        ui.click("Masuk sebagai supervisor [Enter]")
            .expect("sign-in button");
        let messages: Vec<Message> = ui.into_messages().collect();
        assert!(matches!(messages.last(), Some(Message::Submit)));
        for m in messages {
            assert!(settle(&mut state, m, ctx, State::update).is_none());
        }
        assert!(state.supervisor.is_some(), "{}", error_text(&state));

        let mut ui = simulator(state.view(ctx));
        assert!(ui.find("Supervisor: Sri Wahyuni (kasi)").is_ok());
        ui.click("Verifikasi dan validasi [Enter]")
            .expect("verify button");
        ui.click("Tolak [T]").expect("reject button");
        ui.click("Ganti supervisor [F4]").expect("sign-out button");
        let messages: Vec<Message> = ui.into_messages().collect();
        assert!(matches!(
            messages[..],
            [Message::Submit, Message::AskReject, Message::SignOut]
        ));

        // Keys: T rejects only with a supervisor; Enter goes on.
        let none = Modifiers::empty();
        assert!(matches!(
            state.shortcut(&Key::Character("t".into()), none),
            Some(Message::AskReject)
        ));
        assert!(matches!(
            state.shortcut(&Key::Named(Named::Enter), none),
            Some(Message::Submit)
        ));
        assert!(state.shortcut(&Key::Named(Named::F3), none).is_none());
        assert_eq!(
            state.guide(ctx).say,
            "Mohon tunggu, berkas Anda sedang diverifikasi"
        );
    }
}
