//! Storage benchmarks (results in docs/PERFORMANCE.md):
//! - durable commits of one complete recording's captures (face, 10 fingers, 2 irises, signature:
//!   about 300 KB, sealed) as the capture sessions store them (`Store::record_attempt`, one
//!   transaction per unit with its decision), and beside it the floor: the same number of
//!   durable SQLite commits of the same bytes without our layers; the figure to track is the
//!   ratio of the two;
//! - opening a station database of 50,000 recordings to the first usable query.
//!
//! Run: `cargo bench --bench store`. The 50,000-recording database is generated once into
//! `target/bench-data/` (about a minute) and reused.

use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};

#[path = "../tests/common/mod.rs"]
mod common;

use common::{all_present, biodata, capture_for as capture, clock, paths, setup_store};
use rekam::capture::policy::{Decision, Outcome};
use rekam::capture::quality::{Assessment, Finding};
use rekam::capture::session::Attempt;
use rekam::domain::ServiceType;
use rekam::store::{Paths, Store, User};
use rekam::workflow::{CaptureContent, Modality};

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

/// The capture units of one recording as the capture sessions store them: the face, the right
/// slap of 4, the left slap of 4, the two thumbs, each eye, the signature; each with the policy's
/// decision that took it (its findings as the gates write them) and leaving its step with the
/// last unit of the step.
fn attempts(request: i64) -> Vec<Attempt> {
    let unit = |modality: Modality, positions: &[u8], finish: bool| {
        let captures = positions.iter().map(|p| capture(modality, *p, 1)).collect();
        let findings = (0..12)
            .map(|i| Finding::new("check", true, 80.0, f64::from(i), "Sesuai.", "OK."))
            .collect();
        let decision = Decision {
            modality,
            attempt: 1,
            outcome: Outcome::Accepted,
            frames: 14,
            best: Some(Assessment::new(modality, 80, findings)),
        };
        Attempt {
            request,
            modality,
            captures,
            decisions: vec![(positions[0], decision)],
            finish,
            device: Some(rekam::domain::Provenance::simulator("bench")),
        }
    };
    vec![
        unit(Modality::Face, &[0], true),
        unit(Modality::Finger, &[2, 3, 4, 5], false),
        unit(Modality::Finger, &[7, 8, 9, 10], false),
        unit(Modality::Finger, &[1, 6], true),
        unit(Modality::Iris, &[1], false),
        unit(Modality::Iris, &[2], true),
        unit(Modality::Signature, &[0], true),
    ]
}

/// The floor under the store's commits: the same number of durable commits of the same bytes
/// into a plain SQLite table, with the store's journal settings (WAL, `synchronous=FULL`) and
/// nothing of ours (no sealing, no audit chain, no workflow checks).
struct Floor {
    conn: rusqlite::Connection,
}

impl Floor {
    fn open(dir: &std::path::Path) -> Floor {
        let conn = rusqlite::Connection::open(dir.join("floor.db")).expect("floor db");
        conn.pragma_update(None, "journal_mode", "WAL")
            .expect("wal");
        conn.pragma_update(None, "synchronous", "FULL")
            .expect("full");
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS blobs (id INTEGER PRIMARY KEY, data BLOB NOT NULL);",
        )
        .expect("table");
        Floor { conn }
    }

    /// One commit per batch of blobs, plus the review's commit with nothing in it.
    fn record(&mut self, batches: &[Vec<Vec<u8>>]) {
        for batch in batches {
            let tx = self.conn.transaction().expect("tx");
            for bytes in batch {
                tx.execute("INSERT INTO blobs (data) VALUES (?1)", [bytes])
                    .expect("insert");
            }
            tx.commit().expect("commit");
        }
        let tx = self.conn.transaction().expect("tx");
        tx.execute("INSERT INTO blobs (data) VALUES (x'00')", [])
            .expect("insert");
        tx.commit().expect("commit");
    }
}

fn bench_commit(c: &mut Criterion) {
    let dir =
        tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tempdir on the target disk");
    let (mut store, sup) = setup(&paths(dir.path()));
    let units = attempts(0);
    let bytes: Vec<Vec<Vec<u8>>> = units
        .iter()
        .map(|a| {
            a.captures
                .iter()
                .map(|c| match &c.content {
                    CaptureContent::Data { bytes, .. } => bytes.clone(),
                    CaptureContent::Exception { .. } => Vec::new(),
                })
                .collect()
        })
        .collect();
    let total: usize = bytes.iter().flatten().map(Vec::len).sum();
    eprintln!(
        "one recording: {} captures in {} attempts, {total} bytes before encryption, {} commits",
        units.iter().map(|a| a.captures.len()).sum::<usize>(),
        units.len(),
        units.len() + 1
    );
    let mut i = 0;
    let mut group = c.benchmark_group("commit");
    group.sample_size(30);
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
    // The attempts' bytes are made once, outside the timing; each run takes them for its request.
    let for_request = |r: i64, k: usize| Attempt {
        request: r,
        ..units[k].clone()
    };
    let to_fingers = |store: &mut Store, sup: &User, i: u32| {
        let r = validated(store, sup, i);
        store.record_attempt(sup, &for_request(r, 0)).expect("face");
        r
    };
    timed("slap_of_4_fingers", &to_fingers, &|store, sup, r| {
        store.record_attempt(sup, &for_request(r, 1)).expect("slap");
    });
    timed(
        "complete_recording_as_sessions_store_it",
        &|s, u, i| validated(s, u, i),
        &|store, sup, r| {
            for k in 0..units.len() {
                store
                    .record_attempt(sup, &for_request(r, k))
                    .expect("attempt");
            }
            store.approve_review(sup, r).expect("recorded");
        },
    );
    // The floor, in the same run and on the same disk.
    let mut floor = Floor::open(dir.path());
    group.bench_function("floor_same_commits_plain_sqlite", |b| {
        b.iter(|| floor.record(&bytes))
    });
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
    let mut conn = Store::open_raw(&p).expect("db");
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
