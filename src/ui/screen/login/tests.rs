//! Tests of `login`.

use super::*;
use crate::ui::screen::testing::{Fixture, PASSWORD, settle, simulator};
use iced_test::selector::id;

fn login(f: &Fixture, state: &mut State, method: Method, user: &str, secret: &str) -> Option<Nav> {
    let ctx = &f.ctx;
    state.update(Message::Method(method), ctx);
    state.update(Message::Username(user.into()), ctx);
    match method {
        Method::Password => state.update(Message::Password(secret.into()), ctx),
        Method::Card => state.update(Message::Pin(secret.into()), ctx),
    };
    settle(state, Message::Submit, ctx, State::update)
}

#[test]
fn a_password_logs_in_and_a_wrong_one_says_so_then_locks() {
    let f = Fixture::new();
    let mut state = State::new(&f.ctx);
    match login(&f, &mut state, Method::Password, "budi", PASSWORD) {
        Some(Nav::LoggedIn(user)) => assert_eq!(user.username, "budi"),
        other => panic!("expected a login, got {other:?}"),
    }
    for _ in 0..5 {
        assert!(login(&f, &mut state, Method::Password, "budi", "salah-salah").is_none());
        assert!(!state.busy, "the form is usable again after a failure");
        let shown = state.error.as_ref().map(|e| e.text(crate::Lang::Id));
        assert_eq!(
            shown.as_deref(),
            Some("Nama pengguna atau kata sandi salah.")
        );
    }
    // Locked after five: even the right password is refused now, and the screen says why.
    assert!(login(&f, &mut state, Method::Password, "budi", PASSWORD).is_none());
    let shown = state.error.as_ref().map(|e| e.text(crate::Lang::Id));
    assert!(
        shown.as_deref().is_some_and(|t| t.contains("terkunci")),
        "{shown:?}"
    );
}

#[test]
fn the_officer_card_logs_in_with_its_pin_through_the_card_profile() {
    let f = Fixture::new();
    let mut state = State::new(&f.ctx);
    match login(&f, &mut state, Method::Card, "kasi", live::SIM_PIN) {
        Some(Nav::LoggedIn(user)) => assert_eq!(user.username, "kasi"),
        other => panic!("expected a login, got {other:?}"),
    }
    // A wrong PIN is refused by the card itself.
    assert!(login(&f, &mut state, Method::Card, "kasi", "111111").is_none());
    let shown = state
        .error
        .as_ref()
        .map(|e| e.text(crate::Lang::Id))
        .unwrap_or_default();
    assert!(shown.starts_with("PIN salah: sisa 2 kali"), "{shown}");
    // The training reader never makes a card up for a typed name: Budi was issued none, and
    // nobody else has one either.
    for nobody in ["budi", "orang-lain"] {
        assert!(login(&f, &mut state, Method::Card, nobody, live::SIM_PIN).is_none());
        let shown = state
            .error
            .as_ref()
            .map(|e| e.text(crate::Lang::Id))
            .unwrap_or_default();
        assert!(shown.contains("Tidak ada kartu di pembaca"), "{shown}");
    }
}

#[test]
fn a_card_of_another_station_logs_nobody_in() {
    // A training card issued at another station (its wallet copied here): the card proves its
    // key, but this station never recorded that key.
    let f = Fixture::new();
    let other = Fixture::new();
    std::fs::copy(
        other.ctx.paths.data_dir.join(crate::devices::wallet::FILE),
        f.ctx.paths.data_dir.join(crate::devices::wallet::FILE),
    )
    .expect("copy the wallet");
    let mut state = State::new(&f.ctx);
    assert!(login(&f, &mut state, Method::Card, "kasi", live::SIM_PIN).is_none());
    let shown = state
        .error
        .as_ref()
        .map(|e| e.text(crate::Lang::Id))
        .unwrap_or_default();
    assert!(shown.contains("tidak terdaftar di stasiun ini"), "{shown}");
}

#[test]
fn the_view_switches_method_and_types_by_widget_id() {
    let f = Fixture::new();
    let state = State::new(&f.ctx);
    let mut ui = simulator(state.view(&f.ctx));
    assert!(ui.find("Masuk").is_ok());
    ui.click("Kartu petugas [F3]").expect("card tab");
    ui.click(id("login-username")).expect("username field");
    let _ = ui.typewrite("budi");
    let messages: Vec<Message> = ui.into_messages().collect();
    assert!(matches!(
        messages.first(),
        Some(Message::Method(Method::Card))
    ));
    assert!(matches!(messages.last(), Some(Message::Username(u)) if u == "budi"));
    // In English the same screen says so.
    let mut ctx_en = Fixture::new();
    ctx_en.ctx.tr = crate::ui::i18n::Tr(crate::Lang::En);
    let state = State::new(&ctx_en.ctx);
    let mut ui = simulator(state.view(&ctx_en.ctx));
    assert!(ui.find("Log in").is_ok());
    assert!(ui.find("Officer card [F3]").is_ok());
}

#[test]
fn a_password_a_supervisor_set_must_be_changed_before_the_kiosk_opens() {
    let f = Fixture::new();
    let sup = f.supervisor.clone();
    f.store(move |s| Ok(s.reset_password(&sup, "budi", "sementara-42")?));
    let mut state = State::new(&f.ctx);
    assert!(
        login(&f, &mut state, Method::Password, "budi", "sementara-42").is_none(),
        "not in yet"
    );
    assert!(state.changing);
    let mut ui = simulator(state.view(&f.ctx));
    assert!(ui.find(f.ctx.tr.t("login.must_change")).is_ok());
    drop(ui);
    let ctx = &f.ctx;
    // Two different new passwords: said, nothing changed.
    state.update(Message::NewPassword("baru-sekali-7".into()), ctx);
    state.update(Message::Repeat("baru-sekali-8".into()), ctx);
    assert!(settle(&mut state, Message::Submit, ctx, State::update).is_none());
    assert!(state.error.is_some() && state.changing);
    // Too weak: the policy says why.
    state.update(Message::NewPassword("pendek".into()), ctx);
    state.update(Message::Repeat("pendek".into()), ctx);
    assert!(settle(&mut state, Message::Submit, ctx, State::update).is_none());
    let shown = state
        .error
        .as_ref()
        .map(|e| e.text(crate::Lang::Id))
        .unwrap_or_default();
    assert!(shown.contains("minimal 10"), "{shown}");
    assert!(state.changing, "still asked for a new one");
    state.update(Message::NewPassword("baru-sekali-7".into()), ctx);
    state.update(Message::Repeat("baru-sekali-7".into()), ctx);
    match settle(&mut state, Message::Submit, ctx, State::update) {
        Some(Nav::LoggedIn(user)) => assert_eq!(user.username, "budi"),
        other => panic!("expected a login, got {other:?}"),
    }
    assert!(
        state.password.is_empty() && state.new_password.is_empty(),
        "wiped"
    );
    // The temporary password is gone; the new one works without asking again.
    let mut state = State::new(&f.ctx);
    assert!(login(&f, &mut state, Method::Password, "budi", "sementara-42").is_none());
    assert!(!state.changing);
    match login(&f, &mut state, Method::Password, "budi", "baru-sekali-7") {
        Some(Nav::LoggedIn(_)) => {}
        other => panic!("expected a login, got {other:?}"),
    }
}
