//! The receiver's check of a day's batch packet (`rekam::batch::verify_batch`): the ustar
//! archive, the signed header, the entry list and digests, and, for a packet a registered
//! station signed, the age decryption of the manifest and every record, the manifest's checks
//! against the header and the records' against the manifest. Nothing a packet holds may make
//! the check panic, hang or read without bound; what is wrong is a problem in the report.
//!
//! Input: the receiver's side first, text up to a NUL byte: lines of the station registry
//! (`<kecamatan> <station> <public key hex>`) and `AGE-SECRET-KEY-1...` identities; then the
//! packet's bytes. The seeds are real packets with the keys that made them.
#![no_main]

use std::io::Write;
use std::path::PathBuf;

use libfuzzer_sys::fuzz_target;
use rekam::batch::{TrustedStations, verify_batch};

fn scratch() -> PathBuf {
    std::env::temp_dir().join(format!("rekam-fuzz-packet-{}.tar", std::process::id()))
}

fuzz_target!(|data: &[u8]| {
    let (keys, packet) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&[][..], data),
    };
    let keys = String::from_utf8_lossy(keys);
    let (ids, registry): (Vec<&str>, Vec<&str>) = keys
        .lines()
        .partition(|l| l.trim_start().starts_with("AGE-SECRET-KEY-"));
    let trusted = TrustedStations::parse(&registry.join("\n"), "registry".as_ref())
        .unwrap_or_default();
    let identities: Vec<age::x25519::Identity> =
        ids.iter().filter_map(|l| l.trim().parse().ok()).collect();
    let path = scratch();
    let mut file = std::fs::File::create(&path).expect("scratch file");
    file.write_all(packet).expect("scratch file");
    drop(file);
    let checked = verify_batch(
        &path,
        &trusted,
        (!identities.is_empty()).then_some(&identities[..]),
    );
    if let Ok(v) = checked {
        // A packet is good only if signed by a registered station and nothing is wrong.
        assert!(!v.is_ok() || v.signature_valid);
        let _ = v.training();
    }
});
