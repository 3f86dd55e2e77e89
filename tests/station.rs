//! Production and training stations (issue 14, part 1): the mode is chosen at setup and fixed;
//! a production station never simulates (doctor, simulate-day, the store itself), every capture
//! names the device it came from, the packet and its records carry the mode and the devices, and
//! verify-batch refuses simulator captures in a production packet; the device settings change
//! only through a supervisor, audited, and a file changed by hand is found at start.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use common::*;
use rekam::batch::{self, ExportRequest, Problem, TrustedStation, TrustedStations};
use rekam::capture::session::Attempt;
use rekam::devices::settings::settings_path;
use rekam::devices::{DeviceSettings, Mode};
use rekam::domain::{Provenance, StationMode};
use rekam::store::{Paths, Store};
use rekam::workflow::settings::SettingsCheck;
use rekam::workflow::{Modality, Step, WorkflowError};

fn rekam(args: &[&str], p: &Paths) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rekam"));
    c.args(args)
        .arg("--data-dir")
        .arg(&p.data_dir)
        .arg("--key-file")
        .arg(&p.key_file);
    c.env_remove("REKAM_LANG");
    c
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn setup_cli(p: &Paths, mode: Option<&str>) -> Output {
    let mut args = vec![
        "setup",
        "--kecamatan",
        "331301",
        "--station",
        "01",
        "--supervisor",
        "kasi",
        "--name",
        "Sri Wahyuni",
    ];
    if let Some(mode) = mode {
        args.extend(["--mode", mode]);
    }
    let mut child = rekam(&args, p)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"rahasia-123\n")
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn the_mode_is_chosen_explicitly_at_setup_and_a_production_station_refuses_simulators() {
    let dir = tempfile::tempdir().unwrap();
    let p = paths(dir.path());
    // No mode: refused before anything is written.
    let out = setup_cli(&p, None);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("--mode"), "{}", text(&out));
    assert!(!Store::exists(&p));

    let out = setup_cli(&p, Some("production"));
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("produksi"), "{}", text(&out));
    assert_eq!(Store::peek_mode(&p).unwrap(), Some(StationMode::Production));

    // A simulated class: the doctor refuses it, says what to attach, and exits non-zero.
    let mut settings = DeviceSettings::default();
    settings.fingerprint.mode = Mode::Simulated;
    std::fs::write(settings_path(&p.data_dir), settings.to_toml()).unwrap();
    let out = rekam(&["doctor"], &p).output().unwrap();
    assert!(!out.status.success());
    let said = text(&out);
    assert!(said.contains("DITOLAK (simulator)"), "{said}");
    assert!(
        said.contains("stasiun produksi tidak boleh memakai simulator"),
        "{said}"
    );
    assert!(said.contains("Pasang pemindai sidik jari USB"), "{said}");
    let out = rekam(&["doctor", "--json"], &p).output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json[0]["problem"]["kind"], "simulator_refused", "{json}");
    assert_eq!(json[0]["station"], "production");

    // Auto on a production station is real-or-error: no simulator stands in for what is
    // missing (this machine has no scanner on the test's USB id).
    std::fs::write(
        settings_path(&p.data_dir),
        DeviceSettings::default().to_toml(),
    )
    .unwrap();
    let out = rekam(&["doctor", "--json"], &p).output().unwrap();
    assert!(!out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json[0]["found"], serde_json::Value::Null, "{json}");
    assert_eq!(json[0]["mode"], "auto");
    let said = text(&rekam(&["doctor"], &p).output().unwrap());
    assert!(said.contains("TIDAK SIAP"), "{said}");
    assert!(!said.contains("stasiun memakai simulator"), "{said}");

    // A simulated day is refused, in words, before anything is opened.
    let out = rekam(&["simulate-day", "--applicants", "1"], &p)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out).contains("simulate-day ditolak: ini stasiun produksi"),
        "{}",
        text(&out)
    );
}

#[test]
fn a_training_station_set_up_by_the_cli_simulates_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let p = paths(dir.path());
    assert!(setup_cli(&p, Some("training")).status.success());
    let mut settings = DeviceSettings::default();
    settings.fingerprint.mode = Mode::Simulated;
    std::fs::write(settings_path(&p.data_dir), settings.to_toml()).unwrap();
    let out = rekam(&["doctor", "--json"], &p).output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json[0]["problem"], serde_json::Value::Null, "{json}");
    assert_eq!(json[0]["station"], "training");
    let said = text(&rekam(&["doctor"], &p).output().unwrap());
    assert!(said.contains("stasiun latihan"), "{said}");
}

#[test]
fn every_capture_names_its_device_and_a_production_store_refuses_a_simulator() {
    let dir = tempfile::tempdir().unwrap();
    let p = paths(dir.path());
    let (mut store, sup, op) = station_as(&p, clock(), StationMode::Production);
    let t = store.issue_ticket("A").unwrap();
    let req = store.call_ticket(&op, t.id).unwrap();
    drive_to(&mut store, &op, &sup, req, 1, Step::Face, &mut |_| {});
    let photo = || vec![capture_for(Modality::Face, 0, 1)];
    let face = |device: Option<Provenance>| Attempt {
        device,
        ..Attempt::of(req, Modality::Face, photo()).finishing()
    };
    assert!(matches!(
        store.record_attempt(&op, &face(None)),
        Err(WorkflowError::NoProvenance)
    ));
    assert!(matches!(
        store.record_attempt(
            &op,
            &face(Some(Provenance::simulator("Rekam simulated face camera")))
        ),
        Err(WorkflowError::SimulatedOnProduction(_))
    ));
    let stored: i64 = store
        .conn()
        .query_row(
            "SELECT count(*) FROM captures WHERE request_id = ?1",
            [req],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, 0, "nothing of a refused attempt lands");
    let recorded = store
        .record_attempt(&op, &face(Some(real_device())))
        .unwrap();
    let device: String = store
        .conn()
        .query_row(
            "SELECT device FROM captures WHERE id = ?1",
            [recorded.captures[0]],
            |r| r.get(0),
        )
        .unwrap();
    let device: Provenance = serde_json::from_str(&device).unwrap();
    assert_eq!(device, real_device());
    // An exception names no device.
    let training_dir = tempfile::tempdir().unwrap();
    let tp = paths(training_dir.path());
    let (mut training, tsup, top) = station(&tp, clock());
    let t = training.issue_ticket("A").unwrap();
    let r = training.call_ticket(&top, t.id).unwrap();
    drive_to(&mut training, &top, &tsup, r, 2, Step::Face, &mut |_| {});
    let sim = Attempt::of(r, Modality::Face, vec![capture_for(Modality::Face, 0, 2)])
        .from_device(Provenance::simulator("Rekam simulated face camera"));
    assert!(
        training.record_attempt(&top, &sim).is_ok(),
        "training simulates"
    );
}

/// A closed day of one recorded applicant on a station of `mode`, exported and checked.
fn exported(mode: StationMode, tamper: Option<&str>) -> (batch::Verification, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let p = paths(dir.path());
    let (mut store, sup, op) = station_as(&p, clock(), mode);
    let t = store.issue_ticket("A").unwrap();
    let req = store.call_ticket(&op, t.id).unwrap();
    drive_to_end(&mut store, &op, &sup, req, 1, &mut |_| {});
    if let Some(device) = tamper {
        // What no Rekam code path writes on a production station: a capture from a simulator
        // (as a database edited by hand would hold).
        store
            .conn()
            .execute(
                "UPDATE captures SET device = ?1 WHERE modality = 'finger' AND position = 2",
                [device],
            )
            .unwrap();
    }
    store.close_day(&sup, clock_day()).unwrap();
    let out = dir.path().join("usb");
    std::fs::create_dir_all(&out).unwrap();
    let receiver = age::x25519::Identity::generate();
    let req = ExportRequest {
        date: clock_day(),
        out_dir: out,
        recipients: vec![receiver.to_public()],
    };
    let done = batch::export_day(&mut store, &sup, &req, &mut |_, _| {}).unwrap();
    let mut trusted = TrustedStations::default();
    trusted.add(TrustedStation {
        kecamatan_code: "331301".into(),
        station_id: "01".into(),
        public_key: store.signing_public_key().unwrap().unwrap(),
    });
    let v = batch::verify_batch(&done.path, &trusted, Some(&[receiver][..])).unwrap();
    (v, dir)
}

#[test]
fn the_packet_carries_the_mode_and_the_devices_and_refuses_simulators_from_production() {
    let (v, _d) = exported(StationMode::Production, None);
    assert!(v.is_ok(), "{:?}", v.problems);
    assert!(!v.training());
    let m = v.manifest.as_ref().unwrap();
    assert_eq!(m.station_mode, StationMode::Production);
    assert_eq!(m.records[0].devices, vec![real_device()]);
    assert!(v.simulated_records.is_empty());

    let (v, _d) = exported(StationMode::Training, None);
    assert!(v.is_ok(), "a training packet is intact: {:?}", v.problems);
    assert!(v.training());
    assert_eq!(
        v.header.as_ref().unwrap().station_mode,
        StationMode::Training
    );
    assert_eq!(v.simulated_records, vec!["0001".to_string()]);

    let simulated =
        serde_json::to_string(&Provenance::simulator("Rekam simulated scanner")).unwrap();
    let (v, _d) = exported(StationMode::Production, Some(&simulated));
    assert!(!v.is_ok());
    assert!(
        v.problems.iter().any(|p| matches!(
            p,
            Problem::SimulatedCapture { record, captures } if record == "0001" && captures == &vec!["finger-2".to_string()]
        )),
        "{:?}",
        v.problems
    );
}

#[test]
fn settings_change_only_through_a_supervisor_and_a_hand_edit_is_found_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let p = paths(dir.path());
    let (mut store, sup, op) = station_as(&p, clock(), StationMode::Production);
    assert_eq!(
        store.check_device_settings().unwrap(),
        SettingsCheck::Unchanged
    );
    let mut settings = DeviceSettings::default();
    settings.kiosk.desk = 4;
    assert!(matches!(
        store.save_device_settings(&op, &settings),
        Err(WorkflowError::NotSupervisor(_))
    ));
    let changes = store.save_device_settings(&sup, &settings).unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].key, "kiosk.desk");
    assert_eq!(
        store.check_device_settings().unwrap(),
        SettingsCheck::Unchanged
    );
    settings.signature_pad.mode = Mode::Simulated;
    assert!(matches!(
        store.save_device_settings(&sup, &settings),
        Err(WorkflowError::SimulatedOnProduction(class)) if class == "signature_pad"
    ));

    // By hand, outside Rekam: found at the next start, audited with the change.
    let file = settings_path(&p.data_dir);
    let edited = std::fs::read_to_string(&file)
        .unwrap()
        .replace("desk = 4", "desk = 9");
    std::fs::write(&file, edited).unwrap();
    match store.check_device_settings().unwrap() {
        SettingsCheck::ChangedOutside(changes) => {
            assert_eq!(changes.len(), 1, "{changes:?}");
            assert_eq!(changes[0].to_string(), "kiosk.desk: 4 → 9");
        }
        other => panic!("not found: {other:?}"),
    }
    let audited: String = store
        .conn()
        .query_row(
            "SELECT detail FROM audit_log WHERE action = 'settings.changed_outside'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(audited.contains("kiosk.desk"), "{audited}");
    // Once seen, it is the recorded text; a restart does not report it again.
    assert_eq!(
        store.check_device_settings().unwrap(),
        SettingsCheck::Unchanged
    );
    assert!(store.verify_audit().unwrap().broken.is_none());
}

#[test]
fn the_data_directory_and_database_are_private_and_checked_at_start() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let p = paths(dir.path());
    std::fs::create_dir_all(&p.data_dir).unwrap();
    std::fs::set_permissions(&p.data_dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    drop(setup_store(&p, clock()));
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&p.data_dir), 0o700);
    assert_eq!(mode(&p.db()), 0o600);
    // Opened again, the journal files SQLite makes take the database's mode.
    drop(Store::open(&p, clock()).unwrap());
    for entry in std::fs::read_dir(&p.data_dir).unwrap() {
        let path = entry.unwrap().path();
        if path.to_string_lossy().contains("rekam.db") {
            assert_eq!(mode(&path), 0o600, "{}", path.display());
        }
    }
    // Opened up by someone: refused at start, saying what to run.
    std::fs::set_permissions(&p.data_dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let err = Store::open(&p, clock()).unwrap_err();
    let said = rekam::Localize::localize(&err, rekam::Lang::Id);
    assert!(
        said.contains("dapat dibaca pengguna lain") && said.contains("chmod 700"),
        "{said}"
    );
    std::fs::set_permissions(&p.data_dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    std::fs::set_permissions(p.db(), std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = Store::open(&p, clock()).unwrap_err();
    assert!(err.to_string().contains("chmod 600"), "{err}");
}

#[test]
fn two_training_stations_never_share_a_key() {
    let dir = tempfile::tempdir().unwrap();
    let a = Paths::training(dir.path().join("tmp.AbC123"));
    let b = Paths::training(dir.path().join("tmp.XyZ789"));
    assert_ne!(a.key_file, b.key_file);
    assert_eq!(a.key_file, dir.path().join("tmp.AbC123.key"));
    drop(setup_store(&a, clock()));
    // A second station told to use the first one's key file is refused, and nothing is made.
    let shared = Paths {
        data_dir: b.data_dir.clone(),
        key_file: a.key_file.clone(),
    };
    let setup = rekam::store::StationSetup {
        kecamatan_code: "331301".into(),
        station_id: "02".into(),
        mode: StationMode::Training,
        supervisor: rekam::store::NewUser {
            username: "kasi".into(),
            full_name: "Sri Wahyuni".into(),
            nip: None,
            role: rekam::store::Role::Supervisor,
            password: zeroize::Zeroizing::new(PASSWORD.into()),
        },
    };
    let err = Store::setup(&shared, &setup, clock()).unwrap_err();
    assert!(
        err.to_string().contains("not made for this data directory"),
        "{err}"
    );
    // Its own key is fine.
    assert!(Store::setup(&b, &setup, clock()).is_ok());
}

#[test]
fn a_plaintext_database_from_before_encryption_is_encrypted_when_opened() {
    let dir = tempfile::tempdir().unwrap();
    let p = paths(dir.path());
    let (mut store, sup, op) = station(&p, clock());
    let t = store.issue_ticket("A").unwrap();
    let req = store.call_ticket(&op, t.id).unwrap();
    drive_to(&mut store, &op, &sup, req, 1, Step::Face, &mut |_| {});
    drop(store);
    let magic = |path: &std::path::Path| std::fs::read(path).unwrap()[..16].to_vec();
    assert_ne!(
        magic(&p.db()),
        b"SQLite format 3\0",
        "encrypted from its first page"
    );
    // Decrypt it into a plaintext copy, as a station of the earlier version had it.
    let plain = p.data_dir.join("plain.db");
    {
        let conn = Store::open_raw(&p).unwrap();
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        conn.execute(
            "ATTACH DATABASE ?1 AS plain KEY ''",
            [plain.to_string_lossy()],
        )
        .unwrap();
        conn.query_row("SELECT sqlcipher_export('plain')", [], |_| Ok(()))
            .unwrap();
        conn.execute_batch(&format!(
            "PRAGMA plain.user_version = {version}; DETACH DATABASE plain;"
        ))
        .unwrap();
    }
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", p.db().display()));
    }
    std::fs::rename(&plain, p.db()).unwrap();
    std::fs::set_permissions(p.db(), std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    assert_eq!(magic(&p.db()), b"SQLite format 3\0");
    // Opened by this version: encrypted in place, everything still there.
    let store = Store::open(&p, clock()).unwrap();
    let view = store.request(req).unwrap().unwrap();
    assert_eq!(view.step, Step::Face);
    assert!(store.verify_audit().unwrap().broken.is_none());
    drop(store);
    assert_ne!(magic(&p.db()), b"SQLite format 3\0");
    // Without the right key the database does not open: it says so.
    let other = tempfile::tempdir().unwrap();
    let wrong = Paths {
        data_dir: p.data_dir.clone(),
        key_file: other.path().join("other.key"),
    };
    rekam::store::DataKey::create(&wrong.key_file).unwrap();
    let err = Store::open(&wrong, clock()).unwrap_err();
    assert!(
        matches!(err, rekam::store::StoreError::DatabaseKey(_)),
        "{err:?}"
    );
}

#[test]
fn the_doctor_judges_a_station_it_cannot_read_as_production() {
    let dir = tempfile::tempdir().unwrap();
    let p = paths(dir.path());
    assert!(setup_cli(&p, Some("training")).status.success());
    let mut settings = DeviceSettings::default();
    settings.fingerprint.mode = Mode::Simulated;
    std::fs::write(settings_path(&p.data_dir), settings.to_toml()).unwrap();
    std::fs::remove_file(&p.key_file).unwrap();
    let out = rekam(&["doctor"], &p).output().unwrap();
    assert!(!out.status.success());
    let said = text(&out);
    assert!(
        said.contains("diperiksa sebagai stasiun produksi"),
        "{said}"
    );
    assert!(said.contains("DITOLAK (simulator)"), "{said}");
}
