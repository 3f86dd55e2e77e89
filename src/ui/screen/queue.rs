//! Queue: issue tickets, call the next number (announced aloud in Bahasa Indonesia), recall,
//! skip an applicant who does not come, and see who waits and for how long. Requests left open
//! (a power cut, a logout, a crash) are listed to resume where they stopped.

use std::time::Duration;

use chrono::{DateTime, FixedOffset};
use iced::keyboard::{Key, Modifiers, key::Named};
use iced::widget::{button, column, container, row, scrollable, space, text};
use iced::{Alignment, Element, Length, Subscription, Task};

use super::{Action, Nav};
use crate::announce::{Announcer, announcement};
use crate::batch::Backlog;
use crate::lang::Localize;
use crate::store::disk::DiskSpace;
use crate::ui::ctx::Ctx;
use crate::ui::db::Failure;
use crate::ui::theme::{self, Tone};
use crate::ui::widget::banner;
use crate::workflow::RequestView;
use crate::workflow::queue::Ticket;

/// Why a called applicant's request was cancelled when skipped.
const SKIP_REASON: &str = "tidak hadir saat dipanggil";

#[derive(Debug)]
pub struct State {
    waiting: Vec<Ticket>,
    open: Vec<RequestView>,
    now: Option<DateTime<FixedOffset>>,
    /// Free space on the data disk against the floor (none when it cannot be read).
    disk: Option<DiskSpace>,
    /// Records waiting for export (loaded for supervisors only).
    backlog: Option<Backlog>,
    /// The request of the ticket just called (the applicant is on the way to the desk).
    called: Option<RequestView>,
    /// The ticket just issued, shown large until the next action.
    issued: Option<String>,
    /// Selected row in the list of open requests.
    selected: usize,
    busy: bool,
    error: Option<Failure>,
    /// Said when calling, if speech is unavailable.
    speech: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Snapshot {
    waiting: Vec<Ticket>,
    open: Vec<RequestView>,
    now: DateTime<FixedOffset>,
    disk: Option<DiskSpace>,
    backlog: Option<Backlog>,
}

#[derive(Debug, Clone)]
pub enum Message {
    Refresh,
    Loaded(Result<Snapshot, Failure>),
    Issue,
    Issued(Result<Ticket, Failure>),
    CallNext,
    Called(Result<Option<RequestView>, Failure>),
    Recall,
    Serve,
    Skip,
    Skipped(Result<(), Failure>),
    Select(usize),
    Resume(i64),
    Move(isize),
}

impl State {
    pub fn new(ctx: &Ctx) -> (State, Task<Message>) {
        let state = State {
            waiting: Vec::new(),
            open: Vec::new(),
            now: None,
            disk: None,
            backlog: None,
            called: None,
            issued: None,
            selected: 0,
            busy: false,
            error: None,
            speech: None,
        };
        (state, load(ctx))
    }

    pub fn update(&mut self, message: Message, ctx: &Ctx) -> Action<Message> {
        match message {
            Message::Refresh => return Action::Run(load(ctx)),
            Message::Loaded(Ok(s)) => {
                self.waiting = s.waiting;
                // The called request is listed on its own, not among those to resume.
                let called = self.called.as_ref().map(|r| r.id);
                self.open = s
                    .open
                    .into_iter()
                    .filter(|r| Some(r.id) != called)
                    .collect();
                self.now = Some(s.now);
                self.disk = s.disk;
                self.backlog = s.backlog;
                self.selected = self.selected.min(self.open.len().saturating_sub(1));
            }
            Message::Loaded(Err(e)) => self.error = Some(e),
            Message::Issue => return self.issue(ctx),
            Message::Issued(result) => {
                self.busy = false;
                match result {
                    Ok(ticket) => {
                        self.issued = Some(ticket.code);
                        return Action::Run(load(ctx));
                    }
                    Err(e) => self.error = Some(e),
                }
            }
            Message::CallNext => return self.call_next(ctx),
            Message::Called(result) => {
                self.busy = false;
                match result {
                    Ok(Some(request)) => {
                        self.announce(ctx, &request.ticket);
                        self.called = Some(request);
                        return Action::Run(load(ctx));
                    }
                    Ok(None) => self.error = Some(Failure::new(NobodyWaiting)),
                    Err(e) => self.error = Some(e),
                }
            }
            Message::Recall => {
                if let Some(ticket) = self.called.as_ref().map(|r| r.ticket.clone()) {
                    self.announce(ctx, &ticket);
                }
            }
            Message::Serve => {
                if let Some(request) = &self.called {
                    return Action::Go(Nav::Request(request.id));
                }
            }
            Message::Skip => return self.skip(ctx),
            Message::Skipped(result) => {
                self.busy = false;
                match result {
                    Ok(()) => {
                        self.called = None;
                        return Action::Run(load(ctx));
                    }
                    Err(e) => self.error = Some(e),
                }
            }
            Message::Select(i) => self.selected = i,
            Message::Move(by) => {
                let last = self.open.len().saturating_sub(1) as isize;
                self.selected = (self.selected as isize + by).clamp(0, last) as usize;
            }
            Message::Resume(id) => return Action::Go(Nav::Request(id)),
        }
        Action::None
    }

    fn issue(&mut self, ctx: &Ctx) -> Action<Message> {
        let Ok(db) = ctx.db() else {
            return Action::None;
        };
        self.error = None;
        Action::Run(Task::perform(
            db.call(|store| Ok(store.issue_ticket("A")?)),
            Message::Issued,
        ))
    }

    fn call_next(&mut self, ctx: &Ctx) -> Action<Message> {
        if self.busy {
            return Action::None;
        }
        if self.called.is_some() {
            // One applicant at a time: serve or skip the one called first.
            self.error = Some(Failure::new(StillCalled));
            return Action::None;
        }
        self.busy = true;
        self.error = None;
        self.issued = None;
        Action::Run(Task::perform(
            ctx.write(move |store, user| {
                let Some(id) = store.call_next(user)? else {
                    return Ok(None);
                };
                Ok(store.request(id)?)
            }),
            Message::Called,
        ))
    }

    fn skip(&mut self, ctx: &Ctx) -> Action<Message> {
        let (Some(request), Ok(db), Ok(user)) = (&self.called, ctx.db(), ctx.user()) else {
            return Action::None;
        };
        let id = request.id;
        self.busy = true;
        Action::Run(Task::perform(
            db.call(move |store| Ok(store.cancel(&user, id, SKIP_REASON)?)),
            Message::Skipped,
        ))
    }

    fn announce(&mut self, ctx: &Ctx, ticket: &str) {
        let kiosk = &ctx.settings.kiosk;
        let text = announcement(ticket, kiosk.desk, ctx.lang());
        self.speech = None;
        if kiosk.announce
            && let Err(e) = Announcer::detect().with_lang(ctx.lang()).speak(&text)
        {
            // No speech on this station: the operator calls aloud; say what to call.
            self.speech = Some(format!("{} — {}", e.localize(ctx.lang()), text));
        }
    }

    pub fn view<'a>(&'a self, ctx: &'a Ctx) -> Element<'a, Message> {
        let tr = ctx.tr;
        let action =
            |label: String,
             message: Option<Message>,
             style: fn(&iced::Theme, button::Status) -> button::Style| {
                button(text(label).size(theme::BODY))
                    .padding(theme::BUTTON_PADDING)
                    .height(theme::CONTROL_HEIGHT)
                    .on_press_maybe(message)
                    .style(style)
            };
        let idle = !self.busy;
        let called: Element<'a, Message> = match &self.called {
            Some(request) => column![
                text(tr.t("queue.now_serving")).size(theme::HEADING),
                text(&request.ticket).size(theme::HUGE),
                row![
                    action(
                        tr.t("queue.serve"),
                        idle.then_some(Message::Serve),
                        button::success
                    ),
                    action(
                        tr.t("queue.recall"),
                        idle.then_some(Message::Recall),
                        button::secondary
                    ),
                    action(
                        tr.t("queue.skip"),
                        idle.then_some(Message::Skip),
                        button::danger
                    ),
                ]
                .spacing(theme::GAP),
            ]
            .spacing(theme::GAP)
            .into(),
            None => column![
                text(tr.t("queue.nobody_called")).size(theme::HEADING),
                action(
                    tr.t("queue.call_next"),
                    (idle && !self.waiting.is_empty()).then_some(Message::CallNext),
                    button::primary
                ),
            ]
            .spacing(theme::GAP)
            .into(),
        };
        let waiting = column(self.waiting.iter().map(|t| {
            let minutes = self
                .now
                .zip(DateTime::parse_from_rfc3339(&t.issued_at).ok())
                .map(|(now, at)| (now - at).num_minutes().max(0))
                .unwrap_or(0);
            row![
                text(&t.code)
                    .size(theme::HEADING)
                    .width(Length::Fixed(110.0)),
                text(tr.f("queue.waiting_for", &[("minutes", &minutes)])).size(theme::BODY),
            ]
            .align_y(Alignment::Center)
            .into()
        }))
        .spacing(6);
        let open = column(self.open.iter().enumerate().map(|(i, r)| {
            let who = r.full_name.clone().unwrap_or_default();
            button(
                row![
                    text(&r.ticket).size(theme::BODY).width(Length::Fixed(90.0)),
                    text(who).size(theme::BODY).width(Length::Fill),
                    text(r.step.localize(tr.lang())).size(theme::SMALL),
                ]
                .spacing(theme::GAP)
                .align_y(Alignment::Center),
            )
            .on_press(Message::Resume(r.id))
            .padding([10, 12])
            .width(Length::Fill)
            .style(theme::row_button(i == self.selected))
            .into()
        }))
        .spacing(6);
        let left = column![
            container(called)
                .padding(theme::GAP)
                .width(Length::Fill)
                .style(theme::panel),
            row![
                action(tr.t("queue.issue"), Some(Message::Issue), button::secondary),
                text(
                    self.issued
                        .as_ref()
                        .map(|code| tr.f("queue.issued", &[("ticket", code)]))
                        .unwrap_or_default()
                )
                .size(theme::HEADING),
            ]
            .spacing(theme::GAP)
            .align_y(Alignment::Center),
            text(tr.f("queue.waiting_count", &[("count", &self.waiting.len())]))
                .size(theme::HEADING),
            scrollable(waiting).height(Length::Fill),
        ]
        .spacing(theme::GAP)
        .width(Length::FillPortion(1));
        let right = column![
            text(tr.t("queue.open_requests")).size(theme::HEADING),
            if self.open.is_empty() {
                Element::from(
                    text(tr.t("queue.none_open"))
                        .size(theme::BODY)
                        .style(theme::muted),
                )
            } else {
                scrollable(open).height(Length::Fill).into()
            },
        ]
        .spacing(theme::GAP)
        .width(Length::FillPortion(1));
        let mut page = column![text(tr.t("queue.title")).size(theme::TITLE)].spacing(theme::GAP);
        if let Some(warning) = self.disk_banner(ctx) {
            page = page.push(warning);
        }
        if let Some(warning) = self
            .backlog
            .as_ref()
            .and_then(|b| super::close::backlog_banner(b, ctx))
        {
            page = page.push(warning);
        }
        if let Some(e) = &self.error {
            page = page.push(banner(Tone::Bad, e.text(ctx.lang())));
        }
        if let Some(s) = &self.speech {
            page = page.push(banner(Tone::Warning, s.clone()));
        }
        page.push(
            row![left, right]
                .spacing(theme::GAP * 2.0)
                .height(Length::Fill),
        )
        .push(row![
            space::horizontal(),
            text(tr.t("queue.keys"))
                .size(theme::SMALL)
                .style(theme::muted)
        ])
        .into()
    }

    /// Warns before new recordings are refused (under twice the floor), and says they are once
    /// under the floor.
    fn disk_banner<'a>(&self, ctx: &Ctx) -> Option<Element<'a, Message>> {
        let d = self.disk?;
        let args: [(&str, &dyn std::fmt::Display); 2] =
            [("free", &d.free_mb), ("floor", &d.floor_mb)];
        if d.below_floor() {
            Some(banner(Tone::Bad, ctx.tr.f("queue.disk_below", &args)))
        } else if d.near_floor() {
            Some(banner(Tone::Warning, ctx.tr.f("queue.disk_near", &args)))
        } else {
            None
        }
    }

    pub fn subscription(&self, _ctx: &Ctx) -> Subscription<Message> {
        // Tickets are issued at another desk too: keep the list and the waiting times fresh.
        iced::time::every(Duration::from_secs(5)).map(|_| Message::Refresh)
    }

    /// The applicant's screen: the number called and the desk, or the welcome.
    pub fn guide(&self, ctx: &Ctx) -> crate::ui::applicant::Guide {
        use crate::ui::applicant::{Guide, Show};
        match self.called_ticket() {
            Some(ticket) => Guide::new(
                ctx.tr
                    .f("applicant.called", &[("desk", &ctx.settings.kiosk.desk)]),
            )
            .show(Show::Ticket(ticket.to_owned())),
            None => super::welcome(ctx),
        }
    }

    pub fn shortcut(&self, key: &Key, _modifiers: Modifiers) -> Option<Message> {
        match key.as_ref() {
            Key::Named(Named::Space) if self.called.is_none() => Some(Message::CallNext),
            Key::Named(Named::Enter) if self.called.is_some() => Some(Message::Serve),
            Key::Named(Named::Enter) => self.open.get(self.selected).map(|r| Message::Resume(r.id)),
            Key::Named(Named::ArrowDown) => Some(Message::Move(1)),
            Key::Named(Named::ArrowUp) => Some(Message::Move(-1)),
            Key::Character("u") => Some(Message::Recall),
            Key::Character("l") => Some(Message::Skip),
            Key::Character("t") => Some(Message::Issue),
            _ => None,
        }
    }

    /// The ticket now being called, for the applicant's screen.
    pub fn called_ticket(&self) -> Option<&str> {
        self.called.as_ref().map(|r| r.ticket.as_str())
    }
}

fn load(ctx: &Ctx) -> Task<Message> {
    let Ok(db) = ctx.db() else {
        return Task::none();
    };
    let supervisor = ctx
        .user
        .as_ref()
        .is_some_and(|u| u.role == crate::store::Role::Supervisor);
    Task::perform(
        db.call(move |store| {
            Ok(Snapshot {
                waiting: store.waiting_tickets()?,
                open: store.open_requests()?,
                now: store.clock().now(),
                // Only a warning: a failing statvfs must not hide the queue.
                disk: store.disk_space().ok(),
                // The supervisor is reminded of records waiting too long for export.
                backlog: if supervisor {
                    store.export_backlog().ok()
                } else {
                    None
                },
            })
        }),
        Message::Loaded,
    )
}

#[derive(Debug)]
struct NobodyWaiting;

impl Localize for NobodyWaiting {
    fn localize(&self, lang: crate::Lang) -> String {
        lang.pick("Tidak ada antrean yang menunggu.", "Nobody is waiting.")
            .to_owned()
    }
}

#[derive(Debug)]
struct StillCalled;

impl Localize for StillCalled {
    fn localize(&self, lang: crate::Lang) -> String {
        lang.pick(
            "Layani atau lewati dulu nomor yang sedang dipanggil.",
            "First serve or skip the number being called.",
        )
        .to_owned()
    }
}

#[cfg(test)]
mod tests;
