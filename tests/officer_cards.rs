//! Officer cards (issue 14, part 2): PIV cards issued by a supervisor, whose key the station
//! records; a card login is a signature of a fresh challenge checked with that key. A card that
//! merely answers like one (the right certificate without the key, a replayed signature, a card
//! of another station) logs nobody in, on a production station as on a training one. Every issue,
//! revocation, login and refusal is audited. The command line issues and revokes cards; a
//! training station's simulated reader only holds cards issued like real ones.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use std::sync::OnceLock;

use common::*;
use rekam::domain::StationMode;
use rekam::store::users::UserError;
use rekam_smartcard::{LoginProof, PivCard, VirtualCard, piv};

const PIN: &str = "135790";

/// Two personalised cards, made once (key generation is slow in a debug build).
fn cards() -> &'static (PivCard, PivCard) {
    static CARDS: OnceLock<(PivCard, PivCard)> = OnceLock::new();
    CARDS.get_or_init(|| {
        (
            PivCard::personalize("Budi Santoso", PIN).unwrap(),
            PivCard::personalize("Dewi Lestari", PIN).unwrap(),
        )
    })
}

fn login(card: &PivCard) -> LoginProof {
    piv::login(&mut VirtualCard::officer(card.clone()), PIN).unwrap()
}

fn actions(store: &rekam::store::Store) -> Vec<String> {
    let mut stmt = store
        .conn()
        .prepare("SELECT action FROM audit_log ORDER BY seq")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect()
}

#[test]
fn a_production_station_logs_in_issued_cards_only_by_their_signature() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, sup, op) = station_as(&paths(dir.path()), clock(), StationMode::Production);
    let (budi, dewi) = cards();

    // Not issued yet: unknown, and audited with the card's fingerprint.
    let proof = login(budi);
    assert!(matches!(
        store.authenticate_card(&proof),
        Err(UserError::UnknownCard(_))
    ));
    assert_eq!(actions(&store).last().unwrap(), "user.login_card_unknown");

    // Only a supervisor issues; then the card logs its holder in, with a new challenge each time.
    assert!(matches!(
        store.issue_card(&op, "operator1", &proof),
        Err(UserError::NotSupervisor)
    ));
    let issued = store.issue_card(&sup, "operator1", &proof).unwrap();
    assert_eq!(issued.fingerprint, budi.card_key().unwrap().fingerprint);
    assert_eq!(actions(&store).last().unwrap(), "user.card_issue");
    let again = login(budi);
    assert_ne!(again.challenge, proof.challenge);
    assert_eq!(store.authenticate_card(&again).unwrap().id, op.id);
    assert_eq!(actions(&store).last().unwrap(), "user.login_card");
    // The same card cannot be issued twice (to anyone).
    assert!(matches!(
        store.issue_card(&sup, "kasi", &login(budi)),
        Err(UserError::CardAlreadyIssued(u)) if u == "operator1"
    ));

    // A forged card: Budi's certificate (public, readable without the PIN), another key. Its
    // own check already fails at the reader...
    let mut forged_card = VirtualCard::officer(PivCard::forged(dewi, budi));
    assert_eq!(
        piv::login(&mut forged_card, PIN),
        Err(rekam_smartcard::SmartcardError::CardAuthenticationFailed)
    );
    // ...and a proof put together by hand (Budi's key, a signature by another key, or an old
    // signature over a new challenge) is refused by the store, which checks with the key it
    // recorded, and audited.
    let mut by_hand = login(budi);
    by_hand.signature = login(dewi).signature;
    assert!(matches!(
        store.authenticate_card(&by_hand),
        Err(UserError::CardForged)
    ));
    assert_eq!(actions(&store).last().unwrap(), "user.login_card_forged");
    let mut replayed = login(budi);
    replayed.challenge[0] ^= 1;
    assert!(matches!(
        store.authenticate_card(&replayed),
        Err(UserError::CardForged)
    ));

    // A deactivated holder cannot log in with the card; revoked, the card is dead for good.
    store.deactivate_user(&sup, "operator1").unwrap();
    assert!(matches!(
        store.authenticate_card(&login(budi)),
        Err(UserError::Inactive)
    ));
    store.activate_user(&sup, "operator1").unwrap();
    assert!(matches!(
        store.revoke_card(&sup, "operator1", "ffff"),
        Err(UserError::NoSuchCard(_))
    ));
    let revoked = store
        .revoke_card(&sup, "operator1", &issued.fingerprint[..8])
        .unwrap();
    assert_eq!(revoked.len(), 1);
    assert!(matches!(
        store.authenticate_card(&login(budi)),
        Err(UserError::CardRevoked)
    ));
    let log = actions(&store);
    assert!(log.contains(&"user.card_revoke".to_owned()));
    assert_eq!(log.last().unwrap(), "user.login_card_revoked");
    assert!(store.verify_audit().unwrap().broken.is_none());
    // A production station has no training wallet.
    assert!(
        !dir.path()
            .join("data")
            .join(rekam::devices::wallet::FILE)
            .exists()
    );
}

#[test]
fn a_training_station_issues_and_revokes_cards_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = paths(dir.path());
    // Setup: the first supervisor gets a training card (in the wallet, issued in the store).
    let out = run_rekam(
        &[
            "setup",
            "--mode",
            "training",
            "--kecamatan",
            "331301",
            "--station",
            "01",
            "--supervisor",
            "kasi",
            "--name",
            "Sri Wahyuni",
        ],
        &p,
        &format!("{PASSWORD}\n{PASSWORD}\n"),
    );
    assert!(out.status.success(), "{}", output_text(&out));
    std::fs::write(
        p.data_dir.join("devices.toml"),
        "[smartcard]\nmode = \"simulated\"\n",
    )
    .unwrap();
    let wallet = rekam::devices::wallet::Wallet::load(&p.data_dir).unwrap();
    assert_eq!(wallet.holders(), ["kasi"]);
    let out = run_rekam(
        &[
            "user",
            "add",
            "budi",
            "--name",
            "Budi Santoso",
            "--role",
            "operator",
            "--user",
            "kasi",
        ],
        &p,
        &format!("{PASSWORD}\nawal-sekali-1\n"),
    );
    assert!(out.status.success(), "{}", output_text(&out));
    // A PIN that is no PIV PIN is refused before any card is made.
    let out = run_rekam(
        &["user", "issue-card", "budi", "--user", "kasi"],
        &p,
        &format!("{PASSWORD}\n1234\n"),
    );
    assert!(!out.status.success());
    assert!(
        output_text(&out).contains("PIN terdiri dari 6 sampai 8 angka"),
        "{}",
        output_text(&out)
    );
    assert!(
        rekam::devices::wallet::Wallet::load(&p.data_dir)
            .unwrap()
            .card_of("budi")
            .is_none()
    );
    let out = run_rekam(
        &["user", "issue-card", "budi", "--user", "kasi"],
        &p,
        &format!("{PASSWORD}\n{PIN}\n"),
    );
    assert!(out.status.success(), "{}", output_text(&out));
    assert!(
        output_text(&out).contains("Kartu diterbitkan untuk budi"),
        "{}",
        output_text(&out)
    );
    let wallet = rekam::devices::wallet::Wallet::load(&p.data_dir).unwrap();
    let card = wallet.card_of("budi").unwrap().clone();
    let fp = card.card_key().unwrap().fingerprint;
    let out = run_rekam(&["user", "list"], &p, "");
    assert!(
        output_text(&out).contains(&fp[..4]),
        "{}",
        output_text(&out)
    );
    // The issued card logs Budi in; the store is opened again as the kiosk would.
    let mut store = rekam::store::Store::open(&p, clock()).unwrap();
    assert_eq!(
        store.authenticate_card(&login(&card)).unwrap().username,
        "budi"
    );
    drop(store);
    // Revoked from the command line, it no longer does.
    let out = run_rekam(
        &["user", "revoke-card", "budi", "--user", "kasi"],
        &p,
        &format!("{PASSWORD}\n"),
    );
    assert!(out.status.success(), "{}", output_text(&out));
    let mut store = rekam::store::Store::open(&p, clock()).unwrap();
    assert!(matches!(
        store.authenticate_card(&login(&card)),
        Err(UserError::CardRevoked)
    ));
    // The wallet is private to the station user.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(p.data_dir.join(rekam::devices::wallet::FILE))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}
