//! The driver against the simulated scanner through the same `Scanner` code that drives
//! hardware: every capture mode, the documented errors, faults on the link (lost, damaged,
//! duplicated chunks, garbage, a wrong image CRC, a full host queue), a slow consumer at the
//! USB high-speed report rate, cancel, a hung device and an unplug mid-transfer.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use rekam_device::{Backend, DeviceClass};
use rekam_fingerprint::protocol::{self, DeviceState, ErrorCode, Input};
use rekam_fingerprint::sim::{Fault, HIDRAW_QUEUE, SimConfig, SimDevice, StallingHost};
use rekam_fingerprint::synth::SyntheticPerson;
use rekam_fingerprint::{
    CaptureMode, CaptureObserver, Finger, FingerprintError, Progress, Scanner, Transport,
};

fn person() -> Arc<SyntheticPerson> {
    static P: OnceLock<Arc<SyntheticPerson>> = OnceLock::new();
    P.get_or_init(|| Arc::new(SyntheticPerson::new(77))).clone()
}

fn device(config: SimConfig) -> SimDevice {
    SimDevice::new(config).with_person(person())
}

fn scanner(dev: &SimDevice) -> Scanner<rekam_fingerprint::SimulatedScanner> {
    Scanner::open(dev.open().expect("plugged")).expect("opens")
}

const T: Duration = Duration::from_secs(5);

/// The captured image is exactly the one the device sent, and it holds a print.
fn check_exact(dev: &SimDevice, c: &rekam_fingerprint::Capture) {
    let sent = dev.last_image().expect("device sent an image");
    assert_eq!(c.mode, sent.mode);
    assert_eq!(
        (c.width, c.height),
        (u32::from(sent.width), u32::from(sent.height))
    );
    assert!(
        c.pixels == *sent.pixels,
        "reassembled image differs from the one sent"
    );
    let skin = c.pixels.iter().filter(|&&v| v < 200).count();
    assert!(skin > c.pixels.len() / 20, "no print in the image");
}

#[test]
fn open_reads_device_information() {
    let dev = device(SimConfig::fast());
    let s = scanner(&dev);
    let i = s.info();
    assert_eq!(i.ppi, 500);
    assert_eq!(i.flat_size, (400, 500));
    assert_eq!(i.slap_size, (1600, 1500));
    assert_eq!(i.thumbs_size, (1600, 1000));
    assert_eq!(i.serial, "SIM0001");
    let d = s.device_info();
    assert_eq!(d.class, DeviceClass::Fingerprint);
    assert_eq!(d.backend, Backend::Simulated);
    assert!(d.model.contains("SIM-500"));
    assert!(d.details.contains(&("resolution".into(), "500 ppi".into())));
    assert!(d.details.contains(&("serial".into(), "SIM0001".into())));
}

#[test]
fn every_mode_captures_the_exact_image() {
    let dev = device(SimConfig::fast());
    let mut s = scanner(&dev);
    let mut modes: Vec<CaptureMode> = Finger::ALL.iter().map(|&f| CaptureMode::Flat(f)).collect();
    modes.extend([
        CaptureMode::SlapRight,
        CaptureMode::SlapLeft,
        CaptureMode::TwoThumbs,
    ]);
    for mode in modes {
        let c = s.capture(mode, T).unwrap_or_else(|e| panic!("{mode}: {e}"));
        let (w, h) = mode.image_size();
        assert_eq!(
            (c.width, c.height, c.ppi),
            (u32::from(w), u32::from(h), 500)
        );
        check_exact(&dev, &c);
        let st = s.last_stats();
        assert_eq!(
            (st.gaps, st.resends, st.garbage),
            (0, 0, 0),
            "{mode}: {st:?}"
        );
        assert_eq!(st.chunks as usize, protocol::chunk_count(c.pixels.len()));
    }
    assert_eq!(dev.stats().reports_dropped, 0);
}

#[test]
fn any_window_down_to_stop_and_wait_transfers_the_image() {
    let dev = device(SimConfig::fast());
    let mut s = scanner(&dev);
    for window in [1, 7, 48, 1000] {
        s.set_window(window);
        let c = s
            .capture(CaptureMode::Flat(Finger::RightMiddle), T)
            .expect("captures");
        check_exact(&dev, &c);
        let st = s.last_stats();
        assert_eq!((st.gaps, st.resends), (0, 0), "window {window}: {st:?}");
        // Window 1 is stop-and-wait: one acknowledgement per chunk.
        if window == 1 {
            assert_eq!(st.acks, 200, "{st:?}");
        }
    }
}

#[test]
fn consecutive_captures_are_new_impressions() {
    let dev = device(SimConfig::fast());
    let mut s = scanner(&dev);
    let a = s
        .capture(CaptureMode::Flat(Finger::RightIndex), T)
        .expect("first");
    let b = s
        .capture(CaptureMode::Flat(Finger::RightIndex), T)
        .expect("second");
    assert_ne!(a.pixels, b.pixels);
    assert_ne!(a.image_id, b.image_id);
}

#[derive(Default)]
struct Recorder {
    seen: Vec<Progress>,
    cancel_after: Option<Instant>,
}

impl CaptureObserver for Recorder {
    fn progress(&mut self, p: Progress) {
        self.seen.push(p);
    }
    fn should_cancel(&mut self) -> bool {
        self.cancel_after.is_some_and(|t| Instant::now() >= t)
    }
}

#[test]
fn progress_reports_finger_and_transfer() {
    let dev = device(SimConfig::fast());
    let mut s = scanner(&dev);
    let mut r = Recorder::default();
    let c = s
        .capture_with(CaptureMode::SlapLeft, T, &mut r)
        .expect("captures");
    assert_eq!(r.seen[0], Progress::WaitingForFinger);
    assert!(r.seen.contains(&Progress::FingerPresent {
        fingers: 4,
        expected: 4
    }));
    let transfers: Vec<usize> = r
        .seen
        .iter()
        .filter_map(|p| match p {
            Progress::Transfer { received, .. } => Some(*received),
            _ => None,
        })
        .collect();
    assert!(transfers.len() >= 10, "{transfers:?}");
    assert!(transfers.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(transfers.last(), Some(&c.pixels.len()));
}

#[test]
fn device_errors_map_to_their_variants_and_the_device_recovers() {
    let dev = device(SimConfig::fast());
    let mut s = scanner(&dev);
    let flat = CaptureMode::Flat(Finger::LeftThumb);
    for (fault, want) in [
        (Fault::FingerLifted, "FingerLifted"),
        (Fault::Busy, "Busy"),
        (Fault::SensorFault, "DeviceFault"),
    ] {
        dev.arm(fault);
        let e = s.capture(flat, T).expect_err("fails");
        assert!(format!("{e:?}").starts_with(want), "{e:?}");
        // The next capture works: the device is idle again.
        check_exact(&dev, &s.capture(flat, T).expect("recovers"));
    }
}

#[test]
fn no_finger_times_out_on_the_devices_word() {
    let dev = device(SimConfig::fast());
    let mut s = scanner(&dev);
    dev.arm(Fault::NoFinger);
    let t = Instant::now();
    let e = s
        .capture(CaptureMode::TwoThumbs, Duration::from_millis(150))
        .expect_err("no finger");
    assert!(matches!(e, FingerprintError::NoFinger), "{e:?}");
    assert!(t.elapsed() >= Duration::from_millis(150));
    assert!(
        t.elapsed() < Duration::from_millis(1000),
        "{:?}",
        t.elapsed()
    );
}

#[test]
fn a_hung_device_is_a_timeout_not_a_hang() {
    let dev = device(SimConfig::fast());
    let mut s = scanner(&dev);
    dev.arm(Fault::Silent);
    let t = Instant::now();
    let e = s
        .capture(
            CaptureMode::Flat(Finger::RightRing),
            Duration::from_secs(30),
        )
        .expect_err("silent device");
    assert!(matches!(e, FingerprintError::Timeout(_)), "{e:?}");
    // Noticed by the missing heartbeat, long before the 30 s finger timeout.
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
}

#[test]
fn link_faults_are_repaired_by_resends() {
    let dev = device(SimConfig::fast());
    let mut s = scanner(&dev);
    for faults in [
        vec![Fault::DropChunks(vec![0, 1, 2, 700, 1000, 2399])],
        vec![Fault::CorruptChunk(5), Fault::CorruptChunk(2399)],
        vec![Fault::DuplicateChunk(10), Fault::DuplicateChunk(11)],
        vec![Fault::Garbage(7)],
        vec![Fault::WrongImageCrc],
        vec![
            Fault::Garbage(13),
            Fault::DropChunks(vec![3, 4, 5, 6, 7, 1999]),
            Fault::DuplicateChunk(100),
            Fault::CorruptChunk(101),
        ],
    ] {
        for f in &faults {
            dev.arm(f.clone());
        }
        let c = s
            .capture(CaptureMode::SlapRight, T)
            .unwrap_or_else(|e| panic!("{faults:?}: {e}"));
        check_exact(&dev, &c);
        let st = s.last_stats();
        assert!(
            st.resends > 0 || st.duplicates > 0 || st.garbage > 0,
            "{faults:?} went unnoticed: {st:?}"
        );
    }
}

#[test]
fn slow_consumer_at_the_high_speed_rate_loses_nothing() {
    // The device sends 24,000 reports a second whether the host reads or not; the host stalls
    // 3 ms (72 reports' worth) every 40 reads. The window keeps the hidraw queue from
    // overflowing, so nothing is dropped and nothing needs resending.
    let config = SimConfig {
        finger_delay: Duration::from_millis(5),
        settle: Duration::from_millis(5),
        ..SimConfig::default()
    };
    let dev = device(config);
    let slow = StallingHost::new(dev.open().expect("plugged"), 40, Duration::from_millis(3));
    let mut s = Scanner::open(slow).expect("opens");
    let t = Instant::now();
    let c = s.capture(CaptureMode::SlapRight, T).expect("captures");
    let took = t.elapsed();
    check_exact(&dev, &c);
    let st = s.last_stats();
    assert_eq!(dev.stats().reports_dropped, 0, "{:?}", dev.stats());
    assert_eq!((st.gaps, st.resends), (0, 0), "{st:?}");
    // 2,400 chunks cannot arrive faster than the link carries them (0.1 s).
    assert!(took >= Duration::from_millis(100), "{took:?}");
}

#[test]
fn overflowing_host_queue_is_recovered_by_go_back_n() {
    // A host queue smaller than the window (a misconfigured device or host): reports are
    // dropped; the host notices the gaps and asks again, and the image still arrives intact.
    const SMALL_QUEUE: usize = 16;
    const { assert!(SMALL_QUEUE < HIDRAW_QUEUE) };
    let config = SimConfig {
        host_queue: SMALL_QUEUE,
        finger_delay: Duration::from_millis(5),
        settle: Duration::from_millis(5),
        ..SimConfig::default()
    };
    let dev = device(config);
    let slow = StallingHost::new(dev.open().expect("plugged"), 30, Duration::from_millis(4));
    let mut s = Scanner::open(slow).expect("opens");
    let c = s
        .capture(CaptureMode::TwoThumbs, T)
        .unwrap_or_else(|e| panic!("{e}: {:?} {:?}", s.last_stats(), dev.stats()));
    check_exact(&dev, &c);
    assert!(dev.stats().reports_dropped > 0, "{:?}", dev.stats());
    assert!(s.last_stats().resends > 0);
}

#[test]
fn unplug_mid_transfer_is_a_clear_error_and_reopening_works() {
    let dev = device(SimConfig::fast());
    let mut s = scanner(&dev);
    dev.arm(Fault::UnplugAfterChunks(600));
    let e = s.capture(CaptureMode::SlapLeft, T).expect_err("unplugged");
    assert!(matches!(e, FingerprintError::Disconnected(_)), "{e:?}");
    assert!(e.is_disconnect());
    // The old handle stays dead, like a hidraw file of a removed device.
    let e = s.capture(CaptureMode::SlapLeft, T).expect_err("still dead");
    assert!(matches!(e, FingerprintError::Disconnected(_)), "{e:?}");
    let e = dev.open().expect_err("nothing to open");
    assert!(matches!(e, FingerprintError::NotFound(_)), "{e:?}");
    dev.plug();
    let mut s = scanner(&dev);
    check_exact(
        &dev,
        &s.capture(CaptureMode::SlapLeft, T).expect("works again"),
    );
}

#[test]
fn unplug_while_waiting_for_the_finger_is_noticed_at_once() {
    let config = SimConfig {
        finger_delay: Duration::from_secs(10),
        ..SimConfig::fast()
    };
    let dev = device(config);
    let mut s = scanner(&dev);
    let other = dev.clone();
    let puller = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        other.unplug();
    });
    let t = Instant::now();
    let e = s
        .capture(
            CaptureMode::Flat(Finger::RightIndex),
            Duration::from_secs(20),
        )
        .expect_err("unplugged");
    assert!(matches!(e, FingerprintError::Disconnected(_)), "{e:?}");
    assert!(
        t.elapsed() < Duration::from_millis(600),
        "{:?}",
        t.elapsed()
    );
    puller.join().expect("no panic");
}

#[test]
fn cancel_stops_a_capture_and_leaves_the_device_idle() {
    let config = SimConfig {
        finger_delay: Duration::from_secs(10),
        ..SimConfig::fast()
    };
    let dev = device(config);
    let mut s = scanner(&dev);
    let mut r = Recorder {
        cancel_after: Some(Instant::now() + Duration::from_millis(80)),
        ..Recorder::default()
    };
    let e = s
        .capture_with(CaptureMode::SlapRight, Duration::from_secs(20), &mut r)
        .expect_err("cancelled");
    assert!(matches!(e, FingerprintError::Cancelled), "{e:?}");
    // Idle: a cancel now is confirmed at once, and the next capture is not refused as busy.
    s.cancel().expect("cancel when idle is confirmed");
    let e = s
        .capture(
            CaptureMode::Flat(Finger::LeftIndex),
            Duration::from_millis(50),
        )
        .expect_err("finger never comes within 50 ms");
    assert!(matches!(e, FingerprintError::NoFinger), "{e:?}");
}

#[test]
fn unsupported_modes_are_refused() {
    let mut config = SimConfig::fast();
    config.info.modes = CaptureMode::Flat(Finger::RightThumb).mask_bit();
    let dev = device(config);
    let mut s = scanner(&dev);
    let e = s.capture(CaptureMode::SlapLeft, T).expect_err("flat only");
    assert!(matches!(e, FingerprintError::Unsupported(_)), "{e:?}");
    // The device refuses it too, if asked directly.
    let mut t = dev.open().expect("plugged");
    t.write(
        &protocol::Command::StartCapture {
            seq: 9,
            mode: CaptureMode::SlapLeft,
            finger_timeout_ms: 1000,
            window: 8,
        }
        .encode(),
    )
    .expect("written");
    let mut buf = [0u8; 1024];
    let n = t.read_timeout(&mut buf, T).expect("answer");
    match protocol::decode_input(&buf[..n]) {
        Ok(Input::Error(e)) => {
            assert_eq!((e.seq, e.code), (9, ErrorCode::UnsupportedMode));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn firmware_answers_with_the_documented_bytes() {
    // The sequence of docs/devices/fingerprint.md, "Example: a flat capture", byte for byte.
    let dev = device(SimConfig::fast());
    let mut t = dev.open().expect("plugged");
    t.send_feature_report(&[0x02, b'R', b'S', b'T', 0, 0, 0, 0])
        .expect("reset");
    let mut info = [0u8; 128];
    info[0] = 0x01;
    assert_eq!(t.get_feature_report(&mut info).expect("info"), 128);
    assert_eq!(
        &info[..28],
        &[
            0x01, b'R', b'K', b'F', b'P', 0x01, 0x01, 0x00, 0x00, 0x0F, 0xF4, 0x01, 0x30, 0x00,
            0xE8, 0x03, 0x90, 0x01, 0xF4, 0x01, 0x40, 0x06, 0xDC, 0x05, 0x40, 0x06, 0xE8, 0x03
        ]
    );
    let mut start = [0u8; 64];
    start[..9].copy_from_slice(&[0x10, 0x01, 0x07, 0x01, 0x07, 0x10, 0x27, 0x20, 0x00]);
    t.write(&start).expect("start");
    let read = |t: &mut rekam_fingerprint::SimulatedScanner| {
        let mut buf = [0u8; 1024];
        let n = t.read_timeout(&mut buf, T).expect("report");
        buf[..n].to_vec()
    };
    let waiting = read(&mut t);
    assert_eq!(waiting.len(), 64);
    assert_eq!(
        &waiting[..9],
        &[0x21, 0x07, 0x01, 0x00, 0x01, 0x01, 0x00, 0x01, 0x00]
    );
    let capturing = read(&mut t);
    assert_eq!(
        &capturing[..9],
        &[0x21, 0x07, 0x02, 0x01, 0x01, 0x01, 0x00, 0x01, 90]
    );
    let transferring = read(&mut t);
    assert_eq!(
        &transferring[..9],
        &[0x21, 0x07, 0x03, 0x01, 0x01, 0x01, 0x00, 0x01, 90]
    );
    let chunk = read(&mut t);
    assert_eq!(chunk.len(), 1024);
    assert_eq!(
        &chunk[..16],
        &[
            0x30, 0x01, 0x01, 0x00, 0x00, 0x00, 0xC8, 0x00, 0x90, 0x01, 0xF4, 0x01, 0xE8, 0x03, 0,
            0
        ]
    );
    // The window of 32 chunks, then nothing until the host acknowledges.
    for i in 1..32u16 {
        let c = read(&mut t);
        assert_eq!(u16::from_le_bytes([c[4], c[5]]), i);
    }
    let mut buf = [0u8; 1024];
    assert_eq!(
        t.read_timeout(&mut buf, Duration::from_millis(30))
            .expect("quiet"),
        0
    );
    let ack = protocol::Command::Ack {
        seq: 8,
        image_id: 1,
        next: 16,
    }
    .encode();
    assert_eq!(&ack[..7], &[0x10, 0x03, 0x08, 0x01, 0x00, 0x10, 0x00]);
    t.write(&ack).expect("ack");
    let c = read(&mut t);
    assert_eq!(u16::from_le_bytes([c[4], c[5]]), 32);
    // Cancel: confirmed with a Cancelled status carrying the cancel's seq.
    t.write(&protocol::Command::Cancel { seq: 9 }.encode())
        .expect("cancel");
    let mut last = read(&mut t);
    while last[0] == 0x30 {
        last = read(&mut t);
    }
    assert_eq!(&last[..3], &[0x21, 0x09, DeviceState::Cancelled.code()]);
}
