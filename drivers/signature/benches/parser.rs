//! Parser throughput: bytes of ISDV4 pen packets turned into reports per second. A pad at 200
//! samples per second sends 1,800 bytes per second.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rekam_signature::protocol::Parser;
use rekam_signature::sim::{self, PadSimulator};

fn stream() -> Vec<u8> {
    // One minute of writing at 200 samples per second: repeated signings, encoded as the pad
    // sends them.
    let mut bytes = Vec::new();
    let caps = sim::DEFAULT_CAPABILITIES;
    let mut signing = 0;
    while bytes.len() < 60 * 200 * 9 {
        signing += 1;
        for stroke in sim::handwritten(3, signing) {
            for p in &stroke {
                let r = PadSimulator::<serialport::TTYPort>::report_for(&caps, p, true);
                bytes.extend_from_slice(&r.encode());
            }
        }
    }
    bytes
}

fn parse(c: &mut Criterion) {
    let bytes = stream();
    let mut g = c.benchmark_group("isdv4");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("parse one minute of pen packets", |b| {
        b.iter(|| {
            let mut p = Parser::new();
            let mut n = 0usize;
            p.feed(std::hint::black_box(&bytes), |_| n += 1);
            n
        })
    });
    g.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
