//! The applicant's window (or the panel the operator shows when there is no second display):
//! one large instruction in the applicant's language, and what helps to follow it: the camera
//! mirror, the fingers to put down, the signature as it is written, or the satisfaction
//! question at the end.

use iced::widget::{button, column, container, image, row, text};
use iced::{Alignment, Element, Length};

use super::i18n::{Tr, tk};
use super::theme;
use super::widget::{hands, strokes};

/// What the current screen asks of the applicant.
#[derive(Debug, Clone, Default)]
pub struct Guide {
    /// The instruction, one short sentence ("Lihat ke kamera").
    pub say: String,
    /// A second line, smaller.
    pub detail: Option<String>,
    pub show: Show,
}

#[derive(Debug, Clone, Default)]
pub enum Show {
    /// Only the instruction (welcome, waiting).
    #[default]
    Nothing,
    /// The ticket being served, large.
    Ticket(String),
    /// The live camera, mirrored as a mirror would be.
    Camera(image::Handle),
    /// The fingers to put on the scanner now, by ISO position (1-10).
    Fingers(Vec<u8>),
    /// The signature so far, in pad units, and the pad's size.
    Signature(strokes::Drawing),
    /// The satisfaction question (SKM); `Some` once answered.
    Satisfaction(Option<u8>),
}

impl Guide {
    pub fn new(say: String) -> Guide {
        Guide {
            say,
            detail: None,
            show: Show::Nothing,
        }
    }

    pub fn detail(mut self, detail: String) -> Guide {
        self.detail = Some(detail);
        self
    }

    pub fn show(mut self, show: Show) -> Guide {
        self.show = show;
        self
    }
}

/// A satisfaction answer from the applicant: 1 (not satisfied) to 4 (very satisfied).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answer(pub u8);

/// The applicant's view of `guide`. Always in the applicant's language, Bahasa Indonesia,
/// unless the station runs in English for training.
pub fn view(guide: Guide, tr: Tr) -> Element<'static, Answer> {
    let say = text(guide.say)
        .size(theme::HUGE)
        .align_x(Alignment::Center)
        .width(Length::Fill);
    let detail = guide.detail.map(|d| {
        text(d)
            .size(theme::TITLE)
            .align_x(Alignment::Center)
            .width(Length::Fill)
    });
    let visual: Element<'static, Answer> = match guide.show {
        Show::Nothing => column![].into(),
        Show::Ticket(ticket) => text(ticket).size(theme::HUGE * 2.0).into(),
        Show::Camera(handle) => image(handle)
            .width(Length::Fill)
            .height(Length::Fill)
            .into(),
        Show::Fingers(now) => hands::view(now, &[]),
        Show::Signature(drawing) => strokes::view(drawing),
        Show::Satisfaction(answer) => satisfaction(answer, tr),
    };
    container(
        column![say]
            .push(detail)
            .push(
                container(visual)
                    .center_x(Length::Fill)
                    .center_y(Length::Fill),
            )
            .spacing(theme::GAP * 2.0)
            .align_x(Alignment::Center),
    )
    .padding(32)
    .width(Length::Fill)
    .height(Length::Fill)
    .into()
}

fn satisfaction<'a>(answer: Option<u8>, tr: Tr) -> Element<'a, Answer> {
    if answer.is_some() {
        return text(tr.t("applicant.thanks")).size(theme::TITLE).into();
    }
    let choice = |score: u8, key: &'static str| {
        button(
            text(tr.t(key))
                .size(theme::HEADING)
                .align_x(Alignment::Center)
                .width(Length::Fill),
        )
        .on_press(Answer(score))
        .padding(24)
        .width(Length::Fixed(220.0))
        .style(match score {
            1 => button::danger,
            2 => button::secondary,
            _ => button::success,
        })
    };
    column![
        text(tr.t("applicant.skm_question")).size(theme::TITLE),
        row![
            choice(1, tk("applicant.skm_1")),
            choice(2, tk("applicant.skm_2")),
            choice(3, tk("applicant.skm_3")),
            choice(4, tk("applicant.skm_4")),
        ]
        .spacing(theme::GAP),
    ]
    .spacing(theme::GAP)
    .align_x(Alignment::Center)
    .into()
}
