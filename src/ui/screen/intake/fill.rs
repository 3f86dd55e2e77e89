//! Filling the form from elsewhere: the birth date and sex the NIK encodes (F4), the NIK and
//! name on the applicant's old KTP-el in the card reader (F6), and the whole file of the
//! ticket's simulated applicant on a training station (F7).

use chrono::{Datelike, NaiveDate};
use iced::Task;
use rekam_device::{Backend, DeviceClass};
use rekam_smartcard::ApplicantCard;

use super::{Action, Field, Message, Notice, State, ddmmyyyy, off_thread};
use crate::devices::live::{self, SimCard};
use crate::domain::nik;
use crate::domain::service::{Check, Need};
use crate::simulate::people;
use crate::ui::ctx::Ctx;
use crate::ui::db::Failure;
use crate::ui::device::DeviceProblem;

/// The simulated applicant of this ticket (training stations): the sample data and the card in
/// the simulated reader come from it. The seed follows the day, so each day has its own people.
pub fn sample_applicant(today: NaiveDate, kecamatan: &str, ticket: &str) -> people::Applicant {
    let n = ticket
        .rsplit('-')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    let seed = u64::try_from(today.num_days_from_ce()).unwrap_or(1);
    let mut a = people::applicant(seed, n, kecamatan, today);
    a.incomplete = false;
    a
}

impl State {
    /// Takes the birth date and sex the NIK encodes.
    pub(super) fn fill_from_nik(&mut self) {
        if self.received {
            return;
        }
        let report = nik::check_nik(self.form.get(Field::Nik), self.today, None, None);
        if let Some(n) = report.value {
            self.form.set(Field::BirthDate, ddmmyyyy(n.birth_date));
            self.form.sex = Some(n.sex);
            self.touched.insert(Field::BirthDate);
        }
    }

    pub(super) fn read_card(&mut self, ctx: &Ctx) -> Action<Message> {
        if self.busy || self.received {
            return Action::None;
        }
        let settings = ctx.settings.clone();
        let backend = ctx.backends.smartcard;
        // The simulated reader holds the old card of this ticket's simulated applicant.
        let sim = (backend == Backend::Simulated).then(|| {
            let a = sample_applicant(self.today, &self.kecamatan, &self.request.ticket);
            SimCard::Applicant(ApplicantCard {
                nik: a.biodata.nik,
                name: a.biodata.full_name,
            })
        });
        self.busy = true;
        self.notice = None;
        Action::Run(Task::perform(
            off_thread("rekam-card-applicant", move || {
                live::read_applicant_card(&settings, backend, sim.as_ref())
                    .map(|card| (card.nik, card.name))
                    .map_err(|e| {
                        Failure::new(DeviceProblem {
                            class: DeviceClass::Smartcard,
                            detail: e.to_string(),
                        })
                    })
            }),
            Message::CardRead,
        ))
    }

    pub(super) fn card_read(
        &mut self,
        result: Result<(String, String), Failure>,
        ctx: &Ctx,
    ) -> Action<Message> {
        self.busy = false;
        match result {
            Ok((nik, name)) => {
                self.form.set(Field::Nik, nik.clone());
                self.form.set(Field::FullName, name.clone());
                self.touched.extend([Field::Nik, Field::FullName]);
                self.notice = Some(Notice::CardRead { nik, name });
                self.check_others(ctx)
            }
            Err(e) => {
                self.notice = Some(Notice::Failure(e));
                Action::None
            }
        }
    }

    /// Fills the whole form with this ticket's simulated applicant (training stations only).
    pub(super) fn sample(&mut self, ctx: &Ctx) -> Action<Message> {
        if ctx.backends.smartcard != Backend::Simulated || self.received || self.busy {
            return Action::None;
        }
        let a = sample_applicant(self.today, &self.kecamatan, &self.request.ticket);
        self.form.fill(&a.biodata);
        self.form.set_service(a.service);
        self.form.findings = a
            .service
            .requirements()
            .iter()
            .map(|(r, need)| {
                // As the day simulator does: what applies is there, the rest does not apply.
                let check = match need {
                    Need::Required => Check::Present,
                    Need::IfApplicable => Check::NotApplicable,
                };
                (*r, check)
            })
            .collect();
        self.notice = Some(Notice::SampleFilled);
        self.check_others(ctx)
    }
}
