//! Face quality gate benchmark (a bench binary, `cargo bench --bench face_quality`).
//!
//! On 1280x720 frames of the simulated face camera (the real portrait on the red backdrop,
//! through the real MJPEG decoder), one thread:
//! - `detect`: BlazeFace over the frame's three square tiles, then once more around the face
//!   found (four network runs);
//! - `assess`: the whole gate, detection included: what every preview frame costs;
//! - `token`: cutting the 480x640 token image and encoding it as JPEG (once per photo taken).
//!
//! Target: the whole gate under 20 ms on one core (live guidance at 30 fps). tract runs a
//! network on the calling thread only; for a clean figure on a busy machine run the built
//! binary under `taskset -c 0` (docs/PERFORMANCE.md gives the command).

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

/// Runs `f` over the frames `rounds` times; returns the median, 95th percentile and maximum
/// per call.
fn time(rounds: usize, frames: &[RgbImage], mut f: impl FnMut(&RgbImage)) -> [Duration; 3] {
    let mut times = Vec::with_capacity(rounds * frames.len());
    for _ in 0..rounds {
        for frame in frames {
            let t = Instant::now();
            f(frame);
            times.push(t.elapsed());
        }
    }
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    [at(0.5), at(0.95), at(1.0)]
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
        "model load and optimisation: {:.0} ms",
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
    let report = |name: &str, [median, p95, max]: [Duration; 3]| {
        println!(
            "{name:8} median {:6.2} ms   p95 {:6.2} ms   max {:6.2} ms",
            ms(median),
            ms(p95),
            ms(max)
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
