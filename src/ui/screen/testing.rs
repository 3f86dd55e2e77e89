//! Test fixtures for the screens: a station in a temporary directory with a supervisor and an
//! operator logged in, requests driven to any step through the real workflow, and a way to wait
//! for a screen's storage calls.

use std::sync::Arc;

use chrono::NaiveDate;
use zeroize::Zeroizing;

use crate::capture::session::Attempt;
use crate::devices::DeviceSettings;
use crate::devices::live::Backends;
use crate::domain::Requirement;
use crate::domain::service::{Check, Need};
use crate::lang::Lang;
use crate::simulate::people::{self, Applicant};
use crate::store::{ManualClock, NewUser, Paths, Role, StationSetup, Store, User};
use crate::ui::ctx::Ctx;
use crate::ui::db::Db;
use crate::ui::i18n::Tr;
use crate::workflow::{CaptureContent, CaptureInput, Encoding, Modality, RequestView, Step};

pub const PASSWORD: &str = "rahasia-123";
pub const KECAMATAN: &str = "331301";

/// A station with a supervisor (`kasi`) and an operator (`budi`, logged in), on a manual clock
/// at 2026-11-20 09:00 +07:00.
pub struct Fixture {
    pub ctx: Ctx,
    pub operator: User,
    pub supervisor: User,
    pub clock: Arc<ManualClock>,
    _dir: tempfile::TempDir,
}

impl std::fmt::Debug for Fixture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fixture").finish_non_exhaustive()
    }
}

pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 20).expect("valid date")
}

impl Fixture {
    pub fn new() -> Fixture {
        Fixture::of(crate::domain::StationMode::Training)
    }

    /// A station of `mode`, the operator logged in.
    pub fn of(mode: crate::domain::StationMode) -> Fixture {
        let dir = tempfile::tempdir().expect("temp dir");
        let paths = Paths {
            data_dir: dir.path().join("data"),
            key_file: dir.path().join("station.key"),
        };
        std::fs::create_dir_all(&paths.data_dir).expect("data dir");
        let clock = ManualClock::new(
            today()
                .and_hms_opt(9, 0, 0)
                .expect("time")
                .and_local_timezone(chrono::FixedOffset::east_opt(7 * 3600).expect("offset"))
                .single()
                .expect("unambiguous"),
        );
        let mut store = Store::setup(
            &paths,
            &StationSetup {
                kecamatan_code: KECAMATAN.into(),
                station_id: "01".into(),
                mode,
                supervisor: NewUser {
                    username: "kasi".into(),
                    full_name: "Sri Wahyuni".into(),
                    nip: None,
                    role: Role::Supervisor,
                    password: Zeroizing::new(PASSWORD.into()),
                },
            },
            clock.clone(),
        )
        .expect("setup");
        crate::devices::wallet::issue_first_card(&mut store).expect("the first training card");
        let supervisor = store.authenticate("kasi", PASSWORD).expect("supervisor");
        let operator = store
            .create_user(
                &supervisor,
                &NewUser {
                    username: "budi".into(),
                    full_name: "Budi Santoso".into(),
                    nip: None,
                    role: Role::Operator,
                    password: Zeroizing::new(PASSWORD.into()),
                },
            )
            .expect("operator");
        let db = Db::start(store).expect("storage thread");
        let ctx = Ctx {
            db: Some(db),
            tr: Tr(Lang::Id),
            paths,
            settings: DeviceSettings::default(),
            backends: Backends::simulated(),
            diagnoses: Vec::new(),
            user: Some(operator.clone()),
            fast_devices: true,
        };
        Fixture {
            ctx,
            operator,
            supervisor,
            clock,
            _dir: dir,
        }
    }

    /// Runs `f` on the storage thread and waits for it.
    pub fn store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> anyhow::Result<T> + Send + 'static,
    ) -> T {
        let db = self.ctx.db.clone().expect("db");
        wait(db.call(move |s| f(s).map_err(crate::ui::db::Failure::other))).expect("storage call")
    }

    /// The `n`th simulated applicant of the day (a complete file unless it says otherwise).
    pub fn applicant(&self, n: u32) -> Applicant {
        let mut a = people::applicant(7, n, KECAMATAN, today());
        a.incomplete = false;
        a
    }

    /// A request for applicant `n`, driven through the real workflow up to `step` (one of
    /// TicketCalled, FileReceived, Registered, Validated, Face, Fingerprints, Iris, Signature,
    /// Review, Recorded). Captures on the way are small valid images.
    pub fn request_at(&self, n: u32, step: Step) -> RequestView {
        let a = self.applicant(n);
        let (op, sup) = (self.operator.clone(), self.supervisor.clone());
        self.store(move |s| {
            s.issue_ticket("A")?;
            let id = s
                .call_next(&op)?
                .ok_or_else(|| anyhow::anyhow!("no ticket"))?;
            let mut at = Step::TicketCalled;
            let go = |at: Step| at != step;
            if go(at) {
                s.receive_file(&op, id, a.service, &a.biodata)?;
                at = Step::FileReceived;
            }
            if go(at) {
                let findings: Vec<(Requirement, Check)> = a
                    .service
                    .requirements()
                    .iter()
                    .map(|(r, need)| {
                        (
                            *r,
                            if *need == Need::Required {
                                Check::Present
                            } else {
                                Check::NotApplicable
                            },
                        )
                    })
                    .collect();
                s.check_requirements(&op, id, &findings)?;
                s.register(&op, id)?;
                at = Step::Registered;
            }
            if go(at) {
                s.verify(&sup, id)?;
                s.validate(&sup, id)?;
                at = Step::Validated;
            }
            if go(at) {
                s.begin_recording(&op, id)?;
                at = Step::Face;
            }
            for modality in [
                Modality::Face,
                Modality::Finger,
                Modality::Iris,
                Modality::Signature,
            ] {
                if !go(at) {
                    break;
                }
                let captures = modality
                    .positions()
                    .iter()
                    .map(|&position| CaptureInput {
                        modality,
                        position,
                        content: sample(modality),
                    })
                    .collect();
                s.record_attempt(
                    &op,
                    &Attempt::of(id, modality, captures)
                        .from_device(crate::domain::Provenance::simulator("test device"))
                        .finishing(),
                )?;
                at = s.request(id)?.map(|r| r.step).unwrap_or(at);
            }
            if go(at) && at == Step::Review {
                s.approve_review(&op, id)?;
            }
            s.request(id)?
                .ok_or_else(|| anyhow::anyhow!("request gone"))
        })
    }
}

/// A small, valid capture of `modality` (a grey PNG; strokes for the signature).
pub fn sample(modality: Modality) -> CaptureContent {
    if modality == Modality::Signature {
        let strokes = serde_json::json!({ "strokes": [[{"x": 10, "y": 10, "t_ms": 0}, {"x": 200, "y": 80, "t_ms": 40}]] });
        return CaptureContent::Data {
            format: Encoding::Strokes,
            width: 300,
            height: 100,
            quality: Some(80),
            bytes: serde_json::to_vec(&strokes).unwrap_or_default(),
        };
    }
    let img =
        image::GrayImage::from_fn(64, 80, |x, y| image::Luma([((x * 7 + y * 3) % 255) as u8]));
    let mut bytes = std::io::Cursor::new(Vec::new());
    img.write_to(&mut bytes, image::ImageFormat::Png)
        .expect("png");
    CaptureContent::Data {
        format: Encoding::Png,
        width: 64,
        height: 80,
        quality: Some(70),
        bytes: bytes.into_inner(),
    }
}

/// Waits for a future (a storage call) on the test thread.
pub fn wait<T>(future: impl Future<Output = T>) -> T {
    iced::futures::executor::block_on(future)
}

/// Runs a task to completion on the test thread and returns the messages it produced (widget
/// operations such as focus are skipped; tasks on the tokio timer do not belong here).
pub fn run<M: Send + 'static>(task: iced::Task<M>) -> Vec<M> {
    use iced::futures::StreamExt;
    let Some(stream) = iced_test::runtime::task::into_stream(task) else {
        return Vec::new();
    };
    wait(
        stream
            .filter_map(|action| async move {
                match action {
                    iced_test::runtime::Action::Output(m) => Some(m),
                    _ => None,
                }
            })
            .collect(),
    )
}

/// Applies `message` to a screen, then every message its tasks produce, until the screen
/// settles; returns where it asked to go, if anywhere.
pub fn settle<S, M: Send + 'static>(
    state: &mut S,
    message: M,
    ctx: &Ctx,
    update: fn(&mut S, M, &Ctx) -> super::Action<M>,
) -> Option<super::Nav> {
    let mut queue = std::collections::VecDeque::from([message]);
    while let Some(m) = queue.pop_front() {
        match update(state, m, ctx) {
            super::Action::None => {}
            super::Action::Run(task) => queue.extend(run(task)),
            super::Action::Go(nav) => return Some(nav),
        }
    }
    None
}

/// A simulator of a screen's view at the operator window's size.
pub fn simulator<'a, M>(element: impl Into<iced::Element<'a, M>>) -> iced_test::Simulator<'a, M> {
    iced_test::Simulator::with_size(
        iced::Settings::default(),
        iced::Size::new(1366.0, 768.0),
        element,
    )
}
