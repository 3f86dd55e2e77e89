//! The header of every request screen: ticket, name, NIK and service, and the strip of the
//! procedure's stages with the current one highlighted.

use iced::widget::{column, container, row, text};
use iced::{Alignment, Element, Length};

use crate::lang::Localize;
use crate::ui::i18n::{Tr, tk};
use crate::ui::theme::{self, ChipState};
use crate::workflow::RequestView;

/// The stages shown in the strip, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    Ticket,
    File,
    Verify,
    Face,
    Fingers,
    Iris,
    Signature,
    Review,
    Proof,
}

const STAGES: [(Stage, &str); 9] = [
    (Stage::Ticket, tk("app.step_ticket")),
    (Stage::File, tk("app.step_file")),
    (Stage::Verify, tk("app.step_verify")),
    (Stage::Face, tk("app.step_face")),
    (Stage::Fingers, tk("app.step_fingers")),
    (Stage::Iris, tk("app.step_iris")),
    (Stage::Signature, tk("app.step_signature")),
    (Stage::Review, tk("app.step_review")),
    (Stage::Proof, tk("app.step_proof")),
];

pub fn view<'a, M: 'a>(request: &RequestView, current: Stage, tr: Tr) -> Element<'a, M> {
    let who = [
        Some(request.ticket.clone()),
        request.full_name.clone(),
        request.nik.clone(),
        request.service_type.map(|s| s.localize(tr.lang())),
        request.register_number.clone(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join("  ·  ");
    let strip = row(STAGES.iter().map(|(stage, key)| {
        let state = match stage.cmp(&current) {
            std::cmp::Ordering::Less => ChipState::Done,
            std::cmp::Ordering::Equal => ChipState::Current,
            std::cmp::Ordering::Greater => ChipState::Later,
        };
        container(text(tr.t(key)).size(theme::SMALL))
            .padding([4, 12])
            .style(theme::step_chip(state))
            .into()
    }))
    .spacing(6)
    .align_y(Alignment::Center);
    column![text(who).size(theme::HEADING), strip]
        .spacing(8)
        .width(Length::Fill)
        .into()
}
