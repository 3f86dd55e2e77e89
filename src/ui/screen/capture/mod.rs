//! One camera capture, shared by the face and the iris screens: the live preview from the
//! camera subscription, the quality gate on every frame it can keep up with, the auto-capture
//! policy, the operator's own take, the still with retake and save, the device's state.
//!
//! A [`Camera`] runs one capture session ([`crate::capture::session::Session`]) for one unit
//! (the face, one eye). Each preview frame is assessed by the session's gate on a thread of its
//! own, one frame at a time (frames that arrive meanwhile are shown, not checked), and offered
//! to the session: the policy takes a passing frame by itself, starts another attempt when one
//! times out (the screen says why), and after the last keeps the best frame of all with a note.
//! Space takes the latest checked frame by hand. A taken frame becomes a still ([`Shot`], cut
//! by the modality off the UI thread); [`Camera::save`] encodes it and stores it with every
//! decision in one transaction (`Store::record_attempt`), completing the step when the screen
//! says so. The modality adapts the core through [`CameraGate`]: how a still is cut and stored,
//! the camera it needs and the words of its screen ([`Words`]).
//!
//! Phases: `Live` (camera on) → `Taking` (cutting the still) → `Still` → `Saving` → stored;
//! `Still` → `Live` on retake. A paused camera (the iris screen's exception form) shows no
//! preview and stops its subscription.

mod view;

use std::collections::VecDeque;
use std::fmt::Debug;
use std::sync::Arc;
use std::time::Instant;

use ::image::RgbImage;
use iced::keyboard::{Key, key::Named};
use iced::widget::image;
use iced::{Subscription, Task};

use super::Action;
use crate::capture::policy::Thresholds;
use crate::capture::session::{Attempt, Event, Gate, GateError, Pace, Session, Taken};
use crate::domain::CaptureInput;
use crate::ui::ctx::Ctx;
use crate::ui::db::{Failure, off_thread};
use crate::ui::device::{self, CameraKey, CameraUpdate, DeviceProblem, Link, Preview};
use crate::workflow::Recorded;

pub use view::{Words, layout};

/// Frames over which the frame rate is measured.
const RATE_WINDOW: usize = 30;

/// A modality captured with a camera: its gate, and how a taken frame is shown and stored.
pub trait CameraGate: Gate<Input = Arc<RgbImage>> + Debug {
    /// What a taken frame keeps to show and to store (the face's token image, the iris in grey).
    type Still: Clone + Debug + Send + 'static;

    /// Cuts the still from a taken sample (off the UI thread), with its RGBA picture.
    fn still(&self, sample: &Self::Sample) -> (Self::Still, image::Handle, (u32, u32));

    /// What the still stores at `position` (encoding, off the UI thread).
    fn captures(
        &self,
        still: &Self::Still,
        sample: &Self::Sample,
        position: u8,
    ) -> Result<Vec<CaptureInput>, GateError>;
}

/// A frame that was taken, cut into its still.
#[derive(Debug, Clone)]
pub struct Shot<G: CameraGate> {
    pub taken: Taken<G::Sample>,
    pub still: G::Still,
    pub handle: image::Handle,
    pub size: (u32, u32),
}

impl<G: CameraGate> Shot<G> {
    /// Kept by the policy as the best of its attempts, not because it passed.
    pub fn settled(&self) -> bool {
        self.taken.how == crate::capture::session::How::Settled
    }

    /// Every check of its frame passes.
    pub fn acceptable(&self) -> bool {
        G::assessment(&self.taken.sample).acceptable
    }
}

/// Where the capture is.
#[derive(Debug, Clone)]
pub enum Phase<G: CameraGate> {
    Live,
    Taking,
    Still(Shot<G>),
    Saving(Shot<G>),
}

#[derive(Debug, Clone)]
pub enum Message<G: CameraGate> {
    Camera(CameraUpdate),
    /// The gate's verdict on the frame taken at `at` (an error when it could not run).
    Checked {
        at: Instant,
        sample: Result<G::Sample, Failure>,
    },
    /// The operator's Space.
    Capture,
    /// The still of a taken frame was cut.
    Cut(Result<Shot<G>, Failure>),
    ToggleAuto,
    Retake,
    /// Enter on the still: store it (completing the step when [`Camera::finishes`]).
    Save,
    /// The still (or an exception) was stored, or why not.
    Stored(Result<Recorded, Failure>),
}

#[derive(Debug)]
pub struct Camera<G: CameraGate> {
    pub session: Session<G>,
    pub phase: Phase<G>,
    pub link: Link,
    pub problem: Option<DeviceProblem>,
    /// The latest preview frame (handle as shown, RGB as the camera saw it).
    pub preview: Option<Preview>,
    /// A frame is being checked; others are shown meanwhile but not checked.
    checking: bool,
    /// The screen holds the camera off (a form is open).
    paused: bool,
    frame_times: VecDeque<Instant>,
    pub error: Option<Failure>,
    pub words: &'static Words,
    /// Storing this unit completes the capture step (the face; the last eye).
    pub finishes: bool,
}

impl<G: CameraGate> Camera<G> {
    /// The capture of `request`'s unit at `position` with the modality's limits.
    pub fn new(
        gate: G,
        request: i64,
        position: u8,
        limits: Thresholds,
        words: &'static Words,
    ) -> Camera<G> {
        Camera {
            session: Session::new(
                gate,
                request,
                position,
                limits,
                Pace::Stream,
                Instant::now(),
            ),
            phase: Phase::Live,
            link: Link::Opening,
            problem: None,
            preview: None,
            checking: false,
            paused: false,
            frame_times: VecDeque::with_capacity(RATE_WINDOW),
            error: None,
            words,
            finishes: true,
        }
    }

    /// The next unit (the other eye): a new session, the camera reopened.
    pub fn next_unit(&mut self, gate: G, position: u8) {
        let (request, limits) = (self.session.request(), self.session.limits());
        let automatic = self.session.automatic();
        self.session = Session::new(
            gate,
            request,
            position,
            limits,
            Pace::Stream,
            Instant::now(),
        )
        .with_device(self.session.device().cloned());
        self.session.set_automatic(automatic, Instant::now());
        self.back_to_live();
    }

    /// A frame is being checked now.
    pub fn checking(&self) -> bool {
        self.checking
    }

    /// The camera runs and frames are checked.
    pub fn previewing(&self) -> bool {
        matches!(self.phase, Phase::Live) && !self.paused
    }

    pub fn live(&self) -> bool {
        matches!(self.phase, Phase::Live | Phase::Taking)
    }

    /// The shot shown, once taken.
    pub fn shot(&self) -> Option<&Shot<G>> {
        match &self.phase {
            Phase::Still(s) | Phase::Saving(s) => Some(s),
            Phase::Live | Phase::Taking => None,
        }
    }

    /// Holds the camera off (`true`) or lets it run again.
    pub fn pause(&mut self, paused: bool) {
        if self.paused && !paused && matches!(self.phase, Phase::Live) {
            // The camera starts again: show it as opening until it reports.
            self.back_to_live();
        }
        self.paused = paused;
    }

    /// The sequence number of the camera frame now shown, if any (the preview benchmark).
    pub fn preview_sequence(&self) -> Option<u64> {
        self.preview.as_ref().map(|p| p.sequence)
    }

    pub fn update(&mut self, message: Message<G>, ctx: &Ctx) -> Action<Message<G>> {
        match message {
            Message::Camera(update) => self.camera(update),
            Message::Checked { at, sample } => self.checked(at, sample),
            Message::Capture => self.capture(),
            Message::Cut(result) => self.cut(result),
            Message::ToggleAuto => {
                let on = !self.session.automatic();
                self.session.set_automatic(on, Instant::now());
                Action::None
            }
            Message::Retake => {
                if matches!(self.phase, Phase::Still(_)) {
                    self.error = None;
                    self.back_to_live();
                }
                Action::None
            }
            Message::Save => self.save(ctx),
            Message::Stored(result) => {
                self.stored(&result);
                Action::None
            }
        }
    }

    fn camera(&mut self, update: CameraUpdate) -> Action<Message<G>> {
        match update {
            CameraUpdate::Link(link) => {
                if let Some(device) = link.provenance() {
                    self.problem = None;
                    self.session.set_device(device);
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

    fn frame(&mut self, preview: Preview) -> Action<Message<G>> {
        if !self.previewing() {
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
        let gate = self.session.gate().clone();
        Action::Run(Task::perform(
            off_thread("rekam-camera-check", move || gate.assess(rgb)),
            move |sample| Message::Checked {
                at,
                sample: sample.and_then(|s| s.map_err(Failure::new)),
            },
        ))
    }

    fn checked(&mut self, at: Instant, sample: Result<G::Sample, Failure>) -> Action<Message<G>> {
        self.checking = false;
        if !self.previewing() {
            return Action::None;
        }
        let sample = match sample {
            Ok(s) => s,
            Err(e) => {
                // The next frame is checked again; meanwhile the operator sees why.
                self.error = Some(e);
                return Action::None;
            }
        };
        match self.session.offer(sample, at) {
            Event::Take(taken) => self.cut_still(taken),
            Event::Continue | Event::Retry(_) | Event::Empty => Action::None,
        }
    }

    /// The operator's Space: the latest checked frame, whatever its checks.
    fn capture(&mut self) -> Action<Message<G>> {
        if !self.previewing() {
            return Action::None;
        }
        match self.session.take_by_hand() {
            Some(taken) => self.cut_still(taken),
            None => Action::None,
        }
    }

    fn cut_still(&mut self, taken: Taken<G::Sample>) -> Action<Message<G>> {
        self.phase = Phase::Taking;
        self.error = None;
        let gate = self.session.gate().clone();
        Action::Run(Task::perform(
            off_thread("rekam-camera-still", move || {
                let (still, handle, size) = gate.still(&taken.sample);
                Shot {
                    taken,
                    still,
                    handle,
                    size,
                }
            }),
            Message::Cut,
        ))
    }

    fn cut(&mut self, result: Result<Shot<G>, Failure>) -> Action<Message<G>> {
        if !matches!(self.phase, Phase::Taking) {
            return Action::None;
        }
        match result {
            Ok(shot) => self.phase = Phase::Still(shot),
            Err(e) => {
                self.error = Some(e);
                self.back_to_live();
            }
        }
        Action::None
    }

    /// The camera again, from the first attempt; the decisions so far stay for what is kept.
    pub fn back_to_live(&mut self) {
        self.phase = Phase::Live;
        self.session.restart(Instant::now());
        self.preview = None;
        self.frame_times.clear();
        self.link = Link::Opening;
    }

    /// Stores the still shown with every decision, at the session's position, completing the
    /// capture step when it [`Camera::finishes`] it. The answer comes back as
    /// [`Message::Stored`].
    pub fn save(&mut self, ctx: &Ctx) -> Action<Message<G>> {
        let finish = self.finishes;
        let Phase::Still(shot) = &self.phase else {
            return Action::None;
        };
        let shot = shot.clone();
        let gate = self.session.gate().clone();
        let position = self.session.position();
        let attempt = self.session.attempt(Vec::new(), finish);
        self.phase = Phase::Saving(shot.clone());
        self.error = None;
        Action::Run(Task::perform(
            // Encoded where it is stored: a few milliseconds, and never on the UI thread.
            ctx.write(move |s, user| {
                let captures = gate
                    .captures(&shot.still, &shot.taken.sample, position)
                    .map_err(Failure::new)?;
                Ok(s.record_attempt(
                    user,
                    &Attempt {
                        captures,
                        ..attempt
                    },
                )?)
            }),
            Message::Stored,
        ))
    }

    /// Stores `captures` (an exception) with every decision so far; `finish` completes the
    /// capture step. The answer comes back as [`Message::Stored`].
    pub fn store(
        &mut self,
        ctx: &Ctx,
        captures: Vec<CaptureInput>,
        finish: bool,
    ) -> Task<Message<G>> {
        let attempt = self.session.attempt(captures, finish);
        self.error = None;
        Task::perform(
            ctx.write(move |s, user| Ok(s.record_attempt(user, &attempt)?)),
            Message::Stored,
        )
    }

    /// What came back from the store: on success the decisions are no longer pending; on a
    /// refusal the still is shown again with why.
    fn stored(&mut self, result: &Result<Recorded, Failure>) {
        match result {
            Ok(_) => self.session.stored(),
            Err(e) => {
                if let Phase::Saving(shot) = &self.phase {
                    self.phase = Phase::Still(shot.clone());
                }
                self.error = Some(e.clone());
            }
        }
    }

    /// Frames per second over the last frames.
    pub fn frame_rate(&self) -> Option<f32> {
        let (first, last) = (self.frame_times.front()?, self.frame_times.back()?);
        let span = last.saturating_duration_since(*first).as_secs_f32();
        (self.frame_times.len() > 1 && span > 0.0)
            .then(|| (self.frame_times.len() - 1) as f32 / span)
    }

    /// The camera, while the preview runs.
    pub fn subscription(&self, key: CameraKey) -> Subscription<Message<G>> {
        if !self.previewing() {
            // The camera stops as soon as the still is shown.
            return Subscription::none();
        }
        device::camera(key).map(Message::Camera)
    }

    /// The camera's keys: Space takes, Enter saves the still, R or Esc retakes, A toggles
    /// automatic capture.
    pub fn shortcut(&self, key: &Key) -> Option<Message<G>> {
        let still = matches!(self.phase, Phase::Still(_));
        match key.as_ref() {
            Key::Named(Named::Space) if self.previewing() => Some(Message::Capture),
            Key::Named(Named::Enter) if still => Some(Message::Save),
            Key::Named(Named::Escape) if still => Some(Message::Retake),
            Key::Character(c) if still && c.eq_ignore_ascii_case("r") => Some(Message::Retake),
            Key::Character(c) if c.eq_ignore_ascii_case("a") => Some(Message::ToggleAuto),
            _ => None,
        }
    }
}
