//! Face quality gate benchmark (a bench binary, `cargo bench --bench face_quality`).
//!
//! On 1280x720 frames of the simulated face camera (the real portrait on the red backdrop,
//! through the real MJPEG decoder), one thread:
//! - `detect`: BlazeFace over the frame's three square tiles, then once more around the face
//!   found (four network runs);
//! - `assess`: the whole gate, detection included: what every preview frame costs;
//! - `token`: cutting the 480x640 token image and encoding it as JPEG (once per photo taken).
//!
//! One run of the network alone, by the detector's engine and by tract, is the engine crate's
//! own benchmark (`cargo bench -p rekam-vision`).
//!
//! Target: the whole gate under 20 ms on one core (live guidance at 30 fps). The detector's
//! engine, like tract, runs a network on the calling thread only; for a clean figure on a busy
//! machine run the built binary under `taskset -c 0` (docs/PERFORMANCE.md gives the command).

use std::time::{Duration, Instant};

use image::RgbImage;
use rekam::capture::face::{self, detect::Detector};
use rekam_camera::{Background, CameraConfig, FrameSource, SimOptions, SimulatedCamera};

fn frames() -> Vec<RgbImage> {
    let options = SimOptions {
        loop_frames: Some(8),
        realtime: false,
        ..SimOptions::default()
    };
    let mut camera =
        SimulatedCamera::face(&CameraConfig::face(0), Background::Red, 7, options).expect("camera");
    (0..8)
        .map(|_| {
            let raw = camera.next_frame(Duration::from_secs(5)).expect("frame");
            rekam_camera::decode(&raw).expect("decoded")
        })
        .collect()
}

/// CPU time this thread has run, from the scheduler's own account: what one core spends,
/// whatever else the machine is doing. Its resolution here is the scheduler tick (4 ms), so only
/// its mean over many calls means anything.
fn thread_cpu() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .map_or(Duration::ZERO, Duration::from_nanos)
}

/// Runs `f` over the frames `rounds` times; returns the median, 95th percentile and maximum
/// wall time per call, and the thread's mean CPU time per call.
fn time(rounds: usize, frames: &[RgbImage], mut f: impl FnMut(&RgbImage)) -> [Duration; 4] {
    let mut times = Vec::with_capacity(rounds * frames.len());
    let mut cpu = Vec::with_capacity(rounds * frames.len());
    for _ in 0..rounds {
        for frame in frames {
            let (t, c) = (Instant::now(), thread_cpu());
            f(frame);
            times.push(t.elapsed());
            cpu.push(thread_cpu().saturating_sub(c));
        }
    }
    times.sort();
    let at = |v: &[Duration], q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    let mean_cpu = cpu.iter().sum::<Duration>() / cpu.len().max(1) as u32;
    [at(&times, 0.5), at(&times, 0.95), at(&times, 1.0), mean_cpu]
}

fn main() {
    // `cargo bench` passes `--bench`; anything else (cargo test's listing) runs nothing.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let frames = frames();
    let t = Instant::now();
    let detector = Detector::shared().expect("model");
    println!(
        "model load (parsing and planning): {:.0} ms",
        t.elapsed().as_secs_f64() * 1000.0
    );
    // Warm up (first runs allocate the plan's buffers).
    for f in &frames {
        let a = face::assess(f, Some(1991)).expect("assess");
        assert!(
            a.assessment.acceptable,
            "the bench frames must pass the gate"
        );
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let report = |name: &str, [median, p95, max, cpu]: [Duration; 4]| {
        println!(
            "{name:8} wall: median {:6.2} ms  p95 {:6.2} ms  max {:6.2} ms   cpu: mean {:6.2} ms",
            ms(median),
            ms(p95),
            ms(max),
            ms(cpu)
        );
    };
    println!(
        "1280x720 frames, one thread, {} frames x 25 rounds:",
        frames.len()
    );
    report(
        "detect",
        time(25, &frames, |f| {
            detector.detect(f).expect("detect");
        }),
    );
    // The centre square alone: one tile and one refinement, i.e. two network runs.
    let squares: Vec<RgbImage> = frames
        .iter()
        .map(|f| image::imageops::crop_imm(f, 280, 0, 720, 720).to_image())
        .collect();
    report(
        "square",
        time(25, &squares, |f| {
            detector.detect(f).expect("detect");
        }),
    );
    report(
        "assess",
        time(25, &frames, |f| {
            face::assess(f, Some(1991)).expect("assess");
        }),
    );
    let assessed: Vec<_> = frames
        .iter()
        .map(|f| face::assess(f, Some(1991)).expect("assess"))
        .collect();
    let mut i = 0;
    report(
        "token",
        time(5, &frames, |f| {
            let a = &assessed[i % assessed.len()];
            i += 1;
            face::token_jpeg(f, a).expect("a face").expect("jpeg");
        }),
    );
}
