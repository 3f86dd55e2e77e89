//! What the APDU layer and the card profiles cost without a reader: response parsing, one
//! virtual-card command, and a whole officer login (PIV: SELECT, VERIFY, the certificate, the
//! CHUID, a P-256 signature by the card and its check) and applicant read over the in-process
//! transport (the virtual card answers in 32-byte pieces, so these include 6Cxx and 61xx
//! rounds). Over pcscd the reader round trip dominates; `examples/pcscd_timing.rs` measures that.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rekam_smartcard::apdu::Response;
use rekam_smartcard::{ApplicantCard, PivCard, VirtualCard, applicant, piv};

fn bench(c: &mut Criterion) {
    let mut bytes = vec![0x5A; 256];
    bytes.extend_from_slice(&[0x90, 0x00]);
    c.bench_function("response_parse_258_bytes", |b| {
        b.iter(|| Response::parse(black_box(&bytes)))
    });

    let budi = PivCard::personalize("Budi Santoso", "246813").expect("personalise");
    let siti = ApplicantCard {
        nik: "3201014708900002".into(),
        name: "Siti Aminah".into(),
    };
    let mut card = VirtualCard::officer(budi)
        .with_applicant(&siti)
        .expect("valid card");

    let select = [
        0x00, 0xA4, 0x04, 0x00, 0x09, 0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x00,
    ];
    c.bench_function("virtual_card_select_aid", |b| {
        b.iter(|| card.process(black_box(&select)))
    });
    c.bench_function("officer_login_in_process", |b| {
        b.iter(|| {
            card.reset();
            piv::login(&mut card, black_box("246813"))
        })
    });
    c.bench_function("applicant_read_in_process", |b| {
        b.iter(|| applicant::read(&mut card))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
