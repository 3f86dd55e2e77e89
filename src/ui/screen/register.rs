//! The register book of the day, searchable, and the supervisor's day view: served, returned, waiting, and the time per SOP step against its standard.

use iced::keyboard::{Key, Modifiers};
use iced::widget::text;
use iced::{Element, Subscription, Task};

use super::Action;
use crate::ui::app::Ctx;

#[derive(Debug)]
pub struct State {}

#[derive(Debug, Clone)]
pub enum Message {}

impl State {
    pub fn new(_ctx: &Ctx) -> (State, Task<Message>) {
        (State {}, Task::none())
    }

    pub fn update(&mut self, message: Message, _ctx: &Ctx) -> Action<Message> {
        match message {}
    }

    pub fn view<'a>(&'a self, _ctx: &'a Ctx) -> Element<'a, Message> {
        text("").into()
    }

    pub fn subscription(&self, _ctx: &Ctx) -> Subscription<Message> {
        Subscription::none()
    }

    pub fn shortcut(&self, _key: &Key, _modifiers: Modifiers) -> Option<Message> {
        None
    }
}
