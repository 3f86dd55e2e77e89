//! The virtual PIV card checked by an implementation that is not ours: OpenSC (Debian's
//! `opensc` package), the PIV client most smartcard middleware builds on, talking to the card
//! through a real `pcscd` and the `vsmartcard-vpcd` reader. OpenSC must recognise the card as
//! PIV, read the same certificate our host code reads, and have the card sign through its
//! PKCS#11 module after VERIFY, with a signature that verifies with the certificate's key; a
//! wrong PIN must cost a try on the card. So the virtual card is not only checked by our own
//! driver, and what our driver expects of a card is what OpenSC expects of one.
//!
//! Needs `opensc`, `pcscd` and `vsmartcard-vpcd` (`packaging/dev/deps.sh`), and root for pcscd
//! (as in CI).

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{PIN, Pcscd, Watch, budi_card, budi_key, officer_card, turn};
use rekam_smartcard::virtual_card::vpcd::{VPCD_PORT, VPCD_READER};
use rekam_smartcard::{SmartcardConfig, VpcdCard, piv};
use x509_cert::der::{DecodePem, Encode};

const PKCS11_MODULE: &str = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so";

fn run(program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        // No file cache: every run reads the card.
        .env("OPENSC_CONF", "/dev/null")
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "{program} cannot run ({e}): install opensc ({})",
                common::DEPS
            )
        })
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn opensc_reads_the_certificate_and_signs_with_the_virtual_piv_card() {
    assert!(
        Path::new(PKCS11_MODULE).exists(),
        "OpenSC's PKCS#11 module is missing: {}",
        common::DEPS
    );
    let _turn = turn();
    let _pcscd = Pcscd::start();
    let mut watch = Watch::start(SmartcardConfig::default());
    let vcard = VpcdCard::insert(officer_card(), VPCD_PORT).expect("vpcd port");
    watch.card_inserted(VPCD_READER);
    let dir = tempfile::tempdir().expect("temp dir");

    // pkcs15-tool sees a PIV card with the PIV authentication certificate, ID 01...
    let listed = run("pkcs15-tool", &["--list-certificates"]);
    assert!(listed.status.success(), "{}", text(&listed));
    assert!(
        text(&listed).contains("Certificate for PIV Authentication"),
        "{}",
        text(&listed)
    );
    // ...and reads the very certificate the card was personalised with.
    let read = run("pkcs15-tool", &["--read-certificate", "01"]);
    assert!(read.status.success(), "{}", text(&read));
    let cert = x509_cert::Certificate::from_pem(&read.stdout).expect("a PEM certificate");
    assert_eq!(cert.to_der().expect("DER"), budi_card().certificate());

    // The PKCS#11 module logs in with the PIN and has the card sign a challenge (CKM_ECDSA:
    // the 32 bytes as the hash input, a raw r || s answer).
    let challenge = [0x5Au8; 32];
    let input = dir.path().join("challenge");
    let output = dir.path().join("signature");
    std::fs::write(&input, challenge).expect("write");
    let signed = run(
        "pkcs11-tool",
        &[
            "--module",
            PKCS11_MODULE,
            "--login",
            "--pin",
            PIN,
            "--sign",
            "--mechanism",
            "ECDSA",
            "--id",
            "01",
            "--input-file",
            input.to_str().expect("utf-8 path"),
            "--output-file",
            output.to_str().expect("utf-8 path"),
        ],
    );
    assert!(signed.status.success(), "{}", text(&signed));
    let raw = std::fs::read(&output).expect("signature");
    assert_eq!(raw.len(), 64, "r || s");
    let der = p256::ecdsa::Signature::from_slice(&raw)
        .expect("an ECDSA signature")
        .to_der();
    piv::verify_with(&budi_key().spki, &challenge, der.as_bytes())
        .expect("OpenSC's signature verifies with the card's key");

    // A wrong PIN is refused by the card and costs a try there.
    let wrong = run(
        "pkcs11-tool",
        &[
            "--module",
            PKCS11_MODULE,
            "--login",
            "--pin",
            "111111",
            "--sign",
            "--mechanism",
            "ECDSA",
            "--id",
            "01",
            "--input-file",
            input.to_str().expect("utf-8 path"),
        ],
    );
    assert!(!wrong.status.success(), "{}", text(&wrong));
    let vcard = vcard.remove();
    watch.card_removed(VPCD_READER);
    assert_eq!(vcard.pin_tries_left(), 2);
    watch.stop();
}
