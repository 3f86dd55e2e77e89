//! Faults a station meets: the process killed mid-recording, a full disk, a read-only disk.
//!
//! The kill test runs this very test binary again as a child (`REKAM_FAULT_CHILD=drive`) that
//! records applicants and prints a line after every committed write; the parent kills it with
//! SIGKILL at varying points, reopens the database and checks it. The disk tests run a child in a
//! private mount namespace (`unshare`) with a small tmpfs as its data directory, so the filesystem
//! really fills up or really turns read-only.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

use common::*;
use rekam::store::{Store, StoreError, SystemClock};
use rekam::workflow::{Modality, Step, WorkflowError};

const CHILD: &str = "REKAM_FAULT_CHILD";
const CHILD_DIR: &str = "REKAM_FAULT_DIR";

/// Starts this test binary again running only `test_name`, as a child with `mode`.
fn child(test_name: &str, mode: &str, dir: &Path, wrapper: &[&str]) -> Command {
    let exe = std::env::current_exe().unwrap();
    let mut cmd = match wrapper.split_first() {
        Some((first, rest)) => {
            let mut c = Command::new(first);
            c.args(rest).arg(exe);
            c
        }
        None => Command::new(exe),
    };
    cmd.args(["--exact", test_name, "--nocapture", "--test-threads=1"])
        .env(CHILD, mode)
        .env(CHILD_DIR, dir)
        .env("RUST_BACKTRACE", "0");
    cmd
}

fn child_mode() -> Option<(String, PathBuf)> {
    Some((
        std::env::var(CHILD).ok()?,
        PathBuf::from(std::env::var(CHILD_DIR).ok()?),
    ))
}

/// The child side of the kill test: resume what is open, then record new applicants until
/// killed (mode `drive`) or until nothing is open (mode `finish`). Every committed write is
/// printed as `COMMIT <request> ...` and flushed before the next write starts.
#[test]
fn kill_child() {
    let Some((mode, dir)) = child_mode() else {
        return;
    };
    let p = paths(&dir);
    let mut store = Store::open(&p, Arc::new(SystemClock)).expect("child opens the station");
    let (sup, op) = users(&store);
    let mut say = |line: &str| {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        writeln!(out, "COMMIT {line}").unwrap();
        out.flush().unwrap();
    };
    for open in store.open_requests().unwrap() {
        say(&format!("{} resume {}", open.id, open.step));
        drive_to_end(&mut store, &op, &sup, open.id, open.id as u32, &mut say);
    }
    if mode == "finish" {
        return;
    }
    loop {
        let t = store.issue_ticket("A").unwrap();
        let req = store.call_ticket(&op, t.id).unwrap();
        say(&format!("{req} step {}", Step::TicketCalled));
        drive_to_end(&mut store, &op, &sup, req, req as u32, &mut say);
    }
}

/// The child's `COMMIT` lines. The test harness prints its own text too, and its
/// `test kill_child ... ` has no newline, so the first commit shares its line.
fn commits(out: std::process::ChildStdout) -> impl Iterator<Item = std::io::Result<String>> {
    BufReader::new(out).lines().filter_map(|l| match l {
        Ok(l) => l.find("COMMIT ").map(|at| Ok(l[at..].to_owned())),
        Err(e) => Some(Err(e)),
    })
}

/// What the last line the parent read promises is in the database.
fn check_promise(store: &Store, line: &str) {
    let parts: Vec<&str> = line.split_whitespace().collect();
    let req: i64 = parts[1].parse().unwrap();
    let view = store
        .request(req)
        .unwrap()
        .unwrap_or_else(|| panic!("request {req} of '{line}' is gone"));
    match parts[2] {
        "capture" => {
            let modality: Modality = parts[3].parse().unwrap();
            let position: u8 = parts[4].parse().unwrap();
            let id: i64 = parts[5].parse().unwrap();
            // The capture may since have been followed by more, but it is never lost.
            let still: i64 = store
                .conn()
                .query_row("SELECT count(*) FROM captures WHERE id = ?1 AND modality = ?2 AND position = ?3", rusqlite::params![id, modality, position], |r| r.get(0))
                .unwrap();
            assert_eq!(still, 1, "capture of '{line}' lost");
            store.capture_bytes(id).expect("its blob opens");
        }
        "step" | "resume" => {
            let promised: Step = parts[3].parse().unwrap();
            assert!(
                rank(view.step) >= rank(promised),
                "'{line}' but the request is at {}",
                view.step
            );
        }
        other => panic!("unknown line {other}"),
    }
}

fn rank(s: Step) -> usize {
    Step::ALL.iter().position(|x| *x == s).unwrap()
}

#[test]
fn a_killed_station_reopens_consistent_and_resumes_on_the_exact_step() {
    if child_mode().is_some() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let p = paths(dir.path());
    drop(station(&p, Arc::new(SystemClock)));
    // Kill after different numbers of commits, so the kill lands in different steps.
    let kill_after = [3usize, 17, 29, 41, 55, 8, 70, 23];
    let mut resumed_steps = Vec::new();
    for (round, n) in kill_after.iter().enumerate() {
        let mut c = child("kill_child", "drive", dir.path(), &[])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = commits(c.stdout.take().unwrap());
        let mut last = String::new();
        for _ in 0..*n {
            last = lines.next().expect("child still running").unwrap();
        }
        c.kill().unwrap(); // SIGKILL: no destructor, no flush, no rollback runs in the child.
        c.wait().unwrap();

        let store = Store::open(&p, Arc::new(SystemClock)).expect("reopens after a kill");
        store.integrity_check().expect("consistent");
        let audit = store.verify_audit().unwrap();
        assert!(audit.broken.is_none(), "round {round}: {:?}", audit.broken);
        check_promise(&store, &last);
        // Every open request is at one step with exactly one open step event for it.
        for open in store.open_requests().unwrap() {
            let (open_events, step): (i64, Option<String>) = store
                .conn()
                .query_row(
                    "SELECT count(*), max(step) FROM step_events WHERE request_id = ?1 AND ended_at IS NULL",
                    [open.id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .unwrap();
            assert_eq!(
                (open_events, step.as_deref()),
                (1, Some(open.step.code())),
                "request {}",
                open.id
            );
        }
        // Every capture row has its blob or is an exception: no half-written capture.
        let orphans: i64 = store
            .conn()
            .query_row(
                "SELECT count(*) FROM captures c LEFT JOIN capture_blobs b ON b.capture_id = c.id
                 WHERE c.exception IS NULL AND b.capture_id IS NULL",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(orphans, 0);
        if let Some(open) = store.open_requests().unwrap().first() {
            resumed_steps.push(open.step);
            drop(store);
            // The next child announces where it resumes: exactly where the database says.
            let mut c = child("kill_child", "drive", dir.path(), &[])
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let line = commits(c.stdout.take().unwrap())
                .next()
                .expect("child still running")
                .unwrap();
            c.kill().unwrap();
            c.wait().unwrap();
            assert_eq!(line, format!("COMMIT {} resume {}", open.id, open.step));
        }
    }
    assert!(
        resumed_steps.len() >= kill_after.len() / 2,
        "most kills should land mid-request: {resumed_steps:?}"
    );
    // Finally let a child finish everything open: all requests end archived.
    let status = child("kill_child", "finish", dir.path(), &[])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let store = Store::open(&p, Arc::new(SystemClock)).unwrap();
    let (total, archived): (i64, i64) = store
        .conn()
        .query_row(
            "SELECT count(*), sum(step = 'archived') FROM requests",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(total > 3, "{total}");
    assert_eq!(total, archived);
    let dup_registers: i64 = store
        .conn()
        .query_row(
            "SELECT count(*) - count(DISTINCT register_number) FROM requests",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(dup_registers, 0);
}

fn unshare_prefix() -> Vec<&'static str> {
    // A private mount namespace: the tmpfs exists only for the child and vanishes with it.
    // --map-root-user lets a non-root developer run it too, where user namespaces are allowed.
    if rustix_is_root() {
        vec!["unshare", "--mount", "--propagation", "private"]
    } else {
        vec![
            "unshare",
            "--mount",
            "--map-root-user",
            "--propagation",
            "private",
        ]
    }
}

fn rustix_is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines()
                .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

fn mount_tmpfs(dir: &Path, options: &str) {
    let ok = Command::new("mount")
        .args(["-t", "tmpfs", "-o", options, "tmpfs"])
        .arg(dir)
        .status()
        .unwrap();
    assert!(ok.success(), "mount tmpfs on {}", dir.display());
}

fn run_disk_child(test_name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let out = child(test_name, "disk", dir.path(), &unshare_prefix())
        .output()
        .expect("unshare is installed (util-linux)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "child failed:\n{text}");
    assert!(
        text.contains("CHILD-DONE"),
        "the child did not run its checks:\n{text}"
    );
}

#[test]
fn a_full_disk_loses_nothing_and_recording_goes_on_once_space_is_freed() {
    let Some((_, dir)) = child_mode() else {
        return run_disk_child(
            "a_full_disk_loses_nothing_and_recording_goes_on_once_space_is_freed",
        );
    };
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    mount_tmpfs(&data, "size=3m");
    let p = paths(&dir);
    let (mut store, sup, op) = station(&p, clock());
    let t = store.issue_ticket("A").unwrap();
    let req = store.call_ticket(&op, t.id).unwrap();
    drive_to(
        &mut store,
        &op,
        &sup,
        req,
        1,
        Step::Fingerprints,
        &mut |_| {},
    );
    add_capture(&mut store, &op, req, capture_for(Modality::Finger, 1, 1)).unwrap();
    // Fill the disk.
    let filler = data.join("filler");
    let mut f = std::fs::File::create(&filler).unwrap();
    let chunk = vec![0xAAu8; 64 * 1024];
    while std::io::Write::write_all(&mut f, &chunk).is_ok() {}
    drop(f);
    let mut refused = 0;
    for p in 2..=10 {
        match add_capture(&mut store, &op, req, capture_for(Modality::Finger, p, 1)) {
            Err(WorkflowError::Store(StoreError::DiskFull(_))) => refused += 1,
            Ok(_) => {}
            Err(e) => panic!("finger {p}: unexpected {e:?}"),
        }
    }
    assert!(refused > 0, "the disk never filled");
    let message = rekam::Localize::localize(&StoreError::DiskFull(data.clone()), rekam::Lang::Id);
    assert!(message.contains("penuh"), "{message}");
    // What was committed is intact and readable.
    store.integrity_check().unwrap();
    assert!(store.verify_audit().unwrap().broken.is_none());
    let first = store
        .request(req)
        .unwrap()
        .unwrap()
        .captures
        .into_iter()
        .find(|c| c.position == 1)
        .unwrap();
    store.capture_bytes(first.id).unwrap();
    // Free the space: the same work goes through.
    std::fs::remove_file(&filler).unwrap();
    let view = store.request(req).unwrap().unwrap();
    for p in 2..=10u8 {
        if !view
            .captures
            .iter()
            .any(|c| c.modality == Modality::Finger && c.position == p)
        {
            add_capture(&mut store, &op, req, capture_for(Modality::Finger, p, 1)).unwrap();
        }
    }
    assert_eq!(store.complete_capture_step(&op, req).unwrap(), Step::Iris);
    drop(store);
    let store = Store::open(&p, clock()).unwrap();
    store.integrity_check().unwrap();
    println!("CHILD-DONE");
}

#[test]
fn a_read_only_disk_is_refused_with_a_clear_error_and_the_data_survives() {
    let Some((_, dir)) = child_mode() else {
        return run_disk_child(
            "a_read_only_disk_is_refused_with_a_clear_error_and_the_data_survives",
        );
    };
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    mount_tmpfs(&data, "size=16m");
    let p = paths(&dir);
    let (mut store, sup, op) = station(&p, clock());
    let t = store.issue_ticket("A").unwrap();
    let req = store.call_ticket(&op, t.id).unwrap();
    drive_to(&mut store, &op, &sup, req, 1, Step::Iris, &mut |_| {});
    drop(store);
    let ok = Command::new("mount")
        .args(["-o", "remount,ro"])
        .arg(&data)
        .status()
        .unwrap();
    assert!(ok.success());
    match Store::open(&p, clock()) {
        Err(e @ StoreError::ReadOnly(_)) => {
            let message = rekam::Localize::localize(&e, rekam::Lang::Id);
            assert!(message.contains("hanya bisa dibaca"), "{message}");
        }
        other => panic!("expected ReadOnly, got {other:?}"),
    }
    let ok = Command::new("mount")
        .args(["-o", "remount,rw"])
        .arg(&data)
        .status()
        .unwrap();
    assert!(ok.success());
    let store = Store::open(&p, clock()).unwrap();
    assert_eq!(store.request(req).unwrap().unwrap().step, Step::Iris);
    assert!(store.verify_audit().unwrap().broken.is_none());
    println!("CHILD-DONE");
}

/// An export onto a USB drive that fills up fails with the disk named, leaves no file on the
/// drive and marks nothing exported; the next export onto a drive with room succeeds.
#[test]
fn a_full_usb_drive_fails_the_export_and_marks_nothing_exported() {
    let Some((_, dir)) = child_mode() else {
        return run_disk_child("a_full_usb_drive_fails_the_export_and_marks_nothing_exported");
    };
    let usb = dir.join("usb");
    std::fs::create_dir_all(&usb).unwrap();
    mount_tmpfs(&usb, "size=1m");
    let p = paths(&dir);
    let (mut store, sup, op) = station(&p, clock());
    for i in 0..6 {
        let t = store.issue_ticket("A").unwrap();
        let req = store.call_ticket(&op, t.id).unwrap();
        drive_to_end(&mut store, &op, &sup, req, i + 1, &mut |_| {});
    }
    store.close_day(&sup, clock_day()).unwrap();
    let receiver = age::x25519::Identity::generate();
    let request = |out: PathBuf| rekam::batch::ExportRequest {
        date: clock_day(),
        out_dir: out,
        recipients: vec![receiver.to_public()],
    };
    let err = rekam::batch::export_day(&mut store, &sup, &request(usb.clone()), &mut |_, _| {})
        .unwrap_err();
    match &err {
        rekam::batch::ExportError::Io { source, .. } => {
            assert_eq!(source.kind(), std::io::ErrorKind::StorageFull, "{err}")
        }
        other => panic!("expected a full-disk error, got {other:?}"),
    }
    use rekam::Localize;
    assert!(
        err.localize(rekam::Lang::Id).contains("penuh"),
        "{}",
        err.localize(rekam::Lang::Id)
    );
    assert_eq!(
        std::fs::read_dir(&usb).unwrap().count(),
        0,
        "nothing left on the drive"
    );
    let batches: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM batches", [], |r| r.get(0))
        .unwrap();
    assert_eq!(batches, 0);
    let bigger = dir.join("usb2");
    std::fs::create_dir_all(&bigger).unwrap();
    let done =
        rekam::batch::export_day(&mut store, &sup, &request(bigger), &mut |_, _| {}).unwrap();
    assert_eq!(done.records, 6);
    println!("CHILD-DONE");
}
