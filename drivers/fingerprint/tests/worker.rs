//! The worker thread with the simulated scanner: events for a whole capture, a refused second
//! capture, cancel, a scanner missing at start, an unplug mid-transfer followed by hot-plug,
//! and the thread ending when nobody listens.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use rekam_device::{Event, Receiver, channel};
use rekam_fingerprint::sim::{Fault, SimConfig, SimDevice};
use rekam_fingerprint::synth::SyntheticPerson;
use rekam_fingerprint::{
    CaptureMode, Finger, FingerprintError, ScanEvent, ScanMessage, ScannerWorker,
};

fn person() -> Arc<SyntheticPerson> {
    static P: OnceLock<Arc<SyntheticPerson>> = OnceLock::new();
    P.get_or_init(|| Arc::new(SyntheticPerson::new(5))).clone()
}

fn device(config: SimConfig) -> SimDevice {
    SimDevice::new(config).with_person(person())
}

const WAIT: Duration = Duration::from_secs(5);

/// Waits for the first event `pick` accepts, collecting everything seen on the way.
fn until<T>(
    rx: &Receiver<ScanMessage>,
    seen: &mut Vec<ScanMessage>,
    mut pick: impl FnMut(&ScanMessage) -> Option<T>,
) -> T {
    let end = Instant::now() + WAIT;
    loop {
        let left = end.saturating_duration_since(Instant::now());
        let e = rx
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("no matching event within {WAIT:?}; saw {seen:?}"));
        let found = pick(&e);
        seen.push(e);
        if let Some(t) = found {
            return t;
        }
    }
}

fn connected(e: &ScanMessage) -> Option<()> {
    matches!(e, Event::Connected(_)).then_some(())
}

fn image(e: &ScanMessage) -> Option<Arc<rekam_fingerprint::Capture>> {
    match e {
        Event::Data(ScanEvent::Image(c)) => Some(c.clone()),
        _ => None,
    }
}

fn error(e: &ScanMessage) -> Option<FingerprintError> {
    match e {
        Event::Error(e) => Some(e.clone()),
        _ => None,
    }
}

#[test]
fn a_capture_streams_finger_progress_and_image_from_a_named_thread() {
    let dev = device(SimConfig::fast());
    let (tx, rx) = channel(64);
    let thread_name = Arc::new(std::sync::Mutex::new(None));
    let opener = {
        let (dev, thread_name) = (dev.clone(), thread_name.clone());
        move || {
            *thread_name.lock().expect("lock") = std::thread::current().name().map(str::to_owned);
            dev.open()
        }
    };
    let w = ScannerWorker::spawn("rekam-fingerprint", opener, tx).expect("spawn");
    let mut seen = Vec::new();
    let info = until(&rx, &mut seen, |e| match e {
        Event::Connected(i) => Some(i.clone()),
        _ => None,
    });
    assert!(info.to_string().contains("500 ppi"), "{info}");
    assert_eq!(
        thread_name.lock().expect("lock").as_deref(),
        Some("rekam-fingerprint")
    );
    assert!(w.capture(CaptureMode::SlapRight, WAIT));
    let c = until(&rx, &mut seen, image);
    assert_eq!((c.width, c.height), (1600, 1500));
    assert_eq!(c.pixels, *dev.last_image().expect("sent").pixels);
    assert!(seen.iter().any(|e| matches!(
        e,
        Event::Data(ScanEvent::WaitingForFinger {
            mode: CaptureMode::SlapRight
        })
    )));
    assert!(
        seen.iter()
            .any(|e| matches!(e, Event::Data(ScanEvent::FingerPresent { fingers: 4, .. })))
    );
    let progress = seen
        .iter()
        .filter(|e| matches!(e, Event::Data(ScanEvent::Transfer { .. })))
        .count();
    assert!(progress >= 5, "{progress} progress events");
    assert!(w.stop(), "worker thread did not panic");
}

#[test]
fn a_second_capture_while_busy_is_refused_and_cancel_works() {
    let config = SimConfig {
        finger_delay: Duration::from_secs(30),
        ..SimConfig::fast()
    };
    let dev = device(config);
    let (tx, rx) = channel(64);
    let w = ScannerWorker::spawn("rekam-fingerprint", dev.opener(), tx).expect("spawn");
    let mut seen = Vec::new();
    until(&rx, &mut seen, connected);
    let flat = CaptureMode::Flat(Finger::LeftIndex);
    assert!(w.capture(flat, Duration::from_secs(60)));
    assert!(w.capture(flat, Duration::from_secs(60)));
    let e = until(&rx, &mut seen, error);
    assert!(matches!(e, FingerprintError::Busy), "{e:?}");
    assert!(w.cancel());
    // A cancelled capture ends with a status, not an error.
    until(&rx, &mut seen, |e| {
        matches!(e, Event::Data(ScanEvent::Cancelled)).then_some(())
    });
    assert!(
        !seen
            .iter()
            .any(|e| matches!(e, Event::Error(FingerprintError::Cancelled))),
        "{seen:?}"
    );
}

#[test]
fn no_finger_and_lifted_fingers_end_a_capture_as_statuses() {
    let dev = device(SimConfig::fast());
    let (tx, rx) = channel(64);
    let w = ScannerWorker::spawn("rekam-fingerprint", dev.opener(), tx).expect("spawn");
    let mut seen = Vec::new();
    until(&rx, &mut seen, connected);
    let flat = CaptureMode::Flat(Finger::LeftIndex);
    dev.arm(rekam_fingerprint::sim::Fault::NoFinger);
    assert!(w.capture(flat, Duration::from_millis(150)));
    until(&rx, &mut seen, |e| {
        matches!(e, Event::Data(ScanEvent::NoFinger)).then_some(())
    });
    dev.arm(rekam_fingerprint::sim::Fault::FingerLifted);
    assert!(w.capture(flat, Duration::from_secs(5)));
    until(&rx, &mut seen, |e| {
        matches!(e, Event::Data(ScanEvent::Lifted)).then_some(())
    });
    assert!(
        !seen.iter().any(|e| matches!(e, Event::Error(_))),
        "presence is not an error: {seen:?}"
    );
    // The scanner is ready for the next capture.
    assert!(w.capture(flat, Duration::from_secs(5)));
    until(&rx, &mut seen, image);
}

#[test]
fn unplug_mid_transfer_then_hot_plug() {
    let dev = device(SimConfig::fast());
    let (tx, rx) = channel(64);
    let w = ScannerWorker::spawn("rekam-fingerprint", dev.opener(), tx).expect("spawn");
    let mut seen = Vec::new();
    until(&rx, &mut seen, connected);
    dev.arm(Fault::UnplugAfterChunks(1000));
    assert!(w.capture(CaptureMode::SlapLeft, WAIT));
    let reason = until(&rx, &mut seen, |e| match e {
        Event::Disconnected { reason } => Some(reason.clone()),
        _ => None,
    });
    assert!(reason.contains("unplugged"), "{reason}");
    // While it is away, captures are answered with an error rather than left hanging.
    assert!(w.capture(CaptureMode::SlapLeft, WAIT));
    let e = until(&rx, &mut seen, error);
    assert!(matches!(e, FingerprintError::NotFound(_)), "{e:?}");
    // Plugged back in: reopened within the reopen interval, and it captures again.
    dev.plug();
    until(&rx, &mut seen, connected);
    assert!(w.capture(CaptureMode::TwoThumbs, WAIT));
    let c = until(&rx, &mut seen, image);
    assert_eq!((c.width, c.height), (1600, 1000));
    assert!(!w.is_finished());
}

#[test]
fn a_scanner_missing_at_start_is_reported_once_and_found_when_plugged() {
    let dev = device(SimConfig::fast());
    dev.unplug();
    let (tx, rx) = channel(64);
    let _w = ScannerWorker::spawn("rekam-fingerprint", dev.opener(), tx).expect("spawn");
    let mut seen = Vec::new();
    let e = until(&rx, &mut seen, error);
    assert!(matches!(e, FingerprintError::NotFound(_)), "{e:?}");
    // Several reopen attempts later, still no second report.
    std::thread::sleep(rekam_device::REOPEN_INTERVAL * 3);
    assert!(
        rx.try_recv().is_err(),
        "missing scanner reported more than once"
    );
    dev.plug();
    until(&rx, &mut seen, connected);
    assert!(dev.stats().opens >= 1);
}

#[test]
fn the_worker_ends_when_nobody_listens() {
    let dev = device(SimConfig::fast());
    let (tx, rx) = channel(4);
    let w = ScannerWorker::spawn("rekam-fingerprint", dev.opener(), tx).expect("spawn");
    let mut seen = Vec::new();
    until(&rx, &mut seen, connected);
    drop(rx);
    let end = Instant::now() + WAIT;
    while !w.is_finished() {
        assert!(Instant::now() < end, "worker still running");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(w.stop());
}
