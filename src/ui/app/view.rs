//! The root's views: the operator's window (top bar, notices, the screen, the applicant panel)
//! and the applicant's.

use iced::widget::{button, column, container, row, space, text};
use iced::{Alignment, Element, Length, window};

use super::{App, IDLE_WARNING, Message};
use crate::domain::StationMode;
use crate::store::Role;
use crate::ui::applicant::{self, Guide, Show};
use crate::ui::screen::{self, Nav, Screen};
use crate::ui::theme::{self, Tone};

impl App {
    /// The applicant's instruction for the current screen.
    pub fn guide(&self) -> Guide {
        let g = self
            .screen
            .guide(&self.ctx)
            .unwrap_or_else(|| screen::welcome(&self.ctx));
        match (&g.show, self.satisfaction) {
            (Show::Satisfaction(_), Some((_, answer))) => g.show(Show::Satisfaction(answer)),
            _ => g,
        }
    }

    pub fn view(&self, window: window::Id) -> Element<'_, Message> {
        if Some(window) == self.applicant {
            return self.applicant_view();
        }
        self.operator_view()
    }

    fn applicant_view(&self) -> Element<'_, Message> {
        // The guide is rebuilt per frame; its images are shared handles, cheap to clone.
        let guide = self.guide();
        let view = applicant::view(guide, self.ctx.tr).map(Message::Satisfaction);
        match self.training_band() {
            Some(band) => column![band, view].into(),
            None => view,
        }
    }

    /// The band every screen of a training station shows, so that nobody takes it for a
    /// production station (nor its proofs and packets for real ones).
    fn training_band(&self) -> Option<Element<'_, Message>> {
        (self.ctx.station_mode() == Some(StationMode::Training)).then(|| {
            container(
                text(self.ctx.tr.t("app.training_band"))
                    .size(theme::BODY)
                    .width(Length::Fill)
                    .align_x(Alignment::Center),
            )
            .padding([6, 16])
            .width(Length::Fill)
            .style(theme::banner(Tone::Warning))
            .into()
        })
    }

    /// The operator's window: top bar, notices, the screen, and the applicant panel on demand.
    pub fn operator_view(&self) -> Element<'_, Message> {
        if let Some(preview) = &self.preview {
            preview.count(&self.screen);
        }
        let tr = self.ctx.tr;
        let body: Element<'_, Message> = match &self.screen {
            Screen::Starting => container(text(tr.t("app.starting")).size(theme::TITLE))
                .center(Length::Fill)
                .into(),
            Screen::Broken(e) => container(
                column![
                    text(tr.t("app.open_failed")).size(theme::TITLE),
                    text(e.text(self.ctx.lang())).size(theme::BODY),
                ]
                .spacing(theme::GAP),
            )
            .center(Length::Fill)
            .into(),
            shown => shown
                .view(&self.ctx)
                .map_or_else(|| space().into(), |v| v.map(Message::Screen)),
        };
        let mut page = column![].push(self.training_band()).push(self.top_bar());
        if let Some(left) = self.idle_left().filter(|l| *l <= IDLE_WARNING) {
            page = page.push(notice_bar(
                Tone::Warning,
                tr.f("app.idle_warning", &[("seconds", &left.as_secs())]),
            ));
        }
        if let Some(edit) = &self.outside_edit {
            page = page.push(notice_bar(Tone::Warning, edit.clone()));
        }
        if let Some((tone, message)) = &self.notice {
            page = page.push(notice_bar(*tone, message.clone()));
        }
        let content = container(body).padding(theme::GAP).height(Length::Fill);
        if self.panel && self.applicant.is_none() {
            let panel = container(self.applicant_view())
                .style(theme::panel)
                .width(Length::FillPortion(2))
                .height(Length::Fill);
            page.push(row![content.width(Length::FillPortion(3)), panel])
                .into()
        } else {
            page.push(content).into()
        }
    }

    fn top_bar(&self) -> Element<'_, Message> {
        let tr = self.ctx.tr;
        let station = self.ctx.db.as_ref().map(|db| {
            let s = db.station();
            text(tr.f(
                "app.station",
                &[("kecamatan", &s.kecamatan_name), ("station", &s.station_id)],
            ))
            .size(theme::BODY)
        });
        let bar_button = |label: String, message: Message| {
            button(text(label).size(theme::SMALL))
                .on_press(message)
                .padding([8, 12])
                .style(button::secondary)
        };
        let mut bar = row![text(tr.t("app.brand")).size(theme::HEADING)]
            .push(station)
            .push(space::horizontal())
            .spacing(theme::GAP)
            .align_y(Alignment::Center);
        if let Some(user) = &self.ctx.user {
            let role = match user.role {
                Role::Operator => tr.t("app.role_operator"),
                Role::Supervisor => tr.t("app.role_supervisor"),
            };
            bar = bar
                .push(bar_button(tr.t("app.nav_queue"), Message::Go(Nav::Queue)))
                .push(bar_button(
                    tr.t("app.nav_register"),
                    Message::Go(Nav::Register),
                ))
                .push(bar_button(
                    tr.t("app.nav_devices"),
                    Message::Go(Nav::Devices),
                ))
                .push(
                    (user.role == Role::Supervisor)
                        .then(|| bar_button(tr.t("app.nav_users"), Message::Go(Nav::Users))),
                )
                .push(
                    text(tr.f("app.user", &[("name", &user.full_name), ("role", &role)]))
                        .size(theme::SMALL),
                )
                .push(bar_button(tr.t("app.logout"), Message::Go(Nav::Logout)));
        }
        if self.applicant.is_none() {
            bar = bar.push(bar_button(
                tr.t("app.nav_applicant_panel"),
                Message::ToggleApplicantPanel,
            ));
        }
        bar = bar.push(bar_button(
            tr.t("app.nav_language"),
            Message::SwitchLanguage,
        ));
        container(bar)
            .padding([10, 16])
            .width(Length::Fill)
            .style(theme::top_bar)
            .into()
    }
}

fn notice_bar<'a>(tone: Tone, message: String) -> Element<'a, Message> {
    container(text(message).size(theme::BODY))
        .padding([10, 16])
        .width(Length::Fill)
        .style(theme::banner(tone))
        .into()
}
