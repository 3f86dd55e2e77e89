//! Tests of `review`.

use super::*;
use crate::ui::screen::testing::{Fixture, run, settle, simulator};
use crate::workflow::Step;

/// The review screen of a request at review, with every capture decoded.
fn loaded(f: &Fixture) -> State {
    let request = f.request_at(1, Step::Review);
    let (mut state, task) = State::new(&f.ctx, request);
    for m in run(task) {
        let _ = state.update(m, &f.ctx);
    }
    state
}

fn step_of(f: &Fixture, id: i64) -> Step {
    f.store(move |s| Ok(s.request(id)?.map(|r| r.step)))
        .expect("request")
}

#[test]
fn every_capture_is_decoded_into_a_thumbnail() {
    let f = Fixture::new();
    let state = loaded(&f);
    assert_eq!(state.request.captures.len(), 14);
    assert_eq!(state.progress(), (14, 14));
    for c in &state.request.captures {
        let tile = state.tiles.get(&c.id).expect("a tile per capture");
        match (c.modality, tile) {
            (Modality::Signature, Tile::Ready(Preview::Strokes(d))) => {
                assert!(!d.is_empty() && d.max_x > 200.0 && d.max_y > 80.0);
            }
            (Modality::Signature, other) => panic!("signature: {other:?}"),
            (_, Tile::Ready(Preview::Image(_))) => {}
            (m, other) => panic!("{m}: {other:?}"),
        }
    }
}

#[test]
fn redo_of_a_finger_sends_the_request_back_to_the_fingerprints() {
    let f = Fixture::new();
    let mut state = loaded(&f);
    let id = state.request.id;
    // Right index: one step right of the face.
    let _ = state.update(Message::Move(Dir::Right), &f.ctx);
    let _ = state.update(Message::Move(Dir::Right), &f.ctx);
    assert_eq!(state.selected(), (Modality::Finger, 2));
    match settle(&mut state, Message::Redo, &f.ctx, State::update) {
        Some(Nav::Request(r)) => assert_eq!(r, id),
        other => panic!("expected the request to reopen, got {other:?}"),
    }
    assert_eq!(step_of(&f, id), Step::Fingerprints);
}

#[test]
fn approval_records_the_request_and_a_second_one_is_refused_with_a_message() {
    let f = Fixture::new();
    let mut state = loaded(&f);
    let id = state.request.id;
    assert!(matches!(
        settle(&mut state, Message::Approve, &f.ctx, State::update),
        Some(Nav::Request(r)) if r == id
    ));
    assert_eq!(step_of(&f, id), Step::Recorded);
    // The same screen, stale: the workflow refuses and the screen says so, usable again.
    assert!(settle(&mut state, Message::Approve, &f.ctx, State::update).is_none());
    assert!(!state.busy);
    let shown = state.error.as_ref().map(|e| e.text(crate::Lang::Id));
    assert!(
        shown.as_deref().is_some_and(|t| t.contains("Terekam")),
        "{shown:?}"
    );
}

#[test]
fn arrows_move_over_the_grid_and_spanning_tiles_are_skipped() {
    // The face spans two columns: right of it is the right thumb, below it the right iris.
    assert_eq!(moved((0, 0), Dir::Right), (0, 2));
    assert_eq!(SLOTS[GRID[0][2]], (Modality::Finger, 1));
    assert_eq!(moved((0, 0), Dir::Left), (0, 0));
    assert_eq!(moved((0, 0), Dir::Down), (1, 0));
    assert_eq!(SLOTS[GRID[1][0]], (Modality::Iris, 1));
    assert_eq!(moved((1, 1), Dir::Up), (0, 1));
    assert_eq!(moved((1, 1), Dir::Right), (1, 2));
    assert_eq!(SLOTS[GRID[1][2]], (Modality::Finger, 6));
    assert_eq!(moved((0, 3), Dir::Down), (1, 3));
    assert_eq!(SLOTS[GRID[1][3]], (Modality::Finger, 7));
    // The signature spans both rows at the right edge: down and right stay.
    assert_eq!(moved((0, 6), Dir::Right), (0, 7));
    assert_eq!(moved((0, 7), Dir::Down), (0, 7));
    assert_eq!(moved((1, 7), Dir::Right), (1, 7));
    assert_eq!(first_cell(13), (0, 7));
    assert_eq!(first_cell(12), (1, 1));
}

#[test]
fn decoding_names_what_it_cannot_draw() {
    assert!(matches!(
        decode(Encoding::Png, b"not a png"),
        Preview::Broken
    ));
    assert!(matches!(
        decode(Encoding::Wsq, b"..."),
        Preview::NoPreview(Encoding::Wsq)
    ));
    let caps = rekam_signature::PadCapabilities {
        max_x: 1000,
        max_y: 400,
        max_pressure: 255,
        max_tilt_x: 0,
        max_tilt_y: 0,
        firmware: 1,
    };
    let sample = |x, y| rekam_signature::PenSample {
        t_us: 0,
        report: rekam_signature::PenReport {
            proximity: true,
            tip: true,
            button: false,
            eraser: false,
            x,
            y,
            pressure: 100,
            tilt_x: 0,
            tilt_y: 0,
        },
    };
    let sig = rekam_signature::Signature {
        pad: caps,
        strokes: vec![rekam_signature::Stroke {
            points: vec![sample(10, 20), sample(300, 200)],
        }],
    };
    let bytes = serde_json::to_vec(&sig).expect("json");
    match decode(Encoding::IsdV4Strokes, &bytes) {
        Preview::Strokes(d) => {
            assert_eq!((d.max_x, d.max_y), (1000.0, 400.0));
            assert_eq!(d.strokes[0], vec![(10.0, 20.0), (300.0, 200.0)]);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        decode(Encoding::IsdV4Strokes, b"{}"),
        Preview::Broken
    ));
}

#[test]
fn keys_and_the_applicant_guide() {
    let f = Fixture::new();
    let state = loaded(&f);
    let none = Modifiers::default();
    assert!(matches!(
        state.shortcut(&Key::Character("r".into()), none),
        Some(Message::Redo)
    ));
    assert!(matches!(
        state.shortcut(&Key::Named(Named::Enter), none),
        Some(Message::Approve)
    ));
    assert!(matches!(
        state.shortcut(&Key::Named(Named::ArrowDown), none),
        Some(Message::Move(Dir::Down))
    ));
    assert!(
        state
            .shortcut(&Key::Character("r".into()), Modifiers::CTRL)
            .is_none()
    );
    assert_eq!(
        state.guide(&f.ctx).say,
        "Petugas sedang memeriksa hasil perekaman"
    );
}

#[test]
fn the_view_shows_the_captures_and_clicks_by_label() {
    let f = Fixture::new();
    let state = loaded(&f);
    let mut ui = simulator(state.view(&f.ctx));
    for label in [
        "foto wajah",
        "Tangan kanan",
        "Tangan kiri",
        "telunjuk kanan",
        "iris kiri",
        "tanda tangan",
        "Terpilih: foto wajah",
        "Ulangi [R]",
        "Setujui [Enter]",
    ] {
        assert!(ui.find(label).is_ok(), "{label} is shown");
    }
    assert!(ui.find("Kualitas 70").is_ok());
    assert!(ui.find("Percobaan ke-1").is_ok());
    ui.click("kelingking kiri")
        .expect("left little finger tile");
    ui.click("Setujui [Enter]").expect("approve button");
    let messages: Vec<Message> = ui.into_messages().collect();
    assert!(matches!(messages.first(), Some(Message::Select(10))));
    assert!(matches!(messages.last(), Some(Message::Approve)));
}

#[test]
fn an_exception_is_shown_with_its_kind_and_reason_and_loading_shows_progress() {
    let f = Fixture::new();
    let mut request = f.request_at(2, Step::Review);
    // As the screen would get it for a finger recorded as an exception.
    if let Some(c) = request
        .captures
        .iter_mut()
        .find(|c| c.modality == Modality::Finger && c.position == 10)
    {
        c.format = None;
        c.quality = None;
        c.exception = Some(crate::workflow::ExceptionKind::Injured);
        c.exception_reason = Some("jari diperban".into());
    }
    let (state, _task) = State::new(&f.ctx, request);
    assert_eq!(state.progress(), (0, 13));
    let mut ui = simulator(state.view(&f.ctx));
    assert!(ui.find("Pengecualian: cedera (sementara)").is_ok());
    assert!(ui.find("jari diperban").is_ok());
    assert!(ui.find("Memuat hasil perekaman… 0 dari 13").is_ok());
}
