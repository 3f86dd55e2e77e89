//! Devices: what `rekam doctor` finds for each device class, checked again every few seconds
//! while the screen is open, and the settings an operator may change: which backend each class
//! uses, the desk number, the idle logout, the spoken calls and the language.

use std::time::Duration;

use iced::keyboard::{Key, Modifiers, key::Named};
use iced::widget::{button, checkbox, column, container, pick_list, row, scrollable, text};
use iced::{Alignment, Element, Length, Subscription, Task};
use rekam_device::{Backend, DeviceClass};

use super::{Action, Nav};
use crate::announce::{Announcer, announcement};
use crate::devices::doctor::{self, Diagnosis, class_name};
use crate::devices::{DeviceSettings, Mode};
use crate::domain::StationMode;
use crate::lang::Lang;
use crate::ui::ctx::Ctx;
use crate::ui::db::Failure;
use crate::ui::i18n::{Tr, tk};
use crate::ui::theme::{self, Tone};

/// How often the devices are looked at again while the screen is open.
const RECHECK: Duration = Duration::from_secs(10);

const CLASSES: [DeviceClass; 5] = [
    DeviceClass::Fingerprint,
    DeviceClass::FaceCamera,
    DeviceClass::IrisCamera,
    DeviceClass::Smartcard,
    DeviceClass::SignaturePad,
];

#[derive(Debug)]
pub struct State {
    diagnoses: Vec<Diagnosis>,
    checking: bool,
    /// The settings being edited; saved with Ctrl+S.
    draft: DeviceSettings,
    saved: bool,
    error: Option<Failure>,
    /// The class whose mode the number keys change.
    selected: usize,
}

#[derive(Debug, Clone)]
pub enum Message {
    Check,
    Checked(Vec<Diagnosis>),
    Mode(DeviceClass, ModeChoice),
    Select(usize),
    CycleMode,
    Desk(u32),
    Idle(u32),
    Announce(bool),
    Language(LangChoice),
    TestCall,
    Save,
    /// Boxed: the settings are large next to the other messages.
    Saved(Result<Box<DeviceSettings>, Failure>),
}

/// A mode as the pick list shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModeChoice(pub Mode, pub Lang);

impl std::fmt::Display for ModeChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let key = match self.0 {
            Mode::Auto => tk("devices.mode_auto"),
            Mode::Real => tk("devices.mode_real"),
            Mode::Simulated => tk("devices.mode_simulated"),
        };
        f.write_str(&Tr(self.1).t(key))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LangChoice(pub Lang);

impl std::fmt::Display for LangChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.0 {
            Lang::Id => "Bahasa Indonesia",
            Lang::En => "English",
        })
    }
}

/// The station's mode (training until the store is open).
fn station(ctx: &Ctx) -> StationMode {
    ctx.station_mode().unwrap_or(StationMode::Training)
}

fn mode_of(settings: &DeviceSettings, class: DeviceClass) -> Mode {
    match class {
        DeviceClass::Fingerprint => settings.fingerprint.mode,
        DeviceClass::FaceCamera => settings.face_camera.mode,
        DeviceClass::IrisCamera => settings.iris_camera.mode,
        DeviceClass::Smartcard => settings.smartcard.mode,
        DeviceClass::SignaturePad => settings.signature_pad.mode,
    }
}

fn set_mode(settings: &mut DeviceSettings, class: DeviceClass, mode: Mode) {
    match class {
        DeviceClass::Fingerprint => settings.fingerprint.mode = mode,
        DeviceClass::FaceCamera => settings.face_camera.mode = mode,
        DeviceClass::IrisCamera => settings.iris_camera.mode = mode,
        DeviceClass::Smartcard => settings.smartcard.mode = mode,
        DeviceClass::SignaturePad => settings.signature_pad.mode = mode,
    }
}

impl State {
    pub fn new(ctx: &Ctx) -> (State, Task<Message>) {
        let state = State {
            diagnoses: ctx.diagnoses.clone(),
            checking: true,
            draft: ctx.settings.clone(),
            saved: false,
            error: None,
            selected: 0,
        };
        (state, check(ctx.settings.clone(), station(ctx)))
    }

    pub fn update(&mut self, message: Message, ctx: &Ctx) -> Action<Message> {
        match message {
            Message::Check => {
                if !self.checking {
                    self.checking = true;
                    return Action::Run(check(ctx.settings.clone(), station(ctx)));
                }
            }
            Message::Checked(diagnoses) => {
                self.checking = false;
                self.diagnoses = diagnoses;
            }
            Message::Mode(class, choice) => {
                set_mode(&mut self.draft, class, choice.0);
                self.saved = false;
            }
            Message::Select(i) => self.selected = i.min(CLASSES.len() - 1),
            Message::CycleMode => {
                let class = CLASSES[self.selected];
                let next = match mode_of(&self.draft, class) {
                    Mode::Auto => Mode::Real,
                    Mode::Real => Mode::Simulated,
                    Mode::Simulated => Mode::Auto,
                };
                set_mode(&mut self.draft, class, next);
                self.saved = false;
            }
            Message::Desk(d) => {
                self.draft.kiosk.desk = d.clamp(1, 99);
                self.saved = false;
            }
            Message::Idle(m) => {
                self.draft.kiosk.idle_logout_minutes = m.clamp(1, 60);
                self.saved = false;
            }
            Message::Announce(on) => {
                self.draft.kiosk.announce = on;
                self.saved = false;
            }
            Message::Language(l) => {
                self.draft.kiosk.language = l.0;
                self.saved = false;
            }
            Message::TestCall => {
                let text = announcement("A-001", self.draft.kiosk.desk, ctx.lang());
                if let Err(e) = Announcer::detect().with_lang(ctx.lang()).speak(&text) {
                    self.error = Some(Failure::new(e));
                }
            }
            Message::Save => {
                if !supervisor(ctx) {
                    self.error = Some(Failure::new(crate::workflow::WorkflowError::NotSupervisor(
                        "change_settings",
                    )));
                    return Action::None;
                }
                let settings = self.draft.clone();
                self.error = None;
                return Action::Run(Task::perform(
                    // Through the store: it checks the role and the station's mode, writes the
                    // file and audits every change with its old and new value.
                    ctx.write(move |store, user| {
                        store.save_device_settings(user, &settings)?;
                        Ok(Box::new(settings))
                    }),
                    Message::Saved,
                ));
            }
            Message::Saved(Ok(settings)) => {
                self.saved = true;
                self.checking = true;
                return Action::Go(Nav::ApplySettings(settings));
            }
            Message::Saved(Err(e)) => self.error = Some(e),
        }
        Action::None
    }

    pub fn view<'a>(&'a self, ctx: &'a Ctx) -> Element<'a, Message> {
        let tr = ctx.tr;
        let lang = ctx.lang();
        let rows = column(CLASSES.iter().enumerate().map(|(i, class)| {
            let found = self.diagnoses.iter().find(|d| d.class == *class);
            let (state, tone) = match found.and_then(Diagnosis::backend) {
                Some(Backend::Real) => (tr.t("devices.ready_real"), Tone::Good),
                Some(Backend::Simulated) => (tr.t("devices.simulated"), Tone::Info),
                None if found.is_none() => (tr.t("devices.checking"), Tone::Info),
                None if found.is_some_and(Diagnosis::refused) => {
                    (tr.t("devices.refused"), Tone::Bad)
                }
                None => (tr.t("devices.not_ready"), Tone::Bad),
            };
            let detail = found
                .and_then(|d| d.found.as_ref().map(|info| info.to_string()))
                .unwrap_or_default();
            let advice = found.and_then(|d| d.advice(lang));
            let modes: Vec<ModeChoice> = [Mode::Auto, Mode::Real, Mode::Simulated]
                .into_iter()
                .filter(|m| *m != Mode::Simulated || ctx.training())
                .map(|m| ModeChoice(m, lang))
                .collect();
            let class = *class;
            container(
                column![
                    row![
                        text(class_name(class, lang))
                            .size(theme::HEADING)
                            .width(Length::Fill),
                        container(text(state).size(theme::BODY))
                            .padding([4, 10])
                            .style(theme::banner(tone)),
                        pick_list(
                            modes,
                            Some(ModeChoice(mode_of(&self.draft, class), lang)),
                            move |m| { Message::Mode(class, m) }
                        )
                        .text_size(theme::BODY)
                        .padding(8),
                    ]
                    .spacing(theme::GAP)
                    .align_y(Alignment::Center),
                ]
                .push(
                    (!detail.is_empty())
                        .then(|| text(detail).size(theme::SMALL).style(theme::muted)),
                )
                .push(advice.map(|a| text(a).size(theme::BODY).style(theme::tone_text(Tone::Bad))))
                .spacing(6),
            )
            .padding(12)
            .width(Length::Fill)
            .style(if i == self.selected {
                theme::selected_panel
            } else {
                theme::panel
            })
            .into()
        }))
        .spacing(8);
        let kiosk = &self.draft.kiosk;
        let number = |label: String, value: u32, less: Message, more: Message| {
            row![
                text(label).size(theme::BODY).width(Length::Fixed(260.0)),
                button(text("−").size(theme::BODY))
                    .on_press(less)
                    .padding([6, 16])
                    .style(button::secondary),
                text(value.to_string())
                    .size(theme::HEADING)
                    .width(Length::Fixed(60.0))
                    .align_x(Alignment::Center),
                button(text("+").size(theme::BODY))
                    .on_press(more)
                    .padding([6, 16])
                    .style(button::secondary),
            ]
            .spacing(8)
            .align_y(Alignment::Center)
        };
        let langs = vec![LangChoice(Lang::Id), LangChoice(Lang::En)];
        let settings = column![
            text(tr.t("devices.settings")).size(theme::HEADING),
            number(
                tr.t("devices.desk"),
                kiosk.desk,
                Message::Desk(kiosk.desk.saturating_sub(1)),
                Message::Desk(kiosk.desk + 1)
            ),
            number(
                tr.t("devices.idle_minutes"),
                kiosk.idle_logout_minutes,
                Message::Idle(kiosk.idle_logout_minutes.saturating_sub(1)),
                Message::Idle(kiosk.idle_logout_minutes + 1)
            ),
            checkbox(kiosk.announce)
                .label(tr.t("devices.announce"))
                .on_toggle(Message::Announce)
                .text_size(theme::BODY)
                .size(24),
            row![
                text(tr.t("devices.language"))
                    .size(theme::BODY)
                    .width(Length::Fixed(260.0)),
                pick_list(langs, Some(LangChoice(kiosk.language)), Message::Language)
                    .text_size(theme::BODY)
                    .padding(8),
            ]
            .align_y(Alignment::Center),
            row![
                button(text(tr.t("devices.save")).size(theme::BODY))
                    .on_press_maybe(supervisor(ctx).then_some(Message::Save))
                    .padding(theme::BUTTON_PADDING)
                    .style(button::primary),
                button(text(tr.t("devices.test_call")).size(theme::BODY))
                    .on_press(Message::TestCall)
                    .padding(theme::BUTTON_PADDING)
                    .style(button::secondary),
            ]
            .spacing(theme::GAP),
            button(text(tr.t("devices.check")).size(theme::BODY))
                .on_press_maybe((!self.checking).then_some(Message::Check))
                .padding(theme::BUTTON_PADDING)
                .style(button::secondary),
        ]
        .push((!supervisor(ctx)).then(|| {
            text(tr.t("devices.supervisor_only"))
                .size(theme::SMALL)
                .style(theme::muted)
        }))
        .push(self.saved.then(|| {
            text(tr.t("devices.saved"))
                .size(theme::BODY)
                .style(theme::tone_text(Tone::Good))
        }))
        .push(self.error.as_ref().map(|e| {
            text(e.text(lang))
                .size(theme::BODY)
                .style(theme::tone_text(Tone::Bad))
        }))
        .push(export_settings(&self.draft, tr))
        .spacing(theme::GAP)
        .width(Length::FillPortion(2));
        column![
            text(tr.t("devices.title")).size(theme::TITLE),
            row![
                scrollable(rows)
                    .width(Length::FillPortion(3))
                    .height(Length::Fill),
                settings
            ]
            .spacing(theme::GAP * 2.0),
            text(tr.t("devices.keys"))
                .size(theme::SMALL)
                .style(theme::muted),
        ]
        .spacing(theme::GAP)
        .into()
    }

    pub fn subscription(&self, _ctx: &Ctx) -> Subscription<Message> {
        iced::time::every(RECHECK).map(|_| Message::Check)
    }

    pub fn guide(&self, ctx: &Ctx) -> crate::ui::applicant::Guide {
        super::welcome(ctx)
    }

    pub fn shortcut(&self, key: &Key, modifiers: Modifiers) -> Option<Message> {
        match key.as_ref() {
            Key::Character("s") if modifiers.control() => Some(Message::Save),
            Key::Character("r") => Some(Message::Check),
            Key::Character("a") => Some(Message::TestCall),
            Key::Character("m") => Some(Message::CycleMode),
            Key::Named(Named::ArrowDown) => Some(Message::Select(self.selected + 1)),
            Key::Named(Named::ArrowUp) => Some(Message::Select(self.selected.saturating_sub(1))),
            _ => None,
        }
    }
}

/// The `[export]` settings, read-only here (a supervisor changes them in devices.toml; a change by
/// hand is found and audited at the next start).
fn export_settings<'a>(settings: &DeviceSettings, tr: Tr) -> Element<'a, Message> {
    let e = &settings.export;
    column![
        text(tr.t("close.settings_title")).size(theme::BODY),
        text(tr.f(
            "close.settings_line",
            &[
                ("receivers", &e.recipients.len()),
                ("days", &e.retention_days),
                ("floor", &e.disk_floor_mb),
            ],
        ))
        .size(theme::SMALL)
        .style(theme::muted),
    ]
    .spacing(4)
    .into()
}

/// Whether the logged-in user may change the settings (the store checks again).
fn supervisor(ctx: &Ctx) -> bool {
    ctx.user
        .as_ref()
        .is_some_and(|u| u.role == crate::store::Role::Supervisor)
}

/// Runs the doctor on a thread of its own (probing a pad takes about a second).
fn check(settings: DeviceSettings, mode: StationMode) -> Task<Message> {
    Task::perform(blocking(move || doctor::diagnose(&settings, mode)), |d| {
        Message::Checked(d.unwrap_or_default())
    })
}

/// Runs `f` on a thread of its own (`None`: the thread could not run).
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    crate::ui::db::off_thread("rekam-devices", f).await.ok()
}

#[cfg(test)]
mod tests;
