//! Timings through a running pcscd with the vpcd reader (start it with `pcscd -f` as root):
//! how long the monitor takes to report a virtual card inserted and removed, connecting, and an
//! officer login (PIV: SELECT, VERIFY, SELECT, GET DATA of the certificate and of the CHUID with
//! their 61xx rounds, GENERAL AUTHENTICATE, and the signature check).
//!
//! `cargo run -p rekam-smartcard --example pcscd_timing [logins]`

use std::time::{Duration, Instant};

use rekam_device::{Event, channel};
use rekam_smartcard::virtual_card::vpcd::{VPCD_PORT, VPCD_READER};
use rekam_smartcard::{
    CardEvent, PcscCard, PivCard, SmartcardConfig, VirtualCard, VpcdCard, monitor, piv,
};

fn wait_for(
    rx: &rekam_device::Receiver<rekam_smartcard::MonitorEvent>,
    want: impl Fn(&CardEvent) -> bool,
) -> Duration {
    let start = Instant::now();
    loop {
        match rx.recv_timeout(Duration::from_secs(5)) {
            Ok(Event::Data(e)) if want(&e) => return start.elapsed(),
            Ok(Event::Error(e)) => {
                eprintln!("monitor: {e}");
                std::process::exit(1);
            }
            Ok(_) => {}
            Err(_) => {
                eprintln!("no event within 5 s: is pcscd running with the vpcd reader?");
                std::process::exit(1);
            }
        }
    }
}

fn main() {
    let logins: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(50);
    let budi = PivCard::personalize("Budi Santoso", "246813").expect("personalise");
    let key = budi.card_key().expect("own certificate");
    let card = VirtualCard::officer(budi);
    let (tx, rx) = channel(64);
    let _monitor =
        monitor::spawn(SmartcardConfig::reader(VPCD_READER), tx).expect("monitor thread");
    // Let the monitor report the readers first.
    std::thread::sleep(Duration::from_millis(300));
    while rx.try_recv().is_ok() {}

    let inserted_at = Instant::now();
    let vcard = VpcdCard::insert(card, VPCD_PORT).expect("vpcd port: is pcscd running?");
    wait_for(&rx, |e| matches!(e, CardEvent::CardInserted { .. }));
    let insert = inserted_at.elapsed();

    let start = Instant::now();
    let mut pcsc = PcscCard::open(&SmartcardConfig::reader(VPCD_READER)).expect("connect");
    let connect = start.elapsed();
    let start = Instant::now();
    for _ in 0..logins {
        assert_eq!(
            piv::login(&mut pcsc, "246813").map(|p| p.key).as_ref(),
            Ok(&key)
        );
    }
    let login = start.elapsed() / logins.max(1);
    drop(pcsc);

    let removed_at = Instant::now();
    drop(vcard);
    wait_for(&rx, |e| matches!(e, CardEvent::CardRemoved { .. }));
    let remove = removed_at.elapsed();

    println!(
        "insert -> CardInserted  {:>8.1} ms",
        insert.as_secs_f64() * 1e3
    );
    println!(
        "connect                 {:>8.1} ms",
        connect.as_secs_f64() * 1e3
    );
    println!(
        "officer login (x{logins:<3})   {:>8.2} ms each (PIV: SELECT, VERIFY, 2 GET DATA, GENERAL AUTHENTICATE, in 61xx pieces)",
        login.as_secs_f64() * 1e3
    );
    println!(
        "remove -> CardRemoved   {:>8.1} ms",
        remove.as_secs_f64() * 1e3
    );
}
