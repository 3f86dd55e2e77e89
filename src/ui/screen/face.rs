//! Face capture: live preview with the head guide and the expected background colour, capture
//! by key or automatically when the checks pass, retake.
//!
//! The face camera runs (as a subscription) only while the live preview is shown. Each preview
//! frame goes through the face quality gate ([`crate::capture::face::assess`]: the detector and
//! the ICAO checks) on a thread of its own, one frame at a time: frames that arrive meanwhile
//! are shown but not checked. With automatic capture on, the auto-capture policy
//! ([`crate::capture::policy`], limits from `[quality.face]`) takes the first frame that passes
//! at its score, starts another attempt when one times out (telling the operator what failed),
//! and after the last keeps the best frame of all with a note. The operator may always take the
//! photo with Space. The still (the ISO/IEC 19794-5 token image cut from the frame) is then shown
//! with retake and save; saving encodes the JPEG off the UI thread, stores the policy's decisions
//! with their scores and the photo as a new attempt, and completes the face step.
//!
//! States: `Live` (camera on) → `Taking` (cropping) → `Still` → `Saving` → the next step;
//! `Still` → `Live` on retake.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

use ::image::RgbImage;
use chrono::Datelike;
use iced::keyboard::{Key, Modifiers, key::Named};
use iced::widget::{button, checkbox, column, container, image, row, space, stack, text};
use iced::{Alignment, Element, Length, Subscription, Task};
use rekam_camera::{Background, CameraRole};

use super::{Action, Nav};
use crate::capture::face::{self as checks, FaceAssessment};
use crate::capture::policy::Step as Policy;
use crate::capture::policy::{AutoCapture, Decision, Outcome};
use crate::devices::live::{self, Scene};
use crate::ui::app::Ctx;
use crate::ui::applicant::{Guide, Show};
use crate::ui::db::{Failure, off_thread};
use crate::ui::device::{self, CameraKey, CameraUpdate, DeviceProblem, Link, Preview};
use crate::ui::i18n::Tr;
use crate::ui::theme::{self, Tone};
use crate::ui::widget::banner;
use crate::ui::widget::guide;
use crate::ui::widget::header::{self, Stage};
use crate::workflow::{CaptureContent, CaptureInput, Modality, RequestView, Step};

/// Height of the live preview on the operator's screen, pixels.
const PREVIEW_HEIGHT: f32 = 420.0;
/// Frames over which the frame rate is measured.
const RATE_WINDOW: usize = 30;

#[derive(Debug)]
pub struct State {
    request: RequestView,
    /// The applicant's birth year as the NIK gives it, if it does.
    birth_year: Option<i32>,
    /// The backdrop the photo must have; [`Background::Busy`] when the birth year is unknown
    /// (then no backdrop passes and the operator decides).
    expected: Background,
    /// Seeds the simulated camera's scene: the same applicant looks the same on every open.
    person: u64,
    phase: Phase,
    auto: bool,
    link: Link,
    problem: Option<DeviceProblem>,
    /// The latest preview frame (mirrored handle, unmirrored RGB).
    preview: Option<Preview>,
    /// The checks of the latest checked frame.
    checks: Option<FaceAssessment>,
    /// A check is running; frames are not checked meanwhile.
    checking: bool,
    /// The auto-capture policy of this face.
    policy: AutoCapture<Arc<RgbImage>>,
    /// The policy's decisions not stored yet (stored with the photo).
    decisions: Vec<Decision>,
    /// The last attempt that timed out, with its best frame's first problem.
    retry: Option<Decision>,
    frame_times: VecDeque<Instant>,
    error: Option<Failure>,
}

/// Where the capture is.
#[derive(Debug, Clone)]
enum Phase {
    Live,
    Taking,
    Still(Still),
    Saving(Still),
}

/// A photo that was taken: the token image and the checks of its frame.
#[derive(Debug, Clone)]
pub struct Still {
    pub photo: Arc<RgbImage>,
    pub handle: image::Handle,
    pub checks: Option<FaceAssessment>,
    /// Kept by the policy as the best of its attempts, not because it passed.
    pub settled: bool,
}

#[derive(Debug, Clone)]
pub enum Message {
    Camera(CameraUpdate),
    /// The checks of the frame `rgb` taken at `at` (an error when the thread could not run).
    Checked {
        at: Instant,
        rgb: Arc<RgbImage>,
        checks: Result<FaceAssessment, Failure>,
    },
    Capture,
    Taken(Result<Still, Failure>),
    ToggleAuto,
    Retake,
    Save,
    Saved(Result<Step, Failure>),
}

impl State {
    /// The sequence number of the camera frame now shown, if any (the preview benchmark).
    pub fn preview_sequence(&self) -> Option<u64> {
        self.preview.as_ref().map(|p| p.sequence)
    }
}

impl State {
    pub fn new(ctx: &Ctx, request: RequestView) -> (State, Task<Message>) {
        let nik = request.nik.clone().unwrap_or_default();
        let birth_year = birth_year(&nik);
        let expected = birth_year.map_or(Background::Busy, Background::for_birth_year);
        let state = State {
            request,
            birth_year,
            expected,
            person: person_seed(&nik),
            phase: Phase::Live,
            auto: true,
            link: Link::Opening,
            problem: None,
            preview: None,
            checks: None,
            checking: false,
            policy: AutoCapture::new(Modality::Face, ctx.settings.quality.face, Instant::now()),
            decisions: Vec::new(),
            retry: None,
            frame_times: VecDeque::with_capacity(RATE_WINDOW),
            error: None,
        };
        (state, Task::none())
    }

    pub fn update(&mut self, message: Message, ctx: &Ctx) -> Action<Message> {
        match message {
            Message::Camera(update) => self.camera(update),
            Message::Checked { at, rgb, checks } => self.checked(at, rgb, checks),
            Message::Capture => self.capture(),
            Message::Taken(result) => self.taken(result),
            Message::ToggleAuto => {
                self.auto = !self.auto;
                self.policy.restart(Instant::now());
                Action::None
            }
            Message::Retake => self.retake(),
            Message::Save => self.save(ctx),
            Message::Saved(result) => self.saved(result),
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

    fn frame(&mut self, preview: Preview) -> Action<Message> {
        if !matches!(self.phase, Phase::Live) {
            return Action::None;
        }
        if self.frame_times.len() == RATE_WINDOW {
            self.frame_times.pop_front();
        }
        self.frame_times.push_back(preview.at);
        let (rgb, at) = (preview.rgb.clone(), preview.at);
        self.preview = Some(preview);
        if self.checking {
            return Action::None;
        }
        self.checking = true;
        let year = self.birth_year;
        let frame = rgb.clone();
        Action::Run(Task::perform(
            off_thread("rekam-face-check", move || checks::assess(&frame, year)),
            move |checks| Message::Checked {
                at,
                rgb,
                checks: checks.and_then(|c| c.map_err(|e| Failure::internal(&e.to_string()))),
            },
        ))
    }

    fn checked(
        &mut self,
        at: Instant,
        rgb: Arc<RgbImage>,
        checks: Result<FaceAssessment, Failure>,
    ) -> Action<Message> {
        self.checking = false;
        if !matches!(self.phase, Phase::Live) {
            return Action::None;
        }
        let checks = match checks {
            Ok(checks) => checks,
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
        match self.policy.offer(checks.assessment.clone(), rgb, at) {
            Policy::Continue => Action::None,
            Policy::Retry(decision) => {
                self.retry = Some(decision.clone());
                self.decisions.push(decision);
                Action::None
            }
            Policy::Take(frame, decision) => {
                self.decisions.push(decision);
                self.take_frame(frame, false)
            }
            Policy::Settle(frame, decision) => {
                self.decisions.push(decision);
                match frame {
                    Some(frame) => self.take_frame(frame, true),
                    None => Action::None,
                }
            }
        }
    }

    /// The operator's Space: the latest frame, whatever its checks.
    fn capture(&mut self) -> Action<Message> {
        if !matches!(self.phase, Phase::Live) {
            return Action::None;
        }
        let Some(preview) = &self.preview else {
            return Action::None;
        };
        let frame = preview.rgb.clone();
        self.decisions.push(Decision {
            modality: Modality::Face,
            attempt: self.policy.attempt(),
            outcome: Outcome::Operator,
            frames: self.policy.frames(),
            best: self.checks.as_ref().map(|c| c.assessment.clone()),
        });
        self.take_frame(frame, false)
    }

    fn take_frame(&mut self, frame: Arc<RgbImage>, settled: bool) -> Action<Message> {
        self.phase = Phase::Taking;
        self.error = None;
        let year = self.birth_year;
        Action::Run(Task::perform(
            off_thread("rekam-face-take", move || take(&frame, year, settled)),
            Message::Taken,
        ))
    }

    fn taken(&mut self, result: Result<Still, Failure>) -> Action<Message> {
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
        self.frame_times.clear();
        self.link = Link::Opening;
    }

    fn retake(&mut self) -> Action<Message> {
        if matches!(self.phase, Phase::Still(_)) {
            self.error = None;
            self.back_to_live();
        }
        Action::None
    }

    fn save(&mut self, ctx: &Ctx) -> Action<Message> {
        let Phase::Still(still) = &self.phase else {
            return Action::None;
        };
        let (db, user) = match ctx.storage() {
            Ok(found) => found,
            Err(e) => {
                self.error = Some(e);
                return Action::None;
            }
        };
        let still = still.clone();
        let quality = still.checks.as_ref().map_or(0, |c| c.assessment.score);
        let (photo, request) = (still.photo.clone(), self.request.id);
        let decisions = self.decisions.clone();
        self.phase = Phase::Saving(still);
        self.error = None;
        Action::Run(Task::perform(
            async move {
                let bytes = off_thread("rekam-face-jpeg", move || {
                    checks::encode_jpeg(&photo, checks::assess::TOKEN_JPEG_QUALITY)
                        .map(|b| (b, photo.dimensions()))
                })
                .await??;
                let (bytes, (width, height)) = bytes;
                db.call(move |store| {
                    let input = CaptureInput {
                        modality: Modality::Face,
                        position: 0,
                        content: CaptureContent::Data {
                            format: "jpeg".into(),
                            width,
                            height,
                            quality: Some(quality),
                            bytes,
                        },
                    };
                    store.add_capture(&user, request, &input)?;
                    // After the photo: a refused photo leaves no decisions about it.
                    for decision in &decisions {
                        store.record_decision(&user, request, 0, decision)?;
                    }
                    Ok(store.complete_capture_step(&user, request)?)
                })
                .await
            },
            Message::Saved,
        ))
    }

    fn saved(&mut self, result: Result<Step, Failure>) -> Action<Message> {
        match result {
            Ok(_) => {
                self.decisions.clear();
                Action::Go(Nav::Request(self.request.id))
            }
            Err(e) => {
                if let Phase::Saving(still) = &self.phase {
                    self.phase = Phase::Still(still.clone());
                }
                self.error = Some(e);
                Action::None
            }
        }
    }

    /// Frames per second over the last frames.
    fn frame_rate(&self) -> Option<f32> {
        let (first, last) = (self.frame_times.front()?, self.frame_times.back()?);
        let span = last.saturating_duration_since(*first).as_secs_f32();
        (self.frame_times.len() > 1 && span > 0.0)
            .then(|| (self.frame_times.len() - 1) as f32 / span)
    }

    pub fn view<'a>(&'a self, ctx: &'a Ctx) -> Element<'a, Message> {
        let tr = ctx.tr;
        let picture: Element<'a, Message> = match &self.phase {
            Phase::Live | Phase::Taking => self.live_view(tr),
            Phase::Still(still) | Phase::Saving(still) => {
                let (w, h) = still.photo.dimensions();
                image(still.handle.clone())
                    .width(PREVIEW_HEIGHT * w as f32 / h.max(1) as f32)
                    .height(PREVIEW_HEIGHT)
                    .into()
            }
        };
        let side = column![self.background_text(tr)]
            .push(self.checks_view(tr))
            .push(self.device_view(tr))
            .push(
                checkbox(self.auto)
                    .label(tr.t("face.auto"))
                    .on_toggle(|_| Message::ToggleAuto)
                    .size(22)
                    .text_size(theme::BODY),
            )
            .push(self.policy_view(tr))
            .push(self.actions(tr))
            .push(
                self.error
                    .as_ref()
                    .map(|e| banner(Tone::Bad, e.text(ctx.lang()))),
            )
            .spacing(12)
            .width(Length::Fill);
        column![
            header::view(&self.request, Stage::Face, tr),
            row![container(picture).style(theme::panel).padding(4), side]
                .spacing(theme::GAP)
                .align_y(Alignment::Start),
        ]
        .spacing(theme::GAP)
        .into()
    }

    fn live_view<'a>(&'a self, tr: Tr) -> Element<'a, Message> {
        let ok = self
            .checks
            .as_ref()
            .is_some_and(|c| c.assessment.acceptable);
        match &self.preview {
            Some(p) => {
                let (w, h) = p.rgb.dimensions();
                let width = PREVIEW_HEIGHT * w as f32 / h.max(1) as f32;
                container(stack![
                    image(p.handle.clone())
                        .width(Length::Fill)
                        .height(Length::Fill),
                    guide::view(ok)
                ])
                .width(width)
                .height(PREVIEW_HEIGHT)
                .into()
            }
            None => container(text(tr.t("face.waiting")).size(theme::BODY))
                .center_x(PREVIEW_HEIGHT * 16.0 / 9.0)
                .center_y(PREVIEW_HEIGHT)
                .into(),
        }
    }

    /// The backdrop rule for this applicant, in words, with a swatch of the colour.
    fn background_text<'a>(&self, tr: Tr) -> Element<'a, Message> {
        let words = match (self.birth_year, self.expected) {
            (Some(year), Background::Red) => tr.f("face.background_red", &[("year", &year)]),
            (Some(year), Background::Blue) => tr.f("face.background_blue", &[("year", &year)]),
            _ => tr.t("face.background_unknown"),
        };
        let swatch = self.expected.rgb().map(|[r, g, b]| {
            container(space().width(32).height(32)).style(move |_: &iced::Theme| {
                container::Style::default().background(iced::Color::from_rgb8(r, g, b))
            })
        });
        row![swatch, text(words).size(theme::HEADING)]
            .spacing(10)
            .align_y(Alignment::Center)
            .into()
    }

    fn checks_view<'a>(&'a self, tr: Tr) -> Element<'a, Message> {
        let Some(checks) = self.current_checks() else {
            return text(tr.t("face.checks_waiting"))
                .size(theme::BODY)
                .style(theme::muted)
                .into();
        };
        // Each check in the gate's own words: what is wrong and what to do, or what was found.
        let lines = checks.assessment.findings.iter().map(|f| {
            let (state, tone) = if f.pass {
                (tr.t("face.pass"), Tone::Good)
            } else {
                (tr.t("face.fail"), Tone::Bad)
            };
            row![
                text(state).size(theme::SMALL).style(theme::tone_text(tone)),
                text(f.message(tr.lang()).to_owned()).size(theme::SMALL),
            ]
            .spacing(10)
            .align_y(Alignment::Center)
            .into()
        });
        let seen = match checks.background_seen {
            Some(Background::Red) => tr.t("face.seen_red"),
            Some(Background::Blue) => tr.t("face.seen_blue"),
            _ => tr.t("face.seen_other"),
        };
        column(lines)
            .push(text(seen).size(theme::SMALL).style(theme::muted))
            .push(
                text(tr.f("face.quality", &[("quality", &checks.assessment.score)]))
                    .size(theme::BODY),
            )
            .spacing(4)
            .into()
    }

    /// The checks shown: the still's once taken, the live frame's before.
    fn current_checks(&self) -> Option<&FaceAssessment> {
        match &self.phase {
            Phase::Still(s) | Phase::Saving(s) => s.checks.as_ref(),
            Phase::Live | Phase::Taking => self.checks.as_ref(),
        }
    }

    /// What the auto-capture policy is doing: its limits, the attempt, and why the last one
    /// timed out.
    fn policy_view<'a>(&'a self, tr: Tr) -> Element<'a, Message> {
        let limits = self.policy.limits();
        let hint = text(tr.f(
            "face.auto_hint",
            &[
                ("score", &limits.accept_score),
                ("seconds", &limits.timeout_secs),
                ("attempts", &limits.max_attempts),
            ],
        ))
        .size(theme::SMALL)
        .style(theme::muted);
        let live = matches!(self.phase, Phase::Live);
        let retry = self.retry.as_ref().filter(|_| live && self.auto).map(|d| {
            let problem = d
                .best
                .as_ref()
                .and_then(|b| b.first_problem(tr.lang()))
                .map_or_else(|| tr.t("face.no_frame"), str::to_owned);
            banner(
                Tone::Warning,
                tr.f(
                    "face.retry",
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
        let live = matches!(self.phase, Phase::Live | Phase::Taking);
        let status = match (&self.link, live) {
            (_, false) => tr.t("face.camera_off"),
            (Link::Opening, true) => tr.t("face.camera_opening"),
            (Link::Connected(info), true) => {
                let rate = self
                    .frame_rate()
                    .map(|fps| format!("{fps:.0}"))
                    .unwrap_or_else(|| "-".into());
                tr.f(
                    "face.camera_ready",
                    &[("model", &info.model), ("fps", &rate)],
                )
            }
            (Link::Lost(reason), true) => tr.f("face.camera_lost", &[("reason", reason)]),
        };
        let lost = matches!(self.link, Link::Lost(_)) && live;
        column![
            text(status)
                .size(theme::SMALL)
                .style(move |t: &iced::Theme| if lost {
                    theme::tone_text(Tone::Bad)(t)
                } else {
                    theme::muted(t)
                })
        ]
        .push(
            self.problem
                .as_ref()
                .filter(|_| live)
                .map(|p| banner(Tone::Bad, crate::lang::Localize::localize(p, tr.lang()))),
        )
        .spacing(6)
        .into()
    }

    fn actions<'a>(&'a self, tr: Tr) -> Element<'a, Message> {
        let key_button = |label: String, message: Option<Message>, primary: bool| {
            button(text(label).size(theme::BODY))
                .padding(theme::BUTTON_PADDING)
                .height(theme::CONTROL_HEIGHT)
                .on_press_maybe(message)
                .style(if primary {
                    button::primary
                } else {
                    button::secondary
                })
        };
        match &self.phase {
            Phase::Live => row![key_button(
                tr.t("face.take"),
                self.preview.as_ref().map(|_| Message::Capture),
                true
            )]
            .into(),
            Phase::Taking => text(tr.t("face.taking")).size(theme::BODY).into(),
            Phase::Still(still) => column![
                still
                    .settled
                    .then(|| banner(Tone::Warning, tr.t("face.settled"))),
                (!still
                    .checks
                    .as_ref()
                    .is_some_and(|c| c.assessment.acceptable))
                .then(|| banner(Tone::Warning, tr.t("face.still_not_all_pass"))),
                row![
                    key_button(tr.t("face.retake"), Some(Message::Retake), false),
                    key_button(tr.t("face.save"), Some(Message::Save), true),
                ]
                .spacing(theme::GAP),
            ]
            .spacing(8)
            .into(),
            Phase::Saving(_) => text(tr.t("face.saving")).size(theme::BODY).into(),
        }
    }

    pub fn subscription(&self, ctx: &Ctx) -> Subscription<Message> {
        if !matches!(self.phase, Phase::Live) {
            // The camera stops as soon as the still is shown.
            return Subscription::none();
        }
        let background = match self.expected {
            // The simulator needs a colour; a real camera ignores the scene.
            Background::Busy => Background::Red,
            b => b,
        };
        device::camera(CameraKey {
            config: live::camera_config(&ctx.settings.face_camera, CameraRole::Face),
            backend: ctx.backends.face_camera,
            scene: Scene::Face {
                background,
                person: self.person,
            },
            mirror: true,
        })
        .map(Message::Camera)
    }

    pub fn shortcut(&self, key: &Key, _modifiers: Modifiers) -> Option<Message> {
        let live = matches!(self.phase, Phase::Live);
        let still = matches!(self.phase, Phase::Still(_));
        match key.as_ref() {
            Key::Named(Named::Space) if live => Some(Message::Capture),
            Key::Named(Named::Enter) if still => Some(Message::Save),
            Key::Named(Named::Escape) if still => Some(Message::Retake),
            Key::Character(c) if still && c.eq_ignore_ascii_case("r") => Some(Message::Retake),
            Key::Character(c) if c.eq_ignore_ascii_case("a") => Some(Message::ToggleAuto),
            _ => None,
        }
    }

    pub fn guide(&self, ctx: &Ctx) -> Guide {
        let tr = ctx.tr;
        match &self.phase {
            Phase::Live | Phase::Taking => {
                let g = Guide::new(tr.t("face.guide_look")).detail(tr.t("face.guide_detail"));
                match &self.preview {
                    Some(p) => g.show(Show::Camera(p.handle.clone())),
                    None => g,
                }
            }
            Phase::Still(s) | Phase::Saving(s) => {
                Guide::new(tr.t("face.guide_done")).show(Show::Camera(s.handle.clone()))
            }
        }
    }
}

/// Cuts the token image from the frame and checks it, off the UI thread. Without exactly one
/// face (a photo the operator takes by hand) the guide's 3:4 crop stands in.
fn take(frame: &RgbImage, birth_year: Option<i32>, settled: bool) -> Still {
    let checks = checks::assess(frame, birth_year).ok();
    let photo = match checks.as_ref().and_then(|c| c.token) {
        Some(crop) => checks::token_image(frame, crop),
        None => checks::crop_portrait(frame),
    };
    let (w, h) = photo.dimensions();
    let rgba: Vec<u8> = photo
        .pixels()
        .flat_map(|p| [p.0[0], p.0[1], p.0[2], 255])
        .collect();
    Still {
        handle: image::Handle::from_rgba(w, h, rgba),
        photo: Arc::new(photo),
        checks,
        settled,
    }
}

/// The birth year the NIK encodes. When the NIK does not pass the full check (an unknown region
/// code, say), its year digits still tell odd from even: a century is even, so the two digits
/// have the parity of the year.
pub fn birth_year(nik: &str) -> Option<i32> {
    let today = chrono::Local::now().date_naive();
    if let Some(n) = crate::domain::nik::check_nik(nik, today, None, None).value {
        return Some(n.birth_date.year());
    }
    let digits: String = nik.chars().filter(char::is_ascii_digit).collect();
    if digits.len() != 16 {
        return None;
    }
    let yy: i32 = digits.get(10..12)?.parse().ok()?;
    let now = today.year();
    let year = 2000 + yy;
    Some(if year > now { year - 100 } else { year })
}

/// A stable seed from the NIK (FNV-1a): the simulated camera shows the same applicant the same
/// way every time the screen opens.
pub fn person_seed(nik: &str) -> u64 {
    nik.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::{Lang, Localize};
    use crate::ui::screen::testing::{Fixture, settle, simulator};
    use rekam_camera::{CameraConfig, FrameSource, SimOptions, SimulatedCamera};
    use rekam_device::DeviceClass;
    use std::time::Duration;

    /// A preview as the camera subscription delivers it: a simulated frame of the applicant on
    /// `background`, through the real decoder, mirrored.
    fn preview(background: Background, sequence: u64, at: Instant) -> Preview {
        let options = SimOptions {
            loop_frames: Some(2),
            realtime: false,
            ..SimOptions::default()
        };
        let mut camera = SimulatedCamera::face(&CameraConfig::face(0), background, 7, options)
            .expect("simulated camera");
        let raw = camera.next_frame(Duration::from_secs(2)).expect("a frame");
        let frame = rekam_camera::Frame {
            rgb: Arc::new(rekam_camera::decode(&raw).expect("decoded")),
            sequence,
            captured_at: at,
            decode_time: Duration::ZERO,
            dropped: 0,
        };
        device::preview(&frame, true)
    }

    fn frame(state: &mut State, f: &Fixture, background: Background, n: u64, at: Instant) {
        let p = preview(background, n, at);
        let nav = settle(
            state,
            Message::Camera(CameraUpdate::Frame(p)),
            &f.ctx,
            State::update,
        );
        assert!(nav.is_none());
    }

    fn other(b: Background) -> Background {
        if b == Background::Red {
            Background::Blue
        } else {
            Background::Red
        }
    }

    fn recipes(state: &State, ctx: &Ctx) -> usize {
        iced_test::futures::subscription::into_recipes(state.subscription(ctx)).len()
    }

    #[test]
    fn the_expected_background_follows_the_birth_year_in_the_nik() {
        let f = Fixture::new();
        let r = f.request_at(1, Step::Face);
        let nik = r.nik.clone().expect("a NIK");
        let (state, _) = State::new(&f.ctx, r);
        let yy: i32 = nik[10..12].parse().expect("digits");
        let expected = if yy % 2 == 1 {
            Background::Red
        } else {
            Background::Blue
        };
        assert_eq!(state.expected, expected);
        assert_eq!(state.birth_year.map(|y| y % 100), Some(yy));
        // Even when the region code is unknown, the year digits decide.
        assert_eq!(birth_year("9999990101870001"), Some(1987));
        assert_eq!(birth_year("9999994101040001"), Some(2004));
        assert_eq!(birth_year("12345"), None);
        assert_eq!(person_seed(&nik), person_seed(&nik));
        assert_ne!(
            person_seed("3313010101870001"),
            person_seed("3313010101870002")
        );
    }

    #[test]
    fn a_good_frame_is_taken_and_saved_as_a_jpeg_with_its_quality() {
        let f = Fixture::new();
        let r = f.request_at(1, Step::Face);
        let id = r.id;
        let (mut state, _) = State::new(&f.ctx, r);
        state.auto = false;
        let bg = state.expected;
        assert_eq!(recipes(&state, &f.ctx), 1, "the camera runs while live");
        frame(&mut state, &f, bg, 1, Instant::now());
        let checks = state.checks.clone().expect("checked");
        assert!(checks.assessment.acceptable, "{checks:?}");
        assert!(!state.checking);
        assert!(matches!(state.phase, Phase::Live));

        assert!(settle(&mut state, Message::Capture, &f.ctx, State::update).is_none());
        let Phase::Still(still) = &state.phase else {
            panic!("expected a still, got {:?}", state.phase);
        };
        let (w, h) = still.photo.dimensions();
        assert_eq!((w, h), (480, 640), "the token image");
        assert_eq!(recipes(&state, &f.ctx), 0, "the camera stops on the still");

        let nav = settle(&mut state, Message::Save, &f.ctx, State::update);
        assert!(matches!(nav, Some(Nav::Request(n)) if n == id), "{nav:?}");
        let stored = f.store(move |s| Ok(s.request(id)?.expect("request")));
        assert_eq!(stored.step, Step::Fingerprints);
        let face = stored
            .captures
            .iter()
            .find(|c| c.modality == Modality::Face)
            .expect("a face capture")
            .clone();
        assert_eq!(face.format.as_deref(), Some("jpeg"));
        assert!(face.quality.is_some_and(|q| q > 40), "{face:?}");
        assert_eq!(face.position, 0);
        // The operator's own decision is kept with the frame's scores.
        let kept = f.store(move |s| Ok(s.decisions(id)?));
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].outcome, Outcome::Operator);
        assert_eq!(kept[0].score, face.quality);
        assert_eq!(kept[0].findings.len(), 12);
        let bytes = f.store(move |s| Ok(s.capture_bytes(face.id)?));
        let photo = ::image::load_from_memory_with_format(&bytes, ::image::ImageFormat::Jpeg)
            .expect("a JPEG");
        assert_eq!((photo.width(), photo.height()), (w, h));
    }

    #[test]
    fn a_passing_frame_is_taken_by_itself_unless_automatic_is_off() {
        let f = Fixture::new();
        let r = f.request_at(1, Step::Face);
        let id = r.id;
        let t0 = Instant::now();
        let times = [0, 500, 1100].map(|ms| t0 + Duration::from_millis(ms));

        let (mut state, _) = State::new(&f.ctx, r.clone());
        let bg = state.expected;
        frame(&mut state, &f, bg, 0, times[0]);
        let Phase::Still(still) = &state.phase else {
            panic!("not taken: {:?}", state.phase);
        };
        assert!(!still.settled);
        assert_eq!(state.decisions.len(), 1);
        assert_eq!(state.decisions[0].outcome, Outcome::Accepted);
        settle(&mut state, Message::Save, &f.ctx, State::update);
        let kept = f.store(move |s| Ok(s.decisions(id)?));
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].outcome, Outcome::Accepted);
        assert!(kept[0].acceptable == Some(true));

        let (mut state, _) = State::new(&f.ctx, f.request_at(2, Step::Face));
        state.update(Message::ToggleAuto, &f.ctx);
        assert!(!state.auto);
        let bg = state.expected;
        for (n, at) in times.iter().enumerate() {
            frame(&mut state, &f, bg, n as u64, *at);
        }
        assert!(matches!(state.phase, Phase::Live));
        assert!(
            state
                .checks
                .as_ref()
                .is_some_and(|c| c.assessment.acceptable)
        );
        assert!(state.decisions.is_empty());
        // The frame rate comes from the frames' times: 2 intervals in 1.1 s.
        let fps = state.frame_rate().expect("a rate");
        assert!((fps - 2.0 / 1.1).abs() < 0.01, "{fps}");
    }

    #[test]
    fn timed_out_attempts_retry_then_the_best_is_kept_with_a_note_and_every_decision_stored() {
        let f = Fixture::new();
        let r = f.request_at(1, Step::Face);
        let id = r.id;
        let (mut state, _) = State::new(&f.ctx, r);
        let wrong = other(state.expected);
        let limits = state.policy.limits();
        let step = Duration::from_secs(u64::from(limits.timeout_secs));
        let t0 = Instant::now();
        frame(&mut state, &f, wrong, 0, t0);
        frame(&mut state, &f, wrong, 1, t0 + step);
        assert!(matches!(state.phase, Phase::Live));
        assert_eq!(state.policy.attempt(), 2);
        let mut ui = simulator(state.view(&f.ctx));
        let banner = format!(
            "Percobaan 2 dari {}. Sebelumnya: Latar ",
            limits.max_attempts
        );
        let shown = state
            .retry
            .as_ref()
            .and_then(|d| d.best.as_ref())
            .and_then(|b| b.first_problem(Lang::Id))
            .map(str::to_owned)
            .expect("a problem");
        assert!(shown.starts_with("Latar "), "{shown}");
        assert!(
            ui.find(format!("{banner}{}", &shown["Latar ".len()..]))
                .is_ok()
        );
        drop(ui);
        for n in 2..=u64::from(limits.max_attempts) {
            frame(&mut state, &f, wrong, n, t0 + step * n as u32);
        }
        let Phase::Still(still) = &state.phase else {
            panic!("not settled: {:?}", state.phase);
        };
        assert!(still.settled);
        let mut ui = simulator(state.view(&f.ctx));
        assert!(ui.find(tr_id("face.settled")).is_ok());
        drop(ui);
        settle(&mut state, Message::Save, &f.ctx, State::update);
        let kept = f.store(move |s| Ok(s.decisions(id)?));
        let outcomes: Vec<Outcome> = kept.iter().map(|d| d.outcome).collect();
        let mut expected = vec![Outcome::Retry; usize::from(limits.max_attempts) - 1];
        expected.push(Outcome::BestOfAttempts);
        assert_eq!(outcomes, expected);
        assert!(kept.iter().all(|d| {
            d.acceptable == Some(false)
                && d.findings
                    .iter()
                    .any(|f| f.check == "background_colour" && !f.pass)
        }));
        let stored = f.store(move |s| Ok(s.request(id)?.expect("request")));
        assert!(
            stored
                .captures
                .iter()
                .any(|c| c.modality == Modality::Face && c.quality.is_some_and(|q| q <= 40))
        );
    }

    fn tr_id(key: &str) -> String {
        Tr(Lang::Id).t(key)
    }

    #[test]
    fn the_wrong_background_fails_is_not_taken_by_itself_and_warns_on_the_still() {
        let f = Fixture::new();
        let r = f.request_at(1, Step::Face);
        let (mut state, _) = State::new(&f.ctx, r);
        let wrong = other(state.expected);
        let t0 = Instant::now();
        for n in 0..3u64 {
            frame(
                &mut state,
                &f,
                wrong,
                n,
                t0 + Duration::from_millis(700 * n),
            );
        }
        assert!(matches!(state.phase, Phase::Live));
        let checks = state.checks.clone().expect("checked");
        assert!(!checks.assessment.acceptable);
        assert_eq!(checks.background_seen, Some(wrong));
        let failing: Vec<&str> = checks
            .assessment
            .failures()
            .map(|f| f.check.as_str())
            .collect();
        assert_eq!(failing, ["background_colour"]);

        let mut ui = simulator(state.view(&f.ctx));
        assert!(ui.find("Belum sesuai").is_ok());
        let seen = match wrong {
            Background::Red => "Latar yang terlihat: merah",
            _ => "Latar yang terlihat: biru",
        };
        assert!(ui.find(seen).is_ok());
        drop(ui);

        // The operator may still take it, and is told that not every check passed.
        settle(&mut state, Message::Capture, &f.ctx, State::update);
        let mut ui = simulator(state.view(&f.ctx));
        assert!(
            ui.find(
                "Tidak semua pemeriksaan sesuai. Simpan hanya bila foto memang layak, atau ulangi."
            )
            .is_ok()
        );
    }

    #[test]
    fn retake_goes_back_to_the_live_camera_and_stores_nothing() {
        let f = Fixture::new();
        let r = f.request_at(1, Step::Face);
        let id = r.id;
        let (mut state, _) = State::new(&f.ctx, r);
        let bg = state.expected;
        frame(&mut state, &f, bg, 1, Instant::now());
        settle(&mut state, Message::Capture, &f.ctx, State::update);
        assert!(matches!(state.phase, Phase::Still(_)));
        assert_eq!(
            state
                .shortcut(&Key::Character("r".into()), Modifiers::empty())
                .map(|m| format!("{m:?}")),
            Some("Retake".into())
        );
        settle(&mut state, Message::Retake, &f.ctx, State::update);
        assert!(matches!(state.phase, Phase::Live));
        assert!(state.preview.is_none() && state.checks.is_none());
        assert_eq!(recipes(&state, &f.ctx), 1);
        let stored = f.store(move |s| Ok(s.request(id)?.expect("request")));
        assert_eq!(stored.step, Step::Face);
        assert!(stored.captures.iter().all(|c| c.modality != Modality::Face));
        // Frames of the closed camera that arrive late do not bring the still back.
        settle(
            &mut state,
            Message::Taken(Err(Failure::internal("late"))),
            &f.ctx,
            State::update,
        );
        assert!(matches!(state.phase, Phase::Live) && state.error.is_none());
    }

    #[test]
    fn a_refused_save_keeps_the_still_and_says_why() {
        let f = Fixture::new();
        let r = f.request_at(1, Step::Face);
        let id = r.id;
        let (mut state, _) = State::new(&f.ctx, r);
        let bg = state.expected;
        frame(&mut state, &f, bg, 1, Instant::now());
        settle(&mut state, Message::Capture, &f.ctx, State::update);
        // Meanwhile the face step was completed elsewhere (another window, a resumed request).
        let op = f.operator.clone();
        f.store(move |s| {
            s.add_capture(
                &op,
                id,
                &CaptureInput {
                    modality: Modality::Face,
                    position: 0,
                    content: crate::ui::screen::testing::sample(Modality::Face),
                },
            )?;
            s.complete_capture_step(&op, id)?;
            Ok(())
        });
        let nav = settle(&mut state, Message::Save, &f.ctx, State::update);
        assert!(nav.is_none());
        assert!(matches!(state.phase, Phase::Still(_)));
        let shown = state
            .error
            .as_ref()
            .map(|e| e.text(Lang::Id))
            .unwrap_or_default();
        assert!(!shown.is_empty());
        let mut ui = simulator(state.view(&f.ctx));
        assert!(ui.find(shown.as_str()).is_ok(), "{shown}");
    }

    #[test]
    fn the_view_shows_the_rule_the_checks_and_the_keys() {
        let f = Fixture::new();
        let r = f.request_at(1, Step::Face);
        let (mut state, _) = State::new(&f.ctx, r);
        state.auto = false;
        let year = state.birth_year.expect("a year");
        let rule = match state.expected {
            Background::Red => format!("Latar merah (tahun lahir ganjil: {year})"),
            _ => format!("Latar biru (tahun lahir genap: {year})"),
        };
        let mut ui = simulator(state.view(&f.ctx));
        assert!(ui.find(rule.as_str()).is_ok(), "{rule}");
        assert!(ui.find("Menyambungkan kamera wajah…").is_ok());
        // No frame yet: the capture button is there but does nothing.
        ui.click("Ambil foto [Spasi]").expect("capture button");
        ui.click("Otomatis [A]").expect("auto toggle");
        let messages: Vec<Message> = ui.into_messages().collect();
        assert!(
            matches!(messages.as_slice(), [Message::ToggleAuto]),
            "{messages:?}"
        );

        let bg = state.expected;
        state.update(
            Message::Camera(CameraUpdate::Link(Link::Connected(
                rekam_device::DeviceInfo {
                    class: DeviceClass::FaceCamera,
                    backend: rekam_device::Backend::Simulated,
                    model: "Rekam simulated face camera".into(),
                    location: "simulated camera 0".into(),
                    details: vec![],
                },
            ))),
            &f.ctx,
        );
        frame(&mut state, &f, bg, 1, Instant::now());
        let mut ui = simulator(state.view(&f.ctx));
        assert!(
            ui.find("Kamera: Rekam simulated face camera · - bingkai/detik")
                .is_ok()
        );
        assert!(ui.find("Satu wajah terlihat.").is_ok());
        assert!(ui.find("Mutu foto: ").is_err(), "exact text only");
        let quality = state
            .checks
            .as_ref()
            .map(|c| c.assessment.score)
            .unwrap_or_default();
        assert!(ui.find(format!("Mutu foto: {quality} dari 100")).is_ok());
        ui.click("Ambil foto [Spasi]").expect("capture button");
        let messages: Vec<Message> = ui.into_messages().collect();
        assert!(
            matches!(messages.as_slice(), [Message::Capture]),
            "{messages:?}"
        );

        settle(&mut state, Message::Capture, &f.ctx, State::update);
        let mut ui = simulator(state.view(&f.ctx));
        assert!(ui.find("Kamera dimatikan selama foto ditinjau.").is_ok());
        ui.click("Ulangi [R]").expect("retake button");
        ui.click("Simpan [Enter]").expect("save button");
        let messages: Vec<Message> = ui.into_messages().collect();
        assert!(
            matches!(messages.as_slice(), [Message::Retake, Message::Save]),
            "{messages:?}"
        );
        let guide = state.guide(&f.ctx);
        assert_eq!(guide.say, "Terima kasih, foto sudah diambil");
    }

    #[test]
    fn a_camera_problem_is_shown_where_the_operator_looks() {
        let f = Fixture::new();
        let r = f.request_at(1, Step::Face);
        let (mut state, _) = State::new(&f.ctx, r);
        let problem = DeviceProblem {
            class: DeviceClass::FaceCamera,
            detail: "No such device (os error 19)".into(),
        };
        state.update(
            Message::Camera(CameraUpdate::Problem(problem.clone())),
            &f.ctx,
        );
        state.update(
            Message::Camera(CameraUpdate::Link(Link::Lost("unplugged".into()))),
            &f.ctx,
        );
        let mut ui = simulator(state.view(&f.ctx));
        assert!(ui.find(problem.localize(Lang::Id)).is_ok());
        assert!(
            ui.find("Kamera wajah terputus (unplugged). Menyambung kembali…")
                .is_ok()
        );
        // The applicant is asked to look at the camera, in English when the station is.
        let mut en = Fixture::new();
        en.ctx.tr = Tr(Lang::En);
        let (state, _) = State::new(&en.ctx, en.request_at(1, Step::Face));
        assert_eq!(state.guide(&en.ctx).say, "Look at the camera");
        let mut ui = simulator(state.view(&en.ctx));
        assert!(ui.find("Take photo [Space]").is_ok());
    }

    #[test]
    fn keys_follow_the_phase() {
        let f = Fixture::new();
        let (mut state, _) = State::new(&f.ctx, f.request_at(1, Step::Face));
        let key = |s: &State, k: Key| s.shortcut(&k, Modifiers::empty()).map(|m| format!("{m:?}"));
        assert_eq!(
            key(&state, Key::Named(Named::Space)),
            Some("Capture".into())
        );
        assert_eq!(key(&state, Key::Named(Named::Enter)), None);
        assert_eq!(
            key(&state, Key::Character("a".into())),
            Some("ToggleAuto".into())
        );
        let bg = state.expected;
        frame(&mut state, &f, bg, 1, Instant::now());
        settle(&mut state, Message::Capture, &f.ctx, State::update);
        assert_eq!(key(&state, Key::Named(Named::Space)), None);
        assert_eq!(key(&state, Key::Named(Named::Enter)), Some("Save".into()));
        assert_eq!(
            key(&state, Key::Named(Named::Escape)),
            Some("Retake".into())
        );
    }
}
