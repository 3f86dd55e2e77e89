//! Tests of `setup`.

use super::*;
use crate::lang::Lang;
use crate::store::Paths;
use crate::ui::screen::testing::{Fixture, settle, simulator};
use iced_test::selector::id;

/// A context on an empty data directory, as on first start.
fn first_start(f: &mut Fixture) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    f.ctx.paths = Paths {
        data_dir: dir.path().join("data"),
        key_file: dir.path().join("station.key"),
    };
    f.ctx.db = None;
    f.ctx.user = None;
    dir
}

fn fill(state: &mut State, ctx: &Ctx, password: &str, confirm: &str) {
    state.update(Message::Kecamatan("33-13-01".into()), ctx);
    state.update(Message::Username("kasi".into()), ctx);
    state.update(Message::FullName("Sri Wahyuni".into()), ctx);
    state.update(Message::Password(password.into()), ctx);
    state.update(Message::Confirm(confirm.into()), ctx);
}

#[test]
fn setup_creates_the_station_and_its_key_or_says_what_is_wrong() {
    let mut f = Fixture::new();
    let _dir = first_start(&mut f);
    let mut state = State::new(&f.ctx);
    fill(&mut state, &f.ctx, "rahasia-123", "rahasia-124");
    assert_eq!(state.kecamatan, "331301", "only digits are kept");
    assert!(settle(&mut state, Message::Submit, &f.ctx, State::update).is_none());
    let shown = state.error.as_ref().map(|e| e.text(Lang::Id));
    assert_eq!(shown.as_deref(), Some("Kedua kata sandi tidak sama."));

    fill(&mut state, &f.ctx, "pendek", "pendek");
    assert!(settle(&mut state, Message::Submit, &f.ctx, State::update).is_none());
    let shown = state
        .error
        .as_ref()
        .map(|e| e.text(Lang::Id))
        .unwrap_or_default();
    assert!(shown.contains("minimal 10"), "{shown}");
    assert!(
        !Store::exists(&f.ctx.paths),
        "nothing written for refused input"
    );

    fill(&mut state, &f.ctx, "rahasia-123", "rahasia-123");
    assert!(matches!(
        settle(&mut state, Message::Submit, &f.ctx, State::update),
        Some(Nav::SetUp)
    ));
    assert!(Store::exists(&f.ctx.paths));
    assert!(f.ctx.paths.key_file.exists(), "the data key was created");
}

#[test]
fn the_view_shows_the_kecamatan_found_and_the_key_file() {
    let mut f = Fixture::new();
    let _dir = first_start(&mut f);
    let mut state = State::new(&f.ctx);
    state.update(Message::Kecamatan("331301".into()), &f.ctx);
    let mut ui = simulator(state.view(&f.ctx));
    assert!(ui.find("Penyiapan stasiun perekaman").is_ok());
    assert!(ui.find("Kecamatan Jatipuro, Kab. Karanganyar").is_ok());
    ui.click(id("setup-username")).expect("username field");
    let _ = ui.typewrite("kasi");
    ui.click("Siapkan stasiun [Enter]").expect("submit button");
    let messages: Vec<Message> = ui.into_messages().collect();
    assert!(matches!(messages.first(), Some(Message::Username(u)) if u == "k"));
    assert!(matches!(messages.last(), Some(Message::Submit)));
}

#[test]
fn a_station_is_training_unless_production_is_chosen_and_keeps_its_mode() {
    for (key, mode) in [
        (None, StationMode::Training),
        (Some(Named::F4), StationMode::Production),
    ] {
        let mut f = Fixture::new();
        let _dir = first_start(&mut f);
        let mut state = State::new(&f.ctx);
        if let Some(named) = key {
            let m = state
                .shortcut(&Key::Named(named), Modifiers::empty())
                .expect("a mode key");
            state.update(m, &f.ctx);
        }
        let hint = f.ctx.tr.t(crate::ui::i18n::tk(match mode {
            StationMode::Training => "setup.mode_training_hint",
            StationMode::Production => "setup.mode_production_hint",
        }));
        {
            let mut ui = simulator(state.view(&f.ctx));
            assert!(ui.find(hint.as_str()).is_ok(), "{hint}");
        }
        fill(&mut state, &f.ctx, "rahasia-123", "rahasia-123");
        assert!(matches!(
            settle(&mut state, Message::Submit, &f.ctx, State::update),
            Some(Nav::SetUp)
        ));
        assert_eq!(Store::peek_mode(&f.ctx.paths).expect("peek"), Some(mode));
        // Fixed for the station's life: the database refuses to change it.
        let store = Store::open(&f.ctx.paths, Arc::new(SystemClock)).expect("open");
        assert_eq!(store.station().mode, mode);
        let changed = store
            .conn()
            .execute("UPDATE station_mode SET mode = 'training'", []);
        assert!(changed.is_err(), "the mode cannot be changed");
        let deleted = store.conn().execute("DELETE FROM station_mode", []);
        assert!(deleted.is_err(), "the mode cannot be removed");
    }
}
