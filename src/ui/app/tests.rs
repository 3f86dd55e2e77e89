//! Tests of `app`.

use super::*;
use crate::devices::Mode;
use crate::ui::screen::testing::{Fixture, run, simulator};
use crate::workflow::settings::SettingsCheck;

/// An app on the fixture's station, logged in as the operator, at the queue.
fn app(f: Fixture) -> (App, Fixture) {
    let options = Options {
        paths: f.ctx.paths.clone(),
        windowed: true,
        lang: Some(Lang::Id),
        applicant_window: false,
        fast_devices: true,
        exit_at_login: false,
        preview_benchmark: false,
    };
    let (mut app, _) = App::boot(options);
    app.ctx.db = f.ctx.db.clone();
    app.ctx.backends = Backends::simulated();
    let _ = app.go(Nav::LoggedIn(f.operator.clone()));
    (app, f)
}

#[test]
fn global_keys_switch_language_navigate_and_log_out() {
    let (mut app, _f) = app(Fixture::new());
    assert!(matches!(app.screen, Screen::Queue(_)));
    let _ = app.update(Message::Key(Key::Named(Named::F2), Modifiers::empty()));
    assert_eq!(app.ctx.lang(), Lang::En);
    let _ = app.update(Message::Key(Key::Named(Named::F9), Modifiers::empty()));
    assert!(matches!(app.screen, Screen::Devices(_)));
    let _ = app.update(Message::Key(Key::Named(Named::F8), Modifiers::empty()));
    assert!(matches!(app.screen, Screen::Register(_)));
    let _ = app.update(Message::Key(Key::Named(Named::F12), Modifiers::empty()));
    assert!(app.panel, "the applicant panel is shown");
    let _ = app.update(Message::Key(Key::Character("l".into()), Modifiers::CTRL));
    assert!(app.ctx.user.is_none());
    assert!(matches!(app.screen, Screen::Login(_)));
    // Logged out, the navigation keys do nothing.
    let _ = app.update(Message::Key(Key::Named(Named::F8), Modifiers::empty()));
    assert!(matches!(app.screen, Screen::Login(_)));
}

#[test]
fn idle_time_warns_then_logs_out() {
    let (mut app, _f) = app(Fixture::new());
    let limit = Duration::from_secs(u64::from(app.ctx.settings.kiosk.idle_logout_minutes) * 60);
    app.last_activity = Instant::now() - limit + Duration::from_secs(30);
    let _ = app.update(Message::Tick);
    assert!(
        app.ctx.user.is_some(),
        "still logged in during the countdown"
    );
    let left = app.idle_left().expect("a countdown");
    assert!(left <= IDLE_WARNING && left > Duration::ZERO);
    // Input in the applicant's window keeps nothing alive, nor do its keys command anything.
    let applicant = window::Id::unique();
    app.applicant = Some(applicant);
    let _ = app.update(Message::Activity(applicant));
    assert!(app.idle_left().expect("countdown") <= IDLE_WARNING);
    let _ = app.update(Message::WindowKey(
        applicant,
        Key::Named(Named::F9),
        Modifiers::empty(),
    ));
    assert!(
        matches!(app.screen, Screen::Queue(_)),
        "the applicant window did not open the devices screen"
    );
    assert!(app.idle_left().expect("countdown") <= IDLE_WARNING);
    // The operator's input resets the countdown.
    let operator = app.operator.expect("operator window");
    let _ = app.update(Message::Activity(operator));
    assert!(app.idle_left().expect("countdown") > IDLE_WARNING);
    app.applicant = None;
    app.last_activity = Instant::now() - limit;
    let _ = app.update(Message::Tick);
    assert!(app.ctx.user.is_none(), "logged out");
    assert!(matches!(app.screen, Screen::Login(_)));
    assert!(app.notice.is_some(), "the login screen says why");
}

#[test]
fn the_applicant_window_opens_beside_the_operator_display() {
    let (mut app, _f) = app(Fixture::new());
    assert!(app.applicant.is_none());
    let operator = app.operator.expect("operator window");
    // Not asked for: nothing opens.
    let _ = app.update(Message::WindowOpened(operator));
    assert!(app.applicant.is_none());
    app.options.applicant_window = true;
    let _ = app.update(Message::OperatorDisplay(Some(Size::new(1366.0, 768.0))));
    let applicant = app.applicant.expect("the applicant window is opening");
    assert_ne!(applicant, operator);
    // Its view is the applicant's guide, not the operator's screen.
    assert_eq!(
        app.title(applicant),
        "Rekam: Perekaman KTP-el · Layar pemohon"
    );
    // Opened once.
    let _ = app.update(Message::OperatorDisplay(Some(Size::new(1366.0, 768.0))));
    assert_eq!(app.applicant, Some(applicant));
}

#[test]
fn the_operator_window_cannot_be_closed_in_kiosk_mode() {
    let (mut app, _f) = app(Fixture::new());
    app.options.windowed = false;
    let id = app.operator.expect("operator window");
    let _ = app.update(Message::CloseRequested(id));
    // Still there: the state is unchanged and nobody was logged out.
    assert!(app.ctx.user.is_some());
}

#[test]
fn f10_opens_the_close_of_the_day_from_any_screen() {
    let (mut app, f) = app(Fixture::new());
    let _ = app.update(Message::Key(Key::Named(Named::F10), Modifiers::empty()));
    assert!(matches!(app.screen, Screen::Close(_)));
    // The operator is told who may close the day.
    let mut ui = simulator(app.operator_view());
    assert!(
        ui.find(app.ctx.tr.t("close.supervisor_only").as_str())
            .is_ok()
    );
    drop(ui);
    // Also from the intake screen, whose F7 stays its sample data.
    let request = f.request_at(1, Step::TicketCalled);
    let (intake, _) = screen::intake::State::new(&app.ctx, request);
    app.screen = Screen::Intake(intake);
    let _ = app.update(Message::Key(Key::Named(Named::F10), Modifiers::empty()));
    assert!(matches!(app.screen, Screen::Close(_)));
    // A supervisor also gets there from the register's day view.
    let _ = app.go(Nav::LoggedIn(f.supervisor.clone()));
    let _ = app.go(Nav::Register);
    let _ = app.update(Message::Screen(screen::Message::Register(
        register::Message::CloseDay,
    )));
    assert!(matches!(app.screen, Screen::Close(_)));
}

#[test]
fn the_store_gets_the_disk_floor_at_open_and_with_new_settings() {
    let f = Fixture::new();
    let db = f.ctx.db.clone().expect("db");
    let (mut app, _) = App::boot(Options {
        paths: f.ctx.paths.clone(),
        windowed: true,
        lang: Some(Lang::Id),
        applicant_window: false,
        fast_devices: true,
        exit_at_login: false,
        preview_benchmark: false,
    });
    let floor = |f: &Fixture| f.store(|s| Ok(s.disk_space()?.floor_mb));
    assert_eq!(floor(&f), 0, "the store starts without a floor");
    let messages = run(app.update(Message::Opened(Ok(Some(super::Opened {
        db,
        check: SettingsCheck::Unchanged,
    })))));
    assert!(
        messages
            .iter()
            .any(|m| matches!(m, Message::StoreConfigured(Ok(0)))),
        "{messages:?}"
    );
    assert_eq!(floor(&f), app.ctx.settings.export.disk_floor_mb);
    assert!(matches!(app.screen, Screen::Login(_)));

    let mut settings = app.ctx.settings.clone();
    settings.export.disk_floor_mb = 1234;
    for mode in [
        &mut settings.fingerprint.mode,
        &mut settings.face_camera.mode,
        &mut settings.iris_camera.mode,
        &mut settings.smartcard.mode,
        &mut settings.signature_pad.mode,
    ] {
        *mode = Mode::Simulated;
    }
    let messages = run(app.go(Nav::ApplySettings(Box::new(settings))));
    assert!(
        messages
            .iter()
            .any(|m| matches!(m, Message::StoreConfigured(Ok(0)))),
        "{messages:?}"
    );
    assert_eq!(floor(&f), 1234);
}
