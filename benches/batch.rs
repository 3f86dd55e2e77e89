//! Batch export benchmark (results in docs/PERFORMANCE.md): export and sign a closed day of 500
//! recordings (about 200 MB of biometrics) and of 100, five times each; the time, the throughput
//! against writing the same number of bytes to the same disk, and the peak memory of a fresh
//! process that opens the station and exports the day (which must not grow with the day). Then the receiver's full check
//! (decrypt and hash everything) of the 500-record packet.
//!
//! Run: `cargo bench --bench batch`. Needs Linux (`/proc/self/status`).

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

#[path = "../tests/common/mod.rs"]
mod common;

use common::{clock, paths, pseudo_image, station};
use rekam::batch::{self, ExportRequest, TrustedStation, TrustedStations};
use rekam::capture::session::Attempt;
use rekam::domain::ServiceType;
use rekam::store::{Store, User};
use rekam::workflow::{CaptureContent, CaptureInput, Encoding, Modality};

/// One recording of about 400 KB: a 80 KB portrait, ten 28 KB fingers, two 20 KB irises, a
/// 8 KB signature.
fn captures(seed: u64) -> Vec<CaptureInput> {
    let c = |modality, position: u8, format: Encoding, (w, h): (u32, u32), len| CaptureInput {
        modality,
        position,
        content: CaptureContent::Data {
            format,
            width: w,
            height: h,
            quality: Some(70),
            bytes: pseudo_image(seed * 64 + u64::from(position) + modality as u64 * 16, len),
        },
    };
    let mut out = vec![c(Modality::Face, 0, Encoding::Jpeg, (480, 640), 80_000)];
    out.extend((1..=10).map(|p| c(Modality::Finger, p, Encoding::Png, (400, 500), 28_000)));
    out.extend((1..=2).map(|p| c(Modality::Iris, p, Encoding::Png, (640, 480), 20_000)));
    out.push(c(Modality::Signature, 0, Encoding::Png, (800, 300), 8_000));
    out
}

fn record_day(store: &mut Store, sup: &User, n: u32) {
    for i in 0..n {
        let t = store.issue_ticket("A").expect("ticket");
        let r = store.call_ticket(sup, t.id).expect("call");
        store
            .receive_file(sup, r, ServiceType::RekamBaru, &common::biodata(i + 1))
            .expect("file");
        store
            .check_requirements(sup, r, &common::all_present(ServiceType::RekamBaru))
            .expect("check");
        store.register(sup, r).expect("register");
        store.verify(sup, r).expect("verify");
        store.validate(sup, r).expect("validate");
        store.begin_recording(sup, r).expect("begin");
        // Each capture step takes its own captures (face, fingers, irises, signature, in order).
        let all = captures(u64::from(i));
        for m in [
            Modality::Face,
            Modality::Finger,
            Modality::Iris,
            Modality::Signature,
        ] {
            let step: Vec<CaptureInput> = all.iter().filter(|c| c.modality == m).cloned().collect();
            let attempt = Attempt::of(r, m, step)
                .from_device(rekam::domain::Provenance::simulator("bench"))
                .finishing();
            store.record_attempt(sup, &attempt).expect("captures");
        }
        store.approve_review(sup, r).expect("recorded");
    }
}

fn proc_status_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

struct Run {
    records: u32,
    bytes: u64,
    times: Vec<Duration>,
    /// Peak resident memory of a fresh process that opens the station and exports the day.
    child_peak_mb: f64,
    /// The same process's resident memory once the station is open, before the export.
    child_start_mb: f64,
}

const CHILD: &str = "REKAM_BENCH_EXPORT_CHILD";

/// The child side: open the station at the paths in `spec` (`data_dir|key_file|out|recipient`),
/// export the day, print the memory before and at the peak.
fn export_child(spec: &str) {
    let parts: Vec<&str> = spec.split('|').collect();
    let p = rekam::store::Paths {
        data_dir: parts[0].into(),
        key_file: parts[1].into(),
    };
    let mut store = Store::open(&p, clock()).expect("open");
    let sup = store.user(1).expect("db").expect("supervisor");
    let req = ExportRequest {
        date: common::clock_day(),
        out_dir: parts[2].into(),
        recipients: batch::parse_recipients(&[parts[3]]).expect("recipient"),
    };
    let start = proc_status_kb("VmRSS:");
    batch::export_day(&mut store, &sup, &req, &mut |_, _| {}).expect("export");
    println!("START_KB {start} PEAK_KB {}", proc_status_kb("VmHWM:"));
}

fn child_memory(p: &rekam::store::Paths, out: &Path, recipient: &str) -> (f64, f64) {
    std::fs::create_dir_all(out).expect("out");
    let spec = format!(
        "{}|{}|{}|{recipient}",
        p.data_dir.display(),
        p.key_file.display(),
        out.display()
    );
    let output = std::process::Command::new(std::env::current_exe().expect("exe"))
        .env(CHILD, spec)
        .output()
        .expect("child");
    let text = String::from_utf8_lossy(&output.stdout);
    let field = |name: &str| -> f64 {
        text.split_whitespace()
            .skip_while(|w| *w != name)
            .nth(1)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or_else(|| {
                panic!(
                    "child printed no {name}: {text} {}",
                    String::from_utf8_lossy(&output.stderr)
                )
            })
            / 1024.0
    };
    (field("START_KB"), field("PEAK_KB"))
}

fn bench_day(
    n: u32,
    root: &Path,
    receiver: &age::x25519::Identity,
) -> (Run, std::path::PathBuf, TrustedStations) {
    let dir = tempfile::tempdir_in(root).expect("tempdir");
    let p = paths(dir.path());
    let (mut store, sup, _) = station(&p, clock());
    store
        .conn()
        .pragma_update(None, "synchronous", "OFF")
        .expect("pragma");
    let t0 = Instant::now();
    record_day(&mut store, &sup, n);
    store.close_day(&sup, common::clock_day()).expect("close");
    store
        .conn()
        .pragma_update(None, "synchronous", "FULL")
        .expect("pragma");
    eprintln!(
        "{n} recordings stored in {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    let mut trusted = TrustedStations::default();
    trusted.add(TrustedStation {
        kecamatan_code: "331301".into(),
        station_id: "01".into(),
        public_key: store.signing_public_key().expect("db").expect("key"),
    });
    let mut times = Vec::new();
    let mut bytes = 0;
    let mut last = None;
    for round in 0..5 {
        let out = root.join(format!("out-{n}-{round}"));
        let _ = std::fs::remove_dir_all(&out);
        std::fs::create_dir_all(&out).expect("out");
        let req = ExportRequest {
            date: common::clock_day(),
            out_dir: out.clone(),
            recipients: vec![receiver.to_public()],
        };
        let start = Instant::now();
        let e = batch::export_day(&mut store, &sup, &req, &mut |_, _| {}).expect("export");
        times.push(start.elapsed());
        bytes = e.bytes;
        if let Some(old) = last.replace(e.path.clone()) {
            let _ = std::fs::remove_file(old);
        }
    }
    drop(store);
    let (child_start_mb, child_peak_mb) = child_memory(
        &p,
        &root.join(format!("out-{n}-child")),
        &receiver.to_public().to_string(),
    );
    let run = Run {
        records: n,
        bytes,
        times,
        child_peak_mb,
        child_start_mb,
    };
    // Keep the station directory alive with the last packet for the verification below.
    std::mem::forget(dir);
    (run, last.expect("a packet"), trusted)
}

/// Writing `bytes` to a file on the same disk and syncing it: what the disk alone takes.
fn disk_baseline(root: &Path, bytes: u64) -> Duration {
    let path = root.join("baseline.bin");
    let chunk = vec![0x5au8; 1 << 20];
    let start = Instant::now();
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
    let mut left = bytes;
    while left > 0 {
        let n = left.min(chunk.len() as u64) as usize;
        f.write_all(&chunk[..n]).expect("write");
        left -= n as u64;
    }
    let f = f.into_inner().expect("flush");
    f.sync_all().expect("sync");
    let took = start.elapsed();
    let _ = std::fs::remove_file(&path);
    took
}

fn main() {
    if let Ok(spec) = std::env::var(CHILD) {
        return export_child(&spec);
    }
    // `cargo bench` passes --bench; `cargo test --benches` runs this without it: do nothing then.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-batch");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).expect("root");
    let receiver = age::x25519::Identity::generate();
    let mut runs = Vec::new();
    let mut big = None;
    for n in [100, 500] {
        let (run, packet, trusted) = bench_day(n, &root, &receiver);
        if n == 500 {
            big = Some((packet, trusted));
        }
        runs.push(run);
    }
    println!(
        "| recordings | packet | export + sign, median of 5 (min-max) | throughput | same bytes written + fsync alone | memory of a fresh exporting process: open / peak |"
    );
    println!("|---|---|---|---|---|---|");
    for r in &runs {
        let m = median(r.times.clone());
        let (lo, hi) = (
            r.times.iter().min().copied().unwrap_or_default(),
            r.times.iter().max().copied().unwrap_or_default(),
        );
        let disk = disk_baseline(&root, r.bytes);
        println!(
            "| {} | {:.0} MB | {:.2} s ({:.2}-{:.2}) | {:.0} MB/s | {:.2} s | {:.1} MB / {:.1} MB |",
            r.records,
            r.bytes as f64 / 1e6,
            m.as_secs_f64(),
            lo.as_secs_f64(),
            hi.as_secs_f64(),
            r.bytes as f64 / 1e6 / m.as_secs_f64(),
            disk.as_secs_f64(),
            r.child_start_mb,
            r.child_peak_mb
        );
    }
    if let Some((packet, trusted)) = big {
        let start = Instant::now();
        let v = batch::verify_batch(&packet, &trusted, Some(std::slice::from_ref(&receiver)))
            .expect("verify");
        assert!(v.is_ok(), "{:?}", v.problems);
        println!(
            "\nreceiver's full check of the 500-record packet (decrypt, hash every part): {:.2} s, {} parts",
            start.elapsed().as_secs_f64(),
            v.parts_checked
        );
    }
    let _ = std::fs::remove_dir_all(&root);
}
