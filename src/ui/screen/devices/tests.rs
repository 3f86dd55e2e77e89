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
}

#[test]
fn a_failed_save_is_shown() {
    let mut f = Fixture::new();
    all_simulated(&mut f);
    f.ctx.paths.data_dir = f.ctx.paths.data_dir.join("missing/dir");
    let (mut state, _) = State::new(&f.ctx);
    assert!(settle(&mut state, Message::Save, &f.ctx, State::update).is_none());
    let shown = state
        .error
        .as_ref()
        .map(|e| e.text(Lang::Id))
        .unwrap_or_default();
    assert!(
        shown.starts_with("Pengaturan tidak dapat disimpan"),
        "{shown}"
    );
}

#[test]
fn the_view_lists_every_device_class_and_saves_by_its_button() {
    let mut f = Fixture::new();
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
