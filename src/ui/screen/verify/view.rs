//! The verification screen's view: the applicant's file, and beside it the supervisor's
//! sign-in, the decision, or the rejection form.

use iced::widget::{button, column, container, row, scrollable, space, text, text_input};
use iced::{Alignment, Element, Length};
use rekam_device::Backend;

use super::{Message, Method, State};
use crate::devices::live;
use crate::domain::applicant::{self, age_on};
use crate::domain::region;
use crate::lang::Localize;
use crate::store::User;
use crate::ui::ctx::Ctx;
use crate::ui::i18n::{Tr, tk};
use crate::ui::screen::intake;
use crate::ui::theme::{self, Tone};
use crate::ui::widget::header::{self, Stage};
use crate::ui::widget::{action, banner};
use crate::workflow::Step;

impl State {
    pub fn view<'a>(&'a self, ctx: &'a Ctx) -> Element<'a, Message> {
        let tr = ctx.tr;
        let summary = container(scrollable(self.summary(tr).padding(16)))
            .style(theme::panel)
            .width(Length::FillPortion(3))
            .height(Length::Fill);
        let side = container(self.side(ctx).padding(16))
            .style(theme::panel)
            .width(Length::FillPortion(2))
            .height(Length::Fill);
        column![
            header::view(&self.request, Stage::Verify, tr),
            row![summary, side].spacing(theme::GAP).height(Length::Fill),
            text(tr.t("verify.keys"))
                .size(theme::SMALL)
                .style(theme::muted),
        ]
        .spacing(theme::GAP)
        .height(Length::Fill)
        .into()
    }

    /// The applicant's file as the supervisor checks it.
    fn summary<'a>(&'a self, tr: Tr) -> iced::widget::Column<'a, Message> {
        let lang = tr.lang();
        let mut col = column![text(tr.t("verify.file_title")).size(theme::HEADING)].spacing(8);
        if self.loading {
            return col.push(text(tr.t("verify.loading")).size(theme::BODY));
        }
        let Some(file) = &self.file else {
            return col.push(text(tr.t("verify.no_file")).size(theme::BODY));
        };
        let b = &file.biodata;
        let region = region::lookup_checked(&b.address_region)
            .map(|r| format!("{} ({}, {})", b.address_region, r.kecamatan, r.regency))
            .unwrap_or_else(|| b.address_region.clone());
        let not_yet = tr.t("verify.not_registered");
        let rows: Vec<(&str, String)> = vec![
            (
                tk("verify.register_number"),
                self.request.register_number.clone().unwrap_or(not_yet),
            ),
            (tk("verify.service"), file.service.localize(lang)),
            (tk("verify.nik"), b.nik.clone()),
            (tk("verify.kk"), b.kk_number.clone()),
            (tk("verify.name"), b.full_name.clone()),
            (
                tk("verify.birth"),
                format!(
                    "{}, {} ({})",
                    b.birth_place,
                    intake::ddmmyyyy(b.birth_date),
                    tr.f(
                        tk("verify.age"),
                        &[("age", &age_on(b.birth_date, self.today))]
                    )
                ),
            ),
            (tk("verify.sex"), intake::sex_label(b.sex, tr)),
            (
                tk("verify.blood_type"),
                intake::blood_label(b.blood_type, tr),
            ),
            (
                tk("verify.address"),
                format!("{}, RT {} / RW {}", b.address, b.rt, b.rw),
            ),
            (tk("verify.village"), b.village.clone()),
            (tk("verify.region"), region),
            (
                tk("verify.religion"),
                intake::religion_label(b.religion, tr),
            ),
            (
                tk("verify.marital"),
                intake::marital_label(b.marital_status, tr),
            ),
            (tk("verify.occupation"), b.occupation.clone()),
            (
                tk("verify.nationality"),
                intake::nationality_label(b.nationality, tr),
            ),
        ];
        for (key, value) in rows {
            col = col.push(
                row![
                    text(tr.t(key))
                        .size(theme::BODY)
                        .style(theme::muted)
                        .width(Length::Fixed(220.0)),
                    text(value).size(theme::BODY),
                ]
                .spacing(theme::GAP),
            );
        }
        if let Err(i) = applicant::eligibility(b.birth_date, b.marital_status, self.today) {
            col = col.push(banner(Tone::Warning, i.localize(lang)));
        }
        col = col.push(text(tr.t("verify.checklist")).size(theme::HEADING));
        for (req, check) in &file.findings {
            col = col.push(
                row![
                    text(req.localize(lang))
                        .size(theme::BODY)
                        .width(Length::Fill),
                    text(intake::check_label(*check, tr)).size(theme::BODY),
                ]
                .spacing(theme::GAP),
            );
        }
        col
    }

    /// The supervisor's side: sign in, then verify and validate, or reject.
    fn side<'a>(&'a self, ctx: &'a Ctx) -> iced::widget::Column<'a, Message> {
        let tr = ctx.tr;
        let mut col = column![text(tr.t("verify.title")).size(theme::HEADING)].spacing(12);
        col = col.push(
            self.error
                .as_ref()
                .map(|e| banner(Tone::Bad, e.text(ctx.lang()))),
        );
        match self.request.step {
            _ if self.loading => col.push(text(tr.t("verify.loading")).size(theme::BODY)),
            Step::RequirementsChecked => col.push(action(
                tr.t("verify.retry"),
                Message::Retry,
                button::primary,
                !self.busy,
            )),
            Step::Validated => col
                .push(text(tr.t("verify.validated")).size(theme::BODY))
                .push(action(
                    tr.t("verify.begin"),
                    Message::Submit,
                    button::primary,
                    !self.busy,
                )),
            Step::Registered | Step::Verified => {
                if self.request.step == Step::Verified {
                    col = col.push(text(tr.t("verify.verified_only")).size(theme::BODY));
                }
                match &self.supervisor {
                    None => col.push(self.sign_in_view(ctx)),
                    Some(user) => col.push(self.decide_view(user, tr)),
                }
            }
            _ => col,
        }
        .push(
            self.busy
                .then(|| text(tr.t("verify.busy")).size(theme::BODY)),
        )
    }

    fn sign_in_view<'a>(&'a self, ctx: &'a Ctx) -> Element<'a, Message> {
        let tr = ctx.tr;
        let tab = |label: String, method: Method| {
            button(text(label).size(theme::SMALL))
                .padding([8, 14])
                .on_press_maybe((!self.busy).then_some(Message::Method(method)))
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
                .on_input_maybe((!self.busy).then_some(on))
                .on_submit(Message::Submit)
                .size(theme::BODY)
                .padding(10)
                .width(Length::Fill)
        };
        let mut form = column![
            text(tr.t("verify.sign_in_hint")).size(theme::BODY),
            row![
                tab(tr.t("verify.by_password"), Method::Password),
                tab(tr.t("verify.by_card"), Method::Card)
            ]
            .spacing(8),
            text(tr.t("verify.username"))
                .size(theme::SMALL)
                .style(theme::muted),
            input("verify-username", &self.username, false, Message::Username),
        ]
        .spacing(8);
        form = match self.method {
            Method::Password => form
                .push(
                    text(tr.t("verify.password"))
                        .size(theme::SMALL)
                        .style(theme::muted),
                )
                .push(input(
                    "verify-password",
                    &self.password,
                    true,
                    Message::Password,
                )),
            Method::Card => {
                let hint = if ctx.backends.smartcard == Backend::Simulated {
                    tr.f("verify.card_simulated", &[("pin", &live::SIM_PIN)])
                } else {
                    tr.t("verify.card_hint")
                };
                form.push(text(hint).size(theme::SMALL).style(theme::muted))
                    .push(
                        text(tr.t("verify.pin"))
                            .size(theme::SMALL)
                            .style(theme::muted),
                    )
                    .push(input("verify-pin", &self.pin, true, Message::Pin))
            }
        };
        form.push(action(
            tr.t("verify.sign_in"),
            Message::Submit,
            button::primary,
            !self.busy,
        ))
        .into()
    }

    fn decide_view<'a>(&'a self, user: &User, tr: Tr) -> Element<'a, Message> {
        let who = banner(
            Tone::Good,
            tr.f(
                "verify.signed_in",
                &[("name", &user.full_name), ("username", &user.username)],
            ),
        );
        if let Some(reason) = &self.reject {
            return column![
                who,
                text(tr.t("verify.reject_reason")).size(theme::BODY),
                text_input("", reason)
                    .id("verify-reject-reason")
                    .on_input_maybe((!self.busy).then_some(Message::RejectReason))
                    .on_submit(Message::ConfirmReject)
                    .size(theme::BODY)
                    .padding(10)
                    .width(Length::Fill),
                row![
                    action(
                        tr.t("verify.reject_confirm"),
                        Message::ConfirmReject,
                        button::danger,
                        !self.busy
                    ),
                    action(
                        tr.t("verify.reject_back"),
                        Message::CloseReject,
                        button::secondary,
                        !self.busy
                    ),
                ]
                .spacing(theme::GAP),
            ]
            .spacing(12)
            .into();
        }
        let proceed = if self.request.step == Step::Verified {
            tr.t("verify.validate")
        } else {
            tr.t("verify.verify_and_validate")
        };
        column![
            who,
            action(proceed, Message::Submit, button::primary, !self.busy),
            row![
                action(
                    tr.t("verify.reject"),
                    Message::AskReject,
                    button::danger,
                    !self.busy
                ),
                space::horizontal(),
                action(
                    tr.t("verify.sign_out"),
                    Message::SignOut,
                    button::secondary,
                    !self.busy
                ),
            ]
            .spacing(theme::GAP)
            .align_y(Alignment::Center),
        ]
        .spacing(12)
        .into()
    }
}
