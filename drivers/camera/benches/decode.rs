//! Decoding one frame, and decoding plus handing it over the way the worker does (into an
//! `Arc`, through `send_latest` on a full channel), for the sizes the station uses:
//! `cargo bench -p rekam-camera --bench decode`.
//!
//! MJPEG frames come from the simulated face camera (`image`'s encoder: 4:4:4, quality 90,
//! Huffman tables stripped as webcams do) and, if ImageMagick's `convert` is installed, the same
//! picture as libjpeg encodes it for a webcam (4:2:2, quality 90).

use std::hint::black_box;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rekam_camera::{
    Background, CameraConfig, Event, Eye, FrameSource, PixelFormat, RawFrame, SimOptions,
    SimulatedCamera, channel, decode, mjpeg, yuyv_to_rgb,
};

fn sim_frame(config: &CameraConfig, iris: bool) -> RawFrame {
    let options = SimOptions {
        realtime: false,
        loop_frames: Some(4),
        ..SimOptions::default()
    };
    let mut cam = if iris {
        SimulatedCamera::iris(config, Eye::Right, 1, options)
    } else {
        SimulatedCamera::face(config, Background::Red, 1, options)
    }
    .expect("simulator opens");
    cam.next_frame(Duration::from_secs(1)).expect("a frame")
}

/// The simulated face frame re-encoded by libjpeg (ImageMagick) as 4:2:2, if `convert` exists.
fn libjpeg_422(config: &CameraConfig) -> Option<RawFrame> {
    let options = SimOptions {
        realtime: false,
        loop_frames: Some(4),
        ..SimOptions::default()
    };
    let cam = SimulatedCamera::face(config, Background::Red, 1, options).ok()?;
    let dir = std::env::temp_dir();
    let png = dir.join(format!("rekam-bench-{}.png", std::process::id()));
    let jpg = png.with_extension("jpg");
    cam.render_rgb(0).save(&png).ok()?;
    let ok = Command::new("convert")
        .arg(&png)
        .args(["-sampling-factor", "2x1", "-quality", "90"])
        .arg(&jpg)
        .status()
        .ok()?
        .success();
    let bytes = std::fs::read(&jpg).ok();
    let _ = std::fs::remove_file(&png);
    let _ = std::fs::remove_file(&jpg);
    if !ok {
        return None;
    }
    Some(RawFrame {
        format: PixelFormat::Mjpeg,
        width: config.width,
        height: config.height,
        bytes: bytes?,
        sequence: 1,
        captured_at: Instant::now(),
    })
}

fn bench_frame(c: &mut Criterion, name: &str, frame: &RawFrame) {
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(1));
    group.bench_function("decode", |b| b.iter(|| decode(black_box(frame))));
    // What the worker does per frame: decode, wrap, send_latest into a channel the consumer
    // is not emptying (so every send also drops the oldest frame).
    let (tx, rx) = channel(2);
    group.bench_function("decode_and_hand_over", |b| {
        b.iter(|| {
            let rgb = decode(black_box(frame)).expect("decodes");
            tx.send_latest(Event::<_, ()>::Data(Arc::new(rgb)))
                .expect("receiver alive")
        })
    });
    drop(rx);
    group.finish();
}

fn benches(c: &mut Criterion) {
    let face = CameraConfig::face(0);
    let mjpeg_444 = sim_frame(&face, false);
    println!(
        "simulated 1280x720 MJPEG frame: {} bytes, Huffman tables {}",
        mjpeg_444.bytes.len(),
        if mjpeg::inspect(&mjpeg_444.bytes)
            .map(|l| l.has_dht)
            .unwrap_or(true)
        {
            "present"
        } else {
            "omitted"
        }
    );
    bench_frame(c, "mjpeg_1280x720_444_q90_nodht", &mjpeg_444);
    c.bench_function("mjpeg_1280x720_marker_walk", |b| {
        b.iter(|| mjpeg::inspect(black_box(&mjpeg_444.bytes)))
    });
    match libjpeg_422(&face) {
        Some(frame) => {
            println!("libjpeg 1280x720 4:2:2 frame: {} bytes", frame.bytes.len());
            bench_frame(c, "mjpeg_1280x720_422_q90_libjpeg", &frame);
        }
        None => println!("ImageMagick `convert` not found: 4:2:2 benchmark skipped"),
    }
    let face_yuyv = CameraConfig {
        format: PixelFormat::Yuyv,
        ..face
    };
    let yuyv = sim_frame(&face_yuyv, false);
    bench_frame(c, "yuyv_1280x720", &yuyv);
    // The conversion alone, into a buffer that is reused (no allocation, no page faults).
    let mut out = vec![0u8; 1280 * 720 * 3];
    c.bench_function("yuyv_1280x720/convert_only", |b| {
        b.iter(|| yuyv_to_rgb(black_box(&yuyv.bytes), 1280, 720, &mut out))
    });
    bench_frame(
        c,
        "yuyv_640x480_iris",
        &sim_frame(&CameraConfig::iris(0), true),
    );
}

criterion_group! {
    name = decoding;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = benches
}
criterion_main!(decoding);
