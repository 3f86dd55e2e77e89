//! Fingerprints: the 4-4-2 slaps (right four, left four, both thumbs) with the hand diagram,
//! the scanner's state, the live image and each finger's crop with its quality; retries up to
//! [`MAX_ATTEMPTS`] per slap, best-of per finger, exceptions with a reason per finger.
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

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::mpsc::Sender;
use std::time::Duration;

use iced::keyboard::{Key, Modifiers, key::Named};
use iced::widget::{button, column, container, image, progress_bar, row, space, text, text_input};
use iced::{Alignment, Element, Length, Subscription, Task};
use rekam_device::DeviceClass;
use rekam_fingerprint::worker::{ScanCommand, ScanEvent};
use rekam_fingerprint::{Capture, CaptureMode, Finger, FingerprintError};

use super::{Action, Nav};
use crate::capture::finger::{self, GOOD_ENOUGH};
use crate::lang::Localize;
use crate::ui::app::Ctx;
use crate::ui::applicant::{Guide, Show};
use crate::ui::db::Failure;
use crate::ui::device::{self, DeviceProblem, Link, ScanKey, ScanUpdate};
use crate::ui::i18n::tk;
use crate::ui::theme::{self, Tone};
use crate::ui::widget::hands::{self, Mark};
use crate::ui::widget::header::{self, Stage};
use crate::workflow::{
    CaptureContent, CaptureInput, ExceptionKind, Modality, RequestView, capture_name,
};

/// The slaps in the order they are taken.
const SLAPS: [CaptureMode; 3] = [
    CaptureMode::SlapRight,
    CaptureMode::SlapLeft,
    CaptureMode::TwoThumbs,
];
/// Attempts per slap before the best of them is kept.
pub const MAX_ATTEMPTS: usize = 3;
/// How long the scanner waits for the fingers.
const FINGER_TIMEOUT: Duration = Duration::from_secs(30);
/// The id of the exception reason field.
const REASON: &str = "fingers-reason";
/// Short names of the digits, thumb to little finger (the chips are grouped by hand).
const DIGITS: [&str; 5] = [
    tk("fingers.thumb"),
    tk("fingers.index"),
    tk("fingers.middle"),
    tk("fingers.ring"),
    tk("fingers.little"),
];

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
}

#[derive(Debug, Clone)]
struct ExceptionForm {
    position: u8,
    kind: ExceptionKind,
    reason: String,
    missing_reason: bool,
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
    preview: Option<image::Handle>,
    taken: BTreeMap<u8, Taken>,
    exceptions: BTreeMap<u8, (ExceptionKind, String)>,
    selected: u8,
    form: Option<ExceptionForm>,
    notice: Option<Notice>,
}

#[derive(Debug, Clone)]
pub enum Message {
    Scanner(ScanUpdate),
    Scan,
    /// The image of slap `.0` was analysed (and stored): the preview and the shots.
    Analysed(usize, Option<image::Handle>, Result<Vec<Shot>, Failure>),
    Accept,
    Accepted(usize, Result<(), Failure>),
    Completed(Result<(), Failure>),
    Select(u8),
    /// Left (-1) or right (+1) through the positions.
    Move(i8),
    OpenException,
    /// Up (-1) or down (+1) through the kinds.
    StepKind(i8),
    Kind(ExceptionKind),
    Reason(String),
    SaveException,
    CloseException,
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
    pub fn new(_ctx: &Ctx, request: RequestView) -> (State, Task<Message>) {
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

    fn can_scan(&self) -> bool {
        self.mode().is_some()
            && !self.busy()
            && !self.scanning()
            && self.form.is_none()
            && self.attempts.len() < MAX_ATTEMPTS
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
            Message::StepKind(step) => {
                if let Some(form) = &mut self.form {
                    form.kind = step_kind(form.kind, step);
                }
                Action::None
            }
            Message::Kind(kind) => {
                if let Some(form) = &mut self.form {
                    form.kind = kind;
                }
                Action::None
            }
            Message::Reason(reason) => {
                if let Some(form) = &mut self.form {
                    form.reason = reason;
                    form.missing_reason = false;
                }
                Action::None
            }
            Message::SaveException => self.save_exception(ctx),
            Message::CloseException => {
                self.form = None;
                Action::None
            }
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

    /// An image arrived: segment, score and store it off the UI thread.
    fn image(&mut self, capture: Arc<Capture>, ctx: &Ctx) -> Action<Message> {
        // An image of a slap already left (a late one) is not this slap's.
        if Some(capture.mode) != self.mode() || self.busy() {
            return Action::None;
        }
        let (db, user) = match storage(ctx) {
            Ok(found) => found,
            Err(e) => {
                self.notice = Some(Notice::Failure(e));
                self.phase = Phase::Idle;
                return Action::None;
            }
        };
        self.phase = Phase::Analysing;
        self.notice = None;
        let (slap, expected, request) = (self.slap, self.expected(), self.request.id);
        Action::Run(Task::perform(
            async move {
                let (preview, prints) = analyse(capture, expected).await;
                let result = match prints {
                    Ok(prints) => store_attempt(db, user, request, prints).await,
                    Err(e) => Err(e),
                };
                (preview, result)
            },
            move |(preview, result)| Message::Analysed(slap, preview, result),
        ))
    }

    fn analysed(
        &mut self,
        slap: usize,
        preview: Option<image::Handle>,
        result: Result<Vec<Shot>, Failure>,
    ) -> Action<Message> {
        if slap != self.slap {
            return Action::None;
        }
        self.phase = Phase::Idle;
        if preview.is_some() {
            self.preview = preview;
        }
        match result {
            Ok(shots) => self.attempts.push(shots),
            Err(e) => self.notice = Some(Notice::Failure(e)),
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
        let (db, user) = match storage(ctx) {
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
        let (db, user) = match storage(ctx) {
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

    fn open_exception(&mut self) -> Action<Message> {
        if self.busy() || self.form.is_some() {
            return Action::None;
        }
        self.form = Some(ExceptionForm {
            position: self.selected,
            kind: ExceptionKind::Missing,
            reason: String::new(),
            missing_reason: false,
        });
        Action::Run(iced::widget::operation::focus(REASON))
    }

    fn save_exception(&mut self, ctx: &Ctx) -> Action<Message> {
        // An attempt being stored now would supersede the exception of its finger: wait.
        if self.busy() {
            return Action::None;
        }
        let Some(form) = &mut self.form else {
            return Action::None;
        };
        if form.reason.trim().is_empty() {
            form.missing_reason = true;
            return Action::None;
        }
        let (db, user) = match storage(ctx) {
            Ok(found) => found,
            Err(e) => {
                self.notice = Some(Notice::Failure(e));
                return Action::None;
            }
        };
        let (position, kind, reason) = (form.position, form.kind, form.reason.trim().to_owned());
        let request = self.request.id;
        let input = CaptureInput {
            modality: Modality::Finger,
            position,
            content: CaptureContent::Exception {
                kind,
                reason: reason.clone(),
            },
        };
        Action::Run(Task::perform(
            db.call(move |store| {
                store.add_capture(&user, request, &input)?;
                Ok(())
            }),
            move |result| Message::ExceptionSaved(position, kind, reason.clone(), result),
        ))
    }

    fn exception_saved(
        &mut self,
        position: u8,
        kind: ExceptionKind,
        reason: String,
        result: Result<(), Failure>,
        ctx: &Ctx,
    ) -> Action<Message> {
        if let Err(e) = result {
            self.notice = Some(Notice::Failure(e));
            return Action::None;
        }
        self.form = None;
        self.taken.remove(&position);
        self.exceptions.insert(position, (kind, reason));
        // The whole slap excepted: nothing left to scan in it.
        if self.mode().is_some() && self.expected().is_empty() && !self.busy() {
            if self.scanning()
                && let Some(sender) = &self.sender
            {
                let _ = sender.send(ScanCommand::Cancel);
            }
            return self.next_slap(ctx);
        }
        Action::None
    }

    pub fn view<'a>(&'a self, ctx: &'a Ctx) -> Element<'a, Message> {
        let tr = ctx.tr;
        let title = match self.mode() {
            Some(mode) => tr.f(
                "fingers.slap_of",
                &[("n", &(self.slap + 1)), ("what", &slap_name(mode, ctx))],
            ),
            None => tr.t("fingers.all_done"),
        };
        let now: Vec<u8> = self.expected().into_iter().map(Finger::position).collect();
        let marks: Vec<(u8, Mark)> = (1..=10u8)
            .filter_map(|p| {
                if self.exceptions.contains_key(&p) {
                    Some((p, Mark::Exception))
                } else if self.taken.contains_key(&p) {
                    Some((p, Mark::Done))
                } else {
                    None
                }
            })
            .collect();
        let left = column![
            text(title).size(theme::HEADING),
            container(hands::view(now, &marks)).id("fingers-hands"),
            self.finger_chips(ctx),
        ]
        .spacing(theme::GAP)
        .width(Length::Fixed(620.0));
        // The exception form takes the images' place while it is open (the chips still show
        // which finger it is for).
        let work: Element<'a, Message> = match &self.form {
            Some(form) => exception_form(form, self.busy(), ctx),
            None => column![self.images(ctx)]
                .push(self.attempts_line(ctx))
                .spacing(theme::GAP)
                .into(),
        };
        let right = column![self.status(ctx), work]
            .spacing(theme::GAP)
            .width(Length::Fill);
        column![
            header::view(&self.request, Stage::Fingers, tr),
            row![left, right].spacing(theme::GAP * 1.5),
        ]
        .push(self.notice.as_ref().map(|n| {
            container(text(notice_text(n, ctx)).size(theme::BODY))
                .padding(10)
                .width(Length::Fill)
                .style(theme::banner(match n {
                    Notice::Failure(_) | Notice::Device(_) => Tone::Bad,
                    Notice::NoFinger | Notice::Lifted => Tone::Warning,
                }))
        }))
        .push(self.buttons(ctx))
        .push(
            text(tr.t("fingers.shortcuts"))
                .size(theme::SMALL)
                .style(theme::muted),
        )
        .spacing(theme::GAP)
        .into()
    }

    /// The ten fingers in two rows (right hand, left hand), each with its key and state.
    fn finger_chips<'a>(&'a self, ctx: &'a Ctx) -> Element<'a, Message> {
        let tr = ctx.tr;
        let chip = |p: u8| {
            let key = if p == 10 { 0 } else { p };
            let name = tr.t(DIGITS[usize::from((p - 1) % 5)]);
            let label =
                text(tr.f("fingers.chip", &[("key", &key), ("name", &name)])).size(theme::SMALL);
            let label = if self.exceptions.contains_key(&p) {
                label.style(theme::tone_text(Tone::Bad))
            } else if self.taken.contains_key(&p) {
                label.style(theme::tone_text(Tone::Good))
            } else {
                label
            };
            button(label)
                .padding([6, 6])
                .width(Length::Fill)
                .on_press(Message::Select(p))
                .style(theme::row_button(self.selected == p))
                .into()
        };
        let hand = |key: &str, fingers: std::ops::RangeInclusive<u8>| {
            column![
                text(tr.t(key)).size(theme::SMALL).style(theme::muted),
                row(fingers.map(chip)).spacing(4),
            ]
            .spacing(2)
        };
        column![
            hand(tk("fingers.right_hand"), 1..=5),
            hand(tk("fingers.left_hand"), 6..=10),
        ]
        .spacing(6)
        .into()
    }

    /// The scanner's state: connecting, waiting, fingers present, transfer, analysing.
    fn status<'a>(&'a self, ctx: &'a Ctx) -> Element<'a, Message> {
        let tr = ctx.tr;
        let line = |s: String| text(s).size(theme::BODY);
        match (&self.link, self.phase) {
            (_, Phase::Transfer { received, total }) => column![
                line(tr.t("fingers.transfer")),
                progress_bar(0.0..=total.max(1) as f32, received as f32)
                    .girth(12)
                    .length(Length::Fill),
            ]
            .spacing(6)
            .into(),
            (_, Phase::Present { fingers, expected }) => line(tr.f(
                "fingers.present",
                &[("fingers", &fingers), ("expected", &expected)],
            ))
            .into(),
            (_, Phase::Waiting) => line(tr.t("fingers.waiting")).into(),
            (_, Phase::Analysing) => line(tr.t("fingers.analysing")).into(),
            (_, Phase::Accepting | Phase::Completing) => line(tr.t("fingers.saving")).into(),
            (Link::Opening, Phase::Idle) if self.sender.is_none() => {
                line(tr.t("fingers.scanner_opening")).into()
            }
            (Link::Lost(_), Phase::Idle) => line(tr.t("fingers.scanner_lost")).into(),
            (_, Phase::Idle) => line(tr.t("fingers.scanner_ready")).into(),
        }
    }

    /// The live image and each finger's crop with its quality.
    fn images<'a>(&'a self, ctx: &'a Ctx) -> Element<'a, Message> {
        let tr = ctx.tr;
        let live: Element<'a, Message> = match &self.preview {
            Some(h) => image(h.clone())
                .width(Length::Fixed(200.0))
                .height(Length::Fixed(190.0))
                .into(),
            None => container(text(tr.t("fingers.no_image")).size(theme::SMALL))
                .center_x(Length::Fixed(200.0))
                .center_y(Length::Fixed(190.0))
                .style(theme::panel)
                .into(),
        };
        let fingers = self.mode().map_or_else(Vec::new, CaptureMode::fingers);
        let crops = row(fingers.into_iter().map(|f| self.crop(f.position(), ctx)))
            .spacing(6)
            .align_y(Alignment::Start);
        row![live, crops].spacing(theme::GAP).into()
    }

    fn crop<'a>(&'a self, position: u8, ctx: &'a Ctx) -> Element<'a, Message> {
        let tr = ctx.tr;
        let name = text(capture_name(Modality::Finger, position, ctx.lang())).size(theme::SMALL);
        let body: Element<'a, Message> = if let Some((kind, _)) = self.exceptions.get(&position) {
            text(tr.f("fingers.excepted", &[("kind", &kind.localize(ctx.lang()))]))
                .size(theme::SMALL)
                .style(theme::tone_text(Tone::Bad))
                .into()
        } else if let Some((shot, attempt)) = self.best(position) {
            column![
                image(shot.handle.clone())
                    .height(Length::Fixed(140.0))
                    .width(Length::Fixed(100.0)),
                quality_bar(shot.quality),
                text(tr.f(
                    "fingers.quality",
                    &[("quality", &shot.quality), ("attempt", &attempt)],
                ))
                .size(theme::SMALL),
            ]
            .spacing(4)
            .into()
        } else if let Some(taken) = self.taken.get(&position) {
            let q = taken
                .quality
                .map_or_else(|| "-".to_owned(), |q| q.to_string());
            text(tr.f("fingers.stored", &[("quality", &q)]))
                .size(theme::SMALL)
                .into()
        } else {
            text(tr.t("fingers.not_yet"))
                .size(theme::SMALL)
                .style(theme::muted)
                .into()
        };
        column![name, body]
            .spacing(4)
            .width(Length::Fixed(105.0))
            .into()
    }

    fn attempts_line<'a>(&'a self, ctx: &'a Ctx) -> Option<Element<'a, Message>> {
        let tr = ctx.tr;
        if self.mode().is_none() || self.attempts.is_empty() {
            return None;
        }
        let s = if self.attempts.len() >= MAX_ATTEMPTS {
            tr.f("fingers.limit", &[("max", &MAX_ATTEMPTS)])
        } else {
            tr.f(
                "fingers.attempt",
                &[("n", &self.attempts.len()), ("max", &MAX_ATTEMPTS)],
            )
        };
        Some(text(s).size(theme::BODY).into())
    }

    fn buttons<'a>(&'a self, ctx: &'a Ctx) -> Element<'a, Message> {
        let tr = ctx.tr;
        let scan_label = if self.attempts.is_empty() {
            tr.t("fingers.scan")
        } else {
            tr.f(
                "fingers.retry",
                &[("left", &MAX_ATTEMPTS.saturating_sub(self.attempts.len()))],
            )
        };
        let b = |label: String, on: Option<Message>, primary: bool| {
            button(text(label).size(theme::BODY))
                .padding(theme::BUTTON_PADDING)
                .on_press_maybe(on)
                .style(if primary {
                    button::primary
                } else {
                    button::secondary
                })
        };
        row![
            b(scan_label, self.can_scan().then_some(Message::Scan), false),
            b(
                tr.t("fingers.accept"),
                self.can_accept().then_some(Message::Accept),
                true
            ),
            space::horizontal(),
            b(
                tr.f(
                    "fingers.exception",
                    &[(
                        "finger",
                        &capture_name(Modality::Finger, self.selected, ctx.lang())
                    )]
                ),
                (!self.busy() && self.form.is_none()).then_some(Message::OpenException),
                false
            ),
        ]
        .spacing(theme::GAP)
        .align_y(Alignment::Center)
        .into()
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
            return match key {
                Key::Named(Named::Enter) => Some(Message::SaveException),
                Key::Named(Named::Escape) => Some(Message::CloseException),
                Key::Named(Named::ArrowUp) => Some(Message::StepKind(-1)),
                Key::Named(Named::ArrowDown) => Some(Message::StepKind(1)),
                _ => None,
            };
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

fn slap_name(mode: CaptureMode, ctx: &Ctx) -> String {
    ctx.tr.t(match mode {
        CaptureMode::SlapRight => tk("fingers.slap_right"),
        CaptureMode::SlapLeft => tk("fingers.slap_left"),
        _ => tk("fingers.slap_thumbs"),
    })
}

fn step_kind(kind: ExceptionKind, step: i8) -> ExceptionKind {
    let all = ExceptionKind::ALL;
    let i = all.iter().position(|k| *k == kind).unwrap_or(0) as i64;
    let n = all.len() as i64;
    all[(i + i64::from(step)).rem_euclid(n) as usize]
}

fn quality_bar<'a>(quality: u8) -> Element<'a, Message> {
    progress_bar(0.0..=100.0, f32::from(quality))
        .girth(10)
        .length(Length::Fixed(100.0))
        .style(if quality >= GOOD_ENOUGH {
            progress_bar::success
        } else {
            progress_bar::danger
        })
        .into()
}

fn notice_text(notice: &Notice, ctx: &Ctx) -> String {
    match notice {
        Notice::NoFinger => ctx.tr.t("fingers.no_finger"),
        Notice::Lifted => ctx.tr.t("fingers.lifted"),
        Notice::Device(p) => p.localize(ctx.lang()),
        Notice::Failure(e) => e.text(ctx.lang()),
    }
}

/// The exception form: the finger, the kind (Up/Down), the required reason.
fn exception_form<'a>(form: &'a ExceptionForm, busy: bool, ctx: &'a Ctx) -> Element<'a, Message> {
    let tr = ctx.tr;
    let name = capture_name(Modality::Finger, form.position, ctx.lang());
    let kinds = column(ExceptionKind::ALL.iter().map(|&k| {
        button(text(k.localize(ctx.lang())).size(theme::SMALL))
            .padding([4, 8])
            .width(Length::Fill)
            .on_press(Message::Kind(k))
            .style(theme::row_button(form.kind == k))
            .into()
    }))
    .spacing(2);
    let reason = text_input(&tr.t("fingers.reason_placeholder"), &form.reason)
        .id(REASON)
        .on_input(Message::Reason)
        .on_submit(Message::SaveException)
        .size(theme::BODY)
        .padding(8);
    container(
        column![
            text(tr.f("fingers.exception_title", &[("finger", &name)])).size(theme::BODY),
            text(tr.t("fingers.exception_kind")).size(theme::SMALL),
            kinds,
            reason,
        ]
        .push(form.missing_reason.then(|| {
            text(tr.t("fingers.reason_required"))
                .size(theme::SMALL)
                .style(theme::tone_text(Tone::Bad))
        }))
        .push(
            row![
                button(text(tr.t("fingers.exception_save")).size(theme::SMALL))
                    .on_press_maybe((!busy).then_some(Message::SaveException))
                    .style(button::primary),
                button(text(tr.t("fingers.exception_cancel")).size(theme::SMALL))
                    .on_press(Message::CloseException)
                    .style(button::secondary),
            ]
            .spacing(8),
        )
        .spacing(6),
    )
    .padding(10)
    .style(theme::panel)
    .into()
}

/// What one finger of an image gives, before it is stored.
struct Analysed {
    position: u8,
    quality: u8,
    png: Vec<u8>,
    width: u32,
    height: u32,
    handle: image::Handle,
}

/// A grey image as an RGBA handle no larger than `max` on its longer side.
fn handle(img: &::image::GrayImage, max: u32) -> image::Handle {
    let (w, h) = img.dimensions();
    let scaled = if w > max || h > max {
        let k = f64::from(max) / f64::from(w.max(h));
        let (nw, nh) = (
            ((f64::from(w) * k) as u32).max(1),
            ((f64::from(h) * k) as u32).max(1),
        );
        ::image::imageops::thumbnail(img, nw, nh)
    } else {
        img.clone()
    };
    let (w, h) = scaled.dimensions();
    let rgba: Vec<u8> = scaled
        .as_raw()
        .iter()
        .flat_map(|&v| [v, v, v, 255])
        .collect();
    image::Handle::from_rgba(w, h, rgba)
}

/// Segments, scores and encodes a capture on a thread of its own; the preview and the prints.
async fn analyse(
    capture: Arc<Capture>,
    expected: Vec<Finger>,
) -> (Option<image::Handle>, Result<Vec<Analysed>, Failure>) {
    let (tx, rx) = iced::futures::channel::oneshot::channel();
    let spawned = std::thread::Builder::new()
        .name("rekam-fingers".into())
        .spawn(move || {
            let preview = finger::capture_image(&capture).map(|img| handle(&img, 480));
            let prints = finger::prints(&capture, &expected)
                .map(|prints| {
                    prints
                        .into_iter()
                        .map(|p| Analysed {
                            position: p.finger.position(),
                            quality: p.quality,
                            width: p.crop.image.width(),
                            height: p.crop.image.height(),
                            handle: handle(&p.crop.image, 300),
                            png: p.png,
                        })
                        .collect()
                })
                .map_err(Failure::new);
            let _ = tx.send((preview, prints));
        });
    if let Err(e) = spawned {
        return (None, Err(Failure::other(e)));
    }
    rx.await
        .unwrap_or_else(|_| (None, Err(Failure::internal("fingerprint analysis stopped"))))
}

/// Stores one attempt: every finger of the image in one transaction.
async fn store_attempt(
    db: crate::ui::db::Db,
    user: crate::store::User,
    request: i64,
    prints: Vec<Analysed>,
) -> Result<Vec<Shot>, Failure> {
    let inputs: Vec<CaptureInput> = prints
        .iter()
        .map(|p| CaptureInput {
            modality: Modality::Finger,
            position: p.position,
            content: CaptureContent::Data {
                format: "png".into(),
                width: p.width,
                height: p.height,
                quality: Some(p.quality),
                bytes: p.png.clone(),
            },
        })
        .collect();
    let ids = db
        .call(move |store| Ok(store.add_captures(&user, request, &inputs)?))
        .await?;
    Ok(prints
        .into_iter()
        .zip(ids)
        .map(|(p, capture)| Shot {
            position: p.position,
            quality: p.quality,
            capture,
            handle: p.handle,
        })
        .collect())
}

/// The storage handle and the logged-in operator, which every write needs.
fn storage(ctx: &Ctx) -> Result<(crate::ui::db::Db, crate::store::User), Failure> {
    Ok((ctx.db()?.clone(), ctx.user()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;
    use std::sync::mpsc::{Receiver, channel};

    use rekam_fingerprint::Scanner;
    use rekam_fingerprint::sim::{SimConfig, SimDevice};
    use rekam_fingerprint::synth::SyntheticPerson;

    use crate::ui::screen::testing::{Fixture, settle, simulator};
    use crate::workflow::Step;

    fn person() -> Arc<SyntheticPerson> {
        static P: OnceLock<Arc<SyntheticPerson>> = OnceLock::new();
        P.get_or_init(|| Arc::new(SyntheticPerson::new(5))).clone()
    }

    /// A capture in `mode` from the simulated scanner through the real driver (impression `n`).
    fn capture(mode: CaptureMode, n: u64) -> Capture {
        let device = SimDevice::new(SimConfig {
            person_seed: 5,
            impression_seed: n,
            ..SimConfig::fast()
        })
        .with_person(person());
        let mut scanner = Scanner::open(device.open().expect("plugged")).expect("opens");
        scanner
            .capture(mode, Duration::from_secs(5))
            .expect("captures")
    }

    /// `capture` with the regions of `fingers` blurred beyond use (a smeared press).
    fn smeared(mut c: Capture, fingers: &[Finger]) -> Capture {
        let img = finger::capture_image(&c).expect("image");
        let crops = finger::segment(&img, c.mode, &c.mode.fingers()).expect("segments");
        let mut out = img.clone();
        for crop in crops.iter().filter(|k| fingers.contains(&k.finger)) {
            let blurred = ::image::imageops::blur(&crop.image, 4.0);
            ::image::imageops::replace(&mut out, &blurred, i64::from(crop.x), i64::from(crop.y));
        }
        c.pixels = out.into_raw();
        c
    }

    fn image_message(c: Capture) -> Message {
        Message::Scanner(ScanUpdate::Event(ScanEvent::Image(Arc::new(c))))
    }

    fn ready(f: &Fixture, s: &mut State) -> Receiver<ScanCommand> {
        let (tx, rx) = channel();
        settle(
            s,
            Message::Scanner(ScanUpdate::Ready(tx)),
            &f.ctx,
            State::update,
        );
        rx
    }

    fn asked(rx: &Receiver<ScanCommand>) -> Option<CaptureMode> {
        match rx.try_recv() {
            Ok(ScanCommand::Capture { mode, .. }) => Some(mode),
            _ => None,
        }
    }

    fn go(f: &Fixture, s: &mut State, m: Message) -> Option<Nav> {
        settle(s, m, &f.ctx, State::update)
    }

    #[test]
    fn three_slaps_with_one_finger_excepted_reach_the_iris_step() {
        let f = Fixture::new();
        let request = f.request_at(1, Step::Fingerprints);
        let id = request.id;
        let (mut s, _) = State::new(&f.ctx, request);
        let rx = ready(&f, &mut s);
        assert_eq!(asked(&rx), Some(CaptureMode::SlapRight), "starts by itself");

        // The right ring finger is bandaged: an exception with its reason.
        go(&f, &mut s, Message::Select(4));
        go(&f, &mut s, Message::OpenException);
        go(&f, &mut s, Message::StepKind(1));
        go(&f, &mut s, Message::Reason("luka diperban".into()));
        assert!(go(&f, &mut s, Message::SaveException).is_none());
        assert!(s.form.is_none());
        assert_eq!(
            s.expected(),
            [Finger::RightIndex, Finger::RightMiddle, Finger::RightLittle]
        );

        // The slap (the simulated applicant lays all four anyway): three prints stored.
        go(
            &f,
            &mut s,
            image_message(capture(CaptureMode::SlapRight, 1)),
        );
        assert!(s.notice.is_none(), "{:?}", s.notice);
        let shots: Vec<u8> = s.attempts[0].iter().map(|x| x.position).collect();
        assert_eq!(shots, [2, 3, 5]);
        go(&f, &mut s, Message::Accept);
        assert_eq!(
            asked(&rx),
            Some(CaptureMode::SlapLeft),
            "the next slap starts"
        );

        go(&f, &mut s, image_message(capture(CaptureMode::SlapLeft, 2)));
        go(&f, &mut s, Message::Accept);
        assert_eq!(asked(&rx), Some(CaptureMode::TwoThumbs));

        go(
            &f,
            &mut s,
            image_message(capture(CaptureMode::TwoThumbs, 3)),
        );
        let nav = go(&f, &mut s, Message::Accept);
        assert!(matches!(nav, Some(Nav::Request(r)) if r == id), "{nav:?}");

        let stored = f.store(move |st| Ok(st.request(id)?)).expect("request");
        assert_eq!(stored.step, Step::Iris);
        let fingers: Vec<_> = stored
            .captures
            .iter()
            .filter(|c| c.modality == Modality::Finger)
            .collect();
        assert_eq!(fingers.len(), 10);
        for c in &fingers {
            if c.position == 4 {
                assert_eq!(c.exception, Some(ExceptionKind::Injured));
                assert_eq!(c.exception_reason.as_deref(), Some("luka diperban"));
            } else {
                assert_eq!(c.format.as_deref(), Some("png"), "{}", c.position);
                assert!(c.quality.is_some_and(|q| q >= GOOD_ENOUGH), "{c:?}");
            }
        }
        // Each stored print is a PNG of one finger.
        let index = fingers
            .iter()
            .find(|c| c.position == 7)
            .map(|c| c.id)
            .expect("left index");
        let png = f.store(move |st| Ok(st.capture_bytes(index)?));
        let img = ::image::load_from_memory(&png).expect("png").into_luma8();
        assert!((150..=520).contains(&img.width()), "{}", img.width());
    }

    #[test]
    fn after_three_attempts_each_finger_keeps_its_best() {
        let f = Fixture::new();
        let request = f.request_at(2, Step::Fingerprints);
        let id = request.id;
        let (mut s, _) = State::new(&f.ctx, request);
        let rx = ready(&f, &mut s);
        assert_eq!(asked(&rx), Some(CaptureMode::SlapRight));

        let mode = CaptureMode::SlapRight;
        // 1: the index smeared; 2: the little finger smeared; 3: everything smeared.
        go(
            &f,
            &mut s,
            image_message(smeared(capture(mode, 11), &[Finger::RightIndex])),
        );
        go(&f, &mut s, Message::Scan);
        assert_eq!(asked(&rx), Some(mode), "retry asks the scanner again");
        go(
            &f,
            &mut s,
            image_message(smeared(capture(mode, 12), &[Finger::RightLittle])),
        );
        go(&f, &mut s, Message::Scan);
        assert_eq!(asked(&rx), Some(mode));
        go(
            &f,
            &mut s,
            image_message(smeared(capture(mode, 13), &mode.fingers())),
        );
        assert_eq!(s.attempts.len(), MAX_ATTEMPTS);
        // The limit: no fourth scan.
        go(&f, &mut s, Message::Scan);
        assert_eq!(asked(&rx), None);
        assert!(!s.can_scan());

        let (_, index_from) = s.best(2).expect("index");
        let (_, little_from) = s.best(5).expect("little");
        assert_eq!((index_from, little_from), (2, 1));
        let best: Vec<(u8, u8, usize)> = (2..=5)
            .map(|p| {
                let (shot, attempt) = s.best(p).expect("shot");
                (p, shot.quality, attempt)
            })
            .collect();
        assert!(best.iter().all(|(_, _, a)| *a != 3), "{best:?}");

        go(&f, &mut s, Message::Accept);
        assert_eq!(asked(&rx), Some(CaptureMode::SlapLeft));
        let stored = f.store(move |st| Ok(st.request(id)?)).expect("request");
        for (position, quality, attempt) in best {
            let c = stored
                .captures
                .iter()
                .find(|c| c.modality == Modality::Finger && c.position == position)
                .expect("current capture");
            assert_eq!(
                (c.attempt as usize, c.quality),
                (attempt, Some(quality)),
                "finger {position}"
            );
        }
        // Every attempt is kept in the store, superseded.
        let attempts = f.store(move |st| {
            Ok(st.conn().query_row(
                "SELECT COUNT(*) FROM captures WHERE request_id = ?1 AND modality = 'finger'",
                [id],
                |r| r.get::<_, i64>(0),
            )?)
        });
        assert_eq!(attempts, 12);
    }

    #[test]
    fn an_exception_needs_a_reason_and_problems_say_what_to_do() {
        let f = Fixture::new();
        let request = f.request_at(3, Step::Fingerprints);
        let id = request.id;
        let (mut s, _) = State::new(&f.ctx, request);
        let rx = ready(&f, &mut s);
        assert_eq!(asked(&rx), Some(CaptureMode::SlapRight));

        go(&f, &mut s, Message::Select(7));
        go(&f, &mut s, Message::OpenException);
        go(&f, &mut s, Message::Reason("   ".into()));
        go(&f, &mut s, Message::SaveException);
        assert!(s.form.as_ref().is_some_and(|f| f.missing_reason));
        let mut ui = simulator(s.view(&f.ctx));
        assert!(ui.find("Alasan wajib diisi.").is_ok());
        assert!(ui.find("Pengecualian untuk telunjuk kiri").is_ok());
        drop(ui);
        go(&f, &mut s, Message::CloseException);
        let stored = f.store(move |st| Ok(st.request(id)?)).expect("request");
        assert!(
            stored
                .captures
                .iter()
                .all(|c| c.modality != Modality::Finger)
        );

        // Nobody put a finger down: the scanner's timeout, said with what to do; Space again.
        let problem = DeviceProblem {
            class: DeviceClass::Fingerprint,
            detail: FingerprintError::NoFinger.to_string(),
        };
        go(
            &f,
            &mut s,
            Message::Scanner(ScanUpdate::Problem(
                problem,
                Some(Arc::new(FingerprintError::NoFinger)),
            )),
        );
        let mut ui = simulator(s.view(&f.ctx));
        assert!(ui.find(f.ctx.tr.t("fingers.no_finger")).is_ok());
        drop(ui);
        go(&f, &mut s, Message::Scan);
        assert_eq!(asked(&rx), Some(CaptureMode::SlapRight));

        // An image without the fingers: not an attempt, and the operator is told.
        let blank = Capture {
            mode: CaptureMode::SlapRight,
            width: 1600,
            height: 1500,
            ppi: 500,
            pixels: vec![255; 1600 * 1500],
            image_id: 9,
        };
        go(&f, &mut s, image_message(blank));
        assert!(s.attempts.is_empty());
        let shown = s
            .notice
            .as_ref()
            .map(|n| notice_text(n, &f.ctx))
            .unwrap_or_default();
        assert!(shown.starts_with("Hanya 0 dari 4 jari"), "{shown}");

        // The scanner unplugged: the banner says which device and what to do.
        go(
            &f,
            &mut s,
            Message::Scanner(ScanUpdate::Link(Link::Lost("unplugged".into()))),
        );
        let shown = s
            .notice
            .as_ref()
            .map(|n| notice_text(n, &f.ctx))
            .unwrap_or_default();
        assert!(shown.contains("kabel USB pemindai"), "{shown}");
    }

    #[test]
    fn a_slap_whose_fingers_are_all_excepted_is_skipped() {
        let f = Fixture::new();
        let request = f.request_at(4, Step::Fingerprints);
        let (mut s, _) = State::new(&f.ctx, request);
        let rx = ready(&f, &mut s);
        assert_eq!(asked(&rx), Some(CaptureMode::SlapRight));
        for p in [2, 3, 4, 5] {
            go(&f, &mut s, Message::Select(p));
            go(&f, &mut s, Message::OpenException);
            go(&f, &mut s, Message::Reason("amputasi".into()));
            go(&f, &mut s, Message::SaveException);
        }
        assert_eq!(s.mode(), Some(CaptureMode::SlapLeft));
        // The right slap's capture under way is cancelled, the left one asked for.
        assert_eq!(rx.try_recv(), Ok(ScanCommand::Cancel));
        assert_eq!(asked(&rx), Some(CaptureMode::SlapLeft));
        assert_eq!(s.guide(&f.ctx).say, "Letakkan empat jari tangan kiri");
    }

    #[test]
    fn the_view_shows_the_slap_the_hands_and_the_buttons_by_their_keys() {
        let f = Fixture::new();
        let request = f.request_at(5, Step::Fingerprints);
        let (mut s, _) = State::new(&f.ctx, request);
        {
            let mut ui = simulator(s.view(&f.ctx));
            assert!(ui.find("Langkah 1 dari 3: empat jari tangan kanan").is_ok());
            assert!(ui.find("Menyambungkan pemindai sidik jari…").is_ok());
            assert!(ui.find(iced_test::selector::id("fingers-hands")).is_ok());
            assert!(ui.find("Pindai [Spasi]").is_ok());
            ui.click("[3] jari tengah").expect("finger chip");
            ui.click("Pengecualian telunjuk kanan [E]")
                .expect("exception button");
            let messages: Vec<Message> = ui.into_messages().collect();
            assert!(matches!(messages[0], Message::Select(3)));
            assert!(matches!(messages[1], Message::OpenException));
        }
        let _rx = ready(&f, &mut s);
        go(
            &f,
            &mut s,
            image_message(capture(CaptureMode::SlapRight, 21)),
        );
        let mut ui = simulator(s.view(&f.ctx));
        assert!(ui.find("Ulangi [R] (sisa 2)").is_ok());
        assert!(ui.find("telunjuk kanan").is_ok(), "the crop's name");
        ui.click("Terima [Enter]").expect("accept");
        ui.click("Ulangi [R] (sisa 2)").expect("retry");
        let messages: Vec<Message> = ui.into_messages().collect();
        assert!(matches!(messages[0], Message::Accept));
        assert!(matches!(messages[1], Message::Scan));
        // The applicant is told which fingers, and sees them.
        let guide = s.guide(&f.ctx);
        assert_eq!(guide.say, "Letakkan empat jari tangan kanan");
        assert!(matches!(guide.show, Show::Fingers(ref p) if *p == [2, 3, 4, 5]));
        // Keys: digits choose fingers, 0 is the left little finger.
        let key = |c: &str| s.shortcut(&Key::Character(c.into()), Modifiers::empty());
        assert!(matches!(key("0"), Some(Message::Select(10))));
        assert!(matches!(key("r"), Some(Message::Scan)));
        assert!(matches!(key("e"), Some(Message::OpenException)));
    }
}
