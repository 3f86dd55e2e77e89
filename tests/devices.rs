//! The station's view of its devices: `rekam doctor` and `rekam simulate-day`, which records
//! simulated applicants through the real drivers and stores real records.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::process::Command;
use std::sync::Arc;

use rekam::store::{Paths, Store, SystemClock};
use rekam::workflow::{Modality, Step};

fn rekam(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rekam"));
    c.args(args);
    c.env_remove("REKAM_LANG")
        .env_remove("REKAM_DATA_DIR")
        .env_remove("REKAM_KEY_FILE");
    c
}

fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn simulate_day_stores_real_records_made_by_the_drivers() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("latihan");
    let out = rekam(&[
        "simulate-day",
        "--applicants",
        "4",
        "--seed",
        "3",
        "--date",
        "2026-11-21",
        "--data-dir",
        data.to_str().unwrap(),
    ])
    .output()
    .unwrap();
    let printed = text(&out);
    assert!(out.status.success(), "{printed}");

    let paths = Paths::training(data.clone());
    let store = Store::open(&paths, Arc::new(SystemClock)).unwrap();
    let mut archived = 0;
    let mut returned = 0;
    for id in 1..=4 {
        let view = store
            .request(id)
            .unwrap()
            .expect("one request per applicant");
        match view.step {
            Step::Returned => {
                returned += 1;
                continue;
            }
            Step::Archived => archived += 1,
            other => panic!("request {id} stopped at {other}"),
        }
        assert!(view.register_number.is_some());
        assert_eq!(
            view.captures.len(),
            14,
            "face, ten fingers, two irises, signature"
        );
        // Every capture went through its quality gate, and the policy's decisions are kept:
        // one per face, slap, eye and signature when each first attempt passes.
        let decisions = store.decisions(id).unwrap();
        assert!(decisions.len() >= 7, "{decisions:?}");
        assert!(
            decisions
                .iter()
                .all(|d| d.score.is_some() && !d.findings.is_empty())
        );
        for c in &view.captures {
            if c.format.is_none() {
                continue; // an exception, with its reason
            }
            assert!(c.quality.is_some(), "{c:?}");
            let bytes = store.capture_bytes(c.id).unwrap();
            match c.modality {
                Modality::Face => {
                    let img = image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg)
                        .unwrap()
                        .into_rgb8();
                    // The ISO token image cut around the face.
                    assert_eq!(img.dimensions(), (480, 640));
                    // The background is the applicant's colour: red or blue, never grey.
                    let p = img.get_pixel(20, 20).0;
                    assert!(
                        (p[0] > 150 && p[2] < 100) || (p[2] > 150 && p[0] < 100),
                        "background {p:?}"
                    );
                }
                Modality::Finger => {
                    let img = image::load_from_memory_with_format(&bytes, image::ImageFormat::Png)
                        .unwrap()
                        .into_luma8();
                    // One finger cut out of its slap.
                    let (w, h) = img.dimensions();
                    assert!(
                        (120..=500).contains(&w) && (200..=1500).contains(&h),
                        "{w}x{h}"
                    );
                    // Ridges, not a blank platen or a smudge: through the middle of the
                    // finger, the row crosses ridge after ridge.
                    let dark: Vec<(u32, u32)> = img
                        .enumerate_pixels()
                        .filter(|(_, _, p)| p.0[0] < 100)
                        .map(|(x, y, _)| (x, y))
                        .collect();
                    assert!(dark.len() > 3_000, "{} dark pixels", dark.len());
                    let row = dark.iter().map(|(_, y)| y).sum::<u32>() / dark.len() as u32;
                    let crossings = (1..img.width())
                        .filter(|&x| {
                            (img.get_pixel(x - 1, row).0[0] < 128)
                                != (img.get_pixel(x, row).0[0] < 128)
                        })
                        .count();
                    assert!(crossings >= 10, "{crossings} ridge edges across row {row}");
                }
                Modality::Iris => {
                    let img = image::load_from_memory_with_format(&bytes, image::ImageFormat::Png)
                        .unwrap();
                    assert_eq!((img.width(), img.height()), (640, 480));
                }
                Modality::Signature => {
                    let sig: rekam_signature::Signature = serde_json::from_slice(&bytes).unwrap();
                    assert!(!sig.strokes.is_empty());
                    assert!(sig.point_count() > 150, "{} points", sig.point_count());
                }
            }
        }
    }
    assert_eq!(archived + returned, 4);
    assert!(
        printed.contains(&format!("Selesai direkam: {archived}")),
        "{printed}"
    );
    assert!(printed.contains("Perekaman biometrik"), "{printed}");
    // The operator logged in with the simulated officer card, through the card profile.
    assert!(
        printed.contains("kartu petugas): operator-latihan"),
        "{printed}"
    );
    assert!(
        printed.contains("KTP-el lama dibaca dari chip: "),
        "{printed}"
    );
    assert!(store.verify_audit().unwrap().broken.is_none());

    // Nothing personal in clear on disk: no applicant's NIK, No. KK or name appears in the
    // database file or its WAL (the whole database is encrypted), nor in what the command printed.
    let mut secrets = Vec::new();
    for id in 1..=4 {
        let view = store.request(id).unwrap().unwrap();
        secrets.extend(view.nik.clone());
        secrets.extend(view.full_name.clone());
    }
    assert!(secrets.len() >= 8, "{secrets:?}");
    let mut files = 0;
    for entry in std::fs::read_dir(&paths.data_dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        files += 1;
        for secret in &secrets {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{secret:?} in clear in {}",
                path.display()
            );
            assert!(!printed.contains(secret.as_str()), "{secret:?} printed");
        }
    }
    assert!(
        paths.data_dir.join("rekam.db-wal").exists(),
        "the WAL was checked too"
    );
    assert!(files >= 3);
}

#[test]
fn simulate_day_needs_a_data_dir_and_leaves_real_stations_alone() {
    let out = rekam(&["simulate-day", "--applicants", "1"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(text(&out).contains("--data-dir"), "{}", text(&out));

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let key = dir.path().join("station.key");
    let mut setup = rekam(&[
        "setup",
        "--kecamatan",
        "331301",
        "--station",
        "01",
        "--supervisor",
        "kasi",
        "--name",
        "Sri Wahyuni",
        "--mode",
        "training",
        "--data-dir",
        data.to_str().unwrap(),
        "--key-file",
        key.to_str().unwrap(),
    ])
    .stdin(std::process::Stdio::piped())
    .stdout(std::process::Stdio::null())
    .spawn()
    .unwrap();
    use std::io::Write;
    setup
        .stdin
        .take()
        .unwrap()
        .write_all(b"rahasia-123\n")
        .unwrap();
    assert!(setup.wait().unwrap().success());
    let out = rekam(&[
        "simulate-day",
        "--applicants",
        "1",
        "--data-dir",
        data.to_str().unwrap(),
        "--key-file",
        key.to_str().unwrap(),
    ])
    .output()
    .unwrap();
    assert!(!out.status.success());
    assert!(text(&out).contains("training station"), "{}", text(&out));
}

#[test]
fn doctor_says_what_is_missing_and_what_the_station_uses() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let missing_port = dir.path().join("ttyNOPE");
    std::fs::write(
        data.join("devices.toml"),
        format!(
            "[signature_pad]\nmode = \"real\"\nport = \"{}\"\n\
             [face_camera]\nmode = \"simulated\"\n",
            missing_port.display()
        ),
    )
    .unwrap();
    let out = rekam(&["doctor", "--data-dir", data.to_str().unwrap()])
        .output()
        .unwrap();
    let printed = text(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a real pad is required: {printed}"
    );
    assert!(printed.contains("TIDAK SIAP"), "{printed}");
    assert!(printed.contains("ttyNOPE"), "{printed}");
    assert!(
        printed.contains("Pasang kabel bantalan tanda tangan"),
        "{printed}"
    );
    for class in [
        "Pemindai sidik jari",
        "Kamera wajah",
        "Kamera iris",
        "Pembaca kartu pintar",
    ] {
        assert!(printed.contains(class), "{class}: {printed}");
    }

    // Everything simulated: ready, in English when asked.
    std::fs::write(
        data.join("devices.toml"),
        "[fingerprint]\nmode = \"simulated\"\n[face_camera]\nmode = \"simulated\"\n\
         [iris_camera]\nmode = \"simulated\"\n[smartcard]\nmode = \"simulated\"\n\
         [signature_pad]\nmode = \"simulated\"\n",
    )
    .unwrap();
    let out = rekam(&["doctor", "--json", "--data-dir", data.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 5);
    assert!(
        json.as_array()
            .unwrap()
            .iter()
            .all(|d| d["mode"] == "simulated" && d["found"].is_null())
    );

    // A broken settings file is an error that names the file.
    std::fs::write(data.join("devices.toml"), "[signature_pad\n").unwrap();
    let out = rekam(&["doctor", "--data-dir", data.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(text(&out).contains("devices.toml"), "{}", text(&out));
}
