//! The return of an incomplete file: what is missing, the return slip saved as a PDF under
//! the data folder, and printing it.

use std::path::PathBuf;

use iced::Task;

use super::{Action, Field, Message, State, off_thread};
use crate::domain::Requirement;
use crate::domain::applicant::{self, Ineligible};
use crate::domain::nik;
use crate::lang::{Lang, Localize};
use crate::print::slip::{ReturnSlip, return_slip_pdf};
use crate::ui::ctx::Ctx;
use crate::ui::db::Failure;
use crate::ui::i18n::Tr;

/// The file was returned to the applicant.
#[derive(Debug, Clone)]
pub(super) struct Returned {
    pub(super) missing: Vec<Requirement>,
    pub(super) ineligible: Option<Ineligible>,
    pub(super) slip: Option<Result<PathBuf, Failure>>,
    pub(super) printing: bool,
    pub(super) printed: Option<Result<(), Failure>>,
}

/// The return slip could not be written.
#[derive(Debug)]
struct SlipNotSaved {
    dir: PathBuf,
    error: String,
}

impl Localize for SlipNotSaved {
    fn localize(&self, lang: Lang) -> String {
        Tr(lang).f(
            "intake.slip_not_saved",
            &[("dir", &self.dir.display()), ("error", &self.error)],
        )
    }
}

impl State {
    fn slip(&self, returned: &Returned, ctx: &Ctx) -> ReturnSlip {
        let lang = ctx.lang();
        let station = ctx.db.as_ref().map(|db| db.station());
        let name = applicant::normalize_name(self.form.get(Field::FullName)).ok();
        let nik = nik::check_nik(self.form.get(Field::Nik), self.today, None, None)
            .value
            .map(|n| n.digits);
        ReturnSlip {
            ticket: self.request.ticket.clone(),
            nik,
            full_name: name,
            service: self
                .form
                .service
                .map(|s| s.localize(lang))
                .unwrap_or_default(),
            missing: returned.missing.iter().map(|r| r.localize(lang)).collect(),
            reason: returned.ineligible.map(|i| i.localize(lang)),
            date: self.today,
            kecamatan_name: station
                .map(|s| s.kecamatan_name.clone())
                .unwrap_or_default(),
            station_id: station.map(|s| s.station_id.clone()).unwrap_or_default(),
            training: ctx.training(),
        }
    }

    /// Writes the return slip under `<data_dir>/slips/`, off the UI thread.
    pub(super) fn save_slip(&mut self, ctx: &Ctx) -> Action<Message> {
        let Some(returned) = &self.returned else {
            return Action::None;
        };
        let slip = self.slip(returned, ctx);
        let lang = ctx.lang();
        let dir = ctx.paths.data_dir.join("slips");
        Action::Run(Task::perform(
            off_thread("rekam-slip", move || {
                let pdf = return_slip_pdf(&slip, lang).map_err(Failure::new)?;
                crate::print::save(&dir, &slip.file_name(), &pdf).map_err(|e| {
                    Failure::new(SlipNotSaved {
                        dir: dir.clone(),
                        error: e.to_string(),
                    })
                })
            }),
            Message::SlipSaved,
        ))
    }

    pub(super) fn print(&mut self) -> Action<Message> {
        let Some(r) = &mut self.returned else {
            return Action::None;
        };
        let (Some(Ok(path)), false) = (&r.slip, r.printing) else {
            return Action::None;
        };
        let path = path.clone();
        r.printing = true;
        r.printed = None;
        Action::Run(Task::perform(
            off_thread("rekam-print", move || {
                crate::print::print_file(&path).map_err(Failure::new)
            }),
            Message::Printed,
        ))
    }
}
