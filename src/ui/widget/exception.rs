//! The exception form of the capture screens: the kind of exception (Up/Down, or a click) and
//! a reason that may not be empty.
//!
//! A screen keeps a [`Form`] while the form is open, wraps [`Message`] in one message of its
//! own, sends key presses through [`shortcut`] while it is open and shows [`Form::view`] mapped
//! to its message. [`Form::update`] edits the form and tells the screen when to save or close:
//! what is recorded, and when saving must wait, is the screen's to decide ([`Form::submit`]
//! checks the reason and gives what to record).

use iced::keyboard::{Key, key::Named};
use iced::widget::{button, column, container, row, text, text_input};
use iced::{Element, Length, Task};

use crate::lang::Localize;
use crate::ui::i18n::Tr;
use crate::ui::theme::{self, Tone};
use crate::workflow::ExceptionKind;

/// The form as filled in.
#[derive(Debug, Clone)]
pub struct Form {
    pub kind: ExceptionKind,
    pub reason: String,
    /// Saving was refused for want of a reason; editing the reason clears it.
    pub missing_reason: bool,
    /// The widget id of the reason field.
    id: &'static str,
}

#[derive(Debug, Clone)]
pub enum Message {
    /// Up (-1) or down (+1) through the kinds.
    StepKind(i8),
    Kind(ExceptionKind),
    Reason(String),
    Save,
    Close,
}

/// What the screen is asked to do after an update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    /// Save the exception: [`Form::submit`] checks the reason and gives the record.
    Save,
    /// Close the form without saving.
    Close,
}

impl Form {
    /// An empty form with `kind` chosen; `id` is the widget id of its reason field.
    pub fn new(id: &'static str, kind: ExceptionKind) -> Form {
        Form {
            kind,
            reason: String::new(),
            missing_reason: false,
            id,
        }
    }

    /// Puts the cursor in the reason field (run as the form opens).
    pub fn focus<M>(&self) -> Task<M> {
        iced::widget::operation::focus(self.id)
    }

    /// Edits the form; saving and closing are passed on to the screen.
    pub fn update(&mut self, message: Message) -> Option<Request> {
        match message {
            Message::StepKind(step) => self.kind = step_kind(self.kind, step),
            Message::Kind(kind) => self.kind = kind,
            Message::Reason(reason) => {
                self.reason = reason;
                self.missing_reason = false;
            }
            Message::Save => return Some(Request::Save),
            Message::Close => return Some(Request::Close),
        }
        None
    }

    /// The kind and the trimmed reason to record; without a reason, `None` and the form says
    /// that one is required.
    pub fn submit(&mut self) -> Option<(ExceptionKind, String)> {
        let reason = self.reason.trim();
        if reason.is_empty() {
            self.missing_reason = true;
            return None;
        }
        Some((self.kind, reason.to_owned()))
    }

    /// The form in a panel: `title`, the kinds, the reason field with its `placeholder`, the
    /// "reason required" line when saving was refused, save (enabled when `can_save`) and
    /// cancel.
    pub fn view<'a>(
        &'a self,
        title: String,
        placeholder: &str,
        can_save: bool,
        tr: Tr,
    ) -> Element<'a, Message> {
        let kinds = column(ExceptionKind::ALL.iter().map(|&k| {
            button(text(k.localize(tr.lang())).size(theme::SMALL))
                .padding([4, 8])
                .width(Length::Fill)
                .on_press(Message::Kind(k))
                .style(theme::row_button(self.kind == k))
                .into()
        }))
        .spacing(2);
        let reason = text_input(placeholder, &self.reason)
            .id(self.id)
            .on_input(Message::Reason)
            .on_submit(Message::Save)
            .size(theme::BODY)
            .padding(8);
        container(
            column![
                text(title).size(theme::BODY),
                text(tr.t("exception.kind")).size(theme::SMALL),
                kinds,
                reason,
            ]
            .push(self.missing_reason.then(|| {
                text(tr.t("exception.reason_required"))
                    .size(theme::SMALL)
                    .style(theme::tone_text(Tone::Bad))
            }))
            .push(
                row![
                    button(text(tr.t("exception.save")).size(theme::SMALL))
                        .on_press_maybe(can_save.then_some(Message::Save))
                        .style(button::primary),
                    button(text(tr.t("exception.cancel")).size(theme::SMALL))
                        .on_press(Message::Close)
                        .style(button::secondary),
                ]
                .spacing(8),
            )
            .spacing(6),
        )
        .padding(10)
        .style(theme::panel)
        .into()
    }
}

/// The keys of the open form: Enter saves, Esc closes, Up/Down choose the kind.
pub fn shortcut(key: &Key) -> Option<Message> {
    match key {
        Key::Named(Named::Enter) => Some(Message::Save),
        Key::Named(Named::Escape) => Some(Message::Close),
        Key::Named(Named::ArrowUp) => Some(Message::StepKind(-1)),
        Key::Named(Named::ArrowDown) => Some(Message::StepKind(1)),
        _ => None,
    }
}

/// The digit keys 1-5 choosing the n-th kind, for a screen that numbers the kinds.
pub fn number_key(key: &Key) -> Option<Message> {
    match key {
        Key::Character(c) => c
            .parse::<usize>()
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| ExceptionKind::ALL.get(i))
            .map(|k| Message::Kind(*k)),
        _ => None,
    }
}

/// The kind `step` places further through [`ExceptionKind::ALL`], wrapping around.
fn step_kind(kind: ExceptionKind, step: i8) -> ExceptionKind {
    let all = ExceptionKind::ALL;
    let i = all.iter().position(|k| *k == kind).unwrap_or(0) as i64;
    let n = all.len() as i64;
    all[(i + i64::from(step)).rem_euclid(n) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kind_steps_around_and_the_reason_is_required() {
        let mut form = Form::new("test-reason", ExceptionKind::Missing);
        assert_eq!(form.update(Message::StepKind(-1)), None);
        assert_eq!(form.kind, *ExceptionKind::ALL.last().expect("kinds"));
        form.update(Message::StepKind(1));
        assert_eq!(form.kind, ExceptionKind::Missing);
        form.update(Message::Reason("  ".into()));
        assert_eq!(form.update(Message::Save), Some(Request::Save));
        assert_eq!(form.submit(), None);
        assert!(form.missing_reason);
        form.update(Message::Reason(" diperban ".into()));
        assert!(!form.missing_reason, "editing clears the error");
        form.update(Message::Kind(ExceptionKind::Injured));
        assert_eq!(
            form.submit(),
            Some((ExceptionKind::Injured, "diperban".to_owned()))
        );
        assert_eq!(form.update(Message::Close), Some(Request::Close));
    }

    #[test]
    fn keys_save_close_and_choose() {
        let key = |c: &str| Key::Character(c.into());
        assert!(matches!(
            shortcut(&Key::Named(Named::Enter)),
            Some(Message::Save)
        ));
        assert!(matches!(
            shortcut(&Key::Named(Named::Escape)),
            Some(Message::Close)
        ));
        assert!(matches!(
            shortcut(&Key::Named(Named::ArrowUp)),
            Some(Message::StepKind(-1))
        ));
        assert!(shortcut(&key("1")).is_none());
        assert!(matches!(
            number_key(&key("2")),
            Some(Message::Kind(k)) if k == ExceptionKind::ALL[1]
        ));
        assert!(number_key(&key("0")).is_none());
        assert!(number_key(&key("6")).is_none());
    }
}
