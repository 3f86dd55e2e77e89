//! Iris: right and left eye from the iris camera, or an exception with its reason.

use iced::keyboard::{Key, Modifiers};
use iced::widget::{column, text};
use iced::{Element, Subscription, Task};

use super::Action;
use crate::ui::app::Ctx;
use crate::ui::applicant::Guide;
use crate::ui::widget::header::{self, Stage};
use crate::workflow::RequestView;

#[derive(Debug)]
pub struct State {
    request: RequestView,
}

#[derive(Debug, Clone)]
pub enum Message {}

impl State {
    pub fn new(_ctx: &Ctx, request: RequestView) -> (State, Task<Message>) {
        (State { request }, Task::none())
    }

    pub fn update(&mut self, message: Message, _ctx: &Ctx) -> Action<Message> {
        match message {}
    }

    pub fn view<'a>(&'a self, ctx: &'a Ctx) -> Element<'a, Message> {
        column![header::view(&self.request, Stage::Iris, ctx.tr), text("")].into()
    }

    pub fn subscription(&self, _ctx: &Ctx) -> Subscription<Message> {
        Subscription::none()
    }

    pub fn shortcut(&self, _key: &Key, _modifiers: Modifiers) -> Option<Message> {
        None
    }

    pub fn guide(&self, ctx: &Ctx) -> Guide {
        Guide::new(ctx.tr.t("applicant.please_wait"))
    }
}
