//! Users (F11, supervisors): the station's users with their role, state and officer cards; a
//! supervisor adds a user, deactivates or activates one, unlocks an account, sets a temporary
//! password (to be changed at the next login), issues the PIV card in the reader to a user and
//! revokes a user's cards. The store checks the role again and audits every change; what it
//! refuses (the last active supervisor, a weak password, a card already issued) is said here in
//! the operator's language.
//!
//! Keys: Up and Down select a user, N adds one, A deactivates or activates, U unlocks, P sets a
//! temporary password, K issues a card, C revokes the user's cards; in a form Enter saves, Tab
//! moves on, F4 switches the new user's role and Esc cancels.

use iced::keyboard::{Key, Modifiers, key::Named};
use iced::widget::{Column, button, column, container, row, scrollable, text, text_input};
use iced::{Alignment, Element, Length, Subscription, Task};
use zeroize::Zeroizing;

use super::Action;
use crate::store::admin::UserRecord;
use crate::store::cards::CardRecord;
use crate::store::{NewUser, Role};
use crate::ui::ctx::Ctx;
use crate::ui::db::Failure;
use crate::ui::theme::{self, Tone};
use crate::ui::widget::{action, banner};

/// What one load brings: every user and every card ever issued.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    pub users: Vec<UserRecord>,
    pub cards: Vec<CardRecord>,
}

/// The form open below the list, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Form {
    Add {
        username: String,
        full_name: String,
        role: Role,
        password: Zeroizing<String>,
    },
    /// A temporary password for the selected user.
    Password(Zeroizing<String>),
    /// The PIN of the card in the reader, to issue it to the selected user.
    Card(Zeroizing<String>),
}

#[derive(Debug, Default)]
pub struct State {
    listing: Listing,
    selected: usize,
    form: Option<Form>,
    busy: bool,
    error: Option<Failure>,
    notice: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Message {
    Loaded(Result<Listing, Failure>),
    Select(usize),
    Move(i32),
    StartAdd,
    StartPassword,
    StartCard,
    ToggleActive,
    Unlock,
    Revoke,
    Username(String),
    FullName(String),
    ToggleRole,
    Secret(String),
    Submit,
    Cancel,
    /// A change was made; the notice to show.
    Done(Result<String, Failure>),
}

/// The widget ids of the form fields.
pub const USERNAME: &str = "users-username";
pub const FULL_NAME: &str = "users-full-name";
pub const SECRET: &str = "users-secret";

impl State {
    pub fn new(ctx: &Ctx) -> (State, Task<Message>) {
        let mut state = State::default();
        let task = state.load(ctx);
        (state, task)
    }

    fn load(&mut self, ctx: &Ctx) -> Task<Message> {
        self.busy = true;
        Task::perform(
            ctx.write(|store, _user| {
                Ok(Listing {
                    users: store.list_users().map_err(Failure::new)?,
                    cards: store.officer_cards(None).map_err(Failure::new)?,
                })
            }),
            Message::Loaded,
        )
    }

    fn user(&self) -> Option<&UserRecord> {
        self.listing.users.get(self.selected)
    }

    /// A change through the store as the logged-in supervisor, then the list again.
    fn change<F>(&mut self, ctx: &Ctx, f: F) -> Action<Message>
    where
        F: FnOnce(&mut crate::store::Store, &crate::store::User) -> Result<String, Failure>
            + Send
            + 'static,
    {
        self.busy = true;
        self.error = None;
        self.notice = None;
        Action::Run(Task::perform(ctx.write(f), Message::Done))
    }

    pub fn update(&mut self, message: Message, ctx: &Ctx) -> Action<Message> {
        let tr = ctx.tr;
        match message {
            Message::Loaded(Ok(listing)) => {
                self.busy = false;
                self.selected = self.selected.min(listing.users.len().saturating_sub(1));
                self.listing = listing;
            }
            Message::Loaded(Err(e)) => {
                self.busy = false;
                self.error = Some(e);
            }
            Message::Select(i) => {
                if i < self.listing.users.len() {
                    self.selected = i;
                    self.form = None;
                }
            }
            Message::Move(d) => {
                let n = self.listing.users.len();
                if n > 0 && self.form.is_none() {
                    self.selected =
                        (self.selected as i64 + i64::from(d)).clamp(0, n as i64 - 1) as usize;
                }
            }
            Message::StartAdd => {
                self.form = Some(Form::Add {
                    username: String::new(),
                    full_name: String::new(),
                    role: Role::Operator,
                    password: Zeroizing::new(String::new()),
                });
                return Action::Run(iced::widget::operation::focus(USERNAME));
            }
            Message::StartPassword if self.user().is_some() => {
                self.form = Some(Form::Password(Zeroizing::new(String::new())));
                return Action::Run(iced::widget::operation::focus(SECRET));
            }
            Message::StartCard if self.user().is_some() => {
                self.form = Some(Form::Card(Zeroizing::new(String::new())));
                return Action::Run(iced::widget::operation::focus(SECRET));
            }
            Message::StartPassword | Message::StartCard => {}
            Message::Username(v) => {
                if let Some(Form::Add { username, .. }) = &mut self.form {
                    *username = v;
                }
            }
            Message::FullName(v) => {
                if let Some(Form::Add { full_name, .. }) = &mut self.form {
                    *full_name = v;
                }
            }
            Message::ToggleRole => {
                if let Some(Form::Add { role, .. }) = &mut self.form {
                    *role = match role {
                        Role::Operator => Role::Supervisor,
                        Role::Supervisor => Role::Operator,
                    };
                }
            }
            Message::Secret(v) => match &mut self.form {
                Some(Form::Add { password, .. }) => *password = Zeroizing::new(v),
                Some(Form::Password(p) | Form::Card(p)) => *p = Zeroizing::new(v),
                None => {}
            },
            Message::Cancel => self.form = None,
            Message::ToggleActive => {
                let Some(u) = self.user().cloned() else {
                    return Action::None;
                };
                return self.change(ctx, move |store, by| {
                    if u.active {
                        store
                            .deactivate_user(by, &u.username)
                            .map_err(Failure::new)?;
                        Ok(format!("{}: {}", tr.t("users.deactivated"), u.username))
                    } else {
                        store.activate_user(by, &u.username).map_err(Failure::new)?;
                        Ok(format!("{}: {}", tr.t("users.activated"), u.username))
                    }
                });
            }
            Message::Unlock => {
                let Some(u) = self.user().cloned() else {
                    return Action::None;
                };
                return self.change(ctx, move |store, by| {
                    store.unlock_user(by, &u.username).map_err(Failure::new)?;
                    Ok(format!("{}: {}", tr.t("users.unlocked"), u.username))
                });
            }
            Message::Revoke => {
                let Some(u) = self.user().cloned() else {
                    return Action::None;
                };
                return self.change(ctx, move |store, by| {
                    let revoked = store
                        .revoke_card(by, &u.username, "")
                        .map_err(Failure::new)?;
                    Ok(tr.f(
                        "users.revoked",
                        &[("n", &revoked.len().to_string()), ("username", &u.username)],
                    ))
                });
            }
            Message::Submit => return self.submit(ctx),
            Message::Done(result) => {
                self.busy = false;
                match result {
                    Ok(notice) => {
                        self.form = None;
                        self.notice = Some(notice);
                    }
                    Err(e) => self.error = Some(e),
                }
                return Action::Run(self.load(ctx));
            }
        }
        Action::None
    }

    fn submit(&mut self, ctx: &Ctx) -> Action<Message> {
        let tr = ctx.tr;
        match self.form.clone() {
            None => Action::None,
            Some(Form::Add {
                username,
                full_name,
                role,
                password,
            }) => self.change(ctx, move |store, by| {
                let added = store
                    .add_user(
                        by,
                        &NewUser {
                            username: username.trim().to_owned(),
                            full_name: full_name.trim().to_owned(),
                            nip: None,
                            role,
                            password,
                        },
                    )
                    .map_err(Failure::new)?;
                Ok(format!("{}: {}", tr.t("users.added"), added.username))
            }),
            Some(Form::Password(password)) => {
                let Some(u) = self.user().cloned() else {
                    return Action::None;
                };
                self.change(ctx, move |store, by| {
                    store
                        .reset_password(by, &u.username, &password)
                        .map_err(Failure::new)?;
                    Ok(format!("{}: {}", tr.t("users.password_reset"), u.username))
                })
            }
            Some(Form::Card(pin)) => {
                let Some(u) = self.user().cloned() else {
                    return Action::None;
                };
                let (settings, backend) = (ctx.settings.clone(), ctx.backends.smartcard);
                let data_dir = ctx.paths.data_dir.clone();
                let Ok(db) = ctx.db().cloned() else {
                    return Action::None;
                };
                let Ok(by) = ctx.user() else {
                    return Action::None;
                };
                self.busy = true;
                self.error = None;
                self.notice = None;
                // The card is read on a thread of its own (PC/SC calls block), then issued in
                // the store.
                let username = u.username.clone();
                Action::Run(Task::perform(
                    async move {
                        let proof = crate::ui::db::off_thread("rekam-card-issue", move || {
                            crate::devices::live::card_to_issue(
                                &data_dir,
                                &settings,
                                backend,
                                &u.username,
                                &u.full_name,
                                &pin,
                            )
                            // The card's own error in the operator's language; anything
                            // else (the wallet file) as it is.
                            .map_err(|e| {
                                match e.downcast::<rekam_smartcard::SmartcardError>() {
                                    Ok(card) => Failure::new(card),
                                    Err(other) => Failure::other(format!("{other:#}")),
                                }
                            })
                        })
                        .await??;
                        db.call(move |store| {
                            let card = store.issue_card(&by, &username, &proof)?;
                            Ok(tr.f(
                                "users.issued",
                                &[
                                    ("username", &card.username),
                                    ("fingerprint", &card.short_fingerprint()),
                                ],
                            ))
                        })
                        .await
                    },
                    Message::Done,
                ))
            }
        }
    }

    pub fn view<'a>(&'a self, ctx: &'a Ctx) -> Element<'a, Message> {
        let tr = ctx.tr;
        let supervisor = ctx
            .user
            .as_ref()
            .is_some_and(|u| u.role == Role::Supervisor);
        let mut page = column![text(tr.t("users.title")).size(theme::TITLE)].spacing(theme::GAP);
        if !supervisor {
            return page
                .push(banner(Tone::Warning, tr.t("users.supervisor_only")))
                .into();
        }
        let mut list = Column::new().spacing(4);
        for (i, u) in self.listing.users.iter().enumerate() {
            let cards: Vec<String> = self
                .listing
                .cards
                .iter()
                .filter(|c| c.username == u.username && c.revoked_at.is_none())
                .map(CardRecord::short_fingerprint)
                .collect();
            let mut state = vec![if u.active {
                tr.t("users.active")
            } else {
                tr.t("users.inactive")
            }];
            if u.locked_until.is_some() {
                state.push(tr.t("users.locked"));
            }
            if u.must_change_password {
                state.push(tr.t("users.must_change"));
            }
            let role = match u.role {
                Role::Operator => tr.t("app.role_operator"),
                Role::Supervisor => tr.t("app.role_supervisor"),
            };
            let cards = if cards.is_empty() {
                tr.t("users.no_card")
            } else {
                tr.f("users.cards", &[("list", &cards.join(", "))])
            };
            let line = text(format!(
                "{}  ·  {}  ·  {}  ·  {}  ·  {}",
                u.username,
                u.full_name,
                role,
                state.join(", "),
                cards
            ))
            .size(theme::BODY);
            list = list.push(
                button(line)
                    .width(Length::Fill)
                    .padding(8)
                    .on_press(Message::Select(i))
                    .style(if i == self.selected {
                        button::primary
                    } else {
                        button::secondary
                    }),
            );
        }
        let idle = !self.busy && self.form.is_none();
        let selected = self.user();
        let toggle = match selected {
            Some(u) if !u.active => tr.t("users.activate"),
            _ => tr.t("users.deactivate"),
        };
        let actions = row![
            action(tr.t("users.add"), Message::StartAdd, button::primary, idle),
            action(
                toggle,
                Message::ToggleActive,
                button::secondary,
                idle && selected.is_some()
            ),
            action(
                tr.t("users.unlock"),
                Message::Unlock,
                button::secondary,
                idle && selected.is_some_and(|u| u.locked_until.is_some())
            ),
            action(
                tr.t("users.reset_password"),
                Message::StartPassword,
                button::secondary,
                idle && selected.is_some()
            ),
            action(
                tr.t("users.issue_card"),
                Message::StartCard,
                button::secondary,
                idle && selected.is_some_and(|u| u.active)
            ),
            action(
                tr.t("users.revoke_card"),
                Message::Revoke,
                button::secondary,
                idle && selected.is_some()
            ),
        ]
        .spacing(theme::GAP)
        .align_y(Alignment::Center);
        page = page
            .push(scrollable(list).height(Length::FillPortion(3)))
            .push(actions);
        if let Some(form) = &self.form {
            page = page.push(self.form_view(form, ctx));
        }
        page.push(self.notice.as_ref().map(|n| banner(Tone::Good, n.clone())))
            .push(
                self.error
                    .as_ref()
                    .map(|e| banner(Tone::Bad, e.text(ctx.lang()))),
            )
            .push(
                self.busy
                    .then(|| text(tr.t("users.working")).size(theme::SMALL)),
            )
            .push(
                text(tr.t("users.shortcuts"))
                    .size(theme::SMALL)
                    .style(theme::muted),
            )
            .into()
    }

    fn form_view<'a>(&'a self, form: &'a Form, ctx: &'a Ctx) -> Element<'a, Message> {
        let tr = ctx.tr;
        let field = |id: &'static str, value: &str, secure: bool, on: fn(String) -> Message| {
            text_input("", value)
                .id(id)
                .secure(secure)
                .on_input(on)
                .on_submit(Message::Submit)
                .size(theme::BODY)
                .padding(10)
                .width(Length::Fixed(420.0))
        };
        let who = self.user().map(|u| u.username.clone()).unwrap_or_default();
        let body: Element<'a, Message> = match form {
            Form::Add {
                username,
                full_name,
                role,
                password,
            } => {
                let role = match role {
                    Role::Operator => tr.t("app.role_operator"),
                    Role::Supervisor => tr.t("app.role_supervisor"),
                };
                column![
                    text(tr.t("users.new_user")).size(theme::HEADING),
                    text(tr.t("users.username")).size(theme::SMALL),
                    field(USERNAME, username, false, Message::Username),
                    text(tr.t("users.full_name")).size(theme::SMALL),
                    field(FULL_NAME, full_name, false, Message::FullName),
                    action(
                        tr.f("users.role", &[("role", &role)]),
                        Message::ToggleRole,
                        button::secondary,
                        true
                    ),
                    text(tr.t("users.first_password")).size(theme::SMALL),
                    field(SECRET, password, true, Message::Secret),
                ]
                .spacing(6)
                .into()
            }
            Form::Password(p) => column![
                text(tr.f("users.password_for", &[("username", &who)])).size(theme::HEADING),
                field(SECRET, p, true, Message::Secret),
            ]
            .spacing(6)
            .into(),
            Form::Card(pin) => column![
                text(tr.f("users.card_for", &[("username", &who)])).size(theme::HEADING),
                text(
                    if ctx.backends.smartcard == rekam_device::Backend::Simulated {
                        tr.t("users.card_simulated")
                    } else {
                        tr.t("users.card_hint")
                    }
                )
                .size(theme::SMALL)
                .style(theme::muted),
                field(SECRET, pin, true, Message::Secret),
            ]
            .spacing(6)
            .into(),
        };
        container(
            column![
                body,
                row![
                    action(
                        tr.t("users.save"),
                        Message::Submit,
                        button::primary,
                        !self.busy
                    ),
                    action(
                        tr.t("users.cancel"),
                        Message::Cancel,
                        button::secondary,
                        true
                    ),
                ]
                .spacing(theme::GAP)
            ]
            .spacing(theme::GAP),
        )
        .padding(12)
        .style(theme::panel)
        .into()
    }

    pub fn subscription(&self, _ctx: &Ctx) -> Subscription<Message> {
        Subscription::none()
    }

    pub fn shortcut(&self, key: &Key, modifiers: Modifiers) -> Option<Message> {
        if self.form.is_some() {
            return match key {
                Key::Named(Named::Escape) => Some(Message::Cancel),
                Key::Named(Named::F4) => Some(Message::ToggleRole),
                _ => None,
            };
        }
        if modifiers.control() || modifiers.alt() {
            return None;
        }
        match key {
            Key::Named(Named::ArrowUp) => Some(Message::Move(-1)),
            Key::Named(Named::ArrowDown) => Some(Message::Move(1)),
            Key::Character(c) => match c.as_str() {
                "n" | "N" => Some(Message::StartAdd),
                "a" | "A" => Some(Message::ToggleActive),
                "u" | "U" => Some(Message::Unlock),
                "p" | "P" => Some(Message::StartPassword),
                "k" | "K" => Some(Message::StartCard),
                "c" | "C" => Some(Message::Revoke),
                _ => None,
            },
            _ => None,
        }
    }

    pub fn guide(&self, ctx: &Ctx) -> crate::ui::applicant::Guide {
        super::welcome(ctx)
    }
}

#[cfg(test)]
mod tests;
