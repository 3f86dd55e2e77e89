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
mod tests {
    use super::*;
    use crate::ui::screen::testing::{Fixture, run, settle, simulator, today};
    use crate::workflow::{ExceptionKind, Modality};

    /// The finish screen opened on `request`, with its proof made and saved.
    fn open(f: &Fixture, request: RequestView) -> State {
        let (mut state, task) = State::new(&f.ctx, request);
        for m in run(task) {
            assert!(settle(&mut state, m, &f.ctx, State::update).is_none());
        }
        state
    }

    fn step_of(f: &Fixture, id: i64) -> Step {
        f.store(move |s| Ok(s.request(id)?.map(|r| r.step)))
            .expect("request")
    }

    #[test]
    fn the_proof_is_saved_as_pdf_as_soon_as_the_screen_opens() {
        let f = Fixture::new();
        let request = f.request_at(1, Step::Recorded);
        let register = request.register_number.clone().expect("register number");
        let state = open(&f, request.clone());
        let expected = f
            .ctx
            .paths
            .data_dir
            .join("proofs")
            .join(format!("{register}.pdf"));
        assert_eq!(state.making, Making::Saved(expected.clone()));
        let bytes = std::fs::read(&expected).expect("the PDF was written");
        assert!(bytes.starts_with(b"%PDF"));
        let proof = state.proof.as_ref().expect("proof");
        assert_eq!(proof.register_number, register);
        assert_eq!(Some(&proof.nik), request.nik.as_ref());
        assert_eq!(proof.operator, "Budi Santoso");
        assert_eq!(proof.station_id, "01");
        assert_eq!(proof.kecamatan_code, "331301");
        assert_eq!(proof.ticket, "A-001");
        assert_eq!(
            proof.recorded_at,
            today().and_hms_opt(9, 0, 0).expect("time")
        );
        assert!(proof.exceptions.is_empty());
        assert!(state.qr.is_some());
    }

    #[test]
    fn handing_over_archives_the_file_and_returns_to_the_queue() {
        let f = Fixture::new();
        let request = f.request_at(1, Step::Recorded);
        let id = request.id;
        let mut state = open(&f, request);
        assert!(matches!(
            settle(&mut state, Message::HandOver, &f.ctx, State::update),
            Some(Nav::Queue)
        ));
        assert_eq!(step_of(&f, id), Step::Archived);
    }

    #[test]
    fn a_proof_already_handed_over_is_only_archived() {
        let f = Fixture::new();
        let id = f.request_at(2, Step::Recorded).id;
        let op = f.operator.clone();
        let request = f.store(move |s| {
            s.hand_over_proof(&op, id)?;
            Ok(s.request(id)?.expect("request"))
        });
        let mut state = open(&f, request);
        let mut ui = simulator(state.view(&f.ctx));
        assert!(ui.find("Arsipkan berkas dan selesai [Enter]").is_ok());
        drop(ui);
        assert!(matches!(
            settle(&mut state, Message::HandOver, &f.ctx, State::update),
            Some(Nav::Queue)
        ));
        assert_eq!(step_of(&f, id), Step::Archived);
        // Finishing again is refused by the workflow, and the screen says so.
        assert!(settle(&mut state, Message::HandOver, &f.ctx, State::update).is_none());
        assert!(state.error.is_some() && !state.busy);
    }

    #[test]
    fn exceptions_are_listed_in_the_operators_language() {
        let f = Fixture::new();
        let mut request = f.request_at(3, Step::Recorded);
        if let Some(c) = request
            .captures
            .iter_mut()
            .find(|c| c.modality == Modality::Finger && c.position == 10)
        {
            c.format = None;
            c.exception = Some(ExceptionKind::Injured);
            c.exception_reason = Some("jari diperban".into());
        }
        let station = f.ctx.db().expect("db").station().clone();
        let at = today().and_hms_opt(10, 30, 0).expect("time");
        let p = proof(&request, &station, "Budi", at, f.ctx.tr);
        assert_eq!(
            p.exceptions,
            vec!["kelingking kiri: cedera (sementara), alasan: jari diperban"]
        );
        let en = proof(&request, &station, "Budi", at, Tr(crate::Lang::En));
        assert_eq!(
            en.exceptions,
            vec!["left little: injured (temporary), reason: jari diperban"]
        );
        assert_eq!(
            en.service,
            request
                .service_type
                .expect("service")
                .localize(crate::Lang::En)
        );
    }

    #[test]
    fn a_failed_save_says_why_and_saves_again_on_request() {
        let f = Fixture::new();
        // A file where the proofs directory should be: the save cannot succeed.
        let blocker = f.ctx.paths.data_dir.join("proofs");
        std::fs::write(&blocker, b"not a directory").expect("blocker");
        let request = f.request_at(1, Step::Recorded);
        let mut state = open(&f, request);
        assert!(matches!(state.making, Making::SaveFailed(_)));
        let mut ui = simulator(state.view(&f.ctx));
        assert!(ui.find("Coba lagi [S]").is_ok());
        ui.click("Coba lagi [S]").expect("retry button");
        assert!(matches!(ui.into_messages().last(), Some(Message::Retry)));
        std::fs::remove_file(&blocker).expect("remove blocker");
        assert!(settle(&mut state, Message::Retry, &f.ctx, State::update).is_none());
        assert!(matches!(&state.making, Making::Saved(p) if p.exists()));
    }

    #[test]
    fn printing_without_a_print_system_shows_the_error_and_the_path() {
        if crate::print::find_on_path("lp").is_some() {
            // A real printer here: do not print from a test.
            return;
        }
        let f = Fixture::new();
        let request = f.request_at(1, Step::Recorded);
        let mut state = open(&f, request);
        assert!(settle(&mut state, Message::Print, &f.ctx, State::update).is_none());
        let Printing::Failed(e) = &state.printing else {
            panic!("expected a print failure, got {:?}", state.printing);
        };
        assert!(e.text(crate::Lang::Id).contains("CUPS"));
        let Making::Saved(path) = &state.making else {
            panic!("saved");
        };
        let shown = format!(
            "{} Berkas PDF dapat dicetak dari komputer lain: {}",
            e.text(crate::Lang::Id),
            path.display()
        );
        let mut ui = simulator(state.view(&f.ctx));
        assert!(ui.find(shown.as_str()).is_ok());
    }

    #[test]
    fn the_view_shows_the_proof_and_its_buttons_by_label() {
        let f = Fixture::new();
        let request = f.request_at(1, Step::Recorded);
        let register = request.register_number.clone().expect("register number");
        let state = open(&f, request);
        let mut ui = simulator(state.view(&f.ctx));
        assert!(ui.find("Bukti perekaman KTP-el").is_ok());
        assert!(ui.find(register.as_str()).is_ok());
        assert!(ui.find("Budi Santoso").is_ok());
        let station = f.ctx.db().expect("db").station().clone();
        let place = format!("Kecamatan {} (331301), stasiun 01", station.kecamatan_name);
        assert!(ui.find(place.as_str()).is_ok());
        ui.click("Cetak [P]").expect("print button");
        ui.click("Serahkan bukti dan selesai [Enter]")
            .expect("hand-over button");
        let messages: Vec<Message> = ui.into_messages().collect();
        assert!(matches!(messages.first(), Some(Message::Print)));
        assert!(matches!(messages.last(), Some(Message::HandOver)));
        // While the proof is being made, printing is not offered yet.
        let (state, _task) = State::new(&f.ctx, f.request_at(2, Step::Recorded));
        let mut ui = simulator(state.view(&f.ctx));
        assert!(ui.find("Menyiapkan bukti perekaman…").is_ok());
        ui.click("Cetak [P]").expect("print button is there");
        assert!(ui.into_messages().next().is_none(), "but disabled");
    }

    #[test]
    fn keys_and_the_applicant_guide() {
        let f = Fixture::new();
        let (state, _task) = State::new(&f.ctx, f.request_at(1, Step::Recorded));
        let none = Modifiers::default();
        assert!(matches!(
            state.shortcut(&Key::Character("p".into()), none),
            Some(Message::Print)
        ));
        assert!(matches!(
            state.shortcut(&Key::Named(Named::Enter), none),
            Some(Message::HandOver)
        ));
        let guide = state.guide(&f.ctx);
        assert!(matches!(guide.show, Show::Satisfaction(None)));
        assert_eq!(
            guide.say,
            "Terima kasih, perekaman KTP-el Anda sudah selesai"
        );
    }
}
