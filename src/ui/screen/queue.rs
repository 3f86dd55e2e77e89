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
mod tests {
    use super::*;
    use crate::ui::screen::testing::{Fixture, run, settle, simulator};
    use crate::workflow::Step;

    fn opened(f: &Fixture) -> State {
        let (mut state, task) = State::new(&f.ctx);
        for m in run(task) {
            state.update(m, &f.ctx);
        }
        state
    }

    fn quiet(f: &mut Fixture) {
        // No speech in tests.
        f.ctx.settings.kiosk.announce = false;
    }

    #[test]
    fn the_supervisor_is_reminded_of_records_waiting_too_long_for_export() {
        let mut f = Fixture::new();
        quiet(&mut f);
        f.request_at(1, Step::Recorded);
        f.clock.advance(chrono::Duration::hours(30));
        let reminder =
            "1 rekaman menunggu ekspor sejak 20-11-2026 (30 jam). Tutup hari dan ekspor batch.";
        // The operator is not the one to export.
        let state = opened(&f);
        let mut ui = simulator(state.view(&f.ctx));
        assert!(ui.find(reminder).is_err());
        drop(ui);
        f.ctx.user = Some(f.supervisor.clone());
        let state = opened(&f);
        let mut ui = simulator(state.view(&f.ctx));
        assert!(ui.find(reminder).is_ok(), "{reminder}");
        drop(ui);
        // Within the configured wait: no reminder.
        f.ctx.settings.export.warn_after_hours = 48;
        let state = opened(&f);
        let mut ui = simulator(state.view(&f.ctx));
        assert!(ui.find(reminder).is_err());
    }

    #[test]
    fn issue_call_serve_and_skip() {
        let mut f = Fixture::new();
        quiet(&mut f);
        let mut state = opened(&f);
        assert!(state.waiting.is_empty());
        settle(&mut state, Message::Issue, &f.ctx, State::update);
        settle(&mut state, Message::Issue, &f.ctx, State::update);
        assert_eq!(state.issued.as_deref(), Some("A-002"));
        assert_eq!(state.waiting.len(), 2);

        settle(&mut state, Message::CallNext, &f.ctx, State::update);
        let called = state.called.clone().expect("a ticket is called");
        assert_eq!(called.ticket, "A-001");
        assert_eq!(called.step, Step::TicketCalled);
        assert_eq!(state.waiting.len(), 1);
        // Calling again before serving is refused with a message.
        settle(&mut state, Message::CallNext, &f.ctx, State::update);
        assert!(state.error.is_some());

        // The applicant does not come: skipped, the request is cancelled with the reason.
        settle(&mut state, Message::Skip, &f.ctx, State::update);
        assert!(state.called.is_none());
        let id = called.id;
        let request = f.store(move |s| Ok(s.request(id)?)).expect("request");
        assert_eq!(request.step, Step::Cancelled);
        assert_eq!(request.outcome_reason.as_deref(), Some(SKIP_REASON));

        settle(&mut state, Message::CallNext, &f.ctx, State::update);
        match settle(&mut state, Message::Serve, &f.ctx, State::update) {
            Some(Nav::Request(id)) => assert_eq!(Some(id), state.called.as_ref().map(|r| r.id)),
            other => panic!("expected to open the request, got {other:?}"),
        }
        // Nobody left: said so.
        state.called = None;
        settle(&mut state, Message::CallNext, &f.ctx, State::update);
        let shown = state.error.as_ref().map(|e| e.text(crate::Lang::Id));
        assert_eq!(shown.as_deref(), Some("Tidak ada antrean yang menunggu."));
    }

    #[test]
    fn unfinished_requests_are_listed_to_resume() {
        let mut f = Fixture::new();
        quiet(&mut f);
        let face = f.request_at(1, Step::Face);
        let mut state = opened(&f);
        assert_eq!(
            state.open.iter().map(|r| r.id).collect::<Vec<_>>(),
            vec![face.id]
        );
        let resume = state.shortcut(&Key::Named(Named::Enter), Modifiers::empty());
        assert!(matches!(resume, Some(Message::Resume(id)) if id == face.id));
        assert!(matches!(
            settle(&mut state, Message::Resume(face.id), &f.ctx, State::update),
            Some(Nav::Request(id)) if id == face.id
        ));
    }

    #[test]
    fn the_view_calls_by_its_button_and_shows_the_waiting() {
        let mut f = Fixture::new();
        quiet(&mut f);
        let mut state = opened(&f);
        settle(&mut state, Message::Issue, &f.ctx, State::update);
        let mut ui = simulator(state.view(&f.ctx));
        assert!(ui.find("A-001").is_ok());
        assert!(ui.find("Menunggu: 1").is_ok());
        ui.click("Panggil berikutnya [Spasi]").expect("call button");
        assert!(matches!(ui.into_messages().next(), Some(Message::CallNext)));
        settle(&mut state, Message::CallNext, &f.ctx, State::update);
        let mut ui = simulator(state.view(&f.ctx));
        assert!(ui.find("Sedang dipanggil").is_ok());
        ui.click("Lewati, tidak hadir [L]").expect("skip button");
        assert!(matches!(ui.into_messages().next(), Some(Message::Skip)));
    }

    #[test]
    fn the_disk_is_warned_about_before_recordings_are_refused() {
        let mut f = Fixture::new();
        quiet(&mut f);
        let free = f.store(|s| Ok(s.disk_space()?.free_mb));
        // Between the floor and twice the floor: a warning, calling still works.
        f.store(move |s| {
            s.set_disk_floor_mb(free * 2 / 3);
            Ok(())
        });
        let mut state = opened(&f);
        let d = state.disk.expect("disk space");
        assert!(d.near_floor() && !d.below_floor(), "{d:?}");
        let warning = format!(
            "Ruang disk tinggal {} MB; di bawah {} MB perekaman baru ditolak. Minta supervisor mengekspor dan mengirim batch.",
            d.free_mb, d.floor_mb
        );
        let mut ui = simulator(state.view(&f.ctx));
        assert!(ui.find(warning.as_str()).is_ok(), "{warning}");
        drop(ui);

        // Under the floor: said so, and calling is refused in words.
        f.store(|s| {
            s.set_disk_floor_mb(u64::MAX / 4);
            Ok(())
        });
        settle(&mut state, Message::Issue, &f.ctx, State::update);
        let d = state.disk.expect("disk space");
        assert!(d.below_floor());
        settle(&mut state, Message::CallNext, &f.ctx, State::update);
        assert!(state.called.is_none());
        let refused = state.error.as_ref().map(|e| e.text(crate::Lang::Id));
        assert!(
            refused.as_deref().is_some_and(
                |t| t.starts_with("Ruang disk tinggal") && t.contains("perekaman baru ditolak")
            ),
            "{refused:?}"
        );
        let mut ui = simulator(state.view(&f.ctx));
        let below = format!(
            "Ruang disk tinggal {} MB, di bawah batas {} MB: nomor baru tidak dapat dipanggil dan perekaman baru ditolak. Minta supervisor mengekspor dan mengirim batch; perekaman yang sudah berjalan tetap dapat diselesaikan.",
            d.free_mb, d.floor_mb
        );
        assert!(ui.find(below.as_str()).is_ok(), "{below}");
        assert!(ui.find(warning.as_str()).is_err(), "the warning gave way");
    }
}
