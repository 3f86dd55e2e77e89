//! Synthetic fingerprint benchmarks: growing a simulated person's ten master prints (target:
//! well under a second), and one flat impression, one slap and one two-thumb image (target:
//! milliseconds).
//!
//! Run: `cargo bench -p rekam-fingerprint --bench synth`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use rekam_fingerprint::mode::{Finger, Hand};
use rekam_fingerprint::synth::{Rng, SyntheticPerson};

fn bench_synth(c: &mut Criterion) {
    let mut g = c.benchmark_group("synth");
    g.sample_size(20);
    g.measurement_time(Duration::from_secs(8));
    let mut seed = 0u64;
    g.bench_function("person_ten_masters", |b| {
        b.iter(|| {
            seed += 1;
            SyntheticPerson::new(black_box(seed))
        })
    });
    let person = SyntheticPerson::new(1);
    let mut rng = Rng::new(1);
    g.sample_size(100);
    g.measurement_time(Duration::from_secs(5));
    g.bench_function("flat_impression", |b| {
        b.iter(|| person.impression(Finger::RightIndex, &mut rng))
    });
    g.bench_function("slap_impression", |b| {
        b.iter(|| person.slap(Hand::Left, &mut rng))
    });
    g.bench_function("thumbs_impression", |b| b.iter(|| person.thumbs(&mut rng)));
    g.finish();
}

criterion_group!(benches, bench_synth);
criterion_main!(benches);
