//! Shared fixtures for the integration tests: a station with a supervisor and an operator, valid
//! biodata, synthetic capture bytes, and a driver that takes a request from whatever step it is in
//! to the end of the procedure, reporting each committed write.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;

use chrono::{FixedOffset, NaiveDate, TimeZone};
use zeroize::Zeroizing;

use rekam::capture::session::Attempt;
use rekam::domain::applicant::{BloodType, Nationality, Religion};
use rekam::domain::service::Check;
use rekam::domain::{Biodata, MaritalStatus, ServiceType, Sex, StationMode};
use rekam::store::{Clock, ManualClock, NewUser, Paths, Role, StationSetup, Store, User};
use rekam::workflow::{CaptureContent, CaptureInput, Encoding, Modality, Step, WorkflowError};

pub const PASSWORD: &str = "rahasia-123";

/// Runs the `rekam` binary on the station at `p` in Indonesian, with `input` on its standard
/// input (passwords and PINs, one per line), and waits for it.
pub fn run_rekam(args: &[&str], p: &Paths, input: &str) -> std::process::Output {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_rekam"))
        .args(args)
        .arg("--data-dir")
        .arg(&p.data_dir)
        .arg("--key-file")
        .arg(&p.key_file)
        .env_remove("REKAM_LANG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// What a finished command printed, standard output then standard error.
pub fn output_text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

pub fn paths(dir: &Path) -> Paths {
    Paths {
        data_dir: dir.join("data"),
        key_file: dir.join("keys/station.key"),
    }
}

/// 21 November 2026, 08:00 WIB.
pub fn clock() -> Arc<ManualClock> {
    let wib = FixedOffset::east_opt(7 * 3600).expect("offset");
    ManualClock::new(
        wib.with_ymd_and_hms(2026, 11, 21, 8, 0, 0)
            .single()
            .expect("time"),
    )
}

/// The service day of [`clock`].
pub fn clock_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 21).expect("date")
}

/// The device a test's captures come from: a simulator (the test stations are training
/// stations).
pub fn device() -> rekam::domain::Provenance {
    rekam::domain::Provenance::simulator("test device")
}

/// A real device as its driver reports it.
pub fn real_device() -> rekam::domain::Provenance {
    rekam::domain::Provenance {
        backend: rekam_device::Backend::Real,
        model: "Test Slap 442".into(),
        serial: Some("T-0001".into()),
        firmware: Some("1.0.0".into()),
    }
}

pub fn setup_store(paths: &Paths, clock: Arc<dyn Clock>) -> Store {
    setup_store_as(paths, clock, StationMode::Training)
}

/// A station of `mode`.
pub fn setup_store_as(paths: &Paths, clock: Arc<dyn Clock>, mode: StationMode) -> Store {
    let setup = StationSetup {
        kecamatan_code: "331301".into(),
        station_id: "01".into(),
        mode,
        supervisor: NewUser {
            username: "kasi".into(),
            full_name: "Sri Wahyuni".into(),
            nip: Some("197007211990031005".into()),
            role: Role::Supervisor,
            password: Zeroizing::new(PASSWORD.into()),
        },
    };
    Store::setup(paths, &setup, clock).expect("setup")
}

/// A station with its supervisor and an operator.
pub fn station(paths: &Paths, clock: Arc<dyn Clock>) -> (Store, User, User) {
    station_as(paths, clock, StationMode::Training)
}

/// The same, of `mode`.
pub fn station_as(paths: &Paths, clock: Arc<dyn Clock>, mode: StationMode) -> (Store, User, User) {
    let mut store = setup_store_as(paths, clock, mode);
    let sup = store
        .authenticate("kasi", PASSWORD)
        .expect("supervisor login");
    let op = store
        .create_user(
            &sup,
            &NewUser {
                username: "operator1".into(),
                full_name: "Budi Santoso".into(),
                nip: None,
                role: Role::Operator,
                password: Zeroizing::new(PASSWORD.into()),
            },
        )
        .expect("operator");
    (store, sup, op)
}

/// The two users of a station opened again.
pub fn users(store: &Store) -> (User, User) {
    (
        store.user(1).expect("db").expect("supervisor"),
        store.user(2).expect("db").expect("operator"),
    )
}

/// Valid biodata for applicant `i`: a woman born in 1995 (NIK day + 40) in Karanganyar.
pub fn biodata(i: u32) -> Biodata {
    let day = 1 + i % 28;
    Biodata {
        nik: format!("331301{:02}0895{:04}", day + 40, 1 + i % 9999),
        kk_number: format!("3313011203150{:03}", 1 + i % 999),
        full_name: format!(
            "Siti Nur'aini {}",
            ["Putri", "Rahayu", "Lestari"][(i % 3) as usize]
        ),
        birth_place: "Karanganyar".into(),
        birth_date: NaiveDate::from_ymd_opt(1995, 8, day).expect("date"),
        sex: Sex::P,
        blood_type: BloodType::O,
        address: "Jl. Lawu No. 12".into(),
        rt: "2".into(),
        rw: "5".into(),
        village: "Kalisoro".into(),
        address_region: "331301".into(),
        religion: Religion::Islam,
        marital_status: MaritalStatus::BelumKawin,
        occupation: "Pelajar/Mahasiswa".into(),
        nationality: Nationality::Wni,
    }
}

/// Deterministic bytes standing in for an encoded image (no structure is needed by the store).
pub fn pseudo_image(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407)
        | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// Realistic sizes of a whole recording: about 300 KB.
pub fn capture_for(modality: Modality, position: u8, seed: u64) -> CaptureInput {
    let (format, w, h, len) = match modality {
        Modality::Face => (Encoding::Jpeg, 480, 640, 60_000),
        Modality::Finger => (Encoding::Wsq, 400, 500, 18_000),
        Modality::Iris => (Encoding::Png, 640, 480, 30_000),
        Modality::Signature => (Encoding::Png, 800, 300, 8_000),
    };
    CaptureInput {
        modality,
        position,
        content: CaptureContent::Data {
            format,
            width: w,
            height: h,
            quality: Some(80),
            bytes: pseudo_image(seed ^ (u64::from(position) << 32), len),
        },
    }
}

/// What a complete checklist for `service` looks like.
pub fn all_present(service: ServiceType) -> Vec<(rekam::domain::Requirement, Check)> {
    service
        .requirements()
        .iter()
        .map(|(r, need)| {
            let finding = match need {
                rekam::domain::service::Need::Required => Check::Present,
                rekam::domain::service::Need::IfApplicable => Check::NotApplicable,
            };
            (*r, finding)
        })
        .collect()
}

/// Drives `request` from its current step to `Archived`, calling `on_commit` after every write
/// that committed, with a description. Uses applicant number `i` for the biodata.
pub fn drive_to_end(
    store: &mut Store,
    op: &User,
    sup: &User,
    request: i64,
    i: u32,
    on_commit: &mut dyn FnMut(&str),
) {
    drive_to(store, op, sup, request, i, Step::Archived, on_commit);
}

/// Drives `request` along the happy path until it is at `target`, like [`drive_to_end`].
pub fn drive_to(
    store: &mut Store,
    op: &User,
    sup: &User,
    request: i64,
    i: u32,
    target: Step,
    on_commit: &mut dyn FnMut(&str),
) {
    loop {
        let view = store
            .request(request)
            .expect("read")
            .expect("request exists");
        if view.step == target {
            return;
        }
        let done = match view.step {
            Step::TicketCalled => store
                .receive_file(op, request, ServiceType::RekamBaru, &biodata(i))
                .map(drop),
            Step::FileReceived => store
                .check_requirements(op, request, &all_present(ServiceType::RekamBaru))
                .map(drop),
            Step::RequirementsChecked => store.register(op, request).map(drop),
            Step::Registered => store.verify(sup, request),
            Step::Verified => store.validate(sup, request),
            Step::Validated => store.begin_recording(op, request),
            Step::Face | Step::Fingerprints | Step::Iris | Step::Signature => {
                let modality = view.step.capture_modality().expect("capture step");
                let have: Vec<u8> = view
                    .captures
                    .iter()
                    .filter(|c| c.modality == modality)
                    .map(|c| c.position)
                    .collect();
                if let Some(p) = modality.positions().iter().find(|p| !have.contains(p)) {
                    let id = add_capture(
                        store,
                        op,
                        request,
                        capture_for(modality, *p, request as u64),
                    )
                    .expect("capture");
                    on_commit(&format!("{request} capture {modality} {p} {id}"));
                    continue;
                }
                store.complete_capture_step(op, request).map(drop)
            }
            Step::Review => store.approve_review(op, request),
            Step::Recorded => store.hand_over_proof(op, request),
            Step::ProofHandedOver => store.archive(op, request),
            other => panic!("request {request} ended at {other}"),
        };
        done.unwrap_or_else(|e| panic!("request {request} at {}: {e}", view.step));
        let after = store.request(request).expect("read").expect("request").step;
        on_commit(&format!("{request} step {after}"));
    }
}

/// Stores one capture as a capture session would, without decisions; returns its id.
pub fn add_capture(
    store: &mut Store,
    op: &User,
    request: i64,
    input: CaptureInput,
) -> Result<i64, WorkflowError> {
    // A production station stores only what a real device made: its captures are said to
    // come from one (the store cannot tell a fixture from a scanner; the drivers can).
    let device = match store.station().mode {
        StationMode::Production => real_device(),
        StationMode::Training => device(),
    };
    let attempt = Attempt::of(request, input.modality, vec![input]).from_device(device);
    Ok(store.record_attempt(op, &attempt)?.captures[0])
}
