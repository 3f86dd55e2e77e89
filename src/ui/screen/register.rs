//! The register book of the day (buku register), searchable as you type, and for supervisors
//! the day view: how many were served, returned, cancelled, deferred, are in progress or still
//! wait, and the time per SOP step against its standard, late steps highlighted.
//!
//! Keys: type to search (the box has the focus on open; Esc leaves it, / returns to it), Up and
//! Down select, Enter opens a request that is still open, D toggles the day view (supervisors),
//! R reloads.

use std::time::Duration;

use chrono::NaiveDate;
use iced::keyboard::{Key, Modifiers, key::Named};
use iced::widget::{Column, button, column, container, row, scrollable, space, text, text_input};
use iced::{Alignment, Element, Length, Subscription, Task};

use super::{Action, Nav};
use crate::lang::Localize;
use crate::store::Role;
use crate::ui::ctx::Ctx;
use crate::ui::db::Failure;
use crate::ui::i18n::tk;
use crate::ui::theme::{self, Tone};
use crate::ui::widget::banner;
use crate::workflow::day::{DaySummary, RegisterRow, StepStats};

/// The search box's widget id.
pub const SEARCH: &str = "register-search";

/// What one load brings.
#[derive(Debug, Clone)]
pub struct Day {
    pub date: NaiveDate,
    pub rows: Vec<RegisterRow>,
    /// Only loaded for supervisors.
    pub summary: Option<DaySummary>,
}

#[derive(Debug, Default)]
pub struct State {
    day: Option<Day>,
    loading: bool,
    error: Option<Failure>,
    search: String,
    /// The selected request, by id (it stays selected while the search narrows the list).
    selected: Option<i64>,
    day_view: bool,
    /// Said when Enter was pressed on a request that is finished.
    notice: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Message {
    Loaded(Result<Day, Failure>),
    Search(String),
    Select(i64),
    /// Up (-1) or down (+1) in the visible list.
    Move(i32),
    Open,
    ToggleDay,
    Refresh,
    FocusSearch,
    /// To the close of the day (supervisors, from the day view).
    CloseDay,
}

impl State {
    pub fn new(ctx: &Ctx) -> (State, Task<Message>) {
        let mut state = State::default();
        let load = state.load(ctx);
        (
            state,
            Task::batch([load, iced::widget::operation::focus(SEARCH)]),
        )
    }

    fn is_supervisor(ctx: &Ctx) -> bool {
        ctx.user
            .as_ref()
            .is_some_and(|u| u.role == Role::Supervisor)
    }

    fn load(&mut self, ctx: &Ctx) -> Task<Message> {
        let db = match ctx.db() {
            Ok(db) => db,
            Err(e) => {
                self.error = Some(e);
                return Task::none();
            }
        };
        self.loading = true;
        let supervisor = State::is_supervisor(ctx);
        Task::perform(
            db.call(move |store| {
                let date = store.today();
                Ok(Day {
                    date,
                    rows: store.day_register(date)?,
                    summary: if supervisor {
                        Some(store.day_summary(date)?)
                    } else {
                        None
                    },
                })
            }),
            Message::Loaded,
        )
    }

    pub fn update(&mut self, message: Message, ctx: &Ctx) -> Action<Message> {
        match message {
            Message::Loaded(Ok(day)) => {
                self.loading = false;
                self.error = None;
                self.day = Some(day);
                self.keep_selection_visible();
            }
            Message::Loaded(Err(e)) => {
                self.loading = false;
                self.error = Some(e);
            }
            Message::Search(query) => {
                self.search = query;
                self.notice = None;
                self.keep_selection_visible();
            }
            Message::Select(id) => {
                self.selected = Some(id);
                self.notice = None;
            }
            // The list is hidden behind the day view: its keys do nothing there.
            Message::Move(_) | Message::Open if self.day_view => {}
            Message::Move(by) => self.move_by(by),
            Message::Open => return self.open(ctx),
            Message::ToggleDay => {
                // Operators never get the summary loaded; the toggle is theirs to ignore.
                if State::is_supervisor(ctx) {
                    self.day_view = !self.day_view;
                }
            }
            Message::Refresh => {
                if !self.loading {
                    return Action::Run(self.load(ctx));
                }
            }
            Message::FocusSearch => {
                return Action::Run(iced::widget::operation::focus(SEARCH));
            }
            Message::CloseDay => {
                if State::is_supervisor(ctx) {
                    return Action::Go(Nav::Close);
                }
            }
        }
        Action::None
    }

    /// The rows matching the search, in call order.
    fn visible(&self) -> Vec<&RegisterRow> {
        self.day
            .iter()
            .flat_map(|d| d.rows.iter())
            .filter(|r| r.matches(&self.search))
            .collect()
    }

    /// After the list changed: the selection stays if still shown, else the first row is
    /// selected, so that Enter after typing a name opens the match.
    fn keep_selection_visible(&mut self) {
        let visible = self.visible();
        if !visible.iter().any(|r| Some(r.request) == self.selected) {
            self.selected = visible.first().map(|r| r.request);
        }
    }

    fn move_by(&mut self, by: i32) {
        let visible = self.visible();
        if visible.is_empty() {
            return;
        }
        let last = visible.len() - 1;
        let next = match visible
            .iter()
            .position(|r| Some(r.request) == self.selected)
        {
            None => 0,
            Some(i) if by < 0 => i.saturating_sub(1),
            Some(i) => (i + 1).min(last),
        };
        self.selected = Some(visible[next].request);
        self.notice = None;
    }

    fn selected_row(&self) -> Option<&RegisterRow> {
        self.day
            .as_ref()?
            .rows
            .iter()
            .find(|r| Some(r.request) == self.selected)
    }

    fn open(&mut self, ctx: &Ctx) -> Action<Message> {
        let Some(row) = self.selected_row() else {
            return Action::None;
        };
        if row.step.is_final() {
            self.notice = Some(ctx.tr.f(
                "register.finished",
                &[
                    ("ticket", &row.ticket),
                    ("step", &row.step.localize(ctx.lang())),
                ],
            ));
            return Action::None;
        }
        Action::Go(Nav::Request(row.request))
    }

    pub fn view<'a>(&'a self, ctx: &'a Ctx) -> Element<'a, Message> {
        let tr = ctx.tr;
        let supervisor = State::is_supervisor(ctx);
        let title = match &self.day {
            Some(d) => tr.f("register.title", &[("date", &d.date.format("%d-%m-%Y"))]),
            None => tr.t("register.title_loading"),
        };
        let small_button = |label: String, message: Message, active: bool| {
            button(text(label).size(theme::BODY))
                .padding(theme::BUTTON_PADDING)
                .height(Length::Fixed(theme::CONTROL_HEIGHT))
                .on_press(message)
                .style(if active {
                    button::primary
                } else {
                    button::secondary
                })
        };
        let top = row![text(title).size(theme::TITLE), space::horizontal()]
            .push(
                self.loading
                    .then(|| text(tr.t("register.loading")).size(theme::BODY)),
            )
            .push(small_button(
                tr.t("register.refresh"),
                Message::Refresh,
                false,
            ))
            .push(supervisor.then(|| {
                small_button(tr.t("register.day_view"), Message::ToggleDay, self.day_view)
            }))
            .spacing(theme::GAP)
            .align_y(Alignment::Center);
        let search = text_input(&tr.t("register.search_placeholder"), &self.search)
            .id(SEARCH)
            .on_input(Message::Search)
            .on_submit(Message::Open)
            .size(theme::BODY)
            .padding(12)
            .width(Length::Fill);
        let showing_day = self.day_view && supervisor;
        // The search applies to the book only; the day view has nothing to search.
        let mut page = column![top]
            .push((!showing_day).then_some(search))
            .spacing(theme::GAP);
        page = page
            .push(
                self.error
                    .as_ref()
                    .map(|e| banner(Tone::Bad, e.text(ctx.lang()))),
            )
            .push(self.notice.clone().map(|n| banner(Tone::Info, n)));
        let body: Element<'a, Message> = match (&self.day, self.day_view, supervisor) {
            (Some(day), true, true) => match &day.summary {
                Some(summary) => day_view(summary, ctx),
                None => text(tr.t("register.loading")).size(theme::BODY).into(),
            },
            (Some(_), _, _) => self.list(ctx),
            (None, _, _) => space::vertical().into(),
        };
        let can_open = self.selected_row().is_some_and(|r| !r.step.is_final());
        let footer = (!showing_day).then(|| {
            row![
                text(tr.t("register.keys"))
                    .size(theme::SMALL)
                    .style(theme::muted),
                space::horizontal(),
                button(text(tr.t("register.open")).size(theme::BODY))
                    .padding(theme::BUTTON_PADDING)
                    .height(Length::Fixed(theme::CONTROL_HEIGHT))
                    .on_press_maybe(can_open.then_some(Message::Open))
                    .style(button::primary),
            ]
            .spacing(theme::GAP)
            .align_y(Alignment::Center)
        });
        page.push(container(body).height(Length::Fill))
            .push(footer)
            .into()
    }

    /// The register book: a header line and one selectable row per request.
    fn list<'a>(&'a self, ctx: &'a Ctx) -> Element<'a, Message> {
        let tr = ctx.tr;
        let visible = self.visible();
        if visible.is_empty() {
            let key = if self.search.trim().is_empty() {
                tk("register.empty")
            } else {
                tk("register.no_match")
            };
            return text(tr.t(key)).size(theme::BODY).style(theme::muted).into();
        }
        let head = |key: &str, width: Length| {
            text(tr.t(key))
                .size(theme::SMALL)
                .style(theme::muted)
                .width(width)
        };
        let header = container(
            row![
                head(tk("register.col_time"), COLUMNS[0]),
                head(tk("register.col_ticket"), COLUMNS[1]),
                head(tk("register.col_register"), COLUMNS[2]),
                head(tk("register.col_name"), COLUMNS[3]),
                head(tk("register.col_nik"), COLUMNS[4]),
                head(tk("register.col_service"), COLUMNS[5]),
                head(tk("register.col_step"), COLUMNS[6]),
                head(tk("register.col_operator"), COLUMNS[7]),
            ]
            .spacing(8),
        )
        .padding([0, 10]);
        let rows = Column::with_children(visible.into_iter().map(|r| self.row(r, ctx))).spacing(4);
        column![
            header,
            scrollable(rows).id("register-list").height(Length::Fill)
        ]
        .spacing(6)
        .into()
    }

    fn row<'a>(&'a self, r: &'a RegisterRow, ctx: &'a Ctx) -> Element<'a, Message> {
        let lang = ctx.lang();
        let dash = || "-".to_owned();
        let cell = |value: String, width: Length, size: f32| text(value).size(size).width(width);
        let step_tone = if r.step.is_final() {
            theme::muted
        } else {
            |_: &iced::Theme| text::Style {
                color: Some(theme::PRIMARY),
            }
        };
        button(
            row![
                cell(
                    r.called_at.format("%H:%M").to_string(),
                    COLUMNS[0],
                    theme::BODY
                ),
                cell(r.ticket.clone(), COLUMNS[1], theme::BODY),
                cell(
                    r.register_number.clone().unwrap_or_else(dash),
                    COLUMNS[2],
                    theme::SMALL
                ),
                cell(
                    r.full_name.clone().unwrap_or_else(dash),
                    COLUMNS[3],
                    theme::BODY
                ),
                cell(r.nik.clone().unwrap_or_else(dash), COLUMNS[4], theme::SMALL),
                cell(
                    r.service.map(|s| s.localize(lang)).unwrap_or_else(dash),
                    COLUMNS[5],
                    theme::SMALL
                ),
                cell(r.step.localize(lang), COLUMNS[6], theme::SMALL).style(step_tone),
                cell(r.operator.clone(), COLUMNS[7], theme::SMALL),
            ]
            .spacing(8)
            .align_y(Alignment::Center),
        )
        .padding([8, 10])
        .width(Length::Fill)
        .on_press(Message::Select(r.request))
        .style(theme::row_button(Some(r.request) == self.selected))
        .into()
    }

    pub fn subscription(&self, _ctx: &Ctx) -> Subscription<Message> {
        Subscription::none()
    }

    pub fn guide(&self, ctx: &Ctx) -> crate::ui::applicant::Guide {
        super::welcome(ctx)
    }

    pub fn shortcut(&self, key: &Key, modifiers: Modifiers) -> Option<Message> {
        if modifiers.control() || modifiers.alt() || modifiers.logo() {
            return None;
        }
        match key.as_ref() {
            Key::Named(Named::ArrowUp) => Some(Message::Move(-1)),
            Key::Named(Named::ArrowDown) => Some(Message::Move(1)),
            Key::Named(Named::Enter) => Some(Message::Open),
            // Letters only arrive here when the search box does not have the focus.
            Key::Character(c) if c.eq_ignore_ascii_case("d") => Some(Message::ToggleDay),
            Key::Character(c) if c.eq_ignore_ascii_case("r") => Some(Message::Refresh),
            Key::Character("/") => Some(Message::FocusSearch),
            _ => None,
        }
    }
}

/// Widths of the register's columns: time, ticket, register number, name, NIK, service, step,
/// operator.
const COLUMNS: [Length; 8] = [
    Length::Fixed(60.0),
    Length::Fixed(70.0),
    Length::Fixed(200.0),
    Length::Fill,
    Length::Fixed(150.0),
    Length::Fixed(170.0),
    Length::Fixed(210.0),
    Length::Fixed(130.0),
];

/// How an SOP step's line is highlighted: over the standard as a rule, or late some of the time.
pub fn step_tone(stats: &StepStats) -> Option<Tone> {
    if stats.is_late() {
        Some(Tone::Bad)
    } else if stats.late > 0 {
        Some(Tone::Warning)
    } else {
        None
    }
}

/// `m:ss`, the way a stopwatch shows it.
fn clock(d: Duration) -> String {
    let s = d.as_secs();
    format!("{}:{:02}", s / 60, s % 60)
}

/// The supervisor's day view: the counts, then the SOP table.
fn day_view<'a>(s: &'a DaySummary, ctx: &'a Ctx) -> Element<'a, Message> {
    let tr = ctx.tr;
    let count = |key: &str, n: usize, tone: Option<Tone>| {
        let number = text(n).size(theme::TITLE);
        let number = match tone {
            Some(t) => number.style(theme::tone_text(t)),
            None => number,
        };
        container(
            column![number, text(tr.t(key)).size(theme::SMALL)]
                .spacing(2)
                .width(Length::Fill)
                .align_x(Alignment::Center),
        )
        .padding([10, 16])
        .width(Length::Fill)
        .style(theme::panel)
    };
    let counts = row![
        count(tk("register.requests"), s.requests, None),
        count(tk("register.served"), s.served, Some(Tone::Good)),
        count(tk("register.in_progress"), s.in_progress, None),
        count(tk("register.waiting"), s.waiting, None),
        count(
            tk("register.returned"),
            s.returned,
            (s.returned > 0).then_some(Tone::Warning)
        ),
        count(tk("register.cancelled"), s.cancelled, None),
        count(tk("register.deferred"), s.deferred, None),
    ]
    .spacing(theme::GAP);
    let widths = [
        Length::Fill,
        Length::Fixed(90.0),
        Length::Fixed(110.0),
        Length::Fixed(110.0),
        Length::Fixed(110.0),
        Length::Fixed(110.0),
    ];
    let cell = |value: String, i: usize| text(value).size(theme::BODY).width(widths[i]);
    let head = row![
        cell(tr.t("register.sop_step"), 0),
        cell(tr.t("register.sop_count"), 1),
        cell(tr.t("register.sop_median"), 2),
        cell(tr.t("register.sop_slowest"), 3),
        cell(tr.t("register.sop_standard"), 4),
        cell(tr.t("register.sop_late"), 5),
    ]
    .spacing(8);
    let mut table = column![container(head).padding([0, 10])].spacing(4);
    if s.steps.is_empty() {
        table = table.push(
            text(tr.t("register.sop_none"))
                .size(theme::BODY)
                .style(theme::muted),
        );
    }
    for stats in &s.steps {
        let line = row![
            cell(stats.step.localize(ctx.lang()), 0),
            cell(stats.count.to_string(), 1),
            cell(clock(stats.median), 2),
            cell(clock(stats.slowest), 3),
            cell(clock(stats.standard), 4),
            cell(stats.late.to_string(), 5),
        ]
        .spacing(8);
        let line = container(line).padding([6, 10]).width(Length::Fill);
        table = table.push(match step_tone(stats) {
            Some(tone) => line.style(theme::banner(tone)),
            None => line.style(theme::panel),
        });
    }
    column![
        counts,
        text(tr.t("register.sop_title")).size(theme::HEADING),
        scrollable(table).height(Length::Fill),
        row![
            text(tr.t("register.sop_hint"))
                .size(theme::SMALL)
                .style(theme::muted)
                .width(Length::Fill),
            button(text(tr.t("close.from_register")).size(theme::BODY))
                .padding(theme::BUTTON_PADDING)
                .height(Length::Fixed(theme::CONTROL_HEIGHT))
                .on_press(Message::CloseDay)
                .style(button::secondary),
        ]
        .spacing(theme::GAP)
        .align_y(Alignment::Center),
    ]
    .spacing(theme::GAP)
    .into()
}

#[cfg(test)]
mod tests;
