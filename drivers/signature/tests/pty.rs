//! The driver against the simulated pad over a real pty pair made by `socat`, as RIGS.md
//! describes: the driver opens one end with `serialport`, the simulator writes ISDV4 packets
//! into the other.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rekam_device::{Event, Receiver, channel};
use rekam_signature::sim::{self, Faults, PadSimulator};
use rekam_signature::{PadConfig, PadEvent, SignatureError, StrokeBuilder};

struct Socat {
    child: Child,
    a: PathBuf,
    b: PathBuf,
}

impl Socat {
    fn start(dir: &Path) -> Socat {
        let (a, b) = (dir.join("ttyA"), dir.join("ttyB"));
        let _ = std::fs::remove_file(&a);
        let _ = std::fs::remove_file(&b);
        let child = Command::new("socat")
            .arg(format!("pty,raw,echo=0,link={}", a.display()))
            .arg(format!("pty,raw,echo=0,link={}", b.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("socat is installed (packaging/dev/deps.sh)");
        let end = Instant::now() + Duration::from_secs(5);
        while !(a.exists() && b.exists()) {
            assert!(Instant::now() < end, "socat made no ptys");
            std::thread::sleep(Duration::from_millis(10));
        }
        Socat { child, a, b }
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Socat {
    fn drop(&mut self) {
        self.stop();
    }
}

fn config(path: &Path) -> PadConfig {
    PadConfig {
        port: path.display().to_string(),
        settle_ms: 30,
        answer_timeout_ms: 500,
        silence_ms: 300,
        ..PadConfig::default()
    }
}

fn open_device_side(path: &Path) -> serialport::TTYPort {
    serialport::new(path.display().to_string(), 19200)
        .timeout(Duration::from_millis(10))
        .open_native()
        .expect("open the simulator's end")
}

/// Runs a simulated pad on `path`: waits for the host to start streaming, signs, then keeps
/// answering commands for `linger` before closing its end.
fn simulate(
    path: &Path,
    person: u64,
    faults: Faults,
    linger: Duration,
) -> JoinHandle<std::io::Result<usize>> {
    let port = open_device_side(path);
    std::thread::spawn(move || {
        let mut pad = PadSimulator::new(port, sim::DEFAULT_CAPABILITIES);
        assert!(
            pad.wait_started(Duration::from_secs(5))?,
            "host never started the pad"
        );
        let n = pad.sign(&sim::handwritten(person, 1), 1000.0, &faults)?;
        let end = Instant::now() + linger;
        while Instant::now() < end {
            pad.serve(Duration::from_millis(10))?;
        }
        Ok(n)
    })
}

type Events = Receiver<Event<PadEvent, SignatureError>>;

/// Collects events until `done` says so or `timeout` passes.
fn collect(
    rx: &Events,
    timeout: Duration,
    mut done: impl FnMut(&Event<PadEvent, SignatureError>) -> bool,
) -> Vec<Event<PadEvent, SignatureError>> {
    let end = Instant::now() + timeout;
    let mut out = vec![];
    while let Some(left) = end.checked_duration_since(Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(ev) => {
                let stop = done(&ev);
                out.push(ev);
                if stop {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    out
}

fn samples(events: &[Event<PadEvent, SignatureError>]) -> Vec<rekam_signature::PenSample> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Data(PadEvent::Sample(s)) => Some(*s),
            _ => None,
        })
        .collect()
}

fn strokes_of(samples: &[rekam_signature::PenSample]) -> rekam_signature::Signature {
    let mut b = StrokeBuilder::new();
    for s in samples {
        b.push(*s);
    }
    b.finish(sim::DEFAULT_CAPABILITIES)
}

#[test]
fn a_whole_signature_arrives_with_every_sample_in_its_stroke() {
    let dir = tempfile::tempdir().expect("tempdir");
    let socat = Socat::start(dir.path());
    let sim = simulate(&socat.b, 11, Faults::default(), Duration::from_millis(300));
    let (tx, rx) = channel(1024);
    let worker = rekam_signature::spawn(config(&socat.a), tx).expect("spawn");

    let events = collect(
        &rx,
        Duration::from_secs(10),
        |e| matches!(e, Event::Data(PadEvent::Sample(s)) if !s.report.proximity),
    );
    let written = sim.join().expect("sim thread").expect("sim io");
    drop(worker);

    let Event::Connected(info) = &events[0] else {
        panic!("first event is the connection, got {:?}", events[0]);
    };
    assert!(info.location.contains("ttyA"), "{info}");
    assert!(
        info.details
            .iter()
            .any(|(k, v)| k == "firmware" && v == "0x0105")
    );
    let samples = samples(&events);
    let sig = strokes_of(&samples);
    let expected = sim::handwritten(11, 1);
    assert_eq!(sig.strokes.len(), expected.len());
    assert_eq!(sig.point_count(), written, "no pen-down sample lost");
    for (got, want) in sig.strokes.iter().zip(&expected) {
        assert_eq!(got.points.len(), want.len());
        let p = got.points[want.len() / 2].report;
        let q = want[want.len() / 2];
        assert!((f64::from(p.x) / 100.0 - q.x_mm).abs() < 0.02);
        assert!((f64::from(p.y) / 100.0 - q.y_mm).abs() < 0.02);
    }
    // Timestamps never go back.
    assert!(samples.windows(2).all(|w| w[0].t_us <= w[1].t_us));
}

#[test]
fn garbage_and_a_cut_packet_cost_only_the_cut_packet() {
    let dir = tempfile::tempdir().expect("tempdir");
    let socat = Socat::start(dir.path());
    let faults = Faults {
        garbage_before: vec![
            (20, vec![0x00, 0xFF, 0x13, 0x80, 0x37]),
            (60, vec![0xC0, 0x01]),
        ],
        truncate: vec![40],
        silent_after: None,
    };
    let sim = simulate(&socat.b, 12, faults, Duration::from_millis(300));
    let (tx, rx) = channel(1024);
    let _worker = rekam_signature::spawn(config(&socat.a), tx).expect("spawn");
    let events = collect(
        &rx,
        Duration::from_secs(10),
        |e| matches!(e, Event::Data(PadEvent::Sample(s)) if !s.report.proximity),
    );
    let written = sim.join().expect("sim thread").expect("sim io");
    assert!(
        events.iter().all(|e| !matches!(e, Event::Error(_))),
        "{events:?}"
    );
    let sig = strokes_of(&samples(&events));
    // Packet 40 is pen-down (the hover-in is 4 packets), so exactly one sample is missing;
    // the garbage cut nothing.
    assert_eq!(sig.point_count(), written - 1);
}

#[test]
fn a_line_that_goes_silent_ends_the_stroke_with_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let socat = Socat::start(dir.path());
    let faults = Faults {
        silent_after: Some(50),
        ..Faults::default()
    };
    let sim = simulate(&socat.b, 13, faults, Duration::from_secs(2));
    let (tx, rx) = channel(1024);
    let _worker = rekam_signature::spawn(config(&socat.a), tx).expect("spawn");
    let events = collect(&rx, Duration::from_secs(10), |e| {
        matches!(e, Event::Error(_))
    });
    let _ = sim.join();
    let samples = samples(&events);
    assert_eq!(samples.len(), 50);
    assert!(
        samples.last().is_some_and(|s| s.report.tip),
        "cut while writing"
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::Data(PadEvent::LineSilent { ms }) if *ms >= 300)),
        "{events:?}"
    );
    let Some(Event::Error(e)) = events.last() else {
        panic!("ends in an error: {events:?}");
    };
    assert!(matches!(e, SignatureError::Silent { .. }));
    assert!(e.to_string().contains("check the cable"));
}

#[test]
fn the_pad_closing_is_reported_and_the_pad_is_used_again_when_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut socat = Socat::start(dir.path());
    let sim = simulate(&socat.b, 14, Faults::default(), Duration::from_millis(200));
    let (tx, rx) = channel(1024);
    let _worker = rekam_signature::spawn(config(&socat.a), tx).expect("spawn");
    let first = collect(
        &rx,
        Duration::from_secs(10),
        |e| matches!(e, Event::Data(PadEvent::Sample(s)) if !s.report.proximity),
    );
    assert!(matches!(first[0], Event::Connected(_)));
    sim.join().expect("sim").expect("sim io");

    // The cable is pulled: the line closes under the driver.
    socat.stop();
    let gone = collect(&rx, Duration::from_secs(5), |e| {
        matches!(e, Event::Disconnected { .. })
    });
    assert!(
        matches!(gone.last(), Some(Event::Disconnected { .. })),
        "disconnect reported: {gone:?}"
    );

    // Plugged back in: the worker reopens the same path by itself.
    let socat = Socat::start(dir.path());
    let sim = simulate(&socat.b, 14, Faults::default(), Duration::from_millis(200));
    let again = collect(
        &rx,
        Duration::from_secs(10),
        |e| matches!(e, Event::Data(PadEvent::Sample(s)) if !s.report.proximity),
    );
    let written = sim.join().expect("sim").expect("sim io");
    assert!(
        again.iter().any(|e| matches!(e, Event::Connected(_))),
        "{again:?}"
    );
    assert_eq!(strokes_of(&samples(&again)).point_count(), written);
}

#[test]
fn open_errors_say_what_is_wrong() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = rekam_signature::Pad::open(&config(&dir.path().join("nope"))).unwrap_err();
    assert!(
        matches!(missing, SignatureError::NotFound { .. }),
        "{missing:?}"
    );

    let socat = Socat::start(dir.path());
    // Nobody on the other end: the query goes unanswered.
    let t = Instant::now();
    let silent = rekam_signature::Pad::open(&config(&socat.a)).unwrap_err();
    assert!(
        matches!(silent, SignatureError::NoAnswer { .. }),
        "{silent:?}"
    );
    assert!(t.elapsed() < Duration::from_secs(3));

    // Another program holds the port.
    let _held = rekam_signature::open_port(&config(&socat.a)).expect("first open");
    let busy = rekam_signature::open_port(&config(&socat.a)).unwrap_err();
    assert!(matches!(busy, SignatureError::Busy { .. }), "{busy:?}");
}
