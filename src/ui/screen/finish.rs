//! Finish: the proof of recording (bukti perekaman). As soon as the screen opens the proof is
//! made as a PDF and saved under `<data dir>/proofs/`, off the UI thread; the screen shows its
//! fields and QR code, prints it on demand, and closes the request: the proof is handed over
//! and the file archived. Meanwhile the applicant's window asks the satisfaction question.
//!
//! Keys: P prints, Enter hands over and finishes, S saves again after a failed save.

use std::path::PathBuf;

use chrono::NaiveDateTime;
use iced::keyboard::{Key, Modifiers, key::Named};
use iced::widget::{Column, button, column, qr_code, row, space, text};
use iced::{Alignment, Element, Length, Subscription, Task};

use super::{Action, Nav};
use crate::lang::Localize;
use crate::print::{self, Proof};
use crate::store::Station;
use crate::ui::applicant::{Guide, Show};
use crate::ui::ctx::Ctx;
use crate::ui::db::{Failure, off_thread};
use crate::ui::i18n::{Tr, tk};
use crate::ui::theme::{self, Tone};
use crate::ui::widget::banner;
use crate::ui::widget::header::{self, Stage};
use crate::workflow::{RequestView, Step, capture_name};

/// Where the proof is in its making.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Making {
    /// Reading the recording time and building the proof.
    Preparing,
    /// Making the PDF and writing it.
    Saving,
    Saved(PathBuf),
    /// The proof could not be built (storage): the reason is in `error`.
    Failed,
    /// The PDF could not be written: the system's words.
    SaveFailed(String),
}

/// The last print attempt.
#[derive(Debug, Clone)]
enum Printing {
    Idle,
    Sending,
    Sent,
    Failed(Failure),
}

#[derive(Debug)]
pub struct State {
    request: RequestView,
    proof: Option<Proof>,
    /// The proof's QR code as drawn on screen (not `Clone`: built once per proof).
    qr: Option<qr_code::Data>,
    making: Making,
    printing: Printing,
    /// Handing over and archiving.
    busy: bool,
    error: Option<Failure>,
}

#[derive(Debug, Clone)]
pub enum Message {
    /// Boxed: a proof is large next to the other messages.
    Prepared(Result<Box<Proof>, Failure>),
    Saved(Result<PathBuf, String>),
    /// Build or save the proof again after a failure.
    Retry,
    Print,
    Printed(Result<(), Failure>),
    HandOver,
    Done(Result<(), Failure>),
}

impl State {
    pub fn new(ctx: &Ctx, request: RequestView) -> (State, Task<Message>) {
        let mut state = State {
            request,
            proof: None,
            qr: None,
            making: Making::Preparing,
            printing: Printing::Idle,
            busy: false,
            error: None,
        };
        let task = state.prepare(ctx);
        (state, task)
    }

    pub fn update(&mut self, message: Message, ctx: &Ctx) -> Action<Message> {
        match message {
            Message::Prepared(Ok(proof)) => return Action::Run(self.prepared(*proof, ctx)),
            Message::Prepared(Err(e)) => {
                self.making = Making::Failed;
                self.error = Some(e);
            }
            Message::Saved(Ok(path)) => self.making = Making::Saved(path),
            Message::Saved(Err(why)) => self.making = Making::SaveFailed(why),
            Message::Retry => return self.retry(ctx),
            Message::Print => return self.print(),
            Message::Printed(result) => {
                self.printing = match result {
                    Ok(()) => Printing::Sent,
                    Err(e) => Printing::Failed(e),
                };
            }
            Message::HandOver => return self.hand_over(ctx),
            Message::Done(Ok(())) => {
                self.busy = false;
                return Action::Go(Nav::Queue);
            }
            Message::Done(Err(e)) => {
                self.busy = false;
                self.error = Some(e);
            }
        }
        Action::None
    }

    /// Reads what the proof needs from the store and builds it.
    fn prepare(&mut self, ctx: &Ctx) -> Task<Message> {
        self.making = Making::Preparing;
        self.error = None;
        let request = self.request.clone();
        let tr = ctx.tr;
        Task::perform(
            ctx.write(move |store, user| {
                // Recorded just now if the step event is somehow missing: the proof still goes out.
                let recorded_at = match store.recorded_at(request.id)? {
                    Some(t) => t,
                    None => store.local_time(&store.now())?,
                };
                Ok(Box::new(proof(
                    &request,
                    store.station(),
                    &user.full_name,
                    recorded_at,
                    tr,
                )))
            }),
            Message::Prepared,
        )
    }

    /// Shows the proof and starts writing its PDF.
    fn prepared(&mut self, proof: Proof, ctx: &Ctx) -> Task<Message> {
        // A payload over the QR capacity cannot happen with the payload's length limits; the
        // screen then shows the fields without the code.
        self.qr = qr_code::Data::new(print::qr_payload(&proof)).ok();
        self.proof = Some(proof.clone());
        self.making = Making::Saving;
        save(
            proof,
            ctx.paths.data_dir.join("proofs"),
            self.file_name(),
            ctx.lang(),
        )
    }

    /// `<register number>.pdf`, in the characters a file name may safely hold.
    fn file_name(&self) -> String {
        let stem = match &self.request.register_number {
            Some(n) if !n.trim().is_empty() => n
                .trim()
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect(),
            _ => format!("permohonan-{}", self.request.id),
        };
        format!("{stem}.pdf")
    }

    fn retry(&mut self, ctx: &Ctx) -> Action<Message> {
        match (&self.making, &self.proof) {
            (Making::SaveFailed(_), Some(proof)) => {
                let proof = proof.clone();
                Action::Run(self.prepared(proof, ctx))
            }
            (Making::Failed, _) => Action::Run(self.prepare(ctx)),
            _ => Action::None,
        }
    }

    fn print(&mut self) -> Action<Message> {
        let Making::Saved(path) = &self.making else {
            return Action::None;
        };
        if matches!(self.printing, Printing::Sending) {
            return Action::None;
        }
        self.printing = Printing::Sending;
        let path = path.clone();
        Action::Run(Task::perform(
            off_thread("rekam-print", move || {
                print::print_file(&path).map_err(Failure::new)
            }),
            |r| Message::Printed(r.and_then(|r| r)),
        ))
    }

    fn hand_over(&mut self, ctx: &Ctx) -> Action<Message> {
        if self.busy {
            return Action::None;
        }
        self.busy = true;
        self.error = None;
        let id = self.request.id;
        Action::Run(Task::perform(
            ctx.write(move |store, user| {
                // The step as stored, not as this screen was opened: a retry after a failed
                // archive must not hand the proof over twice.
                if store.request(id)?.map(|r| r.step) == Some(Step::Recorded) {
                    store.hand_over_proof(user, id)?;
                }
                Ok(store.archive(user, id)?)
            }),
            Message::Done,
        ))
    }

    pub fn view<'a>(&'a self, ctx: &'a Ctx) -> Element<'a, Message> {
        let tr = ctx.tr;
        let mut page = column![
            header::view(&self.request, Stage::Proof, tr),
            text(tr.t("finish.title")).size(theme::TITLE),
        ]
        .spacing(theme::GAP);
        page = page.push(
            self.error
                .as_ref()
                .map(|e| banner(Tone::Bad, e.text(ctx.lang()))),
        );
        if let Some(proof) = &self.proof {
            let qr = self.qr.as_ref().map(|data| {
                column![
                    qr_code(data).cell_size(5),
                    text(tr.t("finish.qr_hint"))
                        .size(theme::SMALL)
                        .style(theme::muted),
                ]
                .spacing(6)
                .align_x(Alignment::Center)
            });
            page = page.push(
                row![fields(proof, tr).width(Length::Fill)]
                    .push(qr)
                    .spacing(theme::GAP * 2.0)
                    .align_y(Alignment::Start),
            );
        }
        page = page
            .push(self.making_status(ctx))
            .push(self.print_status(ctx));
        let action = |label: String, message: Option<Message>, primary: bool| {
            button(text(label).size(theme::BODY))
                .padding(theme::BUTTON_PADDING)
                .height(Length::Fixed(theme::CONTROL_HEIGHT))
                .on_press_maybe(message)
                .style(if primary {
                    button::primary
                } else {
                    button::secondary
                })
        };
        let can_print =
            matches!(self.making, Making::Saved(_)) && !matches!(self.printing, Printing::Sending);
        let finish_label = if self.request.step == Step::ProofHandedOver {
            tr.t("finish.archive")
        } else {
            tr.t("finish.hand_over")
        };
        let buttons = row![action(
            tr.t("finish.print"),
            can_print.then_some(Message::Print),
            false
        )]
        .push(
            matches!(self.making, Making::Failed | Making::SaveFailed(_))
                .then(|| action(tr.t("finish.retry"), Some(Message::Retry), false)),
        )
        .push(space::horizontal())
        .push(
            self.busy
                .then(|| text(tr.t("finish.finishing")).size(theme::BODY)),
        )
        .push(action(
            finish_label,
            (!self.busy).then_some(Message::HandOver),
            true,
        ))
        .spacing(theme::GAP)
        .align_y(Alignment::Center);
        page.push(space::vertical())
            .push(
                text(tr.t("finish.survey_hint"))
                    .size(theme::SMALL)
                    .style(theme::muted),
            )
            .push(buttons)
            .into()
    }

    fn making_status<'a>(&'a self, ctx: &'a Ctx) -> Option<Element<'a, Message>> {
        let tr = ctx.tr;
        Some(match &self.making {
            Making::Preparing => text(tr.t("finish.preparing")).size(theme::BODY).into(),
            Making::Saving => text(tr.t("finish.saving")).size(theme::BODY).into(),
            Making::Saved(path) => banner(
                Tone::Good,
                tr.f("finish.saved", &[("path", &path.display())]),
            ),
            Making::SaveFailed(why) => {
                banner(Tone::Bad, tr.f("finish.save_failed", &[("detail", why)]))
            }
            Making::Failed => return None,
        })
    }

    fn print_status<'a>(&'a self, ctx: &'a Ctx) -> Option<Element<'a, Message>> {
        let tr = ctx.tr;
        let path = match &self.making {
            Making::Saved(p) => p.display().to_string(),
            _ => String::new(),
        };
        Some(match &self.printing {
            Printing::Idle => return None,
            Printing::Sending => text(tr.t("finish.printing")).size(theme::BODY).into(),
            Printing::Sent => banner(Tone::Good, tr.t("finish.printed")),
            Printing::Failed(e) => banner(
                Tone::Bad,
                tr.f(
                    "finish.print_failed",
                    &[("error", &e.text(ctx.lang())), ("path", &path)],
                ),
            ),
        })
    }

    pub fn subscription(&self, _ctx: &Ctx) -> Subscription<Message> {
        Subscription::none()
    }

    pub fn shortcut(&self, key: &Key, modifiers: Modifiers) -> Option<Message> {
        if modifiers.control() || modifiers.alt() || modifiers.logo() {
            return None;
        }
        match key.as_ref() {
            Key::Named(Named::Enter) => Some(Message::HandOver),
            Key::Character(c) if c.eq_ignore_ascii_case("p") => Some(Message::Print),
            Key::Character(c) if c.eq_ignore_ascii_case("s") => Some(Message::Retry),
            _ => None,
        }
    }

    pub fn guide(&self, ctx: &Ctx) -> Guide {
        Guide::new(ctx.tr.t("finish.applicant_thanks"))
            .detail(ctx.tr.t("finish.applicant_detail"))
            .show(Show::Satisfaction(None))
    }
}

/// The proof of `request`, in the language of `tr`.
pub fn proof(
    request: &RequestView,
    station: &Station,
    operator: &str,
    recorded_at: NaiveDateTime,
    tr: Tr,
) -> Proof {
    let lang = tr.lang();
    let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_owned());
    Proof {
        register_number: or_dash(&request.register_number),
        nik: or_dash(&request.nik),
        full_name: or_dash(&request.full_name),
        service: request
            .service_type
            .map(|s| s.localize(lang))
            .unwrap_or_else(|| "-".to_owned()),
        recorded_at,
        station_id: station.station_id.clone(),
        kecamatan_code: station.kecamatan_code.clone(),
        kecamatan_name: station.kecamatan_name.clone(),
        operator: operator.to_owned(),
        ticket: request.ticket.clone(),
        training: station.mode.is_training(),
        exceptions: request
            .captures
            .iter()
            .filter_map(|c| {
                let kind = c.exception?;
                Some(tr.f(
                    "finish.exception_line",
                    &[
                        ("name", &capture_name(c.modality, c.position, lang)),
                        ("kind", &kind.localize(lang)),
                        ("reason", &c.exception_reason.clone().unwrap_or_default()),
                    ],
                ))
            })
            .collect(),
    }
}

/// The proof's fields as on paper.
fn fields<'a>(proof: &Proof, tr: Tr) -> Column<'a, Message> {
    let line = |key: &str, value: String, size: f32| {
        row![
            text(tr.t(key))
                .size(theme::BODY)
                .width(Length::Fixed(220.0))
                .style(theme::muted),
            text(value).size(size),
        ]
        .spacing(theme::GAP)
        .align_y(Alignment::Center)
    };
    let mut col = column![
        line(
            tk("finish.register_number"),
            proof.register_number.clone(),
            theme::HEADING
        ),
        line(tk("finish.nik"), proof.nik.clone(), theme::HEADING),
        line(tk("finish.name"), proof.full_name.clone(), theme::HEADING),
        line(tk("finish.service"), proof.service.clone(), theme::BODY),
        line(
            tk("finish.recorded_at"),
            proof.recorded_at.format("%d-%m-%Y %H:%M").to_string(),
            theme::BODY
        ),
        line(tk("finish.ticket"), proof.ticket.clone(), theme::BODY),
        line(
            tk("finish.place"),
            tr.f(
                "finish.place_value",
                &[
                    ("kecamatan", &proof.kecamatan_name),
                    ("code", &proof.kecamatan_code),
                    ("station", &proof.station_id),
                ],
            ),
            theme::BODY
        ),
        line(tk("finish.operator"), proof.operator.clone(), theme::BODY),
    ]
    .spacing(6);
    if !proof.exceptions.is_empty() {
        col = col.push(text(tr.t("finish.exceptions")).size(theme::BODY));
        col = col.extend(proof.exceptions.iter().map(|e| {
            text(format!("• {e}"))
                .size(theme::BODY)
                .style(theme::tone_text(Tone::Warning))
                .into()
        }));
    }
    col
}

/// Makes the proof's PDF and writes it atomically into `dir`, on a thread of its own.
fn save(proof: Proof, dir: PathBuf, file_name: String, lang: crate::Lang) -> Task<Message> {
    Task::perform(
        off_thread("rekam-proof-pdf", move || {
            let bytes = print::proof_pdf(&proof, lang).map_err(|e| e.localize(lang))?;
            print::save(&dir, &file_name, &bytes).map_err(|e| format!("{}: {e}", dir.display()))
        }),
        |r| Message::Saved(r.unwrap_or_else(|e| Err(e.text(crate::Lang::En)))),
    )
}

#[cfg(test)]
mod tests;
