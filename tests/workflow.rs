//! The recording workflow through the real store: every path, every refusal, and what lands on disk.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use common::*;
use rekam::capture::session::Attempt;
use rekam::domain::service::Check;
use rekam::domain::{MaritalStatus, Requirement, ServiceType};
use rekam::store::{Store, StoreError, users::UserError};
use rekam::workflow::{
    CaptureContent, CaptureInput, CheckOutcome, ExceptionKind, Modality, Step, WorkflowError,
};

fn new_request(store: &mut Store, op: &rekam::store::User) -> i64 {
    let t = store.issue_ticket("A").expect("ticket");
    store.call_ticket(op, t.id).expect("call")
}

#[test]
fn a_complete_recording_from_ticket_to_archive() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, sup, op) = station(&paths(dir.path()), clock());
    let t1 = store.issue_ticket("A").unwrap();
    let t2 = store.issue_ticket("A").unwrap();
    assert_eq!((t1.code.as_str(), t2.code.as_str()), ("A-001", "A-002"));
    let req = store.call_next(&op).unwrap().expect("someone waits");
    assert_eq!(store.waiting_tickets().unwrap().len(), 1);
    let mut commits = Vec::new();
    drive_to_end(&mut store, &op, &sup, req, 7, &mut |c| {
        commits.push(c.to_owned())
    });

    let view = store.request(req).unwrap().unwrap();
    assert_eq!(view.step, Step::Archived);
    assert_eq!(view.ticket, "A-001");
    assert_eq!(
        view.register_number.as_deref(),
        Some("331301-01-20261121-0001")
    );
    assert_eq!(view.full_name.as_deref(), Some("SITI NUR'AINI RAHAYU"));
    assert_eq!(view.captures.len(), 1 + 10 + 2 + 1);
    // Every blob opens and is what was captured.
    for c in &view.captures {
        let expected = capture_for(c.modality, c.position, req as u64);
        let CaptureContent::Data { bytes, .. } = expected.content else {
            unreachable!()
        };
        assert_eq!(
            store.capture_bytes(c.id).unwrap(),
            bytes,
            "{:?} {}",
            c.modality,
            c.position
        );
    }
    // One step event per step, all closed, in the procedure's order.
    let steps: Vec<String> = store
        .conn()
        .prepare("SELECT step FROM step_events WHERE request_id = ?1 AND ended_at IS NOT NULL ORDER BY id")
        .unwrap()
        .query_map([req], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let expected: Vec<&str> = Step::ALL
        .iter()
        .filter(|s| !matches!(s, Step::Returned | Step::Cancelled | Step::Deferred))
        .map(|s| s.code())
        .collect();
    assert_eq!(steps, expected);
    let ticket_status: String = store
        .conn()
        .query_row(
            "SELECT status FROM queue_tickets WHERE id = ?1",
            [t1.id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(ticket_status, "recorded");
    let audit = store.verify_audit().unwrap();
    assert!(audit.broken.is_none());
    assert!(audit.rows as usize > commits.len());
}

#[test]
fn an_incomplete_file_is_returned_with_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _sup, op) = station(&paths(dir.path()), clock());
    let req = new_request(&mut store, &op);
    store
        .receive_file(&op, req, ServiceType::GantiHilang, &biodata(1))
        .unwrap();
    let outcome = store.check_requirements(
        &op,
        req,
        &[
            (Requirement::KkCopy, Check::Present),
            (Requirement::PoliceReport, Check::Missing),
        ],
    );
    assert_eq!(
        outcome.unwrap(),
        CheckOutcome::Returned {
            missing: vec![Requirement::PoliceReport],
            ineligible: None
        }
    );
    assert_eq!(store.request(req).unwrap().unwrap().step, Step::Returned);
    // Nothing more can happen to it; no register number was spent.
    assert!(matches!(
        store.register(&op, req),
        Err(WorkflowError::NotAllowed {
            step: Step::Returned,
            ..
        })
    ));
    let req2 = new_request(&mut store, &op);
    store
        .receive_file(&op, req2, ServiceType::GantiHilang, &biodata(2))
        .unwrap();
    store
        .check_requirements(&op, req2, &all_present(ServiceType::GantiHilang))
        .unwrap();
    assert_eq!(store.register(&op, req2).unwrap().seq, 1);
}

#[test]
fn findings_that_do_not_fit_the_checklist_are_refused_without_writing() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _sup, op) = station(&paths(dir.path()), clock());
    let req = new_request(&mut store, &op);
    store
        .receive_file(&op, req, ServiceType::GantiRusak, &biodata(1))
        .unwrap();
    let r = store.check_requirements(
        &op,
        req,
        &[
            (Requirement::KkCopy, Check::NotApplicable),
            (Requirement::DamagedCard, Check::Present),
        ],
    );
    assert!(matches!(r, Err(WorkflowError::InvalidFindings(v)) if v == vec![Requirement::KkCopy]));
    assert_eq!(
        store.request(req).unwrap().unwrap().step,
        Step::FileReceived
    );
}

#[test]
fn an_ineligible_applicant_is_never_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _sup, op) = station(&paths(dir.path()), clock());
    let req = new_request(&mut store, &op);
    let mut young = biodata(3);
    // Born 22 November 2009: turns 17 tomorrow.
    young.nik = "3313016211090001".into();
    young.birth_date = chrono::NaiveDate::from_ymd_opt(2009, 11, 22).unwrap();
    store
        .receive_file(&op, req, ServiceType::RekamBaru, &young)
        .unwrap();
    match store
        .check_requirements(&op, req, &all_present(ServiceType::RekamBaru))
        .unwrap()
    {
        CheckOutcome::Returned {
            missing,
            ineligible: Some(i),
        } => {
            assert!(missing.is_empty());
            assert_eq!(i.age, 16);
        }
        other => panic!("{other:?}"),
    }
    // Married at 16: eligible.
    let req2 = new_request(&mut store, &op);
    let mut married = young.clone();
    married.marital_status = MaritalStatus::Kawin;
    store
        .receive_file(&op, req2, ServiceType::RekamBaru, &married)
        .unwrap();
    assert_eq!(
        store
            .check_requirements(&op, req2, &all_present(ServiceType::RekamBaru))
            .unwrap(),
        CheckOutcome::Complete
    );
}

#[test]
fn bad_biodata_is_refused_with_every_reason_and_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _sup, op) = station(&paths(dir.path()), clock());
    let req = new_request(&mut store, &op);
    let mut b = biodata(1);
    b.nik = "33130150089500O1".into();
    assert!(matches!(
        store.receive_file(&op, req, ServiceType::RekamBaru, &b),
        Err(WorkflowError::InvalidNik(_))
    ));
    let mut b = biodata(1);
    b.kk_number = "123".into();
    assert!(matches!(
        store.receive_file(&op, req, ServiceType::RekamBaru, &b),
        Err(WorkflowError::InvalidKk(_))
    ));
    let mut b = biodata(1);
    b.full_name = "  ".into();
    b.rt = "x".into();
    match store.receive_file(&op, req, ServiceType::RekamBaru, &b) {
        Err(WorkflowError::Biodata(errors)) => {
            let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
            assert_eq!(fields, ["full_name", "rt"]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        store.request(req).unwrap().unwrap().step,
        Step::TicketCalled
    );
    let applicants: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM applicants", [], |r| r.get(0))
        .unwrap();
    assert_eq!(applicants, 0);
    // A NIK that disagrees with the birth date is accepted with a warning.
    let mut b = biodata(1);
    b.birth_date = b.birth_date.succ_opt().unwrap();
    let warnings = store
        .receive_file(&op, req, ServiceType::RekamBaru, &b)
        .unwrap();
    assert_eq!(warnings.len(), 1);
}

#[test]
fn only_a_supervisor_verifies_and_a_rejection_returns_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, sup, op) = station(&paths(dir.path()), clock());
    let req = new_request(&mut store, &op);
    drive_to(&mut store, &op, &sup, req, 9, Step::Registered, &mut |_| {});
    assert_eq!(store.request(req).unwrap().unwrap().step, Step::Registered);
    assert!(matches!(
        store.verify(&op, req),
        Err(WorkflowError::NotSupervisor(_))
    ));
    assert!(
        matches!(
            store.validate(&sup, req),
            Err(WorkflowError::NotAllowed { .. })
        ),
        "validate before verify"
    );
    store.verify(&sup, req).unwrap();
    assert!(matches!(
        store.reject(&sup, req, "  "),
        Err(WorkflowError::ReasonRequired)
    ));
    store
        .reject(&sup, req, "Fotokopi KK tidak terbaca")
        .unwrap();
    let view = store.request(req).unwrap().unwrap();
    assert_eq!(
        (view.step, view.outcome_reason.as_deref()),
        (Step::Returned, Some("Fotokopi KK tidak terbaca"))
    );
}

fn to_capture(store: &mut Store, sup: &rekam::store::User, op: &rekam::store::User) -> i64 {
    let req = new_request(store, op);
    drive_to(store, op, sup, req, 9, Step::Face, &mut |_| {});
    req
}

#[test]
fn no_capture_can_be_skipped_and_exceptions_stand_in_for_data() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, sup, op) = station(&paths(dir.path()), clock());
    let req = to_capture(&mut store, &sup, &op);
    assert!(
        matches!(store.complete_capture_step(&op, req), Err(WorkflowError::CapturesIncomplete(m)) if m == vec![(Modality::Face, 0)])
    );
    assert!(matches!(
        add_capture(&mut store, &op, req, capture_for(Modality::Finger, 1, 1)),
        Err(WorkflowError::WrongStepForCapture {
            step: Step::Face,
            ..
        })
    ));
    add_capture(&mut store, &op, req, capture_for(Modality::Face, 0, 1)).unwrap();
    assert_eq!(
        store.complete_capture_step(&op, req).unwrap(),
        Step::Fingerprints
    );
    assert!(matches!(
        add_capture(&mut store, &op, req, capture_for(Modality::Finger, 11, 1)),
        Err(WorkflowError::BadPosition { position: 11, .. })
    ));
    for p in 1..=9 {
        add_capture(&mut store, &op, req, capture_for(Modality::Finger, p, 1)).unwrap();
    }
    match store.complete_capture_step(&op, req) {
        Err(WorkflowError::CapturesIncomplete(m)) => assert_eq!(m, vec![(Modality::Finger, 10)]),
        other => panic!("{other:?}"),
    }
    let exception = |reason: &str| CaptureInput {
        modality: Modality::Finger,
        position: 10,
        content: CaptureContent::Exception {
            kind: ExceptionKind::Missing,
            reason: reason.into(),
        },
    };
    assert!(matches!(
        add_capture(&mut store, &op, req, exception(" ")),
        Err(WorkflowError::ReasonRequired)
    ));
    add_capture(
        &mut store,
        &op,
        req,
        exception("Kelingking kiri diamputasi"),
    )
    .unwrap();
    assert_eq!(store.complete_capture_step(&op, req).unwrap(), Step::Iris);
    let view = store.request(req).unwrap().unwrap();
    let little = view
        .captures
        .iter()
        .find(|c| c.modality == Modality::Finger && c.position == 10)
        .unwrap();
    assert_eq!(little.exception, Some(ExceptionKind::Missing));
    assert_eq!(
        little.exception_reason.as_deref(),
        Some("Kelingking kiri diamputasi")
    );
    assert!(
        matches!(store.capture_bytes(little.id), Err(StoreError::Sqlite(_))),
        "an exception has no blob"
    );
}

#[test]
fn retakes_keep_history_and_review_can_redo_a_modality() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, sup, op) = station(&paths(dir.path()), clock());
    let req = to_capture(&mut store, &sup, &op);
    let first = add_capture(&mut store, &op, req, capture_for(Modality::Face, 0, 1)).unwrap();
    let second = add_capture(&mut store, &op, req, capture_for(Modality::Face, 0, 2)).unwrap();
    let current = |store: &Store| store.request(req).unwrap().unwrap().captures[0].clone();
    assert_eq!((current(&store).id, current(&store).attempt), (second, 2));
    // The first is kept, superseded.
    let superseded: Option<String> = store
        .conn()
        .query_row(
            "SELECT superseded_at FROM captures WHERE id = ?1",
            [first],
            |r| r.get(0),
        )
        .unwrap();
    assert!(superseded.is_some());
    let mut noop = |_: &str| {};
    // Fill everything, reach review.
    store.complete_capture_step(&op, req).unwrap();
    for p in 1..=10 {
        add_capture(&mut store, &op, req, capture_for(Modality::Finger, p, 3)).unwrap();
    }
    store.complete_capture_step(&op, req).unwrap();
    for p in 1..=2 {
        add_capture(&mut store, &op, req, capture_for(Modality::Iris, p, 3)).unwrap();
    }
    store.complete_capture_step(&op, req).unwrap();
    add_capture(&mut store, &op, req, capture_for(Modality::Signature, 0, 3)).unwrap();
    assert_eq!(store.complete_capture_step(&op, req).unwrap(), Step::Review);
    // Redo the irises: back to the iris step, then straight back to review.
    store.redo(&op, req, Modality::Iris).unwrap();
    add_capture(&mut store, &op, req, capture_for(Modality::Iris, 2, 4)).unwrap();
    assert_eq!(store.complete_capture_step(&op, req).unwrap(), Step::Review);
    drive_to_end(&mut store, &op, &sup, req, 9, &mut noop);
    assert_eq!(store.request(req).unwrap().unwrap().step, Step::Archived);
}

#[test]
fn cancel_and_defer_until_recorded_but_not_after() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, sup, op) = station(&paths(dir.path()), clock());
    let a = to_capture(&mut store, &sup, &op);
    store.defer(&op, a, "Listrik padam, UPS habis").unwrap();
    assert_eq!(store.request(a).unwrap().unwrap().step, Step::Deferred);
    let b = new_request(&mut store, &op);
    store.cancel(&op, b, "Pemohon tidak hadir").unwrap();
    let c = new_request(&mut store, &op);
    drive_to_end(&mut store, &op, &sup, c, 4, &mut |_| {});
    assert!(matches!(
        store.cancel(&op, c, "terlambat"),
        Err(WorkflowError::NotAllowed {
            step: Step::Archived,
            ..
        })
    ));
    let statuses: Vec<String> = store
        .conn()
        .prepare("SELECT status FROM queue_tickets ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(statuses, ["deferred", "cancelled", "recorded"]);
    assert!(store.open_requests().unwrap().is_empty());
}

#[test]
fn numbers_are_never_reused_and_restart_each_day() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let (mut store, sup, op) = station(&paths(dir.path()), clock.clone());
    let a = new_request(&mut store, &op);
    drive_to_end(&mut store, &op, &sup, a, 1, &mut |_| {});
    let b = new_request(&mut store, &op);
    drive_to_end(&mut store, &op, &sup, b, 2, &mut |_| {});
    let reg = |store: &Store, id| store.request(id).unwrap().unwrap().register_number.unwrap();
    assert_eq!(reg(&store, b), "331301-01-20261121-0002");
    // A ticket called and cancelled still used its number; the next one is A-004.
    let t = store.issue_ticket("A").unwrap();
    assert_eq!(t.code, "A-003");
    let r = store.call_ticket(&op, t.id).unwrap();
    store.cancel(&op, r, "salah panggil").unwrap();
    assert_eq!(store.issue_ticket("A").unwrap().code, "A-004");
    assert_eq!(store.issue_ticket("B").unwrap().code, "B-001");
    assert!(matches!(
        store.issue_ticket("ab"),
        Err(WorkflowError::BadPrefix(_))
    ));
    assert!(matches!(
        store.call_ticket(&op, t.id),
        Err(WorkflowError::TicketNotWaiting { .. })
    ));
    clock.advance(chrono::Duration::days(1));
    assert_eq!(store.issue_ticket("A").unwrap().code, "A-001");
    let c = store.call_next(&op).unwrap().unwrap();
    assert_eq!(
        store.request(c).unwrap().unwrap().ticket,
        "A-001",
        "yesterday's waiting tickets are not called today"
    );
    drive_to_end(&mut store, &op, &sup, c, 3, &mut |_| {});
    assert_eq!(reg(&store, c), "331301-01-20261122-0001");
}

#[test]
fn the_database_holds_no_biometrics_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let p = paths(dir.path());
    let (mut store, sup, op) = station(&p, clock());
    let req = new_request(&mut store, &op);
    drive_to_end(&mut store, &op, &sup, req, 5, &mut |_| {});
    drop(store);
    let CaptureContent::Data { bytes, .. } = capture_for(Modality::Face, 0, req as u64).content
    else {
        unreachable!()
    };
    let needle = &bytes[1000..1032];
    for file in std::fs::read_dir(&p.data_dir).unwrap() {
        let content = std::fs::read(file.unwrap().path()).unwrap();
        assert!(
            !content.windows(needle.len()).any(|w| w == needle),
            "plaintext found on disk"
        );
    }
    // A copied database with another key opens nothing: not even its first page decrypts.
    let other = tempfile::tempdir().unwrap();
    let mut other_paths = paths(other.path());
    other_paths.data_dir = p.data_dir.clone();
    rekam::store::DataKey::create(&other_paths.key_file).unwrap();
    assert!(matches!(
        Store::open(&other_paths, clock()),
        Err(StoreError::DatabaseKey(_))
    ));
}

#[test]
fn a_moved_blob_does_not_open() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, sup, op) = station(&paths(dir.path()), clock());
    let req = to_capture(&mut store, &sup, &op);
    let a = add_capture(&mut store, &op, req, capture_for(Modality::Face, 0, 1)).unwrap();
    let b = add_capture(&mut store, &op, req, capture_for(Modality::Face, 0, 2)).unwrap();
    // Copy b's sealed blob over a's behind the program's back: it is bound to b's row.
    store
        .conn()
        .execute(
            "UPDATE capture_blobs SET (nonce, ciphertext) = (SELECT nonce, ciphertext FROM capture_blobs WHERE capture_id = ?2)
             WHERE capture_id = ?1",
            [a, b],
        )
        .unwrap();
    assert!(matches!(store.capture_bytes(a), Err(StoreError::BlobTampered(id)) if id == a));
    assert!(store.capture_bytes(b).is_ok());
}

#[test]
fn the_audit_chain_catches_changes_made_around_the_program() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, sup, op) = station(&paths(dir.path()), clock());
    let req = new_request(&mut store, &op);
    drive_to_end(&mut store, &op, &sup, req, 5, &mut |_| {});
    let ok = store.verify_audit().unwrap();
    assert!(ok.broken.is_none() && ok.head.is_some());
    // The triggers refuse ordinary edits.
    let err = store
        .conn()
        .execute("UPDATE audit_log SET detail = '{}' WHERE seq = 5", [])
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    assert!(
        store
            .conn()
            .execute("DELETE FROM audit_log WHERE seq = 5", [])
            .is_err()
    );
    // Someone drops the triggers and edits a row: the chain breaks exactly there.
    store
        .conn()
        .execute_batch(
            "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET detail = '{\"nik\":\"0\"}' WHERE seq = 7;",
        )
        .unwrap();
    let broken = store.verify_audit().unwrap().broken.unwrap();
    assert_eq!(
        (broken.seq, broken.reason),
        (7, rekam::store::audit::BreakReason::HashMismatch)
    );
    store
        .conn()
        .execute_batch("DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq = 3;")
        .unwrap();
    let broken = store.verify_audit().unwrap().broken.unwrap();
    assert_eq!(
        (broken.seq, broken.reason),
        (4, rekam::store::audit::BreakReason::Gap)
    );
}

#[test]
fn login_locks_after_five_failures() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let (mut store, _sup, _op) = station(&paths(dir.path()), clock.clone());
    assert!(matches!(
        store.authenticate("nobody", PASSWORD),
        Err(UserError::WrongCredentials)
    ));
    for _ in 0..5 {
        assert!(matches!(
            store.authenticate("operator1", "salah-salah"),
            Err(UserError::WrongCredentials)
        ));
    }
    assert!(matches!(
        store.authenticate("operator1", PASSWORD),
        Err(UserError::Locked(_))
    ));
    clock.advance(chrono::Duration::minutes(6));
    assert_eq!(
        store.authenticate("OPERATOR1", PASSWORD).unwrap().username,
        "operator1"
    );
    let actions: Vec<String> = store
        .conn()
        .prepare("SELECT action FROM audit_log WHERE action LIKE 'user.%' ORDER BY seq")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        actions.iter().filter(|a| *a == "user.login_failed").count(),
        4
    );
    assert_eq!(actions.iter().filter(|a| *a == "user.locked").count(), 1);
}

#[test]
fn a_second_process_on_the_same_data_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = paths(dir.path());
    let (store, _sup, _op) = station(&p, clock());
    match Store::open(&p, clock()) {
        Err(StoreError::Locked { pid, .. }) => assert_eq!(pid, Some(std::process::id())),
        other => panic!("{other:?}"),
    }
    // Another process (the CLI) is told in Indonesian who holds the directory.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rekam"))
        .args(["audit", "verify", "--data-dir"])
        .arg(&p.data_dir)
        .arg("--key-file")
        .arg(&p.key_file)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("sedang dipakai oleh program Rekam lain"),
        "{stderr}"
    );
    drop(store);
    assert!(
        Store::open(&p, clock()).is_ok(),
        "the lock goes with the process that held it"
    );
}

#[test]
fn setup_refuses_bad_input_and_a_second_setup() {
    let dir = tempfile::tempdir().unwrap();
    let p = paths(dir.path());
    drop(setup_store(&p, clock()));
    let mut setup = rekam::store::StationSetup {
        kecamatan_code: "331301".into(),
        station_id: "01".into(),
        mode: rekam::domain::StationMode::Training,
        supervisor: rekam::store::NewUser {
            username: "kasi2".into(),
            full_name: "X".into(),
            nip: None,
            role: rekam::store::Role::Supervisor,
            password: zeroize::Zeroizing::new(PASSWORD.into()),
        },
    };
    assert!(matches!(
        Store::setup(&p, &setup, clock()),
        Err(rekam::store::SetupOrStoreError::Store(
            StoreError::AlreadySetUp
        ))
    ));
    let fresh = tempfile::tempdir().unwrap();
    setup.kecamatan_code = "999999".into();
    assert!(matches!(
        Store::setup(&paths(fresh.path()), &setup, clock()),
        Err(rekam::store::SetupOrStoreError::Setup(_))
    ));
    setup.kecamatan_code = "331301".into();
    setup.supervisor.password = zeroize::Zeroizing::new("short".into());
    assert!(matches!(
        Store::setup(&paths(fresh.path()), &setup, clock()),
        Err(rekam::store::SetupOrStoreError::User(
            UserError::WeakPassword
        ))
    ));
    assert!(
        !paths(fresh.path()).key_file.exists(),
        "refused input writes no key"
    );
}

#[test]
fn a_slap_lands_whole_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, sup, op) = station(&paths(dir.path()), clock());
    let req = to_capture(&mut store, &sup, &op);
    add_capture(&mut store, &op, req, capture_for(Modality::Face, 0, 1)).unwrap();
    store.complete_capture_step(&op, req).unwrap();
    let mut slap: Vec<_> = (2..=5)
        .map(|p| capture_for(Modality::Finger, p, 1))
        .collect();
    slap.push(capture_for(Modality::Iris, 1, 1)); // does not belong in this step
    let attempt = |captures: Vec<CaptureInput>| {
        Attempt::of(req, Modality::Finger, captures).from_device(common::device())
    };
    assert!(matches!(
        store.record_attempt(&op, &attempt(slap.clone())),
        Err(WorkflowError::BadPosition { .. })
    ));
    assert_eq!(
        store.request(req).unwrap().unwrap().captures.len(),
        1,
        "nothing of the slap landed"
    );
    slap.pop();
    // Finishing the step with positions still missing is refused whole: the slap does not
    // land either.
    let refused = store.record_attempt(&op, &attempt(slap.clone()).finishing());
    assert!(
        matches!(&refused, Err(WorkflowError::CapturesIncomplete(m)) if m.len() == 6),
        "{refused:?}"
    );
    assert_eq!(store.request(req).unwrap().unwrap().captures.len(), 1);
    let recorded = store.record_attempt(&op, &attempt(slap)).unwrap();
    assert_eq!(recorded.captures.len(), 4);
    assert_eq!(recorded.step, Step::Fingerprints);
    assert_eq!(store.request(req).unwrap().unwrap().captures.len(), 5);
}

#[test]
fn resuming_uses_the_open_requests_index() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _sup, _op) = station(&paths(dir.path()), clock());
    let plan: Vec<String> = store
        .conn()
        .prepare(
            "EXPLAIN QUERY PLAN SELECT id FROM requests WHERE step NOT IN ('archived', 'returned', 'cancelled', 'deferred')
             ORDER BY updated_at DESC, id DESC",
        )
        .unwrap()
        .query_map([], |r| r.get::<_, String>(3))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(plan.iter().any(|p| p.contains("requests_open")), "{plan:?}");
}

#[test]
fn single_names_and_apostrophes_go_through_as_printed_on_the_card() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _sup, op) = station(&paths(dir.path()), clock());
    for (i, name) in ["sukarno", "Ni Luh Putu Ayu Sri Wahyuni", "Ma'ruf  O'Neil"]
        .iter()
        .enumerate()
    {
        let req = new_request(&mut store, &op);
        let mut b = biodata(20 + i as u32);
        b.full_name = (*name).into();
        store
            .receive_file(&op, req, ServiceType::RekamBaru, &b)
            .unwrap();
        let stored = store.request(req).unwrap().unwrap().full_name.unwrap();
        assert_eq!(
            stored,
            name.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_uppercase()
        );
    }
}

#[test]
fn each_request_is_measured_against_the_sop_standard_times() {
    use rekam::domain::sop::SopStep;
    use std::time::Duration;
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let (mut store, sup, op) = station(&paths(dir.path()), clock.clone());
    let req = new_request(&mut store, &op);
    let minutes = |m| chrono::Duration::minutes(m);
    clock.advance(minutes(2)); // the applicant takes 2 minutes to reach the desk
    store
        .receive_file(&op, req, ServiceType::RekamBaru, &biodata(1))
        .unwrap();
    clock.advance(minutes(4));
    store
        .check_requirements(&op, req, &all_present(ServiceType::RekamBaru))
        .unwrap();
    store.register(&op, req).unwrap();
    clock.advance(minutes(1));
    store.verify(&sup, req).unwrap();
    store.validate(&sup, req).unwrap();
    store.begin_recording(&op, req).unwrap();
    // Recording: 3 minutes of face, 9 of fingerprints, then the rest instantly.
    add_capture(&mut store, &op, req, capture_for(Modality::Face, 0, 1)).unwrap();
    clock.advance(minutes(3));
    store.complete_capture_step(&op, req).unwrap();
    clock.advance(minutes(9));
    drive_to_end(&mut store, &op, &sup, req, 1, &mut |_| {});
    let timings = store.sop_timings(req).unwrap();
    let get = |s| timings.iter().find(|t| t.step == s).unwrap().clone();
    assert_eq!(timings[0].step, SopStep::CallQueue, "in SOP order");
    assert_eq!(get(SopStep::CallQueue).actual, Duration::from_secs(120));
    assert!(get(SopStep::CallQueue).is_late(), "standard is 1 minute");
    assert_eq!(
        get(SopStep::CheckRequirements).actual,
        Duration::from_secs(240)
    );
    assert!(
        !get(SopStep::CheckRequirements).is_late(),
        "standard is up to 5 minutes"
    );
    assert_eq!(get(SopStep::Register).actual, Duration::ZERO);
    assert_eq!(
        get(SopStep::Verify).actual,
        Duration::from_secs(60),
        "waiting for the supervisor counts"
    );
    assert_eq!(get(SopStep::Record).actual, Duration::from_secs(12 * 60));
    assert!(
        get(SopStep::Record).is_late(),
        "standard is up to 10 minutes"
    );
    assert_eq!(timings.len(), SopStep::ALL.len());
}

#[test]
fn auto_capture_decisions_are_kept_with_their_scores() {
    use rekam::capture::policy::{AutoCapture, Decision, Outcome, Step as Policy, Thresholds};
    use rekam::capture::quality::{Assessment, Finding};
    use std::time::{Duration, Instant};

    let dir = tempfile::tempdir().unwrap();
    let (mut store, sup, op) = station(&paths(dir.path()), clock());
    let req = to_capture(&mut store, &sup, &op);

    // The face policy: one blurred frame, a timeout, then a sharp one taken.
    let limits = Thresholds {
        accept_score: 60,
        timeout_secs: 10,
        max_attempts: 3,
    };
    let frame = |score: u8, pass: bool| {
        Assessment::new(
            Modality::Face,
            score,
            vec![Finding::new(
                "sharpness",
                pass,
                f64::from(score),
                42.5,
                "kabur",
                "blurred",
            )],
        )
    };
    let t0 = Instant::now();
    let mut policy = AutoCapture::new(Modality::Face, limits, t0);
    assert!(matches!(
        policy.offer(frame(20, false), (), t0),
        Policy::Continue
    ));
    let Policy::Retry(retry) = policy.tick(t0 + Duration::from_secs(10)) else {
        panic!("no retry");
    };
    let Policy::Take((), taken) = policy.offer(frame(80, true), (), t0 + Duration::from_secs(11))
    else {
        panic!("not taken");
    };
    // The decisions go with the photo they led to, in one transaction that leaves the step.
    let attempt = Attempt {
        request: req,
        modality: Modality::Face,
        captures: vec![capture_for(Modality::Face, 0, 1)],
        decisions: vec![(0, retry.clone()), (0, taken.clone())],
        finish: true,
        device: Some(common::device()),
    };
    // Refused while the request is elsewhere: neither the photo nor its decisions land.
    let elsewhere = Attempt {
        request: req + 1000,
        ..attempt.clone()
    };
    assert!(store.record_attempt(&op, &elsewhere).is_err());
    let recorded = store.record_attempt(&op, &attempt).unwrap();
    assert_eq!(recorded.step, Step::Fingerprints);
    assert_eq!(recorded.decisions.len(), 2);

    let kept = store.decisions(req).unwrap();
    assert_eq!(kept.len(), 2);
    assert_eq!(
        (
            kept[0].attempt,
            kept[0].outcome,
            kept[0].score,
            kept[0].acceptable
        ),
        (1, Outcome::Retry, Some(20), Some(false))
    );
    assert_eq!(kept[0].findings[0].check, "sharpness");
    assert_eq!(kept[0].findings[0].value, 42.5);
    assert_eq!(kept[0].findings[0].id, "kabur");
    assert_eq!(
        (
            kept[1].attempt,
            kept[1].outcome,
            kept[1].score,
            kept[1].decided_by
        ),
        (2, Outcome::Accepted, Some(80), op.id)
    );
    assert!(store.decisions(req + 1000).unwrap().is_empty());

    // The audit log names the decision and what failed.
    let audit: String = store
        .conn()
        .query_row(
            "SELECT detail FROM audit_log WHERE action = 'capture.decision' ORDER BY seq LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        audit.contains("\"retry\"") && audit.contains("sharpness"),
        "{audit}"
    );

    // A decision about a position the modality does not have is refused.
    let stray = Attempt {
        request: req,
        modality: Modality::Finger,
        captures: Vec::new(),
        decisions: vec![(
            11,
            Decision {
                modality: Modality::Finger,
                ..taken
            },
        )],
        finish: false,
        device: None,
    };
    assert!(matches!(
        store.record_attempt(&op, &stray),
        Err(WorkflowError::BadPosition { position: 11, .. })
    ));
}
