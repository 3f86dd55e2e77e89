//! Round trips of every report, and property tests: decoding never panics, and reassembly gets
//! the exact image back through garbage, losses, duplicates and corruption.

use proptest::prelude::*;

use super::*;
use crate::mode::{CaptureMode, Finger};

fn image(size: usize, seed: u8) -> Vec<u8> {
    (0..size)
        .map(|i| {
            (i as u32)
                .wrapping_mul(2_654_435_761)
                .rotate_left(u32::from(seed)) as u8
        })
        .collect()
}

fn chunks_of(pixels: &[u8], width: u16, height: u16, image_id: u16) -> Vec<[u8; CHUNK_LEN]> {
    let crc = crc32fast::hash(pixels);
    let count = chunk_count(pixels.len()) as u16;
    pixels
        .chunks(CHUNK_PAYLOAD)
        .enumerate()
        .map(|(i, payload)| {
            Chunk {
                mode: 2,
                image_id,
                index: i as u16,
                count,
                width,
                height,
                image_crc: crc,
                payload,
            }
            .encode()
        })
        .collect()
}

#[test]
fn info_round_trips() {
    let info = ScannerInfo::standard("Rekam FS-500", "SN0001", (1, 2, 3));
    let b = info.encode();
    assert_eq!(b.len(), INFO_LEN);
    assert_eq!(&b[..5], &[0x01, b'R', b'K', b'F', b'P']);
    assert_eq!(ScannerInfo::decode(&b), Ok(info.clone()));
    assert!(info.supports(CaptureMode::TwoThumbs));
    let mut bad = b;
    bad[2] = b'X';
    assert!(matches!(
        ScannerInfo::decode(&bad),
        Err(DecodeError::BadField { field: "magic", .. })
    ));
    assert!(matches!(
        ScannerInfo::decode(&b[..50]),
        Err(DecodeError::TooShort { .. })
    ));
    assert_eq!(ScannerInfo::decode(&[]), Err(DecodeError::Empty));
}

#[test]
fn commands_round_trip_with_the_documented_bytes() {
    let start = Command::StartCapture {
        seq: 7,
        mode: CaptureMode::Flat(Finger::LeftIndex),
        finger_timeout_ms: 10_000,
        window: 32,
    };
    let b = start.encode();
    // The example in docs/devices/fingerprint.md.
    assert_eq!(
        &b[..9],
        &[0x10, 0x01, 0x07, 0x01, 0x07, 0x10, 0x27, 0x20, 0x00]
    );
    assert!(b[9..].iter().all(|&x| x == 0));
    let all = [
        start,
        Command::Cancel { seq: 1 },
        Command::Ack {
            seq: 2,
            image_id: 0x1234,
            next: 16,
        },
        Command::Resend {
            seq: 3,
            image_id: 9,
            from: 40,
        },
    ];
    for c in all {
        assert_eq!(Command::decode(&c.encode()), Ok(Some(c)));
    }
    assert_eq!(Command::decode(&[0x21, 0, 0]), Ok(None));
    assert!(Command::decode(&[0x10, 0x01]).is_err());
    let mut unknown = Command::Cancel { seq: 4 }.encode();
    unknown[1] = 0x7F;
    assert_eq!(
        Command::decode(&unknown),
        Err(BadCommand {
            seq: 4,
            reason: "unknown command code"
        })
    );
    let mut bad_mode = start.encode();
    bad_mode[4] = 11;
    assert!(Command::decode(&bad_mode).is_err());
}

#[test]
fn status_and_error_round_trip() {
    let s = Status {
        seq: 9,
        state: DeviceState::Capturing,
        fingers: 4,
        expected: 4,
        image_id: 0x0102,
        mode: 2,
        contact: 87,
    };
    let b = s.encode();
    assert_eq!(&b[..9], &[0x21, 9, 2, 4, 4, 0x02, 0x01, 2, 87]);
    assert_eq!(decode_input(&b), Ok(Input::Status(s)));
    let e = ErrorReport {
        seq: 3,
        code: ErrorCode::FingerLifted,
        image_id: 5,
        message: "finger lifted".into(),
    };
    let b = e.encode();
    assert_eq!(&b[..5], &[0x22, 3, 2, 5, 0]);
    assert_eq!(decode_input(&b), Ok(Input::Error(e)));
    for c in 0..=255u8 {
        assert_eq!(ErrorCode::from_code(c).code(), c);
    }
    let mut bad = s.encode();
    bad[2] = 9;
    assert!(decode_input(&bad).is_err());
}

#[test]
fn chunks_round_trip_and_reject_corruption() {
    let pixels = image(400 * 500, 1);
    let reports = chunks_of(&pixels, 400, 500, 77);
    assert_eq!(reports.len(), 200);
    let mut r = Reassembler::new();
    for (i, rep) in reports.iter().enumerate() {
        let Ok(Input::Chunk(c)) = decode_input(rep) else {
            panic!("chunk {i} does not decode");
        };
        assert_eq!(c.index as usize, i);
        let a = r.accept(&c);
        if i + 1 < reports.len() {
            assert_eq!(a, Accept::Stored { next: i as u16 + 1 });
        } else {
            assert_eq!(a, Accept::Complete);
        }
    }
    assert_eq!(r.into_pixels(), Some(pixels.clone()));

    // One flipped bit anywhere in the header or payload is caught.
    let mut bad = reports[3];
    bad[500] ^= 0x10;
    assert_eq!(decode_input(&bad), Err(DecodeError::BadChunkCrc));
    let mut bad = reports[3];
    bad[4] ^= 0x01; // index 3 -> 2
    assert_eq!(decode_input(&bad), Err(DecodeError::BadChunkCrc));
}

#[test]
fn last_chunk_is_short_and_gaps_duplicates_and_strangers_are_reported() {
    let pixels = image(1234, 2);
    let reports = chunks_of(&pixels, 1234, 1, 5);
    assert_eq!(reports.len(), 2);
    let Ok(Input::Chunk(last)) = decode_input(&reports[1]) else {
        panic!()
    };
    assert_eq!(last.payload.len(), 234);
    let Ok(Input::Chunk(first)) = decode_input(&reports[0]) else {
        panic!()
    };

    let mut r = Reassembler::expect(5);
    assert_eq!(
        r.accept(&last),
        Accept::Gap {
            expected: 0,
            got: 1
        }
    );
    assert_eq!(r.accept(&first), Accept::Stored { next: 1 });
    assert_eq!(r.accept(&first), Accept::Duplicate);
    let stranger = Chunk {
        image_id: 6,
        ..first
    };
    assert_eq!(r.accept(&stranger), Accept::OtherImage { image_id: 6 });
    let odd = Chunk {
        width: 617,
        height: 2,
        ..last
    };
    assert!(matches!(r.accept(&odd), Accept::Inconsistent(_)));
    assert_eq!(r.accept(&last), Accept::Complete);
    assert_eq!(r.anomalies(), (1, 1, 2));

    // A device that announces the wrong image CRC: every chunk passes, the image does not.
    let lying: Vec<_> = pixels
        .chunks(CHUNK_PAYLOAD)
        .enumerate()
        .map(|(i, p)| {
            Chunk {
                mode: 1,
                image_id: 8,
                index: i as u16,
                count: 2,
                width: 1234,
                height: 1,
                image_crc: 0xDEAD_BEEF,
                payload: p,
            }
            .encode()
        })
        .collect();
    let mut r = Reassembler::new();
    for rep in &lying[..1] {
        let Ok(Input::Chunk(c)) = decode_input(rep) else {
            panic!()
        };
        assert_eq!(r.accept(&c), Accept::Stored { next: 1 });
    }
    let Ok(Input::Chunk(c)) = decode_input(&lying[1]) else {
        panic!()
    };
    assert!(matches!(r.accept(&c), Accept::BadImageCrc { .. }));
    assert_eq!(r.next(), 0);
    assert!(!r.is_complete());
}

#[test]
fn blank_image_chunk_matches_the_documented_example() {
    // docs/devices/fingerprint.md, "Worked example: one chunk".
    let pixels = vec![0xFFu8; 400 * 500];
    let crc = crc32fast::hash(&pixels);
    assert_eq!(crc, 0x7C9B_27E0);
    let b = Chunk {
        mode: 1,
        image_id: 1,
        index: 0,
        count: 200,
        width: 400,
        height: 500,
        image_crc: crc,
        payload: &pixels[..CHUNK_PAYLOAD],
    }
    .encode();
    assert_eq!(
        &b[..24],
        &[
            0x30, 0x01, 0x01, 0x00, 0x00, 0x00, 0xC8, 0x00, 0x90, 0x01, 0xF4, 0x01, 0xE8, 0x03,
            0x00, 0x00, 0xE0, 0x27, 0x9B, 0x7C, 0xA4, 0x58, 0x3E, 0xA0
        ]
    );
    assert!(b[24..].iter().all(|&x| x == 0xFF));
}

/// Walks the descriptor's short items (HID 1.11 §6.2.2.2) and collects `(main item, report ID,
/// bytes after the ID)` for every report it declares.
fn declared_reports(d: &[u8]) -> Vec<(u8, u8, usize)> {
    let (mut i, mut id, mut size, mut count) = (0, 0u8, 0usize, 0usize);
    let mut out = Vec::new();
    while i < d.len() {
        let prefix = d[i];
        let len = [0, 1, 2, 4][usize::from(prefix & 3)];
        let data = &d[i + 1..i + 1 + len];
        let value = data
            .iter()
            .rev()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        match prefix & 0xFC {
            0x84 => id = value as u8,
            0x74 => size = value,
            0x94 => count = value,
            tag @ (0x80 | 0x90 | 0xB0) => out.push((tag, id, size * count / 8)),
            _ => {}
        }
        i += 1 + len;
    }
    out
}

#[test]
fn report_descriptor_declares_the_reports_the_protocol_uses() {
    let reports = declared_reports(&REPORT_DESCRIPTOR);
    let (input, output, feature) = (0x80, 0x90, 0xB0);
    assert_eq!(
        reports,
        vec![
            (feature, id::INFO, INFO_LEN - 1),
            (feature, id::RESET, RESET_LEN - 1),
            (output, id::COMMAND, COMMAND_LEN - 1),
            (input, id::STATUS, STATUS_LEN - 1),
            (input, id::ERROR, ERROR_LEN - 1),
            (input, id::CHUNK, CHUNK_LEN - 1),
        ]
    );
    assert_eq!(&REPORT_DESCRIPTOR[..3], &[0x06, 0x52, 0xFF]);
    assert_eq!(
        u16::from_le_bytes([REPORT_DESCRIPTOR[1], REPORT_DESCRIPTOR[2]]),
        USAGE_PAGE
    );
}

#[test]
fn reset_report_needs_its_magic() {
    let b = encode_reset();
    assert!(is_reset(&b));
    assert!(!is_reset(&[0x02, b'R', b'S']));
    assert!(!is_reset(&[0x02, b'R', b'S', b'X']));
}

/// What the link does to one report on its way to the host.
#[derive(Debug, Clone)]
enum Mishap {
    Deliver,
    Drop,
    Duplicate,
    Corrupt(usize, u8),
    GarbageBefore(Vec<u8>),
}

fn mishap() -> impl Strategy<Value = Mishap> {
    prop_oneof![
        12 => Just(Mishap::Deliver),
        2 => Just(Mishap::Drop),
        1 => Just(Mishap::Duplicate),
        1 => (0usize..CHUNK_LEN, 1u8..=255).prop_map(|(i, x)| Mishap::Corrupt(i, x)),
        1 => proptest::collection::vec(any::<u8>(), 0..80).prop_map(Mishap::GarbageBefore),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..1100)) {
        let _ = decode_input(&bytes);
        let _ = ScannerInfo::decode(&bytes);
        let _ = Command::decode(&bytes);
        let _ = is_reset(&bytes);
    }

    #[test]
    fn decoding_a_chunk_header_with_random_fields_never_panics(
        header in proptest::collection::vec(any::<u8>(), CHUNK_HEADER_LEN),
        len in 0usize..CHUNK_LEN,
    ) {
        let mut b = vec![0u8; len.max(1)];
        b[0] = id::CHUNK;
        let n = header.len().min(b.len());
        b[1..n].copy_from_slice(&header[1..n]);
        let _ = decode_input(&b);
    }

    /// The host asks for a resend from the first missing chunk whenever it sees a gap or the
    /// stream dries up, as `Scanner` does; whatever the link does, the image comes out exact.
    #[test]
    fn go_back_n_recovers_the_exact_image(
        mishaps in proptest::collection::vec(mishap(), 1..400),
        size in 1usize..6000,
        seed in any::<u8>(),
    ) {
        let width = size as u16;
        let pixels = image(size, seed);
        let reports = chunks_of(&pixels, width, 1, 42);
        let mut stale = chunks_of(&image(size, seed.wrapping_add(1)), width, 1, 41);
        // A chunk of the previous image still queued when this one starts.
        let mut queue: std::collections::VecDeque<Vec<u8>> =
            stale.drain(..1).map(|r| r.to_vec()).collect();
        let mut r = Reassembler::expect(42);
        // Each mishap strikes once; after them the link behaves (a link that loses everything
        // forever is the scanner's timeout's business, not reassembly's).
        let mut fate = mishaps.iter().cloned().chain(std::iter::repeat(Mishap::Deliver));
        let mut rounds = 0;
        while !r.is_complete() {
            rounds += 1;
            prop_assert!(rounds < 10_000, "no progress");
            if queue.is_empty() {
                // Nothing more arrives: the host times out and asks from the first missing
                // chunk; the device goes back there and sends up to a window of 8 chunks.
                let send_from = usize::from(r.next());
                for rep in reports.iter().skip(send_from).take(8) {
                    match fate.next().unwrap_or(Mishap::Deliver) {
                        Mishap::Deliver => queue.push_back(rep.to_vec()),
                        Mishap::Drop => {}
                        Mishap::Duplicate => {
                            queue.push_back(rep.to_vec());
                            queue.push_back(rep.to_vec());
                        }
                        Mishap::Corrupt(i, x) => {
                            let mut bad = rep.to_vec();
                            bad[i] ^= x;
                            queue.push_back(bad);
                        }
                        Mishap::GarbageBefore(g) => {
                            queue.push_back(g);
                            queue.push_back(rep.to_vec());
                        }
                    }
                }
                continue;
            }
            let Some(rep) = queue.pop_front() else { continue };
            if let Ok(Input::Chunk(c)) = decode_input(&rep) {
                match r.accept(&c) {
                    // Resend requested: what is still queued was sent before it.
                    Accept::Gap { .. } => queue.clear(),
                    Accept::BadImageCrc { .. } => prop_assert!(false, "image CRC cannot fail here"),
                    _ => {}
                }
            }
            // Never anything but the true image in the part held so far.
            let held = r.received();
            prop_assert_eq!(held, &pixels[..held.len()]);
        }
        prop_assert_eq!(r.into_pixels(), Some(pixels));
    }
}
