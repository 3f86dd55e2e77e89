//! Tests of `register`.

use super::*;
use crate::ui::screen::testing::{Fixture, run, settle, simulator};
use crate::workflow::Step;
use iced_test::selector::id;

/// A day with three requests: one in recording, one archived, one returned.
fn day(f: &Fixture) -> [i64; 3] {
    let recording = f.request_at(1, Step::Fingerprints).id;
    f.clock.advance(chrono::Duration::minutes(5));
    let archived = f.request_at(2, Step::Recorded).id;
    let op = f.operator.clone();
    f.store(move |s| {
        s.hand_over_proof(&op, archived)?;
        Ok(s.archive(&op, archived)?)
    });
    let returned = f.request_at(3, Step::Registered).id;
    let sup = f.supervisor.clone();
    f.store(move |s| Ok(s.reject(&sup, returned, "KK tidak sesuai")?));
    [recording, archived, returned]
}

fn opened(f: &Fixture) -> State {
    let (mut state, task) = State::new(&f.ctx);
    for m in run(task) {
        let _ = state.update(m, &f.ctx);
    }
    state
}

fn as_supervisor(f: &mut Fixture) {
    f.ctx.user = Some(f.supervisor.clone());
}

#[test]
fn the_book_loads_and_the_search_filters_as_you_type() {
    let f = Fixture::new();
    let [recording, archived, returned] = day(&f);
    let mut state = opened(&f);
    assert!(!state.loading);
    assert_eq!(state.visible().len(), 3);
    assert_eq!(state.selected, Some(recording), "the first row is selected");
    let name = state.visible()[1].full_name.clone().expect("name");
    let _ = state.update(Message::Search(name.to_lowercase()), &f.ctx);
    let shown: Vec<i64> = state.visible().iter().map(|r| r.request).collect();
    assert_eq!(shown, vec![archived]);
    assert_eq!(state.selected, Some(archived), "the match is selected");
    let _ = state.update(Message::Search("a-003".into()), &f.ctx);
    assert_eq!(state.selected, Some(returned));
    let _ = state.update(Message::Search("tidak ada".into()), &f.ctx);
    assert!(state.visible().is_empty());
    assert_eq!(state.selected, None);
    let _ = state.update(Message::Search(String::new()), &f.ctx);
    assert_eq!(state.visible().len(), 3);
}

#[test]
fn arrows_select_and_enter_opens_only_a_request_still_open() {
    let f = Fixture::new();
    let [recording, archived, returned] = day(&f);
    let mut state = opened(&f);
    let _ = state.update(Message::Move(1), &f.ctx);
    let _ = state.update(Message::Move(1), &f.ctx);
    let _ = state.update(Message::Move(1), &f.ctx);
    assert_eq!(state.selected, Some(returned), "the end stops");
    let _ = state.update(Message::Move(-1), &f.ctx);
    assert_eq!(state.selected, Some(archived));
    assert!(settle(&mut state, Message::Open, &f.ctx, State::update).is_none());
    assert!(
        state
            .notice
            .as_deref()
            .is_some_and(|n| n.contains("A-002") && n.contains("Diarsipkan")),
        "{:?}",
        state.notice
    );
    let _ = state.update(Message::Move(-1), &f.ctx);
    match settle(&mut state, Message::Open, &f.ctx, State::update) {
        Some(Nav::Request(id)) => assert_eq!(id, recording),
        other => panic!("expected the request to open, got {other:?}"),
    }
}

#[test]
fn refresh_shows_what_happened_since() {
    let f = Fixture::new();
    let mut state = opened(&f);
    assert!(state.visible().is_empty());
    let id = f.request_at(1, Step::TicketCalled).id;
    assert!(settle(&mut state, Message::Refresh, &f.ctx, State::update).is_none());
    assert_eq!(state.selected, Some(id));
    assert_eq!(state.visible().len(), 1);
}

#[test]
fn only_a_supervisor_gets_the_day_view() {
    let mut f = Fixture::new();
    day(&f);
    // The operator: no summary loaded, the toggle does nothing, the button is not shown.
    let mut state = opened(&f);
    assert!(state.day.as_ref().is_some_and(|d| d.summary.is_none()));
    let _ = state.update(Message::ToggleDay, &f.ctx);
    assert!(!state.day_view);
    let mut ui = simulator(state.view(&f.ctx));
    assert!(ui.find("Ringkasan hari ini [D]").is_err());
    assert!(ui.find("Selesai dilayani").is_err());
    drop(ui);

    as_supervisor(&mut f);
    let state = opened(&f);
    let summary = state
        .day
        .as_ref()
        .and_then(|d| d.summary.clone())
        .expect("summary");
    assert_eq!(
        (summary.served, summary.returned, summary.in_progress),
        (1, 1, 1)
    );
    let mut ui = simulator(state.view(&f.ctx));
    ui.click("Ringkasan hari ini [D]").expect("day view button");
    let messages: Vec<Message> = ui.into_messages().collect();
    assert!(matches!(messages.as_slice(), [Message::ToggleDay]));
    let mut state = state;
    let _ = state.update(Message::ToggleDay, &f.ctx);
    assert!(state.day_view);
    // The list is hidden: Enter does not open the request selected in it.
    assert!(settle(&mut state, Message::Open, &f.ctx, State::update).is_none());
    let mut ui = simulator(state.view(&f.ctx));
    for label in [
        "Selesai dilayani",
        "Dikembalikan",
        "Antrean menunggu",
        "Waktu per langkah SOP",
        "Verifikasi dan paraf",
        "Perekaman biometrik",
    ] {
        assert!(ui.find(label).is_ok(), "{label}");
    }
    assert!(ui.find(id(SEARCH)).is_err(), "no search in the day view");
}

#[test]
fn late_steps_are_highlighted() {
    let stats = |median: u64, late: usize| StepStats {
        step: crate::domain::sop::SopStep::Verify,
        count: 3,
        median: Duration::from_secs(median * 60),
        slowest: Duration::from_secs(600),
        standard: Duration::from_secs(180),
        late,
    };
    assert_eq!(step_tone(&stats(5, 2)), Some(Tone::Bad));
    assert_eq!(step_tone(&stats(2, 1)), Some(Tone::Warning));
    assert_eq!(step_tone(&stats(2, 0)), None);
    assert_eq!(clock(Duration::from_secs(125)), "2:05");
}

#[test]
fn the_view_lists_the_rows_and_types_into_the_search_by_id() {
    let f = Fixture::new();
    let [recording, ..] = day(&f);
    let state = opened(&f);
    let mut ui = simulator(state.view(&f.ctx));
    assert!(ui.find("Buku register 20-11-2026").is_ok());
    assert!(ui.find("A-001").is_ok());
    assert!(ui.find("Perekaman sidik jari").is_ok());
    assert!(ui.find("Dikembalikan ke pemohon").is_ok());
    assert!(ui.find("Buka [Enter]").is_ok());
    ui.click("A-003").expect("third row");
    ui.click(id(SEARCH)).expect("search box");
    let _ = ui.typewrite("budi");
    ui.click("Buka [Enter]").expect("open button");
    let messages: Vec<Message> = ui.into_messages().collect();
    assert!(matches!(messages.first(), Some(Message::Select(_))));
    assert!(
        messages
            .iter()
            .any(|m| matches!(m, Message::Search(s) if s == "budi"))
    );
    assert!(matches!(messages.last(), Some(Message::Open)));
    // The selected first row is open: Enter opens it.
    assert_eq!(state.selected, Some(recording));
    assert!(matches!(
        state.shortcut(&Key::Named(Named::Enter), Modifiers::default()),
        Some(Message::Open)
    ));
    assert!(matches!(
        state.shortcut(&Key::Character("d".into()), Modifiers::default()),
        Some(Message::ToggleDay)
    ));
}
