//! The smartcard host side: what a card (or anything pretending to be one) answers. The card's
//! responses come from the fuzzer and go through the real procedures: identifying the card,
//! the PIV officer login (SELECT, VERIFY, GET DATA of the certificate and the CHUID, GENERAL
//! AUTHENTICATE, the signature check), the applicant card read, with GET RESPONSE chaining
//! (61xx) and wrong-Le resends (6Cxx); then the raw APDU, TLV, certificate and template decoders
//! on the same bytes.
//!
//! Input: a selector byte, then records `[len][len bytes]`, each one response APDU (data and
//! status word). When the records run out the card is pulled.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rekam_smartcard::apdu::{Command, Response};
use rekam_smartcard::{
    ApplicantCard, CardKey, CardTransport, SmartcardError, applicant, piv, profile, tlv,
};

struct Card<'a> {
    data: &'a [u8],
    sent: usize,
}

impl CardTransport for Card<'_> {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, SmartcardError> {
        // Every command the host sends must be a well-formed APDU.
        assert!(Command::parse(apdu).is_ok(), "the host sent a malformed APDU");
        self.sent += 1;
        assert!(self.sent < 10_000, "the host does not stop asking");
        let Some((&len, rest)) = self.data.split_first() else {
            return Err(SmartcardError::CardRemoved);
        };
        let len = usize::from(len).min(rest.len());
        let (answer, rest) = rest.split_at(len);
        self.data = rest;
        Ok(answer.to_vec())
    }
}

/// The value of an encoded `70` template.
fn value(template: &[u8]) -> &[u8] {
    let (_, head, total) = tlv::header(template).expect("an encoded template");
    &template[head..total]
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, responses)) = data.split_first() else {
        return;
    };
    let mut card = Card {
        data: responses,
        sent: 0,
    };
    match which % 3 {
        0 => {
            let _ = profile::identify(&mut card);
        }
        1 => {
            if let Ok(proof) = piv::login(&mut card, "123456") {
                // What the host accepted is a signature that verifies with the key it read.
                assert!(proof.verify_with(&proof.key.spki).is_ok());
            }
        }
        _ => {
            if let Ok(a) = applicant::read(&mut card) {
                let again = ApplicantCard::decode(value(&a.encode().expect("accepted, so valid")));
                assert_eq!(again.ok().as_ref(), Some(&a));
            }
        }
    }
    // The decoders on their own, on the raw bytes.
    if let Ok(c) = Command::parse(responses) {
        assert_eq!(Command::parse(&c.encode().expect("a parsed command encodes")).ok(), Some(c));
    }
    let _ = Response::parse(responses).map(|r| r.check());
    if let Ok(items) = tlv::parse_all(responses) {
        for t in items {
            let _ = tlv::parse_all(t.value);
        }
    }
    let _ = CardKey::from_certificate(responses);
    let _ = ApplicantCard::decode(responses);
});
