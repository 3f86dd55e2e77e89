//! Tests of `queue`.

use super::*;
use crate::ui::screen::testing::{Fixture, run, settle, simulator};
use crate::workflow::Step;

fn opened(f: &Fixture) -> State {
    let (mut state, task) = State::new(&f.ctx);
    for m in run(task) {
        state.update(m, &f.ctx);
    }
    state
}

fn quiet(f: &mut Fixture) {
    // No speech in tests.
    f.ctx.settings.kiosk.announce = false;
}

#[test]
fn the_supervisor_is_reminded_of_records_waiting_too_long_for_export() {
    let mut f = Fixture::new();
    quiet(&mut f);
    f.request_at(1, Step::Recorded);
    f.clock.advance(chrono::Duration::hours(30));
    let reminder =
        "1 rekaman menunggu ekspor sejak 20-11-2026 (30 jam). Tutup hari dan ekspor batch.";
    // The operator is not the one to export.
    let state = opened(&f);
    let mut ui = simulator(state.view(&f.ctx));
    assert!(ui.find(reminder).is_err());
    drop(ui);
    f.ctx.user = Some(f.supervisor.clone());
    let state = opened(&f);
    let mut ui = simulator(state.view(&f.ctx));
    assert!(ui.find(reminder).is_ok(), "{reminder}");
    drop(ui);
    // Within the configured wait: no reminder.
    f.ctx.settings.export.warn_after_hours = 48;
    let state = opened(&f);
    let mut ui = simulator(state.view(&f.ctx));
    assert!(ui.find(reminder).is_err());
}

#[test]
fn issue_call_serve_and_skip() {
    let mut f = Fixture::new();
    quiet(&mut f);
    let mut state = opened(&f);
    assert!(state.waiting.is_empty());
    settle(&mut state, Message::Issue, &f.ctx, State::update);
    settle(&mut state, Message::Issue, &f.ctx, State::update);
    assert_eq!(state.issued.as_deref(), Some("A-002"));
    assert_eq!(state.waiting.len(), 2);

    settle(&mut state, Message::CallNext, &f.ctx, State::update);
    let called = state.called.clone().expect("a ticket is called");
    assert_eq!(called.ticket, "A-001");
    assert_eq!(called.step, Step::TicketCalled);
    assert_eq!(state.waiting.len(), 1);
    // Calling again before serving is refused with a message.
    settle(&mut state, Message::CallNext, &f.ctx, State::update);
    assert!(state.error.is_some());

    // The applicant does not come: skipped, the request is cancelled with the reason.
    settle(&mut state, Message::Skip, &f.ctx, State::update);
    assert!(state.called.is_none());
    let id = called.id;
    let request = f.store(move |s| Ok(s.request(id)?)).expect("request");
    assert_eq!(request.step, Step::Cancelled);
    assert_eq!(request.outcome_reason.as_deref(), Some(SKIP_REASON));

    settle(&mut state, Message::CallNext, &f.ctx, State::update);
    match settle(&mut state, Message::Serve, &f.ctx, State::update) {
        Some(Nav::Request(id)) => assert_eq!(Some(id), state.called.as_ref().map(|r| r.id)),
        other => panic!("expected to open the request, got {other:?}"),
    }
    // Nobody left: said so.
    state.called = None;
    settle(&mut state, Message::CallNext, &f.ctx, State::update);
    let shown = state.error.as_ref().map(|e| e.text(crate::Lang::Id));
    assert_eq!(shown.as_deref(), Some("Tidak ada antrean yang menunggu."));
}

#[test]
fn unfinished_requests_are_listed_to_resume() {
    let mut f = Fixture::new();
    quiet(&mut f);
    let face = f.request_at(1, Step::Face);
    let mut state = opened(&f);
    assert_eq!(
        state.open.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![face.id]
    );
    let resume = state.shortcut(&Key::Named(Named::Enter), Modifiers::empty());
    assert!(matches!(resume, Some(Message::Resume(id)) if id == face.id));
    assert!(matches!(
        settle(&mut state, Message::Resume(face.id), &f.ctx, State::update),
        Some(Nav::Request(id)) if id == face.id
    ));
}

#[test]
fn the_view_calls_by_its_button_and_shows_the_waiting() {
    let mut f = Fixture::new();
    quiet(&mut f);
    let mut state = opened(&f);
    settle(&mut state, Message::Issue, &f.ctx, State::update);
    let mut ui = simulator(state.view(&f.ctx));
    assert!(ui.find("A-001").is_ok());
    assert!(ui.find("Menunggu: 1").is_ok());
    ui.click("Panggil berikutnya [Spasi]").expect("call button");
    assert!(matches!(ui.into_messages().next(), Some(Message::CallNext)));
    settle(&mut state, Message::CallNext, &f.ctx, State::update);
    let mut ui = simulator(state.view(&f.ctx));
    assert!(ui.find("Sedang dipanggil").is_ok());
    ui.click("Lewati, tidak hadir [L]").expect("skip button");
    assert!(matches!(ui.into_messages().next(), Some(Message::Skip)));
}

#[test]
fn the_disk_is_warned_about_before_recordings_are_refused() {
    let mut f = Fixture::new();
    quiet(&mut f);
    let free = f.store(|s| Ok(s.disk_space()?.free_mb));
    // Between the floor and twice the floor: a warning, calling still works.
    f.store(move |s| {
        s.set_disk_floor_mb(free * 2 / 3);
        Ok(())
    });
    let mut state = opened(&f);
    let d = state.disk.expect("disk space");
    assert!(d.near_floor() && !d.below_floor(), "{d:?}");
    let warning = format!(
        "Ruang disk tinggal {} MB; di bawah {} MB perekaman baru ditolak. Minta supervisor mengekspor dan mengirim batch.",
        d.free_mb, d.floor_mb
    );
    let mut ui = simulator(state.view(&f.ctx));
    assert!(ui.find(warning.as_str()).is_ok(), "{warning}");
    drop(ui);

    // Under the floor: said so, and calling is refused in words.
    f.store(|s| {
        s.set_disk_floor_mb(u64::MAX / 4);
        Ok(())
    });
    settle(&mut state, Message::Issue, &f.ctx, State::update);
    let d = state.disk.expect("disk space");
    assert!(d.below_floor());
    settle(&mut state, Message::CallNext, &f.ctx, State::update);
    assert!(state.called.is_none());
    let refused = state.error.as_ref().map(|e| e.text(crate::Lang::Id));
    assert!(
        refused.as_deref().is_some_and(
            |t| t.starts_with("Ruang disk tinggal") && t.contains("perekaman baru ditolak")
        ),
        "{refused:?}"
    );
    let mut ui = simulator(state.view(&f.ctx));
    let below = format!(
        "Ruang disk tinggal {} MB, di bawah batas {} MB: nomor baru tidak dapat dipanggil dan perekaman baru ditolak. Minta supervisor mengekspor dan mengirim batch; perekaman yang sudah berjalan tetap dapat diselesaikan.",
        d.free_mb, d.floor_mb
    );
    assert!(ui.find(below.as_str()).is_ok(), "{below}");
    assert!(ui.find(warning.as_str()).is_err(), "the warning gave way");
}
