//! Tests of `devices`.

use super::*;
use crate::ui::screen::testing::{Fixture, run, settle, simulator};

fn all_simulated(f: &mut Fixture) {
    for class in CLASSES {
        set_mode(&mut f.ctx.settings, class, Mode::Simulated);
    }
}

#[test]
fn the_doctor_runs_on_open_and_settings_are_saved_and_applied() {
    let mut f = Fixture::new();
    f.ctx.user = Some(f.supervisor.clone());
    all_simulated(&mut f);
    let (mut state, task) = State::new(&f.ctx);
    for m in run(task) {
        state.update(m, &f.ctx);
    }
    assert_eq!(state.diagnoses.len(), 5);
    assert!(
        state
            .diagnoses
            .iter()
            .all(|d| d.backend() == Some(Backend::Simulated))
    );

    // The keyboard changes the selected class's mode: simulated -> auto.
    state.update(Message::Select(1), &f.ctx);
    state.update(Message::CycleMode, &f.ctx);
    assert_eq!(state.draft.face_camera.mode, Mode::Auto);
    state.update(Message::Desk(3), &f.ctx);
    state.update(Message::Idle(0), &f.ctx);
    assert_eq!(state.draft.kiosk.idle_logout_minutes, 1, "kept in range");
    match settle(&mut state, Message::Save, &f.ctx, State::update) {
        Some(Nav::ApplySettings(saved)) => {
            assert_eq!(saved.kiosk.desk, 3);
            assert_eq!(saved.face_camera.mode, Mode::Auto);
        }
        other => panic!("expected the settings to be applied, got {other:?}"),
    }
    let on_disk = DeviceSettings::load(&f.ctx.paths.data_dir).expect("settings file");
    assert_eq!(on_disk.kiosk.desk, 3);
    assert_eq!(on_disk.face_camera.mode, Mode::Auto);
    // Audited with the old and the new value of each change.
    let detail: String = f.store(|s| {
        Ok(s.conn().query_row(
            "SELECT detail FROM audit_log WHERE action = 'settings.change' ORDER BY seq DESC LIMIT 1",
            [],
            |r| r.get(0),
        )?)
    });
    assert!(
        detail.contains(r#""key":"kiosk.desk""#) && detail.contains(r#""old":"1""#),
        "{detail}"
    );
    assert!(
        detail.contains(r#""key":"fingerprint.mode","new":"\"simulated\"","old":"\"auto\"""#),
        "{detail}"
    );
}

#[test]
fn an_operator_cannot_change_the_settings() {
    let mut f = Fixture::new();
    let (mut state, _) = State::new(&f.ctx);
    state.update(Message::Desk(7), &f.ctx);
    assert!(settle(&mut state, Message::Save, &f.ctx, State::update).is_none());
    let shown = state
        .error
        .as_ref()
        .map(|e| e.text(Lang::Id))
        .unwrap_or_default();
    assert!(shown.contains("Hanya supervisor"), "{shown}");
    let desk = DeviceSettings::load(&f.ctx.paths.data_dir)
        .expect("settings")
        .kiosk
        .desk;
    assert_ne!(desk, 7);
    // Nor by going round the screen: the store reads the role from the database.
    let (op, settings) = (f.operator.clone(), state.draft.clone());
    let refused = f.store(move |s| Ok(s.save_device_settings(&op, &settings).is_err()));
    assert!(refused);
    f.ctx.user = None;
    assert!(settle(&mut state, Message::Save, &f.ctx, State::update).is_none());
}

#[test]
fn a_production_station_refuses_a_simulator_in_its_settings() {
    let mut f = Fixture::of(StationMode::Production);
    f.ctx.user = Some(f.supervisor.clone());
    let (mut state, _) = State::new(&f.ctx);
    state.update(Message::Select(0), &f.ctx);
    // Auto -> real -> simulated by the keyboard, whatever the pick list offers.
    state.update(Message::CycleMode, &f.ctx);
    state.update(Message::CycleMode, &f.ctx);
    assert_eq!(state.draft.fingerprint.mode, Mode::Simulated);
    assert!(settle(&mut state, Message::Save, &f.ctx, State::update).is_none());
    let shown = state
        .error
        .as_ref()
        .map(|e| e.text(Lang::Id))
        .unwrap_or_default();
    assert!(shown.contains("Stasiun produksi"), "{shown}");
    let mode = DeviceSettings::load(&f.ctx.paths.data_dir)
        .expect("settings")
        .fingerprint
        .mode;
    assert_eq!(mode, Mode::Auto);
}

#[test]
fn a_failed_save_is_shown() {
    let mut f = Fixture::new();
    f.ctx.user = Some(f.supervisor.clone());
    all_simulated(&mut f);
    // The settings file's place is taken by a directory: the file cannot be written.
    std::fs::create_dir_all(crate::devices::settings::settings_path(
        &f.ctx.paths.data_dir,
    ))
    .expect("dir");
    let (mut state, _) = State::new(&f.ctx);
    state.update(Message::Desk(4), &f.ctx);
    assert!(settle(&mut state, Message::Save, &f.ctx, State::update).is_none());
    let shown = state
        .error
        .as_ref()
        .map(|e| e.text(Lang::Id))
        .unwrap_or_default();
    assert!(shown.contains("devices.toml"), "{shown}");
}

#[test]
fn the_view_lists_every_device_class_and_saves_by_its_button() {
    let mut f = Fixture::new();
    f.ctx.user = Some(f.supervisor.clone());
    all_simulated(&mut f);
    let (mut state, task) = State::new(&f.ctx);
    for m in run(task) {
        state.update(m, &f.ctx);
    }
    let mut ui = simulator(state.view(&f.ctx));
    for name in [
        "Pemindai sidik jari",
        "Kamera wajah",
        "Kamera iris",
        "Pembaca kartu pintar",
        "Bantalan tanda tangan",
    ] {
        assert!(ui.find(name).is_ok(), "{name}");
    }
    assert!(
        ui.find(
            "0 kunci penerima · biometrik disimpan 30 hari setelah tanda terima · perekaman ditolak di bawah 2000 MB ruang disk"
        )
        .is_ok(),
        "the [export] settings are shown"
    );
    ui.click("Simpan [Ctrl+S]").expect("save button");
    assert!(matches!(ui.into_messages().next(), Some(Message::Save)));
}
