//! The intake screen's view: the biodata form with its notes, the service and its checklist,
//! the actions (or the cancellation form), and the panel of a returned file.

use iced::widget::{button, column, container, row, scrollable, space, text, text_input};
use iced::{Alignment, Element, Length};
use rekam_device::Backend;

use super::form::{CHECKS, MARITAL, NATIONALITIES, RELIGIONS, Review, SEXES, Slot};
use super::returned::Returned;
use super::{Field, Message, Notice, State, blood_label, ddmmyyyy, sex_label};
use crate::domain::applicant::BloodType;
use crate::domain::nik::{Described, NumberKind};
use crate::domain::service::{Check, Need};
use crate::domain::{ServiceType, region};
use crate::lang::Localize;
use crate::ui::ctx::Ctx;
use crate::ui::i18n::Tr;
use crate::ui::theme::{self, Tone};
use crate::ui::widget::header::{self, Stage};
use crate::ui::widget::{action, banner};

impl State {
    pub fn view<'a>(&'a self, ctx: &'a Ctx) -> Element<'a, Message> {
        let tr = ctx.tr;
        let body = match &self.returned {
            Some(r) => self.returned_view(r, tr),
            None => self.form_view(ctx),
        };
        column![header::view(&self.request, Stage::File, tr)]
            .push(self.notice_view(tr))
            .push(body)
            .spacing(theme::GAP)
            .height(Length::Fill)
            .into()
    }

    fn notice_view<'a>(&self, tr: Tr) -> Option<Element<'a, Message>> {
        let (tone, message) = match self.notice.as_ref()? {
            Notice::Failure(e) => (Tone::Bad, e.text(tr.lang())),
            Notice::Problem(key) => (Tone::Bad, tr.t(key)),
            Notice::CardRead { nik, name } => (
                Tone::Good,
                tr.f("intake.card_read", &[("nik", nik), ("name", name)]),
            ),
            Notice::SampleFilled => (Tone::Info, tr.t("intake.sample_filled")),
        };
        Some(banner(tone, message))
    }

    fn form_view<'a>(&'a self, ctx: &'a Ctx) -> Element<'a, Message> {
        let tr = ctx.tr;
        let review = self.form.review(self.today);
        let editable = !self.received && !self.busy;
        let left = column![
            text(tr.t("intake.biodata")).size(theme::HEADING),
            self.nik_view(&review, tr, editable),
            self.kk_view(&review, tr),
            self.input(Field::FullName, &review, tr),
            row![
                self.input(Field::BirthPlace, &review, tr),
                self.input(Field::BirthDate, &review, tr),
            ]
            .spacing(theme::GAP),
            self.choice(
                tr.t("intake.sex"),
                SEXES.iter().map(|(v, k)| (*v, tr.t(k))).collect(),
                self.form.sex,
                Message::Sex,
                self.shown(&review, Slot::Sex, tr),
            ),
            self.choice(
                tr.t("intake.blood_type"),
                BloodType::ALL
                    .iter()
                    .map(|b| (*b, blood_label(*b, tr)))
                    .collect(),
                Some(self.form.blood),
                Message::Blood,
                Vec::new(),
            ),
            self.input(Field::Address, &review, tr),
            row![
                container(self.input(Field::Rt, &review, tr)).width(Length::Fixed(110.0)),
                container(self.input(Field::Rw, &review, tr)).width(Length::Fixed(110.0)),
                self.input(Field::Village, &review, tr),
            ]
            .spacing(theme::GAP),
            self.region_view(&review, tr),
            self.choice(
                tr.t("intake.religion"),
                RELIGIONS.iter().map(|(v, k)| (*v, tr.t(k))).collect(),
                self.form.religion,
                Message::Religion,
                self.shown(&review, Slot::Religion, tr),
            ),
            self.choice(
                tr.t("intake.marital"),
                MARITAL.iter().map(|(v, k)| (*v, tr.t(k))).collect(),
                self.form.marital,
                Message::Marital,
                self.shown(&review, Slot::Marital, tr),
            ),
            self.input(Field::Occupation, &review, tr),
            self.choice(
                tr.t("intake.nationality"),
                NATIONALITIES.iter().map(|(v, k)| (*v, tr.t(k))).collect(),
                Some(self.form.nationality),
                Message::Nationality,
                Vec::new(),
            ),
        ]
        .spacing(12)
        .padding([0, 16]);
        let mut right = column![self.service_view(&review, tr), self.checklist_view(tr)]
            .spacing(theme::GAP)
            .padding([0, 16]);
        if let Some(i) = review.eligibility {
            right = right.push(banner(
                Tone::Warning,
                format!(
                    "{} {}",
                    i.localize(tr.lang()),
                    tr.t("intake.ineligible_returned")
                ),
            ));
        }
        for other in &self.others {
            right = right.push(banner(
                Tone::Warning,
                tr.f(
                    "intake.duplicate",
                    &[
                        ("ticket", &other.ticket),
                        ("day", &other.service_day),
                        ("step", &other.step.localize(tr.lang())),
                    ],
                ),
            ));
        }
        column![
            row![
                scrollable(left)
                    .height(Length::Fill)
                    .width(Length::FillPortion(3)),
                scrollable(right)
                    .height(Length::Fill)
                    .width(Length::FillPortion(2)),
            ]
            .spacing(theme::GAP)
            .height(Length::Fill),
            self.actions_view(ctx),
            text(tr.t("intake.keys"))
                .size(theme::SMALL)
                .style(theme::muted),
        ]
        .spacing(12)
        .height(Length::Fill)
        .into()
    }

    /// The problems of `slot`, when the operator should see them.
    fn shown(&self, review: &Review, slot: Slot, tr: Tr) -> Vec<(Tone, String)> {
        let visible = self.tried
            || match slot {
                Slot::Field(f) => self.touched.contains(&f),
                _ => false,
            };
        if !visible {
            return Vec::new();
        }
        review
            .problems_at(slot, tr)
            .into_iter()
            .map(|p| (Tone::Bad, p))
            .collect()
    }

    fn text_input(&self, field: Field, tr: Tr) -> iced::widget::TextInput<'_, Message> {
        let placeholder = if field == Field::BirthDate {
            tr.t("intake.date_placeholder")
        } else {
            String::new()
        };
        text_input(&placeholder, self.form.get(field))
            .id(field.id())
            .size(theme::BODY)
            .padding(8)
            .on_input_maybe(
                (!self.received && !self.busy).then_some(move |v| Message::Edit(field, v)),
            )
    }

    fn input<'a>(&'a self, field: Field, review: &Review, tr: Tr) -> Element<'a, Message> {
        labelled(
            tr.t(field.label()),
            self.text_input(field, tr).into(),
            self.shown(review, Slot::Field(field), tr),
        )
    }

    fn nik_view<'a>(&'a self, review: &Review, tr: Tr, editable: bool) -> Element<'a, Message> {
        let lang = tr.lang();
        let mut notes: Vec<(Tone, String)> = Vec::new();
        let typed = !self.form.get(Field::Nik).trim().is_empty();
        if typed || self.tried {
            notes.extend(
                review
                    .nik
                    .errors
                    .iter()
                    .map(|e| (Tone::Bad, Described(NumberKind::Nik, e).localize(lang))),
            );
        }
        notes.extend(
            review
                .nik
                .warnings
                .iter()
                .map(|w| (Tone::Warning, Described(NumberKind::Nik, w).localize(lang))),
        );
        let mut fill = None;
        if let Some(n) = &review.nik.value {
            notes.insert(
                0,
                (
                    Tone::Good,
                    tr.f(
                        "intake.nik_valid",
                        &[
                            ("kecamatan", &n.region.kecamatan),
                            ("regency", &n.region.regency),
                            ("province", &n.region.province),
                            ("born", &ddmmyyyy(n.birth_date)),
                            ("sex", &sex_label(n.sex, tr)),
                        ],
                    ),
                ),
            );
            if editable && (review.born != Some(n.birth_date) || self.form.sex != Some(n.sex)) {
                fill = Some(
                    button(text(tr.t("intake.fill_from_nik")).size(theme::SMALL))
                        .padding([6, 12])
                        .style(button::secondary)
                        .on_press(Message::FillFromNik),
                );
            }
        }
        let input = row![self.text_input(Field::Nik, tr).width(Length::Fixed(320.0))]
            .push(fill)
            .spacing(theme::GAP)
            .align_y(Alignment::Center);
        labelled(tr.t(Field::Nik.label()), input.into(), notes)
    }

    fn kk_view<'a>(&'a self, review: &Review, tr: Tr) -> Element<'a, Message> {
        let lang = tr.lang();
        let mut notes = Vec::new();
        if !self.form.get(Field::Kk).trim().is_empty() || self.tried {
            notes.extend(
                review
                    .kk
                    .errors
                    .iter()
                    .map(|e| (Tone::Bad, Described(NumberKind::Kk, e).localize(lang))),
            );
        }
        if let Some(kk) = &review.kk.value {
            notes.push((
                Tone::Good,
                tr.f(
                    "intake.kk_valid",
                    &[
                        ("date", &ddmmyyyy(kk.issue_date)),
                        ("kecamatan", &kk.region.kecamatan),
                        ("regency", &kk.region.regency),
                    ],
                ),
            ));
        }
        labelled(
            tr.t(Field::Kk.label()),
            self.text_input(Field::Kk, tr)
                .width(Length::Fixed(320.0))
                .into(),
            notes,
        )
    }

    fn region_view<'a>(&'a self, review: &Review, tr: Tr) -> Element<'a, Message> {
        let mut notes = self.shown(review, Slot::Field(Field::Region), tr);
        if let Some(r) = region::lookup_checked(self.form.get(Field::Region).trim()) {
            notes.push((
                Tone::Good,
                tr.f(
                    "intake.region_name",
                    &[("kecamatan", &r.kecamatan), ("regency", &r.regency)],
                ),
            ));
        }
        labelled(
            tr.t(Field::Region.label()),
            self.text_input(Field::Region, tr)
                .width(Length::Fixed(160.0))
                .into(),
            notes,
        )
    }

    /// A row of buttons, one per value, the chosen one highlighted.
    fn choice<'a, T: Copy + PartialEq + 'a>(
        &self,
        label: String,
        options: Vec<(T, String)>,
        selected: Option<T>,
        on: fn(T) -> Message,
        notes: Vec<(Tone, String)>,
    ) -> Element<'a, Message> {
        let enabled = !self.received && !self.busy;
        let buttons = row(options.into_iter().map(|(value, name)| {
            button(text(name).size(theme::SMALL))
                .padding([6, 12])
                .style(if selected == Some(value) {
                    button::primary
                } else {
                    button::secondary
                })
                .on_press_maybe(enabled.then(|| on(value)))
                .into()
        }))
        .spacing(6)
        .wrap();
        labelled(label, buttons.into(), notes)
    }

    fn service_view<'a>(&'a self, review: &Review, tr: Tr) -> Element<'a, Message> {
        let options = ServiceType::ALL
            .iter()
            .map(|s| (*s, s.localize(tr.lang())))
            .collect();
        let mut notes = self.shown(review, Slot::Service, tr);
        if self.form.service.is_some_and(ServiceType::is_replacement) && !self.received {
            notes.push((Tone::Info, tr.t("intake.card_hint")));
        }
        column![
            text(tr.t("intake.service_title")).size(theme::HEADING),
            self.choice(
                tr.t("intake.service"),
                options,
                self.form.service,
                Message::Service,
                notes,
            ),
        ]
        .spacing(8)
        .into()
    }

    fn checklist_view<'a>(&'a self, tr: Tr) -> Element<'a, Message> {
        let lang = tr.lang();
        let mut list = column![text(tr.t("intake.checklist")).size(theme::HEADING)].spacing(10);
        if self.form.service.is_none() {
            return list
                .push(
                    text(tr.t("intake.checklist_empty"))
                        .size(theme::BODY)
                        .style(theme::muted),
                )
                .into();
        }
        let unchecked = self.tried.then(|| self.form.unchecked());
        for (i, (req, need)) in self.requirements().iter().enumerate() {
            let finding = self.form.finding(*req);
            let need_label = match need {
                Need::Required => tr.t("intake.required"),
                Need::IfApplicable => tr.t("intake.if_applicable"),
            };
            let buttons = row(CHECKS
                .iter()
                .filter(|(c, _)| *c != Check::NotApplicable || *need == Need::IfApplicable)
                .map(|(check, key)| {
                    let chosen = finding == Some(*check);
                    button(text(tr.t(key)).size(theme::SMALL))
                        .padding([6, 12])
                        .style(match (chosen, check) {
                            (true, Check::Missing) => button::danger,
                            (true, _) => button::success,
                            (false, _) => button::secondary,
                        })
                        .on_press_maybe((!self.busy).then_some(Message::Finding(*req, *check)))
                        .into()
                }))
            .spacing(6);
            let mut item = column![
                text(format!("[{}] {} ({need_label})", i + 1, req.localize(lang)))
                    .size(theme::BODY),
                buttons
            ]
            .spacing(4);
            if unchecked.as_ref().is_some_and(|u| u.contains(req)) {
                item = item.push(
                    text(tr.t("intake.not_checked"))
                        .size(theme::SMALL)
                        .style(theme::tone_text(Tone::Bad)),
                );
            }
            list = list.push(item);
        }
        list.into()
    }

    fn actions_view<'a>(&'a self, ctx: &'a Ctx) -> Element<'a, Message> {
        let tr = ctx.tr;
        if let Some(reason) = &self.cancel {
            let form = row![
                text(tr.t("intake.cancel_reason")).size(theme::BODY),
                text_input("", reason)
                    .id("intake-cancel-reason")
                    .on_input_maybe((!self.busy).then_some(Message::CancelReason))
                    .on_submit(Message::ConfirmCancel)
                    .size(theme::BODY)
                    .padding(10)
                    .width(Length::Fixed(420.0)),
                action(
                    tr.t("intake.cancel_confirm"),
                    Message::ConfirmCancel,
                    button::danger,
                    !self.busy
                ),
                action(
                    tr.t("intake.cancel_back"),
                    Message::CloseCancel,
                    button::secondary,
                    !self.busy
                ),
            ]
            .spacing(theme::GAP)
            .align_y(Alignment::Center);
            return container(form)
                .padding(12)
                .width(Length::Fill)
                .style(theme::panel)
                .into();
        }
        let fresh = !self.received && !self.busy;
        let card = self
            .form
            .service
            .is_none_or(ServiceType::is_replacement)
            .then(|| {
                action(
                    tr.t("intake.read_card"),
                    Message::ReadCard,
                    button::secondary,
                    fresh,
                )
            });
        let sample = (ctx.backends.smartcard == Backend::Simulated).then(|| {
            action(
                tr.t("intake.sample"),
                Message::Sample,
                button::secondary,
                fresh,
            )
        });
        row![action(
            tr.t("intake.accept"),
            Message::Accept,
            button::primary,
            !self.busy
        )]
        .push(card)
        .push(sample)
        .push(
            self.busy
                .then(|| text(tr.t("intake.busy")).size(theme::BODY)),
        )
        .push(space::horizontal())
        .push(action(
            tr.t("intake.cancel"),
            Message::AskCancel,
            button::danger,
            !self.busy,
        ))
        .spacing(theme::GAP)
        .align_y(Alignment::Center)
        .into()
    }

    fn returned_view<'a>(&'a self, r: &'a Returned, tr: Tr) -> Element<'a, Message> {
        let lang = tr.lang();
        let mut content =
            column![text(tr.t("intake.returned_title")).size(theme::TITLE)].spacing(12);
        if !r.missing.is_empty() {
            content = content.push(text(tr.t("intake.returned_missing")).size(theme::HEADING));
            for (i, req) in r.missing.iter().enumerate() {
                content = content
                    .push(text(format!("{}. {}", i + 1, req.localize(lang))).size(theme::BODY));
            }
        }
        if let Some(i) = r.ineligible {
            content = content.push(banner(Tone::Warning, i.localize(lang)));
        }
        content = content.push(match &r.slip {
            None => banner(Tone::Info, tr.t("intake.slip_saving")),
            Some(Ok(path)) => banner(
                Tone::Good,
                tr.f("intake.slip_saved", &[("path", &path.display())]),
            ),
            Some(Err(e)) => banner(Tone::Bad, e.text(lang)),
        });
        if r.printing {
            content = content.push(banner(Tone::Info, tr.t("intake.printing")));
        }
        match &r.printed {
            Some(Ok(())) => content = content.push(banner(Tone::Good, tr.t("intake.printed"))),
            Some(Err(e)) => content = content.push(banner(Tone::Bad, e.text(lang))),
            None => {}
        }
        let can_print = matches!(r.slip, Some(Ok(_))) && !r.printing;
        content = content.push(
            row![
                action(
                    tr.t("intake.print"),
                    Message::Print,
                    button::primary,
                    can_print
                ),
                action(
                    tr.t("intake.to_queue"),
                    Message::ToQueue,
                    button::secondary,
                    true
                ),
            ]
            .spacing(theme::GAP),
        );
        container(scrollable(content.padding(16)))
            .style(theme::panel)
            .width(Length::Fill)
            .height(Length::Fill)
            .into()
    }
}

/// A label above a control, with notes below it in their tones.
fn labelled<'a>(
    label: String,
    control: Element<'a, Message>,
    notes: Vec<(Tone, String)>,
) -> Element<'a, Message> {
    column![text(label).size(theme::SMALL).style(theme::muted), control]
        .extend(notes.into_iter().map(|(tone, note)| {
            text(note)
                .size(theme::SMALL)
                .style(theme::tone_text(tone))
                .into()
        }))
        .spacing(4)
        .into()
}
