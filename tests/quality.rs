//! `rekam quality`: the capture quality gates on files, as an office checks images in bulk.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use rekam_camera::{Background, CameraConfig, Eye, FrameSource, SimOptions, SimulatedCamera};

fn rekam(args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rekam"));
    c.args(args).env_remove("REKAM_LANG");
    c.output().unwrap()
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn options() -> SimOptions {
    SimOptions {
        loop_frames: Some(2),
        realtime: false,
        ..SimOptions::default()
    }
}

/// A frame of the simulated face camera (the public-domain portrait on `background`), saved as
/// PNG.
fn face_file(dir: &Path, background: Background) -> PathBuf {
    let mut camera =
        SimulatedCamera::face(&CameraConfig::face(0), background, 7, options()).unwrap();
    let raw = camera.next_frame(Duration::from_secs(2)).unwrap();
    let path = dir.join(format!("face-{background:?}.png"));
    rekam_camera::decode(&raw).unwrap().save(&path).unwrap();
    path
}

#[test]
fn face_photos_in_bulk_with_the_birth_year_rule() {
    let dir = tempfile::tempdir().unwrap();
    let red = face_file(dir.path(), Background::Red);
    let blue = face_file(dir.path(), Background::Blue);
    let red_s = red.to_str().unwrap();
    let blue_s = blue.to_str().unwrap();

    // An odd birth year wants red: the red photo passes, every check listed with its verdict.
    let o = rekam(&["quality", "face", red_s, "--born", "1987"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = text(&o);
    for check in [
        "face_count",
        "eyes",
        "eye_distance",
        "head_size",
        "centring",
        "roll",
        "yaw",
        "exposure",
        "lighting",
        "sharpness",
        "background_uniform",
        "background_colour",
    ] {
        assert!(out.contains(check), "{check}: {out}");
    }
    assert!(out.contains("Putusan: LAYAK"), "{out}");

    // Both files with the same year: the blue one fails, named, and the exit status says so.
    let o = rekam(&["quality", "face", red_s, blue_s, "--born", "1987"]);
    assert_eq!(o.status.code(), Some(1));
    let out = text(&o);
    assert!(out.contains("GAGAL background_colour"), "{out}");
    assert!(out.contains("Latar biru, seharusnya merah"), "{out}");

    // JSON Lines, in English: one object per file.
    let o = rekam(&[
        "--lang", "en", "quality", "face", "--json", red_s, blue_s, "--born", "1990",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = text(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["file"], red_s);
    assert_eq!(lines[0]["modality"], "face");
    assert_eq!(lines[0]["acceptable"], false);
    assert_eq!(lines[1]["acceptable"], true);
    assert_eq!(lines[1]["faces"], 1);
    let colour = lines[0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "background_colour")
        .unwrap();
    assert_eq!(colour["pass"], false);
    assert!(colour["en"].as_str().unwrap().contains("must be blue"));

    // A file that is no image, and one that is not there: exit 2, said on standard error.
    let junk = dir.path().join("junk.jpg");
    std::fs::write(&junk, b"\x00garbage").unwrap();
    let o = rekam(&["quality", "face", red_s, junk.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("bukan gambar"));
    let o = rekam(&["quality", "face", "/nonexistent/x.jpg"]);
    assert_eq!(o.status.code(), Some(2));
    // No file at all is a usage error.
    assert_eq!(rekam(&["quality", "face"]).status.code(), Some(2));
}

#[test]
fn iris_and_signature_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut camera =
        SimulatedCamera::iris(&CameraConfig::iris(2), Eye::Right, 7, options()).unwrap();
    let raw = camera.next_frame(Duration::from_secs(2)).unwrap();
    let eye = image::DynamicImage::ImageRgb8(rekam_camera::decode(&raw).unwrap()).into_luma8();
    let eye_path = dir.path().join("eye.png");
    eye.save(&eye_path).unwrap();
    let o = rekam(&["quality", "iris", eye_path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("occlusion"));

    // A blank frame: no eye.
    let blank = dir.path().join("blank.png");
    image::GrayImage::from_pixel(640, 480, image::Luma([128]))
        .save(&blank)
        .unwrap();
    let o = rekam(&["quality", "iris", blank.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("GAGAL eye_present"), "{}", text(&o));

    // Signatures as the station stores them: plain strokes, a real-looking one and a dot.
    let wave: Vec<serde_json::Value> = (0..200)
        .map(|i| {
            let t = f64::from(i) / 10.0;
            serde_json::json!({"x": 100.0 + 40.0 * t, "y": 300.0 + 120.0 * (t * 1.7).sin() + 60.0 * (t * 4.1).cos()})
        })
        .collect();
    let loops: Vec<serde_json::Value> = (0..120)
        .map(|i| {
            let t = f64::from(i) / 8.0;
            serde_json::json!({"x": 500.0 + 80.0 * t.cos() + 10.0 * t, "y": 280.0 + 90.0 * t.sin()})
        })
        .collect();
    let good = dir.path().join("good.json");
    std::fs::write(
        &good,
        serde_json::json!({"strokes": [wave, loops]}).to_string(),
    )
    .unwrap();
    let dot = dir.path().join("dot.json");
    std::fs::write(
        &dot,
        serde_json::json!({"strokes": [[{"x": 50.0, "y": 50.0}, {"x": 50.5, "y": 50.2}]]})
            .to_string(),
    )
    .unwrap();
    let o = rekam(&["quality", "signature", good.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = rekam(&["quality", "signature", dot.to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(text(&o).trim()).unwrap();
    let shape = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "shape")
        .unwrap();
    assert_eq!(shape["pass"], false);
    // Not strokes at all.
    let o = rekam(&["quality", "signature", eye_path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn fingerprint_files_single_and_slap() {
    use rekam_fingerprint::sim::{SimConfig, SimDevice};
    use rekam_fingerprint::{CaptureMode, Finger, Hand, Scanner};

    let dir = tempfile::tempdir().unwrap();
    let device = SimDevice::new(SimConfig {
        person_seed: 11,
        impression_seed: 5,
        ..SimConfig::fast()
    });
    let mut scanner = Scanner::open(device.open().unwrap()).unwrap();
    let mut save = |mode: CaptureMode, name: &str| {
        let c = scanner.capture(mode, Duration::from_secs(10)).unwrap();
        let path = dir.path().join(name);
        image::GrayImage::from_raw(c.width, c.height, c.pixels)
            .unwrap()
            .save(&path)
            .unwrap();
        path
    };
    let flat = save(CaptureMode::Flat(Finger::ALL[1]), "flat.png");
    let slap = save(CaptureMode::slap(Hand::Right), "slap.png");

    let o = rekam(&["quality", "finger", flat.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    // The slap cut into its four fingers, each with its place and quality.
    let o = rekam(&[
        "quality",
        "finger",
        "--slap",
        "right",
        "--json",
        slap.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_str(text(&o).trim()).unwrap();
    let positions: Vec<u64> = v["fingers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["position"].as_u64().unwrap())
        .collect();
    assert_eq!(positions, [2, 3, 4, 5], "{v}");

    // A blank platen fails.
    let blank = dir.path().join("blank.png");
    image::GrayImage::from_pixel(1600, 1500, image::Luma([255]))
        .save(&blank)
        .unwrap();
    let o = rekam(&[
        "quality",
        "finger",
        "--slap",
        "right",
        blank.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("GAGAL"), "{}", text(&o));
}
