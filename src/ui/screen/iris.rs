//! Iris: right and left eye from the iris camera, or an exception with its reason.
//!
//! The right eye (ISO position 1) comes first, then the left (position 2). For each, the iris
//! camera runs (as a subscription) while the live preview is shown; every preview frame is
//! checked on a thread of its own ([`crate::capture::iris`], one check at a time) and the
//! quality bar follows it. The picture is taken with Space, or, when automatic capture is on,
//! by the auto-capture policy ([`crate::capture::policy`], limits from `[quality.iris]`, one
//! policy per eye): it takes the first frame that passes at its score, starts another attempt
//! when one times out (telling the operator what failed), and after the last keeps the best
//! frame of all with a note. Enter accepts the picture (stored at once as a grey PNG, a new
//! attempt, with the eye's decisions and their scores), R retakes it. An eye that cannot be
//! imaged gets an exception instead (E: a kind chosen with 1-5 and a reason that may not be
//! empty; the eye's decisions so far are stored with it). Once both eyes are stored the step
//! is completed and the root opens the next one.
//!
//! Phases per eye: `Live` → `Taking` → `Still` → `Saving` → next eye (or `Completing`); the
//! exception form can be opened from `Live` and `Still`, and stops the camera while open. A
//! refused store goes back to the still or the form as it was; a refused completion offers a
//! retry.

use std::sync::Arc;
use std::time::Instant;

use ::image::GrayImage;
use iced::keyboard::{Key, Modifiers, key::Named};
use iced::widget::{
    button, checkbox, column, container, image, progress_bar, row, text, text_input,
};
use iced::{Alignment, Element, Length, Subscription, Task};
use rekam_camera::{CameraRole, Eye};

use super::{Action, Nav};
use crate::capture::iris as checks;
use crate::capture::policy::Step as Policy;
use crate::capture::policy::{AutoCapture, Decision, Outcome};
use crate::capture::quality::{Assessment, Finding};
use crate::devices::live::{self, Scene};
use crate::lang::Localize;
use crate::ui::app::Ctx;
use crate::ui::applicant::{Guide, Show};
use crate::ui::db::Failure;
use crate::ui::db::off_thread;
use crate::ui::device::{self, CameraKey, CameraUpdate, DeviceProblem, Link, Preview};
use crate::ui::i18n::{Tr, tk};
use crate::ui::theme::{self, Tone};
use crate::ui::widget::banner;
use crate::ui::widget::header::{self, Stage};
use crate::workflow::{
    CaptureContent, CaptureInput, ExceptionKind, Modality, RequestView, Step, capture_name,
};

/// Height of the live preview on the operator's screen, pixels.
const PREVIEW_HEIGHT: f32 = 400.0;
/// The id of the exception reason field.
pub const REASON_ID: &str = "iris-reason";
/// The positions in capture order: right eye, then left (ISO/IEC 19794-6).
const POSITIONS: [u8; 2] = [1, 2];

#[derive(Debug)]
pub struct State {
    request: RequestView,
    person: u64,
    /// The position being captured now (1 right, 2 left).
    position: u8,
    /// What is stored for each position, in [`POSITIONS`] order.
    stored: [Option<Stored>; 2],
    phase: Phase,
    auto: bool,
    link: Link,
    problem: Option<DeviceProblem>,
    preview: Option<Preview>,
    checks: Option<Assessment>,
    checking: bool,
    /// The auto-capture policy of the current eye.
    policy: AutoCapture<Arc<GrayImage>>,
    /// The current eye's decisions not stored yet (stored with its image or exception).
    decisions: Vec<Decision>,
    /// The current eye's last attempt that timed out, with its best frame's first problem.
    retry: Option<Decision>,
    exception: Option<ExceptionForm>,
    error: Option<Failure>,
}

#[derive(Debug, Clone)]
enum Phase {
    Live,
    Taking,
    Still(IrisStill),
    /// Storing the still (`Some`) or the exception (`None`, the form stays open until stored).
    Saving(Option<IrisStill>),
    /// Both eyes are stored; the step is being completed.
    Completing,
}

/// A picture that was taken: the grey image and its checks.
#[derive(Debug, Clone)]
pub struct IrisStill {
    pub gray: Arc<GrayImage>,
    pub handle: image::Handle,
    pub checks: Assessment,
    /// Kept by the policy as the best of its attempts, not because it passed.
    pub settled: bool,
}

/// What was stored for one eye.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    Image { quality: Option<u8> },
    Exception(ExceptionKind),
}

/// The exception form for the current eye.
#[derive(Debug, Clone, Default)]
struct ExceptionForm {
    kind: Option<ExceptionKind>,
    reason: String,
    /// Why the last attempt to save it was refused (shown in the form).
    refused: Option<&'static str>,
}

#[derive(Debug, Clone)]
pub enum Message {
    Camera(CameraUpdate),
    /// The checks of a frame taken at `at`, with the frame in grey (an error when the thread
    /// could not run).
    Checked {
        at: Instant,
        checks: Result<(Arc<GrayImage>, Assessment), Failure>,
    },
    Capture,
    Taken(Result<IrisStill, Failure>),
    Retake,
    Accept,
    ToggleAuto,
    OpenException,
    Kind(ExceptionKind),
    Reason(String),
    SaveException,
    CloseException,
    Stored {
        position: u8,
        result: Result<Stored, Failure>,
    },
    /// Completes the step again after a refusal.
    Complete,
    Completed(Result<Step, Failure>),
}

impl State {
    pub fn new(ctx: &Ctx, request: RequestView) -> (State, Task<Message>) {
        let nik = request.nik.clone().unwrap_or_default();
        // Resuming: eyes stored before keep their capture. When both are there (a redo from
        // review), both are taken again.
        let mut stored = POSITIONS.map(|p| existing(&request, p));
        if stored.iter().all(Option::is_some) {
            stored = [None, None];
        }
        let position = POSITIONS
            .iter()
            .zip(&stored)
            .find(|(_, s)| s.is_none())
            .map_or(1, |(p, _)| *p);
        let state = State {
            request,
            person: super::face::person_seed(&nik),
            position,
            stored,
            phase: Phase::Live,
            auto: true,
            link: Link::Opening,
            problem: None,
            preview: None,
            checks: None,
            checking: false,
            policy: AutoCapture::new(Modality::Iris, ctx.settings.quality.iris, Instant::now()),
            decisions: Vec::new(),
            retry: None,
            exception: None,
            error: None,
        };
        (state, Task::none())
    }

    pub fn update(&mut self, message: Message, ctx: &Ctx) -> Action<Message> {
        match message {
            Message::Camera(update) => self.camera(update),
            Message::Checked { at, checks } => self.checked(at, checks),
            Message::Capture => self.capture(),
            Message::Taken(result) => self.taken(result),
            Message::Retake => {
                if matches!(self.phase, Phase::Still(_)) {
                    self.error = None;
                    self.back_to_live();
                }
                Action::None
            }
            Message::Accept => self.accept(ctx),
            Message::ToggleAuto => {
                self.auto = !self.auto;
                self.policy.restart(Instant::now());
                self.retry = None;
                Action::None
            }
            Message::OpenException => self.open_exception(),
            Message::Kind(kind) => {
                if let Some(form) = &mut self.exception {
                    form.kind = Some(kind);
                    form.refused = None;
                }
                Action::None
            }
            Message::Reason(reason) => {
                if let Some(form) = &mut self.exception {
                    form.reason = reason;
                    form.refused = None;
                }
                Action::None
            }
            Message::SaveException => self.save_exception(ctx),
            Message::CloseException => {
                if matches!(self.phase, Phase::Saving(_)) {
                    return Action::None;
                }
                if self.exception.take().is_some() && matches!(self.phase, Phase::Live) {
                    // The camera starts again: show it as opening until it reports.
                    self.back_to_live();
                }
                Action::None
            }
            Message::Stored { position, result } => self.stored(position, result, ctx),
            Message::Complete => {
                // A retry after a refusal (none is in flight while the error is shown).
                if matches!(self.phase, Phase::Completing) && self.error.is_some() {
                    return self.complete(ctx);
                }
                Action::None
            }
            Message::Completed(result) => match result {
                Ok(_) => Action::Go(Nav::Request(self.request.id)),
                Err(e) => {
                    self.error = Some(e);
                    // Completing failed: the eyes are stored; let the operator try again.
                    self.phase = Phase::Completing;
                    Action::None
                }
            },
        }
    }

    fn camera(&mut self, update: CameraUpdate) -> Action<Message> {
        match update {
            CameraUpdate::Link(link) => {
                if matches!(link, Link::Connected(_)) {
                    self.problem = None;
                }
                self.link = link;
                Action::None
            }
            CameraUpdate::Problem(problem) => {
                self.problem = Some(problem);
                Action::None
            }
            CameraUpdate::Frame(preview) => self.frame(preview),
        }
    }

    fn previewing(&self) -> bool {
        matches!(self.phase, Phase::Live) && self.exception.is_none()
    }

    fn frame(&mut self, preview: Preview) -> Action<Message> {
        if !self.previewing() {
            return Action::None;
        }
        let (rgb, at) = (preview.rgb.clone(), preview.at);
        self.preview = Some(preview);
        if self.checking {
            return Action::None;
        }
        self.checking = true;
        Action::Run(Task::perform(
            off_thread("rekam-iris-check", move || {
                let gray = checks::to_gray(&rgb);
                let assessment = checks::assess(&gray);
                (Arc::new(gray), assessment)
            }),
            move |checks| Message::Checked { at, checks },
        ))
    }

    fn checked(
        &mut self,
        at: Instant,
        checks: Result<(Arc<GrayImage>, Assessment), Failure>,
    ) -> Action<Message> {
        self.checking = false;
        if !self.previewing() {
            return Action::None;
        }
        let (gray, checks) = match checks {
            Ok(c) => c,
            Err(e) => {
                // The next frame is checked again; meanwhile the operator sees why.
                self.error = Some(e);
                return Action::None;
            }
        };
        self.checks = Some(checks.clone());
        if !self.auto {
            return Action::None;
        }
        match self.policy.offer(checks, gray, at) {
            Policy::Continue => Action::None,
            Policy::Retry(decision) => {
                self.retry = Some(decision.clone());
                self.decisions.push(decision);
                Action::None
            }
            Policy::Take(gray, decision) => {
                self.decisions.push(decision);
                self.take_frame(gray, false)
            }
            Policy::Settle(gray, decision) => {
                self.decisions.push(decision);
                match gray {
                    Some(gray) => self.take_frame(gray, true),
                    None => Action::None,
                }
            }
        }
    }

    /// The operator's Space: the latest frame, whatever its checks.
    fn capture(&mut self) -> Action<Message> {
        if !self.previewing() {
            return Action::None;
        }
        let Some(preview) = &self.preview else {
            return Action::None;
        };
        let rgb = preview.rgb.clone();
        self.decisions.push(Decision {
            modality: Modality::Iris,
            attempt: self.policy.attempt(),
            outcome: Outcome::Operator,
            frames: self.policy.frames(),
            best: self.checks.clone(),
        });
        self.phase = Phase::Taking;
        self.error = None;
        Action::Run(Task::perform(
            off_thread("rekam-iris-take", move || {
                take(&Arc::new(checks::to_gray(&rgb)), false)
            }),
            Message::Taken,
        ))
    }

    /// Takes a frame the policy chose (`settled`: the best of all attempts, with a note).
    fn take_frame(&mut self, gray: Arc<GrayImage>, settled: bool) -> Action<Message> {
        self.phase = Phase::Taking;
        self.error = None;
        Action::Run(Task::perform(
            off_thread("rekam-iris-take", move || take(&gray, settled)),
            Message::Taken,
        ))
    }

    fn taken(&mut self, result: Result<IrisStill, Failure>) -> Action<Message> {
        if !matches!(self.phase, Phase::Taking) {
            return Action::None;
        }
        match result {
            Ok(still) => self.phase = Phase::Still(still),
            Err(e) => {
                self.error = Some(e);
                self.back_to_live();
            }
        }
        Action::None
    }

    fn back_to_live(&mut self) {
        self.phase = Phase::Live;
        self.policy.restart(Instant::now());
        self.retry = None;
        self.checks = None;
        self.preview = None;
        self.link = Link::Opening;
    }

    fn accept(&mut self, ctx: &Ctx) -> Action<Message> {
        let Phase::Still(still) = &self.phase else {
            return Action::None;
        };
        if self.exception.is_some() {
            return Action::None;
        }
        let (gray, quality) = (still.gray.clone(), still.checks.score);
        let still = still.clone();
        let store = self.store_task(ctx, move || {
            let bytes = checks::encode_png(&gray)?;
            let (width, height) = gray.dimensions();
            Ok((
                CaptureContent::Data {
                    format: "png".into(),
                    width,
                    height,
                    quality: Some(quality),
                    bytes,
                },
                Stored::Image {
                    quality: Some(quality),
                },
            ))
        });
        if store.is_some() {
            self.phase = Phase::Saving(Some(still));
        }
        store.map_or(Action::None, Action::Run)
    }

    fn open_exception(&mut self) -> Action<Message> {
        if !matches!(self.phase, Phase::Live | Phase::Still(_)) || self.exception.is_some() {
            return Action::None;
        }
        self.exception = Some(ExceptionForm::default());
        Action::Run(iced::widget::operation::focus(REASON_ID))
    }

    fn save_exception(&mut self, ctx: &Ctx) -> Action<Message> {
        if matches!(self.phase, Phase::Saving(_)) {
            return Action::None;
        }
        let Some(form) = &mut self.exception else {
            return Action::None;
        };
        let Some(kind) = form.kind else {
            form.refused = Some(tk("iris.exception_no_kind"));
            return Action::None;
        };
        let reason = form.reason.trim().to_owned();
        if reason.is_empty() {
            form.refused = Some(tk("iris.exception_no_reason"));
            return Action::Run(iced::widget::operation::focus(REASON_ID));
        }
        let store = self.store_task(ctx, move || {
            Ok((
                CaptureContent::Exception { kind, reason },
                Stored::Exception(kind),
            ))
        });
        if store.is_some() {
            // The form stays (disabled) until the store confirms, so that a refusal keeps what
            // was typed.
            let still = match &self.phase {
                Phase::Still(s) => Some(s.clone()),
                _ => None,
            };
            self.phase = Phase::Saving(still);
        }
        store.map_or(Action::None, Action::Run)
    }

    /// Prepares the content off the UI thread (PNG encoding) and stores it for the current
    /// position with the eye's pending decisions; `None` (with the error shown) when there is
    /// no store or no user.
    fn store_task(
        &mut self,
        ctx: &Ctx,
        content: impl FnOnce() -> Result<(CaptureContent, Stored), Failure> + Send + 'static,
    ) -> Option<Task<Message>> {
        let (db, user) = match ctx.storage() {
            Ok(found) => found,
            Err(e) => {
                self.error = Some(e);
                return None;
            }
        };
        self.error = None;
        let (request, position) = (self.request.id, self.position);
        let decisions = self.decisions.clone();
        Some(Task::perform(
            async move {
                let (content, stored) = off_thread("rekam-iris-encode", content).await??;
                db.call(move |store| {
                    let input = CaptureInput {
                        modality: Modality::Iris,
                        position,
                        content,
                    };
                    store.add_capture(&user, request, &input)?;
                    // After the capture: a refused capture leaves no decisions about it.
                    for decision in &decisions {
                        store.record_decision(&user, request, position, decision)?;
                    }
                    Ok(stored)
                })
                .await
            },
            move |result| Message::Stored { position, result },
        ))
    }

    fn stored(
        &mut self,
        position: u8,
        result: Result<Stored, Failure>,
        ctx: &Ctx,
    ) -> Action<Message> {
        let stored = match result {
            Ok(s) => s,
            Err(e) => {
                self.error = Some(e);
                // Back to where the operator was: the still, or the live camera (paused while
                // the exception form, kept as typed, is open).
                match std::mem::replace(&mut self.phase, Phase::Live) {
                    Phase::Saving(Some(still)) => self.phase = Phase::Still(still),
                    _ if self.exception.is_some() => {}
                    _ => self.back_to_live(),
                }
                return Action::None;
            }
        };
        self.exception = None;
        // Stored with the eye: the next eye starts its own.
        self.decisions.clear();
        if let Some(slot) = POSITIONS
            .iter()
            .position(|p| *p == position)
            .and_then(|i| self.stored.get_mut(i))
        {
            *slot = Some(stored);
        }
        match POSITIONS
            .iter()
            .zip(&self.stored)
            .find(|(_, s)| s.is_none())
        {
            Some((next, _)) => {
                self.position = *next;
                self.back_to_live();
                Action::None
            }
            None => self.complete(ctx),
        }
    }

    fn complete(&mut self, ctx: &Ctx) -> Action<Message> {
        let (db, user) = match ctx.storage() {
            Ok(found) => found,
            Err(e) => {
                self.error = Some(e);
                return Action::None;
            }
        };
        self.phase = Phase::Completing;
        self.error = None;
        let request = self.request.id;
        Action::Run(Task::perform(
            db.call(move |store| Ok(store.complete_capture_step(&user, request)?)),
            Message::Completed,
        ))
    }

    fn eye(&self) -> Eye {
        if self.position == 1 {
            Eye::Right
        } else {
            Eye::Left
        }
    }

    pub fn view<'a>(&'a self, ctx: &'a Ctx) -> Element<'a, Message> {
        let tr = ctx.tr;
        let picture: Element<'a, Message> = match (&self.phase, &self.preview) {
            (Phase::Still(still) | Phase::Saving(Some(still)), _) => {
                picture(still.handle.clone(), still.gray.dimensions())
            }
            (Phase::Live | Phase::Taking, Some(p)) if self.exception.is_none() => {
                picture(p.handle.clone(), p.rgb.dimensions())
            }
            _ => container(
                text(if self.exception.is_some() {
                    tr.t("iris.camera_paused")
                } else {
                    tr.t("iris.waiting")
                })
                .size(theme::BODY),
            )
            .center_x(PREVIEW_HEIGHT * 4.0 / 3.0)
            .center_y(PREVIEW_HEIGHT)
            .into(),
        };
        let title = tr.f(
            "iris.eye_title",
            &[
                (
                    "eye",
                    &capture_name(Modality::Iris, self.position, tr.lang()),
                ),
                ("n", &self.position),
            ],
        );
        let side = column![text(title).size(theme::TITLE), self.eyes_view(tr)];
        let side = match &self.exception {
            // The camera is paused while the form is open: the form takes the checks' place.
            Some(form) => side.push(self.exception_view(form, tr)),
            None => side
                .push(self.checks_view(tr))
                .push(self.device_view(tr))
                .push(
                    checkbox(self.auto)
                        .label(tr.t("iris.auto"))
                        .on_toggle(|_| Message::ToggleAuto)
                        .size(22)
                        .text_size(theme::BODY),
                )
                .push(self.policy_view(tr))
                .push(self.actions(tr)),
        };
        let side = side
            .push(
                self.error
                    .as_ref()
                    .map(|e| banner(Tone::Bad, e.text(ctx.lang()))),
            )
            .spacing(12)
            .width(Length::Fill);
        column![
            header::view(&self.request, Stage::Iris, tr),
            row![container(picture).style(theme::panel).padding(4), side]
                .spacing(theme::GAP)
                .align_y(Alignment::Start),
        ]
        .spacing(theme::GAP)
        .into()
    }

    /// Both eyes: stored (with quality or exception), being captured, or to come.
    fn eyes_view<'a>(&self, tr: Tr) -> Element<'a, Message> {
        let lines = POSITIONS.iter().zip(&self.stored).map(|(p, s)| {
            let name = capture_name(Modality::Iris, *p, tr.lang());
            let (state, tone) = match s {
                Some(Stored::Image {
                    quality: Some(q), ..
                }) => (tr.f("iris.stored_quality", &[("quality", q)]), Tone::Good),
                Some(Stored::Image { .. }) => (tr.t("iris.stored"), Tone::Good),
                Some(Stored::Exception(kind)) => (
                    tr.f(
                        "iris.stored_exception",
                        &[("kind", &kind.localize(tr.lang()))],
                    ),
                    Tone::Warning,
                ),
                None if *p == self.position => (tr.t("iris.now"), Tone::Info),
                None => (tr.t("iris.later"), Tone::Info),
            };
            row![
                text(name).size(theme::BODY).width(Length::Fixed(120.0)),
                text(state).size(theme::BODY).style(theme::tone_text(tone)),
            ]
            .spacing(10)
            .into()
        });
        column(lines).spacing(4).into()
    }

    fn current_checks(&self) -> Option<&Assessment> {
        match &self.phase {
            Phase::Still(s) => Some(&s.checks),
            Phase::Live | Phase::Taking => self.checks.as_ref(),
            Phase::Saving(still) => still.as_ref().map(|s| &s.checks),
            Phase::Completing => None,
        }
    }

    fn checks_view<'a>(&self, tr: Tr) -> Element<'a, Message> {
        let Some(checks) = self.current_checks() else {
            return text(tr.t("iris.checks_waiting"))
                .size(theme::SMALL)
                .style(theme::muted)
                .into();
        };
        let bar = progress_bar(0.0..=100.0, f32::from(checks.score))
            .girth(14)
            .length(Length::Fixed(320.0))
            .style(if checks.acceptable {
                progress_bar::success
            } else {
                progress_bar::danger
            });
        // Without an eye the checks that need one were not measured: no value to show.
        let eye = checks.get("eye_present").is_some_and(|f| f.pass);
        let lines = checks.findings.iter().map(|f| {
            let (state, tone) = if f.pass {
                (tr.t("iris.pass"), Tone::Good)
            } else {
                (tr.t("iris.fail"), Tone::Bad)
            };
            let measured = eye || matches!(f.check.as_str(), "contrast" | "eye_present");
            column![
                row![
                    text(state).size(theme::BODY).style(theme::tone_text(tone)),
                    text(f.message(tr.lang()).to_owned())
                        .size(theme::BODY)
                        .width(Length::Fill),
                ]
                .spacing(10),
            ]
            .push(
                describe(f, tr)
                    .filter(|_| measured)
                    .map(|d| text(d).size(theme::SMALL).style(theme::muted)),
            )
            .spacing(2)
            .into()
        });
        column![
            row![
                text(tr.f("iris.quality", &[("quality", &checks.score)])).size(theme::BODY),
                bar
            ]
            .spacing(10)
            .align_y(Alignment::Center),
        ]
        .extend(lines)
        .spacing(6)
        .into()
    }

    /// What the auto-capture policy is doing: its limits, the attempt, and why the last one
    /// timed out.
    fn policy_view<'a>(&'a self, tr: Tr) -> Element<'a, Message> {
        let limits = self.policy.limits();
        let hint = text(tr.f(
            "iris.auto_hint",
            &[
                ("score", &limits.accept_score),
                ("seconds", &limits.timeout_secs),
                ("attempts", &limits.max_attempts),
            ],
        ))
        .size(theme::SMALL)
        .style(theme::muted);
        let retry = self
            .retry
            .as_ref()
            .filter(|_| self.previewing() && self.auto)
            .map(|d| {
                let problem = d
                    .best
                    .as_ref()
                    .and_then(|b| b.first_problem(tr.lang()))
                    .map_or_else(|| tr.t("iris.no_frame"), str::to_owned);
                banner(
                    Tone::Warning,
                    tr.f(
                        "iris.attempt",
                        &[
                            ("attempt", &self.policy.attempt()),
                            ("attempts", &limits.max_attempts),
                            ("problem", &problem),
                        ],
                    ),
                )
            });
        column![hint].push(retry).spacing(6).into()
    }

    fn device_view<'a>(&'a self, tr: Tr) -> Element<'a, Message> {
        let live = self.previewing() || matches!(self.phase, Phase::Taking);
        let status = match (&self.link, live) {
            (_, false) => tr.t("iris.camera_off"),
            (Link::Opening, true) => tr.t("iris.camera_opening"),
            (Link::Connected(info), true) => tr.f("iris.camera_ready", &[("model", &info.model)]),
            (Link::Lost(reason), true) => tr.f("iris.camera_lost", &[("reason", reason)]),
        };
        let lost = live && matches!(self.link, Link::Lost(_));
        column![
            text(status)
                .size(theme::SMALL)
                .style(move |t: &iced::Theme| {
                    if lost {
                        theme::tone_text(Tone::Bad)(t)
                    } else {
                        theme::muted(t)
                    }
                })
        ]
        .push(
            self.problem
                .as_ref()
                .filter(|_| live)
                .map(|p| banner(Tone::Bad, p.localize(tr.lang()))),
        )
        .spacing(6)
        .into()
    }

    fn actions<'a>(&'a self, tr: Tr) -> Element<'a, Message> {
        let exception = key_button(tr.t("iris.exception"), Some(Message::OpenException), false);
        match &self.phase {
            Phase::Live => row![
                key_button(
                    tr.t("iris.take"),
                    self.preview.as_ref().map(|_| Message::Capture),
                    true
                ),
                exception,
            ]
            .spacing(theme::GAP)
            .into(),
            Phase::Taking => text(tr.t("iris.taking")).size(theme::BODY).into(),
            Phase::Still(still) => column![
                still
                    .settled
                    .then(|| banner(Tone::Warning, tr.t("iris.settled"))),
                (!still.settled && !still.checks.acceptable)
                    .then(|| banner(Tone::Warning, tr.t("iris.still_not_all_pass"))),
                row![
                    key_button(tr.t("iris.retake"), Some(Message::Retake), false),
                    key_button(tr.t("iris.accept"), Some(Message::Accept), true),
                    exception,
                ]
                .spacing(theme::GAP),
            ]
            .spacing(8)
            .into(),
            Phase::Saving(_) => text(tr.t("iris.saving")).size(theme::BODY).into(),
            Phase::Completing if self.error.is_some() => {
                key_button(tr.t("iris.retry"), Some(Message::Complete), true)
            }
            Phase::Completing => text(tr.t("iris.completing")).size(theme::BODY).into(),
        }
    }

    fn exception_view<'a>(&'a self, form: &'a ExceptionForm, tr: Tr) -> Element<'a, Message> {
        // Buttons rather than radios: their labels are text the keys and a finger both find.
        // Two to a row, so that the form fits under the header on a 768-pixel screen.
        let kind = |i: usize, kind: ExceptionKind| -> Element<'a, Message> {
            button(text(format!("[{}] {}", i + 1, kind.localize(tr.lang()))).size(theme::BODY))
                .on_press(Message::Kind(kind))
                .padding([8, 12])
                .width(Length::Fill)
                .style(theme::row_button(form.kind == Some(kind)))
                .into()
        };
        let kinds = ExceptionKind::ALL
            .chunks(2)
            .enumerate()
            .map(|(r, pair)| {
                row(pair.iter().enumerate().map(|(c, k)| kind(r * 2 + c, *k)))
                    .spacing(6)
                    .into()
            })
            .collect::<Vec<Element<'a, Message>>>();
        let saving = matches!(self.phase, Phase::Saving(_));
        let title = tr.f(
            "iris.exception_title",
            &[(
                "eye",
                &capture_name(Modality::Iris, self.position, tr.lang()),
            )],
        );
        container(
            column![
                text(title).size(theme::HEADING),
                text(tr.t("iris.exception_kind")).size(theme::BODY),
                column(kinds).spacing(6),
                text(tr.t("iris.exception_reason")).size(theme::BODY),
                text_input(&tr.t("iris.exception_reason_hint"), &form.reason)
                    .id(REASON_ID)
                    .on_input(Message::Reason)
                    .on_submit(Message::SaveException)
                    .size(theme::BODY)
                    .padding(10),
            ]
            .push(form.refused.map(|key| banner(Tone::Bad, tr.t(key))))
            .push(
                row![
                    key_button(
                        tr.t("iris.exception_save"),
                        (!saving).then_some(Message::SaveException),
                        true
                    ),
                    key_button(
                        tr.t("iris.exception_cancel"),
                        (!saving).then_some(Message::CloseException),
                        false
                    ),
                ]
                .spacing(theme::GAP),
            )
            .spacing(8),
        )
        .padding(12)
        .style(theme::panel)
        .into()
    }

    pub fn subscription(&self, ctx: &Ctx) -> Subscription<Message> {
        if !self.previewing() {
            return Subscription::none();
        }
        device::camera(CameraKey {
            config: live::camera_config(&ctx.settings.iris_camera, CameraRole::Iris),
            backend: ctx.backends.iris_camera,
            scene: Scene::Iris {
                eye: self.eye(),
                person: self.person,
            },
            mirror: false,
        })
        .map(Message::Camera)
    }

    pub fn shortcut(&self, key: &Key, _modifiers: Modifiers) -> Option<Message> {
        if self.exception.is_some() {
            return match key.as_ref() {
                Key::Named(Named::Enter) => Some(Message::SaveException),
                Key::Named(Named::Escape) => Some(Message::CloseException),
                Key::Character(c) => c
                    .parse::<usize>()
                    .ok()
                    .and_then(|n| n.checked_sub(1))
                    .and_then(|i| ExceptionKind::ALL.get(i))
                    .map(|k| Message::Kind(*k)),
                _ => None,
            };
        }
        let live = matches!(self.phase, Phase::Live);
        let still = matches!(self.phase, Phase::Still(_));
        let retry = matches!(self.phase, Phase::Completing) && self.error.is_some();
        match key.as_ref() {
            Key::Named(Named::Space) if live => Some(Message::Capture),
            Key::Named(Named::Enter) if still => Some(Message::Accept),
            Key::Named(Named::Enter) if retry => Some(Message::Complete),
            Key::Named(Named::Escape) if still => Some(Message::Retake),
            Key::Character(c) if still && c.eq_ignore_ascii_case("r") => Some(Message::Retake),
            Key::Character(c) if (live || still) && c.eq_ignore_ascii_case("e") => {
                Some(Message::OpenException)
            }
            Key::Character(c) if c.eq_ignore_ascii_case("a") => Some(Message::ToggleAuto),
            _ => None,
        }
    }

    pub fn guide(&self, ctx: &Ctx) -> Guide {
        let tr = ctx.tr;
        if !self.previewing() && !matches!(self.phase, Phase::Taking) {
            return Guide::new(tr.t("iris.guide_wait"));
        }
        let say = if self.position == 1 {
            tr.t("iris.guide_right")
        } else {
            tr.t("iris.guide_left")
        };
        let g = Guide::new(say).detail(tr.t("iris.guide_detail"));
        match &self.preview {
            Some(p) => g.show(Show::Camera(p.handle.clone())),
            None => g,
        }
    }
}

/// The current capture of an iris position in the request, if any.
fn existing(request: &RequestView, position: u8) -> Option<Stored> {
    request
        .captures
        .iter()
        .find(|c| c.modality == Modality::Iris && c.position == position)
        .map(|c| match c.exception {
            Some(kind) => Stored::Exception(kind),
            None => Stored::Image { quality: c.quality },
        })
}

fn picture<'a>(handle: image::Handle, (w, h): (u32, u32)) -> Element<'a, Message> {
    image(handle)
        .width(PREVIEW_HEIGHT * w as f32 / h.max(1) as f32)
        .height(PREVIEW_HEIGHT)
        .into()
}

fn key_button<'a>(label: String, message: Option<Message>, primary: bool) -> Element<'a, Message> {
    button(text(label).size(theme::BODY))
        .padding(theme::BUTTON_PADDING)
        .height(theme::CONTROL_HEIGHT)
        .on_press_maybe(message)
        .style(if primary {
            button::primary
        } else {
            button::secondary
        })
        .into()
}

/// What a finding measured, in words, when its sentence does not already say it.
fn describe(f: &Finding, tr: Tr) -> Option<String> {
    let v = format!("{:.0}", f.value);
    match f.check.as_str() {
        "focus" => Some(format!(
            "{}: {}",
            tr.t("iris.check_sharpness"),
            tr.f("iris.value_sharpness", &[("value", &v)])
        )),
        "contrast" => Some(format!(
            "{}: {}",
            tr.t("iris.check_contrast"),
            tr.f("iris.value_contrast", &[("value", &v)])
        )),
        "eye_present" => Some(tr.f("iris.value_pupil", &[("value", &v)])),
        "centring" => Some(format!(
            "{}: {:.0} %",
            tr.t("iris.check_pupil"),
            100.0 * f.value
        )),
        _ => None,
    }
}

/// Builds the still (grey to RGBA for the screen), off the UI thread.
fn take(gray: &Arc<GrayImage>, settled: bool) -> IrisStill {
    let checks = checks::assess(gray);
    let (w, h) = gray.dimensions();
    let rgba: Vec<u8> = gray
        .pixels()
        .flat_map(|p| [p.0[0], p.0[0], p.0[0], 255])
        .collect();
    IrisStill {
        gray: gray.clone(),
        handle: image::Handle::from_rgba(w, h, rgba),
        checks,
        settled,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::Lang;
    use crate::ui::screen::testing::{Fixture, settle, simulator};
    use iced_test::selector::id;
    use rekam_camera::{CameraConfig, FrameSource, SimOptions, SimulatedCamera};
    use std::time::Duration;

    /// A preview as the camera subscription delivers it: a simulated eye through the real YUYV
    /// decoder; `blur` defocuses it.
    fn preview(eye: Eye, at: Instant, blur: f32) -> Preview {
        let options = SimOptions {
            loop_frames: Some(2),
            realtime: false,
            ..SimOptions::default()
        };
        let mut camera = SimulatedCamera::iris(&CameraConfig::iris(2), eye, 7, options)
            .expect("simulated camera");
        let raw = camera.next_frame(Duration::from_secs(2)).expect("a frame");
        let mut rgb = rekam_camera::decode(&raw).expect("decoded");
        if blur > 0.0 {
            rgb = ::image::imageops::blur(&rgb, blur);
        }
        let frame = rekam_camera::Frame {
            rgb: Arc::new(rgb),
            sequence: 1,
            captured_at: at,
            decode_time: Duration::ZERO,
            dropped: 0,
        };
        device::preview(&frame, false)
    }

    fn frame(state: &mut State, f: &Fixture, at: Instant, blur: f32) {
        let p = preview(state.eye(), at, blur);
        let nav = settle(
            state,
            Message::Camera(CameraUpdate::Frame(p)),
            &f.ctx,
            State::update,
        );
        assert!(nav.is_none());
    }

    fn send(state: &mut State, f: &Fixture, m: Message) -> Option<Nav> {
        settle(state, m, &f.ctx, State::update)
    }

    fn recipes(state: &State, ctx: &Ctx) -> usize {
        iced_test::futures::subscription::into_recipes(state.subscription(ctx)).len()
    }

    #[test]
    fn right_eye_captured_and_left_eye_excepted_completes_the_step() {
        let f = Fixture::new();
        let r = f.request_at(1, Step::Iris);
        let id = r.id;
        let (mut state, _) = State::new(&f.ctx, r);
        assert_eq!((state.position, state.eye()), (1, Eye::Right));
        assert_eq!(
            state.guide(&f.ctx).say,
            "Lihat ke kamera iris dengan mata kanan"
        );

        frame(&mut state, &f, Instant::now(), 0.0);
        let checks = state.checks.clone().expect("checked");
        assert!(checks.acceptable, "{checks:?}");
        send(&mut state, &f, Message::Capture);
        assert!(matches!(state.phase, Phase::Still(_)), "{:?}", state.phase);
        assert_eq!(recipes(&state, &f.ctx), 0, "the camera stops on the still");
        assert!(send(&mut state, &f, Message::Accept).is_none());
        // On to the left eye, camera on again.
        assert_eq!((state.position, state.eye()), (2, Eye::Left));
        assert!(matches!(state.phase, Phase::Live));
        assert_eq!(recipes(&state, &f.ctx), 1);
        assert_eq!(
            state.guide(&f.ctx).say,
            "Lihat ke kamera iris dengan mata kiri"
        );
        assert!(matches!(state.stored[0], Some(Stored::Image { quality: Some(q) }) if q > 40));

        send(&mut state, &f, Message::OpenException);
        assert_eq!(recipes(&state, &f.ctx), 0, "the camera pauses for the form");
        send(&mut state, &f, Message::Kind(ExceptionKind::Missing));
        send(
            &mut state,
            &f,
            Message::Reason("  mata kiri tidak ada sejak lahir ".into()),
        );
        let nav = send(&mut state, &f, Message::SaveException);
        assert!(matches!(nav, Some(Nav::Request(n)) if n == id), "{nav:?}");

        let stored = f.store(move |s| Ok(s.request(id)?.expect("request")));
        assert_eq!(stored.step, Step::Signature);
        let irises: Vec<_> = stored
            .captures
            .iter()
            .filter(|c| c.modality == Modality::Iris)
            .cloned()
            .collect();
        assert_eq!(irises.len(), 2);
        assert_eq!(irises[0].position, 1);
        assert_eq!(irises[0].format.as_deref(), Some("png"));
        assert!(irises[0].quality.is_some_and(|q| q > 40));
        assert_eq!(irises[1].position, 2);
        assert_eq!(irises[1].exception, Some(ExceptionKind::Missing));
        assert_eq!(
            irises[1].exception_reason.as_deref(),
            Some("mata kiri tidak ada sejak lahir")
        );
        let right = irises[0].id;
        let bytes = f.store(move |s| Ok(s.capture_bytes(right)?));
        let png = ::image::load_from_memory_with_format(&bytes, ::image::ImageFormat::Png)
            .expect("a PNG");
        assert_eq!((png.width(), png.height()), (640, 480));
        assert_eq!(png.color(), ::image::ColorType::L8);
    }

    #[test]
    fn an_exception_without_a_reason_or_kind_is_refused_with_a_visible_message() {
        let f = Fixture::new();
        let r = f.request_at(1, Step::Iris);
        let id = r.id;
        let (mut state, _) = State::new(&f.ctx, r);
        send(&mut state, &f, Message::OpenException);

        assert!(send(&mut state, &f, Message::SaveException).is_none());
        let mut ui = simulator(state.view(&f.ctx));
        assert!(
            ui.find("Pilih jenis pengecualian terlebih dahulu (tekan 1-5).")
                .is_ok()
        );
        drop(ui);

        send(&mut state, &f, Message::Kind(ExceptionKind::Injured));
        send(&mut state, &f, Message::Reason("   ".into()));
        assert!(send(&mut state, &f, Message::SaveException).is_none());
        let mut ui = simulator(state.view(&f.ctx));
        assert!(
            ui.find("Alasan wajib diisi. Tuliskan mengapa iris ini tidak dapat direkam.")
                .is_ok()
        );
        drop(ui);
        assert!(state.exception.is_some(), "the form stays open");
        assert_eq!(state.position, 1);
        let stored = f.store(move |s| Ok(s.request(id)?.expect("request")));
        assert!(stored.captures.iter().all(|c| c.modality != Modality::Iris));

        // Cancelling goes back to the camera.
        send(&mut state, &f, Message::CloseException);
        assert!(state.exception.is_none());
        assert_eq!(recipes(&state, &f.ctx), 1);
    }

    #[test]
    fn a_blurred_eye_fails_and_is_not_taken_by_itself_but_a_sharp_one_is() {
        let f = Fixture::new();
        let (mut state, _) = State::new(&f.ctx, f.request_at(1, Step::Iris));
        let t0 = Instant::now();
        for n in 0..4u64 {
            frame(&mut state, &f, t0 + Duration::from_millis(600 * n), 3.0);
        }
        assert!(matches!(state.phase, Phase::Live));
        let checks = state.checks.clone().expect("checked");
        assert!(!checks.acceptable);
        assert!(checks.score <= 40);
        assert!(checks.get("focus").is_some_and(|c| !c.pass));
        let mut ui = simulator(state.view(&f.ctx));
        assert!(ui.find(format!("Mutu {}", checks.score)).is_ok());
        assert!(ui.find("Belum sesuai").is_ok());
        // The operator reads what is wrong and what to do.
        assert!(
            ui.find(
                "Iris buram: minta pemohon diam dan mengatur jarak ke kamera sampai gambar tajam."
            )
            .is_ok()
        );
        drop(ui);

        for n in 4..7u64 {
            frame(&mut state, &f, t0 + Duration::from_millis(600 * n), 0.0);
        }
        assert!(matches!(state.phase, Phase::Still(_)), "{:?}", state.phase);
    }

    fn tr_id(key: &str) -> String {
        Tr(Lang::Id).t(key)
    }

    #[test]
    fn a_good_eye_is_taken_by_the_policy_and_its_accepted_decision_stored_with_it() {
        let f = Fixture::new();
        let r = f.request_at(1, Step::Iris);
        let id = r.id;
        let (mut state, _) = State::new(&f.ctx, r);
        assert_eq!(state.policy.limits(), f.ctx.settings.quality.iris);
        let mut ui = simulator(state.view(&f.ctx));
        let limits = state.policy.limits();
        let hint = Tr(Lang::Id).f(
            "iris.auto_hint",
            &[
                ("score", &limits.accept_score),
                ("seconds", &limits.timeout_secs),
                ("attempts", &limits.max_attempts),
            ],
        );
        assert!(ui.find(hint.as_str()).is_ok(), "{hint}");
        drop(ui);

        frame(&mut state, &f, Instant::now(), 0.0);
        let Phase::Still(still) = &state.phase else {
            panic!("not taken: {:?}", state.phase);
        };
        assert!(!still.settled && still.checks.acceptable);
        assert!(still.checks.score >= limits.accept_score);
        let outcomes: Vec<Outcome> = state.decisions.iter().map(|d| d.outcome).collect();
        assert_eq!(outcomes, [Outcome::Accepted]);
        let mut ui = simulator(state.view(&f.ctx));
        assert!(ui.find(tr_id("iris.settled")).is_err());
        assert!(ui.find(tr_id("iris.still_not_all_pass")).is_err());
        drop(ui);

        send(&mut state, &f, Message::Accept);
        // The left eye starts a policy of its own.
        assert_eq!(state.position, 2);
        assert!(state.decisions.is_empty());
        assert_eq!((state.policy.attempt(), state.policy.frames()), (1, 0));
        let kept = f.store(move |s| Ok(s.decisions(id)?));
        assert_eq!(kept.len(), 1);
        let d = &kept[0];
        assert_eq!((d.modality, d.position), (Modality::Iris, 1));
        assert_eq!((d.attempt, d.outcome, d.frames), (1, Outcome::Accepted, 1));
        assert_eq!(d.acceptable, Some(true));
        assert_eq!(d.findings.len(), 5);
        let stored = f.store(move |s| Ok(s.request(id)?.expect("request")));
        let right = stored
            .captures
            .iter()
            .find(|c| c.modality == Modality::Iris && c.position == 1)
            .expect("the right eye");
        assert_eq!(right.quality, d.score);
    }

    #[test]
    fn a_blurred_eye_is_retried_then_the_best_is_kept_with_a_note_and_every_decision_stored() {
        let f = Fixture::new();
        let r = f.request_at(1, Step::Iris);
        let id = r.id;
        let (mut state, _) = State::new(&f.ctx, r);
        let limits = state.policy.limits();
        let step = Duration::from_secs(u64::from(limits.timeout_secs));
        let t0 = Instant::now();
        // A frame at the start of the attempt and one when it times out.
        frame(&mut state, &f, t0, 3.0);
        frame(&mut state, &f, t0 + step, 3.0);
        assert!(matches!(state.phase, Phase::Live), "{:?}", state.phase);
        assert_eq!(state.policy.attempt(), 2);
        let retry = state.retry.clone().expect("a retry");
        assert_eq!(
            (retry.attempt, retry.outcome, retry.frames),
            (1, Outcome::Retry, 2)
        );
        let problem = retry
            .best
            .as_ref()
            .and_then(|b| b.first_problem(Lang::Id))
            .map(str::to_owned)
            .expect("a problem");
        let mut ui = simulator(state.view(&f.ctx));
        let banner = format!(
            "Percobaan 2 dari {}. Sebelumnya: {problem}",
            limits.max_attempts
        );
        assert!(ui.find(banner.as_str()).is_ok(), "{banner}");
        drop(ui);
        // Every further attempt times out on blurred frames; after the last the best is kept.
        for n in 2..=u32::from(limits.max_attempts) {
            frame(&mut state, &f, t0 + step * n, 3.0);
        }
        let Phase::Still(still) = &state.phase else {
            panic!("not settled: {:?}", state.phase);
        };
        assert!(still.settled);
        assert!(!still.checks.acceptable);
        let mut ui = simulator(state.view(&f.ctx));
        assert!(ui.find(tr_id("iris.settled")).is_ok());
        drop(ui);

        send(&mut state, &f, Message::Accept);
        assert_eq!(state.position, 2);
        let kept = f.store(move |s| Ok(s.decisions(id)?));
        let outcomes: Vec<Outcome> = kept.iter().map(|d| d.outcome).collect();
        let mut expected = vec![Outcome::Retry; usize::from(limits.max_attempts) - 1];
        expected.push(Outcome::BestOfAttempts);
        assert_eq!(outcomes, expected);
        let attempts: Vec<u8> = kept.iter().map(|d| d.attempt).collect();
        assert_eq!(attempts, (1..=limits.max_attempts).collect::<Vec<u8>>());
        assert!(kept.iter().all(|d| {
            d.position == 1
                && d.modality == Modality::Iris
                && d.acceptable == Some(false)
                && d.findings.iter().any(|f| f.check == "focus" && !f.pass)
        }));
        let stored = f.store(move |s| Ok(s.request(id)?.expect("request")));
        let right = stored
            .captures
            .iter()
            .find(|c| c.modality == Modality::Iris && c.position == 1)
            .expect("the right eye, kept");
        assert!(right.quality.is_some_and(|q| q <= 40), "{right:?}");
        assert_eq!(right.quality, kept.last().and_then(|d| d.score));
    }

    #[test]
    fn a_blank_frame_is_never_taken_by_itself_and_the_manual_take_is_noted() {
        let f = Fixture::new();
        let r = f.request_at(1, Step::Iris);
        let id = r.id;
        let (mut state, _) = State::new(&f.ctx, r);
        let t0 = Instant::now();
        let mut blank = preview(state.eye(), t0, 0.0);
        Arc::make_mut(&mut blank.rgb)
            .pixels_mut()
            .for_each(|p| p.0 = [128, 128, 128]);
        let m = Message::Camera(CameraUpdate::Frame(blank));
        send(&mut state, &f, m);
        assert!(matches!(state.phase, Phase::Live));
        let checks = state.checks.clone().expect("checked");
        assert!(checks.get("eye_present").is_some_and(|c| !c.pass));
        assert!(state.decisions.is_empty());
        send(&mut state, &f, Message::Capture);
        let Phase::Still(still) = &state.phase else {
            panic!("not taken: {:?}", state.phase);
        };
        assert!(!still.settled);
        let mut ui = simulator(state.view(&f.ctx));
        assert!(ui.find(tr_id("iris.still_not_all_pass")).is_ok());
        drop(ui);
        send(&mut state, &f, Message::Accept);
        let kept = f.store(move |s| Ok(s.decisions(id)?));
        assert_eq!(kept.len(), 1);
        assert_eq!((kept[0].outcome, kept[0].position), (Outcome::Operator, 1));
        assert_eq!(kept[0].acceptable, Some(false));
    }

    #[test]
    fn resuming_starts_at_the_eye_still_missing() {
        let f = Fixture::new();
        let r = f.request_at(1, Step::Iris);
        let id = r.id;
        let op = f.operator.clone();
        let r = f.store(move |s| {
            s.add_capture(
                &op,
                id,
                &CaptureInput {
                    modality: Modality::Iris,
                    position: 1,
                    content: crate::ui::screen::testing::sample(Modality::Iris),
                },
            )?;
            Ok(s.request(id)?.expect("request"))
        });
        let (state, _) = State::new(&f.ctx, r);
        assert_eq!(state.position, 2);
        assert!(matches!(state.stored[0], Some(Stored::Image { .. })));
        let mut ui = simulator(state.view(&f.ctx));
        assert!(ui.find("Perekaman iris kiri (2 dari 2)").is_ok());
        assert!(ui.find("tersimpan, mutu 70").is_ok());
    }

    #[test]
    fn the_view_has_the_keys_on_its_buttons_and_the_form_types_by_id() {
        let f = Fixture::new();
        let (mut state, _) = State::new(&f.ctx, f.request_at(1, Step::Iris));
        // By hand: a good frame stays live until the operator takes it.
        state.auto = false;
        let mut ui = simulator(state.view(&f.ctx));
        assert!(ui.find("Perekaman iris kanan (1 dari 2)").is_ok());
        assert!(ui.find("Menyambungkan kamera iris…").is_ok());
        ui.click("Ambil [Spasi]")
            .expect("capture button (disabled: no frame yet)");
        ui.click("Pengecualian [E]").expect("exception button");
        let messages: Vec<Message> = ui.into_messages().collect();
        assert!(
            matches!(messages.as_slice(), [Message::OpenException]),
            "{messages:?}"
        );

        frame(&mut state, &f, Instant::now(), 0.0);
        let mut ui = simulator(state.view(&f.ctx));
        ui.click("Ambil [Spasi]").expect("capture button");
        let messages: Vec<Message> = ui.into_messages().collect();
        assert!(
            matches!(messages.as_slice(), [Message::Capture]),
            "{messages:?}"
        );

        send(&mut state, &f, Message::Capture);
        // The operator's take is a decision of its own, with the frame's scores.
        assert_eq!(state.decisions.len(), 1);
        assert_eq!(state.decisions[0].outcome, Outcome::Operator);
        assert!(
            state.decisions[0]
                .best
                .as_ref()
                .is_some_and(|b| b.acceptable)
        );
        let mut ui = simulator(state.view(&f.ctx));
        ui.click("Ulangi [R]").expect("retake");
        ui.click("Terima [Enter]").expect("accept");
        let messages: Vec<Message> = ui.into_messages().collect();
        assert!(
            matches!(messages.as_slice(), [Message::Retake, Message::Accept]),
            "{messages:?}"
        );

        send(&mut state, &f, Message::OpenException);
        let mut ui = simulator(state.view(&f.ctx));
        assert!(ui.find("Pengecualian untuk iris kanan").is_ok());
        ui.click("[2] cedera (sementara)").expect("a kind");
        ui.click(id(REASON_ID)).expect("the reason field");
        let _ = ui.typewrite("perban");
        ui.click("Simpan pengecualian [Enter]").expect("save");
        let messages: Vec<Message> = ui.into_messages().collect();
        assert!(matches!(
            messages.first(),
            Some(Message::Kind(ExceptionKind::Injured))
        ));
        assert!(
            messages
                .iter()
                .any(|m| matches!(m, Message::Reason(r) if r == "perban"))
        );
        assert!(matches!(messages.last(), Some(Message::SaveException)));
    }

    #[test]
    fn keys_follow_the_phase_and_the_form() {
        let f = Fixture::new();
        let (mut state, _) = State::new(&f.ctx, f.request_at(1, Step::Iris));
        let key = |s: &State, k: Key| s.shortcut(&k, Modifiers::empty()).map(|m| format!("{m:?}"));
        assert_eq!(
            key(&state, Key::Named(Named::Space)),
            Some("Capture".into())
        );
        assert_eq!(
            key(&state, Key::Character("e".into())),
            Some("OpenException".into())
        );
        assert_eq!(key(&state, Key::Named(Named::Enter)), None);
        send(&mut state, &f, Message::OpenException);
        assert_eq!(
            key(&state, Key::Character("3".into())),
            Some("Kind(Unreadable)".into())
        );
        assert_eq!(key(&state, Key::Character("6".into())), None);
        assert_eq!(key(&state, Key::Named(Named::Space)), None);
        assert_eq!(
            key(&state, Key::Named(Named::Enter)),
            Some("SaveException".into())
        );
        assert_eq!(
            key(&state, Key::Named(Named::Escape)),
            Some("CloseException".into())
        );
        send(&mut state, &f, Message::CloseException);
        frame(&mut state, &f, Instant::now(), 0.0);
        send(&mut state, &f, Message::Capture);
        assert_eq!(key(&state, Key::Named(Named::Enter)), Some("Accept".into()));
        assert_eq!(
            key(&state, Key::Character("R".into())),
            Some("Retake".into())
        );
        assert_eq!(state.guide(&f.ctx).say, "Mohon tunggu sebentar");
        // In English too.
        let mut en = Fixture::new();
        en.ctx.tr = Tr(Lang::En);
        let (state, _) = State::new(&en.ctx, en.request_at(1, Step::Iris));
        let mut ui = simulator(state.view(&en.ctx));
        assert!(ui.find("Recording the right iris (1 of 2)").is_ok());
        assert!(ui.find("Exception [E]").is_ok());
    }

    fn store_both_irises(f: &Fixture, id: i64) {
        let op = f.operator.clone();
        f.store(move |s| {
            for position in POSITIONS {
                s.add_capture(
                    &op,
                    id,
                    &CaptureInput {
                        modality: Modality::Iris,
                        position,
                        content: crate::ui::screen::testing::sample(Modality::Iris),
                    },
                )?;
            }
            Ok(())
        });
    }

    #[test]
    fn a_refused_exception_keeps_the_form_as_typed() {
        let f = Fixture::new();
        let r = f.request_at(1, Step::Iris);
        let id = r.id;
        let (mut state, _) = State::new(&f.ctx, r);
        send(&mut state, &f, Message::OpenException);
        send(&mut state, &f, Message::Kind(ExceptionKind::Other));
        send(&mut state, &f, Message::Reason("pemohon menolak".into()));
        // Meanwhile the step was finished elsewhere: the store refuses the capture.
        store_both_irises(&f, id);
        let op = f.operator.clone();
        f.store(move |s| Ok(s.complete_capture_step(&op, id)?));
        assert!(send(&mut state, &f, Message::SaveException).is_none());
        let form = state.exception.clone().expect("the form stays open");
        assert_eq!(form.reason, "pemohon menolak");
        assert_eq!(form.kind, Some(ExceptionKind::Other));
        assert_eq!(state.position, 1);
        assert!(state.stored.iter().all(Option::is_none));
        let shown = state
            .error
            .as_ref()
            .map(|e| e.text(Lang::Id))
            .unwrap_or_default();
        let mut ui = simulator(state.view(&f.ctx));
        assert!(ui.find(shown.as_str()).is_ok(), "{shown}");
        assert!(
            ui.find("pemohon menolak").is_ok(),
            "the typed reason is kept"
        );
    }

    #[test]
    fn a_refused_completion_offers_a_retry() {
        let f = Fixture::new();
        let r = f.request_at(1, Step::Iris);
        let id = r.id;
        store_both_irises(&f, id);
        let (mut state, _) = State::new(&f.ctx, r);
        state.phase = Phase::Completing;
        send(
            &mut state,
            &f,
            Message::Completed(Err(Failure::internal("storage busy"))),
        );
        assert!(state.error.is_some());
        let mut ui = simulator(state.view(&f.ctx));
        ui.click("Coba lagi [Enter]").expect("a retry button");
        let messages: Vec<Message> = ui.into_messages().collect();
        assert!(matches!(messages.as_slice(), [Message::Complete]));
        assert!(matches!(
            state.shortcut(&Key::Named(Named::Enter), Modifiers::empty()),
            Some(Message::Complete)
        ));
        let nav = send(&mut state, &f, Message::Complete);
        assert!(matches!(nav, Some(Nav::Request(n)) if n == id), "{nav:?}");
        let step = f.store(move |s| Ok(s.request(id)?.expect("request").step));
        assert_eq!(step, Step::Signature);
    }
}
