//! The virtual card driven through the profiles over the in-process transport, and raw APDUs
//! checking the ISO 7816-4 and SP 800-73-4 behaviour the documentation promises.

use std::sync::OnceLock;

use proptest::prelude::*;

use super::*;
use crate::error::CardKind;
use crate::profile::piv::{self, PinStatus};
use crate::profile::{applicant, identify};

/// One personalisation for the whole module (a key and a certificate each time is slow in a
/// debug build); each test clones it.
fn budi_card() -> PivCard {
    static CARD: OnceLock<PivCard> = OnceLock::new();
    CARD.get_or_init(|| PivCard::personalize("Budi Santoso", "246813").unwrap())
        .clone()
}

fn siti() -> ApplicantCard {
    ApplicantCard {
        nik: "3201014708900002".into(),
        name: "Siti Aminah".into(),
    }
}

fn officer_card() -> VirtualCard {
    VirtualCard::officer(budi_card())
}

const SELECT_PIV: [u8; 15] = [
    0x00, 0xA4, 0x04, 0x00, 0x09, 0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x00,
];
const SELECT_PIV_NO_ANSWER: [u8; 14] = [
    0x00, 0xA4, 0x04, 0x0C, 0x09, 0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00,
];
const VERIFY_RIGHT: [u8; 13] = [
    0x00, 0x20, 0x00, 0x80, 0x08, b'2', b'4', b'6', b'8', b'1', b'3', 0xFF, 0xFF,
];

/// Records every exchange, to check the bytes on the wire.
struct Logged<'a> {
    card: &'a mut VirtualCard,
    log: Vec<String>,
}

impl CardTransport for Logged<'_> {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, SmartcardError> {
        let r = self.card.process(apdu);
        self.log.push(format!("{} -> {}", hex(apdu), hex(&r)));
        Ok(r)
    }
}

fn rx(card: &mut VirtualCard, apdu: &[u8]) -> Vec<u8> {
    card.process(apdu)
}

#[test]
fn officer_login_proves_the_card_key() {
    let mut card = officer_card();
    let proof = piv::login(&mut card, "246813").unwrap();
    let key = budi_card().card_key().unwrap();
    assert_eq!(proof.key, key);
    assert_eq!(proof.guid, Some(budi_card().guid()));
    assert!(
        proof.key.subject.contains("CN=Budi Santoso"),
        "{}",
        proof.key.subject
    );
    assert_eq!(proof.key.fingerprint.len(), 64);
    // The station checks the proof with the key it recorded; another card's key fails.
    proof.verify_with(&key.spki).unwrap();
    let other = PivCard::personalize("Budi Santoso", "246813").unwrap();
    assert_eq!(
        proof.verify_with(&other.card_key().unwrap().spki),
        Err(SmartcardError::CardAuthenticationFailed)
    );
    // Two logins sign two different challenges.
    let again = piv::login(&mut card, "246813").unwrap();
    assert_ne!(again.challenge, proof.challenge);
    assert_eq!(card.pin_tries_left(), 3);
}

#[test]
fn a_card_whose_key_does_not_match_its_certificate_logs_nobody_in() {
    // The certificate of Budi's card (what a copy of its public data gives), with another key:
    // every answer but the signature is right.
    let other = PivCard::personalize("x", "246813").unwrap();
    let mut card = VirtualCard::officer(PivCard::forged(&other, &budi_card()));
    assert_eq!(
        piv::login(&mut card, "246813"),
        Err(SmartcardError::CardAuthenticationFailed)
    );
}

#[test]
fn the_login_exchange_is_the_documented_one() {
    let mut card = officer_card().with_chunk(256);
    let mut t = Logged {
        card: &mut card,
        log: Vec::new(),
    };
    piv::login(&mut t, "246813").unwrap();
    let cmds: Vec<&str> = t
        .log
        .iter()
        .map(|l| l.split(" -> ").next().unwrap_or(""))
        .collect();
    let apt = "61 2B 4F 06 00 00 10 00 01 00 79 07 4F 05 A0 00 00 03 08 50 11 52 65 6B 61 6D 20 76 69 72 74 75 61 6C 20 50 49 56 AC 05 80 01 11 06 00 90 00";
    assert_eq!(t.log[0], format!("{} -> {apt}", hex(&SELECT_PIV)));
    assert_eq!(t.log[1], format!("{} -> 90 00", hex(&VERIFY_RIGHT)));
    assert_eq!(cmds[2], "00 CB 3F FF 05 5C 03 5F C1 05 00");
    // The certificate container: 53 82 LL LL { 70 82 LL LL cert, 71 01 00, FE 00 }.
    let cert = budi_card().certificate().to_vec();
    let mut want = vec![0x53, 0x82];
    want.extend_from_slice(&((cert.len() + 4 + 3 + 2) as u16).to_be_bytes());
    want.extend_from_slice(&[0x70, 0x82]);
    want.extend_from_slice(&(cert.len() as u16).to_be_bytes());
    want.extend_from_slice(&cert);
    want.extend_from_slice(&[0x71, 0x01, 0x00, 0xFE, 0x00]);
    let got: String = t.log[2..]
        .iter()
        .take_while(|l| !l.contains("5F C1 02"))
        .map(|l| l.split(" -> ").nth(1).unwrap_or(""))
        .map(|r| r.rsplitn(3, ' ').nth(2).unwrap_or("").to_owned())
        .collect::<Vec<_>>()
        .join(" ");
    assert_eq!(got, hex(&want));
    let chuid = t
        .log
        .iter()
        .position(|l| l.starts_with("00 CB 3F FF 05 5C 03 5F C1 02 00"))
        .unwrap();
    let mut guid = String::from("53 20 34 10 ");
    guid.push_str(&hex(&budi_card().guid()));
    assert!(t.log[chuid].contains(&guid), "{}", t.log[chuid]);
    // GENERAL AUTHENTICATE, ECC P-256, key 9A: 7C 24 { 82 00, 81 20 challenge }.
    let ga = t.log.last().unwrap();
    assert!(ga.starts_with("00 87 11 9A 26 7C 24 82 00 81 20 "), "{ga}");
    assert!(ga.ends_with(" 00 -> ") || ga.contains(" 00 -> 7C "), "{ga}");
}

#[test]
fn the_applicant_exchange_is_the_documented_one() {
    let mut card = VirtualCard::applicant(&siti()).unwrap();
    let mut t = Logged {
        card: &mut card,
        log: Vec::new(),
    };
    applicant::read(&mut t).unwrap();
    let want = [
        "00 A4 04 00 07 F0 52 45 4B 41 4D 02 00 -> 6F 1A 84 07 F0 52 45 4B 41 4D 02 50 0F 52 45 4B 41 4D 20 41 50 50 4C 49 43 41 4E 54 90 00",
        "00 A4 02 0C 02 02 01 -> 90 00",
        "00 B0 00 00 80 -> 6C 21",
        "00 B0 00 00 21 -> 70 1F 80 10 33 32 30 31 30 31 34 37 30 38 39 30 30 30 30 32 81 0B 53 69 74 69 20 41 6D 69 6E 61 61 01",
        "00 C0 00 00 01 -> 68 90 00",
    ];
    assert_eq!(t.log, want, "{:#?}", t.log);
}

#[test]
fn any_chunk_size_gives_the_same_login() {
    for chunk in [1, 2, 7, 31, 32, 33, 127, 128, 255, 256] {
        let mut card = officer_card().with_chunk(chunk);
        let proof = piv::login(&mut card, "246813").unwrap();
        assert_eq!(proof.key, budi_card().card_key().unwrap(), "chunk {chunk}");
    }
}

#[test]
fn signing_without_the_pin_is_refused() {
    let mut card = officer_card();
    piv::select(&mut card).unwrap();
    // The certificate is public; the key is not.
    assert!(piv::read_certificate(&mut card).is_ok());
    assert_eq!(
        piv::sign_challenge(&mut card, &[7; 32]),
        Err(SmartcardError::SecurityNotSatisfied)
    );
}

#[test]
fn a_wrong_pin_spends_a_try_and_the_query_does_not() {
    let mut card = officer_card();
    assert_eq!(piv::pin_status(&mut card), Ok(PinStatus::RetriesLeft(3)));
    assert_eq!(
        piv::verify_pin(&mut card, "111111"),
        Err(SmartcardError::WrongPin { retries_left: 2 })
    );
    for _ in 0..3 {
        assert_eq!(piv::pin_status(&mut card), Ok(PinStatus::RetriesLeft(2)));
    }
    assert_eq!(card.pin_tries_left(), 2);
    // The raw answer is 63C2.
    rx(&mut card, &SELECT_PIV_NO_ANSWER);
    assert_eq!(rx(&mut card, &[0x00, 0x20, 0x00, 0x80]), [0x63, 0xC2]);
    // The right PIN resets the counter.
    assert!(piv::login(&mut card, "246813").is_ok());
    assert_eq!(card.pin_tries_left(), 3);
    assert_eq!(piv::pin_status(&mut card), Ok(PinStatus::Verified));
}

#[test]
fn a_malformed_pin_is_refused_before_it_costs_a_try() {
    let mut card = officer_card();
    for bad in ["12", "1234", "123456789", "12345a"] {
        assert_eq!(
            piv::verify_pin(&mut card, bad),
            Err(SmartcardError::InvalidPinFormat)
        );
    }
    assert_eq!(card.pin_tries_left(), 3);
    assert_eq!(card.commands_processed(), 0);
}

#[test]
fn three_wrong_pins_block_the_card_for_good() {
    let mut card = officer_card();
    assert_eq!(
        piv::verify_pin(&mut card, "000000"),
        Err(SmartcardError::WrongPin { retries_left: 2 })
    );
    assert_eq!(
        piv::verify_pin(&mut card, "000000"),
        Err(SmartcardError::WrongPin { retries_left: 1 })
    );
    // The last try answers 63C0, which is already "blocked".
    assert_eq!(
        piv::verify_pin(&mut card, "000000"),
        Err(SmartcardError::PinBlocked)
    );
    // From now on 6983, even with the right PIN, and across resets.
    rx(&mut card, &SELECT_PIV_NO_ANSWER);
    assert_eq!(rx(&mut card, &VERIFY_RIGHT), [0x69, 0x83]);
    card.reset();
    assert_eq!(
        piv::verify_pin(&mut card, "246813"),
        Err(SmartcardError::PinBlocked)
    );
    assert_eq!(piv::pin_status(&mut card), Ok(PinStatus::Blocked));
    assert_eq!(
        piv::sign_challenge(&mut card, &[1; 32]),
        Err(SmartcardError::SecurityNotSatisfied)
    );
}

#[test]
fn verification_lasts_for_the_application_session_only() {
    let mut card = officer_card();
    piv::verify_pin(&mut card, "246813").unwrap();
    // Re-selecting the same application keeps it.
    piv::select(&mut card).unwrap();
    assert!(piv::sign_challenge(&mut card, &[1; 32]).is_ok());
    // A reset clears it.
    card.reset();
    piv::select(&mut card).unwrap();
    assert_eq!(
        piv::sign_challenge(&mut card, &[1; 32]),
        Err(SmartcardError::SecurityNotSatisfied)
    );
    // Selecting the MF clears it.
    piv::verify_pin(&mut card, "246813").unwrap();
    assert_eq!(rx(&mut card, &[0x00, 0xA4, 0x00, 0x0C]), [0x90, 0x00]);
    piv::select(&mut card).unwrap();
    assert_eq!(
        piv::sign_challenge(&mut card, &[1; 32]),
        Err(SmartcardError::SecurityNotSatisfied)
    );
    // VERIFY with P1 = FF clears it.
    piv::verify_pin(&mut card, "246813").unwrap();
    assert_eq!(rx(&mut card, &[0x00, 0x20, 0xFF, 0x80]), [0x90, 0x00]);
    assert_eq!(rx(&mut card, &[0x00, 0x20, 0x00, 0x80]), [0x63, 0xC3]);
}

#[test]
fn general_authenticate_refuses_what_sp_800_73_does_not_allow() {
    let mut card = officer_card().with_chunk(256);
    rx(&mut card, &SELECT_PIV_NO_ANSWER);
    assert_eq!(rx(&mut card, &VERIFY_RIGHT), [0x90, 0x00]);
    let ga = |p1: u8, p2: u8, body: &[u8]| {
        let mut t = Vec::new();
        tlv::write(&mut t, 0x7C, body);
        Command::new(0x00, 0x87, p1, p2)
            .with_data(t)
            .expect(256)
            .encode()
            .unwrap()
    };
    let mut good = vec![0x82, 0x00, 0x81, 0x20];
    good.extend_from_slice(&[9; 32]);
    // RSA 2048 (07) is not on this card; key 9C (signature) is not either.
    assert_eq!(rx(&mut card, &ga(0x07, 0x9A, &good)), [0x6A, 0x86]);
    assert_eq!(rx(&mut card, &ga(0x11, 0x9C, &good)), [0x6A, 0x88]);
    // A challenge of 31 bytes, no response request, a witness request: 6A80.
    let mut short = vec![0x82, 0x00, 0x81, 0x1F];
    short.extend_from_slice(&[9; 31]);
    assert_eq!(rx(&mut card, &ga(0x11, 0x9A, &short)), [0x6A, 0x80]);
    assert_eq!(rx(&mut card, &ga(0x11, 0x9A, &good[2..])), [0x6A, 0x80]);
    assert_eq!(rx(&mut card, &ga(0x11, 0x9A, &[0x80, 0x00])), [0x6A, 0x80]);
    // The order of 81 and 82 does not matter; the answer is 7C { 82 DER signature }.
    let mut swapped = good[2..].to_vec();
    swapped.extend_from_slice(&[0x82, 0x00]);
    let r = rx(&mut card, &ga(0x11, 0x9A, &swapped));
    assert_eq!(r[0], 0x7C);
    assert_eq!(&r[r.len() - 2..], [0x90, 0x00]);
    let sig = &r[4..r.len() - 2];
    budi_card()
        .card_key()
        .unwrap()
        .verify(&[9; 32], sig)
        .unwrap();
}

#[test]
fn get_data_answers_the_certificate_and_chuid_only() {
    let mut card = officer_card().with_chunk(256);
    rx(&mut card, &SELECT_PIV_NO_ANSWER);
    let get = |tag: &[u8]| {
        let mut d = vec![0x5C, tag.len() as u8];
        d.extend_from_slice(tag);
        Command::new(0x00, 0xCB, 0x3F, 0xFF)
            .with_data(d)
            .expect(256)
            .encode()
            .unwrap()
    };
    // Discovery, CCC, the other certificates, key history: absent.
    for tag in [
        &[0x7E][..],
        &[0x5F, 0xC1, 0x07],
        &[0x5F, 0xC1, 0x0A],
        &[0x5F, 0xC1, 0x0C],
    ] {
        assert_eq!(rx(&mut card, &get(tag)), [0x6A, 0x82], "{}", hex(tag));
    }
    // Not a tag list, wrong P1-P2.
    assert_eq!(
        rx(&mut card, &[0x00, 0xCB, 0x3F, 0xFF, 0x02, 0x01, 0x02, 0x00]),
        [0x6A, 0x80]
    );
    assert_eq!(
        rx(
            &mut card,
            &[
                0x00, 0xCB, 0x00, 0x00, 0x05, 0x5C, 0x03, 0x5F, 0xC1, 0x05, 0x00
            ]
        ),
        [0x6A, 0x86]
    );
    let cert = rx(&mut card, &get(&[0x5F, 0xC1, 0x05]));
    assert_eq!(cert[0], 0x53);
    // Outside PIV, GET DATA is not an instruction of the card.
    assert_eq!(rx(&mut card, &[0x00, 0xA4, 0x00, 0x0C]), [0x90, 0x00]);
    assert_eq!(rx(&mut card, &get(&[0x5F, 0xC1, 0x05])), [0x6D, 0x00]);
}

#[test]
fn a_card_round_trips_through_its_wallet_file() {
    let card = budi_card();
    let json = card.to_json().unwrap();
    let back = PivCard::from_json(&json).unwrap();
    assert_eq!(back, card);
    let mut vc = VirtualCard::officer(back);
    assert!(piv::login(&mut vc, "246813").is_ok());
    // A file whose key was replaced is refused.
    let other = PivCard::personalize("Budi Santoso", "246813").unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let other_json: serde_json::Value = serde_json::from_str(&other.to_json().unwrap()).unwrap();
    v["key"] = other_json["key"].clone();
    assert!(PivCard::from_json(&v.to_string()).is_err());
    // Holders with DN metacharacters still get a certificate.
    let odd = PivCard::personalize("Dr. A, B=C+\"D\"", "123456").unwrap();
    assert!(
        odd.card_key()
            .unwrap()
            .subject
            .starts_with("CN=Dr. A  B C  D")
    );
}

#[test]
fn applicant_cards_read_without_a_pin() {
    let mut card = VirtualCard::applicant(&siti()).unwrap();
    assert_eq!(applicant::read(&mut card), Ok(siti()));
    let mut source = applicant::RekamApplicantProfile(&mut card);
    assert_eq!(
        applicant::ApplicantSource::read_applicant(&mut source),
        Ok(siti())
    );
}

#[test]
fn each_profile_refuses_the_other_card() {
    let mut a = VirtualCard::applicant(&siti()).unwrap();
    assert_eq!(
        piv::verify_pin(&mut a, "246813"),
        Err(SmartcardError::WrongCard {
            expected: CardKind::Officer
        })
    );
    let mut o = officer_card();
    assert_eq!(
        applicant::read(&mut o),
        Err(SmartcardError::WrongCard {
            expected: CardKind::Applicant
        })
    );
    assert_eq!(identify(&mut a), Ok(Some(CardKind::Applicant)));
    assert_eq!(identify(&mut o), Ok(Some(CardKind::Officer)));
    assert_eq!(identify(&mut VirtualCard::blank()), Ok(None));
    assert!(
        a.info()
            .details
            .contains(&("applications".to_owned(), "applicant".to_owned()))
    );
    // One card may carry both applications.
    let mut both = officer_card().with_applicant(&siti()).unwrap();
    assert_eq!(applicant::read(&mut both), Ok(siti()));
    assert!(piv::login(&mut both, "246813").is_ok());
}

#[test]
fn answers_6cxx_when_le_does_not_fit() {
    let mut card = VirtualCard::applicant(&siti()).unwrap().with_chunk(256);
    let select_ef = [
        0x00, 0xA4, 0x04, 0x0C, 0x07, 0xF0, 0x52, 0x45, 0x4B, 0x41, 0x4D, 0x02,
    ];
    assert_eq!(rx(&mut card, &select_ef), [0x90, 0x00]);
    assert_eq!(
        rx(&mut card, &[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x02, 0x01]),
        [0x90, 0x00]
    );
    // The file is 33 bytes: asking 40 from offset 0 gets 6C21; from offset 30, 6C03.
    assert_eq!(rx(&mut card, &[0x00, 0xB0, 0x00, 0x00, 40]), [0x6C, 0x21]);
    assert_eq!(rx(&mut card, &[0x00, 0xB0, 0x00, 30, 40]), [0x6C, 0x03]);
    // Le = 00 means "all there is".
    assert_eq!(
        rx(&mut card, &[0x00, 0xB0, 0x00, 30, 0x00]),
        [b'n', b'a', b'h', 0x90, 0x00]
    );
    // Fewer than available is fine; beyond the end is 6B00; no Le is 6700.
    assert_eq!(
        rx(&mut card, &[0x00, 0xB0, 0x00, 0x02, 0x02]),
        [0x80, 0x10, 0x90, 0x00]
    );
    assert_eq!(rx(&mut card, &[0x00, 0xB0, 0x00, 33, 0x01]), [0x6B, 0x00]);
    assert_eq!(rx(&mut card, &[0x00, 0xB0, 0x00, 0x00]), [0x67, 0x00]);
}

#[test]
fn answers_61xx_when_the_answer_is_longer_than_a_chunk() {
    let mut card = officer_card().with_chunk(10);
    // The application property template is 45 bytes: 10, then 35 after 6123.
    let first = rx(&mut card, &SELECT_PIV);
    assert_eq!(first.len(), 12);
    assert_eq!(&first[10..], [0x61, 35]);
    // GET RESPONSE with a too large Le: 6C23; with 5: 5 bytes and 611E; then the rest.
    assert_eq!(rx(&mut card, &[0x00, 0xC0, 0x00, 0x00, 0x30]), [0x6C, 35]);
    assert_eq!(
        &rx(&mut card, &[0x00, 0xC0, 0x00, 0x00, 0x05])[5..],
        [0x61, 30]
    );
    for left in [20, 10] {
        assert_eq!(
            &rx(&mut card, &[0x00, 0xC0, 0x00, 0x00, 0x00])[10..],
            [0x61, left]
        );
    }
    assert_eq!(
        rx(&mut card, &[0x00, 0xC0, 0x00, 0x00, 0x00]),
        [
            b'P', b'I', b'V', 0xAC, 0x05, 0x80, 0x01, 0x11, 0x06, 0x00, 0x90, 0x00
        ]
    );
    // Nothing pending any more.
    assert_eq!(rx(&mut card, &[0x00, 0xC0, 0x00, 0x00, 0x00]), [0x69, 0x85]);
    // SELECT without Le leaves the whole template for GET RESPONSE, like a T=0 card.
    let no_le = &SELECT_PIV[..14];
    assert_eq!(rx(&mut card, no_le), [0x61, 45]);
    // Another command in between discards it.
    assert_eq!(rx(&mut card, &[0x00, 0x20, 0x00, 0x80]), [0x63, 0xC3]);
    assert_eq!(rx(&mut card, &[0x00, 0xC0, 0x00, 0x00, 0x00]), [0x69, 0x85]);
}

#[test]
fn rejects_what_it_does_not_implement() {
    let mut card = officer_card().with_applicant(&siti()).unwrap();
    assert_eq!(rx(&mut card, &[0x00]), [0x67, 0x00]);
    assert_eq!(
        rx(&mut card, &[0x00, 0xA4, 0x04, 0x00, 0x00, 0x00, 0x01]),
        [0x67, 0x00]
    );
    assert_eq!(rx(&mut card, &[0x80, 0xCA, 0x00, 0x00]), [0x6E, 0x00]);
    assert_eq!(rx(&mut card, &[0x01, 0xA4, 0x00, 0x0C]), [0x68, 0x81]);
    assert_eq!(rx(&mut card, &[0x0C, 0xA4, 0x00, 0x0C]), [0x68, 0x82]);
    assert_eq!(rx(&mut card, &[0x00, 0xCA, 0x00, 0x00]), [0x6D, 0x00]);
    // No application selected: VERIFY has no reference data, READ BINARY no current EF.
    assert_eq!(rx(&mut card, &[0x00, 0x20, 0x00, 0x80]), [0x6A, 0x88]);
    assert_eq!(rx(&mut card, &[0x00, 0xB0, 0x00, 0x00, 0x10]), [0x69, 0x86]);
    assert_eq!(
        rx(&mut card, &[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x01, 0x01]),
        [0x6A, 0x82]
    );
    // Unknown AID, unknown FID, P2 asking for FMD, short EF identifier, wrong PIN length.
    assert_eq!(
        rx(&mut card, &[0x00, 0xA4, 0x04, 0x0C, 0x02, 0xF0, 0x00]),
        [0x6A, 0x82]
    );
    assert_eq!(
        rx(
            &mut card,
            &[
                0x00, 0xA4, 0x04, 0x0C, 0x07, 0xF0, 0x52, 0x45, 0x4B, 0x41, 0x4D, 0x02
            ]
        ),
        [0x90, 0x00]
    );
    assert_eq!(
        rx(&mut card, &[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x01, 0x01]),
        [0x6A, 0x82]
    );
    assert_eq!(
        rx(&mut card, &[0x00, 0xA4, 0x02, 0x08, 0x02, 0x01, 0x01]),
        [0x6A, 0x86]
    );
    assert_eq!(rx(&mut card, &[0x00, 0xB0, 0x81, 0x00, 0x10]), [0x6A, 0x81]);
    assert_eq!(rx(&mut card, &[0x00, 0x20, 0x00, 0x80]), [0x6A, 0x88]);
    rx(&mut card, &SELECT_PIV_NO_ANSWER);
    assert_eq!(
        rx(&mut card, &[0x00, 0x20, 0x00, 0x80, 0x02, 0x31, 0x32]),
        [0x67, 0x00]
    );
    assert_eq!(rx(&mut card, &[0x00, 0x20, 0x00, 0x82]), [0x6A, 0x88]);
    // Command chaining (CLA 10) is not needed by the subset (every command fits a short APDU).
    assert_eq!(
        rx(&mut card, &[0x10, 0x87, 0x11, 0x9A, 0x01, 0x7C]),
        [0x6E, 0x00]
    );
    assert_eq!(card.pin_tries_left(), 3);
}

#[test]
fn select_returns_the_fcp_of_an_ef() {
    let mut card = VirtualCard::applicant(&siti()).unwrap();
    rx(
        &mut card,
        &[
            0x00, 0xA4, 0x04, 0x0C, 0x07, 0xF0, 0x52, 0x45, 0x4B, 0x41, 0x4D, 0x02,
        ],
    );
    let fcp = rx(&mut card, &[0x00, 0xA4, 0x02, 0x04, 0x02, 0x02, 0x01, 0x00]);
    assert_eq!(
        fcp,
        [
            0x62, 0x0B, 0x80, 0x02, 0x00, 0x21, 0x82, 0x01, 0x01, 0x83, 0x02, 0x02, 0x01, 0x90,
            0x00
        ]
    );
}

#[test]
fn the_atr_is_well_formed() {
    assert_eq!(ATR[..3], [0x3B, 0x8B, 0x01]);
    assert_eq!(&ATR[3..14], ATR_HISTORICAL);
    // TCK makes the XOR of T0..TCK zero.
    assert_eq!(ATR[1..].iter().fold(0, |a, b| a ^ b), 0);
}

fn any_apdu() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..300),
        // Mostly well-formed commands with the instructions the card knows, to go deep.
        (
            prop_oneof![Just(0x00u8), any::<u8>()],
            prop_oneof![
                Just(0xA4u8),
                Just(0x20),
                Just(0xB0),
                Just(0xC0),
                any::<u8>()
            ],
            any::<u8>(),
            any::<u8>(),
            prop_oneof![
                Just(Vec::new()),
                Just(PIV_AID_TRUNCATED.to_vec()),
                Just(APPLICANT_AID.to_vec()),
                Just(vec![0x01, 0x01]),
                Just(b"2468\xFF\xFF\xFF\xFF".to_vec()),
                proptest::collection::vec(any::<u8>(), 0..20),
            ],
            proptest::option::of(1u16..=256),
        )
            .prop_map(|(cla, ins, p1, p2, data, ne)| {
                let mut c = Command::new(cla, ins, p1, p2).with_data(data);
                c.ne = ne;
                c.encode().unwrap_or_default()
            }),
    ]
}

proptest! {
    #[test]
    fn never_panics_on_arbitrary_apdus(
        apdus in proptest::collection::vec(any_apdu(), 1..40),
        chunk in 1usize..=256,
    ) {
        let mut card = officer_card().with_applicant(&siti()).unwrap().with_chunk(chunk);
        for a in &apdus {
            let r = card.process(a);
            prop_assert!(r.len() >= 2 && r.len() <= 258, "{} -> {}", hex(a), hex(&r));
        }
        prop_assert!(card.pin_tries_left() <= 3);
        // Whatever happened, a reset and the right PIN (if not blocked) still work.
        card.reset();
        match card.pin_tries_left() {
            0 => prop_assert_eq!(piv::login(&mut card, "246813"), Err(SmartcardError::PinBlocked)),
            _ => prop_assert!(piv::login(&mut card, "246813").is_ok()),
        }
    }

    #[test]
    fn any_valid_applicant_card_reads_back(
        name in "\\PC{1,30}",
        nik in "[0-9]{16}",
        chunk in 1usize..=256,
    ) {
        let a = ApplicantCard { nik, name };
        let mut card = officer_card().with_applicant(&a).unwrap().with_chunk(chunk);
        prop_assert_eq!(applicant::read(&mut card), Ok(a));
        prop_assert!(piv::login(&mut card, "246813").is_ok());
    }
}

proptest! {
    // Each case personalises a card (a key and a certificate): few cases.
    #![proptest_config(ProptestConfig::with_cases(12))]
    #[test]
    fn any_personalised_card_logs_in(holder in "\\PC{0,40}", pin in "[0-9]{6,8}", chunk in 1usize..=256) {
        let card = PivCard::personalize(&holder, &pin).unwrap();
        let key = card.card_key().unwrap();
        let mut vc = VirtualCard::officer(card).with_chunk(chunk);
        let proof = piv::login(&mut vc, &pin).unwrap();
        prop_assert_eq!(&proof.key, &key);
        prop_assert!(proof.verify_with(&key.spki).is_ok());
    }
}
