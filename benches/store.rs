//! Storage benchmarks (results in docs/PERFORMANCE.md):
//! - durable commit of one complete recording's captures (face, 10 fingers, 2 irises, signature:
//!   about 300 KB, sealed) in one transaction, and the same split as the devices deliver it;
//! - opening a station database of 50,000 recordings to the first usable query.
//!
//! Run: `cargo bench --bench store`. The 50,000-recording database is generated once into
//! `target/bench-data/` (about a minute) and reused.

use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};

#[path = "../tests/common/mod.rs"]
mod common;

use common::{all_present, biodata, capture_for as capture, clock, paths, setup_store};
use rekam::domain::ServiceType;
use rekam::store::{Paths, Store, User};
use rekam::workflow::{CaptureContent, CaptureInput, Modality};

fn setup(p: &Paths) -> (Store, User) {
    let mut store = setup_store(p, clock());
    let sup = store.authenticate("kasi", common::PASSWORD).expect("login");
    (store, sup)
}

/// A request at the face step.
fn validated(store: &mut Store, sup: &User, i: u32) -> i64 {
    let t = store.issue_ticket("A").expect("ticket");
    let r = store.call_ticket(sup, t.id).expect("call");
    store
        .receive_file(sup, r, ServiceType::RekamBaru, &biodata(i))
        .expect("file");
    store
        .check_requirements(sup, r, &all_present(ServiceType::RekamBaru))
        .expect("check");
    store.register(sup, r).expect("register");
    store.verify(sup, r).expect("verify");
    store.validate(sup, r).expect("validate");
    store.begin_recording(sup, r).expect("begin");
    r
}

/// The captures of one recording as the devices deliver them: face, slap 4 right, slap 4 left,
/// two thumbs, two irises, the signature.
fn device_batches() -> Vec<Vec<CaptureInput>> {
    vec![
        vec![capture(Modality::Face, 0, 1)],
        (2..=5).map(|p| capture(Modality::Finger, p, 1)).collect(),
        (7..=10).map(|p| capture(Modality::Finger, p, 1)).collect(),
        vec![
            capture(Modality::Finger, 1, 1),
            capture(Modality::Finger, 6, 1),
        ],
        vec![capture(Modality::Iris, 1, 1), capture(Modality::Iris, 2, 1)],
        vec![capture(Modality::Signature, 0, 1)],
    ]
}

fn bench_commit(c: &mut Criterion) {
    let dir =
        tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tempdir on the target disk");
    let (mut store, sup) = setup(&paths(dir.path()));
    let batches = device_batches();
    let total: usize = batches
        .iter()
        .flatten()
        .map(|c| match &c.content {
            CaptureContent::Data { bytes, .. } => bytes.len(),
            CaptureContent::Exception { .. } => 0,
        })
        .sum();
    eprintln!(
        "one recording: {} captures, {total} bytes before encryption",
        batches.iter().flatten().count()
    );
    let mut i = 0;
    let mut group = c.benchmark_group("commit");
    group.sample_size(30);
    // The finger step alone holds ten captures; the whole recording's captures in one transaction
    // are measured by storing each step's captures in its own step, all inside one write.
    // Setup (a request brought to the right step) is not timed; only the commits are.
    let mut timed = |label: &str,
                     prepare: &dyn Fn(&mut Store, &User, u32) -> i64,
                     run: &dyn Fn(&mut Store, &User, i64)| {
        group.bench_function(label, |b| {
            b.iter_custom(|iters| {
                let mut total = std::time::Duration::ZERO;
                for _ in 0..iters {
                    i += 1;
                    let r = prepare(&mut store, &sup, i);
                    let t = std::time::Instant::now();
                    run(&mut store, &sup, r);
                    total += t.elapsed();
                }
                total
            })
        });
    };
    let to_fingers = |store: &mut Store, sup: &User, i: u32| {
        let r = validated(store, sup, i);
        store
            .add_captures(sup, r, &device_batches()[0])
            .expect("face");
        store.complete_capture_step(sup, r).expect("to fingers");
        r
    };
    timed("slap_of_4_fingers", &to_fingers, &|store, sup, r| {
        store
            .add_captures(sup, r, &device_batches()[1])
            .expect("slap");
    });
    timed(
        "complete_recording_as_devices_deliver_it",
        &|s, u, i| validated(s, u, i),
        &|store, sup, r| {
            for (k, batch) in batches.iter().enumerate() {
                store.add_captures(sup, r, batch).expect("captures");
                if k != 1 && k != 2 {
                    store.complete_capture_step(sup, r).expect("next step");
                }
            }
            store.approve_review(sup, r).expect("recorded");
        },
    );
    group.finish();
}

fn big_database() -> PathBuf {
    // Keyed by the schema, so a changed schema.sql never benchmarks a stale database.
    let schema_hash = include_str!("../schema.sql")
        .bytes()
        .fold(0xcbf29ce484222325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100000001b3)
        });
    let root =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("bench-50k-v2-{schema_hash:016x}"));
    if root.join("done").exists() {
        return root;
    }
    let _ = std::fs::remove_dir_all(&root);
    let p = paths(&root);
    let (store, _sup) = setup(&p);
    drop(store);
    // Bulk rows through plain SQL in one transaction: the open path does not care how rows came.
    let mut conn = rusqlite::Connection::open(p.db()).expect("db");
    let tx = conn.transaction().expect("tx");
    let started = std::time::Instant::now();
    {
        let mut ticket = tx.prepare("INSERT INTO queue_tickets (service_day, prefix, number, status, issued_at) VALUES (?1, 'A', ?2, 'recorded', ?3)").expect("p");
        let mut applicant = tx.prepare("INSERT INTO applicants (nik, kk_number, full_name, birth_place, birth_date, sex, blood_type, address, rt, rw, village, address_region, religion, marital_status, occupation, nationality, created_at, updated_at) VALUES (?1, '3313011203150001', 'SITI AMINAH', 'KARANGANYAR', '1995-08-05', 'P', 'O', 'JL. LAWU 1', '001', '002', 'KALISORO', '331301', 'islam', 'belum_kawin', 'PETANI', 'wni', ?2, ?2)").expect("p");
        let mut request = tx.prepare("INSERT INTO requests (ticket_id, service_day, applicant_id, service_type, step, register_seq, register_number, operator_id, created_at, updated_at) VALUES (?1, ?2, ?3, 'rekam_baru', 'archived', ?4, ?5, 1, ?6, ?6)").expect("p");
        let mut capture = tx.prepare("INSERT INTO captures (request_id, modality, position, attempt, quality, format, width, height, captured_by, captured_at) VALUES (?1, ?2, ?3, 1, 80, 'wsq', 400, 500, 1, ?4)").expect("p");
        let mut blob = tx.prepare("INSERT INTO capture_blobs (capture_id, nonce, ciphertext) VALUES (?1, zeroblob(24), randomblob(64))").expect("p");
        let mut event = tx.prepare("INSERT INTO step_events (request_id, step, started_at, ended_at, actor_id) VALUES (?1, ?2, ?3, ?3, 1)").expect("p");
        for n in 0..50_000u32 {
            let day = format!(
                "2026-{:02}-{:02}",
                1 + (n / 200) / 28 % 12,
                1 + (n / 200) % 28
            );
            let at = format!("{day}T02:00:00.000Z");
            let seq = 1 + n % 200;
            ticket
                .execute(rusqlite::params![day, seq + 1000 * (n / 200 / 336), at])
                .expect("ticket");
            let tid = tx.last_insert_rowid();
            applicant
                .execute(rusqlite::params![format!("3313014508{:06}", n), at])
                .expect("applicant");
            let aid = tx.last_insert_rowid();
            request
                .execute(rusqlite::params![
                    tid,
                    day,
                    aid,
                    seq + 1000 * (n / 200 / 336),
                    format!("331301-01-{n:08}"),
                    at
                ])
                .expect("request");
            let rid = tx.last_insert_rowid();
            for (m, positions) in [
                ("face", 0..=0u8),
                ("finger", 1..=10),
                ("iris", 1..=2),
                ("signature", 0..=0),
            ] {
                for pos in positions {
                    capture
                        .execute(rusqlite::params![rid, m, pos, at])
                        .expect("capture");
                    blob.execute([tx.last_insert_rowid()]).expect("blob");
                }
            }
            for step in [
                "ticket_called",
                "file_received",
                "requirements_checked",
                "registered",
                "verified",
                "validated",
                "face",
                "fingerprints",
                "iris",
                "signature",
                "review",
                "recorded",
                "proof_handed_over",
                "archived",
            ] {
                event
                    .execute(rusqlite::params![rid, step, at])
                    .expect("event");
            }
        }
    }
    tx.commit().expect("commit");
    drop(conn);
    eprintln!("generated 50,000 recordings in {:.1?}", started.elapsed());
    std::fs::write(root.join("done"), b"").expect("marker");
    root
}

fn bench_open(c: &mut Criterion) {
    let root = big_database();
    let p = paths(&root);
    let size = std::fs::metadata(p.db()).map(|m| m.len()).unwrap_or(0);
    eprintln!("database: {} MB", size / 1_000_000);
    let mut group = c.benchmark_group("open");
    group.sample_size(20);
    group.bench_function("50k_recordings_to_first_query", |b| {
        b.iter(|| {
            let store = Store::open(&p, clock()).expect("open");
            let waiting = store.waiting_tickets().expect("query");
            let open = store.open_requests().expect("query");
            (waiting.len(), open.len())
        })
    });
    group.finish();
}

criterion_group!(benches, bench_commit, bench_open);
criterion_main!(benches);
