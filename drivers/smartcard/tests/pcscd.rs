//! The driver against the real PC/SC stack: `pcscd` with the `vsmartcard-vpcd` virtual reader,
//! the virtual card connected to it over TCP as a vpcd client. Each test starts its own pcscd
//! (only one can run per machine, so the tests take turns through a lock) and a guard stops it
//! even when the test fails (see `common`).
//!
//! Needs `pcscd` and `vsmartcard-vpcd` (`packaging/dev/deps.sh` installs them) and permission to
//! create `/run/pcscd` (root, as in CI).

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{PIN, Pcscd, Watch, budi_key, officer_card, siti, turn};
use rekam_device::{Backend, Event};
use rekam_smartcard::virtual_card::vpcd::{
    VPCD_PORT, VPCD_PORT_SECOND, VPCD_READER, VPCD_READER_SECOND,
};
use rekam_smartcard::virtual_card::{ATR, VirtualCard};
use rekam_smartcard::{
    CardEvent, CardKind, CardPresence, Fault, PcscCard, PinStatus, SmartcardConfig, SmartcardError,
    VpcdCard, applicant, list_readers, piv,
};

#[test]
fn officer_card_is_reported_and_read() {
    let _turn = turn();
    let _pcscd = Pcscd::start();
    let mut watch = Watch::start(SmartcardConfig::default());
    watch.expect("ReaderAdded", 5, |e| {
        *e == Event::Data(CardEvent::ReaderAdded {
            reader: VPCD_READER_SECOND.into(),
        })
    });
    let Event::Connected(info) = watch.expect("Connected", 5, |e| matches!(e, Event::Connected(_)))
    else {
        unreachable!()
    };
    assert_eq!(info.model, VPCD_READER, "the first reader is the default");
    assert_eq!(info.backend, Backend::Simulated);

    let readers = list_readers().expect("service running");
    assert_eq!(readers.len(), 2, "{readers:?}");
    assert!(readers.iter().all(|r| r.card == CardPresence::Empty));

    assert_eq!(
        PcscCard::open(&SmartcardConfig::default()).err(),
        Some(SmartcardError::NoCard {
            reader: VPCD_READER.into()
        })
    );

    let vcard = VpcdCard::insert(officer_card(), VPCD_PORT).expect("vpcd port");
    watch.card_inserted(VPCD_READER);
    let readers = list_readers().expect("service running");
    assert_eq!(readers[0].card, CardPresence::Present { atr: ATR.to_vec() });

    let mut card = PcscCard::open(&SmartcardConfig::default()).expect("connect");
    assert_eq!(card.reader(), VPCD_READER);
    assert_eq!(card.atr(), ATR);
    assert!(
        card.info()
            .details
            .iter()
            .any(|(k, v)| k == "protocol" && v == "T=1")
    );
    assert_eq!(piv::pin_status(&mut card), Ok(PinStatus::RetriesLeft(3)));
    assert_eq!(
        piv::sign_challenge(&mut card, &[1; 32]),
        Err(SmartcardError::SecurityNotSatisfied)
    );
    assert_eq!(piv::login(&mut card, PIN).map(|p| p.key), Ok(budi_key()));

    // The connection is exclusive: another program (or screen) is told the reader is busy.
    assert_eq!(
        PcscCard::open(&SmartcardConfig::default()).err(),
        Some(SmartcardError::Busy)
    );
    drop(card);

    let vcard = vcard.remove();
    watch.card_removed(VPCD_READER);
    assert_eq!(vcard.pin_tries_left(), 3);
    assert!(vcard.commands_processed() > 5);
    watch.stop();
}

#[test]
fn applicant_card_in_the_configured_second_reader() {
    let _turn = turn();
    let _pcscd = Pcscd::start();
    let config = SmartcardConfig::reader(VPCD_READER_SECOND);
    let mut watch = Watch::start(config.clone());
    let Event::Connected(info) = watch.expect("Connected", 5, |e| matches!(e, Event::Connected(_)))
    else {
        unreachable!()
    };
    assert_eq!(info.model, VPCD_READER_SECOND);

    // A card in the first reader is not the configured reader's business.
    let other = VpcdCard::insert(officer_card(), VPCD_PORT).expect("vpcd port");
    let _vcard = VpcdCard::insert(
        VirtualCard::applicant(&siti()).expect("valid"),
        VPCD_PORT_SECOND,
    )
    .expect("vpcd port");
    watch.card_inserted(VPCD_READER_SECOND);
    assert!(
        !watch
            .seen
            .iter()
            .any(|e| matches!(e, Event::Data(CardEvent::CardInserted { reader, .. }) if reader == VPCD_READER)),
        "{:#?}",
        watch.seen
    );
    drop(other);

    let mut card = PcscCard::open(&config).expect("connect");
    assert_eq!(applicant::read(&mut card), Ok(siti()));
    assert_eq!(
        piv::verify_pin(&mut card, PIN),
        Err(SmartcardError::WrongCard {
            expected: CardKind::Officer
        })
    );
    assert_eq!(
        PcscCard::open(&SmartcardConfig::reader("No Such Reader 00 00")).err(),
        Some(SmartcardError::ReaderNotFound {
            name: "No Such Reader 00 00".into()
        })
    );
    watch.stop();
}

#[test]
fn wrong_pins_count_down_and_block_the_card() {
    let _turn = turn();
    let _pcscd = Pcscd::start();
    let mut watch = Watch::start(SmartcardConfig::default());
    let vcard = VpcdCard::insert(officer_card(), VPCD_PORT).expect("vpcd port");
    watch.card_inserted(VPCD_READER);

    let mut card = PcscCard::open(&SmartcardConfig::default()).expect("connect");
    assert_eq!(
        piv::verify_pin(&mut card, "111111"),
        Err(SmartcardError::WrongPin { retries_left: 2 })
    );
    // Reading the counter spends nothing.
    assert_eq!(piv::pin_status(&mut card), Ok(PinStatus::RetriesLeft(2)));
    assert_eq!(piv::pin_status(&mut card), Ok(PinStatus::RetriesLeft(2)));
    drop(card);

    // The counter lives in the card: out and in again, it is still 2.
    let vcard = vcard.remove();
    watch.card_removed(VPCD_READER);
    assert_eq!(vcard.pin_tries_left(), 2);
    let _vcard = VpcdCard::insert(vcard, VPCD_PORT).expect("vpcd port");
    watch.card_inserted(VPCD_READER);

    let mut card = PcscCard::open(&SmartcardConfig::default()).expect("connect");
    assert_eq!(piv::pin_status(&mut card), Ok(PinStatus::RetriesLeft(2)));
    assert_eq!(
        piv::verify_pin(&mut card, "111111"),
        Err(SmartcardError::WrongPin { retries_left: 1 })
    );
    assert_eq!(
        piv::verify_pin(&mut card, "111111"),
        Err(SmartcardError::PinBlocked)
    );
    // Blocked: 6983 even for the right PIN.
    assert_eq!(
        piv::verify_pin(&mut card, PIN),
        Err(SmartcardError::PinBlocked)
    );
    assert_eq!(piv::pin_status(&mut card), Ok(PinStatus::Blocked));
    assert_eq!(
        piv::sign_challenge(&mut card, &[1; 32]),
        Err(SmartcardError::SecurityNotSatisfied)
    );
    watch.stop();
}

#[test]
fn a_card_pulled_mid_read_fails_clearly_and_reads_once_back() {
    let _turn = turn();
    let _pcscd = Pcscd::start();
    let mut watch = Watch::start(SmartcardConfig::default());
    // The card leaves the reader upon the first GET DATA, after SELECT and VERIFY.
    let vcard = VpcdCard::insert_with_fault(
        officer_card(),
        VPCD_PORT,
        Fault::PullOn { ins: 0xCB, nth: 1 },
    )
    .expect("vpcd port");
    watch.card_inserted(VPCD_READER);

    let mut card = PcscCard::open(&SmartcardConfig::default()).expect("connect");
    let started = Instant::now();
    let result = piv::login(&mut card, PIN);
    assert_eq!(result, Err(SmartcardError::CardRemoved));
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
    assert!(result.unwrap_err().is_card_gone());
    // Further use of the stale connection fails just as clearly.
    let again = piv::read_certificate(&mut card).unwrap_err();
    assert!(again.is_card_gone(), "{again:?}");
    drop(card);
    watch.card_removed(VPCD_READER);
    assert!(!vcard.is_inserted());

    // Back in (no fault this time): the read works.
    let vcard = VpcdCard::insert(vcard.remove(), VPCD_PORT).expect("vpcd port");
    watch.card_inserted(VPCD_READER);
    let mut card = PcscCard::open(&SmartcardConfig::default()).expect("connect");
    assert_eq!(piv::login(&mut card, PIN).map(|p| p.key), Ok(budi_key()));
    drop(card);
    drop(vcard);
    watch.card_removed(VPCD_READER);
    watch.stop();
}

#[test]
fn a_card_that_stops_answering_times_out() {
    let _turn = turn();
    let _pcscd = Pcscd::start();
    let mut watch = Watch::start(SmartcardConfig::default());
    let vcard = VpcdCard::insert_with_fault(
        officer_card(),
        VPCD_PORT,
        Fault::MuteOn { ins: 0xCB, nth: 1 },
    )
    .expect("vpcd port");
    watch.card_inserted(VPCD_READER);

    let config = SmartcardConfig {
        apdu_timeout_ms: 400,
        ..SmartcardConfig::default()
    };
    let mut card = PcscCard::open(&config).expect("connect");
    let started = Instant::now();
    let result = piv::login(&mut card, PIN);
    let took = started.elapsed();
    assert!(
        matches!(result, Err(SmartcardError::Timeout { after, .. }) if after == Duration::from_millis(400)),
        "{result:?}"
    );
    assert!(
        took >= Duration::from_millis(400) && took < Duration::from_secs(2),
        "took {took:?}"
    );
    // The abandoned connection keeps saying so instead of blocking again.
    let started = Instant::now();
    assert!(matches!(
        piv::read_certificate(&mut card),
        Err(SmartcardError::Timeout { .. })
    ));
    assert!(started.elapsed() < Duration::from_millis(100));
    drop(card);

    // Pulling the mute card frees the reader; a good card then reads.
    let vcard = vcard.remove();
    watch.card_removed(VPCD_READER);
    let _vcard = VpcdCard::insert(vcard, VPCD_PORT).expect("vpcd port");
    watch.card_inserted(VPCD_READER);
    let mut card = PcscCard::open(&SmartcardConfig::default()).expect("connect");
    assert_eq!(piv::login(&mut card, PIN).map(|p| p.key), Ok(budi_key()));
    watch.stop();
}

#[test]
fn the_monitor_survives_a_pcscd_restart() {
    let _turn = turn();
    let mut pcscd = Pcscd::start();
    let mut watch = Watch::start(SmartcardConfig::default());
    let vcard = VpcdCard::insert(officer_card(), VPCD_PORT).expect("vpcd port");
    watch.card_inserted(VPCD_READER);

    pcscd.stop();
    watch.card_removed(VPCD_READER);
    watch.expect("Disconnected", 5, |e| {
        matches!(e, Event::Disconnected { .. })
    });
    watch.expect("ReaderRemoved", 5, |e| {
        *e == Event::Data(CardEvent::ReaderRemoved {
            reader: VPCD_READER_SECOND.into(),
        })
    });
    let Event::Error(e) = watch.expect("ServiceNotRunning", 5, |e| matches!(e, Event::Error(_)))
    else {
        unreachable!()
    };
    assert_eq!(e, SmartcardError::ServiceNotRunning);
    assert!(e.to_string().contains("pcscd) is not running"), "{e}");
    // The daemon's end closed the card's connection: the card's thread notices within its read
    // slice (50 ms), later on a loaded machine, so it is given up to 2 s.
    let closed_by = Instant::now() + Duration::from_secs(2);
    while vcard.is_inserted() && Instant::now() < closed_by {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        !vcard.is_inserted(),
        "the card still holds its connection after 2 s"
    );

    drop(pcscd);
    let _pcscd = Pcscd::start();
    watch.expect("ReaderAdded", 5, |e| {
        *e == Event::Data(CardEvent::ReaderAdded {
            reader: VPCD_READER.into(),
        })
    });
    watch.expect("Connected", 5, |e| matches!(e, Event::Connected(_)));
    let _vcard = VpcdCard::insert(vcard.remove(), VPCD_PORT).expect("vpcd port");
    watch.card_inserted(VPCD_READER);
    let mut card = PcscCard::open(&SmartcardConfig::default()).expect("connect");
    assert_eq!(piv::login(&mut card, PIN).map(|p| p.key), Ok(budi_key()));
    watch.stop();
}

/// Run by `no_daemon_running` in a child process whose pcsc-lite client looks for the service
/// at a socket that does not exist.
#[test]
#[ignore = "run by no_daemon_running in a child process"]
fn no_daemon_child() {
    if std::env::var_os("PCSCLITE_CSOCK_NAME").is_none() {
        // Run directly (`--include-ignored`): there is nothing to check without the variable.
        eprintln!("no_daemon_child only runs as the child process of no_daemon_running");
        return;
    }
    assert_eq!(list_readers(), Err(SmartcardError::ServiceNotRunning));
    assert_eq!(
        PcscCard::open(&SmartcardConfig::default()).err(),
        Some(SmartcardError::ServiceNotRunning)
    );
    let mut watch = Watch::start(SmartcardConfig::default());
    let first = watch.expect("an event", 3, |_| true);
    assert_eq!(first, Event::Error(SmartcardError::ServiceNotRunning));
    // Said once, not at every retry.
    std::thread::sleep(Duration::from_millis(1200));
    assert!(
        watch.rx.try_recv().is_err(),
        "repeated: {:?}",
        watch.rx.try_recv()
    );
    watch.stop();
    println!("no-daemon checks passed");
}

#[test]
fn no_daemon_running() {
    // A real daemon runs meanwhile, to prove that the child does not reach it: the variable is
    // honoured by the installed pcsc-lite.
    let _turn = turn();
    let _pcscd = Pcscd::start();
    let missing =
        std::env::temp_dir().join(format!("rekam-no-pcscd-{}/pcscd.comm", std::process::id()));
    let out = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "no_daemon_child",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("PCSCLITE_CSOCK_NAME", &missing)
        .output()
        .expect("run the child test");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("no-daemon checks passed"),
        "child failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    // And the daemon itself is reachable from here.
    assert!(list_readers().is_ok());
}
