//! Image transfer benchmarks for the issue's target: "transfer and reassemble a 1600x1500 slap
//! image from HID reports at the USB high-speed report rate without loss". A high-speed
//! interrupt endpoint carries at most 3 x 1024-byte packets per 125 µs microframe, 24,000
//! reports a second, so a 2,400-report slap needs at least 100 ms on the wire.
//!
//! - `reassemble/slap_2400_reports`: decode, check (two CRC-32s) and place the 2,400 chunk
//!   reports of a slap — the host's work per image, to compare with 100 ms.
//! - `capture/slap_unlimited_link`: a whole capture through `Scanner` and the `Transport` trait
//!   against the simulated device with no rate limit (commands, status, chunks, acks).
//! - `capture/slap_at_usb_rate`: the same with the device sending at 24,000 reports/s (the
//!   floor is 100 ms of wire time).
//! - `capture/slap_at_usb_rate_slow_consumer`: the same while the host stalls 3 ms every 40
//!   reads; the window throttles the device instead of overflowing hidraw's 64-report queue.
//!   Both check afterwards that nothing was dropped or resent and the image is exact.
//!
//! Run: `cargo bench -p rekam-fingerprint --bench transfer`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rekam_fingerprint::mode::Hand;
use rekam_fingerprint::protocol::{self, Accept, CHUNK_LEN, CHUNK_PAYLOAD, Chunk, Input};
use rekam_fingerprint::sim::{SimConfig, SimDevice, StallingHost};
use rekam_fingerprint::synth::{GrayImage, Rng, SyntheticPerson};
use rekam_fingerprint::{CaptureMode, Scanner};

fn slap() -> GrayImage {
    SyntheticPerson::new(1)
        .slap(Hand::Right, &mut Rng::new(1))
        .image
}

fn reports(img: &GrayImage) -> Vec<[u8; CHUNK_LEN]> {
    let crc = crc32fast::hash(&img.pixels);
    let count = protocol::chunk_count(img.pixels.len()) as u16;
    img.pixels
        .chunks(CHUNK_PAYLOAD)
        .enumerate()
        .map(|(i, payload)| {
            Chunk {
                mode: CaptureMode::SlapRight.code(),
                image_id: 1,
                index: i as u16,
                count,
                width: img.width as u16,
                height: img.height as u16,
                image_crc: crc,
                payload,
            }
            .encode()
        })
        .collect()
}

fn bench_reassemble(c: &mut Criterion) {
    let img = slap();
    let reports = reports(&img);
    assert_eq!(reports.len(), 2400);
    let mut g = c.benchmark_group("reassemble");
    g.throughput(Throughput::Elements(reports.len() as u64));
    g.bench_function("slap_2400_reports", |b| {
        b.iter(|| {
            let mut r = protocol::Reassembler::expect(1);
            let mut done = false;
            for rep in &reports {
                if let Ok(Input::Chunk(c)) = protocol::decode_input(black_box(rep)) {
                    done = r.accept(&c) == Accept::Complete;
                }
            }
            assert!(done);
            r.into_pixels()
        })
    });
    g.finish();
}

fn bench_capture(c: &mut Criterion) {
    let img = slap();
    let timeout = Duration::from_secs(5);
    let mut g = c.benchmark_group("capture");
    g.throughput(Throughput::Bytes(img.pixels.len() as u64));

    let instant = SimConfig {
        finger_delay: Duration::ZERO,
        settle: Duration::ZERO,
        report_rate: None,
        ..SimConfig::default()
    };
    let dev = SimDevice::new(instant);
    dev.fix_image(Some(img.clone()));
    let mut s = Scanner::open(dev.open().expect("plugged")).expect("opens");
    g.bench_function("slap_unlimited_link", |b| {
        b.iter(|| {
            s.capture(CaptureMode::SlapRight, timeout)
                .expect("captures")
        })
    });

    g.sample_size(20);
    g.measurement_time(Duration::from_secs(6));
    for (name, every, pause) in [
        ("slap_at_usb_rate", u32::MAX, Duration::ZERO),
        (
            "slap_at_usb_rate_slow_consumer",
            40,
            Duration::from_millis(3),
        ),
    ] {
        let usb = SimConfig {
            finger_delay: Duration::ZERO,
            settle: Duration::ZERO,
            ..SimConfig::default()
        };
        let dev = SimDevice::new(usb);
        dev.fix_image(Some(img.clone()));
        let slow = StallingHost::new(dev.open().expect("plugged"), every, pause);
        let mut s = Scanner::open(slow).expect("opens");
        g.bench_function(name, |b| {
            b.iter(|| {
                let c = s
                    .capture(CaptureMode::SlapRight, timeout)
                    .expect("captures");
                assert!(c.pixels == img.pixels);
                let st = s.last_stats();
                assert_eq!((st.gaps, st.resends), (0, 0), "{st:?}");
                c
            })
        });
        let stats = dev.stats();
        assert_eq!(stats.reports_dropped, 0, "{stats:?}");
        eprintln!(
            "{name}: {} chunks sent, {} reports dropped by the host queue, {} resends",
            stats.chunks_sent, stats.reports_dropped, stats.resends
        );
    }
    g.finish();
}

criterion_group!(benches, bench_reassemble, bench_capture);
criterion_main!(benches);
