//! The real-camera path (nokhwa, V4L2 on Linux) on a machine without a camera: listing works and
//! is empty, opening gives a clear `NotFound`, and a worker on a missing camera reports that
//! once and keeps retrying without panicking or hanging.
//!
//! On a machine that has cameras these tests only check what does not depend on them.

use std::time::{Duration, Instant};

use rekam_camera::{CameraConfig, CameraError, Event, NokhwaSource, channel, list, spawn_camera};

/// An index no test machine has a camera at.
const ABSENT: u32 = 63;

fn has_cameras() -> bool {
    !list().expect("listing cameras works").is_empty()
}

#[test]
fn listing_without_cameras_is_empty_not_an_error() {
    let cameras = list().expect("listing cameras works");
    if std::fs::read_dir("/dev")
        .map(|d| {
            d.flatten()
                .all(|e| !e.file_name().to_string_lossy().starts_with("video"))
        })
        .unwrap_or(true)
    {
        assert!(cameras.is_empty(), "{cameras:?}");
    }
}

#[test]
fn opening_a_missing_camera_is_not_found() {
    let t = Instant::now();
    let absent = NokhwaSource::open(&CameraConfig::face(ABSENT));
    assert!(
        matches!(absent, Err(CameraError::NotFound { index: ABSENT })),
        "{absent:?}"
    );
    if !has_cameras() {
        let first = NokhwaSource::open(&CameraConfig::iris(0));
        assert!(
            matches!(first, Err(CameraError::NotFound { index: 0 })),
            "{first:?}"
        );
    }
    assert!(t.elapsed() < Duration::from_secs(2));
}

#[test]
fn an_invalid_configuration_is_refused_before_opening() {
    let odd = CameraConfig {
        width: 641,
        ..CameraConfig::iris(ABSENT)
    };
    assert!(matches!(
        NokhwaSource::open(&odd),
        Err(CameraError::InvalidConfig(_))
    ));
}

#[test]
fn a_worker_on_a_missing_camera_reports_once_and_keeps_trying() {
    let (tx, rx) = channel(4);
    let worker = spawn_camera(CameraConfig::face(ABSENT), tx).expect("spawns");
    match rx.recv_timeout(Duration::from_secs(3)) {
        Ok(Event::Error(CameraError::NotFound { index: ABSENT })) => {}
        other => panic!("expected NotFound, got {other:?}"),
    }
    // Retries every 500 ms, silently while the error stays the same.
    assert!(rx.recv_timeout(Duration::from_millis(1200)).is_err());
    assert!(!worker.is_finished());
    let t = Instant::now();
    assert!(worker.stop());
    assert!(t.elapsed() < Duration::from_millis(500));
}
