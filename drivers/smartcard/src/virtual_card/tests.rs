//! The virtual card driven through the profiles over the in-process transport, and raw APDUs
//! checking the ISO 7816-4 behaviour the documentation promises.

use proptest::prelude::*;

use super::*;
use crate::error::CardKind;
use crate::profile::officer::{OfficerRole, PinStatus};
use crate::profile::{applicant, identify, officer};

fn budi() -> OfficerCard {
    OfficerCard {
        officer_id: "198703122010011004".into(),
        name: "Budi Santoso".into(),
        role: OfficerRole::Supervisor,
    }
}

fn siti() -> ApplicantCard {
    ApplicantCard {
        nik: "3201014708900002".into(),
        name: "Siti Aminah".into(),
    }
}

fn officer_card() -> VirtualCard {
    VirtualCard::officer(&budi(), "2468").unwrap()
}

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
fn officer_login_reads_the_card() {
    let mut card = officer_card();
    assert_eq!(officer::login(&mut card, "2468").unwrap(), budi());
    assert_eq!(card.pin_tries_left(), 3);
}

#[test]
fn the_login_exchange_is_the_documented_one() {
    let mut card = officer_card();
    let mut t = Logged {
        card: &mut card,
        log: Vec::new(),
    };
    officer::login(&mut t, "2468").unwrap();
    let want = [
        // SELECT the officer application, FCI in two pieces (32-byte chunks).
        "00 A4 04 00 07 F0 52 45 4B 41 4D 01 00 -> 6F 18 84 07 F0 52 45 4B 41 4D 01 50 0D 52 45 4B 41 4D 20 4F 46 46 49 43 45 52 90 00",
        // VERIFY.
        "00 20 00 81 08 32 34 36 38 FF FF FF FF -> 90 00",
        // SELECT again (keeps the PIN verified), SELECT EF 0101.
        "00 A4 04 00 07 F0 52 45 4B 41 4D 01 00 -> 6F 18 84 07 F0 52 45 4B 41 4D 01 50 0D 52 45 4B 41 4D 20 4F 46 46 49 43 45 52 90 00",
        "00 A4 02 0C 02 01 01 -> 90 00",
        // READ BINARY 128 bytes: the file has 39, 6C27; read 39: 32 bytes and 6107; GET RESPONSE.
        "00 B0 00 00 80 -> 6C 27",
        "00 B0 00 00 27 -> 70 25 80 12 31 39 38 37 30 33 31 32 32 30 31 30 30 31 31 30 30 34 81 0C 42 75 64 69 20 53 61 6E 61 07",
        "00 C0 00 00 07 -> 74 6F 73 6F 82 01 02 90 00",
    ];
    assert_eq!(t.log, want, "{:#?}", t.log);
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
fn any_chunk_size_reads_the_same_data() {
    let long = OfficerCard {
        officer_id: "X".repeat(32),
        // 118 bytes of UTF-8: the file is 161 bytes, read in two READ BINARY commands.
        name: "Ñ".repeat(59),
        role: OfficerRole::Operator,
    };
    for chunk in [1, 2, 7, 31, 32, 33, 127, 128, 255, 256] {
        let mut card = VirtualCard::officer(&long, "123456")
            .unwrap()
            .with_chunk(chunk);
        assert_eq!(
            officer::login(&mut card, "123456").unwrap(),
            long,
            "chunk {chunk}"
        );
    }
}

#[test]
fn reading_without_the_pin_is_refused() {
    let mut card = officer_card();
    assert_eq!(
        officer::read(&mut card),
        Err(SmartcardError::SecurityNotSatisfied)
    );
}

#[test]
fn a_wrong_pin_spends_a_try_and_the_query_does_not() {
    let mut card = officer_card();
    assert_eq!(
        officer::pin_status(&mut card),
        Ok(PinStatus::RetriesLeft(3))
    );
    assert_eq!(
        officer::verify_pin(&mut card, "1111"),
        Err(SmartcardError::WrongPin { retries_left: 2 })
    );
    for _ in 0..3 {
        assert_eq!(
            officer::pin_status(&mut card),
            Ok(PinStatus::RetriesLeft(2))
        );
    }
    assert_eq!(card.pin_tries_left(), 2);
    // The raw answer is 63C2.
    rx(
        &mut card,
        &[
            0x00, 0xA4, 0x04, 0x0C, 0x07, 0xF0, 0x52, 0x45, 0x4B, 0x41, 0x4D, 0x01,
        ],
    );
    assert_eq!(rx(&mut card, &[0x00, 0x20, 0x00, 0x81]), [0x63, 0xC2]);
    // The right PIN resets the counter.
    assert_eq!(officer::login(&mut card, "2468"), Ok(budi()));
    assert_eq!(card.pin_tries_left(), 3);
    assert_eq!(officer::pin_status(&mut card), Ok(PinStatus::Verified));
}

#[test]
fn a_malformed_pin_is_refused_before_it_costs_a_try() {
    let mut card = officer_card();
    assert_eq!(
        officer::verify_pin(&mut card, "12"),
        Err(SmartcardError::InvalidPinFormat)
    );
    assert_eq!(card.pin_tries_left(), 3);
    assert_eq!(card.commands_processed(), 0);
}

#[test]
fn three_wrong_pins_block_the_card_for_good() {
    let mut card = officer_card();
    assert_eq!(
        officer::verify_pin(&mut card, "0000"),
        Err(SmartcardError::WrongPin { retries_left: 2 })
    );
    assert_eq!(
        officer::verify_pin(&mut card, "0000"),
        Err(SmartcardError::WrongPin { retries_left: 1 })
    );
    // The last try answers 63C0, which is already "blocked".
    assert_eq!(
        officer::verify_pin(&mut card, "0000"),
        Err(SmartcardError::PinBlocked)
    );
    // From now on 6983, even with the right PIN, and across resets.
    rx(
        &mut card,
        &[
            0x00, 0xA4, 0x04, 0x0C, 0x07, 0xF0, 0x52, 0x45, 0x4B, 0x41, 0x4D, 0x01,
        ],
    );
    let right = [
        0x00, 0x20, 0x00, 0x81, 0x08, b'2', b'4', b'6', b'8', 0xFF, 0xFF, 0xFF, 0xFF,
    ];
    assert_eq!(rx(&mut card, &right), [0x69, 0x83]);
    card.reset();
    assert_eq!(
        officer::verify_pin(&mut card, "2468"),
        Err(SmartcardError::PinBlocked)
    );
    assert_eq!(officer::pin_status(&mut card), Ok(PinStatus::Blocked));
    assert_eq!(
        officer::read(&mut card),
        Err(SmartcardError::SecurityNotSatisfied)
    );
}

#[test]
fn verification_lasts_for_the_application_session_only() {
    let mut card = officer_card();
    officer::verify_pin(&mut card, "2468").unwrap();
    // Re-selecting the same application keeps it.
    assert!(officer::read(&mut card).is_ok());
    // A reset clears it.
    card.reset();
    assert_eq!(
        officer::read(&mut card),
        Err(SmartcardError::SecurityNotSatisfied)
    );
    // Selecting the MF clears it.
    officer::verify_pin(&mut card, "2468").unwrap();
    assert_eq!(rx(&mut card, &[0x00, 0xA4, 0x00, 0x0C]), [0x90, 0x00]);
    assert_eq!(
        officer::read(&mut card),
        Err(SmartcardError::SecurityNotSatisfied)
    );
    // VERIFY with P1 = FF clears it.
    officer::verify_pin(&mut card, "2468").unwrap();
    assert_eq!(rx(&mut card, &[0x00, 0x20, 0xFF, 0x81]), [0x90, 0x00]);
    assert_eq!(rx(&mut card, &[0x00, 0x20, 0x00, 0x81]), [0x63, 0xC3]);
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
        officer::verify_pin(&mut a, "2468"),
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
    assert_eq!(officer::login(&mut both, "2468"), Ok(budi()));
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
    let select = [
        0x00, 0xA4, 0x04, 0x00, 0x07, 0xF0, 0x52, 0x45, 0x4B, 0x41, 0x4D, 0x01, 0x00,
    ];
    let first = rx(&mut card, &select);
    assert_eq!(first.len(), 12);
    assert_eq!(&first[10..], [0x61, 16]);
    // GET RESPONSE with a too large Le: 6C10; with 5: 5 bytes and 610B; then the rest.
    assert_eq!(rx(&mut card, &[0x00, 0xC0, 0x00, 0x00, 0x20]), [0x6C, 16]);
    assert_eq!(
        &rx(&mut card, &[0x00, 0xC0, 0x00, 0x00, 0x05])[5..],
        [0x61, 11]
    );
    assert_eq!(
        &rx(&mut card, &[0x00, 0xC0, 0x00, 0x00, 0x00])[10..],
        [0x61, 1]
    );
    assert_eq!(
        rx(&mut card, &[0x00, 0xC0, 0x00, 0x00, 0x00]),
        [b'R', 0x90, 0x00]
    );
    // Nothing pending any more.
    assert_eq!(rx(&mut card, &[0x00, 0xC0, 0x00, 0x00, 0x00]), [0x69, 0x85]);
    // SELECT without Le leaves the whole FCI for GET RESPONSE, like a T=0 card.
    let no_le = &select[..12];
    assert_eq!(rx(&mut card, no_le), [0x61, 26]);
    // Another command in between discards it.
    assert_eq!(rx(&mut card, &[0x00, 0x20, 0x00, 0x81]), [0x63, 0xC3]);
    assert_eq!(rx(&mut card, &[0x00, 0xC0, 0x00, 0x00, 0x00]), [0x69, 0x85]);
}

#[test]
fn rejects_what_it_does_not_implement() {
    let mut card = officer_card();
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
    assert_eq!(rx(&mut card, &[0x00, 0x20, 0x00, 0x81]), [0x6A, 0x88]);
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
                0x00, 0xA4, 0x04, 0x0C, 0x07, 0xF0, 0x52, 0x45, 0x4B, 0x41, 0x4D, 0x01
            ]
        ),
        [0x90, 0x00]
    );
    assert_eq!(
        rx(&mut card, &[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x02, 0x01]),
        [0x6A, 0x82]
    );
    assert_eq!(
        rx(&mut card, &[0x00, 0xA4, 0x02, 0x08, 0x02, 0x01, 0x01]),
        [0x6A, 0x86]
    );
    assert_eq!(rx(&mut card, &[0x00, 0xB0, 0x81, 0x00, 0x10]), [0x6A, 0x81]);
    assert_eq!(
        rx(&mut card, &[0x00, 0x20, 0x00, 0x81, 0x02, 0x31, 0x32]),
        [0x67, 0x00]
    );
    assert_eq!(rx(&mut card, &[0x00, 0x20, 0x00, 0x82]), [0x6A, 0x88]);
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
                Just(OFFICER_AID.to_vec()),
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
            0 => prop_assert_eq!(officer::login(&mut card, "2468"), Err(SmartcardError::PinBlocked)),
            _ => prop_assert_eq!(officer::login(&mut card, "2468"), Ok(budi())),
        }
    }

    #[test]
    fn any_valid_card_reads_back(
        id in "[!-~]{1,32}",
        name in "\\PC{1,30}",
        supervisor in any::<bool>(),
        nik in "[0-9]{16}",
        chunk in 1usize..=256,
    ) {
        prop_assume!(name.len() <= 120);
        let o = OfficerCard {
            officer_id: id,
            name: name.clone(),
            role: if supervisor { OfficerRole::Supervisor } else { OfficerRole::Operator },
        };
        let a = ApplicantCard { nik, name };
        let mut card = VirtualCard::officer(&o, "13579").unwrap().with_applicant(&a).unwrap().with_chunk(chunk);
        prop_assert_eq!(officer::login(&mut card, "13579"), Ok(o));
        prop_assert_eq!(applicant::read(&mut card), Ok(a));
    }
}
