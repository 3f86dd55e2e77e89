//! Login: an operator or a supervisor, by username and password, or by officer card and PIN.
//! Repeated wrong passwords lock the account (the store counts them); a wrong PIN counts on the
//! card, which blocks itself.

use iced::keyboard::{Key, Modifiers, key::Named};
use iced::widget::{button, column, container, row, text, text_input};
use iced::{Alignment, Element, Length, Subscription, Task};
use rekam_device::{Backend, DeviceClass};
use rekam_smartcard::OfficerRole;

use super::{Action, Nav};
use crate::devices::live::{self, SimCard};
use crate::store::User;
use crate::ui::ctx::Ctx;
use crate::ui::db::Failure;
use crate::ui::device::DeviceProblem;
use crate::ui::theme::{self, Tone};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Method {
    #[default]
    Password,
    Card,
}

#[derive(Debug, Default)]
pub struct State {
    method: Method,
    username: String,
    password: String,
    pin: String,
    busy: bool,
    error: Option<Failure>,
}

#[derive(Debug, Clone)]
pub enum Message {
    Method(Method),
    Username(String),
    Password(String),
    Pin(String),
    Submit,
    Done(Result<User, Failure>),
}

impl State {
    pub fn new(_ctx: &Ctx) -> State {
        State::default()
    }

    /// Focus the first field when the screen opens.
    pub fn focus() -> Task<Message> {
        iced::widget::operation::focus("login-username")
    }

    pub fn update(&mut self, message: Message, ctx: &Ctx) -> Action<Message> {
        match message {
            Message::Method(m) => {
                self.method = m;
                self.error = None;
            }
            Message::Username(v) => self.username = v,
            Message::Password(v) => self.password = v,
            Message::Pin(v) => self.pin = v.chars().filter(char::is_ascii_digit).take(12).collect(),
            Message::Submit => return self.submit(ctx),
            Message::Done(Ok(user)) => {
                self.busy = false;
                self.password.clear();
                self.pin.clear();
                return Action::Go(Nav::LoggedIn(user));
            }
            Message::Done(Err(e)) => {
                self.busy = false;
                self.password.clear();
                self.pin.clear();
                self.error = Some(e);
            }
        }
        Action::None
    }

    fn submit(&mut self, ctx: &Ctx) -> Action<Message> {
        if self.busy {
            return Action::None;
        }
        let db = match ctx.db() {
            Ok(db) => db.clone(),
            Err(e) => {
                self.error = Some(e);
                return Action::None;
            }
        };
        self.busy = true;
        self.error = None;
        match self.method {
            Method::Password => {
                let (username, password) = (self.username.clone(), self.password.clone());
                Action::Run(Task::perform(
                    db.call(move |store| Ok(store.authenticate(&username, &password)?)),
                    Message::Done,
                ))
            }
            Method::Card => {
                let settings = ctx.settings.clone();
                let backend = ctx.backends.smartcard;
                // A simulated reader holds the officer card of the username typed in.
                let sim = (backend == Backend::Simulated).then(|| SimCard::Officer {
                    officer_id: self.username.trim().to_owned(),
                    role: OfficerRole::Operator,
                });
                let pin = self.pin.clone();
                Action::Run(Task::perform(
                    async move {
                        let card = read_card(settings, backend, sim, pin).await?;
                        db.call(move |store| Ok(store.authenticate_card(&card)?))
                            .await
                    },
                    Message::Done,
                ))
            }
        }
    }

    pub fn view<'a>(&'a self, ctx: &'a Ctx) -> Element<'a, Message> {
        let tr = ctx.tr;
        let tab = |label: String, method: Method| {
            button(text(label).size(theme::BODY))
                .padding(theme::BUTTON_PADDING)
                .on_press(Message::Method(method))
                .style(if self.method == method {
                    button::primary
                } else {
                    button::secondary
                })
        };
        let input = |id: &'static str, value: &str, secure: bool, on: fn(String) -> Message| {
            text_input("", value)
                .id(id)
                .secure(secure)
                .on_input(on)
                .on_submit(Message::Submit)
                .size(theme::BODY)
                .padding(12)
                .width(Length::Fixed(420.0))
        };
        let mut form = column![
            text(tr.t("login.title")).size(theme::TITLE),
            row![
                tab(tr.t("login.by_password"), Method::Password),
                tab(tr.t("login.by_card"), Method::Card)
            ]
            .spacing(8),
            text(tr.t("login.username")).size(theme::BODY),
            input("login-username", &self.username, false, Message::Username),
        ]
        .spacing(10);
        form = match self.method {
            Method::Password => form
                .push(text(tr.t("login.password")).size(theme::BODY))
                .push(input(
                    "login-password",
                    &self.password,
                    true,
                    Message::Password,
                )),
            Method::Card => {
                let hint = if ctx.backends.smartcard == Backend::Simulated {
                    tr.f("login.card_simulated", &[("pin", &live::SIM_PIN)])
                } else {
                    tr.t("login.card_hint")
                };
                form.push(text(hint).size(theme::SMALL).style(theme::muted))
                    .push(text(tr.t("login.pin")).size(theme::BODY))
                    .push(input("login-pin", &self.pin, true, Message::Pin))
            }
        };
        let submit = button(text(tr.t("login.submit")).size(theme::BODY))
            .padding(theme::BUTTON_PADDING)
            .on_press_maybe((!self.busy).then_some(Message::Submit))
            .style(button::primary);
        form = form
            .push(self.error.as_ref().map(|e| {
                container(text(e.text(ctx.lang())).size(theme::BODY))
                    .padding(10)
                    .max_width(520)
                    .style(theme::banner(Tone::Bad))
            }))
            .push(
                row![submit]
                    .push(
                        self.busy
                            .then(|| text(tr.t("login.checking")).size(theme::BODY)),
                    )
                    .spacing(theme::GAP)
                    .align_y(Alignment::Center),
            )
            .push(
                text(tr.t("login.shortcuts"))
                    .size(theme::SMALL)
                    .style(theme::muted),
            );
        container(form).center(Length::Fill).into()
    }

    pub fn subscription(&self, _ctx: &Ctx) -> Subscription<Message> {
        Subscription::none()
    }

    pub fn guide(&self, ctx: &Ctx) -> crate::ui::applicant::Guide {
        super::welcome(ctx)
    }

    pub fn shortcut(&self, key: &Key, _modifiers: Modifiers) -> Option<Message> {
        match key {
            Key::Named(Named::Enter) => Some(Message::Submit),
            Key::Named(Named::F3) => Some(Message::Method(match self.method {
                Method::Password => Method::Card,
                Method::Card => Method::Password,
            })),
            _ => None,
        }
    }
}

/// Reads the officer card on a thread of its own (PC/SC calls block); the officer id on it.
async fn read_card(
    settings: crate::devices::DeviceSettings,
    backend: Backend,
    sim: Option<SimCard>,
    pin: String,
) -> Result<String, Failure> {
    crate::ui::db::off_thread("rekam-card-login", move || {
        live::officer_login(&settings, backend, sim.as_ref(), &pin)
            .map(|card| card.officer_id)
            .map_err(|e| {
                Failure::new(DeviceProblem {
                    class: DeviceClass::Smartcard,
                    detail: e.to_string(),
                })
            })
    })
    .await?
}

#[cfg(test)]
mod tests;
