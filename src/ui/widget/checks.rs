//! What the capture screens show of a quality gate and a device: the quality with its bar,
//! every check in the gate's words, the policy's hint, a device's status line.

use iced::widget::{column, progress_bar, row, text};
use iced::{Alignment, Element, Length};

use crate::capture::quality::{Assessment, Finding};
use crate::ui::i18n::Tr;
use crate::ui::theme::{self, Tone};

/// The quality in words (`label`) with a bar, green when every check passes.
pub fn quality<'a, M: 'a>(label: String, assessment: &Assessment) -> Element<'a, M> {
    let bar = progress_bar(0.0..=100.0, f32::from(assessment.score))
        .girth(14)
        .length(Length::Fixed(240.0))
        .style(if assessment.acceptable {
            progress_bar::success
        } else {
            progress_bar::danger
        });
    row![text(label).size(theme::BODY), bar]
        .spacing(10)
        .align_y(Alignment::Center)
        .into()
}

/// Every check: "Sesuai" or "Belum sesuai" and the gate's sentence, with `detail` under it
/// where it gives one (what was measured).
pub fn findings<'a, M: 'a>(
    assessment: &Assessment,
    tr: Tr,
    detail: impl Fn(&Finding) -> Option<String>,
) -> Element<'a, M> {
    let lines = assessment.findings.iter().map(|f| {
        let (state, tone) = if f.pass {
            (tr.t("capture.pass"), Tone::Good)
        } else {
            (tr.t("capture.fail"), Tone::Bad)
        };
        column![
            row![
                text(state).size(theme::SMALL).style(theme::tone_text(tone)),
                text(f.message(tr.lang()).to_owned())
                    .size(theme::SMALL)
                    .width(Length::Fill),
            ]
            .spacing(10)
            .align_y(Alignment::Center),
        ]
        .push(detail(f).map(|d| text(d).size(theme::SMALL).style(theme::muted)))
        .spacing(2)
        .into()
    });
    column(lines).spacing(4).into()
}

/// The auto-capture policy's limits in words, muted.
pub fn hint<'a, M: 'a>(words: String) -> Element<'a, M> {
    text(words).size(theme::SMALL).style(theme::muted).into()
}

/// A device's state, red when it was lost.
pub fn status<'a, M: 'a>(words: String, lost: bool) -> Element<'a, M> {
    text(words)
        .size(theme::SMALL)
        .style(move |t: &iced::Theme| {
            if lost {
                theme::tone_text(Tone::Bad)(t)
            } else {
                theme::muted(t)
            }
        })
        .into()
}
