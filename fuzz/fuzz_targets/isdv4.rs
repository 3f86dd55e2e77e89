//! The signature pad's serial parser (ISDV4-style packets, `rekam_signature::protocol`): bytes
//! from the line, split where the fuzzer says, into pen and query packets, strokes, and the
//! pad's own range check. A decoded packet must encode back to a packet that decodes the same.
//!
//! Input: a split byte (the feed is cut every `1 + split % 16` bytes), then the line's bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rekam_signature::protocol::{Packet, Parser};
use rekam_signature::{PadCapabilities, PenReport, PenSample, StrokeBuilder};

fuzz_target!(|data: &[u8]| {
    let Some((&split, line)) = data.split_first() else {
        return;
    };
    let mut parser = Parser::new();
    let mut strokes = StrokeBuilder::new();
    let mut caps: Option<PadCapabilities> = None;
    let mut t_us = 0u64;
    for piece in line.chunks(1 + usize::from(split % 16)) {
        parser.feed(piece, |packet| match packet {
            Packet::Pen(report) => {
                assert_eq!(PenReport::decode(&report.encode()), Some(report));
                t_us += 5_000;
                if caps.is_none_or(|c| c.admits(&report)) {
                    strokes.push(PenSample { t_us, report });
                }
            }
            Packet::Query(c) => {
                assert_eq!(PadCapabilities::decode(&c.encode()), Some(c));
                caps = Some(c);
            }
        });
    }
    parser.flush_partial();
    strokes.end();
    let stats = parser.stats();
    assert!(stats.packets + stats.truncated <= line.len() as u64);
    for s in strokes.strokes() {
        let _ = (s.length(), s.duration_us());
    }
});
