//! `rekam simulate-day`: a day at a recording desk, for training, demos and benchmarks. Simulated
//! applicants take a ticket, hand in their file, are registered, verified and validated, and are
//! recorded with simulated devices driven through the real driver code; every record is stored
//! for real. The desk's clock is simulated (each step takes a plausible time around its SOP
//! standard), so the day's report reads like a real one; the devices' own time is measured.

pub mod people;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::{Datelike, FixedOffset, NaiveDate, TimeZone};
use rekam_fingerprint::CaptureMode;
use zeroize::Zeroizing;

use crate::capture::policy::{Outcome, QualitySettings, Thresholds};
use crate::capture::session::{
    Attempt, FaceGate, Gate, IrisGate, Pace, Session, SignatureGate, SlapGate,
};
use crate::domain::ServiceType;
use crate::domain::service::{Check, Need, Requirement};
use crate::store::{ManualClock, NewUser, Paths, Role, StationSetup, Store, StoreError, User};
use crate::workflow::{CaptureContent, CaptureInput, CheckOutcome, ExceptionKind, Modality, Step};
use crate::{Lang, Localize};

pub use people::{Applicant, Rng, applicant};

/// Station id of simulated stations: simulate-day writes only to data directories it made.
pub const SIM_STATION: &str = "SIM";
/// Password of the simulated station's users (a training station, not a secret).
pub const SIM_PASSWORD: &str = "latihan-rekam";
const SIM_SUPERVISOR: &str = "kasi-latihan";
const SIM_OPERATOR: &str = "operator-latihan";
const SIM_KECAMATAN: &str = "331301";

/// What records the biometrics of a simulated applicant: each method drives the devices through
/// the capture session it is given (the gate and the auto-capture policy, as at the desk) and
/// returns what the session's attempt stores.
pub trait Recorder {
    /// The auto-capture policy's limits the sessions run with.
    fn quality(&self) -> QualitySettings;
    fn face(
        &mut self,
        a: &Applicant,
        session: &mut Session<FaceGate>,
    ) -> anyhow::Result<Vec<CaptureInput>>;
    /// The 4-4-2 slaps, one session each (a finger recorded as an exception is not expected in
    /// its slap): what each stores.
    fn fingers(
        &mut self,
        a: &Applicant,
        slaps: &mut [Session<SlapGate>],
    ) -> anyhow::Result<Vec<Vec<CaptureInput>>>;
    /// `position`: 1 right eye, 2 left eye.
    fn iris(
        &mut self,
        a: &Applicant,
        position: u8,
        session: &mut Session<IrisGate>,
    ) -> anyhow::Result<Vec<CaptureInput>>;
    fn signature(
        &mut self,
        a: &Applicant,
        session: &mut Session<SignatureGate>,
    ) -> anyhow::Result<Vec<CaptureInput>>;
    /// Reads the NIK and name from the applicant's existing KTP-el (replacements, changes).
    fn old_card(&mut self, a: &Applicant) -> anyhow::Result<(String, String)>;
    /// The officer's card in the reader, its PIN typed: the card's proof of its key.
    fn officer_login(
        &mut self,
        card: &rekam_smartcard::PivCard,
        pin: &str,
    ) -> anyhow::Result<rekam_smartcard::LoginProof>;
}

/// How to run the day.
#[derive(Debug, Clone)]
pub struct DayPlan {
    pub applicants: u32,
    pub seed: u64,
    pub date: NaiveDate,
}

/// Time spent on one SOP step over the day (simulated desk time): the same figures as the
/// supervisor's day view.
pub use crate::workflow::day::StepStats;

/// What the day came to.
#[derive(Debug, Clone, Default)]
pub struct DaySummary {
    pub applicants: u32,
    pub served: u32,
    pub returned: u32,
    pub exceptions: Vec<(Modality, u8, ExceptionKind)>,
    pub steps: Vec<StepStats>,
    /// Real time the simulated devices took per modality, and how many captures.
    pub device_time: BTreeMap<Modality, (u32, Duration)>,
    pub stored_bytes: u64,
    /// Per modality: captures that passed their quality gate, captures kept as the best of
    /// their attempts (with a note), and the policy's decisions stored.
    pub quality: BTreeMap<Modality, (u32, u32, u32)>,
    /// Existing cards read for replacement and change requests.
    pub cards_read: u32,
    /// Officer id read from the operator's card at the start of the day.
    pub officer: String,
    pub wall: Duration,
}

/// A simulated day was asked of a production station.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error(
    "simulate-day refused: this is a production station; simulations run only on a training station (a data directory of its own)"
)]
pub struct RefusedOnProduction;

impl crate::lang::Localize for RefusedOnProduction {
    fn localize(&self, lang: crate::lang::Lang) -> String {
        lang.pick(
            "simulate-day ditolak: ini stasiun produksi. Simulasi hanya berjalan di stasiun latihan (direktori data tersendiri).",
            "simulate-day refused: this is a production station. Simulations run only on a training station (a data directory of its own).",
        )
        .to_owned()
    }
}

/// Opens the training station in `paths`, setting it up on first use. Refuses a data directory
/// that belongs to a real station.
pub fn open_station(paths: &Paths, clock: Arc<ManualClock>) -> anyhow::Result<(Store, User, User)> {
    let mut store = match Store::open(paths, clock.clone()) {
        Ok(s) => s,
        Err(StoreError::NotSetUp) => {
            let setup = StationSetup {
                kecamatan_code: SIM_KECAMATAN.into(),
                station_id: SIM_STATION.into(),
                mode: crate::domain::StationMode::Training,
                supervisor: NewUser {
                    username: SIM_SUPERVISOR.into(),
                    full_name: "Kasi Pelayanan (latihan)".into(),
                    nip: None,
                    role: Role::Supervisor,
                    password: Zeroizing::new(SIM_PASSWORD.into()),
                },
            };
            let mut store = Store::setup(paths, &setup, clock)?;
            crate::devices::wallet::issue_first_card(&mut store)?;
            let sup = store.authenticate(SIM_SUPERVISOR, SIM_PASSWORD)?;
            store.create_user(
                &sup,
                &NewUser {
                    username: SIM_OPERATOR.into(),
                    full_name: "Operator (latihan)".into(),
                    nip: None,
                    role: Role::Operator,
                    password: Zeroizing::new(SIM_PASSWORD.into()),
                },
            )?;
            store
        }
        Err(e) => return Err(e.into()),
    };
    if store.station().mode == crate::domain::StationMode::Production {
        return Err(RefusedOnProduction.into());
    }
    if store.station().station_id != SIM_STATION {
        bail!(
            "{} belongs to station {}-{}, not to a training station; simulate-day writes only \
             to data directories it created",
            paths.data_dir.display(),
            store.station().kecamatan_code,
            store.station().station_id
        );
    }
    let sup = store.authenticate(SIM_SUPERVISOR, SIM_PASSWORD)?;
    let op = store.authenticate(SIM_OPERATOR, SIM_PASSWORD)?;
    Ok((store, sup, op))
}

/// Plausible desk time for finishing `step`, in minutes (low, high): around the SOP standard
/// (the recording steps together make up the 5-10 minutes of SOP step "record").
fn desk_minutes(step: Step) -> (f64, f64) {
    match step {
        Step::TicketCalled => (0.5, 1.5),
        Step::FileReceived => (1.0, 6.0),
        Step::RequirementsChecked => (1.0, 3.5),
        Step::Registered => (1.5, 4.0),
        Step::Verified => (1.0, 3.0),
        Step::Validated => (0.3, 0.6),
        Step::Face => (1.0, 2.0),
        Step::Fingerprints => (2.0, 4.0),
        Step::Iris => (0.7, 1.5),
        Step::Signature => (0.3, 0.8),
        Step::Review => (0.3, 1.0),
        Step::Recorded => (1.0, 3.5),
        Step::ProofHandedOver => (0.5, 1.5),
        _ => (0.0, 0.0),
    }
}

struct Day<'a> {
    store: &'a mut Store,
    clock: &'a ManualClock,
    sup: &'a User,
    op: &'a User,
    rng: Rng,
    summary: DaySummary,
    timings: Vec<crate::workflow::timing::SopTiming>,
}

impl Day<'_> {
    /// Lets the desk time of finishing `step` pass.
    fn spend(&mut self, step: Step) {
        let (lo, hi) = desk_minutes(step);
        let minutes = lo + (hi - lo) * self.rng.unit();
        self.clock
            .advance(chrono::Duration::milliseconds((minutes * 60_000.0) as i64));
    }

    /// Stores what a capture session took, with its decisions, in one transaction.
    fn record<G: Gate>(
        &mut self,
        session: &mut Session<G>,
        captures: Vec<CaptureInput>,
        finish: bool,
    ) -> anyhow::Result<()> {
        let entry = self
            .summary
            .quality
            .entry(session.modality())
            .or_insert((0, 0, 0));
        match session.pending().last().map(|d| d.outcome) {
            Some(Outcome::Accepted) => entry.0 += 1,
            Some(_) => entry.1 += 1,
            None => {}
        }
        entry.2 += session.pending().len() as u32;
        self.record_attempt(session.attempt(captures, finish))?;
        session.stored();
        Ok(())
    }

    fn record_attempt(&mut self, attempt: Attempt) -> anyhow::Result<()> {
        for input in &attempt.captures {
            match &input.content {
                CaptureContent::Data { bytes, .. } => {
                    self.summary.stored_bytes += bytes.len() as u64
                }
                CaptureContent::Exception { kind, .. } => {
                    self.summary
                        .exceptions
                        .push((input.modality, input.position, *kind))
                }
            }
        }
        self.store.record_attempt(self.op, &attempt)?;
        Ok(())
    }

    /// A new capture session of `request` for one unit.
    fn session<G: Gate>(
        &self,
        gate: G,
        request: i64,
        position: u8,
        limits: Thresholds,
        pace: Pace,
    ) -> Session<G> {
        Session::new(gate, request, position, limits, pace, Instant::now())
    }

    fn timed<T>(
        &mut self,
        modality: Modality,
        captures: u32,
        f: impl FnOnce() -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        let t = Instant::now();
        let out = f()?;
        let e = self
            .summary
            .device_time
            .entry(modality)
            .or_insert((0, Duration::ZERO));
        e.0 += captures;
        e.1 += t.elapsed();
        Ok(out)
    }

    fn serve(&mut self, a: &Applicant, devices: &mut dyn Recorder) -> anyhow::Result<()> {
        self.store.issue_ticket("A")?;
        self.clock.advance(chrono::Duration::seconds(30));
        let request = self
            .store
            .call_next(self.op)?
            .context("the ticket just issued is waiting")?;
        self.spend(Step::TicketCalled);
        if matches!(
            a.service,
            ServiceType::GantiRusak | ServiceType::PerubahanData
        ) {
            // The old card prefills the form; it must be this applicant's.
            let (nik, name) = devices.old_card(a)?;
            if nik != a.biodata.nik || !name.eq_ignore_ascii_case(&a.biodata.full_name) {
                bail!("the old card reads {nik} {name}, not the applicant's");
            }
            self.summary.cards_read += 1;
        }
        self.store
            .receive_file(self.op, request, a.service, &a.biodata)?;
        self.spend(Step::FileReceived);
        let findings: Vec<(Requirement, Check)> = a
            .service
            .requirements()
            .iter()
            .map(|(r, need)| {
                let finding = match need {
                    Need::Required if a.incomplete && *r == Requirement::KkCopy => Check::Missing,
                    Need::Required => Check::Present,
                    Need::IfApplicable => Check::NotApplicable,
                };
                (*r, finding)
            })
            .collect();
        if let CheckOutcome::Returned { .. } =
            self.store.check_requirements(self.op, request, &findings)?
        {
            self.summary.returned += 1;
            return Ok(());
        }
        self.spend(Step::RequirementsChecked);
        self.store.register(self.op, request)?;
        self.spend(Step::Registered);
        self.store.verify(self.sup, request)?;
        self.spend(Step::Verified);
        self.store.validate(self.sup, request)?;
        self.spend(Step::Validated);
        self.store.begin_recording(self.op, request)?;

        let quality = devices.quality();
        let born = a.biodata.birth_date.year();
        let gate = FaceGate {
            birth_year: Some(born),
        };
        let mut face = self.session(gate, request, 0, quality.face, Pace::Stream);
        let captures = self.timed(Modality::Face, 1, || devices.face(a, &mut face))?;
        self.spend(Step::Face);
        self.record(&mut face, captures, true)?;

        // A finger recorded as an exception is left out of its slap; its exception stands in.
        let excepted: Vec<u8> = a.finger_exception.iter().map(|(p, _, _)| *p).collect();
        if let Some((position, kind, why)) = a.finger_exception {
            let input = capture(Modality::Finger, position, exception(kind, why));
            self.record_attempt(Attempt::of(request, Modality::Finger, vec![input]))?;
        }
        let mut slaps: Vec<Session<SlapGate>> = [
            CaptureMode::SlapRight,
            CaptureMode::SlapLeft,
            CaptureMode::TwoThumbs,
        ]
        .into_iter()
        .map(|mode| {
            let gate = SlapGate::new(mode, &excepted);
            let position = gate.position();
            self.session(gate, request, position, quality.finger, Pace::PerSample)
        })
        .collect();
        let prints = self.timed(Modality::Finger, 10, || devices.fingers(a, &mut slaps))?;
        self.spend(Step::Fingerprints);
        let last = slaps.len() - 1;
        for (i, (session, captures)) in slaps.iter_mut().zip(prints).enumerate() {
            self.record(session, captures, i == last)?;
        }

        for position in [1, 2] {
            let finish = position == 2;
            let mut eye = self.session(IrisGate, request, position, quality.iris, Pace::Stream);
            match a.iris_exception {
                Some((e, kind, why)) if e == position => {
                    let input = capture(Modality::Iris, position, exception(kind, why));
                    self.record(&mut eye, vec![input], finish)?;
                }
                _ => {
                    let captures =
                        self.timed(Modality::Iris, 1, || devices.iris(a, position, &mut eye))?;
                    self.record(&mut eye, captures, finish)?;
                }
            }
        }
        self.spend(Step::Iris);

        let mut signing = self.session(
            SignatureGate,
            request,
            0,
            quality.signature,
            Pace::PerSample,
        );
        let captures = match a.signature_exception {
            Some((kind, why)) => vec![capture(Modality::Signature, 0, exception(kind, why))],
            None => self.timed(Modality::Signature, 1, || {
                devices.signature(a, &mut signing)
            })?,
        };
        self.spend(Step::Signature);
        self.record(&mut signing, captures, true)?;

        self.spend(Step::Review);
        self.store.approve_review(self.op, request)?;
        self.spend(Step::Recorded);
        self.store.hand_over_proof(self.op, request)?;
        self.spend(Step::ProofHandedOver);
        self.store.archive(self.op, request)?;
        self.summary.served += 1;

        self.timings.extend(self.store.sop_timings(request)?);
        Ok(())
    }
}

fn capture(modality: Modality, position: u8, content: CaptureContent) -> CaptureInput {
    CaptureInput {
        modality,
        position,
        content,
    }
}

fn exception(kind: ExceptionKind, reason: &str) -> CaptureContent {
    CaptureContent::Exception {
        kind,
        reason: reason.to_owned(),
    }
}

/// The operator logs in with their officer card: the training card issued to them (by the
/// supervisor, the first time: personalised, put in the station's wallet and issued like a real
/// card), its PIN, the card's signature checked by the store. Returns the username logged in.
fn officer_login(
    paths: &Paths,
    store: &mut Store,
    sup: &User,
    op: &User,
    devices: &mut dyn Recorder,
) -> anyhow::Result<String> {
    use crate::devices::wallet::{FIRST_CARD_PIN, Wallet};
    let mut wallet = Wallet::load(&paths.data_dir)?;
    let card = match wallet.card_of(&op.username) {
        Some(card) => card.clone(),
        None => {
            let card = rekam_smartcard::PivCard::personalize(&op.full_name, FIRST_CARD_PIN)?;
            wallet.add(&op.username, card.clone())?;
            let proof = devices.officer_login(&card, FIRST_CARD_PIN)?;
            store.issue_card(sup, &op.username, &proof)?;
            card
        }
    };
    let proof = devices.officer_login(&card, FIRST_CARD_PIN)?;
    let user = store.authenticate_card(&proof)?;
    if user.id != op.id {
        bail!(
            "the officer card logged in {}, not {}",
            user.username,
            op.username
        );
    }
    Ok(user.username)
}

/// Runs a day: `plan.applicants` applicants through the whole procedure, recorded by `devices`.
/// `progress` is called after each applicant with (done, total).
pub fn run_day(
    paths: &Paths,
    plan: &DayPlan,
    devices: &mut dyn Recorder,
    progress: &mut dyn FnMut(u32, u32),
) -> anyhow::Result<DaySummary> {
    let wib = FixedOffset::east_opt(7 * 3600).context("time zone")?;
    let start = wib
        .from_local_datetime(&plan.date.and_hms_opt(8, 0, 0).context("time")?)
        .single()
        .context("time")?;
    let clock = ManualClock::new(start);
    let (mut store, sup, op) = open_station(paths, clock.clone())?;
    let kecamatan = store.station().kecamatan_code.clone();
    let wall = Instant::now();
    let officer = officer_login(paths, &mut store, &sup, &op, devices)?;
    let mut day = Day {
        store: &mut store,
        clock: &clock,
        sup: &sup,
        op: &op,
        rng: Rng::new(plan.seed ^ 0xDE5C),
        summary: DaySummary {
            applicants: plan.applicants,
            officer,
            ..DaySummary::default()
        },
        timings: Vec::new(),
    };
    for n in 0..plan.applicants {
        let a = applicant(plan.seed, n, &kecamatan, plan.date);
        day.serve(&a, devices)
            .with_context(|| format!("applicant {} ({})", n + 1, a.biodata.nik))?;
        progress(n + 1, plan.applicants);
    }
    let mut summary = day.summary;
    summary.steps = crate::workflow::day::step_stats(day.timings);
    summary.wall = wall.elapsed();
    Ok(summary)
}

impl DaySummary {
    /// The summary as the command prints it.
    pub fn render(&self, lang: Lang) -> String {
        let mut out = String::new();
        let l = |id: &'static str, en: &'static str| lang.pick(id, en);
        out.push_str(&format!(
            "{}: {}\n",
            l(
                "Petugas (login dengan kartu petugas)",
                "Officer (logged in with the officer card)"
            ),
            self.officer
        ));
        out.push_str(&format!(
            "{}: {}\n{}: {}\n{}: {}\n{}: {}\n{}: {}\n",
            l("Pemohon", "Applicants"),
            self.applicants,
            l("Selesai direkam", "Recorded"),
            self.served,
            l(
                "Dikembalikan (berkas tidak lengkap)",
                "Returned (incomplete file)"
            ),
            self.returned,
            l("KTP-el lama dibaca dari chip", "Old KTP-el chips read"),
            self.cards_read,
            l("Pengecualian", "Exceptions"),
            self.exceptions.len()
        ));
        for (m, p, k) in &self.exceptions {
            out.push_str(&format!(
                "  - {}: {}\n",
                crate::workflow::capture_name(*m, *p, lang),
                k.localize(lang)
            ));
        }
        out.push_str(l(
            "\nGerbang mutu (lolos / terbaik dari percobaan, dengan catatan / keputusan):\n",
            "\nQuality gates (passed / best of the attempts, with a note / decisions):\n",
        ));
        for (m, (passed, settled, decisions)) in &self.quality {
            out.push_str(&format!(
                "  {:<14} {passed:>5} / {settled:>3} / {decisions:>5}\n",
                m.localize(lang)
            ));
        }
        out.push_str(l(
            "\nWaktu per langkah SOP (median / terlama / standar, menit):\n",
            "\nTime per SOP step (median / slowest / standard, minutes):\n",
        ));
        for s in &self.steps {
            out.push_str(&format!(
                "  {:<45} {:>5.1} / {:>5.1} / {:>4.0}{}\n",
                s.step.localize(lang),
                s.median.as_secs_f64() / 60.0,
                s.slowest.as_secs_f64() / 60.0,
                s.standard.as_secs_f64() / 60.0,
                if s.median > s.standard {
                    l("  terlambat", "  late")
                } else {
                    ""
                }
            ));
        }
        out.push_str(l(
            "\nWaktu perangkat simulasi (nyata):\n",
            "\nSimulated device time (real):\n",
        ));
        for (m, (n, t)) in &self.device_time {
            out.push_str(&format!(
                "  {:<14} {n:>5} {}  {:>8.1} ms/{}\n",
                m.localize(lang),
                l("rekaman", "captures"),
                t.as_secs_f64() * 1e3 / f64::from((*n).max(1)),
                l("rekaman", "capture")
            ));
        }
        out.push_str(&format!(
            "\n{}: {:.1} MB, {}: {:.1} s\n",
            l("Data biometrik tersimpan", "Biometric data stored"),
            self.stored_bytes as f64 / 1e6,
            l("waktu total", "total time"),
            self.wall.as_secs_f64()
        ));
        out
    }
}
