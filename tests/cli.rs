//! The `rekam` command as an operator or a script uses it.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::io::Write;
use std::process::{Command, Stdio};

fn rekam(args: &[&str], dir: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rekam"));
    c.args(args)
        .arg("--data-dir")
        .arg(dir.join("data"))
        .arg("--key-file")
        .arg(dir.join("keys/station.key"));
    c.env_remove("REKAM_LANG");
    c
}

/// Runs `rekam setup` with the password on standard input.
fn setup(dir: &std::path::Path, supervisor: &str) -> std::process::Output {
    let mut child = rekam(
        &[
            "setup",
            "--kecamatan",
            "331301",
            "--station",
            "01",
            "--supervisor",
            supervisor,
            "--name",
            "Sri Wahyuni",
            "--mode",
            "training",
        ],
        dir,
    )
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
fn nik_exit_status_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let out = rekam(
        &[
            "nik",
            "3174075508950001",
            "--born",
            "1995-08-15",
            "--sex",
            "P",
        ],
        dir.path(),
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("SAH") && text.contains("Kebayoran Baru") && text.contains("Perempuan"),
        "{text}"
    );
    // Warnings do not make it invalid.
    let out = rekam(
        &["nik", "3174075508950001", "--sex", "L", "--json"],
        dir.path(),
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["valid"], true);
    assert_eq!(doc["warnings"][0]["warning"]["kind"], "sex_mismatch");
    assert_eq!(doc["decoded"]["birth_date"], "1995-08-15");
    // Invalid: exit 2 and every error, in English on request.
    let out = rekam(
        &["nik", "99999932139900", "--json", "--lang", "en"],
        dir.path(),
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc["errors"][0]["message"],
        "The NIK must have 16 digits, not 14."
    );
    let out = rekam(&["kk", "3174071203150004"], dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let out = rekam(&["nik", ""], dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("NIK belum diisi."));
}

#[test]
fn setup_then_status_then_audit_verify() {
    let dir = tempfile::tempdir().unwrap();
    let out = rekam(&["status"], dir.path()).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("Stasiun belum disiapkan"));
    let out = setup(dir.path(), "kasi");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("Jatipuro"));
    let out = rekam(&["status"], dir.path()).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Jatipuro (331301)") && text.contains("Rantai audit utuh"),
        "{text}"
    );
    let out = rekam(&["audit", "verify", "--json"], dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc["rows"], 4,
        "station setup, its signing key, the supervisor and their training card"
    );
    // A second setup is refused; a short password too.
    let out = setup(dir.path(), "x");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("sudah disiapkan"));
    // Tampering is reported with exit status 1.
    let db = rekam::store::Store::open_raw(&rekam::store::Paths {
        data_dir: dir.path().join("data"),
        key_file: dir.path().join("keys/station.key"),
    })
    .unwrap();
    db.execute_batch(
        "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor_id = 9 WHERE seq = 2;",
    )
    .unwrap();
    drop(db);
    let out = rekam(&["audit", "verify"], dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("RANTAI AUDIT RUSAK pada baris 2"));
}

#[test]
fn a_missing_or_exposed_key_file_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    assert!(setup(dir.path(), "kasi").status.success());
    let key = dir.path().join("keys/station.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
        let out = rekam(&["audit", "verify"], dir.path()).output().unwrap();
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("chmod 600"));
    }
    std::fs::remove_file(&key).unwrap();
    let out = rekam(&["audit", "verify"], dir.path()).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("tidak ditemukan"));
}
