//! The signature screen's view: the pad with the strokes, the checks of the signing last ended,
//! what the policy made of it, and the buttons (or the exception form).

use iced::widget::{button, column, container, row, text};
use iced::{Element, Length};
use rekam_device::Backend;

use super::{Message, Notice, State};
use crate::capture::policy::Outcome;
use crate::capture::quality::Assessment;
use crate::lang::Localize;
use crate::ui::ctx::Ctx;
use crate::ui::device::Link;
use crate::ui::i18n::Tr;
use crate::ui::theme::{self, Tone};
use crate::ui::widget::header::{self, Stage};
use crate::ui::widget::{self, banner, strokes};

impl State {
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
            Some(c) if c.settled() => c.signed.strokes.lines.len(),
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
        let checks = &checked.signed.assessment;
        column![text(tr.f("signature.quality", &[("quality", &checks.score)])).size(theme::BODY)]
            .push(widget::checks::findings(checks, tr, |_| None))
            .spacing(4)
            .into()
    }

    /// What the auto-capture policy does with the signings: its limits, and what it made of
    /// the last one.
    fn policy_view<'a>(&self, tr: Tr) -> Element<'a, Message> {
        let limits = self.session.limits();
        let hint = widget::checks::hint(tr.f(
            "signature.auto_hint",
            &[
                ("score", &limits.accept_score),
                ("attempts", &limits.max_attempts),
            ],
        ));
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
                    ("problem", &problem(Some(&c.signed.assessment))),
                    ("attempt", &self.session.attempt_number()),
                    ("attempts", &limits.max_attempts),
                ],
            )),
            // Signing again after a failed one: what went wrong last time.
            None => self.session.retry().map(|d| {
                tr.f(
                    "signature.attempt",
                    &[
                        ("attempt", &self.session.attempt_number()),
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
}
