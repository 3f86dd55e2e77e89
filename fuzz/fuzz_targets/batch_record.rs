//! The decrypted contents of a batch packet, which a receiver reads after age decryption:
//! a record's ustar archive with its `record.json` (`rekam::batch::read_record`), and the
//! manifest's JSON. A receiver holding the key still must not trust the bytes: a station can
//! be broken or dishonest.
//!
//! Input: a selector byte (even: a record archive; odd: a manifest), then the bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rekam::batch::format::{Manifest, RecordDoc};
use rekam::batch::read_record;

fuzz_target!(|data: &[u8]| {
    let Some((&which, bytes)) = data.split_first() else {
        return;
    };
    if which % 2 == 0 {
        if let Ok(record) = read_record(bytes) {
            assert!(record.size as usize <= bytes.len());
            assert_eq!(record.sha256.len(), 64);
            if let Some(Ok(doc)) = record.doc {
                let again: RecordDoc =
                    serde_json::from_slice(&serde_json::to_vec(&doc).expect("serialises"))
                        .expect("reads back");
                assert_eq!(again, doc);
            }
        }
    } else if let Ok(m) = serde_json::from_slice::<Manifest>(bytes) {
        let again: Manifest = serde_json::from_slice(&serde_json::to_vec(&m).expect("serialises"))
            .expect("reads back");
        assert_eq!(again, m);
    }
});
