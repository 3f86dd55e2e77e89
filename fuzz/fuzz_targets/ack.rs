//! The station's reading of a receiver's acknowledgement file (`rekam::batch::open_signed_ack`):
//! size bound, the signed envelope, the pinned signer, the Ed25519 signature, then the
//! acknowledgement itself. Everything the station reads from the file before it writes
//! anything; an acknowledgement that opens must be signed by the pinned key.
//!
//! Input: the acknowledgement file's text. The pinned key is the seeds' receiver key.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rekam::batch::open_signed_ack;

/// The receiver key that signed the seed acknowledgements (fuzz/corpus/ack).
const PINNED: &str = include_str!("../receiver-key.txt");

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let pinned = PINNED.trim();
    if let Ok(opened) = open_signed_ack(text, &[pinned]) {
        assert_eq!(opened.signer, pinned);
    }
});
