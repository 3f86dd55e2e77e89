//! Widgets of the kiosk shared by the screens: the hand diagram, the signature canvas, the head
//! guide, the request header, the exception form, a quality gate's checks, and the banner and
//! the buttons.

use iced::widget::{button, container, text};
use iced::{Element, Length};

use super::theme::{self, Tone};

pub mod checks;
pub mod exception;
pub mod guide;
pub mod hands;
pub mod header;
pub mod strokes;

/// A message across the screen in the colour of its tone: a problem, a warning, a success.
pub fn banner<'a, M: 'a>(tone: Tone, message: String) -> Element<'a, M> {
    container(text(message).size(theme::BODY))
        .padding(10)
        .width(Length::Fill)
        .style(theme::banner(tone))
        .into()
}

/// A button with its key in the label, enabled or not.
pub fn action<'a, M: Clone + 'a>(
    label: String,
    message: M,
    style: fn(&iced::Theme, button::Status) -> button::Style,
    enabled: bool,
) -> Element<'a, M> {
    button(text(label).size(theme::BODY))
        .padding(theme::BUTTON_PADDING)
        .style(style)
        .on_press_maybe(enabled.then_some(message))
        .into()
}

/// A button with its key in the label (`[Spasi]`), primary or not, enabled when it has a
/// message.
pub fn key_button<'a, M: Clone + 'a>(
    label: String,
    message: Option<M>,
    primary: bool,
) -> Element<'a, M> {
    button(text(label).size(theme::BODY))
        .padding(theme::BUTTON_PADDING)
        .height(theme::CONTROL_HEIGHT)
        .on_press_maybe(message)
        .style(if primary {
            button::primary
        } else {
            button::secondary
        })
        .into()
}
