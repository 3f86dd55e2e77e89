//! The fingerprint screen's view: the slap with the hand diagram and the finger chips, the
//! scanner's state, the live image with each finger's crop, and the buttons.

use iced::widget::{button, column, container, image, progress_bar, row, space, text};
use iced::{Alignment, Element, Length};
use rekam_fingerprint::{CaptureMode, Finger};

use super::{Message, Notice, Phase, State};
use crate::capture::finger::GOOD_ENOUGH;
use crate::lang::Localize;
use crate::ui::ctx::Ctx;
use crate::ui::device::Link;
use crate::ui::i18n::tk;
use crate::ui::theme::{self, Tone};
use crate::ui::widget::hands::{self, Mark};
use crate::ui::widget::header::{self, Stage};
use crate::workflow::{Modality, capture_name};

/// Short names of the digits, thumb to little finger (the chips are grouped by hand).
const DIGITS: [&str; 5] = [
    tk("fingers.thumb"),
    tk("fingers.index"),
    tk("fingers.middle"),
    tk("fingers.ring"),
    tk("fingers.little"),
];

impl State {
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
            Some(open) => open
                .form
                .view(
                    tr.f(
                        "fingers.exception_title",
                        &[(
                            "finger",
                            &capture_name(Modality::Finger, open.position, ctx.lang()),
                        )],
                    ),
                    &tr.t("fingers.reason_placeholder"),
                    !self.busy(),
                    tr,
                )
                .map(Message::Exception),
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
                    Notice::NoFinger | Notice::Lifted | Notice::Quality(_) => Tone::Warning,
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
            (_, Phase::Storing) => line(tr.t("fingers.saving")).into(),
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
        let max = self.max_attempts();
        let s = if self.attempts.len() >= max {
            tr.f("fingers.limit", &[("max", &max)])
        } else {
            tr.f(
                "fingers.attempt",
                &[("n", &self.attempts.len()), ("max", &max)],
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
                &[(
                    "left",
                    &self.max_attempts().saturating_sub(self.attempts.len()),
                )],
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
}

fn slap_name(mode: CaptureMode, ctx: &Ctx) -> String {
    ctx.tr.t(match mode {
        CaptureMode::SlapRight => tk("fingers.slap_right"),
        CaptureMode::SlapLeft => tk("fingers.slap_left"),
        _ => tk("fingers.slap_thumbs"),
    })
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

pub(super) fn notice_text(notice: &Notice, ctx: &Ctx) -> String {
    match notice {
        Notice::NoFinger => ctx.tr.t("fingers.no_finger"),
        Notice::Lifted => ctx.tr.t("fingers.lifted"),
        Notice::Device(p) => p.localize(ctx.lang()),
        Notice::Failure(e) => e.text(ctx.lang()),
        Notice::Quality(f) => f.message(ctx.lang()).to_owned(),
    }
}
