//! Signature: the pen strokes from the signature pad, drawn live on the operator's screen and
//! on the applicant's as they are written; clear and sign again, save, or record that the
//! applicant cannot sign (an exception with a reason).
//!
//! The signature is stored as the simulated station stores it: format `isdv4-strokes-json`,
//! the JSON of [`rekam_signature::Signature`] (the pad's capabilities and every pen-down
//! sample with its time), width and height the pad's extent in pad units (100 per mm), its
//! quality the score of the signature quality gate.
//!
//! When the applicant has signed, the operator's Enter ends the signing: the strokes go through
//! the signature quality gate ([`crate::capture::signature::assess`]), every finding is shown,
//! and the signing is offered to the auto-capture policy ([`crate::capture::policy`], limits
//! from `[quality.signature]`) as one attempt of its own. One that passes at the policy's score
//! is stored at once. One that fails ends its attempt: the operator sees the first problem and
//! clears the pad for the applicant to sign again (C), or keeps it anyway (Enter again). After
//! the last attempt the best signing of all is shown with a note and Enter stores it. The
//! policy's decisions (and the operator's) are stored with their scores beside the signature.
//!
//! Keys: Enter check and save, C clear, E exception; in the exception form Up/Down choose the
//! kind, Enter saves, Esc closes it.

use std::sync::Arc;
use std::time::Instant;

use iced::keyboard::{Key, Modifiers, key::Named};
use iced::widget::{button, column, container, row, text};
use iced::{Element, Length, Subscription, Task};
use rekam_device::{Backend, DeviceClass, DeviceInfo};
use rekam_signature::{PadCapabilities, PadEvent, PenSample, StrokeBuilder};

use super::{Action, Nav};
use crate::capture::policy::Step as Policy;
use crate::capture::policy::{AutoCapture, Decision, Outcome};
use crate::capture::quality::Assessment;
use crate::capture::signature as checks;
use crate::devices::live::PadSession;
use crate::lang::Localize;
use crate::ui::app::Ctx;
use crate::ui::applicant::{Guide, Show};
use crate::ui::db::Failure;
use crate::ui::device::{self, DeviceProblem, Link, PadKey, PadUpdate};
use crate::ui::i18n::Tr;
use crate::ui::theme::{self, Tone};
use crate::ui::widget::banner;
use crate::ui::widget::exception;
use crate::ui::widget::header::{self, Stage};
use crate::ui::widget::strokes::{self, Drawing};
use crate::workflow::{CaptureContent, CaptureInput, ExceptionKind, Modality, RequestView};

/// The id of the exception reason field.
const REASON: &str = "signature-reason";
/// The stored format: the JSON of a `rekam_signature::Signature`.
pub const FORMAT: &str = "isdv4-strokes-json";

#[derive(Debug, Clone)]
enum Notice {
    Device(DeviceProblem),
    Failure(Failure),
}

#[derive(Debug)]
pub struct State {
    request: RequestView,
    person: u64,
    session: Option<Arc<PadSession>>,
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
    /// The auto-capture policy: every signing the operator ends with Enter is one attempt.
    policy: AutoCapture<Signed>,
    /// The policy's (and the operator's) decisions not stored yet (stored with the signature).
    decisions: Vec<Decision>,
    /// The last signing that failed, with its first problem.
    retry: Option<Decision>,
    /// The signing last ended with Enter and checked, while it is what the pad shows.
    checked: Option<Checked>,
    /// The policy's time: a failing signing ends its attempt by moving it on by a timeout, so
    /// it never runs behind the attempts it ended.
    clock: Instant,
}

/// One ended signing: what is stored, what is shown, and its checks.
#[derive(Debug, Clone)]
pub struct Signed {
    /// The JSON of the `rekam_signature::Signature`.
    bytes: Arc<Vec<u8>>,
    /// The pad's extent, pad units.
    width: u32,
    height: u32,
    drawing: Drawing,
    checks: Assessment,
}

/// A checked signing and what the policy made of it.
#[derive(Debug, Clone)]
struct Checked {
    signed: Signed,
    /// The attempt it was, 1-based.
    attempt: u8,
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
    Saved(Result<(), Failure>),
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

impl State {
    pub fn new(ctx: &Ctx, request: RequestView) -> (State, Task<Message>) {
        // The simulator's pad is known before it answers; a real pad says what it is.
        let caps = (ctx.backends.signature_pad == Backend::Simulated)
            .then_some(rekam_signature::sim::DEFAULT_CAPABILITIES);
        let state = State {
            person: super::fingers::person_seed(&request),
            request,
            session: None,
            link: Link::Opening,
            caps,
            builder: StrokeBuilder::new(),
            drawing: drawing_for(caps),
            pen_down: false,
            cleared: false,
            form: None,
            busy: false,
            notice: None,
            policy: AutoCapture::new(
                Modality::Signature,
                ctx.settings.quality.signature,
                Instant::now(),
            ),
            decisions: Vec::new(),
            retry: None,
            checked: None,
            clock: Instant::now(),
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
            Message::Saved(Ok(())) => {
                self.decisions.clear();
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
            PadUpdate::Ready(session) => self.session = Some(session),
            PadUpdate::Link(link) => {
                match &link {
                    Link::Connected(info) => {
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
            self.restart_policy();
        }
        // On the simulator the simulated applicant signs again; on a real pad the applicant
        // simply signs again.
        if let Some(session) = &self.session {
            session.sign_again();
        }
        Action::None
    }

    fn restart_policy(&mut self) {
        let now = Instant::now().max(self.clock);
        self.clock = now;
        self.policy.restart(now);
        self.retry = None;
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
                    self.decisions.push(Decision {
                        modality: Modality::Signature,
                        attempt: checked.attempt,
                        outcome: Outcome::Operator,
                        frames: 1,
                        best: Some(checked.signed.checks.clone()),
                    });
                }
                self.store_signed(checked.signed, ctx)
            }
            None => self.check(ctx),
        }
    }

    /// The signing as stored, checked by the signature quality gate.
    fn signed(&self) -> Result<Signed, Failure> {
        let caps = self
            .caps
            .ok_or_else(|| Failure::internal("the signature pad's extent is not known"))?;
        let signature = self.builder.clone().finish(caps);
        let bytes = serde_json::to_vec(&signature).map_err(Failure::other)?;
        // Checked as stored: what `rekam quality` finds later is what the operator sees now.
        let strokes = checks::parse(FORMAT, &bytes)
            .ok_or_else(|| Failure::internal("the signature does not read back"))?;
        Ok(Signed {
            checks: checks::assess(&strokes),
            bytes: Arc::new(bytes),
            width: u32::from(caps.max_x),
            height: u32::from(caps.max_y),
            drawing: self.drawing.clone(),
        })
    }

    /// Offers the signing just ended to the policy as one attempt, and does what it says.
    fn check(&mut self, ctx: &Ctx) -> Action<Message> {
        let signed = match self.signed() {
            Ok(s) => s,
            Err(e) => {
                self.notice = Some(Notice::Failure(e));
                return Action::None;
            }
        };
        if self.policy.is_done() {
            // A new signing after the policy ended (a taken one whose store was refused, then
            // written over): the attempts start anew.
            self.restart_policy();
        }
        let now = Instant::now().max(self.clock);
        let attempt = self.policy.attempt();
        let mut step = self
            .policy
            .offer(signed.checks.clone(), signed.clone(), now);
        if matches!(step, Policy::Continue) {
            // It failed: its attempt ends here (one signing, one attempt).
            let end = now + self.policy.limits().timeout();
            step = self.policy.tick(end);
            self.clock = end;
        } else {
            self.clock = now;
        }
        match step {
            Policy::Continue => Action::None,
            Policy::Take(signed, decision) => {
                self.decisions.push(decision);
                // Kept while it is stored: should the store refuse, Enter stores it again.
                self.checked = Some(Checked {
                    signed: signed.clone(),
                    attempt,
                    outcome: Outcome::Accepted,
                });
                self.store_signed(signed, ctx)
            }
            Policy::Retry(decision) => {
                self.retry = Some(decision.clone());
                self.decisions.push(decision);
                self.checked = Some(Checked {
                    signed,
                    attempt,
                    outcome: Outcome::Retry,
                });
                Action::None
            }
            Policy::Settle(best, decision) => {
                self.retry = None;
                let attempt = decision.attempt;
                self.decisions.push(decision);
                let best = best.unwrap_or(signed);
                // Both windows show the signing kept.
                self.drawing = best.drawing.clone();
                self.checked = Some(Checked {
                    signed: best,
                    attempt,
                    outcome: Outcome::BestOfAttempts,
                });
                Action::None
            }
        }
    }

    fn store_signed(&mut self, signed: Signed, ctx: &Ctx) -> Action<Message> {
        let content = CaptureContent::Data {
            format: FORMAT.into(),
            width: signed.width,
            height: signed.height,
            quality: Some(signed.checks.score),
            bytes: signed.bytes.as_ref().clone(),
        };
        self.store(content, ctx)
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
        self.store(CaptureContent::Exception { kind, reason }, ctx)
    }

    /// Stores the signature (or the exception) with the pending decisions and completes the
    /// step, in one storage call.
    fn store(&mut self, content: CaptureContent, ctx: &Ctx) -> Action<Message> {
        let (db, user) = match ctx.storage() {
            Ok(found) => found,
            Err(e) => {
                self.notice = Some(Notice::Failure(e));
                return Action::None;
            }
        };
        self.busy = true;
        self.notice = None;
        let request = self.request.id;
        let input = CaptureInput {
            modality: Modality::Signature,
            position: 0,
            content,
        };
        let decisions = self.decisions.clone();
        Action::Run(Task::perform(
            db.call(move |store| {
                store.add_capture(&user, request, &input)?;
                // After the capture: a refused capture leaves no decisions about it.
                for decision in &decisions {
                    store.record_decision(&user, request, 0, decision)?;
                }
                store.complete_capture_step(&user, request)?;
                Ok(())
            }),
            Message::Saved,
        ))
    }

    pub fn view<'a>(&'a self, ctx: &'a Ctx) -> Element<'a, Message> {
        let tr = ctx.tr;
        let status = if self.busy {
            tr.t("signature.saving")
        } else {
            match &self.link {
                Link::Connected(_) => tr.t("signature.pad_ready"),
                Link::Lost(_) => tr.t("signature.pad_lost"),
                Link::Opening => tr.t("signature.pad_opening"),
            }
        };
        let strokes = match &self.checked {
            Some(c) if c.settled() => c.signed.drawing.strokes.len(),
            _ => self.stroke_count(),
        };
        let count = match strokes {
            0 => tr.t("signature.empty"),
            n => tr.f("signature.strokes", &[("count", &n)]),
        };
        // A signing checked and not taken: the operator may keep it anyway.
        let failed = self
            .checked
            .as_ref()
            .is_some_and(|c| c.outcome == Outcome::Retry);
        let b = |label: String, on: Option<Message>, primary: bool| {
            button(text(label).size(theme::BODY))
                .padding(theme::BUTTON_PADDING)
                .width(Length::Fill)
                .on_press_maybe(on)
                .style(if primary {
                    button::primary
                } else {
                    button::secondary
                })
        };
        let idle = !self.busy && self.form.is_none();
        // The form takes the buttons' place: they do nothing while it is open.
        let actions: Element<'a, Message> = match &self.form {
            Some(form) => form
                .view(
                    tr.t("signature.exception_title"),
                    &tr.t("signature.reason_placeholder"),
                    true,
                    tr,
                )
                .map(Message::Exception),
            None => column![
                b(
                    if failed {
                        tr.t("signature.save_anyway")
                    } else {
                        tr.t("signature.save")
                    },
                    self.can_save().then_some(Message::Save),
                    true
                ),
                b(
                    tr.t("signature.clear"),
                    idle.then_some(Message::Clear),
                    false
                ),
                b(
                    tr.t("signature.exception"),
                    idle.then_some(Message::OpenException),
                    false
                ),
            ]
            .spacing(theme::GAP)
            .into(),
        };
        let side = column![
            text(count).size(theme::HEADING),
            self.checks_view(tr),
            self.policy_view(tr),
            actions
        ]
        .push((ctx.backends.signature_pad == Backend::Simulated).then(|| {
            text(tr.t("signature.simulated"))
                .size(theme::SMALL)
                .style(theme::muted)
        }))
        .spacing(theme::GAP)
        .width(Length::Fixed(440.0));
        let pad = column![
            text(tr.t("signature.title")).size(theme::HEADING),
            text(status).size(theme::BODY),
            strokes::view(self.drawing.clone()),
        ]
        .spacing(theme::GAP);
        column![
            header::view(&self.request, Stage::Signature, tr),
            row![pad, side].spacing(theme::GAP * 2.0),
        ]
        .push(self.notice.as_ref().map(|n| {
            let message = match n {
                Notice::Device(p) => p.localize(ctx.lang()),
                Notice::Failure(e) => e.text(ctx.lang()),
            };
            container(text(message).size(theme::BODY))
                .padding(10)
                .width(Length::Fill)
                .style(theme::banner(Tone::Bad))
        }))
        .push(
            text(tr.t("signature.shortcuts"))
                .size(theme::SMALL)
                .style(theme::muted),
        )
        .spacing(theme::GAP)
        .into()
    }

    /// The checks of the signing last ended, each in the gate's own words.
    fn checks_view<'a>(&self, tr: Tr) -> Element<'a, Message> {
        let Some(checked) = &self.checked else {
            return column![].into();
        };
        let checks = &checked.signed.checks;
        let lines = checks.findings.iter().map(|f| {
            let (state, tone) = if f.pass {
                (tr.t("signature.pass"), Tone::Good)
            } else {
                (tr.t("signature.fail"), Tone::Bad)
            };
            row![
                text(state).size(theme::SMALL).style(theme::tone_text(tone)),
                text(f.message(tr.lang()).to_owned())
                    .size(theme::SMALL)
                    .width(Length::Fill),
            ]
            .spacing(10)
            .into()
        });
        column![text(tr.f("signature.quality", &[("quality", &checks.score)])).size(theme::BODY)]
            .extend(lines)
            .spacing(4)
            .into()
    }

    /// What the auto-capture policy does with the signings: its limits, and what it made of
    /// the last one.
    fn policy_view<'a>(&self, tr: Tr) -> Element<'a, Message> {
        let limits = self.policy.limits();
        let hint = text(tr.f(
            "signature.auto_hint",
            &[
                ("score", &limits.accept_score),
                ("attempts", &limits.max_attempts),
            ],
        ))
        .size(theme::SMALL)
        .style(theme::muted);
        let problem = |d: Option<&Assessment>| match d {
            Some(a) => a.first_problem(tr.lang()).map_or_else(
                // Every check passes, under the policy's score.
                || {
                    tr.f(
                        "signature.low_score",
                        &[("quality", &a.score), ("score", &limits.accept_score)],
                    )
                },
                str::to_owned,
            ),
            None => tr.t("signature.no_problem"),
        };
        let note = match &self.checked {
            Some(c) if c.settled() => Some(tr.t("signature.settled")),
            Some(c) if c.outcome == Outcome::Accepted => None,
            Some(c) => Some(tr.f(
                "signature.failed",
                &[
                    ("problem", &problem(Some(&c.signed.checks))),
                    ("attempt", &self.policy.attempt()),
                    ("attempts", &limits.max_attempts),
                ],
            )),
            // Signing again after a failed one: what went wrong last time.
            None => self.retry.as_ref().map(|d| {
                tr.f(
                    "signature.attempt",
                    &[
                        ("attempt", &self.policy.attempt()),
                        ("attempts", &limits.max_attempts),
                        ("problem", &problem(d.best.as_ref())),
                    ],
                )
            }),
        };
        column![hint]
            .push(note.map(|n| banner(Tone::Warning, n)))
            .spacing(6)
            .into()
    }

    pub fn subscription(&self, ctx: &Ctx) -> Subscription<Message> {
        device::signature_pad(PadKey {
            backend: ctx.backends.signature_pad,
            settings: ctx.settings.clone(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use rekam_signature::PenReport;
    use rekam_signature::sim::{self as pad_sim, DEFAULT_CAPABILITIES, PadSimulator, PenPoint};
    use serialport::TTYPort;

    use crate::ui::screen::testing::{Fixture, settle, simulator};
    use crate::ui::widget::exception::Message as Exception;
    use crate::workflow::Step;

    /// The pen samples of a simulated signing, each through the pad's wire encoding, with a
    /// hovering sample after each stroke (the tip lifted between strokes).
    fn signing(person: u64) -> (Vec<Vec<PenPoint>>, Vec<PenSample>) {
        let strokes = pad_sim::handwritten(person, 1);
        let caps = DEFAULT_CAPABILITIES;
        let mut t_us = 0;
        let mut samples = Vec::new();
        let mut push = |p: &PenPoint, tip: bool| {
            let report = PadSimulator::<TTYPort>::report_for(&caps, p, tip);
            let report = PenReport::decode(&report.encode()).expect("decodes");
            t_us += 5_000;
            samples.push(PenSample { t_us, report });
        };
        for stroke in &strokes {
            for p in stroke {
                push(p, true);
            }
            if let Some(last) = stroke.last() {
                push(last, false);
            }
        }
        (strokes, samples)
    }

    fn pen(f: &Fixture, s: &mut State, samples: &[PenSample]) {
        for &sample in samples {
            let m = Message::Pad(PadUpdate::Pen(PadEvent::Sample(sample)));
            assert!(settle(s, m, &f.ctx, State::update).is_none());
        }
    }

    fn go(f: &Fixture, s: &mut State, m: Message) -> Option<Nav> {
        settle(s, m, &f.ctx, State::update)
    }

    /// What the driver says when the simulated pad connects.
    fn connected() -> DeviceInfo {
        DeviceInfo {
            class: DeviceClass::SignaturePad,
            backend: Backend::Simulated,
            model: "Wacom ISDV4 serial pen digitizer".into(),
            location: "pty".into(),
            details: vec![
                ("firmware".into(), "0x0105".into()),
                ("surface".into(), "10000 x 6000 (100 per mm)".into()),
                ("pressure levels".into(), "1024".into()),
            ],
        }
    }

    #[test]
    fn the_pads_capabilities_are_read_from_what_it_says_when_it_connects() {
        assert_eq!(capabilities(&connected()), Some(DEFAULT_CAPABILITIES));
        let mut other = connected();
        other.details[1].1 = "15200 x 9500 (100 per mm)".into();
        let caps = capabilities(&other).expect("caps");
        assert_eq!((caps.max_x, caps.max_y), (15200, 9500));
        other.details.remove(1);
        assert_eq!(capabilities(&other), None);
    }

    #[test]
    fn pen_samples_draw_live_and_save_stores_the_strokes_and_completes_the_step() {
        let f = Fixture::new();
        let request = f.request_at(1, Step::Signature);
        let id = request.id;
        let (mut s, _) = State::new(&f.ctx, request);
        go(
            &f,
            &mut s,
            Message::Pad(PadUpdate::Link(Link::Connected(connected()))),
        );
        // Nothing written yet: nothing to save.
        assert!(go(&f, &mut s, Message::Save).is_none());

        let (strokes, samples) = signing(42);
        let half = samples.len() / 2;
        pen(&f, &mut s, &samples[..half]);
        // Halfway, both windows show what is written so far.
        let guide = s.guide(&f.ctx);
        assert_eq!(guide.say, "Silakan tanda tangan di bantalan");
        let partial = match &guide.show {
            Show::Signature(d) => d.strokes.iter().map(Vec::len).sum::<usize>(),
            other => panic!("{other:?}"),
        };
        assert!(partial > 0 && partial < strokes.iter().map(Vec::len).sum::<usize>());
        pen(&f, &mut s, &samples[half..]);
        assert_eq!(s.drawing.strokes.len(), strokes.len());
        assert_eq!(
            s.drawing.strokes.iter().map(Vec::len).collect::<Vec<_>>(),
            strokes.iter().map(Vec::len).collect::<Vec<_>>()
        );
        assert_eq!((s.drawing.max_x, s.drawing.max_y), (10_000.0, 6_000.0));

        let mut ui = simulator(s.view(&f.ctx));
        assert!(ui.find(format!("{} goresan", strokes.len())).is_ok());
        assert!(
            ui.find("Bantalan siap. Pemohon dapat menandatangani sekarang.")
                .is_ok()
        );
        ui.click("Simpan [Enter]").expect("save button");
        assert!(matches!(ui.into_messages().next(), Some(Message::Save)));

        let nav = go(&f, &mut s, Message::Save);
        assert!(matches!(nav, Some(Nav::Request(r)) if r == id), "{nav:?}");
        let stored = f.store(move |st| Ok(st.request(id)?)).expect("request");
        assert_eq!(stored.step, Step::Review);
        let c = stored
            .captures
            .iter()
            .find(|c| c.modality == Modality::Signature)
            .expect("signature")
            .clone();
        assert_eq!(c.format.as_deref(), Some(FORMAT));
        // Taken by the policy at once: its quality and its decision are kept.
        let kept = f.store(move |st| Ok(st.decisions(id)?));
        assert_eq!(kept.len(), 1);
        let d = &kept[0];
        assert_eq!((d.modality, d.position), (Modality::Signature, 0));
        assert_eq!((d.attempt, d.outcome, d.frames), (1, Outcome::Accepted, 1));
        assert_eq!(d.acceptable, Some(true));
        assert_eq!(d.findings.len(), 4);
        assert!(
            c.quality
                .is_some_and(|q| q >= f.ctx.settings.quality.signature.accept_score)
        );
        assert_eq!(c.quality, d.score);
        let bytes = f.store(move |st| Ok(st.capture_bytes(c.id)?));
        let sig: rekam_signature::Signature = serde_json::from_slice(&bytes).expect("json");
        assert_eq!(sig.pad, DEFAULT_CAPABILITIES);
        assert_eq!(sig.strokes.len(), strokes.len());
        assert_eq!(
            sig.point_count(),
            strokes.iter().map(Vec::len).sum::<usize>()
        );
        let (w, h) = f.store(move |st| {
            Ok(st.conn().query_row(
                "SELECT width, height FROM captures WHERE id = ?1",
                [c.id],
                |r| Ok((r.get::<_, u32>(0)?, r.get::<_, u32>(1)?)),
            )?)
        });
        assert_eq!((w, h), (10_000, 6_000));
        // The quality is the gate's score of what was stored.
        let strokes = checks::parse(FORMAT, &bytes).expect("strokes");
        assert_eq!(c.quality, Some(checks::assess(&strokes).score));
    }

    /// Pen samples for strokes given in pad units: each stroke with the tip down, then a
    /// hovering sample (the tip lifted).
    fn drawn(lines: &[Vec<(u16, u16)>]) -> Vec<PenSample> {
        let mut t_us = 0;
        let mut samples = Vec::new();
        let mut push = |(x, y): (u16, u16), tip: bool| {
            t_us += 5_000;
            samples.push(PenSample {
                t_us,
                report: PenReport {
                    proximity: true,
                    tip,
                    button: false,
                    eraser: false,
                    x,
                    y,
                    pressure: if tip { 600 } else { 0 },
                    tilt_x: 0,
                    tilt_y: 0,
                },
            });
        };
        for line in lines {
            for &p in line {
                push(p, true);
            }
            if let Some(&last) = line.last() {
                push(last, false);
            }
        }
        samples
    }

    /// A dot: the pen down in one place.
    fn dot() -> Vec<PenSample> {
        drawn(&[vec![(5_000, 3_000); 6]])
    }

    /// A dot on the pad's left edge: worse than a dot inside it.
    fn edge_dot() -> Vec<PenSample> {
        drawn(&[vec![(0, 3_000); 6]])
    }

    /// A single straight line across most of the pad.
    fn line() -> Vec<PenSample> {
        drawn(&[(0..=80).map(|i| (1_000 + 100 * i, 3_000)).collect()])
    }

    fn tr_id(key: &str) -> String {
        crate::ui::i18n::Tr(crate::Lang::Id).t(key)
    }

    #[test]
    fn a_dot_or_a_line_shows_what_fails_is_not_taken_and_the_operator_may_keep_it() {
        let f = Fixture::new();
        let request = f.request_at(5, Step::Signature);
        let id = request.id;
        let (mut s, _) = State::new(&f.ctx, request);
        let limits = f.ctx.settings.quality.signature;
        assert_eq!(s.policy.limits(), limits);
        go(
            &f,
            &mut s,
            Message::Pad(PadUpdate::Link(Link::Connected(connected()))),
        );
        pen(&f, &mut s, &dot());
        assert!(
            go(&f, &mut s, Message::Save).is_none(),
            "a dot is not taken"
        );
        let checked = s.checked.clone().expect("checked");
        assert_eq!(checked.outcome, Outcome::Retry);
        assert!(!checked.signed.checks.acceptable);
        let shape = checked
            .signed
            .checks
            .get("shape")
            .expect("the shape check")
            .clone();
        assert!(!shape.pass);
        assert_eq!(s.decisions.len(), 1);
        assert_eq!(
            (s.decisions[0].attempt, s.decisions[0].outcome),
            (1, Outcome::Retry)
        );
        let mut ui = simulator(s.view(&f.ctx));
        // Every finding, the failing one with what to do.
        for finding in &checked.signed.checks.findings {
            assert!(
                ui.find(finding.message(crate::Lang::Id)).is_ok(),
                "{finding:?}"
            );
        }
        assert!(ui.find(shape.id.as_str()).is_ok());
        let first = checked
            .signed
            .checks
            .first_problem(crate::Lang::Id)
            .expect("a problem")
            .to_owned();
        let note = crate::ui::i18n::Tr(crate::Lang::Id).f(
            "signature.failed",
            &[
                ("problem", &first),
                ("attempt", &2),
                ("attempts", &limits.max_attempts),
            ],
        );
        assert!(ui.find(note.as_str()).is_ok(), "{note}");
        let quality = format!(
            "Mutu tanda tangan: {} dari 100",
            checked.signed.checks.score
        );
        assert!(ui.find(quality.as_str()).is_ok());
        ui.click("Tetap simpan [Enter]").expect("save anyway");
        assert!(matches!(ui.into_messages().next(), Some(Message::Save)));
        let step = f.store(move |st| Ok(st.request(id)?.expect("request").step));
        assert_eq!(step, Step::Signature, "nothing stored yet");

        // Clear: the applicant signs again, a line this time; the banner says what went wrong.
        go(&f, &mut s, Message::Clear);
        assert!(s.checked.is_none());
        let mut ui = simulator(s.view(&f.ctx));
        let banner = format!(
            "Percobaan 2 dari {}. Sebelumnya: {first}",
            limits.max_attempts
        );
        assert!(ui.find(banner.as_str()).is_ok(), "{banner}");
        drop(ui);
        pen(&f, &mut s, &line());
        assert!(
            go(&f, &mut s, Message::Save).is_none(),
            "a line is not taken"
        );
        let checks = s.checked.clone().expect("checked").signed.checks;
        let shape = checks.get("shape").expect("shape").clone();
        assert!(!shape.pass && checks.get("ink").is_some_and(|c| c.pass));
        let mut ui = simulator(s.view(&f.ctx));
        assert!(ui.find(shape.id.as_str()).is_ok(), "{shape:?}");
        drop(ui);

        // The operator keeps it anyway: stored with its quality and every decision.
        let nav = go(&f, &mut s, Message::Save);
        assert!(matches!(nav, Some(Nav::Request(r)) if r == id), "{nav:?}");
        let kept = f.store(move |st| Ok(st.decisions(id)?));
        let outcomes: Vec<(u8, Outcome)> = kept.iter().map(|d| (d.attempt, d.outcome)).collect();
        assert_eq!(
            outcomes,
            [
                (1, Outcome::Retry),
                (2, Outcome::Retry),
                (2, Outcome::Operator)
            ]
        );
        assert!(
            kept.iter()
                .all(|d| d.position == 0 && d.acceptable == Some(false))
        );
        let stored = f.store(move |st| Ok(st.request(id)?)).expect("request");
        assert_eq!(stored.step, Step::Review);
        let c = stored
            .captures
            .iter()
            .find(|c| c.modality == Modality::Signature)
            .expect("signature");
        assert_eq!(c.quality, Some(checks.score));
        assert_eq!(kept[2].score, Some(checks.score));
    }

    #[test]
    fn after_the_last_attempt_the_best_signing_is_kept_with_a_note_and_every_decision_stored() {
        let f = Fixture::new();
        let request = f.request_at(6, Step::Signature);
        let id = request.id;
        let (mut s, _) = State::new(&f.ctx, request);
        let limits = s.policy.limits();
        assert!(limits.max_attempts >= 2, "{limits:?}");
        // Every attempt a dot on the edge, but the second a line: the line is the best of all
        // (all fail; the line scores higher).
        for n in 1..=limits.max_attempts {
            if n > 1 {
                go(&f, &mut s, Message::Clear);
            }
            pen(&f, &mut s, &if n == 2 { line() } else { edge_dot() });
            assert!(go(&f, &mut s, Message::Save).is_none());
        }
        let checked = s.checked.clone().expect("kept");
        assert!(checked.settled());
        assert_eq!(checked.attempt, limits.max_attempts);
        let best = checked.signed.checks.clone();
        assert!(
            best.get("ink").is_some_and(|c| c.pass),
            "the line: {best:?}"
        );
        // Both windows show the line kept, not the dot signed last.
        assert_eq!(s.drawing.strokes.len(), 1);
        assert_eq!(s.drawing.strokes[0].len(), 81);
        assert!(matches!(s.guide(&f.ctx).show, Show::Signature(d) if d.strokes[0].len() == 81));
        let mut ui = simulator(s.view(&f.ctx));
        assert!(ui.find(tr_id("signature.settled")).is_ok());
        assert!(ui.find("1 goresan").is_ok());
        ui.click("Simpan [Enter]").expect("save the kept one");
        drop(ui);
        // The pad waits: more pen does not change what is kept.
        pen(&f, &mut s, &edge_dot());
        assert_eq!(s.drawing.strokes[0].len(), 81);

        let nav = go(&f, &mut s, Message::Save);
        assert!(matches!(nav, Some(Nav::Request(r)) if r == id), "{nav:?}");
        let kept = f.store(move |st| Ok(st.decisions(id)?));
        let outcomes: Vec<Outcome> = kept.iter().map(|d| d.outcome).collect();
        let mut expected = vec![Outcome::Retry; usize::from(limits.max_attempts) - 1];
        expected.push(Outcome::BestOfAttempts);
        assert_eq!(outcomes, expected);
        let attempts: Vec<u8> = kept.iter().map(|d| d.attempt).collect();
        assert_eq!(attempts, (1..=limits.max_attempts).collect::<Vec<u8>>());
        assert!(kept.iter().all(|d| {
            d.modality == Modality::Signature
                && d.position == 0
                && d.frames == 1
                && d.acceptable == Some(false)
                && d.findings.iter().any(|f| f.check == "shape" && !f.pass)
        }));
        assert_eq!(kept.last().and_then(|d| d.score), Some(best.score));
        let stored = f.store(move |st| Ok(st.request(id)?)).expect("request");
        let c = stored
            .captures
            .iter()
            .find(|c| c.modality == Modality::Signature)
            .expect("signature")
            .clone();
        assert_eq!(c.quality, Some(best.score));
        let bytes = f.store(move |st| Ok(st.capture_bytes(c.id)?));
        let strokes = checks::parse(FORMAT, &bytes).expect("strokes");
        assert_eq!(strokes.lines.len(), 1);
        assert_eq!(strokes.lines[0].len(), 81, "the line is stored");
    }

    #[test]
    fn a_refused_store_of_a_taken_signature_is_saved_again_with_one_decision() {
        let mut f = Fixture::new();
        let request = f.request_at(8, Step::Signature);
        let id = request.id;
        let (mut s, _) = State::new(&f.ctx, request);
        let (_, samples) = signing(11);
        pen(&f, &mut s, &samples);
        // Nobody to store it for: the store is refused.
        let user = f.ctx.user.take();
        assert!(go(&f, &mut s, Message::Save).is_none());
        f.ctx.user = user;
        assert!(!s.busy && s.notice.is_some());
        assert_eq!(
            s.checked.as_ref().map(|c| c.outcome),
            Some(Outcome::Accepted)
        );
        let mut ui = simulator(s.view(&f.ctx));
        assert!(ui.find("Simpan [Enter]").is_ok());
        drop(ui);
        let nav = go(&f, &mut s, Message::Save);
        assert!(matches!(nav, Some(Nav::Request(r)) if r == id), "{nav:?}");
        let kept = f.store(move |st| Ok(st.decisions(id)?));
        let outcomes: Vec<Outcome> = kept.iter().map(|d| d.outcome).collect();
        assert_eq!(outcomes, [Outcome::Accepted]);
    }

    #[test]
    fn clearing_the_kept_signing_starts_the_attempts_again() {
        let f = Fixture::new();
        let request = f.request_at(7, Step::Signature);
        let id = request.id;
        let (mut s, _) = State::new(&f.ctx, request);
        let limits = s.policy.limits();
        for n in 1..=limits.max_attempts {
            if n > 1 {
                go(&f, &mut s, Message::Clear);
            }
            pen(&f, &mut s, &dot());
            go(&f, &mut s, Message::Save);
        }
        assert!(s.settled());
        go(&f, &mut s, Message::Clear);
        assert!(!s.settled() && s.drawing.is_empty());
        assert_eq!(s.policy.attempt(), 1);
        assert!(s.retry.is_none());
        // The decisions so far stay, to be stored with the signature.
        assert_eq!(s.decisions.len(), usize::from(limits.max_attempts));
        let (_, samples) = signing(9);
        pen(&f, &mut s, &samples);
        assert!(go(&f, &mut s, Message::Save).is_some());
        let kept = f.store(move |st| Ok(st.decisions(id)?));
        assert_eq!(kept.len(), usize::from(limits.max_attempts) + 1);
        assert_eq!(
            kept.last().map(|d| (d.attempt, d.outcome)),
            Some((1, Outcome::Accepted))
        );
    }

    #[test]
    fn clear_empties_the_pad_and_the_applicant_signs_again() {
        let f = Fixture::new();
        let request = f.request_at(2, Step::Signature);
        let id = request.id;
        let (mut s, _) = State::new(&f.ctx, request);
        let (_, samples) = signing(7);
        pen(&f, &mut s, &samples);
        assert!(!s.drawing.is_empty());
        go(&f, &mut s, Message::Clear);
        assert!(s.drawing.is_empty());
        assert_eq!(s.stroke_count(), 0);
        assert_eq!(s.guide(&f.ctx).say, "Silakan tanda tangan sekali lagi");
        let mut ui = simulator(s.view(&f.ctx));
        assert!(ui.find("Belum ada tanda tangan").is_ok());
        drop(ui);
        // Nothing to save now.
        assert!(go(&f, &mut s, Message::Save).is_none());
        let stored = f.store(move |st| Ok(st.request(id)?)).expect("request");
        assert_eq!(stored.step, Step::Signature);
        // Signing again after the clear saves only the new strokes.
        let (strokes, samples) = signing(8);
        pen(&f, &mut s, &samples);
        assert_eq!(s.stroke_count(), strokes.len());
        assert!(go(&f, &mut s, Message::Save).is_some());
    }

    #[test]
    fn cannot_sign_needs_a_reason_then_records_the_exception() {
        let f = Fixture::new();
        let request = f.request_at(3, Step::Signature);
        let id = request.id;
        let (mut s, _) = State::new(&f.ctx, request);
        {
            let mut ui = simulator(s.view(&f.ctx));
            assert!(ui.find("Menyambungkan bantalan tanda tangan…").is_ok());
            ui.click("Tidak dapat tanda tangan [E]").expect("button");
            ui.click("Hapus [C]").expect("button");
            let messages: Vec<Message> = ui.into_messages().collect();
            assert!(matches!(messages[0], Message::OpenException));
            assert!(matches!(messages[1], Message::Clear));
        }
        go(&f, &mut s, Message::OpenException);
        assert!(go(&f, &mut s, Message::Exception(Exception::Save)).is_none());
        assert!(s.form.as_ref().is_some_and(|f| f.missing_reason));
        let mut ui = simulator(s.view(&f.ctx));
        assert!(ui.find("Alasan wajib diisi.").is_ok());
        drop(ui);
        // The keys of the form: Up/Down choose the kind.
        assert!(matches!(
            s.shortcut(&Key::Named(Named::ArrowDown), Modifiers::empty()),
            Some(Message::Exception(Exception::StepKind(1)))
        ));
        go(&f, &mut s, Message::Exception(Exception::StepKind(1)));
        assert_eq!(s.form.as_ref().map(|f| f.kind), Some(ExceptionKind::Other));
        go(
            &f,
            &mut s,
            Message::Exception(Exception::Kind(ExceptionKind::Injured)),
        );
        go(
            &f,
            &mut s,
            Message::Exception(Exception::Reason("tangan kanan patah, digips".into())),
        );
        let nav = go(&f, &mut s, Message::Exception(Exception::Save));
        assert!(matches!(nav, Some(Nav::Request(r)) if r == id), "{nav:?}");
        let stored = f.store(move |st| Ok(st.request(id)?)).expect("request");
        assert_eq!(stored.step, Step::Review);
        let c = stored
            .captures
            .iter()
            .find(|c| c.modality == Modality::Signature)
            .expect("signature");
        assert_eq!(c.exception, Some(ExceptionKind::Injured));
        assert_eq!(
            c.exception_reason.as_deref(),
            Some("tangan kanan patah, digips")
        );
    }

    #[test]
    fn a_pad_problem_is_shown_with_what_to_do() {
        let f = Fixture::new();
        let request = f.request_at(4, Step::Signature);
        let (mut s, _) = State::new(&f.ctx, request);
        go(
            &f,
            &mut s,
            Message::Pad(PadUpdate::Link(Link::Lost("cable pulled".into()))),
        );
        let mut ui = simulator(s.view(&f.ctx));
        assert!(
            ui.find("Bantalan tanda tangan terputus. Rekam menyambung lagi sendiri.")
                .is_ok()
        );
        let banner = DeviceProblem {
            class: DeviceClass::SignaturePad,
            detail: "cable pulled".into(),
        }
        .localize(crate::Lang::Id);
        assert!(banner.contains("Periksa kabel bantalan"), "{banner}");
        assert!(ui.find(banner).is_ok());
        drop(ui);
        // Back: the banner goes.
        go(
            &f,
            &mut s,
            Message::Pad(PadUpdate::Link(Link::Connected(connected()))),
        );
        assert!(s.notice.is_none());
    }
}
