//! Puts a virtual card into the vpcd reader of a running pcscd until Enter is pressed, to try
//! the station by hand without a card: a newly personalised PIV officer card (PIN 246813; its
//! key fingerprint is printed, and the card must be issued to a user before it logs anyone in)
//! or an applicant card.
//!
//! `cargo run -p rekam-smartcard --example insert_card -- officer|applicant [port]`
//! (port 35963 is "Virtual PCD 00 00", 35964 "Virtual PCD 00 01").

use rekam_smartcard::virtual_card::vpcd::VPCD_PORT;
use rekam_smartcard::{ApplicantCard, PivCard, VirtualCard, VpcdCard};

fn main() {
    let mut args = std::env::args().skip(1);
    let kind = args.next().unwrap_or_else(|| "officer".to_owned());
    let port = args
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or(VPCD_PORT);
    let card = match kind.as_str() {
        "officer" => PivCard::personalize("Budi Santoso", "246813").map(|c| {
            if let Ok(key) = c.card_key() {
                eprintln!("card key fingerprint {}", key.fingerprint);
            }
            VirtualCard::officer(c)
        }),
        "applicant" => VirtualCard::applicant(&ApplicantCard {
            nik: "3201014708900002".into(),
            name: "Siti Aminah".into(),
        }),
        other => {
            eprintln!("unknown card kind {other:?}: officer or applicant");
            std::process::exit(2);
        }
    }
    .expect("valid card");
    let inserted = match VpcdCard::insert(card, port) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("cannot reach the vpcd reader on port {port} ({e}): is pcscd running?");
            std::process::exit(1);
        }
    };
    eprintln!("{kind} card inserted on port {port}; press Enter to remove it");
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
    let card = inserted.remove();
    eprintln!("removed; PIN tries left: {}", card.pin_tries_left());
}
