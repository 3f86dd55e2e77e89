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
//!
//! The view is in `view`.

use iced::keyboard::{Key, Modifiers, key::Named};
use iced::{Subscription, Task};
use rekam_device::Backend;
use zeroize::Zeroizing;

use super::intake::off_thread;
use super::{Action, Nav};
use crate::devices::live::{self, SimCard};
use crate::store::{Role, User};
use crate::ui::applicant::Guide;
use crate::ui::ctx::Ctx;
use crate::ui::db::Failure;
use crate::workflow::applicant_view::ApplicantFile;
use crate::workflow::{RequestView, Step, WorkflowError};

#[cfg(test)]
mod tests;
mod view;

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
        let (id, step) = (self.request.id, self.request.step);
        self.loading = true;
        self.error = None;
        Task::perform(
            ctx.write(move |s, user| {
                let not_registered = (step == Step::RequirementsChecked)
                    .then(|| s.register(user, id).err().map(Failure::from))
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
                // The sign-in fields appear once the file is loaded: put the cursor there now.
                if self.supervisor.is_none() {
                    return Action::Run(iced::widget::operation::focus("verify-username"));
                }
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
                // A training station's simulated reader holds the card issued to the username
                // typed in, from its wallet (none: the reader is empty).
                let sim = (backend == Backend::Simulated)
                    .then(|| SimCard::officer_of(&ctx.paths.data_dir, &username))
                    .flatten();
                Action::Run(Task::perform(
                    async move {
                        let proof = off_thread("rekam-card-supervisor", move || {
                            // The card's own error in the operator's language.
                            live::officer_login(&settings, backend, sim.as_ref(), &pin)
                                .map_err(Failure::new)
                        })
                        .await?;
                        db.call(move |store| Ok(store.authenticate_card(&proof)?))
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
        let supervisor = self.supervisor.clone();
        let id = self.request.id;
        self.busy = true;
        self.error = None;
        Action::Run(Task::perform(
            ctx.write(move |s, operator| {
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
                    s.begin_recording(operator, id)?;
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
