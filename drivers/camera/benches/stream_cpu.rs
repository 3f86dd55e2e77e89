//! CPU cost of streaming: the worker decodes and hands over frames from a simulated camera at
//! 30 fps for several seconds while a consumer takes them; the worker thread's CPU time (from
//! `/proc/self/task/<tid>/schedstat`, nanoseconds) and the whole process's (from
//! `/proc/self/stat`) are measured over the window. Linux only.
//!
//! `cargo bench -p rekam-camera --bench stream_cpu` (`REKAM_BENCH_SECONDS`, default 10, sets
//! the window per scenario).

use std::time::{Duration, Instant};

use rekam_camera::{
    Background, CameraConfig, CameraError, Event, Eye, FrameSource, PixelFormat, SimOptions,
    SimulatedCamera, channel, spawn,
};

/// CPU time of one thread of this process, in nanoseconds.
fn thread_cpu_ns(tid: &str) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/self/task/{tid}/schedstat")).ok()?;
    s.split_whitespace().next()?.parse().ok()
}

/// User plus system CPU time of the whole process, in nanoseconds (clock ticks of 10 ms: the
/// Linux userspace tick, USER_HZ, is 100 on every architecture).
fn process_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = &s[s.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) * 10_000_000)
}

/// The id of this process's thread with that name.
fn find_thread(name: &str) -> Option<String> {
    std::fs::read_dir("/proc/self/task")
        .ok()?
        .flatten()
        .find_map(|e| {
            let comm = std::fs::read_to_string(e.path().join("comm")).ok()?;
            (comm.trim_end() == name).then(|| e.file_name().to_string_lossy().into_owned())
        })
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn scenario(name: &str, config: CameraConfig, iris: bool, window: Duration) {
    let options = SimOptions {
        loop_frames: Some(30),
        ..SimOptions::default()
    };
    let prerender = Instant::now();
    let mut cam = if iris {
        SimulatedCamera::iris(&config, Eye::Left, 7, options)
    } else {
        SimulatedCamera::face(&config, Background::Blue, 7, options)
    }
    .expect("simulator opens");
    cam.prerender().expect("renders");
    let prerender = prerender.elapsed();
    let mut cam = Some(cam);
    let (tx, rx) = channel(2);
    let worker = spawn(
        config,
        move || {
            cam.take()
                .map(|c| Box::new(c) as Box<dyn FrameSource>)
                .ok_or(CameraError::NotFound { index: 0 })
        },
        tx,
    )
    .expect("worker starts");
    let thread = loop {
        if let Some(t) = find_thread(worker.name()) {
            break t;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    // Warm up for a second (caches, allocator), then measure.
    let warm = Instant::now() + Duration::from_secs(1);
    while Instant::now() < warm {
        let _ = rx.recv_timeout(Duration::from_millis(100));
    }
    let (t0, w0, p0) = (
        Instant::now(),
        thread_cpu_ns(&thread).unwrap_or(0),
        process_cpu_ns().unwrap_or(0),
    );
    let stats0 = worker.stats();
    let mut decode = Vec::new();
    let mut handover = Vec::new();
    while t0.elapsed() < window {
        if let Ok(Event::Data(frame)) = rx.recv_timeout(Duration::from_millis(200)) {
            decode.push(frame.decode_time);
            handover.push(frame.captured_at.elapsed());
        }
    }
    let elapsed = t0.elapsed().as_secs_f64();
    let worker_cpu = thread_cpu_ns(&thread).unwrap_or(0).saturating_sub(w0) as f64 / 1e9;
    let process_cpu = process_cpu_ns().unwrap_or(0).saturating_sub(p0) as f64 / 1e9;
    let stats = worker.stats();
    drop(worker);
    decode.sort();
    handover.sort();
    let mean = |v: &[Duration]| ms(v.iter().sum::<Duration>()) / v.len().max(1) as f64;
    println!("{name}");
    println!("  pre-render of 30 loop frames: {:.0} ms", ms(prerender));
    println!(
        "  {:.1} fps received over {elapsed:.1} s; dropped {} of {}",
        decode.len() as f64 / elapsed,
        stats.dropped - stats0.dropped,
        stats.captured - stats0.captured
    );
    println!(
        "  CPU: worker thread {:.1}% of one core, whole process {:.1}%",
        100.0 * worker_cpu / elapsed,
        100.0 * process_cpu / elapsed
    );
    println!(
        "  decode: mean {:.2} ms, p50 {:.2}, p99 {:.2}, max {:.2}",
        mean(&decode),
        ms(percentile(&decode, 0.5)),
        ms(percentile(&decode, 0.99)),
        ms(percentile(&decode, 1.0))
    );
    println!(
        "  capture to consumer: mean {:.2} ms, p99 {:.2}, max {:.2}",
        mean(&handover),
        ms(percentile(&handover, 0.99)),
        ms(percentile(&handover, 1.0))
    );
}

fn main() {
    let secs = std::env::var("REKAM_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10u64);
    let window = Duration::from_secs(secs);
    let face = CameraConfig::face(0);
    scenario("face camera, 1280x720 MJPEG @ 30 fps", face, false, window);
    scenario(
        "iris camera, 640x480 YUYV @ 30 fps",
        CameraConfig::iris(1),
        true,
        window,
    );
    scenario(
        "iris camera, 640x480 MJPEG @ 30 fps",
        CameraConfig {
            format: PixelFormat::Mjpeg,
            ..CameraConfig::iris(1)
        },
        true,
        window,
    );
}
