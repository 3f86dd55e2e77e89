//! Tests of `users`: a supervisor administers users and officer cards from the kiosk, through
//! the store (which checks the role and audits), and an operator cannot.

use super::*;
use crate::ui::screen::testing::{Fixture, run, settle, simulator};

fn open(f: &Fixture) -> State {
    let (mut state, task) = State::new(&f.ctx);
    for m in run(task) {
        state.update(m, &f.ctx);
    }
    state
}

fn select(state: &mut State, f: &Fixture, username: &str) {
    let i = state
        .listing
        .users
        .iter()
        .position(|u| u.username == username)
        .expect("listed");
    state.update(Message::Select(i), &f.ctx);
}

fn error_text(state: &State) -> String {
    state
        .error
        .as_ref()
        .map(|e| e.text(crate::Lang::Id))
        .unwrap_or_default()
}

#[test]
fn a_supervisor_adds_a_user_sets_a_password_and_deactivates_them() {
    let mut f = Fixture::new();
    f.ctx.user = Some(f.supervisor.clone());
    let mut state = open(&f);
    assert_eq!(state.listing.users.len(), 2);

    // N opens the form; a weak first password is refused by the store, in Indonesian.
    let n = state.shortcut(&Key::Character("n".into()), Modifiers::empty());
    settle(&mut state, n.expect("N"), &f.ctx, State::update);
    for m in [
        Message::Username("ani".into()),
        Message::FullName("Ani Lestari".into()),
        Message::Secret("pendek".into()),
    ] {
        state.update(m, &f.ctx);
    }
    settle(&mut state, Message::Submit, &f.ctx, State::update);
    assert!(
        error_text(&state).contains("minimal 10"),
        "{}",
        error_text(&state)
    );
    assert!(state.form.is_some(), "the form stays open to correct");
    state.update(Message::Secret("awal-sekali-1".into()), &f.ctx);
    settle(&mut state, Message::Submit, &f.ctx, State::update);
    assert!(state.form.is_none(), "{}", error_text(&state));
    assert!(
        state
            .listing
            .users
            .iter()
            .any(|u| u.username == "ani" && u.must_change_password)
    );

    // A temporary password, then deactivate and activate again.
    select(&mut state, &f, "ani");
    settle(&mut state, Message::StartPassword, &f.ctx, State::update);
    state.update(Message::Secret("sementara-22".into()), &f.ctx);
    settle(&mut state, Message::Submit, &f.ctx, State::update);
    assert!(state.notice.as_deref().is_some_and(|n| n.contains("ani")));
    settle(&mut state, Message::ToggleActive, &f.ctx, State::update);
    select(&mut state, &f, "ani");
    assert!(!state.user().expect("selected").active);
    settle(&mut state, Message::ToggleActive, &f.ctx, State::update);
    select(&mut state, &f, "ani");
    assert!(state.user().expect("selected").active);

    // The last active supervisor cannot be deactivated: the store says so.
    select(&mut state, &f, "kasi");
    settle(&mut state, Message::ToggleActive, &f.ctx, State::update);
    assert!(
        error_text(&state).contains("Supervisor aktif terakhir"),
        "{}",
        error_text(&state)
    );

    let actions: Vec<String> = f.store(|s| {
        let mut stmt = s
            .conn()
            .prepare("SELECT action FROM audit_log ORDER BY seq")?;
        let rows = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    });
    for a in [
        "user.create",
        "user.reset_password",
        "user.deactivate",
        "user.activate",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }
}

#[test]
fn a_supervisor_issues_a_training_card_that_then_logs_its_holder_in_and_revokes_it() {
    let mut f = Fixture::new();
    f.ctx.user = Some(f.supervisor.clone());
    let mut state = open(&f);
    select(&mut state, &f, "budi");
    let k = state.shortcut(&Key::Character("k".into()), Modifiers::empty());
    settle(&mut state, k.expect("K"), &f.ctx, State::update);
    // Not a PIV PIN: refused before any card is made.
    state.update(Message::Secret("1234".into()), &f.ctx);
    settle(&mut state, Message::Submit, &f.ctx, State::update);
    assert!(
        error_text(&state).contains("6 sampai 8 angka"),
        "{}",
        error_text(&state)
    );
    state.update(Message::Secret("975310".into()), &f.ctx);
    settle(&mut state, Message::Submit, &f.ctx, State::update);
    assert!(state.error.is_none(), "{}", error_text(&state));
    assert!(
        state
            .notice
            .as_deref()
            .is_some_and(|n| n.contains("diterbitkan untuk budi")),
        "{:?}",
        state.notice
    );
    let card = state
        .listing
        .cards
        .iter()
        .find(|c| c.username == "budi")
        .expect("issued")
        .clone();

    // The training reader now holds Budi's card: it logs him in with its PIN.
    let wallet = crate::devices::wallet::Wallet::load(&f.ctx.paths.data_dir).expect("wallet");
    let piv = wallet.card_of("budi").expect("in the wallet").clone();
    let proof = rekam_smartcard::piv::login(
        &mut rekam_smartcard::VirtualCard::officer(piv.clone()),
        "975310",
    )
    .expect("card login");
    assert_eq!(proof.key.fingerprint, card.fingerprint);
    let who = f.store(move |s| Ok(s.authenticate_card(&proof)?));
    assert_eq!(who.username, "budi");

    // Revoked from the screen, it no longer does.
    select(&mut state, &f, "budi");
    settle(&mut state, Message::Revoke, &f.ctx, State::update);
    assert!(
        state
            .notice
            .as_deref()
            .is_some_and(|n| n.contains("dicabut"))
    );
    let proof =
        rekam_smartcard::piv::login(&mut rekam_smartcard::VirtualCard::officer(piv), "975310")
            .expect("card login");
    let refused = f.store(move |s| Ok(s.authenticate_card(&proof).is_err()));
    assert!(refused);
}

#[test]
fn an_operator_sees_that_the_screen_is_for_supervisors_and_changes_nothing() {
    let mut f = Fixture::new();
    f.ctx.user = Some(f.operator.clone());
    let mut state = open(&f);
    let mut ui = simulator(state.view(&f.ctx));
    assert!(
        ui.find("Hanya supervisor yang mengelola pengguna dan kartu petugas.")
            .is_ok()
    );
    drop(ui);
    // Even a message sent directly is refused by the store.
    select(&mut state, &f, "kasi");
    settle(&mut state, Message::Unlock, &f.ctx, State::update);
    assert!(
        error_text(&state).contains("Hanya supervisor"),
        "{}",
        error_text(&state)
    );
}

#[test]
fn the_view_lists_users_with_their_cards_and_keys() {
    let mut f = Fixture::new();
    f.ctx.user = Some(f.supervisor.clone());
    let state = open(&f);
    let mut ui = simulator(state.view(&f.ctx));
    assert!(ui.find("Tambah pengguna [N]").is_ok());
    // The training station's first supervisor holds a card; Budi none.
    let kasi_card = state
        .listing
        .cards
        .iter()
        .find(|c| c.username == "kasi")
        .expect("the first training card")
        .short_fingerprint();
    let line = format!("kasi  ·  Sri Wahyuni  ·  supervisor  ·  aktif  ·  kartu {kasi_card}");
    assert!(ui.find(line.as_str()).is_ok(), "{line}");
    assert!(
        ui.find("budi  ·  Budi Santoso  ·  operator  ·  aktif  ·  tanpa kartu")
            .is_ok()
    );
    ui.click("Tambah pengguna [N]").expect("add button");
    let messages: Vec<Message> = ui.into_messages().collect();
    assert!(matches!(messages.first(), Some(Message::StartAdd)));
}
