//! The virtual card's side of the vpcd link (`rekam_smartcard::virtual_card::vpcd`): the byte
//! stream from the reader driver, cut into length-prefixed messages, each one a control code
//! (power, reset, ATR) or a command APDU processed by the virtual card (the PIV application of
//! an officer card, from the fixed training card `fuzz/vpcd-card.json` so that runs repeat, and
//! an applicant application), whose every answer must be a response APDU the reader can frame.
//!
//! Input: a split byte (the stream arrives `1 + split % 64` bytes at a time), then the stream.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rekam_smartcard::apdu::Response;
use rekam_smartcard::virtual_card::vpcd::{FrameDecoder, frame, handle};
use rekam_smartcard::{ApplicantCard, PivCard, VirtualCard};

/// The card as inserted: made once (reading the fixture checks its key against its
/// certificate, which is slow next to one input), then cloned fresh for every input.
fn card() -> VirtualCard {
    static CARD: std::sync::OnceLock<VirtualCard> = std::sync::OnceLock::new();
    CARD.get_or_init(fresh_card).clone()
}

fn fresh_card() -> VirtualCard {
    let officer = PivCard::from_json(include_str!("../vpcd-card.json")).expect("the fuzz card");
    let applicant = ApplicantCard {
        nik: "3313014508950002".into(),
        name: "SITI AMINAH".into(),
    };
    VirtualCard::officer(officer)
        .with_applicant(&applicant)
        .expect("the fuzz card")
        .with_chunk(64)
}

fuzz_target!(|data: &[u8]| {
    let Some((&split, stream)) = data.split_first() else {
        return;
    };
    let mut card = card();
    let mut decoder = FrameDecoder::new();
    for piece in stream.chunks(1 + usize::from(split % 64)) {
        decoder.push(piece);
        while let Some(message) = decoder.next_frame() {
            if let Some(reply) = handle(&mut card, &message) {
                if message.len() > 1 {
                    assert!(reply.len() >= 2 && reply.len() <= 65_538, "not a response APDU");
                    assert!(Response::parse(&reply).is_ok());
                }
                let framed = frame(&reply);
                assert_eq!(framed.len(), reply.len() + 2);
            }
        }
        assert!(decoder.buffered() <= stream.len() + 2);
    }
});
