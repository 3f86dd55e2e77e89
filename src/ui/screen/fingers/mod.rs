//! Fingerprints: the 4-4-2 slaps (right four, left four, both thumbs) with the hand diagram,
//! the scanner's state, the live image and each finger's crop with its quality; retries up to
//! `[quality.finger] max_attempts` per slap, best-of per finger, exceptions with a reason per
//! finger. Each image goes through the slap's quality gate ([`crate::capture::finger::assess_slap`]:
//! empty or smudged glass, the finger count, each finger's quality on NFIQ 2's scale); the
//! auto-capture policy's decision about each attempt (accepted, retry, best of the attempts) is
//! stored with its scores.
//!
//! Every attempt that segments is stored at once, all fingers of the slap in one
//! `add_captures` call (so the store keeps every attempt, sealed, as the workflow intends).
//! Accepting a slap ("Terima [Enter]") makes each finger's best attempt the current capture
//! with `select_capture` where a later, weaker attempt superseded it. A finger recorded as an
//! exception is left out of its slap: segmentation expects one finger fewer. Once every
//! position has a capture or an exception, the step is completed and the root opens the next.
//!
//! Keys: Space scan, R retry, Enter accept, E exception for the selected finger, 1-9 and 0
//! (or the arrows) select a finger; in the exception form Up/Down choose the kind, Enter saves,
//! Esc closes it.
//!
//! The view is in `view`, the segmentation and scoring of an image (off the UI thread) in
//! `analysis`, the exceptions in `exceptions` (with the shared [`exception`] form).

use std::collections::BTreeMap;
use std::sync::mpsc::Sender;
use std::time::Duration;

use iced::keyboard::{Key, Modifiers, key::Named};
use iced::widget::image;
use iced::{Subscription, Task};
use rekam_device::DeviceClass;
use rekam_fingerprint::worker::{ScanCommand, ScanEvent};
use rekam_fingerprint::{CaptureMode, Finger, FingerprintError};

use super::{Action, Nav};
use crate::ui::app::Ctx;
use crate::ui::applicant::{Guide, Show};
use crate::ui::db::Failure;
use crate::ui::device::{self, DeviceProblem, Link, ScanKey, ScanUpdate};
use crate::ui::widget::exception;
use crate::workflow::{ExceptionKind, Modality, RequestView};

mod analysis;
mod exceptions;
#[cfg(test)]
mod tests;
mod view;

/// The slaps in the order they are taken.
const SLAPS: [CaptureMode; 3] = [
    CaptureMode::SlapRight,
    CaptureMode::SlapLeft,
    CaptureMode::TwoThumbs,
];
/// How long the scanner waits for the fingers.
const FINGER_TIMEOUT: Duration = Duration::from_secs(30);

/// One finger of one stored attempt.
#[derive(Debug, Clone)]
pub struct Shot {
    pub position: u8,
    pub quality: u8,
    /// The stored capture.
    pub capture: i64,
    pub handle: image::Handle,
}

/// A position that has its capture (stored before, or accepted here), with its quality.
#[derive(Debug, Clone, Copy)]
struct Taken {
    quality: Option<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Idle,
    Waiting,
    Present {
        fingers: u8,
        expected: u8,
    },
    Transfer {
        received: usize,
        total: usize,
    },
    /// Segmenting, scoring and storing the image.
    Analysing,
    Accepting,
    Completing,
}

/// What the banner says.
#[derive(Debug, Clone)]
enum Notice {
    NoFinger,
    Lifted,
    Device(DeviceProblem),
    Failure(Failure),
    /// The slap's quality gate: what failed on the last attempt, in the operator's words.
    Quality(crate::capture::quality::Finding),
}

/// The exception form, open for one finger.
#[derive(Debug, Clone)]
struct Excepting {
    position: u8,
    form: exception::Form,
}

#[derive(Debug)]
pub struct State {
    request: RequestView,
    person: u64,
    /// Index into [`SLAPS`]; `SLAPS.len()` once every slap is done.
    slap: usize,
    /// Resuming: slaps whose fingers are all stored already are skipped. Not after a redo
    /// from review, where every position has a capture and the operator takes them again.
    skip_taken: bool,
    sender: Option<Sender<ScanCommand>>,
    link: Link,
    phase: Phase,
    /// The stored attempts of the current slap.
    attempts: Vec<Vec<Shot>>,
    /// The auto-capture policy's limits for fingers (`[quality.finger]`).
    limits: crate::capture::policy::Thresholds,
    preview: Option<image::Handle>,
    taken: BTreeMap<u8, Taken>,
    exceptions: BTreeMap<u8, (ExceptionKind, String)>,
    selected: u8,
    form: Option<Excepting>,
    notice: Option<Notice>,
}

#[derive(Debug, Clone)]
pub enum Message {
    Scanner(ScanUpdate),
    Scan,
    /// The image of slap `.0` was analysed (and stored): the preview and the shots.
    Analysed(
        usize,
        Option<image::Handle>,
        Result<analysis::Attempt, Failure>,
    ),
    Accept,
    Accepted(usize, Result<(), Failure>),
    Completed(Result<(), Failure>),
    Select(u8),
    /// Left (-1) or right (+1) through the positions.
    Move(i8),
    OpenException,
    /// The open exception form.
    Exception(exception::Message),
    ExceptionSaved(u8, ExceptionKind, String, Result<(), Failure>),
}

/// A stable number for a NIK (FNV-1a), so that the simulated scanner presents the same fingers
/// for the same applicant on every run.
pub fn person_seed(request: &RequestView) -> u64 {
    let key = request
        .nik
        .clone()
        .unwrap_or_else(|| format!("request-{}", request.id));
    key.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl State {
    pub fn new(ctx: &Ctx, request: RequestView) -> (State, Task<Message>) {
        let mut taken = BTreeMap::new();
        let mut exceptions = BTreeMap::new();
        for c in request
            .captures
            .iter()
            .filter(|c| c.modality == Modality::Finger)
        {
            match c.exception {
                Some(kind) => {
                    let reason = c.exception_reason.clone().unwrap_or_default();
                    exceptions.insert(c.position, (kind, reason));
                }
                None => {
                    taken.insert(c.position, Taken { quality: c.quality });
                }
            }
        }
        let redo = (1..=10).all(|p| taken.contains_key(&p) || exceptions.contains_key(&p));
        let mut state = State {
            person: person_seed(&request),
            request,
            slap: 0,
            skip_taken: !redo,
            sender: None,
            link: Link::Opening,
            phase: Phase::Idle,
            attempts: Vec::new(),
            limits: ctx.settings.quality.finger,
            preview: None,
            taken,
            exceptions,
            selected: 2,
            form: None,
            notice: None,
        };
        state.skip_done_slaps();
        (state, Task::none())
    }

    /// The capture mode of the current slap.
    fn mode(&self) -> Option<CaptureMode> {
        SLAPS.get(self.slap).copied()
    }

    /// The fingers of slap `i` that are not exceptions, in image order.
    fn expected_in(&self, i: usize) -> Vec<Finger> {
        SLAPS.get(i).map_or_else(Vec::new, |mode| {
            mode.fingers()
                .into_iter()
                .filter(|f| !self.exceptions.contains_key(&f.position()))
                .collect()
        })
    }

    fn expected(&self) -> Vec<Finger> {
        self.expected_in(self.slap)
    }

    fn has_work(&self, i: usize) -> bool {
        let expected = self.expected_in(i);
        !expected.is_empty()
            && (!self.skip_taken
                || expected
                    .iter()
                    .any(|f| !self.taken.contains_key(&f.position())))
    }

    /// Moves past slaps with nothing to take (all fingers excepted, or stored before).
    fn skip_done_slaps(&mut self) {
        while self.slap < SLAPS.len() && !self.has_work(self.slap) {
            self.slap += 1;
        }
        if let Some(first) = self.expected().first() {
            self.selected = first.position();
        }
    }

    fn scanning(&self) -> bool {
        matches!(
            self.phase,
            Phase::Waiting | Phase::Present { .. } | Phase::Transfer { .. }
        )
    }

    fn busy(&self) -> bool {
        matches!(
            self.phase,
            Phase::Analysing | Phase::Accepting | Phase::Completing
        )
    }

    /// The best shot of a position among the current slap's attempts, with its attempt number.
    fn best(&self, position: u8) -> Option<(&Shot, usize)> {
        self.attempts
            .iter()
            .enumerate()
            .flat_map(|(i, shots)| shots.iter().map(move |s| (s, i + 1)))
            .filter(|(s, _)| s.position == position)
            .max_by_key(|(s, _)| s.quality)
    }

    /// Attempts per slap: `[quality.finger] max_attempts`.
    fn max_attempts(&self) -> usize {
        usize::from(self.limits.max_attempts.max(1))
    }

    fn can_scan(&self) -> bool {
        self.mode().is_some()
            && !self.busy()
            && !self.scanning()
            && self.form.is_none()
            && self.attempts.len() < self.max_attempts()
    }

    fn can_accept(&self) -> bool {
        let expected = self.expected();
        self.mode().is_some()
            && !self.busy()
            && self.form.is_none()
            && !expected.is_empty()
            && expected.iter().all(|f| {
                self.best(f.position()).is_some() || self.taken.contains_key(&f.position())
            })
    }

    pub fn update(&mut self, message: Message, ctx: &Ctx) -> Action<Message> {
        match message {
            Message::Scanner(update) => self.scanner(update, ctx),
            Message::Scan => self.scan(),
            Message::Analysed(slap, preview, result) => self.analysed(slap, preview, result),
            Message::Accept => self.accept(ctx),
            Message::Accepted(slap, result) => self.accepted(slap, result, ctx),
            Message::Completed(Ok(())) => Action::Go(Nav::Request(self.request.id)),
            Message::Completed(Err(e)) => {
                self.phase = Phase::Idle;
                self.notice = Some(Notice::Failure(e));
                // Back to the first slap that still misses a finger.
                self.slap = 0;
                self.skip_taken = true;
                self.skip_done_slaps();
                Action::None
            }
            Message::Select(position) => {
                if self.form.is_none() && (1..=10).contains(&position) {
                    self.selected = position;
                }
                Action::None
            }
            Message::Move(step) => {
                if self.form.is_none() {
                    self.selected =
                        ((i16::from(self.selected) - 1 + i16::from(step)).rem_euclid(10) + 1) as u8;
                }
                Action::None
            }
            Message::OpenException => self.open_exception(),
            Message::Exception(message) => self.exception(message, ctx),
            Message::ExceptionSaved(position, kind, reason, result) => {
                self.exception_saved(position, kind, reason, result, ctx)
            }
        }
    }

    fn scanner(&mut self, update: ScanUpdate, ctx: &Ctx) -> Action<Message> {
        match update {
            ScanUpdate::Ready(sender) => {
                self.sender = Some(sender);
                // The first slap starts by itself once the scanner is there.
                if self.attempts.is_empty() && self.can_scan() {
                    return self.scan();
                }
            }
            ScanUpdate::Link(link) => {
                if matches!(link, Link::Connected(_))
                    && matches!(self.notice, Some(Notice::Device(_)))
                {
                    self.notice = None;
                }
                if let Link::Lost(reason) = &link {
                    self.notice = Some(Notice::Device(DeviceProblem {
                        class: DeviceClass::Fingerprint,
                        detail: reason.clone(),
                    }));
                    if self.scanning() {
                        self.phase = Phase::Idle;
                    }
                }
                self.link = link;
            }
            ScanUpdate::Event(event) => return self.scan_event(event, ctx),
            ScanUpdate::Problem(problem, error) => {
                let notice = match error.as_deref() {
                    // Someone pressed twice; the capture in progress goes on.
                    Some(FingerprintError::Busy | FingerprintError::Cancelled) => {
                        return Action::None;
                    }
                    Some(FingerprintError::NoFinger) => Notice::NoFinger,
                    Some(FingerprintError::FingerLifted) => Notice::Lifted,
                    _ => Notice::Device(problem),
                };
                self.notice = Some(notice);
                if self.scanning() {
                    self.phase = Phase::Idle;
                }
            }
        }
        Action::None
    }

    fn scan_event(&mut self, event: ScanEvent, ctx: &Ctx) -> Action<Message> {
        match event {
            ScanEvent::WaitingForFinger { .. } | ScanEvent::FingerAbsent => {
                if !self.busy() {
                    self.phase = Phase::Waiting;
                }
            }
            ScanEvent::FingerPresent { fingers, expected } => {
                self.phase = Phase::Present { fingers, expected };
            }
            ScanEvent::Transfer { received, total } => {
                self.phase = Phase::Transfer { received, total };
            }
            ScanEvent::Image(capture) => return self.image(capture, ctx),
        }
        Action::None
    }

    fn scan(&mut self) -> Action<Message> {
        let Some(mode) = self.mode() else {
            return Action::None;
        };
        if !self.can_scan() {
            return Action::None;
        }
        let Some(sender) = &self.sender else {
            // Not connected yet: the first scan starts when the scanner is ready.
            return Action::None;
        };
        if sender
            .send(ScanCommand::Capture {
                mode,
                timeout: FINGER_TIMEOUT,
            })
            .is_err()
        {
            self.sender = None;
            self.notice = Some(Notice::Device(DeviceProblem {
                class: DeviceClass::Fingerprint,
                detail: "the scanner worker has stopped".into(),
            }));
            return Action::None;
        }
        self.notice = None;
        self.phase = Phase::Waiting;
        Action::None
    }

    fn accept(&mut self, ctx: &Ctx) -> Action<Message> {
        if !self.can_accept() {
            return Action::None;
        }
        let (db, user) = match ctx.storage() {
            Ok(found) => found,
            Err(e) => {
                self.notice = Some(Notice::Failure(e));
                return Action::None;
            }
        };
        if self.scanning()
            && let Some(sender) = &self.sender
        {
            // A retry was under way; the operator keeps what there is.
            let _ = sender.send(ScanCommand::Cancel);
        }
        // Best-of: where a later attempt of a finger superseded its best one, make the best
        // current again.
        let picks: Vec<i64> = self
            .expected()
            .iter()
            .filter_map(|f| {
                let (best, attempt) = self.best(f.position())?;
                let latest = self
                    .attempts
                    .iter()
                    .rposition(|shots| shots.iter().any(|s| s.position == f.position()))?;
                (attempt != latest + 1).then_some(best.capture)
            })
            .collect();
        self.phase = Phase::Accepting;
        let (slap, request) = (self.slap, self.request.id);
        Action::Run(Task::perform(
            db.call(move |store| {
                for capture in picks {
                    store.select_capture(&user, request, capture)?;
                }
                Ok(())
            }),
            move |result| Message::Accepted(slap, result),
        ))
    }

    fn accepted(&mut self, slap: usize, result: Result<(), Failure>, ctx: &Ctx) -> Action<Message> {
        if slap != self.slap {
            return Action::None;
        }
        self.phase = Phase::Idle;
        if let Err(e) = result {
            self.notice = Some(Notice::Failure(e));
            return Action::None;
        }
        for f in self.expected() {
            if let Some((best, _)) = self.best(f.position()) {
                let taken = Taken {
                    quality: Some(best.quality),
                };
                self.taken.insert(f.position(), taken);
            }
        }
        self.next_slap(ctx)
    }

    /// Leaves the current slap for the next one with work, or completes the step.
    fn next_slap(&mut self, ctx: &Ctx) -> Action<Message> {
        self.attempts.clear();
        self.preview = None;
        self.notice = None;
        self.phase = Phase::Idle;
        self.slap += 1;
        self.skip_done_slaps();
        if self.mode().is_some() {
            return self.scan();
        }
        self.complete(ctx)
    }

    fn complete(&mut self, ctx: &Ctx) -> Action<Message> {
        let (db, user) = match ctx.storage() {
            Ok(found) => found,
            Err(e) => {
                self.notice = Some(Notice::Failure(e));
                return Action::None;
            }
        };
        self.phase = Phase::Completing;
        let request = self.request.id;
        Action::Run(Task::perform(
            db.call(move |store| {
                store.complete_capture_step(&user, request)?;
                Ok(())
            }),
            Message::Completed,
        ))
    }

    pub fn subscription(&self, ctx: &Ctx) -> Subscription<Message> {
        if self.mode().is_none() {
            return Subscription::none();
        }
        device::scanner(ScanKey::new(
            &ctx.settings,
            ctx.backends.fingerprint,
            self.person,
            ctx.fast_devices,
        ))
        .map(Message::Scanner)
    }

    pub fn shortcut(&self, key: &Key, _modifiers: Modifiers) -> Option<Message> {
        if self.form.is_some() {
            return exception::shortcut(key).map(Message::Exception);
        }
        match key {
            Key::Named(Named::Space) => Some(Message::Scan),
            Key::Named(Named::Enter) => Some(Message::Accept),
            Key::Named(Named::ArrowLeft) => Some(Message::Move(-1)),
            Key::Named(Named::ArrowRight) => Some(Message::Move(1)),
            Key::Character(c) => match c.as_str() {
                "r" | "R" => Some(Message::Scan),
                "e" | "E" => Some(Message::OpenException),
                "0" => Some(Message::Select(10)),
                d => d
                    .parse::<u8>()
                    .ok()
                    .filter(|n| (1..=9).contains(n))
                    .map(Message::Select),
            },
            _ => None,
        }
    }

    pub fn guide(&self, ctx: &Ctx) -> Guide {
        let tr = ctx.tr;
        let Some(mode) = self.mode() else {
            return Guide::new(tr.t("fingers.say_done"));
        };
        let say = match mode {
            CaptureMode::SlapRight => tr.t("fingers.say_right"),
            CaptureMode::SlapLeft => tr.t("fingers.say_left"),
            _ => tr.t("fingers.say_thumbs"),
        };
        let mut guide = Guide::new(say).show(Show::Fingers(
            self.expected().into_iter().map(Finger::position).collect(),
        ));
        match self.phase {
            Phase::Present { .. } => guide = guide.detail(tr.t("fingers.say_hold")),
            Phase::Transfer { .. } | Phase::Analysing => {
                guide = guide.detail(tr.t("fingers.say_lift"))
            }
            _ => {}
        }
        guide
    }
}
