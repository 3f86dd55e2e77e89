//! Login: an operator or a supervisor, by username and password, or by officer card and PIN.
//! Repeated wrong passwords lock the account (the store counts them); a wrong PIN counts on the
//! card, which blocks itself. A password a supervisor set (a new account, a reset) must be
//! changed before the kiosk opens. Passwords and PINs are wiped from memory once used.

use iced::keyboard::{Key, Modifiers, key::Named};
use iced::widget::{button, column, container, row, text, text_input};
use iced::{Alignment, Element, Length, Subscription, Task};
use rekam_device::Backend;

use super::{Action, Nav};
use crate::devices::live::{self, SimCard};
use crate::store::User;
use crate::ui::ctx::Ctx;
use crate::ui::db::Failure;
use crate::ui::theme::{self, Tone};
use zeroize::Zeroizing;

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
    password: Zeroizing<String>,
    pin: Zeroizing<String>,
    /// The password must be changed first: the new one, twice.
    changing: bool,
    new_password: Zeroizing<String>,
    repeat: Zeroizing<String>,
    busy: bool,
    error: Option<Failure>,
}

/// The two new passwords differ.
#[derive(Debug)]
struct Mismatch;

impl crate::lang::Localize for Mismatch {
    fn localize(&self, lang: crate::lang::Lang) -> String {
        lang.pick(
            "Kedua kata sandi baru tidak sama.",
            "The two new passwords are not the same.",
        )
        .to_owned()
    }
}

#[derive(Debug, Clone)]
pub enum Message {
    Method(Method),
    Username(String),
    Password(String),
    Pin(String),
    NewPassword(String),
    Repeat(String),
    Submit,
    /// A password login: the user, and whether their password must be changed first.
    Checked(Result<(User, bool), Failure>),
    /// The new password was set (then logged in), or refused (asked again).
    Changed(Result<User, Failure>),
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
            Message::Password(v) => self.password = Zeroizing::new(v),
            Message::Pin(v) => {
                self.pin = Zeroizing::new(v.chars().filter(char::is_ascii_digit).take(12).collect())
            }
            Message::NewPassword(v) => self.new_password = Zeroizing::new(v),
            Message::Repeat(v) => self.repeat = Zeroizing::new(v),
            Message::Submit if self.changing => return self.change(ctx),
            Message::Submit => return self.submit(ctx),
            Message::Checked(Ok((user, false))) => {
                return self.update(Message::Done(Ok(user)), ctx);
            }
            Message::Checked(Ok((_, true))) => {
                // Kept (wiped on drop) until the new one is set: the change checks it again.
                self.busy = false;
                self.changing = true;
                return Action::Run(iced::widget::operation::focus("login-new-password"));
            }
            Message::Checked(Err(e)) => return self.update(Message::Done(Err(e)), ctx),
            Message::Changed(Ok(user)) => return self.update(Message::Done(Ok(user)), ctx),
            Message::Changed(Err(e)) => {
                // Refused (the policy, usually): the same form again, without what was typed.
                self.busy = false;
                self.new_password = Zeroizing::default();
                self.repeat = Zeroizing::default();
                self.error = Some(e);
            }
            Message::Done(Ok(user)) => {
                self.busy = false;
                self.forget();
                return Action::Go(Nav::LoggedIn(user));
            }
            Message::Done(Err(e)) => {
                self.busy = false;
                self.forget();
                self.error = Some(e);
            }
        }
        Action::None
    }

    /// Wipes every secret typed.
    fn forget(&mut self) {
        self.password = Zeroizing::default();
        self.pin = Zeroizing::default();
        self.new_password = Zeroizing::default();
        self.repeat = Zeroizing::default();
        self.changing = false;
    }

    /// Sets the new password (the one a supervisor set is checked once more), then logs in.
    fn change(&mut self, ctx: &Ctx) -> Action<Message> {
        if self.busy {
            return Action::None;
        }
        if *self.new_password != *self.repeat {
            self.error = Some(Failure::new(Mismatch));
            self.new_password = Zeroizing::default();
            self.repeat = Zeroizing::default();
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
        let (username, current, new) = (
            self.username.clone(),
            self.password.clone(),
            self.new_password.clone(),
        );
        Action::Run(Task::perform(
            db.call(move |store| Ok(store.change_password(&username, &current, &new)?)),
            Message::Changed,
        ))
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
                    db.call(move |store| {
                        let user = store.authenticate(&username, &password)?;
                        let change = store.must_change_password(&user)?;
                        Ok((user, change))
                    }),
                    Message::Checked,
                ))
            }
            Method::Card => {
                let settings = ctx.settings.clone();
                let backend = ctx.backends.smartcard;
                // A training station's simulated reader holds the card issued to the username
                // typed in, from its wallet (none: the reader is empty).
                let sim = (backend == Backend::Simulated)
                    .then(|| SimCard::officer_of(&ctx.paths.data_dir, &self.username))
                    .flatten();
                let pin = self.pin.clone();
                Action::Run(Task::perform(
                    async move {
                        let proof = read_card(settings, backend, sim, pin).await?;
                        db.call(move |store| Ok(store.authenticate_card(&proof)?))
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
            Method::Password if self.changing => form
                .push(
                    container(text(tr.t("login.must_change")).size(theme::BODY))
                        .padding(10)
                        .max_width(520)
                        .style(theme::banner(Tone::Info)),
                )
                .push(text(tr.t("login.new_password")).size(theme::BODY))
                .push(input(
                    "login-new-password",
                    &self.new_password,
                    true,
                    Message::NewPassword,
                ))
                .push(text(tr.t("login.repeat")).size(theme::BODY))
                .push(input("login-repeat", &self.repeat, true, Message::Repeat)),
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

/// Logs in with the officer card on a thread of its own (PC/SC calls block): the card's proof.
async fn read_card(
    settings: crate::devices::DeviceSettings,
    backend: Backend,
    sim: Option<SimCard>,
    pin: Zeroizing<String>,
) -> Result<rekam_smartcard::LoginProof, Failure> {
    crate::ui::db::off_thread("rekam-card-login", move || {
        // The card's own error, said in the operator's language (devices::card_text).
        live::officer_login(&settings, backend, sim.as_ref(), &pin).map_err(Failure::new)
    })
    .await?
}

#[cfg(test)]
mod tests;
