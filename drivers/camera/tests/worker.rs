//! The streaming worker driven by the simulated cameras (and by a scripted source for bad
//! frames): frames arrive decoded; a slow consumer loses the oldest frames and keeps the
//! newest; a camera pulled out mid-stream, or one that stalls, ends in an error event and a
//! `Disconnected`, and the worker reopens the camera when it is back.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use rekam_camera::{
    Backend, Background, CameraConfig, CameraError, CameraEvent, DeviceClass, DeviceInfo, Event,
    Eye, FrameSource, Hotplug, PixelFormat, RawFrame, Receiver, SimOptions, SimulatedCamera,
    channel, spawn,
};

fn small_face() -> CameraConfig {
    CameraConfig {
        width: 320,
        height: 180,
        ..CameraConfig::face(0)
    }
}

fn options(plug: Option<&Hotplug>) -> SimOptions {
    SimOptions {
        hotplug: plug.cloned(),
        loop_frames: Some(8),
        ..SimOptions::default()
    }
}

fn face_opener(
    config: CameraConfig,
    options: SimOptions,
) -> impl FnMut() -> Result<Box<dyn FrameSource>, CameraError> + Send + 'static {
    move || {
        SimulatedCamera::face(&config, Background::Blue, 4, options.clone())
            .map(|c| Box::new(c) as Box<dyn FrameSource>)
    }
}

/// Waits for the first event that `want` accepts, failing on timeout.
fn wait_for(
    rx: &Receiver<CameraEvent>,
    within: Duration,
    what: &str,
    mut want: impl FnMut(&CameraEvent) -> bool,
) -> CameraEvent {
    let end = Instant::now() + within;
    loop {
        let left = end.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(e) if want(&e) => return e,
            Ok(_) => {}
            Err(_) => panic!("no {what} within {within:?}"),
        }
    }
}

#[test]
fn frames_arrive_decoded_from_the_simulated_face_camera() {
    let (tx, rx) = channel(4);
    let config = small_face();
    let worker = spawn(config, face_opener(config, options(None)), tx).expect("spawns");
    assert_eq!(worker.name(), "rekam-face-cam");
    match rx.recv_timeout(Duration::from_secs(5)).expect("an event") {
        Event::Connected(info) => {
            assert_eq!(info.class, DeviceClass::FaceCamera);
            assert_eq!(info.backend, Backend::Simulated);
            assert!(info.details.contains(&("format".into(), "MJPEG".into())));
        }
        other => panic!("expected Connected first, got {other:?}"),
    }
    let mut last = 0;
    for _ in 0..10 {
        match rx.recv_timeout(Duration::from_secs(2)).expect("a frame") {
            Event::Data(frame) => {
                assert_eq!(frame.rgb.dimensions(), (320, 180));
                assert!(frame.sequence > last);
                last = frame.sequence;
                // Blue backdrop in the top-left corner.
                let px = frame.rgb.get_pixel(4, 4).0;
                assert!(px[2] > 120 && px[0] < 80, "{px:?}");
            }
            other => panic!("expected frames, got {other:?}"),
        }
    }
    let stats = worker.stats();
    assert!(stats.delivered >= 10 && stats.opened == 1 && stats.decode_errors == 0);
    assert!(worker.stop());
}

#[test]
fn iris_camera_frames_are_grey() {
    let (tx, rx) = channel(2);
    let config = CameraConfig::iris(1);
    let worker = spawn(
        config,
        move || {
            SimulatedCamera::iris(&config, Eye::Left, 11, options(None))
                .map(|c| Box::new(c) as Box<dyn FrameSource>)
        },
        tx,
    )
    .expect("spawns");
    assert_eq!(worker.name(), "rekam-iris-cam");
    let frame = match wait_for(&rx, Duration::from_secs(5), "a frame", |e| {
        matches!(e, Event::Data(_))
    }) {
        Event::Data(f) => f,
        _ => unreachable!(),
    };
    assert_eq!(frame.rgb.dimensions(), (640, 480));
    for p in frame.rgb.pixels().step_by(997) {
        let [r, g, b] = p.0;
        assert!(
            r.abs_diff(g) <= 2 && g.abs_diff(b) <= 2,
            "not grey: {:?}",
            p.0
        );
    }
    drop(worker);
}

#[test]
fn a_slow_consumer_loses_the_oldest_frames_and_gets_the_newest() {
    let (tx, rx) = channel(3);
    let config = CameraConfig {
        fps: 100,
        ..small_face()
    };
    let worker = spawn(config, face_opener(config, options(None)), tx).expect("spawns");
    wait_for(&rx, Duration::from_secs(5), "Connected", |e| {
        matches!(e, Event::Connected(_))
    });
    // Not reading for half a second: about 50 frames come, the channel holds 3.
    std::thread::sleep(Duration::from_millis(500));
    let captured = worker.stats().captured;
    let mut kept = Vec::new();
    while let Ok(Event::Data(frame)) = rx.try_recv() {
        kept.push(frame.sequence);
    }
    assert!(!kept.is_empty() && kept.len() <= 3, "kept {kept:?}");
    assert!(
        kept.windows(2).all(|w| w[1] == w[0] + 1),
        "in order: {kept:?}"
    );
    // The newest frames, not the first ones.
    let newest = *kept.last().unwrap_or(&0);
    assert!(newest + 3 >= captured, "kept {kept:?}, captured {captured}");
    let stats = worker.stats();
    assert!(stats.dropped >= 15, "{stats:?}");
    // Frames report the drops so far.
    let next = wait_for(&rx, Duration::from_secs(2), "a frame", |e| {
        matches!(e, Event::Data(_))
    });
    if let Event::Data(frame) = next {
        assert!(frame.dropped >= 15);
    }
}

#[test]
fn a_camera_pulled_out_mid_stream_reports_and_is_reopened_when_back() {
    let plug = Hotplug::new();
    let (tx, rx) = channel(8);
    let config = small_face();
    let worker = spawn(config, face_opener(config, options(Some(&plug))), tx).expect("spawns");
    wait_for(&rx, Duration::from_secs(5), "a frame", |e| {
        matches!(e, Event::Data(_))
    });
    plug.unplug();
    let error = wait_for(&rx, Duration::from_secs(3), "an error", |e| {
        matches!(e, Event::Error(_))
    });
    assert!(
        matches!(error, Event::Error(CameraError::Disconnected(_))),
        "{error:?}"
    );
    match rx.recv_timeout(Duration::from_secs(1)).expect("an event") {
        Event::Disconnected { reason } => assert!(reason.contains("unplugged"), "{reason}"),
        other => panic!("expected Disconnected, got {other:?}"),
    }
    // While it is out, reopening fails: reported once, not every retry.
    match rx.recv_timeout(Duration::from_secs(2)).expect("an event") {
        Event::Error(CameraError::NotFound { index: 0 }) => {}
        other => panic!("expected NotFound, got {other:?}"),
    }
    assert!(rx.recv_timeout(Duration::from_millis(1200)).is_err());
    plug.plug_in();
    wait_for(&rx, Duration::from_secs(3), "Connected again", |e| {
        matches!(e, Event::Connected(_))
    });
    wait_for(&rx, Duration::from_secs(3), "a frame again", |e| {
        matches!(e, Event::Data(_))
    });
    assert_eq!(worker.stats().opened, 2);
}

#[test]
fn a_stalled_camera_times_out_and_is_reopened() {
    let plug = Hotplug::new();
    let (tx, rx) = channel(8);
    let config = small_face();
    let _worker = spawn(config, face_opener(config, options(Some(&plug))), tx).expect("spawns");
    wait_for(&rx, Duration::from_secs(5), "a frame", |e| {
        matches!(e, Event::Data(_))
    });
    plug.stall();
    let t = Instant::now();
    let error = wait_for(&rx, Duration::from_secs(3), "an error", |e| {
        matches!(e, Event::Error(_))
    });
    assert!(
        matches!(error, Event::Error(CameraError::Timeout(d)) if d == config.frame_timeout()),
        "{error:?}"
    );
    assert!(t.elapsed() >= config.frame_timeout() - Duration::from_millis(100));
    assert!(matches!(
        rx.recv_timeout(Duration::from_secs(1)),
        Ok(Event::Disconnected { .. })
    ));
    plug.plug_in();
    wait_for(&rx, Duration::from_secs(3), "Connected again", |e| {
        matches!(e, Event::Connected(_))
    });
}

/// Plays a list of frames, then keeps repeating the last one.
struct Scripted(VecDeque<Vec<u8>>, u64);

impl FrameSource for Scripted {
    fn info(&self) -> DeviceInfo {
        DeviceInfo {
            class: DeviceClass::FaceCamera,
            backend: Backend::Simulated,
            model: "scripted".into(),
            location: "test".into(),
            details: Vec::new(),
        }
    }

    fn next_frame(&mut self, _timeout: Duration) -> Result<RawFrame, CameraError> {
        std::thread::sleep(Duration::from_millis(5));
        let bytes = if self.0.len() > 1 {
            self.0.pop_front().unwrap_or_default()
        } else {
            self.0.front().cloned().unwrap_or_default()
        };
        self.1 += 1;
        Ok(RawFrame {
            format: PixelFormat::Mjpeg,
            width: 160,
            height: 120,
            bytes,
            sequence: self.1,
            captured_at: Instant::now(),
        })
    }
}

#[test]
fn bad_frames_are_reported_and_the_stream_goes_on() {
    let good = std::fs::read(format!(
        "{}/tests/data/face_422_q80_nodht.jpg",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("test data");
    let mut script = VecDeque::new();
    for i in 0..10u8 {
        script.push_back(good.clone());
        script.push_back(good[..good.len() / 2].to_vec()); // truncated
        script.push_back(vec![i; 300]); // garbage
    }
    script.push_back(good.clone());
    let (tx, rx) = channel(64);
    let config = CameraConfig {
        width: 160,
        height: 120,
        ..CameraConfig::face(0)
    };
    let mut script = Some(script);
    let worker = spawn(
        config,
        move || {
            let s = script
                .take()
                .unwrap_or_else(|| VecDeque::from([Vec::new()]));
            Ok(Box::new(Scripted(s, 0)) as Box<dyn FrameSource>)
        },
        tx,
    )
    .expect("spawns");
    let mut frames = 0;
    let mut errors = 0;
    let end = Instant::now() + Duration::from_secs(3);
    while frames < 15 && Instant::now() < end {
        match rx.recv_timeout(Duration::from_secs(1)) {
            Ok(Event::Data(f)) => {
                assert_eq!(f.rgb.dimensions(), (160, 120));
                frames += 1;
            }
            Ok(Event::Error(CameraError::Decode { format, .. })) => {
                assert_eq!(format, PixelFormat::Mjpeg);
                errors += 1;
            }
            Ok(Event::Connected(_)) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(frames >= 15, "{frames} frames");
    // 20 bad frames in ~150 ms: reported, but at most once a second.
    assert_eq!(errors, 1);
    let stats = worker.stats();
    assert_eq!(stats.decode_errors, 20);
    assert_eq!(stats.opened, 1);
}

#[test]
fn the_worker_ends_when_the_consumer_goes_away() {
    let (tx, rx) = channel(2);
    let config = small_face();
    let worker = spawn(config, face_opener(config, options(None)), tx).expect("spawns");
    wait_for(&rx, Duration::from_secs(5), "a frame", |e| {
        matches!(e, Event::Data(_))
    });
    drop(rx);
    let end = Instant::now() + Duration::from_secs(2);
    while !worker.is_finished() && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(worker.is_finished());
    assert!(worker.stop());
}

#[test]
fn stopping_is_prompt_while_the_camera_is_missing() {
    let (tx, rx) = channel(2);
    let config = small_face();
    let worker = spawn(config, || Err(CameraError::NotFound { index: 0 }), tx).expect("spawns");
    assert!(matches!(
        rx.recv_timeout(Duration::from_secs(1)),
        Ok(Event::Error(CameraError::NotFound { index: 0 }))
    ));
    let t = Instant::now();
    assert!(worker.stop());
    assert!(t.elapsed() < Duration::from_millis(300));
}
