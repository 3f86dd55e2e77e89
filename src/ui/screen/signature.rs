//! Signature: the pen strokes from the signature pad, drawn live on the operator's screen and
//! on the applicant's as they are written; clear and sign again, save, or record that the
//! applicant cannot sign (an exception with a reason).
//!
//! The signature is stored as the simulated station stores it: format `isdv4-strokes-json`,
//! the JSON of [`rekam_signature::Signature`] (the pad's capabilities and every pen-down
//! sample with its time), width and height the pad's extent in pad units (100 per mm).
//!
//! Keys: Enter save, C clear, E exception; in the exception form Up/Down choose the kind, Enter
//! saves, Esc closes it.

use std::sync::Arc;

use iced::keyboard::{Key, Modifiers, key::Named};
use iced::widget::{button, column, container, row, text};
use iced::{Element, Length, Subscription, Task};
use rekam_device::{Backend, DeviceClass, DeviceInfo};
use rekam_signature::{PadCapabilities, PadEvent, PenSample, StrokeBuilder};

use super::{Action, Nav};
use crate::devices::live::PadSession;
use crate::lang::Localize;
use crate::ui::app::Ctx;
use crate::ui::applicant::{Guide, Show};
use crate::ui::db::Failure;
use crate::ui::device::{self, DeviceProblem, Link, PadKey, PadUpdate};
use crate::ui::theme::{self, Tone};
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
        };
        (state, Task::none())
    }

    /// Strokes so far, the one being written included.
    fn stroke_count(&self) -> usize {
        self.builder.strokes().len() + usize::from(self.builder.in_stroke())
    }

    fn can_save(&self) -> bool {
        !self.busy && self.form.is_none() && self.caps.is_some() && self.stroke_count() > 0
    }

    pub fn update(&mut self, message: Message, ctx: &Ctx) -> Action<Message> {
        match message {
            Message::Pad(update) => self.pad(update),
            Message::Clear => self.clear(),
            Message::Save => self.save(ctx),
            Message::Saved(Ok(())) => Action::Go(Nav::Request(self.request.id)),
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
        if self.busy {
            return;
        }
        let down = sample.report.proximity && sample.report.tip;
        self.builder.push(sample);
        if down {
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
        // On the simulator the simulated applicant signs again; on a real pad the applicant
        // simply signs again.
        if let Some(session) = &self.session {
            session.sign_again();
        }
        Action::None
    }

    fn save(&mut self, ctx: &Ctx) -> Action<Message> {
        if !self.can_save() {
            return Action::None;
        }
        let Some(caps) = self.caps else {
            return Action::None;
        };
        let signature = self.builder.clone().finish(caps);
        let bytes = match serde_json::to_vec(&signature) {
            Ok(b) => b,
            Err(e) => {
                self.notice = Some(Notice::Failure(Failure::other(e)));
                return Action::None;
            }
        };
        let content = CaptureContent::Data {
            format: FORMAT.into(),
            width: u32::from(caps.max_x),
            height: u32::from(caps.max_y),
            quality: None,
            bytes,
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

    /// Stores the signature (or the exception) and completes the step, in one storage call.
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
        Action::Run(Task::perform(
            db.call(move |store| {
                store.add_capture(&user, request, &input)?;
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
        let count = match self.stroke_count() {
            0 => tr.t("signature.empty"),
            n => tr.f("signature.strokes", &[("count", &n)]),
        };
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
                    tr.t("signature.save"),
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
        let side = column![text(count).size(theme::HEADING), actions]
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
