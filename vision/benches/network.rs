//! Network benchmark (a bench binary, `cargo bench -p rekam-vision`): one run of the face
//! detector's network (MediaPipe BlazeFace, short range, the model file Rekam ships) on its
//! 128x128 input, by this engine and by tract (the reference), side by side, on one thread.
//!
//! The inputs are eight deterministic pictures in the network's range (-1 to 1): soft gradients
//! with a bright oval and a little noise. The network costs the same whatever it is shown (no
//! branch depends on the values), so no camera is needed. Results in docs/PERFORMANCE.md; for a
//! clean figure on a busy machine run the built binary under `taskset -c 0`.

use std::time::{Duration, Instant};

use rekam_vision::reference::Tract;
use rekam_vision::{Net, parse};

static MODEL: &[u8] = include_bytes!("../../assets/models/blazeface-front-128.onnx");
const SIDE: usize = 128;

fn inputs() -> Vec<Vec<f32>> {
    let mut noise = 0x2545_f491_4f6c_dd1d_u64;
    (0..8)
        .map(|k| {
            (0..SIDE * SIDE * 3)
                .map(|i| {
                    let (p, c) = (i / 3, i % 3);
                    let (x, y) = (
                        (p % SIDE) as f32 / SIDE as f32,
                        (p / SIDE) as f32 / SIDE as f32,
                    );
                    let (dx, dy) = (x - 0.5, (y - 0.45) * 0.8);
                    let oval = if dx * dx + dy * dy < 0.06 { 0.6 } else { 0.0 };
                    noise ^= noise << 13;
                    noise ^= noise >> 7;
                    noise ^= noise << 17;
                    let grain = (noise >> 40) as f32 / (1 << 24) as f32 - 0.5;
                    (x * 0.5 + y * 0.3 + c as f32 * 0.1 + k as f32 * 0.05 + oval + 0.1 * grain
                        - 0.7)
                        .clamp(-1.0, 1.0)
                })
                .collect()
        })
        .collect()
}

/// Median, 95th percentile and maximum wall time of `rounds` calls of `f`.
fn time(rounds: usize, mut f: impl FnMut()) -> [Duration; 3] {
    let mut times: Vec<Duration> = (0..rounds)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    [at(0.5), at(0.95), at(1.0)]
}

fn main() {
    // `cargo bench` passes `--bench`; anything else (cargo test's listing) runs nothing.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let proto = parse(MODEL).expect("model");
    let t = Instant::now();
    let net = Net::from_onnx(&proto).expect("engine");
    println!(
        "engine plan: {:.1} ms; {:.1} M multiply-adds a run",
        t.elapsed().as_secs_f64() * 1e3,
        net.macs() as f64 / 1e6
    );
    let tract = Tract::new(&proto, &[1, SIDE, SIDE, 3]).expect("tract");
    let inputs = inputs();
    let mut k = 0;
    let mut next = || {
        k += 1;
        &inputs[k % inputs.len()]
    };
    // Warm up (the first runs allocate the buffers).
    for _ in 0..20 {
        net.run(next()).expect("run");
        tract.run(next()).expect("run");
    }
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let report = |name: &str, [median, p95, max]: [Duration; 3]| {
        println!(
            "{name:7} median {:6.2} ms  p95 {:6.2} ms  max {:6.2} ms",
            ms(median),
            ms(p95),
            ms(max)
        );
    };
    println!("one run on 128x128, one thread:");
    report(
        "engine",
        time(300, || {
            net.run(next()).expect("run");
        }),
    );
    report(
        "tract",
        time(100, || {
            tract.run(next()).expect("run");
        }),
    );
}
