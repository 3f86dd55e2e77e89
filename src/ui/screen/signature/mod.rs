//! Signature: the pen strokes from the signature pad, drawn live on the operator's screen and
//! on the applicant's as they are written; clear and sign again, save, or record that the
//! applicant cannot sign (an exception with a reason).
//!
//! The signature is stored as `isdv4-strokes-json`, the JSON of [`rekam_signature::Signature`]
//! (the pad's capabilities and every pen-down sample with its time), width and height the pad's
//! extent in pad units (100 per mm), its quality the score of the signature quality gate.
//!
//! The signing is one capture session ([`crate::capture::session`], one signing one attempt,
//! limits from `[quality.signature]`). When the applicant has signed, the operator's Enter ends
//! the signing: the strokes go through the gate ([`crate::capture::signature::assess`]), every
//! finding is shown, and the session's policy decides. One that passes at the policy's score is
//! stored at once. One that fails ends its attempt: the operator sees the first problem and
//! clears the pad for the applicant to sign again (C), or keeps it anyway (Enter again, the
//! operator's decision). After the last attempt the best signing of all is shown with a note
//! and Enter stores it. The signature (or the exception) is stored with every decision in one
//! transaction that completes the step.
//!
//! Keys: Enter check and save, C clear, E exception; in the exception form Up/Down choose the
//! kind, Enter saves, Esc closes it.

mod view;

use std::sync::Arc;
use std::time::Instant;

use iced::keyboard::{Key, Modifiers, key::Named};
use iced::{Subscription, Task};
use rekam_device::{Backend, DeviceClass, DeviceInfo};
use rekam_signature::{PadCapabilities, PadEvent, PenSample, StrokeBuilder};

use super::{Action, Nav};
use crate::capture::policy::Outcome;
use crate::capture::session::{
    Event, How, Pace, Session, SignatureGate, Signed, Taken, signature_capture,
};
use crate::devices::live::PadSession;
use crate::domain::CaptureInput;
use crate::ui::applicant::{Guide, Show};
use crate::ui::ctx::Ctx;
use crate::ui::db::Failure;
use crate::ui::device::{self, DeviceProblem, Link, PadKey, PadUpdate};
use crate::ui::widget::exception;
use crate::ui::widget::strokes::Drawing;
use crate::workflow::{CaptureContent, ExceptionKind, Modality, Recorded, RequestView};

#[cfg(test)]
mod tests;

/// The id of the exception reason field.
const REASON: &str = "signature-reason";

#[derive(Debug, Clone)]
enum Notice {
    Device(DeviceProblem),
    Failure(Failure),
}

#[derive(Debug)]
pub struct State {
    request: RequestView,
    person: u64,
    pad: Option<Arc<PadSession>>,
    link: Link,
    /// The pad's ranges: from the pad once connected (the simulator's before that).
    caps: Option<PadCapabilities>,
    builder: StrokeBuilder,
    /// The strokes so far in pad units, for both windows.
    drawing: Drawing,
    pen_down: bool,
    /// The operator cleared the pad: the applicant signs again.
    cleared: bool,
    form: Option<exception::Form>,
    busy: bool,
    notice: Option<Notice>,
    /// The capture session: every signing the operator ends with Enter is one attempt.
    session: Session<SignatureGate>,
    /// The signing last ended with Enter and checked, while it is what the pad shows.
    checked: Option<Checked>,
}

/// A checked signing and what the policy made of it.
#[derive(Debug, Clone)]
struct Checked {
    signed: Signed,
    /// What the policy made of it: [`Outcome::Accepted`] taken (stored, or stored again by
    /// Enter after a refusal); [`Outcome::Retry`] failed, the operator may keep it anyway;
    /// [`Outcome::BestOfAttempts`] kept as the best of all attempts, not because it passed:
    /// shown instead of the pad until the operator saves it or clears.
    outcome: Outcome,
}

impl Checked {
    fn settled(&self) -> bool {
        self.outcome == Outcome::BestOfAttempts
    }
}

#[derive(Debug, Clone)]
pub enum Message {
    Pad(PadUpdate),
    Clear,
    Save,
    Saved(Result<Recorded, Failure>),
    OpenException,
    /// The open exception form.
    Exception(exception::Message),
}

/// The pad's capabilities as its driver describes them when it connects ("surface" is
/// `"<max_x> x <max_y> (100 per mm)"`, "pressure levels" is `max_pressure + 1`).
pub fn capabilities(info: &DeviceInfo) -> Option<PadCapabilities> {
    let detail = |name: &str| {
        info.details
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let surface = detail("surface")?;
    let mut numbers = surface
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty());
    let max_x: u16 = numbers.next()?.parse().ok()?;
    let max_y: u16 = numbers.next()?.parse().ok()?;
    let max_pressure = detail("pressure levels")
        .and_then(|v| v.trim().parse::<u32>().ok())
        .and_then(|levels| u16::try_from(levels.saturating_sub(1)).ok())
        .unwrap_or(rekam_signature::protocol::MAX_PRESSURE);
    let firmware = detail("firmware")
        .and_then(|v| u16::from_str_radix(v.trim().trim_start_matches("0x"), 16).ok())
        .unwrap_or(0);
    (max_x > 0 && max_y > 0).then_some(PadCapabilities {
        max_x,
        max_y,
        max_pressure,
        max_tilt_x: 0,
        max_tilt_y: 0,
        firmware,
    })
}

fn drawing_for(caps: Option<PadCapabilities>) -> Drawing {
    let caps = caps.unwrap_or(rekam_signature::sim::DEFAULT_CAPABILITIES);
    Drawing {
        strokes: Arc::new(Vec::new()),
        max_x: f32::from(caps.max_x),
        max_y: f32::from(caps.max_y),
    }
}

/// A checked signing's strokes as drawn.
fn drawing_of(signed: &Signed) -> Drawing {
    Drawing {
        strokes: Arc::new(signed.strokes.lines.clone()),
        max_x: signed.strokes.max_x,
        max_y: signed.strokes.max_y,
    }
}

impl State {
    pub fn new(ctx: &Ctx, request: RequestView) -> (State, Task<Message>) {
        // The simulator's pad is known before it answers; a real pad says what it is.
        let caps = (ctx.backends.signature_pad == Backend::Simulated)
            .then_some(rekam_signature::sim::DEFAULT_CAPABILITIES);
        let session = Session::new(
            SignatureGate,
            request.id,
            0,
            ctx.settings.quality.signature,
            Pace::PerSample,
            Instant::now(),
        );
        let state = State {
            person: super::fingers::person_seed(&request),
            request,
            pad: None,
            link: Link::Opening,
            caps,
            builder: StrokeBuilder::new(),
            drawing: drawing_for(caps),
            pen_down: false,
            cleared: false,
            form: None,
            busy: false,
            notice: None,
            session,
            checked: None,
        };
        (state, Task::none())
    }

    /// Strokes so far, the one being written included.
    fn stroke_count(&self) -> usize {
        self.builder.strokes().len() + usize::from(self.builder.in_stroke())
    }

    /// The policy kept the best signing of all: it is shown, and Enter stores it.
    fn settled(&self) -> bool {
        self.checked.as_ref().is_some_and(Checked::settled)
    }

    fn can_save(&self) -> bool {
        !self.busy
            && self.form.is_none()
            && self.caps.is_some()
            && (self.stroke_count() > 0 || self.settled())
    }

    pub fn update(&mut self, message: Message, ctx: &Ctx) -> Action<Message> {
        match message {
            Message::Pad(update) => self.pad(update),
            Message::Clear => self.clear(),
            Message::Save => self.save(ctx),
            Message::Saved(Ok(_)) => {
                self.session.stored();
                Action::Go(Nav::Request(self.request.id))
            }
            Message::Saved(Err(e)) => {
                self.busy = false;
                self.notice = Some(Notice::Failure(e));
                Action::None
            }
            Message::OpenException => self.open_exception(),
            Message::Exception(message) => self.exception(message, ctx),
        }
    }

    fn pad(&mut self, update: PadUpdate) -> Action<Message> {
        match update {
            PadUpdate::Ready(session) => self.pad = Some(session),
            PadUpdate::Link(link) => {
                match &link {
                    Link::Connected(info) => {
                        self.session.set_device(crate::domain::Provenance::of(info));
                        if let Some(caps) = capabilities(info) {
                            self.caps = Some(caps);
                            self.drawing.max_x = f32::from(caps.max_x);
                            self.drawing.max_y = f32::from(caps.max_y);
                        }
                        if matches!(self.notice, Some(Notice::Device(_))) {
                            self.notice = None;
                        }
                    }
                    Link::Lost(reason) => {
                        self.notice = Some(Notice::Device(DeviceProblem {
                            class: DeviceClass::SignaturePad,
                            detail: reason.clone(),
                        }));
                        self.pen_up();
                    }
                    Link::Opening => {}
                }
                self.link = link;
            }
            PadUpdate::Pen(PadEvent::Sample(sample)) => self.sample(sample),
            PadUpdate::Pen(PadEvent::LineSilent { .. }) => self.pen_up(),
            PadUpdate::Problem(problem) => self.notice = Some(Notice::Device(problem)),
        }
        Action::None
    }

    /// A pen sample: into the signature, and onto the drawing while the tip is down.
    fn sample(&mut self, sample: PenSample) {
        // While the kept signing is shown the pad waits for the operator (save, or clear).
        if self.busy || self.settled() {
            return;
        }
        let down = sample.report.proximity && sample.report.tip;
        self.builder.push(sample);
        if down {
            // More writing: what was checked is no longer what the pad holds.
            self.checked = None;
            // Only this screen holds the strokes between frames, so this rarely copies.
            let strokes = Arc::make_mut(&mut self.drawing.strokes);
            if !self.pen_down || strokes.is_empty() {
                strokes.push(Vec::new());
            }
            if let Some(stroke) = strokes.last_mut() {
                stroke.push((f32::from(sample.report.x), f32::from(sample.report.y)));
            }
        }
        self.pen_down = down;
    }

    fn pen_up(&mut self) {
        self.builder.end();
        self.pen_down = false;
    }

    fn clear(&mut self) -> Action<Message> {
        if self.busy || self.form.is_some() {
            return Action::None;
        }
        self.builder.clear();
        self.drawing.strokes = Arc::new(Vec::new());
        self.pen_down = false;
        self.cleared = true;
        if self.checked.take().is_some_and(|c| c.settled()) {
            // After the kept signing, the applicant signs again: the attempts start anew.
            self.session.restart(Instant::now());
        }
        // On the simulator the simulated applicant signs again; on a real pad the applicant
        // simply signs again.
        if let Some(pad) = &self.pad {
            pad.sign_again();
        }
        Action::None
    }

    /// Enter: checks the signing just ended; on a signing already checked, the operator keeps
    /// it (or the policy's best of all).
    fn save(&mut self, ctx: &Ctx) -> Action<Message> {
        if !self.can_save() {
            return Action::None;
        }
        match self.checked.clone() {
            Some(checked) => {
                if checked.outcome == Outcome::Retry {
                    // Kept although it failed: the operator's decision, with its scores.
                    let _ = self.session.take_by_hand();
                }
                self.store_signed(&checked.signed, ctx)
            }
            None => self.check(ctx),
        }
    }

    /// Offers the signing just ended to the session as one attempt, and does what it says.
    fn check(&mut self, ctx: &Ctx) -> Action<Message> {
        let Some(caps) = self.caps else {
            return Action::None;
        };
        let signing = self.builder.clone().finish(caps);
        let signed = match self.session.assess(signing) {
            Ok(s) => s,
            Err(e) => {
                self.notice = Some(Notice::Failure(Failure::new(e)));
                return Action::None;
            }
        };
        if self.session.is_done() {
            // A new signing after the policy ended (a taken one whose store was refused, then
            // written over): the attempts start anew.
            self.session.restart(Instant::now());
        }
        match self.session.offer(signed.clone(), Instant::now()) {
            Event::Continue | Event::Empty => Action::None,
            Event::Take(Taken {
                sample,
                how: How::Accepted | How::ByHand,
            }) => {
                // Kept while it is stored: should the store refuse, Enter stores it again.
                self.checked = Some(Checked {
                    signed: sample.clone(),
                    outcome: Outcome::Accepted,
                });
                self.store_signed(&sample, ctx)
            }
            Event::Retry(_) => {
                self.checked = Some(Checked {
                    signed,
                    outcome: Outcome::Retry,
                });
                Action::None
            }
            Event::Take(Taken {
                sample,
                how: How::Settled,
            }) => {
                // Both windows show the signing kept.
                self.drawing = drawing_of(&sample);
                self.checked = Some(Checked {
                    signed: sample,
                    outcome: Outcome::BestOfAttempts,
                });
                Action::None
            }
        }
    }

    fn store_signed(&mut self, signed: &Signed, ctx: &Ctx) -> Action<Message> {
        self.store(signature_capture(signed), ctx)
    }

    fn open_exception(&mut self) -> Action<Message> {
        if self.busy || self.form.is_some() {
            return Action::None;
        }
        let form = exception::Form::new(REASON, ExceptionKind::Unable);
        let focus = form.focus();
        self.form = Some(form);
        Action::Run(focus)
    }

    fn exception(&mut self, message: exception::Message, ctx: &Ctx) -> Action<Message> {
        let Some(form) = &mut self.form else {
            return Action::None;
        };
        match form.update(message) {
            Some(exception::Request::Save) => self.save_exception(ctx),
            Some(exception::Request::Close) => {
                self.form = None;
                Action::None
            }
            None => Action::None,
        }
    }

    fn save_exception(&mut self, ctx: &Ctx) -> Action<Message> {
        // A second Enter while the first save is on its way must not store it twice.
        if self.busy {
            return Action::None;
        }
        let Some((kind, reason)) = self.form.as_mut().and_then(exception::Form::submit) else {
            return Action::None;
        };
        let input = CaptureInput {
            modality: Modality::Signature,
            position: 0,
            content: CaptureContent::Exception { kind, reason },
        };
        self.store(input, ctx)
    }

    /// Stores the signature (or the exception) with every decision and completes the step, in
    /// one transaction.
    fn store(&mut self, input: CaptureInput, ctx: &Ctx) -> Action<Message> {
        self.busy = true;
        self.notice = None;
        let attempt = self.session.attempt(vec![input], true);
        Action::Run(Task::perform(
            ctx.write(move |store, user| Ok(store.record_attempt(user, &attempt)?)),
            Message::Saved,
        ))
    }

    pub fn subscription(&self, ctx: &Ctx) -> Subscription<Message> {
        device::signature_pad(PadKey {
            backend: ctx.backends.signature_pad,
            pad: ctx.settings.signature_pad.clone(),
            person: self.person,
            // A real pad's pace; the simulator faster when the station demonstrates.
            rate_hz: if ctx.fast_devices { 2000 } else { 200 },
        })
        .map(Message::Pad)
    }

    pub fn shortcut(&self, key: &Key, _modifiers: Modifiers) -> Option<Message> {
        if self.form.is_some() {
            return exception::shortcut(key).map(Message::Exception);
        }
        match key {
            Key::Named(Named::Enter) => Some(Message::Save),
            Key::Character(c) => match c.as_str() {
                "c" | "C" => Some(Message::Clear),
                "e" | "E" => Some(Message::OpenException),
                _ => None,
            },
            _ => None,
        }
    }

    pub fn guide(&self, ctx: &Ctx) -> Guide {
        let tr = ctx.tr;
        if self.busy {
            return Guide::new(tr.t("signature.say_thanks"));
        }
        let say = if self.cleared && self.stroke_count() == 0 {
            tr.t("signature.say_again")
        } else {
            tr.t("signature.say")
        };
        Guide::new(say).show(Show::Signature(self.drawing.clone()))
    }
}
