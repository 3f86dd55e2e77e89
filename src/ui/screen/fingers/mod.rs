//! Fingerprints: the 4-4-2 slaps (right four, left four, both thumbs) with the hand diagram,
//! the scanner's state, the live image and each finger's crop with its quality; up to
//! `[quality.finger] max_attempts` scans per slap, the best print of each finger over them,
//! exceptions with a reason per finger.
//!
//! Each slap is one capture session ([`crate::capture::session`], one scan one attempt) with the
//! slap's gate ([`crate::capture::finger::assess_slap`]: empty or smudged glass, the finger
//! count, each finger's quality on NFIQ 2's scale); the policy decides each attempt (accepted,
//! retry, best of the attempts) and the screen says what the gate found first. Accepting the
//! slap ("Terima [Enter]") stores each finger's best print over the attempts with every decision
//! in one transaction; the last slap's also completes the step. Accepting before the policy took
//! a scan is the operator's own decision, recorded as such. A finger recorded as an exception is
//! left out of its slap: segmentation expects one finger fewer.
//!
//! Keys: Space scan, R retry, Enter accept, E exception for the selected finger, 1-9 and 0
//! (or the arrows) select a finger; in the exception form Up/Down choose the kind, Enter saves,
//! Esc closes it.
//!
//! The view is in `view`, the gate's work on an image (off the UI thread) in `analysis`, the
//! exceptions in `exceptions` (with the shared [`exception`] form).

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
use crate::capture::policy::Thresholds;
use crate::capture::session::{Pace, Session, SlapGate};
use crate::ui::applicant::{Guide, Show};
use crate::ui::ctx::Ctx;
use crate::ui::db::Failure;
use crate::ui::device::{self, DeviceProblem, Link, ScanKey, ScanUpdate};
use crate::ui::widget::exception;
use crate::workflow::{ExceptionKind, Modality, Recorded, RequestView, Step};

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

/// One finger of one attempt, as shown.
#[derive(Debug, Clone)]
pub struct Shot {
    pub position: u8,
    pub quality: u8,
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
    /// Segmenting and scoring the image.
    Analysing,
    /// Storing the slap (or finishing the step).
    Storing,
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
    /// The capture session of the current slap (`None` once every slap is done).
    session: Option<Session<SlapGate>>,
    /// The attempts of the current slap, as shown: each finger's crop and quality.
    attempts: Vec<Vec<Shot>>,
    /// The auto-capture policy's limits for fingers (`[quality.finger]`).
    limits: Thresholds,
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
    /// The image of slap `.0` went through its gate.
    Analysed(usize, Result<analysis::Analysed, Failure>),
    Accept,
    /// What slap `.0` stored (the step finished when it is no longer fingerprints).
    Stored(usize, Result<Recorded, Failure>),
    Select(u8),
    /// Left (-1) or right (+1) through the positions.
    Move(i8),
    OpenException,
    /// The open exception form.
    Exception(exception::Message),
    ExceptionSaved(u8, ExceptionKind, String, Result<Recorded, Failure>),
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
            session: None,
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

    /// Moves past slaps with nothing to take (all fingers excepted, or stored before), and
    /// opens the capture session of the slap it stops at.
    fn skip_done_slaps(&mut self) {
        while self.slap < SLAPS.len() && !self.has_work(self.slap) {
            self.slap += 1;
        }
        let device = self.link.provenance();
        self.session = self.mode().map(|mode| {
            let gate = SlapGate::new(mode, &self.excepted());
            let position = gate.position();
            let now = std::time::Instant::now();
            Session::new(
                gate,
                self.request.id,
                position,
                self.limits,
                Pace::PerSample,
                now,
            )
            .with_device(device)
        });
        if let Some(first) = self.expected().first() {
            self.selected = first.position();
        }
    }

    /// The positions recorded as exceptions.
    fn excepted(&self) -> Vec<u8> {
        self.exceptions.keys().copied().collect()
    }

    /// No slap after the current one has work: storing it completes the step.
    fn last_slap(&self) -> bool {
        (self.slap + 1..SLAPS.len()).all(|i| !self.has_work(i))
    }

    fn scanning(&self) -> bool {
        matches!(
            self.phase,
            Phase::Waiting | Phase::Present { .. } | Phase::Transfer { .. }
        )
    }

    fn busy(&self) -> bool {
        matches!(self.phase, Phase::Analysing | Phase::Storing)
    }

    /// The best shot of a position among the current slap's attempts, with its attempt number:
    /// the highest quality, the earlier attempt on a tie (what the slap stores, see
    /// [`crate::capture::session::best_prints`]).
    fn best(&self, position: u8) -> Option<(&Shot, usize)> {
        self.attempts
            .iter()
            .enumerate()
            .flat_map(|(i, shots)| shots.iter().map(move |s| (s, i + 1)))
            .filter(|(s, _)| s.position == position)
            .max_by_key(|(s, i)| (s.quality, std::cmp::Reverse(*i)))
    }

    /// Attempts per slap: `[quality.finger] max_attempts`.
    fn max_attempts(&self) -> usize {
        usize::from(self.limits.max_attempts.max(1))
    }

    fn can_scan(&self) -> bool {
        self.session.as_ref().is_some_and(Session::can_try_again)
            && !self.busy()
            && !self.scanning()
            && self.form.is_none()
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
            Message::Scanner(update) => self.scanner(update),
            Message::Scan => self.scan(),
            Message::Analysed(slap, result) => self.analysed(slap, result),
            Message::Accept => self.accept(ctx),
            Message::Stored(slap, result) => self.stored(slap, result, ctx),
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

    fn scanner(&mut self, update: ScanUpdate) -> Action<Message> {
        match update {
            ScanUpdate::Ready(sender) => {
                self.sender = Some(sender);
                // The first slap starts by itself once the scanner is there.
                if self.attempts.is_empty() && self.can_scan() {
                    return self.scan();
                }
            }
            ScanUpdate::Link(link) => {
                if let (Some(device), Some(session)) = (link.provenance(), &mut self.session) {
                    session.set_device(device);
                }
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
            ScanUpdate::Event(event) => return self.scan_event(event),
            ScanUpdate::Problem(problem, error) => {
                // Someone pressed twice; the capture in progress goes on.
                if matches!(error.as_deref(), Some(FingerprintError::Busy)) {
                    return Action::None;
                }
                self.notice = Some(Notice::Device(problem));
                if self.scanning() {
                    self.phase = Phase::Idle;
                }
            }
        }
        Action::None
    }

    fn scan_event(&mut self, event: ScanEvent) -> Action<Message> {
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
            ScanEvent::Image(capture) => return self.image(capture),
            // The capture ended without an image: say why, and wait for the operator.
            ScanEvent::NoFinger | ScanEvent::Lifted | ScanEvent::Cancelled => {
                match event {
                    ScanEvent::NoFinger => self.notice = Some(Notice::NoFinger),
                    ScanEvent::Lifted => self.notice = Some(Notice::Lifted),
                    _ => {}
                }
                if self.scanning() {
                    self.phase = Phase::Idle;
                }
            }
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
        // After a taken slap, another scan is one more attempt, ranked with the others.
        if let Some(session) = &mut self.session
            && !session.another(std::time::Instant::now())
        {
            return Action::None;
        }
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
        if self.scanning()
            && let Some(sender) = &self.sender
        {
            // A retry was under way; the operator keeps what there is.
            let _ = sender.send(ScanCommand::Cancel);
        }
        let finish = self.last_slap();
        let Some(session) = &mut self.session else {
            return Action::None;
        };
        if session.taken().is_none() {
            // Kept before the policy took a scan: the operator's decision.
            let _ = session.take_by_hand();
        }
        let expected = session.gate().expected.clone();
        let attempts = session.attempts().to_vec();
        let attempt = session.attempt(Vec::new(), finish);
        self.phase = Phase::Storing;
        let slap = self.slap;
        Action::Run(Task::perform(
            // Each finger's best print, encoded where it is stored (never on the UI thread).
            ctx.write(move |store, user| {
                let captures = crate::capture::session::slap_captures(&attempts, &expected)
                    .map_err(Failure::new)?;
                let attempt = crate::capture::session::Attempt {
                    captures,
                    ..attempt
                };
                Ok(store.record_attempt(user, &attempt)?)
            }),
            move |result| Message::Stored(slap, result),
        ))
    }

    fn stored(
        &mut self,
        slap: usize,
        result: Result<Recorded, Failure>,
        ctx: &Ctx,
    ) -> Action<Message> {
        if slap != self.slap && slap != SLAPS.len() {
            return Action::None;
        }
        self.phase = Phase::Idle;
        let recorded = match result {
            Ok(r) => r,
            Err(e) => {
                self.notice = Some(Notice::Failure(e));
                return Action::None;
            }
        };
        if recorded.step != Step::Fingerprints || slap == SLAPS.len() {
            return Action::Go(Nav::Request(self.request.id));
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

    /// Leaves the current slap for the next one with work, or finishes the step.
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
        self.finish(ctx)
    }

    /// Nothing is left to scan (the last fingers were excepted): completes the step.
    fn finish(&mut self, ctx: &Ctx) -> Action<Message> {
        self.phase = Phase::Storing;
        let attempt =
            crate::capture::session::Attempt::of(self.request.id, Modality::Finger, Vec::new())
                .finishing();
        Action::Run(Task::perform(
            ctx.write(move |store, user| Ok(store.record_attempt(user, &attempt)?)),
            |result| Message::Stored(SLAPS.len(), result),
        ))
    }

    pub fn subscription(&self, ctx: &Ctx) -> Subscription<Message> {
        if self.mode().is_none() {
            return Subscription::none();
        }
        device::scanner(ScanKey {
            backend: ctx.backends.fingerprint,
            scanner: ctx.settings.fingerprint.clone(),
            person: self.person,
            fast: ctx.fast_devices,
        })
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
