//! The day's batch packet end to end: close, export, verify (with and without the receiver's
//! key), tampering found and named, wrong keys, an empty day, an export killed midway, the
//! acknowledgement and retention, and a 500-record day.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use age::secrecy::ExposeSecret;
use chrono::NaiveDate;
use common::*;
use rekam::batch::format::{HEADER_NAME, Header, SIGNATURE_NAME};
use rekam::batch::{
    self, ExportError, ExportRequest, Problem, TrustedStation, TrustedStations, Verification,
};
use rekam::store::{StationSigningKey, Store, User};
use rekam::workflow::{CloseError, Step, WorkflowError};

fn day() -> NaiveDate {
    clock_day()
}

struct Day {
    _dir: tempfile::TempDir,
    clock: std::sync::Arc<rekam::store::ManualClock>,
    out: PathBuf,
    paths: rekam::store::Paths,
    store: Store,
    sup: User,
    receiver: age::x25519::Identity,
}

impl Day {
    fn trusted(&self) -> TrustedStations {
        let mut t = TrustedStations::default();
        t.add(TrustedStation {
            kecamatan_code: "331301".into(),
            station_id: "01".into(),
            public_key: self.store.signing_public_key().unwrap().unwrap(),
        });
        t
    }

    fn export(&mut self) -> batch::Exported {
        let req = ExportRequest {
            date: day(),
            out_dir: self.out.clone(),
            recipients: vec![self.receiver.to_public()],
        };
        let sup = self.sup.clone();
        batch::export_day(&mut self.store, &sup, &req, &mut |_, _| {}).unwrap()
    }

    fn verify(&self, file: &Path, with_key: bool) -> Verification {
        let ids = [self.receiver.clone()];
        batch::verify_batch(file, &self.trusted(), with_key.then_some(&ids[..])).unwrap()
    }
}

/// A station with `recorded` applicants recorded to the end, one returned at verification and
/// one ticket that never came; the day closed.
fn closed_day(recorded: u32) -> Day {
    let dir = tempfile::tempdir().unwrap();
    let p = paths(dir.path());
    let clock = clock();
    let (mut store, sup, op) = station(&p, clock.clone());
    // Durability is proven elsewhere (tests/faults.rs); here it only slows building big days.
    store
        .conn()
        .pragma_update(None, "synchronous", "OFF")
        .unwrap();
    for i in 0..recorded {
        let t = store.issue_ticket("A").unwrap();
        let req = store.call_ticket(&op, t.id).unwrap();
        drive_to_end(&mut store, &op, &sup, req, i + 1, &mut |_| {});
    }
    let t = store.issue_ticket("A").unwrap();
    let req = store.call_ticket(&op, t.id).unwrap();
    drive_to(
        &mut store,
        &op,
        &sup,
        req,
        900,
        Step::Registered,
        &mut |_| {},
    );
    store
        .reject(&sup, req, "fotokopi KK tidak terbaca")
        .unwrap();
    let gone = store.issue_ticket("A").unwrap();
    store
        .cancel_ticket(&op, gone.id, "tidak hadir saat dipanggil")
        .unwrap();
    store.close_day(&sup, day()).unwrap();
    let out = dir.path().join("usb");
    std::fs::create_dir_all(&out).unwrap();
    Day {
        clock,
        out,
        paths: p,
        store,
        sup,
        receiver: age::x25519::Identity::generate(),
        _dir: dir,
    }
}

/// The archive members of a packet with the byte range of each one's data.
fn members(file: &Path) -> Vec<(String, u64, u64)> {
    let mut archive = tar::Archive::new(std::fs::File::open(file).unwrap());
    archive
        .entries()
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.path().unwrap().to_string_lossy().into_owned(),
                e.raw_file_position(),
                e.size(),
            )
        })
        .collect()
}

fn flip(file: &Path, at: u64) -> PathBuf {
    let mut bytes = std::fs::read(file).unwrap();
    bytes[at as usize] ^= 0x01;
    let out = file.with_extension(format!("flip{at}.rkb"));
    std::fs::write(&out, bytes).unwrap();
    out
}

#[test]
fn round_trip_export_verify_decrypt_acknowledge_and_retention() {
    let mut d = closed_day(3);
    let e = d.export();
    assert_eq!(e.file_name, "rekam-331301-01-20261121-01.rkb");
    assert_eq!(e.records, 3);
    assert!(e.path.exists());
    assert_eq!(
        std::fs::read_dir(&d.out).unwrap().count(),
        1,
        "no leftovers"
    );

    // Without the key: signature, station and hashes.
    let v = d.verify(&e.path, false);
    assert!(v.is_ok(), "{:?}", v.problems);
    assert!(v.signature_valid && !v.decrypted);
    assert_eq!(v.file_sha256, e.sha256);
    // With the key: every record and part.
    let v = d.verify(&e.path, true);
    assert!(v.is_ok(), "{:?}", v.problems);
    assert_eq!(v.records_checked, 3);
    let m = v.manifest.as_ref().unwrap();
    assert_eq!(m.counts.records, 3);
    assert_eq!(
        m.counts.captures,
        3 * 14,
        "face, 10 fingers, 2 irises, signature"
    );
    assert_eq!(v.parts_checked, m.counts.parts);
    assert_eq!(
        (
            m.reconciliation.tickets_issued,
            m.reconciliation.recorded,
            m.reconciliation.returned,
            m.reconciliation.cancelled
        ),
        (5, 3, 1, 1)
    );
    assert_eq!(
        m.reconciliation.tickets[3].reason.as_deref(),
        Some("fotokopi KK tidak terbaca"),
        "returned with what was missing"
    );
    assert!(m.audit_head.is_some());

    // The decrypted record is what was recorded.
    let mut archive = tar::Archive::new(std::fs::File::open(&e.path).unwrap());
    let mut entry = archive
        .entries()
        .unwrap()
        .map(|x| x.unwrap())
        .find(|x| x.path().unwrap().to_string_lossy() == "records/0001.age")
        .unwrap();
    let dec = age::Decryptor::new(&mut entry).unwrap();
    let mut plain = Vec::new();
    dec.decrypt(std::iter::once(&d.receiver as &dyn age::Identity))
        .unwrap()
        .read_to_end(&mut plain)
        .unwrap();
    let mut inner = tar::Archive::new(&plain[..]);
    let names: Vec<String> = inner
        .entries()
        .unwrap()
        .map(|x| x.unwrap().path().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names[0], "record.json");
    for part in [
        "face.jpg",
        "finger-01.wsq",
        "finger-10.wsq",
        "iris-1.png",
        "iris-2.png",
        "signature.png",
    ] {
        assert!(names.contains(&part.to_owned()), "{part} in {names:?}");
    }
    let first = d.store.day_register(day()).unwrap()[0].request;
    let face = d
        .store
        .request(first)
        .unwrap()
        .unwrap()
        .captures
        .iter()
        .find(|c| c.modality == rekam::workflow::Modality::Face)
        .unwrap()
        .id;
    let stored_face = d.store.capture_bytes(face).unwrap();
    let mut inner = tar::Archive::new(&plain[..]);
    let mut exported_face = Vec::new();
    inner
        .entries()
        .unwrap()
        .map(|x| x.unwrap())
        .find(|x| x.path().unwrap().to_string_lossy() == "face.jpg")
        .unwrap()
        .read_to_end(&mut exported_face)
        .unwrap();
    assert_eq!(exported_face, stored_face);

    // Records are exported; the acknowledgement marks them accepted, retention deletes blobs.
    let status: String = d
        .store
        .conn()
        .query_row(
            "SELECT central_status FROM requests WHERE id = ?1",
            [first],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(status, "SENT_FOR_ENROLLMENT");
    let backlog = d.store.export_backlog().unwrap();
    assert_eq!((backlog.not_exported, backlog.unacknowledged), (0, 3));

    let ack = batch::make_ack(&v, "Dinas Dukcapil Kab. Grobogan", d.store.clock().now()).unwrap();
    let dinas = StationSigningKey::create(&d.out.join("../dinas-ack.key")).unwrap();
    let sup = d.sup.clone();
    d.store
        .pin_receiver_key(&sup, "Dinas Dukcapil Kab. Grobogan", &dinas.public_hex())
        .unwrap();
    let text = serde_json::to_string(&batch::sign_ack(&ack, &dinas)).unwrap();
    let done = d
        .store
        .import_ack(&sup, &text, chrono::Duration::days(30))
        .unwrap();
    assert_eq!((done.accepted, done.rejected, done.purged), (3, 0, 0));
    assert!(
        d.store.capture_bytes(face).is_ok(),
        "kept during the retention"
    );
    let status: String = d
        .store
        .conn()
        .query_row(
            "SELECT central_status FROM requests WHERE id = ?1",
            [first],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(status, "RECEIVED_AT_CENTRAL");
    assert_eq!(
        d.store.apply_retention(chrono::Duration::days(30)).unwrap(),
        0
    );
    // A retention of 0 is the floor of 7 days: nothing goes before them.
    assert_eq!(
        d.store.apply_retention(chrono::Duration::zero()).unwrap(),
        0
    );
    d.clock.advance(chrono::Duration::days(i64::from(
        batch::RETENTION_FLOOR_DAYS,
    )));
    // The three accepted requests, and the one returned at verification (its biodata).
    assert_eq!(
        d.store.apply_retention(chrono::Duration::zero()).unwrap(),
        4
    );
    assert!(d.store.capture_bytes(face).is_err(), "biometrics deleted");
    let captures: i64 = d
        .store
        .conn()
        .query_row(
            "SELECT count(*) FROM captures WHERE request_id = ?1",
            [first],
            |r| r.get(0),
        )
        .unwrap();
    assert!(captures >= 14, "the record of the captures stays");
    // The biodata go with the biometrics: the snapshots and the applicants' rows; the requests
    // stay, with their register numbers, for the register book and the reports.
    let count = |sql: &str| -> i64 { d.store.conn().query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(count("SELECT count(*) FROM applicants"), 0);
    assert_eq!(count("SELECT count(*) FROM request_biodata"), 0);
    assert_eq!(
        count(
            "SELECT count(*) FROM requests WHERE register_number IS NOT NULL AND applicant_id IS NULL"
        ),
        4,
        "the three recorded and the one returned after registration keep their register numbers"
    );
    assert_eq!(
        count("SELECT count(*) FROM requests WHERE applicant_id IS NOT NULL"),
        0
    );
    assert!(d.store.verify_audit().unwrap().broken.is_none());

    // A forged acknowledgement (hash not the exported one) is refused as a whole, even signed.
    let mut forged = ack.clone();
    forged.records[0].sha256 = "0".repeat(64);
    let err = d
        .store
        .import_ack(
            &sup,
            &serde_json::to_string(&batch::sign_ack(&forged, &dinas)).unwrap(),
            chrono::Duration::days(30),
        )
        .unwrap_err();
    assert!(matches!(err, batch::AckError::WrongHash { .. }), "{err:?}");

    // Accepted records are not exported again.
    let again = d.export();
    assert_eq!((again.seq, again.records), (2, 0));
}

#[test]
fn one_byte_flipped_in_any_part_fails_and_names_it() {
    let mut d = closed_day(2);
    let e = d.export();
    for (name, start, size) in members(&e.path) {
        let flipped = flip(&e.path, start + size / 2);
        let without = d.verify(&flipped, false);
        let with = d.verify(&flipped, true);
        for v in [&without, &with] {
            assert!(!v.is_ok(), "{name}: flipped byte not noticed");
            let named = v.problems.iter().any(|p| match p {
                Problem::EntryAltered { entry } => entry == &name,
                Problem::BadSignature | Problem::HeaderUnreadable { .. } => {
                    name == HEADER_NAME || name == SIGNATURE_NAME
                }
                _ => false,
            });
            assert!(named, "{name}: {:?}", v.problems);
        }
    }
    // A flipped byte in an archive header (the 512 bytes before a member) is noticed too.
    let (_, start, _) = members(&e.path)[1].clone();
    let v = d.verify(&flip(&e.path, start - 512 + 3), true);
    assert!(!v.is_ok());
    assert!(
        v.problems.iter().any(|p| matches!(p,
            Problem::MissingEntry { entry } | Problem::UnexpectedEntry { entry } if entry.starts_with("records/"))
            || matches!(p, Problem::NotAPacket { .. })),
        "{:?}",
        v.problems
    );
}

/// Rewrites a packet with one part of record 0001 changed, re-encrypted and the header re-signed
/// with the station's own key: only the decrypted check can find it, and names the part.
#[test]
fn an_altered_part_inside_a_record_is_named() {
    let mut d = closed_day(2);
    let e = d.export();
    let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
    let mut archive = tar::Archive::new(std::fs::File::open(&e.path).unwrap());
    for x in archive.entries().unwrap() {
        let mut x = x.unwrap();
        let mut b = Vec::new();
        x.read_to_end(&mut b).unwrap();
        entries.push((x.path().unwrap().to_string_lossy().into_owned(), b));
    }
    // Decrypt record 0001, change finger-02, encrypt it again.
    let rec = entries
        .iter_mut()
        .find(|(n, _)| n == "records/0001.age")
        .unwrap();
    let mut plain = Vec::new();
    age::Decryptor::new(&rec.1[..])
        .unwrap()
        .decrypt(std::iter::once(&d.receiver as &dyn age::Identity))
        .unwrap()
        .read_to_end(&mut plain)
        .unwrap();
    let mut rebuilt = tar::Builder::new(Vec::new());
    for x in tar::Archive::new(&plain[..]).entries().unwrap() {
        let mut x = x.unwrap();
        let name = x.path().unwrap().to_string_lossy().into_owned();
        let mut b = Vec::new();
        x.read_to_end(&mut b).unwrap();
        if name == "finger-02.wsq" {
            b[100] ^= 0xff;
        }
        let mut h = tar::Header::new_ustar();
        h.set_path(&name).unwrap();
        h.set_size(b.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        rebuilt.append(&h, &b[..]).unwrap();
    }
    let plain = rebuilt.into_inner().unwrap();
    let enc = age::Encryptor::with_recipients(std::iter::once(
        &d.receiver.to_public() as &dyn age::Recipient
    ))
    .unwrap();
    let mut sealed = Vec::new();
    let mut w = enc.wrap_output(&mut sealed).unwrap();
    w.write_all(&plain).unwrap();
    w.finish().unwrap();
    rec.1 = sealed;
    // A new header with the new digest, signed by the station's key.
    let digest = |b: &[u8]| {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(b))
    };
    let sizes: Vec<(String, u64, String)> = entries
        .iter()
        .map(|(n, b)| (n.clone(), b.len() as u64, digest(b)))
        .collect();
    let header_at = entries.iter().position(|(n, _)| n == HEADER_NAME).unwrap();
    let mut header: Header = serde_json::from_slice(&entries[header_at].1).unwrap();
    for h in &mut header.entries {
        let (_, size, sha) = sizes.iter().find(|(n, _, _)| n == &h.name).unwrap();
        h.size = *size;
        h.sha256 = sha.clone();
    }
    let header_json = serde_json::to_vec_pretty(&header).unwrap();
    let key = StationSigningKey::load(&d.paths.signing_key_file()).unwrap();
    let sig = format!("{}\n", hex::encode(key.sign(&header_json)));
    entries[header_at].1 = header_json;
    entries
        .iter_mut()
        .find(|(n, _)| n == SIGNATURE_NAME)
        .unwrap()
        .1 = sig.into_bytes();
    let mut out = tar::Builder::new(Vec::new());
    for (n, b) in &entries {
        let mut h = tar::Header::new_ustar();
        h.set_path(n).unwrap();
        h.set_size(b.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        out.append(&h, &b[..]).unwrap();
    }
    let forged = d.out.join("forged.rkb");
    std::fs::write(&forged, out.into_inner().unwrap()).unwrap();

    assert!(
        d.verify(&forged, false).is_ok(),
        "signature and hashes hold"
    );
    let v = d.verify(&forged, true);
    assert!(
        v.problems.contains(&Problem::PartAltered {
            record: "0001".into(),
            part: "finger-02.wsq".into()
        }),
        "{:?}",
        v.problems
    );
    assert!(v.problems.contains(&Problem::RecordAltered {
        record: "0001".into()
    }));
}

#[test]
fn wrong_receiver_key_and_unknown_station_key() {
    let mut d = closed_day(1);
    let e = d.export();
    let stranger = [age::x25519::Identity::generate()];
    let v = batch::verify_batch(&e.path, &d.trusted(), Some(&stranger)).unwrap();
    assert_eq!(
        v.problems,
        vec![Problem::NotForThisReceiver {
            recipients: vec![d.receiver.to_public().to_string()]
        }]
    );
    let v = batch::verify_batch(&e.path, &TrustedStations::default(), None).unwrap();
    assert!(v.signature_valid, "the signature itself is fine");
    assert!(
        matches!(&v.problems[..], [Problem::UnknownStationKey { fingerprint, .. }] if fingerprint.len() == 19),
        "{:?}",
        v.problems
    );
    // A key registered for another station is not this one's.
    let mut other = TrustedStations::default();
    other.add(TrustedStation {
        kecamatan_code: "331302".into(),
        station_id: "07".into(),
        public_key: d.store.signing_public_key().unwrap().unwrap(),
    });
    let v = batch::verify_batch(&e.path, &other, None).unwrap();
    assert!(
        matches!(&v.problems[..], [Problem::StationMismatch { .. }]),
        "{:?}",
        v.problems
    );
    // A packet re-signed by someone else's key: unknown key.
    let registry = format!(
        "# registered stations\n331301 01 {}\n",
        hex::encode([7u8; 32])
    );
    let t = TrustedStations::parse(&registry, Path::new("stations.txt")).unwrap();
    let v = batch::verify_batch(&e.path, &t, None).unwrap();
    assert!(matches!(
        &v.problems[..],
        [Problem::UnknownStationKey { .. }]
    ));
    assert!(TrustedStations::parse("331301 01 nothex\n", Path::new("s")).is_err());
}

#[test]
fn an_empty_day_exports_a_valid_empty_packet() {
    let dir = tempfile::tempdir().unwrap();
    let p = paths(dir.path());
    let (mut store, sup, _) = station(&p, clock());
    store.close_day(&sup, day()).unwrap();
    let receiver = age::x25519::Identity::generate();
    let out = dir.path().to_path_buf();
    let e = batch::export_day(
        &mut store,
        &sup,
        &ExportRequest {
            date: day(),
            out_dir: out,
            recipients: vec![receiver.to_public()],
        },
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(e.records, 0);
    let mut t = TrustedStations::default();
    t.add(TrustedStation {
        kecamatan_code: "331301".into(),
        station_id: "01".into(),
        public_key: store.signing_public_key().unwrap().unwrap(),
    });
    let v = batch::verify_batch(&e.path, &t, Some(&[receiver])).unwrap();
    assert!(v.is_ok(), "{:?}", v.problems);
    assert_eq!(v.manifest.unwrap().reconciliation.tickets_issued, 0);
}

#[test]
fn export_refuses_an_open_day_an_operator_and_no_receiver() {
    let dir = tempfile::tempdir().unwrap();
    let p = paths(dir.path());
    let (mut store, sup, op) = station(&p, clock());
    let t = store.issue_ticket("A").unwrap();
    let req = |recipients| ExportRequest {
        date: day(),
        out_dir: dir.path().to_path_buf(),
        recipients,
    };
    let key = vec![age::x25519::Identity::generate().to_public()];
    let e = batch::export_day(&mut store, &sup, &req(key.clone()), &mut |_, _| {}).unwrap_err();
    assert!(
        matches!(&e, ExportError::DayNotClosed(items) if items.len() == 1),
        "{e:?}"
    );
    assert!(matches!(
        batch::export_day(&mut store, &op, &req(key.clone()), &mut |_, _| {}),
        Err(ExportError::NotSupervisor)
    ));
    assert!(matches!(
        batch::export_day(&mut store, &sup, &req(Vec::new()), &mut |_, _| {}),
        Err(ExportError::NoRecipients)
    ));
    assert!(matches!(
        store.close_day(&sup, day()),
        Err(CloseError::Open(_))
    ));
    store.cancel_ticket(&sup, t.id, "tidak hadir").unwrap();
    store.close_day(&sup, day()).unwrap();
    let missing = ExportRequest {
        out_dir: dir.path().join("no-usb"),
        ..req(key)
    };
    assert!(matches!(
        batch::export_day(&mut store, &sup, &missing, &mut |_, _| {}),
        Err(ExportError::NoFolder(_))
    ));
    assert!(batch::parse_recipients(&["age1notakey"]).is_err());
}

#[test]
fn the_disk_floor_refuses_new_recordings_but_not_the_one_under_way() {
    let dir = tempfile::tempdir().unwrap();
    let p = paths(dir.path());
    let (mut store, sup, op) = station(&p, clock());
    let t = store.issue_ticket("A").unwrap();
    let req = store.call_ticket(&op, t.id).unwrap();
    drive_to(&mut store, &op, &sup, req, 1, Step::Face, &mut |_| {});
    let free = store.disk_space().unwrap().free_mb;
    store.set_disk_floor_mb(free + 1_000_000);
    assert!(store.disk_space().unwrap().below_floor());
    let next = store.issue_ticket("A").unwrap();
    assert!(matches!(
        store.call_ticket(&op, next.id),
        Err(WorkflowError::DiskLow { .. })
    ));
    // The applicant already at the camera is finished.
    drive_to_end(&mut store, &op, &sup, req, 1, &mut |_| {});
    store.set_disk_floor_mb(1);
    store.call_ticket(&op, next.id).unwrap();
}

#[test]
fn a_station_without_a_signing_key_gets_one_when_opened() {
    let dir = tempfile::tempdir().unwrap();
    let p = paths(dir.path());
    let (store, _, _) = station(&p, clock());
    let first = store.signing_public_key().unwrap().unwrap();
    // As a database of version 1 had it: no key row, no key file.
    store
        .conn()
        .execute("DELETE FROM station_signing_key", [])
        .unwrap();
    drop(store);
    std::fs::remove_file(p.signing_key_file()).unwrap();
    let store = Store::open(&p, clock()).unwrap();
    let second = store.signing_public_key().unwrap().unwrap();
    assert_ne!(first, second);
    assert_eq!(store.signing_key().unwrap().public_hex(), second);
    // A swapped key file is noticed.
    drop(store);
    std::fs::remove_file(p.signing_key_file()).unwrap();
    StationSigningKey::create(&p.signing_key_file()).unwrap();
    let store = Store::open(&p, clock()).unwrap();
    assert!(matches!(
        store.signing_key(),
        Err(rekam::store::StoreError::WrongSigningKey(_))
    ));
}

fn rekam(p: &rekam::store::Paths) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rekam"));
    c.env_remove("REKAM_LANG")
        .arg("--data-dir")
        .arg(&p.data_dir)
        .arg("--key-file")
        .arg(&p.key_file);
    c
}

/// `rekam export` killed with SIGKILL after its first record leaves no file that looks like a
/// batch and nothing marked exported; the next export writes the packet whole.
#[test]
fn an_export_killed_midway_leaves_no_batch_and_the_next_one_completes() {
    let d = closed_day(40);
    let recipient = d.receiver.to_public().to_string();
    let (p, out) = (d.paths.clone(), d.out.clone());
    let receiver = d.receiver.clone();
    drop(d.store);
    let export = || {
        let mut c = rekam(&p);
        c.args([
            "export",
            "--date",
            "2026-11-21",
            "--user",
            "kasi",
            "--recipient",
            &recipient,
        ])
        .arg("--out")
        .arg(&out)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let mut child = c.spawn().unwrap();
        writeln!(child.stdin.take().unwrap(), "{PASSWORD}").unwrap();
        child
    };
    let mut child = export();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    loop {
        let line = lines.next().expect("progress before the end").unwrap();
        if line.starts_with("Rekaman 1/40") {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names
            .iter()
            .all(|n| n.starts_with('.') && n.ends_with(".partial")),
        "only a hidden partial file may be left: {names:?}"
    );
    {
        let store = Store::open(&p, clock()).unwrap();
        let batches: i64 = store
            .conn()
            .query_row("SELECT count(*) FROM batches", [], |r| r.get(0))
            .unwrap();
        assert_eq!(batches, 0, "nothing recorded as exported");
        assert_eq!(store.export_backlog().unwrap().not_exported, 40);
    }
    let child = export();
    let done = child.wait_with_output().unwrap();
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        vec!["rekam-331301-01-20261121-01.rkb".to_owned()],
        "the stale partial is gone"
    );

    // The command line checks it, and writes the acknowledgement the station imports.
    let identity = out.join("../receiver.key");
    std::fs::write(
        &identity,
        format!("# receiver\n{}\n", receiver.to_string().expose_secret()),
    )
    .unwrap();
    let ack = out.join("../ack.json");
    let packet = out.join(&names[0]);
    // The Dinas makes its acknowledgement key; the supervisor pins its public half.
    let ack_key = out.join("../dinas-ack.key");
    let keygen = rekam(&p)
        .arg("receiver-keygen")
        .arg("--out")
        .arg(&ack_key)
        .output()
        .unwrap();
    assert!(
        keygen.status.success(),
        "{}",
        String::from_utf8_lossy(&keygen.stderr)
    );
    let public = String::from_utf8_lossy(&keygen.stdout)
        .lines()
        .last()
        .unwrap()
        .trim()
        .to_owned();
    let mut c = rekam(&p);
    c.args([
        "receiver",
        "add",
        "--name",
        "Dinas Dukcapil",
        "--user",
        "kasi",
        &public,
    ])
    .stdin(Stdio::piped())
    .stdout(Stdio::piped());
    let mut child = c.spawn().unwrap();
    writeln!(child.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    let pinned = child.wait_with_output().unwrap();
    assert!(
        pinned.status.success(),
        "{}",
        String::from_utf8_lossy(&pinned.stdout)
    );
    let no_key = rekam(&p)
        .arg("verify-batch")
        .arg(&packet)
        .arg("--identity")
        .arg(&identity)
        .arg("--ack-out")
        .arg(&ack)
        .output()
        .unwrap();
    assert!(
        !no_key.status.success(),
        "an acknowledgement needs the receiver's key"
    );
    assert!(!ack.exists());
    let v = rekam(&p)
        .arg("verify-batch")
        .arg(&packet)
        .arg("--identity")
        .arg(&identity)
        .arg("--ack-out")
        .arg(&ack)
        .arg("--ack-key")
        .arg(&ack_key)
        .arg("--expect-recipient")
        .arg(&recipient)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&v.stdout);
    assert!(v.status.success(), "{text}");
    assert!(text.contains("40 rekaman"), "{text}");
    assert!(text.contains("HASIL: UTUH"), "{text}");
    let flipped = flip(&packet, members(&packet)[5].1 + 10);
    let v = rekam(&p)
        .arg("verify-batch")
        .arg(&flipped)
        .arg("--json")
        .output()
        .unwrap();
    assert_eq!(v.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&v.stdout).unwrap();
    assert_eq!(report["problems"][0]["entry"], "records/0006.age");
    let mut c = rekam(&p);
    c.args(["import-ack", "--user", "kasi"])
        .arg(&ack)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    let mut child = c.spawn().unwrap();
    writeln!(child.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    let done = child.wait_with_output().unwrap();
    assert!(done.status.success());
    assert!(String::from_utf8_lossy(&done.stdout).contains("40 diterima"));
}

#[test]
fn a_500_record_day_round_trips() {
    let mut d = closed_day(500);
    let mut seen = Vec::new();
    let req = ExportRequest {
        date: day(),
        out_dir: d.out.clone(),
        recipients: vec![d.receiver.to_public()],
    };
    let sup = d.sup.clone();
    let e = batch::export_day(&mut d.store, &sup, &req, &mut |done, total| {
        seen.push((done, total))
    })
    .unwrap();
    assert_eq!(e.records, 500);
    assert_eq!(seen.first(), Some(&(0, 500)));
    assert_eq!(seen.last(), Some(&(500, 500)));
    assert_eq!(seen.len(), 501, "progress after every record");
    let v = d.verify(&e.path, true);
    assert!(v.is_ok(), "{:?}", v.problems);
    assert_eq!(v.records_checked, 500);
    assert_eq!(v.manifest.unwrap().counts.captures, 500 * 14);
}

/// The hole of issue 14: an acknowledgement written from the station's own database alone (its
/// plaintext record hashes, no receiver key), imported after `retention_days = 0`, must change
/// nothing; so must one signed by a key the station did not pin, one whose signature does not
/// match, and one that leaves records out.
#[test]
fn only_a_whole_acknowledgement_signed_by_a_pinned_receiver_changes_anything() {
    let mut d = closed_day(3);
    let e = d.export();
    let Day {
        store,
        sup,
        paths: p,
        out: usb,
        clock,
        _dir,
        ..
    } = d;
    let blobs = |store: &Store| -> i64 {
        store
            .conn()
            .query_row("SELECT count(*) FROM capture_blobs", [], |r| r.get(0))
            .unwrap()
    };
    let before = blobs(&store);
    assert!(before > 0);
    // Forged from the database: every record with its exported hash, as the station knows them.
    let records: Vec<batch::format::AckRecord> = {
        let mut stmt = store
            .conn()
            .prepare("SELECT record, sha256 FROM batch_records ORDER BY record")
            .unwrap();
        stmt.query_map([], |r| {
            Ok(batch::format::AckRecord {
                record: r.get(0)?,
                sha256: r.get(1)?,
                status: "accepted".into(),
                reason: None,
            })
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
    };
    let forged = batch::format::Ack {
        format: batch::format::ACK_FORMAT.into(),
        batch: e.file_name.clone(),
        batch_sha256: e.sha256.clone(),
        receiver: "Dinas Dukcapil".into(),
        received_at: "2026-11-21T10:00:00+07:00".into(),
        records: records.clone(),
    };
    // The old, unsigned form, through the command line with retention_days = 0.
    let path = usb.join("forged.ack.json");
    std::fs::write(&path, serde_json::to_string(&forged).unwrap()).unwrap();
    std::fs::write(
        rekam::devices::settings::settings_path(&p.data_dir),
        "[export]\nretention_days = 0\n",
    )
    .unwrap();
    drop(store); // the command line takes the data directory
    let mut c = rekam(&p);
    c.args(["import-ack", "--user", "kasi"])
        .arg(&path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    writeln!(child.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("Bukan file tanda terima"), "{said}");
    let mut store = Store::open(&p, clock.clone()).unwrap();

    let try_import = |store: &mut Store, text: String| {
        store
            .import_ack(&sup, &text, chrono::Duration::zero())
            .unwrap_err()
    };
    // Signed, but nobody pinned a receiver key yet.
    let stranger = StationSigningKey::create(&usb.join("../stranger.key")).unwrap();
    let err = try_import(
        &mut store,
        serde_json::to_string(&batch::sign_ack(&forged, &stranger)).unwrap(),
    );
    assert!(matches!(err, batch::AckError::NoReceiverKey), "{err:?}");
    // Pinned: the Dinas's key. The stranger's signature is still refused.
    let dinas = StationSigningKey::create(&usb.join("../dinas.key")).unwrap();
    store
        .pin_receiver_key(&sup, "Dinas Dukcapil", &dinas.public_hex())
        .unwrap();
    let err = try_import(
        &mut store,
        serde_json::to_string(&batch::sign_ack(&forged, &stranger)).unwrap(),
    );
    assert!(
        matches!(err, batch::AckError::UnpinnedSigner { .. }),
        "{err:?}"
    );
    // The Dinas's signature over other bytes than those in the file.
    let mut altered = batch::sign_ack(&forged, &dinas);
    altered.ack = altered.ack.replace("Dinas Dukcapil", "Dinas Dukcapil X");
    let err = try_import(&mut store, serde_json::to_string(&altered).unwrap());
    assert!(matches!(err, batch::AckError::BadSignature), "{err:?}");
    // Partial: a record left out, or one listed twice.
    let partial = batch::format::Ack {
        records: records[..2].to_vec(),
        ..forged.clone()
    };
    let err = try_import(
        &mut store,
        serde_json::to_string(&batch::sign_ack(&partial, &dinas)).unwrap(),
    );
    assert!(
        matches!(
            err,
            batch::AckError::Partial {
                missing: 1,
                extra: 0
            }
        ),
        "{err:?}"
    );
    let twice = batch::format::Ack {
        records: [records.clone(), records[..1].to_vec()].concat(),
        ..forged.clone()
    };
    let err = try_import(
        &mut store,
        serde_json::to_string(&batch::sign_ack(&twice, &dinas)).unwrap(),
    );
    assert!(
        matches!(err, batch::AckError::Partial { extra: 1, .. }),
        "{err:?}"
    );
    // Nothing changed by any of them.
    assert_eq!(blobs(&store), before);
    let received: i64 = store
        .conn()
        .query_row(
            "SELECT count(*) FROM requests WHERE central_status = 'RECEIVED_AT_CENTRAL'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(received, 0);
    // The whole one, signed by the pinned key, goes in; the biometrics stay for the floor.
    let done = store
        .import_ack(
            &sup,
            &serde_json::to_string(&batch::sign_ack(&forged, &dinas)).unwrap(),
            chrono::Duration::zero(),
        )
        .unwrap();
    assert_eq!((done.accepted, done.purged), (3, 0));
    assert_eq!(blobs(&store), before, "kept for the retention floor");
}

/// A packet encrypted to one key more than expected, or without an expected one, is named.
#[test]
fn the_recipients_are_compared_with_those_expected() {
    let mut d = closed_day(1);
    let e = d.export();
    let mut v = d.verify(&e.path, false);
    assert!(v.is_ok(), "{:?}", v.problems);
    let ours = d.receiver.to_public().to_string();
    let other = age::x25519::Identity::generate().to_public().to_string();
    batch::check_recipients(&mut v, std::slice::from_ref(&ours));
    assert!(v.is_ok());
    batch::check_recipients(&mut v, &[ours, other.clone()]);
    assert!(
        v.problems
            .iter()
            .any(|p| matches!(p, Problem::RecipientMissing { recipient } if *recipient == other))
    );
    let mut v = d.verify(&e.path, false);
    batch::check_recipients(&mut v, &[other]);
    assert!(
        v.problems
            .iter()
            .any(|p| matches!(p, Problem::RecipientUnexpected { .. }))
    );
}

/// A packet no registered station signed is not decrypted, even with the receiver's key.
#[test]
fn an_unregistered_packet_is_not_decrypted() {
    let mut d = closed_day(1);
    let e = d.export();
    let ids = [d.receiver.clone()];
    let v = batch::verify_batch(&e.path, &TrustedStations::default(), Some(&ids[..])).unwrap();
    assert!(!v.decrypted, "nothing decrypted before the signer is known");
    assert!(
        v.problems
            .iter()
            .any(|p| matches!(p, Problem::UnknownStationKey { .. }))
    );
}

/// The packet carries the biodata as the supervisor validated it, not what the applicant's row
/// says later.
#[test]
fn the_packet_carries_the_biodata_as_validated() {
    let dir = tempfile::tempdir().unwrap();
    let p = paths(dir.path());
    let (mut store, sup, op) = station(&p, clock());
    let t = store.issue_ticket("A").unwrap();
    let req = store.call_ticket(&op, t.id).unwrap();
    drive_to(&mut store, &op, &sup, req, 1, Step::Validated, &mut |_| {});
    let validated = store.request(req).unwrap().unwrap().full_name.unwrap();
    store
        .conn()
        .execute(
            "UPDATE applicants SET full_name = 'NAMA DIUBAH KEMUDIAN'",
            [],
        )
        .unwrap();
    drive_to_end(&mut store, &op, &sup, req, 1, &mut |_| {});
    store.close_day(&sup, day()).unwrap();
    let out = dir.path().join("usb");
    std::fs::create_dir_all(&out).unwrap();
    let receiver = age::x25519::Identity::generate();
    let e = batch::export_day(
        &mut store,
        &sup,
        &ExportRequest {
            date: day(),
            out_dir: out,
            recipients: vec![receiver.to_public()],
        },
        &mut |_, _| {},
    )
    .unwrap();
    let mut archive = tar::Archive::new(std::fs::File::open(&e.path).unwrap());
    let mut entry = archive
        .entries()
        .unwrap()
        .map(|x| x.unwrap())
        .find(|x| x.path().unwrap().to_string_lossy() == "records/0001.age")
        .unwrap();
    let mut plain = Vec::new();
    age::Decryptor::new(&mut entry)
        .unwrap()
        .decrypt(std::iter::once(&receiver as &dyn age::Identity))
        .unwrap()
        .read_to_end(&mut plain)
        .unwrap();
    let mut inner = tar::Archive::new(&plain[..]);
    let mut json = Vec::new();
    inner
        .entries()
        .unwrap()
        .map(|x| x.unwrap())
        .find(|x| x.path().unwrap().to_string_lossy() == "record.json")
        .unwrap()
        .read_to_end(&mut json)
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(doc["applicant"]["full_name"], validated.as_str());
    assert_eq!(doc["station_mode"], "training");
}

/// A request that ended without a recording keeps no biometrics past the retention.
#[test]
fn cancelled_requests_lose_their_biometrics_after_the_retention() {
    let dir = tempfile::tempdir().unwrap();
    let p = paths(dir.path());
    let clock = clock();
    let (mut store, sup, op) = station(&p, clock.clone());
    let t = store.issue_ticket("A").unwrap();
    let req = store.call_ticket(&op, t.id).unwrap();
    drive_to(&mut store, &op, &sup, req, 1, Step::Iris, &mut |_| {});
    store.cancel(&op, req, "pemohon pulang").unwrap();
    let blobs = |store: &Store| -> i64 {
        store
            .conn()
            .query_row("SELECT count(*) FROM capture_blobs", [], |r| r.get(0))
            .unwrap()
    };
    assert!(blobs(&store) > 0);
    assert_eq!(
        store.apply_retention(chrono::Duration::days(30)).unwrap(),
        0
    );
    clock.advance(chrono::Duration::days(31));
    assert_eq!(
        store.apply_retention(chrono::Duration::days(30)).unwrap(),
        1
    );
    assert_eq!(blobs(&store), 0);
    // The applicant's biodata too, and nothing else of the day: the request stays, detached.
    let count = |sql: &str| -> i64 { store.conn().query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(count("SELECT count(*) FROM applicants"), 0);
    assert_eq!(count("SELECT count(*) FROM request_biodata"), 0);
    assert_eq!(
        count("SELECT count(*) FROM requests WHERE step = 'cancelled' AND applicant_id IS NULL"),
        1
    );
    // Done once: a second pass finds nothing left to purge.
    assert_eq!(
        store.apply_retention(chrono::Duration::days(30)).unwrap(),
        0
    );
    assert!(store.verify_audit().unwrap().broken.is_none());
}

/// Rows cut off the end of the audit log are found at the next close: the day does not close
/// over a chain that ends before its last signed checkpoint.
#[test]
fn cutting_the_audit_log_short_is_found_at_the_next_close() {
    let mut d = closed_day(1);
    let sup = d.sup.clone();
    let (last, checkpoint): (i64, i64) = d
        .store
        .conn()
        .query_row(
            "SELECT (SELECT max(seq) FROM audit_log), (SELECT max(seq) FROM audit_checkpoints)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(
        checkpoint > 0 && last >= checkpoint,
        "the close left a checkpoint"
    );
    // As an intruder with the key file would: cut the chain back before the checkpoint.
    d.store
        .conn()
        .execute_batch(&format!(
            "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq >= {checkpoint};"
        ))
        .unwrap();
    let v = d.store.verify_audit().unwrap();
    let broken = v.broken.expect("found");
    assert_eq!(broken.seq, checkpoint);
    assert_eq!(broken.reason, rekam::store::audit::BreakReason::Truncated);
    let next = day().succ_opt().unwrap();
    let err = d.store.close_day(&sup, next).unwrap_err();
    assert!(matches!(err, CloseError::AuditBroken(_)), "{err:?}");
}

/// The receiver's ledger: a packet seen before is a replay; a station whose audit chain went
/// back is named; only clean packets are recorded.
#[test]
fn the_receiver_ledger_refuses_replays_and_an_audit_chain_that_went_back() {
    let mut d = closed_day(1);
    let first = d.export();
    // The next day is closed and exported: its packet carries a later audit head.
    let sup = d.sup.clone();
    let next = day().succ_opt().unwrap();
    d.clock.advance(chrono::Duration::days(1));
    d.store.close_day(&sup, next).unwrap();
    let later = batch::export_day(
        &mut d.store,
        &sup,
        &ExportRequest {
            date: next,
            out_dir: d.out.clone(),
            recipients: vec![d.receiver.to_public()],
        },
        &mut |_, _| {},
    )
    .unwrap();
    let ledger_path = d.out.join("../ledger.json");
    let mut ledger = batch::Ledger::load(&ledger_path).unwrap();
    let mut v = d.verify(&later.path, true);
    ledger.check(&mut v);
    assert!(v.is_ok(), "{:?}", v.problems);
    assert!(ledger.record(&v, "2026-11-23T01:00:00.000Z"));
    ledger.save(&ledger_path).unwrap();
    // The same file again: a replay, not recorded.
    let mut ledger = batch::Ledger::load(&ledger_path).unwrap();
    let mut again = d.verify(&later.path, true);
    ledger.check(&mut again);
    assert!(
        again
            .problems
            .iter()
            .any(|p| matches!(p, Problem::Replayed { .. })),
        "{:?}",
        again.problems
    );
    assert!(!ledger.record(&again, "2026-11-23T02:00:00.000Z"));
    // A packet whose audit head is behind the one accepted: named, not recorded.
    let mut v = d.verify(&first.path, true);
    ledger.check(&mut v);
    assert!(
        v.problems
            .iter()
            .any(|p| matches!(p, Problem::AuditWentBack { .. })),
        "{:?}",
        v.problems
    );
    assert!(!ledger.record(&v, "2026-11-23T03:00:00.000Z"));
    // A re-export made now carries the newest head: accepted.
    let reexport = d.export();
    let mut v = d.verify(&reexport.path, true);
    ledger.check(&mut v);
    assert!(v.is_ok(), "{:?}", v.problems);
    // Every packet carries its day's signed checkpoint, which verifies (no problem above).
    assert!(v.manifest.as_ref().unwrap().audit_checkpoint.is_some());
}
