//! Iris: right and left eye from the iris camera, or an exception with its reason.
//!
//! The right eye (ISO position 1) comes first, then the left (position 2). Each eye is one
//! camera capture ([`super::capture`]) with the iris gate ([`crate::capture::iris`]) and the
//! limits of `[quality.iris]`, one capture session per eye. Enter stores the still (a grey PNG)
//! with the eye's decisions; the last eye's store completes the step in the same transaction.
//! An eye that cannot be imaged gets an exception instead (E: the shared exception form, a kind
//! and a reason that may not be empty), stored with the eye's decisions so far; the camera is
//! held off while the form is open. A refused store keeps the still or the form as it was.

use std::sync::Arc;

use ::image::GrayImage;
use iced::keyboard::{Key, Modifiers};
use iced::widget::{column, image, row, text};
use iced::{Element, Length, Subscription, Task};
use rekam_camera::{CameraRole, Eye};

use super::capture::{self, Camera, CameraGate, Words};
use super::{Action, Nav};
use crate::capture::quality::Finding;
use crate::capture::session::{GateError, IrisGate, IrisSample, iris_capture};
use crate::devices::live::{self, Scene};
use crate::domain::{CaptureContent, CaptureInput};
use crate::lang::Localize;
use crate::ui::applicant::{Guide, Show};
use crate::ui::ctx::Ctx;
use crate::ui::db::Failure;
use crate::ui::device::CameraKey;
use crate::ui::i18n::{Tr, tk};
use crate::ui::theme::{self, Tone};
use crate::ui::widget::exception;
use crate::ui::widget::header::{self, Stage};
use crate::ui::widget::{banner, key_button};
use crate::workflow::{ExceptionKind, Modality, Recorded, RequestView, Step, capture_name};

#[cfg(test)]
mod tests;

/// Height of the live preview on the operator's screen, pixels.
const PREVIEW_HEIGHT: f32 = 400.0;
/// The id of the exception reason field.
pub const REASON_ID: &str = "iris-reason";
/// The positions in capture order: right eye, then left (ISO/IEC 19794-6).
const POSITIONS: [u8; 2] = [1, 2];

/// The iris screen's words for the camera capture.
static WORDS: Words = Words {
    waiting: tk("iris.waiting"),
    paused: tk("iris.camera_paused"),
    checks_waiting: tk("iris.checks_waiting"),
    quality: tk("iris.quality"),
    camera_off: tk("iris.camera_off"),
    camera_opening: tk("iris.camera_opening"),
    camera_ready: tk("iris.camera_ready"),
    camera_lost: tk("iris.camera_lost"),
    auto: tk("iris.auto"),
    auto_hint: tk("iris.auto_hint"),
    retry: tk("iris.attempt"),
    no_frame: tk("iris.no_frame"),
    settled: tk("iris.settled"),
    still_not_all_pass: tk("iris.still_not_all_pass"),
    take: tk("iris.take"),
    taking: tk("iris.taking"),
    retake: tk("iris.retake"),
    save: tk("iris.accept"),
    saving: tk("iris.saving"),
};

impl CameraGate for IrisGate {
    /// The eye in grey, as stored.
    type Still = Arc<GrayImage>;

    fn still(&self, sample: &IrisSample) -> (Arc<GrayImage>, image::Handle, (u32, u32)) {
        let (w, h) = sample.gray.dimensions();
        let rgba: Vec<u8> = sample
            .gray
            .pixels()
            .flat_map(|p| [p.0[0], p.0[0], p.0[0], 255])
            .collect();
        (
            sample.gray.clone(),
            image::Handle::from_rgba(w, h, rgba),
            (w, h),
        )
    }

    fn captures(
        &self,
        _gray: &Arc<GrayImage>,
        sample: &IrisSample,
        position: u8,
    ) -> Result<Vec<CaptureInput>, GateError> {
        Ok(vec![iris_capture(position, sample)?])
    }
}

/// What was stored for one eye.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    Image { quality: Option<u8> },
    Exception(ExceptionKind),
}

#[derive(Debug, Clone)]
pub enum Message {
    Camera(capture::Message<IrisGate>),
    OpenException,
    /// The open exception form.
    Exception(exception::Message),
}

#[derive(Debug)]
pub struct State {
    request: RequestView,
    person: u64,
    /// The position being captured now (1 right, 2 left).
    position: u8,
    /// What is stored for each position, in [`POSITIONS`] order.
    stored: [Option<Stored>; 2],
    camera: Camera<IrisGate>,
    /// The exception form for the current eye, while open.
    form: Option<exception::Form>,
    /// What is being stored for the current eye.
    storing: Option<Stored>,
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
        let mut camera = Camera::new(
            IrisGate,
            request.id,
            position,
            ctx.settings.quality.iris,
            &WORDS,
        );
        camera.finishes = stored.iter().filter(|s| s.is_none()).count() == 1;
        let state = State {
            request,
            person: super::face::person_seed(&nik),
            position,
            stored,
            camera,
            form: None,
            storing: None,
        };
        (state, Task::none())
    }

    pub fn update(&mut self, message: Message, ctx: &Ctx) -> Action<Message> {
        match message {
            Message::Camera(capture::Message::Save) => self.accept(ctx),
            Message::Camera(capture::Message::Stored(result)) => self.stored(result, ctx),
            Message::Camera(m) => self.camera(m, ctx),
            Message::OpenException => self.open_exception(),
            Message::Exception(m) => self.exception(m, ctx),
        }
    }

    fn camera(&mut self, message: capture::Message<IrisGate>, ctx: &Ctx) -> Action<Message> {
        self.camera.update(message, ctx).map(Message::Camera)
    }

    /// Enter on the still: stores the eye.
    fn accept(&mut self, ctx: &Ctx) -> Action<Message> {
        if self.form.is_some() {
            return Action::None;
        }
        let quality = self.camera.shot().map(|s| s.taken.sample.assessment.score);
        let action = self.camera.save(ctx).map(Message::Camera);
        if matches!(self.camera.phase, capture::Phase::Saving(_)) {
            self.storing = Some(Stored::Image { quality });
        }
        action
    }

    fn open_exception(&mut self) -> Action<Message> {
        let open = matches!(
            self.camera.phase,
            capture::Phase::Live | capture::Phase::Still(_)
        );
        if !open || self.form.is_some() {
            return Action::None;
        }
        let form = exception::Form::new(REASON_ID, ExceptionKind::Missing);
        let focus = form.focus();
        self.form = Some(form);
        self.camera.pause(true);
        Action::Run(focus)
    }

    fn exception(&mut self, message: exception::Message, ctx: &Ctx) -> Action<Message> {
        let Some(form) = &mut self.form else {
            return Action::None;
        };
        match form.update(message) {
            Some(exception::Request::Save) => self.save_exception(ctx),
            Some(exception::Request::Close) => {
                if self.storing.is_none() {
                    self.form = None;
                    self.camera.pause(false);
                }
                Action::None
            }
            None => Action::None,
        }
    }

    fn save_exception(&mut self, ctx: &Ctx) -> Action<Message> {
        // A second Enter while the first save is on its way must not store it twice.
        if self.storing.is_some() {
            return Action::None;
        }
        let Some((kind, reason)) = self.form.as_mut().and_then(exception::Form::submit) else {
            return Action::None;
        };
        let input = CaptureInput {
            modality: Modality::Iris,
            position: self.position,
            content: CaptureContent::Exception { kind, reason },
        };
        self.storing = Some(Stored::Exception(kind));
        let finish = self.camera.finishes;
        Action::Run(
            self.camera
                .store(ctx, vec![input], finish)
                .map(Message::Camera),
        )
    }

    fn stored(&mut self, result: Result<Recorded, Failure>, ctx: &Ctx) -> Action<Message> {
        let ok = result.as_ref().ok().map(|r| r.step);
        let storing = self.storing.take();
        // The camera core puts the still back and shows why on a refusal; a form stays open
        // as typed.
        let _ = self.camera.update(capture::Message::Stored(result), ctx);
        let (Some(step), Some(stored)) = (ok, storing) else {
            return Action::None;
        };
        if step != Step::Iris {
            return Action::Go(Nav::Request(self.request.id));
        }
        self.form = None;
        self.camera.pause(false);
        if let Some(i) = POSITIONS.iter().position(|p| *p == self.position) {
            self.stored[i] = Some(stored);
        }
        match POSITIONS
            .iter()
            .zip(&self.stored)
            .find(|(_, s)| s.is_none())
        {
            Some((next, _)) => {
                self.position = *next;
                self.camera.next_unit(IrisGate, *next);
                self.camera.finishes = self.stored.iter().filter(|s| s.is_none()).count() == 1;
                Action::None
            }
            // Every eye stored but the step not left (a redo finishing early): reload.
            None => Action::Go(Nav::Request(self.request.id)),
        }
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
        let picture = self
            .camera
            .picture(tr, PREVIEW_HEIGHT, None)
            .map(Message::Camera);
        let eye = capture_name(Modality::Iris, self.position, tr.lang());
        let title = tr.f("iris.eye_title", &[("eye", &eye), ("n", &self.position)]);
        let side = column![text(title).size(theme::TITLE), self.eyes_view(tr)];
        let side = match &self.form {
            // The camera is paused while the form is open: the form takes the checks' place.
            Some(form) => side
                .push(
                    form.view(
                        tr.f("iris.exception_title", &[("eye", &eye)]),
                        &tr.t("iris.exception_reason_hint"),
                        self.storing.is_none(),
                        tr,
                    )
                    .map(Message::Exception),
                )
                .push(
                    self.camera
                        .error
                        .as_ref()
                        .map(|e| banner(Tone::Bad, e.text(tr.lang()))),
                ),
            None => {
                // Without an eye the checks that need one were not measured: no value shown.
                let eye_found = self
                    .camera
                    .session
                    .latest_assessment()
                    .and_then(|a| a.get("eye_present"))
                    .is_some_and(|f| f.pass);
                let checks = self.camera.checks(
                    tr,
                    move |f| {
                        let measured =
                            eye_found || matches!(f.check.as_str(), "contrast" | "eye_present");
                        describe(f, tr).filter(|_| measured)
                    },
                    None,
                );
                let side_panel = self.camera.side(tr, checks, None).map(Message::Camera);
                // The exception is open while the camera runs or a still is shown.
                let can_except = matches!(
                    self.camera.phase,
                    capture::Phase::Live | capture::Phase::Still(_)
                );
                side.push(side_panel).push(key_button(
                    tr.t("iris.exception"),
                    can_except.then_some(Message::OpenException),
                    false,
                ))
            }
        };
        column![
            header::view(&self.request, Stage::Iris, tr),
            capture::layout(picture, side.spacing(12).width(Length::Fill).into()),
        ]
        .spacing(theme::GAP)
        .into()
    }

    /// Both eyes: stored (with quality or exception), being captured, or to come.
    fn eyes_view<'a>(&self, tr: Tr) -> Element<'a, Message> {
        let lines = POSITIONS.iter().zip(&self.stored).map(|(p, s)| {
            let name = capture_name(Modality::Iris, *p, tr.lang());
            let (state, tone) = match s {
                Some(Stored::Image { quality: Some(q) }) => {
                    (tr.f("iris.stored_quality", &[("quality", q)]), Tone::Good)
                }
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

    pub fn subscription(&self, ctx: &Ctx) -> Subscription<Message> {
        self.camera
            .subscription(CameraKey {
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
        if self.form.is_some() {
            return exception::shortcut(key).map(Message::Exception);
        }
        let open = matches!(
            self.camera.phase,
            capture::Phase::Live | capture::Phase::Still(_)
        );
        match key.as_ref() {
            Key::Character(c) if open && c.eq_ignore_ascii_case("e") => {
                Some(Message::OpenException)
            }
            _ => self.camera.shortcut(key).map(Message::Camera),
        }
    }

    pub fn guide(&self, ctx: &Ctx) -> Guide {
        let tr = ctx.tr;
        if !self.camera.previewing() && !matches!(self.camera.phase, capture::Phase::Taking) {
            return Guide::new(tr.t("iris.guide_wait"));
        }
        let say = if self.position == 1 {
            tr.t("iris.guide_right")
        } else {
            tr.t("iris.guide_left")
        };
        let g = Guide::new(say).detail(tr.t("iris.guide_detail"));
        match &self.camera.preview {
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
