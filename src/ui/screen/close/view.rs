//! The close-the-day screen's view: the day and its counts, the open items with what to do about
//! each, then (once closed) the export and the reports; beside them the acknowledgement and the
//! station key. Warnings on top.

use iced::widget::{
    Column, Row, button, column, container, progress_bar, row, scrollable, space, text, text_input,
};
use iced::{Alignment, Element, Length};

use super::{ACK, FOLDER, Job, Message, Overview, REASON, State, is_supervisor};
use crate::batch::Backlog;
use crate::lang::Localize;
use crate::store::signing::fingerprint;
use crate::ui::ctx::Ctx;
use crate::ui::i18n::{Tr, tk};
use crate::ui::theme::{self, Tone};
use crate::ui::widget::{action, banner};
use crate::workflow::OpenItem;

impl State {
    pub fn view<'a>(&'a self, ctx: &'a Ctx) -> Element<'a, Message> {
        let tr = ctx.tr;
        if !is_supervisor(ctx) {
            return column![
                text(tr.t("close.title_plain")).size(theme::TITLE),
                banner(Tone::Warning, tr.t("close.supervisor_only")),
            ]
            .spacing(theme::GAP)
            .into();
        }
        let title = match &self.overview {
            Some(o) => tr.f("close.title", &[("date", &o.date.format("%d-%m-%Y"))]),
            None => tr.t("close.title_plain"),
        };
        let top = row![text(title).size(theme::TITLE), space::horizontal()]
            .push(
                self.loading
                    .then(|| text(tr.t("close.loading")).size(theme::BODY)),
            )
            .push(action(
                tr.t("close.refresh"),
                Message::Refresh,
                button::secondary,
                !self.loading,
            ))
            .spacing(theme::GAP)
            .align_y(Alignment::Center);
        let mut page = column![top].spacing(12);
        if let Some(o) = &self.overview {
            for warning in warnings(o, ctx) {
                page = page.push(warning);
            }
        }
        page = page
            .push(
                self.error
                    .as_ref()
                    .map(|e| banner(Tone::Bad, e.text(ctx.lang()))),
            )
            .push(self.notice.clone().map(|n| banner(Tone::Info, n)));
        let Some(o) = &self.overview else {
            return page.into();
        };
        let mut left = column![self.day(o, ctx)].spacing(theme::GAP);
        if o.close.is_none() {
            left = left.push(self.open_items(o, ctx));
        } else {
            left = left
                .push(self.export_panel(ctx))
                .push(self.reports_panel(ctx));
        }
        let right = column![self.ack_panel(o, ctx), key_panel(o, tr)].spacing(theme::GAP);
        page.push(
            row![
                scrollable(left.padding([0, 12]))
                    .width(Length::FillPortion(3))
                    .height(Length::Fill),
                scrollable(right.padding([0, 12]))
                    .width(Length::FillPortion(2))
                    .height(Length::Fill),
            ]
            .spacing(theme::GAP)
            .height(Length::Fill),
        )
        .push(
            text(tr.t("close.keys"))
                .size(theme::SMALL)
                .style(theme::muted),
        )
        .into()
    }

    /// Whether the day is closed, and the queue's counts.
    fn day<'a>(&'a self, o: &'a Overview, ctx: &'a Ctx) -> Element<'a, Message> {
        let tr = ctx.tr;
        let (status, tone) = match &o.close {
            Some(c) => {
                let who = o
                    .closed_by
                    .clone()
                    .unwrap_or_else(|| c.closed_by.to_string());
                (
                    tr.f(
                        "close.state_closed",
                        &[
                            ("time", &o.closed_time.as_deref().unwrap_or(&c.closed_at)),
                            ("name", &who),
                        ],
                    ),
                    Tone::Good,
                )
            }
            None => (tr.t("close.state_open"), Tone::Info),
        };
        let r = &o.counts;
        let count = |key: &str, n: usize| {
            container(
                column![
                    text(n).size(theme::HEADING),
                    text(tr.t(key)).size(theme::SMALL)
                ]
                .spacing(2)
                .width(Length::Fill)
                .align_x(Alignment::Center),
            )
            .padding([6, 8])
            .width(Length::Fill)
            .style(theme::panel)
        };
        let mut counts = row![
            count(tk("close.count_issued"), r.tickets_issued),
            count(tk("close.count_recorded"), r.recorded),
            count(tk("close.count_returned"), r.returned),
            count(tk("close.count_deferred"), r.deferred),
            count(tk("close.count_cancelled"), r.cancelled),
        ]
        .spacing(8);
        if o.close.is_none() {
            counts = counts.push(count(tk("close.count_open"), r.open));
        }
        let heading = if o.close.is_some() {
            tk("close.counts_closed")
        } else {
            tk("close.counts_open")
        };
        column![
            banner(tone, status),
            text(tr.t(heading)).size(theme::BODY),
            counts,
        ]
        .spacing(8)
        .into()
    }

    /// The open items, what to do with the selected one, and the close button.
    fn open_items<'a>(&'a self, o: &'a Overview, ctx: &'a Ctx) -> Element<'a, Message> {
        let tr = ctx.tr;
        // The close button stays in sight above a long list.
        let head = row![
            text(tr.f("close.open_title", &[("count", &o.items.len())]))
                .size(theme::HEADING)
                .width(Length::Fill)
        ]
        .push(action(
            tr.t("close.close_day"),
            Message::CloseDay,
            button::primary,
            self.can_close(),
        ))
        .spacing(theme::GAP)
        .align_y(Alignment::Center);
        let mut section = column![head]
            .push((!o.items.is_empty()).then(|| {
                text(tr.t("close.close_needs_empty"))
                    .size(theme::SMALL)
                    .style(theme::muted)
            }))
            .spacing(6);
        if o.items.is_empty() {
            return section
                .push(
                    text(tr.t("close.none_open"))
                        .size(theme::BODY)
                        .style(theme::tone_text(Tone::Good)),
                )
                .into();
        }
        for (i, item) in o.items.iter().enumerate() {
            section = section.push(
                button(text(describe(item, tr)).size(theme::BODY))
                    .padding([8, 12])
                    .width(Length::Fill)
                    .on_press(Message::Select(i))
                    .style(theme::row_button(i == self.selected)),
            );
            // What to do with the selected item, right under it.
            if i == self.selected {
                section = section.push(self.resolution(item, tr));
            }
        }
        section.into()
    }

    /// What can be done with the selected item: its reason and its buttons.
    fn resolution<'a>(&'a self, item: &'a OpenItem, tr: Tr) -> Element<'a, Message> {
        let idle = !self.busy;
        let reason = |submit: Message| {
            text_input(&tr.t("close.reason_placeholder"), &self.reason)
                .id(REASON)
                .on_input(Message::Reason)
                .on_submit(submit)
                .size(theme::BODY)
                .padding(10)
                .width(Length::Fill)
        };
        let resume = || action(tr.t("close.resume"), Message::Resume, button::primary, idle);
        let (hint, field, buttons) = match item {
            OpenItem::WaitingTicket { .. } => (
                tr.t("close.hint_waiting"),
                Some(reason(Message::Cancel)),
                vec![action(
                    tr.t("close.cancel_ticket"),
                    Message::Cancel,
                    button::danger,
                    idle,
                )],
            ),
            OpenItem::OpenRequest { .. } => (
                tr.t("close.hint_request"),
                Some(reason(Message::ChooseAction)),
                vec![
                    resume(),
                    action(tr.t("close.defer"), Message::Defer, button::secondary, idle),
                    action(
                        tr.t("close.cancel_request"),
                        Message::Cancel,
                        button::danger,
                        idle,
                    ),
                ],
            ),
            OpenItem::NotValidated { .. } => {
                (tr.t("close.hint_not_validated"), None, vec![resume()])
            }
        };
        container(
            column![text(hint).size(theme::BODY)]
                .push(field)
                .push(self.reason_missing.then(|| {
                    text(tr.t("close.reason_required"))
                        .size(theme::BODY)
                        .style(theme::tone_text(Tone::Bad))
                }))
                .push(Row::with_children(buttons).spacing(theme::GAP))
                .spacing(10),
        )
        .padding(12)
        .width(Length::Fill)
        .style(theme::selected_panel)
        .into()
    }

    /// The export: the folder, the button, the progress, and what was written.
    fn export_panel<'a>(&'a self, ctx: &'a Ctx) -> Element<'a, Message> {
        let tr = ctx.tr;
        let running = self.export.is_running();
        let folder = row![
            text(tr.t("close.folder")).size(theme::BODY),
            text_input(&ctx.settings.export.folder, &self.folder)
                .id(FOLDER)
                .on_input_maybe((!running).then_some(Message::Folder))
                .on_submit(Message::Export)
                .size(theme::BODY)
                .padding(10)
                .width(Length::Fill),
        ]
        .spacing(theme::GAP)
        .align_y(Alignment::Center);
        let mut section = column![
            text(tr.t("close.export_title")).size(theme::HEADING),
            folder,
            action(
                tr.t("close.export"),
                Message::Export,
                button::primary,
                !running && !self.folder.trim().is_empty()
            ),
        ]
        .spacing(10);
        if running {
            let (done, total) = self.progress.unwrap_or((0, 0));
            section = section
                .push(
                    progress_bar(0.0..=total.max(1) as f32, done as f32).girth(Length::Fixed(16.0)),
                )
                .push(
                    text(tr.f("close.progress", &[("done", &done), ("total", &total)]))
                        .size(theme::BODY),
                );
        }
        match &self.export {
            Job::Done(e) => {
                let sha = e.sha256.get(..16).unwrap_or(&e.sha256);
                section = section.push(lines(
                    Tone::Good,
                    vec![
                        tr.f("close.exported", &[("file", &e.path.display())]),
                        tr.f(
                            "close.exported_detail",
                            &[
                                ("records", &e.records),
                                ("size", &human_size(e.bytes)),
                                ("sha", &sha),
                            ],
                        ),
                        tr.t("close.usb_removable"),
                    ],
                ));
            }
            Job::Failed(e) => section = section.push(banner(Tone::Bad, e.text(ctx.lang()))),
            Job::Idle | Job::Running => {}
        }
        section.into()
    }

    /// The day's reports, written into the export folder.
    fn reports_panel<'a>(&'a self, ctx: &'a Ctx) -> Element<'a, Message> {
        let tr = ctx.tr;
        let mut section = column![
            text(tr.t("close.reports_title")).size(theme::HEADING),
            action(
                tr.t("close.reports"),
                Message::Reports,
                button::secondary,
                !self.reports.is_running() && !self.folder.trim().is_empty()
            ),
        ]
        .spacing(10);
        match &self.reports {
            Job::Running => {
                section = section.push(text(tr.t("close.reports_writing")).size(theme::BODY));
            }
            Job::Done(r) => {
                let folder = r
                    .register_pdf
                    .parent()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default();
                let mut shown = vec![tr.f("close.reports_written", &[("folder", &folder)])];
                shown.extend(
                    [&r.register_pdf, &r.register_csv, &r.sop_pdf, &r.sop_csv]
                        .into_iter()
                        .map(|p| {
                            p.file_name()
                                .map(|n| n.to_string_lossy().into_owned())
                                .unwrap_or_default()
                        }),
                );
                section = section.push(lines(Tone::Good, shown));
            }
            Job::Failed(e) => section = section.push(banner(Tone::Bad, e.text(ctx.lang()))),
            Job::Idle => {}
        }
        section.into()
    }

    /// The receiver's acknowledgement file.
    fn ack_panel<'a>(&'a self, o: &'a Overview, ctx: &'a Ctx) -> Element<'a, Message> {
        let tr = ctx.tr;
        let running = self.ack.is_running();
        let mut section = column![
            text(tr.t("close.ack_title")).size(theme::HEADING),
            text_input(&tr.t("close.ack_placeholder"), &self.ack_path)
                .id(ACK)
                .on_input_maybe((!running).then_some(Message::AckPath))
                .on_submit(Message::ImportAck)
                .size(theme::BODY)
                .padding(10)
                .width(Length::Fill),
            action(
                tr.t("close.import_ack"),
                Message::ImportAck,
                button::secondary,
                !running && !self.ack_path.trim().is_empty()
            ),
        ]
        .spacing(10);
        if o.backlog.unacknowledged > 0 {
            section = section.push(
                text(tr.f(
                    "close.unacknowledged",
                    &[("count", &o.backlog.unacknowledged)],
                ))
                .size(theme::BODY)
                .style(theme::muted),
            );
        }
        match &self.ack {
            Job::Done(a) => {
                section = section.push(banner(
                    Tone::Good,
                    tr.f(
                        "close.ack_done",
                        &[
                            ("batch", &a.batch),
                            ("accepted", &a.accepted),
                            ("rejected", &a.rejected),
                            ("purged", &a.purged),
                        ],
                    ),
                ));
            }
            Job::Failed(e) => section = section.push(banner(Tone::Bad, e.text(ctx.lang()))),
            Job::Idle | Job::Running => {}
        }
        section.into()
    }
}

/// The station's signing key, for its registration at the Dinas.
fn key_panel<'a>(o: &'a Overview, tr: Tr) -> Element<'a, Message> {
    let mut section = column![text(tr.t("close.key_title")).size(theme::BODY)].spacing(4);
    match &o.signing_key {
        Some(key) => {
            section = section
                .push(
                    text(tr.f(
                        "close.key_fingerprint",
                        &[("fingerprint", &fingerprint(key))],
                    ))
                    .size(theme::SMALL),
                )
                .push(
                    text(tr.t("close.key_registry"))
                        .size(theme::SMALL)
                        .style(theme::muted),
                )
                .push(
                    text(format!(
                        "{} {} {key}",
                        o.station.kecamatan_code, o.station.station_id
                    ))
                    .size(theme::SMALL)
                    .font(iced::Font::MONOSPACE)
                    // One line broken at the edge, not after the station id.
                    .wrapping(text::Wrapping::Glyph),
                );
        }
        None => {
            section = section.push(
                text(tr.t("close.key_missing"))
                    .size(theme::SMALL)
                    .style(theme::tone_text(Tone::Bad)),
            );
        }
    }
    container(section)
        .padding(10)
        .width(Length::Fill)
        .style(theme::panel)
        .into()
}

/// The warning that recorded requests have waited longer than `[export] warn_after_hours` for
/// export; also on the queue screen for a supervisor.
pub fn backlog_banner<'a, M: 'a>(b: &Backlog, ctx: &Ctx) -> Option<Element<'a, M>> {
    let (Some(hours), Some(day)) = (b.oldest_hours, b.oldest_day) else {
        return None;
    };
    (hours > i64::from(ctx.settings.export.warn_after_hours)).then(|| {
        banner(
            Tone::Warning,
            ctx.tr.f(
                "close.backlog",
                &[
                    ("count", &b.not_exported),
                    ("date", &day.format("%d-%m-%Y")),
                    ("hours", &hours),
                ],
            ),
        )
    })
}

/// The warnings on top: records waiting too long for export, and the data disk.
fn warnings<'a>(o: &Overview, ctx: &Ctx) -> Vec<Element<'a, Message>> {
    let tr = ctx.tr;
    let mut out = Vec::new();
    out.extend(backlog_banner(&o.backlog, ctx));
    if let Some(d) = o.disk {
        let args: [(&str, &dyn std::fmt::Display); 2] =
            [("free", &d.free_mb), ("floor", &d.floor_mb)];
        if d.below_floor() {
            out.push(banner(Tone::Bad, tr.f("close.disk_below", &args)));
        } else if d.near_floor() {
            out.push(banner(Tone::Warning, tr.f("close.disk_near", &args)));
        }
    }
    out
}

/// One line per open item.
pub fn describe(item: &OpenItem, tr: Tr) -> String {
    match item {
        OpenItem::WaitingTicket { code, .. } => tr.f("close.item_waiting", &[("ticket", code)]),
        OpenItem::OpenRequest {
            ticket,
            step,
            full_name,
            ..
        } => tr.f(
            "close.item_request",
            &[
                ("ticket", ticket),
                ("name", &full_name.as_deref().unwrap_or("-")),
                ("step", &step.localize(tr.lang())),
            ],
        ),
        OpenItem::NotValidated { ticket, .. } => {
            tr.f("close.item_not_validated", &[("ticket", ticket)])
        }
    }
}

/// Several lines in a banner of one tone.
fn lines<'a>(tone: Tone, lines: Vec<String>) -> Element<'a, Message> {
    container(
        Column::with_children(lines.into_iter().map(|l| text(l).size(theme::BODY).into()))
            .spacing(4),
    )
    .padding(10)
    .width(Length::Fill)
    .style(theme::banner(tone))
    .into()
}

/// A file size for people: `12.3 MB`, `850 KB`.
pub fn human_size(bytes: u64) -> String {
    if bytes >= 1_000_000 {
        format!("{:.1} MB", bytes as f64 / 1e6)
    } else {
        format!("{} KB", bytes.div_ceil(1000))
    }
}
