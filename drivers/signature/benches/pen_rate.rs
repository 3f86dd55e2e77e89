//! End to end at the pad's sample rate: a simulated pad writes a signature at 200 samples per
//! second (and then at ten times that) into a pty, the driver worker reads it on its own thread
//! and hands samples over its channel; this counts what was lost and how late samples were.
//!
//! Run: `cargo bench -p rekam-signature --bench pen_rate`

use std::time::{Duration, Instant};

use rekam_device::{Backend, Event, channel};
use rekam_signature::sim::{self, Faults, PadSimulator};
use rekam_signature::{Pad, PadConfig, PadEvent};
use serialport::{SerialPort, TTYPort};

fn run(rate_hz: f64, signings: u64) -> (usize, usize, Duration) {
    let (mut device, mut host) = TTYPort::pair().expect("pty pair");
    device
        .set_timeout(Duration::from_millis(10))
        .expect("timeout");
    host.set_timeout(Duration::from_millis(50))
        .expect("timeout");
    let config = PadConfig {
        port: host.name().unwrap_or_else(|| "pty".into()),
        settle_ms: 20,
        ..PadConfig::default()
    };
    let sim = std::thread::spawn(move || {
        let mut pad = PadSimulator::new(device, sim::DEFAULT_CAPABILITIES);
        assert!(pad.wait_started(Duration::from_secs(5)).expect("io"));
        let mut written = 0;
        for s in 1..=signings {
            written += pad
                .sign(&sim::handwritten(5, s), rate_hz, &Faults::default())
                .expect("io");
        }
        // Keep the line open until the host has read everything.
        std::thread::sleep(Duration::from_millis(300));
        written
    });
    let (tx, rx) = channel(4096);
    let mut host = Some(host);
    let worker = rekam_signature::spawn_with(
        move |epoch| match host.take() {
            Some(port) => Pad::handshake(port, &config, Backend::Simulated, epoch),
            None => Err(rekam_signature::SignatureError::Disconnected("used".into())),
        },
        tx,
    )
    .expect("worker");
    let start = Instant::now();
    let mut received = 0;
    let mut worst = Duration::ZERO;
    let mut last_t = 0u64;
    while let Ok(ev) = rx.recv_timeout(Duration::from_millis(1000)) {
        if let Event::Data(PadEvent::Sample(s)) = ev {
            if s.report.tip {
                received += 1;
            }
            // Gap between consecutive samples as the host saw them: the worst delay a
            // sample suffered on its way through the pty and the driver.
            let gap = Duration::from_micros(s.t_us.saturating_sub(last_t));
            if last_t != 0 {
                worst = worst.max(gap);
            }
            last_t = s.t_us;
        }
        if sim.is_finished() && rx.is_empty() && start.elapsed() > Duration::from_secs(1) {
            break;
        }
    }
    let written = sim.join().expect("sim");
    drop(worker);
    (written, received, worst)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    for (rate, signings) in [(200.0, 5), (2000.0, 20)] {
        let t = Instant::now();
        let (written, received, worst) = run(rate, signings);
        println!(
            "pen_rate {rate:>6} samples/s: written {written}, received {received}, lost {}, \
             largest gap between samples {:.1} ms, {:.1} s",
            written - received,
            worst.as_secs_f64() * 1e3,
            t.elapsed().as_secs_f64()
        );
        assert_eq!(written, received, "pen events lost at {rate} samples/s");
    }
}
