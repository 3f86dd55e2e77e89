//! The camera capture's view pieces, shared by the face and iris screens: the picture (live,
//! still or waiting), the checks of the frame in the gate's words, the camera's state, the
//! policy's hint and retry banner, the automatic toggle and the action buttons.

use iced::widget::{checkbox, column, container, image, row, stack, text};
use iced::{Alignment, Element, Length};

use super::{Camera, CameraGate, Message, Phase};
use crate::capture::quality::Finding;
use crate::lang::Localize;
use crate::ui::device::Link;
use crate::ui::i18n::Tr;
use crate::ui::theme::{self, Tone};
use crate::ui::widget::{self, banner};

/// The translation keys of one camera screen (its own catalog's, so that the face screen says
/// "kamera wajah" and the iris screen "kamera iris").
#[derive(Debug)]
pub struct Words {
    /// No frame yet.
    pub waiting: &'static str,
    /// The camera is held off (a form is open).
    pub paused: &'static str,
    pub checks_waiting: &'static str,
    /// `{quality}`.
    pub quality: &'static str,
    pub camera_off: &'static str,
    pub camera_opening: &'static str,
    /// `{model}`, `{fps}`.
    pub camera_ready: &'static str,
    /// `{reason}`.
    pub camera_lost: &'static str,
    pub auto: &'static str,
    /// `{score}`, `{seconds}`, `{attempts}`.
    pub auto_hint: &'static str,
    /// `{attempt}`, `{attempts}`, `{problem}`.
    pub retry: &'static str,
    pub no_frame: &'static str,
    pub settled: &'static str,
    pub still_not_all_pass: &'static str,
    pub take: &'static str,
    pub taking: &'static str,
    pub retake: &'static str,
    /// Enter on the still.
    pub save: &'static str,
    pub saving: &'static str,
}

impl<G: CameraGate> Camera<G> {
    /// The live preview `height` pixels high (with `overlay` drawn over it), the still once
    /// taken, or why there is no picture.
    pub fn picture<'a>(
        &'a self,
        tr: Tr,
        height: f32,
        overlay: Option<Element<'a, Message<G>>>,
    ) -> Element<'a, Message<G>> {
        let scaled = |(w, h): (u32, u32)| height * w as f32 / h.max(1) as f32;
        if let Some(shot) = self.shot() {
            return image(shot.handle.clone())
                .width(scaled(shot.size))
                .height(height)
                .into();
        }
        match &self.preview {
            Some(p) if !self.paused => {
                let picture = image(p.handle.clone())
                    .width(Length::Fill)
                    .height(Length::Fill);
                container(stack![picture].push(overlay))
                    .width(scaled(p.rgb.dimensions()))
                    .height(height)
                    .into()
            }
            _ => {
                let key = if self.paused {
                    self.words.paused
                } else {
                    self.words.waiting
                };
                container(text(tr.t(key)).size(theme::BODY))
                    .center_x(height * 4.0 / 3.0)
                    .center_y(height)
                    .into()
            }
        }
    }

    /// The checks shown: the still's once taken, the latest checked frame's before; each in
    /// the gate's words, with `detail` under it where it has one, and `footer` last.
    pub fn checks<'a>(
        &'a self,
        tr: Tr,
        detail: impl Fn(&Finding) -> Option<String>,
        footer: Option<String>,
    ) -> Element<'a, Message<G>> {
        let assessment = match self.shot() {
            Some(shot) => Some(G::assessment(&shot.taken.sample)),
            None => self.session.latest_assessment(),
        };
        let Some(assessment) = assessment else {
            return text(tr.t(self.words.checks_waiting))
                .size(theme::SMALL)
                .style(theme::muted)
                .into();
        };
        column![widget::checks::quality(
            tr.f(self.words.quality, &[("quality", &assessment.score)]),
            assessment
        )]
        .push(widget::checks::findings(assessment, tr, detail))
        .push(footer.map(|f| text(f).size(theme::SMALL).style(theme::muted)))
        .spacing(6)
        .into()
    }

    /// The camera's state and its problem, if any.
    pub fn device<'a>(&'a self, tr: Tr) -> Element<'a, Message<G>> {
        let live = self.live() && !self.paused;
        let status = match (&self.link, live) {
            (_, false) => tr.t(self.words.camera_off),
            (Link::Opening, true) => tr.t(self.words.camera_opening),
            (Link::Connected(info), true) => {
                let rate = self
                    .frame_rate()
                    .map(|fps| format!("{fps:.0}"))
                    .unwrap_or_else(|| "-".into());
                tr.f(
                    self.words.camera_ready,
                    &[("model", &info.model), ("fps", &rate)],
                )
            }
            (Link::Lost(reason), true) => tr.f(self.words.camera_lost, &[("reason", reason)]),
        };
        let lost = live && matches!(self.link, Link::Lost(_));
        column![widget::checks::status(status, lost)]
            .push(
                self.problem
                    .as_ref()
                    .filter(|_| live)
                    .map(|p| banner(Tone::Bad, p.localize(tr.lang()))),
            )
            .spacing(6)
            .into()
    }

    /// The automatic capture toggle.
    pub fn auto_toggle<'a>(&'a self, tr: Tr) -> Element<'a, Message<G>> {
        checkbox(self.session.automatic())
            .label(tr.t(self.words.auto))
            .on_toggle(|_| Message::ToggleAuto)
            .size(22)
            .text_size(theme::BODY)
            .into()
    }

    /// What the auto-capture policy is doing: its limits, the attempt, and why the last one
    /// timed out.
    pub fn policy<'a>(&'a self, tr: Tr) -> Element<'a, Message<G>> {
        let limits = self.session.limits();
        let hint = widget::checks::hint(tr.f(
            self.words.auto_hint,
            &[
                ("score", &limits.accept_score),
                ("seconds", &limits.timeout_secs),
                ("attempts", &limits.max_attempts),
            ],
        ));
        let retry = self
            .session
            .retry()
            .filter(|_| self.previewing() && self.session.automatic())
            .map(|d| {
                let problem = d
                    .best
                    .as_ref()
                    .and_then(|b| b.first_problem(tr.lang()))
                    .map_or_else(|| tr.t(self.words.no_frame), str::to_owned);
                banner(
                    Tone::Warning,
                    tr.f(
                        self.words.retry,
                        &[
                            ("attempt", &self.session.attempt_number()),
                            ("attempts", &limits.max_attempts),
                            ("problem", &problem),
                        ],
                    ),
                )
            });
        column![hint].push(retry).spacing(6).into()
    }

    /// The buttons of the phase, each with its key, `extra` beside them (an exception).
    pub fn actions<'a>(
        &'a self,
        tr: Tr,
        extra: Option<Element<'a, Message<G>>>,
    ) -> Element<'a, Message<G>> {
        let key_button = |key: &str, message: Option<Message<G>>, primary: bool| {
            widget::key_button(tr.t(key), message, primary)
        };
        match &self.phase {
            Phase::Live => row![key_button(
                self.words.take,
                self.session.latest().map(|_| Message::Capture),
                true
            )]
            .push(extra)
            .spacing(theme::GAP)
            .into(),
            Phase::Taking => text(tr.t(self.words.taking)).size(theme::BODY).into(),
            Phase::Still(shot) => column![
                shot.settled()
                    .then(|| banner(Tone::Warning, tr.t(self.words.settled))),
                (!shot.settled() && !shot.acceptable())
                    .then(|| banner(Tone::Warning, tr.t(self.words.still_not_all_pass))),
                row![
                    key_button(self.words.retake, Some(Message::Retake), false),
                    key_button(self.words.save, Some(Message::Save), true),
                ]
                .push(extra)
                .spacing(theme::GAP),
            ]
            .spacing(8)
            .into(),
            Phase::Saving(_) => text(tr.t(self.words.saving)).size(theme::BODY).into(),
        }
    }

    /// The side panel of a camera screen under its `title` part: checks, camera, toggle,
    /// policy and buttons, then the error.
    pub fn side<'a>(
        &'a self,
        tr: Tr,
        checks: Element<'a, Message<G>>,
        extra: Option<Element<'a, Message<G>>>,
    ) -> Element<'a, Message<G>> {
        column![
            checks,
            self.device(tr),
            self.auto_toggle(tr),
            self.policy(tr),
            self.actions(tr, extra),
        ]
        .push(
            self.error
                .as_ref()
                .map(|e| banner(Tone::Bad, e.text(tr.lang()))),
        )
        .spacing(12)
        .width(Length::Fill)
        .into()
    }
}

/// The picture and the side panel side by side.
pub fn layout<'a, M: 'a>(picture: Element<'a, M>, side: Element<'a, M>) -> Element<'a, M> {
    row![container(picture).style(theme::panel).padding(4), side]
        .spacing(theme::GAP)
        .align_y(Alignment::Start)
        .into()
}
