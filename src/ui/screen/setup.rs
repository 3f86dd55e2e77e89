//! First start: the station's kecamatan and id, the first supervisor account, and the data key
//! (created in the key file outside the data directory; its place is shown so that it can be
//! backed up).

use std::sync::Arc;

use iced::keyboard::{Key, Modifiers, key::Named};
use iced::widget::{button, column, container, row, scrollable, text, text_input};
use iced::{Alignment, Element, Length, Task};
use zeroize::Zeroizing;

use super::{Action, Nav};
use crate::domain::{StationMode, region};
use crate::store::{NewUser, Role, StationSetup, Store, SystemClock};
use crate::ui::ctx::Ctx;
use crate::ui::db::Failure;
use crate::ui::i18n::tk;
use crate::ui::theme::{self, Tone};

#[derive(Debug)]
pub struct State {
    /// Training until production is chosen explicitly: a newcomer's first start can try
    /// everything with the simulators.
    mode: StationMode,
    kecamatan: String,
    station: String,
    username: String,
    full_name: String,
    password: String,
    confirm: String,
    busy: bool,
    error: Option<Failure>,
}

#[derive(Debug, Clone)]
pub enum Message {
    Mode(StationMode),
    Kecamatan(String),
    Station(String),
    Username(String),
    FullName(String),
    Password(String),
    Confirm(String),
    Submit,
    Done(Result<(), Failure>),
}

/// The setup failed because the two passwords differ.
#[derive(Debug)]
struct Mismatch;

impl crate::lang::Localize for Mismatch {
    fn localize(&self, lang: crate::lang::Lang) -> String {
        lang.pick(
            "Kedua kata sandi tidak sama.",
            "The two passwords are not the same.",
        )
        .to_owned()
    }
}

impl State {
    pub fn new(_ctx: &Ctx) -> State {
        State {
            mode: StationMode::Training,
            kecamatan: String::new(),
            station: "01".into(),
            username: String::new(),
            full_name: String::new(),
            password: String::new(),
            confirm: String::new(),
            busy: false,
            error: None,
        }
    }

    pub fn update(&mut self, message: Message, ctx: &Ctx) -> Action<Message> {
        match message {
            Message::Mode(mode) => self.mode = mode,
            Message::Kecamatan(v) => {
                self.kecamatan = v.chars().filter(char::is_ascii_digit).take(6).collect()
            }
            Message::Station(v) => self.station = v.to_ascii_uppercase(),
            Message::Username(v) => self.username = v,
            Message::FullName(v) => self.full_name = v,
            Message::Password(v) => self.password = v,
            Message::Confirm(v) => self.confirm = v,
            Message::Submit => return self.submit(ctx),
            Message::Done(Ok(())) => return Action::Go(Nav::SetUp),
            Message::Done(Err(e)) => {
                self.busy = false;
                self.error = Some(e);
            }
        }
        Action::None
    }

    fn submit(&mut self, ctx: &Ctx) -> Action<Message> {
        if self.busy {
            return Action::None;
        }
        if self.password != self.confirm {
            self.error = Some(Failure::new(Mismatch));
            return Action::None;
        }
        self.busy = true;
        self.error = None;
        let setup = StationSetup {
            kecamatan_code: self.kecamatan.clone(),
            station_id: self.station.trim().to_owned(),
            mode: self.mode,
            supervisor: NewUser {
                username: self.username.trim().to_owned(),
                full_name: self.full_name.trim().to_owned(),
                nip: None,
                role: Role::Supervisor,
                password: Zeroizing::new(self.password.clone()),
            },
        };
        let paths = ctx.paths.clone();
        // Setup hashes a password and creates files: off the UI thread.
        Action::Run(Task::perform(
            async move {
                crate::ui::db::off_thread("rekam-setup", move || {
                    std::fs::create_dir_all(&paths.data_dir)
                        .map_err(Failure::other)
                        .and_then(|()| {
                            let mut store = Store::setup(&paths, &setup, Arc::new(SystemClock))
                                .map_err(Failure::new)?;
                            crate::devices::wallet::issue_first_card(&mut store)
                                .map_err(Failure::other)
                        })
                })
                .await?
            },
            Message::Done,
        ))
    }

    pub fn view<'a>(&'a self, ctx: &'a Ctx) -> Element<'a, Message> {
        let tr = ctx.tr;
        let field = |label: String, id: &'static str, value: &str, on: fn(String) -> Message| {
            column![
                text(label).size(theme::BODY),
                text_input("", value)
                    .id(id)
                    .on_input(on)
                    .on_submit(Message::Submit)
                    .size(theme::BODY)
                    .padding(10),
            ]
            .spacing(4)
        };
        let kecamatan_name = region::lookup_checked(&self.kecamatan)
            .map(|r| {
                tr.f(
                    "setup.kecamatan_found",
                    &[("kecamatan", &r.kecamatan), ("regency", &r.regency)],
                )
            })
            .unwrap_or_else(|| tr.t("setup.kecamatan_hint"));
        let secret = |label: String, id: &'static str, value: &str, on: fn(String) -> Message| {
            column![
                text(label).size(theme::BODY),
                text_input("", value)
                    .id(id)
                    .secure(true)
                    .on_input(on)
                    .on_submit(Message::Submit)
                    .size(theme::BODY)
                    .padding(10),
            ]
            .spacing(4)
        };
        let submit = button(text(tr.t("setup.submit")).size(theme::BODY))
            .padding(theme::BUTTON_PADDING)
            .on_press_maybe((!self.busy).then_some(Message::Submit))
            .style(button::primary);
        let choice = |mode: StationMode, key: &'static str| {
            let chosen = self.mode == mode;
            button(text(tr.t(key)).size(theme::BODY))
                .padding(theme::BUTTON_PADDING)
                .on_press(Message::Mode(mode))
                .style(if chosen {
                    button::primary
                } else {
                    button::secondary
                })
        };
        let mode_hint = match self.mode {
            StationMode::Training => tr.t("setup.mode_training_hint"),
            StationMode::Production => tr.t("setup.mode_production_hint"),
        };
        let form = column![
            text(tr.t("setup.title")).size(theme::TITLE),
            text(tr.t("setup.intro")).size(theme::BODY),
            text(tr.t("setup.mode")).size(theme::HEADING),
            row![
                choice(StationMode::Training, tk("setup.mode_training")),
                choice(StationMode::Production, tk("setup.mode_production")),
            ]
            .spacing(theme::GAP),
            text(mode_hint).size(theme::SMALL).style(theme::muted),
            row![
                field(
                    tr.t("setup.kecamatan"),
                    "setup-kecamatan",
                    &self.kecamatan,
                    Message::Kecamatan
                ),
                field(
                    tr.t("setup.station"),
                    "setup-station",
                    &self.station,
                    Message::Station
                ),
            ]
            .spacing(theme::GAP),
            text(kecamatan_name).size(theme::SMALL).style(theme::muted),
            text(tr.t("setup.supervisor")).size(theme::HEADING),
            row![
                field(
                    tr.t("setup.username"),
                    "setup-username",
                    &self.username,
                    Message::Username
                ),
                field(
                    tr.t("setup.full_name"),
                    "setup-name",
                    &self.full_name,
                    Message::FullName
                ),
            ]
            .spacing(theme::GAP),
            row![
                secret(
                    tr.t("setup.password"),
                    "setup-password",
                    &self.password,
                    Message::Password
                ),
                secret(
                    tr.t("setup.confirm"),
                    "setup-confirm",
                    &self.confirm,
                    Message::Confirm
                ),
            ]
            .spacing(theme::GAP),
            text(tr.f("setup.key_file", &[("path", &ctx.paths.key_file.display())]))
                .size(theme::SMALL)
                .style(theme::muted),
        ]
        .push(self.error.as_ref().map(|e| {
            container(text(e.text(ctx.lang())).size(theme::BODY))
                .padding(10)
                .style(theme::banner(Tone::Bad))
        }))
        .push(
            row![submit]
                .push(
                    self.busy
                        .then(|| text(tr.t("setup.working")).size(theme::BODY)),
                )
                .spacing(theme::GAP)
                .align_y(Alignment::Center),
        )
        .spacing(theme::GAP)
        .max_width(900);
        // Scrolls rather than cutting the form (with the submit button) off a small display.
        scrollable(container(form).center_x(Length::Fill)).into()
    }

    pub fn subscription(&self, _ctx: &Ctx) -> iced::Subscription<Message> {
        iced::Subscription::none()
    }

    pub fn guide(&self, ctx: &Ctx) -> crate::ui::applicant::Guide {
        super::welcome(ctx)
    }

    pub fn shortcut(&self, key: &Key, _modifiers: Modifiers) -> Option<Message> {
        match key {
            Key::Named(Named::Enter) => Some(Message::Submit),
            Key::Named(Named::F3) => Some(Message::Mode(StationMode::Training)),
            Key::Named(Named::F4) => Some(Message::Mode(StationMode::Production)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests;
